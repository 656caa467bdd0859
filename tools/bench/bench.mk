# SPDX-License-Identifier: GPL-2.0-or-later
# tools/bench/bench.mk — make bench: reelwatch against the read floor, tcpdump and ndpiReader.
#
#   make bench            build, generate (or reuse) build/bench/bench.pcap (>= 1 GB), time
#                         every tool (median of BENCH_RUNS), print the table and the goals;
#                         check every mode against the generator's oracle (every upload seen,
#                         exactly the implied alerts; fails when one is missed)
#   make bench-profile    perf record -g on the bench capture and callgrind on a 20 MB slice
#                         (reports in build/bench/profile/)
#
# Neither is part of make test. Captures, lists and outputs live in build/bench/ (never
# committed); the capture is regenerated only when the generator binary changed (its
# SHA-256 is kept beside the capture). docs/performance.md explains the figures.

BENCH_DIR      := $(BUILD)/bench
BENCH_GEN      := $(BUILD)/tools/bench/rw_benchgen
BENCH_FLOOR    := $(BUILD)/tools/bench/rw_readfloor
BENCH_RUNS     ?= 3
BENCH_BYTES    ?= 1100000000
# Seconds to wait, before timing, for an idle machine (1-minute load average < 0.5).
BENCH_WAIT_IDLE ?= 0
# Tools the benchmark compares against, and the profilers bench-profile uses.
# tshark and file cross-check the generator's oracle; tcpreplay drives the live burst.
BENCH_DEB_PKGS := tcpdump libndpi-bin tshark file tcpreplay iproute2
PROF_DEB_PKGS  := linux-perf valgrind

# Live capture (tools/bench/live.py, tests/ops/live_rate.py) replays captures with tcpreplay;
# the ops test's fixed-rate case also needs the generator.
DEB_PKGS += tcpreplay
# Suricata 7 is the bench's peer (tools/bench/suricata/); bookworm itself has 6.
DEB_BPO_PKGS += suricata
ops-test: $(BENCH_GEN)

.PHONY: bench bench-deps bench-tools bench-profile

# The generator includes tools/rw_pcapgen.c (its builders), so it depends on it.
$(BENCH_GEN): tools/bench/rw_benchgen.c tools/bench/bench_oracle.c tools/rw_pcapgen.c
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) -o $@ $< $(LDLIBS)

$(BENCH_FLOOR): tools/bench/rw_readfloor.c
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) -o $@ $< $(LDLIBS)

bench-tools: $(BIN) $(BENCH_GEN) $(BENCH_FLOOR) $(BUILD)/tools/rw_pcapgen

# Installs only what is missing (root needed then), like deps.
bench-deps:
	@missing=""; for p in $(BENCH_DEB_PKGS) $(BENCH_EXTRA_PKGS); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "bench-deps: installing$$missing"; \
	  if [ "$$(id -u)" != 0 ]; then echo "bench-deps: need root to apt-get install$$missing" >&2; exit 1; fi; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing >/dev/null; \
	fi

bench: deps bench-deps
	@$(MAKE) --no-print-directory bench-tools
	python3 tools/bench/bench.py --build $(BUILD) --bin $(BIN) --rules rules \
	  --gen $(BENCH_GEN) --floor $(BENCH_FLOOR) --pcapgen $(BUILD)/tools/rw_pcapgen \
	  --runs $(BENCH_RUNS) --bytes $(BENCH_BYTES) --wait-idle $(BENCH_WAIT_IDLE)

bench-profile: deps
	@$(MAKE) --no-print-directory bench-deps BENCH_EXTRA_PKGS="$(PROF_DEB_PKGS)"
	@$(MAKE) --no-print-directory bench-tools
	python3 tools/bench/bench.py --build $(BUILD) --bin $(BIN) --rules rules \
	  --gen $(BENCH_GEN) --floor $(BENCH_FLOOR) --pcapgen $(BUILD)/tools/rw_pcapgen \
	  --bytes $(BENCH_BYTES) --profile
