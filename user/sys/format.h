/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Figures for people, in one unit system everywhere memprobe writes words
 * (the table, verdict reasons, journal messages): bytes in binary units as
 * free(1) -h uses them (1536 -> "1.5KiB"), durations as "7m30s".
 */
#ifndef MEMPROBE_FORMAT_H
#define MEMPROBE_FORMAT_H

#include <stddef.h>

const char *fmt_bytes(char *buf, size_t len, double v);
/* Seconds as "45s", "7m30s", "3h10m", "2d4h"; rounded to the unit shown last. */
const char *fmt_duration(char *buf, size_t len, double s);
/* Short durations, for latencies: "850µs", "12ms", "1.4s". */
const char *fmt_duration_ms(char *buf, size_t len, double s);

#endif /* MEMPROBE_FORMAT_H */
