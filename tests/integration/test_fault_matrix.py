"""The fault matrix (issue 13): the real binary against the lab over HTTPS, interrupted at every
step kind of a fix and every phase of a snaptest by kill -9, SIGTERM, SIGHUP, SIGPIPE, a 20 s
network cut (a forwarding TCP proxy in this test), the lab killed and restarted, and a second
quiescent running beside it (recover, fix, snaptest, cleanup-orphans).

After the interrupted run (and, in the concurrent cases, after both runs):
  - every leftover (a VM that was on and is off, a quiescent test snapshot, read with pyvmomi)
    makes `scan` exit 7 and name the VM; no leftover, no 7;
  - stopped by SIGTERM, SIGHUP or SIGPIPE the run made everything safe itself (nothing left,
    exit 6 for a signal); a 20 s cut was waited out (the run ends as it would alone);
then at most one recovery (`quiescent recover`; before it exists: `fix --recover` for a fix,
`snaptest --cleanup-orphans` for a test), and then:
  - 0 VMs off that were on, 0 test snapshots (pyvmomi);
  - the journal equals vCenter: no plan, step, task or test left open, no VM still claimed by
    a plan; a set_enable_uuid step is done exactly when vCenter shows disk.EnableUUID = TRUE; a
    VM whose last power-on step is done is on; an interrupted plan with every VM on is marked
    recovered; a test snapshot in the tree is never recorded as removed, a test recorded as
    unfinished or orphan has its snapshot in the tree;
  - `scan` does not exit 7 (or exits 7 naming the VM, when something is still left);
  - a run with a second process beside it still ends as it would alone (exit 0).

FAULT_MATRIX=full runs every case (`make fault-matrix`, long); otherwise a seeded subset of
FAULT_MATRIX_CASES (default 2) cases, FAULT_MATRIX_SEED (default 13), among the cases
test_stop.py does not already run (it kills a fix and a test at the worst moment, signals them,
and runs recover, fix and cleanup-orphans beside them: COVERED_BY_TEST_STOP), plus
SUBSET_ALWAYS (`make test`). FAULT_MATRIX_ONLY=REGEX picks cases by name. After recovery no
tasks row may still read queued or running (a task nobody follows is settled from vCenter).

Detecting leftovers (scan exit 7 naming the VM) is required of every case on every build. The
other promises are the durable engine's (lane i13a, `quiescent recover`): on a build without
`quiescent recover` a case that breaks them is reported as XFAIL with its reasons, and counted;
once `quiescent recover` exists every broken promise fails the test. The counts line reads
`fault matrix: N cases, N passed, N xfail, N failed; VMs restored N, snapshots removed N,
lost N`."""
import json
import os
import random
import re
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import unittest

sys.path.insert(0, os.path.dirname(__file__))
import labctl  # noqa: E402
from labctl import QUIESCENT_BIN, LAB_BIN, unittest_main  # noqa: E402
from vcenter import Vcenter  # noqa: E402
import history_db  # noqa: E402

VC_PW = "Fm-VC-Secret-6634"
GUEST_PW = "Fm-Guest-Secret-2290"
GUEST = "Administrator:" + GUEST_PW
TEST_PREFIX = "quiescent-test-"
CUT_S = 20
LAB_IP = "127.0.0.2"  # the lab's address; the forwarder takes 127.0.0.1 at the same port
# Real milliseconds (speed 1): long enough that a poll of the journal every 10 ms finds each
# step running, short enough for a case to take about half a minute.
TIMING = {"guest_shutdown": 3000, "power_on": 1500, "tools_start": 1500, "reconfig": 1500,
          "quiesce": 3000, "snapshot": 1000, "snapshot_remove": 1500, "tools_upgrade": 3000}


def win(name, **extra):
    vm = {"name": name, "guest_id": "windows2019srv_64Guest", "guest_build": 17763,
          "disks": [{"controller": "pvscsi", "bus": 0, "unit": 0, "gb": 40}],
          "extra_config": {"disk.EnableUUID": "TRUE"},
          "guest": {"user": "Administrator", "password": GUEST_PW}}
    vm.update(extra)
    return vm


SCENARIO = {
    "vcenter": {"user": "administrator@vsphere.local", "password": VC_PW},
    "timing_ms": TIMING,
    "vms": [
        win("fx-uuid", extra_config={}),                        # R07: the power cycle
        win("fx-tools", tools={"version": "10.0.12"}),           # R03: UpgradeTools_Task
        win("fx-cmd", guest={"user": "Administrator", "password": GUEST_PW,
                             "vss_service_start": "disabled"}),  # R15: a guest command
        win("fx-spare", extra_config={}),                       # a concurrent fix's VM
        win("st-main"),                                          # the test snapshot
        win("st-spare"),                                         # a concurrent test's VM
    ],
}

# Where a fix or a test is interrupted: (target, point, VM, how the point is seen in history).
FIX_POINTS = [
    ("shutdown_guest", "fx-uuid"), ("set_enable_uuid", "fx-uuid"), ("power_on", "fx-uuid"),
    ("wait_tools", "fx-uuid"), ("verify", "fx-uuid"), ("upgrade_tools", "fx-tools"),
    ("guest_command", "fx-cmd"),
]
SNAP_POINTS = [
    # the snapshot task runs (quiescing)
    ("quiesce", "SELECT count(*) FROM snaptests WHERE state = 'running'"),
    # created: manifest, writers
    ("created", "SELECT count(*) FROM snaptest_events WHERE message LIKE 'snapshot % created'"),
    # the removal task runs
    ("removal", "SELECT count(*) FROM snaptest_events WHERE message LIKE 'removing test snapshot %'"),
]
# Seconds from seeing the point in the journal to the interruption.
POINT_DELAY = {"shutdown_guest": 0.6, "upgrade_tools": 0.6, "quiesce": 0.6, "created": 0.0,
               "verify": 0.0, "guest_command": 0.0}
FAULTS = ["kill9", "term", "hup", "pipe", "netcut", "labkill",
          "with-recover", "with-fix", "with-snaptest", "with-cleanup"]
# The worst moments of issue 13. test_stop.py (in make test too) already runs them and the
# other cases below one by one, with closer asserts: the seeded subset of make test picks among
# the rest, so the two files do not spend the budget twice. `make fault-matrix` runs them all.
ALWAYS = ["fix/shutdown_guest/kill9", "snaptest/quiesce/kill9"]
# Run by make test's subset every time (about 20 s): the lab killed mid-snaptest once left the
# creating task's row 'running' for ever (reliability-trial, area 3); the next run settles it.
SUBSET_ALWAYS = ["snaptest/quiesce/labkill"]
COVERED_BY_TEST_STOP = ALWAYS + [
    "fix/shutdown_guest/term", "fix/shutdown_guest/hup", "fix/shutdown_guest/pipe",
    "fix/shutdown_guest/with-recover", "fix/shutdown_guest/with-fix",
    "snaptest/quiesce/term", "snaptest/quiesce/pipe", "snaptest/quiesce/with-cleanup",
]


def all_cases():
    out = []
    for point, vm in FIX_POINTS:
        for fault in FAULTS:
            out.append(("fix", point, vm, fault))
    for point, _ in SNAP_POINTS:
        for fault in FAULTS:
            out.append(("snaptest", point, "st-main", fault))
    return out


def case_name(c):
    return "%s/%s/%s" % (c[0], c[1], c[3])


def selected_cases():
    cases = all_cases()
    only = os.environ.get("FAULT_MATRIX_ONLY")
    if only:
        return [c for c in cases if re.search(only, case_name(c))]
    if os.environ.get("FAULT_MATRIX") == "full":
        return cases
    rnd = random.Random(int(os.environ.get("FAULT_MATRIX_SEED", "13")))
    n = int(os.environ.get("FAULT_MATRIX_CASES", "2"))
    always = [c for c in cases if case_name(c) in SUBSET_ALWAYS]
    rest = [c for c in cases if case_name(c) not in COVERED_BY_TEST_STOP + SUBSET_ALWAYS]
    return always + rnd.sample(rest, min(n, len(rest)))


# ------------------------------------------------------------------ the network between

class Forwarder:
    """A TCP forwarder in front of the lab (TLS passes through untouched). cut() resets every
    connection and refuses new ones until heal(). It listens on 127.0.0.1 at the lab's own port
    (the lab listens on 127.0.0.2): the guest file transfer URLs the lab hands out
    (https://*:PORT/...) then come through it too, as everything would on a real network."""

    def __init__(self, upstream_port):
        self.up = upstream_port
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", upstream_port))
        self.sock.listen(64)
        self.port = self.sock.getsockname()[1]
        self.is_cut = False
        self.conns = []
        self.lock = threading.Lock()
        threading.Thread(target=self.accept_loop, daemon=True).start()

    @staticmethod
    def reset(s):
        try:
            s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\0\0\0\0\0\0\0")
            s.close()
        except OSError:
            pass

    def accept_loop(self):
        while True:
            try:
                c, _ = self.sock.accept()
            except OSError:
                return
            if self.is_cut:
                self.reset(c)
                continue
            try:
                u = socket.create_connection((LAB_IP, self.up), timeout=5)
                u.settimeout(None)
            except OSError:
                self.reset(c)
                continue
            with self.lock:
                self.conns += [c, u]
            for a, b in ((c, u), (u, c)):
                threading.Thread(target=self.pipe, args=(a, b), daemon=True).start()

    def pipe(self, a, b):
        try:
            while True:
                d = a.recv(65536)
                if not d or self.is_cut:
                    break
                b.sendall(d)
        except OSError:
            pass
        for s in (a, b):
            try:
                s.close()
            except OSError:
                pass

    def cut(self):
        self.is_cut = True
        with self.lock:
            for s in self.conns:
                self.reset(s)
            self.conns = []

    def heal(self):
        self.is_cut = False

    def close(self):
        self.cut()
        self.sock.close()


# ------------------------------------------------------------------ one lab, restartable

class MatrixLab:
    def __init__(self, tmp, cert, key):
        self.tmp = tmp
        self.cert, self.key = cert, key
        self.scenario = os.path.join(tmp, "scenario.json")
        with open(self.scenario, "w") as f:
            json.dump(SCENARIO, f)
        self.db = os.path.join(tmp, "history.db")
        self.proc = None
        for attempt in range(5):
            self.start("%s:0" % LAB_IP)
            try:
                self.fw = Forwarder(self.port)
                break
            except OSError:  # 127.0.0.1 at that port is taken: another port
                self.proc.kill()
                self.proc.wait()
        self.url = "https://127.0.0.1:%d/sdk" % self.fw.port

    def start(self, listen):
        self.log = open(os.path.join(self.tmp, "lab-%d.log" % time.monotonic_ns()), "w")
        self.proc = subprocess.Popen(
            [LAB_BIN, "--scenario", self.scenario, "--listen", listen, "--speed", "1",
             "--cert", self.cert, "--key", self.key, "--state-dir", self.tmp],
            stdout=subprocess.PIPE, stderr=self.log, text=True)
        url = thumb = None
        for line in self.proc.stdout:
            k, _, v = line.strip().partition(" ")
            if k == "URL":
                url = v
            elif k == "THUMBPRINT":
                thumb = v
            elif k == "READY":
                break
        if not url:
            raise RuntimeError("the lab did not start")
        self.port = int(url.split("//")[1].split("/")[0].split(":")[1])
        self.thumbprint = thumb

    def kill_and_restart(self, down_s=3):
        self.proc.kill()
        self.proc.wait()
        time.sleep(down_s)
        self.start("%s:%d" % (LAB_IP, self.port))  # the same address: the forwarder stays

    def stop(self):
        self.fw.close()
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    def env(self):
        env = {k: v for k, v in os.environ.items() if not k.startswith(("GOVC_", "QUIESCENT_"))}
        env.update(QUIESCENT_PASSWORD=VC_PW, QUIESCENT_USER="administrator@vsphere.local",
                   QUIESCENT_DB=self.db, GOVC_GUEST_LOGIN=GUEST)
        return env

    def argv(self, *args):
        return [QUIESCENT_BIN, args[0], "--server", self.url, "--thumbprint", self.thumbprint] + \
            list(args[1:])

    def popen(self, *args, pipe=True):
        out = subprocess.PIPE if pipe else subprocess.DEVNULL
        return subprocess.Popen(self.argv(*args), env=self.env(), stdin=subprocess.DEVNULL,
                                stdout=out, stderr=out, text=True)

    def run(self, *args, timeout=600):
        return subprocess.run(self.argv(*args), env=self.env(), stdin=subprocess.DEVNULL,
                              capture_output=True, text=True, timeout=timeout)

    def vms(self):
        """name -> {power, snapshots (names), uuid, ...}: pyvmomi straight to the lab, not ours."""
        with Vcenter("%s:%d" % (LAB_IP, self.port), "administrator@vsphere.local", VC_PW,
                     attempts=50) as vc:
            return vc.vms()

    def sql(self, q, *a):
        return history_db.rows_if_any(self.db, q, *a)

    def wait_sql(self, q, timeout=120):
        return history_db.wait_for(self.db, q, timeout, poll=0.01)


def have_recover():
    r = subprocess.run([QUIESCENT_BIN, "recover", "--help"], capture_output=True, text=True,
                       stdin=subprocess.DEVNULL, timeout=30)
    return r.returncode == 0


def make_cert(tmp):
    cert, key = os.path.join(tmp, "lab.crt"), os.path.join(tmp, "lab.key")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                    "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", key, "-out", cert,
                    "-days", "2", "-subj", "/CN=127.0.0.1", "-addext",
                    "subjectAltName=IP:127.0.0.1,DNS:localhost"],
                   check=True, capture_output=True, timeout=60)
    return cert, key


def leftovers(before, now):
    """(VMs that were on and are off, {VM: [test snapshots]})."""
    off = sorted(n for n, v in now.items() if before.get(n, {}).get("power") == "poweredOn"
                 and v["power"] != "poweredOn")
    snaps = {n: [s for s in v["snapshots"] if s.startswith(TEST_PREFIX)] for n, v in now.items()}
    return off, {n: s for n, s in snaps.items() if s}


# ------------------------------------------------------------------ one case

class Outcome:
    def __init__(self, name):
        self.name = name
        self.detect = []      # broken on every build: leftover detection
        self.promise = []     # the durable engine's promises
        self.notes = []
        self.restored = self.removed = self.lost = 0

    def ok(self):
        return not self.detect and not self.promise


def check_scan(lab, off, snaps, when, out):
    """Leftovers must make scan exit 7 and name each VM; none, no 7."""
    r = lab.run("scan", "--no-probe", "--format", "json", timeout=300)
    left = sorted(set(off) | set(snaps))
    if left:
        if r.returncode != 7:
            out.detect.append("%s: scan exit %d with leftovers on %s" % (when, r.returncode, left))
        for name in left:
            if name not in r.stderr:
                out.detect.append("%s: scan did not name %s" % (when, name))
    elif r.returncode == 7:
        out.detect.append("%s: scan exit 7 with no leftover: %s" % (when, r.stderr.strip()[-300:]))
    if r.returncode not in (0, 1, 7):
        out.notes.append("%s: scan exit %d: %s" % (when, r.returncode, r.stderr.strip()[-200:]))


def check_journal(lab, now, fault, out):
    """The journal equals vCenter once everything has ended."""
    open_plans = lab.sql("SELECT id, state FROM plans WHERE state IN ('running','confirmed')")
    if open_plans:
        out.promise.append("plans still open: %s" % open_plans)
    open_steps = lab.sql("SELECT v.name, s.kind, s.state FROM steps s JOIN plan_vms v ON"
                         " v.id = s.plan_vm_id WHERE s.state IN ('running','planned')")
    if open_steps:
        out.promise.append("steps still open: %s" % open_steps)
    # a task nobody follows any more is settled from what vCenter says (even one a restarted
    # lab forgot: then it says so), never left 'running' for ever
    open_tasks = lab.sql("SELECT moref, kind, state FROM tasks WHERE state IN ('queued','running')")
    if open_tasks:
        out.promise.append("tasks still open: %s" % open_tasks)
    # a finished plan releases its VMs; a test that ended holds none
    held = lab.sql("SELECT moref FROM vm_claims WHERE kind = 'plan_vm'")
    if held:
        out.promise.append("VMs still claimed by a plan: %s" % held)
    open_tests = lab.sql("SELECT moref, state FROM snaptests WHERE state IN ('created','running')")
    if open_tests:
        out.promise.append("tests still open: %s" % open_tests)
    # an interrupted plan is marked recovered once nothing of it is off (else it is offered
    # again for ever), and never while a VM it took down is off
    off_now = {n for n, v in now.items() if v["power"] != "poweredOn"}
    unrecovered = {}
    for pid, name in lab.sql("SELECT p.id, v.name FROM plans p JOIN plan_vms v ON v.plan_id ="
                             " p.id WHERE p.state = 'interrupted' AND p.recovered_at IS NULL"):
        unrecovered.setdefault(pid, []).append(name)
    for pid, names in unrecovered.items():
        if not off_now & set(names):
            out.promise.append("plan %s is interrupted and not marked recovered, its VMs %s"
                               " are on" % (pid, names))
    by_moref = {v["moref"]: (n, v) for n, v in now.items()}
    if fault != "labkill":  # a restarted lab forgot what it did: nothing to compare with
        # a power-on the journal says done is on in vCenter (the journal's last word per VM)
        for name, state in lab.sql("SELECT v.name, s.state FROM steps s JOIN plan_vms v ON"
                                   " v.id = s.plan_vm_id WHERE s.kind = 'power_on' AND s.id ="
                                   " (SELECT max(id) FROM steps WHERE plan_vm_id = v.id AND"
                                   " kind = 'power_on')"):
            if state == "done" and name in off_now:
                out.promise.append("%s: the journal's last power-on is done, vCenter has %s"
                                   % (name, now[name]["power"]))
        for name, state in lab.sql("SELECT v.name, s.state FROM steps s JOIN plan_vms v ON"
                                   " v.id = s.plan_vm_id WHERE s.kind = 'set_enable_uuid'"):
            vc = (now.get(name, {}).get("uuid") or "").upper() == "TRUE"
            if vc and state != "done":
                out.promise.append("%s: vCenter has disk.EnableUUID=TRUE, the journal says %s"
                                   % (name, state))
            if state == "done" and not vc:
                out.promise.append("%s: the journal says done, vCenter has %r"
                                   % (name, now.get(name, {}).get("uuid")))
    for moref, snap, state in lab.sql("SELECT moref, snapshot_name, state FROM snaptests"):
        name, v = by_moref.get(moref, (moref, {"snapshots": []}))
        there = snap in v["snapshots"]
        if there and state == "removed":
            out.promise.append("%s: %s is in the tree, the history says removed" % (name, snap))
        if not there and state in ("created", "running", "orphan"):
            out.promise.append("%s: %s is gone, the history says %s" % (name, snap, state))


def wait_end(p, timeout):
    try:
        p.wait(timeout=timeout)
        return True
    except subprocess.TimeoutExpired:
        p.kill()
        p.wait()
        return False


def run_case(case, cert, key, recover_cmd):
    target, point, vm, fault = case
    out = Outcome(case_name(case))
    with tempfile.TemporaryDirectory(prefix="quiescent-fm-") as tmp:
        lab = MatrixLab(tmp, cert, key)
        try:
            return _run_case(lab, case, out, recover_cmd)
        finally:
            lab.stop()


def _run_case(lab, case, out, recover_cmd):
    target, point, vm, fault = case
    before = lab.vms()
    if target == "fix":
        args = ("fix", "--vm", vm, "--apply", "--yes")
        seen = "SELECT count(*) FROM steps WHERE kind = '%s' AND state IN ('running','done')" % point
        alone_rc = 0
    else:
        args = ("snaptest", vm)
        seen = dict(SNAP_POINTS)[point]
        alone_rc = 0
    p = lab.popen(*args)
    # pipes drained by threads, except for the SIGPIPE case (we close them at the point)
    drained = {}
    if fault != "pipe":
        for k, stream in (("stdout", p.stdout), ("stderr", p.stderr)):
            t = threading.Thread(target=lambda k=k, s=stream: drained.__setitem__(k, s.read()),
                                 daemon=True)
            t.start()
    if not lab.wait_sql(seen, timeout=180):
        out.notes.append("the point was never reached")
        wait_end(p, 300)
        out.promise.append("point %s not reached (exit %s): %s" % (point, p.returncode,
                                                                 drained.get("stderr", "")[-300:]))
        return out
    # into the step: its request sent (ShutdownGuest returns at once, the journal is written
    # before the request), well before it ends
    time.sleep(POINT_DELAY.get(point, 0.2))
    second = None
    if fault == "kill9":
        p.send_signal(signal.SIGKILL)
    elif fault == "term":
        p.send_signal(signal.SIGTERM)
    elif fault == "hup":
        p.send_signal(signal.SIGHUP)
    elif fault == "pipe":
        p.stdout.close()
        p.stderr.close()
    elif fault == "netcut":
        lab.fw.cut()
        threading.Timer(CUT_S, lab.fw.heal).start()
    elif fault == "labkill":
        lab.kill_and_restart()
    elif fault.startswith("with-"):
        what = fault[5:]
        if what == "recover":
            second = lab.popen(*recover_cmd(target))
        elif what == "fix":
            second = lab.popen("fix", "--vm", "fx-spare", "--apply", "--yes")
        elif what == "snaptest":
            second = lab.popen("snaptest", "st-spare")
        else:
            second = lab.popen("snaptest", "--cleanup-orphans", "st-spare")
    ended = wait_end(p, 600)
    if not ended:
        out.promise.append("the interrupted run did not end within 600 s")
    if second:
        so, se = second.communicate(timeout=600)
        out.notes.append("second (%s): exit %d %s" % (fault, second.returncode,
                                                      se.strip().splitlines()[-1:] if se else ""))
        if p.returncode != alone_rc:
            out.promise.append("the run beside %s ended %s, alone it ends %d: %s" % (
                fault, p.returncode, alone_rc, drained.get("stderr", "").strip()[-300:]))
    out.notes.append("run: exit %s" % p.returncode)
    if fault == "netcut" and lab.fw.is_cut:
        time.sleep(max(0, CUT_S + 1))
    # what was in flight in the lab lands (a shutdown, a snapshot task)
    time.sleep(TIMING["guest_shutdown"] / 1000 + 2)

    now = lab.vms()
    off, snaps = leftovers(before, now)
    out.notes.append("left: off %s, snapshots %s" % (off, snaps))
    check_scan(lab, off, snaps, "after the run", out)
    # Stopped by anything but kill -9 (or the lab's own death), the run itself makes it safe:
    # nothing left before any recovery, exit 6 (7 when something could not be made safe);
    # a 20 s cut is waited out and the run ends as it would have.
    if fault in ("term", "hup", "pipe", "netcut") and (off or snaps):
        out.promise.append("the run left %s before any recovery" % sorted(set(off) | set(snaps)))
    if fault in ("term", "hup") and p.returncode not in (6, 7):
        out.promise.append("stopped by %s: exit %s, not 6 (or 7)" % (fault, p.returncode))
    if fault in ("term", "hup") and p.returncode == 7 and not (off or snaps):
        out.promise.append("exit 7 with nothing left")
    if fault == "netcut" and p.returncode != alone_rc:
        out.promise.append("a %d s network cut: exit %s, alone it ends %d: %s" % (
            CUT_S, p.returncode, alone_rc, drained.get("stderr", "").strip()[-1500:]))

    # at most one recovery
    r = lab.run(*recover_cmd(target), timeout=900)
    out.notes.append("recover: exit %d %s" % (r.returncode, (r.stderr.strip().splitlines() or [""])[-1]))
    time.sleep(1)
    final = lab.vms()
    off2, snaps2 = leftovers(before, final)
    out.restored = len(set(off) - set(off2))
    out.removed = sum(len(v) for v in snaps.values()) - sum(
        len([s for s in snaps2.get(n, []) if s in v]) for n, v in snaps.items())
    out.lost = len(off2) + sum(len(v) for v in snaps2.values())
    if off2:
        out.promise.append("still off after recovery: %s" % off2)
    if snaps2:
        out.promise.append("test snapshots after recovery: %s" % snaps2)
    check_journal(lab, final, fault, out)
    check_scan(lab, off2, snaps2, "after recovery", out)
    return out


# ------------------------------------------------------------------ the test

class FaultMatrix(unittest.TestCase):
    def test_fault_matrix(self):
        strict = have_recover()

        def recover_cmd(target):
            if strict:
                return ("recover",)
            if target == "fix":
                return ("fix", "--recover")
            return ("snaptest", "--cleanup-orphans", "st-spare")

        cases = selected_cases()
        self.assertTrue(cases, "no case selected")
        with tempfile.TemporaryDirectory(prefix="quiescent-fm-cert-") as ctmp:
            cert, key = make_cert(ctmp)
            results = []
            for c in cases:
                t0 = time.monotonic()
                o = run_case(c, cert, key, recover_cmd)
                state = "PASS" if o.ok() else ("FAIL" if o.detect or strict else "XFAIL")
                results.append((o, state))
                print("%-5s %-32s %5.1f s  %s" % (state, o.name, time.monotonic() - t0,
                                                 "; ".join(o.detect + o.promise) or
                                                 "; ".join(o.notes[-3:])), flush=True)
                if state != "PASS":
                    for n in o.notes:
                        print("        " + n, flush=True)
        n = len(results)
        count = {s: sum(1 for _, x in results if x == s) for s in ("PASS", "XFAIL", "FAIL")}
        restored = sum(o.restored for o, _ in results)
        removed = sum(o.removed for o, _ in results)
        lost = sum(o.lost for o, _ in results)
        print("fault matrix: %d cases, %d passed, %d xfail, %d failed; VMs restored %d, "
              "snapshots removed %d, lost %d%s" % (n, count["PASS"], count["XFAIL"], count["FAIL"],
                                                  restored, removed, lost,
                                                  "" if strict else
                                                  " (no `quiescent recover` in this build: the "
                                                  "engine's promises are XFAIL)"), flush=True)
        self.assertEqual(count["FAIL"], 0, [o.name for o, s in results if s == "FAIL"])


if __name__ == "__main__":
    unittest_main()
