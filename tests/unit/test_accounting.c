// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * model/accounting.c and model/refresh.c on a fake cgroup tree: probe
 * counters summed into targets, cgroups retired when they are gone (their
 * counts kept, their ids handed to the probes), strangers retired after an
 * interval, a target whose cgroup is removed and created again followed
 * to its new life, and the whole machine read in full passes with the
 * followed leaves in between.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fakefs.h"
#include "harness.h"
#include "model/accounting.h"
#include "model/refresh.h"
#include "sys/util.h"

struct tree {
	struct fakefs fs;
	struct cg_hier h;
	struct verdict_cfg cfg;
	struct targets ts;
	struct agg agg;
	__u64 late_id, late_pages;	/* counted into a map after the collection read it */
};

/* A cgroup of the fake v2 tree, with the files refresh reads. */
static bool cgroup(struct tree *t, const char *rel, const char *procs)
{
	char path[512];

	snprintf(path, sizeof(path), "root/%s", rel);
	if (!fakefs_mkdir(&t->fs, path))
		return false;
	snprintf(path, sizeof(path), "root/%s/memory.stat", rel);
	if (!fakefs_write(&t->fs, path, "anon 4096\nfile 8192\nshmem 0\n"))
		return false;
	snprintf(path, sizeof(path), "root/%s/cgroup.procs", rel);
	return fakefs_write(&t->fs, path, procs);
}

/* Removes a leaf cgroup of the fake tree, as rmdir does a real one. */
static bool drop_cgroup(struct tree *t, const char *rel)
{
	static const char *const files[] = { "memory.stat", "cgroup.procs" };
	char sub[512], path[1024];
	size_t i;

	for (i = 0; i < 2; i++) {
		snprintf(sub, sizeof(sub), "root/%s/%s", rel, files[i]);
		unlink(fakefs_path(&t->fs, sub, path, sizeof(path)));
	}
	snprintf(sub, sizeof(sub), "root/%s", rel);
	return !rmdir(fakefs_path(&t->fs, sub, path, sizeof(path)));
}

static __u64 id_of(struct tree *t, const char *rel)
{
	char rel2[512], path[1024];
	struct stat st;

	snprintf(rel2, sizeof(rel2), "root/%s", rel);
	return stat(fakefs_path(&t->fs, rel2, path, sizeof(path)), &st) ? 0 : st.st_ino;
}

static bool setup(struct tree *t, const char *target)
{
	struct cg_target cg;

	memset(t, 0, sizeof(*t));
	verdict_defaults(&t->cfg);
	agg_init(&t->agg);
	if (!fakefs_init(&t->fs) || !cgroup(t, "svc", "") || !cgroup(t, "svc/worker", "") ||
	    !cgroup(t, "other", ""))
		return false;
	t->h.version = CG_V2;
	fakefs_path(&t->fs, "root", t->h.root, sizeof(t->h.root));
	return !cg_lookup(&t->h, target, &cg) && !targets_init(&t->ts, &t->h, &cg, 1, &t->cfg);
}

static void teardown(struct tree *t)
{
	targets_free(&t->ts);
	agg_free(&t->agg);
	fakefs_cleanup(&t->fs);
}

static void count(struct agg *a, __u64 id, __u64 in)
{
	agg_counters(a, id)->cache_added_pages += in;
}

/*
 * The probes' maps when retirement takes their entries: what the collection
 * read from them (its slots' part is not in a map), and what came since.
 */
static int take(void *ctx, const __u64 *ids, size_t n, struct agg *last)
{
	struct tree *t = ctx;
	size_t i;

	for (i = 0; i < n; i++) {
		const struct agg_cg *c = agg_find(&t->agg, ids[i]);
		struct counters m;

		if (!c)
			continue;
		m = counters_sub(&c->c, &c->pending);
		if (ids[i] == t->late_id)
			m.cache_added_pages += t->late_pages;
		counters_add(agg_counters(last, ids[i]), &m);
	}
	return 0;
}

/* One sample as the agent takes it: the maps (here, by hand), the tree, the sums, the retirement. */
static bool sample(struct tree *t, void (*fill)(struct tree *t))
{
	agg_begin(&t->agg);
	fill(t);
	if (targets_refresh(&t->ts))
		return false;
	targets_account(&t->ts, &t->agg);
	return !targets_retire(&t->ts, &t->agg, take, t);
}

static __u64 worker_id, other_id, svc_id;

/* The tree with "svc" as the target, and its cgroups' ids. */
static bool setup_svc(struct tree *t)
{
	if (!setup(t, "svc"))
		return false;
	svc_id = id_of(t, "svc");
	worker_id = id_of(t, "svc/worker");
	other_id = id_of(t, "other");
	return true;
}

static void fill_all(struct tree *t)
{
	count(&t->agg, svc_id, 10);
	count(&t->agg, worker_id, 5);
	count(&t->agg, other_id, 100);
}

static void fill_without_worker(struct tree *t)
{
	/* The kernel map entry of the removed cgroup is gone: the probes forgot it. */
	count(&t->agg, svc_id, 12);
	count(&t->agg, other_id, 100);
}

UNIT_TEST(accounting_retires_gone_cgroups_and_keeps_their_pages)
{
	struct tree t;
	bool ok = false;

	if (!ASSERT(setup_svc(&t), "fake tree"))
		goto out;
	if (!ASSERT(sample(&t, fill_all), "first sample"))
		goto out;
	/* The stranger is new: it gets an interval to be walked before it is retired. */
	if (!ASSERT(t.ts.v[0].sum.cache_added_pages == 15, "sum %llu",
		    (unsigned long long)t.ts.v[0].sum.cache_added_pages) ||
	    !ASSERT(t.ts.n_dead == 0, "%zu retired at once", t.ts.n_dead) ||
	    !ASSERT(target_contains(&t.ts.v[0], worker_id) && !target_contains(&t.ts.v[0], other_id), "members"))
		goto out;
	if (!ASSERT(sample(&t, fill_all), "second sample") ||
	    !ASSERT(t.ts.n_dead == 1 && t.ts.dead[0] == other_id, "the stranger is retired (%zu)", t.ts.n_dead) ||
	    !ASSERT(!agg_find(&t.agg, other_id), "and forgotten") ||
	    !ASSERT(t.ts.v[0].retired.cache_added_pages == 0, "a stranger's pages are not the target's"))
		goto out;
	if (!ASSERT(drop_cgroup(&t, "svc/worker"), "worker removed") || !ASSERT(sample(&t, fill_all), "third sample"))
		goto out;
	ok = ASSERT(t.ts.n_dead >= 1 && ids_have(t.ts.dead, t.ts.n_dead, worker_id), "the gone member is retired") &&
	     ASSERT(t.ts.v[0].retired.cache_added_pages == 5, "its pages are kept: %llu",
		    (unsigned long long)t.ts.v[0].retired.cache_added_pages) &&
	     ASSERT(target_contains(&t.ts.v[0], worker_id), "it stays a member");
	if (!ok || !ASSERT(sample(&t, fill_without_worker), "fourth sample"))
		goto out;
	ok = ASSERT(t.ts.v[0].sum.cache_added_pages == 17, "sum after retirement %llu (12 + 5 retired)",
		    (unsigned long long)t.ts.v[0].sum.cache_added_pages);
out:
	teardown(&t);
	return ok;
}

static void fill_none(struct tree *t)
{
	(void)t;
}

UNIT_TEST(accounting_follows_a_recreated_cgroup)
{
	struct tree t;
	char from[1024], to[1024];
	unsigned int gen;
	__u64 old_id;
	bool ok = false;

	if (!ASSERT(setup(&t, "svc"), "fake tree") || !ASSERT(sample(&t, fill_none), "first sample"))
		goto out;
	old_id = t.ts.v[0].cg.id;
	gen = t.ts.generation;
	/* A restart: the new cgroup exists before the old one is gone, so it cannot reuse the inode. */
	if (!ASSERT(cgroup(&t, "svc-new", "") && cgroup(&t, "svc-new/worker", ""), "new cgroup"))
		goto out;
	if (!ASSERT(drop_cgroup(&t, "svc/worker") && drop_cgroup(&t, "svc"), "old cgroup removed") ||
	    !ASSERT(!rename(fakefs_path(&t.fs, "root/svc-new", from, sizeof(from)),
			    fakefs_path(&t.fs, "root/svc", to, sizeof(to))), "new one in place") ||
	    !ASSERT(sample(&t, fill_none), "second sample"))
		goto out;
	ok = ASSERT(t.ts.v[0].cg.id != old_id && t.ts.v[0].cg.id == id_of(&t, "svc"), "follows the new id") &&
	     ASSERT(t.ts.v[0].lives == 2 && t.ts.v[0].first_id == old_id, "second life of %llu",
		    (unsigned long long)old_id) &&
	     ASSERT(t.ts.generation == gen + 1, "the shm filter hears of it") &&
	     ASSERT(!t.ts.v[0].gone, "not gone") &&
	     ASSERT(target_contains(&t.ts.v[0], old_id) && target_contains(&t.ts.v[0], id_of(&t, "svc/worker")),
		    "members of both lives");
out:
	teardown(&t);
	return ok;
}

/* The worker's 5 pages: 3 already in the map, 2 still in a CPU's slot. */
static void fill_worker_pending(struct tree *t)
{
	count(&t->agg, svc_id, 10);
	count(&t->agg, worker_id, 3);
	agg_pending(&t->agg, worker_id)->cache_added_pages += 2;
	agg_counters(&t->agg, worker_id)->cache_added_pages += 2;
}

/* After retirement the slot was flushed: its 2 pages reach the map, under an entry made anew. */
static void fill_flushed(struct tree *t)
{
	count(&t->agg, svc_id, 10);
	count(&t->agg, worker_id, 2);
}

/*
 * Pages a per-CPU slot still held when their cgroup was retired are
 * counted then, and once more when the slot is flushed into the map:
 * the target keeps them once.
 */
UNIT_TEST(accounting_counts_slot_pages_of_a_retired_cgroup_once)
{
	struct tree t;
	bool ok = false;

	if (!ASSERT(setup_svc(&t), "fake tree"))
		goto out;
	if (!ASSERT(sample(&t, fill_worker_pending), "first sample") ||
	    !ASSERT(t.ts.v[0].sum.cache_added_pages == 15, "sum %llu", (unsigned long long)t.ts.v[0].sum.cache_added_pages))
		goto out;
	if (!ASSERT(drop_cgroup(&t, "svc/worker"), "worker removed") || !ASSERT(sample(&t, fill_worker_pending), "second"))
		goto out;
	if (!ASSERT(ids_have(t.ts.dead, t.ts.n_dead, worker_id), "retired") ||
	    !ASSERT(t.ts.v[0].retired.cache_added_pages == 3, "kept the map's 3, not the slot's 2: %llu",
		    (unsigned long long)t.ts.v[0].retired.cache_added_pages))
		goto out;
	if (!ASSERT(sample(&t, fill_flushed), "third sample"))
		goto out;
	ok = ASSERT(t.ts.v[0].sum.cache_added_pages == 15, "5 worker pages once and svc's 10: %llu",
		    (unsigned long long)t.ts.v[0].sum.cache_added_pages);
out:
	teardown(&t);
	return ok;
}

static void fill_svc(struct tree *t)
{
	count(&t->agg, svc_id, 10);
}

/*
 * Between the collection and the retirement of a gone cgroup, a CPU's slot
 * was flushed into its map entry (2 pages) and 1 page more was counted:
 * the target keeps what the entry held when it was taken, not what the
 * collection read.
 */
UNIT_TEST(accounting_keeps_what_came_after_the_collection)
{
	struct tree t;
	bool ok = false;

	if (!ASSERT(setup_svc(&t), "fake tree"))
		goto out;
	if (!ASSERT(sample(&t, fill_worker_pending), "first sample") || !ASSERT(drop_cgroup(&t, "svc/worker"), "removed"))
		goto out;
	t.late_id = worker_id;
	t.late_pages = 3;
	if (!ASSERT(sample(&t, fill_worker_pending), "second") || !ASSERT(ids_have(t.ts.dead, t.ts.n_dead, worker_id), "retired") ||
	    !ASSERT(t.ts.v[0].retired.cache_added_pages == 6, "kept the entry's 6 as taken: %llu",
		    (unsigned long long)t.ts.v[0].retired.cache_added_pages))
		goto out;
	ok = ASSERT(sample(&t, fill_svc), "third sample") &&
	     ASSERT(t.ts.v[0].sum.cache_added_pages == 16, "6 worker pages once and svc's 10: %llu",
		    (unsigned long long)t.ts.v[0].sum.cache_added_pages);
out:
	teardown(&t);
	return ok;
}

static void fill_nothing(struct tree *t)
{
	(void)t;
}

/* The whole machine: the fake tree's root and its leaves as targets. */
static bool setup_machine(struct tree *t)
{
	memset(t, 0, sizeof(*t));
	verdict_defaults(&t->cfg);
	agg_init(&t->agg);
	if (!fakefs_init(&t->fs) || !cgroup(t, "svc", "") || !cgroup(t, "svc/worker", "") ||
	    !cgroup(t, "other", "") || !fakefs_write(&t->fs, "root/memory.stat", "anon 4096\nfile 8192\nshmem 0\n"))
		return false;
	t->h.version = CG_V2;
	fakefs_path(&t->fs, "root", t->h.root, sizeof(t->h.root));
	return !targets_init(&t->ts, &t->h, NULL, 0, &t->cfg);
}

static __u64 anon_of(struct tree *t, __u64 id)
{
	const struct target *tg = targets_by_id(&t->ts, id);

	return tg ? tg->now.anon : 0;
}

/*
 * Between full passes the whole machine reads the followed leaves only:
 * the others keep the figures of the last full pass until the next one,
 * and nothing is retired while what exists is not known.
 */
UNIT_TEST(machine_reads_followed_leaves_between_full_passes)
{
	struct tree t;
	__u64 worker, other;
	size_t idx[1];
	bool ok = false;

	if (!ASSERT(setup_machine(&t), "fake tree") || !ASSERT(sample(&t, fill_nothing), "first") ||
	    !ASSERT(t.ts.full, "the first refresh is a full pass"))
		goto out;
	worker = id_of(&t, "svc/worker");
	other = id_of(&t, "other");
	if (!ASSERT(targets_by_id(&t.ts, worker) && targets_by_id(&t.ts, other), "leaves are targets"))
		goto out;
	idx[0] = (size_t)(targets_by_id(&t.ts, worker) - t.ts.v);
	targets_follow(&t.ts, idx, 1, true);
	t.ts.next_full = now_realtime() + 3600;
	if (!ASSERT(fakefs_write(&t.fs, "root/svc/worker/memory.stat", "anon 8192\nfile 0\nshmem 0\n") &&
		    fakefs_write(&t.fs, "root/other/memory.stat", "anon 12288\nfile 0\nshmem 0\n"), "new figures") ||
	    !ASSERT(sample(&t, fill_nothing), "partial"))
		goto out;
	if (!ASSERT(!t.ts.full, "a partial pass") || !ASSERT(anon_of(&t, worker) == 8192, "the followed leaf read") ||
	    !ASSERT(anon_of(&t, other) == 4096, "the other kept: %llu", (unsigned long long)anon_of(&t, other)) ||
	    !ASSERT(t.ts.n_dead == 0, "retired between full passes"))
		goto out;
	t.ts.next_full = 0;
	ok = ASSERT(sample(&t, fill_nothing), "full") && ASSERT(t.ts.full, "a full pass") &&
	     ASSERT(anon_of(&t, other) == 12288, "every leaf read in a full pass");
out:
	teardown(&t);
	return ok;
}

/* The probes counted 1000 pages into "other", all of them in its memory.stat already. */
static void fill_other_read(struct tree *t)
{
	count(&t->agg, id_of(t, "other"), 1000);
}

/*
 * A cgroup is ranked by memory.stat's page cache plus what the probes saw
 * come in since it was read: pages memory.stat already holds are not
 * counted twice.
 */
UNIT_TEST(machine_ranks_by_cache_counted_once)
{
	long page = sysconf(_SC_PAGESIZE);
	char worker[64], other[64];
	struct tree t;
	size_t idx[8], n;
	bool ok = false;

	snprintf(worker, sizeof(worker), "anon 0\nfile %ld\nshmem 0\n", 1500 * page);
	snprintf(other, sizeof(other), "anon 0\nfile %ld\nshmem 0\n", 1000 * page);
	if (!ASSERT(setup_machine(&t), "fake tree") ||
	    !ASSERT(fakefs_write(&t.fs, "root/svc/worker/memory.stat", worker) &&
		    fakefs_write(&t.fs, "root/other/memory.stat", other), "figures") ||
	    !ASSERT(sample(&t, fill_other_read), "sample"))
		goto out;
	n = targets_pick(&t.ts, 1, false, idx);
	ok = ASSERT(n == 2, "%zu picked", n) &&
	     ASSERT(t.ts.v[idx[1]].cg.id == id_of(&t, "svc/worker"), "ranked first: %s", t.ts.v[idx[1]].cg.rel);
out:
	teardown(&t);
	return ok;
}
