// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Userspace half of bpf/alloc.bpf.c: page allocations per memory cgroup. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "agg.h"
#include "alloc.skel.h"
#include "options.h"
#include "percpu.h"
#include "probe.h"

struct alloc {
	struct alloc_bpf *skel;
	struct percpu pcpu;
};

static int alloc_open(void **state, const struct probe_env *env)
{
	const struct options *o = env->o;
	struct alloc *al;
	int r;

	al = calloc(1, sizeof(*al));
	if (!al)
		return -ENOMEM;
	r = percpu_init(&al->pcpu, sizeof(struct mp_alloc_val));
	if (r)
		goto fail;
	al->skel = alloc_bpf__open();
	if (!al->skel) {
		r = -errno;
		goto fail;
	}
	r = bpf_map__set_max_entries(al->skel->maps.allocs, o->max_cgroups);
	if (r)
		goto fail;
	*state = al;
	return 0;
fail:
	alloc_probe.destroy(al);
	return r;
}

static int alloc_load(void *state)
{
	return alloc_bpf__load(((struct alloc *)state)->skel);
}

static int alloc_attach(void *state)
{
	return alloc_bpf__attach(((struct alloc *)state)->skel);
}

static void sum_alloc(const void *cpu_val, void *total)
{
	const struct mp_alloc_val *v = cpu_val;
	struct mp_alloc_val *t = total;
	int i;

	/* The id is set on one CPU's copy only; the others are zero. */
	if (v->cgid)
		t->cgid = v->cgid;
	t->pages += v->pages;
	t->calls += v->calls;
	for (i = 0; i < MP_ALLOC_ORDERS; i++)
		t->order[i] += v->order[i];
}

static int alloc_collect(void *state, struct agg *agg, bool final)
{
	struct alloc *al = state;
	int fd = bpf_map__fd(al->skel->maps.allocs);
	struct mp_alloc_key key, *prev = NULL;
	struct mp_alloc_val sum;
	struct cg_counters *c;
	size_t pos = 0;
	int r, i;

	(void)final;
	/* Several css generations can map to one cgroup id: sum them afresh each time. */
	while ((c = (struct cg_counters *)agg_next(agg, &pos))) {
		c->alloc_pages = c->alloc_calls = 0;
		memset(c->alloc_order, 0, sizeof(c->alloc_order));
	}
	while (!bpf_map_get_next_key(fd, prev, &key)) {
		prev = &key;
		memset(&sum, 0, sizeof(sum));
		r = percpu_lookup(&al->pcpu, fd, &key, sizeof(sum), sum_alloc, &sum);
		if (r == -ENOENT)
			continue;
		if (r)
			return r;
		c = agg_cgroup(agg, sum.cgid);
		if (!c)
			return -ENOMEM;
		c->alloc_pages += sum.pages;
		c->alloc_calls += sum.calls;
		for (i = 0; i < MP_ALLOC_ORDERS; i++)
			c->alloc_order[i] += sum.order[i];
	}
	return percpu_add_drops(&al->pcpu, bpf_map__fd(al->skel->maps.drops), agg->drops);
}

static void alloc_destroy(void *state)
{
	struct alloc *al = state;

	if (!al)
		return;
	alloc_bpf__destroy(al->skel);
	percpu_free(&al->pcpu);
	free(al);
}

const struct probe_ops alloc_probe = {
	.name = "page-allocation",
	.optional = true,
	.open = alloc_open,
	.load = alloc_load,
	.attach = alloc_attach,
	.collect = alloc_collect,
	.destroy = alloc_destroy,
};
