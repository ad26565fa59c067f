// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Userspace half of bpf/pagecache.bpf.c: page cache in and out per cgroup, file and process. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "agg.h"
#include "log.h"
#include "memprobe.h"
#include "options.h"
#include "memprobe.skel.h"
#include "percpu.h"
#include "probe.h"

struct pagecache {
	struct memprobe_bpf *skel;	/* shared: probes.c owns it */
	struct percpu pcpu;
	struct probe_links links;
};

/* The folio programs, or the page ones where the tracepoints pass pages (before 5.16). */
#define PROGS(s)								\
	PROBE_PROGS((s)->progs.cache_add, (s)->progs.cache_delete,		\
		    (s)->progs.cache_add_page, (s)->progs.cache_delete_page)
#define FOLIO_PROGS(s)	PROBE_PROGS((s)->progs.cache_add, (s)->progs.cache_delete)
#define PAGE_PROGS(s)	PROBE_PROGS((s)->progs.cache_add_page, (s)->progs.cache_delete_page)

static bool tracepoints_pass_page(const struct btf *btf)
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
	r = percpu_init(&pc->pcpu, sizeof(struct mp_task_val));
	if (r)
		goto fail;
	pc->skel = env->skel;
	r = bpf_map__set_max_entries(pc->skel->maps.cache_cgroups, o->max_cgroups);
	r = r ?: bpf_map__set_max_entries(pc->skel->maps.cache_files, o->max_files);
	r = r ?: bpf_map__set_max_entries(pc->skel->maps.file_names, o->max_files);
	r = r ?: bpf_map__set_max_entries(pc->skel->maps.cache_tasks, o->max_tasks);
	if (tracepoints_pass_page(env->btf)) {
		log_debug("the filemap tracepoints pass pages on this kernel, not folios");
		r = r ?: probe_autoload(PAGE_PROGS(pc->skel), true);
	} else {
		r = r ?: probe_autoload(FOLIO_PROGS(pc->skel), true);
	}
	if (r)
		goto fail;
	*state = pc;
	return 0;
fail:
	pagecache_probe.destroy(pc);
	return r;
}

static int pc_attach(void *state)
{
	struct pagecache *pc = state;

	return probe_links_attach(&pc->links, PROGS(pc->skel));
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
	if (!t->comm[0])
		memcpy(t->comm, v->comm, sizeof(t->comm));
}

static int read_cgroups(struct pagecache *pc, struct agg *agg)
{
	int fd = bpf_map__fd(pc->skel->maps.cache_cgroups);
	__u64 key, *prev = NULL;
	struct mp_cache_val sum;
	struct cg_counters *c;
	int r;

	while (!bpf_map_get_next_key(fd, prev, &key)) {
		prev = &key;
		memset(&sum, 0, sizeof(sum));
		r = percpu_lookup(&pc->pcpu, fd, &key, sizeof(sum), sum_cache, &sum);
		if (r == -ENOENT)
			continue;
		if (r)
			return r;
		c = agg_cgroup(agg, key);
		if (!c)
			return -ENOMEM;
		c->cache_added_pages = sum.added_pages;
		c->cache_removed_pages = sum.removed_pages;
	}
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

static int read_files(struct pagecache *pc, struct agg *agg)
{
	int fd = bpf_map__fd(pc->skel->maps.cache_files);
	int names = bpf_map__fd(pc->skel->maps.file_names);
	struct mp_file_key key, *prev = NULL;
	char path[MP_PATH_DEPTH * (MP_NAME_LEN + 1) + 1];
	struct mp_cache_val sum;
	int r;

	while (!bpf_map_get_next_key(fd, prev, &key)) {
		struct mp_file_name_key nkey = { .ino = key.ino, .dev = key.dev };
		struct agg_file f = { .cgid = key.cgid, .ino = key.ino, .dev = key.dev };
		struct mp_file_name name;

		prev = &key;
		memset(&sum, 0, sizeof(sum));
		r = percpu_lookup(&pc->pcpu, fd, &key, sizeof(sum), sum_cache, &sum);
		if (r == -ENOENT)
			continue;
		if (r)
			return r;
		f.added_pages = sum.added_pages;
		f.removed_pages = sum.removed_pages;
		if (!bpf_map_lookup_elem(names, &nkey, &name)) {
			f.magic = name.magic;
			f.rdev = name.rdev;
			if (name.depth) {
				join_name(&name, path, sizeof(path));
				f.name = path;
				f.complete = name.complete;
			}
		}
		r = agg_add_file(agg, &f);
		if (r)
			return r;
	}
	return 0;
}

static int read_tasks(struct pagecache *pc, struct agg *agg)
{
	int fd = bpf_map__fd(pc->skel->maps.cache_tasks);
	struct mp_task_key key, *prev = NULL;
	struct mp_task_val sum;
	int r;

	while (!bpf_map_get_next_key(fd, prev, &key)) {
		struct agg_task t = { .cgid = key.cgid, .tgid = key.tgid };

		prev = &key;
		memset(&sum, 0, sizeof(sum));
		r = percpu_lookup(&pc->pcpu, fd, &key, sizeof(sum), sum_task, &sum);
		if (r == -ENOENT)
			continue;
		if (r)
			return r;
		memcpy(t.comm, sum.comm, sizeof(t.comm));
		t.cache_added_pages = sum.added_pages;
		r = agg_add_task(agg, &t);
		if (r)
			return r;
	}
	return 0;
}

static int pc_collect(void *state, struct agg *agg, bool final)
{
	struct pagecache *pc = state;
	int r;

	r = read_cgroups(pc, agg);
	if (!r && final)
		r = read_files(pc, agg) ?: read_tasks(pc, agg);
	return r;
}

static void pc_forget(void *state, const __u64 *ids, size_t n)
{
	struct pagecache *pc = state;
	int fd = bpf_map__fd(pc->skel->maps.cache_cgroups);
	size_t i;

	for (i = 0; i < n; i++)
		bpf_map_delete_elem(fd, &ids[i]);
}

static void pc_destroy(void *state)
{
	struct pagecache *pc = state;

	if (!pc)
		return;
	probe_links_destroy(&pc->links);
	percpu_free(&pc->pcpu);
	free(pc);
}

const struct probe_ops pagecache_probe = {
	.name = "page-cache",
	.optional = false,
	.open = pc_open,
	.attach = pc_attach,
	.collect = pc_collect,
	.forget = pc_forget,
	.destroy = pc_destroy,
};
