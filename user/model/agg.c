// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "model/agg.h"
#include "sys/array.h"

static size_t slot(__u64 id, size_t cap)
{
	/* Fibonacci hashing: cgroup ids are sequential, spread them. */
	return (size_t)((id * 0x9E3779B97F4A7C15ULL) >> 32) & (cap - 1);
}

void agg_init(struct agg *a)
{
	memset(a, 0, sizeof(*a));
}

static void free_detail(struct agg *a)
{
	size_t i;

	for (i = 0; i < a->n_files; i++)
		free(a->files[i].name);
	a->n_files = 0;
	a->n_tasks = 0;
	a->n_procs = 0;
	a->n_shmem = 0;
}

void agg_free(struct agg *a)
{
	free_detail(a);
	free(a->cg);
	free(a->files);
	free(a->tasks);
	free(a->procs);
	free(a->shmem);
	memset(a, 0, sizeof(*a));
}

void agg_begin(struct agg *a)
{
	size_t i;

	a->generation++;
	free_detail(a);
	memset(a->drops, 0, sizeof(a->drops));
	for (i = 0; i < a->cg_cap; i++)
		counters_zero(&a->cg[i].c);
	counters_zero(&a->uncharged.c);
}

static int grow(struct agg *a)
{
	size_t cap = a->cg_cap ? a->cg_cap * 2 : 64, i;
	struct agg_cg *old = a->cg, *cg;

	cg = calloc(cap, sizeof(*cg));
	if (!cg)
		return -ENOMEM;
	for (i = 0; i < a->cg_cap; i++) {
		size_t s;

		if (!old[i].id)
			continue;
		for (s = slot(old[i].id, cap); cg[s].id; s = (s + 1) & (cap - 1))
			;
		cg[s] = old[i];
	}
	free(old);
	a->cg = cg;
	a->cg_cap = cap;
	return 0;
}

const struct agg_cg *agg_find(const struct agg *a, __u64 id)
{
	size_t s;

	if (!id)
		return a->have_uncharged ? &a->uncharged : NULL;
	if (!a->cg_cap)
		return NULL;
	for (s = slot(id, a->cg_cap); a->cg[s].id; s = (s + 1) & (a->cg_cap - 1))
		if (a->cg[s].id == id)
			return &a->cg[s];
	return NULL;
}

struct counters *agg_counters(struct agg *a, __u64 id)
{
	struct agg_cg *e = (struct agg_cg *)agg_find(a, id);
	size_t s;

	if (e)
		return &e->c;
	if (!id) {
		a->have_uncharged = true;
		return &a->uncharged.c;
	}
	if ((a->cg_used + 1) * 4 > a->cg_cap * 3 && grow(a))
		return NULL;
	for (s = slot(id, a->cg_cap); a->cg[s].id; s = (s + 1) & (a->cg_cap - 1))
		;
	memset(&a->cg[s], 0, sizeof(a->cg[s]));
	a->cg[s].id = id;
	a->cg[s].born = a->generation;
	a->cg_used++;
	return &a->cg[s].c;
}

void agg_forget(struct agg *a, __u64 id)
{
	size_t s, next, home;

	if (!id || !a->cg_cap)
		return;
	for (s = slot(id, a->cg_cap); a->cg[s].id && a->cg[s].id != id; s = (s + 1) & (a->cg_cap - 1))
		;
	if (!a->cg[s].id)
		return;
	/* Linear probing: pull later entries of the run back over the hole, where their home allows. */
	for (next = (s + 1) & (a->cg_cap - 1); a->cg[next].id; next = (next + 1) & (a->cg_cap - 1)) {
		home = slot(a->cg[next].id, a->cg_cap);
		if (((next - home) & (a->cg_cap - 1)) >= ((next - s) & (a->cg_cap - 1))) {
			a->cg[s] = a->cg[next];
			s = next;
		}
	}
	memset(&a->cg[s], 0, sizeof(a->cg[s]));
	a->cg_used--;
}

const struct agg_cg *agg_next(const struct agg *a, size_t *pos)
{
	while (*pos < a->cg_cap) {
		const struct agg_cg *c = &a->cg[(*pos)++];

		if (c->id)
			return c;
	}
	if (*pos == a->cg_cap && a->have_uncharged) {
		(*pos)++;
		return &a->uncharged;
	}
	return NULL;
}

int agg_add_file(struct agg *a, const struct agg_file *f)
{
	struct agg_file *dst;

	if (ARRAY_GROW(a->files, a->cap_files, a->n_files, 256))
		return -ENOMEM;
	dst = &a->files[a->n_files];
	*dst = *f;
	dst->name = f->name ? strdup(f->name) : NULL;
	if (f->name && !dst->name)
		return -ENOMEM;
	a->n_files++;
	return 0;
}

int agg_add_task(struct agg *a, const struct agg_task *t)
{
	if (ARRAY_GROW(a->tasks, a->cap_tasks, a->n_tasks, 256))
		return -ENOMEM;
	a->tasks[a->n_tasks++] = *t;
	return 0;
}

int agg_add_proc(struct agg *a, const struct agg_proc *p)
{
	if (ARRAY_GROW(a->procs, a->cap_procs, a->n_procs, 256))
		return -ENOMEM;
	a->procs[a->n_procs++] = *p;
	return 0;
}

int agg_add_shmem(struct agg *a, const struct agg_shmem *f)
{
	if (ARRAY_GROW(a->shmem, a->cap_shmem, a->n_shmem, 64))
		return -ENOMEM;
	a->shmem[a->n_shmem++] = *f;
	return 0;
}

const char *agg_drop_text(enum mp_drop cause)
{
	switch (cause) {
	case MP_DROP_CGROUP_FULL:
		return "the page-cache map of cgroups is full: pages of cgroups beyond it are not counted (raise --max-cgroups)";
	case MP_DROP_FILE_FULL:
		return "the page-cache map of files is full: files beyond it are missing from top_files (raise --max-files)";
	case MP_DROP_NAME_FULL:
		return "the map of file names is full: some files are shown by device and inode (raise --max-files)";
	case MP_DROP_TASK_FULL:
		return "the page-cache map of processes is full: some processes' cache is not counted (raise --max-tasks)";
	case MP_DROP_PROC_FULL:
		return "the RSS map of processes is full: some processes' RSS changes are not seen (raise --max-tasks)";
	case MP_DROP_ALLOC_FULL:
		return "the page-allocation map of cgroups is full: allocations of cgroups beyond it are not counted (raise --max-cgroups)";
	case MP_DROP_RING_FULL:
		return "an event ring buffer was full: events were lost (raise --ring-size)";
	case MP_DROP_INFLIGHT_FULL:
		return "too many shared-memory syscalls were in flight at once to follow them all";
	case MP_DROP_SHMEM_FULL:
		return "the map of tmpfs files is full: some POSIX shm files are not attributed to a cgroup (raise --max-files)";
	case MP_DROP_RECLAIM_FULL:
		return "the reclaim map is full: some reclaim stalls are not counted (raise --max-cgroups)";
	case MP_DROP_MAX:
		break;
	}
	return "unknown";
}

__u64 agg_lost(const struct agg *a)
{
	__u64 n = 0;
	size_t i;

	for (i = 0; i < MP_DROP_MAX; i++)
		n += a->drops[i];
	return n;
}
