/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Queue memory: NUMA-local, on a 2 MiB hugepage when one is free (a queue that the
 * poll lcore reads millions of times a second should not cost TLB misses), else on
 * 4 KiB pages, said in the log. The policy is set before the first touch so the pages
 * land on the node asked for.
 */
#include <errno.h>
#include <numa.h>
#include <string.h>
#include <sys/mman.h>

#include "emu_pvt.h"

static void *
map_on_node(size_t len, int flags, int node)
{
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | flags,
		-1, 0);

	if (p == MAP_FAILED)
		return NULL;
	if (node >= 0 && numa_available() >= 0)
		numa_tonode_memory(p, len, node);
	memset(p, 0, len);   /* first touch, after the policy: zeroed as the model needs */
	return p;
}

void *
emu_queue_mem_alloc(size_t size, int node, size_t *map_size, bool *huge)
{
	size_t len = RTE_ALIGN_CEIL(size, EMU_HUGE_SIZE);
	void *p;
	int err;

	p = map_on_node(len, MAP_HUGETLB, node);
	if (p != NULL) {
		*map_size = len;
		*huge = true;
		return p;
	}
	err = errno;
	len = RTE_ALIGN_CEIL(size, EMU_PAGE_SIZE);
	p = map_on_node(len, 0, node);
	if (p == NULL) {
		EMU_LOG(ERR, "cannot map %zu bytes of queue memory: %s", len, strerror(errno));
		return NULL;
	}
	EMU_LOG(NOTICE, "no free 2 MiB hugepage for the queues (%s): using 4 KiB pages; reserve "
		"hugepages (e.g. echo 64 > /proc/sys/vm/nr_hugepages) to avoid TLB misses",
		strerror(err));
	*map_size = len;
	*huge = false;
	return p;
}

void
emu_queue_mem_free(void *mem, size_t map_size)
{
	if (mem != NULL)
		munmap(mem, map_size);
}
