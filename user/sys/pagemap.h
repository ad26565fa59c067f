/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Whether a process still has a page at an address, from /proc/PID/pagemap:
 * in memory or swapped out, as opposed to never touched, given back, or
 * discarded (MADV_FREE). One process's file is kept open while addresses
 * of that process are asked in a row.
 */
#ifndef MEMPROBE_SYS_PAGEMAP_H
#define MEMPROBE_SYS_PAGEMAP_H

#include <stdbool.h>
#include <linux/types.h>

struct pagemap {
	int fd;				/* -1: none open */
	__u32 tgid;
	__u64 start_ns;
	bool gone;			/* the process has exited (or its pid is another's now) */
};

void pagemap_init(struct pagemap *pm);
/* 1: mapped (in memory or swap); 0: not, or the process is gone; negative errno: not known. */
int pagemap_mapped(struct pagemap *pm, __u32 tgid, __u64 start_ns, __u64 addr);
void pagemap_close(struct pagemap *pm);

#endif /* MEMPROBE_SYS_PAGEMAP_H */
