// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Userspace half of bpf/rss.bpf.c: each process's RSS counters as the
 * kernel changed them. Entries of processes that have exited are handed on
 * once more, marked, and then deleted, so the map holds the living.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "model/agg.h"
#include "sys/kstat.h"
#include "options.h"
#include "memprobe.skel.h"
#include "probe/module.h"
#include "probe/percpu.h"
#include "sys/util.h"

struct rss {
	struct memprobe_bpf *skel;	/* shared: the registry owns it */
	struct percpu pcpu;
	long hz;
	bool swept;	/* every entry has been asked of /proc once */
};

static int rss_open(void **state, const struct probe_env *env)
{
	const struct options *o = env->o;
	struct rss *rs;
	int r;

	rs = calloc(1, sizeof(*rs));
	if (!rs)
		return -ENOMEM;
	rs->hz = sysconf(_SC_CLK_TCK);
	rs->skel = env->skel;
	r = percpu_init(&rs->pcpu, sizeof(struct mp_proc_slot));
	if (r)
		goto fail;
	rs->skel->rodata->rss_ncpu = rs->pcpu.ncpu;
	r = bpf_map__set_max_entries(rs->skel->maps.procs, o->max_tasks);
	r = r ?: probe_claim(env, rs->skel->progs.rss_stat);
	r = r ?: probe_claim(env, rs->skel->progs.rss_exec);
	r = r ?: probe_claim(env, rs->skel->progs.rss_exit);
	if (r)
		goto fail;
	*state = rs;
	return 0;
fail:
	rss_probe.destroy(rs);
	return r;
}

/* The process is the one the probe saw if /proc/PID/stat shows the same start. */
static bool still_there(const struct rss *rs, const struct mp_proc_key *k)
{
	char path[64], buf[2048];
	struct pstat st;
	__u64 ticks = k->start_ns / (1000000000ULL / rs->hz);

	snprintf(path, sizeof(path), "/proc/%u/stat", k->tgid);
	if (read_text(path, buf, sizeof(buf)) < 0 || pstat_parse(buf, &st))
		return false;
	return st.starttime + 1 >= ticks && st.starttime <= ticks + 1;
}

/* The process a CPU's slot holds: newer than its map entry, or not in the map yet. */
static int add_slot(struct rss *rs, struct agg *agg, const struct mp_proc_slot *s)
{
	struct agg_proc p;
	size_t i;
	int k;

	for (i = 0; i < agg->n_procs; i++) {
		struct agg_proc *a = &agg->procs[i];

		if (a->tgid != s->key.tgid || a->start_ns != s->key.start_ns)
			continue;
		memcpy(a->cur, s->val.cur, sizeof(a->cur));
		for (k = 0; k < MP_RSS_MEMBERS; k++)
			if (s->val.peak[k] > a->peak[k])
				a->peak[k] = s->val.peak[k];
		a->updates += s->val.updates;
		a->cgid = s->val.cgid;
		memcpy(a->comm, s->val.comm, sizeof(a->comm));
		return 0;
	}
	memset(&p, 0, sizeof(p));
	p.tgid = s->key.tgid;
	p.start_ns = s->key.start_ns;
	p.cgid = s->val.cgid;
	memcpy(p.cur, s->val.cur, sizeof(p.cur));
	memcpy(p.peak, s->val.peak, sizeof(p.peak));
	p.updates = s->val.updates;
	memcpy(p.comm, s->val.comm, sizeof(p.comm));
	p.exited = !still_there(rs, &s->key);
	return agg_add_proc(agg, &p);
}

static int read_slots(struct rss *rs, struct agg *agg)
{
	size_t stride = (sizeof(struct mp_proc_slot) + 7) & ~(size_t)7;
	__u32 zero = 0;
	int cpu, r = 0;

	if (bpf_map_lookup_elem(bpf_map__fd(rs->skel->maps.proc_slot), &zero, rs->pcpu.buf))
		return -errno;
	for (cpu = 0; cpu < rs->pcpu.ncpu && !r; cpu++) {
		const struct mp_proc_slot *s = (const void *)((const char *)rs->pcpu.buf + cpu * stride);

		if (s->mm)
			r = add_slot(rs, agg, s);
	}
	return r;
}

static int rss_collect(void *state, struct agg *agg, bool final)
{
	struct rss *rs = state;
	int fd = bpf_map__fd(rs->skel->maps.procs), r;
	struct mp_proc_key key, next;
	struct mp_proc_val val;
	bool more, all, ask;

	(void)final;
	/*
	 * The exit hook marks what it sees, /proc confirms it. An unmarked
	 * entry is asked of /proc only where the hook cannot see other CPUs'
	 * slots, and once for all, for exits between the probes' attachment.
	 */
	all = !rs->swept || !rs->skel->bss->rss_exits_complete;
	more = !bpf_map_get_next_key(fd, NULL, &next);
	while (more) {
		struct agg_proc p;

		key = next;
		/* Find the successor before a deletion can unlink this key. */
		more = !bpf_map_get_next_key(fd, &key, &next);
		if (bpf_map_lookup_elem(fd, &key, &val))
			continue;
		ask = all || val.exited;
		memset(&p, 0, sizeof(p));
		p.tgid = key.tgid;
		p.start_ns = key.start_ns;
		p.cgid = val.cgid;
		memcpy(p.cur, val.cur, sizeof(p.cur));
		memcpy(p.peak, val.peak, sizeof(p.peak));
		p.updates = val.updates;
		memcpy(p.comm, val.comm, sizeof(p.comm));
		p.exited = ask ? !still_there(rs, &key) : false;
		r = agg_add_proc(agg, &p);
		if (r)
			return r;
		if (p.exited)
			bpf_map_delete_elem(fd, &key);
	}
	rs->swept = true;
	return read_slots(rs, agg);
}

static void rss_destroy(void *state)
{
	struct rss *rs = state;

	if (!rs)
		return;
	percpu_free(&rs->pcpu);
	free(rs);
}

const struct probe_ops rss_probe = {
	.name = "rss",
	.optional = true,
	.per_fault = true,
	.open = rss_open,
	.collect = rss_collect,
	.destroy = rss_destroy,
};
