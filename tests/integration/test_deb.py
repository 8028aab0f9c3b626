"""Shipping: `make install` / `make uninstall` with PREFIX and DESTDIR, and the Debian package
(`make deb`): lintian clean, dependencies that cover every shared library the binary needs,
installed with dpkg into a fresh directory tree, where the installed quiescent runs outside the
source tree: --version, --help, a scan against the lab, and the console with `--keymap vi`."""
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "e2e"))
from labctl import BUILD, ROOT, Lab, unittest_main  # noqa: E402

SCENARIO = os.path.join(os.path.dirname(__file__), "scenarios", "verdicts.json")
DEB_BUILD = os.environ.get("QUIESCENT_DEB_BUILD", os.path.basename(BUILD) + "-deb")


def sh(*cmd, cwd=ROOT, env=None, timeout=600, check=True):
    r = subprocess.run(list(cmd), cwd=cwd, capture_output=True, text=True, env=env, timeout=timeout,
                       stdin=subprocess.DEVNULL)
    if check and r.returncode != 0:
        raise AssertionError("%s: exit %d\n%s\n%s" % (" ".join(cmd), r.returncode, r.stdout[-3000:], r.stderr[-3000:]))
    return r


def clean_env(**extra):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GOVC_", "QUIESCENT_"))}
    env.update(extra)
    return env


class InstallTest(unittest.TestCase):
    """make install into DESTDIR with another PREFIX, run from elsewhere, make uninstall."""

    def test_install_run_uninstall(self):
        with tempfile.TemporaryDirectory(prefix="quiescent-install-") as dest:
            prefix = "/opt/quiescent"
            args = ["make", "--no-print-directory", "BUILD=" + os.path.relpath(BUILD, ROOT),
                    "PREFIX=" + prefix, "DESTDIR=" + dest]
            sh(*args, "install")
            root = dest + prefix
            expect = ["bin/quiescent", "share/quiescent/keymaps/default.keys",
                      "share/quiescent/keymaps/vi.keys", "share/man/man1/quiescent.1",
                      "share/bash-completion/completions/quiescent", "share/doc/quiescent/user-guide.md",
                      "share/doc/quiescent/rules.md", "share/doc/quiescent/architecture.md",
                      "share/doc/quiescent/README.md"]
            for rel in expect:
                self.assertTrue(os.path.isfile(os.path.join(root, rel)), rel)
            self.assertTrue(os.access(os.path.join(root, "bin/quiescent"), os.X_OK))
            q = os.path.join(root, "bin", "quiescent")
            r = sh(q, "--version", cwd="/", env=clean_env())
            self.assertRegex(r.stdout, r"^quiescent \d+\.\d+\.\d+$")
            r = sh(q, "--help", cwd="/", env=clean_env())
            self.assertIn("--keymap NAME|PATH", r.stdout)
            self.assertIn("Commands:", r.stdout)
            r = sh(q, "rules", "R07", cwd="/", env=clean_env())
            self.assertIn("disk.EnableUUID", r.stdout)
            sh(*args, "uninstall")
            left = [os.path.join(d, f) for d, _, files in os.walk(dest) for f in files]
            self.assertEqual(left, [], "make uninstall left files behind")


class DebTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        r = sh("make", "--no-print-directory", "deb", "DEB_BUILD=" + DEB_BUILD, timeout=900)
        cls.mkdeb_out = r.stdout + r.stderr
        debs = [f for f in os.listdir(os.path.join(ROOT, DEB_BUILD)) if f.endswith(".deb")]
        assert len(debs) == 1, debs
        cls.deb = os.path.join(ROOT, DEB_BUILD, debs[0])
        cls.tmp = tempfile.TemporaryDirectory(prefix="quiescent-deb-")
        cls.root = os.path.join(cls.tmp.name, "root")
        # A fresh dpkg database in a directory tree: dpkg --root installs there as it would on /.
        for d in ("var/lib/dpkg/info", "var/lib/dpkg/updates", "var/lib/dpkg/triggers"):
            os.makedirs(os.path.join(cls.root, d))
        open(os.path.join(cls.root, "var/lib/dpkg/status"), "w").close()
        cls.install = sh("dpkg", "--root=" + cls.root, "--force-depends", "--force-not-root",
                         "--log=/dev/null", "-i", cls.deb)
        cls.bin = os.path.join(cls.root, "usr", "bin", "quiescent")

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def test_lintian_clean(self):
        if not shutil.which("lintian"):
            self.skipTest("lintian is not installed (make deps installs it)")
        r = sh("lintian", "--fail-on", "error,warning", "--info", "--display-info", "--pedantic",
               self.deb, check=False)
        out = "\n".join(l for l in (r.stdout + r.stderr).splitlines() if "root privileges" not in l)
        print("lintian:", out.strip() or "(nothing)")
        self.assertEqual(r.returncode, 0, out)
        self.assertNotRegex(out, r"(?m)^[EW]: ", out)

    def test_control(self):
        f = lambda field: sh("dpkg-deb", "-f", self.deb, field).stdout.strip()
        self.assertEqual(f("Package"), "quiescent")
        version = sh(os.path.join(BUILD, "quiescent"), "--version").stdout.split()[1]
        self.assertEqual(f("Version"), version)
        self.assertEqual(f("Architecture"), sh("dpkg", "--print-architecture").stdout.strip())
        self.assertRegex(f("Installed-Size"), r"^\d+$")
        depends = f("Depends")
        # Every shared library the binary needs is provided by a package the control file names.
        needed = re.findall(r"NEEDED\s+(\S+)", sh("objdump", "-p", self.bin).stdout)
        self.assertIn("libsqlite3.so.0", needed)
        deps = {d.strip().split(" ")[0] for d in depends.split(",")}
        resolved = dict(re.findall(r"^\s*(\S+) => (\S+) \(", sh("ldd", self.bin).stdout, re.M))
        for lib in needed:
            path = resolved.get(lib)
            self.assertTrue(path, "ldd does not resolve %s" % lib)
            owner = sh("dpkg", "-S", os.path.realpath(path), check=False).stdout.split(":")[0]
            if not owner:
                owner = sh("dpkg", "-S", path).stdout.split(":")[0]
            self.assertIn(owner, deps, "%s (%s) is not in Depends: %s" % (lib, owner, depends))
        # and each of them is installed here, so the installed binary runs
        for d in deps:
            st = sh("dpkg-query", "-W", "-f=${Status}", d, check=False).stdout
            self.assertIn("install ok installed", st, d)

    def test_installed_files(self):
        files = set(sh("dpkg", "--root=" + self.root, "-L", "quiescent").stdout.split())
        for path in ("/usr/bin/quiescent", "/usr/share/man/man1/quiescent.1.gz",
                     "/usr/share/bash-completion/completions/quiescent",
                     "/usr/share/quiescent/keymaps/vi.keys", "/usr/share/doc/quiescent/copyright",
                     "/usr/share/doc/quiescent/changelog.gz", "/usr/share/doc/quiescent/user-guide.md"):
            self.assertIn(path, files)
            self.assertTrue(os.path.exists(self.root + path), path)
        # the keymap directory compiled in is the package's
        self.assertIn(b"/usr/share/quiescent/keymaps", open(self.bin, "rb").read())
        if shutil.which("man"):
            r = sh("man", "--warnings", "-l", self.root + "/usr/share/man/man1/quiescent.1.gz",
                   env=dict(os.environ, MANWIDTH="80"))
            self.assertEqual(r.stderr.strip(), "")

    def test_version_and_help_outside_the_tree(self):
        r = sh(self.bin, "--version", cwd="/", env=clean_env())
        self.assertRegex(r.stdout, r"^quiescent \d+\.\d+\.\d+\n$")
        r = sh(self.bin, "--help", cwd="/", env=clean_env())
        self.assertIn("scan", r.stdout)

    def test_scan_against_the_lab(self):
        with Lab(SCENARIO, speed=100) as lab, tempfile.TemporaryDirectory() as t:
            env = clean_env(QUIESCENT_PASSWORD=lab.password, QUIESCENT_USER=lab.user,
                            QUIESCENT_DB=os.path.join(t, "history.db"), HOME=t,
                            GOVC_GUEST_LOGIN="Administrator:Int-Guest-Secret-4412")
            r = sh(self.bin, "scan", "--server", lab.url, "--thumbprint", lab.thumbprint,
                   "--format", "json", cwd=t, env=env, check=False, timeout=300)
            self.assertEqual(r.returncode, 1, r.stderr)  # the scenario has VMs that are not ready
            doc = json.loads(r.stdout)
            self.assertEqual(len(doc["vms"]), len(lab.scenario["vms"]))
            by = {v["name"]: v for v in doc["vms"]}
            self.assertEqual(by["no-uuid-2016"]["status"], "fixable")
            self.assertEqual(by["ready-2019"]["status"], "ready")

    def test_console_keymap_vi(self):
        if not shutil.which("tmux"):
            self.skipTest("tmux is not installed")
        import console_tmux
        console_tmux.BIN = self.bin
        with Lab(SCENARIO, speed=100) as lab:
            c = console_tmux.Console(lab, args=("--keymap", "vi", "--no-probe"))
            try:
                c.wait("keys:vi", timeout=30)
                c.wait("ready-2019", timeout=30)
                self.assertNotIn("cannot", c.screen())
            finally:
                c.close()
                console_tmux.kill_server()


if __name__ == "__main__":
    unittest_main()
