// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Page cache in and out, per memory cgroup, per file and per process.
 *
 * Both tracepoints hand us the folio (the page before 5.16), so the cgroup
 * is the one the folio is charged to (not the task that happens to run)
 * and a large folio counts all of its pages. Everything is summed here;
 * the agent reads the maps. With named targets, pages of other cgroups
 * are not counted at all (watch.bpf.h): they cannot fill the maps, and
 * they cost two lookups.
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

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, MP_CACHE_WAYS);
	__type(key, __u32);
	__type(value, struct mp_cache_slot);
} cache_ways SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct mp_task_slot);
} cache_task SEC(".maps");

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
/* Returns true when the name map had no room for it. */
static __always_inline bool record_name(struct inode *inode, const struct mp_file_name_key *key)
{
	struct hlist_node *alias = BPF_CORE_READ(inode, i_dentry.first);
	struct dentry *d, *parent;
	struct mp_file_name *name;
	__u32 zero = 0;
	int i, err;

	if (bpf_map_lookup_elem(&file_names, key))
		return false;
	name = bpf_map_lookup_elem(&name_scratch, &zero);
	if (!name)
		return false;
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
		return true;
	}
	return false;
}

/* Adds the pending process pages to the process's entry, keeping the newer name, and empties the slot. */
static __always_inline void flush_task(struct mp_task_slot *ts)
{
	struct mp_cgroup_cache_val *cg;
	struct mp_task_val *val;
	int err;

	if (!ts->key.tgid || !ts->val.added_pages)
		goto empty;
	val = bpf_map_lookup_elem(&cache_tasks, &ts->key);
	if (!val) {
		err = bpf_map_update_elem(&cache_tasks, &ts->key, &ts->val, BPF_NOEXIST);
		if (!err)
			goto empty;
		/* Another CPU put it there first, or the map is full. */
		val = bpf_map_lookup_elem(&cache_tasks, &ts->key);
		if (!val) {
			/* Rare (the map is full): said against the process's own cgroup. */
			mp_drop(&drops, MP_DROP_TASK_FULL);
			cg = mp_upsert(&cache_cgroups, &ts->key.cgid, &zero_cgroup, &drops, MP_DROP_CGROUP_FULL);
			if (cg)
				cg->lost_tasks++;
			goto empty;
		}
	}
	val->added_pages += ts->val.added_pages;
	if (ts->val.comm_ns > val->comm_ns) {
		__builtin_memcpy(val->comm, ts->val.comm, sizeof(val->comm));
		val->comm_ns = ts->val.comm_ns;
	}
empty:
	ts->key.tgid = 0;
	ts->val.added_pages = 0;
}

/* Adds a way's pending pages to its file's and its cgroup's entries and empties it. */
static __always_inline void flush(struct mp_cache_slot *slot)
{
	struct mp_cgroup_cache_val *cg;
	struct mp_cache_val *val;

	if (!slot->mapping || !slot->watched)
		goto empty;
	if (slot->file_added || slot->file_removed) {
		val = mp_upsert(&cache_files, &slot->file, &zero_val, &drops, MP_DROP_FILE_FULL);
		if (val) {
			val->added_pages += slot->file_added;
			val->removed_pages += slot->file_removed;
		} else {
			slot->val.lost_files++;
		}
	}
	cg = mp_upsert(&cache_cgroups, &slot->file.cgid, &zero_cgroup, &drops, MP_DROP_CGROUP_FULL);
	if (cg) {
		cg->added_pages += slot->val.added_pages;
		cg->removed_pages += slot->val.removed_pages;
		cg->lost_files += slot->val.lost_files;
		cg->lost_tasks += slot->val.lost_tasks;
		cg->lost_names += slot->val.lost_names;
	}
empty:
	__builtin_memset(&slot->val, 0, sizeof(slot->val));
	slot->file_added = 0;
	slot->file_removed = 0;
	slot->mapping = 0;
}

/* Points a way at a new (file, cgroup): the filter's answer, the ids, the file's name. */
static __always_inline void fill(struct mp_cache_slot *slot, struct address_space *mapping, struct inode *host,
				 struct mem_cgroup *memcg, __u64 serial, __u32 gen)
{
	struct mp_file_name_key nkey;
	__u64 cgid = mp_memcg_id(memcg);

	slot->mapping = (__u64)mapping;
	slot->memcg = (__u64)memcg;
	slot->serial = serial;
	slot->hits = 0;
	slot->file.cgid = cgid;
	slot->file.ino = host->i_ino;
	slot->file.dev = host->i_sb->s_dev;
	slot->file.gen = host->i_generation;
	slot->deleted = 0;
	slot->watch_gen = gen;
	slot->watched = mp_watched(memcg ? &memcg->css : NULL, cgid);
	if (!slot->watched)
		return;
	nkey = (struct mp_file_name_key){ .ino = slot->file.ino, .dev = slot->file.dev, .gen = slot->file.gen };
	if (record_name(host, &nkey))
		slot->val.lost_names++;
}

/* A cached file lost its last link: its name says "(deleted)" from now on. */
static __always_inline void mark_deleted(struct mp_cache_slot *slot)
{
	struct mp_file_name_key nkey = { .ino = slot->file.ino, .dev = slot->file.dev, .gen = slot->file.gen };
	struct mp_file_name *name = bpf_map_lookup_elem(&file_names, &nkey);

	if (name)
		name->deleted = 1;
	slot->deleted = 1;
}

/* The process bringing pages into cgroup cgid now: counted in the CPU's process slot. */
static __always_inline void take_task(__u64 cgid, __u64 pages)
{
	__u32 tgid = bpf_get_current_pid_tgid() >> 32, zero = 0;
	struct mp_task_slot *ts = bpf_map_lookup_elem(&cache_task, &zero);

	if (!ts)
		return;
	if (ts->key.tgid != tgid || ts->key.cgid != cgid) {
		flush_task(ts);
		ts->key.tgid = tgid;
		ts->key.cgid = cgid;
		ts->val.comm_ns = bpf_ktime_get_ns();
		bpf_get_current_comm(ts->val.comm, sizeof(ts->val.comm));
	}
	ts->val.added_pages += pages;
}

/* The way a file maps to: its inode number, mixed (the verifier allows no arithmetic on the pointers). */
static __always_inline __u32 way_of(__u64 ino)
{
	return (__u32)((ino * 0x9e3779b97f4a7c15ULL) >> 58) & (MP_CACHE_WAYS - 1);
}

/*
 * A memcg freed and its memory reused for a new cgroup would look the
 * same by pointer: its serial number tells them apart. Reading it costs
 * a helper call, so a way checks it when filled and every 64th event:
 * the reuse needs every page of the old cgroup gone first.
 */
#define SERIAL_CHECK_EVERY	64

/*
 * pages of the file behind mapping, charged to memory cgroup memcg, came
 * into the cache or left it. The hot path: a file and cgroup the CPU saw
 * lately, and only its way (and, for pages coming in, the process slot)
 * are written.
 */
static __always_inline void count(struct address_space *mapping, struct mem_cgroup *memcg, __u64 pages, bool added)
{
	struct mp_watch_state *st;
	struct mp_cache_slot *slot;
	__u32 way, gen, zero = 0;
	struct inode *host;
	__u64 serial, ino;

	if (!mapping)
		return;
	host = mapping->host;
	if (!host)
		return;
	ino = host->i_ino;
	way = way_of(ino);
	slot = bpf_map_lookup_elem(&cache_ways, &way);
	if (!slot)
		return;
	/* The targets changed since the way decided whether its cgroup is watched: decide again. */
	st = bpf_map_lookup_elem(&watch_state, &zero);
	gen = st ? st->generation << 1 | (st->filtering & 1) : 0;
	if (slot->mapping != (__u64)mapping || slot->memcg != (__u64)memcg || slot->file.ino != ino ||
	    slot->file.gen != host->i_generation || slot->watch_gen != gen) {
		serial = memcg ? BPF_CORE_READ(memcg, css.serial_nr) : 0;
		flush(slot);
		fill(slot, mapping, host, memcg, serial, gen);
	} else if (++slot->hits % SERIAL_CHECK_EVERY == 0) {
		serial = memcg ? BPF_CORE_READ(memcg, css.serial_nr) : 0;
		if (serial != slot->serial) {
			flush(slot);
			fill(slot, mapping, host, memcg, serial, gen);
		}
	}
	if (!slot->watched)
		return;
	if (added) {
		slot->val.added_pages += pages;
		slot->file_added += pages;
		take_task(slot->file.cgid, pages);
	} else {
		slot->val.removed_pages += pages;
		slot->file_removed += pages;
		if (!slot->deleted && !host->i_nlink)
			mark_deleted(slot);
	}
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
	struct mp_task_slot *ts;
	__u32 zero = 0;

	if (val) {
		bpf_probe_read_kernel_str(val->comm, sizeof(val->comm), p->comm);
		val->comm_ns = bpf_ktime_get_ns();
	}
	/* Pages it brought in on this CPU and not yet flushed go under the new name too. */
	ts = bpf_map_lookup_elem(&cache_task, &zero);
	if (ts && ts->key.tgid == (__u32)p->tgid) {
		bpf_probe_read_kernel_str(ts->val.comm, sizeof(ts->val.comm), p->comm);
		ts->val.comm_ns = bpf_ktime_get_ns();
	}
	return 0;
}

/*
 * Run by the agent on each CPU in turn (BPF_PROG_TEST_RUN) before its last
 * collection: the CPU's ways and process slot go to the maps. The agent
 * reads the maps, then the slots, and a way flushed in between (another
 * file taking it) would be in neither read, for good at the end. Loaded
 * from 6.1 (user/probe/pagecache.c says why). It runs with interrupts on;
 * pages join and leave the page cache in process context only, so no
 * event of this file can run in its middle.
 */
SEC("raw_tp")
int cache_flush(void *ctx)
{
	struct mp_cache_slot *slot;
	struct mp_task_slot *ts;
	__u32 way, key, zero = 0;

	for (way = 0; way < MP_CACHE_WAYS; way++) {
		key = way;
		slot = bpf_map_lookup_elem(&cache_ways, &key);
		if (slot)
			flush(slot);
	}
	ts = bpf_map_lookup_elem(&cache_task, &zero);
	if (ts)
		flush_task(ts);
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
	count(page->mapping, mp_page_memcg(page), mp_page_nr_pages(page, flags), added);
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
