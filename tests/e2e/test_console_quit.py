"""q while the console fixes VMs (issue 13): the first q asks, Esc keeps working, a second q
stops the fix safely: the Tasks view shows it, the VM is powered back on, the journal closed,
and only then does the console quit by itself. The real binary in tmux against the lab;
vCenter read with pyVmomi, the journal with sqlite3."""
import os
import sqlite3
import subprocess
import sys
import tempfile
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "integration"))
sys.path.insert(0, HERE)
import labctl  # noqa: E402
from labctl import Lab, unittest_main  # noqa: E402
from console_tmux import Console, kill_server  # noqa: E402
from test_stop import Vcenter  # noqa: E402

SCENARIO = os.path.join(HERE, "scenarios", "quit.json")   # four VMs that need R07
GUEST = "Administrator:Int-Guest-Secret-4412"


def rows(db, sql):
    con = sqlite3.connect(db, timeout=5)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def wait_for(db, sql, timeout=60):
    end = time.time() + timeout
    while time.time() < end:
        try:
            if os.path.exists(db) and rows(db, sql)[0][0]:
                return True
        except sqlite3.OperationalError:
            pass
        time.sleep(0.05)
    return False


class ConsoleQuitTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.lab = Lab(SCENARIO, speed=0.25)   # a guest shutdown takes 6 s
        cls.vc = Vcenter(cls.lab)
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

    def test_q_L_leaves_it_running_for_recover(self):
        c, db = self.start_fix("quit-leave")
        c.keys("Escape")
        c.keys("q")
        c.wait("q again stops it safely")
        c.keys("L")
        s = c.wait("EXITED 0", timeout=30)
        self.assertIn("left running in vCenter", s)
        self.assertEqual(rows(db, "SELECT state FROM plans"), [("running",)])
        # its owner is gone: recover takes it over and brings the VM back
        end = time.time() + 60
        while time.time() < end and self.vc.power("quit-leave") != "poweredOff":
            time.sleep(0.2)
        r = subprocess.run([labctl.QUIESCENT_BIN, "recover", "--server", self.lab.url,
                            "--thumbprint", self.lab.thumbprint],
                           env=dict({k: v for k, v in os.environ.items()
                                     if not k.startswith(("GOVC_", "QUIESCENT_"))},
                                    QUIESCENT_PASSWORD=self.lab.password,
                                    QUIESCENT_USER=self.lab.user, QUIESCENT_DB=db),
                           capture_output=True, text=True, timeout=300, stdin=subprocess.DEVNULL)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("quit-leave: powered on again", r.stderr)
        self.assertEqual(self.vc.power("quit-leave"), "poweredOn")

    def test_q_then_esc_keeps_working(self):
        c, db = self.start_fix("quit-esc")
        c.keys("Escape")
        c.keys("q")
        c.wait("q again stops it safely")
        c.keys("Escape")
        self.assertTrue(wait_for(db, "SELECT count(*) FROM plans WHERE state IN ('done','failed')",
                                 timeout=120))
        # the answer is in the Messages view (the fix's own messages follow on the line)
        c.keys("3")
        c.wait("keeping on: the work goes on")
        self.assertNotIn("EXITED", c.screen())
        self.assertEqual(rows(db, "SELECT count(*) FROM steps WHERE state = 'skipped'"), [(0,)])
        self.assertEqual(self.vc.power("quit-esc"), "poweredOn")
        c.keys("Escape")
        # Once the fix's job has ended (its re-scan of the VM too), q quits at once.
        end = time.time() + 60
        while "EXITED 0" not in c.screen():
            self.assertLess(time.time(), end, c.screen())
            c.keys("q")
            time.sleep(1)
            if "q again stops" in c.screen():
                c.keys("Escape")   # the job still ends: not a stop
                time.sleep(1)
        self.assertEqual(rows(db, "SELECT count(*) FROM steps WHERE state = 'skipped'"), [(0,)])


if __name__ == "__main__":
    unittest_main()
