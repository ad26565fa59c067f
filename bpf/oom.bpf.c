// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * OOM kills: the task the OOM killer chose, with its memory cgroup, RSS and
 * oom_score_adj, and whether a cgroup's limit or the whole machine ran out.
 *
 * Kernels differ in what they hand us, so the agent enables one victim
 * hook of three (it checks the kernel's BTF): oom:mark_victim where it
 * carries the task (6.x later than 6.1), else fentry on mark_oom_victim,
 * else on __oom_kill_process. oom_kill_process() knows the constraint;
 * when it can be traced, its context is kept for the victim hook, and
 * otherwise the limits are read to infer it.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_tracing.h>
#include "memprobe.h"
#include "compat.bpf.h"
#include "maps.bpf.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

/* Page counters at or above this many pages mean "no limit", whatever the page size. */
#define UNLIMITED_PAGES		(0x7fffffffffffffffULL >> 16)
/* A charge that failed may leave usage a large folio short of the limit. */
#define LIMIT_SLACK_PAGES	1024
#define MAX_ANCESTORS		16

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, MP_OOM_RING);
} oom_events SEC(".maps");

struct oom_ctx {
	__u64 oom_cgid;
	__u64 limit_pages;
	__u32 scope;
	__u32 _pad;
};

/* The OOM killer's context while oom_kill_process() runs, per thread. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, 256);
	__type(key, __u64);
	__type(value, struct oom_ctx);
} contexts SEC(".maps");

MP_DECLARE_DROPS();

/* Without the killer's context: the nearest memory cgroup at its limit, if any. */
static __always_inline void infer(struct task_struct *victim, struct mp_oom_event *e)
{
	struct cgroup_subsys_state *css = mp_task_memcg_css(victim);
	int i;

	for (i = 0; i < MAX_ANCESTORS && css; i++) {
		void *memcg = (void *)css - bpf_core_field_offset(struct mem_cgroup, css);
		__u64 usage = BPF_CORE_READ((struct mem_cgroup *)memcg, memory.usage.counter);
		__u64 max = BPF_CORE_READ((struct mem_cgroup *)memcg, memory.max);

		if (max < UNLIMITED_PAGES && usage + LIMIT_SLACK_PAGES >= max) {
			e->scope = MP_OOM_CGROUP;
			e->oom_cgid = BPF_CORE_READ(css, cgroup, kn, id);
			e->limit_pages = max;
			return;
		}
		css = BPF_CORE_READ(css, parent);
	}
	/* No cgroup at its limit: the machine (a cpuset or a mempolicy would need the killer's context). */
	e->scope = MP_OOM_SYSTEM;
}

static __always_inline void emit(struct task_struct *victim)
{
	__u64 tid = bpf_get_current_pid_tgid();
	struct mp_oom_event *e;
	struct oom_ctx *killer;
	struct mm_struct *mm;
	int i;

	e = bpf_ringbuf_reserve(&oom_events, sizeof(*e), 0);
	if (!e) {
		mp_drop(&drops, MP_DROP_RING_FULL);
		return;
	}
	__builtin_memset(e, 0, sizeof(*e));
	e->hdr.type = MP_EV_OOM;
	e->hdr.version = MP_EVENT_VERSION;
	e->hdr.size = sizeof(*e);
	e->hdr.ts_ns = bpf_ktime_get_boot_ns();
	e->pid = victim->tgid;
	e->tid = victim->pid;
	e->uid = victim->cred->uid.val;
	e->trigger_pid = tid >> 32;
	bpf_probe_read_kernel_str(e->comm, sizeof(e->comm), victim->comm);
	e->cgid = mp_task_memcg_id_direct(victim);
	e->oom_score_adj = victim->signal->oom_score_adj;
	mm = victim->mm;
	if (mm) {
		e->total_vm_pages = mm->total_vm;
		for (i = 0; i < MP_RSS_MEMBERS; i++)
			e->rss[i] = mp_mm_counter(mm, i);
	}
	killer = bpf_map_lookup_elem(&contexts, &tid);
	if (killer) {
		e->scope = killer->scope;
		e->oom_cgid = killer->oom_cgid;
		e->limit_pages = killer->limit_pages;
		e->exact = 1;
	} else {
		infer(victim, e);
	}
	bpf_ringbuf_submit(e, 0);
}

SEC("fentry/oom_kill_process")
int BPF_PROG(oom_kill_enter, struct oom_control *oc)
{
	__u64 tid = bpf_get_current_pid_tgid();
	struct oom_ctx killer = { .scope = MP_OOM_SYSTEM };
	struct mem_cgroup *memcg = oc->memcg;
	unsigned long constraint = oc->constraint;

	if (constraint == bpf_core_enum_value(enum oom_constraint, CONSTRAINT_CPUSET))
		killer.scope = MP_OOM_CPUSET;
	else if (constraint == bpf_core_enum_value(enum oom_constraint, CONSTRAINT_MEMORY_POLICY))
		killer.scope = MP_OOM_MEMPOLICY;
	/* For a cgroup OOM, totalpages is that cgroup's limit. */
	if (memcg) {
		killer.scope = MP_OOM_CGROUP;
		killer.oom_cgid = memcg->css.cgroup->kn->id;
		killer.limit_pages = oc->totalpages;
	}
	bpf_map_update_elem(&contexts, &tid, &killer, BPF_ANY);
	return 0;
}

SEC("fexit/oom_kill_process")
int BPF_PROG(oom_kill_exit)
{
	__u64 tid = bpf_get_current_pid_tgid();

	bpf_map_delete_elem(&contexts, &tid);
	return 0;
}

SEC("tp_btf/mark_victim")
int BPF_PROG(mark_victim, struct task_struct *task)
{
	emit(task);
	return 0;
}

SEC("fentry/mark_oom_victim")
int BPF_PROG(mark_oom_victim, struct task_struct *task)
{
	emit(task);
	return 0;
}

SEC("fentry/__oom_kill_process")
int BPF_PROG(oom_kill_victim, struct task_struct *victim)
{
	emit(victim);
	return 0;
}
