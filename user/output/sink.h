/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Outputs. Each sink prints records its own way (a table for people, JSON
 * lines for scripts, journald for the logs); a new output is a new file
 * implementing these operations. Operations return 0 or a negative errno
 * (EPIPE when a reader went away).
 */
#ifndef MEMPROBE_SINK_H
#define MEMPROBE_SINK_H

#include <stdbool.h>
#include <stdio.h>

#include "output/record.h"

struct sink;

struct sink_ops {
	int (*start)(struct sink *s, const struct rec_start *r);
	int (*samples)(struct sink *s, const struct rec_sample *r, size_t n);
	int (*summaries)(struct sink *s, const struct rec_summary *r, size_t n);
	/* Discrete events, the moment they happen. */
	int (*shm)(struct sink *s, const struct rec_shm *r);
	int (*shm_orphan)(struct sink *s, const struct rec_shm_orphan *r);
	int (*oom_kill)(struct sink *s, const struct rec_oom_kill *r);
	int (*verdict_change)(struct sink *s, const struct rec_verdict_change *r);
	int (*forecast_change)(struct sink *s, const struct rec_forecast_change *r);
	int (*memory_event)(struct sink *s, const struct rec_memory_event *r);
	/* Pushes out what is buffered; called once per batch of records. */
	int (*flush)(struct sink *s);
	void (*destroy)(struct sink *s);
};

struct sink {
	const struct sink_ops *ops;
	FILE *out;
	void *priv;
};

#define SINKS_MAX	6

struct sinks {
	struct sink *v[SINKS_MAX];
	size_t n;
};

struct sink *sink_table_new(FILE *out);
struct sink *sink_json_new(FILE *out);
/* journald, through its native protocol; never blocks, says once if journald is not there. */
struct sink *sink_journal_new(void);
/* --report: an HTML page written at the end of the run. Opens path now; 0 or a negative errno. */
int sink_html_new(struct sink **out, const char *path);
/* Whether ss has the journald sink, and how many entries journald did not take so far. */
bool sink_journal_dropped(const struct sinks *ss, unsigned long long *dropped);

int sinks_add(struct sinks *ss, struct sink *s);
int sinks_start(struct sinks *ss, const struct rec_start *r);
int sinks_samples(struct sinks *ss, const struct rec_sample *r, size_t n);
int sinks_summaries(struct sinks *ss, const struct rec_summary *r, size_t n);
int sinks_shm(struct sinks *ss, const struct rec_shm *r);
int sinks_shm_orphan(struct sinks *ss, const struct rec_shm_orphan *r);
int sinks_oom_kill(struct sinks *ss, const struct rec_oom_kill *r);
int sinks_verdict_change(struct sinks *ss, const struct rec_verdict_change *r);
int sinks_forecast_change(struct sinks *ss, const struct rec_forecast_change *r);
int sinks_memory_event(struct sinks *ss, const struct rec_memory_event *r);
int sinks_flush(struct sinks *ss);
void sinks_free(struct sinks *ss);

#endif /* MEMPROBE_SINK_H */
