// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "jsonr.h"
#include "output/sink.h"

UNIT_TEST(json_records_parse_back)
{
	struct rec_file file = { .path = "/srv/\"odd\"\tname\xff.bin", .dev = 5, .ino = 6, .added_bytes = 7,
				 .cached_bytes = -1 };
	struct rec_cache_proc proc = { .pid = 9, .comm = "py\x01thon", .added_bytes = 10 };
	struct rec_summary sum = { .ts = 1.5, .cgroup = "a/b", .cgroup_id = 18446744073709551615ULL,
				   .duration_s = 2, .page_cache_added_bytes = 123, .top_files = &file,
				   .n_top_files = 1, .cache_processes = &proc, .n_cache_processes = 1,
				   .lost_events = 3 };
	struct rec_sample smp = { .ts = 1.25, .cgroup = "/", .page_cache_delta_bytes = -4096 };
	char *text = NULL, *line, *save = NULL;
	struct jv *v[2] = { NULL, NULL };
	const struct jv *f;
	size_t len = 0;
	FILE *out = open_memstream(&text, &len);
	struct sink *s = sink_json_new(out);
	bool ok = false;

	if (!ASSERT(s && !s->ops->samples(s, &smp, 1) && !s->ops->summaries(s, &sum, 1), "write"))
		goto out;
	fflush(out);
	line = strtok_r(text, "\n", &save);
	v[0] = line ? jv_parse(line) : NULL;
	line = strtok_r(NULL, "\n", &save);
	v[1] = line ? jv_parse(line) : NULL;
	if (!ASSERT(v[0] && v[1], "not JSON: %s", text))
		goto out;
	f = jv_get(v[1], "top_files");
	ok = ASSERT_STR(jv_str(v[0], "type"), "sample") &&
	     ASSERT(jv_get(v[0], "page_cache_delta_bytes") &&
		    !strcmp(jv_get(v[0], "page_cache_delta_bytes")->text, "-4096"), "negative delta") &&
	     ASSERT_STR(jv_str(v[1], "cgroup"), "a/b") &&
	     ASSERT(jv_u64_or(v[1], "cgroup_id") == 18446744073709551615ULL, "u64 kept exact") &&
	     ASSERT(f && f->n == 1, "top_files") &&
	     ASSERT_STR(jv_str(&f->items[0], "path"), "/srv/\"odd\"\tname\xef\xbf\xbd.bin") &&
	     ASSERT(jv_get(&f->items[0], "cached_bytes")->type == J_NULL, "unknown is null") &&
	     ASSERT_STR(jv_str(&jv_get(v[1], "cache_processes")->items[0], "comm"), "py\x01thon") &&
	     ASSERT(jv_u64_or(v[1], "lost_events") == 3, "lost");
out:
	jv_free(v[0]);
	jv_free(v[1]);
	if (s)
		s->ops->destroy(s);
	fclose(out);
	free(text);
	return ok;
}
