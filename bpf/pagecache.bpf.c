// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Page cache in and out, per memory cgroup, per file and per process.
 *
 * Both tracepoints hand us the folio (the page before 5.16), so the cgroup
 * is the one the folio is charged to (not the task that happens to run) and
 * a large folio counts all of its pages. Everything is summed here; the
 * agent reads the maps.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_tracing.h>
#include "memprobe.h"
#include "compat.bpf.h"
#include "maps.bpf.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, MP_MAX_CGROUPS);
	__type(key, __u64);
	__type(value, struct mp_cache_val);
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

static const struct mp_cache_val zero_val;

/* Walk from the file's first dentry towards its superblock's root. */
static __always_inline void record_name(struct inode *inode, const struct mp_file_name_key *key)
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
	if (err && err != -MP_EEXIST)
		mp_drop(&drops, MP_DROP_NAME_FULL);
}

static __always_inline void count_file(struct address_space *mapping, __u64 cgid, __u64 pages, bool added)
{
	struct mp_file_key key = { .cgid = cgid };
	struct mp_cache_val *val;
	struct inode *inode;

	if (!mapping)
		return;
	inode = mapping->host;
	if (!inode)
		return;
	key.ino = inode->i_ino;
	key.dev = inode->i_sb->s_dev;

	val = bpf_map_lookup_elem(&cache_files, &key);
	if (!val) {
		struct mp_file_name_key nkey = { .ino = key.ino, .dev = key.dev };

		record_name(inode, &nkey);
		val = mp_upsert(&cache_files, &key, &zero_val, &drops, MP_DROP_FILE_FULL);
		if (!val)
			return;
	}
	if (added)
		val->added_pages += pages;
	else
		val->removed_pages += pages;
}

static __always_inline void count_task(__u64 cgid, __u64 pages)
{
	struct mp_task_key key = { .cgid = cgid, .tgid = bpf_get_current_pid_tgid() >> 32 };
	struct mp_task_val *val = bpf_map_lookup_elem(&cache_tasks, &key);

	if (!val) {
		struct mp_task_val init = {};

		bpf_get_current_comm(init.comm, sizeof(init.comm));
		val = mp_upsert(&cache_tasks, &key, &init, &drops, MP_DROP_TASK_FULL);
		if (!val)
			return;
	}
	val->added_pages += pages;
}

/* pages of the file behind mapping, charged to cgroup cgid, came into the cache or left it. */
static __always_inline void count(struct address_space *mapping, __u64 cgid, __u64 pages, bool added)
{
	struct mp_cache_val *val;

	val = mp_upsert(&cache_cgroups, &cgid, &zero_val, &drops, MP_DROP_CGROUP_FULL);
	if (val) {
		if (added)
			val->added_pages += pages;
		else
			val->removed_pages += pages;
	}
	count_file(mapping, cgid, pages, added);
	if (added)
		count_task(cgid, pages);
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
	count(folio->mapping, mp_folio_memcg_id(folio), mp_folio_nr_pages(folio, flags), added);
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

/*
 * Before 5.16 the same tracepoints pass the page (a compound page's head);
 * the agent loads these instead (see compat.bpf.h). They go with the last
 * kernel before 5.16.
 */
static __always_inline void count_page(struct page *page, bool added)
{
	__u64 flags;

	if (!page)
		return;
	flags = mp_page_flags(page);
	if (mp_folio_is_shmem(flags))
		return;
	count(page->mapping, mp_page_memcg_id(page), mp_page_nr_pages(page, flags), added);
}

SEC("tp_btf/mm_filemap_add_to_page_cache")
int BPF_PROG(cache_add_page, struct page *page)
{
	count_page(page, true);
	return 0;
}

SEC("tp_btf/mm_filemap_delete_from_page_cache")
int BPF_PROG(cache_delete_page, struct page *page)
{
	count_page(page, false);
	return 0;
}
