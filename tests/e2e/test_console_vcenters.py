"""Two vCenters in one console (--server given twice), end to end: the real binary against two
labs over HTTPS in a detached tmux session. Both labs' VMs are in the one list with a VCENTER
column and a vcenter: filter word; then the second lab is killed (SIGKILL) mid-session: keys
are still answered, the first lab's VMs stay as they were, and the killed lab's VMs stay in the
list shown unknown (never ready) with the reason in their detail. And the first vCenter down at
the start: the console starts on the second, says why the first is missing, and takes the first
in when it comes up. Bounded waits only."""
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import types
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "integration"))
sys.path.insert(0, HERE)
from labctl import Lab, unittest_main  # noqa: E402
from console_tmux import Console, kill_server  # noqa: E402

USER = "administrator@vsphere.local"
PASSWORD = "Qz-Lab-Pass-61207"      # both labs' login
GUEST = {"user": "Administrator", "password": "Qz-Guest-Pass-5518"}
N = 3                                # alpha-001..003 on A, bravo-001..003 on B


def scenario(prefix):
    return {
        "vcenter": {"user": USER, "password": PASSWORD, "version": "7.0.3"},
        "vms": [{"name": prefix, "count": N, "guest_id": "windows2019srv_64Guest",
                 "guest_full_name": "Microsoft Windows Server 2019 (64-bit)", "guest_build": 17763,
                 "extra_config": {"disk.EnableUUID": "TRUE"},
                 "disks": [{"controller": "pvscsi", "bus": 0, "unit": 0, "gb": 60}],
                 "guest": GUEST}],
    }


def row(screen, name):
    return next((ln for ln in screen.splitlines() if re.match(r"^.\s%s\s" % re.escape(name), ln)), "")


class TwoVCentersTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory(prefix="quiescent-e2e-vcenters-")
        self.addCleanup(self.tmp.cleanup)
        self.a = Lab(scenario("alpha"), speed=100)
        self.addCleanup(self.a.stop)
        self.b = Lab(scenario("bravo"), speed=100)
        self.addCleanup(self.b.stop)
        kh = os.path.join(self.tmp.name, "known_hosts")   # B is pinned here, A by --thumbprint
        with open(kh, "w") as f:
            f.write("%s %s\n" % (self.b.host, self.b.thumbprint))
        self.c = Console(self.a, 150, 30, args=("--server", self.b.url),
                         env_extra={"GOVC_TLS_KNOWN_HOSTS": kh},
                         guest_login="%s:%s" % (GUEST["user"], GUEST["password"]))
        self.addCleanup(kill_server)
        self.addCleanup(self.c.close)

    def test_two_labs_one_killed(self):
        c, a, b = self.c, self.a.host, self.b.host
        s = c.wait(r"bravo-%03d\s.*ready" % N, timeout=60, regex=True)
        s = c.wait(r"alpha-%03d\s.*ready" % N, timeout=60, regex=True)
        self.assertIn("+1 vCenter", s)
        self.assertIn("VCENTER", s)
        for name, host in (("alpha-001", a), ("bravo-001", b)):
            r = row(s, name)
            self.assertIn(host[:16], r, s)
        c.wait_gone("probing", timeout=60)
        s = c.screen()
        self.assertIn("ready", row(s, "bravo-002"), s)

        # the filter word: only B's VMs
        c.keys("/")
        c.type("vcenter:%s" % b)
        c.keys("Enter")
        s = c.wait("[VMs] 1/%d of %d" % (N, 2 * N))
        self.assertNotIn("alpha-00", s)
        c.keys("Escape")
        c.wait("alpha-001")

        # B killed mid-session: no goodbye, its connections just drop
        self.b.proc.send_signal(signal.SIGKILL)
        self.b.proc.wait(timeout=10)
        s = c.wait("%s down" % b, timeout=60)
        s = c.wait(r"bravo-001\s.*unknown", timeout=30, regex=True)
        for i in range(1, N + 1):
            self.assertIn("unknown", row(s, "bravo-%03d" % i), s)
            self.assertIn("vCenter %s cannot be reached" % b, row(s, "bravo-%03d" % i), s)
            self.assertNotIn("ready", row(s, "bravo-%03d" % i), s)
            self.assertIn("ready", row(s, "alpha-%03d" % i), s)
        # keys are still answered: a filter, then the detail of a killed lab's VM
        c.keys("/")
        c.type("vc:%s" % b)
        c.keys("Enter")
        c.wait("[VMs] 1/%d of %d" % (N, 2 * N))
        c.keys("Enter")
        s = c.wait("status unknown: vCenter %s cannot be reached" % b, timeout=10)
        c.keys("Escape")
        c.keys("Escape")
        s = c.wait("alpha-001")
        self.assertIn("ready", row(s, "alpha-001"), s)
        # a rescan reaches A and says B is still down; the list keeps both
        c.keys(":")
        c.type("scan")
        c.keys("Enter")
        s = c.wait("scan of %s done" % a, timeout=60)
        self.assertIn("bravo-001", s)
        self.assertNotIn(PASSWORD, s)
        c.keys("q")
        c.wait("EXITED 0", timeout=30)


class FirstDownAtStartTest(unittest.TestCase):
    """The first --server is down when the console starts; it comes up later on the same port
    with a certificate pinned beforehand."""

    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory(prefix="quiescent-e2e-first-down-")
        self.addCleanup(self.tmp.cleanup)
        self.cert = os.path.join(self.tmp.name, "a.pem")
        self.key = os.path.join(self.tmp.name, "a.key")
        subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", self.key,
                        "-out", self.cert, "-days", "2", "-subj", "/CN=127.0.0.1",
                        "-addext", "subjectAltName=IP:127.0.0.1"], check=True, capture_output=True)
        fp = subprocess.run(["openssl", "x509", "-in", self.cert, "-noout", "-fingerprint", "-sha256"],
                            check=True, capture_output=True, text=True).stdout
        sock = socket.socket()
        sock.bind(("127.0.0.1", 0))
        self.port = sock.getsockname()[1]
        sock.close()   # nothing listens there until lab A starts
        self.b = Lab(scenario("bravo"), speed=100)
        self.addCleanup(self.b.stop)
        kh = os.path.join(self.tmp.name, "known_hosts")
        with open(kh, "w") as f:
            f.write("%s %s\n" % (self.b.host, self.b.thumbprint))
        first = types.SimpleNamespace(url="https://127.0.0.1:%d/sdk" % self.port, user=USER,
                                      password=PASSWORD, thumbprint=fp.strip().split("=", 1)[1])
        self.c = Console(first, 150, 30, args=("--server", self.b.url),
                         env_extra={"GOVC_TLS_KNOWN_HOSTS": kh},
                         guest_login="%s:%s" % (GUEST["user"], GUEST["password"]))
        self.addCleanup(kill_server)
        self.addCleanup(self.c.close)

    def test_starts_on_the_others_then_takes_the_first_in(self):
        c = self.c
        s = c.wait(r"bravo-%03d\s.*ready" % N, timeout=60, regex=True)
        self.assertIn("127.0.0.1:%d" % self.port, s)   # the title names the first
        self.assertNotIn("alpha-", s)
        a = Lab(scenario("alpha"), speed=100,
                extra_args=("--listen", "127.0.0.1:%d" % self.port, "--cert", self.cert, "--key", self.key))
        self.addCleanup(a.stop)
        s = c.wait(r"alpha-%03d\s.*ready" % N, timeout=60, regex=True)
        self.assertIn("ready", row(s, "bravo-001"), s)
        c.keys("q")
        c.wait("EXITED 0", timeout=30)


if __name__ == "__main__":
    unittest_main()
