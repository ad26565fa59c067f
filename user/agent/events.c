// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "agent/events.h"
#include "sys/kstat.h"
#include "sys/util.h"

#define SHM_TEXT_MAX	(4 << 20)
#define SHM_ROWS_MAX	16384

static double boot_time(void)
{
	char buf[8192], *p;

	if (read_text("/proc/stat", buf, sizeof(buf)) < 0 || !(p = strstr(buf, "\nbtime ")))
		return 0;
	return strtod(p + 7, NULL);
}

int events_init(struct events *ev, struct sinks *sinks, const struct targets *ts, const struct cg_hier *h)
{
	memset(ev, 0, sizeof(*ev));
	ev->sinks = sinks;
	ev->targets = ts;
	ev->hier = h;
	ev->hz = sysconf(_SC_CLK_TCK);
	ev->btime = boot_time();
	cgnames_init(&ev->names, h);
	return 0;
}

void events_free(struct events *ev)
{
	cgnames_free(&ev->names);
	free(ev->segs);
	free(ev->ooms);
	memset(ev, 0, sizeof(*ev));
}

/* Event times are boot-clock nanoseconds; records carry Unix time. */
static double unix_time(__u64 boot_ns)
{
	struct timespec b;

	clock_gettime(CLOCK_BOOTTIME, &b);
	return now_realtime() - ((double)b.tv_sec + b.tv_nsec / 1e9 - boot_ns / 1e9);
}

static const char *name_of(struct events *ev, __u64 cgid)
{
	size_t i;

	if (!cgid)
		return "";
	for (i = 0; i < ev->targets->n; i++)
		if (ev->targets->v[i].cg.id == cgid)
			return ev->targets->v[i].cg.rel;
	return cgnames_get(&ev->names, cgid);
}

static void note(struct events *ev, int r)
{
	if (r && !ev->err)
		ev->err = r;
}

#define SEG_FREE	(-1)
#define SEG_GONE	(-2)	/* a tombstone: the probe goes on past it */

static size_t seg_slot(__s32 shmid, size_t cap)
{
	return (size_t)(((__u64)(__u32)shmid * 0x9E3779B97F4A7C15ULL) >> 32) & (cap - 1);
}

static struct seg *find_seg(struct events *ev, __s32 shmid)
{
	size_t s;

	if (!ev->cap_segs || shmid < 0)
		return NULL;
	for (s = seg_slot(shmid, ev->cap_segs); ev->segs[s].shmid != SEG_FREE; s = (s + 1) & (ev->cap_segs - 1))
		if (ev->segs[s].shmid == shmid)
			return &ev->segs[s];
	return NULL;
}

static void drop_seg(struct events *ev, struct seg *s)
{
	s->shmid = SEG_GONE;
	ev->n_segs--;
}

/* Rebuilds the table at a size fit for the live segments; tombstones go. */
static int rehash(struct events *ev, size_t cap)
{
	struct seg *old = ev->segs, *v;
	size_t i, n = ev->cap_segs, s;

	v = malloc(cap * sizeof(*v));
	if (!v)
		return -ENOMEM;
	for (i = 0; i < cap; i++)
		v[i].shmid = SEG_FREE;
	for (i = 0; i < n; i++) {
		if (old[i].shmid < 0)
			continue;
		for (s = seg_slot(old[i].shmid, cap); v[s].shmid != SEG_FREE; s = (s + 1) & (cap - 1))
			;
		v[s] = old[i];
	}
	free(old);
	ev->segs = v;
	ev->cap_segs = cap;
	ev->used_segs = ev->n_segs;
	return 0;
}

static struct seg *add_seg(struct events *ev, __s32 shmid)
{
	size_t cap = 64, s;

	while ((ev->n_segs + 1) * 2 > cap)
		cap *= 2;
	/*
	 * Grow at once; shrink only well below, once a storm's backlog (gets
	 * read before their removes) has drained, so the table does not keep
	 * its high-water mark for good.
	 */
	if (cap < ev->cap_segs && cap * 4 > ev->cap_segs)
		cap = ev->cap_segs;
	if ((ev->used_segs + 1) * 4 > ev->cap_segs * 3 || cap != ev->cap_segs)
		if (rehash(ev, cap))
			return NULL;
	for (s = seg_slot(shmid, ev->cap_segs); ev->segs[s].shmid >= 0; s = (s + 1) & (ev->cap_segs - 1))
		;
	if (ev->segs[s].shmid == SEG_FREE)
		ev->used_segs++;
	memset(&ev->segs[s], 0, sizeof(ev->segs[s]));
	ev->segs[s].shmid = shmid;
	ev->n_segs++;
	return &ev->segs[s];
}

static const char *const scopes[] = {
	[MP_OOM_UNKNOWN] = "unknown", [MP_OOM_SYSTEM] = "system", [MP_OOM_CPUSET] = "cpuset",
	[MP_OOM_MEMPOLICY] = "mempolicy", [MP_OOM_CGROUP] = "cgroup",
};

static const char *const shm_ops[] = {
	[MP_SHM_GET] = "get", [MP_SHM_ATTACH] = "attach", [MP_SHM_DETACH] = "detach", [MP_SHM_REMOVE] = "remove",
};

int events_shm(struct events *ev, const struct mp_shm_event *e)
{
	struct rec_shm r = { 0 };
	struct seg *s = find_seg(ev, e->shmid);
	char comm[MP_COMM_LEN + 1];
	__s32 key = e->key;
	__u64 size = e->size;

	if (e->op < MP_SHM_GET || e->op > MP_SHM_REMOVE)
		return 0;
	r.event = shm_ops[e->op];
	/*
	 * A get that returns an id memprobe has never seen made the segment; so
	 * did one by the creator of a segment a scan found during the run
	 * before this event was read.
	 */
	if (e->op == MP_SHM_GET && !s)
		s = add_seg(ev, e->shmid);
	if (e->op == MP_SHM_GET && s && !s->announced && (!s->cpid || s->cpid == (__s32)e->pid)) {
		r.event = "create";
		s->announced = true;
		s->key = e->key;
		s->size = e->size;
		s->cpid = (__s32)e->pid;
		s->cgid = e->cgid;
		memcpy(s->comm, e->comm, sizeof(s->comm));
	}
	if (e->op == MP_SHM_REMOVE && s) {
		/*
		 * Removed: gone now if nothing was attached, as in a storm; if it
		 * lingers attached, the next scan learns it again.
		 */
		key = s->key;
		size = s->size;
		drop_seg(ev, s);
		s = NULL;
	}
	if (!targets_have(ev->targets, e->cgid))
		return 0;
	memcpy(comm, e->comm, MP_COMM_LEN);
	comm[MP_COMM_LEN] = '\0';
	r.ts = unix_time(e->hdr.ts_ns);
	r.known = e->shmid >= 0;
	r.shmid = e->shmid;
	r.key = s ? s->key : key;
	r.size_bytes = s ? s->size : size;
	r.pid = e->pid;
	r.tid = e->tid;
	r.ipc_ns = e->ipc_ns;
	r.comm = comm;
	r.cgroup = name_of(ev, e->cgid);
	r.cgroup_id = e->cgid;
	r.addr = e->op == MP_SHM_ATTACH || e->op == MP_SHM_DETACH ? e->addr : 0;
	note(ev, sinks_shm(ev->sinks, &r));
	return 0;
}

static struct oom_count *oom_slot(struct events *ev, __u64 cgid)
{
	size_t i;

	for (i = 0; i < ev->n_ooms; i++)
		if (ev->ooms[i].cgid == cgid)
			return &ev->ooms[i];
	if (ev->n_ooms == ev->cap_ooms) {
		size_t cap = ev->cap_ooms ? ev->cap_ooms * 2 : 16;
		struct oom_count *v = realloc(ev->ooms, cap * sizeof(*v));

		if (!v)
			return NULL;
		ev->ooms = v;
		ev->cap_ooms = cap;
	}
	ev->ooms[ev->n_ooms] = (struct oom_count){ .cgid = cgid };
	return &ev->ooms[ev->n_ooms++];
}

int events_oom(struct events *ev, const struct mp_oom_event *e)
{
	long page = sysconf(_SC_PAGESIZE);
	struct oom_count *c = oom_slot(ev, e->cgid);
	struct rec_oom_kill r = { 0 };
	char comm[MP_COMM_LEN + 1];

	if (c)
		c->kills++;
	if (!targets_have(ev->targets, e->cgid) && !(e->oom_cgid && targets_have(ev->targets, e->oom_cgid)))
		return 0;
	memcpy(comm, e->comm, MP_COMM_LEN);
	comm[MP_COMM_LEN] = '\0';
	r.ts = unix_time(e->hdr.ts_ns);
	r.pid = e->pid;
	r.tid = e->tid;
	r.uid = e->uid;
	r.trigger_pid = e->trigger_pid;
	r.comm = comm;
	r.cgroup = name_of(ev, e->cgid);
	r.cgroup_id = e->cgid;
	r.anon_rss_bytes = e->rss[MP_RSS_ANON] > 0 ? (__u64)e->rss[MP_RSS_ANON] * page : 0;
	r.file_rss_bytes = e->rss[MP_RSS_FILE] > 0 ? (__u64)e->rss[MP_RSS_FILE] * page : 0;
	r.shmem_rss_bytes = e->rss[MP_RSS_SHMEM] > 0 ? (__u64)e->rss[MP_RSS_SHMEM] * page : 0;
	r.swap_bytes = e->rss[MP_RSS_SWAP] > 0 ? (__u64)e->rss[MP_RSS_SWAP] * page : 0;
	r.total_vm_bytes = e->total_vm_pages * page;
	r.oom_score_adj = e->oom_score_adj;
	r.scope = e->scope < sizeof(scopes) / sizeof(scopes[0]) ? scopes[e->scope] : "unknown";
	r.oom_cgroup = e->scope == MP_OOM_CGROUP ? name_of(ev, e->oom_cgid) : "";
	r.oom_cgroup_id = e->oom_cgid;
	r.limit_bytes = e->limit_pages * page;
	r.exact = e->exact;
	note(ev, sinks_oom_kill(ev->sinks, &r));
	return 0;
}

/* Whether the creator is gone: no such pid, or the pid now belongs to a later process. */
static bool creator_gone(const struct events *ev, const struct sysv_seg *row)
{
	char path[64], buf[2048];
	struct pstat st;

	snprintf(path, sizeof(path), "/proc/%d/stat", row->cpid);
	if (row->cpid <= 0 || read_text(path, buf, sizeof(buf)) < 0 || pstat_parse(buf, &st))
		return true;
	return ev->btime > 0 && ev->btime + (double)st.starttime / ev->hz > (double)row->ctime + 1;
}

static void learn(struct events *ev, struct seg *s, const struct sysv_seg *row)
{
	struct cg_target cg;

	s->key = row->key;
	s->size = row->size;
	s->cpid = row->cpid;
	/* Created before memprobe started: the creator, if alive, says where it ran. */
	if (!cg_of_pid(ev->hier, row->cpid, &cg))
		s->cgid = cg.id;
}

static void report_orphan(struct events *ev, struct seg *s, const struct sysv_seg *row)
{
	struct rec_shm_orphan r = { 0 };
	char cmd[32], comm[MP_COMM_LEN + 1];

	s->orphan_reported = true;
	/* A segment of unknown origin belongs to the whole machine's picture only. */
	if (s->cgid ? !targets_have(ev->targets, s->cgid) : !ev->targets->machine)
		return;
	memcpy(comm, s->comm, MP_COMM_LEN);
	comm[MP_COMM_LEN] = '\0';
	snprintf(cmd, sizeof(cmd), "ipcrm -m %d", row->shmid);
	r.ts = now_realtime();
	r.shmid = row->shmid;
	r.key = row->key;
	r.size_bytes = row->size;
	r.rss_bytes = row->rss;
	r.creator_pid = (__u32)row->cpid;
	r.creator_comm = comm;
	r.cgroup = name_of(ev, s->cgid);
	r.cgroup_id = s->cgid;
	r.created = (double)row->ctime;
	r.last_detached = (double)row->dtime;
	r.memory_bytes = row->rss + row->swap;
	r.last_pid = (__u32)row->lpid;
	r.remove_command = cmd;
	note(ev, sinks_shm_orphan(ev->sinks, &r));
}

int events_scan(struct events *ev)
{
	struct sysv_seg *rows = NULL;
	char *text = malloc(SHM_TEXT_MAX);
	size_t i;
	int n, r = 0;

	rows = calloc(SHM_ROWS_MAX, sizeof(*rows));
	if (!text || !rows) {
		r = -ENOMEM;
		goto out;
	}
	r = (int)read_text("/proc/sysvipc/shm", text, SHM_TEXT_MAX);
	if (r < 0)
		goto out;
	n = sysvshm_parse(text, rows, SHM_ROWS_MAX);
	if (n < 0) {
		r = n;
		goto out;
	}
	r = 0;
	for (i = 0; i < ev->cap_segs; i++)
		ev->segs[i].seen = false;
	for (i = 0; i < (size_t)n && i < SHM_ROWS_MAX; i++) {
		struct seg *s = find_seg(ev, rows[i].shmid);

		if (!s && (s = add_seg(ev, rows[i].shmid))) {
			learn(ev, s, &rows[i]);
			/* Found at the first scan, it predates memprobe: no create to report. */
			s->announced = ev->scans == 0;
		}
		if (!s)
			continue;
		s->seen = true;
		s->size = rows[i].size;
		if (rows[i].nattch > 0 || (rows[i].perms & SYSV_SHM_DEST)) {
			s->orphan_reported = false;	/* in use again: report it if it is orphaned again */
			continue;
		}
		if (!s->orphan_reported && creator_gone(ev, &rows[i]))
			report_orphan(ev, s, &rows[i]);
	}
	ev->scans++;
	/* Segments no longer listed were removed. */
	for (i = 0; i < ev->cap_segs; i++)
		if (ev->segs[i].shmid >= 0 && !ev->segs[i].seen)
			drop_seg(ev, &ev->segs[i]);
out:
	free(text);
	free(rows);
	return r;
}

const char *events_cgroup_name(struct events *ev, __u64 cgid)
{
	return name_of(ev, cgid);
}

__u64 events_oom_kills(const struct events *ev, const struct target *t)
{
	__u64 n = 0;
	size_t i;

	for (i = 0; i < ev->n_ooms; i++)
		if (target_has(t, ev->ooms[i].cgid))
			n += ev->ooms[i].kills;
	return n;
}

void events_shm_usage(const struct events *ev, const struct target *t, __u64 *segments, __u64 *bytes,
		      __u64 *orphans)
{
	size_t i;

	*segments = *bytes = *orphans = 0;
	for (i = 0; i < ev->cap_segs; i++) {
		const struct seg *s = &ev->segs[i];

		if (s->shmid < 0 || !s->cgid || !target_has(t, s->cgid))
			continue;
		(*segments)++;
		*bytes += s->size;
		*orphans += s->orphan_reported;
	}
}
