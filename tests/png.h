/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Just enough PNG to look at a browser's screenshot: 8-bit RGB or RGBA, not interlaced. */
#ifndef MEMPROBE_TEST_PNG_H
#define MEMPROBE_TEST_PNG_H

#include <stddef.h>
#include <stdint.h>

struct png {
	uint32_t width, height;
	uint8_t *rgb;		/* width * height * 3 */
};

/* 0, or a negative errno (-EINVAL for a PNG this reader does not take). */
int png_load(struct png *p, const char *path);
void png_free(struct png *p);

#endif /* MEMPROBE_TEST_PNG_H */
