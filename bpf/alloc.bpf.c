// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Page allocations per memory cgroup of the allocating task, with an order
 * histogram. kmem:mm_page_alloc runs on every page the kernel hands out, so
 * this program does the least it can: two plain loads to the task's memory
 * css and one more for its serial number, and counts in a per-CPU slot for
 * the css the CPU saw last; the hash map is touched only when the css
 * changes. The cgroup id is resolved once per change; rates and sizes are
 * derived in userspace.
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
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, MP_MAX_CGROUPS);
	__type(key, struct mp_alloc_key);
	__type(value, struct mp_alloc_val);
} allocs SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct mp_alloc_slot);
} alloc_last SEC(".maps");

MP_DECLARE_DROPS();

static __always_inline void add(struct mp_alloc_val *to, const struct mp_alloc_val *from)
{
	int i;

	to->pages += from->pages;
	to->calls += from->calls;
	for (i = 0; i < MP_ALLOC_ORDERS; i++)
		to->order[i] += from->order[i];
}

/* Adds the slot's counts to its css's entry and empties the slot. */
static __always_inline void flush(struct mp_alloc_slot *slot)
{
	struct mp_alloc_val init = { .cgid = slot->val.cgid }, *val;

	val = mp_upsert(&allocs, &slot->key, &init, &drops, MP_DROP_ALLOC_FULL);
	if (val)
		add(val, &slot->val);
	__builtin_memset(&slot->val, 0, sizeof(slot->val));
}

SEC("tp_btf/mm_page_alloc")
int BPF_PROG(page_alloc, struct page *page, unsigned int order)
{
	struct cgroup_subsys_state *css;
	struct mp_alloc_slot *slot;
	struct css_set *cset;
	__u32 zero = 0;
	__u64 serial;

	if (!page)
		return 0;	/* a failed allocation hands out nothing */
	slot = bpf_map_lookup_elem(&alloc_last, &zero);
	if (!slot)
		return 0;
	/*
	 * The task's css_set changes whenever it moves to another cgroup; while
	 * it is the one the slot was filled through, so is the memory css, and
	 * the two loads behind it are saved.
	 */
	cset = mp_current_cset();
	if (slot->cset != (__u64)cset || !slot->key.css) {
		css = mp_current_cset_css(cset);
		if (!css)
			return 0;
		serial = mp_current_css_serial(css);
		if (slot->key.css != (__u64)css || slot->key.serial != serial) {
			if (slot->key.css)
				flush(slot);
			slot->key.css = (__u64)css;
			slot->key.serial = serial;
			slot->val.cgid = mp_current_css_id(css);
		}
		slot->cset = (__u64)cset;
	}
	slot->val.pages += 1ULL << (order & 31);
	slot->val.calls++;
	slot->val.order[order < MP_ALLOC_ORDERS - 1 ? order : MP_ALLOC_ORDERS - 1]++;
	return 0;
}
