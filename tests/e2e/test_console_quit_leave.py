"""q while the console fixes VMs, continued from test_console_quit.py: L leaves the fix running
in vCenter for `quiescent recover`, and Esc after q keeps working. A file of its own so make
test runs it beside the first half."""
import os
import subprocess
import sys
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from test_console_quit import QuitCase, rows, wait_for, labctl, unittest_main  # noqa: E402


class LeaveOrKeepTest(QuitCase, unittest.TestCase):
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
