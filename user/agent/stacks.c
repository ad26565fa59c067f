// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <string.h>

#include "agent/stacks.h"
#include "sys/log.h"
#include "sys/pagemap.h"

int agent_stacks_init(struct agent_stacks *as, const struct options *o, const struct targets *ts)
{
	int r;

	memset(as, 0, sizeof(*as));
	as->targets = ts;
	if (!o->stack_sample_bytes)
		return 0;
	r = stacks_init(&as->model, o->stack_sample_bytes, o->verdict.window_s);
	if (r)
		return log_err_errno(r, "cannot set up the growth stacks");
	/* No unwinder (another architecture): stacks are their sampled instruction only. */
	r = unwinder_new(&as->unwinder, AGENT_STACK_PROCS);
	if (r)
		log_warn("growth stacks cannot be unwound here (%s): each is its faulting instruction only",
			 strerror(-r));
	if (o->stacks_path) {
		as->folded = fopen(o->stacks_path, "we");
		if (!as->folded) {
			r = -errno;
			agent_stacks_free(as);
			return log_err_errno(r, "cannot write --stacks %s: %s", o->stacks_path, strerror(-r));
		}
	}
	as->on = true;
	return 0;
}

void agent_stacks_free(struct agent_stacks *as)
{
	if (!as)
		return;
	if (as->folded)
		fclose(as->folded);
	unwinder_free(as->unwinder);
	stacks_free(&as->model);
	memset(as, 0, sizeof(*as));
}

int agent_stacks_event(void *ctx, const struct mp_stack_head *h)
{
	const struct mp_stack_range *e = (const struct mp_stack_range *)h;
	struct agent_stacks *as = ctx;
	int r = 0;

	if (!as->on)
		return 0;
	if (h->kind == MP_STACK_SAMPLE_EV)
		r = stacks_sample(&as->model, as->unwinder, (const struct mp_stack_event *)h);
	else if (h->kind == MP_STACK_UNMAP_EV)
		stacks_unmap(&as->model, h->tgid, e->start, e->len);
	else if (h->kind == MP_STACK_MOVE_EV)
		stacks_move(&as->model, h->tgid, e->start, e->len, e->to, e->new_len);
	else if (h->kind == MP_STACK_EXEC_EV)
		stacks_exec(&as->model, h->tgid);
	if (r && !as->err)
		as->err = r;
	/* An error here would stop the ring: it is kept for the loop instead. */
	return 0;
}

void agent_stacks_stats(void *ctx, const __u64 *stats, size_t n)
{
	struct agent_stacks *as = ctx;

	if (n > MP_STK_STATS)
		n = MP_STK_STATS;
	memcpy(as->model.counts.kernel, stats, n * sizeof(*stats));
}

static int still_mapped(void *ctx, __u32 tgid, __u64 start_ns, __u64 addr)
{
	return pagemap_mapped(ctx, tgid, start_ns, addr);
}

void agent_stacks_tick(struct agent_stacks *as, double t)
{
	struct pagemap pm;
	int r;

	if (!as->on)
		return;
	/* What the address-space events cannot tell: pages discarded, given back otherwise, processes gone. */
	pagemap_init(&pm);
	r = stacks_sweep(&as->model, still_mapped, &pm);
	pagemap_close(&pm);
	if (r && !as->err)
		as->err = r;
	stacks_tick(&as->model, t);
	unwinder_sweep(as->unwinder);
	if (as->unwinder) {
		as->model.counts.unwound = unwinder_stats(as->unwinder)->stacks;
		as->model.counts.unwind_cpu_s = unwinder_stats(as->unwinder)->cpu_s;
	}
}

int agent_stacks_write(struct agent_stacks *as)
{
	const struct targets *ts = as->targets;
	size_t i;
	int r = 0;

	if (!as->on || !as->folded)
		return 0;
	/* The whole machine is its root; named targets are each prefixed by their cgroup when there are several. */
	for (i = 0; !r && i < ts->n; i++)
		if (!ts->machine || ts->v[i].root)
			r = stacks_write_folded(&as->model, &ts->v[i], !ts->machine && ts->n > 1 ? ts->v[i].cg.rel : NULL,
						as->folded);
	if (!r && fflush(as->folded))
		r = -errno;
	if (r)
		return log_err_errno(r, "cannot write the folded stacks: %s", strerror(-r));
	return 0;
}
