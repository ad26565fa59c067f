/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * A probe module is the userspace half of one bpf/NAME.bpf.c: it owns that
 * skeleton and walks it through open (and configure), load and attach, then
 * turns its maps into struct agg. Adding a probe is a new module and one
 * line in probes.c.
 */
#ifndef MEMPROBE_PROBE_H
#define MEMPROBE_PROBE_H

#include <stdbool.h>

struct agg;
struct events;
struct loop;
struct options;

/* What every module is given when it opens. */
struct probe_env {
	const struct options *o;
	struct events *events;		/* where discrete events go */
};

struct probe_ops {
	const char *name;
	/* A module that cannot load or attach on this kernel is reported and skipped. */
	bool optional;
	int (*open)(void **state, const struct probe_env *env);
	int (*load)(void *state);
	int (*attach)(void *state);
	/* Reads the maps into agg; final adds per-file and per-process detail. */
	int (*collect)(void *state, struct agg *agg, bool final);
	/* Discrete events (NULL for maps-only modules): an fd for the loop, and its consumer. */
	int (*event_fd)(void *state);
	int (*consume)(void *state);
	void (*destroy)(void *state);	/* accepts NULL */
};

extern const struct probe_ops pagecache_probe;
extern const struct probe_ops rss_probe;
extern const struct probe_ops alloc_probe;
extern const struct probe_ops shm_probe;
extern const struct probe_ops oom_probe;

#define PROBES_MAX	8

struct probes {
	const struct probe_ops *ops[PROBES_MAX];
	void *state[PROBES_MAX];
	unsigned int n;
};

/* Opens, loads and attaches every module; on error nothing stays attached. */
int probes_start(struct probes *p, const struct probe_env *env);
int probes_collect(struct probes *p, struct agg *agg, bool final);
/* Puts every module's event fd in the loop. */
int probes_watch(struct probes *p, struct loop *l);
/* Consumes whatever events are still queued: before the summary, nothing is left behind. */
int probes_drain(struct probes *p);
void probes_stop(struct probes *p);

#endif /* MEMPROBE_PROBE_H */
