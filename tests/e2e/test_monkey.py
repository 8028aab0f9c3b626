"""The console's main loop stays alive: keys answered after resizes, SIGTERM and SIGHUP acted on
in every state, and a short seeded monkey run (tests/e2e/monkey.py; `make monkey` runs it long).
The real binary in tmux against the lab with live churn and slow guest operations."""
import os
import signal
import sys
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "integration"))
sys.path.insert(0, HERE)
from labctl import unittest_main  # noqa: E402
from console_tmux import Console, kill_server  # noqa: E402
import monkey  # noqa: E402

SEED = int(os.environ.get("MONKEY_SEED", "20261203"))
SECONDS = float(os.environ.get("MONKEY_SHORT_SECONDS", "45"))
EXIT_S = 10.0   # generous: "within a frame" on an idle machine, bounded here


class LoopTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.lab = monkey.start_lab(churn=1.0, guest_delay_ms=100)

    @classmethod
    def tearDownClass(cls):
        kill_server()
        cls.lab.stop()

    def setUp(self):
        self.consoles = []

    def tearDown(self):
        for c in self.consoles:
            c.close()

    def open(self, width=120, height=40):
        c = Console(self.lab, width, height, guest_login=monkey.GUEST)
        self.consoles.append(c)
        c.wait_scan_done(timeout=60)
        return c

    def quiet_ticks(self, c):
        pid = c.pid()
        a = c.cpu_ticks(pid)
        time.sleep(1.0)
        return c.cpu_ticks(pid) - a

    def test_keys_answered_after_resizes(self):
        # the operator trial's repro: 120x40, resize to 80x24, press Down
        c = self.open(120, 40)
        c.resize(80, 24)
        c.wait("TOP FINDING")
        c.keys("Down")
        c.wait("[VMs] 2/")
        self.assertLess(self.quiet_ticks(c), monkey.IDLE_TICKS_MAX, "busy after a resize and a key")
        # several resizes with no key between them, down to 40x10 and up to 300x100
        for w, h in ((40, 10), (300, 100), (100, 30), (41, 11)):
            c.resize(w, h)
        c.keys("Down")
        c.wait("[VMs] 3/")
        c.resize(120, 40)
        c.keys(":")
        c.type("sort status")
        c.keys("Enter")
        c.wait("sort:status")
        self.assertLess(self.quiet_ticks(c), monkey.IDLE_TICKS_MAX, "busy after resizes")

    def exits_on(self, c, sig):
        start = time.monotonic()
        c.signal(sig)
        s = c.wait("EXITED", timeout=EXIT_S)
        self.assertIn("stopping the console", s)
        return time.monotonic() - start

    def test_sigterm_after_resize_and_key(self):
        c = self.open(120, 40)
        c.resize(80, 24)
        c.keys("Down")
        c.wait("[VMs] 2/")
        self.exits_on(c, signal.SIGTERM)

    def test_sigterm_with_the_prompt_open(self):
        c = self.open()
        c.keys(":")
        c.type("sort sta")
        c.wait(":sort sta")
        self.exits_on(c, signal.SIGTERM)

    def test_sighup_in_a_dialog(self):
        c = self.open()
        c.keys("/")
        c.type("no-uuid-2016")
        c.keys("Enter")
        c.wait("[VMs] 1/1 of")
        c.keys("f")
        c.wait("Fix plan:")
        c.keys("a")
        c.wait("Run this plan?")
        self.exits_on(c, signal.SIGHUP)

    def test_sigterm_while_a_scan_runs(self):
        c = self.open()
        c.keys("R")
        # the title's running task, in a phase before its result: the new scan, not the
        # first one's job still closing ("scan: 24 VMs")
        c.wait(Console.SCAN_PHASE.pattern, timeout=10, regex=True)
        self.exits_on(c, signal.SIGTERM)

    def test_rescan_as_soon_as_a_scan_is_done(self):
        # R pressed the moment a scan's result is in starts the next scan: the old scan's job
        # still closes its history then, and the console refused with "a scan is already
        # running" though it showed "scan done" (1 run in 3-6 under load)
        c = self.open()
        for n in (2, 3, 4):
            c.keys("R")
            c.wait(Console.SCAN_PHASE.pattern, timeout=10, regex=True)
            c.wait_scan_done(timeout=60, scans=n)
        c.keys("3")   # the messages view: every R was taken
        s = c.wait("[Messages]")
        self.assertNotIn("a scan is already running", s)

    def test_monkey_short_seeded_run(self):
        m = monkey.Monkey(self.lab, SEED)
        try:
            m.run(SECONDS)
        finally:
            m.close()
        self.assertGreater(m.probes, 0)
        self.assertGreater(len(m.actions), 20)


if __name__ == "__main__":
    unittest_main()
