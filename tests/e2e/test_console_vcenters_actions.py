"""Fixes and test snapshots on the second vCenter of a console (--server given twice), end to
end: the real binary against two labs over HTTPS in a detached tmux session. Marks on two
vCenters are refused with a sentence; a VM of the second lab that lacks disk.EnableUUID is
fixed and a test snapshot is taken of another, each on the second lab's own session, and both
are checked against that lab with pyVmomi (the setting is there, the VM is on, no test
snapshot left) and in the history (journaled under the second lab's key); the R01 checklist of
a VM of the second lab mounts the Tools installer there. And a fix on the second lab killed
mid-shutdown (SIGKILL) is offered for recovery, naming that lab, when the console opens on both,
and recovering it powers that VM on there; a test snapshot a killed snaptest left on the second
lab is asked about naming that lab and removed there. A guest password the second lab's guests refuse is
said of that lab. Bounded waits only."""
import os
import signal
import subprocess
import sys
import time
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "integration"))
sys.path.insert(0, HERE)
import labctl  # noqa: E402
from labctl import Lab, unittest_main  # noqa: E402
from vcenter import Vcenter  # noqa: E402
from history_db import rows, wait_for  # noqa: E402
from console_tmux import Console, kill_server  # noqa: E402
import test_console_vcenters as two  # noqa: E402  (its scenario: same logins on both labs)


def snapshot_tasks(lab):
    """The VMs lab's recent tasks created a snapshot of: where the test really ran."""
    with Vcenter.of(lab) as vc:
        return sorted(t.info.entityName for t in vc.si.content.taskManager.recentTask
                      if "createSnapshot" in (t.info.descriptionId or ""))


def mounted(lab):
    """The VMs of lab with the VMware Tools installer mounted."""
    with Vcenter.of(lab) as vc:
        return sorted(v.name for v in vc.all_vms() if v.runtime.toolsInstallerMounted)


def vm_state(lab, name):
    """What lab says of VM name: (disk.EnableUUID, power state, names of our test snapshots)."""
    with Vcenter.of(lab) as vc:
        v = vc.vms()[name]
        return v["uuid"], v["power"], vc.test_snapshots(name)


class ActionsOnTheSecondVCenterTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory(prefix="quiescent-e2e-vcenters-actions-")
        self.addCleanup(self.tmp.cleanup)
        self.a = Lab(two.scenario("alpha"), speed=100)
        self.addCleanup(self.a.stop)
        sc = two.scenario("bravo")
        nouuid = dict(sc["vms"][0], name="bravo-nouuid", count=1, extra_config={})
        sc["vms"].append(nouuid)
        sc["vms"].append(dict(sc["vms"][0], name="bravo-notools", count=1, tools={"status": "notInstalled"}))
        self.b = Lab(sc, speed=100)
        self.addCleanup(self.b.stop)
        kh = os.path.join(self.tmp.name, "known_hosts")
        with open(kh, "w") as f:
            f.write("%s %s\n" % (self.b.host, self.b.thumbprint))
        self.c = Console(self.a, 150, 30, args=("--server", self.b.url),
                         env_extra={"GOVC_TLS_KNOWN_HOSTS": kh},
                         guest_login="%s:%s" % (two.GUEST["user"], two.GUEST["password"]))
        self.addCleanup(kill_server)
        self.addCleanup(self.c.close)
        self.db = os.path.join(self.c.tmp.name, "history.db")

    def test_fix_and_snaptest_on_the_second(self):
        c, b = self.c, self.b.host
        c.wait(r"bravo-nouuid\s.*fixable.* R07", timeout=60, regex=True)
        c.wait(r"alpha-%03d\s.*ready" % two.N, timeout=60, regex=True)
        c.wait_gone("probing", timeout=60)
        self.assertEqual(vm_state(self.b, "bravo-nouuid")[0], None)

        # marks on both vCenters: one sentence, nothing planned
        c.keys(":")
        c.type("mark alpha-001 bravo-nouuid")
        c.keys("Enter")
        c.wait("marked 2")
        c.keys("f")
        s = c.wait("cannot fix VMs of two vCenters at once")
        self.assertNotIn("[Fix plan]", s)
        c.keys(":")
        c.type("unmark alpha-001")
        c.keys("Enter")
        c.wait("marked 1")

        # the fix runs on B's session: B's VM gets the setting and is on again
        c.keys("f")
        s = c.wait("[Fix plan]")
        self.assertIn("bravo-nouuid", s)
        c.keys("a")
        s = c.wait("Run this plan?")
        self.assertIn("on %s" % b, s.replace("\n", " "))
        c.keys("y")
        c.wait("fix started")
        c.wait("the VMs were scanned again", timeout=60)
        uuid, power, _ = vm_state(self.b, "bravo-nouuid")
        self.assertEqual(uuid, "TRUE")
        self.assertEqual(power, "poweredOn")
        self.assertEqual(rows(self.db, "SELECT p.state, c.server FROM plans p JOIN connections c "
                                       "ON c.id = p.connection_id"), [("done", b)])
        c.keys("Escape")
        s = c.wait(r"bravo-nouuid\s.*ready", timeout=30, regex=True)

        # a test snapshot of a VM of B: taken there, removed there, recorded under B
        c.keys(":")
        c.type("snaptest bravo-001")
        c.keys("Enter")
        c.wait("Quiesced test snapshot of bravo-001")
        c.keys("Enter")
        s = c.wait("snapshot removed: yes", timeout=60)
        self.assertEqual(vm_state(self.b, "bravo-001")[2], [])
        self.assertEqual(snapshot_tasks(self.b), ["bravo-001"])
        self.assertEqual(snapshot_tasks(self.a), [])
        self.assertEqual(rows(self.db, "SELECT s.vm_name, s.state, c.server FROM snaptests s JOIN connections c "
                                       "ON c.id = s.connection_id"), [("bravo-001", "removed", b)])
        c.keys("Escape")
        s = c.wait("[VMs]")
        self.assertRegex(s, r"bravo-001\s.*ready\s+ok now")
        self.assertNotIn(two.PASSWORD, s)

        # the Tasks view: every vCenter's recent tasks, each under a heading naming it
        c.keys("2")
        s = c.wait("Create snapshot bravo-001 by %s" % two.USER, timeout=15)
        s = c.wait(r"%s's recent tasks on its VMs, every user's \(\d+, read" % self.b.host.replace(".", r"\."),
                   timeout=15, regex=True)
        s = c.wait(r"%s's recent tasks on its VMs, every user's \(\d+, read" % self.a.host.replace(".", r"\."),
                   timeout=15, regex=True)
        lines = s.splitlines()
        head_a = next(i for i, ln in enumerate(lines) if "%s's recent tasks" % self.a.host in ln)
        head_b = next(i for i, ln in enumerate(lines) if "%s's recent tasks" % self.b.host in ln)
        snap = next(i for i, ln in enumerate(lines) if "Create snapshot bravo-001" in ln)
        self.assertLess(head_a, head_b)    # in --server order, B's task under B's heading
        self.assertLess(head_b, snap)
        self.assertNotIn("vCenter's recent tasks", s)
        c.keys("1")
        s = c.wait("[VMs]")

        # the R01 checklist of a VM of B: m mounts the installer there, not on A
        c.keys(":")
        c.type("filter name:bravo-notools")
        c.keys("Enter")
        c.wait("[VMs] 1/1 of")
        c.keys("c")
        c.wait("quiescent can do this step: press m")
        c.keys("m")
        c.wait("the installer is mounted (MountToolsInstaller succeeded)", timeout=30)
        self.assertEqual(mounted(self.b), ["bravo-notools"])
        self.assertEqual(mounted(self.a), [])
        c.keys("Escape")
        c.wait("[VMs]")
        c.keys("q")
        c.wait("EXITED 0", timeout=30)


class InterruptedFixOnTheSecondVCenterTest(unittest.TestCase):
    """The start-up question covers every vCenter: B's interrupted fix, B's session."""

    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory(prefix="quiescent-e2e-vcenters-recover-")
        self.addCleanup(self.tmp.cleanup)
        self.db = os.path.join(self.tmp.name, "history.db")
        self.a = Lab(two.scenario("alpha"), speed=100)
        self.addCleanup(self.a.stop)
        sc = two.scenario("bravo")
        sc["vms"][0]["count"] = 2
        sc["vms"].append(dict(sc["vms"][0], name="bravo-left", count=1, extra_config={}))
        # real-time shutdown and power-on: the kill lands between them
        sc["timing_ms"] = {"guest_shutdown": 1500, "power_on": 800, "tools_start": 1000, "reconfig": 400,
                           "quiesce": 2400, "snapshot": 600, "snapshot_remove": 400}
        self.b = Lab(sc, speed=1)
        self.addCleanup(self.b.stop)
        self.kh = os.path.join(self.tmp.name, "known_hosts")
        with open(self.kh, "w") as f:
            f.write("%s %s\n" % (self.b.host, self.b.thumbprint))

    def cli_on_b(self, *args):
        env = {k: v for k, v in os.environ.items() if not k.startswith(("GOVC_", "QUIESCENT_"))}
        env.update(QUIESCENT_PASSWORD=two.PASSWORD, QUIESCENT_USER=two.USER, QUIESCENT_DB=self.db,
                   GOVC_GUEST_LOGIN="%s:%s" % (two.GUEST["user"], two.GUEST["password"]))
        return subprocess.Popen([labctl.QUIESCENT_BIN, args[0], "--server", self.b.url, "--thumbprint",
                                 self.b.thumbprint, "--guest-user", two.GUEST["user"]] + list(args[1:]),
                                env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True)

    def open_console(self):
        c = Console(self.a, 150, 30, args=("--server", self.b.url),
                    env_extra={"GOVC_TLS_KNOWN_HOSTS": self.kh, "QUIESCENT_DB": self.db},
                    guest_login="%s:%s" % (two.GUEST["user"], two.GUEST["password"]))
        self.addCleanup(kill_server)
        self.addCleanup(c.close)
        return c

    def test_leftover_test_snapshot_removed_on_the_second(self):
        p = self.cli_on_b("snaptest", "bravo-001", "--format", "json")
        end = time.monotonic() + 60   # killed once B has the snapshot task: the lab then ends it
        while time.monotonic() < end and not snapshot_tasks(self.b):
            time.sleep(0.05)
        p.send_signal(signal.SIGKILL)
        p.communicate(timeout=30)
        end = time.monotonic() + 30
        while time.monotonic() < end and not vm_state(self.b, "bravo-001")[2]:
            time.sleep(0.1)
        self.assertEqual(len(vm_state(self.b, "bravo-001")[2]), 1, "the lab kept no test snapshot")
        c = self.open_console()
        s = c.wait("Leftover test snapshots", timeout=60)
        flat = " ".join(s.split())
        self.assertIn("An interrupted run on %s left 1 test snapshot behind" % self.b.host, flat)
        self.assertRegex(flat, r"quiescent-test-\d{8}T\d{6}Z on bravo-001")
        c.keys("y")
        c.wait("removed the leftover test snapshot", timeout=60)
        self.assertEqual(vm_state(self.b, "bravo-001")[2], [])
        self.assertEqual(rows(self.db, "SELECT s.state, s.snapshot_removed, c.server FROM snaptests s "
                                       "JOIN connections c ON c.id = s.connection_id"),
                         [("removed", 1, self.b.host)])
        c.keys("Escape")
        c.wait("[VMs]")
        c.keys("q")
        c.wait("EXITED 0", timeout=30)

    def kill_a_fix_on_b(self):
        p = self.cli_on_b("fix", "--vm", "bravo-left", "--apply", "--yes")
        self.assertTrue(wait_for(self.db, "SELECT count(*) FROM steps WHERE kind = 'shutdown_guest'"
                                          " AND state = 'done'"))
        p.send_signal(signal.SIGKILL)
        p.communicate(timeout=30)
        self.assertEqual(vm_state(self.b, "bravo-left")[1], "poweredOff")

    def test_recovered_on_the_second(self):
        self.kill_a_fix_on_b()
        c = self.open_console()
        s = c.wait("Finish the interrupted fix?", timeout=60)
        flat = " ".join(s.split())
        self.assertIn("An earlier fix on %s was interrupted" % self.b.host, flat)
        self.assertIn("bravo-left", flat)
        self.assertNotIn(self.a.host, flat.split("Finish the interrupted fix?")[1])
        c.keys("y")
        s = c.wait("recovered", timeout=120)
        self.assertIn(self.b.host, " ".join(s.split()))
        self.assertEqual(vm_state(self.b, "bravo-left")[1], "poweredOn")
        # closed in B's journal: nothing is offered again
        self.assertEqual(rows(self.db, "SELECT p.state, p.recovered_at IS NOT NULL, c.server FROM plans p "
                                       "JOIN connections c ON c.id = p.connection_id"),
                         [("interrupted", 1, self.b.host)])
        c.keys("Escape")
        c.wait(r"bravo-left\s+.*\bon\b", timeout=60, regex=True)
        self.assertNotIn(two.PASSWORD, c.screen())
        c.keys("q")
        c.wait("EXITED 0", timeout=30)


class GuestLoginRefusedOnTheSecondTest(unittest.TestCase):
    """Each vCenter's session has its own guest-login breaker: B's refusal is said, naming B."""

    def test_banner_names_the_second(self):
        a = Lab(two.scenario("alpha"), speed=100)
        self.addCleanup(a.stop)
        sc = two.scenario("bravo")
        sc["vms"][0]["guest"] = dict(two.GUEST, password="Qz-Guest-Other-7730")
        b = Lab(sc, speed=100)
        self.addCleanup(b.stop)
        tmp = tempfile.TemporaryDirectory(prefix="quiescent-e2e-vcenters-guest-")
        self.addCleanup(tmp.cleanup)
        kh = os.path.join(tmp.name, "known_hosts")
        with open(kh, "w") as f:
            f.write("%s %s\n" % (b.host, b.thumbprint))
        c = Console(a, 150, 30, args=("--server", b.url), env_extra={"GOVC_TLS_KNOWN_HOSTS": kh},
                    guest_login="%s:%s" % (two.GUEST["user"], two.GUEST["password"]))
        self.addCleanup(kill_server)
        self.addCleanup(c.close)
        c.wait(r"alpha-%03d\s.*ready" % two.N, timeout=60, regex=True)
        c.wait_gone("probing", timeout=60)
        c.keys("3")   # the message log: later messages do not hide it
        s = c.wait(r"guest login Administrator refused by VM bravo-\d+ on %s; not tried on \d+ other "
                   r"VMs? there" % b.host.replace(".", r"\."), timeout=30, regex=True)
        self.assertNotRegex(s, r"refused by VM alpha-")
        self.assertNotIn("Qz-Guest-Other-7730", s)
        self.assertNotIn(two.GUEST["password"], s)


if __name__ == "__main__":
    unittest_main()
