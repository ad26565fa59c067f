/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * What is being watched: each target is a memory cgroup and every cgroup
 * below it. A target carries the kernel's counters for it (memory.stat, the
 * baseline and the truth for absolute figures) and the sums of what the
 * probes saw in its cgroups. With no --cgroup, the targets are the root
 * and every leaf cgroup, so the largest can be shown.
 */
#ifndef MEMPROBE_TARGET_H
#define MEMPROBE_TARGET_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>

#include "model/agg.h"
#include "sys/cgroup.h"
#include "sys/kstat.h"
#include "model/procs.h"
#include "model/verdict.h"

struct target {
	struct cg_target cg;
	bool root;			/* the whole hierarchy: every cgroup, and uncharged pages */
	bool gone;			/* its directory has disappeared */
	/*
	 * A service restart removes its cgroup and creates another under the
	 * same name: the target follows it, and its members keep the ids of
	 * every life so that the summary covers them all.
	 */
	unsigned int lives;
	__u64 first_id;			/* the id it had when memprobe started */
	bool new_life;			/* not read since it was created again */
	__u64 *members;			/* sorted ids of the cgroups below, itself included */
	size_t n_members, cap_members;

	bool have_stat;
	struct memstat first, prev, now;
	unsigned int nprocs;		/* processes in it at the latest reading */

	/* Pages the probes saw, cumulative since attach, and at the previous sample. */
	__u64 cache_added, cache_removed;
	__u64 prev_added, prev_removed;
	__u64 alloc_pages, prev_alloc_pages;
	__u64 alloc_order[MP_ALLOC_ORDERS];

	/* The leak verdict, from memory.stat's anon over time. */
	struct trend anon_trend;
	struct verdict_result verdict;
	enum verdict reported;		/* the verdict last announced */
	/* What the probes counted for member cgroups that are gone, their map entries since deleted. */
	struct cg_counters retired;
};

struct targets {
	const struct cg_hier *h;
	bool machine;			/* no explicit target: root plus every leaf */
	struct target *v;
	size_t n, cap;

	struct meminfo mi_first, mi_prev, mi_now;
	double t_start, t_prev, t_now;	/* Unix time of the first, previous and latest reading */

	const struct verdict_cfg *vcfg;
	unsigned int generation;	/* bumped whenever a target's cgroup id changes */
	__u64 *seen;			/* sorted ids of the cgroups the latest walk visited */
	size_t n_seen, cap_seen;
	__u64 *dead;			/* targets_retire's answer */
	size_t n_dead, cap_dead;
	struct pid_cg *pids;		/* processes in the watched cgroups, at the latest reading */
	size_t n_pids, cap_pids;
};

/* explicit may be empty (n == 0): the whole machine. */
int targets_init(struct targets *ts, const struct cg_hier *h, const struct cg_target *explicit,
		 size_t n, const struct verdict_cfg *vcfg);
void targets_free(struct targets *ts);

/* Finds the cgroups below each target and reads the kernel's counters. The first call sets the baseline. */
int targets_refresh(struct targets *ts);

/* Adds the latest anon figures to the leak trends, once the processes have been read. */
void targets_trend(struct targets *ts, const struct procs *ps);
/*
 * The kernel keeps counting the pages of a removed cgroup and the maps keep
 * every cgroup ever seen: without this they fill. Cgroups that no longer
 * exist (and, when targets are named, cgroups outside them that have had
 * an interval to be walked) are retired: their counters are added to the
 * targets they belonged to and forgotten in agg. Returns their sorted ids
 * in ts->dead, for the probes to delete from their maps. After
 * targets_account.
 */
int targets_retire(struct targets *ts, struct agg *a);
/* Sums the probes' per-cgroup counters into the targets. */
void targets_account(struct targets *ts, const struct agg *a);

/* Whether cgroup id belongs to target t. */
bool target_has(const struct target *t, __u64 id);
/* Whether it belongs to any target. */
bool targets_have(const struct targets *ts, __u64 id);

/* Ends an interval: the latest figures become the previous ones. */
void targets_roll(struct targets *ts);

#endif /* MEMPROBE_TARGET_H */
