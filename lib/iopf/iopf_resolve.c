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
 * that lies wholly inside the mapping, else 4 KiB. */
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

/* Validate one page; 0 or a reason + 1. */
static inline unsigned int
validate(const struct sva_iopf_bond *bond, const struct iopf_maps *m, const struct iopf_vma *v,
		uint64_t addr, uint32_t perm)
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
	if (v != NULL) {
		if (((perm & SVA_FAULT_PERM_WRITE) && !(v->prot & IOPF_VMA_W)) ||
				((perm & SVA_FAULT_PERM_READ) && !(v->prot & IOPF_VMA_R)) ||
				((perm & SVA_FAULT_PERM_EXEC) && !(v->prot & IOPF_VMA_X)))
			return SVA_IOPF_R_PERM + 1;
	}
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
			IOPF_STAT_ADD(bond_of(f, &it[i])->st.dup_pages, (j - i) - npages);
			if (!over && f->budget_cyc != 0 && i != from &&
					rte_rdtsc() - burst_start > f->budget_cyc) {
				over = true;
				IOPF_STAT_INC(bond_of(f, &it[i])->st.budget_overruns);
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
			struct sva_iopf_stats *st = &bond_of(f, &it[i])->st;

			if (populate(f, st, start, end - start, write) == 0)
				IOPF_STAT_ADD(st->fault_around_pages, npages);
			else
				IOPF_STAT_INC(st->fault_around_errors);
		}
		i = j;
	}
}

void
iopf_resolve(struct sva_iopf *f, uint64_t burst_start)
{
	const struct iopf_maps *m = iopf_maps_current();
	const struct iopf_vma *v = NULL;
	struct iopf_item *it = f->items;
	uint32_t n = 0;

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

			if (v == NULL || addr < v->start || addr >= v->end)
				v = iopf_maps_lookup(m, addr);
			s = validate(bond, m, v, addr, pg->perm);
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
			it[n].maps_miss = v == NULL;
			it[n].status = ST_OK;
			it[n].code = SVA_PAGE_RESP_SUCCESS;
			if (v == NULL)
				IOPF_STAT_INC(bond->st.maps_misses);
			n++;
		}
	}
	f->nitems = n;
	if (n == 0)
		return;
	sort_items(it, n);
	populate_items(f, 0, n, burst_start, true);
	for (uint32_t i = 0; i < n; i++) {
		if (it[i].status != ST_OK)
			iopf_refuse(&f->cg[it[i].cg], it[i].code, it[i].status - 1u);
	}
}

void
iopf_fault_around(struct sva_iopf *f)
{
	const struct iopf_maps *m = iopf_maps_current();
	struct iopf_item *it = f->items;
	uint32_t n = f->nitems, out = n;

	if (m == NULL || n == 0)
		return;
	for (uint32_t i = 0; i < n && out < f->items_cap; i++) {
		struct sva_iopf_bond *bond = bond_of(f, &it[i]);
		uint64_t ps = UINT64_C(1) << it[i].page_shift, lo, hi;
		const struct iopf_vma *v;
		uint16_t before = __atomic_load_n(&bond->fa_before, __ATOMIC_RELAXED);
		uint16_t after = __atomic_load_n(&bond->fa_after, __ATOMIC_RELAXED);
		bool write;

		if ((before | after) == 0 || it[i].status != ST_OK ||
				(i > 0 && it[i - 1].key == it[i].key))
			continue;
		v = iopf_maps_lookup(m, it[i].addr);
		if (v == NULL)
			continue;
		write = it[i].write && (v->prot & IOPF_VMA_W);
		lo = it[i].addr - RTE_MIN((uint64_t)before * ps, it[i].addr - v->start);
		hi = it[i].addr + ps + RTE_MIN((uint64_t)after * ps, v->end - it[i].addr - ps);
		for (uint64_t a = lo; a < hi && out < f->items_cap; a += ps) {
			if (a == it[i].addr)
				continue;
			it[out].key = ((uint64_t)bond->slot << 45) | (a >> 12);
			it[out].addr = a;
			it[out].write = write;
			it[out].page_shift = it[i].page_shift;
			it[out].status = ST_OK;
			out++;
		}
	}
	if (out == n)
		return;
	sort_items(it + n, out - n);
	populate_items(f, n, out, 0, false);
}
