/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Reading the watched cgroups at each sample: walking each target's
 * subtree for its members and processes, following a target whose cgroup
 * was removed and created again under the same name, and reading the
 * kernel's own counters (memory.stat, /proc/meminfo).
 */
#ifndef MEMPROBE_REFRESH_H
#define MEMPROBE_REFRESH_H

#include "model/targets.h"

/* Finds the cgroups below each target and reads the kernel's counters. The first call sets the baseline. */
int targets_refresh(struct targets *ts);
/*
 * The whole machine: a full pass is done once its processes are read too
 * (the larger part where processes are many); its cost, from the start
 * targets_refresh noted, spaces the next. targets_refresh calls it for the
 * cgroups' part; the agent again once it has read the processes.
 */
void targets_full_done(struct targets *ts);

struct agg;
/*
 * The whole machine between full passes: cgroups the probes counted in that
 * the last full pass did not see (made since) are looked up by id and,
 * leaves, become targets at once. A no-op after a full pass.
 */
int targets_discover(struct targets *ts, const struct agg *a);

#endif /* MEMPROBE_REFRESH_H */
