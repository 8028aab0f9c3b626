# quiescent — one build for the console, the core library, the lab and the tests.
# Objects go to build/ (out of tree). `make CC=clang` works the same.

CC      ?= cc
PREFIX  ?= /usr/local
DESTDIR ?=
BUILD   ?= build

PKGS    := ncursesw libcurl libxml-2.0 openssl sqlite3 libzip readline
WARN    := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
           -Wno-unused-parameter
CSTD    := -std=c11 -D_GNU_SOURCE
OPT     ?= -O2 -g
CFLAGS  += $(CSTD) $(OPT) $(WARN) -I. -Icore $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
LDLIBS  += $(shell pkg-config --libs $(PKGS) 2>/dev/null) -lpthread
CMOCKA  := $(shell pkg-config --libs cmocka 2>/dev/null)

CORE_SRC := $(sort $(wildcard core/*/*.c))
APP_SRC  := main.c $(sort $(wildcard tui/*.c views/*.c))
UNIT_SRC := $(sort $(wildcard tests/unit/test_*.c))
UNIT_SUPPORT := $(filter-out $(UNIT_SRC),$(wildcard tests/unit/*.c))
# The curses-free console modules the unit tests link and test through their headers.
UNIT_TUI_SRC := tui/fleet.c tui/msgq.c tui/listw.c tui/actions.c tui/keymap.c tui/command.c tui/filter.c \
                tui/vmorder.c
# C tests of the vSphere client against the lab over HTTPS: their own suite (integration-c).
LABC_SRC := $(sort $(wildcard tests/integration-c/test_*.c))
LABC_BIN := $(LABC_SRC:tests/integration-c/%.c=$(BUILD)/integration-c/%)
LABC_OBJ := $(BUILD)/obj/tests/integration-c/lab_support.o

CORE_OBJ := $(CORE_SRC:%.c=$(BUILD)/obj/%.o)
APP_OBJ  := $(APP_SRC:%.c=$(BUILD)/obj/%.o)
# The shipped keymaps, compiled in as C strings (tui/gen-keymaps.sh; tig's builtin config).
KEYMAP_SRC := $(sort $(wildcard keymaps/*.keys))
GEN_OBJ  := $(BUILD)/obj/gen/keymaps.o
UNIT_BIN := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)
SUPPORT_OBJ := $(UNIT_SUPPORT:%.c=$(BUILD)/obj/%.o) $(UNIT_TUI_SRC:%.c=$(BUILD)/obj/%.o)

LAB_SRC  := $(wildcard tests/lab/*.go)
PY3      := /usr/bin/python3
GOENV    := GOPATH=/usr/share/gocode GO111MODULE=off GOCACHE=$(CURDIR)/$(BUILD)/gocache

# `make V=1` shows the full commands; by default one short line per file.
ifeq ($(V),1)
Q :=
else
Q := @
endif

.PHONY: all run test test-unit test-integration-c test-lab test-interop test-integration test-e2e test-asan \
        test-valgrind bench bench-50k fuzz install uninstall clean deps fuzz-build fuzz-bins lint lint-layers \
        hardening-report monkey fault-matrix repro

all: $(BUILD)/quiescent $(BUILD)/quiescent-lab

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(@D)
	@echo "  CC      $<"
	$(Q)$(CC) $(CFLAGS) -MMD -MP -c $< -o $@

$(BUILD)/libquiescent.a: $(CORE_OBJ)
	@mkdir -p $(@D)
	@echo "  AR      $@"
	$(Q)rm -f $@ && $(AR) rcs $@ $^

$(BUILD)/quiescent: $(APP_OBJ) $(GEN_OBJ) $(BUILD)/libquiescent.a
	@echo "  LINK    $@"
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $(APP_OBJ) $(GEN_OBJ) $(BUILD)/libquiescent.a $(LDLIBS)

$(BUILD)/gen/keymaps.c: $(KEYMAP_SRC) tui/gen-keymaps.sh
	@mkdir -p $(@D)
	@echo "  GEN     $@"
	$(Q)sh tui/gen-keymaps.sh $(KEYMAP_SRC) > $@.tmp && mv $@.tmp $@

$(GEN_OBJ): $(BUILD)/gen/keymaps.c
	@mkdir -p $(@D)
	@echo "  CC      $<"
	$(Q)$(CC) $(CFLAGS) -c $< -o $@

$(BUILD)/tests/%: tests/unit/%.c $(SUPPORT_OBJ) $(BUILD)/libquiescent.a
	@mkdir -p $(@D)
	@echo "  LINK    $@"
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $< $(SUPPORT_OBJ) $(BUILD)/libquiescent.a $(LDLIBS) $(CMOCKA)

$(BUILD)/integration-c/%: tests/integration-c/%.c $(LABC_OBJ) $(BUILD)/libquiescent.a
	@mkdir -p $(@D)
	@echo "  LINK    $@"
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $< $(LABC_OBJ) $(BUILD)/libquiescent.a $(LDLIBS) $(CMOCKA)

$(BUILD)/quiescent-lab: $(LAB_SRC)
	@mkdir -p $(@D)
	cd tests/lab && $(GOENV) go build -o $(CURDIR)/$@ .

# Installs every Debian package the build, the lab and the tests need, only when one is missing.
deps:
	@sh tests/tools/deps.sh

run: deps all
	@sh tests/tools/run-demo.sh

test: deps all $(UNIT_BIN) $(LABC_BIN)
	@sh tests/tools/run-tests.sh

test-unit: $(UNIT_BIN)
	@sh tests/tools/run-tests.sh unit

test-integration-c: $(LABC_BIN) $(BUILD)/quiescent-lab
	@sh tests/tools/run-tests.sh integration-c

test-lab: $(BUILD)/quiescent-lab
	@sh tests/tools/run-tests.sh lab

test-interop: $(BUILD)/quiescent-lab
	@sh tests/tools/run-tests.sh interop

test-integration: all
	@sh tests/tools/run-tests.sh integration

# Sanitizer build in its own tree so it never mixes with the normal objects. OPT and LDFLAGS go
# into the tests' environment too: tests that run make themselves (test_deb's install) must
# rebuild build-asan with the same flags, not mix plain objects in.
ASAN_OPT := -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=all
test-asan:
	$(MAKE) BUILD=build-asan OPT="$(ASAN_OPT)" LDFLAGS="-fsanitize=address,undefined" \
	        build-asan/quiescent build-asan/quiescent-lab $(UNIT_SRC:tests/unit/%.c=build-asan/tests/%) \
	        $(LABC_SRC:tests/integration-c/%.c=build-asan/integration-c/%)
	BUILD=build-asan OPT="$(ASAN_OPT)" LDFLAGS="-fsanitize=address,undefined" \
	        sh tests/tools/run-tests.sh unit integration-c integration

# The threaded paths under ThreadSanitizer, in their own tree (not part of make test; a few
# minutes): the probe pool's scan, fix --concurrency and its Ctrl-C, snaptest --parallel, the
# stop level's unit test. tests/tsan/tsan.supp holds only proven library-internal noise.
TSAN_OPT := -O1 -g -fno-omit-frame-pointer -fsanitize=thread
.PHONY: test-tsan
test-tsan:
	$(MAKE) BUILD=build-tsan OPT="$(TSAN_OPT)" LDFLAGS="-fsanitize=thread" \
	        build-tsan/quiescent build-tsan/quiescent-lab build-tsan/tests/test_stop
	BUILD=build-tsan sh tests/tsan/run.sh

# Unit tests under valgrind, in their own tree: -gdwarf-4 because valgrind 3.19 cannot read
# clang's DWARF 5 (`make CC=clang test-valgrind` works too); -O1 keeps the reports readable.
test-valgrind:
	$(MAKE) BUILD=build-valgrind OPT="-O1 -g -gdwarf-4" $(UNIT_SRC:tests/unit/%.c=build-valgrind/tests/%)
	BUILD=build-valgrind VALGRIND=1 sh tests/tools/run-tests.sh unit

# ---- hardening (tests/fuzz, tests/hostile; docs/hardening.md) ----
# libFuzzer harnesses, one per parser of outside input, built with clang in their own tree.
# `make fuzz` runs each for FUZZ_SECONDS; the `fuzz` suite of `make test` runs them briefly.
FUZZ_BUILD   ?= build-fuzz
FUZZ_SECONDS ?= 60
FUZZ_SRC     := $(sort $(wildcard tests/fuzz/fuzz_*.c))
FUZZ_TUI_SRC := tui/keymap.c tui/command.c tui/filter.c tui/actions.c
FUZZ_SAN     := -fsanitize=address,undefined -fno-sanitize-recover=all

fuzz-build:
	@$(MAKE) --no-print-directory BUILD=$(FUZZ_BUILD) CC=clang \
	        OPT="-O1 -g -fno-omit-frame-pointer -fsanitize=fuzzer-no-link $(FUZZ_SAN)" fuzz-bins

fuzz-bins: $(FUZZ_SRC:tests/fuzz/%.c=$(BUILD)/fuzz/%)

$(BUILD)/fuzz/%: tests/fuzz/%.c tests/fuzz/*.h $(FUZZ_TUI_SRC:%.c=$(BUILD)/obj/%.o) $(BUILD)/libquiescent.a
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -Itests/fuzz -fsanitize=fuzzer $(FUZZ_SAN) -o $@ $< \
	        $(FUZZ_TUI_SRC:%.c=$(BUILD)/obj/%.o) $(BUILD)/libquiescent.a $(LDLIBS)

fuzz: fuzz-build
	FUZZ_BUILD=$(FUZZ_BUILD) FUZZ_SECONDS=$(FUZZ_SECONDS) sh tests/fuzz/run-fuzz.sh

# The layering from the #include lines (docs/architecture.md "Layers"; seconds), then cppcheck
# and clang-tidy over the project's own C (config: .clang-tidy, .cppcheck-suppressions).
lint: lint-layers
	@sh tests/tools/lint.sh

lint-layers:
	@sh tests/tools/layers.sh

# The table of what the hardening suites tried (build/hardening/*.tsv), to compare over time.
hardening-report:
	@$(PY3) tests/tools/hardening_report.py build/hardening


bench: all $(BUILD)/bench/history_gen
	@sh tests/tools/bench.sh

# The history bench alone (issue 18): a year of daily 10,000-VM scans, 1 % changing a day.
.PHONY: bench-history
bench-history: all $(BUILD)/bench/history_gen
	@$(PY3) tests/bench/history_bench.py

$(BUILD)/bench/history_gen: tests/bench/history_gen.c $(BUILD)/libquiescent.a
	@mkdir -p $(@D)
	@echo "  LINK    $@"
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $< $(BUILD)/libquiescent.a $(LDLIBS)

# The VM list's order on 50,000 VMs, for callgrind's instruction counts (issue 18; see the file).
CONSOLE_ROWS_SRC := tui/fleet.c tui/filter.c tui/vmorder.c
$(BUILD)/bench/console_rows: tests/bench/console_rows.c $(CONSOLE_ROWS_SRC:%.c=$(BUILD)/obj/%.o) $(BUILD)/libquiescent.a
	@mkdir -p $(@D)
	@echo "  LINK    $@"
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $< $(CONSOLE_ROWS_SRC:%.c=$(BUILD)/obj/%.o) $(BUILD)/libquiescent.a $(LDLIBS)

# The scan bench at 50,000 VMs (long: a few minutes of lab start-up alone).
bench-50k: all
	@BENCH_VMS=50000 /usr/bin/python3 tests/bench/scan_bench.py

# Load (issue 8, not part of make test): console + scan on 10,000 VMs under churn for
# LOAD_MINUTES (default 10), then fix and snaptest of 500 VMs; build/hardening/load.json.
.PHONY: load
load: all
	QUIESCENT_BUILD=$(BUILD) /usr/bin/python3 tests/load/load_test.py

# The monkey (issue 16, not part of make test; a short seeded run is, in test_monkey.py): the
# console under seeded random keys, resizes, commands and lab churn for MONKEY_SECONDS (600);
# MONKEY_SEED=N replays a run.
MONKEY_SECONDS ?= 600
monkey: all
	MONKEY_SECONDS=$(MONKEY_SECONDS) QUIESCENT_BUILD=$(BUILD) $(PY3) tests/e2e/monkey.py

# The fault matrix (issue 13, long: every fix step kind and snaptest phase against every
# interruption; make test runs a seeded subset of it). FAULT_MATRIX_ONLY=REGEX narrows it.
fault-matrix: all
	FAULT_MATRIX=full QUIESCENT_BUILD=$(BUILD) /usr/bin/python3 tests/integration/test_fault_matrix.py

# The repro scripts of the reliability trial as regression tests, every finding strict (the
# ones other lanes close are reported, not failed, in make test).
repro: all
	REPRO_STRICT=1 QUIESCENT_BUILD=$(BUILD) /usr/bin/python3 tests/integration/test_repro.py

clean:
	rm -rf build build-asan build-fuzz build-valgrind build-tsan $(DEB_BUILD)

-include $(CORE_OBJ:.o=.d) $(APP_OBJ:.o=.d) $(SUPPORT_OBJ:.o=.d) $(LABC_OBJ:.o=.d)

# ---- ship it: install, docs, package (docs/architecture.md, dist/) ----
# make install [PREFIX=/usr/local] [DESTDIR=]: the binary, the keymaps (the shipped ones are
# also compiled in; `--keymap NAME` finds other NAME.keys in KEYMAPDIR), the man page, the bash
# completion and the docs. The installed binary needs nothing from the source tree.
BINDIR      ?= $(PREFIX)/bin
DATADIR     ?= $(PREFIX)/share
KEYMAPDIR   ?= $(DATADIR)/quiescent/keymaps
MAN1DIR     ?= $(DATADIR)/man/man1
BASHCOMPDIR ?= $(DATADIR)/bash-completion/completions
DOCDIR      ?= $(DATADIR)/doc/quiescent
DOC_FILES   := README.md LICENSE $(sort $(wildcard docs/*.md))
DEB_BUILD   ?= build-deb

.PHONY: docs deb captures

# The keymap directory is compiled into the console (a different PREFIX needs its own BUILD).
$(BUILD)/obj/tui/keyfiles.o: CFLAGS += -DQUIESCENT_KEYMAPDIR='"$(KEYMAPDIR)"'

install: $(BUILD)/quiescent
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(KEYMAPDIR) $(DESTDIR)$(MAN1DIR) \
	        $(DESTDIR)$(BASHCOMPDIR) $(DESTDIR)$(DOCDIR)
	install -m 0755 $(BUILD)/quiescent $(DESTDIR)$(BINDIR)/quiescent
	install -m 0644 $(KEYMAP_SRC) $(DESTDIR)$(KEYMAPDIR)/
	install -m 0644 docs/quiescent.1 $(DESTDIR)$(MAN1DIR)/quiescent.1
	install -m 0644 dist/quiescent.bash $(DESTDIR)$(BASHCOMPDIR)/quiescent
	install -m 0644 $(DOC_FILES) $(DESTDIR)$(DOCDIR)/

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/quiescent $(DESTDIR)$(MAN1DIR)/quiescent.1 \
	      $(DESTDIR)$(BASHCOMPDIR)/quiescent
	rm -f $(addprefix $(DESTDIR)$(KEYMAPDIR)/,$(notdir $(KEYMAP_SRC))) \
	      $(addprefix $(DESTDIR)$(DOCDIR)/,$(notdir $(DOC_FILES)))
	-rmdir $(DESTDIR)$(KEYMAPDIR) $(DESTDIR)$(DATADIR)/quiescent $(DESTDIR)$(DOCDIR) 2>/dev/null

# docs/rules.md is generated from the rules table in the code (RULES_LIST); test_docs.py
# fails when the committed file differs.
docs: $(BUILD)/quiescent
	$(BUILD)/quiescent rules --format markdown > docs/rules.md.tmp && mv docs/rules.md.tmp docs/rules.md

# The console screens shown in docs/console.md, captured from the real console on the lab
# (demo and console-actions scenarios, driven in tmux) and written between their markers;
# test_docs.py checks the markers.
captures: all
	/usr/bin/python3 tests/tools/captures.py

# A Debian package in $(DEB_BUILD)/ (dist/mkdeb.sh: hardened build with PREFIX=/usr, staged
# install, dpkg-shlibdeps + dpkg-gencontrol, dpkg-deb, lintian when installed).
deb:
	@sh dist/mkdeb.sh $(DEB_BUILD)
