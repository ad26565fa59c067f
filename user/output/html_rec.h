/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * One record as the report reads it: a small tree of named values. The
 * HTML sink builds it from a live record through the field visitor of
 * fields.c; `memprobe report` builds it from a JSON line. Both then feed
 * the same model, so a replayed run is drawn exactly as a live one, and a
 * field added to fields.c (a limit, a forecast) reaches the report from
 * both sides with no further code.
 */
#ifndef MEMPROBE_HTML_REC_H
#define MEMPROBE_HTML_REC_H

#include <stdbool.h>
#include <stddef.h>

#include "output/fields.h"
#include "sys/buf.h"

enum hkind { HK_NUM, HK_STR, HK_BOOL, HK_NULL, HK_LIST, HK_OBJ };

struct hnode {
	enum hkind kind;
	size_t key;		/* offset in strs; 0 is "" (list items) */
	size_t str;		/* HK_STR: offset in strs */
	double num;		/* HK_NUM; HK_BOOL: 0 or 1 */
	int first, last, next;	/* children and the next sibling; -1 for none */
};

#define HREC_DEPTH	8

struct hrec {
	char type[32];
	double ts;
	struct hnode *v;	/* v[0] is the record, an HK_OBJ */
	size_t n, cap;
	struct buf strs;
	int stack[HREC_DEPTH];
	int depth;
	bool oom;
};

/* Empties r for a record of this type. */
void hrec_begin(struct hrec *r, const char *type, double ts);
void hrec_free(struct hrec *r);
int hrec_copy(struct hrec *dst, const struct hrec *src);

/* Building, in document order. A key is NULL for an item of a list. */
void hrec_add_num(struct hrec *r, const char *key, double v);
void hrec_add_str(struct hrec *r, const char *key, const char *v);
void hrec_add_bool(struct hrec *r, const char *key, bool v);
void hrec_add_null(struct hrec *r, const char *key);
void hrec_open(struct hrec *r, const char *key, enum hkind kind);	/* HK_LIST or HK_OBJ */
void hrec_close(struct hrec *r);

/* The visitor that builds r (its ctx) from a record of fields.c. */
extern const struct field_visitor hrec_visitor;

/* Reading. obj NULL means the record itself. */
const struct hnode *hrec_get(const struct hrec *r, const struct hnode *obj, const char *key);
/* The number under key; dflt when absent, null or not a number. */
double hrec_num(const struct hrec *r, const struct hnode *obj, const char *key, double dflt);
/* The string under key; "" when absent or not a string. */
const char *hrec_str(const struct hrec *r, const struct hnode *obj, const char *key);
bool hrec_bool(const struct hrec *r, const struct hnode *obj, const char *key);
/* A list's first item and the items after it; NULL at the end. */
const struct hnode *hrec_first(const struct hrec *r, const struct hnode *list);
const struct hnode *hrec_next(const struct hrec *r, const struct hnode *item);
size_t hrec_count(const struct hrec *r, const struct hnode *list);

#endif /* MEMPROBE_HTML_REC_H */
