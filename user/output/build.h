/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* What the record builders (out/report.c, out/summary.c) share: arithmetic and the pieces of several records. */
#ifndef MEMPROBE_OUT_BUILD_H
#define MEMPROBE_OUT_BUILD_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>

#include "model/agg.h"
#include "model/posixshm.h"
#include "model/procs.h"
#include "model/targets.h"
#include "output/record.h"

__u64 report_page_bytes(__u64 pages);
/* Clean page cache: what reclaim can drop without writing anything first. */
__u64 report_reclaimable(const struct memstat *m);

void report_fill_verdict(struct rec_verdict *rv, const struct verdict_result *vr);

/* The summary's posix_shm_bytes of t: each /dev/shm file's memory, by the share of its pages charged to t. */
__u64 report_posix_bytes(const struct target *t, const struct agg *a, const struct pshm *ps);

/*
 * t's limits, forecast, memory events, pressure, reclaim stalls and
 * refaults: those of the last interval (run false) or of the whole run.
 * reclaim_known: the reclaim probe is loaded.
 */
void report_health(struct rec_health *h, const struct target *t, bool run, bool reclaim_known);

/*
 * What led to an OOM kill at r->ts, from target t: its readings made
 * before the kill (oldest first, into readings, HEALTH_READINGS of room),
 * and as they stood at the last of them its trend, forecast, memory
 * events and reclaim stalls; its processes now (at most top, into procs).
 * Nothing when no reading came before the kill.
 */
void report_pre_kill(struct rec_oom_kill *r, const struct target *t, const struct procs *ps,
		     struct rec_reading *readings, struct rec_proc *procs, unsigned int top);

/* The target's living processes by RSS (or, exited, those gone by peak), at most top, into out. */
size_t report_processes(const struct target *t, const struct procs *ps, bool exited, unsigned int top,
			struct rec_proc *out);

#endif /* MEMPROBE_OUT_BUILD_H */
