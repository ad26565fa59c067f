// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The command-line contract: exit codes, one clear line on stderr, nothing left attached. */
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>

#include "harness.h"
#include "it.h"

static bool one_line(const char *err)
{
	const char *nl = strchr(err, '\n');

	return nl && !nl[1] && !strncmp(err, "memprobe: ", 10);
}

/* Each bad invocation: exit 2, a single line naming the problem. */
INTEGRATION_TEST(bad_input_exits_2_with_one_line, 60)
{
	static const struct {
		const char *argv[6];
		const char *says;
	} cases[] = {
		{ { "--cgroup", "no-such-unit-4711.service" }, "no cgroup for unit" },
		{ { "--cgroup", "no/such/path" }, "does not exist" },
		{ { "--cgroup", "../../etc" }, "'..'" },
		{ { "--cgroup", "/etc" }, "not under /sys/fs/cgroup" },
		{ { "--cgroup", "a b" }, "character" },
		{ { "--interval", "0" }, "--interval" },
		{ { "--interval", "-1" }, "--interval" },
		{ { "--interval", "abc" }, "--interval" },
		{ { "--interval", "" }, "--interval" },
		{ { "--duration", "1e999" }, "--duration" },
		{ { "--interval" }, "needs a value" },
		{ { "--bogus" }, "unknown option" },
		{ { "stray" }, "unexpected argument" },
		{ { "--" }, "followed by a command" },
	};
	char err[4096];
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int code = run_memprobe(cases[i].argv, err, sizeof(err), 20);

		if (!ASSERT(code == 2, "case %zu (%s %s): exit %d", i, cases[i].argv[0],
			    cases[i].argv[1] ? cases[i].argv[1] : "", code) ||
		    !ASSERT(one_line(err) && strstr(err, cases[i].says), "case %zu: stderr \"%s\"", i, err))
			return false;
	}
	return true;
}

INTEGRATION_TEST(unknown_command_exits_127, 30)
{
	const char *argv[] = { "--", "/nonexistent/memprobe-test-command", NULL };
	char err[4096];
	int code = run_memprobe(argv, err, sizeof(err), 20);

	return ASSERT(code == 127, "exit %d", code) &&
	       ASSERT(strstr(err, "cannot run"), "stderr \"%s\"", err);
}

INTEGRATION_TEST(sigterm_detaches_everything, 60)
{
	const char *argv[] = { "--json", "--interval", "0.5", NULL };
	struct agent a = { .out = -1 };
	struct jv *sum = NULL;
	__u32 ids[64];
	size_t n, i;
	bool ok = false;
	int code;

	if (!ASSERT(!agent_start(&a, argv), "cannot run memprobe") ||
	    !ASSERT(agent_wait_for(&a, "start", 30), "no start; stderr: %s", agent_stderr(&a)))
		goto out;
	n = it_prog_ids(a.pid, ids, 64);
	if (!ASSERT(n >= 2, "memprobe holds %zu BPF programs", n))
		goto out;
	code = agent_finish(&a, SIGTERM, 30);
	sum = agent_record(&a, "summary", "/");
	if (!ASSERT(code == 0, "exit %d after SIGTERM", code) || !ASSERT(sum, "no summary after SIGTERM"))
		goto out;
	/* The kernel frees a program after an RCU grace period: give it a moment. */
	for (i = 0; i < n; i++) {
		int fd = -1, tries;

		for (tries = 0; tries < 300; tries++) {
			fd = bpf_prog_get_fd_by_id(ids[i]);
			if (fd < 0)
				break;
			close(fd);
			usleep(10000);
		}
		if (!ASSERT(fd < 0 && errno == ENOENT, "program %u is still loaded", ids[i]))
			goto out;
	}
	ok = true;
out:
	jv_free(sum);
	agent_free(&a);
	return ok;
}
