// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <stdlib.h>

#include "model/accounting.h"
#include "sys/array.h"
#include "sys/util.h"

void targets_account(struct targets *ts, const struct agg *a)
{
	size_t i, j;

	for (i = 0; i < ts->n; i++) {
		struct target *t = &ts->v[i];

		t->sum = t->retired;
		if (t->root) {
			const struct agg_cg *c;
			size_t pos = 0;

			while ((c = agg_next(a, &pos)))
				counters_add(&t->sum, &c->c);
			continue;
		}
		for (j = 0; j < t->n_members; j++) {
			const struct agg_cg *c = agg_find(a, t->members[j]);

			if (c)
				counters_add(&t->sum, &c->c);
		}
		/*
		 * Read now, after the maps: memory.stat holds what they counted
		 * so far, and the pages moved since count from here.
		 */
		if (t->read_at == ts->t_now) {
			t->cache_in_at_read = t->sum.cache_added_pages;
			t->cache_out_at_read = t->sum.cache_removed_pages;
		}
	}
}

/* A cgroup the targets no longer need counted in the maps: gone, or (named targets) never theirs. */
static bool retirable(const struct targets *ts, const struct agg *a, const struct agg_cg *c)
{
	size_t i;

	if (!c->id || ids_have(ts->seen, ts->n_seen, c->id))
		return false;
	/* Gone: the walk covers every target's subtree, and cgroup ids are never reused. */
	for (i = 0; i < ts->n; i++)
		if (!ts->v[i].root && target_contains(&ts->v[i], c->id))
			return true;
	/*
	 * Not a member of any target (the whole machine's root takes every
	 * id): give a new cgroup one interval to be walked before calling it
	 * a stranger.
	 */
	return c->born < a->generation;
}

/* The whole machine: a leaf that is gone has said so in its samples; its target goes too. */
static int drop_gone_leaves(struct targets *ts)
{
	size_t i, j = 1, n = ts->n;

	for (i = 1; i < ts->n; i++) {
		if (ts->v[i].gone)
			target_release(&ts->v[i]);
		else
			ts->v[j++] = ts->v[i];
	}
	ts->n = j;
	return j == n ? 0 : targets_reindex(ts);
}

int targets_retire(struct targets *ts, struct agg *a, retire_take_fn take, void *ctx)
{
	const struct agg_cg *c;
	struct agg last;
	size_t pos = 0, i, j;
	int r = 0;

	ts->n_dead = 0;
	/* What exists is known after a full pass only: between them nothing is called gone. */
	if (!ts->full)
		return 0;
	while ((c = agg_next(a, &pos))) {
		if (!retirable(ts, a, c))
			continue;
		if (ARRAY_GROW(ts->dead, ts->cap_dead, ts->n_dead, 64))
			return -ENOMEM;
		ts->dead[ts->n_dead++] = c->id;
	}
	ids_sort(ts->dead, ts->n_dead);
	/*
	 * What the maps hold when their entries go, not what the collection
	 * read: pages counted in between, and a CPU's slot flushed in between,
	 * would be lost with the entry. What a slot still holds comes back
	 * through the maps, under an entry made anew.
	 */
	agg_init(&last);
	if (ts->n_dead)
		r = take(ctx, ts->dead, ts->n_dead, &last);
	for (i = 0; !r && i < ts->n_dead; i++) {
		c = agg_find(&last, ts->dead[i]);
		for (j = 0; c && j < ts->n; j++)
			if (target_contains(&ts->v[j], c->id))
				counters_add(&ts->v[j].retired, &c->c);
		agg_forget(a, ts->dead[i]);
	}
	agg_free(&last);
	if (r)
		return r;
	return ts->machine ? drop_gone_leaves(ts) : 0;
}

/* Whether any of t's members is in the sorted ids. */
static bool has_any(const struct target *t, const __u64 *ids, size_t n)
{
	size_t j;

	if (t->root)
		return n > 0;
	for (j = 0; j < t->n_members; j++)
		if (ids_have(ids, n, t->members[j]))
			return true;
	return false;
}

int targets_trend(struct targets *ts, const struct procs *ps)
{
	__u64 *running = malloc((ps->n + 1) * sizeof(*running));
	size_t i, n = 0;

	if (!running)
		return -ENOMEM;
	/*
	 * The cgroups with a process read this time, with an address space: not
	 * exited, not tearing theirs down. The whole machine reads a process
	 * again when its memory moves: one still listed counts as read.
	 */
	for (i = 0; i < ps->n; i++)
		if (ps->v[i].alive && (ps->v[i].t_now == ts->t_now || ts->machine))
			running[n++] = ps->v[i].cgid;
	ids_sort(running, n);
	for (i = 0; i < ts->n; i++) {
		struct target *t = &ts->v[i];
		bool live;

		if (t->gone || !t->have_stat)
			continue;
		/* The whole machine: the leaves shown are followed; the others are read now and then, not trended. */
		if (ts->machine && !t->root && !t->followed) {
			trend_free(&t->anon_trend);
			continue;
		}
		live = has_any(t, running, n);
		/*
		 * A cgroup whose processes are gone, or going (an exiting process
		 * frees its memory while still listed), has stopped, not fallen
		 * back: keep its verdict. One whose processes have not started
		 * yet (COMMAND held until the probes are attached, a service not
		 * up) is no data point either: its start-up is not growth.
		 */
		t->running = live;
		t->ran |= live;
		if (!live)
			continue;
		trend_add(&t->anon_trend, ts->vcfg, ts->t_now, (double)t->now.anon);
		verdict_eval(&t->anon_trend, ts->vcfg, &t->verdict);
	}
	free(running);
	return 0;
}

void targets_roll(struct targets *ts)
{
	size_t i;

	for (i = 0; i < ts->n; i++) {
		ts->v[i].prev = ts->v[i].now;
		ts->v[i].sum_prev = ts->v[i].sum;
	}
	ts->mi_prev = ts->mi_now;
	ts->t_prev = ts->t_now;
}
