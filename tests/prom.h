/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * A real Prometheus (Debian's package) started by a test: on 127.0.0.1 on a
 * free port, with a generated config that scrapes the given targets every
 * second (and itself, as job "prometheus") and loads the given rule files,
 * its storage in a temporary folder; queried through its HTTP API; stopped
 * by pid, the folder removed.
 *
 * Its first scrape comes about six seconds after it starts (Prometheus hands
 * targets to the scrapers every five seconds): wait for a value with
 * prom_wait_value(), never with a sleep.
 */
#ifndef MEMPROBE_PROM_H
#define MEMPROBE_PROM_H

#include <sys/types.h>

#include "it.h"
#include "jsonr.h"

struct prom {
	pid_t pid;
	int port;
	char dir[IT_PATH];	/* prometheus.yml, data/, log */
	char url[64];		/* http://127.0.0.1:PORT */
	char error[512];	/* why the last query failed */
};

struct prom_opts {
	const char *job;			/* the targets' job; NULL: "memprobe", as the alert rules name it */
	const char *const *targets;		/* "127.0.0.1:PORT", NULL-terminated; NULL: none */
	const char *metrics_path;		/* NULL: /metrics */
	const char *const *rule_files;		/* NULL-terminated; NULL: none */
	int ready_timeout_s;			/* 0: 60 */
};

/* 0 once Prometheus answers /-/ready; on failure nothing is left running or on disk. */
int prom_start(struct prom *p, const struct prom_opts *o);
/* SIGTERM (SIGKILL after 10 s) by pid, then the folder goes. Accepts a prom never started. */
void prom_stop(struct prom *p);
/* The end of Prometheus's log, for a failing test to show (static buffer). */
const char *prom_log(const struct prom *p);

/*
 * An instant query: the parsed response (the caller frees it), whose samples
 * are jv_get(jv_get(resp, "data"), "result"). -EINVAL when Prometheus
 * rejects the expression; p->error says why a query failed.
 */
int prom_query(struct prom *p, const char *expr, struct jv **resp);
/* The value of a query that yields one sample or a scalar: -ENOENT for none, -E2BIG for more. */
int prom_value(struct prom *p, const char *expr, double *v);
/* prom_value() until expr yields a value, for up to timeout_s: -ETIMEDOUT if it never does. */
int prom_wait_value(struct prom *p, const char *expr, int timeout_s, double *v);

#endif /* MEMPROBE_PROM_H */
