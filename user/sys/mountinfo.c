// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sys/mountinfo.h"
#include "sys/util.h"

#define MOUNTINFO_MAX	(16 << 20)

static void unescape_octal(char *s)
{
	char *w = s;

	for (; *s; s++) {
		if (s[0] == '\\' && s[1] >= '0' && s[1] <= '3' && s[2] >= '0' && s[2] <= '7' &&
		    s[3] >= '0' && s[3] <= '7') {
			*w++ = (char)((s[1] - '0') << 6 | (s[2] - '0') << 3 | (s[3] - '0'));
			s += 3;
		} else {
			*w++ = *s;
		}
	}
	*w = '\0';
}

/*
 * "36 35 98:0 /root /point opts [optional...] - fstype source superopts":
 * the optional fields end at a lone "-". Returns 1 for a line that is not
 * of that shape.
 */
static int split(char *line, struct mountinfo_entry *e)
{
	char *save = NULL, *f[6] = { 0 }, *tok;
	int n = 0;

	for (tok = strtok_r(line, " ", &save); tok; tok = strtok_r(NULL, " ", &save)) {
		if (n >= 6 && !strcmp(tok, "-"))
			break;
		if (n < 6)
			f[n] = tok;
		n++;
	}
	if (!tok || n < 6 || sscanf(f[2], "%u:%u", &e->major, &e->minor) != 2)
		return 1;
	e->fstype = strtok_r(NULL, " ", &save);
	e->source = strtok_r(NULL, " ", &save);
	e->super_options = strtok_r(NULL, " ", &save);
	if (!e->fstype || !e->source || !e->super_options)
		return 1;
	unescape_octal(f[3]);
	unescape_octal(f[4]);
	unescape_octal((char *)e->source);
	e->root = f[3];
	e->point = f[4];
	return 0;
}

int mountinfo_parse(const char *text, mountinfo_fn fn, void *ctx)
{
	const char *line = text;
	int r = 0;

	while (!r && line && *line) {
		const char *nl = strchr(line, '\n');
		size_t len = nl ? (size_t)(nl - line) : strlen(line);
		struct mountinfo_entry e;
		char *copy = strndup(line, len);

		line = nl ? nl + 1 : NULL;
		if (!copy)
			return -ENOMEM;
		if (!split(copy, &e))
			r = fn(ctx, &e);
		free(copy);
	}
	return r;
}

int mountinfo_read(const char *path, char **text)
{
	size_t cap = 1 << 16;
	char *buf = NULL;
	ssize_t n;

	for (;;) {
		char *bigger = realloc(buf, cap);

		if (!bigger) {
			free(buf);
			return -ENOMEM;
		}
		buf = bigger;
		n = read_text(path, buf, cap);
		if (n < 0) {
			free(buf);
			return (int)n;
		}
		/* A read that filled the buffer may have been cut short: read again, larger. */
		if ((size_t)n < cap - 1 || cap >= MOUNTINFO_MAX)
			break;
		cap *= 4;
	}
	*text = buf;
	return 0;
}
