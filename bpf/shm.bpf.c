// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * SysV shared memory: shmget, shmat, shmdt and shmctl(IPC_RMID), seen at
 * syscall entry (the arguments) and exit (the outcome), so that only calls
 * that worked are reported, with the id they returned or acted on. Each is
 * one event through the ring buffer; what the ring cannot take is counted.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_tracing.h>
#include "memprobe.h"
#include "compat.bpf.h"
#include "maps.bpf.h"
#include "watch.bpf.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

#define IPC_RMID	0	/* uapi linux/ipc.h */
#define MAX_INFLIGHT	4096

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, MP_SHM_RING);
} shm_events SEC(".maps");

/* Arguments of a call between its entry and exit, per thread. */
struct inflight {
	__u32 op;
	__s32 shmid;
	__s32 key;
	__u32 flags;
	__u64 size;
	__u64 addr;
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, MAX_INFLIGHT);
	__type(key, __u64);
	__type(value, struct inflight);
} inflight SEC(".maps");

/*
 * Calls from cgroups outside the targets never reach the ring (watch.bpf.h:
 * a caller belongs to a target when the target is its cgroup or an
 * ancestor, so a cgroup created below a target is watched from its first
 * call).
 */
MP_DECLARE_WATCH();

MP_DECLARE_DROPS();

static __always_inline void enter(const struct inflight *in)
{
	struct cgroup_subsys_state *css = mp_current_memcg_css();
	__u64 id = bpf_get_current_pid_tgid();

	if (!mp_watched(css, mp_current_css_id(css)))
		return;

	if (bpf_map_update_elem(&inflight, &id, in, BPF_ANY))
		mp_drop(&drops, MP_DROP_INFLIGHT_FULL);
}

static __always_inline void leave(long ret)
{
	__u64 id = bpf_get_current_pid_tgid();
	struct inflight *in = bpf_map_lookup_elem(&inflight, &id);
	struct mp_shm_event *e;
	struct inflight copy;

	if (!in)
		return;
	copy = *in;	/* the entry goes now; work from a copy */
	bpf_map_delete_elem(&inflight, &id);
	if (ret < 0)
		return;
	e = bpf_ringbuf_reserve(&shm_events, sizeof(*e), 0);
	if (!e) {
		mp_drop(&drops, MP_DROP_RING_FULL);
		return;
	}
	e->hdr.type = MP_EV_SHM;
	e->hdr.version = MP_EVENT_VERSION;
	e->hdr.size = sizeof(*e);
	e->hdr.ts_ns = bpf_ktime_get_boot_ns();
	e->pid = id >> 32;
	e->tid = (__u32)id;
	e->cgid = mp_current_memcg_id();
	e->ipc_ns = mp_current_ipc_ns();
	e->op = copy.op;
	e->shmid = copy.op == MP_SHM_GET ? (__s32)ret : copy.shmid;
	e->key = copy.key;
	e->size = copy.size;
	e->addr = copy.op == MP_SHM_ATTACH ? (__u64)ret : copy.addr;
	e->flags = copy.flags;
	bpf_get_current_comm(e->comm, sizeof(e->comm));
	bpf_ringbuf_submit(e, 0);
}

SEC("tracepoint/syscalls/sys_enter_shmget")
int shmget_enter(struct trace_event_raw_sys_enter *ctx)
{
	struct inflight in = { .op = MP_SHM_GET, .key = (__s32)ctx->args[0], .size = ctx->args[1],
			       .flags = (__u32)ctx->args[2], .shmid = -1 };

	enter(&in);
	return 0;
}

SEC("tracepoint/syscalls/sys_exit_shmget")
int shmget_exit(struct trace_event_raw_sys_exit *ctx)
{
	leave(ctx->ret);
	return 0;
}

SEC("tracepoint/syscalls/sys_enter_shmat")
int shmat_enter(struct trace_event_raw_sys_enter *ctx)
{
	struct inflight in = { .op = MP_SHM_ATTACH, .shmid = (__s32)ctx->args[0],
			       .flags = (__u32)ctx->args[2] };

	enter(&in);
	return 0;
}

SEC("tracepoint/syscalls/sys_exit_shmat")
int shmat_exit(struct trace_event_raw_sys_exit *ctx)
{
	leave(ctx->ret);
	return 0;
}

/* The SysV segment behind a mapped file, or -1: its private data says which. */
static __always_inline __s32 shm_of_file(struct file *file)
{
	struct shm_file_data *sfd;
	char name[5] = {};

	if (!file)
		return -1;
	/* SysV segments are files named SYSV<key> on the kernel's internal shm mount. */
	bpf_probe_read_kernel_str(name, sizeof(name), BPF_CORE_READ(file, f_path.dentry, d_name.name));
	if (name[0] != 'S' || name[1] != 'Y' || name[2] != 'S' || name[3] != 'V')
		return -1;
	sfd = BPF_CORE_READ(file, private_data);
	return BPF_CORE_READ(sfd, id);
}

static long shm_of_vma(struct task_struct *task, struct vm_area_struct *vma, void *data)
{
	*(__s32 *)data = shm_of_file(vma->vm_file);
	return 0;
}

SEC("tracepoint/syscalls/sys_enter_shmdt")
int shmdt_enter(struct trace_event_raw_sys_enter *ctx)
{
	struct inflight in = { .op = MP_SHM_DETACH, .addr = ctx->args[0], .shmid = -1 };

	/* shmdt names an address, not a segment: find the mapping while it still exists. */
	bpf_find_vma(bpf_get_current_task_btf(), in.addr, shm_of_vma, &in.shmid, 0);
	enter(&in);
	return 0;
}

/*
 * The same where there is no bpf_find_vma() (before 5.17): the agent loads
 * this one instead and the mapping is looked up in the mm's tree of VMAs
 * (compat.bpf.h). Goes with the last kernel before 5.17.
 */
SEC("tracepoint/syscalls/sys_enter_shmdt")
int shmdt_enter_walk(struct trace_event_raw_sys_enter *ctx)
{
	struct inflight in = { .op = MP_SHM_DETACH, .addr = ctx->args[0], .shmid = -1 };
	struct vm_area_struct *vma = mp_current_vma_pre61(in.addr);

	if (vma)
		in.shmid = shm_of_file(BPF_CORE_READ(vma, vm_file));
	enter(&in);
	return 0;
}

SEC("tracepoint/syscalls/sys_exit_shmdt")
int shmdt_exit(struct trace_event_raw_sys_exit *ctx)
{
	leave(ctx->ret);
	return 0;
}

SEC("tracepoint/syscalls/sys_enter_shmctl")
int shmctl_enter(struct trace_event_raw_sys_enter *ctx)
{
	struct inflight in = { .op = MP_SHM_REMOVE, .shmid = (__s32)ctx->args[0] };

	/* Only removals matter; IPC_STAT and friends change nothing. */
	if ((int)ctx->args[1] != IPC_RMID)
		return 0;
	enter(&in);
	return 0;
}

SEC("tracepoint/syscalls/sys_exit_shmctl")
int shmctl_exit(struct trace_event_raw_sys_exit *ctx)
{
	leave(ctx->ret);
	return 0;
}
