// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The HTML report, checked as a reader gets it: memprobe watches a child
 * that reads a file called <script>alert(1)</script> under a command name
 * full of quotes and grows its anon memory, with --json and --report at
 * once, and is stopped by SIGTERM. The page must parse strictly (xmllint),
 * open in Debian's Chromium with the cgroup, its verdict and its chart in
 * the DOM and the hostile names as text, give a screenshot that is not
 * blank, plot exactly the samples the JSON lines carry, and come out the
 * same from `memprobe report` on those lines. Host tools: not in the VM.
 */
#include <math.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "browser.h"
#include "harness.h"
#include "it.h"
#include "png.h"
#include "workload.h"

/* Quotes, markup and a byte that is not UTF-8 (U+FFFD in JSON, and so in the page). */
#define COMM		"q\"u'o<t>&e\xff"
#define COMM_IN_DOM	"q\"u'o&lt;t&gt;&amp;e\xef\xbf\xbd"
#define SCRIPT_IN_DOM	"&lt;script&gt;alert(1)&lt;/script&gt;"

struct hostile {
	char dir[512];
	char sub[700];		/* dir/<script>alert(1)< : a name cannot hold the slash of </script> */
	char file[800];		/* dir/<script>alert(1)</script> */
};

static bool make_hostile(struct hostile *h)
{
	if (wl_make_dir("memprobe-it", h->dir, sizeof(h->dir)))
		return false;
	snprintf(h->sub, sizeof(h->sub), "%s/<script>alert(1)<", h->dir);
	snprintf(h->file, sizeof(h->file), "%s/script>", h->sub);
	return !mkdir(h->sub, 0700) && !wl_write_evicted(h->file, 4 * WL_MIB);
}

static void remove_hostile(struct hostile *h)
{
	unlink(h->file);
	rmdir(h->sub);
	if (h->dir[0])
		rmdir(h->dir);
}

/* Reads the hostile file, then grows anon by 64 MiB over about three seconds. */
static int grow(void *arg)
{
	struct hostile *h = arg;
	int i;

	prctl(PR_SET_NAME, COMM);
	if (wl_read(h->file) != (long long)(4 * WL_MIB))
		return 1;
	for (i = 0; i < 16; i++) {
		char *p = mmap(NULL, 4 * WL_MIB, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

		if (p == MAP_FAILED)
			return 2;
		memset(p, 1, 4 * WL_MIB);
		usleep(200000);
	}
	sleep(2);
	return 0;
}

/* The value of attribute name in the tag that starts at tag; false if the tag has none. */
static bool attr(const char *tag, const char *name, char **out)
{
	const char *end = strchr(tag, '>'), *at = tag, *q;
	char key[64];

	snprintf(key, sizeof(key), " %s=\"", name);
	at = strstr(tag, key);
	if (!at || !end || at > end)
		return false;
	at += strlen(key);
	q = strchr(at, '"');
	*out = strndup(at, q - at);
	return *out != NULL;
}

static double attr_num(const char *tag, const char *name)
{
	char *v = NULL;
	double d = NAN;

	if (attr(tag, name, &v))
		d = strtod(v, NULL);
	free(v);
	return d;
}

/* Numbers in a space-separated list; returns how many. */
static size_t numbers(const char *s, double *out, size_t max)
{
	size_t n = 0;
	char *end;

	while (s && *s && n < max) {
		out[n] = strtod(s, &end);
		if (end == s)
			break;
		n++;
		s = end;
	}
	return n;
}

#define MAXPTS	512

/*
 * The series the chart at svg plots, read back three ways: its data-t and
 * data-v, and its path mapped back through the chart's axes, which must
 * agree with them to the tenth of a pixel the path is written to.
 */
static bool plotted(const char *svg, const char *series, double *t, double *v, size_t *n)
{
	char key[64], *dt = NULL, *dv = NULL, *d = NULL;
	double x0 = attr_num(svg, "data-x0"), x1 = attr_num(svg, "data-x1"), y0 = attr_num(svg, "data-y0");
	double y1 = attr_num(svg, "data-y1"), t1 = attr_num(svg, "data-t1"), t0 = attr_num(svg, "data-t0");
	double vmin = attr_num(svg, "data-vmin"), vmax = attr_num(svg, "data-vmax");
	const char *path, *p;
	bool ok = false;
	size_t i = 0;

	snprintf(key, sizeof(key), "data-series=\"%s\"", series);
	path = strstr(svg, key);
	if (!ASSERT(path && strstr(path, "</svg>") < strstr(svg, "</svg>") + 1, "no %s series in the chart", series))
		return false;
	while (path > svg && *path != '<')
		path--;
	if (!ASSERT(attr(path, "data-t", &dt) && attr(path, "data-v", &dv) && attr(path, "d", &d), "series attributes"))
		goto out;
	*n = numbers(dt, t, MAXPTS);
	if (!ASSERT(numbers(dv, v, MAXPTS) == *n && *n > 0, "%s: data-t and data-v differ in length", series))
		goto out;
	for (p = d; *p && i < *n; i++) {
		double x, y, ex = x0 + t[i] / (t1 - t0) * (x1 - x0), ey = y1 - (v[i] - vmin) / (vmax - vmin) * (y1 - y0);

		if (!ASSERT((*p == 'M' || *p == 'L') && sscanf(p + 1, "%lf,%lf", &x, &y) == 2, "path: %.20s", p))
			goto out;
		if (!ASSERT(fabs(x - ex) <= 0.051 && fabs(y - ey) <= 0.051, "%s point %zu drawn at %.1f,%.1f, "
			    "its data says %.2f,%.2f", series, i, x, y, ex, ey))
			goto out;
		p = strchr(p, ' ');
		p = p ? p + 1 : "";
	}
	ok = ASSERT(i == *n && !*p, "%s: the path has other points than its data", series);
out:
	free(dt);
	free(dv);
	free(d);
	return ok;
}

/* Every sample of cgroup in the JSON lines is a point of the chart, and nothing else is. */
static bool points_match(const struct agent *a, const char *html, const char *cgroup)
{
	static const char *const series[][2] = { { "anon", "anon_bytes" }, { "shmem", "shmem_bytes" },
						 { "page_cache", "page_cache_bytes" } };
	double t[MAXPTS], v[MAXPTS], t0;
	struct jv *start = agent_record(a, "start", NULL);
	const char *svg = strstr(html, "class=\"chart mem\"");
	size_t n, k, i, s;
	bool ok = false;

	if (!ASSERT(start && svg && jv_num(start, "ts", &t0), "no start record or no memory chart"))
		goto out;
	while (svg > html && *svg != '<')
		svg--;
	if (!ASSERT(fabs(attr_num(svg, "data-t0") - t0) < 0.0015, "the chart does not start at the run's start"))
		goto out;
	for (s = 0; s < 3; s++) {
		if (!plotted(svg, series[s][0], t, v, &n))
			goto out;
		for (i = 0, k = 0; i < a->n_lines; i++) {
			struct jv *r = jv_parse(a->lines[i]);
			double ts = 0;
			uint64_t bytes = 0;
			bool mine = r && jv_str(r, "type") && !strcmp(jv_str(r, "type"), "sample") &&
				    jv_str(r, "cgroup") && !strcmp(jv_str(r, "cgroup"), cgroup);

			if (mine && !(ASSERT(k < n, "sample at line %zu is not plotted", i) &&
				      jv_num(r, "ts", &ts) && jv_u64(r, series[s][1], &bytes) &&
				      ASSERT(fabs(t[k] - (ts - t0)) < 0.0015 && v[k] == (double)bytes,
					     "%s point %zu is %.3f,%.0f; the sample says %.3f,%llu", series[s][0], k,
					     t[k], v[k], ts - t0, (unsigned long long)bytes))) {
				jv_free(r);
				goto out;
			}
			k += mine;
			jv_free(r);
		}
		if (!ASSERT(k == n && n >= 4, "%s: %zu points plotted for %zu samples", series[s][0], n, k))
			goto out;
	}
	ok = true;
out:
	jv_free(start);
	return ok;
}

/* The page is drawn: most pixels are not the background, and many colours are used. */
static bool not_blank(const char *png_path)
{
	struct png p;
	size_t i, n, same = 0, colours = 0;
	static unsigned char seen[1 << 15];
	bool ok;

	if (!ASSERT(!png_load(&p, png_path), "cannot read the screenshot %s", png_path))
		return false;
	n = (size_t)p.width * p.height;
	memset(seen, 0, sizeof(seen));
	for (i = 0; i < n; i++) {
		const unsigned char *c = p.rgb + 3 * i;
		unsigned int key = (c[0] >> 3) << 10 | (c[1] >> 3) << 5 | c[2] >> 3;

		same += !memcmp(c, p.rgb, 3);
		colours += !seen[key];
		seen[key] = 1;
	}
	ok = ASSERT(p.width >= 800 && same < n * 97 / 100 && colours >= 24,
		    "screenshot %ux%u: %zu of %zu pixels are the corner's colour, %zu colours", p.width, p.height, same,
		    n, colours);
	png_free(&p);
	return ok;
}

static bool write_lines(const struct agent *a, const char *path)
{
	FILE *f = fopen(path, "we");
	size_t i;

	if (!f)
		return false;
	for (i = 0; i < a->n_lines; i++)
		fprintf(f, "%s\n", a->lines[i]);
	return !fclose(f);
}

/* The same page but for the line that says when it was written. */
static bool same_report(const char *a, const char *b)
{
	const char *wa = strstr(a, "Written by memprobe at "), *wb = strstr(b, "Written by memprobe at ");

	return wa && wb && wa - a == wb - b && !strncmp(a, b, wa - a) && !strcmp(strchr(wa, '.'), strchr(wb, '.'));
}

INTEGRATION_TEST(report_in_a_real_browser, 240)
{
	char dir[] = "/tmp/memprobe-test-report-XXXXXX", html[128], dom_path[128], png[128], jsonl[128], replay[128];
	struct tcg cg = { 0 };
	struct tchild child = { .pid = 0, .go = -1 };
	struct agent a = { .out = -1 };
	struct hostile h = { "" };
	char *page = NULL, *dom = NULL, *again = NULL;
	struct jv *sum = NULL;
	const char *verdict, *p;
	bool ok = false;
	int status;

	if (access(CHROMIUM, X_OK) || access(XMLLINT, X_OK))
		SKIP("chromium or xmllint is not installed (make test installs them)");
	if (!ASSERT(mkdtemp(dir) && make_hostile(&h), "cannot make the test files"))
		goto out;
	snprintf(html, sizeof(html), "%s/run.html", dir);
	snprintf(dom_path, sizeof(dom_path), "%s/dom.html", dir);
	snprintf(png, sizeof(png), "%s/shot.png", dir);
	snprintf(jsonl, sizeof(jsonl), "%s/run.jsonl", dir);
	snprintf(replay, sizeof(replay), "%s/replay.html", dir);
	if (!ASSERT(!tcg_create(&cg, "report") && !tchild_start(&child, &cg, grow, &h), "cannot start the child"))
		goto out;
	{
		const char *argv[] = { "--json", "--report", html, "--interval", "0.5", "--cgroup", cg.rel, NULL };

		if (!ASSERT(!agent_start(&a, argv) && agent_wait_for(&a, "start", 30), "memprobe did not start: %s",
			    agent_stderr(&a)))
			goto out;
	}
	tchild_go(&child);
	status = tchild_wait_reading(&child, &a, 60);
	if (!ASSERT(status == 0, "the child failed: %d", status))
		goto out;
	/* SIGTERM, as systemd stops a service: the report is written on the way out. */
	if (!ASSERT(agent_finish(&a, SIGTERM, 30) == 0, "memprobe did not exit 0: %s", agent_stderr(&a)))
		goto out;
	sum = agent_record(&a, "summary", cg.rel);
	page = file_slurp(html, NULL);
	if (!ASSERT(sum && page, "no summary, or no report at %s", html))
		goto out;
	{
		const char *argv[] = { XMLLINT, "--noout", "--nonet", html, NULL };

		if (!ASSERT(tool_run(argv, NULL, 60) == 0, "xmllint: the report is not well formed"))
			goto out;
	}
	if (!points_match(&a, page, cg.rel))
		goto out;
	/* The same run, replayed from its JSON lines. */
	{
		const char *argv[] = { build_path("memprobe"), "report", jsonl, NULL };

		if (!ASSERT(write_lines(&a, jsonl) && tool_run(argv, replay, 60) == 0, "memprobe report failed"))
			goto out;
	}
	again = file_slurp(replay, NULL);
	if (!ASSERT(again && same_report(page, again), "memprobe report draws the run differently"))
		goto out;
	if (!ASSERT(!chromium_dump_dom(html, dom_path) && (dom = file_slurp(dom_path, NULL)), "chromium --dump-dom failed"))
		goto out;
	verdict = jv_str(sum, "verdict");
	if (!ASSERT(strstr(dom, cg.rel) && verdict && strstr(dom, verdict), "the DOM lacks the cgroup or its verdict"))
		goto out;
	for (p = dom, status = 0; (p = strstr(p, "class=\"chart mem\"")); p++)
		status++;
	if (!ASSERT(status == 1, "%d memory charts for one cgroup", status))
		goto out;
	/* Names from the system are text: no element was made of them. */
	if (!ASSERT(!strstr(dom, "<script") && strstr(dom, SCRIPT_IN_DOM), "the file name <script> is not shown as text") ||
	    !ASSERT(strstr(dom, COMM_IN_DOM), "the command name " COMM " is not shown as text"))
		goto out;
	if (!ASSERT(!chromium_screenshot(html, png, 1200, 1600), "chromium --screenshot failed"))
		goto out;
	ok = not_blank(png);
out:
	if (!ok && page)
		fprintf(stderr, "    the report and its files are kept in %s\n", dir);
	tchild_kill(&child);
	agent_finish(&a, SIGKILL, 5);
	agent_free(&a);
	tcg_remove(&cg);
	remove_hostile(&h);
	if (ok) {
		unlink(html), unlink(dom_path), unlink(png), unlink(jsonl), unlink(replay);
		rmdir(dir);
	}
	jv_free(sum);
	free(page);
	free(dom);
	free(again);
	return ok;
}

INTEGRATION_TEST(report_written_when_command_exits, 60)
{
	char dir[] = "/tmp/memprobe-test-report-XXXXXX", html[128], err[2048], *page = NULL;
	bool ok = false;

	if (access(XMLLINT, X_OK))
		SKIP("xmllint is not installed (make test installs it)");
	if (!ASSERT(mkdtemp(dir), "mkdtemp"))
		return false;
	snprintf(html, sizeof(html), "%s/run.html", dir);
	{
		const char *argv[] = { "--report", "/nonexistent-memprobe-dir/r.html", "--", "/bin/true", NULL };

		if (!ASSERT(run_memprobe(argv, err, sizeof(err), 30) == 2 && strstr(err, "report") &&
			    strchr(err, '\n') && !strchr(err, '\n')[1], "an unwritable --report: %s", err))
			goto out;
	}
	{
		const char *argv[] = { "--interval", "0.2", "--report", html, "--", "/bin/sh", "-c", "sleep 1", NULL };

		if (!ASSERT(run_memprobe(argv, err, sizeof(err), 30) == 0, "memprobe: %s", err))
			goto out;
	}
	page = file_slurp(html, NULL);
	if (!ASSERT(page && strstr(page, "memprobe-run-") && strstr(page, "/bin/sh -c &#39;sleep 1&#39;") &&
		    strstr(page, "class=\"chart mem\""), "the report lacks the cgroup, the command or its chart"))
		goto out;
	{
		const char *argv[] = { XMLLINT, "--noout", "--nonet", html, NULL };

		ok = ASSERT(tool_run(argv, NULL, 60) == 0, "xmllint: the report is not well formed");
	}
out:
	free(page);
	unlink(html);
	rmdir(dir);
	return ok;
}

INTEGRATION_TEST(report_replay_refuses_what_is_not_a_run, 30)
{
	char path[] = "/tmp/memprobe-test-notjson-XXXXXX";
	int fd = mkstemp(path), code1, code2;

	if (!ASSERT(fd >= 0 && write(fd, "hello\n{\"a\":1}\n", 14) == 14, "cannot write %s", path))
		return false;
	close(fd);
	{
		const char *a1[] = { build_path("memprobe"), "report", "/nonexistent-memprobe.jsonl", NULL };
		const char *a2[] = { build_path("memprobe"), "report", path, NULL };

		code1 = tool_run(a1, NULL, 30);
		code2 = tool_run(a2, NULL, 30);
	}
	unlink(path);
	return ASSERT(code1 == 2 && code2 == 2, "memprobe report exited %d and %d, not 2", code1, code2);
}
