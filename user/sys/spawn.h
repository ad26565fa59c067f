/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * memprobe -- COMMAND: COMMAND runs in a memory cgroup of its own, created
 * for the run and removed after it. The child waits, already inside that
 * cgroup, until the probes are attached, so nothing it does goes unseen.
 */
#ifndef MEMPROBE_SPAWN_H
#define MEMPROBE_SPAWN_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "sys/cgroup.h"

struct spawn {
	struct cg_target cg;
	bool have_cg;
	pid_t pid;		/* 0 once reaped */
	int pidfd;
	int go_fd;		/* closing it (or writing to it) releases the child */
	int err_fd;		/* the child's exec errno, or EOF when exec worked */
	int status;		/* wait status once reaped */
};

void spawn_init(struct spawn *s);

/*
 * Finds what execvp would run for file (searching PATH when it has no '/')
 * into path; -ENOENT, -EACCES or -EISDIR when there is nothing to run, so a
 * run can be refused before anything is announced.
 */
int spawn_find(const char *file, char *path, size_t len);

/* Creates the cgroup and a child in it, waiting; COMMAND gets default signals and an empty mask. */
int spawn_prepare(struct spawn *s, const struct cg_hier *h, char *const argv[]);

/* Lets COMMAND run. -ENOENT, -EACCES, ...: it could not be executed. */
int spawn_release(struct spawn *s);

int spawn_signal(struct spawn *s, int sig);

/* Reaps the child once it has exited; returns 0 with s->status set. */
int spawn_reap(struct spawn *s);

/* Shell convention: the exit code, or 128 + the signal that killed it. */
int spawn_exit_code(const struct spawn *s);

/* Kills a child still running, reaps it, and removes the cgroup. */
void spawn_cleanup(struct spawn *s);

#endif /* MEMPROBE_SPAWN_H */
