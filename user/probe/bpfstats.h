/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * What memprobe's own BPF side costs the kernel: the memory each of its
 * maps holds (the kernel's memlock figure for the map, from its fdinfo: what
 * the map charges, entries and overhead alike) and, while the
 * kernel.bpf_stats_enabled sysctl is on, the time and runs of each program
 * (bpf_prog_info run_time_ns and run_cnt). Read at a sample, for the metrics.
 */
#ifndef MEMPROBE_BPFSTATS_H
#define MEMPROBE_BPFSTATS_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>

struct probes;

#define BPFSTATS_MAX	48
#define BPFSTATS_NAME	64

struct bpfstats {
	struct {
		char name[BPFSTATS_NAME];
		__u64 memlock;
	} maps[BPFSTATS_MAX];
	size_t n_maps;
	bool enabled;			/* kernel.bpf_stats_enabled */
	struct {
		char name[BPFSTATS_NAME];
		__u64 run_ns;
		__u64 run_cnt;
	} progs[BPFSTATS_MAX];
	size_t n_progs;			/* 0 while the statistics are off */
};

/* The maps and programs loaded now; what cannot be read is left out. */
void bpfstats_read(const struct probes *p, struct bpfstats *s);

#endif /* MEMPROBE_BPFSTATS_H */
