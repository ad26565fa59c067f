/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Naming the files the probes saw: the probe records the dentry names up to
 * the filesystem's root, and this turns (device, name) into a path through
 * the mount table, finds a file moved or named in part by its handle, and,
 * failing those, by what its readers have open or mapped. It also asks the
 * kernel how much of a file is cached now.
 */
#ifndef MEMPROBE_FILES_H
#define MEMPROBE_FILES_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>
#include <linux/types.h>

struct mount_entry {
	dev_t dev;
	char *root;		/* the part of the filesystem mounted here */
	char *point;
};

struct mounts {
	struct mount_entry *v;
	size_t n, cap;
};

/* Converts the kernel's internal dev_t (major << 20 | minor), as the probes see it. */
dev_t kdev_to_dev(__u32 kdev);

int mounts_load(struct mounts *m, const char *mountinfo);
int mounts_parse(struct mounts *m, const char *text);
void mounts_free(struct mounts *m);

/* A file as the probe saw it. */
struct file_ref {
	dev_t dev;
	__u64 ino;
	__u32 gen;		/* the inode's generation, 0 where the filesystem keeps none */
	bool deleted;		/* the probe saw its last link go */
	const char *name;	/* within its filesystem, or NULL */
	bool complete;		/* name reaches the filesystem's root */
	__u64 magic;		/* its filesystem's magic */
	dev_t rdev;		/* for a block device's own inode: that device */
};

/*
 * The path of the file through the mount table. Returns false, with a
 * bracketed description in buf ("[dev M:N] name", "[dev M:N ino I]",
 * "[filesystem metadata on block device M:N]"), when no mount shows it.
 */
bool file_path(const struct mounts *m, const struct file_ref *f, char *buf, size_t len);

/* Bytes of the file at path in the page cache now, if path is still that (dev, ino); -1 if unknown. */
__s64 file_cached_bytes(const char *path, dev_t dev, __u64 ino);

/* What is known of a file now, when it could be opened. */
struct file_now {
	__s64 cached_bytes;	/* its bytes in the page cache, -1 unknown */
	__u32 links;		/* its hard links, 0 unknown: with more than one, the
				 * probe's name is the one looked up last, not the
				 * one the reader used (the page cache keeps no such
				 * thing) */
};

/*
 * The file the probe saw, found again now: its path as it is called now
 * (a file renamed in its directory, as log rotation does, by its new
 * name; on ext4 found by its handle wherever it went), "PATH (deleted)"
 * for one whose last link is gone, and what is known of it now. A new
 * file on a reused inode is not it: the generation tells them apart
 * where the filesystem keeps one. Returns false with a bracketed
 * description in buf when no path names it.
 */
bool file_locate(const struct mounts *m, const struct file_ref *f, char *buf, size_t len, struct file_now *now);

/*
 * The file by the name its users have it open or mapped under: the first of
 * pids' open files and mappings that is the probe's file. Where the probe's
 * own name falls short (deeper than its walk, off ext4) or is one of
 * several (hard links), the name the service itself used, with what is
 * known of the file now. Returns false, buf and now untouched, when none
 * of them has it now.
 */
bool file_named_by_users(const pid_t *pids, size_t n, const struct file_ref *f, char *buf, size_t len,
			 struct file_now *now);

#endif /* MEMPROBE_FILES_H */
