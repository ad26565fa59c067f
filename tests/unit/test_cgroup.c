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
#include "harness.h"

struct fake {
	char base[256];
};

static bool mk(const struct fake *f, const char *rel)
{
	char path[1024], *p;

	snprintf(path, sizeof(path), "%s/%s", f->base, rel);
	for (p = path + strlen(f->base) + 1; (p = strchr(p, '/')); p++) {
		*p = '\0';
		mkdir(path, 0755);
		*p = '/';
	}
	return !mkdir(path, 0755) || errno == EEXIST;
}

static bool touch(const struct fake *f, const char *rel, const char *text)
{
	char path[1024];
	FILE *fp;

	snprintf(path, sizeof(path), "%s/%s", f->base, rel);
	fp = fopen(path, "w");
	if (!fp)
		return false;
	fputs(text, fp);
	return !fclose(fp);
}

static void cleanup(struct fake *f)
{
	char cmd[400];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->base);
	if (f->base[0] && system(cmd)) {
		/* nothing more to do */
	}
}

/* A systemd-like v2 tree under base/cg2, memory enabled. */
static bool v2_tree(struct fake *f, struct cg_hier *h)
{
	static const char *const dirs[] = {
		"cg2/system.slice/visioncore.service", "cg2/system.slice/cron.service",
		"cg2/user.slice/user-1000.slice/user@1000.service/app.slice/cron.service",
		"cg2/batch.slice/batch-nightly.slice/job.scope", "cg2/nomem.service", "cg2/a b",
	};
	char mountinfo[1024];
	size_t i;

	snprintf(f->base, sizeof(f->base), "/tmp/memprobe-unit-XXXXXX");
	if (!mkdtemp(f->base))
		return false;
	for (i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++)
		if (!mk(f, dirs[i]))
			return false;
	for (i = 0; i < 4; i++) {
		char rel[512];

		snprintf(rel, sizeof(rel), "%s/memory.stat", dirs[i]);
		touch(f, rel, "anon 0\nfile 0\nshmem 0\n");
	}
	touch(f, "cg2/system.slice/memory.stat", "anon 0\n");
	touch(f, "cg2/cgroup.controllers", "cpu io memory pids\n");
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
	struct fake f = { "" };
	struct cg_hier h;
	bool ok = ASSERT(v2_tree(&f, &h), "fake tree") &&
		  ASSERT(strstr(h.root, "/cg2") != NULL, "root %s", h.root);

	cleanup(&f);
	return ok;
}

UNIT_TEST(cgroup_resolves_units_and_paths)
{
	struct fake f = { "" };
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
	cleanup(&f);
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
	struct fake f = { "" };
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
	cleanup(&f);
	return ok;
}

UNIT_TEST(cgroup_reports_ambiguous_units)
{
	struct fake f = { "" };
	struct cg_target t;
	struct cg_hier h;
	char err[512];
	bool ok = false;

	if (!ASSERT(v2_tree(&f, &h), "fake tree") || !ASSERT(mk(&f, "cg2/other.slice/visioncore.service"), "mk"))
		goto out;
	ok = ASSERT(cg_resolve(&h, "visioncore.service", &t, err, sizeof(err)) == -EINVAL, "resolved") &&
	     ASSERT(strstr(err, "matches 2 cgroups"), "%s", err);
out:
	cleanup(&f);
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
	struct fake f = { "" };
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
	cleanup(&f);
	return ok;
}
