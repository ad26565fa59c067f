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
#define TARGET_STARTUP_MS	100.0
#define TARGET_STEADY_KB	(8 * 1024)
#define TARGET_PEAK_KB		(16 * 1024)
#define TARGET_IDLE_CPU		0.01
#define TARGET_LOSSLESS_RATE	100000.0

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

static struct row slowdown(const struct bench *b, int w, int t)
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

static struct row startup(const struct bench *b, int t)
{
	struct row r = { 0, 0, 0 };

	if (t >= 0 && b->n_startup[t])
		bench_spread(b->startup_ms[t], b->n_startup[t], &r.median, &r.min, &r.max);
	return r;
}

static const struct footprint *footprint(const struct bench *b, const char *tool)
{
	int i;

	for (i = 0; i < b->n_footprints; i++)
		if (!strcmp(b->footprints[i].tool, tool))
			return &b->footprints[i];
	return NULL;
}

static double share(double cpu_s, double wall_s)
{
	return wall_s > 0 ? cpu_s / wall_s : 0;
}

/* The highest rate that lost nothing and had every event reported; 0 if none. */
static double lossless_rate(const struct bench *b)
{
	double best = 0;
	int i;

	for (i = 0; i < b->n_event_rates; i++) {
		const struct event_rate *e = &b->event_rates[i];

		if (e->sent && !e->lost && e->reported >= e->sent && e->achieved > best)
			best = e->achieved;
	}
	return best;
}

static void verdicts(const struct bench *b, FILE *f, bool md)
{
	const struct prog_total *pa = find(b, "memprobe", "page_alloc");
	int mp = tool_index(b, "memprobe"), bt = tool_index(b, "bpftrace");
	struct row alloc = slowdown(b, 0, mp), cache = slowdown(b, 1, mp);
	const char *item = md ? "- " : "  ";
	const struct footprint *fp;

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
		struct row ba = slowdown(b, 0, bt), bc = slowdown(b, 1, bt);

		fprintf(f, "%snever worse than bpftrace on the same hooks (median ratios %.3f vs %.3f, %.3f vs %.3f): %s\n",
			item, alloc.median, ba.median, cache.median, bc.median,
			alloc.median <= ba.median && cache.median <= bc.median ? "met" : "MISSED");
	}
	if (b->n_startup[mp]) {
		struct row st = startup(b, mp);

		fprintf(f, "%sstart-up %.0f ms to the start record (target < %.0f ms): %s\n", item, st.median,
			TARGET_STARTUP_MS, st.median < TARGET_STARTUP_MS ? "met" : "MISSED");
	}
	fp = footprint(b, "memprobe");
	if (fp) {
		__u64 steady = fp->idle_rss_kb > fp->busy_rss_kb ? fp->idle_rss_kb : fp->busy_rss_kb;

		fprintf(f, "%ssteady RSS %.1f MiB (target < %.0f MiB): %s\n", item, steady / 1024.0,
			TARGET_STEADY_KB / 1024.0, steady && steady < TARGET_STEADY_KB ? "met" : "MISSED");
		fprintf(f, "%speak RSS %.1f MiB (target < %.0f MiB): %s\n", item, fp->peak_kb / 1024.0,
			TARGET_PEAK_KB / 1024.0, fp->peak_kb && fp->peak_kb < TARGET_PEAK_KB ? "met" : "MISSED");
		if (fp->idle_wall_s > 0)
			fprintf(f, "%sagent CPU %.2f%% of a core at the default interval (target < %.0f%%): %s\n", item,
				100 * share(fp->idle_cpu_s, fp->idle_wall_s), 100 * TARGET_IDLE_CPU,
				share(fp->idle_cpu_s, fp->idle_wall_s) < TARGET_IDLE_CPU ? "met" : "MISSED");
	}
	if (b->n_event_rates)
		fprintf(f, "%shighest event rate with nothing lost: %.0f/s (target >= %.0f/s): %s\n", item,
			lossless_rate(b), TARGET_LOSSLESS_RATE,
			lossless_rate(b) >= TARGET_LOSSLESS_RATE * 0.95 ? "met" : "MISSED");
}

static void extras(const struct bench *b, FILE *f, bool md)
{
	int t, i;

	fprintf(f, md ? "\n| tool | start-up ms (median [min-max]) | peak RSS MiB | RSS under load MiB | CPU under load |\n"
			"|---|---|---|---|---|\n" :
			"\n%-10s %26s %13s %19s %15s\n", "tool", "start-up ms [min-max]", "peak RSS MiB",
		"RSS under load MiB", "CPU under load");
	for (t = 0; t < b->n_tools; t++) {
		const struct footprint *fp = footprint(b, b->tools[t]->name);
		struct row st = startup(b, t);
		char sbuf[48], cpu[24];

		if (!fp && !b->n_startup[t])
			continue;
		snprintf(sbuf, sizeof(sbuf), "%.0f [%.0f-%.0f]", st.median, st.min, st.max);
		snprintf(cpu, sizeof(cpu), "%.2f%%", fp ? 100 * share(fp->busy_cpu_s, fp->busy_wall_s) : 0);
		fprintf(f, md ? "| %s | %s | %.1f | %.1f | %s |\n" : "%-10s %26s %13.1f %19.1f %15s\n",
			b->tools[t]->name, sbuf, fp ? fp->peak_kb / 1024.0 : 0, fp ? fp->busy_rss_kb / 1024.0 : 0, cpu);
	}
	if (footprint(b, "memprobe") && footprint(b, "memprobe")->idle_wall_s > 0) {
		const struct footprint *fp = footprint(b, "memprobe");

		fprintf(f, "\nmemprobe watching the whole machine at its default interval for %.0f s: RSS %.1f MiB, CPU %.2f%% of a core\n",
			fp->idle_wall_s, fp->idle_rss_kb / 1024.0, 100 * share(fp->idle_cpu_s, fp->idle_wall_s));
	}
	if (!b->n_event_rates)
		return;
	fprintf(f, md ? "\nEvent path (SysV create/remove storms):\n\n| asked/s | achieved/s | events | reported | lost_events |\n|---|---|---|---|---|\n" :
			"\nEvent path (SysV create/remove storms):\n%10s %12s %10s %10s %12s\n",
		"asked/s", "achieved/s", "events", "reported", "lost_events");
	for (i = 0; i < b->n_event_rates; i++) {
		const struct event_rate *e = &b->event_rates[i];

		fprintf(f, md ? "| %.0f | %.0f | %lu | %lu | %lu |\n" : "%10.0f %12.0f %10lu %10lu %12lu\n", e->target,
			e->achieved, e->sent, e->reported, e->lost);
	}
}

static void scrapes(const struct bench *b, FILE *f, bool md)
{
	int i;

	if (!b->n_scrape)
		return;
	fprintf(f, "\nOne scrape of /metrics (--listen) with %d cgroups exported (%zu with series), memprobe's CPU:\n%s",
		b->scrape_cgroups, b->scrape_series,
		md ? "\n| format | first after a sample (renders) | again (served as rendered) | bytes |\n|---|---|---|---|\n" :
		     "");
	if (!md)
		fprintf(f, "%-20s %20s %20s %12s\n", "format", "first (renders) ms", "again ms", "bytes");
	for (i = 0; i < b->n_scrape; i++)
		fprintf(f, md ? "| %s | %.2f ms | %.3f ms | %zu |\n" : "%-20s %20.2f %20.3f %12zu\n", b->scrape[i].name,
			b->scrape[i].first_cpu_ms, b->scrape[i].again_cpu_ms, b->scrape[i].bytes);
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
	if (b->scrape_only) {
		scrapes(b, f, md);
		return;
	}
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
			struct row r = slowdown(b, w, t);
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
	extras(b, f, md);
	scrapes(b, f, md);
	verdicts(b, f, md);
}

static void json(const struct bench *b, FILE *f)
{
	int w, t, r, i;

	fprintf(f, "{\"rounds\":%d,\"quick\":%s,\"workloads\":[", b->rounds, b->quick ? "true" : "false");
	for (w = 0; w < b->n_results; w++) {
		fprintf(f, "%s{\"name\":\"%s\",\"tools\":[", w ? "," : "", b->results[w].workload->name);
		for (t = 0; t < b->n_tools; t++) {
			struct row rr = slowdown(b, w, t);

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
	fprintf(f, "],\"tools\":[");
	for (t = 0; t < b->n_tools; t++) {
		const struct footprint *fp = footprint(b, b->tools[t]->name);
		struct row st = startup(b, t);

		fprintf(f, "%s{\"tool\":\"%s\",\"startup_ms_median\":%.1f,\"startup_ms_min\":%.1f,\"startup_ms_max\":%.1f,"
			"\"peak_rss_kb\":%llu,\"busy_rss_kb\":%llu,\"busy_cpu_share\":%.5f,\"idle_rss_kb\":%llu,"
			"\"idle_cpu_share\":%.5f}", t ? "," : "", b->tools[t]->name, st.median, st.min, st.max,
			fp ? (unsigned long long)fp->peak_kb : 0ULL, fp ? (unsigned long long)fp->busy_rss_kb : 0ULL,
			fp ? share(fp->busy_cpu_s, fp->busy_wall_s) : 0, fp ? (unsigned long long)fp->idle_rss_kb : 0ULL,
			fp ? share(fp->idle_cpu_s, fp->idle_wall_s) : 0);
	}
	fprintf(f, "],\"event_rates\":[");
	for (i = 0; i < b->n_event_rates; i++) {
		const struct event_rate *e = &b->event_rates[i];

		fprintf(f, "%s{\"asked\":%.0f,\"achieved\":%.0f,\"events\":%lu,\"reported\":%lu,\"lost_events\":%lu}",
			i ? "," : "", e->target, e->achieved, e->sent, e->reported, e->lost);
	}
	fprintf(f, "],\"scrape_cgroups\":%d,\"scrapes\":[", b->scrape_cgroups);
	for (i = 0; i < b->n_scrape; i++)
		fprintf(f, "%s{\"format\":\"%s\",\"first_cpu_ms\":%.3f,\"again_cpu_ms\":%.4f,\"bytes\":%zu}", i ? "," : "",
			b->scrape[i].name, b->scrape[i].first_cpu_ms, b->scrape[i].again_cpu_ms, b->scrape[i].bytes);
	fprintf(f, "],\"lossless_rate\":%.0f}\n", lossless_rate(b));
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
