/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The exposition formats' own rules, for output/metrics.c alone: a
 * family's HELP and TYPE before its first sample (none without one), the
 * names each format wants (counters end in _total in the text format;
 * OpenMetrics names the family without it), label values escaped, and
 * numbers written so that they read back exactly.
 */
#ifndef MEMPROBE_METRICS_WRITE_H
#define MEMPROBE_METRICS_WRITE_H

#include <stdbool.h>
#include <linux/types.h>

#include "sys/buf.h"

enum kind { GAUGE, COUNTER, INFO };

/* Writes one family: its metadata before its first sample, none if it has no sample. */
struct writer {
	struct buf *b;
	bool om;
	const char *name;		/* as the text format names it: counters end in _total, info in _info */
	enum kind kind;
	const char *help;
	bool started;
};

/* The next family: written once it has a sample. */
void metrics_begin(struct writer *w, const char *name, enum kind kind, const char *help);
/* One sample of the family; labels are name, value pairs ending in NULL (or NULL for none). */
void metrics_sample_u64(struct writer *w, const char *const *labels, __u64 v);
void metrics_sample_double(struct writer *w, const char *const *labels, double v);

#endif /* MEMPROBE_METRICS_WRITE_H */
