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
 * The memory cgroup a folio or page is charged to, from its memcg_data
 * (5.11 on): either the mem_cgroup itself or, with MEMCG_DATA_KMEM set, an
 * obj_cgroup; the low bits are flags (MEMCG_DATA_OBJCGS until 6.10,
 * MEMCG_DATA_OBJEXTS after). NULL means not charged to any cgroup.
 */
static __always_inline struct mem_cgroup *mp_memcg_of_data(unsigned long data)
{
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

static __always_inline struct mem_cgroup *mp_folio_memcg(struct folio *folio)
{
	return mp_memcg_of_data(folio->memcg_data);
}

/*
 * Before 5.16 the filemap tracepoints passed the page, not the folio: a
 * second pair of programs takes it (pagecache.bpf.c), chosen by the agent
 * from the tracepoint's type, and reads it through these. They go with the
 * last kernel before 5.16.
 */
struct page___pre618 {
	unsigned long flags;
} __attribute__((preserve_access_index));

/* Before 6.6 a compound page kept its order in its first tail page. */
struct page___pre66 {
	unsigned char compound_order;
} __attribute__((preserve_access_index));

/* Before 5.11 the page pointed at its mem_cgroup; memcg_data came after. */
struct page___pre511 {
	struct mem_cgroup *mem_cgroup;
} __attribute__((preserve_access_index));

static __always_inline __u64 mp_page_flags(struct page *page)
{
	if (bpf_core_field_exists(page->flags.f))
		return page->flags.f;
	return ((struct page___pre618 *)page)->flags;
}

/*
 * A page's offset in its mapping (for anonymous memory, in its anon_vma's
 * space): page->index until 6.16 renamed it __folio_index; folio->index
 * from 5.16. Read, not loaded: the page is the growth stacks' sampled one,
 * a plain number by the time it is settled.
 */
struct page___index {
	unsigned long index;
} __attribute__((preserve_access_index));

static __always_inline __u64 mp_page_index(struct page *page)
{
	struct page___index *old = (void *)page;

	if (bpf_core_field_exists(old->index))
		return BPF_CORE_READ(old, index);
	return BPF_CORE_READ((struct folio *)page, index);
}

/* Pages in a compound page: a huge page counts all of its pages, as a large folio does. */
static __always_inline __u64 mp_page_nr_pages(struct page *page, __u64 flags)
{
	struct page___pre66 *tail = (void *)page + bpf_core_type_size(struct page);
	unsigned char order = 0;

	if (!mp_flag_set(flags, bpf_core_enum_value(enum pageflags, PG_head)))
		return 1;
	/* The tail page is past the end of the one the tracepoint hands over: read it, not load it. */
	bpf_core_read(&order, sizeof(order), &tail->compound_order);
	return 1ULL << (order & 31);
}

/* Each layout in a function of its own, for the reason given at mp_mm_counter() below. */
static __noinline __u64 page_memcg_pre511(struct page *page)
{
	unsigned long data = (unsigned long)BPF_CORE_READ((struct page___pre511 *)page, mem_cgroup);

	/* Bit 0 marks a slab page's vector of obj_cgroups, never a page-cache page. */
	return data & 1 ? 0 : data;
}

static __noinline __u64 page_memcg_data(struct page *page)
{
	return (__u64)mp_memcg_of_data(BPF_CORE_READ(page, memcg_data));
}

/* The memory cgroup a page is charged to: NULL for none. */
static __always_inline struct mem_cgroup *mp_page_memcg(struct page *page)
{
	if (bpf_core_field_exists(page->memcg_data))
		return (struct mem_cgroup *)page_memcg_data(page);
	return (struct mem_cgroup *)page_memcg_pre511(page);
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

/*
 * The current task and what hangs off it. bpf_get_current_task_btf()
 * (5.11) gives a BTF pointer, whose fields are plain loads; before it the
 * task is a bare address and everything reached from it is read with
 * bpf_probe_read_kernel. The helper's id in the kernel's enum bpf_func_id
 * tells which kernel this is; the verifier follows the branch this kernel
 * takes and drops the other, unknown helper and all, as dead code. The
 * helper-read branch is right on every kernel, the other only faster. Goes
 * when 5.10 does.
 */
static __always_inline bool mp_current_btf(void)
{
	return bpf_core_enum_value_exists(enum bpf_func_id, BPF_FUNC_get_current_task_btf);
}

/*
 * Another CPU's element of a per-CPU map (5.19). Without it a program sees
 * only its own CPU's, and the agent asks /proc for what it cannot be told.
 */
static __always_inline bool mp_have_percpu_lookup(void)
{
	return bpf_core_enum_value_exists(enum bpf_func_id, BPF_FUNC_map_lookup_percpu_elem);
}

static __always_inline struct css_set *mp_current_cset(void)
{
	if (mp_current_btf())
		return bpf_get_current_task_btf()->cgroups;
	return BPF_CORE_READ((struct task_struct *)bpf_get_current_task(), cgroups);
}

/* The memory css of the current task's css_set (from mp_current_cset()). */
static __always_inline struct cgroup_subsys_state *mp_current_cset_css(struct css_set *cset)
{
	int subsys = bpf_core_enum_value(enum cgroup_subsys_id, memory_cgrp_id);
	struct cgroup_subsys_state *css = NULL;

	if (mp_current_btf())
		return cset->subsys[subsys];
	bpf_core_read(&css, sizeof(css), &cset->subsys[subsys]);
	return css;
}

static __always_inline struct cgroup_subsys_state *mp_current_memcg_css(void)
{
	return mp_current_cset_css(mp_current_cset());
}

/* For a css reached from the current task: its serial number, cgroup id and parent. */
static __always_inline __u64 mp_current_css_serial(struct cgroup_subsys_state *css)
{
	if (mp_current_btf())
		return css->serial_nr;
	return BPF_CORE_READ(css, serial_nr);
}

static __always_inline __u64 mp_current_css_id(struct cgroup_subsys_state *css)
{
	if (!css)
		return 0;
	if (mp_current_btf())
		return css->cgroup->kn->id;
	return BPF_CORE_READ(css, cgroup, kn, id);
}

static __always_inline __u64 mp_current_memcg_id(void)
{
	return mp_current_css_id(mp_current_memcg_css());
}

/* The inode number of the current task's IPC namespace. */
static __always_inline __u32 mp_current_ipc_ns(void)
{
	if (mp_current_btf())
		return bpf_get_current_task_btf()->nsproxy->ipc_ns->ns.inum;
	return BPF_CORE_READ((struct task_struct *)bpf_get_current_task(), nsproxy, ipc_ns, ns.inum);
}

/*
 * Before 6.1 an mm's VMAs were also in a red-black tree by address, which
 * find_vma() walked; programs on kernels without bpf_find_vma() (5.17) walk
 * it themselves. Without the mmap lock a mapping changed by another thread
 * at that moment may be missed (NULL), never mistaken: the VMA returned
 * covers addr. Goes with the last kernel before 5.17.
 */
struct vm_area_struct___pre61 {
	unsigned long vm_start;
	unsigned long vm_end;
	struct rb_node vm_rb;
	struct file *vm_file;
} __attribute__((preserve_access_index));

struct mm_struct___pre61 {
	struct rb_root mm_rb;
} __attribute__((preserve_access_index));

/* A balanced tree of 2^31 VMAs is at most 62 deep; vm.max_map_count is 65530 by default. */
#define MP_VMA_TREE_DEPTH	64

static __always_inline struct vm_area_struct *mp_current_vma_pre61(__u64 addr)
{
	struct task_struct *task = (void *)bpf_get_current_task();
	struct mm_struct___pre61 *mm = (void *)BPF_CORE_READ(task, mm);
	struct rb_node *node;
	int i;

	if (!mm)
		return NULL;
	node = BPF_CORE_READ(mm, mm_rb.rb_node);
	for (i = 0; i < MP_VMA_TREE_DEPTH && node; i++) {
		struct vm_area_struct___pre61 *vma =
			(void *)node - bpf_core_field_offset(struct vm_area_struct___pre61, vm_rb);

		if (addr < BPF_CORE_READ(vma, vm_start))
			node = BPF_CORE_READ(node, rb_left);
		else if (addr >= BPF_CORE_READ(vma, vm_end))
			node = BPF_CORE_READ(node, rb_right);
		else
			return (struct vm_area_struct *)vma;
	}
	return NULL;
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
