// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Shared memory on the real kernel: a segment left behind by a child that
 * exited is reported created and then orphaned, as /proc/sysvipc/shm has
 * it; a burst of segments loses nothing without counting it; POSIX shm in
 * /dev/shm is found on the process that maps it. Every segment a test
 * makes is removed by the test, also when it fails.
 */
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/mman.h>
#include <sys/shm.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"
#include "it.h"
#include "sys/kstat.h"
#include "sys/util.h"
#include "workload.h"

#define SEG_SIZE	(2 * WL_MIB)
#define BURST		3000

static void nap_s(double s)
{
	struct timespec ts = { (time_t)s, (long)((s - (time_t)s) * 1e9) };

	nanosleep(&ts, NULL);
}

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
	uint64_t batch = 32 * (uint64_t)sysconf(_SC_PAGESIZE) * (uint64_t)sysconf(_SC_NPROCESSORS_ONLN);
	uint64_t lag = batch < 2 * WL_MIB ? batch : 2 * WL_MIB;
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
	     /*
	      * Before 5.13 memory.stat may lag by a batch of 32 pages a CPU;
	      * never more than a quarter of the file, so that 0 cannot pass.
	      */
	     ASSERT(tcg_stat(&cg, "shmem", "shmem") + lag >= 8 * WL_MIB && jv_u64_or(sum, "shmem_bytes") + lag >= 8 * WL_MIB,
		    "shmem %llu, memory.stat %llu", (unsigned long long)jv_u64_or(sum, "shmem_bytes"),
		    (unsigned long long)tcg_stat(&cg, "shmem", "shmem"));
out:
	jv_free(sum);
	agent_free(&a);
	tchild_kill(&child);
	unlink(p.path);
	tcg_remove(&cg);
	return ok;
}

/*
 * Segment ids are per IPC namespace. A container (a child in an IPC
 * namespace of its own) makes a segment with the very id a segment of the
 * host has, leaves it, and keeps living: memprobe reports the container's
 * create as a create with its own key and size, and its orphan in its
 * namespace, with a command that enters the namespace to remove it.
 */
struct boxed {
	int host_id;
	int report[2];		/* the container: its segment id, then its keeper's pid */
};

static int make_in_box(void *arg)
{
	struct boxed *b = arg;
	char v[32];
	pid_t keeper;
	int id;

	if (unshare(CLONE_NEWIPC))
		return 1;
	/* The keeper holds the namespace alive once the maker has gone. */
	keeper = fork();
	if (keeper == 0) {
		pause();
		_exit(0);
	}
	snprintf(v, sizeof(v), "%d\n", b->host_id);
	if (keeper < 0 || write_text("/proc/sys/kernel/shm_next_id", v))
		return 2;
	id = shmget(0x4d50b0c5, 4096, IPC_CREAT | 0600);
	if (write(b->report[1], &id, sizeof(id)) != sizeof(id) || write(b->report[1], &keeper, sizeof(keeper)) !=
										    sizeof(keeper))
		return 3;
	return id < 0 ? 4 : 0;	/* exits, leaving it: an orphan in a living namespace */
}

INTEGRATION_TEST(shm_ids_are_per_ipc_namespace, 60)
{
	const char *argv[] = { "--json", "--interval", "0.25", "--cgroup", NULL, NULL };
	struct tchild child = { .pid = 0, .go = -1 };
	struct agent a = { .out = -1 };
	struct boxed b = { .host_id = -1, .report = { -1, -1 } };
	struct jv *create = NULL, *orphan = NULL;
	char want[128];
	struct tcg cg = { 0 };
	pid_t keeper = 0;
	int box_id = -1;
	bool ok = false;
	size_t i;

	b.host_id = shmget(IPC_PRIVATE, SEG_SIZE, IPC_CREAT | 0600);
	if (!ASSERT(b.host_id >= 0, "host segment") || !ASSERT(!pipe(b.report), "pipe") ||
	    !ASSERT(!tcg_create(&cg, "ipcns"), "cgroup") || !ASSERT(!tchild_start(&child, &cg, make_in_box, &b), "child"))
		goto out;
	argv[4] = cg.rel;
	if (!ASSERT(!agent_start(&a, argv), "memprobe") || !ASSERT(agent_wait_for(&a, "start", 30), "no start"))
		goto out;
	tchild_go(&child);
	if (!ASSERT(tchild_wait_reading(&child, &a, 20) == 0, "child") ||
	    !ASSERT(read(b.report[0], &box_id, sizeof(box_id)) == sizeof(box_id) && box_id == b.host_id,
		    "the container's segment %d, the host's %d", box_id, b.host_id) ||
	    !ASSERT(read(b.report[0], &keeper, sizeof(keeper)) == sizeof(keeper), "keeper") ||
	    !ASSERT(agent_wait_for(&a, "shm_orphan", 15), "no orphan reported: %s", agent_stderr(&a)) ||
	    !ASSERT(agent_finish(&a, SIGINT, 30) == 0, "memprobe: %s", agent_stderr(&a)))
		goto out;
	for (i = 0; i < a.n_lines && !create; i++) {
		struct jv *v = jv_parse(a.lines[i]);

		if (v && jv_str(v, "type") && !strcmp(jv_str(v, "type"), "shm") && jv_str(v, "event") &&
		    jv_u64_or(v, "shmid") == (uint64_t)box_id && jv_u64_or(v, "ipc_ns") != ipc_ns())
			create = v;
		else
			jv_free(v);
	}
	orphan = agent_record(&a, "shm_orphan", cg.rel);
	snprintf(want, sizeof(want), "nsenter --ipc=/proc/%d/ns/ipc ipcrm -m %d", (int)keeper, box_id);
	ok = ASSERT(create, "no shm record of the container's segment") &&
	     ASSERT_STR(jv_str(create, "event"), "create") &&
	     ASSERT(jv_u64_or(create, "key") == 0x4d50b0c5 && jv_u64_or(create, "size_bytes") == 4096,
		    "the container's key and size") &&
	     ASSERT(orphan, "no orphan") && ASSERT(jv_u64_or(orphan, "shmid") == (uint64_t)box_id, "orphan id") &&
	     ASSERT(jv_u64_or(orphan, "ipc_ns") != ipc_ns(), "orphan's namespace is the host's") &&
	     ASSERT(jv_u64_or(orphan, "size_bytes") == 4096, "orphan size") &&
	     ASSERT_STR(jv_str(orphan, "remove_command"), want);
out:
	jv_free(create);
	jv_free(orphan);
	agent_free(&a);
	tchild_kill(&child);
	if (keeper > 0)
		kill(keeper, SIGKILL);	/* the container's namespace, and its segment, go with it */
	tcg_remove(&cg);
	if (b.host_id >= 0)
		shmctl(b.host_id, IPC_RMID, NULL);
	if (b.report[0] >= 0) {
		close(b.report[0]);
		close(b.report[1]);
	}
	return ok;
}

/*
 * A /dev/shm file belongs to the cgroup its pages were charged to. The
 * target maps 48 MiB another cgroup wrote (not its own memory), writes
 * 16 MiB to a file and closes it (its own, used by nobody now), and maps
 * a file it then deletes (its own, said deleted).
 */
struct posix_set {
	char theirs[128], mine[128], gone[128];
};

static int write_theirs(void *arg)
{
	const struct posix_set *p = arg;
	int fd = open(p->theirs, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	char *m;

	if (fd < 0 || ftruncate(fd, 48 * WL_MIB))
		return 1;
	m = mmap(NULL, 48 * WL_MIB, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (m == MAP_FAILED)
		return 2;
	memset(m, 3, 48 * WL_MIB);
	munmap(m, 48 * WL_MIB);
	close(fd);
	return 0;
}

static int use_posix(void *arg)
{
	const struct posix_set *p = arg;
	int fd = open(p->theirs, O_RDONLY | O_CLOEXEC), mine, gone;
	char *m, *g, buf[65536];
	size_t i;

	if (fd < 0 || (m = mmap(NULL, 48 * WL_MIB, PROT_READ, MAP_SHARED, fd, 0)) == MAP_FAILED)
		return 1;
	for (i = 0; i < 48 * WL_MIB; i += 4096)
		(void)*(volatile char *)(m + i);
	mine = open(p->mine, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	memset(buf, 9, sizeof(buf));
	for (i = 0; mine >= 0 && i < 16 * WL_MIB; i += sizeof(buf))
		if (write(mine, buf, sizeof(buf)) != sizeof(buf))
			return 2;
	if (mine < 0 || close(mine))
		return 3;
	gone = open(p->gone, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (gone < 0 || ftruncate(gone, 4 * WL_MIB) ||
	    (g = mmap(NULL, 4 * WL_MIB, PROT_READ | PROT_WRITE, MAP_SHARED, gone, 0)) == MAP_FAILED)
		return 4;
	memset(g, 5, 4 * WL_MIB);
	close(gone);
	unlink(p->gone);
	pause();
	return 0;
}

static const struct jv *posix_file(const struct jv *sum, const char *path)
{
	const struct jv *files = jv_get(sum, "posix_shm_files");
	size_t i;

	for (i = 0; files && i < files->n; i++)
		if (jv_str(&files->items[i], "path") && !strcmp(jv_str(&files->items[i], "path"), path))
			return &files->items[i];
	return NULL;
}

INTEGRATION_TEST(posix_shm_by_the_cgroup_it_is_charged_to, 60)
{
	const char *argv[] = { "--json", "--interval", "0.25", "--cgroup", NULL, NULL };
	struct tchild writer = { .pid = 0, .go = -1 }, user = { .pid = 0, .go = -1 };
	struct agent a = { .out = -1 };
	struct tcg cg = { 0 }, other = { 0 };
	struct posix_set p;
	const struct jv *theirs, *mine, *gone;
	struct jv *sum = NULL;
	bool ok = false;

	snprintf(p.theirs, sizeof(p.theirs), "/dev/shm/memprobe-test-%d-theirs", (int)getpid());
	snprintf(p.mine, sizeof(p.mine), "/dev/shm/memprobe-test-%d-mine", (int)getpid());
	snprintf(p.gone, sizeof(p.gone), "/dev/shm/memprobe-test-%d-gone", (int)getpid());
	if (!ASSERT(!tcg_create(&cg, "posixcg"), "cgroup") || !ASSERT(!tcg_create(&other, "posixother"), "other") ||
	    !ASSERT(!tchild_start(&writer, &other, write_theirs, &p), "writer") ||
	    !ASSERT(!tchild_start(&user, &cg, use_posix, &p), "user"))
		goto out;
	argv[4] = cg.rel;
	if (!ASSERT(!agent_start(&a, argv), "memprobe") || !ASSERT(agent_wait_for(&a, "start", 30), "no start"))
		goto out;
	tchild_go(&writer);
	if (!ASSERT(tchild_wait_reading(&writer, &a, 20) == 0, "writer failed"))
		goto out;
	tchild_go(&user);
	nap_s(1.5);
	if (!ASSERT(agent_finish(&a, SIGINT, 30) == 0, "memprobe: %s", agent_stderr(&a)))
		goto out;
	sum = agent_record(&a, "summary", cg.rel);
	theirs = posix_file(sum, p.theirs);
	mine = posix_file(sum, p.mine);
	gone = posix_file(sum, p.gone);
	ok = ASSERT(theirs && mine && gone, "files listed: theirs %d, mine %d, gone %d", !!theirs, !!mine, !!gone) &&
	     ASSERT(jv_u64_or(theirs, "charged_bytes") == 0, "the mapped file is not its memory") &&
	     ASSERT_STR(jv_str(theirs, "charged_cgroup"), other.rel) &&
	     ASSERT(jv_get(theirs, "users") && jv_get(theirs, "users")->n == 1, "but it maps it") &&
	     ASSERT_NEAR(jv_u64_or(mine, "charged_bytes"), 16 * WL_MIB, 2, 0) &&
	     ASSERT(jv_get(mine, "users") && jv_get(mine, "users")->n == 0, "closed: nobody uses it") &&
	     ASSERT(jv_get(gone, "deleted") && jv_get(gone, "deleted")->b, "deleted while mapped") &&
	     ASSERT_NEAR(jv_u64_or(gone, "charged_bytes"), 4 * WL_MIB, 2, 0) &&
	     ASSERT_NEAR(jv_u64_or(sum, "posix_shm_bytes"), 20 * WL_MIB, 3, 0);
out:
	jv_free(sum);
	agent_free(&a);
	tchild_kill(&writer);
	tchild_kill(&user);
	unlink(p.theirs);
	unlink(p.mine);
	unlink(p.gone);
	tcg_remove(&cg);
	tcg_remove(&other);
	return ok;
}
