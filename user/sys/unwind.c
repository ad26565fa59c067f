// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The unwinder of user/sys/unwind.h on elfutils' libdwfl.
 *
 * Each process gets a Dwfl: its modules reported from the text of
 * /proc/PID/maps (read once, at its first stack), and a thread state whose
 * callbacks serve the sample being unwound: its registers, and memory
 * reads from the stack copy only. libdwfl walks .eh_frame/.debug_frame,
 * and the x86_64 backend's frame-pointer walk where a module has no CFI.
 * libdwfl calls find_elf without saying for which process: the agent is
 * single-threaded, and the process being worked on is in `current`.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>
#include <elfutils/libdwfl.h>

#include "sys/kstat.h"
#include "sys/names.h"
#include "sys/unwind.h"
#include "sys/util.h"

#define MAPS_MAX	(4 << 20)	/* a process with more mappings than this is left unnamed */

/* A process; libdwfl holds its address, so it never moves. */
struct uproc {
	__u32 tgid;
	__u64 start_ns, mm;
	Dwfl *dwfl;			/* NULL: its maps could not be read */
	char *maps;			/* /proc/PID/maps as last read */
	double read_at;			/* when, monotonic seconds */
	unsigned long long used;	/* LRU clock */
	const struct unwind_input *in;	/* the sample being unwound */
};

struct unwinder {
	struct uproc **procs;
	size_t n, max;
	unsigned long long clock;
	struct unwind_stats stats;
	struct names *names;
	char *debuginfo_path;
	Dwfl_Callbacks cb;
	Dwfl_Thread_Callbacks tcb;
};

static struct uproc *current;

/* The VMA of pid that starts at start, as its /proc/PID/map_files name. */
static bool vma_named(const char *maps, __u64 start, char *out, size_t len)
{
	char key[40];
	const char *p;
	int n = snprintf(key, sizeof(key), "%" PRIx64 "-", (uint64_t)start);

	for (p = maps; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL) {
		const char *dash = p + n - 1, *end;

		if (strncmp(p, key, n))
			continue;
		end = strchr(dash + 1, ' ');
		if (!end || end - p >= (long)len)
			return false;
		memcpy(out, p, end - p);
		out[end - p] = '\0';
		return true;
	}
	return false;
}

/*
 * The file as the process maps it at start: its map_files link (the very
 * inode, even deleted or in another mount namespace), else through its
 * root, else by name, which is all that is left once it has exited. The
 * name without " (deleted)" goes to *plain.
 */
static int open_mapped(const struct uproc *p, const char *name, __u64 start, char **plain)
{
	char path[4096 + 64], vma[64], bare[4096];
	const char *del;
	int fd = -1;

	if (name[0] != '/' || strlen(name) >= sizeof(bare))
		return -1;
	snprintf(bare, sizeof(bare), "%s", name);
	del = strstr(bare, " (deleted)");
	if (del && del[10] == '\0')
		bare[del - bare] = '\0';
	if (p && p->maps && vma_named(p->maps, start, vma, sizeof(vma))) {
		snprintf(path, sizeof(path), "/proc/%u/map_files/%s", p->tgid, vma);
		fd = open(path, O_RDONLY | O_CLOEXEC);
	}
	if (fd < 0 && p) {
		snprintf(path, sizeof(path), "/proc/%u/root%s", p->tgid, bare);
		fd = open(path, O_RDONLY | O_CLOEXEC);
	}
	if (fd < 0)
		fd = open(bare, O_RDONLY | O_CLOEXEC);
	if (fd >= 0 && !(*plain = strdup(bare))) {
		close(fd);
		fd = -1;
	}
	return fd;
}

/* sys/names.c opens the files it names through this, for the process the frame came from. */
static int open_file(void *ctx, const char *path, __u64 start, char **plain)
{
	return open_mapped(ctx, path, start, plain);
}

static int find_elf(Dwfl_Module *mod, void **userdata, const char *name, Dwarf_Addr base, char **file_name,
		    Elf **elfp)
{
	Dwarf_Addr start;

	(void)userdata;
	(void)base;
	(void)elfp;
	dwfl_module_info(mod, NULL, &start, NULL, NULL, NULL, NULL, NULL);
	return open_mapped(current, name, start, file_name);
}

/* Unwinding needs .eh_frame only: a process's Dwfl never loads debug info; sys/names.c does, once per file. */
static int no_debuginfo(Dwfl_Module *mod, void **userdata, const char *modname, Dwarf_Addr base,
			const char *file_name, const char *debuglink_file, GElf_Word debuglink_crc,
			char **debuginfo_file_name)
{
	(void)mod;
	(void)userdata;
	(void)modname;
	(void)base;
	(void)file_name;
	(void)debuglink_file;
	(void)debuglink_crc;
	(void)debuginfo_file_name;
	return -1;
}

static pid_t next_thread(Dwfl *dwfl, void *arg, void **thread_arg)
{
	(void)dwfl;
	(void)arg;
	(void)thread_arg;
	return 0;
}

static bool get_thread(Dwfl *dwfl, pid_t tid, void *arg, void **thread_arg)
{
	(void)dwfl;
	(void)tid;
	*thread_arg = arg;
	return true;
}

/* Only the stack the probe copied: anything else is not there to read. */
static bool memory_read(Dwfl *dwfl, Dwarf_Addr addr, Dwarf_Word *result, void *arg)
{
	const struct uproc *p = arg;
	__u64 sp = p->in->regs[7];

	(void)dwfl;
	/* addr comes from the process's registers: nothing here may wrap. */
	if (addr < sp || addr - sp > p->in->stack_size || p->in->stack_size - (addr - sp) < sizeof(*result))
		return false;
	memcpy(result, (const char *)p->in->stack + (addr - sp), sizeof(*result));
	return true;
}

static bool initial_registers(Dwfl_Thread *thread, void *arg)
{
	const struct uproc *p = arg;
	Dwarf_Word regs[17];
	int i;

	for (i = 0; i < 17; i++)
		regs[i] = p->in->regs[i];
	return dwfl_thread_state_registers(thread, 0, 17, regs);
}

static void proc_close(struct uproc *p)
{
	if (!p)
		return;
	if (p->dwfl)
		dwfl_end(p->dwfl);
	free(p->maps);
	free(p);
}

bool unwinder_process_alive(__u32 tgid, __u64 start_ns)
{
	long hz = sysconf(_SC_CLK_TCK);
	struct pstat st;
	double diff;

	if (hz <= 0 || proc_read_stat((int)tgid, &st))
		return false;
	diff = (double)st.starttime / hz - start_ns / 1e9;
	return diff > -2.0 / hz && diff < 2.0 / hz;
}

static char *read_maps(__u32 tgid)
{
	char path[64];
	size_t len = 0, cap = 64 << 10;
	char *buf = malloc(cap);
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%u/maps", tgid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || !buf)
		goto fail;
	for (;;) {
		if (len + 1 == cap) {
			char *bigger = cap < MAPS_MAX ? realloc(buf, cap * 2) : NULL;

			if (!bigger)
				goto fail;
			buf = bigger;
			cap *= 2;
		}
		n = read(fd, buf + len, cap - len - 1);
		if (n < 0)
			goto fail;
		if (!n)
			break;
		len += n;
	}
	close(fd);
	buf[len] = '\0';
	return buf;
fail:
	if (fd >= 0)
		close(fd);
	free(buf);
	return NULL;
}

/* Reports the modules of the maps just read: all anew, or (add) keeping those already known. */
static int report_maps(struct uproc *p, bool add)
{
	FILE *f = fmemopen(p->maps, strlen(p->maps), "r");
	int r;

	if (!f)
		return -errno;
	if (add)
		dwfl_report_begin_add(p->dwfl);
	else
		dwfl_report_begin(p->dwfl);
	r = dwfl_linux_proc_maps_report(p->dwfl, f);
	fclose(f);
	return r || dwfl_report_end(p->dwfl, NULL, NULL) ? -EINVAL : 0;
}

static int proc_open(struct unwinder *u, struct uproc *p)
{
	int r;

	if (!unwinder_process_alive(p->tgid, p->start_ns) || !(p->maps = read_maps(p->tgid)))
		return -ESRCH;
	p->read_at = now_monotonic();
	p->dwfl = dwfl_begin(&u->cb);
	if (!p->dwfl)
		return -ENOMEM;
	r = report_maps(p, false);
	if (r)
		return r;
	/* The architecture comes from the first module libdwfl can open. */
	current = p;
	r = dwfl_attach_state(p->dwfl, NULL, p->tgid, &u->tcb, p) ? 0 : -EINVAL;
	current = NULL;
	return r;
}

/* A module mapped since the maps were read (a dlopen): read them again, at most once a second. */
static bool proc_reread(struct uproc *p)
{
	char *maps;

	if (!p->dwfl || now_monotonic() - p->read_at < 1 || !unwinder_process_alive(p->tgid, p->start_ns))
		return false;
	p->read_at = now_monotonic();
	maps = read_maps(p->tgid);
	if (!maps)
		return false;
	if (!strcmp(maps, p->maps)) {
		free(maps);
		return false;
	}
	free(p->maps);
	p->maps = maps;
	return !report_maps(p, true);
}

static struct uproc *proc_get(struct unwinder *u, const struct unwind_input *in)
{
	struct uproc *p;
	size_t i, old = 0;

	for (i = 0; i < u->n; i++) {
		p = u->procs[i];
		if (p->tgid == in->tgid && p->start_ns == in->start_ns && p->mm == in->mm)
			goto found;
	}
	p = calloc(1, sizeof(*p));
	if (!p)
		return NULL;
	if (u->n == u->max) {
		for (i = 1; i < u->n; i++)
			if (u->procs[i]->used < u->procs[old]->used)
				old = i;
		proc_close(u->procs[old]);
		u->procs[old] = p;
	} else {
		u->procs[u->n++] = p;
	}
	p->tgid = in->tgid;
	p->start_ns = in->start_ns;
	p->mm = in->mm;
	if (proc_open(u, p)) {
		if (p->dwfl)
			dwfl_end(p->dwfl);
		p->dwfl = NULL;
	}
found:
	p->used = ++u->clock;
	return p;
}

struct walk {
	__u64 pcs[UNWIND_MAX_FRAMES];
	bool activation[UNWIND_MAX_FRAMES];
	size_t n, max;
};

static int on_frame(Dwfl_Frame *state, void *arg)
{
	struct walk *w = arg;
	Dwarf_Addr pc;
	bool act;

	if (!dwfl_frame_pc(state, &pc, &act))
		return DWARF_CB_ABORT;
	w->pcs[w->n] = pc;
	w->activation[w->n] = act;
	if (++w->n == w->max)
		return DWARF_CB_ABORT;
	return DWARF_CB_OK;
}

static double cpu_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

size_t unwinder_unwind(struct unwinder *u, const struct unwind_input *in, struct unwind_frame *out, size_t max)
{
	struct walk w = { .max = max < UNWIND_MAX_FRAMES ? max : UNWIND_MAX_FRAMES };
	double t0 = cpu_now();
	struct uproc *p;
	size_t i;
	int tries;

	if (!max)
		return 0;
	names_make_room(u->names, UNWIND_MAX_FRAMES);
	p = proc_get(u, in);
	for (tries = 0; p && p->dwfl && tries < 2; tries++) {
		w.n = 0;
		p->in = in;
		current = p;
		/* An error at the end of a stack is how libdwfl says it found no caller: what was walked stands. */
		dwfl_getthread_frames(p->dwfl, in->tid, on_frame, &w);
		current = NULL;
		p->in = NULL;
		/* A walk that ends in an address no module holds may have met a library loaded since. */
		if (!w.n || w.n == w.max ||
		    dwfl_addrmodule(p->dwfl, w.activation[w.n - 1] ? w.pcs[w.n - 1] : w.pcs[w.n - 1] - 1) ||
		    !proc_reread(p))
			break;
	}
	if (!w.n) {
		w.pcs[0] = in->regs[16];
		w.activation[0] = true;
		w.n = 1;
	}
	for (i = 0; i < w.n; i++)
		names_frame(u->names, p ? p->dwfl : NULL, w.pcs[i], w.activation[i], &out[i], p);
	u->stats.stacks++;
	u->stats.cpu_s += cpu_now() - t0;
	return w.n;
}

void unwinder_sweep(struct unwinder *u)
{
	size_t i = 0;

	if (u)
		names_release_idle(u->names);
	while (u && i < u->n) {
		struct uproc *p = u->procs[i];

		/* Its last stacks may still be on their way: a process is let go once others have been unwound since. */
		if (u->clock - p->used < 64 || unwinder_process_alive(p->tgid, p->start_ns)) {
			i++;
			continue;
		}
		proc_close(p);
		u->procs[i] = u->procs[--u->n];
	}
}

const struct unwind_stats *unwinder_stats(const struct unwinder *u)
{
	return &u->stats;
}

/* Each kept process holds the files of the modules its stacks went through: room for them. */
static void raise_nofile(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) || rl.rlim_cur >= rl.rlim_max || rl.rlim_cur >= 8192)
		return;
	rl.rlim_cur = rl.rlim_max < 8192 ? rl.rlim_max : 8192;
	setrlimit(RLIMIT_NOFILE, &rl);
}

int unwinder_new(struct unwinder **out, size_t max_procs)
{
#if defined(__x86_64__)
	struct unwinder *u = calloc(1, sizeof(*u));

	*out = NULL;
	if (!u)
		return -ENOMEM;
	u->max = max_procs ? max_procs : 1;
	u->procs = calloc(u->max, sizeof(*u->procs));
	u->debuginfo_path = strdup(":.debug:/usr/lib/debug");
	if (!u->procs || !u->debuginfo_path || names_new(&u->names, open_file, &u->debuginfo_path)) {
		unwinder_free(u);
		return -ENOMEM;
	}
	u->cb.find_elf = find_elf;
	u->cb.find_debuginfo = no_debuginfo;
	u->tcb.next_thread = next_thread;
	u->tcb.get_thread = get_thread;
	u->tcb.memory_read = memory_read;
	u->tcb.set_initial_registers = initial_registers;
	raise_nofile();
	*out = u;
	return 0;
#else
	(void)max_procs;
	*out = NULL;
	return -ENOTSUP;
#endif
}

void unwinder_free(struct unwinder *u)
{
	size_t i;

	if (!u)
		return;
	for (i = 0; i < u->n; i++)
		proc_close(u->procs[i]);
	free(u->procs);
	free(u->debuginfo_path);
	names_free(u->names);
	free(u);
}
