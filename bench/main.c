// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * memprobe-bench: what memprobe costs, measured side by side.
 *
 * Phases, each said on stderr as it starts:
 * 1. Slowdown, with the kernel's BPF run-time statistics off (they add two
 *    clock reads to every program, the empty ones too): each workload runs
 *    in a cgroup of its own with no probes, with memprobe, with empty
 *    programs on memprobe's hooks (the floor any probe there costs) and with
 *    an equivalent bpftrace script, interleaved round by round (the order
 *    rotates), so that a noisy machine shifts them all alike; the report is
 *    the median ratio to the bare run of the same round, with the spread,
 *    and memprobe's slowdown above the floor. Then, statistics still off,
 *    what a program's dispatch costs, which they never see (dispatch.c).
 * 2. Cost per call, with the statistics on: each tool once per workload.
 * 3. Start-up, the event path, and the scale run (scale.c).
 * kernel.bpf_stats_enabled is restored at the end, on SIGINT, SIGTERM and
 * SIGHUP too, and so is everything the scale run made.
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
#include "results.h"
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

static struct bench *running;
static void remove_files(struct bench *b);

static void on_signal(int sig)
{
	restore_stats();
	bench_scale_cleanup();
	/* The tool attached now and the workload running in the bench cgroup are ours: stopped by pid. */
	if (running && running->tool_pid > 0)
		kill(running->tool_pid, SIGKILL);
	if (running) {
		tcg_remove(&running->cg);
		remove_files(running);
		if (running->bpftrace_script[0])
			unlink(running->bpftrace_script);
	}
	signal(sig, SIG_DFL);
	raise(sig);
}

static int save_stats(void)
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
	return 0;
}

static int set_stats(bool on)
{
	return saved_stats[0] ? write_text(BPF_STATS, on ? "1\n" : "0\n") : -ENOENT;
}

/* Another run on this machine may switch them on: a slowdown measured so is said to be. */
static bool stats_on(void)
{
	char v[8] = "";

	return read_text(BPF_STATS, v, sizeof(v)) > 0 && v[0] == '1';
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

static void usage(void)
{
	fprintf(stderr, "usage: memprobe-bench [--quick] [--rounds N] [--build DIR] [--out DIR]\n"
		"                      [--stacks-only | --scale-only | --scrape-only]\n"
		"  --quick        tiny sizes, one round, a reduced scale run: under a minute, not a measurement\n"
		"  --stacks-only  the growth stacks' cost alone, on the allocation workload\n"
		"  --scale-only   the scale run alone: memprobe with thousands of cgroups and processes\n"
		"  --scrape-only  one scrape of --listen's /metrics in each format, with 500 cgroups exported\n");
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

static int start_tool(struct bench *b, const struct tool *tool, struct tool_run *run)
{
	if (tool->start && tool->start(b, run)) {
		fprintf(stderr, "memprobe-bench: %s did not start\n", tool->name);
		return -1;
	}
	return 0;
}

/* Phase 1: every workload under every tool, the tool attached once a round. */
static int measure_slowdown(struct bench *b)
{
	int r, k, t, w;

	for (r = 0; r < b->rounds; r++) {
		/* Rotate the order so that no tool always runs first or last. */
		for (k = 0; k < b->n_tools; k++) {
			const struct tool *tool = b->tools[(k + r) % b->n_tools];
			struct tool_run run = { .measured = true };

			t = (k + r) % b->n_tools;
			if (start_tool(b, tool, &run))
				return -1;
			for (w = 0; w < BENCH_WORKLOADS; w++) {
				struct workload_result *res = &b->results[w];
				double faults = 0;

				b->current = &bench_workloads[w];
				b->current_w = w;
				res->seconds[t][r] = bench_run_workload(b, &faults);
				if (res->seconds[t][r] < 0) {
					fprintf(stderr, "memprobe-bench: %s workload failed\n", b->current->name);
					if (tool->stop)
						tool->stop(b, &run);
					return -1;
				}
				if (t == 0 && faults > res->faults)
					res->faults = faults;
				if (stats_on())
					res->stats_disturbed = true;
			}
			if (tool->stop)
				tool->stop(b, &run);
		}
	}
	for (w = 0; w < BENCH_WORKLOADS; w++) {
		b->results[w].workload = &bench_workloads[w];
		for (r = 0; r < b->rounds; r++)
			for (t = 0; t < b->n_tools; t++)
				b->results[w].ratio[t][r] = b->results[w].seconds[t][r] / b->results[w].seconds[0][r];
	}
	b->n_results = BENCH_WORKLOADS;
	return 0;
}

/* Phase 2: the cost of each program a call, each tool attached for one run of one workload, the reclaim one too. */
static int measure_calls(struct bench *b)
{
	int t, w;

	for (w = 0; w <= BENCH_WORKLOADS; w++)
		for (t = 1; t < b->n_tools; t++) {
			const struct tool *tool = b->tools[t];
			struct tool_run run = { 0 };

			b->current = w < BENCH_WORKLOADS ? &bench_workloads[w] : &bench_reclaim_workload;
			b->current_w = w;
			if (start_tool(b, tool, &run))
				return -1;
			if (bench_run_workload(b, NULL) < 0)
				fprintf(stderr, "memprobe-bench: %s workload failed\n", b->current->name);
			bench_collect(b, tool, &run);
			if (tool->stop)
				tool->stop(b, &run);
		}
	return 0;
}

static void phase(struct bench *b, int i, const char *what)
{
	double now = bench_now();
	static double last;

	if (i > 0)
		b->phase_s[i - 1] = now - last;
	last = now;
	if (what)
		fprintf(stderr, "memprobe-bench: [%.0fs] %s\n", now - b->started, what);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "quick", no_argument, NULL, 'q' },
		{ "rounds", required_argument, NULL, 'r' },
		{ "build", required_argument, NULL, 'b' },
		{ "out", required_argument, NULL, 'o' },
		{ "stacks-only", no_argument, NULL, 's' },
		{ "scale-only", no_argument, NULL, 'S' },
		{ "scrape-only", no_argument, NULL, 'p' },
		{}
	};
	static struct bench b;
	bool mounted, stacks_only = false, scale_only = false;
	int c, status = 1;

	b.rounds = 7;
	b.startup_rounds = 11;
	b.iterations = 3;
	b.alloc_bytes = 64 * WL_MIB;
	b.file_bytes = 32 * WL_MIB;
	b.scale_interval_s = 1;
	b.scale_intervals = 3;
	snprintf(b.build, sizeof(b.build), "build");
	b.out[0] = '\0';
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'q':
			b.quick = true;
			b.rounds = 1;
			b.startup_rounds = 3;
			b.iterations = 2;
			b.alloc_bytes = 4 * WL_MIB;
			b.file_bytes = 2 * WL_MIB;
			b.scale_interval_s = 0.5;
			b.scale_intervals = 2;
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
			stacks_only = true;
			break;
		case 'S':
			scale_only = true;
			break;
		case 'p':
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
	b.started = bench_now();
	running = &b;
	/* The scrape's cost alone, without the rest. */
	if (b.scrape_only) {
		bench_scrape(&b);
		return bench_report(&b);
	}
	if (save_stats())
		fprintf(stderr, "memprobe-bench: cannot read %s; the slowdowns may include the statistics' cost and per-program costs will be missing\n",
			BPF_STATS);
	bench_tools(&b);
	mounted = tool_index(&b, "bpftrace") >= 0 && mount_tracefs();
	if (tcg_create(&b.cg, "bench") || prepare_files(&b)) {
		fprintf(stderr, "memprobe-bench: cannot set up the workload's cgroup and files\n");
		goto out;
	}
	if (stacks_only) {
		b.results[0].workload = &bench_workloads[0];
		b.n_results = 1;
		set_stats(false);
		bench_dispatch(&b);
		b.have_stats = !set_stats(true);
		bench_stacks(&b);
		bench_stacks_table(&b, stdout, false);
		status = 0;
		goto out;
	}
	if (scale_only) {
		set_stats(false);
		bench_scale(&b);
		bench_report_scale(&b, stdout, false);
		status = 0;
		goto out;
	}
	set_stats(false);
	phase(&b, 0, "slowdown: the workloads under each tool, BPF statistics off");
	if (measure_slowdown(&b))
		goto out;
	bench_dispatch(&b);
	b.have_stats = !set_stats(true);
	phase(&b, 1, "cost per call: each tool once per workload, BPF statistics on");
	if (b.have_stats && measure_calls(&b))
		goto out;
	phase(&b, 2, "growth stacks: on against off, on the allocation workload");
	if (b.have_stats)
		bench_stacks(&b);
	set_stats(false);
	phase(&b, 3, "start-up");
	bench_startup(&b);
	phase(&b, 4, "the event path: SysV storms at rising rates");
	bench_events(&b);
	phase(&b, 5, "scale: extra cgroups and processes, the whole machine and one target");
	bench_scale(&b);
	phase(&b, 6, "scrapes of /metrics (--listen)");
	bench_scrape(&b);
	phase(&b, 7, NULL);
	restore_stats();
	status = bench_report(&b);
out:
	bench_scale_cleanup();
	remove_files(&b);
	tcg_remove(&b.cg);
	if (b.bpftrace_script[0])
		unlink(b.bpftrace_script);
	if (mounted)
		umount2(TRACEFS, MNT_DETACH);
	restore_stats();
	return status;
}
