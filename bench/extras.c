// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The figures beyond workload slowdown: how long memprobe takes to be ready
 * against bpftrace on the same tracepoints, and how fast a stream of events
 * it takes without a loss.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/mman.h>
#include <sys/shm.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"
#include "sys/kstat.h"
#include "sys/util.h"

static void nap(double s)
{
	struct timespec ts = { (time_t)s, (long)((s - (time_t)s) * 1e9) };

	if (s > 0)
		nanosleep(&ts, NULL);
}

/* Launch to ready, for each tool that can attach, several times. */
void bench_startup(struct bench *b)
{
	int t, r;

	for (r = 0; r < b->startup_rounds; r++)
		for (t = 0; t < b->n_tools; t++) {
			const struct tool *tool = b->tools[t];
			struct tool_run run = { 0 };
			double start;

			if (!tool->start || !strcmp(tool->name, "empty"))
				continue;
			/* bpftrace's start-up is the comparison, not the measurement: fewer of them. */
			if (!strcmp(tool->name, "bpftrace") && r >= (b->startup_rounds + 1) / 2)
				continue;
			start = bench_now();
			if (tool->start(b, &run)) {
				fprintf(stderr, "memprobe-bench: %s did not start\n", tool->name);
				continue;
			}
			b->startup_ms[t][b->n_startup[t]++] = (bench_now() - start) * 1000;
			tool->stop(b, &run);
		}
}

/* A SysV storm at a steady rate: create and remove, two events each, until stopped. */
static int storm(double events_per_s, double seconds, unsigned long *done)
{
	double start = bench_now(), pairs = events_per_s / 2;
	unsigned long i;

	for (i = 0; bench_now() - start < seconds; i++) {
		int id;

		/* Ahead of schedule: wait for it; behind: catch up without waiting. */
		nap(start + i / pairs - bench_now());
		id = shmget(IPC_PRIVATE, 4096, IPC_CREAT | 0600);
		if (id < 0 || shmctl(id, IPC_RMID, NULL))
			return 1;
	}
	*done = i;
	return 0;
}

struct storm_arg {
	double rate, seconds;
	unsigned long *pairs;	/* shared with the parent */
};

static int storm_child(void *arg)
{
	struct storm_arg *s = arg;

	return storm(s->rate, s->seconds, s->pairs);
}

/* memprobe with its output in a file, so that a slow reader cannot be what loses events. */
static pid_t memprobe_to_file(const struct bench *b, const char *file)
{
	const char *argv[] = { build_path("memprobe"), "--json", "--interval", "1", "--cgroup", b->cg.rel, NULL };
	pid_t pid = fork();

	if (pid == 0) {
		int fd = open(file, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
		int null = open("/dev/null", O_WRONLY | O_CLOEXEC);

		if (fd < 0 || dup2(fd, 1) < 0 || dup2(null, 2) < 0)
			_exit(127);
		execv(argv[0], (char *const *)argv);
		_exit(127);
	}
	return pid;
}

static bool file_has(const char *file, const char *needle)
{
	static char buf[1 << 16];

	return read_text(file, buf, sizeof(buf)) > 0 && strstr(buf, needle);
}

/* Counts the shm records of pid, and reads lost_events from the summary. */
static void count_events(const char *file, pid_t pid, unsigned long *reported, unsigned long *lost)
{
	char line[4096], want[64];
	FILE *f = fopen(file, "re");

	*reported = *lost = 0;
	if (!f)
		return;
	snprintf(want, sizeof(want), "\"pid\":%d,", (int)pid);
	while (fgets(line, sizeof(line), f)) {
		char *p;

		if (!strncmp(line, "{\"type\":\"shm\"", 13) && strstr(line, want))
			(*reported)++;
		else if (!strncmp(line, "{\"type\":\"summary\"", 17) && (p = strstr(line, "\"lost_events\":")))
			*lost = strtoul(p + 14, NULL, 10);
	}
	fclose(f);
}

void bench_events(struct bench *b)
{
	static const double full[] = { 10000, 25000, 50000, 100000, 150000, 200000 };
	static const double quick[] = { 2000, 10000 };
	const double *rates = b->quick ? quick : full;
	int n = b->quick ? 2 : 6, i, k;
	char file[128];

	snprintf(file, sizeof(file), "/tmp/memprobe-bench-events-%d.json", (int)getpid());
	for (i = 0; i < n && b->n_event_rates < BENCH_MAX_RATES; i++) {
		struct event_rate *er = &b->event_rates[b->n_event_rates];
		unsigned long *pairs = mmap(NULL, sizeof(*pairs), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
		struct storm_arg arg = { .rate = rates[i], .seconds = b->quick ? 0.3 : 1, .pairs = pairs };
		struct tchild ch = { .pid = 0, .go = -1 };
		double start;
		pid_t mp, gen;
		int status;

		if (pairs == MAP_FAILED)
			return;
		/* Not the last step's file, whose start record would pass for this one's. */
		unlink(file);
		mp = memprobe_to_file(b, file);
		for (k = 0; mp > 0 && k < 300 && !file_has(file, "\"type\":\"start\""); k++)
			nap(0.05);
		if (mp <= 0 || tchild_start(&ch, &b->cg, storm_child, &arg)) {
			if (mp > 0)
				kill(mp, SIGKILL), waitpid(mp, NULL, 0);
			return;
		}
		gen = ch.pid;
		start = bench_now();
		tchild_go(&ch);
		status = tchild_wait(&ch, 120);
		er->seconds = bench_now() - start;
		/* Let the agent drain what is queued (it reads the ring as events come), then stop it. */
		nap(0.5);
		kill(mp, SIGINT);
		waitpid(mp, NULL, 0);
		er->target = rates[i];
		er->sent = status == 0 ? 2 * *pairs : 0;
		er->achieved = er->seconds > 0 ? er->sent / er->seconds : 0;
		count_events(file, gen, &er->reported, &er->lost);
		b->n_event_rates++;
		munmap(pairs, sizeof(*pairs));
	}
	unlink(file);
}
