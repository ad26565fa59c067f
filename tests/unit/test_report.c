// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The record builders (output/report.c, output/summary.c): targets into records, rates, merged lists. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"
#include "model/accounting.h"
#include "output/report.h"

static struct target *add(struct targets *ts, const char *rel, __u64 id, const __u64 *members, size_t n)
{
	struct target *t = &ts->v[ts->n++];

	memset(t, 0, sizeof(*t));
	t->cg.rel = strdup(rel);
	t->cg.id = id;
	t->root = !strcmp(rel, "/");
	t->members = malloc(n * sizeof(*members) + 1);
	if (n)
		memcpy(t->members, members, n * sizeof(*members));
	t->n_members = t->cap_members = n;
	t->have_stat = true;
	return t;
}

static void counters(struct agg *a, __u64 id, __u64 in, __u64 out)
{
	struct counters *c = agg_counters(a, id);

	c->cache_added_pages = in;
	c->cache_removed_pages = out;
}

static void setup(struct targets *ts, struct agg *a, bool machine)
{
	static const __u64 svc[] = { 10, 11 }, other[] = { 12 };

	memset(ts, 0, sizeof(*ts));
	ts->machine = machine;
	ts->v = calloc(4, sizeof(*ts->v));
	ts->cap = 4;
	add(ts, "/", 1, NULL, 0);
	add(ts, "system.slice/svc.service", 10, svc, 2);
	add(ts, "other.service", 12, other, 1);
	agg_init(a);
	counters(a, 10, 100, 10);
	counters(a, 11, 50, 0);
	counters(a, 12, 7, 7);
	counters(a, 0, 3, 0);
}

UNIT_TEST(report_accounts_subtrees)
{
	struct targets ts;
	struct agg a;
	bool ok;

	setup(&ts, &a, false);
	targets_account(&ts, &a);
	ok = ASSERT(ts.v[1].sum.cache_added_pages == 150 && ts.v[1].sum.cache_removed_pages == 10, "subtree sums") &&
	     ASSERT(ts.v[2].sum.cache_added_pages == 7, "other") &&
	     ASSERT(ts.v[0].sum.cache_added_pages == 160 && ts.v[0].sum.cache_removed_pages == 17, "root takes all, uncharged too") &&
	     ASSERT(target_contains(&ts.v[1], 11) && !target_contains(&ts.v[1], 12) && target_contains(&ts.v[0], 999), "membership");
	targets_free(&ts);
	agg_free(&a);
	return ok;
}

UNIT_TEST(report_sample_rates)
{
	long page = sysconf(_SC_PAGESIZE);
	struct report rep;
	struct targets ts;
	struct agg a;
	bool ok = false;

	setup(&ts, &a, false);
	targets_account(&ts, &a);
	targets_roll(&ts);
	counters(&a, 10, 300, 10);	/* 200 more pages in */
	targets_account(&ts, &a);
	ts.v[1].prev.file = 1000 * page;
	ts.v[1].now.file = 1500 * page;
	ts.v[1].now.shmem = 100 * page;
	ts.v[1].prev.anon = 5000;
	ts.v[1].now.anon = 4000;
	ts.mi_now.available = 77;
	ts.t_prev = 100;
	ts.t_now = 110;
	counters(&a, 10, 300, 10);
	agg_counters(&a, 10)->alloc_pages = 2560;
	targets_account(&ts, &a);
	{
		struct report_input in = { .targets = &ts, .top = 10, .alloc_known = true };

		if (!ASSERT(!report_samples(&rep, &in), "samples"))
			goto out;
	}
	ok = ASSERT(rep.n_samples == 3, "%zu samples", rep.n_samples) &&
	     ASSERT(rep.samples[1].page_cache_added_bytes == 200ULL * page, "interval in %llu",
		    (unsigned long long)rep.samples[1].page_cache_added_bytes) &&
	     ASSERT(rep.samples[1].page_cache_removed_bytes == 0, "interval out") &&
	     ASSERT(rep.samples[1].page_cache_bytes == 1400ULL * page, "cache without shmem") &&
	     ASSERT(rep.samples[1].page_cache_delta_bytes == 400LL * page, "delta %lld",
		    (long long)rep.samples[1].page_cache_delta_bytes) &&
	     ASSERT(rep.samples[1].anon_delta_bytes == -1000, "anon fell") &&
	     ASSERT(rep.samples[1].mem_available_bytes == 77, "system") &&
	     ASSERT(rep.samples[1].anon_rate_bytes_per_s == -100, "anon rate %g", rep.samples[1].anon_rate_bytes_per_s) &&
	     ASSERT(rep.samples[1].alloc_pages == 2560 &&
		    rep.samples[1].alloc_bytes_per_s == 256.0 * page, "alloc rate %g", rep.samples[1].alloc_bytes_per_s);
	report_free(&rep);
out:
	targets_free(&ts);
	agg_free(&a);
	return ok;
}

UNIT_TEST(report_whole_machine_shows_largest)
{
	struct report rep;
	struct targets ts;
	struct agg a;
	bool ok = false;

	setup(&ts, &a, true);
	ts.v[1].now.file = 10;
	ts.v[2].now.file = 20;
	{
		struct report_input in = { .targets = &ts, .top = 1 };

		if (!ASSERT(!report_samples(&rep, &in), "samples"))
			goto out;
	}
	ok = ASSERT(rep.n_samples == 2, "%zu", rep.n_samples) && ASSERT_STR(rep.samples[0].cgroup, "/") &&
	     ASSERT_STR(rep.samples[1].cgroup, "other.service");
	report_free(&rep);
out:
	targets_free(&ts);
	agg_free(&a);
	return ok;
}

UNIT_TEST(report_summary_merges_files_and_processes)
{
	struct mounts m = { 0 };
	struct report rep;
	struct targets ts;
	struct agg a;
	struct agg_file f1 = { .cgid = 10, .ino = 5, .dev = 1, .added_pages = 10, .name = "/a", .complete = true };
	struct agg_file f2 = { .cgid = 11, .ino = 5, .dev = 1, .added_pages = 30, .removed_pages = 4 };
	struct agg_file f3 = { .cgid = 11, .ino = 6, .dev = 1, .added_pages = 20, .name = "/b", .complete = true };
	struct agg_file f4 = { .cgid = 12, .ino = 7, .dev = 1, .added_pages = 99, .name = "/c", .complete = true };
	/* Pid 7 seen under two names (a CPU's slot kept the one before exec): the newer wins. */
	struct agg_task t1 = { .cgid = 10, .tgid = 7, .comm = "reader", .comm_ns = 5, .cache_added_pages = 5 };
	struct agg_task t2 = { .cgid = 11, .tgid = 7, .comm = "sh", .comm_ns = 1, .cache_added_pages = 6 };
	struct agg_task t3 = { .cgid = 11, .tgid = 8, .comm = "loader", .cache_added_pages = 20 };
	long page = sysconf(_SC_PAGESIZE);
	const struct rec_summary *s;
	bool ok = false;

	setup(&ts, &a, false);
	agg_add_file(&a, &f1);
	agg_add_file(&a, &f2);
	agg_add_file(&a, &f3);
	agg_add_file(&a, &f4);
	agg_add_task(&a, &t1);
	agg_add_task(&a, &t2);
	agg_add_task(&a, &t3);
	/* File losses are laid at the cgroup whose pages they were; a full ring is everyone's. */
	a.drops[MP_DROP_FILE_FULL] = 9;
	agg_counters(&a, 11)->lost_files = 4;
	agg_counters(&a, 12)->lost_files = 5;
	a.drops[MP_DROP_RING_FULL] = 1;
	targets_account(&ts, &a);
	{
		struct report_input in = { .targets = &ts, .agg = &a, .mounts = &m, .top = 10 };

		if (!ASSERT(!report_summaries(&rep, &in), "summaries"))
			goto out;
	}
	s = &rep.summaries[1];
	ok = ASSERT(s->n_top_files == 2, "%zu files", s->n_top_files) &&
	     ASSERT(s->top_files[0].ino == 5 && s->top_files[0].added_bytes == 40ULL * page &&
		    s->top_files[0].removed_bytes == 4ULL * page, "merged file") &&
	     ASSERT(strstr(s->top_files[0].path, "/a") != NULL, "name from either piece: %s", s->top_files[0].path) &&
	     ASSERT(s->n_cache_processes == 2 && s->cache_processes[0].pid == 8 &&
		    s->cache_processes[1].added_bytes == 11ULL * page, "processes merged by pid") &&
	     ASSERT(!strcmp(s->cache_processes[1].comm, "reader"), "under its newest name: %s", s->cache_processes[1].comm) &&
	     ASSERT(s->lost_events == 5, "lost %llu", (unsigned long long)s->lost_events) &&
	     ASSERT(rep.summaries[2].lost_events == 6, "other's own losses") &&
	     ASSERT(rep.summaries[0].n_top_files == 3, "root sees every file");
	report_free(&rep);
out:
	targets_free(&ts);
	agg_free(&a);
	return ok;
}
