// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Page allocations per memory cgroup of the allocating task, with an order
 * histogram. kmem:mm_page_alloc runs on every page the kernel hands out, so
 * this program does the least it can: two plain loads to the task's memory
 * css and one more for its serial number, one per-CPU map update. The
 * cgroup id is resolved once per entry; rates and sizes are derived in
 * userspace.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_tracing.h>
#include "memprobe.h"
#include "compat.bpf.h"
#include "maps.bpf.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, MP_MAX_CGROUPS);
	__type(key, struct mp_alloc_key);
	__type(value, struct mp_alloc_val);
} allocs SEC(".maps");

MP_DECLARE_DROPS();

SEC("tp_btf/mm_page_alloc")
int BPF_PROG(page_alloc, struct page *page, unsigned int order)
{
	struct cgroup_subsys_state *css;
	struct mp_alloc_key key;
	struct mp_alloc_val *val;

	if (!page)
		return 0;	/* a failed allocation hands out nothing */
	css = mp_task_memcg_css(bpf_get_current_task_btf());
	if (!css)
		return 0;
	key.css = (__u64)css;
	key.serial = css->serial_nr;
	val = bpf_map_lookup_elem(&allocs, &key);
	if (!val) {
		struct mp_alloc_val init = { .cgid = mp_css_cgroup_id(css) };

		val = mp_upsert(&allocs, &key, &init, &drops, MP_DROP_ALLOC_FULL);
		if (!val)
			return 0;
	}
	val->pages += 1ULL << (order & 31);
	val->calls++;
	val->order[order < MP_ALLOC_ORDERS - 1 ? order : MP_ALLOC_ORDERS - 1]++;
	return 0;
}
