// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <string.h>

#include "model/agg.h"
#include "harness.h"

UNIT_TEST(agg_grows_and_finds)
{
	struct agg a;
	const struct agg_cg *c;
	size_t pos = 0, n = 0;
	bool ok = true;
	__u64 id;

	agg_init(&a);
	for (id = 1; id <= 5000 && ok; id++) {
		struct counters *w = agg_counters(&a, id * 7919);

		ok = ASSERT(w, "insert %llu", (unsigned long long)id);
		if (ok)
			w->cache_added_pages = id;
	}
	ok = ok && ASSERT(agg_counters(&a, 0) == &a.uncharged.c, "id 0 is the uncharged slot");
	for (id = 1; id <= 5000 && ok; id++) {
		c = agg_find(&a, id * 7919);
		ok = ASSERT(c && c->id == id * 7919 && c->c.cache_added_pages == id, "find %llu",
			    (unsigned long long)id);
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
	agg_counters(&a, 77)->alloc_pages = 5;
	agg_begin(&a);
	ok = ok && ASSERT(a.n_files == 0 && a.n_tasks == 0 && agg_lost(&a) == 0, "begin resets") &&
	     ASSERT(agg_find(&a, 77) && agg_find(&a, 77)->c.alloc_pages == 0, "counts are read afresh, the cgroup stays");
	agg_free(&a);
	return ok;
}

UNIT_TEST(counters_add_and_subtract_every_field)
{
	struct counters a, b, d;
	__u64 *pa = (__u64 *)&a, *pb = (__u64 *)&b;
	size_t i;
	bool ok = true;

	for (i = 0; i < COUNTERS_N; i++) {
		pa[i] = 10 * i + 5;
		pb[i] = i;
	}
	counters_add(&a, &b);
	d = counters_sub(&a, &b);
	for (i = 0; i < COUNTERS_N && ok; i++)
		ok = ASSERT(pa[i] == 11 * i + 5 && ((__u64 *)&d)[i] == 10 * i + 5, "field %zu", i);
	counters_zero(&a);
	return ok && ASSERT(a.alloc_order[MP_ALLOC_ORDERS - 1] == 0 && a.cache_added_pages == 0, "zeroed");
}
