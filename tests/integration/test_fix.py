"""quiescent fix against the lab: every fix kind end to end, the plan, concurrency, a guest
shutdown that times out, a reconfigure fault (injected by a TLS proxy in front of the lab),
Ctrl-C mid-run, SIGKILL mid-run and the journal recovery at the next start; every VM must end
in its original power state and history must hold every step."""
import http.client
import http.server
import json
import os
import signal
import socketserver
import sqlite3
import ssl
import subprocess
import sys
import tempfile
import threading
import time
import unittest

sys.path.insert(0, os.path.dirname(__file__))
import labctl  # noqa: E402
from labctl import Lab, quiescent, unittest_main  # noqa: E402

HERE = os.path.dirname(__file__)
FIX = os.path.join(HERE, "scenarios", "fix.json")
MANY = os.path.join(HERE, "scenarios", "fix_many.json")
SLOW = os.path.join(HERE, "scenarios", "fix_slow.json")
GUEST = "Administrator:Int-Guest-Secret-4412"
FINISHED = ("done", "failed", "rolled_back", "skipped")


def fix(lab, db, *args, **kw):
    kw.setdefault("guest_login", GUEST)
    return quiescent(lab, "fix", "--server", lab.url, "--thumbprint", lab.thumbprint,
                     "--guest-user", "Administrator", *args, db=db, **kw)


def fix_popen(lab, db, *args):
    """A fix run we can signal: same environment rules as labctl.quiescent."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GOVC_", "QUIESCENT_"))}
    env.update(QUIESCENT_PASSWORD=lab.password, QUIESCENT_USER=lab.user, QUIESCENT_DB=db,
               GOVC_GUEST_LOGIN=GUEST)
    cmd = [labctl.QUIESCENT_BIN, "fix", "--server", lab.url, "--thumbprint", lab.thumbprint,
           "--guest-user", "Administrator"] + list(args)
    return subprocess.Popen(cmd, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)


def powers(lab, db, *globs):
    """name -> power state, read back through quiescent scan (no probe: quick)."""
    args = []
    for g in globs:
        args += ["--vm", g]
    r = quiescent(lab, "scan", "--server", lab.url, "--thumbprint", lab.thumbprint, "--no-probe",
                  "--format", "json", *args, db=db)
    doc = json.loads(r.stdout)
    return {v["name"]: v["power_state"] for v in doc["vms"]}


def scan(lab, db, *globs):
    args = []
    for g in globs:
        args += ["--vm", g]
    r = quiescent(lab, "scan", "--server", lab.url, "--thumbprint", lab.thumbprint,
                  "--guest-user", "Administrator", "--format", "json", *args, db=db,
                  guest_login=GUEST)
    return {v["name"]: v for v in json.loads(r.stdout)["vms"]}


def steps(db, plan_id=None):
    """[(vm, seq, kind, state, started_at, ended_at, task, before, after, error)] by vm, seq."""
    c = sqlite3.connect(db)
    q = ("SELECT v.name, s.seq, s.kind, s.state, s.started_at, s.ended_at, s.task_moref,"
         " s.before_value, s.after_value, s.error, v.plan_id FROM steps s"
         " JOIN plan_vms v ON v.id = s.plan_vm_id")
    rows = c.execute(q + (" WHERE v.plan_id = ?" if plan_id else "") + " ORDER BY v.name, s.seq",
                     (plan_id,) if plan_id else ()).fetchall()
    c.close()
    return rows


def one(db, sql, *args):
    c = sqlite3.connect(db)
    try:
        return c.execute(sql, args).fetchall()
    finally:
        c.close()


class FixKinds(unittest.TestCase):
    """Each fix kind on its own VM, against one lab."""

    @classmethod
    def setUpClass(cls):
        cls.lab = Lab(FIX, speed=20)
        cls.tmp = tempfile.TemporaryDirectory(prefix="quiescent-fix-")
        cls.db = os.path.join(cls.tmp.name, "history.db")
        cls.before = powers(cls.lab, cls.db)
        cls.res = fix(cls.lab, cls.db, "--vm", "r07-*", "--vm", "r15-vss", "--vm", "r03-old",
                      "--vm", "r04-novss", "--vm", "r05-lgto", "--vm", "manual-ide", "--apply",
                      "--yes", "--format", "json")
        cls.doc = json.loads(cls.res.stdout) if cls.res.stdout.startswith("{") else None

    @classmethod
    def tearDownClass(cls):
        cls.lab.stop()
        cls.tmp.cleanup()

    def result(self, name):
        self.assertIsNotNone(self.doc, self.res.stderr)
        for v in self.doc["result"]["vms"]:
            if v["name"] == name:
                return v
        self.fail("%s not in the result: %s" % (name, self.res.stderr))

    def kinds(self, name):
        return [r[2] for r in steps(self.db) if r[0] == name]

    def test_exit_code_and_plan_state(self):
        # manual-ide and r07-toolsdown (R02 needs a person) stay not ready: exit 1.
        self.assertEqual(self.res.returncode, 1, self.res.stderr)
        self.assertEqual(self.doc["result"]["state"], "failed")

    def test_r07_running_vm(self):
        v = self.result("r07-on")
        self.assertEqual((v["outcome"], v["status"]), ("fixed", "ready"), v)
        self.assertEqual(v["power_state_after"], "poweredOn")
        self.assertEqual(self.kinds("r07-on"),
                         ["shutdown_guest", "set_enable_uuid", "power_on", "wait_tools", "verify"])
        rows = {r[2]: r for r in steps(self.db) if r[0] == "r07-on"}
        self.assertEqual(rows["set_enable_uuid"][7:9], ("(absent)", "TRUE"))
        self.assertRegex(rows["set_enable_uuid"][6], r"^task-\d+$")
        self.assertEqual(rows["shutdown_guest"][7:9], ("poweredOn", "poweredOff"))
        self.assertEqual(rows["power_on"][3], "done")
        # R08 must not fire: the power-on came after the reconfigure.
        self.assertEqual(scan(self.lab, self.db, "r07-on")["r07-on"]["status"], "ready")

    def test_r07_powered_off_vm_no_power_change(self):
        v = self.result("r07-off")
        self.assertEqual(v["outcome"], "fixed", v)
        self.assertEqual(v["power_state_after"], "poweredOff")
        self.assertEqual(self.kinds("r07-off"), ["set_enable_uuid", "verify"])

    def test_r07_tools_down_not_touched_without_hard_power_off(self):
        v = self.result("r07-toolsdown")
        self.assertEqual(v["outcome"], "manual")
        self.assertEqual(self.kinds("r07-toolsdown"), [])
        p = [x for x in self.doc["plan"]["vms"] if x["name"] == "r07-toolsdown"][0]
        reasons = " ".join(u["reason"] for u in p["not_fixed"])
        self.assertIn("--hard-power-off", reasons)

    def test_r15_vss_service(self):
        v = self.result("r15-vss")
        self.assertEqual((v["outcome"], v["status"]), ("fixed", "ready"), v)
        rows = [r for r in steps(self.db) if r[0] == "r15-vss"]
        self.assertEqual(rows[0][2], "guest_command")
        self.assertEqual(rows[0][7], "sc config VSS start= demand")
        self.assertIn("ChangeServiceConfig SUCCESS", rows[0][8])

    def test_r03_upgrade(self):
        v = self.result("r03-old")
        self.assertEqual((v["outcome"], v["status"]), ("fixed", "ready"), v)
        rows = {r[2]: r for r in steps(self.db) if r[0] == "r03-old"}
        self.assertEqual(rows["upgrade_tools"][7], "Tools 10.0.12 running")
        self.assertIn("running", rows["upgrade_tools"][8])
        self.assertNotIn("10.0.12", rows["upgrade_tools"][8])

    def test_r04_r05_tools_modify(self):
        for name in ("r04-novss", "r05-lgto"):
            with self.subTest(vm=name):
                v = self.result(name)
                self.assertEqual((v["outcome"], v["status"]), ("fixed", "ready"), v)
                self.assertEqual(self.kinds(name), ["upgrade_tools", "wait_tools", "verify"])
        p = {x["name"]: x for x in self.doc["plan"]["vms"]}
        self.assertEqual(p["r04-novss"]["steps"][0]["arg"], '/S /v"/qn REBOOT=R ADDLOCAL=VSS"')
        self.assertEqual(p["r05-lgto"]["steps"][0]["arg"], '/S /v"/qn REBOOT=R REMOVE=Sync"')

    def test_manual_findings_untouched(self):
        v = self.result("manual-ide")
        self.assertEqual(v["outcome"], "manual")
        self.assertEqual(self.kinds("manual-ide"), [])
        p = [x for x in self.doc["plan"]["vms"] if x["name"] == "manual-ide"][0]
        self.assertEqual([u["rule"] for u in p["not_fixed"]], ["R09"])
        self.assertIn("manual-ide: Move the disk to a SCSI controller",
                      p["not_fixed"][0]["instructions"])

    def test_every_vm_in_original_power_state(self):
        after = powers(self.lab, self.db)
        self.assertEqual(after, self.before)

    def test_history_holds_every_step(self):
        rows = steps(self.db)
        self.assertTrue(rows)
        for r in rows:
            with self.subTest(step=r[:3]):
                self.assertIn(r[3], FINISHED)
                if r[3] != "skipped":
                    self.assertIsNotNone(r[4])
                    self.assertIsNotNone(r[5])
                    self.assertGreaterEqual(r[5], r[4])
        tasks = one(self.db, "SELECT t.moref, t.state, t.step_id FROM tasks t")
        self.assertTrue(tasks)
        self.assertTrue(all(t[1] == "success" and t[2] for t in tasks), tasks)
        outcomes = one(self.db, "SELECT name, outcome FROM plan_vms")
        self.assertTrue(all(o for _, o in outcomes), outcomes)

    def test_plan_only_changes_nothing(self):
        tmp = os.path.join(self.tmp.name, "plan.db")
        r = fix(self.lab, tmp, "--vm", "reconf-fault", "--plan")
        self.assertEqual(r.returncode, 1, r.stderr)
        self.assertIn("Shut the guest down", r.stdout)
        self.assertIn("downtime ~", r.stdout)
        self.assertEqual(one(tmp, "SELECT count(*) FROM plans")[0][0], 0)

    def test_apply_needs_yes_without_terminal(self):
        tmp = os.path.join(self.tmp.name, "noyes.db")
        r = fix(self.lab, tmp, "--vm", "reconf-fault", "--apply")
        self.assertEqual(r.returncode, 2)
        self.assertIn("--yes", r.stderr)
        self.assertEqual(powers(self.lab, tmp, "reconf-fault")["reconf-fault"], "poweredOn")

    def test_usage_errors(self):
        for args in (["--rule", "R99"], [], ["--vm", "x", "--plan", "--apply"],
                     ["--vm", "x", "--concurrency", "0"]):
            with self.subTest(args=args):
                r = fix(self.lab, os.path.join(self.tmp.name, "u.db"), *args)
                self.assertEqual(r.returncode, 2, r.stderr)
                self.assertTrue(r.stderr.startswith("quiescent fix: "), r.stderr)


class HardPowerOff(unittest.TestCase):
    def test_tools_down_with_hard_power_off(self):
        with Lab(FIX, speed=20) as lab, tempfile.TemporaryDirectory() as tmp:
            db = os.path.join(tmp, "h.db")
            r = fix(lab, db, "--vm", "r07-toolsdown", "--apply", "--yes", "--hard-power-off",
                    "--format", "json")
            doc = json.loads(r.stdout)
            v = doc["result"]["vms"][0]
            # R07 fixed; R02 (Tools not running) still needs a person: partial.
            self.assertEqual(v["outcome"], "partial", r.stderr)
            self.assertEqual(v["power_state_after"], "poweredOn")
            self.assertEqual([s[2] for s in steps(db)],
                             ["power_off", "set_enable_uuid", "power_on", "verify"])


class ShutdownTimeout(unittest.TestCase):
    """guest_shutdown takes 3 s (30 s / speed 10); --shutdown-timeout 1."""

    def test_timeout_fails_cleanly_and_vm_comes_back(self):
        with Lab(SLOW, speed=10) as lab, tempfile.TemporaryDirectory() as tmp:
            db = os.path.join(tmp, "h.db")
            r = fix(lab, db, "--vm", "slow-a", "--apply", "--yes", "--shutdown-timeout", "1",
                    "--format", "json")
            self.assertEqual(r.returncode, 1, r.stderr)
            v = json.loads(r.stdout)["result"]["vms"][0]
            self.assertEqual(v["outcome"], "failed")
            self.assertIn("shutdown_guest", v["message"])
            self.assertEqual(v["power_state_after"], "poweredOn")
            st = {s[2]: s[3] for s in steps(db)}
            self.assertEqual(st["shutdown_guest"], "failed")
            self.assertEqual(st["set_enable_uuid"], "skipped")
            # The guest went down late: we brought it back, as a roll-back.
            self.assertEqual(st["power_on"], "rolled_back")
            self.assertEqual(powers(lab, db, "slow-a")["slow-a"], "poweredOn")

    def test_timeout_falls_back_to_power_off_when_allowed(self):
        with Lab(SLOW, speed=10) as lab, tempfile.TemporaryDirectory() as tmp:
            db = os.path.join(tmp, "h.db")
            r = fix(lab, db, "--vm", "slow-b", "--apply", "--yes", "--shutdown-timeout", "1",
                    "--hard-power-off", "--format", "json")
            self.assertEqual(r.returncode, 0, r.stderr)
            v = json.loads(r.stdout)["result"]["vms"][0]
            self.assertEqual((v["outcome"], v["power_state_after"]), ("fixed", "poweredOn"))
            result = one(db, "SELECT result FROM steps WHERE kind='shutdown_guest'")[0][0]
            self.assertIn("powered off (--hard-power-off)", result)
            self.assertEqual(powers(lab, db, "slow-b")["slow-b"], "poweredOn")


class FaultProxy:
    """A TLS proxy in front of the lab (same certificate, so the same pinned thumbprint) that
    answers ReconfigVM_Task with a SOAP fault and passes everything else through."""

    FAULT = ('<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope '
             'xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" '
             'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><soapenv:Body><soapenv:Fault>'
             '<faultcode>ServerFaultCode</faultcode><faultstring>Invalid configuration for device'
             ' \'0\'.</faultstring><detail><InvalidDeviceSpecFault xmlns="urn:vim25" '
             'xsi:type="InvalidDeviceSpec"><property>extraConfig</property><deviceIndex>0'
             '</deviceIndex></InvalidDeviceSpecFault></detail></soapenv:Fault></soapenv:Body>'
             '</soapenv:Envelope>').encode()

    def __init__(self, lab, cert, key):
        host, port = lab.host.rsplit(":", 1)
        upstream = (host, int(port))
        fault = self.FAULT
        self.hits = 0
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *a):
                pass

            def relay(self):
                n = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(n) if n else None
                if body and b"ReconfigVM_Task" in body:
                    outer.hits += 1
                    self.send_response(500)
                    self.send_header("Content-Type", "text/xml; charset=utf-8")
                    self.send_header("Content-Length", str(len(fault)))
                    self.end_headers()
                    self.wfile.write(fault)
                    return
                ctx = ssl._create_unverified_context()
                c = http.client.HTTPSConnection(*upstream, context=ctx, timeout=60)
                hdrs = {k: v for k, v in self.headers.items() if k.lower() not in ("host", "connection")}
                c.request(self.command, self.path, body=body, headers=hdrs)
                resp = c.getresponse()
                data = resp.read()
                self.send_response(resp.status)
                for k, v in resp.getheaders():
                    if k.lower() not in ("transfer-encoding", "connection", "content-length"):
                        self.send_header(k, v)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)
                c.close()

            do_GET = do_POST = do_PUT = relay

        class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
            daemon_threads = True

        self.httpd = Server(("127.0.0.1", 0), Handler)
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(cert, key)
        self.httpd.socket = ctx.wrap_socket(self.httpd.socket, server_side=True)
        self.url = "https://127.0.0.1:%d/sdk" % self.httpd.server_address[1]
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def stop(self):
        self.httpd.shutdown()


class ReconfigureFault(unittest.TestCase):
    def test_fault_rolls_back_power_and_spares_others(self):
        with tempfile.TemporaryDirectory() as tmp:
            cert, key = os.path.join(tmp, "c.pem"), os.path.join(tmp, "k.pem")
            subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout",
                            key, "-out", cert, "-days", "1", "-subj", "/CN=127.0.0.1",
                            "-addext", "subjectAltName=IP:127.0.0.1"], check=True,
                           capture_output=True)
            with Lab(FIX, speed=20, extra_args=("--cert", cert, "--key", key)) as lab:
                proxy = FaultProxy(lab, cert, key)
                try:
                    real_url = lab.url
                    lab.url = proxy.url
                    db = os.path.join(tmp, "h.db")
                    r = fix(lab, db, "--vm", "reconf-fault", "--vm", "r03-old", "--apply", "--yes",
                            "--format", "json")
                    self.assertGreaterEqual(proxy.hits, 1)
                    doc = json.loads(r.stdout)
                    res = {v["name"]: v for v in doc["result"]["vms"]}
                    self.assertIn("r03-old", res, (doc["plan"], r.stderr[-2000:]))
                    self.assertEqual(r.returncode, 1, r.stderr)
                    self.assertEqual(res["reconf-fault"]["outcome"], "failed")
                    self.assertIn("InvalidDeviceSpec", res["reconf-fault"]["message"] +
                                  str(steps(db)))
                    self.assertEqual(res["reconf-fault"]["power_state_after"], "poweredOn")
                    self.assertEqual(res["r03-old"]["outcome"], "fixed")   # not stopped by it
                    st = {s[2]: s[3] for s in steps(db) if s[0] == "reconf-fault"}
                    self.assertEqual(st, {"shutdown_guest": "done", "set_enable_uuid": "failed",
                                          "power_on": "rolled_back", "wait_tools": "done",
                                          "verify": "done"})
                    lab.url = real_url
                    self.assertEqual(powers(lab, db, "reconf-fault")["reconf-fault"], "poweredOn")
                finally:
                    proxy.stop()


def wait_for(db, sql, timeout=60):
    end = time.time() + timeout
    while time.time() < end:
        try:
            if os.path.exists(db) and one(db, sql)[0][0]:
                return True
        except sqlite3.OperationalError:
            pass
        time.sleep(0.05)
    return False


class Interrupts(unittest.TestCase):
    """8 VMs needing the power cycle (about 2.5 s each at speed 4)."""

    def test_concurrency_overlaps(self):
        with Lab(MANY, speed=4) as lab, tempfile.TemporaryDirectory() as tmp:
            db = os.path.join(tmp, "h.db")
            r = fix(lab, db, "--vm", "cycle-*", "--apply", "--yes", "--concurrency", "4",
                    "--format", "json")
            self.assertEqual(r.returncode, 0, r.stderr)
            res = json.loads(r.stdout)["result"]
            self.assertTrue(all(v["outcome"] == "fixed" for v in res["vms"]))
            # One VM takes ~2.5 s: 8 in series would take ~20 s, 4 at once ~5 s.
            self.assertLess(res["elapsed_s"], 12, res)
            spans = {}
            for s in steps(db):
                a, b = spans.get(s[0], (s[4], s[5]))
                spans[s[0]] = (min(a, s[4]), max(b, s[5]))
            shut = sorted((s[4], s[5]) for s in steps(db) if s[2] == "shutdown_guest")
            overlapping = sum(1 for i in range(1, len(shut)) if shut[i][0] <= shut[i - 1][1])
            self.assertGreaterEqual(overlapping, 3, shut)
            started = sorted(v["started_at"] for v in res["vms"])
            self.assertEqual(started[0], started[3])  # the first four began together
            self.assertEqual(set(powers(lab, db).values()), {"poweredOn"})

    def test_ctrl_c_finishes_in_flight_and_skips_the_rest(self):
        with Lab(MANY, speed=4) as lab, tempfile.TemporaryDirectory() as tmp:
            db = os.path.join(tmp, "h.db")
            p = fix_popen(lab, db, "--vm", "cycle-*", "--apply", "--yes", "--concurrency", "2",
                          "--format", "json")
            self.assertTrue(wait_for(db, "SELECT count(*) FROM steps WHERE kind='set_enable_uuid'"
                                         " AND state='running'"))
            p.send_signal(signal.SIGINT)
            out, err = p.communicate(timeout=120)
            self.assertEqual(p.returncode, 1, err)
            self.assertIn("stopping", err)
            res = json.loads(out)["result"]
            self.assertEqual(res["state"], "cancelled")
            outcomes = [v["outcome"] for v in res["vms"]]
            self.assertIn("skipped", outcomes)
            self.assertGreaterEqual(outcomes.count("fixed"), 2)   # the two in flight finished
            for s in steps(db):
                self.assertIn(s[3], FINISHED, s)
            self.assertEqual(set(powers(lab, db).values()), {"poweredOn"})

    def test_sigkill_then_recovery(self):
        with Lab(MANY, speed=4) as lab, tempfile.TemporaryDirectory() as tmp:
            db = os.path.join(tmp, "h.db")
            p = fix_popen(lab, db, "--vm", "cycle-*", "--apply", "--yes", "--concurrency", "4")
            # Kill while VMs are down: shut down by us, not yet powered on.
            self.assertTrue(wait_for(db, "SELECT count(*) FROM steps WHERE kind='shutdown_guest'"
                                         " AND state='done'"))
            p.send_signal(signal.SIGKILL)
            p.communicate(timeout=30)
            self.assertEqual(one(db, "SELECT state FROM plans")[0][0], "running")
            time.sleep(1)
            self.assertIn("poweredOff", powers(lab, db).values())
            # A new fix is refused without a terminal until the journal is recovered.
            r = fix(lab, db, "--vm", "cycle-001", "--apply", "--yes")
            self.assertEqual(r.returncode, 1)
            self.assertIn("--recover", r.stderr)
            r = fix(lab, db, "--recover")
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertIn("recovered plan", r.stderr)
            self.assertEqual(one(db, "SELECT state FROM plans ORDER BY id LIMIT 1")[0][0],
                             "interrupted")
            self.assertEqual(set(powers(lab, db).values()), {"poweredOn"})
            for s in steps(db):
                self.assertIn(s[3], FINISHED, s)
            rec = one(db, "SELECT count(*) FROM steps WHERE kind='power_on' AND state='rolled_back'"
                          " AND description LIKE 'Recovery%'")[0][0]
            self.assertGreaterEqual(rec, 1)
            # And now a new fix may start.
            r = fix(lab, db, "--vm", "cycle-*", "--apply", "--yes", "--format", "json")
            self.assertEqual(r.returncode, 0, r.stderr)


if __name__ == "__main__":
    unittest_main()
