/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * AArch64 stage-1 walk of a validated SMMUv3 CD (emu_cd.c): VMSAv8-64, 4 KiB granule,
 * 48-bit output at most, for the emu IOMMU's nested SSIDs (emu_nested.h).
 *
 * Arm ARM sources: D8.2 (input address range per TxSZ, start level, Address size faults
 * for table and output addresses above the OA size), D8.3.1 (descriptor type from bits
 * 1:0, table D8-48; Table descriptor fields, table D8-50: NLTA 47:12, PXNTable 59,
 * UXNTable 60, APTable 62:61; Block and Page descriptor fields, table D8-52: AP[2:1]
 * 7:6, AF 10, OA 47:30 (level 1 block) / 47:21 (level 2) / 47:12 (page), PXN 53, UXN
 * 54; a level 0 block needs DS == 1, so it is invalid here), D8.4 (APTable, table D8-64;
 * permissions, table D8-65, including PXN for EL0-writable pages and WXN), D8.5 (the
 * hardware Access flag). SMMUv3 events from IHI0070 7.3.13-7.3.16, and CD.HADx, PAN,
 * AFFD, TBIx from 5.4.
 *
 * A descriptor fetch outside guest RAM is a stage-2 fault of class TT (S2_OUTSIDE; a
 * VMM presenting a stage-1-only vSMMU injects F_WALK_EABT, 7.3.12's note).
 */
#include <stddef.h>

#include "emu_nested.h"

#define D_VALID (UINT64_C(1) << 0)
#define D_TABLE (UINT64_C(1) << 1)   /* table (levels 0-2) or page (level 3) */
#define D_AP1 (UINT64_C(1) << 6)     /* EL0 access */
#define D_AP2 (UINT64_C(1) << 7)     /* read-only */
#define D_AF (UINT64_C(1) << 10)
#define D_PXN (UINT64_C(1) << 53)
#define D_UXN (UINT64_C(1) << 54)
#define T_PXNTABLE (UINT64_C(1) << 59)
#define T_UXNTABLE (UINT64_C(1) << 60)
#define T_APTABLE0 (UINT64_C(1) << 61)  /* no EL0 access below */
#define T_APTABLE1 (UINT64_C(1) << 62)  /* no write access below */

#define S1_RESTARTS 8

static inline uint64_t
bits(unsigned int hi, unsigned int lo)
{
	return ((hi >= 63 ? ~UINT64_C(0) : (UINT64_C(1) << (hi + 1)) - 1)) &
		~((UINT64_C(1) << lo) - 1);
}

static enum emu_nw_status
s1_fault(struct emu_nw_result *res, enum emu_nw_status st, enum emu_nw_fault f, uint8_t ev,
		unsigned int level, uint64_t entry_gpa)
{
	res->status = st;
	res->fault = f;
	res->hw_code = ev;
	res->guest_event = ev;
	res->smmu_class = EMU_NW_SMMU_CLASS_IN;
	res->level = (uint8_t)level;
	res->entry_gpa = entry_gpa;
	return st;
}

/* A descriptor fetch or update that did not complete: a stage-2 fault of class TT. */
static enum emu_nw_status
s1_mem(struct emu_nw_result *res, enum emu_nw_mem_status m, uint64_t gpa, bool write)
{
	res->status = m == EMU_NW_MEM_MISS ? EMU_NW_S2_MISS : EMU_NW_S2_OUTSIDE;
	res->gpa = gpa;
	res->write = write;
	res->s2 = true;
	res->smmu_class = EMU_NW_SMMU_CLASS_TT;
	res->hw_code = EMU_NW_SMMU_F_TRANSLATION;
	res->guest_event = EMU_NW_SMMU_F_WALK_EABT;
	return res->status;
}

/* Arm ARM table D8-65: is the access allowed by the effective AP[2:1], PXN, UXN, WXN? */
static bool
s1_allowed(const struct emu_cd *cd, unsigned int ap, bool pxn, bool uxn, uint32_t acc)
{
	bool priv = acc & EMU_NW_ACC_PRIV;
	bool priv_w = !(ap & 2), unpriv_r = ap & 1, unpriv_w = ap == 1;
	/* EL0-writable regions are PXN; WXN removes Execute from writable regions */
	bool priv_x = !pxn && !unpriv_w && !(cd->wxn && priv_w);
	bool unpriv_x = !uxn && !(cd->wxn && unpriv_w);

	if (acc & EMU_NW_ACC_EXEC)
		return priv ? priv_x : unpriv_x;
	/* PAN: no privileged data access where unprivileged access is permitted */
	if (priv && cd->pan && (unpriv_r || unpriv_w))
		return false;
	if (acc & EMU_NW_ACC_WRITE)
		return priv ? priv_w : unpriv_w;
	return priv ? true : unpriv_r;
}

/* One walk: a status, or -1 to restart (the AF update raced with a change). */
static int
s1_walk_once(const struct emu_nw_mem *mem, const struct emu_cd *cd, uint64_t va, uint32_t acc,
		struct emu_nw_result *res)
{
	unsigned int r = (va >> 55) & 1;   /* VA[55] selects TTB1 (Arm ARM D8.2) */
	const struct emu_cd_tt *tt = &cd->tt[r];
	bool tbi = r ? cd->tbi1 : cd->tbi0;
	uint64_t top, size, out, a = 0, d = 0, table;
	unsigned int in, levels, level, idx_bits, ap = 0;
	bool pxn = false, uxn = false;

	if (tt->disabled || tt->tsz < 16 || tt->tsz > 39)
		return s1_fault(res, EMU_NW_S1_FAULT, EMU_NW_F_TRANSLATION,
			EMU_NW_SMMU_F_TRANSLATION, 0, 0);
	in = 64u - tt->tsz;
	/* bits above the input size (63:in, or 55:in with TBI) must all equal VA[55] */
	top = tbi ? (va & bits(55, 0)) >> in : va >> in;
	if (top != (r ? (tbi ? bits(55 - in, 0) : bits(63 - in, 0)) : 0))
		return s1_fault(res, EMU_NW_S1_FAULT, EMU_NW_F_TRANSLATION,
			EMU_NW_SMMU_F_TRANSLATION, 0, 0);
	levels = (in - 12 + 8) / 9;
	level = 4 - levels;
	idx_bits = in - 12 - 9 * (levels - 1);
	table = tt->ttb & ~UINT64_C(7);   /* decoded CDs are aligned; stay so for any */
	for (;; level++) {
		unsigned int shift = 12 + 9 * (3 - level);
		uint64_t idx = (va >> shift) & ((UINT64_C(1) << idx_bits) - 1);
		enum emu_nw_mem_status m;

		a = table + idx * 8;
		m = mem->read64(mem->ctx, a, &d);
		if (m != EMU_NW_MEM_OK)
			return s1_mem(res, m, a, false);
		idx_bits = 9;
		/* invalid, a level 3 "block" (reserved), a level 0 block (needs DS == 1) */
		if (!(d & D_VALID) || (level == 3 && !(d & D_TABLE)) ||
				(level == 0 && !(d & D_TABLE)))
			return s1_fault(res, EMU_NW_S1_FAULT, EMU_NW_F_TRANSLATION,
				EMU_NW_SMMU_F_TRANSLATION, level, a);
		size = UINT64_C(1) << shift;
		if (level == 3 || !(d & D_TABLE)) {
			out = d & bits(47, shift);
			break;
		}
		table = d & bits(47, 12);
		if (table & ~bits(cd->ips_bits - 1, 0))
			return s1_fault(res, EMU_NW_S1_FAULT, EMU_NW_F_ADDR_SIZE,
				EMU_NW_SMMU_F_ADDR_SIZE, level, a);
		if (!tt->had) {
			ap |= (d & T_APTABLE1) ? 2u : 0u;   /* table D8-64 */
			ap |= (d & T_APTABLE0) ? 4u : 0u;   /* (bit 2: EL0 access removed) */
			pxn = pxn || (d & T_PXNTABLE);
			uxn = uxn || (d & T_UXNTABLE);
		}
	}
	if (out & ~bits(cd->ips_bits - 1, 0))
		return s1_fault(res, EMU_NW_S1_FAULT, EMU_NW_F_ADDR_SIZE, EMU_NW_SMMU_F_ADDR_SIZE,
			level, a);
	/* Access flag fault has priority over Permission fault */
	if (!(d & D_AF) && !cd->ha && !cd->affd)
		return s1_fault(res, EMU_NW_S1_FAULT, EMU_NW_F_ACCESS, EMU_NW_SMMU_F_ACCESS,
			level, a);
	{
		/* effective AP[2:1]: APTable[1] sets AP[2], APTable[0] clears AP[1] */
		unsigned int eff = (unsigned int)((d >> 6) & 3);

		if (ap & 2)
			eff |= 2;
		if (ap & 4)
			eff &= ~1u;
		if (!s1_allowed(cd, eff, pxn || (d & D_PXN), uxn || (d & D_UXN), acc))
			return s1_fault(res, EMU_NW_S1_FAULT, EMU_NW_F_PERMISSION,
				EMU_NW_SMMU_F_PERMISSION, level, a);
	}
	if (!(d & D_AF) && cd->ha) {
		uint64_t cur;
		enum emu_nw_mem_status m = mem->cmpxchg64(mem->ctx, a, d, d | D_AF, &cur);

		if (m == EMU_NW_MEM_CHANGED)
			return -1;
		if (m != EMU_NW_MEM_OK)
			return s1_mem(res, m, a, true);
	}
	res->status = EMU_NW_OK;
	res->gpa = out | (va & (size - 1));
	res->page_size = size;
	res->level = (uint8_t)level;
	res->entry_gpa = a;
	return EMU_NW_OK;
}

enum emu_nw_status
emu_s1_arm_walk(const struct emu_nw_mem *mem, const struct emu_cd *cd, uint64_t va,
		uint32_t acc, struct emu_nw_result *res)
{
	for (unsigned int i = 0; i < S1_RESTARTS; i++) {
		int ret;

		*res = (struct emu_nw_result){ .status = EMU_NW_OK };
		ret = s1_walk_once(mem, cd, va, acc, res);
		if (ret >= 0)
			return (enum emu_nw_status)ret;
	}
	*res = (struct emu_nw_result){ .status = EMU_NW_OK };
	return s1_fault(res, EMU_NW_S1_FAULT, EMU_NW_F_UPDATE, EMU_NW_SMMU_F_ACCESS, 0, 0);
}
