// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The --report sink: every record goes into the report's model (in
 * bounded memory), and at the end of the run the page is written to the
 * file in one piece. The file is opened when the sink is made, before
 * memprobe loads anything or gives up its privileges, so that a path it
 * cannot write fails the run at once rather than after an hour of load
 * test. A run that ends without summaries (a reader that went away, an
 * error) still gets the report of what it saw, written when the sink goes.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "output/html_model.h"
#include "output/sink.h"
#include "sys/log.h"

struct html {
	struct hrun run;
	int fd;
	char *path;
	bool written;
	bool seen;		/* any record at all */
};

/* The record, as the report reads it, into the model. */
#define INGEST(s, type, ts, fields_fn, rec)						\
	({										\
		struct html *_h = (s)->priv;						\
		hrec_begin(&_h->run.scratch, (type), (ts));				\
		fields_fn((rec), &hrec_visitor, &_h->run.scratch);			\
		_h->seen = true;							\
		hrun_ingest(&_h->run, &_h->run.scratch);				\
	})

int html_write_fd(const struct hrun *run, int fd, bool rewrite)
{
	struct buf b = { 0 };
	size_t at = 0;
	int r;

	r = html_render(run, &b);
	if (!r && rewrite && lseek(fd, 0, SEEK_SET) < 0)
		r = -errno;
	while (!r && at < b.len) {
		ssize_t w = write(fd, b.p + at, b.len - at);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			r = -errno;
		else
			at += (size_t)w;
	}
	/* A report written over a longer one leaves no tail of the old. */
	if (!r && rewrite && ftruncate(fd, (off_t)b.len))
		r = -errno;
	buf_free(&b);
	return r;
}

static int write_report(struct html *h)
{
	int r = html_write_fd(&h->run, h->fd, true);

	h->written = true;
	return r;
}

static int html_start(struct sink *s, const struct rec_start *r)
{
	return INGEST(s, "start", r->ts, fields_start, r);
}

static int html_samples(struct sink *s, const struct rec_sample *r, size_t n)
{
	size_t i;
	int err;

	for (i = 0; i < n; i++) {
		err = INGEST(s, "sample", r[i].ts, fields_sample, &r[i]);
		if (err)
			return err;
	}
	return 0;
}

/* The final summaries are the end of the run: the report is written now. */
static int html_summaries(struct sink *s, const struct rec_summary *r, size_t n)
{
	size_t i;
	int err;

	if (n && r[0].interim)
		return 0;
	for (i = 0; i < n; i++) {
		err = INGEST(s, "summary", r[i].ts, fields_summary, &r[i]);
		if (err)
			return err;
	}
	return write_report(s->priv);
}

static int html_shm(struct sink *s, const struct rec_shm *r)
{
	return INGEST(s, "shm", r->ts, fields_shm, r);
}

static int html_shm_orphan(struct sink *s, const struct rec_shm_orphan *r)
{
	return INGEST(s, "shm_orphan", r->ts, fields_shm_orphan, r);
}

static int html_oom_kill(struct sink *s, const struct rec_oom_kill *r)
{
	return INGEST(s, "oom_kill", r->ts, fields_oom_kill, r);
}

static int html_verdict_change(struct sink *s, const struct rec_verdict_change *r)
{
	return INGEST(s, "verdict", r->ts, fields_verdict_change, r);
}

static void html_destroy(struct sink *s)
{
	struct html *h = s->priv;
	int r;

	if (h->seen && !h->written) {
		r = write_report(h);
		if (r)
			log_warn("cannot write the report to %s: %s", h->path, strerror(-r));
	}
	if (h->fd >= 0)
		close(h->fd);
	hrun_free(&h->run);
	free(h->path);
	free(h);
	free(s);
}

static const struct sink_ops html_ops = {
	.start = html_start,
	.samples = html_samples,
	.summaries = html_summaries,
	.shm = html_shm,
	.shm_orphan = html_shm_orphan,
	.oom_kill = html_oom_kill,
	.verdict_change = html_verdict_change,
	.destroy = html_destroy,
};

int sink_html_new(struct sink **out, const char *path)
{
	struct sink *s = calloc(1, sizeof(*s));
	struct html *h = calloc(1, sizeof(*h));
	int r = -ENOMEM;

	*out = NULL;
	if (!s || !h || !(h->path = strdup(path)))
		goto fail;
	hrun_init(&h->run);
	h->fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOCTTY, 0644);
	if (h->fd < 0) {
		r = -errno;
		goto fail;
	}
	s->ops = &html_ops;
	s->priv = h;
	*out = s;
	return 0;
fail:
	if (h)
		free(h->path);
	free(h);
	free(s);
	return r;
}
