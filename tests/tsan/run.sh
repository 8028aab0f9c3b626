#!/bin/sh
# make test-tsan: the threaded paths under ThreadSanitizer (build-tsan). Reports go to one file
# per process in a fresh directory (exitcode=0, so each program's own result is still checked);
# any report not in tests/tsan/tsan.supp (library-internal noise only, each with why) fails.
set -u
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build-tsan}
logs=$(mktemp -d "${TMPDIR:-/tmp}/quiescent-tsan.XXXXXX")
export TSAN_OPTIONS="log_path=$logs/tsan exitcode=0 second_deadlock_stack=1 suppressions=$PWD/tests/tsan/tsan.supp"
export XDG_DATA_HOME="$logs/data"
status=0
for t in test_stop; do
	echo "== unit/$t"
	"$BUILD/tests/$t" || status=1
done
echo "== threaded paths against the lab"
QUIESCENT_BUILD=$BUILD /usr/bin/python3 tests/tsan/tsan_paths.py || status=1
reports=$(ls "$logs"/tsan.* 2>/dev/null)
if [ -n "$reports" ]; then
	cat $reports
	echo "test-tsan: ThreadSanitizer reported $(cat $reports | grep -c '^WARNING: ThreadSanitizer') race(s) in $(echo "$reports" | wc -l) process(es) (above)"
	status=1
fi
[ "$status" = 0 ] && echo "test-tsan: no ThreadSanitizer report" && rm -rf "$logs"
exit $status
