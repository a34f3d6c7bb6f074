/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * eal_autotest: EAL came up with the lcores asked for, and a DPDK service can be
 * mapped to a service lcore and runs there: the mechanism the poll path uses.
 */
#include <stdlib.h>

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_lcore.h>
#include <rte_pause.h>
#include <rte_service.h>
#include <rte_service_component.h>

#include "sva_test.h"

/* The lcore list given with -l/--lcores, as a bitmask (simple "a-b,c" lists). */
static int
requested_lcores(uint64_t *mask)
{
	const char *list = NULL;

	for (int i = 1; i < sva_test_eal_argc; i++) {
		const char *a = sva_test_eal_argv[i];

		if (strcmp(a, "-l") == 0 && i + 1 < sva_test_eal_argc)
			list = sva_test_eal_argv[i + 1];
		else if (strncmp(a, "-l", 2) == 0 && a[2] != '\0')
			list = a + 2;
		else if (strncmp(a, "--lcores=", 9) == 0)
			list = a + 9;
	}
	if (list == NULL)
		return -ENOENT;
	*mask = 0;
	while (*list != '\0') {
		char *end;
		unsigned long lo = strtoul(list, &end, 10), hi = lo;

		if (end == list)
			return -EINVAL;
		if (*end == '-')
			hi = strtoul(end + 1, &end, 10);
		if (hi >= 64 || lo > hi)
			return -EINVAL;
		for (unsigned long l = lo; l <= hi; l++)
			*mask |= UINT64_C(1) << l;
		if (*end == ',')
			end++;
		else if (*end != '\0')
			return -EINVAL;
		list = end;
	}
	return 0;
}

static int
test_eal_lcores(void)
{
	uint64_t want, have = 0;
	unsigned int lcore;

	if (requested_lcores(&want) != 0)
		TEST_SKIP("sva-test was not started with a simple -l list");
	RTE_LCORE_FOREACH(lcore)
		have |= UINT64_C(1) << lcore;
	TEST_ASSERT_EQUAL(have, want, "enabled lcores differ from the -l list");
	TEST_ASSERT_EQUAL(rte_lcore_count(), (unsigned int)__builtin_popcountll(want),
		"lcore count differs from the -l list");
	TEST_ASSERT(want & (UINT64_C(1) << rte_get_main_lcore()),
		"main lcore %u is not in the -l list", rte_get_main_lcore());
	return TEST_SUCCESS;
}

struct service_probe {
	uint64_t calls;
	unsigned int lcore_seen;
	unsigned int other_lcore_calls;
	unsigned int expected_lcore;
};

static int32_t
probe_service(void *arg)
{
	struct service_probe *p = arg;
	unsigned int me = rte_lcore_id();

	if (me != p->expected_lcore)
		__atomic_fetch_add(&p->other_lcore_calls, 1, __ATOMIC_RELAXED);
	__atomic_store_n(&p->lcore_seen, me, __ATOMIC_RELAXED);
	__atomic_fetch_add(&p->calls, 1, __ATOMIC_RELEASE);
	return 0;
}

static int
test_eal_service_on_lcore(void)
{
	struct service_probe probe = { 0 };
	struct rte_service_spec spec = {
		.name = "sva_test_probe",
		.callback = probe_service,
		.callback_userdata = &probe,
	};
	uint32_t id;
	unsigned int lcore = rte_get_next_lcore(-1, 1, 0);
	uint64_t deadline;
	int ret;

	if (lcore >= RTE_MAX_LCORE)
		TEST_SKIP("needs a second lcore (-l 0-1)");
	probe.expected_lcore = lcore;

	TEST_ASSERT_SUCCESS(rte_service_component_register(&spec, &id), "register the service");
	TEST_ASSERT_SUCCESS(rte_service_component_runstate_set(id, 1), "component runstate");
	TEST_ASSERT_SUCCESS(rte_service_runstate_set(id, 1), "service runstate");
	ret = rte_service_lcore_add(lcore);
	TEST_ASSERT(ret == 0 || ret == -EALREADY, "rte_service_lcore_add(%u): %d", lcore, ret);
	TEST_ASSERT_SUCCESS(rte_service_map_lcore_set(id, lcore, 1), "map to lcore %u", lcore);
	TEST_ASSERT_SUCCESS(rte_service_lcore_start(lcore), "start service lcore %u", lcore);

	deadline = rte_get_timer_cycles() + 5 * rte_get_timer_hz();
	while (__atomic_load_n(&probe.calls, __ATOMIC_ACQUIRE) < 1000 &&
			rte_get_timer_cycles() < deadline)
		rte_pause();

	/* Stop and undo everything before asserting, so a failure leaves EAL clean. */
	rte_service_runstate_set(id, 0);
	rte_service_lcore_stop(lcore);
	while (rte_service_may_be_active(id) == 1)
		rte_pause();
	rte_service_map_lcore_set(id, lcore, 0);
	rte_service_lcore_del(lcore);
	rte_service_component_runstate_set(id, 0);
	TEST_ASSERT_SUCCESS(rte_service_component_unregister(id), "unregister the service");

	TEST_ASSERT_GREATER_EQ(probe.calls, 1000, "the service ran too few times in 5 s");
	TEST_ASSERT_EQUAL(probe.lcore_seen, lcore, "service ran on the wrong lcore");
	TEST_ASSERT_EQUAL(probe.other_lcore_calls, 0, "service ran off its mapped lcore");
	return TEST_SUCCESS;
}

static int
test_eal_service_unmapped_does_not_run(void)
{
	struct service_probe probe = { 0 };
	struct rte_service_spec spec = {
		.name = "sva_test_unmapped",
		.callback = probe_service,
		.callback_userdata = &probe,
	};
	uint32_t id;

	TEST_ASSERT_SUCCESS(rte_service_component_register(&spec, &id), "register the service");
	rte_service_component_runstate_set(id, 1);
	rte_service_runstate_set(id, 1);
	rte_delay_ms(20);
	rte_service_runstate_set(id, 0);
	rte_service_component_runstate_set(id, 0);
	TEST_ASSERT_SUCCESS(rte_service_component_unregister(id), "unregister the service");
	TEST_ASSERT_EQUAL(probe.calls, 0, "a service mapped to no lcore ran");
	return TEST_SUCCESS;
}

static struct sva_test_suite eal_suite = {
	.name = "EAL and service lcores",
	.cases = {
		SVA_TEST_CASE(test_eal_lcores),
		SVA_TEST_CASE(test_eal_service_on_lcore),
		SVA_TEST_CASE(test_eal_service_unmapped_does_not_run),
		SVA_TEST_CASES_END(),
	},
};

static int
test_eal(void)
{
	return sva_test_suite_run(&eal_suite);
}

SVA_TEST_REGISTER(eal_autotest, test_eal);
