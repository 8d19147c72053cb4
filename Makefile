# cot -- auditing chain-of-thought in fine-tuning data.
# Plain GNU make.  Dependencies come from pkg-config: libzstd, libcjson,
# libpcre2-8 (Debian: libzstd-dev libcjson-dev libpcre2-dev).

PREFIX  ?= /usr/local
BINDIR  ?= $(PREFIX)/bin
MANDIR  ?= $(PREFIX)/share/man
DATADIR ?= $(PREFIX)/share/cot
DESTDIR ?=

CC      ?= cc
CFLAGS  ?= -O2 -g
PKGS    := libzstd libcjson libpcre2-8
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null)
ALL_CFLAGS = -std=c11 -pthread -Wall -Wextra -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE \
             -DCOT_DATADIR='"$(DATADIR)"' -Ilib $(PKG_CFLAGS) $(CFLAGS)
LIBS    = $(PKG_LIBS) -pthread -lm

# Sanitizer builds live under their own build directory.
B       ?= build
BIN     ?= bin

LIB_SRC  := $(wildcard lib/*.c)
LIB_OBJ  := $(LIB_SRC:%.c=$(B)/%.o)
LIB_A    := $(B)/libcot.a
TOOLS    := $(patsubst cmd/%.c,$(BIN)/%,$(wildcard cmd/cot-*.c))
UNIT     := $(patsubst tests/unit/%.c,$(B)/tests/%,$(wildcard tests/unit/test-*.c))
MAN      := $(wildcard man/*.[157])

.PHONY: all check check-unit check-cli check-real asan tsan deps demo bench \
        install uninstall clean fuzz fuzz-bins
.DELETE_ON_ERROR:
.SECONDARY:

all: deps-ok $(TOOLS)

# Fail early, with the fix, when a library is missing.
deps-ok:
	@pkg-config --exists $(PKGS) || { \
	  echo "missing build dependencies; run: scripts/deps.sh" >&2; exit 1; }
.PHONY: deps-ok

deps:
	scripts/deps.sh

$(B)/%.o: %.c $(wildcard lib/*.h) | deps-ok
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -MMD -c -o $@ $<

$(LIB_A): $(LIB_OBJ)
	@rm -f $@
	ar rcs $@ $^

$(BIN)/%: $(B)/cmd/%.o $(LIB_A)
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -o $@ $^ $(LIBS)

$(B)/tests/%: $(B)/tests/unit/%.o $(B)/tests/unit/tap.o $(B)/tests/unit/lcsref.o $(LIB_A)
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -o $@ $^ $(LIBS)

# libFuzzer harnesses (tests/fuzz/): clang with ASan and UBSan, in their own
# build directory.  `make fuzz` builds them; FUZZ_SECONDS=N also runs each
# for N seconds (scripts/fuzz.sh).
FUZZ_CC      ?= clang
FUZZ_CFLAGS  ?= -O1 -g -fsanitize=fuzzer-no-link,address,undefined \
                -fno-sanitize-recover=undefined -fno-omit-frame-pointer
FUZZ_SECONDS ?= 0
FUZZ_BINS    := $(patsubst tests/fuzz/%.c,$(B)/%,$(wildcard tests/fuzz/fuzz-*.c))

fuzz:
	$(MAKE) B=build/fuzz BIN=build/fuzz/bin CC=$(FUZZ_CC) CFLAGS="$(FUZZ_CFLAGS)" fuzz-bins
	@if [ "$(FUZZ_SECONDS)" != 0 ]; then scripts/fuzz.sh $(FUZZ_SECONDS); fi

fuzz-bins: $(FUZZ_BINS)

$(B)/fuzz-%: $(B)/tests/fuzz/fuzz-%.o $(LIB_A)
	$(CC) $(ALL_CFLAGS) -fsanitize=fuzzer -o $@ $^ $(LIBS)

# Everything runs under prove: C unit tests emit TAP, CLI suites are bash
# scripts emitting TAP.  COT_BIN tells the CLI suites which binaries to use.
# First each fuzz harness runs for FUZZ_CHECK_SECONDS when clang can build
# them (FUZZ_CHECK_SECONDS=0 skips; the asan run skips them).
FUZZ_CHECK_SECONDS ?= 4
# The fuzz step runs first, so that prove's summary closes the output.
check: all $(UNIT)
	@if [ "$(FUZZ_CHECK_SECONDS)" != 0 ]; then \
	  MAKE="$(MAKE)" scripts/fuzz.sh --check $(FUZZ_CHECK_SECONDS); fi
	COT_BIN=$(abspath $(BIN)) COT_MAKEVARS="B=$(B) BIN=$(BIN)" \
	  prove -e '' $(UNIT) tests/cli/*.t

check-unit: $(UNIT)
	prove -e '' $(UNIT)

# Only when ../shared/data exists (public datasets; not part of `check`).
check-real: all
	COT_BIN=$(abspath $(BIN)) tests/real/run.sh

asan:
	$(MAKE) B=build/asan BIN=build/asan/bin \
	  CFLAGS="-O1 -g -fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer" \
	  FUZZ_CHECK_SECONDS=0 check

# ThreadSanitizer over the suite (the -@ N worker pool, lib/workers.c).
tsan:
	$(MAKE) B=build/tsan BIN=build/tsan/bin \
	  CFLAGS="-O1 -g -fsanitize=thread -fno-omit-frame-pointer" \
	  FUZZ_CHECK_SECONDS=0 check

demo: all
	@scripts/demo.sh

bench: all
	bench/run-all.sh

install: all
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man1 \
	  $(DESTDIR)$(MANDIR)/man5 $(DESTDIR)$(MANDIR)/man7 $(DESTDIR)$(DATADIR)
	install -m 755 $(TOOLS) $(DESTDIR)$(BINDIR)
	for m in $(MAN); do s=$${m##*.}; \
	  install -m 644 $$m $(DESTDIR)$(MANDIR)/man$$s/; done
	if [ -d rules ]; then install -m 644 rules/* $(DESTDIR)$(DATADIR)/; fi

uninstall:
	for t in $(notdir $(TOOLS)); do rm -f $(DESTDIR)$(BINDIR)/$$t; done
	for m in $(notdir $(MAN)); do s=$${m##*.}; \
	  rm -f $(DESTDIR)$(MANDIR)/man$$s/$$m; done
	rm -rf $(DESTDIR)$(DATADIR)

clean:
	rm -rf build bin

-include $(shell find $(B) -name '*.d' 2>/dev/null)
