// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <stdio.h>
#include <string.h>

#include "output/fields.h"

/* memprobe's own cost; the start record has only what loading settled (its maps). */
static void agent(const struct rec_agent *a, bool run, const struct field_visitor *v, void *ctx)
{
	v->u64(ctx, "agent_map_bytes", a->map_bytes);
	v->u64(ctx, "agent_maps", a->maps);
	if (!run)
		return;
	v->dbl(ctx, "agent_cpu_s", a->cpu_s, 3);
	v->u64(ctx, "agent_rss_bytes", a->rss_bytes);
	v->u64(ctx, "agent_peak_rss_bytes", a->peak_rss_bytes);
	v->u64(ctx, "agent_intervals", a->intervals);
	v->dbl(ctx, "agent_interval_median_s", a->interval_median_s, 6);
	v->dbl(ctx, "agent_interval_max_s", a->interval_max_s, 6);
}

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
	if (r->host) {
		v->str(ctx, "host", r->host);
		v->str(ctx, "kernel", r->kernel);
		if (r->command)
			v->str(ctx, "command", r->command);
		else
			v->null(ctx, "command");
	}
	if (r->agent)
		agent(r->agent, false, v, ctx);
}

/* The verdict's scalars, flat, so that journald can carry them too. */
static void verdict(const struct rec_verdict *rv, const struct field_visitor *v, void *ctx)
{
	v->str(ctx, "verdict", rv->verdict);
	v->dbl(ctx, "verdict_confidence", rv->confidence, 2);
	v->dbl(ctx, "anon_growth_bytes_per_hour", rv->growth_bytes_per_hour, 0);
	v->dbl(ctx, "verdict_r2", rv->r2, 3);
	v->u64(ctx, "verdict_samples", rv->samples);
	v->dbl(ctx, "verdict_window_s", rv->window_s, 1);
	v->str(ctx, "verdict_reason", rv->reason);
}

static void u64_or_null(const struct field_visitor *v, void *ctx, const char *key, bool known, __u64 val)
{
	if (known)
		v->u64(ctx, key, val);
	else
		v->null(ctx, key);
}

static void secs_or_null(const struct field_visitor *v, void *ctx, const char *key, double s)
{
	if (s >= 0)
		v->dbl(ctx, key, s, 0);
	else
		v->null(ctx, key);
}

static void str_or_null(const struct field_visitor *v, void *ctx, const char *key, const char *s)
{
	if (s && *s)
		v->str(ctx, key, s);
	else
		v->null(ctx, key);
}

static void limits(const struct rec_limits *l, const struct field_visitor *v, void *ctx)
{
	u64_or_null(v, ctx, "memory_high_bytes", l->known && l->high_bytes != ~0ULL, l->high_bytes);
	u64_or_null(v, ctx, "memory_max_bytes", l->known && l->max_bytes != ~0ULL, l->max_bytes);
	str_or_null(v, ctx, "memory_high_cgroup", l->known && l->high_bytes != ~0ULL ? l->high_cgroup : NULL);
	str_or_null(v, ctx, "memory_max_cgroup", l->known && l->max_bytes != ~0ULL ? l->max_cgroup : NULL);
}

static void forecast(const struct rec_forecast *f, const struct field_visitor *v, void *ctx)
{
	u64_or_null(v, ctx, "unreclaimable_bytes", f->known || f->unreclaimable_bytes, f->unreclaimable_bytes);
	if (f->known) {
		v->dbl(ctx, "unreclaimable_growth_bytes_per_hour", f->growth_bytes_per_hour, 0);
		v->dbl(ctx, "forecast_confidence", f->confidence, 2);
	} else {
		v->null(ctx, "unreclaimable_growth_bytes_per_hour");
		v->null(ctx, "forecast_confidence");
	}
	secs_or_null(v, ctx, "high_eta_s", f->known ? f->high_eta_s : -1);
	secs_or_null(v, ctx, "oom_eta_s", f->known ? f->oom_eta_s : -1);
}

static void events(const char *prefix, const struct rec_events *e, const struct field_visitor *v, void *ctx)
{
	static const char *const names[] = { "high", "max", "oom", "oom_kill", "oom_group_kill" };
	const __u64 vals[] = { e->high, e->max, e->oom, e->oom_kill, e->oom_group_kill };
	char key[64];
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		snprintf(key, sizeof(key), "%s%s", prefix, names[i]);
		u64_or_null(v, ctx, key, e->known, vals[i]);
	}
}

static void reclaim(const char *prefix, const struct rec_reclaim *r, bool percentiles, const struct field_visitor *v,
		    void *ctx)
{
	char key[64];

	snprintf(key, sizeof(key), "%sdirect_count", prefix);
	u64_or_null(v, ctx, key, r->known, r->direct_count);
	snprintf(key, sizeof(key), "%smemcg_count", prefix);
	u64_or_null(v, ctx, key, r->known, r->memcg_count);
	snprintf(key, sizeof(key), "%sdirect_s", prefix);
	r->known ? v->dbl(ctx, key, r->direct_s, 6) : v->null(ctx, key);
	snprintf(key, sizeof(key), "%smemcg_s", prefix);
	r->known ? v->dbl(ctx, key, r->memcg_s, 6) : v->null(ctx, key);
	if (!percentiles)
		return;
	snprintf(key, sizeof(key), "%sp50_s", prefix);
	r->known && r->direct_count + r->memcg_count ? v->dbl(ctx, key, r->p50_s, 6) : v->null(ctx, key);
	snprintf(key, sizeof(key), "%sp99_s", prefix);
	r->known && r->direct_count + r->memcg_count ? v->dbl(ctx, key, r->p99_s, 6) : v->null(ctx, key);
}

/* The health fields, flat (journald carries them too); figures of an interval in samples, of the run in summaries. */
static void health(const struct rec_health *h, bool run, const struct field_visitor *v, void *ctx)
{
	const struct rec_pressure *p = &h->pressure;

	limits(&h->limits, v, ctx);
	forecast(&h->forecast, v, ctx);
	events("memory_events_", &h->events, v, ctx);
	if (p->known) {
		v->str(ctx, "pressure_scope", p->system_wide ? "system" : "cgroup");
		v->dbl(ctx, "pressure_some_avg10", p->some_avg10, 2);
		v->dbl(ctx, "pressure_full_avg10", p->full_avg10, 2);
		v->dbl(ctx, "pressure_some_stall_s", p->some_stall_s, 6);
		v->dbl(ctx, "pressure_full_stall_s", p->full_stall_s, 6);
	} else {
		v->null(ctx, "pressure_scope");
		v->null(ctx, "pressure_some_avg10");
		v->null(ctx, "pressure_full_avg10");
		v->null(ctx, "pressure_some_stall_s");
		v->null(ctx, "pressure_full_stall_s");
	}
	reclaim("reclaim_", &h->reclaim, run, v, ctx);
	u64_or_null(v, ctx, "workingset_refault_file_bytes", h->refaults_known, h->refault_file_bytes);
	u64_or_null(v, ctx, "workingset_refault_anon_bytes", h->refaults_known, h->refault_anon_bytes);
}

static void processes(const char *key, const struct rec_proc *p, size_t n,
		      const struct field_visitor *v, void *ctx)
{
	size_t i;

	v->list_begin(ctx, key);
	for (i = 0; i < n; i++) {
		v->item_begin(ctx);
		v->u64(ctx, "pid", p[i].pid);
		v->str(ctx, "comm", p[i].comm);
		v->boolean(ctx, "alive", p[i].alive);
		v->u64(ctx, "rss_bytes", p[i].rss_bytes);
		v->u64(ctx, "anon_bytes", p[i].anon_bytes);
		v->u64(ctx, "file_bytes", p[i].file_bytes);
		v->u64(ctx, "shmem_bytes", p[i].shmem_bytes);
		v->u64(ctx, "shared_bytes", p[i].shared_bytes);
		v->u64(ctx, "vms_bytes", p[i].vms_bytes);
		v->u64(ctx, "swap_bytes", p[i].swap_bytes);
		if (p[i].cpu_known)
			v->dbl(ctx, "cpu_percent", p[i].cpu_percent, 1);
		else
			v->null(ctx, "cpu_percent");
		v->s64(ctx, "rss_growth_bytes", p[i].rss_growth_bytes);
		v->s64(ctx, "anon_growth_bytes", p[i].anon_growth_bytes);
		v->u64(ctx, "peak_rss_bytes", p[i].peak_rss_bytes);
		v->u64(ctx, "peak_anon_bytes", p[i].peak_anon_bytes);
		v->str(ctx, "verdict", p[i].verdict.verdict);
		v->dbl(ctx, "anon_growth_bytes_per_hour", p[i].verdict.growth_bytes_per_hour, 0);
		v->item_end(ctx);
	}
	v->list_end(ctx);
}

void fields_sample(const struct rec_sample *r, const struct field_visitor *v, void *ctx)
{
	v->str(ctx, "cgroup", r->cgroup);
	v->u64(ctx, "cgroup_id", r->cgroup_id);
	v->u64(ctx, "cgroup_lives", r->lives);
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
	v->u64(ctx, "file_mapped_bytes", r->file_mapped_bytes);
	v->dbl(ctx, "anon_rate_bytes_per_s", r->anon_rate_bytes_per_s, 0);
	v->dbl(ctx, "file_mapped_rate_bytes_per_s", r->file_mapped_rate_bytes_per_s, 0);
	v->dbl(ctx, "shmem_rate_bytes_per_s", r->shmem_rate_bytes_per_s, 0);
	v->u64(ctx, "page_cache_reclaimable_bytes", r->page_cache_reclaimable_bytes);
	if (r->alloc_known) {
		v->u64(ctx, "alloc_pages", r->alloc_pages);
		v->dbl(ctx, "alloc_bytes_per_s", r->alloc_bytes_per_s, 0);
	} else {
		v->null(ctx, "alloc_pages");
		v->null(ctx, "alloc_bytes_per_s");
	}
	verdict(&r->verdict, v, ctx);
	health(&r->health, false, v, ctx);
	if (r->machine)
		secs_or_null(v, ctx, "mem_available_eta_s", r->mem_available_eta_s);
	processes("top_processes", r->top_processes, r->n_top_processes, v, ctx);
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
		if (f->links)
			v->u64(ctx, "links", f->links);
		else
			v->null(ctx, "links");
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

static void posix_shm(const struct rec_summary *r, const struct field_visitor *v, void *ctx)
{
	size_t i, k;

	v->list_begin(ctx, "posix_shm_files");
	for (i = 0; i < r->n_posix_shm; i++) {
		const struct rec_posix_shm *p = &r->posix_shm[i];

		v->item_begin(ctx);
		v->str(ctx, "path", p->path);
		v->u64(ctx, "size_bytes", p->size_bytes);
		v->u64(ctx, "memory_bytes", p->memory_bytes);
		v->boolean(ctx, "deleted", p->deleted);
		str_or_null(v, ctx, "charged_cgroup", p->charged_cgroup);
		v->u64(ctx, "charged_bytes", p->charged_bytes);
		v->list_begin(ctx, "users");
		for (k = 0; k < p->n_users; k++) {
			v->item_begin(ctx);
			v->u64(ctx, "pid", p->users[k].pid);
			v->str(ctx, "comm", p->users[k].comm);
			v->str(ctx, "cgroup", p->users[k].cgroup);
			v->item_end(ctx);
		}
		v->list_end(ctx);
		v->item_end(ctx);
	}
	v->list_end(ctx);
}

static void growth_stacks(const struct rec_summary *r, const struct field_visitor *v, void *ctx)
{
	size_t i, k;

	v->list_begin(ctx, "growth_stacks");
	for (i = 0; i < r->n_growth_stacks; i++) {
		const struct rec_growth_stack *g = &r->growth_stacks[i];

		v->item_begin(ctx);
		v->list_begin(ctx, "frames");
		for (k = 0; k < g->n_frames; k++) {
			const struct rec_frame *f = &g->frames[k];

			v->item_begin(ctx);
			v->str(ctx, "function", f->function);
			v->str(ctx, "module", f->module);
			v->u64(ctx, "offset", f->offset);
			if (*f->file)
				v->str(ctx, "file", f->file);
			else
				v->null(ctx, "file");
			if (f->line)
				v->u64(ctx, "line", f->line);
			else
				v->null(ctx, "line");
			v->item_end(ctx);
		}
		v->list_end(ctx);
		v->u64(ctx, "own_frame", g->own);
		v->u64(ctx, "in_use_bytes", g->in_use_bytes);
		v->u64(ctx, "sampled_bytes", g->sampled_bytes);
		v->u64(ctx, "samples", g->samples);
		v->dbl(ctx, "in_use_growth_bytes_per_hour", g->growth_bytes_per_hour, 0);
		v->u64_array(ctx, "pids", g->pids, g->n_pids);
		v->item_end(ctx);
	}
	v->list_end(ctx);
	v->str(ctx, "top_stack", r->top_stack);
	v->u64(ctx, "stack_sample_bytes", r->stack_sample_bytes);
	v->u64(ctx, "stack_samples", r->stack_samples);
	v->u64(ctx, "stack_samples_skipped", r->stack_samples_skipped);
	v->u64(ctx, "stack_skipped_bytes", r->stack_skipped_bytes);
	v->u64(ctx, "stack_samples_lost", r->stack_samples_lost);
	v->dbl(ctx, "stack_unwind_cpu_s", r->stack_unwind_cpu_s, 3);
	v->u64(ctx, "stack_ring_bytes", r->stack_ring_bytes);
}

void fields_summary(const struct rec_summary *r, const struct field_visitor *v, void *ctx)
{
	v->str(ctx, "cgroup", r->cgroup);
	v->u64(ctx, "cgroup_id", r->cgroup_id);
	v->dbl(ctx, "duration_s", r->duration_s, 3);
	v->boolean(ctx, "interim", r->interim);
	v->boolean(ctx, "cgroup_gone", r->gone);
	v->u64(ctx, "cgroup_lives", r->lives);
	v->u64(ctx, "first_cgroup_id", r->first_cgroup_id);
	v->u64(ctx, "page_cache_bytes", r->page_cache_bytes);
	v->u64(ctx, "page_cache_start_bytes", r->page_cache_start_bytes);
	v->u64(ctx, "page_cache_added_bytes", r->page_cache_added_bytes);
	v->u64(ctx, "page_cache_removed_bytes", r->page_cache_removed_bytes);
	v->u64(ctx, "anon_bytes", r->anon_bytes);
	v->u64(ctx, "anon_start_bytes", r->anon_start_bytes);
	v->u64(ctx, "shmem_bytes", r->shmem_bytes);
	v->u64(ctx, "shmem_start_bytes", r->shmem_start_bytes);
	v->u64(ctx, "mem_available_bytes", r->mem_available_bytes);
	v->u64(ctx, "mem_available_start_bytes", r->mem_available_start_bytes);
	v->s64(ctx, "anon_growth_bytes", r->anon_growth_bytes);
	verdict(&r->verdict, v, ctx);
	v->boolean(ctx, "processes_exited", r->processes_exited);
	if (r->processes_exited)
		v->u64(ctx, "anon_last_running_bytes", r->anon_last_running_bytes);
	else
		v->null(ctx, "anon_last_running_bytes");
	v->s64(ctx, "page_cache_growth_bytes", r->page_cache_growth_bytes);
	v->u64(ctx, "page_cache_reclaimable_bytes", r->page_cache_reclaimable_bytes);
	v->str(ctx, "page_cache_note", r->page_cache_note);
	v->u64(ctx, "file_mapped_bytes", r->file_mapped_bytes);
	if (r->alloc_known) {
		v->u64(ctx, "alloc_pages", r->alloc_pages);
		v->u64_array(ctx, "alloc_orders", r->alloc_order, MP_ALLOC_ORDERS);
	} else {
		v->null(ctx, "alloc_pages");
		v->null(ctx, "alloc_orders");
	}
	top_files(r, v, ctx);
	cache_processes(r, v, ctx);
	processes("top_processes", r->top_processes, r->n_top_processes, v, ctx);
	processes("exited_processes", r->exited_processes, r->n_exited_processes, v, ctx);
	v->u64(ctx, "sysv_shm_segments", r->sysv_shm_segments);
	v->u64(ctx, "sysv_shm_bytes", r->sysv_shm_bytes);
	v->u64(ctx, "shm_orphans", r->shm_orphans);
	posix_shm(r, v, ctx);
	v->u64(ctx, "posix_shm_bytes", r->posix_shm_bytes);
	v->u64(ctx, "oom_kills", r->oom_kills);
	v->u64(ctx, "lost_events", r->lost_events);
	health(&r->health, true, v, ctx);
	v->str(ctx, "page_cache_working_set", r->page_cache_working_set ? r->page_cache_working_set : "unknown");
	if (r->machine)
		secs_or_null(v, ctx, "mem_available_eta_s", r->mem_available_eta_s);
	if (r->agent)
		agent(r->agent, true, v, ctx);
	if (r->stacks_on)
		growth_stacks(r, v, ctx);
}

void fields_forecast_change(const struct rec_forecast_change *r, const struct field_visitor *v, void *ctx)
{
	v->str(ctx, "cgroup", r->cgroup);
	v->u64(ctx, "cgroup_id", r->cgroup_id);
	v->boolean(ctx, "below_horizon", r->below_horizon);
	v->dbl(ctx, "horizon_s", r->horizon_s, 0);
	limits(&r->limits, v, ctx);
	forecast(&r->forecast, v, ctx);
}

void fields_memory_event(const struct rec_memory_event *r, const struct field_visitor *v, void *ctx)
{
	v->str(ctx, "cgroup", r->cgroup);
	v->u64(ctx, "cgroup_id", r->cgroup_id);
	v->dbl(ctx, "interval_s", r->interval_s, 3);
	events("", &r->events, v, ctx);
	limits(&r->limits, v, ctx);
}

void fields_verdict_change(const struct rec_verdict_change *r, const struct field_visitor *v, void *ctx)
{
	v->str(ctx, "cgroup", r->cgroup);
	v->u64(ctx, "cgroup_id", r->cgroup_id);
	v->str(ctx, "previous_verdict", r->previous);
	verdict(&r->verdict, v, ctx);
	v->u64(ctx, "anon_bytes", r->anon_bytes);
	if (r->top_stack)
		v->str(ctx, "top_stack", r->top_stack);
}

void fields_shm(const struct rec_shm *r, const struct field_visitor *v, void *ctx)
{
	v->str(ctx, "event", r->event);
	if (r->known) {
		v->s64(ctx, "shmid", r->shmid);
		v->s64(ctx, "key", r->key);
		v->u64(ctx, "size_bytes", r->size_bytes);
	} else {
		v->null(ctx, "shmid");
		v->null(ctx, "key");
		v->null(ctx, "size_bytes");
	}
	v->u64(ctx, "pid", r->pid);
	v->u64(ctx, "tid", r->tid);
	v->str(ctx, "comm", r->comm);
	v->str(ctx, "cgroup", r->cgroup);
	v->u64(ctx, "cgroup_id", r->cgroup_id);
	v->u64(ctx, "ipc_ns", r->ipc_ns);
	if (r->addr)
		v->u64(ctx, "addr", r->addr);
}

void fields_shm_orphan(const struct rec_shm_orphan *r, const struct field_visitor *v, void *ctx)
{
	v->s64(ctx, "shmid", r->shmid);
	v->s64(ctx, "key", r->key);
	v->u64(ctx, "size_bytes", r->size_bytes);
	v->u64(ctx, "rss_bytes", r->rss_bytes);
	v->u64(ctx, "creator_pid", r->creator_pid);
	v->str(ctx, "creator_comm", r->creator_comm);
	v->str(ctx, "cgroup", r->cgroup);
	v->u64(ctx, "cgroup_id", r->cgroup_id);
	v->dbl(ctx, "created", r->created, 0);
	v->dbl(ctx, "last_detached", r->last_detached, 0);
	v->u64(ctx, "memory_bytes", r->memory_bytes);
	v->u64(ctx, "last_pid", r->last_pid);
	v->str(ctx, "remove_command", r->remove_command);
	v->u64(ctx, "ipc_ns", r->ipc_ns);
}

/* What led to an OOM kill: the watched cgroup's last readings, its trend, events and stalls. */
static void pre_kill(const struct rec_oom_kill *r, const struct field_visitor *v, void *ctx)
{
	size_t i;

	str_or_null(v, ctx, "pre_kill_cgroup", r->pre_known ? r->pre_cgroup : NULL);
	if (!r->pre_known)
		return;
	v->list_begin(ctx, "pre_kill_readings");
	for (i = 0; i < r->n_pre_readings; i++) {
		v->item_begin(ctx);
		v->dbl(ctx, "ts", r->pre_readings[i].ts, 3);
		v->u64(ctx, "anon_bytes", r->pre_readings[i].anon_bytes);
		v->u64(ctx, "shmem_bytes", r->pre_readings[i].shmem_bytes);
		v->u64(ctx, "page_cache_bytes", r->pre_readings[i].page_cache_bytes);
		v->u64(ctx, "unreclaimable_bytes", r->pre_readings[i].unreclaimable_bytes);
		v->item_end(ctx);
	}
	v->list_end(ctx);
	v->dbl(ctx, "pre_kill_anon_growth_bytes_per_hour", r->pre_anon_growth_bytes_per_hour, 0);
	secs_or_null(v, ctx, "pre_kill_oom_eta_s", r->pre_forecast.known ? r->pre_forecast.oom_eta_s : -1);
	secs_or_null(v, ctx, "pre_kill_high_eta_s", r->pre_forecast.known ? r->pre_forecast.high_eta_s : -1);
	events("pre_kill_memory_events_", &r->pre_events, v, ctx);
	reclaim("pre_kill_reclaim_", &r->pre_reclaim, false, v, ctx);
	processes("pre_kill_top_processes", r->pre_top_processes, r->n_pre_top_processes, v, ctx);
}

void fields_oom_kill(const struct rec_oom_kill *r, const struct field_visitor *v, void *ctx)
{
	v->u64(ctx, "pid", r->pid);
	v->u64(ctx, "tid", r->tid);
	v->u64(ctx, "uid", r->uid);
	v->u64(ctx, "trigger_pid", r->trigger_pid);
	v->str(ctx, "comm", r->comm);
	v->str(ctx, "cgroup", r->cgroup);
	v->u64(ctx, "cgroup_id", r->cgroup_id);
	v->u64(ctx, "anon_rss_bytes", r->anon_rss_bytes);
	v->u64(ctx, "file_rss_bytes", r->file_rss_bytes);
	v->u64(ctx, "shmem_rss_bytes", r->shmem_rss_bytes);
	v->u64(ctx, "swap_bytes", r->swap_bytes);
	v->u64(ctx, "total_vm_bytes", r->total_vm_bytes);
	v->s64(ctx, "oom_score_adj", r->oom_score_adj);
	v->str(ctx, "scope", r->scope);
	v->str(ctx, "oom_cgroup", r->oom_cgroup);
	v->u64(ctx, "oom_cgroup_id", r->oom_cgroup_id);
	if (!strcmp(r->scope, "cgroup"))
		v->u64(ctx, "limit_bytes", r->limit_bytes);
	else
		v->null(ctx, "limit_bytes");
	v->boolean(ctx, "scope_exact", r->exact);
	pre_kill(r, v, ctx);
}
