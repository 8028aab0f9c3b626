"""The console's history view in tmux: the timeline with its chart, filters (kind, VM), Enter on
a fix opens its stored steps with the values before/after, compare of two scans shows the fixed
VM's move and the fact linked to the fix, and the trend table."""
import os
import shutil
import sys
import tempfile
import unittest

HERE = os.path.dirname(__file__)
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "integration"))
from console_tmux import Console, kill_server  # noqa: E402
from labctl import Lab, quiescent, unittest_main  # noqa: E402

SCENARIO = os.path.join(HERE, "..", "integration", "scenarios", "history.json")
GUEST = "Administrator:Hist-Guest-Secret-3318"


class HistoryViewTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.lab = Lab(SCENARIO, speed=50)
        cls.tmp = tempfile.TemporaryDirectory(prefix="quiescent-e2e-history-")
        cls.db = os.path.join(cls.tmp.name, "history.db")
        base = ["--server", cls.lab.url, "--thumbprint", cls.lab.thumbprint,
                "--guest-user", "Administrator"]
        # each run's exit code: the fleet has findings before and after the fix (1), the fix
        # and the test succeed (0)
        for args, code in ((["scan"] + base, 1),
                           (["fix"] + base + ["--vm", "hist-r07", "--apply", "--yes"], 0),
                           (["scan"] + base, 1), (["snaptest"] + base + ["hist-app"], 0)):
            r = quiescent(cls.lab, *args, guest_login=GUEST, db=cls.db)
            assert r.returncode == code, "%s exited %d: %s" % (args[0], r.returncode, r.stderr)

    @classmethod
    def tearDownClass(cls):
        kill_server()
        cls.lab.stop()
        cls.tmp.cleanup()

    def setUp(self):
        # each console gets its own copy: the console scans at start and adds to it
        self.dbc = os.path.join(self.tmp.name, "c-%s.db" % self._testMethodName)
        shutil.copy(self.db, self.dbc)
        self.c = Console(self.lab, 100, 30, env_extra={"QUIESCENT_DB": self.dbc}, guest_login=GUEST)
        self.c.wait("scan done: 3 VMs", timeout=30)

    def tearDown(self):
        self.c.close()

    def test_wide_timeline_shows_local_times(self):
        self.c.close()
        self.c = Console(self.lab, 140, 30, env_extra={"QUIESCENT_DB": self.dbc}, guest_login=GUEST)
        c = self.c
        c.wait("scan done: 3 VMs", timeout=30)
        c.type(":history")
        c.keys("Enter")
        # the view reads the history on a job: "reading..." until its answer is in
        s = c.wait(r"\[History\] \d+ records  kind:all", regex=True)
        self.assertRegex(s, r"AT \(UTC\)\s+LOCAL\s+KIND")
        self.assertRegex(s, r"\d{4}-\d\d-\d\d \d\d:\d\d  \d{1,2} \w{3} \d{4} \d\d:\d\d\s+fix")

    def test_timeline_chart_and_kind_filter(self):
        c = self.c
        c.type(":history")
        c.keys("Enter")
        # the view reads the history on a job: "reading..." until its answer is in
        s = c.wait(r"\[History\] \d+ records  kind:all", regex=True)
        self.assertIn("Ready share", s)
        self.assertIn("per full scan", s)   # scans limited with --vm are not drawn as collapses
        self.assertIn("100%", s)
        self.assertIn("AT (UTC)", s)
        self.assertRegex(s, r"fix\s+hist-r07\s+fixed, fix #1: Shut the guest down: done")
        self.assertRegex(s, r"snaptest\s+hist-app\s+success: predicted application")
        self.assertRegex(s, r"kind:all")
        c.keys("K")  # scans only
        s = c.wait(r"\[History\] \d+ records  kind:scans", regex=True)
        self.assertNotRegex(s, r"fix\s+hist-r07")
        c.keys("K")
        s = c.wait(r"\[History\] \d+ records  kind:fixes", regex=True)
        self.assertIn("1 records", s)
        c.keys("K", "K")
        c.wait("kind:all")

    def test_enter_opens_the_fix_with_values_before_after(self):
        c = self.c
        c.type(":history kind=fix")
        c.keys("Enter")
        s = c.wait(r"\[History\] \d+ records  kind:fixes", regex=True)
        # the cursor's line is longer than its row: whole under the list (trial 25)
        self.assertIn("the whole line", s)
        self.assertRegex(s, r"(?s)the whole line.*fixed, fix #1: Shut the guest down: done; "
                         r"Set disk.EnableUUID = TRUE: done")
        c.keys("Enter")
        s = c.wait("fix #1: hist-r07 (as stored")
        self.assertIn("state                done", s)
        s = c.wait("kind=set_enable_uuid")
        self.assertIn("value: (absent) -> TRUE", s)
        self.assertIn("value: poweredOn -> poweredOff", s)
        c.keys("Escape")
        c.wait("kind:fixes")

    def test_vm_history_from_the_list_and_compare(self):
        c = self.c
        c.type(":filter hist-r07")
        c.keys("Enter")
        c.keys("H")  # the history of the VM under the cursor
        s = c.wait(r"\[History\] \d+ records  kind:all  vm:hist-r07", regex=True)
        self.assertNotIn("hist-app", s)
        c.keys("c")  # the two newest full scans: the console's own scan did not change anything
        s = c.wait("Compare scan #")
        self.assertIn("no VM changed", s)
        c.keys("Escape")
        c.keys("K")  # scans only
        c.wait(r"\[History\] \d+ records  kind:scans", regex=True)
        c.keys("End", "Space")  # mark the oldest scan of hist-r07 (before the fix)
        c.wait("marked scan #1")
        c.keys("Home", "c")  # and compare it with the newest
        s = c.wait("Compare scan #1 with scan #")
        self.assertRegex(s, r"hist-r07 \(vm-\d+\): fixable -> ready, predicted filesystem -> application")
        self.assertRegex(s, r"~ disk\.EnableUUID: absent -> TRUE \(fix #1, \d{4}-\d\d-\d\d \d\d:\d\d\)")
        c.keys("Escape")
        c.wait("vm:hist-r07")
        c.keys("T")
        s = c.wait("Readiness per scan")
        self.assertRegex(s, r"SCAN \(UTC\)\s+ID\s+READY\s+FIXABLE\s+MANUAL")

    def test_filter_prompt_and_bad_words(self):
        c = self.c
        c.type(":history outcome=manual")
        c.keys("Enter")
        s = c.wait(r"\[History\] \d+ records  kind:all  outcome:manual", regex=True)
        self.assertIn("hist-ide", s)
        self.assertNotIn("hist-app", s)
        c.type(":history when=never")
        c.keys("Enter")
        c.wait("usage: :history [VM-GLOB]")


if __name__ == "__main__":
    unittest_main()
