"""The guided checklist (issue 15), end to end in tmux: a VM held back by R02 (Tools not
running) counts as manual, not fixable; c opens the checklist of the manual steps for the VM
under the cursor (R04 here: the Snapshot Provider to add by a Tools modify); d re-checks with
a scan and ticks off nothing while the guest is unchanged; once the feature is added behind
the console's back (as a person in the guest would), d ticks the item off from the re-scan's
guest probe."""
import json
import os
import sys
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "integration"))
sys.path.insert(0, HERE)
from labctl import Lab, quiescent, unittest_main  # noqa: E402
from console_tmux import Console, Soap, kill_server  # noqa: E402

GUEST_PW = "Ck-Guest-Pass-7310"


def win(name, **extra):
    vm = {"name": name, "guest_id": "windows2019srv_64Guest", "guest_build": 17763,
          "extra_config": {"disk.EnableUUID": "TRUE"},
          "disks": [{"controller": "pvscsi", "bus": 0, "unit": 0, "gb": 60}],
          "guest": {"user": "Administrator", "password": GUEST_PW}}
    vm.update(extra)
    return vm


FLEET = {
    "vcenter": {"user": "administrator@vsphere.local", "password": "Ck-VC-Pass-2264"},
    "timing_ms": {"tools_upgrade": 2000},
    "vms": [win("ck-novss", tools={"vss_component": False}),
            win("ck-ready"),
            win("ck-toolsdown", tools={"status": "notRunning"})],
}


class ConsoleChecklistTest(unittest.TestCase):
    def setUp(self):
        self.lab = Lab(FLEET, speed=20)

    def tearDown(self):
        kill_server()
        self.lab.stop()

    def scan_json(self, *args):
        r = quiescent(self.lab, "scan", "--server", self.lab.url, "--thumbprint", self.lab.thumbprint,
                      "--guest-user", "Administrator", "--format", "json", *args,
                      guest_login="Administrator:" + GUEST_PW)
        return json.loads(r.stdout)

    def test_checklist_ticks_off_from_the_rescan(self):
        morefs = {v["name"]: v["moref"] for v in self.scan_json()["vms"]}
        c = Console(self.lab, width=120, height=40, args=("--guest-user", "Administrator"),
                    guest_login="Administrator:" + GUEST_PW)
        try:
            # R02 needs a person: manual. R04 is fixable (f modifies Tools).
            c.wait("ready 1  fixable 1  manual 1", timeout=60)
            c.keys("c")   # the cursor is on the first row: ck-novss
            s = c.wait("R04: the VMware Snapshot Provider (vmvss) installed")
            self.assertIn("[ ] R04", s)
            self.assertIn("Volume Shadow Copy Services Support", s)
            self.assertNotIn("R02", s)

            # Nothing changed in the guest: the re-check says what it still sees.
            c.keys("d")
            s = c.wait("ck-novss: 0 of 1 checklist item done", timeout=60)
            self.assertIn("[!] R04", s)
            self.assertIn("still shown:", s)

            # The operator modifies Tools in the guest (here: UpgradeTools with ADDLOCAL=VSS).
            Soap(self.lab).call("UpgradeTools_Task", "VirtualMachine", morefs["ck-novss"],
                                '<urn:installerOptions>/S /v"/qn REBOOT=R ADDLOCAL=VSS"'
                                '</urn:installerOptions>')
            deadline = time.time() + 60
            while True:
                v = [x for x in self.scan_json("--vm", "ck-novss")["vms"]][0]
                if "R04" not in [f["rule"] for f in v["findings"]]:
                    break
                self.assertLess(time.time(), deadline, "the Tools modify did not land")
                time.sleep(0.2)
            c.keys("d")
            s = c.wait("ck-novss: 1 of 1 checklist item done", timeout=60)
            self.assertIn("[x] R04", s)
            self.assertIn("done: the scan no longer shows R04", s)

            # The R02 VM's checklist: the service to start, nothing ticked.
            c.keys("Escape")
            c.keys(":")
            c.type("filter name:ck-toolsdown")
            c.keys("Enter")
            c.wait("ck-toolsdown")
            c.keys("c")
            s = c.wait("R02: the VMware Tools service running")
            self.assertIn("start the service VMware Tools (VMTools)", s)
            self.assertIn("[ ] R02", s)
        finally:
            c.close()


if __name__ == "__main__":
    unittest_main()
