// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Cgroup resolution against fake trees in a temporary directory. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sys/cgroup.h"
#include "fakefs.h"
#include "harness.h"

/* A systemd-like v2 tree under base/cg2, memory enabled. */
static bool v2_tree(struct fakefs *f, struct cg_hier *h)
{
	static const char *const dirs[] = {
		"cg2/system.slice/visioncore.service", "cg2/system.slice/cron.service",
		"cg2/user.slice/user-1000.slice/user@1000.service/app.slice/cron.service",
		"cg2/batch.slice/batch-nightly.slice/job.scope", "cg2/nomem.service", "cg2/a b",
	};
	char mountinfo[1024];
	size_t i;

	if (!fakefs_init(f))
		return false;
	for (i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++)
		if (!fakefs_mkdir(f, dirs[i]))
			return false;
	for (i = 0; i < 4; i++) {
		char rel[512];

		snprintf(rel, sizeof(rel), "%s/memory.stat", dirs[i]);
		fakefs_write(f, rel, "anon 0\nfile 0\nshmem 0\n");
	}
	fakefs_write(f, "cg2/system.slice/memory.stat", "anon 0\n");
	fakefs_write(f, "cg2/cgroup.controllers", "cpu io memory pids\n");
	snprintf(mountinfo, sizeof(mountinfo),
		 "22 1 0:21 / /proc rw - proc proc rw\n"
		 "30 22 0:26 / %s/cg2 rw,nosuid - cgroup2 cgroup2 rw,nsdelegate\n", f->base);
	return !cg_hier_parse(h, mountinfo, f->base) && h->version == CG_V2;
}

UNIT_TEST(cgroup_detects_hybrid_v1_memory)
{
	struct cg_hier h;
	const char *mi =
		"35 25 0:30 / /sys/fs/cgroup rw - tmpfs tmpfs rw\n"
		"36 35 0:31 / /sys/fs/cgroup/cpu rw - cgroup cgroup rw,cpu\n"
		"37 35 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory\n"
		"38 35 0:33 / /sys/fs/cgroup/unified rw - cgroup2 cgroup2 rw\n"
		"39 35 0:34 / /sys/fs/cgroup/net_cls,net_prio rw - cgroup cgroup rw,net_cls,net_prio\n"
		"40 35 0:35 / /sys/fs/cgroup/memoryx rw - cgroup cgroup rw,memoryx\n";

	return ASSERT(!cg_hier_parse(&h, mi, "/sys/fs/cgroup"), "not found") &&
	       ASSERT(h.version == CG_V1, "version %d", h.version) &&
	       ASSERT_STR(h.root, "/sys/fs/cgroup/memory") &&
	       ASSERT(h.n_mounts == 5, "%zu mounts", h.n_mounts);
}

UNIT_TEST(cgroup_detects_nothing_without_memory)
{
	struct cg_hier h;
	const char *mi = "36 35 0:31 / /sys/fs/cgroup/cpu rw - cgroup cgroup rw,cpu\n"
			 "garbage line\n\n 1 2 3\n";

	return ASSERT(cg_hier_parse(&h, mi, "/sys/fs/cgroup") == -ENOENT, "found memory");
}

UNIT_TEST(cgroup_detects_v2_and_escapes)
{
	struct fakefs f = { "" };
	struct cg_hier h;
	bool ok = ASSERT(v2_tree(&f, &h), "fake tree") &&
		  ASSERT(strstr(h.root, "/cg2") != NULL, "root %s", h.root);

	fakefs_cleanup(&f);
	return ok;
}

UNIT_TEST(cgroup_resolves_units_and_paths)
{
	struct fakefs f = { "" };
	struct cg_target t;
	struct cg_hier h;
	char err[512], abs[512];
	bool ok = false;

	if (!ASSERT(v2_tree(&f, &h), "fake tree"))
		goto out;
	if (!ASSERT(!cg_resolve(&h, "visioncore.service", &t, err, sizeof(err)), "%s", err) ||
	    !ASSERT_STR(t.rel, "system.slice/visioncore.service"))
		goto out;
	/* A bare name means a service, as with systemctl. */
	if (!ASSERT(!cg_resolve(&h, "visioncore", &t, err, sizeof(err)), "%s", err) ||
	    !ASSERT_STR(t.rel, "system.slice/visioncore.service"))
		goto out;
	/* The shallowest match wins over a user's unit of the same name. */
	if (!ASSERT(!cg_resolve(&h, "cron.service", &t, err, sizeof(err)), "%s", err) ||
	    !ASSERT_STR(t.rel, "system.slice/cron.service"))
		goto out;
	if (!ASSERT(!cg_resolve(&h, "job.scope", &t, err, sizeof(err)), "%s", err) ||
	    !ASSERT_STR(t.rel, "batch.slice/batch-nightly.slice/job.scope"))
		goto out;
	if (!ASSERT(!cg_resolve(&h, "system.slice/visioncore.service/", &t, err, sizeof(err)), "%s", err) ||
	    !ASSERT_STR(t.rel, "system.slice/visioncore.service"))
		goto out;
	snprintf(abs, sizeof(abs), "%s/cg2/system.slice/visioncore.service", f.base);
	if (!ASSERT(!cg_resolve(&h, abs, &t, err, sizeof(err)), "%s", err) ||
	    !ASSERT_STR(t.rel, "system.slice/visioncore.service"))
		goto out;
	if (!ASSERT(!cg_resolve(&h, "/", &t, err, sizeof(err)), "%s", err) || !ASSERT_STR(t.rel, "/"))
		goto out;
	snprintf(abs, sizeof(abs), "%s/cg2/system.slice/visioncore.service", f.base);
	{
		struct stat st;

		stat(abs, &st);
		if (!ASSERT(t.id != st.st_ino || !strcmp(t.rel, "/"), "id"))
			goto out;
		cg_resolve(&h, "visioncore.service", &t, err, sizeof(err));
		if (!ASSERT(t.id == st.st_ino, "id is not the inode"))
			goto out;
	}
	ok = true;
out:
	fakefs_cleanup(&f);
	return ok;
}

UNIT_TEST(cgroup_refuses_bad_targets)
{
	static const struct {
		const char *target;
		int code;
		const char *says;
	} cases[] = {
		{ "missing.service", -ENOENT, "no cgroup for unit 'missing.service'" },
		{ "system.slice/missing", -ENOENT, "does not exist" },
		{ "../etc", -EINVAL, "'..'" },
		{ "system.slice/../..", -EINVAL, "'..'" },
		{ "./x", -EINVAL, "'.'" },
		{ "a b", -EINVAL, "character" },
		{ "x;rm -rf", -EINVAL, "character" },
		{ "x\ny", -EINVAL, "\\x0a" },
		{ "caf\xc3\xa9", -EINVAL, "\\xc3" },
		{ "/etc/passwd", -EINVAL, "is not under" },
		{ "nomem.service", -ENOENT, "no memory controller" },
	};
	struct fakefs f = { "" };
	struct cg_target t;
	struct cg_hier h;
	char err[512], longname[2048];
	bool ok = false;
	size_t i;

	if (!ASSERT(v2_tree(&f, &h), "fake tree"))
		goto out;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int r = cg_resolve(&h, cases[i].target, &t, err, sizeof(err));

		if (!ASSERT(r == cases[i].code, "'%s': %d", cases[i].target, r) ||
		    !ASSERT(strstr(err, cases[i].says), "'%s': \"%s\"", cases[i].target, err))
			goto out;
	}
	memset(longname, 'a', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	if (!ASSERT(cg_resolve(&h, longname, &t, err, sizeof(err)) == -EINVAL && strstr(err, "too long"), "%s", err))
		goto out;
	ok = true;
out:
	fakefs_cleanup(&f);
	return ok;
}

UNIT_TEST(cgroup_reports_ambiguous_units)
{
	struct fakefs f = { "" };
	struct cg_target t;
	struct cg_hier h;
	char err[512];
	bool ok = false;

	if (!ASSERT(v2_tree(&f, &h), "fake tree") || !ASSERT(fakefs_mkdir(&f, "cg2/other.slice/visioncore.service"), "mk"))
		goto out;
	ok = ASSERT(cg_resolve(&h, "visioncore.service", &t, err, sizeof(err)) == -EINVAL, "resolved") &&
	     ASSERT(strstr(err, "matches 2 cgroups"), "%s", err);
out:
	fakefs_cleanup(&f);
	return ok;
}

struct visits {
	unsigned int n, leaves;
	char seen[16][256];
};

static int count(void *ctx, const char *rel, __u64 id, unsigned int depth, bool leaf)
{
	struct visits *v = ctx;

	(void)id;
	(void)depth;
	if (v->n < 16)
		snprintf(v->seen[v->n], 256, "%s", rel);
	v->n++;
	v->leaves += leaf;
	return 0;
}

UNIT_TEST(cgroup_walks_subtrees)
{
	struct visits v = { 0 };
	struct fakefs f = { "" };
	struct cg_hier h;
	bool ok = false;

	if (!ASSERT(v2_tree(&f, &h), "fake tree"))
		goto out;
	if (!ASSERT(!cg_walk(&h, "system.slice", count, &v), "walk"))
		goto out;
	ok = ASSERT(v.n == 3 && v.leaves == 2, "%u visited, %u leaves", v.n, v.leaves) &&
	     ASSERT_STR(v.seen[0], "system.slice");
	memset(&v, 0, sizeof(v));
	ok = ok && ASSERT(!cg_walk(&h, "/", count, &v), "walk") &&
	     ASSERT(v.n == 14 && v.leaves == 6, "%u visited, %u leaves", v.n, v.leaves) &&
	     ASSERT_STR(v.seen[0], "/");
out:
	fakefs_cleanup(&f);
	return ok;
}
