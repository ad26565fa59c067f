// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The benchmark runs once on tiny sizes, so that it cannot rot. No timing is judged here. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness.h"
#include "it.h"
#include "jsonr.h"
#include "sys/util.h"

INTEGRATION_TEST(bench_runs_quick, 120)
{
	char out[] = "/tmp/memprobe-test-bench-XXXXXX", cmd[1024], path[1100], *text = NULL;
	const struct jv *w, *p, *sc, *pts, *scr, *d;
	struct jv *res = NULL;
	bool ok = false;
	int status;

	if (!ASSERT(mkdtemp(out), "mkdtemp"))
		return false;
	snprintf(cmd, sizeof(cmd), "%s --quick --build %s --out %s >/dev/null 2>&1", build_path("bench/memprobe-bench"),
		 build_path(""), out);
	status = system(cmd);
	if (!ASSERT(WIFEXITED(status) && WEXITSTATUS(status) == 0, "memprobe-bench --quick failed: %d", status))
		goto out;
	text = malloc(1 << 20);
	snprintf(path, sizeof(path), "%s/results.json", out);
	if (!ASSERT(text && read_text(path, text, 1 << 20) > 0 && (res = jv_parse(text)), "no results.json"))
		goto out;
	w = jv_get(res, "workloads");
	p = jv_get(res, "programs");
	sc = jv_get(res, "scale");
	pts = sc ? jv_get(sc, "points") : NULL;
	scr = jv_get(res, "scrapes");
	d = jv_get(res, "dispatch");
	/*
	 * alloc, pagecache and the fault-bound service; the tools' programs; the
	 * dispatch's pairs of blocks (timed, not judged); the reduced scale run;
	 * the scrapes.
	 */
	ok = ASSERT(w && w->n == 3, "workloads") &&
	     ASSERT(p && p->n >= 8, "%zu programs measured", p ? p->n : 0) &&
	     ASSERT(d && jv_u64_or(d, "pairs") == 41, "a program's dispatch timed") &&
	     ASSERT(pts && pts->n == 8, "%zu scale points", pts ? pts->n : 0) &&
	     ASSERT(scr && scr->n == 3 && jv_u64_or(&scr->items[2], "bytes") > 0, "the scrapes of /metrics");
	for (size_t i = 0; ok && i < pts->n; i++)
		ok = ASSERT(pts->items[i].type == J_OBJ && jv_get(&pts->items[i], "ok") && jv_get(&pts->items[i], "ok")->b,
			    "scale point %zu has figures", i);
out:
	jv_free(res);
	free(text);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", out);
	if (system(cmd)) {
		/* nothing more to do */
	}
	return ok;
}
