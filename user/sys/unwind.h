/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * User stacks from a copy: the registers and the top of the stack a probe
 * took at a page fault, unwound with DWARF CFI (.eh_frame, .debug_frame)
 * by elfutils' libdwfl, which falls back to the frame pointer where a
 * module has no CFI, and named from the modules' symbol tables and their
 * separate debug info (/usr/lib/debug/.build-id) when installed.
 *
 * A process's mappings are read at its first stack and kept with the ELF
 * files opened for it (through /proc/PID/map_files, so a file replaced on
 * disk or in another mount namespace is still the one mapped), so its
 * later stacks are named even once it has exited; they are read again
 * (at most once a second) when a stack leads into an address no known
 * module holds, as after a dlopen. A bounded number of processes is kept,
 * the least recently used going first.
 */
#ifndef MEMPROBE_UNWIND_H
#define MEMPROBE_UNWIND_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>

#define UNWIND_MAX_FRAMES	64
#define UNWIND_NAME_LEN		256

struct unwinder;

/*
 * One frame, innermost first. Empty strings and line 0 when unknown; the
 * strings are the unwinder's, valid until its next call.
 */
struct unwind_frame {
	__u64 pc;
	const char *function;
	const char *module;		/* the mapped file's path */
	__u64 offset;			/* into the function when it is known, else into the module (ELF address) */
	const char *file;
	unsigned int line;
};

/* What one sample brings: DWARF registers 0-16 (x86_64) and the stack from regs[7] up. */
struct unwind_input {
	__u32 tgid, tid;
	__u64 start_ns;			/* the process's start, boot time: tells a reused pid */
	__u64 mm;			/* its address space, as the probe names it: tells an exec */
	const __u64 *regs;
	const void *stack;
	size_t stack_size;
};

struct unwind_stats {
	unsigned long long stacks;	/* unwound */
	double cpu_s;			/* CPU spent unwinding and naming, memprobe's own */
};

/* -ENOTSUP where the architecture is not x86_64. */
int unwinder_new(struct unwinder **u, size_t max_procs);
void unwinder_free(struct unwinder *u);

/* Unwinds and names in; returns the number of frames (0 when nothing could be done). */
size_t unwinder_unwind(struct unwinder *u, const struct unwind_input *in, struct unwind_frame *out, size_t max);

/* Closes the files of processes that have exited and whose stacks have all been unwound. */
void unwinder_sweep(struct unwinder *u);

/* The pid is still the process that started at start_ns (boot time): its start in /proc/PID/stat says so. */
bool unwinder_process_alive(__u32 tgid, __u64 start_ns);

const struct unwind_stats *unwinder_stats(const struct unwinder *u);

#endif /* MEMPROBE_UNWIND_H */
