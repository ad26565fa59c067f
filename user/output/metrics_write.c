// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "output/escape.h"
#include "output/metrics.h"
#include "output/metrics_write.h"

static void put_u64(struct buf *b, unsigned long long v)
{
	char s[24], *p = s + sizeof(s);

	do {
		*--p = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	buf_put(b, p, (size_t)(s + sizeof(s) - p));
}

/* The shortest text that reads back as v. */
static void put_double(struct buf *b, double v)
{
	char s[40];

	if (isnan(v)) {
		buf_puts(b, "NaN");
		return;
	}
	if (isinf(v)) {
		buf_puts(b, v > 0 ? "+Inf" : "-Inf");
		return;
	}
	if (v == floor(v) && fabs(v) < 1e15) {
		if (v < 0)
			buf_put(b, "-", 1);
		put_u64(b, (unsigned long long)fabs(v));
		return;
	}
	snprintf(s, sizeof(s), "%.15g", v);
	if (strtod(s, NULL) != v)
		snprintf(s, sizeof(s), "%.17g", v);
	buf_puts(b, s);
}

void metrics_label_value(struct buf *out, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	while (*p) {
		size_t n = utf8_seq_len(p), run = 0;

		if (!n) {
			buf_put(out, "\xef\xbf\xbd", 3);
			p++;
			continue;
		}
		if (*p == '\\' || *p == '"' || *p == '\n') {
			buf_put(out, *p == '\\' ? "\\\\" : *p == '"' ? "\\\"" : "\\n", 2);
			p++;
			continue;
		}
		/* Plain text goes out in one piece. */
		while (p[run] && p[run] != '\\' && p[run] != '"' && p[run] != '\n' && p[run] < 0x80)
			run++;
		buf_put(out, p, run ? run : n);
		p += run ? run : n;
	}
}

static void put_help(struct writer *w)
{
	const char *h;

	for (h = w->help; *h; h++) {
		if (*h == '\\')
			buf_puts(w->b, "\\\\");
		else if (*h == '\n')
			buf_puts(w->b, "\\n");
		else if (*h == '"' && w->om)
			buf_puts(w->b, "\\\"");
		else
			buf_put(w->b, h, 1);
	}
}

void metrics_begin(struct writer *w, const char *name, enum kind kind, const char *help)
{
	w->name = name;
	w->kind = kind;
	w->help = help;
	w->started = false;
}

/* OpenMetrics names a counter's family without _total and an info's without _info. */
static void put_family_name(struct writer *w)
{
	size_t n = strlen(w->name);

	if (w->om && w->kind == COUNTER && n > 6 && !strcmp(w->name + n - 6, "_total"))
		n -= 6;
	else if (w->om && w->kind == INFO && n > 5 && !strcmp(w->name + n - 5, "_info"))
		n -= 5;
	buf_put(w->b, w->name, n);
}

static void header(struct writer *w)
{
	static const char *const types[] = { [GAUGE] = "gauge", [COUNTER] = "counter", [INFO] = "info" };

	w->started = true;
	buf_puts(w->b, "# HELP ");
	put_family_name(w);
	buf_put(w->b, " ", 1);
	put_help(w);
	buf_puts(w->b, "\n# TYPE ");
	put_family_name(w);
	buf_put(w->b, " ", 1);
	/* The text format has no info type: a gauge that is always 1. */
	buf_puts(w->b, w->kind == INFO && !w->om ? "gauge" : types[w->kind]);
	buf_put(w->b, "\n", 1);
}

/* Up to three labels, in pairs (name, value); NULL ends them. */
static void sample(struct writer *w, const char *const *labels, double v, bool integer, __u64 u)
{
	size_t i;

	if (!w->started)
		header(w);
	buf_puts(w->b, w->name);
	for (i = 0; labels && labels[i]; i += 2) {
		buf_put(w->b, i ? "," : "{", 1);
		buf_puts(w->b, labels[i]);
		buf_put(w->b, "=\"", 2);
		metrics_label_value(w->b, labels[i + 1]);
		buf_put(w->b, "\"", 1);
	}
	if (i)
		buf_put(w->b, "}", 1);
	buf_put(w->b, " ", 1);
	if (integer)
		put_u64(w->b, u);
	else
		put_double(w->b, v);
	buf_put(w->b, "\n", 1);
}

void metrics_sample_u64(struct writer *w, const char *const *labels, __u64 v)
{
	sample(w, labels, 0, true, v);
}

void metrics_sample_double(struct writer *w, const char *const *labels, double v)
{
	sample(w, labels, v, false, 0);
}
