/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Parsers of the kernel's own counters: a cgroup's memory.stat and
 * /proc/meminfo. They are the absolute baseline every probe figure is
 * checked against. Kernels add, drop and reorder lines, so unknown or
 * malformed lines are skipped, never fatal.
 */
#ifndef MEMPROBE_KSTAT_H
#define MEMPROBE_KSTAT_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>

#include "sys/cgroup.h"

/* A cgroup's memory, hierarchical (v1's total_* figures), in bytes. */
struct memstat {
	__u64 file;		/* page cache, shmem included (v1: cache) */
	__u64 anon;		/* v1: rss */
	__u64 shmem;
	__u64 file_mapped;
	__u64 file_dirty;
	__u64 file_writeback;
	__u64 active_file;
	__u64 inactive_file;
	__u64 active_anon;
	__u64 inactive_anon;
	__u64 unevictable;
	__u64 slab_unreclaimable;	/* v2: the kernel's unreclaimable parts */
	__u64 kernel_stack;
	__u64 pagetables;
	__u64 sec_pagetables;
	__u64 percpu;
	__u64 sock;
	__u64 vmalloc;
	__u64 refault_anon;	/* pages, cumulative: workingset_refault_* */
	__u64 refault_file;
	__u64 activate_file;	/* v2: refaulted pages that were active: the hot part of a working set */
	__u64 restore_file;	/* v2: refaulted pages that had been active before reclaim */
	unsigned int have;	/* bit per field found, in the order above */
};

#define MEMSTAT_HAVE_CORE	0x7	/* file, anon and shmem */

/* Whether memory.stat counts refaults (v2 since 5.9; v1 hierarchies of older kernels have none). */
bool memstat_have_refaults(const struct memstat *m);

/* System memory from /proc/meminfo, in bytes. */
struct meminfo {
	__u64 total;
	__u64 free;
	__u64 available;
	__u64 buffers;
	__u64 cached;		/* page cache without buffers, shmem included */
	__u64 shmem;
	__u64 anon_pages;
	__u64 sreclaimable;
	__u64 mapped;
	__u64 dirty;
	__u64 writeback;
	__u64 active_file;
	__u64 inactive_file;
	__u64 unevictable;
	unsigned int have;
};

/* A process's memory from /proc/PID/status, in bytes. */
struct pstatus {
	__u64 vm_size;		/* VMS */
	__u64 vm_rss;
	__u64 rss_anon;
	__u64 rss_file;
	__u64 rss_shmem;
	__u64 vm_swap;
	unsigned int have;
};

#define PSTATUS_HAVE_CORE	0x3f

/* The scheduling facts of /proc/PID/stat: clock ticks (sysconf(_SC_CLK_TCK)). */
struct pstat {
	char comm[16];
	char state;
	__u64 utime;
	__u64 stime;
	__u64 starttime;	/* since boot: identifies the process with its pid */
	__u64 vsize;		/* bytes; 0 where the line stops before it */
};

/* One SysV shared memory segment, a row of /proc/sysvipc/shm. */
struct sysv_seg {
	__s32 key;
	__s32 shmid;
	__u32 perms;		/* mode bits, SHM_DEST (01000) set once marked for removal */
	__u64 size;
	__s32 cpid;		/* creator */
	__s32 lpid;		/* last shmat/shmdt */
	__u64 nattch;
	__u32 uid;
	__u32 cuid;
	__s64 atime, dtime, ctime;
	__u64 rss;		/* bytes resident; 0 on kernels without the column */
	__u64 swap;
};

#define SYSV_SHM_DEST	01000

int memstat_parse(const char *text, enum cg_version v, struct memstat *out);
/* Reads dir/memory.stat; for a v2 root without one, derives the same figures from /proc/meminfo. */
int memstat_read(const char *dir, enum cg_version v, bool root, struct memstat *out);

int meminfo_parse(const char *text, struct meminfo *out);
int meminfo_read(struct meminfo *out);

/*
 * Parses /proc/sysvipc/shm: columns are found by their header names, so
 * added or reordered columns do not matter. Fills at most max segments and
 * returns how many rows there were, or -ENODATA without a usable header.
 */
int sysvshm_parse(const char *text, struct sysv_seg *out, size_t max);

int pstatus_parse(const char *text, struct pstatus *out);
int pstat_parse(const char *text, struct pstat *out);
/* Reads both for pid; -ENOENT once the process is gone. */
int proc_read(int pid, struct pstatus *st, struct pstat *sp);
/* When the machine booted, Unix time (/proc/stat btime); 0 when unknown. */
double kstat_boot_time(void);
/* /proc/PID/stat alone: a third of the kernel's work of both. */
int proc_read_stat(int pid, struct pstat *sp);

/*
 * What reclaim cannot take back (without swap): anon, shmem, file pages
 * off the file LRUs (mlocked), and the kernel's unreclaimable memory
 * where memory.stat gives it (v2). What an OOM kill comes from.
 */
static inline __u64 memstat_unreclaimable(const struct memstat *m)
{
	__u64 lru = m->active_file + m->inactive_file, cache = m->file > m->shmem ? m->file - m->shmem : 0;

	return m->anon + m->shmem + (cache > lru ? cache - lru : 0) + m->slab_unreclaimable + m->kernel_stack +
	       m->pagetables + m->sec_pagetables + m->percpu + m->sock + m->vmalloc;
}

/* Page cache without shmem: what reclaim can drop. */
static inline __u64 memstat_page_cache(const struct memstat *m)
{
	return m->file > m->shmem ? m->file - m->shmem : 0;
}

/* What free(1) calls buff/cache. */
static inline __u64 meminfo_buff_cache(const struct meminfo *m)
{
	return m->buffers + m->cached + m->sreclaimable;
}

#endif /* MEMPROBE_KSTAT_H */
