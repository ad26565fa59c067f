// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fakefs.h"

bool fakefs_init(struct fakefs *f)
{
	snprintf(f->base, sizeof(f->base), "/tmp/memprobe-unit-XXXXXX");
	return mkdtemp(f->base) != NULL;
}

const char *fakefs_path(const struct fakefs *f, const char *rel, char *buf, unsigned long len)
{
	snprintf(buf, len, "%s/%s", f->base, rel);
	return buf;
}

bool fakefs_mkdir(const struct fakefs *f, const char *rel)
{
	char path[1024], *p;

	fakefs_path(f, rel, path, sizeof(path));
	for (p = path + strlen(f->base) + 1; (p = strchr(p, '/')); p++) {
		*p = '\0';
		mkdir(path, 0755);
		*p = '/';
	}
	return !mkdir(path, 0755) || errno == EEXIST;
}

bool fakefs_write(const struct fakefs *f, const char *rel, const char *text)
{
	char path[1024];
	FILE *fp;

	fp = fopen(fakefs_path(f, rel, path, sizeof(path)), "w");
	if (!fp)
		return false;
	fputs(text, fp);
	return !fclose(fp);
}

void fakefs_cleanup(struct fakefs *f)
{
	char cmd[400];

	if (!f->base[0] || strncmp(f->base, "/tmp/memprobe-unit-", 19))
		return;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->base);
	if (system(cmd)) {
		/* nothing more to do */
	}
	f->base[0] = '\0';
}
