// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include <linux/capability.h>

#include "sys/caps.h"
#include "sys/ipcns.h"
#include "sys/util.h"

#define TABLE_MAX	(4 << 20)
#define ANSWER_WAIT_MS	2000

struct request {
	__s32 pid;
	__u32 ns;
};

__u32 ipcns_of(pid_t pid)
{
	char path[64];
	struct stat st;

	snprintf(path, sizeof(path), "/proc/%d/ns/ipc", (int)pid);
	return stat(path, &st) ? 0 : (__u32)st.st_ino;
}

static bool write_all(int fd, const void *p, size_t n)
{
	while (n) {
		ssize_t w = write(fd, p, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return false;
		p = (const char *)p + w;
		n -= (size_t)w;
	}
	return true;
}

static bool read_all(int fd, void *p, size_t n, int wait_ms)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };

	while (n) {
		ssize_t r;

		if (wait_ms >= 0 && poll(&pfd, 1, wait_ms) <= 0)
			return false;
		r = read(fd, p, n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return false;
		p = (char *)p + r;
		n -= (size_t)r;
	}
	return true;
}

/* One answer: enter, read, come back. The status is the length, or -errno. */
static __s32 answer(const struct request *q, int home, char *buf)
{
	char path[64];
	struct stat st;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/ns/ipc", q->pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? -ESRCH : -errno;
	/* The pid may have been reused, or moved to another namespace, since it was named. */
	if (fstat(fd, &st) || (__u32)st.st_ino != q->ns) {
		close(fd);
		return -ESRCH;
	}
	if (setns(fd, CLONE_NEWIPC)) {
		n = -errno;
		close(fd);
		return (__s32)n;
	}
	close(fd);
	n = read_text("/proc/sysvipc/shm", buf, TABLE_MAX);
	if (setns(home, CLONE_NEWIPC))
		_exit(1);	/* cannot come back: this reader is done */
	return (__s32)n;
}

static void serve(int fd)
{
	char *buf = malloc(TABLE_MAX);
	int home = open("/proc/self/ns/ipc", O_RDONLY | O_CLOEXEC);
	struct request q;

	if (!buf || home < 0)
		_exit(1);
	while (read_all(fd, &q, sizeof(q), -1)) {
		__s32 n = answer(&q, home, buf);

		if (!write_all(fd, &n, sizeof(n)) || (n > 0 && !write_all(fd, buf, (size_t)n)))
			break;
	}
	_exit(0);
}

int ipcns_reader_start(struct ipcns_reader *r)
{
	int sv[2];

	r->pid = 0;
	r->fd = -1;
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv))
		return -errno;
	r->pid = fork();
	if (r->pid < 0) {
		r->pid = 0;
		close(sv[0]);
		close(sv[1]);
		return -errno;
	}
	if (r->pid == 0) {
		/* Nothing of the agent's: no probes, no output, only its end of the socket. */
		if (dup2(sv[1], 3) < 0)
			_exit(1);
		syscall(SYS_close_range, 4, ~0U, 0);
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		prctl(PR_SET_NAME, "memprobe-ipcns");
		caps_keep(1ULL << CAP_SYS_ADMIN | 1ULL << CAP_SYS_PTRACE);
		prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
		serve(3);
	}
	close(sv[1]);
	r->fd = sv[0];
	return 0;
}

ssize_t ipcns_read(struct ipcns_reader *r, pid_t pid, __u32 ns, char *buf, size_t len)
{
	struct request q = { .pid = pid, .ns = ns };
	__s32 n;

	if (!r->pid || r->fd < 0)
		return -ENOTCONN;
	if (!write_all(r->fd, &q, sizeof(q)) || !read_all(r->fd, &n, sizeof(n), ANSWER_WAIT_MS))
		goto broken;
	if (n <= 0)
		return n;
	/* Longer than the caller's room: read it all, keep what fits. */
	if ((size_t)n >= len) {
		char *tmp = malloc((size_t)n);
		bool ok = tmp && read_all(r->fd, tmp, (size_t)n, ANSWER_WAIT_MS);

		if (ok)
			memcpy(buf, tmp, len - 1);
		free(tmp);
		if (!ok)
			goto broken;
		buf[len - 1] = '\0';
		return (ssize_t)len - 1;
	}
	if (!read_all(r->fd, buf, (size_t)n, ANSWER_WAIT_MS))
		goto broken;
	buf[n] = '\0';
	return n;
broken:
	/* A reader that does not answer in time is stopped, not waited for again. */
	ipcns_reader_stop(r);
	return -EIO;
}

void ipcns_reader_stop(struct ipcns_reader *r)
{
	if (r->fd >= 0)
		close(r->fd);
	r->fd = -1;
	if (r->pid > 0) {
		kill(r->pid, SIGKILL);
		waitpid(r->pid, NULL, 0);
	}
	r->pid = 0;
}
