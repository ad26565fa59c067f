// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Which memory cgroup the pages of a tmpfs file are charged to. A POSIX
 * shm file belongs to the cgroup that wrote it, not to whoever maps it
 * now; tmpfs pages never pass the page-cache tracepoints on their way in,
 * but every page joins an LRU list when it is charged, and the folio then
 * says both its cgroup and its file. Counted per (cgroup, file), in pages
 * (a folio joining again after reclaim isolated it counts again: the
 * counts weigh the cgroups, the file's size in memory is read from the
 * file). Anonymous and page-cache folios leave after two loads.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_tracing.h>
#include "memprobe.h"
#include "compat.bpf.h"
#include "maps.bpf.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

#define PAGE_MAPPING_ANON	1UL	/* an anonymous folio's mapping points at its anon_vma, tagged */

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, MP_MAX_FILES);
	__type(key, struct mp_shmem_key);
	__type(value, __u64);
} shmem_files SEC(".maps");

MP_DECLARE_DROPS();

/* pages of a tmpfs file's folio or page joined an LRU list, charged to memcg. */
static __always_inline void count(unsigned long tagged, struct mem_cgroup *memcg, __u64 pages)
{
	struct address_space *mapping = (struct address_space *)tagged;
	struct mp_shmem_key key = {};
	struct inode *host;
	__u64 *total, zero = 0;

	host = BPF_CORE_READ(mapping, host);
	if (!host)
		return;
	key.cgid = mp_memcg_id(memcg);
	key.ino = BPF_CORE_READ(host, i_ino);
	key.dev = BPF_CORE_READ(host, i_sb, s_dev);
	total = mp_upsert(&shmem_files, &key, &zero, &drops, MP_DROP_SHMEM_FULL);
	if (total)
		*total += pages;
}

SEC("tp_btf/mm_lru_insertion")
int BPF_PROG(shmem_lru_add, struct folio *folio)
{
	unsigned long tagged;
	__u64 flags;

	/* The flags first, a plain load: page cache leaves without the helper call below. */
	flags = mp_folio_flags(folio);
	if (!mp_folio_is_shmem(flags))
		return 0;	/* page cache: its own probes count it */
	/* Read as a scalar: the verifier allows no bit tests on a pointer. Anonymous memory is swap-backed too. */
	bpf_core_read(&tagged, sizeof(tagged), &folio->mapping);
	if (!tagged || (tagged & PAGE_MAPPING_ANON))
		return 0;
	count(tagged, mp_folio_memcg(folio), mp_folio_nr_pages(folio, flags));
	return 0;
}

/* Before 5.16 the tracepoint passes the page: the agent loads this one instead. Goes with the last kernel before 5.16. */
SEC("tp_btf/mm_lru_insertion")
int BPF_PROG(shmem_lru_add_page, struct page *page)
{
	unsigned long tagged;
	__u64 flags;

	flags = mp_page_flags(page);
	if (!mp_folio_is_shmem(flags))
		return 0;
	bpf_core_read(&tagged, sizeof(tagged), &page->mapping);
	if (!tagged || (tagged & PAGE_MAPPING_ANON))
		return 0;
	count(tagged, mp_page_memcg(page), mp_page_nr_pages(page, flags));
	return 0;
}
