// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "model/verdict.h"
#include "sys/format.h"

#define MB		(1024.0 * 1024.0)
#define LEAK_MIN_R2	0.8	/* growth this steady is not noise */
#define WARN_MIN_R2	0.5

void verdict_defaults(struct verdict_cfg *c)
{
	c->band = 50 * MB;
	c->warn_rate = 100 * MB;
	c->leak_rate = 500 * MB;
	c->window_s = 1800;
	c->leak_after_s = 0;
	c->min_samples = 12;
}

double verdict_leak_after(const struct verdict_cfg *c)
{
	return c->leak_after_s > 0 ? c->leak_after_s : c->window_s / 4;
}

const char *verdict_cfg_impossible(const struct verdict_cfg *c, double interval_s, char *why, size_t len)
{
	double fit = interval_s > 0 ? floor(c->window_s / interval_s + 1e-9) + 1 : TREND_POINTS;

	if (c->min_samples > TREND_POINTS)
		snprintf(why, len, "--verdict-samples %u is more than the %d points a trend keeps: no growth verdict could ever be given", c->min_samples,
			 TREND_POINTS);
	else if (c->min_samples > fit)
		snprintf(why, len,
			 "--verdict-samples %u cannot fit in a --verdict-window of %gs at --interval %gs (%.0f samples at most): no growth verdict could ever be given",
			 c->min_samples, c->window_s, interval_s, fit);
	else if (verdict_leak_after(c) > c->window_s)
		snprintf(why, len, "--leak-after %gs is longer than the --verdict-window of %gs: no leak could ever be called",
			 verdict_leak_after(c), c->window_s);
	else
		return NULL;
	return why;
}

const char *verdict_name(enum verdict v)
{
	switch (v) {
	case VERDICT_WARNING:
		return "warning";
	case VERDICT_LEAK:
		return "leak";
	default:
		return "normal";
	}
}

void trend_init(struct trend *tr)
{
	memset(tr, 0, sizeof(*tr));
}

/* Drops points older than the window, then halves the rest if still full. */
static void trim(struct trend *tr, const struct verdict_cfg *c)
{
	size_t i, keep = 0, j;

	while (keep < tr->n && tr->t[keep] < tr->last_t - c->window_s)
		keep++;
	if (keep) {
		memmove(tr->t, tr->t + keep, (tr->n - keep) * sizeof(tr->t[0]));
		memmove(tr->v, tr->v + keep, (tr->n - keep) * sizeof(tr->v[0]));
		tr->n -= keep;
	}
	if (tr->n < TREND_POINTS)
		return;
	for (i = 0, j = 0; i < tr->n; i += 2, j++) {
		tr->t[j] = tr->t[i];
		tr->v[j] = tr->v[i];
	}
	tr->n = j;
	tr->spacing = (tr->t[tr->n - 1] - tr->t[0]) / (tr->n - 1);
}

void trend_add(struct trend *tr, const struct verdict_cfg *c, double t, double v)
{
	tr->last_t = t;
	tr->last_v = v;
	tr->total++;
	if (tr->n && t - tr->t[tr->n - 1] < tr->spacing)
		return;
	tr->t[tr->n] = t;
	tr->v[tr->n] = v;
	tr->n++;
	trim(tr, c);
}

/* The i-th point of the series: the kept points, then the latest sample if it was not kept. */
static void point(const struct trend *tr, size_t i, double *t, double *v)
{
	*t = i < tr->n ? tr->t[i] : tr->last_t;
	*v = i < tr->n ? tr->v[i] : tr->last_v;
}

static size_t n_points(const struct trend *tr)
{
	return tr->n + (tr->n && tr->t[tr->n - 1] != tr->last_t);
}

/* Least squares over points from..n-1: slope in bytes per second, R². */
static void fit(const struct trend *tr, size_t from, double *slope, double *r2)
{
	double st = 0, sv = 0, stt = 0, stv = 0, svv = 0, t0, t, v, m, dtt, dtv, dvv;
	size_t i, n = n_points(tr);

	*slope = *r2 = 0;
	if (n < from + 2)
		return;
	point(tr, from, &t0, &v);
	for (i = from; i < n; i++) {
		point(tr, i, &t, &v);
		t -= t0;
		st += t;
		sv += v;
		stt += t * t;
		stv += t * v;
		svv += v * v;
	}
	m = (double)(n - from);
	dtt = stt - st * st / m;
	dtv = stv - st * sv / m;
	dvv = svv - sv * sv / m;
	if (dtt <= 0)
		return;
	*slope = dtv / dtt;
	/* A flat series has no variance to explain: call the fit perfect. */
	*r2 = dvv > 0 ? (dtv * dtv) / (dtt * dvv) : 1;
}

/* Where the latest quarter of the series starts (at least three points), or n when there are too few. */
static size_t recent_start(const struct trend *tr, double span)
{
	size_t n = n_points(tr), i = n;
	double t, v, last;

	if (n < 6)
		return n;
	point(tr, n - 1, &last, &v);
	while (i > 0) {
		point(tr, i - 1, &t, &v);
		if (last - t > span / 4 && n - i >= 3)
			break;
		i--;
	}
	return i;
}

void trend_fit(const struct trend *tr, double *slope, double *r2, unsigned int *points, double *span_s)
{
	size_t n = n_points(tr);
	double t0, t1, v;

	fit(tr, 0, slope, r2);
	*points = (unsigned int)n;
	*span_s = 0;
	if (n >= 2) {
		point(tr, 0, &t0, &v);
		point(tr, n - 1, &t1, &v);
		*span_s = t1 - t0;
	}
}

void verdict_eval(const struct trend *tr, const struct verdict_cfg *c, struct verdict_result *out)
{
	double coverage, first_t = 0, last_t = 0, recent_t = 0, max = -INFINITY, v, t, recent_slope, recent_r2, after;
	size_t i, n = n_points(tr), from;
	char a[32], b[32], d[32], e[32];

	memset(out, 0, sizeof(*out));
	out->samples = (unsigned int)n;
	if (n >= 2) {
		point(tr, 0, &first_t, &v);
		point(tr, n - 1, &last_t, &v);
		out->span_s = last_t - first_t;
		for (i = 0; i < n; i++) {
			point(tr, i, &t, &v);
			if (v > max)
				max = v;
		}
		out->fall = max - tr->last_v;
		fit(tr, 0, &out->slope_per_hour, &out->r2);
	}
	out->rise = out->slope_per_hour * out->span_s;
	out->slope_per_hour *= 3600;
	from = recent_start(tr, out->span_s);
	fit(tr, from, &recent_slope, &recent_r2);
	if (from < n)
		point(tr, from, &recent_t, &v);
	out->recent_slope_per_hour = recent_slope * 3600;
	/* It grew, and lately it has grown at less than a quarter of that pace. */
	out->stopped = from < n && out->slope_per_hour > 0 && out->recent_slope_per_hour < out->slope_per_hour / 4;
	coverage = c->window_s > 0 ? fmin(1, out->span_s / c->window_s) : 1;
	after = verdict_leak_after(c);
	fmt_duration(d, sizeof(d), out->span_s);
	if (out->samples < c->min_samples) {
		out->verdict = VERDICT_NORMAL;
		out->confidence = 0;
		snprintf(out->reason, sizeof(out->reason), "collecting: %u of %u samples", out->samples,
			 c->min_samples);
		return;
	}
	fmt_bytes(a, sizeof(a), out->slope_per_hour);
	if (out->rise > c->band && out->slope_per_hour >= c->warn_rate && out->r2 >= WARN_MIN_R2 && out->stopped &&
	    out->fall <= c->band) {
		/* A warm-up: caches filled, buffers allocated, then flat. */
		out->verdict = VERDICT_NORMAL;
		out->confidence = out->r2 * (0.5 + 0.5 * coverage);
		fmt_bytes(b, sizeof(b), out->rise);
		fmt_duration(e, sizeof(e), last_t - recent_t);
		snprintf(out->reason, sizeof(out->reason),
			 "anon rose %s over %s and has been flat for the last %s: growth that stopped, not a leak",
			 b, d, e);
	} else if (out->slope_per_hour >= c->leak_rate && out->rise > c->band && out->fall <= c->band &&
		   out->r2 >= LEAK_MIN_R2 && out->span_s >= after) {
		out->verdict = VERDICT_LEAK;
		out->confidence = out->r2;
		snprintf(out->reason, sizeof(out->reason),
			 "anon growing %s/h for %s without falling back (R\u00b2 %.2f, %u samples)", a, d, out->r2,
			 out->samples);
	} else if (out->slope_per_hour >= c->leak_rate && out->rise > c->band && out->fall <= c->band &&
		   out->r2 >= LEAK_MIN_R2) {
		/* Fast, but not for long yet: the first ramp of a sawtooth looks the same. */
		out->verdict = VERDICT_WARNING;
		out->confidence = out->r2 * out->span_s / after;
		fmt_duration(e, sizeof(e), after);
		snprintf(out->reason, sizeof(out->reason),
			 "anon growing %s/h for %s: a leak if it goes on for %s without falling back (R\u00b2 %.2f)",
			 a, d, e, out->r2);
	} else if (out->slope_per_hour >= c->warn_rate && out->rise > c->band && out->r2 >= WARN_MIN_R2) {
		out->verdict = VERDICT_WARNING;
		out->confidence = out->r2 * (0.5 + 0.5 * coverage);
		snprintf(out->reason, sizeof(out->reason), "anon growing steadily, %s/h over %s (R\u00b2 %.2f, %u samples)%s",
			 a, d, out->r2, out->samples, out->fall > c->band ? ", though it fell back" : "");
	} else {
		out->verdict = VERDICT_NORMAL;
		/* Stable for the whole window is a firmer call than stable for a minute. */
		out->confidence = 0.5 + 0.5 * coverage;
		fmt_bytes(b, sizeof(b), c->band);
		if (fabs(out->rise) <= c->band)
			snprintf(out->reason, sizeof(out->reason),
				 "anon stable: its trend moved %s%s over %s, within the %s band", out->rise < 0 ? "-" : "+",
				 fmt_bytes(e, sizeof(e), fabs(out->rise)), d, b);
		else if (out->fall > c->band)
			snprintf(out->reason, sizeof(out->reason),
				 "anon rises and falls back (%s below its peak now): freed, not leaked", fmt_bytes(e, sizeof(e), out->fall));
		else if (out->slope_per_hour < c->warn_rate)
			snprintf(out->reason, sizeof(out->reason),
				 "anon growing %s/h over %s, below the %s/h warning rate", a, d,
				 fmt_bytes(e, sizeof(e), c->warn_rate));
		else
			snprintf(out->reason, sizeof(out->reason),
				 "anon moves by more than the %s band but not steadily (R\u00b2 %.2f): no trend to call", b,
				 out->r2);
	}
}
