#!/bin/sh
# Runs the test suites: unit (cmocka runners), lab (Go tests of the lab), interop (pyvmomi
# against the lab), integration (the real binary against the lab), e2e, fuzz (the libFuzzer
# harnesses for a few seconds each). No argument: all of them.
# Every suite runs even when an earlier one failed; the exit status says whether all passed.
set -u
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}
PY=/usr/bin/python3   # Debian's python: python3-pyvmomi lives there, not in pyenv
suites=${*:-unit lab interop integration e2e fuzz}
passed=0
failed=0
failures=""
timings=""

run() { # name command...
	name=$1; shift
	echo "== $name"
	start=$(date +%s)
	if "$@"; then
		passed=$((passed + 1))
	else
		failed=$((failed + 1))
		failures="$failures $name"
	fi
	# one line per suite, so a slow suite is found from the log alone (make test's 15-minute budget)
	timings="$timings
$(printf '%5ss  %s' $(($(date +%s) - start)) "$name")"
}

# The Python suites mostly wait on the lab's clocks, not on the CPU: TEST_JOBS files run at once
# (default: cores + 1), the slowest of the last run first; each file's log is printed whole.
pool() { # suite
	logdir=$BUILD/test-logs/$1
	mkdir -p "$logdir"
	files=$(for t in tests/"$1"/test_*.py; do
		[ -f "$t" ] || continue
		n=$1_$(basename "$t" .py)
		echo "$(cat "$logdir/$n.secs" 2>/dev/null || echo 100000) $t"
	done | sort -rn | cut -d' ' -f2)
	rm -f "$logdir"/*.rc "$logdir"/*.log
	echo "== $1: $(echo "$files" | wc -w) files, ${TEST_JOBS:-$(($(nproc) + 1))} at a time"
	echo "$files" | BUILD=$BUILD xargs -P "${TEST_JOBS:-$(($(nproc) + 1))}" -n 1 \
		sh tests/tools/run-one.sh "$logdir"
	for t in tests/"$1"/test_*.py; do
		[ -f "$t" ] || continue
		n=$1_$(basename "$t" .py)
		echo "== $1/$(basename "$t" .py)"
		cat "$logdir/$n.log" 2>/dev/null
		if [ "$(cat "$logdir/$n.rc" 2>/dev/null)" = 0 ]; then
			passed=$((passed + 1))
		else
			failed=$((failed + 1))
			failures="$failures $1/$(basename "$t" .py)"
		fi
		timings="$timings
$(printf '%5ss  %s' "$(cat "$logdir/$n.secs" 2>/dev/null || echo '?')" "$1/$(basename "$t" .py)")"
	done
}

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
	lab)
		run lab/go-test sh -c "cd tests/lab && GOPATH=/usr/share/gocode GO111MODULE=off \
			GOCACHE=$PWD/$BUILD/gocache go test -count=1 ." ;;
	interop)
		run interop/pyvmomi env QUIESCENT_LAB="$BUILD/quiescent-lab" $PY tests/interop/pyvmomi_test.py ;;
	integration|e2e)
		pool "$suite" ;;
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
