/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef EMU_VTD_H
#define EMU_VTD_H

/*
 * Intel VT-d (scalable mode) formats and the emu's VT-d queue model.
 *
 * Codecs are pure functions between a hardware word array (little-endian qwords, as
 * the hardware writes them) and a plain struct with one member per field. Decoders are
 * strict: a structurally corrupt entry (wrong type, a reserved bit set, a combination
 * the format forbids) is refused with -EINVAL. Semantic checks (a non-canonical
 * address, priv with read/write, exec with read, an unknown PASID) are not theirs:
 * such requests decode fine and the fault path answers them Invalid.
 *
 * Section numbers: Intel VT-d architecture specification; where the 4.x/5.x text was
 * checked it is Rev. 5.10 (D51397-018), whose chapter 7 numbering is used ("7.4.1
 * Handling of Page Requests", "7.4.1.1 Page Request Descriptor", "7.6.1 Page Group
 * Response Descriptor"; registers in 11.4.11; 10.4 in 3.x).
 *
 * Page request descriptor, 32 bytes (7.4.1.1 Figure 7-1; Linux intel/prq.c struct
 * page_req_dsc):
 *   qw0  7:0  type (0x01 page request)      qw1  0     read requested (RDR)
 *        8    PASID present (PP)                 1     write requested (WRR)
 *        9    private data present (PDP)         2     last page in group (LPIG)
 *        15:10 reserved                          11:3  PRG index (PRGI)
 *        31:16 requester ID                      63:12 page address
 *        51:32 PASID
 *        52   execute requested (EXR)        qw2-3 private data (reserved unless PDP)
 *        53   privileged-mode requested (PMR)
 *        63:54 reserved
 *   Private data (PDP, qw2-3) is a VT-d 3.x field: 3.x page request and page group
 *   response descriptors carry a Private Data Present bit and 128 bits of private
 *   data the response echoes. VT-d 4.0 removed them: in Rev. 5.10 Figure 7-1, bits
 *   15:9 of the request are RsvdZ and qw2-3 hold no field. The emu models the 3.x
 *   layout (the generic record's private_data can then carry e.g. a guest PASID); a
 *   4.x IOMMU never sets PDP. (Not a Linux choice: Linux defined the 3.x bits and
 *   dropped them once no device used private data.) The 3.x text itself was not
 *   available to check the bit positions: they are Linux's (prq.c priv_data_present,
 *   the former QI_PGRP_PDP bit 5).
 *   Forbidden combinations refused by the decoder: exec, priv or a non-zero PASID
 *   without PASID present (those only exist in a PASID TLP prefix), non-zero qw2-3
 *   without PDP. Type 0x01 is "Page Request Descriptor" (7.4.1.1); Linux never checks it.
 *
 * Page group response descriptor, 32 bytes (7.6.1 Figure 7-2; invalidation queue with
 * 256-bit descriptors, as scalable mode sets IQA.DW; Linux QI_PGRP_*):
 *   qw0  3:0  type low (0x9)                 qw1  1:0   reserved (5.10: IGN)
 *        4    PASID present                      2     last page in group (5.10: IGN)
 *        5    private data present (3.x)         11:3  PRG index
 *        8:6  reserved                           63:12 reserved
 *        11:9 type high (0)                  qw2-3 private data echoed (reserved unless PDP)
 *        15:12 response code (Table 32: 0 Success, 1 Invalid Request, 0xF Response
 *              Failure; 2-0xE reserved)
 *        31:16 requester ID
 *        51:32 PASID
 *        63:52 reserved
 *   The runtime's response becomes: PDP set only when private data is non-zero (a 3.x
 *   response without private data looks like a 4.x one, and a 4.x IOMMU, where bit 5
 *   is RsvdZ, would refuse PDP); LPIG always set: one response per group, answering
 *   its LPIG request (3.x layout). In 5.10 qw1 bits 2:0 are "IGN - Ignored: Hardware
 *   must ignore programming of this field to ensure backward compatibility with older
 *   software", so LPIG = 1 is harmless on 4.x; Linux (prq.c intel_page_response) now
 *   writes 0 there. What 3.x hardware does with LPIG = 0 in a response is not pinned by
 *   a text available here.
 *
 * Fault record, 16 bytes (the primary fault recording register layout; Linux dmar.c
 * dma_frcd_*, UEFI CPER EFI_VTD_FAULT_RECORD):
 *   bits 11:0   reserved                     bits 103:96  fault reason (FR)
 *        63:12  fault info: page address         123:104 PASID value (PV)
 *        79:64  source ID (requester ID)         125:124 address type (AT; 3 reserved)
 *        92:80  reserved                         126     type: 1 read/AtomicOp, 0 write
 *        93     privilege-mode requested         127     F: the record is valid
 *        94     execute requested
 *        95     PASID present (PP)
 *   Forbidden: PV, PRIV or EXE without PP. Fault reasons used (scalable mode, 0x30+):
 *   0x59 PASID table entry not present, 0x71 first-level entry not present, 0x81 U/S
 *   clear for a user request, 0x82 no execute permission, 0x83 address beyond the
 *   hardware maximum, 0x85 no write permission, 0x86 no read permission, 0x90 A/D
 *   update needed (the nearest VT-d has to an access-flag fault).
 *
 * Queue model (emu_model_vtd, the ops of emu_model.h):
 *  - PRQ: a ring of page request descriptors with byte-offset head (PQH, written by
 *    the poll side) and tail (PQT, written by the device); offsets wrap with
 *    mask = ring bytes - 32. Empty: head == tail. Full: tail + 32 == head, so the ring
 *    holds depth - 1 entries, as on hardware. PRS: PPR (bit 0) set on each write and
 *    cleared by the poll side when it starts a read (Linux clears it first, then
 *    reads); PRO (bit 1) set when a request finds the ring full ("PRQ Full", 7.4.1).
 *    While PRO is set the hardware drops every new page request ("PRQ Overflow: the
 *    PRO field ... is 1. No action is taken by hardware to report a fault or generate
 *    an event", 7.4.1), so the point of loss is the end of what is queued: once the
 *    poll side has consumed everything (head == tail) it returns one
 *    SVA_FAULT_OVERFLOW record (lost = requests dropped) telling the fault path to
 *    discard its partial groups, and clears PRO — Linux's rule. A dropped request is
 *    "not written into Page Request Queue. Additionally, hardware will generate a page
 *    group response for page requests that have the Last Page In Group (LPIG) field
 *    set" (7.4.1): Table 31 gives Success for both PRQ Full and PRQ Overflow (Invalid
 *    Request only for a remapping-table fault, not modelled), none for LPIG = 0; 7.10
 *    step d repeats it ("a successful auto page group response"). The model queues it
 *    for the device side, which reads it in resp_read before the invalidation queue's
 *    responses (counted in prq_auto_resp, not in resp_read). A dropped Stop Marker gets
 *    none (see vtd_prq_auto_respond).
 *  - Event queue: a ring of fault records owned through the F bit, as the fault
 *    recording registers are used: the device writes a record with F set, the poll
 *    side reads and clears F. A record finding its slot still F-set is dropped and
 *    FSTS.PFO (bit 0) set; while PFO is set no new fault is recorded; the poll side
 *    reports one SVA_FAULT_OVERFLOW (queue 1) after the last record and clears PFO.
 *    Real hardware has at most 256 fault recording registers (CAP.NFR); the emu lets
 *    the ring be deeper.
 *  - Response queue: the invalidation queue, page group response descriptors only,
 *    byte-offset IQH (device) and IQT (poll side); one IQT write per resp_write batch.
 *    A descriptor the device cannot decode is counted (resp_malformed) and skipped;
 *    hardware would stop the queue with an invalidation queue error (IQE) instead.
 *  - Timestamps: the hardware entries cannot carry one, so the model keeps a side array
 *    of the TSC value given to prq_write / evtq_write, indexed by ring slot, and puts it
 *    back (with SVA_FAULT_PR_TIMESTAMP when non-zero) on read. An emu-only convenience
 *    so latency can be measured from the request's write.
 */

#include <stdbool.h>
#include <stdint.h>

#include "sva_fault.h"

#ifdef __cplusplus
extern "C" {
#endif

#define EMU_VTD_PRQ_DESC_SIZE 32u
#define EMU_VTD_INV_DESC_SIZE 32u
#define EMU_VTD_FRCD_SIZE 16u

/* Queue depths the model accepts (entries, powers of two). PQA.PQS and IQA.QS size the
 * rings in 2^X 4 KiB pages, X = 0..7: 128 to 16384 32-byte descriptors. */
#define EMU_VTD_PRQ_DEPTH_MIN 128u
#define EMU_VTD_PRQ_DEPTH_MAX 16384u
#define EMU_VTD_IQ_DEPTH_MIN 128u
#define EMU_VTD_IQ_DEPTH_MAX 16384u
#define EMU_VTD_FRQ_DEPTH_MIN 1u /* CAP.NFR 0: one fault recording register */
#define EMU_VTD_FRQ_DEPTH_MAX 65536u

/* ---- page request descriptor ---- */
#define EMU_VTD_PRQ_TYPE_PAGE_REQ 0x01u
#define EMU_VTD_PRQ0_TYPE 0xffull
#define EMU_VTD_PRQ0_PASID_P (1ull << 8)
#define EMU_VTD_PRQ0_PDP (1ull << 9)
#define EMU_VTD_PRQ0_RID_SHIFT 16
#define EMU_VTD_PRQ0_PASID_SHIFT 32
#define EMU_VTD_PRQ0_EXE (1ull << 52)
#define EMU_VTD_PRQ0_PRIV (1ull << 53)
#define EMU_VTD_PRQ0_RSVD ((0x3full << 10) | (0x3ffull << 54))
#define EMU_VTD_PRQ1_READ (1ull << 0)
#define EMU_VTD_PRQ1_WRITE (1ull << 1)
#define EMU_VTD_PRQ1_LPIG (1ull << 2)
#define EMU_VTD_PRQ1_PRG_SHIFT 3
#define EMU_VTD_PRQ1_ADDR 0xfffffffffffff000ull

struct emu_vtd_page_req {
	uint8_t type;          /* EMU_VTD_PRQ_TYPE_PAGE_REQ */
	bool pasid_present;
	bool pdp;              /* private data present */
	bool exec, priv, read, write, last;
	uint16_t rid;          /* requester ID (bus:dev.fn) */
	uint32_t pasid;        /* 20 bits */
	uint16_t prg_index;    /* 9 bits */
	uint64_t addr;         /* page address, bits 63:12 */
	uint64_t priv_data[2]; /* qwords 2-3 */
};

/* Encode r into desc[4]; fields wider than the hardware's are masked to it. */
void emu_vtd_prq_encode(const struct emu_vtd_page_req *r, uint64_t desc[4]);
/* 0, or -EINVAL when desc is structurally corrupt (r is then undefined). */
int emu_vtd_prq_decode(const uint64_t desc[4], struct emu_vtd_page_req *r);

/* Generic record <-> descriptor fields. from_generic: 0, or -EINVAL when a value
 * does not fit the hardware field (dev_id > 0xffff, pasid > 0xfffff, grpid > 511) or
 * exec/priv come without a PASID. to_generic fills every page-request field but the
 * timestamp (the model restores it). */
int emu_vtd_page_req_from_generic(const struct sva_fault_page_req *pr, struct emu_vtd_page_req *r);
void emu_vtd_page_req_to_generic(const struct emu_vtd_page_req *r, struct sva_fault_page_req *pr);

/* ---- page group response descriptor ---- */
#define EMU_VTD_QI_TYPE_PGRP_RESP 0x9u
#define EMU_VTD_PGRP0_TYPE_LO 0xfull
#define EMU_VTD_PGRP0_PASID_P (1ull << 4)
#define EMU_VTD_PGRP0_PDP (1ull << 5)
#define EMU_VTD_PGRP0_TYPE_HI (0x7ull << 9)
#define EMU_VTD_PGRP0_CODE_SHIFT 12
#define EMU_VTD_PGRP0_RID_SHIFT 16
#define EMU_VTD_PGRP0_PASID_SHIFT 32
#define EMU_VTD_PGRP0_RSVD ((0x7ull << 6) | (0xfffull << 52))
#define EMU_VTD_PGRP1_LPIG (1ull << 2)
#define EMU_VTD_PGRP1_PRG_SHIFT 3
#define EMU_VTD_PGRP1_RSVD (0x3ull | 0xfffffffffffff000ull)

/* VT-d response codes are the PCIe ones. */
#define EMU_VTD_RESP_SUCCESS 0x0u
#define EMU_VTD_RESP_INVALID 0x1u
#define EMU_VTD_RESP_FAILURE 0xfu

struct emu_vtd_pgrp_resp {
	bool pasid_present;
	bool pdp;
	bool last;
	uint8_t code;          /* EMU_VTD_RESP_* */
	uint16_t rid;
	uint32_t pasid;
	uint16_t prg_index;
	uint64_t priv_data[2];
};

void emu_vtd_pgrp_resp_encode(const struct emu_vtd_pgrp_resp *r, uint64_t desc[4]);
/* 0, or -EINVAL: not type 0x9, reserved bit set, reserved response code, private data
 * without PDP. */
int emu_vtd_pgrp_resp_decode(const uint64_t desc[4], struct emu_vtd_pgrp_resp *r);
/* The response the runtime gives -> descriptor fields: LPIG set (one response per
 * group, for its last request), PDP set when private data is non-zero. The code is
 * copied as is: a code VT-d does not know makes a descriptor the device refuses. */
void emu_vtd_pgrp_resp_from_generic(const struct sva_page_response *resp, struct emu_vtd_pgrp_resp *r);
void emu_vtd_pgrp_resp_to_generic(const struct emu_vtd_pgrp_resp *r, struct sva_page_response *resp);

/* ---- fault record ---- */
#define EMU_VTD_FRCD0_FI 0xfffffffffffff000ull
#define EMU_VTD_FRCD0_RSVD 0xfffull
#define EMU_VTD_FRCD1_SID 0xffffull
#define EMU_VTD_FRCD1_RSVD (0x1fffull << 16)
#define EMU_VTD_FRCD1_PRIV (1ull << 29)
#define EMU_VTD_FRCD1_EXE (1ull << 30)
#define EMU_VTD_FRCD1_PP (1ull << 31)
#define EMU_VTD_FRCD1_FR_SHIFT 32
#define EMU_VTD_FRCD1_PV_SHIFT 40
#define EMU_VTD_FRCD1_AT_SHIFT 60
#define EMU_VTD_FRCD1_T (1ull << 62)
#define EMU_VTD_FRCD1_F (1ull << 63)

#define EMU_VTD_FR_PASID_ENTRY_NP 0x59u /* present bit in PASID table entry clear */
#define EMU_VTD_FR_FL_ENTRY_NP 0x71u    /* present bit in first-level paging entry clear */
#define EMU_VTD_FR_NON_CANONICAL 0x80u
#define EMU_VTD_FR_US_CLEAR 0x81u       /* U/S 0 for a user-privilege request */
#define EMU_VTD_FR_NO_EXEC 0x82u
#define EMU_VTD_FR_ADDR_BEYOND 0x83u    /* address beyond the DMA hardware maximum */
#define EMU_VTD_FR_NO_WRITE 0x85u
#define EMU_VTD_FR_NO_READ 0x86u
#define EMU_VTD_FR_AD_UPDATE 0x90u      /* A/D update needed in a first-level entry */

struct emu_vtd_fault_rec {
	uint64_t addr;   /* fault info, page address */
	uint16_t sid;    /* source ID */
	bool priv, exe, pp;
	uint8_t reason;  /* FR */
	uint32_t pasid;  /* PV */
	uint8_t at;      /* address type (0 untranslated) */
	bool read;       /* T: 1 read or AtomicOp, 0 write */
	bool f;          /* fault (valid) bit */
};

void emu_vtd_frcd_encode(const struct emu_vtd_fault_rec *r, uint64_t rec[2]);
/* 0, or -EINVAL: F clear, reserved bit set, AT 3, PV/PRIV/EXE without PP. */
int emu_vtd_frcd_decode(const uint64_t rec[2], struct emu_vtd_fault_rec *r);
/* from_generic: 0, or -EINVAL (dev_id > 0xffff, pasid > 0xfffff, or a reason VT-d has
 * no fault reason for and no hw_event given). A non-zero ev->hw_event is used as the
 * fault reason itself. */
int emu_vtd_frcd_from_generic(const struct sva_fault_unrecov *ev, struct emu_vtd_fault_rec *r);
void emu_vtd_frcd_to_generic(const struct emu_vtd_fault_rec *r, struct sva_fault_unrecov *ev);

/* ---- model inspection and raw access (tests, fault injection) ---- */
struct emu_vtd_regs {
	uint64_t pqh, pqt;   /* PRQ head/tail byte offsets */
	uint32_t prs;        /* PPR bit 0, PRO bit 1 */
	uint32_t fsts;       /* PFO bit 0, PPF bit 1 */
	uint32_t fri;        /* next fault record index the device writes */
	uint64_t iqh, iqt;   /* invalidation queue head/tail byte offsets */
};
#define EMU_VTD_PRS_PPR 0x1u
#define EMU_VTD_PRS_PRO 0x2u
#define EMU_VTD_FSTS_PFO 0x1u
#define EMU_VTD_FSTS_PPF 0x2u

void emu_vtd_regs_get(const void *q, struct emu_vtd_regs *regs);
/* Poll side: write one raw 32-byte descriptor to the invalidation queue and ring the
 * doorbell. 0, or -ENOSPC when the queue is full. */
int emu_vtd_resp_write_raw(void *q, const void *desc);
/* Device side: write one raw 16-byte fault record (F is forced: it is the ownership
 * bit). 0, or -ENOSPC (dropped, PFO raised). */
int emu_vtd_evtq_write_raw(void *q, const void *rec);

#ifdef __cplusplus
}
#endif

#endif /* EMU_VTD_H */
