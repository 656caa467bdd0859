# SPDX-License-Identifier: GPL-2.0-or-later
# tests/evecompare/evecompare.mk — make eve-compare: the EVE of this tree against another
# commit's, record by record (tests/evecompare/run.py). Not part of make test.
#
#   make eve-compare [EVE_OLD_REV=04b7ed4] [EVE_SLICE_BYTES=20000000]
#
# 04b7ed4 is the last commit with the jansson writer. Builds EVE_OLD_REV (git archive
# into $(BUILD)/evecompare/old), a bench slice with that build's generator, and compares
# every input. Needs the commit in this clone's history.

EVE_OLD_REV     ?= 04b7ed4
EVE_SLICE_BYTES ?= 20000000
EVE_CMP_DIR     := $(BUILD)/evecompare

.PHONY: eve-compare

eve-compare: $(BIN) $(BUILD)/tools/rw_pcapgen
	@rm -rf $(EVE_CMP_DIR)/old && mkdir -p $(EVE_CMP_DIR)/old
	git archive $(EVE_OLD_REV) | tar -x -C $(EVE_CMP_DIR)/old
	$(MAKE) --no-print-directory -C $(EVE_CMP_DIR)/old -j2 build/reelwatch \
	  build/tools/bench/rw_benchgen >/dev/null
	$(EVE_CMP_DIR)/old/build/tools/bench/rw_benchgen bench $(EVE_CMP_DIR)/slice.pcap \
	  $(EVE_SLICE_BYTES) >/dev/null
	python3 tests/evecompare/run.py --old $(EVE_CMP_DIR)/old/build/reelwatch --new $(BIN) \
	  --pcapgen $(BUILD)/tools/rw_pcapgen --slice $(EVE_CMP_DIR)/slice.pcap
