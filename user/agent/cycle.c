// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>

#include "agent/agent.h"
#include "model/accounting.h"
#include "model/health.h"
#include "model/posixshm.h"
#include "model/refresh.h"
#include "output/report.h"
#include "sys/files.h"
#include "sys/log.h"
#include "sys/util.h"
#include "version.h"

int agent_output_error(struct agent *a, int r)
{
	if (r == -EPIPE) {
		if (!a->output_closed)
			log_info("the output was closed; stopping");
		a->output_closed = true;
		return r;
	}
	return log_err_errno(r, "cannot write the output");
}

static bool watched(void *ctx, __u64 cgid)
{
	return targets_owner(ctx, cgid) != NULL;
}

/* Losses are counted in lost_events; stderr hears of each cause once, when it first happens. */
static void say_losses(struct agent *a, bool final)
{
	int i;

	for (i = 0; i < MP_DROP_MAX; i++) {
		if (!a->agg.drops[i])
			continue;
		if (final)
			log_warn("%llu lost in this run: %s", (unsigned long long)a->agg.drops[i], agg_drop_text(i));
		else if (!a->said_drop[i])
			log_warn("%s", agg_drop_text(i));
		a->said_drop[i] = true;
	}
}

static bool followed(void *ctx, __u64 cgid)
{
	return targets_followed(ctx, cgid);
}

static int take_retired(void *probes, const __u64 *ids, size_t n, struct agg *last)
{
	return probes_retire(probes, ids, n, last);
}

/* Between the whole machine's full passes, processes are read when their memory moves, or now and then. */
#define PROC_STALE_S	60

int agent_measure(struct agent *a, bool final)
{
	struct procs_due due = { .followed = followed, .ctx = &a->targets, .stale_s = PROC_STALE_S,
				 .probe = probes_have(&a->probes, &rss_probe), .top = a->o->top };
	int r;

	/* The summary's figures are every cgroup's: the whole machine read in full. */
	if (final)
		a->targets.next_full = 0;
	/*
	 * Growth stacks wake the agent only when their ring fills: read what
	 * waits before the model moves on. Before the collection, not between
	 * it and the retirement of gone cgroups, whose map entries hold what
	 * came after it (unwinding stacks there took long enough to lose a
	 * dying cgroup's last page cache).
	 */
	if (probes_drain(&a->probes))
		log_warn("cannot read the probes' events");
	r = probes_collect(&a->probes, &a->agg, final);
	if (r)
		return r;
	say_losses(a, false);
	r = targets_refresh(&a->targets) ?: targets_discover(&a->targets, &a->agg);
	if (r)
		return log_err_errno(r, "cannot read the cgroups' memory counters");
	targets_account(&a->targets, &a->agg);
	/* Before retiring: a cgroup that is gone gives the metrics its last counts. */
	if (a->exporter && (r = exporter_account(a->exporter, a)))
		return r;
	/* Counted now, so what the maps hold for cgroups that are gone can go. */
	r = targets_retire(&a->targets, &a->agg, take_retired, &a->probes);
	if (r)
		return log_err_errno(r, "cannot retire removed cgroups");
	if (a->targets.n_dead)
		log_debug("retired %zu cgroups that are gone or not watched", a->targets.n_dead);
	r = procs_refresh(&a->procs, a->targets.pids, a->targets.n_pids, &a->agg, watched, &a->targets,
			  &a->o->verdict, a->targets.t_now, a->targets.full ? NULL : &due);
	if (r)
		return log_err_errno(r, "cannot read the processes");
	if (a->targets.full && a->targets.machine) {
		targets_full_done(&a->targets);
		log_debug("the whole machine read in full; the next full pass in %.1f s",
			  a->targets.next_full - a->targets.t_now);
	}
	if (a->trending) {
		r = targets_trend(&a->targets, &a->procs);
		if (r)
			return log_err_errno(r, "cannot follow the trends");
	}
	agent_stacks_tick(&a->stacks, a->targets.t_now);
	return 0;
}

/* Events write to the sinks as they come; a failed write surfaces here. */
static int events_error(struct agent *a)
{
	int r = a->events.err;

	a->events.err = 0;
	if (a->stacks.err) {
		r = log_err_errno(a->stacks.err, "cannot keep the growth stacks: %s", strerror(-a->stacks.err));
		a->stacks.err = 0;
		return r;
	}
	return r ? agent_output_error(a, r) : 0;
}

int agent_batch_done(void *ctx)
{
	struct agent *a = ctx;
	int r = events_error(a);

	if (!r && (r = sinks_flush(&a->sinks)))
		r = agent_output_error(a, r);
	return r;
}

/* COMMAND's words, each quoted when a shell would need it, so the line can be run again. */
static const char *command_line(char *buf, size_t len, char *const *argv)
{
	size_t at = 0, i;

	buf[0] = '\0';
	for (; argv && *argv && at + 1 < len; argv++) {
		const char *w = *argv;
		bool plain = *w && w[strspn(w, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./=:,+@%")] == '\0';

		if (at)
			buf[at++] = ' ';
		if (!plain && at + 1 < len)
			buf[at++] = '\'';
		for (i = 0; w[i] && at + 5 < len; i++) {
			if (w[i] == '\'' && !plain) {
				memcpy(buf + at, "'\\''", 4);
				at += 4;
			} else {
				buf[at++] = w[i];
			}
		}
		if (!plain && at + 1 < len)
			buf[at++] = '\'';
		buf[at < len ? at : len - 1] = '\0';
	}
	return buf;
}

int agent_report_start(struct agent *a)
{
	struct rec_target t[OPT_MAX_TARGETS];
	struct rec_agent cost;
	struct rec_start s;
	struct utsname u;
	char command[4096];
	int r;

	report_start(&s, t, OPT_MAX_TARGETS, &a->targets, MEMPROBE_VERSION, a->o->interval_s);
	if (!uname(&u)) {
		s.host = u.nodename;
		s.kernel = u.release;
		s.command = a->o->command ? command_line(command, sizeof(command), a->o->command) : NULL;
	}
	if (!selfcost_read(&a->cost, false, &cost))
		s.agent = &cost;
	r = sinks_start(&a->sinks, &s);
	return r ? agent_output_error(a, r) : 0;
}

/*
 * The targets' memory events and pressure at start: a run counts them from
 * there (a command starts after it), and the first sample has an interval.
 */
int agent_health_baseline(struct agent *a)
{
	struct targets *ts = &a->targets;
	size_t *idx = calloc(ts->n + 1, sizeof(*idx)), n;
	int r;

	if (!idx)
		return log_err_errno(-ENOMEM, "cannot read the cgroups' memory events");
	n = targets_pick(ts, a->o->top, true, idx);
	r = health_baseline(ts, idx, n);
	free(idx);
	return r ? log_err_errno(r, "cannot read the cgroups' memory events") : 0;
}

/*
 * Limits, events, pressure and forecasts of the targets about to be shown;
 * what crossed a line is news: a forecast under --oom-horizon (and back),
 * a cgroup that hit its limit or ran out in the interval.
 */
static int check_health(struct agent *a, bool summary)
{
	struct targets *ts = &a->targets;
	size_t *idx = calloc(ts->n + 1, sizeof(*idx)), n, i;
	int r;

	if (!idx)
		return log_err_errno(-ENOMEM, "cannot read the cgroups' limits");
	n = targets_pick(ts, a->o->top, summary, idx);
	r = health_refresh(ts, idx, n);
	if (r) {
		free(idx);
		return log_err_errno(r, "cannot read the cgroups' limits");
	}
	for (i = 0; i < n && !summary; i++) {
		struct target *t = &ts->v[idx[i]];
		struct rec_forecast_change fc;
		struct rec_memory_event me;

		if (t->health && health_crossed(t->health, a->o->oom_horizon_s)) {
			report_forecast_change(&fc, t, ts->t_now, a->o->oom_horizon_s);
			r = sinks_forecast_change(&a->sinks, &fc);
		}
		if (!r && report_memory_event(&me, t, ts->t_now, ts->t_now - ts->t_prev))
			r = sinks_memory_event(&a->sinks, &me);
		if (r)
			break;
	}
	free(idx);
	return r ? agent_output_error(a, r) : 0;
}

int agent_summarise(struct agent *a, bool interim)
{
	struct mounts mounts = { 0 };
	struct pshm pshm = { 0 };
	struct report_input in = {
		.targets = &a->targets, .procs = &a->procs, .agg = &a->agg, .mounts = &mounts,
		.names = &a->names, .sysv = &a->events.sysv, .ooms = &a->events.ooms, .pshm = &pshm,
		.top = a->o->top, .reclaim_known = probes_have(&a->probes, &reclaim_probe),
		.alloc_known = probes_have(&a->probes, &alloc_probe), .rss_known = probes_have(&a->probes, &rss_probe),
		.stacks = a->stacks.on ? &a->stacks.model : NULL,
	};
	struct rec_agent cost;
	struct report rep;
	bool cost_known;
	int r;

	/* The measurement reads the events still in the rings first; after it, the samples its collection settled. */
	r = agent_measure(a, true);
	if (!r && probes_drain(&a->probes))
		log_warn("cannot read the last events");
	if (!r)
		r = check_health(a, true);
	if (r)
		return r;
	if (!interim)
		say_losses(a, true);
	events_scan(&a->events);
	if (mounts_load(&mounts, "/proc/self/mountinfo"))
		log_warn("cannot read the mount table; files are shown by device and inode");
	if (pshm_scan(&pshm, "/dev/shm", a->targets.pids, a->targets.n_pids))
		log_warn("cannot read the processes' POSIX shared memory");
	else if (a->exporter)
		exporter_posix(a->exporter, a, &pshm);
	r = report_summaries(&rep, &in);
	mounts_free(&mounts);
	cost_known = !selfcost_read(&a->cost, true, &cost);
	if (r) {
		pshm_free(&pshm);
		return log_err_errno(r, "cannot build the summary");
	}
	for (size_t i = 0; i < rep.n_summaries; i++) {
		rep.summaries[i].interim = interim;
		rep.summaries[i].agent = cost_known ? &cost : NULL;
	}
	/* The records point into the scan: it goes after they are written. */
	r = sinks_summaries(&a->sinks, rep.summaries, rep.n_summaries);
	if (!r)
		r = sinks_flush(&a->sinks);
	report_free(&rep);
	pshm_free(&pshm);
	if (!r && !interim)
		r = agent_stacks_write(&a->stacks);
	return r ? agent_output_error(a, r) : 0;
}

/* A verdict that changed is news: journald alerts are built on it. */
static int announce_verdicts(struct agent *a)
{
	size_t i;
	int r;

	for (i = 0; i < a->targets.n; i++) {
		struct target *t = &a->targets.v[i];
		struct rec_verdict_change c;
		char top[1024];

		if (t->verdict.verdict == t->reported)
			continue;
		report_verdict_change(&c, t, a->targets.t_now);
		if (a->stacks.on)
			c.top_stack = report_top_stack(&a->stacks.model, t, top, sizeof(top));
		t->reported = t->verdict.verdict;
		r = sinks_verdict_change(&a->sinks, &c);
		if (r)
			return agent_output_error(a, r);
	}
	return 0;
}

/*
 * The whole machine: the leaves the next samples and the summary would
 * show, and those the metrics export, are read at every sample; the rest
 * in full passes.
 */
static int follow_shown(struct agent *a)
{
	struct targets *ts = &a->targets;
	size_t *idx, n;

	if (!ts->machine)
		return 0;
	idx = calloc(ts->n + 1, sizeof(*idx));
	if (!idx)
		return -ENOMEM;
	n = targets_pick(ts, a->o->top, false, idx);
	targets_follow(ts, idx, n, true);
	n = targets_pick(ts, a->o->top, true, idx);
	targets_follow(ts, idx, n, false);
	free(idx);
	if (a->exporter)
		exporter_follow(a->exporter, ts);
	return 0;
}

int agent_tick(void *ctx)
{
	struct agent *a = ctx;
	struct report_input in = { .targets = &a->targets, .procs = &a->procs, .top = a->o->top,
				   .reclaim_known = probes_have(&a->probes, &reclaim_probe),
				   .alloc_known = probes_have(&a->probes, &alloc_probe),
				   .rss_known = probes_have(&a->probes, &rss_probe) };
	double start = now_monotonic();
	struct report rep;
	int r;

	r = agent_measure(a, false);
	if (r)
		return r;
	if (events_scan(&a->events))
		log_debug("cannot read /proc/sysvipc/shm");
	r = events_error(a);
	if (r)
		return r;
	r = announce_verdicts(a);
	if (!r)
		r = check_health(a, false);
	if (r)
		return r;
	if (a->exporter && (r = exporter_sample(a->exporter, a)))
		return r;
	r = report_samples(&rep, &in);
	if (r)
		return log_err_errno(r, "cannot build the samples");
	r = sinks_samples(&a->sinks, rep.samples, rep.n_samples);
	report_free(&rep);
	targets_roll(&a->targets);
	if (!r && (r = follow_shown(a)))
		return log_err_errno(r, "cannot choose the cgroups to follow");
	if (r)
		return agent_output_error(a, r);
	selfcost_interval(&a->cost, now_monotonic() - start);
	/* A long run journals its summary now and then, so that a crash loses one period at most. */
	if (a->o->journal && a->o->journal_interval_s > 0 &&
	    now_monotonic() - a->last_interim >= a->o->journal_interval_s) {
		a->last_interim = now_monotonic();
		return agent_summarise(a, true);
	}
	return 0;
}
