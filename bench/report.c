// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The benchmark's results: a table on stdout, and the same as Markdown and JSON. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "bench.h"

/* The targets the issues set; a missed one is said plainly. */
#define TARGET_ALLOC_NS		100.0
#define TARGET_ALLOC_SLOWDOWN	1.03
#define TARGET_CACHE_SLOWDOWN	1.02

struct row {
	double median, min, max;
};

static int tool_index(const struct bench *b, const char *name)
{
	int t;

	for (t = 0; t < b->n_tools; t++)
		if (!strcmp(b->tools[t]->name, name))
			return t;
	return -1;
}

static struct row ratio(const struct bench *b, int w, int t)
{
	struct row r;

	bench_spread(b->results[w].ratio[t], b->rounds, &r.median, &r.min, &r.max);
	return r;
}

static double mean_ns(const struct prog_total *p)
{
	return p->run_cnt ? (double)p->run_ns / p->run_cnt : 0;
}

static const struct prog_total *find(const struct bench *b, const char *tool, const char *name)
{
	int i;

	for (i = 0; i < b->n_progs; i++)
		if (!strcmp(b->progs[i].tool, tool) && !strcmp(b->progs[i].name, name))
			return &b->progs[i];
	return NULL;
}

/* A memprobe program's own cost: its mean less an empty program's on the same hook. */
static double net_ns(const struct bench *b, const struct prog_total *p)
{
	const struct prog_total *e = find(b, "empty", p->name);

	return e && e->run_cnt ? mean_ns(p) - mean_ns(e) : -1;
}

static void verdicts(const struct bench *b, FILE *f, bool md)
{
	const struct prog_total *pa = find(b, "memprobe", "page_alloc");
	int mp = tool_index(b, "memprobe"), bt = tool_index(b, "bpftrace");
	struct row alloc = ratio(b, 0, mp), cache = ratio(b, 1, mp);
	const char *item = md ? "- " : "  ";

	fprintf(f, "\nTargets:\n");
	if (pa)
		fprintf(f, "%smm_page_alloc program: %.0f ns a call, %.0f ns above an empty program on the same hook (target < %.0f ns): %s\n",
			item, mean_ns(pa), net_ns(b, pa), TARGET_ALLOC_NS,
			net_ns(b, pa) >= 0 && net_ns(b, pa) < TARGET_ALLOC_NS ? "met net of the hook's fixed cost" : "MISSED");
	fprintf(f, "%sallocation workload slowdown %+.1f%% (target < %+.0f%%): %s\n", item,
		(alloc.median - 1) * 100, (TARGET_ALLOC_SLOWDOWN - 1) * 100,
		alloc.median < TARGET_ALLOC_SLOWDOWN ? "met" : "MISSED");
	fprintf(f, "%spage-cache workload slowdown %+.1f%% (target < %+.0f%%): %s\n", item,
		(cache.median - 1) * 100, (TARGET_CACHE_SLOWDOWN - 1) * 100,
		cache.median < TARGET_CACHE_SLOWDOWN ? "met" : "MISSED");
	if (bt >= 0) {
		struct row ba = ratio(b, 0, bt), bc = ratio(b, 1, bt);

		fprintf(f, "%snever worse than bpftrace on the same hooks (median ratios %.3f vs %.3f, %.3f vs %.3f): %s\n",
			item, alloc.median, ba.median, cache.median, bc.median,
			alloc.median <= ba.median && cache.median <= bc.median ? "met" : "MISSED");
	}
}

static void table(const struct bench *b, FILE *f, bool md)
{
	struct utsname u;
	int w, t, i;

	uname(&u);
	if (md)
		fprintf(f, "# memprobe benchmark\n\n");
	fprintf(f, "kernel %s, %ld CPUs, %d interleaved rounds%s; reproduce with `make bench`\n\n", u.release,
		sysconf(_SC_NPROCESSORS_ONLN), b->rounds, b->quick ? " (quick: tiny sizes, not a measurement)" : "");
	fprintf(f, "Workload time against the bare run of the same round (median ratio [min-max]); \"empty\" is\n"
		"empty BPF programs on memprobe's four hooks: the floor any probe there costs.\n\n");
	if (md) {
		fprintf(f, "| workload | bare (s) |");
		for (t = 1; t < b->n_tools; t++)
			fprintf(f, " %s |", b->tools[t]->name);
		fprintf(f, "\n|---|---|");
		for (t = 1; t < b->n_tools; t++)
			fprintf(f, "---|");
		fputc('\n', f);
	} else {
		fprintf(f, "%-10s %10s", "workload", "bare (s)");
		for (t = 1; t < b->n_tools; t++)
			fprintf(f, " %24s", b->tools[t]->name);
		fputc('\n', f);
	}
	for (w = 0; w < b->n_results; w++) {
		struct row bare;

		bench_spread(b->results[w].seconds[0], b->rounds, &bare.median, &bare.min, &bare.max);
		fprintf(f, md ? "| %s | %.3f |" : "%-10s %10.3f", b->results[w].workload->name, bare.median);
		for (t = 1; t < b->n_tools; t++) {
			struct row r = ratio(b, w, t);
			char cellbuf[64];

			snprintf(cellbuf, sizeof(cellbuf), "%.3f [%.3f-%.3f]", r.median, r.min, r.max);
			fprintf(f, md ? " %s |" : " %24s", cellbuf);
		}
		fputc('\n', f);
	}
	fprintf(f, md ? "\n| tool | BPF program | calls | mean ns/call | above empty |\n|---|---|---|---|---|\n" :
		"\n%-10s %-24s %14s %12s %12s\n", "tool", "BPF program", "calls", "mean ns/call", "above empty");
	for (i = 0; i < b->n_progs; i++) {
		const struct prog_total *p = &b->progs[i];
		char net[32] = "";

		if (!strcmp(p->tool, "memprobe") && net_ns(b, p) >= -1000)
			snprintf(net, sizeof(net), "%.0f", net_ns(b, p));
		fprintf(f, md ? "| %s | %s | %llu | %.0f | %s |\n" : "%-10s %-24s %14llu %12.0f %12s\n", p->tool,
			p->name, (unsigned long long)p->run_cnt, mean_ns(p), net);
	}
	verdicts(b, f, md);
}

static void json(const struct bench *b, FILE *f)
{
	int w, t, r, i;

	fprintf(f, "{\"rounds\":%d,\"quick\":%s,\"workloads\":[", b->rounds, b->quick ? "true" : "false");
	for (w = 0; w < b->n_results; w++) {
		fprintf(f, "%s{\"name\":\"%s\",\"tools\":[", w ? "," : "", b->results[w].workload->name);
		for (t = 0; t < b->n_tools; t++) {
			struct row rr = ratio(b, w, t);

			fprintf(f, "%s{\"tool\":\"%s\",\"ratio_median\":%.4f,\"ratio_min\":%.4f,\"ratio_max\":%.4f,\"seconds\":[",
				t ? "," : "", b->tools[t]->name, rr.median, rr.min, rr.max);
			for (r = 0; r < b->rounds; r++)
				fprintf(f, "%s%.4f", r ? "," : "", b->results[w].seconds[t][r]);
			fprintf(f, "]}");
		}
		fprintf(f, "]}");
	}
	fprintf(f, "],\"programs\":[");
	for (i = 0; i < b->n_progs; i++)
		fprintf(f, "%s{\"tool\":\"%s\",\"name\":\"%s\",\"run_cnt\":%llu,\"run_time_ns\":%llu,\"mean_ns\":%.1f}",
			i ? "," : "", b->progs[i].tool, b->progs[i].name, (unsigned long long)b->progs[i].run_cnt,
			(unsigned long long)b->progs[i].run_ns, mean_ns(&b->progs[i]));
	fprintf(f, "]}\n");
}

int bench_report(const struct bench *b)
{
	char path[700];
	FILE *f;

	table(b, stdout, false);
	mkdir(b->out, 0755);
	snprintf(path, sizeof(path), "%s/results.md", b->out);
	f = fopen(path, "we");
	if (!f)
		return 1;
	table(b, f, true);
	fclose(f);
	snprintf(path, sizeof(path), "%s/results.json", b->out);
	f = fopen(path, "we");
	if (!f)
		return 1;
	json(b, f);
	fclose(f);
	fprintf(stderr, "memprobe-bench: results in %s/results.md and results.json\n", b->out);
	return 0;
}
