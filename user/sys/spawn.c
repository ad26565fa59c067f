// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sys/spawn.h"

void spawn_init(struct spawn *s)
{
	memset(s, 0, sizeof(*s));
	s->pidfd = s->go_fd = s->err_fd = -1;
}

static void child(int go, int err, char *const argv[], const sigset_t *mask)
{
	char byte;
	int e;

	signal(SIGPIPE, SIG_DFL);
	sigprocmask(SIG_SETMASK, mask, NULL);
	/* EOF without the byte: the agent gave up before the probes were ready. */
	if (read(go, &byte, 1) != 1)
		_exit(127);
	close(go);
	execvp(argv[0], argv);
	e = errno;
	if (write(err, &e, sizeof(e)) < 0)
		_exit(127);
	_exit(e == ENOENT ? 127 : 126);
}

int spawn_prepare(struct spawn *s, const struct cg_hier *h, char *const argv[], const sigset_t *mask)
{
	char name[64];
	int go[2], er[2], r;

	snprintf(name, sizeof(name), "memprobe-run-%d", (int)getpid());
	r = cg_create(h, name, &s->cg);
	if (r)
		return r;
	s->have_cg = true;
	if (pipe2(go, O_CLOEXEC))
		return -errno;
	if (pipe2(er, O_CLOEXEC)) {
		r = -errno;
		close(go[0]);
		close(go[1]);
		return r;
	}
	s->pid = fork();
	if (s->pid < 0) {
		r = -errno;
		s->pid = 0;
		close(go[0]);
		close(go[1]);
		close(er[0]);
		close(er[1]);
		return r;
	}
	if (s->pid == 0)
		child(go[0], er[1], argv, mask);
	close(go[0]);
	close(er[1]);
	s->go_fd = go[1];
	s->err_fd = er[0];
	r = cg_attach(&s->cg, s->pid);
	if (r)
		return r;
	s->pidfd = (int)syscall(SYS_pidfd_open, s->pid, 0);
	return s->pidfd < 0 ? -errno : 0;
}

int spawn_release(struct spawn *s)
{
	ssize_t n;
	int e = 0;

	if (write(s->go_fd, "g", 1) != 1)
		return -errno;
	close(s->go_fd);
	s->go_fd = -1;
	/* The error pipe closes on a successful exec. */
	do
		n = read(s->err_fd, &e, sizeof(e));
	while (n < 0 && errno == EINTR);
	close(s->err_fd);
	s->err_fd = -1;
	return n == sizeof(e) ? -e : 0;
}

int spawn_signal(struct spawn *s, int sig)
{
	if (!s->pid)
		return -ESRCH;
	if (s->pidfd >= 0 && !syscall(SYS_pidfd_send_signal, s->pidfd, sig, NULL, 0))
		return 0;
	return kill(s->pid, sig) ? -errno : 0;
}

int spawn_reap(struct spawn *s)
{
	pid_t r;

	if (!s->pid)
		return 0;
	do
		r = waitpid(s->pid, &s->status, 0);
	while (r < 0 && errno == EINTR);
	if (r < 0)
		return -errno;
	s->pid = 0;
	return 0;
}

int spawn_exit_code(const struct spawn *s)
{
	if (WIFEXITED(s->status))
		return WEXITSTATUS(s->status);
	if (WIFSIGNALED(s->status))
		return 128 + WTERMSIG(s->status);
	return 1;
}

void spawn_cleanup(struct spawn *s)
{
	if (s->go_fd >= 0)
		close(s->go_fd);
	if (s->err_fd >= 0)
		close(s->err_fd);
	if (s->pid) {
		spawn_signal(s, SIGKILL);
		spawn_reap(s);
	}
	if (s->pidfd >= 0)
		close(s->pidfd);
	if (s->have_cg)
		cg_remove(&s->cg);
	s->go_fd = s->err_fd = s->pidfd = -1;
	s->have_cg = false;
}
