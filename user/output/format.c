// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <stdbool.h>
#include <stdio.h>

#include "output/format.h"

const char *fmt_bytes(char *buf, size_t len, double v)
{
	static const char *const unit[] = { "B", "KiB", "MiB", "GiB", "TiB", "PiB" };
	unsigned int u = 0;
	bool neg = v < 0;

	if (neg)
		v = -v;
	while (v >= 1024 && u + 1 < sizeof(unit) / sizeof(unit[0])) {
		v /= 1024;
		u++;
	}
	snprintf(buf, len, u ? "%s%.1f%s" : "%s%.0f%s", neg ? "-" : "", v, unit[u]);
	return buf;
}
