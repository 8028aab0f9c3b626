#!/bin/sh
# make bench: every benchmark, each printing its figures and the ratios its issue names.
set -eu
cd "$(dirname "$0")/../.."
for b in tests/bench/*_bench.py; do
	echo "== $b"
	/usr/bin/python3 "$b"
done
for b in tests/bench/*_bench.sh; do
	[ -f "$b" ] || continue
	echo "== $b"
	sh "$b"
done
