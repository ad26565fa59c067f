// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sys/spawn.h"

void spawn_init(struct spawn *s)
{
	memset(s, 0, sizeof(*s));
	s->pidfd = s->go_fd = s->err_fd = -1;
}

/*
 * COMMAND starts as if memprobe were not there: every signal at its
 * default and none blocked. A shell starts background jobs with SIGINT and
 * SIGQUIT ignored, and an ignored disposition survives exec: memprobe would
 * pass an interrupt on to a COMMAND that cannot hear it.
 */
static void reset_signals(void)
{
	sigset_t none;
	int sig;

	for (sig = 1; sig < NSIG; sig++)
		if (sig != SIGKILL && sig != SIGSTOP)
			signal(sig, SIG_DFL);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
}

static void child(int go, int err, char *const argv[])
{
	char byte;
	int e;

	reset_signals();
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

int spawn_find(const char *file, char *path, size_t len)
{
	const char *dirs = getenv("PATH");
	struct stat st;
	int r = -ENOENT;

	if (strchr(file, '/')) {
		snprintf(path, len, "%s", file);
		if (stat(path, &st))
			return -errno;
		if (S_ISDIR(st.st_mode))
			return -EISDIR;
		return access(path, X_OK) ? -errno : 0;
	}
	/* execvp's search: an empty PATH entry is the current directory, no PATH is the default. */
	if (!dirs)
		dirs = "/usr/local/bin:/bin:/usr/bin";
	while (dirs) {
		const char *end = strchr(dirs, ':');
		int n = end ? (int)(end - dirs) : (int)strlen(dirs);

		snprintf(path, len, "%.*s%s%s", n, dirs, n ? "/" : "", file);
		dirs = end ? end + 1 : NULL;
		if (stat(path, &st) || S_ISDIR(st.st_mode))
			continue;
		if (!access(path, X_OK))
			return 0;
		r = -EACCES;	/* found, not executable: go on looking, as execvp does */
	}
	return r;
}

int spawn_prepare(struct spawn *s, const struct cg_hier *h, char *const argv[])
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
		child(go[0], er[1], argv);
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
