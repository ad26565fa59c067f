/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * A process's files as /proc shows them: each open file descriptor and each
 * file mapping, named as the kernel prints them, with a path that reaches
 * the file itself even once it is deleted. The walk both file naming
 * (sys/files.c) and /dev/shm's users (model/posixshm.c) are built on.
 */
#ifndef MEMPROBE_PROCFILES_H
#define MEMPROBE_PROCFILES_H

#include <stdbool.h>
#include <sys/types.h>
#include <linux/types.h>

struct proc_file {
	const char *name;	/* as the process has it: a path, "socket:[N]", "PATH (deleted)" */
	const char *target;	/* /proc/PID/fd/N or /proc/PID/map_files/RANGE: the file itself */
	bool mapped;		/* a mapping: dev and ino are maps' own, no system call needed */
	dev_t dev;
	__u64 ino;
};

/*
 * Calls visit for each of pid's open files, then each of its file
 * mappings, until visit returns non-zero, which it returns. 0 also for a
 * process that is gone (or a kernel thread).
 */
int proc_files_each(pid_t pid, int (*visit)(void *ctx, const struct proc_file *pf), void *ctx);

#endif /* MEMPROBE_PROCFILES_H */
