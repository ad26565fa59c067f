/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* What the growth-stack tests (it_stacks.c, it_stacks_follow.c) share: finding stacks in a summary, and the skip. */
#ifndef MEMPROBE_IT_STACKS_H
#define MEMPROBE_IT_STACKS_H

#include <stdbool.h>
#include <stdint.h>

#include "it.h"

/* Whether a stack's frames include a function whose name starts with prefix. */
bool through(const struct jv *stack, const char *prefix);
/* The first stack through prefix (the list is by bytes in use), and the sums over all of them. */
const struct jv *sum_through(const struct jv *stacks, const char *prefix, uint64_t *in_use, uint64_t *sampled,
			     double *growth);
/*
 * Growth stacks need what 5.10 lacks (bpf_get_current_task_btf() from
 * 5.11); there memprobe says so and goes on. Then the test has nothing to
 * check: it cleans up and says why.
 */
void skip_if_refused(struct agent *a, struct tchild *child, struct tcg *cg);

#endif /* MEMPROBE_IT_STACKS_H */
