// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The benchmark's results: a table on stdout, and the same as Markdown
 * (results.md, what the README's Performance section is made from) and
 * JSON (results.json). The targets of issue 16 are checked at the end,
 * each met or missed said plainly.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"
#include "results.h"
#include "sys/util.h"

/* Hooks every page fault runs: their cost a fault is what a fault-bound service pays. */
static const char *const fault_hooks[] = { "mm_page_alloc", "rss_stat", "mm_lru_insertion" };

int tool_index(const struct bench *b, const char *name)
{
	int t;

	for (t = 0; t < b->n_tools; t++)
		if (!strcmp(b->tools[t]->name, name))
			return t;
	return -1;
}

struct row slowdown(const struct bench *b, int w, int t)
{
	struct row r = { 0, 0, 0 };

	if (t >= 0)
		bench_spread(b->results[w].ratio[t], b->rounds, &r.median, &r.min, &r.max);
	return r;
}

/* memprobe's time over the empty programs' in the same round: the part of the slowdown memprobe controls. */
struct row above_floor(const struct bench *b, int w)
{
	int mp = tool_index(b, "memprobe"), e = tool_index(b, "empty"), r;
	double v[BENCH_MAX_ROUNDS];
	struct row out = { 0, 0, 0 };

	if (mp < 0 || e < 0)
		return out;
	for (r = 0; r < b->rounds; r++)
		v[r] = b->results[w].seconds[mp][r] / b->results[w].seconds[e][r];
	bench_spread(v, b->rounds, &out.median, &out.min, &out.max);
	return out;
}

/* A tool's programs on a hook, over every workload of the calls phase. */
struct hook_cost hook_cost(const struct bench *b, const char *tool, const char *hook, int workload)
{
	struct hook_cost h = { 0, 0, "" };
	int i;

	for (i = 0; i < b->n_progs; i++) {
		const struct prog_total *p = &b->progs[i];
		size_t n = strlen(p->hook);

		if (strcmp(p->tool, tool) || (workload >= 0 && p->workload != workload))
			continue;
		/* bpftrace's programs carry the tracepoint's name cut to 15 characters. */
		if (strcmp(p->hook, hook) && !(n == 15 && !strncmp(p->hook, hook, n)))
			continue;
		h.run_ns += p->run_ns;
		h.run_cnt += p->run_cnt;
		if (!strstr(h.names, p->name) && strlen(h.names) + strlen(p->name) + 2 < sizeof(h.names))
			snprintf(h.names + strlen(h.names), sizeof(h.names) - strlen(h.names), "%s%s",
				 h.names[0] ? "+" : "", p->name);
	}
	return h;
}

double hook_ns(const struct hook_cost *h)
{
	return h->run_cnt ? (double)h->run_ns / h->run_cnt : -1;
}

/* The hooks memprobe's programs ran on, in the order first seen. */
int hooks(const struct bench *b, const char *list[], int max)
{
	int i, k, n = 0;

	for (i = 0; i < b->n_progs && n < max; i++) {
		if (strcmp(b->progs[i].tool, "memprobe") || !b->progs[i].run_cnt)
			continue;
		for (k = 0; k < n && strcmp(list[k], b->progs[i].hook); k++)
			;
		if (k == n)
			list[n++] = b->progs[i].hook;
	}
	return n;
}

struct row startup(const struct bench *b, int t)
{
	struct row r = { 0, 0, 0 };

	if (t >= 0 && b->n_startup[t])
		bench_spread(b->startup_ms[t], b->n_startup[t], &r.median, &r.min, &r.max);
	return r;
}

const struct footprint *footprint(const struct bench *b, const char *tool)
{
	int i;

	for (i = 0; i < b->n_footprints; i++)
		if (!strcmp(b->footprints[i].tool, tool))
			return &b->footprints[i];
	return NULL;
}

double share(double cpu_s, double wall_s)
{
	return wall_s > 0 ? cpu_s / wall_s : 0;
}

double lossless_rate(const struct bench *b)
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

static void cpu_model(char *buf, size_t len)
{
	char text[8192], *p, *end;

	snprintf(buf, len, "unknown CPU");
	if (read_text("/proc/cpuinfo", text, sizeof(text)) <= 0 || !(p = strstr(text, "model name")) ||
	    !(p = strchr(p, ':')))
		return;
	for (p++; *p == ' ' || *p == '\t'; p++)
		;
	end = strchr(p, '\n');
	snprintf(buf, len, "%.*s", end ? (int)(end - p) : (int)strlen(p), p);
}

static void header(const struct bench *b, FILE *f, bool md)
{
	char date[32], cpu[128];
	struct utsname u;
	time_t now = time(NULL);

	uname(&u);
	cpu_model(cpu, sizeof(cpu));
	strftime(date, sizeof(date), "%Y-%m-%d", localtime(&now));
	if (md)
		fprintf(f, "# memprobe benchmark\n\n");
	fprintf(f, "%s, kernel %s, %s (%ld CPUs), %d interleaved rounds%s; made by `make bench` in %.0f s\n", date,
		u.release, cpu, sysconf(_SC_NPROCESSORS_ONLN), b->rounds,
		b->quick ? " (quick: tiny sizes, not a measurement)" : "", bench_now() - b->started);
}

static void slowdowns(const struct bench *b, FILE *f, bool md)
{
	int w, t;

	fprintf(f, "\nSlowdown, BPF statistics off: each workload's time against the bare run of the same round\n"
		"(median ratio [min-max]). \"empty\" is empty BPF programs on memprobe's hooks: the floor any probe\n"
		"there costs. \"above the floor\" is memprobe's time over the empty programs' in the same round:\n"
		"the part memprobe controls. \"no-fault\" is memprobe --no-fault-probes, the always-on mode: nothing\n"
		"of it runs on a page fault.\n\n");
	if (md) {
		fprintf(f, "| workload | bare (s) |");
		for (t = 1; t < b->n_tools; t++)
			fprintf(f, " %s |", b->tools[t]->name);
		fprintf(f, " memprobe above the floor |\n|---|---|");
		for (t = 1; t < b->n_tools; t++)
			fprintf(f, "---|");
		fprintf(f, "---|\n");
	} else {
		fprintf(f, "%-10s %9s", "workload", "bare (s)");
		for (t = 1; t < b->n_tools; t++)
			fprintf(f, " %22s", b->tools[t]->name);
		fprintf(f, " %26s\n", "memprobe above the floor");
	}
	for (w = 0; w < b->n_results; w++) {
		struct row bare, fl = above_floor(b, w);
		char cell[64];

		bench_spread(b->results[w].seconds[0], b->rounds, &bare.median, &bare.min, &bare.max);
		fprintf(f, md ? "| %s | %.3f |" : "%-10s %9.3f", b->results[w].workload->name, bare.median);
		for (t = 1; t < b->n_tools; t++) {
			struct row r = slowdown(b, w, t);

			snprintf(cell, sizeof(cell), "%.3f [%.3f-%.3f]", r.median, r.min, r.max);
			fprintf(f, md ? " %s |" : " %22s", cell);
		}
		snprintf(cell, sizeof(cell), "%+.1f%% [%+.1f%%..%+.1f%%]", (fl.median - 1) * 100, (fl.min - 1) * 100,
			 (fl.max - 1) * 100);
		fprintf(f, md ? " %s |\n" : " %26s\n", cell);
	}
	for (w = 0; w < b->n_results; w++)
		if (b->results[w].stats_disturbed)
			fprintf(f, "\nNote: kernel.bpf_stats_enabled was found on during the %s rounds (another run on this machine?): those ratios include the statistics' cost.\n",
				b->results[w].workload->name);
	fprintf(f, "\nWorkloads: ");
	for (w = 0; w < b->n_results; w++)
		fprintf(f, "%s%s: %s (%.0f page faults a run)", w ? "; " : "", b->results[w].workload->name,
			b->results[w].workload->what, b->results[w].faults);
	fprintf(f, ".\n");
}

static void calls(const struct bench *b, FILE *f, bool md)
{
	const char *list[16];
	int n = hooks(b, list, 16), i, k, svc = BENCH_WORKLOADS - 1, ran = 0;
	double fault_s, rest = 0;

	if (!b->have_stats || !n) {
		fprintf(f, "\nCost per call: not measured (kernel.bpf_stats_enabled could not be set).\n");
		return;
	}
	fprintf(f, "\nCost per call, BPF statistics on (a phase of its own: every workload once under each tool, and %s:\n"
		"%s, for the reclaim programs):\n\n", bench_reclaim_workload.name, bench_reclaim_workload.what);
	fprintf(f, md ? "| hook | memprobe program | ns a call | empty program | above empty | x empty | bpftrace |\n|---|---|---|---|---|---|---|\n" :
		"%-34s %-22s %9s %7s %11s %7s %9s\n", "hook", "memprobe program", "ns a call", "empty", "above empty",
		"x empty", "bpftrace");
	for (i = 0; i < n; i++) {
		struct hook_cost m = hook_cost(b, "memprobe", list[i], -1), e = hook_cost(b, "empty", list[i], -1),
				 t = hook_cost(b, "bpftrace", list[i], -1);
		char en[16] = "-", ab[16] = "-", x[16] = "-", bt[16] = "-";

		if (hook_ns(&e) >= 0) {
			snprintf(en, sizeof(en), "%.0f", hook_ns(&e));
			snprintf(ab, sizeof(ab), "%.0f", hook_ns(&m) - hook_ns(&e));
			snprintf(x, sizeof(x), "%.1f", hook_ns(&m) / hook_ns(&e));
		}
		if (hook_ns(&t) >= 0)
			snprintf(bt, sizeof(bt), "%.0f", hook_ns(&t));
		fprintf(f, md ? "| %s | %s | %.0f | %s | %s | %s | %s |\n" : "%-34s %-22s %9.0f %7s %11s %7s %9s\n",
			list[i], m.names, hook_ns(&m), en, ab, x, bt);
	}
	/* What each per-fault program costs the fault-bound service, from its own faults. */
	fault_s = b->results[svc].faults > 0 ? b->results[svc].seconds[0][0] / b->results[svc].faults : 0;
	if (fault_s <= 0)
		return;
	{
		struct row bare;

		bench_spread(b->results[svc].seconds[0], b->rounds, &bare.median, &bare.min, &bare.max);
		fault_s = bare.median / b->results[svc].faults;
	}
	/*
	 * A 4 KiB anonymous fault allocates one page, raises one RSS counter
	 * and puts one folio on an LRU list: each per-fault hook runs once.
	 * (The programs' call counts cannot say it: they count the whole
	 * machine's faults while the workload runs.)
	 */
	fprintf(f, "\nWhat the per-fault programs cost the %s workload: a fault (with its request's share of the work) takes %.2f us bare,\n"
		"and runs each per-fault hook once:\n%s", b->results[svc].workload->name, fault_s * 1e6, md ? "\n" : "");
	for (k = 0; k < (int)(sizeof(fault_hooks) / sizeof(fault_hooks[0])); k++) {
		struct hook_cost m = hook_cost(b, "memprobe", fault_hooks[k], svc), e = hook_cost(b, "empty", fault_hooks[k], svc);
		double net = hook_ns(&m) - (hook_ns(&e) > 0 ? hook_ns(&e) : 0);

		if (!m.run_cnt)
			continue;
		fprintf(f, "%s%s (%s): %.0f ns a call, %.0f above an empty program: %.2f%% of a fault, %.2f%% above the floor\n",
			md ? "- " : "  ", fault_hooks[k], m.names, hook_ns(&m), net, 100 * hook_ns(&m) * 1e-9 / fault_s,
			100 * net * 1e-9 / fault_s);
		rest += net * 1e-9;
		ran++;
	}
	fprintf(f, "%sall per-fault programs above the floor: %.2f%% of a fault, by the programs' own account\n",
		md ? "- " : "  ", 100 * rest / fault_s);
	/* An empty program's "ns a call" is the statistics' clock reads; the floor's real cost is its dispatch. */
	if (b->dispatch.rounds && ran)
		fprintf(f, "%sthe floor itself, a program's dispatch with the statistics off (which they never see): %.0f ns a hook [quartiles %.0f-%.0f], %d hooks: %.2f%% of a fault\n",
			md ? "- " : "  ", b->dispatch.median_ns, b->dispatch.q1_ns, b->dispatch.q3_ns, ran,
			100 * ran * b->dispatch.median_ns * 1e-9 / fault_s);
}

static void extras(const struct bench *b, FILE *f, bool md)
{
	int t, i;

	fprintf(f, md ? "\n| tool | start-up ms, launch to ready (median [min-max]) | peak RSS MiB | RSS under load MiB | CPU under load |\n"
			"|---|---|---|---|---|\n" :
			"\n%-10s %30s %13s %19s %15s\n", "tool", "start-up ms [min-max]", "peak RSS MiB",
		"RSS under load MiB", "CPU under load");
	for (t = 0; t < b->n_tools; t++) {
		const struct footprint *fp = footprint(b, b->tools[t]->name);
		struct row st = startup(b, t);
		char sbuf[48] = "-", cpu[24];

		if (!fp && !b->n_startup[t])
			continue;
		if (b->n_startup[t])
			snprintf(sbuf, sizeof(sbuf), "%.0f [%.0f-%.0f] of %d", st.median, st.min, st.max, b->n_startup[t]);
		snprintf(cpu, sizeof(cpu), "%.2f%%", fp ? 100 * share(fp->busy_cpu_s, fp->busy_wall_s) : 0);
		fprintf(f, md ? "| %s | %s | %.1f | %.1f | %s |\n" : "%-10s %30s %13.1f %19.1f %15s\n",
			b->tools[t]->name, sbuf, fp ? fp->peak_kb / 1024.0 : 0, fp ? fp->busy_rss_kb / 1024.0 : 0, cpu);
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

static void phases(const struct bench *b, FILE *f)
{
	static const char *const names[] = { "slowdown", "cost per call", "growth stacks", "start-up", "event path",
					     "scale", "scrapes" };
	int i;

	fprintf(f, "\nPhases:");
	for (i = 0; i < 7; i++)
		fprintf(f, "%s %s %.0f s", i ? "," : "", names[i], b->phase_s[i]);
	fprintf(f, "; in all %.0f s.\n", bench_now() - b->started);
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
	header(b, f, md);
	if (b->scrape_only) {
		scrapes(b, f, md);
		return;
	}
	slowdowns(b, f, md);
	calls(b, f, md);
	extras(b, f, md);
	bench_report_scale(b, f, md);
	scrapes(b, f, md);
	bench_targets(b, f, md);
	phases(b, f);
}

static void json(const struct bench *b, FILE *f)
{
	int w, t, r, i;

	fprintf(f, "{\"rounds\":%d,\"quick\":%s,\"seconds\":%.1f,\"workloads\":[", b->rounds, b->quick ? "true" : "false",
		bench_now() - b->started);
	for (w = 0; w < b->n_results; w++) {
		struct row fl = above_floor(b, w);

		fprintf(f, "%s{\"name\":\"%s\",\"faults\":%.0f,\"stats_disturbed\":%s,\"above_floor_median\":%.4f,"
			"\"above_floor_min\":%.4f,\"above_floor_max\":%.4f,\"tools\":[", w ? "," : "",
			b->results[w].workload->name, b->results[w].faults, b->results[w].stats_disturbed ? "true" : "false",
			fl.median, fl.min, fl.max);
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
	for (i = 0; i < b->n_progs; i++) {
		const struct prog_total *p = &b->progs[i];

		fprintf(f, "%s{\"workload\":\"%s\",\"tool\":\"%s\",\"name\":\"%s\",\"hook\":\"%s\",\"run_cnt\":%llu,"
			"\"run_time_ns\":%llu,\"mean_ns\":%.1f}", i ? "," : "", (p->workload < BENCH_WORKLOADS ? &bench_workloads[p->workload] : &bench_reclaim_workload)->name, p->tool,
			p->name, p->hook, (unsigned long long)p->run_cnt, (unsigned long long)p->run_ns,
			p->run_cnt ? (double)p->run_ns / p->run_cnt : 0);
	}
	fprintf(f, "],\"tools\":[");
	for (t = 0; t < b->n_tools; t++) {
		const struct footprint *fp = footprint(b, b->tools[t]->name);
		struct row st = startup(b, t);

		fprintf(f, "%s{\"tool\":\"%s\",\"startup_ms_median\":%.1f,\"startup_ms_min\":%.1f,\"startup_ms_max\":%.1f,"
			"\"peak_rss_kb\":%llu,\"busy_rss_kb\":%llu,\"busy_cpu_share\":%.5f}", t ? "," : "",
			b->tools[t]->name, st.median, st.min, st.max, fp ? (unsigned long long)fp->peak_kb : 0ULL,
			fp ? (unsigned long long)fp->busy_rss_kb : 0ULL, fp ? share(fp->busy_cpu_s, fp->busy_wall_s) : 0);
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
	fprintf(f, "],\"lossless_rate\":%.0f,\"dispatch\":{\"pairs\":%d,\"median_ns\":%.1f,\"q1_ns\":%.1f,\"q3_ns\":%.1f,"
		"\"getppid_ns\":%.1f},", lossless_rate(b), b->dispatch.rounds, b->dispatch.median_ns, b->dispatch.q1_ns,
		b->dispatch.q3_ns, b->dispatch.syscall_ns);
	bench_json_scale(b, f);
	fprintf(f, "}\n");
}

int bench_report(const struct bench *b)
{
	char path[700];
	FILE *f;

	table(b, stdout, false);
	bench_stacks_table(b, stdout, false);
	mkdir(b->out, 0755);
	snprintf(path, sizeof(path), "%s/results.md", b->out);
	f = fopen(path, "we");
	if (!f)
		return 1;
	table(b, f, true);
	bench_stacks_table(b, f, true);
	fclose(f);
	snprintf(path, sizeof(path), "%s/results.json", b->out);
	f = fopen(path, "we");
	if (!f)
		return 1;
	json(b, f);
	fclose(f);
	snprintf(path, sizeof(path), "%s/stacks.json", b->out);
	f = fopen(path, "we");
	if (!f)
		return 1;
	bench_stacks_json(b, f);
	fclose(f);
	fprintf(stderr, "memprobe-bench: results in %s/results.md and results.json\n", b->out);
	return 0;
}
