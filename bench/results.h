/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* What the parts of the report share: the figures derived from a run's measurements. */
#ifndef MEMPROBE_BENCH_RESULTS_H
#define MEMPROBE_BENCH_RESULTS_H

#include "bench.h"

/* The default interval, at which the scale targets are set. */
#define DEFAULT_INTERVAL_S	5.0

struct row {
	double median, min, max;
};

/* A tool's programs on one hook, summed (workload -1: over every workload). */
struct hook_cost {
	__u64 run_ns, run_cnt;
	char names[64];
};

int tool_index(const struct bench *b, const char *name);
struct row slowdown(const struct bench *b, int w, int t);
struct row above_floor(const struct bench *b, int w);
struct hook_cost hook_cost(const struct bench *b, const char *tool, const char *hook, int workload);
double hook_ns(const struct hook_cost *h);		/* -1: never called */
int hooks(const struct bench *b, const char *list[], int max);
struct row startup(const struct bench *b, int t);
const struct footprint *footprint(const struct bench *b, const char *tool);
double share(double cpu_s, double wall_s);
/* The highest event rate that lost nothing and had every event reported; 0 if none. */
double lossless_rate(const struct bench *b);
/* The scale point of that kind, size and mode; NULL if not measured. */
const struct scale_point *scale_point(const struct bench *b, const char *kind, int extra, bool machine);

/* targets.c: issue 16's targets, each said met or missed. */
void bench_targets(const struct bench *b, FILE *f, bool md);

#endif /* MEMPROBE_BENCH_RESULTS_H */
