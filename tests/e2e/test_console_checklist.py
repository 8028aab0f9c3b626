"""The guided checklist (issue 15), end to end in tmux: a VM held back by R02 (Tools not
running) counts as manual, not fixable; c opens the checklist of the manual steps for the VM
under the cursor (R04 here: the Snapshot Provider to add by a Tools modify); d re-checks with
a scan and ticks off nothing while the guest is unchanged; once the feature is added behind
the console's back (as a person in the guest would), d ticks the item off from the re-scan's
guest probe. For R01 the checklist does the one step quiescent can: m mounts the Tools
installer (vCenter then refuses a second mount: it is really mounted)."""
import json
import os
import urllib.error
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
            win("ck-notools", tools={"status": "notInstalled"}),
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

    @staticmethod
    def recheck(c):
        """d, again while a scan still ends (the console then says to press d again)."""
        deadline = time.time() + 30
        while True:
            c.keys("d")
            s = c.wait(r"re-checking ck-|press d again when it ends", regex=True)
            if "re-checking ck-" in s:
                return
            if time.time() > deadline:
                raise AssertionError("d never started a re-check:\n" + s)
            time.sleep(0.2)

    def test_checklist_ticks_off_from_the_rescan(self):
        morefs = {v["name"]: v["moref"] for v in self.scan_json()["vms"]}
        c = Console(self.lab, width=120, height=40, args=("--guest-user", "Administrator"),
                    guest_login="Administrator:" + GUEST_PW)
        try:
            # R01 and R02 need a person: manual. R04 is fixable (f modifies Tools).
            c.wait("scan done: 4 VMs", timeout=60)
            c.wait("ready 1  fixable 1  manual 2")
            c.keys("Down")
            c.keys("c")   # the second row: ck-novss (ck-notools is first)
            # waits for the last line: a capture may catch the screen half drawn
            s = c.wait("re-check: the next scan's guest probe")
            self.assertIn("[ ] R04: the VMware Snapshot Provider (vmvss) installed", s)
            self.assertIn("Volume Shadow Copy Services Support", s)
            self.assertNotIn("R02", s)

            # Nothing changed in the guest: the re-check says what it still sees.
            self.recheck(c)
            c.wait("ck-novss: 0 of 1 checklist item done", timeout=60)
            s = c.wait("still shown:")
            self.assertIn("[!] R04", s)

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
            self.recheck(c)
            c.wait("ck-novss: 1 of 1 checklist item done", timeout=60)
            s = c.wait("done: the scan no longer shows R04")
            self.assertIn("[x] R04", s)

            # The R02 VM's checklist: the service to start, nothing ticked.
            c.keys("Escape")
            c.keys(":")
            c.type("filter name:ck-toolsdown")
            c.keys("Enter")
            c.wait("ck-toolsdown")
            c.keys("c")
            s = c.wait("re-check: the next scan")
            self.assertIn("[ ] R02: the VMware Tools service running", s)
            self.assertIn("start the service VMware Tools (VMTools)", s)
            self.assertNotIn("press m", s)   # mounting is R01's step only

            # R01: m mounts the installer through vCenter, and step 1 is ticked off.
            c.keys("Escape")
            c.keys(":")
            c.type("filter name:ck-notools")
            c.keys("Enter")
            c.wait("ck-notools")
            c.keys("c")
            s = c.wait("re-check: the next scan")
            self.assertIn("quiescent can do this step: press m", s)
            c.keys("m")
            c.wait("the installer is mounted (MountToolsInstaller succeeded)", timeout=30)
            s = c.wait("re-check: the next scan")
            self.assertIn("[x] 1. In the vSphere Client", s)
            self.assertIn("[ ] R01", s)          # the finding itself is not gone
            with self.assertRaises(urllib.error.HTTPError):   # vCenter: already mounted
                Soap(self.lab).call("MountToolsInstaller", "VirtualMachine", morefs["ck-notools"])
        finally:
            c.close()


if __name__ == "__main__":
    unittest_main()
