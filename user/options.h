/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* The command line: parsed once into struct options, read-only afterwards. */
#ifndef MEMPROBE_OPTIONS_H
#define MEMPROBE_OPTIONS_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>
#include <linux/types.h>

#include "model/verdict.h"

#define OPT_MAX_TARGETS	64

struct options {
	const char *targets[OPT_MAX_TARGETS];
	size_t n_targets;
	double interval_s;		/* between samples */
	double duration_s;		/* 0: until a signal (or COMMAND's exit) */
	bool json;
	bool journal;
	bool no_fault_probes;		/* leave off the programs that run on every page fault */
	const char *report;		/* --report: the HTML page written at the end; NULL for none */
	double journal_interval_s;	/* periodic summaries to journald; 0: only at the end */
	int verbose;
	unsigned int top;		/* rows of top files, processes and cgroups */
	__u32 max_cgroups;		/* map sizes; the defaults are in memprobe.h */
	__u32 max_files;
	__u32 max_tasks;
	__u32 ring_bytes;		/* each event ring; 0: each its own default */
	__u64 stack_sample_bytes;	/* growth stacks: bytes between samples; 0: off */
	__u32 stack_rate;		/* stacks a second, at most, for the whole machine */
	const char *stacks_path;	/* --stacks: folded stacks written there at the end */
	char *const *command;		/* after "--", NULL-terminated; NULL when absent */
	struct verdict_cfg verdict;	/* the leak criteria */
	double oom_horizon_s;		/* a forecast record when the time to memory.max falls below this */
	/* --listen: the metrics endpoint (user/agent/exporter.c); family 0 when not asked for. */
	struct sockaddr_storage listen;
	const char *listen_text;	/* as given, for messages */
	__u32 max_series;		/* whole machine: cgroups with series of their own */
};

enum options_result {
	OPTIONS_RUN = 0,		/* go on */
	OPTIONS_EXIT = 1,		/* --help or --version was printed */
};

/*
 * Parses argv. Returns OPTIONS_RUN or OPTIONS_EXIT, or -EINVAL with a one-line
 * reason in err (which names the offending flag and value).
 */
int options_parse(struct options *o, int argc, char *const argv[], char *err, size_t errlen);

/* Strict number parsing shared with the rest of the agent: whole string, finite, in range. */
int parse_seconds(const char *s, double min, double max, double *out);
int parse_u32(const char *s, __u32 min, __u32 max, __u32 *out);
/* "50M", "1.5G", "4096": bytes, binary units (K, M, G, T). */
int parse_size(const char *s, double min, double max, double *out);

#endif /* MEMPROBE_OPTIONS_H */
