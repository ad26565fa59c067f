// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Userspace half of bpf/shm.bpf.c: SysV shared memory calls, from the ring buffer to events.c. */
#include <errno.h>
#include <stdlib.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "agg.h"
#include "events.h"
#include "options.h"
#include "percpu.h"
#include "probe.h"
#include "ring.h"
#include "shm.skel.h"

struct shm {
	struct shm_bpf *skel;
	struct percpu pcpu;
	struct ring ring;
	struct events *events;
};

static int shm_open(void **state, const struct probe_env *env)
{
	struct shm *sh;
	int r;

	sh = calloc(1, sizeof(*sh));
	if (!sh)
		return -ENOMEM;
	sh->events = env->events;
	r = percpu_init(&sh->pcpu, sizeof(__u64));
	if (r)
		goto fail;
	sh->skel = shm_bpf__open();
	if (!sh->skel) {
		r = -errno;
		goto fail;
	}
	r = bpf_map__set_max_entries(sh->skel->maps.events, env->o->ring_bytes ?: MP_SHM_RING);
	if (r)
		goto fail;
	*state = sh;
	return 0;
fail:
	shm_probe.destroy(sh);
	return r;
}

static int shm_load(void *state)
{
	return shm_bpf__load(((struct shm *)state)->skel);
}

static int on_event(void *ctx, const void *event)
{
	return events_shm(ctx, event);
}

static int shm_attach(void *state)
{
	struct shm *sh = state;
	int r;

	r = shm_bpf__attach(sh->skel);
	if (r)
		return r;
	return ring_open(&sh->ring, bpf_map__fd(sh->skel->maps.events), MP_EV_SHM, sizeof(struct mp_shm_event),
			 on_event, sh->events);
}

static int shm_collect(void *state, struct agg *agg, bool final)
{
	struct shm *sh = state;

	(void)final;
	return percpu_add_drops(&sh->pcpu, bpf_map__fd(sh->skel->maps.drops), agg->drops);
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
	shm_bpf__destroy(sh->skel);
	percpu_free(&sh->pcpu);
	free(sh);
}

const struct probe_ops shm_probe = {
	.name = "SysV shared memory",
	.optional = true,
	.open = shm_open,
	.load = shm_load,
	.attach = shm_attach,
	.collect = shm_collect,
	.event_fd = shm_event_fd,
	.consume = shm_consume,
	.destroy = shm_destroy,
};
