/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The IOAS beyond the lazy mirror: its allowed IOVA ranges and granularity
 * (IOMMU_IOAS_IOVA_RANGES), the pinned ranges of pinned mode, and the words for a map
 * the kernel refused.
 *
 * Pins and the mirror share the one IOAS (IOVA == VA for the RID and every PASID): a
 * pin is one IOMMU_IOAS_MAP of exactly its range, tracked here and never in the mirror
 * table, so the mirror's drops (iotlb_inval, last detach) cannot unmap a pin; mirror
 * maps inside a new pin are dropped first (the kernel refuses overlapping maps with
 * EEXIST), and the mirror maps only what lies outside the pins.
 */
#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include <rte_common.h>
#include <rte_malloc.h>

#include "sva_fault.h"
#include "ifd_log.h"
#include "ifd_probe.h"
#include "ifd_pvt.h"
#include "ifd_uapi.h"

void
ifd_map_failed_log(struct ifd_iommu *p, int ret, uint64_t va, uint64_t len, const char *what)
{
	if (ret == -ENOMEM)
		IFD_LOG(WARNING, "%s: %s [0x%" PRIx64 ", 0x%" PRIx64 ") (IOMMU_IOAS_MAP of %" PRIu64
			" bytes) hit the pinned-memory limit: raise RLIMIT_MEMLOCK (ulimit -l)",
			p->name, what, va, va + len, len);
	else if (ret == -EINVAL)
		IFD_LOG(WARNING, "%s: %s [0x%" PRIx64 ", 0x%" PRIx64 ") refused by the kernel "
			"(EINVAL): the range meets a reserved IOVA region (MSI window, RMRR...) or lies "
			"outside the IOMMU aperture, or is not aligned to %" PRIu64 " bytes; at IOVA "
			"== VA that memory cannot be reached by the device", p->name, what, va,
			va + len, p->maps.align);
	else if (ret == -EEXIST)
		IFD_LOG(WARNING, "%s: %s [0x%" PRIx64 ", 0x%" PRIx64 ") overlaps a map the IOAS "
			"holds already (EEXIST)", p->name, what, va, va + len);
	else
		IFD_LOG(WARNING, "%s: %s [0x%" PRIx64 ", 0x%" PRIx64 ") failed: %s", p->name, what,
			va, va + len, strerror(-ret));
}

int
ifd_iova_refresh(struct ifd_iommu *p)
{
	struct iommu_ioas_iova_ranges q = { .size = sizeof(q), .ioas_id = p->ioas_id };
	uint32_t n = 4; /* usually enough: one call */
	struct iommu_iova_range *r = rte_zmalloc("ifd_iova", n * sizeof(*r), 0);
	int ret = -ENOMEM;

	/* EMSGSIZE: num_iovas says how many there are; the count changes only on attach. */
	for (int tries = 0; r != NULL && tries < 3; tries++) {
		q.num_iovas = n;
		q.allowed_iovas = (uintptr_t)r;
		ret = ifd_ioctl(p->iommufd, IOMMU_IOAS_IOVA_RANGES, &q, p->name);
		if (ret != -EMSGSIZE)
			break;
		rte_free(r);
		n = q.num_iovas;
		r = rte_zmalloc("ifd_iova", (size_t)n * sizeof(*r), 0);
		ret = -ENOMEM;
	}
	if (ret != 0) {
		rte_free(r);
		if (ret != -ENOTTY)
			IFD_LOG(WARNING, "%s: IOMMU_IOAS_IOVA_RANGES failed: %s: allowed ranges unknown, "
				"maps are rounded to 4 KiB", p->name, strerror(-ret));
		return ret;
	}
	if (q.num_iovas < n)
		n = q.num_iovas;
	if (q.out_iova_alignment == 0 || (q.out_iova_alignment & (q.out_iova_alignment - 1))) {
		IFD_LOG(WARNING, "%s: IOMMU_IOAS_IOVA_RANGES: alignment %" PRIu64 " is not a power "
			"of two: ignored", p->name, (uint64_t)q.out_iova_alignment);
		q.out_iova_alignment = 1;
	}
	/* The table points at the array: switch it before freeing the old one. */
	ifd_maptab_set_iova(&p->maps, q.out_iova_alignment, r, n);
	rte_free(p->iova);
	p->iova = r;
	p->n_iova = n;
	IFD_LOG(INFO, "%s: IOAS %u: %u allowed IOVA range(s)%s0x%" PRIx64 "-0x%" PRIx64
		"%s, maps in units of %" PRIu64 " bytes", p->name, p->ioas_id, n, n ? ", first " : " ",
		n ? (uint64_t)r[0].start : 0, n ? (uint64_t)r[0].last : 0, n > 1 ? ", ..." : "",
		p->maps.align);
	return 0;
}

/* ---- pins ---- */

/* First pin whose end is above addr. */
static uint32_t
pin_first_above(const struct ifd_iommu *p, uint64_t addr)
{
	uint32_t lo = 0, hi = p->n_pins;

	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;

		if (p->pins[mid].end <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static int
pin_map(struct ifd_iommu *p, uint64_t va, uint64_t len, uint32_t perm)
{
	struct iommu_ioas_map m = {
		.size = sizeof(m),
		.flags = IOMMU_IOAS_MAP_FIXED_IOVA |
			((perm & SVA_FAULT_PERM_READ) ? IOMMU_IOAS_MAP_READABLE : 0) |
			((perm & SVA_FAULT_PERM_WRITE) ? IOMMU_IOAS_MAP_WRITEABLE : 0),
		.ioas_id = p->ioas_id,
		.user_va = va,
		.length = len,
		.iova = va,
	};

	return ifd_ioctl(p->iommufd, IOMMU_IOAS_MAP, &m, p->name);
}


int
ifd_pin(struct ifd_iommu *p, uint64_t addr, uint64_t len, uint32_t perm)
{
	uint64_t end = addr + len, align = p->maps.align;
	uint32_t i;
	int ret;

	if (len == 0 || end < addr || (perm & (SVA_FAULT_PERM_READ | SVA_FAULT_PERM_WRITE)) == 0 ||
			(perm & ~(SVA_FAULT_PERM_READ | SVA_FAULT_PERM_WRITE)) != 0) {
		IFD_LOG(ERR, "%s: pin [0x%" PRIx64 ", +0x%" PRIx64 ") perm 0x%x: a non-empty range "
			"and read and/or write permission are needed", p->name, addr, len, perm);
		p->pin_stats.errors++;
		return -EINVAL;
	}
	if ((addr | len) & (align - 1)) {
		IFD_LOG(ERR, "%s: pin [0x%" PRIx64 ", 0x%" PRIx64 "): the IOMMU maps in units of %"
			PRIu64 " bytes and the range is not aligned to them", p->name, addr, end, align);
		p->pin_stats.errors++;
		return -EINVAL;
	}
	if (!ifd_iova_inside(p->iova, p->n_iova, addr, end)) {
		IFD_LOG(ERR, "%s: pin [0x%" PRIx64 ", 0x%" PRIx64 "): not inside the IOMMU's allowed "
			"IOVA ranges (a reserved region such as the MSI window, or beyond the aperture): "
			"at IOVA == VA the device cannot reach that memory", p->name, addr, end);
		p->pin_stats.errors++;
		return -EINVAL;
	}
	i = pin_first_above(p, addr);
	if (i < p->n_pins && p->pins[i].start < end) {
		struct ifd_pin *e = &p->pins[i];

		/* One IOAS serves the RID and every PASID: the same range pinned again (another
		 * bond) shares the map. */
		if (e->start == addr && e->end == end && (e->perm & perm) == perm) {
			e->refs++;
			return 0;
		}
		IFD_LOG(ERR, "%s: pin [0x%" PRIx64 ", 0x%" PRIx64 ") perm 0x%x overlaps the pinned "
			"[0x%" PRIx64 ", 0x%" PRIx64 ") perm 0x%x: the RID and every PASID share one "
			"IOVA == VA space; pin the same range (with no more permissions) or disjoint "
			"ones", p->name, addr, end, perm, e->start, e->end, e->perm);
		p->pin_stats.errors++;
		return -EEXIST;
	}
	if (p->n_pins == p->cap_pins) {
		uint32_t cap = p->cap_pins ? p->cap_pins * 2 : 16;
		struct ifd_pin *n = rte_realloc(p->pins, (size_t)cap * sizeof(*n), 0);

		if (n == NULL)
			return -ENOMEM;
		p->pins = n;
		p->cap_pins = cap;
	}
	/* Lazily mirrored maps inside the range go: the pin covers them. */
	ifd_maptab_drop(&p->maps, addr, len);
	ret = pin_map(p, addr, len, perm);
	if (ret != 0) {
		p->pin_stats.errors++;
		if (ret != -ENOTTY)
			ifd_map_failed_log(p, ret, addr, len, "pin");
		return ret;
	}
	memmove(&p->pins[i + 1], &p->pins[i], (size_t)(p->n_pins - i) * sizeof(*p->pins));
	p->pins[i] = (struct ifd_pin){ .start = addr, .end = end, .perm = perm, .refs = 1 };
	p->n_pins++;
	p->pin_stats.pins++;
	p->pin_stats.bytes += len;
	IFD_LOG(DEBUG, "%s: pinned [0x%" PRIx64 ", 0x%" PRIx64 ") perm 0x%x at IOVA == VA",
		p->name, addr, end, perm);
	return 0;
}

static void
pin_remove(struct ifd_iommu *p, uint32_t i)
{
	struct ifd_pin *e = &p->pins[i];
	int ret = ifd_ioas_unmap(p, e->start, e->end - e->start);

	if (ret == 0)
		p->pin_stats.unpins++;
	else
		IFD_LOG(WARNING, "%s: unpin [0x%" PRIx64 ", 0x%" PRIx64 "): IOMMU_IOAS_UNMAP failed: "
			"%s (the IOAS frees it when it goes)", p->name, e->start, e->end, strerror(-ret));
	p->pin_stats.bytes -= e->end - e->start;
	memmove(&p->pins[i], &p->pins[i + 1], (size_t)(p->n_pins - i - 1) * sizeof(*p->pins));
	p->n_pins--;
}

int
ifd_unpin(struct ifd_iommu *p, uint64_t addr, uint64_t len)
{
	uint32_t i = pin_first_above(p, addr);

	if (i >= p->n_pins || p->pins[i].start != addr || p->pins[i].end != addr + len) {
		IFD_LOG(WARNING, "%s: unpin [0x%" PRIx64 ", 0x%" PRIx64 "): no such pin", p->name,
			addr, addr + len);
		return -ENOENT;
	}
	if (--p->pins[i].refs == 0)
		pin_remove(p, i);
	return 0;
}

void
ifd_pins_release(struct ifd_iommu *p)
{
	while (p->n_pins > 0)
		pin_remove(p, p->n_pins - 1);
	rte_free(p->pins);
	p->pins = NULL;
	p->cap_pins = 0;
}

int
ifd_resolve_unpinned(struct ifd_iommu *p, uint64_t addr, uint64_t len, uint32_t perm)
{
	uint64_t a = addr, b = addr + len;
	uint32_t i;
	int ret;

	if (p->n_pins == 0 || len == 0 || b < a)
		return ifd_maptab_resolve(&p->maps, addr, len, perm);
	/* The mirror maps in align units: pins are aligned to them, so are the gaps. */
	a &= ~(p->maps.align - 1);
	b = RTE_ALIGN_CEIL(b, p->maps.align);
	for (i = pin_first_above(p, a); i < p->n_pins && p->pins[i].start < b && a < b; i++) {
		if (p->pins[i].start > a) {
			ret = ifd_maptab_resolve(&p->maps, a, p->pins[i].start - a, perm);
			if (ret != 0)
				return ret;
		}
		a = RTE_MAX(a, p->pins[i].end);
	}
	if (a < b)
		return ifd_maptab_resolve(&p->maps, a, b - a, perm);
	return 0;
}
