/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * What is being watched: each target is a memory cgroup and every cgroup
 * below it (its members). A target carries the kernel's counters for it
 * (memory.stat: the baseline and the truth for absolute figures) and the
 * sums of what the probes counted in its members. With no --cgroup, the
 * targets are the root and every leaf cgroup, so the largest can be shown.
 *
 * This room is the registry and membership; reading the cgroups is
 * model/refresh.c, turning probe counts into the targets' figures (and
 * retiring cgroups that are gone) is model/accounting.c.
 */
#ifndef MEMPROBE_TARGETS_H
#define MEMPROBE_TARGETS_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>

#include "model/counters.h"
#include "model/health.h"
#include "model/verdict.h"
#include "sys/cgroup.h"
#include "sys/kstat.h"

/* A target's cgroup: its names on the heap, so a host of thousands of cgroups costs what their names do. */
struct target_cg {
	char *rel;			/* relative to the root, no leading slash; "/" for the root */
	char *dir;			/* absolute directory */
	__u64 id;			/* inode number of dir, as the probes see it */
};

struct target {
	struct target_cg cg;
	bool root;			/* the whole hierarchy: every cgroup, and uncharged pages */
	bool unit_only;			/* not a leaf: there for the metrics (targets.units), not for the table */
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
	double read_at;			/* when memory.stat was last read: the sample's time */
	__u64 cache_in_at_read, cache_out_at_read;	/* the probes' page-cache pages then */
	/*
	 * The whole machine: a leaf shown (or exported) at the last sample.
	 * Between full passes only these are read again, and trended.
	 */
	bool followed;
	unsigned int nprocs;		/* processes in it at the latest reading */

	/*
	 * What the probes counted in its members since attach, that sum at
	 * the previous sample, and what members since retired had counted
	 * (their map entries are gone; their pages still count).
	 */
	struct counters sum, sum_prev, retired;

	/* The leak verdict, from memory.stat's anon over time, taken only while its processes run. */
	bool running;			/* a process of it, with an address space, at the latest reading */
	bool ran;			/* so at some reading of the run */
	struct trend anon_trend;
	struct verdict_result verdict;
	enum verdict reported;		/* the verdict last announced */

	/* Limits, memory events, pressure and the forecast: allocated once it is shown, NULL before. */
	struct health *health;
};

struct targets {
	const struct cg_hier *h;
	bool machine;			/* no explicit target: root plus every leaf */
	bool units;			/* the whole machine for the metrics: cgroups two levels down too */
	struct target *v;
	size_t n, cap;
	/* Index of v by cgroup id (open addressing, index + 1; 0 is empty): thousands of leaves are found at once. */
	size_t *by_id;
	size_t by_id_cap;

	struct meminfo mi_first, mi_prev, mi_now;
	double t_start, t_prev, t_now;	/* Unix time of the first, previous and latest reading */
	/* The whole machine: MemAvailable's trend, and when it runs out at that rate (< 0: never). */
	struct trend *available;
	double available_slope_per_hour, available_eta_s;

	const struct verdict_cfg *vcfg;
	unsigned int generation;	/* bumped whenever a target's cgroup id changes */
	__u64 *seen;			/* sorted ids of the cgroups the latest walk visited */
	size_t n_seen, cap_seen;
	__u64 *dead;			/* targets_retire's answer */
	size_t n_dead, cap_dead;
	struct pid_cg *pids;		/* processes in the watched cgroups, at the latest reading */
	size_t n_pids, cap_pids;
	/*
	 * The whole machine: every cgroup is walked and read in a full pass,
	 * spaced so that it costs about a hundredth of a core; between them a
	 * sample reads the root and the followed leaves only.
	 */
	bool full;			/* the latest refresh was a full pass */
	__u64 *unknown;			/* sorted ids looked up since and not found (gone): not asked again */
	size_t n_unknown, cap_unknown;
	double next_full;		/* Unix time the next full pass is due */
	/* The followed targets' members, sorted: asked of every process at every sample. */
	__u64 *followed_ids;
	size_t n_followed_ids, cap_followed_ids;
	bool followed_indexed;		/* false: the index could not be had, targets are asked one by one */
	double full_cpu0;		/* the agent's CPU time when the latest full pass began */
};

/* explicit may be empty (n == 0): the whole machine. */
int targets_init(struct targets *ts, const struct cg_hier *h, const struct cg_target *explicit,
		 size_t n, const struct verdict_cfg *vcfg);
void targets_free(struct targets *ts);

/* Appends a target for cg (out, if not NULL, points at it until the next append). */
int targets_add(struct targets *ts, const struct cg_target *cg, struct target **out);
/* Makes id a member of t; members are never dropped, a removed cgroup's pages still count. */
int target_add_member(struct target *t, __u64 id);
/* Points t at cgroup cg (a restart's new cgroup under the same name). */
int target_set_cg(struct target *t, const struct cg_target *cg);
/* Frees what t holds (not t itself). */
void target_release(struct target *t);

/*
 * The targets worth showing: all of them, or for the whole machine the
 * root and the top leaves (by page cache now for samples, by pages
 * brought in for summaries). Writes their indexes to idx (room for
 * ts->n); returns the count.
 */
size_t targets_pick(const struct targets *ts, unsigned int top, bool summary, size_t *idx);

/* The whole machine: the targets at idx are the ones shown now; the others are no longer followed. */
void targets_follow(struct targets *ts, const size_t *idx, size_t n, bool reset);
/* After the followed targets gained members (a walk): their index again. */
void targets_index_followed(struct targets *ts);
/* Whether cgroup id is in a followed leaf (never the root). */
bool targets_followed(const struct targets *ts, __u64 id);

/* Whether cgroup id is t's cgroup or one below it (the root contains every id). */
bool target_contains(const struct target *t, __u64 id);
/* The first target that contains cgroup id; NULL when nothing watched does. */
const struct target *targets_owner(const struct targets *ts, __u64 id);
/* The target whose own cgroup is id, or NULL. */
struct target *targets_by_id(struct targets *ts, __u64 id);
/* Rebuilds the index after targets were removed or changed cgroup. */
int targets_reindex(struct targets *ts);

#endif /* MEMPROBE_TARGETS_H */
