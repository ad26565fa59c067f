// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <stdio.h>
#include <string.h>

#include "output/escape.h"

size_t utf8_seq_len(const unsigned char *s)
{
	size_t n, i;
	unsigned int cp;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		n = 2, cp = s[0] & 0x1f;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		n = 3, cp = s[0] & 0x0f;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		n = 4, cp = s[0] & 0x07;
	else
		return 0;
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	if ((n == 3 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) || (n == 4 && (cp < 0x10000 || cp > 0x10ffff)))
		return 0;
	return n;
}

const char *escape_text(char *buf, size_t len, const char *str)
{
	const unsigned char *s = (const unsigned char *)(str ? str : "");
	size_t at = 0;

	if (!len)
		return "";
	while (*s) {
		size_t n = utf8_seq_len(s), i;
		char piece[4 * 4 + 1];
		int w = 0;

		/* C1 controls (U+0080..U+009F) are UTF-8 too, and a terminal obeys them. */
		if (n == 2 && s[0] == 0xc2 && s[1] < 0xa0)
			n = 0;
		if (n > 1) {
			memcpy(piece, s, n);
			w = (int)n;
		} else if (n == 1 && *s >= 0x20 && *s != 0x7f && *s != '\\') {
			piece[0] = (char)*s;
			w = 1;
		} else if (*s == '\\' || *s == '\n' || *s == '\t' || *s == '\r') {
			w = snprintf(piece, sizeof(piece), "\\%c", *s == '\\' ? '\\' : *s == '\n' ? 'n' :
				     *s == '\t' ? 't' : 'r');
		} else {
			/* One byte at a time: an invalid sequence, a control, or a C1 pair. */
			for (i = 0, n = n ? n : 1; i < n; i++)
				w += snprintf(piece + w, sizeof(piece) - w, "\\x%02x", s[i]);
		}
		if (at + (size_t)w + 1 > len)
			break;
		memcpy(buf + at, piece, (size_t)w);
		at += (size_t)w;
		s += n ? n : 1;
	}
	buf[at] = '\0';
	return buf;
}
