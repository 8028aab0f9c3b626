"""The docs cannot drift from the code: every option of `quiescent --help` and of each
`quiescent CMD --help` is in the man page's section for it and the other way round; every
environment variable the code reads is in the man page; the man page renders without warnings;
docs/rules.md is what `quiescent rules --format markdown` prints; the README names only files
and make targets that exist; the bash completion completes commands, options, values and the
VM names of the last scan."""
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from labctl import QUIESCENT_BIN, ROOT, Lab, quiescent, unittest_main  # noqa: E402

MAN = os.path.join(ROOT, "docs", "quiescent.1")
COMPLETION = os.path.join(ROOT, "dist", "quiescent.bash")
SCENARIO = os.path.join(os.path.dirname(__file__), "scenarios", "verdicts.json")


def run(*args):
    r = subprocess.run([QUIESCENT_BIN] + list(args), capture_output=True, text=True, timeout=30,
                       stdin=subprocess.DEVNULL)
    return r


def help_text(cmd=None):
    r = run(cmd, "--help") if cmd else run("--help")
    assert r.returncode == 0, (cmd, r.stderr)
    return r.stdout


def help_options(text):
    """Options defined by a --help text: every -x/--long in the option column of lines that
    start with spaces and a dash ("  -o, --output FILE     write", "  --since T, --until T  ...")."""
    opts = set()
    for line in text.splitlines():
        if not re.match(r"^ +-", line):
            continue
        col = re.split(r"\s{2,}", line.strip(), maxsplit=1)[0]
        for tok in re.split(r"[ ,]+", col):
            if re.fullmatch(r"--?[A-Za-z][A-Za-z0-9-]*", tok):
                opts.add(tok)
    return opts


def help_block(text, title):
    """The lines of a --help block ("Connection:") up to the next blank line."""
    out, on = [], False
    for line in text.splitlines():
        if line == title:
            on = True
        elif on and not line.strip():
            break
        elif on:
            out.append(line)
    return "\n".join(out)


def help_commands(text):
    return help_block(text, "Commands:").split() and [
        l.split()[0] for l in help_block(text, "Commands:").splitlines() if re.match(r"^  [a-z]", l)]


def man_sections():
    """{'CONNECTION OPTIONS': [lines], 'Console options': [...], 'quiescent scan': [...]}: .SH
    and .SS bodies of the roff source."""
    sections, name = {}, None
    with open(MAN) as f:
        for line in f:
            m = re.match(r'^\.S[HS] "?(.*?)"?\s*$', line)
            if m:
                name = m.group(1).replace("\\-", "-")
                sections[name] = []
            elif name:
                sections[name].append(line.rstrip("\n"))
    return sections


def man_options(lines):
    """Options a man section defines: the tags of its .TP paragraphs."""
    opts = set()
    for i, line in enumerate(lines):
        if line == ".TP" and i + 1 < len(lines):
            tag = re.sub(r"\\f[BIRP]", "", lines[i + 1]).replace("\\-", "-")
            for tok in re.findall(r"(?<![\w-])--?[A-Za-z][A-Za-z0-9-]*", tag):
                opts.add(tok)
    return opts


class ManPageTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.top = help_text()
        cls.sections = man_sections()
        cls.conn = help_options(help_block(cls.top, "Connection:"))

    def test_connection_options(self):
        self.assertTrue(self.conn, "quiescent --help has no Connection: block")
        self.assertEqual(self.conn, man_options(self.sections["CONNECTION OPTIONS"]))

    def test_console_options(self):
        console = help_options(self.top) - self.conn
        self.assertIn("--keymap", console)
        self.assertEqual(console, man_options(self.sections["Console options"]))

    def test_commands_are_documented(self):
        cmds = help_commands(self.top)
        self.assertIn("scan", cmds)
        documented = {n.split(" ", 1)[1] for n in self.sections if n.startswith("quiescent ")}
        documented.discard("--version")
        self.assertEqual(set(cmds), documented, "commands of --help vs man page .SS sections")
        for cmd in cmds:
            syn = "\n".join(self.sections["SYNOPSIS"])
            self.assertIn(".B %s\n" % cmd, syn + "\n", "%s is not in the SYNOPSIS" % cmd)

    def test_every_command_option(self):
        for cmd in help_commands(self.top):
            with self.subTest(cmd=cmd):
                text = help_text(cmd)
                opts = help_options(text)
                own = opts
                if help_block(text, "Connection:"):
                    self.assertEqual(help_options(help_block(text, "Connection:")), self.conn,
                                     "%s: its Connection: block differs from the console's" % cmd)
                    own = opts - self.conn
                    body = "\n".join(self.sections["quiescent " + cmd])
                    self.assertIn("connection options", body,
                                  "man: quiescent %s should say it takes the connection options" % cmd)
                self.assertIn("--help", own)
                self.assertEqual(own, man_options(self.sections["quiescent " + cmd]),
                                 "quiescent %s --help vs its man page section" % cmd)

    def test_version(self):
        r = run("--version")
        self.assertEqual(r.returncode, 0)
        self.assertRegex(r.stdout, r"^quiescent \d+\.\d+\.\d+\n$")
        with open(MAN) as f:
            th = next(l for l in f if l.startswith(".TH"))
        self.assertIn('"quiescent %s"' % r.stdout.split()[1], th, "man page .TH version")
        with open(os.path.join(ROOT, "dist", "debian", "changelog")) as f:
            self.assertIn("quiescent (%s)" % r.stdout.split()[1], f.readline())

    def test_environment(self):
        """Every variable the code reads (getenv, secret_from_env, first_env) and every one a
        --help names is in ENVIRONMENT."""
        env = "\n".join(self.sections["ENVIRONMENT"]).replace("\\-", "-")
        named = set()
        for d in ("core", "tui", "views"):
            for dirpath, _, files in os.walk(os.path.join(ROOT, d)):
                for fn in files:
                    if fn.endswith((".c", ".h")):
                        with open(os.path.join(dirpath, fn), errors="replace") as f:
                            src = f.read()
                        for m in re.finditer(r'(?:getenv|secret_from_env|first_env)\("([A-Z_]+)"'
                                             r'(?:,\s*"([A-Z_]+)")?', src):
                            named.update(g for g in m.groups() if g)
        texts = [self.top] + [help_text(c) for c in help_commands(self.top)]
        for t in texts:
            named.update(re.findall(r"\b((?:QUIESCENT|GOVC|XDG)_[A-Z_]+)\b", t))
        self.assertIn("QUIESCENT_PASSWORD", named)
        missing = sorted(v for v in named if not re.search(r"\b%s\b" % v, env))
        self.assertEqual(missing, [], "environment variables missing from the man page")

    def test_exit_status(self):
        body = "\n".join(self.sections["EXIT STATUS"])
        for code in "0123":
            self.assertIn(".B %s\n" % code, body + "\n")

    def test_renders_without_warnings(self):
        if not shutil.which("man"):
            self.skipTest("man is not installed (make deps installs man-db)")
        r = subprocess.run(["man", "--warnings", "-l", MAN], capture_output=True, text=True,
                           env=dict(os.environ, MANWIDTH="80", MAN_KEEP_FORMATTING="0"), timeout=60)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(r.stderr.strip(), "", "man --warnings")
        text = re.sub(r".\x08", "", r.stdout)  # overstrike bold/underline, when not a tty
        self.assertIn("CONNECTION OPTIONS", text)
        for line in text.splitlines():
            self.assertLessEqual(len(line), 80, "wider than MANWIDTH: %r" % line)


class GeneratedDocsTest(unittest.TestCase):
    def test_rules_md_is_generated_from_the_code(self):
        r = run("rules", "--format", "markdown")
        self.assertEqual(r.returncode, 0, r.stderr)
        with open(os.path.join(ROOT, "docs", "rules.md")) as f:
            committed = f.read()
        self.assertEqual(committed, r.stdout,
                         "docs/rules.md differs from the rules table in the code: run `make docs`")
        for n in range(1, 24):
            self.assertIn("## R%02d" % n, committed)

    def test_console_captures_are_well_formed(self):
        """The console screens in the docs are written by `make captures` between markers: each
        marker pair holds one fenced block and names a screen the script takes."""
        sys.path.insert(0, os.path.join(ROOT, "tests", "tools"))
        import captures
        where = captures.all_markers()
        for name in ("vm-list", "filter-not-ready", "vm-detail", "help", "readonly-ascii", "fix-plan", "fix-done",
                     "snaptest-done"):
            self.assertIn(name, where)
        self.assertEqual(set(where), set(captures.CAPTURES), "a screen of captures.py has no marker")
        fence, good = "```", "<!-- capture help -->\n```\nx\n```\n<!-- /capture -->\n"
        self.assertEqual([n for n, _, _ in captures.find_markers(good)], ["help"])
        for bad in ("<!-- capture help -->\n%s\nx\n%s\n" % (fence, fence),        # never closed
                    "<!-- /capture -->\n",                                          # stray closer
                    "<!-- capture help -->\nx\n<!-- /capture -->\n",              # no fenced block
                    "<!-- capture nosuch -->\n%s\n%s\n<!-- /capture -->\n" % (fence, fence),
                    "<!-- capture Help -->\n",                                      # malformed name
                    good + good):                                                    # twice
            with self.assertRaises(ValueError, msg=bad):
                captures.find_markers(bad)
        r = subprocess.run([sys.executable, os.path.join(ROOT, "tests", "tools", "captures.py"), "--check"],
                           capture_output=True, text=True, timeout=30)
        self.assertEqual(r.returncode, 0, r.stderr)

    def test_architecture_names_every_directory(self):
        with open(os.path.join(ROOT, "docs", "architecture.md")) as f:
            arch = f.read()
        for top in sorted(os.listdir(ROOT)):
            p = os.path.join(ROOT, top)
            if not os.path.isdir(p) or top.startswith((".", "build")):
                continue
            self.assertRegex(arch, r"\n%s/ " % re.escape(top), "docs/architecture.md: %s/" % top)
            for sub in sorted(os.listdir(p)):
                if os.path.isdir(os.path.join(p, sub)) and top in ("core", "tests", "dist", "docs"):
                    if top == "tests" and sub in ("fuzz", "hostile"):
                        self.assertIn("fuzz/, hostile/", arch)
                        continue
                    self.assertRegex(arch, r"\n  %s/ " % re.escape(sub), "architecture.md: %s/%s/" % (top, sub))

    def test_readme_names_only_what_exists(self):
        with open(os.path.join(ROOT, "README.md")) as f:
            readme = f.read()
        with open(os.path.join(ROOT, "Makefile")) as f:
            makefile = f.read()
        for target in re.findall(r"`make ([a-z0-9-]+)", readme):
            self.assertRegex(makefile, r"(?m)^%s:" % re.escape(target), "README: make %s" % target)
        for path in re.findall(r"`((?:docs|tests|core|tui|views|keymaps|dist)/[^` ]+)`", readme):
            self.assertTrue(os.path.exists(os.path.join(ROOT, path)), "README names %s" % path)
        for path in re.findall(r"\((docs/[^)]+)\)", readme):
            self.assertTrue(os.path.exists(os.path.join(ROOT, path)), "README links %s" % path)
        cmds = re.findall(r"`(?:build/)?quiescent ([a-z]+)", readme)
        cmds += re.findall(r"(?m)^ {4}(?:build/)?quiescent ([a-z]+)", readme)
        for cmd in cmds:
            self.assertIn(cmd, help_commands(help_text()), "README: quiescent %s" % cmd)


class CompletionTest(unittest.TestCase):
    """bash's own `complete -p`, then the completion function with COMP_WORDS set as bash sets
    them when Tab is pressed."""

    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory(prefix="quiescent-comp-")
        cls.db = os.path.join(cls.tmp.name, "history.db")

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def complete(self, *words, env_extra=None):
        script = 'source %s\ncomplete -p quiescent\nCOMP_WORDS=(%s)\nCOMP_CWORD=%d\n' \
                 'COMP_LINE="${COMP_WORDS[*]}"\nCOMP_POINT=${#COMP_LINE}\n_quiescent\n' \
                 'printf "%%s\\n" "${COMPREPLY[@]}"\n' % (
                     COMPLETION, " ".join("'%s'" % w for w in (QUIESCENT_BIN,) + words), len(words))
        env = {k: v for k, v in os.environ.items() if not k.startswith(("QUIESCENT_", "GOVC_"))}
        env["QUIESCENT_DB"] = self.db
        env.update(env_extra or {})
        r = subprocess.run(["bash", "--norc", "--noprofile", "-c", script], capture_output=True,
                           text=True, env=env, timeout=60, cwd=self.tmp.name)
        self.assertEqual(r.returncode, 0, r.stderr)
        lines = r.stdout.splitlines()
        self.assertEqual(lines[0], "complete -F _quiescent quiescent")
        return [l for l in lines[1:] if l]

    def test_subcommands(self):
        self.assertEqual(self.complete(""), help_commands(help_text()))
        self.assertEqual(self.complete("sn"), ["snaptest"])

    def test_options_per_command(self):
        for cmd in help_commands(help_text()):
            with self.subTest(cmd=cmd):
                got = set(self.complete(cmd, "-"))
                self.assertEqual(got, help_options(help_text(cmd)))
        self.assertEqual(set(self.complete("--k")), {"--keymap", "--known-hosts"})

    def test_option_values(self):
        self.assertEqual(self.complete("scan", "--format", ""),
                         ["table", "json", "csv", "csv-findings"])
        self.assertEqual(self.complete("scan", "--format=j"), ["--format=json"])
        self.assertEqual(self.complete("rules", "--format", ""), ["text", "markdown", "json"])
        self.assertEqual(self.complete("snaptest", "--context", ""), ["auto", "backup", "file_share_backup"])
        self.assertEqual(self.complete("snaptest", "--backup-type", ""),
                         ["copy", "full", "incremental", "differential", "log"])
        self.assertEqual(self.complete("--colors", ""), ["auto", "256", "8", "none"])
        self.assertEqual(self.complete("fix", "--tools-method", ""), ["upgrade", "guest", "by-hand"])
        self.assertIn("vi", self.complete("--keymap", ""))
        self.assertEqual(self.complete("fix", "--rule", "R2"), ["R20", "R21", "R22", "R23", "R24", "R25", "R26"])
        ids = [r["id"] for r in json.loads(run("rules", "--format", "json").stdout)["rules"]]
        self.assertEqual(self.complete("fix", "--rule", "R2"), [i for i in ids if i.startswith("R2")])
        self.assertIn("R26", ids)
        self.assertEqual(self.complete("scan", "--server", "x", "--user", "u", "--fo"), ["--format"])

    def test_vm_names_from_the_last_scan(self):
        self.assertEqual(self.complete("snaptest", ""), [], "no history: nothing, and no error")
        self.assertFalse(os.path.exists(self.db), "completion must not create a history")
        with Lab(SCENARIO, speed=100) as lab:
            r = quiescent(lab, "scan", "--server", lab.url, "--thumbprint", lab.thumbprint,
                          "--no-probe", "--vm", "no*", "--vm", "ready-2019", db=self.db)
            self.assertEqual(r.returncode, 1, r.stderr)   # findings: not ready, never 2 or 3
            first = self.complete("snaptest", "")
            self.assertEqual(first, ["no-uuid-2016", "nologin-2019", "notools-2019", "novss-2019",
                                     "ready-2019"])
            r = quiescent(lab, "scan", "--server", lab.url, "--thumbprint", lab.thumbprint,
                          "--no-probe", "--vm", "ide-*", "--vm", "sata-*", db=self.db)
            self.assertEqual(r.returncode, 1, r.stderr)   # findings: not ready, never 2 or 3
        # the last scan only
        self.assertEqual(self.complete("snaptest", ""), ["ide-2019", "sata-2019"])
        self.assertEqual(self.complete("fix", "--vm", "s"), ["sata-2019"])
        self.assertEqual(self.complete("scan", "--vm", ""), ["ide-2019", "sata-2019"])
        other = os.path.join(self.tmp.name, "none.db")
        self.assertEqual(self.complete("--db", other, "snaptest", ""), [])


if __name__ == "__main__":
    unittest_main()
