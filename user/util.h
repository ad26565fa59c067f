/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Small helpers with no better home: whole-file reads and writes, clocks. */
#ifndef MEMPROBE_UTIL_H
#define MEMPROBE_UTIL_H

#include <stddef.h>
#include <sys/types.h>

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* Reads a (small, kernel-generated) file into buf, NUL-terminated; returns its length or -errno. */
ssize_t read_text(const char *path, char *buf, size_t len);
/* Writes s to an existing file in one write(2), as sysfs and cgroupfs want. */
int write_text(const char *path, const char *s);

double now_realtime(void);	/* Unix time, seconds */
double now_monotonic(void);

#endif /* MEMPROBE_UTIL_H */
