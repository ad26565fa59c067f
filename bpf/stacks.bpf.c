// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Growth stacks: where a watched process's anonymous memory comes from,
 * sampled from the page allocations behind it, and where each sampled
 * page is mapped, for the agent to follow.
 *
 * kmem:mm_page_alloc runs in the allocating task, in the page fault that
 * wants the page; the task's pt_regs are then the user registers at the
 * faulting instruction. The one program there counts the allocation for
 * the allocation probe (bpf/alloc.bpf.h), so that a fault pays for one
 * program, not two, and samples: movable allocations by user tasks of
 * watched cgroups count down a per-process budget of bytes (MP_STACK_SAMPLE on
 * average, jittered so that periodic allocations cannot alias with it);
 * the page that crosses it is sampled: the user registers and the top of
 * the user stack are copied aside. Whether it is anonymous memory, and
 * where it is mapped, is known only once the fault has mapped it (on 6.1
 * kmem:rss_stat does not fire per fault, so there is no later hook to wait
 * for): the sample is settled at the CPU's next candidate allocation,
 * which comes after the fault is over, or when the agent asks (stk_settle,
 * each interval). Page cache and swap-in pages are dropped then, counted.
 *
 * No program runs when a page is freed: a hook on every free costs a
 * program's dispatch per page the machine frees, more than a sample costs
 * all told. The agent follows the sampled address instead. Reclaim,
 * migration and khugepaged move a page and leave the address mapped; the
 * process gives memory back through a few system calls, rare next to page
 * frees, which report the ranges of followed processes (stk_follow), and
 * the agent reads /proc/PID/pagemap each interval for what they miss.
 *
 * A token bucket per CPU bounds the stacks a second for the whole machine
 * (bursts of up to a second's worth); a skipped sample's bytes are carried
 * to the process's next sample, and both are counted.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_tracing.h>
#include "memprobe.h"
#include "alloc.bpf.h"
#include "compat.bpf.h"
#include "maps.bpf.h"
#include "watch.bpf.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

/* Stable values, not in BTF: include/linux/sched.h, gfp_types.h, page-flags.h, uapi mman. */
#define PF_KTHREAD		0x00200000
#define GFP_MOVABLE		0x08
#define PAGE_MAPPING_FLAGS	0x3
#define PAGE_MAPPING_ANON	0x1
#define MADV_DONTNEED		4
#define MADV_REMOVE		9
#define MADV_DONTNEED_LOCKED	24
#define MAP_FIXED		0x10
#define MAP_FIXED_NOREPLACE	0x100000

const volatile __u64 stk_rate_bytes = MP_STACK_SAMPLE;
const volatile __u64 stk_interval_ns = 1000000000ULL / MP_STACK_RATE;	/* per CPU */
const volatile __u64 stk_burst_ns = 1000000000ULL;	/* a second's worth */

/*
 * The processes that have sampled pages: their address-space calls are
 * reported. An evicted one is followed by the agent's pagemap reads alone.
 */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, MP_MAX_TASKS);
	__type(key, __u32);
	__type(value, __u64);
} stk_follow SEC(".maps");

/* An mremap's arguments between its entry and exit, per thread. */
struct call {
	__u64 start, len, new_len;
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, 4096);
	__type(key, __u64);
	__type(value, struct call);
} stk_calls SEC(".maps");

/* A process's budget while it is off the CPU slot; evicting one only restarts its budget. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, MP_MAX_TASKS);
	__type(key, __u32);
	__type(value, __s64);
} stk_budgets SEC(".maps");

/* Which cgroups are watched: the targets' filter every probe shares; the allocation counts; the drops. */
MP_DECLARE_WATCH();
MP_DECLARE_ALLOC();
MP_DECLARE_DROPS();

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, MP_STACK_RING);
} stk_events SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, MP_STK_STATS);
	__type(key, __u32);
	__type(value, __u64);
} stk_stats SEC(".maps");

#define WALK_NODES	16
#define WALK_STACK	8

/* mapped_at()'s state, in the CPU's slot: what the verifier reads back from a map is any value, so paths merge. */
struct walk {
	__u64 node;
	__u64 depth;
	__u64 todo[WALK_STACK];
};

/* Each CPU's state: the watched verdict of the last memory css, the budget of the last process, the pending sample. */
struct slot {
	__u64 css, serial;	/* the memory css (and its serial number) watched was decided for */
	__u64 mm;
	__s64 left;		/* bytes until the next sample */
	__u64 tat;		/* token bucket: the earliest time the next stack is due */
	__u64 seq;
	__u64 pend_page;	/* the pending page's struct page; 0: nothing pending */
	__u64 carry;		/* bytes of samples the rate limit skipped, for the process's next one */
	__u32 tgid;
	__u32 watched;
	__u32 busy;		/* an allocation is being sampled: the agent's settle waits */
	__u32 watch_gen;	/* the targets' generation and filtering when watched was decided */
	struct walk walk;	/* settle()'s, where the pending page is mapped */
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct slot);
} stk_slots SEC(".maps");

/* The pending sample's event, built at the fault and sent when it is settled. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct mp_stack_event);
} stk_bufs SEC(".maps");

static __always_inline void stat_add(__u32 which, __u64 n)
{
	__u64 *v = bpf_map_lookup_elem(&stk_stats, &which);

	if (v)
		*v += n;
}

/* A sample not taken: counted by why, its bytes carried to the process's next one. */
static __always_inline void skip(struct slot *s, __u32 why, __u64 weight)
{
	stat_add(why, 1);
	stat_add(MP_STK_RATE_BYTES, weight);
	s->carry += weight;
}

/* A pointer as a plain number, only ever compared: any fixed pointer will do as the origin. */
#define AS_NUMBER(p)	((__u64)(p) - (__u64)&stk_follow)

/* Bytes until the next sample: uniform in [R/2, 3R/2), mean R. */
static __always_inline __s64 next_budget(void)
{
	return (__s64)(stk_rate_bytes / 2 + (((__u64)bpf_get_prandom_u32() * stk_rate_bytes) >> 32));
}

/* The slot's budget belongs to one process: save it and take up the new one's. */
static __always_inline void switch_process(struct slot *s, struct mm_struct *mm, __u32 tgid)
{
	__s64 *saved;

	if (s->mm)
		bpf_map_update_elem(&stk_budgets, &s->tgid, &s->left, BPF_ANY);
	if (s->carry)
		stat_add(MP_STK_RATE_LOST_BYTES, s->carry);
	s->carry = 0;
	saved = bpf_map_lookup_elem(&stk_budgets, &tgid);
	/* A process seen for the first time starts at a random point of an interval. */
	s->left = saved ? *saved : (__s64)(((__u64)bpf_get_prandom_u32() * stk_rate_bytes) >> 32) + 1;
	s->mm = (__u64)mm;
	s->tgid = tgid;
}

static __always_inline bool rate_allows(struct slot *s)
{
	__u64 now = bpf_ktime_get_ns();

	if (s->tat > now + stk_burst_ns)
		return false;
	s->tat = (s->tat > now ? s->tat : now) + stk_interval_ns;
	return true;
}

/* Past the top of the main thread's stack (argc), what the outermost frames' unwinding may still read. */
#define STACK_TOP_MARGIN	256

/*
 * The top of the user stack. A main thread's ends at mm->start_stack
 * (where argc is): copied to there and a margin, in one read, most
 * samples need a fraction of MP_STACK_BYTES, and the copy and the ring
 * are most of a sample's cost. Anything else (threads, whose stacks the
 * kernel does not know; a stack switched to): the rest of rsp's page,
 * then whole pages while they are readable, up to MP_STACK_BYTES.
 */
static __always_inline __u32 copy_stack(struct mp_stack_event *ev, struct task_struct *task, __u64 sp)
{
	__u32 first = ((4095 - (sp & 4095)) & 4095) + 1, size = 0, off, span;
	__u64 top = task->mm->start_stack;
	int i;

	if (!sp)
		return 0;
	if (task->pid == task->tgid && top > sp && top - sp <= MP_STACK_BYTES - STACK_TOP_MARGIN) {
		span = top - sp + STACK_TOP_MARGIN;
		barrier_var(span);
		if (span > 0 && span <= MP_STACK_BYTES && !bpf_probe_read_user(ev->stack, span, (void *)sp))
			return span;
	}
	if (bpf_probe_read_user(ev->stack, first, (void *)sp))
		return 0;
	size = first;
	for (i = 0; i < MP_STACK_BYTES / 4096 - 1; i++) {
		off = size;
		/* The compiler knows off's range; the verifier must see the check too. */
		barrier_var(off);
		if (off > MP_STACK_BYTES - 4096)
			break;
		if (bpf_probe_read_user(ev->stack + off, 4096, (void *)(sp + off)))
			break;
		size = off + 4096;
	}
	return size;
}

/*
 * Waking the agent for each event would cost more than making it (an
 * irq_work a sample): it is woken once the ring is a quarter full, and
 * reads it at each measurement anyway.
 */
static __always_inline __u64 wakeup(void)
{
	return bpf_ringbuf_query(&stk_events, BPF_RB_AVAIL_DATA) >= MP_STACK_RING / 4 ? BPF_RB_FORCE_WAKEUP :
											  BPF_RB_NO_WAKEUP;
}

static __noinline void capture(struct slot *s, struct task_struct *task, struct page *page, unsigned int order,
				    __u64 weight)
{
	struct mp_stack_event *ev;
	struct pt_regs *regs;
	__u32 zero = 0;

	ev = bpf_map_lookup_elem(&stk_bufs, &zero);
	if (!ev)
		return;
	regs = (struct pt_regs *)bpf_task_pt_regs(task);
	ev->head.hdr.type = MP_EV_STACK;
	ev->head.hdr.version = MP_EVENT_VERSION;
	ev->head.hdr.ts_ns = bpf_ktime_get_boot_ns();
	ev->head.kind = MP_STACK_SAMPLE_EV;
	ev->head.tgid = task->tgid;
	ev->head.tid = task->pid;
	ev->head.flags = 0;
	ev->head.id = ((__u64)bpf_get_smp_processor_id() << 48) | (++s->seq & 0xffffffffffffULL);
	ev->cgid = mp_task_memcg_id_direct(task);
	ev->weight = weight;
	ev->start_ns = task->group_leader->start_boottime;
	ev->mm = AS_NUMBER(task->mm);
	ev->order = order;
	bpf_probe_read_kernel_str(ev->comm, sizeof(ev->comm), task->group_leader->comm);
	/* DWARF's x86_64 numbering. */
	ev->regs[0] = regs->ax;
	ev->regs[1] = regs->dx;
	ev->regs[2] = regs->cx;
	ev->regs[3] = regs->bx;
	ev->regs[4] = regs->si;
	ev->regs[5] = regs->di;
	ev->regs[6] = regs->bp;
	ev->regs[7] = regs->sp;
	ev->regs[8] = regs->r8;
	ev->regs[9] = regs->r9;
	ev->regs[10] = regs->r10;
	ev->regs[11] = regs->r11;
	ev->regs[12] = regs->r12;
	ev->regs[13] = regs->r13;
	ev->regs[14] = regs->r14;
	ev->regs[15] = regs->r15;
	ev->regs[16] = regs->ip;
	ev->stack_size = copy_stack(ev, task, regs->sp);
	if (!ev->stack_size)
		stat_add(MP_STK_NO_STACK, 1);
	s->pend_page = (__u64)page;
}

/* The anon_vma interval tree's node (struct anon_vma_chain) of an rb_node. */
static __always_inline struct anon_vma_chain *avc_of(struct rb_node *n)
{
	return (struct anon_vma_chain *)((void *)n - bpf_core_field_offset(struct anon_vma_chain, rb));
}

/*
 * Where an anonymous page is mapped in mm, found as the kernel's reverse
 * map finds it: the page's anon_vma keeps the areas that may map it in an
 * interval tree of page offsets, and an area maps its index at
 * vm_start + (index - vm_pgoff) pages. The offsets of an area mremap moved
 * keep their old origin, so the index alone would not do. Usually there is
 * one area there; after fork the parent's tree holds its children's too,
 * whose areas cover the same offsets: up to WALK_NODES nodes are visited,
 * subtrees that cannot hold the index skipped. Kept on the stack, the
 * walk's state made the verifier follow every path through 16 rounds
 * (half a second of start-up). 0: not found.
 */
static __always_inline __u64 mapped_at(struct walk *w, struct page *page, __u64 mapping, __u64 mm)
{
	struct anon_vma *av = (struct anon_vma *)(mapping & ~(__u64)PAGE_MAPPING_FLAGS);
	__u64 index = mp_page_index(page), start, end, pgoff, depth;
	struct rb_node *n, *l, *r;
	struct vm_area_struct *vma;
	int i;

	w->node = (__u64)BPF_CORE_READ(av, rb_root.rb_root.rb_node);
	w->depth = 0;
	for (i = 0; i < WALK_NODES; i++) {
		depth = w->depth;
		if (!w->node) {
			if (!depth || depth > WALK_STACK)
				break;
			w->depth = --depth;
			w->node = w->todo[depth & (WALK_STACK - 1)];
		}
		n = (struct rb_node *)w->node;
		vma = BPF_CORE_READ(avc_of(n), vma);
		start = BPF_CORE_READ(vma, vm_start);
		end = BPF_CORE_READ(vma, vm_end);
		pgoff = BPF_CORE_READ(vma, vm_pgoff);
		if ((__u64)BPF_CORE_READ(vma, vm_mm) == mm && index >= pgoff && index - pgoff < (end - start) >> 12)
			return start + ((index - pgoff) << 12);
		/* The tree is ordered by first offset and keeps each subtree's last. */
		l = BPF_CORE_READ(n, rb_left);
		r = BPF_CORE_READ(n, rb_right);
		depth = w->depth;
		if (r && index >= pgoff && BPF_CORE_READ(avc_of(r), rb_subtree_last) >= index && depth < WALK_STACK) {
			w->todo[depth & (WALK_STACK - 1)] = (__u64)r;
			w->depth = depth + 1;
		}
		w->node = l && BPF_CORE_READ(avc_of(l), rb_subtree_last) >= index ? (__u64)l : 0;
	}
	return 0;
}

/*
 * The pending page is mapped anonymous memory now, or it never will be:
 * send its event, with where it is mapped, or drop it. A page freed before
 * it was settled reads as not anonymous (a freed page has no mapping).
 */
static __noinline void settle(struct slot *s)
{
	struct page *page = (struct page *)s->pend_page;
	struct mp_stack_event *ev;
	__u64 mapping, len, addr, mm = s->mm;
	__u32 zero = 0, size, tgid;

	s->pend_page = 0;
	ev = bpf_map_lookup_elem(&stk_bufs, &zero);
	if (!ev)
		return;
	mapping = (__u64)BPF_CORE_READ(page, mapping);
	if ((mapping & PAGE_MAPPING_FLAGS) != PAGE_MAPPING_ANON) {
		stat_add(MP_STK_NOT_ANON, 1);
		return;
	}
	/* The slot is still the sampled process's: settling comes before a new fault switches it. */
	addr = mapped_at(&s->walk, page, mapping, mm);
	if (!addr) {
		skip(s, MP_STK_NO_ADDR, ev->weight);
		return;
	}
	ev->addr = addr;
	tgid = ev->head.tgid;
	/* Followed before it is sent: a range given back after the sample cannot be missed. */
	if (bpf_map_update_elem(&stk_follow, &tgid, &mm, BPF_ANY))
		stat_add(MP_STK_FOLLOW_FULL, 1);
	size = ev->stack_size;
	if (size > MP_STACK_BYTES)
		size = MP_STACK_BYTES;
	len = sizeof(*ev) - MP_STACK_BYTES + size;
	ev->head.hdr.size = len;
	if (bpf_ringbuf_output(&stk_events, ev, len, wakeup())) {
		stat_add(MP_STK_RING_FULL, 1);
		return;
	}
	stat_add(MP_STK_SAMPLES, 1);
	stat_add(MP_STK_RING_BYTES, len);
}

/* The allocation counted, then sampled if it is a watched process's user memory. */
SEC("tp_btf/mm_page_alloc")
int BPF_PROG(stk_page_alloc, struct page *page, unsigned int order, gfp_t gfp)
{
	const struct mp_alloc_slot *counted;
	struct mp_watch_state *st;
	struct task_struct *task;
	struct mm_struct *mm;
	struct slot *s;
	__u64 bytes, weight;
	__u32 zero = 0, gen;

	if (!page)
		return 0;	/* a failed allocation hands out nothing */
	task = bpf_get_current_task_btf();
	counted = mp_alloc_count_task(task, order);
	/* User memory is movable; slab, page tables and kernel buffers are not. */
	if (!counted || !(gfp & GFP_MOVABLE))
		return 0;
	mm = task->mm;
	if (!mm || (task->flags & PF_KTHREAD))
		return 0;
	s = bpf_map_lookup_elem(&stk_slots, &zero);
	if (!s)
		return 0;
	s->busy = 1;
	/* A new fault: the one that allocated the pending page is over. */
	if (s->pend_page)
		settle(s);
	st = bpf_map_lookup_elem(&watch_state, &zero);
	gen = st ? st->generation << 1 | (st->filtering & 1) : 0;
	/*
	 * The count found the task's memory css, its serial (a css freed and
	 * made again at the same address is another) and its cgroup id.
	 */
	if (counted->key.css != s->css || counted->key.serial != s->serial || gen != s->watch_gen) {
		s->css = counted->key.css;
		s->serial = counted->key.serial;
		s->watch_gen = gen;
		s->watched = mp_watched((struct cgroup_subsys_state *)counted->key.css, counted->val.cgid);
	}
	if (!s->watched)
		goto out;
	if ((__u64)mm != s->mm || (__u32)task->tgid != s->tgid)
		switch_process(s, mm, task->tgid);
	bytes = 4096ULL << (order & 31);
	s->left -= bytes;
	if (s->left > 0)
		goto out;
	/*
	 * The sample stands for the bytes since the last one: a budget (SIZE
	 * on average) and what the page went past it. A huge page can cross
	 * several budgets; counted as whole budgets (what was past the last
	 * one dropped) a 2 MiB page stood for 1.75 MiB on average.
	 */
	weight = stk_rate_bytes + (__u64)-s->left;
	s->left = next_budget();
	/*
	 * Past the rate, a sample's bytes go to the process's next sample: a
	 * burst is nearly always one code path, and its bytes stay counted.
	 */
	if (!rate_allows(s)) {
		skip(s, MP_STK_RATE, weight);
		goto out;
	}
	/*
	 * An address-space event that finds no room is lost, and the agent
	 * learns of that range only at its next pagemap read: samples (16 KiB
	 * each) stop while three quarters of the ring wait to be read, leaving
	 * the rest to those events (72 bytes). Their bytes are carried as over
	 * the rate.
	 */
	if (bpf_ringbuf_query(&stk_events, BPF_RB_AVAIL_DATA) > MP_STACK_RING / 4 * 3) {
		skip(s, MP_STK_ROOM, weight);
		goto out;
	}
	weight += s->carry;
	s->carry = 0;
	capture(s, task, page, order, weight);
out:
	s->busy = 0;
	return 0;
}

/* A followed process gave [start, start + len) back, or moved it (kind). */
static __always_inline void send_range(__u32 kind, __u64 start, __u64 len, __u64 to, __u64 new_len)
{
	__u64 id = bpf_get_current_pid_tgid();
	__u32 tgid = id >> 32;
	struct mp_stack_range *e;

	if (!bpf_map_lookup_elem(&stk_follow, &tgid))
		return;
	e = bpf_ringbuf_reserve(&stk_events, sizeof(*e), 0);
	if (!e) {
		stat_add(MP_STK_RING_FULL, 1);
		return;
	}
	e->head.hdr.type = MP_EV_STACK;
	e->head.hdr.version = MP_EVENT_VERSION;
	e->head.hdr.size = sizeof(*e);
	e->head.hdr.ts_ns = bpf_ktime_get_boot_ns();
	e->head.kind = kind;
	e->head.tgid = tgid;
	e->head.tid = (__u32)id;
	e->head.flags = 0;
	e->head.id = 0;
	/* The kernel rounds a range's length up to whole pages. */
	e->start = start;
	e->len = (len + 4095) & ~4095ULL;
	e->to = to;
	e->new_len = (new_len + 4095) & ~4095ULL;
	bpf_ringbuf_submit(e, wakeup());
	stat_add(MP_STK_RANGES, 1);
	stat_add(MP_STK_RING_BYTES, sizeof(*e));
}

/*
 * Given back before the call returns: a sample taken meanwhile cannot be in
 * the range (its pages are going), and a call that fails (a bad range) has
 * nothing there to give back.
 */
SEC("tracepoint/syscalls/sys_enter_munmap")
int stk_munmap(struct trace_event_raw_sys_enter *ctx)
{
	send_range(MP_STACK_UNMAP_EV, ctx->args[0], ctx->args[1], 0, 0);
	return 0;
}

/* MADV_FREE is not: its pages stay until reclaim discards them, which the agent's pagemap reads see. */
SEC("tracepoint/syscalls/sys_enter_madvise")
int stk_madvise(struct trace_event_raw_sys_enter *ctx)
{
	int advice = (int)ctx->args[2];

	if (advice == MADV_DONTNEED || advice == MADV_REMOVE || advice == MADV_DONTNEED_LOCKED)
		send_range(MP_STACK_UNMAP_EV, ctx->args[0], ctx->args[1], 0, 0);
	return 0;
}

/* A fixed mapping replaces whatever was mapped there. */
SEC("tracepoint/syscalls/sys_enter_mmap")
int stk_mmap(struct trace_event_raw_sys_enter *ctx)
{
	__u64 flags = ctx->args[3];

	if ((flags & MAP_FIXED) && !(flags & MAP_FIXED_NOREPLACE))
		send_range(MP_STACK_UNMAP_EV, ctx->args[0], ctx->args[1], 0, 0);
	return 0;
}

/* Where mremap put the range is known at its exit: the arguments wait per thread. */
static __always_inline void call_enter(__u64 start, __u64 len, __u64 new_len)
{
	__u64 id = bpf_get_current_pid_tgid();
	__u32 tgid = id >> 32;
	struct call c = { .start = start, .len = len, .new_len = new_len };

	if (bpf_map_lookup_elem(&stk_follow, &tgid))
		bpf_map_update_elem(&stk_calls, &id, &c, BPF_ANY);
}

static __always_inline bool call_exit(struct call *out)
{
	__u64 id = bpf_get_current_pid_tgid();
	struct call *c = bpf_map_lookup_elem(&stk_calls, &id);

	if (!c)
		return false;
	*out = *c;
	bpf_map_delete_elem(&stk_calls, &id);
	return true;
}

SEC("tracepoint/syscalls/sys_enter_mremap")
int stk_mremap_enter(struct trace_event_raw_sys_enter *ctx)
{
	call_enter(ctx->args[0], ctx->args[1], ctx->args[2]);
	return 0;
}

SEC("tracepoint/syscalls/sys_exit_mremap")
int stk_mremap_exit(struct trace_event_raw_sys_exit *ctx)
{
	__u64 to = ctx->ret;
	struct call c;

	/* A failed call returns -errno, never a page-aligned address. */
	if (call_exit(&c) && !(to & 4095))
		send_range(MP_STACK_MOVE_EV, c.start, c.len, to, c.new_len);
	return 0;
}

/*
 * A break lowered gives back what was above it: the old break is read at
 * entry, and the call is taken to do what it asks, as a lowering does
 * unless memory runs out (brk(0) and raising ask nothing of this).
 */
SEC("tracepoint/syscalls/sys_enter_brk")
int stk_brk(struct trace_event_raw_sys_enter *ctx)
{
	struct task_struct *task = bpf_get_current_task_btf();
	__u64 want = (ctx->args[0] + 4095) & ~4095ULL, now, floor;

	now = (BPF_CORE_READ(task, mm, brk) + 4095) & ~4095ULL;
	floor = BPF_CORE_READ(task, mm, start_brk);
	if (want >= floor && want < now)
		send_range(MP_STACK_UNMAP_EV, want, now - want, 0, 0);
	return 0;
}

/* A new address space: what was followed in the old one is gone. */
SEC("tp_btf/sched_process_exec")
int BPF_PROG(stk_exec, struct task_struct *p, pid_t old_pid, struct linux_binprm *bprm)
{
	__u32 tgid = p->tgid;

	send_range(MP_STACK_EXEC_EV, 0, 0, 0, 0);
	bpf_map_delete_elem(&stk_follow, &tgid);
	return 0;
}

/* Run by the agent on each CPU in turn (BPF_PROG_TEST_RUN): a quiet CPU's pending sample goes out too. */
SEC("raw_tp")
int stk_settle(void *ctx)
{
	__u32 zero = 0;
	struct slot *s = bpf_map_lookup_elem(&stk_slots, &zero);

	if (s && s->pend_page && !s->busy)
		settle(s);
	return 0;
}
