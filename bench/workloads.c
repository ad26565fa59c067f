// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The workloads the benchmark slows down: page faults on anonymous memory
 * (alloc), the page cache (pagecache), and a fault-bound service (service:
 * requests that each take a fresh buffer, fill it and read it back, as a
 * frame-processing service does), where every fault runs memprobe's
 * per-fault programs. Each runs in a child inside the bench cgroup.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench.h"
#include "workload.h"

static int work_alloc(const struct bench *b)
{
	unsigned long long size = b->alloc_bytes, at;
	long page = sysconf(_SC_PAGESIZE);
	int i;

	/* One write per page: a page fault, a page allocation and an RSS change each. */
	for (i = 0; i < b->iterations; i++) {
		char *p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

		if (p == MAP_FAILED)
			return 1;
		for (at = 0; at < size; at += page)
			p[at] = 1;
		munmap(p, size);
	}
	return 0;
}

static int work_pagecache(const struct bench *b)
{
	int i, f;

	/* Read through the cache, then evict: every page enters and leaves once. */
	for (i = 0; i < b->iterations; i++)
		for (f = 0; f < BENCH_FILES; f++)
			if (wl_read(b->files[f]) < 0 || wl_evict(b->files[f]))
				return 1;
	return 0;
}

/* A request's buffer: large enough that malloc would map it afresh, as it does for frames. */
#define REQUEST_BYTES	(256 * 1024)

static int work_service(const struct bench *b)
{
	unsigned long long requests = b->alloc_bytes * b->iterations / REQUEST_BYTES, r;
	volatile unsigned long sink = 0;
	size_t at;

	/*
	 * Each request maps its buffer, fills it (a fault per page), reads it
	 * back the way a parser would, and unmaps it: faults are most of its
	 * time, but not all of it.
	 */
	for (r = 0; r < requests; r++) {
		unsigned char *p = mmap(NULL, REQUEST_BYTES, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		unsigned long sum = 0;

		if (p == MAP_FAILED)
			return 1;
		memset(p, (int)r, REQUEST_BYTES);
		for (at = 0; at < REQUEST_BYTES; at += 64)
			sum += p[at] ^ at;
		sink += sum;
		munmap(p, REQUEST_BYTES);
	}
	(void)sink;
	return 0;
}

/*
 * The page cache read through a cgroup too small for it: every read
 * pushes the cgroup against its limit, so memcg reclaim runs and with it
 * the reclaim programs (vmscan tracepoints). For the cost per call only:
 * its time is the limit's, not a probe's.
 */
static int work_reclaim(const struct bench *b)
{
	unsigned long long limit = b->file_bytes * BENCH_FILES / 3;
	int i, f, r = 0;

	if (tcg_limit(&b->cg, limit))
		return 1;
	for (i = 0; i < b->iterations && !r; i++)
		for (f = 0; f < BENCH_FILES && !r; f++)
			r = wl_read(b->files[f]) < 0;
	tcg_write(&b->cg, b->cg.version == 1 ? "memory.limit_in_bytes" : "memory.max", b->cg.version == 1 ? "-1" : "max");
	return r;
}

const struct workload bench_reclaim_workload = {
	"reclaim", "read files through a cgroup a third their size: memcg reclaim at every read", work_reclaim,
};

const struct workload bench_workloads[BENCH_WORKLOADS] = {
	{ "alloc", "touch and free anonymous memory, one page fault per page", work_alloc },
	{ "pagecache", "read files through the page cache and evict them", work_pagecache },
	{ "service", "a fault-bound service: each request maps a 256 KiB buffer, fills it, reads it, unmaps it",
	  work_service },
};

static int child_main(void *arg)
{
	struct bench *b = arg;

	return b->current->run(b);
}

double bench_run_workload(struct bench *b, double *faults)
{
	struct tchild ch = { .pid = 0, .go = -1 };
	double start, end = 0;
	struct rusage ru;
	int status = -1;
	pid_t w;

	if (tchild_start(&ch, &b->cg, child_main, b))
		return -1;
	start = bench_now();
	tchild_go(&ch);
	/* Blocking: the end is timed to the microsecond, and wait4 gives the child's own faults. */
	while ((w = wait4(ch.pid, &status, 0, &ru)) < 0 && errno == EINTR)
		;
	end = bench_now();
	if (w == ch.pid)
		ch.pid = 0;
	if (ch.pid || status) {
		tchild_kill(&ch);
		return -1;
	}
	if (faults)
		*faults = (double)ru.ru_minflt + ru.ru_majflt;
	return end - start;
}
