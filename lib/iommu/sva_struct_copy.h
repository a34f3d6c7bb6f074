/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef SVA_STRUCT_COPY_H
#define SVA_STRUCT_COPY_H

/*
 * Sized structs: the libraries' one rule for a caller's struct that grows by appended
 * fields and says its own size in a leading `uint32_t size` (README, "API and ABI").
 * Read the way Linux's copy_struct_from_user() reads clone_args, open_how or sched_attr:
 *  - size 0: the struct of a caller that never set it: taken as the first layout
 *    (ver0_size, the fields the struct had when it gained `size`);
 *  - a size below ver0_size (and not 0): no layout ever had it: -EINVAL;
 *  - a size up to the library's: the fields that fit are read, the rest taken as 0
 *    (an appended field's zero value keeps the old behaviour);
 *  - a size above the library's (a caller built against a newer header): accepted
 *    when every byte the library does not know is zero (the caller left the new
 *    fields at their old behaviour), else -E2BIG: the caller asked for something this
 *    library cannot do, and silently ignoring it would be wrong. Above
 *    SVA_STRUCT_SIZE_MAX, -E2BIG without reading (a wild size).
 * Internal (not installed), header-only: lib/iopf's conf structs and lib/sva's bind
 * params call it, each logging its refusals in its own words.
 */

#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

/** Largest size a caller's sized struct may claim (Linux caps at a page too). */
#define SVA_STRUCT_SIZE_MAX 4096u

/*
 * Copy the caller's struct src, of usize bytes (its `size` field), into dst, the
 * library's struct of ksize bytes, by the rules above. ver0_size: the first layout's
 * size (the end of its last field), 0 < ver0_size <= ksize.
 * @return 0 (dst filled: usize bytes copied, the rest of ksize zeroed), or -EINVAL
 *   (0 < usize < ver0_size), or -E2BIG (usize > SVA_STRUCT_SIZE_MAX, or a non-zero byte
 *   of src beyond ksize); dst is untouched on error.
 */
static inline int
sva_struct_copy_in(void *dst, size_t ksize, const void *src, size_t usize, size_t ver0_size)
{
	const uint8_t *s = (const uint8_t *)src;
	size_t n;

	if (usize == 0)
		usize = ver0_size;
	if (usize < ver0_size)
		return -EINVAL;
	if (usize > SVA_STRUCT_SIZE_MAX)
		return -E2BIG;
	for (size_t i = ksize; i < usize; i++)
		if (s[i] != 0)
			return -E2BIG;
	n = usize < ksize ? usize : ksize;
	memcpy(dst, src, n);
	memset((uint8_t *)dst + n, 0, ksize - n);
	return 0;
}

#endif /* SVA_STRUCT_COPY_H */
