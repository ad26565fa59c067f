/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * --listen: the metrics endpoint (README, "Fleet"). At every sample the
 * agent's cycle hands the model over and the exporter takes a snapshot of
 * every figure (agent/snapshot.c); scrapes are served from that snapshot by
 * the HTTP server in the event loop (sys/httpd.c), rendered once per format
 * (output/metrics.c) and kept until the next sample. A scrape reads no BPF
 * map and no /proc file. The series and their counters are model/series.c.
 *
 *   GET/HEAD /metrics      the text format 0.0.4, OpenMetrics 1.0.0 when
 *                          Accept prefers it; gzip when Accept-Encoding allows
 *   GET/HEAD /             a page linking /metrics
 *   GET/HEAD /-/healthy    200 while the last sample is at most three intervals old, else 503
 *   anything else          404; other methods 405
 */
#ifndef MEMPROBE_EXPORTER_H
#define MEMPROBE_EXPORTER_H

#include <stddef.h>

struct agent;
struct targets;
struct exporter;
struct loop;
struct options;
struct pshm;
struct sink;

/*
 * Loads the HTTP library and binds --listen's address, so that a missing
 * library or a taken port stops the run before the probes load. Nothing is
 * served until exporter_start(). err gets one line.
 */
int exporter_new(struct exporter **out, const struct options *o, char *err, size_t errlen);
/* The events the metrics need (the times of OOM kills), as a sink; freeing it frees nothing. */
struct sink *exporter_sink(struct exporter *x);
/* After the targets' counts are summed, before gone cgroups are retired: into the series. */
int exporter_account(struct exporter *x, const struct agent *a);
/* A sample (or the baseline) was taken: the snapshot scrapes are served from now on. */
int exporter_sample(struct exporter *x, struct agent *a);
/* The whole machine: the cgroups with series are read at every sample (targets' followed). */
void exporter_follow(struct exporter *x, struct targets *ts);
/* A summary read POSIX shm (it needs the probes' final collection): the per-cgroup figures until the next. */
void exporter_posix(struct exporter *x, const struct agent *a, const struct pshm *ps);
/* Serves from the loop from now on. */
int exporter_start(struct exporter *x, struct loop *l);
/* Accepts NULL. */
void exporter_free(struct exporter *x);

#endif /* MEMPROBE_EXPORTER_H */
