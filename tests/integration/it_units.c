// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Unit names resolve on whichever hierarchy holds the memory controller,
 * and name cgroups the same way on v1 and v2. On a systemd-style tree (as
 * in the test VMs, v2 or v1) a real system.slice/visioncore.service is found
 * and measured. And memprobe's own unit for Prometheus is a unit systemd
 * accepts.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness.h"
#include "it.h"
#include "sys/util.h"

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

#define UNIT_LINES	128

/* The [Service] lines of a unit file, "Key=value" each, into lines (NULL-terminated), pointing into buf. */
static bool service_lines(const char *path, char *buf, size_t len, const char *lines[UNIT_LINES])
{
	bool in_service = false;
	size_t n = 0;
	char *p, *save = NULL;

	if (read_text(path, buf, len) <= 0)
		return false;
	for (p = strtok_r(buf, "\n", &save); p && n < UNIT_LINES - 1; p = strtok_r(NULL, "\n", &save)) {
		if (*p == '[')
			in_service = !strcmp(p, "[Service]");
		else if (in_service && *p != '#' && strchr(p, '='))
			lines[n++] = p;
	}
	lines[n] = NULL;
	return n > 0;
}

static bool has_line(const char *const *lines, const char *line)
{
	for (; lines && *lines; lines++)
		if (!strcmp(*lines, line))
			return true;
	return false;
}

/*
 * The exporter's unit: accepted by systemd-analyze (with the documented fleet
 * drop-in too), hardened as memprobe.service is, and on the network only as
 * far as serving its port to this host.
 */
INTEGRATION_TEST(exporter_unit_verify, 60)
{
	/* memprobe.service's settings that serving a port has to change. */
	static const char *const network[] = { "PrivateNetwork=", "RestrictAddressFamilies=", "IPAddressDeny=" };
	static const char *const wanted[] = {
		"RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6",
		"IPAddressAllow=localhost",
		"IPAddressDeny=any",
		"SocketBindAllow=tcp:19792",
		"SocketBindDeny=any",
		"Environment=MEMPROBE_LISTEN=127.0.0.1:19792",
	};
	static char base_buf[8192], exp_buf[8192];
	const char *base[UNIT_LINES], *exp[UNIT_LINES];
	char cmd[2048], *build = realpath(build_path(""), NULL);
	bool ok = true;
	size_t i, j;
	int status;

	if (!ASSERT(build, "no build directory"))
		return false;
	snprintf(cmd, sizeof(cmd),
		 "set -e; d=$(mktemp -d /tmp/memprobe-test-units-XXXXXX); trap 'rm -rf $d' EXIT; "
		 "sed 's|@SBINDIR@|%s|' systemd/memprobe-exporter.service.in > $d/memprobe-exporter.service; "
		 "cd $d; out=$(systemd-analyze verify memprobe-exporter.service 2>&1); [ -z \"$out\" ] || { echo \"$out\" >&2; exit 1; }; "
		 "mkdir memprobe-exporter.service.d; "
		 "cp \"$OLDPWD/systemd/examples/memprobe-exporter-fleet.conf\" memprobe-exporter.service.d/fleet.conf; "
		 "out=$(systemd-analyze verify memprobe-exporter.service 2>&1); [ -z \"$out\" ] || { echo \"$out\" >&2; exit 1; }",
		 build);
	free(build);
	status = system(cmd);
	if (!ASSERT(WIFEXITED(status) && WEXITSTATUS(status) == 0, "systemd-analyze verify found problems"))
		return false;

	if (!ASSERT(service_lines("systemd/memprobe.service.in", base_buf, sizeof(base_buf), base) &&
		    service_lines("systemd/memprobe-exporter.service.in", exp_buf, sizeof(exp_buf), exp),
		    "cannot read the units"))
		return false;
	/* From the capabilities down, every setting of memprobe.service is hardening. */
	for (i = 0; base[i] && strncmp(base[i], "CapabilityBoundingSet=", 22); i++)
		;
	if (!ASSERT(base[i], "no CapabilityBoundingSet in memprobe.service"))
		return false;
	for (; base[i]; i++) {
		bool changes = false;

		for (j = 0; j < ARRAY_SIZE(network); j++)
			changes |= !strncmp(base[i], network[j], strlen(network[j]));
		if (!changes)
			ok &= ASSERT(has_line(exp, base[i]), "the exporter lacks memprobe.service's %s", base[i]);
	}
	for (i = 0; i < ARRAY_SIZE(wanted); i++)
		ok &= ASSERT(has_line(exp, wanted[i]), "the exporter lacks %s", wanted[i]);
	ok &= ASSERT(!has_line(exp, "PrivateNetwork=yes"), "it could not serve in a network of its own");
	for (i = 0; exp[i]; i++)
		if (!strncmp(exp[i], "ExecStart=", 10))
			ok &= ASSERT(strstr(exp[i], "--listen ${MEMPROBE_LISTEN}"), "%s", exp[i]);
	return ok;
}
