/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * POSIX shared memory: every file under /dev/shm (shm_open(3) and
 * friends), and those the watched processes have open or mapped though
 * deleted, with their size in memory and who uses them. Which cgroup a
 * file's memory belongs to is what its pages were charged to (the shmem
 * probe), not who maps it: the summaries weigh each file by that.
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
	bool deleted;			/* unlinked while a process still has it open or mapped */
	struct pshm_user *users;
	size_t n_users, cap_users;
};

struct pshm {
	struct pshm_file *v;
	size_t n, cap;
};

/* Every file in dir (normally /dev/shm), then the deleted ones the processes in pids still use. */
int pshm_scan(struct pshm *ps, const char *dir, const struct pid_cg *pids, size_t n);
void pshm_free(struct pshm *ps);

#endif /* MEMPROBE_POSIXSHM_H */
