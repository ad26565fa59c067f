/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Each record's fields, named once. Sinks that print every field (JSON,
 * journald) walk a record with a visitor instead of listing the fields
 * again, so the outputs cannot drift apart. Keys are the spec's names.
 */
#ifndef MEMPROBE_FIELDS_H
#define MEMPROBE_FIELDS_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>

#include "output/record.h"

struct field_visitor {
	void (*str)(void *ctx, const char *key, const char *val);
	void (*u64)(void *ctx, const char *key, __u64 val);
	void (*s64)(void *ctx, const char *key, __s64 val);
	void (*dbl)(void *ctx, const char *key, double val, int decimals);
	void (*boolean)(void *ctx, const char *key, bool val);
	void (*null)(void *ctx, const char *key);
	void (*u64_array)(void *ctx, const char *key, const __u64 *val, size_t n);
	/* A list of objects: list_begin, then item_begin ... item_end per item, list_end. */
	void (*list_begin)(void *ctx, const char *key);
	void (*item_begin)(void *ctx);
	void (*item_end)(void *ctx);
	void (*list_end)(void *ctx);
};

/* Every field but "type" and "ts", which the sinks write themselves. */
void fields_start(const struct rec_start *r, const struct field_visitor *v, void *ctx);
void fields_sample(const struct rec_sample *r, const struct field_visitor *v, void *ctx);
void fields_summary(const struct rec_summary *r, const struct field_visitor *v, void *ctx);
void fields_shm(const struct rec_shm *r, const struct field_visitor *v, void *ctx);
void fields_shm_orphan(const struct rec_shm_orphan *r, const struct field_visitor *v, void *ctx);
void fields_verdict_change(const struct rec_verdict_change *r, const struct field_visitor *v, void *ctx);
void fields_oom_kill(const struct rec_oom_kill *r, const struct field_visitor *v, void *ctx);
void fields_forecast_change(const struct rec_forecast_change *r, const struct field_visitor *v, void *ctx);
void fields_memory_event(const struct rec_memory_event *r, const struct field_visitor *v, void *ctx);

#endif /* MEMPROBE_FIELDS_H */
