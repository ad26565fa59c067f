// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "model/agg.h"
#include "model/refresh.h"
#include "sys/array.h"
#include "sys/log.h"
#include "sys/util.h"

struct walk_ctx {
	struct targets *ts;
	size_t target;
	struct target *owner;	/* the target the visited cgroup's processes count for */
	size_t unit;		/* ts->units: the target two levels down being walked, or SIZE_MAX */
	__u64 cgid;
	int err;
};

static int add_pid(void *ctx, int pid)
{
	struct walk_ctx *w = ctx;
	struct targets *ts = w->ts;

	if (pid <= 0)
		return 0;
	if (ARRAY_GROW(ts->pids, ts->cap_pids, ts->n_pids, 256))
		return -ENOMEM;
	ts->pids[ts->n_pids++] = (struct pid_cg){ .pid = pid, .cgid = w->cgid };
	if (w->owner)
		w->owner->nprocs++;
	if (ts->machine && ts->full && w->owner != &ts->v[0])
		ts->v[0].nprocs++;
	return 0;
}

/* For the metrics, a cgroup two levels down (a unit) counts everything below it. */
static int unit_member(struct walk_ctx *w, unsigned int depth, __u64 id)
{
	struct targets *ts = w->ts;

	if (depth < 2)
		w->unit = SIZE_MAX;
	else if (depth == 2)
		w->unit = w->owner ? (size_t)(w->owner - ts->v) : SIZE_MAX;
	else if (w->unit != SIZE_MAX)
		return target_add_member(&ts->v[w->unit], id);
	return 0;
}

static int member_visit(void *ctx, const char *rel, __u64 id, unsigned int depth, bool leaf)
{
	struct walk_ctx *w = ctx;
	struct targets *ts = w->ts;
	struct cg_target cg;

	/* The full pass's list of what exists: a partial pass walks a few subtrees and keeps it. */
	if (ts->full) {
		w->err = ARRAY_GROW(ts->seen, ts->cap_seen, ts->n_seen, 64);
		if (w->err)
			return w->err;
		ts->seen[ts->n_seen++] = id;
	}
	w->cgid = id;
	w->owner = NULL;
	if (!ts->machine || w->target != 0) {
		w->owner = &ts->v[w->target];
		w->err = target_add_member(w->owner, id);
	} else if (depth == 0) {
		w->owner = &ts->v[0];
	} else if (leaf || (ts->units && depth == 2)) {
		/* The whole machine: every leaf is a candidate for the largest. */
		w->owner = targets_by_id(ts, id);
		if (!w->owner && !cg_path(ts->h, rel, NULL, cg.dir, sizeof(cg.dir))) {
			snprintf(cg.rel, sizeof(cg.rel), "%s", rel);
			cg.id = id;
			w->err = targets_add(ts, &cg, &w->owner);
			if (!w->err)
				w->err = target_add_member(w->owner, id);
			if (!w->err && !leaf)
				w->owner->unit_only = true;
		}
	}
	if (!w->err && ts->machine && ts->units)
		w->err = unit_member(w, depth, id);
	if (w->err)
		return w->err;
	/* A cgroup gone between readdir and here has no processes to list. */
	w->err = cg_pids(ts->h, rel, add_pid, w);
	if (w->err == -ENOENT)
		w->err = 0;
	return w->err;
}

/*
 * The target's name now holds a different cgroup than the one watched: a
 * restart removed it and created another. Follow the new one; the old
 * one's ids stay members.
 */
static void follow(struct targets *ts, struct target *t)
{
	struct cg_target cg;

	if (t->root || cg_lookup(ts->h, t->cg.rel, &cg) || cg.id == t->cg.id)
		return;
	log_warn("cgroup %s was removed and created again (id %llu, before %llu): following the new one",
		 t->cg.rel, (unsigned long long)cg.id, (unsigned long long)t->cg.id);
	if (target_set_cg(t, &cg))
		return;	/* no memory for the new names: watched as it was, and said again next time */
	t->gone = false;
	t->new_life = true;
	t->lives++;
	ts->generation++;
	/* As many targets as before: the index is rebuilt in place, nothing to allocate. */
	(void)targets_reindex(ts);
}

static void read_stat(struct targets *ts, struct target *t)
{
	struct memstat m;
	struct stat st;

	if (stat(t->cg.dir, &st) || st.st_ino != t->cg.id) {
		t->gone = true;
		return;
	}
	if (memstat_read(t->cg.dir, ts->h->version, t->root, &m))
		return;
	t->now = m;
	t->read_at = ts->t_now;
	if (!t->have_stat) {
		t->first = m;
		t->prev = m;
	}
	/* An interval's change is within one life. */
	if (t->new_life)
		t->prev = m;
	t->new_life = false;
	t->have_stat = true;
}

/*
 * The whole machine: a full pass at most every FULL_BUDGET times what the
 * last one cost (so about a hundredth of a core), and at least every
 * FULL_MAX_S; never more often than every sample.
 */
#define FULL_BUDGET	100
#define FULL_MAX_S	300

static double cpu_now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
	return t.tv_sec + t.tv_nsec / 1e9;
}

static int walk_target(struct targets *ts, size_t i)
{
	struct walk_ctx w = { .ts = ts, .target = i };
	struct target *t = &ts->v[i];
	int r;

	r = cg_walk(ts->h, t->cg.rel, member_visit, &w);
	if (w.err)
		return w.err;
	if (r == -ENOENT)
		t->gone = true;
	else if (r)
		return r;
	return 0;
}

/* Everything: every target's subtree walked, every process listed, every cgroup's memory.stat. */
static int full_pass(struct targets *ts)
{
	size_t i, n = ts->n;
	int r;

	ts->n_pids = 0;
	ts->n_seen = 0;
	for (i = 0; i < n; i++)
		ts->v[i].nprocs = 0;
	for (i = 0; i < n; i++) {
		struct target *t = &ts->v[i];

		if (!ts->machine)
			follow(ts, t);
		if (t->gone)
			continue;
		if (ts->machine && i > 0)
			continue;	/* leaves are found by the root's walk */
		r = walk_target(ts, i);
		if (r)
			return r;
	}
	ids_sort(ts->seen, ts->n_seen);
	for (i = 0; i < ts->n; i++)
		read_stat(ts, &ts->v[i]);
	return 0;
}

/*
 * The whole machine between full passes: the root's memory.stat, and the
 * followed leaves walked and read again; the other cgroups' figures and
 * processes stay as the last full pass left them.
 */
static int partial_pass(struct targets *ts)
{
	size_t i, j;
	int r;

	for (i = 0, j = 0; i < ts->n_pids; i++)
		if (!targets_followed(ts, ts->pids[i].cgid))
			ts->pids[j++] = ts->pids[i];
	ts->n_pids = j;
	for (i = 1; i < ts->n; i++) {
		struct target *t = &ts->v[i];

		if (!t->followed || t->gone)
			continue;
		t->nprocs = 0;
		r = walk_target(ts, i);
		if (r)
			return r;
		read_stat(ts, t);
	}
	read_stat(ts, &ts->v[0]);
	return 0;
}

void targets_full_done(struct targets *ts)
{
	/* Its processes' reading included, when the agent calls again after them. */
	ts->next_full = ts->t_now + fmin(FULL_BUDGET * (cpu_now() - ts->full_cpu0), FULL_MAX_S);
}

int targets_refresh(struct targets *ts)
{
	bool first = ts->t_start == 0;
	double now = now_realtime();
	int r;

	ts->t_now = now;
	ts->full = !ts->machine || first || now >= ts->next_full;
	if (ts->full) {
		ts->n_unknown = 0;
		ts->full_cpu0 = cpu_now();
		r = full_pass(ts);
		if (r)
			return r;
		if (ts->machine)
			targets_full_done(ts);
	} else {
		r = partial_pass(ts);
		if (r)
			return r;
	}
	targets_index_followed(ts);
	r = meminfo_read(&ts->mi_now);
	if (r)
		return r;
	if (first) {
		ts->mi_first = ts->mi_prev = ts->mi_now;
		ts->t_start = ts->t_prev = ts->t_now;
	}
	return 0;
}

/* One cgroup made since the last full pass: a leaf becomes a target, read now; gone or not a leaf, remembered. */
static int discover_one(struct targets *ts, __u64 id)
{
	struct target *t = NULL;
	struct cg_target cg;
	bool leaf;
	int r;

	r = cg_lookup_id(ts->h, id, &cg, &leaf);
	if (!r && leaf) {
		r = targets_add(ts, &cg, &t) ?: target_add_member(t, id);
		if (r)
			return r;
		read_stat(ts, t);
		r = ARRAY_GROW(ts->seen, ts->cap_seen, ts->n_seen, 64);
		if (r)
			return r;
		ts->seen[ts->n_seen++] = id;
		ids_sort(ts->seen, ts->n_seen);
		return 0;
	}
	/* Gone already, or a cgroup with cgroups below it (the next full pass walks it): not asked again. */
	r = ARRAY_GROW(ts->unknown, ts->cap_unknown, ts->n_unknown, 16);
	if (r)
		return r;
	ts->unknown[ts->n_unknown++] = id;
	ids_sort(ts->unknown, ts->n_unknown);
	return 0;
}

int targets_discover(struct targets *ts, const struct agg *a)
{
	const struct agg_cg *c;
	size_t pos = 0;
	int r;

	if (!ts->machine || ts->full)
		return 0;
	while ((c = agg_next(a, &pos))) {
		if (!c->id || ids_have(ts->seen, ts->n_seen, c->id) || ids_have(ts->unknown, ts->n_unknown, c->id))
			continue;
		r = discover_one(ts, c->id);
		if (r)
			return r;
	}
	return 0;
}
