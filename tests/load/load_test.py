"""Load (issue 8): the console and `scan` against 10,000 VMs while the lab flips the power of
5% of them every second (--churn 5, seen through WaitForUpdatesEx) for LOAD_MINUTES (default
10): the console's RSS sampled every 10 s must stay flat (final vs after warm-up <= 5%), every
change must reach it (its watcher's mirror, dumped through QUIESCENT_WATCH_DUMP, equals a final
full retrieval after the churn stops), and scan must finish. Then fix and snaptest of 500 VMs
with concurrency at high --speed. Prints a summary; writes build/hardening/load.json.

    make load                      # LOAD_MINUTES=10
    LOAD_MINUTES=2 make load       # a quicker look
"""
import json
import os
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
sys.path.insert(0, os.path.join(ROOT, "tests", "integration"))
sys.path.insert(0, os.path.join(ROOT, "tests", "e2e"))
import labctl  # noqa: E402
from labctl import Lab, quiescent  # noqa: E402
import console_tmux  # noqa: E402

MINUTES = float(os.environ.get("LOAD_MINUTES", "10"))
VMS = int(os.environ.get("LOAD_VMS", "10000"))
CHURN = float(os.environ.get("LOAD_CHURN", "5"))
BATCH = int(os.environ.get("LOAD_BATCH_VMS", "500"))
GUEST_PW = "Load-Guest-Secret-8812"
GUEST = "Administrator:" + GUEST_PW
results = {"suite": "load", "minutes": MINUTES, "vms": VMS, "churn_percent_per_s": CHURN,
           "checks": []}


def check(name, ok, **detail):
    results["checks"].append(dict(name=name, outcome="passed" if ok else "failed", **detail))
    print("%-40s %s  %s" % (name, "ok" if ok else "FAILED", json.dumps(detail)), flush=True)
    return ok


def win(name, count, uuid=True):
    vm = {"name": name, "count": count, "guest_id": "windows2019srv_64Guest", "guest_build": 17763,
          "disks": [{"controller": "pvscsi", "bus": 0, "unit": 0, "gb": 40}],
          "guest": {"user": "Administrator", "password": GUEST_PW}}
    if uuid:
        vm["extra_config"] = {"disk.EnableUUID": "TRUE"}
    return vm


def scenario(vms):
    return {"vcenter": {"user": "administrator@vsphere.local", "password": "Load-VC-Secret-3301"},
            "vms": vms}


def rss_kb(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def console_pid(session):
    pane = int(console_tmux.tmux("display-message", "-p", "-t", session, "#{pane_pid}").stdout.strip())
    todo = [pane]
    while todo:
        p = todo.pop()
        try:
            with open("/proc/%d/task/%d/children" % (p, p)) as f:
                kids = [int(x) for x in f.read().split()]
        except OSError:
            kids = []
        for k in kids:
            try:
                with open("/proc/%d/comm" % k) as f:
                    if f.read().strip() == "quiescent":
                        return k
            except OSError:
                pass
            todo.append(k)
    return None


def truth(lab, db):
    """A final full retrieval: moref -> power, through a fresh `scan --no-probe`."""
    r = quiescent(lab, "scan", "--server", lab.url, "--thumbprint", lab.thumbprint, "--no-probe",
                  "--format", "json", db=db, timeout=900)
    return {v["moref"]: v["power_state"] for v in json.loads(r.stdout)["vms"]}, r


def read_dump(path):
    out = {}
    try:
        with open(path) as f:
            for line in f:
                parts = line.split(" ", 2)
                if len(parts) >= 2:
                    out[parts[0]] = parts[1]
    except OSError:
        pass
    return out


def churn_phase(tmp):
    per = 50
    lab = Lab(scenario([win("load", per)]), speed=100, scale=max(1, VMS // per),
              extra_args=("--churn", str(CHURN)))
    dump = os.path.join(tmp, "watch.dump")
    con = None
    ok = True
    try:
        db = os.path.join(tmp, "scan.db")
        t0 = time.time()
        con = console_tmux.Console(lab, width=120, height=40,
                                   env_extra={"QUIESCENT_WATCH_DUMP": dump})
        pid = None
        for _ in range(100):
            pid = console_pid(con.name)
            if pid:
                break
            time.sleep(0.2)
        ok &= check("console started", pid is not None)
        # The initial sync: every VM in the mirror.
        deadline = time.time() + 300
        while time.time() < deadline and len(read_dump(dump)) < VMS:
            time.sleep(1)
        ok &= check("console initial sync", len(read_dump(dump)) == VMS,
                    vms=len(read_dump(dump)), seconds=round(time.time() - t0, 1))

        s0 = time.time()
        _, r = truth(lab, db)
        ok &= check("scan of %d VMs under churn" % VMS, r.returncode in (0, 1) and r.stdout.startswith("{"),
                    exit=r.returncode, seconds=round(time.time() - s0, 1))
        results["scan_seconds"] = round(time.time() - s0, 1)

        samples = []
        end = time.time() + MINUTES * 60
        # The heap settles over the first minutes (glibc arenas of the worker threads, the
        # message log filling to its bound): seen at 10,000 VMs, RSS steps up until about
        # 150 s and is flat from then on. Growth is measured after the first quarter.
        warm_at = time.time() + MINUTES * 60 / 4
        warm = None
        while time.time() < end:
            samples.append((round(time.time() - t0), rss_kb(pid)))
            if warm is None and time.time() >= warm_at:
                warm = samples[-1][1]
            time.sleep(10)
        samples.append((round(time.time() - t0), rss_kb(pid)))
        if warm is None:
            warm = samples[0][1]
        final = samples[-1][1]
        growth = (final - warm) / warm * 100 if warm else 0
        results["rss_samples_kb"] = samples
        results["rss_warm_kb"], results["rss_final_kb"] = warm, final
        results["rss_growth_percent"] = round(growth, 2)
        ok &= check("console memory flat (<= 5%)", growth <= 5.0, warm_kb=warm, final_kb=final,
                    growth_percent=round(growth, 2), samples=len(samples))

        # Stop the churn, let the last updates land, compare with a full retrieval.
        lab.proc.send_signal(signal.SIGUSR1)
        time.sleep(2)
        want, r = truth(lab, db)
        results["changes"] = [ln for ln in lab.log_text().splitlines() if "churn: stopped" in ln]
        got = {}
        deadline = time.time() + 90   # the watcher dumps after a quiet 20 s WaitForUpdatesEx
        while time.time() < deadline:
            got = read_dump(dump)
            if got == want:
                break
            time.sleep(2)
        diff = [m for m in want if got.get(m) != want[m]]
        ok &= check("no lost change (console == final retrieval)", not diff and len(want) == VMS,
                    vms=len(want), differing=len(diff), sample=diff[:5],
                    dump_age_s=round(time.time() - os.stat(dump).st_mtime, 1))
        screen = con.screen()
        ok &= check("console alive", "EXITED" not in screen)
    finally:
        if con:
            con.close()
        lab.stop()
    return ok


def batch_phase(tmp):
    ok = True
    # fix: R07 (disk.EnableUUID) on BATCH running VMs: shutdown, reconfigure, power on, verify.
    with Lab(scenario([win("fx", BATCH, uuid=False)]), speed=200,
             extra_args=("--request-log", os.path.join(tmp, "fix-requests.jsonl"))) as lab:
        db = os.path.join(tmp, "fix.db")
        t0 = time.time()
        r = quiescent(lab, "fix", "--server", lab.url, "--thumbprint", lab.thumbprint,
                      "--guest-user", "Administrator", "--vm", "fx-*", "--apply", "--yes",
                      "--concurrency", "32", "--format", "json", guest_login=GUEST, db=db,
                      timeout=3600)
        secs = round(time.time() - t0, 1)
        outcomes = {}
        try:
            for v in json.loads(r.stdout)["result"]["vms"]:
                outcomes[v["outcome"]] = outcomes.get(v["outcome"], 0) + 1
        except ValueError:
            pass
        reconf = {}
        with open(os.path.join(tmp, "fix-requests.jsonl")) as f:
            for line in f:
                e = json.loads(line)
                if e["method"] == "ReconfigVM_Task":
                    reconf[e["vm"]] = reconf.get(e["vm"], 0) + 1
        c = sqlite3.connect(db)
        open_steps = c.execute("SELECT count(*) FROM steps WHERE state NOT IN"
                               " ('done','failed','rolled_back','skipped')").fetchone()[0]
        c.close()
        powers, _ = truth(lab, os.path.join(tmp, "fix-truth.db"))
        off = [m for m, p in powers.items() if p != "poweredOn"]
        results["fix"] = {"vms": BATCH, "seconds": secs, "exit": r.returncode, "outcomes": outcomes,
                          "vms_per_minute": round(BATCH / secs * 60, 1) if secs else None}
        ok &= check("fix of %d VMs (concurrency 32)" % BATCH,
                    r.returncode == 0 and outcomes.get("fixed") == BATCH and not off and not open_steps
                    and max(reconf.values() or [0]) == 1 and len(reconf) == BATCH,
                    exit=r.returncode, seconds=secs, outcomes=outcomes, left_off=len(off),
                    open_steps=open_steps, max_reconfigures_per_vm=max(reconf.values() or [0]))
    # snaptest of BATCH VMs, 32 at once.
    with Lab(scenario([win("st", BATCH)]), speed=200) as lab:
        db = os.path.join(tmp, "snap.db")
        names = ["st-%03d" % i for i in range(1, BATCH + 1)]
        t0 = time.time()
        r = quiescent(lab, "snaptest", "--server", lab.url, "--thumbprint", lab.thumbprint,
                      "--guest-user", "Administrator", "--parallel", "32", "--format", "json",
                      *names, guest_login=GUEST, db=db, timeout=3600)
        secs = round(time.time() - t0, 1)
        res = {}
        try:
            for t in json.loads(r.stdout)["tests"]:
                res[t["result"]] = res.get(t["result"], 0) + 1
        except ValueError:
            pass
        c = sqlite3.connect(db)
        unfinished = c.execute("SELECT count(*) FROM snaptests WHERE state IN"
                               " ('created','running','orphan')").fetchone()[0]
        c.close()
        results["snaptest"] = {"vms": BATCH, "seconds": secs, "exit": r.returncode, "results": res,
                               "vms_per_minute": round(BATCH / secs * 60, 1) if secs else None}
        ok &= check("snaptest of %d VMs (parallel 32)" % BATCH,
                    r.returncode == 0 and res.get("success") == BATCH and not unfinished,
                    exit=r.returncode, seconds=secs, results=res, unfinished=unfinished,
                    stderr_tail=r.stderr[-300:] if r.returncode else "")
    return ok


def main():
    t0 = time.time()
    with tempfile.TemporaryDirectory(prefix="quiescent-load-") as tmp:
        ok = True
        if os.environ.get("LOAD_SKIP_CHURN") != "1":
            ok &= churn_phase(tmp)
        if os.environ.get("LOAD_SKIP_BATCH") != "1":
            ok &= batch_phase(tmp)
    results["seconds"] = round(time.time() - t0, 1)
    results["passed"] = sum(c["outcome"] == "passed" for c in results["checks"])
    results["failed"] = sum(c["outcome"] == "failed" for c in results["checks"])
    out = os.path.join(ROOT, "build", "hardening")
    os.makedirs(out, exist_ok=True)
    with open(os.path.join(out, "load.json"), "w") as f:
        json.dump(results, f, indent=1)
    if "rss_final_kb" not in results:
        print("\nload: churn phase not run or incomplete (see the checks above)")
    print("\nload: %d VMs, churn %.1f%%/s for %.1f min; console RSS %s -> %s kB (%+.2f%%); "
          "scan %s s; fix %s; snaptest %s" % (
              VMS, CHURN, MINUTES, results.get("rss_warm_kb"), results.get("rss_final_kb"),
              results.get("rss_growth_percent", 0), results.get("scan_seconds"),
              results.get("fix"), results.get("snaptest")))
    print("%d passed, %d failed" % (results["passed"], results["failed"]))
    sys.exit(0 if ok and results["failed"] == 0 else 1)


if __name__ == "__main__":
    main()
