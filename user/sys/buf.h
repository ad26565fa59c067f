/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * A growable byte buffer for output built piece by piece (a JSON line, a
 * journal entry). Appending never fails on the spot: a buffer that could
 * not grow remembers it (oom) and ignores what follows, so the writer
 * checks once, at the end.
 */
#ifndef MEMPROBE_BUF_H
#define MEMPROBE_BUF_H

#include <stdbool.h>
#include <stddef.h>

struct buf {
	char *p;		/* NUL-terminated while len < cap */
	size_t len, cap;
	bool oom;
};

/* Empties it for the next piece of output, keeping its memory. */
void buf_reset(struct buf *b);
void buf_put(struct buf *b, const void *s, size_t n);
void buf_puts(struct buf *b, const char *s);
void buf_printf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void buf_free(struct buf *b);

#endif /* MEMPROBE_BUF_H */
