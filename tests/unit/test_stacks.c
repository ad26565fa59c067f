// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* model/stacks.c on made-up samples: bytes in use and sampled, frees, moves, the ranking and the folded lines. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "model/stacks.h"
#include "options.h"

#define RATE	(512 * 1024)

/* A sample without an unwinder: its stack is its faulting instruction. */
static void sample(struct stacks *s, __u64 id, __u64 pc, __u64 cgid, __u32 tgid, __u32 flags)
{
	static struct mp_stack_event e;

	memset(&e, 0, sizeof(e));
	e.head.hdr.size = sizeof(e) - MP_STACK_BYTES;
	e.head.kind = MP_STACK_SAMPLE_EV;
	e.head.tgid = tgid;
	e.head.tid = tgid;
	e.head.flags = flags;
	e.head.id = id;
	e.cgid = cgid;
	e.weight = RATE;
	e.start_ns = 1;
	e.regs[16] = pc;
	stacks_sample(s, NULL, &e);
}

static void freed(struct stacks *s, __u64 id, __u32 flags)
{
	struct mp_stack_head h = { .kind = MP_STACK_FREE_EV, .id = id, .flags = flags };

	stacks_freed(s, &h);
}

UNIT_TEST(stacks_in_use_and_sampled)
{
	__u64 members[] = { 7 };
	struct target t = { .members = members, .n_members = 1 };
	struct stk_top top[4];
	struct stacks s;
	char buf[4096];
	size_t n;
	FILE *f;
	bool ok;
	int i;

	if (!ASSERT(!stacks_init(&s, RATE, 60), "init"))
		return false;
	/* 0x1000 leaks 10 samples; 0x2000 takes 20 and gives all back; 0x3000 is another cgroup's. */
	for (i = 0; i < 10; i++)
		sample(&s, 100 + i, 0x1000, 7, 11, 0);
	for (i = 0; i < 20; i++) {
		sample(&s, 200 + i, 0x2000, 7, 12, 0);
		freed(&s, 200 + i, 0);
	}
	sample(&s, 300, 0x3000, 8, 13, 0);
	/* Freed before it reached the agent; and a page that moved (reclaim): still in use. */
	sample(&s, 400, 0x2000, 7, 12, MP_STACK_FREED);
	sample(&s, 500, 0x1000, 7, 11, 0);
	freed(&s, 500, MP_STACK_MOVED);
	freed(&s, 999, 0);
	n = stacks_top(&s, &t, top, 4);
	ok = ASSERT(n == 2, "%zu stacks", n) &&
	     ASSERT(top[0].stack->frames[0].offset == 0x1000 && top[0].in_use_bytes == 11ULL * RATE &&
		    top[0].sampled_bytes == 11ULL * RATE && top[0].samples == 11 && top[0].n_pids == 1,
		    "leak: %llu in use", (unsigned long long)top[0].in_use_bytes) &&
	     ASSERT(top[1].in_use_bytes == 0 && top[1].sampled_bytes == 21ULL * RATE, "churn: %llu in use of %llu",
		    (unsigned long long)top[1].in_use_bytes, (unsigned long long)top[1].sampled_bytes) &&
	     ASSERT(s.counts.unknown_frees == 1, "unknown frees %llu", (unsigned long long)s.counts.unknown_frees);
	f = fmemopen(buf, sizeof(buf), "w");
	ok = ok && ASSERT(f && !stacks_write_folded(&s, &t, "svc", f), "folded");
	if (f)
		fclose(f);
	ok = ok && ASSERT(!strcmp(buf, "svc;[unknown+0x1000] 5767168\n"), "folded: %s", buf);
	stacks_free(&s);
	return ok;
}

UNIT_TEST(stacks_live_table_survives_churn)
{
	__u64 members[] = { 1 };
	struct target t = { .members = members, .n_members = 1 };
	struct stk_top top;
	struct stacks s;
	__u64 id;
	bool ok;

	if (!ASSERT(!stacks_init(&s, RATE, 60), "init"))
		return false;
	/* Ids that collide in the table's slots, freed in an order that exercises the backward shift. */
	for (id = 1; id <= 5000; id++)
		sample(&s, id << 20, 0x10, 1, 1, 0);
	for (id = 1; id <= 5000; id += 2)
		freed(&s, id << 20, 0);
	for (id = 2; id <= 5000; id += 2)
		freed(&s, id << 20, 0);
	ok = ASSERT(stacks_top(&s, &t, &top, 1) == 1, "no stack") &&
	     ASSERT(top.in_use_bytes == 0 && top.sampled_bytes == 5000ULL * RATE, "%llu in use",
		    (unsigned long long)top.in_use_bytes) &&
	     ASSERT(!s.counts.unknown_frees, "%llu frees not found", (unsigned long long)s.counts.unknown_frees);
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
