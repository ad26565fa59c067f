/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Discrete events, from the probes to the sinks the moment they happen:
 * SysV shared memory calls and OOM kills from the ring buffers, and
 * orphaned segments found in /proc/sysvipc/shm at each sample. Every
 * event updates the model (segment lives, OOM counts); only those of
 * watched cgroups become records.
 */
#ifndef MEMPROBE_EVENTS_H
#define MEMPROBE_EVENTS_H

#include <linux/types.h>

#include "memprobe.h"
#include "model/cgnames.h"
#include "model/ooms.h"
#include "model/procs.h"
#include "model/sysv.h"
#include "model/targets.h"
#include "output/sink.h"

#define PRE_KILL_PROCS	5

struct events {
	struct sinks *sinks;
	const struct targets *targets;
	const struct procs *procs;	/* for an OOM kill's post-mortem */
	const struct cg_hier *hier;
	struct cgnames *names;
	struct sysv sysv;
	struct ooms ooms;
	int err;			/* the first output error, for the loop to act on */
	long hz;
	double btime;			/* boot time, Unix seconds */
};

void events_init(struct events *ev, struct sinks *sinks, const struct targets *ts, const struct procs *ps,
		 const struct cg_hier *h, struct cgnames *names);
void events_free(struct events *ev);

/* The probes' callbacks (struct probe_events): 0, or a negative errno that stops the ring. */
int events_shm(void *ev, const struct mp_shm_event *e);
int events_oom(void *ev, const struct mp_oom_event *e);

/* Reads /proc/sysvipc/shm: learns segments, forgets removed ones, reports new orphans. */
int events_scan(struct events *ev);

#endif /* MEMPROBE_EVENTS_H */
