/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef FUZZ_MODEL_H
#define FUZZ_MODEL_H

/*
 * The emu queue models (emu_model.h ops) driven by an operation stream, against a
 * shadow of what went in: every page request the device side wrote is read back once,
 * in order, equal to what was written (or counted malformed); every drop is claimed
 * by exactly one SVA_FAULT_OVERFLOW record, placed after everything queued before it;
 * responses come out in order, equal to what the poll side wrote (or counted
 * malformed); the model's counters agree with the shadow.
 */
#include "emu_model.h"
#include "fuzz_common.h"

struct fz_model {
	const struct emu_model_ops *ops;
	uint32_t prq_entry_size, evtq_entry_size, resp_entry_size;
	/* Nothing is queued while an overflow is outstanding (VT-d; SMMUv3 PRI queue, 8.1),
	 * so no request is read after a drop its record has not claimed yet. */
	bool strict_overflow_order;
	uint32_t prq_min, prq_max, evtq_min, evtq_max, resp_min, resp_max; /* depths */
	/* The model's encoding of a generic page request / event: 0 or -EINVAL (a value
	 * the hardware field cannot hold: prq_write / evtq_write must refuse it too). */
	int (*prq_encode)(const struct sva_fault_page_req *pr, void *raw);
	int (*evtq_encode)(const struct sva_fault_unrecov *ev, void *raw);
	/* What a raw PRQ entry reads back as (0), or -EINVAL when the decoder refuses it. */
	int (*prq_expect)(const void *raw, struct sva_fault_page_req *pr);
	/* What a response reads back as on the device side (0), or -EINVAL (refused). */
	int (*resp_expect)(const struct sva_page_response *in, struct sva_page_response *out);
	int (*resp_raw_expect)(const void *raw, struct sva_page_response *out);
	int (*resp_write_raw)(void *q, const void *raw);
	int (*evtq_write_raw)(void *q, const void *raw);
	int (*evtq_raw_valid)(const void *raw); /* 1 decodes, 0 malformed */
	/* 1 when the IOMMU itself answers a dropped PRQ entry (VT-d 7.4.1 Table 31: LPIG
	 * with read or write; SMMUv3 8.1: Last, not a stop marker), with that answer in
	 * out; 0 when a drop gets none. */
	int (*prq_auto_resp)(const void *raw, struct sva_page_response *out);
};

void fz_model_run(const struct fz_model *m, struct fz_in *in);

/* A generic page request / response / event from the input, mostly within the
 * hardware's widths (sometimes not, to reach the refusals). */
void fz_gen_page_req(struct fz_in *in, struct sva_fault_page_req *pr);
void fz_gen_resp(struct fz_in *in, struct sva_page_response *r);
void fz_gen_unrecov(struct fz_in *in, struct sva_fault_unrecov *ev);

#endif /* FUZZ_MODEL_H */
