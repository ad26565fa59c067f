// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "agent/selfcost.h"
#include "sys/bpfmem.h"
#include "sys/util.h"

void selfcost_interval(struct selfcost *c, double seconds)
{
	c->recent_s[c->intervals % AGENT_RECENT] = seconds;
	c->intervals++;
	if (seconds > c->max_s)
		c->max_s = seconds;
}

static int by_value(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double median(const struct selfcost *c)
{
	size_t n = c->intervals < AGENT_RECENT ? c->intervals : AGENT_RECENT;
	double v[AGENT_RECENT];

	if (!n)
		return 0;
	memcpy(v, c->recent_s, n * sizeof(v[0]));
	qsort(v, n, sizeof(v[0]), by_value);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static __u64 status_kb(const char *text, const char *key)
{
	const char *p = strstr(text, key);

	return p ? strtoull(p + strlen(key), NULL, 10) : 0;
}

int selfcost_read(const struct selfcost *c, bool run, struct rec_agent *out)
{
	struct bpfmem maps;
	struct rusage ru;
	char status[4096];
	int r;

	memset(out, 0, sizeof(*out));
	r = bpfmem_read(0, &maps);
	if (r)
		return r;
	out->map_bytes = maps.bytes;
	out->maps = maps.maps;
	if (!run)
		return 0;
	if (!getrusage(RUSAGE_SELF, &ru))
		out->cpu_s = ru.ru_utime.tv_sec + ru.ru_stime.tv_sec + (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
	if (read_text("/proc/self/status", status, sizeof(status)) > 0) {
		out->rss_bytes = status_kb(status, "VmRSS:") * 1024;
		out->peak_rss_bytes = status_kb(status, "VmHWM:") * 1024;
	}
	out->intervals = c->intervals;
	out->interval_median_s = median(c);
	out->interval_max_s = c->max_s;
	return 0;
}
