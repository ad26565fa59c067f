/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Figures for people: 1536 -> "1.5KiB", binary units as free(1) -h uses them. */
#ifndef MEMPROBE_UNITS_H
#define MEMPROBE_UNITS_H

#include <stddef.h>

const char *fmt_bytes(char *buf, size_t len, double v);

#endif /* MEMPROBE_UNITS_H */
