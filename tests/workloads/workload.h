/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Building blocks for workloads whose page-cache footprint is known to the
 * byte: files written and evicted by their creator, then read by the
 * workload under watch. Shared by the bundled demo and the tests.
 */
#ifndef MEMPROBE_WORKLOAD_H
#define MEMPROBE_WORKLOAD_H

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#define WL_MIB		(1024ULL * 1024)
#define WL_CHUNK	(1 << 20)

#ifndef TMPFS_MAGIC
#define TMPFS_MAGIC	0x01021994
#endif
#ifndef RAMFS_MAGIC
#define RAMFS_MAGIC	0x858458f6
#endif

/* "256M", "1G", "4096": bytes, or 0 when malformed. */
static inline unsigned long long wl_parse_size(const char *s)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || end == s)
		return 0;
	switch (*end) {
	case 'G': case 'g': v <<= 30; end++; break;
	case 'M': case 'm': v <<= 20; end++; break;
	case 'K': case 'k': v <<= 10; end++; break;
	}
	return *end ? 0 : v;
}

/*
 * A fresh directory on a disk-backed filesystem: tmpfs pages are shmem, not
 * page cache. $MEMPROBE_TEST_DIR wins; then /var/tmp, then the cwd.
 */
static inline int wl_make_dir(const char *prefix, char *out, size_t len)
{
	const char *cands[] = { getenv("MEMPROBE_TEST_DIR"), "/var/tmp", "." };
	size_t i;

	for (i = 0; i < sizeof(cands) / sizeof(cands[0]); i++) {
		struct statfs sf;

		if (!cands[i] || statfs(cands[i], &sf) || sf.f_type == TMPFS_MAGIC || sf.f_type == RAMFS_MAGIC)
			continue;
		snprintf(out, len, "%s/%s-XXXXXX", cands[i], prefix);
		if (mkdtemp(out))
			return 0;
	}
	return -ENOENT;
}

/* Writes size bytes, then makes sure none of them stays in the cache. */
static inline int wl_write_evicted(const char *path, unsigned long long size)
{
	unsigned long long done = 0;
	char *buf = malloc(WL_CHUNK);
	int fd, r = 0;

	if (!buf)
		return -ENOMEM;
	memset(buf, 'm', WL_CHUNK);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0) {
		free(buf);
		return -errno;
	}
	while (done < size) {
		size_t n = size - done < WL_CHUNK ? size - done : WL_CHUNK;
		ssize_t w = write(fd, buf, n);

		if (w <= 0) {
			r = w < 0 ? -errno : -EIO;
			break;
		}
		done += w;
	}
	/* Dirty pages cannot be evicted: write them back first. */
	if (!r && fsync(fd))
		r = -errno;
	if (!r)
		r = -posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
	close(fd);
	free(buf);
	return r;
}

/* Reads a whole file through the page cache; returns bytes read or -errno. */
static inline long long wl_read(const char *path)
{
	char *buf = malloc(WL_CHUNK);
	long long total = 0;
	ssize_t n;
	int fd;

	if (!buf)
		return -ENOMEM;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		free(buf);
		return -errno;
	}
	while ((n = read(fd, buf, WL_CHUNK)) > 0)
		total += n;
	if (n < 0)
		total = -errno;
	close(fd);
	free(buf);
	return total;
}

/* Drops a file's clean pages from the cache. */
static inline int wl_evict(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC), r;

	if (fd < 0)
		return -errno;
	r = -posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
	close(fd);
	return r;
}

#endif /* MEMPROBE_WORKLOAD_H */
