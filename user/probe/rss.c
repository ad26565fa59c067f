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
#include "sys/util.h"

struct rss {
	struct memprobe_bpf *skel;	/* shared: the registry owns it */
	long hz;
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
	r = bpf_map__set_max_entries(rs->skel->maps.procs, o->max_tasks);
	r = r ?: probe_claim(env, rs->skel->progs.rss_stat);
	r = r ?: probe_claim(env, rs->skel->progs.rss_exec);
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

static int rss_collect(void *state, struct agg *agg, bool final)
{
	struct rss *rs = state;
	int fd = bpf_map__fd(rs->skel->maps.procs), r;
	struct mp_proc_key key, next;
	struct mp_proc_val val;
	bool more;

	(void)final;
	more = !bpf_map_get_next_key(fd, NULL, &next);
	while (more) {
		struct agg_proc p;

		key = next;
		/* Find the successor before a deletion can unlink this key. */
		more = !bpf_map_get_next_key(fd, &key, &next);
		if (bpf_map_lookup_elem(fd, &key, &val))
			continue;
		memset(&p, 0, sizeof(p));
		p.tgid = key.tgid;
		p.start_ns = key.start_ns;
		p.cgid = val.cgid;
		memcpy(p.cur, val.cur, sizeof(p.cur));
		memcpy(p.peak, val.peak, sizeof(p.peak));
		p.updates = val.updates;
		memcpy(p.comm, val.comm, sizeof(p.comm));
		p.exited = !still_there(rs, &key);
		r = agg_add_proc(agg, &p);
		if (r)
			return r;
		if (p.exited)
			bpf_map_delete_elem(fd, &key);
	}
	return 0;
}

static void rss_destroy(void *state)
{
	free(state);
}

const struct probe_ops rss_probe = {
	.name = "rss",
	.optional = true,
	.per_fault = true,
	.open = rss_open,
	.collect = rss_collect,
	.destroy = rss_destroy,
};
