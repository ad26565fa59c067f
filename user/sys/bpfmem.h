/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The kernel memory a process's BPF maps hold, in the kernel's own words:
 * the "memlock:" line of each map's /proc/PID/fdinfo entry, which is what
 * the kernel charges for the map (since 6.4 the memory the map has
 * allocated, entries of a hash map included; before, an estimate from its
 * sizes). A map open through several descriptors counts once, by its id.
 * memprobe reads its own; the benchmark reads memprobe's from outside.
 */
#ifndef MEMPROBE_BPFMEM_H
#define MEMPROBE_BPFMEM_H

#include <stdbool.h>
#include <sys/types.h>
#include <linux/types.h>

struct bpfmem {
	__u64 bytes;
	unsigned int maps;
};

/* One fdinfo text: true if it is a BPF map's, with its id and memlock bytes. */
bool bpfmem_parse(const char *text, __u32 *map_id, __u64 *memlock);
/* The memlock bytes of the map behind this process's descriptor fd; 0 when it cannot be read. */
__u64 bpfmem_of_fd(int fd);
/* Sums the maps pid holds (0: this process). */
int bpfmem_read(pid_t pid, struct bpfmem *out);

#endif /* MEMPROBE_BPFMEM_H */
