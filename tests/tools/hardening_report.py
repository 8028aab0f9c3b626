#!/usr/bin/python3
"""make hardening-report: one table of what the hardening suites tried, read from the results
each suite leaves in build/hardening/ (issue 8), in a fixed layout so runs compare over time.

  fuzz.tsv     tests/fuzz/run-fuzz.sh      harness, seconds, execs, corpus, crashes
  hostile.tsv  tests/integration/test_hostile.py   case, mode, exit, seconds, stderr
  faults.json  tests/integration/test_faults.py    {"suite", "cases": [{name, outcome, seconds}]}
  load.json    tests/load/load_test.py             {"suite", "minutes", "vms", ..., "checks": [...]}
Any other *.tsv (header row) or *.json with "cases"/"checks" is shown too. A missing file is
reported as "not run"."""
import csv
import datetime
import json
import os
import subprocess
import sys


def when(path):
    return datetime.datetime.fromtimestamp(os.path.getmtime(path)).strftime("%Y-%m-%d %H:%M")


def table(rows, header):
    widths = [max(len(str(r[i])) for r in [header] + rows) for i in range(len(header))]
    line = "  ".join("%-*s" % (w, h) for w, h in zip(widths, header))
    print("  " + line)
    print("  " + "  ".join("-" * w for w in widths))
    for r in rows:
        print("  " + "  ".join(("%*s" if isinstance(v, (int, float)) else "%-*s") % (w, v)
                               for w, v in zip(widths, r)))


def tsv(path):
    with open(path) as f:
        rows = list(csv.reader(f, delimiter="\t"))
    return rows[0], rows[1:]


def num(s):
    try:
        return int(s)
    except ValueError:
        try:
            return float(s)
        except ValueError:
            return s


def fuzz(path):
    head, rows = tsv(path)
    rows = [[num(v) for v in r] for r in rows]
    print("Fuzzing (libFuzzer, tests/fuzz) — %s" % when(path))
    table(rows, head)
    tot = [sum(r[i] for r in rows if isinstance(r[i], (int, float))) for i in (1, 2, 3, 4)]
    print("  total: %d harnesses, %d s, %d execs, corpus %d inputs, %d crashing\n" %
          (len(rows), tot[0], tot[1], tot[2], tot[3]))


def hostile(path):
    head, rows = tsv(path)
    print("Hostile server (tests/hostile, scan must exit 3 with one sentence < 120 s) — %s" % when(path))
    out = []
    for r in rows:
        case, mode, rc, secs = r[0], r[1], r[2], float(r[3])
        ok = rc == "3" and secs < 120
        out.append([case, mode, rc, round(secs, 1), "ok" if ok else "FAILED", r[4][:70]])
    table(out, ["case", "mode", "exit", "seconds", "outcome", "stderr"])
    bad = sum(1 for r in out if r[4] != "ok")
    print("  total: %d cases, %d failed, slowest %.0f s\n" % (len(out), bad, max(r[3] for r in out)))


def cases_json(path, title):
    with open(path) as f:
        d = json.load(f)
    print("%s — %s" % (title, when(path)))
    params = {k: v for k, v in d.items() if not isinstance(v, (list, dict))}
    if params:
        print("  " + ", ".join("%s %s" % (k, v) for k, v in params.items()))
    items = d.get("cases") or d.get("checks") or []
    rows = []
    for c in items:
        extra = ", ".join("%s %s" % (k, v) for k, v in c.items()
                          if k not in ("name", "outcome", "seconds") and not isinstance(v, (list, dict)))
        rows.append([c.get("name", "?"), c.get("outcome", "?"), c.get("seconds", ""), extra[:60]])
    if rows:
        table(rows, ["name", "outcome", "seconds", "figures"])
    counts = {}
    for c in items:
        counts[c.get("outcome", "?")] = counts.get(c.get("outcome", "?"), 0) + 1
    print("  total: %d, %s\n" % (len(items), ", ".join("%s %d" % kv for kv in sorted(counts.items()))))


def main():
    d = sys.argv[1] if len(sys.argv) > 1 else "build/hardening"
    try:
        rev = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True,
                             text=True).stdout.strip()
    except OSError:
        rev = "?"
    print("quiescent hardening report — %s, commit %s, results in %s\n" %
          (datetime.datetime.now().strftime("%Y-%m-%d %H:%M"), rev or "?", d))
    known = [("fuzz.tsv", fuzz), ("hostile.tsv", hostile),
             ("faults.json", lambda p: cases_json(p, "Faults injected (lab, tests/integration/test_faults.py)")),
             ("load.json", lambda p: cases_json(p, "Load held (tests/load)"))]
    for name, fn in known:
        p = os.path.join(d, name)
        if os.path.exists(p):
            fn(p)
        else:
            print("%s: not run (no %s)\n" % (name.split(".")[0], p))
    if os.path.isdir(d):
        for name in sorted(os.listdir(d)):
            p = os.path.join(d, name)
            if name in dict(known):
                continue
            if name.endswith(".tsv"):
                head, rows = tsv(p)
                print("%s — %s" % (name, when(p)))
                table(rows, head)
                print()
            elif name.endswith(".json"):
                cases_json(p, name)


if __name__ == "__main__":
    main()
