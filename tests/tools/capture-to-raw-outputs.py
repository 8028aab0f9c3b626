#!/usr/bin/python3
"""Turns a `quiescent probe VM --save DIR` folder into the lab's guest keys that replay that
guest: {"locale": ..., "raw_outputs": {command: {"base64": ..., "exit_code": N}}} on stdout
(lab-scenario.md). The locale is one whose OEM code page is the one the guest's chcp printed:
the lab reads recorded bytes in that code page. Merge the object into a VM's "guest" entry.

usage: capture-to-raw-outputs.py DIR"""
import base64
import json
import os
import sys

# OEM code page -> a shipped locale writing it (any of the 850 ones would do).
LOCALE_OF_CP = {437: "en-US", 850: "de-DE", 852: "pl-PL", 866: "ru-RU", 932: "ja-JP",
                936: "zh-CN", 949: "ko-KR"}


def convert(folder):
    with open(os.path.join(folder, "manifest.json"), encoding="utf-8") as f:
        manifest = json.load(f)
    cp = manifest.get("code_page", 0)
    if cp not in LOCALE_OF_CP:
        raise SystemExit("capture-to-raw-outputs: the guest's code page %r is not one the lab "
                         "ships (%s)" % (cp, ", ".join(map(str, sorted(LOCALE_OF_CP)))))
    raw = {}
    for c in manifest["commands"]:
        if "file" not in c:
            raise SystemExit("capture-to-raw-outputs: '%s' did not run in the capture (%s): "
                             "nothing to replay" % (c["command"], c.get("error", "?")))
        with open(os.path.join(folder, c["file"]), "rb") as f:
            data = f.read()
        raw[c["command"]] = {"base64": base64.b64encode(data).decode("ascii"),
                             "exit_code": c["exit_code"]}
    return {"locale": LOCALE_OF_CP[cp], "raw_outputs": raw}


def main():
    if len(sys.argv) != 2:
        raise SystemExit(__doc__.strip().splitlines()[-1])
    json.dump(convert(sys.argv[1]), sys.stdout, indent=1)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
