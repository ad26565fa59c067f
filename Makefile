# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#
# make            build build/memprobe (and the bundled workloads)
# make run        install what is missing, build, and watch the bundled demo
# make test       install what is missing, build, and run the test suite
# make test-systemd  the units under systemd as PID 1, in a Debian 12 guest in qemu
# make asan       the same build with AddressSanitizer, LeakSanitizer and UBSan in build/asan
# make fuzz       the fuzz target for the kernel-text parsers (libFuzzer), run for FUZZ_SECONDS
# make vmlinux    regenerate vmlinux/$(ARCH)/vmlinux.h from this kernel's BTF
# make install    PREFIX=/usr/local DESTDIR=...
# make deb        the Debian package, build/deb/memprobe_$(VERSION)_amd64.deb (dpkg-buildpackage -b)

BUILD    ?= build
PREFIX   ?= /usr/local
SBINDIR  ?= $(PREFIX)/sbin
UNITDIR  ?= $(shell pkg-config --variable=systemdsystemunitdir systemd 2>/dev/null || echo /lib/systemd/system)
DOCDIR   ?= $(PREFIX)/share/doc/memprobe
MANDIR   ?= $(PREFIX)/share/man
# bash-completion looks in $XDG_DATA_DIRS/bash-completion/completions: /usr/local/share is one.
BASHCOMPDIR ?= $(PREFIX)/share/bash-completion/completions
CC       ?= cc
CLANG    ?= clang
BPFTOOL  ?= bpftool
VERSION  := $(shell cat VERSION)

ARCH      := $(shell uname -m)
BPF_ARCH  := $(patsubst x86_64,x86,$(patsubst aarch64,arm64,$(ARCH)))
VMLINUX_H ?= vmlinux/$(ARCH)/vmlinux.h

# Debian 12 packages the build and the tests need. libmicrohttpd-dev: the header
# of the --listen server (user/sys/httpd.c), whose library is loaded only then.
DEBS_BUILD := make gcc libc6-dev clang llvm bpftool libbpf-dev libelf-dev zlib1g-dev pkg-config libjansson-dev \
	      libdw-dev libbz2-dev liblzma-dev libmicrohttpd-dev
# prometheus: promtool for the alert rules, and a real Prometheus for the metrics
# tests; libcurl4-openssl-dev: the tests' HTTP client (tests/http.c); groff-base:
# the man page is checked with groff -ww; chromium and libxml2-utils: the HTML
# report opened in a real browser and parsed strictly; python3-numpy: the
# growth-stack test's Python workload; mmdebstrap: the systemd guest's image,
# in which the package (DEBS_DEB builds it) is installed.
DEBS_DEB   := $(DEBS_BUILD) dpkg-dev debhelper lintian
DEBS_TEST  := $(DEBS_DEB) libclang-rt-14-dev e2fsprogs systemd qemu-system-x86 busybox-static cpio \
	      prometheus libcurl4-openssl-dev groff-base chromium libxml2-utils python3-numpy mmdebstrap
DEBS_BENCH := $(DEBS_BUILD) bpftrace

CFLAGS   ?= -O2 -g
WARNINGS := -Wall -Wextra -Werror -Wno-missing-field-initializers
CPPFLAGS += -D_GNU_SOURCE -DMEMPROBE_VERSION='"$(VERSION)"' -Iinclude -Iuser -I$(BUILD)
DEPFLAGS  = -MMD -MP
# libbpf, libelf and zlib linked in, so that the binary needs only the C
# library (libc, libm) and starts on userlands without libbpf 1.x. Debian
# ships their .a files; `pkg-config --static --libs libbpf` is -lbpf -lelf -lz.
# `make BPF_LIBS='-lbpf -lelf -lz'` links them as shared libraries again.
BPF_LIBS ?= -Wl,-Bstatic -lbpf -lelf -lz -Wl,-Bdynamic
# elfutils' libdw unwinds and names the growth stacks: linked in (Debian ships
# libdw.a), with the libelf it must match and the decompressors it reads
# compressed debug info with, so that the binary needs no libdw1 of the host's.
DW_LIBS  ?= -Wl,-Bstatic -ldw -lelf -lbz2 -llzma -lz -Wl,-Bdynamic
# Jansson reads saved runs for `memprobe report`; linked in, as Debian ships its .a.
JSON_LIBS ?= -Wl,-Bstatic -ljansson -Wl,-Bdynamic
LDLIBS   += $(BPF_LIBS) $(DW_LIBS) $(JSON_LIBS) -lm

# BPF_PROG() declares ctx whether a program uses it or not.
BPF_CFLAGS := -g -O2 -target bpf -D__TARGET_ARCH_$(BPF_ARCH) $(WARNINGS) -Wno-unused-parameter \
	      -Iinclude -Ibpf -I$(dir $(VMLINUX_H))

BPF_SRCS  := $(wildcard bpf/*.bpf.c)
BPF_OBJS  := $(patsubst bpf/%.bpf.c,$(BUILD)/bpf/%.bpf.o,$(BPF_SRCS))
# One object, linked from them all, so that loading parses the kernel's BTF once.
BPF_LINKED := $(BUILD)/bpf/memprobe.linked.o
SKELS     := $(BUILD)/memprobe.skel.h
# user/: main.c and options on top; agent/ runs the cycle, output/ prints, probe/
# reads the kernel, model/ keeps what is known, sys/ is the platform.
USER_SRCS := $(wildcard user/*.c user/*/*.c)
USER_OBJS := $(patsubst user/%.c,$(BUILD)/user/%.o,$(USER_SRCS))
LIB_OBJS  := $(filter-out $(BUILD)/user/main.o,$(USER_OBJS))

WORKLOAD_SRCS := $(wildcard tests/workloads/*.c)
WORKLOADS     := $(patsubst tests/workloads/%.c,$(BUILD)/workloads/%,$(WORKLOAD_SRCS))
TEST_SRCS     := $(wildcard tests/*.c tests/unit/*.c tests/integration/*.c)
TEST_OBJS     := $(patsubst %.c,$(BUILD)/%.o,$(TEST_SRCS))
TEST_BIN      := $(BUILD)/tests/memprobe-tests
BENCH_SRCS    := $(filter-out %.bpf.c,$(wildcard bench/*.c))
BENCH_OBJS    := $(patsubst %.c,$(BUILD)/%.o,$(BENCH_SRCS))
BENCH_BPF     := $(patsubst bench/%.bpf.c,$(BUILD)/bench/%.bpf.o,$(wildcard bench/*.bpf.c))
BENCH_SKELS   := $(BENCH_BPF:.bpf.o=.skel.h)
BENCH_BIN     := $(BUILD)/bench/memprobe-bench
# libFuzzer on the parsers of kernel text files, seeded with this machine's own files.
FUZZ_BIN      := $(BUILD)/fuzz/fuzz_kstat
FUZZ_SRCS     := tests/fuzz/fuzz_kstat.c user/sys/kstat.c user/sys/files.c user/sys/procfiles.c user/sys/mountinfo.c user/sys/array.c \
		 user/sys/util.c
FUZZ_SECONDS  ?= 20
# Helpers the tests and the benchmark share: cgroups, children, memprobe as a subprocess.
IT_OBJS       := $(BUILD)/tests/it.o $(BUILD)/tests/jsonr.o $(BUILD)/tests/rawhttp.o $(BUILD)/user/sys/cgroup.o $(BUILD)/user/sys/util.o \
		 $(BUILD)/user/sys/bpfmem.o \
		 $(BUILD)/user/sys/kstat.o $(BUILD)/user/sys/mountinfo.o

.PHONY: all run test test-vm test-systemd tests asan fuzz bench bench-readme deps deps-test deps-bench deps-deb vmlinux \
	units install deb clean report-screenshot FORCE
.DELETE_ON_ERROR:
.SECONDARY: $(BPF_OBJS) $(BPF_LINKED) $(SKELS) $(BENCH_BPF) $(BENCH_SKELS)

all: $(BUILD)/memprobe $(WORKLOADS)

$(BUILD)/memprobe: $(USER_OBJS)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

# Skeletons are generated headers: every object waits for them, -MMD does the rest.
$(BUILD)/user/%.o: user/%.c | $(SKELS)
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(CFLAGS) $(WARNINGS) $(DEPFLAGS) -c -o $@ $<

$(BUILD)/bpf/%.bpf.o: bpf/%.bpf.c $(VMLINUX_H)
	@mkdir -p $(@D)
	$(CLANG) $(BPF_CFLAGS) $(DEPFLAGS) -c -o $@ $<

# Linking also drops the DWARF, ten times the size of the BTF the loader
# needs, from the object the skeleton embeds in the binary.
$(BPF_LINKED): $(BPF_OBJS)
	$(BPFTOOL) gen object $@ $^

$(BUILD)/memprobe.skel.h: $(BPF_LINKED)
	$(BPFTOOL) gen skeleton $< name memprobe_bpf > $@

# Workloads are what is measured, not what measures: never sanitized, so
# that their memory is what the tests expect.
WL_CFLAGS ?= -O2 -g
# The growth-stack workload is built the way distributions build: no frame pointers.
$(BUILD)/workloads/stackleak: WL_CFLAGS += -fomit-frame-pointer
$(BUILD)/workloads/%: tests/workloads/%.c tests/workloads/workload.h
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(WL_CFLAGS) $(WARNINGS) -o $@ $< $(LDLIBS)

$(BUILD)/tests/%.o: tests/%.c | $(SKELS)
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) -Itests -Itests/workloads $(CFLAGS) $(WARNINGS) $(DEPFLAGS) -c -o $@ $<

$(TEST_BIN): $(TEST_OBJS) $(LIB_OBJS)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/bench/%.bpf.o: bench/%.bpf.c $(VMLINUX_H)
	@mkdir -p $(@D)
	$(CLANG) $(BPF_CFLAGS) $(DEPFLAGS) -c -o $@ $<

$(BUILD)/bench/%.skel.h: $(BUILD)/bench/%.bpf.o
	$(BPFTOOL) gen object $(BUILD)/bench/$*.linked.o $<
	$(BPFTOOL) gen skeleton $(BUILD)/bench/$*.linked.o name $*_bpf > $@

$(BUILD)/bench/%.o: bench/%.c | $(SKELS) $(BENCH_SKELS)
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) -Itests -Itests/workloads -Ibench -I$(BUILD)/bench $(CFLAGS) $(WARNINGS) $(DEPFLAGS) -c -o $@ $<

$(BENCH_BIN): $(BENCH_OBJS) $(IT_OBJS)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

tests: all $(TEST_BIN) $(BENCH_BIN) $(UNITS) $(FUZZ_BIN)

# The whole build again, sanitized: the suite runs on it too (scripts/run-tests).
SAN_FLAGS := -fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer
asan:
	@$(MAKE) --no-print-directory BUILD=$(BUILD)/asan CFLAGS="-O1 -g $(SAN_FLAGS)" \
		LDFLAGS="$(SAN_FLAGS)" all $(BUILD)/asan/tests/memprobe-tests $(BUILD)/asan/bench/memprobe-bench

$(FUZZ_BIN): $(FUZZ_SRCS) $(wildcard user/*/*.h)
	@mkdir -p $(@D)
	$(CLANG) -g -O1 -D_GNU_SOURCE -Iinclude -Iuser $(WARNINGS) -fsanitize=fuzzer,address,undefined \
		-fno-sanitize-recover=all -o $@ $(FUZZ_SRCS)

fuzz: $(FUZZ_BIN)
	tests/fuzz/run $(BUILD) $(FUZZ_SECONDS)

deps:
	@scripts/install-deps $(DEBS_BUILD)

deps-test:
	@scripts/install-deps $(DEBS_TEST)

deps-bench:
	@scripts/install-deps $(DEBS_BENCH)

deps-deb:
	@scripts/install-deps $(DEBS_DEB)

# Not part of `make test`, which only runs it once on tiny sizes so that it cannot rot.
# `make bench QUICK=1` is that form (--quick): under a minute, not a measurement.
BENCH_FLAGS ?= $(if $(QUICK),--quick)
bench: deps-bench
	@$(MAKE) --no-print-directory all $(BENCH_BIN)
	$(BENCH_BIN) --build $(BUILD) $(BENCH_FLAGS)

# The README's Performance tables, from a new run.
bench-readme: bench
	scripts/bench-readme $(BUILD)/bench/results.md README.md

run: deps
	@$(MAKE) --no-print-directory all
	$(BUILD)/memprobe --interval 1 -- $(BUILD)/workloads/cachedemo

# Both builds at once, on every CPU: half the time of one after the other.
test: deps-test
	@$(MAKE) --no-print-directory -j$(shell nproc) tests asan
	@scripts/run-tests $(BUILD)

# The README's picture: the demo above, with --report, in Chromium.
report-screenshot: deps-test
	@$(MAKE) --no-print-directory all
	scripts/report-screenshot $(BUILD) docs/report-demo.png

# The integration suite on Debian's 5.10 (memory on cgroup v1), 6.1 and 6.12
# (pure cgroup v2) kernels, in qemu; MEMPROBE_VM_KERNELS="5.10" picks some.
test-vm: deps-test
	@$(MAKE) --no-print-directory tests
	tests/vm/run $(BUILD)

# The users' workflow under systemd as PID 1: a Debian 12 guest with memprobe's
# package installed, in qemu (the stage makes the package: make deb).
test-systemd: deps-test
	tests/vm/systemd/run $(BUILD)

vmlinux:
	@mkdir -p vmlinux/$(ARCH)
	$(BPFTOOL) btf dump file /sys/kernel/btf/vmlinux format c > vmlinux/$(ARCH)/vmlinux.h

# contrib/prometheus (issue 11): its rule files, once there, are installed
# with the examples; the Debian package takes whatever `make install` installs.
PROM_RULES := $(wildcard contrib/prometheus/*.yml contrib/prometheus/*.yaml)

UNITS := $(patsubst systemd/%.in,$(BUILD)/systemd/%,$(wildcard systemd/*.in))

# Units name the binary where it is installed.
$(BUILD)/systemd/%: systemd/%.in
	@mkdir -p $(@D)
	sed 's|@SBINDIR@|$(SBINDIR)|g' $< > $@

units: $(UNITS)

install: $(BUILD)/memprobe $(UNITS)
	install -D -m 0755 $(BUILD)/memprobe $(DESTDIR)$(SBINDIR)/memprobe
	install -d $(DESTDIR)$(UNITDIR)
	install -m 0644 $(UNITS) $(DESTDIR)$(UNITDIR)/
	install -D -m 0644 systemd/examples/visioncore.service $(DESTDIR)$(DOCDIR)/examples/visioncore.service
	install -D -m 0644 systemd/examples/memprobe-exporter-fleet.conf $(DESTDIR)$(DOCDIR)/examples/memprobe-exporter-fleet.conf
	install -D -m 0644 -t $(DESTDIR)$(DOCDIR)/prometheus contrib/prometheus/*.yml
	install -D -m 0644 README.md $(DESTDIR)$(DOCDIR)/README.md
	install -D -m 0644 man/memprobe.8 $(DESTDIR)$(MANDIR)/man8/memprobe.8
	install -D -m 0644 completion/memprobe.bash $(DESTDIR)$(BASHCOMPDIR)/memprobe
	$(if $(PROM_RULES),install -D -m 0644 -t $(DESTDIR)$(DOCDIR)/examples/prometheus $(PROM_RULES))

# The Debian package, built by dpkg-buildpackage from a copy of this tree
# (what git tracks, or would: uncommitted changes included) in $(BUILD)/deb,
# where the .deb lands; then lintian, which must find no error. Built again
# only when a file of that copy or a package it is built with changed:
# $(BUILD)/deb.key, their digest, is rewritten only when it differs.
DEB_DIR := $(BUILD)/deb
DEB     := $(DEB_DIR)/memprobe_$(VERSION)_amd64.deb
DEB_KEY := $(BUILD)/deb.key
DEB_FILES := if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then \
		git ls-files -z --cached --others --exclude-standard; \
	else \
		find . \( -path ./build -o -path ./$(BUILD) \) -prune -o -type f -print0; \
	fi
deb: $(DEB)
	@ls -l $(DEB_DIR)/*.deb

$(DEB_KEY): FORCE
	@mkdir -p $(@D)
	@{ { $(DEB_FILES); } | sort -z | xargs -0 sha256sum 2>/dev/null; dpkg-query -W $(DEBS_DEB) 2>&1; } | sha256sum > $@.new
	@if cmp -s $@.new $@; then rm $@.new; else mv $@.new $@; fi

$(DEB): $(DEB_KEY) | deps-deb
	@test "$$(dpkg-parsechangelog -S Version)" = "$(VERSION)" || { \
		echo "memprobe: debian/changelog is not at VERSION ($(VERSION)): add an entry (dch -v $(VERSION))" >&2; exit 1; }
	rm -rf $(DEB_DIR)
	mkdir -p $(DEB_DIR)/memprobe-$(VERSION)
	{ $(DEB_FILES); } | tar -c --null -T - --ignore-failed-read | tar -x -C $(DEB_DIR)/memprobe-$(VERSION)
	cd $(DEB_DIR)/memprobe-$(VERSION) && env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL dpkg-buildpackage -us -uc -b
	lintian --fail-on error $(DEB_DIR)/memprobe_$(VERSION)_*.changes

FORCE:

clean:
	rm -rf $(BUILD)

-include $(USER_OBJS:.o=.d) $(BPF_OBJS:.o=.d) $(TEST_OBJS:.o=.d) $(BENCH_OBJS:.o=.d) $(BENCH_BPF:.o=.d)
