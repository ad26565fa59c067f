/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* gzip (RFC 1952) of a buffer in one call, with zlib: HTTP's Content-Encoding: gzip. */
#ifndef MEMPROBE_GZIP_H
#define MEMPROBE_GZIP_H

#include <stddef.h>

/* *out is malloc'ed (the caller frees it); 0 or -ENOMEM/-EIO. */
int gzip_compress(const void *in, size_t len, int level, void **out, size_t *out_len);

#endif /* MEMPROBE_GZIP_H */
