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

#include "agent/agent.h"
#include "options.h"
#include "replay.h"
#include "sys/caps.h"
#include "sys/log.h"
#include "sys/tracefs.h"
#include "sys/util.h"

#define CGROUP_BASE	"/sys/fs/cgroup"
#define KERNEL_BTF	"/sys/kernel/btf/vmlinux"

enum {
	EXIT_OK = 0,
	EXIT_RUNTIME = 1,
	EXIT_USAGE = 2,
};

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

/* COMMAND must be there to run before anything is announced: 127 (not found) or 126, as a shell says. */
static int check_command(const struct options *o)
{
	char path[4096];
	int r;

	if (!o->command)
		return EXIT_OK;
	r = spawn_find(o->command[0], path, sizeof(path));
	if (!r)
		return EXIT_OK;
	log_err("cannot run '%s': %s", o->command[0], strerror(-r));
	return r == -ENOENT ? 127 : 126;
}

static int start_child(struct agent *a)
{
	int r;

	r = spawn_prepare(&a->child, &a->hier, a->o->command);
	if (r)
		return log_err_errno(r, "cannot start '%s' in a new memory cgroup under %s",
				     a->o->command[0], a->hier.root);
	a->cgs[0] = a->child.cg;
	a->n_cgs = 1;
	return loop_watch_child(&a->loop, a->child.pidfd);
}

/* --listen: the library and the port first, so that neither fails once the probes are loaded. */
static int start_exporter(struct agent *a)
{
	char err[512];
	int r = exporter_new(&a->exporter, a->o, err, sizeof(err));

	if (r)
		log_err("%s", err);
	return r;
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
		r = loop_run(&a->loop, agent_tick, a, &why);
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

static int run(const struct options *o)
{
	/* COMMAND is held until the probes are attached: the cgroup before it runs is not a data point. */
	struct agent a = { .o = o, .trending = !o->command };
	struct probe_env env = {
		.o = o, .targets = &a.targets,
		.events = { .shm = events_shm, .oom = events_oom, .ctx = &a.events,
			    .stack = agent_stacks_event, .stack_stats = agent_stacks_stats, .stack_ctx = &a.stacks },
	};
	int status, r;

	spawn_init(&a.child);
	agg_init(&a.agg);
	procs_init(&a.procs, o->interval_s / 2);
	status = resolve_targets(&a);
	if (status)
		return status;
	status = check_system();
	if (status)
		return status;
	status = check_command(o);
	if (status)
		return status;
	status = EXIT_RUNTIME;
	r = loop_init(&a.loop, o->interval_s, o->duration_s);
	if (r) {
		log_err_errno(r, "cannot set up the event loop");
		return EXIT_RUNTIME;
	}
	if (o->listen.ss_family && start_exporter(&a))
		goto out;
	if (o->command && start_child(&a))
		goto out;
	r = targets_init(&a.targets, &a.hier, a.cgs, a.n_cgs, &o->verdict);
	if (r) {
		log_err_errno(r, "cannot set up the targets");
		goto out;
	}
	/* The metrics of the whole machine are per unit: the cgroups two levels down are read too. */
	a.targets.units = a.exporter && a.targets.machine;
	r = sinks_add(&a.sinks, o->json ? sink_json_new(stdout) : sink_table_new(stdout));
	if (!r && o->journal)
		r = sinks_add(&a.sinks, sink_journal_new());
	if (!r && a.exporter)
		r = sinks_add(&a.sinks, exporter_sink(a.exporter));
	if (r) {
		log_err_errno(r, "cannot set up the output");
		goto out;
	}
	if (o->report) {
		struct sink *html;

		r = sink_html_new(&html, o->report);
		if (r) {
			log_err_errno(r, "cannot write the report to %s", o->report);
			status = EXIT_USAGE;
			goto out;
		}
		r = sinks_add(&a.sinks, html);
		if (r) {
			log_err_errno(r, "cannot set up the output");
			goto out;
		}
	}
	a.last_interim = now_monotonic();
	cgnames_init(&a.names, &a.hier, &a.targets);
	events_init(&a.events, &a.sinks, &a.targets, &a.procs, &a.hier, &a.names);
	if (agent_stacks_init(&a.stacks, o, &a.targets))
		goto out;
	prepare_tracefs();
	if (probes_start(&a.probes, &env) || probes_watch(&a.probes, &a.loop))
		goto out;
	loop_on_batch(&a.loop, agent_batch_done, &a);
	/* What loading left free on the heap is not needed again. */
	malloc_trim(0);
	/* Other IPC namespaces' SysV tables are read by a process that keeps what entering them needs. */
	r = ipc_start_reader(&a.events.ipc);
	if (r)
		log_warn("cannot start the IPC namespace reader (%s): segments of other namespaces will not be read",
			 strerror(-r));
	/* Attached: loading and attaching are over, and so is the need for most privileges. */
	r = caps_drop(o->command != NULL);
	if (r)
		log_warn("cannot drop the capabilities memprobe no longer needs: %s", strerror(-r));
	if (agent_measure(&a, false) || agent_health_baseline(&a))
		goto out;
	if (agent_report_start(&a))
		goto out;
	/* Segments orphaned before memprobe started are part of the picture. */
	events_scan(&a.events);
	if (agent_batch_done(&a))
		goto out;
	/* Served from the first snapshot on; until then connections wait in the socket's backlog. */
	if (a.exporter && (exporter_sample(a.exporter, &a) || exporter_start(a.exporter, &a.loop)))
		goto out;
	if (o->command) {
		r = spawn_release(&a.child);
		if (r) {
			log_err_errno(r, "cannot run '%s'", o->command[0]);
			spawn_reap(&a.child);
			status = r == -ENOENT ? 127 : 126;
			goto out;
		}
		a.trending = true;
	}
	r = watch(&a);
	if (r && !a.output_closed)
		goto out;
	if (!a.output_closed && agent_summarise(&a, false) && !a.output_closed)
		goto out;
	status = o->command ? spawn_exit_code(&a.child) : EXIT_OK;
out:
	probes_stop(&a.probes);
	spawn_cleanup(&a.child);
	sinks_free(&a.sinks);
	exporter_free(a.exporter);
	events_free(&a.events);
	agent_stacks_free(&a.stacks);
	cgnames_free(&a.names);
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
	int r;

	if (argc > 1 && !strcmp(argv[1], "report"))
		return replay_main(argc - 1, argv + 1);
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
	if (signals_block(NULL)) {
		log_err_errno(errno, "cannot block signals");
		return EXIT_RUNTIME;
	}
	return run(&o);
}
