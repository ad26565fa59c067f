/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * A run of memprobe: everything it holds while it watches, and the cycle
 * the event loop drives (agent/cycle.c): at each tick read the probes and
 * the kernel's counters, announce changed verdicts, print the samples;
 * at the end (and now and then for journald) the summaries. main.c sets
 * it up and tears it down.
 */
#ifndef MEMPROBE_AGENT_H
#define MEMPROBE_AGENT_H

#include <stdbool.h>

#include "agent/events.h"
#include "agent/selfcost.h"
#include "agent/stacks.h"
#include "agent/exporter.h"
#include "model/agg.h"
#include "model/cgnames.h"
#include "model/procs.h"
#include "model/targets.h"
#include "options.h"
#include "output/sink.h"
#include "probe/registry.h"
#include "sys/cgroup.h"
#include "sys/loop.h"
#include "sys/spawn.h"

struct agent {
	const struct options *o;
	struct cg_hier hier;
	struct cg_target cgs[OPT_MAX_TARGETS];
	size_t n_cgs;
	struct spawn child;
	struct probes probes;
	struct agg agg;
	struct targets targets;
	struct procs procs;
	struct cgnames names;
	struct events events;
	struct agent_stacks stacks;	/* growth stacks */
	struct sinks sinks;
	struct loop loop;
	struct exporter *exporter;	/* --listen (agent/exporter.h); NULL without */
	bool output_closed;
	bool trending;			/* readings feed the leak trends: not before COMMAND runs */
	double last_interim;		/* monotonic time of the last periodic summary */
	bool said_drop[MP_DROP_MAX];	/* each cause of loss is said on stderr once, when it starts */
	struct selfcost cost;		/* what memprobe itself costs */
};

/* A write error from the output: a reader that went away ends the run quietly. */
int agent_output_error(struct agent *a, int r);

/* Probe maps, then kernel counters, so a figure never runs ahead of its baseline. */
int agent_measure(struct agent *a, bool final);
/* The memory events and pressure of the targets at start, counted from there. */
int agent_health_baseline(struct agent *a);
/* The start record, once the probes are attached and the baseline read. */
int agent_report_start(struct agent *a);
/* One interval (the loop's tick). */
int agent_tick(void *agent);
/* After each wakeup of the loop: what the sinks buffered goes out, at once. */
int agent_batch_done(void *agent);
/* The summaries: at the end, or (interim) the periodic ones for journald. */
int agent_summarise(struct agent *a, bool interim);

#endif /* MEMPROBE_AGENT_H */
