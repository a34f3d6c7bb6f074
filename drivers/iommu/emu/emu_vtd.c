/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The emu's VT-d model: codecs for the page request descriptor, the page group response
 * descriptor and the fault record, and the three rings of emu_model_vtd. Formats and
 * rules are described in emu_vtd.h.
 */
#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include <rte_common.h>

#include "emu_codec_pvt.h"
#include "emu_model.h"
#include "emu_ring.h"
#include "emu_vtd.h"

/* The emu driver's log type. Registering a name twice yields the same type, and the
 * last registration sets the default level: keep it the driver's (INFO). */

#define PASID_MAX 0xfffffu
#define PRG_MAX 0x1ffu
#define RID_MAX 0xffffu

/* ------------------------------------------------------------------ codecs */

static __rte_always_inline void
vtd_prq_encode_inl(const struct emu_vtd_page_req *r, uint64_t desc[4])
{
	desc[0] = (uint64_t)r->type |
		(r->pasid_present ? EMU_VTD_PRQ0_PASID_P : 0) |
		(r->pdp ? EMU_VTD_PRQ0_PDP : 0) |
		((uint64_t)r->rid << EMU_VTD_PRQ0_RID_SHIFT) |
		((uint64_t)(r->pasid & PASID_MAX) << EMU_VTD_PRQ0_PASID_SHIFT) |
		(r->exec ? EMU_VTD_PRQ0_EXE : 0) |
		(r->priv ? EMU_VTD_PRQ0_PRIV : 0);
	desc[1] = (r->read ? EMU_VTD_PRQ1_READ : 0) |
		(r->write ? EMU_VTD_PRQ1_WRITE : 0) |
		(r->last ? EMU_VTD_PRQ1_LPIG : 0) |
		((uint64_t)(r->prg_index & PRG_MAX) << EMU_VTD_PRQ1_PRG_SHIFT) |
		(r->addr & EMU_VTD_PRQ1_ADDR);
	desc[2] = r->priv_data[0];
	desc[3] = r->priv_data[1];
}

static __rte_always_inline int
vtd_prq_decode_inl(const uint64_t desc[4], struct emu_vtd_page_req *r)
{
	uint64_t q0 = desc[0], q1 = desc[1], q2 = desc[2], q3 = desc[3];

	if (unlikely((q0 & EMU_VTD_PRQ0_TYPE) != EMU_VTD_PRQ_TYPE_PAGE_REQ ||
			(q0 & EMU_VTD_PRQ0_RSVD) != 0))
		return -EINVAL;
	/* Without a PASID prefix there is no PASID, execute or privileged bit. */
	if (unlikely(!(q0 & EMU_VTD_PRQ0_PASID_P) &&
			(q0 & (((uint64_t)PASID_MAX << EMU_VTD_PRQ0_PASID_SHIFT) |
				EMU_VTD_PRQ0_EXE | EMU_VTD_PRQ0_PRIV)) != 0))
		return -EINVAL;
	if (unlikely(!(q0 & EMU_VTD_PRQ0_PDP) && (q2 | q3) != 0))
		return -EINVAL;
	r->type = (uint8_t)(q0 & EMU_VTD_PRQ0_TYPE);
	r->pasid_present = (q0 & EMU_VTD_PRQ0_PASID_P) != 0;
	r->pdp = (q0 & EMU_VTD_PRQ0_PDP) != 0;
	r->rid = (uint16_t)(q0 >> EMU_VTD_PRQ0_RID_SHIFT);
	r->pasid = (uint32_t)(q0 >> EMU_VTD_PRQ0_PASID_SHIFT) & PASID_MAX;
	r->exec = (q0 & EMU_VTD_PRQ0_EXE) != 0;
	r->priv = (q0 & EMU_VTD_PRQ0_PRIV) != 0;
	r->read = (q1 & EMU_VTD_PRQ1_READ) != 0;
	r->write = (q1 & EMU_VTD_PRQ1_WRITE) != 0;
	r->last = (q1 & EMU_VTD_PRQ1_LPIG) != 0;
	r->prg_index = (uint16_t)((q1 >> EMU_VTD_PRQ1_PRG_SHIFT) & PRG_MAX);
	r->addr = q1 & EMU_VTD_PRQ1_ADDR;
	r->priv_data[0] = q2;
	r->priv_data[1] = q3;
	return 0;
}

static __rte_always_inline int
vtd_page_req_from_generic_inl(const struct sva_fault_page_req *pr, struct emu_vtd_page_req *r)
{
	bool pasid_valid = (pr->flags & SVA_FAULT_PR_PASID_VALID) != 0;

	if (unlikely(pr->dev_id > RID_MAX || pr->grpid > PRG_MAX ||
			(pasid_valid && pr->pasid > PASID_MAX) ||
			(!pasid_valid && (pr->perm & (SVA_FAULT_PERM_EXEC | SVA_FAULT_PERM_PRIV)))))
		return -EINVAL;
	r->type = EMU_VTD_PRQ_TYPE_PAGE_REQ;
	r->pasid_present = pasid_valid;
	r->pdp = (pr->flags & SVA_FAULT_PR_PRIV_DATA) != 0;
	r->exec = (pr->perm & SVA_FAULT_PERM_EXEC) != 0;
	r->priv = (pr->perm & SVA_FAULT_PERM_PRIV) != 0;
	r->read = (pr->perm & SVA_FAULT_PERM_READ) != 0;
	r->write = (pr->perm & SVA_FAULT_PERM_WRITE) != 0;
	r->last = (pr->flags & SVA_FAULT_PR_LAST_PAGE) != 0;
	r->rid = (uint16_t)pr->dev_id;
	r->pasid = pasid_valid ? pr->pasid : 0;
	r->prg_index = (uint16_t)pr->grpid;
	r->addr = emu_pr_word_addr(pr) & EMU_VTD_PRQ1_ADDR;
	r->priv_data[0] = r->pdp ? pr->private_data[0] : 0;
	r->priv_data[1] = r->pdp ? pr->private_data[1] : 0;
	return 0;
}

static __rte_always_inline void
vtd_page_req_to_generic_inl(const struct emu_vtd_page_req *r, struct sva_fault_page_req *pr)
{
	pr->flags = (r->pasid_present ? SVA_FAULT_PR_PASID_VALID : 0) |
		(r->last ? SVA_FAULT_PR_LAST_PAGE : 0) |
		(r->pdp ? SVA_FAULT_PR_PRIV_DATA : 0);
	pr->pasid = r->pasid;
	pr->grpid = r->prg_index;
	pr->perm = (r->read ? SVA_FAULT_PERM_READ : 0) |
		(r->write ? SVA_FAULT_PERM_WRITE : 0) |
		(r->exec ? SVA_FAULT_PERM_EXEC : 0) |
		(r->priv ? SVA_FAULT_PERM_PRIV : 0);
	pr->addr = r->addr;
	pr->private_data[0] = r->priv_data[0];
	pr->private_data[1] = r->priv_data[1];
	pr->dev_id = r->rid;
	pr->cookie = 0;
	pr->timestamp = 0;
}

static __rte_always_inline void
vtd_pgrp_resp_encode_inl(const struct emu_vtd_pgrp_resp *r, uint64_t desc[4])
{
	desc[0] = EMU_VTD_QI_TYPE_PGRP_RESP |
		(r->pasid_present ? EMU_VTD_PGRP0_PASID_P : 0) |
		(r->pdp ? EMU_VTD_PGRP0_PDP : 0) |
		((uint64_t)(r->code & 0xf) << EMU_VTD_PGRP0_CODE_SHIFT) |
		((uint64_t)r->rid << EMU_VTD_PGRP0_RID_SHIFT) |
		((uint64_t)(r->pasid & PASID_MAX) << EMU_VTD_PGRP0_PASID_SHIFT);
	desc[1] = (r->last ? EMU_VTD_PGRP1_LPIG : 0) |
		((uint64_t)(r->prg_index & PRG_MAX) << EMU_VTD_PGRP1_PRG_SHIFT);
	desc[2] = r->priv_data[0];
	desc[3] = r->priv_data[1];
}

static __rte_always_inline int
vtd_pgrp_resp_decode_inl(const uint64_t desc[4], struct emu_vtd_pgrp_resp *r)
{
	uint64_t q0 = desc[0], q1 = desc[1];
	uint8_t code = (uint8_t)((q0 >> EMU_VTD_PGRP0_CODE_SHIFT) & 0xf);

	if (unlikely((q0 & EMU_VTD_PGRP0_TYPE_LO) != EMU_VTD_QI_TYPE_PGRP_RESP ||
			(q0 & (EMU_VTD_PGRP0_TYPE_HI | EMU_VTD_PGRP0_RSVD)) != 0 ||
			(q1 & EMU_VTD_PGRP1_RSVD) != 0))
		return -EINVAL;
	if (unlikely(code != EMU_VTD_RESP_SUCCESS && code != EMU_VTD_RESP_INVALID &&
			code != EMU_VTD_RESP_FAILURE))
		return -EINVAL;
	if (unlikely(!(q0 & EMU_VTD_PGRP0_PASID_P) &&
			(q0 & ((uint64_t)PASID_MAX << EMU_VTD_PGRP0_PASID_SHIFT)) != 0))
		return -EINVAL;
	if (unlikely(!(q0 & EMU_VTD_PGRP0_PDP) && (desc[2] | desc[3]) != 0))
		return -EINVAL;
	r->pasid_present = (q0 & EMU_VTD_PGRP0_PASID_P) != 0;
	r->pdp = (q0 & EMU_VTD_PGRP0_PDP) != 0;
	r->code = code;
	r->rid = (uint16_t)(q0 >> EMU_VTD_PGRP0_RID_SHIFT);
	r->pasid = (uint32_t)(q0 >> EMU_VTD_PGRP0_PASID_SHIFT) & PASID_MAX;
	r->last = (q1 & EMU_VTD_PGRP1_LPIG) != 0;
	r->prg_index = (uint16_t)((q1 >> EMU_VTD_PGRP1_PRG_SHIFT) & PRG_MAX);
	r->priv_data[0] = desc[2];
	r->priv_data[1] = desc[3];
	return 0;
}

static __rte_always_inline void
vtd_pgrp_resp_from_generic_inl(const struct sva_page_response *resp, struct emu_vtd_pgrp_resp *r)
{
	r->pasid_present = (resp->flags & SVA_PAGE_RESP_PASID_VALID) != 0;
	r->pdp = (resp->private_data[0] | resp->private_data[1]) != 0;
	r->last = true;
	r->code = (uint8_t)(resp->code > 0xf ? 0x2 /* reserved: the device refuses it */ : resp->code);
	r->rid = (uint16_t)resp->dev_id;
	r->pasid = r->pasid_present ? resp->pasid : 0;
	r->prg_index = (uint16_t)resp->grpid;
	r->priv_data[0] = resp->private_data[0];
	r->priv_data[1] = resp->private_data[1];
}

static __rte_always_inline void
vtd_pgrp_resp_to_generic_inl(const struct emu_vtd_pgrp_resp *r, struct sva_page_response *resp)
{
	resp->argsz = sizeof(*resp);
	resp->flags = r->pasid_present ? SVA_PAGE_RESP_PASID_VALID : 0;
	resp->dev_id = r->rid;
	resp->pasid = r->pasid;
	resp->grpid = r->prg_index;
	resp->code = r->code;
	resp->cookie = 0;
	resp->reserved = 0;
	resp->private_data[0] = r->priv_data[0];
	resp->private_data[1] = r->priv_data[1];
}

static __rte_always_inline void
vtd_frcd_encode_inl(const struct emu_vtd_fault_rec *r, uint64_t rec[2])
{
	rec[0] = r->addr & EMU_VTD_FRCD0_FI;
	rec[1] = (uint64_t)r->sid |
		(r->priv ? EMU_VTD_FRCD1_PRIV : 0) |
		(r->exe ? EMU_VTD_FRCD1_EXE : 0) |
		(r->pp ? EMU_VTD_FRCD1_PP : 0) |
		((uint64_t)r->reason << EMU_VTD_FRCD1_FR_SHIFT) |
		((uint64_t)(r->pasid & PASID_MAX) << EMU_VTD_FRCD1_PV_SHIFT) |
		((uint64_t)(r->at & 0x3) << EMU_VTD_FRCD1_AT_SHIFT) |
		(r->read ? EMU_VTD_FRCD1_T : 0) |
		(r->f ? EMU_VTD_FRCD1_F : 0);
}

static __rte_always_inline int
vtd_frcd_decode_inl(const uint64_t rec[2], struct emu_vtd_fault_rec *r)
{
	uint64_t q0 = rec[0], q1 = rec[1];

	if (unlikely(!(q1 & EMU_VTD_FRCD1_F) || (q0 & EMU_VTD_FRCD0_RSVD) != 0 ||
			(q1 & EMU_VTD_FRCD1_RSVD) != 0 ||
			((q1 >> EMU_VTD_FRCD1_AT_SHIFT) & 0x3) == 0x3))
		return -EINVAL;
	if (unlikely(!(q1 & EMU_VTD_FRCD1_PP) &&
			(q1 & (((uint64_t)PASID_MAX << EMU_VTD_FRCD1_PV_SHIFT) |
				EMU_VTD_FRCD1_PRIV | EMU_VTD_FRCD1_EXE)) != 0))
		return -EINVAL;
	r->addr = q0 & EMU_VTD_FRCD0_FI;
	r->sid = (uint16_t)(q1 & EMU_VTD_FRCD1_SID);
	r->priv = (q1 & EMU_VTD_FRCD1_PRIV) != 0;
	r->exe = (q1 & EMU_VTD_FRCD1_EXE) != 0;
	r->pp = (q1 & EMU_VTD_FRCD1_PP) != 0;
	r->reason = (uint8_t)(q1 >> EMU_VTD_FRCD1_FR_SHIFT);
	r->pasid = (uint32_t)(q1 >> EMU_VTD_FRCD1_PV_SHIFT) & PASID_MAX;
	r->at = (uint8_t)((q1 >> EMU_VTD_FRCD1_AT_SHIFT) & 0x3);
	r->read = (q1 & EMU_VTD_FRCD1_T) != 0;
	r->f = true;
	return 0;
}

static uint8_t
vtd_reason_encode(const struct sva_fault_unrecov *ev)
{
	switch (ev->reason) {
	case SVA_FAULT_REASON_TRANSLATION:
		return EMU_VTD_FR_FL_ENTRY_NP;
	case SVA_FAULT_REASON_ADDR_SIZE:
		return EMU_VTD_FR_ADDR_BEYOND;
	case SVA_FAULT_REASON_ACCESS:
		return EMU_VTD_FR_AD_UPDATE;
	case SVA_FAULT_REASON_PERMISSION:
		if (ev->perm & SVA_FAULT_PERM_WRITE)
			return EMU_VTD_FR_NO_WRITE;
		if (ev->perm & SVA_FAULT_PERM_EXEC)
			return EMU_VTD_FR_NO_EXEC;
		return EMU_VTD_FR_NO_READ;
	case SVA_FAULT_REASON_PASID_INVALID:
		return EMU_VTD_FR_PASID_ENTRY_NP;
	default:
		return 0; /* VT-d has no fault reason for it */
	}
}

static uint32_t
vtd_reason_decode(uint8_t fr)
{
	switch (fr) {
	case EMU_VTD_FR_FL_ENTRY_NP:
		return SVA_FAULT_REASON_TRANSLATION;
	case EMU_VTD_FR_NON_CANONICAL:
	case EMU_VTD_FR_ADDR_BEYOND:
		return SVA_FAULT_REASON_ADDR_SIZE;
	case EMU_VTD_FR_AD_UPDATE:
		return SVA_FAULT_REASON_ACCESS;
	case EMU_VTD_FR_US_CLEAR:
	case EMU_VTD_FR_NO_EXEC:
	case EMU_VTD_FR_NO_WRITE:
	case EMU_VTD_FR_NO_READ:
		return SVA_FAULT_REASON_PERMISSION;
	case 0x46: /* PASID larger than the context entry allows */
	case 0x51: /* present bit in PASID directory entry clear */
	case EMU_VTD_FR_PASID_ENTRY_NP:
		return SVA_FAULT_REASON_PASID_INVALID;
	default:
		return SVA_FAULT_REASON_UNKNOWN;
	}
}

static __rte_always_inline int
vtd_frcd_from_generic_inl(const struct sva_fault_unrecov *ev, struct emu_vtd_fault_rec *r)
{
	bool pp = (ev->flags & SVA_FAULT_UNRECOV_PASID_VALID) != 0;
	uint8_t fr = ev->hw_event != 0 ? (uint8_t)ev->hw_event : vtd_reason_encode(ev);

	if (unlikely(fr == 0 || ev->hw_event > 0xff || ev->dev_id > RID_MAX ||
			(pp && ev->pasid > PASID_MAX)))
		return -EINVAL;
	r->addr = (ev->flags & SVA_FAULT_UNRECOV_ADDR_VALID) ? ev->addr & EMU_VTD_FRCD0_FI : 0;
	r->sid = (uint16_t)ev->dev_id;
	r->pp = pp;
	r->priv = pp && (ev->perm & SVA_FAULT_PERM_PRIV);
	r->exe = pp && (ev->perm & SVA_FAULT_PERM_EXEC);
	r->reason = fr;
	r->pasid = pp ? ev->pasid : 0;
	r->at = 0;
	/* T: a write is type 0; reads, atomics (read+write reported as read) are type 1. */
	r->read = !((ev->perm & SVA_FAULT_PERM_WRITE) && !(ev->perm & SVA_FAULT_PERM_READ));
	r->f = true;
	return 0;
}

static __rte_always_inline void
vtd_frcd_to_generic_inl(const struct emu_vtd_fault_rec *r, struct sva_fault_unrecov *ev)
{
	ev->reason = vtd_reason_decode(r->reason);
	ev->flags = SVA_FAULT_UNRECOV_ADDR_VALID | (r->pp ? SVA_FAULT_UNRECOV_PASID_VALID : 0);
	ev->pasid = r->pasid;
	ev->perm = (r->read ? SVA_FAULT_PERM_READ : SVA_FAULT_PERM_WRITE) |
		(r->exe ? SVA_FAULT_PERM_EXEC : 0) | (r->priv ? SVA_FAULT_PERM_PRIV : 0);
	ev->addr = r->addr;
	ev->fetch_addr = 0;
	ev->dev_id = r->sid;
	ev->hw_event = r->reason;
	ev->timestamp = 0;
}

/* The exported codecs: the same code, out of line, for tests and tools. */
EMU_CODEC_EXPORT_VOID(emu_vtd_prq_encode, vtd_prq_encode_inl,
	(const struct emu_vtd_page_req *r, uint64_t desc[4]), (r, desc))
EMU_CODEC_EXPORT(int, emu_vtd_prq_decode, vtd_prq_decode_inl,
	(const uint64_t desc[4], struct emu_vtd_page_req *r), (desc, r))
EMU_CODEC_EXPORT(int, emu_vtd_page_req_from_generic, vtd_page_req_from_generic_inl,
	(const struct sva_fault_page_req *pr, struct emu_vtd_page_req *r), (pr, r))
EMU_CODEC_EXPORT_VOID(emu_vtd_page_req_to_generic, vtd_page_req_to_generic_inl,
	(const struct emu_vtd_page_req *r, struct sva_fault_page_req *pr), (r, pr))
EMU_CODEC_EXPORT_VOID(emu_vtd_pgrp_resp_encode, vtd_pgrp_resp_encode_inl,
	(const struct emu_vtd_pgrp_resp *r, uint64_t desc[4]), (r, desc))
EMU_CODEC_EXPORT(int, emu_vtd_pgrp_resp_decode, vtd_pgrp_resp_decode_inl,
	(const uint64_t desc[4], struct emu_vtd_pgrp_resp *r), (desc, r))
EMU_CODEC_EXPORT_VOID(emu_vtd_pgrp_resp_from_generic, vtd_pgrp_resp_from_generic_inl,
	(const struct sva_page_response *resp, struct emu_vtd_pgrp_resp *r), (resp, r))
EMU_CODEC_EXPORT_VOID(emu_vtd_pgrp_resp_to_generic, vtd_pgrp_resp_to_generic_inl,
	(const struct emu_vtd_pgrp_resp *r, struct sva_page_response *resp), (r, resp))
EMU_CODEC_EXPORT_VOID(emu_vtd_frcd_encode, vtd_frcd_encode_inl,
	(const struct emu_vtd_fault_rec *r, uint64_t rec[2]), (r, rec))
EMU_CODEC_EXPORT(int, emu_vtd_frcd_decode, vtd_frcd_decode_inl,
	(const uint64_t rec[2], struct emu_vtd_fault_rec *r), (rec, r))
EMU_CODEC_EXPORT(int, emu_vtd_frcd_from_generic, vtd_frcd_from_generic_inl,
	(const struct sva_fault_unrecov *ev, struct emu_vtd_fault_rec *r), (ev, r))
EMU_CODEC_EXPORT_VOID(emu_vtd_frcd_to_generic, vtd_frcd_to_generic_inl,
	(const struct emu_vtd_fault_rec *r, struct sva_fault_unrecov *ev), (r, ev))

/* ------------------------------------------------------------------ the queue model */

/*
 * Layout of the queue memory: this header (registers, cursors, counters; each side's
 * fields on their own cache lines), then the rings, each 4 KiB aligned as PQA and IQA
 * require: PRQ descriptors, PRQ timestamps, fault records, fault record timestamps,
 * invalidation queue descriptors.
 */
struct vtd_q {
	struct {
		uint32_t prq_depth, frq_depth, iq_depth;
		uint32_t prq_mask, iq_mask; /* ring bytes - 32 */
		uint32_t off_prq, off_prq_ts, off_prq_nest, off_frq, off_frq_ts, off_frq_nest, off_iq;
	} cfg __rte_cache_aligned;

	struct { /* written by the device side */
		uint64_t pqt;       /* PQT */
		uint64_t pqh_cache; /* last PQH seen */
		uint64_t iqh;       /* IQH */
		uint32_t frq_pi;    /* next fault record slot (FSTS.FRI) */
		uint64_t prq_written, prq_dropped, prq_overflows;
		uint64_t evtq_written, evtq_dropped, evtq_overflows;
		uint64_t resp_read, resp_malformed;
	} dev __rte_cache_aligned;

	struct { /* written by the poll side */
		uint64_t pqh;       /* PQH */
		uint64_t iqt;       /* IQT */
		uint64_t iqh_cache; /* last IQH seen */
		uint32_t frq_ci;    /* next fault record slot to read */
		uint64_t prq_read, prq_malformed;
		uint64_t evtq_read, evtq_malformed;
		uint64_t resp_written, resp_doorbells;
	} poll __rte_cache_aligned;

	/* Status registers both sides modify (atomically): low 32 bits are the register
	 * (PRS: PPR, PRO; FSTS: PFO), high 32 bits count requests lost while the overflow
	 * bit has been set (emu bookkeeping for sva_fault_overflow.lost). */
	uint64_t prs __rte_cache_aligned;
	uint64_t fsts __rte_cache_aligned;

	/* Page group responses hardware sends itself for dropped requests (7.4.1 Table
	 * 31): device side only. */
	struct emu_autoresp autoresp __rte_cache_aligned;
};

#define STS_LOST_ONE (1ull << 32)
#define STS_REG(s) ((uint32_t)(s))
#define STS_LOST(s) ((uint32_t)((s) >> 32))

static inline uint64_t
sts_lost_inc(uint64_t s)
{
	return STS_LOST(s) == UINT32_MAX ? s : s + STS_LOST_ONE;
}

static inline uint64_t *
vtd_prq_slot(struct vtd_q *q, uint64_t off)
{
	return (uint64_t *)((uint8_t *)q + q->cfg.off_prq + off);
}

static inline uint64_t *
vtd_prq_ts(struct vtd_q *q)
{
	return (uint64_t *)((uint8_t *)q + q->cfg.off_prq_ts);
}

static inline struct emu_pr_nest *
vtd_prq_nest(struct vtd_q *q)
{
	return (struct emu_pr_nest *)((uint8_t *)q + q->cfg.off_prq_nest);
}

static inline uint64_t *
vtd_frq_slot(struct vtd_q *q, uint32_t idx)
{
	return (uint64_t *)((uint8_t *)q + q->cfg.off_frq) + 2 * (size_t)idx;
}

static inline uint64_t *
vtd_frq_ts(struct vtd_q *q)
{
	return (uint64_t *)((uint8_t *)q + q->cfg.off_frq_ts);
}

static inline struct emu_pr_nest *
vtd_frq_nest(struct vtd_q *q)
{
	return (struct emu_pr_nest *)((uint8_t *)q + q->cfg.off_frq_nest);
}

static inline uint64_t *
vtd_iq_slot(struct vtd_q *q, uint64_t off)
{
	return (uint64_t *)((uint8_t *)q + q->cfg.off_iq + off);
}

static bool
vtd_cfg_ok(const struct emu_queue_cfg *cfg)
{
	return cfg != NULL &&
		emu_ring_depth_ok(cfg->prq_depth, EMU_VTD_PRQ_DEPTH_MIN, EMU_VTD_PRQ_DEPTH_MAX) &&
		emu_ring_depth_ok(cfg->evtq_depth, EMU_VTD_FRQ_DEPTH_MIN, EMU_VTD_FRQ_DEPTH_MAX) &&
		emu_ring_depth_ok(cfg->respq_depth, EMU_VTD_IQ_DEPTH_MIN, EMU_VTD_IQ_DEPTH_MAX);
}

/* Fills the offsets of q (when not NULL) and returns the total size. */
static size_t
vtd_layout(const struct emu_queue_cfg *cfg, struct vtd_q *q)
{
	size_t off = sizeof(struct vtd_q);
	size_t prq = emu_ring_place(&off, (size_t)cfg->prq_depth * EMU_VTD_PRQ_DESC_SIZE);
	size_t prq_ts = emu_ring_place(&off, (size_t)cfg->prq_depth * sizeof(uint64_t));
	size_t prq_nest = emu_ring_place(&off, (size_t)cfg->prq_depth * sizeof(struct emu_pr_nest));
	size_t frq = emu_ring_place(&off, (size_t)cfg->evtq_depth * EMU_VTD_FRCD_SIZE);
	size_t frq_ts = emu_ring_place(&off, (size_t)cfg->evtq_depth * sizeof(uint64_t));
	size_t frq_nest = emu_ring_place(&off, (size_t)cfg->evtq_depth * sizeof(struct emu_pr_nest));
	size_t iq = emu_ring_place(&off, (size_t)cfg->respq_depth * EMU_VTD_INV_DESC_SIZE);

	if (q != NULL) {
		q->cfg.off_prq = (uint32_t)prq;
		q->cfg.off_prq_ts = (uint32_t)prq_ts;
		q->cfg.off_prq_nest = (uint32_t)prq_nest;
		q->cfg.off_frq = (uint32_t)frq;
		q->cfg.off_frq_ts = (uint32_t)frq_ts;
		q->cfg.off_frq_nest = (uint32_t)frq_nest;
		q->cfg.off_iq = (uint32_t)iq;
	}
	return RTE_ALIGN_CEIL(off, EMU_RING_ALIGN);
}

static size_t
vtd_mem_size(const struct emu_queue_cfg *cfg)
{
	return vtd_cfg_ok(cfg) ? vtd_layout(cfg, NULL) : 0;
}

static int
vtd_init(void *qv, const struct emu_queue_cfg *cfg)
{
	struct vtd_q *q = qv;

	if (q == NULL || !vtd_cfg_ok(cfg))
		return -EINVAL;
	memset(q, 0, sizeof(*q));
	q->cfg.prq_depth = cfg->prq_depth;
	q->cfg.frq_depth = cfg->evtq_depth;
	q->cfg.iq_depth = cfg->respq_depth;
	q->cfg.prq_mask = cfg->prq_depth * EMU_VTD_PRQ_DESC_SIZE - EMU_VTD_PRQ_DESC_SIZE;
	q->cfg.iq_mask = cfg->respq_depth * EMU_VTD_INV_DESC_SIZE - EMU_VTD_INV_DESC_SIZE;
	/* Zero the rings too (the caller's memory may be reused): every fault record slot
	 * must start with F clear (free). This also faults the pages in before use. */
	memset((uint8_t *)q + sizeof(*q), 0, vtd_layout(cfg, q) - sizeof(*q));
	return 0;
}

/* ---- PRQ, device side ---- */

/*
 * A page request dropped on PRQ full or while PRO is set: "hardware will generate a
 * page group response for page requests that have the Last Page In Group (LPIG) field
 * set" (7.4.1), with the code Success (Table 31, PRQ Overflow and PRQ Full columns);
 * LPIG = 0 gets none. A Stop Marker (LPIG, neither read nor write, whose PRGI "is
 * undefined", 7.4.1.1) gets none: Table 31 makes no exception for it, the emu follows
 * PCIe (a Stop Marker is never answered); not pinned by the text. The response goes to
 * the request's RID, PRGI and PASID (when PASID present). Read from the descriptor's own
 * bits, so raw (injected) entries are answered as hardware would.
 */
static void
vtd_prq_auto_respond(struct vtd_q *q, const uint64_t desc[4])
{
	const uint64_t q0 = desc[0], q1 = desc[1];
	bool pp = (q0 & EMU_VTD_PRQ0_PASID_P) != 0;

	if (!(q1 & EMU_VTD_PRQ1_LPIG) || !(q1 & (EMU_VTD_PRQ1_READ | EMU_VTD_PRQ1_WRITE)))
		return;
	emu_autoresp_push(&q->autoresp, (uint16_t)(q0 >> EMU_VTD_PRQ0_RID_SHIFT), pp,
		(uint32_t)(q0 >> EMU_VTD_PRQ0_PASID_SHIFT) & PASID_MAX,
		(uint16_t)((q1 >> EMU_VTD_PRQ1_PRG_SHIFT) & PRG_MAX), SVA_PAGE_RESP_SUCCESS);
}

static int
vtd_prq_put(struct vtd_q *q, const uint64_t desc[4], uint64_t ts, const struct emu_pr_nest *nest)
{
	uint64_t tail = q->dev.pqt;
	uint64_t next = (tail + EMU_VTD_PRQ_DESC_SIZE) & q->cfg.prq_mask;
	uint64_t s = EMU_LOAD_ACQ(&q->prs);
	uint64_t *slot;

	for (;;) {
		uint64_t ns;

		if (likely(!(s & EMU_VTD_PRS_PRO))) {
			if (likely(next != q->dev.pqh_cache))
				break;
			q->dev.pqh_cache = EMU_LOAD_ACQ(&q->poll.pqh);
			if (next != q->dev.pqh_cache)
				break;
			/* Full: raise PRO and drop. */
			ns = (s | EMU_VTD_PRS_PRO) + STS_LOST_ONE;
		} else {
			/* PRO is set: every request is dropped until the poll side clears it. */
			ns = sts_lost_inc(s);
		}
		/* Fails only when the poll side changed PRS (cleared PPR or PRO): retry. */
		if (__atomic_compare_exchange_n(&q->prs, &s, ns, false, __ATOMIC_ACQ_REL,
				__ATOMIC_ACQUIRE)) {
			EMU_CNT_ADD(&q->dev.prq_dropped, 1);
			if (!(s & EMU_VTD_PRS_PRO))
				EMU_CNT_ADD(&q->dev.prq_overflows, 1);
			vtd_prq_auto_respond(q, desc);
			return -ENOSPC;
		}
	}
	slot = vtd_prq_slot(q, tail);
	slot[0] = desc[0];
	slot[1] = desc[1];
	slot[2] = desc[2];
	slot[3] = desc[3];
	vtd_prq_ts(q)[tail / EMU_VTD_PRQ_DESC_SIZE] = ts;
	if (nest != NULL)
		vtd_prq_nest(q)[tail / EMU_VTD_PRQ_DESC_SIZE] = *nest;
	else
		memset(&vtd_prq_nest(q)[tail / EMU_VTD_PRQ_DESC_SIZE], 0, sizeof(*nest));
	EMU_STORE_REL(&q->dev.pqt, next);
	if (!(s & EMU_VTD_PRS_PPR))
		__atomic_fetch_or(&q->prs, EMU_VTD_PRS_PPR, __ATOMIC_RELEASE);
	EMU_CNT_ADD(&q->dev.prq_written, 1);
	return 0;
}

static int
vtd_prq_write(void *qv, const struct sva_fault_page_req *pr)
{
	struct emu_vtd_page_req r;
	struct emu_pr_nest nest;
	uint64_t desc[4];

	if (unlikely(vtd_page_req_from_generic_inl(pr, &r) != 0))
		return -EINVAL;
	vtd_prq_encode_inl(&r, desc);
	emu_pr_nest_keep(&nest, pr);
	return vtd_prq_put(qv, desc, pr->timestamp, &nest);
}

static int
vtd_prq_write_raw(void *qv, const void *entry)
{
	uint64_t desc[4];

	memcpy(desc, entry, sizeof(desc));
	return vtd_prq_put(qv, desc, 0, NULL);
}

static void
vtd_prq_force_overflow(void *qv)
{
	struct vtd_q *q = qv;
	uint64_t s = EMU_LOAD_ACQ(&q->prs);

	while (!(s & EMU_VTD_PRS_PRO)) {
		if (__atomic_compare_exchange_n(&q->prs, &s, s | EMU_VTD_PRS_PRO, false,
				__ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {
			EMU_CNT_ADD(&q->dev.prq_overflows, 1);
			break;
		}
	}
}

/* ---- PRQ, poll side ---- */

static inline void
vtd_overflow_record(struct sva_fault *f, uint32_t queue, uint32_t lost)
{
	f->type = SVA_FAULT_OVERFLOW;
	f->padding = 0;
	f->overflow.queue = queue;
	f->overflow.lost = lost;
}

static bool
vtd_prq_pending(const void *qv)
{
	const struct vtd_q *q = qv;

	/* PQH != PQT, or PRS.PRO not cleared yet (its OVERFLOW record is unread) */
	return EMU_LOAD_ACQ(&q->poll.pqh) != EMU_LOAD_ACQ(&q->dev.pqt) ||
		(EMU_LOAD_ACQ(&q->prs) & EMU_VTD_PRS_PRO) != 0;
}

static uint16_t
vtd_prq_read(void *qv, struct sva_fault *out, uint16_t n)
{
	struct vtd_q *q = qv;
#ifdef SVA_DEBUG_CHECKS
	if (q == NULL || (out == NULL && n > 0))
		return 0;
#endif
	uint64_t head = q->poll.pqh;
	uint64_t tail, s;
	uint64_t *ts = vtd_prq_ts(q);
	uint16_t k = 0, bad = 0;

	s = EMU_LOAD_ACQ(&q->prs);
	/* Clear PPR before reading, so a request written after this read sets it again. */
	if (s & EMU_VTD_PRS_PPR)
		s = __atomic_and_fetch(&q->prs, ~(uint64_t)EMU_VTD_PRS_PPR, __ATOMIC_ACQ_REL);
	tail = EMU_LOAD_ACQ(&q->dev.pqt);
	while (head != tail && k < n) {
		const uint64_t *slot = vtd_prq_slot(q, head);
		struct emu_vtd_page_req r;

		if (likely(vtd_prq_decode_inl(slot, &r) == 0)) {
			struct sva_fault *f = &out[k++];
			uint64_t t = ts[head / EMU_VTD_PRQ_DESC_SIZE];

			f->type = SVA_FAULT_PAGE_REQ;
			f->padding = 0;
			vtd_page_req_to_generic_inl(&r, &f->prm);
			f->prm.timestamp = t;
			if (t != 0)
				f->prm.flags |= SVA_FAULT_PR_TIMESTAMP;
			emu_pr_nest_apply(&vtd_prq_nest(q)[head / EMU_VTD_PRQ_DESC_SIZE], &f->prm);
		} else {
			bad++;
			if (emu_log_worthy(q->poll.prq_malformed + bad))
				EMU_MODEL_LOG(WARNING, "vtd: malformed page request descriptor at PQH 0x%" PRIx64
					": %016" PRIx64 " %016" PRIx64 " %016" PRIx64 " %016" PRIx64
					" (dropped; %" PRIu64 " so far)", head, slot[0], slot[1],
					slot[2], slot[3], q->poll.prq_malformed + bad);
		}
		head = (head + EMU_VTD_PRQ_DESC_SIZE) & q->cfg.prq_mask;
	}
	if (head != q->poll.pqh) {
		EMU_STORE_REL(&q->poll.pqh, head);
		EMU_CNT_ADD(&q->poll.prq_read, k);
		if (bad)
			EMU_CNT_ADD(&q->poll.prq_malformed, bad);
	}
	/*
	 * The overflow clear rule: with PRO set and head == tail, the fault path discards
	 * its partial groups (the OVERFLOW record tells it to), then PRO is cleared. The
	 * device writes nothing while PRO is set, so once the tail read after seeing PRO
	 * equals head, nothing that was queued before the loss is left unread.
	 */
	while (unlikely(s & EMU_VTD_PRS_PRO) && k < n) {
		if (EMU_LOAD_ACQ(&q->dev.pqt) != head)
			break; /* requests written before the loss are still queued */
		if (__atomic_compare_exchange_n(&q->prs, &s, s & EMU_VTD_PRS_PPR, false,
				__ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {
			vtd_overflow_record(&out[k++], 0, STS_LOST(s));
			break;
		}
	}
	return k;
}

/* ---- fault records ---- */

static int
vtd_frq_put(struct vtd_q *q, const uint64_t rec[2], uint64_t ts, const struct emu_pr_nest *nest)
{
	uint32_t pi = q->dev.frq_pi;
	uint64_t *slot = vtd_frq_slot(q, pi);
	uint64_t s = EMU_LOAD_ACQ(&q->fsts);

	for (;;) {
		uint64_t ns;

		if (likely(!(s & EMU_VTD_FSTS_PFO))) {
			if (likely(!(EMU_LOAD_ACQ(&slot[1]) & EMU_VTD_FRCD1_F)))
				break;
			ns = (s | EMU_VTD_FSTS_PFO) + STS_LOST_ONE; /* slot still owned: overflow */
		} else {
			ns = sts_lost_inc(s); /* PFO set: no new fault is recorded */
		}
		if (__atomic_compare_exchange_n(&q->fsts, &s, ns, false, __ATOMIC_ACQ_REL,
				__ATOMIC_ACQUIRE)) {
			EMU_CNT_ADD(&q->dev.evtq_dropped, 1);
			if (!(s & EMU_VTD_FSTS_PFO))
				EMU_CNT_ADD(&q->dev.evtq_overflows, 1);
			return -ENOSPC;
		}
	}
	vtd_frq_ts(q)[pi] = ts;
	if (nest != NULL)
		vtd_frq_nest(q)[pi] = *nest;
	else
		memset(&vtd_frq_nest(q)[pi], 0, sizeof(*nest));
	slot[0] = rec[0];
	EMU_STORE_REL(&slot[1], rec[1] | EMU_VTD_FRCD1_F); /* F last: hands the slot over */
	q->dev.frq_pi = (pi + 1) & (q->cfg.frq_depth - 1);
	EMU_CNT_ADD(&q->dev.evtq_written, 1);
	return 0;
}

static int
vtd_evtq_write(void *qv, const struct sva_fault_unrecov *ev)
{
	struct emu_vtd_fault_rec r;
	struct emu_pr_nest nest;
	uint64_t rec[2];

	/* VT-d has no stall model: a fault record never holds a transaction */
	if (unlikely((ev->flags & SVA_FAULT_UNRECOV_STALL) != 0 ||
			vtd_frcd_from_generic_inl(ev, &r) != 0))
		return -EINVAL;
	vtd_frcd_encode_inl(&r, rec);
	emu_ev_nest_keep(&nest, ev);
	return vtd_frq_put(qv, rec, ev->timestamp, &nest);
}

int
emu_vtd_evtq_write_raw(void *qv, const void *raw)
{
	uint64_t rec[2];

	memcpy(rec, raw, sizeof(rec));
	return vtd_frq_put(qv, rec, 0, NULL);
}

static uint16_t
vtd_evtq_read(void *qv, struct sva_fault *out, uint16_t n)
{
	struct vtd_q *q = qv;
#ifdef SVA_DEBUG_CHECKS
	if (q == NULL || (out == NULL && n > 0))
		return 0;
#endif
	uint32_t ci = q->poll.frq_ci, mask = q->cfg.frq_depth - 1;
	uint64_t *ts = vtd_frq_ts(q);
	uint64_t s = EMU_LOAD_ACQ(&q->fsts);
	uint16_t k = 0, bad = 0, seen = 0;
	bool drained = false;

	while (k < n) {
		uint64_t *slot = vtd_frq_slot(q, ci);
		uint64_t rec[2];
		struct emu_vtd_fault_rec r;

		rec[1] = EMU_LOAD_ACQ(&slot[1]);
		if (!(rec[1] & EMU_VTD_FRCD1_F)) {
			drained = true;
			break;
		}
		rec[0] = slot[0];
		if (likely(vtd_frcd_decode_inl(rec, &r) == 0)) {
			struct sva_fault *f = &out[k++];

			f->type = SVA_FAULT_UNRECOV;
			f->padding = 0;
			vtd_frcd_to_generic_inl(&r, &f->event);
			f->event.timestamp = ts[ci];
			emu_ev_nest_apply(&vtd_frq_nest(q)[ci], &f->event);
		} else {
			bad++;
			if (emu_log_worthy(q->poll.evtq_malformed + bad))
				EMU_MODEL_LOG(WARNING, "vtd: malformed fault record %u: %016" PRIx64
					" %016" PRIx64 " (dropped; %" PRIu64 " so far)", ci, rec[0],
					rec[1], q->poll.evtq_malformed + bad);
		}
		EMU_STORE_REL(&slot[1], 0); /* clear F: the slot is the device's again */
		ci = (ci + 1) & mask;
		seen++;
	}
	q->poll.frq_ci = ci;
	if (seen) {
		EMU_CNT_ADD(&q->poll.evtq_read, seen - bad);
		if (bad)
			EMU_CNT_ADD(&q->poll.evtq_malformed, bad);
	}
	/* PFO: nothing is recorded while it is set, so once the ring is drained the loss
	 * is at this point; report it, then clear PFO (Linux clears it after the scan). */
	while (unlikely(s & EMU_VTD_FSTS_PFO) && k < n && drained) {
		if (__atomic_compare_exchange_n(&q->fsts, &s, 0, false, __ATOMIC_ACQ_REL,
				__ATOMIC_ACQUIRE)) {
			vtd_overflow_record(&out[k++], 1, STS_LOST(s));
			break;
		}
	}
	return k;
}

/* ---- response queue (invalidation queue) ---- */

static int
vtd_resp_write(void *qv, const struct sva_page_response *resp, uint16_t n)
{
	struct vtd_q *q = qv;
#ifdef SVA_DEBUG_CHECKS
	if (q == NULL || (resp == NULL && n > 0))
		return -EINVAL;
#endif
	uint64_t tail = q->poll.iqt;
	uint16_t i;

	for (i = 0; i < n; i++) {
		uint64_t next = (tail + EMU_VTD_INV_DESC_SIZE) & q->cfg.iq_mask;
		struct emu_vtd_pgrp_resp r;

		if (unlikely(next == q->poll.iqh_cache)) {
			q->poll.iqh_cache = EMU_LOAD_ACQ(&q->dev.iqh);
			if (next == q->poll.iqh_cache)
				break;
		}
		vtd_pgrp_resp_from_generic_inl(&resp[i], &r);
		vtd_pgrp_resp_encode_inl(&r, vtd_iq_slot(q, tail));
		tail = next;
	}
	if (i > 0) /* the doorbell: one IQT write per batch */
		EMU_RING_DOORBELL(&q->poll.iqt, tail, &q->poll.resp_written,
			&q->poll.resp_doorbells, i);
	return i;
}

int
emu_vtd_resp_write_raw(void *qv, const void *desc)
{
	struct vtd_q *q = qv;
	uint64_t tail = q->poll.iqt;
	uint64_t next = (tail + EMU_VTD_INV_DESC_SIZE) & q->cfg.iq_mask;

	if (next == q->poll.iqh_cache) {
		q->poll.iqh_cache = EMU_LOAD_ACQ(&q->dev.iqh);
		if (next == q->poll.iqh_cache)
			return -ENOSPC;
	}
	memcpy(vtd_iq_slot(q, tail), desc, EMU_VTD_INV_DESC_SIZE);
	EMU_RING_DOORBELL(&q->poll.iqt, next, &q->poll.resp_written, &q->poll.resp_doorbells, 1);
	return 0;
}

static uint16_t
vtd_resp_read(void *qv, struct sva_page_response *out, uint16_t n)
{
	struct vtd_q *q = qv;
	uint64_t head = q->dev.iqh;
	uint64_t tail = EMU_LOAD_ACQ(&q->poll.iqt);
	/* Hardware's own page group responses (7.4.1) do not pass the invalidation queue. */
	const uint16_t auto_n = emu_autoresp_pop(&q->autoresp, out, n);
	uint16_t k = auto_n, bad = 0;

	while (head != tail && k < n) {
		const uint64_t *slot = vtd_iq_slot(q, head);
		struct emu_vtd_pgrp_resp r;

		if (likely(vtd_pgrp_resp_decode_inl(slot, &r) == 0)) {
			vtd_pgrp_resp_to_generic_inl(&r, &out[k++]);
		} else {
			bad++;
			if (emu_log_worthy(q->dev.resp_malformed + bad))
				EMU_MODEL_LOG(WARNING, "vtd: invalidation queue descriptor at IQH 0x%" PRIx64
					" is not a valid page group response: %016" PRIx64 " %016" PRIx64
					" (skipped; %" PRIu64 " so far)", head, slot[0], slot[1],
					q->dev.resp_malformed + bad);
		}
		head = (head + EMU_VTD_INV_DESC_SIZE) & q->cfg.iq_mask;
	}
	if (head != q->dev.iqh) {
		EMU_STORE_REL(&q->dev.iqh, head);
		EMU_CNT_ADD(&q->dev.resp_read, k - auto_n);
		if (bad)
			EMU_CNT_ADD(&q->dev.resp_malformed, bad);
	}
	return k;
}

/* ---- control ---- */

static void
vtd_counters_get(const void *qv, struct emu_model_counters *c)
{
	const struct vtd_q *q = qv;

	c->prq_written = EMU_LOAD(&q->dev.prq_written);
	c->prq_dropped = EMU_LOAD(&q->dev.prq_dropped);
	c->prq_overflows = EMU_LOAD(&q->dev.prq_overflows);
	c->prq_read = EMU_LOAD(&q->poll.prq_read);
	c->prq_malformed = EMU_LOAD(&q->poll.prq_malformed);
	c->evtq_written = EMU_LOAD(&q->dev.evtq_written);
	c->evtq_dropped = EMU_LOAD(&q->dev.evtq_dropped);
	c->evtq_overflows = EMU_LOAD(&q->dev.evtq_overflows);
	c->evtq_read = EMU_LOAD(&q->poll.evtq_read);
	c->evtq_malformed = EMU_LOAD(&q->poll.evtq_malformed);
	c->resp_written = EMU_LOAD(&q->poll.resp_written);
	c->resp_doorbells = EMU_LOAD(&q->poll.resp_doorbells);
	c->resp_read = EMU_LOAD(&q->dev.resp_read);
	c->resp_malformed = EMU_LOAD(&q->dev.resp_malformed);
	c->prq_auto_resp = EMU_LOAD(&q->autoresp.generated);
	c->prq_auto_resp_lost = EMU_LOAD(&q->autoresp.lost);
}

void
emu_vtd_regs_get(const void *qv, struct emu_vtd_regs *regs)
{
	const struct vtd_q *q = qv;
	uint32_t ci = EMU_LOAD(&q->poll.frq_ci);
	const uint64_t *slot = (const uint64_t *)((const uint8_t *)q + q->cfg.off_frq) + 2 * (size_t)ci;

	regs->pqh = EMU_LOAD_ACQ(&q->poll.pqh);
	regs->pqt = EMU_LOAD_ACQ(&q->dev.pqt);
	regs->prs = STS_REG(EMU_LOAD_ACQ(&q->prs));
	regs->fsts = STS_REG(EMU_LOAD_ACQ(&q->fsts));
	if (EMU_LOAD_ACQ(&slot[1]) & EMU_VTD_FRCD1_F)
		regs->fsts |= EMU_VTD_FSTS_PPF;
	regs->fri = EMU_LOAD(&q->dev.frq_pi);
	regs->iqh = EMU_LOAD_ACQ(&q->dev.iqh);
	regs->iqt = EMU_LOAD_ACQ(&q->poll.iqt);
}

const struct emu_model_ops emu_model_vtd = {
	.name = "vtd",
	.model = SVA_IOMMU_MODEL_VTD,
	.prq_entry_size = EMU_VTD_PRQ_DESC_SIZE,
	.mem_size = vtd_mem_size,
	.init = vtd_init,
	.prq_write = vtd_prq_write,
	.prq_write_raw = vtd_prq_write_raw,
	.prq_force_overflow = vtd_prq_force_overflow,
	.evtq_write = vtd_evtq_write,
	.resp_read = vtd_resp_read,
	.prq_read = vtd_prq_read,
	.prq_pending = vtd_prq_pending,
	.evtq_read = vtd_evtq_read,
	.resp_write = vtd_resp_write,
	.counters_get = vtd_counters_get,
};
