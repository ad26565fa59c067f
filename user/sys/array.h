/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Growable arrays: the one place that doubles a capacity and reallocates,
 * so that every list memprobe keeps (targets, processes, segments, ids)
 * grows the same way and fails the same way, with -ENOMEM and the old
 * array intact.
 */
#ifndef MEMPROBE_ARRAY_H
#define MEMPROBE_ARRAY_H

#include <stddef.h>

/* Makes room for element n (n + 1 in all) of size bytes, doubling from min; 0 or -ENOMEM. */
int array_grow(void **v, size_t *cap, size_t n, size_t size, size_t min);

/* The same for a typed pointer: ARRAY_GROW(ts->v, ts->cap, ts->n, 8). */
#define ARRAY_GROW(v, cap, n, min)							\
	({										\
		void *_p = (v);								\
		int _r = array_grow(&_p, &(cap), (n), sizeof(*(v)), (min));		\
		(v) = _p;								\
		_r;									\
	})

#endif /* MEMPROBE_ARRAY_H */
