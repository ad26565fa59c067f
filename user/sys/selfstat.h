/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * memprobe's own process, as Prometheus's standard process_* metrics have
 * it: CPU time, resident and virtual memory, start time, open and allowed
 * file descriptors. Read from /proc/self at a sample, never at a scrape.
 */
#ifndef MEMPROBE_SELFSTAT_H
#define MEMPROBE_SELFSTAT_H

#include <linux/types.h>

struct selfstat {
	double cpu_seconds;		/* user + system */
	__u64 resident_bytes;
	__u64 virtual_bytes;
	double start_time;		/* Unix time */
	__u64 open_fds;
	__u64 max_fds;			/* the soft limit */
};

int selfstat_read(struct selfstat *s);

#endif /* MEMPROBE_SELFSTAT_H */
