// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The growth stacks of model/stacks.h. A sample's frames are named once,
 * interned, and the stack found by a hash of its frames; live samples are
 * found by process and address, which is what the process gives back.
 * Everything has a bound: stacks and (stack, cgroup) pairs by STACKS_MAX
 * and STACKS_AGG_MAX, live samples by MP_STACK_PAGES, strings by the
 * frames kept.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "model/stacks.h"
#include "sys/intern.h"
#include "sys/util.h"


/* ---- live samples: (process, page address) -> what it stands for, linear probing with backward-shift deletion ---- */

struct live_entry {
	__u64 id;			/* LIVE_KEY(tgid, addr); 0: empty */
	__u64 weight;
	__u64 start_ns;
	__u32 agg;
	__u32 tgid;
};

struct live {
	struct live_entry *v;
	size_t n, cap;
};

/* User addresses fit in 47 bits, pids in 22: a page's number and its process in one key, never 0. */
#define LIVE_PAGE_BITS		36
#define LIVE_KEY(tgid, addr)	((__u64)(tgid) << LIVE_PAGE_BITS | (addr) >> 12)
#define LIVE_ADDR(id)		(((id) & ((1ULL << LIVE_PAGE_BITS) - 1)) << 12)

static size_t live_slot(__u64 id, size_t cap)
{
	return (id * 0x9e3779b97f4a7c15ULL >> 17) & (cap - 1);
}

static int live_put(struct live *l, const struct live_entry *e)
{
	size_t k, i;

	if (2 * (l->n + 1) > l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 1024;
		struct live_entry *v = calloc(cap, sizeof(*v));

		if (!v)
			return -ENOMEM;
		for (i = 0; i < l->cap; i++) {
			if (!l->v[i].id)
				continue;
			for (k = live_slot(l->v[i].id, cap); v[k].id; k = (k + 1) & (cap - 1))
				;
			v[k] = l->v[i];
		}
		free(l->v);
		l->v = v;
		l->cap = cap;
	}
	for (k = live_slot(e->id, l->cap); l->v[k].id && l->v[k].id != e->id; k = (k + 1) & (l->cap - 1))
		;
	if (!l->v[k].id)
		l->n++;
	l->v[k] = *e;
	return 0;
}

static struct live_entry *live_get(struct live *l, __u64 id)
{
	size_t k;

	if (!l->cap)
		return NULL;
	for (k = live_slot(id, l->cap); l->v[k].id; k = (k + 1) & (l->cap - 1))
		if (l->v[k].id == id)
			return &l->v[k];
	return NULL;
}

static void live_del(struct live *l, struct live_entry *e)
{
	size_t hole = e - l->v, k = hole, want;

	l->n--;
	for (;;) {
		k = (k + 1) & (l->cap - 1);
		if (!l->v[k].id)
			break;
		want = live_slot(l->v[k].id, l->cap);
		/* Move k into the hole unless its home lies cyclically in (hole, k]. */
		if ((k > hole && (want <= hole || want > k)) || (k < hole && want <= hole && want > k)) {
			l->v[hole] = l->v[k];
			hole = k;
		}
	}
	memset(&l->v[hole], 0, sizeof(l->v[hole]));
}

/* ---- stacks ---- */

/*
 * The allocator's own frames, which the table and the journal skip: the C
 * library (malloc, and the string functions that first touch fresh memory),
 * C++ and replacement allocators, and the allocation entry points of
 * CPython and numpy.
 */
static bool allocator_frame(const struct stk_frame *f)
{
	static const char *const libs[] = { "libc.so", "libc-", "libstdc++", "libjemalloc", "libtcmalloc",
					    "libmimalloc" };
	static const char *const names[] = {
		"malloc", "calloc", "realloc", "reallocarray", "memalign", "aligned_alloc", "posix_memalign",
		"valloc", "pvalloc", "_PyObject_Malloc", "PyObject_Malloc", "_PyObject_Calloc", "PyObject_Calloc",
		"_PyObject_Realloc", "PyObject_Realloc", "PyMem_Malloc", "PyMem_Calloc", "PyMem_Realloc",
		"PyMem_RawMalloc", "PyMem_RawCalloc", "PyMem_RawRealloc", "_PyMem_RawMalloc", "_PyMem_RawCalloc",
		"_PyMem_RawRealloc", "pymalloc_alloc", "PyDataMem_UserNEW", "PyDataMem_UserNEW_ZEROED",
		"PyDataMem_UserRENEW", "default_malloc", "default_calloc", "default_realloc", "npy_alloc_cache",
		"npy_alloc_cache_zero",
	};
	const char *m = path_base(f->module);
	size_t i;

	for (i = 0; i < sizeof(libs) / sizeof(libs[0]); i++)
		if (!strncmp(m, libs[i], strlen(libs[i])))
			return true;
	if (!strncmp(f->function, "_Znw", 4) || !strncmp(f->function, "_Zna", 4))
		return true;
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (!strcmp(f->function, names[i]))
			return true;
	return false;
}

static unsigned int own_frame(const struct stk_frame *f, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n && allocator_frame(&f[i]); i++)
		;
	return i < n ? i : 0;
}

static __u64 hash_frames(const struct stk_frame *f, unsigned int n)
{
	__u64 h = INTERN_HASH_INIT;
	unsigned int i;

	for (i = 0; i < n; i++) {
		h = intern_hash(&f[i].module, sizeof(f[i].module), h);
		h = intern_hash(&f[i].function, sizeof(f[i].function), h);
		h = intern_hash(&f[i].offset, sizeof(f[i].offset), h);
	}
	return h;
}

static bool same_frames(const struct stk_frame *a, const struct stk_frame *b, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		if (a[i].module != b[i].module || a[i].function != b[i].function || a[i].offset != b[i].offset)
			return false;
	return true;
}

/* The stack with these frames, added if new; the overflow stack once the table is full. */
static int find_stack(struct stacks *s, const struct stk_frame *f, unsigned int n, unsigned int *out)
{
	__u64 h = hash_frames(f, n);
	struct stk_stack *st;
	size_t i;

	for (i = 0; i < s->n_stacks; i++) {
		st = &s->stacks[i];
		if (st->hash == h && st->n_frames == n && same_frames(st->frames, f, n)) {
			*out = i;
			return 0;
		}
	}
	if (s->n_stacks >= STACKS_MAX - 1 || s->n_frames + n > s->cap_frames) {
		static const struct stk_frame other = { .function = "[other stacks]", .module = "", .file = "" };

		s->counts.table_full++;
		if (!s->other) {
			s->stacks[s->n_stacks] = (struct stk_stack){ .hash = 0, .frames = &other, .n_frames = 1 };
			s->other = ++s->n_stacks;
		}
		*out = s->other - 1;
		return 0;
	}
	memcpy(&s->frames[s->n_frames], f, n * sizeof(*f));
	st = &s->stacks[s->n_stacks];
	st->hash = h;
	st->frames = &s->frames[s->n_frames];
	st->n_frames = n;
	st->own = own_frame(st->frames, n);
	s->n_frames += n;
	*out = s->n_stacks++;
	return 0;
}

static struct stk_agg *find_agg(struct stacks *s, unsigned int stack, __u64 cgid)
{
	size_t i;

	for (i = 0; i < s->n_aggs; i++)
		if (s->aggs[i].stack == stack && s->aggs[i].cgid == cgid)
			return &s->aggs[i];
	if (s->n_aggs == STACKS_AGG_MAX)
		return NULL;
	memset(&s->aggs[s->n_aggs], 0, sizeof(s->aggs[0]));
	s->aggs[s->n_aggs].stack = stack;
	s->aggs[s->n_aggs].cgid = cgid;
	return &s->aggs[s->n_aggs++];
}

static void add_pid(__u32 *pids, unsigned int *n, bool *more, __u32 pid)
{
	unsigned int i;

	for (i = 0; i < *n; i++)
		if (pids[i] == pid)
			return;
	if (*n < STACKS_PIDS)
		pids[(*n)++] = pid;
	else
		*more = true;
}

int stacks_init(struct stacks *s, __u64 rate_bytes, double window_s)
{
	memset(s, 0, sizeof(*s));
	s->rate_bytes = rate_bytes;
	s->window_s = window_s;
	s->cap_frames = STACKS_MAX * 24;
	s->stacks = calloc(STACKS_MAX, sizeof(*s->stacks));
	s->aggs = calloc(STACKS_AGG_MAX, sizeof(*s->aggs));
	s->frames = calloc(s->cap_frames, sizeof(*s->frames));
	s->strings = calloc(1, sizeof(struct intern));
	s->live = calloc(1, sizeof(struct live));
	s->scratch = calloc(UNWIND_MAX_FRAMES, sizeof(*s->scratch));
	if (!s->stacks || !s->aggs || !s->frames || !s->strings || !s->live || !s->scratch) {
		stacks_free(s);
		return -ENOMEM;
	}
	return 0;
}

void stacks_free(struct stacks *s)
{
	struct live *l;

	if (!s)
		return;
	l = s->live;
	if (l)
		free(l->v);
	free(l);
	intern_free(s->strings);
	free(s->strings);
	free(s->stacks);
	free(s->aggs);
	free(s->frames);
	free(s->scratch);
	memset(s, 0, sizeof(*s));
}

int stacks_sample(struct stacks *s, struct unwinder *u, const struct mp_stack_event *e)
{
	struct stk_frame f[UNWIND_MAX_FRAMES];
	struct unwind_input in = {
		.tgid = e->head.tgid, .tid = e->head.tid, .start_ns = e->start_ns, .mm = e->mm, .regs = e->regs,
		.stack = e->stack, .stack_size = e->stack_size,
	};
	struct live_entry le, *old;
	struct stk_agg *a;
	unsigned int stack;
	size_t n, i;
	int r;

	if (e->stack_size > MP_STACK_BYTES || e->head.hdr.size < sizeof(*e) - MP_STACK_BYTES + e->stack_size)
		return 0;	/* torn: the ring checked the header only */
	n = u ? unwinder_unwind(u, &in, s->scratch, UNWIND_MAX_FRAMES) : 0;
	if (!n) {
		s->scratch[0] = (struct unwind_frame){ .pc = e->regs[16], .offset = e->regs[16], .function = "",
						       .module = "", .file = "" };
		n = 1;
	}
	for (i = 0; i < n; i++) {
		f[i].function = intern(s->strings, s->scratch[i].function);
		f[i].module = intern(s->strings, s->scratch[i].module);
		f[i].file = intern(s->strings, s->scratch[i].file);
		if (!f[i].function || !f[i].module || !f[i].file)
			return -ENOMEM;
		f[i].offset = s->scratch[i].offset;
		f[i].line = s->scratch[i].line;
	}
	r = find_stack(s, f, n, &stack);
	if (r)
		return r;
	a = find_agg(s, stack, e->cgid);
	if (!a) {
		s->counts.table_full++;
		return 0;
	}
	a->sampled_bytes += e->weight;
	a->samples++;
	add_pid(a->pids, &a->n_pids, &a->more_pids, e->head.tgid);
	le = (struct live_entry){ .id = LIVE_KEY(e->head.tgid, e->addr), .weight = e->weight,
				  .start_ns = e->start_ns, .agg = a - s->aggs, .tgid = e->head.tgid };
	old = live_get(s->live, le.id);
	/* Sampled again where a page was: that one was given back by a way no event reports. */
	if (old) {
		s->aggs[old->agg].freed_bytes += old->weight;
		s->counts.replaced++;
		live_del(s->live, old);
	}
	if (((struct live *)s->live)->n >= MP_STACK_PAGES) {
		a->freed_bytes += e->weight;
		s->counts.live_full++;
		return 0;
	}
	return live_put(s->live, &le);
}

static void given_back(struct stacks *s, struct live_entry *e)
{
	s->aggs[e->agg].freed_bytes += e->weight;
	live_del(s->live, e);
}

/* Each live sample of tgid in [start, end) goes to fn; fn may delete it. */
static void each_in_range(struct stacks *s, __u32 tgid, __u64 start, __u64 end,
			  void (*fn)(struct stacks *s, struct live_entry *e, void *ctx), void *ctx)
{
	struct live *l = s->live;
	struct live_entry *e;
	__u64 a, i = 0;

	if (!l->n || end <= start)
		return;
	/* Page by page while that is fewer looks than the table has slots. */
	if ((end - start) >> 12 <= l->cap) {
		for (a = start & ~4095ULL; a < end; a += 4096) {
			e = live_get(l, LIVE_KEY(tgid, a));
			if (e)
				fn(s, e, ctx);
		}
		return;
	}
	while (i < l->cap) {
		e = &l->v[i];
		a = LIVE_ADDR(e->id);
		if (e->id && e->tgid == tgid && a >= start && a < end) {
			size_t n = l->n;

			fn(s, e, ctx);
			if (l->n < n)
				continue;	/* deleted: a later entry may have shifted into i */
		}
		i++;
	}
}

static void unmap_one(struct stacks *s, struct live_entry *e, void *ctx)
{
	(void)ctx;
	s->counts.unmapped++;
	given_back(s, e);
}

void stacks_unmap(struct stacks *s, __u32 tgid, __u64 start, __u64 len)
{
	each_in_range(s, tgid, start, start + len, unmap_one, NULL);
}

struct moving {
	struct live_entry *v;
	size_t n, cap;
	__s64 by;
};

static void move_one(struct stacks *s, struct live_entry *e, void *ctx)
{
	struct moving *m = ctx;

	if (m->n < m->cap)
		m->v[m->n++] = *e;
	live_del(s->live, e);
}

void stacks_move(struct stacks *s, __u32 tgid, __u64 start, __u64 len, __u64 to, __u64 new_len)
{
	__u64 kept = new_len < len ? new_len : len, pages = (kept + 4095) >> 12;
	struct moving m = { .cap = ((struct live *)s->live)->n, .by = (__s64)(to - start) };
	size_t i;

	/* No more samples can move than the range has pages. */
	if (pages < m.cap)
		m.cap = pages;

	/* Shrunk: the tail is given back, moved or not. */
	if (new_len < len)
		each_in_range(s, tgid, start + new_len, start + len, unmap_one, NULL);
	if (to == start || !m.cap)
		return;
	m.v = calloc(m.cap, sizeof(*m.v));
	if (!m.v)
		return;
	each_in_range(s, tgid, start, start + kept, move_one, &m);
	for (i = 0; i < m.n; i++) {
		m.v[i].id = LIVE_KEY(tgid, LIVE_ADDR(m.v[i].id) + m.by);
		s->counts.moved++;
		if (live_put(s->live, &m.v[i]))
			s->aggs[m.v[i].agg].freed_bytes += m.v[i].weight;
	}
	free(m.v);
}

void stacks_exec(struct stacks *s, __u32 tgid)
{
	each_in_range(s, tgid, 0, 1ULL << (LIVE_PAGE_BITS + 12), unmap_one, NULL);
}

static int by_key(const void *x, const void *y)
{
	__u64 a = *(const __u64 *)x, b = *(const __u64 *)y;

	return a < b ? -1 : a > b;
}

int stacks_sweep(struct stacks *s, stacks_mapped_fn mapped, void *ctx)
{
	struct live *l = s->live;
	struct live_entry *e;
	__u64 *keys;
	size_t i, n = 0;
	int r;

	if (!l->n)
		return 0;
	/* By process, then address: each process's pagemap is read in order. */
	keys = calloc(l->n, sizeof(*keys));
	if (!keys)
		return -ENOMEM;
	for (i = 0; i < l->cap; i++)
		if (l->v[i].id)
			keys[n++] = l->v[i].id;
	qsort(keys, n, sizeof(*keys), by_key);
	for (i = 0; i < n; i++) {
		e = live_get(l, keys[i]);
		if (!e)
			continue;
		r = mapped(ctx, e->tgid, e->start_ns, LIVE_ADDR(e->id));
		if (r < 0)
			continue;	/* not known: kept */
		if (!r) {
			s->counts.swept++;
			given_back(s, e);
		}
	}
	free(keys);
	return 0;
}

static void fit_add(struct stk_fit *f, double t, double v)
{
	if (!f->n)
		f->t0 = t;
	f->t1 = t;
	t -= f->t0;
	f->n++;
	f->st += t;
	f->sv += v;
	f->stt += t * t;
	f->stv += t * v;
}

static double fit_slope(const struct stk_fit *f)
{
	double d = f->n * f->stt - f->st * f->st;

	return f->n >= 2 && d > 0 ? (f->n * f->stv - f->st * f->sv) / d : 0;
}

void stacks_tick(struct stacks *s, double t)
{
	size_t i;

	for (i = 0; i < s->n_aggs; i++) {
		struct stk_agg *a = &s->aggs[i];
		double v = (double)(a->sampled_bytes - a->freed_bytes);

		/* Two fits, the newer started later: the older gives way once the newer covers half the window. */
		fit_add(&a->fit, t, v);
		fit_add(&a->next, t, v);
		if (a->next.t1 - a->next.t0 >= s->window_s / 2) {
			a->fit = a->next;
			memset(&a->next, 0, sizeof(a->next));
		}
	}
}

static int by_stack(const void *x, const void *y)
{
	const struct stk_agg *a = *(const struct stk_agg *const *)x, *b = *(const struct stk_agg *const *)y;

	return a->stack < b->stack ? -1 : a->stack > b->stack;
}

static int by_in_use(const void *x, const void *y)
{
	const struct stk_top *a = x, *b = y;

	if (a->in_use_bytes != b->in_use_bytes)
		return a->in_use_bytes < b->in_use_bytes ? 1 : -1;
	return a->sampled_bytes < b->sampled_bytes ? 1 : a->sampled_bytes > b->sampled_bytes ? -1 : 0;
}

/* Every stack of t, its cgroups summed; the caller frees *out. */
static size_t target_stacks(const struct stacks *s, const struct target *t, struct stk_top **out)
{
	const struct stk_agg **mine = calloc(s->n_aggs + 1, sizeof(*mine));
	struct stk_top *v = calloc(s->n_aggs + 1, sizeof(*v));
	size_t i, k = 0, n = 0, p;

	*out = v;
	if (!mine || !v) {
		free(mine);
		return 0;
	}
	for (i = 0; i < s->n_aggs; i++)
		if (target_contains(t, s->aggs[i].cgid))
			mine[k++] = &s->aggs[i];
	qsort(mine, k, sizeof(*mine), by_stack);
	for (i = 0; i < k; i++) {
		const struct stk_agg *a = mine[i];
		struct stk_top *top;

		if (!n || v[n - 1].stack != &s->stacks[a->stack])
			v[n++] = (struct stk_top){ .stack = &s->stacks[a->stack] };
		top = &v[n - 1];
		top->in_use_bytes += a->sampled_bytes - a->freed_bytes;
		top->sampled_bytes += a->sampled_bytes;
		top->samples += a->samples;
		/* Slopes of fits over the same times add up; these differ only by when each began. */
		top->growth_bytes_per_hour += fit_slope(&a->fit) * 3600;
		for (p = 0; p < a->n_pids; p++)
			add_pid(top->pids, &top->n_pids, &top->more_pids, a->pids[p]);
		top->more_pids |= a->more_pids;
	}
	free(mine);
	qsort(v, n, sizeof(*v), by_in_use);
	return n;
}

size_t stacks_top(const struct stacks *s, const struct target *t, struct stk_top *out, size_t max)
{
	struct stk_top *all;
	size_t n = target_stacks(s, t, &all);

	if (n > max)
		n = max;
	if (all)
		memcpy(out, all, n * sizeof(*out));
	free(all);
	return n;
}

bool stacks_leading(const struct stacks *s, const struct target *t, struct stk_top *out)
{
	double least = s->window_s > 0 ? s->rate_bytes / s->window_s * 3600 : 0;
	struct stk_top *all;
	size_t n = target_stacks(s, t, &all), i, best = 0;

	for (i = 1; i < n; i++)
		if (all[i].growth_bytes_per_hour > all[best].growth_bytes_per_hour)
			best = i;
	if (n && all[best].growth_bytes_per_hour <= least)
		best = 0;
	if (n)
		*out = all[best];
	free(all);
	return n && out->in_use_bytes;
}

const char *stacks_frame_name(const struct stk_frame *f, char *buf, size_t len)
{
	if (*f->function)
		return f->function;
	snprintf(buf, len, "[%s+0x%llx]", *f->module ? path_base(f->module) : "unknown",
		 (unsigned long long)f->offset);
	return buf;
}

/* A frame as a folded-stack element: no ';' (the separator) and no newline. */
static void put_folded(FILE *f, const char *name)
{
	for (; *name; name++)
		fputc(*name == ';' ? ':' : (*name == '\n' || *name == '\r') ? ' ' : *name, f);
}

int stacks_write_folded(const struct stacks *s, const struct target *t, const char *prefix, FILE *f)
{
	struct stk_top *all;
	size_t n = target_stacks(s, t, &all), i;
	char buf[UNWIND_NAME_LEN + 32];
	int k;

	if (!all)
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		const struct stk_stack *st = all[i].stack;

		if (!all[i].in_use_bytes)
			continue;
		if (prefix) {
			put_folded(f, prefix);
			fputc(';', f);
		}
		for (k = (int)st->n_frames - 1; k >= 0; k--) {
			put_folded(f, stacks_frame_name(&st->frames[k], buf, sizeof(buf)));
			if (k)
				fputc(';', f);
		}
		fprintf(f, " %llu\n", (unsigned long long)all[i].in_use_bytes);
	}
	free(all);
	return ferror(f) ? -EIO : 0;
}
