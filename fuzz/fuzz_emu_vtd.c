/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * fuzz-emu_vtd: the emu VT-d codecs and queue model.
 * Input: a mode byte, then the mode's bytes.
 *  0  the queue model (PRQ, fault records, invalidation queue) under an operation
 *     stream, against a shadow (fuzz_model.h)
 *  1  page request descriptor: decode(raw) accepted => encode(decode(raw)) == raw, and
 *     the generic record round trip gives the same descriptor
 *  2  page request fields -> encode -> decode: accepted exactly when the fields make a
 *     legal descriptor, and then equal
 *  3  generic page request -> descriptor -> generic: the fields VT-d carries survive
 *  4  page group response descriptor: decode(raw) accepted => encode == raw
 *  5  generic response -> descriptor -> device's decode: equal when within widths
 *  6  fault record: decode(raw) accepted => encode == raw, generic round trip
 *  7  generic event -> fault record -> generic
 */
#include <errno.h>
#include <inttypes.h>

#include "emu_vtd.h"
#include "fuzz_model.h"

static int
prq_encode(const struct sva_fault_page_req *pr, void *raw)
{
	struct emu_vtd_page_req r;

	if (emu_vtd_page_req_from_generic(pr, &r) != 0)
		return -EINVAL;
	emu_vtd_prq_encode(&r, raw);
	return 0;
}

static int
prq_expect(const void *raw, struct sva_fault_page_req *pr)
{
	struct emu_vtd_page_req r;

	if (emu_vtd_prq_decode(raw, &r) != 0)
		return -EINVAL;
	emu_vtd_page_req_to_generic(&r, pr);
	return 0;
}

/* VT-d 7.4.1 Table 31: a dropped request with LPIG = 1 (read or write asked) is
 * answered Success by the IOMMU itself, to its RID, PRG index and PASID when present. */
static int
prq_auto_resp(const void *raw, struct sva_page_response *out)
{
	uint64_t d[4];
	bool pp;

	memcpy(d, raw, sizeof(d));
	if (!(d[1] & EMU_VTD_PRQ1_LPIG) || !(d[1] & (EMU_VTD_PRQ1_READ | EMU_VTD_PRQ1_WRITE)))
		return 0;
	pp = (d[0] & EMU_VTD_PRQ0_PASID_P) != 0;
	memset(out, 0, sizeof(*out));
	out->argsz = sizeof(*out);
	out->flags = pp ? SVA_PAGE_RESP_PASID_VALID : 0;
	out->dev_id = (uint16_t)(d[0] >> EMU_VTD_PRQ0_RID_SHIFT);
	out->pasid = pp ? (uint32_t)(d[0] >> EMU_VTD_PRQ0_PASID_SHIFT) & 0xfffff : 0;
	out->grpid = (uint32_t)(d[1] >> EMU_VTD_PRQ1_PRG_SHIFT) & 0x1ff;
	out->code = SVA_PAGE_RESP_SUCCESS;
	return 1;
}

static int
evtq_encode(const struct sva_fault_unrecov *ev, void *raw)
{
	struct emu_vtd_fault_rec r;

	if (emu_vtd_frcd_from_generic(ev, &r) != 0)
		return -EINVAL;
	emu_vtd_frcd_encode(&r, raw);
	return 0;
}

static int
evtq_raw_valid(const void *raw)
{
	uint64_t rec[2];
	struct emu_vtd_fault_rec r;

	memcpy(rec, raw, sizeof(rec));
	rec[1] |= EMU_VTD_FRCD1_F; /* the raw write forces F: it is the ownership bit */
	return emu_vtd_frcd_decode(rec, &r) == 0;
}

static int
resp_raw_expect(const void *raw, struct sva_page_response *out)
{
	struct emu_vtd_pgrp_resp r;

	if (emu_vtd_pgrp_resp_decode(raw, &r) != 0)
		return -EINVAL;
	emu_vtd_pgrp_resp_to_generic(&r, out);
	return 0;
}

static int
resp_expect(const struct sva_page_response *in, struct sva_page_response *out)
{
	struct emu_vtd_pgrp_resp r;
	uint64_t desc[4];

	emu_vtd_pgrp_resp_from_generic(in, &r);
	emu_vtd_pgrp_resp_encode(&r, desc);
	return resp_raw_expect(desc, out);
}

static const struct fz_model vtd_model = {
	.ops = &emu_model_vtd,
	.prq_entry_size = EMU_VTD_PRQ_DESC_SIZE,
	.evtq_entry_size = EMU_VTD_FRCD_SIZE,
	.resp_entry_size = EMU_VTD_INV_DESC_SIZE,
	.strict_overflow_order = true,
	.prq_min = EMU_VTD_PRQ_DEPTH_MIN, .prq_max = 256,
	.evtq_min = EMU_VTD_FRQ_DEPTH_MIN, .evtq_max = 16,
	.resp_min = EMU_VTD_IQ_DEPTH_MIN, .resp_max = 256,
	.prq_encode = prq_encode,
	.evtq_encode = evtq_encode,
	.prq_expect = prq_expect,
	.resp_expect = resp_expect,
	.resp_raw_expect = resp_raw_expect,
	.resp_write_raw = emu_vtd_resp_write_raw,
	.evtq_write_raw = emu_vtd_evtq_write_raw,
	.evtq_raw_valid = evtq_raw_valid,
	.prq_auto_resp = prq_auto_resp,
};

static void
prq_raw(struct fz_in *in)
{
	uint64_t desc[4], again[4];
	struct emu_vtd_page_req r, r2;
	struct sva_fault_page_req pr;

	fz_bytes(in, desc, sizeof(desc));
	if (emu_vtd_prq_decode(desc, &r) != 0)
		return;
	emu_vtd_prq_encode(&r, again);
	FZ_CHECK(memcmp(desc, again, sizeof(desc)) == 0, "vtd prq: encode(decode(d)) != d: "
		"%016" PRIx64 " %016" PRIx64 " -> %016" PRIx64 " %016" PRIx64,
		desc[0], desc[1], again[0], again[1]);
	/* through the generic record and back: the same descriptor */
	emu_vtd_page_req_to_generic(&r, &pr);
	FZ_CHECK(emu_vtd_page_req_from_generic(&pr, &r2) == 0, "vtd prq: a decoded request's "
		"generic record is refused by from_generic");
	emu_vtd_prq_encode(&r2, again);
	FZ_CHECK(memcmp(desc, again, sizeof(desc)) == 0, "vtd prq: generic round trip changed "
		"the descriptor: %016" PRIx64 " %016" PRIx64 " -> %016" PRIx64 " %016" PRIx64,
		desc[0], desc[1], again[0], again[1]);
}

static void
prq_fields(struct fz_in *in)
{
	struct emu_vtd_page_req r, back;
	uint64_t desc[4];
	uint8_t b = fz_u8(in);
	bool legal;

	memset(&r, 0, sizeof(r));
	r.type = (b & 0x80) ? fz_u8(in) : EMU_VTD_PRQ_TYPE_PAGE_REQ;
	r.pasid_present = b & 1;
	r.pdp = b & 2;
	r.exec = b & 4;
	r.priv = b & 8;
	b = fz_u8(in);
	r.read = b & 1;
	r.write = b & 2;
	r.last = b & 4;
	r.rid = fz_u16(in);
	r.pasid = fz_u32(in) & 0xfffff;
	r.prg_index = fz_u16(in) & 0x1ff;
	r.addr = fz_u64(in) & EMU_VTD_PRQ1_ADDR;
	if (b & 8) {
		r.priv_data[0] = fz_u64(in);
		r.priv_data[1] = fz_u64(in);
	}
	emu_vtd_prq_encode(&r, desc);
	legal = r.type == EMU_VTD_PRQ_TYPE_PAGE_REQ &&
		(r.pasid_present || (r.pasid == 0 && !r.exec && !r.priv)) &&
		(r.pdp || (r.priv_data[0] | r.priv_data[1]) == 0);
	if (!legal) {
		FZ_CHECK(emu_vtd_prq_decode(desc, &back) == -EINVAL, "vtd prq: an illegal "
			"request decodes (type %u pasid_p %d pasid %x exec %d priv %d pdp %d)",
			r.type, r.pasid_present, r.pasid, r.exec, r.priv, r.pdp);
		return;
	}
	FZ_CHECK(emu_vtd_prq_decode(desc, &back) == 0, "vtd prq: a legal request is refused");
	FZ_CHECK(back.type == r.type && back.pasid_present == r.pasid_present &&
		back.pdp == r.pdp && back.exec == r.exec && back.priv == r.priv &&
		back.read == r.read && back.write == r.write && back.last == r.last &&
		back.rid == r.rid && back.pasid == r.pasid && back.prg_index == r.prg_index &&
		back.addr == r.addr && back.priv_data[0] == r.priv_data[0] &&
		back.priv_data[1] == r.priv_data[1], "vtd prq: decode(encode(r)) != r");
}

static void
prq_generic(struct fz_in *in)
{
	struct sva_fault_page_req pr, back;
	struct emu_vtd_page_req r;
	uint64_t desc[4];
	bool pv;
	int ret;

	fz_gen_page_req(in, &pr);
	pv = pr.flags & SVA_FAULT_PR_PASID_VALID;
	ret = emu_vtd_page_req_from_generic(&pr, &r);
	if (pr.dev_id > 0xffff || pr.grpid > 0x1ff || (pv && pr.pasid > 0xfffff) ||
			(!pv && (pr.perm & (SVA_FAULT_PERM_EXEC | SVA_FAULT_PERM_PRIV)))) {
		FZ_CHECK(ret == -EINVAL, "vtd from_generic accepted what VT-d cannot carry "
			"(dev %x pasid %x prg %u perm %x flags %x)", pr.dev_id, pr.pasid, pr.grpid,
			pr.perm, pr.flags);
		return;
	}
	FZ_CHECK(ret == 0, "vtd from_generic refused a request that fits");
	emu_vtd_prq_encode(&r, desc);
	FZ_CHECK(emu_vtd_prq_decode(desc, &r) == 0, "vtd: the encoding of a generic request "
		"does not decode");
	emu_vtd_page_req_to_generic(&r, &back);
	FZ_CHECK(back.flags == (pr.flags & (SVA_FAULT_PR_PASID_VALID | SVA_FAULT_PR_LAST_PAGE |
		SVA_FAULT_PR_PRIV_DATA)) && back.pasid == (pv ? pr.pasid : 0) &&
		back.grpid == pr.grpid && back.perm == pr.perm &&
		back.addr == (pr.addr & EMU_VTD_PRQ1_ADDR) && back.dev_id == pr.dev_id &&
		back.private_data[0] == ((pr.flags & SVA_FAULT_PR_PRIV_DATA) ? pr.private_data[0] : 0) &&
		back.private_data[1] == ((pr.flags & SVA_FAULT_PR_PRIV_DATA) ? pr.private_data[1] : 0),
		"vtd: generic request round trip: flags %x/%x pasid %x/%x perm %x/%x",
		back.flags, pr.flags, back.pasid, pr.pasid, back.perm, pr.perm);
}

static void
pgrp_raw(struct fz_in *in)
{
	uint64_t desc[4], again[4];
	struct emu_vtd_pgrp_resp r;

	fz_bytes(in, desc, sizeof(desc));
	if (emu_vtd_pgrp_resp_decode(desc, &r) != 0)
		return;
	FZ_CHECK(r.code == EMU_VTD_RESP_SUCCESS || r.code == EMU_VTD_RESP_INVALID ||
		r.code == EMU_VTD_RESP_FAILURE, "vtd pgrp: reserved code %u decoded", r.code);
	emu_vtd_pgrp_resp_encode(&r, again);
	FZ_CHECK(memcmp(desc, again, sizeof(desc)) == 0, "vtd pgrp: encode(decode(d)) != d: "
		"%016" PRIx64 " %016" PRIx64 " -> %016" PRIx64 " %016" PRIx64,
		desc[0], desc[1], again[0], again[1]);
}

static void
pgrp_generic(struct fz_in *in)
{
	struct sva_page_response resp, back;
	bool fits;
	int ret;

	fz_gen_resp(in, &resp);
	ret = resp_expect(&resp, &back);
	fits = resp.dev_id <= 0xffff && resp.grpid <= 0x1ff &&
		(!(resp.flags & SVA_PAGE_RESP_PASID_VALID) || resp.pasid <= 0xfffff);
	if (resp.code != SVA_PAGE_RESP_SUCCESS && resp.code != SVA_PAGE_RESP_INVALID &&
			resp.code != SVA_PAGE_RESP_FAILURE) {
		/* a code VT-d does not know: the device must refuse the descriptor */
		FZ_CHECK(ret != 0, "vtd: response code %u reached the device", resp.code);
		return;
	}
	FZ_CHECK(ret == 0, "vtd: a response with code %u is refused by the device", resp.code);
	if (!fits)
		return;
	FZ_CHECK(back.dev_id == resp.dev_id && back.grpid == resp.grpid &&
		back.code == resp.code && back.flags == resp.flags &&
		back.pasid == ((resp.flags & SVA_PAGE_RESP_PASID_VALID) ? resp.pasid : 0) &&
		back.private_data[0] == resp.private_data[0] &&
		back.private_data[1] == resp.private_data[1], "vtd: response round trip: dev %x/%x "
		"prg %u/%u pasid %x/%x code %u/%u", back.dev_id, resp.dev_id, back.grpid, resp.grpid,
		back.pasid, resp.pasid, back.code, resp.code);
}

static void
frcd_raw(struct fz_in *in)
{
	uint64_t rec[2], again[2];
	struct emu_vtd_fault_rec r, r2;
	struct sva_fault_unrecov ev;

	fz_bytes(in, rec, sizeof(rec));
	if (emu_vtd_frcd_decode(rec, &r) != 0)
		return;
	emu_vtd_frcd_encode(&r, again);
	FZ_CHECK(memcmp(rec, again, sizeof(rec)) == 0, "vtd frcd: encode(decode(d)) != d: "
		"%016" PRIx64 " %016" PRIx64 " -> %016" PRIx64 " %016" PRIx64,
		rec[0], rec[1], again[0], again[1]);
	emu_vtd_frcd_to_generic(&r, &ev);
	if (r.reason == 0) /* no fault reason 0: from_generic has nothing to write */
		return;
	FZ_CHECK(emu_vtd_frcd_from_generic(&ev, &r2) == 0, "vtd frcd: a decoded record's "
		"generic event is refused (reason 0x%x)", r.reason);
	r.at = 0; /* the generic event has no address type */
	emu_vtd_frcd_encode(&r, rec);
	emu_vtd_frcd_encode(&r2, again);
	FZ_CHECK(memcmp(rec, again, sizeof(rec)) == 0, "vtd frcd: generic round trip changed "
		"the record: %016" PRIx64 " %016" PRIx64 " -> %016" PRIx64 " %016" PRIx64,
		rec[0], rec[1], again[0], again[1]);
}

static void
frcd_generic(struct fz_in *in)
{
	struct sva_fault_unrecov ev, back;
	struct emu_vtd_fault_rec r;
	uint64_t rec[2];
	bool pp;

	fz_gen_unrecov(in, &ev);
	if (emu_vtd_frcd_from_generic(&ev, &r) != 0)
		return;
	pp = ev.flags & SVA_FAULT_UNRECOV_PASID_VALID;
	FZ_CHECK(ev.dev_id <= 0xffff && (!pp || ev.pasid <= 0xfffff), "vtd frcd: from_generic "
		"accepted dev %x pasid %x", ev.dev_id, ev.pasid);
	emu_vtd_frcd_encode(&r, rec);
	FZ_CHECK(emu_vtd_frcd_decode(rec, &r) == 0, "vtd: the encoding of an event does not "
		"decode");
	emu_vtd_frcd_to_generic(&r, &back);
	FZ_CHECK(back.dev_id == ev.dev_id && back.pasid == (pp ? ev.pasid : 0) &&
		(back.flags & SVA_FAULT_UNRECOV_PASID_VALID) == (pp ? SVA_FAULT_UNRECOV_PASID_VALID : 0) &&
		back.addr == ((ev.flags & SVA_FAULT_UNRECOV_ADDR_VALID) ? ev.addr & EMU_VTD_FRCD0_FI : 0) &&
		(ev.hw_event != 0 || back.reason == ev.reason ||
		 (ev.reason == SVA_FAULT_REASON_PERMISSION && back.reason == ev.reason)),
		"vtd: event round trip: dev %x/%x pasid %x/%x reason %u/%u", back.dev_id, ev.dev_id,
		back.pasid, ev.pasid, back.reason, ev.reason);
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fz_eal_init(); /* the model logs through rte_log */
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fz_in in = { data, size };

	switch (fz_u8(&in) % 8) {
	case 0: fz_model_run(&vtd_model, &in); break;
	case 1: prq_raw(&in); break;
	case 2: prq_fields(&in); break;
	case 3: prq_generic(&in); break;
	case 4: pgrp_raw(&in); break;
	case 5: pgrp_generic(&in); break;
	case 6: frcd_raw(&in); break;
	default: frcd_generic(&in); break;
	}
	return 0;
}
