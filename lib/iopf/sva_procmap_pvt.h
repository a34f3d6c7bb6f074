/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef SVA_PROCMAP_PVT_H
#define SVA_PROCMAP_PVT_H

/*
 * PROCMAP_QUERY (linux/fs.h, Linux 6.11+; Debian 12's headers lack it): ask the
 * kernel for the mapping that holds an address, with its page size, through an ioctl
 * on /proc/self/maps. One definition for lib/iopf's mappings snapshot and the emu
 * driver's page walk; private to svapoll, not installed.
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

#endif /* SVA_PROCMAP_PVT_H */
