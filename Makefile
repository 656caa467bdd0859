# SPDX-License-Identifier: GPL-2.0-or-later
# reelwatch — one plain Makefile for the core, the standalone host, tests and tools.
#
#   make run     install missing Debian packages, build, replay pcaps/demo.pcap
#   make test    install missing Debian packages, build, run every test
#   make asan    the same tests under AddressSanitizer + UndefinedBehaviorSanitizer
#   make lint    banned-function grep, function-size report, cppcheck
#   make clean

CC        ?= gcc
BUILD     ?= build
PREFIX    ?= /usr/local
DESTDIR   ?=

# Debian packages the build, the tests and the demo need.
DEB_PKGS  := build-essential pkg-config libpcap-dev libndpi-dev libyaml-dev libcunit1-dev \
             libmagic-dev libmagic-mgc libjansson-dev libgcrypt20-dev libsodium-dev python3 \
             python3-jsonschema python3-yaml jq clang libclang-rt-14-dev iproute2 cppcheck

# nDPI's headers are not -Wstrict-prototypes clean: include them as system headers.
PKG_CFLAGS := $(shell pkg-config --cflags libndpi libpcap yaml-0.1 jansson 2>/dev/null | sed 's/-I/-isystem /g')
PKG_LIBS   := $(shell pkg-config --libs libndpi libpcap yaml-0.1 jansson libsodium 2>/dev/null) -lmagic -lgcrypt -lm

WARN      := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
             -Wpointer-arith -Wcast-qual -Wformat=2 -Wvla -Wimplicit-fallthrough
OPT       ?= -O2 -g -D_FORTIFY_SOURCE=2
CPPFLAGS  += -D_DEFAULT_SOURCE -Iplugin/core -Iplugin/pcap
CFLAGS    += -std=c11 $(OPT) $(WARN) $(PKG_CFLAGS) -MMD -MP
LDLIBS    += $(PKG_LIBS) -lpthread

CORE_SRC  := $(sort $(wildcard plugin/core/*.c))
HOST_SRC  := $(sort $(filter-out plugin/pcap/main.c,$(wildcard plugin/pcap/*.c)))
TEST_SRC  := $(sort $(wildcard tests/unit/test_*.c))
TOOL_SRC  := $(sort $(wildcard tools/*.c))

LIB_OBJ   := $(patsubst %.c,$(BUILD)/%.o,$(CORE_SRC) $(HOST_SRC))
MAIN_OBJ  := $(BUILD)/plugin/pcap/main.o
TEST_OBJ  := $(patsubst %.c,$(BUILD)/%.o,$(TEST_SRC) tests/unit/main.c)
TOOLS     := $(patsubst tools/%.c,$(BUILD)/tools/%,$(TOOL_SRC))

BIN       := $(BUILD)/reelwatch
UNIT      := $(BUILD)/tests/unit/rw_unit

.PHONY: all deps run test unit e2e asan lint clean demo tools

all: $(BIN) $(UNIT) tools

# Installs only what is missing (tools/deps.sh), so a prepared machine pays one dpkg-query
# per package. DEB_BPO_PKGS come from Debian's bookworm-backports suite, which deps.sh adds
# to apt's sources when it is not there yet. Fragments add to both lists.
DEB_BPO_PKGS :=
deps:
	@sh tools/deps.sh "$(DEB_PKGS)" "$(DEB_BPO_PKGS)"

# Test builds make RW_TESTABLE functions visible and turn on the allocation-failure hook.
TEST_DEFS := -DRW_TEST_BUILD

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(TEST_DEFS) $(CFLAGS) -c $< -o $@

$(BIN): $(LIB_OBJ) $(MAIN_OBJ)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(LDLIBS)

# Each test file exports `CU_SuiteInfo rw_suites_<name>[]`; main.c includes the generated list.
$(BUILD)/gen/suites.gen.h: $(TEST_SRC)
	@mkdir -p $(dir $@)
	@grep -ho 'CU_SuiteInfo rw_suites_[a-z0-9_]*' $(TEST_SRC) | sed 's/$$/[];/;s/^/extern /' > $@.tmp
	@echo '#define RW_ALL_SUITES \' >> $@.tmp
	@grep -ho 'rw_suites_[a-z0-9_]*' $(TEST_SRC) | sort -u | sed 's/$$/, \\/' >> $@.tmp
	@echo '/* end */' >> $@.tmp
	@mv $@.tmp $@

$(BUILD)/tests/unit/main.o: $(BUILD)/gen/suites.gen.h
$(BUILD)/tests/unit/main.o: CPPFLAGS += -I$(BUILD)/gen

$(UNIT): $(LIB_OBJ) $(TEST_OBJ)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(LDLIBS) -lcunit

$(BUILD)/tools/%: tools/%.c
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(TEST_DEFS) $(CFLAGS) -o $@ $< $(LDLIBS)

tools: $(TOOLS)

run: deps
	@$(MAKE) --no-print-directory $(BIN)
	$(BIN) -r pcaps/demo.pcap -c rules/

unit: $(UNIT)
	cd tests/unit && ../../$(UNIT)

e2e: $(BIN) tools $(BUILD)/tools/bench/rw_benchgen
	python3 tests/e2e/run.py --bin $(BIN) --build $(BUILD)

# The whole suite, then the whole suite again under ASan + UBSan with leak checking, then
# every fuzz target for CI_FUZZ_SECONDS on its committed corpus and its regression inputs.
CI_FUZZ_SECONDS ?= 10
test: deps
	@$(MAKE) --no-print-directory all
	@$(MAKE) --no-print-directory lint
	@$(MAKE) --no-print-directory unit
	@$(MAKE) --no-print-directory e2e
	@$(MAKE) --no-print-directory parity-test
	@$(MAKE) --no-print-directory ops-test
	@$(MAKE) --no-print-directory standalone-test
	@$(MAKE) --no-print-directory suricata-test
	@$(MAKE) --no-print-directory deb-test
	@$(MAKE) --no-print-directory asan
	@$(MAKE) --no-print-directory fuzz-run FUZZ_SECONDS=$(CI_FUZZ_SECONDS)

# Sanitizer build in its own tree; leak checking on.
ASAN_FLAGS := -O1 -g -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
asan: deps
	@echo "== the suite under AddressSanitizer + UndefinedBehaviorSanitizer"
	@ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 RW_E2E_SANITIZED=1 \
	  $(MAKE) --no-print-directory BUILD=build/asan OPT="$(ASAN_FLAGS)" LDFLAGS="-fsanitize=address,undefined" \
	  unit e2e

lint:
	@python3 tools/spdx.py --check
	@! grep -nE '\b(atoi|atol|sprintf|strcpy|strcat|strtok|gets)\s*\(' $(CORE_SRC) $(HOST_SRC) plugin/pcap/main.c \
	  || { echo "lint: banned function above" >&2; exit 1; }
	cppcheck --quiet --error-exitcode=1 --enable=warning,portability --inline-suppr \
	  -D_DEFAULT_SOURCE -Iplugin/core -Iplugin/pcap plugin/

demo: tools
	$(BUILD)/tools/rw_pcapgen demo pcaps/demo.pcap

clean:
	rm -rf build

# libhtp (the HTTP parser) and its Debian package.
include plugin/core/rw_http.mk
# make parity-test: the files Debian's Suricata reports against reelwatch's.
include tests/parity/parity.mk
# libFuzzer targets (make fuzz, make fuzz-run) live in their own fragment.
-include tests/fuzz/fuzz.mk
# make install / uninstall (PREFIX, DESTDIR), and make bench.
-include dist/install.mk
# The version (VERSION), make deb, deb-test, standalone-test, spdx-check.
include dist/package.mk
-include tools/bench/bench.mk
# reelwatch report: the investigation report (sources, chromium, make report-test).
-include plugin/report/report.mk
# The Suricata plugin: make suricata, make suricata-test.
-include plugin/suricata/suricata.mk
# make eve-compare: this tree's EVE against the jansson writer's (issue 15).
-include tests/evecompare/evecompare.mk

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
