// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <string.h>

#include "model/agg.h"
#include "harness.h"

UNIT_TEST(agg_grows_and_finds)
{
	struct agg a;
	const struct cg_counters *c;
	size_t pos = 0, n = 0;
	bool ok = true;
	__u64 id;

	agg_init(&a);
	for (id = 1; id <= 5000 && ok; id++) {
		struct cg_counters *w = agg_cgroup(&a, id * 7919);

		ok = ASSERT(w && w->id == id * 7919, "insert %llu", (unsigned long long)id);
		if (ok)
			w->cache_added_pages = id;
	}
	ok = ok && ASSERT(agg_cgroup(&a, 0) == &a.uncharged, "id 0 is the uncharged slot");
	for (id = 1; id <= 5000 && ok; id++) {
		c = agg_find(&a, id * 7919);
		ok = ASSERT(c && c->cache_added_pages == id, "find %llu", (unsigned long long)id);
	}
	while (ok && (c = agg_next(&a, &pos)))
		n++;
	ok = ok && ASSERT(n == 5001, "iterated %zu", n) && ASSERT(!agg_find(&a, 3), "phantom");
	agg_free(&a);
	return ok;
}

UNIT_TEST(agg_detail_and_drops)
{
	struct agg a;
	struct agg_file f = { .cgid = 1, .ino = 2, .dev = 3, .added_pages = 4, .name = "/x" };
	struct agg_task t = { .cgid = 1, .tgid = 42, .cache_added_pages = 9 };
	bool ok;

	agg_init(&a);
	a.drops[MP_DROP_FILE_FULL] = 2;
	a.drops[MP_DROP_TASK_FULL] = 3;
	ok = ASSERT(agg_lost(&a) == 5, "lost") && ASSERT(!agg_add_file(&a, &f) && !agg_add_task(&a, &t), "add") &&
	     ASSERT(a.files[0].name != f.name && !strcmp(a.files[0].name, "/x"), "name copied");
	agg_begin(&a);
	ok = ok && ASSERT(a.n_files == 0 && a.n_tasks == 0 && agg_lost(&a) == 0, "begin resets");
	agg_free(&a);
	return ok;
}
