/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * What the probes measured, gathered from their maps at each collection:
 * counters per memory cgroup id (cumulative since attach), the processes
 * kmem:rss_stat saw, and at the end of a run the per-file and per-process
 * page-cache detail. Probe modules write here; the targets' accounting
 * reads from here.
 */
#ifndef MEMPROBE_AGG_H
#define MEMPROBE_AGG_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>

#include "memprobe.h"
#include "model/counters.h"

/*
 * One memory cgroup's counters, as the maps hold them now. pending is the
 * part of c read from the programs' per-CPU slots, not yet in the maps:
 * counted now, and again once flushed into a map, so a retired cgroup
 * keeps c minus pending (the rest comes back through the map).
 */
struct agg_cg {
	__u64 id;
	unsigned int born;		/* the collection that first saw it */
	struct counters c;
	struct counters pending;
};

/* A process as kmem:rss_stat saw it: counters in pages, latest and peak. */
struct agg_proc {
	__u32 tgid;
	__u64 start_ns;			/* boot-time start: with tgid, the identity */
	__u64 cgid;
	__s64 cur[MP_RSS_MEMBERS];
	__s64 peak[MP_RSS_MEMBERS];
	__u64 updates;
	char comm[MP_COMM_LEN];
	bool exited;			/* gone from /proc; this is its last word */
};

struct agg_file {
	__u64 cgid;
	__u64 ino;
	__u32 dev;
	__u32 gen;			/* the inode's generation: with ino, which file */
	bool deleted;			/* its last link went while cached */
	bool complete;			/* name reaches the filesystem's root */
	__u32 rdev;			/* kernel encoding, for block devices' own inodes */
	__u64 magic;			/* the filesystem's magic, 0 if unknown */
	__u64 added_pages;
	__u64 removed_pages;
	char *name;			/* path within its filesystem, or NULL */
};

struct agg_task {
	__u64 cgid;
	__u32 tgid;
	char comm[MP_COMM_LEN];
	__u64 comm_ns;			/* when it was seen under that name: the newest name wins */
	__u64 cache_added_pages;
};

/* A tmpfs file's pages, by the cgroup they were charged to (shmem probe, at the end of a run). */
struct agg_shmem {
	__u64 cgid;
	__u64 ino;
	__u32 dev;			/* kernel encoding */
	__u64 pages;			/* charged as they joined the LRU */
};

struct agg {
	struct agg_cg *cg;		/* open addressing on id; id 0 marks a free slot */
	size_t cg_cap;
	size_t cg_used;
	unsigned int generation;	/* collections so far */
	bool have_uncharged;		/* id 0: pages charged to no cgroup */
	struct agg_cg uncharged;

	struct agg_file *files;
	size_t n_files, cap_files;
	struct agg_task *tasks;
	size_t n_tasks, cap_tasks;
	struct agg_proc *procs;
	size_t n_procs, cap_procs;
	struct agg_shmem *shmem;
	size_t n_shmem, cap_shmem;

	__u64 drops[MP_DROP_MAX];
};

void agg_init(struct agg *a);
void agg_free(struct agg *a);

/*
 * Starts a collection round: every count is gathered afresh from the maps,
 * which hold totals since attach, so counters start at zero and the probe
 * modules add what they read (several map entries may fold into one id).
 */
void agg_begin(struct agg *a);

/* The counters of cgroup id, created zeroed on first use; NULL only without memory. */
struct counters *agg_counters(struct agg *a, __u64 id);
/* The same for counts read from a per-CPU slot: added to the counters and to their pending part. */
struct counters *agg_pending(struct agg *a, __u64 id);
const struct agg_cg *agg_find(const struct agg *a, __u64 id);

/* Iterates over every cgroup with counters: start with *pos = 0; NULL at the end. */
const struct agg_cg *agg_next(const struct agg *a, size_t *pos);

/* Appends detail; name is copied. */
int agg_add_file(struct agg *a, const struct agg_file *f);
int agg_add_task(struct agg *a, const struct agg_task *t);
int agg_add_proc(struct agg *a, const struct agg_proc *p);
int agg_add_shmem(struct agg *a, const struct agg_shmem *f);

__u64 agg_lost(const struct agg *a);
/* Forgets a cgroup whose counters have been retired (see model/accounting.h). */
void agg_forget(struct agg *a, __u64 id);
/* What a loss of that cause means, and what to do about it. */
const char *agg_drop_text(enum mp_drop cause);

#endif /* MEMPROBE_AGG_H */
