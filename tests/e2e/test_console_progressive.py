"""The first scan is progressive: the rows are on the screen while the guests are still being
probed (the row says "probing"), the probe counter moves, and a VM's last probe from the
history stands in (stale) until its new one ends. The real binary in tmux against a lab whose
guest operations are slow (a delay fault on every *Guest method)."""
import json
import os
import re
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "integration"))
sys.path.insert(0, HERE)
from labctl import Lab, unittest_main  # noqa: E402
from console_tmux import Console, kill_server  # noqa: E402

SCENARIO = os.path.join(HERE, "scenarios", "console.json")
GUEST = "Administrator:Int-Guest-Secret-4412"
N = 24


def row(screen, name):
    for line in screen.splitlines():
        if re.match(r"^.\s" + re.escape(name) + r"\s", line):
            return line
    return ""


class ProgressiveScanTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        with open(SCENARIO) as f:
            sc = json.load(f)
        # every guest operation answers 400 ms late: a probe takes seconds, the scan many
        sc["faults"] = [{"method": "*Guest", "kind": "delay_ms", "delay_ms": 400, "times": 0}]
        cls.lab = Lab(sc, speed=100)
        cls.tmp = tempfile.TemporaryDirectory(prefix="quiescent-e2e-prog-")
        cls.db = os.path.join(cls.tmp.name, "history.db")

    @classmethod
    def tearDownClass(cls):
        kill_server()
        cls.lab.stop()
        cls.tmp.cleanup()

    def open(self):
        c = Console(self.lab, 160, 40, guest_login=GUEST, env_extra={"QUIESCENT_DB": self.db})
        self.addCleanup(c.close)
        return c

    def test_1_rows_before_the_probes_end_and_the_counter_moves(self):
        c = self.open()
        # the inventory's rows, while guests are probed
        # (the title names the running scan's phase: this screen is from before the probes end)
        s = c.wait(r"probing guests \(0/\d+\)", regex=True, timeout=30)
        self.assertIn("ready-2019", s)
        self.assertIn("web-linux", s)
        self.assertIn("probing", row(s, "ready-2019"))
        self.assertIn("probing", row(s, "badwriter-2019"))
        self.assertNotIn("probing", row(s, "web-linux"))   # not a Windows guest: nothing to wait for
        # the counter moves before the scan ends
        s = c.wait(r"probing guests \([1-9]\d*/\d+\)", regex=True, timeout=60)
        c.wait("scan done: %d VMs" % N, timeout=120)
        s = c.screen()
        self.assertNotIn("probing", s)
        self.assertIn("R16", row(s, "badwriter-2019"))

    def test_2_the_last_probe_stands_in_until_the_new_one_ends(self):
        # test_1 stored a scan with good probes in self.db: this start shows them at once
        c = self.open()
        s = c.wait(r"probing guests \(0/\d+\)", regex=True, timeout=30)
        r = row(s, "badwriter-2019")
        self.assertIn("probing", r)
        self.assertIn("R16", r)   # the writer failure, known from the last probe
        c.wait("scan done: %d VMs" % N, timeout=120)
        self.assertIn("R16", row(c.screen(), "badwriter-2019"))

    def test_3_ctrl_c_cancels_the_running_scan_not_the_app(self):
        c = self.open()
        c.wait(r"probing guests \(0/\d+\)", regex=True, timeout=30)
        c.keys("C-c")   # the guests answer 400 ms late: the scan is still running
        c.wait("cancelling 1 running operation", timeout=10)
        s = c.wait("scan cancelled", timeout=60)
        self.assertNotIn("EXITED", s)
        self.assertNotIn("scan done", s)
        self.assertIn("[VMs]", s)
        c.wait_gone("probing")   # no row is left marked as probing
        c.keys("q")
        c.wait("EXITED 0")


if __name__ == "__main__":
    unittest_main()
