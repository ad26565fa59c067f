// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

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

/* A file this process has open, then only mapped, is named by its users; another inode is not. */
UNIT_TEST(files_named_by_their_users)
{
	char dir[] = "/tmp/memprobe-unit-XXXXXX", path[64], buf[PATH_MAX];
	struct file_now now = { -1, 0 };
	pid_t self = getpid();
	struct file_ref r = { 0 };
	struct stat st;
	void *map = MAP_FAILED;
	bool ok = false;
	int fd = -1;

	if (!ASSERT(mkdtemp(dir), "mkdtemp"))
		return false;
	snprintf(path, sizeof(path), "%s/model.bin", dir);
	fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (!ASSERT(fd >= 0 && !ftruncate(fd, 4096) && !fstat(fd, &st), "cannot make %s", path))
		goto out;
	r.dev = st.st_dev;
	r.ino = st.st_ino;
	ok = ASSERT(file_named_by_users(&self, 1, &r, buf, sizeof(buf), &now), "open: not found") &&
	     ASSERT_STR(buf, path) && ASSERT(now.links == 1, "links %u", now.links);
	if (!ok)
		goto out;
	map = mmap(NULL, 4096, PROT_READ, MAP_SHARED, fd, 0);
	close(fd);
	fd = -1;
	buf[0] = '\0';
	ok = ASSERT(map != MAP_FAILED, "mmap") &&
	     ASSERT(file_named_by_users(&self, 1, &r, buf, sizeof(buf), &now), "mapped: not found") &&
	     ASSERT_STR(buf, path);
	r.ino++;
	ok = ok && ASSERT(!file_named_by_users(&self, 1, &r, buf, sizeof(buf), &now), "another inode taken for it");
	r.ino--;
	r.deleted = true;
	ok = ok && ASSERT(!file_named_by_users(&self, 1, &r, buf, sizeof(buf), &now), "a deleted file has no name");
out:
	if (map != MAP_FAILED)
		munmap(map, 4096);
	if (fd >= 0)
		close(fd);
	unlink(path);
	rmdir(dir);
	return ok;
}
