/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef TEST_EMU_QUEUE_COMMON_H
#define TEST_EMU_QUEUE_COMMON_H

/*
 * What emu_vtd_autotest and emu_smmuv3_autotest share: the two-thread queue cases
 * (device and poll side on two threads, a queue small enough to fill and empty many
 * times) run against either model through the emu_model.h ops, and a field placer for
 * golden words computed from the specifications' field tables.
 */

#include <stdint.h>

#include "emu_model.h"
#include "sva_fault.h"

/*
 * A field of a hardware record at the absolute bit positions hi:lo the specification
 * gives (bit 0 is bit 0 of the first 64-bit word; a field never straddles two words):
 * the value shifted into its word. hi is checked against the value in the tests that
 * use it only through SPEC_FITS; the word index is lo / 64.
 */
#define SPEC(v, hi, lo) ((uint64_t)(v) << ((lo) % 64))
#define SPEC_WORD(hi, lo) ((lo) / 64)
#define SPEC_FITS(v, hi, lo) ((hi) / 64 == (lo) / 64 && \
	((uint64_t)(v) >> ((hi) - (lo)) >> 1) == 0)

struct emu_qtest {
	const struct emu_model_ops *ops;
	void *q;                 /* initialised queue memory */
	/* request i, and a check that f is request i intact; mk_req(i).addr must be
	 * addr_base + (i << 12) */
	struct sva_fault_page_req (*mk_req)(uint32_t i);
	int (*check_req)(const struct sva_fault *f, uint32_t i);
	uint64_t addr_base;
	uint32_t dev_id_mask;    /* the widest requester/stream ID the model carries */
};

/* Every request is either read, intact and in order, or lost; a gap shows only right
 * after an OVERFLOW record and is that record's lost count (both models write nothing
 * while an overflow is active: VT-d PRO, SMMUv3 8.1); one record per overflow. */
int emu_qtest_concurrent_accounting(const struct emu_qtest *t);
/* Responses from a poll thread in batches of 1..16 reach the device side in order and
 * intact, with at most one doorbell per batch. */
int emu_qtest_concurrent_responses(const struct emu_qtest *t);

#endif /* TEST_EMU_QUEUE_COMMON_H */
