"""The console end to end: the real binary against the lab in a detached tmux session at
80x24 and 200x50, keys sent, the screen captured and asserted on (bounded waits only)."""
import json
import os
import re
import sys
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "integration"))
sys.path.insert(0, HERE)
from labctl import Lab, quiescent, unittest_main  # noqa: E402
from console_tmux import Console, Soap, kill_server  # noqa: E402

SCENARIO = os.path.join(HERE, "scenarios", "console.json")
GUEST = "Administrator:Int-Guest-Secret-4412"
N = 24


class ConsoleTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.lab = Lab(SCENARIO, speed=100)
        r = quiescent(cls.lab, "scan", "--server", cls.lab.url, "--thumbprint", cls.lab.thumbprint,
                      "--no-probe", "--format", "json")
        if not r.stdout:
            raise AssertionError("the lab's scan printed nothing (exit %d): %s"
                                 % (r.returncode, r.stderr))
        cls.morefs = {vm["name"]: vm["moref"] for vm in json.loads(r.stdout)["vms"]}

    @classmethod
    def tearDownClass(cls):
        kill_server()
        cls.lab.stop()

    def setUp(self):
        self.consoles = []

    def tearDown(self):
        for c in self.consoles:
            c.close()

    def open(self, width=80, height=24, args=(), **kw):
        kw.setdefault("guest_login", GUEST)
        c = Console(self.lab, width, height, args, **kw)
        self.consoles.append(c)
        c.wait("scan done: %d VMs" % N, timeout=30)
        return c

    # ---- the list ----

    def test_list_loads_at_80x24(self):
        c = self.open()
        s = c.screen()
        lines = s.splitlines()
        self.assertEqual(len(lines), 24)
        self.assertTrue(all(len(l) <= 80 for l in lines))
        self.assertIn("ready 4", s)
        self.assertIn("fixable 9", s)    # R01 and R02 need a person: manual
        self.assertIn("manual 8", s)
        self.assertIn("badwriter-2019", s)
        self.assertIn("R16", s)
        self.assertIn("[VMs] 1/24", s)
        # columns dropped by priority at 80 columns: TOOLS goes first
        self.assertNotIn("TOOLS", s)
        self.assertIn("STATUS", s)

    def test_list_at_200x50_shows_every_column_and_the_bar(self):
        c = self.open(200, 50)
        s = c.screen()
        for col in ("NAME", "POWER", "OS", "TOOLS", "BEST", "PRED", "STATUS", "TOP FINDING"):
            self.assertIn(col, s)
        self.assertRegex(s, r"\[[\u2588\u2591]+\]")   # the status bar chart
        self.assertIn("xp-nosync", s)                   # all 24 rows fit
        self.assertIn("12.1.5", s)

    def test_sort_by_column_and_reverse(self):
        c = self.open()
        c.keys(":")
        c.type("sort status")
        c.keys("Enter")
        s = c.wait("sort:status")
        first = s.splitlines()[3]
        self.assertIn("manual", first)   # ascending: the VMs that need someone first
        c.keys("r")
        s = c.wait("sort:status\u25bc")
        self.assertIn("n/a", s.splitlines()[3])
        self.assertIn("STATUS\u25bc", s)   # the arrow beside the whole title
        c.keys(">")
        c.wait("sort:finding")   # columns not on the screen are skipped
        c.keys(":")
        c.type("sort power")
        c.keys("Enter")
        s = c.wait("sort:power")
        self.assertIn("POWE\u25bc", s)     # a 5-wide title gives way to the arrow

    def test_filter_rule_negation_and_clear(self):
        c = self.open()
        c.keys("/")
        c.type("R07")
        c.keys("Enter")
        s = c.wait("1/2 of 24")
        self.assertIn("no-uuid-2016", s)
        self.assertIn("uuid-false-2019", s)
        self.assertNotIn("ready-2019", s)
        c.keys("/", "C-u")
        c.type("!ready")
        c.keys("Enter")
        s = c.wait("of 24  sort:name\u25b2  /!ready")
        self.assertIn("/20 of 24", s)
        self.assertNotIn("ready-2019", s)
        c.keys("Escape")
        c.wait(r"\[VMs\] \d+/24  sort", regex=True)
        c.keys("/")
        c.type("^sql|^web")
        c.keys("Enter")
        s = c.wait("1/1 of 24")
        self.assertIn("web-linux", s)
        c.keys("/", "C-u")
        c.type("re:[")
        c.keys("Enter")
        c.wait("bad regex")

    def test_marks_single_range_all_and_clear(self):
        c = self.open()
        c.keys("Space", "Space")
        c.wait("marked 2")
        c.keys("Down", "Down", "v")
        c.wait("marked 4")
        c.keys("/")
        c.type("manual")
        c.keys("Enter")
        c.wait("/8 of 24")   # R01 and R02 VMs are manual too
        c.keys("*")
        c.wait("marked the 8 VMs shown")
        c.keys("u")
        c.wait_gone("marked ")
        c.keys(":")
        c.type("mark *-2019")
        c.keys("Enter")
        c.wait(re.compile(r"marked \d+ VMs").pattern, regex=True)

    def test_detail_shows_facts_sources_and_findings(self):
        c = self.open()
        c.keys(":")
        c.type("open no-uuid-2016")
        c.keys("Enter")
        s = c.wait("[VM detail]")
        self.assertIn("Findings (", s)
        self.assertIn("R07", s)
        self.assertIn("evidence:", s)
        self.assertIn("runtime.powerState", s)
        c.keys("PageDown")
        s = c.wait("Guest probe: ok")
        self.assertIn("[guest probe]", s)
        c.keys("End")
        s = c.wait("History")
        c.keys("Escape")
        c.wait("[VMs]")

    def test_help_generated_from_actions(self):
        c = self.open()
        c.keys("?")
        s = c.wait("[Help]")
        self.assertIn("Keys (keymap default, view vms)", s)
        self.assertIn("move-up", s)
        c.keys("PageDown")
        s = c.wait("mark-range")
        self.assertIn("<Space>", s)
        c.keys("PageDown")
        # keys of another screen say where they work instead of "-"
        s = c.wait("apply")
        self.assertRegex(s, r"a in fix\s+apply")
        c.keys("End")
        s = c.wait("folder:Prod*")
        # the legend of the columns and statuses
        self.assertRegex(s, r"fixable\s+quiescent can fix")
        self.assertRegex(s, r"probing\s+its guest probe is running")
        c.keys("PageUp")
        s = c.wait("The VM list")
        self.assertIn("crash-consistent", s)
        self.assertIn(":quit", s)
        c.keys("Escape", ":")
        c.type("rules r07")   # what a rule means, without leaving the console (trial 24)
        c.keys("Enter")
        s = c.wait("What to do:")   # whole, in the message log
        self.assertIn("[Messages]", s)
        self.assertIn("R07 (error, caps at filesystem", s)
        c.keys("Escape")
        c.wait("[VMs]")
        c.keys("?")
        c.keys("q")
        c.wait("[VMs]")

    def test_command_line_completion_prefix_and_errors(self):
        c = self.open()
        c.keys(":")
        c.type("mes")
        c.keys("Tab")
        c.wait(":messages")
        c.keys("Enter")
        c.wait("[Messages]")
        c.keys("Escape")
        c.keys(":")
        c.type("open no-uu")
        c.keys("Tab")
        c.wait(":open no-uuid-2016")
        c.keys("Enter")
        c.wait("no-uuid-2016  (")
        c.keys("Escape", ":")
        c.type("s")
        c.keys("Enter")
        c.wait("ambiguous command 's': scan, sort, snaptest")
        c.keys(":")
        c.type("o")
        c.keys("Tab")
        c.wait(":open")
        c.keys("C-u")
        c.type("sort st")
        c.keys("Tab")
        c.wait(":sort status")
        c.keys("Escape")
        # Tab's candidates are on the screen while the line is still open (trial 17)
        c.keys(":")
        c.type("open no")
        c.keys("Tab", "Tab")
        s = c.wait("matches:")
        self.assertIn("no-uuid-2016", s)
        self.assertIn("nologin-2019", s)
        self.assertIn(":open no", s.splitlines()[-1] if s.splitlines() else "")
        c.keys("Escape")
        c.keys(":")
        c.type("frobnicate")
        c.keys("Enter")
        c.wait("unknown command 'frobnicate'")
        # the history of the line is kept: Up brings the last command back
        c.keys(":", "Up")
        c.wait(":frobnicate")
        c.keys("Escape")

    def test_resize_drops_and_restores_columns(self):
        c = self.open()
        self.assertNotIn("TOOLS", c.screen())
        c.resize(200, 50)
        s = c.wait("TOOLS")
        self.assertEqual(len(s.splitlines()), 50)
        c.resize(80, 24)
        c.wait_gone("TOOLS")
        s = c.screen()
        self.assertIn("[VMs]", s)

    def test_vi_keymap(self):
        c = self.open(args=("--keymap", "vi"))
        c.keys("j", "j")
        c.wait("[VMs] 3/24")
        c.keys("G")
        c.wait("[VMs] 24/24")
        c.keys("g", "g")
        c.wait("[VMs] 1/24")
        c.keys("C-d")
        c.wait(re.compile(r"\[VMs\] (9|1\d)/24").pattern, regex=True)
        c.keys("n")
        c.wait("keys:vi")
        c.keys("l")
        c.wait("[VM detail]")
        c.keys("h")
        c.wait("[VMs]")

    def test_lang_c_falls_back_to_ascii(self):
        c = self.open(env_extra={"LANG": "C", "LC_ALL": "C"})
        s = c.screen()
        self.assertIn("NAME^", s)
        self.assertIn("sort:name^", s)
        self.assertNotRegex(s, r"[\u2500-\u2bff]")

    def test_no_color_and_colours(self):
        colored = self.open()
        esc = colored.screen(escapes=True)
        colour = r"\x1b\[[0-9;]*(38;5;\d+|3[0-7])m"
        self.assertRegex(esc, colour)
        plain = self.open(env_extra={"NO_COLOR": "1"})
        esc = plain.screen(escapes=True)
        self.assertNotRegex(esc, colour)
        self.assertIn("ready 4", plain.screen())

    def test_readonly_refuses_vm_actions(self):
        c = self.open(args=("--readonly",))
        c.wait("READONLY")
        c.keys("f")   # the plan is shown (reading changes nothing); running it is refused
        c.wait("read-only: shown, never run")
        c.keys("a")
        c.wait("read-only console (--readonly): apply is refused")
        c.keys("Escape", "t")
        c.wait("[Test snapshot]")
        c.keys("Enter")
        c.wait("read-only console (--readonly): apply is refused")

    def test_f_plans_the_cursor_vm_and_H_shows_its_history(self):
        c = self.open()   # the cursor is on the first row, badwriter-2019 (R16)
        c.keys("f")
        s = c.wait("Fix plan: 1 VM, 1 with steps")
        self.assertIn("badwriter-2019 (%s, poweredOn)" % self.morefs["badwriter-2019"], s)
        self.assertRegex(s, r"1\. R16 Restart the service SQL Server VSS Writer")
        self.assertIn("2. Verify", s)
        c.keys("Escape")
        c.keys("H")
        s = c.wait(r"\[History\] \d+ records\s+kind:all\s+vm:badwriter-2019", regex=True)
        self.assertRegex(s, r"scan\s+badwriter-2019\s+fixable")

    def test_ctrl_c_with_nothing_running_keeps_the_app(self):
        # (a running scan cancelled by Ctrl-C: test_console_progressive.py, where scans are slow)
        c = self.open()
        c.keys("C-c")
        s = c.wait("nothing is running (q quits)")
        self.assertNotIn("EXITED", s)
        self.assertIn("[VMs]", s)
        c.keys("q")
        c.wait("EXITED 0")

    def test_tasks_view(self):
        c = self.open()
        c.keys("2")
        s = c.wait("[Tasks]")
        self.assertIn("scan", s)
        self.assertIn("done", s)
        self.assertIn("100%", s)

    def test_keymap_file_errors_reported_and_loading_goes_on(self):
        keys = "bind vms z mark\nbind vms y frobnicate\nbind nowhere x mark\n"
        c = self.open(200, 50, keys_file=keys)
        c.keys(":")
        c.type("messages")
        c.keys("Enter")
        s = c.wait("[Messages]")
        self.assertIn("quiescent/keys:2: unknown action 'frobnicate'", s)
        self.assertIn("quiescent/keys:3: unknown view 'nowhere'", s)
        c.keys("1", "z")
        c.wait("marked 1")

    def test_key_hints_follow_the_keymap(self):
        c = self.open(100, 30)
        for line in ("unbind fix a", "bind fix r apply"):
            c.keys(":")
            c.type(line)
            c.keys("Enter")
            c.wait(line)
        c.keys("f")
        s = c.wait("[Fix plan]")
        self.assertRegex(s, r"\[Fix plan\] r: run  h: hard off")   # not the default 'a'

    def test_power_change_behind_its_back_appears_live(self):
        c = self.open()
        row = [l for l in c.screen().splitlines() if "ready-2019" in l][0]
        self.assertRegex(row, r"ready-2019\s+on ")
        Soap(self.lab).power_off(self.morefs["ready-2019"])
        t0 = time.time()
        s = c.wait(re.compile(r"ready-2019\s+off ").pattern, regex=True, timeout=10)
        self.assertIn("ready-2019 changed: poweredOff", s)
        self.assertLess(time.time() - t0, 5.0)
        Soap(self.lab).power_on(self.morefs["ready-2019"])
        c.wait(re.compile(r"ready-2019\s+on ").pattern, regex=True, timeout=10)
        # Both tasks were someone else's: vCenter's part of the Tasks view shows them.
        c.keys("2")
        s = c.wait("Power on ready-2019 by %s" % self.lab.user[:12], timeout=10)   # 80 columns
        self.assertRegex(s, r"done .*Power off ready-2019 by")
        self.assertRegex(s, r"scan: %d VMs" % N)


if __name__ == "__main__":
    unittest_main()
