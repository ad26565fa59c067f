// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <sched.h>
#include <stdbool.h>
#include <sys/mount.h>
#include <unistd.h>

#include "sys/tracefs.h"

#define TRACEFS		"/sys/kernel/tracing"
#define DEBUGFS_TRACING	"/sys/kernel/debug/tracing"

static bool reachable(void)
{
	/* libbpf looks under debugfs first, then at tracefs' own mount point. */
	return !access(DEBUGFS_TRACING "/events", F_OK) || !access(TRACEFS "/events", F_OK);
}

int tracefs_ensure(bool *mounted)
{
	*mounted = false;
	if (reachable())
		return 0;
	if (unshare(CLONE_NEWNS))
		return -errno;
	/*
	 * A slave copy still receives the host's later mounts (COMMAND may need
	 * them) but sends nothing back: tracefs stays ours.
	 */
	if (mount(NULL, "/", NULL, MS_REC | MS_SLAVE, NULL))
		return -errno;
	if (mount("tracefs", TRACEFS, "tracefs", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL))
		return -errno;
	*mounted = true;
	return reachable() ? 0 : -ENOENT;
}
