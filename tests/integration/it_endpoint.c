// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The metrics endpoint over real sockets (--listen; README, "Fleet"): what
 * it serves and in which format, and what it does with bad input: 500
 * connections at once, a client trickling its headers a byte a second, a
 * 1 MiB header, unknown methods, "..", bytes that are not UTF-8, clients
 * that walk away mid-reply. Each gets its status or is dropped, while
 * memprobe keeps its sampling interval and its RSS stays small. The client
 * is tests/rawhttp.c, so these run in the VM too; Prometheus itself is in
 * it_prometheus.c.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <netinet/in.h>
#include <unistd.h>
#include <zlib.h>

#include "harness.h"
#include "http.h"
#include "it.h"
#include "rawhttp.h"
#include "sys/util.h"
#include "workload.h"

#define STORM_INTERVAL	1.0
#define HOLD		(48 * WL_MIB)
static unsigned long long hold = HOLD;
#define RSS_LIMIT_KB	(16 * 1024)
#define STORM		500

struct served {
	struct tcg cg;
	struct tchild child;
	struct agent a;
	int port;
	char listen[32];
};

/* memprobe --listen on a free port, watching a cgroup whose child holds 48 MiB of anon. */
static bool serve(struct served *s, const char *tag, const char *interval)
{
	const char *argv[] = { "--json", "--interval", interval, "--listen", s->listen, "--cgroup", NULL, NULL };
	int i;

	s->port = free_tcp_port();
	snprintf(s->listen, sizeof(s->listen), "127.0.0.1:%d", s->port);
	if (!ASSERT(s->port > 0, "no free port") || !ASSERT(!tcg_create(&s->cg, tag), "cgroup") ||
	    !ASSERT(!tchild_start(&s->child, &s->cg, it_child_hold, &hold), "child"))
		return false;
	tchild_go(&s->child);
	/* Held before memprobe starts: under TCG, beside other guests, the child can take seconds to fault it in. */
	for (i = 0; i < 600 && tcg_stat(&s->cg, "rss", "anon") < HOLD * 9 / 10; i++)
		usleep(50 * 1000);
	if (!ASSERT(i < 600, "the child never held its memory"))
		return false;
	argv[6] = s->cg.rel;
	/* The sanitized memprobe prints more; a roomy pipe keeps it from waiting on a busy test. */
	if (!ASSERT(!agent_start(&s->a, argv), "memprobe"))
		return false;
	fcntl(s->a.out, F_SETPIPE_SZ, 1 << 20);
	return ASSERT(agent_wait_for(&s->a, "start", 30), "no start: %s", agent_stderr(&s->a)) &&
	       ASSERT(agent_wait_for(&s->a, "sample", 10), "no sample");
}

static void unserve(struct served *s)
{
	agent_free(&s->a);
	tchild_kill(&s->child);
	tcg_remove(&s->cg);
}

static int get(int port, const char *path, const char *headers, struct raw_reply *r)
{
	char req[1024];

	snprintf(req, sizeof(req), "GET %s HTTP/1.1\r\nHost: t\r\nConnection: close\r\n%s\r\n", path, headers);
	return raw_http(port, req, strlen(req), 10000, r);
}

/* The value of the sample line that starts with name{labels}, or -1. */
static double sample_of(const char *body, const char *series)
{
	const char *p = body;
	size_t n = strlen(series);

	while ((p = strstr(p, series))) {
		if ((p == body || p[-1] == '\n') && p[n] == ' ')
			return strtod(p + n + 1, NULL);
		p += n;
	}
	return -1;
}

static char *gunzip(const char *in, size_t len, size_t *out_len)
{
	z_stream z = { 0 };
	size_t cap = 1 << 20;
	char *out = malloc(cap);
	int r;

	if (!out || inflateInit2(&z, 16 + MAX_WBITS) != Z_OK) {
		free(out);
		return NULL;
	}
	z.next_in = (Bytef *)in;
	z.avail_in = (uInt)len;
	do {
		if (z.total_out == cap) {
			char *more = realloc(out, cap * 2);

			if (!more)
				break;
			out = more;
			cap *= 2;
		}
		z.next_out = (Bytef *)out + z.total_out;
		z.avail_out = (uInt)(cap - z.total_out);
		r = inflate(&z, Z_NO_FLUSH);
	} while (r == Z_OK);
	*out_len = z.total_out;
	inflateEnd(&z);
	if (r != Z_STREAM_END) {
		free(out);
		return NULL;
	}
	out = realloc(out, *out_len + 1);
	out[*out_len] = '\0';
	return out;
}

INTEGRATION_TEST(endpoint_serves_metrics, 90)
{
	struct served s = { .child = { .go = -1 } };
	struct raw_reply r = { 0 };
	char series[1200], hdr[256], *plain = NULL;
	const char *two;
	size_t plain_len = 0;
	uint64_t refaults;
	double anon;
	int fd = -1, got;
	bool ok = false;

	if (!serve(&s, "endpoint", "0.5"))
		goto out;
	snprintf(series, sizeof(series), "memprobe_cgroup_anon_bytes{cgroup=\"%s\",unit=\"\"}", s.cg.rel);
	/* No Accept: the text format, with the test cgroup's anon as the kernel has it. */
	if (!ASSERT(!(got = get(s.port, "/metrics", "", &r)) && r.status == 200 && r.complete,
		    "GET /metrics: %d (%s, %s, %zu bytes); memprobe said: %s", r.status, got ? strerror(-got) : "sent",
		    r.reset ? "closed before a whole reply" : "closed after it", r.body_len, agent_stderr(&s.a)) ||
	    !ASSERT(raw_header(&r, "Content-Type", hdr, sizeof(hdr)) && !strcmp(hdr, "text/plain; version=0.0.4; charset=utf-8"),
		    "content type %s", hdr) ||
	    !ASSERT((anon = sample_of(r.body, series)) >= 0, "no %s in:\n%.2000s", series, r.body) ||
	    !ASSERT_NEAR(anon, tcg_stat(&s.cg, "rss", "anon"), 5, 0) || !ASSERT(!strstr(r.body, "# EOF"), "EOF"))
		goto out;
	/* Issue 14's latency families: the refaults are memory.stat's; the stalls are there (0 without pressure). */
	snprintf(series, sizeof(series), "memprobe_cgroup_workingset_refault_bytes_total{cgroup=\"%s\",unit=\"\",type=\"file\"}",
		 s.cg.rel);
	refaults = tcg_stat(&s.cg, "workingset_refault_file", "workingset_refault_file");
	/* A v1 hierarchy of an older kernel counts none: then there is no series, not a 0. */
	if (!ASSERT(refaults == ~0ULL ? sample_of(r.body, series) < 0 :
				       sample_of(r.body, series) >= 0 &&
					       (uint64_t)sample_of(r.body, series) == refaults * (uint64_t)sysconf(_SC_PAGESIZE),
		    "no, wrong or unfounded %s", series))
		goto out;
	snprintf(series, sizeof(series), "memprobe_cgroup_reclaim_stall_seconds_total{cgroup=\"%s\",unit=\"\",kind=\"memcg\"}",
		 s.cg.rel);
	if (!ASSERT(sample_of(r.body, series) >= 0, "no %s", series))
		goto out;
	raw_reply_free(&r);
	/* Asked for by name: OpenMetrics, ending in # EOF; gzip when accepted. */
	if (!ASSERT(!get(s.port, "/metrics", "Accept: application/openmetrics-text;version=1.0.0,text/plain;q=0.5\r\n"
			 "Accept-Encoding: gzip\r\n", &r) && r.status == 200 && r.complete, "OpenMetrics: %d", r.status) ||
	    !ASSERT(raw_header(&r, "Content-Type", hdr, sizeof(hdr)) && strstr(hdr, "application/openmetrics-text; version=1.0.0"),
		    "content type %s", hdr) ||
	    !ASSERT(raw_header(&r, "Content-Encoding", hdr, sizeof(hdr)) && !strcmp(hdr, "gzip"), "not gzip") ||
	    !ASSERT((plain = gunzip(r.body, r.body_len, &plain_len)), "the body is not gzip") ||
	    !ASSERT(plain_len > 6 && !strcmp(plain + plain_len - 6, "# EOF\n"), "no # EOF at the end") ||
	    !ASSERT(sample_of(plain, series) >= 0, "no %s in OpenMetrics", series) ||
	    !ASSERT(strstr(plain, "# TYPE memprobe_cgroup_oom_kills counter\n"), "OpenMetrics counter family"))
		goto out;
	snprintf(series, sizeof(series), "memprobe_cgroup_anon_bytes{cgroup=\"%s\",unit=\"\"}", s.cg.rel);
	if (!ASSERT((anon = sample_of(plain, series)) >= 0, "no %s in OpenMetrics", series) ||
	    !ASSERT_NEAR(anon, tcg_stat(&s.cg, "rss", "anon"), 5, 0))
		goto out;
	raw_reply_free(&r);
	/* HEAD: the headers, no body. The page and the health check. */
	two = "HEAD /metrics HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n";
	if (!ASSERT(!raw_http(s.port, two, strlen(two), 10000, &r) && r.status == 200 && r.body_len == 0 &&
		    r.content_length > 1000, "HEAD: %d, %zu bytes, length %ld", r.status, r.body_len, r.content_length))
		goto out;
	raw_reply_free(&r);
	if (!ASSERT(!get(s.port, "/", "", &r) && r.status == 200 && strstr(r.body, "href=\"metrics\""), "/: %d", r.status))
		goto out;
	raw_reply_free(&r);
	if (!ASSERT(!get(s.port, "/-/healthy", "", &r) && r.status == 200, "healthy: %d", r.status))
		goto out;
	raw_reply_free(&r);
	if (!ASSERT(!get(s.port, "/nope", "", &r) && r.status == 404, "404: %d", r.status))
		goto out;
	raw_reply_free(&r);
	two = "POST /metrics HTTP/1.1\r\nHost: t\r\nContent-Length: 3\r\nConnection: close\r\n\r\nabc";
	if (!ASSERT(!raw_http(s.port, two, strlen(two), 10000, &r) && r.status == 405 &&
		    raw_header(&r, "Allow", hdr, sizeof(hdr)) && !strcmp(hdr, "GET, HEAD"), "POST: %d", r.status))
		goto out;
	raw_reply_free(&r);
	/* Keep-alive: a scraper's second request on the same connection. */
	fd = raw_connect(s.port);
	two = "GET /-/healthy HTTP/1.1\r\nHost: t\r\n\r\n";
	if (!ASSERT(fd >= 0, "connect") || !ASSERT(!raw_exchange(fd, two, strlen(two), 5000, &r) && r.status == 200, "first"))
		goto out;
	raw_reply_free(&r);
	if (!ASSERT(!raw_exchange(fd, two, strlen(two), 5000, &r) && r.status == 200, "second on the same connection"))
		goto out;
	ok = ASSERT(agent_finish(&s.a, SIGINT, 30) == 0, "memprobe failed: %s", agent_stderr(&s.a));
out:
	if (fd >= 0)
		close(fd);
	free(plain);
	raw_reply_free(&r);
	unserve(&s);
	return ok;
}


/* 500 connections at once, each asking for /metrics: every one is answered in full or dropped, none hangs. */
static bool storm_connections(int port)
{
	static const char req[] = "GET /metrics HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n";
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((unsigned short)port),
				 .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	struct conn {
		int fd;
		bool sent, done;
		char head[256];
		size_t got;
		long length, body;
	} *c = calloc(STORM, sizeof(*c));
	struct pollfd *p = calloc(STORM, sizeof(*p));
	int answered = 0, dropped = 0, other = 0, left = STORM, i;
	double end = now_monotonic() + 40;
	bool ok;

	if (!c || !p)
		return false;
	for (i = 0; i < STORM; i++) {
		c[i].length = -1;
		c[i].fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
		if (c[i].fd < 0 || (connect(c[i].fd, (struct sockaddr *)&a, sizeof(a)) && errno != EINPROGRESS)) {
			c[i].done = true;
			dropped++;
			left--;
		}
	}
	while (left > 0 && now_monotonic() < end) {
		for (i = 0; i < STORM; i++) {
			p[i].fd = c[i].done ? -1 : c[i].fd;
			p[i].events = c[i].sent ? POLLIN : POLLOUT;
		}
		if (poll(p, STORM, 1000) <= 0)
			continue;
		for (i = 0; i < STORM; i++) {
			char buf[65536];
			ssize_t n;

			if (c[i].done || !p[i].revents)
				continue;
			if (!c[i].sent) {
				c[i].sent = send(c[i].fd, req, sizeof(req) - 1, MSG_NOSIGNAL) == (ssize_t)sizeof(req) - 1;
				if (c[i].sent)
					continue;
				n = 0;
			} else {
				n = recv(c[i].fd, buf, sizeof(buf), 0);
				if (n < 0 && errno == EAGAIN)
					continue;
			}
			if (n > 0) {
				char *blank;

				if (c[i].length < 0) {
					size_t k = (size_t)n < sizeof(c[i].head) - 1 - c[i].got ? (size_t)n :
						   sizeof(c[i].head) - 1 - c[i].got;

					memcpy(c[i].head + c[i].got, buf, k);
					c[i].got += k;
					blank = strstr(c[i].head, "\r\n\r\n");
					if (blank && strstr(c[i].head, "Content-Length:")) {
						c[i].length = strtol(strstr(c[i].head, "Content-Length:") + 15, NULL, 10);
						c[i].body = (long)n - (long)(blank + 4 - c[i].head) + (long)(c[i].got - k);
					}
				} else {
					c[i].body += n;
				}
				continue;
			}
			/* The end of the stream: whole or dropped. */
			c[i].done = true;
			left--;
			if (c[i].length >= 0 && c[i].body == c[i].length && !strncmp(c[i].head, "HTTP/1.1 200 ", 13))
				answered++;
			else if (!c[i].got)
				dropped++;
			else
				other++;
		}
	}
	ok = ASSERT(left == 0, "%d of %d connections still waiting after 40 s", left, STORM) &&
	     ASSERT(other == 0, "%d connections got a partial or wrong reply", other) &&
	     ASSERT(answered > 0, "none answered");
	test_log(__FILE__, __LINE__, "%d connections: %d answered in full, %d dropped", STORM, answered, dropped);
	for (i = 0; i < STORM; i++)
		if (c[i].fd >= 0)
			close(c[i].fd);
	free(c);
	free(p);
	return ok;
}

/* A request trickled a byte a second is cut off at the request deadline (10 s), with no reply. */
/* Sends a request a byte a second; says on ready once connected and started, before the storm comes. */
static int trickle(int port, int ready)
{
	static const char req[] = "GET /metrics HTTP/1.1\r\nHost: t\r\nX-Slow: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
	double start = now_monotonic();
	int fd = raw_connect(port);
	size_t i;

	if (fd < 0)
		return 2;
	for (i = 0; i < sizeof(req) - 1; i++) {
		if (i == 1 && (write(ready, "r", 1) != 1 || close(ready)))
			return 5;
		struct pollfd p = { .fd = fd, .events = POLLIN };
		char b;

		if (send(fd, &req[i], 1, MSG_NOSIGNAL) != 1 || (poll(&p, 1, 1000) > 0 && recv(fd, &b, 1, 0) <= 0)) {
			double took = now_monotonic() - start;

			close(fd);
			/* Cut off, not answered, and neither at once nor long after the deadline. */
			return took >= 8 && took <= 20 ? 0 : 3;
		}
	}
	close(fd);
	return 4;	/* never cut off */
}

/* The status of one request; 0 when the connection was dropped without a reply. */
static int status_of(int port, const char *req, size_t len)
{
	struct raw_reply r;
	int st = raw_http(port, req, len, 15000, &r) ? -1 : r.reset && !r.status ? 0 : r.status;

	raw_reply_free(&r);
	return st;
}

static bool bad_requests(int port)
{
	static const struct {
		const char *req;
		int want, also;		/* the status it must get, or also (0: dropped) */
	} cases[] = {
		{ "BREW /metrics HTTP/1.1\r\nHost: t\r\n\r\n", 405, 405 },
		{ "DELETE /metrics HTTP/1.1\r\nHost: t\r\n\r\n", 405, 405 },
		{ "FOO /nope HTTP/1.1\r\nHost: t\r\n\r\n", 404, 404 },
		{ "GET /../metrics HTTP/1.1\r\nHost: t\r\n\r\n", 404, 400 },
		{ "GET /metrics/.. HTTP/1.1\r\nHost: t\r\n\r\n", 404, 400 },
		{ "GET /%2e%2e/%2e%2e/etc/passwd HTTP/1.1\r\nHost: t\r\n\r\n", 404, 400 },
		{ "GET /\xff\xfe\x80metrics HTTP/1.1\r\nHost: t\r\n\r\n", 404, 400 },
		{ "\xc3\x28\xff /metrics HTTP/1.1\r\nHost: t\r\n\r\n", 405, 400 },
		{ "GET /metrics HTTP/1.1\r\nHost: t\r\nAccept: \xff\xfe\r\n\r\n", 200, 200 },
		{ "GET /metrics HTTP/9.9\r\nHost: t\r\n\r\n", 505, 400 },
		{ "\r\n\r\n\r\n", 400, 0 },
	};
	char *big;
	size_t i, n;
	int st;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		st = status_of(port, cases[i].req, strlen(cases[i].req));
		if (!ASSERT(st == cases[i].want || st == cases[i].also, "%.40s...: status %d, want %d", cases[i].req, st,
			    cases[i].want))
			return false;
	}
	/* A 1 MiB header, and a 1 MiB request line: refused (431, 414) or dropped, never taken in. */
	big = malloc((1 << 20) + 128);
	if (!big)
		return false;
	n = (size_t)sprintf(big, "GET /metrics HTTP/1.1\r\nHost: t\r\nX-Big: ");
	memset(big + n, 'a', 1 << 20);
	n += 1 << 20;
	n += (size_t)sprintf(big + n, "\r\n\r\n");
	st = status_of(port, big, n);
	if (!ASSERT(st == 431 || st == 0, "1 MiB header: %d", st)) {
		free(big);
		return false;
	}
	n = (size_t)sprintf(big, "GET /");
	memset(big + n, 'a', 1 << 20);
	n += 1 << 20;
	n += (size_t)sprintf(big + n, " HTTP/1.1\r\nHost: t\r\n\r\n");
	st = status_of(port, big, n);
	free(big);
	return ASSERT(st == 414 || st == 431 || st == 0, "1 MiB request line: %d", st);
}

/* Clients asking for /metrics and going away after a few bytes, or before reading any, some with a reset. */
static bool walk_aways(int port)
{
	static const char req[] = "GET /metrics HTTP/1.1\r\nHost: t\r\n\r\n";
	int i;

	for (i = 0; i < 60; i++) {
		struct linger rst = { .l_onoff = 1, .l_linger = 0 };
		int fd = raw_connect(port), small = 4096;
		char b[100];

		if (fd < 0)
			continue;	/* still busy from the storm: a drop is an answer */
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &small, sizeof(small));
		if (send(fd, req, sizeof(req) - 1, MSG_NOSIGNAL) < 0) {
			close(fd);
			continue;
		}
		if (i % 3)
			(void)!recv(fd, b, sizeof(b), 0);
		if (i % 2)
			setsockopt(fd, SOL_SOCKET, SO_LINGER, &rst, sizeof(rst));
		close(fd);
	}
	return true;
}

static int storm(int port)
{
	struct rlimit rl;
	struct raw_reply r;
	int status = 0, ok, ready[2];
	pid_t slow;
	char c;

	if (!getrlimit(RLIMIT_NOFILE, &rl) && rl.rlim_cur < STORM + 64) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	if (pipe(ready))
		return 0;
	slow = fork();
	if (slow == 0) {
		close(ready[0]);
		_exit(trickle(port, ready[1]));
	}
	close(ready[1]);
	/* The trickler has its connection before the storm takes every one a client may have. */
	if (slow > 0) {
		struct pollfd p = { .fd = ready[0], .events = POLLIN };

		if (poll(&p, 1, 10000) > 0)
			(void)!read(ready[0], &c, 1);
	}
	close(ready[0]);
	ok = storm_connections(port) && bad_requests(port) && walk_aways(port);
	if (slow > 0)
		waitpid(slow, &status, 0);
	ok = ok && ASSERT(slow > 0 && WIFEXITED(status) && !WEXITSTATUS(status),
			  "the trickling client was not cut off at the deadline (%d)", WEXITSTATUS(status));
	/* And it still serves. */
	ok = ok && ASSERT(!get(port, "/metrics", "", &r) && r.status == 200 && r.complete, "after: %d", r.status);
	raw_reply_free(&r);
	return ok ? 0 : 1;
}

static long rss_kb(pid_t pid, bool *sanitized)
{
	char path[64], buf[4096];
	uint64_t rss;
	FILE *maps;

	snprintf(path, sizeof(path), "/proc/%d/maps", (int)pid);
	maps = fopen(path, "re");
	while (maps && fgets(buf, sizeof(buf), maps))
		*sanitized |= strstr(buf, "libasan") != NULL;
	if (maps)
		fclose(maps);
	rss = it_status_bytes(pid, "VmRSS:");
	return rss == ~0ULL ? -1 : (long)(rss / 1024);
}

/* The longest time between two samples of the cgroup in memprobe's JSON. */
static double longest_gap(const struct agent *a, const char *cgroup, size_t *n)
{
	double prev = 0, gap = 0;
	size_t i;

	*n = 0;
	for (i = 0; i < a->n_lines; i++) {
		struct jv *v = jv_parse(a->lines[i]);
		const char *type = v ? jv_str(v, "type") : NULL;

		if (type && !strcmp(type, "sample") && jv_str(v, "cgroup") && !strcmp(jv_str(v, "cgroup"), cgroup)) {
			double ts = 0;

			jv_num(v, "ts", &ts);

			if (prev && ts - prev > gap)
				gap = ts - prev;
			prev = ts;
			(*n)++;
		}
		jv_free(v);
	}
	return gap;
}

/*
 * The storm, the bad requests and the walk-aways are answered or dropped,
 * the trickler is cut off at its deadline, RSS stays bounded, and sampling
 * goes on: no gap of three intervals (a blocked loop would stall for the
 * 10 s deadline; a loaded 2-CPU host delays a sample by one now and then).
 */
INTEGRATION_TEST(endpoint_survives_bad_input, 180)
{
	struct served s = { .child = { .go = -1 } };
	bool sanitized = false, ok = false;
	long rss, peak = 0;
	pid_t child;
	int status = -1;
	size_t samples;
	double gap, end;

	if (!serve(&s, "storm", "1"))
		goto out;
	child = fork();
	if (child == 0)
		_exit(storm(s.port));
	/* memprobe's output is read and its RSS watched all along. */
	end = now_monotonic() + 150;
	while (child > 0 && now_monotonic() < end) {
		if (waitpid(child, &status, WNOHANG) == child)
			break;
		agent_wait_line(&s.a, "\x01", 1);	/* reads, matches nothing */
		rss = rss_kb(s.a.pid, &sanitized);
		peak = rss > peak ? rss : peak;
	}
	if (child > 0 && now_monotonic() >= end) {
		kill(child, SIGKILL);
		waitpid(child, &status, 0);
	}
	agent_wait_line(&s.a, "\x01", 2);
	gap = longest_gap(&s.a, s.cg.rel, &samples);
	if (!ASSERT(WIFEXITED(status) && WEXITSTATUS(status) == 0, "the bad clients were not all answered (%d)", status) ||
	    !ASSERT(samples >= 10, "%zu samples", samples) ||
	    !ASSERT(gap < 3 * STORM_INTERVAL, "a gap of %.2f s between samples (interval %.1f s)", gap, STORM_INTERVAL))
		goto out;
	test_log(__FILE__, __LINE__, "memprobe's peak RSS %ld KiB%s, longest gap between samples %.2f s", peak,
		 sanitized ? " (sanitized build: not held to 16 MiB)" : "", gap);
	if (!sanitized && !ASSERT(peak > 0 && peak < RSS_LIMIT_KB, "RSS %ld KiB", peak))
		goto out;
	ok = ASSERT(agent_finish(&s.a, SIGINT, 30) == 0, "memprobe failed: %s", agent_stderr(&s.a)) &&
	     ASSERT(!strstr(agent_stderr(&s.a), "Sanitizer"), "a sanitizer report: %s", agent_stderr(&s.a));
out:
	unserve(&s);
	return ok;
}

/* A port already taken is one line and exit 1, before anything is loaded; IPv6 loopback serves. */
INTEGRATION_TEST(endpoint_listen_errors_and_ipv6, 60)
{
	const char *taken_argv[] = { "--listen", NULL, "--duration", "1", NULL };
	struct sockaddr_in6 a6 = { .sin6_family = AF_INET6, .sin6_addr = IN6ADDR_LOOPBACK_INIT };
	char where[64], err[1024];
	int port = free_tcp_port(), fd, six, code;
	struct agent a = { .out = -1 };
	const char *v6_argv[] = { "--json", "--interval", "0.5", "--listen", where, "--duration", "3", NULL };
	bool ok = false;

	/* Something listens on the port: a socket of the test's own. */
	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	{
		struct sockaddr_in a4 = { .sin_family = AF_INET, .sin_port = htons((unsigned short)port),
					  .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };

		if (!ASSERT(fd >= 0 && !bind(fd, (struct sockaddr *)&a4, sizeof(a4)) && !listen(fd, 1), "a listener"))
			goto out;
	}
	snprintf(where, sizeof(where), "%d", port);
	taken_argv[1] = where;
	code = run_memprobe(taken_argv, err, sizeof(err), 30);
	if (!ASSERT(code == 1, "exit %d: %s", code, err) ||
	    !ASSERT(strstr(err, where) && strstr(err, "in use") && !strchr(strchr(err, '\n') + 1, '\n'),
		    "not one line naming the port: %s", err))
		goto out;
	/* IPv6 loopback, where the machine has it. */
	six = socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0);
	a6.sin6_port = 0;
	if (six < 0 || bind(six, (struct sockaddr *)&a6, sizeof(a6))) {
		if (six >= 0)
			close(six);
		ok = true;
		test_log(__FILE__, __LINE__, "no IPv6 loopback here: [::1] not tried");
		goto out;
	}
	close(six);
	snprintf(where, sizeof(where), "[::1]:%d", free_tcp_port());
	ok = ASSERT(!agent_start(&a, v6_argv), "memprobe") && ASSERT(agent_wait_for(&a, "sample", 30), "no sample") &&
	     ASSERT(agent_finish(&a, 0, 30) == 0, "memprobe on [::1] failed: %s", agent_stderr(&a));
out:
	if (fd >= 0)
		close(fd);
	agent_free(&a);
	return ok;
}
