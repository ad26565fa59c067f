// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * cacheread [--evict] FILE... [--exit N]: reads each FILE through the page
 * cache (with --evict before a file, drops it again afterwards) and exits
 * with N. A workload the tests can predict to the page.
 */
#include "workload.h"

int main(int argc, char **argv)
{
	int i, code = 0, evict = 0;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--evict")) {
			evict = 1;
		} else if (!strcmp(argv[i], "--exit") && i + 1 < argc) {
			code = atoi(argv[++i]);
		} else {
			if (wl_read(argv[i]) < 0) {
				fprintf(stderr, "cacheread: cannot read %s\n", argv[i]);
				return 1;
			}
			if (evict && wl_evict(argv[i]))
				return 1;
			evict = 0;
		}
	}
	return code;
}
