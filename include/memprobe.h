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

/* The most CPUs a program walks one by one (the exit hook's slots). */
#define MP_MAX_CPUS		1024

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
 * Per CPU, a few (file, cgroup) pairs the CPU saw last with their
 * page-cache counts not yet added to the maps, one way per hash of the
 * file's address_space: runs of one file's folios (readahead, truncation,
 * reclaim) and a few files read in turn cost an array lookup and a few
 * loads each; the maps are touched when a way is taken by another file.
 * The agent adds what the ways hold when it reads the maps. The pointers
 * and the css serial number only tell later events whether it is the same.
 */
#define MP_CACHE_WAYS	8

struct mp_cache_slot {
	__u64 mapping;		/* address_space counted for; 0 when empty */
	__u64 memcg;		/* mem_cgroup the folios are charged to */
	__u64 serial;		/* its css serial number: a reused pointer is another cgroup */
	struct mp_file_key file;
	__u32 watched;		/* the targets' filter says yes */
	__u32 deleted;		/* the file's name is marked deleted already */
	__u32 hits;		/* events since the serial number was checked */
	__u32 watch_gen;	/* the targets' generation and filtering when watched was decided */
	struct mp_cgroup_cache_val val;	/* pages in and out, losses, of file.cgid */
	__u64 file_added;
	__u64 file_removed;
};
_Static_assert(sizeof(struct mp_cache_slot) == 24 + 24 + 16 + 40 + 16, "mp_cache_slot layout");

/* Per CPU, the process that brought pages in last, with its pages not yet in the map (tgid 0: none). */
struct mp_task_slot {
	struct mp_task_key key;
	struct mp_task_val val;
};
_Static_assert(sizeof(struct mp_task_slot) == 48, "mp_task_slot layout");

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
	__u32 exited;		/* its last thread has exited: the agent hands it on once more and deletes it */
	__u32 _pad;
};
_Static_assert(sizeof(struct mp_proc_val) == 8 + 64 + 8 + MP_COMM_LEN + 8, "mp_proc_val layout");

/*
 * Per CPU, the process whose RSS changed last on it, with what changed
 * since it took the slot (val.updates counts those changes): a fault
 * storm of one process costs an array lookup and a few loads a fault, and
 * its map entry is written when another process takes the slot. The agent
 * reads the slots after the map: their figures are the newer.
 */
struct mp_proc_slot {
	__u64 mm;		/* the mm_struct counted for; 0 when empty */
	struct mp_proc_key key;
	struct mp_proc_val val;
};
_Static_assert(sizeof(struct mp_proc_slot) == 8 + 16 + sizeof(struct mp_proc_val), "mp_proc_slot layout");

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
	MP_EV_STACK = 3,
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

/*
 * Growth stacks (bpf/stacks.bpf.c): the user pages watched tasks allocate
 * for anonymous memory are sampled, one per MP_STACK_SAMPLE bytes a process
 * allocates on average; each sample carries the user registers, the top
 * of the user stack, for the agent to unwind with DWARF CFI, and the
 * address the page is mapped at. The agent follows that address, not the
 * page: the calls that give address space back (munmap, madvise, mremap,
 * brk, a replacing mmap, exec) come as small events of the same type, for
 * followed processes only.
 */
#define MP_STACK_SAMPLE		(512 * 1024)	/* default bytes between samples */
#define MP_STACK_BYTES		16384		/* user stack copied per sample: a power of two */
#define MP_STACK_REGS		17		/* x86_64 DWARF registers 0-16: rax..r15, rip */
#define MP_STACK_RING		(1024 * 1024)
#define MP_STACK_PAGES		65536		/* sampled pages followed at once */
#define MP_STACK_RATE		200		/* stacks a second, at most, for the whole machine */

enum mp_stack_kind {
	MP_STACK_SAMPLE_EV = 1,	/* a sampled page, with its stack and address */
	MP_STACK_UNMAP_EV = 3,	/* [start, start + len) given back (munmap, madvise, brk, mmap over it) */
	MP_STACK_MOVE_EV = 4,	/* mremap: [start, start + len) now at `to`, new_len long */
	MP_STACK_EXEC_EV = 5,	/* the process replaced its address space */
};

/* What every kind starts with. */
struct mp_stack_head {
	struct mp_event_hdr hdr;
	__u32 kind;		/* enum mp_stack_kind */
	__u32 tgid;
	__u32 tid;
	__u32 flags;
	__u64 id;		/* the sample, unique in a run */
};
_Static_assert(sizeof(struct mp_stack_head) == 16 + 24, "mp_stack_head layout");

struct mp_stack_event {
	struct mp_stack_head head;
	__u64 cgid;		/* the task's memory cgroup */
	__u64 weight;		/* bytes the sample stands for */
	__u64 start_ns;		/* the process's start (boot time), which tells a reused pid */
	__u64 mm;		/* its address space: a new one after exec */
	__u64 addr;		/* where the page is mapped in it (a huge page: its start) */
	__u64 regs[MP_STACK_REGS];
	__u32 order;		/* of the page allocation */
	__u32 stack_size;	/* bytes of stack that follow, from regs[7] (rsp) up */
	char comm[MP_COMM_LEN];
	__u8 stack[MP_STACK_BYTES];
};
_Static_assert(sizeof(struct mp_stack_event) == 40 + 40 + 8 * MP_STACK_REGS + 8 + MP_COMM_LEN + MP_STACK_BYTES,
	       "mp_stack_event layout");

/* A followed process's address space changed. */
struct mp_stack_range {
	struct mp_stack_head head;
	__u64 start, len;	/* page-aligned */
	__u64 to, new_len;	/* MP_STACK_MOVE_EV: where it went, how long it is now */
};
_Static_assert(sizeof(struct mp_stack_range) == 40 + 32, "mp_stack_range layout");

/* What the stacks program counts, one slot each in a per-CPU array. */
enum mp_stack_stat {
	MP_STK_SAMPLES,		/* confirmed anonymous and sent */
	MP_STK_NOT_ANON,	/* sampled pages that were not anonymous memory (page cache, ...) */
	MP_STK_RATE,		/* samples skipped by the rate limit */
	MP_STK_RATE_BYTES,	/* the bytes they stood for, carried to the process's next sample */
	MP_STK_RATE_LOST_BYTES,	/* of those, bytes never carried: the process left the CPU first */
	MP_STK_NO_ADDR,		/* samples skipped, bytes carried: where the page is mapped was not found */
	MP_STK_RING_FULL,	/* samples or address-space events the ring could not take */
	MP_STK_RANGES,		/* address-space events sent */
	MP_STK_FOLLOW_FULL,	/* samples whose process could not be followed (the map was full) */
	MP_STK_NO_STACK,	/* samples whose user stack could not be read */
	MP_STK_RING_BYTES,	/* bytes of samples and events sent through the ring */
	MP_STK_ROOM,		/* samples skipped, bytes carried: the ring kept its last quarter for events */
	MP_STK_STATS,
};

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
