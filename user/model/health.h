/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Between a leak verdict and an OOM kill: how far a target is from its
 * limits, when it will reach them at the present rate, whether the kernel
 * already throttles it (memory events), and what memory pressure costs
 * its tasks (PSI). Read for the targets that are shown, at every sample;
 * the forecast fits the memory reclaim cannot take back against the
 * limits, as the verdict fits anon.
 */
#ifndef MEMPROBE_HEALTH_H
#define MEMPROBE_HEALTH_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>

#include "model/counters.h"
#include "model/verdict.h"
#include "sys/kstat.h"
#include "sys/memcg.h"

/* When the memory reclaim cannot take back reaches each limit, at its fitted rate. */
struct forecast {
	bool known;			/* enough samples, and a trend to fit */
	__u64 unreclaimable;		/* bytes now */
	double slope_per_hour;		/* fitted, bytes */
	double r2;
	double confidence;		/* 0..1 */
	double high_eta_s;		/* seconds until memory.high; < 0: not growing, or no limit */
	double oom_eta_s;		/* seconds until memory.max (the OOM killer) */
};

/*
 * A reading kept for an OOM kill's post-mortem, with what was known at it:
 * a kill reports the last reading before it, not a sample taken since.
 */
struct reading {
	double t;
	double read_done;		/* all of it (memory.stat, memory.events) had been read by then (CLOCK_BOOTTIME) */
	__u64 anon, shmem, page_cache, unreclaimable;
	double anon_slope_per_hour;	/* the verdict's trend */
	struct forecast forecast;
	bool have_events;		/* events read at the sample before too: the interval's are known */
	struct memcg_events events, events_prev;
	struct counters interval;	/* what the probes counted in the interval up to it */
};

#define HEALTH_READINGS		8

struct health {
	double read_at;			/* the sample the latest reading belongs to */
	bool have_limits;
	struct memcg_limits limits;
	struct memcg_events events_first, events_prev, events_now;
	bool have_events_prev;		/* read at the previous sample too: a delta can be said */
	struct memcg_pressure psi_first, psi_prev, psi_now;
	bool have_psi_prev;
	struct trend *unreclaimable;	/* allocated once the target is shown */
	struct forecast forecast;
	bool below_horizon;		/* the last forecast record said oom_eta_s < horizon */
	struct reading recent[HEALTH_READINGS];	/* a ring, newest at recent[(n_recent - 1) % N] */
	unsigned int n_recent;
	struct counters interval;	/* what the probes counted in the last interval, kept until the next */
};

struct targets;

/*
 * Reads limits, events and pressure for the targets at idx (those shown),
 * adds the latest figures to their forecast trends and fits them.
 */
int health_refresh(struct targets *ts, const size_t *idx, size_t n);
/* The same for targets read for another reason (the metrics' cgroups), without the machine's trend. */
int health_read(struct targets *ts, const size_t *idx, size_t n);
/*
 * At start: the memory events and pressure only, so that a run's count
 * from there and the first sample has an interval; no trend, no reading.
 */
int health_baseline(struct targets *ts, const size_t *idx, size_t n);

/* A forecast crossed the horizon (or came back): the caller reports it once per crossing. */
bool health_crossed(struct health *h, double horizon_s);

/* The latest reading, and the one before it (NULL when there is none). */
const struct reading *health_latest(const struct health *h, unsigned int back);

/* Frees what health_refresh allocated for a target; NULL is fine. */
void health_free(struct health *h);

struct target;
/* A target's health, or an empty one (nothing known) if it was never shown. */
const struct health *target_health(const struct target *t);

#endif /* MEMPROBE_HEALTH_H */
