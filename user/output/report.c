// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "output/build.h"
#include "output/report.h"

__u64 report_page_bytes(__u64 pages)
{
	return pages * (__u64)sysconf(_SC_PAGESIZE);
}

static double rate(__u64 now, __u64 prev, double dt)
{
	return dt > 0 ? ((double)now - (double)prev) / dt : 0;
}

__u64 report_reclaimable(const struct memstat *m)
{
	/*
	 * The file LRUs hold what reclaim may take; mlocked and otherwise
	 * unevictable pages sit on a list of their own, shmem on the anon
	 * lists. Of those, dirty pages and pages under writeback need I/O first.
	 */
	__u64 lru = m->active_file + m->inactive_file, busy = m->file_dirty + m->file_writeback;

	return lru > busy ? lru - busy : 0;
}

void report_fill_verdict(struct rec_verdict *rv, const struct verdict_result *vr)
{
	rv->verdict = verdict_name(vr->verdict);
	rv->confidence = vr->confidence;
	rv->growth_bytes_per_hour = vr->slope_per_hour;
	rv->r2 = vr->r2;
	rv->samples = vr->samples;
	rv->window_s = vr->span_s;
	rv->reason = vr->reason;
}

static void fill_proc(struct rec_proc *rp, const struct proc *pr, long page)
{
	memset(rp, 0, sizeof(*rp));
	rp->pid = pr->pid;
	rp->comm = pr->comm;
	rp->alive = pr->alive;
	if (pr->have_status) {
		rp->rss_bytes = pr->now.vm_rss;
		rp->anon_bytes = pr->now.rss_anon;
		rp->file_bytes = pr->now.rss_file;
		rp->shmem_bytes = pr->now.rss_shmem;
		rp->vms_bytes = pr->now.vm_size;
		rp->swap_bytes = pr->now.vm_swap;
		rp->rss_growth_bytes = (__s64)pr->now.vm_rss - (__s64)pr->first.vm_rss;
		rp->anon_growth_bytes = (__s64)pr->now.rss_anon - (__s64)pr->first.rss_anon;
	}
	rp->shared_bytes = rp->file_bytes + rp->shmem_bytes;
	rp->cpu_known = pr->alive && pr->cpu_known;
	rp->cpu_percent = rp->cpu_known ? pr->cpu_percent : 0;
	rp->peak_anon_bytes = pr->peak[MP_RSS_ANON] > 0 ? (__u64)pr->peak[MP_RSS_ANON] * page : 0;
	rp->peak_rss_bytes = rp->peak_anon_bytes +
		(pr->peak[MP_RSS_FILE] > 0 ? (__u64)pr->peak[MP_RSS_FILE] * page : 0) +
		(pr->peak[MP_RSS_SHMEM] > 0 ? (__u64)pr->peak[MP_RSS_SHMEM] * page : 0);
	/* /proc can lag a spike the probe caught, but a peak is never below a reading. */
	if (rp->peak_rss_bytes < rp->rss_bytes)
		rp->peak_rss_bytes = rp->rss_bytes;
	if (rp->peak_anon_bytes < rp->anon_bytes)
		rp->peak_anon_bytes = rp->anon_bytes;
	report_fill_verdict(&rp->verdict, &pr->verdict);
}

struct ranked_proc {
	const struct proc *pr;
	__u64 key;
};

static int by_key(const void *a, const void *b)
{
	const struct ranked_proc *x = a, *y = b;

	if (x->key != y->key)
		return x->key < y->key ? 1 : -1;
	return x->pr->pid < y->pr->pid ? -1 : x->pr->pid > y->pr->pid;
}

size_t report_processes(const struct target *t, const struct procs *ps, bool exited, unsigned int top,
			struct rec_proc *out)
{
	struct ranked_proc *r;
	size_t i, n = 0;

	if (!ps || !ps->n)
		return 0;
	r = calloc(ps->n, sizeof(*r));
	if (!r)
		return 0;
	for (i = 0; i < ps->n; i++) {
		const struct proc *pr = &ps->v[i];
		struct rec_proc tmp;

		if (pr->alive == exited || !target_contains(t, pr->cgid))
			continue;
		if (!exited && !pr->have_status)
			continue;	/* seen by the probe, not read from /proc yet */
		fill_proc(&tmp, pr, ps->page);
		r[n].pr = pr;
		r[n].key = exited ? tmp.peak_rss_bytes : tmp.rss_bytes;
		n++;
	}
	qsort(r, n, sizeof(*r), by_key);
	for (i = 0; i < n && i < top; i++)
		fill_proc(&out[i], r[i].pr, ps->page);
	free(r);
	return i;
}

void report_start(struct rec_start *s, struct rec_target *t, size_t max, const struct targets *ts,
		  const char *version, double interval_s)
{
	size_t i;

	memset(s, 0, sizeof(*s));
	s->ts = ts->t_start;
	s->version = version;
	s->targets = t;
	s->machine = ts->machine;
	s->cgroup_version = ts->h->version;
	s->memory_root = ts->h->root;
	s->interval_s = interval_s;
	for (i = 0; i < ts->n && i < max; i++) {
		t[i].cgroup = ts->v[i].cg.rel;
		t[i].cgroup_id = ts->v[i].cg.id;
	}
	s->n_targets = i;
}

static void fill_limits(struct rec_limits *l, const struct health *h)
{
	l->known = h->have_limits;
	l->high_bytes = h->limits.high;
	l->max_bytes = h->limits.max;
	l->high_cgroup = h->limits.high_from;
	l->max_cgroup = h->limits.max_from;
}

static void fill_forecast(struct rec_forecast *f, const struct forecast *fc)
{
	f->known = fc->known;
	f->unreclaimable_bytes = fc->unreclaimable;
	f->growth_bytes_per_hour = fc->slope_per_hour;
	f->confidence = fc->confidence;
	f->high_eta_s = fc->high_eta_s;
	f->oom_eta_s = fc->oom_eta_s;
}

static void events_between(struct rec_events *e, const struct memcg_events *from, const struct memcg_events *to)
{
	e->known = true;
	e->high = to->high - from->high;
	e->max = to->max - from->max;
	e->oom = to->oom - from->oom;
	e->oom_kill = to->oom_kill - from->oom_kill;
	e->oom_group_kill = to->oom_group_kill - from->oom_group_kill;
}

/* The upper edge of the histogram bucket where the q-th share of stalls falls, in seconds. */
static double percentile(const __u64 *hist, double q)
{
	__u64 total = 0, seen = 0;
	int b;

	for (b = 0; b < MP_RECLAIM_BUCKETS; b++)
		total += hist[b];
	for (b = 0; b < MP_RECLAIM_BUCKETS && total; b++) {
		seen += hist[b];
		if ((double)seen >= q * (double)total)
			return (double)(1ULL << b) / 1e6;
	}
	return 0;
}

static void fill_reclaim(struct rec_reclaim *rc, const struct counters *d, bool known)
{
	rc->known = known;
	rc->direct_count = d->reclaim_count[MP_RECLAIM_DIRECT];
	rc->memcg_count = d->reclaim_count[MP_RECLAIM_MEMCG];
	rc->direct_s = (double)d->reclaim_ns[MP_RECLAIM_DIRECT] / 1e9;
	rc->memcg_s = (double)d->reclaim_ns[MP_RECLAIM_MEMCG] / 1e9;
}

void report_health(struct rec_health *h, const struct target *t, bool run, bool reclaim_known)
{
	const struct health *th = target_health(t);
	struct counters d = run ? t->sum : counters_sub(&t->sum, &t->sum_prev);
	const struct memstat *from = run ? &t->first : &t->prev;
	long page = sysconf(_SC_PAGESIZE);

	memset(h, 0, sizeof(*h));
	fill_limits(&h->limits, th);
	fill_forecast(&h->forecast, &th->forecast);
	if (th->events_now.have && (run ? th->events_first.have : th->have_events_prev))
		events_between(&h->events, run ? &th->events_first : &th->events_prev, &th->events_now);
	if (th->psi_now.have && (run ? th->psi_first.have : th->have_psi_prev)) {
		const struct memcg_pressure *p0 = run ? &th->psi_first : &th->psi_prev;

		h->pressure.known = true;
		h->pressure.system_wide = th->psi_now.system_wide;
		h->pressure.some_avg10 = th->psi_now.some_avg10;
		h->pressure.full_avg10 = th->psi_now.full_avg10;
		h->pressure.some_stall_s = (double)(th->psi_now.some_total_us - p0->some_total_us) / 1e6;
		h->pressure.full_stall_s = (double)(th->psi_now.full_total_us - p0->full_total_us) / 1e6;
	}
	fill_reclaim(&h->reclaim, &d, reclaim_known);
	h->reclaim.p50_s = percentile(d.reclaim_hist, 0.5);
	h->reclaim.p99_s = percentile(d.reclaim_hist, 0.99);
	h->refaults_known = t->have_stat && memstat_have_refaults(&t->now);
	h->refault_file_bytes = (t->now.refault_file - from->refault_file) * (__u64)page;
	h->refault_anon_bytes = (t->now.refault_anon - from->refault_anon) * (__u64)page;
}

void report_pre_kill(struct rec_oom_kill *r, const struct target *t, const struct procs *ps,
		     struct rec_reading *readings, struct rec_proc *procs, unsigned int top)
{
	const struct health *h = target_health(t);
	const struct reading *x, *last = NULL;
	unsigned int k, n = 0;

	/*
	 * Only what was read before the kill: a sample can be taken between
	 * the kill and the reading of its event, and show the memory the
	 * kill gave back, and a trend bent by it.
	 */
	for (k = HEALTH_READINGS; k-- > 0;)
		if ((x = health_latest(h, k)) && x->read_done < r->boot_ts) {
			readings[n++] = (struct rec_reading){ .ts = x->t, .anon_bytes = x->anon, .shmem_bytes = x->shmem,
							      .page_cache_bytes = x->page_cache,
							      .unreclaimable_bytes = x->unreclaimable };
			last = x;
		}
	if (!last)
		return;
	r->pre_known = true;
	r->pre_cgroup = t->cg.rel;
	r->pre_readings = readings;
	r->n_pre_readings = n;
	r->pre_anon_growth_bytes_per_hour = last->anon_slope_per_hour;
	fill_forecast(&r->pre_forecast, &last->forecast);
	if (last->have_events)
		events_between(&r->pre_events, &last->events_prev, &last->events);
	fill_reclaim(&r->pre_reclaim, &last->interval, true);
	r->pre_top_processes = procs;
	r->n_pre_top_processes = ps ? report_processes(t, ps, false, top, procs) : 0;
}

void report_forecast_change(struct rec_forecast_change *c, const struct target *t, double ts, double horizon_s)
{
	memset(c, 0, sizeof(*c));
	c->ts = ts;
	c->cgroup = t->cg.rel;
	c->cgroup_id = t->cg.id;
	c->below_horizon = target_health(t)->below_horizon;
	c->horizon_s = horizon_s;
	fill_limits(&c->limits, target_health(t));
	fill_forecast(&c->forecast, &target_health(t)->forecast);
}

bool report_memory_event(struct rec_memory_event *e, const struct target *t, double ts, double interval_s)
{
	const struct health *h = target_health(t);

	memset(e, 0, sizeof(*e));
	if (!h->events_now.have || !h->have_events_prev)
		return false;
	events_between(&e->events, &h->events_prev, &h->events_now);
	if (!e->events.max && !e->events.oom)
		return false;
	e->ts = ts;
	e->cgroup = t->cg.rel;
	e->cgroup_id = t->cg.id;
	e->interval_s = interval_s;
	fill_limits(&e->limits, h);
	return true;
}

void report_verdict_change(struct rec_verdict_change *c, const struct target *t, double ts)
{
	memset(c, 0, sizeof(*c));
	c->ts = ts;
	c->cgroup = t->cg.rel;
	c->cgroup_id = t->cg.id;
	c->previous = verdict_name(t->reported);
	report_fill_verdict(&c->verdict, &t->verdict);
	c->anon_bytes = t->now.anon;
}

int report_samples(struct report *rep, const struct report_input *in)
{
	const struct targets *ts = in->targets;
	double dt = ts->t_now - ts->t_prev;
	size_t *idx, n, i, at = 0;

	memset(rep, 0, sizeof(*rep));
	idx = calloc(ts->n, sizeof(*idx));
	rep->samples = calloc(ts->n, sizeof(*rep->samples));
	rep->processes = calloc(ts->n * in->top + 1, sizeof(*rep->processes));
	if (!idx || !rep->samples || !rep->processes) {
		free(idx);
		report_free(rep);
		return -ENOMEM;
	}
	n = targets_pick(ts, in->top, false, idx);
	for (i = 0; i < n; i++) {
		const struct target *t = &ts->v[idx[i]];
		struct rec_sample *s = &rep->samples[i];
		struct counters d = counters_sub(&t->sum, &t->sum_prev);

		s->ts = ts->t_now;
		s->cgroup = t->cg.rel;
		s->cgroup_id = t->cg.id;
		s->lives = t->lives;
		s->page_cache_bytes = memstat_page_cache(&t->now);
		s->page_cache_delta_bytes = (__s64)s->page_cache_bytes - (__s64)memstat_page_cache(&t->prev);
		s->page_cache_reclaimable_bytes = report_reclaimable(&t->now);
		s->anon_bytes = t->now.anon;
		s->anon_delta_bytes = (__s64)t->now.anon - (__s64)t->prev.anon;
		s->shmem_bytes = t->now.shmem;
		s->file_mapped_bytes = t->now.file_mapped;
		s->anon_rate_bytes_per_s = rate(t->now.anon, t->prev.anon, dt);
		s->file_mapped_rate_bytes_per_s = rate(t->now.file_mapped, t->prev.file_mapped, dt);
		s->shmem_rate_bytes_per_s = rate(t->now.shmem, t->prev.shmem, dt);
		s->page_cache_added_bytes = report_page_bytes(d.cache_added_pages);
		s->page_cache_removed_bytes = report_page_bytes(d.cache_removed_pages);
		s->alloc_known = in->alloc_known;
		s->alloc_pages = d.alloc_pages;
		s->alloc_bytes_per_s = dt > 0 ? report_page_bytes(s->alloc_pages) / dt : 0;
		s->mem_available_bytes = ts->mi_now.available;
		s->buff_cache_bytes = meminfo_buff_cache(&ts->mi_now);
		s->mem_total_bytes = ts->mi_now.total;
		report_fill_verdict(&s->verdict, &t->verdict);
		report_health(&s->health, t, false, in->reclaim_known);
		s->machine = t->root;
		s->mem_available_eta_s = ts->available_eta_s;
		s->top_processes = &rep->processes[at];
		s->n_top_processes = report_processes(t, in->procs, false, in->top, &rep->processes[at]);
		at += s->n_top_processes;
	}
	rep->n_samples = n;
	free(idx);
	return 0;
}

void report_free(struct report *rep)
{
	free(rep->gstacks);
	free(rep->gframes);
	free(rep->gpids);
	free(rep->gtops);
	free(rep->samples);
	free(rep->summaries);
	free(rep->files);
	free(rep->procs);
	free(rep->processes);
	free(rep->posix);
	free(rep->posix_users);
	free(rep->strings);
	memset(rep, 0, sizeof(*rep));
}
