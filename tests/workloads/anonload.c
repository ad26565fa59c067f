// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * anonload: anonymous memory with a known shape over time.
 *   --rate SIZE      allocate and touch this much a second (default 16M)
 *   --seconds N      for this long (default 5)
 *   --fall           then give it all back (munmap) and keep running as long again
 *   --hold N         sleep N seconds before exiting
 *   --initial SIZE   allocate and touch this much at once before the steady part
 *                    (a worker starting from its parent's copy-on-write pages)
 * Memory is mmap'ed in 1 MiB chunks and written, so it is resident anon.
 */
#include <sys/mman.h>
#include <time.h>

#include "workload.h"

#define STEPS_PER_S	10

static void nap(double s)
{
	struct timespec ts = { (time_t)s, (long)((s - (time_t)s) * 1e9) };

	nanosleep(&ts, NULL);
}

int main(int argc, char **argv)
{
	unsigned long long rate = 16 * WL_MIB, initial = 0, chunks, i, n = 0;
	double seconds = 5, hold = 0;
	int fall = 0, a, step, steps;
	void **maps;

	for (a = 1; a < argc; a++) {
		if (!strcmp(argv[a], "--rate") && a + 1 < argc)
			rate = wl_parse_size(argv[++a]);
		else if (!strcmp(argv[a], "--seconds") && a + 1 < argc)
			seconds = atof(argv[++a]);
		else if (!strcmp(argv[a], "--hold") && a + 1 < argc)
			hold = atof(argv[++a]);
		else if (!strcmp(argv[a], "--initial") && a + 1 < argc)
			initial = wl_parse_size(argv[++a]);
		else if (!strcmp(argv[a], "--fall"))
			fall = 1;
		else
			return 2;
	}
	steps = (int)(seconds * STEPS_PER_S);
	chunks = rate / WL_MIB / STEPS_PER_S;
	if (!chunks)
		chunks = 1;
	maps = calloc((size_t)steps * chunks + 1, sizeof(*maps));
	if (!maps)
		return 1;
	if (initial) {
		void *p = mmap(NULL, initial, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

		if (p == MAP_FAILED)
			return 1;
		memset(p, 0x5a, initial);
	}
	for (step = 0; step < steps; step++) {
		for (i = 0; i < chunks; i++) {
			void *p = mmap(NULL, WL_MIB, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

			if (p == MAP_FAILED)
				return 1;
			memset(p, 0x5a, WL_MIB);
			maps[n++] = p;
		}
		nap(1.0 / STEPS_PER_S);
	}
	if (fall) {
		for (i = 0; i < n; i++)
			munmap(maps[i], WL_MIB);
		nap(seconds);
	}
	nap(hold);
	return 0;
}
