// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "sys/util.h"

ssize_t read_text(const char *path, char *buf, size_t len)
{
	size_t have = 0;
	int fd, err;

	if (!len)
		return -EINVAL;
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return -errno;
	while (have < len - 1) {
		ssize_t n = read(fd, buf + have, len - 1 - have);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			err = -errno;
			close(fd);
			return err;
		}
		if (n == 0)
			break;
		have += n;
	}
	buf[have] = '\0';
	close(fd);
	return (ssize_t)have;
}

int write_text(const char *path, const char *s)
{
	size_t len = strlen(s);
	ssize_t n;
	int fd, err = 0;

	fd = open(path, O_WRONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return -errno;
	n = write(fd, s, len);
	if (n < 0)
		err = -errno;
	else if ((size_t)n != len)
		err = -EIO;
	close(fd);
	return err;
}

static double clock_s(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

double now_realtime(void)
{
	return clock_s(CLOCK_REALTIME);
}

double now_monotonic(void)
{
	return clock_s(CLOCK_MONOTONIC);
}

double now_boottime(void)
{
	return clock_s(CLOCK_BOOTTIME);
}

const char *path_base(const char *path)
{
	const char *slash = strrchr(path, '/');

	return slash ? slash + 1 : path;
}

size_t ids_lower_bound(const __u64 *v, size_t n, __u64 id)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (v[mid] < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

bool ids_have(const __u64 *v, size_t n, __u64 id)
{
	size_t i = ids_lower_bound(v, n, id);

	return i < n && v[i] == id;
}

static int cmp_id(const void *a, const void *b)
{
	__u64 x = *(const __u64 *)a, y = *(const __u64 *)b;

	return x < y ? -1 : x > y;
}

void ids_sort(__u64 *v, size_t n)
{
	if (n > 1)
		qsort(v, n, sizeof(*v), cmp_id);
}
