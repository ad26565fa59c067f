// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Userspace half of bpf/shmem.bpf.c: the cgroups tmpfs files' pages were charged to, read at the end of a run. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "memprobe.skel.h"
#include "model/agg.h"
#include "options.h"
#include "probe/module.h"
#include "probe/percpu.h"

struct shmem {
	struct memprobe_bpf *skel;	/* shared: the registry owns it */
	struct percpu pcpu;
	struct agg *agg;		/* the collection under way */
};

static bool tp_passes_page(const struct btf *btf)
{
	const char *arg = probe_tp_arg_struct(btf, "mm_lru_insertion", 0);

	return arg && !strcmp(arg, "page");
}

static int shmem_open(void **state, const struct probe_env *env)
{
	struct shmem *sh;
	int r;

	sh = calloc(1, sizeof(*sh));
	if (!sh)
		return -ENOMEM;
	sh->skel = env->skel;
	r = percpu_init(&sh->pcpu, sizeof(__u64));
	r = r ?: bpf_map__set_max_entries(sh->skel->maps.shmem_files, env->o->max_files);
	/* Before 5.16 mm_lru_insertion passes the page, as the filemap tracepoints do. */
	r = r ?: probe_claim(env, tp_passes_page(env->btf) ? sh->skel->progs.shmem_lru_add_page :
							      sh->skel->progs.shmem_lru_add);
	if (r) {
		shmem_probe.destroy(sh);
		return r;
	}
	*state = sh;
	return 0;
}

static void sum_pages(const void *cpu_val, void *total)
{
	*(__u64 *)total += *(const __u64 *)cpu_val;
}

static int add_file(void *ctx, const void *k, const void *total)
{
	struct shmem *sh = ctx;
	const struct mp_shmem_key *key = k;
	struct agg_shmem f = { .cgid = key->cgid, .ino = key->ino, .dev = key->dev, .pages = *(const __u64 *)total };

	return agg_add_shmem(sh->agg, &f);
}

static int shmem_collect(void *state, struct agg *agg, bool final)
{
	struct shmem *sh = state;

	if (!final)
		return 0;
	sh->agg = agg;
	return percpu_fold(&sh->pcpu, bpf_map__fd(sh->skel->maps.shmem_files), sizeof(struct mp_shmem_key),
			   sizeof(__u64), sum_pages, add_file, sh);
}

static void shmem_destroy(void *state)
{
	struct shmem *sh = state;

	if (!sh)
		return;
	percpu_free(&sh->pcpu);
	free(sh);
}

const struct probe_ops shmem_probe = {
	.name = "tmpfs charge",
	.optional = true,
	.per_fault = true,
	.open = shmem_open,
	.collect = shmem_collect,
	.destroy = shmem_destroy,
};
