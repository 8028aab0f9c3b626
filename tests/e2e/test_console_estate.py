"""The estate in the console: where each VM lives (datacenter, cluster, host, folder) as columns,
filter words (folder:Prod*, cluster:, host:, dc:), sorting and :group in the summary bar. The real
binary in tmux against the lab, whose scenario puts ready-2019 in the folder Production/SQL.

The scan's JSON must carry the location the console shows (the filter language itself is
unit-tested in tests/unit/test_filter.c)."""
import json
import os
import re
import sys
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "integration"))
sys.path.insert(0, HERE)
from labctl import Lab, quiescent, unittest_main  # noqa: E402
from console_tmux import Console, kill_server  # noqa: E402

SCENARIO = os.path.join(HERE, "scenarios", "console.json")
GUEST = "Administrator:Int-Guest-Secret-4412"
N = 24


class EstateTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.lab = Lab(SCENARIO, speed=100)
        r = quiescent(cls.lab, "scan", "--server", cls.lab.url, "--thumbprint", cls.lab.thumbprint,
                      "--no-probe", "--format", "json")
        vms = json.loads(r.stdout)["vms"] if r.stdout else []
        cls.located = {vm["name"]: vm for vm in vms if vm.get("folder")}

    @classmethod
    def tearDownClass(cls):
        kill_server()
        cls.lab.stop()

    def setUp(self):
        # the console's columns come from the same inventory read as the scan's JSON
        self.assertEqual(self.located.get("ready-2019", {}).get("folder"), "/DC0/vm/Production/SQL",
                         "the scan's JSON has no folder for ready-2019")
        self.c = Console(self.lab, 220, 40, guest_login=GUEST)
        self.addCleanup(self.c.close)
        self.c.wait("scan done: %d VMs" % N, timeout=30)

    def test_columns_filter_sort_and_group(self):
        c = self.c
        s = c.screen()
        self.assertIn("FOLDER", s)
        row = next(l for l in s.splitlines() if re.match(r"^.\sready-2019\s", l))
        self.assertIn("Production/SQL", row)
        c.keys("/")
        c.type("folder:Prod*")
        c.keys("Enter")
        s = c.wait("[VMs] 1/1 of %d" % N)
        self.assertIn("ready-2019", s)
        c.keys("Escape")
        c.wait(r"\[VMs\] \d+/%d  sort" % N, regex=True)
        c.keys(":")
        c.type("sort folder")
        c.keys("Enter")
        s = c.wait("sort:folder")
        # every VM now has its folder path: the one in a deeper folder sorts after the rest
        names = [m.group(1) for m in (re.match(r"^.\s(\S+)\s", l) for l in s.splitlines()[3:])
                 if m and m.group(1) in self.located]
        self.assertEqual(names[-1], "ready-2019")
        c.keys(":")
        c.type("group folder")
        c.keys("Enter")
        s = c.wait("by folder:")
        self.assertRegex(s, r"Production/SQL 1/1")
        dc = self.located["ready-2019"].get("datacenter")
        if dc:
            c.keys("/")
            c.type("dc:%s" % dc)
            c.keys("Enter")
            # every VM of this lab is in that datacenter: none is filtered out
            c.wait(r"\[VMs\] %d/%d[^\n]*sort:folder" % (N, N), regex=True)


if __name__ == "__main__":
    unittest_main()
