// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statfs.h>
#include <unistd.h>

#include "agent/agent.h"
#include "agent/snapshot.h"
#include "output/build.h"
#include "probe/bpfstats.h"
#include "sys/selfstat.h"
#include "version.h"

#define SHM_MOUNT	"/dev/shm"

/* What sysv_usage finds, added to c (several targets may sum into one series). */
static void sysv_usage_of(const struct sysv *sv, const struct target *t, __u32 ns, struct msnap_cgroup *c)
{
	struct sysv_use u;

	sysv_usage(sv, t, ns, &u);
	c->sysv_segments += u.segments;
	c->sysv_bytes += u.bytes;
	c->orphans += u.orphans;
	c->orphan_bytes += u.orphan_bytes;
}

static void gauges_of(const struct target *t, struct msnap_cgroup *c)
{
	if (!t->have_stat)
		return;
	c->gauges = true;
	c->anon += t->now.anon;
	c->shmem += t->now.shmem;
	c->page_cache += memstat_page_cache(&t->now);
	c->reclaimable += report_reclaimable(&t->now);
	c->file_mapped += t->now.file_mapped;
	c->refaults_known = memstat_have_refaults(&t->now);
	c->refault_file_bytes += t->now.refault_file * (__u64)sysconf(_SC_PAGESIZE);
	c->refault_anon_bytes += t->now.refault_anon * (__u64)sysconf(_SC_PAGESIZE);
}

/* Counters of a series made at this sample show 0: what came before shows at the next. */
static void counters_of(const struct series *se, struct msnap_cgroup *c)
{
	c->lives = se->lives;
	c->last_oom = se->last_oom;
	c->events_known = se->events_known;
	memcpy(c->events, se->events, sizeof(c->events));
	if (se->fresh)
		return;
	c->counts = se->acc;
	c->oom_kills = se->oom_kills;
}

/* The limits and the forecast, where they were read at this sample (model/health.c). */
static void limits_of(const struct target *t, double now, struct msnap_cgroup *c)
{
	const struct health *h = target_health(t);

	if (h->read_at != now)
		return;
	c->high_known = h->have_limits && h->limits.high != MEMCG_UNLIMITED;
	c->memory_high = h->limits.high;
	c->max_known = h->have_limits && h->limits.max != MEMCG_UNLIMITED;
	c->memory_max = h->limits.max;
	c->high_eta_known = c->high_known && h->forecast.known && h->forecast.high_eta_s >= 0;
	c->high_eta_s = h->forecast.high_eta_s;
	c->oom_eta_known = c->max_known && h->forecast.known && h->forecast.oom_eta_s >= 0;
	c->oom_eta_s = h->forecast.oom_eta_s;
	c->psi_known = h->psi_now.have;
	c->psi_system_wide = h->psi_now.system_wide;
	c->some_avg10 = h->psi_now.some_avg10;
	c->full_avg10 = h->psi_now.full_avg10;
	c->some_total_s = (double)h->psi_now.some_total_us / 1e6;
	c->full_total_s = (double)h->psi_now.full_total_us / 1e6;
}

static void fill(struct msnap_cgroup *c, const struct series *se, const struct snapshot_input *in)
{
	const struct target *t = se->cur;
	const struct verdict_result *v;

	counters_of(se, c);
	c->present = se->present && t;
	if (!c->present)
		return;
	gauges_of(t, c);
	v = &t->verdict;
	c->verdict = true;
	c->verdict_state = (int)v->verdict;
	c->growth_bytes_per_s = v->slope_per_hour / 3600;
	c->confidence = v->confidence;
	c->r2 = v->r2;
	c->samples = v->samples;
	c->window_s = v->span_s;
	sysv_usage_of(&in->a->events.sysv, t, 0, c);
	limits_of(t, in->a->targets.t_now, c);
	c->posix_known = se->posix_known;
	c->posix_bytes = se->posix_bytes;
}

/* "other": the sums of the cgroups without series of their own; no verdict, which does not add up. */
static void fill_other(struct msnap_cgroup *c, const struct series_set *ss, const struct snapshot_input *in)
{
	size_t i;

	counters_of(ss->other, c);
	c->present = ss->other->present;
	for (i = 0; c->present && i < ss->n; i++) {
		const struct series *se = ss->v[i];

		if (se->own || !se->present || !se->cur)
			continue;
		gauges_of(se->cur, c);
		sysv_usage_of(&in->a->events.sysv, se->cur, 0, c);
		c->posix_known |= se->posix_known;
		c->posix_bytes += se->posix_bytes;
	}
}

static void machine_of(struct msnap *s, const struct agent *a)
{
	struct msnap_cgroup all = { 0 };
	struct statfs st;

	s->mem_available = a->targets.mi_now.available;
	s->buff_cache = meminfo_buff_cache(&a->targets.mi_now);
	s->mem_total = a->targets.mi_now.total;
	sysv_usage_of(&a->events.sysv, NULL, a->events.ipc.own, &all);
	s->sysv_segments = all.sysv_segments;
	s->sysv_bytes = all.sysv_bytes;
	s->orphans = all.orphans;
	s->orphan_bytes = all.orphan_bytes;
	if (!statfs(SHM_MOUNT, &st)) {
		s->posix_known = true;
		s->posix_bytes = (__u64)(st.f_blocks - st.f_bfree) * (__u64)st.f_bsize;
	}
}

static void self_of(struct msnap *s, const struct snapshot_input *in)
{
	const struct agent *a = in->a;
	unsigned long long dropped = 0;

	s->ts = a->targets.t_now;
	s->version = MEMPROBE_VERSION;
	s->kernel = in->kernel;
	s->cgroup_version = (int)a->hier.version;
	s->interval_s = a->o->interval_s;
	s->samples = in->samples;
	memcpy(s->drops, a->agg.drops, sizeof(s->drops));
	s->journal = sink_journal_dropped(&a->sinks, &dropped);
	s->journal_dropped = dropped;
	s->machine = in->series->machine;
	s->cgroups_in_other = in->series->in_other;
	bpfstats_read(&a->probes, &s->bpf);
	s->self_known = !selfstat_read(&s->self);
	s->page_size = sysconf(_SC_PAGESIZE);
}

int snapshot_take(struct msnap *s, const struct snapshot_input *in)
{
	struct series_set *ss = in->series;
	size_t i, len = 0, n = 0;
	char *str;

	memset(s, 0, sizeof(*s));
	series_bind(ss, &in->a->targets);
	for (i = 0; i < ss->n; i++)
		len += ss->v[i]->own ? strlen(ss->v[i]->path) + 1 : 0;
	/* Names are copied: the series may be gone before the snapshot is. */
	s->cgroups = calloc(ss->n_own + 1, sizeof(*s->cgroups));
	s->storage = str = malloc(len + 1);
	if (!s->cgroups || !str) {
		snapshot_free(s);
		return -ENOMEM;
	}
	for (i = 0; i < ss->n; i++) {
		const struct series *se = ss->v[i];
		struct msnap_cgroup *c;
		size_t l;

		if (!se->own)
			continue;
		c = &s->cgroups[n++];
		l = strlen(se->path) + 1;
		memcpy(str, se->path, l);
		c->cgroup = str;
		c->unit = *se->unit ? str + (se->unit - se->path) : "";
		str += l;
		fill(c, se, in);
	}
	if (ss->other) {
		s->cgroups[n].cgroup = SERIES_OTHER;
		s->cgroups[n].unit = "";
		fill_other(&s->cgroups[n++], ss, in);
	}
	s->n_cgroups = n;
	machine_of(s, in->a);
	self_of(s, in);
	return 0;
}

void snapshot_free(struct msnap *s)
{
	free(s->cgroups);
	free(s->storage);
	memset(s, 0, sizeof(*s));
}
