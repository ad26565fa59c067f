/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The record builders: from the model (targets, processes, probe counts,
 * segment lives) to the records every sink prints. The start, sample and
 * verdict-change records are built in out/report.c, the summaries in
 * out/summary.c.
 */
#ifndef MEMPROBE_REPORT_H
#define MEMPROBE_REPORT_H

#include "model/agg.h"
#include "model/cgnames.h"
#include "model/ooms.h"
#include "model/posixshm.h"
#include "model/procs.h"
#include "model/sysv.h"
#include "model/targets.h"
#include "output/record.h"
#include "sys/files.h"

struct report {
	struct rec_sample *samples;
	size_t n_samples;
	struct rec_summary *summaries;
	size_t n_summaries;
	/* Storage the records point into. */
	struct rec_file *files;
	struct rec_cache_proc *procs;
	struct rec_proc *processes;
	struct rec_posix_shm *posix;
	struct rec_posix_user *posix_users;
	char *strings;
};

/* What every report reads; the summaries' inputs may be NULL for samples. */
struct report_input {
	const struct targets *targets;
	const struct procs *procs;
	const struct agg *agg;		/* summaries only */
	const struct mounts *mounts;	/* summaries only */
	struct cgnames *names;		/* summaries only; may be NULL */
	const struct sysv *sysv;	/* summaries only; may be NULL */
	const struct ooms *ooms;	/* summaries only; may be NULL */
	const struct pshm *pshm;	/* summaries only; may be NULL */
	unsigned int top;
	bool reclaim_known;		/* the reclaim probe is loaded: stall figures are measured */
};

/* The start record: what is watched and how; t holds up to max targets for it. */
void report_start(struct rec_start *s, struct rec_target *t, size_t max, const struct targets *ts,
		  const char *version, double interval_s);

/* t's verdict changed since it was last announced: the record that says so (pointing into t). */
void report_verdict_change(struct rec_verdict_change *c, const struct target *t, double ts);

/* t's time to its limit crossed the horizon, or came back over it. */
void report_forecast_change(struct rec_forecast_change *c, const struct target *t, double ts, double horizon_s);

/* t hit its limit or ran out of memory in the last interval: false when it did not (nothing to say). */
bool report_memory_event(struct rec_memory_event *e, const struct target *t, double ts, double interval_s);

/* One sample per target (the whole machine: the root and the top largest). */
int report_samples(struct report *rep, const struct report_input *in);

/* One summary per target (the whole machine: the root and the top busiest), with top lists. */
int report_summaries(struct report *rep, const struct report_input *in);

void report_free(struct report *rep);

#endif /* MEMPROBE_REPORT_H */
