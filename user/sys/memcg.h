/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * A memory cgroup's control files beyond memory.stat: the limits that bind
 * it (its own or an ancestor's), its memory events (how often it hit them)
 * and its memory pressure (PSI), on v2 and on v1/hybrid hosts alike.
 * Returns negative errnos; never logs.
 */
#ifndef MEMPROBE_MEMCG_H
#define MEMPROBE_MEMCG_H

#include <stdbool.h>
#include <linux/types.h>

#include "sys/cgroup.h"

#define MEMCG_UNLIMITED	(~0ULL)

/* The limits in force for a cgroup: the smallest over it and its ancestors, and where each is set. */
struct memcg_limits {
	__u64 high;			/* v2 memory.high; v1 has none: MEMCG_UNLIMITED */
	__u64 max;			/* v2 memory.max, v1 memory.limit_in_bytes */
	char high_from[CG_PATH_MAX];	/* the cgroup that sets it, relative to the root; "" when unlimited */
	char max_from[CG_PATH_MAX];
};

/* Cumulative memory events (v2 memory.events; v1 memory.failcnt as max, memory.oom_control). */
struct memcg_events {
	__u64 low, high, max, oom, oom_kill, oom_group_kill;
	bool have;
};

/* PSI: the share of time some or all tasks stalled on memory, and the total stall time. */
struct memcg_pressure {
	double some_avg10, full_avg10;	/* percent */
	__u64 some_total_us, full_total_us;
	bool have;
	bool system_wide;		/* the machine's, where the cgroup has none of its own */
};

int memcg_limits_read(const struct cg_hier *h, const char *rel, struct memcg_limits *out);
int memcg_events_read(const struct cg_hier *h, const char *rel, struct memcg_events *out);
/*
 * v2: the cgroup's memory.pressure. Hybrid hosts keep PSI in the unified
 * tree: the cgroup of the same path there, if any (systemd mirrors its
 * units), else the machine's /proc/pressure/memory, marked system_wide.
 * -ENOENT: a kernel without PSI.
 */
int memcg_pressure_read(const struct cg_hier *h, const char *rel, struct memcg_pressure *out);

/* Parsers, for tests: the text of a PSI file and of memory.events / memory.oom_control. */
int memcg_pressure_parse(const char *text, struct memcg_pressure *out);
int memcg_events_parse(const char *text, struct memcg_events *out);

#endif /* MEMPROBE_MEMCG_H */
