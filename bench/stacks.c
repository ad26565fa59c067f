// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * What growth stacks add: the allocation workload under memprobe as it
 * comes (--stack-sample 512K) and under memprobe with them off, interleaved
 * round by round. Beside the ratio of the two, which this machine's noise
 * blurs, the kernel side's own cost, from BPF run-time statistics: with
 * stacks on, one program on kmem:mm_page_alloc counts and samples
 * (stk_page_alloc) where, with them off, the allocation probe's only counts
 * (page_alloc): the difference of their nanoseconds a call times the calls,
 * plus the stacks' other programs (on the system calls that give address
 * space back, and the agent's runs of stk_settle), over the workload's
 * time. Those others are each a program of their own, whose dispatch the
 * statistics do not see: they are also counted with the dispatch timed
 * with the statistics off (dispatch.c). And the agent's: ring bytes,
 * stacks taken and skipped by the rate limit, CPU spent unwinding and in
 * all (its pagemap reads), from memprobe's own summary.
 */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "bench.h"
#include "sys/util.h"

#define BPF_STATS	"/proc/sys/kernel/bpf_stats_enabled"
#define ON	"mp-stacks"	/* the tool names the programs' statistics go under */
#define OFF	"mp-nostacks"

static int start(struct bench *b, struct tool_run *r, bool on)
{
	const char *argv[] = { "--json", "--interval", "1", "--stack-sample", on ? "512K" : "0", "--cgroup", b->cg.rel,
			       NULL };

	if (agent_start(&r->agent, argv) || !agent_wait_for(&r->agent, "start", 30))
		return -1;
	/* To the nanosecond: the agent's share over a second's workload is a few clock ticks at most. */
	r->cpu_start = bench_cpu(r->agent.pid);
	return 0;
}

/* Stops memprobe and takes its summary's stack figures. */
static void stop(struct bench *b, struct tool_run *r, bool on)
{
	struct stacks_cost *c = &b->stacks;
	struct jv *sum;
	double cpu = bench_cpu(r->agent.pid), u = 0;

	bench_collect_progs(b, on ? ON : OFF, r->agent.pid);
	if (on && cpu >= 0 && r->cpu_start >= 0)
		c->agent_cpu_s += cpu - r->cpu_start;
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

static const struct prog_total *prog(const struct bench *b, const char *tool, const char *name)
{
	int i;

	for (i = 0; i < b->n_progs; i++)
		if (!strcmp(b->progs[i].tool, tool) && !strcmp(b->progs[i].name, name))
			return &b->progs[i];
	return NULL;
}

static double mean_ns(const struct prog_total *p)
{
	return p && p->run_cnt ? (double)p->run_ns / p->run_cnt : 0;
}

/* What sampling adds to an allocation: the program that counts and samples over the one that counts. */
static double sampling_ns(const struct bench *b)
{
	return mean_ns(prog(b, ON, "stk_page_alloc")) - mean_ns(prog(b, OFF, "page_alloc"));
}

/* The stacks' programs other than the one on the allocation hook: their calls and time, summed. */
static void others(const struct bench *b, __u64 *calls, double *ns)
{
	int i;

	*calls = 0;
	*ns = 0;
	for (i = 0; i < b->n_progs; i++)
		if (!strcmp(b->progs[i].tool, ON) && !strncmp(b->progs[i].name, "stk_", 4) &&
		    strcmp(b->progs[i].name, "stk_page_alloc")) {
			*calls += b->progs[i].run_cnt;
			*ns += (double)b->progs[i].run_ns;
		}
}

/* The stacks' time in the kernel over the workload's, by the programs' run-time statistics. */
static double kernel_share(const struct bench *b)
{
	const struct prog_total *a = prog(b, ON, "stk_page_alloc");
	double ns;
	__u64 calls;

	others(b, &calls, &ns);
	ns += a ? sampling_ns(b) * (double)a->run_cnt : 0;
	return b->stacks.on_s > 0 ? ns / 1e9 / b->stacks.on_s : 0;
}

/*
 * The same with each of the other programs' calls at a program's dispatch
 * too, timed apart (the statistics never see it; on a system call's
 * tracepoint it is dearer, which these calls' few make small). Sampling's
 * share is a difference of two programs on one hook, whose dispatch is
 * paid either way. -1 without the dispatch.
 */
static double real_share(const struct bench *b)
{
	const struct prog_total *a = prog(b, ON, "stk_page_alloc");
	double ns;
	__u64 calls;

	if (!a || !b->dispatch.rounds || b->stacks.on_s <= 0)
		return -1;
	others(b, &calls, &ns);
	ns += sampling_ns(b) * (double)a->run_cnt + b->dispatch.median_ns * (double)calls;
	return ns / 1e9 / b->stacks.on_s;
}

void bench_stacks_table(const struct bench *b, FILE *f, bool md)
{
	const struct stacks_cost *c = &b->stacks;
	const struct prog_total *a = prog(b, ON, "stk_page_alloc");
	const struct dispatch_cost *d = &b->dispatch;
	double med, min, max, ns, share = real_share(b);
	__u64 calls;

	if (!c->rounds || c->on_s <= 0)
		return;
	bench_spread(c->ratio, c->rounds, &med, &min, &max);
	fprintf(f, "\n%sGrowth stacks (--stack-sample 512K against 0, allocation workload, %d rounds)%s\n\n",
		md ? "### " : "", c->rounds, md ? "" : ":");
	fprintf(f, "%sworkload time with stacks over without: %.3f [%.3f-%.3f]\n", md ? "- " : "  ", med, min, max);
	fprintf(f, "%son kmem:mm_page_alloc: stk_page_alloc (counts and samples) %.0f ns a call, page_alloc (counts, stacks off) %.0f: sampling adds %.0f ns a call (%.2f calls a fault)\n",
		md ? "- " : "  ", mean_ns(a), mean_ns(prog(b, OFF, "page_alloc")), sampling_ns(b),
		a && c->faults ? (double)a->run_cnt / c->faults : 0);
	others(b, &calls, &ns);
	fprintf(f, "%son page frees: nothing; on the address-space calls, and settling: %llu calls (%.4f a fault), %.0f ns a call\n",
		md ? "- " : "  ", (unsigned long long)calls, c->faults ? (double)calls / c->faults : 0,
		calls ? ns / calls : 0);
	fprintf(f, "%sby the programs' run time, statistics included (not the other programs' dispatch), over the workload's: %.2f%%\n",
		md ? "- " : "  ", kernel_share(b) * 100);
	if (d->rounds)
		fprintf(f, "%sa program's dispatch, statistics off: %.0f ns a call [quartiles %.0f-%.0f] (getppid %.0f ns bare, %d pairs of blocks)\n",
			md ? "- " : "  ", d->median_ns, d->q1_ns, d->q3_ns, d->syscall_ns, d->rounds);
	if (share >= 0)
		fprintf(f, "%sall of it, the other programs at their dispatch too: %.2f%% of the workload's (target < 1%%: %s)\n",
			md ? "- " : "  ", share * 100, share < 0.01 ? "met" : "MISSED");
	else
		fprintf(f, "%sall of it: not known without the dispatch and the empty program (target < 1%%: not measured)\n",
			md ? "- " : "  ");
	fprintf(f, "%sstacks taken %.0f/s, skipped by the rate limit %.0f/s; ring %.1f KiB/s; unwinding %.2f%% of a core (agent in all %.2f%%)\n",
		md ? "- " : "  ", c->samples / c->on_s, c->skipped / c->on_s, c->ring_bytes / 1024.0 / c->on_s,
		100 * c->unwind_cpu_s / c->on_s, 100 * c->agent_cpu_s / c->on_s);
}

void bench_stacks_json(const struct bench *b, FILE *f)
{
	const struct stacks_cost *c = &b->stacks;
	double med = 0, min = 0, max = 0, ns;
	__u64 calls;
	int r;

	others(b, &calls, &ns);
	if (c->rounds)
		bench_spread(c->ratio, c->rounds, &med, &min, &max);
	fprintf(f, "{\"rounds\":%d,\"ratio_median\":%.4f,\"ratio_min\":%.4f,\"ratio_max\":%.4f,\"ratios\":[", c->rounds, med,
		min, max);
	for (r = 0; r < c->rounds; r++)
		fprintf(f, "%s%.4f", r ? "," : "", c->ratio[r]);
	fprintf(f, "],\"kernel_share\":%.5f,\"real_share\":%.5f,\"dispatch_ns\":%.1f,\"stk_page_alloc_ns\":%.1f,"
		"\"page_alloc_off_ns\":%.1f,\"other_calls\":%llu,\"other_ns\":%.0f,"
		"\"faults\":%llu,\"on_s\":%.3f,\"off_s\":%.3f,\"samples\":%llu,\"skipped\":%llu,\"ring_bytes\":%llu,"
		"\"unwind_cpu_s\":%.3f,\"agent_cpu_s\":%.3f}\n", kernel_share(b), real_share(b), b->dispatch.median_ns,
		mean_ns(prog(b, ON, "stk_page_alloc")), mean_ns(prog(b, OFF, "page_alloc")), (unsigned long long)calls, ns, (unsigned long long)c->faults,
		c->on_s, c->off_s,
		(unsigned long long)c->samples, (unsigned long long)c->skipped, (unsigned long long)c->ring_bytes,
		c->unwind_cpu_s, c->agent_cpu_s);
}
