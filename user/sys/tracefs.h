/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Classic tracepoints (the syscall ones memprobe uses for SysV shm) are
 * found by their ids in tracefs. Hosts with systemd mount it at boot; a
 * bare machine may not. memprobe then mounts it in a mount namespace of
 * its own, so the host's mount table is never changed.
 */
#ifndef MEMPROBE_TRACEFS_H
#define MEMPROBE_TRACEFS_H

#include <stdbool.h>

/* 0 when tracefs is reachable (mounted==true if memprobe mounted it), or a negative errno. */
int tracefs_ensure(bool *mounted);

#endif /* MEMPROBE_TRACEFS_H */
