/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * SMMUv3 context descriptors of a guest-owned CD table (SVA_NESTED_SMMUV3_CD): find the
 * CD of an SSID in a linear or two-level table and validate it against what the emu
 * SMMU implements (emu_nested.h lists the SMMU_IDR values assumed).
 *
 * IHI0070 (H.a) sources: 5.2 STE.S1Fmt / S1CDMax (table layouts, alignment, the RES0
 * pointer bits), 5.3 L1CD (V bit 0, L2Ptr bits 55:12; V == 0 -> C_BAD_SUBSTREAMID, 5.3.1),
 * 5.4 CD (field positions, ILLEGAL values), 7.3.9 C_BAD_SUBSTREAMID (also an L2Ptr out
 * of range), 7.3.10 F_CD_FETCH, 7.3.11 C_BAD_CD. QEMU's hw/arm/smmuv3.c decode_cd()
 * agrees on the CD checks it models (V, AA64, TxSZ 16..39, granule, ENDI, TTB in OAS).
 *
 * In the nested model the CD table lives in guest RAM, so its addresses are IPAs
 * translated by the second level: a CD or L1CD address outside guest RAM is a stage-2
 * fault of class CD (S2_OUTSIDE; a VMM presenting a stage-1-only vSMMU injects
 * F_CD_FETCH, 7.3.10's note), a host page not present a stage-2 miss svapoll resolves.
 */
#include <errno.h>
#include <stddef.h>

#include "emu_nested.h"

static inline uint64_t
bits(unsigned int hi, unsigned int lo)
{
	return ((hi >= 63 ? ~UINT64_C(0) : (UINT64_C(1) << (hi + 1)) - 1)) &
		~((UINT64_C(1) << lo) - 1);
}

static inline uint64_t
field(uint64_t w, unsigned int hi, unsigned int lo)
{
	return (w & bits(hi, lo)) >> lo;
}

/* CD word 0 (IHI0070 5.4) */
#define CD0_T0SZ 5, 0
#define CD0_TG0 7, 6
#define CD0_EPD0 14
#define CD0_ENDI 15
#define CD0_T1SZ 21, 16
#define CD0_TG1 23, 22
#define CD0_EPD1 30
#define CD0_V 31
#define CD0_IPS 34, 32
#define CD0_AFFD 35
#define CD0_WXN 36
#define CD0_TBI0 38
#define CD0_TBI1 39
#define CD0_PAN 40
#define CD0_AA64 41
#define CD0_HD 42
#define CD0_HA 43
#define CD0_S 44
#define CD0_R 45
#define CD0_A 46
#define CD0_ASID 63, 48
/* word 1: HAD0 65, TTB0 119:68 = address 51:4 (SMMUv3.1; 119:116 RES0) */
#define CD1_HAD0 1
/* word 2: HAD1 129, TTB1 183:132 = address 51:4 */
#define CD2_HAD1 1
#define CD_TTB_ADDR 51, 4

#define BIT(w, b) (((w) >> (b)) & 1)

#define TSZ_MIN 16u   /* no 52-bit VA (IDR5.VAX = 0) */
#define TSZ_MAX 39u   /* IDR3.STT == 0 */

/* CD.IPS -> bits (5.4 IPS; 0b110/0b111 are 52/56 or behave as smaller: capped anyway) */
static const uint8_t ips_bits[8] = { 32, 36, 40, 42, 44, 48, 52, 56 };

/* Start-level table alignment for a 4 KiB granule and TxSZ: 8 bytes per entry of the
 * start-level table (Arm ARM: TTBR BADDR bits below x are treated as zero). */
static uint64_t
ttb_align(unsigned int tsz)
{
	unsigned int in = 64 - tsz, levels = (in - 12 + 8) / 9;
	unsigned int idx = in - 12 - 9 * (levels - 1);

	return UINT64_C(1) << (idx + 3);
}

static int
decode_tt(uint64_t w0, uint64_t wttb, unsigned int i, unsigned int ips, struct emu_cd_tt *tt,
		const char **why)
{
	unsigned int tsz = (unsigned int)(i == 0 ? field(w0, CD0_T0SZ) : field(w0, CD0_T1SZ));
	unsigned int tg = (unsigned int)(i == 0 ? field(w0, CD0_TG0) : field(w0, CD0_TG1));
	uint64_t ttb = wttb & bits(CD_TTB_ADDR);

	tt->disabled = BIT(w0, i == 0 ? CD0_EPD0 : CD0_EPD1);
	tt->had = BIT(wttb, i == 0 ? CD1_HAD0 : CD2_HAD1);
	if (tt->disabled)
		return 0;   /* TxSZ, TGx, TTBx IGNORED */
	/* TG0 0b00 and TG1 0b10 are 4 KiB: the only granule implemented (IDR5.GRAN4K) */
	if (tg != (i == 0 ? 0u : 2u)) {
		*why = i == 0 ? "TG0 (only the 4 KiB granule is implemented)" :
			"TG1 (only the 4 KiB granule is implemented)";
		return -EINVAL;
	}
	if (tsz < TSZ_MIN || tsz > TSZ_MAX) {
		*why = i == 0 ? "T0SZ (16..39)" : "T1SZ (16..39)";
		return -EINVAL;
	}
	if (ttb & ~bits(ips - 1, 0)) {
		*why = i == 0 ? "TTB0 (outside the effective IPS)" :
			"TTB1 (outside the effective IPS)";
		return -EINVAL;
	}
	tt->tsz = (uint8_t)tsz;
	tt->ttb = ttb & ~(ttb_align(tsz) - 1);
	return 0;
}

int
emu_cd_decode(const uint64_t word[8], struct emu_cd *cd, const char **why)
{
	uint64_t w0 = word[0];
	unsigned int ips;
	const char *dummy;
	int ret;

	if (why == NULL)
		why = &dummy;
	*why = NULL;
	*cd = (struct emu_cd){ 0 };
	for (unsigned int i = 0; i < 8; i++)
		cd->word[i] = word[i];
	if (!BIT(w0, CD0_V)) {
		*why = "V";
		return -EINVAL;
	}
	/* AA64 == 0 selects VMSAv8-32 LPAE (IDR0.TTF[0] == 0 here) or VMSAv9-128 (no D128) */
	if (!BIT(w0, CD0_AA64)) {
		*why = "AA64 (only VMSAv8-64 tables are implemented)";
		return -EINVAL;
	}
	/* IDR0.HTTU == 0b01: HA allowed, HD ILLEGAL */
	if (BIT(w0, CD0_HD)) {
		*why = "HD (hardware dirty state is not implemented)";
		return -EINVAL;
	}
	ips = ips_bits[field(w0, CD0_IPS)];
	if (ips > EMU_NW_SMMU_OAS_BITS)
		ips = EMU_NW_SMMU_OAS_BITS;   /* eff_IPS = MIN(CD.IPS, OAS) */
	cd->ips_bits = (uint8_t)ips;
	ret = decode_tt(w0, word[1], 0, ips, &cd->tt[0], why);
	if (ret == 0)
		ret = decode_tt(w0, word[2], 1, ips, &cd->tt[1], why);
	if (ret < 0)
		return ret;
	/* IDR0.TTENDIAN == 0b10 (little-endian only): ENDI == 1 ILLEGAL unless both EPD */
	if (BIT(w0, CD0_ENDI) && !(cd->tt[0].disabled && cd->tt[1].disabled)) {
		*why = "ENDI (big-endian tables are not implemented)";
		return -EINVAL;
	}
	cd->ha = BIT(w0, CD0_HA);
	cd->affd = BIT(w0, CD0_AFFD);
	cd->tbi0 = BIT(w0, CD0_TBI0);
	cd->tbi1 = BIT(w0, CD0_TBI1);
	cd->pan = BIT(w0, CD0_PAN);
	cd->wxn = BIT(w0, CD0_WXN);
	cd->s = BIT(w0, CD0_S);
	cd->r = BIT(w0, CD0_R);
	cd->a = BIT(w0, CD0_A);
	cd->asid = (uint16_t)field(w0, CD0_ASID);
	return 0;
}

static enum emu_nw_status
cd_fault(struct emu_nw_result *res, enum emu_nw_fault f, uint8_t event)
{
	res->status = EMU_NW_CFG_FAULT;
	res->fault = f;
	res->hw_code = event;
	res->guest_event = event;
	res->smmu_class = EMU_NW_SMMU_CLASS_CD;
	return res->status;
}

/* A CD or L1CD read that did not return a value: a stage-2 fault of class CD. */
static enum emu_nw_status
cd_mem(struct emu_nw_result *res, enum emu_nw_mem_status m, uint64_t gpa)
{
	res->status = m == EMU_NW_MEM_MISS ? EMU_NW_S2_MISS : EMU_NW_S2_OUTSIDE;
	res->gpa = gpa;
	res->s2 = true;
	res->smmu_class = EMU_NW_SMMU_CLASS_CD;
	res->hw_code = EMU_NW_SMMU_F_TRANSLATION;
	res->guest_event = EMU_NW_SMMU_F_CD_FETCH;
	return res->status;
}

enum emu_nw_status
emu_cd_fetch(const struct emu_nw_mem *mem, const struct emu_cd_table *tbl, uint32_t ssid,
		struct emu_cd *cd, struct emu_nw_result *res)
{
	unsigned int max = tbl->s1cdmax, fmt = tbl->s1fmt == 3 ? 0 : tbl->s1fmt;
	uint64_t cd_gpa, w[8];
	const char *why;

	*res = (struct emu_nw_result){ .status = EMU_NW_OK };
	if (max > EMU_NW_SMMU_S1CDMAX_MAX || fmt > 3)
		return cd_fault(res, EMU_NW_F_BAD_STE, EMU_NW_SMMU_C_BAD_STE);
	if (ssid >> max)
		return cd_fault(res, EMU_NW_F_BAD_SUBSTREAMID, EMU_NW_SMMU_C_BAD_SUBSTREAMID);
	if (max == 0 || fmt == 0) {
		/* one CD, or a linear table aligned to its size (S1ContextPtr[max+5:6] RES0) */
		cd_gpa = (tbl->table_gpa & ~((UINT64_C(64) << max) - 1)) + (uint64_t)ssid * 64;
	} else {
		unsigned int split = fmt == 1 ? 6 : 10;   /* 64 or 1024 CDs per leaf */
		uint64_t l1_bytes = max > split ? UINT64_C(8) << (max - split) : 8;
		uint64_t l1_align = l1_bytes > 64 ? l1_bytes : 64;
		uint64_t l1_gpa = (tbl->table_gpa & ~(l1_align - 1)) +
			(max > split ? (uint64_t)(ssid >> split) * 8 : 0);
		uint64_t l1cd, l2;
		enum emu_nw_mem_status m = mem->read64(mem->ctx, l1_gpa, &l1cd);

		if (m != EMU_NW_MEM_OK)
			return cd_mem(res, m, l1_gpa);
		if (!(l1cd & 1))
			return cd_fault(res, EMU_NW_F_BAD_SUBSTREAMID,
				EMU_NW_SMMU_C_BAD_SUBSTREAMID);
		l2 = l1cd & bits(55, 12);
		/* an L2Ptr beyond the IAS is C_BAD_SUBSTREAMID too (7.3.9) */
		if (l2 & ~bits(EMU_NW_SMMU_OAS_BITS - 1, 0))
			return cd_fault(res, EMU_NW_F_BAD_SUBSTREAMID,
				EMU_NW_SMMU_C_BAD_SUBSTREAMID);
		if (fmt == 2)
			l2 &= ~UINT64_C(0xffff);   /* 64 KiB leaves: L2Ptr[15:12] RES0 */
		cd_gpa = l2 + (uint64_t)(ssid & ((1u << split) - 1)) * 64;
	}
	for (unsigned int i = 0; i < 8; i++) {
		enum emu_nw_mem_status m = mem->read64(mem->ctx, cd_gpa + 8 * i, &w[i]);

		if (m != EMU_NW_MEM_OK)
			return cd_mem(res, m, cd_gpa + 8 * i);
	}
	if (emu_cd_decode(w, cd, &why) < 0)
		return cd_fault(res, EMU_NW_F_BAD_CD, EMU_NW_SMMU_C_BAD_CD);
	res->gpa = cd_gpa;
	return EMU_NW_OK;
}

const char *
emu_nw_status_str(enum emu_nw_status s)
{
	switch (s) {
	case EMU_NW_OK: return "ok";
	case EMU_NW_S2_MISS: return "second-level miss";
	case EMU_NW_S2_OUTSIDE: return "outside guest RAM";
	case EMU_NW_S1_FAULT: return "first-level fault";
	case EMU_NW_CFG_FAULT: return "configuration fault";
	}
	return "?";
}

const char *
emu_nw_fault_str(enum emu_nw_fault f)
{
	switch (f) {
	case EMU_NW_F_NONE: return "none";
	case EMU_NW_F_TRANSLATION: return "translation";
	case EMU_NW_F_PERMISSION: return "permission";
	case EMU_NW_F_RESERVED: return "reserved bit";
	case EMU_NW_F_ACCESS: return "access flag";
	case EMU_NW_F_ADDR_SIZE: return "address size";
	case EMU_NW_F_UPDATE: return "A/D update";
	case EMU_NW_F_NONCANONICAL: return "non-canonical address";
	case EMU_NW_F_PRIV: return "supervisor request without SRE";
	case EMU_NW_F_BAD_STE: return "C_BAD_STE";
	case EMU_NW_F_BAD_SUBSTREAMID: return "C_BAD_SUBSTREAMID";
	case EMU_NW_F_BAD_CD: return "C_BAD_CD";
	}
	return "?";
}
