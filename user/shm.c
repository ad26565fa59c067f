// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Userspace half of bpf/shm.bpf.c: SysV shared memory calls, from the ring buffer to events.c. */
#include <errno.h>
#include <stdlib.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "agg.h"
#include "events.h"
#include "log.h"
#include "options.h"
#include "memprobe.skel.h"
#include "probe.h"
#include "ring.h"
#include "target.h"

struct shm {
	struct memprobe_bpf *skel;	/* shared: probes.c owns it */
	struct probe_links links;
	struct ring ring;
	struct events *events;
	const struct targets *targets;
	unsigned int synced;		/* the targets' generation in the watched map; ~0 before the first */
};

#define PROGS(s)									\
	PROBE_PROGS((s)->progs.shmget_enter, (s)->progs.shmget_exit, (s)->progs.shmat_enter,		\
		    (s)->progs.shmat_exit, (s)->progs.shmdt_enter, (s)->progs.shmdt_enter_walk,		\
		    (s)->progs.shmdt_exit, (s)->progs.shmctl_enter, (s)->progs.shmctl_exit)

static int shm_open(void **state, const struct probe_env *env)
{
	struct shm *sh;
	int r;

	sh = calloc(1, sizeof(*sh));
	if (!sh)
		return -ENOMEM;
	sh->events = env->events;
	sh->targets = env->targets;
	sh->skel = env->skel;
	sh->synced = ~0u;
	r = bpf_map__set_max_entries(sh->skel->maps.shm_events, env->o->ring_bytes ?: MP_SHM_RING);
	r = r ?: probe_autoload(PROGS(sh->skel), true);
	/* shmdt's segment is found with bpf_find_vma() (5.17), or else by walking the VMA tree. */
	if (!r && libbpf_probe_bpf_helper(BPF_PROG_TYPE_TRACEPOINT, BPF_FUNC_find_vma, NULL) == 1) {
		r = bpf_program__set_autoload(sh->skel->progs.shmdt_enter_walk, false);
	} else if (!r) {
		log_debug("no bpf_find_vma() on this kernel: shmdt walks the VMA tree");
		r = bpf_program__set_autoload(sh->skel->progs.shmdt_enter, false);
	}
	if (r)
		goto fail;
	*state = sh;
	return 0;
fail:
	shm_probe.destroy(sh);
	return r;
}

/*
 * Puts the targets in the kernel's watched map and turns filtering on; the
 * kernel side matches their descendants itself. The whole machine needs no
 * filter.
 */
static int sync_watched(struct shm *sh)
{
	const struct targets *ts = sh->targets;
	int fd = bpf_map__fd(sh->skel->maps.watched);
	__u8 one = 1;
	size_t i;

	if (!ts || ts->machine || sh->synced == ts->generation)
		return 0;
	for (i = 0; i < ts->n; i++)
		if (bpf_map_update_elem(fd, &ts->v[i].cg.id, &one, BPF_ANY))
			return -errno;
	sh->synced = ts->generation;
	sh->skel->bss->filtering = true;
	return 0;
}

static int on_event(void *ctx, const void *event)
{
	return events_shm(ctx, event);
}

static int shm_attach(void *state)
{
	struct shm *sh = state;
	int r;

	r = probe_links_attach(&sh->links, PROGS(sh->skel));
	if (r)
		return r;
	r = sync_watched(sh);
	if (r)
		return r;
	return ring_open(&sh->ring, bpf_map__fd(sh->skel->maps.shm_events), MP_EV_SHM, sizeof(struct mp_shm_event),
			 on_event, sh->events);
}

/* Nothing to read: events come through the ring. Targets that changed go to the kernel's filter. */
static int shm_collect(void *state, struct agg *agg, bool final)
{
	(void)agg;
	(void)final;
	return sync_watched(state);
}

static int shm_event_fd(void *state)
{
	return ring_fd(&((struct shm *)state)->ring);
}

static int shm_consume(void *state)
{
	return ring_consume(&((struct shm *)state)->ring);
}

static void shm_destroy(void *state)
{
	struct shm *sh = state;

	if (!sh)
		return;
	ring_close(&sh->ring);
	probe_links_destroy(&sh->links);
	free(sh);
}

const struct probe_ops shm_probe = {
	.name = "SysV shared memory",
	.optional = true,
	.open = shm_open,
	.attach = shm_attach,
	.collect = shm_collect,
	.event_fd = shm_event_fd,
	.consume = shm_consume,
	.destroy = shm_destroy,
};
