// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * model/sysv.c: segment lives from the probe's calls and from readings of
 * /proc/sysvipc/shm, and orphan detection, with the system's answers
 * (is the creator gone, where did it run) given by the test.
 */
#include <string.h>

#include "harness.h"
#include "model/sysv.h"

#define NS	4026531839u	/* the host's IPC namespace, as the probe names it */
#define OTHER_NS	4026532500u

struct world {
	bool creator_gone;
	__u64 creator_cgroup;
	unsigned int orphans;
	__s32 last_orphan;
};

static bool gone(void *ctx, const struct sysv_seg *row)
{
	(void)row;
	return ((struct world *)ctx)->creator_gone;
}

static __u64 cgroup_of(void *ctx, __s32 pid)
{
	(void)pid;
	return ((struct world *)ctx)->creator_cgroup;
}

static void orphan(void *ctx, const struct seg *s, const struct sysv_seg *row)
{
	struct world *w = ctx;

	(void)row;
	w->orphans++;
	w->last_orphan = s->shmid;
}

static const struct sysv_scan_ops ops = { .creator_gone = gone, .cgroup_of = cgroup_of, .orphan = orphan };

static struct mp_shm_event call(enum mp_shm_op op, __s32 shmid, __u32 pid, __u64 cgid)
{
	struct mp_shm_event e = { .op = op, .shmid = shmid, .pid = pid, .cgid = cgid, .key = 0x4d50,
				  .size = 1 << 20, .comm = "maker", .ipc_ns = NS };

	return e;
}

static struct sysv_seg row(__s32 shmid, __s32 cpid, __u64 nattch)
{
	struct sysv_seg r = { .shmid = shmid, .cpid = cpid, .nattch = nattch, .key = 0x4d50, .size = 1 << 20 };

	return r;
}

UNIT_TEST(sysv_create_get_and_remove)
{
	struct mp_shm_event e = call(MP_SHM_GET, 7, 100, 10);
	struct sysv_call c;
	struct sysv t;
	bool ok;

	sysv_init(&t);
	sysv_apply(&t, &e, &c);
	ok = ASSERT_STR(c.event, "create") && ASSERT(c.size == 1 << 20, "size");
	e = call(MP_SHM_GET, 7, 200, 11);
	e.size = 0;
	sysv_apply(&t, &e, &c);
	ok = ok && ASSERT_STR(c.event, "get") && ASSERT(c.size == 1 << 20, "a get of 0 bytes names the segment's size");
	e = call(MP_SHM_ATTACH, 7, 200, 11);
	sysv_apply(&t, &e, &c);
	ok = ok && ASSERT_STR(c.event, "attach") && ASSERT(c.key == 0x4d50, "key");
	e = call(MP_SHM_REMOVE, 7, 200, 11);
	sysv_apply(&t, &e, &c);
	ok = ok && ASSERT_STR(c.event, "remove") && ASSERT(t.n_segs == 0, "gone at once");
	e = call(99, 7, 200, 11);
	sysv_apply(&t, &e, &c);
	ok = ok && ASSERT(!c.event, "an unknown op is no call");
	sysv_free(&t);
	return ok;
}

UNIT_TEST(sysv_orphan_reported_once_until_used_again)
{
	struct world w = { .creator_cgroup = 42 };
	struct mp_shm_event e = call(MP_SHM_GET, 9, 100, 10);
	struct sysv_seg r[2] = { row(9, 100, 0), row(3, 55, 0) };
	struct target tgt = { .members = (__u64[]){ 10 }, .n_members = 1 };
	struct sysv_use u;
	struct sysv_call c;
	struct sysv t;
	bool ok;

	sysv_init(&t);
	/* The first reading: segment 3 predates memprobe; its creator's cgroup is asked. */
	sysv_scan(&t, NS, true, &r[1], 1, &ops, &w);
	sysv_apply(&t, &e, &c);
	ok = ASSERT_STR(c.event, "create");
	sysv_scan(&t, NS, false, r, 2, &ops, &w);
	ok = ok && ASSERT(w.orphans == 0, "creator alive: no orphan");
	w.creator_gone = true;
	sysv_scan(&t, NS, false, r, 2, &ops, &w);
	ok = ok && ASSERT(w.orphans == 2, "both orphaned: %u", w.orphans);
	sysv_scan(&t, NS, false, r, 2, &ops, &w);
	ok = ok && ASSERT(w.orphans == 2, "said once: %u", w.orphans);
	r[0].nattch = 1;
	sysv_scan(&t, NS, false, r, 2, &ops, &w);
	r[0].nattch = 0;
	sysv_scan(&t, NS, false, r, 2, &ops, &w);
	ok = ok && ASSERT(w.orphans == 3 && w.last_orphan == 9, "used, then orphaned again: %u", w.orphans);
	r[0].perms = SYSV_SHM_DEST;
	r[0].nattch = 0;
	sysv_usage(&t, &tgt, 0, &u);
	ok = ok && ASSERT(u.segments == 1 && u.bytes == 1 << 20 && u.orphans == 1 && u.orphan_bytes == 1 << 20, "the target made one, orphaned");
	/* No longer listed: removed. */
	sysv_scan(&t, NS, false, &r[1], 1, &ops, &w);
	sysv_usage(&t, &tgt, 0, &u);
	ok = ok && ASSERT(u.segments == 0 && t.n_segs == 1, "forgotten when not listed");
	sysv_free(&t);
	return ok;
}

UNIT_TEST(sysv_storm_table_grows_and_shrinks)
{
	struct world w = { 0 };
	struct sysv_call c;
	struct sysv t;
	size_t peak;
	__s32 id;
	bool ok = true;

	sysv_init(&t);
	for (id = 0; id < 5000; id++) {
		struct mp_shm_event e = call(MP_SHM_GET, id, 100, 10);

		sysv_apply(&t, &e, &c);
		ok = ok && ASSERT(c.event && !strcmp(c.event, "create"), "create %d", id);
	}
	peak = t.cap_segs;
	ok = ok && ASSERT(t.n_segs == 5000, "%zu live", t.n_segs);
	sysv_scan(&t, NS, false, NULL, 0, &ops, &w);
	for (id = 0; id < 3; id++) {
		struct mp_shm_event e = call(MP_SHM_GET, 100000 + id, 100, 10);

		sysv_apply(&t, &e, &c);
	}
	ok = ok && ASSERT(t.n_segs == 3 && t.cap_segs < peak, "drained: %zu slots of %zu", t.cap_segs, peak);
	sysv_free(&t);
	return ok;
}

/* Ids are per namespace: a container's segment 0 is not the host's segment 0. */
UNIT_TEST(sysv_same_id_in_two_namespaces)
{
	struct world w = { .creator_cgroup = 42 };
	struct mp_shm_event host = call(MP_SHM_GET, 0, 100, 10), box = call(MP_SHM_GET, 0, 200, 11);
	struct sysv_seg row_box = row(0, 200, 0);
	struct target tgt = { .members = (__u64[]){ 11 }, .n_members = 1 };
	struct sysv_use u;
	struct sysv_call c;
	struct sysv t;
	bool ok;

	sysv_init(&t);
	box.ipc_ns = OTHER_NS;
	box.key = 0x1234;
	box.size = 4096;
	sysv_apply(&t, &host, &c);
	ok = ASSERT_STR(c.event, "create");
	sysv_apply(&t, &box, &c);
	ok = ok && ASSERT_STR(c.event, "create") && ASSERT(c.key == 0x1234 && c.size == 4096, "the container's own");
	w.creator_gone = true;
	row_box.key = 0x1234;
	row_box.size = 4096;
	sysv_scan(&t, OTHER_NS, false, &row_box, 1, &ops, &w);
	ok = ok && ASSERT(w.orphans == 1, "orphan in the container's namespace");
	/* The host's table without segment 0 removes the host's, not the container's. */
	sysv_scan(&t, NS, false, NULL, 0, &ops, &w);
	sysv_usage(&t, &tgt, 0, &u);
	ok = ok && ASSERT(t.n_segs == 1 && u.segments == 1 && u.bytes == 4096, "the container's stays");
	/* The whole machine: segments of memprobe's own namespace, orphans of every one. */
	sysv_usage(&t, NULL, NS, &u);
	ok = ok && ASSERT(u.segments == 0 && u.orphans == 1 && u.orphan_bytes == 4096, "the machine's: %llu, %llu orphans",
			  (unsigned long long)u.segments, (unsigned long long)u.orphans);
	sysv_free(&t);
	return ok;
}
