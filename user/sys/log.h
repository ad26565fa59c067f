/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The one logging sink. Everything memprobe says to a human goes to stderr
 * through here, libbpf's messages included; stdout carries only the table
 * or JSON. Under journald (JOURNAL_STREAM set) lines carry <N> priority
 * prefixes so the journal files them at the right level.
 */
#ifndef MEMPROBE_LOG_H
#define MEMPROBE_LOG_H

#include <stdarg.h>

enum log_level {
	LOG_LVL_ERR = 3,
	LOG_LVL_WARN = 4,
	LOG_LVL_INFO = 6,
	LOG_LVL_DEBUG = 7,
};

/* verbosity: 0 shows errors, warnings and info; 1 adds debug and libbpf's chatter. */
void log_setup(int verbosity);

/* Logs, and returns -|err| so a boundary can `return log_errno(...)`. err may be 0. */
int log_errno(enum log_level level, int err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#define log_err(...)	((void)log_errno(LOG_LVL_ERR, 0, __VA_ARGS__))
#define log_warn(...)	((void)log_errno(LOG_LVL_WARN, 0, __VA_ARGS__))
#define log_info(...)	((void)log_errno(LOG_LVL_INFO, 0, __VA_ARGS__))
#define log_debug(...)	((void)log_errno(LOG_LVL_DEBUG, 0, __VA_ARGS__))
#define log_err_errno(err, ...)	log_errno(LOG_LVL_ERR, (err), __VA_ARGS__)

/* The name of the last BPF program libbpf failed to load, as it said; NULL if none. */
const char *log_bpf_failed_program(void);

#endif /* MEMPROBE_LOG_H */
