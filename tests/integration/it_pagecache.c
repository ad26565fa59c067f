// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Page-cache attribution on the real kernel: a child in a cgroup of its own
 * reads files of known size and evicts one; memprobe must see exactly that,
 * agree with the cgroup's memory.stat, and see nothing in an idle cgroup.
 *
 * The kernel may take cold pages back at any moment (proactive reclaim such
 * as DAMON's runs on these machines): what left the cache is checked as "at
 * least what the child evicted", and everything cached against what came
 * in minus what went out, which holds whoever did the evicting.
 */
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"
#include "it.h"
#include "workload.h"

#define BIG	(48 * WL_MIB)
#define SMALL	(24 * WL_MIB)
/* Filesystem metadata read on the way is charged too: a few pages. */
#define SLACK	(1 * WL_MIB)

struct files {
	char dir[512];
	char big[600];
	char small[600];
};

static int read_and_evict(void *arg)
{
	struct files *f = arg;

	if (wl_read(f->big) != (long long)BIG || wl_read(f->small) != (long long)SMALL)
		return 1;
	return wl_evict(f->small) ? 2 : 0;
}

static bool make_files(struct files *f)
{
	if (wl_make_dir("memprobe-it", f->dir, sizeof(f->dir)))
		return false;
	snprintf(f->big, sizeof(f->big), "%s/model.bin", f->dir);
	snprintf(f->small, sizeof(f->small), "%s/frames.raw", f->dir);
	return !wl_write_evicted(f->big, BIG) && !wl_write_evicted(f->small, SMALL);
}

static void remove_files(struct files *f)
{
	unlink(f->big);
	unlink(f->small);
	if (f->dir[0])
		rmdir(f->dir);
}

/* The entry for path in a summary's top_files, or NULL. */
static const struct jv *top_file(const struct jv *summary, const char *path)
{
	const struct jv *files = jv_get(summary, "top_files");
	size_t i;

	for (i = 0; files && i < files->n; i++)
		if (jv_str(&files->items[i], "path") && !strcmp(jv_str(&files->items[i], "path"), path))
			return &files->items[i];
	return NULL;
}

INTEGRATION_TEST(pagecache_attribution, 120)
{
	struct tcg busy = { 0 }, quiet = { 0 };
	struct tchild reader = { .pid = 0, .go = -1 }, sleeper = { .pid = 0, .go = -1 };
	struct agent a = { .out = -1 };
	struct jv *sb = NULL, *sq = NULL;
	const struct jv *fb, *fs;
	struct files f = { "" };
	uint64_t kernel_cache, added, removed;
	bool ok = false;
	int status;

	if (!ASSERT(make_files(&f), "cannot create the test files"))
		goto out;
	if (!ASSERT(!tcg_create(&busy, "busy") && !tcg_create(&quiet, "quiet"), "cannot create cgroups"))
		goto out;
	if (!ASSERT(!tchild_start(&reader, &busy, read_and_evict, &f) &&
		    !tchild_start(&sleeper, &quiet, it_child_idle, NULL), "cannot start the children"))
		goto out;
	{
		const char *argv[] = { "--json", "--interval", "0.5", "--cgroup", busy.rel,
				       "--cgroup", quiet.rel, NULL };

		if (!ASSERT(!agent_start(&a, argv), "cannot run memprobe"))
			goto out;
	}
	if (!ASSERT(agent_wait_for(&a, "start", 30), "no start record; stderr: %s", agent_stderr(&a)))
		goto out;
	tchild_go(&sleeper);
	tchild_go(&reader);
	status = tchild_wait(&reader, 60);
	if (!ASSERT(status == 0, "reader failed: status %d", status))
		goto out;
	if (!ASSERT(agent_wait_for(&a, "sample", 10), "no samples"))
		goto out;
	if (!ASSERT(agent_finish(&a, SIGINT, 30) == 0, "memprobe did not exit 0; stderr: %s", agent_stderr(&a)))
		goto out;
	kernel_cache = tcg_page_cache(&busy);

	sb = agent_record(&a, "summary", busy.rel);
	sq = agent_record(&a, "summary", quiet.rel);
	if (!ASSERT(sb && sq, "missing summaries"))
		goto out;
	if (!ASSERT(jv_u64_or(sb, "cgroup_id") == busy.id, "cgroup_id is not the directory's inode"))
		goto out;
	added = jv_u64_or(sb, "page_cache_added_bytes");
	removed = jv_u64_or(sb, "page_cache_removed_bytes");
	/* Pages, not events: 72 MiB came in; at least the evicted 24 MiB went out. */
	if (!ASSERT_NEAR(added, BIG + SMALL, 5, SLACK) ||
	    !ASSERT(removed >= SMALL * 99 / 100 && removed <= added, "removed %llu", (unsigned long long)removed))
		goto out;
	/* Absolute figures are the kernel's: memory.stat after the run, which the probes' flows add up to. */
	if (!ASSERT_NEAR(jv_u64_or(sb, "page_cache_bytes"), kernel_cache, 5, 0) ||
	    !ASSERT_NEAR(kernel_cache, added - removed, 5, SLACK))
		goto out;
	fb = top_file(sb, f.big);
	fs = top_file(sb, f.small);
	if (!ASSERT(fb && fs, "test files missing from top_files"))
		goto out;
	if (!ASSERT_NEAR(jv_u64_or(fb, "added_bytes"), BIG, 1, 0) ||
	    !ASSERT_NEAR(jv_u64_or(fs, "added_bytes"), SMALL, 1, 0) ||
	    !ASSERT(jv_u64_or(fs, "removed_bytes") >= SMALL * 99 / 100, "small file's evicted pages") ||
	    /* The kernel's count of the file's cached pages (cachestat) is what came in minus what left. */
	    !ASSERT_NEAR(jv_u64_or(fb, "cached_bytes"), jv_u64_or(fb, "added_bytes") - jv_u64_or(fb, "removed_bytes"), 1,
			 64 * 1024))
		goto out;
	/* The idle cgroup next door saw none of it. */
	if (!ASSERT(jv_u64_or(sq, "page_cache_added_bytes") < SLACK, "idle cgroup shows %llu bytes added",
		    (unsigned long long)jv_u64_or(sq, "page_cache_added_bytes")))
		goto out;
	ok = true;
out:
	jv_free(sb);
	jv_free(sq);
	agent_free(&a);
	tchild_kill(&reader);
	tchild_kill(&sleeper);
	remove_files(&f);
	tcg_remove(&busy);
	tcg_remove(&quiet);
	return ok;
}

INTEGRATION_TEST(wrapper_runs_command_in_own_cgroup, 60)
{
	struct agent a = { .out = -1 };
	struct jv *start = NULL, *sum = NULL;
	const struct jv *targets;
	struct files f = { "" };
	const char *cg;
	char dir[1200];
	bool ok = false;
	int code;

	if (!ASSERT(make_files(&f), "cannot create the test files"))
		goto out;
	{
		const char *argv[] = { "--json", "--interval", "0.5", "--", build_path("workloads/cacheread"),
				       "--evict", f.small, "--exit", "3", NULL };

		if (!ASSERT(!agent_start(&a, argv), "cannot run memprobe"))
			goto out;
	}
	code = agent_finish(&a, 0, 40);
	if (!ASSERT(code == 3, "exit code %d, not COMMAND's 3; stderr: %s", code, agent_stderr(&a)))
		goto out;
	start = agent_record(&a, "start", NULL);
	targets = jv_get(start, "targets");
	if (!ASSERT(targets && targets->n == 1, "start record without its one target"))
		goto out;
	cg = jv_str(&targets->items[0], "cgroup");
	if (!ASSERT(cg && !strncmp(cg, "memprobe-run-", 13), "target %s", cg ? cg : "(none)"))
		goto out;
	sum = agent_record(&a, "summary", cg);
	if (!ASSERT(sum, "no summary") ||
	    !ASSERT_NEAR(jv_u64_or(sum, "page_cache_added_bytes"), SMALL, 5, SLACK) ||
	    !ASSERT(jv_u64_or(sum, "page_cache_removed_bytes") >= SMALL * 99 / 100 &&
		    jv_u64_or(sum, "page_cache_removed_bytes") <= jv_u64_or(sum, "page_cache_added_bytes"), "removed"))
		goto out;
	snprintf(dir, sizeof(dir), "%s/%s", jv_str(start, "memory_root"), cg);
	if (!ASSERT(access(dir, F_OK) != 0, "%s was left behind", dir))
		goto out;
	ok = true;
out:
	jv_free(start);
	jv_free(sum);
	agent_free(&a);
	remove_files(&f);
	return ok;
}

INTEGRATION_TEST(wrapper_reports_signal_death, 30)
{
	const char *argv[] = { "--json", "--", "/bin/sh", "-c", "kill -TERM $$", NULL };
	char err[4096];
	int code = run_memprobe(argv, err, sizeof(err), 20);

	return ASSERT(code == 128 + SIGTERM, "exit code %d; stderr: %s", code, err);
}
