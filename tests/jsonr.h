/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* A strict little JSON reader, so tests can check memprobe's --json output field by field. */
#ifndef MEMPROBE_JSONR_H
#define MEMPROBE_JSONR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum jtype { J_NULL, J_BOOL, J_NUM, J_STR, J_ARR, J_OBJ };

struct jv {
	enum jtype type;
	bool b;
	char *text;		/* J_STR: the decoded string; J_NUM: the literal */
	struct jv *items;	/* J_ARR and J_OBJ */
	char **keys;		/* J_OBJ */
	size_t n;
};

/* NULL unless s is exactly one JSON value. */
struct jv *jv_parse(const char *s);
void jv_free(struct jv *v);

const struct jv *jv_get(const struct jv *obj, const char *key);
const char *jv_str(const struct jv *obj, const char *key);		/* NULL if absent or not a string */
bool jv_u64(const struct jv *obj, const char *key, uint64_t *out);	/* false if absent or not a whole number */
bool jv_num(const struct jv *obj, const char *key, double *out);
/* Convenience for assertions: the field, or ~0 when absent. */
uint64_t jv_u64_or(const struct jv *obj, const char *key);

#endif /* MEMPROBE_JSONR_H */
