/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Fake kernel file trees (cgroup hierarchies, /proc-like files) in a temporary directory, for unit tests. */
#ifndef MEMPROBE_FAKEFS_H
#define MEMPROBE_FAKEFS_H

#include <stdbool.h>

struct fakefs {
	char base[256];
};

/* Makes a fresh temporary directory for the tree. */
bool fakefs_init(struct fakefs *f);
/* Makes base/rel and its parents. */
bool fakefs_mkdir(const struct fakefs *f, const char *rel);
/* Writes text to base/rel. */
bool fakefs_write(const struct fakefs *f, const char *rel, const char *text);
/* base/rel into buf. */
const char *fakefs_path(const struct fakefs *f, const char *rel, char *buf, unsigned long len);
/* Removes the whole tree. */
void fakefs_cleanup(struct fakefs *f);

#endif /* MEMPROBE_FAKEFS_H */
