// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * What running a BPF program on a raw tracepoint costs before the program
 * does anything: the tracepoint's call into BPF, the recursion and RCU
 * guards, the indirect call. The run-time statistics time only the
 * program (and add their own clock reads), so a hook whose body is nearly
 * empty costs mostly what they do not see: what a new hook costs a fault
 * before it does anything. The benchmark times that with the statistics
 * off: `hold` keeps the system-call tracepoints on (memprobe's SysV probes
 * do the same), and `dispatch`, the first and only program on
 * raw_syscalls:sys_exit, is attached and detached in turn around blocks of
 * getppid().
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

char LICENSE[] SEC("license") = "Dual BSD/GPL";

SEC("tp_btf/sys_enter")
int BPF_PROG(hold)
{
	return 0;
}

SEC("tp_btf/sys_exit")
int BPF_PROG(dispatch)
{
	return 0;
}
