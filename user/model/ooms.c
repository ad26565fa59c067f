// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "model/ooms.h"
#include "sys/array.h"

void ooms_init(struct ooms *o)
{
	memset(o, 0, sizeof(*o));
}

void ooms_free(struct ooms *o)
{
	free(o->v);
	memset(o, 0, sizeof(*o));
}

int ooms_count(struct ooms *o, __u64 cgid)
{
	size_t i;

	for (i = 0; i < o->n; i++) {
		if (o->v[i].cgid == cgid) {
			o->v[i].kills++;
			return 0;
		}
	}
	if (ARRAY_GROW(o->v, o->cap, o->n, 16))
		return -ENOMEM;
	o->v[o->n++] = (struct oom_count){ .cgid = cgid, .kills = 1 };
	return 0;
}

__u64 ooms_in(const struct ooms *o, const struct target *t)
{
	__u64 n = 0;
	size_t i;

	for (i = 0; i < o->n; i++)
		if (target_contains(t, o->v[i].cgid))
			n += o->v[i].kills;
	return n;
}
