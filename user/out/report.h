/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Turns targets and probe data into the records the sinks print. */
#ifndef MEMPROBE_REPORT_H
#define MEMPROBE_REPORT_H

#include "model/agg.h"
#include "agent/events.h"
#include "sys/files.h"
#include "model/posixshm.h"
#include "model/procs.h"
#include "out/record.h"
#include "model/targets.h"

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

/* What every report reads. */
struct report_input {
	const struct targets *targets;
	const struct procs *procs;
	const struct agg *agg;		/* summaries only */
	const struct mounts *mounts;	/* summaries only */
	struct events *events;		/* summaries only; may be NULL (it names cgroups) */
	const struct pshm *pshm;	/* summaries only; may be NULL */
	unsigned int top;
};

/* One sample per target (the whole machine: the root and the top largest). */
int report_samples(struct report *rep, const struct report_input *in);

/* One summary per target (the whole machine: the root and the top busiest), with top lists. */
int report_summaries(struct report *rep, const struct report_input *in);

void report_free(struct report *rep);

#endif /* MEMPROBE_REPORT_H */
