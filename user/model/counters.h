/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * What the probes count per memory cgroup, as one value type: a map entry
 * read from the kernel, a target's sum over its cgroups, that sum at the
 * previous sample, and what retired cgroups left behind are all a struct
 * counters. A new per-cgroup counter is one line here; adding, subtracting
 * and zeroing follow.
 */
#ifndef MEMPROBE_COUNTERS_H
#define MEMPROBE_COUNTERS_H

#include <stddef.h>
#include <string.h>
#include <linux/types.h>

#include "memprobe.h"

/* Pages and calls, cumulative since the probes attached. */
struct counters {
	__u64 cache_added_pages;		/* into the page cache (pagecache probe) */
	__u64 cache_removed_pages;		/* out of it */
	__u64 lost_files;			/* its pages the per-file map had no room for */
	__u64 lost_tasks;			/* its pages the per-process map had no room for */
	__u64 lost_names;			/* its files the file-name map had no room for */
	__u64 alloc_pages;			/* page allocations by the cgroup's tasks (alloc probe) */
	__u64 alloc_calls;
	__u64 alloc_order[MP_ALLOC_ORDERS];	/* calls by order; the last is 10 and above */
	__u64 reclaim_count[MP_RECLAIM_KINDS];	/* reclaim stalls of its tasks (reclaim probe) */
	__u64 reclaim_ns[MP_RECLAIM_KINDS];
	__u64 reclaim_hist[MP_RECLAIM_BUCKETS];	/* stalls of either kind by log2 of their µs */
};

#define COUNTERS_N	(sizeof(struct counters) / sizeof(__u64))
_Static_assert(sizeof(struct counters) % sizeof(__u64) == 0, "counters are __u64s only");

/* Every field is a __u64 counter: the arithmetic walks them as an array. */
static inline void counters_add(struct counters *to, const struct counters *from)
{
	__u64 *t = (__u64 *)to;
	const __u64 *f = (const __u64 *)from;
	size_t i;

	for (i = 0; i < COUNTERS_N; i++)
		t[i] += f[i];
}

/* to - from, field by field: an interval's counts from two cumulative readings. */
static inline struct counters counters_sub(const struct counters *to, const struct counters *from)
{
	struct counters d;
	__u64 *o = (__u64 *)&d;
	const __u64 *t = (const __u64 *)to, *f = (const __u64 *)from;
	size_t i;

	for (i = 0; i < COUNTERS_N; i++)
		o[i] = t[i] - f[i];
	return d;
}

static inline void counters_zero(struct counters *c)
{
	memset(c, 0, sizeof(*c));
}

#endif /* MEMPROBE_COUNTERS_H */
