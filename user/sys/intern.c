// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "sys/intern.h"

#define FNV_PRIME	0x100000001b3ULL

__u64 intern_hash(const void *p, size_t n, __u64 h)
{
	const unsigned char *b = p;

	while (n--)
		h = (h ^ *b++) * FNV_PRIME;
	return h;
}

/* Open addressing, at most half full. */
static int grow(struct intern *in)
{
	size_t cap = in->cap ? in->cap * 2 : 1024, i, k;
	char **v = calloc(cap, sizeof(*v));

	if (!v)
		return -ENOMEM;
	for (i = 0; i < in->cap; i++) {
		if (!in->v[i])
			continue;
		for (k = intern_hash(in->v[i], strlen(in->v[i]), INTERN_HASH_INIT) & (cap - 1); v[k]; k = (k + 1) & (cap - 1))
			;
		v[k] = in->v[i];
	}
	free(in->v);
	in->v = v;
	in->cap = cap;
	return 0;
}

const char *intern(struct intern *in, const char *s)
{
	size_t k, len = strlen(s);

	if (!len)
		return "";
	if (2 * (in->n + 1) > in->cap && grow(in))
		return NULL;
	for (k = intern_hash(s, len, INTERN_HASH_INIT) & (in->cap - 1); in->v[k]; k = (k + 1) & (in->cap - 1))
		if (!strcmp(in->v[k], s))
			return in->v[k];
	in->v[k] = strdup(s);
	if (!in->v[k])
		return NULL;
	in->n++;
	in->bytes += len + 1;
	return in->v[k];
}

void intern_free(struct intern *in)
{
	size_t i;

	if (!in)
		return;
	for (i = 0; i < in->cap; i++)
		free(in->v[i]);
	free(in->v);
	memset(in, 0, sizeof(*in));
}
