// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Issue 16's targets against this run, each said met or MISSED, with the figure. */
#include <stdio.h>
#include <string.h>

#include "results.h"

#define TARGET_X_EMPTY		2.0	/* each program at most twice its empty program on the same hook */
#define TARGET_ABOVE_FLOOR	1.01	/* slowdown above the empty programs' floor */
#define TARGET_STARTUP_MS	80.0
#define TARGET_SCALE_CPU	0.02	/* of one core */
#define TARGET_SCALE_KB		(32 * 1024)
#define TARGET_SCALE_MAPS	(32ULL << 20)
#define TARGET_SCALE_WORK_S	0.100
#define TARGET_BENCH_S		300.0
#define TARGET_QUICK_S		60.0

static const char *said(bool met)
{
	return met ? "met" : "MISSED";
}

static void per_call(const struct bench *b, FILE *f, const char *item)
{
	const char *list[16];
	int n = hooks(b, list, 16), i;

	for (i = 0; i < n; i++) {
		struct hook_cost m = hook_cost(b, "memprobe", list[i], -1), e = hook_cost(b, "empty", list[i], -1),
				 t = hook_cost(b, "bpftrace", list[i], -1);
		double x = hook_ns(&e) > 0 ? hook_ns(&m) / hook_ns(&e) : -1;

		if (x < 0)
			continue;
		fprintf(f, "%s%s on %s: %.1fx its empty program (target <= %.0fx): %s", item, m.names, list[i], x,
			TARGET_X_EMPTY, said(x <= TARGET_X_EMPTY));
		if (hook_ns(&t) > 0)
			fprintf(f, "; %.0f ns against bpftrace's %.0f: %s", hook_ns(&m), hook_ns(&t),
				hook_ns(&m) < hook_ns(&t) ? "below, met" : "not below, MISSED");
		fputc('\n', f);
	}
}

static void scale(const struct bench *b, FILE *f, const char *item)
{
	static const struct {
		const char *kind;
		int extra;
	} at[] = { { "cgroups with a process", 5000 }, { "empty cgroups", 5000 }, { "processes", 10000 } };
	const struct scale_point *p;
	size_t i;
	int m;

	for (i = 0; i < sizeof(at) / sizeof(at[0]); i++)
		for (m = 1; m >= 0; m--) {
			double cpu;

			p = scale_point(b, at[i].kind, at[i].extra, m);
			if (!p)
				continue;
			cpu = p->cpu_per_interval_s / DEFAULT_INTERVAL_S;
			fprintf(f, "%s%d %s, %s, default interval: CPU %.2f%% of a core (<= %.0f%%) %s; RSS %.1f MiB (<= %d) %s; maps %.1f MiB (<= %llu) %s; an interval's work %.0f ms median, %.0f max (< %.0f) %s\n",
				item, at[i].extra, at[i].kind, m ? "whole machine" : "one target", 100 * cpu,
				100 * TARGET_SCALE_CPU, said(cpu <= TARGET_SCALE_CPU), p->rss_kb / 1024.0,
				TARGET_SCALE_KB / 1024, said(p->rss_kb <= TARGET_SCALE_KB), p->map_bytes / 1048576.0,
				TARGET_SCALE_MAPS >> 20, said(p->map_bytes <= TARGET_SCALE_MAPS), p->interval_median_s * 1e3,
				p->interval_max_s * 1e3, TARGET_SCALE_WORK_S * 1e3,
				said(p->interval_median_s < TARGET_SCALE_WORK_S));
		}
	p = scale_point(b, "cgroups with a process", 2000, true);
	if (p && b->scale_interval_s == 1)
		fprintf(f, "%s2000 cgroups, whole machine, --interval 1: CPU %.2f%% of a core (<= %.0f%%): %s\n", item,
			100 * p->cpu_share, 100 * TARGET_SCALE_CPU, said(p->cpu_share <= TARGET_SCALE_CPU));
}

void bench_targets(const struct bench *b, FILE *f, bool md)
{
	const char *item = md ? "- " : "  ";
	int mp = tool_index(b, "memprobe"), w;
	double total = bench_now() - b->started;

	fprintf(f, "\nIssue 16's targets on this run:\n%s", md ? "\n" : "");
	if (b->have_stats)
		per_call(b, f, item);
	for (w = 0; w < b->n_results; w++) {
		struct row fl = above_floor(b, w);

		fprintf(f, "%s%s slowdown above the floor %+.1f%% [%+.1f%%..%+.1f%%] (target <= %+.0f%%): %s\n", item,
			b->results[w].workload->name, (fl.median - 1) * 100, (fl.min - 1) * 100, (fl.max - 1) * 100,
			(TARGET_ABOVE_FLOOR - 1) * 100, said(fl.median <= TARGET_ABOVE_FLOOR));
	}
	if (mp >= 0 && b->n_startup[mp]) {
		struct row st = startup(b, mp);

		fprintf(f, "%sstart-up, launch to ready %.0f ms median [%.0f-%.0f] (target <= %.0f ms): %s\n", item,
			st.median, st.min, st.max, TARGET_STARTUP_MS, said(st.median <= TARGET_STARTUP_MS));
	}
	scale(b, f, item);
	if (b->n_event_rates)
		fprintf(f, "%shighest SysV event rate with nothing lost: %.0f/s\n", item, lossless_rate(b));
	fprintf(f, "%sthe benchmark took %.0f s (target < %.0f s%s): %s\n", item, total,
		b->quick ? TARGET_QUICK_S : TARGET_BENCH_S, b->quick ? ", --quick" : "",
		said(total < (b->quick ? TARGET_QUICK_S : TARGET_BENCH_S)));
}
