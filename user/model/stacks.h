/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Growth stacks: the sampled pages of anonymous memory, by the code path
 * that allocated them. Each sample stands for `weight` bytes (the sampling
 * interval); a stack's sampled bytes are what its samples stood for, its
 * bytes in use those of its samples whose page has not been given back.
 * Stacks are kept per (stack, cgroup), so that each target sums its own;
 * their number, the live samples and the strings are bounded.
 */
#ifndef MEMPROBE_STACKS_H
#define MEMPROBE_STACKS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <linux/types.h>

#include "memprobe.h"
#include "model/targets.h"
#include "sys/intern.h"
#include "sys/unwind.h"

#define STACKS_MAX		4096	/* distinct stacks kept; further ones are summed in one "[other stacks]" */
#define STACKS_AGG_MAX		8192	/* (stack, cgroup) pairs */
#define STACKS_PIDS		8	/* pids listed per stack */

struct stk_frame {
	const char *function;		/* interned; "" when unknown */
	const char *module;
	const char *file;
	__u64 offset;
	unsigned int line;
};

struct stk_stack {
	__u64 hash;
	const struct stk_frame *frames;	/* innermost first */
	unsigned int n_frames;
	unsigned int own;		/* the first frame outside the allocator */
};

/* A line-fit accumulator for one stack's bytes in use over time. */
struct stk_fit {
	double n, st, sv, stt, stv, t0, t1;
};

struct stk_agg {
	unsigned int stack;
	__u64 cgid;
	__u64 sampled_bytes, freed_bytes;
	__u64 samples;
	__u32 pids[STACKS_PIDS];
	unsigned int n_pids;
	bool more_pids;
	struct stk_fit fit, next;	/* over the last half to whole trend window */
};

/* What the kernel side counted (enum mp_stack_stat), and what the agent added. */
struct stk_counts {
	__u64 kernel[MP_STK_STATS];
	__u64 table_full;		/* samples summed in "[other stacks]" */
	__u64 live_full;		/* samples not followed: MP_STACK_PAGES were */
	__u64 unmapped;			/* live samples given back by an address-space event */
	__u64 moved;			/* ... moved by mremap */
	__u64 swept;			/* ... found gone by the pagemap read (or their process) */
	__u64 replaced;			/* ... sampled again at the same address */
	__u64 unwound;			/* stacks the agent unwound */
	double unwind_cpu_s;		/* and the CPU it took */
};

struct stacks {
	__u64 rate_bytes;		/* --stack-sample */
	double window_s;		/* the trend's window */
	struct stk_stack *stacks;
	size_t n_stacks;
	size_t other;			/* 1 + the index of "[other stacks]"; 0 until the table fills */
	struct stk_agg *aggs;
	size_t n_aggs;
	struct stk_frame *frames;	/* every stack's frames, end to end */
	size_t n_frames, cap_frames;
	struct intern *strings;		/* the frames' names */
	void *live;			/* (process, address) -> what the sample stands for */
	struct stk_counts counts;
	struct unwind_frame *scratch;	/* UNWIND_MAX_FRAMES of them */
};

/* One stack of a target, its (stack, cgroup) pairs summed. */
struct stk_top {
	const struct stk_stack *stack;
	__u64 in_use_bytes, sampled_bytes, samples;
	double growth_bytes_per_hour;
	__u32 pids[STACKS_PIDS];
	unsigned int n_pids;
	bool more_pids;
};

int stacks_init(struct stacks *s, __u64 rate_bytes, double window_s);
void stacks_free(struct stacks *s);

/* A sample arrived: unwound by u, then counted. */
int stacks_sample(struct stacks *s, struct unwinder *u, const struct mp_stack_event *e);
/* tgid gave [start, start + len) back; it moved [start, start + len) to `to`, new_len long; it ran exec. */
void stacks_unmap(struct stacks *s, __u32 tgid, __u64 start, __u64 len);
void stacks_move(struct stacks *s, __u32 tgid, __u64 start, __u64 len, __u64 to, __u64 new_len);
void stacks_exec(struct stacks *s, __u32 tgid);
/* 1: the process (tgid, started at start_ns) still has addr's page, in memory or swapped; 0: not; <0: not known. */
typedef int (*stacks_mapped_fn)(void *ctx, __u32 tgid, __u64 start_ns, __u64 addr);
/* Each live sample asked of mapped, by process and address; those it says are gone are given back. */
int stacks_sweep(struct stacks *s, stacks_mapped_fn mapped, void *ctx);
/* Each interval, at time t: the trends. */
void stacks_tick(struct stacks *s, double t);

/* The target's stacks by bytes in use, largest first; returns how many went to out. */
size_t stacks_top(const struct stacks *s, const struct target *t, struct stk_top *out, size_t max);
/*
 * The stack that says most about t's growth: the one whose bytes in use grow
 * fastest, when that is more than a sample's worth over the trend window,
 * else the one that holds most. False when t has none holding memory.
 */
bool stacks_leading(const struct stacks *s, const struct target *t, struct stk_top *out);
/* Every stack of t with bytes in use, as folded lines (root;...;leaf bytes), prefixed by prefix when not NULL. */
int stacks_write_folded(const struct stacks *s, const struct target *t, const char *prefix, FILE *f);

/* "name" for a frame: its function, else module+0xoffset. */
const char *stacks_frame_name(const struct stk_frame *f, char *buf, size_t len);

#endif /* MEMPROBE_STACKS_H */
