// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * model/series.c, the exported cgroups and their counters: a counter never
 * goes back for one path (a cgroup removed and made again continues it,
 * "other" keeps what it summed), a new path shows 0 at its first sample,
 * the whole machine's paths are bounded and stable, and the unit-depth
 * cgroups are walked into targets (model/refresh.c with targets.units).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fakefs.h"
#include "harness.h"
#include "model/refresh.h"
#include "model/series.h"

/* A target as the model would hold it, made by hand: its path, id and counts so far. */
static struct target *target(struct targets *ts, const char *rel, __u64 id, __u64 added)
{
	struct cg_target cg = { .id = id };
	struct target *t = NULL;

	snprintf(cg.rel, sizeof(cg.rel), "%s", rel);
	if (targets_add(ts, &cg, &t) || target_add_member(t, id))
		return NULL;
	t->sum.cache_added_pages = added;
	return t;
}

/* The series of a path ("other": the sum, not a cgroup of that name). */
static struct series *find(const struct series_set *s, const char *path)
{
	size_t i;

	if (!strcmp(path, SERIES_OTHER) && s->other)
		return s->other;
	for (i = 0; i < s->n; i++)
		if (!strcmp(s->v[i]->path, path))
			return s->v[i];
	return NULL;
}

/* What the metrics would show for path now: 0 while it is fresh. */
static __u64 shown_added(const struct series_set *s, const char *path)
{
	const struct series *se = find(s, path);

	return !se || se->fresh ? 0 : se->acc.cache_added_pages;
}

UNIT_TEST(series_unit_names)
{
	return ASSERT_STR(series_unit("system.slice/visioncore.service"), "visioncore.service") &&
	       ASSERT_STR(series_unit("user.slice/user-1000.slice"), "user-1000.slice") &&
	       ASSERT_STR(series_unit("init.scope"), "init.scope") &&
	       ASSERT_STR(series_unit("/"), "") && ASSERT_STR(series_unit("process_api/ab12"), "") &&
	       ASSERT_STR(series_unit("x/.service"), "") && ASSERT_STR(series_unit("a/service"), "");
}

/* With --cgroup: a restart is a new life of the same target; its counters go on, lives count it. */
UNIT_TEST(series_named_target_continues_across_lives)
{
	struct targets ts = { 0 };
	struct series_set s;
	struct ooms o;
	struct target *t;
	bool ok = false;

	series_init(&s, false, 100);
	ooms_init(&o);
	if (!ASSERT((t = target(&ts, "system.slice/a.service", 10, 5)), "target") ||
	    !ASSERT(!series_update(&s, &ts, &o, 1000), "update"))
		goto out;
	/* At its first sample it shows 0, and what came before at the next. */
	if (!ASSERT(shown_added(&s, "system.slice/a.service") == 0, "fresh series shows counts") ||
	    !ASSERT(find(&s, "system.slice/a.service")->lives == 1, "lives"))
		goto out;
	t->sum.cache_added_pages = 7;
	ooms_count(&o, 10);
	if (!ASSERT(!series_update(&s, &ts, &o, 1001), "update") ||
	    !ASSERT(shown_added(&s, "system.slice/a.service") == 7, "added %llu",
		    (unsigned long long)shown_added(&s, "system.slice/a.service")) ||
	    !ASSERT(find(&s, "system.slice/a.service")->oom_kills == 1, "the kill"))
		goto out;
	/* Removed: no gauges (not present), counters kept. */
	t->gone = true;
	if (!ASSERT(!series_update(&s, &ts, &o, 1002), "update") ||
	    !ASSERT(!find(&s, "system.slice/a.service")->present, "still present") ||
	    !ASSERT(shown_added(&s, "system.slice/a.service") == 7, "counter changed when gone"))
		goto out;
	/* Created again: a new id, the same target and sums (model/refresh.c follows it). */
	t->gone = false;
	t->cg.id = 11;
	if (!ASSERT(!target_add_member(t, 11), "member"))
		goto out;
	t->sum.cache_added_pages = 9;
	ok = ASSERT(!series_update(&s, &ts, &o, 1003), "update") &&
	     ASSERT(find(&s, "system.slice/a.service")->present, "not present again") &&
	     ASSERT(find(&s, "system.slice/a.service")->lives == 2, "lives %llu",
		    (unsigned long long)find(&s, "system.slice/a.service")->lives) &&
	     ASSERT(shown_added(&s, "system.slice/a.service") == 9, "added");
out:
	series_free(&s);
	ooms_free(&o);
	targets_free(&ts);
	return ok;
}

/* The whole machine: a restart is a new target at the same path; the series takes both. */
UNIT_TEST(series_machine_restart_does_not_reset)
{
	struct targets ts = { .machine = true };
	struct series_set s;
	struct target *t;
	bool ok = false;

	series_init(&s, true, 100);
	if (!ASSERT(target(&ts, "/", 1, 100), "root") || !ASSERT((t = target(&ts, "svc.service", 20, 40)), "svc") ||
	    !ASSERT(!series_update(&s, &ts, NULL, 10), "update"))
		goto out;
	t->sum.cache_added_pages = 50;
	if (!ASSERT(!series_update(&s, &ts, NULL, 11), "update") || !ASSERT(shown_added(&s, "svc.service") == 50, "50"))
		goto out;
	/* It is removed: its last counts come in the update that finds it gone, then the target goes. */
	t->sum.cache_added_pages = 60;
	t->gone = true;
	if (!ASSERT(!series_update(&s, &ts, NULL, 12), "update") || !ASSERT(shown_added(&s, "svc.service") == 60, "60"))
		goto out;
	ts.n = 1;
	if (!ASSERT(!series_update(&s, &ts, NULL, 13), "update") || !ASSERT(!find(&s, "svc.service")->present, "gone"))
		goto out;
	/* Made again: a new target from zero, at the same path. */
	if (!ASSERT((t = target(&ts, "svc.service", 21, 3)), "svc again") ||
	    !ASSERT(!series_update(&s, &ts, NULL, 14), "update"))
		goto out;
	ok = ASSERT(shown_added(&s, "svc.service") == 63, "the counter went from 60 to %llu",
		    (unsigned long long)shown_added(&s, "svc.service")) &&
	     ASSERT(find(&s, "svc.service")->lives == 2, "lives") && ASSERT(find(&s, "svc.service")->present, "present");
out:
	series_free(&s);
	targets_free(&ts);
	return ok;
}

/* At most max_own paths of their own, chosen by depth then path, stable; the rest in "other". */
UNIT_TEST(series_machine_bounded_and_stable)
{
	struct targets ts = { .machine = true };
	struct series_set s;
	struct target *b;
	bool ok = false;

	series_init(&s, true, 3);
	if (!ASSERT(target(&ts, "/", 1, 0), "root") || !ASSERT(target(&ts, "z.scope", 2, 1), "z") ||
	    !ASSERT(target(&ts, "system.slice/a.service", 3, 2), "a") ||
	    !ASSERT((b = target(&ts, "system.slice/b.service", 4, 4)), "b") ||
	    !ASSERT(target(&ts, "other", 5, 8), "a cgroup named other") ||
	    !ASSERT(target(&ts, "user.slice/user-1000.slice/session-1.scope", 6, 16), "deeper") ||
	    !ASSERT(!series_update(&s, &ts, NULL, 10), "update") || !ASSERT(!series_update(&s, &ts, NULL, 11), "update"))
		goto out;
	/* Depth first: "/", then z.scope (depth 1), then the first at depth 2; "other" is always summed. */
	if (!ASSERT(find(&s, "/")->own && find(&s, "z.scope")->own && find(&s, "system.slice/a.service")->own,
		    "the first three") ||
	    !ASSERT(!find(&s, "system.slice/b.service")->own && !s.v[1]->own && !strcmp(s.v[1]->path, "other"),
		    "the rest") ||
	    !ASSERT(!find(&s, "user.slice/user-1000.slice/session-1.scope"), "deeper than a unit") ||
	    !ASSERT(s.other && shown_added(&s, SERIES_OTHER) == 12, "other %llu",
		    (unsigned long long)shown_added(&s, SERIES_OTHER)) ||
	    !ASSERT(s.in_other == 2, "in other %zu", s.in_other))
		goto out;
	/* b goes and stays gone: other keeps what it added; an hour later its place is free. */
	b->gone = true;
	b->sum.cache_added_pages = 5;
	if (!ASSERT(!series_update(&s, &ts, NULL, 12), "update") || !ASSERT(shown_added(&s, SERIES_OTHER) == 13, "13"))
		goto out;
	memmove(b, b + 1, (size_t)(&ts.v[ts.n - 1] - b) * sizeof(*b));
	ts.n--;
	if (!ASSERT(!series_update(&s, &ts, NULL, 13), "update") || !ASSERT(find(&s, "system.slice/b.service"), "kept"))
		goto out;
	if (!ASSERT(!series_update(&s, &ts, NULL, 13 + SERIES_KEEP_GONE_S), "update") ||
	    !ASSERT(!find(&s, "system.slice/b.service"), "not forgotten after an hour"))
		goto out;
	ok = ASSERT(shown_added(&s, SERIES_OTHER) == 13, "other lost counts: %llu",
		    (unsigned long long)shown_added(&s, SERIES_OTHER)) &&
	     ASSERT(s.in_other == 1, "in other %zu", s.in_other);
out:
	series_free(&s);
	targets_free(&ts);
	return ok;
}

/* The last OOM kill's time goes to every exported path containing the victim's cgroup. */
UNIT_TEST(series_last_oom_kill)
{
	struct targets ts = { .machine = true };
	struct series_set s;
	bool ok = false;

	series_init(&s, true, 100);
	if (!ASSERT(target(&ts, "/", 1, 0), "root") || !ASSERT(target(&ts, "svc.service", 2, 0), "svc") ||
	    !ASSERT(target(&ts, "idle.service", 3, 0), "idle") ||
	    !ASSERT(!series_note_kill(&s, 2, 1234.5), "note") || !ASSERT(!series_update(&s, &ts, NULL, 10), "update"))
		goto out;
	ok = ASSERT(find(&s, "svc.service")->last_oom == 1234.5, "svc") &&
	     ASSERT(find(&s, "/")->last_oom == 1234.5, "root") &&
	     ASSERT(find(&s, "idle.service")->last_oom == 0, "idle") && ASSERT(s.n_kills == 0, "kept");
out:
	series_free(&s);
	targets_free(&ts);
	return ok;
}

/* memory.events counted from the first reading; a cgroup made again adds from 0, never back. */
UNIT_TEST(series_memory_events_add_up)
{
	struct targets ts = { .machine = false, .t_now = 10 };
	struct series_set s;
	struct series *se;
	struct target *t;
	bool ok = false;

	series_init(&s, false, 100);
	if (!ASSERT((t = target(&ts, "svc.service", 2, 0)), "svc") || !ASSERT(!series_update(&s, &ts, NULL, 10), "update"))
		goto out;
	se = find(&s, "svc.service");
	t->health = calloc(1, sizeof(*t->health));
	if (!ASSERT(t->health, "calloc"))
		goto out;
	t->health->read_at = 10;
	t->health->events_now = (struct memcg_events){ .max = 5, .oom_kill = 1, .have = true };
	series_fold_events(&s, &ts);
	if (!ASSERT(se->events_known && se->events[1] == 0 && se->events[3] == 0, "the first reading is the start"))
		goto out;
	ts.t_now = t->health->read_at = 11;
	t->health->events_now.max = 8;
	t->health->events_now.oom_kill = 2;
	series_fold_events(&s, &ts);
	if (!ASSERT(se->events[1] == 3 && se->events[3] == 1, "max %llu oom_kill %llu", (unsigned long long)se->events[1],
		    (unsigned long long)se->events[3]))
		goto out;
	/* A new life of the cgroup: its counts start at 0 again. */
	ts.t_now = t->health->read_at = 12;
	t->health->events_now.max = 2;
	series_fold_events(&s, &ts);
	if (!ASSERT(se->events[1] == 5, "max went to %llu", (unsigned long long)se->events[1]))
		goto out;
	/* Not read at this sample: nothing folded. */
	ts.t_now = 13;
	t->health->events_now.max = 100;
	series_fold_events(&s, &ts);
	ok = ASSERT(se->events[1] == 5, "folded a stale reading");
out:
	series_free(&s);
	targets_free(&ts);
	return ok;
}

/* targets.units: the whole machine's walk makes a target of each cgroup two levels down, with all below it. */
UNIT_TEST(refresh_units_for_the_metrics)
{
	static const char *const dirs[] = { "system.slice", "system.slice/a.service", "system.slice/a.service/worker",
					    "system.slice/a.service/worker/deep", "init.scope" };
	struct fakefs fs;
	struct cg_hier h = { .version = CG_V2 };
	struct targets ts = { 0 };
	struct verdict_cfg cfg;
	char path[512], file[600];
	const struct target *unit = NULL;
	struct stat st;
	size_t i;
	bool ok = false;

	verdict_defaults(&cfg);
	if (!ASSERT(fakefs_init(&fs), "fake tree"))
		return false;
	for (i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		snprintf(path, sizeof(path), "root/%s", dirs[i]);
		snprintf(file, sizeof(file), "%s/memory.stat", path);
		if (!ASSERT(fakefs_mkdir(&fs, path) && fakefs_write(&fs, file, "anon 4096\nfile 0\nshmem 0\n"), "%s", path))
			goto out;
		snprintf(file, sizeof(file), "%s/cgroup.procs", path);
		fakefs_write(&fs, file, "");
	}
	fakefs_path(&fs, "root", h.root, sizeof(h.root));
	if (!ASSERT(!targets_init(&ts, &h, NULL, 0, &cfg), "targets"))
		goto out;
	ts.units = true;
	if (!ASSERT(!targets_refresh(&ts), "refresh"))
		goto out;
	for (i = 0; i < ts.n; i++)
		if (!strcmp(ts.v[i].cg.rel, "system.slice/a.service"))
			unit = &ts.v[i];
	if (!ASSERT(unit && unit->unit_only, "no unit target for system.slice/a.service"))
		goto out;
	fakefs_path(&fs, "root/system.slice/a.service/worker/deep", path, sizeof(path));
	ok = ASSERT(!stat(path, &st) && target_contains(unit, st.st_ino), "the deepest cgroup is not the unit's");
	/* The leaves are targets as before; init.scope (a leaf one level down) is exported as itself. */
	for (i = 0, unit = NULL; i < ts.n; i++)
		if (!strcmp(ts.v[i].cg.rel, "init.scope"))
			unit = &ts.v[i];
	ok = ok && ASSERT(unit && !unit->unit_only, "init.scope");
out:
	targets_free(&ts);
	fakefs_cleanup(&fs);
	return ok;
}
