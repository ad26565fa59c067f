# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#
# make            build build/memprobe (and the bundled workloads)
# make run        install what is missing, build, and watch the bundled demo
# make test       install what is missing, build, and run the test suite
# make vmlinux    regenerate vmlinux/$(ARCH)/vmlinux.h from this kernel's BTF
# make install    PREFIX=/usr/local DESTDIR=...

BUILD    ?= build
PREFIX   ?= /usr/local
CC       ?= cc
CLANG    ?= clang
BPFTOOL  ?= bpftool
VERSION  := $(shell cat VERSION)

ARCH      := $(shell uname -m)
BPF_ARCH  := $(patsubst x86_64,x86,$(patsubst aarch64,arm64,$(ARCH)))
VMLINUX_H ?= vmlinux/$(ARCH)/vmlinux.h

# Debian 12 packages the build and the tests need.
DEBS_BUILD := make gcc libc6-dev clang llvm bpftool libbpf-dev libelf-dev zlib1g-dev pkg-config
DEBS_TEST  := $(DEBS_BUILD) e2fsprogs

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
SKELS     := $(patsubst bpf/%.bpf.c,$(BUILD)/%.skel.h,$(BPF_SRCS))
USER_SRCS := $(wildcard user/*.c)
USER_OBJS := $(patsubst user/%.c,$(BUILD)/user/%.o,$(USER_SRCS))
LIB_OBJS  := $(filter-out $(BUILD)/user/main.o,$(USER_OBJS))

WORKLOAD_SRCS := $(wildcard tests/workloads/*.c)
WORKLOADS     := $(patsubst tests/workloads/%.c,$(BUILD)/workloads/%,$(WORKLOAD_SRCS))
TEST_SRCS     := $(wildcard tests/*.c tests/unit/*.c tests/integration/*.c)
TEST_OBJS     := $(patsubst %.c,$(BUILD)/%.o,$(TEST_SRCS))
TEST_BIN      := $(BUILD)/tests/memprobe-tests

.PHONY: all run test tests deps deps-test vmlinux install clean
.DELETE_ON_ERROR:

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

$(BUILD)/%.skel.h: $(BUILD)/bpf/%.bpf.o
	$(BPFTOOL) gen skeleton $< name $*_bpf > $@

$(BUILD)/workloads/%: tests/workloads/%.c tests/workloads/workload.h
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(CFLAGS) $(WARNINGS) -o $@ $< $(LDLIBS)

$(BUILD)/tests/%.o: tests/%.c | $(SKELS)
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) -Itests -Itests/workloads $(CFLAGS) $(WARNINGS) $(DEPFLAGS) -c -o $@ $<

$(TEST_BIN): $(TEST_OBJS) $(LIB_OBJS)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

tests: all $(TEST_BIN)

deps:
	@scripts/install-deps $(DEBS_BUILD)

deps-test:
	@scripts/install-deps $(DEBS_TEST)

run: deps
	@$(MAKE) --no-print-directory all
	$(BUILD)/memprobe --interval 1 -- $(BUILD)/workloads/cachedemo

test: deps-test
	@$(MAKE) --no-print-directory tests
	$(TEST_BIN) --build $(BUILD)

vmlinux:
	@mkdir -p vmlinux/$(ARCH)
	$(BPFTOOL) btf dump file /sys/kernel/btf/vmlinux format c > vmlinux/$(ARCH)/vmlinux.h

install: $(BUILD)/memprobe
	install -D -m 0755 $(BUILD)/memprobe $(DESTDIR)$(PREFIX)/sbin/memprobe

clean:
	rm -rf $(BUILD)

-include $(USER_OBJS:.o=.d) $(BPF_OBJS:.o=.d) $(TEST_OBJS:.o=.d)
