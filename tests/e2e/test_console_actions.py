"""The console's fix and snaptest screens end to end: the real binary against the lab in a
detached tmux session, keys sent, the screen captured and asserted on (bounded waits only),
and what the screens claim checked in the history database (sqlite3).

  plan -> confirm -> progress on a VM needing disk.EnableUUID: ends fixed, powered on again,
  its row updated, every step journaled; declining the confirm changes nothing; --readonly
  refuses; the snaptest live view of an application-consistent VM (writer table) and of one
  whose writer fails at freeze (fault shown); the start-up questions about test snapshots and
  a fix that a killed quiescent left behind."""
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "integration"))
sys.path.insert(0, HERE)
import labctl  # noqa: E402
from labctl import Lab, quiescent, unittest_main  # noqa: E402
from history_db import rows, wait_for  # noqa: E402
from console_tmux import Console, kill_server  # noqa: E402

SCENARIO = os.path.join(HERE, "scenarios", "actions.json")
GUEST = "Administrator:Int-Guest-Secret-4412"
N = 7


def vm_row(screen, name):
    for line in screen.splitlines():
        if line[2:].startswith(name + " "):
            return line
    raise AssertionError("%s not in the list:\n%s" % (name, screen))


class ConsoleActionsTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.lab = Lab(SCENARIO, speed=1)
        cls.tmp = tempfile.TemporaryDirectory(prefix="quiescent-e2e-actions-")

    @classmethod
    def tearDownClass(cls):
        kill_server()
        cls.lab.stop()
        cls.tmp.cleanup()

    def setUp(self):
        self.consoles = []

    def tearDown(self):
        for c in self.consoles:
            c.close()

    def start(self, width=100, height=40, args=(), wait_scan=True, **kw):
        kw.setdefault("guest_login", GUEST)
        c = Console(self.lab, width, height, ("--guest-user", "Administrator") + tuple(args), **kw)
        self.consoles.append(c)
        if wait_scan:
            c.wait("scan done: %d VMs" % N, timeout=30)
        return c

    def db_of(self, c):
        return os.path.join(c.tmp.name, "history.db")

    def cli(self, *args, db):
        env = {k: v for k, v in os.environ.items() if not k.startswith(("GOVC_", "QUIESCENT_"))}
        env.update(QUIESCENT_PASSWORD=self.lab.password, QUIESCENT_USER=self.lab.user,
                   QUIESCENT_DB=db, GOVC_GUEST_LOGIN=GUEST)
        cmd = [labctl.QUIESCENT_BIN, args[0], "--server", self.lab.url, "--thumbprint",
               self.lab.thumbprint, "--guest-user", "Administrator"] + list(args[1:])
        return subprocess.Popen(cmd, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True)

    # ---- fix ----

    def test_fix_plan_confirm_progress_fixed_and_powered_on(self):
        c = self.start()
        self.assertRegex(vm_row(c.screen(), "no-uuid-2016"), r"no-uuid-2016\s+on .*fixable R07")
        c.keys(":")
        c.type("mark no-uuid-2016")
        c.keys("Enter")
        c.wait("marked 1")
        c.keys("f")
        s = c.wait("[Fix plan]")
        self.assertIn("Fix plan: 1 VM, 1 with steps", s)
        self.assertIn("no-uuid-2016 (", s)
        self.assertIn("downtime ~", s)
        self.assertIn("Set disk.EnableUUID = TRUE", s)
        self.assertIn("Power on again", s)
        self.assertIn("hard power-off: no", s)
        # options change on the screen and re-plan
        c.keys("h")
        c.wait("hard power-off: yes")
        c.keys("h", "+")
        s = c.wait("concurrency: 5")
        self.assertIn("hard power-off: no", s)
        c.keys("m")
        c.wait("Tools method: guest")
        c.keys("m", "m")
        c.wait("Tools method: upgrade")
        # the confirm dialog needs an explicit y; other keys are not an answer
        c.keys("a")
        c.wait("Run this plan?")
        c.keys("x")
        c.wait("Run this plan?")
        c.keys("y")
        c.wait("fix started")
        s = c.wait("Result of plan", timeout=60)
        s = c.wait("the VMs were scanned again", timeout=60)
        self.assertRegex(s, r"no-uuid-2016 \(vm-\d+, poweredOn\).*fixed")
        self.assertIn("power poweredOn -> poweredOn, verified ready", s)
        self.assertNotIn("[ ]", s)
        # the Tasks view has the fix and a row for the VM
        c.keys("2")
        s = c.wait(r"done .*fix of 1 VM: 1 fixed; scanned again", regex=True)
        self.assertRegex(s, r"done .*fix no-uuid-2016: fixed")
        # the list row: on again and ready (live updates: Tools comes up after the power-on)
        c.keys("1")
        c.wait("[VMs]")
        s = c.wait(r"no-uuid-2016\s+on .*ready", regex=True, timeout=30)
        # the journal in history
        db = self.db_of(c)
        self.assertEqual(rows(db, "SELECT state FROM plans"), [("done",)])
        # the plan names the scan it came from, as the CLI's do
        self.assertEqual(rows(db, "SELECT p.scan_id IS NOT NULL AND p.scan_id IN (SELECT id FROM"
                                  " scans) FROM plans p"), [(1,)])
        self.assertEqual(rows(db, "SELECT name, original_power, outcome FROM plan_vms"),
                         [("no-uuid-2016", "poweredOn", "fixed")])
        steps = rows(db, "SELECT kind, state FROM steps ORDER BY seq")
        self.assertIn(("set_enable_uuid", "done"), steps)
        self.assertIn(("power_on", "done"), steps)
        self.assertEqual({st for _, st in steps}, {"done"})
        # and vCenter agrees
        r = quiescent(self.lab, "scan", "--server", self.lab.url, "--thumbprint", self.lab.thumbprint,
                      "--no-probe", "--vm", "no-uuid-2016", "--format", "json",
                      db=os.path.join(self.tmp.name, "check.db"))
        vm = json.loads(r.stdout)["vms"][0]
        self.assertEqual(vm["power_state"], "poweredOn")

    def test_declining_the_confirm_changes_nothing(self):
        c = self.start()
        c.keys(":")
        c.type("mark uuid-false-2019")
        c.keys("Enter")
        c.keys("f")
        c.wait("[Fix plan]")
        c.keys("a")
        c.wait("Run this plan?")
        c.keys("n")
        s = c.wait("nothing done: the plan was not run")
        self.assertNotIn("Run this plan?", s)
        c.keys("a")
        c.wait("Run this plan?")
        c.keys("Escape")
        c.wait_gone("Run this plan?")
        c.keys("Escape")
        s = c.wait("[VMs]")
        time.sleep(1.5)
        s = c.screen()
        self.assertRegex(vm_row(s, "uuid-false-2019"), r"uuid-false-2019\s+on .*fixable R07")
        self.assertNotIn("fix of", c.screen())
        db = self.db_of(c)
        self.assertEqual(rows(db, "SELECT count(*) FROM plans"), [(0,)])
        self.assertEqual(rows(db, "SELECT count(*) FROM steps"), [(0,)])

    def test_readonly_refuses_fix_and_snaptest(self):
        c = self.start(args=("--readonly",))
        c.wait("READONLY")
        c.keys("f")   # the plan can be read (trial 28); only running it is refused
        c.wait("read-only: shown, never run")
        c.keys("a")
        c.wait("read-only console (--readonly): apply is refused")
        c.keys("Escape")
        c.keys(":")
        c.type("fix")
        c.keys("Enter")
        c.wait("read-only: shown, never run")
        c.keys("y")
        c.keys("Escape", "t")
        c.wait("[Test snapshot]")
        c.keys("a")
        c.wait("read-only console (--readonly): apply is refused")
        c.keys("Escape")
        s = c.screen()
        self.assertNotIn("Run this plan?", s)
        self.assertEqual(rows(self.db_of(c), "SELECT count(*) FROM plans"), [(0,)])

    # ---- snaptest ----

    def test_snaptest_live_view_application_writers(self):
        c = self.start()
        c.keys(":")
        c.type("snaptest app-2019")
        c.keys("Enter")
        s = c.wait("Quiesced test snapshot of app-2019 (predicted application)")
        self.assertRegex(s, r"backup type\s+copy")
        self.assertRegex(s, r"timeout\s+15 minutes")
        c.keys("b")
        s = c.wait("Warning: backup type full")
        self.assertIn("not a COPY backup", s)
        c.keys("b", "b", "b", "b", "+", "-", "-")
        s = c.wait("10 minutes")
        self.assertRegex(s, r"backup type\s+copy")
        self.assertNotIn("Warning", s)
        c.keys("Enter")
        s = c.wait("app-2019           [", timeout=10)
        s = c.wait(r"event: ", timeout=20)
        self.assertIn("Events", s)
        s = c.wait("snapshot removed: yes", timeout=60)
        self.assertIn("success with CreateSnapshotEx_Task", s)
        self.assertIn("predicted application, achieved application", s)
        self.assertRegex(s, r"SqlServerWriter\s+USER_DATA\s+TRANSACTION_DB\s+master, msdb, Sales")
        self.assertIn("Registry Writer", s)
        self.assertRegex(s, r"SqlServerWriter\s+stable")
        self.assertIn("100%", s)
        # the message line may already show a live update of the VM (its snapshot went):
        # the Messages view keeps the test's line
        c.keys("3")
        c.wait(r"test of app-2019: success", regex=True)
        db = self.db_of(c)
        self.assertEqual(rows(db, "SELECT state, result, achieved FROM snaptests WHERE vm_name='app-2019'"),
                         [("removed", "success", "application")])
        self.assertIn("timeout_min\":10", rows(db, "SELECT spec_json FROM snaptests")[0][0].replace(" ", ""))
        # The Tasks view adds vCenter's own tasks on the listed VMs, with who ran them.
        c.keys("2")
        s = c.wait("Create snapshot app-2019 by %s" % self.lab.user, timeout=10)
        self.assertRegex(s, r"done .*Remove snapshot app-2019 by")
        self.assertRegex(s, r"vCenter's recent tasks on these VMs, every user's \(\d+, read")
        self.assertRegex(s, r"vCenter: \d+ recent, 0 running")
        # The detail lists the test as the history keeps it.
        c.keys(":")
        c.type("open app-2019")
        c.keys("Enter")
        c.wait("[VM detail]")
        c.keys("End")
        c.wait("test success")      # the history is read off the UI thread: it lands later
        c.keys("End")               # and makes the detail longer
        s = c.wait(r"test success: predicted application, achieved application\s+"
                   r"\(CreateSnapshotEx_Task\)", regex=True)

    def test_snaptest_of_several_vms_one_clock_and_a_summary(self):
        c = self.start()
        c.keys(":")
        c.type("mark app-2019 ready-2019")
        c.keys("Enter")
        c.wait("marked 2")
        c.keys("t")
        c.wait("[Test snapshot]")
        c.keys("Enter")
        # the run's row moves as tests end, not "starting" until the end
        c.keys("2")
        c.wait(r"snaptest of 2 VMs.*(1|2) of 2 tests done", regex=True, timeout=60)
        c.keys("Escape")
        c.keys(":")
        c.type("snaptest")
        c.keys("Escape")
        c.keys("t")
        c.wait("[Test snapshot] done", timeout=60)
        c.keys("Home")
        s = c.wait("Events")
        # one clock for both VMs: the event times never go back
        times = [int(m.group(1)) * 600 + int(m.group(2)) * 10 + int(m.group(3))
                 for m in re.finditer(r"^\s*(\d+):(\d\d)\.(\d) (?:app|ready)-2019 ", s, re.M)]
        for _ in range(8):   # the result's first line says it all
            if "VMs reached the predicted level" in c.screen():
                break
            c.keys("PageDown")
            time.sleep(0.2)
        self.assertRegex(c.screen(), r"2 of 2 VMs reached the predicted level")
        self.assertGreater(len(times), 2, s)
        self.assertEqual(times, sorted(times), s)

    def test_snaptest_failing_writer_shows_the_fault(self):
        c = self.start(width=130)
        c.keys(":")
        c.type("snaptest freeze-2019")
        c.keys("Enter")
        c.wait("Quiesced test snapshot of freeze-2019")
        c.keys("Enter")
        s = c.wait("snapshot removed:", timeout=60)
        self.assertIn("freeze-2019: failed", s)
        self.assertIn("fault: ApplicationQuiesceFault", s)
        self.assertIn("predicted application, achieved fail", s)
        self.assertRegex(s, r"SqlServerWriter\s+failed\s+Non-retryable error")
        c.keys("2")
        s = c.wait("[Tasks]")
        self.assertRegex(s, r"failed .*snaptest freeze-2019: freeze-2019: failed")
        # the failed test turns the VM from green ready to fixable at once (R25), and the
        # list's last-test column says so
        c.keys("1")
        s = c.wait(r"freeze-2019 .*fixable\s+FAILED now\s+R", regex=True)
        self.assertIn("LAST TEST", s)
        c.keys(":")
        c.type("open freeze-2019")
        c.keys("Enter")
        s = c.wait("[VM detail]")
        self.assertIn("proof failed: the test snapshot failed", s)
        self.assertRegex(s, r"last test \d{4}-\d\d-\d\d \d\d:\d\d:\d\d: failed")
        self.assertIn("R25", s)

    # ---- start-up questions ----

    def test_orphan_test_snapshot_prompt_and_removal(self):
        db = os.path.join(self.tmp.name, "orphan.db")
        p = self.cli("snaptest", "kill-2019", "--format", "json", db=db)
        self.assertTrue(wait_for(db, "SELECT count(*) FROM snaptests WHERE state = 'running'"))
        time.sleep(1.0)
        p.kill()
        p.communicate()
        time.sleep(3.5)   # the lab finishes the snapshot nobody will remove
        c = self.start(wait_scan=False, env_extra={"QUIESCENT_DB": db})
        s = c.wait("Leftover test snapshots", timeout=30)
        self.assertRegex(s, r"quiescent-test-\d{8}T\d{6}Z on (kill-2019|vm-\d+)")
        self.assertIn("Remove it now?", s)
        # The start-up scan runs behind the question; its "scan done" would replace the hint
        # on the message line if it ended after the key, so it goes first.
        c.wait("scan done:", timeout=30)
        c.keys("Down")        # not an answer: the question stays
        c.wait("answer the question: y, n or Esc")
        c.keys("y")
        c.wait("removed the leftover test snapshot", timeout=30)
        c.wait_gone("Leftover test snapshots")
        self.assertEqual(rows(db, "SELECT state, snapshot_removed FROM snaptests"), [("removed", 1)])

    def test_interrupted_fix_offered_at_start_and_finished(self):
        db = os.path.join(self.tmp.name, "recover.db")
        p = self.cli("fix", "--vm", "r07-kill", "--apply", "--yes", db=db)
        self.assertTrue(wait_for(db, "SELECT count(*) FROM steps WHERE kind='shutdown_guest' AND state='done'"))
        p.send_signal(signal.SIGKILL)
        p.communicate(timeout=30)
        self.assertEqual(rows(db, "SELECT state FROM plans"), [("running",)])
        c = self.start(wait_scan=False, env_extra={"QUIESCENT_DB": db})
        s = c.wait("Finish the interrupted fix?", timeout=30)
        self.assertIn("power its VMs back on and verify them", s)
        self.assertRegex(s, r"VMs:\s+r07-kill")   # the question names the VMs
        c.keys("y")
        c.wait("recovered plan", timeout=60)
        c.keys("1")
        s = c.wait(r"r07-kill\s+on ", timeout=30, regex=True)
        self.assertEqual(rows(db, "SELECT state, recovered_at IS NOT NULL FROM plans"),
                         [("interrupted", 1)])
        self.assertEqual(rows(db, "SELECT count(*) FROM steps WHERE state IN ('planned', 'running')"), [(0,)])


if __name__ == "__main__":
    unittest_main()
