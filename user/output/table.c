// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The default output, for people: a row per cgroup every interval, in the
 * spirit of the monitor scripts users watch today (a figure that moved gets
 * an arrow and its delta), the top processes under it, and a readable
 * summary at the end.
 */
#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "output/sink.h"
#include "output/escape.h"
#include "output/sentences.h"
#include "sys/format.h"
#include "sys/util.h"

#define HEADER_EVERY	20	/* intervals between repeated column headers */
#define CGROUP_WIDTH	26
#define PROC_ROWS	5	/* processes under each cgroup row, at most */

#define ESC_LEN		(4 * 4096 + 1)	/* a path, every byte of it escaped */

struct table {
	unsigned int rows_since_header;
	unsigned int intervals;
	bool machine;
	char esc[4][ESC_LEN];		/* names from the system, escaped for the terminal */
};

/* A name from the system, escaped into the sink's scratch slot i (up to 4 in one printf). */
#define SAFE(s, i, str)	escape_text(((struct table *)(s)->priv)->esc[i], ESC_LEN, (str))

/* "↑2.0MiB" or "↓512.0KiB"; nothing for no change. */
static const char *delta(char *buf, size_t len, double d)
{
	char b[32];

	if (d > -0.5 && d < 0.5) {
		buf[0] = '\0';
		return buf;
	}
	snprintf(buf, len, "%s%s", d > 0 ? "\u2191" : "\u2193", fmt_bytes(b, sizeof(b), d > 0 ? d : -d));
	return buf;
}

/* printf pads by bytes; the arrows are three bytes wide but one column. */
static void cell(FILE *out, const char *s, int width, bool left)
{
	int cols = 0, i;
	const char *p;

	for (p = s; *p; p++)
		cols += ((unsigned char)*p & 0xc0) != 0x80;
	if (!left)
		for (i = cols; i < width; i++)
			fputc(' ', out);
	fputs(s, out);
	if (left)
		for (i = cols; i < width; i++)
			fputc(' ', out);
}

/* A figure and, if it moved, its arrow, in one left-aligned cell. */
static void moving(FILE *out, double now, double change, int width)
{
	char a[32], b[32], both[72];

	snprintf(both, sizeof(both), "%s %s", fmt_bytes(a, sizeof(a), now), delta(b, sizeof(b), change));
	cell(out, both, width, true);
}

/* Long cgroup paths keep their tail, which names the service. */
static const char *cgname(char *buf, size_t width, const char *name)
{
	size_t n = strlen(name);

	if (n <= width)
		snprintf(buf, width + 1, "%s", name);
	else
		snprintf(buf, width + 4, "\u2026%s", name + n - (width - 1));
	return buf;
}

static int done(struct sink *s)
{
	if (fflush(s->out) || ferror(s->out))
		return errno ? -errno : -EIO;
	return 0;
}

static int table_start(struct sink *s, const struct rec_start *r)
{
	struct table *t = s->priv;
	size_t i;

	t->machine = r->machine;
	fprintf(s->out, "memprobe %s: ", r->version);
	if (r->machine)
		fprintf(s->out, "watching the whole machine (largest cgroups shown)");
	else
		for (i = 0; i < r->n_targets; i++)
			fprintf(s->out, "%s%s", i ? ", " : "watching ", SAFE(s, 0, r->targets[i].cgroup));
	fprintf(s->out, "; memory controller on cgroup v%d at %s; every %gs. Ctrl-C for the summary.\n",
		r->cgroup_version, SAFE(s, 0, r->memory_root), r->interval_s);
	if (r->agent) {
		char m[32];

		fprintf(s->out, "memprobe's %u BPF maps hold %s of kernel memory.\n", r->agent->maps,
			fmt_bytes(m, sizeof(m), (double)r->agent->map_bytes));
	}
	return done(s);
}

static void header(struct sink *s)
{
	fprintf(s->out, "%-8s  %-*s  %-19s %-9s %-19s %-19s %-9s %-8s %-17s %-7s %9s %10s\n", "TIME", CGROUP_WIDTH,
		"CGROUP", "ANON", "SHMEM", "PAGE CACHE", "CACHE IN/OUT", "ALLOC/s", "VERDICT", "HIGH/MAX", "OOM IN",
		"AVAILABLE", "BUFF/CACHE");
}

/* "12.5%", or "-" until two readings of the process are had. */
static const char *cpu(char *buf, size_t len, const struct rec_proc *p)
{
	if (!p->cpu_known)
		return "-";
	snprintf(buf, len, "%.1f%%", p->cpu_percent);
	return buf;
}

static void process_row(struct sink *s, const struct rec_proc *p)
{
	char a[32], b[32], c[32], line[64];

	fprintf(s->out, "          \u2514 %7u %-15s RSS ", p->pid, SAFE(s, 0, p->comm));
	moving(s->out, (double)p->rss_bytes, (double)p->rss_growth_bytes, 19);
	fprintf(s->out, " VMS %-9s SHR %-9s CPU %6s  anon %s", fmt_bytes(a, sizeof(a), (double)p->vms_bytes),
		fmt_bytes(b, sizeof(b), (double)p->shared_bytes), cpu(line, sizeof(line), p),
		fmt_bytes(c, sizeof(c), (double)p->anon_bytes));
	if (p->anon_growth_bytes) {
		snprintf(line, sizeof(line), " (%s since first seen)", delta(a, sizeof(a), (double)p->anon_growth_bytes));
		fputs(line, s->out);
	}
	if (strcmp(p->verdict.verdict, "normal"))
		fprintf(s->out, "  %s", p->verdict.verdict);
	fputc('\n', s->out);
}

/* When the cgroup reaches memory.max at its present rate (the machine: MemAvailable runs out); "-" never. */
static const char *oom_in(char *buf, size_t len, const struct rec_sample *r)
{
	double eta = r->machine ? r->mem_available_eta_s : r->health.forecast.known ? r->health.forecast.oom_eta_s : -1;

	if (eta < 0)
		return "-";
	return eta > 0 ? fmt_duration(buf, len, eta) : "now";
}

static int table_samples(struct sink *s, const struct rec_sample *r, size_t n)
{
	struct table *t = s->priv;
	char when[16], name[CGROUP_WIDTH * 4], a[32], b[32], c[32], d[32], e[32], io[72], al[40], lim[72], eta[32];
	time_t sec;
	size_t i, j;

	if (!n)
		return 0;
	if (t->rows_since_header == 0 || t->rows_since_header >= HEADER_EVERY || n > 1 || r[0].n_top_processes) {
		if (t->intervals && (n > 1 || r[0].n_top_processes))
			fputc('\n', s->out);
		header(s);
		t->rows_since_header = 0;
	}
	t->intervals++;
	sec = (time_t)r[0].ts;
	strftime(when, sizeof(when), "%H:%M:%S", localtime(&sec));
	for (i = 0; i < n; i++) {
		fprintf(s->out, "%-8s  ", when);
		cell(s->out, cgname(name, CGROUP_WIDTH, SAFE(s, 0, r[i].cgroup)), CGROUP_WIDTH, true);
		fputs("  ", s->out);
		moving(s->out, (double)r[i].anon_bytes, (double)r[i].anon_delta_bytes, 19);
		fprintf(s->out, " %-9s ", fmt_bytes(a, sizeof(a), (double)r[i].shmem_bytes));
		moving(s->out, (double)r[i].page_cache_bytes, (double)r[i].page_cache_delta_bytes, 19);
		snprintf(io, sizeof(io), "%s/%s", fmt_bytes(b, sizeof(b), (double)r[i].page_cache_added_bytes),
			 fmt_bytes(c, sizeof(c), (double)r[i].page_cache_removed_bytes));
		snprintf(al, sizeof(al), "%s", r[i].alloc_known ? fmt_bytes(d, sizeof(d), r[i].alloc_bytes_per_s) : "-");
		fprintf(s->out, " %-19s %-9s %-8s %-17s %-7s %9s %10s\n", io, al, r[i].verdict.verdict,
			say_limit_cell(lim, sizeof(lim), &r[i].health.limits), oom_in(eta, sizeof(eta), &r[i]),
			fmt_bytes(e, sizeof(e), (double)r[i].mem_available_bytes),
			fmt_bytes(a, sizeof(a), (double)r[i].buff_cache_bytes));
		t->rows_since_header++;
		for (j = 0; !t->machine && j < r[i].n_top_processes && j < PROC_ROWS; j++)
			process_row(s, &r[i].top_processes[j]);
	}
	return done(s);
}

static void summary_files(struct sink *s, const struct rec_summary *r)
{
	char a[32], b[32], c[32];
	size_t i;

	if (!r->n_top_files) {
		fprintf(s->out, "  no file brought pages into this cgroup's cache during the run\n");
		return;
	}
	fprintf(s->out, "  files whose pages entered or left its cache (probes; CACHED: the file's pages in the cache now):\n");
	fprintf(s->out, "    %10s %10s %10s  %s\n", "IN", "OUT", "CACHED", "PATH");
	for (i = 0; i < r->n_top_files; i++) {
		const struct rec_file *f = &r->top_files[i];

		fprintf(s->out, "    %10s %10s %10s  %s", fmt_bytes(a, sizeof(a), f->added_bytes),
			fmt_bytes(b, sizeof(b), f->removed_bytes),
			f->cached_bytes >= 0 ? fmt_bytes(c, sizeof(c), f->cached_bytes) : "?", SAFE(s, 0, f->path));
		/* A hard-linked file: path is its readers' name where they still have it, else the one looked up last. */
		if (f->links > 1)
			fprintf(s->out, " (one of its %u names)", f->links);
		fputc('\n', s->out);
	}
}

static void summary_cache_procs(struct sink *s, const struct rec_summary *r)
{
	char a[32];
	size_t i;

	if (!r->n_cache_processes)
		return;
	fprintf(s->out, "  processes that brought pages into its cache:\n");
	fprintf(s->out, "    %8s %-16s %10s\n", "PID", "COMM", "IN");
	for (i = 0; i < r->n_cache_processes; i++)
		fprintf(s->out, "    %8u %-16s %10s\n", r->cache_processes[i].pid,
			SAFE(s, 0, r->cache_processes[i].comm), fmt_bytes(a, sizeof(a), r->cache_processes[i].added_bytes));
}

static void summary_procs(struct sink *s, const struct rec_proc *p, size_t n, bool exited)
{
	char a[32], b[32], c[32], d[32], e[32], f[32], g[32];
	size_t i;

	if (!n)
		return;
	if (exited) {
		fprintf(s->out, "  processes that exited during the run (peaks the probe saw):\n");
		fprintf(s->out, "    %8s %-16s %10s %10s\n", "PID", "COMM", "PEAK RSS", "PEAK ANON");
		for (i = 0; i < n; i++)
			fprintf(s->out, "    %8u %-16s %10s %10s\n", p[i].pid, SAFE(s, 0, p[i].comm),
				fmt_bytes(a, sizeof(a), (double)p[i].peak_rss_bytes),
				fmt_bytes(b, sizeof(b), (double)p[i].peak_anon_bytes));
		return;
	}
	fprintf(s->out, "  processes (RSS now; GROWTH since memprobe first saw them):\n");
	fprintf(s->out, "    %8s %-16s %10s %10s %10s %7s %10s %11s %10s  %s\n", "PID", "COMM", "RSS", "VMS",
		"SHARED", "CPU", "ANON", "ANON GROWTH", "PEAK RSS", "VERDICT");
	for (i = 0; i < n; i++)
		fprintf(s->out, "    %8u %-16s %10s %10s %10s %7s %10s %11s %10s  %s\n", p[i].pid, SAFE(s, 0, p[i].comm),
			fmt_bytes(a, sizeof(a), (double)p[i].rss_bytes), fmt_bytes(b, sizeof(b), (double)p[i].vms_bytes),
			fmt_bytes(c, sizeof(c), (double)p[i].shared_bytes), cpu(g, sizeof(g), &p[i]),
			fmt_bytes(d, sizeof(d), (double)p[i].anon_bytes),
			fmt_bytes(e, sizeof(e), (double)p[i].anon_growth_bytes),
			fmt_bytes(f, sizeof(f), (double)p[i].peak_rss_bytes), p[i].verdict.verdict);
}

static void summary_shm(struct sink *s, const struct rec_summary *r)
{
	char a[32], b[32], c[32];
	size_t i, k;

	if (r->oom_kills)
		fprintf(s->out, "  OOM kills   %llu\n", (unsigned long long)r->oom_kills);
	if (r->sysv_shm_segments || r->shm_orphans)
		fprintf(s->out, "  SysV shm    %llu segments created by its processes still exist (%s), %llu orphaned\n",
			(unsigned long long)r->sysv_shm_segments, fmt_bytes(a, sizeof(a), (double)r->sysv_shm_bytes),
			(unsigned long long)r->shm_orphans);
	if (!r->n_posix_shm)
		return;
	fprintf(s->out, "  POSIX shm   %s charged to it in files under /dev/shm (MEMORY: the file's; CHARGED: its share):\n",
		fmt_bytes(a, sizeof(a), (double)r->posix_shm_bytes));
	fprintf(s->out, "    %10s %10s  %s\n", "MEMORY", "CHARGED", "PATH (charged to; its processes using it)");
	for (i = 0; i < r->n_posix_shm; i++) {
		const struct rec_posix_shm *f = &r->posix_shm[i];

		fprintf(s->out, "    %10s %10s  %s%s  (%s%s", fmt_bytes(b, sizeof(b), (double)f->memory_bytes),
			fmt_bytes(c, sizeof(c), (double)f->charged_bytes), SAFE(s, 0, f->path),
			f->deleted ? " (deleted)" : "",
			f->charged_cgroup ? "charged to " : "charged before memprobe started: unknown",
			f->charged_cgroup ? SAFE(s, 1, *f->charged_cgroup ? f->charged_cgroup : "?") : "");
		for (k = 0; k < f->n_users && k < 8; k++)
			fprintf(s->out, "%s%u %s", k ? ", " : "; used by ", f->users[k].pid, SAFE(s, 0, f->users[k].comm));
		fprintf(s->out, "%s)\n", f->n_users > 8 ? ", ..." : "");
	}
}

static void summary_allocs(struct sink *s, const struct rec_summary *r)
{
	__u64 calls = 0;
	char a[32];
	size_t i;

	if (!r->alloc_known) {
		fprintf(s->out, "  allocations not counted (the page-allocation probe is off)\n");
		return;
	}
	for (i = 0; i < MP_ALLOC_ORDERS; i++)
		calls += r->alloc_order[i];
	if (!calls)
		return;
	fprintf(s->out, "  allocations %s in %llu page allocations (order 0: %.0f%%, order 1-3: %.0f%%, larger: %.0f%%)\n",
		fmt_bytes(a, sizeof(a), (double)r->alloc_pages * sysconf(_SC_PAGESIZE)), (unsigned long long)calls,
		100.0 * r->alloc_order[0] / calls,
		100.0 * (r->alloc_order[1] + r->alloc_order[2] + r->alloc_order[3]) / calls,
		100.0 * (calls - r->alloc_order[0] - r->alloc_order[1] - r->alloc_order[2] - r->alloc_order[3]) / calls);
}

#define STACK_ROWS	5	/* growth stacks shown under a cgroup that is not normal */
#define STACK_FRAMES	6

/* Where a growing cgroup's anon memory comes from: its top stacks, from the first frame outside the allocator. */
static void summary_stacks(struct sink *s, const struct rec_summary *r)
{
	char a[32], b[32], c[32], pids[96];
	size_t i, k, at;

	if (!r->stacks_on || !strcmp(r->verdict.verdict, "normal") || !r->n_growth_stacks)
		return;
	fprintf(s->out, "  where anon memory was allocated (a page sampled every %s; in use of allocated, trend):\n",
		fmt_bytes(a, sizeof(a), (double)r->stack_sample_bytes));
	for (i = 0; i < r->n_growth_stacks && i < STACK_ROWS; i++) {
		const struct rec_growth_stack *g = &r->growth_stacks[i];

		pids[0] = '\0';
		for (k = 0, at = 0; k < g->n_pids && at < sizeof(pids); k++)
			at += snprintf(pids + at, sizeof(pids) - at, "%s%llu", k ? "," : "", (unsigned long long)g->pids[k]);
		fprintf(s->out, "    %10s of %10s  %s%s/h  pid %s\n", fmt_bytes(a, sizeof(a), (double)g->in_use_bytes),
			fmt_bytes(b, sizeof(b), (double)g->sampled_bytes), g->growth_bytes_per_hour < 0 ? "-" : "+",
			fmt_bytes(c, sizeof(c), fabs(g->growth_bytes_per_hour)), pids);
		for (k = g->own; k < g->n_frames && k < g->own + STACK_FRAMES; k++) {
			const struct rec_frame *f = &g->frames[k];
			const char *file = path_base(f->file);
			const char *mod = path_base(f->module);

			if (*f->function && f->line)
				fprintf(s->out, "        %s (%s:%u)\n", SAFE(s, 0, f->function), SAFE(s, 1, file), f->line);
			else if (*f->function)
				fprintf(s->out, "        %s (%s)\n", SAFE(s, 0, f->function), SAFE(s, 1, mod));
			else
				fprintf(s->out, "        %s+0x%llx\n", *mod ? SAFE(s, 1, mod) : "?", (unsigned long long)f->offset);
		}
	}
	if (r->stack_samples_skipped)
		fprintf(s->out, "    (%llu samples skipped, over the --stack-rate limit or with the ring too full: their bytes went to their process's next sample)\n",
			(unsigned long long)r->stack_samples_skipped);
}

/*
 * The verdict and the anon figures it rests on. A cgroup whose processes
 * have all exited keeps the verdict they had: say so, with anon as it was
 * while they ran, not the 0B they left.
 */
static void summary_verdict(struct sink *s, const struct rec_summary *r)
{
	const char *v = r->verdict.verdict;
	char a[32], b[32], c[32], d[32], e[32];

	fprintf(s->out, "  verdict     %s%s (confidence %.2f): %s%s\n", !strcmp(v, "leak") ? "LEAK" :
		!strcmp(v, "warning") ? "WARNING" : "normal", r->processes_exited ? " while it ran" : "",
		r->verdict.confidence, r->verdict.reason,
		r->processes_exited ? "; its processes have exited" : "");
	fprintf(s->out, "  anon        %s now, %s at the start (%s)", fmt_bytes(a, sizeof(a), (double)r->anon_bytes),
		fmt_bytes(b, sizeof(b), (double)r->anon_start_bytes),
		r->anon_growth_bytes ? delta(c, sizeof(c), (double)r->anon_growth_bytes) : "unchanged");
	if (r->processes_exited)
		fprintf(s->out, ", %s when its processes last ran", fmt_bytes(d, sizeof(d), (double)r->anon_last_running_bytes));
	fprintf(s->out, "; trend %s%s/h; shmem %s, mapped files %s\n", r->anon_growth_bytes_per_hour < 0 ? "-" : "+",
		fmt_bytes(e, sizeof(e), fabs(r->anon_growth_bytes_per_hour)), fmt_bytes(a, sizeof(a), (double)r->shmem_bytes),
		fmt_bytes(b, sizeof(b), (double)r->file_mapped_bytes));
}

/* Between the verdict and an OOM kill: limits, when it reaches them, how often it hit them, what pressure cost. */
static void summary_health(struct sink *s, const struct rec_summary *r)
{
	const struct rec_health *h = &r->health;
	char buf[1024], d[32];

	fprintf(s->out, "  limits      %s\n", say_limits(buf, sizeof(buf), &h->limits));
	if (r->machine && r->mem_available_eta_s >= 0)
		fprintf(s->out, "  forecast    MemAvailable runs out in %s at its present rate\n",
			fmt_duration(d, sizeof(d), r->mem_available_eta_s));
	else if (r->processes_exited)
		fprintf(s->out, "  forecast    none: its processes have exited\n");
	else if (h->forecast.known)
		fprintf(s->out, "  forecast    %s\n", say_forecast(buf, sizeof(buf), r->cgroup, &h->limits, &h->forecast));
	if (h->events.known && (h->events.high || h->events.max || h->events.oom))
		fprintf(s->out, "  events      %s\n", say_events(buf, sizeof(buf), &h->events, &h->limits));
	if (h->reclaim.known || h->pressure.known)
		fprintf(s->out, "  stalls      %s\n", say_stalls(buf, sizeof(buf), h));
}

/* memprobe's own cost, once after the summaries: the same for every cgroup. */
static void summary_agent(struct sink *s, const struct rec_agent *a, double duration_s)
{
	char m[32], rss[32], peak[32];

	fprintf(s->out, "\nmemprobe itself: its %u BPF maps hold %s of kernel memory; RSS %s (peak %s); CPU %.2fs",
		a->maps, fmt_bytes(m, sizeof(m), (double)a->map_bytes), fmt_bytes(rss, sizeof(rss), (double)a->rss_bytes),
		fmt_bytes(peak, sizeof(peak), (double)a->peak_rss_bytes), a->cpu_s);
	if (duration_s > 0)
		fprintf(s->out, " (%.2f%% of a core)", 100 * a->cpu_s / duration_s);
	if (a->intervals)
		fprintf(s->out, "; an interval's work %.1fms (median), %.1fms at most, over %llu intervals",
			a->interval_median_s * 1e3, a->interval_max_s * 1e3, (unsigned long long)a->intervals);
	fputs("\n", s->out);
}

static int table_summaries(struct sink *s, const struct rec_summary *r, size_t n)
{
	const struct rec_summary *last = NULL;
	char a[32], b[32], c[32], d[32];
	size_t i;

	for (i = 0; i < n; i++) {
		if (r[i].interim)
			continue;
		fprintf(s->out, "\nSummary for %s (cgroup id %llu) over %.1fs%s", SAFE(s, 0, r[i].cgroup),
			(unsigned long long)r[i].cgroup_id, r[i].duration_s,
			r[i].gone ? " (the cgroup is gone)" : "");
		if (r[i].lives > 1)
			fprintf(s->out, " (%u lives: removed and created again; the first was id %llu)", r[i].lives,
				(unsigned long long)r[i].first_cgroup_id);
		fputc('\n', s->out);
		summary_verdict(s, &r[i]);
		summary_health(s, &r[i]);
		summary_stacks(s, &r[i]);
		fprintf(s->out, "  page cache  %s now, %s at the start; probes saw %s come in and %s leave\n",
			fmt_bytes(a, sizeof(a), (double)r[i].page_cache_bytes),
			fmt_bytes(b, sizeof(b), (double)r[i].page_cache_start_bytes),
			fmt_bytes(c, sizeof(c), (double)r[i].page_cache_added_bytes),
			fmt_bytes(d, sizeof(d), (double)r[i].page_cache_removed_bytes));
		fprintf(s->out, "              %s\n", r[i].page_cache_note);
		summary_allocs(s, &r[i]);
		fprintf(s->out, "  system      MemAvailable %s now, %s at the start\n",
			fmt_bytes(a, sizeof(a), (double)r[i].mem_available_bytes),
			fmt_bytes(b, sizeof(b), (double)r[i].mem_available_start_bytes));
		summary_procs(s, r[i].top_processes, r[i].n_top_processes, false);
		summary_procs(s, r[i].exited_processes, r[i].n_exited_processes, true);
		summary_shm(s, &r[i]);
		summary_files(s, &r[i]);
		summary_cache_procs(s, &r[i]);
		if (r[i].lost_events)
			fprintf(s->out, "  %llu events could not be recorded (maps full; raise --max-files/--max-cgroups/--max-tasks)\n",
				(unsigned long long)r[i].lost_events);
		last = &r[i];
	}
	if (last && last->agent)
		summary_agent(s, last->agent, last->duration_s);
	return done(s);
}

static const char *clock_of(double ts, char *buf, size_t len)
{
	time_t sec = (time_t)ts;

	strftime(buf, len, "%H:%M:%S", localtime(&sec));
	return buf;
}

static int table_shm(struct sink *s, const struct rec_shm *r)
{
	char when[16], a[32];

	fprintf(s->out, "%-8s  shm %-6s id %d key 0x%08x %s by %u (%s) in %s\n", clock_of(r->ts, when, sizeof(when)),
		r->event, r->shmid, (unsigned int)r->key, fmt_bytes(a, sizeof(a), (double)r->size_bytes), r->pid,
		SAFE(s, 0, r->comm), *r->cgroup ? SAFE(s, 1, r->cgroup) : "?");
	return done(s);
}

static int table_shm_orphan(struct sink *s, const struct rec_shm_orphan *r)
{
	char when[16], a[32];

	fprintf(s->out, "%-8s  ORPHANED SHM id %d key 0x%08x %s: nothing attached, creator %u%s%s%s gone, not marked for removal; remove it with: %s\n",
		clock_of(r->ts, when, sizeof(when)), r->shmid, (unsigned int)r->key,
		fmt_bytes(a, sizeof(a), (double)r->size_bytes), r->creator_pid, *r->creator_comm ? " (" : "",
		SAFE(s, 0, r->creator_comm), *r->creator_comm ? ")" : "", r->remove_command);
	return done(s);
}

static int table_oom_kill(struct sink *s, const struct rec_oom_kill *r)
{
	char when[16], a[32], b[32], c[32], d[32];

	fprintf(s->out, "%-8s  OOM KILL pid %u (%s) in %s: anon %s, file %s, shmem %s, oom_score_adj %d; ",
		clock_of(r->ts, when, sizeof(when)), r->pid, SAFE(s, 0, r->comm), SAFE(s, 1, r->cgroup),
		fmt_bytes(a, sizeof(a), (double)r->anon_rss_bytes), fmt_bytes(b, sizeof(b), (double)r->file_rss_bytes),
		fmt_bytes(c, sizeof(c), (double)r->shmem_rss_bytes), r->oom_score_adj);
	if (!strcmp(r->scope, "cgroup"))
		fprintf(s->out, "%s hit its limit of %s\n", SAFE(s, 0, r->oom_cgroup), fmt_bytes(d, sizeof(d), (double)r->limit_bytes));
	else
		fprintf(s->out, "%s\n", !strcmp(r->scope, "system") ? "the whole machine ran out of memory" :
			!strcmp(r->scope, "cpuset") ? "its cpuset ran out of memory" :
			!strcmp(r->scope, "mempolicy") ? "its memory policy's nodes ran out" : "what ran out is unknown");
	return done(s);
}

static int table_verdict_change(struct sink *s, const struct rec_verdict_change *r)
{
	char when[16];

	fprintf(s->out, "%-8s  VERDICT %s: %s -> %s (%s)\n", clock_of(r->ts, when, sizeof(when)), SAFE(s, 0, r->cgroup),
		r->previous, r->verdict.verdict, r->verdict.reason);
	return done(s);
}

static int table_forecast_change(struct sink *s, const struct rec_forecast_change *r)
{
	char when[16], msg[1024], d[32];

	fmt_duration(d, sizeof(d), r->horizon_s);
	if (r->below_horizon)
		fprintf(s->out, "%-8s  FORECAST %s: within the %s horizon\n", clock_of(r->ts, when, sizeof(when)),
			say_forecast(msg, sizeof(msg), r->cgroup, &r->limits, &r->forecast), d);
	else
		fprintf(s->out, "%-8s  FORECAST %s no longer reaches its memory limit within %s at its present rate\n",
			clock_of(r->ts, when, sizeof(when)), SAFE(s, 0, r->cgroup), d);
	return done(s);
}

static int table_memory_event(struct sink *s, const struct rec_memory_event *r)
{
	char when[16], msg[1024];

	fprintf(s->out, "%-8s  LIMIT %s\n", clock_of(r->ts, when, sizeof(when)),
		say_memory_event(msg, sizeof(msg), r->cgroup, r));
	return done(s);
}

static void table_destroy(struct sink *s)
{
	free(s->priv);
	free(s);
}

static const struct sink_ops table_ops = {
	.start = table_start,
	.samples = table_samples,
	.summaries = table_summaries,
	.shm = table_shm,
	.shm_orphan = table_shm_orphan,
	.oom_kill = table_oom_kill,
	.verdict_change = table_verdict_change,
	.forecast_change = table_forecast_change,
	.memory_event = table_memory_event,
	.destroy = table_destroy,
};

struct sink *sink_table_new(FILE *out)
{
	struct sink *s = calloc(1, sizeof(*s));

	if (!s)
		return NULL;
	s->priv = calloc(1, sizeof(struct table));
	if (!s->priv) {
		free(s);
		return NULL;
	}
	s->ops = &table_ops;
	s->out = out;
	return s;
}
