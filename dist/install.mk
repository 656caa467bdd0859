# SPDX-License-Identifier: GPL-2.0-or-later
# dist/install.mk — make install / uninstall / ops-test; included by the top-level Makefile.
#
#   make install   [PREFIX=/usr/local] [DESTDIR=]   build an installed variant and copy it
#   make uninstall [PREFIX=/usr/local] [DESTDIR=]   remove exactly what install copied
#   make ops-test                                   the EVE sink's CUnit tests (normal and
#                                                   ASan), then tests/ops/run.sh (install,
#                                                   the documents' examples, privileges,
#                                                   stats, live capture on veth)
#
# Layout (PREFIX=/usr/local; with PREFIX=/usr the configuration goes to /etc/reelwatch and
# the unit to /lib/systemd/system):
#   $(SBINDIR)/reelwatch                         built with -DRW_DEFAULT_RULES=$(RW_CONFDIR)
#   $(RW_CONFDIR)/reelwatch.yaml, studio.magic, lists/dprk.txt, lists/watch.txt (the site's
#                                                list: kept when it exists or was edited)
#   $(MANDIR)/man8/reelwatch.8
#   $(SYSTEMDUNITDIR)/reelwatch.service
#   $(LOGROTATEDIR)/reelwatch                    logrotate reads only /etc/logrotate.d
#
# The binary of the source tree (build/reelwatch) keeps the relative default "rules" so that
# `make run` works from the checkout; the installed one is main.c compiled again, with the
# configuration directory as its default -c.

SBINDIR        ?= $(PREFIX)/sbin
SYSCONFDIR     ?= $(if $(filter /usr,$(PREFIX)),/etc,$(PREFIX)/etc)
RW_CONFDIR     ?= $(SYSCONFDIR)/reelwatch
MANDIR         ?= $(PREFIX)/share/man
SYSTEMDUNITDIR ?= $(if $(filter /usr,$(PREFIX)),/lib/systemd/system,$(PREFIX)/lib/systemd/system)
LOGROTATEDIR   ?= /etc/logrotate.d
RW_LOGDIR      ?= /var/log/reelwatch
RW_PLUGINDIR   ?= $(PREFIX)/lib/reelwatch
RW_SURICATA_CONFDIR ?= $(SYSCONFDIR)/suricata

INST_DIR       := $(BUILD)/install
INST_BIN       := $(INST_DIR)/reelwatch
INST_MAIN_OBJ  := $(INST_DIR)/main.o
INST_STAMP     := $(INST_DIR)/confdir.txt
# Shipped files, replaced by every install; and the site's own list (ships empty), installed
# only when absent and removed by uninstall only while it is still the shipped one.
RW_RULE_FILES  := reelwatch.yaml studio.magic lists/dprk.txt
RW_SITE_FILES  := lists/watch.txt

# Debian packages ops-test needs beyond DEB_PKGS: ip (iproute2) for the veth namespace test.
OPS_DEB_PKGS   := iproute2

.PHONY: install uninstall ops-test ops-deps rw-install-force

# Rebuilt when the configuration directory changes, not on every make.
$(INST_STAMP): rw-install-force
	@mkdir -p $(dir $@)
	@echo '$(RW_CONFDIR)' | cmp -s - $@ || echo '$(RW_CONFDIR)' > $@

$(INST_MAIN_OBJ): plugin/pcap/main.c $(INST_STAMP)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(TEST_DEFS) -DRW_DEFAULT_RULES='"$(RW_CONFDIR)"' $(CFLAGS) -c $< -o $@

$(INST_BIN): $(LIB_OBJ) $(INST_MAIN_OBJ)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(LDLIBS)

# Placeholders in the unit and the man page: @SBINDIR@, @CONFDIR@, @LOGDIR@, @VERSION@.
RW_SUBST = sed -e 's|@SBINDIR@|$(SBINDIR)|g' -e 's|@CONFDIR@|$(RW_CONFDIR)|g' \
               -e 's|@LOGDIR@|$(RW_LOGDIR)|g' -e 's|@VERSION@|$(RW_VERSION)|g'

install: $(INST_BIN)
	install -d $(DESTDIR)$(SBINDIR) $(DESTDIR)$(RW_CONFDIR)/lists $(DESTDIR)$(MANDIR)/man8 \
	  $(DESTDIR)$(SYSTEMDUNITDIR) $(DESTDIR)$(LOGROTATEDIR)
	install -m 0755 $(INST_BIN) $(DESTDIR)$(SBINDIR)/reelwatch
	for f in $(RW_RULE_FILES); do install -m 0644 rules/$$f $(DESTDIR)$(RW_CONFDIR)/$$f || exit 1; done
	for f in $(RW_SITE_FILES); do [ -e $(DESTDIR)$(RW_CONFDIR)/$$f ] || \
	  install -m 0644 rules/$$f $(DESTDIR)$(RW_CONFDIR)/$$f || exit 1; done
	$(RW_SUBST) dist/reelwatch.8 > $(DESTDIR)$(MANDIR)/man8/reelwatch.8
	chmod 0644 $(DESTDIR)$(MANDIR)/man8/reelwatch.8
	$(RW_SUBST) dist/reelwatch.service > $(DESTDIR)$(SYSTEMDUNITDIR)/reelwatch.service
	chmod 0644 $(DESTDIR)$(SYSTEMDUNITDIR)/reelwatch.service
	$(RW_SUBST) dist/reelwatch.logrotate > $(DESTDIR)$(LOGROTATEDIR)/reelwatch
	chmod 0644 $(DESTDIR)$(LOGROTATEDIR)/reelwatch
	@# The Suricata plugin when it was built (make suricata), with its include file pointing
	@# at where the plugin and the rules were installed. The include file goes beside
	@# suricata.yaml, not into the rule directory (reelwatch -c loads every YAML file there).
	if [ -f $(BUILD)/suricata/reelwatch-suricata.so ]; then \
	  install -d $(DESTDIR)$(RW_PLUGINDIR) $(DESTDIR)$(RW_SURICATA_CONFDIR) && \
	  install -m 0644 $(BUILD)/suricata/reelwatch-suricata.so $(DESTDIR)$(RW_PLUGINDIR)/ && \
	  sed -e 's|/usr/lib/reelwatch/reelwatch-suricata.so|$(RW_PLUGINDIR)/reelwatch-suricata.so|' \
	      -e 's|^  rules: /etc/reelwatch$$|  rules: $(RW_CONFDIR)|' dist/reelwatch-suricata.yaml \
	      > $(DESTDIR)$(RW_SURICATA_CONFDIR)/reelwatch-suricata.yaml && \
	  chmod 0644 $(DESTDIR)$(RW_SURICATA_CONFDIR)/reelwatch-suricata.yaml; fi

# Removes the files install wrote, then the directories that are left empty (never a
# shared one that still holds something else).
uninstall:
	rm -f $(DESTDIR)$(SBINDIR)/reelwatch $(DESTDIR)$(MANDIR)/man8/reelwatch.8 \
	  $(DESTDIR)$(SYSTEMDUNITDIR)/reelwatch.service $(DESTDIR)$(LOGROTATEDIR)/reelwatch
	for f in $(RW_RULE_FILES); do rm -f $(DESTDIR)$(RW_CONFDIR)/$$f; done
	rm -f $(DESTDIR)$(RW_PLUGINDIR)/reelwatch-suricata.so \
	  $(DESTDIR)$(RW_SURICATA_CONFDIR)/reelwatch-suricata.yaml
	-rmdir $(DESTDIR)$(RW_PLUGINDIR) 2>/dev/null
	for f in $(RW_SITE_FILES); do ! cmp -s rules/$$f $(DESTDIR)$(RW_CONFDIR)/$$f || \
	  rm -f $(DESTDIR)$(RW_CONFDIR)/$$f; done
	-rmdir $(DESTDIR)$(RW_CONFDIR)/lists $(DESTDIR)$(RW_CONFDIR) 2>/dev/null

ops-deps:
	@missing=""; for p in $(OPS_DEB_PKGS); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" != 0 ]; then echo "ops-deps: need root to apt-get install$$missing" >&2; exit 1; fi; \
	  echo "ops-deps: installing$$missing"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing >/dev/null; \
	fi

# CUnit tests of the EVE sink (tests/ops/test_rw_evefile.c), with tests/unit/main.c and a
# suite list of their own, built normally and with ASan + UBSan (leak checking on).
OPS_DIR        := $(BUILD)/ops
OPS_UNIT_SRC   := tests/unit/main.c tests/ops/test_rw_evefile.c plugin/pcap/rw_evefile.c \
                  plugin/core/rw_alloc.c
OPS_UNIT_CF    := $(CPPFLAGS) $(TEST_DEFS) -I$(OPS_DIR) -std=c11 -g $(WARN) $(PKG_CFLAGS)
OPS_ASAN       := -O1 -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer

$(OPS_DIR)/suites.gen.h:
	@mkdir -p $(dir $@)
	@printf 'extern CU_SuiteInfo rw_suites_evefile[];\n#define RW_ALL_SUITES rw_suites_evefile,\n' > $@

$(OPS_DIR)/rw_ops_unit: $(OPS_UNIT_SRC) plugin/pcap/rw_evefile.h $(OPS_DIR)/suites.gen.h
	$(CC) $(OPS_UNIT_CF) -O2 -o $@ $(OPS_UNIT_SRC) $(LDLIBS) -lcunit

$(OPS_DIR)/rw_ops_unit_asan: $(OPS_UNIT_SRC) plugin/pcap/rw_evefile.h $(OPS_DIR)/suites.gen.h
	$(CC) $(OPS_UNIT_CF) $(OPS_ASAN) -o $@ $(OPS_UNIT_SRC) $(LDLIBS) -lcunit

ops-test: ops-deps
	@$(MAKE) --no-print-directory $(BIN) $(OPS_DIR)/rw_ops_unit $(OPS_DIR)/rw_ops_unit_asan
	$(OPS_DIR)/rw_ops_unit
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 $(OPS_DIR)/rw_ops_unit_asan
	tests/ops/run.sh --bin $(BIN) --build $(BUILD)
