#!/bin/sh
# make lint (first step) and make lint-layers: the layering of docs/architecture.md ("Layers"),
# checked from the #include lines of the project's C. Exit 1 with one line per violation:
#   views -> tui -> core: core includes neither tui/ nor views/; tui includes views/ only in
#     the composition root (the screen list, and the files that build and command the screens);
#   core/cli and the console never include each other: tui/ and views/ include no cli/, and
#     core/cli no tui/ or views/ (what both use lives in core/frontend);
#   only core/cli includes cli/ (main.c, the program's entry, chooses between the front ends);
#   core never includes curses or readline;
#   core/rules includes only core/model (and util's allocation and string-building helpers,
#     which do no I/O); core/model only core/util; core/util nothing above itself.
# Headers are named from the include root ("vsphere/http.h" = core/vsphere/http.h,
# "tui/ui.h"); a bare "x.h" is a sibling in the same folder.
set -u
cd "$(dirname "$0")/../.."

# Where tui may name a screen: views/registry.h is macros only; these files are the console's
# composition (construction, `:` commands that open screens, a session's first screen).
TUI_VIEWS_ROOT="tui/ui.h tui/keymap.h tui/console.c tui/commands.c tui/session.c"
# What core/rules and core/model may take from core/util: no I/O, no clock, no globals.
PURE_UTIL="util/xalloc.h util/strbuf.h util/intern.h util/text.h util/timefmt.h"

files=$(ls main.c core/*/*.[ch] tui/*.[ch] views/*.[ch] 2>/dev/null)
[ -n "$files" ] || { echo "layers: no sources found"; exit 1; }

# "file<TAB>line<TAB>kind<TAB>header" for every include; kind is q (quotes) or a (angle).
grep -n '^[[:space:]]*#[[:space:]]*include' $files |
awk -v root="$TUI_VIEWS_ROOT" -v pure="$PURE_UTIL" '
function layer_of(path,    p) {          # the folder a project path belongs to
	n = split(path, p, "/")
	if (n == 1) return "main"
	if (p[1] == "core") return "core/" p[2]
	return p[1]
}
function fail(msg) { print file ":" line ": " msg; bad++ }
BEGIN { nr = split(root, r, " "); for (i = 1; i <= nr; i++) isroot[r[i]] = 1
        np = split(pure, q, " "); for (i = 1; i <= np; i++) ispure[q[i]] = 1 }
{
	file = $0; sub(/:.*/, "", file)
	rest = $0; sub(/^[^:]*:/, "", rest); line = rest; sub(/:.*/, "", line)
	from = layer_of(file)
	if (match(rest, /<[^>]*>/)) {
		hdr = substr(rest, RSTART + 1, RLENGTH - 2)
		if (from ~ /^core\// && hdr ~ /(^|\/)(n?curses(w)?|term|panel|menu|form)\.h$|^ncursesw?\/|^readline\//)
			fail("core includes <" hdr ">: core never draws nor reads the terminal")
		next
	}
	if (!match(rest, /"[^"]*"/)) next
	hdr = substr(rest, RSTART + 1, RLENGTH - 2)
	if (hdr !~ /\//) {                          # a sibling
		d = file; sub(/\/[^\/]*$/, "", d); hdr = d "/" hdr
		to = layer_of(hdr)
	} else if (hdr ~ /^(tui|views)\//) to = layer_of(hdr)
	else { split(hdr, h, "/"); to = "core/" h[1] }
	short = hdr; sub(/^core\//, "", short)
	if (from == to || from == "main") next

	if (from ~ /^core\// && (to == "tui" || to == "views"))
		fail(from " includes " hdr ": core never includes the console (views -> tui -> core)")
	else if (from == "tui" && to == "views" && !(file in isroot))
		fail("tui includes " hdr " outside the composition root: the frame does not know the screens (views -> tui)")
	else if (to == "core/cli")
		fail(from " includes " hdr ": only core/cli includes core/cli (shared front-end services live in core/frontend)")
	else if (from == "core/rules" && to != "core/model" && !(short in ispure))
		fail("core/rules includes " hdr ": core/rules depends only on core/model")
	else if (from == "core/model" && to != "core/util")
		fail("core/model includes " hdr ": core/model depends only on core/util")
	else if (from == "core/model" && !(short in ispure))
		fail("core/model includes " hdr ": core/model is pure (no I/O, no clock)")
	else if (from == "core/util" && to != "core/util")
		fail("core/util includes " hdr ": core/util is the bottom layer")
	total++
}
END {
	if (bad) { print "layers: " bad " violation(s) of docs/architecture.md \"Layers\""; exit 1 }
	print "layers: clean"
}'
