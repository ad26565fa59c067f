// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The tables under a cgroup's charts: its processes (with an RSS
 * sparkline each), those that exited, the files that filled its cache,
 * shared memory (SysV segments, orphans with the command that removes
 * them, POSIX files) and its OOM kills and verdict changes. Column names
 * and figures are the table's (summary of the terminal output), so that
 * a reader of both sees the same words.
 */
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "output/html_escape.h"
#include "output/html_model.h"
#include "sys/format.h"

const char *html_clock(char *buf, size_t len, double ts)
{
	time_t sec = (time_t)ts;
	struct tm tm;

	localtime_r(&sec, &tm);
	strftime(buf, len, "%H:%M:%S", &tm);
	return buf;
}

static void head(struct buf *b, const char *title, const char *cols)
{
	const char *c = cols, *bar;

	buf_printf(b, "<h3>%s</h3><table><thead><tr>", title);
	/* Columns separated by '|'; a leading '<' makes one left-aligned (names). */
	while (*c) {
		bar = strchr(c, '|');
		if (!bar)
			bar = c + strlen(c);
		buf_printf(b, "<th%s>%.*s</th>", *c == '<' ? " class=\"l\"" : "", (int)(bar - c - (*c == '<')),
			   c + (*c == '<'));
		c = *bar ? bar + 1 : bar;
	}
	buf_puts(b, "</tr></thead><tbody>");
}

static void tail(struct buf *b)
{
	buf_puts(b, "</tbody></table>");
}

static void td_text(struct buf *b, const char *s)
{
	buf_puts(b, "<td class=\"l\">");
	html_text(b, s);
	buf_puts(b, "</td>");
}

static void td_bytes(struct buf *b, double v)
{
	char f[32];

	buf_printf(b, "<td>%s</td>", fmt_bytes(f, sizeof(f), v));
}

static void td_num(struct buf *b, double v)
{
	buf_printf(b, "<td>%.0f</td>", v);
}

/* "↑2.0MiB", "↓1.0MiB" or "0B", as the table shows a change. */
static void td_delta(struct buf *b, double v)
{
	char f[32];

	buf_printf(b, "<td>%s%s</td>", v > 0 ? "\u2191" : v < 0 ? "\u2193" : "", fmt_bytes(f, sizeof(f), fabs(v)));
}

/* Words from a record (a replayed file may hold anything) are text, and never a class name. */
static void td_verdict(struct buf *b, const char *v)
{
	static const char *const cls[] = { "normal", "warning", "leak" };

	buf_printf(b, "<td class=\"l\"><span class=\"v v-%s\">", cls[hrun_verdict(v)]);
	html_text(b, *v ? v : "-");
	buf_puts(b, "</span></td>");
}

static const struct hproc *history(const struct hcg *c, unsigned int pid)
{
	size_t i;

	for (i = 0; i < c->n_procs; i++)
		if (c->procs[i].pid == pid)
			return &c->procs[i];
	return NULL;
}

static void processes(struct buf *b, const struct hrun *h, const struct hcg *c, const struct hrec *r)
{
	const struct hnode *list = hrec_get(r, NULL, "top_processes"), *p;
	double t0, t1;
	char f[16];

	if (!hrec_count(r, list))
		return;
	hrun_span(h, &t0, &t1);
	head(b, "Processes (RSS now; GROWTH since memprobe first saw them)",
	     "PID|<COMM|RSS|<RSS OVER THE RUN|VMS|SHARED|CPU|ANON|ANON GROWTH|PEAK RSS|<VERDICT");
	for (p = hrec_first(r, list); p; p = hrec_next(r, p)) {
		const struct hproc *hp = history(c, (unsigned int)hrec_num(r, p, "pid", 0));
		double cpu = hrec_num(r, p, "cpu_percent", NAN);

		buf_puts(b, "<tr>");
		td_num(b, hrec_num(r, p, "pid", 0));
		td_text(b, hrec_str(r, p, "comm"));
		td_bytes(b, hrec_num(r, p, "rss_bytes", 0));
		buf_puts(b, "<td class=\"l\">");
		if (hp)
			html_sparkline(b, hp, t0, t1);
		buf_puts(b, "</td>");
		td_bytes(b, hrec_num(r, p, "vms_bytes", 0));
		td_bytes(b, hrec_num(r, p, "shared_bytes", 0));
		snprintf(f, sizeof(f), "%.1f%%", cpu);
		buf_printf(b, "<td>%s</td>", isfinite(cpu) ? f : "-");
		td_bytes(b, hrec_num(r, p, "anon_bytes", 0));
		td_delta(b, hrec_num(r, p, "anon_growth_bytes", 0));
		td_bytes(b, hrec_num(r, p, "peak_rss_bytes", 0));
		td_verdict(b, hrec_str(r, p, "verdict"));
		buf_puts(b, "</tr>");
	}
	tail(b);
}

static void exited(struct buf *b, const struct hrec *r)
{
	const struct hnode *list = hrec_get(r, NULL, "exited_processes"), *p;

	if (!hrec_count(r, list))
		return;
	head(b, "Processes that exited during the run (peaks the probe saw)", "PID|<COMM|PEAK RSS|PEAK ANON");
	for (p = hrec_first(r, list); p; p = hrec_next(r, p)) {
		buf_puts(b, "<tr>");
		td_num(b, hrec_num(r, p, "pid", 0));
		td_text(b, hrec_str(r, p, "comm"));
		td_bytes(b, hrec_num(r, p, "peak_rss_bytes", 0));
		td_bytes(b, hrec_num(r, p, "peak_anon_bytes", 0));
		buf_puts(b, "</tr>");
	}
	tail(b);
}

static void files(struct buf *b, const struct hrec *r)
{
	const struct hnode *list = hrec_get(r, NULL, "top_files"), *p;

	if (!hrec_count(r, list)) {
		buf_puts(b, "<p class=\"note\">No file brought pages into this cgroup's cache during the run.</p>");
		return;
	}
	head(b, "Files whose pages entered or left its cache (probes; CACHED: the file's pages in the cache now)",
	     "IN|OUT|CACHED|<PATH");
	for (p = hrec_first(r, list); p; p = hrec_next(r, p)) {
		double cached = hrec_num(r, p, "cached_bytes", NAN), links;
		char name[PATH_MAX + 64];

		buf_puts(b, "<tr>");
		td_bytes(b, hrec_num(r, p, "added_bytes", 0));
		td_bytes(b, hrec_num(r, p, "removed_bytes", 0));
		if (isfinite(cached))
			td_bytes(b, cached);
		else
			buf_puts(b, "<td>?</td>");
		links = hrec_num(r, p, "links", 0);
		if (links > 1) {
			snprintf(name, sizeof(name), "%s (one of its %.0f names)", hrec_str(r, p, "path"), links);
			td_text(b, name);
		} else {
			td_text(b, hrec_str(r, p, "path"));
		}
		buf_puts(b, "</tr>");
	}
	tail(b);
	list = hrec_get(r, NULL, "cache_processes");
	if (!hrec_count(r, list))
		return;
	head(b, "Processes that brought pages into its cache", "PID|<COMM|IN");
	for (p = hrec_first(r, list); p; p = hrec_next(r, p)) {
		buf_puts(b, "<tr>");
		td_num(b, hrec_num(r, p, "pid", 0));
		td_text(b, hrec_str(r, p, "comm"));
		td_bytes(b, hrec_num(r, p, "added_bytes", 0));
		buf_puts(b, "</tr>");
	}
	tail(b);
}

static void posix_shm(struct buf *b, const struct hrec *r)
{
	const struct hnode *list = hrec_get(r, NULL, "posix_shm_files"), *p, *u;
	char f[32];

	if (!hrec_count(r, list))
		return;
	buf_printf(b, "<h3>POSIX shared memory: %s in /dev/shm files its processes have open or mapped</h3>",
		   fmt_bytes(f, sizeof(f), hrec_num(r, NULL, "posix_shm_bytes", 0)));
	buf_puts(b, "<table><thead><tr><th>MEMORY</th><th>SIZE</th><th class=\"l\">PATH</th>"
		 "<th class=\"l\">USED BY</th></tr></thead><tbody>");
	for (p = hrec_first(r, list); p; p = hrec_next(r, p)) {
		bool first = true;

		buf_puts(b, "<tr>");
		td_bytes(b, hrec_num(r, p, "memory_bytes", 0));
		td_bytes(b, hrec_num(r, p, "size_bytes", 0));
		td_text(b, hrec_str(r, p, "path"));
		buf_puts(b, "<td class=\"l\">");
		for (u = hrec_first(r, hrec_get(r, p, "users")); u; u = hrec_next(r, u), first = false) {
			buf_printf(b, "%s%.0f ", first ? "" : ", ", hrec_num(r, u, "pid", 0));
			html_text(b, hrec_str(r, u, "comm"));
		}
		buf_puts(b, "</td></tr>");
	}
	tail(b);
}

static void segments(struct buf *b, const struct hrun *h, const struct hcg *c)
{
	char t[2][16];
	size_t i, n = 0;

	for (i = 0; i < h->n_segs; i++) {
		const struct hsegment *s = &h->segs[i];

		if (!hrun_under(c, s->cgroup))
			continue;
		if (!n++)
			head(b, "SysV shared memory segments its processes used", "ID|KEY|SIZE|PID|<COMM|<CGROUP|SEEN|REMOVED|ATTACHES|DETACHES");
		buf_printf(b, "<tr><td>%d</td><td>0x%08x</td>", s->shmid, (unsigned int)s->key);
		td_bytes(b, s->size);
		td_num(b, s->pid);
		td_text(b, s->comm);
		td_text(b, s->cgroup);
		buf_printf(b, "<td>%s%s</td><td>%s</td><td>%u</td><td>%u</td></tr>", s->created ? "created " : "",
			   html_clock(t[0], sizeof(t[0]), s->first),
			   s->removed ? html_clock(t[1], sizeof(t[1]), s->removed) : "-", s->attaches, s->detaches);
	}
	if (n)
		tail(b);
}

static void orphans(struct buf *b, const struct hrun *h, const struct hcg *c)
{
	char t[16];
	size_t i, n = 0;

	for (i = 0; i < h->orphans.n; i++) {
		const struct hrec *r = &h->orphans.v[i];

		if (c && !hrun_under(c, hrec_str(r, NULL, "cgroup")))
			continue;
		if (!c && *hrec_str(r, NULL, "cgroup"))
			continue;
		if (!n++)
			head(b, "Orphaned SysV segments: nothing attached, creator gone, not marked for removal",
			     "TIME|ID|KEY|SIZE|CREATOR|<COMM|<REMOVE IT WITH");
		buf_printf(b, "<tr><td>%s</td><td>%.0f</td><td>0x%08x</td>", html_clock(t, sizeof(t), r->ts),
			   hrec_num(r, NULL, "shmid", 0), (unsigned int)(long long)hrec_num(r, NULL, "key", 0));
		td_bytes(b, hrec_num(r, NULL, "size_bytes", 0));
		td_num(b, hrec_num(r, NULL, "creator_pid", 0));
		td_text(b, hrec_str(r, NULL, "creator_comm"));
		buf_puts(b, "<td class=\"l\"><code>");
		html_text(b, hrec_str(r, NULL, "remove_command"));
		buf_puts(b, "</code></td></tr>");
	}
	if (n)
		tail(b);
}

static void ooms(struct buf *b, const struct hrun *h, const struct hcg *c)
{
	char t[16], f[32];
	size_t i, n = 0;

	for (i = 0; i < h->ooms.n; i++) {
		const struct hrec *r = &h->ooms.v[i];
		const char *scope = hrec_str(r, NULL, "scope");

		if (c && !hrun_under(c, hrec_str(r, NULL, "cgroup")) && !hrun_under(c, hrec_str(r, NULL, "oom_cgroup")))
			continue;
		if (!n++)
			head(b, "OOM kills", "TIME|PID|<COMM|<CGROUP|ANON|FILE|SHMEM|OOM_SCORE_ADJ|<WHAT RAN OUT");
		buf_printf(b, "<tr><td>%s</td>", html_clock(t, sizeof(t), r->ts));
		td_num(b, hrec_num(r, NULL, "pid", 0));
		td_text(b, hrec_str(r, NULL, "comm"));
		td_text(b, hrec_str(r, NULL, "cgroup"));
		td_bytes(b, hrec_num(r, NULL, "anon_rss_bytes", 0));
		td_bytes(b, hrec_num(r, NULL, "file_rss_bytes", 0));
		td_bytes(b, hrec_num(r, NULL, "shmem_rss_bytes", 0));
		td_num(b, hrec_num(r, NULL, "oom_score_adj", 0));
		buf_puts(b, "<td class=\"l\">");
		if (!strcmp(scope, "cgroup")) {
			html_text(b, hrec_str(r, NULL, "oom_cgroup"));
			buf_printf(b, " hit its limit of %s", fmt_bytes(f, sizeof(f), hrec_num(r, NULL, "limit_bytes", 0)));
		} else {
			buf_puts(b, !strcmp(scope, "system") ? "the whole machine ran out of memory" :
				 !strcmp(scope, "cpuset") ? "its cpuset ran out of memory" :
				 !strcmp(scope, "mempolicy") ? "its memory policy's nodes ran out" : "what ran out is unknown");
		}
		buf_puts(b, "</td></tr>");
	}
	if (n)
		tail(b);
}

static void verdicts(struct buf *b, const struct hrun *h, const struct hcg *c)
{
	char t[16];
	size_t i, n = 0;

	for (i = 0; i < h->verdicts.n; i++) {
		const struct hrec *r = &h->verdicts.v[i];

		if (strcmp(hrec_str(r, NULL, "cgroup"), c->name))
			continue;
		if (!n++)
			head(b, "Verdict changes", "TIME|<FROM|<TO|<WHY");
		buf_printf(b, "<tr><td>%s</td>", html_clock(t, sizeof(t), r->ts));
		td_verdict(b, hrec_str(r, NULL, "previous_verdict"));
		td_verdict(b, hrec_str(r, NULL, "verdict"));
		td_text(b, hrec_str(r, NULL, "verdict_reason"));
		buf_puts(b, "</tr>");
	}
	if (n)
		tail(b);
}

void html_tables(struct buf *b, const struct hrun *h, const struct hcg *c)
{
	const struct hrec *r = c->have_summary ? &c->summary : &c->last;

	processes(b, h, c, r);
	if (c->have_summary) {
		exited(b, r);
		files(b, r);
		posix_shm(b, r);
	}
	segments(b, h, c);
	orphans(b, h, c);
	ooms(b, h, c);
	verdicts(b, h, c);
}

/* Events no charted cgroup explains: orphans whose creator's cgroup is unknown. */
void html_tables_machine(struct buf *b, const struct hrun *h)
{
	orphans(b, h, NULL);
}
