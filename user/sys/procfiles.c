// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <dirent.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "sys/procfiles.h"

static int each_fd(pid_t pid, int (*visit)(void *ctx, const struct proc_file *pf), void *ctx)
{
	char dir[64], fd[320], link[PATH_MAX];
	struct proc_file pf = { .name = link, .target = fd };
	struct dirent *e;
	DIR *d;
	int r = 0;

	snprintf(dir, sizeof(dir), "/proc/%d/fd", pid);
	d = opendir(dir);
	if (!d)
		return 0;	/* gone, or a kernel thread */
	while (!r && (e = readdir(d))) {
		ssize_t n;

		if (e->d_name[0] == '.')
			continue;
		snprintf(fd, sizeof(fd), "%s/%s", dir, e->d_name);
		n = readlink(fd, link, sizeof(link) - 1);
		if (n <= 0)
			continue;
		link[n] = '\0';
		r = visit(ctx, &pf);
	}
	closedir(d);
	return r;
}

/* maps' lines: "start-end perms offset MAJ:MIN inode path"; anonymous ones have no path. */
static int each_mapping(pid_t pid, int (*visit)(void *ctx, const struct proc_file *pf), void *ctx)
{
	char path[64], line[PATH_MAX + 128], target[128];
	struct proc_file pf = { .target = target, .mapped = true };
	int r = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/maps", pid);
	f = fopen(path, "re");
	if (!f)
		return 0;
	while (!r && fgets(line, sizeof(line), f)) {
		unsigned int major, minor;
		unsigned long long ino;
		int at = 0;
		size_t n;

		if (sscanf(line, "%*s %*s %*s %x:%x %llu %n", &major, &minor, &ino, &at) != 3 || !at ||
		    line[at] != '/')
			continue;
		n = strlen(line);
		if (line[n - 1] == '\n')
			line[n - 1] = '\0';
		*strchr(line, ' ') = '\0';
		snprintf(target, sizeof(target), "/proc/%d/map_files/%.64s", pid, line);
		pf.name = line + at;
		pf.dev = makedev(major, minor);
		pf.ino = ino;
		r = visit(ctx, &pf);
	}
	fclose(f);
	return r;
}

int proc_files_each(pid_t pid, int (*visit)(void *ctx, const struct proc_file *pf), void *ctx)
{
	int r = each_fd(pid, visit, ctx);

	return r ? r : each_mapping(pid, visit, ctx);
}
