// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <string.h>

#include "harness.h"
#include "sys/kstat.h"

UNIT_TEST(memstat_v2)
{
	struct memstat m;
	const char *text = "anon 1048576\nfile 8388608\nkernel 1\nshmem 4096\nfile_mapped 12\n"
			   "file_dirty 8192\nactive_file 4\ninactive_file 5\n";

	return ASSERT(!memstat_parse(text, CG_V2, &m), "parse") &&
	       ASSERT(m.anon == 1048576 && m.file == 8388608 && m.shmem == 4096, "core") &&
	       ASSERT(m.file_dirty == 8192 && m.inactive_file == 5, "more") &&
	       ASSERT(memstat_page_cache(&m) == 8388608 - 4096, "page cache");
}

UNIT_TEST(memstat_v1_uses_hierarchical_totals)
{
	struct memstat m;
	const char *text = "cache 100\nrss 200\nshmem 50\nmapped_file 1\n"
			   "total_cache 1000\ntotal_rss 2000\ntotal_shmem 500\ntotal_mapped_file 7\n";

	return ASSERT(!memstat_parse(text, CG_V1, &m), "parse") &&
	       ASSERT(m.file == 1000 && m.anon == 2000 && m.shmem == 500 && m.file_mapped == 7,
		      "file %llu anon %llu", (unsigned long long)m.file, (unsigned long long)m.anon);
}

UNIT_TEST(memstat_survives_odd_input)
{
	struct memstat m;
	const char *reordered = "zzz 1\nshmem 3\n\nanon 2\nfile 1\nnot-a-number x\nfile_dirty\n";
	const char *truncated = "anon 5\nfile 6\nshm";
	const char *overflow = "anon 99999999999999999999999\nfile 1\nshmem 0\n";
	const char *junk = "anon 12abc\nfile -1\nshmem 1 2\n";

	return ASSERT(!memstat_parse(reordered, CG_V2, &m) && m.anon == 2 && m.file == 1 && m.shmem == 3,
		      "reordered") &&
	       ASSERT(memstat_parse(truncated, CG_V2, &m) == -ENODATA && m.anon == 5, "truncated") &&
	       ASSERT(memstat_parse(overflow, CG_V2, &m) == -ENODATA && m.anon == 0, "overflow") &&
	       ASSERT(memstat_parse(junk, CG_V2, &m) == -ENODATA && m.have == 0, "junk") &&
	       ASSERT(memstat_parse("", CG_V1, &m) == -ENODATA, "empty");
}

UNIT_TEST(meminfo_kb_lines)
{
	struct meminfo mi;
	const char *text = "MemTotal:       24683620 kB\nMemFree:        23954000 kB\n"
			   "MemAvailable:   23877000 kB\nBuffers:            1000 kB\n"
			   "Cached:           80000 kB\nSwapCached:            0 kB\n"
			   "Shmem:             8000 kB\nSReclaimable:      9000 kB\n"
			   "HugePages_Total:       0\n";

	return ASSERT(!meminfo_parse(text, &mi), "parse") &&
	       ASSERT(mi.total == 24683620ULL * 1024 && mi.available == 23877000ULL * 1024, "kB") &&
	       ASSERT(meminfo_buff_cache(&mi) == (1000ULL + 80000 + 9000) * 1024, "buff/cache") &&
	       ASSERT(meminfo_parse("MemTotal: 1 kB\n", &mi) == -ENODATA, "incomplete");
}

UNIT_TEST(pstatus_and_pstat)
{
	struct pstatus st;
	struct pstat sp;
	const char *status = "Name:\tpython3\nUmask:\t0022\nState:\tS (sleeping)\nTgid:\t42\n"
			     "VmPeak:\t  200000 kB\nVmSize:\t  180000 kB\nVmRSS:\t   90000 kB\n"
			     "RssAnon:\t   70000 kB\nRssFile:\t   15000 kB\nRssShmem:\t    5000 kB\n"
			     "VmSwap:\t       0 kB\nThreads:\t4\n";
	const char *stat = "42 (my (odd) proc) S 1 42 42 0 -1 4194560 500 0 0 0 "
			   "123 45 0 0 20 0 4 0 98765 184320000 22500 18446744073709551615";

	return ASSERT(!pstatus_parse(status, &st), "status") &&
	       ASSERT(st.vm_rss == 90000ULL * 1024 && st.rss_anon == 70000ULL * 1024 &&
		      st.vm_size == 180000ULL * 1024 && st.rss_shmem == 5000ULL * 1024, "status figures") &&
	       ASSERT(!pstat_parse(stat, &sp), "stat") &&
	       ASSERT(!strcmp(sp.comm, "my (odd) proc") && sp.state == 'S', "comm '%s'", sp.comm) &&
	       ASSERT(sp.utime == 123 && sp.stime == 45 && sp.starttime == 98765, "times %llu %llu %llu",
		      (unsigned long long)sp.utime, (unsigned long long)sp.stime,
		      (unsigned long long)sp.starttime) &&
	       ASSERT(sp.vsize == 184320000, "vsize %llu", (unsigned long long)sp.vsize) &&
	       ASSERT(!pstat_parse("7 (short) S 1 7 7 0 -1 0 0 0 0 0 1 2 0 0 20 0 1 0 555", &sp) &&
		      sp.starttime == 555 && sp.vsize == 0, "a line that stops at starttime");
}

UNIT_TEST(pstatus_pstat_odd_input)
{
	struct pstatus st;
	struct pstat sp;

	return ASSERT(pstatus_parse("Name:\tkthreadd\nState:\tS\n", &st) == -ENODATA, "kernel thread") &&
	       ASSERT(pstat_parse("42 (x) S 1 2", &sp) == -ENODATA, "truncated") &&
	       ASSERT(pstat_parse("42 x S 1 2", &sp) == -ENODATA, "no parens") &&
	       ASSERT(pstat_parse("", &sp) == -ENODATA, "empty") &&
	       ASSERT(pstat_parse("1 (a) S 1 1 1 0 -1 0 0 0 0 0 x 2 0 0 20 0 1 0 5", &sp) == -ENODATA, "junk");
}

UNIT_TEST(sysvshm_rows)
{
	struct sysv_seg s[4];
	const char *text =
		"       key      shmid perms                  size  cpid  lpid nattch   uid   gid  cuid  cgid      atime      dtime      ctime                   rss                  swap\n"
		"1297088513          4   600                 12288 14253     0      0     0     0     0     0          0          0 1795576832                  4096                     0\n"
		"         0          7  1600               1048576   100   200      2  1000  1000  1000  1000 1795576900 1795576901 1795576800               1048576                     0\n";

	return ASSERT(sysvshm_parse(text, s, 4) == 2, "rows") &&
	       ASSERT(s[0].key == 1297088513 && s[0].shmid == 4 && s[0].perms == 0600 && s[0].size == 12288 &&
		      s[0].cpid == 14253 && s[0].nattch == 0 && s[0].ctime == 1795576832 && s[0].rss == 4096, "row 0") &&
	       ASSERT(s[1].perms & SYSV_SHM_DEST, "marked for removal is octal 01000") &&
	       ASSERT(s[1].nattch == 2 && s[1].lpid == 200 && s[1].uid == 1000, "row 1");
}

UNIT_TEST(sysvshm_odd_input)
{
	struct sysv_seg s[2];
	/* An older kernel: no rss/swap columns, columns in another order, a truncated last row. */
	const char *old = "shmid key perms size cpid lpid nattch uid gid cuid cgid atime dtime ctime\n"
			  "5 -1 666 4096 10 11 1 0 0 0 0 0 0 0\n"
			  "6 -1 666 4096 10 11";

	return ASSERT(sysvshm_parse(old, s, 2) == 1, "one complete row") &&
	       ASSERT(s[0].shmid == 5 && s[0].key == -1 && s[0].nattch == 1 && s[0].rss == 0, "by header") &&
	       ASSERT(sysvshm_parse("", s, 2) == -ENODATA, "empty") &&
	       ASSERT(sysvshm_parse("garbage\n1 2 3\n", s, 2) == -ENODATA, "no header") &&
	       ASSERT(sysvshm_parse("key shmid perms size cpid lpid nattch\n1 2 xx 4 5 6 7\n", s, 2) == 0, "junk row") &&
	       ASSERT(sysvshm_parse("key shmid cpid nattch\n1 2 3 4\n1 2 3 4\n1 2 3 4\n", s, 2) == 3, "more rows than room");
}
