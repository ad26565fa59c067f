/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The metrics snapshot taken at a sample (agent/exporter.c's): every figure
 * the exposition needs, copied out of the model, so that a scrape between
 * two samples reads nothing else. What is read for it (memprobe's own
 * process, its BPF maps and programs, /dev/shm) is read here, at the sample.
 */
#ifndef MEMPROBE_SNAPSHOT_H
#define MEMPROBE_SNAPSHOT_H

#include <stdbool.h>
#include <linux/types.h>

#include "model/series.h"
#include "output/metrics.h"

struct agent;

struct snapshot_input {
	const struct agent *a;
	struct series_set *series;
	__u64 samples;
	const char *kernel;		/* uname -r */
};

/* Fills s; on error s is left empty. */
int snapshot_take(struct msnap *s, const struct snapshot_input *in);
/* Accepts an empty snapshot. */
void snapshot_free(struct msnap *s);

#endif /* MEMPROBE_SNAPSHOT_H */
