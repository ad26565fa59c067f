// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Reclaim stalls: the time a task spends reclaiming memory before its
 * allocation can go on, the latency memory pressure adds to a service
 * before any OOM kill. Direct reclaim (the machine short of memory) and
 * memcg reclaim (the cgroup at memory.high or its limit) are timed from
 * their begin to their end tracepoint, and summed per memory cgroup of the
 * task, with a log2 histogram. Reclaim is rare next to faults: a hash
 * update per stall is cheap, and the start times sit in a
 * preallocated map.
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
	__type(key, __u64);
	__type(value, struct mp_reclaim_val);
} reclaim_cgroups SEC(".maps");

/* When each task's reclaim began, by kind: the thread id is the key. */
struct reclaim_start {
	__u64 ts[MP_RECLAIM_KINDS];
};

/*
 * Preallocated: every stall inserts and deletes one entry, and taking a
 * ready element costs a fraction of allocating one. Tasks reclaiming at
 * the same moment are few; 4096 of them is a host already on its knees.
 */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4096);
	__type(key, __u32);
	__type(value, struct reclaim_start);
} reclaim_starts SEC(".maps");

MP_DECLARE_DROPS();

static const struct mp_reclaim_val zero_val;

static __always_inline void begin(enum mp_reclaim_kind kind)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	struct reclaim_start init = {}, *s;

	s = mp_upsert(&reclaim_starts, &tid, &init, &drops, MP_DROP_RECLAIM_FULL);
	if (s)
		s->ts[kind & (MP_RECLAIM_KINDS - 1)] = bpf_ktime_get_ns();
}

/* log2 of the stall in microseconds, into MP_RECLAIM_BUCKETS buckets. */
static __always_inline __u32 bucket(__u64 ns)
{
	__u64 us = ns / 1000;
	__u32 b = 0;
	int i;

	for (i = 0; i < MP_RECLAIM_BUCKETS - 1 && us; i++) {
		us >>= 1;
		b++;
	}
	return b;
}

static __always_inline void end(enum mp_reclaim_kind kind)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid(), k = kind & (MP_RECLAIM_KINDS - 1);
	struct mp_reclaim_val *v;
	struct reclaim_start *s;
	__u64 cgid, ns, started;
	__u32 b;

	s = bpf_map_lookup_elem(&reclaim_starts, &tid);
	if (!s)
		return;
	started = s->ts[k];
	s->ts[k] = 0;
	if (!s->ts[0] && !s->ts[1])
		bpf_map_delete_elem(&reclaim_starts, &tid);
	if (!started)
		return;
	ns = bpf_ktime_get_ns() - started;
	cgid = mp_current_memcg_id();
	v = mp_upsert(&reclaim_cgroups, &cgid, &zero_val, &drops, MP_DROP_RECLAIM_FULL);
	if (!v)
		return;
	v->count[k]++;
	v->ns[k] += ns;
	b = bucket(ns);
	if (b >= MP_RECLAIM_BUCKETS)
		b = MP_RECLAIM_BUCKETS - 1;
	v->hist[b]++;
}

SEC("tp_btf/mm_vmscan_direct_reclaim_begin")
int BPF_PROG(direct_reclaim_begin)
{
	begin(MP_RECLAIM_DIRECT);
	return 0;
}

SEC("tp_btf/mm_vmscan_direct_reclaim_end")
int BPF_PROG(direct_reclaim_end)
{
	end(MP_RECLAIM_DIRECT);
	return 0;
}

SEC("tp_btf/mm_vmscan_memcg_reclaim_begin")
int BPF_PROG(memcg_reclaim_begin)
{
	begin(MP_RECLAIM_MEMCG);
	return 0;
}

SEC("tp_btf/mm_vmscan_memcg_reclaim_end")
int BPF_PROG(memcg_reclaim_end)
{
	end(MP_RECLAIM_MEMCG);
	return 0;
}
