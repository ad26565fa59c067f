// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * stackleak: three code paths of anonymous memory with known fates, for the
 * growth stacks. Built without frame pointers (see the Makefile), as the
 * distributions build, so that only DWARF CFI can unwind it.
 *   warmup_here  32 MiB once at the start, kept
 *   leak_here    1 MiB a second in pieces of about a page from the heap, never
 *                freed: malloc writes the next chunk's header into each new
 *                page, so the faults come from inside malloc
 *   churn_here   16 MiB allocated, written and freed, twice a second
 *   --seconds N  run for N seconds (default 20), then pause until killed
 * glibc's mmap threshold is fixed at 1 MiB: left dynamic, it would rise to
 * 16 MiB after the first free and keep the churned memory in the heap,
 * where it is still the process's memory (and memprobe would rightly say so).
 */
#include <malloc.h>
#include <time.h>

#include "workload.h"

#define PIECE		4000
#define CHURN		(16 * WL_MIB)
#define WARMUP		(32 * WL_MIB)
#define TICK_S		0.05

static void nap(double s)
{
	struct timespec ts = { (time_t)s, (long)((s - (time_t)s) * 1e9) };

	nanosleep(&ts, NULL);
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Kept where the compiler cannot prove it unused. */
void *volatile wl_keep;

__attribute__((noinline)) static void *warmup_here(void)
{
	char *p = malloc(WARMUP);

	if (p)
		memset(p, 0x5a, WARMUP);
	return p;
}

/* bytes of new memory, in pieces that each point to the previous: a list nobody frees. */
__attribute__((noinline)) static void *leak_here(void *list, size_t bytes)
{
	size_t done;

	for (done = 0; done < bytes; done += PIECE) {
		void **p = malloc(PIECE);

		if (!p)
			return list;
		memset(p, 0x6b, PIECE);
		p[0] = list;
		list = p;
	}
	return list;
}

__attribute__((noinline)) static int churn_here(void)
{
	char *p = malloc(CHURN);

	if (!p)
		return -1;
	memset(p, 0x3c, CHURN);
	/* Without this the compiler drops the memset of memory about to be freed. */
	__asm__ volatile("" : : "r"(p) : "memory");
	free(p);
	return 0;
}

int main(int argc, char **argv)
{
	double seconds = 20, start, next_leak, next_churn, t;
	void *list = NULL, *warm;
	int a;

	for (a = 1; a < argc; a++)
		if (!strcmp(argv[a], "--seconds") && a + 1 < argc)
			seconds = atof(argv[++a]);
	mallopt(M_MMAP_THRESHOLD, 1024 * 1024);
	warm = warmup_here();
	if (!warm)
		return 1;
	wl_keep = warm;
	start = now();
	next_leak = start;
	next_churn = start;
	while ((t = now()) < start + seconds) {
		if (t >= next_leak) {
			list = leak_here(list, WL_MIB);
			next_leak += 1;
		}
		if (t >= next_churn) {
			if (churn_here())
				return 1;
			next_churn += 0.5;
		}
		nap(TICK_S);
	}
	wl_keep = list;
	for (;;)
		pause();
}
