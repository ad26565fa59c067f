/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Interned strings: each distinct string stored once, so that equal
 * strings are equal pointers (cheap to hash and compare). Used for the
 * names in stack frames. Strings live until the set is freed.
 */
#ifndef MEMPROBE_INTERN_H
#define MEMPROBE_INTERN_H

#include <stddef.h>
#include <linux/types.h>

struct intern {
	char **v;
	size_t n, cap;
	size_t bytes;			/* what the strings take */
};

/* The stored copy of s ("" for the empty string); NULL when out of memory. */
const char *intern(struct intern *in, const char *s);
void intern_free(struct intern *in);

/* FNV-1a, continued from h (start with INTERN_HASH_INIT). */
#define INTERN_HASH_INIT	0xcbf29ce484222325ULL
__u64 intern_hash(const void *p, size_t n, __u64 h);

#endif /* MEMPROBE_INTERN_H */
