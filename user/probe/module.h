/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * What a probe module is: the userspace half of one bpf/NAME.bpf.c, as a
 * table of operations. The BPF objects are linked into one
 * (build/memprobe.skel.h) so that the kernel's BTF is parsed once for them
 * all; the registry (probe/registry.c) opens it, each module sizes its maps
 * and claims the programs it wants, the registry loads the object once,
 * attaches every claimed program and owns the links, and each module turns
 * its maps into struct agg. Adding a probe is a new module and one line in
 * the registry's table.
 *
 * What is filtered where, and why:
 * - With named targets, SysV shared memory calls and page-cache pages
 *   are filtered in the kernel (probe/watch.c puts the targets in the
 *   programs' watched map; bpf/watch.bpf.h matches a cgroup and its
 *   ancestors, so a cgroup created below a target counts from its first
 *   page, and caches the answer per cgroup). A busy stranger can neither
 *   crowd the targets' events out of the ring nor fill the per-file and
 *   per-process maps, and its pages cost two lookups and no update.
 * - RSS changes and page allocations are counted in the kernel for every
 *   cgroup and process (their hot paths stop before a cgroup lookup), and
 *   filtered in userspace by membership (model/targets.h:
 *   target_contains, targets_owner). Cgroups outside the targets are
 *   retired from the maps every interval (model/accounting.h), so
 *   strangers cannot fill them for long.
 * - OOM kills are rare: every one is counted, and reported when the victim
 *   or the cgroup whose limit was hit is watched.
 */
#ifndef MEMPROBE_PROBE_MODULE_H
#define MEMPROBE_PROBE_MODULE_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>

#include "memprobe.h"
#include "probe/ring.h"

struct agg;
struct btf;
struct bpf_map;
struct bpf_program;
struct memprobe_bpf;
struct options;
struct probe_slot;
struct probes;
struct targets;

/* Where discrete events go: handlers of the layer above, so that probes know nothing of it. */
struct probe_events {
	int (*shm)(void *ctx, const struct mp_shm_event *e);
	int (*oom)(void *ctx, const struct mp_oom_event *e);
	/* Growth stacks: a sample or a free (head.kind), and each interval the program's counters. */
	int (*stack)(void *ctx, const struct mp_stack_head *h);
	void (*stack_stats)(void *ctx, const __u64 *stats, size_t n);
	void *ctx;
	void *stack_ctx;		/* the growth stack handlers' */
};

/* What every module is given when it opens. */
struct probe_env {
	struct memprobe_bpf *skel;	/* opened, not loaded yet */
	const struct options *o;
	struct probe_events events;
	const struct targets *targets;	/* the SysV shm programs' kernel-side filter */
	const struct btf *btf;		/* the kernel's, parsed once, to see what it offers; NULL if unreadable */
	struct probe_slot *slot;	/* the registry's record of the module being opened */
	struct probes *probes;		/* the registry: the modules opened before this one */
};

struct probe_ops {
	const char *name;
	/* A module that cannot load or attach on this kernel is reported and skipped. */
	bool optional;
	/* Its programs run on every page fault: left out with --no-fault-probes. */
	bool per_fault;
	/* Sizes its maps and claims the programs it wants loaded (probe_claim). */
	int (*open)(void **state, const struct probe_env *env);
	/* After the registry attached its programs (ring buffers, kernel-side filters); may be NULL. */
	int (*attach)(void *state);
	/* Reads the maps into agg (NULL: events only); final adds per-file and per-process detail. */
	int (*collect)(void *state, struct agg *agg, bool final);
	/*
	 * Removes the map entries of retired cgroups (ids sorted) and adds what
	 * they held at that moment into last: counts that came after the
	 * collection are kept too. NULL if it keeps none per cgroup.
	 */
	int (*retire)(void *state, const __u64 *ids, size_t n, struct agg *last);
	void (*destroy)(void *state);	/* accepts NULL */
};

extern const struct probe_ops watch_probe;
extern const struct probe_ops pagecache_probe;
extern const struct probe_ops rss_probe;
extern const struct probe_ops alloc_probe;
extern const struct probe_ops shm_probe;
extern const struct probe_ops oom_probe;
extern const struct probe_ops reclaim_probe;
extern const struct probe_ops shmem_probe;
extern const struct probe_ops stacks_probe;

/*
 * The struct a BTF-enabled tracepoint's argument (0 = the first) points to
 * on this kernel ("folio", "task_struct"), or NULL if it is no struct
 * pointer or the tracepoint is not there: kernels change what their
 * tracepoints pass, and the programs that take it are chosen by this.
 */
const char *probe_tp_arg_struct(const struct btf *btf, const char *tp, unsigned int arg);

/*
 * Makes map preallocated on a kernel whose hash maps do not take their new
 * entries from the BPF memory allocator (before 6.1). There a tracepoint
 * or raw_tp program that uses a map allocating at run time makes the
 * verifier warn (a kernel WARNING, which taints the kernel), and kmalloc
 * can deadlock under the page allocator. Unknown (no BTF) counts as safe.
 */
int probe_prealloc(const struct probe_env *env, struct bpf_map *map);
/* The kernel has the BPF memory allocator (6.1): hash maps may add entries anywhere. */
bool probe_maps_allocate_safely(const struct probe_env *env);

/*
 * Runs prog (a raw_tp program the module loads, never attached) once on
 * each CPU, where it sees that CPU's per-CPU state; an offline CPU is
 * skipped. A program that adds hash-map entries (adds_entries) is run
 * from the agent's own thread, moved to each CPU in turn: run from the
 * interrupt that reaches another CPU, it finds the BPF memory allocator's
 * per-CPU cache as it is, with interrupts off until it ends, and past the
 * few entries there new ones fail (6.12: two new files of three lost at
 * the end). A CPU the agent may not run on gets the interrupt still. Run
 * in the thread, interrupts are on: a hook that fires in an interrupt can
 * run in the program's middle, which must allow for it (alloc_flush).
 */
void probe_run_on_each_cpu(struct bpf_program *prog, bool adds_entries);

/* Marks prog to be loaded for the module being opened; the registry attaches it and detaches it at the end. */
int probe_claim(const struct probe_env *env, struct bpf_program *prog);

/*
 * Claims prog, which does what old does and more, in old's place: the
 * module that claimed old gives it up, so that the hook runs one program,
 * not two. Call it last in open: should this module be left out (its open
 * fails, or the kernel refuses its programs), the registry opens the
 * modules again without it, and old is claimed as before. (Not so at
 * attach, which reopens nothing: prog on old's hook is expected to attach
 * wherever old would.)
 */
int probe_supersede(const struct probe_env *env, struct bpf_program *old, struct bpf_program *prog);

/*
 * The module streams discrete events through a ring buffer map: once it is
 * attached, the registry reads the ring in the event loop and hands each
 * event (checked to be of type and at least min_size) to fn(ctx, event).
 */
int probe_ring(const struct probe_env *env, struct bpf_map *map, __u16 type, size_t min_size, ring_event_fn fn,
	       void *ctx);

#endif /* MEMPROBE_PROBE_MODULE_H */
