// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The HTML report without a kernel: names from the system escaped as
 * text, the model's memory bounded over a long run with its spikes kept,
 * and the size of the page for an hour at one-second intervals on a
 * whole machine (the root and ten cgroups), which must stay under 1 MiB.
 */
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "harness.h"
#include "output/html_escape.h"
#include "output/html_model.h"
#include "output/sink.h"

static bool escaped(const char *in, const char *want)
{
	struct buf b = { 0 };
	bool ok;

	html_text(&b, in);
	ok = ASSERT_STR(b.p ? b.p : "", want);
	buf_free(&b);
	return ok;
}

UNIT_TEST(html_names_are_text)
{
	return escaped("<script>alert(1)</script>", "&lt;script&gt;alert(1)&lt;/script&gt;") &&
	       escaped("a&b\"c'd", "a&amp;b&quot;c&#39;d") &&
	       escaped("line\nbreak\ttab\\", "line\\nbreak\\ttab\\\\") &&
	       escaped("bad\xff\xfe utf8 \xc3(", "bad\\xff\\xfe utf8 \\xc3(") &&
	       escaped("c1 \xc2\x9b esc \x1b[31m", "c1 \\xc2\\x9b esc \\x1b[31m") &&
	       escaped("caf\xc3\xa9 \xe2\x86\x91 \xef\xbf\xbe", "caf\xc3\xa9 \xe2\x86\x91 \\xef\\xbf\\xbe") &&
	       escaped(NULL, "");
}

static void sample(struct hrec *r, const char *cgroup, double ts, double anon)
{
	hrec_begin(r, "sample", ts);
	hrec_add_str(r, "cgroup", cgroup);
	hrec_add_num(r, "anon_bytes", anon);
	hrec_add_num(r, "shmem_bytes", 0);
	hrec_add_num(r, "page_cache_bytes", 1 << 20);
	hrec_add_str(r, "verdict", "normal");
}

UNIT_TEST(html_model_stays_bounded_and_keeps_spikes)
{
	struct hrun h;
	struct hrec r = { 0 };
	const struct hcg *c;
	double top = 0, low = INFINITY;
	unsigned long i, n = 3 * 86400;
	size_t k;
	bool ok = false;

	hrun_init(&h);
	for (i = 0; i < n; i++) {
		/* Three days at one a second, with one spike and one dip a second long. */
		sample(&r, "svc", 1000 + i, i == 100000 ? 9e9 : i == 200000 ? 1 : 1e8);
		if (!ASSERT(!hrun_ingest(&h, &r), "ingest"))
			goto out;
	}
	c = h.cgs[0];
	for (k = 0; k < c->nb; k++) {
		top = fmax(top, c->b[k].s[HS_ANON].max);
		low = fmin(low, c->b[k].s[HS_ANON].min);
	}
	ok = ASSERT(h.n_cgs == 1 && c->nb <= HB_MAX && c->nb > HB_MAX / 2 && c->samples == n,
		    "%zu buckets for %lu samples", c->nb, c->samples) &&
	     ASSERT(top == 9e9 && low == 1, "the spike (%.0f) or the dip (%.0f) was averaged away", top, low);
out:
	hrec_free(&r);
	hrun_free(&h);
	return ok;
}

#define CGROUPS	11
#define PROCS	10

UNIT_TEST(html_report_of_an_hour_is_under_1mib)
{
	char path[] = "/tmp/memprobe-test-html-XXXXXX", names[CGROUPS][64], comms[PROCS][24];
	struct rec_target targets[1] = { { .cgroup = "/", .cgroup_id = 1 } };
	struct rec_start st = { .ts = 1e9, .version = "test", .targets = targets, .n_targets = 1, .machine = true,
				.cgroup_version = 2, .memory_root = "/sys/fs/cgroup", .interval_s = 1,
				.host = "host", .kernel = "6.1", .command = NULL };
	struct rec_proc procs[PROCS];
	struct rec_sample smp[CGROUPS];
	struct rec_summary sum[CGROUPS];
	struct rec_file files[10];
	struct sink *s = NULL;
	struct stat sb;
	int fd = mkstemp(path), i, k, t;
	bool ok = false;

	if (!ASSERT(fd >= 0 && !sink_html_new(&s, path), "cannot make the sink"))
		goto out;
	memset(procs, 0, sizeof(procs));
	memset(files, 0, sizeof(files));
	for (k = 0; k < PROCS; k++) {
		snprintf(comms[k], sizeof(comms[k]), "worker-%d", k);
		procs[k] = (struct rec_proc){ .pid = 1000 + k, .comm = comms[k], .alive = true,
					      .verdict = { .verdict = "normal", .reason = "" } };
	}
	for (k = 0; k < 10; k++)
		files[k] = (struct rec_file){ .path = "/srv/models/a-rather-long-model-file-name.bin", .ino = k,
					      .added_bytes = 1 << 20 };
	s->ops->start(s, &st);
	for (t = 0; t < 3600; t++) {
		for (i = 0; i < CGROUPS; i++) {
			snprintf(names[i], sizeof(names[i]), i ? "system.slice/service-%02d.service" : "/", i);
			/* Noisy figures, so that no run of equal values compresses the page. */
			smp[i] = (struct rec_sample){ .ts = st.ts + 1 + t + 0.001 * (rand() % 50), .cgroup = names[i],
						      .cgroup_id = 100 + i, .anon_bytes = (1ULL << 30) + rand() * 4096ULL % (256 << 20),
						      .shmem_bytes = rand() % (64 << 20), .page_cache_bytes = rand() * 4096ULL % (1ULL << 31),
						      .page_cache_added_bytes = rand() % (8 << 20), .page_cache_removed_bytes = rand() % (8 << 20),
						      .alloc_bytes_per_s = rand() % (100 << 20),
						      .verdict = { .verdict = t > 1800 ? "warning" : "normal", .reason = "anon growing" },
						      .top_processes = procs, .n_top_processes = PROCS };
			for (k = 0; k < PROCS; k++)
				procs[k].rss_bytes = rand() * 4096ULL % (512 << 20);
		}
		if (!ASSERT(!s->ops->samples(s, smp, CGROUPS), "samples"))
			goto out;
	}
	for (i = 0; i < CGROUPS; i++)
		sum[i] = (struct rec_summary){ .ts = st.ts + 3601, .cgroup = names[i], .cgroup_id = 100 + i, .duration_s = 3600,
					       .verdict = { .verdict = "warning", .reason = "anon growing steadily", .samples = 256,
							    .window_s = 1800, .growth_bytes_per_hour = 2e8 },
					       .anon_growth_bytes_per_hour = 2e8, .page_cache_note = "cache",
					       .top_processes = procs, .n_top_processes = PROCS, .exited_processes = procs,
					       .n_exited_processes = PROCS, .top_files = files, .n_top_files = 10 };
	if (!ASSERT(!s->ops->summaries(s, sum, CGROUPS), "summaries"))
		goto out;
	if (!ASSERT(!fstat(fd, &sb), "stat"))
		goto out;
	printf("    the report of an hour at 1 s, the root and 10 cgroups: %lld bytes\n", (long long)sb.st_size);
	ok = ASSERT(sb.st_size > 100000 && sb.st_size < 1 << 20, "the report is %lld bytes", (long long)sb.st_size);
out:
	if (s)
		s->ops->destroy(s);
	if (fd >= 0)
		close(fd);
	unlink(path);
	return ok;
}

static bool has(const struct buf *b, const char *what, bool want)
{
	return ASSERT(!!strstr(b->p, what) == want, "the page %s %s", want ? "lacks" : "has", what);
}

UNIT_TEST(html_chart_draws_limits_and_markers)
{
	struct hrun h;
	struct hrec r = { 0 };
	struct buf page = { 0 }, bare = { 0 };
	bool ok = false;
	int i;

	hrun_init(&h);
	for (i = 0; i < 30; i++) {
		sample(&r, "svc", 1000 + i, 100 << 20);
		hrec_add_null(&r, "memory_high_bytes");		/* unlimited */
		hrec_add_num(&r, "memory_max_bytes", 200 << 20);
		hrun_ingest(&h, &r);
	}
	hrec_begin(&r, "oom_kill", 1010);
	hrec_add_str(&r, "cgroup", "svc/job");
	hrec_add_str(&r, "comm", "victim");
	hrec_add_str(&r, "scope", "cgroup");
	hrec_add_str(&r, "oom_cgroup", "svc");
	hrun_ingest(&h, &r);
	hrec_begin(&r, "shm_orphan", 1020);
	hrec_add_str(&r, "cgroup", "svc");
	hrec_add_num(&r, "shmid", 7);
	hrec_add_str(&r, "remove_command", "ipcrm -m 7");
	hrun_ingest(&h, &r);
	hrec_begin(&r, "verdict", 1025);
	hrec_add_str(&r, "cgroup", "svc");
	hrec_add_str(&r, "previous_verdict", "normal");
	hrec_add_str(&r, "verdict", "warning");
	hrun_ingest(&h, &r);
	if (!ASSERT(!html_render(&h, &page), "render"))
		goto out;
	if (!has(&page, "class=\"limit-max\"", true) || !has(&page, "MemoryMax 200.0MiB", true) ||
	    !has(&page, "class=\"limit-high\"", false) || !has(&page, "MemoryHigh", false) ||
	    !has(&page, "class=\"m-oom\"", true) || !has(&page, "class=\"m-orphan\"", true) ||
	    !has(&page, "class=\"m-verdict\"", true) || !has(&page, "<code>ipcrm -m 7</code>", true) ||
	    !has(&page, "1 OOM kill, 1 orphaned SysV segment", true))
		goto out;
	/* Records of a memprobe that does not know the limits: nothing is said of them. */
	hrun_free(&h);
	for (i = 0; i < 5; i++) {
		sample(&r, "svc", 1000 + i, 100 << 20);
		hrun_ingest(&h, &r);
	}
	ok = ASSERT(!html_render(&h, &bare), "render") && has(&bare, "Memory", true) && has(&bare, "MemoryMax", false) &&
	     has(&bare, "class=\"markers\"", true);
out:
	buf_free(&page);
	buf_free(&bare);
	hrec_free(&r);
	hrun_free(&h);
	return ok;
}
