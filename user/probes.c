// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include "agg.h"
#include "log.h"
#include "loop.h"
#include "memprobe.skel.h"
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

int probe_autoload(struct bpf_program *const *progs, size_t n, bool on)
{
	size_t i;
	int r;

	for (i = 0; i < n; i++) {
		r = bpf_program__set_autoload(progs[i], on);
		if (r)
			return r;
	}
	return 0;
}

int probe_links_attach(struct probe_links *l, struct bpf_program *const *progs, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		struct bpf_link *link;

		if (!bpf_program__autoload(progs[i]))
			continue;
		if (l->n == PROBE_LINKS_MAX)
			return -E2BIG;
		link = bpf_program__attach(progs[i]);
		if (!link)
			return -errno;
		l->v[l->n++] = link;
	}
	return 0;
}

void probe_links_destroy(struct probe_links *l)
{
	while (l->n)
		bpf_link__destroy(l->v[--l->n]);
}

static void drop_module(struct probes *p, unsigned int i)
{
	p->ops[i]->destroy(p->state[i]);
	memmove(&p->ops[i], &p->ops[i + 1], (p->n - i - 1) * sizeof(p->ops[0]));
	memmove(&p->state[i], &p->state[i + 1], (p->n - i - 1) * sizeof(p->state[0]));
	p->n--;
}

static void close_all(struct probes *p)
{
	while (p->n)
		drop_module(p, p->n - 1);
	memprobe_bpf__destroy(p->skel);
	p->skel = NULL;
}

/*
 * Opens the object and the modules in want[]; owner[k] is the module that
 * marked program k for loading, so that a failed load can be laid at a
 * module's door.
 */
static int open_all(struct probes *p, const struct probe_env *base, const struct probe_ops *const *want,
		    size_t n_want, const struct probe_ops **owner, size_t max_owner)
{
	struct probe_env env = *base;
	struct bpf_program *prog;
	size_t i, k;
	int r;

	p->skel = memprobe_bpf__open();
	if (!p->skel)
		return log_err_errno(-errno, "cannot open the BPF object");
	env.skel = p->skel;
	/* Nothing loads unless a module asks for it. */
	bpf_object__for_each_program(prog, p->skel->obj)
		bpf_program__set_autoload(prog, false);
	for (i = 0; i < n_want; i++) {
		void *state = NULL;

		r = want[i]->open(&state, &env);
		if (r && !want[i]->optional)
			return log_err_errno(r, "cannot open the %s probes", want[i]->name);
		if (r) {
			log_warn("%s probes unavailable: %s", want[i]->name, strerror(-r));
			continue;
		}
		p->ops[p->n] = want[i];
		p->state[p->n++] = state;
		k = 0;
		bpf_object__for_each_program(prog, p->skel->obj) {
			if (k < max_owner && !owner[k] && bpf_program__autoload(prog))
				owner[k] = want[i];
			k++;
		}
	}
	return 0;
}

/*
 * When a program fails to load, libbpf unloads every other one: which
 * program failed is known only from libbpf's message naming it, which is
 * noted here on its way to the log. (libbpf's callback takes no context.)
 */
static libbpf_print_fn_t print_next;
static char failed_prog[128];

static int note_failure(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	if (level == LIBBPF_WARN && !strcmp(fmt, "libbpf: prog '%s': failed to load: %d\n")) {
		va_list copy;

		va_copy(copy, ap);
		snprintf(failed_prog, sizeof(failed_prog), "%s", va_arg(copy, const char *));
		va_end(copy);
	}
	return print_next ? print_next(level, fmt, ap) : 0;
}

static int load(struct probes *p)
{
	int r;

	failed_prog[0] = '\0';
	print_next = libbpf_set_print(note_failure);
	r = memprobe_bpf__load(p->skel);
	libbpf_set_print(print_next);
	return r;
}

/* The module whose program failed to load, or NULL if it was no program's fault. */
static const struct probe_ops *culprit(const struct probes *p, const struct probe_ops *const *owner, size_t max_owner)
{
	struct bpf_program *prog;
	size_t k = 0;

	bpf_object__for_each_program(prog, p->skel->obj) {
		if (k < max_owner && !strcmp(bpf_program__name(prog), failed_prog))
			return owner[k];
		k++;
	}
	return NULL;
}

int probes_start(struct probes *p, const struct probe_env *base)
{
	const struct probe_ops *want[PROBES_MAX], *owner[64], *bad;
	size_t n_want = ARRAY_SIZE(all_probes), i;
	struct probe_env env_btf = *base, *env = &env_btf;
	struct btf *btf;
	unsigned int m;
	int r;

	memset(p, 0, sizeof(*p));
	memcpy(want, all_probes, sizeof(all_probes));
	r = percpu_init(&p->pcpu, sizeof(__u64));
	if (r)
		return log_err_errno(r, "cannot set up the probes");
	/* Once for every module: a parse of the kernel's BTF costs tens of milliseconds. */
	btf = btf__load_vmlinux_btf();
	if (libbpf_get_error(btf))
		btf = NULL;
	env_btf.btf = btf;
	/* One load for every module; a module whose programs this kernel refuses is left out, and the rest loaded again. */
	for (;;) {
		memset(owner, 0, sizeof(owner));
		r = open_all(p, env, want, n_want, owner, ARRAY_SIZE(owner));
		if (r)
			goto fail;
		r = load(p);
		if (!r)
			break;
		bad = culprit(p, owner, ARRAY_SIZE(owner));
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
		r = p->ops[m]->attach(p->state[m]);
		if (!r) {
			m++;
			continue;
		}
		if (!p->ops[m]->optional) {
			log_err_errno(r, "cannot attach the %s probes", p->ops[m]->name);
			goto fail;
		}
		log_warn("%s probes unavailable on this kernel (attach failed: %s); going on without them",
			 p->ops[m]->name, strerror(-r));
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
		if (!p->ops[i]->collect)
			continue;
		r = p->ops[i]->collect(p->state[i], agg, final);
		if (r)
			return log_err_errno(r, "cannot read the %s maps", p->ops[i]->name);
	}
	r = percpu_add_drops(&p->pcpu, bpf_map__fd(p->skel->maps.drops), agg->drops);
	if (r)
		return log_err_errno(r, "cannot read the drop counters");
	return 0;
}

void probes_forget(struct probes *p, const __u64 *ids, size_t n)
{
	unsigned int i;

	for (i = 0; n && i < p->n; i++)
		if (p->ops[i]->forget)
			p->ops[i]->forget(p->state[i], ids, n);
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
	close_all(p);
	percpu_free(&p->pcpu);
}
