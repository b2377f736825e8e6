# fuzz.mk - builds the libFuzzer targets of fuzz/ with clang
#
# Run by "make fuzz" from the build directory (Makefile.am), which passes
# top_srcdir and top_builddir; the build's config.h is reused, every
# object is compiled again here with clang, so the normal (gcc) build and
# its objects are never touched.  GNU make.
#
# The library and the milter's modules get ASan, UBSan and libFuzzer's
# coverage instrumentation (fuzzer-no-link); each target links libFuzzer.
# FUZZ_CC, FUZZ_CFLAGS may be given on the command line.

top_srcdir ?= ..
top_builddir ?= ..
out = $(top_builddir)/fuzz
obj = $(out)/obj

FUZZ_CC ?= clang
FUZZ_CFLAGS ?= -g -O1
SAN = -fsanitize=address,undefined -fno-sanitize-recover=undefined \
	-fno-omit-frame-pointer
PKGS = libpcre2-8 jansson
CPPFLAGS_ALL = -std=c11 -D_GNU_SOURCE -I$(top_builddir) -I$(top_srcdir)/lib \
	-I$(top_srcdir)/milter \
	-DFUZZ_RULES_DIR='"$(abspath $(top_srcdir))/rules"' \
	$(shell pkg-config --cflags $(PKGS))
LIBS_ALL = $(shell pkg-config --libs $(PKGS)) -lpthread
CFLAGS_ALL = $(FUZZ_CFLAGS) $(SAN) -Wall -Wextra -Wno-unused-parameter
# Each object remembers the headers it read (-MMD), so that a changed
# struct in a header rebuilds every object that uses it.
DEPFLAGS = -MMD -MP

lib_src = $(filter-out %.h,$(wildcard $(top_srcdir)/lib/*.c))
lib_obj = $(patsubst $(top_srcdir)/lib/%.c,$(obj)/lib/%.o,$(lib_src))

targets = fuzz_classify fuzz_rewrite fuzz_rules fuzz_settings fuzz_mlfi
programs = $(addprefix $(out)/,$(targets))

all: $(programs)

$(obj)/lib/%.o: $(top_srcdir)/lib/%.c
	@mkdir -p $(@D)
	@echo "  FUZZCC   $@"; $(FUZZ_CC) $(CPPFLAGS_ALL) $(CFLAGS_ALL) $(DEPFLAGS) -fsanitize=fuzzer-no-link -c $< -o $@

$(obj)/milter/%.o: $(top_srcdir)/milter/%.c
	@mkdir -p $(@D)
	@echo "  FUZZCC   $@"; $(FUZZ_CC) $(CPPFLAGS_ALL) $(CFLAGS_ALL) $(DEPFLAGS) -fsanitize=fuzzer-no-link -c $< -o $@

$(obj)/fuzz/%.o: $(top_srcdir)/fuzz/%.c $(top_srcdir)/fuzz/fuzz_util.h
	@mkdir -p $(@D)
	@echo "  FUZZCC   $@"; $(FUZZ_CC) $(CPPFLAGS_ALL) $(CFLAGS_ALL) $(DEPFLAGS) -fsanitize=fuzzer-no-link -c $< -o $@

$(out)/fuzz_classify: $(obj)/fuzz/fuzz_classify.o $(obj)/fuzz/fuzz_util.o $(lib_obj)
$(out)/fuzz_rewrite: $(obj)/fuzz/fuzz_rewrite.o $(obj)/fuzz/fuzz_util.o $(lib_obj)
$(out)/fuzz_rules: $(obj)/fuzz/fuzz_rules.o $(obj)/fuzz/fuzz_util.o $(lib_obj)
$(out)/fuzz_settings: $(obj)/fuzz/fuzz_settings.o $(obj)/fuzz/fuzz_util.o \
	$(obj)/milter/settings.o $(lib_obj)
# mlfi.c against a shim of the smfi_* calls it makes: no libmilter.
$(out)/fuzz_mlfi: $(obj)/fuzz/fuzz_mlfi.o $(obj)/fuzz/fuzz_util.o \
	$(obj)/fuzz/smfi_shim.o $(obj)/milter/mlfi.o $(obj)/milter/state.o \
	$(obj)/milter/settings.o $(lib_obj)

$(programs):
	@echo "  FUZZLD   $@"; $(FUZZ_CC) $(CFLAGS_ALL) -fsanitize=fuzzer $^ $(LIBS_ALL) -o $@

clean:
	rm -rf $(obj) $(programs)

-include $(wildcard $(obj)/*/*.d)

.PHONY: all clean
