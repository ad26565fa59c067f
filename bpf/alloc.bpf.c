// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Page allocations per memory cgroup of the allocating task, with an order
 * histogram (the counting itself is bpf/alloc.bpf.h's). kmem:mm_page_alloc
 * runs on every page the kernel hands out; with growth stacks on, their
 * program counts in this one's place.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include "memprobe.h"
#include "alloc.bpf.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

MP_DECLARE_DROPS();
MP_DECLARE_ALLOC();

SEC("tp_btf/mm_page_alloc")
int BPF_PROG(page_alloc, struct page *page, unsigned int order)
{
	if (page)	/* a failed allocation hands out nothing */
		mp_alloc_count(order);
	return 0;
}
