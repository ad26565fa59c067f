// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <stdlib.h>

#include "agent/selfcost.h"
#include "harness.h"

UNIT_TEST(selfcost_median_of_recent_intervals_max_of_all)
{
	struct selfcost *c = calloc(1, sizeof(*c));
	struct rec_agent a;
	bool ok;
	int i;

	if (!ASSERT(c, "calloc"))
		return false;
	/* A slow first interval (loading caches), then steady ones that push it out of the window. */
	selfcost_interval(c, 0.5);
	for (i = 0; i < AGENT_RECENT; i++)
		selfcost_interval(c, i % 2 ? 0.010 : 0.020);
	ok = ASSERT(!selfcost_read(c, true, &a), "read") &&
	     ASSERT(a.intervals == AGENT_RECENT + 1, "%llu intervals", (unsigned long long)a.intervals) &&
	     ASSERT(a.interval_max_s == 0.5, "max %f", a.interval_max_s) &&
	     ASSERT(a.interval_median_s > 0.01499 && a.interval_median_s < 0.01501, "median %f", a.interval_median_s) &&
	     ASSERT(a.cpu_s >= 0 && a.rss_bytes > 0 && a.peak_rss_bytes >= a.rss_bytes, "this process's own figures");
	free(c);
	return ok;
}
