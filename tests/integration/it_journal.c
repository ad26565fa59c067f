// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * journald for real: the tests start a systemd-journald when none runs (and
 * stop it after), run memprobe --journal on a throwaway cgroup and read the
 * entries back with journalctl: MESSAGE_IDs, priorities and fields as the
 * interface spec says. Then journald absent, the units, and the privileges
 * memprobe keeps.
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/shm.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness.h"
#include "it.h"
#include "sys/util.h"
#include "workload.h"

#define SOCKET		"/run/systemd/journal/socket"
#define ID_START	"2131624367544e3c8dcddbe44c4b42b8"
#define ID_SUMMARY	"81c19e483cd1492189b6051692d86c51"
#define ID_OOM_KILL	"22104816cd0d4f539840447de4cda9cc"
#define ID_SHM		"b1a298930c5240d695861fdce2ad0ee6"
#define ID_SHM_ORPHAN	"42a0ecd3436d4098a50748d051c780e3"
#define ID_VERDICT	"fa06ddb67c134972b01149109a02a2b8"

/*
 * A journald listens when a datagram connect to its socket succeeds; the
 * socket file alone proves nothing, since a stopped journald leaves it behind.
 */
static bool journald_listens(void)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX, .sun_path = SOCKET };
	int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	bool ok;

	if (fd < 0)
		return false;
	ok = !connect(fd, (struct sockaddr *)&sa, sizeof(sa));
	close(fd);
	return ok;
}

/* True once an entry sent now can be read back: journald has opened its files. */
static bool journald_ready(void)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX, .sun_path = SOCKET };
	char msg[128], cmd[256], out[256];
	int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0), i;
	bool seen = false;

	if (fd < 0)
		return false;
	snprintf(msg, sizeof(msg), "MESSAGE=memprobe-test-ready-%d\nSYSLOG_IDENTIFIER=memprobe-test\n", (int)getpid());
	sendto(fd, msg, strlen(msg), 0, (struct sockaddr *)&sa, sizeof(sa));
	close(fd);
	snprintf(cmd, sizeof(cmd), "journalctl -q --all -o cat MESSAGE=memprobe-test-ready-%d 2>/dev/null", (int)getpid());
	for (i = 0; i < 200 && !seen; i++) {
		FILE *f = popen(cmd, "r");

		if (f) {
			seen = fgets(out, sizeof(out), f) != NULL;
			pclose(f);
		}
		if (!seen)
			usleep(50000);
	}
	return seen;
}

/* Starts systemd-journald unless one listens; returns its pid, 0 if one ran, -1. */
static pid_t journald_ensure(void)
{
	pid_t pid = 0;
	int i;

	if (!journald_listens()) {
		mkdir("/run/systemd", 0755);
		mkdir("/run/systemd/journal", 0755);
		pid = fork();
		if (pid == 0) {
			int null = open("/dev/null", O_RDWR);

			dup2(null, 0);
			dup2(null, 1);
			dup2(null, 2);
			execl("/lib/systemd/systemd-journald", "systemd-journald", (char *)NULL);
			_exit(127);
		}
		for (i = 0; pid > 0 && i < 200 && !journald_listens(); i++)
			usleep(50000);
	}
	if (pid < 0 || !journald_listens() || !journald_ready()) {
		if (pid > 0) {
			kill(pid, SIGTERM);
			waitpid(pid, NULL, 0);
		}
		return -1;
	}
	return pid;
}

static void journald_stop(pid_t pid)
{
	if (pid > 0) {
		kill(pid, SIGTERM);
		waitpid(pid, NULL, 0);
	}
}

/* memprobe's entries, from journalctl -o json, one parsed object each. */
struct entries {
	struct jv *v[256];
	size_t n;
};

static void entries_free(struct entries *e)
{
	while (e->n)
		jv_free(e->v[--e->n]);
}

static bool read_journal(pid_t memprobe, size_t want, struct entries *e)
{
	char cmd[256], line[1 << 16];
	int tries;

	for (tries = 0; tries < 100; tries++) {
		FILE *f;

		entries_free(e);
		snprintf(cmd, sizeof(cmd), "journalctl -q --all -o json _PID=%d SYSLOG_IDENTIFIER=memprobe 2>/dev/null",
			 (int)memprobe);
		f = popen(cmd, "r");
		if (!f)
			return false;
		while (fgets(line, sizeof(line), f) && e->n < 256) {
			struct jv *v = jv_parse(line);

			if (v)
				e->v[e->n++] = v;
		}
		pclose(f);
		if (e->n >= want)
			return true;
		usleep(100000);
	}
	return false;
}

static const struct jv *by_id(const struct entries *e, const char *id)
{
	size_t i;

	for (i = 0; i < e->n; i++)
		if (jv_str(e->v[i], "MESSAGE_ID") && !strcmp(jv_str(e->v[i], "MESSAGE_ID"), id))
			return e->v[i];
	return NULL;
}

static bool field_is(const struct jv *entry, const char *field, const char *want)
{
	const char *v = jv_str(entry, field);

	return v && !strcmp(v, want);
}

static int orphan_then_oom(void *arg)
{
	size_t at, n = 4 * 32 * WL_MIB;
	int *shmid = arg, id = shmget(IPC_PRIVATE, 4096, IPC_CREAT | 0600);
	char *p;

	*shmid = id;
	if (id < 0)
		return 1;
	sleep(1);	/* long enough for a scan to see the orphan-to-be attached to nothing */
	p = mmap(NULL, n, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	for (at = 0; p != MAP_FAILED && at < n; at += 4096)
		p[at] = 1;
	return 0;
}

INTEGRATION_TEST(journal_entries_as_specified, 90)
{
	const char *argv[] = { "--json", "--journal", "--interval", "0.25", "--cgroup", NULL, NULL };
	struct tchild child = { .pid = 0, .go = -1 };
	struct agent a = { .out = -1 };
	struct entries e = { .n = 0 };
	struct jv *summary = NULL, *oom = NULL;
	const struct jv *j;
	int *shmid = mmap(NULL, sizeof(int), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	struct tcg cg = { 0 };
	pid_t journald = journald_ensure(), memprobe;
	char value[64];
	bool ok = false;

	*shmid = -1;
	if (!ASSERT(journald >= 0, "no journald") || !ASSERT(!tcg_create(&cg, "journal"), "cgroup") ||
	    !ASSERT(!tcg_limit(&cg, 32 * WL_MIB), "limit") ||
	    !ASSERT(!tchild_start(&child, &cg, orphan_then_oom, shmid), "child"))
		goto out;
	argv[5] = cg.rel;
	if (!ASSERT(!agent_start(&a, argv), "memprobe") || !ASSERT(agent_wait_for(&a, "start", 30), "no start"))
		goto out;
	memprobe = a.pid;
	tchild_go(&child);
	tchild_wait(&child, 30);
	if (!ASSERT(agent_wait_for(&a, "oom_kill", 10), "no OOM kill") ||
	    !ASSERT(agent_wait_for(&a, "shm_orphan", 10), "no orphan") ||
	    !ASSERT(agent_finish(&a, SIGTERM, 30) == 0, "memprobe failed: %s", agent_stderr(&a)))
		goto out;
	summary = agent_record(&a, "summary", cg.rel);
	oom = agent_record(&a, "oom_kill", NULL);
	if (!ASSERT(read_journal(memprobe, 5, &e), "%zu journal entries from memprobe", e.n))
		goto out;
	/* Every record type, its id and its priority. */
	j = by_id(&e, ID_START);
	if (!ASSERT(j && field_is(j, "PRIORITY", "6"), "start entry"))
		goto out;
	j = by_id(&e, ID_SHM);
	if (!ASSERT(j && field_is(j, "PRIORITY", "6") && field_is(j, "MEMPROBE_CGROUP", cg.rel), "shm entry"))
		goto out;
	j = by_id(&e, ID_SHM_ORPHAN);
	snprintf(value, sizeof(value), "%d", *shmid);
	if (!ASSERT(j && field_is(j, "PRIORITY", "4") && field_is(j, "MEMPROBE_SHMID", value), "orphan entry") ||
	    !ASSERT(field_is(j, "MEMPROBE_REMOVE_COMMAND", strstr(jv_str(j, "MESSAGE") ?: "", "ipcrm") ?: "?"),
		    "the message says how to remove it"))
		goto out;
	j = by_id(&e, ID_OOM_KILL);
	snprintf(value, sizeof(value), "%llu", (unsigned long long)jv_u64_or(oom, "pid"));
	if (!ASSERT(j && field_is(j, "PRIORITY", "2") && field_is(j, "MEMPROBE_PID", value) &&
		    field_is(j, "MEMPROBE_CGROUP", cg.rel) && field_is(j, "MEMPROBE_SCOPE", "cgroup"), "oom entry"))
		goto out;
	j = by_id(&e, ID_SUMMARY);
	snprintf(value, sizeof(value), "%llu", (unsigned long long)jv_u64_or(summary, "page_cache_bytes"));
	ok = ASSERT(j && field_is(j, "MEMPROBE_CGROUP", cg.rel), "summary entry") &&
	     ASSERT(field_is(j, "PRIORITY", !strcmp(jv_str(summary, "verdict"), "leak") ? "3" :
			     !strcmp(jv_str(summary, "verdict"), "warning") ? "4" : "6"), "summary priority by verdict") &&
	     ASSERT(field_is(j, "MEMPROBE_VERDICT", jv_str(summary, "verdict")), "verdict field") &&
	     ASSERT(field_is(j, "MEMPROBE_PAGE_CACHE_BYTES", value), "the same figure as the JSON") &&
	     ASSERT(field_is(j, "MEMPROBE_OOM_KILLS", "1"), "OOM kills counted") &&
	     ASSERT(field_is(j, "MEMPROBE_INTERIM", "0"), "final");
out:
	if (*shmid >= 0)
		shmctl(*shmid, IPC_RMID, NULL);
	entries_free(&e);
	jv_free(summary);
	jv_free(oom);
	agent_free(&a);
	tchild_kill(&child);
	tcg_remove(&cg);
	munmap(shmid, sizeof(int));
	journald_stop(journald);
	return ok;
}

INTEGRATION_TEST(journal_verdict_change_entry, 60)
{
	const char *argv[] = { "--json", "--journal", "--interval", "0.25", "--verdict-samples", "6", "--leak-band", "16M",
			       "--leak-after", "1", "--", build_path("workloads/anonload"), "--rate", "64M", "--seconds", "3",
			       NULL };
	struct agent a = { .out = -1 };
	struct entries e = { .n = 0 };
	const struct jv *j;
	pid_t journald = journald_ensure(), memprobe;
	bool ok = false;

	if (!ASSERT(journald >= 0, "no journald") || !ASSERT(!agent_start(&a, argv), "memprobe"))
		goto out;
	memprobe = a.pid;
	if (!ASSERT(agent_finish(&a, 0, 40) == 0, "memprobe failed: %s", agent_stderr(&a)) ||
	    !ASSERT(agent_count(&a, "verdict", NULL) >= 1, "no verdict record"))
		goto out;
	if (!ASSERT(read_journal(memprobe, 3, &e), "entries"))
		goto out;
	j = by_id(&e, ID_VERDICT);
	ok = ASSERT(j, "no verdict entry") && ASSERT(field_is(j, "MEMPROBE_VERDICT", "leak"), "verdict") &&
	     ASSERT(field_is(j, "PRIORITY", "3"), "a leak is an error") &&
	     ASSERT(field_is(j, "MEMPROBE_PREVIOUS_VERDICT", "normal"), "previous");
out:
	entries_free(&e);
	agent_free(&a);
	journald_stop(journald);
	return ok;
}

/* A process whose name would clear the operator's screen makes a segment and removes it. */
#define HOSTILE_COMM	"\033[2J\nclear"

static int hostile_shm(void *arg)
{
	int id;

	(void)arg;
	prctl(PR_SET_NAME, HOSTILE_COMM);
	id = shmget(IPC_PRIVATE, 4096, IPC_CREAT | 0600);
	return id < 0 || shmctl(id, IPC_RMID, NULL);
}

/* MESSAGE is for people: names in it are escaped; the MEMPROBE_ fields keep the bytes. */
INTEGRATION_TEST(journal_message_escapes_names, 60)
{
	const char *argv[] = { "--json", "--journal", "--interval", "0.5", "--cgroup", NULL, NULL };
	struct tchild child = { .pid = 0, .go = -1 };
	struct agent a = { .out = -1 };
	struct entries e = { .n = 0 };
	pid_t journald = journald_ensure(), memprobe;
	const struct jv *j;
	struct tcg cg = { 0 };
	bool ok = false;

	if (!ASSERT(journald >= 0, "no journald") || !ASSERT(!tcg_create(&cg, "jhostile"), "cgroup") ||
	    !ASSERT(!tchild_start(&child, &cg, hostile_shm, NULL), "child"))
		goto out;
	argv[5] = cg.rel;
	if (!ASSERT(!agent_start(&a, argv), "memprobe") || !ASSERT(agent_wait_for(&a, "start", 30), "no start"))
		goto out;
	memprobe = a.pid;
	tchild_go(&child);
	if (!ASSERT(tchild_wait_reading(&child, &a, 20) == 0, "child") ||
	    !ASSERT(agent_wait_for(&a, "shm", 10), "no shm record") ||
	    !ASSERT(agent_finish(&a, SIGINT, 30) == 0, "memprobe: %s", agent_stderr(&a)) ||
	    !ASSERT(read_journal(memprobe, 3, &e), "entries"))
		goto out;
	j = by_id(&e, ID_SHM);
	ok = ASSERT(j, "no shm entry") &&
	     ASSERT(jv_str(j, "MESSAGE") && !strchr(jv_str(j, "MESSAGE"), '\033') && !strchr(jv_str(j, "MESSAGE"), '\n'),
		    "MESSAGE raw: %s", jv_str(j, "MESSAGE") ?: "(not text)") &&
	     ASSERT(strstr(jv_str(j, "MESSAGE"), "\\x1b[2J\\nclear"), "MESSAGE: %s", jv_str(j, "MESSAGE")) &&
	     ASSERT(!jv_str(j, "MEMPROBE_COMM") || strcmp(jv_str(j, "MEMPROBE_COMM"), "\\x1b[2J\\nclear"),
		    "the field is escaped too");
out:
	entries_free(&e);
	agent_free(&a);
	tchild_kill(&child);
	tcg_remove(&cg);
	journald_stop(journald);
	return ok;
}

/* Runs memprobe where /run/systemd/journal is an empty directory: journald is not there. */
INTEGRATION_TEST(journal_absent_keeps_running, 60)
{
	char out[] = "/tmp/memprobe-test-nojournal-XXXXXX", err[8192], cmd[512];
	const char *line;
	int status, n = 0, fd = mkstemp(out);
	pid_t pid;
	bool ok;

	if (!ASSERT(fd >= 0, "mkstemp"))
		return false;
	pid = fork();
	if (pid == 0) {
		const char *argv[] = { build_path("memprobe"), "--journal", "--json", "--duration", "1", "--interval", "0.25", NULL };

		if (unshare(CLONE_NEWNS) || mount(NULL, "/", NULL, MS_REC | MS_SLAVE, NULL) ||
		    mkdir("/run/systemd", 0755) < -1 || mkdir("/run/systemd/journal", 0755) < -1 ||
		    mount("tmpfs", "/run/systemd/journal", "tmpfs", 0, NULL))
			_exit(126);
		dup2(fd, 2);
		close(1);
		open("/dev/null", O_WRONLY);
		execv(argv[0], (char *const *)argv);
		_exit(127);
	}
	waitpid(pid, &status, 0);
	close(fd);
	read_text(out, err, sizeof(err));
	unlink(out);
	for (line = err; (line = strstr(line, "journald is not running")); line++)
		n++;
	ok = ASSERT(WIFEXITED(status) && WEXITSTATUS(status) == 0, "status %d; stderr: %s", status, err) &&
	     ASSERT(n == 1, "said %d times: %s", n, err);
	(void)cmd;
	return ok;
}

INTEGRATION_TEST(units_verify, 60)
{
	char cmd[1024];
	int status;

	/* The units as installed, pointing at this build's binary so that verify can check ExecStart. */
	snprintf(cmd, sizeof(cmd),
		 "set -e; d=$(mktemp -d /tmp/memprobe-test-units-XXXXXX); trap 'rm -rf $d' EXIT; "
		 "sed 's|@SBINDIR@|%s|' systemd/memprobe@.service.in > $d/memprobe@visioncore.service; "
		 "sed 's|@SBINDIR@|%s|' systemd/memprobe.service.in > $d/memprobe.service; "
		 "cp systemd/examples/visioncore.service $d/; "
		 /* Documentation=man:memprobe(8): verify runs man on it, so the page must be found. */
		 "mkdir -p $d/man/man8; cp man/memprobe.8 $d/man/man8/; export MANPATH=$d/man:; cd $d; "
		 "out=$(systemd-analyze verify memprobe@visioncore.service memprobe.service visioncore.service 2>&1); "
		 "echo \"$out\" >&2; test -z \"$out\"",
		 realpath(build_path(""), NULL), realpath(build_path(""), NULL));
	status = system(cmd);
	return ASSERT(WIFEXITED(status) && WEXITSTATUS(status) == 0, "systemd-analyze verify found problems");
}

/*
 * Under systemd, the units' capability bounding set is all memprobe has,
 * and CAP_SYS_ADMIN in it is for Debian's perf_event_paranoid=3 alone (the
 * syscall tracepoints' attach): every probe must load without it. (A CO-RE
 * relocation naming a type this kernel's vmlinux lacks sends libbpf to the
 * modules' BTF, which takes CAP_SYS_ADMIN: see compat.bpf.h.)
 * tests/vm/systemd runs the units themselves.
 */
INTEGRATION_TEST(loads_without_cap_sys_admin, 60)
{
	char out[] = "/tmp/memprobe-test-caps-XXXXXX", cmd[2048], err[8192] = "";
	int fd = mkstemp(out), status;

	if (!ASSERT(fd >= 0, "mkstemp"))
		return false;
	close(fd);
	snprintf(cmd, sizeof(cmd),
		 "caps() { sed -n 's/^CapabilityBoundingSet=//p' \"$1\" | tr 'A-Z ' 'a-z,' | sed 's/cap_/+/g'; }; "
		 "{ c=$(caps systemd/memprobe@.service.in); "
		 "test -n \"$c\" && test \"$c\" = \"$(caps systemd/memprobe.service.in)\" || "
		 "{ echo \"the units' bounding sets are missing or differ\" >&2; exit 3; }; "
		 "setpriv --bounding-set -all,$(echo $c | sed 's/+sys_admin,*//') -- %s --json --duration 1 > /dev/null; } 2> %s",
		 build_path("memprobe"), out);
	status = system(cmd);
	read_text(out, err, sizeof(err));
	unlink(out);
	return ASSERT(WIFEXITED(status) && WEXITSTATUS(status) == 0, "status %d: %s", status, err) &&
	       ASSERT(!strstr(err, "load failed") && !strstr(err, "cannot load"), "a probe did not load: %s", err);
}

INTEGRATION_TEST(capabilities_dropped_after_attach, 60)
{
	const char *argv[] = { "--json", "--interval", "0.25", NULL };
	struct agent a = { .out = -1 };
	char path[64], status[4096], *p;
	unsigned long long eff = ~0ULL, bnd = ~0ULL, want;
	bool ok = false;

	if (!ASSERT(!agent_start(&a, argv), "memprobe") || !ASSERT(agent_wait_for(&a, "start", 30), "no start"))
		goto out;
	snprintf(path, sizeof(path), "/proc/%d/status", (int)a.pid);
	if (read_text(path, status, sizeof(status)) > 0) {
		if ((p = strstr(status, "CapEff:")))
			eff = strtoull(p + 7, NULL, 16);
		if ((p = strstr(status, "CapBnd:")))
			bnd = strtoull(p + 7, NULL, 16);
	}
	/* CAP_DAC_READ_SEARCH, CAP_SYS_PTRACE, CAP_BPF, CAP_CHECKPOINT_RESTORE: nothing else. */
	want = 1ULL << 2 | 1ULL << 19 | 1ULL << 39 | 1ULL << 40;
	ok = ASSERT(eff == want, "CapEff %llx, want %llx", eff, want) &&
	     ASSERT(bnd == want, "CapBnd %llx, want %llx", bnd, want) &&
	     ASSERT(agent_finish(&a, SIGTERM, 30) == 0, "memprobe failed after dropping them: %s", agent_stderr(&a)) &&
	     ASSERT(agent_count(&a, "summary", NULL) >= 1, "no summary");
out:
	agent_free(&a);
	return ok;
}
