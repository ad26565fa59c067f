// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"
#include "it.h"

static struct test *tests, **tail = &tests;

void test_register(struct test *t)
{
	*tail = t;
	tail = &t->next;
}

void test_log(const char *file, int line, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "    %s:%d: ", file, line);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/*
 * A filter is part of a test's full name, suite.name: "unit." selects
 * every unit test. One that starts with '!' leaves out the tests it names,
 * whatever else selects them.
 */
static bool selected(const struct test *t, int argc, char **argv, const char *suite)
{
	char full[256];
	int i, filters = 0;
	bool hit = false;

	if (suite && strcmp(suite, t->suite))
		return false;
	snprintf(full, sizeof(full), "%s.%s", t->suite, t->name);
	for (i = 0; i < argc; i++) {
		if (argv[i][0] == '-')
			continue;
		if (argv[i][0] == '!') {
			if (strstr(full, argv[i] + 1))
				return false;
			continue;
		}
		filters++;
		hit |= strstr(full, argv[i]) != NULL;
	}
	return hit || filters == 0;
}

enum outcome {
	PASSED,
	FAILED,
	SKIPPED,
};

/* Runs one test in a child of its own: its own process group, killed at the time limit. */
static enum outcome run_one(const struct test *t)
{
	int status = 0;
	pid_t pid, w;
	double start = now();

	fflush(NULL);
	pid = fork();
	if (pid < 0)
		return FAILED;
	if (pid == 0) {
		setpgid(0, 0);
		alarm(t->timeout_s);
		_exit(t->fn() ? 0 : 1);
	}
	setpgid(pid, pid);
	do
		w = waitpid(pid, &status, 0);
	while (w < 0 && errno == EINTR);
	/* Whatever the test left running in its group goes with it, and so do its cgroups. */
	kill(-pid, SIGKILL);
	if (!WIFEXITED(status) || WEXITSTATUS(status))
		usleep(200 * 1000);	/* let killed agents die before judging what they left */
	it_sweep(pid);
	if (WIFSIGNALED(status))
		fprintf(stderr, "    %s\n", WTERMSIG(status) == SIGALRM ?
			"timed out" : strsignal(WTERMSIG(status)));
	if (WIFEXITED(status) && WEXITSTATUS(status) == 77) {
		printf("skip %s.%s\n", t->suite, t->name);
		return SKIPPED;
	}
	printf("%-4s %s.%s (%.2fs)\n", WIFEXITED(status) && !WEXITSTATUS(status) ? "ok" : "FAIL",
	       t->suite, t->name, now() - start);
	return WIFEXITED(status) && !WEXITSTATUS(status) ? PASSED : FAILED;
}

int main(int argc, char **argv)
{
	const char *suite = NULL;
	unsigned int passed = 0, failed = 0, skipped = 0;
	struct test *t;
	int i;

	setvbuf(stdout, NULL, _IOLBF, 0);
	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--build") && i + 1 < argc) {
			it_set_build_dir(argv[++i]);
			argv[i] = "-";
		} else if (!strcmp(argv[i], "--unit")) {
			suite = "unit";
		} else if (!strcmp(argv[i], "--integration")) {
			suite = "integration";
		} else if (!strcmp(argv[i], "--list")) {
			for (t = tests; t; t = t->next)
				printf("%s.%s\n", t->suite, t->name);
			return 0;
		}
	}
	for (t = tests; t; t = t->next) {
		if (!selected(t, argc - 1, argv + 1, suite))
			continue;
		switch (run_one(t)) {
		case PASSED:
			passed++;
			break;
		case SKIPPED:
			skipped++;
			break;
		default:
			failed++;
		}
	}
	if (skipped)
		printf("%u skipped\n", skipped);
	printf("%u passed, %u failed\n", passed, failed);
	return failed ? 1 : 0;
}
