// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * memprobe as the fleet sees it (README, "Fleet"): Debian's Prometheus
 * (tests/prom.c: 127.0.0.1, a free port, every second) scrapes a memprobe
 * watching the whole machine, as memprobe-exporter.service does, and the
 * answers are read from Prometheus's API: a cgroup's anon as memory.stat
 * has it, OpenMetrics understood, a cgroup removed and made again under its
 * path whose counter does not reset, a real OOM kill counted once, and the
 * alert rules (a copy with their "for:" shortened to seconds) firing on a
 * real leak and a real OOM. promtool lints the text exposition. Host only:
 * the VM has no Prometheus.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"
#include "http.h"
#include "it.h"
#include "prom.h"
#include "sys/util.h"
#include "workload.h"

#define RULES		"contrib/prometheus/memprobe-rules.yml"
#define HOLD		(48 * WL_MIB)
static unsigned long long hold_bytes = HOLD;
#define LIFE		(8 * WL_MIB)
#define OOM_LIMIT	(64 * WL_MIB)
static unsigned long long oom_limit = OOM_LIMIT;

/* memprobe on the whole machine, served on a free port, and Prometheus scraping it. */
struct fleet {
	struct agent a;
	struct prom p;
	char listen[32];
	char target[32];
	char rules[IT_PATH + 32];	/* the shortened copy, when the test loads rules */
	char rules_dir[IT_PATH];
};

/* The rules with every "for:" cut to seconds, so that they fire within a test. */
static bool short_rules(struct fleet *f)
{
	static char text[65536];
	char *p;
	FILE *out;

	snprintf(f->rules_dir, sizeof(f->rules_dir), "/tmp/memprobe-test-%d-rules-XXXXXX", (int)getpid());
	if (!mkdtemp(f->rules_dir) || read_text(RULES, text, sizeof(text)) <= 0)
		return false;
	snprintf(f->rules, sizeof(f->rules), "%s/memprobe-rules.yml", f->rules_dir);
	out = fopen(f->rules, "we");
	if (!out)
		return false;
	for (p = text; *p;) {
		char *line_end = strchr(p, '\n');
		size_t n = line_end ? (size_t)(line_end - p + 1) : strlen(p);
		const char *f_at = strstr(p, "for: ");

		if (f_at && f_at < p + n && strspn(p, " ") == (size_t)(f_at - p))
			fprintf(out, "%.*sfor: 3s\n", (int)(f_at - p), p);
		else
			fwrite(p, 1, n, out);
		p += n;
	}
	return !fclose(out);
}

static bool fleet_start(struct fleet *f, const char *const *extra, bool rules)
{
	const char *argv[32] = { "--json", "--interval", "0.5", "--listen", f->listen };
	const char *targets[] = { f->target, NULL }, *rule_files[] = { f->rules, NULL };
	int port = free_tcp_port();
	size_t n = 5;

	while (extra && *extra && n < 30)
		argv[n++] = *extra++;
	snprintf(f->listen, sizeof(f->listen), "127.0.0.1:%d", port);
	snprintf(f->target, sizeof(f->target), "127.0.0.1:%d", port);
	if (!ASSERT(port > 0, "no free port") || (rules && !ASSERT(short_rules(f), "rules copy")) ||
	    !ASSERT(!agent_start(&f->a, argv), "memprobe"))
		return false;
	fcntl(f->a.out, F_SETPIPE_SZ, 1 << 20);
	return ASSERT(agent_wait_for(&f->a, "start", 30), "no start: %s", agent_stderr(&f->a)) &&
	       ASSERT(!prom_start(&f->p, &(struct prom_opts){ .targets = targets,
							   .rule_files = rules ? rule_files : NULL }),
		      "prometheus did not start");
}

static void fleet_stop(struct fleet *f)
{
	prom_stop(&f->p);
	agent_free(&f->a);
	if (f->rules[0])
		unlink(f->rules);
	if (f->rules_dir[0])
		rmdir(f->rules_dir);
}

/* An expression until it yields a value, reading memprobe's output meanwhile (it must never wait on it). */
static int wait_value(struct fleet *f, const char *expr, int timeout_s, double *v)
{
	double end = now_monotonic() + timeout_s;

	while (now_monotonic() < end) {
		if (!prom_value(&f->p, expr, v))
			return 0;
		agent_wait_line(&f->a, "\x01", 1);	/* reads, matches nothing */
	}
	test_log(__FILE__, __LINE__, "no value for %s within %d s (%s)", expr, timeout_s, f->p.error);
	return -ETIMEDOUT;
}

static int read_file(void *arg)
{
	return wl_read(arg) == (long long)LIFE ? 0 : 1;
}

/* Runs fn to its end in a fresh cgroup of that tag, memprobe's output read meanwhile. */
static bool run_in(struct fleet *f, struct tcg *cg, const char *tag, int (*fn)(void *), void *arg)
{
	struct tchild ch = { .pid = 0, .go = -1 };
	int status;

	if (!ASSERT(!tcg_create(cg, tag), "cgroup") || !ASSERT(!tchild_start(&ch, cg, fn, arg), "child"))
		return false;
	tchild_go(&ch);
	status = tchild_wait_reading(&ch, &f->a, 30);
	tchild_kill(&ch);
	return ASSERT(status == 0, "the child in %s failed: %d", cg->rel, status);
}

/* promtool check metrics on what memprobe serves in the text format: nothing to say. */
static bool promtool_quiet(const struct fleet *f)
{
	char url[64], path[] = "/tmp/memprobe-test-metrics-XXXXXX", out[4096] = "";
	struct http_reply r;
	int fd = mkstemp(path), status = -1;
	ssize_t n;
	pid_t pid;

	snprintf(url, sizeof(url), "http://%s/metrics", f->target);
	if (!ASSERT(fd >= 0, "temporary file") || !ASSERT(!http_call(url, NULL, &r) && r.status == 200, "GET /metrics")) {
		if (fd >= 0)
			close(fd);
		unlink(path);
		return false;
	}
	n = write(fd, r.body, r.len);
	http_reply_free(&r);
	lseek(fd, 0, SEEK_SET);
	pid = fork();
	if (pid == 0) {
		int o = open(path, O_WRONLY | O_APPEND);

		dup2(fd, 0);
		dup2(o, 1);
		dup2(o, 2);
		execlp("promtool", "promtool", "check", "metrics", (char *)NULL);
		_exit(127);
	}
	waitpid(pid, &status, 0);
	out[pread(fd, out, sizeof(out) - 1, n) > 0 ? strlen(out) : 0] = '\0';
	close(fd);
	unlink(path);
	return ASSERT(WIFEXITED(status) && WEXITSTATUS(status) == 0 && !out[0], "promtool check metrics (%d):\n%s",
		      status, out);
}

/* Prometheus's metadata for a metric family, as it parsed the scrape: "info" only from OpenMetrics. */
static bool family_type(const struct fleet *f, const char *family, const char *type)
{
	char url[256], want[128];
	struct http_reply r;
	bool ok;

	snprintf(url, sizeof(url), "%s/api/v1/metadata?metric=%s", f->p.url, family);
	snprintf(want, sizeof(want), "\"type\":\"%s\"", type);
	ok = !http_call(url, NULL, &r) && r.status == 200 && strstr(r.body, want);
	if (!ok)
		test_log(__FILE__, __LINE__, "metadata of %s: %s", family, r.body ? r.body : r.error);
	http_reply_free(&r);
	return ok;
}

INTEGRATION_TEST(prometheus_scrapes_memprobe, 180)
{
	struct fleet f = { .a = { .out = -1 } };
	struct tcg steady = { 0 }, reborn = { 0 };
	struct tchild hold = { .pid = 0, .go = -1 };
	char dir[512] = "", one[600], two[600], expr[IT_PATH + 256];
	double v = 0, before = 0;
	bool ok = false;

	if (!ASSERT(!wl_make_dir("memprobe-it", dir, sizeof(dir)), "directory"))
		goto out;
	snprintf(one, sizeof(one), "%s/first-life.bin", dir);
	snprintf(two, sizeof(two), "%s/second-life.bin", dir);
	if (!ASSERT(!wl_write_evicted(one, LIFE) && !wl_write_evicted(two, LIFE), "files") ||
	    !ASSERT(!tcg_create(&steady, "steady"), "cgroup") || !ASSERT(!tchild_start(&hold, &steady, it_child_hold, &hold_bytes), "child"))
		goto out;
	tchild_go(&hold);
	if (!fleet_start(&f, NULL, false))
		goto out;
	/* The gauge is memory.stat's, within 5 %. */
	snprintf(expr, sizeof(expr), "memprobe_cgroup_anon_bytes{job=\"memprobe\",cgroup=\"%s\",unit=\"\"}", steady.rel);
	if (!ASSERT(!wait_value(&f, expr, 60, &v), "no anon series") ||
	    !ASSERT_NEAR(v, tcg_stat(&steady, "rss", "anon"), 5, 0))
		goto out;
	/* Prometheus asked for OpenMetrics and understood it: the info family and the counter families. */
	if (!ASSERT(family_type(&f, "memprobe_build", "info"), "memprobe_build is not an info family to Prometheus") ||
	    !ASSERT(family_type(&f, "memprobe_cgroup_oom_kills", "counter"), "the OpenMetrics counter family") ||
	    !ASSERT(!wait_value(&f, "memprobe_build_info{job=\"memprobe\"} == 1", 10, &v), "build info") ||
	    !ASSERT(promtool_quiet(&f), "promtool"))
		goto out;
	/* A cgroup that fills some cache, is removed, and is made again under its path. */
	if (!run_in(&f, &reborn, "reborn", read_file, one))
		goto out;
	snprintf(expr, sizeof(expr), "memprobe_cgroup_page_cache_added_bytes_total{cgroup=\"%s\"} >= %llu", reborn.rel,
		 LIFE * 9 / 10);
	if (!ASSERT(!wait_value(&f, expr, 30, &before), "the first life's cache is not counted"))
		goto out;
	tcg_remove(&reborn);
	snprintf(expr, sizeof(expr), "memprobe_cgroup_present{cgroup=\"%s\"} == 0", reborn.rel);
	if (!ASSERT(!wait_value(&f, expr, 30, &v), "never seen gone") || !run_in(&f, &reborn, "reborn", read_file, two))
		goto out;
	snprintf(expr, sizeof(expr), "memprobe_cgroup_lives_total{cgroup=\"%s\"} == 2", reborn.rel);
	if (!ASSERT(!wait_value(&f, expr, 30, &v), "the second life is not counted"))
		goto out;
	snprintf(expr, sizeof(expr), "memprobe_cgroup_page_cache_added_bytes_total{cgroup=\"%s\"} >= %f", reborn.rel,
		 before + LIFE * 9 / 10);
	if (!ASSERT(!wait_value(&f, expr, 30, &v), "the second life did not add to the first (%.0f before)", before))
		goto out;
	it_nap(1.5);
	snprintf(expr, sizeof(expr), "resets(memprobe_cgroup_page_cache_added_bytes_total{cgroup=\"%s\"}[10m])",
		 reborn.rel);
	ok = ASSERT(!prom_value(&f.p, expr, &v) && v == 0, "the counter was reset %g times", v) &&
	     ASSERT(agent_finish(&f.a, SIGINT, 60) == 0, "memprobe failed: %s", agent_stderr(&f.a));
out:
	if (!ok && f.p.pid)
		test_log(__FILE__, __LINE__, "prometheus's log:\n%s", prom_log(&f.p));
	fleet_stop(&f);
	tchild_kill(&hold);
	tcg_remove(&steady);
	tcg_remove(&reborn);
	if (dir[0]) {
		unlink(one);
		unlink(two);
		rmdir(dir);
	}
	return ok;
}

/* 4 MiB a second, for up to a minute and a half: a leak by any measure. */
static int leaker(void *arg)
{
	int i;

	(void)arg;
	for (i = 0; i < 360; i++) {
		char *p = malloc(WL_MIB);

		if (!p)
			return 1;
		memset(p, i, WL_MIB);
		it_nap(0.25);
	}
	return 0;
}

INTEGRATION_TEST(prometheus_rules_fire_on_leak_and_oom, 240)
{
	static const char *const fast[] = { "--verdict-samples", "8", "--leak-band", "16M", "--leak-after", "2", NULL };
	struct fleet f = { .a = { .out = -1 } };
	struct tcg leak = { 0 }, oom = { 0 };
	struct tchild leaking = { .pid = 0, .go = -1 }, hogging = { .pid = 0, .go = -1 };
	char expr[IT_PATH + 256];
	double v = -1;
	int status;
	bool ok = false;

	if (!ASSERT(!tcg_create(&leak, "leak"), "cgroup") || !ASSERT(!tcg_limit(&leak, 1024 * WL_MIB), "limit") ||
	    !ASSERT(!tchild_start(&leaking, &leak, leaker, NULL), "leaker") ||
	    !ASSERT(!tcg_create(&oom, "oom"), "cgroup") || !ASSERT(!tcg_limit(&oom, OOM_LIMIT), "limit") ||
	    !ASSERT(!tchild_start(&hogging, &oom, it_child_hog, &oom_limit), "hog") || !fleet_start(&f, fast, true))
		goto out;
	tchild_go(&leaking);
	/* The OOM-kill counter exists at 0 before the kill, so the kill is an increase. */
	snprintf(expr, sizeof(expr), "memprobe_cgroup_oom_kills_total{cgroup=\"%s\"} == 0", oom.rel);
	if (!ASSERT(!wait_value(&f, expr, 60, &v), "no OOM-kill counter at 0 before the kill"))
		goto out;
	it_nap(1.5);
	tchild_go(&hogging);
	status = tchild_wait_reading(&hogging, &f.a, 30);
	if (!ASSERT(status >= 0 && WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL, "the hog was not OOM-killed: %d",
		    status))
		goto out;
	snprintf(expr, sizeof(expr), "increase(memprobe_cgroup_oom_kills_total{cgroup=\"%s\"}[5m]) > 0", oom.rel);
	if (!ASSERT(!wait_value(&f, expr, 30, &v), "the counter did not rise"))
		goto out;
	snprintf(expr, sizeof(expr), "memprobe_cgroup_oom_kills_total{cgroup=\"%s\"}", oom.rel);
	if (!ASSERT(!prom_value(&f.p, expr, &v) && v == 1 && tcg_oom_kills(&oom) == 1, "%g kills, the kernel's %llu", v,
		    (unsigned long long)tcg_oom_kills(&oom)))
		goto out;
	snprintf(expr, sizeof(expr), "time() - memprobe_cgroup_last_oom_kill_timestamp_seconds{cgroup=\"%s\"} < 120",
		 oom.rel);
	if (!ASSERT(!wait_value(&f, expr, 10, &v), "no time of the last kill"))
		goto out;
	snprintf(expr, sizeof(expr), "ALERTS{alertname=\"MemprobeOOMKill\",alertstate=\"firing\",cgroup=\"%s\"}", oom.rel);
	if (!ASSERT(!wait_value(&f, expr, 30, &v), "MemprobeOOMKill did not fire"))
		goto out;
	/* The limit as set, and the kernel's own count of the kill in memory.events (v1: memory.oom_control). */
	snprintf(expr, sizeof(expr), "memprobe_cgroup_memory_max_bytes{cgroup=\"%s\"} == %llu", oom.rel, OOM_LIMIT);
	if (!ASSERT(!wait_value(&f, expr, 10, &v), "no memory_max_bytes of the limit"))
		goto out;
	snprintf(expr, sizeof(expr), "increase(memprobe_cgroup_memory_events_total{cgroup=\"%s\",event=\"oom_kill\"}[5m]) > 0",
		 oom.rel);
	if (!ASSERT(!wait_value(&f, expr, 20, &v), "memory.events' oom_kill did not rise"))
		goto out;
	/* The leak: the verdict, held for the (shortened) time, fires the alert naming the cgroup. */
	snprintf(expr, sizeof(expr), "ALERTS{alertname=\"MemprobeMemoryLeak\",alertstate=\"firing\",cgroup=\"%s\"}",
		 leak.rel);
	if (!ASSERT(!wait_value(&f, expr, 90, &v), "MemprobeMemoryLeak did not fire"))
		goto out;
	/* Growing towards its 1 GiB limit at 4 MiB/s: the forecast's alert, with the time left. */
	snprintf(expr, sizeof(expr), "ALERTS{alertname=\"MemprobeOOMSoon\",alertstate=\"firing\",cgroup=\"%s\"}", leak.rel);
	if (!ASSERT(!wait_value(&f, expr, 60, &v), "MemprobeOOMSoon did not fire"))
		goto out;
	ok = ASSERT(agent_finish(&f.a, SIGINT, 60) == 0, "memprobe failed: %s", agent_stderr(&f.a));
out:
	if (!ok && f.p.pid)
		test_log(__FILE__, __LINE__, "prometheus's log:\n%s", prom_log(&f.p));
	fleet_stop(&f);
	tchild_kill(&leaking);
	tchild_kill(&hogging);
	tcg_remove(&leak);
	tcg_remove(&oom);
	return ok;
}

/* memprobe-exporter.service's ExecStart, as systemd would expand it with the unit's defaults, serves. */
INTEGRATION_TEST(exporter_unit_command_serves, 60)
{
	static char unit[8192];
	const char *argv[32];
	char listen[32], url[96], *line, *word, *save = NULL;
	struct agent a = { .out = -1 };
	struct http_reply r = { 0 };
	size_t n = 0;
	bool ok = false;

	snprintf(listen, sizeof(listen), "127.0.0.1:%d", free_tcp_port());
	if (!ASSERT(read_text("systemd/memprobe-exporter.service.in", unit, sizeof(unit)) > 0, "no unit") ||
	    !ASSERT((line = strstr(unit, "\nExecStart=")), "no ExecStart"))
		return false;
	line += strlen("\nExecStart=");
	line[strcspn(line, "\n")] = '\0';
	/* ${VAR} is one word; $VAR splits, and the unit's MEMPROBE_ARGS is empty: no word. */
	for (word = strtok_r(line, " ", &save); word && n < 30; word = strtok_r(NULL, " ", &save)) {
		if (strstr(word, "@SBINDIR@"))
			continue;	/* the program: build/memprobe here */
		if (!strcmp(word, "${MEMPROBE_LISTEN}"))
			argv[n++] = listen;
		else if (strcmp(word, "$MEMPROBE_ARGS"))
			argv[n++] = word;
	}
	argv[n] = NULL;
	snprintf(url, sizeof(url), "http://%s/-/healthy", listen);
	if (!ASSERT(!agent_start(&a, argv), "memprobe"))
		goto out;
	fcntl(a.out, F_SETPIPE_SZ, 1 << 20);
	/* The first snapshot is the baseline: healthy from the start, whatever the interval. */
	for (int i = 0; i < 30 && !ok; i++) {
		http_reply_free(&r);
		ok = !http_call(url, &(struct http_opts){ .timeout_s = 2 }, &r) && r.status == 200;
		if (!ok)
			agent_wait_line(&a, "\x01", 1);
	}
	ok = ASSERT(ok, "%s never answered 200: %s", url, agent_stderr(&a));
	http_reply_free(&r);
	snprintf(url, sizeof(url), "http://%s/metrics", listen);
	ok = ok && ASSERT(!http_call(url, NULL, &r) && r.status == 200 && strstr(r.body, "\nmemprobe_sample_interval_seconds 15\n"),
			  "/metrics of the unit's command") &&
	     ASSERT(agent_finish(&a, SIGTERM, 60) == 0, "memprobe failed: %s", agent_stderr(&a));
out:
	http_reply_free(&r);
	agent_free(&a);
	return ok;
}
