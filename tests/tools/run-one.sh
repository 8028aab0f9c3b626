#!/bin/sh
# Runs one Python test file for run-tests.sh's pool: its output goes to LOGDIR/NAME.log, its
# exit status to NAME.rc and its wall time to NAME.secs, so parallel runs never interleave and
# the next run can start the slowest files first. Each file gets private XDG directories: no
# two files share a history or a known_hosts.
# usage: run-one.sh LOGDIR FILE
set -u
logdir=$1 file=$2
name=$(basename "$(dirname "$file")")_$(basename "$file" .py)
home=$(mktemp -d "${TMPDIR:-/tmp}/quiescent-suite-XXXXXX")
start=$(date +%s)
env XDG_DATA_HOME="$home/data" XDG_CONFIG_HOME="$home/config" XDG_STATE_HOME="$home/state" \
	QUIESCENT_BUILD="${BUILD:-build}" "${PY:-/usr/bin/python3}" "$file" >"$logdir/$name.log" 2>&1
echo $? >"$logdir/$name.rc"
echo $(($(date +%s) - start)) >"$logdir/$name.secs"
rm -rf "$home"
