// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The tests read the pixels of Chromium's screenshots to tell a drawn
 * report from a blank page; zlib inflates, this file undoes the filters.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "png.h"

static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static int paeth(int a, int b, int c)
{
	int p = a + b - c, pa = abs(p - a), pb = abs(p - b), pc = abs(p - c);

	return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
}

static int unfilter(uint8_t *raw, uint32_t w, uint32_t h, int bpp)
{
	size_t stride = (size_t)w * bpp;
	uint32_t y;
	size_t x;

	for (y = 0; y < h; y++) {
		uint8_t *row = raw + y * (stride + 1), f = row[0], *cur = row + 1;
		uint8_t *up = y ? raw + (y - 1) * (stride + 1) + 1 : NULL;

		for (x = 0; x < stride; x++) {
			int a = x >= (size_t)bpp ? cur[x - bpp] : 0, b = up ? up[x] : 0;
			int c = up && x >= (size_t)bpp ? up[x - bpp] : 0;

			switch (f) {
			case 0: break;
			case 1: cur[x] += a; break;
			case 2: cur[x] += b; break;
			case 3: cur[x] += (a + b) / 2; break;
			case 4: cur[x] += paeth(a, b, c); break;
			default: return -EINVAL;
			}
		}
	}
	return 0;
}

int png_load(struct png *p, const char *path)
{
	uint8_t *file = NULL, *idat = NULL, *raw = NULL;
	size_t len = 0, cap = 0, n_idat = 0, at = 8, i;
	uLongf raw_len;
	int bpp = 0, r = -EINVAL;
	FILE *f = fopen(path, "rb");

	memset(p, 0, sizeof(*p));
	if (!f)
		return -errno;
	for (;;) {
		if (len == cap && !(file = realloc(file, cap = cap ? cap * 2 : 1 << 20))) {
			fclose(f);
			return -ENOMEM;
		}
		i = fread(file + len, 1, cap - len, f);
		if (!i)
			break;
		len += i;
	}
	fclose(f);
	if (len < 8 || memcmp(file, "\x89PNG\r\n\x1a\n", 8))
		goto out;
	idat = malloc(len);
	if (!idat)
		goto out;
	while (at + 12 <= len) {
		uint32_t n = be32(file + at);
		const uint8_t *type = file + at + 4, *data = file + at + 8;

		if (n > len - at - 12)
			goto out;
		if (!memcmp(type, "IHDR", 4) && n >= 13) {
			p->width = be32(data);
			p->height = be32(data + 4);
			if (data[8] != 8 || data[12] != 0 || (data[9] != 2 && data[9] != 6))
				goto out;
			bpp = data[9] == 6 ? 4 : 3;
		} else if (!memcmp(type, "IDAT", 4)) {
			memcpy(idat + n_idat, data, n);
			n_idat += n;
		} else if (!memcmp(type, "IEND", 4)) {
			break;
		}
		at += 12 + n;
	}
	if (!bpp || !p->width || !p->height || p->width > 20000 || p->height > 20000)
		goto out;
	raw_len = (uLongf)p->height * ((uLongf)p->width * bpp + 1);
	raw = malloc(raw_len);
	p->rgb = malloc((size_t)p->width * p->height * 3);
	if (!raw || !p->rgb || uncompress(raw, &raw_len, idat, n_idat) != Z_OK ||
	    raw_len != (uLongf)p->height * ((uLongf)p->width * bpp + 1) || unfilter(raw, p->width, p->height, bpp))
		goto out;
	for (i = 0; i < (size_t)p->width * p->height; i++) {
		size_t y = i / p->width, x = i % p->width;
		const uint8_t *px = raw + y * ((size_t)p->width * bpp + 1) + 1 + x * bpp;

		memcpy(p->rgb + i * 3, px, 3);
	}
	r = 0;
out:
	free(file);
	free(idat);
	free(raw);
	if (r)
		png_free(p);
	return r;
}

void png_free(struct png *p)
{
	free(p->rgb);
	p->rgb = NULL;
}
