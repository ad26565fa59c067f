/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * OOM kills counted per victim cgroup over the run, watched or not, so
 * that a summary can say how many of its processes the kernel killed.
 */
#ifndef MEMPROBE_OOMS_H
#define MEMPROBE_OOMS_H

#include <stddef.h>
#include <linux/types.h>

#include "model/targets.h"

struct oom_count {
	__u64 cgid;
	__u64 kills;
};

struct ooms {
	struct oom_count *v;
	size_t n, cap;
};

void ooms_init(struct ooms *o);
void ooms_free(struct ooms *o);
/* Counts a kill in cgroup cgid; -ENOMEM leaves it uncounted. */
int ooms_count(struct ooms *o, __u64 cgid);
/* Kills of processes in t's cgroups during the run. */
__u64 ooms_in(const struct ooms *o, const struct target *t);

#endif /* MEMPROBE_OOMS_H */
