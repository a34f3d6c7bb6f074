/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef SVA_PROCFS_UAPI_H
#define SVA_PROCFS_UAPI_H

/*
 * Two ioctls on /proc/self files that Debian 12's 6.1 headers lack (linux/fs.h):
 *  - PROCMAP_QUERY (Linux 6.11+, on /proc/self/maps): the mapping that holds an
 *    address, with its permissions and page size (a hugetlb mapping's huge page size);
 *  - PAGEMAP_SCAN (Linux 6.7+, on /proc/self/pagemap): the pages of a range, as
 *    regions of pages in the same categories.
 * The one definition for every user in the tree: lib/iopf's mappings snapshot, the emu
 * driver's page walk and sva-doctor (which links no library, hence a header and static
 * inline code, not a function of lib/iommu). In-tree driver API: it sits with
 * sva_iommu_driver.h in lib/iommu, whose include directory every driver has; it is not
 * installed (applications have no use for it; a driver built out of the tree has
 * linux/fs.h from a kernel new enough, or its own copy). Names carry an sva_ prefix so
 * that a file may also include a linux/fs.h that defines the kernel's own.
 * Struct sizes are pinned: the kernel tells versions of these structs apart by size.
 */

#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <sys/ioctl.h>

/* ---- PROCMAP_QUERY ---- */

struct sva_procmap_query {
	uint64_t size;          /* sizeof(struct sva_procmap_query) */
	uint64_t query_flags;
	uint64_t query_addr;
	uint64_t vma_start;
	uint64_t vma_end;
	uint64_t vma_flags;     /* SVA_PROCMAP_QUERY_VMA_* */
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

/* vma_flags */
#define SVA_PROCMAP_QUERY_VMA_READABLE   0x01
#define SVA_PROCMAP_QUERY_VMA_WRITABLE   0x02
#define SVA_PROCMAP_QUERY_VMA_EXECUTABLE 0x04
#define SVA_PROCMAP_QUERY_VMA_SHARED     0x08

#define SVA_PROCMAP_QUERY _IOWR('f', 17, struct sva_procmap_query)

/*
 * The mapping that holds addr (query_flags 0: not the next one), asked through fd, an
 * open /proc/self/maps: 0 and *q filled, or a negative errno: -ENOENT no mapping holds
 * addr; -ENOTTY (or -EINVAL) before Linux 6.11.
 */
static inline int
sva_procmap_query(int fd, uint64_t addr, struct sva_procmap_query *q)
{
	memset(q, 0, sizeof(*q));
	q->size = sizeof(*q);
	q->query_addr = addr;
	return ioctl(fd, SVA_PROCMAP_QUERY, q) == 0 ? 0 : -errno;
}

/* ---- PAGEMAP_SCAN ---- */

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
	uint64_t walk_end;
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

/* page categories */
#define SVA_PAGE_IS_FILE    (1u << 2)
#define SVA_PAGE_IS_PRESENT (1u << 3)
#define SVA_PAGE_IS_SWAPPED (1u << 4)
#define SVA_PAGE_IS_PFNZERO (1u << 5)
#define SVA_PAGE_IS_HUGE    (1u << 6)

#define SVA_PAGEMAP_SCAN _IOWR('f', 16, struct sva_pm_scan_arg)

#endif /* SVA_PROCFS_UAPI_H */
