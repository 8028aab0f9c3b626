"""Through vCenter a guest file transfer URL names the VM's ESXi host by its inventory name,
which the jump host often cannot resolve (the lab's --esx-transfer-urls: "DC0_H0"). The probe
downloads from the host's management IP instead and pins the download to the thumbprint
vCenter reports for that host (summary.config.sslThumbprint); a host certificate that does not
match is refused, never downloaded unverified."""
import json
import os
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from labctl import Lab, quiescent, unittest_main  # noqa: E402

GUEST_PASS = "Esx-Guest-Secret-7313"
SCENARIO = {
    "vcenter": {"user": "administrator@vsphere.local", "password": "Esx-VC-Secret-2", "version": "7.0.3"},
    "vms": [{"name": "esx-probe", "guest_id": "windows2019srv_64Guest", "guest_build": 17763,
             "extra_config": {"disk.EnableUUID": "TRUE"},
             "guest": {"user": "Administrator", "password": GUEST_PASS}}],
}


def scan(lab, db):
    r = quiescent(lab, "scan", "--server", lab.url, "--thumbprint", lab.thumbprint,
                  "--guest-user", "Administrator", "--format", "json",
                  guest_login="Administrator:" + GUEST_PASS, db=db)
    return r, (json.loads(r.stdout)["vms"][0] if r.stdout else None)


class EsxTransferTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory(prefix="quiescent-esx-")
        self.db = os.path.join(self.tmp.name, "h.db")

    def tearDown(self):
        self.tmp.cleanup()

    def test_host_name_replaced_and_pinned(self):
        with Lab(SCENARIO, speed=100, extra_args=["--esx-transfer-urls"]) as lab:
            r, v = scan(lab, self.db)
        self.assertIsNotNone(v, r.stderr)
        self.assertEqual(v["probe"]["state"], "ok", v["probe"])
        self.assertEqual(v["status"], "ready")

    def test_wrong_host_thumbprint_refused(self):
        wrong = ":".join(["AB"] * 20)
        with Lab(SCENARIO, speed=100,
                 extra_args=["--esx-transfer-urls", "--esx-host-thumbprint", wrong]) as lab:
            r, v = scan(lab, self.db)
        self.assertIsNotNone(v, r.stderr)
        self.assertEqual(v["probe"]["state"], "unavailable", v["probe"])
        self.assertIn(wrong, v["probe"]["error"])
        self.assertNotEqual(v["status"], "ready")


if __name__ == "__main__":
    unittest_main()
