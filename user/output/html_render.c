// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The report page: the verdict in a sentence at the top, the run's facts
 * (host, kernel, cgroup layout, command, start, duration, version, lost
 * events), then a section per cgroup with its charts and tables. One
 * file with its stylesheet inline and no script, readable in light and
 * dark mode, that opens from a mail attachment. It is written as XHTML
 * that HTML parsers read the same way (polyglot), so that a strict XML
 * parser can prove it well formed.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "output/html_escape.h"
#include "output/html_model.h"
#include "sys/format.h"

static const char style[] =
	":root{color-scheme:light dark;--bg:#ffffff;--fg:#1c1e21;--muted:#5d6570;--rule:#dde1e6;--panel:#f5f7f9;"
	"--anon:#c8283e;--shmem:#7a4fb0;--cache:#1f78b4;--trend:#1c1e21;--high:#d98200;--max:#c8283e;"
	"--normal:rgba(40,160,70,0.07);--warning:rgba(230,150,0,0.18);--leak:rgba(200,40,62,0.16);"
	"--in:#1f78b4;--out:#8ab6d6;--alloc:#5b8c2a;--oom:#c8283e;--orphan:#7a4fb0;--verdict:#5d6570}"
	"@media (prefers-color-scheme: dark){:root{--bg:#15171a;--fg:#e4e6e9;--muted:#9aa3ad;--rule:#30353b;"
	"--panel:#1d2024;--anon:#ff6b7d;--shmem:#b794f6;--cache:#5fb3f0;--trend:#e4e6e9;--high:#ffb347;"
	"--max:#ff6b7d;--normal:rgba(80,200,110,0.08);--warning:rgba(255,180,60,0.16);--leak:rgba(255,90,110,0.18);"
	"--in:#5fb3f0;--out:#2f6a92;--alloc:#8cc152;--oom:#ff6b7d;--orphan:#b794f6;--verdict:#9aa3ad}}"
	"body{background:var(--bg);color:var(--fg);font:14px/1.45 system-ui,-apple-system,'Segoe UI',sans-serif;"
	"margin:0 auto;max-width:1100px;padding:16px 24px}"
	"h1{font-size:22px;margin:8px 0}h2{font-size:18px;margin:32px 0 4px;border-top:1px solid var(--rule);"
	"padding-top:16px;overflow-wrap:anywhere}h3{font-size:14px;margin:18px 0 4px}"
	".headline{font-size:17px;margin:8px 0 12px}.note{color:var(--muted)}"
	"dl.meta{display:grid;grid-template-columns:max-content 1fr;gap:2px 16px;background:var(--panel);"
	"padding:10px 14px;border-radius:6px}dl.meta dt{color:var(--muted)}dl.meta dd{margin:0;overflow-wrap:anywhere}"
	"dl.figs{display:flex;flex-wrap:wrap;gap:4px 24px;margin:8px 0}dl.figs div{min-width:120px}"
	"dl.figs dt{color:var(--muted);font-size:12px}dl.figs dd{margin:0;font-size:16px}"
	"figure{margin:10px 0}svg.chart{width:100%;height:auto;display:block}"
	".grid line{stroke:var(--rule);stroke-width:1}.grid text{fill:var(--muted);font-size:11px}"
	".yl{text-anchor:end}.xl{text-anchor:middle}"
	".s-anon,.s-shmem,.s-page_cache,.trend,.limit-high,.limit-max{fill:none;stroke-linejoin:round}"
	".s-anon{stroke:var(--anon);stroke-width:2.2}.s-shmem{stroke:var(--shmem);stroke-width:1.6}"
	".s-page_cache{stroke:var(--cache);stroke-width:1.6}"
	".trend{stroke:var(--trend);stroke-width:1.4;stroke-dasharray:6 4}"
	".limit-high{stroke:var(--high);stroke-width:1.4;stroke-dasharray:2 3}"
	".limit-max{stroke:var(--max);stroke-width:1.6;stroke-dasharray:8 3}"
	".band-normal{fill:var(--normal)}.band-warning{fill:var(--warning)}.band-leak{fill:var(--leak)}"
	".b-in{fill:var(--in)}.b-out{fill:var(--out)}.b-alloc{fill:var(--alloc)}"
	".markers line{stroke-width:1.3}.markers text{font-size:10px}"
	".m-oom line{stroke:var(--oom)}.m-oom text{fill:var(--oom)}"
	".m-orphan line{stroke:var(--orphan);stroke-dasharray:3 2}.m-orphan text{fill:var(--orphan)}"
	".m-verdict line{stroke:var(--verdict);stroke-dasharray:1 2}.m-verdict text{fill:var(--verdict)}"
	".legend{font-size:12px;color:var(--muted);display:flex;flex-wrap:wrap;gap:4px 14px}"
	".k::before{content:'';display:inline-block;width:14px;height:4px;margin-right:5px;vertical-align:middle;"
	"background:var(--muted)}.k-anon::before{background:var(--anon)}.k-shmem::before{background:var(--shmem)}"
	".k-page_cache::before{background:var(--cache)}.k-trend::before{background:var(--trend)}"
	".k-high::before{background:var(--high)}.k-max::before{background:var(--max)}"
	".k-band-normal::before,.k-band-warning::before,.k-band-leak::before{height:12px}"
	".k-band-normal::before{background:var(--normal)}.k-band-warning::before{background:var(--warning)}"
	".k-band-leak::before{background:var(--leak)}.k-oom::before{background:var(--oom)}"
	".k-orphan::before{background:var(--orphan)}.k-verdict::before{background:var(--verdict)}"
	".k-in::before{background:var(--in)}.k-out::before{background:var(--out)}.k-alloc::before{background:var(--alloc)}"
	"table{border-collapse:collapse;font-size:13px;margin:4px 0}th,td{padding:2px 8px;text-align:right;"
	"border-bottom:1px solid var(--rule);vertical-align:middle}th{color:var(--muted);font-weight:600}"
	"th.l,td.l{text-align:left}td.l{overflow-wrap:anywhere;max-width:520px}"
	".spark path{fill:none;stroke:var(--anon);stroke-width:1.4}"
	".v{font-weight:700;padding:0 6px;border-radius:4px}.v-leak{background:var(--leak);color:var(--anon)}"
	".v-warning{background:var(--warning);color:var(--high)}.v-normal{background:var(--normal)}"
	"code{font-size:12px;background:var(--panel);padding:1px 4px;border-radius:3px}";

static const char *const verdict_cls[] = { "normal", "warning", "leak" };

/* The cgroups that get a section: those summarised, in summary order; without summaries, all sampled. */
static size_t sections(const struct hrun *h, const struct hcg **out)
{
	size_t i, n = 0;

	for (i = 0; i < h->n_cgs; i++)
		if (!h->n_summaries || h->cgs[i]->have_summary)
			out[n++] = h->cgs[i];
	for (i = 1; h->n_summaries && i < n; i++) {
		const struct hcg *c = out[i];
		size_t k = i;

		for (; k > 0 && out[k - 1]->summary_rank > c->summary_rank; k--)
			out[k] = out[k - 1];
		out[k] = c;
	}
	return n;
}

static const struct hrec *verdict_of(const struct hcg *c)
{
	return c->have_summary ? &c->summary : &c->last;
}

/* "LEAK (confidence 0.97): anon growing ...", the table's summary line. */
static void sentence(struct buf *b, const struct hcg *c)
{
	const struct hrec *r = verdict_of(c);
	const char *v = hrec_str(r, NULL, "verdict");
	int k = hrun_verdict(v);
	bool exited = hrec_bool(r, NULL, "processes_exited");

	buf_printf(b, "<span class=\"v v-%s\">%s</span>%s (confidence %.2f): ", verdict_cls[k],
		   k == HV_LEAK ? "LEAK" : k == HV_WARNING ? "WARNING" : "normal", exited ? " while it ran" : "",
		   hrec_num(r, NULL, "verdict_confidence", 0));
	html_text(b, hrec_str(r, NULL, "verdict_reason"));
	if (exited)
		buf_puts(b, "; its processes have exited");
	buf_puts(b, ".");
}

static void headline(struct buf *b, const struct hrun *h, const struct hcg **cs, size_t n)
{
	const struct hcg *worst = NULL;
	int w = -1;
	size_t i;

	for (i = 0; i < n; i++) {
		int k = hrun_verdict(hrec_str(verdict_of(cs[i]), NULL, "verdict"));

		if (k > w)
			w = k, worst = cs[i];
	}
	buf_puts(b, "<p class=\"headline\">");
	if (!worst) {
		buf_puts(b, "No samples were recorded: the run ended before its first interval.");
	} else if (w == HV_NORMAL) {
		buf_puts(b, "No leak: the anonymous memory of ");
		if (n == 1) {
			html_text(b, worst->name);
			buf_puts(b, " is normal. ");
			sentence(b, worst);
		} else {
			buf_puts(b, "every cgroup shown is normal.");
		}
	} else {
		buf_printf(b, "%s in <strong>", w == HV_LEAK ? "A leak" : "Growth to watch");
		html_text(b, worst->name);
		buf_puts(b, "</strong>: ");
		sentence(b, worst);
	}
	if (h->ooms.total || h->orphans.total)
		buf_printf(b, " During the run: %lu OOM kill%s, %lu orphaned SysV segment%s.", h->ooms.total,
			   h->ooms.total == 1 ? "" : "s", h->orphans.total, h->orphans.total == 1 ? "" : "s");
	buf_puts(b, "</p>");
	if (n < 2)
		return;
	buf_puts(b, "<ul>");
	for (i = 0; i < n; i++) {
		buf_printf(b, "<li><a href=\"#cg%zu\">", i);
		html_text(b, cs[i]->name);
		buf_puts(b, "</a>: ");
		sentence(b, cs[i]);
		buf_puts(b, "</li>");
	}
	buf_puts(b, "</ul>");
}

static void dt(struct buf *b, const char *name, const char *value)
{
	buf_printf(b, "<dt>%s</dt><dd>", name);
	html_text(b, value);
	buf_puts(b, "</dd>");
}

static void metadata(struct buf *b, const struct hrun *h, const struct hcg **cs, size_t n)
{
	const struct hrec *s = &h->start;
	const struct hnode *t;
	char f[256], d[32];
	double t0, t1, lost = -1, samples = 0;
	struct tm tm;
	time_t sec;
	size_t i;

	hrun_span(h, &t0, &t1);
	for (i = 0; i < n; i++) {
		if (cs[i]->have_summary)
			lost = fmax(lost, hrec_num(&cs[i]->summary, NULL, "lost_events", 0));
		samples = fmax(samples, (double)cs[i]->samples);
	}
	buf_puts(b, "<dl class=\"meta\">");
	dt(b, "Host", *hrec_str(s, NULL, "host") ? hrec_str(s, NULL, "host") : "not recorded");
	dt(b, "Kernel", *hrec_str(s, NULL, "kernel") ? hrec_str(s, NULL, "kernel") : "not recorded");
	buf_puts(b, "<dt>Watching</dt><dd>");
	if (hrec_bool(s, NULL, "whole_machine"))
		buf_puts(b, "the whole machine (the root and the largest cgroups)");
	for (t = hrec_first(s, hrec_get(s, NULL, "targets")), i = 0; t && !hrec_bool(s, NULL, "whole_machine");
	     t = hrec_next(s, t), i++) {
		buf_puts(b, i ? ", " : "");
		html_text(b, hrec_str(s, t, "cgroup"));
	}
	buf_puts(b, "</dd>");
	if (h->have_start) {
		snprintf(f, sizeof(f), "memory controller on cgroup v%.0f at ", hrec_num(s, NULL, "cgroup_version", 0));
		buf_printf(b, "<dt>Cgroup layout</dt><dd>%s", f);
		html_text(b, hrec_str(s, NULL, "memory_root"));
		buf_puts(b, "</dd>");
	}
	if (*hrec_str(s, NULL, "command"))
		dt(b, "Command", hrec_str(s, NULL, "command"));
	sec = (time_t)t0;
	localtime_r(&sec, &tm);
	strftime(f, sizeof(f), "%Y-%m-%d %H:%M:%S %Z (UTC%z)", &tm);
	dt(b, "Start", f);
	dt(b, "Duration", fmt_duration(d, sizeof(d), t1 - t0));
	snprintf(f, sizeof(f), "every %gs, %.0f samples", hrec_num(s, NULL, "interval_s", 0), samples);
	dt(b, "Interval", f);
	dt(b, "memprobe", *hrec_str(s, NULL, "version") ? hrec_str(s, NULL, "version") : "not recorded");
	if (lost < 0)
		snprintf(f, sizeof(f), "not known (the run ended without a summary)");
	else
		snprintf(f, sizeof(f), "%.0f%s", lost, lost > 0 ? " (maps or rings full: see --max-files, "
			 "--max-cgroups, --max-tasks, --ring-size)" : "");
	dt(b, "Lost events", f);
	buf_puts(b, "</dl>");
	if (h->cgs_dropped)
		buf_printf(b, "<p class=\"note\">%lu samples of cgroups beyond the first %d are not drawn.</p>",
			   h->cgs_dropped, HCG_MAX);
}

static void fig(struct buf *b, const char *name, const char *value)
{
	buf_printf(b, "<div><dt>%s</dt><dd>%s</dd></div>", name, value);
}

/* The figures the table's summary gives, in its words and units. */
static void figures(struct buf *b, const struct hcg *c)
{
	const struct hrec *r = c->have_summary ? &c->summary : &c->last;
	char v[160], x[4][32];
	double rate = hrec_num(r, NULL, "anon_growth_bytes_per_hour", 0);

	buf_puts(b, "<dl class=\"figs\">");
	snprintf(v, sizeof(v), "%s <small>(%s at the start)</small>", fmt_bytes(x[0], 32, hrec_num(r, NULL, "anon_bytes", 0)),
		 fmt_bytes(x[1], 32, c->first[HS_ANON]));
	fig(b, "ANON", v);
	snprintf(v, sizeof(v), "%s%s/h", rate < 0 ? "-" : "+", fmt_bytes(x[0], 32, fabs(rate)));
	fig(b, "ANON TREND", v);
	fig(b, "SHMEM", fmt_bytes(x[0], 32, hrec_num(r, NULL, "shmem_bytes", 0)));
	snprintf(v, sizeof(v), "%s <small>(%s reclaimable)</small>", fmt_bytes(x[0], 32, hrec_num(r, NULL, "page_cache_bytes", 0)),
		 fmt_bytes(x[1], 32, hrec_num(r, NULL, "page_cache_reclaimable_bytes", 0)));
	fig(b, "PAGE CACHE", v);
	if (c->have_summary) {
		snprintf(v, sizeof(v), "%s/%s", fmt_bytes(x[0], 32, hrec_num(r, NULL, "page_cache_added_bytes", 0)),
			 fmt_bytes(x[1], 32, hrec_num(r, NULL, "page_cache_removed_bytes", 0)));
		fig(b, "CACHE IN/OUT", v);
		snprintf(v, sizeof(v), "%.0f", hrec_num(r, NULL, "oom_kills", 0));
		fig(b, "OOM KILLS", v);
		snprintf(v, sizeof(v), "%s <small>(%s at the start)</small>",
			 fmt_bytes(x[0], 32, hrec_num(r, NULL, "mem_available_bytes", 0)),
			 fmt_bytes(x[1], 32, hrec_num(r, NULL, "mem_available_start_bytes", 0)));
	} else {
		snprintf(v, sizeof(v), "%s", fmt_bytes(x[0], 32, hrec_num(r, NULL, "mem_available_bytes", 0)));
	}
	fig(b, "AVAILABLE", v);
	buf_puts(b, "</dl>");
	if (c->have_summary && *hrec_str(r, NULL, "page_cache_note")) {
		buf_puts(b, "<p class=\"note\">");
		html_text(b, hrec_str(r, NULL, "page_cache_note"));
		buf_puts(b, "</p>");
	}
}

static void section(struct buf *b, const struct hrun *h, const struct hcg *c, int idx)
{
	const struct hrec *r = verdict_of(c);
	char f[32];

	buf_printf(b, "<section id=\"cg%d\"><h2>", idx);
	html_text(b, c->name);
	buf_printf(b, " <span class=\"v v-%s\">", verdict_cls[hrun_verdict(hrec_str(r, NULL, "verdict"))]);
	html_text(b, hrec_str(r, NULL, "verdict"));
	buf_printf(b, "</span></h2><p class=\"note\">cgroup id %.0f", c->id);
	if (c->have_summary && hrec_bool(r, NULL, "cgroup_gone"))
		buf_puts(b, "; the cgroup is gone");
	if (hrec_num(r, NULL, "cgroup_lives", 1) > 1)
		buf_printf(b, "; %.0f lives (removed and created again)", hrec_num(r, NULL, "cgroup_lives", 1));
	if (c->have_summary)
		buf_printf(b, "; summary over %s", fmt_duration(f, sizeof(f), hrec_num(r, NULL, "duration_s", 0)));
	buf_puts(b, "</p><p>");
	sentence(b, c);
	buf_puts(b, "</p>");
	figures(b, c);
	html_chart_memory(b, h, c, idx);
	html_chart_cache_io(b, h, c, idx);
	html_chart_alloc(b, h, c, idx);
	html_tables(b, h, c);
	buf_puts(b, "</section>");
}

int html_render(const struct hrun *h, struct buf *b)
{
	const struct hcg *cs[HCG_MAX];
	const struct hrec *s = &h->start;
	const struct hnode *t;
	size_t n = sections(h, cs), i;
	char when[64];
	time_t now = time(NULL);
	struct tm tm;

	buf_puts(b, "<!DOCTYPE html>\n<html xmlns=\"http://www.w3.org/1999/xhtml\" lang=\"en\"><head>"
		 "<meta charset=\"utf-8\"/><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"/>"
		 "<meta name=\"color-scheme\" content=\"light dark\"/><meta name=\"generator\" content=\"memprobe\"/>"
		 "<title>memprobe report: ");
	if (hrec_bool(s, NULL, "whole_machine") || !h->have_start)
		buf_puts(b, hrec_bool(s, NULL, "whole_machine") ? "the whole machine" : "a run");
	for (t = hrec_first(s, hrec_get(s, NULL, "targets")), i = 0; t && !hrec_bool(s, NULL, "whole_machine");
	     t = hrec_next(s, t), i++) {
		buf_puts(b, i ? ", " : "");
		html_text(b, hrec_str(s, t, "cgroup"));
	}
	if (*hrec_str(s, NULL, "host")) {
		buf_puts(b, " on ");
		html_text(b, hrec_str(s, NULL, "host"));
	}
	buf_printf(b, "</title><style>%s</style></head><body><h1>Memory report", style);
	if (*hrec_str(s, NULL, "host")) {
		buf_puts(b, ": ");
		html_text(b, hrec_str(s, NULL, "host"));
	}
	buf_puts(b, "</h1>");
	headline(b, h, cs, n);
	metadata(b, h, cs, n);
	for (i = 0; i < n; i++)
		section(b, h, cs[i], (int)i);
	html_tables_machine(b, h);
	localtime_r(&now, &tm);
	strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S %Z", &tm);
	buf_printf(b, "<p class=\"note\">Written by memprobe at %s. Page cache is reclaimable: its growth is never "
		   "a leak. The verdict looks at anonymous memory only (see the README, \u201cLeak or cache?\u201d).</p>"
		   "</body></html>\n", when);
	return b->oom ? -ENOMEM : 0;
}
