"""The layering of docs/architecture.md ("Layers") holds, checked from the #include lines by
tests/tools/layers.sh (make lint-layers, the first step of make lint): the tree is clean, and
each rule catches a file that breaks it in a scratch tree while the allowed exceptions (the
composition root, main.c, util's pure helpers under rules and model) pass. No lab, no binary."""
import os
import shutil
import subprocess
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from labctl import ROOT, unittest_main  # noqa: E402

SCRIPT = os.path.join(ROOT, "tests", "tools", "layers.sh")


def run_layers(root):
    return subprocess.run(["sh", os.path.join(root, "tests", "tools", "layers.sh")],
                          capture_output=True, text=True, timeout=60)


class LayersTest(unittest.TestCase):
    def test_tree_is_clean(self):
        r = run_layers(ROOT)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertIn("layers: clean", r.stdout)

    def scratch(self, files):
        """A tree with the checker and these files (path -> text)."""
        root = tempfile.mkdtemp(prefix="layers-")
        self.addCleanup(shutil.rmtree, root)
        os.makedirs(os.path.join(root, "tests", "tools"))
        shutil.copy(SCRIPT, os.path.join(root, "tests", "tools", "layers.sh"))
        base = {"main.c": '#include "cli/cli.h"\n#include "tui/console.h"\n',
                "core/util/ok.c": '#include "util/xalloc.h"\n#include <stdio.h>\n'}
        base.update(files)
        for path, text in base.items():
            full = os.path.join(root, path)
            os.makedirs(os.path.dirname(full), exist_ok=True)
            with open(full, "w") as f:
                f.write(text)
        return run_layers(root)

    def test_each_rule_catches_its_violation(self):
        cases = [
            ("core/scan/bad.c", '#include <ncursesw/curses.h>\n', "core never draws"),
            ("core/store/bad.c", '#include <readline/readline.h>\n', "core never draws"),
            ("core/fix/bad.c", '#include "tui/ui.h"\n', "core never includes the console"),
            ("core/probe/bad.c", '#include "views/view.h"\n', "core never includes the console"),
            ("tui/bad.c", '#include "cli/conn.h"\n', "only core/cli includes core/cli"),
            ("views/bad.c", '#include "cli/history_out.h"\n', "only core/cli includes core/cli"),
            ("core/scan/bad2.c", '#include "cli/cli.h"\n', "only core/cli includes core/cli"),
            ("tui/frame2.c", '#include "views/view.h"\n', "outside the composition root"),
            ("core/rules/bad.c", '#include "store/store.h"\n', "core/rules depends only on core/model"),
            ("core/rules/bad2.c", '#include "util/json.h"\n', "core/rules depends only on core/model"),
            ("core/model/bad.c", '#include "vsphere/http.h"\n', "core/model depends only on core/util"),
            ("core/model/bad2.c", '#include "util/secret.h"\n', "core/model is pure"),
            ("core/util/bad.c", '#include "model/model.h"\n', "core/util is the bottom layer"),
        ]
        for path, text, why in cases:
            with self.subTest(path=path):
                r = self.scratch({path: text})
                self.assertEqual(r.returncode, 1, r.stdout)
                self.assertIn("%s:1: " % path, r.stdout)
                self.assertIn(why, r.stdout)
                self.assertIn("1 violation(s)", r.stdout)

    def test_allowed_includes_pass(self):
        r = self.scratch({
            "tui/console.c": '#include "views/view.h"\n#include "frontend/conn.h"\n',
            "tui/ui.h": '#include "views/registry.h"\n',
            "views/plan.c": '#include "tui/ui.h"\n#include "frontend/conn.h"\n#include "fix/fix_plan.h"\n',
            "core/rules/rules.c": '#include "model/model.h"\n#include "util/strbuf.h"\n'
                                  '#include "util/timefmt.h"\n#include "rules.h"\n',
            "core/model/model.c": '#include "util/xalloc.h"\n',
            "core/cli/cmd_x.c": '#include "cli/cmd_common.h"\n#include "frontend/args.h"\n',
            "core/frontend/conn.c": '#include "vsphere/session.h"\n',
        })
        self.assertEqual(r.returncode, 0, r.stdout)
        self.assertIn("layers: clean", r.stdout)

    def test_architecture_states_the_rules(self):
        with open(os.path.join(ROOT, "docs", "architecture.md")) as f:
            arch = f.read()
        for phrase in ("make lint-layers", "`core/` never includes `tui/` or `views/`",
                       "`core/cli` and the console never include each other",
                       "`core/rules` depends only on `core/model`", "composition root"):
            self.assertIn(phrase, arch)
        with open(os.path.join(ROOT, "Makefile")) as f:
            self.assertRegex(f.read(), r"\nlint: lint-layers\n")


if __name__ == "__main__":
    unittest_main()
