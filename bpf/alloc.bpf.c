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

/*
 * Run by the agent on each CPU in turn (BPF_PROG_TEST_RUN) before its last
 * collection: the CPU's slot goes to the map. Otherwise a slot flushed
 * between the agent's read of the map and its read of the slots is in
 * neither: missed once between samples, but missed for good at the end,
 * and a process that ran alone on a CPU may have all its count there.
 * It runs in the agent's thread with interrupts on: mp_alloc_flush()
 * allows for an allocation in its middle.
 */
SEC("raw_tp")
int alloc_flush(void *ctx)
{
	struct mp_alloc_slot *slot;
	__u32 zero = 0;

	slot = bpf_map_lookup_elem(&alloc_last, &zero);
	if (slot && slot->key.css && slot->val.calls)
		mp_alloc_flush(&allocs, &drops, slot);
	return 0;
}
