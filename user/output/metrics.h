/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The metrics endpoint's exposition (README, "Fleet"): a snapshot of every
 * figure, taken at a sample (agent/exporter.c fills it from the model), and
 * its rendering in the Prometheus text format 0.0.4 or in OpenMetrics 1.0.0.
 * Rendering reads nothing but the snapshot: a scrape costs the kernel
 * nothing. Both formats carry the same series; what the contract says is
 * absent is left out, never written as 0.
 */
#ifndef MEMPROBE_METRICS_H
#define MEMPROBE_METRICS_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>

#include "memprobe.h"
#include "model/counters.h"
#include "probe/bpfstats.h"
#include "sys/buf.h"
#include "sys/selfstat.h"

#define METRICS_TEXT_TYPE	"text/plain; version=0.0.4; charset=utf-8"
#define METRICS_OPENMETRICS_TYPE	"application/openmetrics-text; version=1.0.0; charset=utf-8"

/* One exported cgroup (or "other") at the sample. */
struct msnap_cgroup {
	const char *cgroup;
	const char *unit;
	bool present;			/* absent: counters and present 0 only */
	bool gauges;			/* memory.stat was read: the memory gauges */
	bool verdict;			/* a cgroup of its own (not "other"): verdict and fit */
	__u64 anon, shmem, page_cache, reclaimable, file_mapped;
	int verdict_state;		/* enum verdict */
	double growth_bytes_per_s, confidence, r2, window_s;
	unsigned int samples;
	struct counters counts;		/* pages and calls (model/counters.h) */
	__u64 oom_kills;
	double last_oom;		/* 0: none yet, absent */
	__u64 sysv_segments, sysv_bytes, orphans, orphan_bytes;
	bool posix_known;
	__u64 posix_bytes;
	__u64 lives;
	/* Limits and the forecast (absent when unlimited, not growing, or not read), memory.events. */
	bool high_known, max_known, high_eta_known, oom_eta_known, events_known;
	__u64 memory_high, memory_max;
	double high_eta_s, oom_eta_s;
	__u64 events[5];		/* high, max, oom, oom_kill, oom_group_kill */
	/* Pressure (PSI, read with the limits) and refaults (memory.stat) of its present life. */
	bool psi_known, psi_system_wide;
	double some_avg10, full_avg10, some_total_s, full_total_s;
	bool refaults_known;
	__u64 refault_file_bytes, refault_anon_bytes;
};

struct msnap {
	double ts;			/* Unix time of the sample */
	/* memprobe itself */
	const char *version;
	const char *kernel;
	int cgroup_version;
	double interval_s;
	__u64 samples;
	__u64 drops[MP_DROP_MAX];
	bool journal;
	__u64 journal_dropped;
	bool machine;
	__u64 cgroups_in_other;
	struct bpfstats bpf;
	bool self_known;
	struct selfstat self;
	/* the machine */
	__u64 mem_available, buff_cache, mem_total;
	__u64 sysv_segments, sysv_bytes, orphans, orphan_bytes;
	bool posix_known;
	__u64 posix_bytes;
	/* the cgroups, in the order they are written */
	struct msnap_cgroup *cgroups;
	size_t n_cgroups;
	long page_size;
	void *storage;			/* what the names point into, for its maker to free */
};

/* The name of each cause of loss, as the lost_events_total series label it. */
extern const char *const metrics_drop_cause[MP_DROP_MAX];

/* Appends the exposition to out (buf.oom says if it could not); openmetrics ends it with "# EOF". */
void metrics_render(const struct msnap *s, bool openmetrics, struct buf *out);

/*
 * Label values are UTF-8 with \\, \" and \n escaped; bytes that are not
 * UTF-8 become U+FFFD, as in JSON.
 */
void metrics_label_value(struct buf *out, const char *s);

#endif /* MEMPROBE_METRICS_H */
