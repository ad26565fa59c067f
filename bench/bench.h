/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* The benchmark's pieces: workloads, the tools compared, and what is measured. */
#ifndef MEMPROBE_BENCH_H
#define MEMPROBE_BENCH_H

#include <stdbool.h>
#include <stdio.h>
#include <sys/types.h>
#include <linux/types.h>

#include "it.h"

#define BENCH_MAX_ROUNDS	32
#define BENCH_MAX_TOOLS		5
#define BENCH_WORKLOADS		3
#define BENCH_FILES		4
#define BENCH_MAX_PROGS		512
#define BENCH_MAX_RATES		8
#define BENCH_MAX_SCALE		32
#define BENCH_SCRAPE_CGROUPS	500
#define BENCH_SCRAPE_FORMATS	3

struct bench;

struct workload {
	const char *name;
	const char *what;
	int (*run)(const struct bench *b);
};

/* workloads.c: what is measured, each run in a child inside the bench cgroup. */
extern const struct workload bench_workloads[BENCH_WORKLOADS];
/* For the cost per call only (its index in the programs' totals is BENCH_WORKLOADS). */
extern const struct workload bench_reclaim_workload;

struct calib_bpf;

struct tool_run {
	struct agent agent;		/* memprobe */
	pid_t pid;			/* bpftrace */
	int out;
	struct calib_bpf *calib;	/* the empty programs */
	double cpu_start, t_start;	/* the tool's CPU seconds when the workload began */
	bool measured;			/* its footprint is being measured (the slowdown rounds) */
};

/* What a tool costs while it watches. */
struct footprint {
	char tool[16];
	__u64 peak_kb;			/* VmHWM, the highest seen */
	__u64 busy_rss_kb;		/* VmRSS at the end of a workload, the highest seen */
	double busy_cpu_s, busy_wall_s;	/* CPU used during workloads, and their length */
};

/* One step of the event-path ramp. */
struct event_rate {
	double target;			/* events a second asked for */
	double achieved;
	double seconds;
	unsigned long sent;		/* events the storm caused */
	unsigned long reported;		/* shm records memprobe printed for them */
	unsigned long lost;		/* lost_events in its summary */
};

struct tool {
	const char *name;
	int (*start)(struct bench *b, struct tool_run *r);	/* NULL: nothing to attach */
	void (*stop)(struct bench *b, struct tool_run *r);
};

struct workload_result {
	const struct workload *workload;
	double seconds[BENCH_MAX_TOOLS][BENCH_MAX_ROUNDS];
	double ratio[BENCH_MAX_TOOLS][BENCH_MAX_ROUNDS];	/* to the bare run of the same round */
	double faults;			/* page faults of one bare run (its minor faults) */
	bool stats_disturbed;		/* kernel.bpf_stats_enabled was found on during its rounds */
};

/* One BPF program's run-time statistics over one workload, in the phase with them on. */
struct prog_total {
	int workload;
	char tool[16];
	char name[64];
	char hook[64];			/* the tracepoint or function it is attached to */
	__u64 run_ns;
	__u64 run_cnt;
};

/* One point of the scale run: memprobe watching a host with more cgroups or processes. */
struct scale_point {
	const char *kind;		/* "baseline", "empty cgroups", "cgroups with a process", "processes" */
	int extra;			/* how many extra cgroups or processes */
	bool machine;			/* whole machine, else one named target */
	bool ok;
	double cpu_share;		/* of one CPU, from its /proc/PID/stat over the measured intervals */
	double cpu_per_interval_s;	/* over the intervals it completed */
	int intervals;
	double interval_median_s, interval_max_s;	/* its own account of an interval's work */
	__u64 rss_kb, hwm_kb;
	__u64 map_bytes;		/* the memlock of the maps it holds, read from outside */
	__u64 map_bytes_reported;	/* what its summary said */
	double wall_s;
};

/* Growth stacks on the allocation workload: memprobe as it comes against --stack-sample 0 (stacks.c). */
struct stacks_cost {
	int rounds;
	double ratio[BENCH_MAX_ROUNDS];	/* workload time with stacks over without, same round */
	double on_s, off_s;		/* workload seconds, summed */
	__u64 samples, skipped, ring_bytes;
	double unwind_cpu_s, agent_cpu_s;
	__u64 faults;			/* page faults of the workload with stacks on, summed */
};

/* dispatch.c: a program's dispatch with the run-time statistics off, ns a call */
struct dispatch_cost {
	int rounds;			/* 0: not measured */
	double median_ns, q1_ns, q3_ns;	/* over the pairs of blocks */
	double syscall_ns;		/* getppid() bare, the median block */
};

struct bench {
	bool quick;
	bool scrape_only;			/* --scrape-only: the scrapes and nothing else */
	int rounds;
	int startup_rounds;
	int iterations;
	unsigned long long alloc_bytes;
	unsigned long long file_bytes;
	char build[512];
	char out[600];
	char dir[512];
	char files[BENCH_FILES][600];
	char bpftrace_script[600];
	struct tcg cg;
	const struct workload *current;
	int current_w;			/* its index in bench_workloads */
	const struct tool *tools[BENCH_MAX_TOOLS];
	volatile pid_t tool_pid;		/* memprobe or bpftrace attached now, for the signal handler */
	int n_tools;
	struct workload_result results[BENCH_WORKLOADS];
	int n_results;
	struct prog_total progs[BENCH_MAX_PROGS];
	int n_progs;
	bool have_stats;		/* the ns-per-call phase ran with the statistics on */
	double startup_ms[BENCH_MAX_TOOLS][BENCH_MAX_ROUNDS];
	int n_startup[BENCH_MAX_TOOLS];
	struct footprint footprints[BENCH_MAX_TOOLS];
	int n_footprints;
	struct event_rate event_rates[BENCH_MAX_RATES];
	int n_event_rates;
	struct scale_point scale[BENCH_MAX_SCALE];
	int n_scale;
	double scale_interval_s;
	int scale_intervals;		/* measured intervals at each point */
	double phase_s[8];		/* how long each phase took */
	double started;
	struct stacks_cost stacks;
	struct dispatch_cost dispatch;
	/* scrape.c: one /metrics scrape per format, with scrape_cgroups cgroups exported */
	struct {
		const char *name;
		double first_cpu_ms;		/* the first after a sample: rendered (and compressed) */
		double again_cpu_ms;		/* the next ones: served what was rendered */
		size_t bytes;
	} scrape[BENCH_SCRAPE_FORMATS];
	int n_scrape;
	int scrape_cgroups;
	size_t scrape_series;			/* cgroups with series (theirs, the root's, others') */
};

/* context.c: what every part shares; it calls nothing of the benchmark's. */
double bench_now(void);
void bench_spread(const double *v, int n, double *median, double *min, double *max);
/* Sorts v in place, smallest first: for quantiles of more than BENCH_MAX_ROUNDS. */
void bench_sort(double *v, int n);
struct prog_total *bench_prog(struct bench *b, int workload, const char *tool, const char *name);
struct footprint *bench_footprint(struct bench *b, const char *tool);
/* CPU seconds pid has used, and its resident and peak resident memory. */
bool bench_usage(pid_t pid, double *cpu, __u64 *rss_kb, __u64 *hwm_kb);
/* CPU seconds of pid's threads and its children's, to the nanosecond (schedstat); -1 if gone. */
double bench_cpu(pid_t pid);
/* A tool's CPU and memory while a workload runs, into its footprint. */
void bench_usage_start(struct tool_run *r, pid_t pid);
void bench_usage_stop(struct bench *b, const char *tool, struct tool_run *r, pid_t pid);

/* Runs the current workload once in the bench cgroup; its wall time in seconds (-1: failed), and its faults. */
double bench_run_workload(struct bench *b, double *faults);

/* extras.c: start-up and the event path. */
void bench_startup(struct bench *b);
void bench_events(struct bench *b);

/* scale.c: memprobe on a host with thousands of extra cgroups and processes. */
void bench_scale(struct bench *b);
/* Removes what the scale run made; safe from a signal handler's exit path, and twice. */
void bench_scale_cleanup(void);

/* tools.c: fills b->tools (bare, memprobe, empty programs, and bpftrace when installed). */
/* scrape.c: the cost of one scrape of --listen's /metrics with BENCH_SCRAPE_CGROUPS cgroups. */
void bench_scrape(struct bench *b);

void bench_tools(struct bench *b);
/* The run-time statistics of the programs a tool has attached, into b->progs for b->current. */
void bench_collect(struct bench *b, const struct tool *tool, struct tool_run *r);
/* Adds the run-time statistics of every BPF program pid holds to the totals under tool. */
void bench_collect_progs(struct bench *b, const char *tool, pid_t pid);

/* dispatch.c: times it, statistics off; a negative errno when the tracepoints cannot be had. */
int bench_dispatch(struct bench *b);
/* stacks.c: the growth stacks' cost, and its part of the report. */
void bench_stacks(struct bench *b);
void bench_stacks_table(const struct bench *b, FILE *f, bool md);
void bench_stacks_json(const struct bench *b, FILE *f);
/* results.c: prints the table and writes results.md and results.json under b->out. */
int bench_report(const struct bench *b);
/* results_scale.c: the scale run's part of them. */
void bench_report_scale(const struct bench *b, FILE *f, bool md);
void bench_json_scale(const struct bench *b, FILE *f);

#endif /* MEMPROBE_BENCH_H */
