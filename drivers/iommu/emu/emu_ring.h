/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef EMU_RING_H
#define EMU_RING_H

/*
 * Ring plumbing the two queue models (emu_vtd.c, emu_smmuv3.c) share:
 *  - the layout of their queue memory (a header, then rings each 4 KiB aligned),
 *    and the depth check of emu_queue_cfg;
 *  - wrap-bit queue pointers (SMMUv3 PROD/CONS, SMMUv3 IHI0070 3.5.1: the low
 *    log2(depth) bits are the index, the next bit the wrap bit), used by the SMMUv3
 *    queues and by the auto-response ring below;
 *  - the doorbell of a batch (one release store of the producer register);
 *  - the auto-response ring: page group responses the IOMMU itself generates for
 *    page requests it drops (SMMUv3 8.1 / 8.2, VT-d 7.4.1 Table 31), which the device
 *    side reads before the software responses (emu_model_ops.resp_read);
 *  - the exported out-of-line wrappers over the inline codecs.
 * Nothing here allocates, locks or calls the kernel.
 */

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <rte_common.h>

#include "emu_codec_pvt.h"
#include "sva_fault.h"

/* ---- queue memory layout ---- */

/* PQA, IQA (VT-d) and the SMMUv3 queue bases are page aligned here, as hardware wants. */
#define EMU_RING_ALIGN 4096u

/* Place a region of bytes at *off (aligned) and move *off past it; returns its offset. */
static inline size_t
emu_ring_place(size_t *off, size_t bytes)
{
	size_t at = RTE_ALIGN_CEIL(*off, EMU_RING_ALIGN);

	*off = at + bytes;
	return at;
}

/* A queue depth the model accepts: a power of two within [min, max]. */
static inline bool
emu_ring_depth_ok(uint32_t d, uint32_t min, uint32_t max)
{
	return rte_is_power_of_2(d) && d >= min && d <= max;
}

/* ---- wrap-bit queue pointers (index | wrap; flags above are kept by emu_wp_inc) ---- */

static inline uint32_t
emu_wp_mask(uint32_t shift)
{
	return (2u << shift) - 1;   /* wrap bit and index */
}

static inline uint32_t
emu_wp_idx(uint32_t v, uint32_t shift)
{
	return v & ((1u << shift) - 1);
}

/* Full: index equal, wrap different. */
static inline bool
emu_wp_full(uint32_t prod, uint32_t cons, uint32_t shift)
{
	return ((prod ^ cons) & emu_wp_mask(shift)) == (1u << shift);
}

/* Empty: index and wrap equal. */
static inline bool
emu_wp_empty(uint32_t prod, uint32_t cons, uint32_t shift)
{
	return ((prod ^ cons) & emu_wp_mask(shift)) == 0;
}

static inline uint32_t
emu_wp_inc(uint32_t v, uint32_t shift)
{
	return (v & ~emu_wp_mask(shift)) | ((v + 1) & emu_wp_mask(shift));
}

/* ---- doorbell: one producer-register write per batch, and its counters ---- */
#define EMU_RING_DOORBELL(reg, val, written, doorbells, n) do { \
	EMU_STORE_REL((reg), (val)); \
	EMU_CNT_ADD((written), (n)); \
	EMU_CNT_ADD((doorbells), 1); \
} while (0)

/* ---- auto-responses (IOMMU -> device, device side only) ---- */

/*
 * Responses the IOMMU generated itself, waiting for the device side to read them. Both
 * ends are on the device side (the write that drops a request, resp_read), which the
 * emu driver serialises: no atomics. At most one per outstanding page-request group
 * is ever pending: the emu devices keep at most EMU_MAX_DEVS (32) x pr_depth (64) =
 * 2048 groups in flight, hence the depth. A push onto a full ring (a caller that never
 * reads responses) is refused and counted (lost).
 */
#define EMU_AUTORESP_DEPTH 2048u

struct emu_autoresp_ent {
	uint32_t dev_id;
	uint32_t pasid;      /* with pasid_valid */
	uint16_t grpid;
	uint8_t pasid_valid;
	uint8_t code;        /* enum sva_page_resp_code (PCIe) */
};

struct emu_autoresp {
	uint32_t prod, cons;           /* wrap-bit pointers */
	uint64_t generated, lost;      /* counters (read by counters_get) */
	struct emu_autoresp_ent ent[EMU_AUTORESP_DEPTH];
};

#define EMU_AUTORESP_SHIFT 11
_Static_assert((1u << EMU_AUTORESP_SHIFT) == EMU_AUTORESP_DEPTH, "auto-response depth");

static inline int
emu_autoresp_push(struct emu_autoresp *ar, uint32_t dev_id, bool pasid_valid, uint32_t pasid,
		uint16_t grpid, uint8_t code)
{
	struct emu_autoresp_ent *e;

	if (unlikely(emu_wp_full(ar->prod, ar->cons, EMU_AUTORESP_SHIFT))) {
		EMU_CNT_ADD(&ar->lost, 1);
		return -ENOSPC;
	}
	e = &ar->ent[emu_wp_idx(ar->prod, EMU_AUTORESP_SHIFT)];
	e->dev_id = dev_id;
	e->pasid = pasid_valid ? pasid : 0;
	e->pasid_valid = pasid_valid;
	e->grpid = grpid;
	e->code = code;
	ar->prod = emu_wp_inc(ar->prod, EMU_AUTORESP_SHIFT);
	EMU_CNT_ADD(&ar->generated, 1);
	return 0;
}

/* Up to n pending auto-responses into out, oldest first; returns how many. */
static inline uint16_t
emu_autoresp_pop(struct emu_autoresp *ar, struct sva_page_response *out, uint16_t n)
{
	uint16_t k = 0;

	while (k < n && !emu_wp_empty(ar->prod, ar->cons, EMU_AUTORESP_SHIFT)) {
		const struct emu_autoresp_ent *e = &ar->ent[emu_wp_idx(ar->cons, EMU_AUTORESP_SHIFT)];
		struct sva_page_response *r = &out[k++];

		memset(r, 0, sizeof(*r));
		r->argsz = sizeof(*r);
		r->flags = e->pasid_valid ? SVA_PAGE_RESP_PASID_VALID : 0;
		r->dev_id = e->dev_id;
		r->pasid = e->pasid;
		r->grpid = e->grpid;
		r->code = e->code;
		ar->cons = emu_wp_inc(ar->cons, EMU_AUTORESP_SHIFT);
	}
	return k;
}

/*
 * ---- nested (vSVA) side information of a page request ----
 * Which stage of a nested walk faulted is the model's side information, not a field of
 * the hardware entry (a VT-d page request descriptor and an SMMUv3 PRI entry carry the
 * untranslated address the device asked for, nothing more). The device side hands it
 * to prq_write in the generic request (emu_model.h: a nested request carries
 * SVA_FAULT_PR_NESTED_S1 or _S2, gpa, the record's address in addr, and the hardware
 * word's address in user_cookie); the model keeps it per ring slot, as it keeps the
 * timestamp, and its decoder adds it back to the generic record. A raw (injected)
 * entry has none.
 */
struct emu_pr_nest {
	uint64_t gpa;    /* with SVA_FAULT_PR_NESTED_S2 */
	uint64_t addr;   /* the record's address (S1: the GVA; S2: where guest RAM maps gpa) */
	uint32_t flags;  /* SVA_FAULT_PR_NESTED_S1 or _S2, or 0 */
	uint32_t pad;
};

#define EMU_PR_NESTED (SVA_FAULT_PR_NESTED_S1 | SVA_FAULT_PR_NESTED_S2)

/* The address the hardware entry carries for pr: the untranslated one. */
static inline uint64_t
emu_pr_word_addr(const struct sva_fault_page_req *pr)
{
	return (pr->flags & EMU_PR_NESTED) ? pr->user_cookie : pr->addr;
}

static inline void
emu_pr_nest_keep(struct emu_pr_nest *n, const struct sva_fault_page_req *pr)
{
	n->flags = pr->flags & EMU_PR_NESTED;
	n->gpa = (pr->flags & SVA_FAULT_PR_NESTED_S2) ? pr->gpa : 0;
	n->addr = n->flags != 0 ? pr->addr : 0;
	n->pad = 0;
}

/* The same slots beside the event queue: an unrecoverable nested fault's stage
 * (SVA_FAULT_UNRECOV_NESTED_S1 or _S2) and gpa; addr stays the record's own. */
#define EMU_EV_NESTED (SVA_FAULT_UNRECOV_NESTED_S1 | SVA_FAULT_UNRECOV_NESTED_S2)

static inline void
emu_ev_nest_keep(struct emu_pr_nest *n, const struct sva_fault_unrecov *ev)
{
	n->flags = ev->flags & EMU_EV_NESTED;
	n->gpa = (ev->flags & SVA_FAULT_UNRECOV_NESTED_S2) ? ev->gpa : 0;
	n->addr = 0;
	n->pad = 0;
}

static inline void
emu_ev_nest_apply(const struct emu_pr_nest *n, struct sva_fault_unrecov *ev)
{
	ev->gpasid = 0;
	ev->reserved2 = 0;
	ev->user_cookie = 0;
	if (!(ev->flags & SVA_FAULT_UNRECOV_NESTED_S2))
		ev->gpa = 0;     /* else the decoder's: the IPA the words carry (SMMUv3 S2) */
	if (n == NULL || n->flags == 0)
		return;
	ev->flags |= n->flags;
	if (n->flags & SVA_FAULT_UNRECOV_NESTED_S2)
		ev->gpa = n->gpa;
}

/* After the decoder: the record as the device meant it. */
static inline void
emu_pr_nest_apply(const struct emu_pr_nest *n, struct sva_fault_page_req *pr)
{
	pr->gpasid = 0;
	pr->reserved = 0;
	pr->user_cookie = 0;
	pr->gpa = 0;
	if (n->flags == 0)
		return;
	pr->flags |= n->flags;
	pr->gpa = n->gpa;
	/* the page of the record's address; the word's offset bits are not kept */
	pr->addr = n->addr & ~UINT64_C(0xfff);
}

/* ---- exported codecs: the inline code, out of line, for tests and tools ---- */
#define EMU_CODEC_EXPORT(ret, name, inl, params, args) \
	ret name params { return inl args; }
#define EMU_CODEC_EXPORT_VOID(name, inl, params, args) \
	void name params { inl args; }

#endif /* EMU_RING_H */
