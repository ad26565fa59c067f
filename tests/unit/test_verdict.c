// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The leak verdict on synthetic series whose answer is known. */
#include <math.h>
#include <string.h>

#include "harness.h"
#include "model/verdict.h"

#define MB (1024.0 * 1024.0)

/* n samples every dt seconds of f(t). */
static void feed(struct trend *tr, const struct verdict_cfg *c, int n, double dt, double (*f)(double))
{
	int i;

	trend_init(tr);
	for (i = 0; i < n; i++)
		trend_add(tr, c, 1000 + i * dt, f(i * dt));
}

static double flat(double t)
{
	return 500 * MB + 10 * MB * sin(t / 7);	/* ±10 MB of noise */
}

static double fast(double t)
{
	return 200 * MB + t * (2000 * MB / 3600);	/* 2 GB/h */
}

static double slow(double t)
{
	return 200 * MB + t * (200 * MB / 3600) + 2 * MB * sin(t);	/* 200 MB/h */
}

static double rise_fall(double t)
{
	return t < 600 ? 100 * MB + t * MB / 2 : 400 * MB - (t - 600) * MB / 2;	/* up 300 MB, back down */
}

static double sawtooth(double t)
{
	return 300 * MB + fmod(t, 120) * (MB / 2);	/* GC-like: up 60 MB, then drops */
}

static enum verdict eval(double (*f)(double), int n, double dt, struct verdict_result *r)
{
	static struct trend tr;
	struct verdict_cfg c;

	verdict_defaults(&c);
	feed(&tr, &c, n, dt, f);
	verdict_eval(&tr, &c, r);
	return r->verdict;
}

UNIT_TEST(verdict_flat_is_normal)
{
	struct verdict_result r;

	return ASSERT(eval(flat, 360, 5, &r) == VERDICT_NORMAL, "%s", r.reason) &&
	       ASSERT(r.confidence >= 0.5 && r.samples > 100, "confidence %.2f, %u samples", r.confidence, r.samples);
}

UNIT_TEST(verdict_fast_growth_is_leak)
{
	struct verdict_result r;

	return ASSERT(eval(fast, 360, 5, &r) == VERDICT_LEAK, "%s", r.reason) &&
	       ASSERT(fabs(r.slope_per_hour - 2000 * MB) < 20 * MB, "slope %.0f MB/h", r.slope_per_hour / MB) &&
	       ASSERT(r.r2 > 0.99, "r2 %.3f", r.r2);
}

UNIT_TEST(verdict_slow_steady_growth_is_warning)
{
	struct verdict_result r;

	/* 30 minutes at 200 MB/h: 100 MB over the window, above the band. */
	return ASSERT(eval(slow, 360, 5, &r) == VERDICT_WARNING, "%s", r.reason) &&
	       ASSERT(fabs(r.slope_per_hour - 200 * MB) < 10 * MB, "slope %.0f MB/h", r.slope_per_hour / MB);
}

UNIT_TEST(verdict_rise_and_fall_is_not_leak)
{
	struct verdict_result r;

	return ASSERT(eval(rise_fall, 240, 5, &r) != VERDICT_LEAK, "%s", r.reason);
}

UNIT_TEST(verdict_sawtooth_is_not_leak)
{
	struct verdict_result r;

	return ASSERT(eval(sawtooth, 360, 5, &r) == VERDICT_NORMAL, "%s", r.reason);
}

UNIT_TEST(verdict_needs_samples)
{
	struct verdict_result r;

	return ASSERT(eval(fast, 5, 5, &r) == VERDICT_NORMAL, "%s", r.reason) &&
	       ASSERT(r.confidence == 0 && strstr(r.reason, "collecting"), "%s", r.reason);
}

UNIT_TEST(verdict_trend_stays_bounded)
{
	static struct trend tr;
	struct verdict_result r;
	struct verdict_cfg c;
	int i;

	verdict_defaults(&c);
	c.window_s = 3600;
	trend_init(&tr);
	/* A day at 0.1 s: the window and the point budget both bound it. */
	for (i = 0; i < 864000; i += 7)
		trend_add(&tr, &c, i * 0.1, fast(i * 0.1));
	verdict_eval(&tr, &c, &r);
	return ASSERT(tr.n <= TREND_POINTS, "%zu points", tr.n) &&
	       ASSERT(tr.t[0] >= 86400 - 3600 - 60, "oldest %.0f", tr.t[0]) &&
	       ASSERT(r.verdict == VERDICT_LEAK, "%s", r.reason);
}

UNIT_TEST(verdict_thresholds_are_honoured)
{
	static struct trend tr;
	struct verdict_result r;
	struct verdict_cfg c;

	verdict_defaults(&c);
	c.leak_rate = 5000 * MB;
	feed(&tr, &c, 360, 5, fast);
	verdict_eval(&tr, &c, &r);
	return ASSERT(r.verdict == VERDICT_WARNING, "2 GB/h under a 5 GB/h leak rate: %s", r.reason);
}
