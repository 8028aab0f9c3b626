"""The console and a wrong guest password (issue 14), end to end in tmux against a 50-guest lab:
the start-up scan costs one failed guest login (the lab's log counts them), the message line says
which VM refused it and offers :guest-login; :guest-login asks on a hidden line (nothing typed
shows), and with the right password the rescan probes every guest without another refusal."""
import os
import sys
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "integration"))
sys.path.insert(0, HERE)
from labctl import Lab, unittest_main  # noqa: E402
from console_tmux import Console, kill_server  # noqa: E402

RIGHT = "Qz-Guest-Right-4417"
WRONG = "Qz-Guest-Wrong-9921"
FLEET = {
    "vcenter": {"user": "administrator@vsphere.local", "password": "Qz-VC-Pass-5531"},
    "vms": [{"name": "fleet", "guest_id": "windows2019srv_64Guest", "guest_build": 17763,
             "extra_config": {"disk.EnableUUID": "TRUE"},
             "disks": [{"controller": "pvscsi", "bus": 0, "unit": 0, "gb": 60}],
             "guest": {"user": "Administrator", "password": RIGHT}, "count": 50}],
}


class ConsoleGuestLoginTest(unittest.TestCase):
    def setUp(self):
        self.lab = Lab(FLEET, speed=20)

    def tearDown(self):
        kill_server()
        self.lab.stop()

    def refused(self):
        return self.lab.log_text().count("guest login refused:")

    def test_wrong_then_right(self):
        c = Console(self.lab, width=140, height=30, guest_login="Administrator:" + WRONG)
        try:
            c.wait("refused by VM fleet-", timeout=60)
            self.assertEqual(self.refused(), 1)
            screen = c.screen()
            self.assertIn(":guest-login", screen)
            c.keys(":")
            c.type("guest-login")
            c.keys("Enter")
            c.wait("Guest password for Administrator")
            c.type(RIGHT)
            time.sleep(0.3)
            self.assertNotIn(RIGHT, c.screen())
            self.assertNotIn("*" * len(RIGHT), c.screen())
            c.keys("Enter")
            c.wait("50 ready", timeout=60)
            self.assertEqual(self.refused(), 1, "the right password was refused somewhere")
            for s in (c.screen(),):
                self.assertNotIn(RIGHT, s)
                self.assertNotIn(WRONG, s)
        finally:
            c.close()


if __name__ == "__main__":
    unittest_main()
