/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * emu_smmuv3_autotest: the emu's SMMUv3 formats and queue model, on their own (the emu
 * driver's device-level cases live in their own suite). Bit positions are checked
 * against hardware words computed here from the field tables of the SMMUv3
 * specification (IHI0070), independently of emu_smmuv3.h, and against literal words;
 * the queue model is driven from one thread and its PROD/CONS registers (index, wrap,
 * overflow flags) and counters are checked after each step.
 */
#include <string.h>

#include <rte_common.h>
#include <rte_cycles.h>

#include "emu_model.h"
#include "emu_smmuv3.h"
#include "sva_test.h"
#include "test_emu_queue_common.h"

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

/*
 * Golden words, computed here from the field tables of the SMMUv3 specification (Arm
 * IHI0070), at the absolute bit positions it gives for each record (SPEC), never from
 * emu_smmuv3.h.
 */
/* PRI queue entry (chapter 8) */
#define PRI_SID(v) SPEC(v, 31, 0)
#define PRI_SSID(v) SPEC(v, 51, 32)
#define PRI_PRIV SPEC(1, 58, 58)
#define PRI_EXEC SPEC(1, 59, 59)
#define PRI_READ SPEC(1, 60, 60)
#define PRI_WRITE SPEC(1, 61, 61)
#define PRI_LAST SPEC(1, 62, 62)
#define PRI_SSV SPEC(1, 63, 63)
#define PRI_PRGI(v) SPEC(v, 72, 64)                 /* word 1 */
#define PRI_ADDR(a) SPEC((uint64_t)(a) >> 12, 127, 76) /* Page address[63:12], word 1 */
/* Event records (7.3; F_UUT's table, 7.3.2, gives PnU 97, InD 98, RnW 99) */
#define EVT_ID(v) SPEC(v, 7, 0)
#define EVT_SSV SPEC(1, 11, 11)
#define EVT_SSID(v) SPEC(v, 31, 12)
#define EVT_SID(v) SPEC(v, 63, 32)
#define EVT_STAG(v) SPEC(v, 79, 64)                 /* word 1 */
#define EVT_STALL SPEC(1, 95, 95)
#define EVT_PNU SPEC(1, 97, 97)
#define EVT_IND SPEC(1, 98, 98)
#define EVT_RNW SPEC(1, 99, 99)
#define EVT_S2 SPEC(1, 103, 103)
#define EVT_CLASS(v) SPEC(v, 105, 104)
#define EVT_TTRNW SPEC(1, 108, 108)                 /* F_PERMISSION (7.3.16) */
#define EVT_IPA(a) SPEC((uint64_t)(a) >> 12, 247, 204) /* IPA[55:12], word 3 */
/* CMD_PRI_RESP (4.5.2), CMD_RESUME (4.7.1) */
#define CMD_OP(v) SPEC(v, 7, 0)
#define CMD_SSV SPEC(1, 11, 11)
#define CMD_SSID(v) SPEC(v, 31, 12)
#define CMD_SID(v) SPEC(v, 63, 32)
#define PRIRESP_PRGI(v) SPEC(v, 72, 64)             /* word 1 */
#define PRIRESP_RESP(v) SPEC(v, 77, 76)             /* word 1 */
#define RESP_FAILURE 0 /* 4.5.2: 0b00 ResponseFailure */
#define RESP_INVALID 1 /* 0b01 InvalidRequest */
#define RESP_SUCCESS 2 /* 0b10 Success; 0b11 Reserved (ILLEGAL) */
#define RESUME_AC SPEC(1, 12, 12)                   /* 1 Retry, 0 Terminate */
#define RESUME_AB SPEC(1, 13, 13)                   /* with Terminate: abort */
#define RESUME_STAG(v) SPEC(v, 79, 64)              /* word 1 */

static int
test_smmu_spec_fields(void)
{
	/* The placer itself: each field lands in the word and bits the tables say. */
	TEST_ASSERT(SPEC_FITS(0xfffff, 51, 32) && !SPEC_FITS(0x100000, 51, 32), "width");
	TEST_ASSERT(SPEC_WORD(72, 64) == 1 && SPEC_WORD(247, 204) == 3, "word index");
	TEST_ASSERT(SPEC_FITS(0x1ff, 72, 64) && SPEC_FITS(3, 77, 76) && SPEC_FITS(1, 108, 108),
		"fields within one word");
	TEST_ASSERT_EQUAL(PRI_ADDR(0xfffffffffffff000ull), 0xfffffffffffff000ull, "address");
	TEST_ASSERT_EQUAL(EVT_IPA(0x00fffffffffff000ull), 0x00fffffffffff000ull, "IPA 55:12");
	return TEST_SUCCESS;
}

static int
test_smmu_pri_bits(void)
{
	static const struct { struct emu_smmuv3_pri r; uint64_t dw[2]; } cases[] = {
		{ { .sid = 0 }, { 0, 0 } },
		{ { .sid = 0x12345678 }, { PRI_SID(0x12345678), 0 } },
		{ { .sid = 0xffffffff }, { PRI_SID(0xffffffff), 0 } },
		{ { .ssv = true, .ssid = 0xabcde }, { PRI_SSV | PRI_SSID(0xabcde), 0 } },
		{ { .ssv = true, .ssid = 0xfffff }, { PRI_SSV | PRI_SSID(0xfffff), 0 } },
		{ { .ssv = true, .priv = true }, { PRI_SSV | PRI_PRIV, 0 } },
		{ { .ssv = true, .exec = true }, { PRI_SSV | PRI_EXEC, 0 } },
		{ { .read = true }, { PRI_READ, 0 } },
		{ { .write = true }, { PRI_WRITE, 0 } },
		{ { .last = true }, { PRI_LAST, 0 } },
		{ { .prg_index = 0x155 }, { 0, PRI_PRGI(0x155) } },
		{ { .prg_index = 511 }, { 0, PRI_PRGI(511) } },
		{ { .addr = 0x0000fffffffff000ull }, { 0, PRI_ADDR(0x0000fffffffff000ull) } },
		{ { .sid = 0xffffffff, .ssid = 0xfffff, .ssv = true, .priv = true, .exec = true,
			.read = true, .write = true, .last = true, .prg_index = 511,
			.addr = 0xfffffffffffff000ull },
			{ PRI_SID(0xffffffff) | PRI_SSID(0xfffff) | PRI_PRIV | PRI_EXEC | PRI_READ |
				PRI_WRITE | PRI_LAST | PRI_SSV,
				PRI_PRGI(511) | PRI_ADDR(0xfffffffffffff000ull) } },
	};
	static const struct { uint64_t dw[2]; const char *why; } bad[] = {
		{ { SPEC(1, 52, 52), 0 }, "reserved bit 52" },
		{ { SPEC(1, 57, 57), 0 }, "reserved bit 57" },
		{ { 0, SPEC(1, 73, 73) }, "reserved bit 73" },
		{ { 0, SPEC(1, 75, 75) }, "reserved bit 75" },
		{ { PRI_PRIV, 0 }, "Priv without SSV" },
		{ { PRI_EXEC, 0 }, "Exec without SSV" },
	};
	static const uint64_t pass[][2] = {
		{ PRI_SSV | PRI_LAST | PRI_READ | PRI_PRIV | PRI_SSID(1) | PRI_SID(0x10),
			PRI_ADDR(0x1000) },                              /* priv + read */
		{ PRI_SSV | PRI_READ | PRI_EXEC | PRI_SSID(1) | PRI_SID(0x10), PRI_ADDR(0x1000) },
		{ PRI_SSV | PRI_WRITE | PRI_SSID(1) | PRI_SID(0x10),
			PRI_ADDR(0x8000000000001000ull) },               /* non-canonical write */
		{ PRI_SSID(5) | PRI_SID(0x10), PRI_ADDR(0x1000) },      /* SubstreamID without SSV */
		{ PRI_LAST | PRI_SID(0x10), 0 },                        /* LWR 100 without SSV */
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
	TEST_ASSERT(r.last && !r.read && !r.write && !r.ssv && r.sid == 0x10,
		"LWR 100 without SSV: a page request");
	return TEST_SUCCESS;
}

static int
test_smmu_evt_bits(void)
{
	static const struct { struct emu_smmuv3_evt r; uint64_t dw[4]; } cases[] = {
		{ { .id = 0x10 }, { EVT_ID(0x10), 0, 0, 0 } },
		{ { .id = 0x11 }, { EVT_ID(0x11), 0, 0, 0 } },
		{ { .id = 0x12 }, { EVT_ID(0x12), 0, 0, 0 } },
		{ { .id = 0x13 }, { EVT_ID(0x13), 0, 0, 0 } },
		{ { .id = 0x10, .ssv = true, .ssid = 0xabcde },
			{ EVT_ID(0x10) | EVT_SSV | EVT_SSID(0xabcde), 0, 0, 0 } },
		{ { .id = 0x10, .sid = 0x12345678 }, { EVT_ID(0x10) | EVT_SID(0x12345678), 0, 0, 0 } },
		{ { .id = 0x10, .stall = true, .stag = 0x1234 },
			{ EVT_ID(0x10), EVT_STALL | EVT_STAG(0x1234), 0, 0 } },
		{ { .id = 0x10, .pnu = true }, { EVT_ID(0x10), EVT_PNU, 0, 0 } },
		{ { .id = 0x10, .ind = true, .rnw = true }, { EVT_ID(0x10), EVT_IND | EVT_RNW, 0, 0 } },
		{ { .id = 0x10, .rnw = true }, { EVT_ID(0x10), EVT_RNW, 0, 0 } },
		{ { .id = 0x10, .s2 = true }, { EVT_ID(0x10), EVT_S2, 0, 0 } },
		{ { .id = 0x10, .cls = 1 }, { EVT_ID(0x10), EVT_CLASS(1), 0, 0 } },
		{ { .id = 0x10, .cls = 2 }, { EVT_ID(0x10), EVT_CLASS(2), 0, 0 } },
		{ { .id = 0x13, .cls = 1, .s2 = true, .ttrnw = true },
			{ EVT_ID(0x13), EVT_CLASS(1) | EVT_S2 | EVT_TTRNW, 0, 0 } },
		{ { .id = 0x10, .addr = 0xffff800012345678ull },
			{ EVT_ID(0x10), 0, 0xffff800012345678ull, 0 } },
		{ { .id = 0x10, .ipa = 0x00fffffffffff000ull },
			{ EVT_ID(0x10), 0, 0, EVT_IPA(0x00fffffffffff000ull) } },
		{ { .id = 0x0a, .ssv = true, .ssid = 0x5, .sid = 0x7 },
			{ EVT_ID(0x0a) | EVT_SSV | EVT_SSID(5) | EVT_SID(7), 0, 0, 0 } },
		/* 7.3.9: no SSV in C_BAD_SUBSTREAMID, the SubstreamID always valid */
		{ { .id = 0x08, .ssv = true, .ssid = 0xfffff, .sid = 0xffffffff },
			{ EVT_ID(0x08) | EVT_SSID(0xfffff) | EVT_SID(0xffffffff), 0, 0, 0 } },
		{ { .id = 0x08, .ssv = true, .ssid = 0 }, { EVT_ID(0x08), 0, 0, 0 } },
		/* 7.3.10 F_CD_FETCH: FetchAddr[55:3] at bits 247:195 (the F_STE_FETCH layout,
		 * 7.3.4); Reason and GPCF (dword 1) written 0 */
		{ { .id = 0x09, .ssv = true, .ssid = 0x46, .sid = 0x31,
			.fetch = 0x00fffffffffffff8ull },
			{ EVT_ID(0x09) | EVT_SSV | EVT_SSID(0x46) | EVT_SID(0x31), 0, 0,
				SPEC(0x1fffffffffffffull, 247, 195) } },
		{ { .id = 0x13, .ssv = true, .ssid = 0xfffff, .sid = 0xffffffff, .stag = 0xffff,
			.stall = true, .pnu = true, .ind = true, .rnw = true, .s2 = true, .cls = 2,
			.addr = ~0ull, .ipa = 0x00fffffffffff000ull },
			{ EVT_ID(0x13) | EVT_SSV | EVT_SSID(0xfffff) | EVT_SID(0xffffffff),
				EVT_STAG(0xffff) | EVT_STALL | EVT_PNU | EVT_IND | EVT_RNW | EVT_S2 |
				EVT_CLASS(2), ~0ull, EVT_IPA(0x00fffffffffff000ull) } },
	};
	static const struct { uint64_t dw[4]; const char *why; } bad[] = {
		{ { EVT_ID(0x01), 0, 0, 0 }, "event 0x01 (not one the model knows)" },
		{ { EVT_ID(0x24), 0, 0, 0 }, "event 0x24" },
		{ { EVT_ID(0xff), 0, 0, 0 }, "event 0xff" },
		{ { EVT_ID(0x10) | SPEC(1, 8, 8), 0, 0, 0 }, "reserved bit 8" },
		{ { EVT_ID(0x10), EVT_CLASS(3), 0, 0 }, "CLASS 3" },
		{ { EVT_ID(0x10), EVT_STAG(1), 0, 0 }, "STAG without Stall" },
		{ { EVT_ID(0x10), EVT_IND, 0, 0 }, "InD without RnW (7.3.13)" },
		{ { EVT_ID(0x10), SPEC(1, 80, 80), 0, 0 }, "reserved bit 80" },
		{ { EVT_ID(0x10), SPEC(1, 96, 96), 0, 0 }, "reserved bit 96" },
		{ { EVT_ID(0x10), SPEC(1, 100, 100), 0, 0 }, "reserved bit 100" },
		{ { EVT_ID(0x10), SPEC(1, 106, 106), 0, 0 }, "reserved bit 106" },
		{ { EVT_ID(0x10), SPEC(1, 109, 109), 0, 0 }, "reserved bit 109" },
		{ { EVT_ID(0x10), SPEC(1, 127, 127), 0, 0 }, "reserved bit 127" },
		{ { EVT_ID(0x10), 0, 0, SPEC(1, 192, 192) }, "bit 192 (below the IPA)" },
		{ { EVT_ID(0x10), 0, 0, SPEC(1, 248, 248) }, "bit 248 (above the IPA)" },
		{ { EVT_ID(0x0a), SPEC(1, 64, 64), 0, 0 }, "C_BAD_CD with dword 1" },
		{ { EVT_ID(0x08), 0, 0x1000, 0 }, "C_BAD_SUBSTREAMID with an address" },
		{ { EVT_ID(0x08) | SPEC(1, 11, 11), 0, 0, 0 }, "C_BAD_SUBSTREAMID bit 11 (RES0)" },
		{ { EVT_ID(0x09), 0, 0, SPEC(1, 194, 194) }, "F_CD_FETCH bit 194 (RES0)" },
		{ { EVT_ID(0x09), 0, 0, SPEC(1, 248, 248) }, "F_CD_FETCH bit 248 (RES0)" },
		{ { EVT_ID(0x09), SPEC(1, 80, 80), 0, 0 }, "F_CD_FETCH GPCF (never written)" },
		{ { EVT_ID(0x09), 0, 0x1000, 0 }, "F_CD_FETCH dword 2 (RES0)" },
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
			r.ttrnw == w->ttrnw && r.addr == w->addr && r.ipa == w->ipa &&
			r.fetch == w->fetch,
			"case %u: decoded fields differ", i);
	}
	for (unsigned int i = 0; i < RTE_DIM(bad); i++) {
		if (emu_smmuv3_evt_decode(bad[i].dw, &r) != -EINVAL)
			TEST_ASSERT(0, "%s was accepted", bad[i].why);
	}
	{
		const uint64_t nossv[4] = { EVT_ID(0x10) | EVT_SSID(0xabcde), 0, 0, 0 };
		struct emu_smmuv3_evt w = { .id = 0x10, .ind = true };
		uint64_t dw[4];

		TEST_ASSERT_SUCCESS(emu_smmuv3_evt_decode(nossv, &r), "SubstreamID without SSV");
		TEST_ASSERT(!r.ssv && r.ssid == 0, "SubstreamID ignored without SSV");
		emu_smmuv3_evt_encode(&w, dw);
		TEST_ASSERT_EQUAL(dw[1], 0, "InD is never written without RnW");
	}
	return TEST_SUCCESS;
}

static int
test_smmu_cmd_bits(void)
{
	static const struct { struct emu_smmuv3_pri_resp r; uint64_t dw[2]; } cases[] = {
		{ { .resp = RESP_FAILURE }, { CMD_OP(0x41), PRIRESP_RESP(RESP_FAILURE) } },
		{ { .resp = RESP_INVALID }, { CMD_OP(0x41), PRIRESP_RESP(RESP_INVALID) } },
		{ { .resp = RESP_SUCCESS }, { CMD_OP(0x41), PRIRESP_RESP(RESP_SUCCESS) } },
		{ { .sid = 0x12345678 }, { CMD_OP(0x41) | CMD_SID(0x12345678), 0 } },
		{ { .ssv = true, .ssid = 0xabcde }, { CMD_OP(0x41) | CMD_SSV | CMD_SSID(0xabcde), 0 } },
		{ { .prg_index = 0x155 }, { CMD_OP(0x41), PRIRESP_PRGI(0x155) } },
		{ { .ssv = true, .ssid = 0xfffff, .sid = 0xffffffff, .prg_index = 511,
			.resp = RESP_SUCCESS },
			{ CMD_OP(0x41) | CMD_SSV | CMD_SSID(0xfffff) | CMD_SID(0xffffffff),
				PRIRESP_PRGI(511) | PRIRESP_RESP(RESP_SUCCESS) } },
	};
	static const struct { uint64_t dw[2]; const char *why; } bad[] = {
		{ { CMD_OP(0x40), 0 }, "opcode 0x40" },
		{ { CMD_OP(0x44), 0 }, "CMD_RESUME is not a page response" },
		{ { CMD_OP(0x41) | SPEC(1, 8, 8), 0 }, "reserved bit 8" },
		{ { CMD_OP(0x41), PRIRESP_RESP(3) }, "Resp 0b11 (Reserved: ILLEGAL)" },
		{ { CMD_OP(0x41), SPEC(1, 73, 73) }, "reserved bit 73" },
		{ { CMD_OP(0x41), SPEC(1, 78, 78) }, "reserved bit 78" },
		{ { CMD_OP(0x41), SPEC(1, 127, 127) }, "reserved bit 127" },
		{ { CMD_OP(0x41) | CMD_SSID(1), 0 }, "SubstreamID without SSV" },
	};
	static const struct { struct emu_smmuv3_resume r; uint64_t dw[2]; } resume[] = {
		{ { .resp = EMU_SMMUV3_RESUME_TERM }, { CMD_OP(0x44), 0 } },
		{ { .resp = EMU_SMMUV3_RESUME_RETRY, .stag = 0x1234 },
			{ CMD_OP(0x44) | RESUME_AC, RESUME_STAG(0x1234) } },
		{ { .resp = EMU_SMMUV3_RESUME_ABORT, .sid = 0xffffffff, .stag = 0xffff },
			{ CMD_OP(0x44) | RESUME_AB | CMD_SID(0xffffffff), RESUME_STAG(0xffff) } },
	};
	static const uint64_t resume_bad[][2] = {
		{ CMD_OP(0x41), 0 }, { CMD_OP(0x44) | SPEC(1, 8, 8), 0 },
		{ CMD_OP(0x44) | SPEC(1, 14, 14), 0 }, { CMD_OP(0x44), SPEC(1, 80, 80) },
	};
	/* 4.7.1: Retry with Ab set: "the Abort parameter, Ab, is IGNORED" */
	const uint64_t retry_ab[2] = { CMD_OP(0x44) | RESUME_AC | RESUME_AB | CMD_SID(3),
		RESUME_STAG(9) };
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
	TEST_ASSERT_SUCCESS(emu_smmuv3_resume_decode(retry_ab, &rs), "Retry with Ab: legal");
	TEST_ASSERT(rs.resp == EMU_SMMUV3_RESUME_RETRY && rs.sid == 3 && rs.stag == 9,
		"decoded as Retry");
	return TEST_SUCCESS;
}

/*
 * Literal words (hex written out, checked against the spec-derived value too): the
 * response codes, Priv/Exec, PnU/InD, and every event the emu emits from a generic
 * record, so that two fields swapped in encoder and decoder alike cannot pass.
 */
static int
test_smmu_literal_words(void)
{
	static const struct { uint32_t pcie; uint64_t dw1; } codes[] = {
		{ SVA_PAGE_RESP_SUCCESS, 0x2000 },   /* Resp 0b10 Success */
		{ SVA_PAGE_RESP_INVALID, 0x1000 },   /* Resp 0b01 InvalidRequest */
		{ SVA_PAGE_RESP_FAILURE, 0x0000 },   /* Resp 0b00 ResponseFailure */
	};
	static const struct {
		uint32_t reason, perm, flags;
		uint64_t dw0, dw1;
	} events[] = {
		/* SID 0x9, SSID 0x44 with SSV; a read: RnW */
		{ SVA_FAULT_REASON_TRANSLATION, SVA_FAULT_PERM_READ, SVA_FAULT_UNRECOV_PASID_VALID,
			0x0000000900044810ull, 0x0000020800000000ull },
		{ SVA_FAULT_REASON_ADDR_SIZE, SVA_FAULT_PERM_WRITE, SVA_FAULT_UNRECOV_PASID_VALID,
			0x0000000900044811ull, 0x0000020000000000ull },
		{ SVA_FAULT_REASON_ACCESS, SVA_FAULT_PERM_READ | SVA_FAULT_PERM_PRIV,
			SVA_FAULT_UNRECOV_PASID_VALID, 0x0000000900044812ull, 0x0000020a00000000ull },
		/* exec + read: InD with RnW */
		{ SVA_FAULT_REASON_PERMISSION, SVA_FAULT_PERM_READ | SVA_FAULT_PERM_EXEC,
			SVA_FAULT_UNRECOV_PASID_VALID, 0x0000000900044813ull, 0x0000020c00000000ull },
		/* exec + write: a write, InD dropped (7.3.16: InD == 0 when RnW == 0) */
		{ SVA_FAULT_REASON_PERMISSION, SVA_FAULT_PERM_WRITE | SVA_FAULT_PERM_EXEC,
			SVA_FAULT_UNRECOV_PASID_VALID, 0x0000000900044813ull, 0x0000020000000000ull },
		{ SVA_FAULT_REASON_PASID_INVALID, 0, SVA_FAULT_UNRECOV_PASID_VALID,
			0x000000090004480aull, 0 },
	};
	struct sva_page_response in = { .argsz = sizeof(in), .dev_id = 0x7, .grpid = 0x15 };
	struct emu_smmuv3_pri_resp r;
	struct emu_smmuv3_pri p = { .sid = 1, .ssv = true, .ssid = 2 };
	struct emu_smmuv3_evt e;
	uint64_t dw[4];

	for (unsigned int i = 0; i < RTE_DIM(codes); i++) {
		in.code = codes[i].pcie;
		emu_smmuv3_pri_resp_from_generic(&in, &r);
		emu_smmuv3_pri_resp_encode(&r, dw);
		TEST_ASSERT_EQUAL(dw[0], 0x0000000700000041ull, "code %u: dword 0", in.code);
		TEST_ASSERT_EQUAL(dw[1], 0x15 | codes[i].dw1, "code %u: dword 1", in.code);
		TEST_ASSERT_EQUAL(codes[i].dw1, PRIRESP_RESP(i == 0 ? RESP_SUCCESS :
			i == 1 ? RESP_INVALID : RESP_FAILURE), "the literal is the spec's");
	}
	p.priv = true;
	emu_smmuv3_pri_encode(&p, dw);
	TEST_ASSERT_EQUAL(dw[0], 0x8400000200000001ull, "Priv is bit 58");
	TEST_ASSERT_EQUAL(dw[0], PRI_SSV | PRI_PRIV | PRI_SSID(2) | PRI_SID(1), "spec");
	p.priv = false;
	p.exec = true;
	emu_smmuv3_pri_encode(&p, dw);
	TEST_ASSERT_EQUAL(dw[0], 0x8800000200000001ull, "Exec is bit 59");
	for (unsigned int i = 0; i < RTE_DIM(events); i++) {
		struct sva_fault_unrecov ev = { .reason = events[i].reason, .perm = events[i].perm,
			.flags = events[i].flags | SVA_FAULT_UNRECOV_ADDR_VALID, .pasid = 0x44,
			.addr = 0x7f0000001000ull, .dev_id = 0x9 };

		TEST_ASSERT_SUCCESS(emu_smmuv3_evt_from_generic(&ev, &e), "event %u", i);
		emu_smmuv3_evt_encode(&e, dw);
		TEST_ASSERT_EQUAL(dw[0], events[i].dw0, "event %u dword 0", i);
		TEST_ASSERT_EQUAL(dw[1], events[i].dw1, "event %u dword 1", i);
		TEST_ASSERT_EQUAL(dw[2], events[i].dw1 ? 0x7f0000001000ull : 0, "event %u address", i);
		TEST_ASSERT_EQUAL(dw[3], 0, "event %u IPA", i);
	}
	TEST_ASSERT_EQUAL(events[3].dw1, EVT_CLASS(2) | EVT_RNW | EVT_IND, "InD literal is spec");
	TEST_ASSERT_EQUAL(events[2].dw1, EVT_CLASS(2) | EVT_RNW | EVT_PNU, "PnU literal is spec");
	{
		/* C_BAD_SUBSTREAMID from a generic record: no SSV bit, the SubstreamID kept */
		struct sva_fault_unrecov ev = { .hw_event = 0x08, .flags =
			SVA_FAULT_UNRECOV_PASID_VALID, .pasid = 0x44, .dev_id = 0x9 }, back;

		TEST_ASSERT_SUCCESS(emu_smmuv3_evt_from_generic(&ev, &e), "C_BAD_SUBSTREAMID");
		emu_smmuv3_evt_encode(&e, dw);
		TEST_ASSERT_EQUAL(dw[0], 0x0000000900044008ull, "no bit 11");
		TEST_ASSERT_SUCCESS(emu_smmuv3_evt_decode(dw, &e), "decodes");
		emu_smmuv3_evt_to_generic(&e, &back);
		TEST_ASSERT_EQUAL(back.pasid, 0x44, "the PASID is kept");
		TEST_ASSERT(back.flags & SVA_FAULT_UNRECOV_PASID_VALID, "and valid");
		TEST_ASSERT_EQUAL(back.reason, SVA_FAULT_REASON_PASID_INVALID, "reason");
	}
	return TEST_SUCCESS;
}

static int
test_smmu_resp_code_mapping(void)
{
	struct sva_page_response in = { .argsz = sizeof(in), .flags = SVA_PAGE_RESP_PASID_VALID,
		.dev_id = 0xfffffffe, .pasid = 0xfffff, .grpid = 511 }, out;
	struct emu_smmuv3_pri_resp r;

	/* PCIe -> SMMU (4.5.2) */
	TEST_ASSERT_EQUAL(emu_smmuv3_resp_from_pcie(SVA_PAGE_RESP_SUCCESS), RESP_SUCCESS, "Success");
	TEST_ASSERT_EQUAL(emu_smmuv3_resp_from_pcie(SVA_PAGE_RESP_INVALID), RESP_INVALID, "Invalid");
	TEST_ASSERT_EQUAL(emu_smmuv3_resp_from_pcie(SVA_PAGE_RESP_FAILURE), RESP_FAILURE, "Failure");
	TEST_ASSERT_EQUAL(emu_smmuv3_resp_from_pcie(2), 3, "no mapping -> reserved");
	TEST_ASSERT_EQUAL(emu_smmuv3_resp_from_pcie(0xe), 3, "no mapping -> reserved");
	/* SMMU -> PCIe */
	TEST_ASSERT_EQUAL(emu_smmuv3_resp_to_pcie(RESP_SUCCESS), SVA_PAGE_RESP_SUCCESS, "Success");
	TEST_ASSERT_EQUAL(emu_smmuv3_resp_to_pcie(RESP_INVALID), SVA_PAGE_RESP_INVALID, "Invalid");
	TEST_ASSERT_EQUAL(emu_smmuv3_resp_to_pcie(RESP_FAILURE), SVA_PAGE_RESP_FAILURE, "Failure");
	TEST_ASSERT_RET(emu_smmuv3_resp_to_pcie(3), -EINVAL);
	/* Through the generic response, every field. */
	for (uint32_t code = 0; code <= 0xf; code++) {
		uint64_t dw[2];

		if (code != 0 && code != 1 && code != 0xf)
			continue;
		in.code = code;
		emu_smmuv3_pri_resp_from_generic(&in, &r);
		emu_smmuv3_pri_resp_encode(&r, dw);
		TEST_ASSERT_EQUAL(dw[0], CMD_OP(0x41) | CMD_SSV | CMD_SSID(0xfffff) |
			CMD_SID(0xfffffffe), "dword 0");
		TEST_ASSERT_EQUAL(dw[1], PRIRESP_PRGI(511) | PRIRESP_RESP(code == 0 ? RESP_SUCCESS :
			code == 1 ? RESP_INVALID : RESP_FAILURE), "dword 1");
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
	ev.perm = SVA_FAULT_PERM_WRITE | SVA_FAULT_PERM_EXEC;
	TEST_ASSERT_SUCCESS(emu_smmuv3_evt_from_generic(&ev, &e), "exec write");
	TEST_ASSERT(!e.rnw && !e.ind, "a write, never InD without RnW");
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
	struct sva_page_response ar[8];
	struct emu_smmuv3_regs regs;
	struct emu_model_counters c;
	struct sva_fault_page_req pr;
	uint32_t i;

	TEST_ASSERT_NOT_NULL(q, "queue");
	for (i = 0; i < 4; i++) {
		pr = mk_req(i);
		TEST_ASSERT_SUCCESS(ops->prq_write(q, &pr), "write %u", i);
	}
	pr = mk_req(100);   /* Last == 0 */
	TEST_ASSERT_RET(ops->prq_write(q, &pr), -ENOSPC);
	emu_smmuv3_regs_get(q, &regs);
	TEST_ASSERT_EQUAL(regs.priq_prod, EMU_SMMUV3_Q_OVF | 4, "OVFLG toggled, PROD kept");
	TEST_ASSERT_EQUAL(regs.priq_cons, 0, "CONS not acknowledged yet");
	pr = mk_req(101);   /* Last == 1 (101 % 3 == 2): auto-response */
	TEST_ASSERT_RET(ops->prq_write(q, &pr), -ENOSPC);
	emu_smmuv3_regs_get(q, &regs);
	TEST_ASSERT_EQUAL(regs.priq_prod, EMU_SMMUV3_Q_OVF | 4, "outstanding: no second toggle");
	ops->counters_get(q, &c);
	TEST_ASSERT_EQUAL(c.prq_dropped, 2, "two dropped");
	TEST_ASSERT_EQUAL(c.prq_overflows, 1, "one overflow");
	TEST_ASSERT_EQUAL(c.prq_auto_resp, 1, "one auto-response (Last == 1 only)");

	/* 8.1: "An active overflow condition inhibits new entries from being written",
	 * even once space frees. */
	TEST_ASSERT_EQUAL(ops->prq_read(q, out, 2), 2, "two of the four before the loss");
	pr = mk_req(4);
	TEST_ASSERT_RET(ops->prq_write(q, &pr), -ENOSPC);
	{
		/* A Stop Marker (LWR 100 with SSV) dropped in the overflow: no auto-response;
		 * LWR 100 without SSV is a page request: answered. */
		const uint64_t stop[2] = { PRI_SSV | PRI_LAST | PRI_SSID(3) | PRI_SID(0x42), PRI_PRGI(7) };
		const uint64_t nopasid[2] = { PRI_LAST | PRI_SID(0x43), PRI_PRGI(8) };

		TEST_ASSERT_RET(ops->prq_write_raw(q, stop), -ENOSPC);
		TEST_ASSERT_RET(ops->prq_write_raw(q, nopasid), -ENOSPC);
	}
	TEST_ASSERT_EQUAL(ops->prq_read(q, out + 2, 14), 3, "the other two, then the overflow");
	for (i = 0; i < 4; i++)
		if (check_req(&out[i], i) != TEST_SUCCESS)
			return TEST_FAILED;
	TEST_ASSERT_EQUAL(out[4].type, SVA_FAULT_OVERFLOW, "overflow at the point of loss");
	TEST_ASSERT_EQUAL(out[4].overflow.queue, 0, "PRI queue");
	TEST_ASSERT_EQUAL(out[4].overflow.lost, 5, "five lost");
	emu_smmuv3_regs_get(q, &regs);
	TEST_ASSERT_EQUAL(regs.priq_cons, EMU_SMMUV3_Q_OVF | 4, "acknowledged: CONS took PROD's flag");
	TEST_ASSERT_EQUAL(ops->prq_read(q, out, 16), 0, "reported once");

	/* The auto-responses: the SMMU's own, Success, same StreamID/PRGIndex/PASID (8.2). */
	TEST_ASSERT_EQUAL(ops->resp_read(q, ar, 8), 2, "two auto-responses");
	pr = mk_req(101);
	TEST_ASSERT_EQUAL(ar[0].code, SVA_PAGE_RESP_SUCCESS, "Success");
	TEST_ASSERT_EQUAL(ar[0].dev_id, pr.dev_id, "StreamID");
	TEST_ASSERT_EQUAL(ar[0].grpid, pr.grpid, "PRGIndex");
	TEST_ASSERT_EQUAL(ar[0].flags, SVA_PAGE_RESP_PASID_VALID, "with PASID");
	TEST_ASSERT_EQUAL(ar[0].pasid, pr.pasid, "PASID");
	TEST_ASSERT(ar[1].code == SVA_PAGE_RESP_SUCCESS && ar[1].dev_id == 0x43 &&
		ar[1].grpid == 8 && ar[1].flags == 0, "LWR 100 without SSV answered, no PASID");
	TEST_ASSERT_EQUAL(ops->resp_read(q, ar, 8), 0, "once each");

	/* Writing resumes after the acknowledgement; a second overflow toggles back. */
	for (i = 0; i < 4; i++) {
		pr = mk_req(10 + i);
		TEST_ASSERT_SUCCESS(ops->prq_write(q, &pr), "write %u", 10 + i);
	}
	pr = mk_req(14);
	TEST_ASSERT_RET(ops->prq_write(q, &pr), -ENOSPC);
	emu_smmuv3_regs_get(q, &regs);
	TEST_ASSERT_EQUAL(regs.priq_prod, 0, "OVFLG back to 0, index 0, wrap 0");
	TEST_ASSERT_EQUAL(ops->prq_read(q, out, 16), 5, "four and the overflow");
	TEST_ASSERT_EQUAL(out[4].type, SVA_FAULT_OVERFLOW, "overflow last");
	TEST_ASSERT_EQUAL(out[4].overflow.lost, 1, "one lost");
	emu_smmuv3_regs_get(q, &regs);
	TEST_ASSERT_EQUAL(regs.priq_cons, 0, "acknowledged with flag 0");
	ops->counters_get(q, &c);
	TEST_ASSERT_EQUAL(c.prq_overflows, 2, "two overflows");
	TEST_ASSERT_EQUAL(c.prq_dropped, 6, "six dropped");
	TEST_ASSERT_EQUAL(c.prq_read, 8, "requests read");
	TEST_ASSERT_EQUAL(c.prq_auto_resp, 3, "mk_req(14) has Last: answered too");
	TEST_ASSERT_EQUAL(c.resp_read, 0, "auto-responses are not command-queue responses");
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
	TEST_ASSERT_RET(ops->prq_write(q, &pr), -ENOSPC); /* 8.1: inhibited */
	TEST_ASSERT_EQUAL(ops->prq_read(q, out, 8), 2, "request, overflow");
	TEST_ASSERT_SUCCESS(check_req(&out[0], 0), "request 0");
	TEST_ASSERT_EQUAL(out[1].type, SVA_FAULT_OVERFLOW, "overflow at the forced point");
	TEST_ASSERT_EQUAL(out[1].overflow.lost, 1, "the request written during it");
	pr = mk_req(2);
	TEST_ASSERT_SUCCESS(ops->prq_write(q, &pr), "acknowledged: writing again");
	TEST_ASSERT_EQUAL(ops->prq_read(q, out, 8), 1, "request 2");
	TEST_ASSERT_SUCCESS(check_req(&out[0], 2), "request 2");
	ops->counters_get(q, &c);
	TEST_ASSERT_EQUAL(c.prq_overflows, 1, "one overflow");
	TEST_ASSERT_EQUAL(c.prq_dropped, 1, "one drop");
	return TEST_SUCCESS;
}

static int
test_smmu_priq_malformed_and_stop(void)
{
	void *q = smmu_q_new(8, 4, 4);
	struct sva_fault out[8];
	struct emu_model_counters c;
	const uint64_t good[2] = { PRI_SID(0x42) | PRI_SSV | PRI_SSID(3) | PRI_READ | PRI_LAST,
		PRI_PRGI(7) | PRI_ADDR(0x9000) };
	const uint64_t rsvd[2] = { good[0] | SPEC(1, 55, 55), good[1] };
	const uint64_t exec_nossv[2] = { PRI_EXEC | PRI_SID(0x42), good[1] };
	const uint64_t stop[2] = { PRI_SSV | PRI_LAST | PRI_SSID(3) | PRI_SID(0x42), PRI_PRGI(7) };
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
	/* CMD_ATC_INV (0x40): a command the emu's device side does not take */
	const uint64_t atc_inv[2] = { CMD_OP(0x40), 0 };

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
	/* Bad commands: an unmappable code, and a CMD_ATC_INV, are counted and skipped
	 * (CMD_RESUME is taken: test_emu_stall.c). */
	resp[0].code = 0x7;
	TEST_ASSERT_EQUAL(ops->resp_write(q, resp, 1), 1, "unmappable code is written");
	TEST_ASSERT_SUCCESS(emu_smmuv3_cmdq_write_raw(q, atc_inv), "CMD_ATC_INV");
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
	const uint64_t bad[4] = { EVT_ID(0x24), 0, 0, 0 };

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
 * Nested (vSVA) stage-2 faults, as the emu device builds their records (emu_vsva.c): a
 * stage-1 table descriptor, a CD, or the data's IPA outside guest RAM (stage 2 does not
 * map it). IHI0070 7.3.13 F_TRANSLATION: S2 (bit 103) = 1 "stage 2 fault", CLASS
 * (105:104) 0b00 CD "CD fetch", 0b01 TT "stage 1 translation table fetch", 0b10 IN
 * "input address", IPA[55:12] (247:204) "the IPA of the fault" when S2 == 1; a stage-1
 * fault has S2 = 0. The words below are from those positions, the generic record read
 * back keeps the stage (SVA_FAULT_UNRECOV_NESTED_S2) and every bit of the GPA.
 */
static int
test_smmu_evtq_nested_s2(void)
{
	static const uint32_t ok = SVA_FAULT_UNRECOV_PASID_VALID | SVA_FAULT_UNRECOV_ADDR_VALID;
	static const struct {
		struct sva_fault_unrecov ev;
		uint64_t dw[4];
		const char *what;
	} cases[] = {
		{ { .reason = SVA_FAULT_REASON_TRANSLATION, .hw_event = 0x10,
			.flags = ok | SVA_FAULT_UNRECOV_FETCH_ADDR_VALID | SVA_FAULT_UNRECOV_NESTED_S2,
			.pasid = 3, .perm = SVA_FAULT_PERM_WRITE, .addr = 0x400123,
			.fetch_addr = 0x12345678, .gpa = 0x12345678, .dev_id = 0x10 },
			{ EVT_ID(0x10) | EVT_SSV | EVT_SSID(3) | EVT_SID(0x10),
				EVT_S2 | EVT_CLASS(1), 0x400123, EVT_IPA(0x12345000) },
			"a stage-1 table outside guest RAM: S2, CLASS TT, its IPA" },
		{ { .reason = SVA_FAULT_REASON_PASID_INVALID, .hw_event = 0x10,
			.flags = ok | SVA_FAULT_UNRECOV_FETCH_ADDR_VALID | SVA_FAULT_UNRECOV_NESTED_S2,
			.pasid = 70, .perm = SVA_FAULT_PERM_READ, .addr = 0x7f0000001000,
			.fetch_addr = 0x40000180, .gpa = 0x40000180, .dev_id = 0x11 },
			{ EVT_ID(0x10) | EVT_SSV | EVT_SSID(70) | EVT_SID(0x11),
				EVT_RNW | EVT_S2 | EVT_CLASS(0), 0x7f0000001000, EVT_IPA(0x40000000) },
			"a CD outside guest RAM: S2, CLASS CD, its IPA" },
		{ { .reason = SVA_FAULT_REASON_TRANSLATION,
			.flags = ok | SVA_FAULT_UNRECOV_NESTED_S2,
			.pasid = 2, .perm = SVA_FAULT_PERM_READ, .addr = 0x401008,
			.gpa = 0xabcde5008, .dev_id = 0x12 },
			{ EVT_ID(0x10) | EVT_SSV | EVT_SSID(2) | EVT_SID(0x12),
				EVT_RNW | EVT_S2 | EVT_CLASS(2), 0x401008, EVT_IPA(0xabcde5000) },
			"the data's IPA outside guest RAM: S2, CLASS IN" },
		{ { .reason = SVA_FAULT_REASON_TRANSLATION, .hw_event = 0x10,
			.flags = ok | SVA_FAULT_UNRECOV_NESTED_S1,
			.pasid = 2, .perm = SVA_FAULT_PERM_READ, .addr = 0x402000, .dev_id = 0x12 },
			{ EVT_ID(0x10) | EVT_SSV | EVT_SSID(2) | EVT_SID(0x12),
				EVT_RNW | EVT_CLASS(2), 0x402000, 0 },
			"a stage-1 fault: S2 = 0, no IPA" },
	};
	struct sva_fault out[2];
	struct emu_smmuv3_evt r;
	struct sva_fault_unrecov g;
	uint64_t ent[4];
	void *q = smmu_q_new(16, 16, 16);

	TEST_ASSERT_NOT_NULL(q, "queue");
	for (unsigned int i = 0; i < RTE_DIM(cases); i++) {
		const struct sva_fault_unrecov *ev = &cases[i].ev;
		bool s2 = ev->flags & SVA_FAULT_UNRECOV_NESTED_S2;

		TEST_ASSERT_SUCCESS(ops->evtq_write(q, ev), "%s: written", cases[i].what);
		emu_smmuv3_evtq_peek_raw(q, i, ent);
		for (unsigned int w = 0; w < 4; w++)
			TEST_ASSERT_EQUAL(ent[w], cases[i].dw[w], "%s: word %u", cases[i].what, w);
		TEST_ASSERT_EQUAL(ops->evtq_read(q, out, 2), 1, "%s: read", cases[i].what);
		TEST_ASSERT_EQUAL(out[0].event.reason, ev->reason, "%s: reason", cases[i].what);
		TEST_ASSERT_EQUAL(out[0].event.hw_event, 0x10, "%s: F_TRANSLATION", cases[i].what);
		TEST_ASSERT_EQUAL(out[0].event.flags, ev->flags, "%s: flags", cases[i].what);
		TEST_ASSERT_EQUAL(out[0].event.gpa, ev->gpa, "%s: every bit of the GPA",
			cases[i].what);
		TEST_ASSERT_EQUAL(out[0].event.fetch_addr, ev->fetch_addr, "%s: fetch",
			cases[i].what);
		TEST_ASSERT_EQUAL(out[0].event.addr, ev->addr, "%s: input address", cases[i].what);
		/* the words alone (no side information): the stage and the IPA's page */
		TEST_ASSERT_SUCCESS(emu_smmuv3_evt_decode(cases[i].dw, &r), "%s: decode",
			cases[i].what);
		memset(&g, 0xa5, sizeof(g));
		emu_smmuv3_evt_to_generic(&r, &g);
		TEST_ASSERT_EQUAL(g.reason, ev->reason, "%s: reason from the words", cases[i].what);
		TEST_ASSERT_EQUAL(g.flags & (SVA_FAULT_UNRECOV_NESTED_S2 |
			SVA_FAULT_UNRECOV_FETCH_ADDR_VALID), ev->flags &
			(SVA_FAULT_UNRECOV_NESTED_S2 | SVA_FAULT_UNRECOV_FETCH_ADDR_VALID),
			"%s: stage and fetch from the words", cases[i].what);
		TEST_ASSERT_EQUAL(g.gpa, s2 ? ev->gpa & ~UINT64_C(0xfff) : 0, "%s: IPA[55:12]",
			cases[i].what);
	}
	return TEST_SUCCESS;
}

/* Device and poll side on two threads (test_emu_queue_common.c). */
static int
test_smmu_concurrent_accounting(void)
{
	const struct emu_qtest t = { .ops = ops, .q = smmu_q_new(64, 16, 64), .mk_req = mk_req,
		.check_req = check_req, .addr_base = 0x550000000000ull, .dev_id_mask = 0xffffffffu };

	return emu_qtest_concurrent_accounting(&t);
}

static int
test_smmu_concurrent_responses(void)
{
	const struct emu_qtest t = { .ops = ops, .q = smmu_q_new(64, 16, 64), .mk_req = mk_req,
		.check_req = check_req, .addr_base = 0x550000000000ull, .dev_id_mask = 0xffffffffu };

	return emu_qtest_concurrent_responses(&t);
}

static struct sva_test_suite emu_smmuv3_suite = {
	.name = "emu SMMUv3 model",
	.cases = {
		SVA_TEST_CASE(test_smmu_spec_fields),
		SVA_TEST_CASE(test_smmu_pri_bits),
		SVA_TEST_CASE(test_smmu_evt_bits),
		SVA_TEST_CASE(test_smmu_cmd_bits),
		SVA_TEST_CASE(test_smmu_literal_words),
		SVA_TEST_CASE(test_smmu_resp_code_mapping),
		SVA_TEST_CASE(test_smmu_generic_mapping),
		SVA_TEST_CASE(test_smmu_init_refuses),
		SVA_TEST_CASE(test_smmu_priq_wrap),
		SVA_TEST_CASE(test_smmu_priq_overflow),
		SVA_TEST_CASE(test_smmu_priq_force_overflow),
		SVA_TEST_CASE(test_smmu_priq_malformed_and_stop),
		SVA_TEST_CASE(test_smmu_cmdq_batch),
		SVA_TEST_CASE(test_smmu_evtq),
		SVA_TEST_CASE(test_smmu_evtq_nested_s2),
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
