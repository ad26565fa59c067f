/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * A small test runner. Each TEST runs in its own child process with a time
 * limit, so a crash or a hang fails that test alone. Assertions log what
 * they saw and evaluate to a bool: `if (!ASSERT(...)) goto out;` keeps
 * every test on one cleanup path. The closing line is "N passed, N failed".
 */
#ifndef MEMPROBE_HARNESS_H
#define MEMPROBE_HARNESS_H

#include <stdbool.h>
#include <stdio.h>
#include <unistd.h>

struct test {
	const char *suite;	/* "unit" or "integration" */
	const char *name;
	bool (*fn)(void);
	unsigned int timeout_s;
	struct test *next;
};

void test_register(struct test *t);
void test_log(const char *file, int line, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

#define TEST_FULL(suite_, name_, timeout_)					\
	static bool test_##name_(void);						\
	static struct test test_desc_##name_ = {				\
		.suite = suite_, .name = #name_, .fn = test_##name_,		\
		.timeout_s = timeout_,						\
	};									\
	__attribute__((constructor)) static void test_reg_##name_(void)	\
	{									\
		test_register(&test_desc_##name_);				\
	}									\
	static bool test_##name_(void)

#define UNIT_TEST(name_)		TEST_FULL("unit", name_, 10)
#define INTEGRATION_TEST(name_, timeout_)	TEST_FULL("integration", name_, timeout_)

/* Ends the test as skipped, saying why (exit status 77, as automake has it). */
#define SKIP(...)								\
	do {									\
		test_log(__FILE__, __LINE__, "skipped: " __VA_ARGS__);		\
		fflush(NULL);							\
		_exit(77);							\
	} while (0)

#define ASSERT(cond, fmt, ...)							\
	({									\
		bool _ok = (cond);						\
		if (!_ok)							\
			test_log(__FILE__, __LINE__, "failed: %s: " fmt, #cond, ##__VA_ARGS__); \
		_ok;								\
	})

/* |actual - expected| <= pct % of expected (and an absolute slack, for figures near zero). */
#define ASSERT_NEAR(actual, expected, pct, slack)				\
	({									\
		double _a = (double)(actual), _e = (double)(expected);		\
		double _d = _a > _e ? _a - _e : _e - _a;			\
		bool _ok = _d <= _e * (pct) / 100.0 + (double)(slack);		\
		if (!_ok)							\
			test_log(__FILE__, __LINE__, "failed: %s = %.0f, expected %s = %.0f within %g%%", \
				 #actual, _a, #expected, _e, (double)(pct));	\
		_ok;								\
	})

#define ASSERT_STR(actual, expected)						\
	({									\
		const char *_a = (actual), *_e = (expected);			\
		bool _ok = _a && _e && !strcmp(_a, _e);				\
		if (!_ok)							\
			test_log(__FILE__, __LINE__, "failed: %s = \"%s\", expected \"%s\"", \
				 #actual, _a ? _a : "(null)", _e ? _e : "(null)");	\
		_ok;								\
	})

#endif /* MEMPROBE_HARNESS_H */
