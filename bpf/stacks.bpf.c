// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Growth stacks: where a watched process's anonymous memory comes from,
 * sampled from the page allocations behind it, and whether each sampled
 * page is later given back.
 *
 * kmem:mm_page_alloc runs in the allocating task, in the page fault that
 * wants the page; the task's pt_regs are then the user registers at the
 * faulting instruction. The one program there counts the allocation for
 * the allocation probe (bpf/alloc.bpf.h), so that a fault pays for one
 * program, not two, and samples: movable allocations by user tasks of
 * watched cgroups count down a per-process budget of bytes (MP_STACK_SAMPLE on
 * average, jittered so that periodic allocations cannot alias with it);
 * the page that crosses it is sampled: the user registers and the top of
 * the user stack are copied aside and the page is remembered. Whether it
 * is anonymous memory is known only once the fault has mapped it
 * (folio->mapping gains PAGE_MAPPING_ANON; on 6.1 kmem:rss_stat does not
 * fire per fault, so there is no later hook to wait for): the sample is
 * settled at the CPU's next candidate allocation, which comes after the
 * fault is over, or when the agent asks (stk_settle, each interval). Page
 * cache and swap-in pages are dropped then, counted.
 *
 * kmem:mm_page_free runs for every page the machine frees: it tests one
 * bit of a 16 KiB array the verifier inlines, indexed by the page, and
 * only when that is set looks the page up. A sampled page freed by its
 * process is reported; one freed by reclaim or migration (kernel threads,
 * PF_MEMALLOC) still holds the process's memory somewhere else, and is
 * reported as moved. Except memory the process gave back with MADV_FREE:
 * reclaim discards it (anonymous, no longer swap-backed), and it is freed.
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

/* Stable values, not in BTF: include/linux/sched.h, gfp_types.h, page-flags.h. */
#define PF_MEMALLOC		0x00000800
#define PF_KTHREAD		0x00200000
#define GFP_MOVABLE		0x08
#define PAGE_MAPPING_ANON	0x1

const volatile __u64 stk_rate_bytes = MP_STACK_SAMPLE;
const volatile __u64 stk_interval_ns = 1000000000ULL / MP_STACK_RATE;	/* per CPU */
const volatile __u64 stk_burst_ns = 1000000000ULL;	/* a second's worth */
#define GATE_MASK		(MP_STACK_GATE - 1)

enum page_state {
	PENDING = 0,		/* sampled, not yet known to be anonymous */
	LIVE = 1,		/* anonymous, sent to the agent */
	FREED = 2,		/* freed before it was settled */
};

struct page_val {
	__u64 id;
	__u64 state;		/* enum page_state; 64 bits for cmpxchg on BPF's first instruction sets */
	__u32 tgid;
	__u32 anon;		/* FREED: it was anonymous when freed */
};

/* The sampled pages, by struct page address. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, MP_STACK_PAGES);
	__type(key, __u64);
	__type(value, struct page_val);
} stk_pages SEC(".maps");

/*
 * The free path's one cheap look: a bit per slot, set while a sampled page
 * hashes there. 16 KiB, so that it stays in the cache of a CPU that frees
 * pages all the time (a larger array cost a cache miss per free). How many
 * pages share a slot is counted beside it, touched only when a sampled
 * page comes or goes.
 */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, MP_STACK_GATE / 64);
	__type(key, __u32);
	__type(value, __u64);
} stk_gate SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, MP_STACK_GATE);
	__type(key, __u32);
	__type(value, __u64);
} stk_gate_counts SEC(".maps");

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

/* Each CPU's state: the watched verdict of the last memory css, the budget of the last process, the pending sample. */
struct slot {
	__u64 css, serial;	/* the memory css (and its serial number) watched was decided for */
	__u64 mm;
	__s64 left;		/* bytes until the next sample */
	__u64 tat;		/* token bucket: the earliest time the next stack is due */
	__u64 seq;
	__u64 pend_page;	/* the pending page's struct page; 0: nothing pending */
	__u64 pend_key;
	__u64 carry;		/* bytes of samples the rate limit skipped, for the process's next one */
	__u32 tgid;
	__u32 watched;
	__u32 busy;		/* an allocation is being sampled: the agent's settle waits */
	__u32 watch_gen;	/* the targets' generation and filtering when watched was decided */
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

/*
 * A page's key: its struct page's address as a plain number. The verifier
 * allows no shift on a pointer, but a pointer minus another is a number
 * for a program allowed to see addresses; any fixed pointer will do.
 */
#define PAGE_KEY(page)	((__u64)(page) - (__u64)&stk_gate)

/*
 * A page comes (d = 1) or goes (d = -1). The bit is cleared when the last
 * page of its slot goes, and set again if another came meanwhile: a free
 * can then find the bit clear only while no sampled page is there.
 */
static __always_inline void gate_add(__u64 key, int d)
{
	__u32 idx = (key >> 6) & GATE_MASK, word = idx / 64;
	__u64 bit = 1ULL << (idx & 63), *n, *g;

	n = bpf_map_lookup_elem(&stk_gate_counts, &idx);
	g = bpf_map_lookup_elem(&stk_gate, &word);
	if (!n || !g)
		return;
	if (d > 0) {
		__sync_fetch_and_add(n, 1);
		__sync_fetch_and_or(g, bit);
		return;
	}
	if (__sync_fetch_and_add(n, -1) != 1)
		return;
	__sync_fetch_and_and(g, ~bit);
	if (*(volatile __u64 *)n)
		__sync_fetch_and_or(g, bit);
}

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
	__u64 key = PAGE_KEY(page);
	struct page_val val = { .tgid = task->tgid, .state = PENDING };
	struct mp_stack_event *ev;
	struct pt_regs *regs;
	__u32 zero = 0;
	long err;

	ev = bpf_map_lookup_elem(&stk_bufs, &zero);
	if (!ev)
		return;
	val.id = ((__u64)bpf_get_smp_processor_id() << 48) | (++s->seq & 0xffffffffffffULL);
	err = bpf_map_update_elem(&stk_pages, &key, &val, BPF_NOEXIST);
	/*
	 * Sampled on another CPU, freed before that CPU settled it, and handed
	 * out again (a freed page goes to the freeing CPU's list, first out):
	 * that CPU's settle sends the old sample's free. This one is skipped,
	 * its bytes carried, as over the rate.
	 */
	if (err == -MP_EEXIST) {
		skip(s, MP_STK_BUSY, weight);
		return;
	}
	if (err) {
		stat_add(MP_STK_PAGES_FULL, 1);
		return;
	}
	gate_add(key, 1);
	regs = (struct pt_regs *)bpf_task_pt_regs(task);
	ev->head.hdr.type = MP_EV_STACK;
	ev->head.hdr.version = MP_EVENT_VERSION;
	ev->head.hdr.ts_ns = bpf_ktime_get_boot_ns();
	ev->head.kind = MP_STACK_SAMPLE_EV;
	ev->head.tgid = task->tgid;
	ev->head.tid = task->pid;
	ev->head.flags = 0;
	ev->head.id = val.id;
	ev->cgid = mp_task_memcg_id_direct(task);
	ev->weight = weight;
	ev->start_ns = task->group_leader->start_boottime;
	ev->mm = (__u64)task->mm - (__u64)&stk_gate;	/* a number, as PAGE_KEY: only compared */
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
	s->pend_key = key;
	s->pend_page = (__u64)page;
}

static __always_inline void forget(__u64 key)
{
	bpf_map_delete_elem(&stk_pages, &key);
	gate_add(key, -1);
}

static __always_inline void send_free(__u64 id, __u32 tgid, __u32 flags)
{
	struct mp_stack_head *h = bpf_ringbuf_reserve(&stk_events, sizeof(*h), 0);

	if (!h) {
		stat_add(MP_STK_RING_FULL, 1);
		return;
	}
	h->hdr.type = MP_EV_STACK;
	h->hdr.version = MP_EVENT_VERSION;
	h->hdr.size = sizeof(*h);
	h->hdr.ts_ns = bpf_ktime_get_boot_ns();
	h->kind = MP_STACK_FREE_EV;
	h->tgid = tgid;
	h->tid = 0;
	h->flags = flags;
	h->id = id;
	bpf_ringbuf_submit(h, wakeup());
	stat_add(MP_STK_RING_BYTES, sizeof(*h));
}

/*
 * The pending page is anonymous memory now, or it never will be: send its
 * event, or drop it. The event goes before the page turns LIVE, so that
 * its free can never reach the agent first.
 */
static __noinline void settle(struct slot *s)
{
	__u64 page = s->pend_page, key = s->pend_key, mapping, len;
	struct mp_stack_event *ev;
	struct page_val *pv;
	__u32 zero = 0, size;

	s->pend_page = 0;
	pv = bpf_map_lookup_elem(&stk_pages, &key);
	ev = bpf_map_lookup_elem(&stk_bufs, &zero);
	if (!pv || !ev)
		return;
	if (pv->state == FREED) {
		if (pv->anon)
			ev->head.flags = MP_STACK_FREED;
		else
			stat_add(MP_STK_NOT_ANON, 1);
		forget(key);
		if (!ev->head.flags)
			return;
	} else {
		mapping = (__u64)BPF_CORE_READ((struct page *)page, mapping);
		if (!(mapping & PAGE_MAPPING_ANON)) {
			stat_add(MP_STK_NOT_ANON, 1);
			forget(key);
			return;
		}
	}
	size = ev->stack_size;
	if (size > MP_STACK_BYTES)
		size = MP_STACK_BYTES;
	len = sizeof(*ev) - MP_STACK_BYTES + size;
	ev->head.hdr.size = len;
	if (bpf_ringbuf_output(&stk_events, ev, len, wakeup())) {
		stat_add(MP_STK_RING_FULL, 1);
		if (!ev->head.flags)
			forget(key);
		return;
	}
	stat_add(MP_STK_SAMPLES, 1);
	stat_add(MP_STK_RING_BYTES, len);
	if (ev->head.flags)
		return;
	/* Freed meanwhile on another CPU: that free could not be sent, so send it now. */
	if (__sync_val_compare_and_swap(&pv->state, PENDING, LIVE) != PENDING) {
		send_free(ev->head.id, ev->head.tgid, 0);
		stat_add(MP_STK_FREES, 1);
		forget(key);
	}
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
	counted = mp_alloc_count(order);
	/* User memory is movable; slab, page tables and kernel buffers are not. */
	if (!counted || !(gfp & GFP_MOVABLE))
		return 0;
	task = bpf_get_current_task_btf();
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
	 * A free that finds no room is lost, and its page stays in use in the
	 * agent's account for good: samples (16 KiB each) stop while three
	 * quarters of the ring wait to be read, leaving the rest to frees (40
	 * bytes). Their bytes are carried as over the rate.
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

/*
 * A page MADV_FREE gave back, which reclaim now discards rather than
 * swapping out: anonymous, and no longer swap-backed (an anonymous page is
 * otherwise, even in the swap cache). Read only for a sampled page.
 */
static __always_inline bool lazily_freed(struct page *page)
{
	__u64 mapping = (__u64)BPF_CORE_READ(page, mapping);

	return (mapping & PAGE_MAPPING_ANON) &&
	       !mp_flag_set(mp_page_flags(page), bpf_core_enum_value(enum pageflags, PG_swapbacked));
}

SEC("tp_btf/mm_page_free")
int BPF_PROG(stk_page_free, struct page *page, unsigned int order)
{
	__u64 key = PAGE_KEY(page), *g;
	__u32 idx = (key >> 6) & GATE_MASK, word = idx / 64, flags = 0;
	struct task_struct *task;
	struct page_val *pv;

	g = bpf_map_lookup_elem(&stk_gate, &word);
	if (!g || !((*g >> (idx & 63)) & 1))
		return 0;
	pv = bpf_map_lookup_elem(&stk_pages, &key);
	if (!pv)
		return 0;
	if (pv->state == PENDING) {
		/* Read as a number: the verifier tests no bit of a pointer. Rare: a sampled page. */
		pv->anon = ((__u64)BPF_CORE_READ(page, mapping) & PAGE_MAPPING_ANON) != 0;
		/* The settling CPU sends the free when it finds this. */
		if (__sync_val_compare_and_swap(&pv->state, PENDING, FREED) == PENDING)
			return 0;
	}
	if (pv->state != LIVE)
		return 0;
	task = bpf_get_current_task_btf();
	if ((task->flags & (PF_KTHREAD | PF_MEMALLOC)) && !lazily_freed(page)) {
		flags = MP_STACK_MOVED;
		stat_add(MP_STK_MOVED, 1);
	}
	stat_add(MP_STK_FREES, 1);
	send_free(pv->id, pv->tgid, flags);
	forget(key);
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
