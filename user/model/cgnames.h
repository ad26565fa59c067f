/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Names of memory cgroups by id, for events that come from cgroups the
 * targets do not name themselves. An unknown id costs a walk of the
 * hierarchy, at most once a second; names of cgroups since removed stay.
 */
#ifndef MEMPROBE_CGNAMES_H
#define MEMPROBE_CGNAMES_H

#include <stddef.h>
#include <linux/types.h>

#include "sys/cgroup.h"

struct cgname {
	__u64 id;
	char *rel;
};

struct cgnames {
	const struct cg_hier *h;
	struct cgname *v;
	size_t n, cap;
	double last_walk;
};

void cgnames_init(struct cgnames *c, const struct cg_hier *h);
void cgnames_free(struct cgnames *c);
/* The cgroup's path relative to the memory root, or "" when it cannot be found. */
const char *cgnames_get(struct cgnames *c, __u64 id);

#endif /* MEMPROBE_CGNAMES_H */
