// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Growth stacks follow a sampled page's address, not the page: memory a
 * process gives back and maps again at the same addresses (munmap and
 * mmap, madvise(MADV_DONTNEED) and a new write, brk down and up) must not
 * stay in use, and memory that mremap moves (realloc of a large block)
 * must. Each path's bytes in use are checked against what it holds, and
 * all of them against the cgroup's anon in memory.stat.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"
#include "it.h"
#include "it_stacks.h"
#include "workload.h"

#define CYCLE_BYTES	(8 * WL_MIB)
#define CYCLES		40
#define HOLD_NS		(50 * 1000 * 1000L)	/* each cycle's memory stays a while, as a request's would */
#define GROWN_BYTES	(48 * WL_MIB)

static void hold_a_while(void)
{
	struct timespec ts = { .tv_sec = 0, .tv_nsec = HOLD_NS };

	nanosleep(&ts, NULL);
}

/* Every cycle maps, writes and unmaps: the next mapping lands where the last was. The last one is kept. */
static __attribute__((noinline)) int remap_churn_here(void)
{
	char *p = NULL;
	int i;

	for (i = 0; i < CYCLES; i++) {
		if (p && munmap(p, CYCLE_BYTES))
			return -1;
		p = mmap(NULL, CYCLE_BYTES, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (p == MAP_FAILED)
			return -1;
		memset(p, 0x52, CYCLE_BYTES);
		hold_a_while();
	}
	return 0;
}

/* One mapping, written and given back with MADV_DONTNEED in turn; written last. */
static __attribute__((noinline)) int dontneed_churn_here(void)
{
	char *p = mmap(NULL, CYCLE_BYTES, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	int i;

	if (p == MAP_FAILED)
		return -1;
	for (i = 0; i < CYCLES; i++) {
		if (i && madvise(p, CYCLE_BYTES, MADV_DONTNEED))
			return -1;
		memset(p, 0x44, CYCLE_BYTES);
		hold_a_while();
	}
	return 0;
}

/* The break lowered, raised and written in turn; raised last. Nothing else here moves the break. */
static __attribute__((noinline)) int brk_churn_here(void)
{
	char *p;
	int i;

	for (i = 0; i < CYCLES; i++) {
		if (i && sbrk(-(intptr_t)CYCLE_BYTES) == (void *)-1)
			return -1;
		p = sbrk(CYCLE_BYTES);
		if (p == (void *)-1)
			return -1;
		memset(p, 0x42, CYCLE_BYTES);
		hold_a_while();
	}
	return 0;
}

/*
 * A block grown a MiB at a time by mremap, as realloc grows a large one; a
 * page mapped just past its end each time makes every growth a move. All
 * of it is kept, grown at the churns' pace.
 */
static __attribute__((noinline)) int realloc_here(void)
{
	size_t size = WL_MIB;
	char *p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0), *q;

	if (p == MAP_FAILED)
		return -1;
	memset(p, 0x4d, size);
	while (size < GROWN_BYTES) {
		/* Never written: address space only. Taken already (EEXIST) does as well. */
		if (mmap(p + size, 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0) == MAP_FAILED &&
		    errno != EEXIST)
			return -1;
		q = mremap(p, size, size + WL_MIB, MREMAP_MAYMOVE);
		if (q == MAP_FAILED || q == p)
			return -1;
		p = q;
		memset(p + size, 0x4d, WL_MIB);
		size += WL_MIB;
		hold_a_while();
	}
	return 0;
}

static int run_follow(void *arg)
{
	int done = *(int *)arg;

	if (brk_churn_here() || remap_churn_here() || dontneed_churn_here() || realloc_here() ||
	    write(done, "", 1) != 1)
		return 1;
	for (;;)
		pause();
}

/* A path's bytes in use and sampled, logged. */
static bool path(const struct jv *stacks, const char *name, uint64_t *in_use, uint64_t *sampled)
{
	double g;

	if (!ASSERT(sum_through(stacks, name, in_use, sampled, &g), "no stack through %s", name))
		return false;
	test_log(__FILE__, __LINE__, "%s: %llu in use of %llu sampled", name, (unsigned long long)*in_use,
		 (unsigned long long)*sampled);
	return true;
}

INTEGRATION_TEST(growth_stacks_follow_the_address, 120)
{
	/*
	 * Every sample taken: past --stack-rate a sample's bytes go to the
	 * process's next one, maybe another path's. One per 2 MiB: at the
	 * default, the churns' 1,900 samples keep an emulated CPU's agent
	 * unwinding long after, and the last path's samples find the ring full.
	 */
	const char *argv[] = { "--json", "--interval", "0.5", "--top", "200", "--stack-rate", "100000", "--stack-sample", "2M",
			       "--cgroup", NULL, NULL };
	struct tchild child = { .pid = 0, .go = -1 };
	struct agent a = { .out = -1 };
	uint64_t anon, total = 0, brk_use, brk_sampled, remap_use, remap_sampled, dn_use, dn_sampled, re_use, re_sampled;
	int fds[2] = { -1, -1 };
	struct jv *sum = NULL;
	struct tcg cg = { 0 };
	const struct jv *stacks;
	bool ok = false;
	size_t i;
	char c;

	if (!ASSERT(!pipe(fds), "pipe") || !ASSERT(!tcg_create(&cg, "stk-follow"), "cgroup") ||
	    !ASSERT(!tchild_start(&child, &cg, run_follow, &fds[1]), "child"))
		goto out;
	argv[10] = cg.rel;
	if (!ASSERT(!agent_start(&a, argv), "memprobe") ||
	    !ASSERT(agent_wait_for(&a, "start", 30), "no start: %s", agent_stderr(&a)))
		goto out;
	skip_if_refused(&a, &child, &cg);
	tchild_go(&child);
	{
		struct pollfd pfd = { .fd = fds[0], .events = POLLIN };

		if (!ASSERT(poll(&pfd, 1, 90000) == 1 && read(fds[0], &c, 1) == 1, "the child did not finish its paths"))
			goto out;
	}
	/* Two of the agent's pagemap reads after the last change. */
	it_nap(1.5);
	anon = tcg_stat(&cg, "rss", "anon");
	if (!ASSERT(agent_finish(&a, SIGINT, 60) == 0, "memprobe failed: %s", agent_stderr(&a)))
		goto out;
	sum = agent_record(&a, "summary", cg.rel);
	stacks = jv_get(sum, "growth_stacks");
	if (!ASSERT(stacks, "no growth_stacks; stderr: %s", agent_stderr(&a)) ||
	    !ASSERT(jv_u64_or(sum, "stack_samples_lost") == 0, "samples lost") ||
	    !path(stacks, "brk_churn_here", &brk_use, &brk_sampled) ||
	    !path(stacks, "remap_churn_here", &remap_use, &remap_sampled) ||
	    !path(stacks, "dontneed_churn_here", &dn_use, &dn_sampled) || !path(stacks, "realloc_here", &re_use, &re_sampled))
		goto out;
	for (i = 0; i < stacks->n; i++)
		total += jv_u64_or(&stacks->items[i], "in_use_bytes");
	test_log(__FILE__, __LINE__, "all stacks %llu in use; the cgroup's anon %llu; %llu samples, %llu skipped",
		 (unsigned long long)total, (unsigned long long)anon, (unsigned long long)jv_u64_or(sum, "stack_samples"),
		 (unsigned long long)jv_u64_or(sum, "stack_samples_skipped"));
	/*
	 * Each churn sampled its 40 cycles and holds at most one: followed by
	 * the page instead of the calls, its samples at addresses mapped again
	 * would stay, hundreds of MiB. The grown block was moved 47 times and
	 * keeps every sample; what its samples stood for is within a
	 * sampling's reach (24 samples of 1 to 3 MiB) of its 48 MiB.
	 */
	ok = ASSERT(brk_sampled >= CYCLES * CYCLE_BYTES / 2 && brk_use <= 2 * CYCLE_BYTES, "brk") &&
	     ASSERT(remap_sampled >= CYCLES * CYCLE_BYTES / 2 && remap_use <= 2 * CYCLE_BYTES, "munmap") &&
	     ASSERT(dn_sampled >= CYCLES * CYCLE_BYTES / 2 && dn_use <= 2 * CYCLE_BYTES, "madvise") &&
	     ASSERT(re_use == re_sampled, "realloc: %llu of %llu sampled in use after its moves",
		    (unsigned long long)re_use, (unsigned long long)re_sampled) &&
	     ASSERT_NEAR(re_use, GROWN_BYTES, 25, 4 * WL_MIB) && ASSERT_NEAR(total, anon, 25, 4 * WL_MIB);
out:
	jv_free(sum);
	agent_free(&a);
	tchild_kill(&child);
	tcg_remove(&cg);
	if (fds[0] >= 0)
		close(fds[0]);
	if (fds[1] >= 0)
		close(fds[1]);
	return ok;
}
