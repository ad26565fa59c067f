// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The growth stacks' part of the summary records: each target's top stacks
 * by bytes in use (as many as --top), their frames and pids, the top one
 * in a line for the journal, and what sampling could not take.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "output/report.h"
#include "sys/util.h"

#define TOP_LINE_LEN	1024
#define LINE_FRAMES	8	/* frames in the one-line form */

const char *report_top_stack(const struct stacks *s, const struct target *t, char *buf, size_t len)
{
	char name[UNWIND_NAME_LEN + 32];
	struct stk_top top;
	size_t at = 0;
	unsigned int i;

	buf[0] = '\0';
	if (!s || !stacks_leading(s, t, &top))
		return buf;
	for (i = top.stack->own; i < top.stack->n_frames && i < top.stack->own + LINE_FRAMES && at < len; i++) {
		const struct stk_frame *f = &top.stack->frames[i];
		const char *file = path_base(f->file);

		at += snprintf(buf + at, len - at, "%s%s", i > top.stack->own ? " <- " : "",
			       stacks_frame_name(f, name, sizeof(name)));
		if (f->line && at < len)
			at += snprintf(buf + at, len - at, " (%s:%u)", file, f->line);
	}
	return buf;
}

static void fill(struct rec_growth_stack *g, const struct stk_top *top, struct rec_frame *frames, __u64 *pids)
{
	unsigned int k;

	for (k = 0; k < top->stack->n_frames; k++) {
		const struct stk_frame *f = &top->stack->frames[k];

		frames[k] = (struct rec_frame){ .function = f->function, .module = f->module, .offset = f->offset,
						.file = f->file, .line = f->line };
	}
	for (k = 0; k < top->n_pids; k++)
		pids[k] = top->pids[k];
	g->frames = frames;
	g->n_frames = top->stack->n_frames;
	g->own = top->stack->own;
	g->in_use_bytes = top->in_use_bytes;
	g->sampled_bytes = top->sampled_bytes;
	g->samples = top->samples;
	g->growth_bytes_per_hour = top->growth_bytes_per_hour;
	g->pids = pids;
	g->n_pids = top->n_pids;
}

int report_growth_stacks(struct report *rep, const struct report_input *in, const size_t *idx, size_t n)
{
	const struct stacks *s = in->stacks;
	size_t top = in->top, i, j, at = 0, frames_at = 0;
	struct stk_top *tops;
	const __u64 *k;

	if (!s)
		return 0;
	tops = calloc(top + 1, sizeof(*tops));
	rep->gstacks = calloc(n * top + 1, sizeof(*rep->gstacks));
	rep->gframes = calloc(n * top * UNWIND_MAX_FRAMES + 1, sizeof(*rep->gframes));
	rep->gpids = calloc(n * top * STACKS_PIDS + 1, sizeof(*rep->gpids));
	rep->gtops = calloc(n + 1, TOP_LINE_LEN);
	if (!tops || !rep->gstacks || !rep->gframes || !rep->gpids || !rep->gtops) {
		free(tops);
		return -ENOMEM;
	}
	k = s->counts.kernel;
	for (i = 0; i < n; i++) {
		const struct target *t = &in->targets->v[idx[i]];
		struct rec_summary *sum = &rep->summaries[i];
		size_t m = stacks_top(s, t, tops, top);

		sum->stacks_on = true;
		sum->growth_stacks = &rep->gstacks[at];
		for (j = 0; j < m; j++) {
			fill(&rep->gstacks[at], &tops[j], &rep->gframes[frames_at], &rep->gpids[at * STACKS_PIDS]);
			frames_at += tops[j].stack->n_frames;
			at++;
		}
		sum->n_growth_stacks = m;
		sum->top_stack = report_top_stack(s, t, rep->gtops + i * TOP_LINE_LEN, TOP_LINE_LEN);
		sum->stack_sample_bytes = s->rate_bytes;
		sum->stack_samples = k[MP_STK_SAMPLES];
		sum->stack_samples_skipped = k[MP_STK_RATE] + k[MP_STK_ROOM] + k[MP_STK_NO_ADDR];
		sum->stack_skipped_bytes = k[MP_STK_RATE_LOST_BYTES];
		sum->stack_samples_lost = k[MP_STK_RING_FULL] + s->counts.table_full + s->counts.live_full;
		sum->stack_unwind_cpu_s = s->counts.unwind_cpu_s;
		sum->stack_ring_bytes = k[MP_STK_RING_BYTES];
	}
	free(tops);
	return 0;
}
