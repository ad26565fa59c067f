// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sys/memcg.h"
#include "sys/util.h"

/* v1 page counters at their maximum (PAGE_COUNTER_MAX pages) mean no limit, whatever the page size. */
#define V1_UNLIMITED	(1ULL << 62)

/* A limit file: "max" or a number of bytes. */
static int read_limit(const struct cg_hier *h, const char *rel, const char *file, __u64 *out)
{
	char path[CG_PATH_MAX + 32], buf[64];
	int r;

	r = cg_path(h, rel, file, path, sizeof(path));
	if (r)
		return r;
	if (read_text(path, buf, sizeof(buf)) < 0)
		return -ENOENT;
	if (!strncmp(buf, "max", 3)) {
		*out = MEMCG_UNLIMITED;
		return 0;
	}
	*out = strtoull(buf, NULL, 10);
	if (h->version == CG_V1 && *out >= V1_UNLIMITED)
		*out = MEMCG_UNLIMITED;
	return 0;
}

/* rel's parent, in place; false at the root. */
static bool parent(char *rel)
{
	char *slash = strrchr(rel, '/');

	if (!strcmp(rel, "/"))
		return false;
	if (slash)
		*slash = '\0';
	else
		snprintf(rel, 2, "/");
	return true;
}

static void tighter(__u64 v, const char *rel, __u64 *best, char *from)
{
	if (v < *best) {
		*best = v;
		snprintf(from, CG_PATH_MAX, "%s", rel);
	}
}

int memcg_limits_read(const struct cg_hier *h, const char *rel, struct memcg_limits *out)
{
	char at[CG_PATH_MAX];
	__u64 v;
	bool any = false;

	memset(out, 0, sizeof(*out));
	out->high = out->max = MEMCG_UNLIMITED;
	snprintf(at, sizeof(at), "%s", rel);
	/* A slice can be the one that binds: the smallest over the cgroup and every ancestor. */
	do {
		if (h->version == CG_V2) {
			if (!read_limit(h, at, "memory.high", &v)) {
				tighter(v, at, &out->high, out->high_from);
				any = true;
			}
			if (!read_limit(h, at, "memory.max", &v))
				tighter(v, at, &out->max, out->max_from);
		} else if (!read_limit(h, at, "memory.limit_in_bytes", &v)) {
			tighter(v, at, &out->max, out->max_from);
			any = true;
		}
	} while (parent(at));
	return any || !strcmp(rel, "/") ? 0 : -ENOENT;
}

static __u64 field(const char *text, const char *key, bool *found)
{
	size_t n = strlen(key);
	const char *p = text;

	while (p && *p) {
		if (!strncmp(p, key, n) && p[n] == ' ') {
			*found = true;
			return strtoull(p + n + 1, NULL, 10);
		}
		p = strchr(p, '\n');
		p = p ? p + 1 : NULL;
	}
	return 0;
}

int memcg_events_parse(const char *text, struct memcg_events *out)
{
	bool found = false;

	memset(out, 0, sizeof(*out));
	out->low = field(text, "low", &found);
	out->high = field(text, "high", &found);
	out->max = field(text, "max", &found);
	out->oom = field(text, "oom", &found);
	out->oom_kill = field(text, "oom_kill", &found);
	out->oom_group_kill = field(text, "oom_group_kill", &found);
	out->have = found;
	return found ? 0 : -ENODATA;
}

int memcg_events_read(const struct cg_hier *h, const char *rel, struct memcg_events *out)
{
	char path[CG_PATH_MAX + 32], buf[1024];
	bool found = false;
	int r;

	memset(out, 0, sizeof(*out));
	if (h->version == CG_V2) {
		/* Hierarchical: the target's events are its subtree's, as its figures are. */
		r = cg_path(h, rel, "memory.events", path, sizeof(path));
		if (r)
			return r;
		if (read_text(path, buf, sizeof(buf)) < 0)
			return -ENOENT;
		return memcg_events_parse(buf, out);
	}
	/* v1: failcnt counts the times usage hit the limit; oom_control counts OOMs and kills (4.13+). */
	r = cg_path(h, rel, "memory.failcnt", path, sizeof(path));
	if (!r && read_text(path, buf, sizeof(buf)) >= 0) {
		out->max = strtoull(buf, NULL, 10);
		found = true;
	}
	r = cg_path(h, rel, "memory.oom_control", path, sizeof(path));
	if (!r && read_text(path, buf, sizeof(buf)) >= 0) {
		out->oom_kill = field(buf, "oom_kill", &found);
		out->oom = out->oom_kill;
	}
	out->have = found;
	return found ? 0 : -ENOENT;
}

int memcg_pressure_parse(const char *text, struct memcg_pressure *out)
{
	const char *some = strstr(text, "some "), *full = strstr(text, "full ");
	const char *p;

	memset(out, 0, sizeof(*out));
	if (!some)
		return -ENODATA;
	if ((p = strstr(some, "avg10=")))
		out->some_avg10 = strtod(p + 6, NULL);
	if ((p = strstr(some, "total=")))
		out->some_total_us = strtoull(p + 6, NULL, 10);
	if (full) {
		if ((p = strstr(full, "avg10=")))
			out->full_avg10 = strtod(p + 6, NULL);
		if ((p = strstr(full, "total=")))
			out->full_total_us = strtoull(p + 6, NULL, 10);
	}
	out->have = true;
	return 0;
}

int memcg_pressure_read(const struct cg_hier *h, const char *rel, struct memcg_pressure *out)
{
	char path[2 * CG_PATH_MAX + 32], buf[512];
	int r;

	memset(out, 0, sizeof(*out));
	if (*h->unified) {
		if (!strcmp(rel, "/"))
			snprintf(path, sizeof(path), "%s/memory.pressure", h->unified);
		else
			snprintf(path, sizeof(path), "%s/%s/memory.pressure", h->unified, rel);
		if (read_text(path, buf, sizeof(buf)) >= 0)
			return memcg_pressure_parse(buf, out);
	}
	/* The root has no memory.pressure of its own on some kernels: the machine's is the same figure. */
	if (read_text("/proc/pressure/memory", buf, sizeof(buf)) < 0)
		return -ENOENT;
	r = memcg_pressure_parse(buf, out);
	out->system_wide = strcmp(rel, "/") != 0;
	return r;
}
