/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef TEST_PAGEMAP_H
#define TEST_PAGEMAP_H

#include <stddef.h>

/* What /proc/self/pagemap says of the 4 KiB page holding an address: how tests see
 * whether the fault path really made a page present, and for write. */

enum test_page_state {
	TEST_PAGE_ABSENT = 0,
	TEST_PAGE_WRITTEN = 1, /* present and exclusively mapped (populated for write) */
	TEST_PAGE_SHARED = 2,  /* present, not exclusive (e.g. the zero page after a read) */
};

/* enum test_page_state, or -1 when pagemap cannot be read. */
int test_page_state(const void *addr);

/* 1 present, 0 absent, -1 when pagemap cannot be read. */
static inline int
test_page_present(const void *addr)
{
	int s = test_page_state(addr);

	return s < 0 ? s : s != TEST_PAGE_ABSENT;
}

/* MADV_NOHUGEPAGE on every page holding [p, p + len) (malloc's pointers are not page
 * aligned, and madvise refuses those), so that counts per 4 KiB page hold in any THP
 * mode. 0 or -errno. */
int test_no_thp(const void *p, size_t len);

#endif /* TEST_PAGEMAP_H */
