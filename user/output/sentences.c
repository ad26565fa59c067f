// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <stdio.h>
#include <string.h>

#include "output/escape.h"
#include "output/sentences.h"
#include "sys/format.h"

#define UNLIMITED	(~0ULL)

const char *say_limit_cell(char *buf, size_t len, const struct rec_limits *l)
{
	char a[32], b[32];

	if (!l->known || (l->high_bytes == UNLIMITED && l->max_bytes == UNLIMITED))
		return "-";
	snprintf(buf, len, "%s/%s", l->high_bytes == UNLIMITED ? "-" : fmt_bytes(a, sizeof(a), (double)l->high_bytes),
		 l->max_bytes == UNLIMITED ? "-" : fmt_bytes(b, sizeof(b), (double)l->max_bytes));
	return buf;
}

const char *say_limits(char *buf, size_t len, const struct rec_limits *l)
{
	char a[32], b[32], e1[512], e2[512];

	if (!l->known)
		return "unknown";
	if (l->high_bytes == UNLIMITED && l->max_bytes == UNLIMITED)
		return "none: nothing limits it but the machine";
	snprintf(buf, len, "MemoryHigh %s%s%s%s, MemoryMax %s%s%s%s",
		 l->high_bytes == UNLIMITED ? "none" : fmt_bytes(a, sizeof(a), (double)l->high_bytes),
		 l->high_bytes == UNLIMITED ? "" : " (set on ",
		 l->high_bytes == UNLIMITED ? "" : escape_text(e1, sizeof(e1), l->high_cgroup),
		 l->high_bytes == UNLIMITED ? "" : ")",
		 l->max_bytes == UNLIMITED ? "none" : fmt_bytes(b, sizeof(b), (double)l->max_bytes),
		 l->max_bytes == UNLIMITED ? "" : " (set on ",
		 l->max_bytes == UNLIMITED ? "" : escape_text(e2, sizeof(e2), l->max_cgroup),
		 l->max_bytes == UNLIMITED ? "" : ")");
	return buf;
}

/* " MemoryMax 2.0GiB in 3h10m" or " MemoryMax 2.0GiB now", appended at *at. */
static void reach(char *buf, size_t len, size_t *at, const char *what, __u64 limit, double eta)
{
	char a[32], d[32];
	int n;

	if (*at >= len)
		return;
	n = snprintf(buf + *at, len - *at, "%s %s %s%s", what, fmt_bytes(a, sizeof(a), (double)limit),
		     eta > 0 ? "in " : "now", eta > 0 ? fmt_duration(d, sizeof(d), eta) : "");
	if (n > 0)
		*at += (size_t)n;
}

const char *say_forecast(char *buf, size_t len, const char *cgroup, const struct rec_limits *l,
			 const struct rec_forecast *f)
{
	char rate[32], name[512];
	bool high = f->high_eta_s >= 0, max = f->oom_eta_s >= 0;
	size_t at;
	int n;

	escape_text(name, sizeof(name), cgroup);
	if (!f->known) {
		snprintf(buf, len, "no trend of %s's unreclaimable memory yet", name);
		return buf;
	}
	fmt_bytes(rate, sizeof(rate), f->growth_bytes_per_hour < 0 ? -f->growth_bytes_per_hour : f->growth_bytes_per_hour);
	if (!high && !max) {
		snprintf(buf, len, "at %s%s/h %s reaches no limit: %s", f->growth_bytes_per_hour < 0 ? "-" : "+", rate,
			 name, !l->known || (l->high_bytes == UNLIMITED && l->max_bytes == UNLIMITED) ?
			 "it has none" : f->growth_bytes_per_hour > 0 ? "its growth is not steady enough to date" :
			 "it is not growing");
		return buf;
	}
	n = snprintf(buf, len, "at +%s/h %s reaches ", rate, name);
	at = n > 0 ? (size_t)n : 0;
	if (high)
		reach(buf, len, &at, "MemoryHigh", l->high_bytes, f->high_eta_s);
	if (high && max && at < len) {
		n = snprintf(buf + at, len - at, " and ");
		at += n > 0 ? (size_t)n : 0;
	}
	if (max)
		reach(buf, len, &at, "MemoryMax", l->max_bytes, f->oom_eta_s);
	return buf;
}

const char *say_memory_event(char *buf, size_t len, const char *cgroup, const struct rec_memory_event *e)
{
	char name[512], d[32];

	escape_text(name, sizeof(name), cgroup);
	fmt_duration(d, sizeof(d), e->interval_s);
	if (e->events.oom_kill)
		snprintf(buf, len, "%s ran out of memory: the OOM killer killed %llu of its processes in %s (it hit its limit %llu times)",
			 name, (unsigned long long)e->events.oom_kill, d, (unsigned long long)e->events.max);
	else if (e->events.oom)
		snprintf(buf, len, "%s ran out of memory %llu times in %s (it hit its limit %llu times)", name,
			 (unsigned long long)e->events.oom, d, (unsigned long long)e->events.max);
	else
		snprintf(buf, len, "%s hit MemoryMax %llu times in %s: reclaim is barely keeping it under", name,
			 (unsigned long long)e->events.max, d);
	return buf;
}

const char *say_events(char *buf, size_t len, const struct rec_events *e, const struct rec_limits *l)
{
	size_t at = 0;
	int n;

	buf[0] = '\0';
	if (l->known && l->high_bytes != UNLIMITED) {
		n = snprintf(buf, len, "hit MemoryHigh %llu times, ", (unsigned long long)e->high);
		at = n > 0 ? (size_t)n : 0;
	}
	if (at < len)
		snprintf(buf + at, len - at, "hit MemoryMax %llu times; ran out of memory %llu times, %llu OOM kills",
			 (unsigned long long)e->max, (unsigned long long)e->oom, (unsigned long long)e->oom_kill);
	return buf;
}

const char *say_stalls(char *buf, size_t len, const struct rec_health *h)
{
	const struct rec_reclaim *r = &h->reclaim;
	const struct rec_pressure *p = &h->pressure;
	char a[32], b[32], t[32];
	size_t at = 0;
	int n;

	buf[0] = '\0';
	if (r->known) {
		__u64 count = r->direct_count + r->memcg_count;

		n = count ? snprintf(buf, len, "its tasks spent %s in reclaim (%llu stalls, p50 %s, p99 %s)",
				     fmt_duration_ms(t, sizeof(t), r->direct_s + r->memcg_s), (unsigned long long)count,
				     fmt_duration_ms(a, sizeof(a), r->p50_s), fmt_duration_ms(b, sizeof(b), r->p99_s)) :
			    snprintf(buf, len, "no reclaim stalls");
		at = n > 0 ? (size_t)n : 0;
	}
	if (p->known && at < len)
		snprintf(buf + at, len - at, "%sPSI some %.1f%%, full %.1f%% (avg10%s)", at ? "; " : "", p->some_avg10,
			 p->full_avg10, p->system_wide ? ", the whole machine's" : "");
	return buf;
}
