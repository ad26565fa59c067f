// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <string.h>
#include <sys/sysmacros.h>

#include "sys/files.h"
#include "harness.h"

static const char mountinfo[] =
	"21 1 254:0 / / rw,relatime - ext4 /dev/vda rw\n"
	"30 21 254:0 /srv/models /models rw - ext4 /dev/vda rw\n"
	"31 21 8:1 / /mnt/with\\040space rw - ext4 /dev/sda1 rw\n"
	"32 21 8:2 /deep /data rw - xfs /dev/sda2 rw\n"
	"broken line\n";

UNIT_TEST(files_paths_through_mounts)
{
	struct file_ref r = { .dev = makedev(254, 0), .ino = 1, .name = "/var/tmp/x", .complete = true };
	struct mounts m;
	char buf[512];
	bool ok = false;

	if (!ASSERT(!mounts_parse(&m, mountinfo) && m.n == 4, "%zu mounts", m.n))
		return false;
	if (!ASSERT(file_path(&m, &r, buf, sizeof(buf)), "root mount") || !ASSERT_STR(buf, "/var/tmp/x"))
		goto out;
	r.dev = makedev(8, 1);
	r.name = "/f";
	if (!ASSERT(file_path(&m, &r, buf, sizeof(buf)), "escaped") || !ASSERT_STR(buf, "/mnt/with space/f"))
		goto out;
	/* Only part of this filesystem is mounted: the name must lie inside it. */
	r.dev = makedev(8, 2);
	r.name = "/deep/z";
	if (!ASSERT(file_path(&m, &r, buf, sizeof(buf)), "bind") || !ASSERT_STR(buf, "/data/z"))
		goto out;
	r.name = "/deeper/z";
	if (!ASSERT(!file_path(&m, &r, buf, sizeof(buf)), "outside the bind") ||
	    !ASSERT_STR(buf, "[dev 8:2] /deeper/z"))
		goto out;
	r.complete = false;
	r.name = "/a/b";
	r.dev = makedev(254, 0);
	if (!ASSERT(!file_path(&m, &r, buf, sizeof(buf)), "incomplete") || !ASSERT(strstr(buf, "\u2026/a/b"), "%s", buf))
		goto out;
	r.name = NULL;
	r.magic = 0x62646576;
	r.rdev = makedev(254, 0);
	if (!ASSERT(!file_path(&m, &r, buf, sizeof(buf)), "bdev") ||
	    !ASSERT_STR(buf, "[filesystem metadata on block device 254:0]"))
		goto out;
	r.magic = 0;
	r.ino = 99;
	ok = ASSERT(!file_path(&m, &r, buf, sizeof(buf)), "nameless") && ASSERT_STR(buf, "[dev 254:0 ino 99]");
out:
	mounts_free(&m);
	return ok;
}

UNIT_TEST(files_kernel_dev_encoding)
{
	return ASSERT(kdev_to_dev(254u << 20 | 3) == makedev(254, 3), "major/minor") &&
	       ASSERT(kdev_to_dev(0x12345) == makedev(0, 0x12345), "big minor");
}

UNIT_TEST(files_cached_bytes_checks_identity)
{
	return ASSERT(file_cached_bytes("/proc/self/status", makedev(0, 0), 1) == -1, "wrong identity") &&
	       ASSERT(file_cached_bytes("/nonexistent", makedev(0, 0), 1) == -1, "missing");
}
