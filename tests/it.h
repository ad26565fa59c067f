/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Helpers for tests on the real kernel: a memory cgroup made for one test,
 * a child that runs a workload inside it (and nothing else does), memprobe
 * itself as a subprocess with its JSON lines, and the kernel's own counters
 * read directly, to check memprobe against.
 */
#ifndef MEMPROBE_IT_H
#define MEMPROBE_IT_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include <linux/types.h>

#include "jsonr.h"

#define IT_PATH	1024

/* Test cgroups are named memprobe-test-<pid of the test>-<tag>, so a sweep can find leftovers. */
struct tcg {
	char dir[IT_PATH];
	char rel[IT_PATH];	/* as memprobe names it */
	uint64_t id;
	int version;
	bool made;
};

int tcg_create(struct tcg *c, const char *tag);
/* A cgroup below another test cgroup (removed before its parent). */
int tcg_create_child(struct tcg *c, const struct tcg *parent, const char *tag);
/* Kills what is left inside (only our own children can be there) and removes it. */
void tcg_remove(struct tcg *c);
/* A memory.stat figure, hierarchical (v1 total_<v1key>, v2 v2key); ~0 when absent. */
uint64_t tcg_stat(const struct tcg *c, const char *v1key, const char *v2key);
/* Page cache without shmem, as memprobe defines it. */
uint64_t tcg_page_cache(const struct tcg *c);
/* Writes a value to a file of the cgroup. */
int tcg_write(const struct tcg *c, const char *file, const char *value);
/* Sets the cgroup's memory limit (v1 memory.limit_in_bytes, v2 memory.max). */
int tcg_limit(const struct tcg *c, uint64_t bytes);
/* OOM kills in the cgroup, from the kernel's own counter (v1 memory.oom_control, v2 memory.events). */
uint64_t tcg_oom_kills(const struct tcg *c);
/*
 * The cgroup's memory events as the kernel counts them, as memprobe reads
 * them: v2 memory.events; v1 memory.failcnt for max, oom_control's
 * oom_kill for oom and oom_kill, no high. -ENODATA when one is missing.
 */
struct tcg_events {
	uint64_t high, max, oom, oom_kill;
};
int tcg_events(const struct tcg *c, struct tcg_events *e);
/* memory.pressure's total= of its "some" or "full" line, in us (v2 only); ~0 when absent. */
uint64_t tcg_psi_total_us(const struct tcg *c, const char *which);

/* A child of the test, parked until moved into its cgroup and released. */
struct tchild {
	pid_t pid;
	int go;
};

int tchild_start(struct tchild *ch, const struct tcg *c, int (*fn)(void *arg), void *arg);
int tchild_go(struct tchild *ch);
/* Waits up to timeout_s; returns the wait status, or -1 on timeout. */
int tchild_wait(struct tchild *ch, int timeout_s);
struct agent;
/* The same, reading a's output meanwhile: memprobe blocks on a full pipe, and stops measuring. */
int tchild_wait_reading(struct tchild *ch, struct agent *a, int timeout_s);
void tchild_kill(struct tchild *ch);

/* Bodies for tchild_start, for children that only hold still. */
/* Waits to be killed. */
int it_child_idle(void *arg);
/* Takes *(unsigned long long *)arg bytes of anonymous memory, writes them, waits to be killed. */
int it_child_hold(void *arg);
/* Touches four times *(unsigned long long *)arg (a limit) of anonymous memory: for the OOM killer. */
int it_child_hog(void *arg);

/* build/memprobe under test: stdout is captured line by line, stderr goes to a file. */
struct agent {
	pid_t pid;
	int out;
	char *buf;
	size_t len, cap;
	char **lines;
	size_t n_lines, cap_lines;
	char err_path[IT_PATH];
	int status;
};

/* argv without the program name, NULL-terminated. */
int agent_start(struct agent *a, const char *const argv[]);
/* The same, calling before_exec in the child first (a signal disposition a shell would leave, ...). */
int agent_start_with(struct agent *a, const char *const argv[], void (*before_exec)(void));
/* Reads output until a record of that type arrives; false on timeout or exit. */
bool agent_wait_for(struct agent *a, const char *type, int timeout_s);
/* The same for a line starting with prefix (the table's output). */
bool agent_wait_line(struct agent *a, const char *prefix, int timeout_s);
/* Sends sig (0: none) and reads until memprobe exits; returns its exit code, or -1. */
int agent_finish(struct agent *a, int sig, int timeout_s);
/* The last record of type (and cgroup, if not NULL), parsed; the caller frees it. */
struct jv *agent_record(const struct agent *a, const char *type, const char *cgroup);
size_t agent_count(const struct agent *a, const char *type, const char *cgroup);
/* memprobe's stderr, as text (static buffer). */
const char *agent_stderr(const struct agent *a);
void agent_free(struct agent *a);

/* Runs build/memprobe with argv to the end; returns the exit code, stderr in err. */
int run_memprobe(const char *const argv[], char *err, size_t errlen, int timeout_s);

/* A /proc/PID/status figure (key with its colon, "VmRSS:"), in bytes; ~0 when it cannot be read. */
uint64_t it_status_bytes(pid_t pid, const char *key);
/* Sleeps s seconds (fractions too). */
void it_nap(double s);

/* Where build/memprobe and build/workloads live; set once by the program using these helpers. */
void it_set_build_dir(const char *dir);
/*
 * The ids of the BPF programs pid holds (links name them too), each once,
 * from its /proc/PID/fdinfo: the kernel's word, read from outside. Up to
 * max; returns how many, or 0 when the process is gone.
 */
size_t it_prog_ids(pid_t pid, __u32 *ids, size_t max);
/*
 * Whether pid holds a BPF program whose name starts with prefix (before
 * 5.16 the page-cache programs are cache_add_page and its kin); n_progs:
 * how many it holds.
 */
bool it_holds_prog(pid_t pid, const char *prefix, int *n_progs);
/* A path inside the build directory. */
const char *build_path(const char *rel);

/* Removes what a test left behind: its cgroups, and those of memprobe runs whose agent is gone. */
void it_sweep(pid_t test_pid);

#endif /* MEMPROBE_IT_H */
