// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>

#include "output/sink.h"

int sinks_add(struct sinks *ss, struct sink *s)
{
	if (!s)
		return -ENOMEM;
	if (ss->n == SINKS_MAX) {
		s->ops->destroy(s);
		return -ENOSPC;
	}
	ss->v[ss->n++] = s;
	return 0;
}

/* Every sink gets every record; the first error is returned. */
#define SINKS_CALL(ss, op, ...)						\
	({								\
		int _first = 0;						\
		for (size_t _i = 0; _i < (ss)->n; _i++) {		\
			struct sink *_s = (ss)->v[_i];			\
			int _r = _s->ops->op ? _s->ops->op(_s, __VA_ARGS__) : 0; \
			if (_r && !_first)				\
				_first = _r;				\
		}							\
		_first;							\
	})

int sinks_start(struct sinks *ss, const struct rec_start *r)
{
	return SINKS_CALL(ss, start, r);
}

int sinks_samples(struct sinks *ss, const struct rec_sample *r, size_t n)
{
	return SINKS_CALL(ss, samples, r, n);
}

int sinks_summaries(struct sinks *ss, const struct rec_summary *r, size_t n)
{
	return SINKS_CALL(ss, summaries, r, n);
}

int sinks_shm(struct sinks *ss, const struct rec_shm *r)
{
	return SINKS_CALL(ss, shm, r);
}

int sinks_shm_orphan(struct sinks *ss, const struct rec_shm_orphan *r)
{
	return SINKS_CALL(ss, shm_orphan, r);
}

int sinks_oom_kill(struct sinks *ss, const struct rec_oom_kill *r)
{
	return SINKS_CALL(ss, oom_kill, r);
}

int sinks_verdict_change(struct sinks *ss, const struct rec_verdict_change *r)
{
	return SINKS_CALL(ss, verdict_change, r);
}

int sinks_forecast_change(struct sinks *ss, const struct rec_forecast_change *r)
{
	return SINKS_CALL(ss, forecast_change, r);
}

int sinks_memory_event(struct sinks *ss, const struct rec_memory_event *r)
{
	return SINKS_CALL(ss, memory_event, r);
}

int sinks_flush(struct sinks *ss)
{
	int first = 0;
	size_t i;

	for (i = 0; i < ss->n; i++) {
		int r = ss->v[i]->ops->flush ? ss->v[i]->ops->flush(ss->v[i]) : 0;

		if (r && !first)
			first = r;
	}
	return first;
}

void sinks_free(struct sinks *ss)
{
	size_t i;

	for (i = 0; i < ss->n; i++)
		ss->v[i]->ops->destroy(ss->v[i]);
	ss->n = 0;
}
