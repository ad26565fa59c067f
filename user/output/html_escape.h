/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Names from the system (file paths, commands, cgroups) go into the HTML
 * report as text, never as markup: a file called <script> must show as
 * those characters. The report is also well-formed XML, so that a strict
 * parser can check it, and XML forbids most control characters even as
 * references; those, and bytes that are not UTF-8, are shown the way the
 * table shows them (\n, \x9f), so a name reads the same in both.
 */
#ifndef MEMPROBE_HTML_ESCAPE_H
#define MEMPROBE_HTML_ESCAPE_H

#include "sys/buf.h"

/* s as HTML text, safe in element content and in a quoted attribute alike. */
void html_text(struct buf *b, const char *s);

#endif /* MEMPROBE_HTML_ESCAPE_H */
