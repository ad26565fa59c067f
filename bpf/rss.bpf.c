// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * RSS changes per process, attributed to the memory cgroup of the mm's
 * owner. kmem:rss_stat fires whenever one of an mm's counters moves; this
 * keeps, per process, each counter's latest value and its peak, so that
 * spikes between two samples and processes that live less than an interval
 * are still seen. The changes are kept in a per-CPU slot for the process
 * the CPU saw last (a fault storm is one process's), written to its map
 * entry when another takes the slot. The agent reads /proc for exact
 * absolute figures.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_tracing.h>
#include "memprobe.h"
#include "compat.bpf.h"
#include "maps.bpf.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

/* Not per-CPU: the latest value must be the latest, whichever CPU wrote it. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, MP_MAX_TASKS);
	__type(key, struct mp_proc_key);
	__type(value, struct mp_proc_val);
} procs SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct mp_proc_slot);
} proc_slot SEC(".maps");

MP_DECLARE_DROPS();

/* Writes the slot's process into its map entry: the latest figures, the higher peaks, the changes counted. */
static __always_inline void flush(struct mp_proc_slot *s)
{
	struct mp_proc_val *val;
	int i;

	if (!s->mm)
		return;
	val = bpf_map_lookup_elem(&procs, &s->key);
	if (!val) {
		if (!bpf_map_update_elem(&procs, &s->key, &s->val, BPF_NOEXIST))
			goto empty;
		val = bpf_map_lookup_elem(&procs, &s->key);
		if (!val) {
			mp_drop(&drops, MP_DROP_PROC_FULL);
			goto empty;
		}
	}
	for (i = 0; i < MP_RSS_MEMBERS; i++) {
		val->cur[i] = s->val.cur[i];
		if (s->val.peak[i] > val->peak[i])
			val->peak[i] = s->val.peak[i];
	}
	val->updates += s->val.updates;
	val->cgid = s->val.cgid;
	val->exited |= s->val.exited;
empty:
	s->mm = 0;
}

/* The slot takes mm's process: its counters now, its cgroup and name. */
static __always_inline void fill(struct mp_proc_slot *s, struct mm_struct *mm, struct task_struct *owner,
				 struct task_struct *leader)
{
	s->mm = (__u64)mm;
	s->key.tgid = owner->tgid;
	s->key.start_ns = leader->start_boottime;
	s->val.cur[MP_RSS_FILE] = s->val.peak[MP_RSS_FILE] = mp_mm_counter(mm, MP_RSS_FILE);
	s->val.cur[MP_RSS_ANON] = s->val.peak[MP_RSS_ANON] = mp_mm_counter(mm, MP_RSS_ANON);
	s->val.cur[MP_RSS_SWAP] = s->val.peak[MP_RSS_SWAP] = mp_mm_counter(mm, MP_RSS_SWAP);
	s->val.cur[MP_RSS_SHMEM] = s->val.peak[MP_RSS_SHMEM] = mp_mm_counter(mm, MP_RSS_SHMEM);
	s->val.updates = 0;
	s->val.exited = 0;
	s->val.cgid = mp_task_memcg_id_direct(owner);
	bpf_probe_read_kernel_str(s->val.comm, sizeof(s->val.comm), leader->comm);
}

SEC("tp_btf/rss_stat")
int BPF_PROG(rss_stat, struct mm_struct *mm, int member)
{
	struct task_struct *owner, *leader;
	struct mp_proc_slot *slot;
	__u32 idx = member, zero = 0;
	__s64 pages;

	if (idx >= MP_RSS_MEMBERS)
		return 0;
	owner = mm->owner;
	if (!owner)
		return 0;	/* an mm between owners, during exit */
	/*
	 * fork() fills the child's mm before the child has its own pid, thread
	 * group or cgroups: mid-copy, the owner still carries its parent's tgid
	 * and leader and sits in the root css_set. Counting then would write the
	 * child's figures into the parent's entry and file the parent under the
	 * root cgroup. The child's figures come with its first own change.
	 */
	if (owner->mm != mm)
		return 0;
	leader = owner->group_leader;
	slot = bpf_map_lookup_elem(&proc_slot, &zero);
	if (!slot)
		return 0;
	if (slot->mm != (__u64)mm || slot->key.tgid != (__u32)owner->tgid ||
	    slot->key.start_ns != leader->start_boottime) {
		flush(slot);
		fill(slot, mm, owner, leader);
	}
	pages = mp_mm_counter(mm, idx);
	idx &= MP_RSS_MEMBERS - 1;	/* the verifier loses the range check above on the way here */
	slot->val.cur[idx] = pages;
	if (pages > slot->val.peak[idx])
		slot->val.peak[idx] = pages;
	/* Processes seldom change cgroups: refresh the id now and then, not on every fault. */
	if (!(++slot->val.updates & 63))
		slot->val.cgid = mp_task_memcg_id_direct(owner);
	return 0;
}

/*
 * A process keeps its entry through exec, under the name it had when the
 * probe first saw it (the shell that forked it): the name it runs under
 * is the one to report.
 */
SEC("tp_btf/sched_process_exec")
int BPF_PROG(rss_exec, struct task_struct *p)
{
	struct mp_proc_key key = { .tgid = p->tgid, .start_ns = p->group_leader->start_boottime };
	struct mp_proc_val *val = bpf_map_lookup_elem(&procs, &key);
	struct mp_proc_slot *slot;
	__u32 zero = 0;

	if (val)
		bpf_probe_read_kernel_str(val->comm, sizeof(val->comm), p->comm);
	/* Not flushed yet on this CPU: the slot's name is the one the map entry will get. */
	slot = bpf_map_lookup_elem(&proc_slot, &zero);
	if (slot && slot->mm && slot->key.tgid == key.tgid && slot->key.start_ns == key.start_ns)
		bpf_probe_read_kernel_str(slot->val.comm, sizeof(slot->val.comm), p->comm);
	return 0;
}

/* Set by the agent: how many CPUs' slots the exit hook looks at. */
const volatile __u32 rss_ncpu = 1;
/* The exit hook saw every CPU's slot: the agent can trust an unmarked entry to be alive. */
__u32 rss_exits_complete;

static __always_inline bool mark_slot(struct mp_proc_slot *slot, const struct mp_proc_key *key)
{
	/*
	 * Another CPU may be refilling its slot right now and the mark land on
	 * the next process: the agent confirms every marked exit with /proc.
	 */
	if (!slot || !slot->mm || slot->key.tgid != key->tgid || slot->key.start_ns != key->start_ns)
		return false;
	slot->val.exited = 1;
	return true;
}

/*
 * The last thread of a process exits: any slot holding it and its entry
 * say so, so that the agent knows which processes are gone without
 * reading /proc for every one it holds (thousands on a busy host, every
 * interval). The process's last changes may sit in another CPU's slot.
 * The slots first, the entry last: a slot flushed meanwhile has made the
 * entry by then. This CPU's slot, which nearly always holds it, is
 * flushed: nothing refills it (the mm has no owner any more), and a mark
 * left in it would bring the process back after the agent let it go.
 */
SEC("tp_btf/sched_process_exit")
int BPF_PROG(rss_exit, struct task_struct *p)
{
	struct mp_proc_key key = { .tgid = p->tgid, .start_ns = p->group_leader->start_boottime };
	struct mp_proc_slot *slot;
	struct mp_proc_val *val;
	__u32 zero = 0, cpu;

	/* The group's count of live threads went to 0 before this tracepoint: only the last one sees it. */
	if (p->signal->live.counter)
		return 0;
	slot = bpf_map_lookup_elem(&proc_slot, &zero);
	if (slot && mark_slot(slot, &key))
		flush(slot);
	if (mp_have_percpu_lookup()) {
		for (cpu = 0; cpu < MP_MAX_CPUS && cpu < rss_ncpu; cpu++)
			mark_slot(bpf_map_lookup_percpu_elem(&proc_slot, &zero, cpu), &key);
		/* A host of more CPUs than the loop walks: the agent keeps asking /proc. */
		rss_exits_complete = rss_ncpu <= MP_MAX_CPUS;
	}
	val = bpf_map_lookup_elem(&procs, &key);
	if (val)
		val->exited = 1;
	return 0;
}
