// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "sys/log.h"
#include "model/targets.h"
#include "sys/util.h"

static int add_target(struct targets *ts, const struct cg_target *cg, struct target **out)
{
	struct target *t;

	if (ts->n == ts->cap) {
		size_t cap = ts->cap ? ts->cap * 2 : 8;
		struct target *v = realloc(ts->v, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		ts->v = v;
		ts->cap = cap;
	}
	t = &ts->v[ts->n++];
	memset(t, 0, sizeof(*t));
	t->cg = *cg;
	t->root = !strcmp(cg->rel, "/");
	t->lives = 1;
	t->first_id = cg->id;
	trend_init(&t->anon_trend);
	if (out)
		*out = t;
	return 0;
}

bool target_has(const struct target *t, __u64 id)
{
	size_t i;

	if (t->root)
		return true;
	i = ids_lower_bound(t->members, t->n_members, id);
	return i < t->n_members && t->members[i] == id;
}

/* Members are never dropped: pages charged to a cgroup since removed still count. */
static int add_member(struct target *t, __u64 id)
{
	size_t i = ids_lower_bound(t->members, t->n_members, id);

	if (i < t->n_members && t->members[i] == id)
		return 0;
	if (t->n_members == t->cap_members) {
		size_t cap = t->cap_members ? t->cap_members * 2 : 4;
		__u64 *v = realloc(t->members, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		t->members = v;
		t->cap_members = cap;
	}
	memmove(&t->members[i + 1], &t->members[i], (t->n_members - i) * sizeof(*t->members));
	t->members[i] = id;
	t->n_members++;
	return 0;
}

bool targets_have(const struct targets *ts, __u64 id)
{
	size_t i;

	for (i = 0; i < ts->n; i++)
		if (target_has(&ts->v[i], id))
			return true;
	return false;
}

int targets_init(struct targets *ts, const struct cg_hier *h, const struct cg_target *explicit,
		 size_t n, const struct verdict_cfg *vcfg)
{
	struct cg_target root;
	size_t i;
	int r;

	memset(ts, 0, sizeof(*ts));
	ts->h = h;
	ts->vcfg = vcfg;
	ts->machine = n == 0;
	if (ts->machine) {
		r = cg_lookup(h, "/", &root);
		return r ?: add_target(ts, &root, NULL);
	}
	for (i = 0; i < n; i++) {
		r = add_target(ts, &explicit[i], NULL);
		if (r)
			return r;
	}
	return 0;
}

void targets_free(struct targets *ts)
{
	size_t i;

	for (i = 0; i < ts->n; i++)
		free(ts->v[i].members);
	free(ts->v);
	free(ts->pids);
	free(ts->seen);
	free(ts->dead);
	memset(ts, 0, sizeof(*ts));
}

static struct target *find_by_id(struct targets *ts, __u64 id)
{
	size_t i;

	for (i = 0; i < ts->n; i++)
		if (ts->v[i].cg.id == id)
			return &ts->v[i];
	return NULL;
}

struct walk_ctx {
	struct targets *ts;
	size_t target;
	struct target *owner;	/* the target the visited cgroup's processes count for */
	__u64 cgid;
	int err;
};

static int add_pid(void *ctx, int pid)
{
	struct walk_ctx *w = ctx;
	struct targets *ts = w->ts;

	if (pid <= 0)
		return 0;
	if (ts->n_pids == ts->cap_pids) {
		size_t cap = ts->cap_pids ? ts->cap_pids * 2 : 256;
		struct pid_cg *v = realloc(ts->pids, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		ts->pids = v;
		ts->cap_pids = cap;
	}
	ts->pids[ts->n_pids++] = (struct pid_cg){ .pid = pid, .cgid = w->cgid };
	if (w->owner)
		w->owner->nprocs++;
	if (ts->machine && w->owner != &ts->v[0])
		ts->v[0].nprocs++;
	return 0;
}

static int push_id(__u64 **v, size_t *n, size_t *cap, __u64 id)
{
	if (*n == *cap) {
		size_t ncap = *cap ? *cap * 2 : 64;
		__u64 *nv = realloc(*v, ncap * sizeof(**v));

		if (!nv)
			return -ENOMEM;
		*v = nv;
		*cap = ncap;
	}
	(*v)[(*n)++] = id;
	return 0;
}

static int cmp_id(const void *a, const void *b)
{
	__u64 x = *(const __u64 *)a, y = *(const __u64 *)b;

	return x < y ? -1 : x > y;
}

static int member_visit(void *ctx, const char *rel, __u64 id, unsigned int depth, bool leaf)
{
	struct walk_ctx *w = ctx;
	struct targets *ts = w->ts;
	struct cg_target cg;

	w->err = push_id(&ts->seen, &ts->n_seen, &ts->cap_seen, id);
	if (w->err)
		return w->err;
	w->cgid = id;
	w->owner = NULL;
	if (!ts->machine || w->target != 0) {
		w->owner = &ts->v[w->target];
		w->err = add_member(w->owner, id);
	} else if (depth == 0) {
		w->owner = &ts->v[0];
	} else if (leaf) {
		/* The whole machine: every leaf is a candidate for the largest. */
		w->owner = find_by_id(ts, id);
		if (!w->owner && !cg_path(ts->h, rel, NULL, cg.dir, sizeof(cg.dir))) {
			snprintf(cg.rel, sizeof(cg.rel), "%s", rel);
			cg.id = id;
			w->err = add_target(ts, &cg, &w->owner);
			if (!w->err)
				w->err = add_member(w->owner, id);
		}
	}
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
	t->cg = cg;
	t->gone = false;
	t->new_life = true;
	t->lives++;
	ts->generation++;
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

void targets_trend(struct targets *ts, const struct procs *ps)
{
	size_t i, j;

	for (i = 0; i < ts->n; i++) {
		struct target *t = &ts->v[i];
		unsigned int live = 0;

		if (t->gone || !t->have_stat)
			continue;
		/* Read this time, with an address space: not exited, not tearing theirs down. */
		for (j = 0; j < ps->n && !live; j++)
			live = ps->v[j].alive && ps->v[j].t_now == ts->t_now && target_has(t, ps->v[j].cgid);
		/*
		 * A cgroup whose processes are gone, or going (an exiting process
		 * frees its memory while still listed), has stopped, not fallen
		 * back: keep its verdict.
		 */
		if (!live && t->anon_trend.total)
			continue;
		trend_add(&t->anon_trend, ts->vcfg, ts->t_now, (double)t->now.anon);
		verdict_eval(&t->anon_trend, ts->vcfg, &t->verdict);
	}
}

int targets_refresh(struct targets *ts)
{
	struct walk_ctx w = { .ts = ts };
	size_t i, n = ts->n;
	bool first = ts->t_start == 0;
	double now = now_realtime();
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
		w.target = i;
		r = cg_walk(ts->h, t->cg.rel, member_visit, &w);
		if (w.err)
			return w.err;
		if (r == -ENOENT)
			t->gone = true;
		else if (r)
			return r;
	}
	if (ts->n_seen)
		qsort(ts->seen, ts->n_seen, sizeof(*ts->seen), cmp_id);
	for (i = 0; i < ts->n; i++)
		read_stat(ts, &ts->v[i]);
	r = meminfo_read(&ts->mi_now);
	if (r)
		return r;
	ts->t_now = now;
	if (first) {
		ts->mi_first = ts->mi_prev = ts->mi_now;
		ts->t_start = ts->t_prev = ts->t_now;
	}
	return 0;
}

static void retire_into(struct cg_counters *r, const struct cg_counters *c)
{
	size_t k;

	r->cache_added_pages += c->cache_added_pages;
	r->cache_removed_pages += c->cache_removed_pages;
	r->alloc_pages += c->alloc_pages;
	r->alloc_calls += c->alloc_calls;
	for (k = 0; k < MP_ALLOC_ORDERS; k++)
		r->alloc_order[k] += c->alloc_order[k];
}

/* A cgroup the targets no longer need counted in the maps: gone, or (named targets) never theirs. */
static bool retirable(const struct targets *ts, const struct agg *a, const struct cg_counters *c)
{
	size_t i;

	if (!c->id || ids_have(ts->seen, ts->n_seen, c->id))
		return false;
	/* Gone: the walk covers every target's subtree, and cgroup ids are never reused. */
	for (i = 0; i < ts->n; i++)
		if (!ts->v[i].root && target_has(&ts->v[i], c->id))
			return true;
	/*
	 * Not a member of any target (the whole machine's root takes every
	 * id): give a new cgroup one interval to be walked before calling it
	 * a stranger.
	 */
	return c->born < a->generation;
}

/* The whole machine: a leaf that is gone has said so in its samples; its target goes too. */
static void drop_gone_leaves(struct targets *ts)
{
	size_t i, j = 1;

	for (i = 1; i < ts->n; i++) {
		if (ts->v[i].gone)
			free(ts->v[i].members);
		else
			ts->v[j++] = ts->v[i];
	}
	ts->n = j;
}

int targets_retire(struct targets *ts, struct agg *a)
{
	const struct cg_counters *c;
	size_t pos = 0, i;
	int r;

	ts->n_dead = 0;
	while ((c = agg_next(a, &pos))) {
		if (!retirable(ts, a, c))
			continue;
		r = push_id(&ts->dead, &ts->n_dead, &ts->cap_dead, c->id);
		if (r)
			return r;
		for (i = 0; i < ts->n; i++)
			if (target_has(&ts->v[i], c->id))
				retire_into(&ts->v[i].retired, c);
	}
	for (i = 0; i < ts->n_dead; i++)
		agg_forget(a, ts->dead[i]);
	if (ts->n_dead)
		qsort(ts->dead, ts->n_dead, sizeof(*ts->dead), cmp_id);
	if (ts->machine)
		drop_gone_leaves(ts);
	return 0;
}

static void add_counters(struct target *t, const struct cg_counters *c)
{
	size_t k;

	t->cache_added += c->cache_added_pages;
	t->cache_removed += c->cache_removed_pages;
	t->alloc_pages += c->alloc_pages;
	for (k = 0; k < MP_ALLOC_ORDERS; k++)
		t->alloc_order[k] += c->alloc_order[k];
}

void targets_account(struct targets *ts, const struct agg *a)
{
	size_t i, j;

	for (i = 0; i < ts->n; i++) {
		struct target *t = &ts->v[i];

		t->cache_added = t->cache_removed = t->alloc_pages = 0;
		memset(t->alloc_order, 0, sizeof(t->alloc_order));
		add_counters(t, &t->retired);
		if (t->root) {
			const struct cg_counters *c;
			size_t pos = 0;

			while ((c = agg_next(a, &pos)))
				add_counters(t, c);
			continue;
		}
		for (j = 0; j < t->n_members; j++) {
			const struct cg_counters *c = agg_find(a, t->members[j]);

			if (c)
				add_counters(t, c);
		}
	}
}

void targets_roll(struct targets *ts)
{
	size_t i;

	for (i = 0; i < ts->n; i++) {
		struct target *t = &ts->v[i];

		t->prev = t->now;
		t->prev_added = t->cache_added;
		t->prev_removed = t->cache_removed;
		t->prev_alloc_pages = t->alloc_pages;
	}
	ts->mi_prev = ts->mi_now;
	ts->t_prev = ts->t_now;
}
