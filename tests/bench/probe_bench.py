"""make bench, probes: `quiescent scan` with the guest probe of 1,000 Windows guests spread over
20 ESXi hosts, at realistic latency (the lab at --speed 1: every Guest Operations round trip
takes timing_ms.guest_op, 1 s), with default settings (--probe-per-host 2; --probe-concurrency
by default 32, or 2 x the hosts when more: 40 here). Prints the wall time (target: under 5 minutes), probes per minute, Guest Operations calls
per probe (from the lab's request log) and the most Guest Operations the lab had in flight at
once on one host (never more than the per-host bound).

BENCH_PROBE_GUESTS and BENCH_PROBE_HOSTS change the fleet (a quick look: 100 over 20).
BENCH_PROBE_ARGS adds scan options (not the defaults then). BENCH_PROBE_PROGRAM_MS makes the probe's command run that long in each guest (the lab's
timing_ms.guest_program; default 0: at once; on a real guest its vssadmin, diskpart and
PowerShell take seconds).
"""
import json
import os
import re
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "integration"))
from labctl import Lab, QUIESCENT_BIN  # noqa: E402

GUESTS = int(os.environ.get("BENCH_PROBE_GUESTS", "1000"))
HOSTS = int(os.environ.get("BENCH_PROBE_HOSTS", "20"))
PROGRAM_MS = int(os.environ.get("BENCH_PROBE_PROGRAM_MS", "0"))
# extra scan options, to compare with the defaults (e.g. "--probe-concurrency 40")
EXTRA = os.environ.get("BENCH_PROBE_ARGS", "").split()
GUEST_OPS = ("StartProgramInGuest", "ListProcessesInGuest", "InitiateFileTransferFromGuest",
             "DeleteFileInGuest", "TerminateProcessInGuest", "InitiateFileTransferToGuest")


def main():
    scenario = {
        "vcenter": {"password": "Bench-VC-Pass1"},
        "hosts": HOSTS,
        "timing_ms": {"guest_program": PROGRAM_MS},
        "vms": [{"name": "guest", "count": GUESTS, "guest_id": "windows2019srv_64Guest",
                 "guest": {"user": "Administrator", "password": "Guest-Pass1"}}],
    }
    print("probe bench: %d Windows guests over %d hosts, the lab at --speed 1 (a Guest "
          "Operations round trip takes 1 s; the probe's command runs %.1f s in the guest)%s..."
          % (GUESTS, HOSTS, PROGRAM_MS / 1000.0, (" with " + " ".join(EXTRA)) if EXTRA else ""),
          flush=True)
    with tempfile.TemporaryDirectory() as tmp:
        reqlog = os.path.join(tmp, "requests.jsonl")
        with Lab(scenario, speed=1, extra_args=["--request-log", reqlog]) as lab:
            env = {k: v for k, v in os.environ.items() if not k.startswith(("GOVC_", "QUIESCENT_"))}
            env.update(QUIESCENT_PASSWORD=lab.password, QUIESCENT_USER=lab.user,
                       QUIESCENT_DB=os.path.join(tmp, "bench.db"),
                       GOVC_GUEST_LOGIN="Administrator:Guest-Pass1")
            cmd = [QUIESCENT_BIN, "scan", "--server", lab.url, "--thumbprint", lab.thumbprint,
                   "--guest-user", "Administrator", "--format", "json"] + EXTRA
            t = time.monotonic()
            p = subprocess.run(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               stdin=subprocess.DEVNULL)
            wall = time.monotonic() - t
            if p.returncode not in (0, 1):
                sys.exit("probe bench: the scan failed (%d): %s" % (p.returncode, p.stderr.decode()))
            doc = json.loads(p.stdout)
            vms, rate = doc["vms"], doc["vcenters"][0]["probes"]
            log = lab.log_text()
        ok = sum(v["probe"]["state"] == "ok" for v in vms)
        calls = {}
        with open(reqlog) as f:
            for line in f:
                m = json.loads(line).get("method")
                if m in GUEST_OPS:
                    calls[m] = calls.get(m, 0) + 1
    most = {}
    for host, n in re.findall(r"guest ops in flight on (\S+): (\d+)", log):
        most[host] = max(most.get(host, 0), int(n))
    n_calls = sum(calls.values())
    print("  scan with probes: %.0f s (target < 300 s), %d of %d probes ok" % (wall, ok, len(vms)))
    print("  %.0f probes per minute; %.1f Guest Operations calls per probe (%s)"
          % (ok / wall * 60, n_calls / max(ok, 1),
             ", ".join("%s %d" % kv for kv in sorted(calls.items()))))
    print("  quiescent's own figures: %d probed in %.1f s, %.0f per minute, %.1f calls per probe"
          % (rate["probed"], rate["seconds"], rate["per_minute"], rate["calls_per_probe"]))
    in_all = max([int(n) for n in re.findall(r"guest ops in flight in all: (\d+)", log)] or [0])
    print("  most Guest Operations in flight on one host (the lab's count): %d (bound 2), on %d"
          " hosts; in all: %d (bound %d)" % (max(most.values()) if most else 0, len(most), in_all,
                                               rate["concurrency"]),
          flush=True)


if __name__ == "__main__":
    main()
