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

#include "memprobe.h"

struct rec_target {
	const char *cgroup;
	__u64 cgroup_id;
};

/*
 * What memprobe itself costs: the kernel memory its BPF maps hold (the
 * kernel's memlock figure of each map it has open), its CPU time, its
 * memory, and how long one interval's work takes.
 */
struct rec_agent {
	__u64 map_bytes;
	unsigned int maps;
	double cpu_s;			/* user + system since it started, loading included */
	__u64 rss_bytes;		/* VmRSS now */
	__u64 peak_rss_bytes;		/* VmHWM */
	__u64 intervals;		/* intervals measured so far */
	double interval_median_s;	/* of the last AGENT_RECENT intervals */
	double interval_max_s;		/* of the whole run */
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
	/* Where and what ran, for a report read elsewhere; NULL when not known. */
	const char *host;		/* uname -n */
	const char *kernel;		/* uname -r */
	const char *command;		/* -- COMMAND, its words quoted as a shell would need */
	const struct rec_agent *agent;	/* memprobe's own cost once loaded; NULL: not known (a replay) */
};

/* The leak verdict and what it rests on. */
struct rec_verdict {
	const char *verdict;		/* "normal", "warning" or "leak" */
	double confidence;		/* 0..1 */
	double growth_bytes_per_hour;	/* least-squares slope of anon over the window */
	double r2;
	unsigned int samples;
	double window_s;		/* the span the fit covers */
	const char *reason;
};

/* A process in a watched cgroup, with the columns of the users' monitor. */
struct rec_proc {
	__u32 pid;
	const char *comm;
	bool alive;
	__u64 rss_bytes;		/* /proc/PID/status, now (at exit: the probe's last) */
	__u64 anon_bytes;
	__u64 file_bytes;
	__u64 shmem_bytes;
	__u64 shared_bytes;		/* file + shmem, as top(1)'s SHR */
	__u64 vms_bytes;
	__u64 swap_bytes;
	double cpu_percent;		/* of one CPU, between two readings; valid when cpu_known */
	bool cpu_known;
	__s64 rss_growth_bytes;		/* since memprobe first saw it */
	__s64 anon_growth_bytes;
	__u64 peak_rss_bytes;		/* highest the probe saw: anon + file + shmem */
	__u64 peak_anon_bytes;
	struct rec_verdict verdict;
};

/* The limits in force (v2 memory.high/max, v1 limit_in_bytes) and the cgroup that sets each. */
struct rec_limits {
	bool known;
	__u64 high_bytes, max_bytes;	/* ~0: unlimited */
	const char *high_cgroup, *max_cgroup;
};

/* When the memory reclaim cannot take back reaches the limits, at its fitted rate. */
struct rec_forecast {
	bool known;
	__u64 unreclaimable_bytes;
	double growth_bytes_per_hour;
	double confidence;
	double high_eta_s, oom_eta_s;	/* < 0: not growing, or no limit */
};

/* Memory events (memory.events; v1 failcnt and oom_control): in an interval, or over the run. */
struct rec_events {
	bool known;
	__u64 high, max, oom, oom_kill, oom_group_kill;
};

/* PSI: avg10 now, and the stall time added in the interval or over the run. */
struct rec_pressure {
	bool known;
	bool system_wide;		/* the machine's: the cgroup has none of its own */
	double some_avg10, full_avg10;
	double some_stall_s, full_stall_s;
};

/* Reclaim stalls of the cgroup's tasks (probe), in the interval or over the run. */
struct rec_reclaim {
	bool known;			/* the reclaim probe is loaded */
	__u64 direct_count, memcg_count;
	double direct_s, memcg_s;
	double p50_s, p99_s;		/* summaries: from the log2 histogram, the bucket's upper edge */
};

/* Everything about a cgroup between its verdict and an OOM kill. */
struct rec_health {
	struct rec_limits limits;
	struct rec_forecast forecast;
	struct rec_events events;
	struct rec_pressure pressure;
	struct rec_reclaim reclaim;
	bool refaults_known;
	__u64 refault_file_bytes, refault_anon_bytes;	/* pages read back soon after reclaim dropped them */
};

struct rec_sample {
	double ts;
	const char *cgroup;
	__u64 cgroup_id;
	unsigned int lives;
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
	/* RSS of the cgroup by kind (memory.stat), and how fast it moves. */
	__u64 file_mapped_bytes;
	double anon_rate_bytes_per_s;
	double file_mapped_rate_bytes_per_s;
	double shmem_rate_bytes_per_s;
	__u64 page_cache_reclaimable_bytes;	/* clean, unmapped-or-not: what reclaim can take */
	/* Page allocations by the cgroup's tasks in the interval (probe; unknown without it). */
	bool alloc_known;
	__u64 alloc_pages;
	double alloc_bytes_per_s;
	struct rec_verdict verdict;
	const struct rec_proc *top_processes;
	size_t n_top_processes;
	struct rec_health health;
	bool machine;			/* the whole machine's root: MemAvailable's forecast applies */
	double mem_available_eta_s;	/* < 0: not running out */
};

struct rec_file {
	const char *path;		/* best name known; "dev:ino" when none */
	__u32 dev;			/* userspace dev_t */
	__u64 ino;
	__u64 added_bytes;		/* probes, during the run, for this cgroup */
	__u64 removed_bytes;
	__s64 cached_bytes;		/* the file's pages in the cache now (cachestat/mincore), -1 unknown */
	__u32 links;			/* its hard links now, 0 unknown; path is one of them */
};

struct rec_cache_proc {
	__u32 pid;
	const char *comm;
	__u64 added_bytes;		/* page cache this process brought into the cgroup */
};

/* A frame of a growth stack; strings are "" and line 0 when unknown. */
struct rec_frame {
	const char *function;
	const char *module;		/* the mapped file's path */
	__u64 offset;			/* into the function; into the module (ELF address) when the function is unknown */
	const char *file;
	unsigned int line;
};

/* A code path that allocated anonymous memory, from the sampled pages (see --stack-sample). */
struct rec_growth_stack {
	const struct rec_frame *frames;	/* innermost first */
	size_t n_frames;
	size_t own;			/* the first frame outside the allocator */
	__u64 in_use_bytes;		/* allocated and not freed, scaled by the sampling interval */
	__u64 sampled_bytes;		/* allocated, scaled likewise */
	__u64 samples;
	double growth_bytes_per_hour;	/* of in_use_bytes, fitted over the last half to whole verdict window */
	const __u64 *pids;
	size_t n_pids;
};

/* A watched cgroup's leak verdict changed. */
struct rec_verdict_change {
	double ts;
	const char *cgroup;
	__u64 cgroup_id;
	const char *previous;
	struct rec_verdict verdict;
	__u64 anon_bytes;
	const char *top_stack;		/* growth stacks: the top one in a line; NULL when off */
};

/* A SysV shared memory segment created, attached, detached or removed. */
struct rec_shm {
	double ts;
	const char *event;		/* "create", "get", "attach", "detach", "remove" */
	__s32 shmid;
	__s32 key;
	__u64 size_bytes;
	__u32 pid;
	const char *comm;
	const char *cgroup;
	__u64 cgroup_id;
	__u64 addr;			/* attach/detach address, 0 otherwise */
	__u32 tid;
	__u32 ipc_ns;			/* the IPC namespace's inode: ids are per namespace */
	bool known;			/* shmid, key and size are known (a detach may not be) */
};

/* A segment nothing is attached to, whose creator is gone, not marked for removal. */
struct rec_shm_orphan {
	double ts;
	__s32 shmid;
	__s32 key;
	__u64 size_bytes;
	__u64 rss_bytes;		/* resident now */
	__u32 creator_pid;
	const char *creator_comm;	/* "" when memprobe did not see it created */
	const char *cgroup;		/* the creator's; "" when unknown */
	__u64 cgroup_id;
	double created;			/* Unix time */
	double last_detached;		/* Unix time, 0 if never attached */
	const char *remove_command;	/* "ipcrm -m ID", entering its namespace when not memprobe's */
	__u64 memory_bytes;		/* resident and swapped */
	__u32 last_pid;			/* the last to attach or detach */
	__u32 ipc_ns;			/* the IPC namespace (inode): ids are per namespace */
};

/* One reading of a cgroup, for an OOM kill's post-mortem. */
struct rec_reading {
	double ts;
	__u64 anon_bytes, shmem_bytes, page_cache_bytes, unreclaimable_bytes;
};

/* The task the OOM killer chose. */
struct rec_oom_kill {
	double ts;
	double boot_ts;			/* the same on CLOCK_BOOTTIME: readings are ordered against it */
	__u32 pid;
	__u32 tid;
	__u32 uid;
	__u32 trigger_pid;		/* whose allocation ran the OOM killer */
	const char *comm;
	const char *cgroup;
	__u64 cgroup_id;
	__u64 anon_rss_bytes;
	__u64 file_rss_bytes;
	__u64 shmem_rss_bytes;
	__u64 swap_bytes;
	__u64 total_vm_bytes;
	__s32 oom_score_adj;
	const char *scope;		/* "cgroup", "system", "cpuset", "mempolicy" or "unknown" */
	const char *oom_cgroup;		/* the cgroup whose limit was hit; "" otherwise */
	__u64 oom_cgroup_id;
	__u64 limit_bytes;		/* that cgroup's limit (scope cgroup only) */
	bool exact;			/* from the OOM killer's context, not inferred from limits */
	/* What led to it: the watched cgroup's last readings and state before the kill. */
	bool pre_known;
	const char *pre_cgroup;			/* the watched cgroup the victim belongs to */
	const struct rec_reading *pre_readings;	/* oldest first */
	size_t n_pre_readings;
	double pre_anon_growth_bytes_per_hour;
	struct rec_forecast pre_forecast;
	struct rec_events pre_events;		/* in the last interval */
	struct rec_reclaim pre_reclaim;		/* in the last interval */
	const struct rec_proc *pre_top_processes;
	size_t n_pre_top_processes;
};

/* A process using a POSIX shared memory file. */
struct rec_posix_user {
	__u32 pid;
	const char *comm;
	const char *cgroup;
};

/* A POSIX shared memory file (tmpfs under /dev/shm) and who uses it. */
struct rec_posix_shm {
	const char *path;
	__u64 size_bytes;		/* its size */
	__u64 memory_bytes;		/* what it takes from memory: its allocated pages */
	bool deleted;			/* unlinked, still open or mapped */
	const char *charged_cgroup;	/* the cgroup most of its pages were charged to; NULL: unknown */
	__u64 charged_bytes;		/* the share of memory_bytes charged to this summary's cgroup */
	const struct rec_posix_user *users;	/* the watched processes that have it open or mapped */
	size_t n_users;
};

struct rec_summary {
	double ts;
	bool interim;			/* a periodic summary of a run still going (journald only) */
	const char *cgroup;
	__u64 cgroup_id;
	double duration_s;
	bool gone;			/* the cgroup disappeared during the run */
	unsigned int lives;		/* 2 and more: removed and created again under its name */
	__u64 first_cgroup_id;		/* the id it had at the start */
	__u64 page_cache_bytes;
	__u64 page_cache_start_bytes;
	__u64 page_cache_added_bytes;
	__u64 page_cache_removed_bytes;
	__u64 anon_bytes;
	__u64 anon_start_bytes;
	__u64 shmem_bytes;
	__u64 shmem_start_bytes;
	__u64 mem_available_bytes;
	__u64 mem_available_start_bytes;
	const struct rec_file *top_files;
	size_t n_top_files;
	const struct rec_cache_proc *cache_processes;
	size_t n_cache_processes;
	__u64 oom_kills;
	__u64 lost_events;
	/* Growth and the verdict on it. */
	__s64 anon_growth_bytes;		/* now minus start */
	double anon_growth_bytes_per_hour;	/* fitted over the window */
	struct rec_verdict verdict;
	bool processes_exited;			/* they ran and all have exited: the verdict is theirs */
	__u64 anon_last_running_bytes;		/* anon at the last reading with a process running */
	__s64 page_cache_growth_bytes;
	__u64 page_cache_reclaimable_bytes;
	const char *page_cache_note;		/* why page cache growth is not a leak */
	__u64 file_mapped_bytes;
	bool alloc_known;			/* the page-allocation probe ran */
	__u64 alloc_pages;
	__u64 alloc_order[MP_ALLOC_ORDERS];	/* page allocations by order; the last is 10 and above */
	const struct rec_proc *top_processes;
	size_t n_top_processes;
	const struct rec_proc *exited_processes;	/* gone during the run, by peak */
	size_t n_exited_processes;
	/* Shared memory of the cgroup's processes. */
	__u64 sysv_shm_segments;		/* SysV segments its processes created, still there */
	__u64 sysv_shm_bytes;
	__u64 shm_orphans;			/* of those, orphaned */
	const struct rec_posix_shm *posix_shm;
	size_t n_posix_shm;
	__u64 posix_shm_bytes;
	struct rec_health health;		/* events, stalls and refaults over the run */
	const char *page_cache_working_set;	/* "working set", "cold" or "unknown" */
	bool machine;
	double mem_available_eta_s;
	const struct rec_agent *agent;		/* memprobe's own cost over the run; NULL: not known */
	/* Growth stacks (off: stacks_on false and the rest empty). */
	bool stacks_on;
	const struct rec_growth_stack *growth_stacks;	/* by bytes in use */
	size_t n_growth_stacks;
	const char *top_stack;			/* the fastest-growing one (else the largest) in a line, from its first frame outside the allocator */
	__u64 stack_sample_bytes;		/* the sampling interval */
	__u64 stack_samples;			/* the whole run's, every cgroup's */
	__u64 stack_samples_skipped;		/* over --stack-rate, or the ring too full: their bytes go to the process's next sample */
	__u64 stack_skipped_bytes;		/* bytes of skipped samples no later sample took on */
	__u64 stack_samples_lost;		/* maps or ring full */
	double stack_unwind_cpu_s;		/* memprobe's CPU spent unwinding and naming them */
	__u64 stack_ring_bytes;			/* what samples and frees took through the ring */
};

/* A cgroup's time to its limit crossed --oom-horizon, or came back. */
struct rec_forecast_change {
	double ts;
	const char *cgroup;
	__u64 cgroup_id;
	bool below_horizon;
	double horizon_s;
	struct rec_limits limits;
	struct rec_forecast forecast;
};

/* A cgroup hit its limit (max) or the OOM killer ran in it, in the last interval. */
struct rec_memory_event {
	double ts;
	const char *cgroup;
	__u64 cgroup_id;
	double interval_s;
	struct rec_events events;
	struct rec_limits limits;
};

#endif /* MEMPROBE_RECORD_H */
