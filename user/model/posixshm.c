// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "model/posixshm.h"
#include "sys/array.h"
#include "sys/procfiles.h"
#include "sys/util.h"

#define SHM_DIR		"/dev/shm/"
#define DELETED		" (deleted)"

static struct pshm_file *file_for(struct pshm *ps, const struct stat *st, const char *path)
{
	struct pshm_file *f;
	size_t i;

	for (i = 0; i < ps->n; i++)
		if (ps->v[i].dev == st->st_dev && ps->v[i].ino == st->st_ino)
			return &ps->v[i];
	if (ARRAY_GROW(ps->v, ps->cap, ps->n, 16))
		return NULL;
	f = &ps->v[ps->n];
	memset(f, 0, sizeof(*f));
	f->path = strdup(path);
	if (!f->path)
		return NULL;
	f->dev = st->st_dev;
	f->ino = st->st_ino;
	f->size = (__u64)st->st_size;
	f->memory = (__u64)st->st_blocks * 512;
	ps->n++;
	return f;
}

static int add_user(struct pshm_file *f, const struct pid_cg *p)
{
	char path[64], comm[32] = "";
	size_t i, n;

	for (i = 0; i < f->n_users; i++)
		if (f->users[i].pid == (__u32)p->pid)
			return 0;
	if (ARRAY_GROW(f->users, f->cap_users, f->n_users, 4))
		return -ENOMEM;
	f->users[f->n_users] = (struct pshm_user){ .pid = (__u32)p->pid, .cgid = p->cgid };
	snprintf(path, sizeof(path), "/proc/%d/comm", p->pid);
	if (read_text(path, comm, sizeof(comm)) > 0) {
		n = strcspn(comm, "\n");
		comm[n] = '\0';
		snprintf(f->users[f->n_users].comm, sizeof(f->users[0].comm), "%.15s", comm);
	}
	f->n_users++;
	return 0;
}

/*
 * link names the file as the process sees it; target is a path that
 * reaches the file itself even once it is deleted (/proc/PID/fd/N or
 * /proc/PID/map_files/RANGE).
 */
static int note(struct pshm *ps, const struct pid_cg *p, const char *link, const char *target)
{
	char path[PATH_MAX];
	struct pshm_file *f;
	struct stat st;
	bool deleted = false;
	size_t n;

	if (strncmp(link, SHM_DIR, strlen(SHM_DIR)))
		return 0;
	snprintf(path, sizeof(path), "%s", link);
	n = strlen(path);
	if (n > strlen(DELETED) && !strcmp(path + n - strlen(DELETED), DELETED)) {
		path[n - strlen(DELETED)] = '\0';
		deleted = true;
	}
	if (stat(target, &st) || !S_ISREG(st.st_mode))
		return 0;
	f = file_for(ps, &st, path);
	if (!f)
		return -ENOMEM;
	f->deleted |= deleted && !st.st_nlink;
	return add_user(f, p);
}

/* Every regular file under dir, a few levels down: those written and closed count as much as those in use. */
static int scan_dir(struct pshm *ps, const char *dir, int depth)
{
	struct dirent *e;
	DIR *d = opendir(dir);
	int r = 0;

	if (!d)
		return errno == ENOENT ? 0 : -errno;
	while (!r && (e = readdir(d))) {
		char path[PATH_MAX];
		struct stat st;

		if (e->d_name[0] == '.' && (!e->d_name[1] || (e->d_name[1] == '.' && !e->d_name[2])))
			continue;
		snprintf(path, sizeof(path), "%s%s%s", dir, dir[strlen(dir) - 1] == '/' ? "" : "/", e->d_name);
		if (fstatat(dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW))
			continue;
		if (S_ISDIR(st.st_mode) && depth < 4)
			r = scan_dir(ps, path, depth + 1);
		else if (S_ISREG(st.st_mode) && !file_for(ps, &st, path))
			r = -ENOMEM;
	}
	closedir(d);
	return r;
}

struct scan_ctx {
	struct pshm *ps;
	const struct pid_cg *p;
};

static int visit_file(void *ctx, const struct proc_file *pf)
{
	struct scan_ctx *c = ctx;

	return note(c->ps, c->p, pf->name, pf->target);
}

int pshm_scan(struct pshm *ps, const char *dir, const struct pid_cg *pids, size_t n)
{
	size_t i;
	int r;

	memset(ps, 0, sizeof(*ps));
	r = scan_dir(ps, dir, 0);
	for (i = 0; i < n && !r; i++) {
		struct scan_ctx c = { ps, &pids[i] };

		r = proc_files_each((pid_t)pids[i].pid, visit_file, &c);
	}
	return r;
}

void pshm_free(struct pshm *ps)
{
	size_t i;

	for (i = 0; i < ps->n; i++) {
		free(ps->v[i].path);
		free(ps->v[i].users);
	}
	free(ps->v);
	memset(ps, 0, sizeof(*ps));
}
