/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The figures an operator acts on, said in one sentence each, the same in
 * the table, the journal's MESSAGE and the report: when a cgroup reaches
 * its limits, how often it hit them, what reclaim and pressure cost it,
 * whether its cache is a working set. Names from the system are escaped.
 */
#ifndef MEMPROBE_SENTENCES_H
#define MEMPROBE_SENTENCES_H

#include <stddef.h>

#include "output/record.h"

/* "at +120.0MiB/h X reaches MemoryHigh 1.8GiB in 1h40m and MemoryMax 2.0GiB in 3h10m" */
const char *say_forecast(char *buf, size_t len, const char *cgroup, const struct rec_limits *l,
			 const struct rec_forecast *f);
/* "MemoryHigh 1.8GiB (set on system.slice/x.service), MemoryMax 2.0GiB (set on system.slice)" */
const char *say_limits(char *buf, size_t len, const struct rec_limits *l);
/* "X hit MemoryMax 12 times in 5s: reclaim is barely keeping it under" */
const char *say_memory_event(char *buf, size_t len, const char *cgroup, const struct rec_memory_event *e);
/* "hit MemoryHigh 40 times, hit MemoryMax 12 times; ran out of memory 1 times, 1 OOM kills" */
const char *say_events(char *buf, size_t len, const struct rec_events *e, const struct rec_limits *l);
/* "its tasks spent 1.8s in reclaim (340 stalls, p50 2ms, p99 12ms); PSI some 4.2%, full 1.1% (avg10)" */
const char *say_stalls(char *buf, size_t len, const struct rec_health *h);
/* The limit column: "1.8G/2.0G", "-/2.0G", "-". */
const char *say_limit_cell(char *buf, size_t len, const struct rec_limits *l);

#endif /* MEMPROBE_SENTENCES_H */
