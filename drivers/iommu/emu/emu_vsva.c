/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Nested (vSVA) translation in the emu device: the nested ops (attach, detach,
 * invalidate), the guest RAM callbacks of the walkers, the CD cache, the first-level
 * IOTLB, and one access step (emu_vsva_xlate): GVA -> (first-level IOTLB or walk) ->
 * GPA -> ram.base + GPA -> the host walk as for any PASID. See emu_vsva.h.
 *
 * Guest RAM is read and updated by the model only after the host walk said the page is
 * present (and writable, for an A/D/AF update): the model never faults on an absent
 * page itself, and a page the walk needs but the process lacks is a second-level miss
 * the device asks svapoll for. The VMM keeps guest RAM mapped while a nested bind uses
 * it (the contract of sva_guest_ram).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <rte_byteorder.h>

#include "emu_pvt.h"
#include "emu_vsva.h"

static inline uint64_t
page_floor(uint64_t a)
{
	return a & ~(EMU_PAGE_SIZE - 1);
}

int
emu_vsva_dev_init(struct emu_dev *d)
{
	d->nest = calloc(1, sizeof(*d->nest));
	if (d->nest == NULL)
		return -ENOMEM;
	pthread_mutex_init(&d->nest->lock, NULL);
	return 0;
}

void
emu_vsva_dev_fini(struct emu_dev *d)
{
	if (d->nest == NULL)
		return;
	pthread_mutex_destroy(&d->nest->lock);
	free(d->nest);
	d->nest = NULL;
}

/* ---- lookups (nest->lock held) ---- */

static struct emu_nest_bind *
bind_find(struct emu_nest *n, uint32_t pasid)
{
	for (unsigned int i = 0; i < EMU_NEST_BINDS; i++)
		if (n->bind[i].used && n->bind[i].pasid == pasid)
			return &n->bind[i];
	return NULL;
}

bool
emu_vsva_nested(struct emu_dev *d, bool pv, uint32_t pasid)
{
	struct emu_nest *n = d->nest;
	bool on;

	if (!pv)
		return false;   /* requests without PASID use the RID's table as before */
	if (__atomic_load_n(&n->smmu_on, __ATOMIC_ACQUIRE))
		return true;
	if (__atomic_load_n(&n->nbinds, __ATOMIC_ACQUIRE) == 0)
		return false;
	pthread_mutex_lock(&n->lock);
	on = bind_find(n, pasid) != NULL;
	pthread_mutex_unlock(&n->lock);
	return on;
}

bool
emu_vsva_nested_range(struct emu_dev *d, bool pv, uint32_t first, uint32_t count,
		uint32_t *which)
{
	struct emu_nest *n = d->nest;
	bool on = false;

	if (!pv)
		return false;
	pthread_mutex_lock(&n->lock);
	if (n->smmu_on) {
		*which = first;   /* the guest's CD table covers every SubstreamID */
		on = true;
	}
	for (unsigned int i = 0; i < EMU_NEST_BINDS && !on; i++)
		if (n->bind[i].used && n->bind[i].pasid - first < count) {
			*which = n->bind[i].pasid;
			on = true;
		}
	pthread_mutex_unlock(&n->lock);
	return on;
}

static void
tlb_drop(struct emu_nest *n, uint32_t pasid, bool all, uint64_t addr, uint64_t size)
{
	uint64_t end = size == 0 ? UINT64_MAX : addr + size;

	for (unsigned int i = 0; i < EMU_S1TLB_ENTRIES; i++) {
		struct emu_s1tlb_entry *t = &n->tlb[i];

		if (t->valid && (all || t->pasid == pasid) &&
				(size == 0 || (t->gva < end && addr < t->gva + t->size)))
			t->valid = false;
	}
}

static void
cd_drop(struct emu_nest *n, uint32_t ssid, bool all)
{
	for (unsigned int i = 0; i < EMU_CD_CACHE; i++)
		if (n->cd[i].valid && (all || n->cd[i].ssid == ssid))
			n->cd[i].valid = false;
}

static const struct emu_s1tlb_entry *
tlb_lookup(struct emu_nest *n, uint32_t pasid, uint64_t gva, uint32_t perm)
{
	for (unsigned int i = 0; i < EMU_S1TLB_ENTRIES; i++) {
		const struct emu_s1tlb_entry *t = &n->tlb[i];

		if (t->valid && t->pasid == pasid && gva - t->gva < t->size &&
				(t->perm & perm) == perm)
			return t;
	}
	return NULL;
}

static void
tlb_insert(struct emu_nest *n, uint32_t pasid, uint64_t gva, uint64_t size, uint64_t gpa,
		uint32_t perm)
{
	struct emu_s1tlb_entry *t = NULL;

	/* one entry per page: a write walk replaces the read walk's entry */
	for (unsigned int i = 0; i < EMU_S1TLB_ENTRIES && t == NULL; i++)
		if (n->tlb[i].valid && n->tlb[i].pasid == pasid && n->tlb[i].gva == gva)
			t = &n->tlb[i];
	if (t == NULL) {
		t = &n->tlb[n->tlb_next];
		n->tlb_next = (n->tlb_next + 1) % EMU_S1TLB_ENTRIES;
	}
	*t = (struct emu_s1tlb_entry){ .gva = gva, .size = size, .gpa = gpa, .pasid = pasid,
		.perm = perm, .valid = true };
}

/* ---- guest RAM for the walkers ---- */

struct gmem_ctx {
	struct emu_dev *d;
	uint32_t key;                   /* the host IOTLB's key: the job's PASID */
	const struct sva_guest_ram *ram;
};

/* The host address of the 8 bytes at gpa when the host walk allows perm, else why not. */
static enum emu_nw_mem_status
gmem_host(struct gmem_ctx *g, uint64_t gpa, uint32_t perm, uint64_t **p)
{
	enum emu_miss m;
	uint64_t hva;

	if (gpa >= g->ram->size || g->ram->size - gpa < 8)
		return EMU_NW_MEM_OUTSIDE;
	hva = (uint64_t)(uintptr_t)g->ram->base + gpa;
	if (emu_translate(g->d, g->key, hva, 8, perm, &m) < 8)
		return EMU_NW_MEM_MISS;
	*p = (uint64_t *)(uintptr_t)hva;
	return EMU_NW_MEM_OK;
}

static enum emu_nw_mem_status
gmem_read64(void *ctx, uint64_t gpa, uint64_t *val)
{
	uint64_t *p;
	enum emu_nw_mem_status st = gmem_host(ctx, gpa, SVA_FAULT_PERM_READ, &p);

	if (st == EMU_NW_MEM_OK)
		*val = rte_le_to_cpu_64(__atomic_load_n(p, __ATOMIC_ACQUIRE));
	return st;
}

static enum emu_nw_mem_status
gmem_cmpxchg64(void *ctx, uint64_t gpa, uint64_t old, uint64_t new_val, uint64_t *cur)
{
	uint64_t *p, exp = rte_cpu_to_le_64(old);
	enum emu_nw_mem_status st = gmem_host(ctx, gpa, SVA_FAULT_PERM_WRITE, &p);

	if (st != EMU_NW_MEM_OK)
		return st;
	/* a locked update, as hardware sets A/D/AF */
	if (__atomic_compare_exchange_n(p, &exp, rte_cpu_to_le_64(new_val), false,
			__ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
		return EMU_NW_MEM_OK;
	*cur = rte_le_to_cpu_64(exp);
	return EMU_NW_MEM_CHANGED;
}

/* ---- one access step ---- */

static void
nx_event(struct emu_nx *x, uint32_t reason, uint32_t hw_event, const char *why)
{
	x->kind = EMU_NX_EVENT;
	x->reason = reason;
	x->hw_event = hw_event;
	x->why = why;
	x->ev_flags = SVA_FAULT_UNRECOV_NESTED_S1;
}

/* The event is a second-level one: gpa lies outside guest RAM. */
static void
nx_event_s2(struct emu_nx *x, uint64_t gpa)
{
	x->ev_flags = SVA_FAULT_UNRECOV_NESTED_S2;
	x->ev_gpa = gpa;
}

/* A second-level miss at gpa (for perm): a page request svapoll resolves. */
static void
nx_s2(struct emu_nx *x, const struct sva_guest_ram *ram, uint64_t gpa, uint32_t perm)
{
	x->kind = EMU_NX_S2;
	x->gpa = page_floor(gpa);
	x->haddr = (uint64_t)(uintptr_t)ram->base + x->gpa;
	x->perm = perm;
}

/* A walk's outcome other than OK, as what the device does next. */
static void
nx_from_walk(struct emu_dev *d, const struct emu_nw_result *r, const struct sva_guest_ram *ram,
		uint32_t perm, struct emu_nx *x)
{
	bool smmu = d->e->ops->model == SVA_IOMMU_MODEL_SMMUV3;

	switch (r->status) {
	case EMU_NW_S2_MISS:
		nx_s2(x, ram, r->gpa, r->write ? SVA_FAULT_PERM_WRITE : SVA_FAULT_PERM_READ);
		return;
	case EMU_NW_S2_OUTSIDE:
		if (smmu) {
			/* IHI0070 7.3.13: the CD or stage-1 table address is an IPA that
			 * stage 2 does not map: F_TRANSLATION with S2 = 1, CLASS CD or TT,
			 * IPA = the address fetched (fetch_addr and gpa carry it; the
			 * codec sets CLASS CD for a PASID_INVALID one, the SSID's CD).
			 * A VMM presenting a stage-1-only vSMMU injects r->guest_event
			 * (F_CD_FETCH / F_WALK_EABT) instead. */
			bool cd = r->smmu_class == EMU_NW_SMMU_CLASS_CD;

			nx_event(x, cd ? SVA_FAULT_REASON_PASID_INVALID :
				SVA_FAULT_REASON_TRANSLATION, EMU_NW_SMMU_F_TRANSLATION, cd ?
				"the CD (or L1CD) lies outside guest RAM (stage 2, class CD)" :
				"a stage-1 table lies outside guest RAM (stage 2, class TT)");
			x->fetch = r->gpa;
			nx_event_s2(x, r->gpa);
			return;
		}
		nx_event(x, SVA_FAULT_REASON_TRANSLATION, 0,
			"a first-level table lies outside guest RAM");
		nx_event_s2(x, r->gpa);
		return;
	case EMU_NW_S1_FAULT:
		if (emu_nw_fault_recoverable(r->fault)) {
			/* the guest maps the page (or sets the bit) and answers */
			x->kind = EMU_NX_S1;
			x->perm = perm;
			return;
		}
		nx_event(x, r->fault == EMU_NW_F_ADDR_SIZE ? SVA_FAULT_REASON_ADDR_SIZE :
			r->fault == EMU_NW_F_UPDATE ? SVA_FAULT_REASON_ACCESS :
			SVA_FAULT_REASON_TRANSLATION, smmu && r->hw_code > 0x13 ? 0 : r->hw_code,
			emu_nw_fault_str(r->fault));
		return;
	case EMU_NW_CFG_FAULT:
	default:
		if (smmu && (r->hw_code == EMU_NW_SMMU_C_BAD_STE || r->hw_code == 0))
			/* the model's codec has no C_BAD_STE: the CD is unusable */
			nx_event(x, SVA_FAULT_REASON_PASID_INVALID, EMU_NW_SMMU_C_BAD_CD,
				emu_nw_fault_str(r->fault));
		else
			nx_event(x, r->fault == EMU_NW_F_NONCANONICAL ?
				SVA_FAULT_REASON_ADDR_SIZE : SVA_FAULT_REASON_PASID_INVALID,
				r->hw_code, emu_nw_fault_str(r->fault));
		return;
	}
}

/* The CD of ssid: cached, or fetched now (nest->lock held). */
static const struct emu_cd *
cd_get(struct emu_dev *d, const struct emu_nw_mem *mem, uint32_t ssid, struct emu_nw_result *r)
{
	struct emu_nest *n = d->nest;
	const struct emu_cd_table tbl = emu_cd_table_from_nested(&n->smmu);
	struct emu_cd_cached *c;

	for (unsigned int i = 0; i < EMU_CD_CACHE; i++)
		if (n->cd[i].valid && n->cd[i].ssid == ssid)
			return &n->cd[i].cd;
	c = &n->cd[n->cd_next];
	EMU_INC(d->e, nested_cd_fetches);
	memset(r, 0, sizeof(*r));
	if (emu_cd_fetch(mem, &tbl, ssid, &c->cd, r) != EMU_NW_OK)
		return NULL;   /* an invalid CD is not cached: it is read again next time */
	n->cd_next = (n->cd_next + 1) % EMU_CD_CACHE;
	c->ssid = ssid;
	c->valid = true;
	return &c->cd;
}

void
emu_vsva_xlate(struct emu_dev *d, uint32_t pasid, uint64_t gva, uint64_t len, uint32_t perm,
		struct emu_nx *x)
{
	struct emu_nest *n = d->nest;
	const struct emu_s1tlb_entry *t;
	const struct sva_nested_cfg *cfg;
	struct emu_nest_bind *b = NULL;
	struct gmem_ctx g = { .d = d, .key = pasid };
	struct emu_nw_mem mem = { .read64 = gmem_read64, .cmpxchg64 = gmem_cmpxchg64, .ctx = &g };
	struct emu_nw_result r;
	uint64_t gpa, in_page, hva, ok;
	enum emu_miss m;

	memset(x, 0, sizeof(*x));
	pthread_mutex_lock(&n->lock);
	if (n->smmu_on)
		cfg = &n->smmu;
	else if ((b = bind_find(n, pasid)) != NULL)
		cfg = &b->cfg;
	else {
		pthread_mutex_unlock(&n->lock);
		x->kind = EMU_NX_NOT_NESTED;
		return;
	}
	g.ram = &cfg->ram;
	t = tlb_lookup(n, pasid, gva, perm);
	if (t != NULL) {
		EMU_INC(d->e, nested_s1tlb_hits);
		gpa = t->gpa + (gva - t->gva);
		in_page = t->size - (gva - t->gva);
	} else {
		EMU_INC(d->e, nested_s1tlb_misses);
		EMU_INC(d->e, nested_walks);
		memset(&r, 0, sizeof(r));
		if (n->smmu_on) {
			const struct emu_cd *cd = cd_get(d, &mem, pasid, &r);

			if (cd != NULL)
				emu_s1_arm_walk(&mem, cd, gva, perm, &r);
		} else {
			/* a 48-bit address width (4-level paging, FLPM 0) */
			const struct emu_fl_cfg fl = emu_fl_cfg_from_nested(cfg, 48);

			emu_fl_x86_walk(&mem, &fl, gva, perm, &r);
		}
		if (r.status != EMU_NW_OK) {
			pthread_mutex_unlock(&n->lock);
			nx_from_walk(d, &r, &cfg->ram, perm, x);
			return;
		}
		/* r.gpa is the output of gva itself; the leaf covers [gva's page, +size) */
		in_page = r.page_size - (gva & (r.page_size - 1));
		gpa = r.gpa;
		tlb_insert(n, pasid, gva & ~(r.page_size - 1), r.page_size,
			gpa - (gva & (r.page_size - 1)), perm == SVA_FAULT_PERM_WRITE ?
			SVA_FAULT_PERM_READ | SVA_FAULT_PERM_WRITE : SVA_FAULT_PERM_READ);
	}
	/* second level of the data itself: the GPA inside guest RAM, then the host walk */
	if (gpa >= cfg->ram.size) {
		pthread_mutex_unlock(&n->lock);
		nx_event(x, SVA_FAULT_REASON_TRANSLATION, 0,
			"the first level maps the address outside guest RAM");
		nx_event_s2(x, gpa);
		return;
	}
	len = RTE_MIN(len, in_page);
	len = RTE_MIN(len, cfg->ram.size - gpa);
	hva = (uint64_t)(uintptr_t)cfg->ram.base + gpa;
	ok = emu_translate(d, pasid, hva, len, perm, &m);
	if (ok == 0) {
		nx_s2(x, &cfg->ram, gpa, perm);
		pthread_mutex_unlock(&n->lock);
		return;
	}
	pthread_mutex_unlock(&n->lock);
	x->kind = EMU_NX_OK;
	x->hva = hva;
	x->avail = ok;
}

void
emu_vsva_host_inval(struct emu_dev *d, uint32_t pasid, uint64_t hva)
{
	emu_iotlb_inval(&d->e->iotlb[d->slot], pasid, false, page_floor(hva), EMU_PAGE_SIZE);
}

/* ---- the nested ops ---- */

static bool
ram_ok(const struct emu_dev *d, const struct sva_nested_cfg *cfg)
{
	uint64_t base = (uint64_t)(uintptr_t)cfg->ram.base;

	if (cfg->ram.base == NULL || cfg->ram.size == 0 || (base & (EMU_PAGE_SIZE - 1)) != 0 ||
			(cfg->ram.size & (EMU_PAGE_SIZE - 1)) != 0 || base + cfg->ram.size < base) {
		EMU_LOG(ERR, "dev 0x%x: nested attach: guest RAM base %p size 0x%" PRIx64 ": both "
			"page aligned, size not 0", d->rid, cfg->ram.base, cfg->ram.size);
		return false;
	}
	return true;
}

int
emu_nested_attach(struct sva_dev *dev, uint32_t pasid, const struct sva_nested_cfg *cfg)
{
	struct emu_dev *d = emu_of_dev(dev);
	struct emu_nest *n = d->nest;
	bool smmu = d->e->ops->model == SVA_IOMMU_MODEL_SMMUV3;
	struct emu_nest_bind *b = NULL;
	int ret = 0;

	if (cfg == NULL || !ram_ok(d, cfg))
		return -EINVAL;
	if (d->stall) {
		/* a first-level fault must reach the VMM as a page request it answers; the
		 * stall model sends none (its jobs would end PRI_DISABLED at the first miss) */
		EMU_LOG(ERR, "dev 0x%x: nested translation is not supported on a stall-model dev "
			"(stall=1): first-level faults go to the VMM as page requests (PRI); open "
			"the dev without stall=1", d->rid);
		return -EOPNOTSUPP;
	}
	if (cfg->format == SVA_NESTED_VTD_FL) {
		if (smmu) {
			EMU_LOG(ERR, "dev 0x%x: a VT-d first level on an SMMUv3 iommu: bind the guest's "
				"CD table (SVA_NESTED_SMMUV3_CD)", d->rid);
			return -EOPNOTSUPP;
		}
		if (pasid == SVA_NESTED_ALL_PASIDS) {
			EMU_LOG(ERR, "dev 0x%x: VT-d: the host owns the PASID table; a guest first "
				"level is bound per PASID, never as a whole table", d->rid);
			return -EOPNOTSUPP;
		}
		if ((cfg->table_gpa & (EMU_PAGE_SIZE - 1)) != 0 || cfg->table_gpa >= cfg->ram.size) {
			EMU_LOG(ERR, "dev 0x%x PASID %u: the PML4 at GPA 0x%" PRIx64 " must be 4 KiB "
				"aligned and inside guest RAM (0x%" PRIx64 " bytes)", d->rid, pasid,
				cfg->table_gpa, cfg->ram.size);
			return -EINVAL;
		}
		if (pasid >> d->e->pasid_bits != 0) {
			EMU_LOG(ERR, "dev 0x%x: PASID %u beyond %u PASID bits", d->rid, pasid,
				d->e->pasid_bits);
			return -EINVAL;
		}
	} else if (cfg->format == SVA_NESTED_SMMUV3_CD) {
		if (!smmu) {
			EMU_LOG(ERR, "dev 0x%x: an SMMUv3 CD table on a VT-d iommu: VT-d binds a "
				"first level per PASID (SVA_NESTED_VTD_FL)", d->rid);
			return -EOPNOTSUPP;
		}
		if (pasid != SVA_NESTED_ALL_PASIDS || cfg->s1cdmax > EMU_NW_SMMU_S1CDMAX_MAX ||
				cfg->s1fmt > 2 || (cfg->table_gpa & 63) != 0 ||
				cfg->table_gpa >= cfg->ram.size) {
			EMU_LOG(ERR, "dev 0x%x: a guest CD table is bound whole (pasid "
				"SVA_NESTED_ALL_PASIDS, here %u), S1CDMAX 0..20 (%u), S1Fmt 0..2 "
				"(%u), 64-byte aligned inside guest RAM (GPA 0x%" PRIx64 ")", d->rid,
				pasid, cfg->s1cdmax, cfg->s1fmt, cfg->table_gpa);
			return -EINVAL;
		}
	} else {
		EMU_LOG(ERR, "dev 0x%x: nested format %d: emu walks SVA_NESTED_VTD_FL (model vtd) "
			"and SVA_NESTED_SMMUV3_CD (model smmuv3)", d->rid, (int)cfg->format);
		return -EOPNOTSUPP;
	}

	pthread_mutex_lock(&n->lock);
	if (smmu) {
		if (n->smmu_on) {
			ret = -EBUSY;
		} else {
			n->smmu = *cfg;
			cd_drop(n, 0, true);
			tlb_drop(n, 0, true, 0, 0);
			__atomic_store_n(&n->smmu_on, true, __ATOMIC_RELEASE);
		}
	} else if (bind_find(n, pasid) != NULL) {
		ret = -EBUSY;
	} else {
		for (unsigned int i = 0; i < EMU_NEST_BINDS && b == NULL; i++)
			if (!n->bind[i].used)
				b = &n->bind[i];
		if (b == NULL) {
			ret = -ENOSPC;
		} else {
			b->pasid = pasid;
			b->cfg = *cfg;
			b->used = true;
			tlb_drop(n, pasid, false, 0, 0);
			__atomic_fetch_add(&n->nbinds, 1, __ATOMIC_RELEASE);
		}
	}
	pthread_mutex_unlock(&n->lock);
	if (ret == -EBUSY)
		EMU_LOG(ERR, "dev 0x%x: %s has a nested first level already", d->rid,
			smmu ? "the dev's CD table" : "the PASID");
	else if (ret == -ENOSPC)
		EMU_LOG(ERR, "dev 0x%x: %u nested first levels are bound already, the most one emu "
			"dev keeps", d->rid, EMU_NEST_BINDS);
	if (ret != 0)
		return ret;
	/* translations the host IOTLB kept for the PASID came from another table */
	emu_iotlb_inval(&d->e->iotlb[d->slot], pasid, smmu, 0, 0);
	EMU_LOG(INFO, "dev 0x%x: nested %s at GPA 0x%" PRIx64 " (guest RAM %p, %" PRIu64 " MiB)",
		d->rid, smmu ? "CD table" : "first level", cfg->table_gpa, cfg->ram.base,
		cfg->ram.size >> 20);
	return 0;
}

void
emu_nested_detach(struct sva_dev *dev, uint32_t pasid)
{
	struct emu_dev *d = emu_of_dev(dev);
	struct emu_nest *n = d->nest;
	bool smmu = d->e->ops->model == SVA_IOMMU_MODEL_SMMUV3;
	struct emu_nest_bind *b;

	pthread_mutex_lock(&n->lock);
	if (smmu) {
		__atomic_store_n(&n->smmu_on, false, __ATOMIC_RELEASE);
		cd_drop(n, 0, true);
		tlb_drop(n, 0, true, 0, 0);
	} else if ((b = bind_find(n, pasid)) != NULL) {
		b->used = false;
		tlb_drop(n, pasid, false, 0, 0);
		__atomic_fetch_sub(&n->nbinds, 1, __ATOMIC_RELEASE);
	}
	pthread_mutex_unlock(&n->lock);
	emu_iotlb_inval(&d->e->iotlb[d->slot], pasid, smmu, 0, 0);
}

int
emu_nested_inval(struct sva_dev *dev, uint32_t pasid, uint64_t addr, uint64_t size)
{
	struct emu_dev *d = emu_of_dev(dev);
	struct emu_nest *n = d->nest;
	bool all = pasid == SVA_NESTED_ALL_PASIDS;

	pthread_mutex_lock(&n->lock);
	tlb_drop(n, pasid, all, addr, size);
	/* a whole-PASID invalidation also drops the cached CD (CMD_CFGI_CD + TLBI_ASID) */
	if (size == 0)
		cd_drop(n, pasid, all);
	pthread_mutex_unlock(&n->lock);
	EMU_INC(d->e, nested_invals);
	return 0;
}
