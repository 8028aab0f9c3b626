"""make bench (and make bench-history), history: a year of daily scans of 10,000 VMs.

1. The real binary scans the lab's 10,000 VMs (fleet100.json x 100, --no-probe) twice into a
   new history, nothing changing between: the second scan's bytes against the first scan's
   (target: an unchanged rescan adds under 1 %).
2. build/bench/history_gen writes 363 more daily scans of those VMs through the store's own
   API (the code quiescent scan writes with; the lab would take hours for a year), 1 % of the
   VMs changed each day (a reboot, every other one also a new snapshot).
3. The file's size (target: under 1 GB) and the wall time of the real binary answering on it
   (median of 3 runs; target: each under 2 s): `history --limit 100` (the newest records),
   `history --vm NAME` (one VM's year), `history --diff` (the last two scans), `history --diff
   FIRST LAST` (a year apart: nearly every VM changed), `report` (HTML; the scans are dated
   after today, so its period holds the whole year and its diff is the year-apart one) and
   `report --format json` (the largest: it also carries the last scan's record).
4. `history` with no limit (every VM of every scan: 3.65 million lines, written to /dev/null),
   once: its wall time and peak RSS (wait4's ru_maxrss). It streams, so its memory must not
   grow with the history (it held the whole year before: 3.7 GB).
5. The retention a daily scan runs with the setting `keep 364` (store_history_prune, through
   history_gen on the day after the year): the first day's scans and their states go; its
   wall and CPU seconds (it runs after the scan's output, beside the logout).
"""
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "integration"))
from labctl import BUILD, Lab, QUIESCENT_BIN  # noqa: E402

SCALE = int(os.environ.get("BENCH_SCALE", "100"))        # 10,000 VMs
DAYS = int(os.environ.get("BENCH_HISTORY_DAYS", "365"))
CHANGE_PERCENT = float(os.environ.get("BENCH_HISTORY_CHANGE", "1"))
GEN = os.path.join(BUILD, "bench", "history_gen")


def file_bytes(db):
    return sum(os.path.getsize(p) for p in (db, db + "-wal") if os.path.exists(p))


def run(cmd, env):
    t = time.monotonic()
    # stdout is not kept: a child's peak RSS (wait4) is never below this process's own at
    # the fork, so this process stays small for the streamed timeline's figure below
    p = subprocess.run(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                       stdin=subprocess.DEVNULL)
    took = time.monotonic() - t
    if p.returncode not in (0, 1):
        sys.exit("history bench: %s failed (%d): %s" % (" ".join(cmd[1:3]), p.returncode,
                                                        p.stderr.decode(errors="replace")))
    return took


def scan_ids(db):
    import sqlite3
    con = sqlite3.connect(db)
    ids = [r[0] for r in con.execute("SELECT id FROM scans ORDER BY id")]
    name = con.execute("SELECT v.name FROM scan_vms m JOIN vm_states v ON v.id = m.state_id"
                       " WHERE m.scan_id = ? ORDER BY v.name LIMIT 1", (ids[-1],)).fetchone()[0]
    con.close()
    return ids, name


def main():
    scenario = os.path.join(HERE, "scenarios", "fleet100.json")
    with tempfile.TemporaryDirectory() as tmp:
        db = os.path.join(tmp, "history.db")
        env = {k: v for k, v in os.environ.items() if not k.startswith(("GOVC_", "QUIESCENT_"))}
        env["QUIESCENT_DB"] = db
        run([QUIESCENT_BIN, "history", "--limit", "1"], env)   # creates the empty schema
        empty = file_bytes(db)
        print("history bench: starting the lab with %d VMs..." % (100 * SCALE), flush=True)
        with Lab(scenario, speed=1000, scale=SCALE) as lab:
            senv = dict(env, QUIESCENT_PASSWORD=lab.password, QUIESCENT_USER=lab.user)
            scan = [QUIESCENT_BIN, "scan", "--server", lab.url, "--thumbprint", lab.thumbprint,
                    "--no-probe", "--format", "json"]
            run(scan, senv)
            first = file_bytes(db) - empty
            run(scan, senv)
            second = file_bytes(db) - empty - first
        ids, name = scan_ids(db)
        n_vms = 100 * SCALE
        print("  first scan of %d VMs: %d bytes; an unchanged rescan: %d bytes = %.2f %% of it"
              " (target < 1 %%)" % (n_vms, first, second, 100.0 * second / first), flush=True)

        changes = int(n_vms * CHANGE_PERCENT / 100)
        days = DAYS - len(ids)
        t = time.monotonic()
        out = subprocess.run([GEN, db, str(ids[-1]), str(days), str(changes)], env=env,
                             stdout=subprocess.PIPE, check=True).stdout.decode().strip()
        print("  %d more daily scans, %d VMs changed a day, written through the store in %.0f s"
              " (%s s in the store)" % (days, changes, time.monotonic() - t, out), flush=True)
        size = file_bytes(db)
        print("  a year (%d scans of %d VMs): %.1f MB (target < 1024 MB)"
              % (DAYS, n_vms, size / 1e6), flush=True)
        if os.environ.get("BENCH_HISTORY_KEEP"):   # to look into it afterwards
            import shutil
            shutil.copy(db, os.environ["BENCH_HISTORY_KEEP"])

        year_ids, _ = scan_ids(db)
        far = [str(year_ids[0]), str(year_ids[-1])]   # the first scan and the last: a year apart
        queries = [("history --limit 100", ["history", "--limit", "100"]),
                   ("history --vm " + name, ["history", "--vm", name]),
                   ("history --vm %s*" % name[:-2], ["history", "--vm", name[:-2] + "*"]),
                   ("history --diff", ["history", "--diff"]),
                   ("history --diff %s %s" % tuple(far), ["history", "--diff"] + far),
                   ("history --trends", ["history", "--trends"]),
                   ("report", ["report", "--format", "html", "-o", os.path.join(tmp, "r.html")]),
                   ("report --format json", ["report", "--format", "json", "-o",
                                             os.path.join(tmp, "r.json")])]
        for label, args in queries:
            walls, cpus = [], []
            for _ in range(3):
                before = resource.getrusage(resource.RUSAGE_CHILDREN)
                took = run([QUIESCENT_BIN] + args, env)
                after = resource.getrusage(resource.RUSAGE_CHILDREN)
                walls.append(took)
                cpus.append(after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime)
            # CPU seconds beside the wall: on a loaded machine the wall says more about the load
            print("  %-32s %.2f s (median of 3; target < 2 s), CPU %.2f s (user+sys, median)"
                  % (label, statistics.median(walls), statistics.median(cpus)), flush=True)
        for fmt in ("table", "json"):
            t = time.monotonic()
            proc = subprocess.Popen([QUIESCENT_BIN, "history", "--format", fmt], env=env,
                                    stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                    stdin=subprocess.DEVNULL)
            err = proc.stderr.read()
            _, status, usage = os.wait4(proc.pid, 0)
            if os.waitstatus_to_exitcode(status) != 0:
                sys.exit("history bench: history --format %s failed: %s"
                         % (fmt, err.decode(errors="replace")))
            print("  %-32s %.2f s, peak RSS %.1f MiB (once; streamed, so the RSS must not grow"
                  " with the history; this bench's own peak, a floor for it: %.1f MiB)"
                  % ("history --format " + fmt + " (all)", time.monotonic() - t,
                     usage.ru_maxrss / 1024.0,
                     resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0), flush=True)
        out = subprocess.run([GEN, db, "prune", str(DAYS - 1)], env=env, stdout=subprocess.PIPE,
                             check=True).stdout.decode().split()
        print("  %-32s %s s (%s s CPU): %s scans and %s stored VM states deleted"
              % ("retention keep %d (a scan's)" % (DAYS - 1), out[0], out[1], out[2], out[3]),
              flush=True)


if __name__ == "__main__":
    main()
