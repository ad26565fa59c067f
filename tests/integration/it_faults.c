// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Faults memprobe must survive: its cgroup removed and created again (a
 * service restart), signals at any moment of its life, a reader that goes
 * away, a full disk, a second instance, maps too small for the workload,
 * and too few privileges. Each test checks the figures that survive, not
 * only that nothing crashed.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/mman.h>
#include <sys/shm.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>

#include "harness.h"
#include "it.h"
#include "sys/util.h"
#include "model/verdict.h"
#include "workload.h"

#define LIFE_BYTES	(8 * WL_MIB)
#define SLACK		(1 * WL_MIB)

static void nap_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

static int read_file(void *arg)
{
	return wl_read(arg) == (long long)LIFE_BYTES ? 0 : 1;
}

/* Reads output for about ms, so that memprobe never waits on its pipe. */
static void drain_for(struct agent *a, long ms)
{
	double end = now_monotonic() + ms / 1000.0;

	while (now_monotonic() < end)
		agent_wait_for(a, "never", 1);
}

INTEGRATION_TEST(cgroup_recreated_is_followed, 120)
{
	const char *argv[] = { "--json", "--interval", "0.25", "--cgroup", NULL, NULL };
	char dir[512], one[600], two[600];
	struct tchild first = { .pid = 0, .go = -1 }, second = { .pid = 0, .go = -1 };
	struct agent a = { .out = -1 };
	struct tcg cg = { 0 };
	struct jv *sum = NULL, *sample = NULL;
	uint64_t old_id = 0;
	bool ok = false;

	dir[0] = '\0';
	if (!ASSERT(!wl_make_dir("memprobe-it", dir, sizeof(dir)), "directory"))
		goto out;
	snprintf(one, sizeof(one), "%s/first-life.bin", dir);
	snprintf(two, sizeof(two), "%s/second-life.bin", dir);
	if (!ASSERT(!wl_write_evicted(one, LIFE_BYTES) && !wl_write_evicted(two, LIFE_BYTES), "files") ||
	    !ASSERT(!tcg_create(&cg, "restart"), "cgroup") ||
	    !ASSERT(!tchild_start(&first, &cg, read_file, one), "first child"))
		goto out;
	old_id = cg.id;
	argv[4] = cg.rel;
	if (!ASSERT(!agent_start(&a, argv), "memprobe") || !ASSERT(agent_wait_for(&a, "start", 30), "no start"))
		goto out;
	tchild_go(&first);
	if (!ASSERT(tchild_wait(&first, 30) == 0, "first life failed"))
		goto out;
	drain_for(&a, 600);
	/* The restart: the old cgroup goes, a new one comes under the same name. */
	tcg_remove(&cg);
	drain_for(&a, 600);
	if (!ASSERT(!tcg_create(&cg, "restart"), "cgroup again") ||
	    !ASSERT(cg.id != old_id, "the kernel reused the id %llu", (unsigned long long)old_id) ||
	    !ASSERT(!tchild_start(&second, &cg, read_file, two), "second child"))
		goto out;
	drain_for(&a, 600);
	tchild_go(&second);
	if (!ASSERT(tchild_wait(&second, 30) == 0, "second life failed"))
		goto out;
	drain_for(&a, 800);
	if (!ASSERT(agent_finish(&a, SIGTERM, 30) == 0, "memprobe failed: %s", agent_stderr(&a)))
		goto out;
	sum = agent_record(&a, "summary", cg.rel);
	sample = agent_record(&a, "sample", cg.rel);
	ok = ASSERT(strstr(agent_stderr(&a), "created again"), "not said on stderr: %s", agent_stderr(&a)) &&
	     ASSERT(sample && jv_u64_or(sample, "cgroup_id") == cg.id && jv_u64_or(sample, "cgroup_lives") == 2,
		    "the last sample is not of the new cgroup") &&
	     ASSERT(sum, "no summary") &&
	     ASSERT(jv_u64_or(sum, "cgroup_id") == cg.id, "summary of id %llu, not the new %llu",
		    (unsigned long long)jv_u64_or(sum, "cgroup_id"), (unsigned long long)cg.id) &&
	     ASSERT(jv_u64_or(sum, "first_cgroup_id") == old_id, "first id %llu, want %llu",
		    (unsigned long long)jv_u64_or(sum, "first_cgroup_id"), (unsigned long long)old_id) &&
	     ASSERT(jv_u64_or(sum, "cgroup_lives") == 2, "lives %llu", (unsigned long long)jv_u64_or(sum, "cgroup_lives")) &&
	     ASSERT(jv_get(sum, "cgroup_gone") && !jv_get(sum, "cgroup_gone")->b, "the new cgroup is there") &&
	     /* Both lives' reads: the probes counted each file entering the cache once. */
	     ASSERT(jv_u64_or(sum, "page_cache_added_bytes") + SLACK >= 2 * LIFE_BYTES,
		    "page_cache_added_bytes %llu covers less than both lives (%llu)",
		    (unsigned long long)jv_u64_or(sum, "page_cache_added_bytes"), 2ULL * LIFE_BYTES) &&
	     ASSERT(jv_u64_or(sum, "page_cache_added_bytes") <= 2 * LIFE_BYTES + 4 * SLACK, "more than was read: %llu",
		    (unsigned long long)jv_u64_or(sum, "page_cache_added_bytes"));
out:
	jv_free(sum);
	jv_free(sample);
	agent_free(&a);
	tchild_kill(&first);
	tchild_kill(&second);
	tcg_remove(&cg);
	if (dir[0]) {
		unlink(one);
		unlink(two);
		rmdir(dir);
	}
	return ok;
}

/* Whether pid has blocked SIGINT, SIGTERM and SIGHUP: from then on, memprobe handles them. */
static bool stop_signals_blocked(pid_t pid)
{
	char path[64], buf[4096], *p;
	unsigned long long blk;
	unsigned long long want = 1ULL << (SIGINT - 1) | 1ULL << (SIGTERM - 1) | 1ULL << (SIGHUP - 1);

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	if (read_text(path, buf, sizeof(buf)) <= 0 || !(p = strstr(buf, "SigBlk:")))
		return false;
	blk = strtoull(p + 7, NULL, 16);
	return (blk & want) == want;
}

/*
 * The ids of every BPF program pid holds, from its fdinfo, gathered by a
 * child that polls until pid has gone: whatever it loads after a signal is
 * seen too. Other memprobes on the machine (a benchmark, an operator's) do
 * not count.
 */
#define MAX_HELD 128

struct held {
	pid_t poller;
	__u32 *ids;		/* shared with the poller: ids[0] is the count */
};

static void held_add(__u32 *ids, __u32 id)
{
	__u32 i;

	for (i = 1; i <= ids[0]; i++)
		if (ids[i] == id)
			return;
	if (ids[0] < MAX_HELD - 1)
		ids[++ids[0]] = id;
}

static bool held_poll(pid_t pid, __u32 *ids)
{
	__u32 now[MAX_HELD];
	size_t n = it_prog_ids(pid, now, MAX_HELD), i;
	char fd0[64];

	for (i = 0; i < n; i++)
		held_add(ids, now[i]);
	/* A zombie has no open files: that is the end. */
	snprintf(fd0, sizeof(fd0), "/proc/%d/fd/0", (int)pid);
	return n || !access(fd0, F_OK);
}

static int held_start(struct held *h, pid_t pid)
{
	h->ids = mmap(NULL, MAX_HELD * sizeof(__u32), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (h->ids == MAP_FAILED)
		return -1;
	h->ids[0] = 0;
	h->poller = fork();
	if (h->poller == 0) {
		/* A zombie has no open files: that is the end. */
		while (held_poll(pid, h->ids))
			usleep(500);
		_exit(0);
	}
	return h->poller > 0 ? 0 : -1;
}

/* Waits for the poller; returns how many of the programs are still loaded after a few seconds. */
static int held_left(struct held *h, int *seen)
{
	int left = 0, tries;
	__u32 i;

	waitpid(h->poller, NULL, 0);
	*seen = (int)h->ids[0];
	for (i = 1; i <= h->ids[0]; i++) {
		int fd = -1;

		/* The kernel frees a program after an RCU grace period. */
		for (tries = 0; tries < 300; tries++) {
			fd = bpf_prog_get_fd_by_id(h->ids[i]);
			if (fd < 0)
				break;
			close(fd);
			nap_ms(10);
		}
		left += fd >= 0;
	}
	munmap(h->ids, MAX_HELD * sizeof(__u32));
	return left;
}

INTEGRATION_TEST(signals_at_any_moment, 240)
{
	static const int sigs[] = { SIGINT, SIGTERM, SIGHUP };
	/* After the signals are blocked: at once, during loading, around attaching, and running. */
	static const long delays_ms[] = { 0, 30, 120, 400, -1 };
	const char *argv[] = { "--json", "--interval", "0.25", "--cgroup", NULL, NULL };
	struct tcg cg = { 0 };
	bool ok = ASSERT(!tcg_create(&cg, "signals"), "cgroup");
	size_t s, d;

	argv[4] = cg.rel;
	for (s = 0; ok && s < sizeof(sigs) / sizeof(sigs[0]); s++)
		for (d = 0; ok && d < sizeof(delays_ms) / sizeof(delays_ms[0]); d++) {
			struct agent a = { .out = -1 };
			struct held h = { 0 };
			struct jv *sum = NULL;
			int i, code, left, seen;

			if (!ASSERT(!agent_start(&a, argv), "memprobe") || !ASSERT(!held_start(&h, a.pid), "poller")) {
				agent_free(&a);
				ok = false;
				break;
			}
			for (i = 0; i < 2000 && !stop_signals_blocked(a.pid); i++)
				nap_ms(1);
			if (delays_ms[d] < 0)
				agent_wait_for(&a, "start", 30);
			else
				nap_ms(delays_ms[d]);
			code = agent_finish(&a, sigs[s], 60);
			sum = agent_record(&a, "summary", cg.rel);
			left = held_left(&h, &seen);
			ok = ASSERT(code == 0, "%s after %ld ms: exit %d; stderr: %s", strsignal(sigs[s]), delays_ms[d], code,
				    agent_stderr(&a)) &&
			     ASSERT(sum, "%s after %ld ms: no summary", strsignal(sigs[s]), delays_ms[d]) &&
			     /* Every probe was attached before the signal was acted on. */
			     ASSERT(seen >= 5, "%s after %ld ms: only %d programs seen", strsignal(sigs[s]), delays_ms[d], seen) &&
			     ASSERT(left == 0, "%s after %ld ms: %d of %d programs left loaded", strsignal(sigs[s]), delays_ms[d],
				    left, seen);
			jv_free(sum);
			agent_free(&a);
		}
	tcg_remove(&cg);
	return ok;
}

/* Runs a shell command line with a 60 s limit; returns its exit status, stderr in err. */
static int sh(const char *cmd, char *err, size_t errlen)
{
	char out[] = "/tmp/memprobe-test-sh-XXXXXX", full[2048];
	int fd = mkstemp(out), status;

	if (fd < 0)
		return -1;
	close(fd);
	snprintf(full, sizeof(full), "exec 2>%s; %s", out, cmd);
	status = system(full);
	read_text(out, err, errlen);
	unlink(out);
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

INTEGRATION_TEST(reader_goes_away, 60)
{
	char cmd[1024], err[4096], *last;
	int code;

	/* head exits after the first record; memprobe's next write meets a closed pipe. */
	snprintf(cmd, sizeof(cmd),
		 "bash -c 'set -o pipefail; timeout 30 %s --json --interval 0.25 | head -1 >/dev/null; echo \"${PIPESTATUS[0]}\" >&2'",
		 build_path("memprobe"));
	code = sh(cmd, err, sizeof(err));
	/* The last line of stderr is memprobe's exit status. */
	last = err + strlen(err);
	while (last > err && last[-1] == '\n')
		*--last = '\0';
	last = strrchr(err, '\n') ? strrchr(err, '\n') + 1 : err;
	return ASSERT(code >= 0, "shell failed") &&
	       ASSERT(!strcmp(last, "0"), "memprobe's exit status is %s (124 is a hang): %s", last, err) &&
	       ASSERT(!strstr(err, "Segmentation") && !strstr(err, "Aborted"), "crashed: %s", err);
}

INTEGRATION_TEST(full_disk_for_output, 60)
{
	char cmd[1024], err[4096];
	int code;

	snprintf(cmd, sizeof(cmd), "timeout 30 %s --json --interval 0.25 --duration 3 >/dev/full", build_path("memprobe"));
	code = sh(cmd, err, sizeof(err));
	return ASSERT(code == 1, "exit %d (1 is a runtime error, 124 a hang): %s", code, err) &&
	       ASSERT(strstr(err, "No space left on device"), "not said: %s", err) &&
	       ASSERT(strchr(err, '\n') && !strchr(err, '\n')[1], "more than one line: %s", err);
}

static int read_twice(void *arg)
{
	return read_file(arg);
}

INTEGRATION_TEST(two_instances_at_once, 90)
{
	const char *argv[] = { "--json", "--interval", "0.25", "--cgroup", NULL, NULL };
	char dir[512], file[600];
	struct tchild child = { .pid = 0, .go = -1 };
	struct agent a = { .out = -1 }, b = { .out = -1 };
	struct jv *sa = NULL, *sb = NULL;
	struct tcg cg = { 0 };
	bool ok = false;

	dir[0] = '\0';
	if (!ASSERT(!wl_make_dir("memprobe-it", dir, sizeof(dir)), "directory"))
		goto out;
	snprintf(file, sizeof(file), "%s/shared.bin", dir);
	if (!ASSERT(!wl_write_evicted(file, LIFE_BYTES), "file") || !ASSERT(!tcg_create(&cg, "twice"), "cgroup") ||
	    !ASSERT(!tchild_start(&child, &cg, read_twice, file), "child"))
		goto out;
	argv[4] = cg.rel;
	if (!ASSERT(!agent_start(&a, argv) && !agent_start(&b, argv), "memprobe") ||
	    !ASSERT(agent_wait_for(&a, "start", 30) && agent_wait_for(&b, "start", 30), "no start"))
		goto out;
	tchild_go(&child);
	if (!ASSERT(tchild_wait(&child, 30) == 0, "child failed"))
		goto out;
	drain_for(&a, 300);
	drain_for(&b, 300);
	if (!ASSERT(agent_finish(&a, SIGINT, 30) == 0, "first failed: %s", agent_stderr(&a)))
		goto out;
	/* The second keeps working after the first has gone. */
	drain_for(&b, 600);
	if (!ASSERT(agent_finish(&b, SIGINT, 30) == 0, "second failed: %s", agent_stderr(&b)))
		goto out;
	sa = agent_record(&a, "summary", cg.rel);
	sb = agent_record(&b, "summary", cg.rel);
	ok = ASSERT(sa && sb, "summaries") &&
	     ASSERT(jv_u64_or(sa, "page_cache_added_bytes") + SLACK >= LIFE_BYTES, "first saw %llu",
		    (unsigned long long)jv_u64_or(sa, "page_cache_added_bytes")) &&
	     ASSERT(jv_u64_or(sb, "page_cache_added_bytes") + SLACK >= LIFE_BYTES, "second saw %llu",
		    (unsigned long long)jv_u64_or(sb, "page_cache_added_bytes")) &&
	     ASSERT(jv_u64_or(sa, "page_cache_added_bytes") <= LIFE_BYTES + 4 * SLACK &&
		    jv_u64_or(sb, "page_cache_added_bytes") <= LIFE_BYTES + 4 * SLACK, "one counted the other's pages");
out:
	jv_free(sa);
	jv_free(sb);
	agent_free(&a);
	agent_free(&b);
	tchild_kill(&child);
	tcg_remove(&cg);
	if (dir[0]) {
		unlink(file);
		rmdir(dir);
	}
	return ok;
}

/* n evicted files of size bytes in a new directory dir: path[i] is dir/fNN. */
static bool write_files(char *dir, size_t dirlen, char (*path)[600], int n, unsigned long long size)
{
	char base[512];
	int i;

	if (wl_make_dir("memprobe-it", dir, dirlen))
		return false;
	snprintf(base, sizeof(base), "%s", dir);
	for (i = 0; i < n; i++) {
		snprintf(path[i], sizeof(path[i]), "%s/f%02d", base, i);
		if (wl_write_evicted(path[i], size))
			return false;
	}
	return true;
}

static void remove_files(char *dir, char (*path)[600], int n)
{
	int i;

	for (i = 0; i < n; i++)
		if (path[i][0])
			unlink(path[i]);
	if (dir[0])
		rmdir(dir);
}

#define MANY_FILES	48
#define SMALL_FILE	(256 * 1024)

struct many {
	char dir[512];
	char path[MANY_FILES][600];
};

static int read_many(void *arg)
{
	struct many *m = arg;
	int i;

	for (i = 0; i < MANY_FILES; i++)
		if (wl_read(m->path[i]) != SMALL_FILE)
			return 1;
	return 0;
}

INTEGRATION_TEST(maps_full_are_counted, 90)
{
	const char *argv[] = { "--json", "--interval", "0.25", "--max-files", "8", "--cgroup", NULL, NULL };
	struct tchild child = { .pid = 0, .go = -1 };
	struct agent a = { .out = -1 };
	struct many *m = calloc(1, sizeof(*m));
	struct jv *sum = NULL;
	struct tcg cg = { 0 };
	bool ok = false;

	if (!ASSERT(m && write_files(m->dir, sizeof(m->dir), m->path, MANY_FILES, SMALL_FILE), "files"))
		goto out;
	if (!ASSERT(!tcg_create(&cg, "mapsfull"), "cgroup") || !ASSERT(!tchild_start(&child, &cg, read_many, m), "child"))
		goto out;
	argv[6] = cg.rel;
	if (!ASSERT(!agent_start(&a, argv), "memprobe") || !ASSERT(agent_wait_for(&a, "start", 30), "no start"))
		goto out;
	tchild_go(&child);
	if (!ASSERT(tchild_wait(&child, 30) == 0, "child failed"))
		goto out;
	drain_for(&a, 600);
	if (!ASSERT(agent_finish(&a, SIGINT, 30) == 0, "memprobe failed: %s", agent_stderr(&a)))
		goto out;
	sum = agent_record(&a, "summary", cg.rel);
	ok = ASSERT(sum, "no summary") &&
	     ASSERT(jv_u64_or(sum, "lost_events") > 0, "a map of 8 files took %d files without a loss", MANY_FILES) &&
	     ASSERT(strstr(agent_stderr(&a), "map of files is full") && strstr(agent_stderr(&a), "--max-files"),
		    "not said on stderr: %s", agent_stderr(&a)) &&
	     /* The per-cgroup figure does not depend on the per-file map. */
	     ASSERT(jv_u64_or(sum, "page_cache_added_bytes") + SLACK >= (uint64_t)MANY_FILES * SMALL_FILE,
		    "page_cache_added_bytes %llu < %llu read", (unsigned long long)jv_u64_or(sum, "page_cache_added_bytes"),
		    (unsigned long long)MANY_FILES * SMALL_FILE);
out:
	jv_free(sum);
	agent_free(&a);
	tchild_kill(&child);
	tcg_remove(&cg);
	if (m)
		remove_files(m->dir, m->path, MANY_FILES);
	free(m);
	return ok;
}

INTEGRATION_TEST(refuses_without_privileges, 60)
{
	char out[] = "/tmp/memprobe-test-nobody-XXXXXX", err[4096];
	int fd = mkstemp(out), status;
	const char *nl;
	pid_t pid;

	if (!ASSERT(fd >= 0, "mkstemp"))
		return false;
	fchmod(fd, 0666);
	pid = fork();
	if (pid == 0) {
		const char *argv[] = { build_path("memprobe"), "--json", "--duration", "1", NULL };

		dup2(fd, 2);
		if (setgroups(0, NULL) || setgid(65534) || setuid(65534))
			_exit(126);
		execv(argv[0], (char *const *)argv);
		_exit(127);
	}
	close(fd);
	waitpid(pid, &status, 0);
	read_text(out, err, sizeof(err));
	unlink(out);
	nl = strchr(err, '\n');
	return ASSERT(WIFEXITED(status) && WEXITSTATUS(status) == 1, "status %d: %s", status, err) &&
	       ASSERT(strstr(err, "CAP_BPF") || strstr(err, "root"), "does not say which privileges: %s", err) &&
	       ASSERT(nl && !nl[1], "more than one line: %s", err);
}

/*
 * The soak: memprobe watches a cgroup under churn (page cache filled and
 * evicted, short-lived processes, child cgroups created and removed, SysV
 * segments) for MEMPROBE_SOAK_SECONDS; run-tests gives it minutes on the
 * sanitized build, where LeakSanitizer turns any leak into exit 23. Its own
 * RSS, sampled each second after a warm-up, must stay flat by the same
 * trend fit memprobe applies to services.
 */
struct churn {
	const char *cg_dir;
	char file[600];
};

static int churn_once(const struct churn *c, unsigned long i)
{
	char sub[700], procs[720], pid[32];
	size_t n = 2 * WL_MIB, at;
	pid_t child;
	int status, tries;

	snprintf(sub, sizeof(sub), "%s/soak-%lu", c->cg_dir, i);
	if (mkdir(sub, 0755))
		return 1;
	child = fork();
	if (child == 0) {
		char *p;
		int id;

		snprintf(procs, sizeof(procs), "%s/cgroup.procs", sub);
		snprintf(pid, sizeof(pid), "%d\n", (int)getpid());
		if (write_text(procs, pid))
			_exit(1);
		p = malloc(n);
		for (at = 0; p && at < n; at += 4096)
			p[at] = 1;
		if (wl_read(c->file) < 0 || wl_evict(c->file))
			_exit(2);
		id = shmget(IPC_PRIVATE, 4096, IPC_CREAT | 0600);
		if (id >= 0)
			shmctl(id, IPC_RMID, NULL);
		_exit(0);
	}
	if (child < 0 || waitpid(child, &status, 0) != child || !WIFEXITED(status) || WEXITSTATUS(status))
		return 1;
	for (tries = 0; tries < 100 && rmdir(sub); tries++)
		nap_ms(10);
	return tries == 100;
}

static int churn(void *arg)
{
	const struct churn *c = arg;
	unsigned long i;

	for (i = 0;; i++) {
		if (churn_once(c, i))
			return 1;
		nap_ms(50);
	}
	return 0;
}

/* What a killed churn left: its child cgroups, and a grandchild in one. */
static void remove_churn_cgroups(const char *cg_dir)
{
	char path[1024], procs[1100], buf[256];
	struct dirent *e;
	DIR *d = opendir(cg_dir);
	int tries;

	while (d && (e = readdir(d))) {
		if (strncmp(e->d_name, "soak-", 5))
			continue;
		snprintf(path, sizeof(path), "%.700s/%.255s", cg_dir, e->d_name);
		snprintf(procs, sizeof(procs), "%s/cgroup.procs", path);
		for (tries = 0; tries < 100 && rmdir(path); tries++) {
			if (read_text(procs, buf, sizeof(buf)) > 0 && atoi(buf) > 1)
				kill(atoi(buf), SIGKILL);
			nap_ms(10);
		}
	}
	if (d)
		closedir(d);
}

static __u64 vm_rss_kb(pid_t pid)
{
	uint64_t rss = it_status_bytes(pid, "VmRSS:");

	return rss == ~0ULL ? 0 : rss / 1024;
}

INTEGRATION_TEST(soak_rss_stays_flat, 3600)
{
	const char *argv[] = { "--json", "--interval", "0.5", "--cgroup", NULL, NULL };
	const char *env = getenv("MEMPROBE_SOAK_SECONDS");
	double seconds = env ? atof(env) : 0, start, warm;
	struct tchild child = { .pid = 0, .go = -1 };
	struct agent a = { .out = -1 };
	struct verdict_cfg cfg;
	struct verdict_result res;
	struct trend tr = { 0 };
	struct churn c = { 0 };
	struct tcg cg = { 0 };
	char dir[512] = "";
	__u64 rss = 0, first = 0, peak = 0;
	bool ok = false;

	if (seconds <= 0)
		SKIP("set MEMPROBE_SOAK_SECONDS to run it (run-tests does, on the sanitized build)");
	/* A small quarantine keeps ASan's own memory from passing for growth; leaks are still found. */
	setenv("ASAN_OPTIONS", "detect_leaks=1:exitcode=23:quarantine_size_mb=1", 1);
	if (!ASSERT(!wl_make_dir("memprobe-it", dir, sizeof(dir)), "directory"))
		goto out;
	snprintf(c.file, sizeof(c.file), "%s/churn.bin", dir);
	if (!ASSERT(!wl_write_evicted(c.file, 4 * WL_MIB), "file") || !ASSERT(!tcg_create(&cg, "soak"), "cgroup"))
		goto out;
	c.cg_dir = cg.dir;
	if (!ASSERT(!tchild_start(&child, &cg, churn, &c), "child"))
		goto out;
	argv[4] = cg.rel;
	if (!ASSERT(!agent_start(&a, argv), "memprobe") || !ASSERT(agent_wait_for(&a, "start", 60), "no start"))
		goto out;
	tchild_go(&child);
	verdict_defaults(&cfg);
	cfg.band = 1024 * 1024;
	cfg.warn_rate = 16.0 * 1024 * 1024;
	cfg.leak_rate = 64.0 * 1024 * 1024;
	cfg.window_s = seconds;
	cfg.min_samples = 10;
	trend_init(&tr);
	start = now_monotonic();
	/* Past the warm-up, every bounded table (exited processes kept for the summary, names) is full. */
	warm = start + seconds * 2 / 5;
	while (now_monotonic() - start < seconds) {
		agent_wait_for(&a, "never", 1);
		if (!ASSERT(kill(child.pid, 0) == 0, "the churn stopped"))
			goto out;
		rss = vm_rss_kb(a.pid);
		if (!ASSERT(rss, "memprobe is gone: %s", agent_stderr(&a)))
			goto out;
		if (now_monotonic() < warm)
			continue;
		if (!first)
			first = rss;
		if (rss > peak)
			peak = rss;
		trend_add(&tr, &cfg, now_monotonic(), rss * 1024.0);
	}
	tchild_kill(&child);
	verdict_eval(&tr, &cfg, &res);
	fprintf(stderr, "    soak: %.0f s, RSS %llu KiB after warm-up, %llu KiB at the end, %llu KiB peak; %s (%+.1f MB/h fitted)\n",
		seconds, (unsigned long long)first, (unsigned long long)rss, (unsigned long long)peak,
		verdict_name(res.verdict), res.slope_per_hour / 1e6);
	ok = ASSERT(agent_finish(&a, SIGINT, 120) == 0, "memprobe failed (23 is a leak): %s", agent_stderr(&a)) &&
	     ASSERT(!strstr(agent_stderr(&a), "Sanitizer"), "a sanitizer report: %s", agent_stderr(&a)) &&
	     ASSERT(res.verdict == VERDICT_NORMAL, "memprobe's own RSS: %s", res.reason) &&
	     ASSERT(agent_count(&a, "summary", cg.rel) == 1, "no summary");
out:
	trend_free(&tr);
	agent_free(&a);
	tchild_kill(&child);
	if (cg.made)
		remove_churn_cgroups(cg.dir);
	tcg_remove(&cg);
	if (dir[0]) {
		unlink(c.file);
		rmdir(dir);
	}
	return ok;
}

/*
 * Cgroups come and go under a target far more often than the maps have
 * room for (here 80 for a map of 40): each child cgroup is walked, counted
 * and, once gone, retired from the maps into its target's figures. Every
 * child's pages are in the summary. (The host's own removed cgroups, whose
 * pages the kernel still evicts, may add losses of theirs: not ours.)
 */
#define CHURNED		80
#define CHURN_FILE	(256 * 1024)

struct churned {
	const char *cg_dir;
	char dir[512];
	char path[CHURNED][600];
};

static int churn_children(void *arg)
{
	struct churned *c = arg;
	char sub[700], procs[720], pid[32];
	int i, status;

	for (i = 0; i < CHURNED; i++) {
		pid_t child;

		snprintf(sub, sizeof(sub), "%.600s/child-%d", c->cg_dir, i);
		if (mkdir(sub, 0755))
			return 1;
		child = fork();
		if (child == 0) {
			snprintf(procs, sizeof(procs), "%s/cgroup.procs", sub);
			snprintf(pid, sizeof(pid), "%d\n", (int)getpid());
			if (write_text(procs, pid) || wl_read(c->path[i]) != CHURN_FILE)
				_exit(1);
			/* Long enough for memprobe to walk it. */
			nap_ms(300);
			_exit(0);
		}
		if (child < 0 || waitpid(child, &status, 0) != child || !WIFEXITED(status) || WEXITSTATUS(status))
			return 2;
		while (rmdir(sub))
			nap_ms(10);
	}
	return 0;
}

INTEGRATION_TEST(churned_cgroups_are_retired, 120)
{
	const char *argv[] = { "--json", "--interval", "0.25", "--max-cgroups", "40", "--cgroup", NULL, NULL };
	struct tchild child = { .pid = 0, .go = -1 };
	struct churned *c = calloc(1, sizeof(*c));
	struct agent a = { .out = -1 };
	struct jv *sum = NULL;
	struct tcg cg = { 0 };
	bool ok = false;
	int i;

	if (!ASSERT(c && write_files(c->dir, sizeof(c->dir), c->path, CHURNED, CHURN_FILE), "files"))
		goto out;
	if (!ASSERT(!tcg_create(&cg, "churn"), "cgroup"))
		goto out;
	c->cg_dir = cg.dir;
	if (!ASSERT(!tchild_start(&child, &cg, churn_children, c), "child"))
		goto out;
	argv[6] = cg.rel;
	if (!ASSERT(!agent_start(&a, argv), "memprobe") || !ASSERT(agent_wait_for(&a, "start", 30), "no start"))
		goto out;
	tchild_go(&child);
	if (!ASSERT(tchild_wait_reading(&child, &a, 90) == 0, "the churn failed"))
		goto out;
	drain_for(&a, 600);
	if (!ASSERT(agent_finish(&a, SIGINT, 30) == 0, "memprobe failed: %s", agent_stderr(&a)))
		goto out;
	sum = agent_record(&a, "summary", cg.rel);
	ok = ASSERT(sum, "no summary") &&
	     ASSERT(jv_u64_or(sum, "page_cache_added_bytes") + SLACK >= (uint64_t)CHURNED * CHURN_FILE,
		    "page_cache_added_bytes %llu < %llu read in %d cgroups; stderr: %s",
		    (unsigned long long)jv_u64_or(sum, "page_cache_added_bytes"),
		    (unsigned long long)CHURNED * CHURN_FILE, CHURNED, agent_stderr(&a)) &&
	     ASSERT(jv_u64_or(sum, "page_cache_added_bytes") <= (uint64_t)CHURNED * CHURN_FILE + 4 * SLACK,
		    "more than was read: %llu", (unsigned long long)jv_u64_or(sum, "page_cache_added_bytes"));
out:
	jv_free(sum);
	agent_free(&a);
	tchild_kill(&child);
	if (cg.made)
		for (i = 0; i < CHURNED; i++) {
			char sub[720];

			snprintf(sub, sizeof(sub), "%.600s/child-%d", cg.dir, i);
			rmdir(sub);
		}
	tcg_remove(&cg);
	if (c)
		remove_files(c->dir, c->path, CHURNED);
	free(c);
	return ok;
}
