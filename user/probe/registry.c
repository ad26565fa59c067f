// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <sched.h>
#include <string.h>
#include <stdio.h>
#include <bpf/btf.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "memprobe.skel.h"
#include "model/agg.h"
#include "options.h"
#include "probe/registry.h"
#include "sys/log.h"
#include "sys/loop.h"
#include "sys/util.h"

static const struct probe_ops *const all_probes[] = {
	&watch_probe,		/* first: the filter is in place before anything counts */
	&pagecache_probe,
	&rss_probe,
	&alloc_probe,
	&shm_probe,
	&oom_probe,
	&reclaim_probe,
	&shmem_probe,
	&stacks_probe,
};

_Static_assert(ARRAY_SIZE(all_probes) <= PROBES_MAX, "raise PROBES_MAX");

const char *probe_tp_arg_struct(const struct btf *btf, const char *tp, unsigned int arg)
{
	const struct btf_type *t;
	const struct btf_param *p;
	char name[128];
	int id;

	if (!btf)
		return NULL;
	snprintf(name, sizeof(name), "btf_trace_%s", tp);
	id = btf__find_by_name_kind(btf, name, BTF_KIND_TYPEDEF);
	if (id <= 0)
		return NULL;
	t = btf__type_by_id(btf, btf__resolve_type(btf, id));
	if (!t || !btf_is_ptr(t))
		return NULL;
	t = btf__type_by_id(btf, t->type);
	/* The first parameter is the tracepoint's private data; its arguments follow. */
	if (!t || !btf_is_func_proto(t) || btf_vlen(t) < arg + 2)
		return NULL;
	p = btf_params(t) + arg + 1;
	t = btf__type_by_id(btf, p->type);
	if (!t || !btf_is_ptr(t))
		return NULL;
	t = btf__type_by_id(btf, btf__resolve_type(btf, t->type));
	if (!t || !btf_is_struct(t))
		return NULL;
	return btf__name_by_offset(btf, t->name_off);
}

bool probe_maps_allocate_safely(const struct probe_env *env)
{
	return !env->btf || btf__find_by_name_kind(env->btf, "bpf_mem_alloc", BTF_KIND_STRUCT) > 0;
}

int probe_prealloc(const struct probe_env *env, struct bpf_map *map)
{
	if (probe_maps_allocate_safely(env))
		return 0;
	log_debug("no BPF memory allocator on this kernel: map %s is preallocated", bpf_map__name(map));
	return bpf_map__set_map_flags(map, bpf_map__map_flags(map) & ~BPF_F_NO_PREALLOC);
}

int probe_claim(const struct probe_env *env, struct bpf_program *prog)
{
	struct probe_slot *s = env->slot;

	if (s->n_progs == PROBE_PROGS_MAX)
		return -E2BIG;
	s->progs[s->n_progs++] = prog;
	return bpf_program__set_autoload(prog, true);
}

void probe_run_on_each_cpu(struct bpf_program *prog, bool adds_entries)
{
	int fd = bpf_program__fd(prog), cpu, n = libbpf_num_possible_cpus();
	bool moved = false;
	cpu_set_t was, one;
	__u64 ctx[1] = { 0 };

	if (adds_entries && !sched_getaffinity(0, sizeof(was), &was))
		moved = true;
	for (cpu = 0; cpu < n; cpu++) {
		LIBBPF_OPTS(bpf_test_run_opts, opts, .ctx_in = ctx, .ctx_size_in = sizeof(ctx),
			    .flags = BPF_F_TEST_RUN_ON_CPU, .cpu = cpu);

		/* On the CPU asked for, the kernel runs it in this thread; elsewhere from the interrupt. */
		if (moved && cpu < CPU_SETSIZE) {
			CPU_ZERO(&one);
			CPU_SET(cpu, &one);
			sched_setaffinity(0, sizeof(one), &one);
		}
		bpf_prog_test_run_opts(fd, &opts);
	}
	if (moved)
		sched_setaffinity(0, sizeof(was), &was);
}

int probe_supersede(const struct probe_env *env, struct bpf_program *old, struct bpf_program *prog)
{
	struct probes *p = env->probes;
	unsigned int i, k;

	for (i = 0; i < p->n; i++)
		for (k = 0; k < p->v[i].n_progs; k++) {
			struct probe_slot *s = &p->v[i];

			if (s->progs[k] != old)
				continue;
			memmove(&s->progs[k], &s->progs[k + 1], (s->n_progs - k - 1) * sizeof(s->progs[0]));
			s->n_progs--;
			bpf_program__set_autoload(old, false);
			break;
		}
	return probe_claim(env, prog);
}

int probe_ring(const struct probe_env *env, struct bpf_map *map, __u16 type, size_t min_size, ring_event_fn fn,
	       void *ctx)
{
	struct probe_slot *s = env->slot;

	s->ring_spec.map = map;
	s->ring_spec.type = type;
	s->ring_spec.min_size = min_size;
	s->ring_spec.fn = fn;
	s->ring_spec.ctx = ctx;
	return 0;
}

static void detach(struct probe_slot *s)
{
	ring_close(&s->ring);
	while (s->n_links)
		bpf_link__destroy(s->links[--s->n_links]);
}

static int attach(struct probe_slot *s)
{
	unsigned int i;
	int r;

	for (i = 0; i < s->n_progs; i++) {
		struct bpf_link *link = bpf_program__attach(s->progs[i]);

		if (!link)
			return -errno;
		s->links[s->n_links++] = link;
	}
	r = s->ops->attach ? s->ops->attach(s->state) : 0;
	if (r || !s->ring_spec.map)
		return r;
	return ring_open(&s->ring, bpf_map__fd(s->ring_spec.map), s->ring_spec.type, s->ring_spec.min_size,
			 s->ring_spec.fn, s->ring_spec.ctx);
}

static void drop_module(struct probes *p, unsigned int i)
{
	detach(&p->v[i]);
	p->v[i].ops->destroy(p->v[i].state);
	memmove(&p->v[i], &p->v[i + 1], (p->n - i - 1) * sizeof(p->v[0]));
	p->n--;
}

static void close_all(struct probes *p)
{
	while (p->n)
		drop_module(p, p->n - 1);
	memprobe_bpf__destroy(p->skel);
	p->skel = NULL;
}

/* Opens the object and the modules in want[], each claiming its programs. */
static int open_all(struct probes *p, const struct probe_env *base, const struct probe_ops *const *want,
		    size_t n_want)
{
	struct probe_env env = *base;
	struct bpf_program *prog;
	size_t i;
	int r;

	p->skel = memprobe_bpf__open();
	if (!p->skel)
		return log_err_errno(-errno, "cannot open the BPF object");
	env.skel = p->skel;
	env.probes = p;
	/* Nothing loads unless a module claims it. */
	bpf_object__for_each_program(prog, p->skel->obj)
		bpf_program__set_autoload(prog, false);
	for (i = 0; i < n_want; i++) {
		struct probe_slot *s = &p->v[p->n];

		memset(s, 0, sizeof(*s));
		s->ops = want[i];
		env.slot = s;
		r = want[i]->open(&s->state, &env);
		if (r && !want[i]->optional)
			return log_err_errno(r, "cannot open the %s probes", want[i]->name);
		if (r) {
			log_warn("%s probes unavailable: %s", want[i]->name, strerror(-r));
			while (s->n_progs)
				bpf_program__set_autoload(s->progs[--s->n_progs], false);
			continue;
		}
		p->n++;
	}
	return 0;
}

/*
 * The module whose program failed to load. libbpf stops at the first
 * failure and unloads every program, so only its own message says which.
 */
static const struct probe_ops *culprit(const struct probes *p)
{
	const char *name = log_bpf_failed_program();
	unsigned int i, k;

	for (i = 0; name && i < p->n; i++)
		for (k = 0; k < p->v[i].n_progs; k++)
			if (!strcmp(bpf_program__name(p->v[i].progs[k]), name))
				return p->v[i].ops;
	return NULL;
}

int probes_start(struct probes *p, const struct probe_env *base)
{
	const struct probe_ops *want[PROBES_MAX], *bad;
	struct probe_env with_btf = *base, *env = &with_btf;
	struct btf *btf;
	size_t n_want, i;
	unsigned int m;
	int r;

	memset(p, 0, sizeof(*p));
	/* Every module, but those that run on each page fault when the operator leaves them off. */
	for (i = 0, n_want = 0; i < ARRAY_SIZE(all_probes); i++)
		if (!env->o->no_fault_probes || !all_probes[i]->per_fault)
			want[n_want++] = all_probes[i];
	r = percpu_init(&p->pcpu, sizeof(__u64));
	if (r)
		return log_err_errno(r, "cannot set up the probes");
	/* Once for every module: a parse of the kernel's BTF costs tens of milliseconds. */
	btf = btf__load_vmlinux_btf();
	if (libbpf_get_error(btf))
		btf = NULL;
	with_btf.btf = btf;
	/* One load for every module; a module whose programs this kernel refuses is left out, and the rest loaded again. */
	for (;;) {
		r = open_all(p, env, want, n_want);
		if (r)
			goto fail;
		r = memprobe_bpf__load(p->skel);
		if (!r)
			break;
		bad = culprit(p);
		if (!bad || !bad->optional) {
			log_err_errno(r, "cannot load the %s probes", bad ? bad->name : "BPF");
			goto fail;
		}
		log_warn("%s probes unavailable on this kernel (load failed: %s); going on without them", bad->name,
			 strerror(-r));
		close_all(p);
		for (i = 0; i < n_want && want[i] != bad; i++)
			;
		memmove(&want[i], &want[i + 1], (n_want - i - 1) * sizeof(want[0]));
		n_want--;
	}
	for (m = 0; m < p->n;) {
		r = attach(&p->v[m]);
		if (!r) {
			m++;
			continue;
		}
		if (!p->v[m].ops->optional) {
			log_err_errno(r, "cannot attach the %s probes", p->v[m].ops->name);
			goto fail;
		}
		log_warn("%s probes unavailable on this kernel (attach failed: %s); going on without them",
			 p->v[m].ops->name, strerror(-r));
		drop_module(p, m);
	}
	btf__free(btf);
	return 0;
fail:
	btf__free(btf);
	probes_stop(p);
	return r;
}

int probes_collect(struct probes *p, struct agg *agg, bool final)
{
	unsigned int i;
	int r;

	agg_begin(agg);
	for (i = 0; i < p->n; i++) {
		if (!p->v[i].ops->collect)
			continue;
		r = p->v[i].ops->collect(p->v[i].state, agg, final);
		if (r)
			return log_err_errno(r, "cannot read the %s maps", p->v[i].ops->name);
	}
	r = percpu_add_drops(&p->pcpu, bpf_map__fd(p->skel->maps.drops), agg->drops);
	if (r)
		return log_err_errno(r, "cannot read the drop counters");
	return 0;
}

int probes_retire(struct probes *p, const __u64 *ids, size_t n, struct agg *last)
{
	unsigned int i;
	int r;

	for (i = 0; n && i < p->n; i++) {
		if (!p->v[i].ops->retire)
			continue;
		r = p->v[i].ops->retire(p->v[i].state, ids, n, last);
		if (r)
			return r;
	}
	return 0;
}

static int consume(void *ring)
{
	return ring_consume(ring);
}

int probes_watch(struct probes *p, struct loop *l)
{
	unsigned int i;
	int r;

	for (i = 0; i < p->n; i++) {
		if (!p->v[i].ring.rb)
			continue;
		r = loop_add(l, ring_fd(&p->v[i].ring), consume, &p->v[i].ring);
		if (r)
			return log_err_errno(r, "cannot watch the %s events", p->v[i].ops->name);
	}
	return 0;
}

int probes_drain(struct probes *p)
{
	unsigned int i;
	int r;

	for (i = 0; i < p->n; i++) {
		if (!p->v[i].ring.rb)
			continue;
		r = ring_consume(&p->v[i].ring);
		if (r)
			return r;
	}
	return 0;
}

void probes_stop(struct probes *p)
{
	close_all(p);
	percpu_free(&p->pcpu);
}

bool probes_have(const struct probes *p, const struct probe_ops *ops)
{
	unsigned int i;

	for (i = 0; i < p->n; i++)
		if (p->v[i].ops == ops)
			return true;
	return false;
}
