/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * emu_vtd_autotest: the emu's VT-d formats and queue model, on their own (the emu
 * driver's device-level cases live in their own suite). Bit positions are checked
 * against hardware words computed here from the VT-d specification's field tables
 * (independently of emu_vtd.h) and against literal words, so an encoder and decoder
 * that agree on a wrong layout cannot pass; the queue model is
 * driven from one thread through the emu_model.h ops and its registers and counters
 * are checked after each step.
 */
#include <string.h>

#include <rte_common.h>
#include <rte_cycles.h>

#include "emu_model.h"
#include "emu_vtd.h"
#include "sva_test.h"
#include "test_emu_queue_common.h"

/* Queue memory for the model: zeroed and 4 KiB aligned, as the driver gives it. */
/* the largest rings and their side arrays (timestamps, nested side information) */
static uint8_t qmem[2 << 20] __rte_aligned(4096);
static const struct emu_model_ops *const ops = &emu_model_vtd;

static void *
vtd_q_new(uint32_t prq, uint32_t evtq, uint32_t respq)
{
	struct emu_queue_cfg cfg = { .prq_depth = prq, .evtq_depth = evtq, .respq_depth = respq };
	size_t sz = ops->mem_size(&cfg);

	if (sz == 0 || sz > sizeof(qmem))
		return NULL;
	memset(qmem, 0, sz);
	return ops->init(qmem, &cfg) == 0 ? qmem : NULL;
}

/* ---------------------------------------------------------------- codecs */

struct prq_case {
	struct emu_vtd_page_req r;
	uint64_t qw[4];
};

/*
 * Golden words, computed here from the VT-d specification's field tables at their
 * absolute bit positions (SPEC), never from emu_vtd.h. Page request descriptor: 7.4.1.1
 * Figure 7-1 (Rev. 5.10; PDP bit 9 and private data 255:128 are VT-d 3.x, where 5.10
 * has RsvdZ); page group response: 7.6.1 Figure 7-2 (PDP 5 and LPIG 66 are 3.x, 5.10
 * has bit 5 reserved and 66:64 IGN); response codes: Table 32; fault recording
 * register: 11.4.7.6 (10.4.14 in 3.x).
 */
#define PRQ_TYPE(v) SPEC(v, 7, 0)
#define PRQ_PP SPEC(1, 8, 8)
#define PRQ_PDP SPEC(1, 9, 9)
#define PRQ_RID(v) SPEC(v, 31, 16)
#define PRQ_PASID(v) SPEC(v, 51, 32)
#define PRQ_EXR SPEC(1, 52, 52)
#define PRQ_PMR SPEC(1, 53, 53)
#define PRQ_RDR SPEC(1, 64, 64)                      /* qword 1 */
#define PRQ_WRR SPEC(1, 65, 65)
#define PRQ_LPIG SPEC(1, 66, 66)
#define PRQ_PRGI(v) SPEC(v, 75, 67)
#define PRQ_ADDR(a) SPEC((uint64_t)(a) >> 12, 127, 76) /* Address[63:12] */
#define PGR_TYPE_LO(v) SPEC(v, 3, 0)
#define PGR_PP SPEC(1, 4, 4)
#define PGR_PDP SPEC(1, 5, 5)
#define PGR_TYPE_HI(v) SPEC(v, 11, 9)
#define PGR_RC(v) SPEC(v, 15, 12)
#define PGR_RID(v) SPEC(v, 31, 16)
#define PGR_PASID(v) SPEC(v, 51, 32)
#define PGR_LPIG SPEC(1, 66, 66)                     /* qword 1 */
#define PGR_PRGI(v) SPEC(v, 75, 67)
#define RC_SUCCESS 0x0 /* Table 32 */
#define RC_INVALID 0x1
#define RC_FAILURE 0xf
#define FRCD_FI(a) SPEC((uint64_t)(a) >> 12, 63, 12)
#define FRCD_SID(v) SPEC(v, 79, 64)                  /* qword 1 */
#define FRCD_PRIV SPEC(1, 93, 93)
#define FRCD_EXE SPEC(1, 94, 94)
#define FRCD_PP SPEC(1, 95, 95)
#define FRCD_FR(v) SPEC(v, 103, 96)
#define FRCD_PV(v) SPEC(v, 123, 104)
#define FRCD_AT(v) SPEC(v, 125, 124)
#define FRCD_T SPEC(1, 126, 126)
#define FRCD_F SPEC(1, 127, 127)

static int
prq_fields_equal(const struct emu_vtd_page_req *a, const struct emu_vtd_page_req *b)
{
	return a->type == b->type && a->pasid_present == b->pasid_present && a->pdp == b->pdp &&
		a->exec == b->exec && a->priv == b->priv && a->read == b->read &&
		a->write == b->write && a->last == b->last && a->rid == b->rid &&
		a->pasid == b->pasid && a->prg_index == b->prg_index && a->addr == b->addr &&
		a->priv_data[0] == b->priv_data[0] && a->priv_data[1] == b->priv_data[1];
}

static int
test_vtd_prq_desc_bits(void)
{
	/* Each case sets one field (or all at their maximum); the words are worked out by
	 * hand from the layout: qw0 type 7:0, P 8, PDP 9, RID 31:16, PASID 51:32, EXE 52,
	 * PRIV 53; qw1 R 0, W 1, LPIG 2, PRG 11:3, address 63:12. */
	static const struct prq_case cases[] = {
		{ { .type = 1 }, { PRQ_TYPE(1), 0, 0, 0 } },
		{ { .type = 1, .rid = 0x1234 }, { PRQ_TYPE(1) | PRQ_RID(0x1234), 0, 0, 0 } },
		{ { .type = 1, .rid = 0xffff }, { PRQ_TYPE(1) | PRQ_RID(0xffff), 0, 0, 0 } },
		{ { .type = 1, .pasid_present = true, .pasid = 0xabcde },
			{ PRQ_TYPE(1) | PRQ_PP | PRQ_PASID(0xabcde), 0, 0, 0 } },
		{ { .type = 1, .pasid_present = true, .pasid = 0xfffff },
			{ PRQ_TYPE(1) | PRQ_PP | PRQ_PASID(0xfffff), 0, 0, 0 } },
		{ { .type = 1, .pasid_present = true, .exec = true },
			{ PRQ_TYPE(1) | PRQ_PP | PRQ_EXR, 0, 0, 0 } },
		{ { .type = 1, .pasid_present = true, .priv = true },
			{ PRQ_TYPE(1) | PRQ_PP | PRQ_PMR, 0, 0, 0 } },
		{ { .type = 1, .read = true }, { PRQ_TYPE(1), PRQ_RDR, 0, 0 } },
		{ { .type = 1, .write = true }, { PRQ_TYPE(1), PRQ_WRR, 0, 0 } },
		{ { .type = 1, .last = true }, { PRQ_TYPE(1), PRQ_LPIG, 0, 0 } },
		{ { .type = 1, .prg_index = 0x155 }, { PRQ_TYPE(1), PRQ_PRGI(0x155), 0, 0 } },
		{ { .type = 1, .prg_index = 511 }, { PRQ_TYPE(1), PRQ_PRGI(511), 0, 0 } },
		{ { .type = 1, .addr = 0x00007ffffffff000ull }, { PRQ_TYPE(1), PRQ_ADDR(0x00007ffffffff000ull), 0, 0 } },
		{ { .type = 1, .addr = 0xfffffffffffff000ull }, { PRQ_TYPE(1), PRQ_ADDR(0xfffffffffffff000ull), 0, 0 } },
		{ { .type = 1, .pdp = true, .priv_data = { 0x0123456789abcdefull, 0xfedcba9876543210ull } },
			{ PRQ_TYPE(1) | PRQ_PDP, 0, 0x0123456789abcdefull, 0xfedcba9876543210ull } },
		{ { .type = 1, .pasid_present = true, .pdp = true, .exec = true, .priv = true,
			.read = true, .write = true, .last = true, .rid = 0xffff, .pasid = 0xfffff,
			.prg_index = 511, .addr = 0xfffffffffffff000ull,
			.priv_data = { ~0ull, ~0ull } },
			{ PRQ_TYPE(1) | PRQ_PP | PRQ_PDP | PRQ_RID(0xffff) | PRQ_PASID(0xfffff) |
				PRQ_EXR | PRQ_PMR, PRQ_RDR | PRQ_WRR | PRQ_LPIG | PRQ_PRGI(511) |
				PRQ_ADDR(0xfffffffffffff000ull), ~0ull, ~0ull } },
	};

	for (unsigned int i = 0; i < RTE_DIM(cases); i++) {
		uint64_t qw[4];
		struct emu_vtd_page_req r;

		emu_vtd_prq_encode(&cases[i].r, qw);
		for (unsigned int j = 0; j < 4; j++)
			TEST_ASSERT_EQUAL(qw[j], cases[i].qw[j], "case %u qword %u", i, j);
		memset(&r, 0xa5, sizeof(r));
		TEST_ASSERT_SUCCESS(emu_vtd_prq_decode(cases[i].qw, &r), "case %u decodes", i);
		TEST_ASSERT(prq_fields_equal(&r, &cases[i].r), "case %u: decoded fields differ", i);
	}
	return TEST_SUCCESS;
}

static int
test_vtd_prq_decode_strict(void)
{
	/* qw0 of a valid request with a PASID: type 1, P. */
	const uint64_t ok0 = 0x0000000500000101ull;
	static const struct { uint64_t qw[4]; const char *why; } bad[] = {
		{ { 0x0000000500000100ull, 0, 0, 0 }, "type 0" },
		{ { 0x0000000500000102ull, 0, 0, 0 }, "type 2" },
		{ { 0x0000000500000181ull, 0, 0, 0 }, "type 0x81" },
		{ { 0x0000000500000501ull, 0, 0, 0 }, "reserved bit 10" },
		{ { 0x0000000500008101ull, 0, 0, 0 }, "reserved bit 15" },
		{ { 0x0040000500000101ull, 0, 0, 0 }, "reserved bit 54" },
		{ { 0x8000000500000101ull, 0, 0, 0 }, "reserved bit 63" },
		{ { 0x0000000500000001ull, 0, 0, 0 }, "PASID without PASID present" },
		{ { 0x0010000000000001ull, 0, 0, 0 }, "exec without PASID present" },
		{ { 0x0020000000000001ull, 0, 0, 0 }, "priv without PASID present" },
		{ { 0x0000000500000101ull, 0, 1, 0 }, "qword 2 without PDP" },
		{ { 0x0000000500000101ull, 0, 0, 1ull << 63 }, "qword 3 without PDP" },
	};
	/* Structurally fine, semantically wrong: the fault path answers these Invalid. */
	static const uint64_t pass[][4] = {
		{ 0x0020000500000101ull, 0x1000 | 0x1, 0, 0 },  /* priv + read */
		{ 0x0010000500000101ull, 0x2000 | 0x1, 0, 0 },  /* exec + read */
		{ 0x0000000500000101ull, 0x8000000000001000ull | 0x2, 0, 0 }, /* non-canonical */
		{ 0x0000000000000001ull, 0x4, 0, 0 },           /* stop marker without PASID */
	};
	struct emu_vtd_page_req r;

	for (unsigned int i = 0; i < RTE_DIM(bad); i++) {
		if (emu_vtd_prq_decode(bad[i].qw, &r) != -EINVAL)
			TEST_ASSERT(0, "%s was accepted", bad[i].why);
	}
	for (unsigned int i = 0; i < RTE_DIM(pass); i++)
		TEST_ASSERT_SUCCESS(emu_vtd_prq_decode(pass[i], &r), "semantic case %u passes", i);
	TEST_ASSERT(r.last && !r.read && !r.write, "stop marker decodes as LAST without R/W");
	{
		const uint64_t ok[4] = { ok0, 0, 0, 0 };

		TEST_ASSERT_SUCCESS(emu_vtd_prq_decode(ok, &r), "the base word is valid");
		TEST_ASSERT_EQUAL(r.pasid, 5, "PASID of the base word");
	}
	return TEST_SUCCESS;
}

static int
test_vtd_pgrp_resp_bits(void)
{
	/* qw0 type 3:0 = 9, P 4, PDP 5, code 15:12, RID 31:16, PASID 51:32; qw1 LPIG 2,
	 * PRG 11:3; qw2-3 private data. */
	static const struct { struct emu_vtd_pgrp_resp r; uint64_t qw[4]; } cases[] = {
		{ { .code = 0 }, { PGR_TYPE_LO(9) | PGR_RC(RC_SUCCESS), 0, 0, 0 } },
		{ { .code = 1 }, { PGR_TYPE_LO(9) | PGR_RC(RC_INVALID), 0, 0, 0 } },
		{ { .code = 0xf }, { PGR_TYPE_LO(9) | PGR_RC(RC_FAILURE), 0, 0, 0 } },
		{ { .rid = 0x1234 }, { PGR_TYPE_LO(9) | PGR_RID(0x1234), 0, 0, 0 } },
		{ { .pasid_present = true, .pasid = 0xabcde }, { PGR_TYPE_LO(9) | PGR_PP | PGR_PASID(0xabcde), 0, 0, 0 } },
		{ { .last = true }, { PGR_TYPE_LO(9), PGR_LPIG, 0, 0 } },
		{ { .prg_index = 0x155 }, { PGR_TYPE_LO(9), PGR_PRGI(0x155), 0, 0 } },
		{ { .pdp = true, .priv_data = { 0x1122334455667788ull, 0x99aabbccddeeff00ull } },
			{ PGR_TYPE_LO(9) | PGR_PDP, 0, 0x1122334455667788ull, 0x99aabbccddeeff00ull } },
		{ { .pasid_present = true, .pdp = true, .last = true, .code = 0xf, .rid = 0xffff,
			.pasid = 0xfffff, .prg_index = 511, .priv_data = { ~0ull, ~0ull } },
			{ PGR_TYPE_LO(9) | PGR_PP | PGR_PDP | PGR_RC(RC_FAILURE) | PGR_RID(0xffff) |
				PGR_PASID(0xfffff), PGR_LPIG | PGR_PRGI(511), ~0ull, ~0ull } },
	};
	static const struct { uint64_t qw[4]; const char *why; } bad[] = {
		{ { PGR_TYPE_LO(8), 0, 0, 0 }, "type 8" },
		{ { PGR_TYPE_LO(9) | PGR_TYPE_HI(1), 0, 0, 0 }, "type bits 11:9 set" },
		{ { PGR_TYPE_LO(9) | SPEC(1, 6, 6), 0, 0, 0 }, "reserved bit 6" },
		{ { PGR_TYPE_LO(9) | SPEC(1, 52, 52), 0, 0, 0 }, "reserved bit 52" },
		{ { PGR_TYPE_LO(9) | PGR_RC(2), 0, 0, 0 }, "response code 2 (Table 32: reserved)" },
		{ { PGR_TYPE_LO(9) | PGR_RC(0xe), 0, 0, 0 }, "response code 0xe" },
		{ { 0x9, 0x1, 0, 0 }, "qw1 reserved bit 0" },
		{ { PGR_TYPE_LO(9), SPEC(1, 76, 76), 0, 0 }, "reserved bit 76" },
		{ { PGR_TYPE_LO(9) | PGR_PASID(1), 0, 0, 0 }, "PASID without PASID present" },
		{ { PGR_TYPE_LO(9), 0, 5, 0 }, "private data without PDP" },
	};
	struct emu_vtd_pgrp_resp r;

	for (unsigned int i = 0; i < RTE_DIM(cases); i++) {
		uint64_t qw[4];

		emu_vtd_pgrp_resp_encode(&cases[i].r, qw);
		for (unsigned int j = 0; j < 4; j++)
			TEST_ASSERT_EQUAL(qw[j], cases[i].qw[j], "case %u qword %u", i, j);
		memset(&r, 0xa5, sizeof(r));
		TEST_ASSERT_SUCCESS(emu_vtd_pgrp_resp_decode(cases[i].qw, &r), "case %u", i);
		TEST_ASSERT(r.pasid_present == cases[i].r.pasid_present && r.pdp == cases[i].r.pdp &&
			r.last == cases[i].r.last && r.code == cases[i].r.code &&
			r.rid == cases[i].r.rid && r.pasid == cases[i].r.pasid &&
			r.prg_index == cases[i].r.prg_index &&
			r.priv_data[0] == cases[i].r.priv_data[0] &&
			r.priv_data[1] == cases[i].r.priv_data[1], "case %u: decoded fields differ", i);
	}
	for (unsigned int i = 0; i < RTE_DIM(bad); i++) {
		if (emu_vtd_pgrp_resp_decode(bad[i].qw, &r) != -EINVAL)
			TEST_ASSERT(0, "%s was accepted", bad[i].why);
	}
	return TEST_SUCCESS;
}

static int
test_vtd_frcd_bits(void)
{
	/* qw0 FI 63:12; qw1 SID 15:0, PRIV 29, EXE 30, PP 31, FR 39:32, PV 59:40, AT 61:60,
	 * T 62, F 63 (bits 79:64 ... 127 of the 128-bit register). */
	static const struct { struct emu_vtd_fault_rec r; uint64_t qw[2]; } cases[] = {
		{ { .f = true }, { 0, FRCD_F } },
		{ { .f = true, .addr = 0x00007ffffffff000ull }, { FRCD_FI(0x00007ffffffff000ull), FRCD_F } },
		{ { .f = true, .sid = 0x1234 }, { 0, FRCD_F | FRCD_SID(0x1234) } },
		{ { .f = true, .reason = 0x71 }, { 0, FRCD_F | FRCD_FR(0x71) } },
		{ { .f = true, .pp = true, .pasid = 0xabcde }, { 0, FRCD_F | FRCD_PP | FRCD_PV(0xabcde) } },
		{ { .f = true, .pp = true, .priv = true }, { 0, FRCD_F | FRCD_PP | FRCD_PRIV } },
		{ { .f = true, .pp = true, .exe = true }, { 0, FRCD_F | FRCD_PP | FRCD_EXE } },
		{ { .f = true, .read = true }, { 0, FRCD_F | FRCD_T } },
		{ { .f = true, .at = 1 }, { 0, FRCD_F | FRCD_AT(1) } },
		{ { .f = true, .addr = 0xfffffffffffff000ull, .sid = 0xffff, .priv = true,
			.exe = true, .pp = true, .reason = 0xff, .pasid = 0xfffff, .at = 2,
			.read = true }, { FRCD_FI(0xfffffffffffff000ull), FRCD_F | FRCD_T | FRCD_AT(2) |
			FRCD_PV(0xfffff) | FRCD_FR(0xff) | FRCD_PP | FRCD_EXE | FRCD_PRIV | FRCD_SID(0xffff) } },
	};
	static const struct { uint64_t qw[2]; const char *why; } bad[] = {
		{ { 0, 0x0000007100000000ull }, "F clear" },
		{ { 1, 1ull << 63 }, "reserved bit 0" },
		{ { 0x800, 1ull << 63 }, "reserved bit 11" },
		{ { 0, (1ull << 63) | (1ull << 16) }, "reserved bit 80" },
		{ { 0, (1ull << 63) | (1ull << 28) }, "reserved bit 92" },
		{ { 0, 0xb000000000000000ull }, "address type 3" },
		{ { 0, 0x8000010000000000ull }, "PASID without PP" },
		{ { 0, 0x8000000020000000ull }, "PRIV without PP" },
		{ { 0, 0x8000000040000000ull }, "EXE without PP" },
	};
	struct emu_vtd_fault_rec r;

	for (unsigned int i = 0; i < RTE_DIM(cases); i++) {
		uint64_t qw[2];

		emu_vtd_frcd_encode(&cases[i].r, qw);
		TEST_ASSERT_EQUAL(qw[0], cases[i].qw[0], "case %u qword 0", i);
		TEST_ASSERT_EQUAL(qw[1], cases[i].qw[1], "case %u qword 1", i);
		memset(&r, 0xa5, sizeof(r));
		TEST_ASSERT_SUCCESS(emu_vtd_frcd_decode(cases[i].qw, &r), "case %u", i);
		TEST_ASSERT(r.addr == cases[i].r.addr && r.sid == cases[i].r.sid &&
			r.priv == cases[i].r.priv && r.exe == cases[i].r.exe && r.pp == cases[i].r.pp &&
			r.reason == cases[i].r.reason && r.pasid == cases[i].r.pasid &&
			r.at == cases[i].r.at && r.read == cases[i].r.read && r.f,
			"case %u: decoded fields differ", i);
	}
	for (unsigned int i = 0; i < RTE_DIM(bad); i++) {
		if (emu_vtd_frcd_decode(bad[i].qw, &r) != -EINVAL)
			TEST_ASSERT(0, "%s was accepted", bad[i].why);
	}
	return TEST_SUCCESS;
}

static int
test_vtd_generic_mapping(void)
{
	struct sva_fault_page_req pr = {
		.flags = SVA_FAULT_PR_PASID_VALID | SVA_FAULT_PR_LAST_PAGE | SVA_FAULT_PR_PRIV_DATA,
		.pasid = 0xfffff, .grpid = 511, .perm = SVA_FAULT_PERM_READ | SVA_FAULT_PERM_WRITE |
			SVA_FAULT_PERM_EXEC | SVA_FAULT_PERM_PRIV,
		.addr = 0xfffffffffffff123ull, .private_data = { 7, 8 }, .dev_id = 0xffff,
	};
	struct sva_fault_page_req back;
	struct emu_vtd_page_req r;
	struct sva_fault_unrecov ev = {
		.reason = SVA_FAULT_REASON_PERMISSION, .flags = SVA_FAULT_UNRECOV_PASID_VALID |
			SVA_FAULT_UNRECOV_ADDR_VALID, .pasid = 0x12345, .perm = SVA_FAULT_PERM_WRITE,
		.addr = 0x7f0000001000ull, .dev_id = 0x0102,
	}, evb;
	struct emu_vtd_fault_rec fr;
	static const struct { uint32_t reason, perm, fr; } reasons[] = {
		{ SVA_FAULT_REASON_TRANSLATION, SVA_FAULT_PERM_READ, 0x71 },
		{ SVA_FAULT_REASON_ADDR_SIZE, SVA_FAULT_PERM_READ, 0x83 },
		{ SVA_FAULT_REASON_ACCESS, SVA_FAULT_PERM_READ, 0x90 },
		{ SVA_FAULT_REASON_PERMISSION, SVA_FAULT_PERM_WRITE, 0x85 },
		{ SVA_FAULT_REASON_PERMISSION, SVA_FAULT_PERM_READ, 0x86 },
		{ SVA_FAULT_REASON_PERMISSION, SVA_FAULT_PERM_READ | SVA_FAULT_PERM_EXEC, 0x82 },
		{ SVA_FAULT_REASON_PASID_INVALID, SVA_FAULT_PERM_READ, 0x59 },
	};

	TEST_ASSERT_SUCCESS(emu_vtd_page_req_from_generic(&pr, &r), "all fields at their maximum");
	TEST_ASSERT_EQUAL(r.addr, 0xfffffffffffff000ull, "the page offset is not carried");
	emu_vtd_page_req_to_generic(&r, &back);
	TEST_ASSERT_EQUAL(back.flags, pr.flags, "flags");
	TEST_ASSERT_EQUAL(back.pasid, pr.pasid, "pasid");
	TEST_ASSERT_EQUAL(back.grpid, pr.grpid, "grpid");
	TEST_ASSERT_EQUAL(back.perm, pr.perm, "perm");
	TEST_ASSERT_EQUAL(back.addr, 0xfffffffffffff000ull, "addr");
	TEST_ASSERT_EQUAL(back.private_data[0], 7, "private data 0");
	TEST_ASSERT_EQUAL(back.private_data[1], 8, "private data 1");
	TEST_ASSERT_EQUAL(back.dev_id, 0xffff, "dev_id");

	/* Values the descriptor cannot hold are refused, never truncated. */
	back = pr;
	back.dev_id = 0x10000;
	TEST_ASSERT_RET(emu_vtd_page_req_from_generic(&back, &r), -EINVAL);
	back = pr;
	back.pasid = 0x100000;
	TEST_ASSERT_RET(emu_vtd_page_req_from_generic(&back, &r), -EINVAL);
	back = pr;
	back.grpid = 512;
	TEST_ASSERT_RET(emu_vtd_page_req_from_generic(&back, &r), -EINVAL);
	back = pr;
	back.flags &= ~SVA_FAULT_PR_PASID_VALID;
	TEST_ASSERT_RET(emu_vtd_page_req_from_generic(&back, &r), -EINVAL);
	back.perm = SVA_FAULT_PERM_READ;
	TEST_ASSERT_SUCCESS(emu_vtd_page_req_from_generic(&back, &r), "no PASID, read only");
	TEST_ASSERT(!r.pasid_present && r.pasid == 0, "no PASID in the descriptor");

	/* Unrecoverable faults: reasons map to VT-d fault reasons and back. */
	TEST_ASSERT_SUCCESS(emu_vtd_frcd_from_generic(&ev, &fr), "permission fault");
	TEST_ASSERT_EQUAL(fr.reason, 0x85, "write permission -> FR 0x85");
	TEST_ASSERT(!fr.read && fr.pp && fr.pasid == 0x12345 && fr.sid == 0x0102, "fields");
	emu_vtd_frcd_to_generic(&fr, &evb);
	TEST_ASSERT_EQUAL(evb.reason, SVA_FAULT_REASON_PERMISSION, "reason back");
	TEST_ASSERT_EQUAL(evb.flags, ev.flags, "flags back");
	TEST_ASSERT_EQUAL(evb.perm, SVA_FAULT_PERM_WRITE, "perm back");
	TEST_ASSERT_EQUAL(evb.addr, ev.addr, "addr back");
	TEST_ASSERT_EQUAL(evb.hw_event, 0x85, "hw_event is the fault reason");
	for (unsigned int i = 0; i < RTE_DIM(reasons); i++) {
		struct sva_fault_unrecov e = { .reason = reasons[i].reason, .perm = reasons[i].perm };

		TEST_ASSERT_SUCCESS(emu_vtd_frcd_from_generic(&e, &fr), "reason %u", reasons[i].reason);
		TEST_ASSERT_EQUAL(fr.reason, reasons[i].fr, "fault reason of case %u", i);
		emu_vtd_frcd_to_generic(&fr, &evb);
		TEST_ASSERT_EQUAL(evb.reason, reasons[i].reason, "reason back, case %u", i);
	}
	ev.reason = SVA_FAULT_REASON_PRI_INVALID;
	TEST_ASSERT_RET(emu_vtd_frcd_from_generic(&ev, &fr), -EINVAL);
	ev.hw_event = 0x5a; /* a reason given by the device itself */
	TEST_ASSERT_SUCCESS(emu_vtd_frcd_from_generic(&ev, &fr), "explicit fault reason");
	TEST_ASSERT_EQUAL(fr.reason, 0x5a, "hw_event is used as FR");
	ev.hw_event = 0;
	ev.reason = SVA_FAULT_REASON_TRANSLATION;
	ev.dev_id = 0x10000;
	TEST_ASSERT_RET(emu_vtd_frcd_from_generic(&ev, &fr), -EINVAL);
	return TEST_SUCCESS;
}

/* ---------------------------------------------------------------- queue model */

static struct sva_fault_page_req
mk_req(uint32_t i)
{
	struct sva_fault_page_req pr = {
		.flags = SVA_FAULT_PR_PASID_VALID | ((i % 4 == 3) ? SVA_FAULT_PR_LAST_PAGE : 0),
		.pasid = 1 + i % 0xffff, .grpid = i % 512, .perm = SVA_FAULT_PERM_READ,
		.addr = 0x7f0000000000ull + ((uint64_t)i << 12), .dev_id = 0x0100 + (i & 0xff),
		.timestamp = 1000 + i,
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
test_vtd_init_refuses(void)
{
	static const struct emu_queue_cfg bad[] = {
		{ 0, 64, 256 }, { 100, 64, 256 }, { 64, 64, 256 }, { 32768, 64, 256 },
		{ 2048, 0, 256 }, { 2048, 3, 256 }, { 2048, 131072, 256 },
		{ 2048, 64, 0 }, { 2048, 64, 64 }, { 2048, 64, 200 }, { 2048, 64, 32768 },
	};
	struct emu_queue_cfg good = { 2048, 512, 2048 };

	for (unsigned int i = 0; i < RTE_DIM(bad); i++) {
		TEST_ASSERT_EQUAL(ops->mem_size(&bad[i]), 0, "mem_size of bad config %u", i);
		TEST_ASSERT_RET(ops->init(qmem, &bad[i]), -EINVAL);
	}
	TEST_ASSERT_EQUAL(ops->mem_size(NULL), 0, "mem_size(NULL)");
	TEST_ASSERT_RET(ops->init(qmem, NULL), -EINVAL);
	TEST_ASSERT_RET(ops->init(NULL, &good), -EINVAL);
	TEST_ASSERT(ops->mem_size(&good) >= 2048 * 32 + 512 * 16 + 2048 * 32, "room for the rings");
	TEST_ASSERT_EQUAL(ops->mem_size(&good) % 4096, 0, "whole pages");
	TEST_ASSERT_NOT_NULL(vtd_q_new(128, 1, 128), "the smallest rings (one fault record)");
	{
		struct sva_fault_unrecov ev = { .reason = SVA_FAULT_REASON_TRANSLATION };
		struct sva_fault f[2];

		TEST_ASSERT_SUCCESS(ops->evtq_write(qmem, &ev), "one record fits");
		TEST_ASSERT_RET(ops->evtq_write(qmem, &ev), -ENOSPC);
		TEST_ASSERT_EQUAL(ops->evtq_read(qmem, f, 2), 2, "the record and the overflow");
		TEST_ASSERT_EQUAL(f[1].type, SVA_FAULT_OVERFLOW, "overflow");
		TEST_ASSERT_SUCCESS(ops->evtq_write(qmem, &ev), "recording again");
	}
	TEST_ASSERT_NOT_NULL(vtd_q_new(16384, 2, 128), "the largest PRQ");
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
	TEST_ASSERT_EQUAL(ops->model, SVA_IOMMU_MODEL_VTD, "model");
	TEST_ASSERT_EQUAL(ops->prq_entry_size, 32, "32-byte page request descriptors");
	return TEST_SUCCESS;
}

static int
test_vtd_prq_roundtrip_and_wrap(void)
{
	void *q = vtd_q_new(128, 16, 128);
	struct sva_fault out[64];
	struct emu_vtd_regs regs;
	struct emu_model_counters c;
	uint32_t wr = 0, rd = 0;

	TEST_ASSERT_NOT_NULL(q, "queue");
	/* Over five laps of a 128-entry ring in bursts of 50 (not a divisor of 128). */
	while (wr < 5 * 128) {
		for (int i = 0; i < 50; i++, wr++) {
			struct sva_fault_page_req pr = mk_req(wr);

			TEST_ASSERT_SUCCESS(ops->prq_write(q, &pr), "write %u", wr);
		}
		emu_vtd_regs_get(q, &regs);
		TEST_ASSERT_EQUAL(regs.pqt, (wr * 32ull) % (128 * 32), "PQT is a byte offset");
		TEST_ASSERT(regs.prs & EMU_VTD_PRS_PPR, "PPR set by a write");
		while (rd < wr) {
			uint16_t n = ops->prq_read(q, out, 64);

			TEST_ASSERT(n > 0, "records pending");
			for (uint16_t j = 0; j < n; j++, rd++)
				if (check_req(&out[j], rd) != TEST_SUCCESS)
					return TEST_FAILED;
		}
		emu_vtd_regs_get(q, &regs);
		TEST_ASSERT_EQUAL(regs.pqh, regs.pqt, "drained: head == tail");
		TEST_ASSERT_EQUAL(regs.prs, 0, "PPR cleared by the read, no PRO");
	}
	TEST_ASSERT_EQUAL(ops->prq_read(q, out, 64), 0, "empty");
	ops->counters_get(q, &c);
	TEST_ASSERT_EQUAL(c.prq_written, wr, "written");
	TEST_ASSERT_EQUAL(c.prq_read, wr, "read");
	TEST_ASSERT_EQUAL(c.prq_dropped + c.prq_overflows + c.prq_malformed, 0, "no loss");
	return TEST_SUCCESS;
}

static int
test_vtd_prq_stop_marker_and_semantics(void)
{
	void *q = vtd_q_new(128, 16, 128);
	struct sva_fault out[8];
	struct sva_fault_page_req stop = {
		.flags = SVA_FAULT_PR_PASID_VALID | SVA_FAULT_PR_LAST_PAGE, .pasid = 9, .grpid = 3,
		.perm = 0, .dev_id = 0x10,
	};
	struct sva_fault_page_req odd = {
		.flags = SVA_FAULT_PR_PASID_VALID, .pasid = 9, .grpid = 4,
		.perm = SVA_FAULT_PERM_PRIV | SVA_FAULT_PERM_WRITE, .addr = 0xffff800000000000ull,
		.dev_id = 0x10,
	};

	TEST_ASSERT_NOT_NULL(q, "queue");
	TEST_ASSERT_SUCCESS(ops->prq_write(q, &stop), "stop marker");
	TEST_ASSERT_SUCCESS(ops->prq_write(q, &odd), "priv+write on a kernel address");
	TEST_ASSERT_EQUAL(ops->prq_read(q, out, 8), 2, "both pass the decoder");
	TEST_ASSERT_EQUAL(out[0].type, SVA_FAULT_PAGE_REQ, "stop marker is a page request");
	TEST_ASSERT_EQUAL(out[0].prm.perm, 0, "stop marker: no permission");
	TEST_ASSERT_EQUAL(out[0].prm.flags, SVA_FAULT_PR_PASID_VALID | SVA_FAULT_PR_LAST_PAGE,
		"stop marker: LAST, no timestamp given");
	TEST_ASSERT_EQUAL(out[1].prm.perm, SVA_FAULT_PERM_PRIV | SVA_FAULT_PERM_WRITE, "perm");
	TEST_ASSERT_EQUAL(out[1].prm.addr, 0xffff800000000000ull, "addr");
	odd.dev_id = 0x10000;
	TEST_ASSERT_RET(ops->prq_write(q, &odd), -EINVAL);
	return TEST_SUCCESS;
}

static int
test_vtd_prq_overflow(void)
{
	void *q = vtd_q_new(128, 16, 128);
	struct sva_fault out[200];
	struct emu_vtd_regs regs;
	struct emu_model_counters c;
	struct sva_fault_page_req pr;
	uint32_t i;

	TEST_ASSERT_NOT_NULL(q, "queue");
	/* The ring holds depth - 1 = 127 descriptors (tail + 32 == head is full). */
	for (i = 0; i < 127; i++) {
		pr = mk_req(i);
		TEST_ASSERT_SUCCESS(ops->prq_write(q, &pr), "write %u", i);
	}
	pr = mk_req(127);
	TEST_ASSERT_RET(ops->prq_write(q, &pr), -ENOSPC);
	emu_vtd_regs_get(q, &regs);
	TEST_ASSERT(regs.prs & EMU_VTD_PRS_PRO, "PRO set by the full queue");
	TEST_ASSERT_EQUAL(regs.pqt, 127 * 32, "PQT");
	TEST_ASSERT_EQUAL(regs.pqh, 0, "PQH");
	/* While PRO is set every request is dropped. */
	pr = mk_req(128);
	TEST_ASSERT_RET(ops->prq_write(q, &pr), -ENOSPC);
	pr = mk_req(129);
	TEST_ASSERT_RET(ops->prq_write(q, &pr), -ENOSPC);
	ops->counters_get(q, &c);
	TEST_ASSERT_EQUAL(c.prq_written, 127, "written");
	TEST_ASSERT_EQUAL(c.prq_dropped, 3, "dropped");
	TEST_ASSERT_EQUAL(c.prq_overflows, 1, "one overflow condition");

	/* Reading exactly what is queued: no overflow record yet (no room for it). */
	TEST_ASSERT_EQUAL(ops->prq_read(q, out, 100), 100, "first 100");
	for (i = 0; i < 100; i++)
		if (check_req(&out[i], i) != TEST_SUCCESS)
			return TEST_FAILED;
	TEST_ASSERT_EQUAL(ops->prq_read(q, out, 27), 27, "the other 27");
	for (i = 0; i < 27; i++)
		if (check_req(&out[i], 100 + i) != TEST_SUCCESS)
			return TEST_FAILED;
	emu_vtd_regs_get(q, &regs);
	TEST_ASSERT(regs.prs & EMU_VTD_PRS_PRO, "PRO stays until the overflow is reported");
	pr = mk_req(130);
	TEST_ASSERT_RET(ops->prq_write(q, &pr), -ENOSPC);

	/* head == tail with PRO: one OVERFLOW record, then PRO clears. */
	TEST_ASSERT_EQUAL(ops->prq_read(q, out, 200), 1, "the overflow record alone");
	TEST_ASSERT_EQUAL(out[0].type, SVA_FAULT_OVERFLOW, "overflow record");
	TEST_ASSERT_EQUAL(out[0].overflow.queue, 0, "from the PRQ");
	TEST_ASSERT_EQUAL(out[0].overflow.lost, 4, "four requests lost");
	emu_vtd_regs_get(q, &regs);
	TEST_ASSERT_EQUAL(regs.prs & EMU_VTD_PRS_PRO, 0, "PRO cleared");
	TEST_ASSERT_EQUAL(ops->prq_read(q, out, 200), 0, "reported once");

	/* Writing works again, and in one burst the overflow comes after the entries. */
	for (i = 0; i < 127; i++) {
		pr = mk_req(i);
		TEST_ASSERT_SUCCESS(ops->prq_write(q, &pr), "write %u after the clear", i);
	}
	pr = mk_req(127);
	TEST_ASSERT_RET(ops->prq_write(q, &pr), -ENOSPC);
	TEST_ASSERT_EQUAL(ops->prq_read(q, out, 200), 128, "127 requests and the overflow");
	for (i = 0; i < 127; i++)
		if (check_req(&out[i], i) != TEST_SUCCESS)
			return TEST_FAILED;
	TEST_ASSERT_EQUAL(out[127].type, SVA_FAULT_OVERFLOW, "overflow after the last request");
	TEST_ASSERT_EQUAL(out[127].overflow.lost, 1, "one lost");
	ops->counters_get(q, &c);
	TEST_ASSERT_EQUAL(c.prq_overflows, 2, "two overflow conditions");
	TEST_ASSERT_EQUAL(c.prq_read, 254, "requests read (overflow records not counted)");
	return TEST_SUCCESS;
}

/*
 * VT-d 7.4.1: a page request dropped on PRQ full or while PRO is set "is not written
 * into Page Request Queue. Additionally, hardware will generate a page group response
 * for page requests that have the Last Page In Group (LPIG) field set" — Table 31:
 * Success for PRQ Full and PRQ Overflow, nothing for LPIG = 0.
 */
static int
test_vtd_prq_auto_response(void)
{
	void *q = vtd_q_new(128, 16, 128);
	struct sva_fault out[200];
	struct sva_page_response got[8], resp = { .argsz = sizeof(resp), .dev_id = 0x33,
		.grpid = 3, .code = SVA_PAGE_RESP_INVALID };
	struct emu_model_counters c;
	struct sva_fault_page_req pr;
	/* RID 0x42, LPIG, write, PRGI 9, no PASID; and a Stop Marker (LPIG, no R/W) */
	const uint64_t nopasid[4] = { PRQ_TYPE(1) | PRQ_RID(0x42), PRQ_WRR | PRQ_LPIG |
		PRQ_PRGI(9) | PRQ_ADDR(0x5000), 0, 0 };
	const uint64_t stop[4] = { PRQ_TYPE(1) | PRQ_PP | PRQ_PASID(7) | PRQ_RID(0x42),
		PRQ_LPIG, 0, 0 };
	uint32_t i;

	TEST_ASSERT_NOT_NULL(q, "queue");
	for (i = 0; i < 127; i++) {
		pr = mk_req(i);
		TEST_ASSERT_SUCCESS(ops->prq_write(q, &pr), "write %u", i);
	}
	pr = mk_req(126);   /* LPIG = 0 (126 % 4 == 2): PRQ Full, no response */
	TEST_ASSERT_RET(ops->prq_write(q, &pr), -ENOSPC);
	pr = mk_req(127);   /* LPIG = 1: PRQ Overflow (PRO set), Success */
	TEST_ASSERT_RET(ops->prq_write(q, &pr), -ENOSPC);
	TEST_ASSERT_RET(ops->prq_write_raw(q, nopasid), -ENOSPC);
	TEST_ASSERT_RET(ops->prq_write_raw(q, stop), -ENOSPC);
	/* Software's response is behind the hardware's in what the device reads. */
	TEST_ASSERT_EQUAL(ops->resp_write(q, &resp, 1), 1, "a software response");
	TEST_ASSERT_EQUAL(ops->resp_read(q, got, 8), 3, "two auto-responses, then software's");
	TEST_ASSERT(got[0].code == SVA_PAGE_RESP_SUCCESS && got[0].dev_id == pr.dev_id &&
		got[0].grpid == pr.grpid && got[0].flags == SVA_PAGE_RESP_PASID_VALID &&
		got[0].pasid == pr.pasid, "Success to the dropped LPIG request, with its PASID");
	TEST_ASSERT(got[1].code == SVA_PAGE_RESP_SUCCESS && got[1].dev_id == 0x42 &&
		got[1].grpid == 9 && got[1].flags == 0, "without PASID");
	TEST_ASSERT(got[2].code == SVA_PAGE_RESP_INVALID && got[2].dev_id == 0x33,
		"then the invalidation queue's");
	TEST_ASSERT_EQUAL(ops->resp_read(q, got, 8), 0, "once each");
	ops->counters_get(q, &c);
	TEST_ASSERT_EQUAL(c.prq_dropped, 4, "four dropped");
	TEST_ASSERT_EQUAL(c.prq_auto_resp, 2, "two answered (not LPIG = 0, not the Stop Marker)");
	TEST_ASSERT_EQUAL(c.prq_auto_resp_lost, 0, "none lost");
	TEST_ASSERT_EQUAL(c.resp_read, 1, "resp_read counts the invalidation queue only");
	TEST_ASSERT_EQUAL(ops->prq_read(q, out, 200), 128, "127 requests and the overflow");
	TEST_ASSERT_EQUAL(out[127].overflow.lost, 4, "four lost");
	return TEST_SUCCESS;
}

/*
 * Literal words (hex written out, and checked against the spec-derived value): the
 * response codes, Priv/Exec in the page request and the fault record, and every fault
 * record the emu emits from a generic event.
 */
static int
test_vtd_literal_words(void)
{
	static const struct { uint32_t code; uint64_t qw0; } codes[] = {
		{ SVA_PAGE_RESP_SUCCESS, 0x0000000000070019ull },
		{ SVA_PAGE_RESP_INVALID, 0x0000000000071019ull },
		{ SVA_PAGE_RESP_FAILURE, 0x000000000007f019ull },
	};
	static const struct { uint32_t reason, perm; uint64_t qw1; } events[] = {
		/* SID 0x0102, PASID 0x44 (PP); T = 1 read, 0 write */
		{ SVA_FAULT_REASON_TRANSLATION, SVA_FAULT_PERM_READ, 0xc000447180000102ull },
		{ SVA_FAULT_REASON_ADDR_SIZE, SVA_FAULT_PERM_WRITE, 0x8000448380000102ull },
		{ SVA_FAULT_REASON_ACCESS, SVA_FAULT_PERM_READ, 0xc000449080000102ull },
		{ SVA_FAULT_REASON_PERMISSION, SVA_FAULT_PERM_WRITE, 0x8000448580000102ull },
		{ SVA_FAULT_REASON_PERMISSION, SVA_FAULT_PERM_READ | SVA_FAULT_PERM_EXEC,
			0xc0004482c0000102ull },
		{ SVA_FAULT_REASON_PERMISSION, SVA_FAULT_PERM_READ | SVA_FAULT_PERM_PRIV,
			0xc0004486a0000102ull },
		{ SVA_FAULT_REASON_PASID_INVALID, SVA_FAULT_PERM_READ, 0xc000445980000102ull },
	};
	struct sva_page_response in = { .argsz = sizeof(in), .flags = SVA_PAGE_RESP_PASID_VALID,
		.dev_id = 0x7, .pasid = 0, .grpid = 0x15 };
	struct emu_vtd_pgrp_resp r;
	struct emu_vtd_page_req p = { .type = 1, .pasid_present = true, .pasid = 2, .rid = 1 };
	struct emu_vtd_fault_rec f;
	uint64_t qw[4];

	for (unsigned int i = 0; i < RTE_DIM(codes); i++) {
		in.code = codes[i].code;
		emu_vtd_pgrp_resp_from_generic(&in, &r);
		emu_vtd_pgrp_resp_encode(&r, qw);
		TEST_ASSERT_EQUAL(qw[0], codes[i].qw0, "code 0x%x: qword 0", in.code);
		TEST_ASSERT_EQUAL(qw[0], PGR_TYPE_LO(9) | PGR_PP | PGR_RID(7) | PGR_RC(in.code),
			"the literal is the spec's (Table 32)");
		TEST_ASSERT_EQUAL(qw[1], 0x00000000000000acull, "LPIG | PRGI 0x15");
		TEST_ASSERT_EQUAL(qw[1], PGR_LPIG | PGR_PRGI(0x15), "spec");
		TEST_ASSERT(!(qw[0] & PGR_PDP) && qw[2] == 0 && qw[3] == 0, "no private data: no PDP");
	}
	p.priv = true;
	emu_vtd_prq_encode(&p, qw);
	TEST_ASSERT_EQUAL(qw[0], 0x0020000200010101ull, "PMR is bit 53");
	TEST_ASSERT_EQUAL(qw[0], PRQ_TYPE(1) | PRQ_PP | PRQ_PASID(2) | PRQ_RID(1) | PRQ_PMR, "spec");
	p.priv = false;
	p.exec = true;
	emu_vtd_prq_encode(&p, qw);
	TEST_ASSERT_EQUAL(qw[0], 0x0010000200010101ull, "EXR is bit 52");
	for (unsigned int i = 0; i < RTE_DIM(events); i++) {
		struct sva_fault_unrecov ev = { .reason = events[i].reason, .perm = events[i].perm,
			.flags = SVA_FAULT_UNRECOV_PASID_VALID | SVA_FAULT_UNRECOV_ADDR_VALID,
			.pasid = 0x44, .addr = 0x7f0000001000ull, .dev_id = 0x0102 };

		TEST_ASSERT_SUCCESS(emu_vtd_frcd_from_generic(&ev, &f), "event %u", i);
		emu_vtd_frcd_encode(&f, qw);
		TEST_ASSERT_EQUAL(qw[0], 0x00007f0000001000ull, "event %u qword 0", i);
		TEST_ASSERT_EQUAL(qw[1], events[i].qw1, "event %u qword 1", i);
	}
	TEST_ASSERT_EQUAL(events[4].qw1, FRCD_F | FRCD_T | FRCD_PV(0x44) | FRCD_FR(0x82) |
		FRCD_PP | FRCD_EXE | FRCD_SID(0x0102), "EXE literal is the spec's");
	TEST_ASSERT_EQUAL(events[5].qw1, FRCD_F | FRCD_T | FRCD_PV(0x44) | FRCD_FR(0x86) |
		FRCD_PP | FRCD_PRIV | FRCD_SID(0x0102), "PRIV literal is the spec's");
	return TEST_SUCCESS;
}

static int
test_vtd_prq_force_overflow(void)
{
	void *q = vtd_q_new(128, 16, 128);
	struct sva_fault out[8];
	struct sva_fault_page_req pr = mk_req(0);
	struct emu_model_counters c;

	TEST_ASSERT_NOT_NULL(q, "queue");
	TEST_ASSERT_SUCCESS(ops->prq_write(q, &pr), "before");
	ops->prq_force_overflow(q);
	ops->prq_force_overflow(q); /* already raised: no second condition */
	pr = mk_req(1);
	TEST_ASSERT_RET(ops->prq_write(q, &pr), -ENOSPC);
	TEST_ASSERT_EQUAL(ops->prq_read(q, out, 8), 2, "the request, then the overflow");
	TEST_ASSERT_SUCCESS(check_req(&out[0], 0), "request 0");
	TEST_ASSERT_EQUAL(out[1].type, SVA_FAULT_OVERFLOW, "overflow");
	TEST_ASSERT_EQUAL(out[1].overflow.lost, 1, "the request written under PRO");
	pr = mk_req(2);
	TEST_ASSERT_SUCCESS(ops->prq_write(q, &pr), "after");
	ops->counters_get(q, &c);
	TEST_ASSERT_EQUAL(c.prq_overflows, 1, "one condition");
	TEST_ASSERT_EQUAL(c.prq_dropped, 1, "one drop");
	return TEST_SUCCESS;
}

static int
test_vtd_prq_malformed(void)
{
	void *q = vtd_q_new(128, 16, 128);
	struct sva_fault out[8];
	struct emu_model_counters c;
	/* Hand-made descriptors: a valid request (RID 0x0203, PASID 0x77, write, LAST,
	 * PRG 5, address 0x5000) and corruptions of it. */
	const uint64_t good[4] = { 0x0000007702030101ull, 0x5000 | (5 << 3) | 0x4 | 0x2, 0, 0 };
	const uint64_t bad_type[4] = { 0x0000007702030100ull, good[1], 0, 0 };
	const uint64_t bad_rsvd[4] = { 0x0000007702030101ull | (1ull << 60), good[1], 0, 0 };
	const uint64_t bad_pdata[4] = { good[0], good[1], 0, 42 };

	TEST_ASSERT_NOT_NULL(q, "queue");
	TEST_ASSERT_SUCCESS(ops->prq_write_raw(q, good), "good");
	TEST_ASSERT_SUCCESS(ops->prq_write_raw(q, bad_type), "bad type is written");
	TEST_ASSERT_SUCCESS(ops->prq_write_raw(q, bad_rsvd), "reserved bit is written");
	TEST_ASSERT_SUCCESS(ops->prq_write_raw(q, bad_pdata), "private data without PDP");
	TEST_ASSERT_SUCCESS(ops->prq_write_raw(q, good), "good again");
	TEST_ASSERT_EQUAL(ops->prq_read(q, out, 8), 2, "only the good ones are returned");
	for (int i = 0; i < 2; i++) {
		TEST_ASSERT_EQUAL(out[i].type, SVA_FAULT_PAGE_REQ, "type");
		TEST_ASSERT_EQUAL(out[i].prm.dev_id, 0x0203, "requester ID");
		TEST_ASSERT_EQUAL(out[i].prm.pasid, 0x77, "PASID");
		TEST_ASSERT_EQUAL(out[i].prm.grpid, 5, "PRG index");
		TEST_ASSERT_EQUAL(out[i].prm.perm, SVA_FAULT_PERM_WRITE, "write");
		TEST_ASSERT_EQUAL(out[i].prm.addr, 0x5000, "address");
		TEST_ASSERT_EQUAL(out[i].prm.flags, SVA_FAULT_PR_PASID_VALID | SVA_FAULT_PR_LAST_PAGE,
			"flags (raw writes carry no timestamp)");
	}
	ops->counters_get(q, &c);
	TEST_ASSERT_EQUAL(c.prq_malformed, 3, "three refused");
	TEST_ASSERT_EQUAL(c.prq_read, 2, "two read");
	TEST_ASSERT_EQUAL(c.prq_written, 5, "five written");
	return TEST_SUCCESS;
}

static int
test_vtd_private_data(void)
{
	void *q = vtd_q_new(128, 16, 128);
	struct sva_fault out[2];
	struct sva_page_response resp, got;
	struct sva_fault_page_req pr = {
		.flags = SVA_FAULT_PR_PASID_VALID | SVA_FAULT_PR_PRIV_DATA, .pasid = 3, .grpid = 1,
		.perm = SVA_FAULT_PERM_READ, .addr = 0x1000, .private_data = { 0xabc, 0xdef },
		.dev_id = 0x20,
	};

	TEST_ASSERT_NOT_NULL(q, "queue");
	TEST_ASSERT_SUCCESS(ops->prq_write(q, &pr), "request with private data");
	TEST_ASSERT_EQUAL(ops->prq_read(q, out, 2), 1, "read");
	TEST_ASSERT_EQUAL(out[0].prm.flags, SVA_FAULT_PR_PASID_VALID | SVA_FAULT_PR_PRIV_DATA, "flags");
	TEST_ASSERT_EQUAL(out[0].prm.private_data[0], 0xabc, "private data 0");
	TEST_ASSERT_EQUAL(out[0].prm.private_data[1], 0xdef, "private data 1");
	resp = (struct sva_page_response){ .argsz = sizeof(resp), .flags = SVA_PAGE_RESP_PASID_VALID,
		.dev_id = 0x20, .pasid = 3, .grpid = 1, .code = SVA_PAGE_RESP_SUCCESS,
		.private_data = { 0xabc, 0xdef } };
	TEST_ASSERT_EQUAL(ops->resp_write(q, &resp, 1), 1, "response");
	TEST_ASSERT_EQUAL(ops->resp_read(q, &got, 1), 1, "device reads it");
	TEST_ASSERT_EQUAL(got.private_data[0], 0xabc, "private data echoed");
	TEST_ASSERT_EQUAL(got.private_data[1], 0xdef, "private data echoed");
	return TEST_SUCCESS;
}

static int
test_vtd_resp_batch(void)
{
	void *q = vtd_q_new(128, 16, 128);
	struct sva_page_response resp[200], got[200];
	struct emu_model_counters c;
	struct emu_vtd_regs regs;
	static const uint32_t codes[] = { SVA_PAGE_RESP_SUCCESS, SVA_PAGE_RESP_INVALID,
		SVA_PAGE_RESP_FAILURE };

	TEST_ASSERT_NOT_NULL(q, "queue");
	for (int i = 0; i < 200; i++)
		resp[i] = (struct sva_page_response){ .argsz = sizeof(resp[i]),
			.flags = (i & 1) ? SVA_PAGE_RESP_PASID_VALID : 0, .dev_id = 0xffff - i,
			.pasid = (i & 1) ? 0xfffff - i : 0, .grpid = (511 - i) & 511,
			.code = codes[i % 3] };
	TEST_ASSERT_EQUAL(ops->resp_write(q, resp, 5), 5, "a batch of five");
	ops->counters_get(q, &c);
	TEST_ASSERT_EQUAL(c.resp_doorbells, 1, "one doorbell for the batch");
	TEST_ASSERT_EQUAL(c.resp_written, 5, "five written");
	emu_vtd_regs_get(q, &regs);
	TEST_ASSERT_EQUAL(regs.iqt, 5 * 32, "IQT moved once, by five descriptors");
	TEST_ASSERT_EQUAL(ops->resp_write(q, resp, 0), 0, "empty batch");
	ops->counters_get(q, &c);
	TEST_ASSERT_EQUAL(c.resp_doorbells, 1, "no doorbell for nothing");
	TEST_ASSERT_EQUAL(ops->resp_read(q, got, 200), 5, "device reads five");
	for (int i = 0; i < 5; i++) {
		TEST_ASSERT_EQUAL(got[i].argsz, sizeof(got[i]), "argsz");
		TEST_ASSERT_EQUAL(got[i].flags, resp[i].flags, "flags %d", i);
		TEST_ASSERT_EQUAL(got[i].dev_id, resp[i].dev_id, "dev_id %d", i);
		TEST_ASSERT_EQUAL(got[i].pasid, resp[i].pasid, "pasid %d", i);
		TEST_ASSERT_EQUAL(got[i].grpid, resp[i].grpid, "grpid %d", i);
		TEST_ASSERT_EQUAL(got[i].code, resp[i].code, "code %d", i);
	}
	/* Full: 127 fit in a 128-descriptor queue; the rest wait for the device. */
	TEST_ASSERT_EQUAL(ops->resp_write(q, resp, 200), 127, "as many as fit");
	TEST_ASSERT_EQUAL(ops->resp_write(q, resp, 10), 0, "full");
	ops->counters_get(q, &c);
	TEST_ASSERT_EQUAL(c.resp_doorbells, 2, "one more doorbell, none for the refused batch");
	TEST_ASSERT_EQUAL(ops->resp_read(q, got, 200), 127, "device drains");
	for (int i = 0; i < 127; i++)
		TEST_ASSERT_EQUAL(got[i].grpid, resp[i].grpid, "order kept, %d", i);
	emu_vtd_regs_get(q, &regs);
	TEST_ASSERT_EQUAL(regs.iqh, regs.iqt, "drained");
	TEST_ASSERT_EQUAL(regs.iqt, (132 * 32) % (128 * 32), "IQT wrapped");
	ops->counters_get(q, &c);
	TEST_ASSERT_EQUAL(c.resp_read, 132, "read");
	TEST_ASSERT_EQUAL(c.resp_malformed, 0, "none malformed");
	return TEST_SUCCESS;
}

static int
test_vtd_resp_malformed(void)
{
	void *q = vtd_q_new(128, 16, 128);
	struct sva_page_response got[4];
	struct sva_page_response odd = { .argsz = sizeof(odd), .dev_id = 1, .grpid = 2, .code = 5 };
	struct emu_model_counters c;
	const uint64_t not_pgrp[4] = { 0x5, 0, 0, 0 };  /* an invalidation wait descriptor */
	const uint64_t good[4] = { 0x0000000700121019ull, 0x4 | (9 << 3), 0, 0 };

	TEST_ASSERT_NOT_NULL(q, "queue");
	TEST_ASSERT_SUCCESS(emu_vtd_resp_write_raw(q, not_pgrp), "raw");
	TEST_ASSERT_EQUAL(ops->resp_write(q, &odd, 1), 1, "a code VT-d does not know is written");
	TEST_ASSERT_SUCCESS(emu_vtd_resp_write_raw(q, good), "raw good");
	TEST_ASSERT_EQUAL(ops->resp_read(q, got, 4), 1, "only the valid one");
	TEST_ASSERT_EQUAL(got[0].code, SVA_PAGE_RESP_INVALID, "code 1");
	TEST_ASSERT_EQUAL(got[0].dev_id, 0x0012, "RID");
	TEST_ASSERT_EQUAL(got[0].pasid, 7, "PASID");
	TEST_ASSERT_EQUAL(got[0].grpid, 9, "PRG");
	TEST_ASSERT_EQUAL(got[0].flags, SVA_PAGE_RESP_PASID_VALID, "PASID present");
	ops->counters_get(q, &c);
	TEST_ASSERT_EQUAL(c.resp_malformed, 2, "two refused by the device");
	TEST_ASSERT_EQUAL(c.resp_doorbells, 3, "each raw write rang");
	return TEST_SUCCESS;
}

static struct sva_fault_unrecov
mk_event(uint32_t i)
{
	struct sva_fault_unrecov ev = {
		.reason = SVA_FAULT_REASON_TRANSLATION,
		.flags = SVA_FAULT_UNRECOV_PASID_VALID | SVA_FAULT_UNRECOV_ADDR_VALID,
		.pasid = 100 + i, .perm = SVA_FAULT_PERM_READ, .addr = 0x10000ull + ((uint64_t)i << 12),
		.dev_id = 0x30, .timestamp = 5000 + i,
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
	TEST_ASSERT_EQUAL(f->event.addr, want.addr, "addr %u", i);
	TEST_ASSERT_EQUAL(f->event.dev_id, want.dev_id, "dev_id %u", i);
	TEST_ASSERT_EQUAL(f->event.hw_event, EMU_VTD_FR_FL_ENTRY_NP, "FR %u", i);
	TEST_ASSERT_EQUAL(f->event.timestamp, want.timestamp, "timestamp %u", i);
	return TEST_SUCCESS;
}

static int
test_vtd_evtq(void)
{
	void *q = vtd_q_new(128, 4, 128);
	struct sva_fault out[16];
	struct emu_model_counters c;
	struct emu_vtd_regs regs;
	struct sva_fault_unrecov ev;
	uint32_t wr = 0, rd = 0;
	const uint64_t bad[2] = { 0x1000, (1ull << 63) | (1ull << 20) }; /* reserved bit 84 */

	TEST_ASSERT_NOT_NULL(q, "queue");
	/* Laps of a 4-record ring, 3 at a time. */
	for (int lap = 0; lap < 6; lap++) {
		for (int i = 0; i < 3; i++, wr++) {
			ev = mk_event(wr);
			TEST_ASSERT_SUCCESS(ops->evtq_write(q, &ev), "event %u", wr);
		}
		emu_vtd_regs_get(q, &regs);
		TEST_ASSERT_EQUAL(regs.fri, wr % 4, "fault record index");
		TEST_ASSERT(regs.fsts & EMU_VTD_FSTS_PPF, "a fault is pending");
		TEST_ASSERT_EQUAL(ops->evtq_read(q, out, 16), 3, "three");
		for (int i = 0; i < 3; i++, rd++)
			if (check_event(&out[i], rd) != TEST_SUCCESS)
				return TEST_FAILED;
	}
	/* Full: four records fill the four slots; the fifth sets PFO, which drops more. */
	for (int i = 0; i < 4; i++, wr++) {
		ev = mk_event(wr);
		TEST_ASSERT_SUCCESS(ops->evtq_write(q, &ev), "event %u", wr);
	}
	ev = mk_event(wr);
	TEST_ASSERT_RET(ops->evtq_write(q, &ev), -ENOSPC);
	TEST_ASSERT_RET(ops->evtq_write(q, &ev), -ENOSPC);
	emu_vtd_regs_get(q, &regs);
	TEST_ASSERT(regs.fsts & EMU_VTD_FSTS_PFO, "PFO");
	TEST_ASSERT_EQUAL(ops->evtq_read(q, out, 2), 2, "two of four");
	TEST_ASSERT_RET(ops->evtq_write(q, &ev), -ENOSPC); /* slots are free, PFO still set */
	TEST_ASSERT_EQUAL(ops->evtq_read(q, out + 2, 14), 3, "two more and the overflow");
	for (int i = 0; i < 4; i++, rd++)
		if (check_event(&out[i], rd) != TEST_SUCCESS)
			return TEST_FAILED;
	TEST_ASSERT_EQUAL(out[4].type, SVA_FAULT_OVERFLOW, "overflow after the last record");
	TEST_ASSERT_EQUAL(out[4].overflow.queue, 1, "event queue");
	TEST_ASSERT_EQUAL(out[4].overflow.lost, 3, "three lost");
	emu_vtd_regs_get(q, &regs);
	TEST_ASSERT_EQUAL(regs.fsts, 0, "PFO cleared, nothing pending");
	/* Recording again; a corrupt record is refused and counted. */
	TEST_ASSERT_SUCCESS(emu_vtd_evtq_write_raw(q, bad), "raw corrupt record");
	ev = mk_event(wr);
	TEST_ASSERT_SUCCESS(ops->evtq_write(q, &ev), "after the clear");
	TEST_ASSERT_EQUAL(ops->evtq_read(q, out, 16), 1, "the good one");
	TEST_ASSERT_SUCCESS(check_event(&out[0], wr), "event after the clear");
	ops->counters_get(q, &c);
	TEST_ASSERT_EQUAL(c.evtq_malformed, 1, "malformed");
	TEST_ASSERT_EQUAL(c.evtq_written, 18 + 4 + 2, "written");
	TEST_ASSERT_EQUAL(c.evtq_read, 18 + 4 + 1, "read");
	TEST_ASSERT_EQUAL(c.evtq_dropped, 3, "dropped");
	TEST_ASSERT_EQUAL(c.evtq_overflows, 1, "one overflow");
	ev.reason = SVA_FAULT_REASON_PRI_INVALID;
	TEST_ASSERT_RET(ops->evtq_write(q, &ev), -EINVAL);
	return TEST_SUCCESS;
}

/* Device and poll side on two threads (test_emu_queue_common.c). */
static int
test_vtd_concurrent_accounting(void)
{
	const struct emu_qtest t = { .ops = ops, .q = vtd_q_new(128, 16, 128), .mk_req = mk_req,
		.check_req = check_req, .addr_base = 0x7f0000000000ull, .dev_id_mask = 0xffff };

	return emu_qtest_concurrent_accounting(&t);
}

static int
test_vtd_concurrent_responses(void)
{
	const struct emu_qtest t = { .ops = ops, .q = vtd_q_new(128, 16, 128), .mk_req = mk_req,
		.check_req = check_req, .addr_base = 0x7f0000000000ull, .dev_id_mask = 0xffff };

	return emu_qtest_concurrent_responses(&t);
}

static struct sva_test_suite emu_vtd_suite = {
	.name = "emu VT-d model",
	.cases = {
		SVA_TEST_CASE(test_vtd_prq_desc_bits),
		SVA_TEST_CASE(test_vtd_prq_decode_strict),
		SVA_TEST_CASE(test_vtd_pgrp_resp_bits),
		SVA_TEST_CASE(test_vtd_frcd_bits),
		SVA_TEST_CASE(test_vtd_generic_mapping),
		SVA_TEST_CASE(test_vtd_init_refuses),
		SVA_TEST_CASE(test_vtd_prq_roundtrip_and_wrap),
		SVA_TEST_CASE(test_vtd_prq_stop_marker_and_semantics),
		SVA_TEST_CASE(test_vtd_prq_overflow),
		SVA_TEST_CASE(test_vtd_prq_auto_response),
		SVA_TEST_CASE(test_vtd_literal_words),
		SVA_TEST_CASE(test_vtd_prq_force_overflow),
		SVA_TEST_CASE(test_vtd_prq_malformed),
		SVA_TEST_CASE(test_vtd_private_data),
		SVA_TEST_CASE(test_vtd_resp_batch),
		SVA_TEST_CASE(test_vtd_resp_malformed),
		SVA_TEST_CASE(test_vtd_evtq),
		SVA_TEST_CASE(test_vtd_concurrent_accounting),
		SVA_TEST_CASE(test_vtd_concurrent_responses),
		SVA_TEST_CASES_END(),
	},
};

static int
test_emu_vtd(void)
{
	return sva_test_suite_run(&emu_vtd_suite);
}

SVA_TEST_REGISTER(emu_vtd_autotest, test_emu_vtd);
