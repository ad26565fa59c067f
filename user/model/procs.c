// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "model/procs.h"
#include "sys/array.h"

/*
 * Processes that have exited stay for the summary, up to this many (the
 * largest by peak): each keeps its trend, 4 KiB, so a service that forks
 * all day must not grow the agent by that much for each.
 */
#define EXITED_KEPT	64

void procs_init(struct procs *p, double cpu_span)
{
	memset(p, 0, sizeof(*p));
	p->hz = sysconf(_SC_CLK_TCK);
	p->page = sysconf(_SC_PAGESIZE);
	p->ncpu = (int)sysconf(_SC_NPROCESSORS_ONLN);
	p->cpu_span = cpu_span;
}

/* The CPUs a process may run on: its affinity, else every online one. */
static int cpus_of(const struct procs *p, __u32 pid)
{
	cpu_set_t set;
	int n;

	if (sched_getaffinity((pid_t)pid, sizeof(set), &set))
		return p->ncpu > 0 ? p->ncpu : 1;
	n = CPU_COUNT(&set);
	return n > 0 && (p->ncpu <= 0 || n < p->ncpu) ? n : (p->ncpu > 0 ? p->ncpu : 1);
}

void procs_free(struct procs *p)
{
	size_t i;

	for (i = 0; i < p->n; i++)
		trend_free(&p->v[i].anon);
	free(p->v);
	free(p->by_pid);
	memset(p, 0, sizeof(*p));
}

static size_t pid_slot(__u32 pid, size_t cap)
{
	return (size_t)(((__u64)pid * 0x9e3779b97f4a7c15ULL) >> 20) & (cap - 1);
}

static void index_put(struct procs *p, size_t i)
{
	size_t s = pid_slot(p->v[i].pid, p->by_pid_cap);

	while (p->by_pid[s])
		s = (s + 1) & (p->by_pid_cap - 1);
	p->by_pid[s] = i + 1;
}

/* Rebuilds the index for p->n processes (and room to add): -ENOMEM leaves the old one. */
static int reindex(struct procs *p, size_t room)
{
	size_t cap = 64, i;
	size_t *v;

	while (cap < (p->n + room) * 2)
		cap *= 2;
	v = calloc(cap, sizeof(*v));
	if (!v)
		return -ENOMEM;
	free(p->by_pid);
	p->by_pid = v;
	p->by_pid_cap = cap;
	for (i = 0; i < p->n; i++)
		index_put(p, i);
	return 0;
}

/* The process pid started at start (within slack ticks); with ~0 start, the latest with that pid. */
static struct proc *find(struct procs *p, __u32 pid, __u64 start, __u64 slack)
{
	struct proc *best = NULL;
	size_t s;

	if (!p->by_pid_cap)
		return NULL;
	for (s = pid_slot(pid, p->by_pid_cap); p->by_pid[s]; s = (s + 1) & (p->by_pid_cap - 1)) {
		struct proc *pr = &p->v[p->by_pid[s] - 1];

		if (pr->pid != pid)
			continue;
		if (start == ~0ULL) {
			if (!best || pr->start > best->start)
				best = pr;
		} else if (pr->start + slack >= start && pr->start <= start + slack) {
			return pr;
		}
	}
	return best;
}

static struct proc *add(struct procs *p, __u32 pid, __u64 start)
{
	struct proc *pr;

	if (ARRAY_GROW(p->v, p->cap, p->n, 64))
		return NULL;
	if ((p->n + 1) * 2 > p->by_pid_cap && reindex(p, p->n + 64))
		return NULL;
	pr = &p->v[p->n++];
	memset(pr, 0, sizeof(*pr));
	pr->pid = pid;
	pr->start = start;
	trend_init(&pr->anon);
	index_put(p, p->n - 1);
	return pr;
}

static void raise_peak(__s64 *peak, __u64 pages)
{
	if ((__s64)pages > *peak)
		*peak = (__s64)pages;
}

static void sample(struct procs *p, struct proc *pr, const struct pstatus *st, const struct pstat *sp,
		   __u64 cgid, const struct verdict_cfg *cfg, double now)
{
	__u64 cpu = sp->utime + sp->stime;

	if (!pr->have_status) {
		pr->first = *st;
		pr->t_first = pr->t_ref = now;
		pr->cpu_ref = cpu;
	} else if (now - pr->t_ref >= p->cpu_span && now > pr->t_ref && cpu >= pr->cpu_ref) {
		/* Two readings of this process, far enough apart; one reading says nothing. */
		double pct = 100.0 * (double)(cpu - pr->cpu_ref) / p->hz / (now - pr->t_ref);
		double most = 100.0 * cpus_of(p, pr->pid);

		pr->cpu_percent = pct < most ? pct : most;
		pr->cpu_known = true;
		pr->cpu_ref = cpu;
		pr->t_ref = now;
	}
	pr->t_now = now;
	pr->now = *st;
	/* The highest reading too: the peak without the probe, a floor for it with the probe. */
	raise_peak(&pr->peak[MP_RSS_ANON], st->rss_anon / p->page);
	raise_peak(&pr->peak[MP_RSS_FILE], st->rss_file / p->page);
	raise_peak(&pr->peak[MP_RSS_SHMEM], st->rss_shmem / p->page);
	pr->have_status = true;
	pr->alive = true;
	pr->cgid = cgid;
	pr->updates_read = pr->updates;
	memcpy(pr->comm, sp->comm, sizeof(pr->comm));
	trend_add(&pr->anon, cfg, now, (double)st->rss_anon);
	verdict_eval(&pr->anon, cfg, &pr->verdict);
}

static void merge_probe(struct procs *p, const struct agg_proc *ap, bool (*wanted)(void *, __u64),
			void *ctx)
{
	__u64 ticks = ap->start_ns / (1000000000ULL / p->hz);
	struct proc *pr = find(p, ap->tgid, ticks, 1);
	int i;

	if (!pr) {
		/* Born and gone between two samples, or not read yet: the probe is all we have. */
		if (!wanted(ctx, ap->cgid))
			return;
		pr = add(p, ap->tgid, ticks);
		if (!pr)
			return;
		memcpy(pr->comm, ap->comm, sizeof(pr->comm));
		pr->cgid = ap->cgid;
		pr->alive = !ap->exited;
	}
	for (i = 0; i < MP_RSS_MEMBERS; i++)
		if (ap->peak[i] > pr->peak[i])
			pr->peak[i] = ap->peak[i];
	pr->updates = ap->updates;
	if (ap->exited) {
		pr->alive = false;
		pr->gone = true;
	}
}

static __s64 peak_rss(const struct proc *pr)
{
	return pr->peak[MP_RSS_ANON] + pr->peak[MP_RSS_FILE] + pr->peak[MP_RSS_SHMEM];
}

static int by_peak(const void *a, const void *b)
{
	__s64 x = peak_rss(*(const struct proc *const *)a), y = peak_rss(*(const struct proc *const *)b);

	return x < y ? 1 : x > y ? -1 : 0;
}

/* Keeps the exited processes with the largest peaks; their verdicts stay, their trends go. */
static int prune(struct procs *p)
{
	size_t exited = 0, i, j;
	struct proc **gone;
	__s64 floor;

	for (i = 0; i < p->n; i++) {
		if (p->v[i].alive)
			continue;
		exited++;
		trend_free(&p->v[i].anon);
	}
	if (exited <= EXITED_KEPT)
		return 0;
	/* The EXITED_KEPT-th largest peak: exited ones below it go (ties: the earliest listed stay). */
	gone = malloc(exited * sizeof(*gone));
	if (!gone)
		return -ENOMEM;
	for (i = 0, j = 0; i < p->n; i++)
		if (!p->v[i].alive)
			gone[j++] = &p->v[i];
	qsort(gone, exited, sizeof(*gone), by_peak);
	floor = peak_rss(gone[EXITED_KEPT - 1]);
	for (i = 0, j = 0; i < exited; i++)
		if (peak_rss(gone[i]) == floor && i < EXITED_KEPT)
			j++;	/* ties at the floor that are kept */
	free(gone);
	for (i = 0, exited = 0; i < p->n; i++) {
		struct proc *pr = &p->v[i];
		bool keep = pr->alive || peak_rss(pr) > floor || (peak_rss(pr) == floor && j && j--);

		if (keep)
			p->v[exited++] = *pr;
	}
	p->n = exited;
	return reindex(p, 64);
}

enum reading { READ_NONE, READ_STAT, READ_ALL };

/* What of pid's process is read from /proc this sample. */
static enum reading due_reading(const struct procs_due *due, const struct proc *pr, __u64 cgid, double now)
{
	if (!due || !pr || !pr->have_status || pr->gone || now - pr->t_status >= due->stale_s)
		return READ_ALL;
	if (!due->probe || pr->updates != pr->updates_read)
		return READ_ALL;
	/* Its memory did not move: status would say what it said; its CPU and size are in stat. */
	return due->followed(due->ctx, cgid) ? READ_STAT : READ_NONE;
}

/* Reads pid's process (what says how much), as new if its pid now names another. */
static int read_one(struct procs *p, const struct pid_cg *pc, struct proc *pr, enum reading what,
		    const struct verdict_cfg *cfg, double now)
{
	struct pstatus st;
	struct pstat sp;

	if (what == READ_STAT) {
		if (proc_read_stat(pc->pid, &sp) || sp.starttime + 1 < pr->start || sp.starttime > pr->start + 1) {
			what = READ_ALL;	/* gone, or its pid taken by another */
		} else {
			st = pr->now;
			st.vm_size = sp.vsize ? sp.vsize : st.vm_size;
		}
	}
	/* Kernel threads and processes gone since the cgroup was read are skipped. */
	if (what == READ_ALL && proc_read(pc->pid, &st, &sp))
		return 0;
	pr = find(p, pc->pid, sp.starttime, 1);
	if (!pr)
		pr = add(p, pc->pid, sp.starttime);
	if (!pr)
		return -ENOMEM;
	sample(p, pr, &st, &sp, pc->cgid, cfg, now);
	if (what == READ_ALL)
		pr->t_status = now;
	return 0;
}

/* A process of a shown cgroup whose memory did not move: read if it may be among those shown. */
struct still {
	size_t pid_at;		/* in pids */
	__u64 cgid;
	__u64 rss;
};

static int by_cgroup_rss(const void *a, const void *b)
{
	const struct still *x = a, *y = b;

	if (x->cgid != y->cgid)
		return x->cgid < y->cgid ? -1 : 1;
	return x->rss < y->rss ? 1 : x->rss > y->rss ? -1 : 0;
}

/*
 * Of the unmoved processes of the shown cgroups, each cgroup's largest
 * (as many as are shown) are read for their CPU; the others' figures are
 * those they had, and are not shown. Thousands of idle processes in one
 * cgroup cost a handful of reads, not thousands.
 */
static int read_still(struct procs *p, const struct pid_cg *pids, struct still *v, size_t n, unsigned int top,
		      const struct verdict_cfg *cfg, double now)
{
	size_t i, rank = 0;
	int r;

	qsort(v, n, sizeof(*v), by_cgroup_rss);
	for (i = 0; i < n; i++) {
		rank = i && v[i].cgid == v[i - 1].cgid ? rank + 1 : 0;
		if (rank >= top)
			continue;
		r = read_one(p, &pids[v[i].pid_at], find(p, pids[v[i].pid_at].pid, ~0ULL, 0), READ_STAT, cfg, now);
		if (r)
			return r;
	}
	return 0;
}

int procs_refresh(struct procs *p, const struct pid_cg *pids, size_t n, const struct agg *a,
		  bool (*wanted)(void *ctx, __u64 cgid), void *ctx, const struct verdict_cfg *cfg,
		  double now, const struct procs_due *due)
{
	struct still *still = NULL;
	size_t i, n_still = 0;
	int r = 0;

	for (i = 0; i < p->n; i++)
		p->v[i].alive = false;
	/* The probe first: what it saw move says whom to read. */
	for (i = 0; i < a->n_procs; i++)
		merge_probe(p, &a->procs[i], wanted, ctx);
	if (due && n) {
		still = malloc(n * sizeof(*still));
		if (!still)
			return -ENOMEM;
	}
	for (i = 0; i < n && !r; i++) {
		struct proc *pr = find(p, pids[i].pid, ~0ULL, 0);
		enum reading what;

		if (pr && pr->alive && pr->t_now == now)
			continue;	/* listed twice: nested targets */
		what = due_reading(due, pr, pids[i].cgid, now);
		if (what == READ_ALL) {
			r = read_one(p, &pids[i], pr, what, cfg, now);
			continue;
		}
		pr->alive = true;	/* still listed in its cgroup, and its memory did not move */
		if (what == READ_STAT)
			still[n_still++] = (struct still){ .pid_at = i, .cgid = pids[i].cgid, .rss = pr->now.vm_rss };
	}
	if (!r && n_still)
		r = read_still(p, pids, still, n_still, due->top, cfg, now);
	free(still);
	return r ?: prune(p);
}
