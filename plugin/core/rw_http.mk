# SPDX-License-Identifier: GPL-2.0-or-later
# plugin/core/rw_http.mk — libhtp for rw_http.c; included from the top-level Makefile.
# Debian's bookworm-backports libhtp 0.5.50 is the version Suricata 7.0.10 is built with.
DEB_BPO_PKGS += libhtp-dev
# zlib's headers: tools/bench/rw_httpmem.c (make http-mem) compresses its test body.
DEB_PKGS     += zlib1g-dev
# libhtp's headers are included as system headers, like nDPI's.
PKG_CFLAGS += $(shell pkg-config --cflags htp 2>/dev/null | sed 's/-I/-isystem /g')
PKG_LIBS   += $(shell pkg-config --libs htp 2>/dev/null)

# make http-mem: heap held per HTTP parser (mallinfo2) against rw_http_bytes, in four
# states (tools/bench/rw_httpmem.c); the figures behind rw_http.c's constants.
HTTPMEM := $(BUILD)/tools/bench/rw_httpmem
$(HTTPMEM): tools/bench/rw_httpmem.c $(BUILD)/plugin/core/rw_http.o $(BUILD)/plugin/core/rw_http_mp.o \
            $(BUILD)/plugin/core/rw_alloc.o
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) -o $@ $^ $(LDLIBS) -lz
.PHONY: http-mem
http-mem: $(HTTPMEM)
	$(HTTPMEM) 20000
