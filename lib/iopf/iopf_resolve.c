/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The resolver: validate every page of the burst's closed groups, then populate the
 * valid ones at their mapping's page size, deduplicated, sorted and coalesced into
 * ranges, one madvise per range. See the @file block of sva_iopf.h for the rules.
 */
#include <errno.h>
#include <sys/mman.h>

#include <rte_cycles.h>

#include "iopf_pvt.h"

#ifndef MADV_POPULATE_READ
#define MADV_POPULATE_READ 22
#endif
#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23
#endif
#ifndef EHWPOISON
#define EHWPOISON 133
#endif

#define CANONICAL_KERNEL (UINT64_C(0xffff800000000000))
#define ST_OK 0

/* Insertion sort for the usual burst, heapsort beyond: no allocation (glibc qsort
 * may allocate). */
static void
sort_items(struct iopf_item *a, uint32_t n)
{
	if (n <= 48) {
		for (uint32_t i = 1; i < n; i++) {
			struct iopf_item x = a[i];
			uint32_t j = i;

			while (j > 0 && a[j - 1].key > x.key) {
				a[j] = a[j - 1];
				j--;
			}
			a[j] = x;
		}
		return;
	}
	for (uint32_t start = n / 2; start-- > 0;) {
		uint32_t root = start;

		for (;;) {
			uint32_t child = 2 * root + 1;
			struct iopf_item t;

			if (child >= n)
				break;
			if (child + 1 < n && a[child].key < a[child + 1].key)
				child++;
			if (a[root].key >= a[child].key)
				break;
			t = a[root];
			a[root] = a[child];
			a[child] = t;
			root = child;
		}
	}
	for (uint32_t end = n; end-- > 1;) {
		struct iopf_item t = a[0];
		uint32_t root = 0;

		a[0] = a[end];
		a[end] = t;
		for (;;) {
			uint32_t child = 2 * root + 1;

			if (child >= end)
				break;
			if (child + 1 < end && a[child].key < a[child + 1].key)
				child++;
			if (a[root].key >= a[child].key)
				break;
			t = a[root];
			a[root] = a[child];
			a[child] = t;
			root = child;
		}
	}
}

/* Page shift to populate addr at: hugetlbfs page size, 2 MiB for a THP-eligible block
 * that lies wholly inside the mapping, else 4 KiB. v is the mapping the page is
 * judged by (judge_vma()): its thp is set only when the kernel confirmed it current. */
static inline uint8_t
page_shift_of(const struct iopf_vma *v, uint64_t addr)
{
	uint64_t b;

	if (v == NULL)
		return 12;
	if (v->page_shift != 12)
		return v->page_shift;
	if (v->thp) {
		b = addr & ~((UINT64_C(1) << 21) - 1);
		if (b >= v->start && b + (UINT64_C(1) << 21) <= v->end)
			return 21;
	}
	return 12;
}

/* The kernel's mapping holding addr (one PROCMAP_QUERY, the burst's last answer
 * reused): 0, -ENOENT (no mapping), -ENOTSUP (cannot ask). THP eligibility, which the
 * kernel does not report, is taken from the snapshot entry sv only when the kernel's
 * mapping is that very entry (same range, 4 KiB pages): the identity check that keeps
 * a stale entry from widening a page into memory that now belongs to another mapping. */
static const struct iopf_vma *
kernel_vma(struct sva_iopf *f, const struct iopf_vma *sv, uint64_t addr, int *r)
{
	struct iopf_vma *k = &f->kvma;

	if (f->kvma_valid && addr >= k->start && addr < k->end) {
		*r = 0;
		return k;
	}
	*r = iopf_maps_query(addr, k);
	f->kvma_valid = *r == 0;
	if (*r != 0)
		return NULL;
	k->thp = sv != NULL && sv->thp && sv->start == k->start && sv->end == k->end &&
		k->page_shift == 12;
	return k;
}

/*
 * The mapping a page is judged and populated by (the rule in sva_iopf.h, "What the
 * resolver trusts"):
 *  - a snapshot entry of 4 KiB pages, not THP-eligible: the entry (nothing to widen);
 *  - otherwise (no entry, or an entry that would populate a THP block or a hugetlb
 *    page as one) the kernel's current mapping;
 *  - the kernel cannot be asked: the entry with 4 KiB pages (never widened), or NULL
 *    when the snapshot does not know addr either (validate_perm()'s fallback rule).
 * *st: ST_OK, or R_NO_MAPPING + 1 when the kernel says no mapping holds addr.
 */
static const struct iopf_vma *
judge_vma(struct sva_iopf *f, const struct iopf_vma *sv, uint64_t addr, struct iopf_vma *tmp,
		unsigned int *st)
{
	const struct iopf_vma *kv;
	int r;

	*st = ST_OK;
	if (sv != NULL && sv->page_shift == 12 && !sv->thp)
		return sv;
	kv = kernel_vma(f, sv, addr, &r);
	if (r == 0)
		return kv;
	if (r == -ENOENT) {
		*st = SVA_IOPF_R_NO_MAPPING + 1;
		return NULL;
	}
	if (sv == NULL)
		return NULL;
	*tmp = *sv;
	tmp->page_shift = 12;
	tmp->thp = 0;
	return tmp;
}

/* Validate what does not depend on the mapping; 0 or a reason + 1. */
static inline unsigned int
validate_req(const struct sva_iopf_bond *bond, const struct iopf_maps *m, uint64_t addr,
		uint32_t perm)
{
	uint64_t limit = m != NULL ? m->user_limit : (UINT64_C(1) << 47);

	if (unlikely(addr >= limit)) {
		/* canonical kernel half (47-bit) or anything non-canonical */
		if (addr >= CANONICAL_KERNEL)
			return SVA_IOPF_R_KERNEL_ADDR + 1;
		return SVA_IOPF_R_NON_CANONICAL + 1;
	}
	if (unlikely(!(perm & (SVA_FAULT_PERM_READ | SVA_FAULT_PERM_WRITE | SVA_FAULT_PERM_EXEC))))
		return SVA_IOPF_R_MALFORMED + 1;
	if (unlikely((perm & SVA_FAULT_PERM_EXEC) && !(bond->flags & SVA_IOPF_BOND_ALLOW_EXEC)))
		return SVA_IOPF_R_EXEC + 1;
	if (unlikely((perm & SVA_FAULT_PERM_PRIV) && !(bond->flags & SVA_IOPF_BOND_ALLOW_PRIV)))
		return SVA_IOPF_R_PRIV + 1;
	return ST_OK;
}

/* The permission asked against the mapping judged by; 0 or a reason + 1. v NULL:
 * neither the snapshot nor the kernel knows the address: read and write are left to
 * the populate call (the kernel refuses them on a mapping without them), execute,
 * which populate does not check, is refused. */
static inline unsigned int
validate_perm(const struct iopf_vma *v, uint32_t perm)
{
	if (v == NULL)
		return (perm & SVA_FAULT_PERM_EXEC) ? SVA_IOPF_R_NO_MAPPING + 1 : ST_OK;
	if (((perm & SVA_FAULT_PERM_WRITE) && !(v->prot & IOPF_VMA_W)) ||
			((perm & SVA_FAULT_PERM_READ) && !(v->prot & IOPF_VMA_R)) ||
			((perm & SVA_FAULT_PERM_EXEC) && !(v->prot & IOPF_VMA_X)))
		return SVA_IOPF_R_PERM + 1;
	return ST_OK;
}

/* Populate [addr, addr + len); 0 or a positive errno. */
static int
populate(struct sva_iopf *f, struct sva_iopf_stats *st, uint64_t addr, uint64_t len, bool write)
{
	for (uint32_t tries = 0;; tries++) {
		if (madvise((void *)(uintptr_t)addr, len,
				write ? MADV_POPULATE_WRITE : MADV_POPULATE_READ) == 0)
			return 0;
		if ((errno == EINTR || errno == EAGAIN) && tries < f->populate_retries) {
			IOPF_STAT_INC(st->populate_retries);
			continue;
		}
		return errno;
	}
}

/* The documented errno rule: a reason + 1, and the response code in *code. */
static unsigned int
errno_rule(int err, bool maps_miss, uint32_t *code)
{
	*code = SVA_PAGE_RESP_INVALID;
	switch (err) {
	case ENOMEM:
		return (maps_miss ? SVA_IOPF_R_NO_MAPPING : SVA_IOPF_R_NOMEM) + 1;
	case EFAULT:
	case EINVAL:
	case EPERM:
	case EHWPOISON:
		return SVA_IOPF_R_POPULATE + 1;
	case EINTR:
	case EAGAIN:
		return SVA_IOPF_R_RETRIES + 1;
	default:
		*code = SVA_PAGE_RESP_FAILURE;
		return SVA_IOPF_R_UNEXPECTED + 1;
	}
}

static inline struct sva_iopf_bond *
bond_of(const struct sva_iopf *f, const struct iopf_item *it)
{
	return f->bonds[it->key >> 45];
}

/* Populate items [i, j) (one range, one bond, one access); set each item's status. */
static void
populate_range(struct sva_iopf *f, uint32_t i, uint32_t j, uint64_t start, uint64_t end,
		bool write, uint32_t npages)
{
	struct iopf_item *it = f->items;
	struct sva_iopf_bond *bond = bond_of(f, &it[i]);
	struct sva_iopf_stats *st = &bond->st;
	uint32_t code;
	int err;

	IOPF_STAT_INC(st->populate_calls);
	err = populate(f, st, start, end - start, write);
	if (err == 0 && f->has_range_resolved &&
			sva_iommu_range_resolved(f->iommu, bond->dev, bond->pasid, start,
				end - start, write ? SVA_FAULT_PERM_READ | SVA_FAULT_PERM_WRITE :
				SVA_FAULT_PERM_READ) != 0) {
		for (uint32_t k = i; k < j; k++) {
			it[k].status = SVA_IOPF_R_DRIVER + 1;
			it[k].code = SVA_PAGE_RESP_FAILURE;
		}
		return;
	}
	if (err == 0) {
		IOPF_STAT_ADD(st->pages_populated, npages);
		IOPF_STAT_ADD(st->bytes_populated, end - start);
		return;
	}
	if (npages == 1) {
		unsigned int s = errno_rule(err, it[i].maps_miss, &code);

		for (uint32_t k = i; k < j; k++) {
			it[k].status = (uint8_t)s;
			it[k].code = code;
		}
		return;
	}
	/* the range failed somewhere: page by page, so only the failing pages' groups
	 * are refused */
	for (uint32_t k = i; k < j;) {
		uint32_t e = k + 1;

		while (e < j && it[e].key == it[k].key)
			e++;
		populate_range(f, k, e, it[k].addr, it[k].addr + (UINT64_C(1) << it[k].page_shift),
				write, 1);
		k = e;
	}
}

/* Walk sorted items [from, to): coalesce into ranges and populate them. Returns with
 * each item's status set. demand: count duplicates, honour the budget. */
static void
populate_items(struct sva_iopf *f, uint32_t from, uint32_t to, uint64_t burst_start, bool demand)
{
	struct iopf_item *it = f->items;
	bool over = false;
	uint32_t i = from;

	while (i < to) {
		uint64_t start = it[i].addr, end = start + (UINT64_C(1) << it[i].page_shift);
		struct sva_iopf_stats *st = &bond_of(f, &it[i])->st;
		bool write = it[i].write;
		uint32_t j = i + 1, npages = 1;

		/* duplicates of the first page: write wins */
		while (j < to && it[j].key == it[i].key) {
			write |= it[j].write;
			j++;
		}
		for (;;) {
			uint32_t k = j;
			bool w;

			if (k >= to || (it[k].key >> 45) != (it[i].key >> 45) || it[k].addr != end)
				break;
			w = it[k].write;
			k++;
			while (k < to && it[k].key == it[j].key) {
				w |= it[k].write;
				k++;
			}
			if (w != write)
				break;
			end += UINT64_C(1) << it[j].page_shift;
			npages++;
			j = k;
		}
		if (demand) {
			IOPF_STAT_ADD(st->dup_pages, (j - i) - npages);
			if (!over && f->budget_cyc != 0 && i != from &&
					rte_rdtsc() - burst_start > f->budget_cyc) {
				over = true;
				f->budget_over = true;
				IOPF_STAT_INC(st->budget_overruns);
			}
			if (over) {
				for (uint32_t k = i; k < j; k++) {
					it[k].status = SVA_IOPF_R_BUDGET + 1;
					it[k].code = f->budget_code;
				}
				i = j;
				continue;
			}
			populate_range(f, i, j, start, end, write, npages);
		} else {
			/* fault-around spends what the demand pages left of the budget */
			if (f->budget_cyc != 0 && rte_rdtsc() - burst_start > f->budget_cyc) {
				if (!f->budget_over)
					IOPF_STAT_INC(st->budget_overruns);
				f->budget_over = true;
				return;
			}
			if (populate(f, st, start, end - start, write) == 0)
				IOPF_STAT_ADD(st->fault_around_pages, npages);
			else
				IOPF_STAT_INC(st->fault_around_errors);
		}
		i = j;
	}
}

static inline bool
kernel_said(const struct sva_iopf *f, uint64_t addr)
{
	return f->kvma_valid && addr >= f->kvma.start && addr < f->kvma.end;
}

/*
 * The entry a page is judged by (iopf_overlay.c): the overlay's first (its entries are
 * newer than the snapshot's), then the snapshot's, else the kernel's current mapping,
 * learned now into the overlay. An overlay entry is asked again (recheck) for an
 * execute request (populate does not check execute, and the entry may be of a mapping
 * since replaced) unless the kernel answered for it in this burst already.
 * *ov: judged by the overlay; *miss: not by the snapshot. *st: R_NO_MAPPING + 1 when
 * the kernel says no mapping holds addr. NULL: nobody knows (the kernel cannot be
 * asked: validate_perm()'s fallback rule).
 */
static const struct iopf_vma *
entry_of(struct sva_iopf *f, const struct iopf_maps *m, uint64_t addr, uint32_t perm,
		bool *ov, bool *miss, unsigned int *st)
{
	const struct iopf_vma *v = iopf_overlay_find(f, addr);
	int r;

	*st = ST_OK;
	*ov = false;
	*miss = true;
	if (v != NULL) {
		if (!(perm & SVA_FAULT_PERM_EXEC) || kernel_said(f, addr)) {
			IOPF_STAT_INC(f->mst.overlay_hits);
			*ov = true;
			return v;
		}
		IOPF_STAT_INC(f->mst.rechecks);
	} else {
		v = iopf_maps_lookup(m, addr);
		if (v != NULL) {
			*miss = false;
			return v;
		}
	}
	v = iopf_overlay_learn(f, addr, true, &r);
	if (r == -ENOENT)
		*st = SVA_IOPF_R_NO_MAPPING + 1;
	*ov = v != NULL;
	return v;
}

/* A page was refused a permission by an entry the kernel did not give in this burst,
 * or failed to populate after an overlay entry let it through: the mapping may have
 * been replaced (unmapped and mapped again, mprotect()) since. Ask the kernel again;
 * the overlay takes its answer (and, being newer, wins over the snapshot's entry). */
static const struct iopf_vma *
recheck(struct sva_iopf *f, uint64_t addr, unsigned int *st)
{
	const struct iopf_vma *ov;
	int r;

	ov = iopf_overlay_learn(f, addr, false, &r);
	if (r != -ENOTSUP)
		IOPF_STAT_INC(f->mst.rechecks);
	*st = r == -ENOENT ? SVA_IOPF_R_NO_MAPPING + 1 : ST_OK;
	return ov;
}

void
iopf_resolve(struct sva_iopf *f, uint64_t burst_start)
{
	const struct iopf_maps *m = iopf_maps_current();
	const struct iopf_vma *sv = NULL, *v;
	struct iopf_item *it = f->items;
	struct iopf_vma tmp;
	uint32_t n = 0;
	bool miss = false, ov = false;

	f->resolve_start = burst_start;
	f->kvma_valid = false; /* the kernel's answers live one burst */
	f->budget_over = false;
	iopf_overlay_sync(f, m);
	for (uint32_t c = 0; c < f->ncg; c++) {
		struct iopf_cgroup *cg = &f->cg[c];
		struct sva_iopf_bond *bond = cg->bond;

		if (cg->code != SVA_PAGE_RESP_SUCCESS || bond == NULL)
			continue;
		for (uint32_t p = 0; p < cg->n; p++) {
			const struct iopf_page *pg = &f->pg[cg->first + p];
			uint64_t addr = pg->addr;
			unsigned int s;
			uint8_t shift;

			v = NULL;
			s = validate_req(bond, m, addr, pg->perm);
			if (s == ST_OK) {
				if (sv == NULL || addr < sv->start || addr >= sv->end ||
						(ov && (pg->perm & SVA_FAULT_PERM_EXEC)))
					sv = entry_of(f, m, addr, pg->perm, &ov, &miss, &s);
				else if (ov)
					IOPF_STAT_INC(f->mst.overlay_hits);
			}
			if (s == ST_OK) {
				v = judge_vma(f, sv, addr, &tmp, &s);
				if (s == ST_OK)
					s = validate_perm(v, pg->perm);
				if (s == SVA_IOPF_R_PERM + 1 && sv != NULL && !kernel_said(f, addr)) {
					/* refused by what an entry said earlier */
					const struct iopf_vma *k = recheck(f, addr, &s);

					if (k != NULL) {
						sv = k;
						ov = true;
						miss = true;
						v = judge_vma(f, sv, addr, &tmp, &s);
						if (s == ST_OK)
							s = validate_perm(v, pg->perm);
					} else if (s == ST_OK) {
						/* the kernel cannot be asked: the entry's verdict */
						s = SVA_IOPF_R_PERM + 1;
					}
				}
			}
			if (s != ST_OK) {
				/* keep going: the group's other pages still help the device */
				iopf_refuse(cg, SVA_PAGE_RESP_INVALID, s - 1);
				continue;
			}
			shift = page_shift_of(v, addr);
			addr &= ~((UINT64_C(1) << shift) - 1);
			it[n].key = ((uint64_t)bond->slot << 45) | (addr >> 12);
			it[n].addr = addr;
			it[n].cg = c;
			it[n].write = (pg->perm & SVA_FAULT_PERM_WRITE) != 0;
			it[n].page_shift = shift;
			it[n].maps_miss = miss;
			it[n].status = ST_OK;
			it[n].code = SVA_PAGE_RESP_SUCCESS;
			it[n].ov = ov ? (sv->thp_unknown ? 2 : 1) : 0;
			if (miss)
				IOPF_STAT_INC(bond->st.maps_misses);
			n++;
		}
	}
	f->stage_validated = rte_rdtsc(); /* sva_iopf_stages: validation ends */
	f->nitems = n;
	if (n == 0)
		return;
	sort_items(it, n);
	populate_items(f, 0, n, burst_start, true);
	for (uint32_t i = 0; i < n; i++) {
		if (it[i].ov != 0 && (it[i].status == SVA_IOPF_R_POPULATE + 1 ||
				it[i].status == SVA_IOPF_R_NO_MAPPING + 1)) {
			/* the overlay's mapping may be gone or replaced: say what the kernel's
			 * current one refuses, and keep the overlay true for the next page */
			unsigned int s;
			const struct iopf_vma *k = recheck(f, it[i].addr, &s);

			if (s != ST_OK)
				it[i].status = (uint8_t)s;
			else if (k != NULL && validate_perm(k, it[i].write ? SVA_FAULT_PERM_WRITE :
					SVA_FAULT_PERM_READ) != ST_OK)
				it[i].status = SVA_IOPF_R_PERM + 1;
		}
		if (it[i].status != ST_OK)
			iopf_refuse(&f->cg[it[i].cg], it[i].code, it[i].status - 1u);
	}
	iopf_overlay_probe(f);
}

/*
 * The mapping a fault-around window is clamped to: the kernel's current mapping of the
 * demand page (THP eligibility by the identity check); when the kernel cannot be
 * asked, the snapshot entry, its THP blocks as 4 KiB pages; NULL: no window.
 */
static const struct iopf_vma *
around_vma(struct sva_iopf *f, const struct iopf_maps *m, uint64_t addr, struct iopf_vma *tmp)
{
	const struct iopf_vma *sv = iopf_maps_lookup(m, addr), *kv;
	int r;

	kv = kernel_vma(f, sv, addr, &r);
	if (r == 0)
		return kv;
	if (r == -ENOENT || sv == NULL)
		return NULL;
	*tmp = *sv;
	tmp->thp = 0;
	return tmp;
}

void
iopf_fault_around(struct sva_iopf *f)
{
	const struct iopf_maps *m = iopf_maps_current();
	struct iopf_item *it = f->items;
	uint32_t n = f->nitems, out = n;
	struct iopf_vma tmp;

	if (n == 0)
		return;
	for (uint32_t i = 0; i < n && out < f->items_cap; i++) {
		struct sva_iopf_bond *bond = bond_of(f, &it[i]);
		uint64_t ps = UINT64_C(1) << it[i].page_shift, d = it[i].addr, lo, hi;
		const struct iopf_vma *v;
		uint16_t before = __atomic_load_n(&bond->fa_before, __ATOMIC_RELAXED);
		uint16_t after = __atomic_load_n(&bond->fa_after, __ATOMIC_RELAXED);
		bool write;

		if ((before | after) == 0 || it[i].status != ST_OK ||
				(i > 0 && it[i - 1].key == it[i].key))
			continue;
		v = around_vma(f, m, d, &tmp);
		if (v == NULL || d < v->start || d + ps > v->end)
			continue;
		write = it[i].write && (v->prot & IOPF_VMA_W);
		/* the window is in 4 KiB units, clamped to the mapping; whole pages of the
		 * mapping inside it are populated, each aligned to its own size */
		lo = d - RTE_MIN((uint64_t)before << 12, d - v->start);
		hi = d + ps + RTE_MIN((uint64_t)after << 12, v->end - d - ps);
		for (uint64_t a = lo; a < hi && out < f->items_cap;) {
			uint8_t sh = page_shift_of(v, a);
			uint64_t sz = UINT64_C(1) << sh, base = a & ~(sz - 1);

			a = base + sz;
			if (base < lo || base + sz > hi || (base < d + ps && base + sz > d))
				continue;
			it[out].key = ((uint64_t)bond->slot << 45) | (base >> 12);
			it[out].addr = base;
			it[out].write = write;
			it[out].page_shift = sh;
			it[out].status = ST_OK;
			out++;
		}
	}
	if (out == n)
		return;
	sort_items(it + n, out - n);
	populate_items(f, n, out, f->resolve_start, false);
}
