// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * RSS, allocation rate and the leak verdict on real workloads, each in a
 * cgroup of its own, checked against memory.stat and /proc/PID/status.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"
#include "it.h"
#include "sys/util.h"
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

/* Touches n bytes of fresh anonymous memory, in steps, over seconds; returns it. */
static char *grow(unsigned long long n, double seconds)
{
	char *p = mmap(NULL, n, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	unsigned long long at;

	if (p == MAP_FAILED)
		return NULL;
	for (at = 0; at < n; at += STEP) {
		memset(p + at, 0x6b, n - at < STEP ? n - at : STEP);
		it_nap(seconds * STEP / n);
	}
	return p;
}

/* Still growing when memprobe is stopped (6 s in): growth that has stopped is not a leak. */
static int leaker(void *arg)
{
	(void)arg;
	if (!grow(160 * WL_MIB, 8))
		return 1;
	pause();	/* holds it: the test reads /proc and memory.stat, then kills us */
	return 0;
}

static int rise_and_fall(void *arg)
{
	char *p;

	(void)arg;
	p = grow(160 * WL_MIB, 2);
	if (!p)
		return 1;
	it_nap(0.5);
	munmap(p, 160 * WL_MIB);
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

/*
 * Grows, then forks children that exit at once, then exits itself: most of
 * its last RSS changes happen while the kernel copies its mm into a child
 * (16 MiB are inherited, for page tables to copy). The 96 MiB grown first
 * are not, so its peak is the largest here.
 */
static int forker(void)
{
	char *p, *q;
	int i;

	p = grow(96 * WL_MIB, 0.2);
	q = grow(16 * WL_MIB, 0);
	if (!p || !q || madvise(p, 96 * WL_MIB, MADV_DONTFORK))
		return 1;
	for (i = 0; i < 300; i++) {
		pid_t c = fork();

		if (c < 0)
			return 2;
		if (!c)
			_exit(0);
		if (waitpid(c, NULL, 0) != c)
			return 3;
	}
	return 0;
}

/* Starts the forker once memprobe has read the cgroup: the probe alone sees it. */
static int forker_born_late(void *arg)
{
	char text[32];
	int status, n;
	pid_t pid = fork();

	if (pid < 0)
		return 1;
	if (!pid)
		_exit(forker());
	n = snprintf(text, sizeof(text), "%d", (int)pid);
	if (write_text(arg, text) || n <= 0 || waitpid(pid, &status, 0) != pid)
		return 1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 1;
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

/*
 * Runs fn in a fresh cgroup under memprobe (fast verdict thresholds) for
 * about run_s seconds, then stops memprobe with the child still alive.
 */
struct watched {
	struct tcg cg;
	struct tchild child;
	struct agent agent;
	struct jv *summary;
	uint64_t anon_before;		/* memory.stat's anon just before memprobe was stopped */
	double anon_rate;		/* memory.stat's anon growth a second over the run's second half */
	uint64_t rss_before, rss_anon_before;	/* the child's /proc figures then */
};

/* leak_after: how long fast growth must last to be called a leak (seconds, as --leak-after takes it). */
static bool watch(struct watched *w, const char *tag, int (*fn)(void *), void *arg, double run_s,
		  const char *leak_after)
{
	const char *argv[] = { "--json", "--interval", "0.25", "--verdict-samples", "8", "--leak-band", "32M",
			       "--leak-after", leak_after, "--cgroup", NULL, NULL };
	uint64_t mid;
	double t;

	w->child = (struct tchild){ .pid = 0, .go = -1 };
	w->agent.out = -1;
	if (!ASSERT(!tcg_create(&w->cg, tag), "cannot create a cgroup") ||
	    !ASSERT(!tchild_start(&w->child, &w->cg, fn, arg), "cannot start the child"))
		return false;
	argv[10] = w->cg.rel;
	if (!ASSERT(!agent_start(&w->agent, argv), "cannot run memprobe") ||
	    !ASSERT(agent_wait_for(&w->agent, "start", 30), "no start; stderr: %s", agent_stderr(&w->agent)))
		return false;
	tchild_go(&w->child);
	it_nap(run_s / 2);
	mid = tcg_stat(&w->cg, "rss", "anon");
	t = now_monotonic();
	it_nap(run_s / 2);
	w->anon_before = tcg_stat(&w->cg, "rss", "anon");
	w->anon_rate = ((double)w->anon_before - (double)mid) / (now_monotonic() - t);
	w->rss_before = it_status_bytes(w->child.pid, "VmRSS:");
	w->rss_anon_before = it_status_bytes(w->child.pid, "RssAnon:");
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

INTEGRATION_TEST(leaking_child_gets_leak, 60)
{
	struct watched w = { 0 };
	const struct jv *p;
	uint64_t anon, rss, alloc;
	double slope = -1;
	bool ok = false;

	if (!watch(&w, "leak", leaker, NULL, 6, "1.5"))
		goto out;
	anon = tcg_stat(&w.cg, "rss", "anon");
	rss = it_status_bytes(w.child.pid, "VmRSS:");
	jv_num(w.summary, "anon_growth_bytes_per_hour", &slope);
	/* The leaker may still be growing while memprobe stops (a slow VM): its last reading lies between. */
	if (!ASSERT_STR(jv_str(w.summary, "verdict"), "leak") ||
	    /* The verdict's slope is the rate the kernel saw it grow (4 MiB steps: a third either way). */
	    !ASSERT(w.anon_rate > WL_MIB && slope / 3600 >= w.anon_rate * 2 / 3 && slope / 3600 <= w.anon_rate * 4 / 3,
		    "slope %.1f MiB/s, the kernel's %.1f MiB/s", slope / 3600 / WL_MIB, w.anon_rate / WL_MIB) ||
	    !ASSERT(jv_u64_or(w.summary, "anon_bytes") >= w.anon_before * 95 / 100 &&
		    jv_u64_or(w.summary, "anon_bytes") <= anon * 105 / 100, "anon %llu, the kernel's %llu before and %llu after",
		    (unsigned long long)jv_u64_or(w.summary, "anon_bytes"), (unsigned long long)w.anon_before,
		    (unsigned long long)anon) ||
	    !ASSERT(anon >= 64 * WL_MIB && anon <= TOUCHED(160 * WL_MIB) + RUNTIME, "the leaker holds %llu",
		    (unsigned long long)anon))
		goto out;
	p = find_pid(w.summary, "top_processes", (uint64_t)w.child.pid);
	if (!ASSERT(p, "child %d not in top_processes", (int)w.child.pid) ||
	    /* As for the cgroup: the last reading lies between the process's figures before and after. */
	    !ASSERT(jv_u64_or(p, "rss_bytes") >= w.rss_before * 95 / 100 && jv_u64_or(p, "rss_bytes") <= rss * 105 / 100,
		    "rss %llu, /proc's %llu before and %llu after", (unsigned long long)jv_u64_or(p, "rss_bytes"),
		    (unsigned long long)w.rss_before, (unsigned long long)rss) ||
	    !ASSERT(jv_u64_or(p, "anon_bytes") >= w.rss_anon_before * 95 / 100 &&
		    jv_u64_or(p, "anon_bytes") <= it_status_bytes(w.child.pid, "RssAnon:") * 105 / 100, "anon of the process") ||
	    !ASSERT_STR(jv_str(p, "verdict"), "leak"))
		goto out;
	/* Every touched page was a page allocation charged to this cgroup's task. */
	alloc = jv_u64_or(w.summary, "alloc_pages") * (uint64_t)sysconf(_SC_PAGESIZE);
	if (!ASSERT(alloc >= w.anon_before * 95 / 100 && alloc <= anon * 3 / 2 + RUNTIME,
		    "alloc %llu bytes for %llu to %llu touched", (unsigned long long)alloc,
		    (unsigned long long)w.anon_before, (unsigned long long)anon))
		goto out;
	ok = true;
out:
	unwatch(&w);
	return ok;
}

INTEGRATION_TEST(rise_and_fall_is_not_leak, 60)
{
	struct watched w = { 0 };
	uint64_t after, lo, hi, got;
	bool ok = false;

	if (!watch(&w, "risefall", rise_and_fall, NULL, 6, "30"))
		goto out;
	/* The last reading lies between the kernel's figures just before and just after it (a slow VM may still be growing). */
	after = tcg_stat(&w.cg, "rss", "anon");
	lo = w.anon_before < after ? w.anon_before : after;
	hi = w.anon_before < after ? after : w.anon_before;
	got = jv_u64_or(w.summary, "anon_bytes");
	ok = ASSERT(strcmp(jv_str(w.summary, "verdict") ?: "", "leak"), "verdict %s: %s",
		    jv_str(w.summary, "verdict"), jv_str(w.summary, "verdict_reason")) &&
	     ASSERT(got + lo / 20 + WL_MIB >= lo && got <= hi + hi / 20 + WL_MIB,
		    "anon_bytes %llu outside the kernel's %llu..%llu", (unsigned long long)got, (unsigned long long)lo,
		    (unsigned long long)hi);
out:
	unwatch(&w);
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
	if (!watch(&w, "cache", reader, path, 5, "30"))
		goto out;
	/* Proactive reclaim may take some pages back: reclaimable is checked against the kernel's counters. */
	/* What sits on the file LRUs, less what needs writing first: what reclaim may take. */
	reclaimable = tcg_stat(&w.cg, "active_file", "active_file") + tcg_stat(&w.cg, "inactive_file", "inactive_file") -
		      tcg_stat(&w.cg, "dirty", "file_dirty") - tcg_stat(&w.cg, "writeback", "file_writeback");
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

/*
 * A process that forks a lot stays in its cgroup: while fork() copies its
 * mm, the child is half made (its parent's pid, the root cgroup), and
 * counting it then filed the parent under the root.
 */
INTEGRATION_TEST(forking_process_stays_in_its_cgroup, 60)
{
	const char *argv[] = { "--json", "--interval", "30", "--cgroup", NULL, NULL };
	char pidfile[] = "/tmp/memprobe-test-forker-XXXXXX", text[32] = "";
	struct tchild child = { .pid = 0, .go = -1 };
	struct agent a = { .out = -1 };
	struct jv *sum = NULL;
	const struct jv *p;
	struct tcg cg = { 0 };
	int fd = mkstemp(pidfile);
	bool ok = false;

	if (!ASSERT(fd >= 0, "mkstemp"))
		return false;
	close(fd);
	if (!ASSERT(!tcg_create(&cg, "forker"), "cgroup") ||
	    !ASSERT(!tchild_start(&child, &cg, forker_born_late, pidfile), "child"))
		goto out;
	argv[4] = cg.rel;
	if (!ASSERT(!agent_start(&a, argv), "memprobe") || !ASSERT(agent_wait_for(&a, "start", 30), "no start"))
		goto out;
	tchild_go(&child);
	if (!ASSERT(tchild_wait(&child, 30) == 0, "child failed") ||
	    !ASSERT(agent_finish(&a, SIGINT, 30) == 0, "memprobe failed: %s", agent_stderr(&a)) ||
	    !ASSERT(read_text(pidfile, text, sizeof(text)) > 0, "no pid from the forker"))
		goto out;
	sum = agent_record(&a, "summary", cg.rel);
	p = find_pid(sum, "exited_processes", strtoull(text, NULL, 10));
	ok = ASSERT(p, "the forking process %s is not among its cgroup's exited_processes", text) &&
	     ASSERT_NEAR(jv_u64_or(p, "peak_anon_bytes"), TOUCHED(112 * WL_MIB), 5, RUNTIME + WL_MIB);
out:
	jv_free(sum);
	agent_free(&a);
	tchild_kill(&child);
	tcg_remove(&cg);
	unlink(pidfile);
	return ok;
}

/*
 * A shell starts a background job that moves itself into the cgroup, waits
 * for it, then forks subshells of its own: only the job ran in the cgroup,
 * and only the job is listed under it.
 */
INTEGRATION_TEST(only_processes_that_ran_in_the_cgroup_are_listed, 60)
{
	const char *argv[] = { "--json", "--interval", "0.5", "--cgroup", NULL, NULL };
	char script[3 * IT_PATH], job_pid[64] = "", pidfile[] = "/tmp/memprobe-test-job-XXXXXX";
	struct agent a = { .out = -1 };
	const struct jv *lists[2];
	struct jv *sum = NULL;
	struct tcg cg = { 0 };
	pid_t sh = 0;
	size_t i, k, others = 0;
	int status, fd = mkstemp(pidfile);
	bool ok = false, job_seen = false;

	if (!ASSERT(fd >= 0, "mkstemp") || !ASSERT(!tcg_create(&cg, "job"), "cgroup"))
		goto out;
	close(fd);
	snprintf(script, sizeof(script),
		 "sh -c 'echo $$ > %s && echo $$ > %s/cgroup.procs && exec %s --rate 20M --seconds 1' & wait $!; "
		 "for i in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20; do x=$(cat /proc/loadavg); done",
		 pidfile, cg.dir, build_path("workloads/anonload"));
	argv[4] = cg.rel;
	if (!ASSERT(!agent_start(&a, argv), "memprobe") || !ASSERT(agent_wait_for(&a, "start", 30), "no start"))
		goto out;
	/* The shell is this test's own child, and stays where the test runs. */
	sh = fork();
	if (sh == 0) {
		execl("/bin/sh", "sh", "-c", script, (char *)NULL);
		_exit(127);
	}
	if (!ASSERT(sh > 0, "fork"))
		goto out;
	for (i = 0; i < 30 && waitpid(sh, &status, WNOHANG) == 0; i++)
		agent_wait_for(&a, "never", 1);
	if (!ASSERT(i < 30 && WIFEXITED(status) && WEXITSTATUS(status) == 0, "the shell did not finish"))
		goto out;
	sh = 0;
	agent_wait_for(&a, "never", 1);
	if (!ASSERT(agent_finish(&a, SIGINT, 30) == 0, "memprobe failed: %s", agent_stderr(&a)) ||
	    !ASSERT(read_text(pidfile, job_pid, sizeof(job_pid)) > 0, "the job did not say its pid"))
		goto out;
	sum = agent_record(&a, "summary", cg.rel);
	if (!ASSERT(sum, "no summary"))
		goto out;
	lists[0] = jv_get(sum, "top_processes");
	lists[1] = jv_get(sum, "exited_processes");
	for (k = 0; k < 2; k++)
		for (i = 0; lists[k] && i < lists[k]->n; i++) {
			if (jv_u64_or(&lists[k]->items[i], "pid") == strtoull(job_pid, NULL, 10))
				job_seen = true;
			else
				others++;
		}
	ok = ASSERT(job_seen, "the job (pid %s) is not listed", job_pid) &&
	     ASSERT(others == 0, "%zu processes that never ran in the cgroup are listed under it", others);
out:
	if (sh > 0) {
		kill(sh, SIGKILL);
		waitpid(sh, NULL, 0);
	}
	jv_free(sum);
	agent_free(&a);
	tcg_remove(&cg);
	unlink(pidfile);
	return ok;
}

INTEGRATION_TEST(wrapper_gives_verdict, 60)
{
	const char *argv[] = { "--json", "--interval", "0.25", "--verdict-samples", "8", "--leak-band", "32M",
			       "--leak-after", "1", "--", build_path("workloads/anonload"), "--rate", "48M", "--seconds", "4",
			       NULL };
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
 * Whether the cgroup's anon reaches bytes (within a MiB: each CPU may hold
 * up to 32 pages of its count back) within timeout_s: an emulated CPU
 * sharing its host with three other guests can take seconds longer than
 * grow()'s schedule says. Not the process's RssAnon: before 6.2 a task's
 * own count reaches /proc only every 64 faults, and 48 MiB of huge pages
 * are 24.
 */
static bool grown_to(const struct tcg *cg, uint64_t bytes, double timeout_s)
{
	double end = now_monotonic() + timeout_s;
	uint64_t now;

	while ((now = tcg_stat(cg, "rss", "anon")) + WL_MIB < bytes)
		if (now_monotonic() > end) {
			test_log(__FILE__, __LINE__, "the cgroup's anon is %llu", (unsigned long long)now);
			return false;
		} else {
			it_nap(0.05);
		}
	return true;
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
	uint64_t anon = 0, base;
	bool ok = false;

	if (!ASSERT(!tcg_create(&cg, "restartp"), "cgroup") || !ASSERT(!tchild_start(&first, &cg, holder, &big), "first"))
		goto out;
	argv[4] = cg.rel;
	if (!ASSERT(!agent_start(&a, argv), "memprobe") || !ASSERT(agent_wait_for(&a, "start", 30), "no start"))
		goto out;
	/*
	 * Killed once it holds all of it, and memprobe has had intervals to see
	 * it. What the cgroup holds is what was touched, the sanitizer's
	 * build too: its shadow of fresh mappings is only read.
	 */
	base = tcg_stat(&cg, "rss", "anon");
	tchild_go(&first);
	old_pid = first.pid;
	if (!ASSERT(grown_to(&cg, base + big, 30), "the first process did not grow to %llu", big))
		goto out;
	agent_wait_for(&a, "never", 1);
	tchild_kill(&first);
	if (!ASSERT(!tchild_start(&second, &cg, holder, &small), "second"))
		goto out;
	base = tcg_stat(&cg, "rss", "anon");
	tchild_go(&second);
	if (!ASSERT(grown_to(&cg, base + small, 30), "the second process did not grow to %llu", small))
		goto out;
	agent_wait_for(&a, "never", 1);
	anon = it_status_bytes(second.pid, "RssAnon:");
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
