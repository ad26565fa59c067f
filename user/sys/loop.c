// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include "sys/loop.h"

static void stop_signals(sigset_t *set)
{
	sigemptyset(set);
	sigaddset(set, SIGINT);
	sigaddset(set, SIGTERM);
	sigaddset(set, SIGHUP);
}

int signals_block(sigset_t *old)
{
	sigset_t set;

	stop_signals(&set);
	/* A reader that goes away must show up as EPIPE, not kill us mid-summary. */
	signal(SIGPIPE, SIG_IGN);
	return sigprocmask(SIG_BLOCK, &set, old) ? -errno : 0;
}

static struct itimerspec spec(double s, bool repeat)
{
	struct itimerspec its = { 0 };

	its.it_value.tv_sec = (time_t)s;
	its.it_value.tv_nsec = (long)((s - floor(s)) * 1e9);
	if (!its.it_value.tv_sec && !its.it_value.tv_nsec)
		its.it_value.tv_nsec = 1;
	if (repeat)
		its.it_interval = its.it_value;
	return its;
}

static int watch(struct loop *l, int fd, uint64_t tag)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.u64 = tag };

	return epoll_ctl(l->epfd, EPOLL_CTL_ADD, fd, &ev) ? -errno : 0;
}

/* Tags for epoll: small numbers are our own fds, LOOP_FD_BASE + i the added ones. */
enum { TAG_SIGNAL = 1, TAG_TICK, TAG_END, TAG_CHILD, LOOP_FD_BASE = 16 };

int loop_init(struct loop *l, double interval_s, double duration_s)
{
	struct itimerspec its;
	sigset_t set;
	int r;

	memset(l, 0, sizeof(*l));
	l->sigfd = l->tick_fd = l->end_fd = l->child_fd = -1;
	l->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (l->epfd < 0)
		return -errno;
	stop_signals(&set);
	l->sigfd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
	l->tick_fd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	if (l->sigfd < 0 || l->tick_fd < 0)
		goto fail;
	its = spec(interval_s, true);
	if (timerfd_settime(l->tick_fd, 0, &its, NULL))
		goto fail;
	if (duration_s > 0) {
		l->end_fd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
		its = spec(duration_s, false);
		if (l->end_fd < 0 || timerfd_settime(l->end_fd, 0, &its, NULL))
			goto fail;
		if ((r = watch(l, l->end_fd, TAG_END)))
			goto fail_r;
	}
	if ((r = watch(l, l->sigfd, TAG_SIGNAL)) || (r = watch(l, l->tick_fd, TAG_TICK)))
		goto fail_r;
	return 0;
fail:
	r = -errno;
fail_r:
	loop_close(l);
	return r;
}

int loop_watch_child(struct loop *l, int pidfd)
{
	l->child_fd = pidfd;
	return watch(l, pidfd, TAG_CHILD);
}

int loop_add(struct loop *l, int fd, int (*ready)(void *ctx), void *ctx)
{
	int r;

	if (l->n_fds == LOOP_MAX_FDS)
		return -ENOSPC;
	r = watch(l, fd, LOOP_FD_BASE + l->n_fds);
	if (r)
		return r;
	l->fds[l->n_fds++] = (struct loop_fd){ .fd = fd, .ready = ready, .ctx = ctx };
	return 0;
}

void loop_on_batch(struct loop *l, int (*done)(void *ctx), void *ctx)
{
	l->batch_done = done;
	l->batch_ctx = ctx;
}

int loop_run(struct loop *l, int (*tick)(void *ctx), void *ctx, enum loop_stop *why)
{
	struct epoll_event ev[8];
	int n, i, r;

	for (;;) {
		n = epoll_wait(l->epfd, ev, 8, -1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		for (i = 0; i < n; i++) {
			uint64_t tag = ev[i].data.u64, expirations;
			struct signalfd_siginfo si;

			switch (tag) {
			case TAG_SIGNAL:
				if (read(l->sigfd, &si, sizeof(si)) != sizeof(si))
					break;
				l->signal = (int)si.ssi_signo;
				l->signal_sent = si.ssi_code == SI_USER || si.ssi_code == SI_QUEUE;
				*why = LOOP_SIGNAL;
				return 0;
			case TAG_TICK:
				if (read(l->tick_fd, &expirations, sizeof(expirations)) != sizeof(expirations))
					break;
				r = tick(ctx);
				if (r)
					return r;
				break;
			case TAG_END:
				*why = LOOP_DURATION;
				return 0;
			case TAG_CHILD:
				*why = LOOP_CHILD;
				return 0;
			default:
				r = l->fds[tag - LOOP_FD_BASE].ready(l->fds[tag - LOOP_FD_BASE].ctx);
				if (r)
					return r;
			}
		}
		if (l->batch_done && (r = l->batch_done(l->batch_ctx)))
			return r;
	}
}

void loop_close(struct loop *l)
{
	if (l->epfd >= 0)
		close(l->epfd);
	if (l->sigfd >= 0)
		close(l->sigfd);
	if (l->tick_fd >= 0)
		close(l->tick_fd);
	if (l->end_fd >= 0)
		close(l->end_fd);
	l->epfd = l->sigfd = l->tick_fd = l->end_fd = -1;
}
