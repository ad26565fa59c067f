// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* sys/array.h and sys/buf.h: the growable array and byte buffer every list and line is built in. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "sys/array.h"
#include "sys/buf.h"

UNIT_TEST(array_grows_by_doubling_and_keeps_contents)
{
	int *v = NULL;
	size_t cap = 0, n, caps = 0, last = 0;
	bool ok = true;

	for (n = 0; n < 1000 && ok; n++) {
		ok = ASSERT(!ARRAY_GROW(v, cap, n, 8), "grow %zu", n) && ASSERT(cap > n, "room for %zu", n);
		if (!ok)
			break;
		v[n] = (int)n * 3;
		if (cap != last) {
			caps++;
			ok = ASSERT(!last || cap == 2 * last, "doubles: %zu after %zu", cap, last);
			last = cap;
		}
	}
	for (n = 0; ok && n < 1000; n++)
		ok = ASSERT(v[n] == (int)n * 3, "kept %zu", n);
	ok = ok && ASSERT(caps == 8, "8 allocations from 8 to 1024, not %zu", caps) &&
	     ASSERT(!ARRAY_GROW(v, cap, 10, 8) && cap == 1024, "no growth when there is room");
	free(v);
	return ok;
}

UNIT_TEST(array_refuses_what_cannot_be_sized)
{
	char *v = NULL;
	size_t cap = 0;
	bool ok;

	ok = ASSERT(ARRAY_GROW(v, cap, (size_t)-1, 1) == -ENOMEM, "n at the limit") && ASSERT(!v && !cap, "untouched");
	free(v);
	return ok;
}

UNIT_TEST(buf_builds_lines_and_keeps_a_nul)
{
	struct buf b = { 0 };
	char big[3000];
	bool ok;

	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	buf_puts(&b, "abc");
	buf_printf(&b, "-%d-%s", 42, "z");
	ok = ASSERT(b.len == 8 && !strcmp(b.p, "abc-42-z"), "got '%s'", b.p ? b.p : "");
	buf_printf(&b, "%s", big);
	ok = ok && ASSERT(b.len == 8 + sizeof(big) - 1 && b.p[b.len] == 0 && b.p[8] == 0x78, "long printf");
	buf_reset(&b);
	ok = ok && ASSERT(b.len == 0 && b.p && !b.p[0] && !b.oom, "reset keeps the memory");
	buf_put(&b, "\0\1", 2);
	ok = ok && ASSERT(b.len == 2 && b.p[1] == 1, "binary");
	buf_free(&b);
	return ok && ASSERT(!b.p && !b.cap, "freed");
}
