// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Growth stacks on real workloads: the C workload's three paths (a leak, a
 * churn, a warm-up) told apart by their sampled pages, unwound through a C
 * library and a binary built without frame pointers; a Python process
 * leaking numpy arrays named down to numpy; the folded file adding up to
 * the same bytes as the summary; memory given back with MADV_FREE counted
 * given back once reclaim discards it.
 */
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"
#include "it.h"
#include "it_stacks.h"
#include "workload.h"

#define LEAK_SECONDS	20
/* What stackleak's leak_here keeps a second: 263 pieces of 4000 bytes, each a 4016-byte chunk. */
#define LEAK_PER_S	(263ULL * 4016)
#define PYTHON		"/usr/bin/python3"

static int run_stackleak(void *arg)
{
	char seconds[16];

	(void)arg;
	snprintf(seconds, sizeof(seconds), "%d", LEAK_SECONDS);
	execl(build_path("workloads/stackleak"), "stackleak", "--seconds", seconds, (char *)NULL);
	return 127;
}

static const char numpy_leak[] =
	"import sys, time\n"
	"import numpy as np\n"
	"keep = []\n"
	"end = time.monotonic() + float(sys.argv[1])\n"
	"while time.monotonic() < end:\n"
	"    keep.append(np.ones(128 * 1024))\n"
	"    time.sleep(0.05)\n"
	"time.sleep(3600)\n";

static int run_numpy(void *arg)
{
	(void)arg;
	execl(PYTHON, "python3", "-c", numpy_leak, "8", (char *)NULL);
	return 127;
}

bool through(const struct jv *stack, const char *prefix)
{
	const struct jv *frames = jv_get(stack, "frames");
	size_t i;

	for (i = 0; frames && i < frames->n; i++) {
		const char *fn = jv_str(&frames->items[i], "function");

		if (fn && !strncmp(fn, prefix, strlen(prefix)))
			return true;
	}
	return false;
}

const struct jv *sum_through(const struct jv *stacks, const char *prefix, uint64_t *in_use, uint64_t *sampled,
				    double *growth)
{
	const struct jv *first = NULL;
	size_t i;

	*in_use = *sampled = 0;
	*growth = 0;
	for (i = 0; stacks && i < stacks->n; i++) {
		const struct jv *s = &stacks->items[i];
		double g = 0;

		if (!through(s, prefix))
			continue;
		if (!first)
			first = s;
		*in_use += jv_u64_or(s, "in_use_bytes");
		*sampled += jv_u64_or(s, "sampled_bytes");
		jv_num(s, "in_use_growth_bytes_per_hour", &g);
		*growth += g;
	}
	return first;
}

/*
 * A stack through leak_here names the C library's malloc and every frame
 * from it down to leak_here: the unwinding went through a library without
 * frame pointers. (Frames above malloc, inside it, are named only where
 * the C library's symbols or debug info are installed.)
 */
static bool named_through_malloc(const struct jv *stacks)
{
	size_t i, k;

	for (i = 0; stacks && i < stacks->n; i++) {
		const struct jv *frames = jv_get(&stacks->items[i], "frames");
		bool in_malloc = false;

		if (!through(&stacks->items[i], "leak_here"))
			continue;
		for (k = 0; frames && k < frames->n; k++) {
			const char *fn = jv_str(&frames->items[k], "function") ?: "";
			const char *mod = jv_str(&frames->items[k], "module") ?: "";

			if (!strcmp(fn, "malloc") || !strcmp(fn, "__libc_malloc"))
				in_malloc = strstr(mod, "libc.so") != NULL;
			else if (in_malloc && !strncmp(fn, "leak_here", 9))
				return true;
			else if (in_malloc && !*fn)
				break;
		}
	}
	return false;
}

/* Sums a folded file's bytes; every line must be "frame;...;frame N". */
static bool folded_total(const char *path, uint64_t *total, bool *has_leak)
{
	char line[16384];
	FILE *f = fopen(path, "re");
	bool ok = f != NULL;

	*total = 0;
	*has_leak = false;
	while (ok && fgets(line, sizeof(line), f)) {
		char *sp = strrchr(line, ' '), *end;
		unsigned long long n;

		if (!sp || sp == line) {
			ok = false;
			break;
		}
		n = strtoull(sp + 1, &end, 10);
		if (*end != '\n' && *end != '\0') {
			ok = false;
			break;
		}
		*sp = '\0';
		if (strstr(line, ";leak_here"))
			*has_leak = true;
		*total += n;
	}
	if (f)
		fclose(f);
	return ok;
}

void skip_if_refused(struct agent *a, struct tchild *child, struct tcg *cg)
{
	if (!strstr(agent_stderr(a), "growth stack probes unavailable"))
		return;
	agent_free(a);
	tchild_kill(child);
	tcg_remove(cg);
	SKIP("this kernel refuses the growth-stack probes (memprobe said so)");
}

INTEGRATION_TEST(growth_stacks_find_the_leak, 120)
{
	const char *argv[] = { "--json", "--interval", "0.5", "--verdict-window", "8", "--top", "200", "--stacks", NULL,
			       "--cgroup", NULL, NULL };
	struct tchild child = { .pid = 0, .go = -1 };
	struct agent a = { .out = -1 };
	uint64_t in_use, sampled, total, all_in_use = 0, leaked = LEAK_SECONDS * LEAK_PER_S;
	double leak_growth, warm_growth, churn_growth;
	const struct jv *stacks, *leak, *warm, *churn;
	char folded[IT_PATH];
	struct jv *sum = NULL;
	struct tcg cg = { 0 };
	bool ok = false, has_leak;
	int n_progs = 0;
	size_t i;

	snprintf(folded, sizeof(folded), "/tmp/memprobe-test-%d-folded", (int)getpid());
	argv[8] = folded;
	if (!ASSERT(!tcg_create(&cg, "stacks"), "cgroup") || !ASSERT(!tchild_start(&child, &cg, run_stackleak, NULL), "child"))
		goto out;
	argv[10] = cg.rel;
	if (!ASSERT(!agent_start(&a, argv), "memprobe") ||
	    !ASSERT(agent_wait_for(&a, "start", 30), "no start: %s", agent_stderr(&a)))
		goto out;
	skip_if_refused(&a, &child, &cg);
	/* One program on kmem:mm_page_alloc counts the allocations and samples them. */
	if (!ASSERT(it_holds_prog(a.pid, "stk_page_alloc", &n_progs) && !it_holds_prog(a.pid, "page_alloc", &n_progs),
		    "not stk_page_alloc alone on the allocation hook (%d programs)", n_progs))
		goto out;
	tchild_go(&child);
	/* The workload leaks for LEAK_SECONDS and then holds everything. */
	it_nap(LEAK_SECONDS + 1.5);
	if (!ASSERT(agent_finish(&a, SIGINT, 60) == 0, "memprobe failed: %s", agent_stderr(&a)))
		goto out;
	sum = agent_record(&a, "summary", cg.rel);
	stacks = jv_get(sum, "growth_stacks");
	if (!ASSERT(stacks && stacks->n, "no growth_stacks; stderr: %s", agent_stderr(&a)))
		goto out;
	test_log(__FILE__, __LINE__, "%llu samples, %llu skipped, %llu lost", (unsigned long long)jv_u64_or(sum, "stack_samples"),
		 (unsigned long long)jv_u64_or(sum, "stack_samples_skipped"),
		 (unsigned long long)jv_u64_or(sum, "stack_samples_lost"));
	/* A lost free would leave its page in use for good: the ring keeps room for frees. */
	if (!ASSERT(jv_u64_or(sum, "stack_samples_lost") == 0, "samples or frees lost"))
		goto out;
	leak = sum_through(stacks, "leak_here", &in_use, &sampled, &leak_growth);
	if (!ASSERT(leak, "no stack through leak_here (top stack: %s)", jv_str(sum, "top_stack")) ||
	    !ASSERT_NEAR(in_use, leaked, 25, 0) ||
	    !ASSERT(named_through_malloc(stacks), "no stack named from malloc in the C library down to leak_here"))
		goto out;
	/* Of the stacks that grow, the leak's is first; the journal's top stack names it. */
	for (i = 0; i < stacks->n && !through(&stacks->items[i], "leak_here"); i++) {
		double g = 0;

		jv_num(&stacks->items[i], "in_use_growth_bytes_per_hour", &g);
		if (!ASSERT(g < leak_growth / 10, "stack %zu grows faster than the leak", i))
			goto out;
	}
	if (!ASSERT(jv_str(sum, "top_stack") && !strncmp(jv_str(sum, "top_stack"), "leak_here", 9),
		    "top_stack is \"%s\"", jv_str(sum, "top_stack")))
		goto out;
	churn = sum_through(stacks, "churn_here", &in_use, &sampled, &churn_growth);
	if (!ASSERT(churn, "no stack through churn_here") ||
	    !ASSERT(sampled >= 100 * WL_MIB && in_use < sampled / 10, "churn_here: %llu in use of %llu sampled",
		    (unsigned long long)in_use, (unsigned long long)sampled))
		goto out;
	warm = sum_through(stacks, "warmup_here", &in_use, &sampled, &warm_growth);
	/*
	 * The warm-up is one burst: where it comes faster than --stack-rate
	 * (an emulated CPU's timing can make it so), its samples' bytes are
	 * carried to the process's next samples, said in stack_samples_skipped,
	 * and no stack is left to name it.
	 */
	if (!warm && jv_u64_or(sum, "stack_samples_skipped") > 0 && jv_u64_or(sum, "stack_samples_skipped") != ~0ULL) {
		test_log(__FILE__, __LINE__, "the warm-up's samples went to the rate limit (%llu skipped): not checked",
			 (unsigned long long)jv_u64_or(sum, "stack_samples_skipped"));
	} else if (!ASSERT(warm, "no stack through warmup_here") || !ASSERT_NEAR(in_use, 32 * WL_MIB, 20, 0) ||
		   !ASSERT(warm_growth < leak_growth / 10, "warmup_here grows %.0f B/h, the leak %.0f B/h", warm_growth,
			   leak_growth)) {
		goto out;
	}
	/* The folded stacks hold the same bytes as the summary's. */
	for (i = 0; i < stacks->n; i++)
		all_in_use += jv_u64_or(&stacks->items[i], "in_use_bytes");
	ok = ASSERT(folded_total(folded, &total, &has_leak), "%s is not folded stacks", folded) &&
	     ASSERT(total == all_in_use, "folded %llu bytes, summary %llu", (unsigned long long)total,
		    (unsigned long long)all_in_use) &&
	     ASSERT(has_leak, "no folded line through leak_here");
out:
	jv_free(sum);
	agent_free(&a);
	tchild_kill(&child);
	tcg_remove(&cg);
	unlink(folded);
	return ok;
}

INTEGRATION_TEST(growth_stacks_name_numpy, 90)
{
	const char *argv[] = { "--json", "--interval", "0.5", "--cgroup", NULL, NULL };
	struct tchild child = { .pid = 0, .go = -1 };
	struct agent a = { .out = -1 };
	const struct jv *stacks, *frames;
	struct jv *sum = NULL;
	struct tcg cg = { 0 };
	bool ok = false;
	size_t k;

	if (access(PYTHON, X_OK) || system(PYTHON " -c 'import numpy' 2>/dev/null"))
		SKIP("%s with numpy is not installed (make deps-test installs python3-numpy)", PYTHON);
	if (!ASSERT(!tcg_create(&cg, "numpy"), "cgroup") || !ASSERT(!tchild_start(&child, &cg, run_numpy, NULL), "child"))
		goto out;
	argv[4] = cg.rel;
	if (!ASSERT(!agent_start(&a, argv), "memprobe") ||
	    !ASSERT(agent_wait_for(&a, "start", 30), "no start: %s", agent_stderr(&a)))
		goto out;
	skip_if_refused(&a, &child, &cg);
	tchild_go(&child);
	it_nap(9);
	if (!ASSERT(agent_finish(&a, SIGINT, 60) == 0, "memprobe failed: %s", agent_stderr(&a)))
		goto out;
	sum = agent_record(&a, "summary", cg.rel);
	stacks = jv_get(sum, "growth_stacks");
	if (!ASSERT(stacks && stacks->n, "no growth_stacks; stderr: %s", agent_stderr(&a)))
		goto out;
	frames = jv_get(&stacks->items[0], "frames");
	for (k = 0; frames && k < frames->n; k++)
		if (strstr(jv_str(&frames->items[k], "module") ?: "", "numpy"))
			break;
	ok = ASSERT(frames && k < frames->n, "no numpy frame in the top stack (top stack: %s)", jv_str(sum, "top_stack")) &&
	     ASSERT(jv_u64_or(&stacks->items[0], "in_use_bytes") >= 40 * WL_MIB, "the top stack holds %llu bytes",
		    (unsigned long long)jv_u64_or(&stacks->items[0], "in_use_bytes"));
out:
	jv_free(sum);
	agent_free(&a);
	tchild_kill(&child);
	tcg_remove(&cg);
	return ok;
}

#define LAZY_BYTES	(64 * WL_MIB)
#define KEPT_BYTES	(72 * WL_MIB)
/* Room for what is kept and a little more: most of what MADV_FREE gave back has to go. */
#define LAZY_LIMIT	(KEPT_BYTES + 16 * WL_MIB)

static __attribute__((noinline)) char *map_and_write(size_t bytes)
{
	char *p = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		return NULL;
	memset(p, 0x4c, bytes);
	/* Not a tail call: this frame stays on the stack under memset's faults. */
	__asm__ volatile("" : : "r"(p) : "memory");
	return p;
}

static __attribute__((noinline)) char *lazy_here(void)
{
	char *p = map_and_write(LAZY_BYTES);

	__asm__ volatile("" : : "r"(p) : "memory");
	return p;
}

static __attribute__((noinline)) char *kept_here(void)
{
	char *p = map_and_write(KEPT_BYTES);

	__asm__ volatile("" : : "r"(p) : "memory");
	return p;
}

/*
 * Writes LAZY_BYTES and gives them back with MADV_FREE, then writes
 * KEPT_BYTES, which its cgroup's limit has room for only once reclaim has
 * discarded most of the first; says so on the pipe *arg, and holds.
 */
static int run_lazy(void *arg)
{
	int done = *(int *)arg;
	char *lazy = lazy_here();

	if (!lazy || madvise(lazy, LAZY_BYTES, MADV_FREE) || !kept_here() || write(done, "", 1) != 1)
		return 1;
	for (;;)
		pause();
}

/*
 * Reclaim frees a sampled page of a process that still has the memory
 * elsewhere (swapped, migrated), so such a page stays in use; not one the
 * process gave back with MADV_FREE, which reclaim discards. The lazily
 * freed path's bytes in use are what memory.stat says is left of them,
 * and the kept path's all of it.
 */
INTEGRATION_TEST(growth_stacks_lazily_freed_given_back, 90)
{
	/*
	 * Every sample taken: past --stack-rate, a burst's skipped bytes go to
	 * the process's next sample, here the other path's, and the pages
	 * reclaim leaves are the last written, the part a burst skips.
	 */
	const char *argv[] = { "--json", "--interval", "0.5", "--top", "200", "--stack-rate", "100000", "--cgroup", NULL, NULL };
	struct tchild child = { .pid = 0, .go = -1 };
	struct agent a = { .out = -1 };
	uint64_t anon = 0, discarded, lazy_in_use, lazy_sampled, kept_in_use, kept_sampled;
	int fds[2] = { -1, -1 };
	struct jv *sum = NULL;
	struct tcg cg = { 0 };
	const struct jv *stacks;
	bool ok = false;
	double g;
	char c;

	if (!ASSERT(!pipe(fds), "pipe") || !ASSERT(!tcg_create(&cg, "stk-lazy"), "cgroup") ||
	    !ASSERT(!tcg_limit(&cg, LAZY_LIMIT), "limit") || !ASSERT(!tchild_start(&child, &cg, run_lazy, &fds[1]), "child"))
		goto out;
	argv[8] = cg.rel;
	if (!ASSERT(!agent_start(&a, argv), "memprobe") ||
	    !ASSERT(agent_wait_for(&a, "start", 30), "no start: %s", agent_stderr(&a)))
		goto out;
	skip_if_refused(&a, &child, &cg);
	tchild_go(&child);
	{
		struct pollfd pfd = { .fd = fds[0], .events = POLLIN };

		if (!ASSERT(poll(&pfd, 1, 60000) == 1 && read(fds[0], &c, 1) == 1, "the child did not get its memory"))
			goto out;
	}
	it_nap(1.5);
	anon = tcg_stat(&cg, "rss", "anon");
	if (!ASSERT(agent_finish(&a, SIGINT, 60) == 0, "memprobe failed: %s", agent_stderr(&a)))
		goto out;
	sum = agent_record(&a, "summary", cg.rel);
	stacks = jv_get(sum, "growth_stacks");
	discarded = anon < LAZY_BYTES + KEPT_BYTES ? LAZY_BYTES + KEPT_BYTES - anon : 0;
	if (discarded > LAZY_BYTES)
		discarded = LAZY_BYTES;
	if (!ASSERT(stacks, "no growth_stacks; stderr: %s", agent_stderr(&a)) ||
	    !ASSERT(sum_through(stacks, "lazy_here", &lazy_in_use, &lazy_sampled, &g), "no stack through lazy_here") ||
	    !ASSERT(sum_through(stacks, "kept_here", &kept_in_use, &kept_sampled, &g), "no stack through kept_here"))
		goto out;
	test_log(__FILE__, __LINE__, "anon %llu: %llu discarded; lazy_here %llu in use of %llu sampled, kept_here %llu of %llu",
		 (unsigned long long)anon, (unsigned long long)discarded, (unsigned long long)lazy_in_use,
		 (unsigned long long)lazy_sampled, (unsigned long long)kept_in_use, (unsigned long long)kept_sampled);
	ok = ASSERT(discarded >= LAZY_BYTES / 2, "reclaim discarded %llu of what MADV_FREE gave back",
		    (unsigned long long)discarded) &&
	     ASSERT_NEAR(lazy_in_use, LAZY_BYTES - discarded, 25, 8 * WL_MIB) && ASSERT_NEAR(kept_in_use, KEPT_BYTES, 25, 0);
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

/* anonload at arg's rate for 3 s, then holding what it touched. */
static int run_anonload(void *arg)
{
	execl(build_path("workloads/anonload"), "anonload", "--rate", (const char *)arg, "--seconds", "3", "--hold", "60",
	      (char *)NULL);
	return 127;
}

/*
 * Only watched cgroups are sampled, decided in the kernel: a process of
 * another cgroup allocating eight times as much adds no samples. The
 * samples taken or skipped (the kernel's counts for the whole machine, a
 * --stack-sample each) match the watched cgroup's anon in its
 * memory.stat; with the filter broken they would be nine times that.
 */
INTEGRATION_TEST(growth_stacks_only_for_watched_cgroups, 60)
{
	const char *argv[] = { "--json", "--interval", "0.5", "--stack-sample", "256K", "--cgroup", NULL, NULL };
	struct tchild child = { .pid = 0, .go = -1 }, noise = { .pid = 0, .go = -1 };
	struct tcg cg = { 0 }, other = { 0 };
	struct agent a = { .out = -1 };
	struct jv *sum = NULL;
	uint64_t anon, sampled;
	bool ok = false;

	if (!ASSERT(!tcg_create(&cg, "stk-watched"), "cgroup") || !ASSERT(!tchild_start(&child, &cg, run_anonload, "8M"), "child"))
		goto out;
	argv[6] = cg.rel;
	if (!ASSERT(!agent_start(&a, argv), "memprobe") ||
	    !ASSERT(agent_wait_for(&a, "start", 30), "no start: %s", agent_stderr(&a)))
		goto out;
	skip_if_refused(&a, &child, &cg);
	/* The noise once the test is sure to run: skipping cleans up the watched cgroup only. */
	if (!ASSERT(!tcg_create(&other, "stk-noise"), "noise cgroup") ||
	    !ASSERT(!tchild_start(&noise, &other, run_anonload, "64M"), "noise"))
		goto out;
	tchild_go(&child);
	tchild_go(&noise);
	it_nap(4);
	anon = tcg_stat(&cg, "rss", "anon");
	if (!ASSERT(agent_finish(&a, SIGINT, 60) == 0, "memprobe failed: %s", agent_stderr(&a)))
		goto out;
	sum = agent_record(&a, "summary", cg.rel);
	sampled = (jv_u64_or(sum, "stack_samples") + jv_u64_or(sum, "stack_samples_skipped")) * 256 * 1024;
	test_log(__FILE__, __LINE__, "%llu samples and %llu skipped (%llu bytes) for %llu bytes of anon in the watched cgroup",
		 (unsigned long long)jv_u64_or(sum, "stack_samples"), (unsigned long long)jv_u64_or(sum, "stack_samples_skipped"),
		 (unsigned long long)sampled, (unsigned long long)anon);
	ok = ASSERT(sum, "no summary") && ASSERT(anon >= 16 * WL_MIB, "the watched cgroup's anon is %llu", (unsigned long long)anon) &&
	     ASSERT_NEAR(sampled, anon, 40, 0);
out:
	jv_free(sum);
	agent_free(&a);
	tchild_kill(&child);
	tchild_kill(&noise);
	tcg_remove(&cg);
	tcg_remove(&other);
	return ok;
}

/*
 * --stack-sample 0 loads nothing and reports no stacks; the allocation
 * probe's own program counts: at least every anon page memory.stat holds
 * for the cgroup, and not some multiple of it.
 */
INTEGRATION_TEST(growth_stacks_off, 60)
{
	const char *argv[] = { "--json", "--interval", "0.5", "--stack-sample", "0", "--cgroup", NULL, NULL };
	struct tchild child = { .pid = 0, .go = -1 };
	struct agent a = { .out = -1 };
	struct jv *sum = NULL;
	struct tcg cg = { 0 };
	bool ok = false, stk, alloc;
	uint64_t anon, allocated;
	int n_progs = 0;

	if (!ASSERT(!tcg_create(&cg, "stacks-off"), "cgroup") ||
	    !ASSERT(!tchild_start(&child, &cg, run_anonload, "16M"), "child"))
		goto out;
	argv[6] = cg.rel;
	if (!ASSERT(!agent_start(&a, argv), "memprobe") ||
	    !ASSERT(agent_wait_for(&a, "start", 30), "no start: %s", agent_stderr(&a)))
		goto out;
	stk = it_holds_prog(a.pid, "stk_", &n_progs);
	alloc = it_holds_prog(a.pid, "page_alloc", &n_progs);
	if (!ASSERT(!stk && alloc, "stack programs %s, page_alloc %s (%d programs)", stk ? "held" : "not held",
		    alloc ? "held" : "not held", n_progs))
		goto out;
	tchild_go(&child);
	it_nap(4);
	anon = tcg_stat(&cg, "rss", "anon");
	if (!ASSERT(agent_finish(&a, SIGINT, 40) == 0, "memprobe failed: %s", agent_stderr(&a)))
		goto out;
	sum = agent_record(&a, "summary", cg.rel);
	allocated = jv_u64_or(sum, "alloc_pages") * (uint64_t)sysconf(_SC_PAGESIZE);
	test_log(__FILE__, __LINE__, "%llu bytes allocated for %llu bytes of anon", (unsigned long long)allocated,
		 (unsigned long long)anon);
	ok = ASSERT(sum, "no summary") && ASSERT(anon >= 16 * WL_MIB, "anon %llu", (unsigned long long)anon) &&
	     ASSERT(allocated >= anon && allocated <= 2 * anon, "allocations %s%llu bytes for %llu bytes of anon; stderr: %s",
		    jv_get(sum, "alloc_pages") && jv_get(sum, "alloc_pages")->type == J_NULL ? "null, " : "",
		    (unsigned long long)allocated, (unsigned long long)anon, agent_stderr(&a)) &&
	     ASSERT(!jv_get(sum, "growth_stacks"), "growth_stacks with --stack-sample 0");
out:
	jv_free(sum);
	agent_free(&a);
	tchild_kill(&child);
	tcg_remove(&cg);
	return ok;
}
