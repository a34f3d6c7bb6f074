/* SPDX-License-Identifier: BSD-3-Clause */
#include <stdlib.h>

#include "pasid_bitmap_pvt.h"

#define WORD_BITS 64u

static uint32_t
words_for(uint32_t bits)
{
	return (bits + WORD_BITS - 1) / WORD_BITS;
}

size_t
pasid_bitmap_init(struct pasid_bitmap *bm, uint32_t nbits)
{
	uint32_t levels = 0, total_words = 0, bits = nbits;
	uint64_t *words;

	if (nbits == 0 || nbits > (1u << 24))
		return 0;
	/* Levels until one word covers the whole level. */
	for (;;) {
		bm->lvl_bits[levels] = bits;
		total_words += words_for(bits);
		levels++;
		if (bits <= WORD_BITS)
			break;
		bits = words_for(bits);
	}
	words = calloc(total_words, sizeof(*words));
	if (words == NULL)
		return 0;
	bm->nbits = nbits;
	bm->levels = levels;
	for (uint32_t l = 0; l < levels; l++) {
		uint32_t n = bm->lvl_bits[l], last = words_for(n) - 1;

		bm->lvl[l] = words;
		words += words_for(n);
		/*
		 * Bits past the end of a level are busy so a search never returns them. The
		 * last word always keeps at least one real bit, so this never fills a word.
		 */
		if (n % WORD_BITS != 0)
			bm->lvl[l][last] = ~((UINT64_C(1) << (n % WORD_BITS)) - 1);
	}
	return (size_t)total_words * sizeof(*words);
}

void
pasid_bitmap_fini(struct pasid_bitmap *bm)
{
	free(bm->lvl[0]);
	bm->lvl[0] = NULL;
	bm->levels = 0;
}

void
pasid_bitmap_set(struct pasid_bitmap *bm, uint32_t bit)
{
	for (uint32_t l = 0; l < bm->levels; l++) {
		uint64_t *w = &bm->lvl[l][bit / WORD_BITS];

		*w |= UINT64_C(1) << (bit % WORD_BITS);
		if (*w != UINT64_MAX)
			return;
		bit /= WORD_BITS; /* the word became full: tell the level above */
	}
}

void
pasid_bitmap_clear(struct pasid_bitmap *bm, uint32_t bit)
{
	for (uint32_t l = 0; l < bm->levels; l++) {
		uint64_t *w = &bm->lvl[l][bit / WORD_BITS];
		bool was_full = *w == UINT64_MAX;

		*w &= ~(UINT64_C(1) << (bit % WORD_BITS));
		if (!was_full)
			return;
		bit /= WORD_BITS; /* the word is no longer full: tell the level above */
	}
}

/* Lowest clear bit >= pos at level l: one word here, then (if full) ask the level above
 * for the next word that is not full, whose lowest clear bit is the answer. */
static uint32_t
find_zero(const struct pasid_bitmap *bm, uint32_t l, uint32_t pos)
{
	uint32_t wi;
	uint64_t v;

	if (pos >= bm->lvl_bits[l])
		return PASID_BITMAP_NONE;
	wi = pos / WORD_BITS;
	v = bm->lvl[l][wi] | ((UINT64_C(1) << (pos % WORD_BITS)) - 1);
	if (v == UINT64_MAX) {
		if (l + 1 == bm->levels)
			return PASID_BITMAP_NONE; /* the top level is a single word */
		wi = find_zero(bm, l + 1, wi + 1);
		if (wi == PASID_BITMAP_NONE)
			return PASID_BITMAP_NONE;
		v = bm->lvl[l][wi]; /* not full: its parent bit is clear */
	}
	return wi * WORD_BITS + (uint32_t)__builtin_ctzll(~v);
}

uint32_t
pasid_bitmap_find_zero(const struct pasid_bitmap *bm, uint32_t from)
{
	return find_zero(bm, 0, from);
}
