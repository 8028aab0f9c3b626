#!/bin/sh
# Runs every libFuzzer harness of build-fuzz/fuzz: first its regression inputs
# (tests/fuzz/regressions/<harness>/, each must pass), then FUZZ_SECONDS of fuzzing from the
# committed seeds (tests/fuzz/corpus/<harness>/) into a scratch corpus under the build tree.
# FUZZ_JOBS harnesses run at once. Crashers land in $FUZZ_BUILD/artifacts/<harness>/.
# Writes build/hardening/fuzz.tsv (harness, seconds, execs, corpus, crashes) for
# `make hardening-report`. Exit status: 0 when nothing crashed, leaked or hung.
set -u
cd "$(dirname "$0")/../.."
FUZZ_BUILD=${FUZZ_BUILD:-build-fuzz}
FUZZ_SECONDS=${FUZZ_SECONDS:-60}
FUZZ_JOBS=${FUZZ_JOBS:-2}
FUZZ_ONLY=${FUZZ_ONLY:-}
OUT=${HARDENING_DIR:-build/hardening}
mkdir -p "$OUT" "$FUZZ_BUILD/logs"
[ -d "$FUZZ_BUILD/fuzz" ] || { echo "run-fuzz: no harnesses in $FUZZ_BUILD/fuzz (make fuzz-build)" >&2; exit 2; }

one() { # harness name -> writes $FUZZ_BUILD/logs/<name>.tsv, returns 0/1
	name=$1
	bin="$FUZZ_BUILD/fuzz/$name"
	log="$FUZZ_BUILD/logs/$name.log"
	work="$FUZZ_BUILD/corpus/$name"
	art="$FUZZ_BUILD/artifacts/$name/"
	mkdir -p "$work" "$art"
	: > "$log"
	status=0
	crashes=0
	opts="-rss_limit_mb=2048 -timeout=20 -max_len=65536 -print_final_stats=1"
	if [ -d "tests/fuzz/regressions/$name" ] && [ -n "$(ls "tests/fuzz/regressions/$name")" ]; then
		# libFuzzer runs each file once when given files
		if ! "$bin" $opts tests/fuzz/regressions/"$name"/* >> "$log" 2>&1; then
			echo "fuzz/$name: a regression input fails again (see $log)" >&2
			status=1
			crashes=$((crashes + 1))
		fi
	fi
	seeds=""
	[ -d "tests/fuzz/corpus/$name" ] && seeds="tests/fuzz/corpus/$name"
	dict=""
	case $name in   # the XML harnesses share one dictionary
	fuzz_soap_*|fuzz_propcol_*|fuzz_inventory|fuzz_task_info|fuzz_manifest_xml)
		dict="-dict=tests/fuzz/dict/xml.dict" ;;
	esac
	[ -f "tests/fuzz/dict/$name.dict" ] && dict="-dict=tests/fuzz/dict/$name.dict"
	start=$(date +%s)
	if ! "$bin" $opts $dict -max_total_time="$FUZZ_SECONDS" -artifact_prefix="$art" \
		"$work" $seeds >> "$log" 2>&1; then
		echo "fuzz/$name: crash, leak or hang; input in $art (log $log)" >&2
		grep -m3 -E "ERROR|SUMMARY|runtime error" "$log" >&2
		status=1
		crashes=$((crashes + 1))
	fi
	secs=$(( $(date +%s) - start ))
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
	corpus=$(ls "$work" | wc -l)
	printf '%s\t%s\t%s\t%s\t%s\n' "$name" "$secs" "${execs:-0}" "$corpus" "$crashes" \
		> "$FUZZ_BUILD/logs/$name.tsv"
	[ $status = 0 ] && echo "fuzz/$name: ok (${secs}s, ${execs:-0} execs, corpus $corpus)"
	return $status
}

if [ "${1:-}" = --one ]; then
	one "$2"
	exit $?
fi

all=$(cd "$FUZZ_BUILD/fuzz" && ls | grep '^fuzz_')
names=$(echo "$all" | grep -- "${FUZZ_ONLY:-.}")
for n in $names; do rm -f "$FUZZ_BUILD/logs/$n.tsv"; done
echo "$names" | xargs -n1 -P"$FUZZ_JOBS" sh "$0" --one
rc=$?
# every harness's last run (FUZZ_ONLY runs keep the others' figures)
{
	printf 'harness\tseconds\texecs\tcorpus\tcrashes\n'
	for n in $all; do
		if [ -f "$FUZZ_BUILD/logs/$n.tsv" ]; then cat "$FUZZ_BUILD/logs/$n.tsv"
		elif echo "$names" | grep -qx "$n"; then printf '%s\t0\t0\t0\t1\n' "$n"
		fi
	done
} > "$OUT/fuzz.tsv"
n=$(echo "$names" | wc -l)
[ $rc = 0 ] && echo "fuzz: $n harnesses, no crash" && exit 0
echo "fuzz: failures (see above)" >&2
exit 1
