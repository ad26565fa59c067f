/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The real tools the report is checked with: Debian's Chromium, headless,
 * in a profile of its own that is removed afterwards, and libxml2's
 * xmllint as the strict parser. Each runs as a child in a process group
 * of its own, stopped by that group when it overstays.
 */
#ifndef MEMPROBE_TEST_BROWSER_H
#define MEMPROBE_TEST_BROWSER_H

#include <stdbool.h>
#include <stddef.h>

#define CHROMIUM	"/usr/bin/chromium"
#define XMLLINT		"/usr/bin/xmllint"

/* Runs argv (argv[0] a full path) with stdout to out_path (NULL: /dev/null); its exit code, or -1. */
int tool_run(const char *const argv[], const char *out_path, int timeout_s);

/* The page as Chromium builds it (--dump-dom), into dom_path. 0 or -1. */
int chromium_dump_dom(const char *html_path, const char *dom_path);
/* A screenshot of the page at width x height, into png_path. 0 or -1. */
int chromium_screenshot(const char *html_path, const char *png_path, int width, int height);

/* A file's contents, NUL-terminated; NULL on failure. The caller frees it. */
char *file_slurp(const char *path, size_t *len);

#endif /* MEMPROBE_TEST_BROWSER_H */
