#!/usr/bin/python3
"""make captures: the console screens shown in the docs, taken from the real console.

Starts the lab with a scenario (the demo one for the fleet screens, the console actions one for
the fix and test screens, the snaptest one for user-guide.md's `quiescent scan`), drives the
console (or the command) in tmux (tests/e2e/console_tmux.py) and writes each captured screen into
the docs between its markers:

    <!-- capture NAME -->
    ```
    ...the screen, rewritten by this script...
    ```
    <!-- /capture -->

Only the lab's ephemeral port is made constant (127.0.0.1:37451), so a re-run changes the docs
only where the console's output changed (and in ages such as "3s ago"). Usage:
captures.py [--check] [NAME...]; --check lists the markers and fails on a malformed one
without starting anything (test_docs.py runs the same check)."""
import os
import re
import sys

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
DOCS = [os.path.join(ROOT, "docs", "console.md"), os.path.join(ROOT, "docs", "user-guide.md")]
DEMO = os.path.join(ROOT, "tests", "lab", "scenarios", "demo.json")
ACTIONS = os.path.join(ROOT, "tests", "e2e", "scenarios", "actions.json")
SNAPTEST = os.path.join(ROOT, "tests", "integration", "scenarios", "snaptest.json")
PORT = "37451"

OPEN = re.compile(r"^<!-- capture ([a-z0-9-]+) -->$")
CLOSE = "<!-- /capture -->"


# ---- the screens ----
# Each is taken on a lab of its own (a fix must not see another capture's fixed VMs). A step is
# ("keys", k...), ("type", text), ("wait", text) or ("gone", text); the screen is taken after
# the last step. speed: the lab's (1 = real time, for the screens of a running job).

def cap(scenario, width, height, steps, args=(), env=None, speed=100, command=None, prompt=None):
    """command: a headless sub-command run in the pane instead of the console; its output up to
    its exit is the capture, under prompt (the command line as the docs show it)."""
    return {"scenario": scenario, "width": width, "height": height, "steps": steps, "args": args,
            "env": env or {}, "speed": speed, "command": command, "prompt": prompt}


def _list_ready():
    # the title shows a running job (" scan: 56 VMs") until the scan has written the history
    return [("wait", "scan done: "), ("gone", " scan: ")]


def _cmd(line):
    return [("keys", ":"), ("type", line), ("keys", "Enter")]


_GUEST_USER = ("--guest-user", "Administrator")
_MARK_TWO = [("wait", "scan done: 7 VMs")] + _cmd("mark no-uuid-2016 uuid-false-2019") + [("wait", "marked 2")]
_PLAN = _MARK_TWO + [("keys", "f"), ("wait", "[Fix plan]")]
_RUN_PLAN = _PLAN + [("keys", "a"), ("wait", "Run this plan?"), ("keys", "y"), ("wait", "fix started")]
_TEST = [("wait", "scan done: 7 VMs")] + _cmd("snaptest app-2019") + [("wait", "Quiesced test snapshot of app-2019")]
_RUN_TEST = _TEST + [("keys", "Enter"), ("wait", "testing app-2019")]

CAPTURES = {
    # where the VMs live comes after their rows: wait for its column
    "vm-list": cap(DEMO, 100, 30, _list_ready() + [("wait", "CLUSTER")]),
    "filter-not-ready": cap(DEMO, 100, 30, _list_ready() + [("wait", "CLUSTER")] + _cmd("mark exch-mbx-03 fs-03") + [
        ("wait", "marked 2"), ("keys", "/"), ("type", "!ready"), ("keys", "Enter"), ("wait", "/!ready"),
        ("wait", "CLUSTER")]),
    "vm-detail": cap(DEMO, 100, 29, _list_ready() + _cmd("open app-crm-01") + [("wait", "[VM detail]")]),
    "help": cap(DEMO, 100, 29, _list_ready() + [("keys", "?"), ("wait", "[Help]")]),
    "tasks": cap(DEMO, 100, 30, _list_ready() + [("keys", "2"), ("wait", "[Tasks]")]),
    "readonly-ascii": cap(DEMO, 80, 24, _list_ready(), args=("--readonly",), env={"LANG": "C", "LC_ALL": "C"}),
    "fix-plan": cap(ACTIONS, 100, 30, _PLAN, args=_GUEST_USER),
    "fix-confirm": cap(ACTIONS, 100, 29, _PLAN + [("keys", "a"), ("wait", "Run this plan?")], args=_GUEST_USER),
    "fix-running": cap(ACTIONS, 100, 30, _RUN_PLAN + [("wait", "[>] 1.")], args=_GUEST_USER, speed=1),
    "fix-done": cap(ACTIONS, 100, 30, _RUN_PLAN + [("wait", "the VMs were scanned again")], args=_GUEST_USER),
    "snaptest-options": cap(ACTIONS, 100, 29, _TEST, args=_GUEST_USER),
    "snaptest-running": cap(ACTIONS, 100, 30, _RUN_TEST + [("wait", "event: ")], args=_GUEST_USER, speed=1),
    "snaptest-done": cap(ACTIONS, 100, 30, _RUN_TEST + [("wait", "snapshot removed: yes")], args=_GUEST_USER),
    "tasks-after-test": cap(ACTIONS, 100, 23, _RUN_TEST + [("wait", "snapshot removed: yes"), ("keys", "2"),
                                                            ("wait", "Create snapshot app-2019 by")],
                            args=_GUEST_USER),
    "scan-80": cap(SNAPTEST, 80, 24, [("wait", "EXITED ")], args=_GUEST_USER, command="scan",
                   prompt="$ quiescent scan          # on an 80-column terminal (piped: whole findings, LAST TEST column)"),
}


# ---- the markers ----

def find_markers(text, path="doc"):
    """[(name, first line index of the block, index of the closing marker)]; ValueError says
    what is malformed: an opener without its closer, a nested or stray closer, a block that is
    not one fenced block, a name opened twice, a name this script does not know."""
    lines = text.split("\n")
    found, seen, i = [], set(), 0
    while i < len(lines):
        ln = lines[i]
        if ln == CLOSE:
            raise ValueError("%s:%d: %s without its <!-- capture NAME -->" % (path, i + 1, CLOSE))
        m = OPEN.match(ln)
        if not m and ln.startswith("<!-- capture"):
            raise ValueError("%s:%d: malformed marker %r (<!-- capture NAME -->, NAME in a-z0-9-)" % (path, i + 1, ln))
        if not m:
            i += 1
            continue
        name = m.group(1)
        if name in seen:
            raise ValueError("%s:%d: capture %s opened twice" % (path, i + 1, name))
        if name not in CAPTURES:
            raise ValueError("%s:%d: capture %s is not one tests/tools/captures.py takes" % (path, i + 1, name))
        seen.add(name)
        j = i + 1
        while j < len(lines) and lines[j] != CLOSE:
            if OPEN.match(lines[j]):
                raise ValueError("%s:%d: capture %s opened inside %s" % (path, j + 1, lines[j], name))
            j += 1
        if j == len(lines):
            raise ValueError("%s:%d: capture %s is never closed (%s)" % (path, i + 1, name, CLOSE))
        body = lines[i + 1:j]
        if len(body) < 2 or body[0] != "```" or body[-1] != "```" or any(b.startswith("```") for b in body[1:-1]):
            raise ValueError("%s:%d: capture %s must hold exactly one fenced block" % (path, i + 1, name))
        found.append((name, i + 1, j))
        i = j + 1
    return found


def all_markers():
    out = {}
    for path in DOCS:
        with open(path) as f:
            for name, _, _ in find_markers(f.read(), os.path.relpath(path, ROOT)):
                if name in out:
                    raise ValueError("capture %s is in both %s and %s" % (name, out[name], path))
                out[name] = path
    return out


def replace_block(text, name, screen):
    lines = text.split("\n")
    for n, start, end in find_markers(text):
        if n == name:
            return "\n".join(lines[:start] + ["```"] + screen.split("\n") + ["```"] + lines[end:])
    raise KeyError(name)


# ---- taking them ----

def tidy(screen, lab_host, tmp):
    # the console's private history directory: mkdtemp's random part, shown as its template
    base = os.path.basename(tmp)
    screen = screen.replace(tmp, os.path.join(os.path.dirname(tmp), base[:-8] + "XXXXXXXX"))
    host, _, port = lab_host.partition(":")
    if len(port) == len(PORT):   # same width: the columns after it stay where they were
        screen = screen.replace(lab_host, "%s:%s" % (host, PORT))
    lines = [ln.rstrip() for ln in screen.split("\n")]
    while lines and not lines[-1]:
        lines.pop()
    return "\n".join(lines)


def take(names):
    sys.path.insert(0, os.path.join(ROOT, "tests", "integration"))
    sys.path.insert(0, os.path.join(ROOT, "tests", "e2e"))
    from labctl import Lab
    from console_tmux import Console, kill_server
    import json

    screens = {}
    try:
        for name in names:
            cp = CAPTURES[name]
            with open(cp["scenario"]) as f:
                sc = json.load(f)
            guest = next((v["guest"] for v in sc.get("vms", []) if v.get("guest", {}).get("user")), None)
            lab = Lab(cp["scenario"], speed=cp["speed"])
            c = Console(lab, cp["width"], cp["height"], cp["args"], env_extra=cp["env"],
                        guest_login="%s:%s" % (guest["user"], guest["password"]) if guest else None,
                        command=cp["command"])
            try:
                for step in cp["steps"]:
                    if step[0] == "keys":
                        c.keys(*step[1:])
                    elif step[0] == "type":
                        c.type(step[1])
                    elif step[0] == "gone":
                        c.wait_gone(step[1], timeout=120)
                    else:
                        c.wait(step[1], timeout=120)
                screen = c.screen()
                if cp["command"]:   # its output, without the pane's "echo; echo EXITED rc"
                    if not screen.startswith("NAME"):
                        raise RuntimeError("capture %s: the output is taller than the pane (%d rows)"
                                           % (name, cp["height"]))
                    screen = cp["prompt"] + "\n" + screen[:screen.rindex("EXITED ")].rstrip("\n")
                screens[name] = tidy(screen, lab.host, c.tmp.name)
                for secret in (lab.password, guest["password"] if guest else None):
                    if secret and secret in screens[name]:
                        raise RuntimeError("capture %s shows a password" % name)
            finally:
                c.close()
                lab.stop()
            print("captured %s (%dx%d)" % (name, cp["width"], cp["height"]))
    finally:
        kill_server()
    return screens


def main(argv):
    check = "--check" in argv
    wanted = [a for a in argv if not a.startswith("--")]
    try:
        where = all_markers()
    except ValueError as e:
        print("captures: %s" % e, file=sys.stderr)
        return 1
    for name in wanted:
        if name not in where:
            print("captures: no marker for %s in the docs" % name, file=sys.stderr)
            return 2
    if check:
        for name, path in sorted(where.items()):
            print("%s %s" % (name, os.path.relpath(path, ROOT)))
        return 0
    screens = take(wanted or sorted(where))
    for name, screen in screens.items():
        path = where[name]
        with open(path) as f:
            text = f.read()
        with open(path, "w") as f:
            f.write(replace_block(text, name, screen))
    print("%d screens written into the docs" % len(screens))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
