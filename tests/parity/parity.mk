# SPDX-License-Identifier: GPL-2.0-or-later
# tests/parity/parity.mk — make parity-test: reelwatch's files against Debian's Suricata
# 7.0.10's over the project's captures (tests/parity/run.py); included from the Makefile.
# Suricata comes from bookworm-backports (also listed by tools/bench/bench.mk, which is
# optional; listing it twice is harmless: tools/deps.sh checks each name).
DEB_BPO_PKGS += suricata

.PHONY: parity-test
parity-test: $(BIN) tools
	python3 tests/parity/run.py --bin $(BIN) --build $(BUILD)
