/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * fuzz-nested_path: the vSVA half of the fault path (nested binds through sva_bind(), the
 * VMM's records and answers, deadlines, unbinds with held groups, host PASID and gPASID
 * reuse across two VMs, VT-d and SMMUv3 CD table flavours), played from the input by
 * the same generator as iopf_model_autotest's nested class (app/test/
 * test_iopf_model_nested.c: every random choice reads two bytes of the input) and
 * checked by the same model (app/test/iopf_model.h, rules N1..N7). A broken rule is a
 * crash with the rule's explanation (SVA_FUZZ_INVARIANTS=0: printed instead);
 * SVA_FUZZ_TRACE=1 prints the stream's events. Not played here: the device refusing
 * responses across an unbind (each such unbind waits 1 s for its drain; the model
 * suite plays it in one seed of 40).
 */
#include <stdint.h>
#include <stdio.h>

#include <rte_log.h>

#include "fuzz_common.h"
#include "iopf_model.h"

int test_iopf_model_nested_input(const uint8_t *data, size_t len, const char **msg);

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fz_eal_init();
	/* refused binds and unbinds log by design */
	rte_log_set_level_pattern("lib.sva*", RTE_LOG_CRIT);
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *msg = "";
	int v = test_iopf_model_nested_input(data, size, &msg);

	FZ_CHECK(v == 0, "nested model: %s (broken: mask %#x): %s", v < 0 ? "setup failed" :
		"a rule broken", v < 0 ? 0u : (unsigned int)v, msg);
	return 0;
}
