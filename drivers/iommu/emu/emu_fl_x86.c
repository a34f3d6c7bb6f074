/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * VT-d first-level walk: x86-64 4-level paging (Intel SDM Vol. 3A 4.5) over a guest's
 * table in guest RAM, as the emu IOMMU does for a nested PASID (emu_nested.h).
 *
 * Entry formats (SDM tables 4-15 PML4E, 4-16 PDPTE mapping 1 GiB, 4-17 PDPTE -> PD,
 * 4-18 PDE mapping 2 MiB, 4-19 PDE -> PT, 4-20 PTE): P 0, R/W 1, U/S 2, A 5, D 6 (leaves),
 * PS 7 (PDPTE, PDE; reserved in a PML4E; PAT in a PTE), PAT 12 in large leaves, the
 * address in bits aw-1:12 (1 GiB: aw-1:30, bits 29:13 reserved; 2 MiB: aw-1:21, bits
 * 20:13 reserved), bits 51:aw reserved, 62:52 ignored, XD 63.
 *
 * VT-d specifics (fault reasons as QEMU's intel_iommu_internal.h names them, and as the
 * emu's VT-d fault record uses them): a reserved bit in a present entry is fault 0x72,
 * non-recoverable (no page request can fix it); not-present 0x71 and the permission
 * faults are recoverable. A and D are set only for a request that is allowed, as one
 * locked update per entry; an entry that changed meanwhile restarts the walk.
 */
#include <stddef.h>

#include "emu_nested.h"

#define FL_P (UINT64_C(1) << 0)
#define FL_RW (UINT64_C(1) << 1)
#define FL_US (UINT64_C(1) << 2)
#define FL_A (UINT64_C(1) << 5)
#define FL_D (UINT64_C(1) << 6)
#define FL_PS (UINT64_C(1) << 7)
#define FL_XD (UINT64_C(1) << 63)

_Static_assert(EMU_FL_SRE == SVA_NESTED_SRE, "EMU_FL_SRE is SVA_NESTED_SRE");

#define FL_LEVELS 4
#define FL_RESTARTS 8   /* walks restarted by racing entry changes before giving up */

static inline uint64_t
bits(unsigned int hi, unsigned int lo)
{
	return ((hi >= 63 ? ~UINT64_C(0) : (UINT64_C(1) << (hi + 1)) - 1)) &
		~((UINT64_C(1) << lo) - 1);
}

/* Reserved bits of a present entry at level (4 PML4E .. 1 PTE), given its PS. */
static uint64_t
fl_rsvd(unsigned int level, bool ps, unsigned int aw)
{
	uint64_t r = aw < 52 ? bits(51, aw) : 0;

	if (level == 4)
		r |= FL_PS;                 /* table 4-15: bit 7 reserved (must be 0) */
	else if (level == 3 && ps)
		r |= bits(29, 13);          /* table 4-16 */
	else if (level == 2 && ps)
		r |= bits(20, 13);          /* table 4-18 */
	return r;
}

static void
res_clear(struct emu_nw_result *res)
{
	*res = (struct emu_nw_result){ .status = EMU_NW_OK };
}

static enum emu_nw_status
fl_fault(struct emu_nw_result *res, enum emu_nw_status st, enum emu_nw_fault f,
		uint8_t reason, unsigned int level, uint64_t entry_gpa)
{
	res->status = st;
	res->fault = f;
	res->hw_code = reason;
	res->guest_event = reason;
	res->level = (uint8_t)level;
	res->entry_gpa = entry_gpa;
	return st;
}

static enum emu_nw_status
fl_mem(struct emu_nw_result *res, enum emu_nw_mem_status m, uint64_t gpa, bool write)
{
	res->status = m == EMU_NW_MEM_MISS ? EMU_NW_S2_MISS : EMU_NW_S2_OUTSIDE;
	res->gpa = gpa;
	res->write = write;
	return res->status;
}

/* One walk: EMU_NW_OK, a final status, or -1 to restart (an update raced). */
static int
fl_walk_once(const struct emu_nw_mem *mem, const struct emu_fl_cfg *cfg, uint64_t va,
		uint32_t acc, struct emu_nw_result *res)
{
	uint64_t ent[FL_LEVELS], gpa[FL_LEVELS];
	uint64_t table = cfg->pml4_gpa & ~UINT64_C(0xfff);
	uint64_t amask = bits(cfg->aw_bits - 1, 12);
	bool user_ok = true, write_ok = true, exec_ok = true;
	bool user = !(acc & EMU_NW_ACC_PRIV), write = acc & EMU_NW_ACC_WRITE;
	bool exec = acc & EMU_NW_ACC_EXEC;
	unsigned int n, level = FL_LEVELS, shift = 39;
	uint64_t size = 0, out = 0;

	for (n = 0; n < FL_LEVELS; n++, level--, shift -= 9) {
		uint64_t e, a = table + (((va >> shift) & 0x1ff) << 3);
		enum emu_nw_mem_status m = mem->read64(mem->ctx, a, &e);
		bool ps;

		if (m != EMU_NW_MEM_OK)
			return fl_mem(res, m, a, false);
		if (!(e & FL_P))
			return fl_fault(res, EMU_NW_S1_FAULT, EMU_NW_F_TRANSLATION,
				EMU_NW_VTD_FR_FL_NOT_PRESENT, level, a);
		ps = (level == 3 || level == 2) && (e & FL_PS);
		if (e & fl_rsvd(level, ps, cfg->aw_bits))
			return fl_fault(res, EMU_NW_S1_FAULT, EMU_NW_F_RESERVED,
				EMU_NW_VTD_FR_FL_RSVD, level, a);
		ent[n] = e;
		gpa[n] = a;
		/* access rights are the AND of every level (SDM 4.6.1) */
		user_ok = user_ok && (e & FL_US);
		write_ok = write_ok && (e & FL_RW);
		exec_ok = exec_ok && !(e & FL_XD);
		if (level == 1 || ps) {
			size = UINT64_C(1) << shift;
			out = (e & amask & ~(size - 1)) | (va & (size - 1));
			break;
		}
		table = e & amask;
	}

	/* permissions, at the leaf's level */
	if (user && !user_ok)
		return fl_fault(res, EMU_NW_S1_FAULT, EMU_NW_F_PERMISSION, EMU_NW_VTD_FR_US,
			level, gpa[n]);
	if (write && !write_ok && (user || (cfg->flags & EMU_FL_WPE)))
		return fl_fault(res, EMU_NW_S1_FAULT, EMU_NW_F_PERMISSION, EMU_NW_VTD_FR_WRITE,
			level, gpa[n]);
	if (exec && !exec_ok)
		return fl_fault(res, EMU_NW_S1_FAULT, EMU_NW_F_PERMISSION, EMU_NW_VTD_FR_EXEC,
			level, gpa[n]);

	/* allowed: A on every entry, D on the leaf of a write, top down */
	for (unsigned int i = 0; i <= n; i++) {
		uint64_t set = FL_A | (i == n && write ? FL_D : 0), cur;
		enum emu_nw_mem_status m;

		if ((ent[i] & set) == set)
			continue;
		m = mem->cmpxchg64(mem->ctx, gpa[i], ent[i], ent[i] | set, &cur);
		if (m == EMU_NW_MEM_CHANGED)
			return -1;
		if (m != EMU_NW_MEM_OK)
			return fl_mem(res, m, gpa[i], true);
		/* an entry used at several levels (a table pointing at itself) now has A */
		for (unsigned int k = i + 1; k <= n; k++)
			if (gpa[k] == gpa[i])
				ent[k] |= set;
	}
	res->status = EMU_NW_OK;
	res->gpa = out;
	res->page_size = size;
	res->level = (uint8_t)level;
	res->entry_gpa = gpa[n];
	return EMU_NW_OK;
}

enum emu_nw_status
emu_fl_x86_walk(const struct emu_nw_mem *mem, const struct emu_fl_cfg *cfg, uint64_t va,
		uint32_t acc, struct emu_nw_result *res)
{
	uint64_t top = va >> 47;   /* bits 63:47 must all equal bit 47 */

	res_clear(res);
	if (cfg->aw_bits <= 12 || cfg->aw_bits > 52)
		return fl_fault(res, EMU_NW_CFG_FAULT, EMU_NW_F_RESERVED, EMU_NW_VTD_FR_FL_RSVD,
			FL_LEVELS, cfg->pml4_gpa);
	if (top != 0 && top != 0x1ffff)
		return fl_fault(res, EMU_NW_CFG_FAULT, EMU_NW_F_NONCANONICAL,
			EMU_NW_VTD_FR_NONCANONICAL, 0, 0);
	if ((acc & EMU_NW_ACC_PRIV) && !(cfg->flags & EMU_FL_SRE))
		return fl_fault(res, EMU_NW_CFG_FAULT, EMU_NW_F_PRIV, 0, 0, 0);
	for (unsigned int i = 0; i < FL_RESTARTS; i++) {
		int ret = fl_walk_once(mem, cfg, va, acc, res);

		if (ret >= 0)
			return (enum emu_nw_status)ret;
		res_clear(res);
	}
	return fl_fault(res, EMU_NW_S1_FAULT, EMU_NW_F_UPDATE, EMU_NW_VTD_FR_AD_UPDATE, 0, 0);
}
