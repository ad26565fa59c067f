/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * A probe module is the userspace half of one bpf/NAME.bpf.c. The objects
 * are linked into one (build/memprobe.skel.h), so that the kernel's BTF is
 * parsed once for them all: probes.c opens it, each module configures its
 * maps and programs, probes.c loads it once, each module attaches its
 * programs and turns its maps into struct agg. Adding a probe is a new
 * module and one line in probes.c.
 */
#ifndef MEMPROBE_PROBE_H
#define MEMPROBE_PROBE_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>

#include "percpu.h"

struct agg;
struct btf;
struct bpf_link;
struct bpf_program;
struct memprobe_bpf;
struct events;
struct loop;
struct options;
struct targets;

/* What every module is given when it opens. */
struct probe_env {
	struct memprobe_bpf *skel;	/* opened, not loaded yet */
	const struct options *o;
	struct events *events;		/* where discrete events go */
	const struct targets *targets;	/* what is watched, for filtering in the kernel */
	const struct btf *btf;		/* the kernel's, parsed once, to see what it offers; NULL if unreadable */
};

struct probe_ops {
	const char *name;
	/* A module that cannot load or attach on this kernel is reported and skipped. */
	bool optional;
	/* Sizes its maps and marks the programs it wants loaded (probe_autoload). */
	int (*open)(void **state, const struct probe_env *env);
	int (*attach)(void *state);
	/* Reads the maps into agg (NULL: events only); final adds per-file and per-process detail. */
	int (*collect)(void *state, struct agg *agg, bool final);
	/* Deletes the map entries of retired cgroups (ids sorted); NULL if it keeps none. */
	void (*forget)(void *state, const __u64 *ids, size_t n);
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
#define PROBE_LINKS_MAX	8

struct probes {
	struct memprobe_bpf *skel;
	const struct probe_ops *ops[PROBES_MAX];
	void *state[PROBES_MAX];
	unsigned int n;
	struct percpu pcpu;		/* reads the drop counters every program shares */
};

/* A module's attached programs. */
struct probe_links {
	struct bpf_link *v[PROBE_LINKS_MAX];
	unsigned int n;
};

/* A module's programs, as (array, count) arguments. */
#define PROBE_PROGS(...)							\
	(struct bpf_program *[]){ __VA_ARGS__ },				\
	sizeof((struct bpf_program *[]){ __VA_ARGS__ }) / sizeof(struct bpf_program *)

/*
 * The struct a BTF-enabled tracepoint's argument (0 = the first) points to
 * on this kernel ("folio", "task_struct"), or NULL if it is no struct
 * pointer or the tracepoint is not there: kernels change what their
 * tracepoints pass, and the programs that take it are chosen by this.
 */
const char *probe_tp_arg_struct(const struct btf *btf, const char *tp, unsigned int arg);

/* Marks the programs to be loaded, or not. */
int probe_autoload(struct bpf_program *const *progs, size_t n, bool on);
/* Attaches those of the programs that were loaded; what fails to attach is said by the caller. */
int probe_links_attach(struct probe_links *l, struct bpf_program *const *progs, size_t n);
void probe_links_destroy(struct probe_links *l);

/* Opens, loads and attaches every module; on error nothing stays attached. */
int probes_start(struct probes *p, const struct probe_env *env);
int probes_collect(struct probes *p, struct agg *agg, bool final);
void probes_forget(struct probes *p, const __u64 *ids, size_t n);
/* Puts every module's event fd in the loop. */
int probes_watch(struct probes *p, struct loop *l);
/* Consumes whatever events are still queued: before the summary, nothing is left behind. */
int probes_drain(struct probes *p);
void probes_stop(struct probes *p);

#endif /* MEMPROBE_PROBE_H */
