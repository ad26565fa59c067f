// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <string.h>

#include "agg.h"
#include "log.h"
#include "loop.h"
#include "probe.h"
#include "util.h"

static const struct probe_ops *const all_probes[] = {
	&pagecache_probe,
	&rss_probe,
	&alloc_probe,
	&shm_probe,
	&oom_probe,
};

_Static_assert(ARRAY_SIZE(all_probes) <= PROBES_MAX, "raise PROBES_MAX");

/* Runs one lifecycle step on every module; an optional module that fails is dropped. */
static int step(struct probes *p, const char *what, int (*run)(const struct probe_ops *, void *))
{
	unsigned int i = 0;
	int r;

	while (i < p->n) {
		r = run(p->ops[i], p->state[i]);
		if (!r) {
			i++;
			continue;
		}
		if (!p->ops[i]->optional)
			return log_err_errno(r, "cannot %s the %s probes", what, p->ops[i]->name);
		log_warn("%s probes unavailable on this kernel (%s failed: %s); going on without them",
			 p->ops[i]->name, what, strerror(-r));
		p->ops[i]->destroy(p->state[i]);
		memmove(&p->ops[i], &p->ops[i + 1], (p->n - i - 1) * sizeof(p->ops[0]));
		memmove(&p->state[i], &p->state[i + 1], (p->n - i - 1) * sizeof(p->state[0]));
		p->n--;
	}
	return 0;
}

static int run_load(const struct probe_ops *ops, void *state)
{
	return ops->load(state);
}

static int run_attach(const struct probe_ops *ops, void *state)
{
	return ops->attach(state);
}

int probes_start(struct probes *p, const struct probe_env *env)
{
	size_t i;
	int r;

	memset(p, 0, sizeof(*p));
	for (i = 0; i < ARRAY_SIZE(all_probes); i++) {
		void *state = NULL;

		r = all_probes[i]->open(&state, env);
		if (r && !all_probes[i]->optional) {
			probes_stop(p);
			return log_err_errno(r, "cannot open the %s probes", all_probes[i]->name);
		}
		if (r) {
			log_warn("%s probes unavailable: %s", all_probes[i]->name, strerror(-r));
			continue;
		}
		p->ops[p->n] = all_probes[i];
		p->state[p->n++] = state;
	}
	r = step(p, "load", run_load);
	if (!r)
		r = step(p, "attach", run_attach);
	if (r)
		probes_stop(p);
	return r;
}

int probes_collect(struct probes *p, struct agg *agg, bool final)
{
	unsigned int i;
	int r;

	agg_begin(agg);
	for (i = 0; i < p->n; i++) {
		r = p->ops[i]->collect(p->state[i], agg, final);
		if (r)
			return log_err_errno(r, "cannot read the %s maps", p->ops[i]->name);
	}
	return 0;
}

int probes_watch(struct probes *p, struct loop *l)
{
	unsigned int i;
	int r;

	for (i = 0; i < p->n; i++) {
		if (!p->ops[i]->event_fd)
			continue;
		r = loop_add(l, p->ops[i]->event_fd(p->state[i]), p->ops[i]->consume, p->state[i]);
		if (r)
			return log_err_errno(r, "cannot watch the %s events", p->ops[i]->name);
	}
	return 0;
}

int probes_drain(struct probes *p)
{
	unsigned int i;
	int r;

	for (i = 0; i < p->n; i++) {
		if (!p->ops[i]->consume)
			continue;
		r = p->ops[i]->consume(p->state[i]);
		if (r)
			return r;
	}
	return 0;
}

void probes_stop(struct probes *p)
{
	unsigned int i;

	for (i = 0; i < p->n; i++)
		p->ops[i]->destroy(p->state[i]);
	p->n = 0;
}
