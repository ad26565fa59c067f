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
	memset(p, 0, sizeof(*p));
}

static struct proc *find(struct procs *p, __u32 pid, __u64 start, __u64 slack)
{
	size_t i;

	for (i = 0; i < p->n; i++)
		if (p->v[i].pid == pid && p->v[i].start + slack >= start && p->v[i].start <= start + slack)
			return &p->v[i];
	return NULL;
}

static struct proc *add(struct procs *p, __u32 pid, __u64 start)
{
	struct proc *pr;

	if (ARRAY_GROW(p->v, p->cap, p->n, 64))
		return NULL;
	pr = &p->v[p->n++];
	memset(pr, 0, sizeof(*pr));
	pr->pid = pid;
	pr->start = start;
	trend_init(&pr->anon);
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
	if (ap->exited)
		pr->alive = false;
}

static __s64 peak_rss(const struct proc *pr)
{
	return pr->peak[MP_RSS_ANON] + pr->peak[MP_RSS_FILE] + pr->peak[MP_RSS_SHMEM];
}

/* Keeps the exited processes with the largest peaks; their verdicts stay, their trends go. */
static void prune(struct procs *p)
{
	size_t exited = 0, i;

	for (i = 0; i < p->n; i++) {
		if (p->v[i].alive)
			continue;
		exited++;
		trend_free(&p->v[i].anon);
	}
	while (exited-- > EXITED_KEPT) {
		size_t victim = p->n;

		for (i = 0; i < p->n; i++)
			if (!p->v[i].alive && (victim == p->n || peak_rss(&p->v[i]) < peak_rss(&p->v[victim])))
				victim = i;
		memmove(&p->v[victim], &p->v[victim + 1], (p->n - victim - 1) * sizeof(p->v[0]));
		p->n--;
	}
}

int procs_refresh(struct procs *p, const struct pid_cg *pids, size_t n, const struct agg *a,
		  bool (*wanted)(void *ctx, __u64 cgid), void *ctx, const struct verdict_cfg *cfg,
		  double now)
{
	size_t i;

	for (i = 0; i < p->n; i++)
		p->v[i].alive = false;
	for (i = 0; i < n; i++) {
		struct pstatus st;
		struct pstat sp;
		struct proc *pr;

		/* Kernel threads and processes gone since the cgroup was read are skipped. */
		if (proc_read(pids[i].pid, &st, &sp))
			continue;
		pr = find(p, pids[i].pid, sp.starttime, 0);
		if (!pr)
			pr = add(p, pids[i].pid, sp.starttime);
		if (!pr)
			return -ENOMEM;
		if (pr->alive)
			continue;	/* listed twice: nested targets */
		sample(p, pr, &st, &sp, pids[i].cgid, cfg, now);
	}
	for (i = 0; i < a->n_procs; i++)
		merge_probe(p, &a->procs[i], wanted, ctx);
	prune(p);
	return 0;
}
