// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Page cache in and out, per memory cgroup, per file and per process.
 *
 * Both tracepoints hand us the folio, so the cgroup is the one the folio is
 * charged to (not the task that happens to run) and a large folio counts all
 * of its pages. Everything is summed here; the agent reads the maps. With
 * named targets, pages of other cgroups are not counted at all
 * (watch.bpf.h): they cannot fill the maps, and they cost two lookups.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_tracing.h>
#include "memprobe.h"
#include "compat.bpf.h"
#include "maps.bpf.h"
#include "watch.bpf.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, MP_MAX_CGROUPS);
	__type(key, __u64);
	__type(value, struct mp_cgroup_cache_val);
} cache_cgroups SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, MP_MAX_FILES);
	__type(key, struct mp_file_key);
	__type(value, struct mp_cache_val);
} cache_files SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, MP_MAX_FILES);
	__type(key, struct mp_file_name_key);
	__type(value, struct mp_file_name);
} file_names SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, MP_MAX_TASKS);
	__type(key, struct mp_task_key);
	__type(value, struct mp_task_val);
} cache_tasks SEC(".maps");

/* A file name is too large for the BPF stack; build it here. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct mp_file_name);
} name_scratch SEC(".maps");

MP_DECLARE_DROPS();
MP_DECLARE_WATCH();

static const struct mp_cache_val zero_val;
static const struct mp_cgroup_cache_val zero_cgroup;

/* Walk from the file's first dentry towards its superblock's root. */
static __always_inline void record_name(struct inode *inode, const struct mp_file_name_key *key,
					struct mp_cgroup_cache_val *cg)
{
	struct hlist_node *alias = BPF_CORE_READ(inode, i_dentry.first);
	struct dentry *d, *parent;
	struct mp_file_name *name;
	__u32 zero = 0;
	int i, err;

	if (bpf_map_lookup_elem(&file_names, key))
		return;
	name = bpf_map_lookup_elem(&name_scratch, &zero);
	if (!name)
		return;
	name->depth = 0;
	name->complete = 0;
	name->deleted = 0;
	name->magic = BPF_CORE_READ(inode, i_sb, s_magic);
	name->rdev = BPF_CORE_READ(inode, i_rdev);
	if (!alias)
		goto save;
	d = (void *)alias - bpf_core_field_offset(struct dentry, d_u.d_alias);
	for (i = 0; i < MP_PATH_DEPTH; i++) {
		parent = BPF_CORE_READ(d, d_parent);
		if (!parent || parent == d) {
			name->complete = 1;
			break;
		}
		bpf_probe_read_kernel_str(name->comp[i], MP_NAME_LEN, BPF_CORE_READ(d, d_name.name));
		name->depth = i + 1;
		d = parent;
	}
	if (!name->complete && BPF_CORE_READ(d, d_parent) == d)
		name->complete = 1;
save:
	err = bpf_map_update_elem(&file_names, key, name, BPF_NOEXIST);
	if (err && err != -MP_EEXIST) {
		mp_drop(&drops, MP_DROP_NAME_FULL);
		if (cg)
			cg->lost_names++;
	}
}

/* A cached file lost its last link: its name says "(deleted)" from now on. */
static __always_inline void mark_deleted(struct inode *inode, const struct mp_file_name_key *key)
{
	struct mp_file_name *name;

	if (BPF_CORE_READ(inode, i_nlink))
		return;
	name = bpf_map_lookup_elem(&file_names, key);
	if (name)
		name->deleted = 1;
}

static __always_inline void count_file(struct address_space *mapping, __u64 cgid, __u64 pages, bool added,
				       struct mp_cgroup_cache_val *cg)
{
	struct mp_file_key key = { .cgid = cgid };
	struct mp_file_name_key nkey;
	struct mp_cache_val *val;
	struct inode *inode;

	if (!mapping)
		return;
	inode = BPF_CORE_READ(mapping, host);
	if (!inode)
		return;
	key.ino = BPF_CORE_READ(inode, i_ino);
	key.dev = BPF_CORE_READ(inode, i_sb, s_dev);
	key.gen = mp_inode_gen(inode);
	nkey = (struct mp_file_name_key){ .ino = key.ino, .dev = key.dev, .gen = key.gen };

	val = bpf_map_lookup_elem(&cache_files, &key);
	if (!val) {
		record_name(inode, &nkey, cg);
		val = mp_upsert(&cache_files, &key, &zero_val, &drops, MP_DROP_FILE_FULL);
		if (!val) {
			if (cg)
				cg->lost_files++;
			return;
		}
	}
	if (added) {
		val->added_pages += pages;
	} else {
		val->removed_pages += pages;
		mark_deleted(inode, &nkey);
	}
}

static __always_inline void count_task(__u64 cgid, __u64 pages, struct mp_cgroup_cache_val *cg)
{
	struct mp_task_key key = { .cgid = cgid, .tgid = bpf_get_current_pid_tgid() >> 32 };
	struct mp_task_val *val = bpf_map_lookup_elem(&cache_tasks, &key);

	if (!val) {
		struct mp_task_val init = { .comm_ns = bpf_ktime_get_ns() };

		bpf_get_current_comm(init.comm, sizeof(init.comm));
		val = mp_upsert(&cache_tasks, &key, &init, &drops, MP_DROP_TASK_FULL);
		if (!val) {
			if (cg)
				cg->lost_tasks++;
			return;
		}
	}
	val->added_pages += pages;
}

/* pages of the file behind mapping, charged to memory cgroup memcg, came into the cache or left it. */
static __always_inline void count(struct address_space *mapping, struct mem_cgroup *memcg, __u64 pages, bool added)
{
	__u64 cgid = mp_memcg_id(memcg);
	struct mp_cgroup_cache_val *val;

	if (!mp_watched(memcg ? &memcg->css : NULL, cgid))
		return;
	val = mp_upsert(&cache_cgroups, &cgid, &zero_cgroup, &drops, MP_DROP_CGROUP_FULL);
	if (val) {
		if (added)
			val->added_pages += pages;
		else
			val->removed_pages += pages;
	}
	count_file(mapping, cgid, pages, added, val);
	if (added)
		count_task(cgid, pages, val);
}

static __always_inline void count_folio(struct folio *folio, bool added)
{
	__u64 flags;

	if (!folio)
		return;
	flags = mp_folio_flags(folio);
	/* tmpfs pages are only ever seen leaving; shmem has its own figures. */
	if (mp_folio_is_shmem(flags))
		return;
	count(folio->mapping, mp_folio_memcg(folio), mp_folio_nr_pages(folio, flags), added);
}

SEC("tp_btf/mm_filemap_add_to_page_cache")
int BPF_PROG(cache_add, struct folio *folio)
{
	count_folio(folio, true);
	return 0;
}

SEC("tp_btf/mm_filemap_delete_from_page_cache")
int BPF_PROG(cache_delete, struct folio *folio)
{
	count_folio(folio, false);
	return 0;
}

/* The same for the processes that brought pages in: reported under the name they run under now. */
SEC("tp_btf/sched_process_exec")
int BPF_PROG(cache_exec, struct task_struct *p)
{
	struct mp_task_key key = { .cgid = mp_task_memcg_id_direct(p), .tgid = p->tgid };
	struct mp_task_val *val = bpf_map_lookup_elem(&cache_tasks, &key);

	if (val) {
		bpf_probe_read_kernel_str(val->comm, sizeof(val->comm), p->comm);
		val->comm_ns = bpf_ktime_get_ns();
	}
	return 0;
}
