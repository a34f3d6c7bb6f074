/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * vsva_autotest, the guest <-> host PASID map (sva_vpasid, issue 13 item 2): map,
 * find both ways, quotas, refusals by errno, and lock-free readers racing with
 * map / unmap.
 */
#include <inttypes.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>

#include <rte_cycles.h>
#include <rte_errno.h>
#include <rte_launch.h>
#include <rte_lcore.h>
#include <rte_pause.h>
#include <rte_ring.h>
#include <rte_ring_elem.h>

#include "test_vsva.h"

int
test_vpasid_map(void)
{
	struct sva_pasid_set_stats ss;
	struct sva_pasid_space *space;
	struct sva_pasid_set *plain;
	struct sva_vpasid_vm *a, *b, *vm;
	uint32_t ha5, hb5, ha6, h, g, p;

	space = sva_pasid_space_create("vp_map", 4, 0); /* host PASIDs 1..15 */
	TEST_ASSERT_NOT_NULL(space, "space");
	TEST_ASSERT_NULL_ERRNO(sva_vpasid_vm_create(NULL, "a", 0, 8, 0), EINVAL);
	TEST_ASSERT_NULL_ERRNO(sva_vpasid_vm_create(space, NULL, 0, 8, 0), EINVAL);
	TEST_ASSERT_NULL_ERRNO(sva_vpasid_vm_create(space, "a", 0, 0, 0), EINVAL);
	TEST_ASSERT_NULL_ERRNO(sva_vpasid_vm_create(space, "a", 0, 21, 0), EINVAL);
	TEST_ASSERT_NULL_ERRNO(sva_vpasid_vm_create(space, "a", 0, 8, 2), EINVAL);
	a = sva_vpasid_vm_create(space, "a", 2, 8, 0);      /* quota 2, guest PASIDs 1..255 */
	TEST_ASSERT_NOT_NULL(a, "vm a");
	TEST_ASSERT_NULL_ERRNO(sva_vpasid_vm_create(space, "a", 0, 8, 0), EEXIST);
	b = sva_vpasid_vm_create(space, "b", 0, 20, SVA_VPASID_VM_ALLOW_ZERO);
	TEST_ASSERT_NOT_NULL(b, "vm b");
	plain = sva_pasid_set_create(space, "plain", 0, NULL, SVA_BOND_PASID_TYPE,
		SVA_PASID_SET_SEARCHABLE);
	TEST_ASSERT_NOT_NULL(plain, "plain set");
	TEST_ASSERT(sva_vpasid_vm_of_set(sva_vpasid_vm_set(a)) == a, "vm of its set");
	TEST_ASSERT_NULL(sva_vpasid_vm_of_set(plain), "a plain set is no VM's");
	TEST_ASSERT_NULL(sva_vpasid_vm_of_set(NULL), "NULL");
	TEST_ASSERT_NULL(sva_vpasid_vm_set(NULL), "NULL");

	/* refusals, each with its errno */
	TEST_ASSERT_RET(sva_vpasid_map(NULL, 5, &h), -EINVAL);
	TEST_ASSERT_RET(sva_vpasid_map(a, 5, NULL), -EINVAL);
	TEST_ASSERT_RET(sva_vpasid_map(a, 256, &h), -EINVAL);   /* beyond 8 guest bits */
	TEST_ASSERT_RET(sva_vpasid_map(a, 0, &h), -EINVAL);     /* 0 without ALLOW_ZERO */
	TEST_ASSERT_RET(sva_vpasid_map(a, 5, &ha5), 0);
	TEST_ASSERT_RET(sva_vpasid_map(a, 5, &h), -EEXIST);
	TEST_ASSERT_RET(sva_vpasid_map(a, 6, &ha6), 0);
	TEST_ASSERT_RET(sva_vpasid_map(a, 7, &h), -EDQUOT);     /* the VM's quota */
	TEST_ASSERT_SUCCESS(sva_pasid_set_stats_get(sva_vpasid_vm_set(a), &ss), "stats");
	TEST_ASSERT_EQUAL(ss.in_use, 2, "two host PASIDs");
	TEST_ASSERT_EQUAL(ss.quota_failures, 1, "quota refusal counted");
	/* the same guest PASIDs in another VM: other host PASIDs */
	TEST_ASSERT_RET(sva_vpasid_map(b, 5, &hb5), 0);
	TEST_ASSERT_NOT_EQUAL(hb5, ha5, "VMs never share a host PASID");
	TEST_ASSERT_NOT_EQUAL(hb5, ha6, "VMs never share a host PASID");
	TEST_ASSERT_RET(sva_vpasid_map(b, 0, &h), 0);           /* ALLOW_ZERO */
	TEST_ASSERT_RET(sva_vpasid_map(b, (1u << 20) - 1, &h), 0);
	TEST_ASSERT_RET(sva_vpasid_map(b, 1u << 20, &h), -EINVAL);
	/* fill the 4-bit host space: 15 PASIDs, 5 taken */
	for (uint32_t i = 100; i < 110; i++)
		TEST_ASSERT_RET(sva_vpasid_map(b, i, &h), 0);
	TEST_ASSERT_RET(sva_vpasid_map(b, 110, &h), -ENOSPC);

	/* both directions */
	TEST_ASSERT_RET(sva_vpasid_find(a, 5, &h), 0);
	TEST_ASSERT_EQUAL(h, ha5, "a: 5");
	TEST_ASSERT_RET(sva_vpasid_find(b, 5, &h), 0);
	TEST_ASSERT_EQUAL(h, hb5, "b: 5");
	TEST_ASSERT_RET(sva_vpasid_find(a, 7, &h), -ENOENT);
	TEST_ASSERT_RET(sva_vpasid_find(a, 1000, &h), -ENOENT);  /* beyond its width */
	TEST_ASSERT_RET(sva_vpasid_find_host(space, ha5, &vm, &g), 0);
	TEST_ASSERT(vm == a && g == 5, "ha5 -> (a, 5)");
	TEST_ASSERT_RET(sva_vpasid_find_host(space, hb5, &vm, &g), 0);
	TEST_ASSERT(vm == b && g == 5, "hb5 -> (b, 5)");
	TEST_ASSERT_RET(sva_vpasid_find_host(space, ha6, NULL, NULL), 0);
	TEST_ASSERT_RET(sva_vpasid_find_host(space, 16, &vm, &g), -ENOENT);
	/* a host PASID of another type, searchable or not */
	TEST_ASSERT_RET(sva_vpasid_unmap(b, 109), 0);
	TEST_ASSERT_RET(sva_pasid_reclaim(space), 1);
	TEST_ASSERT_RET(sva_pasid_alloc(plain, 0, UINT32_MAX, NULL, &p), 0);
	TEST_ASSERT_RET(sva_vpasid_find_host(space, p, &vm, &g), -EPROTOTYPE);
	TEST_ASSERT_SUCCESS(sva_pasid_free(plain, p), "free");

	/* references: a bound mapping cannot go */
	TEST_ASSERT_RET(sva_vpasid_get(a, 6, &h), 0);
	TEST_ASSERT_EQUAL(h, ha6, "get gives the host PASID");
	TEST_ASSERT_RET(sva_vpasid_get(a, 7, &h), -ENOENT);
	TEST_ASSERT_RET(sva_vpasid_get(a, 0, &h), -EINVAL);
	TEST_ASSERT_RET(sva_vpasid_unmap(a, 6), -EBUSY);
	TEST_ASSERT_RET(sva_vpasid_put(a, 6), 0);
	TEST_ASSERT_RET(sva_vpasid_put(a, 6), -ENOENT);
	TEST_ASSERT_RET(sva_vpasid_put(NULL, 6), -EINVAL);

	/* unmap: gone both ways at once; the other VM's 5 untouched */
	TEST_ASSERT_RET(sva_vpasid_unmap(NULL, 5), -EINVAL);
	TEST_ASSERT_RET(sva_vpasid_unmap(a, 300), -EINVAL);
	TEST_ASSERT_RET(sva_vpasid_unmap(a, 7), -ENOENT);
	TEST_ASSERT_RET(sva_vpasid_unmap(a, 5), 0);
	TEST_ASSERT_RET(sva_vpasid_find(a, 5, &h), -ENOENT);
	TEST_ASSERT_RET(sva_vpasid_find_host(space, ha5, &vm, &g), -ENOENT);
	TEST_ASSERT_RET(sva_vpasid_find(b, 5, &h), 0);
	TEST_ASSERT_EQUAL(h, hb5, "b keeps its 5");
	TEST_ASSERT_RET(sva_vpasid_unmap(a, 5), -ENOENT);
	/* quota room again */
	TEST_ASSERT_RET(sva_vpasid_map(a, 7, &h), 0);

	TEST_ASSERT_RET(sva_vpasid_vm_destroy(NULL), -EINVAL);
	TEST_ASSERT_RET(sva_vpasid_vm_destroy(a), -EBUSY);
	TEST_ASSERT_RET(sva_vpasid_unmap(a, 6), 0);
	TEST_ASSERT_RET(sva_vpasid_unmap(a, 7), 0);
	TEST_ASSERT_RET(sva_vpasid_vm_destroy(a), 0);
	TEST_ASSERT_RET(sva_vpasid_unmap(b, 5), 0);
	TEST_ASSERT_RET(sva_vpasid_unmap(b, 0), 0);
	TEST_ASSERT_RET(sva_vpasid_unmap(b, (1u << 20) - 1), 0);
	for (uint32_t i = 100; i < 109; i++)
		TEST_ASSERT_RET(sva_vpasid_unmap(b, i), 0);
	TEST_ASSERT_RET(sva_vpasid_vm_destroy(b), 0);
	TEST_ASSERT_SUCCESS(sva_pasid_set_destroy(plain, 0), "plain");
	TEST_ASSERT_SUCCESS(sva_pasid_space_destroy(space), "space");
	return TEST_SUCCESS;
}

/*
 * A reader finds in both directions while the main thread maps and unmaps the same
 * guest PASIDs in two VMs, in a host space small enough that host PASIDs are reused
 * all the time. Within one read-side section, a host PASID found for (vm, g) is never
 * seen as another VM's or another guest PASID's (it is not reused before the reader's
 * next quiescent state), and nothing a reader reads is freed under it (ASan, TSan).
 */
#define VP_RACE_ROUNDS 3000
#define VP_RACE_G 4

struct vp_race {
	struct sva_pasid_space *space;
	struct sva_vpasid_vm *vm[2];
	unsigned int tid;
	uint32_t stop, done;
	uint64_t finds, hits, wrong, host_hits;
};

static int
vp_reader(void *arg)
{
	struct vp_race *r = arg;

	if (sva_pasid_reader_register(r->space, r->tid) != 0) {
		r->wrong = UINT64_MAX;
		return -1;
	}
	while (!__atomic_load_n(&r->stop, __ATOMIC_ACQUIRE)) {
		for (unsigned int v = 0; v < 2; v++) {
			for (uint32_t g = 1; g <= VP_RACE_G; g++) {
				struct sva_vpasid_vm *vm;
				uint32_t h, g2;
				int ret;

				r->finds++;
				if (sva_vpasid_find(r->vm[v], g, &h) != 0)
					continue;
				r->hits++;
				ret = sva_vpasid_find_host(r->space, h, &vm, &g2);
				if (ret == 0) {
					r->host_hits++;
					if (vm != r->vm[v] || g2 != g)
						r->wrong++;
				} else if (ret != -ENOENT) {
					r->wrong++;
				}
			}
		}
		sva_pasid_reader_quiescent(r->space, r->tid);
	}
	sva_pasid_reader_unregister(r->space, r->tid);
	/* publish the counts (TSan does not see rte_eal_wait_lcore() order them) */
	__atomic_store_n(&r->done, 1, __ATOMIC_RELEASE);
	return 0;
}

int
test_vpasid_concurrency(void)
{
	static struct vp_race r;
	unsigned int lcore = rte_get_next_lcore(-1, 1, 0);
	uint32_t h, seed = 12345;
	uint64_t maps = 0, unmaps = 0;

	if (lcore >= RTE_MAX_LCORE)
		return TEST_SKIPPED;
	memset(&r, 0, sizeof(r));
	r.space = sva_pasid_space_create("vp_race", 4, 0); /* 15 host PASIDs */
	TEST_ASSERT_NOT_NULL(r.space, "space");
	r.vm[0] = sva_vpasid_vm_create(r.space, "r0", 0, 4, 0);
	r.vm[1] = sva_vpasid_vm_create(r.space, "r1", 0, 4, 0);
	TEST_ASSERT(r.vm[0] != NULL && r.vm[1] != NULL, "vms");
	r.tid = lcore;
	TEST_ASSERT_SUCCESS(rte_eal_remote_launch(vp_reader, &r, lcore), "launch");
	for (unsigned int i = 0; i < VP_RACE_ROUNDS; i++) {
		unsigned int v;
		uint32_t g;
		int ret;

		seed = seed * 1103515245u + 12345u;
		v = (seed >> 16) & 1;
		g = 1 + ((seed >> 17) % VP_RACE_G);
		if (sva_vpasid_find(r.vm[v], g, &h) == 0) {
			TEST_ASSERT_RET(sva_vpasid_unmap(r.vm[v], g), 0);
			unmaps++;
		} else {
			ret = sva_vpasid_map(r.vm[v], g, &h);
			/* the space can be short of reclaimed PASIDs for a moment */
			TEST_ASSERT(ret == 0 || ret == -ENOSPC, "map: %d", ret);
			maps += ret == 0;
		}
	}
	__atomic_store_n(&r.stop, 1, __ATOMIC_RELEASE);
	while (!__atomic_load_n(&r.done, __ATOMIC_ACQUIRE))
		rte_pause();
	TEST_ASSERT_SUCCESS(rte_eal_wait_lcore(lcore), "reader");
	printf("    %" PRIu64 " maps, %" PRIu64 " unmaps; reader: %" PRIu64 " finds, %" PRIu64
		" hits, %" PRIu64 " host hits\n", maps, unmaps, r.finds, r.hits, r.host_hits);
	TEST_ASSERT_EQUAL(r.wrong, 0, "a reader saw another VM's or guest PASID's mapping");
	TEST_ASSERT_GREATER(maps, VP_RACE_ROUNDS / 4, "maps happened");
	TEST_ASSERT_GREATER(r.hits, 0, "the reader found mappings");
	for (unsigned int v = 0; v < 2; v++)
		for (uint32_t g = 1; g <= VP_RACE_G; g++)
			if (sva_vpasid_find(r.vm[v], g, &h) == 0)
				TEST_ASSERT_RET(sva_vpasid_unmap(r.vm[v], g), 0);
	TEST_ASSERT_RET(sva_vpasid_vm_destroy(r.vm[0]), 0);
	TEST_ASSERT_RET(sva_vpasid_vm_destroy(r.vm[1]), 0);
	TEST_ASSERT_SUCCESS(sva_pasid_space_destroy(r.space), "space");
	return TEST_SUCCESS;
}
