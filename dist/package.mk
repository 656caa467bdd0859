# SPDX-License-Identifier: GPL-2.0-or-later
# dist/package.mk — the version, Debian packages and the project's self-containment checks;
# included by the top-level Makefile (after dist/install.mk).
#
#   make deb              build/deb/reelwatch_<version>_<arch>.deb with debhelper
#                         (dpkg-buildpackage in a copy of the tree under build/deb/src), and
#                         reelwatch-suricata_<version>_<arch>.deb when make suricata built
#                         build/suricata/reelwatch-suricata.so; lintian's output goes to
#                         build/deb/lintian.txt (and the terminal)
#   make deb-test         as root: build the .deb, install it with apt, replay the demo with
#                         the installed binary, upgrade over itself keeping an edited list,
#                         purge, and check nothing is left (tests/deb/run.sh)
#   make standalone-test  the unit suite and a few end-to-end cases from a copy of the
#                         checkout with nothing beside it (tests/standalone/run.sh)
#   make spdx-check       every source file the project wrote opens with its SPDX line
#                         (tools/spdx.py --check; make lint runs it, --fix adds them)

# The one place the version lives: the file VERSION. main.c gets it as RW_VERSION (reelwatch
# -V), the manual page through install.mk's @VERSION@, debian/changelog from make deb.
RW_VERSION := $(shell cat VERSION)

$(MAIN_OBJ) $(INST_MAIN_OBJ): VERSION
$(MAIN_OBJ) $(INST_MAIN_OBJ): CPPFLAGS += -DRW_VERSION='"$(RW_VERSION)"'

# Debian's packaging tools, for make deb and its test.
DEB_PKGS += debhelper dpkg-dev lintian fakeroot adduser git

DEB_OUT  := $(BUILD)/deb

.PHONY: deb deb-test standalone-test spdx-check

deb:
	@sh dist/mkdeb.sh $(DEB_OUT) $(RW_VERSION) $(BUILD)/suricata/reelwatch-suricata.so

deb-test:
	@if [ "$$(id -u)" != 0 ]; then \
	  echo "deb-test: skipped: installing the package with apt needs root"; exit 0; fi; \
	$(MAKE) --no-print-directory deb && sh tests/deb/run.sh $(DEB_OUT) $(RW_VERSION)

standalone-test:
	@sh tests/standalone/run.sh

spdx-check:
	@python3 tools/spdx.py --check
