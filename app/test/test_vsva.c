/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * vsva_autotest: the library half of vSVA (issue 13), driven with the synthetic "syn"
 * driver (records injected by the test, no emu walkers): guest data stamped into the
 * bond's records, events and statistics entries; the sized struct sva_bind_params
 * (size 0 = the SVA_0.1 layout); the gPASID map; the nested attach rules; nested binds
 * and the routing of first-level groups to the VMM; exact errno for every refusal.
 * The cases live one object per file (test_vsva.h lists them); this file runs them.
 */
#include "test_vsva.h"

static struct sva_test_suite vsva_suite = {
	.name = "vsva",
	.cases = {
		SVA_TEST_CASE(test_bind_params_size),
		SVA_TEST_CASE(test_guest_data_records),
		SVA_TEST_CASE(test_vpasid_map),
		SVA_TEST_CASE(test_vpasid_concurrency),
		SVA_TEST_CASE(test_nested_rules_vtd),
		SVA_TEST_CASE(test_nested_rules_smmuv3),
		SVA_TEST_CASE(test_nested_bind_vtd),
		SVA_TEST_CASE(test_nested_routing_vtd),
		SVA_TEST_CASE(test_nested_vm_isolation),
		SVA_TEST_CASE(test_nested_cd_table),
		SVA_TEST_CASE(test_nested_auto_invalid),
		SVA_TEST_CASE(test_nested_answer_from_callback),
		SVA_TEST_CASE(test_nested_exactly_once_race),
		SVA_TEST_CASE(test_nested_reuse_stuck_drain),
		SVA_TEST_CASE(test_nested_cd_table_stuck_drain),
		SVA_TEST_CASE(test_nested_late_answer_reused_prg),
		SVA_TEST_CASES_END(),
	},
};

static int
test_vsva(void)
{
	return sva_test_suite_run(&vsva_suite);
}

SVA_TEST_REGISTER(vsva_autotest, test_vsva);
