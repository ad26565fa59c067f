// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * libFuzzer target for the parsers of kernel text files. Other kernels print
 * these files differently (fields added, moved, renamed, columns dropped), so
 * every parser must take truncated, reordered and unknown lines, overlong
 * numbers and binary junk without reading out of bounds or hanging. The
 * first byte picks the parser; the rest is the file, NUL-terminated as the
 * readers hand it over.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sys/files.h"
#include "sys/kstat.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sysv_seg segs[16];
	struct memstat ms;
	struct meminfo mi;
	struct pstatus ps;
	struct pstat st;
	struct mounts m;
	char *text;

	if (!size)
		return 0;
	text = malloc(size);
	if (!text)
		return 0;
	memcpy(text, data + 1, size - 1);
	text[size - 1] = '\0';
	switch (data[0] % 7) {
	case 0:
		memstat_parse(text, CG_V2, &ms);
		break;
	case 1:
		memstat_parse(text, CG_V1, &ms);
		break;
	case 2:
		meminfo_parse(text, &mi);
		break;
	case 3:
		pstatus_parse(text, &ps);
		break;
	case 4:
		pstat_parse(text, &st);
		break;
	case 5:
		sysvshm_parse(text, segs, sizeof(segs) / sizeof(segs[0]));
		break;
	case 6:
		memset(&m, 0, sizeof(m));
		if (!mounts_parse(&m, text))
			mounts_free(&m);
		break;
	}
	free(text);
	return 0;
}
