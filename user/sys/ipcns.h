/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * SysV segment ids are per IPC namespace, and /proc/sysvipc/shm lists only
 * the reader's namespace. A container's (or a unit with PrivateIPC=) is
 * read by entering it for one read, through a process in it: setns()
 * needs CAP_SYS_ADMIN, which the agent drops once its probes are attached.
 * So a small reader process, forked while the agent still has it, keeps
 * CAP_SYS_ADMIN and CAP_SYS_PTRACE only, and does nothing but this: enter
 * the namespace of the pid it is given, read the table, come back.
 */
#ifndef MEMPROBE_IPCNS_H
#define MEMPROBE_IPCNS_H

#include <stddef.h>
#include <sys/types.h>
#include <linux/types.h>

struct ipcns_reader {
	pid_t pid;		/* 0: none */
	int fd;
};

/* The IPC namespace of a process (its inode), 0 when it cannot be read. */
__u32 ipcns_of(pid_t pid);

/* Forks the reader; call before the capabilities are dropped. */
int ipcns_reader_start(struct ipcns_reader *r);
/*
 * The text of /proc/sysvipc/shm in namespace ns, entered through pid (which
 * must still be in it) into buf; its length, or -errno (-EPERM: no
 * CAP_SYS_ADMIN to enter it, -ESRCH: pid gone or in another namespace).
 */
ssize_t ipcns_read(struct ipcns_reader *r, pid_t pid, __u32 ns, char *buf, size_t len);
void ipcns_reader_stop(struct ipcns_reader *r);

#endif /* MEMPROBE_IPCNS_H */
