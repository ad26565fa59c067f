// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "memprobe.skel.h"
#include "probe/bpfstats.h"
#include "probe/registry.h"
#include "sys/bpfmem.h"
#include "sys/util.h"

static bool stats_enabled(void)
{
	char buf[16];

	return read_text("/proc/sys/kernel/bpf_stats_enabled", buf, sizeof(buf)) > 0 && buf[0] == '1';
}

void bpfstats_read(const struct probes *p, struct bpfstats *s)
{
	struct bpf_program *prog;
	struct bpf_map *map;

	memset(s, 0, sizeof(*s));
	if (!p->skel)
		return;
	bpf_object__for_each_map(map, p->skel->obj) {
		int fd = bpf_map__fd(map);

		if (fd < 0 || s->n_maps == BPFSTATS_MAX)
			continue;
		snprintf(s->maps[s->n_maps].name, BPFSTATS_NAME, "%s", bpf_map__name(map));
		s->maps[s->n_maps++].memlock = bpfmem_of_fd(fd);
	}
	s->enabled = stats_enabled();
	if (!s->enabled)
		return;
	bpf_object__for_each_program(prog, p->skel->obj) {
		struct bpf_prog_info info = { 0 };
		__u32 len = sizeof(info);
		int fd = bpf_program__fd(prog);

		if (fd < 0 || s->n_progs == BPFSTATS_MAX || bpf_obj_get_info_by_fd(fd, &info, &len))
			continue;
		snprintf(s->progs[s->n_progs].name, BPFSTATS_NAME, "%s", bpf_program__name(prog));
		s->progs[s->n_progs].run_ns = info.run_time_ns;
		s->progs[s->n_progs++].run_cnt = info.run_cnt;
	}
}
