// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "target.h"
#include "util.h"

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
	if (out)
		*out = t;
	return 0;
}

static size_t lower_bound(const __u64 *v, size_t n, __u64 id)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (v[mid] < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

bool target_has(const struct target *t, __u64 id)
{
	size_t i;

	if (t->root)
		return true;
	i = lower_bound(t->members, t->n_members, id);
	return i < t->n_members && t->members[i] == id;
}

/* Members are never dropped: pages charged to a cgroup since removed still count. */
static int add_member(struct target *t, __u64 id)
{
	size_t i = lower_bound(t->members, t->n_members, id);

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

int targets_init(struct targets *ts, const struct cg_hier *h, const struct cg_target *explicit,
		 size_t n)
{
	struct cg_target root;
	size_t i;
	int r;

	memset(ts, 0, sizeof(*ts));
	ts->h = h;
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
	int err;
};

static int member_visit(void *ctx, const char *rel, __u64 id, unsigned int depth, bool leaf)
{
	struct walk_ctx *w = ctx;
	struct targets *ts = w->ts;
	struct cg_target cg;

	if (!ts->machine || w->target != 0) {
		w->err = add_member(&ts->v[w->target], id);
		return w->err;
	}
	/* The whole machine: every leaf is a candidate for the largest. */
	if (!leaf || depth == 0 || find_by_id(ts, id))
		return 0;
	snprintf(cg.rel, sizeof(cg.rel), "%s", rel);
	if (cg_path(ts->h, rel, NULL, cg.dir, sizeof(cg.dir)))
		return 0;
	cg.id = id;
	w->err = add_target(ts, &cg, NULL);
	if (!w->err)
		w->err = add_member(&ts->v[ts->n - 1], id);
	return w->err;
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
	t->have_stat = true;
}

int targets_refresh(struct targets *ts)
{
	struct walk_ctx w = { .ts = ts };
	size_t i, n = ts->n;
	bool first = ts->t_start == 0;
	int r;

	for (i = 0; i < n; i++) {
		struct target *t = &ts->v[i];

		if (t->gone || (t->root && !ts->machine))
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
	for (i = 0; i < ts->n; i++)
		read_stat(ts, &ts->v[i]);
	r = meminfo_read(&ts->mi_now);
	if (r)
		return r;
	ts->t_now = now_realtime();
	if (first) {
		ts->mi_first = ts->mi_prev = ts->mi_now;
		ts->t_start = ts->t_prev = ts->t_now;
	}
	return 0;
}

void targets_account(struct targets *ts, const struct agg *a)
{
	size_t i, j;

	for (i = 0; i < ts->n; i++) {
		struct target *t = &ts->v[i];

		t->cache_added = t->cache_removed = 0;
		if (t->root) {
			const struct cg_counters *c;
			size_t pos = 0;

			while ((c = agg_next(a, &pos))) {
				t->cache_added += c->cache_added_pages;
				t->cache_removed += c->cache_removed_pages;
			}
			continue;
		}
		for (j = 0; j < t->n_members; j++) {
			const struct cg_counters *c = agg_find(a, t->members[j]);

			if (c) {
				t->cache_added += c->cache_added_pages;
				t->cache_removed += c->cache_removed_pages;
			}
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
	}
	ts->mi_prev = ts->mi_now;
	ts->t_prev = ts->t_now;
}
