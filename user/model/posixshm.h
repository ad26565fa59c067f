/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * POSIX shared memory: the files under /dev/shm that the watched processes
 * have open or mapped (shm_open(3) and friends), deleted ones included,
 * and their size in memory. Read at the start and the end of a run.
 */
#ifndef MEMPROBE_POSIXSHM_H
#define MEMPROBE_POSIXSHM_H

#include <stddef.h>
#include <sys/types.h>
#include <linux/types.h>

#include "sys/cgroup.h"

struct pshm_user {
	__u32 pid;
	__u64 cgid;
	char comm[16];
};

struct pshm_file {
	char *path;
	dev_t dev;
	ino_t ino;
	__u64 size;			/* st_size */
	__u64 memory;			/* allocated blocks: what it takes from memory */
	struct pshm_user *users;
	size_t n_users, cap_users;
};

struct pshm {
	struct pshm_file *v;
	size_t n, cap;
};

int pshm_scan(struct pshm *ps, const struct pid_cg *pids, size_t n);
void pshm_free(struct pshm *ps);

#endif /* MEMPROBE_POSIXSHM_H */
