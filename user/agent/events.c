// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "agent/events.h"
#include "output/build.h"
#include "sys/kstat.h"
#include "sys/util.h"

void events_init(struct events *ev, struct sinks *sinks, const struct targets *ts, const struct procs *ps,
		 const struct cg_hier *h, struct cgnames *names)
{
	memset(ev, 0, sizeof(*ev));
	ev->sinks = sinks;
	ev->targets = ts;
	ev->procs = ps;
	ev->hier = h;
	ev->names = names;
	sysv_init(&ev->sysv);
	ipc_init(&ev->ipc);
	ooms_init(&ev->ooms);
}

void events_free(struct events *ev)
{
	ipc_free(&ev->ipc);
	sysv_free(&ev->sysv);
	ooms_free(&ev->ooms);
	memset(ev, 0, sizeof(*ev));
}

/*
 * Event times are boot-clock nanoseconds; records carry Unix time. The
 * boot clock is read between two reads of the real-time one: a preemption
 * between two reads would otherwise move the event by its length.
 */
static double unix_time(__u64 boot_ns)
{
	double before = now_realtime(), boot = now_boottime(), after = now_realtime();

	return (before + after) / 2 - (boot - boot_ns / 1e9);
}

void events_note(struct events *ev, int r)
{
	if (r && !ev->err)
		ev->err = r;
}

bool events_watched(const struct events *ev, __u64 cgid)
{
	return targets_owner(ev->targets, cgid) != NULL;
}

int events_shm(void *ctx, const struct mp_shm_event *e)
{
	struct events *ev = ctx;
	struct rec_shm r = { 0 };
	char comm[MP_COMM_LEN + 1];
	struct sysv_call call;

	sysv_apply(&ev->sysv, e, &call);
	ipc_learn(&ev->ipc, e->ipc_ns, (pid_t)e->pid);
	if (!call.event || !events_watched(ev, e->cgid))
		return 0;
	memcpy(comm, e->comm, MP_COMM_LEN);
	comm[MP_COMM_LEN] = '\0';
	r.ts = unix_time(e->hdr.ts_ns);
	r.event = call.event;
	r.known = e->shmid >= 0;
	r.shmid = e->shmid;
	r.key = call.key;
	r.size_bytes = call.size;
	r.pid = e->pid;
	r.tid = e->tid;
	r.ipc_ns = e->ipc_ns;
	r.comm = comm;
	r.cgroup = cgnames_get(ev->names, e->cgid);
	r.cgroup_id = e->cgid;
	r.addr = e->op == MP_SHM_ATTACH || e->op == MP_SHM_DETACH ? e->addr : 0;
	events_note(ev, sinks_shm(ev->sinks, &r));
	return 0;
}

static const char *const scopes[] = {
	[MP_OOM_UNKNOWN] = "unknown", [MP_OOM_SYSTEM] = "system", [MP_OOM_CPUSET] = "cpuset",
	[MP_OOM_MEMPOLICY] = "mempolicy", [MP_OOM_CGROUP] = "cgroup",
};

static __u64 pages_bytes(__s64 pages, long page)
{
	return pages > 0 ? (__u64)pages * page : 0;
}

/* What led to the kill: from the watched cgroup the victim belongs to, or whose limit was hit. */
static void pre_kill(struct events *ev, const struct mp_oom_event *e, struct rec_oom_kill *r,
		     struct rec_reading *readings, struct rec_proc *procs)
{
	const struct target *t = targets_owner(ev->targets, e->cgid);

	if (!t && e->oom_cgid)
		t = targets_owner(ev->targets, e->oom_cgid);
	if (t)
		report_pre_kill(r, t, ev->procs, readings, procs, PRE_KILL_PROCS);
}

int events_oom(void *ctx, const struct mp_oom_event *e)
{
	struct rec_reading readings[HEALTH_READINGS];
	struct rec_proc procs[PRE_KILL_PROCS];
	struct events *ev = ctx;
	long page = sysconf(_SC_PAGESIZE);
	struct rec_oom_kill r = { 0 };
	char comm[MP_COMM_LEN + 1];

	ooms_count(&ev->ooms, e->cgid);
	if (!events_watched(ev, e->cgid) && !(e->oom_cgid && events_watched(ev, e->oom_cgid)))
		return 0;
	memcpy(comm, e->comm, MP_COMM_LEN);
	comm[MP_COMM_LEN] = '\0';
	r.ts = unix_time(e->hdr.ts_ns);
	r.boot_ts = e->hdr.ts_ns / 1e9;
	r.pid = e->pid;
	r.tid = e->tid;
	r.uid = e->uid;
	r.trigger_pid = e->trigger_pid;
	r.comm = comm;
	r.cgroup = cgnames_get(ev->names, e->cgid);
	r.cgroup_id = e->cgid;
	r.anon_rss_bytes = pages_bytes(e->rss[MP_RSS_ANON], page);
	r.file_rss_bytes = pages_bytes(e->rss[MP_RSS_FILE], page);
	r.shmem_rss_bytes = pages_bytes(e->rss[MP_RSS_SHMEM], page);
	r.swap_bytes = pages_bytes(e->rss[MP_RSS_SWAP], page);
	r.total_vm_bytes = e->total_vm_pages * page;
	r.oom_score_adj = e->oom_score_adj;
	r.scope = e->scope < sizeof(scopes) / sizeof(scopes[0]) ? scopes[e->scope] : "unknown";
	r.oom_cgroup = e->scope == MP_OOM_CGROUP ? cgnames_get(ev->names, e->oom_cgid) : "";
	r.oom_cgroup_id = e->oom_cgid;
	r.limit_bytes = e->limit_pages * page;
	r.exact = e->exact;
	pre_kill(ev, e, &r, readings, procs);
	events_note(ev, sinks_oom_kill(ev->sinks, &r));
	return 0;
}
