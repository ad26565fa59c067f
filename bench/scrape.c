// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The cost of one scrape of --listen's /metrics with many cgroups exported:
 * memprobe on the whole machine with BENCH_SCRAPE_CGROUPS cgroups of the
 * benchmark's own (empty: their number is what costs, not their memory),
 * scraped over HTTP in each format. The CPU is memprobe's own, from
 * /proc/PID/schedstat (nanoseconds): the first scrape after a sample
 * renders the snapshot (and compresses it), the next ones of the same
 * format are served what was rendered. Bytes are the body as sent.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "bench.h"
#include "rawhttp.h"

static const struct {
	const char *name;
	const char *headers;
} formats[BENCH_SCRAPE_FORMATS] = {
	{ "text 0.0.4", "" },
	{ "OpenMetrics", "Accept: application/openmetrics-text;version=1.0.0,text/plain;version=0.0.4;q=0.5\r\n" },
	{ "OpenMetrics, gzip", "Accept: application/openmetrics-text;version=1.0.0,text/plain;version=0.0.4;q=0.5\r\n"
			       "Accept-Encoding: gzip\r\n" },
};

/* A port on 127.0.0.1 nothing listens on now (tests/http.c has one too, but wants libcurl's headers). */
static int free_port(void)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(a);
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), port = -1;

	if (fd >= 0 && !bind(fd, (struct sockaddr *)&a, sizeof(a)) && !getsockname(fd, (struct sockaddr *)&a, &len))
		port = ntohs(a.sin_port);
	if (fd >= 0)
		close(fd);
	return port;
}

static void nap_ms(long ms);

static double cpu_ns(pid_t pid)
{
	char path[64], buf[128];
	FILE *f;
	double ns = -1;

	snprintf(path, sizeof(path), "/proc/%d/schedstat", (int)pid);
	f = fopen(path, "re");
	if (f && fgets(buf, sizeof(buf), f))
		ns = strtod(buf, NULL);
	if (f)
		fclose(f);
	return ns;
}

static void nap_ms(long ms)
{
	struct timespec ts = { ms / 1000, ms % 1000 * 1000000L };

	nanosleep(&ts, NULL);
}

/* The time of the latest sample memprobe printed, 0 before any. */
static double last_sample(const struct agent *a)
{
	size_t i;

	for (i = a->n_lines; i-- > 0;) {
		struct jv *v = strstr(a->lines[i], "\"type\":\"sample\"") ? jv_parse(a->lines[i]) : NULL;
		double ts = 0;

		if (v && jv_num(v, "ts", &ts)) {
			jv_free(v);
			return ts;
		}
		jv_free(v);
	}
	return 0;
}

/* Until memprobe has taken a sample after the one at ts; false if none comes. */
static bool next_sample(struct agent *a, double ts)
{
	int i;

	for (i = 0; i < 10; i++) {
		if (last_sample(a) > ts)
			return true;
		agent_wait_line(a, "\x01", 1);	/* reads for a second, matches nothing */
	}
	return last_sample(a) > ts;
}

static int scrape(int port, int f, size_t *bytes, size_t *series)
{
	char req[512];
	struct raw_reply r;
	const char *p;
	int ok;

	snprintf(req, sizeof(req), "GET /metrics HTTP/1.1\r\nHost: bench\r\nConnection: close\r\n%s\r\n",
		 formats[f].headers);
	ok = !raw_http(port, req, strlen(req), 10000, &r) && r.status == 200 && r.complete;
	*bytes = r.body_len;
	if (ok && series && f == 0)
		for (*series = 0, p = r.body; (p = strstr(p, "\nmemprobe_cgroup_present{")); p++)
			(*series)++;
	raw_reply_free(&r);
	return ok ? 0 : -1;
}

static double median(double *v, int n)
{
	bench_sort(v, n);
	return n ? v[n / 2] : 0;
}

void bench_scrape(struct bench *b)
{
	int n = b->quick ? 20 : BENCH_SCRAPE_CGROUPS, rounds = b->quick ? 1 : 5, warm = b->quick ? 2 : 20;
	struct tcg *cgs = calloc((size_t)n, sizeof(*cgs));
	char listen[32], tag[32], max_series[16];
	/*
	 * Its own cgroups come first (one level down, after the root); the
	 * machine's others beyond a few are summed in "other", so that what
	 * else runs here does not change what is measured.
	 */
	const char *argv[] = { "--json", "--interval", "3", "--max-series", max_series, "--listen", listen, NULL };
	struct agent a = { .out = -1 };
	int port = free_port(), i, f, r, made = 0;

	snprintf(listen, sizeof(listen), "127.0.0.1:%d", port);
	snprintf(max_series, sizeof(max_series), "%d", n + 16);
	for (i = 0; cgs && i < n; i++, made++) {
		snprintf(tag, sizeof(tag), "scrape-%d", i);
		if (tcg_create(&cgs[i], tag))
			break;
	}
	if (!cgs || made < n || port < 0 || agent_start(&a, argv) || !agent_wait_for(&a, "start", 60)) {
		fprintf(stderr, "memprobe-bench: cannot set up the scrape benchmark\n");
		goto out;
	}
	b->scrape_cgroups = n;
	for (f = 0; f < BENCH_SCRAPE_FORMATS; f++) {
		double cold[BENCH_MAX_ROUNDS], hot[BENCH_MAX_ROUNDS];
		size_t bytes = 0, series = 0;

		for (r = 0; r < rounds; r++) {
			double t0, t1, t2;

			/* Just after a sample: its snapshot not rendered in this format yet. */
			if (!next_sample(&a, last_sample(&a))) {
				fprintf(stderr, "memprobe-bench: memprobe took no sample for 10 s\n");
				goto out;
			}
			nap_ms(100);
			t0 = cpu_ns(a.pid);
			if (scrape(port, f, &bytes, &series))
				goto failed;
			t1 = cpu_ns(a.pid);
			for (i = 0; i < warm; i++)
				if (scrape(port, f, &bytes, NULL))
					goto failed;
			t2 = cpu_ns(a.pid);
			cold[r] = (t1 - t0) / 1e6;
			hot[r] = (t2 - t1) / 1e6 / warm;
		}
		b->scrape[f].name = formats[f].name;
		b->scrape[f].first_cpu_ms = median(cold, rounds);
		b->scrape[f].again_cpu_ms = median(hot, rounds);
		b->scrape[f].bytes = bytes;
		if (f == 0)
			b->scrape_series = series;
		b->n_scrape = f + 1;
	}
	goto out;
failed:
	fprintf(stderr, "memprobe-bench: a scrape of /metrics (%s) failed\n", formats[f].name);
out:
	agent_finish(&a, 2, 30);
	agent_free(&a);
	for (i = 0; i < made; i++)
		tcg_remove(&cgs[i]);
	free(cgs);
}
