/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Every kernel difference memprobe's BPF side absorbs, one accessor each.
 * The structs suffixed ___<kernel> describe layouts of older kernels; CO-RE
 * resolves whichever one the running kernel has, and the branch the kernel
 * lacks is removed by the verifier as dead code.
 *
 * Which layout a kernel has is asked of a field of a type every supported
 * kernel has (bpf_core_field_exists), never with bpf_core_type_exists() on
 * a type some kernel lacks: for a type missing from vmlinux, libbpf (1.1,
 * Debian 12's) goes on to walk the modules' BTF, which takes CAP_SYS_ADMIN,
 * and the load fails with EPERM under the units' capability bounding set.
 */
#ifndef MEMPROBE_COMPAT_BPF_H
#define MEMPROBE_COMPAT_BPF_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>

/* Before 6.18 the folio's flags were a bare unsigned long, not memdesc_flags_t. */
struct folio___pre618 {
	unsigned long flags;
} __attribute__((preserve_access_index));

/*
 * 6.1..6.5 kept a large folio's size in the first tail page as
 * _folio_nr_pages; 6.6 folded the order into _flags_1 and 64-bit kernels
 * later regained a count, named _nr_pages.
 */
struct folio___pre66 {
	unsigned int _folio_nr_pages;
} __attribute__((preserve_access_index));

/*
 * The folio accessors are for tp_btf programs, where the folio is a BTF
 * pointer: plain loads, checked by the verifier, instead of a helper call
 * per field.
 */
static __always_inline __u64 mp_folio_flags(struct folio *folio)
{
	if (bpf_core_field_exists(folio->flags.f))
		return folio->flags.f;
	return ((struct folio___pre618 *)folio)->flags;
}

static __always_inline bool mp_flag_set(__u64 flags, unsigned int bit)
{
	return (flags >> bit) & 1;
}

/* Pages in a folio: a 2 MiB folio is 512 pages, not one event. */
static __always_inline __u64 mp_folio_nr_pages(struct folio *folio, __u64 flags)
{
	if (!mp_flag_set(flags, bpf_core_enum_value(enum pageflags, PG_head)))
		return 1;
	if (bpf_core_field_exists(folio->_nr_pages))
		return folio->_nr_pages;
	if (bpf_core_field_exists(((struct folio___pre66 *)folio)->_folio_nr_pages))
		return ((struct folio___pre66 *)folio)->_folio_nr_pages;
	return 1ULL << (folio->_flags_1 & 0xff);
}

/* Shmem and tmpfs folios are swap-backed; they are not reclaimable page cache. */
static __always_inline bool mp_folio_is_shmem(__u64 flags)
{
	return mp_flag_set(flags, bpf_core_enum_value(enum pageflags, PG_swapbacked));
}

/* The id of a memory cgroup: its kernfs node id, which is its directory's inode number. */
static __always_inline __u64 mp_memcg_id(struct mem_cgroup *memcg)
{
	if (!memcg)
		return 0;
	return BPF_CORE_READ(memcg, css.cgroup, kn, id);
}

/*
 * The memory cgroup a folio is charged to. memcg_data holds either the
 * mem_cgroup itself or, with MEMCG_DATA_KMEM set, an obj_cgroup; the low
 * bits are flags (MEMCG_DATA_OBJCGS until 6.10, MEMCG_DATA_OBJEXTS after).
 * NULL means not charged to any cgroup.
 */
static __always_inline struct mem_cgroup *mp_folio_memcg(struct folio *folio)
{
	unsigned long data = folio->memcg_data;
	unsigned long kmem = 2, mask = 3;

	if (!data)
		return NULL;
	if (bpf_core_enum_value_exists(enum page_memcg_data_flags, MEMCG_DATA_KMEM)) {
		kmem = bpf_core_enum_value(enum page_memcg_data_flags, MEMCG_DATA_KMEM);
		mask = bpf_core_enum_value(enum page_memcg_data_flags, __NR_MEMCG_DATA_FLAGS) - 1;
	}
	if (data & kmem) {
		struct obj_cgroup *objcg = (void *)(data & ~mask);

		return BPF_CORE_READ(objcg, memcg);
	}
	if (data & mask)
		return NULL;	/* slab object extensions, not a page-cache folio */
	return (struct mem_cgroup *)data;
}

static __always_inline __u64 mp_folio_memcg_id(struct folio *folio)
{
	return mp_memcg_id(mp_folio_memcg(folio));
}

/* The generation of an inode: with its number, which file it is (0 where the filesystem keeps none). */
static __always_inline __u32 mp_inode_gen(struct inode *inode)
{
	return BPF_CORE_READ(inode, i_generation);
}

/* The memory cgroup a task belongs to, on v1 and v2 alike. */
static __always_inline __u64 mp_task_memcg_id(struct task_struct *task)
{
	int subsys = bpf_core_enum_value(enum cgroup_subsys_id, memory_cgrp_id);
	struct cgroup_subsys_state *css = NULL;
	struct css_set *cset = BPF_CORE_READ(task, cgroups);

	if (!cset)
		return 0;
	bpf_core_read(&css, sizeof(css), &cset->subsys[subsys]);
	if (!css)
		return 0;
	return BPF_CORE_READ(css, cgroup, kn, id);
}

/*
 * The same for tp_btf and fentry programs on hot paths: plain loads through
 * BTF pointers, which the verifier turns into exception-checked accesses,
 * cost far less than a bpf_probe_read_kernel call each. The task's memory
 * css is one step away and usually cached; the walk from it to the kernfs
 * id touches three more cold lines, so hot paths stop at the css.
 */
static __always_inline struct cgroup_subsys_state *mp_cset_memcg_css(struct css_set *cset)
{
	int subsys = bpf_core_enum_value(enum cgroup_subsys_id, memory_cgrp_id);

	return cset->subsys[subsys];
}

static __always_inline struct cgroup_subsys_state *mp_task_memcg_css(struct task_struct *task)
{
	return mp_cset_memcg_css(task->cgroups);
}

static __always_inline __u64 mp_css_cgroup_id(struct cgroup_subsys_state *css)
{
	return css ? css->cgroup->kn->id : 0;
}

static __always_inline __u64 mp_task_memcg_id_direct(struct task_struct *task)
{
	return mp_css_cgroup_id(mp_task_memcg_css(task));
}

/* Before 6.2 an mm's RSS counters were atomics in struct mm_rss_stat, not percpu_counters. */
struct mm_rss_stat___pre62 {
	atomic_long_t count[4];
} __attribute__((preserve_access_index));

struct mm_struct___pre62 {
	struct mm_rss_stat___pre62 rss_stat;
} __attribute__((preserve_access_index));

/*
 * An mm counter in pages, as get_mm_counter() reads it: since 6.2 the
 * percpu_counter's shared count, which lags the exact sum by at most the
 * counter batch per CPU; before, an atomic in struct mm_rss_stat. For
 * tp_btf programs (mm is a BTF pointer). Constant indexes, so each access
 * is relocated.
 *
 * Each layout's reads live in a function of their own, not inlined: clang
 * would otherwise hoist the relocated offsets of the layout this kernel
 * lacks above the bpf_core_field_exists() branch, and the verifier would
 * meet libbpf's poisoned instruction. A static subprogram is verified only
 * where it is called.
 */
static __noinline __s64 mm_counter_pre62(struct mm_struct *mm, int member)
{
	struct mm_struct___pre62 *old = (void *)mm;

	/* 6.1's verifier will not follow a plain load through the atomic_long_t typedef. */
	switch (member) {
	case 0: return BPF_CORE_READ(old, rss_stat.count[0].counter);
	case 1: return BPF_CORE_READ(old, rss_stat.count[1].counter);
	case 2: return BPF_CORE_READ(old, rss_stat.count[2].counter);
	case 3: return BPF_CORE_READ(old, rss_stat.count[3].counter);
	}
	return 0;
}

static __noinline __s64 mm_counter_percpu(struct mm_struct *mm, int member)
{
	switch (member) {
	case 0: return mm->rss_stat[0].count;
	case 1: return mm->rss_stat[1].count;
	case 2: return mm->rss_stat[2].count;
	case 3: return mm->rss_stat[3].count;
	}
	return 0;
}

static __always_inline __s64 mp_mm_counter(struct mm_struct *mm, int member)
{
	if (bpf_core_field_exists(((struct mm_struct___pre62 *)mm)->rss_stat))
		return mm_counter_pre62(mm, member);
	return mm_counter_percpu(mm, member);
}

#endif /* MEMPROBE_COMPAT_BPF_H */
