# SPDX-License-Identifier: GPL-2.0-or-later
# suricata.mk — reelwatch-suricata.so, the core as a Suricata 7.0 plugin (docs/suricata.md).
#
#   make suricata       Debian's Suricata 7.0.10 and what its headers need (bookworm-backports),
#                       its source fetched and configured in build/suricata-src (headers only:
#                       nothing of Suricata is compiled), then build/suricata/reelwatch-suricata.so
#   make suricata-test  the plugin inside Debian's real /usr/bin/suricata (tests/suricata/run.py)
#
# The standalone build (make all, make run) never needs any of this.

SURICATA_VERSION := 7.0.10
# Build dependencies of the headers' configure (src/autoconf.h), from bookworm and backports.
SURICATA_DEB_PKGS := dpkg-dev xz-utils libpcre2-dev libyaml-dev libjansson-dev libpcap-dev \
                     libcap-ng-dev libmagic-dev zlib1g-dev liblz4-dev rustc cargo \
                     libnet1-dev libnetfilter-queue-dev libhiredis-dev libevent-dev \
                     libmaxminddb-dev libbpf-dev libnss3-dev libnspr4-dev
# What suricata-test uses besides: a veth pair for the live AF_PACKET case.
SURICATA_DEB_PKGS += tcpreplay iproute2 python3-jsonschema
SURICATA_DEB_BPO_PKGS := suricata libhtp-dev
DEB_PKGS     += $(SURICATA_DEB_PKGS)
DEB_BPO_PKGS += $(SURICATA_DEB_BPO_PKGS)

SC_SRC   := $(BUILD)/suricata-src/suricata-$(SURICATA_VERSION)
SC_CONF  := $(SC_SRC)/src/autoconf.h
SC_OUT   := $(BUILD)/suricata
SC_SO    := $(SC_OUT)/reelwatch-suricata.so
# The core again, position-independent and without the test build's hooks.
SC_CORE_OBJ := $(patsubst plugin/core/%.c,$(SC_OUT)/core/%.o,$(CORE_SRC))
SC_CFLAGS := -std=c11 -O2 -g -fPIC -fvisibility=hidden -D_FORTIFY_SOURCE=2 $(WARN) $(PKG_CFLAGS)
# Suricata's headers are not -Wstrict-prototypes / -Wshadow clean: system headers to us.
SC_PLUGIN_CFLAGS := -std=gnu11 -O2 -g -fPIC -fvisibility=hidden -Wall -Wextra -Werror \
                    -Wno-unused-parameter -DHAVE_CONFIG_H -D__SCFILENAME__=\"rw_suricata.c\" \
                    -isystem $(SC_SRC)/src -isystem $(SC_SRC)/rust/dist -isystem /usr/include/htp \
                    -Iplugin/core $(PKG_CFLAGS)

.PHONY: suricata suricata-headers suricata-test

suricata: deps
	@$(MAKE) --no-print-directory $(SC_SO)

suricata-headers: $(SC_CONF)

# apt-get source may exit non-zero (the Debian tarball's ~ and + names were refused here)
# while the upstream tarball, all we need, arrives: its SHA-256 is what decides.
$(SC_CONF):
	@mkdir -p $(BUILD)/suricata-src
	@cd $(BUILD)/suricata-src && { [ -f suricata_$(SURICATA_VERSION).orig.tar.xz ] || \
	  apt-get source -t bookworm-backports --download-only suricata=$(SURICATA_VERSION)-1~bpo12+1 >fetch.log 2>&1 || \
	  apt-get source --download-only suricata >>fetch.log 2>&1 || true; }
	@want=$$(apt-cache showsrc suricata | awk '/^Checksums-Sha256:/{s=1;next} /^[^ ]/{s=0} s && $$3=="suricata_$(SURICATA_VERSION).orig.tar.xz"{print $$1; exit}'); \
	 got=$$(sha256sum $(BUILD)/suricata-src/suricata_$(SURICATA_VERSION).orig.tar.xz 2>/dev/null | cut -d' ' -f1); \
	 if [ -z "$$want" ] || [ "$$want" != "$$got" ]; then \
	   echo "suricata: suricata_$(SURICATA_VERSION).orig.tar.xz missing or SHA-256 '$$got' is not apt's '$$want' (see $(BUILD)/suricata-src/fetch.log)" >&2; exit 1; fi
	cd $(BUILD)/suricata-src && rm -rf suricata-$(SURICATA_VERSION) && tar xJf suricata_$(SURICATA_VERSION).orig.tar.xz
	@echo "suricata: configuring the headers like Debian's binary (suricata --build-info)"
	cd $(SC_SRC) && ./configure --enable-non-bundled-htp --enable-nfqueue --enable-hiredis \
	  --enable-geoip --enable-ebpf --disable-gccmarch-native >../configure.log 2>&1 \
	  || { tail -20 ../configure.log >&2; exit 1; }

$(SC_OUT)/core/%.o: plugin/core/%.c
	@mkdir -p $(dir $@)
	$(CC) -D_DEFAULT_SOURCE -Iplugin/core $(SC_CFLAGS) -MMD -MP -c $< -o $@

$(SC_OUT)/rw_suricata.o: plugin/suricata/rw_suricata.c plugin/core/rw.h $(SC_CONF)
	@mkdir -p $(dir $@)
	$(CC) $(SC_PLUGIN_CFLAGS) -c $< -o $@

$(SC_SO): $(SC_OUT)/rw_suricata.o $(SC_CORE_OBJ)
	$(CC) -shared -Wl,-z,relro -Wl,-z,now -o $@ $^ $(PKG_LIBS) -lpthread

suricata-test: suricata $(BIN) tools
	python3 tests/suricata/run.py --build $(BUILD)

# make bench's Suricata row: Suricata alone vs with the plugin on the bench capture (single
# runmode, same configuration; goals: <= 10% wall, <= 64 MiB RSS). A prerequisite of bench,
# so that bench.mk stays as it is; BENCH_* come from tools/bench/bench.mk.
.PHONY: bench-suricata
bench-suricata: suricata
	@$(MAKE) --no-print-directory $(BUILD)/tools/bench/rw_benchgen
	-python3 plugin/suricata/bench.py --build $(BUILD) --runs $(BENCH_RUNS) --bytes $(BENCH_BYTES)
bench: bench-suricata
