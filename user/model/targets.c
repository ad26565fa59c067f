// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "model/targets.h"
#include "sys/array.h"
#include "sys/util.h"

static size_t id_slot(__u64 id, size_t cap)
{
	return (size_t)((id * 0x9e3779b97f4a7c15ULL) >> 17) & (cap - 1);
}

static void index_put(struct targets *ts, size_t i)
{
	size_t s = id_slot(ts->v[i].cg.id, ts->by_id_cap);

	while (ts->by_id[s])
		s = (s + 1) & (ts->by_id_cap - 1);
	ts->by_id[s] = i + 1;
}

int targets_reindex(struct targets *ts)
{
	size_t cap = 16, i;

	while (cap < ts->n * 2 + 2)
		cap *= 2;
	if (cap != ts->by_id_cap) {
		size_t *v = calloc(cap, sizeof(*v));

		if (!v)
			return -ENOMEM;
		free(ts->by_id);
		ts->by_id = v;
		ts->by_id_cap = cap;
	} else {
		memset(ts->by_id, 0, cap * sizeof(*ts->by_id));
	}
	for (i = 0; i < ts->n; i++)
		index_put(ts, i);
	return 0;
}

int targets_add(struct targets *ts, const struct cg_target *cg, struct target **out)
{
	struct target *t;

	if (ARRAY_GROW(ts->v, ts->cap, ts->n, 8))
		return -ENOMEM;
	if ((ts->n + 1) * 2 + 2 > ts->by_id_cap) {
		/* The index grows with the targets; rebuilt once the new one is in. */
		free(ts->by_id);
		ts->by_id = NULL;
		ts->by_id_cap = 0;
	}
	t = &ts->v[ts->n];
	memset(t, 0, sizeof(*t));
	if (target_set_cg(t, cg))
		return -ENOMEM;
	ts->n++;
	t->root = !strcmp(cg->rel, "/");
	t->lives = 1;
	t->first_id = cg->id;
	trend_init(&t->anon_trend);
	if (out)
		*out = t;
	if (!ts->by_id)
		return targets_reindex(ts);
	index_put(ts, ts->n - 1);
	return 0;
}

int target_set_cg(struct target *t, const struct cg_target *cg)
{
	char *rel = strdup(cg->rel), *dir = strdup(cg->dir);

	if (!rel || !dir) {
		free(rel);
		free(dir);
		return -ENOMEM;
	}
	free(t->cg.rel);
	free(t->cg.dir);
	t->cg = (struct target_cg){ .rel = rel, .dir = dir, .id = cg->id };
	return 0;
}

void target_release(struct target *t)
{
	free(t->members);
	health_free(t->health);
	trend_free(&t->anon_trend);
	free(t->cg.rel);
	free(t->cg.dir);
	memset(t, 0, sizeof(*t));
}

void targets_index_followed(struct targets *ts)
{
	size_t i, n = 0;

	ts->followed_indexed = false;
	for (i = 0; i < ts->n; i++)
		if (ts->v[i].followed)
			n += ts->v[i].n_members;
	if (n > ts->cap_followed_ids) {
		__u64 *v = realloc(ts->followed_ids, n * sizeof(*v));

		if (!v)
			return;
		ts->followed_ids = v;
		ts->cap_followed_ids = n;
	}
	for (i = 0, n = 0; i < ts->n; i++) {
		if (!ts->v[i].followed)
			continue;
		memcpy(ts->followed_ids + n, ts->v[i].members, ts->v[i].n_members * sizeof(__u64));
		n += ts->v[i].n_members;
	}
	ids_sort(ts->followed_ids, n);
	ts->n_followed_ids = n;
	ts->followed_indexed = true;
}

void targets_follow(struct targets *ts, const size_t *idx, size_t n, bool reset)
{
	size_t i;

	for (i = 0; reset && i < ts->n; i++)
		ts->v[i].followed = false;
	for (i = 0; i < n; i++)
		if (idx[i] < ts->n && !ts->v[idx[i]].root)
			ts->v[idx[i]].followed = true;
	targets_index_followed(ts);
}

/* Asked for every process and cgroup at every sample: thousands of targets times thousands of processes without the index. */
bool targets_followed(const struct targets *ts, __u64 id)
{
	size_t i;

	if (ts->followed_indexed)
		return ids_have(ts->followed_ids, ts->n_followed_ids, id);
	for (i = 0; i < ts->n; i++)
		if (ts->v[i].followed && target_contains(&ts->v[i], id))
			return true;
	return false;
}

bool target_contains(const struct target *t, __u64 id)
{
	return t->root || ids_have(t->members, t->n_members, id);
}

int target_add_member(struct target *t, __u64 id)
{
	size_t i = ids_lower_bound(t->members, t->n_members, id);

	if (i < t->n_members && t->members[i] == id)
		return 0;
	if (ARRAY_GROW(t->members, t->cap_members, t->n_members, 4))
		return -ENOMEM;
	memmove(&t->members[i + 1], &t->members[i], (t->n_members - i) * sizeof(*t->members));
	t->members[i] = id;
	t->n_members++;
	return 0;
}

const struct target *targets_owner(const struct targets *ts, __u64 id)
{
	size_t i;

	for (i = 0; i < ts->n; i++)
		if (target_contains(&ts->v[i], id))
			return &ts->v[i];
	return NULL;
}

struct target *targets_by_id(struct targets *ts, __u64 id)
{
	size_t s;

	if (!ts->by_id_cap)
		return NULL;
	for (s = id_slot(id, ts->by_id_cap); ts->by_id[s]; s = (s + 1) & (ts->by_id_cap - 1))
		if (ts->v[ts->by_id[s] - 1].cg.id == id)
			return &ts->v[ts->by_id[s] - 1];
	return NULL;
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
		return r ?: targets_add(ts, &root, NULL);
	}
	for (i = 0; i < n; i++) {
		r = targets_add(ts, &explicit[i], NULL);
		if (r)
			return r;
	}
	return 0;
}

void targets_free(struct targets *ts)
{
	size_t i;

	for (i = 0; ts->v && i < ts->n; i++) {
		target_release(&ts->v[i]);
	}
	free(ts->v);
	free(ts->by_id);
	if (ts->available)
		trend_free(ts->available);
	free(ts->available);
	free(ts->pids);
	free(ts->seen);
	free(ts->unknown);
	free(ts->dead);
	free(ts->followed_ids);
	memset(ts, 0, sizeof(*ts));
}

/* Orders target indexes by a figure, largest first. */
struct rank {
	size_t idx;
	__u64 key1, key2;
};

static int by_rank(const void *a, const void *b)
{
	const struct rank *x = a, *y = b;

	if (x->key1 != y->key1)
		return x->key1 < y->key1 ? 1 : -1;
	if (x->key2 != y->key2)
		return x->key2 < y->key2 ? 1 : -1;
	return x->idx < y->idx ? -1 : x->idx > y->idx;
}

/*
 * A cgroup's page cache now: memory.stat's, moved on by what the probes
 * saw come and go since it was read (the whole machine reads most leaves
 * only in its full passes).
 */
static __u64 cache_now(const struct target *t)
{
	__s64 moved = (__s64)(t->sum.cache_added_pages - t->cache_in_at_read) -
		      (__s64)(t->sum.cache_removed_pages - t->cache_out_at_read);
	__s64 bytes = (__s64)memstat_page_cache(&t->now) + moved * (__s64)sysconf(_SC_PAGESIZE);

	return bytes > 0 ? (__u64)bytes : 0;
}

size_t targets_pick(const struct targets *ts, unsigned int top, bool summary, size_t *idx)
{
	struct rank *r;
	size_t i, n = 0, out = 0;

	if (!ts->machine) {
		for (i = 0; i < ts->n; i++)
			idx[out++] = i;
		return out;
	}
	idx[out++] = 0;
	r = calloc(ts->n, sizeof(*r));
	if (!r)
		return out;
	for (i = 1; i < ts->n; i++) {
		const struct target *t = &ts->v[i];

		if (!t->have_stat || t->unit_only)
			continue;
		r[n].idx = i;
		r[n].key1 = summary ? t->sum.cache_added_pages : cache_now(t);
		r[n].key2 = summary ? memstat_page_cache(&t->now) : t->now.anon;
		n++;
	}
	qsort(r, n, sizeof(*r), by_rank);
	for (i = 0; i < n && i < top; i++)
		idx[out++] = r[i].idx;
	free(r);
	return out;
}
