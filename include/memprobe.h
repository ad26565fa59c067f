/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Types shared by the BPF programs and the agent: map keys, map values and
 * the limits that size the maps. Both sides include this file, so it uses
 * only fixed-width types and spells out its padding.
 */
#ifndef MEMPROBE_H
#define MEMPROBE_H

#ifdef __bpf__
#include "vmlinux.h"
#else
#include <linux/types.h>
#endif

/* Default map sizes; the agent may lower or raise them before load. */
#define MP_MAX_CGROUPS		4096
#define MP_MAX_FILES		16384
#define MP_MAX_TASKS		8192

#define MP_COMM_LEN		16

/*
 * A file's name as the probe saw it: up to MP_PATH_DEPTH dentry names from
 * the file up towards its superblock's root, leaf first. depth counts the
 * filled slots; complete is 1 when the walk reached the root, so the agent
 * knows whether it may prepend the mount point. Inodes without a dentry
 * (a block device's own cache, which holds filesystem metadata) keep
 * their superblock's magic and their rdev instead.
 */
#define MP_PATH_DEPTH		8
#define MP_NAME_LEN		64

/*
 * The agent's side of the kernel's filter (bpf/watch.bpf.h): filtering
 * off watches everything; generation changes whenever the set of targets
 * does, so cached answers of an older set are not trusted.
 */
struct mp_watch_state {
	__u32 filtering;
	__u32 generation;
};

/* Page-cache counters of one file in one memory cgroup, cumulative since attach. */
struct mp_cache_val {
	__u64 added_pages;
	__u64 removed_pages;
};
_Static_assert(sizeof(struct mp_cache_val) == 16, "mp_cache_val layout");

/*
 * The same for a whole memory cgroup, with what its files and processes
 * could not be counted in when those maps were full: losses are said
 * against the cgroup that lost them.
 */
struct mp_cgroup_cache_val {
	__u64 added_pages;
	__u64 removed_pages;
	__u64 lost_files;
	__u64 lost_tasks;
	__u64 lost_names;
};
_Static_assert(sizeof(struct mp_cgroup_cache_val) == 40, "mp_cgroup_cache_val layout");

/*
 * The memory cgroup a folio is charged to and the file it belongs to. A
 * file is its inode with the inode's generation: an inode number a new
 * file reuses is a new file.
 */
struct mp_file_key {
	__u64 cgid;
	__u64 ino;
	__u32 dev;		/* kernel dev_t: major << 20 | minor */
	__u32 gen;		/* i_generation; 0 on filesystems that keep none */
};
_Static_assert(sizeof(struct mp_file_key) == 24, "mp_file_key layout");

struct mp_file_name_key {
	__u64 ino;
	__u32 dev;
	__u32 gen;
};
_Static_assert(sizeof(struct mp_file_name_key) == 16, "mp_file_name_key layout");

struct mp_file_name {
	__u32 depth;
	__u32 complete;
	__u64 magic;		/* superblock s_magic */
	__u32 rdev;		/* i_rdev, kernel encoding */
	__u32 deleted;		/* its last link went while its pages were cached */
	char comp[MP_PATH_DEPTH][MP_NAME_LEN];
};
_Static_assert(sizeof(struct mp_file_name) == 24 + MP_PATH_DEPTH * MP_NAME_LEN,
	       "mp_file_name layout");

/*
 * A tmpfs or shmem file (/dev/shm, memfd, SysV) and the memory cgroup its
 * pages were charged to as they were added: which cgroup a POSIX shm file
 * belongs to, whoever maps it now.
 */
struct mp_shmem_key {
	__u64 cgid;
	__u64 ino;
	__u32 dev;
	__u32 _pad;
};
_Static_assert(sizeof(struct mp_shmem_key) == 24, "mp_shmem_key layout");

/* The process that brought pages into a cgroup's page cache. */
struct mp_task_key {
	__u64 cgid;
	__u32 tgid;
	__u32 _pad;
};
_Static_assert(sizeof(struct mp_task_key) == 16, "mp_task_key layout");

/*
 * Per CPU: comm is set on the CPU that saw the process first or saw it
 * exec; comm_ns (when) says which copy is the newest name.
 */
struct mp_task_val {
	__u64 added_pages;
	__u64 comm_ns;
	char comm[MP_COMM_LEN];
};
_Static_assert(sizeof(struct mp_task_val) == 32, "mp_task_val layout");

/*
 * An mm's RSS counters as the kernel's kmem:rss_stat reports them, in our
 * own order (the kernel's MM_* enum is anonymous, so CO-RE cannot name it;
 * its order has held since 4.5 and the tracepoint's format prints it).
 */
enum mp_rss_member {
	MP_RSS_FILE,		/* MM_FILEPAGES */
	MP_RSS_ANON,		/* MM_ANONPAGES */
	MP_RSS_SWAP,		/* MM_SWAPENTS */
	MP_RSS_SHMEM,		/* MM_SHMEMPAGES */
	MP_RSS_MEMBERS,
};

/* A process, named so that a reused pid is a different key. */
struct mp_proc_key {
	__u32 tgid;
	__u32 _pad;
	__u64 start_ns;		/* the group leader's start_boottime */
};
_Static_assert(sizeof(struct mp_proc_key) == 16, "mp_proc_key layout");

/* Its counters in pages: the latest value and the highest seen since attach. */
struct mp_proc_val {
	__u64 cgid;		/* memory cgroup of the mm's owner, at the latest change */
	__s64 cur[MP_RSS_MEMBERS];
	__s64 peak[MP_RSS_MEMBERS];
	__u64 updates;
	char comm[MP_COMM_LEN];
};
_Static_assert(sizeof(struct mp_proc_val) == 8 + 64 + 8 + MP_COMM_LEN, "mp_proc_val layout");

/*
 * Page allocations by the allocating task's memory cgroup. The hot path
 * keys them by the cgroup's memory css (its address and serial number,
 * which is never reused, so a recycled address is a new key) and resolves
 * the cgroup id only when it creates an entry; the agent sums by cgid.
 */
#define MP_ALLOC_ORDERS		11	/* orders 0..9, then 10 and above */

struct mp_alloc_key {
	__u64 css;
	__u64 serial;
};
_Static_assert(sizeof(struct mp_alloc_key) == 16, "mp_alloc_key layout");

struct mp_alloc_val {
	__u64 cgid;
	__u64 pages;
	__u64 calls;
	__u64 order[MP_ALLOC_ORDERS];
};
_Static_assert(sizeof(struct mp_alloc_val) == 8 * (3 + MP_ALLOC_ORDERS), "mp_alloc_val layout");

/*
 * Each CPU's allocations for the css it saw last, not yet added to the
 * map: consecutive allocations on a CPU are nearly always the same task's,
 * and a per-CPU array slot costs a fraction of a hash lookup. The agent
 * reads the slots with the map.
 */
struct mp_alloc_slot {
	__u64 cset;			/* the css_set key.css was found through */
	struct mp_alloc_key key;	/* css 0: empty */
	struct mp_alloc_val val;
};

/*
 * Time the tasks of a memory cgroup spent in reclaim, the latency memory
 * pressure costs them: direct reclaim (the machine short of memory) and
 * memcg reclaim (the cgroup at memory.high or its limit), with a log2
 * histogram of the stalls of either kind.
 */
enum mp_reclaim_kind {
	MP_RECLAIM_DIRECT,
	MP_RECLAIM_MEMCG,
	MP_RECLAIM_KINDS,
};

#define MP_RECLAIM_BUCKETS	24	/* bucket b: stalls of 2^(b-1) to 2^b µs; 0 under 1 µs; the last, 2^22 µs and more */

struct mp_reclaim_val {
	__u64 count[MP_RECLAIM_KINDS];
	__u64 ns[MP_RECLAIM_KINDS];
	__u64 hist[MP_RECLAIM_BUCKETS];
};
_Static_assert(sizeof(struct mp_reclaim_val) == 8 * (2 * MP_RECLAIM_KINDS + MP_RECLAIM_BUCKETS),
	       "mp_reclaim_val layout");

/*
 * Discrete events, streamed through a ring buffer per object. Every event
 * starts with this header: the type says which struct follows, the version
 * changes when that struct does.
 */
enum mp_event_type {
	MP_EV_SHM = 1,
	MP_EV_OOM = 2,
};

#define MP_EVENT_VERSION	1

struct mp_event_hdr {
	__u16 type;
	__u16 version;
	__u32 size;		/* of the whole event */
	__u64 ts_ns;		/* bpf_ktime_get_boot_ns() */
};
_Static_assert(sizeof(struct mp_event_hdr) == 16, "mp_event_hdr layout");

enum mp_shm_op {
	MP_SHM_GET = 1,		/* shmget returned an id: created, or found */
	MP_SHM_ATTACH,
	MP_SHM_DETACH,
	MP_SHM_REMOVE,		/* shmctl(IPC_RMID) */
};

/* A SysV shared memory syscall that succeeded, seen at its exit. */
struct mp_shm_event {
	struct mp_event_hdr hdr;
	__u32 pid;		/* tgid */
	__u32 tid;
	__u64 cgid;		/* the caller's memory cgroup */
	__s32 shmid;		/* -1 when a detach could not be matched to a segment */
	__s32 key;
	__u64 size;		/* shmget's size argument */
	__u64 addr;		/* attach or detach address */
	__u32 op;		/* enum mp_shm_op */
	__u32 flags;		/* shmget's shmflg, shmat's shmflg */
	__u32 ipc_ns;		/* the caller's IPC namespace (inode): ids are per namespace */
	__u32 _pad;
	char comm[MP_COMM_LEN];
};
_Static_assert(sizeof(struct mp_shm_event) == 16 + 56 + MP_COMM_LEN, "mp_shm_event layout");

/* What ran out: the kernel's enum oom_constraint, in our own order. */
enum mp_oom_scope {
	MP_OOM_UNKNOWN,
	MP_OOM_SYSTEM,		/* the whole machine */
	MP_OOM_CPUSET,		/* the allocation's cpuset */
	MP_OOM_MEMPOLICY,	/* the allocation's memory policy */
	MP_OOM_CGROUP,		/* a memory cgroup's limit */
};

/* The task the OOM killer chose. */
struct mp_oom_event {
	struct mp_event_hdr hdr;
	__u32 pid;		/* tgid */
	__u32 tid;
	__u32 uid;
	__u32 trigger_pid;	/* the process whose allocation ran the OOM killer */
	__s32 oom_score_adj;
	__u32 scope;		/* enum mp_oom_scope */
	__u64 cgid;		/* the victim's memory cgroup */
	__u64 oom_cgid;		/* the cgroup whose limit was hit (MP_OOM_CGROUP) */
	__u64 limit_pages;	/* that cgroup's limit */
	__u64 total_vm_pages;
	__s64 rss[MP_RSS_MEMBERS];	/* pages, enum mp_rss_member */
	__u32 exact;		/* 1: the OOM killer's own context; 0: inferred from the limits */
	__u32 _pad;
	char comm[MP_COMM_LEN];
};
_Static_assert(sizeof(struct mp_oom_event) == 16 + 24 + 32 + 32 + 8 + MP_COMM_LEN, "mp_oom_event layout");

/* Default ring sizes (bytes, a power of two and a multiple of the page size). */
#define MP_SHM_RING		(256 * 1024)
#define MP_OOM_RING		(16 * 1024)

/*
 * What the probes could not record, by cause: one slot each in a per-CPU
 * array, so that nothing is ever lost without being counted.
 */
enum mp_drop {
	MP_DROP_CGROUP_FULL,	/* page-cache map of cgroups full */
	MP_DROP_FILE_FULL,	/* per-file map full */
	MP_DROP_NAME_FULL,	/* file-name map full: file shown by dev:ino */
	MP_DROP_TASK_FULL,	/* per-process map full */
	MP_DROP_PROC_FULL,	/* RSS map of processes full */
	MP_DROP_ALLOC_FULL,	/* page-allocation map of cgroups full */
	MP_DROP_RING_FULL,	/* an event the ring buffer could not take */
	MP_DROP_INFLIGHT_FULL,	/* too many syscalls in flight to follow */
	MP_DROP_RECLAIM_FULL,	/* reclaim map of cgroups or tasks full */
	MP_DROP_SHMEM_FULL,	/* map of shmem files full */
	MP_DROP_MAX,
};

#endif /* MEMPROBE_H */
