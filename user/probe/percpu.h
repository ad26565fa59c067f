/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Reading per-CPU maps: one value per possible CPU, each padded to 8 bytes, folded into one. */
#ifndef MEMPROBE_PERCPU_H
#define MEMPROBE_PERCPU_H

#include <stddef.h>
#include <linux/types.h>

#include "memprobe.h"

#define PERCPU_KEY_MAX	64

struct percpu {
	int ncpu;
	void *buf;			/* every CPU's copy of one value */
	void *total;			/* their fold */
	size_t max_value;
};

/* Adds one CPU's copy of a value into the total. */
typedef void (*percpu_sum_fn)(const void *cpu_value, void *total);

/* max_value: the largest value size this reader will be asked for. */
int percpu_init(struct percpu *p, size_t max_value);
void percpu_free(struct percpu *p);

/* Looks key up and calls sum(cpu_value, total) once per CPU; -ENOENT when absent. */
int percpu_lookup(struct percpu *p, int map_fd, const void *key, size_t value_size, percpu_sum_fn sum,
		  void *total);

/*
 * Removes key from a per-CPU hash map and folds what it held at that
 * moment into total, as percpu_lookup; -ENOENT when absent. Counts a
 * program adds between the reading and the removal would be lost: one
 * system call does both where the kernel can (5.14), else the two follow
 * each other at once.
 */
int percpu_take(struct percpu *p, int map_fd, const void *key, size_t value_size, percpu_sum_fn sum, void *total);
/* The same for each of n cgroup ids keying a map: what each entry held goes to each(ctx, id, total); absent ones are skipped. */
int percpu_take_ids(struct percpu *p, int map_fd, const __u64 *ids, size_t n, size_t value_size, percpu_sum_fn sum,
		    int (*each)(void *ctx, const void *key, const void *total), void *ctx);

/*
 * Walks a per-CPU hash map: for each key, its value folded over the CPUs
 * by sum (from zero) is handed to each(ctx, key, total). Keys deleted
 * during the walk are skipped; a nonzero return from each stops it.
 */
int percpu_fold(struct percpu *p, int map_fd, size_t key_size, size_t value_size, percpu_sum_fn sum,
		int (*each)(void *ctx, const void *key, const void *total), void *ctx);

/* Adds a drops map (per-CPU array of MP_DROP_MAX counters) into out. */
int percpu_add_drops(struct percpu *p, int map_fd, __u64 out[MP_DROP_MAX]);

#endif /* MEMPROBE_PERCPU_H */
