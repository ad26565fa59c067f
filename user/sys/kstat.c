// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sys/kstat.h"
#include "sys/util.h"

#define MEMSTAT_TEXT_MAX	(64 * 1024)

struct field {
	const char *v1;
	const char *v2;
	size_t off;
};

/* v1's total_* lines are hierarchical, as every v2 line is. */
static const struct field memstat_fields[] = {
	{ "total_cache",		"file",			offsetof(struct memstat, file) },
	{ "total_rss",			"anon",			offsetof(struct memstat, anon) },
	{ "total_shmem",		"shmem",		offsetof(struct memstat, shmem) },
	{ "total_mapped_file",		"file_mapped",		offsetof(struct memstat, file_mapped) },
	{ "total_dirty",		"file_dirty",		offsetof(struct memstat, file_dirty) },
	{ "total_writeback",		"file_writeback",	offsetof(struct memstat, file_writeback) },
	{ "total_active_file",		"active_file",		offsetof(struct memstat, active_file) },
	{ "total_inactive_file",	"inactive_file",	offsetof(struct memstat, inactive_file) },
	{ "total_active_anon",		"active_anon",		offsetof(struct memstat, active_anon) },
	{ "total_inactive_anon",	"inactive_anon",	offsetof(struct memstat, inactive_anon) },
	{ "total_unevictable",		"unevictable",		offsetof(struct memstat, unevictable) },
	/* The kernel's own memory charged to the cgroup: v2 only (v1 keeps it in memory.kmem.*). */
	{ NULL,				"slab_unreclaimable",	offsetof(struct memstat, slab_unreclaimable) },
	{ NULL,				"kernel_stack",		offsetof(struct memstat, kernel_stack) },
	{ NULL,				"pagetables",		offsetof(struct memstat, pagetables) },
	{ NULL,				"sec_pagetables",	offsetof(struct memstat, sec_pagetables) },
	{ NULL,				"percpu",		offsetof(struct memstat, percpu) },
	{ NULL,				"sock",			offsetof(struct memstat, sock) },
	{ NULL,				"vmalloc",		offsetof(struct memstat, vmalloc) },
	/* Pages read back soon after reclaim dropped them: the cache was a working set. */
	{ "total_workingset_refault_anon", "workingset_refault_anon", offsetof(struct memstat, refault_anon) },
	{ "total_workingset_refault_file", "workingset_refault_file", offsetof(struct memstat, refault_file) },
	{ NULL,				"workingset_activate_file", offsetof(struct memstat, activate_file) },
	{ NULL,				"workingset_restore_file", offsetof(struct memstat, restore_file) },
};

static const struct field meminfo_fields[] = {
	{ "MemTotal",		NULL, offsetof(struct meminfo, total) },
	{ "MemFree",		NULL, offsetof(struct meminfo, free) },
	{ "MemAvailable",	NULL, offsetof(struct meminfo, available) },
	{ "Buffers",		NULL, offsetof(struct meminfo, buffers) },
	{ "Cached",		NULL, offsetof(struct meminfo, cached) },
	{ "Shmem",		NULL, offsetof(struct meminfo, shmem) },
	{ "AnonPages",		NULL, offsetof(struct meminfo, anon_pages) },
	{ "SReclaimable",	NULL, offsetof(struct meminfo, sreclaimable) },
	{ "Mapped",		NULL, offsetof(struct meminfo, mapped) },
	{ "Dirty",		NULL, offsetof(struct meminfo, dirty) },
	{ "Writeback",		NULL, offsetof(struct meminfo, writeback) },
	{ "Active(file)",	NULL, offsetof(struct meminfo, active_file) },
	{ "Inactive(file)",	NULL, offsetof(struct meminfo, inactive_file) },
	{ "Unevictable",	NULL, offsetof(struct meminfo, unevictable) },
};

static const struct field pstatus_fields[] = {
	{ "VmSize",	NULL, offsetof(struct pstatus, vm_size) },
	{ "VmRSS",	NULL, offsetof(struct pstatus, vm_rss) },
	{ "RssAnon",	NULL, offsetof(struct pstatus, rss_anon) },
	{ "RssFile",	NULL, offsetof(struct pstatus, rss_file) },
	{ "RssShmem",	NULL, offsetof(struct pstatus, rss_shmem) },
	{ "VmSwap",	NULL, offsetof(struct pstatus, vm_swap) },
};

/*
 * Splits one "key value [kB]" line. key ends at the first space or ':';
 * the value must be a whole decimal number. Returns false for anything else.
 */
static bool split_line(const char *line, size_t len, char *key, size_t keylen, __u64 *val)
{
	size_t k = 0, i = 0;
	unsigned long long v = 0;
	bool digits = false;

	while (i < len && line[i] != ' ' && line[i] != ':' && line[i] != '\t') {
		if (k + 1 >= keylen)
			return false;
		key[k++] = line[i++];
	}
	key[k] = '\0';
	if (!k || i == len)
		return false;
	if (line[i] == ':')
		i++;
	while (i < len && (line[i] == ' ' || line[i] == '\t'))
		i++;
	for (; i < len && line[i] >= '0' && line[i] <= '9'; i++) {
		if (v > (~0ULL - 9) / 10)
			return false;
		v = v * 10 + (line[i] - '0');
		digits = true;
	}
	if (!digits)
		return false;
	while (i < len && line[i] == ' ')
		i++;
	if (len - i == 2 && !strncmp(line + i, "kB", 2)) {
		if (v > ~0ULL / 1024)
			return false;
		v *= 1024;
	} else if (i != len) {
		return false;
	}
	*val = v;
	return true;
}

static void parse_fields(const char *text, const struct field *fields, size_t n, bool v1,
			 void *out, unsigned int *have)
{
	const char *line = text;

	*have = 0;
	while (line && *line) {
		const char *nl = strchr(line, '\n');
		size_t len = nl ? (size_t)(nl - line) : strlen(line);
		char key[64];
		__u64 val;
		size_t i;

		if (split_line(line, len, key, sizeof(key), &val)) {
			for (i = 0; i < n; i++) {
				const char *name = v1 || !fields[i].v2 ? fields[i].v1 : fields[i].v2;

				if (name && !strcmp(key, name)) {
					memcpy((char *)out + fields[i].off, &val, sizeof(val));
					*have |= 1u << i;
					break;
				}
			}
		}
		line = nl ? nl + 1 : NULL;
	}
}

bool memstat_have_refaults(const struct memstat *m)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(memstat_fields); i++)
		if (memstat_fields[i].off == offsetof(struct memstat, refault_file))
			return m->have & (1u << i);
	return false;
}

int memstat_parse(const char *text, enum cg_version v, struct memstat *out)
{
	memset(out, 0, sizeof(*out));
	parse_fields(text, memstat_fields, ARRAY_SIZE(memstat_fields), v == CG_V1, out, &out->have);
	return (out->have & MEMSTAT_HAVE_CORE) == MEMSTAT_HAVE_CORE ? 0 : -ENODATA;
}

int meminfo_parse(const char *text, struct meminfo *out)
{
	memset(out, 0, sizeof(*out));
	parse_fields(text, meminfo_fields, ARRAY_SIZE(meminfo_fields), true, out, &out->have);
	/* MemAvailable arrived in 3.14; everything we run on has it. */
	return (out->have & 0x7) == 0x7 ? 0 : -ENODATA;
}

enum shm_col {
	COL_KEY, COL_SHMID, COL_PERMS, COL_SIZE, COL_CPID, COL_LPID, COL_NATTCH, COL_UID, COL_CUID,
	COL_ATIME, COL_DTIME, COL_CTIME, COL_RSS, COL_SWAP, COL_MAX,
};

static const char *const shm_cols[COL_MAX] = {
	"key", "shmid", "perms", "size", "cpid", "lpid", "nattch", "uid", "cuid",
	"atime", "dtime", "ctime", "rss", "swap",
};

#define SHM_MAX_COLS	32

int sysvshm_parse(const char *text, struct sysv_seg *out, size_t max)
{
	int where[COL_MAX], ncols = 0, c, k;
	const char *line = text, *nl;
	char buf[512], *save, *tok;
	size_t rows = 0;

	for (k = 0; k < COL_MAX; k++)
		where[k] = -1;
	nl = strchr(line, '\n');
	if (!nl || (size_t)(nl - line) >= sizeof(buf))
		return -ENODATA;
	memcpy(buf, line, nl - line);
	buf[nl - line] = '\0';
	for (tok = strtok_r(buf, " \t", &save); tok && ncols < SHM_MAX_COLS; tok = strtok_r(NULL, " \t", &save), ncols++)
		for (k = 0; k < COL_MAX; k++)
			if (!strcmp(tok, shm_cols[k]))
				where[k] = ncols;
	if (where[COL_SHMID] < 0 || where[COL_NATTCH] < 0 || where[COL_CPID] < 0)
		return -ENODATA;
	for (line = nl + 1; *line; line = nl ? nl + 1 : line + strlen(line)) {
		long long v[SHM_MAX_COLS];
		struct sysv_seg seg;
		bool good = true;

		nl = strchr(line, '\n');
		if (!nl || (size_t)(nl - line) >= sizeof(buf))
			continue;	/* a truncated or overlong last row */
		memcpy(buf, line, nl - line);
		buf[nl - line] = '\0';
		for (c = 0, tok = strtok_r(buf, " \t", &save); tok && c < SHM_MAX_COLS;
		     tok = strtok_r(NULL, " \t", &save), c++) {
			char *end;

			errno = 0;
			/* perms are octal, as ls(1) shows them; every other column is decimal. */
			v[c] = c == where[COL_PERMS] ? strtoll(tok, &end, 8) : strtoll(tok, &end, 10);
			if (errno || *end)
				good = false;
		}
		if (!good || c < ncols)
			continue;
		memset(&seg, 0, sizeof(seg));
#define COL(k) (where[k] >= 0 ? v[where[k]] : 0)
		seg.key = (__s32)COL(COL_KEY);
		seg.shmid = (__s32)COL(COL_SHMID);
		seg.perms = (__u32)COL(COL_PERMS);
		seg.size = (__u64)COL(COL_SIZE);
		seg.cpid = (__s32)COL(COL_CPID);
		seg.lpid = (__s32)COL(COL_LPID);
		seg.nattch = (__u64)COL(COL_NATTCH);
		seg.uid = (__u32)COL(COL_UID);
		seg.cuid = (__u32)COL(COL_CUID);
		seg.atime = COL(COL_ATIME);
		seg.dtime = COL(COL_DTIME);
		seg.ctime = COL(COL_CTIME);
		seg.rss = (__u64)COL(COL_RSS);
		seg.swap = (__u64)COL(COL_SWAP);
#undef COL
		if (rows < max)
			out[rows] = seg;
		rows++;
	}
	return (int)rows;
}

int pstatus_parse(const char *text, struct pstatus *out)
{
	memset(out, 0, sizeof(*out));
	parse_fields(text, pstatus_fields, ARRAY_SIZE(pstatus_fields), true, out, &out->have);
	/* Kernel threads have no Vm* lines at all. */
	return (out->have & PSTATUS_HAVE_CORE) == PSTATUS_HAVE_CORE ? 0 : -ENODATA;
}

/*
 * "pid (comm) state ppid ...": comm may hold spaces and parentheses, so the
 * fields are counted from the last ')'. utime, stime and starttime are
 * fields 14, 15 and 22.
 */
int pstat_parse(const char *text, struct pstat *out)
{
	const char *open = strchr(text, '('), *close = strrchr(text, ')'), *p;
	unsigned long long v[23] = { 0 };
	int field = 3, n;

	memset(out, 0, sizeof(*out));
	if (!open || !close || close < open || close[1] != ' ')
		return -ENODATA;
	n = (int)(close - open - 1);
	snprintf(out->comm, sizeof(out->comm), "%.*s", n < 15 ? n : 15, open + 1);
	p = close + 2;
	out->state = *p;
	while (*p && *p != ' ')
		p++;
	while (*p == ' ' && field < 23) {
		char *end;

		field++;
		errno = 0;
		v[field - 1] = strtoull(p + 1, &end, 10);
		if (errno || end == p + 1)
			return -ENODATA;
		p = end;
	}
	if (field < 22)
		return -ENODATA;
	out->utime = v[13];
	out->stime = v[14];
	out->starttime = v[21];
	out->vsize = v[22];
	return 0;
}

int proc_read_stat(int pid, struct pstat *sp)
{
	char path[64], buf[4096];
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	n = read_text(path, buf, sizeof(buf));
	if (n < 0)
		return (int)n;
	return pstat_parse(buf, sp);
}

int proc_read(int pid, struct pstatus *st, struct pstat *sp)
{
	char path[64], buf[4096];
	ssize_t n;
	int r;

	r = proc_read_stat(pid, sp);
	if (r)
		return r;
	snprintf(path, sizeof(path), "/proc/%d/status", pid);
	n = read_text(path, buf, sizeof(buf));
	if (n < 0)
		return (int)n;
	return pstatus_parse(buf, st);
}

static int read_alloc(const char *path, char **text)
{
	ssize_t n;

	*text = malloc(MEMSTAT_TEXT_MAX);
	if (!*text)
		return -ENOMEM;
	n = read_text(path, *text, MEMSTAT_TEXT_MAX);
	if (n < 0) {
		free(*text);
		*text = NULL;
		return (int)n;
	}
	return 0;
}

double kstat_boot_time(void)
{
	char *text, *p;
	double t = 0;

	/* After a line per CPU: beyond a stack buffer on a large machine. */
	if (read_alloc("/proc/stat", &text))
		return 0;
	p = strstr(text, "\nbtime ");
	if (p)
		t = strtod(p + 7, NULL);
	free(text);
	return t;
}

int meminfo_read(struct meminfo *out)
{
	char *text;
	int r;

	r = read_alloc("/proc/meminfo", &text);
	if (r)
		return r;
	r = meminfo_parse(text, out);
	free(text);
	return r;
}

int memstat_read(const char *dir, enum cg_version v, bool root, struct memstat *out)
{
	char path[CG_PATH_MAX + 16], *text;
	struct meminfo mi;
	int r;

	snprintf(path, sizeof(path), "%s/memory.stat", dir);
	r = read_alloc(path, &text);
	if (!r) {
		r = memstat_parse(text, v, out);
		free(text);
		return r;
	}
	if (r != -ENOENT || v != CG_V2 || !root)
		return r;
	/* Older v2 roots have no memory.stat: the root is the whole machine. */
	r = meminfo_read(&mi);
	if (r)
		return r;
	memset(out, 0, sizeof(*out));
	out->file = mi.cached + mi.buffers;
	out->anon = mi.anon_pages;
	out->shmem = mi.shmem;
	out->file_mapped = mi.mapped;
	out->file_dirty = mi.dirty;
	out->file_writeback = mi.writeback;
	out->active_file = mi.active_file;
	out->inactive_file = mi.inactive_file;
	out->unevictable = mi.unevictable;
	out->have = MEMSTAT_HAVE_CORE;
	return 0;
}
