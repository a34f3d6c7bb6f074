/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef SVA_TEST_H
#define SVA_TEST_H

/**
 * @file
 * sva-test's unit-test framework: suites of cases with setup/teardown, assertion
 * macros that print file:line and the values compared, and three results per case:
 * success, failed, skipped (with a reason). DPDK's own test framework is not
 * installed by Debian, so this is our small equivalent of it.
 *
 * A test file defines a suite and registers it as a command:
 *
 *   static struct sva_test_suite foo_suite = {
 *           .name = "foo",
 *           .setup = foo_setup,                      // optional, once per suite
 *           .cases = {
 *                   SVA_TEST_CASE(test_foo_basic),
 *                   SVA_TEST_CASE_ST(case_setup, case_teardown, test_foo_more),
 *                   SVA_TEST_CASES_END(),
 *           },
 *   };
 *   static int test_foo(void) { return sva_test_suite_run(&foo_suite); }
 *   SVA_TEST_REGISTER(foo_autotest, test_foo);
 *
 * and adds 'foo_autotest' to app/test/meson.build so it is also a meson test.
 */

#include <errno.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/queue.h>

#include <rte_common.h>

#define TEST_SUCCESS 0
#define TEST_FAILED -1
#define TEST_SKIPPED 77 /* also what meson reads as "skipped" from an exit code */

struct sva_test_case {
	const char *name;
	int (*setup)(void);    /**< before the case; a failure fails the case */
	void (*teardown)(void);/**< after the case, whatever its result */
	int (*fn)(void);       /**< TEST_SUCCESS, TEST_FAILED or TEST_SKIPPED */
};

struct sva_test_suite {
	const char *name;
	int (*setup)(void);    /**< TEST_SKIPPED here skips every case */
	void (*teardown)(void);
	struct sva_test_case cases[];
};

#define SVA_TEST_CASE(fn) { #fn, NULL, NULL, fn }
#define SVA_TEST_CASE_ST(setup, teardown, fn) { #fn, setup, teardown, fn }
#define SVA_TEST_CASES_END() { NULL, NULL, NULL, NULL }

/** Per-run totals, summed over every suite run by this process. */
struct sva_test_totals {
	unsigned int passed, failed, skipped;
};

/** Run every case of a suite; prints one line per case and a summary. */
int sva_test_suite_run(struct sva_test_suite *suite);
/** Totals so far (sva-test prints them last, and svapoll test sums them). */
const struct sva_test_totals *sva_test_totals_get(void);

/* ---- commands ---- */
struct sva_test_command {
	TAILQ_ENTRY(sva_test_command) next;
	const char *name;
	int (*fn)(void);
};
void sva_test_command_register(struct sva_test_command *cmd);

#define SVA_TEST_REGISTER(cmd_name, func) \
	static struct sva_test_command sva_test_cmd_##cmd_name = { \
		.name = RTE_STR(cmd_name), .fn = func }; \
	RTE_INIT(sva_test_register_##cmd_name) \
	{ \
		sva_test_command_register(&sva_test_cmd_##cmd_name); \
	}

/* ---- EAL arguments sva-test was started with (tests may check them) ---- */
extern int sva_test_eal_argc;
extern char **sva_test_eal_argv;

/* ---- reporting ---- */
void sva_test_fail(const char *file, int line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void sva_test_skip_reason(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/** Skip the current case (or, from a suite setup, the suite), saying why. */
#define TEST_SKIP(...) do { \
	sva_test_skip_reason(__VA_ARGS__); \
	return TEST_SKIPPED; \
} while (0)

#define TEST_ASSERT(cond, ...) do { \
	if (!(cond)) { \
		sva_test_fail(__FILE__, __LINE__, "assertion '%s' is false", #cond); \
		sva_test_fail(__FILE__, __LINE__, __VA_ARGS__); \
		return TEST_FAILED; \
	} \
} while (0)

/* Integer comparisons: both sides are shown as signed and hex. */
#define SVA_TEST_CMP_(a, op, b, ...) do { \
	int64_t sva_a_ = (int64_t)(a), sva_b_ = (int64_t)(b); \
	if (!(sva_a_ op sva_b_)) { \
		sva_test_fail(__FILE__, __LINE__, \
			"expected %s %s %s: %" PRId64 " (0x%" PRIx64 ") vs %" PRId64 " (0x%" PRIx64 ")", \
			#a, #op, #b, sva_a_, (uint64_t)sva_a_, sva_b_, (uint64_t)sva_b_); \
		sva_test_fail(__FILE__, __LINE__, __VA_ARGS__); \
		return TEST_FAILED; \
	} \
} while (0)

#define TEST_ASSERT_EQUAL(a, b, ...) SVA_TEST_CMP_(a, ==, b, __VA_ARGS__)
#define TEST_ASSERT_NOT_EQUAL(a, b, ...) SVA_TEST_CMP_(a, !=, b, __VA_ARGS__)
#define TEST_ASSERT_LESS(a, b, ...) SVA_TEST_CMP_(a, <, b, __VA_ARGS__)
#define TEST_ASSERT_LESS_EQ(a, b, ...) SVA_TEST_CMP_(a, <=, b, __VA_ARGS__)
#define TEST_ASSERT_GREATER(a, b, ...) SVA_TEST_CMP_(a, >, b, __VA_ARGS__)
#define TEST_ASSERT_GREATER_EQ(a, b, ...) SVA_TEST_CMP_(a, >=, b, __VA_ARGS__)

/** Assert a call returned exactly the negative errno 'expected' (0 for success). */
#define TEST_ASSERT_RET(expr, expected) do { \
	int sva_r_ = (int)(expr), sva_e_ = (int)(expected); \
	if (sva_r_ != sva_e_) { \
		sva_test_fail(__FILE__, __LINE__, "%s returned %d (%s), expected %d (%s)", \
			#expr, sva_r_, sva_r_ < 0 ? strerror(-sva_r_) : "no error", \
			sva_e_, sva_e_ < 0 ? strerror(-sva_e_) : "no error"); \
		return TEST_FAILED; \
	} \
} while (0)

#define TEST_ASSERT_SUCCESS(expr, ...) do { \
	int sva_r_ = (int)(expr); \
	if (sva_r_ != 0) { \
		sva_test_fail(__FILE__, __LINE__, "%s returned %d (%s), expected 0", \
			#expr, sva_r_, sva_r_ < 0 ? strerror(-sva_r_) : "positive"); \
		sva_test_fail(__FILE__, __LINE__, __VA_ARGS__); \
		return TEST_FAILED; \
	} \
} while (0)

#define TEST_ASSERT_NOT_NULL(p, ...) do { \
	if ((p) == NULL) { \
		sva_test_fail(__FILE__, __LINE__, "%s is NULL (rte_errno %d: %s)", #p, \
			rte_errno, strerror(rte_errno)); \
		sva_test_fail(__FILE__, __LINE__, __VA_ARGS__); \
		return TEST_FAILED; \
	} \
} while (0)

#define TEST_ASSERT_NULL(p, ...) do { \
	if ((p) != NULL) { \
		sva_test_fail(__FILE__, __LINE__, "%s is %p, expected NULL", #p, (const void *)(p)); \
		sva_test_fail(__FILE__, __LINE__, __VA_ARGS__); \
		return TEST_FAILED; \
	} \
} while (0)

/** Assert a constructor returned NULL with rte_errno == expected (a positive errno). */
#define TEST_ASSERT_NULL_ERRNO(expr, expected) do { \
	rte_errno = 0; \
	const void *sva_p_ = (expr); \
	int sva_e_ = (expected); \
	if (sva_p_ != NULL || rte_errno != sva_e_) { \
		sva_test_fail(__FILE__, __LINE__, "%s gave %p with rte_errno %d (%s), expected NULL with %d (%s)", \
			#expr, sva_p_, rte_errno, strerror(rte_errno), sva_e_, strerror(sva_e_)); \
		return TEST_FAILED; \
	} \
} while (0)

#define TEST_ASSERT_BUFFERS_EQUAL(a, b, len, ...) do { \
	const uint8_t *sva_x_ = (const uint8_t *)(a), *sva_y_ = (const uint8_t *)(b); \
	size_t sva_n_ = (len); \
	for (size_t sva_i_ = 0; sva_i_ < sva_n_; sva_i_++) { \
		if (sva_x_[sva_i_] != sva_y_[sva_i_]) { \
			sva_test_fail(__FILE__, __LINE__, "%s and %s differ at byte %zu of %zu: 0x%02x vs 0x%02x", \
				#a, #b, sva_i_, sva_n_, sva_x_[sva_i_], sva_y_[sva_i_]); \
			sva_test_fail(__FILE__, __LINE__, __VA_ARGS__); \
			return TEST_FAILED; \
		} \
	} \
} while (0)

#include <rte_errno.h>

#endif /* SVA_TEST_H */
