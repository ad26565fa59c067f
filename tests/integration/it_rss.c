// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * RSS, allocation rate and the leak verdict on real workloads, each in a
 * cgroup of its own, checked against memory.stat and /proc/PID/status.
 */
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"
#include "it.h"
#include "util.h"
#include "workload.h"

#define STEP	(4 * WL_MIB)
/*
 * What a child of this test binary holds after touching n bytes: on the
 * sanitized build, AddressSanitizer's shadow (one byte for eight) is
 * touched with them.
 */
#ifdef __SANITIZE_ADDRESS__
#define TOUCHED(n)	((n) + (n) / 8)
#define RUNTIME		(8 * WL_MIB)	/* the sanitizer's own allocator and tables */
#else
#define TOUCHED(n)	(n)
#define RUNTIME		0
#endif

static void nap(double s)
{
	struct timespec ts = { (time_t)s, (long)((s - (time_t)s) * 1e9) };

	nanosleep(&ts, NULL);
}

/* Touches n bytes of fresh anonymous memory, in steps, over seconds; returns it. */
static char *grow(unsigned long long n, double seconds)
{
	char *p = mmap(NULL, n, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	unsigned long long at;

	if (p == MAP_FAILED)
		return NULL;
	for (at = 0; at < n; at += STEP) {
		memset(p + at, 0x6b, n - at < STEP ? n - at : STEP);
		nap(seconds * STEP / n);
	}
	return p;
}

/*
 * A workload says on a pipe when it has done what it does: under TCG (the
 * VM suite) it runs several times slower than its nominal pace, and the
 * test must not stop memprobe before it is done.
 */
struct phase {
	int fd[2];
};

static void phase_done(void *arg)
{
	struct phase *ph = arg;

	if (write(ph->fd[1], "d", 1) != 1)
		_exit(3);
}

/*
 * Waits up to timeout_s for the workload; if it had to wait, a few samples
 * more (at --interval 0.25), so that the summary saw where it ended.
 */
static bool phase_wait(struct phase *ph, int timeout_s)
{
	struct pollfd pfd = { .fd = ph->fd[0], .events = POLLIN };

	if (poll(&pfd, 1, 0) == 1)
		return true;
	if (poll(&pfd, 1, timeout_s * 1000) != 1)
		return false;
	nap(0.75);
	return true;
}

static void phase_close(struct phase *ph)
{
	close(ph->fd[0]);
	close(ph->fd[1]);
}

static int leaker(void *arg)
{
	if (!grow(160 * WL_MIB, 4))
		return 1;
	phase_done(arg);
	pause();	/* holds it: the test reads /proc and memory.stat, then kills us */
	return 0;
}

static int rise_and_fall(void *arg)
{
	char *p;

	p = grow(160 * WL_MIB, 2);
	if (!p)
		return 1;
	nap(0.5);
	munmap(p, 160 * WL_MIB);
	phase_done(arg);
	pause();
	return 0;
}

static int reader(void *arg)
{
	const char *path = arg;

	if (wl_read(path) < 0)
		return 1;
	pause();
	return 0;
}

static int short_lived(void *arg)
{
	(void)arg;
	return grow(64 * WL_MIB, 0.2) ? 0 : 1;
}

/* The entry for pid in a record's process list, or NULL. */
static const struct jv *find_pid(const struct jv *rec, const char *list, uint64_t pid)
{
	const struct jv *l = jv_get(rec, list);
	size_t i;

	for (i = 0; l && i < l->n; i++)
		if (jv_u64_or(&l->items[i], "pid") == pid)
			return &l->items[i];
	return NULL;
}

/* A /proc/PID/status figure in bytes. */
static uint64_t status_kb(pid_t pid, const char *key)
{
	char path[64], buf[4096], *p;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	if (read_text(path, buf, sizeof(buf)) < 0 || !(p = strstr(buf, key)))
		return ~0ULL;
	return strtoull(p + strlen(key) + 1, NULL, 10) * 1024;
}

/*
 * Runs fn in a fresh cgroup under memprobe (fast verdict thresholds) for
 * about run_s seconds, then stops memprobe with the child still alive.
 */
struct watched {
	struct tcg cg;
	struct tchild child;
	struct agent agent;
	struct jv *summary;
};

static bool watch(struct watched *w, const char *tag, int (*fn)(void *), void *arg, double run_s,
		  struct phase *ph)
{
	const char *argv[] = { "--json", "--interval", "0.25", "--verdict-samples", "8", "--leak-band", "32M",
			       "--cgroup", NULL, NULL };

	w->child = (struct tchild){ .pid = 0, .go = -1 };
	w->agent.out = -1;
	if (!ASSERT(!tcg_create(&w->cg, tag), "cannot create a cgroup") ||
	    !ASSERT(!tchild_start(&w->child, &w->cg, fn, arg), "cannot start the child"))
		return false;
	argv[8] = w->cg.rel;
	if (!ASSERT(!agent_start(&w->agent, argv), "cannot run memprobe") ||
	    !ASSERT(agent_wait_for(&w->agent, "start", 30), "no start; stderr: %s", agent_stderr(&w->agent)))
		return false;
	tchild_go(&w->child);
	nap(run_s);
	if (ph && !ASSERT(phase_wait(ph, 60), "the workload did not finish"))
		return false;
	if (!ASSERT(agent_finish(&w->agent, SIGINT, 30) == 0, "memprobe failed: %s", agent_stderr(&w->agent)))
		return false;
	w->summary = agent_record(&w->agent, "summary", w->cg.rel);
	return ASSERT(w->summary, "no summary");
}

static void unwatch(struct watched *w)
{
	jv_free(w->summary);
	agent_free(&w->agent);
	tchild_kill(&w->child);
	tcg_remove(&w->cg);
}

INTEGRATION_TEST(leaking_child_gets_leak, 90)
{
	struct watched w = { 0 };
	struct phase ph;
	const struct jv *p;
	uint64_t anon, rss, alloc;
	bool ok = false;

	if (!ASSERT(!pipe2(ph.fd, O_CLOEXEC), "pipe"))
		return false;
	if (!watch(&w, "leak", leaker, &ph, 6, &ph))
		goto out;
	anon = tcg_stat(&w.cg, "rss", "anon");
	rss = status_kb(w.child.pid, "VmRSS:");
	if (!ASSERT_STR(jv_str(w.summary, "verdict"), "leak") ||
	    !ASSERT_NEAR(jv_u64_or(w.summary, "anon_bytes"), anon, 5, 0) ||
	    !ASSERT_NEAR(anon, TOUCHED(160 * WL_MIB), 10, RUNTIME))
		goto out;
	p = find_pid(w.summary, "top_processes", (uint64_t)w.child.pid);
	if (!ASSERT(p, "child %d not in top_processes", (int)w.child.pid) ||
	    !ASSERT_NEAR(jv_u64_or(p, "rss_bytes"), rss, 5, 0) ||
	    !ASSERT_NEAR(jv_u64_or(p, "anon_bytes"), status_kb(w.child.pid, "RssAnon:"), 5, 0) ||
	    !ASSERT_STR(jv_str(p, "verdict"), "leak"))
		goto out;
	/* Every touched page was a page allocation charged to this cgroup's task. */
	alloc = jv_u64_or(w.summary, "alloc_pages") * (uint64_t)sysconf(_SC_PAGESIZE);
	if (!ASSERT(alloc >= 160 * WL_MIB * 95 / 100 && alloc <= 160 * WL_MIB * 3 / 2,
		    "alloc %llu bytes for 160 MiB touched", (unsigned long long)alloc))
		goto out;
	ok = true;
out:
	unwatch(&w);
	phase_close(&ph);
	return ok;
}

INTEGRATION_TEST(rise_and_fall_is_not_leak, 90)
{
	struct watched w = { 0 };
	struct phase ph;
	bool ok = false;

	if (!ASSERT(!pipe2(ph.fd, O_CLOEXEC), "pipe"))
		return false;
	if (!watch(&w, "risefall", rise_and_fall, &ph, 6, &ph))
		goto out;
	ok = ASSERT(strcmp(jv_str(w.summary, "verdict") ?: "", "leak"), "verdict %s: %s",
		    jv_str(w.summary, "verdict"), jv_str(w.summary, "verdict_reason")) &&
	     ASSERT_NEAR(jv_u64_or(w.summary, "anon_bytes"), tcg_stat(&w.cg, "rss", "anon"), 5, 1 * WL_MIB);
out:
	unwatch(&w);
	phase_close(&ph);
	return ok;
}

INTEGRATION_TEST(cache_only_child_is_normal, 60)
{
	struct watched w = { 0 };
	char dir[512], path[600];
	uint64_t reclaimable;
	bool ok = false;

	if (!ASSERT(!wl_make_dir("memprobe-it", dir, sizeof(dir)), "no test dir"))
		return false;
	snprintf(path, sizeof(path), "%s/model.bin", dir);
	if (!ASSERT(!wl_write_evicted(path, 96 * WL_MIB), "cannot write the file"))
		goto out;
	if (!watch(&w, "cache", reader, path, 5, NULL))
		goto out;
	/* Proactive reclaim may take some pages back: reclaimable is checked against the kernel's counters. */
	reclaimable = tcg_page_cache(&w.cg) - tcg_stat(&w.cg, "dirty", "file_dirty") -
		      tcg_stat(&w.cg, "writeback", "file_writeback");
	ok = ASSERT_STR(jv_str(w.summary, "verdict"), "normal") &&
	     ASSERT(jv_u64_or(w.summary, "page_cache_added_bytes") >= 90 * WL_MIB, "cache did not grow") &&
	     ASSERT(jv_str(w.summary, "page_cache_note") && strstr(jv_str(w.summary, "page_cache_note"), "not a leak"),
		    "no note saying page cache growth is not a leak") &&
	     ASSERT_NEAR(jv_u64_or(w.summary, "page_cache_reclaimable_bytes"), reclaimable, 5, WL_MIB);
out:
	unwatch(&w);
	unlink(path);
	rmdir(dir);
	return ok;
}

/* A process born and gone between two samples is seen by kmem:rss_stat alone. */
INTEGRATION_TEST(short_lived_process_seen_by_probe, 60)
{
	const char *argv[] = { "--json", "--interval", "30", "--cgroup", NULL, NULL };
	struct tchild child = { .pid = 0, .go = -1 };
	struct agent a = { .out = -1 };
	struct jv *sum = NULL;
	const struct jv *p;
	struct tcg cg = { 0 };
	pid_t pid;
	bool ok = false;

	if (!ASSERT(!tcg_create(&cg, "short"), "cgroup") ||
	    !ASSERT(!tchild_start(&child, &cg, short_lived, NULL), "child"))
		goto out;
	argv[4] = cg.rel;
	if (!ASSERT(!agent_start(&a, argv), "memprobe") || !ASSERT(agent_wait_for(&a, "start", 30), "no start"))
		goto out;
	pid = child.pid;
	tchild_go(&child);
	if (!ASSERT(tchild_wait(&child, 20) == 0, "child failed"))
		goto out;
	if (!ASSERT(agent_finish(&a, SIGINT, 30) == 0, "memprobe failed: %s", agent_stderr(&a)))
		goto out;
	sum = agent_record(&a, "summary", cg.rel);
	p = find_pid(sum, "exited_processes", (uint64_t)pid);
	ok = ASSERT(p, "child %d not among exited_processes", (int)pid) &&
	     ASSERT_NEAR(jv_u64_or(p, "peak_anon_bytes"), TOUCHED(64 * WL_MIB), 5, RUNTIME);
out:
	jv_free(sum);
	agent_free(&a);
	tchild_kill(&child);
	tcg_remove(&cg);
	return ok;
}

INTEGRATION_TEST(wrapper_gives_verdict, 60)
{
	const char *argv[] = { "--json", "--interval", "0.25", "--verdict-samples", "8", "--leak-band", "32M", "--",
			       build_path("workloads/anonload"), "--rate", "48M", "--seconds", "4", "--hold", "1", NULL };
	struct agent a = { .out = -1 };
	struct jv *sum = NULL;
	bool ok = false;
	int code;

	if (!ASSERT(!agent_start(&a, argv), "memprobe"))
		goto out;
	code = agent_finish(&a, 0, 40);
	sum = agent_record(&a, "summary", NULL);
	ok = ASSERT(code == 0, "exit %d: %s", code, agent_stderr(&a)) && ASSERT(sum, "no summary") &&
	     ASSERT_STR(jv_str(sum, "verdict"), "leak");
out:
	jv_free(sum);
	agent_free(&a);
	return ok;
}

/* A service's process: holds size bytes of anonymous memory until killed. */
static int holder(void *arg)
{
	if (!grow(*(unsigned long long *)arg, 0.2))
		return 1;
	pause();
	return 0;
}

/*
 * A restart inside one cgroup: the first process (48 MiB) is killed and a
 * second (16 MiB) takes its place. The new pid is a new process with its own
 * figures; the old one's are among the exited, with its own peak: neither
 * is mixed into the other.
 */
INTEGRATION_TEST(restarted_process_is_a_new_process, 90)
{
	const char *argv[] = { "--json", "--interval", "0.25", "--cgroup", NULL, NULL };
	unsigned long long big = 48 * WL_MIB, small = 16 * WL_MIB;
	struct tchild first = { .pid = 0, .go = -1 }, second = { .pid = 0, .go = -1 };
	struct agent a = { .out = -1 };
	struct jv *sum = NULL;
	const struct jv *p, *q;
	struct tcg cg = { 0 };
	pid_t old_pid = 0;
	uint64_t anon = 0;
	bool ok = false;

	if (!ASSERT(!tcg_create(&cg, "restartp"), "cgroup") || !ASSERT(!tchild_start(&first, &cg, holder, &big), "first"))
		goto out;
	argv[4] = cg.rel;
	if (!ASSERT(!agent_start(&a, argv), "memprobe") || !ASSERT(agent_wait_for(&a, "start", 30), "no start"))
		goto out;
	tchild_go(&first);
	old_pid = first.pid;
	nap(1.5);
	agent_wait_for(&a, "never", 1);
	tchild_kill(&first);
	if (!ASSERT(!tchild_start(&second, &cg, holder, &small), "second"))
		goto out;
	tchild_go(&second);
	nap(1.5);
	agent_wait_for(&a, "never", 1);
	anon = status_kb(second.pid, "RssAnon:");
	if (!ASSERT(agent_finish(&a, SIGINT, 30) == 0, "memprobe failed: %s", agent_stderr(&a)))
		goto out;
	sum = agent_record(&a, "summary", cg.rel);
	p = find_pid(sum, "top_processes", (uint64_t)second.pid);
	q = find_pid(sum, "exited_processes", (uint64_t)old_pid);
	ok = ASSERT(sum, "no summary") && ASSERT(p, "new pid %d not in top_processes", (int)second.pid) &&
	     ASSERT_NEAR(jv_u64_or(p, "anon_bytes"), anon, 5, 0) &&
	     ASSERT_NEAR(jv_u64_or(p, "anon_bytes"), TOUCHED(small), 10, RUNTIME) &&
	     ASSERT(!find_pid(sum, "top_processes", (uint64_t)old_pid), "the killed process is still listed as running") &&
	     ASSERT(q, "old pid %d not among exited_processes", (int)old_pid) &&
	     ASSERT_NEAR(jv_u64_or(q, "peak_anon_bytes"), TOUCHED(big), 5, RUNTIME);
out:
	jv_free(sum);
	agent_free(&a);
	tchild_kill(&first);
	tchild_kill(&second);
	tcg_remove(&cg);
	return ok;
}
