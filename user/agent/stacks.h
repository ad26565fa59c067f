/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Growth stacks in a run: the probe's samples unwound as they arrive and
 * counted in the model, the trends moved on each interval, and the folded
 * stacks written at the end (--stacks). Off (and every call a no-op) with
 * --stack-sample 0.
 */
#ifndef MEMPROBE_AGENT_STACKS_H
#define MEMPROBE_AGENT_STACKS_H

#include <stdbool.h>
#include <stdio.h>

#include "model/stacks.h"
#include "model/targets.h"
#include "options.h"
#include "sys/unwind.h"

#define AGENT_STACK_PROCS	32	/* processes whose mappings and files are kept for naming */

struct agent_stacks {
	bool on;
	struct stacks model;
	struct unwinder *unwinder;
	FILE *folded;			/* --stacks, opened at the start so that a bad path fails early */
	const struct targets *targets;
	int err;			/* the first error of a handler, for the loop to act on */
};

int agent_stacks_init(struct agent_stacks *as, const struct options *o, const struct targets *ts);
void agent_stacks_free(struct agent_stacks *as);

/* The probe's callbacks (struct probe_events). */
int agent_stacks_event(void *as, const struct mp_stack_head *h);
void agent_stacks_stats(void *as, const __u64 *stats, size_t n);

/* Each interval, at Unix time t. */
void agent_stacks_tick(struct agent_stacks *as, double t);
/* Writes --stacks (every target's stacks that hold memory); 0 when there is no file to write. */
int agent_stacks_write(struct agent_stacks *as);

#endif /* MEMPROBE_AGENT_STACKS_H */
