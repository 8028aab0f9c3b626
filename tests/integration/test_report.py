"""Proof an auditor accepts, against the lab: a full scan, a good and a failing test snapshot,
a fix, another full scan; then the proof per VM in scan's JSON, CSV and table (R25 on the VM
whose test failed, "proven" only for the VM whose test showed the predicted level), and the
report in every format, rendered in headless Chromium driven through DevTools: the headline
figures in the page equal `report --format json`, no VM name wraps or overflows its cell at
1280 px nor in print, the A4 landscape PDF has a bounded page count, and the screenshot and
the PDF are kept under build/test-artifacts/."""
import base64
import csv
import io
import json
import os
import re
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from labctl import BUILD, Lab, quiescent, unittest_main  # noqa: E402
import cdp  # noqa: E402

HERE = os.path.dirname(__file__)
SCENARIO = os.path.join(HERE, "scenarios", "report.json")
GUEST = "Administrator:Rep-Guest-Secret-9902"
ARTIFACTS = os.path.join(BUILD, "test-artifacts")

# After the runs: (status, proof state, rules that must be among the findings)
EXPECTED = {
    "app-crm-01": ("ready", "proven", set()),
    "sql-erp-prod-01": ("fixable", "failed", {"R25"}),
    "dc-branch-office-01": ("ready", "predicted", set()),
    "web-intranet-frontend-01": ("ready", "predicted", set()),
    "file-archive-ide-01": ("manual", "predicted", {"R09"}),
}

# Headline figures the page shows (data-figure) and the JSON headline key they equal.
FIGURES = {"proven": "proven", "predicted": "predicted", "failed": "failed",
           "windows": "windows", "ready": "ready", "problems": "problems"}

PAGE_CHECK = r"""(() => {
  const fig = {};
  document.querySelectorAll('[data-figure]').forEach(e => {
    fig[e.dataset.figure] = parseInt(e.textContent, 10);
  });
  const wrapped = [];
  const cells = document.querySelectorAll('td.vm, .nm');
  cells.forEach(el => {
    const r = document.createRange();
    r.selectNodeContents(el);
    const tops = new Set(Array.from(r.getClientRects()).filter(x => x.width > 0)
                         .map(x => Math.round(x.top)));
    const box = el.getBoundingClientRect();
    const text = r.getBoundingClientRect();
    if (tops.size > 1 || text.right > box.right + 1 || text.left < box.left - 1)
      wrapped.push(el.textContent);
  });
  return {fig: fig, wrapped: wrapped, names: cells.length,
          scrollWidth: document.documentElement.scrollWidth,
          scripts: document.scripts.length,
          external: Array.from(document.querySelectorAll('[src],[href]')).length};
})()"""


class ReportTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.lab = Lab(SCENARIO, speed=50)
        cls.tmp = tempfile.TemporaryDirectory(prefix="quiescent-report-")
        cls.db = os.path.join(cls.tmp.name, "history.db")
        cls.base = ["--server", cls.lab.url, "--thumbprint", cls.lab.thumbprint,
                    "--guest-user", "Administrator"]
        cls.runs = []
        for args in (["scan"] + cls.base,
                     ["snaptest"] + cls.base + ["app-crm-01"],
                     ["snaptest"] + cls.base + ["sql-erp-prod-01"],
                     ["fix"] + cls.base + ["--vm", "dc-branch-office-01", "--apply", "--yes"],
                     ["scan"] + cls.base + ["--format", "json"]):
            cls.runs.append(quiescent(cls.lab, *args, guest_login=GUEST, db=cls.db))

    @classmethod
    def tearDownClass(cls):
        cls.lab.stop()
        cls.tmp.cleanup()

    def run_q(self, *args):
        return quiescent(self.lab, *args, guest_login=GUEST, db=self.db)

    def report(self, *args):
        r = self.run_q("report", "--db", self.db, *args)
        self.assertEqual(r.returncode, 0, r.stderr)
        return r.stdout

    def test_01_runs(self):
        codes = [r.returncode for r in self.runs]
        self.assertEqual(codes[0], 1, self.runs[0].stderr)
        self.assertEqual(codes[1], 0, self.runs[1].stdout + self.runs[1].stderr)
        self.assertEqual(codes[2], 1, "the SqlServerWriter fails the quiesce")
        self.assertEqual(codes[3], 0, self.runs[3].stdout + self.runs[3].stderr)

    def test_02_proof_in_scan_json(self):
        doc = json.loads(self.runs[4].stdout)
        vms = {v["name"]: v for v in doc["vms"]}
        for name, (status, proof, rules) in EXPECTED.items():
            with self.subTest(vm=name):
                v = vms[name]
                self.assertEqual(v["status"], status)
                self.assertEqual(v["proof"]["state"], proof, v["proof"])
                self.assertLessEqual(rules, {f["rule"] for f in v["findings"]})
        good = vms["app-crm-01"]["proof"]["last_test"]
        self.assertEqual(good["result"], "success")
        self.assertEqual(good["achieved_level"], "application")
        self.assertTrue(good["writers"], "the manifest's writers")
        self.assertEqual(good["changed_since"], [])
        self.assertTrue(good["facts_compared"])
        self.assertIsNone(vms["web-intranet-frontend-01"]["proof"]["last_test"])
        self.assertEqual(vms["web-intranet-frontend-01"]["proof"]["reason"], "never tested")
        bad = vms["sql-erp-prod-01"]
        r25 = next(f for f in bad["findings"] if f["rule"] == "R25")
        self.assertEqual((r25["severity"], r25["cap"], r25["fix"]), ("error", "fail", "guided"))
        self.assertIn("SqlServerWriter", r25["message"])
        self.assertRegex(r25["evidence"], r"^snaptest #\d+ at \d{4}-\d\d-\d\dT")
        self.assertEqual(bad["predicted_level"], "fail")

    def test_09_scan_csv_table_and_max_age(self):
        r = self.run_q("scan", *self.base, "--format", "csv")
        rows = list(csv.DictReader(io.StringIO(r.stdout)))
        self.assertEqual(len(rows), len(EXPECTED), "one row per VM")
        by = {row["name"]: row for row in rows}
        self.assertEqual(by["sql-erp-prod-01"]["proof"], "failed")
        self.assertEqual(by["sql-erp-prod-01"]["top_rule"], "R16")
        self.assertIn("R25", by["sql-erp-prod-01"]["rules"].split(";"))
        if by["file-archive-ide-01"]["folder"]:  # the inventory's folders (issue 18)
            # the folder is its inventory path (issue 18)
            self.assertEqual(by["file-archive-ide-01"]["folder"], "/DC0/vm/Branch")
        r = self.run_q("scan", *self.base, "--format", "csv-findings")
        rows = list(csv.DictReader(io.StringIO(r.stdout)))
        self.assertGreater(len(rows), len(EXPECTED))
        self.assertIn(("sql-erp-prod-01", "R25"), {(x["name"], x["rule"]) for x in rows})
        # not a terminal: whole findings and the last-test column
        r = self.run_q("scan", *self.base)
        line = next(l for l in r.stdout.splitlines() if l.startswith("file-archive-ide-01"))
        self.assertIn("R09 a virtual disk is on an IDE controller", line)
        self.assertNotIn("~", line)
        self.assertRegex(r.stdout, r"app-crm-01 .* ok now")
        self.assertRegex(r.stdout, r"sql-erp-prod-01 .* FAILED now")
        self.assertIn("proof: 1 proven, 3 predicted, 1 failed", r.stdout)
        r = self.run_q("scan", *self.base, "--max-proof-age", "0")
        self.assertEqual(r.returncode, 2)

    def test_04_report_json(self):
        doc = json.loads(self.report("--format", "json"))
        h = doc["headline"]
        self.assertEqual((h["windows"], h["proven"], h["predicted"], h["failed"]), (5, 1, 3, 1))
        self.assertEqual((h["ready"], h["fixable"], h["manual"]), (3, 1, 1))
        self.assertEqual([p["name"] for p in doc["problems"]],
                         ["sql-erp-prod-01", "file-archive-ide-01"])
        self.assertIn("quiescent snaptest 'sql-erp-prod-01'", doc["problems"][0]["next_action"])
        folders = {g["name"]: g for g in doc["by"]["folder"]}
        self.assertEqual(folders["/DC0/vm/Branch"]["vms"], 2)   # the inventory's parent chain
        # partial rescans (the tests' and the fix's) are points of their own kind
        self.assertEqual(len(doc["trend_full"]), 2)
        self.assertGreaterEqual(len(doc["trend_partial"]), 3)
        self.assertTrue(all(p["total"] == 5 for p in doc["trend_full"]))
        fix = next(f for f in doc["fixes_in_words"] if f["vm"] == "dc-branch-office-01")
        self.assertIn("disk.EnableUUID set", fix["text"])
        self.assertIn("by quiescent on", fix["text"])
        changes = {c["vm"]: c for c in doc["period_changes"]}
        self.assertIn("disk.EnableUUID: absent -> TRUE", " ".join(changes["dc-branch-office-01"]["facts"]))
        for c in changes.values():
            for line in c["facts"]:
                self.assertNotRegex(line, r"\{[0-9a-f-]{36}\}|instance_id", "no GUID noise")
        # the first report's members are still there
        self.assertEqual(len(doc["last_scan"]["vms"]), 5)
        # scopes
        doc = json.loads(self.report("--format", "json", "--folder", "*/Branch"))
        self.assertEqual(sorted(v["name"] for v in doc["estate"]),
                         ["dc-branch-office-01", "file-archive-ide-01"])
        self.assertTrue(all(p["total"] == 2 for p in doc["trend_full"]))
        doc = json.loads(self.report("--format", "json", "--vm", "*-01", "--folder", "Nowhere"))
        self.assertEqual(doc["estate"], [])
        doc = json.loads(self.report("--format", "json", "--vm", "app-*"))
        self.assertEqual(doc["headline"]["proven"], 1)
        self.assertEqual(doc["headline"]["windows"], 1)
        doc = json.loads(self.report("--format", "json", "--max-proof-age", "1",
                                     "--since", "2d"))
        self.assertEqual(doc["scope"]["max_proof_age_days"], 1)
        self.assertEqual(self.run_q("report", "--db", self.db, "--since", "soon").returncode, 2)

    def test_05_report_md_and_csv(self):
        md = self.report("--format", "md")
        self.assertIn("**1 of 5 Windows VMs proven**", md)
        self.assertLess(md.index("## Open problems"), md.index("## All VMs"))
        self.assertIn("| sql-erp-prod-01 | fixable | failed |", md)
        rows = list(csv.reader(io.StringIO(self.report("--format", "csv"))))
        self.assertEqual(rows[0], ["section", "id", "at", "vm", "outcome", "summary"])
        self.assertEqual(sum(1 for r in rows if r[0] == "scan"), 5)
        self.assertIn("headline", {r[0] for r in rows})
        self.assertIn("rescan", {r[0] for r in rows})

    def test_06_history_in_words(self):
        r = self.run_q("history", "--db", self.db)
        self.assertIn("LOCAL", r.stdout.splitlines()[0])
        self.assertRegex(r.stdout, r"Set disk\.EnableUUID = TRUE: done")
        self.assertNotIn("set_enable_uuid", r.stdout)
        full = json.loads(self.report("--format", "json"))["trend_full"]
        r = self.run_q("history", "--db", self.db, "--diff", str(full[0]["scan_id"]),
                       str(full[-1]["scan_id"]))
        self.assertIn("disk.EnableUUID: absent -> TRUE", r.stdout)
        self.assertNotRegex(r.stdout, r"instance_id|\.id:")
        self.assertRegex(r.stdout, r"UTC, \d{1,2} \w{3} \d{4} \d\d:\d\d local")
        r = self.run_q("history", "--db", self.db, "--show", "scan:%d" % full[-1]["scan_id"])
        self.assertIn("tools_version=12.1.5", r.stdout)

    def test_07_report_in_chromium(self):
        if not cdp.chromium():
            self.skipTest("chromium is not installed (make deps)")
        os.makedirs(ARTIFACTS, exist_ok=True)
        html = os.path.join(ARTIFACTS, "report.html")
        r = self.run_q("report", "--db", self.db, "-o", html)
        self.assertEqual(r.returncode, 0, r.stderr)
        with open(html) as f:
            text = f.read()
        self.assertNotIn("<script", text.lower())
        self.assertNotIn("<link", text.lower())
        self.assertIsNone(re.search(r"""(src|href)\s*=""", text, re.I))
        want = json.loads(self.report("--format", "json"))["headline"]
        b = cdp.Browser(1280, 900)
        try:
            b.open("file://" + html)
            page = b.evaluate(PAGE_CHECK)
            for fig, key in FIGURES.items():
                self.assertEqual(page["fig"].get(fig), want[key], fig)
            self.assertEqual(page["fig"]["vms"], 5)
            self.assertEqual(page["scripts"], 0)
            self.assertEqual(page["external"], 0)
            self.assertGreaterEqual(page["names"], 5)
            self.assertEqual(page["wrapped"], [], "VM names broken or overflowing at 1280 px")
            self.assertLessEqual(page["scrollWidth"], 1280, "no horizontal scrolling at 1280 px")
            shot = b.call("Page.captureScreenshot", format="png", captureBeyondViewport=True)
            png = base64.b64decode(shot["data"])
            self.assertEqual(png[:8], b"\x89PNG\r\n\x1a\n")
            with open(os.path.join(ARTIFACTS, "report.png"), "wb") as f:
                f.write(png)
            # print: A4 landscape is about 1047 CSS px wide inside 10 mm margins
            b.call("Emulation.setEmulatedMedia", media="print")
            b.call("Emulation.setDeviceMetricsOverride", width=1047, height=740,
                   deviceScaleFactor=1, mobile=False)
            page = b.evaluate(PAGE_CHECK)
            self.assertEqual(page["wrapped"], [], "VM names broken or overflowing in print")
            b.call("Emulation.clearDeviceMetricsOverride")
            pdf = base64.b64decode(b.call("Page.printToPDF", landscape=True,
                                          preferCSSPageSize=True, printBackground=True)["data"])
            self.assertEqual(pdf[:5], b"%PDF-")
            with open(os.path.join(ARTIFACTS, "report.pdf"), "wb") as f:
                f.write(pdf)
            pages = cdp.pdf_pages(pdf)
            self.assertGreaterEqual(pages, 1)
            self.assertLessEqual(pages, 6, "five VMs fit a few pages")
        finally:
            b.close()
        for line in b.log:
            self.assertNotRegex(line, r"Uncaught|net::ERR_|Failed to load resource", line)


if __name__ == "__main__":
    unittest_main()
