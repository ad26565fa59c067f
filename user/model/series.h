/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The cgroups the metrics endpoint exports, by path, and what their counters
 * have added up to: the part of the model whose promises are Prometheus's
 * (README, "Fleet"). A counter never goes back for one path while memprobe
 * runs: each target's counts are folded in as increments since the last
 * update, so a cgroup removed and created again under its path (a new
 * target on the whole machine, a new life of the same target with
 * --cgroup) continues its series, and "other" keeps what every cgroup it
 * summed added. A new path's counters show 0 at its first sample and take
 * what was counted before at the next, so that a first OOM kill is an
 * increase.
 *
 * Which paths: with named targets, every target. On the whole machine, the
 * root and the cgroups at a unit's depth (two levels down, or one level
 * down without children), at most max_own of them with series of their
 * own (those present at the start, by depth then path, then newcomers);
 * the rest are summed into "other". A path keeps its place while it exists
 * and for an hour after it is gone.
 */
#ifndef MEMPROBE_SERIES_H
#define MEMPROBE_SERIES_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>

#include "model/counters.h"
#include "model/ooms.h"
#include "model/targets.h"

#define SERIES_KEEP_GONE_S	3600
/* memory.events, in this order: high, max, oom, oom_kill, oom_group_kill. */
#define SERIES_EVENTS		5
#define SERIES_OTHER		"other"

/* A target feeding a series: its sums when last folded in. */
struct series_src {
	__u64 key;			/* the target's first_id: one per target */
	struct counters last;
	__u64 last_ooms;
	__u64 last_events[SERIES_EVENTS];
	bool have_events;
	bool seen;
};

struct series {
	char *path;			/* the cgroup, relative to the memory root, or "other" */
	const char *unit;		/* its last component when that names a systemd unit, else "" */
	bool own;			/* series of its own; else summed into "other" */
	bool fresh;			/* made at the latest update: its counters still show 0 */
	bool present;			/* its cgroup exists (other: one of its cgroups does) */
	double gone_since;		/* Unix time; 0 while present */
	__u64 id;			/* the cgroup id of its current life */
	/* Monotonic while memprobe runs. */
	struct counters acc;
	__u64 oom_kills;
	__u64 lives;
	double last_oom;		/* Unix time of the last OOM kill in it; 0 before any */
	/* memory.events since first read, and the POSIX shm charged to it, as the latest summary found. */
	bool events_known;
	__u64 events[SERIES_EVENTS];
	bool posix_known;
	__u64 posix_bytes;
	/* Folded at the update after the one that made it. */
	struct counters pending;
	__u64 pending_ooms;
	struct series_src *src;
	size_t n_src, cap_src;
	const struct target *cur;	/* series_bind's answer: its target now, or NULL */
};

struct series_kill {
	__u64 cgid;
	double ts;
	unsigned int age;		/* updates it has waited for its cgroup to be walked */
};

struct series_set {
	bool machine;
	unsigned int max_own;
	struct series **v;		/* sorted by path */
	size_t n, cap;
	struct series *other;		/* NULL until a cgroup is summed into it */
	size_t n_own;
	size_t in_other;		/* cgroups present now whose figures are in "other" */
	unsigned int updates;
	struct series_kill *kills;	/* OOM kills not yet placed in a series */
	size_t n_kills, cap_kills;
};

void series_init(struct series_set *s, bool machine, unsigned int max_own);
void series_free(struct series_set *s);

/* The path a target exports as, or NULL when it is not exported itself (the whole machine, deeper). */
const char *series_path(const struct series_set *s, const struct target *t);
/* "visioncore.service" for "system.slice/visioncore.service"; "" when not a unit. */
const char *series_unit(const char *path);

/* An OOM kill in cgroup cgid at Unix time ts, for the last-kill time of the series it falls in. */
int series_note_kill(struct series_set *s, __u64 cgid, double ts);

/*
 * Folds what each target counted since the last update into its series,
 * making series for new paths. After targets_account and before
 * targets_retire, so that a target that is gone gives its last counts.
 */
int series_update(struct series_set *s, const struct targets *ts, const struct ooms *ooms, double now);

/*
 * What each target's memory.events counted since the last sample, into its
 * series; for the targets whose health was read at this sample. A cgroup
 * made again starts its counts afresh: they add up, they do not go back.
 */
void series_fold_events(struct series_set *s, const struct targets *ts);

/* Points each series at its living target (series.cur) for reading its figures; until targets change. */
void series_bind(struct series_set *s, const struct targets *ts);

#endif /* MEMPROBE_SERIES_H */
