// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "model/verdict.h"

#define MB		(1024.0 * 1024.0)
#define LEAK_MIN_R2	0.8	/* growth this steady is not noise */
#define WARN_MIN_R2	0.5

void verdict_defaults(struct verdict_cfg *c)
{
	c->band = 50 * MB;
	c->warn_rate = 100 * MB;
	c->leak_rate = 500 * MB;
	c->window_s = 1800;
	c->min_samples = 12;
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

/* Least squares over the kept points plus the latest sample. */
static void fit(const struct trend *tr, double *slope, double *r2, double *span, double *fall,
		unsigned int *n)
{
	double st = 0, sv = 0, stt = 0, stv = 0, svv = 0, max = -INFINITY, t0;
	size_t i, k = tr->n;
	bool extra = k && tr->t[k - 1] != tr->last_t;

	*n = (unsigned int)(k + extra);
	*slope = *r2 = *span = *fall = 0;
	if (*n < 2)
		return;
	t0 = tr->t[0];
	for (i = 0; i < k + extra; i++) {
		double t = (i < k ? tr->t[i] : tr->last_t) - t0, v = i < k ? tr->v[i] : tr->last_v;

		st += t;
		sv += v;
		stt += t * t;
		stv += t * v;
		svv += v * v;
		if (v > max)
			max = v;
	}
	{
		double m = *n, dtt = stt - st * st / m, dtv = stv - st * sv / m, dvv = svv - sv * sv / m;

		if (dtt <= 0)
			return;
		*slope = dtv / dtt;
		/* A flat series has no variance to explain: call the fit perfect. */
		*r2 = dvv > 0 ? (dtv * dtv) / (dtt * dvv) : 1;
	}
	*span = tr->last_t - t0;
	*fall = max - tr->last_v;
}

void verdict_eval(const struct trend *tr, const struct verdict_cfg *c, struct verdict_result *out)
{
	double coverage;

	memset(out, 0, sizeof(*out));
	fit(tr, &out->slope_per_hour, &out->r2, &out->span_s, &out->fall, &out->samples);
	out->rise = out->slope_per_hour * out->span_s;
	out->slope_per_hour *= 3600;
	coverage = c->window_s > 0 ? fmin(1, out->span_s / c->window_s) : 1;
	if (out->samples < c->min_samples) {
		out->verdict = VERDICT_NORMAL;
		out->confidence = 0;
		snprintf(out->reason, sizeof(out->reason), "collecting: %u of %u samples", out->samples,
			 c->min_samples);
		return;
	}
	if (out->slope_per_hour >= c->leak_rate && out->rise > c->band && out->fall <= c->band &&
	    out->r2 >= LEAK_MIN_R2) {
		out->verdict = VERDICT_LEAK;
		out->confidence = out->r2;
		snprintf(out->reason, sizeof(out->reason),
			 "anon growing %.0f MB/h over %.0fs without falling back (R\u00b2 %.2f, %u samples)",
			 out->slope_per_hour / MB, out->span_s, out->r2, out->samples);
	} else if (out->slope_per_hour >= c->warn_rate && out->rise > c->band && out->r2 >= WARN_MIN_R2) {
		out->verdict = VERDICT_WARNING;
		out->confidence = out->r2 * (0.5 + 0.5 * coverage);
		snprintf(out->reason, sizeof(out->reason),
			 "anon growing steadily, %.0f MB/h over %.0fs (R\u00b2 %.2f, %u samples)%s",
			 out->slope_per_hour / MB, out->span_s, out->r2, out->samples,
			 out->fall > c->band ? ", though it fell back" : "");
	} else {
		out->verdict = VERDICT_NORMAL;
		/* Stable for the whole window is a firmer call than stable for a minute. */
		out->confidence = 0.5 + 0.5 * coverage;
		snprintf(out->reason, sizeof(out->reason),
			 "anon %s: %+.0f MB/h over %.0fs, within the %.0f MB band or not steady (R\u00b2 %.2f)",
			 fabs(out->rise) <= c->band ? "stable" : "fluctuating", out->slope_per_hour / MB,
			 out->span_s, c->band / MB, out->r2);
	}
}
