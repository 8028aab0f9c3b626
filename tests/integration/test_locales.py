"""Guests are not English: a fleet with one guest per Windows language the lab ships
(guest.locale, each printing in its OEM code page) is scanned, and every guest gets the same
verdict - status, levels, findings, probe state - as its English twin. A guest whose vssadmin
refuses the account (recorded as raw_outputs, in its language and code page) is probe state
not_elevated, with the account and the fix in its finding, in every language. The fix executor
reads its guest commands' output in the guest's code page too (LocaleFixTest)."""
import base64
import copy
import json
import os
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from labctl import Lab, quiescent, unittest_main  # noqa: E402
from test_faults import FaultLab, win  # noqa: E402

HERE = os.path.dirname(__file__)
SCENARIO = os.path.join(HERE, "scenarios", "verdicts.json")
LOCALE_DATA = os.path.join(HERE, "..", "unit", "data", "probe", "locale")
GUEST = "Administrator:Int-Guest-Secret-4412"
LOCALES = ["en-US", "de-DE", "fr-FR", "es-ES", "it-IT", "pt-BR", "nl-NL", "pl-PL", "ru-RU",
           "ja-JP", "zh-CN", "ko-KR"]
# Guests whose verdict depends on what the probe reads (sc, vssadmin, tools.conf, diskpart).
BASES = ["ready-2019", "novss-2019", "badwriter-2019", "vssoff-2019", "toolsconf-2019",
         "lgto-2012r2", "dyndisk-2019", "old-2008r2"]
# Windows 2008 R2 has no Get-StoragePool: PowerShell's localised "not recognized" record.
OLD_2008R2 = {"name": "old-2008r2", "guest_id": "windows7Server64Guest", "guest_build": 7601,
              "extra_config": {"disk.EnableUUID": "TRUE"},
              "guest": {"user": "Administrator", "password": "Int-Guest-Secret-4412"}}


def fleet():
    with open(SCENARIO) as f:
        sc = json.load(f)
    by_name = {v["name"]: v for v in sc["vms"] + [OLD_2008R2]}
    vms = []
    for i, loc in enumerate(LOCALES):
        base = by_name[BASES[i % len(BASES)]]
        twin = copy.deepcopy(base)
        twin["name"] = "%s-en-%d" % (base["name"], i)
        guest = copy.deepcopy(base)
        guest["name"] = "%s-%s" % (base["name"], loc)
        guest.setdefault("guest", {})["locale"] = loc
        denied = copy.deepcopy(by_name["ready-2019"])
        denied["name"] = "denied-%s" % loc
        with open(os.path.join(LOCALE_DATA, loc + "-denied.txt"), "rb") as f:
            raw = f.read()
        denied["guest"]["locale"] = loc
        denied["guest"]["raw_outputs"] = {
            "vssadmin list writers": {"base64": base64.b64encode(raw).decode(), "exit_code": 2}}
        vms += [twin, guest, denied]
    sc["vms"] = vms
    return sc


class LocaleTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.lab = Lab(fleet(), speed=100)
        cls.tmp = tempfile.TemporaryDirectory(prefix="quiescent-locales-")
        cls.scan_run = quiescent(cls.lab, "scan", "--server", cls.lab.url, "--thumbprint",
                            cls.lab.thumbprint, "--guest-user", "Administrator", "--format", "json",
                            guest_login=GUEST, db=os.path.join(cls.tmp.name, "h.db"))
        cls.doc = json.loads(cls.scan_run.stdout) if cls.scan_run.stdout else None

    @classmethod
    def tearDownClass(cls):
        cls.lab.stop()
        cls.tmp.cleanup()

    def vm(self, name):
        self.assertIsNotNone(self.doc, self.scan_run.stderr)
        for v in self.doc["vms"]:
            if v["name"] == name:
                return v
        self.fail("%s missing from the scan" % name)

    @staticmethod
    def verdict(v):
        return (v["status"], v["best_level"], v["predicted_level"], v["probe"]["state"],
                sorted(f["rule"] for f in v["findings"]))

    def test_same_verdict_as_the_english_twin(self):
        for i, loc in enumerate(LOCALES):
            base = BASES[i % len(BASES)]
            with self.subTest(locale=loc, guest=base):
                twin = self.vm("%s-en-%d" % (base, i))
                guest = self.vm("%s-%s" % (base, loc))
                self.assertEqual(twin["probe"]["state"], "ok", twin)
                self.assertEqual(self.verdict(guest), self.verdict(twin),
                                 json.dumps(guest["findings"], ensure_ascii=False))

    def test_not_elevated_in_every_language(self):
        for loc in LOCALES:
            with self.subTest(locale=loc):
                v = self.vm("denied-%s" % loc)
                self.assertEqual(v["probe"]["state"], "not_elevated")
                self.assertEqual(v["status"], "unknown")
                r21 = [f for f in v["findings"] if f["rule"] == "R21"]
                self.assertEqual(len(r21), 1, v["findings"])
                self.assertIn("LocalAccountTokenFilterPolicy", r21[0]["message"])
                self.assertIn("domain account", r21[0]["message"])
                self.assertIn("'Administrator'", r21[0]["evidence"])


SQL_FAILED = [{"name": "System Writer"},
              {"name": "SqlServerWriter", "state": "failed", "last_error": "non_retryable"}]
CONF = "[vmbackup]\nvss.disableAppQuiescing = true\n"


def localised(name, loc, tools=None, **guest):
    vm = win(name)
    vm["guest"].update(guest, locale=loc)
    if tools:
        vm["tools"] = tools
    return vm


class LocaleFixTest(unittest.TestCase):
    """quiescent fix on guests that are not English: what the guest commands print (net, sc,
    PowerShell) arrives in the guest's OEM code page and must reach the plan's history and the
    operator as the guest's own words in UTF-8, understood whatever the language."""

    @classmethod
    def setUpClass(cls):
        cls.lab = FaultLab([
            localised("ru-writer", "ru-RU", writers=SQL_FAILED),
            localised("ja-stuck", "ja-JP", writers=SQL_FAILED, services={"SQLWriter": "stop_pending"}),
            localised("zh-disabled", "zh-CN", writers=SQL_FAILED, services={"SQLWriter": "disabled"}),
            localised("de-conf-ro", "de-DE", tools={"tools_conf": CONF, "tools_conf_readonly": True}),
            localised("es-conf", "es-ES", tools={"tools_conf": CONF}),
        ], [], speed=100)
        cls.res = cls.lab.run("fix", "--guest-user", "Administrator", "--vm", "*", "--apply",
                              "--yes", "--format", "json")
        cls.doc = json.loads(cls.res.stdout) if cls.res.stdout.startswith("{") else None

    @classmethod
    def tearDownClass(cls):
        cls.lab.stop()

    def result(self, name):
        self.assertIsNotNone(self.doc, self.res.stderr)
        return [v for v in self.doc["result"]["vms"] if v["name"] == name][0]

    def step(self, name):
        """(state, after, error) of the VM's guest command (SQLite hands back str: UTF-8)."""
        rows = self.lab.sql("SELECT s.state, s.after_value, s.error FROM steps s JOIN plan_vms v"
                            " ON v.id = s.plan_vm_id WHERE v.name = ? AND s.kind = 'guest_command'",
                            name)
        self.assertEqual(len(rows), 1, rows)
        return rows[0]

    def test_restart_answer_in_the_guest_language(self):
        v = self.result("ru-writer")
        self.assertEqual(v["outcome"], "fixed", v)
        state, after, _ = self.step("ru-writer")
        self.assertEqual(state, "done")
        self.assertEqual(after, 'exit 0: Служба "SQL Server VSS Writer" останавливается.')

    def test_refusal_understood_any_language(self):
        v = self.result("ja-stuck")
        self.assertEqual(v["outcome"], "failed", v)
        self.assertIn("SQL Server VSS Writer サービスを停止できませんでした。", v["message"])
        self.assertNotIn("NET HELPMSG", v["message"])
        self.assertNotIn("\ufffd", v["message"])
        _, _, error = self.step("ja-stuck")
        self.assertIn("サービスを停止できませんでした", error)

    def test_disabled_service_read_from_sc_qc(self):
        v = self.result("zh-disabled")
        self.assertEqual(v["outcome"], "failed", v)
        self.assertIn("the service SQLWriter is disabled", v["message"])
        _, after, _ = self.step("zh-disabled")
        self.assertEqual(after, "SQLWriter disabled: not restarted")

    def test_powershell_record_explained(self):
        v = self.result("de-conf-ro")
        self.assertEqual(v["outcome"], "failed", v)
        msg = v["message"]
        self.assertIn("exit code 1: PowerShell was refused access to the file", msg)
        self.assertIn('Set-Content : Der Zugriff auf den Pfad "C:\\ProgramData\\VMware\\'
                      'VMware Tools\\tools.conf" wurde verweigert.', msg)
        self.assertNotIn("In Zeile", msg)        # the position line, dropped by its shape
        self.assertNotIn("CategoryInfo", msg)

    def test_edit_in_a_latin_code_page(self):
        self.assertEqual(self.result("es-conf")["outcome"], "fixed")
        state, after, error = self.step("es-conf")
        self.assertEqual((state, after, error), ("done", "exit 0", None))


REAL = os.path.join(HERE, "..", "lab", "testdata", "real")


def recorded(*pairs):
    """guest.raw_outputs from tests/lab/testdata/real: (command, file, exit code)."""
    out = {}
    for command, name, code in pairs:
        with open(os.path.join(REAL, name), "rb") as f:
            out[command] = {"base64": base64.b64encode(f.read()).decode(), "exit_code": code}
    return out


class RealOutputsTest(unittest.TestCase):
    """The shapes of real de/es/ja/zh-CN/ru outputs (tests/lab/testdata/real), replayed by the
    lab as guest.raw_outputs, give the verdict of the English twin the lab emulates: a dynamic
    disk from diskpart rows shifted off their dashes, a missing Snapshot Provider from sc's
    error number, VSS's state from German field names."""

    @classmethod
    def setUpClass(cls):
        vms = [localised("twin-dyn", "en-US", dynamic_disks=True),
               localised("twin-novss", "en-US", tools={"vss_component": False}),
               localised("twin-ready", "en-US")]
        for loc in ("de-DE", "es-ES", "zh-CN", "ru-RU"):
            vms.append(localised("dyn-" + loc, loc, raw_outputs=recorded(
                ("echo list disk | diskpart", loc + "-diskpart.txt", 0))))
        for loc in ("de-DE", "es-ES", "ja-JP", "zh-CN", "ru-RU"):
            vms.append(localised("novss-" + loc, loc, raw_outputs=recorded(
                ("sc query vmvss", loc + "-sc-query-vmvss.txt", 1060),
                ("sc qc vmvss", loc + "-sc-qc-vmvss.txt", 1060))))
        vms.append(localised("vss-de-DE", "de-DE", raw_outputs=recorded(
            ("sc query VSS", "de-DE-sc-query-vss.txt", 0),
            ("sc qc VSS", "de-DE-sc-qc-vss.txt", 0))))
        cls.lab = FaultLab(vms, [], speed=100)
        cls.res = cls.lab.run("scan", "--guest-user", "Administrator", "--format", "json")
        cls.doc = json.loads(cls.res.stdout) if cls.res.stdout.startswith("{") else None

    @classmethod
    def tearDownClass(cls):
        cls.lab.stop()

    def verdict(self, name):
        self.assertIsNotNone(self.doc, self.res.stderr)
        v = [v for v in self.doc["vms"] if v["name"] == name][0]
        return (v["status"], v["predicted_level"], v["probe"]["state"],
                sorted(f["rule"] for f in v["findings"]))

    def test_dynamic_disk_any_layout(self):
        twin = self.verdict("twin-dyn")
        self.assertIn("R12", twin[3])
        for loc in ("de-DE", "es-ES", "zh-CN", "ru-RU"):
            with self.subTest(locale=loc):
                self.assertEqual(self.verdict("dyn-" + loc), twin)

    def test_missing_provider_by_number(self):
        twin = self.verdict("twin-novss")
        self.assertIn("R04", twin[3])
        for loc in ("de-DE", "es-ES", "ja-JP", "zh-CN", "ru-RU"):
            with self.subTest(locale=loc):
                self.assertEqual(self.verdict("novss-" + loc), twin)

    def test_vss_state_from_localised_field_names(self):
        # VSS stopped and on demand is how Windows ships it: ready, like the English twin.
        self.assertEqual(self.verdict("vss-de-DE"), self.verdict("twin-ready"))
        self.assertEqual(self.verdict("twin-ready")[0], "ready")


if __name__ == "__main__":
    unittest_main()
