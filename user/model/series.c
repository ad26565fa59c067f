// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "model/series.h"
#include "sys/array.h"
#include "sys/cgroup.h"

const char *series_unit(const char *path)
{
	const char *last = strrchr(path, '/');

	last = last ? last + 1 : path;
	return cg_is_unit_name(last) ? last : "";
}

static unsigned int depth_of(const char *rel)
{
	unsigned int d = 1;

	if (!strcmp(rel, "/"))
		return 0;
	for (; *rel; rel++)
		d += *rel == '/';
	return d;
}

const char *series_path(const struct series_set *s, const struct target *t)
{
	/* The whole machine's targets are the root, every leaf and the cgroups two levels down. */
	if (s->machine && depth_of(t->cg.rel) > 2)
		return NULL;
	return t->cg.rel;
}

void series_init(struct series_set *s, bool machine, unsigned int max_own)
{
	memset(s, 0, sizeof(*s));
	s->machine = machine;
	s->max_own = max_own;
}

static void series_destroy(struct series *se)
{
	if (!se)
		return;
	free(se->path);
	free(se->src);
	free(se);
}

void series_free(struct series_set *s)
{
	size_t i;

	for (i = 0; i < s->n; i++)
		series_destroy(s->v[i]);
	series_destroy(s->other);
	free(s->v);
	free(s->kills);
	memset(s, 0, sizeof(*s));
}

static size_t lower_bound(const struct series_set *s, const char *path)
{
	size_t lo = 0, hi = s->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (strcmp(s->v[mid]->path, path) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static struct series *find(const struct series_set *s, const char *path)
{
	size_t i = lower_bound(s, path);

	return i < s->n && !strcmp(s->v[i]->path, path) ? s->v[i] : NULL;
}

static struct series *make(const char *path)
{
	struct series *se = calloc(1, sizeof(*se));

	if (!se || !(se->path = strdup(path))) {
		free(se);
		return NULL;
	}
	se->unit = series_unit(se->path);
	se->fresh = true;
	return se;
}

static struct series *add(struct series_set *s, const char *path)
{
	size_t i = lower_bound(s, path);
	struct series *se;

	if (ARRAY_GROW(s->v, s->cap, s->n, 16))
		return NULL;
	se = make(path);
	if (!se)
		return NULL;
	memmove(&s->v[i + 1], &s->v[i], (s->n - i) * sizeof(*s->v));
	s->v[i] = se;
	s->n++;
	return se;
}

static void remove_at(struct series_set *s, size_t i)
{
	if (s->v[i]->own)
		s->n_own--;
	series_destroy(s->v[i]);
	memmove(&s->v[i], &s->v[i + 1], (s->n - i - 1) * sizeof(*s->v));
	s->n--;
}

static struct series_src *source(struct series *se, __u64 key)
{
	size_t i;

	for (i = 0; i < se->n_src; i++)
		if (se->src[i].key == key)
			return &se->src[i];
	if (ARRAY_GROW(se->src, se->cap_src, se->n_src, 2))
		return NULL;
	memset(&se->src[se->n_src], 0, sizeof(*se->src));
	se->src[se->n_src].key = key;
	return &se->src[se->n_src++];
}

/* now - then, field by field; a field that went back (it cannot, but) counts as nothing. */
static struct counters increase(const struct counters *now, const struct counters *then)
{
	struct counters d;
	const __u64 *n = (const __u64 *)now, *t = (const __u64 *)then;
	__u64 *o = (__u64 *)&d;
	size_t i;

	for (i = 0; i < COUNTERS_N; i++)
		o[i] = n[i] >= t[i] ? n[i] - t[i] : 0;
	return d;
}

/* Newcomers of one update take their places by depth, then path: the order they had at the start. */
static int by_depth_path(const void *a, const void *b)
{
	const struct series *x = *(struct series *const *)a, *y = *(struct series *const *)b;
	unsigned int dx = depth_of(x->path), dy = depth_of(y->path);

	return dx != dy ? (dx < dy ? -1 : 1) : strcmp(x->path, y->path);
}

static int place_newcomers(struct series_set *s, const struct targets *ts)
{
	struct series **fresh = NULL;
	size_t i, n = 0, cap = 0;

	for (i = 0; i < ts->n; i++) {
		const char *p = series_path(s, &ts->v[i]);

		if (!p || find(s, p))
			continue;
		if (!add(s, p) || ARRAY_GROW(fresh, cap, n, 16)) {
			free(fresh);
			return -ENOMEM;
		}
		fresh[n++] = find(s, p);
	}
	if (n)
		qsort(fresh, n, sizeof(*fresh), by_depth_path);
	for (i = 0; i < n; i++) {
		/* A real cgroup named "other" at the top is counted in the sum of that name. */
		fresh[i]->own = !s->machine || (strcmp(fresh[i]->path, SERIES_OTHER) && s->n_own < s->max_own);
		s->n_own += fresh[i]->own;
	}
	free(fresh);
	return 0;
}

/* What was counted before a series' first sample goes in at its second. */
static void settle(struct series *se)
{
	if (!se || !se->fresh)
		return;
	counters_add(&se->acc, &se->pending);
	se->oom_kills += se->pending_ooms;
	counters_zero(&se->pending);
	se->pending_ooms = 0;
	se->fresh = false;
}

static void credit(struct series *to, const struct counters *d, __u64 ooms, __u64 lives)
{
	counters_add(to->fresh ? &to->pending : &to->acc, d);
	*(to->fresh ? &to->pending_ooms : &to->oom_kills) += ooms;
	to->lives += lives;
}

static void note_last_kills(struct series_set *s, const struct targets *ts)
{
	size_t k, i, kept = 0;

	for (k = 0; k < s->n_kills; k++) {
		struct series_kill *kill = &s->kills[k];
		bool placed = false;

		for (i = 0; i < ts->n; i++) {
			const char *p = series_path(s, &ts->v[i]);
			struct series *se = p ? find(s, p) : NULL;

			if (!se || !target_contains(&ts->v[i], kill->cgid))
				continue;
			se = se->own ? se : s->other;
			if (se && se->last_oom < kill->ts)
				se->last_oom = kill->ts;
			placed = true;
		}
		/* A cgroup made and killed between two walks is placed at the next one, or never. */
		if (!placed && ++kill->age < 2)
			s->kills[kept++] = *kill;
	}
	s->n_kills = kept;
}

int series_note_kill(struct series_set *s, __u64 cgid, double ts)
{
	if (ARRAY_GROW(s->kills, s->cap_kills, s->n_kills, 4))
		return -ENOMEM;
	s->kills[s->n_kills++] = (struct series_kill){ .cgid = cgid, .ts = ts };
	return 0;
}

static void fold(struct series_set *s, struct series *se, const struct target *t, const struct ooms *ooms)
{
	struct series_src *src = source(se, t->first_id);
	struct series *to = se->own ? se : s->other;
	__u64 kills = ooms ? ooms_in(ooms, t) : 0, lives = 0;
	struct counters d;

	if (!src || !to)
		return;		/* out of memory: counted at the next update */
	d = increase(&t->sum, &src->last);
	src->last = t->sum;
	if (kills < src->last_ooms)
		src->last_ooms = kills;
	if (!t->gone && t->cg.id != se->id) {
		lives = 1;
		se->id = t->cg.id;
	}
	credit(to, &d, kills - src->last_ooms, lives);
	if (to != se)
		se->lives += lives;
	src->last_ooms = kills;
	src->seen = true;
	if (!t->gone)
		se->present = true;
}

int series_update(struct series_set *s, const struct targets *ts, const struct ooms *ooms, double now)
{
	size_t i, j;
	int r;

	s->updates++;
	for (i = 0; i < s->n; i++)
		settle(s->v[i]);
	settle(s->other);
	r = place_newcomers(s, ts);
	if (r)
		return r;
	if (!s->other && s->n_own < s->n) {
		s->other = make(SERIES_OTHER);
		if (!s->other)
			return -ENOMEM;
		s->other->own = true;
	}
	for (i = 0; i < s->n; i++) {
		s->v[i]->present = false;
		for (j = 0; j < s->v[i]->n_src; j++)
			s->v[i]->src[j].seen = false;
	}
	for (i = 0; i < ts->n; i++) {
		const char *p = series_path(s, &ts->v[i]);

		if (p)
			fold(s, find(s, p), &ts->v[i], ooms);
	}
	note_last_kills(s, ts);
	s->in_other = 0;
	for (i = s->n; i-- > 0;) {
		struct series *se = s->v[i];

		/* A target gone from the model has given its last counts. */
		for (j = 0; j < se->n_src;)
			if (se->src[j].seen)
				j++;
			else
				se->src[j] = se->src[--se->n_src];
		if (se->present)
			se->gone_since = 0;
		else if (!se->gone_since)
			se->gone_since = now;
		s->in_other += se->present && !se->own;
		if (s->machine && !se->present && now - se->gone_since > SERIES_KEEP_GONE_S)
			remove_at(s, i);
	}
	if (s->other)
		s->other->present = s->in_other > 0;
	return 0;
}

void series_bind(struct series_set *s, const struct targets *ts)
{
	size_t i;

	for (i = 0; i < s->n; i++)
		s->v[i]->cur = NULL;
	for (i = 0; i < ts->n; i++) {
		const char *p = series_path(s, &ts->v[i]);
		struct series *se = p && !ts->v[i].gone ? find(s, p) : NULL;

		if (se)
			se->cur = &ts->v[i];
	}
}

static void event_values(const struct memcg_events *e, __u64 *v)
{
	v[0] = e->high;
	v[1] = e->max;
	v[2] = e->oom;
	v[3] = e->oom_kill;
	v[4] = e->oom_group_kill;
}

void series_fold_events(struct series_set *s, const struct targets *ts)
{
	size_t i, k;

	for (i = 0; i < ts->n; i++) {
		const struct target *t = &ts->v[i];
		const char *p = series_path(s, t);
		struct series *se = p ? find(s, p) : NULL, *to;
		struct series_src *src;
		__u64 now[SERIES_EVENTS];

		if (!se || t->gone || !t->health || !t->health->events_now.have || t->health->read_at != ts->t_now)
			continue;
		to = se->own ? se : s->other;
		src = source(se, t->first_id);
		if (!to || !src)
			continue;
		event_values(&t->health->events_now, now);
		/* Counted from the first reading; a count that went back is a new cgroup's, from 0. */
		for (k = 0; src->have_events && k < SERIES_EVENTS; k++)
			to->events[k] += now[k] >= src->last_events[k] ? now[k] - src->last_events[k] : now[k];
		memcpy(src->last_events, now, sizeof(now));
		src->have_events = true;
		to->events_known = se->events_known = true;
	}
}
