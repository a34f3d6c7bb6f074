/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef PASID_BITMAP_PVT_H
#define PASID_BITMAP_PVT_H

/*
 * A hierarchical "busy" bitmap: level 0 has one bit per PASID (1 = not allocatable);
 * a bit of level k+1 is set exactly when word k of level k is full. The top level is a
 * single word. Finding the lowest zero bit at or above a position therefore looks at
 * one word per level on the way up and one per level on the way down: four levels
 * (16 KiB words, 256, 4, 1) for a 20-bit space, whatever the occupancy.
 *
 * DPDK's rte_bitmap is two-level too, but its scan is a stateful iterator over set
 * bits with no "first zero at or above min" query, which allocation in a range needs.
 *
 * Not thread safe: the space lock protects it.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PASID_BITMAP_LEVELS_MAX 5
#define PASID_BITMAP_NONE UINT32_MAX

struct pasid_bitmap {
	uint32_t nbits;
	uint32_t levels;
	uint32_t lvl_bits[PASID_BITMAP_LEVELS_MAX];  /* bits in use at each level */
	uint64_t *lvl[PASID_BITMAP_LEVELS_MAX];      /* words of each level, one allocation */
};

/* Allocate for nbits (1 .. 2^24) bits, all clear. Returns the bytes allocated, or 0. */
size_t pasid_bitmap_init(struct pasid_bitmap *bm, uint32_t nbits);
void pasid_bitmap_fini(struct pasid_bitmap *bm);

static inline bool
pasid_bitmap_test(const struct pasid_bitmap *bm, uint32_t bit)
{
	return (bm->lvl[0][bit >> 6] >> (bit & 63)) & 1;
}

/* Mark a bit busy (it must be clear). */
void pasid_bitmap_set(struct pasid_bitmap *bm, uint32_t bit);
/* Mark a bit allocatable (it must be set). */
void pasid_bitmap_clear(struct pasid_bitmap *bm, uint32_t bit);
/* Lowest clear bit >= from, or PASID_BITMAP_NONE. */
uint32_t pasid_bitmap_find_zero(const struct pasid_bitmap *bm, uint32_t from);

#endif /* PASID_BITMAP_PVT_H */
