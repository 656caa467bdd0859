# dist/package.mk — the version, Debian packages and the project's self-containment checks;
# included by the top-level Makefile (after dist/install.mk).

# The one place the version lives: the file VERSION. main.c gets it as RW_VERSION (reelwatch
# -V), the manual page through install.mk's @VERSION@, debian/changelog from make deb.
RW_VERSION := $(shell cat VERSION)

$(MAIN_OBJ) $(INST_MAIN_OBJ): VERSION
$(MAIN_OBJ) $(INST_MAIN_OBJ): CPPFLAGS += -DRW_VERSION='"$(RW_VERSION)"'
