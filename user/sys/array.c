// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>

#include "sys/array.h"

int array_grow(void **v, size_t *cap, size_t n, size_t size, size_t min)
{
	size_t want = *cap ? *cap : (min ? min : 1);
	void *p;

	if (n < *cap)
		return 0;
	while (want <= n) {
		if (want > SIZE_MAX / 2)
			return -ENOMEM;
		want *= 2;
	}
	if (size && want > SIZE_MAX / size)
		return -ENOMEM;
	p = realloc(*v, want * size);
	if (!p)
		return -ENOMEM;
	*v = p;
	*cap = want;
	return 0;
}
