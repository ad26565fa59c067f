# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#
# make            build build/memprobe (and the bundled workloads)
# make run        install what is missing, build, and watch the bundled demo
# make test       install what is missing, build, and run the test suite
# make asan       the same build with AddressSanitizer, LeakSanitizer and UBSan in build/asan
# make fuzz       the fuzz target for the kernel-text parsers (libFuzzer), run for FUZZ_SECONDS
# make vmlinux    regenerate vmlinux/$(ARCH)/vmlinux.h from this kernel's BTF
# make install    PREFIX=/usr/local DESTDIR=...

BUILD    ?= build
PREFIX   ?= /usr/local
SBINDIR  ?= $(PREFIX)/sbin
UNITDIR  ?= $(shell pkg-config --variable=systemdsystemunitdir systemd 2>/dev/null || echo /lib/systemd/system)
DOCDIR   ?= $(PREFIX)/share/doc/memprobe
CC       ?= cc
CLANG    ?= clang
BPFTOOL  ?= bpftool
VERSION  := $(shell cat VERSION)

ARCH      := $(shell uname -m)
BPF_ARCH  := $(patsubst x86_64,x86,$(patsubst aarch64,arm64,$(ARCH)))
VMLINUX_H ?= vmlinux/$(ARCH)/vmlinux.h

# Debian 12 packages the build and the tests need.
DEBS_BUILD := make gcc libc6-dev clang llvm bpftool libbpf-dev libelf-dev zlib1g-dev pkg-config
DEBS_TEST  := $(DEBS_BUILD) libclang-rt-14-dev e2fsprogs systemd qemu-system-x86 busybox-static cpio
DEBS_BENCH := $(DEBS_BUILD) bpftrace

CFLAGS   ?= -O2 -g
WARNINGS := -Wall -Wextra -Werror -Wno-missing-field-initializers
CPPFLAGS += -D_GNU_SOURCE -DMEMPROBE_VERSION='"$(VERSION)"' -Iinclude -Iuser -I$(BUILD)
DEPFLAGS  = -MMD -MP
LDLIBS   += -lbpf -lelf -lz -lm

# BPF_PROG() declares ctx whether a program uses it or not.
BPF_CFLAGS := -g -O2 -target bpf -D__TARGET_ARCH_$(BPF_ARCH) $(WARNINGS) -Wno-unused-parameter \
	      -Iinclude -Ibpf -I$(dir $(VMLINUX_H))

BPF_SRCS  := $(wildcard bpf/*.bpf.c)
BPF_OBJS  := $(patsubst bpf/%.bpf.c,$(BUILD)/bpf/%.bpf.o,$(BPF_SRCS))
# One object, linked from them all, so that loading parses the kernel's BTF once.
BPF_LINKED := $(BUILD)/bpf/memprobe.linked.o
SKELS     := $(BUILD)/memprobe.skel.h
USER_SRCS := $(wildcard user/*.c)
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
FUZZ_SRCS     := tests/fuzz/fuzz_kstat.c user/kstat.c user/files.c user/util.c
FUZZ_SECONDS  ?= 20
# Helpers the tests and the benchmark share: cgroups, children, memprobe as a subprocess.
IT_OBJS       := $(BUILD)/tests/it.o $(BUILD)/tests/jsonr.o $(BUILD)/user/cgroup.o $(BUILD)/user/util.o $(BUILD)/user/kstat.o

.PHONY: all run test test-vm tests asan fuzz bench deps deps-test deps-bench vmlinux units install clean
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

$(FUZZ_BIN): $(FUZZ_SRCS) $(wildcard user/*.h)
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

# Not part of `make test`, which only runs it once on tiny sizes so that it cannot rot.
bench: deps-bench
	@$(MAKE) --no-print-directory all $(BENCH_BIN)
	$(BENCH_BIN) --build $(BUILD)

run: deps
	@$(MAKE) --no-print-directory all
	$(BUILD)/memprobe --interval 1 -- $(BUILD)/workloads/cachedemo

test: deps-test
	@$(MAKE) --no-print-directory tests asan
	@scripts/run-tests $(BUILD)

# The integration suite on Debian's 5.10 (memory on cgroup v1), 6.1 and 6.12
# (pure cgroup v2) kernels, in qemu; MEMPROBE_VM_KERNELS="5.10" picks some.
test-vm: deps-test
	@$(MAKE) --no-print-directory tests
	tests/vm/run $(BUILD)

vmlinux:
	@mkdir -p vmlinux/$(ARCH)
	$(BPFTOOL) btf dump file /sys/kernel/btf/vmlinux format c > vmlinux/$(ARCH)/vmlinux.h

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
	install -D -m 0644 README.md $(DESTDIR)$(DOCDIR)/README.md

clean:
	rm -rf $(BUILD)

-include $(USER_OBJS:.o=.d) $(BPF_OBJS:.o=.d) $(TEST_OBJS:.o=.d) $(BENCH_OBJS:.o=.d) $(BENCH_BPF:.o=.d)
