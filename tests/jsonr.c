// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "jsonr.h"

struct in {
	const char *p;
	int depth;
};

static bool value(struct in *in, struct jv *v);

static void ws(struct in *in)
{
	while (*in->p == ' ' || *in->p == '\t' || *in->p == '\n' || *in->p == '\r')
		in->p++;
}

static int hex(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static bool string(struct in *in, char **out)
{
	size_t cap = 16, n = 0;
	char *s;

	if (*in->p != '"')
		return false;
	in->p++;
	s = malloc(cap);
	while (s && *in->p != '"') {
		unsigned int cp = 0;
		char c = *in->p++;
		int i;

		if (!c || (unsigned char)c < 0x20)
			goto bad;
		if (n + 5 > cap) {
			char *t = realloc(s, cap *= 2);

			if (!t)
				goto bad;
			s = t;
		}
		if (c != '\\') {
			s[n++] = c;
			continue;
		}
		c = *in->p++;
		switch (c) {
		case '"': case '\\': case '/': s[n++] = c; break;
		case 'b': s[n++] = '\b'; break;
		case 'f': s[n++] = '\f'; break;
		case 'n': s[n++] = '\n'; break;
		case 'r': s[n++] = '\r'; break;
		case 't': s[n++] = '\t'; break;
		case 'u':
			for (i = 0; i < 4; i++) {
				int h = hex(*in->p++);

				if (h < 0)
					goto bad;
				cp = cp << 4 | h;
			}
			/* Encode the BMP code point as UTF-8 (memprobe never emits surrogates). */
			if (cp < 0x80) {
				s[n++] = (char)cp;
			} else if (cp < 0x800) {
				s[n++] = (char)(0xc0 | cp >> 6);
				s[n++] = (char)(0x80 | (cp & 0x3f));
			} else {
				s[n++] = (char)(0xe0 | cp >> 12);
				s[n++] = (char)(0x80 | ((cp >> 6) & 0x3f));
				s[n++] = (char)(0x80 | (cp & 0x3f));
			}
			break;
		default:
			goto bad;
		}
	}
	if (!s)
		return false;
	in->p++;
	s[n] = '\0';
	*out = s;
	return true;
bad:
	free(s);
	return false;
}

static bool number(struct in *in, struct jv *v)
{
	const char *start = in->p;

	if (*in->p == '-')
		in->p++;
	if (*in->p < '0' || *in->p > '9')
		return false;
	while ((*in->p >= '0' && *in->p <= '9') || *in->p == '.' || *in->p == 'e' || *in->p == 'E' ||
	       *in->p == '+' || *in->p == '-')
		in->p++;
	v->type = J_NUM;
	v->text = strndup(start, in->p - start);
	return v->text != NULL;
}

static bool push(struct jv *v, size_t *cap)
{
	if (v->n < *cap)
		return true;
	*cap = *cap ? *cap * 2 : 8;
	v->items = realloc(v->items, *cap * sizeof(*v->items));
	if (v->type == J_OBJ)
		v->keys = realloc(v->keys, *cap * sizeof(*v->keys));
	return v->items && (v->type != J_OBJ || v->keys);
}

static bool container(struct in *in, struct jv *v, char close)
{
	size_t cap = 0;

	if (++in->depth > 64)
		return false;
	in->p++;
	ws(in);
	if (*in->p == close) {
		in->p++;
		in->depth--;
		return true;
	}
	for (;;) {
		if (!push(v, &cap))
			return false;
		memset(&v->items[v->n], 0, sizeof(v->items[v->n]));
		if (v->type == J_OBJ) {
			ws(in);
			if (!string(in, &v->keys[v->n]))
				return false;
			ws(in);
			if (*in->p++ != ':') {
				free(v->keys[v->n]);
				return false;
			}
		}
		v->n++;
		if (!value(in, &v->items[v->n - 1]))
			return false;
		ws(in);
		if (*in->p == ',') {
			in->p++;
			continue;
		}
		if (*in->p != close)
			return false;
		in->p++;
		in->depth--;
		return true;
	}
}

static bool value(struct in *in, struct jv *v)
{
	ws(in);
	switch (*in->p) {
	case '{':
		v->type = J_OBJ;
		return container(in, v, '}');
	case '[':
		v->type = J_ARR;
		return container(in, v, ']');
	case '"':
		v->type = J_STR;
		return string(in, &v->text);
	case 't':
		v->type = J_BOOL;
		v->b = true;
		return !strncmp(in->p, "true", 4) && (in->p += 4);
	case 'f':
		v->type = J_BOOL;
		return !strncmp(in->p, "false", 5) && (in->p += 5);
	case 'n':
		v->type = J_NULL;
		return !strncmp(in->p, "null", 4) && (in->p += 4);
	default:
		return number(in, v);
	}
}

static void clear(struct jv *v)
{
	size_t i;

	for (i = 0; i < v->n; i++) {
		clear(&v->items[i]);
		if (v->keys)
			free(v->keys[i]);
	}
	free(v->items);
	free(v->keys);
	free(v->text);
}

void jv_free(struct jv *v)
{
	if (!v)
		return;
	clear(v);
	free(v);
}

struct jv *jv_parse(const char *s)
{
	struct in in = { .p = s };
	struct jv *v = calloc(1, sizeof(*v));

	if (!v)
		return NULL;
	if (!value(&in, v)) {
		jv_free(v);
		return NULL;
	}
	ws(&in);
	if (*in.p) {
		jv_free(v);
		return NULL;
	}
	return v;
}

const struct jv *jv_get(const struct jv *obj, const char *key)
{
	size_t i;

	if (!obj || obj->type != J_OBJ)
		return NULL;
	for (i = 0; i < obj->n; i++)
		if (!strcmp(obj->keys[i], key))
			return &obj->items[i];
	return NULL;
}

const char *jv_str(const struct jv *obj, const char *key)
{
	const struct jv *v = jv_get(obj, key);

	return v && v->type == J_STR ? v->text : NULL;
}

bool jv_u64(const struct jv *obj, const char *key, uint64_t *out)
{
	const struct jv *v = jv_get(obj, key);
	char *end;

	if (!v || v->type != J_NUM || v->text[0] == '-')
		return false;
	errno = 0;
	*out = strtoull(v->text, &end, 10);
	return !errno && !*end;
}

bool jv_num(const struct jv *obj, const char *key, double *out)
{
	const struct jv *v = jv_get(obj, key);

	if (!v || v->type != J_NUM)
		return false;
	*out = strtod(v->text, NULL);
	return true;
}

uint64_t jv_u64_or(const struct jv *obj, const char *key)
{
	uint64_t v;

	return jv_u64(obj, key, &v) ? v : ~0ULL;
}
