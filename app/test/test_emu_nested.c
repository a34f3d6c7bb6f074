/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * emu_nested_walk_autotest: the emu IOMMU's nested-translation walkers (emu_nested.h)
 * against page-table words written from the specifications, not from our headers:
 *  - Intel SDM Vol. 3A 4.5 "4-Level Paging", tables 4-15 (PML4E), 4-16 (PDPTE, 1 GiB
 *    page), 4-17 (PDPTE -> PD), 4-18 (PDE, 2 MiB page), 4-19 (PDE -> PT), 4-20 (PTE):
 *    P bit 0, R/W 1, U/S 2, A 5, D 6, PS 7, XD 63, address bits M-1:12, 51:M reserved;
 *    VT-d fault reasons 0x71 (not present), 0x72 (reserved), 0x80 (non-canonical),
 *    0x81 (U/S), 0x82 (XD), 0x85 (write) as QEMU's intel_iommu_internal.h names them;
 *  - Arm ARM D8.3 table D8-48 (descriptor type), D8-50 (table descriptor: APTable 62:61,
 *    UXNTable 60, PXNTable 59), D8-52 (block/page: UXN 54, PXN 53, AF 10, AP[2:1] 7:6),
 *    D8.4 tables D8-64 (APTable) and D8-65 (permissions);
 *  - IHI0070 5.2 (S1Fmt, S1CDMax), 5.3 (L1CD: V 0, L2Ptr 55:12), 5.4 (CD: T0SZ 5:0,
 *    TG0 7:6, EPD0 14, ENDI 15, T1SZ 21:16, TG1 23:22, EPD1 30, V 31, IPS 34:32,
 *    AFFD 35, WXN 36, TBI0 38, PAN 40, AA64 41, HD 42, HA 43, HAD0 65, TTB0 119:68),
 *    7.3 event numbers (C_BAD_STE 0x04, C_BAD_SUBSTREAMID 0x08, F_CD_FETCH 0x09,
 *    C_BAD_CD 0x0a, F_WALK_EABT 0x0b, F_TRANSLATION 0x10, F_ADDR_SIZE 0x11,
 *    F_ACCESS 0x12, F_PERMISSION 0x13).
 * Guest RAM is a 1 MiB buffer whose callbacks count every access, refuse (and count)
 * any access outside it or unaligned, and can mark pages not present / read-only
 * (second-level misses) or change an entry under a locked update (a race).
 */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "emu_nested.h"
#include "sva_test.h"

#define RAM_SIZE (UINT64_C(1) << 20)
#define RAM_PAGES (RAM_SIZE >> 12)

static uint8_t ram[RAM_SIZE] __attribute__((aligned(4096)));
static uint8_t snap[RAM_SIZE] __attribute__((aligned(4096)));
static bool page_absent[RAM_PAGES], page_ro[RAM_PAGES];
static unsigned int n_read, n_xchg, n_outside, n_bad_align;
static unsigned int race_left;    /* cmpxchg64 calls at race_gpa that find it changed: */
static uint64_t race_gpa;         /* the entry is first set to race_value, or (0) has */
static uint64_t race_value;       /* its bit 58 (ignored / software use) flipped */

static enum emu_nw_mem_status
ram_read64(void *ctx, uint64_t gpa, uint64_t *val)
{
	RTE_SET_USED(ctx);
	n_read++;
	if (gpa & 7) {
		n_bad_align++;
		return EMU_NW_MEM_OUTSIDE;
	}
	if (gpa >= RAM_SIZE) {
		n_outside++;
		return EMU_NW_MEM_OUTSIDE;
	}
	if (page_absent[gpa >> 12])
		return EMU_NW_MEM_MISS;
	memcpy(val, ram + gpa, 8);
	return EMU_NW_MEM_OK;
}

static enum emu_nw_mem_status
ram_cmpxchg64(void *ctx, uint64_t gpa, uint64_t old, uint64_t new_val, uint64_t *cur)
{
	uint64_t *p;

	RTE_SET_USED(ctx);
	n_xchg++;
	if (gpa & 7) {
		n_bad_align++;
		return EMU_NW_MEM_OUTSIDE;
	}
	if (gpa >= RAM_SIZE) {
		n_outside++;
		return EMU_NW_MEM_OUTSIDE;
	}
	if (page_absent[gpa >> 12] || page_ro[gpa >> 12])
		return EMU_NW_MEM_MISS;
	p = (uint64_t *)(void *)(ram + gpa);
	if (race_left > 0 && gpa == race_gpa) {
		race_left--;
		__atomic_store_n(p, race_value != 0 ? race_value : *p ^ (1ull << 58),
			__ATOMIC_RELAXED);
	}
	*cur = old;
	if (__atomic_compare_exchange_n(p, cur, new_val, false, __ATOMIC_SEQ_CST,
			__ATOMIC_SEQ_CST))
		return EMU_NW_MEM_OK;
	return EMU_NW_MEM_CHANGED;
}

static const struct emu_nw_mem mem = {
	.read64 = ram_read64, .cmpxchg64 = ram_cmpxchg64, .ctx = NULL,
};

static void
w64(uint64_t gpa, uint64_t v)
{
	memcpy(ram + gpa, &v, 8);
}

static uint64_t
r64(uint64_t gpa)
{
	uint64_t v;

	memcpy(&v, ram + gpa, 8);
	return v;
}

static int
ram_reset(void)
{
	memset(ram, 0, sizeof(ram));
	memset(page_absent, 0, sizeof(page_absent));
	memset(page_ro, 0, sizeof(page_ro));
	n_read = n_xchg = n_outside = n_bad_align = 0;
	race_left = 0;
	return TEST_SUCCESS;
}

static void
ram_snap(void)
{
	memcpy(snap, ram, sizeof(ram));
}

static bool
ram_unchanged(void)
{
	return memcmp(snap, ram, sizeof(ram)) == 0;
}

/* ======================= VT-d first level (x86-64 4-level) ======================= */

/*
 * The reference table: PML4 at 0x1000, PDPT at 0x2000, PD at 0x3000, PT at 0x4000,
 * every table entry P|R/W|U/S (0x007) and A clear. VA 0x5abc: PML4[0], PDPT[0],
 * PD[0], PT[5] -> page 0x123456000 (SDM table 4-20: address bits M-1:12).
 */
#define PML4 0x1000u
#define PDPT 0x2000u
#define PD 0x3000u
#define PT 0x4000u

static void
fl_build(void)
{
	w64(PML4 + 0 * 8, 0x2007);              /* PML4E -> 0x2000: P R/W U/S */
	w64(PDPT + 0 * 8, 0x3007);              /* PDPTE -> 0x3000, PS = 0 */
	w64(PD + 0 * 8, 0x4007);                /* PDE -> 0x4000, PS = 0 */
	w64(PT + 5 * 8, 0x0000000123456007ull); /* PTE: page 0x123456000 */
}

static struct emu_fl_cfg fl_cfg = { .pml4_gpa = PML4, .aw_bits = 48, .flags = 0 };

static int
fl_setup(void)
{
	ram_reset();
	fl_build();
	fl_cfg = (struct emu_fl_cfg){ .pml4_gpa = PML4, .aw_bits = 48, .flags = 0 };
	return TEST_SUCCESS;
}

static int
test_fl_4k_leaf_read_sets_a(void)
{
	struct emu_nw_result r;

	TEST_ASSERT_EQUAL(emu_fl_x86_walk(&mem, &fl_cfg, 0x5abc, EMU_NW_ACC_READ, &r), EMU_NW_OK,
		"walk: %s", emu_nw_fault_str(r.fault));
	TEST_ASSERT_EQUAL(r.gpa, 0x123456abcull, "output GPA");
	TEST_ASSERT_EQUAL(r.page_size, 4096, "4 KiB leaf");
	TEST_ASSERT_EQUAL(r.level, 1, "PTE level");
	TEST_ASSERT_EQUAL(r.entry_gpa, PT + 5 * 8, "leaf entry");
	/* A (bit 5) set on every entry walked; D (bit 6) not for a read */
	TEST_ASSERT_EQUAL(r64(PML4), 0x2027, "PML4E A");
	TEST_ASSERT_EQUAL(r64(PDPT), 0x3027, "PDPTE A");
	TEST_ASSERT_EQUAL(r64(PD), 0x4027, "PDE A");
	TEST_ASSERT_EQUAL(r64(PT + 40), 0x0000000123456027ull, "PTE A, no D");
	TEST_ASSERT_EQUAL(n_read, 4, "one read per level");
	TEST_ASSERT_EQUAL(n_xchg, 4, "one locked update per entry");
	/* again: A already set, nothing written */
	TEST_ASSERT_EQUAL(emu_fl_x86_walk(&mem, &fl_cfg, 0x5abc, 0, &r), EMU_NW_OK, "walk");
	TEST_ASSERT_EQUAL(n_xchg, 4, "no update when A is set");
	return TEST_SUCCESS;
}

static int
test_fl_write_sets_d_on_leaf_only(void)
{
	struct emu_nw_result r;

	TEST_ASSERT_EQUAL(emu_fl_x86_walk(&mem, &fl_cfg, 0x5000, EMU_NW_ACC_WRITE, &r),
		EMU_NW_OK, "walk");
	TEST_ASSERT_EQUAL(r64(PML4), 0x2027, "PML4E: A only");
	TEST_ASSERT_EQUAL(r64(PDPT), 0x3027, "PDPTE: A only");
	TEST_ASSERT_EQUAL(r64(PD), 0x4027, "PDE: A only");
	TEST_ASSERT_EQUAL(r64(PT + 40), 0x0000000123456067ull, "PTE: A and D");
	/* a read of the dirty page writes nothing */
	TEST_ASSERT_EQUAL(emu_fl_x86_walk(&mem, &fl_cfg, 0x5000, EMU_NW_ACC_READ, &r),
		EMU_NW_OK, "walk");
	TEST_ASSERT_EQUAL(n_xchg, 4, "updates");
	return TEST_SUCCESS;
}

static int
test_fl_large_leaves(void)
{
	struct emu_nw_result r;

	/* PDE[1] maps 2 MiB at 0x40000000: PS (bit 7) | P R/W U/S (table 4-18) */
	w64(PD + 1 * 8, 0x40000087);
	TEST_ASSERT_EQUAL(emu_fl_x86_walk(&mem, &fl_cfg, 0x212345, EMU_NW_ACC_WRITE, &r),
		EMU_NW_OK, "2M walk");
	TEST_ASSERT_EQUAL(r.gpa, 0x40012345ull, "2M output");
	TEST_ASSERT_EQUAL(r.page_size, 2u << 20, "2M size");
	TEST_ASSERT_EQUAL(r.level, 2, "PDE level");
	TEST_ASSERT_EQUAL(r64(PD + 8), 0x400000e7, "2M leaf A and D");
	/* PAT (bit 12) of a 2 MiB leaf is not an address bit */
	w64(PD + 2 * 8, 0x400010a7);
	TEST_ASSERT_EQUAL(emu_fl_x86_walk(&mem, &fl_cfg, 0x400001, 0, &r), EMU_NW_OK, "PAT");
	TEST_ASSERT_EQUAL(r.gpa, 0x40000001ull, "PAT not in the address");

	/* PDPTE[1] maps 1 GiB at 0x80000000 (table 4-16) */
	w64(PDPT + 1 * 8, 0x80000087);
	TEST_ASSERT_EQUAL(emu_fl_x86_walk(&mem, &fl_cfg, 0x43456789, EMU_NW_ACC_READ, &r),
		EMU_NW_OK, "1G walk");
	TEST_ASSERT_EQUAL(r.gpa, 0x83456789ull, "1G output");
	TEST_ASSERT_EQUAL(r.page_size, 1u << 30, "1G size");
	TEST_ASSERT_EQUAL(r.level, 3, "PDPTE level");
	TEST_ASSERT_EQUAL(r.entry_gpa, PDPT + 8, "leaf entry");
	TEST_ASSERT_EQUAL(r64(PDPT + 8), 0x800000a7, "1G leaf A, no D");
	TEST_ASSERT_EQUAL(r64(PML4), 0x2027, "PML4E A");
	return TEST_SUCCESS;
}

static int
test_fl_not_present_every_level(void)
{
	static const struct { uint32_t entry; uint64_t va; unsigned int level; } c[] = {
		{ PML4 + 8, 1ull << 39, 4 },      /* PML4[1] empty */
		{ PDPT + 16, 2ull << 30, 3 },     /* PDPT[2] empty */
		{ PD + 24, 3ull << 21, 2 },       /* PD[3] empty */
		{ PT + 48, 6ull << 12, 1 },       /* PT[6] empty */
	};
	struct emu_nw_result r;

	for (unsigned int i = 0; i < RTE_DIM(c); i++) {
		/* P clear with every other bit set is still not present */
		if (i == 3)
			w64(PT + 48, 0xfffffffffffffffeull);
		ram_snap();
		TEST_ASSERT_EQUAL(emu_fl_x86_walk(&mem, &fl_cfg, c[i].va, EMU_NW_ACC_READ, &r),
			EMU_NW_S1_FAULT, "case %u", i);
		TEST_ASSERT_EQUAL(r.fault, EMU_NW_F_TRANSLATION, "case %u", i);
		TEST_ASSERT_EQUAL(r.hw_code, 0x71, "case %u: fault reason", i);
		TEST_ASSERT_EQUAL(r.level, c[i].level, "case %u", i);
		TEST_ASSERT_EQUAL(r.entry_gpa, c[i].entry, "case %u", i);
		TEST_ASSERT(ram_unchanged(), "case %u: a fault sets no A bit", i);
	}
	return TEST_SUCCESS;
}

static int
test_fl_reserved_bits(void)
{
	static const struct {
		uint64_t addr, word, va;
		uint8_t aw;
		unsigned int level;
	} c[] = {
		{ PML4, 0x2087, 0x5000, 48, 4 },                 /* PS in a PML4E (4-15) */
		{ PML4, 0x0001000000002007ull, 0x5000, 48, 4 },  /* bit 48 >= M = 48 */
		{ PDPT, 0x0008000000003007ull, 0x5000, 48, 3 },  /* bit 51 */
		{ PDPT + 8, 0x80002087, 1ull << 30, 48, 3 },     /* 1G: bit 13 (4-16: 29:13) */
		{ PDPT + 8, 0xa0000087, 1ull << 30, 48, 3 },     /* 1G: bit 29 */
		{ PD + 8, 0x40002087, 1ull << 21, 48, 2 },       /* 2M: bit 13 (4-18: 20:13) */
		{ PD + 8, 0x40100087, 1ull << 21, 48, 2 },       /* 2M: bit 20 */
		{ PT + 40, 0x0000008000000007ull, 0x5000, 39, 1 }, /* bit 39 with M = 39 */
		{ PD, 0x0000800000004007ull, 0x5000, 47, 2 },    /* bit 47 with M = 47 */
	};
	struct emu_nw_result r;

	for (unsigned int i = 0; i < RTE_DIM(c); i++) {
		fl_setup();
		fl_cfg.aw_bits = c[i].aw;
		w64(c[i].addr, c[i].word);
		ram_snap();
		TEST_ASSERT_EQUAL(emu_fl_x86_walk(&mem, &fl_cfg, c[i].va, EMU_NW_ACC_READ, &r),
			EMU_NW_S1_FAULT, "case %u: %s", i, emu_nw_fault_str(r.fault));
		TEST_ASSERT_EQUAL(r.fault, EMU_NW_F_RESERVED, "case %u", i);
		TEST_ASSERT_EQUAL(r.hw_code, 0x72, "case %u: fault reason", i);
		TEST_ASSERT_EQUAL(r.level, c[i].level, "case %u", i);
		TEST_ASSERT_EQUAL(r.entry_gpa, c[i].addr, "case %u", i);
		TEST_ASSERT(ram_unchanged(), "case %u: nothing set", i);
	}
	/* ignored bits are not reserved: 62:52 (4-20), bit 6 of a PML4E, 11:8, and the
	 * address bits below M: bit 38 with M = 39 */
	fl_setup();
	w64(PT + 40, 0x7ff0000123456f07ull);
	w64(PML4, 0x2047);
	fl_cfg.aw_bits = 48;
	TEST_ASSERT_EQUAL(emu_fl_x86_walk(&mem, &fl_cfg, 0x5000, 0, &r), EMU_NW_OK, "ignored");
	TEST_ASSERT_EQUAL(r.gpa, 0x123456000ull, "ignored bits are not address bits");
	fl_setup();
	fl_cfg.aw_bits = 39;
	w64(PT + 40, 0x0000004000000007ull);
	TEST_ASSERT_EQUAL(emu_fl_x86_walk(&mem, &fl_cfg, 0x5000, 0, &r), EMU_NW_OK, "bit 38");
	TEST_ASSERT_EQUAL(r.gpa, 0x4000000000ull, "bit 38 is an address bit with M = 39");
	return TEST_SUCCESS;
}

/* One permission case: which entry gets which bits cleared/set, and the request. */
struct fl_perm_case {
	uint32_t entry;     /* table entry modified */
	uint64_t clear, set;
	uint32_t acc;
	uint32_t flags;     /* EMU_FL_* */
	uint8_t reason;     /* 0: allowed */
};

static int
test_fl_permissions(void)
{
	static const struct fl_perm_case c[] = {
		/* user requests need U/S at every level (SDM 4.6.1; VT-d 0x81) */
		{ PML4, 0x4, 0, EMU_NW_ACC_READ, 0, 0x81 },
		{ PDPT, 0x4, 0, EMU_NW_ACC_READ, 0, 0x81 },
		{ PD, 0x4, 0, EMU_NW_ACC_WRITE, 0, 0x81 },
		{ PT + 40, 0x4, 0, EMU_NW_ACC_EXEC | EMU_NW_ACC_READ, 0, 0x81 },
		/* writes need R/W at every level (0x85) */
		{ PML4, 0x2, 0, EMU_NW_ACC_WRITE, 0, 0x85 },
		{ PD, 0x2, 0, EMU_NW_ACC_WRITE | EMU_NW_ACC_READ, 0, 0x85 },
		{ PT + 40, 0x2, 0, EMU_NW_ACC_WRITE, 0, 0x85 },
		{ PT + 40, 0x2, 0, EMU_NW_ACC_READ, 0, 0 },          /* read of read-only */
		/* execute needs XD (bit 63) clear at every level (0x82) */
		{ PDPT, 0, 1ull << 63, EMU_NW_ACC_EXEC | EMU_NW_ACC_READ, 0, 0x82 },
		{ PT + 40, 0, 1ull << 63, EMU_NW_ACC_EXEC, 0, 0x82 },
		{ PT + 40, 0, 1ull << 63, EMU_NW_ACC_READ, 0, 0 },   /* XD does not stop reads */
		/* supervisor (SRE): U/S not needed; writes to read-only only with WPE */
		{ PD, 0x4, 0, EMU_NW_ACC_PRIV | EMU_NW_ACC_WRITE, EMU_FL_SRE, 0 },
		{ PD, 0x2, 0, EMU_NW_ACC_PRIV | EMU_NW_ACC_WRITE, EMU_FL_SRE, 0 },
		{ PD, 0x2, 0, EMU_NW_ACC_PRIV | EMU_NW_ACC_WRITE, EMU_FL_SRE | EMU_FL_WPE, 0x85 },
		{ PT + 40, 0, 1ull << 63, EMU_NW_ACC_PRIV | EMU_NW_ACC_EXEC, EMU_FL_SRE, 0x82 },
	};
	struct emu_nw_result r;

	for (unsigned int i = 0; i < RTE_DIM(c); i++) {
		uint64_t leaf;

		fl_setup();
		fl_cfg.flags = c[i].flags;
		w64(c[i].entry, (r64(c[i].entry) & ~c[i].clear) | c[i].set);
		leaf = r64(PT + 40);
		ram_snap();
		emu_fl_x86_walk(&mem, &fl_cfg, 0x5000, c[i].acc, &r);
		if (c[i].reason == 0) {
			TEST_ASSERT_EQUAL(r.status, EMU_NW_OK, "case %u: %s", i,
				emu_nw_fault_str(r.fault));
			TEST_ASSERT_EQUAL(r64(PT + 40), leaf | 0x20 |
				((c[i].acc & EMU_NW_ACC_WRITE) ? 0x40 : 0), "case %u: A/D", i);
			continue;
		}
		TEST_ASSERT_EQUAL(r.status, EMU_NW_S1_FAULT, "case %u", i);
		TEST_ASSERT_EQUAL(r.fault, EMU_NW_F_PERMISSION, "case %u", i);
		TEST_ASSERT_EQUAL(r.hw_code, c[i].reason, "case %u", i);
		TEST_ASSERT_EQUAL(r.level, 1, "case %u: reported at the leaf", i);
		TEST_ASSERT_EQUAL(r.entry_gpa, PT + 40, "case %u", i);
		TEST_ASSERT(ram_unchanged(), "case %u: a refused access sets no A/D", i);
		TEST_ASSERT_EQUAL(n_xchg, 0, "case %u: no locked update", i);
	}
	/* supervisor request with SRE clear: refused before any read */
	fl_setup();
	TEST_ASSERT_EQUAL(emu_fl_x86_walk(&mem, &fl_cfg, 0x5000, EMU_NW_ACC_PRIV |
		EMU_NW_ACC_READ, &r), EMU_NW_CFG_FAULT, "PR without SRE");
	TEST_ASSERT_EQUAL(r.fault, EMU_NW_F_PRIV, "PR without SRE");
	TEST_ASSERT_EQUAL(n_read, 0, "no table read");
	return TEST_SUCCESS;
}

static int
test_cfg_from_nested(void)
{
	const struct sva_nested_cfg v = { .format = SVA_NESTED_VTD_FL, .flags = SVA_NESTED_SRE,
		.table_gpa = 0x5000 };
	const struct sva_nested_cfg c = { .format = SVA_NESTED_SMMUV3_CD, .table_gpa = 0x8040,
		.s1cdmax = 7, .s1fmt = 2 };
	struct emu_fl_cfg f = emu_fl_cfg_from_nested(&v, 46);
	struct emu_cd_table t = emu_cd_table_from_nested(&c);

	TEST_ASSERT_EQUAL(f.pml4_gpa, 0x5000, "PML4");
	TEST_ASSERT_EQUAL(f.aw_bits, 46, "address width");
	TEST_ASSERT_EQUAL(f.flags, EMU_FL_SRE, "SRE");
	f = emu_fl_cfg_from_nested(&c, 48);
	TEST_ASSERT_EQUAL(f.flags, 0, "no SRE");
	TEST_ASSERT_EQUAL(t.table_gpa, 0x8040, "table");
	TEST_ASSERT_EQUAL(t.s1cdmax, 7, "S1CDMax");
	TEST_ASSERT_EQUAL(t.s1fmt, 2, "S1Fmt");
	return TEST_SUCCESS;
}

static int
test_fault_recoverable(void)
{
	/* a page request can fix these: the guest maps the page or grants the access */
	TEST_ASSERT(emu_nw_fault_recoverable(EMU_NW_F_TRANSLATION), "translation");
	TEST_ASSERT(emu_nw_fault_recoverable(EMU_NW_F_PERMISSION), "permission");
	TEST_ASSERT(emu_nw_fault_recoverable(EMU_NW_F_ACCESS), "access flag");
	/* table errors: VT-d reserved-bit faults are non-recoverable */
	for (int f = EMU_NW_F_NONE; f <= EMU_NW_F_BAD_CD; f++)
		if (f != EMU_NW_F_TRANSLATION && f != EMU_NW_F_PERMISSION && f != EMU_NW_F_ACCESS)
			TEST_ASSERT(!emu_nw_fault_recoverable((enum emu_nw_fault)f), "%s",
				emu_nw_fault_str((enum emu_nw_fault)f));
	return TEST_SUCCESS;
}

static int
test_fl_noncanonical(void)
{
	struct emu_nw_result r;

	/* 4-level paging: bits 63:47 must equal bit 47 */
	TEST_ASSERT_EQUAL(emu_fl_x86_walk(&mem, &fl_cfg, 0x0000800000000000ull, 0, &r),
		EMU_NW_CFG_FAULT, "bit 47 set alone");
	TEST_ASSERT_EQUAL(r.fault, EMU_NW_F_NONCANONICAL, "fault");
	TEST_ASSERT_EQUAL(r.hw_code, 0x80, "reason");
	TEST_ASSERT_EQUAL(emu_fl_x86_walk(&mem, &fl_cfg, 0x8000000000005000ull, 0, &r),
		EMU_NW_CFG_FAULT, "bit 63 set alone");
	TEST_ASSERT_EQUAL(n_read, 0, "no read");
	/* 0xffff800000000000 is canonical: PML4 index 256 */
	w64(PML4 + 256 * 8, 0x2007);
	TEST_ASSERT_EQUAL(emu_fl_x86_walk(&mem, &fl_cfg, 0xffff800000005000ull, 0, &r),
		EMU_NW_OK, "upper half");
	TEST_ASSERT_EQUAL(r.gpa, 0x123456000ull, "upper half output");
	return TEST_SUCCESS;
}

static int
test_fl_second_level(void)
{
	struct emu_nw_result r;

	/* the PD's page not present: a miss on the PDE, nothing decided yet */
	page_absent[PD >> 12] = true;
	ram_snap();
	TEST_ASSERT_EQUAL(emu_fl_x86_walk(&mem, &fl_cfg, 0x5000, 0, &r), EMU_NW_S2_MISS, "miss");
	TEST_ASSERT_EQUAL(r.gpa, PD, "the PDE's GPA");
	TEST_ASSERT_EQUAL(r.write, false, "a read miss");
	TEST_ASSERT(ram_unchanged(), "nothing set on a miss before the leaf");
	page_absent[PD >> 12] = false;
	/* the PT present but read-only on the second level: the A update misses (write) */
	page_ro[PT >> 12] = true;
	TEST_ASSERT_EQUAL(emu_fl_x86_walk(&mem, &fl_cfg, 0x5000, 0, &r), EMU_NW_S2_MISS, "ro");
	TEST_ASSERT_EQUAL(r.gpa, PT + 40, "the PTE's GPA");
	TEST_ASSERT_EQUAL(r.write, true, "an update miss");
	page_ro[PT >> 12] = false;
	TEST_ASSERT_EQUAL(emu_fl_x86_walk(&mem, &fl_cfg, 0x5000, 0, &r), EMU_NW_OK, "resolved");
	/* a table pointer outside guest RAM (1 MiB): a clean result, no read outside */
	w64(PDPT, 0x40000007);
	TEST_ASSERT_EQUAL(emu_fl_x86_walk(&mem, &fl_cfg, 0x5000, 0, &r), EMU_NW_S2_OUTSIDE,
		"outside");
	TEST_ASSERT_EQUAL(r.gpa, 0x40000000ull, "the PDE's GPA outside RAM");
	/* the root itself outside */
	fl_cfg.pml4_gpa = 0xfffffffffffff000ull;
	TEST_ASSERT_EQUAL(emu_fl_x86_walk(&mem, &fl_cfg, 0x5000, 0, &r), EMU_NW_S2_OUTSIDE,
		"root outside");
	TEST_ASSERT_EQUAL(r.gpa, 0xfffffffffffff000ull, "root GPA");
	TEST_ASSERT_EQUAL(n_bad_align, 0, "every access 8-byte aligned");
	return TEST_SUCCESS;
}

static int
test_fl_loops(void)
{
	struct emu_nw_result r;

	/* PML4[0] points at the PML4 itself: the walk uses it at every level (a
	 * recursive mapping) and ends at the fixed depth with the PML4 page as output */
	w64(PML4, PML4 | 0x007);
	TEST_ASSERT_EQUAL(emu_fl_x86_walk(&mem, &fl_cfg, 0x123, 0, &r), EMU_NW_OK, "loop");
	TEST_ASSERT_EQUAL(r.gpa, PML4 + 0x123, "output");
	TEST_ASSERT_EQUAL(n_read, 4, "four reads, no more");
	TEST_ASSERT_EQUAL(r64(PML4), PML4 | 0x027, "A set once");
	/* the same with PS: reserved at the PML4E before any descent */
	w64(PML4, PML4 | 0x087);
	TEST_ASSERT_EQUAL(emu_fl_x86_walk(&mem, &fl_cfg, 0x123, 0, &r), EMU_NW_S1_FAULT, "PS");
	TEST_ASSERT_EQUAL(r.fault, EMU_NW_F_RESERVED, "reserved");
	return TEST_SUCCESS;
}

static int
test_fl_update_race(void)
{
	struct emu_nw_result r;

	/* the PTE is changed (to another page) just before the A update: the walk
	 * restarts and returns the new translation */
	race_left = 1;
	race_gpa = PT + 40;
	race_value = 0x0000000077777007ull;
	TEST_ASSERT_EQUAL(emu_fl_x86_walk(&mem, &fl_cfg, 0x5000, 0, &r), EMU_NW_OK, "race");
	TEST_ASSERT_EQUAL(r.gpa, 0x77777000ull, "the new entry's page");
	TEST_ASSERT_EQUAL(r64(PML4), 0x2027, "A set");
	/* an entry that keeps changing: a bounded number of restarts, then a fault */
	fl_setup();
	race_left = 1000;
	race_gpa = PML4;        /* the PML4E changes under every update */
	race_value = 0;
	TEST_ASSERT_EQUAL(emu_fl_x86_walk(&mem, &fl_cfg, 0x5000, 0, &r), EMU_NW_S1_FAULT,
		"endless race");
	TEST_ASSERT_EQUAL(r.fault, EMU_NW_F_UPDATE, "update fault");
	TEST_ASSERT_EQUAL(r.hw_code, 0x91, "reason");
	TEST_ASSERT_LESS_EQ(n_read, 4 * 8, "bounded");
	return TEST_SUCCESS;
}

/* ========================= SMMUv3 CD table ========================= */

/*
 * A valid CD (IHI0070 5.4), word 0: T0SZ 16 (5:0 = 0x10), TG0 4 KiB (7:6 = 0),
 * EPD1 (bit 30), V (bit 31), IPS 48 bits (34:32 = 0b101), AA64 (bit 41):
 *   0x10 | 1 << 30 | 1 << 31 | 5 << 32 | 1 << 41 = 0x00000205c0000010.
 * Word 1: TTB0 (bits 119:68 = address 51:4), here 0x10000.
 */
#define CD_W0 0x00000205c0000010ull
#define TTB0 0x10000u

static void
cd_put(uint64_t gpa, uint64_t w0, uint64_t w1)
{
	w64(gpa, w0);
	w64(gpa + 8, w1);
}

static int
cd_setup(void)
{
	return ram_reset();
}

static int
test_cd_linear(void)
{
	struct emu_cd_table t = { .table_gpa = 0x8000, .s1cdmax = 2, .s1fmt = 0 };
	struct emu_nw_result r;
	struct emu_cd cd;

	cd_put(0x8000 + 2 * 64, CD_W0 | (0x1234ull << 48), TTB0);
	TEST_ASSERT_EQUAL(emu_cd_fetch(&mem, &t, 2, &cd, &r), EMU_NW_OK, "fetch: %s",
		emu_nw_fault_str(r.fault));
	TEST_ASSERT_EQUAL(r.gpa, 0x8080, "CD 2 at 2 * 64");
	TEST_ASSERT_EQUAL(cd.tt[0].ttb, TTB0, "TTB0");
	TEST_ASSERT_EQUAL(cd.tt[0].tsz, 16, "T0SZ");
	TEST_ASSERT_EQUAL(cd.tt[1].disabled, true, "EPD1");
	TEST_ASSERT_EQUAL(cd.ips_bits, 48, "IPS");
	TEST_ASSERT_EQUAL(cd.asid, 0x1234, "ASID 63:48");
	TEST_ASSERT_EQUAL(n_read, 8, "the 64-byte CD");
	/* the zero table: legal until used; a CD with V == 0 is C_BAD_CD */
	TEST_ASSERT_EQUAL(emu_cd_fetch(&mem, &t, 1, &cd, &r), EMU_NW_CFG_FAULT, "zero CD");
	TEST_ASSERT_EQUAL(r.fault, EMU_NW_F_BAD_CD, "C_BAD_CD");
	TEST_ASSERT_EQUAL(r.hw_code, 0x0a, "event 0x0a");
	/* SSID >= 2^S1CDMax: C_BAD_SUBSTREAMID (7.3.9), no read */
	n_read = 0;
	TEST_ASSERT_EQUAL(emu_cd_fetch(&mem, &t, 4, &cd, &r), EMU_NW_CFG_FAULT, "ssid 4");
	TEST_ASSERT_EQUAL(r.fault, EMU_NW_F_BAD_SUBSTREAMID, "bad ssid");
	TEST_ASSERT_EQUAL(r.hw_code, 0x08, "event 0x08");
	TEST_ASSERT_EQUAL(n_read, 0, "no read");
	TEST_ASSERT_EQUAL(emu_cd_fetch(&mem, &t, 0xfffff, &cd, &r), EMU_NW_CFG_FAULT, "big");
	/* S1CDMax 0: one CD, only SSID 0; S1Fmt IGNORED */
	t = (struct emu_cd_table){ .table_gpa = 0x8000 + 2 * 64, .s1cdmax = 0, .s1fmt = 1 };
	TEST_ASSERT_EQUAL(emu_cd_fetch(&mem, &t, 0, &cd, &r), EMU_NW_OK, "single CD");
	TEST_ASSERT_EQUAL(r.gpa, 0x8080, "the CD itself");
	TEST_ASSERT_EQUAL(emu_cd_fetch(&mem, &t, 1, &cd, &r), EMU_NW_CFG_FAULT, "ssid 1");
	TEST_ASSERT_EQUAL(r.hw_code, 0x08, "C_BAD_SUBSTREAMID");
	/* S1CDMax above 20 (more than the 2^20 SSIDs of PCIe PASIDs) */
	t.s1cdmax = 21;
	TEST_ASSERT_EQUAL(emu_cd_fetch(&mem, &t, 0, &cd, &r), EMU_NW_CFG_FAULT, "s1cdmax 21");
	TEST_ASSERT_EQUAL(r.fault, EMU_NW_F_BAD_STE, "bad STE");
	TEST_ASSERT_EQUAL(r.hw_code, 0x04, "C_BAD_STE");
	/* S1Fmt 0b11 behaves as 0b00 (5.2) */
	t = (struct emu_cd_table){ .table_gpa = 0x8000, .s1cdmax = 2, .s1fmt = 3 };
	TEST_ASSERT_EQUAL(emu_cd_fetch(&mem, &t, 2, &cd, &r), EMU_NW_OK, "fmt 3");
	TEST_ASSERT_EQUAL(r.gpa, 0x8080, "linear");
	/* a linear table is aligned to its size: S1ContextPtr[S1CDMax+5:6] treated as 0 */
	t.table_gpa = 0x8000 + 0xc0;
	TEST_ASSERT_EQUAL(emu_cd_fetch(&mem, &t, 2, &cd, &r), EMU_NW_OK, "RES0 bits");
	TEST_ASSERT_EQUAL(r.gpa, 0x8080, "RES0 pointer bits ignored");
	return TEST_SUCCESS;
}

static int
test_cd_two_level(void)
{
	struct emu_cd_table t = { .table_gpa = 0xa000, .s1cdmax = 8, .s1fmt = 1 };
	struct emu_nw_result r;
	struct emu_cd cd;

	/* S1Fmt 1: L1 indexed by SSID[7:6], 64 CDs of 64 bytes per 4 KiB leaf (5.2) */
	w64(0xa000 + 1 * 8, 0xb001);             /* L1CD[1]: L2Ptr 0xb000, V (5.3) */
	cd_put(0xb000 + 6 * 64, CD_W0, TTB0);
	TEST_ASSERT_EQUAL(emu_cd_fetch(&mem, &t, 70, &cd, &r), EMU_NW_OK, "ssid 70: %s",
		emu_nw_fault_str(r.fault));
	TEST_ASSERT_EQUAL(r.gpa, 0xb180, "L2 index 6");
	/* L1CD with V == 0: C_BAD_SUBSTREAMID (5.3.1), even with an L2Ptr */
	w64(0xa000 + 2 * 8, 0xb000);
	TEST_ASSERT_EQUAL(emu_cd_fetch(&mem, &t, 130, &cd, &r), EMU_NW_CFG_FAULT, "L1 V=0");
	TEST_ASSERT_EQUAL(r.fault, EMU_NW_F_BAD_SUBSTREAMID, "fault");
	TEST_ASSERT_EQUAL(r.hw_code, 0x08, "C_BAD_SUBSTREAMID");
	/* all-zero L1 table */
	TEST_ASSERT_EQUAL(emu_cd_fetch(&mem, &t, 5, &cd, &r), EMU_NW_CFG_FAULT, "zero L1");
	TEST_ASSERT_EQUAL(r.hw_code, 0x08, "C_BAD_SUBSTREAMID");
	/* an L2Ptr above the 48-bit IAS: C_BAD_SUBSTREAMID (7.3.9) */
	w64(0xa000 + 3 * 8, (1ull << 48) | 0xb001);
	TEST_ASSERT_EQUAL(emu_cd_fetch(&mem, &t, 192, &cd, &r), EMU_NW_CFG_FAULT, "L2Ptr");
	TEST_ASSERT_EQUAL(r.hw_code, 0x08, "C_BAD_SUBSTREAMID");
	/* a valid L1CD whose leaf is zero: C_BAD_CD */
	TEST_ASSERT_EQUAL(emu_cd_fetch(&mem, &t, 64, &cd, &r), EMU_NW_CFG_FAULT, "zero leaf");
	TEST_ASSERT_EQUAL(r.hw_code, 0x0a, "C_BAD_CD");
	/* an L2Ptr outside guest RAM: a stage-2 fault of class CD; F_CD_FETCH for a guest */
	w64(0xa000, 0x7fff0001ull);
	TEST_ASSERT_EQUAL(emu_cd_fetch(&mem, &t, 1, &cd, &r), EMU_NW_S2_OUTSIDE, "outside");
	TEST_ASSERT_EQUAL(r.gpa, 0x7fff0000ull + 64, "the CD's GPA");
	TEST_ASSERT_EQUAL(r.smmu_class, 0, "CLASS CD");
	TEST_ASSERT_EQUAL(r.s2, true, "S2");
	TEST_ASSERT_EQUAL(r.hw_code, 0x10, "F_TRANSLATION at stage 2");
	TEST_ASSERT_EQUAL(r.guest_event, 0x09, "F_CD_FETCH for the guest");
	/* the L1 table's page not present: a miss on the L1CD */
	page_absent[0xa] = true;
	TEST_ASSERT_EQUAL(emu_cd_fetch(&mem, &t, 70, &cd, &r), EMU_NW_S2_MISS, "L1 miss");
	TEST_ASSERT_EQUAL(r.gpa, 0xa008, "the L1CD's GPA");
	page_absent[0xa] = false;
	page_absent[0xb] = true;
	TEST_ASSERT_EQUAL(emu_cd_fetch(&mem, &t, 70, &cd, &r), EMU_NW_S2_MISS, "CD miss");
	TEST_ASSERT_EQUAL(r.gpa, 0xb180, "the CD's GPA");
	page_absent[0xb] = false;
	/* the L1 table pointer outside guest RAM */
	t.table_gpa = 0x100000;
	TEST_ASSERT_EQUAL(emu_cd_fetch(&mem, &t, 70, &cd, &r), EMU_NW_S2_OUTSIDE, "L1 out");
	TEST_ASSERT_EQUAL(r.gpa, 0x100008, "the L1CD's GPA");

	/* S1CDMax <= 6 with 4 KiB leaves: only L1 index 0 */
	t = (struct emu_cd_table){ .table_gpa = 0xa000, .s1cdmax = 5, .s1fmt = 1 };
	w64(0xa000, 0xb001);
	cd_put(0xb000 + 31 * 64, CD_W0, TTB0);
	TEST_ASSERT_EQUAL(emu_cd_fetch(&mem, &t, 31, &cd, &r), EMU_NW_OK, "small");
	TEST_ASSERT_EQUAL(r.gpa, 0xb000 + 31 * 64, "L1[0], L2 index 31");

	/* S1Fmt 2: SSID[S1CDMax-1:10] indexes the L1, 1024 CDs per 64 KiB leaf; L2Ptr[15:12]
	 * RES0 (treated as zero here) */
	t = (struct emu_cd_table){ .table_gpa = 0xa000, .s1cdmax = 12, .s1fmt = 2 };
	w64(0xa000 + 1 * 8, 0x23001);
	cd_put(0x20000 + 5 * 64, CD_W0, TTB0);
	TEST_ASSERT_EQUAL(emu_cd_fetch(&mem, &t, 0x405, &cd, &r), EMU_NW_OK, "fmt 2");
	TEST_ASSERT_EQUAL(r.gpa, 0x20140, "64 KiB leaf, index 5");
	TEST_ASSERT_EQUAL(emu_cd_fetch(&mem, &t, 0x1000, &cd, &r), EMU_NW_CFG_FAULT, "max");
	TEST_ASSERT_EQUAL(r.hw_code, 0x08, "SSID 2^12 with S1CDMax 12");
	TEST_ASSERT_EQUAL(n_outside, 2, "only the two reads outside, refused");
	TEST_ASSERT_EQUAL(n_bad_align, 0, "aligned");
	return TEST_SUCCESS;
}

static int
test_cd_bad_fields(void)
{
	static const struct { uint64_t w0, w1, w2; const char *what; } bad[] = {
		{ CD_W0 & ~(1ull << 31), TTB0, 0, "V clear" },
		{ CD_W0 & ~(1ull << 41), TTB0, 0, "AA64 clear" },
		{ CD_W0 | (1ull << 6), TTB0, 0, "TG0 64 KiB" },
		{ CD_W0 | (2ull << 6), TTB0, 0, "TG0 16 KiB" },
		{ CD_W0 | (3ull << 6), TTB0, 0, "TG0 reserved" },
		{ (CD_W0 & ~0x3full) | 15, TTB0, 0, "T0SZ 15" },
		{ (CD_W0 & ~0x3full) | 40, TTB0, 0, "T0SZ 40" },
		{ (CD_W0 & ~0x3full) | 63, TTB0, 0, "T0SZ 63" },
		{ CD_W0 | (1ull << 42), TTB0, 0, "HD" },
		{ CD_W0 | (1ull << 42) | (1ull << 43), TTB0, 0, "HD HA" },
		{ CD_W0 | (1ull << 15), TTB0, 0, "ENDI" },
		/* IPS 0b000 = 32 bits and TTB0 at 4 GiB */
		{ CD_W0 & ~(7ull << 32), 0x100000000ull, 0, "TTB0 beyond IPS" },
		{ CD_W0, 1ull << 48, 0, "TTB0 beyond 48 bits" },
		/* EPD1 clear: TG1 must be 4 KiB (0b10), T1SZ in range */
		{ CD_W0 & ~(1ull << 30), TTB0, 0x20000, "TG1 reserved 0b00" },
		{ (CD_W0 & ~(1ull << 30)) | (2ull << 22) | (10ull << 16), TTB0, 0x20000,
			"T1SZ 10" },
	};
	static const struct { uint64_t w0, w1, w2; const char *what; } good[] = {
		{ CD_W0, TTB0, 0, "reference" },
		{ CD_W0 | (1ull << 43), TTB0, 0, "HA" },
		{ CD_W0 | (1ull << 14), 0, 0, "EPD0: TTB0 fields IGNORED" },
		{ (CD_W0 | (1ull << 14) | (3ull << 6) | 63), 0, 0, "EPD0 with bad TG0/T0SZ" },
		{ (CD_W0 & ~(1ull << 30)) | (2ull << 22) | (16ull << 16), TTB0, 0x20000,
			"TTB1 valid" },
		{ CD_W0 | (1ull << 14) | (1ull << 15), TTB0, 0, "ENDI with both EPD" },
		{ CD_W0 | (7ull << 32), TTB0, 0, "IPS 56 capped to 48" },
	};
	struct emu_cd_table t = { .table_gpa = 0x8000, .s1cdmax = 0 };
	struct emu_nw_result r;
	struct emu_cd cd;

	for (unsigned int i = 0; i < RTE_DIM(bad); i++) {
		cd_put(0x8000, bad[i].w0, bad[i].w1);
		w64(0x8010, bad[i].w2);
		TEST_ASSERT_EQUAL(emu_cd_fetch(&mem, &t, 0, &cd, &r), EMU_NW_CFG_FAULT, "%s",
			bad[i].what);
		TEST_ASSERT_EQUAL(r.fault, EMU_NW_F_BAD_CD, "%s", bad[i].what);
		TEST_ASSERT_EQUAL(r.hw_code, 0x0a, "%s: C_BAD_CD", bad[i].what);
	}
	for (unsigned int i = 0; i < RTE_DIM(good); i++) {
		cd_put(0x8000, good[i].w0, good[i].w1);
		w64(0x8010, good[i].w2);
		TEST_ASSERT_EQUAL(emu_cd_fetch(&mem, &t, 0, &cd, &r), EMU_NW_OK, "%s",
			good[i].what);
	}
	TEST_ASSERT_EQUAL(cd.ips_bits, 48, "IPS capped to the OAS");
	return TEST_SUCCESS;
}

/* ========================= AArch64 stage 1 ========================= */

/*
 * The reference tables (T0SZ 16: 48-bit VA, start level 0): L0 at 0x10000, L1 at
 * 0x11000, L2 at 0x12000, L3 at 0x13000. Table descriptors: 0b11 (table D8-48).
 * VA 0x1abc: L0[0], L1[0], L2[0], L3[1] -> page 0x40000000 with AF (bit 10) and
 * AP[2:1] = 0b01 (bits 7:6: EL1 and EL0 read/write): 0x40000443.
 */
#define L0 0x10000u
#define L1 0x11000u
#define L2 0x12000u
#define L3 0x13000u

static struct emu_cd s1cd;

static int
s1_setup(void)
{
	const uint64_t w[8] = { CD_W0, TTB0 };

	ram_reset();
	w64(L0, L1 | 3);
	w64(L1, L2 | 3);
	w64(L2, L3 | 3);
	w64(L3 + 8, 0x40000443);
	return emu_cd_decode(w, &s1cd, NULL) == 0 ? TEST_SUCCESS : TEST_FAILED;
}

static int
test_s1_page_and_blocks(void)
{
	struct emu_nw_result r;

	TEST_ASSERT_EQUAL(emu_s1_arm_walk(&mem, &s1cd, 0x1abc, EMU_NW_ACC_WRITE, &r), EMU_NW_OK,
		"page: %s", emu_nw_fault_str(r.fault));
	TEST_ASSERT_EQUAL(r.gpa, 0x40000abcull, "output");
	TEST_ASSERT_EQUAL(r.page_size, 4096, "page");
	TEST_ASSERT_EQUAL(r.level, 3, "level 3");
	TEST_ASSERT_EQUAL(r.entry_gpa, L3 + 8, "descriptor");
	TEST_ASSERT_EQUAL(n_read, 4, "levels 0..3");
	TEST_ASSERT_EQUAL(n_xchg, 0, "AF already set: no update");
	/* level 1 block (1 GiB): bits 1:0 = 0b01, OA 47:30 (table D8-52) */
	w64(L1 + 8, 0x80000441);
	TEST_ASSERT_EQUAL(emu_s1_arm_walk(&mem, &s1cd, 0x40345678, 0, &r), EMU_NW_OK, "1G");
	TEST_ASSERT_EQUAL(r.gpa, 0x80345678ull, "1G output");
	TEST_ASSERT_EQUAL(r.page_size, 1u << 30, "1G");
	TEST_ASSERT_EQUAL(r.level, 1, "level 1");
	/* level 2 block (2 MiB), OA 47:21 */
	w64(L2 + 8, 0x00e00441);
	TEST_ASSERT_EQUAL(emu_s1_arm_walk(&mem, &s1cd, 0x2abcde, 0, &r), EMU_NW_OK, "2M");
	TEST_ASSERT_EQUAL(r.gpa, 0x00eabcdeull, "2M output");
	TEST_ASSERT_EQUAL(r.page_size, 2u << 20, "2M");
	TEST_ASSERT_EQUAL(r.level, 2, "level 2");
	/* level 0 "block": needs DS == 1 with 4 KiB, so invalid: translation fault L0 */
	w64(L0 + 8, 0x8000000441ull);
	TEST_ASSERT_EQUAL(emu_s1_arm_walk(&mem, &s1cd, 1ull << 39, 0, &r), EMU_NW_S1_FAULT, "L0");
	TEST_ASSERT_EQUAL(r.fault, EMU_NW_F_TRANSLATION, "translation");
	TEST_ASSERT_EQUAL(r.level, 0, "level 0");
	/* level 3 with bits 1:0 = 0b01: reserved, treated as invalid (table D8-48) */
	w64(L3 + 16, 0x40001441);
	TEST_ASSERT_EQUAL(emu_s1_arm_walk(&mem, &s1cd, 0x2000, 0, &r), EMU_NW_S1_FAULT, "L3 b01");
	TEST_ASSERT_EQUAL(r.hw_code, 0x10, "F_TRANSLATION");
	TEST_ASSERT_EQUAL(r.level, 3, "level 3");
	return TEST_SUCCESS;
}

static int
test_s1_invalid_every_level(void)
{
	static const struct { uint64_t va; uint32_t entry; unsigned int level; } c[] = {
		{ 2ull << 39, L0 + 16, 0 }, { 2ull << 30, L1 + 16, 1 },
		{ 2ull << 21, L2 + 16, 2 }, { 2ull << 12, L3 + 16, 3 },
	};
	struct emu_nw_result r;

	for (unsigned int i = 0; i < RTE_DIM(c); i++) {
		/* bit 0 clear: invalid whatever the rest holds */
		w64(c[i].entry, 0xfffffffffffffffeull);
		ram_snap();
		TEST_ASSERT_EQUAL(emu_s1_arm_walk(&mem, &s1cd, c[i].va, 0, &r), EMU_NW_S1_FAULT,
			"case %u", i);
		TEST_ASSERT_EQUAL(r.fault, EMU_NW_F_TRANSLATION, "case %u", i);
		TEST_ASSERT_EQUAL(r.hw_code, 0x10, "case %u: F_TRANSLATION", i);
		TEST_ASSERT_EQUAL(r.smmu_class, 2, "case %u: CLASS IN", i);
		TEST_ASSERT_EQUAL(r.s2, false, "case %u: stage 1", i);
		TEST_ASSERT_EQUAL(r.level, c[i].level, "case %u", i);
		TEST_ASSERT_EQUAL(r.entry_gpa, c[i].entry, "case %u", i);
		TEST_ASSERT(ram_unchanged(), "case %u", i);
	}
	return TEST_SUCCESS;
}

/* Arm ARM table D8-65, one row: UXN, PXN, AP[2:1], WXN and the permissions it gives. */
#define PR (1u << 0)   /* PrivRead */
#define PW (1u << 1)   /* PrivWrite */
#define PX (1u << 2)   /* PrivExecute */
#define UR (1u << 3)   /* UnprivRead */
#define UW (1u << 4)   /* UnprivWrite */
#define UX (1u << 5)   /* UnprivExecute */

static const struct { uint8_t uxn, pxn, ap, wxn, perm; } d8_65[] = {
	{ 0, 0, 0, 0, PR | PW | PX | UX },
	{ 0, 0, 0, 1, PR | PW | UX },              /* PrivWXN */
	{ 0, 0, 1, 0, PR | PW | UR | UW | UX },
	{ 0, 0, 1, 1, PR | PW | UR | UW },         /* UnprivWXN */
	{ 0, 0, 2, 0, PR | PX | UX }, { 0, 0, 2, 1, PR | PX | UX },
	{ 0, 0, 3, 0, PR | PX | UR | UX }, { 0, 0, 3, 1, PR | PX | UR | UX },
	{ 0, 1, 0, 0, PR | PW | UX }, { 0, 1, 0, 1, PR | PW | UX },
	{ 0, 1, 1, 0, PR | PW | UR | UW | UX },
	{ 0, 1, 1, 1, PR | PW | UR | UW },
	{ 0, 1, 2, 0, PR | UX }, { 0, 1, 2, 1, PR | UX },
	{ 0, 1, 3, 0, PR | UR | UX }, { 0, 1, 3, 1, PR | UR | UX },
	{ 1, 0, 0, 0, PR | PW | PX },
	{ 1, 0, 0, 1, PR | PW },
	{ 1, 0, 1, 0, PR | PW | UR | UW }, { 1, 0, 1, 1, PR | PW | UR | UW },
	{ 1, 0, 2, 0, PR | PX }, { 1, 0, 2, 1, PR | PX },
	{ 1, 0, 3, 0, PR | PX | UR }, { 1, 0, 3, 1, PR | PX | UR },
	{ 1, 1, 0, 0, PR | PW }, { 1, 1, 0, 1, PR | PW },
	{ 1, 1, 1, 0, PR | PW | UR | UW }, { 1, 1, 1, 1, PR | PW | UR | UW },
	{ 1, 1, 2, 0, PR }, { 1, 1, 2, 1, PR },
	{ 1, 1, 3, 0, PR | UR }, { 1, 1, 3, 1, PR | UR },
};

static const struct { uint8_t perm; uint32_t acc; } accs[] = {
	{ PR, EMU_NW_ACC_PRIV | EMU_NW_ACC_READ },
	{ PW, EMU_NW_ACC_PRIV | EMU_NW_ACC_WRITE },
	{ PX, EMU_NW_ACC_PRIV | EMU_NW_ACC_EXEC | EMU_NW_ACC_READ },
	{ UR, EMU_NW_ACC_READ },
	{ UW, EMU_NW_ACC_WRITE },
	{ UX, EMU_NW_ACC_EXEC | EMU_NW_ACC_READ },
};

static int
test_s1_permissions_d8_65(void)
{
	struct emu_nw_result r;

	for (unsigned int i = 0; i < RTE_DIM(d8_65); i++) {
		/* page at 0x40000000, AF, the row's AP/PXN/UXN */
		uint64_t d = 0x40000403ull | ((uint64_t)d8_65[i].ap << 6) |
			((uint64_t)d8_65[i].pxn << 53) | ((uint64_t)d8_65[i].uxn << 54);

		s1cd.wxn = d8_65[i].wxn;
		w64(L3 + 8, d);
		for (unsigned int j = 0; j < RTE_DIM(accs); j++) {
			bool allowed = d8_65[i].perm & accs[j].perm;

			emu_s1_arm_walk(&mem, &s1cd, 0x1000, accs[j].acc, &r);
			TEST_ASSERT_EQUAL(r.status, allowed ? EMU_NW_OK : EMU_NW_S1_FAULT,
				"row %u (UXN %u PXN %u AP %u WXN %u) access %u", i, d8_65[i].uxn,
				d8_65[i].pxn, d8_65[i].ap, d8_65[i].wxn, j);
			if (!allowed) {
				TEST_ASSERT_EQUAL(r.hw_code, 0x13, "row %u access %u", i, j);
				TEST_ASSERT_EQUAL(r.level, 3, "row %u: level of the page", i);
			}
		}
	}
	return TEST_SUCCESS;
}

static int
test_s1_hierarchical(void)
{
	/* APTable[1:0] at the level 1 table descriptor (table D8-64), page AP 0b01 */
	static const struct { uint64_t tbits; uint8_t perm; } c[] = {
		{ 0, PR | PW | UR | UW | UX },
		{ 1ull << 61, PR | PW | PX | UX },      /* 01: no EL0 data access; then not
							   EL0-writable, so not PXN */
		{ 1ull << 62, PR | UR | PX | UX },      /* 10: no writes: AP 0b11 */
		{ 3ull << 61, PR | PX | UX },           /* 11: AP 0b10 */
		{ 1ull << 60, PR | PW | UR | UW },      /* UXNTable */
		{ 1ull << 59, PR | PW | UR | UW | UX }, /* PXNTable (PX already implied off) */
	};
	struct emu_nw_result r;

	for (unsigned int had = 0; had < 2; had++) {
		for (unsigned int i = 0; i < RTE_DIM(c); i++) {
			uint8_t want = had ? (PR | PW | UR | UW | UX) : c[i].perm;

			w64(L1, L2 | 3 | c[i].tbits);
			s1cd.tt[0].had = had;
			for (unsigned int j = 0; j < RTE_DIM(accs); j++) {
				emu_s1_arm_walk(&mem, &s1cd, 0x1000, accs[j].acc, &r);
				TEST_ASSERT_EQUAL(r.status, (want & accs[j].perm) ? EMU_NW_OK :
					EMU_NW_S1_FAULT, "HAD %u case %u access %u", had, i, j);
				if (r.status != EMU_NW_OK)
					TEST_ASSERT_EQUAL(r.level, 3, "page level reported");
			}
		}
	}
	/* PXNTable on a page without EL0 write (AP 0b00): removes PrivExecute */
	s1cd.tt[0].had = false;
	w64(L3 + 8, 0x40000403);
	w64(L1, L2 | 3 | (1ull << 59));
	emu_s1_arm_walk(&mem, &s1cd, 0x1000, EMU_NW_ACC_PRIV | EMU_NW_ACC_EXEC, &r);
	TEST_ASSERT_EQUAL(r.status, EMU_NW_S1_FAULT, "PXNTable");
	w64(L1, L2 | 3);
	emu_s1_arm_walk(&mem, &s1cd, 0x1000, EMU_NW_ACC_PRIV | EMU_NW_ACC_EXEC, &r);
	TEST_ASSERT_EQUAL(r.status, EMU_NW_OK, "without PXNTable");
	return TEST_SUCCESS;
}

static int
test_s1_pan(void)
{
	struct emu_nw_result r;

	s1cd.pan = true;
	/* EL0-accessible page (AP 0b01): privileged data access refused, exec not data */
	TEST_ASSERT_EQUAL(emu_s1_arm_walk(&mem, &s1cd, 0x1000, EMU_NW_ACC_PRIV |
		EMU_NW_ACC_READ, &r), EMU_NW_S1_FAULT, "PAN read");
	TEST_ASSERT_EQUAL(r.hw_code, 0x13, "F_PERMISSION");
	TEST_ASSERT_EQUAL(emu_s1_arm_walk(&mem, &s1cd, 0x1000, EMU_NW_ACC_READ, &r), EMU_NW_OK,
		"unprivileged read");
	/* EL1-only page (AP 0b00): allowed */
	w64(L3 + 8, 0x40000403);
	TEST_ASSERT_EQUAL(emu_s1_arm_walk(&mem, &s1cd, 0x1000, EMU_NW_ACC_PRIV |
		EMU_NW_ACC_WRITE, &r), EMU_NW_OK, "PAN on an EL1 page");
	return TEST_SUCCESS;
}

static int
test_s1_access_flag(void)
{
	struct emu_nw_result r;

	/* AF clear, HA 0, AFFD 0: F_ACCESS at the page, before permission */
	w64(L3 + 8, 0x400000c3);          /* AP 0b11 (read-only), AF clear */
	ram_snap();
	TEST_ASSERT_EQUAL(emu_s1_arm_walk(&mem, &s1cd, 0x1000, EMU_NW_ACC_WRITE, &r),
		EMU_NW_S1_FAULT, "AF");
	TEST_ASSERT_EQUAL(r.fault, EMU_NW_F_ACCESS, "access flag fault first");
	TEST_ASSERT_EQUAL(r.hw_code, 0x12, "F_ACCESS");
	TEST_ASSERT_EQUAL(r.level, 3, "level");
	TEST_ASSERT(ram_unchanged(), "nothing set");
	/* HA: a refused access (write to read-only) sets nothing: F_PERMISSION */
	s1cd.ha = true;
	TEST_ASSERT_EQUAL(emu_s1_arm_walk(&mem, &s1cd, 0x1000, EMU_NW_ACC_WRITE, &r),
		EMU_NW_S1_FAULT, "HA refused");
	TEST_ASSERT_EQUAL(r.hw_code, 0x13, "F_PERMISSION");
	TEST_ASSERT(ram_unchanged(), "AF not set for a refused access");
	/* HA: an allowed access sets AF (bit 10), one locked update */
	TEST_ASSERT_EQUAL(emu_s1_arm_walk(&mem, &s1cd, 0x1000, EMU_NW_ACC_READ, &r), EMU_NW_OK,
		"HA read");
	TEST_ASSERT_EQUAL(r64(L3 + 8), 0x400004c3, "AF set");
	TEST_ASSERT_EQUAL(n_xchg, 1, "one update");
	/* the page's table read-only on the second level: a write miss on the descriptor */
	w64(L3 + 8, 0x400000c3);
	page_ro[L3 >> 12] = true;
	TEST_ASSERT_EQUAL(emu_s1_arm_walk(&mem, &s1cd, 0x1000, EMU_NW_ACC_READ, &r),
		EMU_NW_S2_MISS, "update miss");
	TEST_ASSERT_EQUAL(r.write, true, "write");
	TEST_ASSERT_EQUAL(r.gpa, L3 + 8, "descriptor");
	TEST_ASSERT_EQUAL(r.smmu_class, 1, "CLASS TT");
	TEST_ASSERT_EQUAL(r.guest_event, 0x0b, "F_WALK_EABT for the guest");
	page_ro[L3 >> 12] = false;
	/* AFFD without HA: AF taken as 1, nothing written */
	s1cd.ha = false;
	s1cd.affd = true;
	ram_snap();
	TEST_ASSERT_EQUAL(emu_s1_arm_walk(&mem, &s1cd, 0x1000, EMU_NW_ACC_READ, &r), EMU_NW_OK,
		"AFFD");
	TEST_ASSERT(ram_unchanged(), "AFFD writes nothing");
	/* a race on the AF update restarts the walk, bounded */
	s1cd.affd = false;
	s1cd.ha = true;
	race_left = 1000;
	race_gpa = L3 + 8;
	race_value = 0;
	TEST_ASSERT_EQUAL(emu_s1_arm_walk(&mem, &s1cd, 0x1000, EMU_NW_ACC_READ, &r),
		EMU_NW_S1_FAULT, "endless race");
	TEST_ASSERT_EQUAL(r.fault, EMU_NW_F_UPDATE, "update fault");
	return TEST_SUCCESS;
}

static int
test_s1_ranges_and_levels(void)
{
	const uint64_t w[8] = { (CD_W0 & ~0x3full) | 25, TTB0 };  /* T0SZ 25: 39-bit VA */
	struct emu_nw_result r;
	struct emu_cd cd;

	/* 48-bit VA: VA[63:48] must be 0 for TTB0 (EPD1: the upper half faults, level 0) */
	TEST_ASSERT_EQUAL(emu_s1_arm_walk(&mem, &s1cd, 1ull << 48, 0, &r), EMU_NW_S1_FAULT,
		"beyond T0SZ");
	TEST_ASSERT_EQUAL(r.level, 0, "level 0");
	TEST_ASSERT_EQUAL(r.hw_code, 0x10, "F_TRANSLATION");
	TEST_ASSERT_EQUAL(emu_s1_arm_walk(&mem, &s1cd, 0xffffffffffff1000ull, 0, &r),
		EMU_NW_S1_FAULT, "TTB1 disabled");
	TEST_ASSERT_EQUAL(n_read, 0, "no read");
	/* TBI0: the top byte is ignored */
	TEST_ASSERT_EQUAL(emu_s1_arm_walk(&mem, &s1cd, 0xab00000000001000ull, 0, &r),
		EMU_NW_S1_FAULT, "tagged without TBI0");
	s1cd.tbi0 = true;
	TEST_ASSERT_EQUAL(emu_s1_arm_walk(&mem, &s1cd, 0xab00000000001000ull, 0, &r),
		EMU_NW_OK, "tagged with TBI0");
	TEST_ASSERT_EQUAL(r.gpa, 0x40000000ull, "output");
	/* T0SZ 25: start level 1, its table indexed by VA[38:30] (Arm ARM D8.2) */
	TEST_ASSERT_EQUAL(emu_cd_decode(w, &cd, NULL), 0, "T0SZ 25");
	w64(TTB0 + 3 * 8, L2 | 3);     /* TTB0 is now a level 1 table */
	w64(L2 + 5 * 8, L3 | 3);
	w64(L3 + 7 * 8, 0x40000443);
	n_read = 0;
	TEST_ASSERT_EQUAL(emu_s1_arm_walk(&mem, &cd, (3ull << 30) | (5ull << 21) | (7ull << 12) |
		0x12, 0, &r), EMU_NW_OK, "level 1 start");
	TEST_ASSERT_EQUAL(r.gpa, 0x40000012ull, "output");
	TEST_ASSERT_EQUAL(n_read, 3, "three levels");
	TEST_ASSERT_EQUAL(emu_s1_arm_walk(&mem, &cd, 1ull << 39, 0, &r), EMU_NW_S1_FAULT,
		"VA[39] beyond 39 bits");
	/* T0SZ 39: 25-bit VA, start level 2 with 16 entries (VA[24:21]) */
	{
		const uint64_t w39[8] = { (CD_W0 & ~0x3full) | 39, TTB0 };

		TEST_ASSERT_EQUAL(emu_cd_decode(w39, &cd, NULL), 0, "T0SZ 39");
		w64(TTB0 + 15 * 8, L3 | 3);
		w64(L3 + 8, 0x40000443);
		TEST_ASSERT_EQUAL(emu_s1_arm_walk(&mem, &cd, (15ull << 21) | 0x1fff, 0, &r),
			EMU_NW_OK, "level 2 start");
		TEST_ASSERT_EQUAL(r.gpa, 0x40000fffull, "output");
		TEST_ASSERT_EQUAL(emu_s1_arm_walk(&mem, &cd, 1ull << 25, 0, &r), EMU_NW_S1_FAULT,
			"VA[25]");
	}
	/* EPD0 (IHI0070 5.4): no walk through TTB0, every TTB0 address a translation
	 * fault (a legal CD, not C_BAD_CD) */
	{
		const uint64_t we[8] = { CD_W0 | (1ull << 14), TTB0 };

		TEST_ASSERT_EQUAL(emu_cd_decode(we, &cd, NULL), 0, "EPD0 is legal");
		n_read = 0;
		TEST_ASSERT_EQUAL(emu_s1_arm_walk(&mem, &cd, 0x1000, 0, &r), EMU_NW_S1_FAULT,
			"EPD0 walk");
		TEST_ASSERT_EQUAL(r.hw_code, 0x10, "F_TRANSLATION");
		TEST_ASSERT_EQUAL(r.level, 0, "level 0");
		TEST_ASSERT_EQUAL(n_read, 0, "no walk");
	}
	/* TTB1 (EPD1 clear, TG1 4 KiB = 0b10, T1SZ 16): VA[63:48] all ones */
	{
		const uint64_t w1[8] = { (CD_W0 & ~(1ull << 30)) | (2ull << 22) | (16ull << 16),
			TTB0, 0x20000 };

		TEST_ASSERT_EQUAL(emu_cd_decode(w1, &cd, NULL), 0, "TTB1");
		w64(0x20000 + 511 * 8, L1 | 3);   /* L0 index VA[47:39] = 511 */
		w64(L1 + 511 * 8, 0xc0000441);    /* a 1 GiB block */
		TEST_ASSERT_EQUAL(emu_s1_arm_walk(&mem, &cd, 0xffffffffc0001234ull, 0, &r),
			EMU_NW_OK, "TTB1 walk");
		TEST_ASSERT_EQUAL(r.gpa, 0xc0001234ull, "TTB1 output");
		TEST_ASSERT_EQUAL(emu_s1_arm_walk(&mem, &cd, 0xfeffffffc0001234ull, 0, &r),
			EMU_NW_S1_FAULT, "not sign-extended");
	}
	return TEST_SUCCESS;
}

static int
test_s1_addr_size_and_s2(void)
{
	/* IPS 0b000: 32-bit output */
	const uint64_t w[8] = { CD_W0 & ~(7ull << 32), TTB0 };
	struct emu_nw_result r;
	struct emu_cd cd;

	TEST_ASSERT_EQUAL(emu_cd_decode(w, &cd, NULL), 0, "IPS 32");
	w64(L3 + 8, 0x100000443ull);           /* output 4 GiB */
	TEST_ASSERT_EQUAL(emu_s1_arm_walk(&mem, &cd, 0x1000, 0, &r), EMU_NW_S1_FAULT, "OA");
	TEST_ASSERT_EQUAL(r.fault, EMU_NW_F_ADDR_SIZE, "address size");
	TEST_ASSERT_EQUAL(r.hw_code, 0x11, "F_ADDR_SIZE");
	TEST_ASSERT_EQUAL(r.level, 3, "at the page");
	w64(L1, 0x100000003ull);               /* next-level table at 4 GiB */
	TEST_ASSERT_EQUAL(emu_s1_arm_walk(&mem, &cd, 0x1000, 0, &r), EMU_NW_S1_FAULT, "NLTA");
	TEST_ASSERT_EQUAL(r.hw_code, 0x11, "F_ADDR_SIZE");
	TEST_ASSERT_EQUAL(r.level, 1, "at the table descriptor");
	/* with 48-bit IPS the same table address is outside guest RAM: stage 2, TT */
	w64(L1, 0x100000003ull);
	TEST_ASSERT_EQUAL(emu_s1_arm_walk(&mem, &s1cd, 0x1000, 0, &r), EMU_NW_S2_OUTSIDE, "out");
	TEST_ASSERT_EQUAL(r.gpa, 0x100000000ull, "the level 2 descriptor's GPA");
	TEST_ASSERT_EQUAL(r.smmu_class, 1, "CLASS TT");
	TEST_ASSERT_EQUAL(r.s2, true, "S2");
	TEST_ASSERT_EQUAL(r.guest_event, 0x0b, "F_WALK_EABT");
	w64(L1, L2 | 3);
	page_absent[L2 >> 12] = true;
	TEST_ASSERT_EQUAL(emu_s1_arm_walk(&mem, &s1cd, 0x1000, 0, &r), EMU_NW_S2_MISS, "miss");
	TEST_ASSERT_EQUAL(r.gpa, L2, "level 2 descriptor");
	TEST_ASSERT_EQUAL(r.write, false, "read miss");
	TEST_ASSERT_EQUAL(n_outside, 1, "one refused read outside");
	return TEST_SUCCESS;
}

static int
test_s1_loops(void)
{
	struct emu_nw_result r;

	/* L0[0] points at L0 itself: used as table at levels 0-2 and as a page at 3 */
	w64(L0, L0 | 0x403);
	TEST_ASSERT_EQUAL(emu_s1_arm_walk(&mem, &s1cd, 0x123, 0, &r), EMU_NW_S1_FAULT, "loop");
	/* AP 0b00 at the "page": EL0 read refused, but the walk ended at level 3 */
	TEST_ASSERT_EQUAL(r.level, 3, "fixed depth");
	TEST_ASSERT_EQUAL(n_read, 4, "four reads");
	TEST_ASSERT_EQUAL(emu_s1_arm_walk(&mem, &s1cd, 0x123, EMU_NW_ACC_PRIV, &r), EMU_NW_OK,
		"privileged read");
	TEST_ASSERT_EQUAL(r.gpa, L0 + 0x123, "the table page as output");
	return TEST_SUCCESS;
}

/* ============ randomized: both walkers against small reference models ============ */

/*
 * Random tables in the first 64 KiB of guest RAM (entries 0..3 of each of its 16 pages
 * filled: pointers to those pages or outside RAM, random flags, reserved and ignored
 * bits, garbage), random pages not present or read-only on the second level, random
 * requests. The rest of guest RAM stays zero (an entry pointing there finds nothing
 * present), so the walks update only the first 64 KiB, the part compared with the
 * model's shadow. each walk is compared with a reference model written separately from the
 * tables: the SDM's reserved-bit masks as literals for M = 48, and for Arm the rows of
 * table D8-65 above (d8_65[]) as the permission function. After each walk guest RAM
 * must equal the model's shadow (A/D/AF exactly where the model sets them).
 */
#define RND_PAGES 16u
#define RND_WALKS 20000u

static uint64_t rnd_state;

static uint64_t
rnd(void)
{
	rnd_state ^= rnd_state << 13;
	rnd_state ^= rnd_state >> 7;
	rnd_state ^= rnd_state << 17;
	return rnd_state;
}

struct ref_res {
	enum emu_nw_status st;
	enum emu_nw_fault f;
	uint8_t code;
	unsigned int level;
	bool write;
	uint64_t gpa, size, entry;
};

static enum emu_nw_status
ref_set(struct ref_res *x, enum emu_nw_status st, enum emu_nw_fault f, uint8_t code,
		unsigned int level, uint64_t entry)
{
	x->st = st;
	x->f = f;
	x->code = code;
	x->level = level;
	x->entry = entry;
	x->gpa = 0;
	x->size = 0;
	return st;
}

/* A table read as the model sees guest RAM; false (and x set) when it is not there. */
static bool
ref_read(struct ref_res *x, uint64_t a, uint64_t *e)
{
	if (a >= RAM_SIZE) {
		x->st = EMU_NW_S2_OUTSIDE;
		x->gpa = a;
		return false;
	}
	if (page_absent[a >> 12]) {
		x->st = EMU_NW_S2_MISS;
		x->gpa = a;
		return false;
	}
	memcpy(e, snap + a, 8);
	return true;
}

/* Set bits in the shadow (snap) as a locked update would: false on a read-only page. */
static bool
ref_update(struct ref_res *x, uint64_t a, uint64_t bits)
{
	uint64_t e;

	memcpy(&e, snap + a, 8);
	if ((e & bits) == bits)
		return true;
	if (page_ro[a >> 12]) {
		x->st = EMU_NW_S2_MISS;
		x->gpa = a;
		x->write = true;
		return false;
	}
	e |= bits;
	memcpy(snap + a, &e, 8);
	return true;
}

/* SDM tables 4-15..4-20 with M = 48: reserved bits per level, [0] table, [1] PS leaf */
static const uint64_t fl_rsvd48[5][2] = {
	[4] = { 0x000f000000000080ull, 0x000f000000000080ull },
	[3] = { 0x000f000000000000ull, 0x000f00003fffe000ull },
	[2] = { 0x000f000000000000ull, 0x000f0000001fe000ull },
	[1] = { 0x000f000000000000ull, 0x000f000000000000ull },
};

static void
ref_fl(uint64_t va, uint32_t acc, uint32_t flags, struct ref_res *x)
{
	uint64_t table = PML4, walked[4], e = 0;
	unsigned int n = 0, level;
	bool us = true, rw = true, xd = false, priv = acc & EMU_NW_ACC_PRIV;
	bool write = acc & EMU_NW_ACC_WRITE;

	*x = (struct ref_res){ .st = EMU_NW_OK };
	if ((va >> 47) != 0 && (va >> 47) != 0x1ffff) {
		ref_set(x, EMU_NW_CFG_FAULT, EMU_NW_F_NONCANONICAL, 0x80, 0, 0);
		return;
	}
	if (priv && !(flags & EMU_FL_SRE)) {
		ref_set(x, EMU_NW_CFG_FAULT, EMU_NW_F_PRIV, 0, 0, 0);
		return;
	}
	for (level = 4; level >= 1; level--) {
		uint64_t a = table + ((va >> (12 + 9 * (level - 1))) & 511) * 8;
		bool ps;

		if (!ref_read(x, a, &e))
			return;
		if (!(e & 1)) {
			ref_set(x, EMU_NW_S1_FAULT, EMU_NW_F_TRANSLATION, 0x71, level, a);
			return;
		}
		ps = (level == 3 || level == 2) && (e & 0x80);
		if (e & fl_rsvd48[level][ps]) {
			ref_set(x, EMU_NW_S1_FAULT, EMU_NW_F_RESERVED, 0x72, level, a);
			return;
		}
		walked[n++] = a;
		us = us && (e & 4);
		rw = rw && (e & 2);
		xd = xd || (e >> 63);
		if (level == 1 || ps) {
			x->size = UINT64_C(1) << (12 + 9 * (level - 1));
			x->gpa = (e & 0x0000fffffffff000ull & ~(x->size - 1)) | (va & (x->size - 1));
			break;
		}
		table = e & 0x0000fffffffff000ull;
	}
	x->entry = walked[n - 1];
	x->level = level;
	if (!priv && !us) {
		ref_set(x, EMU_NW_S1_FAULT, EMU_NW_F_PERMISSION, 0x81, level, x->entry);
		return;
	}
	if (write && !rw && (!priv || (flags & EMU_FL_WPE))) {
		ref_set(x, EMU_NW_S1_FAULT, EMU_NW_F_PERMISSION, 0x85, level, x->entry);
		return;
	}
	if ((acc & EMU_NW_ACC_EXEC) && xd) {
		ref_set(x, EMU_NW_S1_FAULT, EMU_NW_F_PERMISSION, 0x82, level, x->entry);
		return;
	}
	for (unsigned int i = 0; i < n; i++)
		if (!ref_update(x, walked[i], 0x20 | (i == n - 1 && write ? 0x40 : 0)))
			return;
}

/* A random entry: mostly a pointer into the table pages with random flags. */
static uint64_t
rnd_entry(bool arm)
{
	uint64_t r = rnd(), e;

	switch (r & 15) {
	case 0:
		return 0;
	case 1:   /* garbage, its address bits kept inside the table pages */
		return (rnd() & ~0x0000fffffffff000ull) | ((r >> 8) % RND_PAGES) * 4096;
	case 2:
		e = 0x100000ull + ((r >> 8) & 0xff) * 4096;   /* outside guest RAM */
		break;
	default:
		e = ((r >> 8) % RND_PAGES) * 4096;
		break;
	}
	r = rnd();
	if (arm) {
		e |= (r & 0xfc3) | 1;                   /* valid; type, AP, AF, ... random */
		if ((r >> 12) % 4 == 0)
			e |= (rnd() & 0xf) << 59;       /* PXNTable..APTable / software bits */
		if ((r >> 14) % 4 == 0)
			e |= (rnd() & 3) << 53;         /* PXN, UXN */
		if ((r >> 16) % 8 == 0)
			e &= ~UINT64_C(1);              /* invalid */
		if ((r >> 19) % 16 == 0)
			e |= UINT64_C(1) << (32 + (rnd() % 16)); /* big output / table address */
	} else {
		e |= (r & 0x60) | 1;                    /* P, A, D */
		if ((r >> 8) % 4 != 0)
			e |= 2;                         /* R/W */
		if ((r >> 10) % 4 != 0)
			e |= 4;                         /* U/S */
		if ((r >> 12) % 4 == 0)
			e |= 0x80;                      /* PS */
		if ((r >> 14) % 8 == 0)
			e |= UINT64_C(1) << 63;         /* XD */
		if ((r >> 17) % 16 == 0)
			e &= ~UINT64_C(1);              /* not present */
		if ((r >> 21) % 32 == 0)
			e |= UINT64_C(1) << (13 + rnd() % 39); /* reserved or address bit */
		if ((r >> 26) % 4 == 0)
			e |= (rnd() & 0x7ff) << 52;     /* ignored 62:52 */
	}
	return e;
}

static void
rnd_tables(bool arm)
{
	ram_reset();
	memset(snap, 0, sizeof(snap));
	for (unsigned int p = 0; p < RND_PAGES; p++)
		for (unsigned int i = 0; i < 4; i++)
			w64(p * 4096 + i * 8, rnd_entry(arm));
	for (unsigned int p = 0; p < RND_PAGES; p++) {
		page_absent[p] = rnd() % 24 == 0;
		page_ro[p] = rnd() % 8 == 0;
	}
}

/* Every outcome the model can give must have been seen often enough to mean something. */
static unsigned int seen[EMU_NW_CFG_FAULT + 1], seen_f[EMU_NW_F_BAD_CD + 1];

static int
seen_check(const enum emu_nw_fault *faults, unsigned int n)
{
	printf("    outcomes: ok %u, s2 miss %u, s2 outside %u, s1 fault %u, cfg fault %u\n",
		seen[EMU_NW_OK], seen[EMU_NW_S2_MISS], seen[EMU_NW_S2_OUTSIDE],
		seen[EMU_NW_S1_FAULT], seen[EMU_NW_CFG_FAULT]);
	for (unsigned int i = EMU_NW_OK; i <= EMU_NW_S1_FAULT; i++)
		TEST_ASSERT_GREATER(seen[i], RND_WALKS / 100, "outcome %s too rare",
			emu_nw_status_str(i));
	for (unsigned int i = 0; i < n; i++)
		TEST_ASSERT_GREATER(seen_f[faults[i]], RND_WALKS / 200, "fault %s too rare",
			emu_nw_fault_str(faults[i]));
	return TEST_SUCCESS;
}

static int
test_random_fl_vs_model(void)
{
	static const enum emu_nw_fault faults[] = { EMU_NW_F_TRANSLATION, EMU_NW_F_RESERVED,
		EMU_NW_F_PERMISSION, EMU_NW_F_NONCANONICAL, EMU_NW_F_PRIV };

	memset(seen, 0, sizeof(seen));
	memset(seen_f, 0, sizeof(seen_f));
	rnd_state = 0x9e3779b97f4a7c15ull;
	for (unsigned int w = 0; w < RND_WALKS; w++) {
		uint64_t va = (rnd() & 0xfff) | (rnd() % 4) << 12 | (rnd() % 4) << 21 |
			(rnd() % 4) << 30 | (rnd() % 4) << 39;
		/* a quarter of the requests supervisor, SRE set three times in four */
		uint32_t acc = (rnd() & 7) | (rnd() % 4 == 0 ? EMU_NW_ACC_PRIV : 0);
		uint32_t flags = (rnd() % 4 != 0 ? EMU_FL_SRE : 0) | (rnd() % 2 ? EMU_FL_WPE : 0);
		struct emu_fl_cfg cfg = { .pml4_gpa = PML4, .aw_bits = 48, .flags = flags };
		struct emu_nw_result r;
		struct ref_res x;

		if (w % 64 == 0)
			rnd_tables(false);
		if (rnd() % 32 == 0)
			va |= 0xffff800000000000ull;        /* upper half (PML4[256..259]) */
		if (rnd() % 32 == 0)
			va ^= UINT64_C(1) << (47 + rnd() % 17); /* often non-canonical */
		memcpy(snap, ram, RND_PAGES * 4096);
		ref_fl(va, acc, flags, &x);
		emu_fl_x86_walk(&mem, &cfg, va, acc, &r);
		TEST_ASSERT_EQUAL(r.status, x.st, "walk %u va 0x%" PRIx64 " acc %u", w, va, acc);
		TEST_ASSERT_EQUAL(r.fault, x.f, "walk %u", w);
		TEST_ASSERT_EQUAL(r.hw_code, x.code, "walk %u", w);
		TEST_ASSERT_EQUAL(r.gpa, x.gpa, "walk %u", w);
		TEST_ASSERT_EQUAL(r.write, x.write, "walk %u", w);
		if (x.st == EMU_NW_OK || x.st == EMU_NW_S1_FAULT) {
			TEST_ASSERT_EQUAL(r.level, x.level, "walk %u (%s)", w,
				emu_nw_fault_str(r.fault));
			TEST_ASSERT_EQUAL(r.entry_gpa, x.entry, "walk %u", w);
		}
		if (x.st == EMU_NW_OK)
			TEST_ASSERT_EQUAL(r.page_size, x.size, "walk %u", w);
		TEST_ASSERT(memcmp(ram, snap, RND_PAGES * 4096) == 0,
			"walk %u: A/D differ from the model", w);
		seen[x.st]++;
		seen_f[x.f]++;
	}
	TEST_ASSERT_EQUAL(n_bad_align, 0, "aligned");
	return seen_check(faults, RTE_DIM(faults));
}

/* Arm reference: the D8-65 row for (UXN, PXN, AP, WXN). */
static uint8_t
ref_d8_65(unsigned int uxn, unsigned int pxn, unsigned int ap, unsigned int wxn)
{
	for (unsigned int i = 0; i < RTE_DIM(d8_65); i++)
		if (d8_65[i].uxn == uxn && d8_65[i].pxn == pxn && d8_65[i].ap == ap &&
				d8_65[i].wxn == wxn)
			return d8_65[i].perm;
	return 0;
}

/* The model's own view of the CD: what the test put in it, not what emu_cd_decode says. */
struct ref_cd {
	unsigned int tsz, ips;
	uint64_t ttb;            /* the TTB0 field, not aligned */
	bool ha, affd, wxn, pan, had;
};

static void
ref_s1(const struct ref_cd *cd, uint64_t va, uint32_t acc, struct ref_res *x)
{
	/* Arm ARM D8.2, 4 KiB granule: T0SZ 16..24 start at level 0, 25..33 at 1, 34..39 at 2 */
	unsigned int tsz = cd->tsz, level = tsz <= 24 ? 0 : tsz <= 33 ? 1 : 2;
	unsigned int in = 64 - tsz, aptable = 0, uxn = 0, pxn = 0, ap, need;
	/* the start table is aligned to its size: 8 bytes per entry, 2^(in - shift) entries */
	uint64_t table = cd->ttb & ~((UINT64_C(8) << (in - (39 - 9 * level))) - 1);
	uint64_t limit = UINT64_C(1) << cd->ips, d = 0, a = 0, out;
	bool priv = acc & EMU_NW_ACC_PRIV;
	uint8_t perm;

	*x = (struct ref_res){ .st = EMU_NW_OK };
	if (va >> in) {
		ref_set(x, EMU_NW_S1_FAULT, EMU_NW_F_TRANSLATION, 0x10, 0, 0);
		return;
	}
	for (;; level++) {
		unsigned int shift = 39 - 9 * level;
		uint64_t idx = (va >> shift) & (level == (tsz <= 24 ? 0u : tsz <= 33 ? 1u : 2u) ?
			(UINT64_C(1) << (in - shift)) - 1 : 511);

		a = table + idx * 8;
		if (!ref_read(x, a, &d))
			return;
		if (!(d & 1) || (!(d & 2) && (level == 0 || level == 3))) {
			ref_set(x, EMU_NW_S1_FAULT, EMU_NW_F_TRANSLATION, 0x10, level, a);
			return;
		}
		x->size = UINT64_C(1) << shift;
		if (level == 3 || !(d & 2)) {
			out = d & 0x0000ffffffffffffull & ~(x->size - 1);
			break;
		}
		table = d & 0x0000fffffffff000ull;
		if (table >= limit) {
			ref_set(x, EMU_NW_S1_FAULT, EMU_NW_F_ADDR_SIZE, 0x11, level, a);
			return;
		}
		if (!cd->had) {
			aptable |= (d >> 61) & 3;
			uxn |= (d >> 60) & 1;
			pxn |= (d >> 59) & 1;
		}
	}
	if (out >= limit) {
		ref_set(x, EMU_NW_S1_FAULT, EMU_NW_F_ADDR_SIZE, 0x11, level, a);
		return;
	}
	if (!(d & 0x400) && !cd->ha && !cd->affd) {
		ref_set(x, EMU_NW_S1_FAULT, EMU_NW_F_ACCESS, 0x12, level, a);
		return;
	}
	/* table D8-64: APTable[1] removes writes (AP[2] = 1), APTable[0] EL0 access */
	ap = (unsigned int)((d >> 6) & 3);
	if (aptable & 2)
		ap |= 2;
	if (aptable & 1)
		ap &= 2u;
	perm = ref_d8_65(uxn | ((d >> 54) & 1), pxn | ((d >> 53) & 1), ap, cd->wxn);
	if (acc & EMU_NW_ACC_EXEC)
		need = priv ? PX : UX;
	else if (acc & EMU_NW_ACC_WRITE)
		need = priv ? PW : UW;
	else
		need = priv ? PR : UR;
	if (!(perm & need) || (priv && cd->pan && !(acc & EMU_NW_ACC_EXEC) &&
			(perm & (UR | UW)))) {
		ref_set(x, EMU_NW_S1_FAULT, EMU_NW_F_PERMISSION, 0x13, level, a);
		return;
	}
	x->level = level;
	x->entry = a;
	x->gpa = out | (va & (x->size - 1));
	if (cd->ha)
		ref_update(x, a, 0x400);
}

static int
test_random_s1_vs_model(void)
{
	static const uint8_t tszs[] = { 16, 20, 25, 30, 34, 39 };
	static const uint8_t ips_enc[] = { 0, 1, 2, 5 };   /* CD.IPS encodings of */
	static const uint8_t ips_bits_of[] = { 32, 36, 40, 48 };
	static const enum emu_nw_fault faults[] = { EMU_NW_F_TRANSLATION, EMU_NW_F_ADDR_SIZE,
		EMU_NW_F_ACCESS, EMU_NW_F_PERMISSION };

	memset(seen, 0, sizeof(seen));
	memset(seen_f, 0, sizeof(seen_f));
	rnd_state = 0x2545f4914f6cdd1dull;
	for (unsigned int w = 0; w < RND_WALKS; w++) {
		unsigned int tsz = tszs[rnd() % RTE_DIM(tszs)], ipsi = rnd() % RTE_DIM(ips_enc);
		struct ref_cd rc = {
			.tsz = tsz, .ips = ips_bits_of[ipsi],
			.ttb = (rnd() % (RND_PAGES * 8)) * 512,
			.ha = rnd() % 2, .affd = rnd() % 4 == 0, .wxn = rnd() % 4 == 0,
			.pan = rnd() % 4 == 0, .had = rnd() % 4 == 0,
		};
		/* IHI0070 5.4: T0SZ 5:0, IPS 34:32, AFFD 35, WXN 36, PAN 40, HA 43; HAD0 65 */
		uint64_t w0 = (CD_W0 & ~(0x3full | (7ull << 32))) | tsz |
			((uint64_t)ips_enc[ipsi] << 32) | ((uint64_t)rc.ha << 43) |
			((uint64_t)rc.affd << 35) | ((uint64_t)rc.wxn << 36) | ((uint64_t)rc.pan << 40);
		const uint64_t cdw[8] = { w0, rc.ttb | ((uint64_t)rc.had << 1) };
		unsigned int in = 64 - tsz, lvl = tsz <= 24 ? 0 : tsz <= 33 ? 1 : 2;
		uint64_t va = 0;
		uint32_t acc = rnd() & 0xf;
		struct emu_nw_result r;
		struct ref_res x;
		struct emu_cd cd;

		if (w % 64 == 0)
			rnd_tables(true);
		TEST_ASSERT_EQUAL(emu_cd_decode(cdw, &cd, NULL), 0, "CD %u", w);
		/* table indices 0..3 at each level from the start, random page offset */
		for (unsigned int l = lvl; l <= 3; l++)
			va |= (rnd() % 4) << (39 - 9 * l);
		va |= rnd() & 0xfff;
		if (rnd() % 32 == 0)
			va |= UINT64_C(1) << (in + rnd() % (64 - in));   /* beyond T0SZ */
		if ((acc & EMU_NW_ACC_EXEC) && !(acc & EMU_NW_ACC_PRIV) && rnd() % 2)
			acc &= ~EMU_NW_ACC_WRITE;
		memcpy(snap, ram, RND_PAGES * 4096);
		ref_s1(&rc, va, acc, &x);
		emu_s1_arm_walk(&mem, &cd, va, acc, &r);
		TEST_ASSERT_EQUAL(r.status, x.st, "walk %u va 0x%" PRIx64 " acc %u T0SZ %u", w, va,
			acc, tsz);
		TEST_ASSERT_EQUAL(r.fault, x.f, "walk %u", w);
		TEST_ASSERT_EQUAL(r.hw_code, x.st == EMU_NW_OK ? 0 : x.st == EMU_NW_S1_FAULT ?
			x.code : 0x10, "walk %u", w);
		TEST_ASSERT_EQUAL(r.gpa, x.gpa, "walk %u", w);
		TEST_ASSERT_EQUAL(r.write, x.write, "walk %u", w);
		if (x.st == EMU_NW_OK || x.st == EMU_NW_S1_FAULT) {
			TEST_ASSERT_EQUAL(r.level, x.level, "walk %u", w);
			TEST_ASSERT_EQUAL(r.entry_gpa, x.entry, "walk %u", w);
		}
		if (x.st == EMU_NW_OK)
			TEST_ASSERT_EQUAL(r.page_size, x.size, "walk %u", w);
		TEST_ASSERT(memcmp(ram, snap, RND_PAGES * 4096) == 0,
			"walk %u: AF differs from the model", w);
		seen[x.st]++;
		seen_f[x.f]++;
	}
	return seen_check(faults, RTE_DIM(faults));
}

static struct sva_test_suite emu_nested_suite = {
	.name = "emu nested walkers",
	.cases = {
		SVA_TEST_CASE_ST(fl_setup, NULL, test_fl_4k_leaf_read_sets_a),
		SVA_TEST_CASE_ST(fl_setup, NULL, test_fl_write_sets_d_on_leaf_only),
		SVA_TEST_CASE_ST(fl_setup, NULL, test_fl_large_leaves),
		SVA_TEST_CASE_ST(fl_setup, NULL, test_fl_not_present_every_level),
		SVA_TEST_CASE_ST(fl_setup, NULL, test_fl_reserved_bits),
		SVA_TEST_CASE_ST(fl_setup, NULL, test_fl_permissions),
		SVA_TEST_CASE_ST(fl_setup, NULL, test_fl_noncanonical),
		SVA_TEST_CASE(test_fault_recoverable),
		SVA_TEST_CASE(test_cfg_from_nested),
		SVA_TEST_CASE_ST(fl_setup, NULL, test_fl_second_level),
		SVA_TEST_CASE_ST(fl_setup, NULL, test_fl_loops),
		SVA_TEST_CASE_ST(fl_setup, NULL, test_fl_update_race),
		SVA_TEST_CASE_ST(cd_setup, NULL, test_cd_linear),
		SVA_TEST_CASE_ST(cd_setup, NULL, test_cd_two_level),
		SVA_TEST_CASE_ST(cd_setup, NULL, test_cd_bad_fields),
		SVA_TEST_CASE_ST(s1_setup, NULL, test_s1_page_and_blocks),
		SVA_TEST_CASE_ST(s1_setup, NULL, test_s1_invalid_every_level),
		SVA_TEST_CASE_ST(s1_setup, NULL, test_s1_permissions_d8_65),
		SVA_TEST_CASE_ST(s1_setup, NULL, test_s1_hierarchical),
		SVA_TEST_CASE_ST(s1_setup, NULL, test_s1_pan),
		SVA_TEST_CASE_ST(s1_setup, NULL, test_s1_access_flag),
		SVA_TEST_CASE_ST(s1_setup, NULL, test_s1_ranges_and_levels),
		SVA_TEST_CASE_ST(s1_setup, NULL, test_s1_addr_size_and_s2),
		SVA_TEST_CASE_ST(s1_setup, NULL, test_s1_loops),
		SVA_TEST_CASE(test_random_fl_vs_model),
		SVA_TEST_CASE(test_random_s1_vs_model),
		SVA_TEST_CASES_END(),
	},
};

static int
test_emu_nested(void)
{
	return sva_test_suite_run(&emu_nested_suite);
}

SVA_TEST_REGISTER(emu_nested_walk_autotest, test_emu_nested);
