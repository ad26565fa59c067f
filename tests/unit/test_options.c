// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <stdarg.h>
#include <string.h>

#include "harness.h"
#include "options.h"
#include "sys/netaddr.h"

static int parse(struct options *o, char *err, size_t len, ...)
{
	char *argv[32] = { "memprobe" };
	va_list ap;
	int argc = 1;

	va_start(ap, len);
	while ((argv[argc] = va_arg(ap, char *)))
		argc++;
	va_end(ap);
	return options_parse(o, argc, argv, err, len);
}

UNIT_TEST(options_defaults)
{
	struct options o;
	char err[256];

	return ASSERT(parse(&o, err, sizeof(err), NULL) == OPTIONS_RUN, "%s", err) &&
	       ASSERT(o.interval_s == 5 && o.duration_s == 0 && !o.json && !o.n_targets && !o.command,
		      "defaults") &&
	       ASSERT(o.top == 10, "top %u", o.top);
}

UNIT_TEST(options_values)
{
	struct options o;
	char err[256];

	if (!ASSERT(parse(&o, err, sizeof(err), "-c", "a.service", "--cgroup", "b/c", "-i", "0.5",
			  "--duration=90", "--json", "--top", "3", NULL) == OPTIONS_RUN, "%s", err))
		return false;
	return ASSERT(o.n_targets == 2 && !strcmp(o.targets[1], "b/c"), "targets") &&
	       ASSERT(o.interval_s == 0.5 && o.duration_s == 90 && o.json && o.top == 3, "values");
}

UNIT_TEST(options_command_after_dashdash)
{
	struct options o;
	char err[256];

	if (!ASSERT(parse(&o, err, sizeof(err), "-i", "1", "--", "sleep", "-i", "3", NULL) == OPTIONS_RUN,
		    "%s", err))
		return false;
	/* Options after -- belong to the command. */
	return ASSERT(o.command && !strcmp(o.command[0], "sleep") && !strcmp(o.command[1], "-i"),
		      "command") && ASSERT(o.interval_s == 1, "interval");
}

UNIT_TEST(options_rejects_bad_values)
{
	static const char *const bad[][3] = {
		{ "--interval", "0" }, { "--interval", "-2" }, { "--interval", "x" },
		{ "--interval", "" }, { "--interval", "nan" }, { "--interval", "inf" },
		{ "--interval", "1e9" }, { "--interval", "5s" }, { "--duration", "0" },
		{ "--duration", "-1" }, { "--top", "0" }, { "--top", "-1" }, { "--top", "99999999999999999999" },
		{ "--max-files", "0" }, { "--max-cgroups", "abc" }, { "--cgroup", "" },
		{ "--interval", "0.000000000000000000000000000000000000000000000001" },
	};
	struct options o;
	char err[256];
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int r = parse(&o, err, sizeof(err), bad[i][0], bad[i][1], NULL);

		if (!ASSERT(r == -EINVAL, "%s '%s' accepted", bad[i][0], bad[i][1]) ||
		    !ASSERT(strstr(err, bad[i][0]), "message \"%s\" does not name %s", err, bad[i][0]))
			return false;
	}
	return true;
}

UNIT_TEST(options_rejects_bad_shapes)
{
	struct options o;
	char err[256];

	return ASSERT(parse(&o, err, sizeof(err), "--nope", NULL) == -EINVAL && strstr(err, "--nope"), "%s", err) &&
	       ASSERT(parse(&o, err, sizeof(err), "-i", NULL) == -EINVAL && strstr(err, "needs a value"), "%s", err) &&
	       ASSERT(parse(&o, err, sizeof(err), "stray", NULL) == -EINVAL && strstr(err, "stray"), "%s", err) &&
	       ASSERT(parse(&o, err, sizeof(err), "--", NULL) == -EINVAL, "bare --") &&
	       ASSERT(parse(&o, err, sizeof(err), "-c", "x", "--", "true", NULL) == -EINVAL, "both");
}

UNIT_TEST(options_shows_bad_bytes_escaped)
{
	struct options o;
	char err[256];

	if (!ASSERT(parse(&o, err, sizeof(err), "--interval", "1\n\xff", NULL) == -EINVAL, "accepted"))
		return false;
	return ASSERT(!strchr(err, '\n') && strstr(err, "\\x0a\\xff"), "%s", err);
}

UNIT_TEST(options_verdict_thresholds)
{
	struct options o;
	char err[256];

	if (!ASSERT(parse(&o, err, sizeof(err), "--leak-band", "8M", "--warn-rate", "1.5G", "--leak-rate",
			  "2GiB", "--verdict-window", "60", "--verdict-samples", "6", NULL) == OPTIONS_RUN,
		    "%s", err))
		return false;
	return ASSERT(o.verdict.band == 8.0 * 1024 * 1024 && o.verdict.warn_rate == 1.5 * 1024 * 1024 * 1024 &&
		      o.verdict.leak_rate == 2.0 * 1024 * 1024 * 1024, "sizes") &&
	       ASSERT(o.verdict.window_s == 60 && o.verdict.min_samples == 6, "window") &&
	       ASSERT(parse(&o, err, sizeof(err), "--leak-band", "8X", NULL) == -EINVAL, "unit") &&
	       ASSERT(parse(&o, err, sizeof(err), "--leak-rate", "1M", NULL) == -EINVAL &&
		      strstr(err, "below --warn-rate"), "%s", err) &&
	       ASSERT(parse(&o, err, sizeof(err), "--verdict-samples", "1", NULL) == -EINVAL, "samples");
}

/*
 * Every flag that takes a value, against every kind of bad value: each
 * must be refused with a message that names the flag, on one line, and
 * never be taken (a crash, or a value silently clamped, fails here).
 */
UNIT_TEST(options_every_flag_every_bad_value)
{
	static const char *const flags[] = {
		"--interval", "--duration", "--journal-interval", "--top", "--max-cgroups", "--max-files",
		"--max-tasks", "--leak-band", "--warn-rate", "--leak-rate", "--verdict-window",
		"--verdict-samples", "--ring-size",
	};
	static char overlong[8192];
	const char *const bad[] = {
		"", " ", "-1", "-0.5", "abc", "1x", "0x10", "nan", "inf", "1e999", "99999999999999999999999",
		"18446744073709551617", "1 2", "5\n", "\xff\xfe", overlong,
	};
	struct options o;
	char err[512];
	size_t f, b;

	memset(overlong, '9', sizeof(overlong) - 1);
	for (f = 0; f < sizeof(flags) / sizeof(flags[0]); f++) {
		/* Missing: the flag is the last word. */
		if (!ASSERT(parse(&o, err, sizeof(err), flags[f], NULL) < 0, "%s without a value taken", flags[f]))
			return false;
		for (b = 0; b < sizeof(bad) / sizeof(bad[0]); b++) {
			int r = parse(&o, err, sizeof(err), flags[f], bad[b], NULL);

			if (!ASSERT(r < 0, "%s '%.20s' taken", flags[f], bad[b]) ||
			    !ASSERT(strstr(err, flags[f]), "%s '%.20s': the message does not name the flag: %s", flags[f],
				    bad[b], err) ||
			    !ASSERT(!strchr(err, '\n'), "%s: the message is more than one line: %s", flags[f], err) ||
			    !ASSERT(strlen(err) < 400, "%s: %zu bytes of message", flags[f], strlen(err)))
				return false;
		}
	}
	/* Zero: meaningless for all but --duration (0 is "until stopped") and --journal-interval (0 is "off"). */
	for (f = 0; f < sizeof(flags) / sizeof(flags[0]); f++) {
		if (!strcmp(flags[f], "--duration") || !strcmp(flags[f], "--journal-interval"))
			continue;
		if (!ASSERT(parse(&o, err, sizeof(err), flags[f], "0", NULL) < 0, "%s 0 taken", flags[f]))
			return false;
	}
	return true;
}

UNIT_TEST(options_listen)
{
	static const char *const bad[] = {
		"", "0", "65536", "-1", "localhost:19792", "::1:19792", "[::1]", "[::1]19792", "1.2.3:80",
		"127.0.0.1:", ":19792", "[::1]:x", "127.0.0.1:80x", "0x7f.1:80", "[]:80", "1.2.3.4:80:90",
	};
	struct options o;
	char err[256], shown[64];
	size_t i;

	if (!ASSERT(parse(&o, err, sizeof(err), NULL) == OPTIONS_RUN && !o.listen.ss_family && o.max_series == 100,
		    "defaults"))
		return false;
	if (!ASSERT(parse(&o, err, sizeof(err), "--listen", "19792", "--max-series", "7", NULL) == OPTIONS_RUN,
		    "%s", err) ||
	    !ASSERT_STR(netaddr_format(&o.listen, shown, sizeof(shown)), "127.0.0.1:19792") ||
	    !ASSERT(o.max_series == 7, "max-series"))
		return false;
	if (!ASSERT(parse(&o, err, sizeof(err), "--listen=[::1]:80", NULL) == OPTIONS_RUN, "%s", err) ||
	    !ASSERT_STR(netaddr_format(&o.listen, shown, sizeof(shown)), "[::1]:80") ||
	    !ASSERT(parse(&o, err, sizeof(err), "--listen", "0.0.0.0:65535", NULL) == OPTIONS_RUN, "%s", err) ||
	    !ASSERT_STR(netaddr_format(&o.listen, shown, sizeof(shown)), "0.0.0.0:65535"))
		return false;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (!ASSERT(parse(&o, err, sizeof(err), "--listen", bad[i], NULL) == -EINVAL, "'%s' accepted", bad[i]) ||
		    !ASSERT(strstr(err, "--listen"), "%s", err))
			return false;
	}
	return ASSERT(parse(&o, err, sizeof(err), "--max-series", "0", NULL) == -EINVAL && strstr(err, "--max-series"),
		      "%s", err) &&
	       ASSERT(parse(&o, err, sizeof(err), "--max-series", "x", NULL) == -EINVAL, "x");
}
