// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * memprobe installed like a system tool: the man page says what --help says
 * and renders cleanly, the release's version is the same everywhere, the
 * bash completion offers what memprobe takes, and the binary starts where
 * the C library is the only library there is.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <link.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness.h"
#include "it.h"
#include "util.h"

/*
 * The C library as this process has it loaded (the loader, libc, libm): the
 * same files a memprobe built by the same toolchain asks for.
 */
struct clib {
	char path[8][256];
	size_t n;
};

static int add_clib(struct dl_phdr_info *info, size_t size, void *arg)
{
	struct clib *c = arg;
	const char *base = strrchr(info->dlpi_name, '/');

	(void)size;
	if (!base || c->n == ARRAY_SIZE(c->path))
		return 0;
	base++;
	if (!strncmp(base, "libc.so.", 8) || !strncmp(base, "libm.so.", 8) || !strncmp(base, "ld-linux", 8))
		snprintf(c->path[c->n++], sizeof(c->path[0]), "%s", info->dlpi_name);
	return 0;
}

/* What the test made in the root, to take away in reverse order (never a recursive delete). */
struct made {
	char path[32][IT_PATH];
	bool dir[32];
	size_t n;
};

static int make_dirs(struct made *m, const char *root, const char *rel)
{
	char path[IT_PATH], *p;

	snprintf(path, sizeof(path), "%s/%s", root, rel);
	for (p = path + strlen(root) + 1; (p = strchr(p, '/')); p++) {
		*p = '\0';
		if (mkdir(path, 0755) == 0 && m->n < ARRAY_SIZE(m->path)) {
			m->dir[m->n] = true;
			snprintf(m->path[m->n++], IT_PATH, "%s", path);
		} else if (errno != EEXIST) {
			return -errno;
		}
		*p = '/';
	}
	return 0;
}

static int copy_in(struct made *m, const char *root, const char *from, const char *rel, mode_t mode)
{
	char to[IT_PATH], buf[65536];
	int in, out, r = 0;
	ssize_t n;

	r = make_dirs(m, root, rel);
	if (r)
		return r;
	snprintf(to, sizeof(to), "%s/%s", root, rel);
	in = open(from, O_RDONLY | O_CLOEXEC);
	if (in < 0)
		return -errno;
	out = open(to, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
	if (out < 0) {
		r = -errno;
		close(in);
		return r;
	}
	if (m->n < ARRAY_SIZE(m->path)) {
		m->dir[m->n] = false;
		snprintf(m->path[m->n++], IT_PATH, "%s", to);
	}
	while ((n = read(in, buf, sizeof(buf))) > 0)
		if (write(out, buf, n) != n) {
			r = -EIO;
			break;
		}
	if (n < 0)
		r = -errno;
	close(in);
	close(out);
	return r;
}

static void unmake(struct made *m)
{
	while (m->n--)
		(m->dir[m->n] ? rmdir : unlink)(m->path[m->n]);
}

/* Runs /memprobe args... chrooted into root, /proc and /sys bound in; stdout and stderr to out. */
static int run_chrooted(const char *root, const char *const argv[], const char *out, int timeout_s)
{
	/* Nothing from this environment: no LD_LIBRARY_PATH to find a library elsewhere. */
	char *const envp[] = { "PATH=/", "LD_BIND_NOW=1", NULL };
	char proc[IT_PATH], sys[IT_PATH];
	int status, fd;
	pid_t pid;

	snprintf(proc, sizeof(proc), "%s/proc", root);
	snprintf(sys, sizeof(sys), "%s/sys", root);
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		fd = open(out, O_WRONLY | O_TRUNC | O_CLOEXEC);
		/* Private first, so that the binds are never seen outside. */
		if (fd < 0 || unshare(CLONE_NEWNS) || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) ||
		    mount("/proc", proc, NULL, MS_BIND | MS_REC, NULL) ||
		    mount("/sys", sys, NULL, MS_BIND | MS_REC, NULL) || chroot(root) || chdir("/"))
			_exit(126);
		dup2(fd, 1);
		dup2(fd, 2);
		alarm(timeout_s);
		execve(argv[0], (char *const *)argv, envp);
		_exit(127);
	}
	if (waitpid(pid, &status, 0) != pid)
		return -1;
	return status;
}

/*
 * libbpf, libelf and zlib are linked in: the binary starts, and watches the
 * machine, in a root that holds nothing but the C library (the test VM's
 * initramfs is another such place: this test runs there too).
 */
INTEGRATION_TEST(runs_with_only_the_c_library, 60)
{
	char root[] = "/tmp/memprobe-test-clib-XXXXXX", out[] = "/tmp/memprobe-test-clib-out-XXXXXX";
	const char *version[] = { "/memprobe", "--version", NULL };
	const char *run[] = { "/memprobe", "--json", "--duration", "1", "--interval", "0.5", NULL };
	char text[65536];
	struct made m = { 0 };
	struct clib c = { 0 };
	bool ok = false;
	size_t i;
	int status, fd = -1;

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_UNDEFINED__)
	SKIP("a sanitized build needs its sanitizers' runtime libraries");
#endif
	dl_iterate_phdr(add_clib, &c);
	if (!ASSERT(c.n >= 2, "found %zu C library files in this process", c.n) || !ASSERT(mkdtemp(root), "mkdtemp"))
		return false;
	fd = mkstemp(out);
	if (!ASSERT(fd >= 0, "mkstemp"))
		goto out;
	for (i = 0; i < c.n; i++)
		if (!ASSERT(!copy_in(&m, root, c.path[i], c.path[i] + 1, 0755), "copy %s", c.path[i]))
			goto out;
	if (!ASSERT(!copy_in(&m, root, build_path("memprobe"), "memprobe", 0755), "copy memprobe") ||
	    !ASSERT(!make_dirs(&m, root, "proc/") && !make_dirs(&m, root, "sys/"), "mkdir proc, sys"))
		goto out;

	/* LD_BIND_NOW: every symbol resolved at start, not just the libraries found. */
	status = run_chrooted(root, version, out, 20);
	read_text(out, text, sizeof(text));
	if (!ASSERT(WIFEXITED(status) && WEXITSTATUS(status) == 0 && !strncmp(text, "memprobe ", 9),
		    "--version with only the C library: status %d: %s", status, text))
		goto out;
	status = run_chrooted(root, run, out, 40);
	read_text(out, text, sizeof(text));
	ok = ASSERT(WIFEXITED(status) && WEXITSTATUS(status) == 0, "a run with only the C library: status %d: %.2000s",
		    status, text) &&
	     ASSERT(strstr(text, "\"type\":\"start\"") && strstr(text, "\"type\":\"summary\""),
		    "no start and summary records: %.2000s", text);
out:
	if (fd >= 0) {
		close(fd);
		unlink(out);
	}
	unmake(&m);
	rmdir(root);
	return ok;
}
