/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* The privileges memprobe needs, checked up front so the refusal says which. */
#ifndef MEMPROBE_CAPS_H
#define MEMPROBE_CAPS_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>

/* 0, or -EPERM with what is missing in err. */
int caps_check(char *err, size_t errlen);

/*
 * Once the probes are attached, keeps only what reading them and /proc
 * still needs (CAP_BPF for map reads on kernels that check every bpf()
 * call, CAP_DAC_READ_SEARCH, CAP_SYS_PTRACE and CAP_CHECKPOINT_RESTORE for
 * other users' /proc files) and drops the rest, bounding set included.
 * remove_cgroup keeps CAP_DAC_OVERRIDE too: cgroup roots are often mode
 * 0555, and the cgroup made for COMMAND must still be removed at the end.
 */
int caps_drop(bool remove_cgroup);

/* Keeps only the capabilities in keep (a bit per CAP_*), bounding set included. */
int caps_keep(__u64 keep);
/* Whether the capability is effective now. */
bool caps_have(int cap);

#endif /* MEMPROBE_CAPS_H */
