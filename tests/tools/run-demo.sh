#!/bin/sh
# make run: starts the lab with the demo scenario on a free loopback port, opens the quiescent
# console on it (URL and pinned thumbprint as options, credentials through the environment,
# never argv), and stops the lab when the console exits.
set -eu
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}
SCENARIO=${SCENARIO:-tests/lab/scenarios/demo.json}
state=$(mktemp -d "${TMPDIR:-/tmp}/quiescent-demo.XXXXXX")
fifo="$state/lab.out"
mkfifo "$fifo"

"$BUILD/quiescent-lab" --scenario "$SCENARIO" --listen 127.0.0.1:0 --speed "${SPEED:-1}" \
	>"$fifo" 2>"$state/lab.log" &
lab=$!
cleanup() {
	kill "$lab" 2>/dev/null || true
	wait "$lab" 2>/dev/null || true
	rm -rf "$state"
}
trap cleanup EXIT INT TERM

url="" thumb=""
exec 3<"$fifo"
while read -r key value <&3; do
	case $key in
	URL) url=$value ;;
	THUMBPRINT) thumb=$value ;;
	READY) break ;;
	esac
done
if [ -z "$url" ]; then
	echo "make run: the lab did not start:" >&2
	cat "$state/lab.log" >&2
	exit 1
fi
echo "lab: $url  (thumbprint $thumb)"

# Credentials of the demo scenario, handed over in the environment.
eval "$(/usr/bin/python3 - "$SCENARIO" <<'PY'
import json, shlex, sys
s = json.load(open(sys.argv[1]))
vc = s.get("vcenter", {})
print("QUIESCENT_USER=%s" % shlex.quote(vc.get("user", "")))
print("QUIESCENT_PASSWORD=%s" % shlex.quote(vc.get("password", "")))
guest = next((v["guest"] for v in s.get("vms", []) if v.get("guest", {}).get("user")), None)
if guest:
    print("GOVC_GUEST_LOGIN=%s" % shlex.quote(guest["user"] + ":" + guest["password"]))
PY
)"
export QUIESCENT_USER QUIESCENT_PASSWORD GOVC_GUEST_LOGIN

# The demo keeps its own history next to the build, so it grows across demo runs.
export QUIESCENT_DB="${QUIESCENT_DB:-$BUILD/demo-history.db}"
# The console opens on the demo fleet; QUIESCENT_DEMO_COMMAND=scan shows the headless scan instead.
"$BUILD/quiescent" ${QUIESCENT_DEMO_COMMAND:-} --server "$url" --thumbprint "$thumb" "$@"
