// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The cases real hosts produce that a first suite did not: commands that
 * cannot run, hierarchies without the memory controller, a shell's
 * ignored signals, warm-ups and sawtooths, processes that exec, names
 * that would rewrite a terminal, mlocked cache, CPU figures. Each was
 * found wrong once; each is checked against the kernel or the process.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/klog.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"
#include "sys/util.h"
#include "it.h"
#include "workload.h"

INTEGRATION_TEST(command_that_cannot_run_announces_nothing, 30)
{
	const char *missing[] = { "--", "/nonexistent/memprobe-test-command", NULL };
	const char *not_exec[] = { "--", "/etc/passwd", NULL };
	struct agent a = { .out = -1 };
	bool ok = false;
	int code;

	if (!ASSERT(!agent_start(&a, missing), "memprobe"))
		goto out;
	code = agent_finish(&a, 0, 20);
	if (!ASSERT(code == 127, "exit %d", code) || !ASSERT(a.n_lines == 0, "%zu lines on stdout before failing: %s",
							    a.n_lines, a.n_lines ? a.lines[0] : ""))
		goto out;
	agent_free(&a);
	if (!ASSERT(!agent_start(&a, not_exec), "memprobe"))
		goto out;
	code = agent_finish(&a, 0, 20);
	ok = ASSERT(code == 126, "not executable: exit %d", code) && ASSERT(a.n_lines == 0, "stdout written") &&
	     ASSERT(strstr(agent_stderr(&a), "cannot run '/etc/passwd'"), "%s", agent_stderr(&a));
out:
	agent_free(&a);
	return ok;
}

/* Hierarchies mounted without the memory controller are not the memory hierarchy's root. */
INTEGRATION_TEST(hierarchy_without_memory_is_refused, 30)
{
	static const char *const dirs[] = { "/sys/fs/cgroup/unified", "/sys/fs/cgroup/cpu", "/sys/fs/cgroup/pids" };
	bool tried = false;
	char err[4096];
	size_t i;

	for (i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		const char *argv[] = { "--cgroup", dirs[i], "--duration", "1", NULL };
		struct stat st;
		int code;

		if (stat(dirs[i], &st) || !S_ISDIR(st.st_mode))
			continue;
		snprintf(err, sizeof(err), "%s/memory.stat", dirs[i]);
		if (!access(err, R_OK))
			continue;	/* this host has memory here */
		tried = true;
		code = run_memprobe(argv, err, sizeof(err), 20);
		if (!ASSERT(code == 2, "%s: exit %d", dirs[i], code) ||
		    !ASSERT(strstr(err, "no memory controller"), "%s: %s", dirs[i], err))
			return false;
	}
	if (!tried)
		SKIP("every cgroup hierarchy here has the memory controller (pure v2)");
	return true;
}

static void ignore_sigint(void)
{
	signal(SIGINT, SIG_IGN);
}

/* A shell starts background jobs with SIGINT ignored; COMMAND must still hear the interrupt passed on. */
INTEGRATION_TEST(interrupt_reaches_command_started_with_sigint_ignored, 60)
{
	const char *argv[] = { "--json", "--interval", "0.5", "--", "sleep", "60", NULL };
	struct agent a = { .out = -1 };
	bool ok = false;
	int code;

	if (!ASSERT(!agent_start_with(&a, argv, ignore_sigint), "memprobe") ||
	    !ASSERT(agent_wait_for(&a, "start", 30), "no start: %s", agent_stderr(&a)))
		goto out;
	it_nap(0.5);
	code = agent_finish(&a, SIGINT, 20);
	ok = ASSERT(code == 128 + SIGINT, "exit %d: COMMAND did not die of the interrupt (stderr: %s)", code,
		    agent_stderr(&a));
out:
	agent_free(&a);
	return ok;
}

/* The verdict records of a run, and whether any said leak. */
static size_t leak_records(const struct agent *a)
{
	size_t i, n = 0;

	for (i = 0; i < a->n_lines; i++) {
		struct jv *v = jv_parse(a->lines[i]);

		n += v && jv_str(v, "type") && !strcmp(jv_str(v, "type"), "verdict") && jv_str(v, "verdict") &&
		     !strcmp(jv_str(v, "verdict"), "leak");
		jv_free(v);
	}
	return n;
}

/* Runs memprobe around anonload with fast verdict settings; the summary of its cgroup. */
static struct jv *wrapped(struct agent *a, const char *leak_after, const char *const *load)
{
	const char *argv[32] = { "--json", "--interval", "0.25", "--verdict-samples", "8", "--leak-band", "32M",
				 "--leak-after", leak_after, "--", build_path("workloads/anonload") };
	size_t n = 11, i;
	int code;

	for (i = 0; load[i] && n < 31; i++)
		argv[n++] = load[i];
	argv[n] = NULL;
	if (!ASSERT(!agent_start(a, argv), "memprobe"))
		return NULL;
	code = agent_finish(a, 0, 60);
	if (!ASSERT(code == 0, "exit %d: %s", code, agent_stderr(a)))
		return NULL;
	return agent_record(a, "summary", NULL);
}

/* The verdict records of a run, in order: their verdicts. */
static size_t verdicts(const struct agent *a, const char **out, size_t max)
{
	size_t i, n = 0;

	for (i = 0; i < a->n_lines && n < max; i++) {
		struct jv *v = jv_parse(a->lines[i]);

		if (v && jv_str(v, "type") && !strcmp(jv_str(v, "type"), "verdict") && jv_str(v, "verdict"))
			out[n++] = !strcmp(jv_str(v, "verdict"), "normal") ? "normal" :
				   !strcmp(jv_str(v, "verdict"), "warning") ? "warning" : "leak";
		jv_free(v);
	}
	return n;
}

/*
 * 64 MiB in its first 2 s, then flat: a warm-up; the verdict comes back to
 * normal once it stops. A leak would need 10 s of growth: a loaded host
 * stretches the 2 s, not five-fold.
 */
INTEGRATION_TEST(warm_up_is_not_a_leak, 60)
{
	const char *load[] = { "--rate", "32M", "--seconds", "2", "--hold", "8", NULL };
	struct agent a = { .out = -1 };
	const char *said[16];
	struct jv *sum;
	bool ok = false;
	size_t n;

	sum = wrapped(&a, "10", load);
	if (!sum)
		goto out;
	n = verdicts(&a, said, 16);
	ok = ASSERT_STR(jv_str(sum, "verdict"), "normal") &&
	     ASSERT(strstr(jv_str(sum, "verdict_reason") ?: "", "stopped"), "reason: %s", jv_str(sum, "verdict_reason")) &&
	     ASSERT(leak_records(&a) == 0, "a leak verdict record during the warm-up") &&
	     ASSERT(n >= 2 && !strcmp(said[0], "warning") && !strcmp(said[n - 1], "normal"),
		    "verdicts: %zu, the last %s", n, n ? said[n - 1] : "none");
	jv_free(sum);
out:
	agent_free(&a);
	return ok;
}

/* Grows 3 s, gives it all back, grows again: no leak record, not even on the first ramp. */
INTEGRATION_TEST(sawtooth_never_emits_leak, 60)
{
	const char *load[] = { "--rate", "32M", "--seconds", "3", "--fall", NULL };
	struct agent a = { .out = -1 };
	struct jv *sum;
	bool ok = false;

	sum = wrapped(&a, "10", load);
	if (!sum)
		goto out;
	ok = ASSERT(leak_records(&a) == 0, "a leak verdict record") &&
	     ASSERT(strcmp(jv_str(sum, "verdict") ?: "", "leak"), "summary: %s", jv_str(sum, "verdict_reason"));
	jv_free(sum);
out:
	agent_free(&a);
	return ok;
}

/*
 * COMMAND waits, inside its cgroup, until the probes are attached: that
 * moment (memprobe's own forked copy, not COMMAND) is no point of its
 * trend. The first sample after it starts holds the trend's first point.
 */
INTEGRATION_TEST(command_start_is_not_a_data_point, 60)
{
	const char *load[] = { "--initial", "64M", "--rate", "20M", "--seconds", "4", NULL };
	struct agent a = { .out = -1 };
	struct jv *sum, *first = NULL;
	double slope = 0;
	bool ok = false;
	size_t i;

	sum = wrapped(&a, "2", load);
	if (!sum)
		goto out;
	for (i = 0; i < a.n_lines && !first; i++) {
		first = jv_parse(a.lines[i]);
		if (first && (!jv_str(first, "type") || strcmp(jv_str(first, "type"), "sample"))) {
			jv_free(first);
			first = NULL;
		}
	}
	jv_num(sum, "anon_growth_bytes_per_hour", &slope);
	ok = ASSERT(first, "no sample") &&
	     ASSERT(jv_u64_or(first, "verdict_samples") <= 1, "the first sample's trend already had %llu points",
		    (unsigned long long)jv_u64_or(first, "verdict_samples")) &&
	     ASSERT(slope > 0 && slope < 2.0 * 20 * WL_MIB * 3600, "slope %.0f MiB/h", slope / WL_MIB);
	jv_free(sum);
out:
	jv_free(first);
	agent_free(&a);
	return ok;
}

/* A leaker that exits keeps its verdict, said as what happened while it ran. */
INTEGRATION_TEST(exited_leaker_says_what_happened, 60)
{
	const char *load[] = { "--rate", "32M", "--seconds", "4", NULL };
	struct agent a = { .out = -1 };
	const char *argv_table[] = { "--interval", "0.25", "--verdict-samples", "8", "--leak-band", "32M", "--leak-after",
				     "1", "--", build_path("workloads/anonload"), "--rate", "32M", "--seconds", "4", NULL };
	uint64_t last;
	struct jv *sum;
	bool ok = false;
	size_t i;

	sum = wrapped(&a, "1", load);
	if (!sum)
		goto out;
	last = jv_u64_or(sum, "anon_last_running_bytes");
	if (!ASSERT_STR(jv_str(sum, "verdict"), "leak") ||
	    !ASSERT(jv_get(sum, "processes_exited") && jv_get(sum, "processes_exited")->b, "processes_exited") ||
	    !ASSERT(last != ~0ULL && last >= 96 * WL_MIB, "anon when it last ran: %llu", (unsigned long long)last))
		goto out;
	jv_free(sum);
	sum = NULL;
	agent_free(&a);
	/* The table says it in words. */
	if (!ASSERT(!agent_start(&a, argv_table), "memprobe") || !ASSERT(agent_finish(&a, 0, 60) == 0, "exit"))
		goto out;
	for (i = 0; i < a.n_lines; i++)
		if (strstr(a.lines[i], "LEAK while it ran") && strstr(a.lines[i], "its processes have exited"))
			ok = true;
	ASSERT(ok, "no summary line says the leak was while it ran");
out:
	jv_free(sum);
	agent_free(&a);
	return ok;
}

/* Busy on every CPU it may use, then idle: CPU% is said over two readings, never beyond the CPUs. */
static int spin(void *arg)
{
	double end = now_monotonic() + *(double *)arg;
	volatile unsigned long x = 0;

	if (fork() == 0) {
		while (now_monotonic() < end)
			x++;
		_exit(0);
	}
	while (now_monotonic() < end)
		x++;
	wait(NULL);
	return 0;
}

INTEGRATION_TEST(cpu_percent_never_beyond_the_machine, 60)
{
	const char *argv[] = { "--json", "--interval", "0.5", "--cgroup", NULL, NULL };
	struct tchild child = { .pid = 0, .go = -1 };
	struct agent a = { .out = -1 };
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	double secs = 3;
	struct tcg cg = { 0 };
	bool ok = false, seen = false, null_first = false;
	size_t i, k;

	if (!ASSERT(!tcg_create(&cg, "cpu"), "cgroup") || !ASSERT(!tchild_start(&child, &cg, spin, &secs), "child"))
		goto out;
	argv[4] = cg.rel;
	if (!ASSERT(!agent_start(&a, argv), "memprobe") || !ASSERT(agent_wait_for(&a, "start", 30), "no start"))
		goto out;
	tchild_go(&child);
	if (!ASSERT(tchild_wait_reading(&child, &a, 20) == 0, "child"))
		goto out;
	if (!ASSERT(agent_finish(&a, SIGINT, 30) == 0, "memprobe: %s", agent_stderr(&a)))
		goto out;
	ok = true;
	for (i = 0; ok && i < a.n_lines; i++) {
		struct jv *v = jv_parse(a.lines[i]);
		const struct jv *l = v ? jv_get(v, "top_processes") : NULL;

		for (k = 0; ok && l && k < l->n; k++) {
			const struct jv *c = jv_get(&l->items[k], "cpu_percent");
			double pct;

			if (c && c->type == J_NULL) {
				null_first = true;
				continue;
			}
			if (!jv_num(&l->items[k], "cpu_percent", &pct))
				continue;
			seen = true;
			ok = ASSERT(pct >= 0 && pct <= 100.0 * ncpu + 0.05, "%.1f%% on %ld CPUs: %s", pct, ncpu,
				    a.lines[i]);
		}
		jv_free(v);
	}
	ok = ok && ASSERT(seen, "no CPU figure at all") && ASSERT(null_first, "a first reading gave a figure");
out:
	agent_free(&a);
	tchild_kill(&child);
	tcg_remove(&cg);
	return ok;
}

/* The case first seen: a short whole-machine run listed memprobe itself at 391 % of a 2-CPU machine. */
INTEGRATION_TEST(cpu_percent_of_a_short_whole_machine_run, 60)
{
	const char *argv[] = { "--json", "--interval", "1", "--duration", "4", NULL };
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	struct agent a = { .out = -1 };
	struct jv *sum = NULL;
	const struct jv *l;
	bool ok = false;
	size_t k;

	if (!ASSERT(!agent_start(&a, argv), "memprobe") || !ASSERT(agent_finish(&a, 0, 30) == 0, "exit"))
		goto out;
	sum = agent_record(&a, "summary", "/");
	l = sum ? jv_get(sum, "top_processes") : NULL;
	if (!ASSERT(l && l->n, "no processes in the summary"))
		goto out;
	ok = true;
	for (k = 0; ok && k < l->n; k++) {
		double pct;

		if (jv_num(&l->items[k], "cpu_percent", &pct))
			ok = ASSERT(pct <= 100.0 * ncpu + 0.05, "%s at %.1f%%", jv_str(&l->items[k], "comm"), pct);
	}
out:
	jv_free(sum);
	agent_free(&a);
	return ok;
}

/* A 64 MiB file mapping, mlocked: cache, but not reclaimable. */
static int lock_file(void *arg)
{
	const char *path = arg;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	void *p;

	if (fd < 0)
		return 1;
	p = mmap(NULL, 64 * WL_MIB, PROT_READ, MAP_SHARED | MAP_POPULATE, fd, 0);
	/* The system call itself: AddressSanitizer's mlock() does nothing and says so. */
	if (p == MAP_FAILED || syscall(SYS_mlock, p, 64 * WL_MIB))
		return 2;
	pause();
	return 0;
}

INTEGRATION_TEST(mlocked_cache_is_not_reclaimable, 60)
{
	const char *argv[] = { "--json", "--interval", "0.5", "--cgroup", NULL, NULL };
	struct tchild child = { .pid = 0, .go = -1 };
	struct agent a = { .out = -1 };
	char dir[512], path[600];
	uint64_t lru, busy, reclaimable, uneviction;
	struct jv *sum = NULL;
	struct tcg cg = { 0 };
	bool ok = false;

	if (!ASSERT(!wl_make_dir("memprobe-it", dir, sizeof(dir)), "dir"))
		return false;
	snprintf(path, sizeof(path), "%s/locked.bin", dir);
	if (!ASSERT(!wl_write_evicted(path, 64 * WL_MIB), "file") || !ASSERT(!tcg_create(&cg, "mlock"), "cgroup") ||
	    !ASSERT(!tchild_start(&child, &cg, lock_file, path), "child"))
		goto out;
	argv[4] = cg.rel;
	tchild_go(&child);
	/* Locked once the cgroup's unevictable pages hold the file (its statistics are flushed every 2 s). */
	for (int i = 0; i < 200 && tcg_stat(&cg, "unevictable", "unevictable") < 60 * WL_MIB; i++)
		it_nap(0.1);
	uneviction = tcg_stat(&cg, "unevictable", "unevictable");
	if (!ASSERT(uneviction >= 60 * WL_MIB, "not locked: unevictable %llu", (unsigned long long)uneviction) ||
	    !ASSERT(!agent_start(&a, argv), "memprobe") || !ASSERT(agent_wait_for(&a, "sample", 30), "no sample"))
		goto out;
	it_nap(1);
	if (!ASSERT(agent_finish(&a, SIGINT, 30) == 0, "memprobe: %s", agent_stderr(&a)))
		goto out;
	sum = agent_record(&a, "summary", cg.rel);
	lru = tcg_stat(&cg, "active_file", "active_file") + tcg_stat(&cg, "inactive_file", "inactive_file");
	busy = tcg_stat(&cg, "dirty", "file_dirty") + tcg_stat(&cg, "writeback", "file_writeback");
	reclaimable = jv_u64_or(sum, "page_cache_reclaimable_bytes");
	ok = ASSERT(sum, "no summary") &&
	     ASSERT(jv_u64_or(sum, "page_cache_bytes") >= 60 * WL_MIB, "the locked file is cache") &&
	     ASSERT(reclaimable + 60 * WL_MIB <= jv_u64_or(sum, "page_cache_bytes"), "reclaimable %llu counts locked pages",
		    (unsigned long long)reclaimable) &&
	     ASSERT_NEAR(reclaimable, lru > busy ? lru - busy : 0, 5, WL_MIB);
out:
	jv_free(sum);
	agent_free(&a);
	tchild_kill(&child);
	tcg_remove(&cg);
	unlink(path);
	rmdir(dir);
	return ok;
}

/* Reads a file under one name, then becomes dd and reads another: it is reported as dd. */
static int read_then_exec(void *arg)
{
	const char *const *paths = arg;
	char ifarg[700];

	prctl(PR_SET_NAME, "before-exec");
	if (wl_read(paths[0]) < 0)
		return 1;
	snprintf(ifarg, sizeof(ifarg), "if=%s", paths[1]);
	execlp("dd", "dd", ifarg, "of=/dev/null", "bs=1M", "status=none", (char *)NULL);
	return 127;
}

INTEGRATION_TEST(cache_process_named_as_it_runs_now, 60)
{
	const char *argv[] = { "--json", "--interval", "0.5", "--cgroup", NULL, NULL };
	struct tchild child = { .pid = 0, .go = -1 };
	struct agent a = { .out = -1 };
	char dir[512], a_path[600], b_path[600];
	const char *paths[2] = { a_path, b_path };
	const struct jv *l;
	struct jv *sum = NULL;
	struct tcg cg = { 0 };
	bool ok = false;
	size_t k;
	pid_t pid;

	if (!ASSERT(!wl_make_dir("memprobe-it", dir, sizeof(dir)), "dir"))
		return false;
	snprintf(a_path, sizeof(a_path), "%s/first.bin", dir);
	snprintf(b_path, sizeof(b_path), "%s/second.bin", dir);
	if (!ASSERT(!wl_write_evicted(a_path, 8 * WL_MIB) && !wl_write_evicted(b_path, 8 * WL_MIB), "files") ||
	    !ASSERT(!tcg_create(&cg, "exec"), "cgroup") ||
	    !ASSERT(!tchild_start(&child, &cg, read_then_exec, paths), "child"))
		goto out;
	argv[4] = cg.rel;
	if (!ASSERT(!agent_start(&a, argv), "memprobe") || !ASSERT(agent_wait_for(&a, "start", 30), "no start"))
		goto out;
	pid = child.pid;
	tchild_go(&child);
	if (!ASSERT(tchild_wait_reading(&child, &a, 20) == 0, "child failed") ||
	    !ASSERT(agent_finish(&a, SIGINT, 30) == 0, "memprobe: %s", agent_stderr(&a)))
		goto out;
	sum = agent_record(&a, "summary", cg.rel);
	l = sum ? jv_get(sum, "cache_processes") : NULL;
	for (k = 0; l && k < l->n; k++)
		if (jv_u64_or(&l->items[k], "pid") == (uint64_t)pid)
			ok = ASSERT_STR(jv_str(&l->items[k], "comm"), "dd");
	ASSERT(ok, "pid %d not among cache_processes", (int)pid);
out:
	jv_free(sum);
	agent_free(&a);
	tchild_kill(&child);
	tcg_remove(&cg);
	unlink(a_path);
	unlink(b_path);
	rmdir(dir);
	return ok;
}

/* A name that would split a row and a name that would clear the screen and recolour it. */
#define HOSTILE_FILE	"evil\n\033[31mred\033[0m.bin"
#define HOSTILE_COMM	"\033[2J\nclear"

static int hostile_reader(void *arg)
{
	prctl(PR_SET_NAME, HOSTILE_COMM);
	return wl_read(arg) < 0;
}

static bool no_control_bytes(const struct agent *a, const char *what)
{
	size_t i;

	for (i = 0; i < a->n_lines; i++)
		if (!ASSERT(!strchr(a->lines[i], '\033') && !strchr(a->lines[i], '\r'), "%s line %zu reaches the terminal raw",
			    what, i))
			return false;
	return true;
}

INTEGRATION_TEST(hostile_names_stay_text, 60)
{
	const char *json_argv[] = { "--json", "--interval", "0.5", "--cgroup", NULL, NULL };
	const char *table_argv[] = { "--interval", "0.5", "--cgroup", NULL, NULL };
	struct tchild child = { .pid = 0, .go = -1 };
	struct agent a = { .out = -1 };
	char dir[512], path[600];
	struct jv *sum = NULL;
	const struct jv *f, *p;
	struct tcg cg = { 0 };
	bool ok = false, row = false;
	size_t i;
	int pass;

	if (!ASSERT(!wl_make_dir("memprobe-it", dir, sizeof(dir)), "dir"))
		return false;
	snprintf(path, sizeof(path), "%s/" HOSTILE_FILE, dir);
	if (!ASSERT(!wl_write_evicted(path, 4 * WL_MIB), "file") || !ASSERT(!tcg_create(&cg, "hostile"), "cgroup"))
		goto out;
	json_argv[4] = table_argv[3] = cg.rel;
	for (pass = 0; pass < 2; pass++) {
		child = (struct tchild){ .pid = 0, .go = -1 };
		wl_evict(path);
		if (!ASSERT(!tchild_start(&child, &cg, hostile_reader, path), "child") ||
		    !ASSERT(!agent_start(&a, pass ? table_argv : json_argv), "memprobe") ||
		    !ASSERT(pass ? agent_wait_line(&a, "memprobe ", 30) : agent_wait_for(&a, "start", 30), "no start"))
			goto out;
		tchild_go(&child);
		if (!ASSERT(tchild_wait_reading(&child, &a, 20) == 0, "child") ||
		    !ASSERT(agent_finish(&a, SIGINT, 30) == 0, "memprobe: %s", agent_stderr(&a)))
			goto out;
		if (!pass) {
			/* JSON keeps the bytes, escaped its own way. */
			sum = agent_record(&a, "summary", cg.rel);
			f = sum ? jv_get(sum, "top_files") : NULL;
			p = sum ? jv_get(sum, "cache_processes") : NULL;
			if (!ASSERT(f && f->n && strstr(jv_str(&f->items[0], "path") ?: "", HOSTILE_FILE), "JSON path") ||
			    !ASSERT(p && p->n && !strcmp(jv_str(&p->items[0], "comm") ?: "", HOSTILE_COMM), "JSON comm"))
				goto out;
		} else {
			/* The table shows them escaped, each on its row. */
			if (!no_control_bytes(&a, "table"))
				goto out;
			for (i = 0; i < a.n_lines; i++)
				row |= strstr(a.lines[i], "evil\\n\\x1b[31mred\\x1b[0m.bin") != NULL;
			if (!ASSERT(row, "no row shows the escaped file name"))
				goto out;
		}
		agent_free(&a);
		tchild_kill(&child);
	}
	ok = true;
out:
	jv_free(sum);
	agent_free(&a);
	tchild_kill(&child);
	tcg_remove(&cg);
	unlink(path);
	rmdir(dir);
	return ok;
}

/*
 * A warning splat names the task it happened in a few lines below its
 * "WARNING:" line ("CPU: 0 PID: 134 Comm: memprobe Not tainted ...").
 * Returns the first such line for a memprobe process, or NULL.
 */
static const char *memprobe_warning(const char *log)
{
	const char *w, *line, *end, *comm;
	int k;

	for (w = strstr(log, "WARNING:"); w; w = strstr(w + 1, "WARNING:"))
		for (line = w, k = 0; line && k < 6; k++) {
			end = strchr(line, '\n');
			comm = strstr(line, "Comm: ");
			if (comm && (!end || comm < end) && !strncmp(comm, "Comm: memprobe ", 15))
				return w;
			line = end ? end + 1 : NULL;
		}
	return NULL;
}

/*
 * memprobe never makes the kernel warn. Before the BPF memory allocator
 * (6.1), a tracepoint program that updates a map allocating at run time
 * made the verifier print a WARNING (and taint the kernel) once a boot:
 * the 5.10 runs did. memprobe loads every probe here, then the kernel's
 * log since boot must hold no warning in a memprobe process.
 */
INTEGRATION_TEST(kernel_never_warns_for_memprobe, 60)
{
	const char *argv[] = { "--json", "--interval", "0.5", "--", build_path("workloads/anonload"), "--rate", "16M",
			       "--seconds", "1", NULL };
	struct agent a = { .out = -1 };
	const char *w;
	char *log = NULL;
	int size, n, code;
	bool ok = false;

	if (!ASSERT(!agent_start(&a, argv), "memprobe"))
		goto out;
	code = agent_finish(&a, 0, 40);
	if (!ASSERT(code == 0, "exit %d: %s", code, agent_stderr(&a)))
		goto out;
	size = klogctl(10, NULL, 0);	/* SYSLOG_ACTION_SIZE_BUFFER */
	log = size > 0 ? calloc(1, (size_t)size + 1) : NULL;
	n = log ? klogctl(3, log, size) : -1;	/* SYSLOG_ACTION_READ_ALL */
	if (!ASSERT(n >= 0, "cannot read the kernel's log: %s", strerror(errno)))
		goto out;
	log[n] = '\0';
	w = memprobe_warning(log);
	ok = ASSERT(!w, "the kernel warned in memprobe: %.300s", w);
out:
	free(log);
	agent_free(&a);
	return ok;
}
