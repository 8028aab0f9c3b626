"""make test-tsan: the threaded paths of the ThreadSanitizer build (build-tsan) against the lab,
each checked for its result here; the TSan reports themselves go to TSAN_OPTIONS' log_path and
tests/tsan/run.sh fails on any.

  - scan with the guest probe: 120 Windows guests over 6 hosts, the default pool (32 threads);
  - fix --concurrency 4 of 8 VMs needing a power cycle, and one stopped by Ctrl-C (the stop
    level read by its workers while the handler raises it);
  - snaptest --parallel 3 of three VMs;
  - scan --read-streams 3 of 1,200 VMs (three slices read at once into one estate), and the
    same with a slice failing (the others stop).
"""
import json
import os
import signal
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "integration"))
import labctl  # noqa: E402
from history_db import wait_for  # noqa: E402
from labctl import Lab, quiescent  # noqa: E402

SCENARIOS = os.path.join(HERE, "..", "integration", "scenarios")
GUEST = "Administrator:Int-Guest-Secret-4412"
PROBE_SCENARIO = {
    "vcenter": {"password": "Tsan-VC-Pass1"},
    "hosts": 6,
    "timing_ms": {"guest_op": 100},
    "vms": [{"name": "guest", "count": 120, "guest_id": "windows2019srv_64Guest",
             "guest": {"user": "Administrator", "password": "Guest-Pass1"}}],
}
failures = []


def check(ok, what, detail=""):
    print("  %s %s" % ("ok  " if ok else "FAIL", what), flush=True)
    if not ok:
        failures.append("%s: %s" % (what, detail[-2000:]))


def base(lab, cmd):
    return [cmd, "--server", lab.url, "--thumbprint", lab.thumbprint, "--guest-user",
            "Administrator"]


def probe_scan(tmp):
    with Lab(PROBE_SCENARIO, speed=1) as lab:
        r = quiescent(lab, *base(lab, "scan"), "--format", "json", db=os.path.join(tmp, "p.db"),
                      guest_login="Administrator:Guest-Pass1", timeout=900)
        ok = r.returncode in (0, 1) and r.stdout
        vms = json.loads(r.stdout)["vms"] if ok else []
        probed = sum(v["probe"]["state"] == "ok" for v in vms)
        check(ok and probed == 120, "scan probed 120 guests (%d ok, exit %d)"
              % (probed, r.returncode), r.stderr)


def fixes(tmp):
    with Lab(os.path.join(SCENARIOS, "fix_many.json"), speed=4) as lab:
        db = os.path.join(tmp, "f.db")
        r = quiescent(lab, *base(lab, "fix"), "--vm", "cycle-*", "--apply", "--yes",
                      "--concurrency", "4", "--format", "json", db=db, guest_login=GUEST,
                      timeout=900)
        check(r.returncode == 0, "fix --concurrency 4 (exit %d)" % r.returncode, r.stderr)
    with Lab(os.path.join(SCENARIOS, "fix_many.json"), speed=4) as lab:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("GOVC_", "QUIESCENT_"))}
        env.update(QUIESCENT_PASSWORD=lab.password, QUIESCENT_USER=lab.user,
                   QUIESCENT_DB=os.path.join(tmp, "c.db"), GOVC_GUEST_LOGIN=GUEST)
        # SIGINT as a terminal sends it, even when this runs in a shell's background (where
        # it is ignored, and the stop code rightly keeps it ignored)
        p = subprocess.Popen([labctl.QUIESCENT_BIN] + base(lab, "fix") +
                             ["--vm", "cycle-*", "--apply", "--yes", "--concurrency", "2"],
                             env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True,
                             preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
        # the workers are under way: the first two VMs' steps are running
        started = wait_for(os.path.join(tmp, "c.db"), "SELECT count(*) FROM steps WHERE "
                           "kind='set_enable_uuid' AND state='running'", timeout=300)
        p.send_signal(signal.SIGINT)
        out, err = p.communicate(timeout=600)
        check(started and p.returncode == 6, "fix stopped by Ctrl-C (exit %d)" % p.returncode,
              err)


def snaptests(tmp):
    with Lab(os.path.join(SCENARIOS, "snaptest.json"), speed=4) as lab:
        vms = ["app-2019", "fs-2019", "freeze-2019"]
        r = quiescent(lab, *base(lab, "snaptest"), *vms, "--parallel", "3", "--format", "json",
                      db=os.path.join(tmp, "s.db"), guest_login=GUEST, timeout=900)
        tests = json.loads(r.stdout)["tests"] if r.stdout else []
        check(r.returncode in (0, 1, 4) and sorted(t["vm"] for t in tests) == sorted(vms),
              "snaptest --parallel 3 (exit %d, %d tests)" % (r.returncode, len(tests)), r.stderr)


def sliced_scans(tmp):
    fleet = os.path.join(HERE, "..", "bench", "scenarios", "fleet100.json")
    with open(fleet) as f:
        sc = json.load(f)
    for faults in ([], [{"method": "ContinueRetrievePropertiesEx", "after": 1, "kind": "http_500",
                         "fault": "SystemError"}]):
        sc["faults"] = faults
        with Lab(sc, speed=1000, scale=12) as lab:
            r = quiescent(lab, "scan", "--server", lab.url, "--thumbprint", lab.thumbprint,
                          "--no-probe", "--format", "json", "--read-streams", "3",
                          db=os.path.join(tmp, "streams.db"), timeout=900)
        n = len(json.loads(r.stdout)["vms"]) if r.stdout else 0
        if faults:
            check(r.returncode == 3 and n == 0, "scan --read-streams 3, a slice failing (exit %d)"
                  % r.returncode, r.stderr)
        else:
            check(r.returncode in (0, 1) and n == 1200, "scan --read-streams 3 of 1,200 VMs "
                  "(%d read, exit %d)" % (n, r.returncode), r.stderr)


def main():
    with tempfile.TemporaryDirectory(prefix="quiescent-tsan-") as tmp:
        sliced_scans(tmp)
        probe_scan(tmp)
        fixes(tmp)
        snaptests(tmp)
    if failures:
        print("\n".join(failures), file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
