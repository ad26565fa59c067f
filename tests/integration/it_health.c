// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Before the OOM kill, on the kernel: the limits in force (a parent's
 * included), the forecast of the time to memory.max checked against a
 * real OOM kill, memory events, reclaim stalls and pressure at a limit,
 * and whether the cache is a working set (refaults) or cold. Every cgroup
 * and limit is the test's own.
 */
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"
#include "sys/util.h"
#include "it.h"
#include "workload.h"

/* One summary of memprobe watching cg while fn runs there, for about run_s seconds. */
/* Whether pid is blocked in pause(), where every workload here ends; true when that cannot be read. */
static bool paused(pid_t pid)
{
	char path[64], text[256];

	snprintf(path, sizeof(path), "/proc/%d/syscall", (int)pid);
	if (read_text(path, text, sizeof(text)) <= 0)
		return true;
	return atoi(text) == SYS_pause;
}

static struct jv *watched_summary(struct agent *a, const struct tcg *cg, int (*fn)(void *), void *arg, double run_s,
				  const char *const *extra)
{
	const char *argv[24] = { "--json", "--interval", "0.25", "--verdict-samples", "6", "--cgroup", cg->rel };
	struct tchild child = { .pid = 0, .go = -1 };
	struct jv *sum = NULL;
	size_t n = 7;
	int i;

	while (extra && *extra && n < 23)
		argv[n++] = *extra++;
	argv[n] = NULL;
	if (!ASSERT(!tchild_start(&child, cg, fn, arg), "child") || !ASSERT(!agent_start(a, argv), "memprobe") ||
	    !ASSERT(agent_wait_for(a, "start", 30), "no start: %s", agent_stderr(a)))
		goto out;
	tchild_go(&child);
	it_nap(run_s);
	/* A slow machine (the emulated VM) may not be through the work yet: wait until it is, in pause(). */
	for (i = 0; i < 120 && !paused(child.pid); i++)
		agent_wait_for(a, "never", 1);
	if (!ASSERT(agent_finish(a, SIGINT, 30) == 0, "memprobe: %s", agent_stderr(a)))
		goto out;
	sum = agent_record(a, "summary", cg->rel);
	ASSERT(sum, "no summary");
out:
	tchild_kill(&child);
	return sum;
}

/* Limits equal what was written, a parent's included: the smallest binds, and says where it is set. */
INTEGRATION_TEST(limits_as_written_parent_included, 60)
{
	struct tcg parent = { 0 }, child = { 0 };
	struct agent a = { .out = -1 };
	struct jv *sum = NULL;
	bool ok = false;

	if (!ASSERT(!tcg_create(&parent, "limits"), "parent") || !ASSERT(!tcg_limit(&parent, 96 * WL_MIB), "limit") ||
	    !ASSERT(!tcg_create_child(&child, &parent, "svc"), "child"))
		goto out;
	if (parent.version == 2 && !ASSERT(!tcg_write(&parent, "memory.high", "67108864"), "high"))
		goto out;
	sum = watched_summary(&a, &child, it_child_idle, NULL, 1, NULL);
	if (!sum)
		goto out;
	ok = ASSERT(jv_u64_or(sum, "memory_max_bytes") == 96 * WL_MIB, "max %llu",
		    (unsigned long long)jv_u64_or(sum, "memory_max_bytes")) &&
	     ASSERT_STR(jv_str(sum, "memory_max_cgroup"), parent.rel);
	if (ok && parent.version == 2)
		ok = ASSERT(jv_u64_or(sum, "memory_high_bytes") == 64 * WL_MIB, "high") &&
		     ASSERT_STR(jv_str(sum, "memory_high_cgroup"), parent.rel);
	else if (ok)
		ok = ASSERT(jv_get(sum, "memory_high_bytes") && jv_get(sum, "memory_high_bytes")->type == J_NULL,
			    "v1 has no memory.high: null");
	jv_free(sum);
	sum = NULL;
	agent_free(&a);
	/* Its own, tighter limit binds now. */
	if (!ok || !ASSERT(!tcg_limit(&child, 48 * WL_MIB), "child limit"))
		goto out;
	sum = watched_summary(&a, &child, it_child_idle, NULL, 1, NULL);
	ok = sum && ASSERT(jv_u64_or(sum, "memory_max_bytes") == 48 * WL_MIB, "own limit") &&
	     ASSERT_STR(jv_str(sum, "memory_max_cgroup"), child.rel);
out:
	jv_free(sum);
	agent_free(&a);
	tcg_remove(&child);
	tcg_remove(&parent);
	return ok;
}

#define FORECAST_LIMIT	(128 * WL_MIB)

/* Steady anon growth into the limit: 16 MiB a second, so the OOM kill comes about 8 s in. */
static int steady_hog(void *arg)
{
	const double rate = 16.0 * WL_MIB;
	size_t at = 0, n = 2 * FORECAST_LIMIT;
	char *p = mmap(NULL, n, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	double start = now_monotonic();

	(void)arg;
	if (p == MAP_FAILED)
		return 1;
	for (;;) {
		double t = now_monotonic();

		while (at < n && at < (t - start) * rate) {
			p[at] = 1;
			at += 4096;
		}
		it_nap(0.01);
	}
}

static double record_ts(const struct jv *v)
{
	double ts = 0;

	jv_num(v, "ts", &ts);
	return ts;
}

static const char *const event_names[] = { "high", "max", "oom", "oom_kill" };

/*
 * A summary's memory events (the run's) are the kernel's counts, read once
 * the cgroup's child is dead or in pause(): the cgroup is new, and the
 * child began after memprobe's first reading. Fills kernel[] in
 * event_names' order.
 */
static bool summary_events_match(const struct jv *sum, const struct tcg *cg, uint64_t kernel[4])
{
	struct tcg_events k;
	char key[64];
	size_t i;

	if (!ASSERT(!tcg_events(cg, &k), "the kernel's memory events") || !ASSERT(sum, "summary"))
		return false;
	kernel[0] = k.high;
	kernel[1] = k.max;
	kernel[2] = k.oom;
	kernel[3] = k.oom_kill;
	for (i = 0; i < 4; i++) {
		snprintf(key, sizeof(key), "memory_events_%s", event_names[i]);
		if (!ASSERT(jv_get(sum, key) && jv_get(sum, key)->type == J_NUM, "%s unknown", key) ||
		    !ASSERT(jv_u64_or(sum, key) == kernel[i], "summary %s %llu, the kernel's %llu", key,
			    (unsigned long long)jv_u64_or(sum, key), (unsigned long long)kernel[i]))
			return false;
	}
	return true;
}

/*
 * After an OOM kill: the summary's events are the kernel's, and the kill
 * record's pre-kill ones are the sample's at the same reading, and hold no
 * kill.
 */
static bool kill_events_match(const struct agent *a, const struct tcg *cg, const struct jv *kill, double pre_ts)
{
	struct jv *sum = agent_record(a, "summary", cg->rel), *at = NULL;
	uint64_t kernel[4];
	char key[64], pre[80];
	bool ok;
	size_t i;

	ok = summary_events_match(sum, cg, kernel) &&
	     ASSERT(kernel[3] >= 1, "the kernel counted %llu kills", (unsigned long long)kernel[3]);
	for (i = 0; ok && i < a->n_lines && !at; i++) {
		struct jv *v = jv_parse(a->lines[i]);

		if (v && jv_str(v, "type") && !strcmp(jv_str(v, "type"), "sample") &&
		    fabs(record_ts(v) - pre_ts) < 1e-3)
			at = v;
		else
			jv_free(v);
	}
	ok = ok && ASSERT(at, "no sample at the last pre-kill reading, %.3f", pre_ts);
	for (i = 0; ok && i < 4; i++) {
		snprintf(key, sizeof(key), "memory_events_%s", event_names[i]);
		snprintf(pre, sizeof(pre), "pre_kill_%s", key);
		ok = ASSERT(jv_get(kill, pre) && jv_get(kill, pre)->type == J_NUM && jv_get(at, key) &&
				    jv_get(at, key)->type == J_NUM, "%s unknown", pre) &&
		     ASSERT(jv_u64_or(kill, pre) == jv_u64_or(at, key), "%s %llu, the sample's %llu", pre,
			    (unsigned long long)jv_u64_or(kill, pre), (unsigned long long)jv_u64_or(at, key)) &&
		     ASSERT(jv_u64_or(kill, pre) <= kernel[i], "%s %llu, over the kernel's %llu", pre,
			    (unsigned long long)jv_u64_or(kill, pre), (unsigned long long)kernel[i]);
	}
	ok = ok && ASSERT(jv_u64_or(kill, "pre_kill_memory_events_oom_kill") == 0, "a kill before the kill");
	jv_free(at);
	jv_free(sum);
	return ok;
}

/*
 * The forecast measured a third of the way to the kill is within 30 % (and
 * a second: the hog keeps its pace by the clock, and on a loaded 2-CPU host
 * it lags and catches up) of when the kill came; the forecast record comes
 * first; the kill record says what led to it.
 */
INTEGRATION_TEST(forecast_meets_the_real_oom_kill, 90)
{
	const char *argv[] = { "--json", "--interval", "0.25", "--verdict-samples", "8", "--oom-horizon", "600",
			       "--cgroup", NULL, NULL };
	struct tchild child = { .pid = 0, .go = -1 };
	struct agent a = { .out = -1 };
	struct jv *kill = NULL, *third = NULL;
	struct tcg cg = { 0 };
	double start = 0, kill_ts, eta = -1, best = 1e9, pre_slope = 0, pre_eta = -1;
	size_t i, forecast_at = 0, kill_at = 0;
	const struct jv *readings;
	bool ok = false;

	if (!ASSERT(!tcg_create(&cg, "forecast"), "cgroup") || !ASSERT(!tcg_limit(&cg, FORECAST_LIMIT), "limit") ||
	    !ASSERT(!tchild_start(&child, &cg, steady_hog, NULL), "child"))
		goto out;
	argv[8] = cg.rel;
	if (!ASSERT(!agent_start(&a, argv), "memprobe") || !ASSERT(agent_wait_for(&a, "start", 30), "no start"))
		goto out;
	tchild_go(&child);
	if (!ASSERT(tchild_wait_reading(&child, &a, 40) >= 0, "child not killed") ||
	    !ASSERT(agent_wait_for(&a, "oom_kill", 10), "no oom_kill") || !ASSERT(agent_finish(&a, SIGINT, 30) == 0, "exit"))
		goto out;
	for (i = 0; i < a.n_lines; i++) {
		struct jv *v = jv_parse(a.lines[i]);
		const char *type = v ? jv_str(v, "type") : NULL;

		if (type && !strcmp(type, "sample") && !start && jv_u64_or(v, "anon_bytes") > 0)
			start = record_ts(v);
		if (type && !strcmp(type, "forecast") && !forecast_at)
			forecast_at = i + 1;
		if (type && !strcmp(type, "oom_kill") && !kill_at)
			kill_at = i + 1;
		jv_free(v);
	}
	kill = agent_record(&a, "oom_kill", NULL);
	if (!ASSERT(kill && start > 0, "records") || !ASSERT(forecast_at && forecast_at < kill_at, "forecast %zu, kill %zu",
							      forecast_at, kill_at))
		goto out;
	kill_ts = record_ts(kill);
	/* The sample nearest a third of the way from the growth's start to the kill. */
	for (i = 0; i < a.n_lines; i++) {
		struct jv *v = jv_parse(a.lines[i]);
		double at, d;

		if (v && jv_str(v, "type") && !strcmp(jv_str(v, "type"), "sample") && jv_num(v, "oom_eta_s", &eta)) {
			at = record_ts(v);
			d = at - (start + (kill_ts - start) / 3);
			if (d < 0)
				d = -d;
			if (d < best) {
				best = d;
				jv_free(third);
				third = v;
				v = NULL;
			}
		}
		jv_free(v);
	}
	/* A forecast only near the kill would make any ETA look right. */
	if (!ASSERT(third, "no sample with a forecast") ||
	    !ASSERT(best <= (kill_ts - start) / 6, "the forecast nearest a third of the way is %.1f s from it, of %.1f s",
		    best, kill_ts - start))
		goto out;
	jv_num(third, "oom_eta_s", &eta);
	readings = jv_get(kill, "pre_kill_readings");
	ok = ASSERT_NEAR(eta, kill_ts - record_ts(third), 30, 1.0) &&
	     ASSERT_STR(jv_str(kill, "pre_kill_cgroup"), cg.rel) &&
	     ASSERT(readings && readings->n >= 3, "pre-kill readings") &&
	     ASSERT(record_ts(&readings->items[readings->n - 1]) < kill_ts, "a reading after the kill, at %.3f (%.3f)",
		    record_ts(&readings->items[readings->n - 1]), kill_ts) &&
	     ASSERT(jv_u64_or(&readings->items[readings->n - 1], "anon_bytes") > FORECAST_LIMIT / 2,
		    "last reading %llu bytes", (unsigned long long)jv_u64_or(&readings->items[readings->n - 1], "anon_bytes")) &&
	     ASSERT(jv_get(kill, "pre_kill_anon_growth_bytes_per_hour"), "pre-kill trend") &&
	     /* As it stood at the last reading: growing, the kill near (a sample after it bends the trend). */
	     ASSERT(jv_num(kill, "pre_kill_anon_growth_bytes_per_hour", &pre_slope) && pre_slope > 0, "pre-kill slope %.0f",
		    pre_slope) &&
	     ASSERT(jv_num(kill, "pre_kill_oom_eta_s", &pre_eta) && pre_eta >= 0 && pre_eta <= (kill_ts - start) / 3,
		    "pre-kill oom_eta_s %.1f, %.1f s from the start to the kill", pre_eta, kill_ts - start) &&
	     kill_events_match(&a, &cg, kill, record_ts(&readings->items[readings->n - 1]));
out:
	jv_free(kill);
	jv_free(third);
	agent_free(&a);
	tchild_kill(&child);
	tcg_remove(&cg);
	return ok;
}

/* Reads a file through the page cache again and again: at a limit below its size, reclaim works for it. */
static int reread(void *arg)
{
	int i;

	for (i = 0; i < 6; i++)
		if (wl_read(arg) < 0)
			return 1;
	pause();
	return 0;
}

static int read_once(void *arg)
{
	if (wl_read(arg) < 0)
		return 1;
	pause();
	return 0;
}

struct file_case {
	char dir[512], path[600];
};

static bool big_file(struct file_case *f, const char *name)
{
	if (!ASSERT(!wl_make_dir("memprobe-it", f->dir, sizeof(f->dir)), "dir"))
		return false;
	snprintf(f->path, sizeof(f->path), "%s/%s", f->dir, name);
	return ASSERT(!wl_write_evicted(f->path, 128 * WL_MIB), "file");
}

static void drop_file(struct file_case *f)
{
	if (f->path[0])
		unlink(f->path);
	if (f->dir[0])
		rmdir(f->dir);
}

/*
 * At its limit (v1) or memory.high (v2) with a cache larger than the room
 * it has: memory events counted as the kernel counts them, reclaim stalls
 * measured, pressure rises (v2: the cgroup's memory.pressure totals, to the
 * microsecond), and the re-read cache is called a working set, its
 * refaults memory.stat's.
 */
INTEGRATION_TEST(pressure_at_the_limit, 90)
{
	struct file_case f = { "", "" };
	struct agent a = { .out = -1 };
	struct tcg cg = { 0 };
	struct jv *sum = NULL;
	double stall = 0, some = 0, full = 0;
	uint64_t kernel[4], refaults;
	bool ok = false;

	if (!big_file(&f, "reread.bin") || !ASSERT(!tcg_create(&cg, "pressure"), "cgroup"))
		goto out;
	if (cg.version == 2 ? tcg_write(&cg, "memory.high", "50331648") : tcg_limit(&cg, 48 * WL_MIB))
		goto out;
	sum = watched_summary(&a, &cg, reread, f.path, 6, NULL);
	if (!sum)
		goto out;
	jv_num(sum, "reclaim_memcg_s", &stall);
	jv_num(sum, "pressure_some_stall_s", &some);
	refaults = tcg_stat(&cg, "workingset_refault_file", "workingset_refault_file");
	/* The child is in pause(): the kernel's counts stand as memprobe last read them. */
	ok = summary_events_match(sum, &cg, kernel) &&
	     ASSERT(jv_u64_or(sum, cg.version == 2 ? "memory_events_high" : "memory_events_max") > 0,
		    "no %s events", cg.version == 2 ? "high" : "max") &&
	     ASSERT(jv_u64_or(sum, "reclaim_memcg_count") > 0 && stall > 0, "no memcg reclaim stall measured") &&
	     ASSERT(jv_get(sum, "reclaim_p99_s") && jv_get(sum, "reclaim_p99_s")->type == J_NUM, "no p99") &&
	     ASSERT(jv_str(sum, "pressure_scope"), "no pressure figures") &&
	     ASSERT(some > 0, "PSI some stall %.6f s", some) &&
	     /* The cgroup's own (v2): its totals since it was made, as the run's (the child began after the start). */
	     (strcmp(jv_str(sum, "pressure_scope"), "cgroup") ||
	      (ASSERT_NEAR(some * 1e6, (double)tcg_psi_total_us(&cg, "some"), 0, 1) &&
	       ASSERT(jv_num(sum, "pressure_full_stall_s", &full), "no full stall") &&
	       ASSERT_NEAR(full * 1e6, (double)tcg_psi_total_us(&cg, "full"), 0, 1))) &&
	     /* A v1 hierarchy of an older kernel counts no refaults: then it cannot be told, and says so. */
	     (refaults == ~0ULL ?
		      ASSERT(jv_get(sum, "workingset_refault_file_bytes") &&
				     jv_get(sum, "workingset_refault_file_bytes")->type == J_NULL,
			     "refaults given where the kernel counts none") &&
			      ASSERT_STR(jv_str(sum, "page_cache_working_set"), "unknown") :
		      ASSERT(jv_u64_or(sum, "workingset_refault_file_bytes") > 0, "no refaults") &&
			      ASSERT(jv_u64_or(sum, "workingset_refault_file_bytes") ==
					     refaults * (uint64_t)sysconf(_SC_PAGESIZE),
				     "refaults %llu bytes, memory.stat's %llu pages",
				     (unsigned long long)jv_u64_or(sum, "workingset_refault_file_bytes"),
				     (unsigned long long)refaults) &&
			      ASSERT_STR(jv_str(sum, "page_cache_working_set"), "working set"));
out:
	jv_free(sum);
	agent_free(&a);
	tcg_remove(&cg);
	drop_file(&f);
	return ok;
}

/* Read once, through a cgroup too small to keep it: what left was never read back: cold. */
INTEGRATION_TEST(cache_read_once_is_cold, 60)
{
	struct file_case f = { "", "" };
	struct agent a = { .out = -1 };
	struct tcg cg = { 0 };
	struct jv *sum = NULL;
	bool ok = false;

	if (!big_file(&f, "once.bin") || !ASSERT(!tcg_create(&cg, "cold"), "cgroup") ||
	    !ASSERT(!tcg_limit(&cg, 64 * WL_MIB), "limit"))
		goto out;
	sum = watched_summary(&a, &cg, read_once, f.path, 3, NULL);
	if (!sum)
		goto out;
	/* Where the kernel counts no refaults (a v1 hierarchy of 5.10), it cannot be told, and is not. */
	if (tcg_stat(&cg, "workingset_refault_file", "workingset_refault_file") == ~0ULL)
		ok = ASSERT_STR(jv_str(sum, "page_cache_working_set"), "unknown") &&
		     ASSERT(!strstr(jv_str(sum, "page_cache_note") ?: "", "cold"), "note: %s", jv_str(sum, "page_cache_note"));
	else
		ok = ASSERT_STR(jv_str(sum, "page_cache_working_set"), "cold") &&
		     ASSERT(strstr(jv_str(sum, "page_cache_note") ?: "", "cold"), "note: %s",
			    jv_str(sum, "page_cache_note"));
out:
	jv_free(sum);
	agent_free(&a);
	tcg_remove(&cg);
	drop_file(&f);
	return ok;
}
