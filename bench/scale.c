// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The scale run: memprobe on a host that grows, in whole-machine mode and
 * with one named target (a cgroup of its own with one sleeping process).
 * Extra cgroups under one parent of the bench's, first each with a
 * sleeping process, then empty; then extra processes in one cgroup. At
 * each point memprobe runs for a few intervals and the bench reads, from
 * outside, its CPU time (the scheduler's, over the measured intervals), its
 * RSS, and the kernel memory of the maps it holds (fdinfo memlock); from
 * memprobe's summary, how long one interval's work took.
 *
 * Everything made here is the bench's own: uniquely named cgroups
 * (memprobe-test-<pid>-scale/cNNNNN, -target, -procs) holding only its own
 * children, each stopped by pid; all of it is removed at the end, on
 * failure, and on SIGINT, SIGTERM and SIGHUP (bench_scale_cleanup).
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench.h"
#include "sys/bpfmem.h"
#include "sys/util.h"

#define SCALE_MAX_CGROUPS	5000
#define SCALE_MAX_PROCS		10000

/* What the run made, where the signal handler can find it. */
static struct {
	pid_t owner;			/* the bench itself: its children inherit the handler, not the duty */
	struct tcg parent, target, procs;
	int n_dirs;			/* parent/cNNNNN made */
	pid_t sleepers[SCALE_MAX_CGROUPS];	/* sleeper i is in parent/c<i> */
	int n_sleepers;
	pid_t extra[SCALE_MAX_PROCS];	/* in procs, the spawner's children */
	int n_extra;
	pid_t spawner;
	int spawner_cmd, spawner_out;
	pid_t target_pid;
	volatile pid_t agent;		/* the memprobe running now */
} made;

static void child_dir(char *buf, size_t len, int i)
{
	snprintf(buf, len, "%s/c%05d", made.parent.dir, i);
}

/* A process that sleeps until killed, moved into dir (NULL: stays in ours). */
static pid_t sleeper(const char *dir)
{
	char path[IT_PATH + 32], pid[16];
	pid_t p = fork();

	if (p == 0) {
		signal(SIGINT, SIG_DFL);
		signal(SIGTERM, SIG_DFL);
		signal(SIGHUP, SIG_DFL);
		/* Should the bench die without its cleanup, its sleepers go with it. */
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		for (;;)
			pause();
	}
	if (p < 0 || !dir)
		return p;
	snprintf(path, sizeof(path), "%s/cgroup.procs", dir);
	snprintf(pid, sizeof(pid), "%d\n", (int)p);
	if (write_text(path, pid)) {
		kill(p, SIGKILL);
		waitpid(p, NULL, 0);
		return -1;
	}
	return p;
}

static void stop_all(pid_t *pids, int *n)
{
	int i;

	for (i = 0; i < *n; i++)
		if (pids[i] > 0)
			kill(pids[i], SIGKILL);
	for (i = 0; i < *n; i++)
		if (pids[i] > 0)
			waitpid(pids[i], NULL, 0);
	*n = 0;
}

static void shrink_dirs(int n)
{
	char dir[IT_PATH + 16];

	while (made.n_dirs > n) {
		child_dir(dir, sizeof(dir), made.n_dirs - 1);
		if (rmdir(dir) && errno != ENOENT)
			fprintf(stderr, "memprobe-bench: cannot remove %s: %s\n", dir, strerror(errno));
		made.n_dirs--;
	}
}

static void stop_spawner(void);

void bench_scale_cleanup(void)
{
	if (!made.owner || getpid() != made.owner)
		return;
	if (made.agent > 0) {
		kill(made.agent, SIGKILL);
		waitpid(made.agent, NULL, 0);
		made.agent = 0;
	}
	stop_all(made.sleepers, &made.n_sleepers);
	stop_spawner();
	if (made.target_pid > 0) {
		kill(made.target_pid, SIGKILL);
		waitpid(made.target_pid, NULL, 0);
		made.target_pid = 0;
	}
	shrink_dirs(0);
	tcg_remove(&made.parent);
	tcg_remove(&made.target);
	tcg_remove(&made.procs);
}

/* Extra cgroups up to n, each with a sleeping process when populated. */
static int grow_cgroups(int n, bool populated)
{
	char dir[IT_PATH + 16];

	for (; made.n_dirs < n; made.n_dirs++) {
		child_dir(dir, sizeof(dir), made.n_dirs);
		if (mkdir(dir, 0755) && errno != EEXIST)
			return -errno;
	}
	while (populated && made.n_sleepers < n) {
		child_dir(dir, sizeof(dir), made.n_sleepers);
		made.sleepers[made.n_sleepers] = sleeper(dir);
		if (made.sleepers[made.n_sleepers] < 0)
			return -errno;
		made.n_sleepers++;
	}
	return 0;
}

/*
 * The extra processes are born in their cgroup: a spawner, moved there
 * once, forks them, so that none is moved (each move into a v1 cgroup
 * waits for an RCU grace period). It sends each pid back, and when its
 * command pipe closes stops them by pid and reaps them.
 */
static void spawner_main(int cmd, int out)
{
	static pid_t kids[SCALE_MAX_PROCS];
	int n = 0, want, i;
	pid_t p;

	while (read(cmd, &want, sizeof(want)) == sizeof(want)) {
		for (; n < want && n < SCALE_MAX_PROCS; n++) {
			p = fork();
			if (p == 0) {
				prctl(PR_SET_PDEATHSIG, SIGKILL);
				for (;;)
					pause();
			}
			if (p < 0)
				break;
			kids[n] = p;
			if (write(out, &p, sizeof(p)) != sizeof(p))
				break;
		}
		p = 0;	/* this batch is done */
		if (write(out, &p, sizeof(p)) != sizeof(p))
			break;
	}
	for (i = 0; i < n; i++)
		kill(kids[i], SIGKILL);
	for (i = 0; i < n; i++)
		waitpid(kids[i], NULL, 0);
	_exit(0);
}

static int start_spawner(void)
{
	char path[IT_PATH + 32], pid[16];
	int cmd[2], out[2];

	if (pipe2(cmd, O_CLOEXEC) || pipe2(out, O_CLOEXEC))
		return -errno;
	made.spawner = fork();
	if (made.spawner < 0)
		return -errno;
	if (made.spawner == 0) {
		signal(SIGINT, SIG_DFL);
		signal(SIGTERM, SIG_DFL);
		signal(SIGHUP, SIG_DFL);
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		close(cmd[1]);
		close(out[0]);
		spawner_main(cmd[0], out[1]);
	}
	close(cmd[0]);
	close(out[1]);
	made.spawner_cmd = cmd[1];
	made.spawner_out = out[0];
	snprintf(path, sizeof(path), "%s/cgroup.procs", made.procs.dir);
	snprintf(pid, sizeof(pid), "%d\n", (int)made.spawner);
	return write_text(path, pid);
}

static void stop_spawner(void)
{
	if (made.spawner_cmd >= 0)
		close(made.spawner_cmd);
	made.spawner_cmd = -1;
	/* Stopped by pid here too, should the spawner be gone already. */
	stop_all(made.extra, &made.n_extra);
	if (made.spawner > 0)
		waitpid(made.spawner, NULL, 0);
	if (made.spawner_out >= 0)
		close(made.spawner_out);
	made.spawner_out = -1;
	made.spawner = 0;
}

static int grow_procs(int n)
{
	pid_t p;
	int r;

	if (!made.spawner && (r = start_spawner()))
		return r;
	if (write(made.spawner_cmd, &n, sizeof(n)) != sizeof(n))
		return -EIO;
	while (read(made.spawner_out, &p, sizeof(p)) == sizeof(p) && p > 0)
		if (made.n_extra < SCALE_MAX_PROCS)
			made.extra[made.n_extra++] = p;
	return made.n_extra >= n ? 0 : -EAGAIN;
}

static __u64 summary_u64(const struct jv *sum, const char *key)
{
	uint64_t v = 0;

	return sum && jv_u64(sum, key, &v) ? v : 0;
}

static double summary_num(const struct jv *sum, const char *key)
{
	double v = 0;

	return sum && jv_num(sum, key, &v) ? v : 0;
}

/* memprobe for a few intervals on the host as it is now. */
static void measure(struct bench *b, const char *kind, int extra, bool machine)
{
	struct scale_point *p;
	struct agent a = { .out = -1 };
	char interval[32];
	const char *cg = machine ? "/" : made.target.rel;
	const char *argv[] = { "--json", "--interval", interval, machine ? NULL : "--cgroup", made.target.rel, NULL };
	double cpu0, cpu1, t0, t1, d;
	size_t n0, n1;
	struct bpfmem maps;
	struct jv *sum = NULL;
	__u64 rss, hwm;

	if (b->n_scale == BENCH_MAX_SCALE)
		return;
	p = &b->scale[b->n_scale++];
	memset(p, 0, sizeof(*p));
	p->kind = kind;
	p->extra = extra;
	p->machine = machine;
	snprintf(interval, sizeof(interval), "%g", b->scale_interval_s);
	t0 = bench_now();
	if (agent_start(&a, argv))
		goto out;
	made.agent = a.pid;
	/* From its first sample on: loading and the baseline are the start-up's, not an interval's. */
	if (!agent_wait_for(&a, "start", 60) || !agent_wait_for(&a, "sample", 60) || (cpu0 = bench_cpu(a.pid)) < 0)
		goto out;
	t0 = bench_now();
	n0 = agent_count(&a, "sample", cg);
	/*
	 * Intervals are counted, not assumed: one whose work outlasts it
	 * delays the next. Bounded, so that a memprobe that cannot keep up
	 * does not hold the benchmark up.
	 */
	while ((n1 = agent_count(&a, "sample", cg)) - n0 < (size_t)b->scale_intervals &&
	       bench_now() - t0 < 3 * b->scale_intervals * b->scale_interval_s)
		agent_wait_for(&a, "never", 1);
	if ((cpu1 = bench_cpu(a.pid)) < 0 || !bench_usage(a.pid, &d, &rss, &hwm) || bpfmem_read(a.pid, &maps))
		goto out;
	t1 = bench_now();
	if (agent_finish(&a, SIGINT, 60) != 0)
		goto out;
	made.agent = 0;
	sum = agent_record(&a, "summary", cg);
	p->cpu_share = (cpu1 - cpu0) / (t1 - t0);
	p->intervals = (int)(n1 - n0);
	p->cpu_per_interval_s = (cpu1 - cpu0) / (n1 > n0 ? (double)(n1 - n0) : 1.0);
	p->rss_kb = rss;
	p->hwm_kb = hwm;
	p->map_bytes = maps.bytes;
	p->map_bytes_reported = summary_u64(sum, "agent_map_bytes");
	p->interval_median_s = summary_num(sum, "agent_interval_median_s");
	p->interval_max_s = summary_num(sum, "agent_interval_max_s");
	p->ok = sum != NULL;
out:
	p->wall_s = bench_now() - t0;
	if (!p->ok)
		fprintf(stderr, "memprobe-bench: scale: memprobe at %d %s (%s) gave no figures: %s\n", extra, kind,
			machine ? "whole machine" : "one target", agent_stderr(&a));
	jv_free(sum);
	agent_finish(&a, SIGKILL, 10);
	made.agent = 0;
	agent_free(&a);
}

static void both(struct bench *b, const char *kind, int extra)
{
	fprintf(stderr, "memprobe-bench: [%.0fs]   %d %s\n", bench_now() - b->started, extra, kind);
	measure(b, kind, extra, true);
	measure(b, kind, extra, false);
}

void bench_scale(struct bench *b)
{
	/* 2,000 with a process for the --interval 1 target; the empty ones where the sizes say enough. */
	static const int full_cgroups[] = { 100, 1000, 2000, 5000 }, full_procs[] = { 1000, 10000 };
	static const int quick_cgroups[] = { 100 }, quick_procs[] = { 1000 };
	const int *cgroups = b->quick ? quick_cgroups : full_cgroups, *procs = b->quick ? quick_procs : full_procs;
	int n_cgroups = b->quick ? 1 : 4, n_procs = b->quick ? 1 : 2, i, r;

	memset(&made, 0, sizeof(made));
	made.spawner_cmd = made.spawner_out = -1;
	made.owner = getpid();
	if (tcg_create(&made.parent, "scale") || tcg_create(&made.target, "target") ||
	    tcg_create(&made.procs, "procs")) {
		fprintf(stderr, "memprobe-bench: scale: cannot create its cgroups\n");
		goto out;
	}
	/* v2: the extra cgroups have memory files only once their parent hands the controller down. */
	if (made.parent.version == 2 && tcg_write(&made.parent, "cgroup.subtree_control", "+memory"))
		fprintf(stderr, "memprobe-bench: scale: cannot enable the memory controller below %s\n", made.parent.dir);
	made.target_pid = sleeper(made.target.dir);
	if (made.target_pid < 0)
		goto out;
	both(b, "baseline", 0);
	for (i = 0; i < n_cgroups; i++) {
		r = grow_cgroups(cgroups[i], true);
		if (r) {
			fprintf(stderr, "memprobe-bench: scale: stopped at %d cgroups: %s\n", made.n_dirs, strerror(-r));
			goto out;
		}
		both(b, "cgroups with a process", cgroups[i]);
	}
	stop_all(made.sleepers, &made.n_sleepers);
	for (i = n_cgroups - 1; i >= 0; i--) {
		if (cgroups[i] == 2000)
			continue;
		shrink_dirs(cgroups[i]);
		both(b, "empty cgroups", cgroups[i]);
	}
	shrink_dirs(0);
	for (i = 0; i < n_procs; i++) {
		r = grow_procs(procs[i]);
		if (r) {
			fprintf(stderr, "memprobe-bench: scale: stopped at %d processes: %s\n", made.n_extra, strerror(-r));
			goto out;
		}
		both(b, "processes", procs[i]);
	}
out:
	bench_scale_cleanup();
}
