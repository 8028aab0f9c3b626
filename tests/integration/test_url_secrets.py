"""URLs (issue 14): a password given in each of govc's URL forms (--server and GOVC_URL; raw SSO
user, %40, no scheme) logs in as that user, is wiped from the process's command line and
environment, and never appears in stderr, stdout, known_hosts, history.db (and -wal), `history`
or any report format (the files are grepped). A known_hosts line written by an older version with
the password in its key is rewritten without it."""
import os
import secrets
import subprocess
import sys
import tempfile
import time
import unittest
from urllib.parse import quote

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from labctl import Lab, QUIESCENT_BIN, unittest_main  # noqa: E402

import json  # noqa: E402

SCENARIO = os.path.join(HERE, "scenarios", "snaptest.json")
TAG = secrets.token_hex(5)
VC_PW = "Url-Pw-%s:with@odd" % TAG   # ':' and '@' must survive the split and be encoded


class UrlSecretsTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        with open(SCENARIO) as f:
            scen = json.loads(f.read().replace("Snap-VC-Secret-5521", "PLACEHOLDER"))
        scen["vcenter"]["password"] = VC_PW
        cls.lab = Lab(scen, speed=20)
        cls.tmp = tempfile.TemporaryDirectory(prefix="quiescent-url-")
        cls.db = os.path.join(cls.tmp.name, "state", "history.db")
        cls.kh = os.path.join(cls.tmp.name, "cfg", "quiescent", "known_hosts")
        os.makedirs(os.path.dirname(cls.kh))
        with open(cls.kh, "w") as f:   # as an older version wrote it
            f.write("admin:%s@%s %s\n" % (VC_PW, cls.lab.host, cls.lab.thumbprint))
        cls.outputs = []
        cls.cmdlines = []

    @classmethod
    def tearDownClass(cls):
        cls.lab.stop()
        cls.tmp.cleanup()

    def run_q(self, args, env_extra=None):
        env = {k: v for k, v in os.environ.items() if not k.startswith(("GOVC_", "QUIESCENT_"))}
        env.update({"XDG_CONFIG_HOME": os.path.join(self.tmp.name, "cfg"), "QUIESCENT_DB": self.db,
                    "HOME": self.tmp.name})
        env.update(env_extra or {})
        p = subprocess.Popen([QUIESCENT_BIN] + args, env=env, stdin=subprocess.DEVNULL,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        # The command line and environment once the process has started for real: from exec
        # to the argument parse the kernel shows what we passed (no program can hide that), so
        # read until the secret is gone or the process ends, for at most 10 s (a slow start, the
        # ASan build), and keep the last read that showed a command line; test_2 fails on a
        # process that never wiped it.
        needles = [VC_PW.encode(), quote(VC_PW, safe="").encode()]
        seen = []
        deadline = time.time() + 10
        while time.time() < deadline and p.poll() is None:
            try:
                with open("/proc/%d/cmdline" % p.pid, "rb") as f:
                    reads = [f.read()]
            except OSError:
                break
            try:   # unreadable once the process has made itself non-dumpable (util/secret)
                with open("/proc/%d/environ" % p.pid, "rb") as f:
                    reads.append(f.read())
            except OSError:
                pass
            if reads[0]:
                seen = reads
                if not any(n in r for n in needles for r in reads):
                    break
            time.sleep(0.02)
        for blob in seen:
            self.cmdlines.append((args, blob))
        out, err = p.communicate(timeout=120)
        self.outputs.append((args, p.returncode, out, err))
        return p.returncode, out.decode(errors="replace"), err.decode(errors="replace")

    def test_1_every_form_logs_in(self):
        user = self.lab.user
        self.assertIn("@", user)
        pw = quote(VC_PW, safe="")
        forms = [
            ("--server raw SSO", ["--server", "https://%s:%s@%s/sdk" % (user, pw, self.lab.host)], {}),
            ("--server %40", ["--server", "https://%s:%s@%s/sdk" % (quote(user, safe=""), pw,
                                                                   self.lab.host)], {}),
            ("--server= no scheme", ["--server=%s:%s@%s" % (user, pw, self.lab.host)], {}),
            ("GOVC_URL raw SSO", [], {"GOVC_URL": "https://%s:%s@%s/sdk" % (user, pw, self.lab.host)}),
            ("GOVC_URL %40", [], {"GOVC_URL": "%s:%s@%s" % (quote(user, safe=""), pw, self.lab.host)}),
        ]
        for name, server, env in forms:
            for trust in (["-k"], ["--thumbprint", self.lab.thumbprint], []):
                with self.subTest(form=name, trust=trust):
                    rc, out, err = self.run_q(["scan", "--no-probe", "--format", "json"] + server + trust,
                                              env)
                    self.assertIn(rc, (0, 1), err)
                    doc = json.loads(out)
                    self.assertTrue(doc["vms"])
                    if server:
                        self.assertIn("visible to other local users", err)
                    if trust == ["-k"]:
                        self.assertIn("not used for %s" % self.lab.host, err)

    def test_2_nothing_holds_the_password(self):
        self.assertTrue(self.outputs, "test_1 ran first")
        for args in (["history"], ["report", "--format", "html"], ["report", "--format", "json"],
                     ["report", "--format", "csv"]):
            rc, out, err = self.run_q(args)
            self.assertEqual(rc, 0, err)
            if args[0] == "report" and args[-1] != "csv":
                self.assertIn(self.lab.host, out)
        needles = [VC_PW.encode(), quote(VC_PW, safe="").encode(), TAG.encode()]
        for args, rc, out, err in self.outputs:
            for n in needles:
                self.assertNotIn(n, out, "stdout of %s" % args)
                self.assertNotIn(n, err, "stderr of %s" % args)
        for args, blob in self.cmdlines:
            for n in needles:
                self.assertNotIn(n, blob, "/proc cmdline/environ of %s" % args)
        files = 0
        for dirpath, _, names in os.walk(self.tmp.name):
            for fname in names:
                with open(os.path.join(dirpath, fname), "rb") as f:
                    data = f.read()
                files += 1
                for n in needles:
                    self.assertNotIn(n, data, "%s holds the password" % fname)
        self.assertGreaterEqual(files, 2)
        with open(self.kh) as f:
            self.assertEqual(f.read(), "%s %s\n" % (self.lab.host, self.lab.thumbprint))

    def test_3_argv_and_environment_are_wiped(self):
        """While the process waits on a server that never answers, its command line and its
        environment show 'x's where the password was (mysql does the same)."""
        import socket
        silent = socket.socket()
        silent.bind(("127.0.0.1", 0))
        silent.listen(4)
        host = "127.0.0.1:%d" % silent.getsockname()[1]
        pw = quote(VC_PW, safe="")
        env = {k: v for k, v in os.environ.items() if not k.startswith(("GOVC_", "QUIESCENT_"))}
        env["QUIESCENT_DB"] = self.db
        runs = [(["--server", "https://u:%s@%s/sdk" % (pw, host)], {}),
                ([], {"GOVC_URL": "https://u:%s@%s/sdk" % (pw, host)})]
        try:
            for args, extra in runs:
                p = subprocess.Popen([QUIESCENT_BIN, "scan", "-k"] + args, env=dict(env, **extra),
                                     stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE)
                try:
                    deadline = time.time() + 20
                    blob = b""
                    while time.time() < deadline:
                        with open("/proc/%d/cmdline" % p.pid, "rb") as f:
                            blob = f.read()
                        with open("/proc/%d/environ" % p.pid, "rb") as f:
                            blob += f.read()
                        if b"x" * len(pw) + b"@" in blob:
                            break
                        time.sleep(0.05)
                    self.assertIn(b"x" * len(pw) + b"@" + host.encode(), blob)
                    self.assertNotIn(TAG.encode(), blob)
                finally:
                    p.kill()
                    p.wait()
        finally:
            silent.close()


if __name__ == "__main__":
    unittest_main()
