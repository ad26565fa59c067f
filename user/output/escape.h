/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Names from the system (files, commands, cgroups) are arbitrary bytes: a
 * newline would split a table row, an escape sequence would reach the
 * operator's terminal as a command. Text for people (the table, journal
 * MESSAGE) shows them escaped, as `ls -b` does; JSON has its own escapes.
 */
#ifndef MEMPROBE_ESCAPE_H
#define MEMPROBE_ESCAPE_H

#include <stddef.h>

/* Length of the valid UTF-8 sequence at s (1 for ASCII), or 0 for a byte that does not start one. */
size_t utf8_seq_len(const unsigned char *s);

/*
 * s with control characters (C0, DEL and the C1 range), backslashes and
 * bytes that are not UTF-8 written as \n, \t, \\ or \xNN; valid UTF-8
 * text passes as it is. Always NUL-terminated, cut at a whole escape.
 */
const char *escape_text(char *buf, size_t len, const char *s);

#endif /* MEMPROBE_ESCAPE_H */
