"""quiescent history and report against the lab: scans, a fix and a test snapshot, then the
timeline in every format, filters, --diff showing the fixed VM's move with the fact linked to
its fix step, stored records, trends, retention, two scans writing at once, and the HTML report
rendered in headless Chromium (screenshot, DOM, no external request)."""
import csv
import io
import json
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from labctl import Lab, quiescent, unittest_main  # noqa: E402

HERE = os.path.dirname(__file__)
SCENARIO = os.path.join(HERE, "scenarios", "history.json")
GUEST = "Administrator:Hist-Guest-Secret-3318"


def chromium():
    for name in ("chromium", "chromium-browser", "google-chrome"):
        p = shutil.which(name)
        if p:
            return p
    return None


class HistoryTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.lab = Lab(SCENARIO, speed=50)
        cls.tmp = tempfile.TemporaryDirectory(prefix="quiescent-history-")
        cls.db = os.path.join(cls.tmp.name, "history.db")
        base = ["--server", cls.lab.url, "--thumbprint", cls.lab.thumbprint,
                "--guest-user", "Administrator"]
        cls.runs = []
        for args in (["scan"] + base,
                     ["fix"] + base + ["--vm", "hist-r07", "--apply", "--yes"],
                     ["scan"] + base,
                     ["snaptest"] + base + ["hist-app"]):
            r = quiescent(cls.lab, *args, guest_login=GUEST, db=cls.db)
            cls.runs.append(r)

    @classmethod
    def tearDownClass(cls):
        cls.lab.stop()
        cls.tmp.cleanup()

    def hist(self, *args, db=None, env_extra=None):
        return quiescent(self.lab, "history", "--db", db or self.db, *args, env_extra=env_extra)

    def records(self, *args):
        r = self.hist("--format", "json", *args)
        self.assertEqual(r.returncode, 0, r.stderr)
        return json.loads(r.stdout)["records"]

    def test_00_setup_ran(self):
        codes = [r.returncode for r in self.runs]
        self.assertEqual(codes, [1, 0, 1, 0], [r.stderr for r in self.runs])

    def test_01_table(self):
        r = self.hist()
        self.assertEqual(r.returncode, 0, r.stderr)
        lines = r.stdout.splitlines()
        self.assertTrue(lines[0].startswith("AT (UTC)"), lines[0])
        self.assertRegex(r.stdout, r"fix\s+1\s+hist-r07\s+fixed, fix #1: Shut the guest down: done; "
                                   r"Set disk\.EnableUUID = TRUE: done")
        self.assertRegex(r.stdout, r"snaptest\s+\d+\s+hist-app\s+success: predicted application, "
                                   r"achieved application")
        self.assertRegex(r.stdout, r"scan\s+\d+\s+hist-ide\s+manual:")

    def test_02_json_records_carry_kind_at_vm_details(self):
        recs = self.records()
        self.assertEqual({r["kind"] for r in recs}, {"scan", "fix", "snaptest"})
        for r in recs:
            for k in ("kind", "at", "vm", "details", "outcome", "vcenter"):
                self.assertIn(k, r)
            self.assertRegex(r["at"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")
            self.assertIsInstance(r["details"], dict)
        self.assertEqual(recs, sorted(recs, key=lambda r: r["at"], reverse=True))
        fix = [r for r in recs if r["kind"] == "fix"][0]
        self.assertEqual((fix["vm"], fix["outcome"], fix["details"]["plan_state"]),
                         ("hist-r07", "fixed", "done"))
        uuid = [s for s in fix["details"]["steps"] if s["kind"] == "set_enable_uuid"][0]
        self.assertEqual((uuid["before"], uuid["after"], uuid["state"]), ("(absent)", "TRUE", "done"))
        test = [r for r in recs if r["kind"] == "snaptest"][0]
        self.assertEqual(test["details"]["achieved_level"], "application")
        self.assertIn("SqlServerWriter", {w["name"] for w in test["details"]["writers"]})
        scan = [r for r in recs if r["kind"] == "scan" and r["vm"] == "hist-ide"][0]
        self.assertEqual(scan["details"]["status"], "manual")
        self.assertIn("R09", scan["details"]["findings"])

    def test_03_csv(self):
        r = self.hist("--format", "csv")
        self.assertEqual(r.returncode, 0, r.stderr)
        rows = list(csv.reader(io.StringIO(r.stdout)))
        self.assertEqual(rows[0], ["kind", "at", "vcenter", "vm", "moref", "outcome", "id", "summary"])
        self.assertEqual(len(rows) - 1, len(self.records()))

    def test_04_filters(self):
        self.assertEqual({r["kind"] for r in self.records("--kind", "fix")}, {"fix"})
        self.assertEqual({r["kind"] for r in self.records("--kind", "fix", "--kind", "snaptest")},
                         {"fix", "snaptest"})
        self.assertEqual({r["vm"] for r in self.records("--vm", "hist-a*")}, {"hist-app"})
        self.assertEqual({r["outcome"] for r in self.records("--outcome", "manual")}, {"manual"})
        self.assertEqual(len(self.records("--since", "1h")), len(self.records()))
        self.assertEqual(self.records("--until", "2000-01-01"), [])
        self.assertEqual(len(self.records("--limit", "2")), 2)
        r = self.hist("--since", "yesterday")
        self.assertEqual(r.returncode, 2)
        self.assertIn("cannot read the time 'yesterday'", r.stderr)

    def test_05_diff_shows_the_fixed_vm(self):
        r = self.hist("--diff")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertRegex(r.stdout, r"hist-r07 \(vm-\d+\): fixable -> ready, predicted filesystem -> application")
        self.assertRegex(r.stdout, r"  - R07 error: disk\.EnableUUID")
        self.assertRegex(r.stdout, r"  ~ disk\.EnableUUID: absent -> TRUE \(fix #1, \d{4}-\d\d-\d\d \d\d:\d\d\)")
        self.assertNotIn("hist-app", r.stdout)  # unchanged VMs are not listed
        d = json.loads(self.hist("--diff", "--format", "json", "--all").stdout)
        vms = {v["vm"]: v for v in d["vms"]}
        self.assertEqual(vms["hist-app"]["change"], "same")
        v = vms["hist-r07"]
        self.assertEqual((v["change"], v["status"]["before"], v["status"]["after"]),
                         ("changed", "fixable", "ready"))
        fact = [f for f in v["facts"] if f["fact"] == "disk.EnableUUID"][0]
        self.assertEqual((fact["before"], fact["after"], fact["fix"]["plan_id"], fact["fix"]["step"]),
                         ("absent", "TRUE", 1, "set_enable_uuid"))
        # explicit ids, and the wrong arity is a usage error
        ids = sorted({r["details"]["scan_id"] for r in self.records("--kind", "scan")})
        r = self.hist("--diff", str(ids[0]), str(ids[-1]), "--format", "csv")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("vm,moref,change,what,before,after,fix_plan,fix_at", r.stdout)
        self.assertEqual(self.hist("--diff", "1").returncode, 2)

    def test_06_show_records(self):
        r = self.hist("--show", "fix:1", "--format", "json")
        self.assertEqual(r.returncode, 0, r.stderr)
        f = json.loads(r.stdout)
        self.assertEqual((f["kind"], f["state"]), ("fix", "done"))
        kinds = [s["kind"] for s in f["steps"]]
        self.assertIn("set_enable_uuid", kinds)
        self.assertTrue(any(s["task"] for s in f["steps"]))
        tid = [r["details"]["snaptest_id"] for r in self.records("--kind", "snaptest")][0]
        t = json.loads(self.hist("--show", "snaptest:%d" % tid, "--format", "json").stdout)
        self.assertTrue(t["manifest_bytes"] > 0)
        self.assertEqual({w["phase"] for w in t["writers"]}, {"manifest", "after"})
        self.assertTrue(len(t["events"]) >= 3)
        r = self.hist("--show", "scan:999")
        self.assertEqual(r.returncode, 1)
        self.assertIn("there is no scan 999", r.stderr)

    def test_07_trends(self):
        t = json.loads(self.hist("--trends", "--format", "json").stdout)["trends"]
        full = [p for p in t if not p["partial"]]
        self.assertEqual(len(full), 2)
        self.assertEqual((full[0]["ready"], full[0]["fixable"], full[0]["manual"]), (1, 1, 1))
        self.assertEqual((full[1]["ready"], full[1]["fixable"], full[1]["manual"]), (2, 0, 1))

    def test_08_report_formats(self):
        out = os.path.join(self.tmp.name, "r.json")
        r = quiescent(self.lab, "report", "--db", self.db, "--format", "json", "-o", out)
        self.assertEqual(r.returncode, 0, r.stderr)
        with open(out) as f:
            doc = json.load(f)
        self.assertEqual(len(doc["last_scan"]["vms"]), 3)
        self.assertEqual(len(doc["fixes"]["records"]), 1)
        r = quiescent(self.lab, "report", "--db", self.db, "--format", "csv")
        self.assertEqual(r.returncode, 0, r.stderr)
        rows = list(csv.reader(io.StringIO(r.stdout)))
        self.assertEqual(rows[0], ["section", "id", "at", "vm", "outcome", "summary"])
        self.assertEqual({row[0] for row in rows[1:]},
                         {"headline", "scan", "fix", "snaptest", "trend", "rescan"})
        self.assertEqual(quiescent(self.lab, "report", "--format", "pdf").returncode, 2)

    def test_09_report_html_in_chromium(self):
        html = os.path.join(self.tmp.name, "report.html")
        r = quiescent(self.lab, "report", "--db", self.db, "-o", html)
        self.assertEqual(r.returncode, 0, r.stderr)
        with open(html) as f:
            text = f.read()
        # self-contained: nothing fetched, no script
        self.assertIsNone(re.search(r"""(src|href)\s*=\s*["']?\s*(https?:)?//""", text, re.I))
        self.assertNotIn("http://", text)
        self.assertNotIn("https://", text)
        self.assertNotIn("<script", text.lower())
        self.assertNotIn("<link", text.lower())
        self.assertIn("disk.EnableUUID: absent -&gt; TRUE (fix #1,", text)
        browser = chromium()
        if not browser:
            self.skipTest("chromium is not installed (make deps)")
        prof = tempfile.mkdtemp(prefix="quiescent-chromium-", dir=self.tmp.name)
        png = os.path.join(self.tmp.name, "report.png")
        flags = [browser, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                 "--no-first-run", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--user-data-dir=" + prof, "--enable-logging=stderr", "--v=0"]
        r = subprocess.run(flags + ["--screenshot=" + png, "--window-size=1280,2000",
                                    "file://" + html], capture_output=True, text=True, timeout=120)
        self.assertTrue(os.path.exists(png), r.stderr[-2000:])
        with open(png, "rb") as f:
            head = f.read(24)
        self.assertEqual(head[:8], b"\x89PNG\r\n\x1a\n")
        width, height = int.from_bytes(head[16:20], "big"), int.from_bytes(head[20:24], "big")
        self.assertEqual((width, height), (1280, 2000))
        self.assertGreater(os.path.getsize(png), 20000)  # a rendered page, not a blank one
        for line in r.stderr.splitlines():
            self.assertNotRegex(line, r"CONSOLE|Uncaught|net::ERR_|Failed to load resource", line)
        r = subprocess.run(flags + ["--dump-dom", "file://" + html], capture_output=True,
                           text=True, timeout=120)
        self.assertEqual(r.returncode, 0, r.stderr[-2000:])
        dom = r.stdout
        self.assertIn("<h1>Quiescing proof report</h1>", dom)
        self.assertIn("<svg", dom)
        self.assertIn('class="line-ready"', dom)
        self.assertIn("hist-r07", dom)
        for line in r.stderr.splitlines():
            self.assertNotRegex(line, r"CONSOLE|Uncaught|net::ERR_|Failed to load resource", line)

    def test_10_two_scans_at_once(self):
        db = os.path.join(self.tmp.name, "two.db")
        shutil.copy(self.db, db)
        before = sqlite3.connect(db).execute("SELECT count(*) FROM scans").fetchone()[0]
        base = ["scan", "--server", self.lab.url, "--thumbprint", self.lab.thumbprint, "--no-probe"]
        env = {k: v for k, v in os.environ.items() if not k.startswith(("GOVC_", "QUIESCENT_"))}
        env.update(QUIESCENT_PASSWORD=self.lab.password, QUIESCENT_USER=self.lab.user, QUIESCENT_DB=db)
        from labctl import QUIESCENT_BIN
        procs = [subprocess.Popen([QUIESCENT_BIN] + base, env=env, stdout=subprocess.DEVNULL,
                                  stderr=subprocess.PIPE, text=True, stdin=subprocess.DEVNULL)
                 for _ in range(3)]
        for p in procs:
            _, err = p.communicate(timeout=120)
            self.assertEqual(p.returncode, 1, err)   # the fleet is not ready, each time
            self.assertNotIn("locked", err)
        con = sqlite3.connect(db)
        self.assertEqual(con.execute("SELECT count(*) FROM scans").fetchone()[0], before + 3)
        self.assertEqual(con.execute("PRAGMA integrity_check").fetchone()[0], "ok")
        con.close()

    def test_10b_unchanged_rescan_stores_only_references(self):
        db = os.path.join(self.tmp.name, "same.db")
        shutil.copy(self.db, db)

        def counts():
            con = sqlite3.connect(db)
            c = [con.execute("SELECT count(*) FROM " + t).fetchone()[0]
                 for t in ("scans", "scan_vms", "vm_states", "findings")]
            con.close()
            return c
        scan = ["scan", "--server", self.lab.url, "--thumbprint", self.lab.thumbprint, "--no-probe",
                "--db", db]
        self.assertEqual(quiescent(self.lab, *scan).returncode, 1)
        scans, members, states, findings = counts()
        r = quiescent(self.lab, *scan)   # nothing changed in the lab since
        self.assertEqual(r.returncode, 1, r.stderr)
        n_vms = len(self.lab.scenario["vms"])
        self.assertEqual(counts(), [scans + 1, members + n_vms, states, findings])
        # and it reads back as a whole scan: no VM changed
        r = self.hist("--diff", "--format", "json", db=db)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(json.loads(r.stdout)["vms"], [])

    def test_11_vacuum(self):
        db = os.path.join(self.tmp.name, "vac.db")
        shutil.copy(self.db, db)
        # the proof (fixes, test snapshots) is kept a year by default, scans by --keep
        r = self.hist("--keep", "0", db=db)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertRegex(r.stdout, r"deleted history older than .*: \d+ scans \(\d+ stored VM "
                         r"states no longer used\).*; fixes and test snapshots older than .*: "
                         r"0 fixes, 0 test snapshots")
        recs = json.loads(self.hist("--format", "json", db=db).stdout)["records"]
        self.assertEqual({r["kind"] for r in recs}, {"scan", "fix", "snaptest"})
        self.assertEqual(len({r["id"] for r in recs if r["kind"] == "scan"}), 1)
        r = self.hist("--vacuum", "--keep", "0", "--keep-proof", "0", db=db)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertRegex(r.stdout, r"0 scans .*: 1 fixes, 1 test snapshots")
        recs = json.loads(self.hist("--format", "json", db=db).stdout)["records"]
        self.assertEqual({r["kind"] for r in recs}, {"scan"})  # the newest scan is kept
        con = sqlite3.connect(db)
        self.assertEqual(con.execute("PRAGMA integrity_check").fetchone()[0], "ok")
        self.assertEqual(con.execute("SELECT count(*) FROM steps").fetchone()[0], 0)
        self.assertEqual(con.execute("SELECT count(*) FROM vm_states WHERE id NOT IN"
                                     " (SELECT state_id FROM scan_vms)").fetchone()[0], 0)
        con.close()
        self.assertEqual(self.hist("--vacuum", db=db).returncode, 2)
        self.assertEqual(self.hist("--keep-proof", "3", db=db).returncode, 2)
        self.assertEqual(self.hist("--keep", "x", db=db).returncode, 2)

    def test_11b_retention_settings(self):
        """The retention settings file: every scan deletes what is older than `keep`, fixes and
        test snapshots by `keep-proof` (default: the longer of keep and a year); a bad line is
        a usage error before anything is scanned; `history --keep` takes keep-proof from it."""
        db = os.path.join(self.tmp.name, "ret.db")
        shutil.copy(self.db, db)
        con = sqlite3.connect(db)   # this history's rows, 400 days older
        shift = 400 * 86400
        for table, cols in (("connections", ("started_at", "ended_at")),
                            ("scans", ("started_at", "finished_at")),
                            ("plans", ("created_at", "updated_at")),
                            ("snaptests", ("created_at", "ended_at")),
                            ("tasks", ("started_at", "ended_at")), ("events", ("at",)),
                            ("messages", ("at",))):
            con.execute("UPDATE %s SET %s" % (table, ", ".join(
                "%s = %s - %d" % (c, c, shift) for c in cols)))
        con.commit()
        old_scans = con.execute("SELECT count(*) FROM scans").fetchone()[0]
        con.close()
        cfg = os.path.join(self.tmp.name, "config")
        os.makedirs(os.path.join(cfg, "quiescent"), exist_ok=True)
        settings = os.path.join(cfg, "quiescent", "retention")

        def scan():
            return quiescent(self.lab, "scan", "--server", self.lab.url, "--thumbprint",
                             self.lab.thumbprint, "--no-probe", "--format", "json", db=db,
                             env_extra={"XDG_CONFIG_HOME": cfg})

        def kinds():
            recs = json.loads(self.hist("--format", "json", db=db).stdout)["records"]
            return sorted({(r["kind"], r["id"]) for r in recs if r["kind"] != "scan"}), \
                len({r["id"] for r in recs if r["kind"] == "scan"})

        with open(settings, "w") as f:
            f.write("keep 2  # days\nkeep-protect 500\n")
        r = scan()
        self.assertEqual(r.returncode, 2, r.stderr)
        self.assertEqual(r.stderr.strip(), "quiescent scan: the retention settings %s, line 2: "
                         "expected 'keep DAYS' or 'keep-proof DAYS' (1 to 36500 days)" % settings)
        self.assertEqual(kinds()[1], old_scans)   # nothing scanned, nothing deleted
        r = self.hist("--keep", "30", db=db, env_extra={"XDG_CONFIG_HOME": cfg})
        self.assertEqual(r.returncode, 2, r.stderr)

        with open(settings, "w") as f:
            f.write("# a month of scans, the proof 500 days\nkeep 30\n\nkeep-proof 500\n")
        proof = kinds()[0]
        self.assertEqual([k for k, _ in proof], ["fix", "snaptest"])
        r = scan()
        self.assertEqual(r.returncode, 1, r.stderr)
        self.assertNotIn("retention", r.stderr)
        self.assertEqual(kinds(), (proof, 1))   # only this scan is left; the proof is kept
        # history --keep without --keep-proof: the settings' 500 days keep the proof
        r = self.hist("--keep", "30", db=db, env_extra={"XDG_CONFIG_HOME": cfg})
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertRegex(r.stdout, r"0 fixes, 0 test snapshots")
        with open(settings, "w") as f:
            f.write("keep 30\n")   # the proof then keeps the default year: 400 days is older
        r = scan()
        self.assertEqual(r.returncode, 1, r.stderr)
        self.assertEqual(kinds(), ([], 2))   # and the month's two scans stay
        con = sqlite3.connect(db)
        self.assertEqual(con.execute("PRAGMA integrity_check").fetchone()[0], "ok")
        self.assertEqual(con.execute("SELECT count(*) FROM vm_states WHERE id NOT IN"
                                     " (SELECT state_id FROM scan_vms)").fetchone()[0], 0)
        con.close()

    def test_12_damaged_file_untouched(self):
        bad = os.path.join(self.tmp.name, "bad.db")
        with open(bad, "wb") as f:
            f.write(b"SQLite format 3\x00" + b"\xff" * 4000)
        with open(bad, "rb") as f:
            before = f.read()
        r = self.hist(db=bad)
        self.assertEqual(r.returncode, 8)   # the history's own code, not usage
        self.assertIn("left untouched", r.stderr)
        with open(bad, "rb") as f:
            self.assertEqual(f.read(), before)


if __name__ == "__main__":
    unittest_main()
