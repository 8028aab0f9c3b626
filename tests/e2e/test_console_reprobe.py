"""The console's background re-probe by facts age (--reprobe-age), end to end: once the guest
facts are older than the age, a scan starts by itself and probes the guests again (the lab's
request log shows the new guest operations). The real binary against the lab in tmux; bounded waits only."""
import json
import os
import sys
import tempfile
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "integration"))
sys.path.insert(0, HERE)
from labctl import Lab, unittest_main  # noqa: E402
from console_tmux import Console, kill_server  # noqa: E402

GUEST = {"user": "Administrator", "password": "Qz-Guest-Pass-7340"}
N = 2
SCENARIO = {
    "vcenter": {"user": "administrator@vsphere.local", "password": "Qz-Lab-Pass-3391", "version": "7.0.3"},
    "vms": [{"name": "guest", "count": N, "guest_id": "windows2019srv_64Guest", "guest_build": 17763,
             "extra_config": {"disk.EnableUUID": "TRUE"}, "guest": GUEST}],
}


class ReprobeTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory(prefix="quiescent-e2e-reprobe-")
        cls.log = os.path.join(cls.tmp.name, "requests.jsonl")
        cls.lab = Lab(SCENARIO, speed=100, extra_args=("--request-log", cls.log))

    @classmethod
    def tearDownClass(cls):
        kill_server()
        cls.lab.stop()
        cls.tmp.cleanup()

    def guest_programs(self):
        n = 0
        if os.path.exists(self.log):
            with open(self.log) as f:
                for line in f:
                    try:
                        n += json.loads(line).get("method") == "StartProgramInGuest"
                    except ValueError:
                        pass
        return n

    def console(self, age):
        c = Console(self.lab, 120, 30, args=("--reprobe-age", age),
                    guest_login="%s:%s" % (GUEST["user"], GUEST["password"]))
        self.addCleanup(c.close)
        c.wait("scan done: %d VMs" % N, timeout=60)
        return c

    def test_old_facts_are_probed_again(self):
        c = self.console("2")
        first = self.guest_programs()
        self.assertGreater(first, 0)
        c.wait("probing again in the background: %d VMs with guest facts older than" % N, timeout=30)
        c.wait("scan done: %d VMs" % N, timeout=60)
        deadline = time.time() + 30
        while self.guest_programs() <= first and time.time() < deadline:
            time.sleep(0.1)
        self.assertGreater(self.guest_programs(), first)


if __name__ == "__main__":
    unittest_main()
