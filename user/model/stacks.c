// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The growth stacks of model/stacks.h. A sample's frames are named once,
 * interned, and the stack found by a hash of its frames; live samples are
 * found by id when their page is freed. Everything has a bound: stacks and
 * (stack, cgroup) pairs by STACKS_MAX and STACKS_AGG_MAX, live samples by
 * the kernel's map of sampled pages, strings by the frames kept.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "model/stacks.h"
#include "sys/intern.h"
#include "sys/util.h"


/* ---- live samples: id -> what it stands for, linear probing with backward-shift deletion ---- */

struct live_entry {
	__u64 id;			/* 0: empty */
	__u64 weight;
	__u64 start_ns;
	__u32 agg;
	__u32 tgid;
	bool moved;			/* its page left the process's mapping by reclaim or migration */
};

struct live {
	struct live_entry *v;
	size_t n, cap, moved;
};

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
	struct live_entry le;
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
	if (e->head.flags & MP_STACK_FREED) {
		a->freed_bytes += e->weight;
		return 0;
	}
	le = (struct live_entry){ .id = e->head.id, .weight = e->weight, .start_ns = e->start_ns,
				  .agg = a - s->aggs, .tgid = e->head.tgid };
	return live_put(s->live, &le);
}

void stacks_freed(struct stacks *s, const struct mp_stack_head *h)
{
	struct live *l = s->live;
	struct live_entry *e = live_get(l, h->id);

	if (!e) {
		s->counts.unknown_frees++;
		return;
	}
	/* Reclaimed or migrated: the memory is still the process's, somewhere memprobe no longer sees. */
	if (h->flags & MP_STACK_MOVED) {
		if (!e->moved)
			l->moved++;
		e->moved = true;
		return;
	}
	if (e->moved)
		l->moved--;
	s->aggs[e->agg].freed_bytes += e->weight;
	live_del(l, e);
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

/* Moved samples of processes that have exited are not the process's any more. */
static void drop_exited(struct stacks *s)
{
	struct live *l = s->live;
	size_t i = 0;

	while (l->moved && i < l->cap) {
		struct live_entry *e = &l->v[i];

		if (!e->id || !e->moved || unwinder_process_alive(e->tgid, e->start_ns)) {
			i++;
			continue;
		}
		s->aggs[e->agg].freed_bytes += e->weight;
		s->counts.exited_moved++;
		l->moved--;
		live_del(l, e);	/* a later entry may shift into i: look at i again */
	}
}

void stacks_tick(struct stacks *s, double t)
{
	size_t i;

	drop_exited(s);
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
