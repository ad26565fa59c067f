/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The one event loop: signals (signalfd), the sampling timer, the end of
 * --duration, the watched COMMAND's exit (pidfd) and any ring buffer, all
 * in one epoll set. No signal handlers: signals are blocked from the start
 * and read from the signalfd, so none is lost during start-up.
 */
#ifndef MEMPROBE_LOOP_H
#define MEMPROBE_LOOP_H

#include <signal.h>
#include <stdbool.h>

#define LOOP_MAX_FDS	8

enum loop_stop {
	LOOP_SIGNAL,		/* SIGINT, SIGTERM or SIGHUP: see loop.signal */
	LOOP_DURATION,		/* --duration is over */
	LOOP_CHILD,		/* COMMAND exited */
};

struct loop_fd {
	int fd;
	int (*ready)(void *ctx);
	void *ctx;
};

struct loop {
	int epfd;
	int sigfd;
	int tick_fd;
	int end_fd;
	int child_fd;
	struct loop_fd fds[LOOP_MAX_FDS];
	unsigned int n_fds;
	int (*batch_done)(void *ctx);	/* after each wakeup's work, e.g. flushing output */
	void *batch_ctx;
	int signal;		/* the last stopping signal */
	bool signal_sent;	/* it came from kill(2), not from the terminal */
};

/* Blocks the stopping signals for the whole process; call first thing in main. */
int signals_block(sigset_t *old);

int loop_init(struct loop *l, double interval_s, double duration_s);
int loop_watch_child(struct loop *l, int pidfd);
int loop_add(struct loop *l, int fd, int (*ready)(void *ctx), void *ctx);
void loop_on_batch(struct loop *l, int (*done)(void *ctx), void *ctx);

/* Calls tick(ctx) every interval until something stops the run; returns 0 or a negative errno. */
int loop_run(struct loop *l, int (*tick)(void *ctx), void *ctx, enum loop_stop *why);

void loop_close(struct loop *l);

#endif /* MEMPROBE_LOOP_H */
