// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <stdbool.h>
#include <stdio.h>

#include "sys/format.h"

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

const char *fmt_duration(char *buf, size_t len, double s)
{
	unsigned long long t = s > 0 ? (unsigned long long)(s + 0.5) : 0;

	if (t < 60)
		snprintf(buf, len, "%llus", t);
	else if (t < 3600)
		snprintf(buf, len, "%llum%02llus", t / 60, t % 60);
	else if (t < 86400)
		snprintf(buf, len, "%lluh%02llum", t / 3600, (t % 3600 + 30) / 60 >= 60 ? 59 : (t % 3600 + 30) / 60);
	else
		snprintf(buf, len, "%llud%lluh", t / 86400, (t % 86400) / 3600);
	return buf;
}

const char *fmt_duration_ms(char *buf, size_t len, double s)
{
	if (s < 0.001)
		snprintf(buf, len, "%.0f\u00b5s", s * 1e6);
	else if (s < 0.01)
		snprintf(buf, len, "%.1fms", s * 1e3);
	else if (s < 1)
		snprintf(buf, len, "%.0fms", s * 1e3);
	else if (s < 60)
		snprintf(buf, len, "%.1fs", s);
	else
		fmt_duration(buf, len, s);
	return buf;
}
