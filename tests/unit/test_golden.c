// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * A recorded scenario, replayed through the record builders into the JSON
 * and table sinks and compared with the output kept in tests/golden/: a
 * change that moves code without meaning to change behaviour must leave
 * every byte as it was. MEMPROBE_GOLDEN_UPDATE=1 rewrites the files, for a
 * change that means to.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"
#include "model/accounting.h"
#include "output/report.h"
#include "output/sink.h"
#include "model/verdict.h"

#define GOLDEN_DIR	"tests/golden/"

static struct target *add(struct targets *ts, const char *rel, __u64 id, const __u64 *members, size_t n)
{
	struct target *t = &ts->v[ts->n++];

	memset(t, 0, sizeof(*t));
	t->cg.rel = strdup(rel);
	t->cg.id = id;
	t->first_id = id;
	t->lives = 1;
	t->members = malloc(n * sizeof(*members) + 1);
	memcpy(t->members, members, n * sizeof(*members));
	t->n_members = t->cap_members = n;
	t->have_stat = true;
	trend_init(&t->anon_trend);
	return t;
}

static void stat_of(struct memstat *m, __u64 mib_file, __u64 mib_anon, __u64 mib_shmem)
{
	memset(m, 0, sizeof(*m));
	m->file = mib_file << 20;
	m->anon = mib_anon << 20;
	m->shmem = mib_shmem << 20;
	m->file_mapped = 3 << 20;
	m->file_dirty = 1 << 20;
	m->active_file = (mib_file - mib_shmem) / 2 << 20;
	m->inactive_file = (mib_file - mib_shmem) / 4 << 20;
	m->have = ~0u;	/* every field read, the refaults too: a v2 memory.stat */
}

static void counters(struct agg *a, __u64 id, __u64 in, __u64 out, __u64 alloc)
{
	struct counters *c = agg_counters(a, id);
	int b;

	c->cache_added_pages = in;
	c->cache_removed_pages = out;
	c->alloc_pages = alloc;
	c->alloc_calls = alloc / 2;
	c->alloc_order[0] = alloc / 4;
	c->alloc_order[9] = alloc / 8;
	c->reclaim_count[MP_RECLAIM_MEMCG] = alloc / 16;
	c->reclaim_ns[MP_RECLAIM_MEMCG] = alloc * 100000;
	for (b = 4; b < 12; b++)
		c->reclaim_hist[b] = alloc / 128 * (b % 3 + 1);
}

static void proc_of(struct procs *ps, __u32 pid, const char *comm, __u64 cgid, bool alive, __u64 mib)
{
	struct proc *p = &ps->v[ps->n++];

	memset(p, 0, sizeof(*p));
	p->pid = pid;
	p->start = pid * 10;
	snprintf(p->comm, sizeof(p->comm), "%s", comm);
	p->cgid = cgid;
	p->alive = alive;
	p->have_status = alive;
	p->first.vm_rss = (mib / 2) << 20;
	p->first.rss_anon = (mib / 4) << 20;
	p->now.vm_rss = mib << 20;
	p->now.rss_anon = (mib / 2) << 20;
	p->now.rss_file = (mib / 4) << 20;
	p->now.rss_shmem = (mib / 8) << 20;
	p->now.vm_size = (mib * 3) << 20;
	p->cpu_percent = 12.5;
	p->cpu_known = alive;
	p->peak[MP_RSS_ANON] = (__s64)mib * 200;
	p->peak[MP_RSS_FILE] = 7;
	trend_init(&p->anon);
}

/* The scenario: two named targets, one growing, the other steady, their processes, files and events. */
static void scenario(struct targets *ts, struct agg *a, struct procs *ps, struct verdict_cfg *cfg)
{
	static const __u64 svc[] = { 10, 11 }, other[] = { 12 };
	static struct cg_hier hier = { .version = CG_V2, .root = "/sys/fs/cgroup" };
	struct target *t;
	int i;

	verdict_defaults(cfg);
	cfg->min_samples = 3;
	cfg->leak_after_s = 30;
	memset(ts, 0, sizeof(*ts));
	ts->h = &hier;
	ts->vcfg = cfg;
	ts->v = calloc(4, sizeof(*ts->v));
	ts->cap = 4;
	t = add(ts, "system.slice/svc.service", 10, svc, 2);
	stat_of(&t->first, 100, 50, 1);
	stat_of(&t->prev, 150, 400, 2);
	stat_of(&t->now, 180, 420, 4);
	for (i = 0; i < 6; i++)
		trend_add(&t->anon_trend, cfg, 1000 + 10 * i, (50.0 + 70 * i) * (1 << 20));
	verdict_eval(&t->anon_trend, cfg, &t->verdict);
	/* Before the OOM: limits on it and its slice, a forecast, events, pressure, reclaim stalls. */
	t->health = calloc(1, sizeof(*t->health));
	t->health->have_limits = true;
	t->health->limits = (struct memcg_limits){ .high = 1800ULL << 20, .max = 2048ULL << 20,
						  .high_from = "system.slice/svc.service", .max_from = "system.slice" };
	t->health->forecast = (struct forecast){ .known = true, .unreclaimable = 430ULL << 20,
						.slope_per_hour = 120.0 * (1 << 20), .r2 = 0.97, .confidence = 0.9,
						.high_eta_s = 6000, .oom_eta_s = 11400 };
	t->health->events_first = (struct memcg_events){ .have = true, .high = 3 };
	t->health->events_prev = (struct memcg_events){ .have = true, .high = 10, .max = 2 };
	t->health->events_now = (struct memcg_events){ .have = true, .high = 50, .max = 14 };
	t->health->have_events_prev = true;
	t->health->psi_first = (struct memcg_pressure){ .have = true, .some_total_us = 1000 };
	t->health->psi_prev = (struct memcg_pressure){ .have = true, .some_total_us = 400000, .full_total_us = 1000 };
	t->health->psi_now = (struct memcg_pressure){ .have = true, .some_avg10 = 4.25, .full_avg10 = 1.5,
						     .some_total_us = 1800000, .full_total_us = 9000 };
	t->health->have_psi_prev = true;
	t->first.refault_file = 0;
	t->prev.refault_file = 100;
	t->now.refault_file = 30000;
	t = add(ts, "other.service", 12, other, 1);
	stat_of(&t->first, 10, 20, 0);
	stat_of(&t->prev, 10, 20, 0);
	stat_of(&t->now, 12, 20, 0);
	for (i = 0; i < 6; i++)
		trend_add(&t->anon_trend, cfg, 1000 + 10 * i, 20.0 * (1 << 20));
	verdict_eval(&t->anon_trend, cfg, &t->verdict);
	ts->mi_first.available = 20ULL << 30;
	ts->mi_now.available = 19ULL << 30;
	ts->mi_now.total = 24ULL << 30;
	ts->mi_now.cached = 2ULL << 30;
	ts->mi_now.buffers = 1ULL << 20;
	ts->t_start = 1000;
	ts->t_prev = 1040;
	ts->t_now = 1050;

	agg_init(a);
	counters(a, 10, 1000, 100, 4096);
	counters(a, 11, 500, 0, 64);
	counters(a, 12, 70, 70, 8);
	/* Task-map losses belong to the cgroup whose task was not counted; only svc lost any. */
	a->drops[MP_DROP_TASK_FULL] = 2;
	agg_counters(a, 11)->lost_tasks = 2;
	{
		struct agg_file f1 = { .cgid = 10, .ino = 5, .dev = 1 << 20 | 3, .added_pages = 600,
				       .name = "/srv/model.bin", .complete = true };
		struct agg_file f2 = { .cgid = 11, .ino = 6, .dev = 1 << 20 | 3, .added_pages = 20,
				       .removed_pages = 40 };
		struct agg_file f3 = { .cgid = 12, .ino = 7, .dev = 1 << 20 | 3, .added_pages = 70,
				       .name = "/var/log/x\ny", .complete = false };
		struct agg_task t1 = { .cgid = 10, .tgid = 501, .comm = "python3", .cache_added_pages = 900 };
		struct agg_task t2 = { .cgid = 12, .tgid = 601, .comm = "sh", .cache_added_pages = 70 };

		agg_add_file(a, &f1);
		agg_add_file(a, &f2);
		agg_add_file(a, &f3);
		agg_add_task(a, &t1);
		agg_add_task(a, &t2);
	}
	targets_account(ts, a);
	ts->v[0].sum_prev.cache_added_pages = 1200;
	ts->v[0].sum_prev.cache_removed_pages = 50;
	ts->v[0].sum_prev.alloc_pages = 3000;

	procs_init(ps, 5);
	ps->v = calloc(4, sizeof(*ps->v));
	ps->cap = 4;
	proc_of(ps, 501, "python3", 10, true, 400);
	proc_of(ps, 502, "worker", 11, true, 30);
	proc_of(ps, 503, "gone", 11, false, 90);
	proc_of(ps, 601, "steady", 12, true, 20);
}

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "re");
	char *text = NULL;
	size_t len = 0;
	long n;

	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	if (n >= 0 && (text = calloc(1, (size_t)n + 1)))
		len = fread(text, 1, (size_t)n, f);
	fclose(f);
	if (text)
		text[len] = '\0';
	return text;
}

/* Compares out with the kept file, or keeps it when asked to. */
static bool same_as_kept(const char *name, const char *out)
{
	char path[256];
	char *kept;
	bool ok;

	snprintf(path, sizeof(path), GOLDEN_DIR "%s", name);
	if (getenv("MEMPROBE_GOLDEN_UPDATE")) {
		FILE *f = fopen(path, "we");

		return ASSERT(f && fputs(out, f) >= 0 && !fclose(f), "cannot write %s", path);
	}
	kept = slurp(path);
	if (!ASSERT(kept, "no %s (run from the source tree)", path))
		return false;
	ok = ASSERT(!strcmp(kept, out), "%s differs from what was kept; now:\n%s", path, out);
	free(kept);
	return ok;
}

/* Every record type through one sink, as the agent would write them over a run. */
static bool replay(struct sink *s, struct targets *ts, struct agg *a, struct procs *ps)
{
	struct rec_target rt[2];
	struct rec_start start;
	struct rec_verdict_change vc;
	struct rec_shm shm = { .ts = 1045, .event = "create", .shmid = 7, .key = 0x4d50, .size_bytes = 1 << 20,
			       .pid = 501, .comm = "python3", .cgroup = "system.slice/svc.service", .cgroup_id = 10,
			       .tid = 501, .ipc_ns = 4026531839u, .known = true };
	struct rec_shm_orphan orphan = { .ts = 1046, .shmid = 7, .key = 0x4d50, .size_bytes = 1 << 20,
					 .rss_bytes = 4096, .creator_pid = 501, .creator_comm = "python3",
					 .cgroup = "system.slice/svc.service", .cgroup_id = 10, .created = 1045,
					 .remove_command = "ipcrm -m 7", .memory_bytes = 8192, .last_pid = 501 };
	struct rec_oom_kill oom = { .ts = 1047, .pid = 502, .tid = 502, .trigger_pid = 501, .comm = "worker",
				    .cgroup = "system.slice/svc.service", .cgroup_id = 11, .anon_rss_bytes = 30 << 20,
				    .total_vm_bytes = 90 << 20, .scope = "cgroup",
				    .oom_cgroup = "system.slice/svc.service", .oom_cgroup_id = 10,
				    .limit_bytes = 512 << 20 };
	/* memprobe's own cost: the maps at the start, everything at the end. */
	struct rec_agent loaded = { .map_bytes = 2345678, .maps = 20 };
	struct rec_agent cost = { .map_bytes = 3456789, .maps = 20, .cpu_s = 1.234, .rss_bytes = 5 << 20,
				  .peak_rss_bytes = 14 << 20, .intervals = 9, .interval_median_s = 0.0123456,
				  .interval_max_s = 0.0456789 };
	struct mounts m = { 0 };
	struct report_input in = { .targets = ts, .procs = ps, .agg = a, .mounts = &m, .top = 5, .reclaim_known = true,
				   .alloc_known = true, .rss_known = true };
	struct report rep;
	size_t i;
	bool ok;

	report_start(&start, rt, 2, ts, "0.0.0-golden", 10);
	start.agent = &loaded;
	report_verdict_change(&vc, &ts->v[0], 1050);
	ok = ASSERT(!s->ops->start(s, &start), "start");
	if (ok && !report_samples(&rep, &in)) {
		ok = ASSERT(!s->ops->samples(s, rep.samples, rep.n_samples), "samples");
		report_free(&rep);
	}
	ok = ok && ASSERT(!s->ops->shm(s, &shm), "shm") && ASSERT(!s->ops->shm_orphan(s, &orphan), "orphan") &&
	     ASSERT(!s->ops->oom_kill(s, &oom), "oom") && ASSERT(!s->ops->verdict_change(s, &vc), "verdict");
	if (ok && ASSERT(!report_summaries(&rep, &in), "summaries")) {
		for (i = 0; i < rep.n_summaries; i++)
			rep.summaries[i].agent = &cost;
		ok = ASSERT(!s->ops->summaries(s, rep.summaries, rep.n_summaries), "write summaries");
		report_free(&rep);
	}
	if (s->ops->flush)
		s->ops->flush(s);
	return ok;
}

static bool golden(const char *name, struct sink *(*make)(FILE *))
{
	struct verdict_cfg cfg;
	struct targets ts;
	struct procs ps;
	struct agg a;
	char *text = NULL;
	size_t len = 0;
	FILE *out;
	struct sink *s;
	bool ok = false;

	setenv("TZ", "UTC", 1);
	scenario(&ts, &a, &ps, &cfg);
	out = open_memstream(&text, &len);
	s = out ? make(out) : NULL;
	if (ASSERT(s, "sink") && replay(s, &ts, &a, &ps)) {
		fflush(out);
		ok = same_as_kept(name, text);
	}
	if (s)
		s->ops->destroy(s);
	if (out)
		fclose(out);
	free(text);
	targets_free(&ts);
	procs_free(&ps);
	agg_free(&a);
	return ok;
}

UNIT_TEST(golden_json_unchanged)
{
	return golden("scenario.jsonl", sink_json_new);
}

UNIT_TEST(golden_table_unchanged)
{
	return golden("scenario.txt", sink_table_new);
}
