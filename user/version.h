/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
#ifndef MEMPROBE_VERSION_H
#define MEMPROBE_VERSION_H
#ifndef MEMPROBE_VERSION
#define MEMPROBE_VERSION "0.1.0"
#endif
#endif
