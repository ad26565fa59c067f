// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "out/report.h"
#include "model/verdict.h"

#define PATH_LEN	PATH_MAX
#define NOTE_LEN	256

static __u64 page_bytes(__u64 pages)
{
	return pages * (__u64)sysconf(_SC_PAGESIZE);
}

static double rate(__u64 now, __u64 prev, double dt)
{
	return dt > 0 ? ((double)now - (double)prev) / dt : 0;
}

/* Clean page cache: what reclaim can drop without writing anything first. */
static __u64 reclaimable(const struct memstat *m)
{
	__u64 cache = memstat_page_cache(m), busy = m->file_dirty + m->file_writeback;

	return cache > busy ? cache - busy : 0;
}

/* Orders target indexes by a figure, largest first. */
struct rank {
	size_t idx;
	__u64 key1, key2;
};

static int by_rank(const void *a, const void *b)
{
	const struct rank *x = a, *y = b;

	if (x->key1 != y->key1)
		return x->key1 < y->key1 ? 1 : -1;
	if (x->key2 != y->key2)
		return x->key2 < y->key2 ? 1 : -1;
	return x->idx < y->idx ? -1 : x->idx > y->idx;
}

/*
 * Which targets to report: all of them, or for the whole machine the root
 * and the top leaves by (key1, key2). Returns the count written to idx.
 */
static size_t choose(const struct targets *ts, unsigned int top, bool summary, size_t *idx)
{
	struct rank *r;
	size_t i, n = 0, out = 0;

	if (!ts->machine) {
		for (i = 0; i < ts->n; i++)
			idx[out++] = i;
		return out;
	}
	idx[out++] = 0;
	r = calloc(ts->n, sizeof(*r));
	if (!r)
		return out;
	for (i = 1; i < ts->n; i++) {
		const struct target *t = &ts->v[i];

		if (!t->have_stat)
			continue;
		r[n].idx = i;
		r[n].key1 = summary ? t->cache_added : memstat_page_cache(&t->now);
		r[n].key2 = summary ? memstat_page_cache(&t->now) : t->now.anon;
		n++;
	}
	qsort(r, n, sizeof(*r), by_rank);
	for (i = 0; i < n && i < top; i++)
		idx[out++] = r[i].idx;
	free(r);
	return out;
}

static void fill_verdict(struct rec_verdict *rv, const struct verdict_result *vr)
{
	rv->verdict = verdict_name(vr->verdict);
	rv->confidence = vr->confidence;
	rv->growth_bytes_per_hour = vr->slope_per_hour;
	rv->r2 = vr->r2;
	rv->samples = vr->samples;
	rv->window_s = vr->span_s;
	rv->reason = vr->reason;
}

static void fill_proc(struct rec_proc *rp, const struct proc *pr, long page)
{
	memset(rp, 0, sizeof(*rp));
	rp->pid = pr->pid;
	rp->comm = pr->comm;
	rp->alive = pr->alive;
	if (pr->have_status) {
		rp->rss_bytes = pr->now.vm_rss;
		rp->anon_bytes = pr->now.rss_anon;
		rp->file_bytes = pr->now.rss_file;
		rp->shmem_bytes = pr->now.rss_shmem;
		rp->vms_bytes = pr->now.vm_size;
		rp->swap_bytes = pr->now.vm_swap;
		rp->rss_growth_bytes = (__s64)pr->now.vm_rss - (__s64)pr->first.vm_rss;
		rp->anon_growth_bytes = (__s64)pr->now.rss_anon - (__s64)pr->first.rss_anon;
	}
	rp->shared_bytes = rp->file_bytes + rp->shmem_bytes;
	rp->cpu_percent = pr->alive ? pr->cpu_percent : 0;
	rp->peak_anon_bytes = pr->peak[MP_RSS_ANON] > 0 ? (__u64)pr->peak[MP_RSS_ANON] * page : 0;
	rp->peak_rss_bytes = rp->peak_anon_bytes +
		(pr->peak[MP_RSS_FILE] > 0 ? (__u64)pr->peak[MP_RSS_FILE] * page : 0) +
		(pr->peak[MP_RSS_SHMEM] > 0 ? (__u64)pr->peak[MP_RSS_SHMEM] * page : 0);
	/* /proc can lag a spike the probe caught, but a peak is never below a reading. */
	if (rp->peak_rss_bytes < rp->rss_bytes)
		rp->peak_rss_bytes = rp->rss_bytes;
	if (rp->peak_anon_bytes < rp->anon_bytes)
		rp->peak_anon_bytes = rp->anon_bytes;
	fill_verdict(&rp->verdict, &pr->verdict);
}

struct ranked_proc {
	const struct proc *pr;
	__u64 key;
};

static int by_key(const void *a, const void *b)
{
	const struct ranked_proc *x = a, *y = b;

	if (x->key != y->key)
		return x->key < y->key ? 1 : -1;
	return x->pr->pid < y->pr->pid ? -1 : x->pr->pid > y->pr->pid;
}

/*
 * The target's living processes by RSS (or, exited, those gone by peak),
 * at most top of them, into out. Returns the count.
 */
static size_t target_processes(const struct target *t, const struct procs *ps, bool exited,
			       unsigned int top, struct rec_proc *out)
{
	struct ranked_proc *r;
	size_t i, n = 0;

	if (!ps || !ps->n)
		return 0;
	r = calloc(ps->n, sizeof(*r));
	if (!r)
		return 0;
	for (i = 0; i < ps->n; i++) {
		const struct proc *pr = &ps->v[i];
		struct rec_proc tmp;

		if (pr->alive == exited || !target_has(t, pr->cgid))
			continue;
		if (!exited && !pr->have_status)
			continue;	/* seen by the probe, not read from /proc yet */
		fill_proc(&tmp, pr, ps->page);
		r[n].pr = pr;
		r[n].key = exited ? tmp.peak_rss_bytes : tmp.rss_bytes;
		n++;
	}
	qsort(r, n, sizeof(*r), by_key);
	for (i = 0; i < n && i < top; i++)
		fill_proc(&out[i], r[i].pr, ps->page);
	free(r);
	return i;
}

int report_samples(struct report *rep, const struct report_input *in)
{
	const struct targets *ts = in->targets;
	double dt = ts->t_now - ts->t_prev;
	size_t *idx, n, i, at = 0;

	memset(rep, 0, sizeof(*rep));
	idx = calloc(ts->n, sizeof(*idx));
	rep->samples = calloc(ts->n, sizeof(*rep->samples));
	rep->processes = calloc(ts->n * in->top + 1, sizeof(*rep->processes));
	if (!idx || !rep->samples || !rep->processes) {
		free(idx);
		report_free(rep);
		return -ENOMEM;
	}
	n = choose(ts, in->top, false, idx);
	for (i = 0; i < n; i++) {
		const struct target *t = &ts->v[idx[i]];
		struct rec_sample *s = &rep->samples[i];

		s->ts = ts->t_now;
		s->cgroup = t->cg.rel;
		s->cgroup_id = t->cg.id;
		s->lives = t->lives;
		s->page_cache_bytes = memstat_page_cache(&t->now);
		s->page_cache_delta_bytes = (__s64)s->page_cache_bytes - (__s64)memstat_page_cache(&t->prev);
		s->page_cache_reclaimable_bytes = reclaimable(&t->now);
		s->anon_bytes = t->now.anon;
		s->anon_delta_bytes = (__s64)t->now.anon - (__s64)t->prev.anon;
		s->shmem_bytes = t->now.shmem;
		s->file_mapped_bytes = t->now.file_mapped;
		s->anon_rate_bytes_per_s = rate(t->now.anon, t->prev.anon, dt);
		s->file_mapped_rate_bytes_per_s = rate(t->now.file_mapped, t->prev.file_mapped, dt);
		s->shmem_rate_bytes_per_s = rate(t->now.shmem, t->prev.shmem, dt);
		s->page_cache_added_bytes = page_bytes(t->cache_added - t->prev_added);
		s->page_cache_removed_bytes = page_bytes(t->cache_removed - t->prev_removed);
		s->alloc_pages = t->alloc_pages - t->prev_alloc_pages;
		s->alloc_bytes_per_s = dt > 0 ? page_bytes(s->alloc_pages) / dt : 0;
		s->mem_available_bytes = ts->mi_now.available;
		s->buff_cache_bytes = meminfo_buff_cache(&ts->mi_now);
		s->mem_total_bytes = ts->mi_now.total;
		fill_verdict(&s->verdict, &t->verdict);
		s->top_processes = &rep->processes[at];
		s->n_top_processes = target_processes(t, in->procs, false, in->top, &rep->processes[at]);
		at += s->n_top_processes;
	}
	rep->n_samples = n;
	free(idx);
	return 0;
}

static int by_added_file(const void *a, const void *b)
{
	const struct agg_file *x = *(const struct agg_file *const *)a, *y = *(const struct agg_file *const *)b;

	if (x->added_pages != y->added_pages)
		return x->added_pages < y->added_pages ? 1 : -1;
	return x->removed_pages < y->removed_pages ? 1 : x->removed_pages > y->removed_pages ? -1 : 0;
}

static int by_added_proc(const void *a, const void *b)
{
	const struct rec_cache_proc *x = a, *y = b;

	if (x->added_bytes != y->added_bytes)
		return x->added_bytes < y->added_bytes ? 1 : -1;
	return x->pid < y->pid ? -1 : x->pid > y->pid;
}

static int by_file_id(const void *a, const void *b)
{
	const struct agg_file *x = *(const struct agg_file *const *)a, *y = *(const struct agg_file *const *)b;

	if (x->dev != y->dev)
		return x->dev < y->dev ? -1 : 1;
	return x->ino < y->ino ? -1 : x->ino > y->ino;
}

/*
 * A file's pages can be charged to several cgroups of one target; the
 * target shows the file once, with the sums. Sorting by (dev, ino) puts
 * the pieces side by side.
 */
static size_t target_files(const struct target *t, const struct agg *a, struct agg_file *merged,
			   const struct agg_file **order)
{
	size_t i, k = 0, n = 0;

	for (i = 0; i < a->n_files; i++)
		if (target_has(t, a->files[i].cgid))
			order[k++] = &a->files[i];
	qsort(order, k, sizeof(*order), by_file_id);
	for (i = 0; i < k; i++) {
		if (n && merged[n - 1].dev == order[i]->dev && merged[n - 1].ino == order[i]->ino) {
			merged[n - 1].added_pages += order[i]->added_pages;
			merged[n - 1].removed_pages += order[i]->removed_pages;
			if (!merged[n - 1].name)
				merged[n - 1].name = order[i]->name;
			continue;
		}
		merged[n++] = *order[i];
	}
	for (i = 0; i < n; i++)
		order[i] = &merged[i];
	qsort(order, n, sizeof(*order), by_added_file);
	return n;
}

static int by_pid(const void *a, const void *b)
{
	const struct rec_cache_proc *x = a, *y = b;

	return x->pid < y->pid ? -1 : x->pid > y->pid;
}

/* The same, for processes whose pages went to several cgroups of the target. */
static size_t target_cache_procs(const struct target *t, const struct agg *a, struct rec_cache_proc *out)
{
	size_t i, k = 0, n = 0;

	for (i = 0; i < a->n_tasks; i++) {
		const struct agg_task *task = &a->tasks[i];

		if (!target_has(t, task->cgid))
			continue;
		out[k].pid = task->tgid;
		out[k].comm = task->comm;
		out[k].added_bytes = page_bytes(task->cache_added_pages);
		k++;
	}
	qsort(out, k, sizeof(*out), by_pid);
	for (i = 0; i < k; i++) {
		if (n && out[n - 1].pid == out[i].pid) {
			out[n - 1].added_bytes += out[i].added_bytes;
			continue;
		}
		out[n++] = out[i];
	}
	qsort(out, n, sizeof(*out), by_added_proc);
	return n;
}

/* The POSIX shm files the target's processes use, with only those processes listed. */
static size_t target_posix(const struct target *t, const struct report_input *in, struct rec_posix_shm *out,
			   struct rec_posix_user **next, __u64 *bytes)
{
	const struct pshm *ps = in->pshm;
	size_t i, k, n = 0;

	*bytes = 0;
	for (i = 0; ps && i < ps->n; i++) {
		const struct pshm_file *f = &ps->v[i];
		size_t users = 0;

		for (k = 0; k < f->n_users; k++) {
			struct rec_posix_user *u = *next;

			if (!target_has(t, f->users[k].cgid))
				continue;
			u->pid = f->users[k].pid;
			u->comm = f->users[k].comm;
			u->cgroup = in->events ? events_cgroup_name(in->events, f->users[k].cgid) : "";
			(*next)++;
			users++;
		}
		if (!users)
			continue;
		out[n].path = f->path;
		out[n].size_bytes = f->size;
		out[n].memory_bytes = f->memory;
		out[n].users = *next - users;
		out[n].n_users = users;
		*bytes += f->memory;
		n++;
	}
	return n;
}

static void cache_note(char *buf, size_t len, const struct rec_summary *s)
{
	double mb = 1024.0 * 1024.0;

	if (s->page_cache_growth_bytes > 0)
		snprintf(buf, len,
			 "page cache grew %.1f MB during the run and %.1f MB of it is reclaimable now: that is cache, not a leak; the verdict looks at anon memory only",
			 s->page_cache_growth_bytes / mb, s->page_cache_reclaimable_bytes / mb);
	else
		snprintf(buf, len,
			 "page cache holds %.1f MB, %.1f MB of it reclaimable; page cache never makes a warning, the verdict looks at anon memory only",
			 s->page_cache_bytes / mb, s->page_cache_reclaimable_bytes / mb);
}

static void summary_figures(struct rec_summary *s, const struct targets *ts, const struct target *t)
{
	s->ts = ts->t_now;
	s->cgroup = t->cg.rel;
	s->cgroup_id = t->cg.id;
	s->duration_s = ts->t_now - ts->t_start;
	s->gone = t->gone;
	s->lives = t->lives;
	s->first_cgroup_id = t->first_id;
	s->page_cache_bytes = memstat_page_cache(&t->now);
	s->page_cache_start_bytes = memstat_page_cache(&t->first);
	s->page_cache_added_bytes = page_bytes(t->cache_added);
	s->page_cache_removed_bytes = page_bytes(t->cache_removed);
	s->page_cache_growth_bytes = (__s64)s->page_cache_bytes - (__s64)s->page_cache_start_bytes;
	s->page_cache_reclaimable_bytes = reclaimable(&t->now);
	s->anon_bytes = t->now.anon;
	s->anon_start_bytes = t->first.anon;
	s->anon_growth_bytes = (__s64)t->now.anon - (__s64)t->first.anon;
	s->anon_growth_bytes_per_hour = t->verdict.slope_per_hour;
	s->shmem_bytes = t->now.shmem;
	s->shmem_start_bytes = t->first.shmem;
	s->file_mapped_bytes = t->now.file_mapped;
	s->mem_available_bytes = ts->mi_now.available;
	s->mem_available_start_bytes = ts->mi_first.available;
	s->alloc_pages = t->alloc_pages;
	memcpy(s->alloc_order, t->alloc_order, sizeof(s->alloc_order));
	fill_verdict(&s->verdict, &t->verdict);
}

int report_summaries(struct report *rep, const struct report_input *in)
{
	const struct targets *ts = in->targets;
	const struct agg *a = in->agg;
	unsigned int top = in->top;
	size_t *idx = NULL, n, i, j, nf, np, files_at = 0, procs_at = 0, processes_at = 0, posix_at = 0;
	size_t posix_users = 0;
	struct rec_posix_user *next_user;
	const struct agg_file **order = NULL;
	struct rec_cache_proc *procs = NULL;
	struct agg_file *merged = NULL;
	int r = -ENOMEM;

	memset(rep, 0, sizeof(*rep));
	idx = calloc(ts->n, sizeof(*idx));
	rep->summaries = calloc(ts->n, sizeof(*rep->summaries));
	merged = calloc(a->n_files + 1, sizeof(*merged));
	order = calloc(a->n_files + 1, sizeof(*order));
	procs = calloc(a->n_tasks + 1, sizeof(*procs));
	if (!idx || !rep->summaries || !merged || !order || !procs)
		goto out;
	n = choose(ts, top, true, idx);
	rep->files = calloc(n * top + 1, sizeof(*rep->files));
	rep->procs = calloc(n * top + 1, sizeof(*rep->procs));
	rep->processes = calloc(2 * n * top + 1, sizeof(*rep->processes));
	rep->strings = calloc(n * (top + 1) + 1, PATH_LEN);
	for (i = 0; in->pshm && i < in->pshm->n; i++)
		posix_users += in->pshm->v[i].n_users;
	rep->posix = calloc(n * (in->pshm ? in->pshm->n : 0) + 1, sizeof(*rep->posix));
	rep->posix_users = calloc(n * posix_users + 1, sizeof(*rep->posix_users));
	if (!rep->files || !rep->procs || !rep->processes || !rep->strings || !rep->posix || !rep->posix_users)
		goto out;
	next_user = rep->posix_users;
	for (i = 0; i < n; i++) {
		const struct target *t = &ts->v[idx[i]];
		struct rec_summary *s = &rep->summaries[i];
		char *note = rep->strings + (n * top + i) * PATH_LEN;

		summary_figures(s, ts, t);
		s->lost_events = agg_lost(a);
		cache_note(note, NOTE_LEN, s);
		s->page_cache_note = note;

		nf = target_files(t, a, merged, order);
		s->top_files = &rep->files[files_at];
		for (j = 0; j < nf && j < top; j++) {
			const struct agg_file *f = order[j];
			struct rec_file *rf = &rep->files[files_at];
			char *path = rep->strings + files_at * PATH_LEN;
			struct file_ref ref = {
				.dev = kdev_to_dev(f->dev), .ino = f->ino, .name = f->name,
				.complete = f->complete, .magic = f->magic, .rdev = kdev_to_dev(f->rdev),
			};

			rf->dev = (__u32)ref.dev;
			rf->ino = f->ino;
			rf->added_bytes = page_bytes(f->added_pages);
			rf->removed_bytes = page_bytes(f->removed_pages);
			rf->cached_bytes = file_path(in->mounts, &ref, path, PATH_LEN) ?
				file_cached_bytes(path, ref.dev, f->ino) : -1;
			rf->path = path;
			files_at++;
			s->n_top_files++;
		}

		np = target_cache_procs(t, a, procs);
		s->cache_processes = &rep->procs[procs_at];
		for (j = 0; j < np && j < top; j++) {
			rep->procs[procs_at++] = procs[j];
			s->n_cache_processes++;
		}

		s->top_processes = &rep->processes[processes_at];
		s->n_top_processes = target_processes(t, in->procs, false, top, &rep->processes[processes_at]);
		processes_at += s->n_top_processes;
		s->exited_processes = &rep->processes[processes_at];
		s->n_exited_processes = target_processes(t, in->procs, true, top, &rep->processes[processes_at]);
		processes_at += s->n_exited_processes;

		if (in->events) {
			s->oom_kills = events_oom_kills(in->events, t);
			events_shm_usage(in->events, t, &s->sysv_shm_segments, &s->sysv_shm_bytes, &s->shm_orphans);
		}
		s->posix_shm = &rep->posix[posix_at];
		s->n_posix_shm = target_posix(t, in, &rep->posix[posix_at], &next_user, &s->posix_shm_bytes);
		posix_at += s->n_posix_shm;
	}
	rep->n_summaries = n;
	r = 0;
out:
	free(idx);
	free(merged);
	free(order);
	free(procs);
	if (r)
		report_free(rep);
	return r;
}

void report_free(struct report *rep)
{
	free(rep->samples);
	free(rep->summaries);
	free(rep->files);
	free(rep->procs);
	free(rep->processes);
	free(rep->posix);
	free(rep->posix_users);
	free(rep->strings);
	memset(rep, 0, sizeof(*rep));
}
