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

	trend_free(tr);
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
	trend_free(&tr);
	/* A day at 0.1 s: the window and the point budget both bound it. */
	for (i = 0; i < 864000; i += 7)
		trend_add(&tr, &c, i * 0.1, fast(i * 0.1));
	verdict_eval(&tr, &c, &r);
	return ASSERT(tr.n <= TREND_POINTS, "%zu points", tr.n) &&
	       ASSERT(tr.p[0].t >= 86400 - 3600 - 60, "oldest %.0f", tr.p[0].t) &&
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

/* Evaluates after every sample, as the agent does, and says whether any of them was a leak. */
static bool ever_leak(double (*f)(double), int n, double dt, struct verdict_result *r, struct verdict_result *last)
{
	static struct trend tr;
	struct verdict_cfg c;
	bool leak = false;
	int i;

	verdict_defaults(&c);
	trend_free(&tr);
	for (i = 0; i < n; i++) {
		trend_add(&tr, &c, 1000 + i * dt, f(i * dt));
		verdict_eval(&tr, &c, last);
		if (last->verdict == VERDICT_LEAK && !leak) {
			*r = *last;
			leak = true;
		}
	}
	return leak;
}

static double big_sawtooth(double t)
{
	return 300 * MB + fmod(t, 100) * 4 * MB;	/* up 400 MB in 100 s, then freed */
}

static double warm_up(double t)
{
	return t < 12 ? 50 * MB + t * 25 * MB : 350 * MB;	/* 300 MB in 12 s, then flat */
}

UNIT_TEST(verdict_sawtooth_never_leak_even_on_its_first_ramp)
{
	struct verdict_result first, last;

	return ASSERT(!ever_leak(big_sawtooth, 600, 1, &first, &last), "leak at %u samples: %s", first.samples,
		      first.reason) &&
	       ASSERT(last.verdict != VERDICT_LEAK, "%s", last.reason);
}

UNIT_TEST(verdict_warm_up_is_normal_once_flat)
{
	struct verdict_result first, last;
	bool leak = ever_leak(warm_up, 40, 1, &first, &last);

	return ASSERT(!leak, "leak at %u samples: %s", first.samples, first.reason) &&
	       ASSERT(last.verdict == VERDICT_NORMAL && last.stopped, "after 28 s flat: %s", last.reason) &&
	       ASSERT(strstr(last.reason, "stopped"), "%s", last.reason);
}

UNIT_TEST(verdict_fast_growth_is_a_warning_until_leak_after)
{
	static struct trend tr;
	struct verdict_result r;
	struct verdict_cfg c;
	int i;
	bool ok = true;

	verdict_defaults(&c);
	c.leak_after_s = 300;
	trend_free(&tr);
	for (i = 0; i <= 400 && ok; i += 5) {
		trend_add(&tr, &c, 1000 + i, fast(i));
		verdict_eval(&tr, &c, &r);
		if (i >= 120 && i < 300)
			ok = ASSERT(r.verdict == VERDICT_WARNING && strstr(r.reason, "a leak if it goes on"), "%d s: %s",
				    i, r.reason);
		else if (i >= 300)
			ok = ASSERT(r.verdict == VERDICT_LEAK, "%d s: %s", i, r.reason);
	}
	return ok && ASSERT(strstr(r.reason, "GiB/h") && !strstr(r.reason, "MB"), "one unit system: %s", r.reason);
}

UNIT_TEST(verdict_impossible_settings_are_named)
{
	struct verdict_cfg c;
	char why[256];

	verdict_defaults(&c);
	c.min_samples = 300;
	if (!ASSERT(verdict_cfg_impossible(&c, 1, why, sizeof(why)), "300 samples"))
		return false;
	c.min_samples = 100;
	c.window_s = 60;
	if (!ASSERT(verdict_cfg_impossible(&c, 1, why, sizeof(why)), "100 samples in 60 s"))
		return false;
	c.min_samples = 61;
	if (!ASSERT(!verdict_cfg_impossible(&c, 1, why, sizeof(why)), "61 samples in 60 s at 1 s: %s", why))
		return false;
	c.leak_after_s = 120;
	return ASSERT(verdict_cfg_impossible(&c, 1, why, sizeof(why)), "leak after the window");
}
