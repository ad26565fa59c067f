// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * memprobe's series, family by family, from one sample's snapshot: the
 * cgroups' memory, verdicts, counters, limits and pressure, the machine,
 * and memprobe's own cost. How each family is written in each format is
 * output/metrics_write.c's.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model/verdict.h"
#include "output/escape.h"
#include "output/metrics.h"
#include "output/metrics_write.h"

const char *const metrics_drop_cause[MP_DROP_MAX] = {
	[MP_DROP_CGROUP_FULL] = "cgroup_map",
	[MP_DROP_FILE_FULL] = "file_map",
	[MP_DROP_NAME_FULL] = "file_name_map",
	[MP_DROP_TASK_FULL] = "task_map",
	[MP_DROP_PROC_FULL] = "rss_map",
	[MP_DROP_ALLOC_FULL] = "alloc_map",
	[MP_DROP_RING_FULL] = "ring",
	[MP_DROP_INFLIGHT_FULL] = "inflight",
	[MP_DROP_RECLAIM_FULL] = "reclaim_map",
	[MP_DROP_SHMEM_FULL] = "shmem_map",
};
/* A new cause of loss needs its label here, in the README's list and in MemprobeLostEvents' advice. */
_Static_assert(MP_DROP_MAX == 10, "name the new cause of loss in metrics_drop_cause");

/* Per cgroup: when a family has a sample, and its value. */
enum when { W_GAUGES, W_VERDICT, W_ALWAYS, W_PRESENT, W_OOM, W_POSIX };

struct cg_family {
	const char *name;
	enum kind kind;
	enum when when;
	const char *help;
	double (*value)(const struct msnap *s, const struct msnap_cgroup *c);
	size_t u64_at;			/* offset of a __u64 field when value is NULL */
};

static double growth(const struct msnap *s, const struct msnap_cgroup *c)
{
	(void)s;
	return c->growth_bytes_per_s;
}

static double confidence(const struct msnap *s, const struct msnap_cgroup *c)
{
	(void)s;
	return c->confidence;
}

static double r2(const struct msnap *s, const struct msnap_cgroup *c)
{
	(void)s;
	return c->r2;
}

static double samples(const struct msnap *s, const struct msnap_cgroup *c)
{
	(void)s;
	return c->samples;
}

static double window(const struct msnap *s, const struct msnap_cgroup *c)
{
	(void)s;
	return c->window_s;
}

static double added(const struct msnap *s, const struct msnap_cgroup *c)
{
	return (double)c->counts.cache_added_pages * (double)s->page_size;
}

static double removed(const struct msnap *s, const struct msnap_cgroup *c)
{
	return (double)c->counts.cache_removed_pages * (double)s->page_size;
}

static double alloc_bytes(const struct msnap *s, const struct msnap_cgroup *c)
{
	return (double)c->counts.alloc_pages * (double)s->page_size;
}

static double last_oom(const struct msnap *s, const struct msnap_cgroup *c)
{
	(void)s;
	return c->last_oom;
}

#define CG(field)	.u64_at = offsetof(struct msnap_cgroup, field)

static const struct cg_family memory_families[] = {
	{ "memprobe_cgroup_anon_bytes", GAUGE, W_GAUGES,
	  "Anonymous memory charged to the cgroup (memory.stat anon; v1 total_rss).", NULL, CG(anon) },
	{ "memprobe_cgroup_shmem_bytes", GAUGE, W_GAUGES,
	  "Shared memory charged to the cgroup: tmpfs, SysV and POSIX shm (memory.stat shmem).", NULL, CG(shmem) },
	{ "memprobe_cgroup_page_cache_bytes", GAUGE, W_GAUGES,
	  "Page cache charged to the cgroup, shmem excluded (memory.stat file minus shmem).", NULL, CG(page_cache) },
	{ "memprobe_cgroup_page_cache_reclaimable_bytes", GAUGE, W_GAUGES,
	  "The clean part of the page cache, which reclaim can drop without writing.", NULL, CG(reclaimable) },
	{ "memprobe_cgroup_file_mapped_bytes", GAUGE, W_GAUGES,
	  "Page cache mapped into the cgroup's processes (memory.stat file_mapped).", NULL, CG(file_mapped) },
	{ "memprobe_cgroup_anon_growth_bytes_per_second", GAUGE, W_VERDICT,
	  "Slope of anon over the verdict window (least squares), bytes per second.", growth, 0 },
};

static const struct cg_family fit_families[] = {
	{ "memprobe_cgroup_verdict_confidence", GAUGE, W_VERDICT,
	  "Confidence of the verdict, 0 to 1 (0 while collecting).", confidence, 0 },
	{ "memprobe_cgroup_verdict_r2", GAUGE, W_VERDICT,
	  "R\xc2\xb2 of the anon trend fit: how steady the growth is.", r2, 0 },
	{ "memprobe_cgroup_verdict_samples", GAUGE, W_VERDICT, "Samples the verdict rests on.", samples, 0 },
	{ "memprobe_cgroup_verdict_window_seconds", GAUGE, W_VERDICT, "Time span the verdict's fit covers.",
	  window, 0 },
	{ "memprobe_cgroup_page_cache_added_bytes_total", COUNTER, W_ALWAYS,
	  "Page cache the probes saw enter the cgroup (a large folio counts all its pages).", added, 0 },
	{ "memprobe_cgroup_page_cache_removed_bytes_total", COUNTER, W_ALWAYS,
	  "Page cache the probes saw leave the cgroup.", removed, 0 },
	{ "memprobe_cgroup_alloc_bytes_total", COUNTER, W_ALWAYS,
	  "Memory the cgroup's tasks took from the page allocator (kmem:mm_page_alloc).", alloc_bytes, 0 },
};

static const struct cg_family event_families[] = {
	{ "memprobe_cgroup_oom_kills_total", COUNTER, W_ALWAYS,
	  "Processes of the cgroup the kernel OOM-killed.", NULL, CG(oom_kills) },
	{ "memprobe_cgroup_last_oom_kill_timestamp_seconds", GAUGE, W_OOM,
	  "Unix time of the last OOM kill in the cgroup.", last_oom, 0 },
	{ "memprobe_cgroup_sysv_shm_segments", GAUGE, W_PRESENT,
	  "SysV shared memory segments the cgroup's processes created that still exist.", NULL, CG(sysv_segments) },
	{ "memprobe_cgroup_sysv_shm_bytes", GAUGE, W_PRESENT, "Size of those segments.", NULL, CG(sysv_bytes) },
	{ "memprobe_cgroup_shm_orphans", GAUGE, W_PRESENT,
	  "Of those, the orphans: nothing attached, creator gone, not marked for removal.", NULL, CG(orphans) },
	{ "memprobe_cgroup_shm_orphan_bytes", GAUGE, W_PRESENT, "Size of the orphans.", NULL, CG(orphan_bytes) },
	{ "memprobe_cgroup_posix_shm_bytes", GAUGE, W_POSIX,
	  "The cgroup's share of /dev/shm files' memory: each file's memory in proportion to its pages charged to the cgroup.", NULL, CG(posix_bytes) },
	{ "memprobe_cgroup_lives_total", COUNTER, W_ALWAYS,
	  "Cgroups seen at this path during the run: 1, plus one each time it was removed and created again.",
	  NULL, CG(lives) },
};

static bool has(const struct msnap_cgroup *c, enum when when)
{
	switch (when) {
	case W_GAUGES:
		return c->present && c->gauges;
	case W_VERDICT:
		return c->present && c->verdict;
	case W_PRESENT:
		return c->present;
	case W_OOM:
		return c->last_oom > 0;
	case W_POSIX:
		return c->present && c->posix_known;
	case W_ALWAYS:
		break;
	}
	return true;
}

static void cg_labels(const char **l, const struct msnap_cgroup *c, const char *name, const char *value)
{
	l[0] = "cgroup";
	l[1] = c->cgroup;
	l[2] = "unit";
	l[3] = c->unit;
	l[4] = name;
	l[5] = value;
	l[6] = NULL;
}

static void cg_families(struct writer *w, const struct msnap *s, const struct cg_family *f, size_t n)
{
	const char *l[7];
	size_t i, j;

	for (i = 0; i < n; i++) {
		metrics_begin(w, f[i].name, f[i].kind, f[i].help);
		for (j = 0; j < s->n_cgroups; j++) {
			const struct msnap_cgroup *c = &s->cgroups[j];

			if (!has(c, f[i].when))
				continue;
			cg_labels(l, c, NULL, NULL);
			if (f[i].value)
				metrics_sample_double(w, l, f[i].value(s, c));
			else
				metrics_sample_u64(w, l, *(const __u64 *)((const char *)c + f[i].u64_at));
		}
	}
}

static void cg_verdicts(struct writer *w, const struct msnap *s)
{
	static const enum verdict states[] = { VERDICT_NORMAL, VERDICT_WARNING, VERDICT_LEAK };
	const char *l[7];
	size_t i, j;

	metrics_begin(w, "memprobe_cgroup_verdict", GAUGE,
	      "1 for the cgroup's current verdict on anonymous memory, 0 for the other two.");
	for (j = 0; j < s->n_cgroups; j++) {
		const struct msnap_cgroup *c = &s->cgroups[j];

		if (!has(c, W_VERDICT))
			continue;
		for (i = 0; i < sizeof(states) / sizeof(states[0]); i++) {
			cg_labels(l, c, "verdict", verdict_name(states[i]));
			metrics_sample_u64(w, l, c->verdict_state == (int)states[i]);
		}
	}
}

static void cg_orders(struct writer *w, const struct msnap *s)
{
	char order[8];
	const char *l[7];
	size_t i, j;

	metrics_begin(w, "memprobe_cgroup_page_allocations_total", COUNTER,
	      "Page allocations by the cgroup's tasks, by order.");
	for (j = 0; j < s->n_cgroups; j++) {
		for (i = 0; i < MP_ALLOC_ORDERS; i++) {
			snprintf(order, sizeof(order), i + 1 < MP_ALLOC_ORDERS ? "%zu" : "%zu+", i);
			cg_labels(l, &s->cgroups[j], "order", order);
			metrics_sample_u64(w, l, s->cgroups[j].counts.alloc_order[i]);
		}
	}
}

static void cg_present(struct writer *w, const struct msnap *s)
{
	const char *l[7];
	size_t j;

	metrics_begin(w, "memprobe_cgroup_present", GAUGE, "1 while the cgroup exists, 0 while it does not.");
	for (j = 0; j < s->n_cgroups; j++) {
		cg_labels(l, &s->cgroups[j], NULL, NULL);
		metrics_sample_u64(w, l, s->cgroups[j].present);
	}
}

/* Issue 14's figures: each limit and forecast only where there is one, the events once read. */
static void cg_limits(struct writer *w, const struct msnap *s)
{
	static const char *const events[] = { "high", "max", "oom", "oom_kill", "oom_group_kill" };
	const char *l[7];
	size_t i, j;

	metrics_begin(w, "memprobe_cgroup_memory_high_bytes", GAUGE,
	      "The effective MemoryHigh (v2 memory.high, the smallest up the tree); absent when unlimited.");
	for (j = 0; j < s->n_cgroups; j++)
		if (s->cgroups[j].present && s->cgroups[j].high_known) {
			cg_labels(l, &s->cgroups[j], NULL, NULL);
			metrics_sample_u64(w, l, s->cgroups[j].memory_high);
		}
	metrics_begin(w, "memprobe_cgroup_memory_max_bytes", GAUGE,
	      "The effective MemoryMax (v2 memory.max, v1 the hierarchical limit); absent when unlimited.");
	for (j = 0; j < s->n_cgroups; j++)
		if (s->cgroups[j].present && s->cgroups[j].max_known) {
			cg_labels(l, &s->cgroups[j], NULL, NULL);
			metrics_sample_u64(w, l, s->cgroups[j].memory_max);
		}
	metrics_begin(w, "memprobe_cgroup_high_eta_seconds", GAUGE,
	      "Time until the cgroup reaches MemoryHigh at the present growth; absent when not growing or unlimited.");
	for (j = 0; j < s->n_cgroups; j++)
		if (s->cgroups[j].present && s->cgroups[j].high_eta_known) {
			cg_labels(l, &s->cgroups[j], NULL, NULL);
			metrics_sample_double(w, l, s->cgroups[j].high_eta_s);
		}
	metrics_begin(w, "memprobe_cgroup_oom_eta_seconds", GAUGE,
	      "Time until the cgroup reaches MemoryMax at the present growth; absent when not growing or unlimited.");
	for (j = 0; j < s->n_cgroups; j++)
		if (s->cgroups[j].present && s->cgroups[j].oom_eta_known) {
			cg_labels(l, &s->cgroups[j], NULL, NULL);
			metrics_sample_double(w, l, s->cgroups[j].oom_eta_s);
		}
	metrics_begin(w, "memprobe_cgroup_memory_events_total", COUNTER,
	      "Times the cgroup hit its limits (memory.events), since memprobe first read them.");
	for (j = 0; j < s->n_cgroups; j++)
		for (i = 0; s->cgroups[j].events_known && i < sizeof(events) / sizeof(events[0]); i++) {
			cg_labels(l, &s->cgroups[j], "event", events[i]);
			metrics_sample_u64(w, l, s->cgroups[j].events[i]);
		}
}

/*
 * Issue 14's latency figures: the stalls the reclaim probe timed (kinds
 * direct and memcg), PSI where the cgroup has its own (the machine's is not
 * repeated under every cgroup), and the refaults of its present life.
 */
static void cg_pressure(struct writer *w, const struct msnap *s)
{
	static const char *const kinds[MP_RECLAIM_KINDS] = { [MP_RECLAIM_DIRECT] = "direct",
							      [MP_RECLAIM_MEMCG] = "memcg" };
	const char *l[7];
	size_t i, j;

	metrics_begin(w, "memprobe_cgroup_reclaim_stalls_total", COUNTER,
	      "Times the cgroup's tasks stalled in reclaim (vmscan tracepoints): direct (the machine short) or memcg (at its limit).");
	for (j = 0; j < s->n_cgroups; j++)
		for (i = 0; i < MP_RECLAIM_KINDS; i++) {
			cg_labels(l, &s->cgroups[j], "kind", kinds[i]);
			metrics_sample_u64(w, l, s->cgroups[j].counts.reclaim_count[i]);
		}
	metrics_begin(w, "memprobe_cgroup_reclaim_stall_seconds_total", COUNTER,
	      "Time the cgroup's tasks spent stalled in reclaim, by kind.");
	for (j = 0; j < s->n_cgroups; j++)
		for (i = 0; i < MP_RECLAIM_KINDS; i++) {
			cg_labels(l, &s->cgroups[j], "kind", kinds[i]);
			metrics_sample_double(w, l, (double)s->cgroups[j].counts.reclaim_ns[i] / 1e9);
		}
	metrics_begin(w, "memprobe_cgroup_pressure_avg10", GAUGE,
	      "The cgroup's memory PSI over 10 s, percent, some or full (v2 memory.pressure); absent where it has none of its own.");
	for (j = 0; j < s->n_cgroups; j++)
		if (s->cgroups[j].present && s->cgroups[j].psi_known && !s->cgroups[j].psi_system_wide) {
			cg_labels(l, &s->cgroups[j], "kind", "some");
			metrics_sample_double(w, l, s->cgroups[j].some_avg10);
			cg_labels(l, &s->cgroups[j], "kind", "full");
			metrics_sample_double(w, l, s->cgroups[j].full_avg10);
		}
	metrics_begin(w, "memprobe_cgroup_pressure_stall_seconds_total", COUNTER,
	      "The cgroup's memory PSI total (memory.pressure), some or full, since the cgroup was made.");
	for (j = 0; j < s->n_cgroups; j++)
		if (s->cgroups[j].present && s->cgroups[j].psi_known && !s->cgroups[j].psi_system_wide) {
			cg_labels(l, &s->cgroups[j], "kind", "some");
			metrics_sample_double(w, l, s->cgroups[j].some_total_s);
			cg_labels(l, &s->cgroups[j], "kind", "full");
			metrics_sample_double(w, l, s->cgroups[j].full_total_s);
		}
	metrics_begin(w, "memprobe_cgroup_workingset_refault_bytes_total", COUNTER,
	      "Pages read back soon after reclaim dropped them (memory.stat workingset_refault_*), since the cgroup was made.");
	for (j = 0; j < s->n_cgroups; j++)
		if (s->cgroups[j].present && s->cgroups[j].gauges && s->cgroups[j].refaults_known) {
			cg_labels(l, &s->cgroups[j], "type", "file");
			metrics_sample_u64(w, l, s->cgroups[j].refault_file_bytes);
			cg_labels(l, &s->cgroups[j], "type", "anon");
			metrics_sample_u64(w, l, s->cgroups[j].refault_anon_bytes);
		}
}

static void one_u64(struct writer *w, const char *name, enum kind kind, const char *help, __u64 v)
{
	metrics_begin(w, name, kind, help);
	metrics_sample_u64(w, NULL, v);
}

static void one_double(struct writer *w, const char *name, enum kind kind, const char *help, double v)
{
	metrics_begin(w, name, kind, help);
	metrics_sample_double(w, NULL, v);
}

static void machine(struct writer *w, const struct msnap *s)
{
	one_u64(w, "memprobe_mem_available_bytes", GAUGE, "MemAvailable: what can be had without swapping.",
		s->mem_available);
	one_u64(w, "memprobe_buff_cache_bytes", GAUGE,
		"Buffers, page cache and reclaimable slab: free(1)'s buff/cache.", s->buff_cache);
	one_u64(w, "memprobe_mem_total_bytes", GAUGE, "MemTotal.", s->mem_total);
	one_u64(w, "memprobe_sysv_shm_segments", GAUGE,
		"SysV shared memory segments in memprobe's IPC namespace.", s->sysv_segments);
	one_u64(w, "memprobe_sysv_shm_bytes", GAUGE, "Their size.", s->sysv_bytes);
	one_u64(w, "memprobe_shm_orphans", GAUGE,
		"Orphaned segments, including those whose creator no cgroup can be named for.", s->orphans);
	one_u64(w, "memprobe_shm_orphan_bytes", GAUGE, "Their size.", s->orphan_bytes);
	if (s->posix_known)
		one_u64(w, "memprobe_posix_shm_bytes", GAUGE,
			"Memory held by all files under /dev/shm, as df /dev/shm shows it.", s->posix_bytes);
}

static void bpf(struct writer *w, const struct msnap *s)
{
	const char *l[3] = { NULL, NULL, NULL };
	size_t i;

	metrics_begin(w, "memprobe_bpf_map_memory_bytes", GAUGE,
	      "Kernel memory each of memprobe's BPF maps holds (fdinfo memlock).");
	l[0] = "map";
	for (i = 0; i < s->bpf.n_maps; i++) {
		l[1] = s->bpf.maps[i].name;
		metrics_sample_u64(w, l, s->bpf.maps[i].memlock);
	}
	one_u64(w, "memprobe_bpf_stats_enabled", GAUGE, "1 while kernel.bpf_stats_enabled is on.", s->bpf.enabled);
	l[0] = "program";
	metrics_begin(w, "memprobe_bpf_program_run_seconds_total", COUNTER,
	      "Time the kernel spent in each of memprobe's BPF programs; only while bpf_stats_enabled is on.");
	for (i = 0; i < s->bpf.n_progs; i++) {
		l[1] = s->bpf.progs[i].name;
		metrics_sample_double(w, l, (double)s->bpf.progs[i].run_ns / 1e9);
	}
	metrics_begin(w, "memprobe_bpf_program_runs_total", COUNTER,
	      "Runs of each program; only while bpf_stats_enabled is on.");
	for (i = 0; i < s->bpf.n_progs; i++) {
		l[1] = s->bpf.progs[i].name;
		metrics_sample_u64(w, l, s->bpf.progs[i].run_cnt);
	}
}

static void self(struct writer *w, const struct msnap *s)
{
	const char *l[7] = { "version", s->version, "kernel", s->kernel, "cgroup_version", NULL, NULL };
	char cgv[8];
	size_t i;

	snprintf(cgv, sizeof(cgv), "%d", s->cgroup_version);
	l[5] = cgv;
	metrics_begin(w, "memprobe_build_info", INFO, "Always 1.");
	metrics_sample_u64(w, l, 1);
	one_double(w, "memprobe_sample_interval_seconds", GAUGE, "--interval.", s->interval_s);
	one_u64(w, "memprobe_samples_total", COUNTER, "Samples taken.", s->samples);
	one_double(w, "memprobe_last_sample_timestamp_seconds", GAUGE,
		   "Unix time of the last sample: the snapshot a scrape serves.", s->ts);
	metrics_begin(w, "memprobe_lost_events_total", COUNTER,
	      "What the in-kernel maps and rings could not hold, by cause (JSON lost_events).");
	l[0] = "cause";
	l[2] = NULL;
	for (i = 0; i < MP_DROP_MAX; i++) {
		l[1] = metrics_drop_cause[i];
		metrics_sample_u64(w, l, s->drops[i]);
	}
	if (s->journal)
		one_u64(w, "memprobe_journal_entries_dropped_total", COUNTER, "--journal entries journald did not take.",
			s->journal_dropped);
	if (s->machine)
		one_u64(w, "memprobe_cgroups_in_other", GAUGE,
			"Cgroups whose figures are summed into cgroup=\"other\".", s->cgroups_in_other);
	bpf(w, s);
	if (!s->self_known)
		return;
	one_double(w, "process_cpu_seconds_total", COUNTER, "Total user and system CPU time spent in seconds.",
		   s->self.cpu_seconds);
	one_u64(w, "process_resident_memory_bytes", GAUGE, "Resident memory size in bytes.", s->self.resident_bytes);
	one_u64(w, "process_virtual_memory_bytes", GAUGE, "Virtual memory size in bytes.", s->self.virtual_bytes);
	one_double(w, "process_start_time_seconds", GAUGE,
		   "Start time of the process since unix epoch in seconds.", s->self.start_time);
	one_u64(w, "process_open_fds", GAUGE, "Number of open file descriptors.", s->self.open_fds);
	one_u64(w, "process_max_fds", GAUGE, "Maximum number of open file descriptors.", s->self.max_fds);
}

void metrics_render(const struct msnap *s, bool openmetrics, struct buf *out)
{
	struct writer w = { .b = out, .om = openmetrics };

	cg_families(&w, s, memory_families, sizeof(memory_families) / sizeof(memory_families[0]));
	cg_verdicts(&w, s);
	cg_families(&w, s, fit_families, sizeof(fit_families) / sizeof(fit_families[0]));
	cg_orders(&w, s);
	cg_families(&w, s, event_families, sizeof(event_families) / sizeof(event_families[0]));
	cg_limits(&w, s);
	cg_pressure(&w, s);
	cg_present(&w, s);
	machine(&w, s);
	self(&w, s);
	if (openmetrics)
		buf_puts(out, "# EOF\n");
}
