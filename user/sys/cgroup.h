/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Finding memory cgroups: which hierarchy holds the memory controller (v2,
 * or v1 on hybrid hosts), what a user's TARGET names, and the cgroups below
 * a target. Returns negative errnos; never logs above debug.
 */
#ifndef MEMPROBE_CGROUP_H
#define MEMPROBE_CGROUP_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>

#define CG_PATH_MAX	1024
#define CG_MAX_MOUNTS	16

enum cg_version {
	CG_V1 = 1,
	CG_V2 = 2,
};

struct cg_hier {
	enum cg_version version;
	char base[CG_PATH_MAX];		/* where users' absolute paths must lie: /sys/fs/cgroup */
	char root[CG_PATH_MAX];		/* mount point of the hierarchy with the memory controller */
	char unified[CG_PATH_MAX];	/* the cgroup2 mount (PSI lives there), "" if none */
	char mounts[CG_MAX_MOUNTS][CG_PATH_MAX];	/* every cgroup mount, to translate paths */
	size_t n_mounts;
};

/* A process and the memory cgroup it was found in. */
struct pid_cg {
	int pid;
	__u64 cgid;
};

struct cg_target {
	char rel[CG_PATH_MAX];		/* relative to root, no leading slash; "/" for the root */
	char dir[CG_PATH_MAX];		/* absolute directory */
	__u64 id;			/* inode number of dir, as the probes see it */
};

/* Reads a mountinfo file (normally /proc/self/mountinfo) and picks the memory hierarchy. */
int cg_hier_detect(struct cg_hier *h, const char *mountinfo, const char *base);
/* The same from mountinfo text; v2 candidates are checked for memory in cgroup.controllers. */
int cg_hier_parse(struct cg_hier *h, const char *text, const char *base);

/*
 * Resolves TARGET: a systemd unit name (searched for in the tree), a path
 * relative to the memory root, or an absolute path under base. On failure
 * err says what was looked for and where.
 */
int cg_resolve(const struct cg_hier *h, const char *target, struct cg_target *out,
	       char *err, size_t errlen);

/* Fills out for a relative path known to be valid ("/" is the root). */
int cg_lookup(const struct cg_hier *h, const char *rel, struct cg_target *out);
/*
 * The cgroup whose id (kernfs node id, as the probes see it) is id, found
 * without a walk: kernfs hands out file handles by id. leaf says whether it
 * has no cgroup below it. -ESTALE when it is gone.
 */
int cg_lookup_id(const struct cg_hier *h, __u64 id, struct cg_target *out, bool *leaf);

/* Visits rel and every cgroup below it, parents first; a nonzero return from visit stops the walk. */
typedef int (*cg_visit_fn)(void *ctx, const char *rel, __u64 id, unsigned int depth, bool leaf);
int cg_walk(const struct cg_hier *h, const char *rel, cg_visit_fn visit, void *ctx);

/* Calls fn(ctx, pid) for each process in the cgroup (its cgroup.procs); stops on nonzero. */
int cg_pids(const struct cg_hier *h, const char *rel, int (*fn)(void *ctx, int pid), void *ctx);

/* The memory cgroup of a process, from /proc/PID/cgroup (the memory line on v1, "0::" on v2). */
int cg_of_pid(const struct cg_hier *h, int pid, struct cg_target *out);

/* Creates a fresh cgroup named name directly under the root; the caller removes it. */
int cg_create(const struct cg_hier *h, const char *name, struct cg_target *out);
/* Moves pid into the cgroup. */
int cg_attach(const struct cg_target *t, int pid);
/* Removes an empty cgroup, waiting briefly for exiting tasks to leave it. */
int cg_remove(const struct cg_target *t);

/* Joins root and rel into buf. */
int cg_path(const struct cg_hier *h, const char *rel, const char *file, char *buf, size_t len);

/* A systemd unit's name (a .service, .slice, .scope, ...): one path component with a unit's suffix. */
bool cg_is_unit_name(const char *name);

#endif /* MEMPROBE_CGROUP_H */
