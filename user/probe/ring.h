/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Reading a BPF ring buffer of memprobe events: checks each event's header before it is used. */
#ifndef MEMPROBE_RING_H
#define MEMPROBE_RING_H

#include <stddef.h>
#include <bpf/libbpf.h>

#include "memprobe.h"

/* Called with an event whose header says type and whose size is at least min. */
typedef int (*ring_event_fn)(void *ctx, const void *event);

struct ring {
	struct ring_buffer *rb;
	ring_event_fn fn;
	void *ctx;
	__u16 type;
	size_t min_size;
	unsigned long long malformed;
};

int ring_open(struct ring *r, int map_fd, __u16 type, size_t min_size, ring_event_fn fn, void *ctx);
int ring_fd(const struct ring *r);
/* Consumes what is there; 0 or a negative errno. */
int ring_consume(struct ring *r);
void ring_close(struct ring *r);

#endif /* MEMPROBE_RING_H */
