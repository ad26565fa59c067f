// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The whole machine on a host of many processes: between full passes
 * memprobe reads only what can have changed, and what it shows must still
 * be the kernel's figures. Here a shown cgroup holds a busy process whose
 * memory no longer moves and a crowd of idle ones.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"
#include "it.h"
#include "sys/util.h"
#include "workload.h"

/* Enough that a full pass costs more than an interval's share: samples between them are partial. */
#define IDLERS		1000
#define BUSY_ANON	(48 * WL_MIB)

/*
 * Reads the file arg into its cgroup's page cache, forks the idle crowd
 * (small: before the allocation), takes BUSY_ANON,
 * and after a while reserves address space it never touches (its size
 * moves, its RSS does not); then spins without allocating.
 */
static int busy_with_crowd(void *arg)
{
	volatile unsigned long spin = 0;
	char *p;
	int i;

	/* Page cache first: the whole machine shows the cgroups that hold the most. */
	if (wl_read(arg) < 0)
		return 4;
	for (i = 0; i < IDLERS; i++) {
		pid_t k = fork();

		if (k == 0) {
			prctl(PR_SET_PDEATHSIG, SIGKILL);
			for (;;)
				pause();
		}
		if (k < 0)
			return 1;
	}
	p = malloc(BUSY_ANON);
	if (!p)
		return 2;
	memset(p, 1, BUSY_ANON);
	it_nap(3);
	if (mmap(NULL, 64 * WL_MIB, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0) == MAP_FAILED)
		return 3;
	for (;;)
		spin++;
	return 0;
}

static size_t procs_in(const struct tcg *c)
{
	char path[IT_PATH + 32], buf[65536], *s;
	size_t n = 0;

	snprintf(path, sizeof(path), "%s/cgroup.procs", c->dir);
	if (read_text(path, buf, sizeof(buf)) < 0)
		return 0;
	for (s = buf; (s = strchr(s, '\n')); s++)
		n++;
	return n;
}

/* VmSize and VmRSS of pid, from /proc/PID/status. */
static bool status_of(pid_t pid, uint64_t *vms, uint64_t *rss)
{
	*vms = it_status_bytes(pid, "VmSize:");
	*rss = it_status_bytes(pid, "VmRSS:");
	return *vms != ~0ULL && *rss != ~0ULL;
}

static const struct jv *listed(const struct jv *sample, pid_t pid)
{
	const struct jv *l = sample ? jv_get(sample, "top_processes") : NULL;
	size_t k;

	for (k = 0; l && k < l->n; k++)
		if (jv_u64_or(&l->items[k], "pid") == (uint64_t)pid)
			return &l->items[k];
	return NULL;
}

/* Every sample of the cgroup from the from-th line on shows pid at the kernel's size, spinning. */
static bool samples_agree(const struct agent *a, size_t from, const char *cgroup, pid_t pid, uint64_t vms, uint64_t rss)
{
	size_t i, n = 0;
	bool ok = true;

	for (i = from; ok && i < a->n_lines; i++) {
		struct jv *v = jv_parse(a->lines[i]);
		const struct jv *p;
		double cpu = -1;

		if (v && jv_str(v, "type") && !strcmp(jv_str(v, "type"), "sample") && jv_str(v, "cgroup") &&
		    !strcmp(jv_str(v, "cgroup"), cgroup)) {
			n++;
			p = listed(v, pid);
			ok = ASSERT(p, "sample %zu: the busy process is not among the top processes", n);
			if (ok && !jv_num(p, "cpu_percent", &cpu))
				cpu = -1;
			ok = ok && ASSERT(cpu >= 25, "sample %zu: a spinning process at %.1f%% CPU", n, cpu) &&
			     ASSERT(jv_u64_or(p, "vms_bytes") == vms, "sample %zu: VMS %llu, the kernel's %llu", n,
				    (unsigned long long)jv_u64_or(p, "vms_bytes"), (unsigned long long)vms) &&
			     ASSERT_NEAR(jv_u64_or(p, "rss_bytes"), rss, 2, WL_MIB);
		}
		jv_free(v);
	}
	return ok && ASSERT(n >= 6, "%zu samples after the reservation", n);
}

/* How many samples memprobe -v says were full passes of the whole machine. */
static size_t full_passes(const struct agent *a)
{
	const size_t cap = 16 << 20;
	char *text = malloc(cap), *p;
	size_t n = 0;

	if (text && read_text(a->err_path, text, cap) >= 0)
		for (p = text; (p = strstr(p, "the whole machine read in full")); p++)
			n++;
	free(text);
	return n;
}

INTEGRATION_TEST(busy_process_among_idle_crowd_keeps_its_cpu_and_size, 120)
{
	/* -v: memprobe says on stderr which samples were full passes. */
	const char *argv[] = { "--json", "--verbose", "--interval", "1", "--top", "50", NULL };
	struct tchild child = { .pid = 0, .go = -1 };
	struct agent a = { .out = -1 };
	uint64_t vms = 0, rss = 0, vms0 = 0;
	char dir[512], path[600] = "";
	struct tcg cg = { 0 };
	size_t from, full, samples;
	bool ok = false;
	int i;

	if (!ASSERT(!wl_make_dir("memprobe-it", dir, sizeof(dir)), "dir"))
		return false;
	snprintf(path, sizeof(path), "%s/cached.bin", dir);
	if (!ASSERT(!wl_write_evicted(path, 64 * WL_MIB), "file") || !ASSERT(!tcg_create(&cg, "crowd"), "cgroup") ||
	    !ASSERT(!tchild_start(&child, &cg, busy_with_crowd, path), "child"))
		goto out;
	tchild_go(&child);
	for (i = 0; i < 300 && (procs_in(&cg) < IDLERS + 1 || tcg_stat(&cg, "rss", "anon") < BUSY_ANON); i++)
		it_nap(0.1);
	if (!ASSERT(procs_in(&cg) >= IDLERS + 1, "%zu processes in the cgroup", procs_in(&cg)) ||
	    !ASSERT(status_of(child.pid, &vms0, &rss), "the busy process's status") ||
	    !ASSERT(!agent_start(&a, argv), "memprobe") || !ASSERT(agent_wait_for(&a, "sample", 30), "no sample"))
		goto out;
	/* The reservation: the size moves, the RSS does not, and the probe sees nothing. */
	for (i = 0; i < 20 && status_of(child.pid, &vms, &rss) && vms < vms0 + 64 * WL_MIB; i++)
		agent_wait_for(&a, "never", 1);
	if (!ASSERT(vms >= vms0 + 64 * WL_MIB, "no reservation: VMS %llu", (unsigned long long)vms))
		goto out;
	agent_wait_for(&a, "never", 1);	/* a sample under way may have read the size before */
	from = a.n_lines;
	for (i = 0; i < 8; i++)
		agent_wait_for(&a, "never", 1);
	ok = samples_agree(&a, from, cg.rel, child.pid, vms, rss);
	if (!ASSERT(agent_finish(&a, SIGINT, 30) == 0, "memprobe: %s", agent_stderr(&a)))
		ok = false;
	/* What the test is for happens between full passes: there must have been some. */
	full = full_passes(&a);
	samples = agent_count(&a, "sample", cg.rel);
	ok = ok && ASSERT(full + 3 <= samples, "%zu full passes in %zu samples: none partial to check", full, samples);
out:
	agent_free(&a);
	tchild_kill(&child);
	tcg_remove(&cg);
	unlink(path);
	rmdir(dir);
	return ok;
}
