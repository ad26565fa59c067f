// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Userspace half of bpf/reclaim.bpf.c: reclaim stalls per memory cgroup, direct and memcg, with a histogram. */
#include <errno.h>
#include <stdlib.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "memprobe.skel.h"
#include "model/agg.h"
#include "options.h"
#include "probe/module.h"
#include "probe/percpu.h"

struct reclaim {
	struct memprobe_bpf *skel;	/* shared: the registry owns it */
	struct percpu pcpu;
	struct agg *agg;		/* what the collection (or retirement) under way fills */
};

static int reclaim_open(void **state, const struct probe_env *env)
{
	struct memprobe_bpf *s = env->skel;
	struct reclaim *rc;
	int r;

	rc = calloc(1, sizeof(*rc));
	if (!rc)
		return -ENOMEM;
	rc->skel = s;
	r = percpu_init(&rc->pcpu, sizeof(struct mp_reclaim_val));
	r = r ?: bpf_map__set_max_entries(s->maps.reclaim_cgroups, env->o->max_cgroups);
	r = r ?: probe_claim(env, s->progs.direct_reclaim_begin);
	r = r ?: probe_claim(env, s->progs.direct_reclaim_end);
	r = r ?: probe_claim(env, s->progs.memcg_reclaim_begin);
	r = r ?: probe_claim(env, s->progs.memcg_reclaim_end);
	if (r) {
		reclaim_probe.destroy(rc);
		return r;
	}
	*state = rc;
	return 0;
}

static void sum_reclaim(const void *cpu_val, void *total)
{
	const struct mp_reclaim_val *v = cpu_val;
	struct mp_reclaim_val *t = total;
	int i;

	for (i = 0; i < MP_RECLAIM_KINDS; i++) {
		t->count[i] += v->count[i];
		t->ns[i] += v->ns[i];
	}
	for (i = 0; i < MP_RECLAIM_BUCKETS; i++)
		t->hist[i] += v->hist[i];
}

static int add_cgroup(void *ctx, const void *key, const void *total)
{
	struct reclaim *rc = ctx;
	const struct mp_reclaim_val *v = total;
	struct counters *c = agg_counters(rc->agg, *(const __u64 *)key);
	int i;

	if (!c)
		return -ENOMEM;
	for (i = 0; i < MP_RECLAIM_KINDS; i++) {
		c->reclaim_count[i] += v->count[i];
		c->reclaim_ns[i] += v->ns[i];
	}
	for (i = 0; i < MP_RECLAIM_BUCKETS; i++)
		c->reclaim_hist[i] += v->hist[i];
	return 0;
}

static int reclaim_collect(void *state, struct agg *agg, bool final)
{
	struct reclaim *rc = state;

	(void)final;
	rc->agg = agg;
	return percpu_fold(&rc->pcpu, bpf_map__fd(rc->skel->maps.reclaim_cgroups), sizeof(__u64),
			   sizeof(struct mp_reclaim_val), sum_reclaim, add_cgroup, rc);
}

static int reclaim_retire(void *state, const __u64 *ids, size_t n, struct agg *last)
{
	struct reclaim *rc = state;

	rc->agg = last;
	return percpu_take_ids(&rc->pcpu, bpf_map__fd(rc->skel->maps.reclaim_cgroups), ids, n,
			       sizeof(struct mp_reclaim_val), sum_reclaim, add_cgroup, rc);
}

static void reclaim_destroy(void *state)
{
	struct reclaim *rc = state;

	if (!rc)
		return;
	percpu_free(&rc->pcpu);
	free(rc);
}

const struct probe_ops reclaim_probe = {
	.name = "reclaim stall",
	.optional = true,
	.open = reclaim_open,
	.collect = reclaim_collect,
	.retire = reclaim_retire,
	.destroy = reclaim_destroy,
};
