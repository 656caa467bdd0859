# SPDX-License-Identifier: GPL-2.0-or-later
# plugin/report/report.mk — `reelwatch report` (docs/investigation.md): sources, the
# browser check's package, and its test target.
#
#   make report-test   the report's e2e checks (tests/report/run.py): numbers against jq,
#                      Suricata's own EVE, bad input, bounded memory, and the page
#                      rendered by headless Chromium (screenshots in BUILD/report/). Run
#                      by make e2e, so make asan runs it on the sanitizer build too.

REPORT_SRC := $(sort $(wildcard plugin/report/*.c))
REPORT_OBJ := $(patsubst %.c,$(BUILD)/%.o,$(REPORT_SRC))

# The report code is linked into the program and the unit tests; main.c dispatches to it.
$(BIN): $(REPORT_OBJ)
$(UNIT): $(REPORT_OBJ)
CPPFLAGS += -Iplugin/report

# Headless Chromium renders the report in the browser test; fonts-dejavu-core are the
# fonts the page asks for first; tzdata holds the zones --tz names (the tests use Asia/Tokyo).
DEB_PKGS += chromium fonts-dejavu-core tzdata

.PHONY: report-test
report-test: $(BIN) tools $(BUILD)/tools/bench/rw_benchgen
	python3 tests/report/run.py --bin $(BIN) --build $(BUILD)

e2e: report-test

# make lint's banned-function grep, over the report's sources too (cppcheck already reads
# all of plugin/).
.PHONY: report-lint
report-lint:
	@! grep -nE '\b(atoi|atol|sprintf|strcpy|strcat|strtok|gets)\s*\(' $(REPORT_SRC) \
	  || { echo "lint: banned function above" >&2; exit 1; }

lint: report-lint
