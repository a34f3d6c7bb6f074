/* SPDX-License-Identifier: BSD-3-Clause */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_log.h>

#include "test_log.h"

static char *log_buf;
static size_t log_len;
static FILE *log_f;

void
test_log_capture_start(void)
{
	test_log_free();
	log_f = open_memstream(&log_buf, &log_len);
	if (log_f != NULL)
		rte_openlog_stream(log_f);
}

const char *
test_log_capture_stop(void)
{
	rte_openlog_stream(NULL);
	if (log_f != NULL)
		fclose(log_f);
	log_f = NULL;
	return test_log_text();
}

const char *
test_log_text(void)
{
	return log_buf != NULL ? log_buf : "";
}

unsigned int
test_log_count(const char *text)
{
	unsigned int n = 0;

	for (const char *p = log_buf; p != NULL && (p = strstr(p, text)) != NULL; p++)
		n++;
	return n;
}

void
test_log_free(void)
{
	if (log_f != NULL)
		test_log_capture_stop();
	free(log_buf);
	log_buf = NULL;
	log_len = 0;
}
