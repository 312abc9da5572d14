# Shaobing — GNU Makefile.  `make` builds the three programs into build/bin.
# `make SANITIZE=1` builds the ASan+UBSan variant into build-san/.
# Sources are found by folder; a new module needs no edit here.

CC	?= cc
ifeq ($(CC),cc)
CC	:= gcc
endif
PKG_CONFIG ?= pkg-config

# ARCH=arm64: cross-build with Debian's multiarch (make deps ARCH=arm64
# installs aarch64-linux-gnu-gcc and the arm64 -dev packages) into
# build-arm64/.  A ccache prefix in CC is kept.
# Only ARCH given to make counts: an ARCH in the environment (some CI
# systems set ARCH=x86_64) is not a request to cross-build.
ifeq ($(origin ARCH),environment)
ARCH	:=
endif
ifeq ($(ARCH),arm64)
CROSS	:= aarch64-linux-gnu-
CC	:= $(filter ccache,$(CC)) $(CROSS)gcc
AR	:= $(CROSS)ar
PKG_CONFIG := $(CROSS)pkg-config
BUILD	?= build-arm64$(if $(filter 1,$(SANITIZE)),-san)
else ifneq ($(ARCH),)
ifneq ($(ARCH),$(shell dpkg --print-architecture 2>/dev/null))
$(error ARCH=$(ARCH) is not supported: use ARCH=arm64, or build natively on the machine (make deps && make deb))
endif
endif

ifeq ($(SANITIZE),1)
BUILD	?= build-san
OPT	?= -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=undefined
LDSAN	:= -fsanitize=address,undefined
else
BUILD	?= build
OPT	?= -O2 -g
LDSAN	:=
endif

PKGS	:= libpcap openssl sqlite3 libcurl inih libevent libevent_openssl libevent_pthreads jansson zlib netsnmp gumbo
# Debian 12's libevent-dev and libsnmp-dev are not Multi-Arch: same, so
# they cannot be installed for amd64 and arm64 at once.  Without their
# arm64 -dev packages the cross build uses the native headers (the same
# bytes for amd64 and arm64: both LP64 little-endian) and links the
# co-installable arm64 runtime libraries (libevent-*-2.1-7:arm64,
# libsnmp40:arm64) by soname.
XLIBS	:=
ifeq ($(ARCH),arm64)
ifneq ($(shell $(PKG_CONFIG) --exists libevent && echo y),y)
PKGS	:= $(filter-out libevent%,$(PKGS))
XLIBS	:= $(patsubst %,/usr/lib/aarch64-linux-gnu/lib%-2.1.so.7,event event_openssl event_pthreads)
endif
ifneq ($(shell $(PKG_CONFIG) --exists netsnmp && echo y),y)
PKGS	:= $(filter-out netsnmp,$(PKGS))
XLIBS	+= /usr/lib/aarch64-linux-gnu/libnetsnmp.so.40
endif
endif
# libpq (the PostgreSQL store, collector/db_pg.c): only the collector,
# the unit tests and the benches link it, never the agent or the CLI, so
# it is kept out of PKGS.  Debian 12's libpq-dev is not Multi-Arch: same
# either: the cross build uses the native headers and links the arm64
# runtime library (libpq5:arm64) by soname, as for libevent above.
PQ_CFLAGS	:= $(shell $(PKG_CONFIG) --cflags libpq 2>/dev/null)
PQ_LIBS		:= $(shell $(PKG_CONFIG) --libs libpq 2>/dev/null)
ifeq ($(ARCH),arm64)
ifeq ($(PQ_LIBS),)
PQ_CFLAGS	:= $(shell pkg-config --cflags libpq 2>/dev/null)
PQ_LIBS		:= /usr/lib/aarch64-linux-gnu/libpq.so.5
endif
endif
# STATIC_PKGS="inih libpcap": link these pkg-config modules statically,
# their own dependencies still dynamically (only where needed).  The RPM
# build uses it for libraries whose Debian soname the RPM distributions
# do not ship (packaging/rpm/README.md).
ifneq ($(STATIC_PKGS),)
STATIC_L	:= $(shell $(PKG_CONFIG) --libs-only-l $(STATIC_PKGS))
STATIC_REQ	:= $(shell $(PKG_CONFIG) --print-requires-private $(STATIC_PKGS) | awk '{ print $$1 }')
STATIC_DEPS	:= $(if $(STATIC_REQ),$(shell $(PKG_CONFIG) --libs-only-l $(STATIC_REQ)))
PKGS	:= $(filter-out $(STATIC_PKGS),$(PKGS))
XLIBS	+= -Wl,-Bstatic $(STATIC_L) -Wl,-Bdynamic -Wl,--push-state,--as-needed $(STATIC_DEPS) -Wl,--pop-state
endif
WARN	:= -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
	   -Wformat=2 -Wno-format-nonliteral
PKG_CFLAGS = $(shell $(PKG_CONFIG) --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   = $(shell $(PKG_CONFIG) --libs $(PKGS) 2>/dev/null)
# One version for every binary, --version, the packages and the agent's
# User-Agent: the top entry of packaging/changelog (make VERSION=V for a
# test build).  $(BUILD)/gen/shaobing_version.h is rewritten only when the
# version changes, so only common/version.c recompiles then.
VERSION	?= $(shell sed -n '1s/^[^(]*(\([^)]*\)).*/\1/p' packaging/changelog)
VERSION_H := $(BUILD)/gen/shaobing_version.h
VERSION_LINE := \#define SHAOBING_VERSION "$(VERSION)"
ifneq ($(shell cat $(VERSION_H) 2>/dev/null),$(VERSION_LINE))
$(shell mkdir -p $(BUILD)/gen && printf '%s\n' '$(VERSION_LINE)' >$(VERSION_H))
endif
CFLAGS	+= -std=c11 -D_GNU_SOURCE $(OPT) $(WARN) -I. -I$(BUILD)/gen $(PKG_CFLAGS) -MMD -MP
LDLIBS	+= $(PKG_LIBS) $(XLIBS) -ldl -lpthread -lm
LDFLAGS	+= $(LDSAN)

COMMON_SRC	:= $(sort $(wildcard common/*.c))
PROBES_SRC	:= $(sort $(shell find probes -name '*.c' 2>/dev/null))
AGENT_SRC	:= $(filter-out agent/main.c,$(sort $(wildcard agent/*.c)))
COLLECTOR_SRC	:= $(filter-out collector/main.c,$(sort $(wildcard collector/*.c)))
CLI_SRC		:= $(filter-out cli/main.c,$(sort $(wildcard cli/*.c)))
UNIT_SRC	:= $(sort $(wildcard tests/unit/test_*.c))
UNITHELP_SRC	:= $(filter-out $(UNIT_SRC),$(sort $(wildcard tests/unit/*.c)))
BENCH_SRC	:= $(sort $(wildcard bench/*.c))

obj = $(patsubst %.c,$(BUILD)/obj/%.o,$(1))

LIB_COMMON	:= $(BUILD)/lib/libcommon.a
LIB_PROBES	:= $(BUILD)/lib/libprobes.a
LIB_AGENT	:= $(BUILD)/lib/libagent.a
LIB_COLLECTOR	:= $(BUILD)/lib/libcollector.a
LIB_CLI		:= $(BUILD)/lib/libcli.a
# Order matters for static archives: users before what they use.
ALL_LIBS	:= $(LIB_AGENT) $(LIB_COLLECTOR) $(LIB_CLI) $(LIB_PROBES) $(LIB_COMMON)

BINS	:= $(BUILD)/bin/shaobing-agent $(BUILD)/bin/shaobing-collector $(BUILD)/bin/shaobing
UNITS	:= $(patsubst tests/unit/%.c,$(BUILD)/tests/%,$(UNIT_SRC))
BENCHES	:= $(patsubst bench/%.c,$(BUILD)/bench/%,$(BENCH_SRC))

.PHONY: man all deps check unit e2e bench demo demo-stop fuzz clean tests benches deb check-arm64 rpm console-vendor
all: $(BINS)

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -c $< -o $@

# libpq's headers: only the files that include them.
$(call obj,collector/db_pg.c) $(call obj,tests/unit/db_target.c): CFLAGS += $(PQ_CFLAGS)

# Named here too: a copied build folder's .d files name the old header.
$(call obj,common/version.c): $(VERSION_H)

define mklib
$(1): $(call obj,$(2))
	@mkdir -p $$(dir $$@)
	@rm -f $$@
	$$(AR) rcs $$@ $$^
endef
$(eval $(call mklib,$(LIB_COMMON),$(COMMON_SRC)))
$(eval $(call mklib,$(LIB_PROBES),$(PROBES_SRC)))
$(eval $(call mklib,$(LIB_AGENT),$(AGENT_SRC)))
$(eval $(call mklib,$(LIB_COLLECTOR),$(COLLECTOR_SRC)))
$(eval $(call mklib,$(LIB_CLI),$(CLI_SRC)))

AGENT_LIBS	:= $(LIB_AGENT) $(LIB_PROBES) $(LIB_COMMON)
COLLECTOR_LIBS	:= $(LIB_COLLECTOR) $(LIB_COMMON)
CLI_LIBS	:= $(LIB_CLI) $(LIB_COMMON)
# libxlsxwriter (report.xlsx, cli/xlsx.c): only what links libcli.
XLSX_LIBS	= $(shell $(PKG_CONFIG) --libs xlsxwriter 2>/dev/null)

$(BUILD)/bin/shaobing-agent: $(call obj,agent/main.c) $(AGENT_LIBS)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $< $(AGENT_LIBS) $(LDLIBS)

$(BUILD)/bin/shaobing-collector: $(call obj,collector/main.c) $(COLLECTOR_LIBS)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $< $(COLLECTOR_LIBS) $(PQ_LIBS) $(LDLIBS)

$(BUILD)/bin/shaobing: $(call obj,cli/main.c) $(CLI_LIBS)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $< $(CLI_LIBS) $(XLSX_LIBS) $(LDLIBS)

$(BUILD)/tests/%: $(call obj,tests/unit/%.c) $(call obj,$(UNITHELP_SRC)) $(ALL_LIBS)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $< $(call obj,$(UNITHELP_SRC)) $(ALL_LIBS) $(XLSX_LIBS) $(PQ_LIBS) $(LDLIBS) $(shell $(PKG_CONFIG) --libs cmocka 2>/dev/null)

$(BUILD)/bench/%: $(call obj,bench/%.c) $(ALL_LIBS)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $< $(ALL_LIBS) $(XLSX_LIBS) $(PQ_LIBS) $(LDLIBS)

# Man pages: packaging/man/NAME.in with the program's own --man output
# (the tables that print --help).  Not for cross builds (their programs
# cannot run here; the packages take the native build's).
MANS	:= $(patsubst packaging/man/%.in,$(BUILD)/man/%,$(wildcard packaging/man/*.in))
ifeq ($(CROSS),)
all: $(MANS)
endif
man: $(MANS)
$(BUILD)/man/%: packaging/man/%.in packaging/man/render.sh $(BINS)
	@mkdir -p $(dir $@)
	sh packaging/man/render.sh $(BUILD)/bin/$(basename $*) $< $(VERSION) >$@.tmp
	mv $@.tmp $@

tests: $(BINS) $(MANS) $(UNITS)

# The console's chart library from the npm registry, version pinned and
# sha512 checked (scripts/console_vendor.sh): $(BUILD)/console-vendor/.
console-vendor:
	@sh scripts/console_vendor.sh $(BUILD)

benches: $(BINS) $(BENCHES)

deps:
	@sh scripts/deps.sh $(if $(filter arm64,$(ARCH)),--arm64)

# Unit tests, end-to-end tests, fuzzing for a bounded time, then all of it
# again under ASan+UBSan.  Ends with "N passed, N failed".
check: deps
	@sh scripts/console_vendor.sh build
	@sh scripts/deps.sh --arm64 || echo "deps: arm64 cross toolchain not installed; make check skips the arm64 tests"
	@sh tests/check.sh

unit: tests
	@sh tests/run-unit.sh $(BUILD)

e2e: tests
	@sh tests/run-e2e.sh $(BUILD)

# Every fuzz target FUZZ_SECONDS (default 20) seconds: make fuzz FUZZ_SECONDS=600
fuzz:
	@sh tests/fuzz/run.sh $(or $(FUZZ_SECONDS),20)

bench: deps
	@sh scripts/deps.sh --bench
	@$(MAKE) --no-print-directory benches
	@sh bench/run.sh

demo: deps
	@$(MAKE) --no-print-directory all
	@sh scripts/demo.sh start

demo-stop:
	@sh scripts/demo.sh stop

clean:
	rm -rf build build-san build-fuzz build-arm64 build-arm64-san

-include $(shell find $(BUILD)/obj -name '*.d' 2>/dev/null)

# Debian packages (packaging/README.md): build/deb/*.deb
deb: deps
	@sh scripts/console_vendor.sh build
	@sh packaging/build-deb.sh $(if $(ARCH),--arch $(ARCH))

# The arm64 build under qemu-aarch64 (tests/run-arm64.sh).
check-arm64:
	@sh scripts/deps.sh --arm64
	@sh tests/run-arm64.sh

# RPM packages (packaging/rpm/): build/rpm/*.rpm, ARCH=arm64 for aarch64.
rpm: deps
	@sh packaging/rpm/build-rpm.sh $(if $(ARCH),--arch $(ARCH))
