// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The --journal sink: each record becomes one journal entry with a stable
 * MESSAGE_ID per record type, a PRIORITY, a readable MESSAGE and every
 * scalar field as MEMPROBE_<FIELD> (fields of list items as
 * MEMPROBE_<LIST>_<FIELD>, repeated). Samples are not journaled.
 *
 * It speaks journald's native protocol itself, on a non-blocking datagram
 * socket: sd_journal_sendv() blocks when journald's queue is full and
 * reports success when journald is absent, and a memory agent must neither
 * hang on its logger nor claim entries it lost. Entries journald cannot
 * take are counted and said once on stderr; the run goes on.
 */
#include <endian.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "output/escape.h"
#include "output/fields.h"
#include "output/sentences.h"
#include "sys/log.h"
#include "output/sink.h"
#include "sys/buf.h"
#include "sys/format.h"
#include "sys/util.h"
#include "version.h"

#define JOURNAL_SOCKET	"/run/systemd/journal/socket"
#define MESSAGE_MAX	4096
/*
 * Per-call SysV entries can come in storms (a program creating segments in
 * a loop); the journal gets at most this many a second, the rest counted.
 * Summaries, OOM kills, orphans and verdict changes are never held back.
 */
#define SHM_BURST	200
#define SHM_PER_S	50

/* Stable ids, for `journalctl MESSAGE_ID=...` queries and alerts (see the README). */
#define ID_START	"2131624367544e3c8dcddbe44c4b42b8"
#define ID_SUMMARY	"81c19e483cd1492189b6051692d86c51"
#define ID_OOM_KILL	"22104816cd0d4f539840447de4cda9cc"
#define ID_SHM		"b1a298930c5240d695861fdce2ad0ee6"
#define ID_SHM_ORPHAN	"42a0ecd3436d4098a50748d051c780e3"
#define ID_VERDICT	"fa06ddb67c134972b01149109a02a2b8"
#define ID_FORECAST	"3e5eed8781234520b44ecfeff0df96b8"
#define ID_MEMORY_EVENT	"8b4baa5e96464b3485da1f29fa26a53f"

enum priority {
	PRIO_CRIT = 2,
	PRIO_ERR = 3,
	PRIO_WARNING = 4,
	PRIO_INFO = 6,
};

struct journal {
	int fd;
	struct sockaddr_un addr;
	struct buf entry;		/* the entry being built */
	const char *list;		/* inside a list: its name prefixes the fields */
	unsigned int depth;		/* lists within lists are left to the JSON */
	unsigned long long sent, dropped;
	unsigned int said;		/* the kinds of failure already said on stderr */
	double shm_tokens, shm_refill;	/* the token bucket of per-call shm entries */
	unsigned long long shm_held;	/* held back since the last notice */
	char esc[3][MESSAGE_MAX];	/* names from the system, escaped for MESSAGE */
};

/* A name from the system, escaped into scratch slot i, for MESSAGE; the MEMPROBE_ fields keep the bytes. */
#define SAFE(j, i, str)	escape_text((j)->esc[i], MESSAGE_MAX, (str))

enum failure {
	FAIL_ABSENT = 1,
	FAIL_BUSY = 2,
	FAIL_OTHER = 4,
};

static void put(struct journal *j, const void *p, size_t n)
{
	buf_put(&j->entry, p, n);
}

/* One field; a value with a newline goes in the protocol's length-prefixed form. */
static void field(struct journal *j, const char *name, const char *val)
{
	size_t n = strlen(val);

	put(j, name, strlen(name));
	if (memchr(val, '\n', n)) {
		__u64 le = htole64(n);

		put(j, "\n", 1);
		put(j, &le, sizeof(le));
	} else {
		put(j, "=", 1);
	}
	put(j, val, n);
	put(j, "\n", 1);
}

static void fieldf(struct journal *j, const char *name, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void fieldf(struct journal *j, const char *name, const char *fmt, ...)
{
	char val[MESSAGE_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(val, sizeof(val), fmt, ap);
	va_end(ap);
	field(j, name, val);
}

/* MEMPROBE_<LIST>_<KEY>, upper case; the spec's keys are [a-z0-9_]. */
static bool nested(const struct journal *j)
{
	return j->depth > 1;
}

static void name_of(const struct journal *j, const char *key, char *out, size_t len)
{
	size_t i;

	snprintf(out, len, "MEMPROBE_%s%s%s", j->list ? j->list : "", j->list ? "_" : "", key);
	for (i = 0; out[i]; i++)
		if (out[i] >= 'a' && out[i] <= 'z')
			out[i] -= 'a' - 'A';
}

static void v_str(void *ctx, const char *key, const char *val)
{
	char name[128];

	if (nested(ctx))
		return;
	name_of(ctx, key, name, sizeof(name));
	field(ctx, name, val ? val : "");
}

static void v_u64(void *ctx, const char *key, __u64 val)
{
	char name[128];

	if (nested(ctx))
		return;
	name_of(ctx, key, name, sizeof(name));
	fieldf(ctx, name, "%llu", (unsigned long long)val);
}

static void v_s64(void *ctx, const char *key, __s64 val)
{
	char name[128];

	if (nested(ctx))
		return;
	name_of(ctx, key, name, sizeof(name));
	fieldf(ctx, name, "%lld", (long long)val);
}

static void v_dbl(void *ctx, const char *key, double val, int decimals)
{
	char name[128];

	if (nested(ctx))
		return;
	name_of(ctx, key, name, sizeof(name));
	fieldf(ctx, name, "%.*f", decimals, val);
}

static void v_bool(void *ctx, const char *key, bool val)
{
	char name[128];

	if (nested(ctx))
		return;
	name_of(ctx, key, name, sizeof(name));
	field(ctx, name, val ? "1" : "0");
}

static void v_null(void *ctx, const char *key)
{
	(void)ctx;
	(void)key;	/* absent is what journald has for "unknown" */
}

static void v_u64_array(void *ctx, const char *key, const __u64 *val, size_t n)
{
	char name[128], text[MESSAGE_MAX];
	size_t i, at = 0;

	if (nested(ctx))
		return;
	name_of(ctx, key, name, sizeof(name));
	text[0] = '\0';
	for (i = 0; i < n && at < sizeof(text) - 24; i++)
		at += snprintf(text + at, sizeof(text) - at, "%s%llu", i ? " " : "", (unsigned long long)val[i]);
	field(ctx, name, text);
}

static void v_list_begin(void *ctx, const char *key)
{
	struct journal *j = ctx;

	if (!j->depth++)
		j->list = key;
}

static void v_item(void *ctx)
{
	(void)ctx;
}

static void v_list_end(void *ctx)
{
	struct journal *j = ctx;

	if (!--j->depth)
		j->list = NULL;
}

static const struct field_visitor to_journal = {
	.str = v_str, .u64 = v_u64, .s64 = v_s64, .dbl = v_dbl, .boolean = v_bool, .null = v_null,
	.u64_array = v_u64_array, .list_begin = v_list_begin, .item_begin = v_item, .item_end = v_item,
	.list_end = v_list_end,
};

static void begin(struct journal *j, const char *id, enum priority prio)
{
	buf_reset(&j->entry);
	j->list = NULL;
	j->depth = 0;
	field(j, "SYSLOG_IDENTIFIER", "memprobe");
	field(j, "MESSAGE_ID", id);
	fieldf(j, "PRIORITY", "%d", prio);
}

/* Says each kind of failure once a run; journald being away or slow never stops a run. */
static void failed(struct journal *j, int err)
{
	enum failure kind = err == ENOENT || err == ECONNREFUSED ? FAIL_ABSENT :
			    err == EAGAIN ? FAIL_BUSY : FAIL_OTHER;

	j->dropped++;
	if (j->said & kind)
		return;
	j->said |= kind;
	if (kind == FAIL_ABSENT)
		log_warn("journald is not running (%s): --journal entries are dropped, the run goes on",
			 JOURNAL_SOCKET);
	else if (kind == FAIL_BUSY)
		log_warn("journald is not keeping up: some --journal entries are dropped (counted at the end)");
	else
		log_errno(LOG_LVL_WARN, err, "journald refused an entry; --journal entries may be missing");
}

static int send_entry(struct journal *j, const char *message)
{
	struct iovec iov;
	struct msghdr mh = {
		.msg_name = &j->addr,
		.msg_namelen = sizeof(j->addr),
		.msg_iov = &iov,
		.msg_iovlen = 1,
	};

	field(j, "MESSAGE", message);
	if (j->entry.oom) {
		failed(j, ENOMEM);
		return 0;
	}
	iov.iov_base = j->entry.p;
	iov.iov_len = j->entry.len;
	if (sendmsg(j->fd, &mh, MSG_NOSIGNAL | MSG_DONTWAIT) < 0) {
		failed(j, errno);
		return 0;
	}
	j->sent++;
	return 0;
}

static enum priority verdict_priority(const char *v)
{
	return !strcmp(v, "leak") ? PRIO_ERR : !strcmp(v, "warning") ? PRIO_WARNING : PRIO_INFO;
}

static int jr_start(struct sink *s, const struct rec_start *r)
{
	struct journal *j = s->priv;
	char msg[MESSAGE_MAX];
	size_t i, at;

	begin(j, ID_START, PRIO_INFO);
	fields_start(r, &to_journal, j);
	at = snprintf(msg, sizeof(msg), "memprobe %s started, watching %s", MEMPROBE_VERSION,
		      r->machine ? "the whole machine" : "");
	for (i = 0; !r->machine && i < r->n_targets && at < sizeof(msg); i++)
		at += snprintf(msg + at, sizeof(msg) - at, "%s%s", i ? ", " : "", SAFE(j, 0, r->targets[i].cgroup));
	return send_entry(j, msg);
}

/* Growth stacks: the code path that grows, at the end of MESSAGE. */
static void top_stack(struct journal *j, char *msg, size_t len, const char *stack)
{
	size_t at = strlen(msg);

	if (stack && *stack && at < len)
		snprintf(msg + at, len - at, "; growing in: %s", SAFE(j, 2, stack));
}

static int jr_summaries(struct sink *s, const struct rec_summary *r, size_t n)
{
	struct journal *j = s->priv;
	char msg[MESSAGE_MAX], a[32], b[32], c[32], d[32], e[32], f[32];
	size_t i;

	for (i = 0; i < n; i++) {
		begin(j, ID_SUMMARY, verdict_priority(r[i].verdict.verdict));
		fields_summary(&r[i], &to_journal, j);
		snprintf(msg, sizeof(msg),
			 "%s summary for %s over %.0fs: verdict %s%s (%s)%s; anon %s (%s since the start%s%s); page cache %s, %s in, %s out (%s); %llu OOM kills, %llu orphaned SysV segments",
			 r[i].interim ? "periodic" : "final", SAFE(j, 0, r[i].cgroup), r[i].duration_s, r[i].verdict.verdict,
			 r[i].processes_exited ? " while it ran" : "", r[i].verdict.reason,
			 r[i].processes_exited ? "; its processes have exited" : "",
			 fmt_bytes(a, sizeof(a), (double)r[i].anon_bytes), fmt_bytes(b, sizeof(b), (double)r[i].anon_growth_bytes),
			 r[i].processes_exited ? "; when they last ran " : "",
			 r[i].processes_exited ? fmt_bytes(f, sizeof(f), (double)r[i].anon_last_running_bytes) : "",
			 fmt_bytes(c, sizeof(c), (double)r[i].page_cache_bytes),
			 fmt_bytes(d, sizeof(d), (double)r[i].page_cache_added_bytes),
			 fmt_bytes(e, sizeof(e), (double)r[i].page_cache_removed_bytes), r[i].page_cache_note,
			 (unsigned long long)r[i].oom_kills, (unsigned long long)r[i].shm_orphans);
		if (r[i].health.forecast.known && strlen(msg) + 3 < sizeof(msg)) {
			size_t at = strlen(msg);

			snprintf(msg + at, sizeof(msg) - at, "; ");
			say_forecast(msg + at + 2, sizeof(msg) - at - 2, r[i].cgroup, &r[i].health.limits,
				     &r[i].health.forecast);
		}
		top_stack(j, msg, sizeof(msg), r[i].top_stack);
		send_entry(j, msg);
	}
	return 0;
}

/* Whether a per-call shm entry may go now; a notice says how many did not. */
static bool shm_allowed(struct journal *j)
{
	double now = now_monotonic();
	char msg[128];

	j->shm_tokens += (now - j->shm_refill) * SHM_PER_S;
	if (j->shm_tokens > SHM_BURST)
		j->shm_tokens = SHM_BURST;
	j->shm_refill = now;
	if (j->shm_tokens < 1) {
		j->shm_held++;
		return false;
	}
	j->shm_tokens--;
	if (j->shm_held) {
		begin(j, ID_SHM, PRIO_INFO);
		fieldf(j, "MEMPROBE_HELD_BACK", "%llu", j->shm_held);
		snprintf(msg, sizeof(msg), "%llu SysV shared memory events were not journaled (more than %d a second)",
			 j->shm_held, SHM_PER_S);
		send_entry(j, msg);
		j->shm_held = 0;
	}
	return true;
}

static int jr_shm(struct sink *s, const struct rec_shm *r)
{
	struct journal *j = s->priv;
	char msg[MESSAGE_MAX], a[32];

	if (!shm_allowed(j))
		return 0;
	begin(j, ID_SHM, PRIO_INFO);
	fields_shm(r, &to_journal, j);
	snprintf(msg, sizeof(msg), "SysV shared memory %s: id %d, key 0x%08x, %s, by %u (%s) in %s", r->event,
		 r->shmid, (unsigned int)r->key, fmt_bytes(a, sizeof(a), (double)r->size_bytes), r->pid, SAFE(j, 0, r->comm),
		 SAFE(j, 1, r->cgroup));
	return send_entry(j, msg);
}

static int jr_shm_orphan(struct sink *s, const struct rec_shm_orphan *r)
{
	struct journal *j = s->priv;
	char msg[MESSAGE_MAX], a[32];

	begin(j, ID_SHM_ORPHAN, PRIO_WARNING);
	fields_shm_orphan(r, &to_journal, j);
	snprintf(msg, sizeof(msg),
		 "orphaned SysV shared memory segment %d (key 0x%08x, %s) in %s: nothing attached, creator %u%s%s%s gone, not marked for removal; remove it with: %s",
		 r->shmid, (unsigned int)r->key, fmt_bytes(a, sizeof(a), (double)r->size_bytes),
		 *r->cgroup ? SAFE(j, 0, r->cgroup) : "an unknown cgroup", r->creator_pid, *r->creator_comm ? " (" : "",
		 SAFE(j, 1, r->creator_comm), *r->creator_comm ? ")" : "", r->remove_command);
	return send_entry(j, msg);
}

static int jr_oom_kill(struct sink *s, const struct rec_oom_kill *r)
{
	struct journal *j = s->priv;
	char msg[MESSAGE_MAX], a[32], b[32];

	begin(j, ID_OOM_KILL, PRIO_CRIT);
	fields_oom_kill(r, &to_journal, j);
	if (!strcmp(r->scope, "cgroup"))
		snprintf(msg, sizeof(msg), "OOM kill: pid %u (%s) in %s with %s anon; %s hit its limit of %s", r->pid,
			 SAFE(j, 0, r->comm), SAFE(j, 1, r->cgroup), fmt_bytes(a, sizeof(a), (double)r->anon_rss_bytes), SAFE(j, 2, r->oom_cgroup),
			 fmt_bytes(b, sizeof(b), (double)r->limit_bytes));
	else
		snprintf(msg, sizeof(msg), "OOM kill: pid %u (%s) in %s with %s anon; scope %s",
			 r->pid, SAFE(j, 0, r->comm), SAFE(j, 1, r->cgroup), fmt_bytes(a, sizeof(a), (double)r->anon_rss_bytes), r->scope);
	return send_entry(j, msg);
}

static int jr_verdict_change(struct sink *s, const struct rec_verdict_change *r)
{
	struct journal *j = s->priv;
	char msg[MESSAGE_MAX];

	begin(j, ID_VERDICT, verdict_priority(r->verdict.verdict));
	fields_verdict_change(r, &to_journal, j);
	snprintf(msg, sizeof(msg), "%s: memory verdict %s -> %s: %s", SAFE(j, 0, r->cgroup), r->previous, r->verdict.verdict,
		 r->verdict.reason);
	top_stack(j, msg, sizeof(msg), r->top_stack);
	return send_entry(j, msg);
}

static int jr_forecast_change(struct sink *s, const struct rec_forecast_change *r)
{
	struct journal *j = s->priv;
	char msg[MESSAGE_MAX], d[32];
	int n;

	begin(j, ID_FORECAST, r->below_horizon ? PRIO_WARNING : PRIO_INFO);
	fields_forecast_change(r, &to_journal, j);
	fmt_duration(d, sizeof(d), r->horizon_s);
	if (r->below_horizon) {
		say_forecast(msg, sizeof(msg), r->cgroup, &r->limits, &r->forecast);
		n = (int)strlen(msg);
		snprintf(msg + n, sizeof(msg) - n, ": within the %s horizon", d);
	} else {
		snprintf(msg, sizeof(msg), "%s no longer reaches its memory limit within %s at its present rate",
			 SAFE(j, 0, r->cgroup), d);
	}
	return send_entry(j, msg);
}

static int jr_memory_event(struct sink *s, const struct rec_memory_event *r)
{
	struct journal *j = s->priv;
	char msg[MESSAGE_MAX];

	begin(j, ID_MEMORY_EVENT, PRIO_WARNING);
	fields_memory_event(r, &to_journal, j);
	return send_entry(j, say_memory_event(msg, sizeof(msg), r->cgroup, r));
}

static void jr_destroy(struct sink *s)
{
	struct journal *j = s->priv;

	if (j->dropped)
		log_warn("%llu of %llu journal entries could not be delivered", j->dropped, j->dropped + j->sent);
	if (j->shm_held)
		log_info("%llu SysV shared memory events were not journaled (rate limit)", j->shm_held);
	if (j->fd >= 0)
		close(j->fd);
	buf_free(&j->entry);
	free(j);
	free(s);
}

static const struct sink_ops journal_ops = {
	.start = jr_start,
	.summaries = jr_summaries,
	.shm = jr_shm,
	.shm_orphan = jr_shm_orphan,
	.oom_kill = jr_oom_kill,
	.verdict_change = jr_verdict_change,
	.forecast_change = jr_forecast_change,
	.memory_event = jr_memory_event,
	.destroy = jr_destroy,
};

struct sink *sink_journal_new(void)
{
	struct sink *s = calloc(1, sizeof(*s));
	struct journal *j = calloc(1, sizeof(*j));

	if (!s || !j)
		goto fail;
	j->fd = -1;
	j->fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (j->fd < 0)
		goto fail;
	j->shm_tokens = SHM_BURST;
	j->shm_refill = now_monotonic();
	j->addr.sun_family = AF_UNIX;
	snprintf(j->addr.sun_path, sizeof(j->addr.sun_path), "%s", JOURNAL_SOCKET);
	s->ops = &journal_ops;
	s->priv = j;
	return s;
fail:
	if (j && j->fd >= 0)
		close(j->fd);
	free(j);
	free(s);
	return NULL;
}

bool sink_journal_dropped(const struct sinks *ss, unsigned long long *dropped)
{
	size_t i;

	for (i = 0; i < ss->n; i++) {
		if (ss->v[i]->ops != &journal_ops)
			continue;
		*dropped = ((const struct journal *)ss->v[i]->priv)->dropped;
		return true;
	}
	return false;
}
