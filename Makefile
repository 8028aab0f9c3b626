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
APP_SRC  := $(sort $(wildcard tui/*.c views/*.c))
UNIT_SRC := $(sort $(wildcard tests/unit/test_*.c))
UNIT_SUPPORT := $(filter-out $(UNIT_SRC),$(wildcard tests/unit/*.c))

CORE_OBJ := $(CORE_SRC:%.c=$(BUILD)/obj/%.o)
APP_OBJ  := $(APP_SRC:%.c=$(BUILD)/obj/%.o)
# The shipped keymaps, compiled in as C strings (tui/gen-keymaps.sh; tig's builtin config).
KEYMAP_SRC := $(sort $(wildcard keymaps/*.keys))
GEN_OBJ  := $(BUILD)/obj/gen/keymaps.o
UNIT_BIN := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)
SUPPORT_OBJ := $(UNIT_SUPPORT:%.c=$(BUILD)/obj/%.o)

LAB_SRC  := $(wildcard tests/lab/*.go)
GOENV    := GOPATH=/usr/share/gocode GO111MODULE=off GOCACHE=$(CURDIR)/$(BUILD)/gocache

.PHONY: all run test test-unit test-lab test-interop test-integration test-e2e test-asan \
        test-valgrind bench fuzz install uninstall clean deps

all: $(BUILD)/quiescent $(BUILD)/quiescent-lab

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -MMD -MP -c $< -o $@

$(BUILD)/libquiescent.a: $(CORE_OBJ)
	@mkdir -p $(@D)
	rm -f $@ && $(AR) rcs $@ $^

$(BUILD)/quiescent: $(APP_OBJ) $(GEN_OBJ) $(BUILD)/libquiescent.a
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $(APP_OBJ) $(GEN_OBJ) $(BUILD)/libquiescent.a $(LDLIBS)

$(BUILD)/gen/keymaps.c: $(KEYMAP_SRC) tui/gen-keymaps.sh
	@mkdir -p $(@D)
	sh tui/gen-keymaps.sh $(KEYMAP_SRC) > $@.tmp && mv $@.tmp $@

$(GEN_OBJ): $(BUILD)/gen/keymaps.c
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -c $< -o $@

$(BUILD)/tests/%: tests/unit/%.c $(SUPPORT_OBJ) $(BUILD)/libquiescent.a
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $< $(SUPPORT_OBJ) $(BUILD)/libquiescent.a $(LDLIBS) $(CMOCKA)

$(BUILD)/quiescent-lab: $(LAB_SRC)
	@mkdir -p $(@D)
	cd tests/lab && $(GOENV) go build -o $(CURDIR)/$@ .

# Installs every Debian package the build, the lab and the tests need, only when one is missing.
deps:
	@sh tests/tools/deps.sh

run: deps all
	@sh tests/tools/run-demo.sh

test: deps all $(UNIT_BIN)
	@sh tests/tools/run-tests.sh

test-unit: $(UNIT_BIN)
	@sh tests/tools/run-tests.sh unit

test-lab: $(BUILD)/quiescent-lab
	@sh tests/tools/run-tests.sh lab

test-interop: $(BUILD)/quiescent-lab
	@sh tests/tools/run-tests.sh interop

test-integration: all
	@sh tests/tools/run-tests.sh integration

# Sanitizer build in its own tree so it never mixes with the normal objects.
test-asan:
	$(MAKE) BUILD=build-asan OPT="-O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=all" \
	        LDFLAGS="-fsanitize=address,undefined" build-asan/quiescent build-asan/quiescent-lab \
	        $(UNIT_SRC:tests/unit/%.c=build-asan/tests/%)
	BUILD=build-asan sh tests/tools/run-tests.sh unit integration

test-valgrind: $(UNIT_BIN)
	VALGRIND=1 sh tests/tools/run-tests.sh unit

bench: all
	@sh tests/tools/bench.sh

clean:
	rm -rf build build-asan

-include $(CORE_OBJ:.o=.d) $(APP_OBJ:.o=.d) $(SUPPORT_OBJ:.o=.d)
