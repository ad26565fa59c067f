// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The scale run in the report: a row per point, and how each figure grows. */
#include <stdio.h>
#include <string.h>

#include "results.h"

static const char *const kinds[] = { "baseline", "cgroups with a process", "empty cgroups", "processes" };

const struct scale_point *scale_point(const struct bench *b, const char *kind, int extra, bool machine)
{
	int i;

	for (i = 0; i < b->n_scale; i++)
		if (!strcmp(b->scale[i].kind, kind) && b->scale[i].extra == extra && b->scale[i].machine == machine &&
		    b->scale[i].ok)
			return &b->scale[i];
	return NULL;
}

static double mib(double bytes)
{
	return bytes / (1024.0 * 1024.0);
}

static void point_row(const struct bench *b, const struct scale_point *p, FILE *f, bool md)
{
	char what[64], work[48];

	snprintf(what, sizeof(what), "%d %s", p->extra, p->kind);
	if (!p->extra)
		snprintf(what, sizeof(what), "nothing extra");
	snprintf(work, sizeof(work), "%.1f / %.1f", p->interval_median_s * 1e3, p->interval_max_s * 1e3);
	fprintf(f, md ? "| %s | %s | %.1f | %.2f%% | %s | %.1f (%.1f) | %.1f |\n" :
			"%-30s %-13s %12.1f %12.2f%% %16s %10.1f (%4.1f) %10.1f\n",
		what, p->machine ? "whole machine" : "one target", p->cpu_per_interval_s * 1e3,
		100 * p->cpu_per_interval_s / DEFAULT_INTERVAL_S, work, p->rss_kb / 1024.0, p->hwm_kb / 1024.0,
		mib((double)p->map_bytes));
	(void)b;
}

/* From the baseline to the largest point of a kind: how much each figure grows per 1,000 more. */
static void growth(const struct bench *b, const char *kind, bool machine, FILE *f, bool md)
{
	const struct scale_point *base = scale_point(b, "baseline", 0, machine), *top = NULL;
	double k;
	int i;

	for (i = 0; i < b->n_scale; i++)
		if (!strcmp(b->scale[i].kind, kind) && b->scale[i].machine == machine && b->scale[i].ok &&
		    (!top || b->scale[i].extra > top->extra))
			top = &b->scale[i];
	if (!base || !top)
		return;
	k = 1000.0 / top->extra;
	fprintf(f, "%s%s, %s: per 1,000 %s, CPU %+.1f ms an interval, an interval's work %+.1f ms (median), RSS %+.1f MiB, maps %+.2f MiB\n",
		md ? "- " : "  ", kind, machine ? "whole machine" : "one target", kind,
		(top->cpu_per_interval_s - base->cpu_per_interval_s) * 1e3 * k,
		(top->interval_median_s - base->interval_median_s) * 1e3 * k,
		((double)top->rss_kb - (double)base->rss_kb) / 1024.0 * k,
		mib((double)top->map_bytes - (double)base->map_bytes) * k);
}

void bench_report_scale(const struct bench *b, FILE *f, bool md)
{
	size_t k;
	int i, m, n = 0;

	if (!b->n_scale)
		return;
	fprintf(f, "\nScale: memprobe at --interval %g on this host plus extra cgroups or processes, measured over %d intervals\n"
		"from its first sample (or those it completed in three times as long). CPU from /proc/PID/task/*/schedstat (its\n"
		"threads and helper process, in ns) over the intervals it completed, also as a share of a core at the default "
		"interval (%.0f s; the work an interval does not depend on its length); an interval's work (median / max, wall\n"
		"time) from its summary; RSS is VmRSS (VmHWM); maps is the memlock of the BPF maps it holds, from its fdinfo.\n\n",
		b->scale_interval_s, b->scale_intervals, DEFAULT_INTERVAL_S);
	fprintf(f, md ? "| host | memprobe watching | CPU ms an interval | CPU at 5 s | work ms median / max | RSS MiB (peak) | maps MiB |\n|---|---|---|---|---|---|---|\n" :
			"%-30s %-13s %12s %13s %16s %17s %10s\n",
		"host", "watching", "CPU ms/int", "CPU at 5 s", "work ms med/max", "RSS MiB (peak)", "maps MiB");
	for (k = 0; k < sizeof(kinds) / sizeof(kinds[0]); k++)
		for (i = 0; i < b->n_scale; i++)
			if (!strcmp(b->scale[i].kind, kinds[k]) && b->scale[i].ok)
				point_row(b, &b->scale[i], f, md), n++;
	for (i = 0; i < b->n_scale; i++)
		if (!b->scale[i].ok)
			fprintf(f, "%s%d %s (%s): no figures (see stderr)\n", md ? "- " : "  ", b->scale[i].extra,
				b->scale[i].kind, b->scale[i].machine ? "whole machine" : "one target");
	if (!n)
		return;
	fprintf(f, "\nHow each grows:\n%s", md ? "\n" : "");
	for (k = 1; k < sizeof(kinds) / sizeof(kinds[0]); k++)
		for (m = 1; m >= 0; m--)
			growth(b, kinds[k], m, f, md);
}

void bench_json_scale(const struct bench *b, FILE *f)
{
	int i;

	fprintf(f, "\"scale\":{\"interval_s\":%g,\"intervals\":%d,\"points\":[", b->scale_interval_s, b->scale_intervals);
	for (i = 0; i < b->n_scale; i++) {
		const struct scale_point *p = &b->scale[i];

		fprintf(f, "%s{\"kind\":\"%s\",\"extra\":%d,\"whole_machine\":%s,\"ok\":%s,\"cpu_share\":%.5f,"
			"\"cpu_per_interval_s\":%.5f,\"intervals\":%d,\"interval_median_s\":%.6f,\"interval_max_s\":%.6f,\"rss_kb\":%llu,"
			"\"hwm_kb\":%llu,\"map_bytes\":%llu,\"map_bytes_reported\":%llu}", i ? "," : "", p->kind, p->extra,
			p->machine ? "true" : "false", p->ok ? "true" : "false", p->cpu_share, p->cpu_per_interval_s, p->intervals,
			p->interval_median_s, p->interval_max_s, (unsigned long long)p->rss_kb,
			(unsigned long long)p->hwm_kb, (unsigned long long)p->map_bytes,
			(unsigned long long)p->map_bytes_reported);
	}
	fprintf(f, "]}");
}
