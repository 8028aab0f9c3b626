"""The guest probe pool (issue 18) against the lab: never more probes in flight on one ESXi
host than --probe-per-host (the lab counts the Guest Operations it is answering per host and
logs every new maximum), the hosts served side by side, and --probe-max-age / --reprobe.

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


class ProbePool(unittest.TestCase):
    def scan(self, lab, db, *args):
        r = quiescent(lab, "scan", "--server", lab.url, "--thumbprint", lab.thumbprint,
                      "--guest-user", "Administrator", "--format", "json", *args,
                      guest_login=GUEST, db=db)
        self.assertEqual(r.returncode, 1, r.stderr)   # the scenario holds VMs not ready
        return json.loads(r.stdout)

    def test_per_host_bound(self):
        for per_host in (2, 1):
            with self.subTest(per_host=per_host), Lab(SCENARIO, speed=1) as lab, \
                    tempfile.TemporaryDirectory() as tmp:
                doc = self.scan(lab, os.path.join(tmp, "h.db"), "--probe-per-host",
                                str(per_host), "--probe-concurrency", "16")
                vms = doc["vms"]
                self.assertEqual(len(vms), 24)
                self.assertTrue(all(v["probe"]["state"] == "ok" for v in vms),
                                [v["probe"] for v in vms if v["probe"]["state"] != "ok"][:1])
                most = most_in_flight(lab.log_text())
                # every host was probed, none beyond the bound, and the bound was reached
                self.assertEqual(len(most), 4, most)
                self.assertEqual(max(most.values()), per_host, most)

    def test_probe_max_age(self):
        with tempfile.TemporaryDirectory() as tmp:
            reqlog = os.path.join(tmp, "requests.jsonl")
            with Lab(SCENARIO, speed=20, extra_args=["--request-log", reqlog]) as lab:
                def starts():
                    with open(reqlog) as f:
                        return sum(json.loads(l).get("method") == "StartProgramInGuest" for l in f)
                db = os.path.join(tmp, "a.db")
                first = {v["name"]: v for v in self.scan(lab, db, "--vm", "pool-00*")["vms"]}
                self.assertEqual(len(first), 9)
                self.assertEqual(starts(), 9)   # one guest command per probe
                # young enough: the last probe is used as it was, no guest is asked
                again = self.scan(lab, db, "--vm", "pool-00*", "--probe-max-age", "1h")["vms"]
                self.assertEqual(starts(), 9)
                for v in again:
                    self.assertEqual(v["probe"]["state"], "ok")
                    self.assertEqual(v["probe"], first[v["name"]]["probe"])
                    self.assertEqual(v["status"], first[v["name"]]["status"])
                # --reprobe asks every guest again
                again = self.scan(lab, db, "--vm", "pool-00*", "--probe-max-age", "1h", "--reprobe")
                self.assertEqual(starts(), 18)
                self.assertTrue(all(v["probe"]["state"] == "ok" for v in again["vms"]))
                # without --probe-max-age every scan probes
                self.scan(lab, db, "--vm", "pool-00*")
                self.assertEqual(starts(), 27)
                r = quiescent(lab, "scan", "--server", lab.url, "--probe-max-age", "soon",
                              db=db)
                self.assertEqual(r.returncode, 2)
                self.assertIn("--probe-max-age needs an age", r.stderr)


if __name__ == "__main__":
    unittest_main()
