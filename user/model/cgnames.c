// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <stdlib.h>
#include <string.h>

#include "model/cgnames.h"
#include "sys/array.h"
#include "sys/util.h"

#define WALK_EVERY_S	1.0

void cgnames_init(struct cgnames *c, const struct cg_hier *h, const struct targets *ts)
{
	memset(c, 0, sizeof(*c));
	c->h = h;
	c->targets = ts;
}

void cgnames_free(struct cgnames *c)
{
	size_t i;

	for (i = 0; i < c->n; i++)
		free(c->v[i].rel);
	free(c->v);
	memset(c, 0, sizeof(*c));
}

#define CGNAMES_MAX	4096

static struct cgname *find(struct cgnames *c, __u64 id)
{
	size_t i;

	for (i = 0; i < c->n; i++)
		if (c->v[i].id == id)
			return &c->v[i];
	return NULL;
}

static int remember(void *ctx, const char *rel, __u64 id, unsigned int depth, bool leaf)
{
	struct cgnames *c = ctx;
	char *copy;

	(void)depth;
	(void)leaf;
	if (find(c, id))
		return 0;
	/* A host that churns cgroups would grow this for ever: the oldest half goes. */
	if (c->n == CGNAMES_MAX) {
		size_t i, half = c->n / 2;

		for (i = 0; i < half; i++)
			free(c->v[i].rel);
		memmove(c->v, c->v + half, (c->n - half) * sizeof(*c->v));
		c->n -= half;
	}
	if (ARRAY_GROW(c->v, c->cap, c->n, 64))
		return 0;
	copy = strdup(rel);
	if (copy)
		c->v[c->n++] = (struct cgname){ .id = id, .rel = copy };
	return 0;
}

const char *cgnames_get(struct cgnames *c, __u64 id)
{
	struct cgname *n;
	double now = now_monotonic();
	size_t i;

	if (!id)
		return "";
	for (i = 0; c->targets && i < c->targets->n; i++)
		if (c->targets->v[i].cg.id == id)
			return c->targets->v[i].cg.rel;
	n = find(c, id);
	if (n)
		return n->rel;
	if (now - c->last_walk < WALK_EVERY_S)
		return "";
	c->last_walk = now;
	cg_walk(c->h, "/", remember, c);
	n = find(c, id);
	return n ? n->rel : "";
}
