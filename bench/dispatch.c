// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * A BPF program's dispatch on this machine, with the run-time statistics
 * off: the cost a hook adds that the statistics do not see (dispatch.bpf.c
 * says how). Blocks of getppid() with the empty program attached and
 * without, in turn, on one CPU; the difference of each pair, per call,
 * and its median over the pairs: the machine's drift moves both halves of
 * a pair alike. With retpolines and AMD's safe-RET mitigation every call
 * and return in that path is dear, and it shows here.
 */
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "bench.h"
#include "dispatch.skel.h"

/* Nanoseconds a getppid() takes over a block of n. */
static double block_ns(long n)
{
	double t = bench_now();
	long i;

	for (i = 0; i < n; i++)
		syscall(SYS_getppid);
	return (bench_now() - t) * 1e9 / n;
}

int bench_dispatch(struct bench *b)
{
	struct dispatch_cost *d = &b->dispatch;
	int rounds = b->quick ? 41 : 401, r, k, cpu = sched_getcpu(), err = 0;
	long calls = b->quick ? 2000 : 20000;
	struct bpf_link *hold = NULL;
	struct dispatch_bpf *skel;
	cpu_set_t was, one;
	double *diff, *bare;

	memset(d, 0, sizeof(*d));
	diff = calloc(rounds, sizeof(*diff));
	bare = calloc(rounds, sizeof(*bare));
	skel = dispatch_bpf__open_and_load();
	if (!diff || !bare || !skel || !(hold = bpf_program__attach(skel->progs.hold))) {
		err = -ENOTSUP;
		goto out;
	}
	/* On one CPU: the two halves of a pair must not differ by where they ran. */
	sched_getaffinity(0, sizeof(was), &was);
	CPU_ZERO(&one);
	CPU_SET(cpu < 0 ? 0 : cpu, &one);
	sched_setaffinity(0, sizeof(one), &one);
	for (r = 0; r < rounds; r++) {
		double t[2];

		/* Alternate which goes first. */
		for (k = 0; k < 2; k++) {
			bool on = (k + r) % 2;
			struct bpf_link *l = on ? bpf_program__attach(skel->progs.dispatch) : NULL;

			if (on && !l) {
				err = -ENOTSUP;
				break;
			}
			t[on] = block_ns(calls);
			bpf_link__destroy(l);
		}
		if (err)
			break;
		diff[r] = t[1] - t[0];
		bare[r] = t[0];
	}
	sched_setaffinity(0, sizeof(was), &was);
	if (err)
		goto out;
	bench_sort(diff, rounds);
	bench_sort(bare, rounds);
	d->rounds = rounds;
	d->median_ns = diff[rounds / 2];
	d->q1_ns = diff[rounds / 4];
	d->q3_ns = diff[3 * rounds / 4];
	d->syscall_ns = bare[rounds / 2];
out:
	bpf_link__destroy(hold);
	dispatch_bpf__destroy(skel);
	free(diff);
	free(bare);
	if (err)
		fprintf(stderr, "memprobe-bench: cannot time a program's dispatch (raw_syscalls tracepoints): %s\n",
			strerror(-err));
	return err;
}
