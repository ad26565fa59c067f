// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * --no-fault-probes, the always-on mode: none of memprobe's programs runs
 * on a page fault (the kernel says which programs memprobe holds), the
 * cgroup's figures still agree with memory.stat, the allocation figures
 * are said unknown rather than zero, and process peaks are the highest
 * readings of /proc.
 */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "harness.h"
#include "it.h"
#include "workload.h"

/* 48 MiB, held a while (memprobe reads it at its top), then 32 MiB of it given back: the peak is behind it. */
static int grow_hold_shrink(void *arg)
{
	unsigned long long n = 48 * WL_MIB, at;
	char *p = mmap(NULL, n, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	(void)arg;
	if (p == MAP_FAILED)
		return 1;
	for (at = 0; at < n; at += 4096)
		p[at] = 1;
	it_nap(2);
	if (munmap(p, 32 * WL_MIB))
		return 2;
	pause();
	return 0;
}

INTEGRATION_TEST(no_fault_probes_runs_nothing_on_a_fault, 60)
{
	static const char *const per_fault[] = { "page_alloc", "rss_stat", "shmem_lru_add", "stk_page_alloc",
						 "stk_munmap" };
	const char *argv[] = { "--json", "--interval", "0.25", "--no-fault-probes", "--cgroup", NULL, NULL };
	struct tchild child = { .pid = 0, .go = -1 };
	struct agent a = { .out = -1 };
	const struct jv *procs, *me = NULL;
	struct jv *sum = NULL;
	struct tcg cg = { 0 };
	uint64_t before, after, got, top, now;
	int n_progs = 0, n;
	bool ok = false;
	size_t i;

	if (!ASSERT(!tcg_create(&cg, "nofault"), "cgroup") || !ASSERT(!tchild_start(&child, &cg, grow_hold_shrink, NULL), "child"))
		goto out;
	argv[5] = cg.rel;
	if (!ASSERT(!agent_start(&a, argv), "memprobe") || !ASSERT(agent_wait_for(&a, "start", 30), "no start: %s",
								  agent_stderr(&a)))
		goto out;
	for (i = 0; i < sizeof(per_fault) / sizeof(per_fault[0]); i++)
		if (!ASSERT(!it_holds_prog(a.pid, per_fault[i], &n), "%s is loaded", per_fault[i]))
			goto out;
	/* The page-cache programs are there: the check reads what it should. */
	if (!ASSERT(it_holds_prog(a.pid, "cache_add", &n_progs) && n_progs > 0, "no cache_add among %d programs", n_progs))
		goto out;
	tchild_go(&child);
	/* The child's highest RssAnon until it gives memory back (a sanitized child keeps growing a while). */
	for (i = 0, top = 0; i < 1000 && (top < 48 * WL_MIB || tcg_stat(&cg, "rss", "anon") > 24 * WL_MIB); i++) {
		uint64_t b = it_status_bytes(child.pid, "RssAnon:");

		if (b != ~0ULL && b > top)
			top = b;
		it_nap(0.02);
	}
	agent_wait_for(&a, "never", 1);
	now = it_status_bytes(child.pid, "RssAnon:");
	before = tcg_stat(&cg, "rss", "anon");
	if (!ASSERT(agent_finish(&a, SIGINT, 30) == 0, "memprobe: %s", agent_stderr(&a)))
		goto out;
	after = tcg_stat(&cg, "rss", "anon");
	sum = agent_record(&a, "summary", cg.rel);
	if (!ASSERT(sum, "no summary"))
		goto out;
	got = jv_u64_or(sum, "anon_bytes");
	procs = jv_get(sum, "top_processes");
	for (i = 0; procs && i < procs->n; i++)
		if (jv_u64_or(&procs->items[i], "pid") == (uint64_t)child.pid)
			me = &procs->items[i];
	ok = ASSERT(got + WL_MIB >= (before < after ? before : after) && got <= (before > after ? before : after) + WL_MIB,
		    "anon %llu, the kernel %llu..%llu", (unsigned long long)got, (unsigned long long)before,
		    (unsigned long long)after) &&
	     ASSERT(jv_get(sum, "alloc_pages") && jv_get(sum, "alloc_pages")->type == J_NULL,
		    "allocations given as a figure without their probe") &&
	     ASSERT(me, "the child is not among top_processes") &&
	     /* The peak is /proc's highest reading, the figure its latest: the kernel's at the top and now. */
	     ASSERT(top >= 48 * WL_MIB, "the child's top: %llu", (unsigned long long)top) &&
	     /* memprobe reads every 0.25 s, this loop every 20 ms: its peak may miss the last of a climb. */
	     ASSERT_NEAR(jv_u64_or(me, "peak_anon_bytes"), top, 5, WL_MIB) &&
	     ASSERT_NEAR(jv_u64_or(me, "anon_bytes"), now, 2, WL_MIB);
out:
	jv_free(sum);
	agent_free(&a);
	tchild_kill(&child);
	tcg_remove(&cg);
	return ok;
}

INTEGRATION_TEST(no_fault_probes_refuses_stacks, 20)
{
	const char *argv[] = { "--no-fault-probes", "--stack-sample", "512K", "--duration", "1", NULL };
	char err[4096];
	int code = run_memprobe(argv, err, sizeof(err), 10);

	return ASSERT(code == 2, "exit %d: %s", code, err) && ASSERT(strstr(err, "--no-fault-probes"), "%s", err);
}
