// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The kernel's side of what is watched (bpf/watch.bpf.h): with named
 * targets, their cgroup ids go into the `watched` map and filtering is
 * turned on, before any program counts; a target created again under its
 * name (a restarted service) is written again and the generation bumped,
 * so the programs recompute their cached answers. The whole machine needs
 * no filter. A module with no program of its own: the registry runs it
 * first, at attach and at every collection.
 */
#include <errno.h>
#include <stdlib.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "memprobe.skel.h"
#include "model/targets.h"
#include "options.h"
#include "probe/module.h"

struct watch {
	struct memprobe_bpf *skel;	/* shared: the registry owns it */
	const struct targets *targets;
	unsigned int synced;		/* the targets' generation in the map; ~0 before the first */
	__u32 generation;		/* what the programs' cached answers are tagged with */
};

static int sync_watched(struct watch *w)
{
	const struct targets *ts = w->targets;
	struct mp_watch_state state;
	int fd = bpf_map__fd(w->skel->maps.watched);
	__u32 zero = 0;
	__u8 one = 1;
	size_t i;

	if (!ts || ts->machine || w->synced == ts->generation)
		return 0;
	for (i = 0; i < ts->n; i++)
		if (bpf_map_update_elem(fd, &ts->v[i].cg.id, &one, BPF_ANY))
			return -errno;
	state = (struct mp_watch_state){ .filtering = 1, .generation = ++w->generation };
	if (bpf_map_update_elem(bpf_map__fd(w->skel->maps.watch_state), &zero, &state, BPF_ANY))
		return -errno;
	w->synced = ts->generation;
	return 0;
}

static int watch_open(void **state, const struct probe_env *env)
{
	struct watch *w = calloc(1, sizeof(*w));
	int r;

	if (!w)
		return -ENOMEM;
	w->skel = env->skel;
	w->targets = env->targets;
	w->synced = ~0u;
	r = bpf_map__set_max_entries(w->skel->maps.watched, env->o->max_cgroups);
	r = r ?: bpf_map__set_max_entries(w->skel->maps.watch_cache, env->o->max_cgroups);
	/* The SysV programs (tracepoints) look targets up in it. */
	r = r ?: probe_prealloc(env, w->skel->maps.watched);
	if (r) {
		free(w);
		return r;
	}
	*state = w;
	return 0;
}

static int watch_attach(void *state)
{
	return sync_watched(state);
}

static int watch_collect(void *state, struct agg *agg, bool final)
{
	(void)agg;
	(void)final;
	return sync_watched(state);
}

static void watch_destroy(void *state)
{
	free(state);
}

const struct probe_ops watch_probe = {
	.name = "target filter",
	.optional = false,
	.open = watch_open,
	.attach = watch_attach,
	.collect = watch_collect,
	.destroy = watch_destroy,
};
