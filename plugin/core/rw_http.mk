# plugin/core/rw_http.mk — libhtp for rw_http.c; included from the top-level Makefile.
# Debian's bookworm-backports libhtp 0.5.50 is the version Suricata 7.0.10 is built with.
DEB_BPO_PKGS += libhtp-dev
# libhtp's headers are included as system headers, like nDPI's.
PKG_CFLAGS += $(shell pkg-config --cflags htp 2>/dev/null | sed 's/-I/-isystem /g')
PKG_LIBS   += $(shell pkg-config --libs htp 2>/dev/null)
