"""How the console connects, end to end: the real binary against two labs over HTTPS in detached
tmux sessions, the screen captured and asserted on (bounded waits only).

  trust on first use: the fingerprint question before curses; no leaves nothing behind and
  sends nothing, yes is remembered in known_hosts and not asked again; a changed certificate
  is refused as `quiescent scan` refuses it. The password prompt: nothing typed ever reaches
  the screen, a wrong password is one sentence and exit 3, Ctrl-C gives the terminal back with
  echo on. The mouse (--mouse): a click selects, a second click (or a double click) opens, the
  wheel scrolls, and without --mouse the terminal's mouse reporting stays off. `:connect`:
  to a second lab, to a dead address and to an untrusted one, and its prefix and completion.

The labs' password is known to the test but never printed: every capture is checked for it
(and for the wrong one typed) and a failure shows the screen with it masked."""
import json
import os
import re
import shlex
import socket
import stat
import sys
import tempfile
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "integration"))
sys.path.insert(0, HERE)
from labctl import Lab, quiescent, unittest_main  # noqa: E402
from console_tmux import BIN, Console, kill_server, tmux  # noqa: E402

USER = "administrator@vsphere.local"
PASSWORD = "Qz-Lab-Pass-83512"      # both labs' login
WRONG = "Wrong-Guess-2291"
N_A = 40                             # alpha-001 .. alpha-040: more than a screen
N_B = 3                              # bravo-001 .. bravo-003

LABS = {}


def scenario(prefix, count):
    return {
        "vcenter": {"user": USER, "password": PASSWORD, "version": "7.0.3"},
        "vms": [{"name": prefix, "count": count, "guest_id": "windows2019srv_64Guest",
                 "guest_build": 17763, "extra_config": {"disk.EnableUUID": "TRUE"}}],
    }


def setUpModule():
    LABS["tmp"] = tempfile.TemporaryDirectory(prefix="quiescent-e2e-connect-")
    LABS["log"] = os.path.join(LABS["tmp"].name, "requests-a.jsonl")
    LABS["a"] = Lab(scenario("alpha", N_A), speed=100, extra_args=("--request-log", LABS["log"]))
    LABS["b"] = Lab(scenario("bravo", N_B), speed=100)


def tearDownModule():
    kill_server()
    for k in ("a", "b"):
        if k in LABS:
            LABS[k].stop()
    LABS["tmp"].cleanup()


def logins_to_a():
    """How many Login requests lab A has answered so far."""
    if not os.path.exists(LABS["log"]):
        return 0
    n = 0
    with open(LABS["log"]) as f:
        for line in f:
            try:
                n += json.loads(line).get("method") == "Login"
            except ValueError:
                pass
    return n


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def mask(text):
    for secret in (PASSWORD, WRONG):
        text = text.replace(secret, "<SECRET>")
    return text


class Term(Console):
    """The console started as an admin starts it: with or without the password in the
    environment, with or without --thumbprint, its config (known_hosts) in `home`, shared
    between starts. The shell around it prints the exit status and whether the terminal has
    echo and canonical mode back; it survives a Ctrl-C (the trap is reset for the console)."""

    def __init__(self, lab, home, args=(), password=True, pin=True, width=80, height=24):
        Console.count += 1
        self.name = "k%d" % Console.count
        self.tmp = tempfile.TemporaryDirectory(prefix="quiescent-e2e-")
        env = {
            "QUIESCENT_USER": USER,
            "QUIESCENT_DB": os.path.join(self.tmp.name, "history.db"),
            "XDG_STATE_HOME": os.path.join(self.tmp.name, "state"),
            "XDG_CONFIG_HOME": os.path.join(home, "config"),
            "HOME": home,
            "LANG": "C.UTF-8",
            "LC_ALL": "C.UTF-8",
            "TERM": "tmux-256color",
        }
        if password:
            env["QUIESCENT_PASSWORD"] = PASSWORD
        unset = " ".join("-u %s" % k for k in os.environ if k.startswith(("GOVC_", "QUIESCENT_", "NO_COLOR")))
        opts = ["--server", lab.url] + (["--thumbprint", lab.thumbprint] if pin else []) + list(args)
        cmd = ("trap : INT; env %s %s %s %s; rc=$?; echo; echo EXITED $rc; "
               "echo TTY $(stty -a | tr ' ;' '\\n\\n' | grep -x -e '-\\?echo' -e '-\\?icanon'); sleep 600") % (
            unset, " ".join("%s=%s" % (k, shlex.quote(v)) for k, v in env.items()),
            shlex.quote(BIN), " ".join(shlex.quote(a) for a in opts))
        tmux("new-session", "-d", "-s", self.name, "-x", str(width), "-y", str(height), cmd)

    def close(self):
        tmux("kill-session", "-t", self.name, check=False)
        time.sleep(0.1)   # the console writes its history as it exits
        self.tmp.cleanup()

    def screen(self, escapes=False, join=False, history=False, other=False):
        """The pane as shown (other: the screen curses is not on, e.g. the shell's while the
        console is up), joined: wrapped lines put back together. Every capture is checked
        for the passwords."""
        args = ["capture-pane", "-p", "-t", self.name]
        if escapes:
            args.append("-e")
        if join:
            args.append("-J")
        if history:
            args += ["-S", "-"]
        if other:
            args.append("-a")
        r = tmux(*args, check=False)
        text = r.stdout if r.returncode == 0 else ""
        if PASSWORD in text or WRONG in text:
            raise AssertionError("a password is on the screen:\n" + mask(text))
        return text

    def everything(self):
        """Both screens and the scrollback, wrapped lines joined."""
        return "\n".join((self.screen(join=True, history=True), self.screen(join=True, other=True)))

    def wait(self, pattern, timeout=20.0, regex=False, join=False):
        deadline = time.time() + timeout
        while True:
            s = self.screen(join=join)
            if (re.search(pattern, s) if regex else pattern in s):
                return s
            if time.time() > deadline:
                raise AssertionError("timed out waiting for %r; screen:\n%s" % (pattern, s))
            time.sleep(0.05)

    def exited(self, timeout=20.0):
        """Waits for the console to end; (exit status, the screen joined)."""
        s = self.wait(r"EXITED \d+\s+TTY", timeout=timeout, regex=True, join=True)
        return int(re.search(r"EXITED (\d+)", s).group(1)), s

    def tty(self, s):
        return re.search(r"TTY (.*)", s).group(1).split()

    def flags(self):
        out = tmux("display-message", "-p", "-t", self.name,
                   "#{alternate_on} #{mouse_any_flag} #{mouse_standard_flag} #{mouse_button_flag} "
                   "#{mouse_all_flag}").stdout.split()
        return {"alternate": out[0] == "1", "mouse": any(f == "1" for f in out[1:])}

    def mouse(self, *events):
        """Writes xterm mouse reports (X10 encoding: the terminfo's kmous is \\E[M) into the
        pane, as the terminal would after the console asked for them; one tmux call, so a
        press and its release arrive together. events: (button code, x, y), 0-based cells."""
        data = []
        for b, x, y in events:
            data += [0x1b, ord("["), ord("M"), 32 + b, 33 + x, 33 + y]
        tmux("send-keys", "-t", self.name, "-H", *["%02x" % c for c in data])

    def click(self, x, y):
        self.mouse((0, x, y), (3, x, y))

    def command(self, text):
        self.keys(":")
        self.type(text)
        self.keys("Enter")


def row_of(screen, name):
    for y, line in enumerate(screen.splitlines()):
        if line[2:].startswith(name + " "):
            return y
    raise AssertionError("%s is not on the screen:\n%s" % (name, mask(screen)))


REVERSE = re.compile(r"\x1b\[(?:\d+;)*7(?:;\d+)*m")


class Base(unittest.TestCase):
    def setUp(self):
        self.home_dir = tempfile.TemporaryDirectory(prefix="quiescent-e2e-home-")
        self.home = self.home_dir.name
        self.kh = os.path.join(self.home, "config", "quiescent", "known_hosts")
        self.terms = []

    def tearDown(self):
        for t in self.terms:
            t.close()
        self.home_dir.cleanup()

    def start(self, lab=None, **kw):
        t = Term(lab or LABS["a"], self.home, **kw)
        self.terms.append(t)
        return t

    def open(self, lab=None, **kw):
        t = self.start(lab, **kw)
        t.wait("scan done: %d VMs" % (N_A if (lab or LABS["a"]) is LABS["a"] else N_B), timeout=40)
        return t

    def write_known_hosts(self, *pairs):
        os.makedirs(os.path.dirname(self.kh), exist_ok=True)
        with open(self.kh, "w") as f:
            for host, thumb in pairs:
                f.write("%s %s\n" % (host, thumb))

    def assert_terminal_back(self, t, s):
        self.assertEqual(t.tty(s), ["icanon", "echo"], mask(s))
        f = t.flags()
        self.assertFalse(f["alternate"], "still on the alternate screen")
        self.assertFalse(f["mouse"], "mouse reporting left on")


class TofuTest(Base):
    """An untrusted certificate and no pin: the fingerprint question before curses."""

    def ask(self):
        a = LABS["a"]
        t = self.start(pin=False)
        s = t.wait("[y/N]", join=True)
        self.assertIn("The certificate of %s is not trusted by the system CA store." % a.host, s)
        self.assertIn("Its SHA-256 fingerprint is", s)
        self.assertIn(a.thumbprint, s.replace("\n", ""))
        self.assertIn("remember it in %s? [y/N]" % self.kh, s)
        self.assertFalse(t.flags()["alternate"], "the question must come before curses")
        return t

    def test_no_exits_cleanly_sends_nothing_and_remembers_nothing(self):
        before = logins_to_a()
        t = self.ask()
        t.type("n")
        t.keys("Enter")
        rc, s = t.exited()
        self.assertEqual(rc, 3, mask(s))
        self.assertIn("quiescent: not connecting to an untrusted server", s)
        self.assertNotIn("connecting to https", s)
        self.assert_terminal_back(t, s)
        self.assertFalse(os.path.exists(self.kh), "known_hosts written after a no")
        self.assertFalse(os.path.exists(os.path.dirname(self.kh)) and os.listdir(os.path.dirname(self.kh)))
        self.assertEqual(logins_to_a(), before, "the password was sent to an untrusted server")

    def test_yes_is_remembered_and_not_asked_again(self):
        a = LABS["a"]
        t = self.ask()
        t.type("y")
        t.keys("Enter")
        s = t.wait("scan done: %d VMs" % N_A, timeout=40)
        self.assertIn("%s@%s  %d VMs" % (USER, a.host, N_A), s)
        self.assertIn("alpha-001", s)
        with open(self.kh) as f:
            self.assertEqual(f.read(), "%s %s\n" % (a.host, a.thumbprint))
        self.assertEqual(stat.S_IMODE(os.stat(self.kh).st_mode), 0o600)
        t.keys("q")
        rc, s = t.exited()
        self.assertEqual(rc, 0, mask(s))
        self.assert_terminal_back(t, s)

        again = self.start(pin=False)
        again.wait("scan done: %d VMs" % N_A, timeout=40)
        shell = again.everything()
        self.assertIn("quiescent: connecting to %s" % a.url, shell)
        self.assertNotIn("not trusted", shell)
        self.assertNotIn("[y/N]", shell)
        with open(self.kh) as f:
            self.assertEqual(f.read(), "%s %s\n" % (a.host, a.thumbprint))

    def test_changed_certificate_is_refused_as_scan_refuses_it(self):
        a, b = LABS["a"], LABS["b"]
        self.write_known_hosts((a.host, b.thumbprint))   # remembered, but not what A serves now
        before = logins_to_a()
        t = self.start(pin=False)
        rc, s = t.exited()
        self.assertEqual(rc, 3, mask(s))
        m = re.search(r"quiescent: (The certificate of .*)", s)
        self.assertIsNotNone(m, mask(s))
        said = m.group(1)
        self.assertIn("has fingerprint %s, not the pinned %s" % (a.thumbprint, b.thumbprint), said)
        self.assertIn("refusing to send anything", said)
        self.assertNotIn("[y/N]", s)    # no offer to overwrite the pin
        self.assert_terminal_back(t, s)
        with open(self.kh) as f:
            self.assertEqual(f.read(), "%s %s\n" % (a.host, b.thumbprint))
        self.assertEqual(logins_to_a(), before)
        r = quiescent(a, "scan", "--server", a.url, "--no-probe",
                      db=os.path.join(self.home, "scan.db"), env_extra={"GOVC_TLS_KNOWN_HOSTS": self.kh})
        self.assertEqual(r.returncode, 3, r.stderr)
        self.assertIn(said, r.stderr.replace("\n", " "))


class PasswordTest(Base):
    """No password in the environment: the prompt, echo off, before curses."""

    def prompt(self):
        t = self.start(password=False)
        s = t.wait("Password for %s@%s" % (USER, LABS["a"].url), join=True)
        self.assertFalse(t.flags()["alternate"])
        return t, s

    def test_prompt_hides_what_is_typed_and_the_list_loads(self):
        t, _ = self.prompt()
        typed = ""
        for chunk in (PASSWORD[:3], PASSWORD[3:9], PASSWORD[9:]):
            t.type(chunk)
            typed += chunk
            s = t.screen()   # raises (masked) should the whole password show
            self.assertNotIn(typed, s, "what was typed so far is on the screen")
        t.keys("Enter")
        s = t.wait("scan done: %d VMs" % N_A, timeout=40)
        self.assertIn("alpha-001", s)
        shell = t.screen(join=True, other=True)   # the prompt's screen, under curses
        line = [l for l in shell.splitlines() if "Password for" in l][0]
        self.assertTrue(line.rstrip().endswith("/sdk:"), "something follows the prompt")
        t.command("messages")
        t.wait("[Messages]")
        t.keys("q", "q")
        rc, s = t.exited()
        self.assertEqual(rc, 0, mask(s))
        self.assert_terminal_back(t, s)
        t.everything()   # checked for the password, scrollback included

    def test_wrong_password_is_one_sentence_and_a_clean_exit(self):
        t, _ = self.prompt()
        t.type(WRONG)
        t.keys("Enter")
        rc, s = t.exited()
        self.assertEqual(rc, 3, mask(s))
        errors = [l for l in s.splitlines() if l.startswith("quiescent: ") and "connecting to" not in l]
        self.assertEqual(errors, ["quiescent: Login to %s as %s was refused: wrong user name or password."
                                  % (LABS["a"].host, USER)], mask(s))
        self.assert_terminal_back(t, s)
        t.everything()

    def test_ctrl_c_at_the_prompt_gives_the_terminal_back(self):
        t, _ = self.prompt()
        t.type(PASSWORD[:5])
        t.keys("C-c")
        rc, s = t.exited()
        self.assertEqual(rc, 130, mask(s))
        self.assertNotIn(PASSWORD[:5], s)
        self.assertNotIn("connecting to", s)
        self.assert_terminal_back(t, s)   # echo was off while it asked


class MouseTest(Base):
    """--mouse: click, second click and double click, wheel."""

    def test_click_selects_a_second_click_and_a_double_click_open(self):
        t = self.open(args=("--mouse",))
        self.assertTrue(t.flags()["mouse"], "--mouse did not turn mouse reporting on")
        s = t.screen()
        y = row_of(s, "alpha-005")
        t.click(4, y)
        s = t.wait("[VMs] 5/%d" % N_A)
        esc = t.screen(escapes=True).splitlines()
        self.assertRegex(esc[y], REVERSE)          # the cursor bar is on the row clicked
        self.assertIn("alpha-005", esc[y])
        self.assertNotRegex(esc[row_of(s, "alpha-001")], REVERSE)
        t.click(4, y)                              # a second click on the selected row opens it
        s = t.wait("[VM detail]")
        self.assertIn("alpha-005  (vm-", s)
        t.keys("Escape")
        s = t.wait("[VMs] 5/%d" % N_A)
        y = row_of(s, "alpha-009")
        t.mouse((0, 4, y), (3, 4, y), (0, 4, y), (3, 4, y))   # a quick double click
        s = t.wait("[VM detail]")
        self.assertIn("alpha-009  (vm-", s)
        t.keys("Escape", "q")
        rc, s = t.exited()
        self.assertEqual(rc, 0, mask(s))
        self.assert_terminal_back(t, s)            # mouse reporting off again

    def test_wheel_scrolls_and_a_click_hits_the_row_shown(self):
        t = self.open(args=("--mouse",))
        t.mouse(*[(65, 10, 10)] * 8)               # wheel down, 3 lines a notch
        s = t.wait("[VMs] 25/%d" % N_A)
        self.assertIn("alpha-025", s)
        self.assertNotIn("alpha-001", s)           # the list scrolled
        y = 5                                       # the third row shown, whichever it is
        name = s.splitlines()[y][2:].split()[0]
        self.assertRegex(name, r"^alpha-0\d\d$")
        self.assertNotEqual(name, "alpha-025")
        t.click(4, y)
        s = t.wait("[VMs] %d/%d" % (int(name[-3:]), N_A))
        self.assertRegex(t.screen(escapes=True).splitlines()[y], REVERSE)
        t.mouse(*[(64, 10, 10)] * 11)              # wheel up, past the top
        s = t.wait("[VMs] 1/%d" % N_A)
        self.assertIn("alpha-001", s)

    def test_a_click_on_a_column_title_sorts(self):
        t = self.open(args=("--mouse",))
        s = t.screen()
        header = s.splitlines()[2]
        x = header.index("STATUS")
        t.click(x + 1, 2)
        t.wait("sort:status\u25b2")
        t.click(x + 1, 2)                          # again: the other way
        t.wait("sort:status\u25bc")
        t.click(header.index("NAME") + 1, 2)
        t.wait("sort:name")

    def test_mouse_is_off_unless_asked(self):
        t = self.open()
        self.assertFalse(t.flags()["mouse"], "mouse reporting on without --mouse")
        self.assertTrue(t.flags()["alternate"])
        self.assertIn("--mouse", quiescent(LABS["a"], "--help").stdout)


class ConnectTest(Base):
    """:connect from a running console; both labs are in known_hosts (remembered earlier)."""

    def setUp(self):
        super().setUp()
        a, b = LABS["a"], LABS["b"]
        self.write_known_hosts((a.host, a.thumbprint), (b.host, b.thumbprint))

    def assert_on_b(self, t):
        b = LABS["b"]
        s = t.wait("%s@%s  %d VMs" % (USER, b.host, N_B), timeout=30)
        s = t.wait("scan done: %d VMs" % N_B, timeout=30)
        for i in range(1, N_B + 1):
            self.assertIn("bravo-%03d" % i, s)
        self.assertNotIn("alpha-", s)
        self.assertIn("[VMs] 1/%d" % N_B, s)
        t.keys("Down")
        t.wait("[VMs] 2/%d" % N_B)
        return s

    def test_connect_switches_to_the_second_lab(self):
        t = self.open(width=120, height=30)
        t.command("connect " + LABS["b"].url)
        self.assert_on_b(t)
        t.command("open bravo-003")
        t.wait("bravo-003  (vm-")
        t.keys("Escape")
        t.command("messages")
        s = t.wait("[Messages]")
        self.assertIn("connected to %s as %s" % (LABS["b"].host, USER), s)

    def test_connect_to_a_dead_address_keeps_the_list(self):
        a = LABS["a"]
        t = self.open(width=200, height=30)
        t.keys("Down", "Down")
        t.wait("[VMs] 3/%d" % N_A)
        dead = "https://127.0.0.1:%d/sdk" % free_port()
        t.command("connect " + dead)
        s = t.wait("connecting to %s failed: " % dead, timeout=30)
        msg = s.rstrip("\n").splitlines()[-1]
        self.assertRegex(msg, r"^connecting to \S+ failed: [^\n]*\.$")
        self.assertEqual(len(re.findall(r"\.(?:\s|$)", msg)), 1, msg)   # one sentence
        self.assertIn("%s@%s  %d VMs" % (USER, a.host, N_A), s)
        self.assertIn("alpha-003", s)
        self.assertIn("[VMs] 3/%d" % N_A, s)
        t.keys("Down")                                  # still usable
        t.wait("[VMs] 4/%d" % N_A)
        t.keys("Enter")
        t.wait("alpha-004  (vm-")

    def test_connect_to_an_untrusted_server_is_refused_and_keeps_the_list(self):
        a, b = LABS["a"], LABS["b"]
        self.write_known_hosts((a.host, a.thumbprint))  # B not remembered
        t = self.open(width=500, height=30)   # the whole sentence on the message line
        t.command("connect " + b.url)
        s = t.wait("connecting to %s failed: " % b.url, timeout=30)
        msg = s.rstrip("\n").splitlines()[-1]
        self.assertIn("%s is not trusted (" % b.host, msg)
        # the fingerprint named once and then in the advice, whole (it used to be cut off)
        self.assertEqual(msg.count(b.thumbprint), 2, msg)
        self.assertTrue(msg.endswith("if that is right, run :connect %s %s." % (b.url, b.thumbprint)), msg)
        self.assertEqual(msg.count("not trusted"), 1, msg)
        self.assertIn("%s@%s  %d VMs" % (USER, a.host, N_A), s)
        self.assertIn("alpha-001", s)
        self.assertNotIn("bravo-", s)
        t.keys("Down")
        t.wait("[VMs] 2/%d" % N_A)
        # As the sentence says: the fingerprint pins it from the console.
        t.command("connect %s %s" % (b.url, b.thumbprint))
        self.assert_on_b(t)

    def test_conn_prefix_and_completion(self):
        a, b = LABS["a"], LABS["b"]
        t = self.open(width=120, height=30)
        t.keys(":")
        t.type("conn")
        t.keys("Tab")
        t.wait(re.compile(r"\n:connect\s*$").pattern, regex=True)
        t.type(b.url)
        t.keys("Enter")
        self.assert_on_b(t)
        t.command("c " + a.url)                        # `c` alone is unique: connect
        s = t.wait("%s@%s  %d VMs" % (USER, a.host, N_A), timeout=30)
        t.wait("scan done: %d VMs" % N_A, timeout=30)
        s = t.wait("alpha-001")
        self.assertNotIn("bravo-", s)

    def test_bare_connect_logs_in_again_to_the_current_server(self):
        t = self.open(width=120, height=30)
        t.command("connect " + LABS["b"].url)
        self.assert_on_b(t)
        t.command("connect")                            # docs: "log in again"
        # The message line may move on to the scan before a poll sees "connected to": the
        # Messages view keeps every line, so the second login is counted there.
        t.command("messages")
        t.wait("[Messages]")
        login = re.escape("connected to %s as %s" % (LABS["b"].host, USER))
        done = re.escape("scan done: %d VMs" % N_B)
        t.wait(r"%s[\s\S]*%s[\s\S]*%s[\s\S]*%s" % (login, done, login, done), regex=True,
               timeout=30)
        t.keys("Escape")
        s = t.wait("[VMs] 1/%d" % N_B)
        self.assertIn("%s@%s  %d VMs" % (USER, LABS["b"].host, N_B), s)
        self.assertIn("bravo-001", s)
        self.assertNotIn("alpha-", s)


if __name__ == "__main__":
    unittest_main()
