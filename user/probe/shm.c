// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Userspace half of bpf/shm.bpf.c: SysV shared memory calls, from the ring buffer to the event handler. */
#include <errno.h>
#include <stdlib.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "options.h"
#include "memprobe.skel.h"
#include "probe/module.h"
#include "sys/log.h"

struct shm {
	struct memprobe_bpf *skel;	/* shared: the registry owns it */
	struct probe_events events;
};

static int on_event(void *ctx, const void *event)
{
	struct shm *sh = ctx;

	return sh->events.shm(sh->events.ctx, event);
}

/* shmdt's segment is found with bpf_find_vma() (5.17), or else by walking the VMA tree. */
static struct bpf_program *shmdt_program(const struct probe_env *env)
{
	if (libbpf_probe_bpf_helper(BPF_PROG_TYPE_TRACEPOINT, BPF_FUNC_find_vma, NULL) == 1)
		return env->skel->progs.shmdt_enter;
	log_debug("no bpf_find_vma() on this kernel: shmdt walks the VMA tree");
	return env->skel->progs.shmdt_enter_walk;
}

static int shm_open(void **state, const struct probe_env *env)
{
	struct shm *sh;
	int r;

	struct bpf_program *progs[] = {
		env->skel->progs.shmget_enter, env->skel->progs.shmget_exit, env->skel->progs.shmat_enter,
		env->skel->progs.shmat_exit, shmdt_program(env), env->skel->progs.shmdt_exit,
		env->skel->progs.shmctl_enter, env->skel->progs.shmctl_exit,
	};
	size_t i;

	sh = calloc(1, sizeof(*sh));
	if (!sh)
		return -ENOMEM;
	sh->events = env->events;
	sh->skel = env->skel;
	r = bpf_map__set_max_entries(sh->skel->maps.shm_events, env->o->ring_bytes ?: MP_SHM_RING);
	r = r ?: probe_prealloc(env, sh->skel->maps.inflight);
	for (i = 0; !r && i < sizeof(progs) / sizeof(progs[0]); i++)
		r = probe_claim(env, progs[i]);
	r = r ?: probe_ring(env, sh->skel->maps.shm_events, MP_EV_SHM, sizeof(struct mp_shm_event), on_event, sh);
	if (r)
		goto fail;
	*state = sh;
	return 0;
fail:
	shm_probe.destroy(sh);
	return r;
}

static void shm_destroy(void *state)
{
	free(state);
}

const struct probe_ops shm_probe = {
	.name = "SysV shared memory",
	.optional = true,
	.open = shm_open,
	.destroy = shm_destroy,
};
