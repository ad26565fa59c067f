/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Counting a page allocation for the memory cgroup of the allocating task,
 * shared by the two programs that may run it on kmem:mm_page_alloc: the
 * allocation probe's own (bpf/alloc.bpf.c), and the growth stacks' when
 * they are on (bpf/stacks.bpf.c), which counts and samples in one program
 * so that a fault pays for one program, not two. The maps are declared
 * weak in each object; linking keeps one of each.
 *
 * The count is what the least work allows: two plain loads to the task's
 * memory css and one more for its serial number, added to a per-CPU slot
 * for the css the CPU saw last; the hash map is touched only when the css
 * changes. The cgroup id is resolved once per change; rates and sizes are
 * derived in userspace.
 */
#ifndef MEMPROBE_ALLOC_BPF_H
#define MEMPROBE_ALLOC_BPF_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include "memprobe.h"
#include "compat.bpf.h"
#include "maps.bpf.h"

#define MP_DECLARE_ALLOC()						\
	struct {							\
		__uint(type, BPF_MAP_TYPE_PERCPU_HASH);			\
		__uint(map_flags, BPF_F_NO_PREALLOC);			\
		__uint(max_entries, MP_MAX_CGROUPS);			\
		__type(key, struct mp_alloc_key);			\
		__type(value, struct mp_alloc_val);			\
	} allocs SEC(".maps") __weak;					\
	struct {							\
		__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);		\
		__uint(max_entries, 1);					\
		__type(key, __u32);					\
		__type(value, struct mp_alloc_slot);			\
	} alloc_last SEC(".maps") __weak

/*
 * Call after MP_DECLARE_ALLOC() and MP_DECLARE_DROPS(). Returns the CPU's
 * slot the allocation was counted in (its key: the task's memory css and
 * serial; its cgid), or NULL when it was not.
 */
#define mp_alloc_count(order)	mp_alloc_count_in(&allocs, &alloc_last, &drops, mp_current_memcg_css(), (order))
/* The same for a task the caller holds as a BTF pointer (5.11): one helper call fewer a fault. */
#define mp_alloc_count_task(task, order)	\
	mp_alloc_count_in(&allocs, &alloc_last, &drops, mp_task_memcg_css(task), (order))

static __always_inline void mp_alloc_add(struct mp_alloc_val *to, const struct mp_alloc_val *from)
{
	int i;

	to->pages += from->pages;
	to->calls += from->calls;
	for (i = 0; i < MP_ALLOC_ORDERS; i++)
		to->order[i] += from->order[i];
}

/*
 * Empties the slot and adds what it held to its css's entry. Emptied first
 * (the key, then the counts): the agent's alloc_flush runs with interrupts
 * on, and an allocation in an interrupt can count in its middle; it finds
 * the slot empty and starts afresh. At worst its own page goes to the css
 * being flushed; the slot is never added twice, nor emptied of a page
 * counted after the copy.
 */
static __always_inline void mp_alloc_flush(void *allocs, void *drops, struct mp_alloc_slot *slot)
{
	struct mp_alloc_key key = slot->key;
	struct mp_alloc_val held, init = {}, *to;

	slot->key.css = 0;
	barrier();
	held = slot->val;
	__builtin_memset(&slot->val, 0, sizeof(slot->val));
	init.cgid = held.cgid;
	to = mp_upsert(allocs, &key, &init, drops, MP_DROP_ALLOC_FULL);
	if (to)
		mp_alloc_add(to, &held);
}

static __always_inline struct mp_alloc_slot *mp_alloc_count_in(void *allocs, void *last, void *drops,
								 struct cgroup_subsys_state *css, unsigned int order)
{
	struct mp_alloc_slot *slot;
	__u32 zero = 0;
	__u64 serial;

	slot = bpf_map_lookup_elem(last, &zero);
	if (!slot)
		return NULL;
	/*
	 * The css and its serial number, every time: a css_set (or a css)
	 * freed and made again at the same address for another cgroup would
	 * pass a test of the pointer alone, and a task of the new cgroup would
	 * count for the old one for as long as it ran alone on the CPU.
	 */
	if (!css)
		return NULL;
	serial = mp_current_css_serial(css);
	if (slot->key.css != (__u64)css || slot->key.serial != serial) {
		if (slot->key.css)
			mp_alloc_flush(allocs, drops, slot);
		slot->key.css = (__u64)css;
		slot->key.serial = serial;
		slot->val.cgid = mp_current_css_id(css);
	}
	slot->val.pages += 1ULL << (order & 31);
	slot->val.calls++;
	slot->val.order[order < MP_ALLOC_ORDERS - 1 ? order : MP_ALLOC_ORDERS - 1]++;
	return slot;
}

#endif /* MEMPROBE_ALLOC_BPF_H */
