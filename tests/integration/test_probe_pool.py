"""The guest probe pool (issue 18) against the lab: never more probes in flight on one ESXi
host than --probe-per-host, nor on all hosts together than --probe-concurrency (the lab counts
the Guest Operations it is answering, per host and in all, and logs every new maximum), the
hosts served side by side, --probe-max-age / --reprobe, and the probe rate the scan prints
(probes per minute, Guest Operations calls per probe: the calls checked against the lab's log).

The lab's scenario spreads 24 Windows guests over 4 hosts; each Guest Operations round trip
takes timing_ms.guest_op (200 ms at --speed 1), so probes overlap for real.
"""
import json
import os
import re
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from labctl import Lab, quiescent, unittest_main  # noqa: E402

GUEST = "Administrator:Guest-Pass1"
GUEST_OPS = ("StartProgramInGuest", "ListProcessesInGuest", "InitiateFileTransferFromGuest",
             "DeleteFileInGuest", "TerminateProcessInGuest", "InitiateFileTransferToGuest")
SCENARIO = {
    "vcenter": {"password": "Pool-VC-Pass1"},
    "hosts": 4,
    "timing_ms": {"guest_op": 200},
    "vms": [{"name": "pool", "count": 24, "guest_id": "windows2019srv_64Guest",
             "guest": {"user": "Administrator", "password": "Guest-Pass1"}}],
}


def most_in_flight(log):
    """The most Guest Operations the lab had in flight at once, by host."""
    most = {}
    for host, n in re.findall(r"guest ops in flight on (\S+): (\d+)", log):
        most[host] = max(most.get(host, 0), int(n))
    return most


def most_in_all(log):
    """The most Guest Operations the lab had in flight at once on every host together."""
    return max([int(n) for n in re.findall(r"guest ops in flight in all: (\d+)", log)] or [0])


class ProbePool(unittest.TestCase):
    def scan(self, lab, db, *args):
        r = quiescent(lab, "scan", "--server", lab.url, "--thumbprint", lab.thumbprint,
                      "--guest-user", "Administrator", "--format", "json", *args,
                      guest_login=GUEST, db=db)
        self.assertEqual(r.returncode, 1, r.stderr)   # the scenario holds VMs not ready
        return json.loads(r.stdout)

    def test_per_host_bound(self):
        # 2 per host over 4 hosts: the per-host bound binds; 1 per host with 3 in all: the total
        for per_host, total in ((2, 16), (1, 3)):
            with self.subTest(per_host=per_host), Lab(SCENARIO, speed=1) as lab, \
                    tempfile.TemporaryDirectory() as tmp:
                doc = self.scan(lab, os.path.join(tmp, "h.db"), "--probe-per-host",
                                str(per_host), "--probe-concurrency", str(total))
                vms = doc["vms"]
                self.assertEqual(len(vms), 24)
                self.assertTrue(all(v["probe"]["state"] == "ok" for v in vms),
                                [v["probe"] for v in vms if v["probe"]["state"] != "ok"][:1])
                most = most_in_flight(lab.log_text())
                # every host was probed, none beyond the bound, and the bound was reached
                self.assertEqual(len(most), 4, most)
                self.assertEqual(max(most.values()), per_host, most)
                self.assertEqual(most_in_all(lab.log_text()), min(total, 4 * per_host))

    def test_default_total_follows_hosts(self):
        # 41 guests over 4 hosts at 10 per host: without --probe-concurrency the total is not
        # the fixed 32 but the hosts' 40 (each host gets its share; at most 64). The first
        # guest is probed alone (the guest login is proven on one VM first), the 40 others
        # at once.
        scenario = dict(SCENARIO, vms=[dict(SCENARIO["vms"][0], count=41)])
        with Lab(scenario, speed=1) as lab, tempfile.TemporaryDirectory() as tmp:
            doc = self.scan(lab, os.path.join(tmp, "h.db"), "--probe-per-host", "10")
            self.assertTrue(all(v["probe"]["state"] == "ok" for v in doc["vms"]))
            self.assertEqual(doc["vcenters"][0]["probes"]["concurrency"], 40)
            log = lab.log_text()
            self.assertLessEqual(max(most_in_flight(log).values()), 10)
            # more than the old fixed 32 at once (all 40 unless a loaded machine staggers them)
            self.assertGreater(most_in_all(log), 32)
            self.assertLessEqual(most_in_all(log), 40)

    def test_probe_max_age(self):
        with tempfile.TemporaryDirectory() as tmp:
            reqlog = os.path.join(tmp, "requests.jsonl")
            with Lab(SCENARIO, speed=20, extra_args=["--request-log", reqlog]) as lab:
                def methods():
                    with open(reqlog) as f:
                        return [json.loads(l).get("method") for l in f]

                def starts():
                    return methods().count("StartProgramInGuest")
                db = os.path.join(tmp, "a.db")
                doc = self.scan(lab, db, "--vm", "pool-00*")
                first = {v["name"]: v for v in doc["vms"]}
                self.assertEqual(len(first), 9)
                self.assertEqual(starts(), 9)   # one guest command per probe
                # the rate it reports: its Guest Operations calls are those the lab answered
                rate = doc["vcenters"][0]["probes"]
                lab_calls = sum(m in GUEST_OPS for m in methods())
                self.assertEqual((rate["probed"], rate["reused"], rate["guest_calls"]),
                                 (9, 0, lab_calls), rate)
                self.assertAlmostEqual(rate["calls_per_probe"], lab_calls / 9, places=2)
                self.assertGreater(rate["seconds"], 0)
                self.assertAlmostEqual(rate["per_minute"], 9 * 60 / rate["seconds"], delta=0.5)
                # young enough: the last probe is used as it was, no guest is asked
                doc = self.scan(lab, db, "--vm", "pool-00*", "--probe-max-age", "1h")
                again = doc["vms"]
                self.assertEqual(starts(), 9)
                rate = doc["vcenters"][0]["probes"]
                self.assertEqual((rate["probed"], rate["reused"], rate["guest_calls"]), (0, 9, 0))
                for v in again:
                    self.assertEqual(v["probe"]["state"], "ok")
                    self.assertEqual(v["probe"], first[v["name"]]["probe"])
                    self.assertEqual(v["status"], first[v["name"]]["status"])
                # --reprobe asks every guest again
                again = self.scan(lab, db, "--vm", "pool-00*", "--probe-max-age", "1h", "--reprobe")
                self.assertEqual(starts(), 18)
                self.assertTrue(all(v["probe"]["state"] == "ok" for v in again["vms"]))
                # without --probe-max-age every scan probes; the table prints the rate
                r = quiescent(lab, "scan", "--server", lab.url, "--thumbprint", lab.thumbprint,
                              "--guest-user", "Administrator", "--vm", "pool-00*",
                              guest_login=GUEST, db=db)
                self.assertEqual(r.returncode, 1, r.stderr)
                self.assertEqual(starts(), 27)
                self.assertRegex(r.stdout, r"\nprobes: 9 in [0-9.]+ s \([0-9]+ per minute, "
                                 r"[0-9.]+ Guest Operations calls each\)\n")
                r = quiescent(lab, "scan", "--server", lab.url, "--probe-max-age", "soon",
                              db=db)
                self.assertEqual(r.returncode, 2)
                self.assertIn("--probe-max-age needs an age", r.stderr)


if __name__ == "__main__":
    unittest_main()
