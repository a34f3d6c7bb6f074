/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The emu's SMMUv3 model: codecs for the PRI queue entry, the event queue entry,
 * CMD_PRI_RESP and CMD_RESUME, and the three queues of emu_model_smmuv3. Formats and
 * rules are described in emu_smmuv3.h.
 */
#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include <rte_common.h>

#include "emu_codec_pvt.h"
#include "emu_model.h"
#include "emu_ring.h"
#include "emu_smmuv3.h"

#define SSID_MAX 0xfffffu
#define PRG_MAX 0x1ffu

/* ------------------------------------------------------------------ codecs */

static __rte_always_inline void
smmu_pri_encode_inl(const struct emu_smmuv3_pri *r, uint64_t ent[2])
{
	ent[0] = (uint64_t)r->sid |
		((uint64_t)(r->ssid & SSID_MAX) << EMU_SMMUV3_PRI0_SSID_SHIFT) |
		(r->priv ? EMU_SMMUV3_PRI0_PRIV : 0) |
		(r->exec ? EMU_SMMUV3_PRI0_EXEC : 0) |
		(r->read ? EMU_SMMUV3_PRI0_READ : 0) |
		(r->write ? EMU_SMMUV3_PRI0_WRITE : 0) |
		(r->last ? EMU_SMMUV3_PRI0_LAST : 0) |
		(r->ssv ? EMU_SMMUV3_PRI0_SSV : 0);
	ent[1] = (r->prg_index & PRG_MAX) | (r->addr & EMU_SMMUV3_PRI1_ADDR);
}

static __rte_always_inline int
smmu_pri_decode_inl(const uint64_t ent[2], struct emu_smmuv3_pri *r)
{
	uint64_t d0 = ent[0], d1 = ent[1];

	if (unlikely((d0 & EMU_SMMUV3_PRI0_RSVD) != 0 || (d1 & EMU_SMMUV3_PRI1_RSVD) != 0))
		return -EINVAL;
	/* "When SSV == 0, the X and Priv bits are both 0"; the SubstreamID is UNKNOWN
	 * then, so it is ignored rather than checked. */
	if (unlikely(!(d0 & EMU_SMMUV3_PRI0_SSV) &&
			(d0 & (EMU_SMMUV3_PRI0_PRIV | EMU_SMMUV3_PRI0_EXEC)) != 0))
		return -EINVAL;
	r->sid = (uint32_t)(d0 & EMU_SMMUV3_PRI0_SID);
	r->ssv = (d0 & EMU_SMMUV3_PRI0_SSV) != 0;
	r->ssid = r->ssv ? (uint32_t)(d0 >> EMU_SMMUV3_PRI0_SSID_SHIFT) & SSID_MAX : 0;
	r->priv = (d0 & EMU_SMMUV3_PRI0_PRIV) != 0;
	r->exec = (d0 & EMU_SMMUV3_PRI0_EXEC) != 0;
	r->read = (d0 & EMU_SMMUV3_PRI0_READ) != 0;
	r->write = (d0 & EMU_SMMUV3_PRI0_WRITE) != 0;
	r->last = (d0 & EMU_SMMUV3_PRI0_LAST) != 0;
	r->prg_index = (uint16_t)(d1 & EMU_SMMUV3_PRI1_PRG);
	r->addr = d1 & EMU_SMMUV3_PRI1_ADDR;
	return 0;
}

static __rte_always_inline int
smmu_pri_from_generic_inl(const struct sva_fault_page_req *pr, struct emu_smmuv3_pri *r)
{
	bool ssv = (pr->flags & SVA_FAULT_PR_PASID_VALID) != 0;

	if (unlikely(pr->grpid > PRG_MAX || (ssv && pr->pasid > SSID_MAX) ||
			(!ssv && (pr->perm & (SVA_FAULT_PERM_EXEC | SVA_FAULT_PERM_PRIV)))))
		return -EINVAL;
	r->sid = pr->dev_id;
	r->ssid = ssv ? pr->pasid : 0;
	r->ssv = ssv;
	r->priv = (pr->perm & SVA_FAULT_PERM_PRIV) != 0;
	r->exec = (pr->perm & SVA_FAULT_PERM_EXEC) != 0;
	r->read = (pr->perm & SVA_FAULT_PERM_READ) != 0;
	r->write = (pr->perm & SVA_FAULT_PERM_WRITE) != 0;
	r->last = (pr->flags & SVA_FAULT_PR_LAST_PAGE) != 0;
	r->prg_index = (uint16_t)pr->grpid;
	r->addr = emu_pr_word_addr(pr) & EMU_SMMUV3_PRI1_ADDR;
	return 0;
}

static __rte_always_inline void
smmu_pri_to_generic_inl(const struct emu_smmuv3_pri *r, struct sva_fault_page_req *pr)
{
	pr->flags = (r->ssv ? SVA_FAULT_PR_PASID_VALID : 0) | (r->last ? SVA_FAULT_PR_LAST_PAGE : 0);
	pr->pasid = r->ssid;
	pr->grpid = r->prg_index;
	pr->perm = (r->read ? SVA_FAULT_PERM_READ : 0) |
		(r->write ? SVA_FAULT_PERM_WRITE : 0) |
		(r->exec ? SVA_FAULT_PERM_EXEC : 0) |
		(r->priv ? SVA_FAULT_PERM_PRIV : 0);
	pr->addr = r->addr;
	pr->private_data[0] = 0;
	pr->private_data[1] = 0;
	pr->dev_id = r->sid;
	pr->cookie = 0;
	pr->timestamp = 0;
}

static bool
evt_is_c_bad(uint8_t id)
{
	return id == EMU_SMMUV3_EVT_BAD_SUBSTREAMID || id == EMU_SMMUV3_EVT_BAD_CD;
}

static bool
evt_is_fetch(uint8_t id)
{
	return id == EMU_SMMUV3_EVT_CD_FETCH;
}

static bool
evt_is_fault(uint8_t id)
{
	return id >= EMU_SMMUV3_EVT_TRANSLATION && id <= EMU_SMMUV3_EVT_PERMISSION;
}

static __rte_always_inline void
smmu_evt_encode_inl(const struct emu_smmuv3_evt *r, uint64_t ent[4])
{
	/* C_BAD_SUBSTREAMID (7.3.9) has no SSV: bit 11 is RES0 there. */
	bool ssv = r->ssv && r->id != EMU_SMMUV3_EVT_BAD_SUBSTREAMID;

	ent[0] = (uint64_t)r->id |
		(ssv ? EMU_SMMUV3_EVT0_SSV : 0) |
		((uint64_t)(r->ssid & SSID_MAX) << EMU_SMMUV3_EVT0_SSID_SHIFT) |
		((uint64_t)r->sid << EMU_SMMUV3_EVT0_SID_SHIFT);
	ent[1] = (uint64_t)r->stag |
		(r->stall ? EMU_SMMUV3_EVT1_STALL : 0) |
		(r->pnu ? EMU_SMMUV3_EVT1_PNU : 0) |
		/* "InD == 0 when RnW == 0" (7.3.13-16) */
		(r->ind && r->rnw ? EMU_SMMUV3_EVT1_IND : 0) |
		(r->rnw ? EMU_SMMUV3_EVT1_RNW : 0) |
		(r->s2 ? EMU_SMMUV3_EVT1_S2 : 0) |
		((uint64_t)(r->cls & 0x3) << EMU_SMMUV3_EVT1_CLASS_SHIFT) |
		(r->ttrnw ? EMU_SMMUV3_EVT1_TTRNW : 0);
	ent[2] = r->addr;
	ent[3] = r->ipa & EMU_SMMUV3_EVT3_IPA;
	if (r->id == EMU_SMMUV3_EVT_CD_FETCH) {
		/* 7.3.10: only the fetch address besides dw0 (Reason 0 here) */
		ent[1] = 0;
		ent[2] = 0;
		ent[3] = r->fetch & EMU_SMMUV3_EVT3_FETCH;
	}
}

static __rte_always_inline int
smmu_evt_decode_inl(const uint64_t ent[4], struct emu_smmuv3_evt *r)
{
	uint64_t d0 = ent[0], d1 = ent[1];
	uint8_t id = (uint8_t)(d0 & EMU_SMMUV3_EVT0_ID);

	if (unlikely((d0 & EMU_SMMUV3_EVT0_RSVD) != 0))
		return -EINVAL;
	if (evt_is_c_bad(id)) {
		if (unlikely((d1 | ent[2] | ent[3]) != 0 ||
				(id == EMU_SMMUV3_EVT_BAD_SUBSTREAMID && (d0 & EMU_SMMUV3_EVT0_SSV))))
			return -EINVAL;
	} else if (evt_is_fetch(id)) {
		if (unlikely((d1 | ent[2]) != 0 || (ent[3] & ~EMU_SMMUV3_EVT3_FETCH) != 0))
			return -EINVAL;
	} else if (likely(evt_is_fault(id))) {
		if (unlikely((d1 & EMU_SMMUV3_EVT1_RSVD) != 0 ||
				((d1 >> EMU_SMMUV3_EVT1_CLASS_SHIFT) & 0x3) == 0x3 ||
				(!(d1 & EMU_SMMUV3_EVT1_STALL) && (d1 & EMU_SMMUV3_EVT1_STAG) != 0) ||
				((d1 & EMU_SMMUV3_EVT1_IND) && !(d1 & EMU_SMMUV3_EVT1_RNW)) ||
				(ent[3] & ~EMU_SMMUV3_EVT3_IPA) != 0))
			return -EINVAL;
	} else {
		return -EINVAL;
	}
	r->id = id;
	/* C_BAD_SUBSTREAMID: "SubstreamID is always valid (there is no SSV qualifier)" */
	r->ssv = (d0 & EMU_SMMUV3_EVT0_SSV) != 0 || id == EMU_SMMUV3_EVT_BAD_SUBSTREAMID;
	/* SubstreamID is only meaningful with SSV: ignored (not checked) without it. */
	r->ssid = r->ssv ? (uint32_t)(d0 >> EMU_SMMUV3_EVT0_SSID_SHIFT) & SSID_MAX : 0;
	r->sid = (uint32_t)(d0 >> EMU_SMMUV3_EVT0_SID_SHIFT);
	r->stag = (uint16_t)(d1 & EMU_SMMUV3_EVT1_STAG);
	r->stall = (d1 & EMU_SMMUV3_EVT1_STALL) != 0;
	r->pnu = (d1 & EMU_SMMUV3_EVT1_PNU) != 0;
	r->ind = (d1 & EMU_SMMUV3_EVT1_IND) != 0;
	r->rnw = (d1 & EMU_SMMUV3_EVT1_RNW) != 0;
	r->s2 = (d1 & EMU_SMMUV3_EVT1_S2) != 0;
	r->cls = (uint8_t)((d1 >> EMU_SMMUV3_EVT1_CLASS_SHIFT) & 0x3);
	r->ttrnw = (d1 & EMU_SMMUV3_EVT1_TTRNW) != 0;
	r->addr = ent[2];
	r->ipa = ent[3];
	r->fetch = 0;
	if (evt_is_fetch(id)) {
		r->ipa = 0;
		r->fetch = ent[3];
	}
	return 0;
}

static __rte_always_inline int
smmu_evt_from_generic_inl(const struct sva_fault_unrecov *ev, struct emu_smmuv3_evt *r)
{
	bool ssv = (ev->flags & SVA_FAULT_UNRECOV_PASID_VALID) != 0;
	uint32_t id = ev->hw_event;

	if (id == 0) {
		switch (ev->reason) {
		case SVA_FAULT_REASON_TRANSLATION: id = EMU_SMMUV3_EVT_TRANSLATION; break;
		case SVA_FAULT_REASON_ADDR_SIZE: id = EMU_SMMUV3_EVT_ADDR_SIZE; break;
		case SVA_FAULT_REASON_ACCESS: id = EMU_SMMUV3_EVT_ACCESS; break;
		case SVA_FAULT_REASON_PERMISSION: id = EMU_SMMUV3_EVT_PERMISSION; break;
		case SVA_FAULT_REASON_PASID_INVALID: id = EMU_SMMUV3_EVT_BAD_CD; break;
		default: return -EINVAL; /* no SMMUv3 event for it */
		}
	}
	if (unlikely(id > 0xff || !(evt_is_fault((uint8_t)id) || evt_is_c_bad((uint8_t)id) ||
			evt_is_fetch((uint8_t)id)) ||
			(ssv && ev->pasid > SSID_MAX)))
		return -EINVAL;
	/* only the four translation-related faults can stall (3.12), with a 16-bit STAG */
	if (unlikely((ev->flags & SVA_FAULT_UNRECOV_STALL) &&
			(!evt_is_fault((uint8_t)id) || ev->stag > EMU_SMMUV3_EVT1_STAG)))
		return -EINVAL;
	memset(r, 0, sizeof(*r));
	r->id = (uint8_t)id;
	/* C_BAD_SUBSTREAMID always carries its SubstreamID (0 without a PASID). */
	r->ssv = ssv || r->id == EMU_SMMUV3_EVT_BAD_SUBSTREAMID;
	r->ssid = ssv ? ev->pasid : 0;
	r->sid = ev->dev_id;
	if (evt_is_fault(r->id)) {
		/* 3.12.2: a stalled transaction's record, with the STAG that names it */
		r->stall = (ev->flags & SVA_FAULT_UNRECOV_STALL) != 0;
		r->stag = r->stall ? (uint16_t)ev->stag : 0;
		r->pnu = (ev->perm & SVA_FAULT_PERM_PRIV) != 0;
		/* RnW: a write is 0; reads and read+write (atomics) are reported as reads. */
		r->rnw = !((ev->perm & SVA_FAULT_PERM_WRITE) && !(ev->perm & SVA_FAULT_PERM_READ));
		/* An instruction fetch is a read: "InD == 0 when RnW == 0" (7.3.13). */
		r->ind = r->rnw && (ev->perm & SVA_FAULT_PERM_EXEC) != 0;
		r->cls = EMU_SMMUV3_CLASS_IN;
		r->addr = (ev->flags & SVA_FAULT_UNRECOV_ADDR_VALID) ? ev->addr : 0;
		if (ev->flags & SVA_FAULT_UNRECOV_NESTED_S2) {
			/* 7.3.13-16: a stage-2 fault (S2 = 1) reports the IPA that faulted;
			 * CLASS: what was being accessed: the walk's own fetch (fetch_addr
			 * valid) of a CD (the SSID's configuration: PASID_INVALID) or of a
			 * stage-1 table descriptor (TT), else the input address (IN) */
			r->s2 = true;
			r->ipa = ev->gpa & EMU_SMMUV3_EVT3_IPA;
			if (ev->flags & SVA_FAULT_UNRECOV_FETCH_ADDR_VALID)
				r->cls = ev->reason == SVA_FAULT_REASON_PASID_INVALID ?
					EMU_SMMUV3_CLASS_CD : EMU_SMMUV3_CLASS_TT;
		}
	}
	if (evt_is_fetch(r->id))
		r->fetch = (ev->flags & SVA_FAULT_UNRECOV_FETCH_ADDR_VALID) ?
			ev->fetch_addr & EMU_SMMUV3_EVT3_FETCH : 0;
	return 0;
}

static __rte_always_inline void
smmu_evt_to_generic_inl(const struct emu_smmuv3_evt *r, struct sva_fault_unrecov *ev)
{
	switch (r->id) {
	case EMU_SMMUV3_EVT_TRANSLATION: ev->reason = SVA_FAULT_REASON_TRANSLATION; break;
	case EMU_SMMUV3_EVT_ADDR_SIZE: ev->reason = SVA_FAULT_REASON_ADDR_SIZE; break;
	case EMU_SMMUV3_EVT_ACCESS: ev->reason = SVA_FAULT_REASON_ACCESS; break;
	case EMU_SMMUV3_EVT_PERMISSION: ev->reason = SVA_FAULT_REASON_PERMISSION; break;
	case EMU_SMMUV3_EVT_BAD_SUBSTREAMID:
	case EMU_SMMUV3_EVT_CD_FETCH:
	case EMU_SMMUV3_EVT_BAD_CD: ev->reason = SVA_FAULT_REASON_PASID_INVALID; break;
	default: ev->reason = SVA_FAULT_REASON_UNKNOWN; break;
	}
	ev->flags = (r->ssv ? SVA_FAULT_UNRECOV_PASID_VALID : 0) |
		(r->stall ? SVA_FAULT_UNRECOV_STALL : 0);
	ev->stag = r->stall ? r->stag : 0;
	ev->reserved = 0;
	ev->perm = 0;
	ev->addr = 0;
	if (evt_is_fault(r->id)) {
		ev->flags |= SVA_FAULT_UNRECOV_ADDR_VALID;
		ev->perm = (r->rnw ? SVA_FAULT_PERM_READ : SVA_FAULT_PERM_WRITE) |
			(r->ind ? SVA_FAULT_PERM_EXEC : 0) | (r->pnu ? SVA_FAULT_PERM_PRIV : 0);
		ev->addr = r->addr;
	}
	ev->pasid = r->ssid;
	ev->fetch_addr = 0;
	ev->gpa = 0;
	if (evt_is_fault(r->id) && r->s2) {
		/* the stage-2 fault's IPA (bits 55:12; the device's side information, when
		 * kept, gives every bit); a CD or TT fetch's IPA is the address fetched */
		ev->flags |= SVA_FAULT_UNRECOV_NESTED_S2;
		ev->gpa = r->ipa;
		if (r->cls != EMU_SMMUV3_CLASS_IN) {
			ev->flags |= SVA_FAULT_UNRECOV_FETCH_ADDR_VALID;
			ev->fetch_addr = r->ipa;
		}
		if (r->cls == EMU_SMMUV3_CLASS_CD)
			ev->reason = SVA_FAULT_REASON_PASID_INVALID;
	}
	if (evt_is_fetch(r->id)) {
		ev->flags |= SVA_FAULT_UNRECOV_FETCH_ADDR_VALID;
		ev->fetch_addr = r->fetch;
	}
	ev->dev_id = r->sid;
	ev->hw_event = r->id;
	ev->timestamp = 0;
}

static __rte_always_inline void
smmu_pri_resp_encode_inl(const struct emu_smmuv3_pri_resp *r, uint64_t cmd[2])
{
	cmd[0] = EMU_SMMUV3_CMD_PRI_RESP |
		(r->ssv ? EMU_SMMUV3_CMD0_SSV : 0) |
		((uint64_t)(r->ssid & SSID_MAX) << EMU_SMMUV3_CMD0_SSID_SHIFT) |
		((uint64_t)r->sid << EMU_SMMUV3_CMD0_SID_SHIFT);
	cmd[1] = (r->prg_index & PRG_MAX) |
		((uint64_t)(r->resp & 0x3) << EMU_SMMUV3_PRIRESP1_RESP_SHIFT);
}

static __rte_always_inline int
smmu_pri_resp_decode_inl(const uint64_t cmd[2], struct emu_smmuv3_pri_resp *r)
{
	uint64_t d0 = cmd[0], d1 = cmd[1];
	uint8_t resp = (uint8_t)((d1 >> EMU_SMMUV3_PRIRESP1_RESP_SHIFT) & 0x3);

	if (unlikely((d0 & EMU_SMMUV3_CMD0_OP) != EMU_SMMUV3_CMD_PRI_RESP ||
			(d0 & EMU_SMMUV3_PRIRESP0_RSVD) != 0 ||
			(d1 & EMU_SMMUV3_PRIRESP1_RSVD) != 0 || resp == 0x3))
		return -EINVAL;
	if (unlikely(!(d0 & EMU_SMMUV3_CMD0_SSV) &&
			(d0 & ((uint64_t)SSID_MAX << EMU_SMMUV3_CMD0_SSID_SHIFT)) != 0))
		return -EINVAL;
	r->ssv = (d0 & EMU_SMMUV3_CMD0_SSV) != 0;
	r->ssid = (uint32_t)(d0 >> EMU_SMMUV3_CMD0_SSID_SHIFT) & SSID_MAX;
	r->sid = (uint32_t)(d0 >> EMU_SMMUV3_CMD0_SID_SHIFT);
	r->prg_index = (uint16_t)(d1 & EMU_SMMUV3_PRIRESP1_PRG);
	r->resp = resp;
	return 0;
}

void
emu_smmuv3_resume_encode(const struct emu_smmuv3_resume *r, uint64_t cmd[2])
{
	cmd[0] = EMU_SMMUV3_CMD_RESUME |
		((uint64_t)(r->resp & 0x3) << EMU_SMMUV3_RESUME0_RESP_SHIFT) |
		((uint64_t)r->sid << EMU_SMMUV3_CMD0_SID_SHIFT);
	cmd[1] = r->stag;
}

int
emu_smmuv3_resume_decode(const uint64_t cmd[2], struct emu_smmuv3_resume *r)
{
	uint64_t d0 = cmd[0], d1 = cmd[1];
	uint8_t resp = (uint8_t)((d0 >> EMU_SMMUV3_RESUME0_RESP_SHIFT) & 0x3);

	if (unlikely((d0 & EMU_SMMUV3_CMD0_OP) != EMU_SMMUV3_CMD_RESUME ||
			(d0 & EMU_SMMUV3_RESUME0_RSVD) != 0 ||
			(d1 & ~EMU_SMMUV3_RESUME1_STAG) != 0))
		return -EINVAL;
	r->sid = (uint32_t)(d0 >> EMU_SMMUV3_CMD0_SID_SHIFT);
	r->stag = (uint16_t)(d1 & EMU_SMMUV3_RESUME1_STAG);
	/* 4.7.1: with Ac = 1 (Retry) "the Abort parameter, Ab, is IGNORED" */
	r->resp = (resp & EMU_SMMUV3_RESUME_RETRY) ? EMU_SMMUV3_RESUME_RETRY : resp;
	return 0;
}

void
emu_smmuv3_stall_term_encode(uint32_t sid, uint64_t cmd[2])
{
	cmd[0] = EMU_SMMUV3_CMD_STALL_TERM | ((uint64_t)sid << EMU_SMMUV3_CMD0_SID_SHIFT);
	cmd[1] = 0;
}

int
emu_smmuv3_stall_term_decode(const uint64_t cmd[2], uint32_t *sid)
{
	if (unlikely((cmd[0] & EMU_SMMUV3_CMD0_OP) != EMU_SMMUV3_CMD_STALL_TERM ||
			(cmd[0] & EMU_SMMUV3_STALLTERM0_RSVD) != 0 || cmd[1] != 0))
		return -EINVAL;
	*sid = (uint32_t)(cmd[0] >> EMU_SMMUV3_CMD0_SID_SHIFT);
	return 0;
}

static __rte_always_inline uint8_t
smmu_resp_from_pcie_inl(uint32_t code)
{
	switch (code) {
	case SVA_PAGE_RESP_SUCCESS: return EMU_SMMUV3_PRI_RESP_SUCCESS;
	case SVA_PAGE_RESP_INVALID: return EMU_SMMUV3_PRI_RESP_INVALID;
	case SVA_PAGE_RESP_FAILURE: return EMU_SMMUV3_PRI_RESP_FAILURE;
	default: return 0x3;
	}
}

static __rte_always_inline int
smmu_resp_to_pcie_inl(uint8_t resp)
{
	switch (resp) {
	case EMU_SMMUV3_PRI_RESP_SUCCESS: return SVA_PAGE_RESP_SUCCESS;
	case EMU_SMMUV3_PRI_RESP_INVALID: return SVA_PAGE_RESP_INVALID;
	case EMU_SMMUV3_PRI_RESP_FAILURE: return SVA_PAGE_RESP_FAILURE;
	default: return -EINVAL;
	}
}

static __rte_always_inline void
smmu_pri_resp_from_generic_inl(const struct sva_page_response *resp, struct emu_smmuv3_pri_resp *r)
{
	r->ssv = (resp->flags & SVA_PAGE_RESP_PASID_VALID) != 0;
	r->ssid = r->ssv ? resp->pasid : 0;
	r->sid = resp->dev_id;
	r->prg_index = (uint16_t)resp->grpid;
	r->resp = smmu_resp_from_pcie_inl(resp->code);
}

static __rte_always_inline int
smmu_pri_resp_to_generic_inl(const struct emu_smmuv3_pri_resp *r, struct sva_page_response *resp)
{
	int code = smmu_resp_to_pcie_inl(r->resp);

	if (code < 0)
		return code;
	resp->argsz = sizeof(*resp);
	resp->flags = r->ssv ? SVA_PAGE_RESP_PASID_VALID : 0;
	resp->dev_id = r->sid;
	resp->pasid = r->ssid;
	resp->grpid = r->prg_index;
	resp->code = (uint32_t)code;
	resp->cookie = 0;
	resp->reserved = 0;
	resp->private_data[0] = 0;
	resp->private_data[1] = 0;
	return 0;
}

/* The exported codecs: the same code, out of line, for tests and tools. */
EMU_CODEC_EXPORT_VOID(emu_smmuv3_pri_encode, smmu_pri_encode_inl,
	(const struct emu_smmuv3_pri *r, uint64_t ent[2]), (r, ent))
EMU_CODEC_EXPORT(int, emu_smmuv3_pri_decode, smmu_pri_decode_inl,
	(const uint64_t ent[2], struct emu_smmuv3_pri *r), (ent, r))
EMU_CODEC_EXPORT(int, emu_smmuv3_pri_from_generic, smmu_pri_from_generic_inl,
	(const struct sva_fault_page_req *pr, struct emu_smmuv3_pri *r), (pr, r))
EMU_CODEC_EXPORT_VOID(emu_smmuv3_pri_to_generic, smmu_pri_to_generic_inl,
	(const struct emu_smmuv3_pri *r, struct sva_fault_page_req *pr), (r, pr))
EMU_CODEC_EXPORT_VOID(emu_smmuv3_evt_encode, smmu_evt_encode_inl,
	(const struct emu_smmuv3_evt *r, uint64_t ent[4]), (r, ent))
EMU_CODEC_EXPORT(int, emu_smmuv3_evt_decode, smmu_evt_decode_inl,
	(const uint64_t ent[4], struct emu_smmuv3_evt *r), (ent, r))
EMU_CODEC_EXPORT(int, emu_smmuv3_evt_from_generic, smmu_evt_from_generic_inl,
	(const struct sva_fault_unrecov *ev, struct emu_smmuv3_evt *r), (ev, r))
EMU_CODEC_EXPORT_VOID(emu_smmuv3_evt_to_generic, smmu_evt_to_generic_inl,
	(const struct emu_smmuv3_evt *r, struct sva_fault_unrecov *ev), (r, ev))
EMU_CODEC_EXPORT_VOID(emu_smmuv3_pri_resp_encode, smmu_pri_resp_encode_inl,
	(const struct emu_smmuv3_pri_resp *r, uint64_t cmd[2]), (r, cmd))
EMU_CODEC_EXPORT(int, emu_smmuv3_pri_resp_decode, smmu_pri_resp_decode_inl,
	(const uint64_t cmd[2], struct emu_smmuv3_pri_resp *r), (cmd, r))
EMU_CODEC_EXPORT(uint8_t, emu_smmuv3_resp_from_pcie, smmu_resp_from_pcie_inl,
	(uint32_t code), (code))
EMU_CODEC_EXPORT(int, emu_smmuv3_resp_to_pcie, smmu_resp_to_pcie_inl, (uint8_t resp), (resp))
EMU_CODEC_EXPORT_VOID(emu_smmuv3_pri_resp_from_generic, smmu_pri_resp_from_generic_inl,
	(const struct sva_page_response *resp, struct emu_smmuv3_pri_resp *r), (resp, r))
EMU_CODEC_EXPORT(int, emu_smmuv3_pri_resp_to_generic, smmu_pri_resp_to_generic_inl,
	(const struct emu_smmuv3_pri_resp *r, struct sva_page_response *resp), (r, resp))

/* ------------------------------------------------------------------ the queue model */

/* A queue the device produces into (PRIQ, EVTQ). */
struct smmu_inq {
	struct {
		uint32_t shift;     /* log2(depth) */
		uint32_t dwords;    /* entry size in dwords */
		uint32_t off_ring, off_ts;
		uint32_t off_nest;  /* struct emu_pr_nest per slot (side information) */
		bool ovf_inhibits;  /* PRIQ (8.1): nothing is written while an overflow is active */
	} cfg __rte_cache_aligned;
	struct { /* device side */
		uint32_t prod;       /* PROD: index, wrap, OVFLG */
		uint32_t cons_cache; /* last CONS seen */
		uint64_t written, dropped, overflows;
	} dev __rte_cache_aligned;
	struct { /* poll side */
		uint32_t cons;       /* CONS: index, wrap, OVACKFLG */
		uint64_t read, malformed;
	} poll __rte_cache_aligned;
	/*
	 * Where the outstanding overflow happened (emu bookkeeping, not a register):
	 * bit 63 pending, bit 62 the value PROD.OVFLG took for it (what CONS acknowledges),
	 * bits 61:32 the producer's wrap+index at the last drop, bits 31:0 entries dropped.
	 * The device sets it; the poll side clears it when it reports the overflow, by
	 * compare-and-swap so a drop racing with the report is never lost.
	 */
	uint64_t ovf __rte_cache_aligned;
};

#define OVF_PENDING (1ull << 63)
#define OVF_FLAG (1ull << 62)
#define OVF_POS(o) ((uint32_t)((o) >> 32) & 0x3fffffffu)
#define OVF_LOST(o) ((uint32_t)(o))

/* The command queue: the poll side produces, the device consumes. */
struct smmu_cmdq {
	struct {
		uint32_t shift;
		uint32_t off_ring;
	} cfg __rte_cache_aligned;
	struct { /* device side */
		uint32_t cons;
		uint64_t read, malformed;
	} dev __rte_cache_aligned;
	struct { /* poll side */
		uint32_t prod;
		uint32_t cons_cache;
		uint64_t written, doorbells;
	} poll __rte_cache_aligned;
};

struct smmu_q {
	struct smmu_inq priq;
	struct smmu_inq evtq;
	struct smmu_cmdq cmdq;
	/* PRG responses the SMMU sends itself for dropped PRI messages (8.1): device side */
	struct emu_autoresp autoresp __rte_cache_aligned;
};

static inline uint64_t *
q_slot(void *base, uint32_t off_ring, uint32_t dwords, uint32_t v, uint32_t shift)
{
	return (uint64_t *)((uint8_t *)base + off_ring) + (size_t)emu_wp_idx(v, shift) * dwords;
}

static inline uint64_t *
q_ts(void *base, const struct smmu_inq *iq)
{
	return (uint64_t *)((uint8_t *)base + iq->cfg.off_ts);
}

static bool
smmu_cfg_ok(const struct emu_queue_cfg *cfg)
{
	return cfg != NULL &&
		emu_ring_depth_ok(cfg->prq_depth, EMU_SMMUV3_DEPTH_MIN, EMU_SMMUV3_DEPTH_MAX) &&
		emu_ring_depth_ok(cfg->evtq_depth, EMU_SMMUV3_DEPTH_MIN, EMU_SMMUV3_DEPTH_MAX) &&
		emu_ring_depth_ok(cfg->respq_depth, EMU_SMMUV3_DEPTH_MIN, EMU_SMMUV3_DEPTH_MAX);
}

/* Fills the offsets of q (when not NULL) and returns the total size: the header, then
 * PRIQ, its timestamps, EVTQ, its timestamps, CMDQ, each 4 KiB aligned. */
static size_t
smmu_layout(const struct emu_queue_cfg *cfg, struct smmu_q *q)
{
	size_t off = sizeof(struct smmu_q);
	size_t priq = emu_ring_place(&off, (size_t)cfg->prq_depth * EMU_SMMUV3_PRIQ_ENT_SIZE);
	size_t priq_ts = emu_ring_place(&off, (size_t)cfg->prq_depth * sizeof(uint64_t));
	size_t priq_nest = emu_ring_place(&off, (size_t)cfg->prq_depth * sizeof(struct emu_pr_nest));
	size_t evtq = emu_ring_place(&off, (size_t)cfg->evtq_depth * EMU_SMMUV3_EVTQ_ENT_SIZE);
	size_t evtq_ts = emu_ring_place(&off, (size_t)cfg->evtq_depth * sizeof(uint64_t));
	size_t evtq_nest = emu_ring_place(&off, (size_t)cfg->evtq_depth * sizeof(struct emu_pr_nest));
	size_t cmdq = emu_ring_place(&off, (size_t)cfg->respq_depth * EMU_SMMUV3_CMDQ_ENT_SIZE);

	if (q != NULL) {
		q->priq.cfg.off_ring = (uint32_t)priq;
		q->priq.cfg.off_ts = (uint32_t)priq_ts;
		q->priq.cfg.off_nest = (uint32_t)priq_nest;
		q->evtq.cfg.off_ring = (uint32_t)evtq;
		q->evtq.cfg.off_ts = (uint32_t)evtq_ts;
		q->evtq.cfg.off_nest = (uint32_t)evtq_nest;
		q->cmdq.cfg.off_ring = (uint32_t)cmdq;
	}
	return RTE_ALIGN_CEIL(off, EMU_RING_ALIGN);
}

static size_t
smmu_mem_size(const struct emu_queue_cfg *cfg)
{
	return smmu_cfg_ok(cfg) ? smmu_layout(cfg, NULL) : 0;
}

static int
smmu_init(void *qv, const struct emu_queue_cfg *cfg)
{
	struct smmu_q *q = qv;

	if (q == NULL || !smmu_cfg_ok(cfg))
		return -EINVAL;
	memset(q, 0, sizeof(*q));
	q->priq.cfg.shift = rte_log2_u32(cfg->prq_depth);
	q->priq.cfg.dwords = EMU_SMMUV3_PRIQ_ENT_SIZE / 8;
	q->priq.cfg.ovf_inhibits = true;
	q->evtq.cfg.shift = rte_log2_u32(cfg->evtq_depth);
	q->evtq.cfg.dwords = EMU_SMMUV3_EVTQ_ENT_SIZE / 8;
	q->cmdq.cfg.shift = rte_log2_u32(cfg->respq_depth);
	/* Zero the queues too (the caller's memory may be reused); this also faults the
	 * pages in before use. */
	memset((uint8_t *)q + sizeof(*q), 0, smmu_layout(cfg, q) - sizeof(*q));
	return 0;
}

/* ---- device side of PRIQ and EVTQ ---- */

/*
 * The queue was found full (drop) or fault injection raises the condition (no drop).
 * A new overflow toggles PROD.OVFLG before publishing its position, so a poll side
 * that sees it pending also sees the toggled flag it must acknowledge.
 */
static int
inq_overflow(struct smmu_inq *iq, bool drop)
{
	uint32_t pos = iq->dev.prod & emu_wp_mask(iq->cfg.shift);
	uint64_t o = EMU_LOAD_ACQ(&iq->ovf);

	while (o & OVF_PENDING) {
		uint32_t lost = OVF_LOST(o);
		uint64_t no;

		if (drop && lost != UINT32_MAX)
			lost++;
		no = (o & (OVF_PENDING | OVF_FLAG)) | ((uint64_t)pos << 32) | lost;
		/* Fails only when the poll side just reported the overflow: start anew. */
		if (__atomic_compare_exchange_n(&iq->ovf, &o, no, false, __ATOMIC_ACQ_REL,
				__ATOMIC_ACQUIRE)) {
			if (drop)
				EMU_CNT_ADD(&iq->dev.dropped, 1);
			return -ENOSPC;
		}
	}
	EMU_STORE_REL(&iq->dev.prod, iq->dev.prod ^ EMU_SMMUV3_Q_OVF);
	EMU_STORE_REL(&iq->ovf, OVF_PENDING | ((iq->dev.prod & EMU_SMMUV3_Q_OVF) ? OVF_FLAG : 0) |
		((uint64_t)pos << 32) | (drop ? 1u : 0u));
	EMU_CNT_ADD(&iq->dev.overflows, 1);
	if (drop)
		EMU_CNT_ADD(&iq->dev.dropped, 1);
	return -ENOSPC;
}

static inline struct emu_pr_nest *
q_nest(void *base, const struct smmu_inq *iq)
{
	return (struct emu_pr_nest *)((uint8_t *)base + iq->cfg.off_nest);
}

static inline int
inq_put(void *base, struct smmu_inq *iq, const uint64_t *ent, uint64_t ts,
		const struct emu_pr_nest *nest)
{
	const uint32_t shift = iq->cfg.shift, dw = iq->cfg.dwords;
	uint32_t prod = iq->dev.prod;
	uint64_t *slot;
	uint32_t i;

	/* PRIQ (8.1): "An active overflow condition inhibits new entries from being
	 * written"; the drop joins the outstanding overflow. */
	if (unlikely(iq->cfg.ovf_inhibits && (EMU_LOAD_ACQ(&iq->ovf) & OVF_PENDING)))
		return inq_overflow(iq, true);
	if (unlikely(emu_wp_full(prod, iq->dev.cons_cache, shift))) {
		iq->dev.cons_cache = EMU_LOAD_ACQ(&iq->poll.cons);
		if (emu_wp_full(prod, iq->dev.cons_cache, shift))
			return inq_overflow(iq, true);
	}
	slot = q_slot(base, iq->cfg.off_ring, dw, prod, shift);
	for (i = 0; i < dw; i++)
		slot[i] = ent[i];
	q_ts(base, iq)[emu_wp_idx(prod, shift)] = ts;
	if (iq->cfg.off_nest != 0) {
		struct emu_pr_nest *n = &q_nest(base, iq)[emu_wp_idx(prod, shift)];

		if (nest != NULL)
			*n = *nest;
		else
			memset(n, 0, sizeof(*n));
	}
	EMU_STORE_REL(&iq->dev.prod, emu_wp_inc(prod, shift));
	EMU_CNT_ADD(&iq->dev.written, 1);
	return 0;
}

/*
 * One PRI message into the PRIQ. Dropped (queue full, or an overflow active), a Page
 * Request with Last == 1 gets the SMMU's automatic PRG Response, Success (8.1), with
 * the request's StreamID, PRGIndex (8.2) and PASID (as with SMMU_IDR3.PPS == 1); a
 * Stop Marker (Last, R = W = 0, with SSV: ch. 8) and Last == 0 get none. Read from the
 * message's own bits, so raw (injected) entries are answered as hardware would.
 */
static int
smmu_priq_put(struct smmu_q *q, const uint64_t ent[2], uint64_t ts, const struct emu_pr_nest *nest)
{
	const uint64_t d0 = ent[0];
	int ret = inq_put(q, &q->priq, ent, ts, nest);
	bool ssv = (d0 & EMU_SMMUV3_PRI0_SSV) != 0;

	if (unlikely(ret == -ENOSPC) && (d0 & EMU_SMMUV3_PRI0_LAST) &&
			!(ssv && !(d0 & (EMU_SMMUV3_PRI0_READ | EMU_SMMUV3_PRI0_WRITE))))
		emu_autoresp_push(&q->autoresp, (uint32_t)(d0 & EMU_SMMUV3_PRI0_SID), ssv,
			(uint32_t)(d0 >> EMU_SMMUV3_PRI0_SSID_SHIFT) & SSID_MAX,
			(uint16_t)(ent[1] & EMU_SMMUV3_PRI1_PRG), SVA_PAGE_RESP_SUCCESS);
	return ret;
}

static int
smmu_prq_write(void *qv, const struct sva_fault_page_req *pr)
{
	struct smmu_q *q = qv;
	struct emu_smmuv3_pri r;
	struct emu_pr_nest nest;
	uint64_t ent[2];

	if (unlikely(smmu_pri_from_generic_inl(pr, &r) != 0))
		return -EINVAL;
	smmu_pri_encode_inl(&r, ent);
	emu_pr_nest_keep(&nest, pr);
	return smmu_priq_put(q, ent, pr->timestamp, &nest);
}

static int
smmu_prq_write_raw(void *qv, const void *entry)
{
	struct smmu_q *q = qv;
	uint64_t ent[2];

	memcpy(ent, entry, sizeof(ent));
	return smmu_priq_put(q, ent, 0, NULL);
}

static void
smmu_prq_force_overflow(void *qv)
{
	struct smmu_q *q = qv;

	inq_overflow(&q->priq, false);
}

static int
smmu_evtq_write(void *qv, const struct sva_fault_unrecov *ev)
{
	struct smmu_q *q = qv;
	struct emu_smmuv3_evt r;
	struct emu_pr_nest nest;
	uint64_t ent[4];

	if (unlikely(smmu_evt_from_generic_inl(ev, &r) != 0))
		return -EINVAL;
	smmu_evt_encode_inl(&r, ent);
	emu_ev_nest_keep(&nest, ev);
	/* 3.12.2: "If the Event queue is not writable at the time when the fault record
	 * of a stall is to be written, the stalled transaction is retried as though it had
	 * just arrived when the queue is next writable": never lost, no overflow. */
	if (r.stall && emu_wp_full(q->evtq.dev.prod, q->evtq.dev.cons_cache, q->evtq.cfg.shift)) {
		q->evtq.dev.cons_cache = EMU_LOAD_ACQ(&q->evtq.poll.cons);
		if (emu_wp_full(q->evtq.dev.prod, q->evtq.dev.cons_cache, q->evtq.cfg.shift))
			return -EAGAIN;
	}
	return inq_put(q, &q->evtq, ent, ev->timestamp, &nest);
}

int
emu_smmuv3_evtq_write_raw(void *qv, const void *evt)
{
	struct smmu_q *q = qv;
	uint64_t ent[4];

	memcpy(ent, evt, sizeof(ent));
	return inq_put(q, &q->evtq, ent, 0, NULL);
}

/* ---- poll side of PRIQ and EVTQ ---- */

static inline int
pri_slot_decode(const uint64_t *slot, uint64_t ts, const struct emu_pr_nest *nest,
		struct sva_fault *f)
{
	struct emu_smmuv3_pri r;

	if (unlikely(smmu_pri_decode_inl(slot, &r) != 0))
		return -EINVAL;
	f->type = SVA_FAULT_PAGE_REQ;
	f->padding = 0;
	smmu_pri_to_generic_inl(&r, &f->prm);
	f->prm.timestamp = ts;
	if (ts != 0)
		f->prm.flags |= SVA_FAULT_PR_TIMESTAMP;
	emu_pr_nest_apply(nest, &f->prm);
	return 0;
}

static inline int
evt_slot_decode(const uint64_t *slot, uint64_t ts, const struct emu_pr_nest *nest,
		struct sva_fault *f)
{
	struct emu_smmuv3_evt r;

	if (unlikely(smmu_evt_decode_inl(slot, &r) != 0))
		return -EINVAL;
	f->type = SVA_FAULT_UNRECOV;
	f->padding = 0;
	smmu_evt_to_generic_inl(&r, &f->event);
	f->event.timestamp = ts;
	emu_ev_nest_apply(nest, &f->event);
	if (r.s2 && r.cls != EMU_SMMUV3_CLASS_IN)
		f->event.fetch_addr = f->event.gpa; /* the fetch's IPA, every bit kept */
	return 0;
}

static inline uint16_t
inq_read(void *base, struct smmu_inq *iq, struct sva_fault *out, uint16_t n, uint32_t queue,
	int (*decode)(const uint64_t *slot, uint64_t ts, const struct emu_pr_nest *nest,
		struct sva_fault *f))
{
	const uint32_t shift = iq->cfg.shift, wimask = emu_wp_mask(shift);
	const uint64_t *ts = q_ts(base, iq);
	uint32_t cons = iq->poll.cons;
	uint32_t prod, limit;
	uint64_t o;
	uint16_t k = 0, bad = 0, seen = 0;

#ifdef SVA_DEBUG_CHECKS
	if (out == NULL && n > 0)
		return 0;
#endif
	/*
	 * PROD before ovf: an overflow raised after the PROD read lies at or beyond it,
	 * so reading up to PROD never steps over a loss point. A loss point seen here may
	 * be beyond the PROD read (raised after it): then this call stops at PROD.
	 */
	prod = EMU_LOAD_ACQ(&iq->dev.prod);
	o = EMU_LOAD_ACQ(&iq->ovf);
	limit = prod & wimask;
	if ((o & OVF_PENDING) &&
			((OVF_POS(o) - cons) & wimask) <= ((limit - cons) & wimask))
		limit = OVF_POS(o);

	while (k < n) {
		const uint64_t *slot;

		if ((cons & wimask) == limit) {
			/* At PROD, or at a loss point not reached yet: done for this call. */
			if (!(o & OVF_PENDING) || limit != OVF_POS(o))
				break;
			/* Everything queued before the loss is read: report it, acknowledge. */
			if (__atomic_compare_exchange_n(&iq->ovf, &o, 0, false, __ATOMIC_ACQ_REL,
					__ATOMIC_ACQUIRE)) {
				struct sva_fault *f = &out[k++];

				f->type = SVA_FAULT_OVERFLOW;
				f->padding = 0;
				f->overflow.queue = queue;
				f->overflow.lost = OVF_LOST(o);
				/* Acknowledge: CONS takes the flag PROD took for this overflow. */
				cons = ((o & OVF_FLAG) ? EMU_SMMUV3_Q_OVF : 0) | (cons & wimask);
				o = 0;
				limit = prod & wimask;
				continue;
			}
			/* The device dropped again further on (it only moves the point forward,
			 * and publishes PROD before it): read up to the new point. PROD is read
			 * again, after it, for the reading that follows the report. */
			prod = EMU_LOAD_ACQ(&iq->dev.prod);
			limit = OVF_POS(o);
			continue;
		}
		slot = q_slot(base, iq->cfg.off_ring, iq->cfg.dwords, cons, shift);
		if (likely(decode(slot, ts[emu_wp_idx(cons, shift)], iq->cfg.off_nest != 0 ?
				&q_nest(base, iq)[emu_wp_idx(cons, shift)] : NULL, &out[k]) == 0)) {
			k++;
		} else {
			bad++;
			if (emu_log_worthy(iq->poll.malformed + bad))
				EMU_MODEL_LOG(WARNING, "smmuv3: malformed %s entry at index %u: %016"
					PRIx64 " %016" PRIx64 " (dropped; %" PRIu64 " so far)",
					queue == 0 ? "PRI queue" : "event queue", cons & wimask,
					slot[0], slot[1], iq->poll.malformed + bad);
		}
		seen++;
		cons = emu_wp_inc(cons, shift);
	}
	if (cons != iq->poll.cons)
		EMU_STORE_REL(&iq->poll.cons, cons);
	if (seen) {
		EMU_CNT_ADD(&iq->poll.read, seen - bad);
		if (bad)
			EMU_CNT_ADD(&iq->poll.malformed, bad);
	}
	return k;
}

static bool
smmu_prq_pending(const void *qv)
{
	const struct smmu_q *q = qv;
	const struct smmu_inq *iq = &q->priq;
	const uint32_t wimask = emu_wp_mask(iq->cfg.shift);

	/* PROD != CONS (index and wrap), or an overflow not yet acknowledged */
	return ((EMU_LOAD_ACQ(&iq->dev.prod) ^ EMU_LOAD_ACQ(&iq->poll.cons)) & wimask) != 0 ||
		(EMU_LOAD_ACQ(&iq->ovf) & OVF_PENDING) != 0;
}

static uint16_t
smmu_prq_read(void *qv, struct sva_fault *out, uint16_t n)
{
	struct smmu_q *q = qv;

#ifdef SVA_DEBUG_CHECKS
	if (q == NULL)
		return 0;
#endif
	return inq_read(q, &q->priq, out, n, 0, pri_slot_decode);
}

static uint16_t
smmu_evtq_read(void *qv, struct sva_fault *out, uint16_t n)
{
	struct smmu_q *q = qv;

#ifdef SVA_DEBUG_CHECKS
	if (q == NULL)
		return 0;
#endif
	return inq_read(q, &q->evtq, out, n, 1, evt_slot_decode);
}

/* ---- command queue ---- */

static int
smmu_resp_write(void *qv, const struct sva_page_response *resp, uint16_t n)
{
	struct smmu_q *q = qv;
#ifdef SVA_DEBUG_CHECKS
	if (q == NULL || (resp == NULL && n > 0))
		return -EINVAL;
#endif
	struct smmu_cmdq *cq = &q->cmdq;
	const uint32_t shift = cq->cfg.shift;
	uint32_t prod = cq->poll.prod;
	uint16_t i;

	for (i = 0; i < n; i++) {
		struct emu_smmuv3_pri_resp r;

		if (unlikely(emu_wp_full(prod, cq->poll.cons_cache, shift))) {
			cq->poll.cons_cache = EMU_LOAD_ACQ(&cq->dev.cons);
			if (emu_wp_full(prod, cq->poll.cons_cache, shift))
				break;
		}
		if (resp[i].flags & SVA_PAGE_RESP_STALL) {
			/* 4.7.1: Retry for Success, Abort (Ac 0, Ab 1) for a refusal */
			struct emu_smmuv3_resume rs = {
				.sid = resp[i].dev_id,
				.stag = (uint16_t)resp[i].grpid,
				.resp = resp[i].code == SVA_PAGE_RESP_SUCCESS ?
					EMU_SMMUV3_RESUME_RETRY : EMU_SMMUV3_RESUME_ABORT,
			};

			emu_smmuv3_resume_encode(&rs, q_slot(q, cq->cfg.off_ring, 2, prod, shift));
		} else {
			smmu_pri_resp_from_generic_inl(&resp[i], &r);
			smmu_pri_resp_encode_inl(&r, q_slot(q, cq->cfg.off_ring, 2, prod, shift));
		}
		prod = emu_wp_inc(prod, shift);
	}
	if (i > 0) /* the doorbell: one PROD write per batch */
		EMU_RING_DOORBELL(&cq->poll.prod, prod, &cq->poll.written, &cq->poll.doorbells, i);
	return i;
}

int
emu_smmuv3_cmdq_write_raw(void *qv, const void *cmd)
{
	struct smmu_q *q = qv;
	struct smmu_cmdq *cq = &q->cmdq;
	const uint32_t shift = cq->cfg.shift;
	uint32_t prod = cq->poll.prod;

	if (emu_wp_full(prod, cq->poll.cons_cache, shift)) {
		cq->poll.cons_cache = EMU_LOAD_ACQ(&cq->dev.cons);
		if (emu_wp_full(prod, cq->poll.cons_cache, shift))
			return -ENOSPC;
	}
	memcpy(q_slot(q, cq->cfg.off_ring, 2, prod, shift), cmd, EMU_SMMUV3_CMDQ_ENT_SIZE);
	EMU_RING_DOORBELL(&cq->poll.prod, emu_wp_inc(prod, shift), &cq->poll.written,
		&cq->poll.doorbells, 1);
	return 0;
}

/*
 * CMD_RESUME and CMD_STALL_TERM, for the device side, in the stall form of the generic
 * response (emu_model.h): RETRY -> Success, ABORT -> Invalid, TERMINATE (RAZ/WI) ->
 * Failure; CMD_STALL_TERM -> every stall of the StreamID, terminated with abort.
 */
static int
smmu_stall_cmd_to_generic(const uint64_t cmd[2], struct sva_page_response *out)
{
	struct emu_smmuv3_resume rs;
	uint32_t sid;

	memset(out, 0, sizeof(*out));
	out->argsz = sizeof(*out);
	if (emu_smmuv3_resume_decode(cmd, &rs) == 0) {
		out->flags = SVA_PAGE_RESP_STALL;
		out->dev_id = rs.sid;
		out->grpid = rs.stag;
		out->code = rs.resp == EMU_SMMUV3_RESUME_RETRY ? SVA_PAGE_RESP_SUCCESS :
			rs.resp == EMU_SMMUV3_RESUME_ABORT ? SVA_PAGE_RESP_INVALID :
			SVA_PAGE_RESP_FAILURE;
		return 0;
	}
	if (emu_smmuv3_stall_term_decode(cmd, &sid) == 0) {
		out->flags = SVA_PAGE_RESP_STALL | EMU_RESP_STALL_ALL;
		out->dev_id = sid;
		out->code = SVA_PAGE_RESP_INVALID;
		return 0;
	}
	return -EINVAL;
}

static uint16_t
smmu_resp_read(void *qv, struct sva_page_response *out, uint16_t n)
{
	struct smmu_q *q = qv;
	struct smmu_cmdq *cq = &q->cmdq;
	const uint32_t shift = cq->cfg.shift;
	uint32_t cons = cq->dev.cons;
	uint32_t prod = EMU_LOAD_ACQ(&cq->poll.prod);
	/* The SMMU's own responses (8.1) reach the device without the command queue. */
	const uint16_t auto_n = emu_autoresp_pop(&q->autoresp, out, n);
	uint16_t k = auto_n, bad = 0;

	while (k < n && !emu_wp_empty(prod, cons, shift)) {
		const uint64_t *slot = q_slot(q, cq->cfg.off_ring, 2, cons, shift);
		struct emu_smmuv3_pri_resp r;

		if (likely(smmu_pri_resp_decode_inl(slot, &r) == 0 &&
				smmu_pri_resp_to_generic_inl(&r, &out[k]) == 0)) {
			k++;
		} else if (smmu_stall_cmd_to_generic(slot, &out[k]) == 0) {
			k++;
		} else {
			bad++;
			if (emu_log_worthy(cq->dev.malformed + bad))
				EMU_MODEL_LOG(WARNING, "smmuv3: command at CMDQ index %u is not a valid "
					"CMD_PRI_RESP, CMD_RESUME or CMD_STALL_TERM: %016" PRIx64 " %016" PRIx64 " (skipped; %" PRIu64
					" so far)", cons & emu_wp_mask(shift), slot[0], slot[1],
					cq->dev.malformed + bad);
		}
		cons = emu_wp_inc(cons, shift);
	}
	if (cons != cq->dev.cons) {
		EMU_STORE_REL(&cq->dev.cons, cons);
		EMU_CNT_ADD(&cq->dev.read, k - auto_n);
		if (bad)
			EMU_CNT_ADD(&cq->dev.malformed, bad);
	}
	return k;
}

/* ---- control ---- */

static void
smmu_counters_get(const void *qv, struct emu_model_counters *c)
{
	const struct smmu_q *q = qv;

	c->prq_written = EMU_LOAD(&q->priq.dev.written);
	c->prq_dropped = EMU_LOAD(&q->priq.dev.dropped);
	c->prq_overflows = EMU_LOAD(&q->priq.dev.overflows);
	c->prq_read = EMU_LOAD(&q->priq.poll.read);
	c->prq_malformed = EMU_LOAD(&q->priq.poll.malformed);
	c->evtq_written = EMU_LOAD(&q->evtq.dev.written);
	c->evtq_dropped = EMU_LOAD(&q->evtq.dev.dropped);
	c->evtq_overflows = EMU_LOAD(&q->evtq.dev.overflows);
	c->evtq_read = EMU_LOAD(&q->evtq.poll.read);
	c->evtq_malformed = EMU_LOAD(&q->evtq.poll.malformed);
	c->resp_written = EMU_LOAD(&q->cmdq.poll.written);
	c->resp_doorbells = EMU_LOAD(&q->cmdq.poll.doorbells);
	c->resp_read = EMU_LOAD(&q->cmdq.dev.read);
	c->resp_malformed = EMU_LOAD(&q->cmdq.dev.malformed);
	c->prq_auto_resp = EMU_LOAD(&q->autoresp.generated);
	c->prq_auto_resp_lost = EMU_LOAD(&q->autoresp.lost);
}

void
emu_smmuv3_evtq_peek_raw(const void *qv, uint32_t idx, uint64_t ent[4])
{
	const struct smmu_q *q = qv;
	const uint64_t *slot = q_slot((void *)(uintptr_t)q, q->evtq.cfg.off_ring, 4, idx,
		q->evtq.cfg.shift);

	memcpy(ent, slot, EMU_SMMUV3_EVTQ_ENT_SIZE);
}

void
emu_smmuv3_cmdq_peek_raw(const void *qv, uint32_t idx, uint64_t cmd[2])
{
	const struct smmu_q *q = qv;
	const uint64_t *slot = q_slot((void *)(uintptr_t)q, q->cmdq.cfg.off_ring, 2, idx,
		q->cmdq.cfg.shift);

	memcpy(cmd, slot, EMU_SMMUV3_CMDQ_ENT_SIZE);
}

void
emu_smmuv3_regs_get(const void *qv, struct emu_smmuv3_regs *regs)
{
	const struct smmu_q *q = qv;

	regs->priq_prod = EMU_LOAD_ACQ(&q->priq.dev.prod);
	regs->priq_cons = EMU_LOAD_ACQ(&q->priq.poll.cons);
	regs->evtq_prod = EMU_LOAD_ACQ(&q->evtq.dev.prod);
	regs->evtq_cons = EMU_LOAD_ACQ(&q->evtq.poll.cons);
	regs->cmdq_prod = EMU_LOAD_ACQ(&q->cmdq.poll.prod);
	regs->cmdq_cons = EMU_LOAD_ACQ(&q->cmdq.dev.cons);
}

const struct emu_model_ops emu_model_smmuv3 = {
	.name = "smmuv3",
	.model = SVA_IOMMU_MODEL_SMMUV3,
	.prq_entry_size = EMU_SMMUV3_PRIQ_ENT_SIZE,
	.mem_size = smmu_mem_size,
	.init = smmu_init,
	.prq_write = smmu_prq_write,
	.prq_write_raw = smmu_prq_write_raw,
	.prq_force_overflow = smmu_prq_force_overflow,
	.evtq_write = smmu_evtq_write,
	.resp_read = smmu_resp_read,
	.prq_read = smmu_prq_read,
	.prq_pending = smmu_prq_pending,
	.evtq_read = smmu_evtq_read,
	.resp_write = smmu_resp_write,
	.counters_get = smmu_counters_get,
};
