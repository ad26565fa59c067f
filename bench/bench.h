/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* The benchmark's pieces: workloads, the tools compared, and what is measured. */
#ifndef MEMPROBE_BENCH_H
#define MEMPROBE_BENCH_H

#include <stdbool.h>
#include <sys/types.h>
#include <linux/types.h>

#include "it.h"

#define BENCH_MAX_ROUNDS	32
#define BENCH_MAX_TOOLS		4
#define BENCH_WORKLOADS		2
#define BENCH_FILES		4
#define BENCH_MAX_PROGS		32
#define BENCH_MAX_RATES		8
#define BENCH_SCRAPE_CGROUPS	500
#define BENCH_SCRAPE_FORMATS	3

struct bench;

struct workload {
	const char *name;
	const char *what;
	int (*run)(const struct bench *b);
};

struct calib_bpf;

struct tool_run {
	struct agent agent;		/* memprobe */
	pid_t pid;			/* bpftrace */
	int out;
	struct calib_bpf *calib;	/* the empty programs */
	double cpu_start, t_start;	/* the tool's CPU seconds when the workload began */
};

/* What a tool costs while it watches. */
struct footprint {
	char tool[16];
	__u64 peak_kb;			/* VmHWM, the highest seen */
	__u64 busy_rss_kb;		/* VmRSS at the end of a workload, the highest seen */
	double busy_cpu_s, busy_wall_s;	/* CPU used during workloads, and their length */
	__u64 idle_rss_kb;		/* at the default interval, nothing much happening */
	double idle_cpu_s, idle_wall_s;
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
};

/* One BPF program's run-time statistics, summed over every round it was attached. */
struct prog_total {
	char tool[16];
	char name[64];
	__u64 run_ns;
	__u64 run_cnt;
};

struct bench {
	bool quick;
	bool scrape_only;			/* --scrape-only: the scrapes and nothing else */
	int rounds;
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
	const struct tool *tools[BENCH_MAX_TOOLS];
	int n_tools;
	struct workload_result results[BENCH_WORKLOADS];
	int n_results;
	struct prog_total progs[BENCH_MAX_PROGS];
	int n_progs;
	double startup_ms[BENCH_MAX_TOOLS][BENCH_MAX_ROUNDS];
	int n_startup[BENCH_MAX_TOOLS];
	struct footprint footprints[BENCH_MAX_TOOLS];
	int n_footprints;
	double idle_s;
	struct event_rate event_rates[BENCH_MAX_RATES];
	int n_event_rates;
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
struct prog_total *bench_prog(struct bench *b, const char *tool, const char *name);
struct footprint *bench_footprint(struct bench *b, const char *tool);
/* CPU seconds pid has used, and its resident and peak resident memory. */
bool bench_usage(pid_t pid, double *cpu, __u64 *rss_kb, __u64 *hwm_kb);
/* A tool's CPU and memory while a workload runs, into its footprint. */
void bench_usage_start(struct tool_run *r, pid_t pid);
void bench_usage_stop(struct bench *b, const char *tool, struct tool_run *r, pid_t pid);

/* extras.c: start-up, footprint, the event path. */
void bench_startup(struct bench *b);
void bench_idle(struct bench *b);
void bench_events(struct bench *b);

/* scrape.c: the cost of one scrape of --listen's /metrics with BENCH_SCRAPE_CGROUPS cgroups. */
void bench_scrape(struct bench *b);

/* tools.c: fills b->tools (bare, memprobe, and bpftrace when installed). */
void bench_tools(struct bench *b);
/* results.c: prints the table and writes results.md and results.json under b->out. */
int bench_report(const struct bench *b);

#endif /* MEMPROBE_BENCH_H */
