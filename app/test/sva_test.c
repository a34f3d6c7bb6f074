/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * sva-test: EAL arguments, then one or more command names
 * (sva-test -l 0-1 --no-huge -- pasid_autotest), or an interactive prompt.
 */
#include <stdarg.h>
#include <stdlib.h>
#include <unistd.h>

#include <rte_eal.h>
#include <rte_lcore.h>

#include "sva_test.h"

static TAILQ_HEAD(, sva_test_command) commands = TAILQ_HEAD_INITIALIZER(commands);
static struct sva_test_totals totals;
static char skip_reason[256];

int sva_test_eal_argc;
char **sva_test_eal_argv;

void
sva_test_command_register(struct sva_test_command *cmd)
{
	TAILQ_INSERT_TAIL(&commands, cmd, next);
}

const struct sva_test_totals *
sva_test_totals_get(void)
{
	return &totals;
}

void
sva_test_fail(const char *file, int line, const char *fmt, ...)
{
	va_list ap;

	printf("    FAIL %s:%d: ", file, line);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
}

void
sva_test_skip_reason(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(skip_reason, sizeof(skip_reason), fmt, ap);
	va_end(ap);
}

static int
run_case(const struct sva_test_case *tc)
{
	int ret;

	skip_reason[0] = '\0';
	if (tc->setup != NULL) {
		ret = tc->setup();
		if (ret != TEST_SUCCESS) {
			if (ret != TEST_SKIPPED)
				printf("    setup of %s failed\n", tc->name);
			return ret == TEST_SKIPPED ? TEST_SKIPPED : TEST_FAILED;
		}
	}
	ret = tc->fn();
	if (tc->teardown != NULL)
		tc->teardown();
	if (ret != TEST_SUCCESS && ret != TEST_SKIPPED)
		ret = TEST_FAILED;
	return ret;
}

int
sva_test_suite_run(struct sva_test_suite *suite)
{
	struct sva_test_totals s = {0, 0, 0};
	const struct sva_test_case *tc;
	int suite_skip = 0;

	printf(" + ------------------------------------------------------- +\n");
	printf(" + Test Suite : %s\n", suite->name);
	printf(" + ------------------------------------------------------- +\n");
	skip_reason[0] = '\0';
	if (suite->setup != NULL) {
		int ret = suite->setup();

		if (ret == TEST_SKIPPED) {
			suite_skip = 1;
		} else if (ret != TEST_SUCCESS) {
			printf(" + suite setup failed: every case counts as failed\n");
			for (tc = suite->cases; tc->fn != NULL; tc++) {
				printf(" + TestCase [%2u] : %s failed (suite setup)\n",
					s.passed + s.failed + s.skipped, tc->name);
				s.failed++;
			}
			goto summary;
		}
	}

	for (tc = suite->cases; tc->fn != NULL; tc++) {
		unsigned int n = s.passed + s.failed + s.skipped;
		int ret = suite_skip ? TEST_SKIPPED : run_case(tc);

		switch (ret) {
		case TEST_SUCCESS:
			s.passed++;
			printf(" + TestCase [%2u] : %s succeeded\n", n, tc->name);
			break;
		case TEST_SKIPPED:
			s.skipped++;
			printf(" + TestCase [%2u] : %s skipped: %s\n", n, tc->name,
				skip_reason[0] != '\0' ? skip_reason : "no reason given");
			break;
		default:
			s.failed++;
			printf(" + TestCase [%2u] : %s failed\n", n, tc->name);
			break;
		}
		fflush(stdout);
	}
	if (suite->teardown != NULL && !suite_skip)
		suite->teardown();

summary:
	printf(" + ------------------------------------------------------- +\n");
	printf(" + Test Suite Summary : %s\n", suite->name);
	printf(" + Tests Total :  %2u\n", s.passed + s.failed + s.skipped);
	printf(" + Tests Skipped: %2u\n", s.skipped);
	printf(" + Tests Passed : %2u\n", s.passed);
	printf(" + Tests Failed : %2u\n", s.failed);
	printf(" + ------------------------------------------------------- +\n");
	totals.passed += s.passed;
	totals.failed += s.failed;
	totals.skipped += s.skipped;
	if (s.failed > 0)
		return TEST_FAILED;
	if (s.passed == 0 && s.skipped > 0)
		return TEST_SKIPPED;
	return TEST_SUCCESS;
}

static struct sva_test_command *
command_find(const char *name)
{
	struct sva_test_command *cmd;

	TAILQ_FOREACH(cmd, &commands, next)
		if (strcmp(cmd->name, name) == 0)
			return cmd;
	return NULL;
}

static void
command_list(void)
{
	struct sva_test_command *cmd;

	printf("commands:");
	TAILQ_FOREACH(cmd, &commands, next)
		printf(" %s", cmd->name);
	printf("\n");
}

/* Returns TEST_SUCCESS, TEST_FAILED or TEST_SKIPPED; an unknown name fails. */
static int
command_run(const char *name)
{
	struct sva_test_command *cmd = command_find(name);
	int ret;

	if (cmd == NULL) {
		printf("unknown command '%s'\n", name);
		command_list();
		totals.failed++;
		return TEST_FAILED;
	}
	ret = cmd->fn();
	printf("%s: %s\n", name, ret == TEST_SUCCESS ? "Test OK" :
		ret == TEST_SKIPPED ? "Test Skipped" : "Test Failed");
	return ret;
}

static int
interactive(void)
{
	char line[256];
	int worst = TEST_SUCCESS;
	int tty = isatty(STDIN_FILENO);

	if (tty)
		printf("sva-test %s: type a command, 'list' or 'quit'\n", SVA_VERSION);
	for (;;) {
		if (tty) {
			printf("SVA>> ");
			fflush(stdout);
		}
		if (fgets(line, sizeof(line), stdin) == NULL)
			break;
		line[strcspn(line, " \t\r\n")] = '\0';
		if (line[0] == '\0')
			continue;
		if (strcmp(line, "quit") == 0 || strcmp(line, "exit") == 0)
			break;
		if (strcmp(line, "list") == 0 || strcmp(line, "help") == 0) {
			command_list();
			continue;
		}
		if (command_run(line) == TEST_FAILED)
			worst = TEST_FAILED;
	}
	return worst;
}

int
main(int argc, char **argv)
{
	int consumed, worst = TEST_SUCCESS, ran = 0, all_skipped = 1;

	sva_test_eal_argc = argc;
	sva_test_eal_argv = argv;
	consumed = rte_eal_init(argc, argv);
	if (consumed < 0) {
		fprintf(stderr, "sva-test: EAL init failed: %s (try --no-huge, or mount hugetlbfs)\n",
			rte_strerror(rte_errno));
		return 1;
	}
	sva_test_eal_argc = consumed + 1;
	/* EAL leaves the program name in front of what it did not parse. */
	argc -= consumed + 1;
	argv += consumed + 1;
	if (argc > 0 && strcmp(argv[0], "--") == 0) {
		argc--;
		argv++;
	}

	if (argc == 0) {
		worst = interactive();
		all_skipped = 0;
	}
	for (int i = 0; i < argc; i++) {
		int ret = command_run(argv[i]);

		ran++;
		if (ret == TEST_FAILED)
			worst = TEST_FAILED;
		if (ret != TEST_SKIPPED)
			all_skipped = 0;
	}
	/* The line ./svapoll test sums over every suite and both builds. */
	printf("sva-test: %u passed, %u failed, %u skipped\n",
		totals.passed, totals.failed, totals.skipped);
	rte_eal_cleanup();
	if (worst == TEST_FAILED)
		return 1;
	if (ran > 0 && all_skipped)
		return TEST_SKIPPED;
	return 0;
}
