/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Map idioms every memprobe program shares: bounded insert and counted drops. */
#ifndef MEMPROBE_MAPS_BPF_H
#define MEMPROBE_MAPS_BPF_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include "memprobe.h"

#define MP_EEXIST	17	/* errno values are not in vmlinux.h */

/*
 * The drop counters, one per cause, shared by every program: each object
 * declares them weak, and linking the objects into one keeps a single map.
 */
#define MP_DECLARE_DROPS()						\
	struct {							\
		__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);		\
		__uint(max_entries, MP_DROP_MAX);			\
		__type(key, __u32);					\
		__type(value, __u64);					\
	} drops SEC(".maps") __weak

static __always_inline void mp_drop(void *drops, enum mp_drop cause)
{
	__u32 key = cause;
	__u64 *n = bpf_map_lookup_elem(drops, &key);

	if (n)
		(*n)++;
}

/*
 * Look a key up, inserting init when it is absent. Another CPU may insert
 * the same key between our lookup and update (the update then fails with
 * EEXIST), so look up once more; NULL only when the map is full, and that
 * is counted under cause.
 */
static __always_inline void *mp_upsert(void *map, const void *key, const void *init,
				       void *drops, enum mp_drop cause)
{
	void *val = bpf_map_lookup_elem(map, key);

	if (val)
		return val;
	bpf_map_update_elem(map, key, init, BPF_NOEXIST);
	val = bpf_map_lookup_elem(map, key);
	if (!val)
		mp_drop(drops, cause);
	return val;
}

#endif /* MEMPROBE_MAPS_BPF_H */
