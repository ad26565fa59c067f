// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The fleet side (README, "Fleet"): the alert rules pass promtool's checks and
 * their own unit tests, and the real Prometheus the endpoint's tests run
 * (tests/prom.c) starts, scrapes, evaluates those rules and answers queries;
 * here it scrapes itself and a memprobe that is not there.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness.h"
#include "http.h"
#include "it.h"
#include "prom.h"
#include "sys/util.h"

#define RULES		"contrib/prometheus/memprobe-rules.yml"
#define RULE_TESTS	"contrib/prometheus/memprobe-rules.test.yml"
#define CONFIG		"contrib/prometheus/prometheus.yml"

/* Runs a tool to the end with its stdout and stderr in out; its exit code, or -1. */
static int run_tool(const char *const argv[], char *out, size_t len)
{
	char path[] = "/tmp/memprobe-test-tool-XXXXXX";
	int fd = mkstemp(path), status = 0;
	ssize_t n = 0;
	pid_t pid;

	out[0] = '\0';
	if (fd < 0)
		return -1;
	unlink(path);
	pid = fork();
	if (pid == 0) {
		dup2(fd, 1);
		dup2(fd, 2);
		execvp(argv[0], (char *const *)argv);
		dprintf(2, "cannot run %s: %s (make deps-test installs Debian's prometheus)\n", argv[0],
			strerror(errno));
		_exit(127);
	}
	if (pid > 0 && waitpid(pid, &status, 0) == pid)
		n = pread(fd, out, len - 1, 0);
	out[n > 0 ? n : 0] = '\0';
	close(fd);
	return pid > 0 && WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* The names after "- alert: " in the rules file, one a line in names; how many. */
static int alert_names(char *names, size_t len)
{
	static char text[65536];
	const char *p;
	size_t used = 0;
	int n = 0;

	names[0] = '\0';
	if (read_text(RULES, text, sizeof(text)) <= 0)
		return -1;
	for (p = text; (p = strstr(p, "- alert: ")); n++) {
		size_t l;

		p += strlen("- alert: ");
		l = strcspn(p, " \n");
		if (used + l + 2 > len)
			return -1;
		memcpy(names + used, p, l);
		used += l;
		names[used++] = '\n';
		names[used] = '\0';
	}
	return n;
}

INTEGRATION_TEST(alert_rules_pass_promtool, 60)
{
	const char *rules[] = { "promtool", "check", "rules", RULES, NULL };
	const char *config[] = { "promtool", "check", "config", CONFIG, NULL };
	char out[16384];

	return ASSERT(run_tool(rules, out, sizeof(out)) == 0, "promtool check rules:\n%s", out) &&
	       ASSERT(run_tool(config, out, sizeof(out)) == 0, "promtool check config:\n%s", out);
}

/* Series in, alerts fire or stay silent; and no rule goes without its test. */
INTEGRATION_TEST(alert_rules_unit_tests, 60)
{
	const char *test[] = { "promtool", "test", "rules", RULE_TESTS, NULL };
	static char out[65536], tests[65536];
	char names[4096], want[160], *name, *save = NULL;
	bool ok;

	ok = ASSERT(run_tool(test, out, sizeof(out)) == 0, "promtool test rules:\n%s", out) &&
	     ASSERT(alert_names(names, sizeof(names)) > 0, "no alert in %s", RULES) &&
	     ASSERT(read_text(RULE_TESTS, tests, sizeof(tests)) > 0, "cannot read %s", RULE_TESTS);
	for (name = strtok_r(names, "\n", &save); ok && name; name = strtok_r(NULL, "\n", &save)) {
		snprintf(want, sizeof(want), "alertname: %s\n", name);
		ok &= ASSERT(strstr(tests, want), "%s has no test in %s", name, RULE_TESTS);
	}
	return ok;
}

/*
 * The helper against a real Prometheus: it scrapes itself every second and a
 * memprobe target where nothing listens (up 0), loads the alert rules, and
 * puts MemprobeDown in pending: the rules evaluate on Prometheus itself, not
 * only in promtool. Then queries of every shape, and a clean stop.
 */
INTEGRATION_TEST(prometheus_helper_scrapes_itself, 90)
{
	const char *rules[] = { RULES, NULL };
	char dead[32], names[4096], dir[IT_PATH];
	const char *targets[] = { dead, NULL };
	struct prom p = { 0 };
	int port = free_tcp_port(), n_rules = alert_names(names, sizeof(names));
	struct stat st;
	double v = -1;
	pid_t pid;
	bool ok;

	if (!ASSERT(port > 0, "no free port") || !ASSERT(n_rules > 0, "no rules"))
		return false;
	snprintf(dead, sizeof(dead), "127.0.0.1:%d", port);
	if (!ASSERT(!prom_start(&p, &(struct prom_opts){ .targets = targets, .rule_files = rules }),
		    "prometheus did not start"))
		return false;
	ok = ASSERT(!prom_wait_value(&p, "up{job=\"prometheus\"} == 1", 30, &v), "it never scraped itself") &&
	     ASSERT(!prom_wait_value(&p, "up{job=\"memprobe\"} == 0", 10, &v), "the absent memprobe is not down") &&
	     ASSERT(!prom_wait_value(&p, "count_over_time(up{job=\"prometheus\"}[5s]) >= 4", 15, &v),
		    "not scraped every second") &&
	     ASSERT(!prom_wait_value(&p, "prometheus_rule_group_rules{rule_group=~\".*;memprobe\"}", 15, &v) &&
			    v == n_rules, "%g rules loaded, %d in %s", v, n_rules, RULES) &&
	     ASSERT(!prom_wait_value(&p, "ALERTS{alertname=\"MemprobeDown\", alertstate=\"pending\"}", 15, &v) &&
			    v == 1, "MemprobeDown is not pending") &&
	     ASSERT(prom_value(&p, "memprobe_no_such_metric", &v) == -ENOENT, "an empty result") &&
	     ASSERT(prom_value(&p, "up", &v) == -E2BIG, "two samples") &&
	     ASSERT(prom_value(&p, "up{", &v) == -EINVAL, "a bad expression") &&
	     ASSERT(!prom_value(&p, "scalar(up{job=\"prometheus\"}) + 1", &v) && v == 2, "scalar: %g", v);
	if (!ok)
		test_log(__FILE__, __LINE__, "last error: %s; prometheus's log:\n%s", p.error, prom_log(&p));
	pid = p.pid;
	snprintf(dir, sizeof(dir), "%s", p.dir);
	prom_stop(&p);
	return ok && ASSERT(kill(pid, 0) && errno == ESRCH, "prometheus %d still runs", (int)pid) &&
	       ASSERT(stat(dir, &st) && errno == ENOENT, "%s left behind", dir);
}
