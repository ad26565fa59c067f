// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>

#include "sys/cgroup.h"
#include "it.h"
#include "sys/util.h"

static int memory_root(struct cg_hier *h)
{
	return cg_hier_detect(h, "/proc/self/mountinfo", "/sys/fs/cgroup");
}

int tcg_create(struct tcg *c, const char *tag)
{
	struct cg_target t;
	struct cg_hier h;
	char name[128];
	int r;

	memset(c, 0, sizeof(*c));
	r = memory_root(&h);
	if (r)
		return r;
	snprintf(name, sizeof(name), "memprobe-test-%d-%s", (int)getpid(), tag);
	r = cg_create(&h, name, &t);
	if (r)
		return r;
	snprintf(c->dir, sizeof(c->dir), "%s", t.dir);
	snprintf(c->rel, sizeof(c->rel), "%s", t.rel);
	c->id = t.id;
	c->version = h.version;
	c->made = true;
	return 0;
}

int tcg_create_child(struct tcg *c, const struct tcg *parent, const char *tag)
{
	struct cg_target t;
	struct cg_hier h;
	char name[IT_PATH + 64];
	int r;

	memset(c, 0, sizeof(*c));
	r = memory_root(&h);
	if (r)
		return r;
	/* v2: a child has memory files only once its parent hands the controller down. */
	if (h.version == CG_V2)
		tcg_write(parent, "cgroup.subtree_control", "+memory");
	snprintf(name, sizeof(name), "%s/%s", parent->rel, tag);
	r = cg_create(&h, name, &t);
	if (r)
		return r;
	snprintf(c->dir, sizeof(c->dir), "%s", t.dir);
	snprintf(c->rel, sizeof(c->rel), "%s", t.rel);
	c->id = t.id;
	c->version = h.version;
	c->made = true;
	return 0;
}

static void kill_members(const char *dir)
{
	char path[IT_PATH + 32], buf[4096], *p, *end;

	snprintf(path, sizeof(path), "%s/cgroup.procs", dir);
	if (read_text(path, buf, sizeof(buf)) <= 0)
		return;
	for (p = buf; *p; p = end) {
		long pid = strtol(p, &end, 10);

		if (end == p)
			break;
		if (pid > 1)
			kill((pid_t)pid, SIGKILL);
		while (*end == '\n')
			end++;
	}
}

static void remove_dir(const char *dir)
{
	struct timespec pause = { 0, 20 * 1000 * 1000 };
	int i;

	for (i = 0; i < 150; i++) {
		kill_members(dir);
		if (!rmdir(dir) || errno == ENOENT)
			return;
		nanosleep(&pause, NULL);
	}
	fprintf(stderr, "    could not remove cgroup %s: %s\n", dir, strerror(errno));
}

void tcg_remove(struct tcg *c)
{
	if (!c->made)
		return;
	remove_dir(c->dir);
	c->made = false;
}

/*
 * The number on the line of one of the cgroup's files that begins with key
 * and a space: right after them, or after the text after ("total=") when
 * given. ~0 when absent.
 */
static uint64_t tcg_line_value(const struct tcg *c, const char *file, const char *key, const char *after)
{
	char path[IT_PATH + 32], *buf = malloc(65536), *line, *end, *at;
	size_t n = strlen(key);
	uint64_t v = ~0ULL;

	snprintf(path, sizeof(path), "%s/%s", c->dir, file);
	if (buf && read_text(path, buf, 65536) > 0)
		for (line = buf; line && *line && v == ~0ULL; line = end ? end + 1 : NULL) {
			if ((end = strchr(line, '\n')))
				*end = '\0';
			if (strncmp(line, key, n) || line[n] != ' ')
				continue;
			at = after ? strstr(line + n, after) : line + n + 1;
			if (at)
				v = strtoull(at + (after ? strlen(after) : 0), NULL, 10);
		}
	free(buf);
	return v;
}

uint64_t tcg_stat(const struct tcg *c, const char *v1key, const char *v2key)
{
	char key[128];

	snprintf(key, sizeof(key), c->version == 1 ? "total_%s" : "%s", c->version == 1 ? v1key : v2key);
	return tcg_line_value(c, "memory.stat", key, NULL);
}

uint64_t tcg_page_cache(const struct tcg *c)
{
	uint64_t file = tcg_stat(c, "cache", "file"), shmem = tcg_stat(c, "shmem", "shmem");

	return file == ~0ULL || shmem == ~0ULL ? ~0ULL : file - shmem;
}

int tcg_write(const struct tcg *c, const char *file, const char *value)
{
	char path[IT_PATH + 64];

	snprintf(path, sizeof(path), "%s/%s", c->dir, file);
	return write_text(path, value);
}

int tcg_limit(const struct tcg *c, uint64_t bytes)
{
	char v[32];

	snprintf(v, sizeof(v), "%llu", (unsigned long long)bytes);
	return tcg_write(c, c->version == 1 ? "memory.limit_in_bytes" : "memory.max", v);
}

uint64_t tcg_oom_kills(const struct tcg *c)
{
	return tcg_line_value(c, c->version == 1 ? "memory.oom_control" : "memory.events", "oom_kill", NULL);
}

uint64_t tcg_psi_total_us(const struct tcg *c, const char *which)
{
	return c->version == 2 ? tcg_line_value(c, "memory.pressure", which, "total=") : ~0ULL;
}

int tcg_events(const struct tcg *c, struct tcg_events *e)
{
	char path[IT_PATH + 32], buf[64];

	if (c->version == 2) {
		e->high = tcg_line_value(c, "memory.events", "high", NULL);
		e->max = tcg_line_value(c, "memory.events", "max", NULL);
		e->oom = tcg_line_value(c, "memory.events", "oom", NULL);
	} else {
		snprintf(path, sizeof(path), "%s/memory.failcnt", c->dir);
		e->high = 0;
		e->max = read_text(path, buf, sizeof(buf)) > 0 ? strtoull(buf, NULL, 10) : ~0ULL;
		e->oom = tcg_line_value(c, "memory.oom_control", "oom_kill", NULL);
	}
	e->oom_kill = tcg_oom_kills(c);
	return e->high == ~0ULL || e->max == ~0ULL || e->oom == ~0ULL || e->oom_kill == ~0ULL ? -ENODATA : 0;
}

int tchild_start(struct tchild *ch, const struct tcg *c, int (*fn)(void *arg), void *arg)
{
	char path[IT_PATH + 32], pid[32];
	int go[2], r;

	ch->pid = 0;
	ch->go = -1;
	if (pipe2(go, O_CLOEXEC))
		return -errno;
	ch->pid = fork();
	if (ch->pid < 0) {
		r = -errno;
		close(go[0]);
		close(go[1]);
		return r;
	}
	if (ch->pid == 0) {
		char b;

		close(go[1]);
		if (read(go[0], &b, 1) != 1)
			_exit(99);
		_exit(fn(arg));
	}
	close(go[0]);
	ch->go = go[1];
	snprintf(path, sizeof(path), "%s/cgroup.procs", c->dir);
	snprintf(pid, sizeof(pid), "%d\n", (int)ch->pid);
	r = write_text(path, pid);
	if (r)
		tchild_kill(ch);
	return r;
}

int tchild_go(struct tchild *ch)
{
	int r = write(ch->go, "g", 1) == 1 ? 0 : -errno;

	close(ch->go);
	ch->go = -1;
	return r;
}

int tchild_wait(struct tchild *ch, int timeout_s)
{
	struct timespec pause = { 0, 10 * 1000 * 1000 };
	int status, i;

	for (i = 0; ch->pid && i < timeout_s * 100; i++) {
		pid_t w = waitpid(ch->pid, &status, WNOHANG);

		if (w == ch->pid) {
			ch->pid = 0;
			return status;
		}
		nanosleep(&pause, NULL);
	}
	return -1;
}

int tchild_wait_reading(struct tchild *ch, struct agent *a, int timeout_s)
{
	double end = now_monotonic() + timeout_s;
	int status;

	while (ch->pid && now_monotonic() < end) {
		if (waitpid(ch->pid, &status, WNOHANG) == ch->pid) {
			ch->pid = 0;
			return status;
		}
		agent_wait_for(a, "never", 1);
	}
	return -1;
}

void tchild_kill(struct tchild *ch)
{
	if (ch->go >= 0)
		close(ch->go);
	ch->go = -1;
	if (ch->pid > 0) {
		kill(ch->pid, SIGKILL);
		waitpid(ch->pid, NULL, 0);
	}
	ch->pid = 0;
}

static const char *build_dir = "build";

size_t it_prog_ids(pid_t pid, __u32 *ids, size_t max)
{
	char dir[64], path[64 + 256], line[256];
	struct dirent *e;
	size_t n = 0, i;
	DIR *d;

	snprintf(dir, sizeof(dir), "/proc/%d/fdinfo", (int)pid);
	d = opendir(dir);
	if (!d)
		return 0;
	while ((e = readdir(d)) && n < max) {
		FILE *f;

		snprintf(path, sizeof(path), "%s/%.255s", dir, e->d_name);
		f = fopen(path, "re");
		if (!f)
			continue;
		while (fgets(line, sizeof(line), f) && n < max) {
			unsigned int id;

			if (sscanf(line, "prog_id: %u", &id) != 1)
				continue;
			for (i = 0; i < n && ids[i] != id; i++)
				;
			if (i == n)
				ids[n++] = id;
		}
		fclose(f);
	}
	closedir(d);
	return n;
}

void it_set_build_dir(const char *dir)
{
	build_dir = dir;
}

bool it_holds_prog(pid_t pid, const char *prefix, int *n_progs)
{
	__u32 ids[128];
	size_t n = it_prog_ids(pid, ids, 128), i;
	bool found = false;

	*n_progs = 0;
	for (i = 0; i < n; i++) {
		struct bpf_prog_info info = { 0 };
		__u32 len = sizeof(info);
		int fd = bpf_prog_get_fd_by_id(ids[i]);

		if (fd < 0)
			continue;
		if (!bpf_obj_get_info_by_fd(fd, &info, &len)) {
			(*n_progs)++;
			found |= !strncmp(info.name, prefix, strlen(prefix));
		}
		close(fd);
	}
	return found;
}

const char *build_path(const char *rel)
{
	static char paths[8][IT_PATH];
	static int next;
	char *p = paths[next++ % 8];

	snprintf(p, IT_PATH, "%s/%s", build_dir, rel);
	return p;
}

int agent_start(struct agent *a, const char *const argv[])
{
	return agent_start_with(a, argv, NULL);
}

int agent_start_with(struct agent *a, const char *const argv[], void (*before_exec)(void))
{
	const char *args[64];
	int out[2], err, n;

	memset(a, 0, sizeof(*a));
	a->out = -1;
	args[0] = build_path("memprobe");
	for (n = 0; argv[n] && n < 62; n++)
		args[n + 1] = argv[n];
	args[n + 1] = NULL;
	snprintf(a->err_path, sizeof(a->err_path), "/tmp/memprobe-test-%d-stderr-XXXXXX", (int)getpid());
	err = mkstemp(a->err_path);
	if (err < 0 || pipe2(out, O_CLOEXEC))
		return -errno;
	a->pid = fork();
	if (a->pid < 0)
		return -errno;
	if (a->pid == 0) {
		dup2(out[1], 1);
		dup2(err, 2);
		if (before_exec)
			before_exec();
		execv(args[0], (char *const *)args);
		_exit(127);
	}
	close(out[1]);
	close(err);
	a->out = out[0];
	return 0;
}

static void add_line(struct agent *a, const char *s, size_t n)
{
	if (a->n_lines == a->cap_lines) {
		a->cap_lines = a->cap_lines ? a->cap_lines * 2 : 64;
		a->lines = realloc(a->lines, a->cap_lines * sizeof(*a->lines));
	}
	a->lines[a->n_lines++] = strndup(s, n);
}

/* Reads what is there within timeout_ms; false at EOF. */
static bool pump(struct agent *a, int timeout_ms)
{
	struct pollfd p = { .fd = a->out, .events = POLLIN };
	char chunk[65536], *nl;
	ssize_t n;

	if (a->out < 0)
		return false;
	if (poll(&p, 1, timeout_ms) <= 0)
		return true;
	n = read(a->out, chunk, sizeof(chunk));
	if (n <= 0) {
		close(a->out);
		a->out = -1;
		return false;
	}
	if (a->len + n + 1 > a->cap) {
		a->cap = (a->len + n + 1) * 2;
		a->buf = realloc(a->buf, a->cap);
	}
	memcpy(a->buf + a->len, chunk, n);
	a->len += n;
	a->buf[a->len] = '\0';
	while ((nl = memchr(a->buf, '\n', a->len))) {
		size_t l = nl - a->buf;

		add_line(a, a->buf, l);
		memmove(a->buf, nl + 1, a->len - l - 1);
		a->len -= l + 1;
	}
	return true;
}

bool agent_wait_for(struct agent *a, const char *type, int timeout_s)
{
	double end = now_monotonic() + timeout_s;
	size_t seen = 0;

	while (now_monotonic() < end) {
		for (; seen < a->n_lines; seen++) {
			struct jv *v = jv_parse(a->lines[seen]);
			bool hit = v && jv_str(v, "type") && !strcmp(jv_str(v, "type"), type);

			jv_free(v);
			if (hit)
				return true;
		}
		if (!pump(a, 100) && seen == a->n_lines)
			return false;
	}
	return false;
}

bool agent_wait_line(struct agent *a, const char *prefix, int timeout_s)
{
	double end = now_monotonic() + timeout_s;
	size_t seen = 0;

	while (now_monotonic() < end) {
		for (; seen < a->n_lines; seen++)
			if (!strncmp(a->lines[seen], prefix, strlen(prefix)))
				return true;
		if (!pump(a, 100) && seen == a->n_lines)
			return false;
	}
	return false;
}

int agent_finish(struct agent *a, int sig, int timeout_s)
{
	double end = now_monotonic() + timeout_s;
	int status;

	if (sig && a->pid > 0)
		kill(a->pid, sig);
	while (now_monotonic() < end && pump(a, 100))
		;
	while (a->pid > 0 && now_monotonic() < end) {
		if (waitpid(a->pid, &status, WNOHANG) == a->pid) {
			a->pid = 0;
			a->status = status;
			return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
		}
		usleep(10000);
	}
	if (a->pid > 0) {
		fprintf(stderr, "    memprobe did not exit within %ds; killing it\n", timeout_s);
		kill(a->pid, SIGKILL);
		waitpid(a->pid, NULL, 0);
		a->pid = 0;
	}
	return -1;
}

static bool matches(const struct jv *v, const char *type, const char *cgroup)
{
	const char *t = jv_str(v, "type"), *c = jv_str(v, "cgroup");

	return t && !strcmp(t, type) && (!cgroup || (c && !strcmp(c, cgroup)));
}

struct jv *agent_record(const struct agent *a, const char *type, const char *cgroup)
{
	size_t i;

	for (i = a->n_lines; i-- > 0;) {
		struct jv *v = jv_parse(a->lines[i]);

		if (v && matches(v, type, cgroup))
			return v;
		jv_free(v);
	}
	return NULL;
}

size_t agent_count(const struct agent *a, const char *type, const char *cgroup)
{
	size_t i, n = 0;

	for (i = 0; i < a->n_lines; i++) {
		struct jv *v = jv_parse(a->lines[i]);

		n += v && matches(v, type, cgroup);
		jv_free(v);
	}
	return n;
}

const char *agent_stderr(const struct agent *a)
{
	static char buf[16384];

	if (read_text(a->err_path, buf, sizeof(buf)) < 0)
		buf[0] = '\0';
	return buf;
}

void agent_free(struct agent *a)
{
	size_t i;

	if (a->pid > 0) {
		kill(a->pid, SIGKILL);
		waitpid(a->pid, NULL, 0);
	}
	if (a->out >= 0)
		close(a->out);
	for (i = 0; i < a->n_lines; i++)
		free(a->lines[i]);
	free(a->lines);
	free(a->buf);
	if (a->err_path[0])
		unlink(a->err_path);
	memset(a, 0, sizeof(*a));
	a->out = -1;
}

int run_memprobe(const char *const argv[], char *err, size_t errlen, int timeout_s)
{
	struct agent a;
	int code;

	if (agent_start(&a, argv))
		return -1;
	code = agent_finish(&a, 0, timeout_s);
	snprintf(err, errlen, "%s", agent_stderr(&a));
	agent_free(&a);
	return code;
}

int it_child_idle(void *arg)
{
	(void)arg;
	pause();
	return 0;
}

int it_child_hold(void *arg)
{
	unsigned long long n = *(const unsigned long long *)arg;
	char *p = malloc(n);

	if (!p)
		return 1;
	memset(p, 0x5a, n);
	/* Used, as far as the compiler knows: otherwise the stores go, and nothing is held. */
	__asm__ volatile("" : : "r"(p) : "memory");
	pause();
	return 0;
}

int it_child_hog(void *arg)
{
	size_t at, n = 4 * *(const unsigned long long *)arg;
	char *p = mmap(NULL, n, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		return 1;
	for (at = 0; at < n; at += 4096)
		p[at] = 1;
	return 0;	/* never reached: the OOM killer takes it first */
}

uint64_t it_status_bytes(pid_t pid, const char *key)
{
	char path[64], buf[4096], *p;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	if (read_text(path, buf, sizeof(buf)) < 0 || !(p = strstr(buf, key)))
		return ~0ULL;
	return strtoull(p + strlen(key), NULL, 10) * 1024;
}

void it_nap(double s)
{
	struct timespec ts = { (time_t)s, (long)((s - (double)(time_t)s) * 1e9) };

	nanosleep(&ts, NULL);
}

static bool pid_alive(long pid)
{
	return pid > 0 && (kill((pid_t)pid, 0) == 0 || errno == EPERM);
}

void it_sweep(pid_t test_pid)
{
	char mine[64], path[CG_PATH_MAX + 300];
	struct cg_hier h;
	struct dirent *e;
	DIR *d;

	if (memory_root(&h))
		return;
	d = opendir(h.root);
	if (!d)
		return;
	snprintf(mine, sizeof(mine), "memprobe-test-%d-", (int)test_pid);
	while ((e = readdir(d))) {
		bool ours = !strncmp(e->d_name, mine, strlen(mine));

		/* A memprobe killed before its cleanup leaves memprobe-run-<its pid>. */
		if (!ours && !strncmp(e->d_name, "memprobe-run-", 13))
			ours = !pid_alive(strtol(e->d_name + 13, NULL, 10));
		/* So does a test run killed before its sweep (a machine restarted under it). */
		if (!ours && !strncmp(e->d_name, "memprobe-test-", 14))
			ours = !pid_alive(strtol(e->d_name + 14, NULL, 10));
		if (!ours)
			continue;
		snprintf(path, sizeof(path), "%s/%s", h.root, e->d_name);
		fprintf(stderr, "    removing leftover cgroup %s\n", path);
		remove_dir(path);
	}
	closedir(d);
}
