// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Files as a host's real life treats them: a neighbour cgroup that touches
 * tens of thousands of files while only one cgroup is watched, an inode
 * number handed to a new file after the old one was deleted, a log rotated
 * by rename, a file deleted while a process still holds it, a file with two
 * names (hard links). memprobe must list the watched cgroup's files under
 * the names they have now (a hard-linked file once, with its count of
 * names), keep a new file apart from the old one on the same inode, and lay
 * each loss at the door of the cgroup that lost it. Cached bytes are checked against the
 * kernel's own answer for the file (mincore on it, here).
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/fs.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness.h"
#include "it.h"
#include "workload.h"

/* More files than the per-file map below holds: a small map, so that the emulated VM gets through them too. */
#define NEIGHBOUR_FILES	6000
#define MAP_FILES	"4096"
#define TARGET_READ	(50 * WL_MIB)
#define PIECE		(8 * WL_MIB)
#define FRESH		(4 * WL_MIB)
#define SLACK		(1 * WL_MIB)
#define EXT4_SUPER_MAGIC 0xEF53

struct neighbour {
	char dir[512];
	int made;
};

/* One page of page cache in each of n new files, charged to the cgroup the caller runs in. */
static int touch_many(void *arg)
{
	struct neighbour *nb = arg;
	char page[4096], path[600];
	int i, fd;

	memset(page, 'n', sizeof(page));
	for (i = 0; i < NEIGHBOUR_FILES; i++) {
		snprintf(path, sizeof(path), "%s/n%05d", nb->dir, i);
		fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
		if (fd < 0 || write(fd, page, sizeof(page)) != (ssize_t)sizeof(page))
			return 1;
		close(fd);
	}
	return 0;
}

static int read_one(void *arg)
{
	return wl_read(arg) == (long long)TARGET_READ ? 0 : 1;
}

static void remove_neighbour(struct neighbour *nb)
{
	char path[600];
	int i;

	if (!nb->dir[0])
		return;
	for (i = 0; i < NEIGHBOUR_FILES; i++) {
		snprintf(path, sizeof(path), "%s/n%05d", nb->dir, i);
		unlink(path);
	}
	rmdir(nb->dir);
}

/* The entry of a summary's top_files whose path is exactly path, or NULL. */
static const struct jv *listed(const struct jv *summary, const char *path)
{
	const struct jv *files = jv_get(summary, "top_files");
	size_t i;

	for (i = 0; files && i < files->n; i++)
		if (jv_str(&files->items[i], "path") && !strcmp(jv_str(&files->items[i], "path"), path))
			return &files->items[i];
	return NULL;
}

/* A summary's top_files as "path added/removed, ..." in buf, for a failure's message. */
static const char *listing(const struct jv *summary, char *buf, size_t len)
{
	const struct jv *files = jv_get(summary, "top_files");
	size_t i, at = 0;

	at = (size_t)snprintf(buf, len, "(lost %llu) ", (unsigned long long)jv_u64_or(summary, "lost_events"));
	for (i = 0; files && i < files->n && at < len; i++) {
		const struct jv *f = &files->items[i];
		int w = snprintf(buf + at, len - at, "%s%s %llu/%llu", i ? ", " : "", jv_str(f, "path") ?: "?",
				 (unsigned long long)jv_u64_or(f, "added_bytes"),
				 (unsigned long long)jv_u64_or(f, "removed_bytes"));

		if (w < 0)
			break;
		at += (size_t)w;
	}
	return buf;
}

INTEGRATION_TEST(files_of_other_cgroups_do_not_fill_the_maps, 240)
{
	struct tcg watched = { 0 }, other = { 0 };
	struct tchild reader = { .pid = 0, .go = -1 }, toucher = { .pid = 0, .go = -1 };
	struct agent a = { .out = -1 };
	struct neighbour nb = { "" };
	char dir[512] = "", big[600] = "";
	struct jv *sum = NULL;
	const struct jv *f;
	bool ok = false;
	int status;

	if (!ASSERT(!wl_make_dir("memprobe-it", dir, sizeof(dir)) && !wl_make_dir("memprobe-it", nb.dir, sizeof(nb.dir)),
		    "no disk-backed directory"))
		goto out;
	snprintf(big, sizeof(big), "%s/dataset.bin", dir);
	if (!ASSERT(!wl_write_evicted(big, TARGET_READ), "cannot write %s", big) ||
	    !ASSERT(!tcg_create(&watched, "watched") && !tcg_create(&other, "neighbour"), "cannot create cgroups") ||
	    !ASSERT(!tchild_start(&reader, &watched, read_one, big) && !tchild_start(&toucher, &other, touch_many, &nb),
		    "cannot start the children"))
		goto out;
	{
		/* 6,000 files are more than this file map holds: unfiltered, they would fill it. */
		const char *argv[] = { "--json", "--interval", "0.5", "--max-files", MAP_FILES, "--cgroup", watched.rel, NULL };

		if (!ASSERT(!agent_start(&a, argv), "cannot run memprobe") ||
		    !ASSERT(agent_wait_for(&a, "start", 30), "no start record; stderr: %s", agent_stderr(&a)))
			goto out;
	}
	tchild_go(&toucher);
	status = tchild_wait_reading(&toucher, &a, 150);
	if (!ASSERT(status == 0, "the neighbour failed: status %d", status))
		goto out;
	/* The kernel's word that the neighbour really filled its cache with them. */
	if (!ASSERT(tcg_page_cache(&other) >= (uint64_t)NEIGHBOUR_FILES * 4096 * 9 / 10,
		    "the neighbour has only %llu bytes of cache", (unsigned long long)tcg_page_cache(&other)))
		goto out;
	tchild_go(&reader);
	status = tchild_wait_reading(&reader, &a, 60);
	if (!ASSERT(status == 0, "reader failed: status %d", status) ||
	    !ASSERT(agent_finish(&a, SIGINT, 30) == 0, "memprobe failed: %s", agent_stderr(&a)))
		goto out;
	sum = agent_record(&a, "summary", watched.rel);
	if (!ASSERT(sum, "no summary"))
		goto out;
	f = listed(sum, big);
	ok = ASSERT(f, "%s is not in the watched cgroup's top_files", big) &&
	     ASSERT_NEAR(jv_u64_or(f, "added_bytes"), TARGET_READ, 1, 0) &&
	     ASSERT(jv_u64_or(sum, "lost_events") == 0, "the neighbour's %d files are counted as the target's %llu losses",
		    NEIGHBOUR_FILES, (unsigned long long)jv_u64_or(sum, "lost_events")) &&
	     ASSERT(!strstr(agent_stderr(&a), "is full"), "a map filled up: %s", agent_stderr(&a));
out:
	jv_free(sum);
	agent_free(&a);
	tchild_kill(&reader);
	tchild_kill(&toucher);
	tcg_remove(&watched);
	tcg_remove(&other);
	if (big[0])
		unlink(big);
	if (dir[0])
		rmdir(dir);
	remove_neighbour(&nb);
	return ok;
}

/* Whether mark is there (or, gone, no longer there). */
static bool reached(const char *mark, bool gone)
{
	return (access(mark, F_OK) == 0) != gone;
}

/*
 * Runs fn(arg) in a new cgroup under memprobe until the child has made
 * mark exist (or, gone, disappear) and holds still; false, said, if it
 * does not get there.
 */
static bool watch_child(struct agent *a, struct tcg *cg, const char *name, struct tchild *child,
			int (*fn)(void *), void *arg, const char *mark, bool gone)
{
	const char *argv[] = { "--json", "--interval", "0.5", "--cgroup", NULL, NULL };
	int i;

	if (!ASSERT(!tcg_create(cg, name), "cgroup") || !ASSERT(!tchild_start(child, cg, fn, arg), "child"))
		return false;
	argv[4] = cg->rel;
	if (!ASSERT(!agent_start(a, argv), "cannot run memprobe") ||
	    !ASSERT(agent_wait_for(a, "start", 30), "no start record; stderr: %s", agent_stderr(a)))
		return false;
	tchild_go(child);
	for (i = 0; i < 120 && !reached(mark, gone) && !waitpid(child->pid, NULL, WNOHANG); i++)
		agent_wait_for(a, "never", 1);
	if (!ASSERT(reached(mark, gone) && !kill(child->pid, 0), "the child did not get through its files"))
		return false;
	agent_wait_for(a, "never", 1);
	return true;
}

/* Stops memprobe and returns its summary of cg, or NULL, said. */
static struct jv *summary_of(struct agent *a, const struct tcg *cg)
{
	struct jv *sum;

	if (!ASSERT(agent_finish(a, SIGINT, 30) == 0, "memprobe failed: %s", agent_stderr(a)))
		return NULL;
	sum = agent_record(a, "summary", cg->rel);
	ASSERT(sum, "no summary");
	return sum;
}

struct lives {
	char dir[512];
	char old[600], fresh[600];	/* deleted; then a new file on its inode */
	char log[600], rotated[600];	/* app.log renamed app.log.1, a new app.log */
	char held[600];			/* deleted while a process holds it open */
	char linked[600], alias[600];	/* one file, two names; read by the first */
	ino_t old_ino;
};

/* A new file on the inode old had: create empty files until one gets it (ext4 hands out the lowest free). */
static int take_inode(struct lives *l)
{
	char spare[640];
	struct stat st;
	int i, n = 0, fd, found = -1;

	for (i = 0; i < 4096 && found < 0; i++, n++) {
		snprintf(spare, sizeof(spare), "%s/spare%04d", l->dir, i);
		fd = open(spare, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
		if (fd < 0 || fstat(fd, &st))
			return -1;
		close(fd);
		if (st.st_ino == l->old_ino)
			found = i;
	}
	for (i = 0; i < n; i++) {
		snprintf(spare, sizeof(spare), "%s/spare%04d", l->dir, i);
		if (i == found) {
			if (rename(spare, l->fresh))
				return -1;
		} else {
			unlink(spare);
		}
	}
	return found < 0 ? -1 : 0;
}

static int live_files(void *arg)
{
	struct lives *l = arg;
	char *buf;
	int fd;

	/* A file read, deleted, and its inode given to a new file written here. */
	if (wl_read(l->old) != (long long)PIECE || unlink(l->old) || take_inode(l))
		return 1;
	buf = malloc(FRESH);
	if (!buf)
		return 2;
	memset(buf, 'f', FRESH);
	fd = open(l->fresh, O_WRONLY | O_CLOEXEC);
	if (fd < 0 || write(fd, buf, FRESH) != (ssize_t)FRESH || fsync(fd))
		return 3;
	close(fd);
	/* Log rotation: the cached app.log becomes app.log.1 and a new app.log starts. */
	if (wl_read(l->log) != (long long)PIECE || rename(l->log, l->rotated))
		return 4;
	fd = open(l->log, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0 || write(fd, buf, WL_MIB) != (ssize_t)WL_MIB)
		return 5;
	close(fd);
	free(buf);
	/*
	 * Read by one of its two names, and kept mapped as a model file is
	 * (the probe knows it by the name looked up last: the other).
	 */
	if (wl_read(l->linked) != (long long)PIECE)
		return 8;
	fd = open(l->linked, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || mmap(NULL, PIECE, PROT_READ, MAP_SHARED, fd, 0) == MAP_FAILED)
		return 8;
	close(fd);
	/* Deleted while open: its pages stay cached as long as this process lives. */
	fd = open(l->held, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 6;
	if (wl_read(l->held) != (long long)PIECE || unlink(l->held))
		return 7;
	pause();
	return 0;
}

/* The kernel's count of path's pages in the page cache, in bytes. */
static long long resident(const char *path)
{
	long page = sysconf(_SC_PAGESIZE);
	long long n = 0;
	unsigned char *vec;
	struct stat st;
	void *map;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	size_t i, pages;

	if (fd < 0 || fstat(fd, &st) || !st.st_size)
		return -1;
	pages = (st.st_size + page - 1) / page;
	map = mmap(NULL, st.st_size, PROT_READ, MAP_SHARED, fd, 0);
	vec = malloc(pages);
	close(fd);
	if (map == MAP_FAILED || !vec || mincore(map, st.st_size, vec))
		n = -1;
	for (i = 0; n >= 0 && i < pages; i++)
		n += (vec[i] & 1) ? page : 0;
	if (map != MAP_FAILED)
		munmap(map, st.st_size);
	free(vec);
	return n;
}

static void remove_lives(struct lives *l)
{
	unlink(l->old);
	unlink(l->fresh);
	unlink(l->log);
	unlink(l->rotated);
	unlink(l->held);
	unlink(l->linked);
	unlink(l->alias);
	if (l->dir[0])
		rmdir(l->dir);
}

INTEGRATION_TEST(files_named_as_they_are_now, 180)
{
	struct tchild child = { .pid = 0, .go = -1 };
	struct agent a = { .out = -1 };
	struct lives l = { "" };
	struct tcg cg = { 0 };
	struct jv *sum = NULL;
	const struct jv *fresh, *old, *rotated, *log, *held, *linked, *alias;
	char name[700], files[4096];
	struct stat st;
	long long cached;
	bool ok = false;

	if (!ASSERT(!wl_make_dir("memprobe-it", l.dir, sizeof(l.dir)), "no disk-backed directory"))
		goto out;
	snprintf(l.old, sizeof(l.old), "%s/old.dat", l.dir);
	snprintf(l.fresh, sizeof(l.fresh), "%s/new.dat", l.dir);
	snprintf(l.log, sizeof(l.log), "%s/app.log", l.dir);
	snprintf(l.rotated, sizeof(l.rotated), "%s/app.log.1", l.dir);
	snprintf(l.held, sizeof(l.held), "%s/held.dat", l.dir);
	snprintf(l.linked, sizeof(l.linked), "%s/model.bin", l.dir);
	snprintf(l.alias, sizeof(l.alias), "%s/model-v2.bin", l.dir);
	if (!ASSERT(!wl_write_evicted(l.old, PIECE) && !wl_write_evicted(l.log, PIECE) &&
		    !wl_write_evicted(l.held, PIECE) && !wl_write_evicted(l.linked, PIECE) &&
		    !link(l.linked, l.alias) && !stat(l.old, &st), "cannot write the files"))
		goto out;
	l.old_ino = st.st_ino;
	/* The child is done when held.dat is gone; it stays, holding it. */
	if (!watch_child(&a, &cg, "files", &child, live_files, &l, l.held, true))
		goto out;
	cached = resident(l.rotated);
	if (!ASSERT(!stat(l.linked, &st), "model.bin: %s", strerror(errno)) || !(sum = summary_of(&a, &cg)))
		goto out;
	fresh = listed(sum, l.fresh);
	snprintf(name, sizeof(name), "%s (deleted)", l.old);
	old = listed(sum, name);
	rotated = listed(sum, l.rotated);
	log = listed(sum, l.log);
	snprintf(name, sizeof(name), "%s (deleted)", l.held);
	held = listed(sum, name);
	linked = listed(sum, l.linked);
	alias = listed(sum, l.alias);
	/* A new file on a reused inode is a new file: its own name, its own pages. */
	ok = ASSERT(jv_u64_or(sum, "lost_events") == 0, "lost: %s", listing(sum, files, sizeof(files))) &&
	     ASSERT(fresh && old, "new.dat and the deleted old.dat are not two files; listed: %s",
		    listing(sum, files, sizeof(files))) &&
	     ASSERT_NEAR(jv_u64_or(fresh, "added_bytes"), FRESH, 1, 64 * 1024) &&
	     ASSERT_NEAR(jv_u64_or(old, "added_bytes"), PIECE, 1, 0) &&
	     ASSERT(jv_u64_or(old, "removed_bytes") >= PIECE, "old.dat's pages left with it") &&
	     ASSERT(jv_get(old, "cached_bytes") && jv_get(old, "cached_bytes")->type == J_NULL,
		    "a deleted file has no cached bytes to read") &&
	     /* The rotated log under its new name, cached as the kernel says. */
	     ASSERT(rotated, "app.log.1 is not listed by its new name") &&
	     ASSERT_NEAR(jv_u64_or(rotated, "added_bytes"), PIECE, 1, 0) &&
	     ASSERT(cached >= 0 && jv_get(rotated, "cached_bytes") && jv_get(rotated, "cached_bytes")->type == J_NUM,
		    "app.log.1's cached bytes are unknown") &&
	     ASSERT_NEAR(jv_u64_or(rotated, "cached_bytes"), (uint64_t)cached, 1, 64 * 1024) &&
	     ASSERT(log, "the new app.log is not listed") &&
	     ASSERT_NEAR(jv_u64_or(log, "added_bytes"), WL_MIB, 1, 64 * 1024) &&
	     /* Deleted while held open: still cached, and said to be deleted. */
	     ASSERT(held, "held.dat is not listed as deleted") &&
	     ASSERT_NEAR(jv_u64_or(held, "added_bytes"), PIECE, 1, 0) &&
	     /*
	      * Two names, one file: listed once, by the name its reader has it
	      * mapped under, with the kernel's count of its names.
	      */
	     ASSERT(linked && !alias, "model.bin is not listed once by its reader's name; listed: %s",
		    listing(sum, files, sizeof(files))) &&
	     ASSERT_NEAR(jv_u64_or(linked, "added_bytes"), PIECE, 1, 0) &&
	     ASSERT(jv_u64_or(linked, "links") == (uint64_t)st.st_nlink && st.st_nlink == 2,
		    "links %llu, the kernel's st_nlink %llu", (unsigned long long)jv_u64_or(linked, "links"),
		    (unsigned long long)st.st_nlink) &&
	     ASSERT(jv_u64_or(rotated, "links") == 1, "app.log.1 has one name");
out:
	jv_free(sum);
	agent_free(&a);
	tchild_kill(&child);
	tcg_remove(&cg);
	remove_lives(&l);
	return ok;
}

/*
 * Deeper than the probe's names reach, and moved: a file nine directories
 * down is named by the probe only in part; one moved to another directory
 * is no longer where the probe saw it. On ext4 memprobe finds both by their
 * handle, also for an inode of generation 0 (as mkfs -d makes them), where
 * only a path ending in the probe's name is taken for the file (tried where
 * the filesystem lets a test set it: without metadata checksums).
 */
#define DEEP		"/d1/d2/d3/d4/d5/d6/d7/d8/d9"

struct deep {
	char dir[512];
	char deep[700], zero[700];	/* nine directories down; the second of generation 0 */
	char moved[700], to[700];	/* read, then moved to another directory */
};

static int deep_files(void *arg)
{
	struct deep *d = arg;

	if (wl_read(d->deep) != (long long)PIECE || wl_read(d->zero) != (long long)PIECE ||
	    wl_read(d->moved) != (long long)PIECE || rename(d->moved, d->to))
		return 1;
	pause();
	return 0;
}

static void remove_deep(struct deep *d)
{
	char path[700];
	char *slash;

	unlink(d->deep);
	unlink(d->zero);
	unlink(d->moved);
	unlink(d->to);
	if (!d->dir[0])
		return;
	snprintf(path, sizeof(path), "%s%s", d->dir, DEEP);
	while (strlen(path) > strlen(d->dir)) {
		rmdir(path);
		slash = strrchr(path, '/');
		*slash = '\0';
	}
	rmdir(d->dir);
}

INTEGRATION_TEST(deep_and_moved_files_found_by_handle, 120)
{
	struct tchild child = { .pid = 0, .go = -1 };
	struct agent a = { .out = -1 };
	struct deep d = { "" };
	struct tcg cg = { 0 };
	struct jv *sum = NULL;
	const struct jv *deep, *zero, *to;
	char path[700], files[4096];
	unsigned int gen = 0;
	struct statfs sf;
	long long cached;
	int fd, i;
	bool ok = false;

	if (!ASSERT(!wl_make_dir("memprobe-it", d.dir, sizeof(d.dir)), "no disk-backed directory"))
		goto out;
	if (statfs(d.dir, &sf) || sf.f_type != EXT4_SUPER_MAGIC) {
		remove_deep(&d);
		SKIP("%s is not on ext4: only ext4 opens a file by its handle here", d.dir);
	}
	snprintf(path, sizeof(path), "%s", d.dir);
	for (i = 1; i <= 9; i++) {
		snprintf(path + strlen(path), sizeof(path) - strlen(path), "/d%d", i);
		mkdir(path, 0700);
	}
	snprintf(d.deep, sizeof(d.deep), "%s%s/deep.dat", d.dir, DEEP);
	snprintf(d.zero, sizeof(d.zero), "%s%s/generation-0.dat", d.dir, DEEP);
	snprintf(d.moved, sizeof(d.moved), "%s/d1/moved.dat", d.dir);
	snprintf(d.to, sizeof(d.to), "%s%s/moved.dat", d.dir, "/d1/d2");
	if (!ASSERT(!wl_write_evicted(d.deep, PIECE) && !wl_write_evicted(d.zero, PIECE) &&
		    !wl_write_evicted(d.moved, PIECE), "cannot write the files"))
		goto out;
	fd = open(d.zero, O_RDONLY | O_CLOEXEC);
	if (!ASSERT(fd >= 0, "generation-0.dat: %s", strerror(errno)))
		goto out;
	/* ext4 with metadata checksums (mkfs's default since 1.43) refuses it: they are seeded with it. */
	if (ioctl(fd, FS_IOC_SETVERSION, &gen)) {
		if (!ASSERT(errno == ENOTTY, "cannot set generation 0: %s", strerror(errno))) {
			close(fd);
			goto out;
		}
		test_log(__FILE__, __LINE__, "generation 0 not tried: this ext4 keeps metadata checksums");
	}
	close(fd);
	/* The child is done when moved.dat is in d2. */
	if (!watch_child(&a, &cg, "deep", &child, deep_files, &d, d.to, false))
		goto out;
	cached = resident(d.zero);
	if (!(sum = summary_of(&a, &cg)))
		goto out;
	deep = listed(sum, d.deep);
	zero = listed(sum, d.zero);
	to = listed(sum, d.to);
	ok = ASSERT(deep && zero && to, "not all listed by their whole path now; listed: %s",
		    listing(sum, files, sizeof(files))) &&
	     ASSERT_NEAR(jv_u64_or(deep, "added_bytes"), PIECE, 1, 0) &&
	     ASSERT_NEAR(jv_u64_or(zero, "added_bytes"), PIECE, 1, 0) &&
	     ASSERT_NEAR(jv_u64_or(to, "added_bytes"), PIECE, 1, 0) &&
	     ASSERT(cached >= 0, "generation-0.dat: no mincore") &&
	     ASSERT_NEAR(jv_u64_or(zero, "cached_bytes"), (uint64_t)cached, 1, 64 * 1024);
out:
	jv_free(sum);
	agent_free(&a);
	tchild_kill(&child);
	tcg_remove(&cg);
	remove_deep(&d);
	return ok;
}
