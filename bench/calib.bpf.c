// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Empty programs on memprobe's hooks: what any BPF program costs there on
 * this machine (trampoline, and the run-time statistics themselves), so
 * that the benchmark can report each memprobe program's own cost on top.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

char LICENSE[] SEC("license") = "Dual BSD/GPL";

SEC("tp_btf/mm_filemap_add_to_page_cache")
int BPF_PROG(cache_add)
{
	return 0;
}

SEC("tp_btf/mm_filemap_delete_from_page_cache")
int BPF_PROG(cache_delete)
{
	return 0;
}

SEC("tp_btf/rss_stat")
int BPF_PROG(rss_stat)
{
	return 0;
}

SEC("tp_btf/mm_page_alloc")
int BPF_PROG(page_alloc)
{
	return 0;
}

/* memprobe's shmem program: every page that joins an LRU list, a fault's included. */
SEC("tp_btf/mm_lru_insertion")
int BPF_PROG(lru_insertion)
{
	return 0;
}

/* The reclaim programs' hooks: they run when the reclaim workload pushes its cgroup against its limit. */
SEC("tp_btf/mm_vmscan_memcg_reclaim_begin")
int BPF_PROG(memcg_reclaim_begin)
{
	return 0;
}

SEC("tp_btf/mm_vmscan_memcg_reclaim_end")
int BPF_PROG(memcg_reclaim_end)
{
	return 0;
}
