// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <stdlib.h>
#include <string.h>

#include "model/sysv.h"

#define SEG_FREE	(-1)
#define SEG_GONE	(-2)	/* a tombstone: the probe goes on past it */

void sysv_init(struct sysv *t)
{
	memset(t, 0, sizeof(*t));
}

void sysv_free(struct sysv *t)
{
	free(t->segs);
	memset(t, 0, sizeof(*t));
}

static size_t seg_slot(__u32 ns, __s32 shmid, size_t cap)
{
	return (size_t)((((__u64)ns << 32 | (__u32)shmid) * 0x9E3779B97F4A7C15ULL) >> 32) & (cap - 1);
}

static struct seg *find_seg(struct sysv *t, __u32 ns, __s32 shmid)
{
	size_t s;

	if (!t->cap_segs || shmid < 0)
		return NULL;
	for (s = seg_slot(ns, shmid, t->cap_segs); t->segs[s].shmid != SEG_FREE; s = (s + 1) & (t->cap_segs - 1))
		if (t->segs[s].shmid == shmid && t->segs[s].ns == ns)
			return &t->segs[s];
	return NULL;
}

static void drop_seg(struct sysv *t, struct seg *s)
{
	s->shmid = SEG_GONE;
	t->n_segs--;
}

/* Rebuilds the table at a size fit for the live segments; tombstones go. */
static int rehash(struct sysv *t, size_t cap)
{
	struct seg *old = t->segs, *v;
	size_t i, n = t->cap_segs, s;

	v = malloc(cap * sizeof(*v));
	if (!v)
		return -1;
	for (i = 0; i < cap; i++)
		v[i].shmid = SEG_FREE;
	for (i = 0; i < n; i++) {
		if (old[i].shmid < 0)
			continue;
		for (s = seg_slot(old[i].ns, old[i].shmid, cap); v[s].shmid != SEG_FREE; s = (s + 1) & (cap - 1))
			;
		v[s] = old[i];
	}
	free(old);
	t->segs = v;
	t->cap_segs = cap;
	t->used_segs = t->n_segs;
	return 0;
}

static struct seg *add_seg(struct sysv *t, __u32 ns, __s32 shmid)
{
	size_t cap = 64, s;

	while ((t->n_segs + 1) * 2 > cap)
		cap *= 2;
	/*
	 * Grow at once; shrink only well below, once a storm's backlog (gets
	 * read before their removes) has drained, so the table does not keep
	 * its high-water mark for good.
	 */
	if (cap < t->cap_segs && cap * 4 > t->cap_segs)
		cap = t->cap_segs;
	if ((t->used_segs + 1) * 4 > t->cap_segs * 3 || cap != t->cap_segs)
		if (rehash(t, cap))
			return NULL;
	for (s = seg_slot(ns, shmid, t->cap_segs); t->segs[s].shmid >= 0; s = (s + 1) & (t->cap_segs - 1))
		;
	if (t->segs[s].shmid == SEG_FREE)
		t->used_segs++;
	memset(&t->segs[s], 0, sizeof(t->segs[s]));
	t->segs[s].shmid = shmid;
	t->segs[s].ns = ns;
	t->n_segs++;
	return &t->segs[s];
}

static const char *const shm_ops[] = {
	[MP_SHM_GET] = "get", [MP_SHM_ATTACH] = "attach", [MP_SHM_DETACH] = "detach", [MP_SHM_REMOVE] = "remove",
};

void sysv_apply(struct sysv *t, const struct mp_shm_event *e, struct sysv_call *out)
{
	struct seg *s = find_seg(t, e->ipc_ns, e->shmid);

	memset(out, 0, sizeof(*out));
	if (e->op < MP_SHM_GET || e->op > MP_SHM_REMOVE)
		return;
	out->event = shm_ops[e->op];
	out->key = e->key;
	out->size = e->size;
	/*
	 * A get that returns an id memprobe has never seen made the segment; so
	 * did one by the creator of a segment a scan found during the run
	 * before this event was read.
	 */
	if (e->op == MP_SHM_GET && !s)
		s = add_seg(t, e->ipc_ns, e->shmid);
	if (e->op == MP_SHM_GET && s && !s->announced && (!s->cpid || s->cpid == (__s32)e->pid)) {
		out->event = "create";
		s->announced = true;
		s->key = e->key;
		s->size = e->size;
		s->cpid = (__s32)e->pid;
		s->cgid = e->cgid;
		memcpy(s->comm, e->comm, sizeof(s->comm));
	}
	if (e->op == MP_SHM_REMOVE && s) {
		/*
		 * Removed: gone now if nothing was attached, as in a storm; if it
		 * lingers attached, the next scan learns it again.
		 */
		out->key = s->key;
		out->size = s->size;
		drop_seg(t, s);
		return;
	}
	if (s) {
		out->key = s->key;
		out->size = s->size;
	}
}

void sysv_scan(struct sysv *t, __u32 ns, bool first, const struct sysv_seg *rows, size_t n,
	       const struct sysv_scan_ops *ops, void *ctx)
{
	size_t i;

	for (i = 0; i < t->cap_segs; i++)
		if (t->segs[i].ns == ns)
			t->segs[i].seen = false;
	for (i = 0; i < n; i++) {
		struct seg *s = find_seg(t, ns, rows[i].shmid);

		if (!s && (s = add_seg(t, ns, rows[i].shmid))) {
			s->key = rows[i].key;
			s->size = rows[i].size;
			s->cpid = rows[i].cpid;
			/* Created before memprobe started: the creator, if alive, says where it ran. */
			s->cgid = ops->cgroup_of(ctx, rows[i].cpid);
			/* Found at the first scan, it predates memprobe: no create to report. */
			s->announced = first;
		}
		if (!s)
			continue;
		s->seen = true;
		s->size = rows[i].size;
		if (rows[i].nattch > 0 || (rows[i].perms & SYSV_SHM_DEST)) {
			s->orphan_reported = false;	/* in use again: report it if it is orphaned again */
			continue;
		}
		if (!s->orphan_reported && ops->creator_gone(ctx, &rows[i])) {
			s->orphan_reported = true;
			ops->orphan(ctx, s, &rows[i]);
		}
	}
	/* Segments of this namespace no longer listed were removed. */
	for (i = 0; i < t->cap_segs; i++)
		if (t->segs[i].shmid >= 0 && t->segs[i].ns == ns && !t->segs[i].seen)
			drop_seg(t, &t->segs[i]);
}

void sysv_usage(const struct sysv *t, const struct target *target, __u32 ns, struct sysv_use *out)
{
	size_t i;

	memset(out, 0, sizeof(*out));
	for (i = 0; i < t->cap_segs; i++) {
		const struct seg *s = &t->segs[i];

		/* Free and removed slots of the table have negative ids. */
		if (s->shmid < 0 || (target && (!s->cgid || !target_contains(target, s->cgid))))
			continue;
		if (target || s->ns == ns) {
			out->segments++;
			out->bytes += s->size;
		}
		if (s->orphan_reported) {
			out->orphans++;
			out->orphan_bytes += s->size;
		}
	}
}
