// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The --json sink: one JSON object per line, keys as the interface spec names them. */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "output/escape.h"
#include "output/fields.h"
#include "output/sink.h"
#include "sys/buf.h"

struct jbuf {
	struct buf b;		/* the line being built */
	bool comma;		/* the next value needs a comma before it */
};

static void put(struct jbuf *j, const char *s, size_t n)
{
	buf_put(&j->b, s, n);
}

/* Numbers: a JSON number is never cut short, however large. */
#define putf(j, ...)	buf_printf(&((struct jbuf *)(j))->b, __VA_ARGS__)

/* File and process names are arbitrary bytes; JSON wants UTF-8, so bad bytes become U+FFFD. */
static void put_string(struct jbuf *b, const char *str)
{
	const unsigned char *s = (const unsigned char *)(str ? str : "");

	put(b, "\"", 1);
	while (*s) {
		size_t n = utf8_seq_len(s);

		if (*s == '"' || *s == '\\') {
			put(b, "\\", 1);
			put(b, (const char *)s, 1);
		} else if (*s < 0x20) {
			putf(b, "\\u%04x", *s);
		} else if (n) {
			put(b, (const char *)s, n);
			s += n;
			continue;
		} else {
			put(b, "\\ufffd", 6);
		}
		s++;
	}
	put(b, "\"", 1);
}

static void key(struct jbuf *b, const char *k)
{
	if (b->comma)
		put(b, ",", 1);
	put_string(b, k);
	put(b, ":", 1);
	b->comma = true;
}

static void kv_str(struct jbuf *b, const char *k, const char *v)
{
	key(b, k);
	put_string(b, v);
}

static void kv_u64(struct jbuf *b, const char *k, __u64 v)
{
	key(b, k);
	putf(b, "%" PRIu64, (uint64_t)v);
}

static void kv_s64(struct jbuf *b, const char *k, __s64 v)
{
	key(b, k);
	putf(b, "%" PRId64, (int64_t)v);
}

static void kv_double(struct jbuf *b, const char *k, double v, int decimals)
{
	key(b, k);
	putf(b, "%.*f", decimals, v);
}

static void kv_bool(struct jbuf *b, const char *k, bool v)
{
	key(b, k);
	put(b, v ? "true" : "false", v ? 4 : 5);
}

static void open_(struct jbuf *b, const char *k, const char *bracket)
{
	if (k)
		key(b, k);
	else if (b->comma)
		put(b, ",", 1);
	put(b, bracket, 1);
	b->comma = false;
}

static void close_(struct jbuf *b, const char *bracket)
{
	put(b, bracket, 1);
	b->comma = true;
}

static void begin(struct jbuf *b, const char *type, double ts)
{
	buf_reset(&b->b);
	b->comma = false;
	put(b, "{", 1);
	kv_str(b, "type", type);
	kv_double(b, "ts", ts, 3);
}

static int end(struct sink *s, struct jbuf *b)
{
	put(b, "}\n", 2);
	if (b->b.oom)
		return -ENOMEM;
	/* Buffered: the loop flushes once a batch, not once a record (event storms). */
	if (fwrite(b->b.p, 1, b->b.len, s->out) != b->b.len)
		return errno ? -errno : -EIO;
	return 0;
}

static int json_flush(struct sink *s)
{
	if (fflush(s->out) || ferror(s->out))
		return errno ? -errno : -EIO;
	return 0;
}

/* The visitor that turns fields into JSON. */
static void v_str(void *ctx, const char *k, const char *val)
{
	kv_str(ctx, k, val);
}

static void v_u64(void *ctx, const char *k, __u64 val)
{
	kv_u64(ctx, k, val);
}

static void v_s64(void *ctx, const char *k, __s64 val)
{
	kv_s64(ctx, k, val);
}

static void v_dbl(void *ctx, const char *k, double val, int decimals)
{
	kv_double(ctx, k, val, decimals);
}

static void v_bool(void *ctx, const char *k, bool val)
{
	kv_bool(ctx, k, val);
}

static void v_null(void *ctx, const char *k)
{
	key(ctx, k);
	put(ctx, "null", 4);
}

static void v_u64_array(void *ctx, const char *k, const __u64 *val, size_t n)
{
	size_t i;

	key(ctx, k);
	put(ctx, "[", 1);
	for (i = 0; i < n; i++)
		putf(ctx, "%s%" PRIu64, i ? "," : "", (uint64_t)val[i]);
	put(ctx, "]", 1);
}

static void v_list_begin(void *ctx, const char *k)
{
	open_(ctx, k, "[");
}

static void v_item_begin(void *ctx)
{
	open_(ctx, NULL, "{");
}

static void v_item_end(void *ctx)
{
	close_(ctx, "}");
}

static void v_list_end(void *ctx)
{
	close_(ctx, "]");
}

static const struct field_visitor to_json = {
	.str = v_str, .u64 = v_u64, .s64 = v_s64, .dbl = v_dbl, .boolean = v_bool, .null = v_null, .u64_array = v_u64_array,
	.list_begin = v_list_begin, .item_begin = v_item_begin, .item_end = v_item_end,
	.list_end = v_list_end,
};

static int json_start(struct sink *s, const struct rec_start *r)
{
	begin(s->priv, "start", r->ts);
	fields_start(r, &to_json, s->priv);
	return end(s, s->priv);
}

static int json_samples(struct sink *s, const struct rec_sample *r, size_t n)
{
	size_t i;
	int err;

	for (i = 0; i < n; i++) {
		begin(s->priv, "sample", r[i].ts);
		fields_sample(&r[i], &to_json, s->priv);
		err = end(s, s->priv);
		if (err)
			return err;
	}
	return 0;
}

static int json_summaries(struct sink *s, const struct rec_summary *r, size_t n)
{
	size_t i;
	int err;

	for (i = 0; i < n; i++) {
		if (r[i].interim)
			continue;	/* the spec's summary comes once, at the end */
		begin(s->priv, "summary", r[i].ts);
		fields_summary(&r[i], &to_json, s->priv);
		err = end(s, s->priv);
		if (err)
			return err;
	}
	return 0;
}

static int json_shm(struct sink *s, const struct rec_shm *r)
{
	begin(s->priv, "shm", r->ts);
	fields_shm(r, &to_json, s->priv);
	return end(s, s->priv);
}

static int json_shm_orphan(struct sink *s, const struct rec_shm_orphan *r)
{
	begin(s->priv, "shm_orphan", r->ts);
	fields_shm_orphan(r, &to_json, s->priv);
	return end(s, s->priv);
}

static int json_oom_kill(struct sink *s, const struct rec_oom_kill *r)
{
	begin(s->priv, "oom_kill", r->ts);
	fields_oom_kill(r, &to_json, s->priv);
	return end(s, s->priv);
}

static int json_verdict_change(struct sink *s, const struct rec_verdict_change *r)
{
	begin(s->priv, "verdict", r->ts);
	fields_verdict_change(r, &to_json, s->priv);
	return end(s, s->priv);
}

static int json_forecast_change(struct sink *s, const struct rec_forecast_change *r)
{
	begin(s->priv, "forecast", r->ts);
	fields_forecast_change(r, &to_json, s->priv);
	return end(s, s->priv);
}

static int json_memory_event(struct sink *s, const struct rec_memory_event *r)
{
	begin(s->priv, "memory_event", r->ts);
	fields_memory_event(r, &to_json, s->priv);
	return end(s, s->priv);
}

static void json_destroy(struct sink *s)
{
	struct jbuf *b = s->priv;

	buf_free(&b->b);
	free(b);
	free(s);
}

static const struct sink_ops json_ops = {
	.start = json_start,
	.samples = json_samples,
	.summaries = json_summaries,
	.shm = json_shm,
	.shm_orphan = json_shm_orphan,
	.oom_kill = json_oom_kill,
	.verdict_change = json_verdict_change,
	.forecast_change = json_forecast_change,
	.memory_event = json_memory_event,
	.flush = json_flush,
	.destroy = json_destroy,
};

struct sink *sink_json_new(FILE *out)
{
	struct sink *s = calloc(1, sizeof(*s));

	if (!s)
		return NULL;
	s->priv = calloc(1, sizeof(struct jbuf));
	if (!s->priv) {
		free(s);
		return NULL;
	}
	s->ops = &json_ops;
	s->out = out;
	return s;
}
