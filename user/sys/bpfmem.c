// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sys/bpfmem.h"
#include "sys/util.h"

/* Ids of the maps already counted: a process holds a few dozen. */
#define BPFMEM_MAX_MAPS	256

static bool field(const char *text, const char *key, __u64 *out)
{
	size_t n = strlen(key);
	const char *p;
	char *end;

	for (p = text; p && *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL)
		if (!strncmp(p, key, n)) {
			*out = strtoull(p + n, &end, 10);
			return end != p + n;
		}
	return false;
}

bool bpfmem_parse(const char *text, __u32 *map_id, __u64 *memlock)
{
	__u64 id;

	/* A program's fdinfo has memlock too; only a map's has map_id. */
	if (!field(text, "map_id:", &id) || !field(text, "memlock:", memlock))
		return false;
	*map_id = (__u32)id;
	return true;
}

__u64 bpfmem_of_fd(int fd)
{
	char path[64], text[1024];
	__u64 memlock;
	__u32 id;

	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
	if (read_text(path, text, sizeof(text)) <= 0 || !bpfmem_parse(text, &id, &memlock))
		return 0;
	return memlock;
}

int bpfmem_read(pid_t pid, struct bpfmem *out)
{
	__u32 seen[BPFMEM_MAX_MAPS];
	char dir[64], path[64 + 256], text[1024];
	unsigned int i, n_seen = 0;
	struct dirent *e;
	DIR *d;

	memset(out, 0, sizeof(*out));
	if (pid)
		snprintf(dir, sizeof(dir), "/proc/%d/fdinfo", (int)pid);
	else
		snprintf(dir, sizeof(dir), "/proc/self/fdinfo");
	d = opendir(dir);
	if (!d)
		return -errno;
	while ((e = readdir(d))) {
		__u64 memlock;
		__u32 id;

		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		if (read_text(path, text, sizeof(text)) <= 0 || !bpfmem_parse(text, &id, &memlock))
			continue;
		for (i = 0; i < n_seen && seen[i] != id; i++)
			;
		if (i < n_seen)
			continue;
		if (n_seen < BPFMEM_MAX_MAPS)
			seen[n_seen++] = id;
		out->maps++;
		out->bytes += memlock;
	}
	closedir(d);
	return 0;
}
