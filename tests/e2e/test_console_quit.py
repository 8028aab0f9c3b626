"""q while the console fixes VMs (issue 13): the first q asks, Esc keeps working, a second q
stops the fix safely: the Tasks view shows it, the VM is powered back on, the journal closed,
and only then does the console quit by itself. The real binary in tmux against the lab;
vCenter read with pyVmomi, the journal with sqlite3."""
import os
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "integration"))
sys.path.insert(0, HERE)
import labctl  # noqa: E402
from labctl import Lab, unittest_main  # noqa: E402
from history_db import rows, wait_for  # noqa: E402
from console_tmux import Console, kill_server  # noqa: E402
from vcenter import Vcenter  # noqa: E402

SCENARIO = os.path.join(HERE, "scenarios", "quit.json")   # four VMs that need R07
GUEST = "Administrator:Int-Guest-Secret-4412"


class QuitCase:
    """The lab and the fix every test quits from; test_console_quit_leave.py shares it (two
    files, so make test's pool runs them side by side: each fix takes a minute at this speed)."""
    @classmethod
    def setUpClass(cls):
        cls.lab = Lab(SCENARIO, speed=0.25)   # a guest shutdown takes 6 s
        cls.vc = Vcenter.of(cls.lab)
        cls.tmp = tempfile.TemporaryDirectory(prefix="quiescent-e2e-quit-")

    @classmethod
    def tearDownClass(cls):
        kill_server()
        cls.vc.close()
        cls.lab.stop()
        cls.tmp.cleanup()

    def start_fix(self, vm):
        c = Console(self.lab, 110, 40, ("--guest-user", "Administrator"), guest_login=GUEST)
        self.addCleanup(c.close)
        c.wait("scan done:", timeout=60)
        c.keys(":")
        c.type("mark " + vm)
        c.keys("Enter")
        c.wait("marked 1")
        c.keys("f")
        c.wait("[Fix plan]", timeout=30)
        c.keys("a")
        c.wait("Run this plan?")
        c.keys("y")
        c.wait("fix started")
        db = os.path.join(c.tmp.name, "history.db")
        self.assertTrue(wait_for(db, "SELECT count(*) FROM steps WHERE kind='shutdown_guest'"
                                     " AND state='running'"))
        return c, db


class StopOrWaitTest(QuitCase, unittest.TestCase):
    def test_q_q_stops_safely_then_quits(self):
        c, db = self.start_fix("quit-stop")
        c.keys("Escape")
        c.keys("q")
        c.wait("q again stops it safely")
        c.keys("q")
        c.wait("stopping safely", timeout=10)
        self.assertNotIn("EXITED", c.screen())
        s = c.wait("EXITED 0", timeout=120)
        # quit only once safe: the VM is on and no step is left open
        self.assertEqual(self.vc.power("quit-stop"), "poweredOn", s)
        self.assertEqual(rows(db, "SELECT count(*) FROM steps WHERE state IN ('planned','running')"),
                         [(0,)])
        self.assertEqual(rows(db, "SELECT state FROM plans"), [("cancelled",)])

    def test_q_w_waits_for_the_fix_then_quits(self):
        c, db = self.start_fix("quit-wait")
        c.keys("Escape")
        c.keys("q")
        c.wait("q again stops it safely")
        c.keys("w")
        c.wait("waiting: quiescent quits when the work has ended")
        c.wait("EXITED 0", timeout=120)
        # the fix ran to its end: nothing skipped, the VM on
        self.assertEqual(rows(db, "SELECT count(*) FROM steps WHERE state IN"
                                  " ('planned','running','skipped')"), [(0,)])
        self.assertEqual(self.vc.power("quit-wait"), "poweredOn")


if __name__ == "__main__":
    unittest_main()
