// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * memprobe: where a service's memory goes, measured by kernel probes.
 *
 * The run reads top to bottom: parse options, resolve targets, check
 * privileges, start COMMAND (held), open/load/attach the probes, read the
 * baseline, report start, release COMMAND, sample until something stops
 * the run, then summarise and tear down along one path.
 */
#include <errno.h>
#include <malloc.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "model/agg.h"
#include "sys/caps.h"
#include "sys/cgroup.h"
#include "agent/events.h"
#include "sys/files.h"
#include "sys/log.h"
#include "sys/loop.h"
#include "options.h"
#include "model/posixshm.h"
#include "probe/module.h"
#include "model/procs.h"
#include "out/record.h"
#include "out/report.h"
#include "out/sink.h"
#include "sys/spawn.h"
#include "model/targets.h"
#include "sys/tracefs.h"
#include "sys/util.h"
#include "model/verdict.h"
#include "version.h"

#define CGROUP_BASE	"/sys/fs/cgroup"
#define KERNEL_BTF	"/sys/kernel/btf/vmlinux"

enum {
	EXIT_OK = 0,
	EXIT_RUNTIME = 1,
	EXIT_USAGE = 2,
};

struct agent {
	const struct options *o;
	struct cg_hier hier;
	struct cg_target cgs[OPT_MAX_TARGETS];
	size_t n_cgs;
	struct spawn child;
	struct probes probes;
	struct agg agg;
	struct targets targets;
	struct procs procs;
	struct events events;
	struct sinks sinks;
	struct loop loop;
	bool output_closed;
	double last_interim;		/* monotonic time of the last periodic summary */
	bool said_drop[MP_DROP_MAX];	/* each cause of loss is said on stderr once, when it starts */
};

/* A reader that went away (memprobe --json | head -1) ends the run quietly. */
static int output_error(struct agent *a, int r)
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
	return targets_have(ctx, cgid);
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

/* Probe maps, then kernel counters, so a figure never runs ahead of its baseline. */
static int measure(struct agent *a, bool final)
{
	int r;

	r = probes_collect(&a->probes, &a->agg, final);
	if (r)
		return r;
	say_losses(a, false);
	r = targets_refresh(&a->targets);
	if (r)
		return log_err_errno(r, "cannot read the cgroups' memory counters");
	targets_account(&a->targets, &a->agg);
	/* Counted now, so what the maps hold for cgroups that are gone can go. */
	r = targets_retire(&a->targets, &a->agg);
	if (r)
		return log_err_errno(r, "cannot retire removed cgroups");
	if (a->targets.n_dead)
		log_debug("retired %zu cgroups that are gone or not watched", a->targets.n_dead);
	probes_forget(&a->probes, a->targets.dead, a->targets.n_dead);
	r = procs_refresh(&a->procs, a->targets.pids, a->targets.n_pids, &a->agg, watched, &a->targets,
			  &a->o->verdict, a->targets.t_now);
	if (r)
		return log_err_errno(r, "cannot read the processes");
	targets_trend(&a->targets, &a->procs);
	return 0;
}

/* Events write to the sinks as they come; a failed write surfaces here. */
static int events_error(struct agent *a)
{
	int r = a->events.err;

	a->events.err = 0;
	return r ? output_error(a, r) : 0;
}

/* After each wakeup of the loop: what the sinks buffered goes out, at once. */
static int batch_done(void *ctx)
{
	struct agent *a = ctx;
	int r = events_error(a);

	if (!r && (r = sinks_flush(&a->sinks)))
		r = output_error(a, r);
	return r;
}

static int summarise(struct agent *a, bool interim)
{
	struct mounts mounts = { 0 };
	struct pshm pshm = { 0 };
	struct report_input in = {
		.targets = &a->targets, .procs = &a->procs, .agg = &a->agg, .mounts = &mounts,
		.events = &a->events, .pshm = &pshm, .top = a->o->top,
	};
	struct report rep;
	int r;

	/* Events still in the rings count for this summary. */
	r = probes_drain(&a->probes);
	if (r)
		log_warn("cannot read the last events: %s", strerror(-r));
	r = measure(a, true);
	if (r)
		return r;
	if (!interim)
		say_losses(a, true);
	events_scan(&a->events);
	if (mounts_load(&mounts, "/proc/self/mountinfo"))
		log_warn("cannot read the mount table; files are shown by device and inode");
	if (pshm_scan(&pshm, a->targets.pids, a->targets.n_pids))
		log_warn("cannot read the processes' POSIX shared memory");
	r = report_summaries(&rep, &in);
	mounts_free(&mounts);
	if (r) {
		pshm_free(&pshm);
		return log_err_errno(r, "cannot build the summary");
	}
	for (size_t i = 0; i < rep.n_summaries; i++)
		rep.summaries[i].interim = interim;
	/* The records point into the scan: it goes after they are written. */
	r = sinks_summaries(&a->sinks, rep.summaries, rep.n_summaries);
	if (!r)
		r = sinks_flush(&a->sinks);
	report_free(&rep);
	pshm_free(&pshm);
	return r ? output_error(a, r) : 0;
}

/* A verdict that changed is news: journald alerts are built on it. */
static int announce_verdicts(struct agent *a)
{
	size_t i;
	int r;

	for (i = 0; i < a->targets.n; i++) {
		struct target *t = &a->targets.v[i];
		struct rec_verdict_change c;

		if (t->verdict.verdict == t->reported)
			continue;
		memset(&c, 0, sizeof(c));
		c.ts = a->targets.t_now;
		c.cgroup = t->cg.rel;
		c.cgroup_id = t->cg.id;
		c.previous = verdict_name(t->reported);
		c.verdict.verdict = verdict_name(t->verdict.verdict);
		c.verdict.confidence = t->verdict.confidence;
		c.verdict.growth_bytes_per_hour = t->verdict.slope_per_hour;
		c.verdict.r2 = t->verdict.r2;
		c.verdict.samples = t->verdict.samples;
		c.verdict.window_s = t->verdict.span_s;
		c.verdict.reason = t->verdict.reason;
		c.anon_bytes = t->now.anon;
		t->reported = t->verdict.verdict;
		r = sinks_verdict_change(&a->sinks, &c);
		if (r)
			return output_error(a, r);
	}
	return 0;
}

static int tick(void *ctx)
{
	struct agent *a = ctx;
	struct report_input in = { .targets = &a->targets, .procs = &a->procs, .top = a->o->top };
	struct report rep;
	int r;

	r = measure(a, false);
	if (r)
		return r;
	if (events_scan(&a->events))
		log_debug("cannot read /proc/sysvipc/shm");
	r = events_error(a);
	if (r)
		return r;
	r = announce_verdicts(a);
	if (r)
		return r;
	r = report_samples(&rep, &in);
	if (r)
		return log_err_errno(r, "cannot build the samples");
	r = sinks_samples(&a->sinks, rep.samples, rep.n_samples);
	report_free(&rep);
	targets_roll(&a->targets);
	if (r)
		return output_error(a, r);
	/* A long run journals its summary now and then, so that a crash loses one period at most. */
	if (a->o->journal && a->o->journal_interval_s > 0 &&
	    now_monotonic() - a->last_interim >= a->o->journal_interval_s) {
		a->last_interim = now_monotonic();
		return summarise(a, true);
	}
	return 0;
}

static int resolve_targets(struct agent *a)
{
	char err[512];
	size_t i;
	int r;

	r = cg_hier_detect(&a->hier, "/proc/self/mountinfo", CGROUP_BASE);
	if (r == -ENOENT) {
		log_err("no memory cgroup controller is mounted under %s (neither cgroup v2 with memory enabled nor a v1 memory hierarchy)",
			CGROUP_BASE);
		return EXIT_RUNTIME;
	}
	if (r) {
		log_err_errno(r, "cannot read the mount table");
		return EXIT_RUNTIME;
	}
	log_debug("memory controller on cgroup v%d at %s", a->hier.version, a->hier.root);
	for (i = 0; i < a->o->n_targets; i++) {
		r = cg_resolve(&a->hier, a->o->targets[i], &a->cgs[i], err, sizeof(err));
		if (r) {
			log_err("%s", err);
			return EXIT_USAGE;
		}
		log_debug("target %s is %s (id %llu)", a->o->targets[i], a->cgs[i].dir,
			  (unsigned long long)a->cgs[i].id);
	}
	a->n_cgs = a->o->n_targets;
	return EXIT_OK;
}

static int check_system(void)
{
	char err[256];

	if (caps_check(err, sizeof(err))) {
		log_err("%s", err);
		return EXIT_RUNTIME;
	}
	if (access(KERNEL_BTF, R_OK)) {
		log_err("this kernel has no BTF (%s missing): memprobe needs a kernel built with CONFIG_DEBUG_INFO_BTF=y",
			KERNEL_BTF);
		return EXIT_RUNTIME;
	}
	return EXIT_OK;
}

static int start_child(struct agent *a, const sigset_t *mask)
{
	int r;

	r = spawn_prepare(&a->child, &a->hier, a->o->command, mask);
	if (r)
		return log_err_errno(r, "cannot start '%s' in a new memory cgroup under %s",
				     a->o->command[0], a->hier.root);
	a->cgs[0] = a->child.cg;
	a->n_cgs = 1;
	return loop_watch_child(&a->loop, a->child.pidfd);
}

static int report_start(struct agent *a)
{
	struct rec_target t[OPT_MAX_TARGETS];
	struct rec_start s = {
		.ts = a->targets.t_start,
		.version = MEMPROBE_VERSION,
		.targets = t,
		.machine = a->targets.machine,
		.cgroup_version = a->hier.version,
		.memory_root = a->hier.root,
		.interval_s = a->o->interval_s,
	};
	size_t i;
	int r;

	for (i = 0; i < a->targets.n && i < OPT_MAX_TARGETS; i++) {
		t[i].cgroup = a->targets.v[i].cg.rel;
		t[i].cgroup_id = a->targets.v[i].cg.id;
	}
	s.n_targets = i;
	r = sinks_start(&a->sinks, &s);
	return r ? output_error(a, r) : 0;
}

/*
 * Runs the loop until the run is over. With COMMAND, the run ends when it
 * exits: a signal sent to memprobe is passed on (a second one kills it),
 * and --duration stops COMMAND the way timeout(1) would.
 */
static int watch(struct agent *a)
{
	enum loop_stop why;
	int signals = 0, r;

	for (;;) {
		r = loop_run(&a->loop, tick, a, &why);
		if (r)
			return r;
		if (!a->o->command)
			return 0;
		if (why == LOOP_CHILD)
			return spawn_reap(&a->child);
		if (why == LOOP_DURATION) {
			spawn_signal(&a->child, SIGTERM);
			continue;
		}
		if (signals++)
			spawn_signal(&a->child, SIGKILL);
		else if (a->loop.signal_sent)
			spawn_signal(&a->child, a->loop.signal);
	}
}

/* The SysV shm probes need tracefs; without it they are skipped, not fatal. */
static void prepare_tracefs(void)
{
	bool mounted;
	int r = tracefs_ensure(&mounted);

	if (r)
		log_warn("tracefs is not mounted and cannot be (%s): shared memory events will be missing",
			 strerror(-r));
	else if (mounted)
		log_debug("mounted tracefs at /sys/kernel/tracing in memprobe's own mount namespace");
}

static int run(const struct options *o, const sigset_t *mask)
{
	struct agent a = { .o = o };
	struct probe_env env = { .o = o, .events = &a.events, .targets = &a.targets };
	int status, r;

	spawn_init(&a.child);
	agg_init(&a.agg);
	procs_init(&a.procs);
	status = resolve_targets(&a);
	if (status)
		return status;
	status = check_system();
	if (status)
		return status;
	status = EXIT_RUNTIME;
	r = loop_init(&a.loop, o->interval_s, o->duration_s);
	if (r) {
		log_err_errno(r, "cannot set up the event loop");
		return EXIT_RUNTIME;
	}
	if (o->command && start_child(&a, mask))
		goto out;
	r = targets_init(&a.targets, &a.hier, a.cgs, a.n_cgs, &o->verdict);
	if (r) {
		log_err_errno(r, "cannot set up the targets");
		goto out;
	}
	r = sinks_add(&a.sinks, o->json ? sink_json_new(stdout) : sink_table_new(stdout));
	if (!r && o->journal)
		r = sinks_add(&a.sinks, sink_journal_new());
	if (r) {
		log_err_errno(r, "cannot set up the output");
		goto out;
	}
	a.last_interim = now_monotonic();
	events_init(&a.events, &a.sinks, &a.targets, &a.hier);
	prepare_tracefs();
	if (probes_start(&a.probes, &env) || probes_watch(&a.probes, &a.loop))
		goto out;
	loop_on_batch(&a.loop, batch_done, &a);
	/* What loading left free on the heap is not needed again. */
	malloc_trim(0);
	/* Attached: loading and attaching are over, and so is the need for most privileges. */
	r = caps_drop(o->command != NULL);
	if (r)
		log_warn("cannot drop the capabilities memprobe no longer needs: %s", strerror(-r));
	if (measure(&a, false))
		goto out;
	if (report_start(&a))
		goto out;
	/* Segments orphaned before memprobe started are part of the picture. */
	events_scan(&a.events);
	if (batch_done(&a))
		goto out;
	if (o->command) {
		r = spawn_release(&a.child);
		if (r) {
			log_err_errno(r, "cannot run '%s'", o->command[0]);
			spawn_reap(&a.child);
			status = r == -ENOENT ? 127 : 126;
			goto out;
		}
	}
	r = watch(&a);
	if (r && !a.output_closed)
		goto out;
	if (!a.output_closed && summarise(&a, false) && !a.output_closed)
		goto out;
	status = o->command ? spawn_exit_code(&a.child) : EXIT_OK;
out:
	probes_stop(&a.probes);
	spawn_cleanup(&a.child);
	sinks_free(&a.sinks);
	events_free(&a.events);
	targets_free(&a.targets);
	procs_free(&a.procs);
	agg_free(&a.agg);
	loop_close(&a.loop);
	return status;
}

int main(int argc, char **argv)
{
	struct options o;
	char err[512];
	sigset_t mask;
	int r;

	r = options_parse(&o, argc, argv, err, sizeof(err));
	if (r == OPTIONS_EXIT)
		return fflush(stdout) ? EXIT_RUNTIME : EXIT_OK;
	if (r < 0) {
		fprintf(stderr, "memprobe: %s\n", err);
		return EXIT_USAGE;
	}
	log_setup(o.verbose);
	/*
	 * Loading parses the kernel's BTF, several MiB each time; glibc would
	 * raise its mmap threshold after the first such buffer and keep the
	 * later ones on the heap for good. An agent that runs for weeks keeps
	 * the threshold fixed, so they go back to the kernel when freed.
	 */
	mallopt(M_MMAP_THRESHOLD, 128 * 1024);
	if (signals_block(&mask)) {
		log_err_errno(errno, "cannot block signals");
		return EXIT_RUNTIME;
	}
	return run(&o, &mask);
}
