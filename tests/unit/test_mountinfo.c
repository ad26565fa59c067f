// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* sys/mountinfo.c: the one reader of the mount table. */
#include <stdio.h>
#include <string.h>

#include "harness.h"
#include "sys/mountinfo.h"

struct seen {
	unsigned int n;
	char point[3][128];
	char root[3][128];
	char fstype[3][32];
	char super[3][64];
	unsigned int major[3], minor[3];
};

static int visit(void *ctx, const struct mountinfo_entry *e)
{
	struct seen *s = ctx;

	if (s->n < 3) {
		snprintf(s->point[s->n], sizeof(s->point[0]), "%s", e->point);
		snprintf(s->root[s->n], sizeof(s->root[0]), "%s", e->root);
		snprintf(s->fstype[s->n], sizeof(s->fstype[0]), "%s", e->fstype);
		snprintf(s->super[s->n], sizeof(s->super[0]), "%s", e->super_options);
		s->major[s->n] = e->major;
		s->minor[s->n] = e->minor;
	}
	s->n++;
	return 0;
}

static int stop_at_second(void *ctx, const struct mountinfo_entry *e)
{
	(void)e;
	return ++*(int *)ctx == 2 ? 7 : 0;
}

UNIT_TEST(mountinfo_fields_escapes_and_optional_fields)
{
	const char *text =
		"21 1 254:0 / / rw,relatime shared:1 - ext4 /dev/vda rw\n"
		"31 21 8:1 /sub\\134dir /mnt/with\\040space\\011tab rw shared:2 master:3 - xfs /dev/sda1 rw,noquota\n"
		"no dash here at all 1 2 3\n"
		"37 35 0:32 / /sys/fs/cgroup/memory rw - cgroup cgroup rw,memory\n"
		"38 35 x:y / /bad rw - cgroup cgroup rw\n"
		"\n";
	struct seen s = { 0 };
	int calls = 0;

	return ASSERT(!mountinfo_parse(text, visit, &s), "parse") && ASSERT(s.n == 3, "%u lines", s.n) &&
	       ASSERT_STR(s.point[1], "/mnt/with space\ttab") && ASSERT_STR(s.root[1], "/sub\\dir") &&
	       ASSERT(s.major[1] == 8 && s.minor[1] == 1, "dev") && ASSERT_STR(s.fstype[1], "xfs") &&
	       ASSERT_STR(s.super[2], "rw,memory") &&
	       ASSERT(mountinfo_parse(text, stop_at_second, &calls) == 7 && calls == 2, "a callback stops it");
}
