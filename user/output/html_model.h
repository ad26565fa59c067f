/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * What the HTML report is drawn from: a run's records, kept in bounded
 * memory however long the run. Each cgroup's samples go into at most
 * HB_MAX buckets; when they are full, neighbours merge and a bucket holds
 * twice the samples, keeping each figure's minimum and maximum (and when
 * they were), so a spike survives a week of downsampling. Processes keep
 * a short RSS history for their sparklines; events are kept up to a cap
 * and counted beyond it. The sink (html.c) and `memprobe report`
 * (replay.c) feed it the same records; html_render.c draws it.
 */
#ifndef MEMPROBE_HTML_MODEL_H
#define MEMPROBE_HTML_MODEL_H

#include <stdbool.h>
#include <stddef.h>

#include "output/html_rec.h"
#include "sys/buf.h"

enum { HS_ANON, HS_SHMEM, HS_CACHE, HS_N };

#define HB_MAX		200	/* buckets per cgroup: a chart plots each one's minimum and maximum */
#define HP_MAX		16	/* processes per cgroup with an RSS history */
#define HP_POINTS	48	/* points of a sparkline */
#define HCG_MAX		48	/* cgroups with charts */
#define HEV_MAX		200	/* events of each kind kept for the tables and markers */
#define HSEG_MAX	256	/* SysV segments kept */

enum { HV_NORMAL, HV_WARNING, HV_LEAK };

struct hrange {
	double min, max;	/* the figure's extremes in the bucket */
	double tmin, tmax;	/* and when they were */
	double sum;
};

struct hbucket {
	double t0, t1;		/* its first and last sample */
	unsigned int n;
	struct hrange s[HS_N];
	double tsum;
	double cache_in, cache_out;	/* bytes the probes saw enter and leave, summed */
	double alloc_rate;		/* bytes/s, summed over the samples */
	double high, max;		/* limits at its last sample: NAN unknown, INFINITY unlimited */
	int verdict;			/* the worst of its samples */
};

struct hproc {
	unsigned int pid;
	char *comm;
	double peak;
	double t[HP_POINTS], v[HP_POINTS];	/* RSS: each point the largest of its samples */
	unsigned int n, per, in_last;
};

struct hcg {
	char *name;
	double id;
	struct hbucket b[HB_MAX];
	size_t nb;
	unsigned int per;		/* samples a full bucket holds */
	unsigned long samples;
	double first[HS_N];		/* the first sample's figures */
	struct hrec last;		/* the latest sample */
	struct hrec summary;		/* the final summary, when one came */
	bool have_summary;
	int summary_rank;		/* its place among the summaries, or -1 */
	struct hproc procs[HP_MAX];
	size_t n_procs;
};

struct hevents {
	struct hrec *v;
	size_t n;
	unsigned long total;
};

struct hsegment {
	int shmid;
	long long key;
	double size;
	unsigned int pid;		/* who created it (or was first seen with it) */
	char *comm;
	char *cgroup;
	double first, removed;		/* removed: 0 while it exists */
	unsigned int attaches, detaches;
	bool created;			/* seen created, not only used */
};

struct hrun {
	bool have_start;
	struct hrec start;
	double t_first, t_last;		/* of everything seen */
	struct hcg *cgs[HCG_MAX];
	size_t n_cgs;
	unsigned long cgs_dropped;	/* samples of cgroups past HCG_MAX */
	unsigned int n_summaries;
	struct hevents ooms, orphans, verdicts;
	struct hsegment segs[HSEG_MAX];
	size_t n_segs;
	unsigned long shm_events, segs_dropped;
	struct hrec scratch;		/* the record being built (the sink's) */
};

void hrun_init(struct hrun *h);
void hrun_free(struct hrun *h);
/* Takes one record in; records of types it does not draw are ignored. 0 or -ENOMEM. */
int hrun_ingest(struct hrun *h, const struct hrec *r);

/* "normal"/"warning"/"leak" as HV_*; anything else is normal. */
int hrun_verdict(const char *v);
/* The chart's time span: the start (or first record) to the last record. */
void hrun_span(const struct hrun *h, double *t0, double *t1);
/* A cgroup's record applies to chart c: the same cgroup, one below it, or c is the root. */
bool hrun_under(const struct hcg *c, const char *cgroup);

/* The page, complete: html_render.c. */
int html_render(const struct hrun *h, struct buf *out);
/* Renders and writes it to fd; rewrite: from the file's start, cutting off what was there (html.c). */
int html_write_fd(const struct hrun *h, int fd, bool rewrite);

/* Charts (html_charts.c), each an inline SVG with a title and a text alternative. */
void html_chart_memory(struct buf *b, const struct hrun *h, const struct hcg *c, int idx);
void html_chart_cache_io(struct buf *b, const struct hrun *h, const struct hcg *c, int idx);
void html_chart_alloc(struct buf *b, const struct hrun *h, const struct hcg *c, int idx);
void html_sparkline(struct buf *b, const struct hproc *p, double t0, double t1);

/* The tables of a cgroup's section (html_tables.c): processes, files, shared memory, events. */
void html_tables(struct buf *b, const struct hrun *h, const struct hcg *c);
/* Events no charted cgroup explains (orphans whose creator's cgroup is unknown). */
void html_tables_machine(struct buf *b, const struct hrun *h);
/* "14:03:11" in local time. */
const char *html_clock(char *buf, size_t len, double ts);

#endif /* MEMPROBE_HTML_MODEL_H */
