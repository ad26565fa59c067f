// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/libbpf.h>

#include "sys/log.h"

static int log_max = LOG_LVL_INFO;
static int log_prefix_priority;
/* libbpf's callback takes no context: the last program it failed to load, for the probe registry. */
static char failed_program[128];

#define LOAD_FAILED	"': BPF program load failed"

static int libbpf_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	char *buf = NULL, *at, *name;
	size_t n;

	(void)level;
	/* A verifier log comes whole, in one message, and can be long. */
	if (vasprintf(&buf, fmt, ap) < 0)
		return 0;
	/* libbpf unloads every program when one fails: only its own message says which. */
	if ((at = strstr(buf, LOAD_FAILED)) && (name = strstr(buf, "prog '")) && name < at) {
		name += 6;
		snprintf(failed_program, sizeof(failed_program), "%.*s", (int)(at - name), name);
	}
	/* libbpf's warnings explain our own errors; show them only when asked. */
	if (log_max < LOG_LVL_DEBUG) {
		free(buf);
		return 0;
	}
	n = strlen(buf);
	if (n && buf[n - 1] == '\n')
		buf[n - 1] = '\0';
	if (log_prefix_priority)
		fprintf(stderr, "<%d>", LOG_LVL_DEBUG);
	fprintf(stderr, "memprobe: libbpf: %s\n", buf);
	free(buf);
	return 0;
}

void log_setup(int verbosity)
{
	log_max = verbosity > 0 ? LOG_LVL_DEBUG : LOG_LVL_INFO;
	log_prefix_priority = getenv("JOURNAL_STREAM") != NULL;
	libbpf_set_print(libbpf_print);
}

int log_errno(enum log_level level, int err, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	if (err < 0)
		err = -err;
	if ((int)level <= log_max) {
		va_start(ap, fmt);
		vsnprintf(msg, sizeof(msg), fmt, ap);
		va_end(ap);
		if (log_prefix_priority)
			fprintf(stderr, "<%d>", (int)level);
		fprintf(stderr, "memprobe: %s%s%s%s\n",
			level == LOG_LVL_WARN ? "warning: " : "", msg,
			err ? ": " : "", err ? strerror(err) : "");
	}
	return -err;
}

const char *log_bpf_failed_program(void)
{
	return failed_program[0] ? failed_program : NULL;
}
