// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <zlib.h>

#include "sys/gzip.h"

int gzip_compress(const void *in, size_t len, int level, void **out, size_t *out_len)
{
	z_stream z = { 0 };
	unsigned char *o;
	uLong cap;
	int r;

	*out = NULL;
	*out_len = 0;
	if (len > UINT32_MAX)
		return -E2BIG;
	/* windowBits 15 + 16: a gzip header and trailer around the deflate stream. */
	if (deflateInit2(&z, level, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
		return -ENOMEM;
	cap = deflateBound(&z, (uLong)len);
	o = malloc(cap);
	if (!o) {
		deflateEnd(&z);
		return -ENOMEM;
	}
	z.next_in = (Bytef *)in;
	z.avail_in = (uInt)len;
	z.next_out = o;
	z.avail_out = (uInt)cap;
	r = deflate(&z, Z_FINISH);
	deflateEnd(&z);
	if (r != Z_STREAM_END) {
		free(o);
		return -EIO;
	}
	*out = o;
	*out_len = z.total_out;
	return 0;
}
