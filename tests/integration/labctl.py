"""Starts and stops the lab for integration tests: the real build/quiescent-lab over HTTPS.

    with Lab(scenario_dict_or_path, speed=50) as lab:
        lab.url, lab.thumbprint, lab.user, lab.password
"""
import json
import os
import signal
import subprocess
import tempfile

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
BUILD = os.path.join(ROOT, os.environ.get("QUIESCENT_BUILD", "build"))
LAB_BIN = os.environ.get("QUIESCENT_LAB") or os.path.join(BUILD, "quiescent-lab")
QUIESCENT_BIN = os.path.join(BUILD, "quiescent")


class Lab:
    def __init__(self, scenario, speed=100.0, scale=None, extra_args=()):
        self.tmp = tempfile.TemporaryDirectory(prefix="quiescent-lab-")
        if isinstance(scenario, dict):
            path = os.path.join(self.tmp.name, "scenario.json")
            with open(path, "w") as f:
                json.dump(scenario, f)
            self.scenario = scenario
        else:
            path = scenario
            with open(path) as f:
                self.scenario = json.load(f)
        vc = self.scenario.get("vcenter", {})
        self.user = vc.get("user", "administrator@vsphere.local")
        self.password = vc.get("password", "")
        args = [LAB_BIN, "--scenario", path, "--listen", "127.0.0.1:0", "--speed", str(speed)]
        if scale:
            args += ["--scale", str(scale)]
        args += list(extra_args)
        self.log = open(os.path.join(self.tmp.name, "lab.log"), "w+")
        self.proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=self.log, text=True)
        self.url = self.thumbprint = None
        for line in self.proc.stdout:
            key, _, value = line.strip().partition(" ")
            if key == "URL":
                self.url = value
            elif key == "THUMBPRINT":
                self.thumbprint = value
            elif key == "READY":
                break
        if not self.url or not self.thumbprint:
            self.stop()
            raise RuntimeError("the lab did not start: " + self.log_text())

    def log_text(self):
        self.log.flush()
        self.log.seek(0)
        return self.log.read()

    @property
    def host(self):
        return self.url.split("//", 1)[1].split("/", 1)[0]

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        code = self.proc.returncode
        self.log.close()
        self.tmp.cleanup()
        return code

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()


def quiescent(lab, *args, password=None, guest_login=None, db=None, env_extra=None, timeout=300):
    """Runs build/quiescent against the lab, secrets in the environment only."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("GOVC_", "QUIESCENT_"))}
    env["QUIESCENT_PASSWORD"] = lab.password if password is None else password
    env["QUIESCENT_USER"] = lab.user
    if guest_login:
        env["GOVC_GUEST_LOGIN"] = guest_login
    if db:
        env["QUIESCENT_DB"] = db
    if env_extra:
        env.update(env_extra)
    cmd = [QUIESCENT_BIN] + list(args)
    return subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=timeout,
                          stdin=subprocess.DEVNULL)


def logged_requests(path, method=None, vm=None):
    """The lab's --request-log entries so far, those of method and vm when given."""
    with open(path) as f:
        entries = [json.loads(line) for line in f]
    return [e for e in entries if (not method or e["method"] == method) and
            (not vm or e.get("vm") == vm)]


def unittest_main():
    """unittest runner that ends with the plain 'N passed, N failed' line."""
    import sys
    import unittest
    prog = unittest.main(exit=False, verbosity=2)
    r = prog.result
    bad = len(r.failures) + len(r.errors) + len(getattr(r, "unexpectedSuccesses", []))
    ok = max(0, r.testsRun - bad - len(r.skipped))
    print("%d passed, %d failed" % (ok, bad))
    sys.exit(1 if bad or r.testsRun == 0 else 0)
