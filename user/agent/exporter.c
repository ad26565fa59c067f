// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>

#include "agent/agent.h"
#include "agent/exporter.h"
#include "agent/snapshot.h"
#include "model/posixshm.h"
#include "output/build.h"
#include "model/health.h"
#include "model/series.h"
#include "output/metrics.h"
#include "sys/gzip.h"
#include "sys/httpd.h"
#include "sys/log.h"
#include "sys/util.h"

/* Prometheus's usual compression: text this regular shrinks tenfold at the fastest level. */
#define GZIP_LEVEL		1

enum { FMT_TEXT, FMT_OPENMETRICS, FMT_N };

struct exporter {
	struct httpd *http;
	struct series_set series;
	struct sink sink;
	struct msnap snap;
	bool have_snap;
	double snap_mono;		/* monotonic time of the snapshot's sample */
	double interval_s;
	__u64 samples;
	char kernel[65];
	/* The snapshot rendered, per format and encoding, when first asked for. */
	struct httpd_reply *metrics[FMT_N][2];
	struct httpd_reply *index, *healthy, *stale, *not_found, *not_allowed;
};

static const char index_page[] =
	"<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>memprobe</title></head>\n"
	"<body><h1>memprobe</h1>\n<p>Where this machine's memory goes, measured by kernel probes.</p>\n"
	"<ul><li><a href=\"metrics\">/metrics</a>: the figures, for Prometheus</li>\n"
	"<li><a href=\"-/healthy\">/-/healthy</a>: 200 while sampling</li></ul>\n</body></html>\n";
static const char healthy_text[] = "memprobe is sampling\n";
static const char stale_text[] = "memprobe's last sample is more than three intervals old\n";
static const char not_found_text[] = "not found: memprobe serves /metrics\n";
static const char not_allowed_text[] = "method not allowed: GET or HEAD\n";

static int x_oom_kill(struct sink *s, const struct rec_oom_kill *r)
{
	struct exporter *x = s->priv;

	/* Only the time is wanted; the count comes from the model, with every kill. */
	if (series_note_kill(&x->series, r->cgroup_id, r->ts))
		log_debug("no memory to note an OOM kill's time for the metrics");
	return 0;
}

/* The exporter owns the sink: the sinks' destroy leaves it alone. */
static void x_destroy(struct sink *s)
{
	(void)s;
}

static const struct sink_ops exporter_ops = {
	.oom_kill = x_oom_kill,
	.destroy = x_destroy,
};

static struct httpd_reply *fixed(unsigned int status, const char *type, const char *text)
{
	return httpd_reply_new(status, type, NULL, (void *)text, strlen(text), true);
}

int exporter_new(struct exporter **out, const struct options *o, char *err, size_t errlen)
{
	struct exporter *x = calloc(1, sizeof(*x));
	struct utsname u;
	int r;

	*out = NULL;
	if (!x)
		return -ENOMEM;
	r = httpd_new(&x->http, &o->listen, err, errlen);
	if (r) {
		free(x);
		return r;
	}
	series_init(&x->series, !o->n_targets && !o->command, o->max_series);
	x->sink = (struct sink){ .ops = &exporter_ops, .priv = x };
	x->interval_s = o->interval_s;
	if (!uname(&u))
		snprintf(x->kernel, sizeof(x->kernel), "%s", u.release);
	x->index = fixed(200, "text/html; charset=utf-8", index_page);
	x->healthy = fixed(200, "text/plain; charset=utf-8", healthy_text);
	x->stale = fixed(503, "text/plain; charset=utf-8", stale_text);
	x->not_found = fixed(404, "text/plain; charset=utf-8", not_found_text);
	x->not_allowed = fixed(405, "text/plain; charset=utf-8", not_allowed_text);
	if (!x->index || !x->healthy || !x->stale || !x->not_found || !x->not_allowed ||
	    httpd_reply_header(x->not_allowed, "Allow", "GET, HEAD")) {
		exporter_free(x);
		snprintf(err, errlen, "--listen: out of memory");
		return -ENOMEM;
	}
	*out = x;
	return 0;
}

struct sink *exporter_sink(struct exporter *x)
{
	return &x->sink;
}

int exporter_account(struct exporter *x, const struct agent *a)
{
	int r = series_update(&x->series, &a->targets, &a->events.ooms, a->targets.t_now);

	return r ? log_err_errno(r, "cannot count the metrics' series") : 0;
}

static void drop_rendered(struct exporter *x)
{
	size_t f, z;

	for (f = 0; f < FMT_N; f++) {
		for (z = 0; z < 2; z++) {
			httpd_reply_drop(x->metrics[f][z]);
			x->metrics[f][z] = NULL;
		}
	}
}

void exporter_posix(struct exporter *x, const struct agent *a, const struct pshm *ps)
{
	size_t i;

	series_bind(&x->series, &a->targets);
	for (i = 0; i < x->series.n; i++) {
		struct series *se = x->series.v[i];

		se->posix_known = se->cur != NULL;
		se->posix_bytes = se->cur ? report_posix_bytes(se->cur, &a->agg, ps) : 0;
	}
}

/*
 * The limits, forecasts and memory events the metrics give for every
 * exported cgroup; the cycle reads them for the cgroups it shows, the
 * others are read here, once a sample (not at the baseline, before any).
 */
static int read_health(struct exporter *x, struct agent *a)
{
	struct targets *ts = &a->targets;
	size_t *idx = calloc(x->series.n + 1, sizeof(*idx)), i, n = 0;
	int r;

	if (!idx)
		return -ENOMEM;
	series_bind(&x->series, ts);
	for (i = 0; i < x->series.n; i++) {
		const struct target *t = x->series.v[i]->cur;

		if (t && (!t->health || t->health->read_at != ts->t_now))
			idx[n++] = (size_t)(t - ts->v);
	}
	r = health_read(ts, idx, n);
	free(idx);
	if (!r)
		series_fold_events(&x->series, ts);
	return r;
}

void exporter_follow(struct exporter *x, struct targets *ts)
{
	size_t i;

	series_bind(&x->series, ts);
	for (i = 0; i < x->series.n; i++)
		if (x->series.v[i]->cur && !x->series.v[i]->cur->root)
			ts->v[x->series.v[i]->cur - ts->v].followed = true;
	targets_index_followed(ts);
}

int exporter_sample(struct exporter *x, struct agent *a)
{
	struct snapshot_input in = {
		.a = a, .series = &x->series, .samples = ++x->samples, .kernel = x->kernel,
	};
	int r;

	if (x->samples > 1 && (r = read_health(x, a)))
		return log_err_errno(r, "cannot read the cgroups' limits for the metrics");
	/* Scrapes under way keep the replies they were given; the next ones get this sample. */
	drop_rendered(x);
	snapshot_free(&x->snap);
	x->have_snap = false;
	r = snapshot_take(&x->snap, &in);
	if (r)
		return log_err_errno(r, "cannot take the metrics' snapshot");
	x->have_snap = true;
	x->snap_mono = now_monotonic();
	return 0;
}

/* Renders the snapshot in one format and encoding; NULL when memory is short (the scrape is dropped). */
static struct httpd_reply *render(struct exporter *x, int fmt, bool gz)
{
	struct buf b = { 0 };
	struct httpd_reply *r;
	void *body = NULL;
	size_t len = 0;

	metrics_render(&x->snap, fmt == FMT_OPENMETRICS, &b);
	if (b.oom) {
		buf_free(&b);
		return NULL;
	}
	if (gz) {
		int e = gzip_compress(b.p, b.len, GZIP_LEVEL, &body, &len);

		buf_free(&b);
		if (e)
			return NULL;
	} else {
		body = b.p;
		len = b.len;
	}
	r = httpd_reply_new(200, fmt == FMT_OPENMETRICS ? METRICS_OPENMETRICS_TYPE : METRICS_TEXT_TYPE,
			    gz ? "gzip" : NULL, body, len, false);
	if (r && httpd_reply_header(r, "Vary", "Accept, Accept-Encoding")) {
		httpd_reply_drop(r);
		r = NULL;
	}
	return r;
}

static struct httpd_reply *metrics(struct exporter *x, const struct httpd_request *rq)
{
	/* OpenMetrics when asked for by name and preferred; a wildcard or nothing gets the text format. */
	double om = httpd_quality(rq->accept, "application/openmetrics-text", false);
	double text = httpd_quality(rq->accept, "text/plain", true);
	int fmt = om > 0 && om >= text ? FMT_OPENMETRICS : FMT_TEXT;
	bool gz = httpd_quality(rq->accept_encoding, "gzip", true) > 0;

	if (!x->metrics[fmt][gz])
		x->metrics[fmt][gz] = render(x, fmt, gz);
	return x->metrics[fmt][gz];
}

static struct httpd_reply *route(void *ctx, const struct httpd_request *rq)
{
	struct exporter *x = ctx;
	bool get = !strcmp(rq->method, "GET") || !strcmp(rq->method, "HEAD");

	if (strcmp(rq->path, "/metrics") && strcmp(rq->path, "/") && strcmp(rq->path, "/-/healthy"))
		return x->not_found;
	if (!get)
		return x->not_allowed;
	if (!strcmp(rq->path, "/"))
		return x->index;
	if (!strcmp(rq->path, "/-/healthy"))
		return x->have_snap && now_monotonic() - x->snap_mono <= 3 * x->interval_s ? x->healthy : x->stale;
	return x->have_snap ? metrics(x, rq) : x->stale;
}

int exporter_start(struct exporter *x, struct loop *l)
{
	int r = httpd_start(x->http, l, route, x);

	return r ? log_err_errno(r, "cannot start serving the metrics") : 0;
}

void exporter_free(struct exporter *x)
{
	if (!x)
		return;
	/* The server first: it lets go of the replies it was sending. */
	httpd_free(x->http);
	drop_rendered(x);
	httpd_reply_drop(x->index);
	httpd_reply_drop(x->healthy);
	httpd_reply_drop(x->stale);
	httpd_reply_drop(x->not_found);
	httpd_reply_drop(x->not_allowed);
	snapshot_free(&x->snap);
	series_free(&x->series);
	free(x);
}
