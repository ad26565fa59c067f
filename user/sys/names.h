/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Names for the frames sys/unwind.c walks: function+offset from a file's
 * symbol table, file:line from its debug info (/usr/lib/debug/.build-id),
 * kept by (build id, address in the file) for every process that maps the
 * same file. Naming costs a walk of a whole symbol table in libdwfl, and
 * debug info takes tens of MiB once inflated: each file gets a Dwfl of its
 * own, loaded once, and the names found are kept. Both are bounded: the
 * least recently used file goes first, and the names are forgotten all at
 * once when full.
 */
#ifndef MEMPROBE_NAMES_H
#define MEMPROBE_NAMES_H

#include <stdbool.h>
#include <stddef.h>
#include <elfutils/libdwfl.h>

#include "sys/unwind.h"

struct names;

/* Opens the file a process maps at start as path; the name it was opened by (malloc'ed) to *plain. */
typedef int (*names_open_fn)(void *ctx, const char *path, __u64 start, char **plain);

int names_new(struct names **n, names_open_fn open, char **debuginfo_path);
void names_free(struct names *n);

/* Frees room when fewer than frames names are left; before a stack, never in the middle of one. */
void names_make_room(struct names *n, size_t frames);

/*
 * Names pc of dwfl (a process's), opening its file through open(ctx, ...)
 * when it is met first. The strings are valid until names_make_room.
 */
void names_frame(struct names *n, Dwfl *dwfl, __u64 pc, bool activation, struct unwind_frame *f, void *ctx);

/* Lets go of the files no new name came from lately: their debug info is the largest part of what naming holds. */
void names_release_idle(struct names *n);


#endif /* MEMPROBE_NAMES_H */
