/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Counting only what the targets need: with named targets the agent puts
 * their cgroup ids in `watched` and turns filtering on; a memory cgroup is
 * watched when it or one of its ancestors is a target. The answer for each
 * cgroup is cached, tagged with the targets' generation (a restarted
 * service is a new cgroup id: the agent bumps the generation), so a page
 * of an unwatched cgroup costs an array and a hash lookup, and no update.
 * Every object declares the maps weak; linking keeps one of each.
 */
#ifndef MEMPROBE_WATCH_BPF_H
#define MEMPROBE_WATCH_BPF_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include "memprobe.h"
#include "compat.bpf.h"

#define MP_WATCH_DEPTH	16

#define MP_DECLARE_WATCH()						\
	struct {							\
		__uint(type, BPF_MAP_TYPE_HASH);			\
		__uint(map_flags, BPF_F_NO_PREALLOC);			\
		__uint(max_entries, MP_MAX_CGROUPS);			\
		__type(key, __u64);					\
		__type(value, __u8);					\
	} watched SEC(".maps") __weak;					\
	struct {							\
		__uint(type, BPF_MAP_TYPE_LRU_HASH);			\
		__uint(max_entries, MP_MAX_CGROUPS);			\
		__type(key, __u64);					\
		__type(value, __u32);					\
	} watch_cache SEC(".maps") __weak;				\
	struct {							\
		__uint(type, BPF_MAP_TYPE_ARRAY);			\
		__uint(max_entries, 1);					\
		__type(key, __u32);					\
		__type(value, struct mp_watch_state);			\
	} watch_state SEC(".maps") __weak

/*
 * Whether memory cgroup css (id cgid) is a target or below one. Watching
 * the whole machine, or before the agent has set its targets, everything
 * is. Call after MP_DECLARE_WATCH().
 */
#define mp_watched(css, cgid)	mp_watched_in(&watched, &watch_cache, &watch_state, (css), (cgid))

static __always_inline bool mp_watched_in(void *targets, void *cache, void *state_map,
					  struct cgroup_subsys_state *css, __u64 cgid)
{
	struct mp_watch_state *state;
	__u32 zero = 0, *known, answer = 0;
	int i;

	state = bpf_map_lookup_elem(state_map, &zero);
	if (!state || !state->filtering)
		return true;
	known = bpf_map_lookup_elem(cache, &cgid);
	if (known && *known >> 1 == state->generation)
		return *known & 1;
	for (i = 0; i < MP_WATCH_DEPTH && css; i++) {
		__u64 id = BPF_CORE_READ(css, cgroup, kn, id);

		if (bpf_map_lookup_elem(targets, &id)) {
			answer = 1;
			break;
		}
		css = BPF_CORE_READ(css, parent);
	}
	answer |= state->generation << 1;
	bpf_map_update_elem(cache, &cgid, &answer, BPF_ANY);
	return answer & 1;
}

#endif /* MEMPROBE_WATCH_BPF_H */
