# SPDX-License-Identifier: GPL-2.0-or-later
# tests/fuzz/fuzz.mk — libFuzzer targets; included at the end of the top-level Makefile.
#
#   make fuzz                       build $(BUILD)/fuzz/fuzz_<target> for every target:
#                                   decode rules addrlist pcapfile magic ftp ftp_msan expect
#                                   http smtp
#   make fuzz-run [FUZZ_SECONDS=30] fuzz each target N seconds on a copy of its corpus,
#                                   then replay its regression inputs; fails on any finding
#   make fuzz-regress               replay every corpus and regression input once (seconds)
#
# The project's sources are compiled again with clang into $(BUILD)/fuzz/obj with
# -fsanitize=fuzzer-no-link (coverage, no main); only the harnesses link libFuzzer's main.
# tests/fuzz/README.md describes the targets and their input formats.

FUZZ_CC       ?= clang
FUZZ_BUILD    ?= $(BUILD)/fuzz
# No http_msan: rw_http runs on libhtp, which Debian does not build with MemorySanitizer
# (MSan needs every byte of code instrumented).
FUZZ_TARGETS  := decode rules addrlist pcapfile magic ftp ftp_msan expect http smtp evewriter
FUZZ_TARGETS  += addrfmt
FUZZ_TARGETS  += tftp
FUZZ_TARGETS  += stream
FUZZ_TARGETS  += smb
FUZZ_SECONDS  ?= 30
FUZZ_SAN      := -fsanitize=address,undefined -fno-sanitize-recover=all
FUZZ_MSAN     := -fsanitize=memory -fsanitize-memory-track-origins
FUZZ_CFLAGS   := -std=c11 -O1 -g -fno-omit-frame-pointer $(WARN) $(PKG_CFLAGS) -MMD -MP
FUZZ_LIB_OBJ  := $(patsubst %.c,$(FUZZ_BUILD)/obj/%.o,$(CORE_SRC) $(HOST_SRC))
FUZZ_BINS     := $(patsubst %,$(FUZZ_BUILD)/fuzz_%,$(FUZZ_TARGETS))

# The small targets link only what they test, so that they build (and can be fuzzed under
# MemorySanitizer, which needs every byte of code instrumented) whatever else in the tree
# is half-written, and whether or not CORE_SRC lists the file yet.
FUZZ_FTP_SRC    := plugin/core/rw_ftp.c plugin/core/rw_alloc.c plugin/core/rw_num.c
FUZZ_MAGIC_SRC  := plugin/core/rw_magic.c plugin/core/rw_diag.c plugin/core/rw_alloc.c \
                   plugin/core/rw_num.c
FUZZ_EXPECT_SRC := plugin/core/rw_expect.c plugin/core/rw_alloc.c
FUZZ_HTTP_SRC   := plugin/core/rw_http.c plugin/core/rw_http_mp.c plugin/core/rw_alloc.c
FUZZ_SMTP_SRC   := plugin/core/rw_smtp.c plugin/core/rw_mime.c plugin/core/rw_alloc.c
FUZZ_SMTP_OBJ   := $(patsubst %.c,$(FUZZ_BUILD)/obj/%.o,tests/fuzz/fuzz_smtp.c $(FUZZ_SMTP_SRC))
FUZZ_STREAM_SRC := plugin/core/rw_stream.c plugin/core/rw_alloc.c
FUZZ_STREAM_OBJ := $(patsubst %.c,$(FUZZ_BUILD)/obj/%.o,tests/fuzz/fuzz_stream.c $(FUZZ_STREAM_SRC))
FUZZ_SMB_SRC    := plugin/core/rw_smb.c plugin/core/rw_smb1.c plugin/core/rw_smb_files.c \
                   plugin/core/rw_alloc.c
FUZZ_SMB_OBJ    := $(patsubst %.c,$(FUZZ_BUILD)/obj/%.o,tests/fuzz/fuzz_smb.c $(FUZZ_SMB_SRC))
FUZZ_FTP_OBJ    := $(patsubst %.c,$(FUZZ_BUILD)/obj/%.o,tests/fuzz/fuzz_ftp.c $(FUZZ_FTP_SRC))
FUZZ_MAGIC_OBJ  := $(patsubst %.c,$(FUZZ_BUILD)/obj/%.o,tests/fuzz/fuzz_magic.c $(FUZZ_MAGIC_SRC))
FUZZ_EXPECT_OBJ := $(patsubst %.c,$(FUZZ_BUILD)/obj/%.o,tests/fuzz/fuzz_expect.c $(FUZZ_EXPECT_SRC))
FUZZ_HTTP_OBJ   := $(patsubst %.c,$(FUZZ_BUILD)/obj/%.o,tests/fuzz/fuzz_http.c $(FUZZ_HTTP_SRC))
FUZZ_TFTP_SRC   := plugin/core/rw_tftp.c plugin/core/rw_alloc.c plugin/core/rw_num.c
FUZZ_TFTP_OBJ   := $(patsubst %.c,$(FUZZ_BUILD)/obj/%.o,tests/fuzz/fuzz_tftp.c $(FUZZ_TFTP_SRC))
FUZZ_MSAN_OBJ   := $(patsubst %.c,$(FUZZ_BUILD)/obj-msan/%.o,tests/fuzz/fuzz_ftp.c $(FUZZ_FTP_SRC))
FUZZ_OBJ        := $(patsubst %,$(FUZZ_BUILD)/obj/tests/fuzz/fuzz_%.o,decode rules addrlist pcapfile \
                     evewriter addrfmt) \
                   $(FUZZ_BUILD)/obj/tests/fuzz/fuzzhost.o $(FUZZ_FTP_OBJ) $(FUZZ_MAGIC_OBJ) \
                   $(FUZZ_EXPECT_OBJ) $(FUZZ_MSAN_OBJ) $(FUZZ_HTTP_OBJ) $(FUZZ_SMTP_OBJ)
FUZZ_OBJ        += $(FUZZ_SMB_OBJ)

FUZZ_OBJ        += $(FUZZ_TFTP_OBJ)

# Objects reached only through pattern rules are not intermediate files to delete.
.SECONDARY: $(FUZZ_LIB_OBJ) $(FUZZ_OBJ)
.SECONDARY: $(FUZZ_STREAM_OBJ)

.PHONY: fuzz fuzz-run fuzz-regress fuzz-deps

# clang 14's libFuzzer runtime ships in libclang-rt-14-dev (LIBRARY-NOTES.md).
fuzz-deps:
	@command -v $(FUZZ_CC) >/dev/null && dpkg-query -W -f='$${Status}' libclang-rt-14-dev 2>/dev/null \
	  | grep -q "ok installed" || { \
	  if [ "$$(id -u)" != 0 ]; then echo "fuzz: need clang and libclang-rt-14-dev (run as root to install)" >&2; exit 1; fi; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
	    clang libclang-rt-14-dev >/dev/null; }

fuzz: $(FUZZ_BINS)

$(FUZZ_BUILD)/obj/%.o: %.c | fuzz-deps
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(CPPFLAGS) $(TEST_DEFS) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link $(FUZZ_SAN) \
	  -DFUZZ_SRCDIR='"$(CURDIR)"' -Itests/fuzz -c $< -o $@

$(FUZZ_BUILD)/obj-msan/%.o: %.c | fuzz-deps
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(CPPFLAGS) $(TEST_DEFS) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link $(FUZZ_MSAN) \
	  -Itests/fuzz -c $< -o $@

# decode and pcapfile share the host's packet path (fuzzhost.c).
$(FUZZ_BUILD)/fuzz_decode $(FUZZ_BUILD)/fuzz_pcapfile: $(FUZZ_BUILD)/obj/tests/fuzz/fuzzhost.o

$(FUZZ_BUILD)/fuzz_%: $(FUZZ_BUILD)/obj/tests/fuzz/fuzz_%.o $(FUZZ_LIB_OBJ)
	$(FUZZ_CC) -fsanitize=fuzzer $(FUZZ_SAN) -o $@ $^ $(PKG_LIBS) -lpthread

$(FUZZ_BUILD)/fuzz_ftp: $(FUZZ_FTP_OBJ)
	$(FUZZ_CC) -fsanitize=fuzzer $(FUZZ_SAN) -o $@ $^

$(FUZZ_BUILD)/fuzz_ftp_msan: $(FUZZ_MSAN_OBJ)
	$(FUZZ_CC) -fsanitize=fuzzer $(FUZZ_MSAN) -o $@ $^

$(FUZZ_BUILD)/fuzz_http: $(FUZZ_HTTP_OBJ)
	$(FUZZ_CC) -fsanitize=fuzzer $(FUZZ_SAN) -o $@ $^ $(shell pkg-config --libs htp) -lpthread

$(FUZZ_BUILD)/fuzz_smtp: $(FUZZ_SMTP_OBJ)
	$(FUZZ_CC) -fsanitize=fuzzer $(FUZZ_SAN) -o $@ $^

$(FUZZ_BUILD)/fuzz_stream: $(FUZZ_STREAM_OBJ)
	$(FUZZ_CC) -fsanitize=fuzzer $(FUZZ_SAN) -o $@ $^

$(FUZZ_BUILD)/fuzz_smb: $(FUZZ_SMB_OBJ)
	$(FUZZ_CC) -fsanitize=fuzzer $(FUZZ_SAN) -o $@ $^

$(FUZZ_BUILD)/fuzz_expect: $(FUZZ_EXPECT_OBJ)
	$(FUZZ_CC) -fsanitize=fuzzer $(FUZZ_SAN) -o $@ $^

$(FUZZ_BUILD)/fuzz_tftp: $(FUZZ_TFTP_OBJ)
	$(FUZZ_CC) -fsanitize=fuzzer $(FUZZ_SAN) -o $@ $^

$(FUZZ_BUILD)/fuzz_magic: $(FUZZ_MAGIC_OBJ)
	$(FUZZ_CC) -fsanitize=fuzzer $(FUZZ_SAN) -o $@ $^ -lmagic

fuzz-run: fuzz
	@sh tests/fuzz/run.sh run $(FUZZ_SECONDS) $(FUZZ_BUILD) $(FUZZ_TARGETS)

fuzz-regress: fuzz
	@sh tests/fuzz/run.sh regress 0 $(FUZZ_BUILD) $(FUZZ_TARGETS)
