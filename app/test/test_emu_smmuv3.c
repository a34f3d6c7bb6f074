/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * emu_smmuv3_autotest: the emu's SMMUv3 formats and queue model, on their own (the emu
 * driver's device-level cases live in their own suite). Bit positions are checked
 * against hardware words computed by hand from the SMMUv3 layouts in emu_smmuv3.h;
 * the queue model is driven from one thread and its PROD/CONS registers (index, wrap,
 * overflow flags) and counters are checked after each step.
 */
#include <pthread.h>
#include <sched.h>
#include <string.h>
#include <unistd.h>

#include <rte_common.h>
#include <rte_cycles.h>

#include "emu_model.h"
#include "emu_smmuv3.h"
#include "sva_test.h"

static uint8_t qmem[1 << 20] __rte_aligned(4096);
static const struct emu_model_ops *const ops = &emu_model_smmuv3;

static void *
smmu_q_new(uint32_t prq, uint32_t evtq, uint32_t respq)
{
	struct emu_queue_cfg cfg = { .prq_depth = prq, .evtq_depth = evtq, .respq_depth = respq };
	size_t sz = ops->mem_size(&cfg);

	if (sz == 0 || sz > sizeof(qmem))
		return NULL;
	memset(qmem, 0, sz);
	return ops->init(qmem, &cfg) == 0 ? qmem : NULL;
}

/* ---------------------------------------------------------------- codecs */

static int
test_smmu_pri_bits(void)
{
	/* dw0 SID 31:0, SSID 51:32, Priv 58, Exec 59, Read 60, Write 61, Last 62, SSV 63;
	 * dw1 PRG 8:0, address 63:12. */
	static const struct { struct emu_smmuv3_pri r; uint64_t dw[2]; } cases[] = {
		{ { .sid = 0 }, { 0, 0 } },
		{ { .sid = 0x12345678 }, { 0x12345678ull, 0 } },
		{ { .sid = 0xffffffff }, { 0xffffffffull, 0 } },
		{ { .ssv = true, .ssid = 0xabcde }, { 0x800abcde00000000ull, 0 } },
		{ { .ssv = true, .ssid = 0xfffff }, { 0x800fffff00000000ull, 0 } },
		{ { .ssv = true, .priv = true }, { 0x8400000000000000ull, 0 } },
		{ { .ssv = true, .exec = true }, { 0x8800000000000000ull, 0 } },
		{ { .read = true }, { 0x1000000000000000ull, 0 } },
		{ { .write = true }, { 0x2000000000000000ull, 0 } },
		{ { .last = true }, { 0x4000000000000000ull, 0 } },
		{ { .prg_index = 0x155 }, { 0, 0x155 } },
		{ { .prg_index = 511 }, { 0, 0x1ff } },
		{ { .addr = 0x0000fffffffff000ull }, { 0, 0x0000fffffffff000ull } },
		{ { .sid = 0xffffffff, .ssid = 0xfffff, .ssv = true, .priv = true, .exec = true,
			.read = true, .write = true, .last = true, .prg_index = 511,
			.addr = 0xfffffffffffff000ull },
			{ 0xfc0fffffffffffffull, 0xfffffffffffff1ffull } },
	};
	static const struct { uint64_t dw[2]; const char *why; } bad[] = {
		{ { 1ull << 52, 0 }, "reserved bit 52" },
		{ { 1ull << 57, 0 }, "reserved bit 57" },
		{ { 0, 1ull << 9 }, "reserved bit 73" },
		{ { 0, 1ull << 11 }, "reserved bit 75" },
		{ { 0x0400000000000000ull, 0 }, "Priv without SSV" },
		{ { 0x0800000000000000ull, 0 }, "Exec without SSV" },
	};
	static const uint64_t pass[][2] = {
		{ 0xd400000100000010ull, 0x1000 },           /* priv + read */
		{ 0x9800000100000010ull, 0x1000 },           /* exec + read */
		{ 0xa000000100000010ull, 0x8000000000001000ull }, /* non-canonical write */
		{ 0x0000000500000010ull, 0x1000 },           /* SubstreamID without SSV: UNKNOWN */
		{ 0x4000000000000010ull, 0 },                /* stop marker */
	};
	struct emu_smmuv3_pri r;

	for (unsigned int i = 0; i < RTE_DIM(cases); i++) {
		uint64_t dw[2];
		const struct emu_smmuv3_pri *w = &cases[i].r;

		emu_smmuv3_pri_encode(w, dw);
		TEST_ASSERT_EQUAL(dw[0], cases[i].dw[0], "case %u dword 0", i);
		TEST_ASSERT_EQUAL(dw[1], cases[i].dw[1], "case %u dword 1", i);
		memset(&r, 0xa5, sizeof(r));
		TEST_ASSERT_SUCCESS(emu_smmuv3_pri_decode(cases[i].dw, &r), "case %u", i);
		TEST_ASSERT(r.sid == w->sid && r.ssid == w->ssid && r.ssv == w->ssv &&
			r.priv == w->priv && r.exec == w->exec && r.read == w->read &&
			r.write == w->write && r.last == w->last && r.prg_index == w->prg_index &&
			r.addr == w->addr, "case %u: decoded fields differ", i);
	}
	for (unsigned int i = 0; i < RTE_DIM(bad); i++) {
		if (emu_smmuv3_pri_decode(bad[i].dw, &r) != -EINVAL)
			TEST_ASSERT(0, "%s was accepted", bad[i].why);
	}
	for (unsigned int i = 0; i < RTE_DIM(pass); i++) {
		TEST_ASSERT_SUCCESS(emu_smmuv3_pri_decode(pass[i], &r), "semantic case %u passes", i);
		if (i == 3)
			TEST_ASSERT(!r.ssv && r.ssid == 0, "SubstreamID ignored without SSV");
	}
	TEST_ASSERT(r.last && !r.read && !r.write && r.sid == 0x10, "stop marker fields");
	return TEST_SUCCESS;
}

static int
test_smmu_evt_bits(void)
{
	/* dw0 ID 7:0, SSV 11, SSID 31:12, SID 63:32; dw1 STAG 15:0, Stall 31, PnU 33,
	 * InD 34, RnW 35, S2 39, CLASS 41:40; dw2 input address; dw3 IPA 51:12. */
	static const struct { struct emu_smmuv3_evt r; uint64_t dw[4]; } cases[] = {
		{ { .id = 0x10 }, { 0x10, 0, 0, 0 } },
		{ { .id = 0x11 }, { 0x11, 0, 0, 0 } },
		{ { .id = 0x12 }, { 0x12, 0, 0, 0 } },
		{ { .id = 0x13 }, { 0x13, 0, 0, 0 } },
		{ { .id = 0x10, .ssv = true, .ssid = 0xabcde }, { 0xabcde810ull, 0, 0, 0 } },
		{ { .id = 0x10, .sid = 0x12345678 }, { 0x1234567800000010ull, 0, 0, 0 } },
		{ { .id = 0x10, .stall = true, .stag = 0x1234 }, { 0x10, 0x80001234ull, 0, 0 } },
		{ { .id = 0x10, .pnu = true }, { 0x10, 0x200000000ull, 0, 0 } },
		{ { .id = 0x10, .ind = true }, { 0x10, 0x400000000ull, 0, 0 } },
		{ { .id = 0x10, .rnw = true }, { 0x10, 0x800000000ull, 0, 0 } },
		{ { .id = 0x10, .s2 = true }, { 0x10, 0x8000000000ull, 0, 0 } },
		{ { .id = 0x10, .cls = 1 }, { 0x10, 0x10000000000ull, 0, 0 } },
		{ { .id = 0x10, .cls = 2 }, { 0x10, 0x20000000000ull, 0, 0 } },
		{ { .id = 0x10, .addr = 0xffff800012345678ull }, { 0x10, 0, 0xffff800012345678ull, 0 } },
		{ { .id = 0x10, .ipa = 0x000ffffffffff000ull }, { 0x10, 0, 0, 0x000ffffffffff000ull } },
		{ { .id = 0x0a, .ssv = true, .ssid = 0x5, .sid = 0x7 }, { 0x000000070000580aull, 0, 0, 0 } },
		{ { .id = 0x08, .ssv = true, .ssid = 0xfffff, .sid = 0xffffffff },
			{ 0xfffffffffffff808ull, 0, 0, 0 } },
		{ { .id = 0x13, .ssv = true, .ssid = 0xfffff, .sid = 0xffffffff, .stag = 0xffff,
			.stall = true, .pnu = true, .ind = true, .rnw = true, .s2 = true, .cls = 2,
			.addr = ~0ull, .ipa = 0x000ffffffffff000ull },
			{ 0xfffffffffffff813ull, 0x0000028e8000ffffull, ~0ull, 0x000ffffffffff000ull } },
	};
	static const struct { uint64_t dw[4]; const char *why; } bad[] = {
		{ { 0x01, 0, 0, 0 }, "event 0x01 (not one the model knows)" },
		{ { 0x24, 0, 0, 0 }, "event 0x24" },
		{ { 0xff, 0, 0, 0 }, "event 0xff" },
		{ { 0x110, 0, 0, 0 }, "reserved bit 8" },
		{ { 0x10, 0x30000000000ull, 0, 0 }, "CLASS 3" },
		{ { 0x10, 0x1, 0, 0 }, "STAG without Stall" },
		{ { 0x10, 1ull << 16, 0, 0 }, "reserved bit 80" },
		{ { 0x10, 1ull << 32, 0, 0 }, "reserved bit 96" },
		{ { 0x10, 1ull << 36, 0, 0 }, "reserved bit 100" },
		{ { 0x10, 1ull << 42, 0, 0 }, "reserved bit 106" },
		{ { 0x10, 1ull << 63, 0, 0 }, "reserved bit 127" },
		{ { 0x10, 0, 0, 1 }, "IPA bit 0" },
		{ { 0x10, 0, 0, 1ull << 52 }, "IPA bit 52" },
		{ { 0x0a, 1, 0, 0 }, "C_BAD_CD with dword 1" },
		{ { 0x08, 0, 0x1000, 0 }, "C_BAD_SUBSTREAMID with an address" },
	};
	struct emu_smmuv3_evt r;

	for (unsigned int i = 0; i < RTE_DIM(cases); i++) {
		uint64_t dw[4];
		const struct emu_smmuv3_evt *w = &cases[i].r;

		emu_smmuv3_evt_encode(w, dw);
		for (unsigned int j = 0; j < 4; j++)
			TEST_ASSERT_EQUAL(dw[j], cases[i].dw[j], "case %u dword %u", i, j);
		memset(&r, 0xa5, sizeof(r));
		TEST_ASSERT_SUCCESS(emu_smmuv3_evt_decode(cases[i].dw, &r), "case %u", i);
		TEST_ASSERT(r.id == w->id && r.ssv == w->ssv && r.ssid == w->ssid && r.sid == w->sid &&
			r.stag == w->stag && r.stall == w->stall && r.pnu == w->pnu &&
			r.ind == w->ind && r.rnw == w->rnw && r.s2 == w->s2 && r.cls == w->cls &&
			r.addr == w->addr && r.ipa == w->ipa, "case %u: decoded fields differ", i);
	}
	for (unsigned int i = 0; i < RTE_DIM(bad); i++) {
		if (emu_smmuv3_evt_decode(bad[i].dw, &r) != -EINVAL)
			TEST_ASSERT(0, "%s was accepted", bad[i].why);
	}
	{
		const uint64_t nossv[4] = { 0xabcde010ull, 0, 0, 0 };

		TEST_ASSERT_SUCCESS(emu_smmuv3_evt_decode(nossv, &r), "SubstreamID without SSV");
		TEST_ASSERT(!r.ssv && r.ssid == 0, "SubstreamID ignored without SSV");
	}
	return TEST_SUCCESS;
}

static int
test_smmu_cmd_bits(void)
{
	/* CMD_PRI_RESP: dw0 opcode 7:0 = 0x41, SSV 11, SSID 31:12, SID 63:32; dw1 PRG 8:0,
	 * response 13:12. */
	static const struct { struct emu_smmuv3_pri_resp r; uint64_t dw[2]; } cases[] = {
		{ { .resp = EMU_SMMUV3_PRI_RESP_DENY }, { 0x41, 0 } },
		{ { .resp = EMU_SMMUV3_PRI_RESP_FAIL }, { 0x41, 0x1000 } },
		{ { .resp = EMU_SMMUV3_PRI_RESP_SUCC }, { 0x41, 0x2000 } },
		{ { .sid = 0x12345678 }, { 0x1234567800000041ull, 0 } },
		{ { .ssv = true, .ssid = 0xabcde }, { 0xabcde841ull, 0 } },
		{ { .prg_index = 0x155 }, { 0x41, 0x155 } },
		{ { .ssv = true, .ssid = 0xfffff, .sid = 0xffffffff, .prg_index = 511,
			.resp = EMU_SMMUV3_PRI_RESP_SUCC }, { 0xfffffffffffff841ull, 0x21ff } },
	};
	static const struct { uint64_t dw[2]; const char *why; } bad[] = {
		{ { 0x40, 0 }, "opcode 0x40" },
		{ { 0x44, 0 }, "CMD_RESUME is not a page response" },
		{ { 0x141, 0 }, "reserved bit 8" },
		{ { 0x41, 0x3000 }, "response 3" },
		{ { 0x41, 0x200 }, "reserved bit 73" },
		{ { 0x41, 0x4000 }, "reserved bit 78" },
		{ { 0x41, 1ull << 63 }, "reserved bit 127" },
		{ { 0x1041, 0 }, "SubstreamID without SSV" },
	};
	/* CMD_RESUME: dw0 opcode 0x44, response 13:12, SID 63:32; dw1 STAG 15:0. */
	static const struct { struct emu_smmuv3_resume r; uint64_t dw[2]; } resume[] = {
		{ { .resp = EMU_SMMUV3_RESUME_TERM }, { 0x44, 0 } },
		{ { .resp = EMU_SMMUV3_RESUME_RETRY, .stag = 0x1234 }, { 0x1044, 0x1234 } },
		{ { .resp = EMU_SMMUV3_RESUME_ABORT, .sid = 0xffffffff, .stag = 0xffff },
			{ 0xffffffff00002044ull, 0xffff } },
	};
	static const uint64_t resume_bad[][2] = {
		{ 0x41, 0 }, { 0x3044, 0 }, { 0x144, 0 }, { 0x4044, 0 }, { 0x44, 0x10000 },
	};
	struct emu_smmuv3_pri_resp r;
	struct emu_smmuv3_resume rs;

	for (unsigned int i = 0; i < RTE_DIM(cases); i++) {
		uint64_t dw[2];
		const struct emu_smmuv3_pri_resp *w = &cases[i].r;

		emu_smmuv3_pri_resp_encode(w, dw);
		TEST_ASSERT_EQUAL(dw[0], cases[i].dw[0], "case %u dword 0", i);
		TEST_ASSERT_EQUAL(dw[1], cases[i].dw[1], "case %u dword 1", i);
		memset(&r, 0xa5, sizeof(r));
		TEST_ASSERT_SUCCESS(emu_smmuv3_pri_resp_decode(cases[i].dw, &r), "case %u", i);
		TEST_ASSERT(r.ssv == w->ssv && r.ssid == w->ssid && r.sid == w->sid &&
			r.prg_index == w->prg_index && r.resp == w->resp, "case %u differs", i);
	}
	for (unsigned int i = 0; i < RTE_DIM(bad); i++) {
		if (emu_smmuv3_pri_resp_decode(bad[i].dw, &r) != -EINVAL)
			TEST_ASSERT(0, "%s was accepted", bad[i].why);
	}
	for (unsigned int i = 0; i < RTE_DIM(resume); i++) {
		uint64_t dw[2];

		emu_smmuv3_resume_encode(&resume[i].r, dw);
		TEST_ASSERT_EQUAL(dw[0], resume[i].dw[0], "resume %u dword 0", i);
		TEST_ASSERT_EQUAL(dw[1], resume[i].dw[1], "resume %u dword 1", i);
		TEST_ASSERT_SUCCESS(emu_smmuv3_resume_decode(resume[i].dw, &rs), "resume %u", i);
		TEST_ASSERT(rs.sid == resume[i].r.sid && rs.stag == resume[i].r.stag &&
			rs.resp == resume[i].r.resp, "resume %u differs", i);
	}
	for (unsigned int i = 0; i < RTE_DIM(resume_bad); i++)
		TEST_ASSERT_RET(emu_smmuv3_resume_decode(resume_bad[i], &rs), -EINVAL);
	return TEST_SUCCESS;
}

static int
test_smmu_resp_code_mapping(void)
{
	struct sva_page_response in = { .argsz = sizeof(in), .flags = SVA_PAGE_RESP_PASID_VALID,
		.dev_id = 0xfffffffe, .pasid = 0xfffff, .grpid = 511 }, out;
	struct emu_smmuv3_pri_resp r;

	/* PCIe -> SMMU */
	TEST_ASSERT_EQUAL(emu_smmuv3_resp_from_pcie(SVA_PAGE_RESP_SUCCESS), 2, "Success -> SUCCESS");
	TEST_ASSERT_EQUAL(emu_smmuv3_resp_from_pcie(SVA_PAGE_RESP_INVALID), 0, "Invalid -> DENY");
	TEST_ASSERT_EQUAL(emu_smmuv3_resp_from_pcie(SVA_PAGE_RESP_FAILURE), 1, "Failure -> FAIL");
	TEST_ASSERT_EQUAL(emu_smmuv3_resp_from_pcie(2), 3, "no mapping -> reserved");
	TEST_ASSERT_EQUAL(emu_smmuv3_resp_from_pcie(0xe), 3, "no mapping -> reserved");
	/* SMMU -> PCIe */
	TEST_ASSERT_EQUAL(emu_smmuv3_resp_to_pcie(2), SVA_PAGE_RESP_SUCCESS, "SUCCESS");
	TEST_ASSERT_EQUAL(emu_smmuv3_resp_to_pcie(0), SVA_PAGE_RESP_INVALID, "DENY");
	TEST_ASSERT_EQUAL(emu_smmuv3_resp_to_pcie(1), SVA_PAGE_RESP_FAILURE, "FAIL");
	TEST_ASSERT_RET(emu_smmuv3_resp_to_pcie(3), -EINVAL);
	/* Through the generic response, every field. */
	for (uint32_t code = 0; code <= 0xf; code++) {
		uint64_t dw[2];

		if (code != 0 && code != 1 && code != 0xf)
			continue;
		in.code = code;
		emu_smmuv3_pri_resp_from_generic(&in, &r);
		emu_smmuv3_pri_resp_encode(&r, dw);
		TEST_ASSERT_EQUAL(dw[0], 0xfffffffefffff841ull, "dword 0");
		TEST_ASSERT_EQUAL(dw[1], 0x1ff | ((uint64_t)emu_smmuv3_resp_from_pcie(code) << 12),
			"dword 1");
		memset(&out, 0xa5, sizeof(out));
		TEST_ASSERT_SUCCESS(emu_smmuv3_pri_resp_decode(dw, &r), "decodes");
		TEST_ASSERT_SUCCESS(emu_smmuv3_pri_resp_to_generic(&r, &out), "maps back");
		TEST_ASSERT_EQUAL(out.code, code, "code %u comes back", code);
		TEST_ASSERT_EQUAL(out.flags, in.flags, "flags");
		TEST_ASSERT_EQUAL(out.dev_id, in.dev_id, "dev_id");
		TEST_ASSERT_EQUAL(out.pasid, in.pasid, "pasid");
		TEST_ASSERT_EQUAL(out.grpid, in.grpid, "grpid");
		TEST_ASSERT_EQUAL(out.argsz, sizeof(out), "argsz");
	}
	r.resp = 3;
	TEST_ASSERT_RET(emu_smmuv3_pri_resp_to_generic(&r, &out), -EINVAL);
	return TEST_SUCCESS;
}

static int
test_smmu_generic_mapping(void)
{
	struct sva_fault_page_req pr = {
		.flags = SVA_FAULT_PR_PASID_VALID | SVA_FAULT_PR_LAST_PAGE, .pasid = 0xfffff,
		.grpid = 511, .perm = SVA_FAULT_PERM_READ | SVA_FAULT_PERM_WRITE |
			SVA_FAULT_PERM_EXEC | SVA_FAULT_PERM_PRIV,
		.addr = 0xfffffffffffff000ull, .dev_id = 0xffffffff,
	}, back;
	struct emu_smmuv3_pri r;
	struct emu_smmuv3_evt e;
	struct sva_fault_unrecov ev = { .flags = SVA_FAULT_UNRECOV_PASID_VALID |
		SVA_FAULT_UNRECOV_ADDR_VALID, .pasid = 0x44, .addr = 0x7f1234567000ull,
		.dev_id = 0x9 }, evb;
	static const struct { uint32_t reason, id; } reasons[] = {
		{ SVA_FAULT_REASON_TRANSLATION, 0x10 }, { SVA_FAULT_REASON_ADDR_SIZE, 0x11 },
		{ SVA_FAULT_REASON_ACCESS, 0x12 }, { SVA_FAULT_REASON_PERMISSION, 0x13 },
		{ SVA_FAULT_REASON_PASID_INVALID, 0x0a },
	};

	TEST_ASSERT_SUCCESS(emu_smmuv3_pri_from_generic(&pr, &r), "maximum values");
	emu_smmuv3_pri_to_generic(&r, &back);
	TEST_ASSERT_EQUAL(back.flags, pr.flags, "flags");
	TEST_ASSERT_EQUAL(back.pasid, pr.pasid, "pasid");
	TEST_ASSERT_EQUAL(back.grpid, pr.grpid, "grpid");
	TEST_ASSERT_EQUAL(back.perm, pr.perm, "perm");
	TEST_ASSERT_EQUAL(back.addr, pr.addr, "addr");
	TEST_ASSERT_EQUAL(back.dev_id, pr.dev_id, "stream ID");
	back = pr;
	back.pasid = 0x100000;
	TEST_ASSERT_RET(emu_smmuv3_pri_from_generic(&back, &r), -EINVAL);
	back = pr;
	back.grpid = 512;
	TEST_ASSERT_RET(emu_smmuv3_pri_from_generic(&back, &r), -EINVAL);
	back = pr;
	back.flags = 0;
	TEST_ASSERT_RET(emu_smmuv3_pri_from_generic(&back, &r), -EINVAL);

	for (unsigned int i = 0; i < RTE_DIM(reasons); i++) {
		ev.reason = reasons[i].reason;
		ev.perm = SVA_FAULT_PERM_WRITE | SVA_FAULT_PERM_PRIV;
		TEST_ASSERT_SUCCESS(emu_smmuv3_evt_from_generic(&ev, &e), "reason %u", ev.reason);
		TEST_ASSERT_EQUAL(e.id, reasons[i].id, "event ID of case %u", i);
		emu_smmuv3_evt_to_generic(&e, &evb);
		TEST_ASSERT_EQUAL(evb.reason, reasons[i].reason, "reason back, case %u", i);
		TEST_ASSERT_EQUAL(evb.hw_event, reasons[i].id, "hw_event, case %u", i);
		TEST_ASSERT_EQUAL(evb.pasid, 0x44, "pasid");
		TEST_ASSERT_EQUAL(evb.dev_id, 0x9, "dev_id");
		if (reasons[i].id >= 0x10) {
			TEST_ASSERT(!e.rnw && e.pnu && !e.ind && e.cls == EMU_SMMUV3_CLASS_IN, "fields");
			TEST_ASSERT_EQUAL(evb.flags, ev.flags, "flags");
			TEST_ASSERT_EQUAL(evb.perm, ev.perm, "perm");
			TEST_ASSERT_EQUAL(evb.addr, ev.addr, "addr");
		} else {
			TEST_ASSERT_EQUAL(evb.flags, SVA_FAULT_UNRECOV_PASID_VALID, "no address");
		}
	}
	ev.reason = SVA_FAULT_REASON_TRANSLATION;
	ev.perm = SVA_FAULT_PERM_READ | SVA_FAULT_PERM_EXEC;
	TEST_ASSERT_SUCCESS(emu_smmuv3_evt_from_generic(&ev, &e), "exec read");
	TEST_ASSERT(e.rnw && e.ind && !e.pnu, "RnW and InD");
	ev.reason = SVA_FAULT_REASON_PRI_INVALID;
	TEST_ASSERT_RET(emu_smmuv3_evt_from_generic(&ev, &e), -EINVAL);
	ev.hw_event = 0x08;
	TEST_ASSERT_SUCCESS(emu_smmuv3_evt_from_generic(&ev, &e), "explicit C_BAD_SUBSTREAMID");
	TEST_ASSERT_EQUAL(e.id, 0x08, "event 0x08");
	ev.hw_event = 0x24;
	TEST_ASSERT_RET(emu_smmuv3_evt_from_generic(&ev, &e), -EINVAL);
	return TEST_SUCCESS;
}

/* ---------------------------------------------------------------- queue model */

static struct sva_fault_page_req
mk_req(uint32_t i)
{
	struct sva_fault_page_req pr = {
		.flags = SVA_FAULT_PR_PASID_VALID | ((i % 3 == 2) ? SVA_FAULT_PR_LAST_PAGE : 0),
		.pasid = 0xfffff - (i % 1000), .grpid = (i * 7) % 512,
		.perm = (i & 1) ? SVA_FAULT_PERM_WRITE : SVA_FAULT_PERM_READ,
		.addr = 0x550000000000ull + ((uint64_t)i << 12), .dev_id = 0x80000000u + i,
		.timestamp = 77 + i,
	};

	return pr;
}

static int
check_req(const struct sva_fault *f, uint32_t i)
{
	struct sva_fault_page_req want = mk_req(i);

	TEST_ASSERT_EQUAL(f->type, SVA_FAULT_PAGE_REQ, "record of request %u", i);
	TEST_ASSERT_EQUAL(f->prm.flags, want.flags | SVA_FAULT_PR_TIMESTAMP, "flags of %u", i);
	TEST_ASSERT_EQUAL(f->prm.pasid, want.pasid, "pasid of %u", i);
	TEST_ASSERT_EQUAL(f->prm.grpid, want.grpid, "grpid of %u", i);
	TEST_ASSERT_EQUAL(f->prm.perm, want.perm, "perm of %u", i);
	TEST_ASSERT_EQUAL(f->prm.addr, want.addr, "addr of %u", i);
	TEST_ASSERT_EQUAL(f->prm.dev_id, want.dev_id, "dev_id of %u", i);
	TEST_ASSERT_EQUAL(f->prm.timestamp, want.timestamp, "timestamp of %u", i);
	return TEST_SUCCESS;
}

static int
test_smmu_init_refuses(void)
{
	static const struct emu_queue_cfg bad[] = {
		{ 0, 4, 4 }, { 3, 4, 4 }, { 1u << 20, 4, 4 },
		{ 4, 0, 4 }, { 4, 6, 4 }, { 4, 1u << 20, 4 },
		{ 4, 4, 0 }, { 4, 4, 12 }, { 4, 4, 1u << 20 },
	};
	struct emu_queue_cfg good = { 2048, 512, 2048 };

	for (unsigned int i = 0; i < RTE_DIM(bad); i++) {
		TEST_ASSERT_EQUAL(ops->mem_size(&bad[i]), 0, "mem_size of bad config %u", i);
		TEST_ASSERT_RET(ops->init(qmem, &bad[i]), -EINVAL);
	}
	TEST_ASSERT_EQUAL(ops->mem_size(NULL), 0, "mem_size(NULL)");
	TEST_ASSERT_RET(ops->init(qmem, NULL), -EINVAL);
	TEST_ASSERT_RET(ops->init(NULL, &good), -EINVAL);
	TEST_ASSERT(ops->mem_size(&good) >= 2048 * 16 + 512 * 32 + 2048 * 16, "room for the queues");
	TEST_ASSERT_EQUAL(ops->mem_size(&good) % 4096, 0, "whole pages");
	TEST_ASSERT_NOT_NULL(smmu_q_new(1, 1, 1), "one-entry queues (LOG2SIZE 0)");
	/* Memory reused without zeroing: init leaves no phantom entries behind. */
	{
		struct sva_fault f[4];
		struct sva_page_response r[4];

		memset(qmem, 0xff, ops->mem_size(&good));
		TEST_ASSERT_SUCCESS(ops->init(qmem, &good), "init over garbage");
		TEST_ASSERT_EQUAL(ops->prq_read(qmem, f, 4), 0, "no page request");
		TEST_ASSERT_EQUAL(ops->evtq_read(qmem, f, 4), 0, "no event");
		TEST_ASSERT_EQUAL(ops->resp_read(qmem, r, 4), 0, "no response");
	}
	TEST_ASSERT_EQUAL(ops->model, SVA_IOMMU_MODEL_SMMUV3, "model");
	TEST_ASSERT_EQUAL(ops->prq_entry_size, 16, "16-byte PRI queue entries");
	return TEST_SUCCESS;
}

static int
test_smmu_priq_wrap(void)
{
	void *q = smmu_q_new(4, 4, 4);
	struct sva_fault out[8];
	struct emu_smmuv3_regs regs;
	struct emu_model_counters c;
	uint32_t wr = 0, rd = 0;

	TEST_ASSERT_NOT_NULL(q, "queue");
	/* Ten laps of a 4-entry queue, three at a time: every (wrap, index) pair is hit. */
	for (int burst = 0; burst < 14; burst++) {
		for (int i = 0; i < 3; i++, wr++) {
			struct sva_fault_page_req pr = mk_req(wr);

			TEST_ASSERT_SUCCESS(ops->prq_write(q, &pr), "write %u", wr);
		}
		emu_smmuv3_regs_get(q, &regs);
		TEST_ASSERT_EQUAL(regs.priq_prod, wr % 8, "PROD = wrap bit 2 | index 1:0");
		TEST_ASSERT_EQUAL(ops->prq_read(q, out, 8), 3, "three");
		for (int i = 0; i < 3; i++, rd++)
			if (check_req(&out[i], rd) != TEST_SUCCESS)
				return TEST_FAILED;
		emu_smmuv3_regs_get(q, &regs);
		TEST_ASSERT_EQUAL(regs.priq_cons, rd % 8, "CONS follows");
	}
	/* Full is index equal, wrap different: four entries fit. */
	for (int i = 0; i < 4; i++, wr++) {
		struct sva_fault_page_req pr = mk_req(wr);

		TEST_ASSERT_SUCCESS(ops->prq_write(q, &pr), "write %u", wr);
	}
	emu_smmuv3_regs_get(q, &regs);
	TEST_ASSERT_EQUAL(regs.priq_prod ^ regs.priq_cons, 4, "full: only the wrap bit differs");
	TEST_ASSERT_EQUAL(ops->prq_read(q, out, 8), 4, "four");
	for (int i = 0; i < 4; i++, rd++)
		if (check_req(&out[i], rd) != TEST_SUCCESS)
			return TEST_FAILED;
	emu_smmuv3_regs_get(q, &regs);
	TEST_ASSERT_EQUAL(regs.priq_prod, regs.priq_cons, "empty: equal");
	ops->counters_get(q, &c);
	TEST_ASSERT_EQUAL(c.prq_written, 46, "written");
	TEST_ASSERT_EQUAL(c.prq_read, 46, "read");
	TEST_ASSERT_EQUAL(c.prq_dropped + c.prq_overflows + c.prq_malformed, 0, "no loss");
	return TEST_SUCCESS;
}

static int
test_smmu_priq_overflow(void)
{
	void *q = smmu_q_new(4, 4, 4);
	struct sva_fault out[16];
	struct emu_smmuv3_regs regs;
	struct emu_model_counters c;
	struct sva_fault_page_req pr;
	uint32_t i;

	TEST_ASSERT_NOT_NULL(q, "queue");
	for (i = 0; i < 4; i++) {
		pr = mk_req(i);
		TEST_ASSERT_SUCCESS(ops->prq_write(q, &pr), "write %u", i);
	}
	pr = mk_req(100);
	TEST_ASSERT_RET(ops->prq_write(q, &pr), -ENOSPC);
	emu_smmuv3_regs_get(q, &regs);
	TEST_ASSERT_EQUAL(regs.priq_prod, EMU_SMMUV3_Q_OVF | 4, "OVFLG toggled, PROD kept");
	TEST_ASSERT_EQUAL(regs.priq_cons, 0, "CONS not acknowledged yet");
	TEST_ASSERT_RET(ops->prq_write(q, &pr), -ENOSPC);
	emu_smmuv3_regs_get(q, &regs);
	TEST_ASSERT_EQUAL(regs.priq_prod, EMU_SMMUV3_Q_OVF | 4, "outstanding: no second toggle");
	ops->counters_get(q, &c);
	TEST_ASSERT_EQUAL(c.prq_dropped, 2, "two dropped");
	TEST_ASSERT_EQUAL(c.prq_overflows, 1, "one overflow");

	/* The device goes on writing as space frees; the loss stays where it happened. */
	TEST_ASSERT_EQUAL(ops->prq_read(q, out, 2), 2, "two of the four before the loss");
	for (i = 0; i < 2; i++) {
		pr = mk_req(4 + i);
		TEST_ASSERT_SUCCESS(ops->prq_write(q, &pr), "write %u after space freed", 4 + i);
	}
	TEST_ASSERT_EQUAL(ops->prq_read(q, out + 2, 2), 2, "the other two, no room for more");
	emu_smmuv3_regs_get(q, &regs);
	TEST_ASSERT_EQUAL(regs.priq_cons & EMU_SMMUV3_Q_OVF, 0, "not acknowledged yet");
	TEST_ASSERT_EQUAL(ops->prq_read(q, out + 4, 12), 3, "the overflow, then two");
	for (i = 0; i < 4; i++)
		if (check_req(&out[i], i) != TEST_SUCCESS)
			return TEST_FAILED;
	TEST_ASSERT_EQUAL(out[4].type, SVA_FAULT_OVERFLOW, "overflow at the point of loss");
	TEST_ASSERT_EQUAL(out[4].overflow.queue, 0, "PRI queue");
	TEST_ASSERT_EQUAL(out[4].overflow.lost, 2, "two lost");
	for (i = 0; i < 2; i++)
		if (check_req(&out[5 + i], 4 + i) != TEST_SUCCESS)
			return TEST_FAILED;
	emu_smmuv3_regs_get(q, &regs);
	TEST_ASSERT_EQUAL(regs.priq_cons & EMU_SMMUV3_Q_OVF, EMU_SMMUV3_Q_OVF,
		"acknowledged: CONS took PROD's flag");
	TEST_ASSERT_EQUAL(regs.priq_prod, EMU_SMMUV3_Q_OVF | 6, "PROD");
	TEST_ASSERT_EQUAL(regs.priq_cons, EMU_SMMUV3_Q_OVF | 6, "CONS");
	TEST_ASSERT_EQUAL(ops->prq_read(q, out, 16), 0, "reported once");

	/* A second overflow toggles the flag back. */
	for (i = 0; i < 4; i++) {
		pr = mk_req(10 + i);
		TEST_ASSERT_SUCCESS(ops->prq_write(q, &pr), "write %u", 10 + i);
	}
	TEST_ASSERT_RET(ops->prq_write(q, &pr), -ENOSPC);
	emu_smmuv3_regs_get(q, &regs);
	TEST_ASSERT_EQUAL(regs.priq_prod, 2, "OVFLG back to 0, index 2, wrap 0");
	TEST_ASSERT_EQUAL(ops->prq_read(q, out, 16), 5, "four and the overflow");
	TEST_ASSERT_EQUAL(out[4].type, SVA_FAULT_OVERFLOW, "overflow last");
	TEST_ASSERT_EQUAL(out[4].overflow.lost, 1, "one lost");
	emu_smmuv3_regs_get(q, &regs);
	TEST_ASSERT_EQUAL(regs.priq_cons, 2, "acknowledged with flag 0");
	ops->counters_get(q, &c);
	TEST_ASSERT_EQUAL(c.prq_overflows, 2, "two overflows");
	TEST_ASSERT_EQUAL(c.prq_dropped, 3, "three dropped");
	TEST_ASSERT_EQUAL(c.prq_read, 10, "requests read");
	return TEST_SUCCESS;
}

static int
test_smmu_priq_force_overflow(void)
{
	void *q = smmu_q_new(4, 4, 4);
	struct sva_fault out[8];
	struct emu_smmuv3_regs regs;
	struct emu_model_counters c;
	struct sva_fault_page_req pr = mk_req(0);

	TEST_ASSERT_NOT_NULL(q, "queue");
	TEST_ASSERT_SUCCESS(ops->prq_write(q, &pr), "before");
	ops->prq_force_overflow(q);
	emu_smmuv3_regs_get(q, &regs);
	TEST_ASSERT_EQUAL(regs.priq_prod, EMU_SMMUV3_Q_OVF | 1, "OVFLG raised");
	pr = mk_req(1);
	TEST_ASSERT_SUCCESS(ops->prq_write(q, &pr), "SMMUv3 keeps writing");
	TEST_ASSERT_EQUAL(ops->prq_read(q, out, 8), 3, "request, overflow, request");
	TEST_ASSERT_SUCCESS(check_req(&out[0], 0), "request 0");
	TEST_ASSERT_EQUAL(out[1].type, SVA_FAULT_OVERFLOW, "overflow at the forced point");
	TEST_ASSERT_EQUAL(out[1].overflow.lost, 0, "nothing actually lost");
	TEST_ASSERT_SUCCESS(check_req(&out[2], 1), "request 1");
	ops->counters_get(q, &c);
	TEST_ASSERT_EQUAL(c.prq_overflows, 1, "one overflow");
	TEST_ASSERT_EQUAL(c.prq_dropped, 0, "no drop");
	return TEST_SUCCESS;
}

static int
test_smmu_priq_malformed_and_stop(void)
{
	void *q = smmu_q_new(8, 4, 4);
	struct sva_fault out[8];
	struct emu_model_counters c;
	/* SID 0x42, SSV, SSID 3, read, LAST; PRG 7, address 0x9000. */
	const uint64_t good[2] = { 0xd000000300000042ull, 0x9007 };
	const uint64_t rsvd[2] = { good[0] | (1ull << 55), good[1] };
	const uint64_t exec_nossv[2] = { 0x0800000000000042ull, good[1] };
	const uint64_t stop[2] = { 0xc000000300000042ull, 0x7 };
	struct sva_fault_page_req odd = { .perm = SVA_FAULT_PERM_EXEC, .dev_id = 1 };

	TEST_ASSERT_NOT_NULL(q, "queue");
	TEST_ASSERT_SUCCESS(ops->prq_write_raw(q, good), "good");
	TEST_ASSERT_SUCCESS(ops->prq_write_raw(q, rsvd), "reserved");
	TEST_ASSERT_SUCCESS(ops->prq_write_raw(q, exec_nossv), "exec without SSV");
	TEST_ASSERT_SUCCESS(ops->prq_write_raw(q, stop), "stop marker");
	TEST_ASSERT_EQUAL(ops->prq_read(q, out, 8), 2, "good and the stop marker");
	TEST_ASSERT_EQUAL(out[0].prm.dev_id, 0x42, "SID");
	TEST_ASSERT_EQUAL(out[0].prm.pasid, 3, "SSID");
	TEST_ASSERT_EQUAL(out[0].prm.perm, SVA_FAULT_PERM_READ, "read");
	TEST_ASSERT_EQUAL(out[0].prm.grpid, 7, "PRG");
	TEST_ASSERT_EQUAL(out[0].prm.addr, 0x9000, "address");
	TEST_ASSERT_EQUAL(out[0].prm.flags, SVA_FAULT_PR_PASID_VALID | SVA_FAULT_PR_LAST_PAGE, "flags");
	TEST_ASSERT_EQUAL(out[1].type, SVA_FAULT_PAGE_REQ, "stop marker passes");
	TEST_ASSERT_EQUAL(out[1].prm.perm, 0, "no permission");
	TEST_ASSERT_EQUAL(out[1].prm.flags, SVA_FAULT_PR_PASID_VALID | SVA_FAULT_PR_LAST_PAGE, "LAST");
	ops->counters_get(q, &c);
	TEST_ASSERT_EQUAL(c.prq_malformed, 2, "two refused");
	TEST_ASSERT_EQUAL(c.prq_read, 2, "two read");
	TEST_ASSERT_RET(ops->prq_write(q, &odd), -EINVAL);
	return TEST_SUCCESS;
}

static int
test_smmu_cmdq_batch(void)
{
	void *q = smmu_q_new(4, 4, 4);
	struct sva_page_response resp[6], got[8];
	struct emu_model_counters c;
	struct emu_smmuv3_regs regs;
	static const uint32_t codes[] = { SVA_PAGE_RESP_SUCCESS, SVA_PAGE_RESP_INVALID,
		SVA_PAGE_RESP_FAILURE };
	const uint64_t resume[2] = { 0x1044, 0x1 };

	TEST_ASSERT_NOT_NULL(q, "queue");
	for (int i = 0; i < 6; i++)
		resp[i] = (struct sva_page_response){ .argsz = sizeof(resp[i]),
			.flags = SVA_PAGE_RESP_PASID_VALID, .dev_id = 0xffffffffu - i,
			.pasid = 0xfffff - i, .grpid = 511 - i, .code = codes[i % 3] };
	TEST_ASSERT_EQUAL(ops->resp_write(q, resp, 6), 4, "four fit");
	ops->counters_get(q, &c);
	TEST_ASSERT_EQUAL(c.resp_doorbells, 1, "one doorbell");
	emu_smmuv3_regs_get(q, &regs);
	TEST_ASSERT_EQUAL(regs.cmdq_prod, 4, "PROD: wrap set, index 0");
	TEST_ASSERT_EQUAL(ops->resp_write(q, resp + 4, 2), 0, "full");
	ops->counters_get(q, &c);
	TEST_ASSERT_EQUAL(c.resp_doorbells, 1, "no doorbell when nothing was written");
	TEST_ASSERT_EQUAL(ops->resp_read(q, got, 8), 4, "device reads four");
	for (int i = 0; i < 4; i++) {
		TEST_ASSERT_EQUAL(got[i].code, resp[i].code, "code %d", i);
		TEST_ASSERT_EQUAL(got[i].dev_id, resp[i].dev_id, "dev_id %d", i);
		TEST_ASSERT_EQUAL(got[i].pasid, resp[i].pasid, "pasid %d", i);
		TEST_ASSERT_EQUAL(got[i].grpid, resp[i].grpid, "grpid %d", i);
		TEST_ASSERT_EQUAL(got[i].flags, resp[i].flags, "flags %d", i);
	}
	TEST_ASSERT_EQUAL(ops->resp_write(q, resp + 4, 2), 2, "the other two");
	/* Bad commands: an unmappable code, and a CMD_RESUME, are counted and skipped. */
	resp[0].code = 0x7;
	TEST_ASSERT_EQUAL(ops->resp_write(q, resp, 1), 1, "unmappable code is written");
	TEST_ASSERT_SUCCESS(emu_smmuv3_cmdq_write_raw(q, resume), "CMD_RESUME");
	TEST_ASSERT_EQUAL(ops->resp_read(q, got, 8), 2, "the two valid");
	TEST_ASSERT_EQUAL(got[0].grpid, resp[4].grpid, "order");
	TEST_ASSERT_EQUAL(got[1].grpid, resp[5].grpid, "order");
	ops->counters_get(q, &c);
	TEST_ASSERT_EQUAL(c.resp_malformed, 2, "two refused");
	TEST_ASSERT_EQUAL(c.resp_read, 6, "six read");
	TEST_ASSERT_EQUAL(c.resp_written, 8, "eight written");
	TEST_ASSERT_EQUAL(c.resp_doorbells, 4, "four doorbells");
	emu_smmuv3_regs_get(q, &regs);
	TEST_ASSERT_EQUAL(regs.cmdq_prod, 0, "PROD wrapped twice");
	TEST_ASSERT_EQUAL(regs.cmdq_cons, regs.cmdq_prod, "drained");
	return TEST_SUCCESS;
}

static struct sva_fault_unrecov
mk_event(uint32_t i)
{
	struct sva_fault_unrecov ev = {
		.reason = SVA_FAULT_REASON_PERMISSION,
		.flags = SVA_FAULT_UNRECOV_PASID_VALID | SVA_FAULT_UNRECOV_ADDR_VALID,
		.pasid = 200 + i, .perm = SVA_FAULT_PERM_WRITE,
		.addr = 0x7fff00000123ull + ((uint64_t)i << 12), .dev_id = 0xabcd0000u + i,
		.timestamp = 9000 + i,
	};

	return ev;
}

static int
check_event(const struct sva_fault *f, uint32_t i)
{
	struct sva_fault_unrecov want = mk_event(i);

	TEST_ASSERT_EQUAL(f->type, SVA_FAULT_UNRECOV, "event %u", i);
	TEST_ASSERT_EQUAL(f->event.reason, want.reason, "reason %u", i);
	TEST_ASSERT_EQUAL(f->event.flags, want.flags, "flags %u", i);
	TEST_ASSERT_EQUAL(f->event.pasid, want.pasid, "pasid %u", i);
	TEST_ASSERT_EQUAL(f->event.perm, want.perm, "perm %u", i);
	TEST_ASSERT_EQUAL(f->event.addr, want.addr, "the full input address, %u", i);
	TEST_ASSERT_EQUAL(f->event.dev_id, want.dev_id, "dev_id %u", i);
	TEST_ASSERT_EQUAL(f->event.hw_event, EMU_SMMUV3_EVT_PERMISSION, "event ID %u", i);
	TEST_ASSERT_EQUAL(f->event.timestamp, want.timestamp, "timestamp %u", i);
	return TEST_SUCCESS;
}

static int
test_smmu_evtq(void)
{
	void *q = smmu_q_new(4, 2, 4);
	struct sva_fault out[8];
	struct emu_model_counters c;
	struct emu_smmuv3_regs regs;
	struct sva_fault_unrecov ev;
	uint32_t wr = 0, rd = 0;
	const uint64_t bad[4] = { 0x24, 0, 0, 0 };

	TEST_ASSERT_NOT_NULL(q, "queue");
	for (int lap = 0; lap < 5; lap++) {
		for (int i = 0; i < 2; i++, wr++) {
			ev = mk_event(wr);
			TEST_ASSERT_SUCCESS(ops->evtq_write(q, &ev), "event %u", wr);
		}
		TEST_ASSERT_EQUAL(ops->evtq_read(q, out, 8), 2, "two");
		for (int i = 0; i < 2; i++, rd++)
			if (check_event(&out[i], rd) != TEST_SUCCESS)
				return TEST_FAILED;
	}
	emu_smmuv3_regs_get(q, &regs);
	TEST_ASSERT_EQUAL(regs.evtq_prod, 10 % 4, "EVTQ PROD wraps (2 entries: wrap bit 1)");
	for (int i = 0; i < 2; i++, wr++) {
		ev = mk_event(wr);
		TEST_ASSERT_SUCCESS(ops->evtq_write(q, &ev), "event %u", wr);
	}
	ev = mk_event(wr);
	TEST_ASSERT_RET(ops->evtq_write(q, &ev), -ENOSPC);
	emu_smmuv3_regs_get(q, &regs);
	TEST_ASSERT(regs.evtq_prod & EMU_SMMUV3_Q_OVF, "EVTQ OVFLG");
	TEST_ASSERT_EQUAL(ops->evtq_read(q, out, 8), 3, "two events and the overflow");
	for (int i = 0; i < 2; i++, rd++)
		if (check_event(&out[i], rd) != TEST_SUCCESS)
			return TEST_FAILED;
	TEST_ASSERT_EQUAL(out[2].type, SVA_FAULT_OVERFLOW, "overflow");
	TEST_ASSERT_EQUAL(out[2].overflow.queue, 1, "event queue");
	TEST_ASSERT_EQUAL(out[2].overflow.lost, 1, "one lost");
	emu_smmuv3_regs_get(q, &regs);
	TEST_ASSERT_EQUAL(regs.evtq_cons & EMU_SMMUV3_Q_OVF, EMU_SMMUV3_Q_OVF, "acknowledged");
	TEST_ASSERT_SUCCESS(emu_smmuv3_evtq_write_raw(q, bad), "raw unknown event");
	ev = mk_event(wr);
	TEST_ASSERT_SUCCESS(ops->evtq_write(q, &ev), "after");
	TEST_ASSERT_EQUAL(ops->evtq_read(q, out, 8), 1, "the good one");
	TEST_ASSERT_SUCCESS(check_event(&out[0], wr), "event after");
	ops->counters_get(q, &c);
	TEST_ASSERT_EQUAL(c.evtq_malformed, 1, "malformed");
	TEST_ASSERT_EQUAL(c.evtq_written, 14, "written");
	TEST_ASSERT_EQUAL(c.evtq_read, 13, "read");
	TEST_ASSERT_EQUAL(c.evtq_dropped, 1, "dropped");
	TEST_ASSERT_EQUAL(c.evtq_overflows, 1, "overflows");
	ev.reason = SVA_FAULT_REASON_UNKNOWN;
	TEST_ASSERT_RET(ops->evtq_write(q, &ev), -EINVAL);
	return TEST_SUCCESS;
}
/*
 * Device and poll side on two threads, the queue small enough to fill and empty many
 * times. The assertions do not depend on timing: every request is either read, intact
 * and in order, or lost; the requests missing between two OVERFLOW records add up to
 * the second one's lost count (a record comes at or after every loss); there is one
 * record per overflow condition; the same for responses in the other direction.
 */
#define CONC_N 200000u

struct conc_ctx {
	void *q;
	uint32_t n;
	int enospc;
	int other_err;
};

/*
 * A plain thread for the other side. EAL pinned the main thread to one core and a new
 * thread would inherit that: put it on the other cores where there are any, so both
 * sides really run at once (on one core, both sides yield when they wait).
 */
static int
conc_thread_start(pthread_t *th, void *(*fn)(void *), void *arg)
{
	int ncpu = (int)sysconf(_SC_NPROCESSORS_ONLN), self = sched_getcpu();
	pthread_attr_t attr;
	cpu_set_t set;
	int rc;

	CPU_ZERO(&set);
	for (int cpu = 0; cpu < ncpu && cpu < CPU_SETSIZE; cpu++)
		if (cpu != self || ncpu == 1)
			CPU_SET(cpu, &set);
	if (pthread_attr_init(&attr) != 0)
		return -1;
	pthread_attr_setaffinity_np(&attr, sizeof(set), &set);
	rc = pthread_create(th, &attr, fn, arg);
	pthread_attr_destroy(&attr);
	return rc;
}

static void *
conc_device(void *arg)
{
	struct conc_ctx *ctx = arg;

	for (uint32_t i = 0; i < ctx->n; i++) {
		struct sva_fault_page_req pr = mk_req(i);
		int rc = ops->prq_write(ctx->q, &pr);

		if (rc == -ENOSPC)
			ctx->enospc++;
		else if (rc != 0)
			ctx->other_err++;
		if (i % 5000 == 2500)
			ops->prq_force_overflow(ctx->q); /* an overflow however fast the reader */
		if ((i & 0x3ff) == 0)
			sched_yield(); /* let the queue drain now and then */
	}
	return NULL;
}

static int
test_smmu_concurrent_accounting(void)
{
	void *q = smmu_q_new(64, 16, 64);
	struct conc_ctx ctx = { .q = q, .n = CONC_N };
	struct sva_fault out[32];
	struct emu_model_counters c;
	uint64_t next = 0, gaps = 0, owed = 0, lost_total = 0, records = 0, read = 0;
	bool after_record = false;
	uint64_t deadline;
	pthread_t th;

	TEST_ASSERT_NOT_NULL(q, "queue");
	TEST_ASSERT_SUCCESS(conc_thread_start(&th, conc_device, &ctx), "device thread");
	deadline = rte_get_timer_cycles() + 120 * rte_get_timer_hz();
	while (read + lost_total < CONC_N) {
		uint16_t k = ops->prq_read(q, out, RTE_DIM(out));

		for (uint16_t j = 0; j < k; j++) {
			uint32_t id;

			if (out[j].type == SVA_FAULT_OVERFLOW) {
				owed += out[j].overflow.lost;
				lost_total += out[j].overflow.lost;
				records++;
				after_record = true;
				/* Losses seen so far lie before this record: it or an earlier one
				 * reported them. */
				if (gaps > owed) {
					pthread_join(th, NULL);
					TEST_ASSERT(0, "record %" PRIu64 ": %" PRIu64 " missing before it, %"
						PRIu64 " reported lost", records, gaps, owed);
				}
				continue;
			}
			id = (uint32_t)((out[j].prm.addr - 0x550000000000ull) >> 12);
			if (id < next || check_req(&out[j], id) != TEST_SUCCESS) {
				pthread_join(th, NULL);
				TEST_ASSERT(0, "request %u out of order or torn (expected >= %" PRIu64 ")",
					id, next);
			}
			/* SMMUv3 keeps queueing while an overflow is outstanding and further drops
			 * join it, so a gap may show before its record (which comes at the last
			 * drop); and a drop racing with a report joins the next record. What a
			 * record reports must have happened before it: by the first request after
			 * it, at least that much is missing. */
			gaps += id - next;
			if (after_record && gaps < owed) {
				pthread_join(th, NULL);
				TEST_ASSERT(0, "request %u: %" PRIu64 " missing, %" PRIu64 " reported lost",
					id, gaps, owed);
			}
			after_record = false;
			next = id + 1;
			read++;
		}
		if (k == 0)
			sched_yield();
		if (k == 0 && rte_get_timer_cycles() > deadline) {
			pthread_join(th, NULL);
			TEST_ASSERT(0, "stuck: %" PRIu64 " read, %" PRIu64 " lost of %u",
				read, lost_total, CONC_N);
		}
	}
	pthread_join(th, NULL);
	TEST_ASSERT_EQUAL(ops->prq_read(q, out, RTE_DIM(out)), 0, "nothing more");
	ops->counters_get(q, &c);
	TEST_ASSERT_EQUAL(ctx.other_err, 0, "only -ENOSPC refusals");
	TEST_ASSERT_EQUAL(gaps + (CONC_N - next), owed, "losses at the end were reported");
	TEST_ASSERT_EQUAL(lost_total, c.prq_dropped, "lost counts add up to the drops");
	TEST_ASSERT_EQUAL((uint64_t)ctx.enospc, c.prq_dropped, "-ENOSPC for each drop");
	TEST_ASSERT_EQUAL(records, c.prq_overflows, "one record per overflow condition");
	TEST_ASSERT(records >= 1, "the forced overflows were reported");
	printf("    %" PRIu64 " requests read, %" PRIu64 " lost in %" PRIu64 " overflows\n",
		read, lost_total, records);
	TEST_ASSERT_EQUAL(read, c.prq_read, "read counter");
	TEST_ASSERT_EQUAL(c.prq_written + c.prq_dropped, CONC_N, "every write accounted");
	return TEST_SUCCESS;
}

static void *
conc_responder(void *arg)
{
	struct conc_ctx *ctx = arg;
	struct sva_page_response resp[16];
	uint32_t i = 0;

	while (i < ctx->n) {
		uint16_t n = (uint16_t)RTE_MIN(ctx->n - i, 1 + i % 16);
		int w;

		for (uint16_t j = 0; j < n; j++)
			resp[j] = (struct sva_page_response){ .argsz = sizeof(resp[j]),
				.flags = SVA_PAGE_RESP_PASID_VALID, .dev_id = i + j,
				.pasid = (i + j) & 0xfffff, .grpid = (i + j) & 511,
				.code = SVA_PAGE_RESP_SUCCESS };
		w = ops->resp_write(ctx->q, resp, n);
		if (w < 0 || w > n) {
			ctx->other_err++;
			return NULL;
		}
		i += (uint32_t)w;
		if (w < n)
			sched_yield();
	}
	return NULL;
}

static int
test_smmu_concurrent_responses(void)
{
	void *q = smmu_q_new(64, 16, 64);
	struct conc_ctx ctx = { .q = q, .n = CONC_N };
	struct sva_page_response got[32];
	struct emu_model_counters c;
	uint64_t deadline;
	uint32_t seen = 0;
	pthread_t th;

	TEST_ASSERT_NOT_NULL(q, "queue");
	TEST_ASSERT_SUCCESS(conc_thread_start(&th, conc_responder, &ctx), "poll thread");
	deadline = rte_get_timer_cycles() + 120 * rte_get_timer_hz();
	while (seen < CONC_N) {
		uint16_t k = ops->resp_read(q, got, RTE_DIM(got));

		for (uint16_t j = 0; j < k; j++, seen++) {
			if (got[j].dev_id != seen || got[j].pasid != (seen & 0xfffff) ||
					got[j].grpid != (seen & 511) || got[j].code != 0) {
				pthread_join(th, NULL);
				TEST_ASSERT(0, "response %u out of order or torn", seen);
			}
		}
		if (k == 0)
			sched_yield();
		if (k == 0 && rte_get_timer_cycles() > deadline)
			break;
	}
	pthread_join(th, NULL);
	ops->counters_get(q, &c);
	TEST_ASSERT_EQUAL(ctx.other_err, 0, "resp_write never failed");
	TEST_ASSERT_EQUAL(seen, CONC_N, "every response arrived");
	TEST_ASSERT_EQUAL(c.resp_read, CONC_N, "read counter");
	TEST_ASSERT_EQUAL(c.resp_malformed, 0, "none malformed");
	TEST_ASSERT(c.resp_doorbells <= c.resp_written, "at most one doorbell per response");
	return TEST_SUCCESS;
}

static struct sva_test_suite emu_smmuv3_suite = {
	.name = "emu SMMUv3 model",
	.cases = {
		SVA_TEST_CASE(test_smmu_pri_bits),
		SVA_TEST_CASE(test_smmu_evt_bits),
		SVA_TEST_CASE(test_smmu_cmd_bits),
		SVA_TEST_CASE(test_smmu_resp_code_mapping),
		SVA_TEST_CASE(test_smmu_generic_mapping),
		SVA_TEST_CASE(test_smmu_init_refuses),
		SVA_TEST_CASE(test_smmu_priq_wrap),
		SVA_TEST_CASE(test_smmu_priq_overflow),
		SVA_TEST_CASE(test_smmu_priq_force_overflow),
		SVA_TEST_CASE(test_smmu_priq_malformed_and_stop),
		SVA_TEST_CASE(test_smmu_cmdq_batch),
		SVA_TEST_CASE(test_smmu_evtq),
		SVA_TEST_CASE(test_smmu_concurrent_accounting),
		SVA_TEST_CASE(test_smmu_concurrent_responses),
		SVA_TEST_CASES_END(),
	},
};

static int
test_emu_smmuv3(void)
{
	return sva_test_suite_run(&emu_smmuv3_suite);
}

SVA_TEST_REGISTER(emu_smmuv3_autotest, test_emu_smmuv3);
