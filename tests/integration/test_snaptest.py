"""quiescent snaptest against the lab: every outcome (application, filesystem, each fault,
a writer failing at freeze, the CreateSnapshot_Task fallback), refusals, Ctrl-C and SIGKILL
mid-test with cleanup, orphan removal at the next start, and the history rows."""
import json
import os
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
import unittest

sys.path.insert(0, os.path.dirname(__file__))
import labctl  # noqa: E402
from labctl import Lab, quiescent, unittest_main  # noqa: E402
from vcenter import Vcenter  # noqa: E402

SCENARIO = os.path.join(os.path.dirname(__file__), "scenarios", "snaptest.json")
GUEST = "Administrator:Int-Guest-Secret-4412"


class SnaptestTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.lab = Lab(SCENARIO, speed=1)
        cls.tmp = tempfile.TemporaryDirectory(prefix="quiescent-snaptest-")
        cls.db = os.path.join(cls.tmp.name, "history.db")
        cls.results = {}

    @classmethod
    def tearDownClass(cls):
        cls.lab.stop()
        cls.tmp.cleanup()

    @classmethod
    def args(cls, *vms):
        return ["snaptest", "--server", cls.lab.url, "--thumbprint", cls.lab.thumbprint,
                "--guest-user", "Administrator"] + list(vms)

    @classmethod
    def snaptest(cls, *args, db=None, **kw):
        return quiescent(cls.lab, *cls.args(*args), guest_login=GUEST, db=db or cls.db, **kw)

    def run_json(self, *vms):
        r = self.snaptest(*vms, "--format", "json")
        self.assertTrue(r.stdout, r.stderr)
        doc = json.loads(r.stdout)
        return r, {t["vm"]: t for t in doc["tests"]}

    def snapshots_left(self, vm):
        """Test snapshots still on vm, read through the lab (pyvmomi, not quiescent)."""
        with Vcenter.of(self.lab) as vc:
            return vc.test_snapshots(vm)

    def rows(self, vm):
        con = sqlite3.connect(self.db)
        con.row_factory = sqlite3.Row
        try:
            return con.execute("SELECT * FROM snaptests WHERE vm_name = ? ORDER BY id", (vm,)).fetchall()
        finally:
            con.close()

    def test_01_application(self):
        r, t = self.run_json("app-2019")
        self.assertEqual(r.returncode, 0, r.stderr)
        a = t["app-2019"]
        self.assertEqual(sorted(a), sorted(["vm", "method", "predicted_level", "achieved_level", "result",
                                            "fault", "duration_s", "manifest", "writers_after",
                                            "snapshot_removed", "snapshot", "achieved_unknown"]))
        self.assertEqual((a["method"], a["predicted_level"], a["achieved_level"], a["result"]),
                         ("CreateSnapshotEx_Task", "application", "application", "success"))
        self.assertIsNone(a["achieved_unknown"])   # the level was read
        self.assertIsNone(a["fault"])
        self.assertTrue(a["snapshot_removed"])
        snap = a["snapshot"]
        self.assertTrue(snap["name"].startswith("quiescent-test-"), snap)
        self.assertEqual((snap["created"], snap["removed"], snap["kept"]), (True, True, False))
        m = a["manifest"]
        self.assertTrue(m["file"].endswith("app-2019-vss_manifests1.zip"), m["file"])
        self.assertEqual(m["backup_type"], "copy")
        sql = [w for w in m["writers"] if w["name"] == "SqlServerWriter"][0]
        self.assertEqual(sql["id"], "{a65faa63-5ea8-4ebc-9dbd-a0c4db26912a}")
        self.assertEqual(sql["usage"], "USER_DATA")
        self.assertEqual(sql["data_source"], "TRANSACTION_DB")
        self.assertEqual(sql["components"], ["master", "msdb", "Sales"])
        self.assertTrue(sql["instance_id"])
        self.assertEqual({w["state"] for w in a["writers_after"]}, {"stable"})
        self.assertEqual(self.snapshots_left("app-2019"), [])
        row = self.rows("app-2019")[-1]
        self.assertEqual((row["state"], row["result"], row["achieved"], row["predicted"]),
                         ("removed", "success", "application", "application"))
        self.assertTrue(row["manifest"][:2] == b"PK")
        self.assertEqual(row["backup_type"], "copy")
        con = sqlite3.connect(self.db)
        kinds = {k for (k,) in con.execute("SELECT kind FROM snaptest_events WHERE snaptest_id = ?", (row["id"],))}
        phases = {p for (p,) in con.execute("SELECT phase FROM writer_results WHERE snaptest_id = ?", (row["id"],))}
        con.close()
        self.assertTrue({"task", "event", "note"} <= kinds, kinds)
        self.assertEqual(phases, {"manifest", "after"})

    def test_02_filesystem_and_table_tail(self):
        r = self.snaptest("fs-2019")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("[####################]", r.stdout)      # the live progress bar
        self.assertIn("event: ", r.stdout)
        self.assertIn("predicted filesystem, achieved filesystem", r.stdout)
        row = self.rows("fs-2019")[-1]
        self.assertEqual(row["achieved"], "filesystem")

    def test_03_faults(self):
        r, t = self.run_json("toolsdown-2019", "badwriter-2019", "vssoff-2019", "timeout-2019")
        self.assertEqual(r.returncode, 1)
        self.assertEqual(t["toolsdown-2019"]["fault"]["type"], "ToolsUnavailable")
        self.assertEqual(t["badwriter-2019"]["fault"]["type"], "ApplicationQuiesceFault")
        self.assertIn("quiesce", t["vssoff-2019"]["fault"]["type"].lower())
        self.assertEqual(t["timeout-2019"]["fault"]["type"], "Timedout")
        for vm, a in t.items():
            self.assertEqual((a["result"], a["achieved_level"]), ("failed", "fail"), vm)
            self.assertIsNone(a["manifest"], vm)
            self.assertEqual(self.snapshots_left(vm), [], vm)
            # The task failed and no snapshot exists: never created, so nothing to remove.
            self.assertEqual((a["snapshot"]["created"], a["snapshot"]["removed"]), (False, None), vm)
            self.assertIsNone(a["snapshot_removed"], vm)
        bad = {w["name"]: w for w in t["badwriter-2019"]["writers_after"]}
        self.assertEqual(bad["SqlServerWriter"]["state"], "failed")
        self.assertEqual(self.rows("timeout-2019")[-1]["fault_type"], "Timedout")

    def test_04_freeze_changes_writer_state(self):
        r, t = self.run_json("freeze-2019")
        self.assertEqual(r.returncode, 1)
        a = t["freeze-2019"]
        self.assertEqual((a["predicted_level"], a["achieved_level"]), ("application", "fail"))
        self.assertEqual(a["fault"]["type"], "ApplicationQuiesceFault")
        w = {x["name"]: x for x in a["writers_after"]}
        self.assertEqual(w["SqlServerWriter"]["state"], "failed")
        self.assertEqual(w["SqlServerWriter"]["last_error"], "Non-retryable error")
        self.assertIn("SqlServerWriter failed during the quiesce", r.stderr)

    def test_05_fallback(self):
        r, t = self.run_json("oldtools-2016", "oldtools-2012r2")
        self.assertEqual(t["oldtools-2016"]["method"], "CreateSnapshot_Task")
        self.assertEqual(t["oldtools-2016"]["achieved_level"], "fail")
        self.assertEqual(t["oldtools-2012r2"]["method"], "CreateSnapshot_Task")
        self.assertEqual(t["oldtools-2012r2"]["result"], "success")
        self.assertEqual(t["oldtools-2012r2"]["manifest"]["backup_type"], "copy")
        self.assertIn("CreateSnapshotEx_Task is unavailable", r.stderr)
        self.assertEqual(self.rows("oldtools-2016")[-1]["method"], "CreateSnapshot_Task")

    def test_06_refusals(self):
        r, t = self.run_json("off-2019", "snaps32-2019")
        self.assertEqual(r.returncode, 1)
        self.assertEqual(t["off-2019"]["result"], "refused")
        self.assertIn("powered off", t["off-2019"]["fault"]["message"])
        self.assertEqual(t["snaps32-2019"]["result"], "refused")
        self.assertIn("32 snapshots", t["snaps32-2019"]["fault"]["message"])
        for a in t.values():
            self.assertEqual((a["snapshot"]["created"], a["snapshot"]["removed"]), (False, None))
        self.assertEqual(self.rows("off-2019"), [])

    def test_07_usage(self):
        r = self.snaptest("app-2019", "--timeout", "4")
        self.assertEqual(r.returncode, 2)
        self.assertIn("5 to 240", r.stderr)
        r = self.snaptest("no-such-vm")
        self.assertEqual(r.returncode, 2)
        self.assertIn("no VM named", r.stderr)
        r = quiescent(self.lab, *self.args("app-2019"), password="wrong", guest_login=GUEST, db=self.db)
        self.assertEqual(r.returncode, 3)

    def test_08_backup_type_warning_and_keep(self):
        r, t = self.run_json("keep-2019", "--backup-type", "full", "--keep")
        self.assertIn("not a COPY backup", r.stderr)
        a = t["keep-2019"]
        self.assertEqual(a["manifest"]["backup_type"], "full")
        self.assertFalse(a["snapshot_removed"])
        self.assertEqual((a["snapshot"]["created"], a["snapshot"]["removed"], a["snapshot"]["kept"]),
                         (True, False, True))
        self.assertEqual(len(self.snapshots_left("keep-2019")), 1)
        self.assertEqual(self.rows("keep-2019")[-1]["state"], "kept")

    def start(self, vm, db):
        env = {k: v for k, v in os.environ.items() if not k.startswith(("GOVC_", "QUIESCENT_"))}
        env.update(QUIESCENT_PASSWORD=self.lab.password, QUIESCENT_USER=self.lab.user,
                   QUIESCENT_DB=db, GOVC_GUEST_LOGIN=GUEST)
        return subprocess.Popen([labctl.QUIESCENT_BIN] + self.args(vm)[:-1] + [vm, "--format", "json"],
                                env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True)

    def wait_running(self, db, vm):
        for _ in range(600):
            if os.path.exists(db):
                con = sqlite3.connect(db)
                try:
                    st = con.execute("SELECT state FROM snaptests WHERE vm_name = ?", (vm,)).fetchall()
                except sqlite3.OperationalError:
                    st = []
                con.close()
                if st and st[-1][0] == "running":
                    return
            time.sleep(0.05)
        self.fail("the test of %s never ran" % vm)

    def test_09_ctrl_c_cleans_up(self):
        db = os.path.join(self.tmp.name, "ctrlc.db")
        p = self.start("ctrlc-2019", db)
        self.wait_running(db, "ctrlc-2019")
        time.sleep(0.5)
        p.send_signal(signal.SIGINT)
        out, err = p.communicate(timeout=120)
        self.assertEqual(p.returncode, 6, err)   # stopped, and everything made safe
        a = json.loads(out)["tests"][0]
        self.assertEqual(a["result"], "cancelled")
        self.assertEqual(self.snapshots_left("ctrlc-2019"), [])
        con = sqlite3.connect(db)
        self.assertEqual(con.execute("SELECT state, result FROM snaptests").fetchall(),
                         [("removed", "cancelled")])
        con.close()

    def test_10_sigkill_then_orphan_cleanup(self):
        db = os.path.join(self.tmp.name, "kill.db")
        p = self.start("kill-2019", db)
        self.wait_running(db, "kill-2019")
        time.sleep(1.0)
        p.kill()
        p.communicate()
        time.sleep(3.5)   # the lab finishes the snapshot nobody will remove
        self.assertEqual(len(self.snapshots_left("kill-2019")), 1)
        # Not a terminal, no --cleanup-orphans: refused with a sentence.
        r = self.snaptest("kill-2019", db=db)
        self.assertEqual(r.returncode, 2)
        self.assertIn("--cleanup-orphans", r.stderr)
        self.assertRegex(r.stderr, r"quiescent-test-\S+ on kill-2019 \(vm-\d+\)")
        self.assertEqual(len(self.snapshots_left("kill-2019")), 1)
        r = self.snaptest("kill-2019", "--cleanup-orphans", "--format", "json", db=db)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertRegex(r.stderr, r"removed the leftover test snapshot \S+ of kill-2019 \(vm-\d+\)")
        self.assertEqual(self.snapshots_left("kill-2019"), [])
        con = sqlite3.connect(db)
        st = con.execute("SELECT state, result, snapshot_removed FROM snaptests ORDER BY id").fetchall()
        con.close()
        self.assertEqual(st, [("removed", "interrupted", 1), ("removed", "success", 1)])

    def test_11_history_for_every_test(self):
        con = sqlite3.connect(self.db)
        rows = con.execute("SELECT vm_name, state FROM snaptests").fetchall()
        unfinished = [r for r in rows if r[1] in ("created", "running")]
        con.close()
        self.assertEqual(unfinished, [])
        self.assertTrue({"app-2019", "fs-2019", "freeze-2019", "timeout-2019"} <= {r[0] for r in rows})

    def test_12_manifest_unreadable_is_not_proven(self):
        """The snapshot was taken and removed, but its VSS manifest could not be downloaded
        (the datastore answers 503 past the network grace): the level it achieved is not
        known. That is exit 4 (not proven), never a level and never "not ready"."""
        r, t = self.run_json("nomanifest-2019", "--network-grace", "3")
        self.assertEqual(r.returncode, 4, r.stderr)
        a = t["nomanifest-2019"]
        self.assertIn("the snapshot's VSS manifest could not be read", a["achieved_unknown"])
        self.assertIn("HTTP 503", a["achieved_unknown"])
        self.assertIsNone(a["manifest"])
        self.assertNotEqual(a["achieved_level"], "application")
        self.assertEqual((a["snapshot"]["created"], a["snapshot"]["removed"]), (True, True))
        self.assertEqual(self.snapshots_left("nomanifest-2019"), [])
        row = self.rows("nomanifest-2019")[-1]
        self.assertEqual(row["state"], "removed")
        self.assertIsNone(row["manifest"])


if __name__ == "__main__":
    unittest_main()
