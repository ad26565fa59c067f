// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The tools compared: nothing, memprobe, and bpftrace on the same tracepoints. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>

#include "bench.h"
#include "calib.skel.h"

/* The same hooks memprobe uses, counting per cgroup, as an operator would write it. */
static const char bpftrace_script[] =
	"tracepoint:filemap:mm_filemap_add_to_page_cache { @cache_add[cgroup] = count(); }\n"
	"tracepoint:filemap:mm_filemap_delete_from_page_cache { @cache_del[cgroup] = count(); }\n"
	"tracepoint:kmem:mm_page_alloc { @alloc[cgroup] = count(); }\n"
	"tracepoint:kmem:rss_stat { @rss[cgroup, args->member] = count(); }\n"
	"BEGIN { printf(\"ready\\n\"); }\n";

/*
 * The hook a program is attached to: for BTF-enabled tracepoints and
 * fentry, the kernel type it was loaded against (btf_trace_NAME, or the
 * function); a classic tracepoint program (bpftrace's) is named after its
 * tracepoint, cut to 15 characters.
 */
static void hook_of(const struct bpf_prog_info *info, char *hook, size_t len)
{
	static struct btf *vmlinux;
	const struct btf_type *t;
	const char *name;

	snprintf(hook, len, "%s", info->name);
	if (info->type != BPF_PROG_TYPE_TRACING || !info->attach_btf_id)
		return;
	if (!vmlinux)
		vmlinux = btf__load_vmlinux_btf();
	if (!vmlinux || !(t = btf__type_by_id(vmlinux, info->attach_btf_id)))
		return;
	name = btf__name_by_offset(vmlinux, t->name_off);
	if (name && !strncmp(name, "btf_trace_", 10))
		name += 10;
	if (name)
		snprintf(hook, len, "%s", name);
}

static void add_prog(struct bench *b, const char *tool, int fd)
{
	struct bpf_prog_info info = { 0 };
	__u32 len = sizeof(info);
	struct prog_total *t;

	if (bpf_obj_get_info_by_fd(fd, &info, &len) || !(t = bench_prog(b, b->current_w, tool, info.name)))
		return;
	hook_of(&info, t->hook, sizeof(t->hook));
	t->run_ns += info.run_time_ns;
	t->run_cnt += info.run_cnt;
}

void bench_collect_progs(struct bench *b, const char *tool, pid_t pid)
{
	__u32 ids[BENCH_MAX_PROGS * 2];
	size_t n = it_prog_ids(pid, ids, BENCH_MAX_PROGS * 2), i;

	for (i = 0; i < n; i++) {
		int fd = bpf_prog_get_fd_by_id(ids[i]);

		if (fd < 0)
			continue;
		add_prog(b, tool, fd);
		close(fd);
	}
}

static int empty_start(struct bench *b, struct tool_run *r)
{
	(void)b;
	r->calib = calib_bpf__open_and_load();
	if (!r->calib || calib_bpf__attach(r->calib)) {
		calib_bpf__destroy(r->calib);
		return -1;
	}
	return 0;
}

static void empty_stop(struct bench *b, struct tool_run *r)
{
	(void)b;
	calib_bpf__destroy(r->calib);
}

static int start_with(struct bench *b, struct tool_run *r, bool light)
{
	const char *argv[] = { "--json", "--interval", "1", "--cgroup", b->cg.rel, light ? "--no-fault-probes" : NULL,
			       NULL };

	if (agent_start(&r->agent, argv))
		return -1;
	b->tool_pid = r->agent.pid;
	if (!agent_wait_for(&r->agent, "start", 30))
		return -1;
	if (r->measured)
		bench_usage_start(r, r->agent.pid);
	return 0;
}

static int memprobe_start(struct bench *b, struct tool_run *r)
{
	return start_with(b, r, false);
}

/* The always-on mode: nothing on a page fault. */
static int nofault_start(struct bench *b, struct tool_run *r)
{
	return start_with(b, r, true);
}

static void stop_as(struct bench *b, struct tool_run *r, const char *name)
{
	if (r->measured)
		bench_usage_stop(b, name, r, r->agent.pid);
	agent_finish(&r->agent, SIGINT, 30);
	agent_free(&r->agent);
	b->tool_pid = 0;
}

static void memprobe_stop(struct bench *b, struct tool_run *r)
{
	stop_as(b, r, "memprobe");
}

static void nofault_stop(struct bench *b, struct tool_run *r)
{
	stop_as(b, r, "no-fault");
}

/* Waits for bpftrace's "ready", printed once every probe is attached. */
static bool bpftrace_ready(int fd, int timeout_s)
{
	double end = bench_now() + timeout_s;
	char buf[4096];
	size_t have = 0;

	while (bench_now() < end) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		ssize_t n;

		if (poll(&p, 1, 200) <= 0)
			continue;
		n = read(fd, buf + have, sizeof(buf) - 1 - have);
		if (n <= 0)
			return false;
		have += n;
		buf[have] = '\0';
		if (strstr(buf, "ready"))
			return true;
		if (have > sizeof(buf) / 2)
			have = 0;
	}
	return false;
}

static int bpftrace_start(struct bench *b, struct tool_run *r)
{
	int out[2], null;

	if (pipe2(out, O_CLOEXEC))
		return -1;
	r->pid = fork();
	if (r->pid < 0)
		return -1;
	if (r->pid == 0) {
		null = open("/dev/null", O_WRONLY);
		dup2(out[1], 1);
		dup2(null, 2);	/* its RLIMIT_MEMLOCK warning is expected here */
		execlp("bpftrace", "bpftrace", "-q", b->bpftrace_script, (char *)NULL);
		_exit(127);
	}
	close(out[1]);
	r->out = out[0];
	b->tool_pid = r->pid;
	if (!bpftrace_ready(r->out, 120))
		return -1;
	if (r->measured)
		bench_usage_start(r, r->pid);
	return 0;
}

static void bpftrace_stop(struct bench *b, struct tool_run *r)
{
	char buf[4096];
	int tries;

	if (r->measured)
		bench_usage_stop(b, "bpftrace", r, r->pid);
	kill(r->pid, SIGINT);
	/*
	 * It prints its maps on the way out; drain them so it can finish. A
	 * SIGINT that lands just after it said ready can go unheeded: ask again
	 * every half second, then stop asking.
	 */
	for (tries = 0; tries < 300; tries++) {
		struct pollfd p = { .fd = r->out, .events = POLLIN };
		ssize_t n = 1;

		if (poll(&p, 1, 100) > 0 && (n = read(r->out, buf, sizeof(buf))) <= 0)
			break;
		if (tries % 5 == 4)
			kill(r->pid, tries < 250 ? SIGINT : SIGKILL);
	}
	close(r->out);
	waitpid(r->pid, NULL, 0);
	b->tool_pid = 0;
}

static const struct tool bare = { "bare", NULL, NULL };
static const struct tool empty = { "empty", empty_start, empty_stop };
static const struct tool memprobe = { "memprobe", memprobe_start, memprobe_stop };
static const struct tool nofault = { "no-fault", nofault_start, nofault_stop };
static const struct tool bpftrace = { "bpftrace", bpftrace_start, bpftrace_stop };

void bench_collect(struct bench *b, const struct tool *tool, struct tool_run *r)
{
	struct bpf_program *p;

	if (!strcmp(tool->name, "empty")) {
		bpf_object__for_each_program(p, r->calib->obj)
			add_prog(b, "empty", bpf_program__fd(p));
	} else if (!strcmp(tool->name, "memprobe") || !strcmp(tool->name, "no-fault")) {
		bench_collect_progs(b, tool->name, r->agent.pid);
	} else if (!strcmp(tool->name, "bpftrace")) {
		bench_collect_progs(b, "bpftrace", r->pid);
	}
}

static bool have_bpftrace(void)
{
	return !system("command -v bpftrace >/dev/null 2>&1");
}

void bench_tools(struct bench *b)
{
	int fd;

	b->n_tools = 0;
	b->tools[b->n_tools++] = &bare;
	b->tools[b->n_tools++] = &memprobe;
	b->tools[b->n_tools++] = &empty;
	b->tools[b->n_tools++] = &nofault;
	if (!have_bpftrace()) {
		fprintf(stderr, "memprobe-bench: bpftrace is not installed; comparing with nothing but the bare runs\n");
		return;
	}
	snprintf(b->bpftrace_script, sizeof(b->bpftrace_script), "/tmp/memprobe-bench-%d.bt", (int)getpid());
	fd = open(b->bpftrace_script, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0 || write(fd, bpftrace_script, sizeof(bpftrace_script) - 1) < 0) {
		if (fd >= 0)
			close(fd);
		return;
	}
	close(fd);
	b->tools[b->n_tools++] = &bpftrace;
}
