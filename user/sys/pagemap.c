// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * /proc/PID/pagemap for sys/pagemap.h: one 64-bit entry per page of the
 * address space; bit 63 says the page is in memory, bit 62 that it is in
 * swap (Documentation/admin-guide/mm/pagemap.rst). Neither: nothing is
 * there. A process is known by its pid and its start time, as everywhere
 * in the agent, so that a reused pid is not taken for the old process.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

#include "sys/pagemap.h"
#include "sys/unwind.h"

#define PM_PRESENT	(1ULL << 63)
#define PM_SWAP		(1ULL << 62)

void pagemap_init(struct pagemap *pm)
{
	pm->fd = -1;
	pm->tgid = 0;
	pm->start_ns = 0;
	pm->gone = false;
}

void pagemap_close(struct pagemap *pm)
{
	if (pm->fd >= 0)
		close(pm->fd);
	pagemap_init(pm);
}

static int open_process(struct pagemap *pm, __u32 tgid, __u64 start_ns)
{
	char path[64];

	pagemap_close(pm);
	pm->tgid = tgid;
	pm->start_ns = start_ns;
	snprintf(path, sizeof(path), "/proc/%u/pagemap", tgid);
	pm->fd = open(path, O_RDONLY | O_CLOEXEC);
	if (pm->fd < 0 && errno != ENOENT && errno != ESRCH)
		return -errno;
	/* Checked after the open: the file is then the process that was checked, or the check fails. */
	pm->gone = pm->fd < 0 || !unwinder_process_alive(tgid, start_ns);
	return 0;
}

int pagemap_mapped(struct pagemap *pm, __u32 tgid, __u64 start_ns, __u64 addr)
{
	__u64 entry;
	ssize_t n;
	int r;

	if (pm->fd < 0 || tgid != pm->tgid || start_ns != pm->start_ns) {
		r = open_process(pm, tgid, start_ns);
		if (r)
			return r;
	}
	if (pm->gone)
		return 0;
	n = pread(pm->fd, &entry, sizeof(entry), (off_t)(addr >> 12) * sizeof(entry));
	if (n == 0)
		return 0;	/* past the end of the address space: nothing there */
	if (n != sizeof(entry)) {
		/* The process exited while its file was open. */
		if (n < 0 && errno == ESRCH)
			return 0;
		return n < 0 ? -errno : -EIO;
	}
	return (entry & (PM_PRESENT | PM_SWAP)) != 0;
}
