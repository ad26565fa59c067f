// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Unit names resolve on whichever hierarchy holds the memory controller,
 * and name cgroups the same way on v1 and v2. On a systemd-style tree (as
 * in the test VMs, v2 or v1) a real system.slice/visioncore.service is found
 * and measured.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "harness.h"
#include "it.h"
#include "util.h"

/* Runs memprobe briefly on target; the start record's first target, and its first sample. */
static bool resolve(const char *target, struct jv **start, struct jv **sample)
{
	const char *argv[] = { "--json", "--interval", "0.2", "--duration", "0.5", "--cgroup", target, NULL };
	struct agent a = { .out = -1 };
	int code;

	if (agent_start(&a, argv))
		return false;
	code = agent_finish(&a, 0, 30);
	*start = agent_record(&a, "start", NULL);
	*sample = agent_record(&a, "sample", NULL);
	if (code)
		test_log(__FILE__, __LINE__, "memprobe --cgroup %s: exit %d: %s", target, code, agent_stderr(&a));
	agent_free(&a);
	return code == 0 && *start && *sample;
}

static const char *first_target(const struct jv *start, uint64_t *id)
{
	const struct jv *t = jv_get(start, "targets");

	if (!t || t->n < 1)
		return NULL;
	*id = jv_u64_or(&t->items[0], "cgroup_id");
	return jv_str(&t->items[0], "cgroup");
}

INTEGRATION_TEST(unit_names_resolve, 60)
{
	struct jv *start = NULL, *sample = NULL;
	char unit[64], dir[IT_PATH + 64], rel[IT_PATH + 64], abs[IT_PATH + 64];
	struct tcg cg = { 0 };
	const char *name;
	struct stat st;
	uint64_t id;
	bool ok = false;

	if (!ASSERT(!tcg_create(&cg, "units"), "cgroup"))
		return false;
	/* A unit one level down, as systemd puts services in slices. */
	if (cg.version == 2 && !ASSERT(!tcg_write(&cg, "cgroup.subtree_control", "+memory"), "enable memory below"))
		goto out;
	snprintf(unit, sizeof(unit), "mp%d.service", (int)getpid());
	snprintf(dir, sizeof(dir), "%s/%s", cg.dir, unit);
	snprintf(rel, sizeof(rel), "%s/%s", cg.rel, unit);
	if (!ASSERT(!mkdir(dir, 0755) && !stat(dir, &st), "mkdir %s", dir))
		goto out;
	if (!ASSERT(resolve(unit, &start, &sample), "by unit name"))
		goto out;
	name = first_target(start, &id);
	/* No leading slash, the same string on v1 and v2; the id is the directory's inode. */
	if (!ASSERT_STR(name, rel) || !ASSERT(id == st.st_ino, "id %llu, inode %llu", (unsigned long long)id,
					       (unsigned long long)st.st_ino))
		goto out;
	jv_free(start);
	jv_free(sample);
	start = sample = NULL;
	snprintf(abs, sizeof(abs), "%s", dir);
	if (!ASSERT(resolve(abs, &start, &sample), "by absolute path") || !ASSERT_STR(first_target(start, &id), rel))
		goto out;
	ok = true;
out:
	jv_free(start);
	jv_free(sample);
	rmdir(dir);
	tcg_remove(&cg);
	return ok;
}

/* A systemd host's service, where the tree has one (the test VMs make it): anon_key is memory.stat's anon. */
static bool service_found(const char *dir, const char *anon_key)
{
	struct jv *start = NULL, *sample = NULL;
	char path[256], buf[8192], *p;
	uint64_t id, anon = ~0ULL;
	struct stat st;
	bool ok;

	snprintf(path, sizeof(path), "%s/memory.stat", dir);
	if (stat(path, &st))
		SKIP("no systemd-style %s with memory enabled here (the VM suite has one)", dir);
	stat(dir, &st);
	if (!ASSERT(resolve("visioncore.service", &start, &sample), "visioncore.service"))
		return false;
	if (read_text(path, buf, sizeof(buf)) > 0 && (p = strstr(buf, anon_key)))
		anon = strtoull(p + strlen(anon_key), NULL, 10);
	ok = ASSERT_STR(first_target(start, &id), "system.slice/visioncore.service") &&
	     ASSERT(id == st.st_ino, "cgroup_id") &&
	     ASSERT_NEAR(jv_u64_or(sample, "anon_bytes"), anon, 5, 64 * 1024);
	jv_free(start);
	jv_free(sample);
	return ok;
}

INTEGRATION_TEST(systemd_service_found_on_v2, 60)
{
	return service_found("/sys/fs/cgroup/system.slice/visioncore.service", "anon ");
}

/* The memory controller on v1, as Amazon Linux 2 boots: the same names, from the memory hierarchy. */
INTEGRATION_TEST(systemd_service_found_on_v1, 60)
{
	return service_found("/sys/fs/cgroup/memory/system.slice/visioncore.service", "total_rss ");
}
