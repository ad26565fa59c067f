// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * memprobe-bench: what memprobe costs, measured side by side.
 *
 * Each workload runs in a cgroup of its own with no probes, with memprobe
 * attached and with an equivalent bpftrace script attached, interleaved
 * round by round (the order rotates), so that a noisy machine shifts all
 * three alike; the report is the median ratio to the bare run of the same
 * round, with the spread. Per-program cost comes from the kernel's BPF
 * run-time statistics, enabled for the run and restored afterwards.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>

#include "bench.h"
#include "it.h"
#include "sys/util.h"
#include "workload.h"

#define BPF_STATS	"/proc/sys/kernel/bpf_stats_enabled"
#define TRACEFS		"/sys/kernel/tracing"

/* Restored from the signal handler too: a plain buffer, written with write(2). */
static char saved_stats[8] = "";

static void restore_stats(void)
{
	int fd;

	if (!saved_stats[0])
		return;
	fd = open(BPF_STATS, O_WRONLY | O_CLOEXEC);
	if (fd >= 0) {
		if (write(fd, saved_stats, strlen(saved_stats)) < 0) {
			/* nothing left to try */
		}
		close(fd);
	}
}

static void on_signal(int sig)
{
	restore_stats();
	signal(sig, SIG_DFL);
	raise(sig);
}

static int enable_stats(void)
{
	ssize_t n = read_text(BPF_STATS, saved_stats, sizeof(saved_stats));

	if (n <= 0) {
		saved_stats[0] = '\0';
		return n < 0 ? (int)n : -EIO;
	}
	atexit(restore_stats);
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	signal(SIGHUP, on_signal);
	return write_text(BPF_STATS, "1\n");
}

/* bpftrace needs tracefs for classic tracepoints; a fresh machine may not have it mounted. */
static bool mount_tracefs(void)
{
	struct stat st;

	if (!stat(TRACEFS "/events", &st))
		return false;
	if (mount("tracefs", TRACEFS, "tracefs", 0, NULL)) {
		fprintf(stderr, "memprobe-bench: cannot mount tracefs at %s: %s\n", TRACEFS, strerror(errno));
		return false;
	}
	return true;
}

/* ---- workloads: each runs in a child inside the bench cgroup ---- */

static int work_alloc(const struct bench *b)
{
	unsigned long long size = b->alloc_bytes, at;
	long page = sysconf(_SC_PAGESIZE);
	int i;

	/* One write per page: a page fault, a page allocation and an RSS change each. */
	for (i = 0; i < b->iterations; i++) {
		char *p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

		if (p == MAP_FAILED)
			return 1;
		for (at = 0; at < size; at += page)
			p[at] = 1;
		munmap(p, size);
	}
	return 0;
}

static int work_pagecache(const struct bench *b)
{
	int i, f;

	/* Read through the cache, then evict: every page enters and leaves once. */
	for (i = 0; i < b->iterations; i++)
		for (f = 0; f < BENCH_FILES; f++)
			if (wl_read(b->files[f]) < 0 || wl_evict(b->files[f]))
				return 1;
	return 0;
}

static const struct workload workloads[] = {
	{ "alloc", "touch and free anonymous memory, one page fault per page", work_alloc },
	{ "pagecache", "read files through the page cache and evict them", work_pagecache },
};

static int child_main(void *arg)
{
	struct bench *b = arg;

	return b->current->run(b);
}

/* Runs the current workload once in the bench cgroup; its wall time in seconds, or -1. */
static double run_workload(struct bench *b)
{
	struct tchild ch = { .pid = 0, .go = -1 };
	double start, end;
	int status;

	if (tchild_start(&ch, &b->cg, child_main, b))
		return -1;
	start = bench_now();
	tchild_go(&ch);
	status = tchild_wait(&ch, 600);
	end = bench_now();
	if (status) {
		tchild_kill(&ch);
		return -1;
	}
	return end - start;
}

static void usage(void)
{
	fprintf(stderr, "usage: memprobe-bench [--quick] [--rounds N] [--build DIR] [--out DIR] [--scrape-only]\n");
}

static int prepare_files(struct bench *b)
{
	int f;

	if (wl_make_dir("memprobe-bench", b->dir, sizeof(b->dir)))
		return -ENOENT;
	for (f = 0; f < BENCH_FILES; f++) {
		snprintf(b->files[f], sizeof(b->files[f]), "%s/file-%d", b->dir, f);
		if (wl_write_evicted(b->files[f], b->file_bytes))
			return -EIO;
	}
	return 0;
}

static void remove_files(struct bench *b)
{
	int f;

	for (f = 0; f < BENCH_FILES; f++)
		if (b->files[f][0])
			unlink(b->files[f]);
	if (b->dir[0])
		rmdir(b->dir);
}

static int measure_workload(struct bench *b, struct workload_result *res)
{
	int r, t, k;

	for (r = 0; r < b->rounds; r++) {
		double bare = 0;

		/* Rotate the order so that no tool always runs first or last. */
		for (k = 0; k < b->n_tools; k++) {
			const struct tool *tool = b->tools[(k + r) % b->n_tools];
			struct tool_run run = { 0 };
			double secs;

			t = (k + r) % b->n_tools;
			if (tool->start && tool->start(b, &run)) {
				fprintf(stderr, "memprobe-bench: %s did not start\n", tool->name);
				return -1;
			}
			secs = run_workload(b);
			if (tool->stop)
				tool->stop(b, &run);
			if (secs < 0) {
				fprintf(stderr, "memprobe-bench: %s workload failed\n", b->current->name);
				return -1;
			}
			res->seconds[t][r] = secs;
		}
		bare = res->seconds[0][r];
		for (t = 0; t < b->n_tools; t++)
			res->ratio[t][r] = res->seconds[t][r] / bare;
	}
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "quick", no_argument, NULL, 'q' },
		{ "rounds", required_argument, NULL, 'r' },
		{ "build", required_argument, NULL, 'b' },
		{ "out", required_argument, NULL, 'o' },
		{ "scrape-only", no_argument, NULL, 's' },
		{}
	};
	static struct bench b;
	bool mounted;
	int c, w, status = 1;

	b.rounds = 7;
	b.idle_s = 30;
	b.iterations = 20;
	b.alloc_bytes = 64 * WL_MIB;
	b.file_bytes = 32 * WL_MIB;
	snprintf(b.build, sizeof(b.build), "build");
	b.out[0] = '\0';
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'q':
			b.quick = true;
			b.rounds = 1;
			b.iterations = 2;
			b.alloc_bytes = 4 * WL_MIB;
			b.file_bytes = 2 * WL_MIB;
			b.idle_s = 1;
			break;
		case 'r':
			b.rounds = atoi(optarg);
			if (b.rounds < 1 || b.rounds > BENCH_MAX_ROUNDS) {
				usage();
				return 2;
			}
			break;
		case 'b':
			snprintf(b.build, sizeof(b.build), "%s", optarg);
			break;
		case 'o':
			snprintf(b.out, sizeof(b.out), "%s", optarg);
			break;
		case 's':
			b.scrape_only = true;
			break;
		default:
			usage();
			return 2;
		}
	}
	if (!b.out[0])
		snprintf(b.out, sizeof(b.out), "%s/bench", b.build);
	it_set_build_dir(b.build);
	if (geteuid()) {
		fprintf(stderr, "memprobe-bench: run it as root (it loads BPF programs and creates a cgroup)\n");
		return 1;
	}
	/* The scrape's cost alone, without the half hour of the rest. */
	if (b.scrape_only) {
		bench_scrape(&b);
		return bench_report(&b);
	}
	if (enable_stats())
		fprintf(stderr, "memprobe-bench: cannot enable %s; per-program costs will be missing\n", BPF_STATS);
	bench_tools(&b);
	mounted = b.n_tools == BENCH_MAX_TOOLS && mount_tracefs();
	if (tcg_create(&b.cg, "bench") || prepare_files(&b)) {
		fprintf(stderr, "memprobe-bench: cannot set up the workload's cgroup and files\n");
		goto out;
	}
	for (w = 0; w < (int)(sizeof(workloads) / sizeof(workloads[0])); w++) {
		b.current = &workloads[w];
		b.results[w].workload = &workloads[w];
		fprintf(stderr, "memprobe-bench: %s, %d rounds of %d tools...\n", workloads[w].name, b.rounds,
			b.n_tools);
		if (measure_workload(&b, &b.results[w]))
			goto out;
		b.n_results++;
	}
	fprintf(stderr, "memprobe-bench: start-up, %d rounds...\n", b.rounds);
	bench_startup(&b);
	fprintf(stderr, "memprobe-bench: memprobe alone at its default interval for %.0fs...\n", b.idle_s);
	bench_idle(&b);
	fprintf(stderr, "memprobe-bench: the event path, SysV storms at rising rates...\n");
	bench_events(&b);
	fprintf(stderr, "memprobe-bench: scrapes of /metrics with %d cgroups...\n", b.quick ? 20 : BENCH_SCRAPE_CGROUPS);
	bench_scrape(&b);
	status = bench_report(&b);
out:
	remove_files(&b);
	tcg_remove(&b.cg);
	if (b.bpftrace_script[0])
		unlink(b.bpftrace_script);
	if (mounted)
		umount2(TRACEFS, MNT_DETACH);
	restore_stats();
	return status;
}
