/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The table of probe modules (probe/module.h) and their one BPF object:
 * opened, loaded and attached together, collected and stopped together.
 * A module this kernel refuses is left out with a warning when it is
 * optional, and the rest loaded again; the registry owns every link.
 */
#ifndef MEMPROBE_PROBE_REGISTRY_H
#define MEMPROBE_PROBE_REGISTRY_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>

#include "probe/module.h"
#include "probe/percpu.h"
#include "probe/ring.h"

struct bpf_link;
struct loop;

#define PROBES_MAX		12
#define PROBE_PROGS_MAX		12

/* A module in the table: its state, the programs it claimed and their links, its ring. */
struct probe_slot {
	const struct probe_ops *ops;
	void *state;
	struct bpf_program *progs[PROBE_PROGS_MAX];
	unsigned int n_progs;
	struct bpf_link *links[PROBE_PROGS_MAX];
	unsigned int n_links;
	struct {
		struct bpf_map *map;	/* NULL: the module has no events */
		__u16 type;
		size_t min_size;
		ring_event_fn fn;
		void *ctx;
	} ring_spec;
	struct ring ring;
};

struct probes {
	struct memprobe_bpf *skel;
	struct probe_slot v[PROBES_MAX];
	unsigned int n;
	struct percpu pcpu;		/* reads the drop counters every program shares */
};

/* Opens, loads and attaches every module; on error nothing stays attached. */
int probes_start(struct probes *p, const struct probe_env *env);
int probes_collect(struct probes *p, struct agg *agg, bool final);
/* Takes the retired cgroups' entries out of every module's maps: what they held goes into last. */
int probes_retire(struct probes *p, const __u64 *ids, size_t n, struct agg *last);
/* Puts every module's event fd in the loop. */
int probes_watch(struct probes *p, struct loop *l);
/* Consumes whatever events are still queued: before the summary, nothing is left behind. */
int probes_drain(struct probes *p);
void probes_stop(struct probes *p);
/* Whether a module is loaded and attached (an optional one may not be, on this kernel). */
bool probes_have(const struct probes *p, const struct probe_ops *ops);

#endif /* MEMPROBE_PROBE_REGISTRY_H */
