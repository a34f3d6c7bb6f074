/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include <rte_common.h>
#include <rte_malloc.h>

#include "sva_fault.h"
#include "ifd_log.h"
#include "ifd_map.h"
#include "ifd_uapi.h"

#define IFD_PAGE 4096ull
/* Userspace addresses only: IOVA == VA never reaches the kernel half. */
#define IFD_USER_END (UINT64_C(1) << 63)

int
ifd_maptab_init(struct ifd_maptab *t, uint32_t cap, ifd_map_fn map, ifd_unmap_fn unmap,
		void *ctx)
{
	if (t == NULL || cap == 0 || map == NULL || unmap == NULL)
		return -EINVAL;
	memset(t, 0, sizeof(*t));
	t->ent = rte_zmalloc("ifd_maptab", (size_t)cap * sizeof(*t->ent), RTE_CACHE_LINE_SIZE);
	if (t->ent == NULL)
		return -ENOMEM;
	t->cap = cap;
	t->align = IFD_PAGE;
	t->map = map;
	t->unmap = unmap;
	t->ctx = ctx;
	return 0;
}

int
ifd_maptab_set_iova(struct ifd_maptab *t, uint64_t align,
		const struct iommu_iova_range *allowed, uint32_t n)
{
	if (t == NULL || (align & (align - 1)) != 0)
		return -EINVAL;
	t->align = RTE_MAX(align, IFD_PAGE);
	t->allowed = n > 0 ? allowed : NULL;
	t->n_allowed = n;
	return 0;
}

bool
ifd_iova_inside(const struct iommu_iova_range *r, uint32_t n, uint64_t a, uint64_t b)
{
	if (r == NULL)
		return true;
	for (uint32_t i = 0; i < n; i++)
		if (a >= r[i].start && b - 1 <= r[i].last && b > a)
			return true;
	return false;
}

void
ifd_maptab_fini(struct ifd_maptab *t)
{
	if (t == NULL)
		return;
	rte_free(t->ent);
	t->ent = NULL;
	t->n = t->cap = 0;
}

/* READ, or READ|WRITE: a device that may write a page may read it; exec and priv have
 * no IOAS permission of their own and need the page readable. */
static uint32_t
norm_perm(uint32_t perm)
{
	return (perm & SVA_FAULT_PERM_WRITE) ? SVA_FAULT_PERM_READ | SVA_FAULT_PERM_WRITE :
		SVA_FAULT_PERM_READ;
}

/* First entry whose end is above addr. */
static uint32_t
first_above(const struct ifd_maptab *t, uint64_t addr)
{
	uint32_t lo = 0, hi = t->n;

	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;

		if (t->ent[mid].end <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static void
ent_insert(struct ifd_maptab *t, uint32_t at, uint64_t start, uint64_t end, uint32_t perm)
{
	memmove(&t->ent[at + 1], &t->ent[at], (size_t)(t->n - at) * sizeof(*t->ent));
	t->ent[at] = (struct ifd_map_ent){ .start = start, .end = end, .perm = perm };
	t->n++;
	t->stats.bytes += end - start;
}

static void
ent_remove(struct ifd_maptab *t, uint32_t i, uint32_t j)
{
	for (uint32_t k = i; k < j; k++)
		t->stats.bytes -= t->ent[k].end - t->ent[k].start;
	memmove(&t->ent[i], &t->ent[j], (size_t)(t->n - j) * sizeof(*t->ent));
	t->n -= j - i;
}

static int
do_map(struct ifd_maptab *t, uint64_t start, uint64_t end, uint32_t perm)
{
	int ret = t->map(t->ctx, start, end - start, perm);

	if (ret == 0)
		t->stats.maps++;
	else
		t->stats.map_errors++;
	return ret;
}

static void
do_unmap(struct ifd_maptab *t, const struct ifd_map_ent *e)
{
	int ret = t->unmap(t->ctx, e->start, e->end - e->start);

	if (ret == 0) {
		t->stats.unmaps++;
	} else {
		t->stats.unmap_errors++;
		IFD_LOG(WARNING, "unmap of [0x%" PRIx64 ", 0x%" PRIx64 ") failed: %s", e->start,
			e->end, strerror(-ret));
	}
}

/* Map the holes of [a, b) between entries [i, j), all of which allow perm. */
static int
fill_gaps(struct ifd_maptab *t, uint32_t i, uint32_t j, uint64_t a, uint64_t b, uint32_t perm)
{
	uint64_t hi = b;
	uint32_t gaps = 0;
	int ret;

	/* Count first: all or nothing as far as the table's room goes. */
	for (uint32_t k = j; k-- > i;) {
		if (t->ent[k].end < hi)
			gaps++;
		hi = t->ent[k].start;
	}
	if (a < hi)
		gaps++;
	if (gaps == 0) {
		t->stats.hits++;
		return 0;
	}
	if (t->n + gaps > t->cap) {
		t->stats.full++;
		return -ENOSPC;
	}
	/* Right to left, so that inserting at k + 1 leaves entries i..k where they are. */
	hi = b;
	for (uint32_t k = j; k-- > i;) {
		if (t->ent[k].end < hi) {
			ret = do_map(t, t->ent[k].end, hi, perm);
			if (ret != 0)
				return ret;
			ent_insert(t, k + 1, t->ent[k].end, hi, perm);
		}
		hi = t->ent[k].start;
	}
	if (a < hi) {
		ret = do_map(t, a, hi, perm);
		if (ret != 0)
			return ret;
		ent_insert(t, i, a, hi, perm);
	}
	return 0;
}

int
ifd_maptab_resolve(struct ifd_maptab *t, uint64_t addr, uint64_t len, uint32_t perm)
{
	uint64_t a = addr & ~(t->align - 1), b;
	uint32_t p = norm_perm(perm), i, j, have = ~0u, all = 0;
	uint64_t lo, hi;
	int ret;

	if (len == 0 || addr + len < addr || addr + len > IFD_USER_END)
		return -EINVAL;
	b = (addr + len + t->align - 1) & ~(t->align - 1);
	if (!ifd_iova_inside(t->allowed, t->n_allowed, a, b)) {
		/* The kernel would say EINVAL; say why instead, 1st, 2nd, 4th... time. */
		t->stats.outside++;
		if ((t->stats.outside & (t->stats.outside - 1)) == 0)
			IFD_LOG(WARNING, "IOVA == VA [0x%" PRIx64 ", 0x%" PRIx64 ") is not inside the "
				"IOMMU's allowed IOVA ranges (a reserved region such as the MSI window, "
				"or beyond the aperture): not mapped, the request is answered Invalid "
				"(%" PRIu64 " such ranges so far)", a, b, t->stats.outside);
		return -EINVAL;
	}
	i = first_above(t, a);
	for (j = i; j < t->n && t->ent[j].start < b; j++) {
		have &= t->ent[j].perm;
		all |= t->ent[j].perm;
	}
	if (i == j) {
		if (t->n == t->cap) {
			t->stats.full++;
			return -ENOSPC;
		}
		ret = do_map(t, a, b, p);
		if (ret == 0)
			ent_insert(t, i, a, b, p);
		return ret;
	}
	if ((have & p) == p)
		return fill_gaps(t, i, j, a, b, p);

	/* Upgrade: a map cannot change permissions in place nor be split. */
	t->stats.upgrades++;
	lo = RTE_MIN(a, t->ent[i].start);
	hi = RTE_MAX(b, t->ent[j - 1].end);
	for (uint32_t k = i; k < j; k++)
		do_unmap(t, &t->ent[k]);
	ent_remove(t, i, j);
	p |= all;
	ret = do_map(t, lo, hi, p);
	if (ret != 0) {
		/* Part of the old extent may be gone (munmap): the range alone will do; the
		 * rest faults in again when the device touches it. */
		lo = a;
		hi = b;
		ret = do_map(t, lo, hi, p);
	}
	if (ret == 0)
		ent_insert(t, i, lo, hi, p);
	return ret;
}

unsigned int
ifd_maptab_drop(struct ifd_maptab *t, uint64_t addr, uint64_t len)
{
	uint32_t i, j;
	uint64_t a, b;

	if (t == NULL || t->ent == NULL)
		return 0;
	if (len == 0) {
		i = 0;
		j = t->n;
	} else {
		a = addr & ~(t->align - 1);
		b = addr + len < addr ? UINT64_MAX : addr + len;
		i = first_above(t, a);
		for (j = i; j < t->n && t->ent[j].start < b; j++)
			;
	}
	for (uint32_t k = i; k < j; k++)
		do_unmap(t, &t->ent[k]);
	ent_remove(t, i, j);
	return j - i;
}
