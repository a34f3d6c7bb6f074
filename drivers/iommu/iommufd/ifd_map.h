/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef IFD_MAP_H
#define IFD_MAP_H

/*
 * The IOVA == VA mirror: which ranges of the process are mapped into the IOAS, with
 * which permissions. Each entry is exactly one IOMMU_IOAS_MAP the kernel holds (the
 * kernel unmaps whole maps only, never part of one), sorted, non-overlapping.
 *
 * resolve(addr, len, perm) makes [addr, addr + len) mapped with at least perm:
 *  - nothing there: one map of the range;
 *  - covered by maps that allow perm: the gaps between them are mapped, nothing else;
 *  - a map there lacks perm (read-mapped page now written): the overlapping maps are
 *    unmapped and one map of their union with the range is made with the union of the
 *    permissions (if that fails, the range alone), since a map cannot be upgraded in place.
 * drop(addr, len) unmaps every map overlapping the range (len 0: everything): after a
 * munmap the IOAS would otherwise keep the old pages pinned for the device.
 *
 * Granularity and allowed ranges come from the IOMMU (IOMMU_IOAS_IOVA_RANGES, set with
 * ifd_maptab_set_iova): ranges are rounded out to out_iova_alignment (at least the CPU
 * page; 16 or 64 KiB on some arm64), and a range that is not inside one allowed IOVA
 * range (a reserved region: MSI window, RMRR...; or beyond the aperture) is refused
 * before any ioctl with -EINVAL, counted and logged (rate-limited: the poll path).
 *
 * The map/unmap calls are hooks (IOMMU_IOAS_MAP/UNMAP in the driver, a recorder in the
 * tests). The table is used from one thread at a time: the poll lcore (resolve, drop
 * via iotlb_inval) or the control path after the poller let go (detach, destroy).
 * Preallocated: resolve never allocates; a full table is -ENOSPC.
 */

#include <stdbool.h>
#include <stdint.h>

/** Map [va, va + len) at IOVA va with SVA_FAULT_PERM_READ/WRITE; 0 or a negative errno. */
typedef int (*ifd_map_fn)(void *ctx, uint64_t va, uint64_t len, uint32_t perm);
/** Unmap the maps inside [va, va + len); 0 or a negative errno. */
typedef int (*ifd_unmap_fn)(void *ctx, uint64_t va, uint64_t len);

struct iommu_iova_range;

struct ifd_map_ent {
	uint64_t start, end; /* [start, end), aligned to the table's align */
	uint32_t perm;       /* SVA_FAULT_PERM_READ | SVA_FAULT_PERM_WRITE */
};

struct ifd_map_stats {
	uint64_t maps, unmaps;      /**< calls to the hooks that succeeded */
	uint64_t map_errors, unmap_errors;
	uint64_t upgrades;          /**< maps remade with more permissions */
	uint64_t hits;              /**< resolves that found everything mapped already */
	uint64_t full;              /**< resolves refused: table full */
	uint64_t outside;           /**< resolves refused: outside the allowed IOVA ranges */
	uint64_t bytes;             /**< bytes mapped now */
};

struct ifd_maptab {
	struct ifd_map_ent *ent;
	uint32_t n, cap;
	uint64_t align;             /**< map granularity (power of two; 4 KiB until set) */
	const struct iommu_iova_range *allowed; /**< sorted; NULL: everything allowed */
	uint32_t n_allowed;
	ifd_map_fn map;
	ifd_unmap_fn unmap;
	void *ctx;
	struct ifd_map_stats stats;
};

/** @return 0, -EINVAL (NULL hook, cap 0), -ENOMEM. */
int ifd_maptab_init(struct ifd_maptab *t, uint32_t cap, ifd_map_fn map, ifd_unmap_fn unmap,
		void *ctx);
/** Free the table (does not unmap: call ifd_maptab_drop(t, 0, 0) first). */
void ifd_maptab_fini(struct ifd_maptab *t);

/**
 * Set the granularity (a power of two, at least 4 KiB is used) and the allowed IOVA
 * ranges (kept by pointer: the caller owns the array; NULL/0: everything allowed).
 *
 * @return 0, -EINVAL (align not a power of two).
 */
int ifd_maptab_set_iova(struct ifd_maptab *t, uint64_t align,
		const struct iommu_iova_range *allowed, uint32_t n);

/** Whether [a, b) lies inside one of the n ranges (r NULL: true). */
bool ifd_iova_inside(const struct iommu_iova_range *r, uint32_t n, uint64_t a, uint64_t b);

/**
 * Make [addr, addr + len) mapped at IOVA == VA with at least perm (rounded out to the
 * table's align).
 *
 * @return 0, or -EINVAL (len 0, range wraps or reaches the kernel half, or lies outside
 *   the allowed IOVA ranges: logged), -ENOSPC (table full), or the map hook's errno
 *   (-ENOMEM over RLIMIT_MEMLOCK, -EFAULT, ...).
 */
int ifd_maptab_resolve(struct ifd_maptab *t, uint64_t addr, uint64_t len, uint32_t perm);

/**
 * Unmap every map overlapping [addr, addr + len); len 0 unmaps everything.
 *
 * @return The number of maps removed (unmap errors are counted and logged: the entry is
 *   forgotten either way, the kernel frees it with the IOAS at the latest).
 */
unsigned int ifd_maptab_drop(struct ifd_maptab *t, uint64_t addr, uint64_t len);

#endif /* IFD_MAP_H */
