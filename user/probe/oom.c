// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Userspace half of bpf/oom.bpf.c. Picks the victim hook this kernel can
 * give (by its BTF, not its version) and, where fentry is allowed, the
 * OOM killer's own context; a kernel or a policy that refuses fentry costs
 * only the exactness of the constraint, which is then read from limits.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include "sys/log.h"
#include "memprobe.skel.h"
#include "options.h"
#include "probe/module.h"

enum victim_hook {
	HOOK_TRACEPOINT,	/* oom:mark_victim carries the task */
	HOOK_MARK,		/* fentry on mark_oom_victim() */
	HOOK_KILL,		/* fentry on __oom_kill_process() */
};

struct oom {
	struct memprobe_bpf *skel;	/* shared: the registry owns it */
	struct probe_events events;
	enum victim_hook hook;
	bool context;		/* oom_kill_process() is hooked for the constraint */
};

static bool has_func(const struct btf *btf, const char *name)
{
	return btf && btf__find_by_name_kind(btf, name, BTF_KIND_FUNC) > 0;
}

/* Whether oom:mark_victim passes the task (after 6.1, and in backports such as Debian's 6.1), not a pid. */
static bool tracepoint_has_task(const struct btf *btf)
{
	const char *arg = probe_tp_arg_struct(btf, "mark_victim", 0);

	return arg && !strcmp(arg, "task_struct");
}

/*
 * Whether this kernel lets an fentry program on func load: a two-instruction
 * program answers in a millisecond, where a refused load of the real object
 * would cost a second parse of the kernel's BTF and a second verification.
 */
static bool fentry_loads(const struct btf *btf, const char *func)
{
	const struct bpf_insn insns[] = {
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = 0 },
		{ .code = BPF_JMP | BPF_EXIT },
	};
	LIBBPF_OPTS(bpf_prog_load_opts, opts, .expected_attach_type = BPF_TRACE_FENTRY);
	int id = btf ? btf__find_by_name_kind(btf, func, BTF_KIND_FUNC) : -1, fd;

	if (id <= 0)
		return false;
	opts.attach_btf_id = id;
	fd = bpf_prog_load(BPF_PROG_TYPE_TRACING, "mp_fentry_probe", "GPL", insns, 2, &opts);
	if (fd < 0)
		return false;
	close(fd);
	return true;
}

/* The victim hook this kernel gives, and whether the OOM killer's context can be had. */
static void decide(struct oom *o, const struct btf *btf)
{
	if (tracepoint_has_task(btf))
		o->hook = HOOK_TRACEPOINT;
	else if (has_func(btf, "mark_oom_victim"))
		o->hook = HOOK_MARK;
	else
		o->hook = HOOK_KILL;
	o->context = fentry_loads(btf, "oom_kill_process");
	if (!o->context)
		log_debug("fentry on oom_kill_process refused; the constraint will be inferred from limits");
}

static int on_event(void *ctx, const void *event)
{
	struct oom *o = ctx;

	return o->events.oom(o->events.ctx, event);
}

static int oom_open(void **state, const struct probe_env *env)
{
	struct memprobe_bpf *s = env->skel;
	struct oom *o;
	int r;

	o = calloc(1, sizeof(*o));
	if (!o)
		return -ENOMEM;
	o->events = env->events;
	o->skel = s;
	decide(o, env->btf);
	r = probe_claim(env, o->hook == HOOK_TRACEPOINT ? s->progs.mark_victim :
			     o->hook == HOOK_MARK ? s->progs.mark_oom_victim : s->progs.oom_kill_victim);
	if (!r && o->context)
		r = probe_claim(env, s->progs.oom_kill_enter) ?: probe_claim(env, s->progs.oom_kill_exit);
	if (!r && env->o->ring_bytes)
		r = bpf_map__set_max_entries(s->maps.oom_events, env->o->ring_bytes);
	r = r ?: probe_ring(env, s->maps.oom_events, MP_EV_OOM, sizeof(struct mp_oom_event), on_event, o);
	if (r) {
		oom_probe.destroy(o);
		return r;
	}
	*state = o;
	return 0;
}

static void oom_destroy(void *state)
{
	free(state);
}

const struct probe_ops oom_probe = {
	.name = "OOM kill",
	.optional = true,
	.open = oom_open,
	.destroy = oom_destroy,
};
