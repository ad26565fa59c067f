// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The report's form of a record: nodes in one array, in document order,
 * with their names and strings in one buffer, so that a record is copied
 * (the latest sample, the summary, an event kept for the tables) with two
 * memcpy and read back by name without a parser of its own.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "output/escape.h"
#include "output/html_rec.h"
#include "sys/array.h"

static size_t intern(struct hrec *r, const char *s)
{
	size_t at = r->strs.len;

	if (!s || !*s)
		return 0;
	buf_put(&r->strs, s, strlen(s) + 1);
	if (r->strs.oom)
		r->oom = true;
	return r->strs.oom ? 0 : at;
}

void hrec_begin(struct hrec *r, const char *type, double ts)
{
	char text[64];

	snprintf(r->type, sizeof(r->type), "%s", type);
	/* To the millisecond, as JSON lines carry it: a replay draws the same points. */
	snprintf(text, sizeof(text), "%.3f", ts);
	r->ts = strtod(text, NULL);
	r->n = 0;
	r->depth = 0;
	r->oom = false;
	buf_reset(&r->strs);
	buf_put(&r->strs, "", 1);	/* offset 0 is the empty string */
	if (ARRAY_GROW(r->v, r->cap, 1, 64)) {
		r->oom = true;
		return;
	}
	r->v[0] = (struct hnode){ .kind = HK_OBJ, .first = -1, .last = -1, .next = -1 };
	r->n = 1;
	r->stack[0] = 0;
}

void hrec_free(struct hrec *r)
{
	free(r->v);
	buf_free(&r->strs);
	memset(r, 0, sizeof(*r));
}

int hrec_copy(struct hrec *dst, const struct hrec *src)
{
	hrec_free(dst);
	memcpy(dst->type, src->type, sizeof(dst->type));
	dst->ts = src->ts;
	dst->v = malloc((src->n ? src->n : 1) * sizeof(*dst->v));
	if (!dst->v)
		return -ENOMEM;
	memcpy(dst->v, src->v, src->n * sizeof(*dst->v));
	dst->n = dst->cap = src->n;
	buf_put(&dst->strs, src->strs.p, src->strs.len);
	return dst->strs.oom ? -ENOMEM : 0;
}

/* Appends a node under the open container; its index, or -1. */
static int add(struct hrec *r, const char *key, enum hkind kind)
{
	struct hnode *parent;
	int at;

	if (r->oom || !r->n || ARRAY_GROW(r->v, r->cap, r->n, 64)) {
		r->oom = true;
		return -1;
	}
	at = (int)r->n++;
	r->v[at] = (struct hnode){ .kind = kind, .key = intern(r, key), .first = -1, .last = -1, .next = -1 };
	parent = &r->v[r->stack[r->depth]];
	if (parent->last >= 0)
		r->v[parent->last].next = at;
	else
		parent->first = at;
	parent->last = at;
	return at;
}

void hrec_add_num(struct hrec *r, const char *key, double v)
{
	int at = add(r, key, HK_NUM);

	if (at >= 0)
		r->v[at].num = v;
}

void hrec_add_str(struct hrec *r, const char *key, const char *v)
{
	int at = add(r, key, HK_STR);

	if (at >= 0)
		r->v[at].str = intern(r, v);
}

void hrec_add_bool(struct hrec *r, const char *key, bool v)
{
	int at = add(r, key, HK_BOOL);

	if (at >= 0)
		r->v[at].num = v;
}

void hrec_add_null(struct hrec *r, const char *key)
{
	add(r, key, HK_NULL);
}

void hrec_open(struct hrec *r, const char *key, enum hkind kind)
{
	int at = add(r, key, kind);

	/* Deeper than any record goes: the contents land in the container above. */
	if (at >= 0 && r->depth + 1 < HREC_DEPTH)
		r->stack[++r->depth] = at;
	else
		r->oom = true;
}

void hrec_close(struct hrec *r)
{
	if (r->depth > 0)
		r->depth--;
}

/*
 * Live strings are the system's bytes; JSON lines carry U+FFFD for what is
 * not UTF-8. The report takes the JSON's form, so that a replay of a run's
 * JSON lines draws the page the run drew.
 */
static void v_str(void *ctx, const char *k, const char *val)
{
	const unsigned char *s = (const unsigned char *)(val ? val : "");
	struct buf fixed = { 0 };

	while (*s) {
		size_t n = utf8_seq_len(s);

		buf_put(&fixed, n ? (const char *)s : "\xef\xbf\xbd", n ? n : 3);
		s += n ? n : 1;
	}
	hrec_add_str(ctx, k, fixed.p ? fixed.p : "");
	if (fixed.oom)
		((struct hrec *)ctx)->oom = true;
	buf_free(&fixed);
}

static void v_u64(void *ctx, const char *k, __u64 val)
{
	hrec_add_num(ctx, k, (double)val);
}

static void v_s64(void *ctx, const char *k, __s64 val)
{
	hrec_add_num(ctx, k, (double)val);
}

static void v_dbl(void *ctx, const char *k, double val, int decimals)
{
	char text[64];

	/* Rounded as the JSON line has it, so a replay reads the same figure. */
	snprintf(text, sizeof(text), "%.*f", decimals, val);
	hrec_add_num(ctx, k, strtod(text, NULL));
}

static void v_bool(void *ctx, const char *k, bool val)
{
	hrec_add_bool(ctx, k, val);
}

static void v_null(void *ctx, const char *k)
{
	hrec_add_null(ctx, k);
}

static void v_u64_array(void *ctx, const char *k, const __u64 *val, size_t n)
{
	size_t i;

	hrec_open(ctx, k, HK_LIST);
	for (i = 0; i < n; i++)
		hrec_add_num(ctx, NULL, (double)val[i]);
	hrec_close(ctx);
}

static void v_list_begin(void *ctx, const char *k)
{
	hrec_open(ctx, k, HK_LIST);
}

static void v_item_begin(void *ctx)
{
	hrec_open(ctx, NULL, HK_OBJ);
}

static void v_close(void *ctx)
{
	hrec_close(ctx);
}

const struct field_visitor hrec_visitor = {
	.str = v_str, .u64 = v_u64, .s64 = v_s64, .dbl = v_dbl, .boolean = v_bool, .null = v_null,
	.u64_array = v_u64_array, .list_begin = v_list_begin, .item_begin = v_item_begin,
	.item_end = v_close, .list_end = v_close,
};

const struct hnode *hrec_get(const struct hrec *r, const struct hnode *obj, const char *key)
{
	int i;

	if (!r->n)
		return NULL;
	if (!obj)
		obj = &r->v[0];
	for (i = obj->first; i >= 0; i = r->v[i].next)
		if (!strcmp(r->strs.p + r->v[i].key, key))
			return &r->v[i];
	return NULL;
}

double hrec_num(const struct hrec *r, const struct hnode *obj, const char *key, double dflt)
{
	const struct hnode *n = hrec_get(r, obj, key);

	return n && n->kind == HK_NUM ? n->num : dflt;
}

const char *hrec_str(const struct hrec *r, const struct hnode *obj, const char *key)
{
	const struct hnode *n = hrec_get(r, obj, key);

	return n && n->kind == HK_STR ? r->strs.p + n->str : "";
}

bool hrec_bool(const struct hrec *r, const struct hnode *obj, const char *key)
{
	const struct hnode *n = hrec_get(r, obj, key);

	return n && n->kind == HK_BOOL && n->num != 0;
}

const struct hnode *hrec_first(const struct hrec *r, const struct hnode *list)
{
	return list && list->kind == HK_LIST && list->first >= 0 ? &r->v[list->first] : NULL;
}

const struct hnode *hrec_next(const struct hrec *r, const struct hnode *item)
{
	return item && item->next >= 0 ? &r->v[item->next] : NULL;
}

size_t hrec_count(const struct hrec *r, const struct hnode *list)
{
	const struct hnode *i;
	size_t n = 0;

	for (i = hrec_first(r, list); i; i = hrec_next(r, i))
		n++;
	return n;
}
