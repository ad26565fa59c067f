// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * memprobe installed like a system tool: the man page says what --help says
 * and renders cleanly, the release's version is the same everywhere, the
 * bash completion offers what memprobe takes, and the binary starts where
 * the C library is the only library there is.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <link.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness.h"
#include "it.h"
#include "sys/util.h"

#define MAN_PAGE	"man/memprobe.8"
#define MAX_OPTS	64

/* A whole file from the source tree (the tests run at its root), NUL-terminated; NULL if absent. */
static char *slurp(const char *path)
{
	FILE *f = fopen(path, "re");
	char *buf = NULL;
	size_t len = 0;

	if (f) {
		/* No file here comes near a megabyte. */
		buf = calloc(1, 1 << 20);
		if (buf)
			len = fread(buf, 1, (1 << 20) - 1, f);
		fclose(f);
	}
	if (buf)
		buf[len] = '\0';
	return buf;
}

/* stdout of a shell command, NUL-terminated (at most len - 1 bytes); -1 if it failed. */
static int command_output(const char *cmd, char *out, size_t len)
{
	FILE *p = popen(cmd, "re");
	size_t n = 0;

	if (!p)
		return -1;
	n = fread(out, 1, len - 1, p);
	out[n] = '\0';
	return pclose(p) == 0 ? 0 : -1;
}

struct optset {
	char name[MAX_OPTS][32];
	size_t n;
};

static void add_opt(struct optset *s, const char *name, size_t len)
{
	size_t i;

	if (len >= sizeof(s->name[0]) || s->n == MAX_OPTS)
		return;
	for (i = 0; i < s->n; i++)
		if (strlen(s->name[i]) == len && !strncmp(s->name[i], name, len))
			return;
	memcpy(s->name[s->n], name, len);
	s->name[s->n++][len] = '\0';
}

static bool has_opt(const struct optset *s, const char *name)
{
	size_t i;

	for (i = 0; i < s->n; i++)
		if (!strcmp(s->name[i], name))
			return true;
	return false;
}

/* Options as --help prints them: "-c," and "--cgroup" after a blank, a comma or a line start. */
static void help_options(const char *text, struct optset *s)
{
	const char *p;
	size_t len;

	for (p = text; *p; p++) {
		if (*p != '-' || (p > text && !strchr(" ,\n", p[-1])))
			continue;
		if (p[1] == '-' && islower((unsigned char)p[2])) {
			len = 2 + strspn(p + 2, "abcdefghijklmnopqrstuvwxyz0123456789-");
			add_opt(s, p, len);
			p += len - 1;
		} else if (isalpha((unsigned char)p[1]) && !isalnum((unsigned char)p[2]) && p[2] != '-') {
			add_opt(s, p, 2);
		}
	}
}

/* Options as the man page writes them, roff's "\-" for each dash: \-c, \-\-journal\-interval. */
static void man_options(const char *text, struct optset *s)
{
	char name[32];
	const char *p;
	size_t n;

	for (p = text; *p; p++) {
		if (strncmp(p, "\\-", 2))
			continue;
		if (!strncmp(p + 2, "\\-", 2) && islower((unsigned char)p[4])) {
			n = 0;
			name[n++] = '-';
			name[n++] = '-';
			for (p += 4; n < sizeof(name) - 1; ) {
				if (islower((unsigned char)*p) || isdigit((unsigned char)*p))
					name[n++] = *p++;
				else if (!strncmp(p, "\\-", 2) && (islower((unsigned char)p[2])))
					name[n++] = '-', p += 2;
				else
					break;
			}
			add_opt(s, name, n);
			p--;
		} else if (isalpha((unsigned char)p[2]) && !isalnum((unsigned char)p[3]) && p[3] != '\\') {
			name[0] = '-';
			name[1] = p[2];
			add_opt(s, name, 2);
		}
	}
}

/* The man page's text from ".SH name" to the next section. */
static char *man_section(char *page, const char *name)
{
	char head[64], *start, *end;

	snprintf(head, sizeof(head), "\n.SH %s\n", name);
	start = strstr(page, head);
	if (!start)
		return NULL;
	start += strlen(head);
	end = strstr(start, "\n.SH ");
	if (end)
		end[1] = '\0';
	return start;
}

INTEGRATION_TEST(manpage_lists_every_option, 30)
{
	struct optset help = { 0 }, man = { 0 };
	char *page = slurp(MAN_PAGE), *opts, cmd[512], *text = NULL;
	bool ok = false;
	size_t i;

	if (!ASSERT(page, "%s: %s", MAN_PAGE, strerror(errno)))
		return false;
	text = calloc(1, 65536);
	snprintf(cmd, sizeof(cmd), "%s --help", build_path("memprobe"));
	if (!ASSERT(text && !command_output(cmd, text, 65536), "%s", cmd))
		goto out;
	opts = man_section(page, "OPTIONS");
	if (!ASSERT(opts, "no OPTIONS section"))
		goto out;
	help_options(text, &help);
	man_options(opts, &man);
	if (!ASSERT(help.n >= 20, "only %zu options found in --help", help.n))
		goto out;
	ok = true;
	for (i = 0; i < help.n; i++)
		ok &= ASSERT(has_opt(&man, help.name[i]), "%s is in --help, not in the man page's OPTIONS",
			     help.name[i]);
	for (i = 0; i < man.n; i++)
		ok &= ASSERT(has_opt(&help, man.name[i]), "%s is in the man page's OPTIONS, not in --help",
			     man.name[i]);
out:
	free(text);
	free(page);
	return ok;
}

INTEGRATION_TEST(manpage_renders_cleanly, 30)
{
	static const char *const sections[] = {
		"NAME", "SYNOPSIS", "DESCRIPTION", "OPTIONS", "OUTPUT", "\"JOURNAL FIELDS\"",
		"\"EXIT STATUS\"", "FILES", "EXAMPLES", "\"SEE ALSO\"",
	};
	char warnings[4096], head[64], *page;
	bool ok = true;
	size_t i;

	if (system("command -v groff >/dev/null"))
		SKIP("groff is not installed (make deps-test installs groff-base)");
	/* Every warning on (-ww), output thrown away: stderr is all there is to see. */
	if (!ASSERT(!command_output("groff -ww -z -man -Tutf8 " MAN_PAGE " 2>&1", warnings, sizeof(warnings)),
		    "groff failed: %s", warnings) ||
	    !ASSERT(!warnings[0], "groff -ww: %s", warnings))
		return false;
	page = slurp(MAN_PAGE);
	if (!ASSERT(page, "%s", MAN_PAGE))
		return false;
	for (i = 0; i < ARRAY_SIZE(sections); i++) {
		snprintf(head, sizeof(head), "\n.SH %s\n", sections[i]);
		ok &= ASSERT(strstr(page, head), "no %s section", sections[i]);
	}
	free(page);
	return ok;
}

/* VERSION is the release's version: the binary, the man page and debian/changelog say the same. */
INTEGRATION_TEST(release_versions_agree, 30)
{
	char *version = slurp("VERSION"), *changelog = slurp("debian/changelog"), *page = slurp(MAN_PAGE);
	char want[128], out[256], cmd[512], *th;
	bool ok = false;

	if (!ASSERT(version && changelog && page, "VERSION, debian/changelog and %s", MAN_PAGE))
		goto out;
	version[strcspn(version, "\n")] = '\0';
	snprintf(want, sizeof(want), "memprobe (%s) ", version);
	if (!ASSERT(!strncmp(changelog, want, strlen(want)),
		    "debian/changelog's first entry is not for %s: add one (dch -v %s)", version, version))
		goto out;
	th = strstr(page, "\n.TH MEMPROBE 8 ");
	if (!ASSERT(th, "no .TH line"))
		goto out;
	th[strcspn(th + 1, "\n") + 1] = '\0';
	snprintf(want, sizeof(want), "\"memprobe %s\"", version);
	if (!ASSERT(strstr(th, want), "the man page's .TH does not say %s: %s", want, th + 1))
		goto out;
	snprintf(cmd, sizeof(cmd), "%s --version", build_path("memprobe"));
	snprintf(want, sizeof(want), "memprobe %s\n", version);
	ok = ASSERT(!command_output(cmd, out, sizeof(out)), "%s", cmd) && ASSERT_STR(out, want);
out:
	free(version);
	free(changelog);
	free(page);
	return ok;
}

/* Runs argv[0] with argv in a mount namespace of its own (mounts made there die with it). */
static int run_unshared(const char *const argv[], int timeout_s)
{
	int status;
	pid_t pid = fork();

	if (pid < 0)
		return -1;
	if (pid == 0) {
		if (unshare(CLONE_NEWNS) || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL))
			_exit(126);
		alarm(timeout_s);
		execv(argv[0], (char *const *)argv);
		_exit(127);
	}
	if (waitpid(pid, &status, 0) != pid)
		return -1;
	return status;
}

INTEGRATION_TEST(completion_offers_options_values_units, 60)
{
	struct tcg cg = { 0 };
	char unit[64], dir[IT_PATH + 64];
	bool ok = false;
	int status;

	if (access("/bin/bash", X_OK))
		SKIP("no bash");
	if (!ASSERT(!tcg_create(&cg, "completion"), "cgroup"))
		return false;
	/* A unit-named cgroup inside it, for the completion to find in the tree. */
	snprintf(unit, sizeof(unit), "mp%d.service", (int)getpid());
	snprintf(dir, sizeof(dir), "%s/%s", cg.dir, unit);
	if (!ASSERT(!mkdir(dir, 0755), "mkdir %s", dir))
		goto out;
	{
		const char *argv[] = { "/bin/bash", "tests/integration/completion.sh", "completion/memprobe.bash",
				       build_path("memprobe"), cg.rel, unit, NULL };

		status = run_unshared(argv, 50);
	}
	ok = ASSERT(WIFEXITED(status) && WEXITSTATUS(status) == 0, "completion.sh: status %d", status);
out:
	rmdir(dir);
	tcg_remove(&cg);
	return ok;
}

/*
 * The C library as this process has it loaded (the loader, libc, libm): the
 * same files a memprobe built by the same toolchain asks for.
 */
struct clib {
	char path[8][256];
	size_t n;
};

static int add_clib(struct dl_phdr_info *info, size_t size, void *arg)
{
	struct clib *c = arg;
	const char *base = strrchr(info->dlpi_name, '/');

	(void)size;
	if (!base || c->n == ARRAY_SIZE(c->path))
		return 0;
	base++;
	if (!strncmp(base, "libc.so.", 8) || !strncmp(base, "libm.so.", 8) || !strncmp(base, "ld-linux", 8))
		snprintf(c->path[c->n++], sizeof(c->path[0]), "%s", info->dlpi_name);
	return 0;
}

/* What the test made in the root, to take away in reverse order (never a recursive delete). */
struct made {
	char path[32][IT_PATH];
	bool dir[32];
	size_t n;
};

static int make_dirs(struct made *m, const char *root, const char *rel)
{
	char path[IT_PATH], *p;

	snprintf(path, sizeof(path), "%s/%s", root, rel);
	for (p = path + strlen(root) + 1; (p = strchr(p, '/')); p++) {
		*p = '\0';
		if (mkdir(path, 0755) == 0 && m->n < ARRAY_SIZE(m->path)) {
			m->dir[m->n] = true;
			snprintf(m->path[m->n++], IT_PATH, "%s", path);
		} else if (errno != EEXIST) {
			return -errno;
		}
		*p = '/';
	}
	return 0;
}

static int copy_in(struct made *m, const char *root, const char *from, const char *rel, mode_t mode)
{
	char to[IT_PATH], buf[65536];
	int in, out, r = 0;
	ssize_t n;

	r = make_dirs(m, root, rel);
	if (r)
		return r;
	snprintf(to, sizeof(to), "%s/%s", root, rel);
	in = open(from, O_RDONLY | O_CLOEXEC);
	if (in < 0)
		return -errno;
	out = open(to, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
	if (out < 0) {
		r = -errno;
		close(in);
		return r;
	}
	if (m->n < ARRAY_SIZE(m->path)) {
		m->dir[m->n] = false;
		snprintf(m->path[m->n++], IT_PATH, "%s", to);
	}
	while ((n = read(in, buf, sizeof(buf))) > 0)
		if (write(out, buf, n) != n) {
			r = -EIO;
			break;
		}
	if (n < 0)
		r = -errno;
	close(in);
	close(out);
	return r;
}

static void unmake(struct made *m)
{
	while (m->n--)
		(m->dir[m->n] ? rmdir : unlink)(m->path[m->n]);
}

/* Runs /memprobe args... chrooted into root, /proc and /sys bound in; stdout and stderr to out. */
static int run_chrooted(const char *root, const char *const argv[], const char *out, int timeout_s)
{
	/* Nothing from this environment: no LD_LIBRARY_PATH to find a library elsewhere. */
	char *const envp[] = { "PATH=/", "LD_BIND_NOW=1", NULL };
	char proc[IT_PATH], sys[IT_PATH];
	int status, fd;
	pid_t pid;

	snprintf(proc, sizeof(proc), "%s/proc", root);
	snprintf(sys, sizeof(sys), "%s/sys", root);
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		fd = open(out, O_WRONLY | O_TRUNC | O_CLOEXEC);
		/* Private first, so that the binds are never seen outside. */
		if (fd < 0 || unshare(CLONE_NEWNS) || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) ||
		    mount("/proc", proc, NULL, MS_BIND | MS_REC, NULL) ||
		    mount("/sys", sys, NULL, MS_BIND | MS_REC, NULL) || chroot(root) || chdir("/"))
			_exit(126);
		dup2(fd, 1);
		dup2(fd, 2);
		alarm(timeout_s);
		execve(argv[0], (char *const *)argv, envp);
		_exit(127);
	}
	if (waitpid(pid, &status, 0) != pid)
		return -1;
	return status;
}

/*
 * libbpf, libelf and zlib are linked in: the binary starts, and watches the
 * machine, in a root that holds nothing but the C library (the test VM's
 * initramfs is another such place: this test runs there too).
 */
INTEGRATION_TEST(runs_with_only_the_c_library, 60)
{
	char root[] = "/tmp/memprobe-test-clib-XXXXXX", out[] = "/tmp/memprobe-test-clib-out-XXXXXX";
	const char *version[] = { "/memprobe", "--version", NULL };
	const char *run[] = { "/memprobe", "--json", "--duration", "1", "--interval", "0.5", NULL };
	/* Whole-machine records list every cgroup: a busy host's start record alone can pass 64 KiB. */
	size_t text_len = 4 << 20;
	char *text = malloc(text_len);
	struct made m = { 0 };
	struct clib c = { 0 };
	bool ok = false;
	size_t i;
	int status, fd = -1;

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_UNDEFINED__)
	SKIP("a sanitized build needs its sanitizers' runtime libraries");
#endif
	dl_iterate_phdr(add_clib, &c);
	if (!ASSERT(text, "malloc") || !ASSERT(c.n >= 2, "found %zu C library files in this process", c.n) ||
	    !ASSERT(mkdtemp(root), "mkdtemp")) {
		free(text);
		return false;
	}
	fd = mkstemp(out);
	if (!ASSERT(fd >= 0, "mkstemp"))
		goto out;
	for (i = 0; i < c.n; i++)
		if (!ASSERT(!copy_in(&m, root, c.path[i], c.path[i] + 1, 0755), "copy %s", c.path[i]))
			goto out;
	if (!ASSERT(!copy_in(&m, root, build_path("memprobe"), "memprobe", 0755), "copy memprobe") ||
	    !ASSERT(!make_dirs(&m, root, "proc/") && !make_dirs(&m, root, "sys/"), "mkdir proc, sys"))
		goto out;

	/* LD_BIND_NOW: every symbol resolved at start, not just the libraries found. */
	status = run_chrooted(root, version, out, 20);
	read_text(out, text, text_len);
	if (!ASSERT(WIFEXITED(status) && WEXITSTATUS(status) == 0 && !strncmp(text, "memprobe ", 9),
		    "--version with only the C library: status %d: %s", status, text))
		goto out;
	status = run_chrooted(root, run, out, 40);
	read_text(out, text, text_len);
	ok = ASSERT(WIFEXITED(status) && WEXITSTATUS(status) == 0, "a run with only the C library: status %d: %.2000s",
		    status, text) &&
	     ASSERT(strstr(text, "\"type\":\"start\"") && strstr(text, "\"type\":\"summary\""),
		    "no start and summary records: %.2000s", text);
out:
	if (fd >= 0) {
		close(fd);
		unlink(out);
	}
	unmake(&m);
	rmdir(root);
	free(text);
	return ok;
}
