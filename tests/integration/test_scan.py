"""quiescent scan against the lab: every VM's verdict, the output formats, exit codes, the
history it writes, and the failures an operator meets (wrong password, certificate, host)."""
import csv
import io
import os
import socket
import sqlite3
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from labctl import Lab, quiescent, unittest_main  # noqa: E402

SCENARIO = os.path.join(os.path.dirname(__file__), "scenarios", "verdicts.json")
GUEST = "Administrator:Int-Guest-Secret-4412"

# name: (best, predicted, status, rule ids) — worked out from quiescing-rules.md by hand.
EXPECTED = {
    "ready-2019": ("application", "application", "ready", set()),
    "no-uuid-2016": ("application", "filesystem", "fixable", {"R07"}),
    "uuid-false-2019": ("application", "filesystem", "fixable", {"R07"}),
    "lgto-2012r2": ("application", "filesystem", "fixable", {"R05"}),
    "novss-2019": ("application", "fail", "fixable", {"R04"}),
    "ide-2019": ("application", "filesystem", "manual", {"R09"}),
    "sata-2019": ("application", "filesystem", "manual", {"R10", "R11"}),
    "toolsdown-2019": ("application", "fail", "manual", {"R02", "R21"}),  # a person starts Tools
    "notools-2019": ("application", "fail", "manual", {"R01", "R21"}),  # a person installs Tools
    "web-linux": ("crash", "crash", "n/a", set()),
    "off-2019": ("application", "application", "unknown", {"R20", "R21"}),
    "nologin-2019": ("application", "application", "unknown", {"R21"}),
    "badwriter-2019": ("application", "fail", "fixable", {"R16"}),
    "vssoff-2019": ("application", "fail", "fixable", {"R15"}),
    "toolsconf-2019": ("application", "filesystem", "fixable", {"R18"}),
    "dyndisk-2019": ("application", "filesystem", "manual", {"R12"}),
    "snaps32-2019": ("application", "fail", "manual", {"R17"}),
    "oldtools-2016": ("application", "fail", "fixable", {"R03", "R23"}),
    "xp-nosync": ("filesystem", "crash", "fixable", {"R06"}),
    "desk-win10": ("filesystem", "filesystem", "ready", set()),
    "lowspace-2019": ("application", "application", "ready", {"R19"}),
    "indep-2019": ("application", "application", "ready", {"R14"}),
    "manydisks-2019": ("application", "filesystem", "manual", {"R11"}),
    "spaces-2022": ("application", "filesystem", "manual", {"R13"}),
}

PROBE_STATE = {
    "toolsdown-2019": "unavailable", "notools-2019": "unavailable", "off-2019": "unavailable",
    "nologin-2019": "login_failed", "ready-2019": "ok", "badwriter-2019": "ok",
}


class ScanTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.lab = Lab(SCENARIO, speed=100)
        cls.tmp = tempfile.TemporaryDirectory(prefix="quiescent-scan-")
        cls.db = os.path.join(cls.tmp.name, "history.db")
        cls.json_run = cls.scan("--format", "json")
        cls.doc = __import__("json").loads(cls.json_run.stdout) if cls.json_run.stdout else None

    @classmethod
    def tearDownClass(cls):
        cls.lab.stop()
        cls.tmp.cleanup()

    @classmethod
    def scan(cls, *args, **kw):
        kw.setdefault("guest_login", GUEST)
        kw.setdefault("db", cls.db)
        return quiescent(cls.lab, "scan", "--server", cls.lab.url, "--thumbprint",
                         cls.lab.thumbprint, "--guest-user", "Administrator", *args, **kw)

    def vm(self, name):
        self.assertIsNotNone(self.doc, self.json_run.stderr)
        for v in self.doc["vms"]:
            if v["name"] == name:
                return v
        self.fail("%s missing from the scan" % name)

    def test_every_verdict(self):
        self.assertEqual(self.json_run.returncode, 1, self.json_run.stderr)
        self.assertEqual(sorted(v["name"] for v in self.doc["vms"]), sorted(EXPECTED))
        for name, (best, predicted, status, rules) in EXPECTED.items():
            with self.subTest(vm=name):
                v = self.vm(name)
                got = {f["rule"] for f in v["findings"]}
                self.assertEqual((v["best_level"], v["predicted_level"], v["status"], got),
                                 (best, predicted, status, rules), v["findings"])

    def test_json_contract_fields(self):
        self.assertEqual(self.doc["vcenter"], self.lab.url.split("//")[1].split("/")[0])
        self.assertRegex(self.doc["scanned_at"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")
        v = self.vm("no-uuid-2016")
        self.assertRegex(v["moref"], r"^vm-\d+$")
        self.assertEqual(v["power_state"], "poweredOn")
        self.assertEqual(v["os_family"], "win2016")
        self.assertEqual(v["guest_os"], "Microsoft Windows Server 2016 or later (64-bit)")
        self.assertEqual(v["tools"], {"status": "running", "version": "12.1.5"})
        f = v["findings"][0]
        self.assertEqual((f["rule"], f["severity"], f["cap"], f["fix"]),
                         ("R07", "error", "filesystem", "auto"))
        self.assertIn("disk.EnableUUID", f["evidence"])
        self.assertTrue(f["message"])
        w = self.vm("badwriter-2019")["findings"][0]
        self.assertIn("SqlServerWriter", w["evidence"])
        self.assertEqual(self.vm("oldtools-2016")["tools"]["version"], "10.0.12")
        self.assertEqual(self.vm("notools-2019")["tools"]["status"], "notInstalled")

    def test_location_fields(self):
        """Where each VM lives, from the scan's one retrieval: the default cluster's host, a
        second cluster, a standalone host (no cluster), nested folders."""
        loc = lambda v: (v["datacenter"], v["cluster"], v["host"], v["folder"])
        self.assertEqual(loc(self.vm("ready-2019")),
                         ("DC0", "DC0_C0", "DC0_C0_H0", "/DC0/vm/Production/SQL"))
        self.assertEqual(loc(self.vm("no-uuid-2016")),
                         ("DC0", "Cluster B", "esx-b1.lab", "/DC0/vm/Branch/Lyon"))
        self.assertEqual(loc(self.vm("web-linux")), ("DC0", None, "esx-edge.lab", "/DC0/vm"))
        for v in self.doc["vms"]:
            self.assertTrue(v["host"] and v["folder"] and v["datacenter"], v["name"])

    def test_probe_states(self):
        for name, state in PROBE_STATE.items():
            with self.subTest(vm=name):
                p = self.vm(name)["probe"]
                self.assertEqual(p["state"], state)
        self.assertRegex(self.vm("ready-2019")["probe"]["at"], r"Z$")

    def test_table_keeps_whole_findings_when_piped(self):
        r = self.scan()
        self.assertEqual(r.returncode, 1, r.stderr)
        lines = r.stdout.splitlines()
        self.assertTrue(lines[0].startswith("NAME"))
        self.assertIn("LAST TEST", lines[0])
        self.assertIn("24 VMs: 4 ready, 9 fixable, 8 manual, 2 unknown, 1 n/a", r.stdout)
        self.assertIn("proof: 0 proven, ", r.stdout)
        row = next(l for l in lines if l.startswith("no-uuid-2016"))
        self.assertIn("fixable", row)
        self.assertIn("never tested", row)
        self.assertIn("R07 disk.EnableUUID is not TRUE", row)
        for line in lines:
            self.assertNotRegex(line, r"~$", "no finding cut off when stdout is not a terminal")

    def test_csv_one_row_per_vm(self):
        r = self.scan("--format", "csv")
        rows = list(csv.DictReader(io.StringIO(r.stdout)))
        self.assertEqual(sorted(row["name"] for row in rows), sorted(EXPECTED))
        for row in rows:
            with self.subTest(vm=row["name"]):
                rules = set(filter(None, row["rules"].split(";")))
                self.assertEqual(rules - {"R21"}, EXPECTED[row["name"]][3] - {"R21"})
                self.assertEqual(row["proof"], "predicted")
        row = next(x for x in rows if x["name"] == "no-uuid-2016")
        self.assertEqual((row["top_rule"], row["top_severity"]), ("R07", "error"))
        self.assertGreaterEqual(int(row["errors"]), 1)

    def test_csv_findings_is_complete(self):
        r = self.scan("--format", "csv-findings")
        # the first CSV's columns in their order; the location and the proof after them
        self.assertTrue(r.stdout.startswith(
            "vcenter,scanned_at,name,moref,power_state,guest_os,os_family,tools_status,"
            "tools_version,best_level,predicted_level,status,probe_state,probe_at,rule,severity,"
            "cap,fix,message,evidence,datacenter,cluster,folder,proof,"), r.stdout[:300])
        rows = list(csv.DictReader(io.StringIO(r.stdout)))
        by_vm = {}
        for row in rows:
            by_vm.setdefault(row["name"], set()).add(row["rule"])
        self.assertEqual(set(by_vm), set(EXPECTED))
        for name, (_, _, _, rules) in EXPECTED.items():
            self.assertEqual(by_vm[name] - {""}, rules, name)

    def test_vm_glob_selects(self):
        r = self.scan("--vm", "ready-*", "--vm", "desk-*", "--format", "json")
        self.assertEqual(r.returncode, 0, r.stderr)
        names = sorted(v["name"] for v in __import__("json").loads(r.stdout)["vms"])
        self.assertEqual(names, ["desk-win10", "ready-2019"])

    def test_unknown_glob_is_a_usage_error(self):
        r = self.scan("--vm", "nosuch-*")
        self.assertEqual(r.returncode, 2)
        self.assertIn("nosuch-*", r.stderr)
        self.assertEqual(r.stdout, "")

    def test_bad_option(self):
        r = self.scan("--frobnicate")
        self.assertEqual(r.returncode, 2)
        self.assertIn("--frobnicate", r.stderr)

    def test_wrong_password(self):
        r = self.scan(password="not-the-password")
        self.assertEqual(r.returncode, 3)
        self.assertEqual(len(r.stderr.strip().splitlines()), 1, r.stderr)
        self.assertIn("login", r.stderr.lower())
        self.assertNotIn("not-the-password", r.stderr + r.stdout)

    def test_wrong_thumbprint_is_a_hard_stop(self):
        bad = ":".join(["AB"] * 32)
        r = quiescent(self.lab, "scan", "--server", self.lab.url, "--thumbprint", bad, db=self.db)
        self.assertEqual(r.returncode, 3)
        self.assertIn(bad, r.stderr)
        self.assertEqual(r.stdout, "")

    def test_untrusted_certificate_names_its_fingerprint(self):
        r = quiescent(self.lab, "scan", "--server", self.lab.url, db=self.db,
                      env_extra={"XDG_CONFIG_HOME": self.tmp.name})
        self.assertEqual(r.returncode, 3)
        self.assertIn(self.lab.thumbprint, r.stderr)

    def test_known_hosts_pins(self):
        kh = os.path.join(self.tmp.name, "known_hosts")
        with open(kh, "w") as f:
            f.write("%s %s\n" % (self.lab.host, self.lab.thumbprint))
        r = quiescent(self.lab, "scan", "--server", self.lab.url, "--vm", "ready-*", "--no-probe",
                      db=self.db, env_extra={"GOVC_TLS_KNOWN_HOSTS": kh})
        self.assertEqual(r.returncode, 0, r.stderr)

    def test_insecure_warns(self):
        r = quiescent(self.lab, "scan", "--server", self.lab.url, "--insecure", "--vm",
                      "ready-*", "--no-probe", db=self.db)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("insecure", r.stderr)

    def test_unreachable_host(self):
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
        s.close()
        r = quiescent(self.lab, "scan", "--server", "https://127.0.0.1:%d/sdk" % port,
                      "--thumbprint", self.lab.thumbprint, db=self.db)
        self.assertEqual(r.returncode, 3)
        self.assertEqual(len(r.stderr.strip().splitlines()), 1, r.stderr)

    def test_history_holds_the_scan_and_no_secret(self):
        con = sqlite3.connect(self.db)
        n = con.execute("select count(*) from scans").fetchone()[0]
        self.assertGreaterEqual(n, 1)
        con.close()
        data = b""
        for name in os.listdir(self.tmp.name):
            with open(os.path.join(self.tmp.name, name), "rb") as f:
                data += f.read()
        for secret in (self.lab.password, "Int-Guest-Secret-4412"):
            self.assertNotIn(secret.encode(), data)

    def test_no_probe_uses_history_as_stale(self):
        r = self.scan("--no-probe", "--vm", "ready-2019", "--vm", "badwriter-2019", "--format", "json")
        doc = __import__("json").loads(r.stdout)
        states = {v["name"]: v["probe"]["state"] for v in doc["vms"]}
        self.assertEqual(states, {"ready-2019": "stale", "badwriter-2019": "stale"})
        bad = next(v for v in doc["vms"] if v["name"] == "badwriter-2019")
        self.assertIn("R16", {f["rule"] for f in bad["findings"]})

    def test_help_and_version(self):
        r = quiescent(self.lab, "--version")
        self.assertEqual(r.returncode, 0)
        self.assertRegex(r.stdout, r"^quiescent \d+\.\d+")
        r = quiescent(self.lab, "scan", "--help")
        self.assertEqual(r.returncode, 0)
        for opt in ("--server", "--user", "--thumbprint", "--ca-file", "--insecure",
                    "--guest-user", "--vm", "--no-probe", "--format", "--db"):
            self.assertIn(opt, r.stdout)


if __name__ == "__main__":
    unittest_main()
