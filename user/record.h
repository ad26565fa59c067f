/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The records memprobe reports, one struct per record type of the
 * interface spec. Report builds them; sinks (table, JSON, journald) print
 * them. Byte counts are bytes; pointers stay valid for the call only.
 */
#ifndef MEMPROBE_RECORD_H
#define MEMPROBE_RECORD_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>

struct rec_target {
	const char *cgroup;
	__u64 cgroup_id;
};

struct rec_start {
	double ts;
	const char *version;
	const struct rec_target *targets;
	size_t n_targets;
	bool machine;			/* no --cgroup: the whole machine */
	int cgroup_version;		/* 1 or 2: where the memory controller is */
	const char *memory_root;
	double interval_s;
};

struct rec_sample {
	double ts;
	const char *cgroup;
	__u64 cgroup_id;
	/* The kernel's counters (memory.stat), and the change since the last sample. */
	__u64 page_cache_bytes;
	__s64 page_cache_delta_bytes;
	__u64 anon_bytes;
	__s64 anon_delta_bytes;
	__u64 shmem_bytes;
	/* What the probes saw enter and leave the page cache in this interval. */
	__u64 page_cache_added_bytes;
	__u64 page_cache_removed_bytes;
	/* The whole system (/proc/meminfo). */
	__u64 mem_available_bytes;
	__u64 buff_cache_bytes;
	__u64 mem_total_bytes;
};

struct rec_file {
	const char *path;		/* best name known; "dev:ino" when none */
	__u32 dev;			/* userspace dev_t */
	__u64 ino;
	__u64 added_bytes;		/* probes, during the run, for this cgroup */
	__u64 removed_bytes;
	__s64 cached_bytes;		/* the file's pages in the cache now (cachestat/mincore), -1 unknown */
};

struct rec_cache_proc {
	__u32 pid;
	const char *comm;
	__u64 added_bytes;		/* page cache this process brought into the cgroup */
};

struct rec_summary {
	double ts;
	const char *cgroup;
	__u64 cgroup_id;
	double duration_s;
	bool gone;			/* the cgroup disappeared during the run */
	__u64 page_cache_bytes;
	__u64 page_cache_start_bytes;
	__u64 page_cache_added_bytes;
	__u64 page_cache_removed_bytes;
	__u64 anon_bytes;
	__u64 anon_start_bytes;
	__u64 shmem_bytes;
	__u64 mem_available_bytes;
	__u64 mem_available_start_bytes;
	const struct rec_file *top_files;
	size_t n_top_files;
	const struct rec_cache_proc *cache_processes;
	size_t n_cache_processes;
	__u64 oom_kills;
	__u64 lost_events;
};

#endif /* MEMPROBE_RECORD_H */
