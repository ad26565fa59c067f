// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include "harness.h"
#include "sys/bpfmem.h"

UNIT_TEST(bpfmem_reads_a_maps_fdinfo)
{
	/* 6.18's text for a per-CPU hash map. */
	const char *map = "pos:\t0\nflags:\t02000002\nmnt_id:\t16\nino:\t2077\nmap_type:\t5\nkey_size:\t16\n"
			  "value_size:\t112\nmax_entries:\t4096\nmap_flags:\t0x1\nmap_extra:\t0x0\n"
			  "memlock:\t68032\nmap_id:\t19171\nfrozen:\t0\n";
	/* A program has memlock too, and a prog_id: not a map. */
	const char *prog = "pos:\t0\nflags:\t02000002\nmnt_id:\t16\nino:\t2077\nprog_type:\t26\n"
			   "prog_jited:\t1\nprog_tag:\t0d9a2ad2a8f3b8f1\nmemlock:\t4096\nprog_id:\t812\n";
	const char *file = "pos:\t0\nflags:\t0100000\nmnt_id:\t25\nino:\t1234\n";
	__u64 memlock = 0;
	__u32 id = 0;

	return ASSERT(bpfmem_parse(map, &id, &memlock), "map") &&
	       ASSERT(id == 19171 && memlock == 68032, "id %u memlock %llu", id, (unsigned long long)memlock) &&
	       ASSERT(!bpfmem_parse(prog, &id, &memlock), "a program is not a map") &&
	       ASSERT(!bpfmem_parse(file, &id, &memlock), "a file is not a map") &&
	       ASSERT(!bpfmem_parse("map_id:\t7\nmemlock:\tx\n", &id, &memlock), "a malformed memlock");
}
