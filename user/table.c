// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The default output, for people: a row per cgroup every interval, in the
 * spirit of the monitor scripts users watch today (a figure that moved gets
 * an arrow and its delta), and a readable summary at the end.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sink.h"

#define HEADER_EVERY	20	/* intervals between repeated column headers */
#define CGROUP_WIDTH	28

struct table {
	unsigned int rows_since_header;
	unsigned int intervals;
};

/* 1536 -> "1.5KiB"; binary units, as free(1) -h uses. */
static const char *bytes(char *buf, size_t len, double v)
{
	static const char *const unit[] = { "B", "KiB", "MiB", "GiB", "TiB", "PiB" };
	unsigned int u = 0;

	while (v >= 1024 && u + 1 < sizeof(unit) / sizeof(unit[0])) {
		v /= 1024;
		u++;
	}
	if (u == 0)
		snprintf(buf, len, "%.0f%s", v, unit[u]);
	else
		snprintf(buf, len, "%.1f%s", v, unit[u]);
	return buf;
}

/* "↑2.0MiB" or "↓512.0KiB"; nothing for no change. */
static const char *delta(char *buf, size_t len, __s64 d)
{
	char b[32];

	if (!d) {
		buf[0] = '\0';
		return buf;
	}
	snprintf(buf, len, "%s%s", d > 0 ? "\u2191" : "\u2193", bytes(b, sizeof(b), d > 0 ? (double)d : -(double)d));
	return buf;
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

static int done(struct sink *s)
{
	if (fflush(s->out) || ferror(s->out))
		return errno ? -errno : -EIO;
	return 0;
}

static int table_start(struct sink *s, const struct rec_start *r)
{
	size_t i;

	fprintf(s->out, "memprobe %s: ", r->version);
	if (r->machine)
		fprintf(s->out, "watching the whole machine (largest cgroups shown)");
	else
		for (i = 0; i < r->n_targets; i++)
			fprintf(s->out, "%s%s", i ? ", " : "watching ", r->targets[i].cgroup);
	fprintf(s->out, "; memory controller on cgroup v%d at %s; every %gs. Ctrl-C for the summary.\n",
		r->cgroup_version, r->memory_root, r->interval_s);
	return done(s);
}

static void header(struct sink *s)
{
	fprintf(s->out, "%-8s  %-*s  %-21s %9s %9s  %-21s %9s  %10s %10s\n", "TIME", CGROUP_WIDTH,
		"CGROUP", "PAGE CACHE", "IN", "OUT", "ANON", "SHMEM", "AVAILABLE", "BUFF/CACHE");
}

static int table_samples(struct sink *s, const struct rec_sample *r, size_t n)
{
	struct table *t = s->priv;
	char when[16], name[CGROUP_WIDTH * 4], a[32], b[32], c[32], d[32], e[32], f[32], g[32];
	char pc[48], an[48], h[32], k[32];
	time_t sec;
	size_t i;

	if (!n)
		return 0;
	if (t->rows_since_header == 0 || t->rows_since_header >= HEADER_EVERY || n > 1) {
		if (t->intervals && n > 1)
			fputc('\n', s->out);
		header(s);
		t->rows_since_header = 0;
	}
	t->intervals++;
	sec = (time_t)r[0].ts;
	strftime(when, sizeof(when), "%H:%M:%S", localtime(&sec));
	for (i = 0; i < n; i++) {
		snprintf(pc, sizeof(pc), "%s %s", bytes(a, sizeof(a), r[i].page_cache_bytes),
			 delta(b, sizeof(b), r[i].page_cache_delta_bytes));
		snprintf(an, sizeof(an), "%s %s", bytes(c, sizeof(c), r[i].anon_bytes),
			 delta(d, sizeof(d), r[i].anon_delta_bytes));
		fprintf(s->out, "%-8s  ", when);
		cell(s->out, cgname(name, CGROUP_WIDTH, r[i].cgroup), CGROUP_WIDTH, true);
		fputs("  ", s->out);
		cell(s->out, pc, 21, true);
		fprintf(s->out, " %9s %9s  ", bytes(e, sizeof(e), r[i].page_cache_added_bytes),
			bytes(f, sizeof(f), r[i].page_cache_removed_bytes));
		cell(s->out, an, 21, true);
		fprintf(s->out, " %9s  %10s %10s\n", bytes(g, sizeof(g), r[i].shmem_bytes),
			bytes(h, sizeof(h), r[i].mem_available_bytes),
			bytes(k, sizeof(k), r[i].buff_cache_bytes));
		t->rows_since_header++;
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
	fprintf(s->out, "  files that filled its cache (probes; CACHED is the file's pages in the cache now):\n");
	fprintf(s->out, "    %10s %10s %10s  %s\n", "IN", "OUT", "CACHED", "PATH");
	for (i = 0; i < r->n_top_files; i++) {
		const struct rec_file *f = &r->top_files[i];

		fprintf(s->out, "    %10s %10s %10s  %s\n", bytes(a, sizeof(a), f->added_bytes),
			bytes(b, sizeof(b), f->removed_bytes),
			f->cached_bytes >= 0 ? bytes(c, sizeof(c), f->cached_bytes) : "?", f->path);
	}
}

static void summary_procs(struct sink *s, const struct rec_summary *r)
{
	char a[32];
	size_t i;

	if (!r->n_cache_processes)
		return;
	fprintf(s->out, "  processes that brought pages into its cache:\n");
	fprintf(s->out, "    %8s %-16s %10s\n", "PID", "COMM", "IN");
	for (i = 0; i < r->n_cache_processes; i++)
		fprintf(s->out, "    %8u %-16s %10s\n", r->cache_processes[i].pid,
			r->cache_processes[i].comm, bytes(a, sizeof(a), r->cache_processes[i].added_bytes));
}

static int table_summaries(struct sink *s, const struct rec_summary *r, size_t n)
{
	char a[32], b[32], c[32], d[32];
	size_t i;

	for (i = 0; i < n; i++) {
		fprintf(s->out, "\nSummary for %s (cgroup id %llu) over %.1fs%s\n", r[i].cgroup,
			(unsigned long long)r[i].cgroup_id, r[i].duration_s,
			r[i].gone ? " (the cgroup is gone)" : "");
		fprintf(s->out, "  page cache  %s now, %s at the start; probes saw %s come in and %s leave\n",
			bytes(a, sizeof(a), r[i].page_cache_bytes), bytes(b, sizeof(b), r[i].page_cache_start_bytes),
			bytes(c, sizeof(c), r[i].page_cache_added_bytes),
			bytes(d, sizeof(d), r[i].page_cache_removed_bytes));
		fprintf(s->out, "  anon        %s now, %s at the start; shmem %s\n",
			bytes(a, sizeof(a), r[i].anon_bytes), bytes(b, sizeof(b), r[i].anon_start_bytes),
			bytes(c, sizeof(c), r[i].shmem_bytes));
		fprintf(s->out, "  system      MemAvailable %s now, %s at the start\n",
			bytes(a, sizeof(a), r[i].mem_available_bytes),
			bytes(b, sizeof(b), r[i].mem_available_start_bytes));
		summary_files(s, &r[i]);
		summary_procs(s, &r[i]);
		if (r[i].lost_events)
			fprintf(s->out, "  %llu events could not be recorded (maps full; raise --max-files/--max-cgroups)\n",
				(unsigned long long)r[i].lost_events);
	}
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
