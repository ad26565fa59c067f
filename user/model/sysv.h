/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The lives of SysV shared memory segments: learnt from /proc/sysvipc/shm
 * at the start and at every sample, and from the probe's calls between,
 * so that a create is told from a get, a removal is known at once, and a
 * segment is reported once when it becomes an orphan (nothing attached,
 * creator gone, not marked for removal). The summaries ask what segments
 * a target's processes created.
 */
#ifndef MEMPROBE_SYSV_H
#define MEMPROBE_SYSV_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>

#include "memprobe.h"
#include "model/targets.h"
#include "sys/kstat.h"

struct seg {
	__s32 shmid;			/* with ns, the segment's identity: ids are per IPC namespace */
	__u32 ns;			/* the IPC namespace (its inode) */
	__s32 key;
	__u64 size;
	__s32 cpid;
	char comm[MP_COMM_LEN];		/* the creator's, when memprobe saw the create */
	__u64 cgid;			/* the creator's memory cgroup, 0 when unknown */
	bool seen;			/* listed in the latest /proc/sysvipc/shm */
	bool announced;			/* its creation was reported, or it predates memprobe */
	bool orphan_reported;
};

/* Segments by (namespace, shmid), open addressing: a storm makes thousands between two scans. */
struct sysv {
	struct seg *segs;
	size_t n_segs, used_segs, cap_segs;	/* live, live + tombstones, slots */
};

/* What a call the probe saw means, for its record. */
struct sysv_call {
	const char *event;		/* "create", "get", "attach", "detach" or "remove"; NULL: not a call */
	__s32 key;
	__u64 size;
};

/* What a scan needs from the system, so that the table can be tested without one. */
struct sysv_scan_ops {
	/* The creator of row is gone (or its pid now belongs to a later process). */
	bool (*creator_gone)(void *ctx, const struct sysv_seg *row);
	/* The memory cgroup of a living process, 0 when it cannot be known. */
	__u64 (*cgroup_of)(void *ctx, __s32 pid);
	/* s has just become an orphan; called once until it is in use again. */
	void (*orphan)(void *ctx, const struct seg *s, const struct sysv_seg *row);
};

void sysv_init(struct sysv *t);
void sysv_free(struct sysv *t);

/* Applies a successful call the probe saw. */
void sysv_apply(struct sysv *t, const struct mp_shm_event *e, struct sysv_call *out);

/*
 * Applies one reading of namespace ns's /proc/sysvipc/shm: learns new
 * segments, forgets removed ones, finds orphans. first: the first reading
 * of that namespace, whose segments predate memprobe (no create to say).
 */
void sysv_scan(struct sysv *t, __u32 ns, bool first, const struct sysv_seg *rows, size_t n,
	       const struct sysv_scan_ops *ops, void *ctx);

struct sysv_use {
	__u64 segments, bytes;
	__u64 orphans, orphan_bytes;
};

/*
 * The segments target's processes created that still exist (any IPC
 * namespace), their bytes, the orphans among them; or, target NULL, the
 * machine's: the segments of IPC namespace ns, and the orphans of every
 * namespace memprobe reads.
 */
void sysv_usage(const struct sysv *t, const struct target *target, __u32 ns, struct sysv_use *out);

#endif /* MEMPROBE_SYSV_H */
