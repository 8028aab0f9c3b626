"""Trust (issue 14): a pin always decides. A recording TLS proxy (tests/hostile/pin_proxy.py) sits
in front of the lab with a certificate of its own; the test fails if one byte of a request
reaches it on a connection whose certificate does not match the pin, for every combination of
-k, GOVC_INSECURE, --thumbprint and a known_hosts entry (right, wrong, none), for a pin taken from
a trust-on-first-use answer in the console, and on every later connection of a run (the proxy
changes its certificate after the first connection: guest file transfers and datastore
downloads included). Also: the sentences say what happened (nothing sent; protocol, not trust)."""
import itertools
import json
import os
import shlex
import ssl
import socket
import subprocess
import sys
import tempfile
import threading
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "hostile"))
from labctl import Lab, QUIESCENT_BIN, quiescent, unittest_main  # noqa: E402
from pin_proxy import PinProxy  # noqa: E402
import tlsutil  # noqa: E402

SCENARIO = os.path.join(HERE, "scenarios", "snaptest.json")
WRONG = ":".join(["00", "11"] * 16)
GUEST = "Administrator:Int-Guest-Secret-4412"


class TrustTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.lab = Lab(SCENARIO, speed=20)
        cls.tmp = tempfile.TemporaryDirectory(prefix="quiescent-trust-")
        cls.certs = []
        for name in ("a", "b"):
            d = os.path.join(cls.tmp.name, name)
            os.makedirs(d)
            cert, key, _ = tlsutil.make_cert(d)
            cls.certs.append((cert, key))

    @classmethod
    def tearDownClass(cls):
        cls.lab.stop()
        cls.tmp.cleanup()

    def run_q(self, proxy, *args, known_hosts=None, env=None, guest=None):
        extra = {"XDG_CONFIG_HOME": os.path.join(self.tmp.name, "cfg"),
                 "GOVC_TLS_KNOWN_HOSTS": known_hosts or os.path.join(self.tmp.name, "none")}
        extra.update(env or {})
        db = os.path.join(self.tmp.name, "h.db")
        return quiescent(self.lab, *args, db=db, env_extra=extra, guest_login=guest, timeout=120)

    def known_hosts(self, host, thumb):
        path = os.path.join(self.tmp.name, "kh-%s" % thumb[:5].replace(":", ""))
        with open(path, "w") as f:
            f.write("%s %s\n" % (host, thumb))
        return path

    def test_every_combination(self):
        """36 runs: the effective pin is --thumbprint, else known_hosts; -k and GOVC_INSECURE
        only matter where neither is given."""
        with PinProxy(self.lab.host, self.certs[:1]) as p:
            right = p.thumbprints[0]
            pins = {"none": None, "wrong": WRONG, "right": right}
            for ins, tp, kh in itertools.product(("no", "-k", "GOVC_INSECURE", "both"), pins, pins):
                with self.subTest(insecure=ins, thumbprint=tp, known_hosts=kh):
                    before = p.bytes_to(0)
                    args = ["scan", "--server", p.url, "--no-probe", "--format", "json"]
                    if tp != "none":
                        args += ["--thumbprint", pins[tp]]
                    if ins in ("-k", "both"):
                        args.append("-k")
                    env = {"GOVC_INSECURE": "1"} if ins in ("GOVC_INSECURE", "both") else {}
                    khf = self.known_hosts(p.host, pins[kh]) if kh != "none" else None
                    r = self.run_q(p, *args, known_hosts=khf, env=env)
                    sent = p.bytes_to(0) - before
                    pin = tp if tp != "none" else kh
                    if pin == "wrong" or (pin == "none" and ins == "no"):
                        self.assertEqual(r.returncode, 3, r.stderr)
                        self.assertEqual(sent, 0, "%d bytes reached an unpinned server" % sent)
                        self.assertEqual(len(r.stderr.strip().splitlines()),
                                         1 + ("not used" in r.stderr), r.stderr)
                    else:
                        self.assertEqual(r.returncode, 1, r.stderr)   # connected, scanned
                        self.assertGreater(sent, 0)
                    if pin == "wrong":
                        self.assertIn("the connection was closed before any request was sent",
                                      r.stderr)
                        self.assertNotIn("refusing to send anything", r.stderr)
                    if ins != "no" and pin != "none":
                        self.assertIn("is not used for %s" % p.host, r.stderr)
                    if ins != "no" and pin == "none":
                        self.assertIn("is not verified", r.stderr)

    def test_every_connection_of_a_run(self):
        """The pinned certificate until the run reaches a given request, another one on every
        connection after it: on the second connection (login), after the first guest file
        transfer, after a snapshot was asked for (its datastore download follows). Not a byte
        may reach the other certificate, whatever -k and GOVC_INSECURE say."""
        scan = ["scan", "--guest-user", "Administrator", "--format", "json"]
        cases = [(scan, b"<RetrieveServiceContent"), (scan, b"GET /guestFile"),
                 (["snaptest", "--guest-user", "Administrator", "app-2019"], b"CreateSnapshot")]
        for ins in ("-k", "GOVC_INSECURE"):
            for cmd, trigger in cases:
                with self.subTest(insecure=ins, cmd=cmd[0], after=trigger):
                    with PinProxy(self.lab.host, self.certs, switch_on=trigger) as p:
                        args = cmd[:1] + ["--server", p.url, "--thumbprint", p.thumbprints[0]]
                        args += cmd[1:]
                        env = {"GOVC_INSECURE": "1"} if ins == "GOVC_INSECURE" else {}
                        if ins == "-k":
                            args.append("-k")
                        r = self.run_q(p, *args, env=env, guest=GUEST)
                        self.assertIsNotNone(p.switched_at, "the run never sent %r" % trigger)
                        self.assertEqual(p.bytes_to(1), 0, "bytes reached the other certificate")
                        if p.accepted > p.switched_at:
                            # A refused probe is that VM's reason; a refused login the error.
                            self.assertIn(p.thumbprints[1], r.stdout + r.stderr)
                        self.new_connections = getattr(self, "new_connections", 0) + \
                            p.accepted - p.switched_at
        self.assertGreater(self.new_connections, 0, "no connection was made after a switch")

    def test_guest_transfers_go_through_the_pin(self):
        """With the right pin throughout, the guest file transfers come back through the proxy
        (the proxy names itself in their URLs): the probes succeed and the proxy saw GETs."""
        with PinProxy(self.lab.host, self.certs[:1]) as p:
            if len(str(p.port)) != len(self.lab.host.rsplit(":", 1)[1]):
                self.skipTest("proxy and lab ports differ in length")
            r = self.run_q(p, "scan", "--server", p.url, "--thumbprint", p.thumbprints[0],
                           "--guest-user", "Administrator", "--vm", "app-2019", "--format",
                           "json", "-k", guest=GUEST)
            self.assertIn(r.returncode, (0, 1), r.stderr)
            vms = json.loads(r.stdout)["vms"]
            self.assertEqual(vms[0]["probe"]["state"], "ok", vms[0].get("probe"))
            self.assertTrue(any(b"GET /guestFile" in d for _, d in p.received),
                            "the guest file transfers did not go through the proxy")

    def test_tofu_answer_is_a_pin(self):
        """The console's trust-on-first-use answer writes known_hosts; afterwards a server with
        another certificate gets nothing, even with GOVC_INSECURE=1 and -k."""
        socket_name = "quiescent-trust-%d" % os.getpid()
        kh = os.path.join(self.tmp.name, "tofu_known_hosts")

        def tmux(*a, check=True):
            return subprocess.run(["tmux", "-L", socket_name, "-f", "/dev/null"] + list(a),
                                  capture_output=True, text=True, check=check)
        with PinProxy(self.lab.host, self.certs, pick=lambda n: 0) as p:
            env = {"QUIESCENT_PASSWORD": self.lab.password, "QUIESCENT_USER": self.lab.user,
                   "GOVC_TLS_KNOWN_HOSTS": kh, "QUIESCENT_DB": os.path.join(self.tmp.name, "t.db"),
                   "XDG_CONFIG_HOME": os.path.join(self.tmp.name, "cfg"), "TERM": "tmux-256color",
                   "LANG": "C.UTF-8"}
            envfile = os.path.join(self.tmp.name, "tofu.env")
            fd = os.open(envfile, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w") as f:
                for k, v in env.items():
                    f.write("export %s=%s\n" % (k, shlex.quote(v)))
            cmd = "set -a; . %s; rm -f %s; %s --server %s --no-probe; echo EXITED $?; sleep 60" % (
                envfile, envfile, shlex.quote(QUIESCENT_BIN), p.url)
            tmux("new-session", "-d", "-s", "t", "-x", "100", "-y", "30", cmd)
            try:
                deadline = time.time() + 30
                while time.time() < deadline:
                    if "[y/N]" in tmux("capture-pane", "-p", "-t", "t", check=False).stdout:
                        break
                    time.sleep(0.1)
                self.assertEqual(p.bytes_to(0), 0, "bytes were sent before the answer")
                tmux("send-keys", "-t", "t", "y", "Enter")
                deadline = time.time() + 30
                while time.time() < deadline and not os.path.exists(kh):
                    time.sleep(0.1)
                with open(kh) as f:
                    self.assertIn("%s %s" % (p.host, p.thumbprints[0]), f.read())
            finally:
                tmux("kill-server", check=False)
            p.pick = lambda n: 1   # the certificate changes behind the same address
            for extra, env2 in ((["-k"], {}), ([], {"GOVC_INSECURE": "1"})):
                before = p.bytes_to(1)
                r = self.run_q(p, "scan", "--server", p.url, "--no-probe", *extra,
                               known_hosts=kh, env=env2)
                self.assertEqual(r.returncode, 3, r.stderr)
                self.assertEqual(p.bytes_to(1) - before, 0)
                self.assertIn(p.thumbprints[1], r.stderr)

    def test_old_protocol_is_not_called_untrusted(self):
        """A TLS 1.0-only server with the right pin: the sentence names the protocol."""
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(*self.certs[0])
        try:
            ctx.minimum_version = ssl.TLSVersion.TLSv1
            ctx.maximum_version = ssl.TLSVersion.TLSv1
            ctx.set_ciphers("DEFAULT:@SECLEVEL=0")
        except (ValueError, ssl.SSLError) as e:
            self.skipTest("this OpenSSL cannot serve TLS 1.0: %s" % e)
        srv = socket.socket()
        srv.bind(("127.0.0.1", 0))
        srv.listen(4)
        got = []

        def serve():
            while True:
                try:
                    c, _ = srv.accept()
                except OSError:
                    return
                try:
                    t = ctx.wrap_socket(c, server_side=True)
                    got.append(t.recv(100))
                    t.close()
                except (ssl.SSLError, OSError):
                    c.close()
        threading.Thread(target=serve, daemon=True).start()
        try:
            thumb = tlsutil.thumbprint(self.certs[0][0])
            r = self.run_q(None, "scan", "--server", "https://127.0.0.1:%d/sdk" % srv.getsockname()[1],
                           "--thumbprint", thumb, "--no-probe")
        finally:
            srv.close()
        self.assertEqual(r.returncode, 3, r.stderr)
        self.assertIn("protocol", r.stderr)
        self.assertNotIn("not trusted", r.stderr)
        self.assertNotIn("pin it", r.stderr)
        self.assertEqual([g for g in got if g], [])


if __name__ == "__main__":
    unittest_main()
