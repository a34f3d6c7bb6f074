/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef EMU_SMMUV3_H
#define EMU_SMMUV3_H

/*
 * Arm SMMUv3 formats and the emu's SMMUv3 queue model.
 *
 * Codecs are pure functions between hardware words (little-endian 64-bit dwords) and a
 * plain struct with one member per field; decoders refuse structurally corrupt entries
 * with -EINVAL (semantic checks belong to the fault path, as for VT-d: see emu_vtd.h).
 * Section numbers are those of the SMMUv3 architecture specification (Arm IHI0070);
 * bit positions agree with Linux arm-smmu-v3.h.
 *
 * PRI queue entry, 16 bytes (chapter 8):
 *   dw0  31:0  StreamID                      dw1  8:0   PRGIndex
 *        51:32 SubstreamID                        11:9  reserved
 *        57:52 reserved                           63:12 page address
 *        58 Priv  59 Exec  60 Read  61 Write  62 Last  63 SSV
 *   Forbidden: Priv or Exec without SSV (ch. 8: "When SSV == 0, the X and Priv bits
 *   are both 0"). The SubstreamID is UNKNOWN without SSV: ignored, decoded as 0.
 *   LWR == 0b100 is a Stop Marker only with SSV == 1; without SSV it "is treated as a
 *   PRI Page Request" (ch. 8); it passes through like any request, for the fault path.
 *
 * Event queue entry, 32 bytes (7.3; "portions not explicitly defined are RES0"). The
 * model writes and accepts these event IDs:
 *   0x10 F_TRANSLATION (7.3.13), 0x11 F_ADDR_SIZE (7.3.14), 0x12 F_ACCESS (7.3.15),
 *   0x13 F_PERMISSION (7.3.16):
 *   dw0  7:0 event ID, 10:8 RES0, 11 SSV, 31:12 SubstreamID, 63:32 StreamID
 *   dw1  15:0 STAG, 30:16 RES0, 31 Stall, 32 RES0, 33 PnU, 34 InD, 35 RnW,
 *        38:36 RES0, 39 S2, 41:40 CLASS (0 CD, 1 TT, 2 IN; 3 reserved), 43:42 RES0,
 *        44 TTRnW (F_PERMISSION with CLASS == TT; "UNKNOWN when CLASS is not TT", so
 *        accepted in any of the four and in any class), 63:45 RES0 here
 *   dw2  InputAddr 63:0
 *   dw3  55:12 IPA (7.3.13: "IPA bits [55:OAS] are RES0 if OAS is smaller than 56";
 *        Linux's EVTQ_3_IPA stops at 51, SMMUv3.0 has 51:48 RES0), 11:0 and 63:56 RES0
 *   7.3.13-16: "InD == 0 when RnW == 0": the encoder never writes InD without RnW
 *   (from_generic reports an exec write as a plain write), the decoder refuses it.
 *   0x08 C_BAD_SUBSTREAMID (7.3.9): dw0 7:0 ID, 11:8 RES0, 31:12 SubstreamID, 63:32
 *   StreamID, dw1-3 RES0. "In this event, SubstreamID is always valid (there is no SSV
 *   qualifier)": bit 11 is RES0 and never written; the decoder refuses it set and
 *   always returns the SubstreamID (ssv true).
 *   0x0A C_BAD_CD (7.3.11: the PASID is not attached; nested: the guest's CD is V == 0
 *   or ILLEGAL, 5.4.2): dw0 as for the faults (with SSV), dw1-3 RES0.
 *   Nested (vSVA) stage-2 faults: a generic record with SVA_FAULT_UNRECOV_NESTED_S2 is
 *   written with S2 = 1 and IPA = its gpa[55:12]; CLASS CD when it also has
 *   FETCH_ADDR_VALID and reason PASID_INVALID (the SSID's CD could not be fetched), TT
 *   with FETCH_ADDR_VALID otherwise (a stage-1 table descriptor), IN without. Read
 *   back: S2 gives NESTED_S2 and gpa (every bit from the side information), CLASS CD /
 *   TT FETCH_ADDR_VALID with fetch_addr = gpa, CLASS CD reason PASID_INVALID.
 *   0x09 F_CD_FETCH (7.3.10: the CD fetch aborted; the model writes it only when
 *   asked through hw_event: a nested CD outside guest RAM is a stage-2 fault): dw0 as for the faults (with SSV); dw3 55:3
 *   FetchAddr[55:3] (the position F_STE_FETCH's figure, 7.3.4, gives the same field;
 *   63:56 and 2:0 RES0); dw1 holds an IMPLEMENTATION DEFINED Reason and GPCF (bit 80):
 *   this model writes 0 there and refuses a record with them set (one it never writes);
 *   dw2 RES0.
 *   Forbidden: any other event ID, a STAG without Stall, InD without RnW.
 *   SubstreamID is ignored (decoded as 0) without SSV.
 *   Not decoded (positions not in the text available here): the SMMUv3.4 F_PERMISSION
 *   Overlay, AssuredOnly and DirtyBit flags and NSIPA (Secure event queue only); a
 *   record with them set is refused as reserved.
 *
 * CMD_PRI_RESP (4.5.2), 16 bytes: dw0 7:0 opcode 0x41, 10:8 reserved, 11 SSV, 31:12
 * SubstreamID, 63:32 StreamID; dw1 8:0 PRGIndex, 11:9 reserved, 13:12 Resp, 63:14
 * reserved. Resp (4.5.2): 0b00 ResponseFailure ("permanent non-paging error"), 0b01
 * InvalidRequest ("page-in unsuccessful for one or more pages"), 0b10 Success, 0b11
 * Reserved (ILLEGAL). So the PCIe codes the runtime speaks map one to one:
 * Success 0x0 <-> 2, Invalid Request 0x1 <-> 1, Response Failure 0xF <-> 0. A code
 * with no mapping is encoded as 3, which the device refuses (resp_malformed), as the
 * SMMU would stop its command queue with CERROR_ILL. (Linux's enum pri_resp names 0
 * DENY and 1 FAIL; mainline only issues CMD_PRI_RESP with 0 to refuse unexpected
 * page requests in arm_smmu_handle_ppr, i.e. ResponseFailure: there is no PCIe mapping
 * in Linux to copy.) The emu device refuses a SubstreamID without SSV here (software
 * wrote it: a runtime bug worth counting).
 *
 * CMD_RESUME (4.7.1), 16 bytes (stall model: the answer to one stall event): dw0 7:0 opcode 0x44, 12 Ac (action: 1 Retry, 0 Terminate), 13 Ab (abort: with
 * Terminate, 1 = abort to the client, 0 = RAZ/WI completion; "IGNORED" with Retry),
 * 63:32 StreamID, other bits reserved; dw1 15:0 STAG, other bits reserved. Linux spells
 * the 2-bit field 13:12 as 0 TERMINATE, 1 RETRY, 2 ABORT; 3 (Retry with Ab set) is a
 * legal Retry, decoded as RETRY. (The field figure is not in the text available here:
 * Ac at bit 12 and Ab at bit 13 follow from Linux's values.)
 *
 * Queue model (emu_model_smmuv3, the ops of emu_model.h): PRIQ and EVTQ are produced
 * by the device, CMDQ by the poll side. Each has PROD and CONS registers: the low
 * log2(depth) bits are the index, the next bit the wrap bit, bit 31 (PRIQ/EVTQ) the
 * overflow flag (PROD.OVFLG / CONS.OVACKFLG). Empty: index and wrap equal. Full:
 * index equal, wrap different; a queue holds depth entries. An entry that finds its
 * queue full is dropped; if no overflow is outstanding the device toggles PROD.OVFLG.
 * The poll side sees the overflow as PROD's flag differing from its own CONS flag and
 * acknowledges it by copying PROD's flag into CONS. The model remembers where the last
 * loss happened (the producer index at the drop, emu bookkeeping): the poll side
 * returns the entries queued before that point, then one SVA_FAULT_OVERFLOW record
 * (lost = entries dropped), then acknowledges, then goes on with the entries after.
 *  - PRI queue (8.1): "An active overflow condition inhibits new entries from being
 *    written to the PRI queue": while the overflow is outstanding every PRI message
 *    is dropped, so the point of loss is PROD when the overflow began. "When an
 *    overflow condition is active, incoming PRI messages are discarded and an
 *    automatic PRG Response is generated for Page Request messages having Last == 1,
 *    including the PRGI of the PPR that caused the overflow condition"; "PPRs having
 *    Last == 0 are silently ignored"; "Stop PASID markers that arrive in an overflow
 *    condition are discarded and no auto-response is generated". The auto-response
 *    goes back to the originating StreamID with the same PRGIndex (8.2), ResponseCode
 *    Success, and the request's PASID when it had one: the model behaves as an SMMU
 *    with SMMU_IDR3.PPS == 1 (with PPS == 0 the PASID follows STE.PPAR, and an
 *    unreadable STE makes it Failure without PASID: not modelled). The device reads
 *    auto-responses in resp_read before the command queue's (they do not pass through
 *    the command queue and are not counted in resp_read/resp_written, but in
 *    prq_auto_resp). A drop racing with a report (the poll side has cleared the
 *    overflow but not yet moved CONS) starts the next overflow and toggles OVFLG again,
 *    where hardware, seeing the condition still unacknowledged, would lose it silently
 *    (and still auto-respond).
 *  - Event queue (7.4): the device keeps writing while an overflow is outstanding ("a
 *    queue in an unacknowledged overflow state does not behave any differently"), and
 *    drops while one is outstanding join it: the record comes at the last of them, so
 *    some losses may show before it — never after a record that claims them.
 *    A stall event (Stall == 1, 3.12.2) is never discarded: "If the Event queue is not
 *    writable ... the stalled transaction is retried as though it had just arrived when
 *    the queue is next writable": evtq_write refuses it with -EAGAIN (no drop, no
 *    overflow) and the emu device writes it again later.
 *  - Stall model (3.12.2, 4.7): a response in the stall form (SVA_PAGE_RESP_STALL)
 *    is written as CMD_RESUME(StreamID = dev_id, STAG = grpid): Success -> Retry
 *    (Ac 1), Invalid or Failure -> Abort (Ac 0, Ab 1). The device side reads CMD_RESUME
 *    and CMD_STALL_TERM back in the stall form (emu_model.h).
 * A command the device cannot decode (anything but a valid CMD_PRI_RESP, CMD_RESUME
 * or CMD_STALL_TERM) is counted and skipped; hardware would stop the queue with
 * CONS.ERR = CERROR_ILL and raise GERROR.CMDQ_ERR instead.
 *
 * Timestamps: as for VT-d, a side array indexed by queue slot keeps the TSC value
 * given to prq_write / evtq_write (an emu-only convenience for latency measurement).
 */

#include <stdbool.h>
#include <stdint.h>

#include "sva_fault.h"

#ifdef __cplusplus
extern "C" {
#endif

#define EMU_SMMUV3_PRIQ_ENT_SIZE 16u
#define EMU_SMMUV3_EVTQ_ENT_SIZE 32u
#define EMU_SMMUV3_CMDQ_ENT_SIZE 16u

/* Queue depths the model accepts: powers of two up to 2^19 (the largest LOG2SIZE
 * SMMU_IDR1 can report). */
#define EMU_SMMUV3_DEPTH_MIN 1u
#define EMU_SMMUV3_DEPTH_MAX (1u << 19)

/* Queue pointer fields. */
#define EMU_SMMUV3_Q_OVF (1u << 31)

/* ---- PRI queue entry ---- */
#define EMU_SMMUV3_PRI0_SID 0xffffffffull
#define EMU_SMMUV3_PRI0_SSID_SHIFT 32
#define EMU_SMMUV3_PRI0_RSVD (0x3full << 52)
#define EMU_SMMUV3_PRI0_PRIV (1ull << 58)
#define EMU_SMMUV3_PRI0_EXEC (1ull << 59)
#define EMU_SMMUV3_PRI0_READ (1ull << 60)
#define EMU_SMMUV3_PRI0_WRITE (1ull << 61)
#define EMU_SMMUV3_PRI0_LAST (1ull << 62)
#define EMU_SMMUV3_PRI0_SSV (1ull << 63)
#define EMU_SMMUV3_PRI1_PRG 0x1ffull
#define EMU_SMMUV3_PRI1_RSVD (0x7ull << 9)
#define EMU_SMMUV3_PRI1_ADDR 0xfffffffffffff000ull

struct emu_smmuv3_pri {
	uint32_t sid;
	uint32_t ssid;        /* 20 bits */
	bool ssv, priv, exec, read, write, last;
	uint16_t prg_index;   /* 9 bits */
	uint64_t addr;        /* page address, bits 63:12 */
};

void emu_smmuv3_pri_encode(const struct emu_smmuv3_pri *r, uint64_t ent[2]);
/* 0, or -EINVAL (reserved bit set; Priv or Exec without SSV). */
int emu_smmuv3_pri_decode(const uint64_t ent[2], struct emu_smmuv3_pri *r);
/* 0, or -EINVAL (pasid > 0xfffff, grpid > 511, exec/priv without a PASID). */
int emu_smmuv3_pri_from_generic(const struct sva_fault_page_req *pr, struct emu_smmuv3_pri *r);
/* Every page-request field but the timestamp (the model restores it). */
void emu_smmuv3_pri_to_generic(const struct emu_smmuv3_pri *r, struct sva_fault_page_req *pr);

/* ---- event queue entry ---- */
#define EMU_SMMUV3_EVT_BAD_SUBSTREAMID 0x08u
#define EMU_SMMUV3_EVT_CD_FETCH 0x09u
#define EMU_SMMUV3_EVT_BAD_CD 0x0au
#define EMU_SMMUV3_EVT_TRANSLATION 0x10u
#define EMU_SMMUV3_EVT_ADDR_SIZE 0x11u
#define EMU_SMMUV3_EVT_ACCESS 0x12u
#define EMU_SMMUV3_EVT_PERMISSION 0x13u

#define EMU_SMMUV3_EVT0_ID 0xffull
#define EMU_SMMUV3_EVT0_RSVD (0x7ull << 8)
#define EMU_SMMUV3_EVT0_SSV (1ull << 11)
#define EMU_SMMUV3_EVT0_SSID_SHIFT 12
#define EMU_SMMUV3_EVT0_SID_SHIFT 32
#define EMU_SMMUV3_EVT1_STAG 0xffffull
#define EMU_SMMUV3_EVT1_STALL (1ull << 31)
#define EMU_SMMUV3_EVT1_PNU (1ull << 33)
#define EMU_SMMUV3_EVT1_IND (1ull << 34)
#define EMU_SMMUV3_EVT1_RNW (1ull << 35)
#define EMU_SMMUV3_EVT1_S2 (1ull << 39)
#define EMU_SMMUV3_EVT1_CLASS_SHIFT 40
#define EMU_SMMUV3_EVT1_TTRNW (1ull << 44)
#define EMU_SMMUV3_EVT1_RSVD ((0x7fffull << 16) | (1ull << 32) | (0x7ull << 36) | \
		(0x3ull << 42) | (~0ull << 45))
#define EMU_SMMUV3_EVT3_IPA 0x00fffffffffff000ull
#define EMU_SMMUV3_EVT3_FETCH 0x00fffffffffffff8ull  /* FetchAddr[55:3] (7.3.4, 7.3.10) */

#define EMU_SMMUV3_CLASS_CD 0u
#define EMU_SMMUV3_CLASS_TT 1u
#define EMU_SMMUV3_CLASS_IN 2u

struct emu_smmuv3_evt {
	uint8_t id;
	bool ssv;
	uint32_t ssid;
	uint32_t sid;
	uint16_t stag;
	bool stall, pnu, ind, rnw, s2;
	bool ttrnw;       /* F_PERMISSION, CLASS TT: the walk's access (1 read) */
	uint8_t cls;      /* CLASS */
	uint64_t addr;    /* input address */
	uint64_t ipa;     /* bits 55:12 */
	uint64_t fetch;   /* F_CD_FETCH: FetchAddr, bits 55:3 */
};

/* InD is written only with RnW (7.3.13); C_BAD_SUBSTREAMID gets no SSV bit. */
void emu_smmuv3_evt_encode(const struct emu_smmuv3_evt *r, uint64_t ent[4]);
/* 0, or -EINVAL (unknown event ID, reserved bit, CLASS 3, STAG without Stall, InD
 * without RnW, non-zero dw1-3 in a C_BAD_* event, bit 11 in C_BAD_SUBSTREAMID). */
int emu_smmuv3_evt_decode(const uint64_t ent[4], struct emu_smmuv3_evt *r);
/* 0, or -EINVAL (no event for the reason and no usable hw_event, pasid > 0xfffff). A
 * non-zero hw_event is used as the event ID (it must be one the model knows). */
int emu_smmuv3_evt_from_generic(const struct sva_fault_unrecov *ev, struct emu_smmuv3_evt *r);
void emu_smmuv3_evt_to_generic(const struct emu_smmuv3_evt *r, struct sva_fault_unrecov *ev);

/* ---- commands ---- */
#define EMU_SMMUV3_CMD_PRI_RESP 0x41u
#define EMU_SMMUV3_CMD_RESUME 0x44u
#define EMU_SMMUV3_CMD0_OP 0xffull
#define EMU_SMMUV3_CMD0_SSV (1ull << 11)
#define EMU_SMMUV3_CMD0_SSID_SHIFT 12
#define EMU_SMMUV3_CMD0_SID_SHIFT 32
#define EMU_SMMUV3_PRIRESP0_RSVD (0x7ull << 8)
#define EMU_SMMUV3_PRIRESP1_PRG 0x1ffull
#define EMU_SMMUV3_PRIRESP1_RESP_SHIFT 12
#define EMU_SMMUV3_PRIRESP1_RSVD ((0x7ull << 9) | (~0ull << 14))
#define EMU_SMMUV3_RESUME0_RESP_SHIFT 12
#define EMU_SMMUV3_RESUME0_RSVD ((0xfull << 8) | (0x3ffffull << 14))
#define EMU_SMMUV3_RESUME1_STAG 0xffffull
#define EMU_SMMUV3_CMD_STALL_TERM 0x45u
#define EMU_SMMUV3_STALLTERM0_RSVD (0xffffff00ull)

/* CMD_PRI_RESP Resp field (4.5.2) */
#define EMU_SMMUV3_PRI_RESP_FAILURE 0u   /* ResponseFailure */
#define EMU_SMMUV3_PRI_RESP_INVALID 1u   /* InvalidRequest */
#define EMU_SMMUV3_PRI_RESP_SUCCESS 2u   /* Success */
/* CMD_RESUME bits 13:12 (4.7.1: Ab, Ac) */
#define EMU_SMMUV3_RESUME_TERM 0u        /* Ac 0, Ab 0: terminate, RAZ/WI */
#define EMU_SMMUV3_RESUME_RETRY 1u       /* Ac 1 (3, Ab ignored, decodes as this) */
#define EMU_SMMUV3_RESUME_ABORT 2u       /* Ac 0, Ab 1: terminate with abort */

struct emu_smmuv3_pri_resp {
	bool ssv;
	uint32_t ssid;
	uint32_t sid;
	uint16_t prg_index;
	uint8_t resp;     /* EMU_SMMUV3_PRI_RESP_* */
};

struct emu_smmuv3_resume {
	uint32_t sid;
	uint16_t stag;
	uint8_t resp;     /* EMU_SMMUV3_RESUME_* */
};

void emu_smmuv3_pri_resp_encode(const struct emu_smmuv3_pri_resp *r, uint64_t cmd[2]);
/* 0, or -EINVAL (not opcode 0x41, reserved bit, response 3, SSID without SSV). */
int emu_smmuv3_pri_resp_decode(const uint64_t cmd[2], struct emu_smmuv3_pri_resp *r);
void emu_smmuv3_resume_encode(const struct emu_smmuv3_resume *r, uint64_t cmd[2]);
/* 0, or -EINVAL (not opcode 0x44, reserved bit); 3 decodes as RETRY. */
int emu_smmuv3_resume_decode(const uint64_t cmd[2], struct emu_smmuv3_resume *r);

/* CMD_STALL_TERM (4.7.2): dw0 7:0 opcode 0x45, 63:32 StreamID; everything else
 * reserved (SSec, Secure only, is not modelled). decode: 0, or -EINVAL (not 0x45, a
 * reserved bit set). */
void emu_smmuv3_stall_term_encode(uint32_t sid, uint64_t cmd[2]);
int emu_smmuv3_stall_term_decode(const uint64_t cmd[2], uint32_t *sid);

/* PCIe response code (enum sva_page_resp_code) -> SMMU encoding; 3 (reserved) when the
 * code has none. */
uint8_t emu_smmuv3_resp_from_pcie(uint32_t code);
/* SMMU encoding -> PCIe code; -EINVAL for 3. */
int emu_smmuv3_resp_to_pcie(uint8_t resp);

void emu_smmuv3_pri_resp_from_generic(const struct sva_page_response *resp, struct emu_smmuv3_pri_resp *r);
/* 0, or -EINVAL when the response field has no PCIe code. */
int emu_smmuv3_pri_resp_to_generic(const struct emu_smmuv3_pri_resp *r, struct sva_page_response *resp);

/* ---- model inspection and raw access (tests, fault injection) ---- */
struct emu_smmuv3_regs {
	uint32_t priq_prod, priq_cons;
	uint32_t evtq_prod, evtq_cons;
	uint32_t cmdq_prod, cmdq_cons;
};

void emu_smmuv3_regs_get(const void *q, struct emu_smmuv3_regs *regs);
/* Poll side: one raw 16-byte command, then the doorbell. 0, or -ENOSPC when full. */
int emu_smmuv3_cmdq_write_raw(void *q, const void *cmd);
/* Tests: the raw words of the event / command queue slot at index idx (wrap ignored). */
void emu_smmuv3_evtq_peek_raw(const void *q, uint32_t idx, uint64_t ent[4]);
void emu_smmuv3_cmdq_peek_raw(const void *q, uint32_t idx, uint64_t cmd[2]);
/* Device side: one raw 32-byte event. 0, or -ENOSPC (dropped, overflow raised). */
int emu_smmuv3_evtq_write_raw(void *q, const void *evt);

#ifdef __cplusplus
}
#endif

#endif /* EMU_SMMUV3_H */
