/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Small helpers with no better home: whole-file reads and writes, clocks, paths. */
#ifndef MEMPROBE_UTIL_H
#define MEMPROBE_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>
#include <linux/types.h>

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* Reads a (small, kernel-generated) file into buf, NUL-terminated; returns its length or -errno. */
ssize_t read_text(const char *path, char *buf, size_t len);
/* Writes s to an existing file in one write(2), as sysfs and cgroupfs want. */
int write_text(const char *path, const char *s);

double now_realtime(void);	/* Unix time, seconds */
double now_monotonic(void);
double now_boottime(void);	/* the probes' clock (bpf_ktime_get_boot_ns), seconds */

/* The last component of a path (the path itself when it has no '/'). */
const char *path_base(const char *path);

/* Sorted arrays of ids (cgroup ids): where id is or would go, and whether it is there. */
size_t ids_lower_bound(const __u64 *v, size_t n, __u64 id);
bool ids_have(const __u64 *v, size_t n, __u64 id);
/* Sorts ids in place; an empty (possibly unallocated) array is left alone. */
void ids_sort(__u64 *v, size_t n);

#endif /* MEMPROBE_UTIL_H */
