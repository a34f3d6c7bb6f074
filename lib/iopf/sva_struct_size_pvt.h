/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef SVA_STRUCT_SIZE_PVT_H
#define SVA_STRUCT_SIZE_PVT_H

/*
 * The growth rule of svapoll's conf structs (README "API and ABI", "Structs and
 * growth"): a struct that can grow leads with `uint32_t size`, set by the caller to
 * sizeof(the struct it was built with). 0 means the SVA_0.1 layout: only the fields
 * that struct had then are read (today's zeroed callers keep working, and an appended
 * field's zero value keeps the old behaviour). Header-only, so lib/iopf
 * (sva_iopf_conf) and lib/sva (sva_bind_params) share one rule without an export.
 */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

/*
 * Copy a caller's sized struct into dst (the library's own full-size view, dst_size
 * bytes), zeroing every field the caller's version does not have.
 *  - size 0: the SVA_0.1 layout, v0_size bytes (the size field itself reads 0);
 *  - v0_size <= size <= dst_size: that many bytes (a caller built against an older
 *    version; the fields it lacks read 0);
 *  - size > dst_size: a caller built against a newer version: accepted only when every
 *    byte this library does not know is zero (it asks for nothing we cannot do), else
 *    -E2BIG;
 *  - 0 < size < v0_size: -EINVAL (no version was ever that small).
 * Returns 0 or the negative errno; *why says in words what was refused (for the log).
 */
static inline int
sva_struct_size_copy(void *dst, size_t dst_size, const void *src, size_t v0_size,
		const char **why)
{
	uint32_t size;

	memcpy(&size, src, sizeof(size));
	memset(dst, 0, dst_size);
	if (size == 0) {
		memcpy(dst, src, v0_size);
		return 0;
	}
	if (size < v0_size) {
		*why = "size is below the smallest layout (set it to sizeof the struct, or 0)";
		return -EINVAL;
	}
	if (size > dst_size) {
		const unsigned char *tail = (const unsigned char *)src + dst_size;

		for (size_t i = 0; i < size - dst_size; i++) {
			if (tail[i] != 0) {
				*why = "the struct is from a newer svapoll and sets fields this "
					"one does not know";
				return -E2BIG;
			}
		}
		size = (uint32_t)dst_size;
	}
	memcpy(dst, src, size);
	return 0;
}

#endif /* SVA_STRUCT_SIZE_PVT_H */
