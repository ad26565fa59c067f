// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <limits.h>
#include <linux/fs.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "sys/array.h"
#include "sys/files.h"
#include "sys/mountinfo.h"
#include "sys/procfiles.h"
#include "sys/util.h"

#ifndef __NR_cachestat
#define __NR_cachestat 451	/* 6.5; the same number on every architecture */
#endif

struct cachestat_range {
	__u64 off;
	__u64 len;
};

struct cachestat {
	__u64 nr_cache;
	__u64 nr_dirty;
	__u64 nr_writeback;
	__u64 nr_evicted;
	__u64 nr_recently_evicted;
};

dev_t kdev_to_dev(__u32 kdev)
{
	return makedev(kdev >> 20, kdev & 0xfffff);
}

static int mount_visit(void *ctx, const struct mountinfo_entry *e)
{
	struct mounts *m = ctx;
	struct mount_entry *me;

	if (ARRAY_GROW(m->v, m->cap, m->n, 32))
		return -ENOMEM;
	me = &m->v[m->n];
	me->dev = makedev(e->major, e->minor);
	me->root = strdup(e->root);
	me->point = strdup(e->point);
	if (!me->root || !me->point) {
		free(me->root);
		free(me->point);
		return -ENOMEM;
	}
	m->n++;
	return 0;
}

int mounts_parse(struct mounts *m, const char *text)
{
	int r;

	memset(m, 0, sizeof(*m));
	r = mountinfo_parse(text, mount_visit, m);
	if (r)
		mounts_free(m);
	return r;
}

int mounts_load(struct mounts *m, const char *mountinfo)
{
	char *text;
	int r;

	r = mountinfo_read(mountinfo, &text);
	if (r)
		return r;
	r = mounts_parse(m, text);
	free(text);
	return r;
}

void mounts_free(struct mounts *m)
{
	size_t i;

	for (i = 0; i < m->n; i++) {
		free(m->v[i].root);
		free(m->v[i].point);
	}
	free(m->v);
	memset(m, 0, sizeof(*m));
}

#define BDEVFS_MAGIC	0x62646576

bool file_path(const struct mounts *m, const struct file_ref *f, char *buf, size_t len)
{
	const struct mount_entry *best = NULL;
	const char *name = f->name;
	dev_t dev = f->dev;
	size_t i, rl = 0;

	if (!name && f->magic == BDEVFS_MAGIC) {
		/* Buffer heads of a filesystem live in its block device's page cache. */
		snprintf(buf, len, "[filesystem metadata on block device %u:%u]", major(f->rdev),
			 minor(f->rdev));
		return false;
	}
	if (name && f->complete) {
		/* Of the mounts showing this filesystem, the one mounting the most of it. */
		for (i = 0; i < m->n; i++) {
			const struct mount_entry *e = &m->v[i];
			size_t l = strcmp(e->root, "/") ? strlen(e->root) : 0;

			if (e->dev != dev || (l && (strncmp(name, e->root, l) || (name[l] && name[l] != '/'))))
				continue;
			if (!best || l < rl) {
				best = e;
				rl = l;
			}
		}
	}
	if (best) {
		const char *rest = name + rl;

		snprintf(buf, len, "%s%s", strcmp(best->point, "/") || !*rest ? best->point : "", rest);
		return true;
	}
	if (name)
		snprintf(buf, len, "[dev %u:%u] %s%s", major(dev), minor(dev), f->complete ? "" : "\u2026", name);
	else
		snprintf(buf, len, "[dev %u:%u ino %llu]", major(dev), minor(dev), (unsigned long long)f->ino);
	return false;
}

static __s64 mincore_bytes(int fd, off_t size)
{
	long page = sysconf(_SC_PAGESIZE);
	size_t pages = ((size_t)size + page - 1) / page, i;
	unsigned char *vec;
	__s64 n = 0;
	void *map;

	if (!size)
		return 0;
	map = mmap(NULL, size, PROT_READ, MAP_SHARED, fd, 0);
	if (map == MAP_FAILED)
		return -1;
	vec = malloc(pages);
	if (vec && !mincore(map, size, vec))
		for (i = 0; i < pages; i++)
			n += vec[i] & 1;
	else
		n = -1;
	free(vec);
	munmap(map, size);
	return n < 0 ? -1 : n * page;
}

__s64 file_cached_bytes(const char *path, dev_t dev, __u64 ino)
{
	struct cachestat_range range = { 0, 0 };
	struct cachestat cs;
	char proc[64];
	struct stat st;
	__s64 n = -1;
	int pfd, fd;

	/* Only ever a regular file, and only the one the probe saw: never follow a link, never block. */
	pfd = open(path, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	if (pfd < 0)
		return -1;
	if (fstat(pfd, &st) || !S_ISREG(st.st_mode) || st.st_dev != dev || st.st_ino != ino) {
		close(pfd);
		return -1;
	}
	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", pfd);
	fd = open(proc, O_RDONLY | O_NONBLOCK | O_NOATIME | O_CLOEXEC);
	if (fd < 0)
		fd = open(proc, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	close(pfd);
	if (fd < 0)
		return -1;
	if (!syscall(__NR_cachestat, fd, &range, &cs, 0))
		n = (__s64)cs.nr_cache * sysconf(_SC_PAGESIZE);
	else if (errno == ENOSYS)
		n = mincore_bytes(fd, st.st_size);	/* before 6.5 */
	close(fd);
	return n;
}

#define EXT4_SUPER_MAGIC	0xEF53
#define FILEID_INO32_GEN	1	/* the kernel's generic handle: inode number and generation */

/* Whether fd is the probe's file: the same inode, and the same generation where the filesystem keeps one. */
static bool same_file(int fd, const struct file_ref *f)
{
	struct stat st;
	unsigned int gen;

	if (fstat(fd, &st) || !S_ISREG(st.st_mode) || st.st_dev != f->dev || st.st_ino != f->ino)
		return false;
	if (!f->gen || ioctl(fd, FS_IOC_GETVERSION, &gen))
		return true;	/* no generation to compare: the inode number is all there is */
	return gen == f->gen;
}

/* The open file now: its bytes in the page cache (cachestat, 6.5; else mincore) and its links. */
static void now_of(int fd, struct file_now *now)
{
	struct cachestat_range range = { 0, 0 };
	struct cachestat cs;
	struct stat st;

	if (fstat(fd, &st))
		return;
	now->links = st.st_nlink;
	if (!syscall(__NR_cachestat, fd, &range, &cs, 0))
		now->cached_bytes = (__s64)cs.nr_cache * sysconf(_SC_PAGESIZE);
	else if (errno == ENOSYS)
		now->cached_bytes = mincore_bytes(fd, st.st_size);
}

/* Opens path only if it is the probe's file: never follows a link, never blocks. */
static int open_if_same(const char *path, const struct file_ref *f)
{
	char proc[64];
	int pfd, fd;

	pfd = open(path, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	if (pfd < 0)
		return -1;
	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", pfd);
	fd = open(proc, O_RDONLY | O_NONBLOCK | O_NOATIME | O_CLOEXEC);
	if (fd < 0)
		fd = open(proc, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	close(pfd);
	if (fd >= 0 && !same_file(fd, f)) {
		close(fd);
		fd = -1;
	}
	return fd;
}

/* Renamed within its directory (log rotation): the entry there with its inode number. */
static int find_in_dir(const char *path, const struct file_ref *f, char *out, size_t len)
{
	char dir[PATH_MAX];
	struct dirent *e;
	char *slash;
	DIR *d;
	int fd = -1;

	snprintf(dir, sizeof(dir), "%s", path);
	slash = strrchr(dir, '/');
	if (!slash)
		return -1;
	*slash = '\0';
	d = opendir(*dir ? dir : "/");
	if (!d)
		return -1;
	while (fd < 0 && (e = readdir(d))) {
		size_t dl = strlen(dir), nl = strlen(e->d_name);

		if (e->d_ino != f->ino || dl + nl + 2 > len)
			continue;
		memcpy(out, dir, dl);
		out[dl] = '/';
		memcpy(out + dl + 1, e->d_name, nl + 1);
		fd = open_if_same(out, f);
	}
	closedir(d);
	return fd;
}

/* Whether path ends with the probe's name, whole components: "/a/b/c" ends with "/b/c". */
static bool ends_with_name(const char *path, const char *name)
{
	size_t pl = strlen(path), nl = strlen(name);

	return nl && nl <= pl && !strcmp(path + pl - nl, name);
}

/*
 * Moved anywhere on an ext4 filesystem, or named only in part: open it by
 * its handle through a mount of it, and ask its path. ext4 answers ESTALE
 * for a handle whose inode has no link left or holds a newer generation:
 * the file is gone. An inode of generation 0 (made by mkfs -d, or a tool
 * that sets it) matches whatever file has its number now: that is taken
 * for the probe's file only where its path ends with the name the probe
 * saw.
 */
static int find_by_handle(const struct mounts *m, const struct file_ref *f, char *out, size_t len)
{
	struct {
		struct file_handle h;
		__u32 ino, gen;
	} fh = { .h = { .handle_bytes = 8, .handle_type = FILEID_INO32_GEN } };
	char proc[64];
	ssize_t n;
	size_t i;
	int mfd = -1, fd = -1;

	if (f->magic != EXT4_SUPER_MAGIC || (!f->gen && !f->name) || f->ino > 0xffffffffULL)
		return -1;
	fh.ino = (__u32)f->ino;
	fh.gen = f->gen;
	for (i = 0; i < m->n && mfd < 0; i++)
		if (m->v[i].dev == f->dev)
			mfd = open(m->v[i].point, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (mfd < 0)
		return -1;
	fd = open_by_handle_at(mfd, &fh.h, O_RDONLY | O_NONBLOCK | O_NOATIME | O_CLOEXEC);
	if (fd < 0 && errno == EPERM)
		fd = open_by_handle_at(mfd, &fh.h, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		fd = errno == ESTALE ? -ESTALE : -1;
	close(mfd);
	if (fd < 0)
		return fd;
	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
	n = readlink(proc, out, len - 1);
	if (n > 0)
		out[n] = '\0';
	if (n <= 0 || !same_file(fd, f) || (!f->gen && !ends_with_name(out, f->name))) {
		close(fd);
		return -1;
	}
	return fd;
}

bool file_locate(const struct mounts *m, const struct file_ref *f, char *buf, size_t len, struct file_now *now)
{
	char found[PATH_MAX] = "";
	bool gone = f->deleted;
	int fd;

	now->cached_bytes = -1;
	now->links = 0;
	if (!file_path(m, f, buf, len)) {
		/* Named in part or not at all (a deep path, a full name map): ext4 still knows where it is. */
		fd = f->deleted || f->magic == BDEVFS_MAGIC ? -1 : find_by_handle(m, f, found, sizeof(found));
		if (fd < 0 || found[0] != '/') {
			if (fd >= 0)
				close(fd);
			if (f->deleted || fd == -ESTALE)
				snprintf(buf + strlen(buf), len - strlen(buf), " (deleted)");
			return false;
		}
		snprintf(buf, len, "%s", found);
		now_of(fd, now);
		close(fd);
		return true;
	}
	fd = open_if_same(buf, f);
	if (fd < 0 && !f->deleted)
		fd = find_in_dir(buf, f, found, sizeof(found));
	if (fd < 0 && !f->deleted) {
		fd = find_by_handle(m, f, found, sizeof(found));
		gone = fd == -ESTALE;
	}
	if (fd >= 0) {
		if (found[0] == '/')
			snprintf(buf, len, "%s", found);
		now_of(fd, now);
		close(fd);
		return true;
	}
	/* Not there as it was named, not found elsewhere: say what is known of it. */
	if (gone || access(buf, F_OK))
		snprintf(buf + strlen(buf), len - strlen(buf), " (%s)", gone ? "deleted" : "deleted or moved");
	else
		snprintf(buf + strlen(buf), len - strlen(buf), " (another file now: this one was renamed or deleted)");
	return true;
}

/* A user's name for the file. */
struct user_name {
	const struct file_ref *f;
	char *buf;
	size_t len;
	struct file_now *now;
};

/* path names the probe's file: copied, with what is known of it now. The link's " (deleted)" is no name. */
static bool take_if_same(const char *path, struct user_name *u)
{
	int fd;

	if (path[0] != '/' || strstr(path, " (deleted)"))
		return false;
	fd = open_if_same(path, u->f);
	if (fd < 0)
		return false;
	snprintf(u->buf, u->len, "%s", path);
	u->now->cached_bytes = -1;
	u->now->links = 0;
	now_of(fd, u->now);
	close(fd);
	return true;
}

/*
 * Whether pf is the file: a mapping says its inode itself; an open file's
 * is asked from the attributes the kernel has (a network filesystem's
 * server is not asked). Its name is taken only for a match.
 */
static int visit_user_file(void *ctx, const struct proc_file *pf)
{
	struct user_name *u = ctx;
	struct statx st;

	if (pf->mapped) {
		if (pf->dev != u->f->dev || pf->ino != u->f->ino)
			return 0;
	} else if (statx(AT_FDCWD, pf->target, AT_STATX_DONT_SYNC, STATX_INO, &st) ||
		   makedev(st.stx_dev_major, st.stx_dev_minor) != u->f->dev || st.stx_ino != u->f->ino) {
		return 0;
	}
	return take_if_same(pf->name, u);
}

bool file_named_by_users(const pid_t *pids, size_t n, const struct file_ref *f, char *buf, size_t len,
			 struct file_now *now)
{
	struct user_name u = { .f = f, .buf = buf, .len = len, .now = now };
	size_t i;

	if (f->deleted)
		return false;
	for (i = 0; i < n; i++)
		if (proc_files_each(pids[i], visit_user_file, &u))
			return true;
	return false;
}
