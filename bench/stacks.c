// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * What growth stacks add: the allocation workload under memprobe as it
 * comes (--stack-sample 512K) and under memprobe with them off, interleaved
 * round by round. Beside the ratio of the two, which this machine's noise
 * blurs, the kernel side's own cost: the stack programs' nanoseconds a call
 * (BPF run-time statistics) times their calls, over the workload's time;
 * and the agent's: ring bytes, stacks taken and skipped by the rate limit,
 * CPU spent unwinding, from memprobe's own summary.
 */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "bench.h"
#include "sys/util.h"

#define BPF_STATS	"/proc/sys/kernel/bpf_stats_enabled"
#define ON	"mp-stacks"	/* the tool name the programs' statistics go under */

static int start(struct bench *b, struct tool_run *r, bool on)
{
	const char *argv[] = { "--json", "--interval", "1", "--stack-sample", on ? "512K" : "0", "--cgroup", b->cg.rel,
			       NULL };

	if (agent_start(&r->agent, argv) || !agent_wait_for(&r->agent, "start", 30))
		return -1;
	bench_usage_start(r, r->agent.pid);
	return 0;
}

/* Stops memprobe and takes its summary's stack figures. */
static void stop(struct bench *b, struct tool_run *r, bool on)
{
	struct stacks_cost *c = &b->stacks;
	struct jv *sum;
	double cpu, u = 0;
	__u64 rss, hwm;

	if (on) {
		bench_collect_progs(b, ON, r->agent.pid);
		if (bench_usage(r->agent.pid, &cpu, &rss, &hwm))
			c->agent_cpu_s += cpu - r->cpu_start;
	}
	agent_finish(&r->agent, SIGINT, 30);
	sum = on ? agent_record(&r->agent, "summary", b->cg.rel) : NULL;
	if (sum) {
		c->samples += jv_u64_or(sum, "stack_samples");
		c->skipped += jv_u64_or(sum, "stack_samples_skipped");
		c->ring_bytes += jv_u64_or(sum, "stack_ring_bytes");
		if (jv_num(sum, "stack_unwind_cpu_s", &u))
			c->unwind_cpu_s += u;
	}
	jv_free(sum);
	agent_free(&r->agent);
}

/* The empty programs once, if the comparison has not run them: the floor the stack programs are above. */
static void floor_once(struct bench *b)
{
	struct tool_run run = { 0 };
	int t, i;

	for (i = 0; i < b->n_progs; i++)
		if (!strcmp(b->progs[i].tool, "empty"))
			return;
	for (t = 0; t < b->n_tools; t++)
		if (!strcmp(b->tools[t]->name, "empty") && !b->tools[t]->start(b, &run)) {
			bench_run_workload(b, NULL);
			b->tools[t]->stop(b, &run);
		}
}

void bench_stacks(struct bench *b)
{
	struct stacks_cost *c = &b->stacks;
	char state[8];
	int r, k;

	memset(c, 0, sizeof(*c));
	if (!b->n_results)
		return;
	/* Another run on this machine may have put the statistics back off since main() turned them on. */
	if (read_text(BPF_STATS, state, sizeof(state)) > 0 && state[0] == '0' && write_text(BPF_STATS, "1\n"))
		fprintf(stderr, "memprobe-bench: cannot turn %s on again\n", BPF_STATS);
	b->current_w = 0;	/* the allocation workload */
	b->current = &bench_workloads[0];
	floor_once(b);
	for (r = 0; r < b->rounds; r++) {
		double secs[2] = { -1, -1 };

		/* Alternate which goes first. */
		for (k = 0; k < 2; k++) {
			bool on = (k + r) % 2;
			struct tool_run run = { 0 };

			if (start(b, &run, on)) {
				fprintf(stderr, "memprobe-bench: memprobe did not start\n");
				agent_free(&run.agent);
				return;
			}
			secs[on] = bench_run_workload(b, NULL);
			stop(b, &run, on);
		}
		if (secs[0] <= 0 || secs[1] <= 0)
			return;
		c->ratio[c->rounds++] = secs[1] / secs[0];
		c->off_s += secs[0];
		c->on_s += secs[1];
		c->faults += (__u64)b->iterations * (b->alloc_bytes / 4096);
	}
}

static const struct prog_total *prog(const struct bench *b, const char *name)
{
	int i;

	for (i = 0; i < b->n_progs; i++)
		if (!strcmp(b->progs[i].tool, ON) && !strcmp(b->progs[i].name, name))
			return &b->progs[i];
	return NULL;
}

/* The stack programs' time in the kernel over the workload's: their share of its slowdown. */
static double kernel_share(const struct bench *b)
{
	const struct prog_total *a = prog(b, "stk_page_alloc"), *f = prog(b, "stk_page_free");
	double ns = (a ? (double)a->run_ns : 0) + (f ? (double)f->run_ns : 0);

	return b->stacks.on_s > 0 ? ns / 1e9 / b->stacks.on_s : 0;
}

static double mean_ns(const struct prog_total *p)
{
	return p && p->run_cnt ? (double)p->run_ns / p->run_cnt : 0;
}

/* Above an empty program on the same hook (the "empty" tool's), or -1 when it did not run. */
static double above_empty(const struct bench *b, const struct prog_total *p, const char *empty)
{
	int i;

	for (i = 0; p && i < b->n_progs; i++)
		if (!strcmp(b->progs[i].tool, "empty") && !strcmp(b->progs[i].name, empty) && b->progs[i].run_cnt)
			return mean_ns(p) - mean_ns(&b->progs[i]);
	return -1;
}

void bench_stacks_table(const struct bench *b, FILE *f, bool md)
{
	const struct stacks_cost *c = &b->stacks;
	const struct prog_total *a = prog(b, "stk_page_alloc"), *fr = prog(b, "stk_page_free");
	double med, min, max;

	if (!c->rounds || c->on_s <= 0)
		return;
	bench_spread(c->ratio, c->rounds, &med, &min, &max);
	fprintf(f, "\n%sGrowth stacks (--stack-sample 512K against 0, allocation workload, %d rounds)%s\n\n",
		md ? "### " : "", c->rounds, md ? "" : ":");
	fprintf(f, "%sworkload time with stacks over without: %.3f [%.3f-%.3f]\n", md ? "- " : "  ", med, min, max);
	fprintf(f, "%sstack programs in the kernel: stk_page_alloc %.0f ns a call (%.0f above an empty program; %.2f calls a fault), stk_page_free %.0f ns a call (%.0f above empty; %.2f a fault)\n",
		md ? "- " : "  ", mean_ns(a), above_empty(b, a, "page_alloc"),
		a && c->faults ? (double)a->run_cnt / c->faults : 0, mean_ns(fr), above_empty(b, fr, "page_free"),
		fr && c->faults ? (double)fr->run_cnt / c->faults : 0);
	fprintf(f, "%stheir time, run-time statistics included, over the workload's: %.2f%% (target < 1%%: %s)\n",
		md ? "- " : "  ", kernel_share(b) * 100, kernel_share(b) < 0.01 ? "met" : "MISSED");
	fprintf(f, "%sstacks taken %.0f/s, skipped by the rate limit %.0f/s; ring %.1f KiB/s; unwinding %.2f%% of a core (agent in all %.2f%%)\n",
		md ? "- " : "  ", c->samples / c->on_s, c->skipped / c->on_s, c->ring_bytes / 1024.0 / c->on_s,
		100 * c->unwind_cpu_s / c->on_s, 100 * c->agent_cpu_s / c->on_s);
}

void bench_stacks_json(const struct bench *b, FILE *f)
{
	const struct stacks_cost *c = &b->stacks;
	double med = 0, min = 0, max = 0;
	int r;

	if (c->rounds)
		bench_spread(c->ratio, c->rounds, &med, &min, &max);
	fprintf(f, "{\"rounds\":%d,\"ratio_median\":%.4f,\"ratio_min\":%.4f,\"ratio_max\":%.4f,\"ratios\":[", c->rounds, med,
		min, max);
	for (r = 0; r < c->rounds; r++)
		fprintf(f, "%s%.4f", r ? "," : "", c->ratio[r]);
	fprintf(f, "],\"kernel_share\":%.5f,\"stk_page_alloc_ns\":%.1f,\"stk_page_free_ns\":%.1f,\"faults\":%llu,"
		"\"on_s\":%.3f,\"off_s\":%.3f,\"samples\":%llu,\"skipped\":%llu,\"ring_bytes\":%llu,\"unwind_cpu_s\":%.3f,"
		"\"agent_cpu_s\":%.3f}\n", kernel_share(b), mean_ns(prog(b, "stk_page_alloc")),
		mean_ns(prog(b, "stk_page_free")), (unsigned long long)c->faults, c->on_s, c->off_s,
		(unsigned long long)c->samples, (unsigned long long)c->skipped, (unsigned long long)c->ring_bytes,
		c->unwind_cpu_s, c->agent_cpu_s);
}
