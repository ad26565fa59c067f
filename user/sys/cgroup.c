// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "sys/cgroup.h"
#include "sys/mountinfo.h"
#include "sys/util.h"

#define CG_MAX_DEPTH	32

static const char *const unit_suffixes[] = {
	".service", ".slice", ".scope", ".socket", ".mount", ".swap",
};

static int fail(char *err, size_t errlen, int code, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static int fail(char *err, size_t errlen, int code, const char *fmt, ...)
{
	va_list ap;

	if (err && errlen) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return code;
}

static bool has_token(const char *list, const char *tok, const char *seps)
{
	size_t n = strlen(tok);
	const char *p = list;

	while ((p = strstr(p, tok))) {
		bool start = p == list || strchr(seps, p[-1]);
		bool end = !p[n] || strchr(seps, p[n]);

		if (start && end)
			return true;
		p += n;
	}
	return false;
}

static bool under(const char *path, const char *dir)
{
	size_t n = strlen(dir);

	return !strncmp(path, dir, n) && (path[n] == '/' || path[n] == '\0');
}

static bool v2_has_memory(const char *mountpoint)
{
	char path[CG_PATH_MAX + 32], buf[512];

	snprintf(path, sizeof(path), "%s/cgroup.controllers", mountpoint);
	if (read_text(path, buf, sizeof(buf)) < 0)
		return false;
	return has_token(buf, "memory", " \n");
}

struct hier_scan {
	struct cg_hier *h;
	char v2[CG_PATH_MAX];
};

static int hier_visit(void *ctx, const struct mountinfo_entry *e)
{
	struct hier_scan *sc = ctx;
	struct cg_hier *h = sc->h;
	bool v1 = !strcmp(e->fstype, "cgroup");

	if (!under(e->point, h->base) || strlen(e->point) >= CG_PATH_MAX)
		return 0;
	if (!v1 && strcmp(e->fstype, "cgroup2"))
		return 0;
	if (h->n_mounts < CG_MAX_MOUNTS)
		snprintf(h->mounts[h->n_mounts++], CG_PATH_MAX, "%s", e->point);
	if (!v1 && !*h->unified)
		snprintf(h->unified, sizeof(h->unified), "%s", e->point);
	if (v1 && !h->version && has_token(e->super_options, "memory", ",")) {
		h->version = CG_V1;
		snprintf(h->root, sizeof(h->root), "%s", e->point);
	} else if (!v1 && !*sc->v2 && v2_has_memory(e->point)) {
		snprintf(sc->v2, sizeof(sc->v2), "%s", e->point);
	}
	return 0;
}

int cg_hier_parse(struct cg_hier *h, const char *text, const char *base)
{
	struct hier_scan sc = { .h = h };
	int r;

	memset(h, 0, sizeof(*h));
	snprintf(h->base, sizeof(h->base), "%s", base);
	r = mountinfo_parse(text, hier_visit, &sc);
	if (r)
		return r;
	/* A v1 memory hierarchy wins: on hybrid hosts the unified tree has no memory controller. */
	if (!h->version && *sc.v2) {
		h->version = CG_V2;
		snprintf(h->root, sizeof(h->root), "%s", sc.v2);
	}
	return h->version ? 0 : -ENOENT;
}

int cg_hier_detect(struct cg_hier *h, const char *mountinfo, const char *base)
{
	char *text;
	int r;

	r = mountinfo_read(mountinfo, &text);
	if (r)
		return r;
	r = cg_hier_parse(h, text, base);
	free(text);
	return r;
}

int cg_path(const struct cg_hier *h, const char *rel, const char *file, char *buf, size_t len)
{
	int n;

	if (!strcmp(rel, "/") || !*rel)
		n = snprintf(buf, len, "%s%s%s", h->root, file ? "/" : "", file ? file : "");
	else
		n = snprintf(buf, len, "%s/%s%s%s", h->root, rel, file ? "/" : "", file ? file : "");
	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

int cg_lookup(const struct cg_hier *h, const char *rel, struct cg_target *out)
{
	struct stat st;
	int r;

	r = cg_path(h, rel, NULL, out->dir, sizeof(out->dir));
	if (r)
		return r;
	if (stat(out->dir, &st))
		return -errno;
	if (!S_ISDIR(st.st_mode))
		return -ENOTDIR;
	snprintf(out->rel, sizeof(out->rel), "%s", *rel ? rel : "/");
	out->id = st.st_ino;
	return 0;
}

#define FILEID_KERNFS	0xfe	/* the kernel's handle type for kernfs nodes: the 64-bit node id */

int cg_lookup_id(const struct cg_hier *h, __u64 id, struct cg_target *out, bool *leaf)
{
	struct {
		struct file_handle fh;
		__u64 id;
	} handle = { .fh = { .handle_bytes = sizeof(__u64), .handle_type = FILEID_KERNFS }, .id = id };
	char proc[64], path[CG_PATH_MAX];
	size_t root_len = strlen(h->root);
	struct dirent *e;
	int mfd, fd, r = 0;
	ssize_t n;
	DIR *d;

	mfd = open(h->root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (mfd < 0)
		return -errno;
	fd = open_by_handle_at(mfd, &handle.fh, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	r = fd < 0 ? -errno : 0;
	close(mfd);
	if (r)
		return r;
	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
	n = readlink(proc, path, sizeof(path) - 1);
	if (n > 0 && (size_t)n < sizeof(path) - 1)
		path[n] = '\0';
	/* Too long is as unusable as outside this hierarchy's mount: not one of ours. */
	if (n <= 0 || (size_t)n >= sizeof(path) - 1 || (size_t)n < root_len || strncmp(path, h->root, root_len) ||
	    (path[root_len] && path[root_len] != '/')) {
		close(fd);
		return -ENOENT;
	}
	snprintf(out->dir, sizeof(out->dir), "%s", path);
	snprintf(out->rel, sizeof(out->rel), "%s", path[root_len] ? path + root_len + 1 : "/");
	out->id = id;
	*leaf = true;
	d = fdopendir(fd);
	if (!d) {
		close(fd);
		return 0;
	}
	while (*leaf && (e = readdir(d)))
		*leaf = e->d_type != DT_DIR || !strcmp(e->d_name, ".") || !strcmp(e->d_name, "..");
	closedir(d);
	return 0;
}

/* Characters systemd allows in unit names, plus '/' for paths. */
static bool name_char(unsigned char c)
{
	return isalnum(c) || strchr("_.:@+=,~-\\/", c);
}

static int check_target(const char *t, char *err, size_t errlen)
{
	char shown[128];
	const char *p;
	size_t i, j = 0;

	for (i = 0; t[i] && j + 5 < sizeof(shown); i++) {
		unsigned char c = t[i];

		j += c >= 0x20 && c < 0x7f ? (size_t)snprintf(shown + j, sizeof(shown) - j, "%c", c) :
			(size_t)snprintf(shown + j, sizeof(shown) - j, "\\x%02x", c);
	}
	if (strlen(t) >= CG_PATH_MAX / 2)
		return fail(err, errlen, -EINVAL, "cgroup '%s...' is too long", shown);
	for (p = t; *p; p++)
		if (!name_char(*p))
			return fail(err, errlen, -EINVAL,
				    "cgroup '%s' has a character no unit or cgroup name uses (0x%02x)",
				    shown, (unsigned char)*p);
	for (p = t; *p; ) {
		size_t n;

		while (*p == '/')
			p++;
		n = strcspn(p, "/");
		if ((n == 1 && p[0] == '.') || (n == 2 && p[0] == '.' && p[1] == '.'))
			return fail(err, errlen, -EINVAL,
				    "cgroup '%s' contains '.' or '..': give the path without them", shown);
		p += n;
	}
	return 0;
}

bool cg_is_unit_name(const char *t)
{
	size_t i, n = strlen(t);

	if (strchr(t, '/'))
		return false;
	for (i = 0; i < ARRAY_SIZE(unit_suffixes); i++) {
		size_t s = strlen(unit_suffixes[i]);

		if (n > s && !strcmp(t + n - s, unit_suffixes[i]))
			return true;
	}
	return false;
}

struct unit_search {
	const char *name;
	char found[3][CG_PATH_MAX];
	unsigned int n_found;
	unsigned int depth;
};

static int unit_visit(void *ctx, const char *rel, __u64 id, unsigned int depth, bool leaf)
{
	struct unit_search *s = ctx;
	const char *base = strrchr(rel, '/');

	(void)id;
	(void)leaf;
	base = base ? base + 1 : rel;
	if (strcmp(base, s->name))
		return 0;
	if (s->n_found && depth > s->depth)
		return 0;
	if (s->n_found && depth < s->depth)
		s->n_found = 0;
	s->depth = depth;
	if (s->n_found < ARRAY_SIZE(s->found))
		snprintf(s->found[s->n_found], CG_PATH_MAX, "%s", rel);
	s->n_found++;
	return 0;
}

static int find_unit(const struct cg_hier *h, const char *unit, struct cg_target *out,
		     char *err, size_t errlen)
{
	struct unit_search s = { .name = unit };
	int r;

	r = cg_walk(h, "/", unit_visit, &s);
	if (r < 0)
		return fail(err, errlen, r, "cannot search %s for unit '%s'", h->root, unit);
	if (!s.n_found)
		return fail(err, errlen, -ENOENT,
			    "no cgroup for unit '%s' under %s (is it running? try: systemctl status %s)",
			    unit, h->root, unit);
	if (s.n_found > 1)
		return fail(err, errlen, -EINVAL,
			    "unit '%s' matches %u cgroups (%s, %s%s): give the cgroup path instead",
			    unit, s.n_found, s.found[0], s.found[1], s.n_found > 2 ? ", ..." : "");
	return cg_lookup(h, s.found[0], out);
}

/* An absolute path may name a cgroup on another hierarchy; find it on the memory one. */
static int from_absolute(const struct cg_hier *h, const char *target, char *rel, size_t len,
			 char *err, size_t errlen)
{
	char real[PATH_MAX];
	const char *mount = NULL, *r;
	size_t i;

	if (!under(target, h->base))
		return fail(err, errlen, -EINVAL, "'%s' is not under %s", target, h->base);
	if (!realpath(target, real))
		return fail(err, errlen, -errno, "no cgroup '%s': %s", target, strerror(errno));
	for (i = 0; i < h->n_mounts; i++)
		if (under(real, h->mounts[i]) && (!mount || strlen(h->mounts[i]) > strlen(mount)))
			mount = h->mounts[i];
	if (!mount)
		return fail(err, errlen, -EINVAL, "'%s' is not inside a cgroup hierarchy mounted under %s",
			    target, h->base);
	/* Hierarchies are independent (v1, and v2 beside v1 on hybrid hosts): a namesake is not the same cgroup. */
	if (strcmp(mount, h->root))
		return fail(err, errlen, -EINVAL,
			    "'%s' is in the cgroup hierarchy at %s, which has no memory controller; memory cgroups are under %s (give a path there, or a unit name)",
			    target, mount, h->root);
	r = real + strlen(mount);
	while (*r == '/')
		r++;
	snprintf(rel, len, "%s", *r ? r : "/");
	return 0;
}

int cg_resolve(const struct cg_hier *h, const char *target, struct cg_target *out,
	       char *err, size_t errlen)
{
	char rel[CG_PATH_MAX], probe[CG_PATH_MAX + 16];
	const char *p;
	int r;

	r = check_target(target, err, errlen);
	if (r)
		return r;
	if (!strcmp(target, "/")) {
		snprintf(rel, sizeof(rel), "/");	/* the root cgroup, as memprobe names it */
	} else if (target[0] == '/') {
		r = from_absolute(h, target, rel, sizeof(rel), err, errlen);
		if (r)
			return r;
	} else if (cg_is_unit_name(target)) {
		r = find_unit(h, target, out, err, errlen);
		if (r)
			return r;
		snprintf(rel, sizeof(rel), "%s", out->rel);
	} else {
		for (p = target; *p == '/'; p++)
			;
		snprintf(rel, sizeof(rel), "%s", p);
		while (strlen(rel) > 1 && rel[strlen(rel) - 1] == '/')
			rel[strlen(rel) - 1] = '\0';
	}
	r = cg_lookup(h, rel, out);
	if (r == -ENOENT && !strchr(target, '/') && !cg_is_unit_name(target)) {
		/* Like systemctl, a bare name may mean a service. */
		snprintf(probe, sizeof(probe), "%s.service", target);
		if (!find_unit(h, probe, out, NULL, 0))
			return 0;
	}
	if (r == -ENOENT)
		return fail(err, errlen, r, "no cgroup '%s': %s does not exist (memory cgroups are under %s)",
			    target, out->dir, h->root);
	if (r)
		return fail(err, errlen, r, "cannot use cgroup '%s' (%s): %s", target, out->dir, strerror(-r));
	if (strcmp(out->rel, "/")) {
		r = cg_path(h, out->rel, "memory.stat", probe, sizeof(probe));
		if (r || access(probe, R_OK))
			return fail(err, errlen, -ENOENT,
				    "cgroup '%s' has no memory controller (no %s); enable it in the parent's cgroup.subtree_control",
				    out->rel, probe);
	}
	return 0;
}

static int walk(int dfd, char *rel, size_t len, unsigned int depth, cg_visit_fn visit, void *ctx,
		__u64 id)
{
	size_t base = strlen(rel), children = 0;
	struct dirent *e;
	DIR *d;
	int r = 0;

	d = fdopendir(dfd);
	if (!d) {
		r = -errno;
		close(dfd);
		return r;
	}
	while ((e = readdir(d)))
		if (e->d_type == DT_DIR && strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
			children++;
	r = visit(ctx, *rel ? rel : "/", id, depth, children == 0);
	if (r || depth >= CG_MAX_DEPTH)
		goto out;
	rewinddir(d);
	while ((e = readdir(d))) {
		int cfd;

		if (e->d_type != DT_DIR || !strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		if (base + strlen(e->d_name) + 2 > len)
			continue;
		snprintf(rel + base, len - base, "%s%s", base ? "/" : "", e->d_name);
		/* A cgroup removed between readdir and openat is simply gone. */
		cfd = openat(dirfd(d), e->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (cfd >= 0)
			r = walk(cfd, rel, len, depth + 1, visit, ctx, e->d_ino);
		rel[base] = '\0';
		if (r)
			break;
	}
out:
	closedir(d);
	return r;
}

int cg_walk(const struct cg_hier *h, const char *rel, cg_visit_fn visit, void *ctx)
{
	char path[CG_PATH_MAX], buf[CG_PATH_MAX];
	struct stat st;
	int fd, r;

	r = cg_path(h, rel, NULL, path, sizeof(path));
	if (r)
		return r;
	fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st)) {
		r = -errno;
		close(fd);
		return r;
	}
	snprintf(buf, sizeof(buf), "%s", strcmp(rel, "/") ? rel : "");
	return walk(fd, buf, sizeof(buf), 0, visit, ctx, st.st_ino);
}

int cg_pids(const struct cg_hier *h, const char *rel, int (*fn)(void *ctx, int pid), void *ctx)
{
	char path[CG_PATH_MAX + 16], buf[4096], carry[16] = "";
	size_t carried = 0;
	ssize_t n;
	int fd, r = 0;

	r = cg_path(h, rel, "cgroup.procs", path, sizeof(path));
	if (r)
		return r;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	/* Busy cgroups list thousands of pids: read in chunks, a pid may straddle two. */
	while (!r && (n = read(fd, buf, sizeof(buf) - 1)) > 0) {
		char *p = buf, *nl;

		buf[n] = '\0';
		while (!r && (nl = strchr(p, '\n'))) {
			*nl = '\0';
			if (carried) {
				snprintf(carry + carried, sizeof(carry) - carried, "%s", p);
				r = fn(ctx, atoi(carry));
				carried = 0;
			} else {
				r = fn(ctx, atoi(p));
			}
			p = nl + 1;
		}
		if (*p && carried + strlen(p) < sizeof(carry) - 1)
			carried += snprintf(carry + carried, sizeof(carry) - carried, "%s", p);
	}
	close(fd);
	return r;
}

int cg_of_pid(const struct cg_hier *h, int pid, struct cg_target *out)
{
	char path[64], buf[4096], *line, *save = NULL;

	snprintf(path, sizeof(path), "/proc/%d/cgroup", pid);
	if (read_text(path, buf, sizeof(buf)) < 0)
		return -ENOENT;
	for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *ctrl = strchr(line, ':'), *rel;

		if (!ctrl || !(rel = strchr(ctrl + 1, ':')))
			continue;
		*rel++ = '\0';
		ctrl++;
		if (h->version == CG_V1 ? has_token(ctrl, "memory", ",") : !*ctrl)
			return cg_lookup(h, rel[0] == '/' && rel[1] ? rel + 1 : "/", out);
	}
	return -ENOENT;
}

int cg_create(const struct cg_hier *h, const char *name, struct cg_target *out)
{
	int r;

	r = cg_path(h, name, NULL, out->dir, sizeof(out->dir));
	if (r)
		return r;
	if (mkdir(out->dir, 0755))
		return -errno;
	r = cg_lookup(h, name, out);
	if (r)
		rmdir(out->dir);
	return r;
}

int cg_attach(const struct cg_target *t, int pid)
{
	char path[CG_PATH_MAX + 16], buf[32];

	snprintf(path, sizeof(path), "%s/cgroup.procs", t->dir);
	snprintf(buf, sizeof(buf), "%d\n", pid);
	return write_text(path, buf);
}

int cg_remove(const struct cg_target *t)
{
	struct timespec pause = { 0, 20 * 1000 * 1000 };
	int i;

	/* Tasks that just exited can keep a cgroup busy for a moment. */
	for (i = 0; i < 100; i++) {
		if (!rmdir(t->dir) || errno == ENOENT)
			return 0;
		if (errno != EBUSY)
			return -errno;
		nanosleep(&pause, NULL);
	}
	return -EBUSY;
}
