// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "memprobe.h"
#include "options.h"
#include "sys/netaddr.h"
#include "version.h"

/* Long-only options get values above the ASCII range. */
enum {
	OPT_JSON = 0x100,
	OPT_JOURNAL,
	OPT_JOURNAL_INTERVAL,
	OPT_TOP,
	OPT_MAX_CGROUPS,
	OPT_MAX_FILES,
	OPT_MAX_TASKS,
	OPT_LEAK_BAND,
	OPT_WARN_RATE,
	OPT_LEAK_RATE,
	OPT_VERDICT_WINDOW,
	OPT_VERDICT_SAMPLES,
	OPT_LEAK_AFTER,
	OPT_OOM_HORIZON,
	OPT_RING_SIZE,
	OPT_REPORT,
	OPT_NO_FAULT_PROBES,
	OPT_STACK_SAMPLE,
	OPT_STACK_RATE,
	OPT_STACKS,
	OPT_LISTEN,
	OPT_MAX_SERIES,
};

static const struct option long_options[] = {
	{ "cgroup",		required_argument,	NULL, 'c' },
	{ "interval",		required_argument,	NULL, 'i' },
	{ "duration",		required_argument,	NULL, 'd' },
	{ "json",		no_argument,		NULL, OPT_JSON },
	{ "journal",		no_argument,		NULL, OPT_JOURNAL },
	{ "journal-interval",	required_argument,	NULL, OPT_JOURNAL_INTERVAL },
	{ "top",		required_argument,	NULL, OPT_TOP },
	{ "max-cgroups",	required_argument,	NULL, OPT_MAX_CGROUPS },
	{ "max-files",		required_argument,	NULL, OPT_MAX_FILES },
	{ "max-tasks",		required_argument,	NULL, OPT_MAX_TASKS },
	{ "leak-band",		required_argument,	NULL, OPT_LEAK_BAND },
	{ "warn-rate",		required_argument,	NULL, OPT_WARN_RATE },
	{ "leak-rate",		required_argument,	NULL, OPT_LEAK_RATE },
	{ "verdict-window",	required_argument,	NULL, OPT_VERDICT_WINDOW },
	{ "verdict-samples",	required_argument,	NULL, OPT_VERDICT_SAMPLES },
	{ "leak-after",		required_argument,	NULL, OPT_LEAK_AFTER },
	{ "oom-horizon",	required_argument,	NULL, OPT_OOM_HORIZON },
	{ "ring-size",		required_argument,	NULL, OPT_RING_SIZE },
	{ "report",		required_argument,	NULL, OPT_REPORT },
	{ "no-fault-probes",	no_argument,		NULL, OPT_NO_FAULT_PROBES },
	{ "stack-sample",	required_argument,	NULL, OPT_STACK_SAMPLE },
	{ "stack-rate",		required_argument,	NULL, OPT_STACK_RATE },
	{ "stacks",		required_argument,	NULL, OPT_STACKS },
	{ "listen",		required_argument,	NULL, OPT_LISTEN },
	{ "max-series",		required_argument,	NULL, OPT_MAX_SERIES },
	{ "verbose",		no_argument,		NULL, 'v' },
	{ "help",		no_argument,		NULL, 'h' },
	{ "version",		no_argument,		NULL, 'V' },
	{}
};

static const char usage[] =
"Usage: memprobe [OPTIONS]                    watch the whole machine, or the --cgroup targets\n"
"       memprobe [OPTIONS] -- COMMAND [ARG...] run COMMAND in a new memory cgroup and watch it\n"
"\n"
"Where a service's memory goes, measured by kernel probes: page cache per cgroup\n"
"and per file, anonymous and shared memory, against the kernel's own counters.\n"
"\n"
"  -c, --cgroup TARGET    what to watch (repeatable): a unit (visioncore.service),\n"
"                         a cgroup path (system.slice/visioncore.service) or an\n"
"                         absolute path under /sys/fs/cgroup\n"
"  -i, --interval SEC     seconds between samples (default 5; fractions allowed)\n"
"  -d, --duration SEC     stop after SEC seconds (default: until SIGINT/SIGTERM)\n"
"      --json             JSON lines on stdout instead of the table\n"
"      --journal          also send summaries and events to journald\n"
"      --journal-interval MIN  a summary to journald every MIN minutes as well as\n"
"                         at the end (default 5; 0: only at the end)\n"
"      --report FILE.html at the end of the run, an HTML report with charts\n"
"                         (one self-contained file; `memprobe report RUN.jsonl`\n"
"                         draws the same from a saved --json run)\n"
"      --top N            rows in the top files/processes/cgroups lists (default 10)\n"
"      --max-cgroups N    capacity of the in-kernel maps (default %u cgroups,\n"
"      --max-files N        %u files, %u processes); what does not fit is\n"
"      --max-tasks N        counted in lost_events\n"
"      --ring-size SIZE   each event ring buffer (SysV shm 256K and OOM 16K by\n"
"                         default; a power of two, 4K to 256M); events a full ring\n"
"                         cannot take are counted in lost_events\n"
"      --no-fault-probes  leave off the programs that run on every page fault\n"
"                         (allocations, RSS changes, tmpfs charges, stacks): for\n"
"                         always-on use; what only they measure is said unknown\n"
"      --stack-sample SIZE  growth stacks: sample the code path of one page per\n"
"                         SIZE of anonymous memory a process allocates (default\n"
"                         512K with --cgroup or COMMAND, else off; 0: off)\n"
"      --stack-rate N     at most N stacks a second for the whole machine\n"
"                         (default %u); what is skipped is counted\n"
"      --stacks FILE      write the stacks holding memory at the end, folded\n"
"                         (frame;frame;frame bytes) for flame graph tools\n"
"      --listen [ADDR:]PORT  serve the figures to Prometheus: /metrics on ADDR\n"
"                         (numeric, 127.0.0.1 unless given; [::1] for IPv6)\n"
"      --max-series N     the whole machine: cgroups with series of their own\n"
"                         (default 100); the rest are summed as cgroup=\"other\"\n"
"\n"
"The leak verdict, from the trend of anonymous memory (page cache never counts):\n"
"      --leak-band SIZE   normal while the trend rises less than this (default 50M)\n"
"      --warn-rate SIZE   warning when anon grows steadily faster than SIZE an hour (100M)\n"
"      --leak-rate SIZE   leak when it grows faster than SIZE an hour and does not\n"
"                         fall back (500M)\n"
"      --verdict-window SEC  how far back the trend looks (default 1800)\n"
"      --verdict-samples N   samples needed before any growth verdict (default 12)\n"
"      --leak-after SEC   fast growth is a leak once it has lasted this long\n"
"                         (default: a quarter of --verdict-window); before, a warning\n"
"      --oom-horizon SEC  a forecast record when the time to the cgroup's memory\n"
"                         limit falls below SEC at its present rate (default 3600)\n"
"  -v, --verbose          debug messages, libbpf's included, on stderr\n"
"  -h, --help             this text\n"
"  -V, --version          the version\n"
"\n"
"Exit status: 0 success (with -- COMMAND: COMMAND's status), 1 runtime failure,\n"
"2 usage error or a target that does not exist.\n";

static int fail(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

/* strtod takes hex and infinities too; figures on a command line are decimal. */
static bool decimal(const char *s)
{
	return s && *s && strlen(s) <= 32 && strspn(s, "0123456789.eE+-") > 0 && !strpbrk(s, "xXnN") &&
	       ((*s >= '0' && *s <= '9') || *s == '.' || *s == '+' || *s == '-');
}

int parse_seconds(const char *s, double min, double max, double *out)
{
	char *end;
	double v;

	if (!decimal(s))
		return -EINVAL;
	errno = 0;
	v = strtod(s, &end);
	if (errno || *end || !isfinite(v) || v < min || v > max)
		return -EINVAL;
	*out = v;
	return 0;
}

int parse_u32(const char *s, __u32 min, __u32 max, __u32 *out)
{
	unsigned long long v;
	char *end;

	if (!s || *s < '0' || *s > '9' || strlen(s) > 20)
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || *end || v < min || v > max)
		return -EINVAL;
	*out = (__u32)v;
	return 0;
}

int parse_size(const char *s, double min, double max, double *out)
{
	static const char units[] = "KMGT";
	const char *u;
	char *end;
	double v;

	if (!decimal(s))
		return -EINVAL;
	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || !isfinite(v))
		return -EINVAL;
	if (*end && (u = strchr(units, *end)) && *u) {
		v *= pow(1024, (double)(u - units + 1));
		end++;
		if (*end == 'i' && end[1] == 'B')
			end += 2;
		else if (*end == 'B')
			end++;
	}
	if (*end || v < min || v > max)
		return -EINVAL;
	*out = v;
	return 0;
}

/* Printable, bounded copy of user input for error messages. */
static const char *shown(const char *s, char *buf, size_t len)
{
	size_t i, j = 0;

	for (i = 0; s[i] && j + 5 < len; i++) {
		unsigned char c = s[i];

		if (c >= 0x20 && c < 0x7f)
			buf[j++] = c;
		else
			j += snprintf(buf + j, len - j, "\\x%02x", c);
	}
	if (s[i])
		j += snprintf(buf + j, len - j, "...");
	buf[j] = '\0';
	return buf;
}

static void defaults(struct options *o)
{
	memset(o, 0, sizeof(*o));
	o->interval_s = 5;
	o->top = 10;
	o->max_cgroups = MP_MAX_CGROUPS;
	o->max_files = MP_MAX_FILES;
	o->max_tasks = MP_MAX_TASKS;
	verdict_defaults(&o->verdict);
	o->oom_horizon_s = 3600;
	o->journal_interval_s = 300;
	o->stack_sample_bytes = MP_STACK_SAMPLE;
	o->stack_rate = MP_STACK_RATE;
	o->max_series = 100;
}

int options_parse(struct options *o, int argc, char *const argv[], char *err, size_t errlen)
{
	char show[96], why[256];
	bool stack_sample_set = false;
	__u32 *cap;
	int c;

	defaults(o);
	optind = 0;	/* GNU: start afresh, so the parser can run more than once */
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+c:i:d:vhV", long_options, NULL)) != -1) {
		switch (c) {
		case 'c':
			if (!*optarg)
				return fail(err, errlen, "--cgroup needs a unit name or a cgroup path");
			if (o->n_targets == OPT_MAX_TARGETS)
				return fail(err, errlen, "--cgroup: at most %d targets", OPT_MAX_TARGETS);
			o->targets[o->n_targets++] = optarg;
			break;
		case 'i':
			if (parse_seconds(optarg, 0.1, 3600, &o->interval_s))
				return fail(err, errlen,
					    "--interval: '%s' is not a number of seconds between 0.1 and 3600",
					    shown(optarg, show, sizeof(show)));
			break;
		case 'd':
			if (parse_seconds(optarg, 0.1, 315360000, &o->duration_s))
				return fail(err, errlen,
					    "--duration: '%s' is not a positive number of seconds",
					    shown(optarg, show, sizeof(show)));
			break;
		case OPT_JSON:
			o->json = true;
			break;
		case OPT_JOURNAL:
			o->journal = true;
			break;
		case OPT_JOURNAL_INTERVAL: {
			double min;

			if (parse_seconds(optarg, 0, 10080, &min))
				return fail(err, errlen, "--journal-interval: '%s' is not a number of minutes (0 to 10080)",
					    shown(optarg, show, sizeof(show)));
			o->journal_interval_s = min * 60;
			break;
		}
		case OPT_REPORT:
			if (!*optarg)
				return fail(err, errlen, "--report needs a file name for the HTML report");
			o->report = optarg;
			break;
		case OPT_TOP:
			if (parse_u32(optarg, 1, 1000, &o->top))
				return fail(err, errlen, "--top: '%s' is not a whole number between 1 and 1000",
					    shown(optarg, show, sizeof(show)));
			break;
		case OPT_MAX_CGROUPS:
		case OPT_MAX_FILES:
		case OPT_MAX_TASKS:
			cap = c == OPT_MAX_CGROUPS ? &o->max_cgroups :
			      c == OPT_MAX_FILES ? &o->max_files : &o->max_tasks;
			if (parse_u32(optarg, 1, 1u << 22, cap))
				return fail(err, errlen, "--%s: '%s' is not a whole number between 1 and %u",
					    c == OPT_MAX_CGROUPS ? "max-cgroups" :
					    c == OPT_MAX_FILES ? "max-files" : "max-tasks",
					    shown(optarg, show, sizeof(show)), 1u << 22);
			break;
		case OPT_LEAK_BAND:
		case OPT_WARN_RATE:
		case OPT_LEAK_RATE:
			if (parse_size(optarg, 1, 1e15, c == OPT_LEAK_BAND ? &o->verdict.band :
				       c == OPT_WARN_RATE ? &o->verdict.warn_rate : &o->verdict.leak_rate))
				return fail(err, errlen, "--%s: '%s' is not a size such as 50M or 1G",
					    c == OPT_LEAK_BAND ? "leak-band" :
					    c == OPT_WARN_RATE ? "warn-rate" : "leak-rate",
					    shown(optarg, show, sizeof(show)));
			break;
		case OPT_VERDICT_WINDOW:
			if (parse_seconds(optarg, 1, 31536000, &o->verdict.window_s))
				return fail(err, errlen, "--verdict-window: '%s' is not a number of seconds",
					    shown(optarg, show, sizeof(show)));
			break;
		case OPT_VERDICT_SAMPLES:
			if (parse_u32(optarg, 2, 100000, &o->verdict.min_samples))
				return fail(err, errlen, "--verdict-samples: '%s' is not a whole number between 2 and 100000",
					    shown(optarg, show, sizeof(show)));
			break;
		case OPT_LEAK_AFTER:
			if (parse_seconds(optarg, 0.1, 31536000, &o->verdict.leak_after_s))
				return fail(err, errlen, "--leak-after: '%s' is not a number of seconds",
					    shown(optarg, show, sizeof(show)));
			break;
		case OPT_OOM_HORIZON:
			if (parse_seconds(optarg, 1, 31536000, &o->oom_horizon_s))
				return fail(err, errlen, "--oom-horizon: '%s' is not a number of seconds",
					    shown(optarg, show, sizeof(show)));
			break;
		case OPT_RING_SIZE: {
			double v;

			/* The kernel wants a power of two, at least a page. */
			if (parse_size(optarg, 4096, 1 << 28, &v) || ((__u64)v & ((__u64)v - 1)) || v != (__u32)v)
				return fail(err, errlen, "--ring-size: '%s' is not a power of two between 4K and 256M",
					    shown(optarg, show, sizeof(show)));
			o->ring_bytes = (__u32)v;
			break;
		}
		case OPT_NO_FAULT_PROBES:
			o->no_fault_probes = true;
			break;
		case OPT_STACK_SAMPLE: {
			double v;

			if (parse_size(optarg, 0, 1 << 30, &v) || (v && v < 4096) || v != (__u64)v)
				return fail(err, errlen, "--stack-sample: '%s' is not 0 or a size from 4K to 1G",
					    shown(optarg, show, sizeof(show)));
			o->stack_sample_bytes = (__u64)v;
			stack_sample_set = true;
			break;
		}
		case OPT_STACK_RATE:
			if (parse_u32(optarg, 1, 100000, &o->stack_rate))
				return fail(err, errlen, "--stack-rate: '%s' is not a whole number between 1 and 100000",
					    shown(optarg, show, sizeof(show)));
			break;
		case OPT_STACKS:
			if (!*optarg)
				return fail(err, errlen, "--stacks needs a file name");
			o->stacks_path = optarg;
			break;
		case OPT_LISTEN:
			if (netaddr_parse(optarg, &o->listen))
				return fail(err, errlen,
					    "--listen: '%s' is not [ADDR:]PORT with a numeric address (127.0.0.1:19792, [::1]:19792) and a port from 1 to 65535",
					    shown(optarg, show, sizeof(show)));
			o->listen_text = optarg;
			break;
		case OPT_MAX_SERIES:
			if (parse_u32(optarg, 1, 100000, &o->max_series))
				return fail(err, errlen, "--max-series: '%s' is not a whole number between 1 and 100000",
					    shown(optarg, show, sizeof(show)));
			break;
		case 'v':
			o->verbose++;
			break;
		case 'h':
			printf(usage, MP_MAX_CGROUPS, MP_MAX_FILES, MP_MAX_TASKS, MP_STACK_RATE);
			return OPTIONS_EXIT;
		case 'V':
			printf("memprobe %s\n", MEMPROBE_VERSION);
			return OPTIONS_EXIT;
		case ':':
			return fail(err, errlen, "%s needs a value (see --help)",
				    shown(argv[optind - 1], show, sizeof(show)));
		default:
			if (optopt && optopt != '?' && strchr("cid", optopt))
				return fail(err, errlen, "-%c needs a value (see --help)", optopt);
			if (optopt)
				return fail(err, errlen, "unknown option '-%c' (see --help)", optopt);
			return fail(err, errlen, "unknown option '%s' (see --help)",
				    shown(argv[optind - 1], show, sizeof(show)));
		}
	}
	if (optind < argc) {
		if (strcmp(argv[optind - 1], "--") != 0)
			return fail(err, errlen, "unexpected argument '%s' (put a command after --)",
				    shown(argv[optind], show, sizeof(show)));
		o->command = &argv[optind];
	} else if (optind > 0 && optind == argc && argc > 1 && !strcmp(argv[argc - 1], "--")) {
		return fail(err, errlen, "-- must be followed by a command to run");
	}
	if (o->verdict.leak_rate < o->verdict.warn_rate)
		return fail(err, errlen, "--leak-rate must not be below --warn-rate");
	if (verdict_cfg_impossible(&o->verdict, o->interval_s, why, sizeof(why)))
		return fail(err, errlen, "%s", why);
	/* Every process of the machine unwound would cost what no one asked for: there, only when asked. */
	if (!stack_sample_set && !o->n_targets && !o->command && !o->stacks_path)
		o->stack_sample_bytes = 0;
	if (o->no_fault_probes && stack_sample_set && o->stack_sample_bytes)
		return fail(err, errlen, "--stack-sample needs the page-fault probes that --no-fault-probes leaves off");
	if (o->no_fault_probes)
		o->stack_sample_bytes = 0;
	if (o->stacks_path && !o->stack_sample_bytes)
		return fail(err, errlen, "--stacks needs growth stacks: drop --stack-sample 0%s",
			    o->no_fault_probes ? " and --no-fault-probes" : "");
	if (o->command && o->n_targets)
		return fail(err, errlen, "--cgroup and -- COMMAND cannot be combined: COMMAND gets its own cgroup");
	return OPTIONS_RUN;
}
