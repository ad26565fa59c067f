/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The processes of the watched cgroups: exact figures from /proc (RSS,
 * VMS, shared, CPU) at every sample, joined with what kmem:rss_stat saw
 * between samples (peaks, and processes that lived less than an interval).
 * A process is (pid, start time), so a reused pid is a new process.
 */
#ifndef MEMPROBE_PROCS_H
#define MEMPROBE_PROCS_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>

#include "model/agg.h"
#include "sys/cgroup.h"
#include "sys/kstat.h"
#include "model/verdict.h"

struct proc {
	__u32 pid;
	__u64 start;			/* /proc/PID/stat starttime, clock ticks */
	char comm[16];
	__u64 cgid;
	bool alive;
	bool have_status;		/* /proc figures read at least once */
	struct pstatus first, now;
	__u64 cpu_ref;			/* utime + stime at t_ref, ticks */
	double t_first, t_ref, t_now;
	double t_status;		/* /proc/PID/status last read */
	bool cpu_known;			/* two readings far enough apart were had */
	double cpu_percent;		/* between the last two such readings, of one CPU */
	__s64 peak[MP_RSS_MEMBERS];	/* pages, from the probe */
	__u64 updates;			/* counter changes the probe saw */
	__u64 updates_read;		/* ... when /proc was last read: more since, and its memory moved */
	bool gone;			/* the probe saw it exit */
	struct trend anon;		/* RssAnon, for the verdict */
	struct verdict_result verdict;
};

struct procs {
	struct proc *v;
	size_t n, cap;
	size_t *by_pid;			/* index of v by pid (open addressing, index + 1; 0 empty) */
	size_t by_pid_cap;
	long hz;
	long page;
	int ncpu;			/* online CPUs: no process uses more */
	double cpu_span;		/* the least time over which CPU% is measured */
};

/*
 * cpu_span: CPU% is measured between readings at least this far apart
 * (clock ticks are 10 ms: over a short span one tick is a large share).
 */
void procs_init(struct procs *p, double cpu_span);
void procs_free(struct procs *p);

/*
 * Which processes a sample reads from /proc again; NULL: all of them. On a
 * host of thousands, the others keep their last reading: those whose
 * memory the RSS probe saw move are read, as are any not read for stale_s;
 * of those of the cgroups shown (followed) whose memory did not move, the
 * top largest of each cgroup (those that can be shown) have their
 * /proc/PID/stat read, for their CPU and size.
 */
struct procs_due {
	bool (*followed)(void *ctx, __u64 cgid);
	void *ctx;
	double stale_s;
	bool probe;			/* the RSS probe runs: a process it did not see move has not */
	unsigned int top;		/* processes shown per cgroup */
};

/*
 * One sample: pids are the processes in the watched cgroups now (from
 * their cgroup.procs); the probe's view comes from agg. wanted(ctx, cgid)
 * says whether a process the probe saw belongs to what is watched.
 */
int procs_refresh(struct procs *p, const struct pid_cg *pids, size_t n, const struct agg *a,
		  bool (*wanted)(void *ctx, __u64 cgid), void *ctx, const struct verdict_cfg *cfg,
		  double now, const struct procs_due *due);

#endif /* MEMPROBE_PROCS_H */
