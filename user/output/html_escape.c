// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * HTML text from names the system gave: markup characters as entities,
 * the rest as the terminal table shows them (escape.c), so that the page
 * stays well-formed XML whatever bytes a path or a command holds.
 */
#include <stdbool.h>
#include <stdio.h>

#include "output/escape.h"
#include "output/html_escape.h"

/* Code points XML 1.0 does not allow in a document at all: U+FFFE and U+FFFF. */
static bool xml_noncharacter(const unsigned char *s, size_t n)
{
	return n == 3 && s[0] == 0xef && s[1] == 0xbf && (s[2] == 0xbe || s[2] == 0xbf);
}

void html_text(struct buf *b, const char *str)
{
	const unsigned char *s = (const unsigned char *)(str ? str : "");

	while (*s) {
		size_t n = utf8_seq_len(s), i;

		/* C1 controls are valid UTF-8, and as invisible as C0 ones. */
		if ((n == 2 && s[0] == 0xc2 && s[1] < 0xa0) || xml_noncharacter(s, n))
			n = 0;
		if (n > 1) {
			buf_put(b, s, n);
			s += n;
			continue;
		}
		switch (n ? *s : 0x100) {
		case '&':
			buf_puts(b, "&amp;");
			break;
		case '<':
			buf_puts(b, "&lt;");
			break;
		case '>':
			buf_puts(b, "&gt;");
			break;
		case '"':
			buf_puts(b, "&quot;");
			break;
		case '\'':
			buf_puts(b, "&#39;");
			break;
		case '\\':
			buf_puts(b, "\\\\");
			break;
		case '\n':
			buf_puts(b, "\\n");
			break;
		case '\t':
			buf_puts(b, "\\t");
			break;
		case '\r':
			buf_puts(b, "\\r");
			break;
		default:
			if (n == 1 && *s >= 0x20 && *s != 0x7f) {
				buf_put(b, s, 1);
				break;
			}
			/* A control, or a sequence that is not UTF-8: byte by byte, as the table shows it. */
			for (i = 0, n = n ? n : 1; i < n; i++)
				buf_printf(b, "\\x%02x", s[i]);
			s += n;
			continue;
		}
		s++;
	}
}
