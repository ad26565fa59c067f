/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * What memprobe itself costs, as operators and the benchmark read it: the
 * kernel memory its BPF maps hold, its CPU time and memory, and how long
 * one interval's work (reading the maps and the kernel's counters,
 * building and printing the samples) takes. The figures go out in the
 * start record (the maps) and in the summaries.
 */
#ifndef MEMPROBE_SELFCOST_H
#define MEMPROBE_SELFCOST_H

#include <linux/types.h>

#include "output/record.h"

/* The median is of the latest intervals: a bounded memory however long the run. */
#define AGENT_RECENT	1024

struct selfcost {
	double recent_s[AGENT_RECENT];
	__u64 intervals;
	double max_s;
};

void selfcost_interval(struct selfcost *c, double seconds);
/* The maps always; CPU, memory and intervals too (run) for a summary. */
int selfcost_read(const struct selfcost *c, bool run, struct rec_agent *out);

#endif /* MEMPROBE_SELFCOST_H */
