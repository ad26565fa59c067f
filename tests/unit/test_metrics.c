// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * output/metrics.c, the exposition: both formats carry the same samples
 * (OpenMetrics differs in its metadata and its "# EOF"), what the contract
 * says is absent is absent, labels are escaped and made UTF-8, numbers read
 * back exactly; and how the endpoint reads Accept and Accept-Encoding.
 */
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "model/verdict.h"
#include "output/metrics.h"
#include "sys/httpd.h"

static void snapshot(struct msnap *s, struct msnap_cgroup *cg)
{
	memset(s, 0, sizeof(*s));
	memset(cg, 0, 3 * sizeof(*cg));
	s->version = "1.2.3";
	s->kernel = "6.1.0-test";
	s->cgroup_version = 2;
	s->interval_s = 0.5;
	s->samples = 3;
	s->ts = 1795999829.2756941;
	s->drops[MP_DROP_RING_FULL] = 4;
	s->machine = true;
	s->cgroups_in_other = 2;
	s->page_size = 4096;
	s->mem_total = 1 << 30;
	s->bpf.n_maps = 1;
	strcpy(s->bpf.maps[0].name, "cache_cgroups");
	s->bpf.maps[0].memlock = 65536;
	cg[0] = (struct msnap_cgroup){
		.cgroup = "system.slice/visioncore.service", .unit = "visioncore.service", .present = true,
		.gauges = true, .verdict = true, .anon = 1207500000, .verdict_state = VERDICT_LEAK, .r2 = 0.1,
		.growth_bytes_per_s = 145635.5556, .samples = 12, .lives = 2, .oom_kills = 1, .last_oom = 1795999800,
	};
	cg[0].counts.cache_added_pages = 10;
	cg[0].max_known = cg[0].oom_eta_known = cg[0].events_known = true;
	cg[0].memory_max = 2147483648ULL;
	cg[0].oom_eta_s = 1800.5;
	cg[0].events[3] = 2;
	cg[0].counts.alloc_order[MP_ALLOC_ORDERS - 1] = 7;
	cg[1] = (struct msnap_cgroup){ .cgroup = "batch.slice/gone \"job\"\\\n\xff.service", .unit = "", .lives = 1 };
	cg[2] = (struct msnap_cgroup){ .cgroup = "other", .unit = "", .present = true, .gauges = true, .anon = 5 };
	s->cgroups = cg;
	s->n_cgroups = 3;
}

/* The lines that are samples, in order. */
static char *samples_of(const char *text)
{
	char *out = calloc(1, strlen(text) + 1), *o = out;
	const char *p = text;

	while (out && *p) {
		const char *nl = strchr(p, '\n');
		size_t n = nl ? (size_t)(nl - p + 1) : strlen(p);

		if (*p != '#') {
			memcpy(o, p, n);
			o += n;
		}
		p += n;
	}
	return out;
}

UNIT_TEST(metrics_both_formats_same_samples)
{
	struct msnap_cgroup cg[3];
	struct buf text = { 0 }, om = { 0 };
	struct msnap s;
	char *a = NULL, *b = NULL;
	bool ok;

	snapshot(&s, cg);
	metrics_render(&s, false, &text);
	metrics_render(&s, true, &om);
	a = samples_of(text.p);
	b = samples_of(om.p);
	ok = ASSERT(!text.oom && !om.oom, "out of memory") && ASSERT(a && b && !strcmp(a, b), "samples differ") &&
	     ASSERT(!strstr(text.p, "# EOF"), "EOF in text") &&
	     ASSERT(om.len > 6 && !strcmp(om.p + om.len - 6, "# EOF\n"), "OpenMetrics does not end in # EOF") &&
	     /* Counters: the family without _total in OpenMetrics, the samples with it in both. */
	     ASSERT(strstr(text.p, "# TYPE memprobe_cgroup_oom_kills_total counter\n"), "text counter") &&
	     ASSERT(strstr(om.p, "# TYPE memprobe_cgroup_oom_kills counter\n"), "OpenMetrics counter") &&
	     ASSERT(strstr(om.p, "# TYPE memprobe_build info\n") && strstr(text.p, "# TYPE memprobe_build_info gauge\n"),
		    "build info") &&
	     ASSERT(strstr(a, "memprobe_build_info{version=\"1.2.3\",kernel=\"6.1.0-test\",cgroup_version=\"2\"} 1\n"),
		    "build info sample") &&
	     ASSERT(strstr(a, "memprobe_lost_events_total{cause=\"ring\"} 4\n") &&
		    strstr(a, "memprobe_lost_events_total{cause=\"inflight\"} 0\n"), "every cause") &&
	     ASSERT(!strstr(om.p, "# UNIT") && !strstr(om.p, "_created"), "no UNIT, no _created");
	free(a);
	free(b);
	buf_free(&text);
	buf_free(&om);
	return ok;
}

UNIT_TEST(metrics_absent_is_not_zero)
{
	struct msnap_cgroup cg[3];
	struct buf b = { 0 };
	struct msnap s;
	bool ok;

	snapshot(&s, cg);
	metrics_render(&s, false, &b);
	ok = ASSERT(strstr(b.p, "memprobe_cgroup_anon_bytes{cgroup=\"system.slice/visioncore.service\","
			   "unit=\"visioncore.service\"} 1207500000\n"), "anon") &&
	     ASSERT(strstr(b.p, "memprobe_cgroup_verdict{cgroup=\"system.slice/visioncore.service\",unit=\"visioncore."
			   "service\",verdict=\"leak\"} 1\n"), "verdict leak") &&
	     ASSERT(strstr(b.p, "verdict=\"normal\"} 0\n") && strstr(b.p, "verdict=\"warning\"} 0\n"), "all three") &&
	     ASSERT(strstr(b.p, "memprobe_cgroup_page_cache_added_bytes_total{cgroup=\"system.slice/visioncore.service\","
			   "unit=\"visioncore.service\"} 40960\n"), "pages as bytes") &&
	     ASSERT(strstr(b.p, "order=\"10+\"} 7\n") && strstr(b.p, "order=\"0\"} 0\n"), "orders") &&
	     ASSERT(strstr(b.p, "memprobe_cgroup_last_oom_kill_timestamp_seconds{cgroup=\"system.slice/visioncore."
			   "service\",unit=\"visioncore.service\"} 1795999800\n"), "last kill") &&
	     /* The gone cgroup: counters and present 0, nothing measured. */
	     ASSERT(strstr(b.p, "memprobe_cgroup_present{cgroup=\"batch.slice/gone") &&
		    strstr(b.p, "memprobe_cgroup_lives_total{cgroup=\"batch.slice/gone"), "gone: counters") &&
	     ASSERT(!strstr(b.p, "memprobe_cgroup_anon_bytes{cgroup=\"batch") &&
		    !strstr(b.p, "memprobe_cgroup_verdict{cgroup=\"batch") &&
		    !strstr(b.p, "memprobe_cgroup_sysv_shm_segments{cgroup=\"batch"), "gone: gauges") &&
	     /* "other" sums, without a verdict. */
	     ASSERT(strstr(b.p, "memprobe_cgroup_anon_bytes{cgroup=\"other\",unit=\"\"} 5\n"), "other") &&
	     ASSERT(!strstr(b.p, "memprobe_cgroup_verdict{cgroup=\"other\""), "other's verdict") &&
	     ASSERT(!strstr(b.p, "memprobe_cgroup_last_oom_kill_timestamp_seconds{cgroup=\"other\""), "no kill, no time") &&
	     ASSERT(!strstr(b.p, "posix_shm_bytes"), "POSIX shm not read: absent") &&
	     ASSERT(!strstr(b.p, "memprobe_bpf_program_run"), "statistics off: absent") &&
	     ASSERT(!strstr(b.p, "memprobe_journal_entries_dropped_total"), "no --journal: absent") &&
	     ASSERT(strstr(b.p, "memprobe_cgroups_in_other 2\n"), "in other") &&
	     /* Issue 14's: a limit and a forecast where there is one, the events once read. */
	     ASSERT(strstr(b.p, "memprobe_cgroup_memory_max_bytes{cgroup=\"system.slice/visioncore.service\","
			   "unit=\"visioncore.service\"} 2147483648\n"), "memory max") &&
	     ASSERT(strstr(b.p, "memprobe_cgroup_oom_eta_seconds{cgroup=\"system.slice/visioncore.service\","
			   "unit=\"visioncore.service\"} 1800.5\n"), "oom eta") &&
	     ASSERT(!strstr(b.p, "memprobe_cgroup_memory_high_bytes{") && !strstr(b.p, "memprobe_cgroup_high_eta_seconds{"),
		    "no MemoryHigh: absent") &&
	     ASSERT(strstr(b.p, "memprobe_cgroup_memory_events_total{cgroup=\"system.slice/visioncore.service\","
			   "unit=\"visioncore.service\",event=\"oom_kill\"} 2\n") &&
		    strstr(b.p, "event=\"oom_group_kill\"} 0\n"), "memory events") &&
	     ASSERT(!strstr(b.p, "memprobe_cgroup_memory_events_total{cgroup=\"other\""), "events not read: absent");
	buf_free(&b);
	return ok;
}

UNIT_TEST(metrics_labels_escaped_numbers_exact)
{
	struct msnap_cgroup cg[3];
	struct buf b = { 0 };
	struct msnap s;
	bool ok;

	snapshot(&s, cg);
	metrics_render(&s, false, &b);
	ok = ASSERT(strstr(b.p, "{cgroup=\"batch.slice/gone \\\"job\\\"\\\\\\n\xef\xbf\xbd.service\",unit=\"\"}"),
		    "escaping") &&
	     ASSERT(strstr(b.p, "memprobe_last_sample_timestamp_seconds 1795999829.2756941\n"), "timestamp") &&
	     ASSERT(strstr(b.p, "memprobe_sample_interval_seconds 0.5\n"), "interval") &&
	     ASSERT(strstr(b.p, "memprobe_cgroup_verdict_r2{cgroup=\"system.slice/visioncore.service\","
			   "unit=\"visioncore.service\"} 0.1\n"), "0.1") &&
	     ASSERT(strstr(b.p, "} 145635.5556\n"), "growth");
	buf_free(&b);
	return ok;
}

UNIT_TEST(http_quality_of_accept_headers)
{
	static const char prometheus[] = "application/openmetrics-text;version=1.0.0,application/openmetrics-text;"
					 "version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1";

	return ASSERT(httpd_quality(prometheus, "application/openmetrics-text", false) == 1, "Prometheus's first") &&
	       ASSERT(httpd_quality(prometheus, "text/plain", true) == 0.5, "text") &&
	       ASSERT(httpd_quality("*/*", "application/openmetrics-text", false) == 0, "no wildcard") &&
	       ASSERT(httpd_quality("*/*", "text/plain", true) == 1, "wildcard") &&
	       ASSERT(httpd_quality("text/*;q=0.3", "text/plain", true) == 0.3, "type wildcard") &&
	       ASSERT(httpd_quality(NULL, "gzip", true) == 0, "absent") &&
	       ASSERT(httpd_quality("gzip", "gzip", true) == 1, "gzip") &&
	       ASSERT(httpd_quality("deflate, GZIP ; q=0.8", "gzip", true) == 0.8, "case and spaces") &&
	       ASSERT(httpd_quality("gzip;q=0", "gzip", true) == 0, "refused") &&
	       ASSERT(httpd_quality("br, *;q=0.2", "gzip", true) == 0.2, "any") &&
	       ASSERT(httpd_quality("xgzip, gzipx", "gzip", true) == 0, "prefixes") &&
	       ASSERT(httpd_quality("gzip;q=7", "gzip", true) == 1, "clamped");
}
