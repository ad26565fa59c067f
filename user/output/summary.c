// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The summary records: one per target at the end of a run (and, for
 * journald, now and then during it), with the lists that say where the
 * memory went: files, processes, exited processes, shared memory.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "output/build.h"
#include "output/report.h"
#include "sys/format.h"

#define PATH_LEN	PATH_MAX
#define NOTE_LEN	640

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
	if (x->ino != y->ino)
		return x->ino < y->ino ? -1 : 1;
	return x->gen < y->gen ? -1 : x->gen > y->gen;
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
		if (target_contains(t, a->files[i].cgid))
			order[k++] = &a->files[i];
	qsort(order, k, sizeof(*order), by_file_id);
	for (i = 0; i < k; i++) {
		if (n && merged[n - 1].dev == order[i]->dev && merged[n - 1].ino == order[i]->ino &&
		    merged[n - 1].gen == order[i]->gen) {
			merged[n - 1].added_pages += order[i]->added_pages;
			merged[n - 1].removed_pages += order[i]->removed_pages;
			if (!merged[n - 1].name)
				merged[n - 1].name = order[i]->name;
			merged[n - 1].deleted |= order[i]->deleted;
			continue;
		}
		merged[n++] = *order[i];
	}
	for (i = 0; i < n; i++)
		order[i] = &merged[i];
	qsort(order, n, sizeof(*order), by_added_file);
	return n;
}

/* By pid, and for one pid the newest name first. */
static int by_pid_newest(const void *a, const void *b)
{
	const struct agg_task *x = *(const struct agg_task *const *)a, *y = *(const struct agg_task *const *)b;

	if (x->tgid != y->tgid)
		return x->tgid < y->tgid ? -1 : 1;
	return x->comm_ns > y->comm_ns ? -1 : x->comm_ns < y->comm_ns;
}

/*
 * The processes that brought pages into t's cgroups, one row a pid (a
 * process counted in several cgroups, or in a CPU's slot and the map, is
 * one), under the newest name it had. order has room for a->n_tasks.
 */
static size_t target_cache_procs(const struct target *t, const struct agg *a, const struct agg_task **order,
				 struct rec_cache_proc *out)
{
	size_t i, k = 0, n = 0;

	for (i = 0; i < a->n_tasks; i++)
		if (target_contains(t, a->tasks[i].cgid))
			order[k++] = &a->tasks[i];
	qsort(order, k, sizeof(*order), by_pid_newest);
	for (i = 0; i < k; i++) {
		if (n && out[n - 1].pid == order[i]->tgid) {
			out[n - 1].added_bytes += report_page_bytes(order[i]->cache_added_pages);
			continue;
		}
		out[n].pid = order[i]->tgid;
		out[n].comm = order[i]->comm;
		out[n].added_bytes = report_page_bytes(order[i]->cache_added_pages);
		n++;
	}
	qsort(out, n, sizeof(*out), by_added_proc);
	return n;
}

/*
 * What could not be counted for the target: what its own cgroups lost for
 * want of room in the per-file and per-process maps (the kernel counts it
 * against them), and every loss that cannot be laid at a cgroup's door.
 */
static __u64 target_lost(const struct target *t, const struct agg *a)
{
	__u64 shared = agg_lost(a) - a->drops[MP_DROP_FILE_FULL] - a->drops[MP_DROP_TASK_FULL] -
		       a->drops[MP_DROP_NAME_FULL];

	return t->sum.lost_files + t->sum.lost_tasks + t->sum.lost_names + shared;
}

/* A file's pages by the cgroup they were charged to, from the shmem probe: the target's, all, and the largest. */
static __u64 charged_pages(const struct agg *a, const struct pshm_file *f, const struct target *t, __u64 *total,
			   __u64 *top_cgid)
{
	__u64 mine = 0, top = 0;
	size_t i;

	*total = 0;
	*top_cgid = 0;
	for (i = 0; a && i < a->n_shmem; i++) {
		const struct agg_shmem *e = &a->shmem[i];

		if (kdev_to_dev(e->dev) != f->dev || e->ino != f->ino)
			continue;
		*total += e->pages;
		if (target_contains(t, e->cgid))
			mine += e->pages;
		if (e->pages > top) {
			top = e->pages;
			*top_cgid = e->cgid;
		}
	}
	return mine;
}

/* The part of a file's memory that counts for the target: in proportion to its pages charged there. */
static __u64 charged_share(const struct pshm_file *f, __u64 mine, __u64 total)
{
	return total ? (__u64)((double)f->memory * (double)mine / (double)total) : 0;
}

/*
 * The POSIX shm files of the target: those whose pages were charged to
 * its cgroups (its share of their memory counts for it), and those its
 * processes use (listed, counted only as far as they were charged to it).
 */
static size_t target_posix(const struct target *t, const struct report_input *in, struct rec_posix_shm *out,
			   struct rec_posix_user **next, __u64 *bytes)
{
	const struct pshm *ps = in->pshm;
	size_t i, k, n = 0;

	*bytes = 0;
	for (i = 0; ps && i < ps->n; i++) {
		const struct pshm_file *f = &ps->v[i];
		__u64 total, top, mine = charged_pages(in->agg, f, t, &total, &top);
		size_t users = 0;

		for (k = 0; k < f->n_users; k++) {
			struct rec_posix_user *u = *next;

			if (!target_contains(t, f->users[k].cgid))
				continue;
			u->pid = f->users[k].pid;
			u->comm = f->users[k].comm;
			u->cgroup = in->names ? cgnames_get(in->names, f->users[k].cgid) : "";
			(*next)++;
			users++;
		}
		if (!users && !mine)
			continue;
		out[n].path = f->path;
		out[n].size_bytes = f->size;
		out[n].memory_bytes = f->memory;
		out[n].deleted = f->deleted;
		out[n].charged_cgroup = total ? (in->names ? cgnames_get(in->names, top) : "") : NULL;
		out[n].charged_bytes = charged_share(f, mine, total);
		out[n].users = *next - users;
		out[n].n_users = users;
		*bytes += out[n].charged_bytes;
		n++;
	}
	return n;
}

__u64 report_posix_bytes(const struct target *t, const struct agg *a, const struct pshm *ps)
{
	__u64 bytes = 0, total, top, mine;
	size_t i;

	for (i = 0; ps && i < ps->n; i++) {
		mine = charged_pages(a, &ps->v[i], t, &total, &top);
		bytes += charged_share(&ps->v[i], mine, total);
	}
	return bytes;
}

/*
 * Whether the page cache is needed: pages read back soon after reclaim
 * dropped them (refaults) make it a working set; cache that left without
 * coming back is cold. Never under pressure, it cannot be told.
 */
static const char *working_set(const struct rec_summary *s)
{
	__u64 refaults = s->health.refault_file_bytes, floor = s->page_cache_added_bytes / 100;

	if (!s->health.refaults_known)
		return "unknown";
	if (refaults >= (floor > (1 << 20) ? floor : (1 << 20)))
		return "working set";
	return s->page_cache_removed_bytes >= (1 << 20) ? "cold" : "unknown";
}

static void cache_note(char *buf, size_t len, const struct rec_summary *s)
{
	char a[32], b[32], c[32];
	int n;

	if (s->page_cache_growth_bytes > 0)
		n = snprintf(buf, len,
			     "page cache grew %s during the run and %s of it is reclaimable now: that is cache, not a leak; the verdict looks at anon memory only",
			     fmt_bytes(a, sizeof(a), (double)s->page_cache_growth_bytes),
			     fmt_bytes(b, sizeof(b), (double)s->page_cache_reclaimable_bytes));
	else
		n = snprintf(buf, len,
			     "page cache holds %s, %s of it reclaimable; page cache never makes a warning, the verdict looks at anon memory only",
			     fmt_bytes(a, sizeof(a), (double)s->page_cache_bytes),
			     fmt_bytes(b, sizeof(b), (double)s->page_cache_reclaimable_bytes));
	if (n < 0 || (size_t)n >= len)
		return;
	if (!strcmp(s->page_cache_working_set, "working set"))
		snprintf(buf + n, len - n, ". It is a working set: %s was read back soon after reclaim dropped it, so dropping it costs reads",
			 fmt_bytes(c, sizeof(c), (double)s->health.refault_file_bytes));
	else if (!strcmp(s->page_cache_working_set, "cold"))
		snprintf(buf + n, len - n, ". It is cold: what left the cache was not read back, so reclaim may take it freely");
}

static void summary_figures(struct rec_summary *s, const struct targets *ts, const struct target *t,
			    bool alloc_known)
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
	s->page_cache_added_bytes = report_page_bytes(t->sum.cache_added_pages);
	s->page_cache_removed_bytes = report_page_bytes(t->sum.cache_removed_pages);
	s->page_cache_growth_bytes = (__s64)s->page_cache_bytes - (__s64)s->page_cache_start_bytes;
	s->page_cache_reclaimable_bytes = report_reclaimable(&t->now);
	s->anon_bytes = t->now.anon;
	s->anon_start_bytes = t->first.anon;
	s->anon_growth_bytes = (__s64)t->now.anon - (__s64)t->first.anon;
	s->anon_growth_bytes_per_hour = t->verdict.slope_per_hour;
	s->shmem_bytes = t->now.shmem;
	s->shmem_start_bytes = t->first.shmem;
	s->file_mapped_bytes = t->now.file_mapped;
	s->mem_available_bytes = ts->mi_now.available;
	s->mem_available_start_bytes = ts->mi_first.available;
	s->alloc_pages = t->sum.alloc_pages;
	s->alloc_known = alloc_known;
	memcpy(s->alloc_order, t->sum.alloc_order, sizeof(s->alloc_order));
	report_fill_verdict(&s->verdict, &t->verdict);
	s->machine = t->root;
	s->mem_available_eta_s = ts->available_eta_s;
	s->processes_exited = t->ran && !t->running;
	s->anon_last_running_bytes = t->anon_trend.total ? (__u64)t->anon_trend.last_v : 0;
}

/*
 * A top file's path and what is known of it now: found again as the probe
 * named it (files.h), and, where that name falls short, is gone, or is one
 * of several, by the name its readers (the processes that brought the
 * cgroup's pages in, at most top of them) have it open or mapped under.
 */
static void name_file(struct rec_file *rf, char *path, const struct file_ref *ref, const struct report_input *in,
		      const struct rec_summary *s)
{
	struct file_now now;
	pid_t *readers;
	size_t i;

	if (file_locate(in->mounts, ref, path, PATH_LEN, &now) && now.links == 1)
		goto out;
	readers = calloc(s->n_cache_processes + 1, sizeof(*readers));
	for (i = 0; readers && i < s->n_cache_processes; i++)
		readers[i] = (pid_t)s->cache_processes[i].pid;
	if (readers)
		file_named_by_users(readers, s->n_cache_processes, ref, path, PATH_LEN, &now);
	free(readers);
out:
	rf->cached_bytes = now.cached_bytes;
	rf->links = now.links;
	rf->path = path;
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
	const struct agg_task **by_task = NULL;
	struct rec_cache_proc *procs = NULL;
	struct agg_file *merged = NULL;
	int r = -ENOMEM;

	memset(rep, 0, sizeof(*rep));
	idx = calloc(ts->n, sizeof(*idx));
	rep->summaries = calloc(ts->n, sizeof(*rep->summaries));
	merged = calloc(a->n_files + 1, sizeof(*merged));
	order = calloc(a->n_files + 1, sizeof(*order));
	procs = calloc(a->n_tasks + 1, sizeof(*procs));
	by_task = calloc(a->n_tasks + 1, sizeof(*by_task));
	if (!idx || !rep->summaries || !merged || !order || !procs || !by_task)
		goto out;
	n = targets_pick(ts, top, true, idx);
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

		summary_figures(s, ts, t, in->alloc_known);
		report_health(&s->health, t, true, in->reclaim_known);
		s->page_cache_working_set = working_set(s);
		s->lost_events = target_lost(t, a);
		cache_note(note, NOTE_LEN, s);
		s->page_cache_note = note;

		np = target_cache_procs(t, a, by_task, procs);
		s->cache_processes = &rep->procs[procs_at];
		for (j = 0; j < np && j < top; j++) {
			rep->procs[procs_at++] = procs[j];
			s->n_cache_processes++;
		}

		nf = target_files(t, a, merged, order);
		s->top_files = &rep->files[files_at];
		for (j = 0; j < nf && j < top; j++) {
			const struct agg_file *f = order[j];
			struct rec_file *rf = &rep->files[files_at];
			char *path = rep->strings + files_at * PATH_LEN;
			struct file_ref ref = {
				.dev = kdev_to_dev(f->dev), .ino = f->ino, .gen = f->gen, .deleted = f->deleted,
				.name = f->name, .complete = f->complete, .magic = f->magic,
				.rdev = kdev_to_dev(f->rdev),
			};

			rf->dev = (__u32)ref.dev;
			rf->ino = f->ino;
			rf->added_bytes = report_page_bytes(f->added_pages);
			rf->removed_bytes = report_page_bytes(f->removed_pages);
			name_file(rf, path, &ref, in, s);
			files_at++;
			s->n_top_files++;
		}

		s->top_processes = &rep->processes[processes_at];
		s->n_top_processes = report_processes(t, in->procs, false, top, &rep->processes[processes_at]);
		processes_at += s->n_top_processes;
		s->exited_processes = &rep->processes[processes_at];
		s->n_exited_processes = report_processes(t, in->procs, true, top, &rep->processes[processes_at]);
		processes_at += s->n_exited_processes;

		if (in->ooms)
			s->oom_kills = ooms_in(in->ooms, t);
		if (in->sysv) {
			struct sysv_use u;

			sysv_usage(in->sysv, t, 0, &u);
			s->sysv_shm_segments = u.segments;
			s->sysv_shm_bytes = u.bytes;
			s->shm_orphans = u.orphans;
		}
		s->posix_shm = &rep->posix[posix_at];
		s->n_posix_shm = target_posix(t, in, &rep->posix[posix_at], &next_user, &s->posix_shm_bytes);
		posix_at += s->n_posix_shm;
	}
	rep->n_summaries = n;
	r = report_growth_stacks(rep, in, idx, n);
out:
	free(idx);
	free(merged);
	free(order);
	free(procs);
	free(by_task);
	if (r)
		report_free(rep);
	return r;
}
