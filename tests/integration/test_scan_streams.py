"""quiescent scan reading the VMs in slices at once (--read-streams): the same facts as one
retrieval, over 1,200 lab VMs (five pages); a slice that fails fails the scan with that slice's
own sentence, never a partial inventory, and the next scan reads everything."""
import json
import os
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from labctl import Lab, quiescent, unittest_main  # noqa: E402

FLEET = os.path.join(os.path.dirname(__file__), "..", "bench", "scenarios", "fleet100.json")
SCALE = 12   # 1,200 VMs: five pages of 250, so three slices of two pages each


def scenario(faults=()):
    with open(FLEET) as f:
        sc = json.load(f)
    sc["faults"] = list(faults)
    return sc


class ScanStreamsTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory(prefix="quiescent-scan-streams-")
        self.addCleanup(self.tmp.cleanup)

    def scan(self, lab, streams, db):
        return quiescent(lab, "scan", "--server", lab.url, "--thumbprint", lab.thumbprint,
                         "--no-probe", "--format", "json", "--read-streams", str(streams),
                         db=os.path.join(self.tmp.name, db))

    @staticmethod
    def vms(r):
        return sorted(json.loads(r.stdout)["vms"], key=lambda v: v["moref"])

    def test_slices_read_what_one_retrieval_reads(self):
        with Lab(scenario(), speed=1000, scale=SCALE) as lab:
            one = self.scan(lab, 1, "one.db")
            three = self.scan(lab, 3, "three.db")
        self.assertIn(one.returncode, (0, 1), one.stderr)
        self.assertEqual(three.returncode, one.returncode, three.stderr)
        a, b = self.vms(one), self.vms(three)
        self.assertEqual(len(a), 100 * SCALE)
        self.assertEqual(len({v["moref"] for v in b}), 100 * SCALE)   # none twice, none lost
        for x, y in zip(a, b):
            self.assertEqual(x, y)
        # the location comes from the first retrieval, before any slice
        self.assertTrue(all(v["folder"] and v["datacenter"] and v["host"] for v in b))

    def test_a_failed_slice_fails_the_scan_with_its_own_sentence(self):
        fault = {"method": "ContinueRetrievePropertiesEx", "after": 1, "kind": "http_500",
                 "fault": "SystemError", "message": "vpxd ran out of memory reading a page."}
        with Lab(scenario([fault]), speed=1000, scale=SCALE) as lab:
            r = self.scan(lab, 3, "fail.db")
            again = self.scan(lab, 3, "fail.db")
        self.assertEqual(r.returncode, 3, r.stderr)
        self.assertIn("vpxd ran out of memory reading a page", r.stderr)
        self.assertNotIn("Another part of the inventory", r.stderr)
        self.assertEqual(r.stderr.count("\n"), 1, r.stderr)   # one sentence
        self.assertEqual(r.stdout, "")                         # no partial inventory
        self.assertIn(again.returncode, (0, 1), again.stderr)
        self.assertEqual(len(self.vms(again)), 100 * SCALE)


if __name__ == "__main__":
    unittest_main()
