/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Discrete events, from the ring buffers to the sinks: SysV shared memory
 * calls and OOM kills. Keeps the life of every SysV segment (from
 * /proc/sysvipc/shm at start and at each sample, and from the probe's
 * events between), reports a segment once it is orphaned, and counts OOM
 * kills per cgroup for the summaries. Only events of watched cgroups are
 * reported; every event is still counted or tracked.
 */
#ifndef MEMPROBE_EVENTS_H
#define MEMPROBE_EVENTS_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>

#include "model/cgnames.h"
#include "memprobe.h"
#include "out/sink.h"
#include "model/targets.h"

struct seg {
	__s32 shmid;
	__s32 key;
	__u64 size;
	__s32 cpid;
	char comm[MP_COMM_LEN];		/* the creator's, when memprobe saw the create */
	__u64 cgid;			/* the creator's memory cgroup, 0 when unknown */
	bool seen;			/* listed in the latest /proc/sysvipc/shm */
	bool announced;			/* its creation was reported, or it predates memprobe */
	bool orphan_reported;
};

struct oom_count {
	__u64 cgid;
	__u64 kills;
};

struct events {
	struct sinks *sinks;
	const struct targets *targets;
	const struct cg_hier *hier;
	struct cgnames names;
	/* Segments by shmid, open addressing: a storm makes thousands between two scans. */
	struct seg *segs;
	size_t n_segs, used_segs, cap_segs;	/* live, live + tombstones, slots */
	struct oom_count *ooms;
	size_t n_ooms, cap_ooms;
	int err;			/* the first output error, for the loop to act on */
	long hz;
	double btime;			/* boot time, Unix seconds */
	unsigned long scans;		/* of /proc/sysvipc/shm so far */
};

int events_init(struct events *ev, struct sinks *sinks, const struct targets *ts, const struct cg_hier *h);
void events_free(struct events *ev);

int events_shm(struct events *ev, const struct mp_shm_event *e);
int events_oom(struct events *ev, const struct mp_oom_event *e);

/* Reads /proc/sysvipc/shm: learns segments, forgets removed ones, reports new orphans. */
int events_scan(struct events *ev);

/* The name of a memory cgroup by id; "" when it cannot be found. */
const char *events_cgroup_name(struct events *ev, __u64 cgid);

/* For a summary: OOM kills in the target, and the SysV segments its processes created. */
__u64 events_oom_kills(const struct events *ev, const struct target *t);
void events_shm_usage(const struct events *ev, const struct target *t, __u64 *segments, __u64 *bytes,
		      __u64 *orphans);

#endif /* MEMPROBE_EVENTS_H */
