#!/bin/sh
# Runs the test suites: unit (cmocka runners), lab (Go tests of the lab), interop (pyvmomi
# against the lab), integration (the real binary against the lab), e2e, fuzz (the libFuzzer
# harnesses for a few seconds each). No argument: all of them.
# Every suite runs even when an earlier one failed; the exit status says whether all passed.
set -u
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}
PY=/usr/bin/python3   # Debian's python: python3-pyvmomi lives there, not in pyenv
suites=${*:-unit integration-c lab interop integration e2e fuzz}
passed=0
failed=0
failures=""
timings=""

# Counts a suite: its name, its exit status, its seconds. One line per suite goes to the
# timings, so a slow suite is found from the log alone (make test's 15-minute budget).
tally() { # name status seconds
	if [ "$2" = 0 ]; then
		passed=$((passed + 1))
	else
		failed=$((failed + 1))
		failures="$failures $1"
	fi
	timings="$timings
$(printf '%5ss  %s' "$3" "$1")"
}

run() { # name command...
	name=$1; shift
	echo "== $name"
	start=$(date +%s)
	"$@"
	tally "$name" $? $(($(date +%s) - start))
}

# The Python suites mostly wait on the lab's clocks, not on the CPU: TEST_JOBS files run at once
# (default: twice the cores), the slowest of the last run first; each file's log is printed whole.
# integration and e2e share one pool, so a long file of one overlaps the other's.
pool() { # suite...
	logdir=$BUILD/test-logs
	jobs=${TEST_JOBS:-$(($(nproc) * 2))}
	mkdir -p "$logdir"
	all=$(for s in "$@"; do ls tests/"$s"/test_*.py 2>/dev/null; done)
	rm -f "$logdir"/*.rc "$logdir"/*.log
	echo "== $*: $(echo "$all" | wc -w) files, $jobs at a time"
	for t in $all; do
		n=$(basename "$(dirname "$t")")_$(basename "$t" .py)
		echo "$(cat "$logdir/$n.secs" 2>/dev/null || echo 100000) $t"
	done | sort -rn | cut -d' ' -f2 | BUILD=$BUILD PY=$PY xargs -P "$jobs" -n 1 sh tests/tools/run-one.sh "$logdir"
	for t in $all; do
		name=$(basename "$(dirname "$t")")/$(basename "$t" .py)
		n=$(echo "$name" | tr / _)
		echo "== $name"
		cat "$logdir/$n.log" 2>/dev/null
		tally "$name" "$(cat "$logdir/$n.rc" 2>/dev/null || echo 1)" \
			"$(cat "$logdir/$n.secs" 2>/dev/null || echo '?')"
	done
}

# integration and e2e asked together run as one pool
case " $suites " in *" integration "*)
	case " $suites " in *" e2e "*)
		suites=$(echo " $suites " | sed 's/ e2e / /; s/ integration / integration+e2e /') ;;
	esac ;;
esac

for suite in $suites; do
	case $suite in
	unit)
		for t in "$BUILD"/tests/test_*; do
			[ -x "$t" ] || continue
			if [ "${VALGRIND:-}" = 1 ]; then
				run "unit/$(basename "$t")" valgrind -q --suppressions=tests/tools/valgrind.supp --leak-check=full --show-leak-kinds=definite,indirect \
					--errors-for-leak-kinds=definite,indirect --error-exitcode=1 "$t"
			else
				run "unit/$(basename "$t")" "$t"
			fi
		done ;;
	integration-c) for t in "$BUILD"/integration-c/test_*; do [ -x "$t" ] && run "integration-c/$(basename "$t")" "$t"; done ;;
	lab)
		run lab/go-test sh -c "cd tests/lab && GOPATH=/usr/share/gocode GO111MODULE=off \
			GOCACHE=$PWD/$BUILD/gocache go test -count=1 ." ;;
	interop)
		run interop/pyvmomi env QUIESCENT_LAB="$BUILD/quiescent-lab" $PY tests/interop/pyvmomi_test.py ;;
	integration|e2e)
		pool "$suite" ;;
	integration+e2e)
		pool integration e2e ;;
	fuzz)
		# every libFuzzer harness, briefly (make fuzz runs them longer); builds build-fuzz first
		run fuzz/build ${MAKE:-make} --no-print-directory -s fuzz-build
		run fuzz/harnesses env FUZZ_SECONDS="${FUZZ_SECONDS:-5}" sh tests/fuzz/run-fuzz.sh ;;
	*)
		echo "run-tests: unknown suite '$suite'" >&2; exit 2 ;;
	esac
done

echo
echo "time per suite:$timings"
echo
[ -n "$failures" ] && echo "failed suites:$failures"
echo "suites: $passed passed, $failed failed"
[ "$failed" = 0 ]
