// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Shared memory on the real kernel: a segment left behind by a child that
 * exited is reported created and then orphaned, as /proc/sysvipc/shm has
 * it; a burst of segments loses nothing without counting it; POSIX shm in
 * /dev/shm is found on the process that maps it. Every segment a test
 * makes is removed by the test, also when it fails.
 */
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/mman.h>
#include <sys/shm.h>
#include <sys/stat.h>
#include <unistd.h>

#include "harness.h"
#include "it.h"
#include "kstat.h"
#include "util.h"
#include "workload.h"

#define SEG_SIZE	(2 * WL_MIB)
#define BURST		3000

/* The child tells the test which segment it made, so the test can remove it whatever happens. */
struct leaver {
	int report[2];
};

static int leave_segment(void *arg)
{
	struct leaver *l = arg;
	int id = shmget(IPC_PRIVATE, SEG_SIZE, IPC_CREAT | 0600);
	char *p;

	if (write(l->report[1], &id, sizeof(id)) != sizeof(id) || id < 0)
		return 1;
	p = shmat(id, NULL, 0);
	if (p == (void *)-1)
		return 2;
	memset(p, 1, SEG_SIZE);
	return shmdt(p) ? 3 : 0;	/* and exit without IPC_RMID: an orphan */
}

/* This process's IPC namespace, as its inode: the child shares it. */
static uint64_t ipc_ns(void)
{
	struct stat st;

	return stat("/proc/self/ns/ipc", &st) ? 0 : st.st_ino;
}

/* The segment's row in /proc/sysvipc/shm. */
static bool sysv_row(int shmid, struct sysv_seg *out)
{
	static struct sysv_seg rows[4096];
	static char text[1 << 20];
	int n, i;

	if (read_text("/proc/sysvipc/shm", text, sizeof(text)) < 0)
		return false;
	n = sysvshm_parse(text, rows, 4096);
	for (i = 0; i < n && i < 4096; i++)
		if (rows[i].shmid == shmid) {
			*out = rows[i];
			return true;
		}
	return false;
}

/* The record of a type for shmid (and event, for shm records), or NULL. */
static struct jv *shm_record(const struct agent *a, const char *type, int shmid, const char *event)
{
	size_t i;

	for (i = 0; i < a->n_lines; i++) {
		struct jv *v = jv_parse(a->lines[i]);
		uint64_t id;

		if (v && jv_str(v, "type") && !strcmp(jv_str(v, "type"), type) && jv_u64(v, "shmid", &id) &&
		    (int)id == shmid && (!event || (jv_str(v, "event") && !strcmp(jv_str(v, "event"), event))))
			return v;
		jv_free(v);
	}
	return NULL;
}

INTEGRATION_TEST(shm_orphan_reported, 60)
{
	const char *argv[] = { "--json", "--interval", "0.25", "--cgroup", NULL, NULL };
	struct tchild child = { .pid = 0, .go = -1 };
	struct leaver l = { { -1, -1 } };
	struct agent a = { .out = -1 };
	struct jv *create = NULL, *orphan = NULL;
	struct sysv_seg row;
	struct tcg cg = { 0 };
	int shmid = -1, status;
	pid_t pid;
	bool ok = false;

	if (!ASSERT(!pipe(l.report), "pipe") || !ASSERT(!tcg_create(&cg, "shm"), "cgroup") ||
	    !ASSERT(!tchild_start(&child, &cg, leave_segment, &l), "child"))
		goto out;
	argv[4] = cg.rel;
	if (!ASSERT(!agent_start(&a, argv), "memprobe") || !ASSERT(agent_wait_for(&a, "start", 30), "no start"))
		goto out;
	pid = child.pid;
	tchild_go(&child);
	status = tchild_wait(&child, 20);
	if (read(l.report[0], &shmid, sizeof(shmid)) != sizeof(shmid))
		shmid = -1;
	if (!ASSERT(status == 0 && shmid >= 0, "child failed: status %d, shmid %d", status, shmid))
		goto out;
	if (!ASSERT(agent_wait_for(&a, "shm_orphan", 15), "no orphan reported; stderr: %s", agent_stderr(&a)))
		goto out;
	if (!ASSERT(agent_finish(&a, SIGINT, 30) == 0, "memprobe failed"))
		goto out;
	create = shm_record(&a, "shm", shmid, "create");
	orphan = shm_record(&a, "shm_orphan", shmid, NULL);
	if (!ASSERT(create && orphan, "create %p, orphan %p", (void *)create, (void *)orphan) ||
	    !ASSERT(sysv_row(shmid, &row), "segment %d not in /proc/sysvipc/shm", shmid))
		goto out;
	ok = ASSERT(jv_u64_or(create, "pid") == (uint64_t)pid, "create pid") &&
	     ASSERT_STR(jv_str(create, "cgroup"), cg.rel) &&
	     ASSERT(jv_u64_or(create, "size_bytes") == SEG_SIZE, "create size") &&
	     ASSERT(shm_record(&a, "shm", shmid, "attach") != NULL, "attach") &&
	     ASSERT(shm_record(&a, "shm", shmid, "detach") != NULL, "detach, matched to its segment") &&
	     /* The kernel's own view: nothing attached, made by the child. */
	     ASSERT(row.nattch == 0 && row.cpid == pid && row.size == SEG_SIZE, "row nattch %llu cpid %d",
		    (unsigned long long)row.nattch, row.cpid) &&
	     ASSERT(jv_u64_or(orphan, "creator_pid") == (uint64_t)pid, "orphan creator") &&
	     ASSERT(jv_u64_or(orphan, "size_bytes") == row.size, "orphan size") &&
	     ASSERT(jv_u64_or(orphan, "rss_bytes") == row.rss, "orphan rss %llu vs %llu",
		    (unsigned long long)jv_u64_or(orphan, "rss_bytes"), (unsigned long long)row.rss) &&
	     ASSERT(jv_u64_or(orphan, "memory_bytes") == row.rss + row.swap, "orphan memory") &&
	     ASSERT(jv_u64_or(orphan, "last_pid") == (uint64_t)row.lpid && row.lpid == pid, "last pid") &&
	     ASSERT(jv_u64_or(create, "tid") == (uint64_t)pid, "create tid") &&
	     ASSERT(jv_u64_or(create, "ipc_ns") == ipc_ns(), "ipc namespace %llu",
		    (unsigned long long)jv_u64_or(create, "ipc_ns")) &&
	     ASSERT_STR(jv_str(orphan, "cgroup"), cg.rel) &&
	     ASSERT(strstr(jv_str(orphan, "remove_command") ?: "", "ipcrm -m"), "remove command");
out:
	if (shmid >= 0)
		shmctl(shmid, IPC_RMID, NULL);
	jv_free(create);
	jv_free(orphan);
	agent_free(&a);
	tchild_kill(&child);
	close(l.report[0]);
	close(l.report[1]);
	tcg_remove(&cg);
	return ok;
}

static int burst(void *arg)
{
	int i;

	(void)arg;
	for (i = 0; i < BURST; i++) {
		int id = shmget(IPC_PRIVATE, 4096, IPC_CREAT | 0600);

		if (id < 0 || shmctl(id, IPC_RMID, NULL))
			return 1;
	}
	return 0;
}

/* Removes whatever segments a killed burst child may have left. */
static void remove_segments_of(pid_t pid)
{
	static struct sysv_seg rows[4096];
	static char text[1 << 20];
	int n, i;

	if (read_text("/proc/sysvipc/shm", text, sizeof(text)) < 0)
		return;
	n = sysvshm_parse(text, rows, 4096);
	for (i = 0; i < n && i < 4096; i++)
		if (rows[i].cpid == pid)
			shmctl(rows[i].shmid, IPC_RMID, NULL);
}

INTEGRATION_TEST(shm_burst_loses_nothing_uncounted, 90)
{
	/* A ring too small for the burst: losses must happen, and every one must be counted. */
	const char *argv[] = { "--json", "--interval", "0.25", "--ring-size", "4096", "--cgroup", NULL, NULL };
	struct tchild child = { .pid = 0, .go = -1 };
	struct agent a = { .out = -1 };
	struct jv *sum = NULL;
	struct tcg cg = { 0 };
	uint64_t lost, seen = 0;
	size_t i;
	pid_t pid = 0;
	bool ok = false;

	if (!ASSERT(!tcg_create(&cg, "burst"), "cgroup") || !ASSERT(!tchild_start(&child, &cg, burst, NULL), "child"))
		goto out;
	argv[6] = cg.rel;
	if (!ASSERT(!agent_start(&a, argv), "memprobe") || !ASSERT(agent_wait_for(&a, "start", 30), "no start"))
		goto out;
	pid = child.pid;
	tchild_go(&child);
	if (!ASSERT(tchild_wait(&child, 60) == 0, "burst failed"))
		goto out;
	if (!ASSERT(agent_finish(&a, SIGINT, 30) == 0, "memprobe failed"))
		goto out;
	for (i = 0; i < a.n_lines; i++) {
		struct jv *v = jv_parse(a.lines[i]);

		seen += v && jv_str(v, "type") && !strcmp(jv_str(v, "type"), "shm") && jv_u64_or(v, "pid") == (uint64_t)pid;
		jv_free(v);
	}
	sum = agent_record(&a, "summary", cg.rel);
	lost = jv_u64_or(sum, "lost_events");
	/* 2 events a segment; other processes' losses may add to lost_events, never subtract. */
	ok = ASSERT(sum, "no summary") && ASSERT(seen <= 2 * BURST, "%llu events for %d calls", (unsigned long long)seen, 2 * BURST) &&
	     ASSERT(lost > 0, "a 4 KiB ring took a burst of %d events without a loss?", 2 * BURST) &&
	     ASSERT(seen + lost >= 2 * BURST, "%llu reported + %llu counted lost < %d", (unsigned long long)seen,
		    (unsigned long long)lost, 2 * BURST);
out:
	if (pid)
		remove_segments_of(pid);
	jv_free(sum);
	agent_free(&a);
	tchild_kill(&child);
	tcg_remove(&cg);
	return ok;
}

struct posix {
	char path[128];
};

static int map_posix(void *arg)
{
	struct posix *p = arg;
	int fd = open(p->path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	char *m;

	if (fd < 0 || ftruncate(fd, 8 * WL_MIB))
		return 1;
	m = mmap(NULL, 8 * WL_MIB, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (m == MAP_FAILED)
		return 2;
	memset(m, 7, 8 * WL_MIB);
	close(fd);	/* mapped, no longer open: found through the maps */
	pause();
	return 0;
}

INTEGRATION_TEST(posix_shm_found_on_its_user, 60)
{
	const char *argv[] = { "--json", "--interval", "0.25", "--cgroup", NULL, NULL };
	struct tchild child = { .pid = 0, .go = -1 };
	struct agent a = { .out = -1 };
	struct posix p;
	struct jv *sum = NULL;
	const struct jv *files, *f = NULL, *users;
	struct tcg cg = { 0 };
	size_t i;
	bool ok = false;

	snprintf(p.path, sizeof(p.path), "/dev/shm/memprobe-test-%d", (int)getpid());
	if (!ASSERT(!tcg_create(&cg, "posix"), "cgroup") || !ASSERT(!tchild_start(&child, &cg, map_posix, &p), "child"))
		goto out;
	argv[4] = cg.rel;
	if (!ASSERT(!agent_start(&a, argv), "memprobe") || !ASSERT(agent_wait_for(&a, "start", 30), "no start"))
		goto out;
	tchild_go(&child);
	sleep(1);
	if (!ASSERT(agent_finish(&a, SIGINT, 30) == 0, "memprobe failed"))
		goto out;
	sum = agent_record(&a, "summary", cg.rel);
	files = jv_get(sum, "posix_shm_files");
	for (i = 0; files && i < files->n; i++)
		if (jv_str(&files->items[i], "path") && !strcmp(jv_str(&files->items[i], "path"), p.path))
			f = &files->items[i];
	users = jv_get(f, "users");
	ok = ASSERT(f, "%s not in posix_shm_files", p.path) &&
	     ASSERT(jv_u64_or(f, "size_bytes") == 8 * WL_MIB, "size") &&
	     ASSERT_NEAR(jv_u64_or(f, "memory_bytes"), 8 * WL_MIB, 1, 0) &&
	     ASSERT(users && users->n == 1 && jv_u64_or(&users->items[0], "pid") == (uint64_t)child.pid, "users") &&
	     ASSERT_STR(jv_str(&users->items[0], "cgroup"), cg.rel) &&
	     /* The kernel charges the pages to the cgroup as shmem. */
	     ASSERT_NEAR(jv_u64_or(sum, "shmem_bytes"), tcg_stat(&cg, "shmem", "shmem"), 5, 0) &&
	     /* Before 5.13 memory.stat may lag by a batch of 32 pages a CPU. */
	     ASSERT(tcg_stat(&cg, "shmem", "shmem") + 32 * sysconf(_SC_PAGESIZE) * sysconf(_SC_NPROCESSORS_ONLN) >=
			    8 * WL_MIB, "shmem %llu", (unsigned long long)tcg_stat(&cg, "shmem", "shmem"));
out:
	jv_free(sum);
	agent_free(&a);
	tchild_kill(&child);
	unlink(p.path);
	tcg_remove(&cg);
	return ok;
}
