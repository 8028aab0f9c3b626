"""Guest credentials and proof (issue 14), against a lab fleet of 50 Windows guests:
- a wrong guest password costs exactly one failed guest login per run (counted in the lab's log,
  which logs every refused guest login), the scan exits 5 with one sentence naming the VM that
  refused it, and the other 49 are marked "not tried" with that reason;
- the right password probes them all, with no refused login;
- a scan that judges VMs ready from guest facts older than --max-probe-age exits 4 (not proven)
  and says how many; within the age it exits 0."""
import json
import os
import sys
import tempfile
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from labctl import Lab, quiescent, unittest_main  # noqa: E402

GUEST_PW = "Fleet-Guest-Right-1"
FLEET = {
    "vcenter": {"user": "administrator@vsphere.local", "password": "Fleet-VC-Pw-1"},
    "vms": [{"name": "fleet", "guest_id": "windows2019srv_64Guest", "guest_build": 17763,
             "extra_config": {"disk.EnableUUID": "TRUE"},
             "disks": [{"controller": "pvscsi", "bus": 0, "unit": 0, "gb": 60}],
             "guest": {"user": "Administrator", "password": GUEST_PW}, "count": 50}],
}


class GuestLoginTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.lab = Lab(FLEET, speed=20)
        cls.tmp = tempfile.TemporaryDirectory(prefix="quiescent-guest-")
        cls.db = os.path.join(cls.tmp.name, "h.db")

    @classmethod
    def tearDownClass(cls):
        cls.lab.stop()
        cls.tmp.cleanup()

    def refused_logins(self):
        return self.lab.log_text().count("guest login refused:")

    def scan(self, *args, guest=None):
        return quiescent(self.lab, "scan", "--server", self.lab.url, "--thumbprint",
                         self.lab.thumbprint, *args, guest_login=guest, db=self.db)

    def test_1_wrong_password_one_failed_login_per_run(self):
        for run in range(2):
            before = self.refused_logins()
            r = self.scan("--guest-user", "Administrator", "--format", "json",
                          guest="Administrator:Wrong-Guest-Pw-9")
            self.assertEqual(self.refused_logins() - before, 1, "failed guest logins in run %d" % run)
            self.assertEqual(r.returncode, 5, r.stderr)
            lines = r.stderr.strip().splitlines()
            self.assertEqual(len(lines), 1, r.stderr)
            self.assertIn("the guest login Administrator was refused by VM fleet-", lines[0])
            self.assertIn("not tried on the other 49 VMs", lines[0])
            vms = json.loads(r.stdout)["vms"]
            self.assertEqual(len(vms), 50)
            states = [v["probe"]["state"] for v in vms]
            self.assertEqual(states.count("login_failed"), 50)
            self.assertNotIn(GUEST_PW, r.stdout + r.stderr)
            self.assertNotIn("Wrong-Guest-Pw-9", r.stdout + r.stderr)

    def test_2_right_password_probes_every_guest(self):
        before = self.refused_logins()
        r = self.scan("--guest-user", "Administrator", "--format", "json",
                      guest="Administrator:" + GUEST_PW)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(self.refused_logins(), before)
        vms = json.loads(r.stdout)["vms"]
        self.assertEqual([v["probe"]["state"] for v in vms], ["ok"] * 50)

    def test_3_stale_facts_are_not_proof(self):
        r = self.scan("--guest-user", "Administrator", guest="Administrator:" + GUEST_PW)
        self.assertEqual(r.returncode, 0, r.stderr)
        r = self.scan("--no-probe")
        self.assertEqual(r.returncode, 0, r.stderr)   # seconds old: within 7 days
        time.sleep(3.2)   # ages are whole seconds
        r = self.scan("--no-probe", "--max-probe-age", "2s")
        self.assertEqual(r.returncode, 4, r.stderr)
        self.assertIn("not proven: 50 VMs were judged ready from guest facts older than 2 s",
                      r.stderr)
        self.assertIn("50 ready", r.stdout)
        r = self.scan("--no-probe", "--max-probe-age", "soon")
        self.assertEqual(r.returncode, 2, r.stderr)


if __name__ == "__main__":
    unittest_main()
