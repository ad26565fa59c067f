/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The one reader of /proc/PID/mountinfo, for the two that need the mount
 * table: finding the cgroup hierarchies (sys/cgroup.c) and turning the
 * files the probes saw into paths (sys/files.c). Fields come unescaped
 * (the kernel writes space, tab, newline and backslash as \ooo).
 */
#ifndef MEMPROBE_MOUNTINFO_H
#define MEMPROBE_MOUNTINFO_H

struct mountinfo_entry {
	unsigned int major, minor;	/* st_dev of the filesystem */
	const char *root;		/* the part of the filesystem mounted here */
	const char *point;		/* the mount point */
	const char *fstype;
	const char *source;
	const char *super_options;	/* per-superblock options: a v1 cgroup's controllers */
};

/* Called for each well-formed line; a nonzero return stops the walk and is returned. */
typedef int (*mountinfo_fn)(void *ctx, const struct mountinfo_entry *e);

/* Walks mountinfo text; malformed lines are skipped. 0, fn's return, or -ENOMEM. */
int mountinfo_parse(const char *text, mountinfo_fn fn, void *ctx);

/* Reads a whole mountinfo file (long on container hosts) into a string the caller frees. */
int mountinfo_read(const char *path, char **text);

#endif /* MEMPROBE_MOUNTINFO_H */
