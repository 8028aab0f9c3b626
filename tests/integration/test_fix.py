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
from history_db import rows as one, wait_for  # noqa: E402

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
                self.assertEqual(self.kinds(name), ["upgrade_tools", "wait_tools", "verify"])
                if name == "r04-novss":
                    self.assertEqual((v["outcome"], v["status"]), ("fixed", "ready"), v)
                    continue
                # REMOVE=Sync under REBOOT=R: the loaded driver goes at the next boot (R24)
                self.assertEqual((v["outcome"], v["status"]), ("fixed", "fixable"), v)
                self.assertIn("RESTART PENDING", v["message"])
        p = {x["name"]: x for x in self.doc["plan"]["vms"]}
        self.assertEqual(p["r04-novss"]["steps"][0]["arg"], '/S /v"/qn REBOOT=R ADDLOCAL=VSS"')
        self.assertEqual(p["r05-lgto"]["steps"][0]["arg"], '/S /v"/qn REBOOT=R REMOVE=Sync"')

    def test_manual_findings_untouched(self):
        v = self.result("manual-ide")
        self.assertEqual(v["outcome"], "manual")
        self.assertEqual(self.kinds("manual-ide"), [])
        p = [x for x in self.doc["plan"]["vms"] if x["name"] == "manual-ide"][0]
        self.assertEqual([u["rule"] for u in p["not_fixed"]], ["R09"])
        ins = p["not_fixed"][0]["instructions"]
        self.assertIn("manual-ide: Move every IDE disk to a SCSI controller, boot disk last", ins)
        self.assertIn("INACCESSIBLE_BOOT_DEVICE", ins)    # the driver step comes first
        self.assertIn("(found: Hard disk 2, IDE 0:1)", ins)  # as the vSphere Client names it

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
            self.assertEqual(p.returncode, 6, err)   # stopped, every VM made safe
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


from test_faults import GUEST_PW, FaultLab, win  # noqa: E402


class GuestLab(FaultLab):
    """A FaultLab (request log, vms(), sql()) that also reads the guest itself, through
    pyvmomi's Guest Operations: an independent client, so the state our fix left is seen
    by a program that is not quiescent."""

    def connect(self):
        from pyVim.connect import SmartConnect  # Debian python3-pyvmomi
        import ssl
        import warnings
        # pyvmomi 6.7 leaves its sockets to the garbage collector: not ours to report.
        warnings.simplefilter("ignore", ResourceWarning)
        host, port = self.host.split(":")
        return SmartConnect(host=host, port=int(port), user=self.user, pwd=self.password,
                            sslContext=ssl._create_unverified_context())

    def vm_obj(self, si, name):
        from pyVmomi import vim
        view = si.content.viewManager.CreateContainerView(si.content.rootFolder,
                                                          [vim.VirtualMachine], True)
        return [v for v in view.view if v.name == name][0]

    def runtime(self, name):
        """(toolsInstallerMounted, guest.toolsRunningStatus) of a VM."""
        from pyVim.connect import Disconnect
        si = self.connect()
        try:
            vm = self.vm_obj(si, name)
            return vm.runtime.toolsInstallerMounted, vm.guest.toolsRunningStatus
        finally:
            Disconnect(si)

    def reboot(self, name):
        """Powers the VM off and on with pyvmomi and waits until Tools run again."""
        from pyVim.connect import Disconnect
        si = self.connect()
        try:
            vm = self.vm_obj(si, name)
            for task in (vm.PowerOffVM_Task, vm.PowerOnVM_Task):
                t = task()
                for _ in range(600):
                    if t.info.state in ("success", "error"):
                        break
                    time.sleep(0.05)
                if t.info.state != "success":
                    raise AssertionError("%s of %s: %s" % (task.__name__, name, t.info.error))
            for _ in range(600):
                if vm.guest.toolsRunningStatus == "guestToolsRunning":
                    return
                time.sleep(0.05)
            raise AssertionError("VMware Tools did not come back on %s" % name)
        finally:
            Disconnect(si)

    def guest_run(self, name, command):
        """(output, exit code) of a command run through cmd.exe in the guest."""
        import ssl
        import urllib.request
        from pyVim.connect import Disconnect
        from pyVmomi import vim
        si = self.connect()
        try:
            vm = self.vm_obj(si, name)
            gom = si.content.guestOperationsManager
            auth = vim.vm.guest.NamePasswordAuthentication(username="Administrator",
                                                           password=GUEST_PW)
            out = r"C:\Windows\Temp\itest-%d.txt" % os.getpid()
            spec = vim.vm.guest.ProcessManager.ProgramSpec(
                programPath=r"C:\Windows\System32\cmd.exe",
                arguments='/c %s > "%s" 2>&1' % (command, out))
            pid = gom.processManager.StartProgramInGuest(vm, auth, spec)
            for _ in range(400):
                procs = gom.processManager.ListProcessesInGuest(vm, auth, [pid])
                if procs and procs[0].endTime:
                    break
                time.sleep(0.05)
            info = gom.fileManager.InitiateFileTransferFromGuest(vm, auth, out)
            url = info.url.replace("*", self.host.split(":")[0], 1)
            data = urllib.request.urlopen(url, context=ssl._create_unverified_context()).read()
            gom.fileManager.DeleteFileInGuest(vm, auth, out)
            return data.decode(), procs[0].exitCode
        finally:
            Disconnect(si)


def guest_vm(name, tools=None, **guest):
    g = {"user": "Administrator", "password": GUEST_PW}
    g.update(guest)
    vm = win(name)
    vm["guest"] = g
    if tools:
        vm["tools"] = tools
    return vm


SQL_FAILED = [{"name": "System Writer"},
              {"name": "SqlServerWriter", "state": "failed", "last_error": "non_retryable"}]
CONF = "[logging]\nlog = true\n[vmbackup]\nvss.disableAppQuiescing = true\nenableVSS = 0\n"


class GuestSidePaths(unittest.TestCase):
    """The three fixes that work inside the guest (issue #5): Tools modify through the guest
    (mount, setup64.exe in modify mode, unmount, wait for Tools), R16's service restart and
    R18's tools.conf edit; each once working and once failing, in one run."""

    @classmethod
    def setUpClass(cls):
        cls.lab = GuestLab([
            guest_vm("g-modify", tools={"vss_component": False, "lgto_sync": True}),
            guest_vm("g-busy", tools={"vss_component": False}, installer_busy=True),
            guest_vm("g-writer", writers=SQL_FAILED),
            guest_vm("g-writer-stuck", writers=SQL_FAILED, services={"SQLWriter": "stop_pending"}),
            guest_vm("g-writer-disabled", writers=SQL_FAILED, services={"SQLWriter": "disabled"}),
            guest_vm("g-conf", tools={"tools_conf": CONF}),
            guest_vm("g-conf-ro", tools={"tools_conf": CONF, "tools_conf_readonly": True}),
        ], [], speed=50)
        cls.before = {n: v["power"] for n, v in cls.lab.vms().items()}
        cls.res = cls.lab.run("fix", "--guest-user", "Administrator", "--vm", "g-*",
                              "--tools-method", "guest", "--apply", "--yes", "--format", "json")
        cls.doc = json.loads(cls.res.stdout) if cls.res.stdout.startswith("{") else None
        # before any test restarts g-modify (test_restart_pending_until_the_guest_restarts)
        cls.pending = cls.lab.run("scan", "--guest-user", "Administrator", "--vm", "g-modify",
                                  "--format", "json")

    @classmethod
    def tearDownClass(cls):
        cls.lab.stop()

    def result(self, name):
        self.assertIsNotNone(self.doc, self.res.stderr)
        return [v for v in self.doc["result"]["vms"] if v["name"] == name][0]

    def steps(self, name):
        """{kind: (state, before, after, result, error)} of a VM's steps."""
        rows = self.lab.sql("SELECT s.kind, s.state, s.before_value, s.after_value, s.result,"
                            " s.error FROM steps s JOIN plan_vms v ON v.id = s.plan_vm_id"
                            " WHERE v.name = ? ORDER BY s.seq", name)
        return [r[0] for r in rows], {r[0]: r[1:] for r in rows}

    def findings(self, name):
        r = self.lab.run("scan", "--guest-user", "Administrator", "--vm", name, "--format", "json")
        v = json.loads(r.stdout)["vms"][0]
        self.assertEqual(v["probe"]["state"], "ok", v)
        return v["status"], v["predicted_level"], [f["rule"] for f in v["findings"]]

    def assert_fixed(self, name, rule):
        v = self.result(name)
        self.assertEqual((v["outcome"], v["status"], v["power_state_after"]),
                         ("fixed", "ready", "poweredOn"), v)
        status, level, rules = self.findings(name)
        self.assertEqual((status, level), ("ready", "application"))
        self.assertNotIn(rule, rules)

    def assert_failed_cleanly(self, name, *phrases):
        v = self.result(name)
        self.assertEqual((v["outcome"], v["power_state_after"]), ("failed", "poweredOn"), v)
        msg = v["message"]
        self.assertNotIn("\n", msg)
        for p in phrases:
            self.assertIn(p, msg)
        self.assertIn("%s: failed: %s" % (name, msg), self.res.stderr)
        return msg

    def test_exit_code_and_plan(self):
        self.assertEqual(self.res.returncode, 1, self.res.stderr)
        self.assertEqual(self.doc["result"]["state"], "failed")
        self.assertEqual(self.lab.sql("SELECT state FROM plans"), [("failed",)])

    def test_tools_modify_through_the_guest(self):
        # Exit 3010 (REBOOT=R held the reboot back): fixed, but not "fixed and verified"
        # until the guest restarts; R24 says so on every scan until the boot time is newer.
        v = self.result("g-modify")
        self.assertEqual((v["outcome"], v["power_state_after"]), ("fixed", "poweredOn"), v)
        self.assertIn("RESTART PENDING", v["message"])
        self.assertNotIn("verified", v["message"])
        self.assertEqual(self.pending.returncode, 1, self.pending.stderr)
        v = json.loads(self.pending.stdout)["vms"][0]
        self.assertEqual((v["status"], v["predicted_level"], [f["rule"] for f in v["findings"]]),
                         ("fixable", "filesystem", ["R24"]))
        self.assertIn("setup exit code 3010", v["findings"][0]["evidence"])
        self.assertEqual(self.lab.sql("SELECT s.restart_needed FROM steps s JOIN plan_vms v"
                                      " ON v.id = s.plan_vm_id WHERE v.name = 'g-modify'"
                                      " AND s.restart_needed IS NOT NULL"),
                         [("setup exit code 3010",)])
        kinds, st = self.steps("g-modify")
        self.assertEqual(kinds, ["mount_tools_installer", "guest_tools_setup",
                                 "unmount_tools_installer", "wait_tools", "verify"])
        self.assertTrue(all(s[0] == "done" for s in st.values()), st)
        setup = st["guest_tools_setup"]
        self.assertIn('setup64.exe /S /v"/qn REBOOT=R ADDLOCAL=VSS REMOVE=Sync"', setup[1])
        self.assertNotIn("REINSTALLMODE", setup[1])   # outside /v it never reached msiexec
        self.assertEqual(setup[2], "exit 3010")        # the sync driver goes at the next boot
        self.assertIn("restart", setup[3])
        # Through the guest, not UpgradeTools_Task; the CD is back out.
        self.assertEqual(len(self.lab.requests("MountToolsInstaller", "g-modify")), 1)
        self.assertEqual(len(self.lab.requests("UnmountToolsInstaller", "g-modify")), 1)
        self.assertEqual(self.lab.requests("UpgradeTools_Task", "g-modify"), [])
        self.assertEqual(self.lab.runtime("g-modify"), (False, "guestToolsRunning"))
        out, code = self.lab.guest_run("g-modify", "sc query vmvss")
        self.assertIn("SERVICE_NAME: vmvss", out)
        out, code = self.lab.guest_run("g-modify", "sc query LGTO_Sync")
        self.assertEqual(code, 1060, out)

    def test_restart_pending_until_the_guest_restarts(self):
        self.assertIn('"R24"', self.pending.stdout)
        self.lab.reboot("g-modify")  # pyvmomi, as an operator would: off, then on
        status, level, rules = self.findings("g-modify")
        self.assertEqual((status, level), ("ready", "application"))
        self.assertNotIn("R24", rules)

    def test_tools_setup_failure(self):
        self.assert_failed_cleanly("g-busy", "guest_tools_setup", "exit code 1618",
                                   "another installation is already in progress")
        kinds, st = self.steps("g-busy")
        self.assertEqual({k: s[0] for k, s in st.items()},
                         {"mount_tools_installer": "done", "guest_tools_setup": "failed",
                          "unmount_tools_installer": "done", "wait_tools": "skipped",
                          "verify": "done"})
        self.assertEqual(st["guest_tools_setup"][2], "exit 1618")
        # Nothing half-done: the installer is unmounted, Tools run, the features are as before.
        self.assertEqual(self.lab.runtime("g-busy"), (False, "guestToolsRunning"))
        self.assertIn("R04", self.findings("g-busy")[2])

    def test_writer_service_restart(self):
        self.assert_fixed("g-writer", "R16")
        kinds, st = self.steps("g-writer")
        self.assertEqual(kinds, ["guest_command", "verify"])
        cmd = st["guest_command"]
        self.assertEqual(cmd[:2], ("done", 'net stop "SQLWriter" & net start "SQLWriter"'))
        self.assertEqual(cmd[2], "exit 0: The SQL Server VSS Writer service is stopping.")
        out, _ = self.lab.guest_run("g-writer", "vssadmin list writers")
        sql = out.split("Writer name: 'SqlServerWriter'")[1].split("\r\n\r\n")[0]
        self.assertIn("State: [1] Stable", sql)
        self.assertIn("Last error: No error", sql)

    def test_writer_service_cannot_be_stopped(self):
        self.assert_failed_cleanly("g-writer-stuck", "guest_command", "exit code 2",
                                   "The SQL Server VSS Writer service could not be stopped.")
        _, st = self.steps("g-writer-stuck")
        self.assertEqual((st["guest_command"][0], st["verify"][0]), ("failed", "done"))
        self.assertIn("still: R16", st["verify"][2])
        # As it was: the service runs, its writer is still failed.
        out, _ = self.lab.guest_run("g-writer-stuck", "sc query SQLWriter")
        self.assertIn("4  RUNNING", out)
        self.assertIn("R16", self.findings("g-writer-stuck")[2])

    def test_writer_service_disabled_is_left_running(self):
        # A disabled service would stop and never start again: it is not touched, and the
        # sentence says how to enable it.
        self.assert_failed_cleanly("g-writer-disabled", "the service SQLWriter is disabled",
                                   'sc config "SQLWriter" start= demand')
        _, st = self.steps("g-writer-disabled")
        self.assertEqual(st["guest_command"][:1] + st["guest_command"][2:3],
                         ("failed", "SQLWriter disabled: not restarted"))
        out, _ = self.lab.guest_run("g-writer-disabled", "sc query SQLWriter")
        self.assertIn("4  RUNNING", out)   # net stop would have stopped it

    def test_tools_conf_edit(self):
        self.assert_fixed("g-conf", "R18")
        kinds, st = self.steps("g-conf")
        self.assertEqual(kinds, ["guest_command", "verify"])
        self.assertEqual(st["guest_command"][0], "done")
        self.assertIn("Set-Content", st["guest_command"][1])
        self.assertEqual(st["guest_command"][2], "exit 0")
        out, code = self.lab.guest_run(
            "g-conf", r'type "C:\ProgramData\VMware\VMware Tools\tools.conf"')
        # Both switches gone (enableVSS = 0 too: Tools reads 0 as false), the rest kept.
        self.assertEqual((out, code), ("[logging]\r\nlog = true\r\n[vmbackup]\r\n", 0))

    def test_tools_conf_not_writable(self):
        self.assert_failed_cleanly(
            "g-conf-ro", "exit code 1", "Set-Content : Access to the path "
            "'C:\\ProgramData\\VMware\\VMware Tools\\tools.conf' is denied.")
        out, _ = self.lab.guest_run(
            "g-conf-ro", r'type "C:\ProgramData\VMware\VMware Tools\tools.conf"')
        self.assertEqual(out, CONF.replace("\n", "\r\n"))
        self.assertIn("R18", self.findings("g-conf-ro")[2])

    def test_history_every_step_with_values(self):
        rows = self.lab.sql("SELECT v.name, s.kind, s.state, s.started_at, s.ended_at,"
                            " s.before_value, s.after_value FROM steps s"
                            " JOIN plan_vms v ON v.id = s.plan_vm_id")
        self.assertEqual(len(rows), 20)
        for r in rows:
            with self.subTest(step=r[:3]):
                self.assertIn(r[2], FINISHED)
                if r[2] != "skipped":
                    self.assertTrue(r[3] and r[4] and r[4] >= r[3], r)
                    self.assertTrue(r[5] and r[6], r)
        outcomes = dict(self.lab.sql("SELECT name, outcome FROM plan_vms"))
        self.assertEqual(sorted(k for k, o in outcomes.items() if o == "fixed"),
                         ["g-conf", "g-modify", "g-writer"])

    def test_power_state_and_no_power_operations(self):
        self.assertEqual({n: v["power"] for n, v in self.lab.vms().items()}, self.before)
        for m in ("PowerOffVM_Task", "PowerOnVM_Task", "ShutdownGuest", "ReconfigVM_Task"):
            self.assertEqual(self.lab.requests(m), [], m)

    def test_guest_password_stays_secret(self):
        self.assertNotIn(GUEST_PW, self.res.stdout + self.res.stderr)
        with open(self.lab.db, "rb") as f:
            self.assertNotIn(GUEST_PW.encode(), f.read())
        with open(self.lab.reqlog, "rb") as f:
            self.assertNotIn(GUEST_PW.encode(), f.read())


if __name__ == "__main__":
    unittest_main()
