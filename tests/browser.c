// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "browser.h"

static double mono(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

int tool_run(const char *const argv[], const char *out_path, int timeout_s)
{
	double end = mono() + timeout_s;
	int status, code = -1;
	pid_t pid;

	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		int out = open(out_path ? out_path : "/dev/null", O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
		int null = open("/dev/null", O_RDWR | O_CLOEXEC);

		/* A group of its own: Chromium's helpers go with it. */
		setpgid(0, 0);
		if (out < 0 || null < 0)
			_exit(126);
		dup2(null, 0);
		dup2(out, 1);
		dup2(null, 2);
		execv(argv[0], (char *const *)argv);
		_exit(127);
	}
	setpgid(pid, pid);
	while (mono() < end) {
		pid_t w = waitpid(pid, &status, WNOHANG);

		if (w == pid) {
			code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
			break;
		}
		usleep(20000);
	}
	if (code < 0) {
		fprintf(stderr, "    %s did not finish within %ds; stopping it\n", argv[0], timeout_s);
		kill(-pid, SIGKILL);
		waitpid(pid, NULL, 0);
	}
	/* Helpers the browser left behind are in its group, which is ours to end. */
	kill(-pid, SIGKILL);
	return code;
}

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st, (void)flag, (void)ftw;
	remove(path);
	return 0;
}

static int chromium(const char *html_path, const char *what, const char *out_path, const char *size)
{
	char profile[] = "/tmp/memprobe-test-chromium-XXXXXX", dir[4200], url[4200];
	int code;

	if (!mkdtemp(profile))
		return -1;
	snprintf(dir, sizeof(dir), "--user-data-dir=%s", profile);
	snprintf(url, sizeof(url), "file://%s", html_path);
	{
		const char *argv[] = { CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
				       "--no-first-run", "--disable-background-networking", "--disable-component-update",
				       "--disable-sync", "--hide-scrollbars", dir, size, what, url, NULL };

		code = tool_run(argv, out_path, 90);
	}
	nftw(profile, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
	return code == 0 ? 0 : -1;
}

int chromium_dump_dom(const char *html_path, const char *dom_path)
{
	return chromium(html_path, "--dump-dom", dom_path, "--window-size=1200,1600");
}

int chromium_screenshot(const char *html_path, const char *png_path, int width, int height)
{
	char shot[4200], size[64];

	snprintf(shot, sizeof(shot), "--screenshot=%s", png_path);
	snprintf(size, sizeof(size), "--window-size=%d,%d", width, height);
	return chromium(html_path, shot, NULL, size);
}

char *file_slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "re");
	char *p = NULL;
	size_t cap = 0, n = 0, got;

	if (!f)
		return NULL;
	do {
		if (n + 1 >= cap) {
			char *q = realloc(p, cap = cap ? cap * 2 : 65536);

			if (!q) {
				free(p);
				fclose(f);
				return NULL;
			}
			p = q;
		}
		got = fread(p + n, 1, cap - n - 1, f);
		n += got;
	} while (got);
	fclose(f);
	p[n] = '\0';
	if (len)
		*len = n;
	return p;
}
