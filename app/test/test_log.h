/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef TEST_LOG_H
#define TEST_LOG_H

/* Log capture for tests that check the exact messages a user sees: rte_log goes to a
 * memory stream between start and stop; the text stays readable until the next start. */

#include <string.h>

#include "sva_test.h"

void test_log_capture_start(void);
/* Stop capturing; returns the text (never NULL). */
const char *test_log_capture_stop(void);
/* What the last capture caught ("" if nothing). */
const char *test_log_text(void);
/* How many times text occurs in what the last capture caught. */
unsigned int test_log_count(const char *text);
/* Free the buffer (suite end). */
void test_log_free(void);

#define TEST_ASSERT_LOGGED(text) do { \
	const char *sva_l_ = test_log_text(); \
	TEST_ASSERT(strstr(sva_l_, (text)) != NULL, "expected log line containing:\n  %s\n" \
		"logged:\n%s", (text), sva_l_); \
} while (0)

#define TEST_ASSERT_NOT_LOGGED(text) do { \
	const char *sva_l_ = test_log_text(); \
	TEST_ASSERT(strstr(sva_l_, (text)) == NULL, "expected no log line containing:\n  %s\n" \
		"logged:\n%s", (text), sva_l_); \
} while (0)

#endif /* TEST_LOG_H */
