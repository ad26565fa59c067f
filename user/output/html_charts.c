// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The report's charts, as inline SVG drawn from the model's buckets: no
 * script, no font, nothing fetched, so a report opens anywhere. Colours
 * come from the page's stylesheet (classes), which follows the reader's
 * light or dark mode. Each chart has a title and a text alternative with
 * the figures it plots, and each series carries the points it draws
 * (data-t: seconds after the chart's data-t0; data-v: bytes) next to the
 * path, so that a test or a script can read them back exactly.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "output/html_escape.h"
#include "output/html_model.h"
#include "sys/format.h"

#define W		900
#define X0		92.0
#define X1		866.0
#define Y0		14.0
#define MEM_H		300
#define BAR_H		170
#define AXIS_GAP	24.0	/* room for the time labels under the plot */

static const char *const series_key[HS_N] = { "anon", "shmem", "page_cache" };
static const char *const series_word[HS_N] = { "ANON", "SHMEM", "PAGE CACHE" };
static const char *const verdict_word[] = { "normal", "warning", "leak" };

struct axes {
	double t0, t1;		/* seconds, Unix time */
	double vmin, vmax;	/* bytes */
	double y1;		/* bottom of the plot */
};

static double X(const struct axes *a, double t)
{
	return a->t1 > a->t0 ? X0 + (t - a->t0) / (a->t1 - a->t0) * (X1 - X0) : X0;
}

static double Y(const struct axes *a, double v)
{
	return a->y1 - (v - a->vmin) / (a->vmax - a->vmin) * (a->y1 - Y0);
}

/* A step for about `ticks` gridlines, in byte units: 1, 2 or 5 times a power of ten of B, KiB, MiB... */
static double byte_step(double range, int ticks)
{
	static const double m[] = { 1, 2, 5, 10, 20, 50, 100, 200, 500, 1024 };
	double raw = range / ticks, unit = 1;
	size_t i;

	while (raw >= 1024 * unit && unit < 1125899906842624.0)
		unit *= 1024;
	for (i = 0; i < sizeof(m) / sizeof(m[0]) - 1 && m[i] * unit < raw; i++)
		;
	return m[i] * unit;
}

static double nice_top(double v, int ticks)
{
	double step;

	if (v < 1024)
		v = 1024;
	step = byte_step(v, ticks);
	return ceil(v / step) * step;
}

static void text(struct buf *b, const char *s)
{
	html_text(b, s);
}

/* Gridlines and labels: bytes up the side, local time along the bottom. */
static void grid(struct buf *b, const struct axes *a, bool per_second, bool mirrored)
{
	static const double steps[] = { 1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200,
					10800, 21600, 43200, 86400, 172800, 604800 };
	double span = a->t1 - a->t0, step = steps[0], v, t, off, top;
	char lab[32], when[32];
	struct tm tm;
	time_t sec;
	size_t i;

	top = a->vmax;
	buf_puts(b, "<g class=\"grid\">");
	for (v = mirrored ? -top : 0; v <= top * 1.0001; v += byte_step(top, mirrored ? 2 : 4)) {
		fmt_bytes(lab, sizeof(lab), fabs(v));
		buf_printf(b, "<line x1=\"%.0f\" x2=\"%.0f\" y1=\"%.1f\" y2=\"%.1f\"/>", X0, X1, Y(a, v), Y(a, v));
		buf_printf(b, "<text class=\"yl\" x=\"%.0f\" y=\"%.1f\">%s%s%s</text>", X0 - 6, Y(a, v) + 4,
			   mirrored && v > 0 ? "in " : mirrored && v < 0 ? "out " : "", lab, per_second ? "/s" : "");
	}
	for (i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
		step = steps[i];
		if (span / step <= 7)
			break;
	}
	sec = (time_t)a->t0;
	localtime_r(&sec, &tm);
	off = (double)tm.tm_gmtoff;
	for (t = ceil((a->t0 + off) / step) * step - off; span > 0 && t <= a->t1; t += step) {
		sec = (time_t)t;
		localtime_r(&sec, &tm);
		strftime(when, sizeof(when), span > 172800 ? "%a %H:%M" : step < 60 ? "%H:%M:%S" : "%H:%M", &tm);
		buf_printf(b, "<line x1=\"%.1f\" x2=\"%.1f\" y1=\"%.0f\" y2=\"%.1f\"/>", X(a, t), X(a, t), Y0, a->y1);
		buf_printf(b, "<text class=\"xl\" x=\"%.1f\" y=\"%.1f\">%s</text>", X(a, t), a->y1 + 16, when);
	}
	buf_puts(b, "</g>");
}

static void svg_open(struct buf *b, const char *cls, int idx, int h, const struct axes *a)
{
	buf_printf(b, "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"chart %s\" viewBox=\"0 0 %d %d\" "
		   "role=\"img\" aria-labelledby=\"%s-t%d %s-d%d\" data-t0=\"%.3f\" data-t1=\"%.3f\" "
		   "data-vmin=\"%.0f\" data-vmax=\"%.0f\" data-x0=\"%.0f\" data-x1=\"%.0f\" data-y0=\"%.0f\" data-y1=\"%.0f\">",
		   cls, W, h, cls, idx, cls, idx, a->t0, a->t1, a->vmin, a->vmax, X0, X1, Y0, a->y1);
	buf_printf(b, "<defs><clipPath id=\"%s-c%d\"><rect x=\"%.0f\" y=\"%.0f\" width=\"%.0f\" height=\"%.0f\"/>"
		   "</clipPath></defs>", cls, idx, X0, Y0 - 2, X1 - X0, a->y1 - Y0 + 4);
}

/* Each bucket's lowest and highest point, in the order they happened: spikes survive downsampling. */
static void series(struct buf *b, const struct axes *a, const struct hcg *c, int s, double gap)
{
	struct buf d = { 0 };
	double prev = -INFINITY;
	bool first = true;
	size_t i;
	int k;

	buf_printf(b, "<path class=\"s-%s\" data-series=\"%s\" data-t=\"", series_key[s], series_key[s]);
	for (i = 0; i < c->nb; i++) {
		const struct hrange *g = &c->b[i].s[s];
		double t[2] = { g->tmin, g->tmax }, v[2] = { g->min, g->max };
		int n = g->tmin == g->tmax ? 1 : 2;

		if (n == 2 && g->tmax < g->tmin) {
			t[0] = g->tmax, v[0] = g->max;
			t[1] = g->tmin, v[1] = g->min;
		}
		for (k = 0; k < n; k++) {
			buf_printf(b, "%s%.3f", first ? "" : " ", t[k] - a->t0);
			first = false;
			buf_printf(&d, "%s%s%.1f,%.1f", d.len ? " " : "", t[k] - prev > gap ? "M" : "L",
				   X(a, t[k]), Y(a, v[k]));
			prev = t[k];
		}
	}
	buf_puts(b, "\" data-v=\"");
	for (i = 0; i < c->nb; i++) {
		const struct hrange *g = &c->b[i].s[s];

		if (g->tmin == g->tmax)
			buf_printf(b, "%s%.0f", i ? " " : "", g->min);
		else if (g->tmin < g->tmax)
			buf_printf(b, "%s%.0f %.0f", i ? " " : "", g->min, g->max);
		else
			buf_printf(b, "%s%.0f %.0f", i ? " " : "", g->max, g->min);
	}
	buf_printf(b, "\" d=\"%s\"/>", d.len ? d.p : "M0,0");
	if (d.oom)
		b->oom = true;
	buf_free(&d);
}

/* The verdict over time, as shaded bands behind the lines. */
static void bands(struct buf *b, const struct axes *a, const struct hcg *c)
{
	size_t i, j;

	buf_puts(b, "<g class=\"bands\">");
	for (i = 0; i < c->nb; i = j) {
		double xa, xb;

		for (j = i + 1; j < c->nb && c->b[j].verdict == c->b[i].verdict; j++)
			;
		xa = X(a, c->b[i].t0);
		xb = j < c->nb ? X(a, c->b[j].t0) : X(a, c->b[j - 1].t1);
		buf_printf(b, "<rect class=\"band-%s\" x=\"%.1f\" y=\"%.0f\" width=\"%.1f\" height=\"%.0f\"/>",
			   verdict_word[c->b[i].verdict], xa, Y0, xb - xa > 1 ? xb - xa : 1, a->y1 - Y0);
	}
	buf_puts(b, "</g>");
}

/* The last limit of a kind that is known and finite; NAN when none. */
static double last_limit(const struct hcg *c, bool high)
{
	size_t i;

	for (i = c->nb; i-- > 0;) {
		double v = high ? c->b[i].high : c->b[i].max;

		if (isfinite(v))
			return v;
	}
	return NAN;
}

static void limit_line(struct buf *b, const struct axes *a, const struct hcg *c, bool high)
{
	struct buf d = { 0 };
	size_t i;

	for (i = 0; i < c->nb; i++) {
		double v = high ? c->b[i].high : c->b[i].max;
		double xe = i + 1 < c->nb ? X(a, c->b[i + 1].t0) : X(a, c->b[i].t1);

		if (isfinite(v))
			buf_printf(&d, "M%.1f,%.1fH%.1f", X(a, c->b[i].t0), Y(a, v), xe);
	}
	if (d.len)
		buf_printf(b, "<path class=\"limit-%s\" d=\"%s\"/>", high ? "high" : "max", d.p);
	buf_free(&d);
}

/* The fitted anon trend: the verdict's slope, through the mean of the samples in its window. */
static bool trend(const struct hcg *c, double *ta, double *va, double *tb, double *vb)
{
	const struct hrec *r = c->have_summary ? &c->summary : &c->last;
	double slope = hrec_num(r, NULL, "anon_growth_bytes_per_hour", NAN) / 3600;
	double window = hrec_num(r, NULL, "verdict_window_s", 0), st = 0, sv = 0, n = 0;
	size_t i;

	if (!c->nb || !isfinite(slope) || window <= 0 || hrec_num(r, NULL, "verdict_samples", 0) < 2)
		return false;
	*tb = c->b[c->nb - 1].t1;
	*ta = *tb - window;
	for (i = 0; i < c->nb; i++) {
		if (c->b[i].t0 < *ta - 1e-6)
			continue;
		st += c->b[i].tsum;
		sv += c->b[i].s[HS_ANON].sum;
		n += c->b[i].n;
	}
	if (n < 2)
		return false;
	if (*ta < c->b[0].t0)
		*ta = c->b[0].t0;
	*va = sv / n + slope * (*ta - st / n);
	*vb = sv / n + slope * (*tb - st / n);
	return true;
}

/* A vertical line at t with a label; each kind labels at its own height, so that they do not collide. */
static void marker(struct buf *b, const struct axes *a, double t, const char *cls, int row, const char *label,
		   const char *title)
{
	double x = X(a, t);
	bool left = x > X1 - 60;

	buf_printf(b, "<g class=\"%s\"><title>", cls);
	text(b, title);
	buf_printf(b, "</title><line x1=\"%.1f\" x2=\"%.1f\" y1=\"%.0f\" y2=\"%.0f\"/><text x=\"%.1f\" y=\"%.0f\"%s>",
		   x, x, Y0, a->y1, left ? x - 3 : x + 3, Y0 + 10 + 12 * row, left ? " text-anchor=\"end\"" : "");
	text(b, label);
	buf_puts(b, "</text></g>");
}

static size_t markers(struct buf *b, const struct axes *a, const struct hrun *h, const struct hcg *c,
		      size_t *n_oom, size_t *n_orphan, size_t *n_verdict)
{
	char t[1024], x[32];
	size_t i;

	*n_oom = *n_orphan = *n_verdict = 0;
	buf_puts(b, "<g class=\"markers\">");
	for (i = 0; i < h->verdicts.n; i++) {
		const struct hrec *r = &h->verdicts.v[i];

		if (strcmp(hrec_str(r, NULL, "cgroup"), c->name))
			continue;
		snprintf(t, sizeof(t), "verdict %s \u2192 %s: %s", hrec_str(r, NULL, "previous_verdict"),
			 hrec_str(r, NULL, "verdict"), hrec_str(r, NULL, "verdict_reason"));
		marker(b, a, r->ts, "m-verdict", 0, hrec_str(r, NULL, "verdict"), t);
		(*n_verdict)++;
	}
	for (i = 0; i < h->orphans.n; i++) {
		const struct hrec *r = &h->orphans.v[i];

		if (!hrun_under(c, hrec_str(r, NULL, "cgroup")))
			continue;
		snprintf(t, sizeof(t), "orphaned SysV segment %.0f (%s), created by %.0f %s; remove it with: %s",
			 hrec_num(r, NULL, "shmid", 0), fmt_bytes(x, sizeof(x), hrec_num(r, NULL, "size_bytes", 0)),
			 hrec_num(r, NULL, "creator_pid", 0), hrec_str(r, NULL, "creator_comm"),
			 hrec_str(r, NULL, "remove_command"));
		marker(b, a, r->ts, "m-orphan", 1, "orphan", t);
		(*n_orphan)++;
	}
	for (i = 0; i < h->ooms.n; i++) {
		const struct hrec *r = &h->ooms.v[i];

		if (!hrun_under(c, hrec_str(r, NULL, "cgroup")) && !hrun_under(c, hrec_str(r, NULL, "oom_cgroup")))
			continue;
		snprintf(t, sizeof(t), "OOM kill: pid %.0f (%s) in %s, anon %s", hrec_num(r, NULL, "pid", 0),
			 hrec_str(r, NULL, "comm"), hrec_str(r, NULL, "cgroup"),
			 fmt_bytes(x, sizeof(x), hrec_num(r, NULL, "anon_rss_bytes", 0)));
		marker(b, a, r->ts, "m-oom", 2, "OOM", t);
		(*n_oom)++;
	}
	buf_puts(b, "</g>");
	return *n_oom + *n_orphan + *n_verdict;
}

static double series_top(const struct hcg *c)
{
	double top = 0;
	size_t i;
	int s;

	for (i = 0; i < c->nb; i++)
		for (s = 0; s < HS_N; s++)
			if (c->b[i].s[s].max > top)
				top = c->b[i].s[s].max;
	return top;
}

void html_chart_memory(struct buf *b, const struct hrun *h, const struct hcg *c, int idx)
{
	double top = series_top(c), hi = last_limit(c, true), mx = last_limit(c, false);
	double ta = 0, va = 0, tb = 0, vb = 0, interval, gap, span;
	bool shown_hi, shown_mx, have_trend = trend(c, &ta, &va, &tb, &vb);
	char f[6][32], d[32];
	size_t n_oom, n_orphan, n_verdict;
	struct axes a = { .y1 = MEM_H - AXIS_GAP };
	int s;

	hrun_span(h, &a.t0, &a.t1);
	/* A limit far above the figures would flatten them: it is named in the legend instead. */
	shown_hi = isfinite(hi) && hi <= 4 * top;
	shown_mx = isfinite(mx) && mx <= 4 * top;
	a.vmax = nice_top(fmax(fmax(top, shown_hi ? hi : 0), shown_mx ? mx : 0), 4);
	interval = hrec_num(&h->start, NULL, "interval_s", 5);
	span = a.t1 - a.t0;
	gap = fmax(3 * interval, c->nb ? 3 * span / c->nb : 0);
	buf_puts(b, "<figure>");
	svg_open(b, "mem", idx, MEM_H, &a);
	buf_printf(b, "<title id=\"mem-t%d\">Memory of ", idx);
	text(b, c->name);
	buf_puts(b, " over the run: anon, shmem and page cache</title>");
	bands(b, &a, c);
	grid(b, &a, false, false);
	buf_printf(b, "<g clip-path=\"url(#mem-c%d)\">", idx);
	for (s = HS_N - 1; s >= 0; s--)
		series(b, &a, c, s, gap);
	if (have_trend)
		buf_printf(b, "<path class=\"trend\" d=\"M%.1f,%.1fL%.1f,%.1f\"/>", X(&a, ta), Y(&a, va), X(&a, tb), Y(&a, vb));
	if (shown_hi)
		limit_line(b, &a, c, true);
	if (shown_mx)
		limit_line(b, &a, c, false);
	buf_puts(b, "</g>");
	markers(b, &a, h, c, &n_oom, &n_orphan, &n_verdict);
	/* The text alternative: the figures the chart plots, in the table's units. */
	buf_printf(b, "<desc id=\"mem-d%d\">", idx);
	for (s = 0; s < HS_N; s++) {
		const struct hrange *g = NULL;
		double lo = INFINITY, hi2 = -INFINITY;
		size_t i;

		for (i = 0; i < c->nb; i++) {
			g = &c->b[i].s[s];
			lo = fmin(lo, g->min);
			hi2 = fmax(hi2, g->max);
		}
		if (!g)
			break;
		buf_printf(b, "%s %s at the start, %s at the end, lowest %s, highest %s. ", series_word[s],
			   fmt_bytes(f[0], sizeof(f[0]), c->first[s]),
			   fmt_bytes(f[1], sizeof(f[1]), hrec_num(&c->last, NULL, series_key[s][0] == 'p' ?
								  "page_cache_bytes" : s == HS_ANON ? "anon_bytes" :
								  "shmem_bytes", 0)),
			   fmt_bytes(f[2], sizeof(f[2]), lo), fmt_bytes(f[3], sizeof(f[3]), hi2));
	}
	if (have_trend)
		buf_printf(b, "Anon trend %s%s/h over %s. ", vb >= va ? "+" : "-",
			   fmt_bytes(f[4], sizeof(f[4]), fabs(vb - va) / fmax(tb - ta, 1e-9) * 3600),
			   fmt_duration(d, sizeof(d), tb - ta));
	if (isfinite(hi))
		buf_printf(b, "MemoryHigh %s. ", fmt_bytes(f[5], sizeof(f[5]), hi));
	if (isfinite(mx))
		buf_printf(b, "MemoryMax %s. ", fmt_bytes(f[5], sizeof(f[5]), mx));
	buf_printf(b, "%zu OOM kills, %zu orphaned segments, %zu verdict changes marked. "
		   "%lu samples over %s; each series draws at most %zu points, the lowest and highest of every %u samples.</desc>",
		   n_oom, n_orphan, n_verdict, c->samples, fmt_duration(d, sizeof(d), span), c->nb * 2, c->per);
	buf_puts(b, "</svg><figcaption class=\"legend\">"
		 "<span class=\"k k-anon\">ANON</span><span class=\"k k-shmem\">SHMEM</span>"
		 "<span class=\"k k-page_cache\">PAGE CACHE</span>");
	if (have_trend)
		buf_printf(b, "<span class=\"k k-trend\">anon trend %s%s/h</span>", vb >= va ? "+" : "-",
			   fmt_bytes(f[4], sizeof(f[4]), fabs(vb - va) / fmax(tb - ta, 1e-9) * 3600));
	if (isfinite(hi))
		buf_printf(b, "<span class=\"k k-high\">MemoryHigh %s%s</span>", fmt_bytes(f[0], sizeof(f[0]), hi),
			   shown_hi ? "" : " (far above: not drawn)");
	if (isfinite(mx))
		buf_printf(b, "<span class=\"k k-max\">MemoryMax %s%s</span>", fmt_bytes(f[1], sizeof(f[1]), mx),
			   shown_mx ? "" : " (far above: not drawn)");
	buf_puts(b, "<span class=\"k k-band-normal\">normal</span><span class=\"k k-band-warning\">warning</span>"
		 "<span class=\"k k-band-leak\">leak</span>");
	if (n_oom)
		buf_puts(b, "<span class=\"k k-oom\">OOM kill</span>");
	if (n_orphan)
		buf_puts(b, "<span class=\"k k-orphan\">orphaned segment</span>");
	if (n_verdict)
		buf_puts(b, "<span class=\"k k-verdict\">verdict change</span>");
	buf_puts(b, "</figcaption></figure>");
}

/* Bars, one per bucket: a mean per interval of what the bucket summed. */
static void bars(struct buf *b, const struct axes *a, const struct hcg *c, const char *cls, int which, bool down)
{
	double w = fmin(fmax(0.8 * (X1 - X0) / (c->nb ? c->nb : 1), 1), 40);
	size_t i;

	buf_printf(b, "<path class=\"%s\" d=\"", cls);
	for (i = 0; i < c->nb; i++) {
		const struct hbucket *k = &c->b[i];
		double v = (which == 0 ? k->cache_in : which == 1 ? k->cache_out : k->alloc_rate) / k->n;
		double y = Y(a, down ? -v : v), y0 = Y(a, 0), x = X(a, (k->t0 + k->t1) / 2);
		double xa = fmax(x - w / 2, X0), xb = fmin(x + w / 2, X1);

		if (v <= 0)
			continue;
		if (fabs(y - y0) < 1)
			y = down ? y0 + 1 : y0 - 1;
		buf_printf(b, "M%.1f,%.1fH%.1fV%.1fH%.1fZ", xa, y0, xb, y, xa);
	}
	buf_puts(b, "\"/>");
}

void html_chart_cache_io(struct buf *b, const struct hrun *h, const struct hcg *c, int idx)
{
	double top = 0, sin = 0, sout = 0;
	struct axes a = { .y1 = BAR_H - AXIS_GAP };
	char f[4][32];
	size_t i;

	for (i = 0; i < c->nb; i++) {
		top = fmax(top, fmax(c->b[i].cache_in, c->b[i].cache_out) / c->b[i].n);
		sin += c->b[i].cache_in;
		sout += c->b[i].cache_out;
	}
	hrun_span(h, &a.t0, &a.t1);
	a.vmax = nice_top(top, 2);
	a.vmin = -a.vmax;
	buf_puts(b, "<figure>");
	svg_open(b, "io", idx, BAR_H, &a);
	buf_printf(b, "<title id=\"io-t%d\">CACHE IN/OUT of ", idx);
	text(b, c->name);
	buf_printf(b, " per interval</title><desc id=\"io-d%d\">Page cache the probes saw enter (up) and leave (down) per "
		   "interval: %s in and %s out over the run; the largest bar %s. Each bar is the mean of up to %u intervals.</desc>",
		   idx, fmt_bytes(f[0], sizeof(f[0]), sin), fmt_bytes(f[1], sizeof(f[1]), sout),
		   fmt_bytes(f[2], sizeof(f[2]), top), c->per);
	grid(b, &a, false, true);
	bars(b, &a, c, "b-in", 0, false);
	bars(b, &a, c, "b-out", 1, true);
	buf_puts(b, "</svg><figcaption class=\"legend\"><span class=\"k k-in\">page cache in</span>"
		 "<span class=\"k k-out\">page cache out</span> per interval</figcaption></figure>");
}

void html_chart_alloc(struct buf *b, const struct hrun *h, const struct hcg *c, int idx)
{
	double top = 0, sum = 0, n = 0;
	struct axes a = { .y1 = BAR_H - AXIS_GAP };
	char f[2][32];
	size_t i;

	for (i = 0; i < c->nb; i++) {
		top = fmax(top, c->b[i].alloc_rate / c->b[i].n);
		sum += c->b[i].alloc_rate;
		n += c->b[i].n;
	}
	hrun_span(h, &a.t0, &a.t1);
	a.vmax = nice_top(top, 3);
	buf_puts(b, "<figure>");
	svg_open(b, "alloc", idx, BAR_H, &a);
	buf_printf(b, "<title id=\"alloc-t%d\">ALLOC/s of ", idx);
	text(b, c->name);
	buf_printf(b, ": page allocations by its tasks</title><desc id=\"alloc-d%d\">Page allocations per second: "
		   "%s/s on average, %s/s at the highest bar. Each bar is the mean of up to %u intervals.</desc>", idx,
		   fmt_bytes(f[0], sizeof(f[0]), n ? sum / n : 0), fmt_bytes(f[1], sizeof(f[1]), top), c->per);
	grid(b, &a, true, false);
	bars(b, &a, c, "b-alloc", 2, false);
	buf_puts(b, "</svg><figcaption class=\"legend\"><span class=\"k k-alloc\">ALLOC/s</span> "
		 "page allocations per second (kmem:mm_page_alloc)</figcaption></figure>");
}

void html_sparkline(struct buf *b, const struct hproc *p, double t0, double t1)
{
	double top = 0, span = t1 > t0 ? t1 - t0 : 1;
	char f[2][32];
	unsigned int i;

	for (i = 0; i < p->n; i++)
		top = fmax(top, p->v[i]);
	buf_puts(b, "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"spark\" viewBox=\"0 0 120 24\" "
		 "width=\"120\" height=\"24\" role=\"img\"><title>RSS of ");
	text(b, p->comm);
	buf_printf(b, " over the run: %s first seen, highest %s</title><path d=\"",
		   fmt_bytes(f[0], sizeof(f[0]), p->n ? p->v[0] : 0), fmt_bytes(f[1], sizeof(f[1]), top));
	for (i = 0; i < p->n; i++)
		buf_printf(b, "%s%.1f,%.1f", i ? "L" : "M", 1 + (p->t[i] - t0) / span * 118,
			   top > 0 ? 22 - p->v[i] / top * 20 : 22);
	if (p->n == 1)
		buf_printf(b, "h2");
	buf_puts(b, "\"/></svg>");
}
