// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * What memprobe says it costs, against the kernel's own figures for it:
 * the memlock of the maps it holds (/proc/PID/fdinfo), its memory
 * (/proc/PID/status) and CPU time (/proc/PID/stat), read from outside.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"
#include "it.h"
#include "sys/bpfmem.h"
#include "sys/kstat.h"
#include "sys/util.h"

/* What the kernel says of pid: CPU seconds, VmRSS and VmHWM in bytes. */
static bool kernel_view(pid_t pid, double *cpu, uint64_t *rss, uint64_t *hwm)
{
	char path[64], buf[4096], *p;
	struct pstat st;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	if (read_text(path, buf, sizeof(buf)) < 0 || pstat_parse(buf, &st))
		return false;
	*cpu = (double)(st.utime + st.stime) / sysconf(_SC_CLK_TCK);
	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	if (read_text(path, buf, sizeof(buf)) < 0 || !(p = strstr(buf, "VmRSS:")))
		return false;
	*rss = strtoull(p + 6, NULL, 10) * 1024;
	p = strstr(buf, "VmHWM:");
	*hwm = p ? strtoull(p + 6, NULL, 10) * 1024 : 0;
	return true;
}

INTEGRATION_TEST(agent_cost_matches_the_kernel, 60)
{
	struct tcg cg;
	struct tchild ch = { .pid = 0, .go = -1 };
	struct agent a = { .out = -1 };
	struct jv *start = NULL, *sum = NULL;
	struct bpfmem at_start, at_end;
	uint64_t maps = 0, bytes = 0, rss = 0, hwm = 0, v, intervals = 0;
	double cpu = 0, d, median = 0, max = 0;
	bool ok = false;

	if (!ASSERT(!tcg_create(&cg, "cost"), "cgroup") || !ASSERT(!tchild_start(&ch, &cg, it_child_idle, NULL), "child"))
		goto out;
	tchild_go(&ch);
	{
		const char *argv[] = { "--json", "--interval", "0.3", "--cgroup", cg.rel, NULL };

		if (!ASSERT(!agent_start(&a, argv) && agent_wait_for(&a, "start", 30), "memprobe started"))
			goto out;
	}
	if (!ASSERT(!bpfmem_read(a.pid, &at_start), "read its fdinfo"))
		goto out;
	start = agent_record(&a, "start", NULL);
	/*
	 * The map count is fixed once loaded; the bytes move as hash maps take
	 * entries (for every cgroup's faults, on 6.4 and later): near, not equal.
	 */
	if (!ASSERT(start && jv_u64(start, "agent_maps", &maps) && jv_u64(start, "agent_map_bytes", &bytes),
		    "the start record has the maps") ||
	    !ASSERT(maps == at_start.maps, "start: %llu maps, the kernel %u", (unsigned long long)maps, at_start.maps) ||
	    !ASSERT_NEAR(bytes, at_start.bytes, 10, 256 * 1024))
		goto out;
	for (d = 0; d < 20 && agent_count(&a, "sample", cg.rel) < 4; d++)
		agent_wait_for(&a, "never", 1);
	if (!ASSERT(agent_count(&a, "sample", cg.rel) >= 4, "samples"))
		goto out;
	if (!ASSERT(kernel_view(a.pid, &cpu, &rss, &hwm), "its /proc") ||
	    !ASSERT(!bpfmem_read(a.pid, &at_end), "read its fdinfo"))
		goto out;
	if (!ASSERT(agent_finish(&a, SIGINT, 30) == 0, "clean exit: %s", agent_stderr(&a)))
		goto out;
	sum = agent_record(&a, "summary", cg.rel);
	if (!ASSERT(sum, "a summary"))
		goto out;
	ok = ASSERT(jv_u64(sum, "agent_maps", &v) && v == at_end.maps, "summary: %llu maps, the kernel %u",
		    (unsigned long long)v, at_end.maps) &&
	     ASSERT(jv_u64(sum, "agent_map_bytes", &v) && ASSERT_NEAR(v, at_end.bytes, 10, 256 * 1024), "map bytes") &&
	     /* The summary is built after the last reading: never less, and not much more. */
	     ASSERT(jv_num(sum, "agent_cpu_s", &d) && d >= cpu - 0.011 && d <= cpu + 1, "cpu %.3f, /proc said %.3f",
		    d, cpu) &&
	     ASSERT(jv_u64(sum, "agent_rss_bytes", &v) && ASSERT_NEAR(v, rss, 25, 4 << 20), "rss") &&
	     ASSERT(jv_u64(sum, "agent_peak_rss_bytes", &v) && v >= hwm && v >= rss, "peak %llu, VmHWM was %llu",
		    (unsigned long long)v, (unsigned long long)hwm) &&
	     /* One interval, one sample of the target. */
	     ASSERT(jv_u64(sum, "agent_intervals", &intervals) && intervals == agent_count(&a, "sample", cg.rel),
		    "%llu intervals, %zu samples", (unsigned long long)intervals, agent_count(&a, "sample", cg.rel)) &&
	     ASSERT(jv_num(sum, "agent_interval_median_s", &median) && jv_num(sum, "agent_interval_max_s", &max) &&
		    median > 0 && median <= max && max < 30, "interval median %.6f max %.6f", median, max);
out:
	jv_free(start);
	jv_free(sum);
	agent_finish(&a, SIGKILL, 10);
	agent_free(&a);
	tchild_kill(&ch);
	tcg_remove(&cg);
	return ok;
}
