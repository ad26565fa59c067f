/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The name of a memory cgroup by id, for every record that names one: the
 * targets' own names first, then a cache filled by walking the hierarchy
 * (at most once a second, for an id not seen yet). Names of cgroups since
 * removed stay, so an event read late still names where it happened.
 */
#ifndef MEMPROBE_CGNAMES_H
#define MEMPROBE_CGNAMES_H

#include <stddef.h>
#include <linux/types.h>

#include "model/targets.h"
#include "sys/cgroup.h"

struct cgname {
	__u64 id;
	char *rel;
};

struct cgnames {
	const struct cg_hier *h;
	const struct targets *targets;	/* may be NULL */
	struct cgname *v;
	size_t n, cap;
	double last_walk;
};

void cgnames_init(struct cgnames *c, const struct cg_hier *h, const struct targets *ts);
void cgnames_free(struct cgnames *c);
/* The cgroup's path relative to the memory root; "" for id 0 or when it cannot be found. */
const char *cgnames_get(struct cgnames *c, __u64 id);

#endif /* MEMPROBE_CGNAMES_H */
