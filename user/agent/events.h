/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Discrete events, from the probes to the sinks the moment they happen:
 * SysV shared memory calls and OOM kills from the ring buffers, and
 * orphaned segments found in /proc/sysvipc/shm at each sample. Every
 * event updates the model (segment lives, OOM counts); only those of
 * watched cgroups become records.
 */
#ifndef MEMPROBE_EVENTS_H
#define MEMPROBE_EVENTS_H

#include <linux/types.h>

#include "memprobe.h"
#include "model/cgnames.h"
#include "model/ooms.h"
#include "model/procs.h"
#include "model/sysv.h"
#include "model/targets.h"
#include "sys/ipcns.h"
#include "output/sink.h"

#define PRE_KILL_PROCS	5

/* An IPC namespace other than memprobe's, and a process in it to enter it through. */
struct ipcns {
	__u32 ns;
	pid_t pid;		/* 0: nobody watched known there now */
	bool scanned;		/* its table was read at least once */
	bool said;		/* a failure to read it was said */
};

/* The IPC namespaces whose SysV tables are read (agent/sysvscan.c). */
struct ipc {
	__u32 own;
	bool own_scanned;
	struct ipcns *v;
	size_t n, cap;
	struct ipcns_reader reader;
	double last_discovery;
	pid_t scan_pid;		/* the process entered for the table being applied */
	long hz;
	double btime;		/* boot time, Unix seconds */
};

struct events {
	struct sinks *sinks;
	const struct targets *targets;
	const struct procs *procs;	/* for an OOM kill's post-mortem */
	const struct cg_hier *hier;
	struct cgnames *names;
	struct sysv sysv;
	struct ipc ipc;
	struct ooms ooms;
	int err;			/* the first output error, for the loop to act on */
};

void events_init(struct events *ev, struct sinks *sinks, const struct targets *ts, const struct procs *ps,
		 const struct cg_hier *h, struct cgnames *names);
void events_free(struct events *ev);

/* The probes' callbacks (struct probe_events): 0, or a negative errno that stops the ring. */
int events_shm(void *ev, const struct mp_shm_event *e);
int events_oom(void *ev, const struct mp_oom_event *e);

/*
 * Reads the SysV table of memprobe's IPC namespace and of every other one
 * a watched process lives in: learns segments, forgets removed ones,
 * reports new orphans.
 */
int events_scan(struct events *ev);

/* The namespace reader, forked while memprobe still has CAP_SYS_ADMIN. */
int ipc_start_reader(struct ipc *ipc);
void ipc_init(struct ipc *ipc);
void ipc_free(struct ipc *ipc);
/* ns has a process pid in it: its table can be read through it. */
void ipc_learn(struct ipc *ipc, __u32 ns, pid_t pid);

/* Whether cgroup cgid is watched; records a write error for the loop. */
bool events_watched(const struct events *ev, __u64 cgid);
void events_note(struct events *ev, int r);

#endif /* MEMPROBE_EVENTS_H */
