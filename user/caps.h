/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* The privileges memprobe needs, checked up front so the refusal says which. */
#ifndef MEMPROBE_CAPS_H
#define MEMPROBE_CAPS_H

#include <stddef.h>

/* 0, or -EPERM with what is missing in err. */
int caps_check(char *err, size_t errlen);

#endif /* MEMPROBE_CAPS_H */
