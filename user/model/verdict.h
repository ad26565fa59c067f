/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Is it leaking? The users' criteria, applied to the trend of anonymous
 * memory (never page cache, which reclaim takes back):
 *   normal   stable, or fluctuating within a band (default 50 MiB); growth
 *            that has stopped (a warm-up) or fallen back (a sawtooth);
 *   warning  growing slowly but steadily, faster than warn_rate (100 MiB/h),
 *            or growing fast for less time than leak_after;
 *   leak     growing fast (leak_rate, 500 MiB/h), still growing, for at
 *            least leak_after (default a quarter of the window), and not
 *            falling back.
 * The trend is a least-squares line over a window of samples; its R² says
 * how steady the growth is, and the confidence how much to trust the call.
 * A second fit over the latest quarter of the window says whether the
 * growth goes on: a service that allocated its caches and stopped is not
 * leaking, however fast it grew.
 */
#ifndef MEMPROBE_VERDICT_H
#define MEMPROBE_VERDICT_H

#include <stdbool.h>
#include <stddef.h>

enum verdict {
	VERDICT_NORMAL,
	VERDICT_WARNING,
	VERDICT_LEAK,
};

struct verdict_cfg {
	double band;			/* bytes: rises within it are normal */
	double warn_rate;		/* bytes per hour */
	double leak_rate;		/* bytes per hour */
	double window_s;		/* how far back the trend looks */
	double leak_after_s;		/* growth must last this long to be a leak; 0: a quarter of the window */
	unsigned int min_samples;	/* fewer, and no growth verdict is given */
};

/*
 * Samples over the window, kept to a fixed number of points: when the
 * window holds more, every other point goes, so memory stays bounded
 * whatever the interval and the window.
 */
#define TREND_POINTS	256

struct trend {
	double t[TREND_POINTS];
	double v[TREND_POINTS];
	size_t n;
	double spacing;			/* minimum seconds between kept points */
	double last_t, last_v;		/* the latest sample, kept or not */
	unsigned long total;		/* samples ever added */
};

struct verdict_result {
	enum verdict verdict;
	double slope_per_hour;		/* bytes per hour, fitted */
	double r2;			/* 0..1: how well a line explains the samples */
	double rise;			/* the fitted line's rise over the span, bytes */
	double fall;			/* highest sample minus the latest, bytes */
	double span_s;
	unsigned int samples;
	double recent_slope_per_hour;	/* over the latest quarter of the span */
	bool stopped;			/* it grew, and the latest quarter is flat */
	double confidence;		/* 0..1 */
	char reason[224];
};

void verdict_defaults(struct verdict_cfg *c);
/* How long growth must last to be a leak under c. */
double verdict_leak_after(const struct verdict_cfg *c);
/*
 * Whether c can ever give a growth verdict at this sampling interval: the
 * samples it needs must fit in the window and in the points a trend keeps.
 * NULL if so, else why not.
 */
const char *verdict_cfg_impossible(const struct verdict_cfg *c, double interval_s, char *why, size_t len);
void trend_init(struct trend *tr);
void trend_add(struct trend *tr, const struct verdict_cfg *c, double t, double v);
void verdict_eval(const struct trend *tr, const struct verdict_cfg *c, struct verdict_result *out);
/* The trend's least-squares slope (per second) and R², and how many points and seconds it rests on. */
void trend_fit(const struct trend *tr, double *slope, double *r2, unsigned int *points, double *span_s);
const char *verdict_name(enum verdict v);

#endif /* MEMPROBE_VERDICT_H */
