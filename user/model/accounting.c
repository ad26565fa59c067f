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
static void drop_gone_leaves(struct targets *ts)
{
	size_t i, j = 1;

	for (i = 1; i < ts->n; i++) {
		if (ts->v[i].gone) {
			free(ts->v[i].members);
			health_free(&ts->v[i].health);
		} else
			ts->v[j++] = ts->v[i];
	}
	ts->n = j;
}

int targets_retire(struct targets *ts, struct agg *a)
{
	const struct agg_cg *c;
	size_t pos = 0, i;

	ts->n_dead = 0;
	while ((c = agg_next(a, &pos))) {
		if (!retirable(ts, a, c))
			continue;
		if (ARRAY_GROW(ts->dead, ts->cap_dead, ts->n_dead, 64))
			return -ENOMEM;
		ts->dead[ts->n_dead++] = c->id;
		for (i = 0; i < ts->n; i++)
			if (target_contains(&ts->v[i], c->id))
				counters_add(&ts->v[i].retired, &c->c);
	}
	for (i = 0; i < ts->n_dead; i++)
		agg_forget(a, ts->dead[i]);
	ids_sort(ts->dead, ts->n_dead);
	if (ts->machine)
		drop_gone_leaves(ts);
	return 0;
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
			live = ps->v[j].alive && ps->v[j].t_now == ts->t_now && target_contains(t, ps->v[j].cgid);
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
