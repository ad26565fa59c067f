// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sys/intern.h"
#include "sys/names.h"
#include "sys/util.h"

#define NAMES_MAX	65536		/* names kept */
#define NAMES_BYTES	(16 << 20)	/* and their strings */
#define FILES_MAX	64		/* files with their symbols and debug info loaded */
#define FILE_IDLE_S	30		/* a file no new name came from for this long is let go */

struct file {
	const char *id;			/* interned module id; NULL: empty */
	Dwfl *dwfl;
	Dwfl_Module *mod;		/* NULL: the file could not be opened */
	unsigned long long used;
	double last;			/* monotonic time of its last new name */
	bool lines;			/* file:line looked up */
};

struct name {
	const char *module_id;		/* interned build id (hex), or path; NULL: empty slot */
	__u64 rel;			/* address in the module's ELF */
	const char *function, *module, *file;
	__u64 offset;
	unsigned int line;
};

struct names {
	struct intern strings;
	struct name *v;			/* NAMES_MAX slots, open addressing */
	size_t n;
	struct file files[FILES_MAX];
	unsigned long long clock;
	names_open_fn open;
	Dwfl_Callbacks cb;
};

/* By build id under the debuginfo path only: never a debuginfod server, whatever the environment says. */
static int find_debuginfo(Dwfl_Module *mod, void **userdata, const char *modname, Dwarf_Addr base,
			  const char *file_name, const char *debuglink_file, GElf_Word debuglink_crc,
			  char **debuginfo_file_name)
{
	return dwfl_build_id_find_debuginfo(mod, userdata, modname, base, file_name, debuglink_file, debuglink_crc,
					    debuginfo_file_name);
}

/* Every file is reported with its descriptor: nothing is left to find by name. */
static int find_elf(Dwfl_Module *mod, void **userdata, const char *name, Dwarf_Addr base, char **file_name,
		    Elf **elfp)
{
	(void)mod;
	(void)userdata;
	(void)name;
	(void)base;
	(void)file_name;
	(void)elfp;
	return -1;
}

static const char *interned(struct names *n, const char *s)
{
	const char *r = intern(&n->strings, s ? s : "");

	return r ? r : "";
}

/* The module's identity across processes: its build id, else its path. */
static const char *module_id(struct names *n, Dwfl_Module *mod, const char *path)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *bits;
	char id[2 * 64 + 1];
	GElf_Addr vaddr;
	int len = dwfl_module_build_id(mod, &bits, &vaddr), i;

	if (len <= 0 || len > 64)
		return interned(n, path);
	for (i = 0; i < len; i++) {
		id[2 * i] = hex[bits[i] >> 4];
		id[2 * i + 1] = hex[bits[i] & 15];
	}
	id[2 * len] = '\0';
	return interned(n, id);
}

static struct name *slot_of(struct names *n, const char *id, __u64 rel)
{
	size_t k = (size_t)intern_hash(&rel, sizeof(rel), intern_hash(&id, sizeof(id), INTERN_HASH_INIT));

	for (k &= NAMES_MAX - 1; n->v[k].module_id; k = (k + 1) & (NAMES_MAX - 1))
		if (n->v[k].module_id == id && n->v[k].rel == rel)
			break;
	return &n->v[k];
}

static void file_close(struct file *f)
{
	if (f->dwfl)
		dwfl_end(f->dwfl);
	memset(f, 0, sizeof(*f));
}

static void reset(struct names *n)
{
	size_t i;

	memset(n->v, 0, NAMES_MAX * sizeof(*n->v));
	n->n = 0;
	for (i = 0; i < FILES_MAX; i++)
		file_close(&n->files[i]);
	intern_free(&n->strings);
}

void names_make_room(struct names *n, size_t frames)
{
	if (n->n + frames >= NAMES_MAX / 2 || n->strings.bytes > NAMES_BYTES)
		reset(n);
}

/* The file with this id, in a Dwfl of its own at its ELF addresses (base 0); opened through ctx when new. */
static struct file *file_get(struct names *n, const char *id, const char *path, __u64 start, void *ctx)
{
	struct file *f = &n->files[0];
	char *plain = NULL;
	size_t i;
	int fd;

	for (i = 0; i < FILES_MAX; i++) {
		if (n->files[i].id == id) {
			f = &n->files[i];
			goto found;
		}
		if (n->files[i].used < f->used)
			f = &n->files[i];
	}
	file_close(f);
	f->id = id;
	/*
	 * The C library's and the loader's lines are left out: their debug
	 * info takes some 16 MiB once inflated, and their frames are the
	 * allocator's, which the outputs skip; their names still come from the
	 * symbol table of their debug file.
	 */
	f->lines = strncmp(path_base(path), "libc.so", 7) && strncmp(path_base(path), "ld-linux", 8);
	fd = n->open(ctx, path, start, &plain);
	f->dwfl = fd >= 0 ? dwfl_begin(&n->cb) : NULL;
	if (f->dwfl) {
		dwfl_report_begin(f->dwfl);
		f->mod = dwfl_report_elf(f->dwfl, path, plain, fd, 0, false);
		dwfl_report_end(f->dwfl, NULL, NULL);
	}
	if (fd >= 0 && !f->mod)
		close(fd);
	free(plain);
found:
	f->used = ++n->clock;
	return f;
}

/* Lookup is pc - 1 for a return address, so that a call at the end of a function stays in it. */
void names_frame(struct names *n, Dwfl *dwfl, __u64 pc, bool activation, struct unwind_frame *f, void *ctx)
{
	Dwarf_Addr look = activation ? pc : pc - 1, bias = 0, start;
	const char *path, *fn = NULL, *src = NULL, *id;
	struct name *slot;
	struct file *file;
	GElf_Off off = 0;
	Dwfl_Module *mod;
	Dwfl_Line *line;
	GElf_Sym sym;
	int lineno = 0;

	f->pc = pc;
	f->function = f->module = f->file = "";
	f->line = 0;
	f->offset = pc;
	mod = dwfl ? dwfl_addrmodule(dwfl, look) : NULL;
	if (!mod)
		return;
	path = dwfl_module_info(mod, NULL, &start, NULL, NULL, NULL, NULL, NULL);
	if (!dwfl_module_getelf(mod, &bias)) {
		f->module = interned(n, path);
		return;
	}
	id = module_id(n, mod, path);
	slot = slot_of(n, id, look - bias);
	if (!slot->module_id) {
		slot->module_id = id;
		slot->rel = look - bias;
		slot->module = interned(n, path);
		file = file_get(n, id, path, start, ctx);
		if (file->mod) {
			fn = dwfl_module_addrinfo(file->mod, look - bias, &off, &sym, NULL, NULL, NULL);
			line = file->lines ? dwfl_module_getsrc(file->mod, look - bias) : NULL;
			src = line ? dwfl_lineinfo(line, NULL, &lineno, NULL, NULL, NULL) : NULL;
		}
		file->last = now_monotonic();
		slot->function = interned(n, fn);
		slot->offset = fn ? off + (look != pc) : pc - bias;
		slot->file = interned(n, src);
		slot->line = src && lineno > 0 ? (unsigned int)lineno : 0;
		n->n++;
	}
	f->function = slot->function;
	f->module = slot->module;
	f->file = slot->file;
	f->line = slot->line;
	f->offset = slot->offset;
}

void names_release_idle(struct names *n)
{
	double now = now_monotonic();
	size_t i;

	for (i = 0; n && i < FILES_MAX; i++)
		if (n->files[i].id && now - n->files[i].last > FILE_IDLE_S)
			file_close(&n->files[i]);
}

int names_new(struct names **out, names_open_fn open, char **debuginfo_path)
{
	struct names *n = calloc(1, sizeof(*n));

	*out = NULL;
	if (!n)
		return -ENOMEM;
	n->v = calloc(NAMES_MAX, sizeof(*n->v));
	if (!n->v) {
		free(n);
		return -ENOMEM;
	}
	n->open = open;
	n->cb.find_elf = find_elf;
	n->cb.find_debuginfo = find_debuginfo;
	n->cb.debuginfo_path = debuginfo_path;
	*out = n;
	return 0;
}

void names_free(struct names *n)
{
	if (!n)
		return;
	reset(n);
	free(n->v);
	free(n);
}
