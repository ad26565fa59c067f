// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The benchmark's shared context (struct bench in bench.h) and what every
 * part of it uses: the clock, the spread of a set of rounds, a tool's
 * footprint and a program's totals by name, and a tool's CPU and memory
 * while a workload runs. Everything else calls down into this room; it
 * calls nothing of the benchmark's.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench.h"
#include "sys/kstat.h"
#include "sys/util.h"

double bench_now(void)
{
	return now_monotonic();
}

static int by_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

void bench_sort(double *v, int n)
{
	qsort(v, (size_t)n, sizeof(*v), by_double);
}

void bench_spread(const double *v, int n, double *median, double *min, double *max)
{
	double s[BENCH_MAX_ROUNDS];

	memcpy(s, v, n * sizeof(*v));
	bench_sort(s, n);
	*median = n % 2 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
	*min = s[0];
	*max = s[n - 1];
}

struct footprint *bench_footprint(struct bench *b, const char *tool)
{
	int i;

	for (i = 0; i < b->n_footprints; i++)
		if (!strcmp(b->footprints[i].tool, tool))
			return &b->footprints[i];
	if (b->n_footprints == BENCH_MAX_TOOLS)
		return NULL;
	snprintf(b->footprints[b->n_footprints].tool, sizeof(b->footprints[0].tool), "%s", tool);
	return &b->footprints[b->n_footprints++];
}

struct prog_total *bench_prog(struct bench *b, int workload, const char *tool, const char *name)
{
	int i;

	for (i = 0; i < b->n_progs; i++)
		if (b->progs[i].workload == workload && !strcmp(b->progs[i].tool, tool) && !strcmp(b->progs[i].name, name))
			return &b->progs[i];
	if (b->n_progs == BENCH_MAX_PROGS)
		return NULL;
	b->progs[b->n_progs].workload = workload;
	snprintf(b->progs[b->n_progs].tool, sizeof(b->progs[0].tool), "%s", tool);
	snprintf(b->progs[b->n_progs].name, sizeof(b->progs[0].name), "%s", name);
	return &b->progs[b->n_progs++];
}

bool bench_usage(pid_t pid, double *cpu, __u64 *rss_kb, __u64 *hwm_kb)
{
	char path[64], buf[4096], *p;
	struct pstat st;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	if (read_text(path, buf, sizeof(buf)) < 0 || pstat_parse(buf, &st))
		return false;
	*cpu = (double)(st.utime + st.stime) / sysconf(_SC_CLK_TCK);
	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	if (read_text(path, buf, sizeof(buf)) < 0)
		return false;
	*rss_kb = (p = strstr(buf, "VmRSS:")) ? strtoull(p + 6, NULL, 10) : 0;
	*hwm_kb = (p = strstr(buf, "VmHWM:")) ? strtoull(p + 6, NULL, 10) : 0;
	return true;
}

/* Nanoseconds on a CPU of every thread of pid, from the scheduler's own account. */
static double task_cpu_s(pid_t pid)
{
	char dir[64], path[128 + 256], buf[128];
	struct dirent *e;
	double sum = 0;
	DIR *d;

	snprintf(dir, sizeof(dir), "/proc/%d/task", (int)pid);
	d = opendir(dir);
	if (!d)
		return -1;
	while ((e = readdir(d)))
		if (e->d_name[0] != '.') {
			snprintf(path, sizeof(path), "%s/%s/schedstat", dir, e->d_name);
			if (read_text(path, buf, sizeof(buf)) > 0)
				sum += strtoull(buf, NULL, 10) / 1e9;
		}
	closedir(d);
	return sum;
}

double bench_cpu(pid_t pid)
{
	char path[96], buf[4096], *p, *end;
	double sum = task_cpu_s(pid);

	if (sum < 0)
		return -1;
	/* Its helpers (memprobe's IPC namespace reader) work for it. */
	snprintf(path, sizeof(path), "/proc/%d/task/%d/children", (int)pid, (int)pid);
	if (read_text(path, buf, sizeof(buf)) > 0)
		for (p = buf; *p; p = end) {
			long child = strtol(p, &end, 10);
			double c;

			if (end == p)
				break;
			c = task_cpu_s((pid_t)child);
			if (c > 0)
				sum += c;
		}
	return sum;
}

void bench_usage_start(struct tool_run *r, pid_t pid)
{
	__u64 rss, hwm;

	r->cpu_start = 0;
	if (bench_usage(pid, &r->cpu_start, &rss, &hwm))
		r->t_start = bench_now();
}

void bench_usage_stop(struct bench *b, const char *tool, struct tool_run *r, pid_t pid)
{
	struct footprint *f = bench_footprint(b, tool);
	double cpu;
	__u64 rss, hwm;

	if (!f || !bench_usage(pid, &cpu, &rss, &hwm) || bench_now() <= r->t_start)
		return;
	f->busy_cpu_s += cpu - r->cpu_start;
	f->busy_wall_s += bench_now() - r->t_start;
	if (hwm > f->peak_kb)
		f->peak_kb = hwm;
	if (rss > f->busy_rss_kb)
		f->busy_rss_kb = rss;
}
