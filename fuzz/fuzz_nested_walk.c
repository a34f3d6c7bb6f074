/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * fuzz-nested_walk: the emu IOMMU's nested walkers (emu_nested.h) over hostile guest
 * tables in a small guest RAM: the VT-d first-level walk, the SMMUv3 CD fetch and the
 * AArch64 stage-1 walk of the CD it returns.
 *
 * Input: a header
 *   u8 mode      bit 0: 0 VT-d, 1 SMMUv3; bit 1: inject update races; bit 2 (VT-d)
 *                SRE, bit 3 WPE; bits 2-3 (SMMU) override CD.HA / CD.AFFD (the CD
 *                decides otherwise)
 *   u8 aw        VT-d address width (13..52 used as is, others: 48); SMMU S1CDMax
 *   u8 s1fmt     SMMU S1Fmt
 *   u16 absent   guest RAM pages (64 KiB: 16 pages) whose host page is not present
 *   u16 ro       pages present but not writable on the second level
 *   u64 root     PML4 GPA or CD table GPA
 *   u8 nw        words to write, then nw x (u16 slot: GPA slot * 8 mod RAM, u64 value)
 * then walks until the input ends (at most 16): u64 va, u8 acc (SVA_FAULT_PERM_*),
 * u32 ssid.
 *
 * Properties: no crash, no UB; the walker asks only 8-byte aligned GPAs, and every
 * access outside guest RAM is refused by the callbacks (never read: the callbacks
 * check before touching the buffer); bounded accesses per walk (fixed depth, bounded
 * restarts); a result consistent with its status (OK: page size 4K/2M/1G matching the
 * level and the offset kept; S2_MISS: a not-present or, for an update, read-only page
 * inside guest RAM; S2_OUTSIDE: a GPA outside it; faults at a level that exists);
 * guest RAM changed only by an allowed walk or an update miss, and only by setting
 * A/D (VT-d bits 5/6) or AF (Arm bit 10) — never for a refused access (the callbacks
 * are the walkers' only way to guest RAM, so their log of completed updates is what a
 * walk changed; ASan catches any other write); a second walk of a translated address
 * gives the same output and writes nothing.
 */
#include "emu_nested.h"
#include "fuzz_common.h"

#define RAM_SIZE (UINT64_C(64) << 10)
#define RAM_PAGES (RAM_SIZE >> 12)
#define WALKS_MAX 16
#define ACCESS_MAX (4 * 8 + 4 * 8)   /* reads and updates of one walk, all restarts */

static uint8_t ram[RAM_SIZE] __attribute__((aligned(4096)));

struct fz_ram {
	uint16_t absent, ro;
	bool races;
	unsigned int race_budget;
	unsigned int reads, xchgs;
	/* the callbacks are the walkers' only way to guest RAM: their log of completed
	 * updates is what a walk changed */
	unsigned int written;       /* updates done this walk */
	uint64_t allowed;           /* bits an update may set */
	bool bad_update;            /* an update cleared a bit or set another one */
	uint64_t dirty_gpa[ACCESS_MAX]; /* VT-d: where an update set D */
	unsigned int dirtied;
};

static bool
inside(uint64_t gpa)
{
	return gpa < RAM_SIZE && RAM_SIZE - gpa >= 8;
}

static enum emu_nw_mem_status
fz_read64(void *ctx, uint64_t gpa, uint64_t *val)
{
	struct fz_ram *r = ctx;

	r->reads++;
	FZ_CHECK((gpa & 7) == 0, "unaligned read at 0x%llx", (unsigned long long)gpa);
	if (!inside(gpa))
		return EMU_NW_MEM_OUTSIDE;   /* refused: never dereferenced */
	if (r->absent & (1u << (gpa >> 12)))
		return EMU_NW_MEM_MISS;
	memcpy(val, ram + gpa, 8);
	return EMU_NW_MEM_OK;
}

static enum emu_nw_mem_status
fz_cmpxchg64(void *ctx, uint64_t gpa, uint64_t old, uint64_t new_val, uint64_t *cur)
{
	struct fz_ram *r = ctx;
	uint64_t *p;

	r->xchgs++;
	FZ_CHECK((gpa & 7) == 0, "unaligned update at 0x%llx", (unsigned long long)gpa);
	FZ_CHECK(inside(gpa), "update outside guest RAM at 0x%llx", (unsigned long long)gpa);
	if (!inside(gpa))
		return EMU_NW_MEM_OUTSIDE;
	if ((r->absent | r->ro) & (1u << (gpa >> 12)))
		return EMU_NW_MEM_MISS;
	p = (uint64_t *)(void *)(ram + gpa);
	if (r->races && r->race_budget > 0) {
		r->race_budget--;
		*p ^= UINT64_C(1) << 58;   /* ignored / software bit in both formats */
	}
	*cur = old;
	if (__atomic_compare_exchange_n(p, cur, new_val, false, __ATOMIC_SEQ_CST,
			__ATOMIC_SEQ_CST)) {
		r->written++;
		if (((old ^ new_val) & ~r->allowed) != 0 || (old & ~new_val) != 0)
			r->bad_update = true;
		if (((old ^ new_val) & (UINT64_C(1) << 6)) && r->dirtied < ACCESS_MAX)
			r->dirty_gpa[r->dirtied++] = gpa;
		return EMU_NW_MEM_OK;
	}
	return EMU_NW_MEM_CHANGED;
}

static void
check_result(const struct emu_nw_result *res, const struct fz_ram *r, uint64_t va,
		bool smmu, unsigned int access_max)
{
	FZ_CHECK(r->reads + r->xchgs <= access_max, "%u reads + %u updates", r->reads,
		r->xchgs);
	switch (res->status) {
	case EMU_NW_OK: {
		unsigned int lvl = res->level;
		uint64_t want = smmu ? (lvl == 3 ? 4096 : lvl == 2 ? 2u << 20 : 1u << 30) :
			(lvl == 1 ? 4096 : lvl == 2 ? 2u << 20 : 1u << 30);

		FZ_CHECK(smmu ? (lvl >= 1 && lvl <= 3) : (lvl >= 1 && lvl <= 3),
			"leaf level %u", lvl);
		FZ_CHECK(res->page_size == want, "page size 0x%llx at level %u",
			(unsigned long long)res->page_size, lvl);
		FZ_CHECK((res->gpa & (want - 1)) == (va & (want - 1)), "offset not kept");
		FZ_CHECK(inside(res->entry_gpa), "leaf entry outside guest RAM");
		FZ_CHECK(smmu || res->gpa >> 52 == 0, "output above 52 bits");
		FZ_CHECK(!smmu || res->gpa >> 48 == 0, "output above the 48-bit OAS");
		break;
	}
	case EMU_NW_S2_MISS:
		FZ_CHECK(inside(res->gpa), "miss outside guest RAM");
		if (inside(res->gpa))
			FZ_CHECK((r->absent & (1u << (res->gpa >> 12))) ||
				(res->write && (r->ro & (1u << (res->gpa >> 12)))),
				"miss on a present page 0x%llx", (unsigned long long)res->gpa);
		break;
	case EMU_NW_S2_OUTSIDE:
		FZ_CHECK(!inside(res->gpa), "outside result for 0x%llx inside guest RAM",
			(unsigned long long)res->gpa);
		break;
	case EMU_NW_S1_FAULT:
		FZ_CHECK(res->fault != EMU_NW_F_NONE, "fault without a kind");
		FZ_CHECK(smmu ? res->level <= 3 : res->level <= 4, "fault level %u", res->level);
		FZ_CHECK(res->entry_gpa == 0 || inside(res->entry_gpa), "fault entry outside");
		break;
	case EMU_NW_CFG_FAULT:
		FZ_CHECK(res->fault != EMU_NW_F_NONE, "configuration fault without a kind");
		break;
	default:
		FZ_CHECK(false, "status %d", (int)res->status);
	}
}

/* A walk, its checks, and for a translation a second walk that must agree. */
static void
walk_vtd(const struct emu_nw_mem *mem, struct fz_ram *r, const struct emu_fl_cfg *cfg,
		uint64_t va, uint32_t acc)
{
	struct emu_nw_result res, again;

	r->reads = r->xchgs = r->written = r->dirtied = 0;
	r->bad_update = false;
	r->allowed = (UINT64_C(1) << 5) | (UINT64_C(1) << 6);
	emu_fl_x86_walk(mem, cfg, va, acc, &res);
	check_result(&res, r, va, false, ACCESS_MAX);
	/* D only for a write, and only on the leaf (when the walk got there) */
	for (unsigned int i = 0; i < r->dirtied; i++) {
		FZ_CHECK(acc & EMU_NW_ACC_WRITE, "D set by a walk without write");
		FZ_CHECK(res.status != EMU_NW_OK || r->dirty_gpa[i] == res.entry_gpa,
			"D set on 0x%llx, not the leaf", (unsigned long long)r->dirty_gpa[i]);
	}
	/* a walk that gave up on racing updates may have set A/D before it did */
	if (res.status == EMU_NW_OK || (res.status == EMU_NW_S2_MISS && res.write) ||
			res.fault == EMU_NW_F_UPDATE)
		FZ_CHECK(!r->bad_update, "VT-d walk changed more than A/D");
	else
		FZ_CHECK(r->written == 0, "refused VT-d walk (%s) changed guest RAM",
			emu_nw_fault_str(res.fault));
	if (res.status == EMU_NW_OK && !r->races) {
		r->reads = r->xchgs = 0;
		emu_fl_x86_walk(mem, cfg, va, acc, &again);
		FZ_CHECK(again.status == EMU_NW_OK && again.gpa == res.gpa &&
			again.page_size == res.page_size, "second walk differs");
		FZ_CHECK(r->xchgs == 0, "second walk updated entries");
	}
}

static void
walk_smmu(const struct emu_nw_mem *mem, struct fz_ram *r, const struct emu_cd_table *t,
		uint8_t mode, uint32_t ssid, uint64_t va, uint32_t acc)
{
	struct emu_nw_result res, again;
	struct emu_cd cd;

	r->reads = r->xchgs = r->written = 0;
	r->bad_update = false;
	r->allowed = UINT64_C(1) << 10;
	emu_cd_fetch(mem, t, ssid, &cd, &res);
	FZ_CHECK(r->reads <= 9 && r->xchgs == 0, "CD fetch: %u reads, %u updates", r->reads,
		r->xchgs);
	if (res.status != EMU_NW_OK) {
		check_result(&res, r, va, true, 9);
		FZ_CHECK(res.smmu_class == EMU_NW_SMMU_CLASS_CD, "CD fetch class %u",
			res.smmu_class);
		return;
	}
	FZ_CHECK(inside(res.gpa) && (res.gpa & 63) == 0, "CD at 0x%llx",
		(unsigned long long)res.gpa);
	for (unsigned int i = 0; i < 2; i++)
		FZ_CHECK(cd.tt[i].disabled || (cd.tt[i].tsz >= 16 && cd.tt[i].tsz <= 39 &&
			cd.tt[i].ttb >> cd.ips_bits == 0), "accepted TTB%u", i);
	if (mode & 4)
		cd.ha = !cd.ha;
	if (mode & 8)
		cd.affd = !cd.affd;
	r->reads = r->xchgs = r->written = 0;
	emu_s1_arm_walk(mem, &cd, va, acc, &res);
	check_result(&res, r, va, true, ACCESS_MAX);
	if (res.status == EMU_NW_OK || (res.status == EMU_NW_S2_MISS && res.write) ||
			res.fault == EMU_NW_F_UPDATE)
		FZ_CHECK(!r->bad_update, "stage-1 walk changed more than AF");
	else
		FZ_CHECK(r->written == 0, "refused stage-1 walk (%s) changed guest RAM",
			emu_nw_fault_str(res.fault));
	if (res.status == EMU_NW_OK && !r->races) {
		r->reads = r->xchgs = 0;
		emu_s1_arm_walk(mem, &cd, va, acc, &again);
		FZ_CHECK(again.status == EMU_NW_OK && again.gpa == res.gpa &&
			again.page_size == res.page_size, "second walk differs");
		FZ_CHECK(r->xchgs == 0, "second walk updated the descriptor");
	}
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fz_in in = { data, size };
	struct fz_ram r = { 0 };
	struct emu_nw_mem mem = { .read64 = fz_read64, .cmpxchg64 = fz_cmpxchg64, .ctx = &r };
	uint8_t mode = fz_u8(&in), aw = fz_u8(&in), s1fmt = fz_u8(&in);
	uint64_t root;
	unsigned int nw;

	r.absent = fz_u16(&in);
	r.ro = fz_u16(&in);
	r.races = mode & 2;
	r.race_budget = 64;
	root = fz_u64(&in);
	memset(ram, 0, RAM_SIZE);
	nw = fz_u8(&in);
	for (unsigned int i = 0; i < nw; i++) {
		uint64_t slot = fz_u16(&in) % (RAM_SIZE / 8), v = fz_u64(&in);

		memcpy(ram + slot * 8, &v, 8);
	}
	for (unsigned int w = 0; w < WALKS_MAX && in.n > 0; w++) {
		uint64_t va = fz_u64(&in);
		uint32_t acc = fz_u8(&in) & 0xf, ssid = fz_u32(&in);

		if (!(mode & 1)) {
			struct emu_fl_cfg cfg = {
				.pml4_gpa = root,
				.aw_bits = aw > 12 && aw <= 52 ? aw : 48,
				.flags = ((mode & 4) ? EMU_FL_SRE : 0) | ((mode & 8) ? EMU_FL_WPE : 0),
			};

			walk_vtd(&mem, &r, &cfg, va, acc);
		} else {
			struct emu_cd_table t = {
				.table_gpa = root, .s1cdmax = aw % 24, .s1fmt = s1fmt & 3,
			};

			walk_smmu(&mem, &r, &t, mode, ssid % (1u << 21), va, acc);
		}
	}
	return 0;
}
