/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Reading per-CPU maps: one value per possible CPU, each padded to 8 bytes. */
#ifndef MEMPROBE_PERCPU_H
#define MEMPROBE_PERCPU_H

#include <stddef.h>
#include <linux/types.h>

#include "memprobe.h"

struct percpu {
	int ncpu;
	void *buf;
	size_t max_value;
};

/* max_value: the largest value size this reader will be asked for. */
int percpu_init(struct percpu *p, size_t max_value);
void percpu_free(struct percpu *p);

/* Looks key up and calls sum(cpu_value, total) once per CPU; -ENOENT when absent. */
int percpu_lookup(struct percpu *p, int map_fd, const void *key, size_t value_size,
		  void (*sum)(const void *cpu_value, void *total), void *total);

/* Adds a drops map (per-CPU array of MP_DROP_MAX counters) into out. */
int percpu_add_drops(struct percpu *p, int map_fd, __u64 out[MP_DROP_MAX]);

#endif /* MEMPROBE_PERCPU_H */
