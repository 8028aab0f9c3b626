"""A hostile server is bad input too (issue 8): `quiescent scan` against tests/hostile's HTTPS
server in each bad mode must exit 3 with exactly one sentence on stderr within two minutes,
never crash, never print partial output on stdout, never read a local file (no XXE), and leave
no history rows for the failed scan. The cases run in parallel threads (stall and drip wait out
the transport's 60 s no-progress bound). Writes build/hardening/hostile.tsv."""
import concurrent.futures
import os
import sqlite3
import subprocess
import sys
import tempfile
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "hostile"))
from labctl import QUIESCENT_BIN, ROOT, unittest_main  # noqa: E402
from hostile_server import HostileServer  # noqa: E402

BOUND_S = 120
PASSWORD = "Hostile-Pw-7f3a91"
# (case name, server mode, serve a valid ServiceContent first so the bad answer hits Login)
CASES = [
    ("http500_html", "http500", False),
    ("http503_html", "http503", False),
    ("truncated_body", "truncated", False),
    ("truncated_xml", "truncated_xml", False),
    ("entity_expansion", "entities", False),
    ("entity_expansion_200", "entities200", False),
    ("entity_expansion_utf16", "entities16", False),
    ("external_entity", "xxe", False),
    ("external_entity_200", "xxe200", False),
    ("external_entity_utf16", "xxe16", False),
    ("external_entity_utf16_200", "xxe16_200", False),
    ("external_entity_login", "xxe", True),
    ("absurd_nesting", "nesting", False),
    ("absurd_nesting_fault", "nesting500", False),
    ("stall_after_headers", "stall", False),
    ("stall_in_headers", "stall_headers", False),
    ("drip_byte_per_second", "drip", False),
    ("huge_body", "huge", False),
    ("huge_length_login", "huge_length", True),
    ("wrong_content_type", "wrong_type", False),
    ("garbage_body", "garbage", False),
    ("garbage_http", "garbage_http", False),
    ("not_soap", "not_soap", False),
]
if os.environ.get("QUIESCENT_HOSTILE_TRICKLE") == "1":
    # Known gap (reported): 200 B/s beats the 100 B/s no-progress bound; only the 600 s
    # backstop in core/vsphere/http.c stops it. Opt-in: it takes up to ten minutes.
    CASES.append(("trickle_above_low_speed", "trickle", False))

with open("/etc/passwd", "rb") as f:
    PASSWD = f.read()
PASSWD_MARKERS = [line.split(b":")[0] + b":x:" for line in PASSWD.splitlines()[:3]] + [b"/usr/sbin/nologin", b"/bin/bash"]


def run_case(name, mode, sc_first):
    srv = HostileServer(mode, conn_seconds=BOUND_S + 30, service_content_first=sc_first)
    tmp = tempfile.mkdtemp(prefix="quiescent-hostile-%s-" % name)
    db = os.path.join(tmp, "history.db")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GOVC_", "QUIESCENT_"))}
    env.update({"HOME": tmp, "XDG_CONFIG_HOME": os.path.join(tmp, "cfg"),
                "XDG_DATA_HOME": os.path.join(tmp, "data"), "QUIESCENT_DB": db,
                "QUIESCENT_USER": "administrator@vsphere.local", "QUIESCENT_PASSWORD": PASSWORD})
    t0 = time.time()
    try:
        p = subprocess.run([QUIESCENT_BIN, "scan", "--server", srv.url, "--thumbprint",
                            srv.thumbprint, "--no-probe"], env=env, capture_output=True,
                           stdin=subprocess.DEVNULL, timeout=BOUND_S + 60)
        rc, out, err = p.returncode, p.stdout, p.stderr
    except subprocess.TimeoutExpired as e:
        rc, out, err = "timeout", e.stdout or b"", e.stderr or b""
    secs = time.time() - t0
    files = b""
    for dirpath, _, names in os.walk(tmp):
        for n in names:
            with open(os.path.join(dirpath, n), "rb") as f:
                files += f.read()
    rows = None
    if os.path.exists(db):
        try:
            con = sqlite3.connect(db)
            rows = con.execute("select count(*) from scans").fetchone()[0]
            con.close()
        except sqlite3.Error:
            rows = None
    n_req = len(srv.requests)
    srv.close()
    return {"rc": rc, "out": out, "err": err, "secs": secs, "files": files, "rows": rows,
            "requests": n_req}


class HostileTest(unittest.TestCase):
    results = {}

    @classmethod
    def setUpClass(cls):
        with concurrent.futures.ThreadPoolExecutor(max_workers=len(CASES)) as ex:
            futs = {name: ex.submit(run_case, name, mode, sc) for name, mode, sc in CASES}
            cls.results = {name: f.result() for name, f in futs.items()}
        out_dir = os.path.join(ROOT, "build", "hardening")
        os.makedirs(out_dir, exist_ok=True)
        with open(os.path.join(out_dir, "hostile.tsv"), "w") as f:
            f.write("case\tmode\texit\tseconds\tstderr\n")
            for name, mode, _ in CASES:
                r = cls.results[name]
                line = r["err"].decode(errors="replace").strip().replace("\t", " ").replace("\n", " | ")
                f.write("%s\t%s\t%s\t%.1f\t%s\n" % (name, mode, r["rc"], r["secs"], line[:160]))

    def check(self, name):
        r = self.results[name]
        err = r["err"].decode(errors="replace")
        self.assertEqual(r["rc"], 3, "exit %s, stderr: %r" % (r["rc"], err))
        self.assertLess(r["secs"], BOUND_S, "took %.0f s" % r["secs"])
        lines = err.strip().splitlines()
        self.assertEqual(len(lines), 1, "stderr must be one sentence: %r" % err)
        self.assertTrue(lines[0].rstrip().endswith((".", "?")), "not a sentence: %r" % lines[0])
        self.assertLess(len(lines[0]), 400, "sentence too long: %r" % lines[0])
        self.assertEqual(r["out"], b"", "partial stdout: %r" % r["out"][:200])
        for blob in (r["out"], r["err"], r["files"]):
            for m in PASSWD_MARKERS:
                self.assertNotIn(m, blob, "a local file leaked (%r)" % m)
            self.assertNotIn(PASSWORD.encode(), blob)
        self.assertIn(r["rows"], (None, 0), "history rows for a failed scan")
        self.assertNotIn("lollol", err)


def _make(name):
    return lambda self: self.check(name)


for _name, _mode, _sc in CASES:
    setattr(HostileTest, "test_" + _name, _make(_name))

if __name__ == "__main__":
    unittest_main()
