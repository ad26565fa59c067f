// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Userspace half of bpf/pagecache.bpf.c: page cache in and out per cgroup, file and process. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "memprobe.h"
#include "memprobe.skel.h"
#include "model/agg.h"
#include "options.h"
#include "probe/module.h"
#include "probe/percpu.h"
#include "sys/log.h"

struct pagecache {
	struct memprobe_bpf *skel;	/* shared: the registry owns it */
	struct percpu pcpu;
	struct agg *agg;		/* what the collection (or retirement) under way fills */
	bool flush;			/* cache_flush is loaded */
};

/* Before 5.16 the filemap tracepoints pass the page: the page programs take it. */
static bool pages_not_folios(const struct btf *btf)
{
	const char *arg = probe_tp_arg_struct(btf, "mm_filemap_add_to_page_cache", 0);

	return arg && !strcmp(arg, "page");
}

static int pc_open(void **state, const struct probe_env *env)
{
	const struct options *o = env->o;
	struct pagecache *pc;
	int r;

	pc = calloc(1, sizeof(*pc));
	if (!pc)
		return -ENOMEM;
	r = percpu_init(&pc->pcpu, sizeof(struct mp_cache_slot));
	if (r)
		goto fail;
	pc->skel = env->skel;
	r = bpf_map__set_max_entries(pc->skel->maps.cache_cgroups, o->max_cgroups);
	r = r ?: bpf_map__set_max_entries(pc->skel->maps.cache_files, o->max_files);
	r = r ?: bpf_map__set_max_entries(pc->skel->maps.file_names, o->max_files);
	r = r ?: bpf_map__set_max_entries(pc->skel->maps.cache_tasks, o->max_tasks);
	if (pages_not_folios(env->btf)) {
		log_debug("the filemap tracepoints pass pages on this kernel, not folios");
		r = r ?: probe_claim(env, pc->skel->progs.cache_add_page);
		r = r ?: probe_claim(env, pc->skel->progs.cache_delete_page);
	} else {
		r = r ?: probe_claim(env, pc->skel->progs.cache_add);
		r = r ?: probe_claim(env, pc->skel->progs.cache_delete);
	}
	r = r ?: probe_claim(env, pc->skel->progs.cache_exec);
	/*
	 * Run by the agent before the last collection, never attached. Before
	 * 6.1 a raw_tp program may use only preallocated hash maps (the kernel
	 * warns, "trace type BPF program uses run-time allocation"), and these
	 * are not: there the last collection reads as the others do, and what
	 * a way gives the maps between its two reads is missed.
	 */
	pc->flush = probe_maps_allocate_safely(env);
	if (pc->flush)
		r = r ?: bpf_program__set_autoload(pc->skel->progs.cache_flush, true);
	if (r)
		goto fail;
	*state = pc;
	return 0;
fail:
	pagecache_probe.destroy(pc);
	return r;
}

static void sum_cgroup(const void *cpu_val, void *total)
{
	const struct mp_cgroup_cache_val *v = cpu_val;
	struct mp_cgroup_cache_val *t = total;

	t->added_pages += v->added_pages;
	t->removed_pages += v->removed_pages;
	t->lost_files += v->lost_files;
	t->lost_tasks += v->lost_tasks;
	t->lost_names += v->lost_names;
}

static void sum_cache(const void *cpu_val, void *total)
{
	const struct mp_cache_val *v = cpu_val;
	struct mp_cache_val *t = total;

	t->added_pages += v->added_pages;
	t->removed_pages += v->removed_pages;
}

static void sum_task(const void *cpu_val, void *total)
{
	const struct mp_task_val *v = cpu_val;
	struct mp_task_val *t = total;

	t->added_pages += v->added_pages;
	/* The newest name: the copy of the CPU that saw it exec, if it did. */
	if (v->comm[0] && v->comm_ns >= t->comm_ns) {
		memcpy(t->comm, v->comm, sizeof(t->comm));
		t->comm_ns = v->comm_ns;
	}
}

static void count_cgroup(struct counters *c, const struct mp_cgroup_cache_val *v)
{
	c->cache_added_pages += v->added_pages;
	c->cache_removed_pages += v->removed_pages;
	c->lost_files += v->lost_files;
	c->lost_tasks += v->lost_tasks;
	c->lost_names += v->lost_names;
}

static int add_cgroup(void *ctx, const void *key, const void *total)
{
	struct pagecache *pc = ctx;
	struct counters *c = agg_counters(pc->agg, *(const __u64 *)key);

	if (!c)
		return -ENOMEM;
	count_cgroup(c, total);
	return 0;
}

/* The same from a slot: counted, and remembered as not yet in the map. */
static int add_pending(struct pagecache *pc, __u64 cgid, const struct mp_cgroup_cache_val *v)
{
	struct counters *p = agg_pending(pc->agg, cgid);

	if (!p)
		return -ENOMEM;
	count_cgroup(p, v);
	count_cgroup(agg_counters(pc->agg, cgid), v);
	return 0;
}

/* Dentry names arrive leaf first; the path reads root first. */
static void join_name(const struct mp_file_name *n, char *buf, size_t len)
{
	size_t at = 0;
	int i;

	buf[0] = '\0';
	for (i = (int)n->depth - 1; i >= 0 && i < MP_PATH_DEPTH; i--) {
		int w = snprintf(buf + at, len - at, "/%.*s", MP_NAME_LEN, n->comp[i]);

		if (w < 0 || (size_t)w >= len - at)
			break;
		at += w;
	}
}

static int add_file(void *ctx, const void *k, const void *total)
{
	struct pagecache *pc = ctx;
	const struct mp_file_key *key = k;
	const struct mp_cache_val *v = total;
	struct mp_file_name_key nkey = { .ino = key->ino, .dev = key->dev, .gen = key->gen };
	struct agg_file f = { .cgid = key->cgid, .ino = key->ino, .dev = key->dev, .gen = key->gen,
			      .added_pages = v->added_pages, .removed_pages = v->removed_pages };
	char path[MP_PATH_DEPTH * (MP_NAME_LEN + 1) + 1];
	struct mp_file_name name;

	if (!bpf_map_lookup_elem(bpf_map__fd(pc->skel->maps.file_names), &nkey, &name)) {
		f.magic = name.magic;
		f.rdev = name.rdev;
		f.deleted = name.deleted;
		if (name.depth) {
			join_name(&name, path, sizeof(path));
			f.name = path;
			f.complete = name.complete;
		}
	}
	return agg_add_file(pc->agg, &f);
}

static int add_task(void *ctx, const void *k, const void *total)
{
	struct pagecache *pc = ctx;
	const struct mp_task_key *key = k;
	const struct mp_task_val *v = total;
	struct agg_task t = { .cgid = key->cgid, .tgid = key->tgid, .comm_ns = v->comm_ns,
			      .cache_added_pages = v->added_pages };

	memcpy(t.comm, v->comm, sizeof(t.comm));
	return agg_add_task(pc->agg, &t);
}

static int fold(struct pagecache *pc, const struct bpf_map *map, size_t key_size, size_t value_size,
		percpu_sum_fn sum, int (*each)(void *, const void *, const void *))
{
	return percpu_fold(&pc->pcpu, bpf_map__fd(map), key_size, value_size, sum, each, pc);
}

/*
 * What each CPU's ways and process slot hold and have not added to the
 * maps yet. Read after the maps: a flush in between is missed this time
 * and counted the next, never counted twice (the last collection flushes
 * them all first where it can: there is no next). Files and processes
 * only for the summary.
 */
static int read_slots(struct pagecache *pc, bool final)
{
	size_t stride = (sizeof(struct mp_cache_slot) + 7) & ~(size_t)7, tstride = (sizeof(struct mp_task_slot) + 7) & ~(size_t)7;
	__u32 way, zero = 0;
	int cpu, r = 0;

	for (way = 0; way < MP_CACHE_WAYS && !r; way++) {
		if (bpf_map_lookup_elem(bpf_map__fd(pc->skel->maps.cache_ways), &way, pc->pcpu.buf))
			return -errno;
		for (cpu = 0; cpu < pc->pcpu.ncpu && !r; cpu++) {
			const struct mp_cache_slot *s = (const void *)((const char *)pc->pcpu.buf + cpu * stride);
			struct mp_cache_val file = { .added_pages = s->file_added, .removed_pages = s->file_removed };

			if (!s->mapping || !s->watched)
				continue;
			r = add_pending(pc, s->file.cgid, &s->val);
			if (!r && final && (file.added_pages || file.removed_pages))
				r = add_file(pc, &s->file, &file);
		}
	}
	if (r || !final)
		return r;
	if (bpf_map_lookup_elem(bpf_map__fd(pc->skel->maps.cache_task), &zero, pc->pcpu.buf))
		return -errno;
	for (cpu = 0; cpu < pc->pcpu.ncpu && !r; cpu++) {
		const struct mp_task_slot *t = (const void *)((const char *)pc->pcpu.buf + cpu * tstride);

		if (t->key.tgid && t->val.added_pages)
			r = add_task(pc, &t->key, &t->val);
	}
	return r;
}

static int pc_collect(void *state, struct agg *agg, bool final)
{
	struct pagecache *pc = state;
	const struct memprobe_bpf *s = pc->skel;
	int r;

	/* The end's figures: every CPU's ways in the maps first, so that none is between the two reads. */
	if (final && pc->flush)
		probe_run_on_each_cpu(s->progs.cache_flush, true);
	pc->agg = agg;
	r = fold(pc, s->maps.cache_cgroups, sizeof(__u64), sizeof(struct mp_cgroup_cache_val), sum_cgroup, add_cgroup);
	if (!r && final)
		r = fold(pc, s->maps.cache_files, sizeof(struct mp_file_key), sizeof(struct mp_cache_val), sum_cache,
			 add_file) ?:
		    fold(pc, s->maps.cache_tasks, sizeof(struct mp_task_key), sizeof(struct mp_task_val), sum_task,
			 add_task);
	return r ?: read_slots(pc, final);
}

static int pc_retire(void *state, const __u64 *ids, size_t n, struct agg *last)
{
	struct pagecache *pc = state;

	pc->agg = last;
	return percpu_take_ids(&pc->pcpu, bpf_map__fd(pc->skel->maps.cache_cgroups), ids, n,
			       sizeof(struct mp_cgroup_cache_val), sum_cgroup, add_cgroup, pc);
}

static void pc_destroy(void *state)
{
	struct pagecache *pc = state;

	if (!pc)
		return;
	percpu_free(&pc->pcpu);
	free(pc);
}

const struct probe_ops pagecache_probe = {
	.name = "page-cache",
	.optional = false,
	.open = pc_open,
	.collect = pc_collect,
	.retire = pc_retire,
	.destroy = pc_destroy,
};
