// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>

#include "probe/ring.h"

static int handle(void *ctx, void *data, size_t size)
{
	struct ring *r = ctx;
	const struct mp_event_hdr *h = data;

	/* A newer BPF object than this agent, or a torn record: skip it, counted. */
	if (size < sizeof(*h) || h->type != r->type || h->version != MP_EVENT_VERSION ||
	    h->size > size || h->size < r->min_size) {
		r->malformed++;
		return 0;
	}
	return r->fn(r->ctx, data);
}

int ring_open(struct ring *r, int map_fd, __u16 type, size_t min_size, ring_event_fn fn, void *ctx)
{
	r->fn = fn;
	r->ctx = ctx;
	r->type = type;
	r->min_size = min_size;
	r->malformed = 0;
	r->rb = ring_buffer__new(map_fd, handle, r, NULL);
	return r->rb ? 0 : -errno;
}

int ring_fd(const struct ring *r)
{
	return ring_buffer__epoll_fd(r->rb);
}

int ring_consume(struct ring *r)
{
	int n = ring_buffer__consume(r->rb);

	return n < 0 ? n : 0;
}

void ring_close(struct ring *r)
{
	ring_buffer__free(r->rb);
	r->rb = NULL;
}
