// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * memprobe report RUN.jsonl > RUN.html: a run recorded with --json (a week
 * of it, say) turned into the same page --report writes, later and
 * elsewhere: no probe, no privilege, only the file. Each line is parsed
 * with Jansson (linked in) into the record form the report reads, and
 * goes through the very model the live sink feeds. A line that is not
 * JSON (the last line of a run killed mid-write) is skipped and counted.
 */
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "output/html_model.h"
#include "replay.h"

static const char usage[] =
"Usage: memprobe report [RUN.jsonl]\n"
"\n"
"Writes the HTML report of a run recorded with `memprobe --json` (from the\n"
"file, or standard input when it is missing or '-') to standard output:\n"
"    memprobe report run.jsonl > run.html\n"
"The page is the one `memprobe --report FILE.html` writes at the end of a run.\n";

/* The JSON value, as record nodes: the same tree fields.c gives the live sink. */
static void walk(struct hrec *r, const char *key, json_t *v)
{
	const char *k;
	json_t *item;
	size_t i;

	switch (json_typeof(v)) {
	case JSON_OBJECT:
		hrec_open(r, key, HK_OBJ);
		json_object_foreach(v, k, item)
			walk(r, k, item);
		hrec_close(r);
		break;
	case JSON_ARRAY:
		hrec_open(r, key, HK_LIST);
		json_array_foreach(v, i, item)
			walk(r, NULL, item);
		hrec_close(r);
		break;
	case JSON_STRING:
		hrec_add_str(r, key, json_string_value(v));
		break;
	case JSON_INTEGER:
		hrec_add_num(r, key, (double)json_integer_value(v));
		break;
	case JSON_REAL:
		hrec_add_num(r, key, json_real_value(v));
		break;
	case JSON_TRUE:
	case JSON_FALSE:
		hrec_add_bool(r, key, json_is_true(v));
		break;
	case JSON_NULL:
		hrec_add_null(r, key);
		break;
	}
}

/*
 * One line: 1 if it was a record, 0 if it was not one, a negative errno.
 * Integers are read as doubles, as the report keeps them: a u64 beyond
 * Jansson's long long would otherwise cost the whole line.
 */
static int line_in(struct hrun *run, struct hrec *r, const char *line, size_t len)
{
	json_t *root, *type, *ts, *v;
	json_error_t jerr;
	const char *k;
	int ret = 0;

	root = json_loadb(line, len, JSON_DECODE_INT_AS_REAL, &jerr);
	if (!root)
		return 0;
	type = json_object_get(root, "type");
	ts = json_object_get(root, "ts");
	if (json_is_object(root) && json_is_string(type) && json_is_number(ts)) {
		hrec_begin(r, json_string_value(type), json_number_value(ts));
		json_object_foreach(root, k, v)
			if (strcmp(k, "type") && strcmp(k, "ts"))
				walk(r, k, v);
		ret = hrun_ingest(run, r);
		ret = ret ? ret : 1;
	}
	json_decref(root);
	return ret;
}

static int replay(FILE *in, const char *name)
{
	struct hrun run;
	struct hrec rec = { 0 };
	unsigned long lineno = 0, records = 0, bad = 0, first_bad = 0;
	char *line = NULL;
	size_t cap = 0;
	ssize_t len;
	int status = 0, r = 0;

	hrun_init(&run);
	while ((len = getline(&line, &cap, in)) >= 0) {
		lineno++;
		while (len && (line[len - 1] == '\n' || line[len - 1] == '\r'))
			len--;
		if (!len)
			continue;
		r = line_in(&run, &rec, line, (size_t)len);
		if (r < 0)
			break;
		if (r)
			records++;
		else if (!bad++)
			first_bad = lineno;
	}
	if (r >= 0 && ferror(in))
		r = -errno;
	if (r < 0) {
		fprintf(stderr, "memprobe: cannot read %s: %s\n", name, strerror(-r));
		status = 1;
	} else if (!records) {
		fprintf(stderr, "memprobe: %s holds no memprobe records (write one with memprobe --json)\n", name);
		status = 2;
	} else {
		if (bad)
			fprintf(stderr, "memprobe: %lu lines of %s are not memprobe records and were skipped (the first: line %lu)\n",
				bad, name, first_bad);
		r = html_write_fd(&run, STDOUT_FILENO, false);
		if (r) {
			fprintf(stderr, "memprobe: cannot write the report: %s\n", strerror(-r));
			status = 1;
		}
	}
	free(line);
	hrec_free(&rec);
	hrun_free(&run);
	return status;
}

int replay_main(int argc, char *const argv[])
{
	const char *path = argc > 1 ? argv[1] : "-";
	FILE *in = stdin;
	int status;

	if (argc > 1 && (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help"))) {
		fputs(usage, stdout);
		return fflush(stdout) ? 1 : 0;
	}
	if (argc > 2 || (argc > 1 && argv[1][0] == '-' && argv[1][1])) {
		fprintf(stderr, "memprobe: report takes one file, a run recorded with --json (see memprobe report --help)\n");
		return 2;
	}
	if (strcmp(path, "-")) {
		in = fopen(path, "re");
		if (!in) {
			fprintf(stderr, "memprobe: cannot open %s: %s\n", path, strerror(errno));
			return 2;
		}
	}
	status = replay(in, strcmp(path, "-") ? path : "standard input");
	if (in != stdin)
		fclose(in);
	return status;
}
