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
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include "agg.h"
#include "events.h"
#include "log.h"
#include "oom.skel.h"
#include "options.h"
#include "percpu.h"
#include "probe.h"
#include "ring.h"

enum victim_hook {
	HOOK_TRACEPOINT,	/* oom:mark_victim carries the task */
	HOOK_MARK,		/* fentry on mark_oom_victim() */
	HOOK_KILL,		/* fentry on __oom_kill_process() */
};

struct oom {
	struct oom_bpf *skel;
	struct percpu pcpu;
	struct ring ring;
	struct events *events;
	enum victim_hook hook;
	bool context;		/* oom_kill_process() is hooked for the constraint */
	__u32 ring_bytes;	/* --ring-size, or 0 */
};

static bool has_func(const struct btf *btf, const char *name)
{
	return btf && btf__find_by_name_kind(btf, name, BTF_KIND_FUNC) > 0;
}

/* Whether btf_trace_mark_victim's second argument is a task (later than 6.1), not a pid. */
static bool tracepoint_has_task(const struct btf *btf)
{
	const struct btf_type *t;
	const struct btf_param *p;
	int id;

	if (!btf)
		return false;
	id = btf__find_by_name_kind(btf, "btf_trace_mark_victim", BTF_KIND_TYPEDEF);
	if (id <= 0)
		return false;
	t = btf__type_by_id(btf, btf__resolve_type(btf, id));
	if (!t || !btf_is_ptr(t))
		return false;
	t = btf__type_by_id(btf, t->type);
	if (!t || !btf_is_func_proto(t) || btf_vlen(t) < 2)
		return false;
	p = btf_params(t);
	t = btf__type_by_id(btf, p[1].type);
	return t && btf_is_ptr(t);
}

static void choose(struct oom *o, struct btf *btf, bool context)
{
	struct oom_bpf *s = o->skel;

	if (tracepoint_has_task(btf))
		o->hook = HOOK_TRACEPOINT;
	else if (has_func(btf, "mark_oom_victim"))
		o->hook = HOOK_MARK;
	else
		o->hook = HOOK_KILL;
	o->context = context && has_func(btf, "oom_kill_process");
	bpf_program__set_autoload(s->progs.mark_victim, o->hook == HOOK_TRACEPOINT);
	bpf_program__set_autoload(s->progs.mark_oom_victim, o->hook == HOOK_MARK);
	bpf_program__set_autoload(s->progs.oom_kill_victim, o->hook == HOOK_KILL);
	bpf_program__set_autoload(s->progs.oom_kill_enter, o->context);
	bpf_program__set_autoload(s->progs.oom_kill_exit, o->context);
}

static int reopen(struct oom *o, bool context, __u32 ring_bytes)
{
	struct btf *btf = btf__load_vmlinux_btf();

	oom_bpf__destroy(o->skel);
	o->skel = oom_bpf__open();
	if (!o->skel) {
		btf__free(btf);
		return -errno;
	}
	choose(o, libbpf_get_error(btf) ? NULL : btf, context);
	btf__free(btf);
	return ring_bytes ? bpf_map__set_max_entries(o->skel->maps.events, ring_bytes) : 0;
}

static int oom_open(void **state, const struct probe_env *env)
{
	struct oom *o;
	int r;

	o = calloc(1, sizeof(*o));
	if (!o)
		return -ENOMEM;
	o->events = env->events;
	r = percpu_init(&o->pcpu, sizeof(__u64));
	o->ring_bytes = env->o->ring_bytes;
	r = r ?: reopen(o, true, o->ring_bytes);
	if (r) {
		oom_probe.destroy(o);
		return r;
	}
	*state = o;
	return 0;
}

static int oom_load(void *state)
{
	struct oom *o = state;
	int r;

	r = oom_bpf__load(o->skel);
	if (!r || !o->context)
		return r;
	/* fentry refused (a kernel without it, or a security policy): keep the victim hook. */
	log_debug("OOM killer context unavailable (%d); the constraint will be inferred from limits", r);
	r = reopen(o, false, o->ring_bytes);
	return r ?: oom_bpf__load(o->skel);
}

static int on_event(void *ctx, const void *event)
{
	return events_oom(ctx, event);
}

static int oom_attach(void *state)
{
	struct oom *o = state;
	int r;

	r = oom_bpf__attach(o->skel);
	if (r)
		return r;
	return ring_open(&o->ring, bpf_map__fd(o->skel->maps.events), MP_EV_OOM, sizeof(struct mp_oom_event),
			 on_event, o->events);
}

static int oom_collect(void *state, struct agg *agg, bool final)
{
	struct oom *o = state;

	(void)final;
	return percpu_add_drops(&o->pcpu, bpf_map__fd(o->skel->maps.drops), agg->drops);
}

static int oom_event_fd(void *state)
{
	return ring_fd(&((struct oom *)state)->ring);
}

static int oom_consume(void *state)
{
	return ring_consume(&((struct oom *)state)->ring);
}

static void oom_destroy(void *state)
{
	struct oom *o = state;

	if (!o)
		return;
	ring_close(&o->ring);
	oom_bpf__destroy(o->skel);
	percpu_free(&o->pcpu);
	free(o);
}

const struct probe_ops oom_probe = {
	.name = "OOM kill",
	.optional = true,
	.open = oom_open,
	.load = oom_load,
	.attach = oom_attach,
	.collect = oom_collect,
	.event_fd = oom_event_fd,
	.consume = oom_consume,
	.destroy = oom_destroy,
};
