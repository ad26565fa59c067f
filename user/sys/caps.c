// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/capability.h>

#include "sys/caps.h"

#ifndef CAP_PERFMON
#define CAP_PERFMON	38
#endif
#ifndef CAP_BPF
#define CAP_BPF		39
#endif
#ifndef CAP_CHECKPOINT_RESTORE
#define CAP_CHECKPOINT_RESTORE	40
#endif

static int effective(__u64 *set)
{
	struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct data[2];

	memset(data, 0, sizeof(data));
	if (syscall(SYS_capget, &hdr, data))
		return -errno;
	*set = (__u64)data[1].effective << 32 | data[0].effective;
	return 0;
}

static bool has(__u64 set, int cap)
{
	return (set >> cap) & 1;
}

int caps_check(char *err, size_t errlen)
{
	__u64 set = 0;
	int r;

	r = effective(&set);
	if (r) {
		snprintf(err, errlen, "cannot read this process's capabilities: %s", strerror(-r));
		return r;
	}
	/* Tracing programs need CAP_BPF and CAP_PERFMON, or CAP_SYS_ADMIN before 5.8. */
	if (has(set, CAP_SYS_ADMIN) || (has(set, CAP_BPF) && has(set, CAP_PERFMON)))
		return 0;
	snprintf(err, errlen,
		 "memprobe needs root, or CAP_BPF and CAP_PERFMON, to load its probes (missing:%s%s); run it with sudo",
		 has(set, CAP_BPF) ? "" : " CAP_BPF", has(set, CAP_PERFMON) ? "" : " CAP_PERFMON");
	return -EPERM;
}

/* Whether this kernel knows the capability (CAP_BPF arrived in 5.8). */
static bool known(int cap)
{
	return prctl(PR_CAPBSET_READ, cap, 0, 0, 0) >= 0;
}

int caps_drop(bool remove_cgroup)
{
	__u64 keep = 0;

	keep |= 1ULL << (known(CAP_BPF) ? CAP_BPF : CAP_SYS_ADMIN);
	keep |= 1ULL << CAP_DAC_READ_SEARCH;
	keep |= 1ULL << CAP_SYS_PTRACE;
	if (known(CAP_CHECKPOINT_RESTORE))
		keep |= 1ULL << CAP_CHECKPOINT_RESTORE;
	if (remove_cgroup)
		keep |= 1ULL << CAP_DAC_OVERRIDE;
	return caps_keep(keep);
}

bool caps_have(int cap)
{
	__u64 set = 0;

	return !effective(&set) && has(set, cap);
}

int caps_keep(__u64 keep)
{
	struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct data[2];
	__u64 have = 0;
	int cap;

	if (effective(&have))
		return -errno;
	keep &= have;
	/* The bounding set first, while CAP_SETPCAP is still ours: nothing can come back. */
	for (cap = 0; cap < 64 && known(cap); cap++)
		if (!(keep & (1ULL << cap)) && prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) && errno != EPERM)
			return -errno;
	prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);
	memset(data, 0, sizeof(data));
	data[0].effective = data[0].permitted = (__u32)keep;
	data[1].effective = data[1].permitted = (__u32)(keep >> 32);
	return syscall(SYS_capset, &hdr, data) ? -errno : 0;
}
