// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "model/health.h"
#include "model/targets.h"
#include "sys/util.h"

#define FORECAST_MIN_R2		0.5	/* a steadier trend than this, or no forecast */

void health_free(struct health *h)
{
	if (!h)
		return;
	if (h->unreclaimable)
		trend_free(h->unreclaimable);
	free(h->unreclaimable);
	free(h);
}

/* What a target never shown has: nothing read. */
static const struct health unread;

const struct health *target_health(const struct target *t)
{
	return t->health ? t->health : &unread;
}

const struct reading *health_latest(const struct health *h, unsigned int back)
{
	if (back >= h->n_recent || back >= HEALTH_READINGS)
		return NULL;
	return &h->recent[(h->n_recent - 1 - back) % HEALTH_READINGS];
}

/* Seconds until a figure growing at slope (per second) reaches limit; -1 when it never does. */
static double eta(__u64 now, __u64 limit, double slope)
{
	if (limit == MEMCG_UNLIMITED || slope <= 0)
		return -1;
	if (now >= limit)
		return 0;
	return (double)(limit - now) / slope;
}

static void fit_forecast(struct health *h, const struct verdict_cfg *cfg, __u64 unreclaimable, bool running)
{
	struct forecast *f = &h->forecast;
	unsigned int points;
	double slope, r2, span;

	memset(f, 0, sizeof(*f));
	f->unreclaimable = unreclaimable;
	f->high_eta_s = f->oom_eta_s = -1;
	trend_fit(h->unreclaimable, &slope, &r2, &points, &span);
	if (points < cfg->min_samples || span <= 0)
		return;
	f->known = true;
	f->slope_per_hour = slope * 3600;
	f->r2 = r2;
	f->confidence = r2 * fmin(1, span / cfg->window_s * 4);
	/* Not growing, or not steadily, or nothing runs to grow it: no date to give. */
	if (slope <= 0 || r2 < FORECAST_MIN_R2 || !h->have_limits || !running)
		return;
	f->high_eta_s = eta(unreclaimable, h->limits.high, slope);
	f->oom_eta_s = eta(unreclaimable, h->limits.max, slope);
}

static void remember(struct health *h, double t_now, const struct target *t, __u64 unreclaimable, double read_done)
{
	struct reading *r = &h->recent[h->n_recent++ % HEALTH_READINGS];

	*r = (struct reading){ .t = t_now, .read_done = read_done, .anon = t->now.anon, .shmem = t->now.shmem,
			       .page_cache = memstat_page_cache(&t->now), .unreclaimable = unreclaimable,
			       .anon_slope_per_hour = t->verdict.slope_per_hour, .forecast = h->forecast,
			       .have_events = h->events_now.have && h->have_events_prev, .events = h->events_now,
			       .events_prev = h->events_prev, .interval = h->interval };
}

/* The counters whose intervals are deltas: memory events and pressure. */
static void read_counts(struct targets *ts, struct target *t)
{
	struct health *h = t->health;
	/* A delta needs the reading before this one, at the previous sample (a target is not always shown). */
	bool fresh = h->read_at > 0 && h->read_at == ts->t_prev;

	h->read_at = ts->t_now;
	h->events_prev = h->events_now;
	h->have_events_prev = fresh && h->events_now.have;
	if (memcg_events_read(ts->h, t->cg.rel, &h->events_now))
		h->events_now.have = false;
	else if (!h->events_first.have)
		h->events_first = h->events_now;
	h->psi_prev = h->psi_now;
	h->have_psi_prev = fresh && h->psi_now.have;
	if (memcg_pressure_read(ts->h, t->cg.rel, &h->psi_now))
		h->psi_now.have = false;
	else if (!h->psi_first.have)
		h->psi_first = h->psi_now;
}

static int refresh_one(struct targets *ts, struct target *t)
{
	struct health *h = t->health;
	__u64 unreclaimable = memstat_unreclaimable(&t->now);
	double read_done;

	h->have_limits = !memcg_limits_read(ts->h, t->cg.rel, &h->limits);
	read_counts(ts, t);
	/*
	 * A reading is before a kill only if all of it was read before: its
	 * memory.events (which count the kill) come after its memory.stat. On
	 * the probes' clock, so that the order with the kill's event is the
	 * kernel's, not two clocks' read a preemption apart.
	 */
	read_done = now_boottime();
	if (!h->unreclaimable) {
		h->unreclaimable = malloc(sizeof(*h->unreclaimable));
		if (!h->unreclaimable)
			return -ENOMEM;
		trend_init(h->unreclaimable);
	}
	/* As for the verdict: only readings with its processes running are points of the trend. */
	if (t->running)
		trend_add(h->unreclaimable, ts->vcfg, ts->t_now, (double)unreclaimable);
	fit_forecast(h, ts->vcfg, unreclaimable, t->running);
	h->interval = counters_sub(&t->sum, &t->sum_prev);
	remember(h, ts->t_now, t, unreclaimable, read_done);
	return 0;
}

/* The whole machine: when MemAvailable runs out at its fitted rate. */
static int refresh_available(struct targets *ts)
{
	unsigned int points;
	double slope, r2, span;

	if (!ts->available) {
		ts->available = malloc(sizeof(*ts->available));
		if (!ts->available)
			return -ENOMEM;
		trend_init(ts->available);
	}
	trend_add(ts->available, ts->vcfg, ts->t_now, (double)ts->mi_now.available);
	trend_fit(ts->available, &slope, &r2, &points, &span);
	ts->available_slope_per_hour = slope * 3600;
	ts->available_eta_s = points >= ts->vcfg->min_samples && slope < 0 && r2 >= FORECAST_MIN_R2 ?
		(double)ts->mi_now.available / -slope : -1;
	return 0;
}

/* Each readable target at idx, its health allocated: counts only, or everything. */
static int each(struct targets *ts, const size_t *idx, size_t n, bool counts_only)
{
	size_t i;
	int r;

	for (i = 0; i < n; i++) {
		struct target *t = &ts->v[idx[i]];

		if (t->gone || !t->have_stat)
			continue;
		if (!t->health) {
			t->health = calloc(1, sizeof(*t->health));
			if (!t->health)
				return -ENOMEM;
		}
		if (counts_only) {
			read_counts(ts, t);
			continue;
		}
		r = refresh_one(ts, t);
		if (r)
			return r;
	}
	return 0;
}

int health_read(struct targets *ts, const size_t *idx, size_t n)
{
	return each(ts, idx, n, false);
}

int health_baseline(struct targets *ts, const size_t *idx, size_t n)
{
	return each(ts, idx, n, true);
}

int health_refresh(struct targets *ts, const size_t *idx, size_t n)
{
	return health_read(ts, idx, n) ?: refresh_available(ts);
}

bool health_crossed(struct health *h, double horizon_s)
{
	const struct forecast *f = &h->forecast;
	bool below = f->known && f->oom_eta_s >= 0 && f->oom_eta_s < horizon_s;

	if (below == h->below_horizon)
		return false;
	h->below_horizon = below;
	return true;
}
