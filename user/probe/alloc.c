// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Userspace half of bpf/alloc.bpf.c: page allocations per memory cgroup. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include "memprobe.skel.h"
#include "model/agg.h"
#include "options.h"
#include "probe/module.h"
#include "probe/percpu.h"
#include "sys/array.h"
#include "sys/log.h"
#include "sys/util.h"

/* A map entry as the last collection read it: retire() needs no second pass over the map. */
struct entry {
	struct mp_alloc_key key;
	__u64 cgid;
};

struct alloc {
	struct memprobe_bpf *skel;	/* shared: the registry owns it */
	struct percpu pcpu;
	struct entry *entries;
	size_t n_entries, cap_entries;
	struct agg *agg;		/* the collection under way */
};

static int alloc_open(void **state, const struct probe_env *env)
{
	const struct options *o = env->o;
	struct alloc *al;
	int r;

	al = calloc(1, sizeof(*al));
	if (!al)
		return -ENOMEM;
	r = percpu_init(&al->pcpu, sizeof(struct mp_alloc_slot));
	if (r)
		goto fail;
	al->skel = env->skel;
	/*
	 * Before the BPF memory allocator (6.1) a hash map took each new entry
	 * from kmalloc while it held the entry's bucket lock. This program runs
	 * inside the page allocator: a page that kmalloc needs runs it again (a
	 * second memprobe's too), and two CPUs can each wait for the lock the
	 * other holds, for good. Entries made in advance take nothing from the
	 * page allocator; they cost the map's full size (--max-cgroups entries a
	 * CPU) from the start.
	 */
	r = bpf_map__set_max_entries(al->skel->maps.allocs, o->max_cgroups);
	r = r ?: probe_prealloc(env, al->skel->maps.allocs);
	r = r ?: probe_claim(env, al->skel->progs.page_alloc);
	/* Run by the agent before the last collection, never attached. */
	r = r ?: bpf_program__set_autoload(al->skel->progs.alloc_flush, true);
	if (r)
		goto fail;
	*state = al;
	return 0;
fail:
	alloc_probe.destroy(al);
	return r;
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

static void add_to(struct counters *c, const struct mp_alloc_val *v)
{
	int i;

	c->alloc_pages += v->pages;
	c->alloc_calls += v->calls;
	for (i = 0; i < MP_ALLOC_ORDERS; i++)
		c->alloc_order[i] += v->order[i];
}

static int count(struct agg *agg, const struct mp_alloc_val *v)
{
	struct counters *c = agg_counters(agg, v->cgid);

	if (!c)
		return -ENOMEM;
	add_to(c, v);
	return 0;
}

/* From a slot: counted, and remembered as not yet in the map (a retired cgroup's comes back through it). */
static int count_pending(struct agg *agg, const struct mp_alloc_val *v)
{
	struct counters *p = agg_pending(agg, v->cgid);

	if (!p)
		return -ENOMEM;
	add_to(p, v);
	add_to(agg_counters(agg, v->cgid), v);
	return 0;
}

/*
 * What each CPU holds in its slot, not yet in the map. Read after the map:
 * a flush in between is missed this time and counted the next, never
 * counted twice.
 */
static int read_slots(struct alloc *al, struct agg *agg)
{
	size_t stride = (sizeof(struct mp_alloc_slot) + 7) & ~(size_t)7;
	__u32 zero = 0;
	int cpu, r;

	if (bpf_map_lookup_elem(bpf_map__fd(al->skel->maps.alloc_last), &zero, al->pcpu.buf))
		return -errno;
	for (cpu = 0; cpu < al->pcpu.ncpu; cpu++) {
		const struct mp_alloc_slot *s = (const void *)((const char *)al->pcpu.buf + cpu * stride);

		if (!s->key.css || !s->val.calls)
			continue;
		r = count_pending(agg, &s->val);
		if (r)
			return r;
	}
	return 0;
}

/* Several css generations can map to one cgroup id: each adds to it. */
static int add_entry(void *ctx, const void *key, const void *total)
{
	struct alloc *al = ctx;
	const struct mp_alloc_val *v = total;
	int r = count(al->agg, v);

	if (r || ARRAY_GROW(al->entries, al->cap_entries, al->n_entries, 64))
		return r ?: -ENOMEM;
	al->entries[al->n_entries++] = (struct entry){ .key = *(const struct mp_alloc_key *)key, .cgid = v->cgid };
	return 0;
}

static int alloc_collect(void *state, struct agg *agg, bool final)
{
	struct alloc *al = state;
	int r;

	/* The end's figures: every CPU's slot in the map first, so that none is between the two reads. */
	if (final)
		probe_run_on_each_cpu(al->skel->progs.alloc_flush, true);
	al->n_entries = 0;
	al->agg = agg;
	r = percpu_fold(&al->pcpu, bpf_map__fd(al->skel->maps.allocs), sizeof(struct mp_alloc_key),
			sizeof(struct mp_alloc_val), sum_alloc, add_entry, al);
	return r ?: read_slots(al, agg);
}

/* Entries are keyed by css: the last collection noted each one's cgroup id. */
static int alloc_retire(void *state, const __u64 *ids, size_t n, struct agg *last)
{
	struct alloc *al = state;
	int fd = bpf_map__fd(al->skel->maps.allocs);
	size_t i;
	int r;

	for (i = 0; i < al->n_entries; i++) {
		struct mp_alloc_val v = {};

		if (!ids_have(ids, n, al->entries[i].cgid))
			continue;
		r = percpu_take(&al->pcpu, fd, &al->entries[i].key, sizeof(v), sum_alloc, &v);
		if (r == -ENOENT)
			continue;
		r = r ?: count(last, &v);
		if (r)
			return r;
	}
	return 0;
}

static void alloc_destroy(void *state)
{
	struct alloc *al = state;

	if (!al)
		return;
	percpu_free(&al->pcpu);
	free(al->entries);
	free(al);
}

const struct probe_ops alloc_probe = {
	.name = "page-allocation",
	.optional = true,
	.per_fault = true,
	.open = alloc_open,
	.collect = alloc_collect,
	.retire = alloc_retire,
	.destroy = alloc_destroy,
};
