// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * RSS changes per process, attributed to the memory cgroup of the mm's
 * owner. kmem:rss_stat fires whenever one of an mm's counters moves; this
 * keeps, per process, each counter's latest value and its peak, so that
 * spikes between two samples and processes that live less than an interval
 * are still seen. The agent reads /proc for exact absolute figures.
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

MP_DECLARE_DROPS();

SEC("tp_btf/rss_stat")
int BPF_PROG(rss_stat, struct mm_struct *mm, int member)
{
	struct task_struct *owner, *leader;
	struct mp_proc_key key = {};
	struct mp_proc_val *val;
	__u32 idx = member;
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
	key.tgid = owner->tgid;
	key.start_ns = leader->start_boottime;
	val = bpf_map_lookup_elem(&procs, &key);
	if (!val) {
		struct mp_proc_val init = {};

		bpf_probe_read_kernel_str(init.comm, sizeof(init.comm), leader->comm);
		val = mp_upsert(&procs, &key, &init, &drops, MP_DROP_PROC_FULL);
		if (!val)
			return 0;
	}
	pages = mp_mm_counter(mm, idx);
	idx &= MP_RSS_MEMBERS - 1;	/* the verifier loses the range check above on the way here */
	val->cur[idx] = pages;
	if (pages > val->peak[idx])
		val->peak[idx] = pages;
	/* Processes seldom change cgroups: refresh the id now and then, not on every fault. */
	if (!(val->updates++ & 63))
		val->cgid = mp_task_memcg_id_direct(owner);
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

	if (val)
		bpf_probe_read_kernel_str(val->comm, sizeof(val->comm), p->comm);
	return 0;
}
