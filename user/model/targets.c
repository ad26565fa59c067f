// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "model/targets.h"
#include "sys/array.h"
#include "sys/util.h"

int targets_add(struct targets *ts, const struct cg_target *cg, struct target **out)
{
	struct target *t;

	if (ARRAY_GROW(ts->v, ts->cap, ts->n, 8))
		return -ENOMEM;
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
	size_t i;

	for (i = 0; i < ts->n; i++)
		if (ts->v[i].cg.id == id)
			return &ts->v[i];
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
		free(ts->v[i].members);
		health_free(&ts->v[i].health);
	}
	free(ts->v);
	free(ts->available);
	free(ts->pids);
	free(ts->seen);
	free(ts->dead);
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
		r[n].key1 = summary ? t->sum.cache_added_pages : memstat_page_cache(&t->now);
		r[n].key2 = summary ? memstat_page_cache(&t->now) : t->now.anon;
		n++;
	}
	qsort(r, n, sizeof(*r), by_rank);
	for (i = 0; i < n && i < top; i++)
		idx[out++] = r[i].idx;
	free(r);
	return out;
}
