// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "probe/percpu.h"

static size_t stride(size_t size)
{
	return (size + 7) & ~(size_t)7;
}

int percpu_init(struct percpu *p, size_t max_value)
{
	p->ncpu = libbpf_num_possible_cpus();
	if (p->ncpu <= 0)
		return p->ncpu ? p->ncpu : -EINVAL;
	p->max_value = max_value;
	p->buf = calloc(p->ncpu, stride(max_value));
	p->total = calloc(1, stride(max_value));
	return p->buf && p->total ? 0 : -ENOMEM;
}

void percpu_free(struct percpu *p)
{
	free(p->buf);
	free(p->total);
	p->buf = p->total = NULL;
}

static void sum_cpus(const struct percpu *p, size_t value_size, percpu_sum_fn sum, void *total)
{
	int cpu;

	for (cpu = 0; cpu < p->ncpu; cpu++)
		sum((char *)p->buf + cpu * stride(value_size), total);
}

int percpu_lookup(struct percpu *p, int map_fd, const void *key, size_t value_size, percpu_sum_fn sum,
		  void *total)
{
	if (value_size > p->max_value)
		return -EINVAL;
	if (bpf_map_lookup_elem(map_fd, key, p->buf))
		return -errno;
	sum_cpus(p, value_size, sum, total);
	return 0;
}

int percpu_take(struct percpu *p, int map_fd, const void *key, size_t value_size, percpu_sum_fn sum, void *total)
{
	if (value_size > p->max_value)
		return -EINVAL;
	if (bpf_map_lookup_and_delete_elem(map_fd, key, p->buf)) {
		if (errno == ENOENT)
			return -ENOENT;
		/* Before 5.14 hash maps refuse the one call (EINVAL, ENOTSUPP): two then. */
		if (bpf_map_lookup_elem(map_fd, key, p->buf))
			return -errno;
		if (bpf_map_delete_elem(map_fd, key) && errno != ENOENT)
			return -errno;
	}
	sum_cpus(p, value_size, sum, total);
	return 0;
}

int percpu_take_ids(struct percpu *p, int map_fd, const __u64 *ids, size_t n, size_t value_size, percpu_sum_fn sum,
		    int (*each)(void *ctx, const void *key, const void *total), void *ctx)
{
	size_t i;
	int r;

	for (i = 0; i < n; i++) {
		memset(p->total, 0, value_size);
		r = percpu_take(p, map_fd, &ids[i], value_size, sum, p->total);
		if (r == -ENOENT)
			continue;
		r = r ?: each(ctx, &ids[i], p->total);
		if (r)
			return r;
	}
	return 0;
}

int percpu_fold(struct percpu *p, int map_fd, size_t key_size, size_t value_size, percpu_sum_fn sum,
		int (*each)(void *ctx, const void *key, const void *total), void *ctx)
{
	unsigned char key[PERCPU_KEY_MAX], prev[PERCPU_KEY_MAX];
	bool first = true;
	int r;

	if (key_size > PERCPU_KEY_MAX)
		return -EINVAL;
	while (!bpf_map_get_next_key(map_fd, first ? NULL : prev, key)) {
		memcpy(prev, key, key_size);
		first = false;
		memset(p->total, 0, value_size);
		r = percpu_lookup(p, map_fd, key, value_size, sum, p->total);
		if (r == -ENOENT)
			continue;
		if (r)
			return r;
		r = each(ctx, key, p->total);
		if (r)
			return r;
	}
	return 0;
}

static void sum_u64(const void *cpu_value, void *total)
{
	*(__u64 *)total += *(const __u64 *)cpu_value;
}

int percpu_add_drops(struct percpu *p, int map_fd, __u64 out[MP_DROP_MAX])
{
	__u32 i;
	int r;

	for (i = 0; i < MP_DROP_MAX; i++) {
		__u64 n = 0;

		r = percpu_lookup(p, map_fd, &i, sizeof(n), sum_u64, &n);
		if (r)
			return r;
		out[i] += n;
	}
	return 0;
}
