"""quiescent scan over several vCenters (--server repeated): one JSON with every VM's vcenter,
the exit code the worst of them, and a vCenter that is down named in one sentence while the
others are still scanned and printed."""
import json
import os
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from labctl import Lab, quiescent, unittest_main  # noqa: E402

VC = {"user": "administrator@vsphere.local", "password": "Int-VC-Secret-7731", "version": "7.0.3"}
GUEST = {"user": "Administrator", "password": "Int-Guest-Secret-4412"}
TIMING = {"guest_shutdown": 400, "power_on": 200, "tools_start": 300, "reconfig": 100,
          "quiesce": 500, "snapshot": 150, "snapshot_remove": 150, "tools_upgrade": 1200}


def windows(name, uuid=True):
    vm = {"name": name, "guest_id": "windows2019srv_64Guest",
          "guest_full_name": "Microsoft Windows Server 2019 (64-bit)", "guest_build": 17763,
          "disks": [{"controller": "pvscsi", "bus": 0, "unit": 0, "gb": 60}], "guest": GUEST}
    if uuid:
        vm["extra_config"] = {"disk.EnableUUID": "TRUE"}
    return vm


# Lab A: one ready VM, one fixable (R07); lab B: two ready ones. Both have a VM named
# "shared-name": the same name on two vCenters is two VMs.
LAB_A = {"vcenter": VC, "timing_ms": TIMING,
         "vms": [windows("a-ready"), windows("a-nouuid", uuid=False), windows("shared-name")]}
LAB_B = {"vcenter": VC, "timing_ms": TIMING,
         "vms": [windows("b-ready"), windows("shared-name")]}


class ScanManyTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory(prefix="quiescent-scan-many-")
        cls.a = Lab(LAB_A, speed=100)
        cls.b = Lab(LAB_B, speed=100)
        cls.kh = os.path.join(cls.tmp.name, "known_hosts")
        with open(cls.kh, "w") as f:
            for lab in (cls.a, cls.b):
                f.write("%s %s\n" % (lab.host, lab.thumbprint))

    @classmethod
    def tearDownClass(cls):
        cls.a.stop()
        if cls.b:
            cls.b.stop()
        cls.tmp.cleanup()

    def scan(self, *servers, extra=()):
        args = ["scan"]
        for s in servers:
            args += ["--server", s]
        db = os.path.join(self.tmp.name, "history.db")
        return quiescent(self.a, *args, *extra, db=db, guest_login="Administrator:" + GUEST["password"],
                         env_extra={"GOVC_TLS_KNOWN_HOSTS": self.kh,
                                    "XDG_CONFIG_HOME": self.tmp.name}, timeout=180)

    def test_1_both_up_one_json(self):
        r = self.scan(self.a.url, self.b.url, extra=("--format", "json"))
        doc = json.loads(r.stdout)
        self.assertEqual(doc["vcenter"], self.a.host)  # the first, as with one server
        self.assertEqual([(v["vcenter"], v["scanned"], v["error"]) for v in doc["vcenters"]],
                         [(self.a.host, True, None), (self.b.host, True, None)])
        got = sorted((vm["vcenter"], vm["name"], vm["status"]) for vm in doc["vms"])
        self.assertEqual(got, sorted([
            (self.a.host, "a-ready", "ready"), (self.a.host, "a-nouuid", "fixable"),
            (self.a.host, "shared-name", "ready"),
            (self.b.host, "b-ready", "ready"), (self.b.host, "shared-name", "ready")]))
        # A has a fixable VM, B is all ready: the worst is "not ready"
        self.assertEqual(r.returncode, 1, r.stderr)
        self.assertNotIn(VC["password"], r.stdout + r.stderr)
        # each vCenter's scan is in the history under its own key
        hist = quiescent(self.a, "history", "--format", "json", "--kind", "scan",
                         db=os.path.join(self.tmp.name, "history.db"))
        self.assertEqual(hist.returncode, 0, hist.stderr)
        self.assertIn(self.a.host, hist.stdout)
        self.assertIn(self.b.host, hist.stdout)

    def test_2_globs_over_every_vcenter(self):
        r = self.scan(self.a.url, self.b.url, extra=("--format", "csv", "--vm", "b-*"))
        self.assertEqual(r.returncode, 0, r.stderr)  # b-ready only, on B; A has none: no error
        rows = r.stdout.strip().splitlines()
        self.assertEqual(len(rows), 2, r.stdout)
        self.assertTrue(rows[1].startswith(self.b.host + ","), rows[1])
        r = self.scan(self.a.url, self.b.url, extra=("--vm", "nowhere-*"))
        self.assertEqual(r.returncode, 2)
        self.assertIn("no VM matches 'nowhere-*' on any of the 2 vCenters", r.stderr)

    def test_3_server_twice_refused(self):
        r = self.scan(self.a.url, self.a.url)
        self.assertEqual(r.returncode, 2)
        self.assertIn("is given twice", r.stderr)
        # a command that changes VMs works on one vCenter: a second --server is refused, not ignored
        r = quiescent(self.a, "fix", "--server", self.a.url, "--server", self.b.url, "--vm", "a-nouuid",
                      db=os.path.join(self.tmp.name, "history.db"))
        self.assertEqual(r.returncode, 2, r.stderr)
        self.assertIn("works on one vCenter at a time", r.stderr)

    def test_9_one_down(self):
        """B stops: A is still scanned and printed, B is named once, the exit code is 3."""
        host_b = self.b.host
        self.b.stop()
        self.b = None
        type(self).b = None
        url_b = "https://%s/sdk" % host_b
        r = self.scan(self.a.url, url_b, extra=("--format", "json"))
        self.assertEqual(r.returncode, 3, r.stderr)
        doc = json.loads(r.stdout)
        self.assertEqual(sorted(vm["name"] for vm in doc["vms"]), ["a-nouuid", "a-ready", "shared-name"])
        self.assertTrue(all(vm["vcenter"] == self.a.host for vm in doc["vms"]))
        down = doc["vcenters"][1]
        self.assertEqual((down["vcenter"], down["scanned"]), (host_b, False))
        self.assertTrue(down["error"])
        lines = [ln for ln in r.stderr.splitlines() if host_b in ln]
        self.assertEqual(len(lines), 1, r.stderr)
        self.assertTrue(lines[0].startswith("quiescent scan: vCenter %s was not scanned: " % host_b),
                        lines[0])
        # the table says it in its section too
        r = self.scan(self.a.url, url_b)
        self.assertEqual(r.returncode, 3)
        self.assertIn("vCenter %s: not scanned: " % host_b, r.stdout)
        self.assertIn("a-ready", r.stdout)


if __name__ == "__main__":
    unittest_main()
