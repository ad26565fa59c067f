// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * model/stacks.c on made-up samples: bytes in use and sampled, ranges given
 * back and moved, the pagemap sweep, the ranking and the folded lines.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "model/stacks.h"
#include "options.h"

#define RATE	(512 * 1024)

/* A sample without an unwinder, of the page at addr: its stack is its faulting instruction. */
static void sample(struct stacks *s, __u64 addr, __u64 pc, __u64 cgid, __u32 tgid)
{
	static struct mp_stack_event e;

	memset(&e, 0, sizeof(e));
	e.head.hdr.size = sizeof(e) - MP_STACK_BYTES;
	e.head.kind = MP_STACK_SAMPLE_EV;
	e.head.tgid = tgid;
	e.head.tid = tgid;
	e.cgid = cgid;
	e.weight = RATE;
	e.start_ns = 1;
	e.addr = addr;
	e.regs[16] = pc;
	stacks_sample(s, NULL, &e);
}

static __u64 in_use(struct stacks *s, __u64 cgid)
{
	__u64 members[] = { cgid };
	struct target t = { .members = members, .n_members = 1 };
	struct stk_top top[8];
	size_t n = stacks_top(s, &t, top, 8), i;
	__u64 sum = 0;

	for (i = 0; i < n; i++)
		sum += top[i].in_use_bytes;
	return sum;
}

/* The sweep's view of the processes: tgid 11 has nothing mapped at 0x5000..0x6fff; tgid 14 is gone. */
static int fake_mapped(void *ctx, __u32 tgid, __u64 start_ns, __u64 addr)
{
	unsigned int *asked = ctx;

	(*asked)++;
	(void)start_ns;
	if (tgid == 14)
		return 0;
	if (tgid == 15)
		return -EACCES;
	return !(tgid == 11 && addr >= 0x5000 && addr < 0x7000);
}

UNIT_TEST(stacks_in_use_and_sampled)
{
	__u64 members[] = { 7 };
	struct target t = { .members = members, .n_members = 1 };
	struct stk_top top[4];
	unsigned int asked = 0;
	struct stacks s;
	char buf[4096];
	size_t n;
	FILE *f;
	bool ok;
	int i;

	if (!ASSERT(!stacks_init(&s, RATE, 60), "init"))
		return false;
	/* 0x1000 leaks 10 pages; 0x2000 takes 20 and munmaps them; 0x3000 is another cgroup's. */
	for (i = 0; i < 10; i++)
		sample(&s, 0x10000000 + i * 4096, 0x1000, 7, 11);
	for (i = 0; i < 20; i++)
		sample(&s, 0x20000000 + i * 4096, 0x2000, 7, 12);
	stacks_unmap(&s, 12, 0x20000000, 20 * 4096);
	sample(&s, 0x30000000, 0x3000, 8, 13);
	/* Another process's range at the same addresses gives back nothing of 11's. */
	stacks_unmap(&s, 12, 0x10000000, 10 * 4096);
	/* 11's two pages at 0x5000 and 0x6000 are gone by the sweep; 14 exited; 15's pagemap is unreadable. */
	sample(&s, 0x5000, 0x1000, 7, 11);
	sample(&s, 0x6000, 0x1000, 7, 11);
	sample(&s, 0x7000, 0x1000, 7, 11);
	sample(&s, 0x40000000, 0x2000, 7, 14);
	sample(&s, 0x50000000, 0x1000, 7, 15);
	ok = ASSERT(!stacks_sweep(&s, fake_mapped, &asked) && asked == 16, "asked %u", asked);
	n = stacks_top(&s, &t, top, 4);
	ok = ok && ASSERT(n == 2, "%zu stacks", n) &&
	     ASSERT(top[0].stack->frames[0].offset == 0x1000 && top[0].in_use_bytes == 12ULL * RATE &&
		    top[0].sampled_bytes == 14ULL * RATE && top[0].samples == 14 && top[0].n_pids == 2,
		    "leak: %llu in use", (unsigned long long)top[0].in_use_bytes) &&
	     ASSERT(top[1].in_use_bytes == 0 && top[1].sampled_bytes == 21ULL * RATE, "churn: %llu in use of %llu",
		    (unsigned long long)top[1].in_use_bytes, (unsigned long long)top[1].sampled_bytes) &&
	     ASSERT(s.counts.unmapped == 20 && s.counts.swept == 3, "unmapped %llu, swept %llu",
		    (unsigned long long)s.counts.unmapped, (unsigned long long)s.counts.swept);
	f = fmemopen(buf, sizeof(buf), "w");
	ok = ok && ASSERT(f && !stacks_write_folded(&s, &t, "svc", f), "folded");
	if (f)
		fclose(f);
	ok = ok && ASSERT(!strcmp(buf, "svc;[unknown+0x1000] 6291456\n"), "folded: %s", buf);
	stacks_free(&s);
	return ok;
}

UNIT_TEST(stacks_follow_mremap_brk_and_exec)
{
	struct stacks s;
	bool ok;
	int i;

	if (!ASSERT(!stacks_init(&s, RATE, 60), "init"))
		return false;
	/* Eight pages at 0x100000, moved and grown to 0x900000 (realloc's mremap): all still in use there. */
	for (i = 0; i < 8; i++)
		sample(&s, 0x100000 + i * 4096, 0x1000, 7, 11);
	stacks_move(&s, 11, 0x100000, 8 * 4096, 0x900000, 16 * 4096);
	ok = ASSERT(in_use(&s, 7) == 8ULL * RATE && s.counts.moved == 8, "moved: %llu", (unsigned long long)in_use(&s, 7));
	/* The old place is empty now; the new one holds them. */
	stacks_unmap(&s, 11, 0x100000, 8 * 4096);
	ok = ok && ASSERT(in_use(&s, 7) == 8ULL * RATE, "old range: %llu", (unsigned long long)in_use(&s, 7));
	/* Shrunk in place to three pages: five given back. */
	stacks_move(&s, 11, 0x900000, 16 * 4096, 0x900000, 3 * 4096);
	ok = ok && ASSERT(in_use(&s, 7) == 3ULL * RATE, "shrunk: %llu", (unsigned long long)in_use(&s, 7));
	/* Sampled again at an address whose page went unreported: the old sample is given back. */
	sample(&s, 0x900000, 0x2000, 7, 11);
	ok = ok && ASSERT(in_use(&s, 7) == 3ULL * RATE && s.counts.replaced == 1, "replaced");
	/* A huge range (a 64 GiB reservation) is looked through by table, not page by page. */
	sample(&s, 0x7f0000000000, 0x3000, 7, 12);
	stacks_unmap(&s, 12, 0x7e0000000000, 1ULL << 36);
	ok = ok && ASSERT(in_use(&s, 7) == 4ULL * RATE, "reservation: %llu", (unsigned long long)in_use(&s, 7));
	stacks_unmap(&s, 12, 0x7f0000000000, 1ULL << 36);
	ok = ok && ASSERT(in_use(&s, 7) == 3ULL * RATE, "reservation: %llu", (unsigned long long)in_use(&s, 7));
	/* exec: everything of 11 is gone. */
	stacks_exec(&s, 11);
	ok = ok && ASSERT(in_use(&s, 7) == 0, "exec: %llu", (unsigned long long)in_use(&s, 7));
	stacks_free(&s);
	return ok;
}

UNIT_TEST(stacks_live_table_survives_churn)
{
	__u64 members[] = { 1 };
	struct target t = { .members = members, .n_members = 1 };
	struct stk_top top;
	struct stacks s;
	__u64 a;
	bool ok;

	if (!ASSERT(!stacks_init(&s, RATE, 60), "init"))
		return false;
	/* Keys that collide in the table's slots, given back in an order that exercises the backward shift. */
	for (a = 1; a <= 5000; a++)
		sample(&s, a << 32, 0x10, 1, 1);
	for (a = 1; a <= 5000; a += 2)
		stacks_unmap(&s, 1, a << 32, 4096);
	for (a = 2; a <= 5000; a += 2)
		stacks_unmap(&s, 1, a << 32, 4096);
	ok = ASSERT(stacks_top(&s, &t, &top, 1) == 1, "no stack") &&
	     ASSERT(top.in_use_bytes == 0 && top.sampled_bytes == 5000ULL * RATE, "%llu in use",
		    (unsigned long long)top.in_use_bytes) &&
	     ASSERT(s.counts.unmapped == 5000, "%llu given back", (unsigned long long)s.counts.unmapped);
	stacks_free(&s);
	return ok;
}


UNIT_TEST(options_stack_sample)
{
	char *argv[8] = { "memprobe", "--stack-sample", "0", NULL };
	char *named[] = { "memprobe", "-c", "visioncore", NULL };
	struct options o;
	char err[256];

	/* On for named targets; off for the whole machine unless asked for. */
	if (!ASSERT(options_parse(&o, 3, named, err, sizeof(err)) == OPTIONS_RUN, "%s", err) ||
	    !ASSERT(o.stack_sample_bytes == 512 * 1024 && o.stack_rate == 200 && !o.stacks_path, "defaults") ||
	    !ASSERT(options_parse(&o, 1, argv, err, sizeof(err)) == OPTIONS_RUN && !o.stack_sample_bytes, "machine"))
		return false;
	if (!ASSERT(options_parse(&o, 3, argv, err, sizeof(err)) == OPTIONS_RUN && !o.stack_sample_bytes, "0 is off"))
		return false;
	argv[2] = "1M";
	argv[3] = "--stacks";
	argv[4] = "/tmp/x";
	if (!ASSERT(options_parse(&o, 5, argv, err, sizeof(err)) == OPTIONS_RUN && o.stack_sample_bytes == 1 << 20 &&
		    !strcmp(o.stacks_path, "/tmp/x"), "%s", err))
		return false;
	argv[2] = "100";
	if (!ASSERT(options_parse(&o, 3, argv, err, sizeof(err)) == -EINVAL && strstr(err, "--stack-sample"), "100 bytes"))
		return false;
	argv[2] = "0";
	return ASSERT(options_parse(&o, 5, argv, err, sizeof(err)) == -EINVAL && strstr(err, "--stacks"),
		      "--stacks with sampling off: %s", err);
}
