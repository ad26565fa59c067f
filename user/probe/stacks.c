// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Userspace half of bpf/stacks.bpf.c: the sampling rate and the stack rate
 * limit set before load (the targets' filter is probe/watch.c's), its
 * program on kmem:mm_page_alloc in place of the allocation probe's (it
 * counts for it) and its programs on the system calls that give address
 * space back, samples and address-space events from the ring buffer to
 * the handler, and each interval the pending sample of every CPU settled
 * (BPF_PROG_TEST_RUN of stk_settle on that CPU) and the program's counters
 * read. With --stack-sample 0 the module loads nothing.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include "options.h"
#include "memprobe.skel.h"
#include "probe/module.h"
#include "probe/percpu.h"
#include "sys/log.h"

struct stk {
	struct memprobe_bpf *skel;	/* shared: the registry owns it */
	struct probe_events events;
	struct percpu pcpu;
	int ncpus;
	__u64 stats[MP_STK_STATS];
};

static int on_event(void *ctx, const void *event)
{
	struct stk *k = ctx;
	const struct mp_stack_head *h = event;

	if (h->kind == MP_STACK_SAMPLE_EV && h->hdr.size >= sizeof(struct mp_stack_event) - MP_STACK_BYTES)
		return k->events.stack(k->events.stack_ctx, h);
	if (h->kind != MP_STACK_SAMPLE_EV && h->hdr.size >= sizeof(struct mp_stack_range))
		return k->events.stack(k->events.stack_ctx, h);
	return 0;
}

/*
 * bpf_task_pt_regs (5.15) gives the sampling program the task's user
 * registers: a kernel without it would refuse the programs, so they are
 * not tried (a failed load costs a second load of everything else).
 */
static bool have_task_pt_regs(const struct btf *btf)
{
	const struct btf_type *t;
	const struct btf_enum *e;
	int id, i;

	id = btf ? btf__find_by_name_kind(btf, "bpf_func_id", BTF_KIND_ENUM) : -1;
	if (id <= 0)
		return true;	/* unknown: the load decides */
	t = btf__type_by_id(btf, id);
	for (i = 0, e = btf_enum(t); i < btf_vlen(t); i++, e++)
		if (!strcmp(btf__name_by_offset(btf, e->name_off), "BPF_FUNC_task_pt_regs"))
			return true;
	return false;
}

static int stk_open(void **state, const struct probe_env *env)
{
	const struct options *o = env->o;
	struct memprobe_bpf *skel = env->skel;
	struct bpf_program **calls[] = { &skel->progs.stk_munmap, &skel->progs.stk_madvise, &skel->progs.stk_mmap,
					 &skel->progs.stk_mremap_enter, &skel->progs.stk_mremap_exit,
					 &skel->progs.stk_brk, &skel->progs.stk_exec };
	struct stk *k;
	__u64 per_cpu_ns;
	size_t i;
	int r;

	*state = NULL;
	/* Off: nothing claimed, nothing loaded. */
	if (!o->stack_sample_bytes)
		return 0;
#if !defined(__x86_64__)
	return -ENOTSUP;
#endif
	if (!have_task_pt_regs(env->btf))
		return -ENOTSUP;
	k = calloc(1, sizeof(*k));
	if (!k)
		return -ENOMEM;
	k->skel = skel;
	k->events = env->events;
	k->ncpus = libbpf_num_possible_cpus();
	r = k->ncpus > 0 ? percpu_init(&k->pcpu, sizeof(__u64)) : -EINVAL;
	if (r)
		goto fail;
	/* Each CPU gets its share of the machine's stacks a second. */
	per_cpu_ns = 1000000000ULL * k->ncpus / o->stack_rate;
	skel->rodata->stk_rate_bytes = o->stack_sample_bytes;
	skel->rodata->stk_interval_ns = per_cpu_ns;
	skel->rodata->stk_burst_ns = 1000000000ULL;
	r = bpf_map__set_max_entries(skel->maps.stk_budgets, o->max_tasks);
	r = r ?: bpf_map__set_max_entries(skel->maps.stk_follow, o->max_tasks);
	r = r ?: probe_prealloc(env, skel->maps.stk_calls);
	for (i = 0; !r && i < sizeof(calls) / sizeof(calls[0]); i++)
		r = probe_claim(env, *calls[i]);
	/* Run by the agent, never attached. */
	r = r ?: bpf_program__set_autoload(skel->progs.stk_settle, true);
	r = r ?: probe_ring(env, skel->maps.stk_events, MP_EV_STACK, sizeof(struct mp_stack_head), on_event, k);
	/* Last: a module that fails to open must leave the allocation probe its own program. */
	r = r ?: probe_supersede(env, skel->progs.page_alloc, skel->progs.stk_page_alloc);
	if (r)
		goto fail;
	*state = k;
	return 0;
fail:
	stacks_probe.destroy(k);
	return r;
}

static void add_u64(const void *cpu_value, void *total)
{
	*(__u64 *)total += *(const __u64 *)cpu_value;
}

static int stk_collect(void *state, struct agg *agg, bool final)
{
	struct stk *k = state;
	__u32 i;
	int r;

	(void)agg;
	(void)final;
	if (!k)
		return 0;
	/* A sample pending on a CPU that has allocated nothing since goes out now. */
	probe_run_on_each_cpu(k->skel->progs.stk_settle, false);
	for (i = 0; i < MP_STK_STATS; i++) {
		k->stats[i] = 0;
		r = percpu_lookup(&k->pcpu, bpf_map__fd(k->skel->maps.stk_stats), &i, sizeof(__u64), add_u64,
				  &k->stats[i]);
		if (r)
			return r;
	}
	if (k->events.stack_stats)
		k->events.stack_stats(k->events.stack_ctx, k->stats, MP_STK_STATS);
	return 0;
}

static void stk_destroy(void *state)
{
	struct stk *k = state;

	if (!k)
		return;
	percpu_free(&k->pcpu);
	free(k);
}

const struct probe_ops stacks_probe = {
	.name = "growth stack",
	.optional = true,
	.per_fault = true,
	.open = stk_open,
	.collect = stk_collect,
	.destroy = stk_destroy,
};
