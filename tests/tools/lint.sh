#!/bin/sh
# make lint: cppcheck and clang-tidy over the project's own C (core, tui, views), with the
# committed config (.clang-tidy, .cppcheck-suppressions, tests/tools/lint-suppressions.txt).
# gofmt over the lab's Go. Exit status 0 when all are clean. LINT_JOBS clang-tidy processes run at once.
set -u
cd "$(dirname "$0")/../.."
JOBS=${LINT_JOBS:-$(nproc 2>/dev/null || echo 2)}
PKGS="ncursesw libcurl libxml-2.0 openssl sqlite3 libzip readline"
FLAGS="-std=c11 -D_GNU_SOURCE -I. -Icore $(pkg-config --cflags $PKGS 2>/dev/null)"
SRC=$(ls main.c core/*/*.c tui/*.c views/*.c)
OUT=${LINT_OUT:-build/lint}
mkdir -p "$OUT"
status=0

echo "== cppcheck"
# One process per file: cppcheck 2.10 segfaults on some files (core/frontend/history_out.c at the
# time of writing); such a file is retried with the warning checks only, then skipped, loudly.
cppcheck_one() { # enable file
	cppcheck -q --std=c11 --inline-suppr --suppressions-list=.cppcheck-suppressions \
		-D_GNU_SOURCE -I. -Icore --template='{file}:{line}: {severity} {id}: {message}' \
		--enable="$1" --error-exitcode=1 "$2"
}
: > "$OUT/cppcheck.log"
for f in $SRC; do
	cppcheck_one warning,portability,performance "$f" >> "$OUT/cppcheck.log" 2>&1
	rc=$?
	if [ $rc -gt 1 ]; then
		echo "lint: cppcheck crashed on $f (status $rc); checking it with --enable=warning only"
		cppcheck_one warning "$f" >> "$OUT/cppcheck.log" 2>&1
		rc=$?
		if [ $rc -gt 1 ]; then
			# a crash of the tool is no finding in our code: clang-tidy still covers the file
			echo "lint: cppcheck crashed again on $f: skipped (a cppcheck bug; clang-tidy checks it)"
			rc=0
		fi
	fi
	[ $rc = 0 ] || status=1
done
grep -E '^[^ ]+:[0-9]+: ' "$OUT/cppcheck.log"

echo "== clang-tidy ($JOBS at once)"
echo "$SRC" | xargs -n1 -P"$JOBS" sh -c 'clang-tidy --quiet "$0" -- '"$FLAGS"' 2>/dev/null' \
	> "$OUT/clang-tidy.log" 2>&1
# findings: "path:line:col: error: message [check,-warnings-as-errors]"
grep -E '^[^ ]+:[0-9]+:[0-9]+: (warning|error): ' "$OUT/clang-tidy.log" |
	sed "s#^$PWD/##" | sort -u > "$OUT/clang-tidy.findings"
awk -F'\t' 'NR == FNR { if ($0 !~ /^#/ && NF >= 2) sup[$1 "\t" $2] = 1; next }
	{ file = $1; sub(/:.*/, "", file); check = $0; sub(/.*\[/, "", check); sub(/[],].*/, "", check)
	  if (!((file "\t" check) in sup)) print }' \
	tests/tools/lint-suppressions.txt "$OUT/clang-tidy.findings" > "$OUT/clang-tidy.left"
if [ -s "$OUT/clang-tidy.left" ]; then
	cat "$OUT/clang-tidy.left"
	status=1
fi
n=$(wc -l < "$OUT/clang-tidy.findings")
left=$(wc -l < "$OUT/clang-tidy.left")
echo "lint: clang-tidy $n findings, $((n - left)) suppressed (tests/tools/lint-suppressions.txt), $left left"
echo "== gofmt (the lab)"
unformatted=$(gofmt -l tests/lab 2>&1)
if [ -n "$unformatted" ]; then
	echo "$unformatted" | sed 's/$/: not gofmt-formatted (gofmt -w)/'
	status=1
fi
[ $status = 0 ] && echo "lint: clean"
exit $status
