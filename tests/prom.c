// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "http.h"
#include "prom.h"

static double mono(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void nap_ms(long ms)
{
	struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = ms % 1000 * 1000000L };

	nanosleep(&ts, NULL);
}

static void list(FILE *f, const char *indent, const char *const *items, bool paths)
{
	char abs[PATH_MAX];
	size_t i;

	for (i = 0; items && items[i]; i++)
		fprintf(f, "%s- '%s'\n", indent, paths && realpath(items[i], abs) ? abs : items[i]);
}

/* Every second: the tests' clock. Rule files are named absolutely, the config being elsewhere. */
static int write_config(const struct prom *p, const struct prom_opts *o)
{
	char path[IT_PATH + 32];
	FILE *f;

	snprintf(path, sizeof(path), "%s/prometheus.yml", p->dir);
	f = fopen(path, "we");
	if (!f)
		return -errno;
	fprintf(f, "global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\n  evaluation_interval: 1s\n");
	if (o->rule_files && o->rule_files[0]) {
		fprintf(f, "rule_files:\n");
		list(f, "  ", o->rule_files, true);
	}
	fprintf(f, "scrape_configs:\n  - job_name: prometheus\n    static_configs:\n      - targets: ['127.0.0.1:%d']\n",
		p->port);
	if (o->targets && o->targets[0]) {
		fprintf(f, "  - job_name: '%s'\n    metrics_path: '%s'\n    static_configs:\n      - targets:\n",
			o->job ? o->job : "memprobe", o->metrics_path ? o->metrics_path : "/metrics");
		list(f, "          ", o->targets, false);
	}
	if (fclose(f))
		return -errno;
	return 0;
}

static pid_t spawn(const struct prom *p)
{
	char config[IT_PATH + 64], storage[IT_PATH + 64], listen[64], log[IT_PATH + 16];
	const char *argv[] = { "prometheus", config, storage, listen, NULL };
	pid_t pid;
	int fd;

	snprintf(config, sizeof(config), "--config.file=%s/prometheus.yml", p->dir);
	snprintf(storage, sizeof(storage), "--storage.tsdb.path=%s/data", p->dir);
	snprintf(listen, sizeof(listen), "--web.listen-address=127.0.0.1:%d", p->port);
	snprintf(log, sizeof(log), "%s/log", p->dir);
	fd = open(log, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return -errno;
	pid = fork();
	if (pid == 0) {
		/* In the test's process group: the runner kills it with the test. */
		dup2(fd, 1);
		dup2(fd, 2);
		close(0);
		open("/dev/null", O_RDONLY);
		execvp(argv[0], (char *const *)argv);
		dprintf(2, "cannot run prometheus: %s (make deps-test installs Debian's prometheus)\n",
			strerror(errno));
		_exit(127);
	}
	close(fd);
	return pid < 0 ? -errno : pid;
}

/* 0 when ready; -EADDRINUSE when the port was taken meanwhile, to try another. */
static int wait_ready(struct prom *p, int timeout_s)
{
	char url[128];
	double end = mono() + timeout_s;
	int status;

	snprintf(url, sizeof(url), "%s/-/ready", p->url);
	while (mono() < end) {
		struct http_reply r;
		int ret = http_call(url, &(struct http_opts){ .timeout_s = 2 }, &r);

		http_reply_free(&r);
		if (!ret && r.status == 200)
			return 0;
		if (ret == -ELIBACC) {
			fprintf(stderr, "    %s\n", r.error);
			return ret;
		}
		if (waitpid(p->pid, &status, WNOHANG) == p->pid) {
			p->pid = 0;
			return strstr(prom_log(p), "address already in use") ? -EADDRINUSE : -ECHILD;
		}
		nap_ms(100);
	}
	return -ETIMEDOUT;
}

int prom_start(struct prom *p, const struct prom_opts *o)
{
	static const struct prom_opts defaults;
	int ret = 0, attempt;

	memset(p, 0, sizeof(*p));
	if (!o)
		o = &defaults;
	snprintf(p->dir, sizeof(p->dir), "/tmp/memprobe-test-%d-prometheus-XXXXXX", (int)getpid());
	if (!mkdtemp(p->dir)) {
		ret = -errno;
		p->dir[0] = '\0';
		return ret;
	}
	/* The port is free when picked, and may not be by the time Prometheus binds it. */
	for (attempt = 0; attempt < 3; attempt++) {
		p->port = free_tcp_port();
		if (p->port < 0) {
			ret = p->port;
			break;
		}
		snprintf(p->url, sizeof(p->url), "http://127.0.0.1:%d", p->port);
		ret = write_config(p, o);
		if (ret)
			break;
		p->pid = spawn(p);
		if (p->pid < 0) {
			ret = p->pid;
			p->pid = 0;
			break;
		}
		ret = wait_ready(p, o->ready_timeout_s > 0 ? o->ready_timeout_s : 60);
		if (ret != -EADDRINUSE)
			break;
	}
	if (ret) {
		fprintf(stderr, "    prometheus did not start (%s); its log:\n%s\n", strerror(-ret), prom_log(p));
		prom_stop(p);
	}
	return ret;
}

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	remove(path);
	return 0;
}

void prom_stop(struct prom *p)
{
	bool gone = false;
	double end;

	if (p->pid > 0) {
		kill(p->pid, SIGTERM);
		for (end = mono() + 10; !gone && mono() < end; nap_ms(50))
			gone = waitpid(p->pid, NULL, WNOHANG) == p->pid;
		if (!gone) {
			fprintf(stderr, "    prometheus %d did not stop within 10 s; killing it\n", (int)p->pid);
			kill(p->pid, SIGKILL);
			waitpid(p->pid, NULL, 0);
		}
		p->pid = 0;
	}
	if (p->dir[0])
		nftw(p->dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
	p->dir[0] = '\0';
}

const char *prom_log(const struct prom *p)
{
	static char buf[4096];
	char path[IT_PATH + 16];
	ssize_t n = 0;
	off_t size;
	int fd;

	buf[0] = '\0';
	snprintf(path, sizeof(path), "%s/log", p->dir);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return buf;
	size = lseek(fd, 0, SEEK_END);
	if (size > 0 && lseek(fd, size > (off_t)sizeof(buf) - 1 ? size - (off_t)sizeof(buf) + 1 : 0, SEEK_SET) >= 0)
		n = read(fd, buf, sizeof(buf) - 1);
	buf[n > 0 ? n : 0] = '\0';
	close(fd);
	return buf;
}

int prom_query(struct prom *p, const char *expr, struct jv **resp)
{
	char *q = http_escape(expr), *url = NULL;
	struct http_reply r = { 0 };
	const char *status;
	int ret;

	*resp = NULL;
	p->error[0] = '\0';
	if (!q || asprintf(&url, "%s/api/v1/query?query=%s", p->url, q) < 0) {
		free(q);
		return -ENOMEM;
	}
	ret = http_call(url, NULL, &r);
	if (ret) {
		snprintf(p->error, sizeof(p->error), "%s", r.error);
		goto out;
	}
	*resp = jv_parse(r.body);
	status = jv_str(*resp, "status");
	if (status && !strcmp(status, "success") && r.status == 200)
		goto out;
	/* A bad expression is a 400 with the reason in the body. */
	snprintf(p->error, sizeof(p->error), "%s: HTTP %ld: %s", expr, r.status, r.body);
	ret = status && !strcmp(status, "error") ? -EINVAL : -EIO;
	jv_free(*resp);
	*resp = NULL;
out:
	http_reply_free(&r);
	free(url);
	free(q);
	return ret;
}

/* A [time, "value"] pair; the value is a string, as "NaN" and "+Inf" can be. */
static int pair_value(const struct jv *pair, double *v)
{
	char *end;

	if (!pair || pair->type != J_ARR || pair->n != 2 || pair->items[1].type != J_STR)
		return -EIO;
	*v = strtod(pair->items[1].text, &end);
	return *end ? -EIO : 0;
}

int prom_value(struct prom *p, const char *expr, double *v)
{
	const struct jv *data, *result;
	struct jv *resp;
	const char *type;
	int ret;

	ret = prom_query(p, expr, &resp);
	if (ret)
		return ret;
	data = jv_get(resp, "data");
	type = jv_str(data, "resultType");
	result = jv_get(data, "result");
	if (type && !strcmp(type, "scalar"))
		ret = pair_value(result, v);
	else if (!type || strcmp(type, "vector") || !result || result->type != J_ARR)
		ret = -EIO;
	else if (result->n != 1)
		ret = result->n ? -E2BIG : -ENOENT;
	else
		ret = pair_value(jv_get(&result->items[0], "value"), v);
	if (ret && !p->error[0])
		snprintf(p->error, sizeof(p->error), "%s: %s", expr,
			 ret == -ENOENT ? "no sample" : ret == -E2BIG ? "more than one sample" : "unexpected answer");
	jv_free(resp);
	return ret;
}

int prom_wait_value(struct prom *p, const char *expr, int timeout_s, double *v)
{
	double end = mono() + timeout_s;
	int ret;

	do {
		ret = prom_value(p, expr, v);
		if (ret != -ENOENT)
			return ret;
		nap_ms(200);
	} while (mono() < end);
	snprintf(p->error, sizeof(p->error), "%s: no sample within %d s", expr, timeout_s);
	return -ETIMEDOUT;
}
