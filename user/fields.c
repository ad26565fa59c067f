// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include "fields.h"

void fields_start(const struct rec_start *r, const struct field_visitor *v, void *ctx)
{
	size_t i;

	v->str(ctx, "version", r->version);
	v->list_begin(ctx, "targets");
	for (i = 0; i < r->n_targets; i++) {
		v->item_begin(ctx);
		v->str(ctx, "cgroup", r->targets[i].cgroup);
		v->u64(ctx, "cgroup_id", r->targets[i].cgroup_id);
		v->item_end(ctx);
	}
	v->list_end(ctx);
	v->boolean(ctx, "whole_machine", r->machine);
	v->u64(ctx, "cgroup_version", r->cgroup_version);
	v->str(ctx, "memory_root", r->memory_root);
	v->dbl(ctx, "interval_s", r->interval_s, 3);
}

void fields_sample(const struct rec_sample *r, const struct field_visitor *v, void *ctx)
{
	v->str(ctx, "cgroup", r->cgroup);
	v->u64(ctx, "cgroup_id", r->cgroup_id);
	v->u64(ctx, "page_cache_bytes", r->page_cache_bytes);
	v->s64(ctx, "page_cache_delta_bytes", r->page_cache_delta_bytes);
	v->u64(ctx, "page_cache_added_bytes", r->page_cache_added_bytes);
	v->u64(ctx, "page_cache_removed_bytes", r->page_cache_removed_bytes);
	v->u64(ctx, "anon_bytes", r->anon_bytes);
	v->s64(ctx, "anon_delta_bytes", r->anon_delta_bytes);
	v->u64(ctx, "shmem_bytes", r->shmem_bytes);
	v->u64(ctx, "mem_available_bytes", r->mem_available_bytes);
	v->u64(ctx, "buff_cache_bytes", r->buff_cache_bytes);
	v->u64(ctx, "mem_total_bytes", r->mem_total_bytes);
}

static void top_files(const struct rec_summary *r, const struct field_visitor *v, void *ctx)
{
	size_t i;

	v->list_begin(ctx, "top_files");
	for (i = 0; i < r->n_top_files; i++) {
		const struct rec_file *f = &r->top_files[i];

		v->item_begin(ctx);
		v->str(ctx, "path", f->path);
		v->u64(ctx, "dev", f->dev);
		v->u64(ctx, "ino", f->ino);
		v->u64(ctx, "added_bytes", f->added_bytes);
		v->u64(ctx, "removed_bytes", f->removed_bytes);
		if (f->cached_bytes >= 0)
			v->s64(ctx, "cached_bytes", f->cached_bytes);
		else
			v->null(ctx, "cached_bytes");
		v->item_end(ctx);
	}
	v->list_end(ctx);
}

static void cache_processes(const struct rec_summary *r, const struct field_visitor *v, void *ctx)
{
	size_t i;

	v->list_begin(ctx, "cache_processes");
	for (i = 0; i < r->n_cache_processes; i++) {
		v->item_begin(ctx);
		v->u64(ctx, "pid", r->cache_processes[i].pid);
		v->str(ctx, "comm", r->cache_processes[i].comm);
		v->u64(ctx, "added_bytes", r->cache_processes[i].added_bytes);
		v->item_end(ctx);
	}
	v->list_end(ctx);
}

void fields_summary(const struct rec_summary *r, const struct field_visitor *v, void *ctx)
{
	v->str(ctx, "cgroup", r->cgroup);
	v->u64(ctx, "cgroup_id", r->cgroup_id);
	v->dbl(ctx, "duration_s", r->duration_s, 3);
	v->boolean(ctx, "cgroup_gone", r->gone);
	v->u64(ctx, "page_cache_bytes", r->page_cache_bytes);
	v->u64(ctx, "page_cache_start_bytes", r->page_cache_start_bytes);
	v->u64(ctx, "page_cache_added_bytes", r->page_cache_added_bytes);
	v->u64(ctx, "page_cache_removed_bytes", r->page_cache_removed_bytes);
	v->u64(ctx, "anon_bytes", r->anon_bytes);
	v->u64(ctx, "anon_start_bytes", r->anon_start_bytes);
	v->u64(ctx, "shmem_bytes", r->shmem_bytes);
	v->u64(ctx, "mem_available_bytes", r->mem_available_bytes);
	v->u64(ctx, "mem_available_start_bytes", r->mem_available_start_bytes);
	top_files(r, v, ctx);
	cache_processes(r, v, ctx);
	v->u64(ctx, "oom_kills", r->oom_kills);
	v->u64(ctx, "lost_events", r->lost_events);
}
