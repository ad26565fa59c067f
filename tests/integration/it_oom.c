// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * A real OOM kill, in a memory cgroup the test made with a small limit: no
 * other cgroup's limit is touched, nothing but the test's child is in it.
 */
#include <signal.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness.h"
#include "it.h"
#include "workload.h"

#define LIMIT	(64 * WL_MIB)
static unsigned long long limit = LIMIT;
/*
 * The victim's RSS may hold pages charged before it was moved in (its
 * copy of the test's memory; under AddressSanitizer, shadow too).
 */
#ifdef __SANITIZE_ADDRESS__
#define RSS_SLACK	(16 * WL_MIB)
#else
#define RSS_SLACK	0
#endif

INTEGRATION_TEST(oom_kill_reported, 60)
{
	const char *argv[] = { "--json", "--interval", "0.25", "--cgroup", NULL, NULL };
	struct tchild child = { .pid = 0, .go = -1 };
	struct agent a = { .out = -1 };
	struct jv *kill = NULL, *sum = NULL;
	struct tcg cg = { 0 };
	int status;
	pid_t pid;
	bool ok = false;

	if (!ASSERT(!tcg_create(&cg, "oom"), "cgroup") || !ASSERT(!tcg_limit(&cg, LIMIT), "limit") ||
	    !ASSERT(!tchild_start(&child, &cg, it_child_hog, &limit), "child"))
		goto out;
	argv[4] = cg.rel;
	if (!ASSERT(!agent_start(&a, argv), "memprobe") || !ASSERT(agent_wait_for(&a, "start", 30), "no start"))
		goto out;
	pid = child.pid;
	tchild_go(&child);
	status = tchild_wait(&child, 30);
	if (!ASSERT(status >= 0 && WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL, "child was not OOM-killed: %d", status))
		goto out;
	if (!ASSERT(agent_wait_for(&a, "oom_kill", 10), "no oom_kill; stderr: %s", agent_stderr(&a)) ||
	    !ASSERT(agent_finish(&a, SIGINT, 30) == 0, "memprobe failed"))
		goto out;
	kill = agent_record(&a, "oom_kill", NULL);
	sum = agent_record(&a, "summary", cg.rel);
	ok = ASSERT(kill && sum, "records") &&
	     ASSERT(jv_u64_or(kill, "pid") == (uint64_t)pid, "victim %llu, child %d",
		    (unsigned long long)jv_u64_or(kill, "pid"), (int)pid) &&
	     ASSERT_STR(jv_str(kill, "cgroup"), cg.rel) &&
	     ASSERT(jv_u64_or(kill, "cgroup_id") == cg.id, "cgroup_id") &&
	     ASSERT_STR(jv_str(kill, "scope"), "cgroup") &&
	     ASSERT_STR(jv_str(kill, "oom_cgroup"), cg.rel) &&
	     ASSERT(jv_u64_or(kill, "limit_bytes") == LIMIT, "limit %llu", (unsigned long long)jv_u64_or(kill, "limit_bytes")) &&
	     /* The child allocated itself to death: it is the victim and the trigger, single-threaded, root. */
	     ASSERT(jv_u64_or(kill, "tid") == (uint64_t)pid && jv_u64_or(kill, "trigger_pid") == (uint64_t)pid,
		    "tid %llu trigger %llu", (unsigned long long)jv_u64_or(kill, "tid"),
		    (unsigned long long)jv_u64_or(kill, "trigger_pid")) &&
	     ASSERT(jv_u64_or(kill, "uid") == (uint64_t)getuid(), "uid") &&
	     ASSERT(jv_u64_or(kill, "total_vm_bytes") >= 4 * LIMIT, "total_vm %llu",
		    (unsigned long long)jv_u64_or(kill, "total_vm_bytes")) &&
	     /* At the kill it held about the whole limit, all of it anonymous. */
	     ASSERT_NEAR(jv_u64_or(kill, "anon_rss_bytes"), LIMIT, 10, RSS_SLACK) &&
	     /* The kernel's own count for the cgroup agrees. */
	     ASSERT(tcg_oom_kills(&cg) == 1, "kernel counts %llu kills", (unsigned long long)tcg_oom_kills(&cg)) &&
	     ASSERT(jv_u64_or(sum, "oom_kills") == 1, "summary oom_kills");
out:
	jv_free(kill);
	jv_free(sum);
	agent_free(&a);
	tchild_kill(&child);
	tcg_remove(&cg);
	return ok;
}
