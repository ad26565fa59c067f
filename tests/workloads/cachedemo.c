// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The demo `make run` watches: a service-like program that loads a model
 * file and streams a few image files through the page cache, then drops
 * the images, the way a vision service does. Its own files, in its own
 * directory, removed at the end.
 */
#include <signal.h>
#include <time.h>

#include "workload.h"

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static void pause_s(double s)
{
	struct timespec ts = { (time_t)s, (long)((s - (time_t)s) * 1e9) };

	if (!stop)
		nanosleep(&ts, NULL);
}

int main(int argc, char **argv)
{
	unsigned long long total = 256 * WL_MIB, model, frame;
	double seconds = 15;
	char dir[512], path[4][600];
	const char *names[4] = { "model.bin", "frames-000.raw", "frames-001.raw", "frames-002.raw" };
	int i, r = 0;

	for (i = 1; i + 1 < argc; i += 2) {
		if (!strcmp(argv[i], "--size"))
			total = wl_parse_size(argv[i + 1]);
		else if (!strcmp(argv[i], "--seconds"))
			seconds = atof(argv[i + 1]);
	}
	if (!total || seconds < 4) {
		fprintf(stderr, "usage: cachedemo [--size BYTES[KMG]] [--seconds N>=4]\n");
		return 2;
	}
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	model = total / 2;
	frame = (total - model) / 3;
	if (wl_make_dir("memprobe-demo", dir, sizeof(dir))) {
		fprintf(stderr, "cachedemo: no disk-backed directory to write to\n");
		return 1;
	}
	fprintf(stderr, "cachedemo: writing %llu MiB of files under %s (written back and evicted)\n",
		total / WL_MIB, dir);
	for (i = 0; i < 4 && !r; i++) {
		snprintf(path[i], sizeof(path[i]), "%s/%s", dir, names[i]);
		r = wl_write_evicted(path[i], i ? frame : model);
	}
	pause_s(1);
	for (i = 0; i < 4 && !r && !stop; i++) {
		fprintf(stderr, "cachedemo: reading %s (%llu MiB)\n", names[i], (i ? frame : model) / WL_MIB);
		if (wl_read(path[i]) < 0)
			r = 1;
		pause_s((seconds - 4) / 6);
	}
	for (i = 1; i < 3 && !r && !stop; i++) {
		fprintf(stderr, "cachedemo: done with %s, dropping it from the cache\n", names[i]);
		wl_evict(path[i]);
		pause_s((seconds - 4) / 6);
	}
	pause_s(2);
	fprintf(stderr, "cachedemo: removing %s\n", dir);
	for (i = 0; i < 4; i++)
		unlink(path[i]);
	rmdir(dir);
	return r ? 1 : 0;
}
