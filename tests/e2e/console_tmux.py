"""Drives the real console in a detached tmux session: start, send keys, capture the screen,
wait (bounded) for text. A private tmux server (-L) keeps the tests away from the user's tmux."""
import os
import re
import shlex
import shutil
import ssl
import subprocess
import tempfile
import time
import urllib.request

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
BUILD = os.path.join(ROOT, os.environ.get("QUIESCENT_BUILD", "build"))
BIN = os.path.join(BUILD, "quiescent")
SOCKET = "quiescent-e2e-%d" % os.getpid()


def tmux(*args, check=True):
    return subprocess.run(["tmux", "-L", SOCKET, "-f", "/dev/null"] + list(args),
                          capture_output=True, text=True, check=check)


def kill_server():
    tmux("kill-server", check=False)


class Console:
    count = 0

    def __init__(self, lab, width=80, height=24, args=(), env_extra=None, guest_login=None,
                 keys_file=None, command=None):
        """command: a headless sub-command (scan, ...) run in the pane instead of the console."""
        Console.count += 1
        self.name = "c%d" % Console.count
        self.tmp = tempfile.TemporaryDirectory(prefix="quiescent-e2e-")
        env = {
            "QUIESCENT_PASSWORD": lab.password,
            "QUIESCENT_USER": lab.user,
            "QUIESCENT_DB": os.path.join(self.tmp.name, "history.db"),
            "XDG_STATE_HOME": os.path.join(self.tmp.name, "state"),
            "XDG_CONFIG_HOME": os.path.join(self.tmp.name, "config"),
            "LANG": "C.UTF-8",
            "LC_ALL": "C.UTF-8",
            "TERM": "tmux-256color",
        }
        if guest_login:
            env["GOVC_GUEST_LOGIN"] = guest_login
        if env_extra:
            env.update(env_extra)
        self.db = env["QUIESCENT_DB"]
        if keys_file is not None:
            os.makedirs(os.path.join(env["XDG_CONFIG_HOME"], "quiescent"), exist_ok=True)
            with open(os.path.join(env["XDG_CONFIG_HOME"], "quiescent", "keys"), "w") as f:
                f.write(keys_file)
        unset = " ".join("-u %s" % k for k in os.environ if k.startswith(("GOVC_", "QUIESCENT_", "NO_COLOR")))
        # rc first: after a plain `echo`, $? would be the echo's 0
        cmd = "env %s %s %s %s--server %s --thumbprint %s %s; rc=$?; echo; echo EXITED $rc; sleep 600" % (
            unset, " ".join("%s=%s" % (k, shlex.quote(v)) for k, v in env.items()),
            shlex.quote(BIN), shlex.quote(command) + " " if command else "", shlex.quote(lab.url),
            shlex.quote(lab.thumbprint),
            " ".join(shlex.quote(a) for a in args))
        tmux("new-session", "-d", "-s", self.name, "-x", str(width), "-y", str(height), cmd)

    def screen(self, escapes=False):
        args = ["capture-pane", "-p", "-t", self.name]
        if escapes:
            args.insert(1, "-e")
        return tmux(*args).stdout

    def wait(self, pattern, timeout=15.0, regex=False):
        """Waits until pattern is on the screen; returns the screen. Fails with the screen."""
        deadline = time.time() + timeout
        while True:
            s = self.screen()
            if (re.search(pattern, s) if regex else pattern in s):
                return s
            if time.time() > deadline:
                raise AssertionError("timed out waiting for %r; screen:\n%s" % (pattern, s))
            time.sleep(0.05)

    # the title's running scan before its result is in (scanjob.c's phases); after it, the
    # title shows "scan: N VMs" while the job closes, and a new scan may start
    SCAN_PHASE = re.compile(r"scan: (reading the inventory|probing guests|applying the rules|"
                            r"storing the scan in history)")

    def scan_in_title(self, s):
        """Whether the screen's title shows a scan whose result the console has not applied."""
        return bool(self.SCAN_PHASE.search(s.split("\n", 1)[0]))

    def wait_scan_done(self, timeout=60.0, scans=1):
        """Waits until the console has the result of its scans: its "scan done" on the message
        line, or, as that line shows only the latest message (a live change or a reconnection
        replaces it within seconds on a churning lab), `scans` scans committed to its history
        and the title no longer showing one before its result (the history is written before
        the console applies the result: a key pressed between the two finds the scan running).
        Returns the screen. Fails with the screen."""
        deadline = time.time() + timeout
        while True:
            s = self.screen()
            if (scans == 1 and "scan done" in s) or \
                    (self.scans_committed() >= scans and not self.scan_in_title(s)):
                return s
            if time.time() > deadline:
                raise AssertionError("timed out waiting for the scan to end; screen:\n%s" % s)
            time.sleep(0.05)

    def scans_committed(self):
        """How many scans this console wrote to its history (0 before the file exists)."""
        import sqlite3
        if not os.path.exists(self.db):
            return 0
        try:
            con = sqlite3.connect("file:%s?mode=ro" % self.db, uri=True, timeout=1)
            try:
                return con.execute("SELECT count(*) FROM scans WHERE finished_at IS NOT NULL")\
                    .fetchone()[0]
            finally:
                con.close()
        except sqlite3.Error:
            return 0   # not created yet, or being written: look again

    def wait_gone(self, pattern, timeout=10.0):
        deadline = time.time() + timeout
        while True:
            s = self.screen()
            if pattern not in s:
                return s
            if time.time() > deadline:
                raise AssertionError("%r still on the screen:\n%s" % (pattern, s))
            time.sleep(0.05)

    def keys(self, *keys):
        tmux("send-keys", "-t", self.name, *keys)

    def type(self, text):
        tmux("send-keys", "-t", self.name, "-l", text)

    def resize(self, width, height):
        tmux("resize-window", "-t", self.name, "-x", str(width), "-y", str(height))

    def pid(self):
        """The quiescent process (the pane runs sh, which runs env, which execs quiescent)."""
        todo = [tmux("display-message", "-p", "-t", self.name, "#{pane_pid}").stdout.strip()]
        while todo:
            p = todo.pop()
            try:
                with open("/proc/%s/comm" % p) as f:
                    if f.read().strip() == "quiescent":
                        return int(p)
                with open("/proc/%s/task/%s/children" % (p, p)) as f:
                    todo += f.read().split()
            except OSError:
                pass
        return None

    def cpu_ticks(self, pid=None):
        """utime + stime of every thread of the console, in clock ticks (None when it exited)."""
        try:
            with open("/proc/%d/stat" % (pid or self.pid())) as f:
                fields = f.read().rsplit(")", 1)[1].split()
            return int(fields[11]) + int(fields[12])
        except (OSError, TypeError):
            return None

    def signal(self, sig):
        os.kill(self.pid(), sig)

    def close(self):
        tmux("kill-session", "-t", self.name, check=False)
        time.sleep(0.1)   # the console writes its history as it exits
        shutil.rmtree(self.tmp.name, ignore_errors=True)


class Soap:
    """A minimal vSphere SOAP client for changing the lab behind the console's back."""

    def __init__(self, lab):
        self.url = lab.url
        self.ctx = ssl.create_default_context()
        self.ctx.check_hostname = False
        self.ctx.verify_mode = ssl.CERT_NONE   # loopback lab; the console itself pins it
        self.cookie = None
        self.call("Login", "SessionManager", "SessionManager",
                  "<urn:userName>%s</urn:userName><urn:password>%s</urn:password>" % (lab.user, lab.password))

    def call(self, method, type_, moref, body=""):
        env = ('<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" '
               'xmlns:urn="urn:vim25"><soapenv:Body><urn:%s><urn:_this type="%s">%s</urn:_this>%s'
               '</urn:%s></soapenv:Body></soapenv:Envelope>' % (method, type_, moref, body, method))
        req = urllib.request.Request(self.url, data=env.encode(), method="POST")
        req.add_header("Content-Type", "text/xml; charset=utf-8")
        req.add_header("SOAPAction", "urn:vim25/7.0.3.0")
        if self.cookie:
            req.add_header("Cookie", self.cookie)
        with urllib.request.urlopen(req, context=self.ctx, timeout=30) as r:
            c = r.headers.get("Set-Cookie")
            if c:
                self.cookie = c.split(";", 1)[0]
            return r.read().decode()

    def power_off(self, vm_moref):
        return self.call("PowerOffVM_Task", "VirtualMachine", vm_moref)

    def power_on(self, vm_moref):
        return self.call("PowerOnVM_Task", "VirtualMachine", vm_moref)
