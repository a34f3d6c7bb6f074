/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * fuzz-emu_smmuv3: the emu SMMUv3 codecs and queue model.
 * Input: a mode byte, then the mode's bytes.
 *  0  the queue model (PRIQ, EVTQ, CMDQ) under an operation stream, against a shadow
 *     (fuzz_model.h)
 *  1  PRI queue entry: decode(raw) accepted => encode(decode(raw)) == raw (SubstreamID
 *     cleared without SSV), and the generic round trip gives the same entry
 *  2  generic page request -> PRI entry -> generic
 *  3  event entry: decode(raw) accepted => encode == raw (SubstreamID cleared without
 *     SSV); the generic event of a decoded entry encodes again
 *  4  generic event -> event entry -> generic
 *  5  CMD_PRI_RESP: decode(raw) accepted => encode == raw; response code mapping
 *  6  CMD_RESUME: decode(raw) accepted => encode == raw
 *  7  generic response -> CMD_PRI_RESP -> device's decode
 */
#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include "emu_model.h"
#include "emu_smmuv3.h"
#include "fuzz_model.h"

#define SSID_BITS ((uint64_t)0xfffff << EMU_SMMUV3_PRI0_SSID_SHIFT)

/* SMMUv3 8.1: while the PRI queue overflows, a dropped request with Last = 1 is answered
 * Success by the SMMU itself (StreamID, PRG index, PASID with SSV: SMMU_IDR3.PPS == 1); a
 * stop marker (Last, R = W = 0, SSV) and Last == 0 get nothing. */
static int
prq_auto_resp(const void *raw, struct sva_page_response *out)
{
	uint64_t e[2];
	bool ssv;

	memcpy(e, raw, sizeof(e));
	ssv = (e[0] & EMU_SMMUV3_PRI0_SSV) != 0;
	if (!(e[0] & EMU_SMMUV3_PRI0_LAST) ||
			(ssv && !(e[0] & (EMU_SMMUV3_PRI0_READ | EMU_SMMUV3_PRI0_WRITE))))
		return 0;
	memset(out, 0, sizeof(*out));
	out->argsz = sizeof(*out);
	out->flags = ssv ? SVA_PAGE_RESP_PASID_VALID : 0;
	out->dev_id = (uint32_t)(e[0] & EMU_SMMUV3_PRI0_SID);
	out->pasid = ssv ? (uint32_t)(e[0] >> EMU_SMMUV3_PRI0_SSID_SHIFT) & 0xfffff : 0;
	out->grpid = (uint32_t)(e[1] & EMU_SMMUV3_PRI1_PRG);
	out->code = SVA_PAGE_RESP_SUCCESS;
	return 1;
}

static int
prq_encode(const struct sva_fault_page_req *pr, void *raw)
{
	struct emu_smmuv3_pri r;

	if (emu_smmuv3_pri_from_generic(pr, &r) != 0)
		return -EINVAL;
	emu_smmuv3_pri_encode(&r, raw);
	return 0;
}

static int
prq_expect(const void *raw, struct sva_fault_page_req *pr)
{
	struct emu_smmuv3_pri r;

	if (emu_smmuv3_pri_decode(raw, &r) != 0)
		return -EINVAL;
	emu_smmuv3_pri_to_generic(&r, pr);
	return 0;
}

static int
evtq_encode(const struct sva_fault_unrecov *ev, void *raw)
{
	struct emu_smmuv3_evt r;

	if (emu_smmuv3_evt_from_generic(ev, &r) != 0)
		return -EINVAL;
	emu_smmuv3_evt_encode(&r, raw);
	return 0;
}

static int
evtq_raw_valid(const void *raw)
{
	struct emu_smmuv3_evt r;

	return emu_smmuv3_evt_decode(raw, &r) == 0;
}

static int
resp_raw_expect(const void *raw, struct sva_page_response *out)
{
	struct emu_smmuv3_pri_resp r;

	struct emu_smmuv3_resume rs;
	uint64_t cmd[2];
	uint32_t sid;

	if (emu_smmuv3_pri_resp_decode(raw, &r) == 0)
		return emu_smmuv3_pri_resp_to_generic(&r, out);
	/* The stall model's commands reach the device too (4.7.1 CMD_RESUME: Retry ->
	 * Success, Abort -> Invalid, terminate -> Failure; 4.7.2 CMD_STALL_TERM: every
	 * stall of the StreamID, aborted). */
	memcpy(cmd, raw, sizeof(cmd));
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

static int
resp_expect(const struct sva_page_response *in, struct sva_page_response *out)
{
	struct emu_smmuv3_pri_resp r;
	uint64_t cmd[2];

	emu_smmuv3_pri_resp_from_generic(in, &r);
	emu_smmuv3_pri_resp_encode(&r, cmd);
	return resp_raw_expect(cmd, out);
}

static const struct fz_model smmu_model = {
	.ops = &emu_model_smmuv3,
	.prq_entry_size = EMU_SMMUV3_PRIQ_ENT_SIZE,
	.evtq_entry_size = EMU_SMMUV3_EVTQ_ENT_SIZE,
	.resp_entry_size = EMU_SMMUV3_CMDQ_ENT_SIZE,
	.prq_min = 1, .prq_max = 16,
	.evtq_min = 1, .evtq_max = 16,
	.resp_min = 1, .resp_max = 16,
	.prq_encode = prq_encode,
	.evtq_encode = evtq_encode,
	.prq_expect = prq_expect,
	.resp_expect = resp_expect,
	.resp_raw_expect = resp_raw_expect,
	.resp_write_raw = emu_smmuv3_cmdq_write_raw,
	.evtq_write_raw = emu_smmuv3_evtq_write_raw,
	.evtq_raw_valid = evtq_raw_valid,
	/* 8.1: an active PRI overflow inhibits new entries, as on VT-d. */
	.strict_overflow_order = true,
	.prq_auto_resp = prq_auto_resp,
};

static void
pri_raw(struct fz_in *in)
{
	uint64_t ent[2], again[2];
	struct emu_smmuv3_pri r, r2;
	struct sva_fault_page_req pr;

	fz_bytes(in, ent, sizeof(ent));
	if (emu_smmuv3_pri_decode(ent, &r) != 0)
		return;
	FZ_CHECK(r.ssv || (!r.priv && !r.exec && r.ssid == 0), "smmuv3 pri: Priv/Exec/SSID "
		"decoded without SSV");
	if (!(ent[0] & EMU_SMMUV3_PRI0_SSV))
		ent[0] &= ~SSID_BITS; /* UNKNOWN without SSV: ignored */
	emu_smmuv3_pri_encode(&r, again);
	FZ_CHECK(memcmp(ent, again, sizeof(ent)) == 0, "smmuv3 pri: encode(decode(d)) != d: "
		"%016" PRIx64 " %016" PRIx64 " -> %016" PRIx64 " %016" PRIx64,
		ent[0], ent[1], again[0], again[1]);
	emu_smmuv3_pri_to_generic(&r, &pr);
	FZ_CHECK(emu_smmuv3_pri_from_generic(&pr, &r2) == 0, "smmuv3 pri: a decoded entry's "
		"generic record is refused");
	emu_smmuv3_pri_encode(&r2, again);
	FZ_CHECK(memcmp(ent, again, sizeof(ent)) == 0, "smmuv3 pri: generic round trip changed "
		"the entry");
}

static void
pri_generic(struct fz_in *in)
{
	struct sva_fault_page_req pr, back;
	struct emu_smmuv3_pri r;
	uint64_t ent[2];
	bool pv;
	int ret;

	fz_gen_page_req(in, &pr);
	pv = pr.flags & SVA_FAULT_PR_PASID_VALID;
	ret = emu_smmuv3_pri_from_generic(&pr, &r);
	if (pr.grpid > 0x1ff || (pv && pr.pasid > 0xfffff) ||
			(!pv && (pr.perm & (SVA_FAULT_PERM_EXEC | SVA_FAULT_PERM_PRIV)))) {
		FZ_CHECK(ret == -EINVAL, "smmuv3 from_generic accepted what SMMUv3 cannot carry "
			"(pasid %x prg %u perm %x flags %x)", pr.pasid, pr.grpid, pr.perm, pr.flags);
		return;
	}
	FZ_CHECK(ret == 0, "smmuv3 from_generic refused a request that fits");
	emu_smmuv3_pri_encode(&r, ent);
	FZ_CHECK(emu_smmuv3_pri_decode(ent, &r) == 0, "smmuv3: the encoding of a generic "
		"request does not decode");
	emu_smmuv3_pri_to_generic(&r, &back);
	FZ_CHECK(back.flags == (pr.flags & (SVA_FAULT_PR_PASID_VALID | SVA_FAULT_PR_LAST_PAGE)) &&
		back.pasid == (pv ? pr.pasid : 0) && back.grpid == pr.grpid &&
		back.perm == pr.perm && back.addr == (pr.addr & EMU_SMMUV3_PRI1_ADDR) &&
		back.dev_id == pr.dev_id, "smmuv3: generic request round trip: flags %x/%x "
		"pasid %x/%x perm %x/%x dev %x/%x", back.flags, pr.flags, back.pasid, pr.pasid,
		back.perm, pr.perm, back.dev_id, pr.dev_id);
}

static void
evt_raw(struct fz_in *in)
{
	uint64_t ent[4], again[4];
	struct emu_smmuv3_evt r, r2;
	struct sva_fault_unrecov ev;

	fz_bytes(in, ent, sizeof(ent));
	if (emu_smmuv3_evt_decode(ent, &r) != 0)
		return;
	/* Without SSV the SubstreamID field is not kept, except in C_BAD_SUBSTREAMID (0x08),
	 * whose SubstreamID is always valid (7.3.9: bit 11 RES0). */
	if (!(ent[0] & EMU_SMMUV3_EVT0_SSV) && (ent[0] & 0xff) != 0x08)
		ent[0] &= ~((uint64_t)0xfffff << EMU_SMMUV3_EVT0_SSID_SHIFT);
	emu_smmuv3_evt_encode(&r, again);
	FZ_CHECK(memcmp(ent, again, sizeof(ent)) == 0, "smmuv3 evt: encode(decode(d)) != d: "
		"%016" PRIx64 " %016" PRIx64 " %016" PRIx64 " %016" PRIx64 " -> %016" PRIx64
		" %016" PRIx64 " %016" PRIx64 " %016" PRIx64, ent[0], ent[1], ent[2], ent[3],
		again[0], again[1], again[2], again[3]);
	emu_smmuv3_evt_to_generic(&r, &ev);
	FZ_CHECK(emu_smmuv3_evt_from_generic(&ev, &r2) == 0, "smmuv3 evt: a decoded event's "
		"generic record is refused (id 0x%x)", r.id);
	FZ_CHECK(r2.id == r.id && r2.ssv == r.ssv && r2.ssid == r.ssid && r2.sid == r.sid,
		"smmuv3 evt: generic round trip changed id/ssv/ssid/sid");
	emu_smmuv3_evt_encode(&r2, again);
	FZ_CHECK(emu_smmuv3_evt_decode(again, &r2) == 0, "smmuv3 evt: re-encoded event does "
		"not decode");
}

static void
evt_generic(struct fz_in *in)
{
	struct sva_fault_unrecov ev, back;
	struct emu_smmuv3_evt r;
	uint64_t ent[4];
	bool pv;

	fz_gen_unrecov(in, &ev);
	if (emu_smmuv3_evt_from_generic(&ev, &r) != 0)
		return;
	pv = ev.flags & SVA_FAULT_UNRECOV_PASID_VALID;
	FZ_CHECK(!pv || ev.pasid <= 0xfffff, "smmuv3 evt: from_generic accepted pasid %x",
		ev.pasid);
	emu_smmuv3_evt_encode(&r, ent);
	FZ_CHECK(emu_smmuv3_evt_decode(ent, &r) == 0, "smmuv3: the encoding of an event "
		"does not decode (id 0x%x)", r.id);
	emu_smmuv3_evt_to_generic(&r, &back);
	FZ_CHECK(back.dev_id == ev.dev_id && back.pasid == (pv ? ev.pasid : 0) &&
		(ev.hw_event != 0 || back.reason == ev.reason), "smmuv3: event round trip: "
		"dev %x/%x pasid %x/%x reason %u/%u", back.dev_id, ev.dev_id, back.pasid, ev.pasid,
		back.reason, ev.reason);
}

static void
cmd_pri_resp_raw(struct fz_in *in)
{
	uint64_t cmd[2], again[2];
	struct emu_smmuv3_pri_resp r;
	struct sva_page_response resp;
	int code;

	fz_bytes(in, cmd, sizeof(cmd));
	if (emu_smmuv3_pri_resp_decode(cmd, &r) != 0)
		return;
	emu_smmuv3_pri_resp_encode(&r, again);
	FZ_CHECK(memcmp(cmd, again, sizeof(cmd)) == 0, "smmuv3 CMD_PRI_RESP: encode(decode(d)) "
		"!= d: %016" PRIx64 " %016" PRIx64 " -> %016" PRIx64 " %016" PRIx64,
		cmd[0], cmd[1], again[0], again[1]);
	code = emu_smmuv3_resp_to_pcie(r.resp);
	FZ_CHECK(code >= 0 && emu_smmuv3_resp_from_pcie((uint32_t)code) == r.resp,
		"smmuv3: response %u does not map to a PCIe code and back", r.resp);
	FZ_CHECK(emu_smmuv3_pri_resp_to_generic(&r, &resp) == 0, "smmuv3: a decoded "
		"CMD_PRI_RESP has no generic response");
}

static void
cmd_resume_raw(struct fz_in *in)
{
	uint64_t cmd[2], again[2];
	struct emu_smmuv3_resume r;

	fz_bytes(in, cmd, sizeof(cmd));
	if (emu_smmuv3_resume_decode(cmd, &r) != 0)
		return;
	FZ_CHECK(r.resp <= EMU_SMMUV3_RESUME_ABORT, "smmuv3 CMD_RESUME: response %u", r.resp);
	emu_smmuv3_resume_encode(&r, again);
	/* Ac and Ab both set (value 3) is Retry: 4.7.1 ignores Ab when Ac is set, so it
	 * encodes back without Ab (bit 13). */
	if ((cmd[0] & (UINT64_C(3) << 12)) == (UINT64_C(3) << 12))
		cmd[0] &= ~(UINT64_C(1) << 13);
	FZ_CHECK(memcmp(cmd, again, sizeof(cmd)) == 0, "smmuv3 CMD_RESUME: encode(decode(d)) "
		"!= d: %016" PRIx64 " %016" PRIx64 " -> %016" PRIx64 " %016" PRIx64,
		cmd[0], cmd[1], again[0], again[1]);
}

static void
resp_generic(struct fz_in *in)
{
	struct sva_page_response resp, back;
	int ret;

	fz_gen_resp(in, &resp);
	ret = resp_expect(&resp, &back);
	if (resp.code != SVA_PAGE_RESP_SUCCESS && resp.code != SVA_PAGE_RESP_INVALID &&
			resp.code != SVA_PAGE_RESP_FAILURE) {
		FZ_CHECK(ret != 0, "smmuv3: response code %u reached the device", resp.code);
		return;
	}
	FZ_CHECK(ret == 0, "smmuv3: a response with code %u is refused by the device", resp.code);
	if (resp.grpid > 0x1ff || ((resp.flags & SVA_PAGE_RESP_PASID_VALID) && resp.pasid > 0xfffff))
		return;
	FZ_CHECK(back.dev_id == resp.dev_id && back.grpid == resp.grpid &&
		back.code == resp.code && back.flags == resp.flags &&
		back.pasid == ((resp.flags & SVA_PAGE_RESP_PASID_VALID) ? resp.pasid : 0),
		"smmuv3: response round trip: dev %x/%x prg %u/%u pasid %x/%x code %u/%u",
		back.dev_id, resp.dev_id, back.grpid, resp.grpid, back.pasid, resp.pasid,
		back.code, resp.code);
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fz_eal_init();
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fz_in in = { data, size };

	switch (fz_u8(&in) % 8) {
	case 0: fz_model_run(&smmu_model, &in); break;
	case 1: pri_raw(&in); break;
	case 2: pri_generic(&in); break;
	case 3: evt_raw(&in); break;
	case 4: evt_generic(&in); break;
	case 5: cmd_pri_resp_raw(&in); break;
	case 6: cmd_resume_raw(&in); break;
	default: resp_generic(&in); break;
	}
	return 0;
}
