/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * From what the probes counted per cgroup (model/agg.h) to each target's
 * figures, once per sample: sums over the target's members, the leak
 * trend, the end of an interval, and the retirement of cgroups the maps
 * need not hold any longer.
 */
#ifndef MEMPROBE_ACCOUNTING_H
#define MEMPROBE_ACCOUNTING_H

#include "model/agg.h"
#include "model/procs.h"
#include "model/targets.h"

/* Sums the probes' per-cgroup counters into the targets (plus what their retired members left). */
void targets_account(struct targets *ts, const struct agg *a);

/*
 * Removes the entries of ids (sorted) from the probes' maps and adds what
 * they held at that moment into last (counters per cgroup id).
 */
typedef int (*retire_take_fn)(void *ctx, const __u64 *ids, size_t n, struct agg *last);

/*
 * The kernel keeps counting the pages of a removed cgroup and the maps keep
 * every cgroup ever seen: without this they fill. Cgroups that no longer
 * exist (and, when targets are named, cgroups outside them that have had
 * an interval to be walked) are retired: take removes their map entries,
 * what those held is added to the targets they belonged to, and they are
 * forgotten in agg. Their sorted ids are left in ts->dead. After
 * targets_account, in the same sample.
 */
int targets_retire(struct targets *ts, struct agg *a, retire_take_fn take, void *ctx);

/* Adds the latest anon figures to the leak trends, once the processes have been read. */
int targets_trend(struct targets *ts, const struct procs *ps);

/* Ends an interval: the latest figures become the previous ones. */
void targets_roll(struct targets *ts);

#endif /* MEMPROBE_ACCOUNTING_H */
