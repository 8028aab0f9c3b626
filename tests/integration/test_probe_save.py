"""quiescent probe VM --save DIR keeps the guest's raw outputs (bytes in its code page, exit
codes) and what was parsed; tests/tools/capture-to-raw-outputs.py turns the folder into the
lab's guest.raw_outputs, and the lab replaying it gives the same verdict as the guest."""
import copy
import json
import os
import subprocess
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from labctl import Lab, quiescent, unittest_main  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
CONVERT = os.path.join(HERE, "..", "tools", "capture-to-raw-outputs.py")
GUEST_PASS = "Save-Guest-Secret-5521"
GUEST = "Administrator:" + GUEST_PASS


def vm(name, guest=None, tools=None):
    v = {"name": name, "guest_id": "windows2019srv_64Guest", "guest_build": 17763,
         "extra_config": {"disk.EnableUUID": "TRUE"},
         "guest": {"user": "Administrator", "password": GUEST_PASS}}
    v["guest"].update(guest or {})
    if tools:
        v["tools"] = tools
    return v


ORIGINALS = [
    vm("cap-fr", {"locale": "fr-FR", "writers": [
        {"name": "Task Scheduler Writer"},
        {"name": "SqlServerWriter", "state": "failed", "last_error": "non_retryable"}]},
       {"tools_conf": "[vmbackup]\nvss.disableAppQuiescing = true\n"}),
    vm("cap-ja", {"locale": "ja-JP", "vss_service_start": "disabled"}, {"lgto_sync": True}),
    vm("cap-ru", {"locale": "ru-RU"}, {"vss_component": False}),
]


def scenario(vms):
    return {"vcenter": {"user": "administrator@vsphere.local", "password": "Save-VC-Secret-1",
                        "version": "7.0.3"}, "vms": vms}


def verdicts(lab):
    r = quiescent(lab, "scan", "--server", lab.url, "--thumbprint", lab.thumbprint,
                  "--guest-user", "Administrator", "--format", "json", guest_login=GUEST,
                  db=os.path.join(lab.tmp.name, "h.db"))
    doc = json.loads(r.stdout)
    return {v["name"]: (v["status"], v["best_level"], v["predicted_level"], v["probe"]["state"],
                        sorted(f["rule"] for f in v["findings"])) for v in doc["vms"]}


class ProbeSaveTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.lab = Lab(scenario(ORIGINALS), speed=100)
        cls.tmp = tempfile.TemporaryDirectory(prefix="quiescent-save-")
        cls.runs = {}
        for v in ORIGINALS:
            d = os.path.join(cls.tmp.name, v["name"])
            cls.runs[v["name"]] = (d, quiescent(cls.lab, "probe", v["name"], "--save", d,
                                                "--server", cls.lab.url, "--thumbprint",
                                                cls.lab.thumbprint, "--guest-user",
                                                "Administrator", guest_login=GUEST))

    @classmethod
    def tearDownClass(cls):
        cls.lab.stop()
        cls.tmp.cleanup()

    def test_saved_folder(self):
        d, r = self.runs["cap-fr"]
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("cap-fr: probe ok, code page 850", r.stdout)
        self.assertIn("SqlServerWriter: [9] \u00c9chec, Erreur non r\u00e9cup\u00e9rable", r.stdout)
        with open(os.path.join(d, "manifest.json")) as f:
            m = json.load(f)
        self.assertEqual(m["code_page"], 850)
        cmds = {c["command"]: c for c in m["commands"]}
        self.assertEqual(len(cmds), 11)
        self.assertEqual(cmds["sc qc LGTO_Sync"]["exit_code"], 1060)
        with open(os.path.join(d, cmds["sc qc LGTO_Sync"]["file"]), "rb") as f:
            self.assertIn(b"\x90CHEC 1060 :", f.read())   # the guest's bytes, CP850
        with open(os.path.join(d, "probe.out"), "rb") as f:
            self.assertIn(b"::quiescent:: chcp\r\nPage de codes active : 850\r\n", f.read())
        with open(os.path.join(d, "parsed.json")) as f:
            parsed = json.load(f)
        self.assertIn("SqlServerWriter", json.dumps(parsed))
        for name in os.listdir(d):
            with open(os.path.join(d, name), "rb") as f:
                self.assertNotIn(GUEST_PASS.encode(), f.read(), name)
        # An unknown or refused probe exits 1; a folder that is not empty is refused.
        self.assertEqual(self.runs["cap-ja"][1].returncode, 1, self.runs["cap-ja"][1].stderr)
        again = quiescent(self.lab, "probe", "cap-fr", "--save", d, "--server", self.lab.url,
                          "--thumbprint", self.lab.thumbprint, "--guest-user", "Administrator",
                          guest_login=GUEST)
        self.assertEqual(again.returncode, 2)
        self.assertIn("not empty", again.stderr)

    def test_replay_gives_the_same_verdict(self):
        replays = []
        for v in ORIGINALS:
            d, r = self.runs[v["name"]]
            self.assertIn(r.returncode, (0, 1), r.stderr)
            out = subprocess.run([sys.executable, CONVERT, d], capture_output=True, text=True,
                                 check=True).stdout
            keys = json.loads(out)
            rv = copy.deepcopy(v)
            rv["name"] = v["name"].replace("cap-", "replay-")
            # Only what vCenter knows is kept; the guest is the recording.
            rv["guest"] = {"user": "Administrator", "password": GUEST_PASS}
            rv["guest"].update(keys)
            if "tools" in rv:
                rv["tools"].pop("tools_conf", None)
                rv["tools"].pop("lgto_sync", None)
                rv["tools"].pop("vss_component", None)
            replays.append(rv)
        original = verdicts(self.lab)
        replay_lab = Lab(scenario(replays), speed=100)
        try:
            replayed = verdicts(replay_lab)
        finally:
            replay_lab.stop()
        for v in ORIGINALS:
            with self.subTest(vm=v["name"]):
                self.assertEqual(replayed[v["name"].replace("cap-", "replay-")],
                                 original[v["name"]])


if __name__ == "__main__":
    unittest_main()
