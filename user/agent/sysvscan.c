// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Reading the SysV tables at each sample: memprobe's own IPC namespace
 * directly, every other one that a watched process (or a SysV call the
 * probe saw) lives in through the namespace reader (sys/ipcns.h). Each
 * table feeds the segment lives (model/sysv.h); a segment that became an
 * orphan is reported with the command that removes it, in its namespace.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "agent/events.h"
#include "sys/array.h"
#include "sys/log.h"
#include "sys/util.h"

#define SHM_TEXT_MAX	(4 << 20)
#define SHM_ROWS_MAX	16384
#define DISCOVER_EVERY_S	10.0	/* the namespaces of the watched processes, looked for again */

void ipc_init(struct ipc *ipc)
{
	memset(ipc, 0, sizeof(*ipc));
	ipc->reader.fd = -1;
	ipc->own = ipcns_of(getpid());
	ipc->hz = sysconf(_SC_CLK_TCK);
	ipc->btime = kstat_boot_time();
}

void ipc_free(struct ipc *ipc)
{
	ipcns_reader_stop(&ipc->reader);
	free(ipc->v);
	memset(ipc, 0, sizeof(*ipc));
	ipc->reader.fd = -1;
}

int ipc_start_reader(struct ipc *ipc)
{
	return ipcns_reader_start(&ipc->reader);
}

static struct ipcns *find_ns(struct ipc *ipc, __u32 ns)
{
	size_t i;

	for (i = 0; i < ipc->n; i++)
		if (ipc->v[i].ns == ns)
			return &ipc->v[i];
	return NULL;
}

void ipc_learn(struct ipc *ipc, __u32 ns, pid_t pid)
{
	struct ipcns *e;

	if (!ns || ns == ipc->own)
		return;
	e = find_ns(ipc, ns);
	if (!e) {
		if (ARRAY_GROW(ipc->v, ipc->cap, ipc->n, 4))
			return;
		e = &ipc->v[ipc->n++];
		memset(e, 0, sizeof(*e));
		e->ns = ns;
	}
	if (!e->pid)
		e->pid = pid;
}

/* The namespaces of the watched processes, now and then: a stat per process. */
static void discover(struct events *ev)
{
	const struct targets *ts = ev->targets;
	double now = now_monotonic();
	size_t i;

	if (ev->ipc.last_discovery && now - ev->ipc.last_discovery < DISCOVER_EVERY_S)
		return;
	ev->ipc.last_discovery = now;
	for (i = 0; i < ev->ipc.n; i++)
		ev->ipc.v[i].pid = 0;	/* found again below, or by the next call the probe sees */
	for (i = 0; i < ts->n_pids; i++) {
		__u32 ns = ipcns_of(ts->pids[i].pid);

		ipc_learn(&ev->ipc, ns, ts->pids[i].pid);
	}
}

/* Whether the creator is gone: no such pid, or the pid now belongs to a later process. */
static bool creator_gone(void *ctx, const struct sysv_seg *row)
{
	const struct events *ev = ctx;
	char path[64], buf[2048];
	struct pstat st;

	snprintf(path, sizeof(path), "/proc/%d/stat", row->cpid);
	if (row->cpid <= 0 || read_text(path, buf, sizeof(buf)) < 0 || pstat_parse(buf, &st))
		return true;
	return ev->ipc.btime > 0 && ev->ipc.btime + (double)st.starttime / ev->ipc.hz > (double)row->ctime + 1;
}

static __u64 cgroup_of(void *ctx, __s32 pid)
{
	const struct events *ev = ctx;
	struct cg_target cg;

	return cg_of_pid(ev->hier, pid, &cg) ? 0 : cg.id;
}

static void report_orphan(void *ctx, const struct seg *s, const struct sysv_seg *row)
{
	struct events *ev = ctx;
	struct rec_shm_orphan r = { 0 };
	char cmd[96], comm[MP_COMM_LEN + 1];

	/* A segment of unknown origin belongs to the whole machine's picture only. */
	if (s->cgid ? !events_watched(ev, s->cgid) : !ev->targets->machine)
		return;
	memcpy(comm, s->comm, MP_COMM_LEN);
	comm[MP_COMM_LEN] = '\0';
	/* Ids are per namespace: the command enters it, through a process that lives there. */
	if (s->ns == ev->ipc.own || !ev->ipc.scan_pid)
		snprintf(cmd, sizeof(cmd), "ipcrm -m %d", row->shmid);
	else
		snprintf(cmd, sizeof(cmd), "nsenter --ipc=/proc/%d/ns/ipc ipcrm -m %d", (int)ev->ipc.scan_pid,
			 row->shmid);
	r.ts = now_realtime();
	r.shmid = row->shmid;
	r.key = row->key;
	r.size_bytes = row->size;
	r.rss_bytes = row->rss;
	r.creator_pid = (__u32)row->cpid;
	r.creator_comm = comm;
	r.cgroup = cgnames_get(ev->names, s->cgid);
	r.cgroup_id = s->cgid;
	r.created = (double)row->ctime;
	r.last_detached = (double)row->dtime;
	r.memory_bytes = row->rss + row->swap;
	r.last_pid = (__u32)row->lpid;
	r.remove_command = cmd;
	r.ipc_ns = s->ns;
	events_note(ev, sinks_shm_orphan(ev->sinks, &r));
}

static const struct sysv_scan_ops scan_ops = {
	.creator_gone = creator_gone,
	.cgroup_of = cgroup_of,
	.orphan = report_orphan,
};

/* One namespace's table, read and applied. */
static int scan_one(struct events *ev, __u32 ns, pid_t through, bool first, char *text, struct sysv_seg *rows)
{
	ssize_t len;
	int n;

	len = ns == ev->ipc.own ? read_text("/proc/sysvipc/shm", text, SHM_TEXT_MAX) :
				  ipcns_read(&ev->ipc.reader, through, ns, text, SHM_TEXT_MAX);
	if (len < 0)
		return (int)len;
	n = sysvshm_parse(text, rows, SHM_ROWS_MAX);
	if (n < 0)
		return n;
	ev->ipc.scan_pid = through;
	sysv_scan(&ev->sysv, ns, first, rows, (size_t)n < SHM_ROWS_MAX ? (size_t)n : SHM_ROWS_MAX, &scan_ops, ev);
	ev->ipc.scan_pid = 0;
	return 0;
}

int events_scan(struct events *ev)
{
	struct sysv_seg *rows = calloc(SHM_ROWS_MAX, sizeof(*rows));
	char *text = malloc(SHM_TEXT_MAX);
	size_t i;
	int r = -ENOMEM;

	if (!text || !rows)
		goto out;
	r = scan_one(ev, ev->ipc.own, 0, !ev->ipc.own_scanned, text, rows);
	if (r)
		goto out;
	ev->ipc.own_scanned = true;
	discover(ev);
	for (i = 0; i < ev->ipc.n; i++) {
		struct ipcns *e = &ev->ipc.v[i];
		int s;

		if (!e->pid)
			continue;	/* nobody watched lives there now: read it when someone does */
		s = scan_one(ev, e->ns, e->pid, !e->scanned, text, rows);
		if (!s) {
			e->scanned = true;
			continue;
		}
		if (s == -ESRCH) {
			/* The process it was entered through is gone: look for another at the next sample. */
			e->pid = 0;
			ev->ipc.last_discovery = 0;
		}
		else if (!e->said) {
			e->said = true;
			log_warn("cannot read the SysV shared memory of IPC namespace %u (%s%s): its orphans are not reported",
				 e->ns, strerror(-s), s == -EPERM ? ": entering it needs CAP_SYS_ADMIN" : "");
		}
	}
out:
	free(text);
	free(rows);
	return r;
}
