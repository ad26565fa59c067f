// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Records into the report's model: samples into each cgroup's buckets
 * (merged pairwise when full, so memory stays flat however long the run),
 * the top processes' RSS into sparklines, events into capped lists, SysV
 * calls into the segments they touched, the final summaries kept whole.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "output/html_model.h"

void hrun_init(struct hrun *h)
{
	memset(h, 0, sizeof(*h));
	h->t_first = INFINITY;
	h->t_last = -INFINITY;
}

static void events_free(struct hevents *e)
{
	size_t i;

	for (i = 0; i < e->n; i++)
		hrec_free(&e->v[i]);
	free(e->v);
}

void hrun_free(struct hrun *h)
{
	size_t i, k;

	if (!h)
		return;
	for (i = 0; i < h->n_cgs; i++) {
		struct hcg *c = h->cgs[i];

		for (k = 0; k < c->n_procs; k++)
			free(c->procs[k].comm);
		hrec_free(&c->last);
		hrec_free(&c->summary);
		free(c->name);
		free(c);
	}
	events_free(&h->ooms);
	events_free(&h->orphans);
	events_free(&h->verdicts);
	for (i = 0; i < h->n_segs; i++) {
		free(h->segs[i].comm);
		free(h->segs[i].cgroup);
	}
	hrec_free(&h->start);
	hrec_free(&h->scratch);
	hrun_init(h);
}

int hrun_verdict(const char *v)
{
	return !strcmp(v, "leak") ? HV_LEAK : !strcmp(v, "warning") ? HV_WARNING : HV_NORMAL;
}

void hrun_span(const struct hrun *h, double *t0, double *t1)
{
	*t0 = h->have_start ? h->start.ts : h->t_first;
	*t1 = h->t_last;
	if (!isfinite(*t0) || !isfinite(*t1) || *t1 < *t0)
		*t0 = *t1 = isfinite(*t0) ? *t0 : 0;
}

bool hrun_under(const struct hcg *c, const char *cgroup)
{
	size_t n = strlen(c->name);

	if (!strcmp(c->name, "/"))
		return true;
	return !strncmp(cgroup, c->name, n) && (cgroup[n] == '\0' || cgroup[n] == '/');
}

static struct hcg *cgroup_of(struct hrun *h, const char *name, double id)
{
	struct hcg *c;
	size_t i;

	for (i = 0; i < h->n_cgs; i++)
		if (!strcmp(h->cgs[i]->name, name))
			return h->cgs[i];
	if (h->n_cgs == HCG_MAX)
		return NULL;
	c = calloc(1, sizeof(*c));
	if (!c || !(c->name = strdup(name))) {
		free(c);
		return NULL;
	}
	c->id = id;
	c->per = 1;
	c->summary_rank = -1;
	h->cgs[h->n_cgs++] = c;
	return c;
}

/* NAN: the record does not say (an older memprobe); INFINITY: null, no limit. */
static double limit(const struct hrec *r, const char *key)
{
	const struct hnode *n = hrec_get(r, NULL, key);

	if (!n)
		return NAN;
	return n->kind == HK_NUM ? n->num : INFINITY;
}

static void range_add(struct hrange *g, double t, double v, bool first)
{
	if (first || v < g->min)
		g->min = v, g->tmin = t;
	if (first || v > g->max)
		g->max = v, g->tmax = t;
	g->sum = first ? v : g->sum + v;
}

static void range_merge(struct hrange *a, const struct hrange *b)
{
	if (b->min < a->min)
		a->min = b->min, a->tmin = b->tmin;
	if (b->max > a->max)
		a->max = b->max, a->tmax = b->tmax;
	a->sum += b->sum;
}

static void bucket_merge(struct hbucket *a, const struct hbucket *b)
{
	int s;

	for (s = 0; s < HS_N; s++)
		range_merge(&a->s[s], &b->s[s]);
	a->t1 = b->t1;
	a->n += b->n;
	a->tsum += b->tsum;
	a->cache_in += b->cache_in;
	a->cache_out += b->cache_out;
	a->alloc_rate += b->alloc_rate;
	a->high = b->high;
	a->max = b->max;
	if (b->verdict > a->verdict)
		a->verdict = b->verdict;
}

/* The buckets are full: neighbours merge, and each holds twice the samples from now on. */
static void compact(struct hcg *c)
{
	size_t i;

	for (i = 0; i < c->nb / 2; i++) {
		c->b[i] = c->b[2 * i];
		bucket_merge(&c->b[i], &c->b[2 * i + 1]);
	}
	if (c->nb % 2)
		c->b[i++] = c->b[c->nb - 1];
	c->nb = i;
	c->per *= 2;
}

static void add_sample(struct hcg *c, const struct hrec *r)
{
	const double v[HS_N] = {
		[HS_ANON] = hrec_num(r, NULL, "anon_bytes", 0),
		[HS_SHMEM] = hrec_num(r, NULL, "shmem_bytes", 0),
		[HS_CACHE] = hrec_num(r, NULL, "page_cache_bytes", 0),
	};
	struct hbucket *b;
	bool fresh;
	int s;

	if (!c->samples)
		memcpy(c->first, v, sizeof(v));
	if (c->nb == HB_MAX && c->b[c->nb - 1].n >= c->per)
		compact(c);
	fresh = !c->nb || c->b[c->nb - 1].n >= c->per;
	if (fresh)
		memset(&c->b[c->nb++], 0, sizeof(c->b[0]));
	b = &c->b[c->nb - 1];
	for (s = 0; s < HS_N; s++)
		range_add(&b->s[s], r->ts, v[s], fresh);
	if (fresh)
		b->t0 = r->ts;
	b->t1 = r->ts;
	b->n++;
	b->tsum += r->ts;
	b->cache_in += hrec_num(r, NULL, "page_cache_added_bytes", 0);
	b->cache_out += hrec_num(r, NULL, "page_cache_removed_bytes", 0);
	b->alloc_rate += hrec_num(r, NULL, "alloc_bytes_per_s", 0);
	b->high = limit(r, "memory_high_bytes");
	b->max = limit(r, "memory_max_bytes");
	s = hrun_verdict(hrec_str(r, NULL, "verdict"));
	if (s > b->verdict)
		b->verdict = s;
	c->samples++;
}

/* A sparkline's points: the largest RSS of each stretch, halved in resolution when full. */
static void proc_add(struct hproc *p, double t, double rss)
{
	unsigned int i;

	if (p->n == HP_POINTS && p->in_last >= p->per) {
		for (i = 0; i < HP_POINTS / 2; i++) {
			bool second = p->v[2 * i + 1] > p->v[2 * i];

			p->t[i] = p->t[2 * i + second];
			p->v[i] = p->v[2 * i + second];
		}
		p->n = HP_POINTS / 2;
		p->per *= 2;
	}
	if (!p->n || p->in_last >= p->per) {
		p->t[p->n] = t;
		p->v[p->n++] = rss;
		p->in_last = 1;
	} else if (p->in_last++, rss >= p->v[p->n - 1]) {
		p->t[p->n - 1] = t;
		p->v[p->n - 1] = rss;
	}
	if (rss > p->peak)
		p->peak = rss;
}

/* Processes keep their history; when all places are taken, a larger newcomer replaces the smallest. */
static void add_processes(struct hcg *c, const struct hrec *r)
{
	const struct hnode *it;

	for (it = hrec_first(r, hrec_get(r, NULL, "top_processes")); it; it = hrec_next(r, it)) {
		unsigned int pid = (unsigned int)hrec_num(r, it, "pid", 0);
		double rss = hrec_num(r, it, "rss_bytes", 0);
		struct hproc *p = NULL;
		size_t i, low = 0;

		for (i = 0; i < c->n_procs && !p; i++)
			if (c->procs[i].pid == pid)
				p = &c->procs[i];
		if (!p && c->n_procs < HP_MAX) {
			p = &c->procs[c->n_procs++];
		} else if (!p) {
			for (i = 1; i < c->n_procs; i++)
				if (c->procs[i].peak < c->procs[low].peak)
					low = i;
			if (c->procs[low].peak >= rss)
				continue;
			p = &c->procs[low];
			free(p->comm);
		}
		if (!p->comm || p->pid != pid) {
			memset(p, 0, sizeof(*p));
			p->pid = pid;
			p->per = 1;
			p->comm = strdup(hrec_str(r, it, "comm"));
		}
		proc_add(p, r->ts, rss);
	}
}

static int keep_event(struct hevents *e, const struct hrec *r)
{
	struct hrec *v;

	e->total++;
	if (e->n == HEV_MAX)
		return 0;
	v = realloc(e->v, (e->n + 1) * sizeof(*v));
	if (!v)
		return -ENOMEM;
	e->v = v;
	memset(&v[e->n], 0, sizeof(*v));
	return hrec_copy(&v[e->n++], r);
}

/* SysV segments by id: what the per-call events add up to. */
static void add_shm(struct hrun *h, const struct hrec *r)
{
	const struct hnode *id = hrec_get(r, NULL, "shmid");
	const char *ev = hrec_str(r, NULL, "event");
	struct hsegment *s = NULL;
	size_t i;

	h->shm_events++;
	if (!id || id->kind != HK_NUM)
		return;		/* a detach that could not be matched to a segment */
	for (i = h->n_segs; i-- > 0 && !s;)
		if (h->segs[i].shmid == (int)id->num && !h->segs[i].removed)
			s = &h->segs[i];
	if (!s) {
		if (h->n_segs == HSEG_MAX) {
			h->segs_dropped++;
			return;
		}
		s = &h->segs[h->n_segs++];
		memset(s, 0, sizeof(*s));
		s->shmid = (int)id->num;
		s->key = (long long)hrec_num(r, NULL, "key", 0);
		s->size = hrec_num(r, NULL, "size_bytes", 0);
		s->pid = (unsigned int)hrec_num(r, NULL, "pid", 0);
		s->comm = strdup(hrec_str(r, NULL, "comm"));
		s->cgroup = strdup(hrec_str(r, NULL, "cgroup"));
		s->first = r->ts;
		s->created = !strcmp(ev, "create");
	}
	if (!strcmp(ev, "attach"))
		s->attaches++;
	else if (!strcmp(ev, "detach"))
		s->detaches++;
	else if (!strcmp(ev, "remove"))
		s->removed = r->ts;
}

int hrun_ingest(struct hrun *h, const struct hrec *r)
{
	struct hcg *c;

	if (r->oom)
		return -ENOMEM;
	if (!strcmp(r->type, "start")) {
		h->have_start = true;
		return hrec_copy(&h->start, r);
	}
	if (r->ts > h->t_last)
		h->t_last = r->ts;
	if (r->ts < h->t_first)
		h->t_first = r->ts;
	if (!strcmp(r->type, "sample")) {
		c = cgroup_of(h, hrec_str(r, NULL, "cgroup"), hrec_num(r, NULL, "cgroup_id", 0));
		if (!c) {
			h->cgs_dropped++;
			return 0;
		}
		add_sample(c, r);
		add_processes(c, r);
		return hrec_copy(&c->last, r);
	}
	if (!strcmp(r->type, "summary")) {
		/* Periodic summaries are journald's; the report wants the last word. */
		if (hrec_bool(r, NULL, "interim"))
			return 0;
		c = cgroup_of(h, hrec_str(r, NULL, "cgroup"), hrec_num(r, NULL, "cgroup_id", 0));
		if (!c)
			return 0;
		if (!c->have_summary)
			c->summary_rank = (int)h->n_summaries++;
		c->have_summary = true;
		return hrec_copy(&c->summary, r);
	}
	if (!strcmp(r->type, "oom_kill"))
		return keep_event(&h->ooms, r);
	if (!strcmp(r->type, "shm_orphan"))
		return keep_event(&h->orphans, r);
	if (!strcmp(r->type, "verdict"))
		return keep_event(&h->verdicts, r);
	if (!strcmp(r->type, "shm"))
		add_shm(h, r);
	return 0;
}
