/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef SVA_PROCMAP_PVT_H
#define SVA_PROCMAP_PVT_H

/*
 * The /proc ioctls of linux/fs.h that Debian 12's 6.1 headers lack, defined once for
 * lib/iopf (mappings snapshot, resolver) and the emu driver's page walk; private to
 * svapoll, not installed. Struct sizes are pinned to the kernel's uAPI.
 *  - PROCMAP_QUERY (Linux 6.11+): the mapping that holds an address, with its page
 *    size, through an ioctl on /proc/self/maps.
 *  - PAGEMAP_SCAN (Linux 6.7+): the page states of a range as regions of pages with
 *    the same categories, through an ioctl on /proc/self/pagemap.
 */

#include <stdint.h>
#include <sys/ioctl.h>

struct sva_procmap_query {
	uint64_t size;          /* sizeof(struct sva_procmap_query) */
	uint64_t query_flags;
	uint64_t query_addr;
	uint64_t vma_start;
	uint64_t vma_end;
	uint64_t vma_flags;
	uint64_t vma_page_size;
	uint64_t vma_offset;
	uint64_t inode;
	uint32_t dev_major;
	uint32_t dev_minor;
	uint32_t vma_name_size;
	uint32_t build_id_size;
	uint64_t vma_name_addr;
	uint64_t build_id_addr;
};

_Static_assert(sizeof(struct sva_procmap_query) == 104, "struct procmap_query is 104 bytes");

#define SVA_PROCMAP_QUERY _IOWR('f', 17, struct sva_procmap_query)

struct sva_page_region {
	uint64_t start;
	uint64_t end;
	uint64_t categories;    /* SVA_PAGE_IS_* */
};

struct sva_pm_scan_arg {
	uint64_t size;          /* sizeof(struct sva_pm_scan_arg) */
	uint64_t flags;
	uint64_t start;
	uint64_t end;
	uint64_t walk_end;      /* out: where the walk stopped (vec full, or end) */
	uint64_t vec;           /* struct sva_page_region[vec_len] */
	uint64_t vec_len;
	uint64_t max_pages;
	uint64_t category_inverted;
	uint64_t category_mask;
	uint64_t category_anyof_mask;
	uint64_t return_mask;
};

_Static_assert(sizeof(struct sva_page_region) == 24, "struct page_region is 24 bytes");
_Static_assert(sizeof(struct sva_pm_scan_arg) == 96, "struct pm_scan_arg is 96 bytes");

#define SVA_PAGE_IS_WPALLOWED (1u << 0)
#define SVA_PAGE_IS_WRITTEN (1u << 1)
#define SVA_PAGE_IS_FILE (1u << 2)
#define SVA_PAGE_IS_PRESENT (1u << 3)
#define SVA_PAGE_IS_SWAPPED (1u << 4)
#define SVA_PAGE_IS_PFNZERO (1u << 5)
#define SVA_PAGE_IS_HUGE (1u << 6)
#define SVA_PAGEMAP_SCAN _IOWR('f', 16, struct sva_pm_scan_arg)

#endif /* SVA_PROCMAP_PVT_H */
