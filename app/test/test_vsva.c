/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * vsva_autotest: the library half of vSVA (issue 13), driven with the synthetic "syn"
 * driver (records injected by the test, no emu walkers): guest data stamped into the
 * bond's records, events and statistics entries; the sized struct sva_bind_params
 * (size 0 = the SVA_0.1 layout); exact errno for every refusal.
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

#include "sva_test.h"
#include "test_iopf_syn.h"
#include "test_pagemap.h"
#include "test_sva_common.h"

#define PG SVA_T_PG

/* Poll the syn iommu from this thread until it has nothing more to do. */
static void
poll_all(void)
{
	for (int i = 0; i < 16 && sva_iopf_poll(ST.iommu, 256) > 0; i++)
		;
}

static int
test_bind_params_size(void)
{
	struct {
		struct sva_bind_params p;
		uint64_t newer[2];  /* a caller built against a bigger struct */
	} big;
	struct sva_bind_params p;
	struct sva_bond *b;

	TEST_ASSERT_SUCCESS(sva_t_open(NULL, "", "rid=0x10"), "open");
	/* the SVA_0.1 layout ends where the vSVA fields start; size 0 reads only it */
	TEST_ASSERT_EQUAL(SVA_BIND_PARAMS_SIZE_V0, offsetof(struct sva_bind_params, gpasid),
		"v0 size");
	memset(&p, 0, sizeof(p));
	p.size = 1;
	TEST_ASSERT_NULL_ERRNO(sva_t_bind(&p), EINVAL);
	p.size = SVA_BIND_PARAMS_SIZE_V0 - 4;
	TEST_ASSERT_NULL_ERRNO(sva_t_bind(&p), EINVAL);
	/* guest data needs a size that covers it: 0 (the v0 layout) does not */
	p.size = 0;
	p.flags = SVA_BIND_GUEST_DATA;
	p.gpasid = 5;
	TEST_ASSERT_NULL_ERRNO(sva_t_bind(&p), EINVAL);
	p.size = SVA_BIND_PARAMS_SIZE_V0;
	TEST_ASSERT_NULL_ERRNO(sva_t_bind(&p), EINVAL);
	p.size = sizeof(p);
	p.gpasid = 1u << 20;
	TEST_ASSERT_NULL_ERRNO(sva_t_bind(&p), EINVAL);
	/* size 0 ignores what lies past the v0 fields: gpasid 1 << 20 is not even read */
	p.size = 0;
	p.flags = 0;
	b = sva_t_bind(&p);
	TEST_ASSERT_NOT_NULL(b, "size 0 bind");
	TEST_ASSERT_RET(sva_bond_guest_get(b, NULL, NULL), -ENOENT);
	sva_t_unbind(b);
	/* a newer caller: unknown trailing bytes zero are fine, non-zero E2BIG */
	memset(&big, 0, sizeof(big));
	big.p.size = sizeof(big);
	big.p.flags = SVA_BIND_GUEST_DATA;
	big.p.gpasid = 77;
	big.p.user_cookie = 0xc0ffee;
	big.newer[1] = 1;
	TEST_ASSERT_NULL_ERRNO(sva_t_bind(&big.p), E2BIG);
	big.newer[1] = 0;
	b = sva_t_bind(&big.p);
	TEST_ASSERT_NOT_NULL(b, "bigger size, zero tail");
	TEST_ASSERT_RET(sva_bond_guest_get(NULL, NULL, NULL), -EINVAL);
	{
		uint32_t g = 0;
		uint64_t c = 0;

		TEST_ASSERT_RET(sva_bond_guest_get(b, &g, &c), 0);
		TEST_ASSERT_EQUAL(g, 77, "gpasid");
		TEST_ASSERT_EQUAL(c, 0xc0ffee, "cookie");
	}
	sva_t_unbind(b);
	sva_t_close();
	return TEST_SUCCESS;
}

/* Guest data in every record handed out: an auto-invalid bond's reports of its page
 * requests, and the event queue's unrecoverable faults; a bond without guest data gets
 * none, and the two never mix. Offsets from sva_fault.h's documented places (bytes 56
 * and 64 of the event, record bytes 64 and 72). */
static int
test_guest_data_records(void)
{
	struct sva_bind_params p = { .size = sizeof(p),
		.flags = SVA_BIND_GUEST_DATA | SVA_BIND_AUTO_INVALID | SVA_BIND_EVENT_RING,
		.event_ring_size = 16, .gpasid = 0x12345, .user_cookie = 0xfeedface12345678ull };
	struct sva_bind_params q = { .flags = SVA_BIND_AUTO_INVALID | SVA_BIND_EVENT_RING,
		.event_ring_size = 16 };
	struct sva_iopf_stats st;
	struct sva_fault rec;
	struct sva_bond *g, *h;
	uint32_t u32;
	uint64_t u64;
	char cmd[64], out[4096], want[128];

	TEST_ASSERT_SUCCESS(sva_t_open(NULL, "", "rid=0x10"), "open");
	g = sva_t_bind(&p);
	TEST_ASSERT_NOT_NULL(g, "guest bind");
	h = sva_t_bind(&q);
	TEST_ASSERT_NOT_NULL(h, "plain bind");
	syn_pr(ST.iommu, 0x10, sva_bond_pasid(g), 3, 0x7000, SVA_FAULT_PERM_READ, 1);
	syn_pr(ST.iommu, 0x10, sva_bond_pasid(h), 3, 0x8000, SVA_FAULT_PERM_READ, 1);
	syn_event(ST.iommu, 0x10, sva_bond_pasid(g), 0x9000);
	syn_event(ST.iommu, 0x10, sva_bond_pasid(h), 0xa000);
	poll_all();
	TEST_ASSERT_EQUAL(rte_ring_count(sva_bond_event_ring(g)), 2, "report + event");
	for (int i = 0; i < 2; i++) {
		TEST_ASSERT_EQUAL(rte_ring_dequeue_elem(sva_bond_event_ring(g), &rec, sizeof(rec)),
			0, "record");
		TEST_ASSERT_EQUAL(rec.type, SVA_FAULT_UNRECOV, "type");
		TEST_ASSERT_EQUAL(rec.event.addr, i == 0 ? 0x7000u : 0x9000u, "order");
		TEST_ASSERT(rec.event.flags & SVA_FAULT_UNRECOV_GUEST, "guest flag");
		TEST_ASSERT_EQUAL(rec.event.pasid, sva_bond_pasid(g), "host PASID kept");
		memcpy(&u32, (const uint8_t *)&rec + 8 + 56, 4);
		memcpy(&u64, (const uint8_t *)&rec + 8 + 64, 8);
		TEST_ASSERT_EQUAL(u32, 0x12345, "gpasid at byte 56 of the event");
		TEST_ASSERT_EQUAL(u64, 0xfeedface12345678ull, "cookie at byte 64 of the event");
	}
	TEST_ASSERT_EQUAL(rte_ring_count(sva_bond_event_ring(h)), 2, "plain: report + event");
	for (int i = 0; i < 2; i++) {
		TEST_ASSERT_EQUAL(rte_ring_dequeue_elem(sva_bond_event_ring(h), &rec, sizeof(rec)),
			0, "record");
		TEST_ASSERT_EQUAL(rec.event.flags & SVA_FAULT_UNRECOV_GUEST, 0, "no guest flag");
		TEST_ASSERT_EQUAL(rec.event.gpasid, 0, "no gpasid");
		TEST_ASSERT_EQUAL(rec.event.user_cookie, 0, "no cookie");
	}
	TEST_ASSERT_SUCCESS(sva_stats_get(NULL, g, &st), "stats");
	TEST_ASSERT_EQUAL(st.invalid[SVA_IOPF_R_AUTO_INVALID], 1, "answered Invalid");
	TEST_ASSERT_EQUAL(st.events, 2, "two delivered");
	/* the telemetry entries of the PASID name the guest's */
	snprintf(cmd, sizeof(cmd), "/sva/bond,%u", sva_bond_id(g));
	TEST_ASSERT_SUCCESS(sva_t_telemetry(cmd, out, sizeof(out)), "bond");
	snprintf(want, sizeof(want), "\"gpasid\": %u, \"user_cookie\": %" PRIu64, 0x12345u,
		(uint64_t)0xfeedface12345678ull);
	TEST_ASSERT(strstr(out, want) != NULL, "%s has %s: %s", cmd, want, out);
	TEST_ASSERT(strstr(out, "guest_data") != NULL, "flag name: %s", out);
	snprintf(cmd, sizeof(cmd), "/sva/stats,%u", sva_bond_id(g));
	TEST_ASSERT_SUCCESS(sva_t_telemetry(cmd, out, sizeof(out)), "stats");
	TEST_ASSERT(strstr(out, want) != NULL, "%s has %s: %s", cmd, want, out);
	snprintf(cmd, sizeof(cmd), "/sva/bond,%u", sva_bond_id(h));
	TEST_ASSERT_SUCCESS(sva_t_telemetry(cmd, out, sizeof(out)), "plain bond");
	TEST_ASSERT(strstr(out, "gpasid") == NULL, "plain bond has no guest data: %s", out);
	sva_t_unbind(h);
	sva_t_unbind(g);
	sva_t_close();
	return TEST_SUCCESS;
}

/* ---- the guest <-> host PASID map ---- */

static int
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

static int
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

/* ---- lib/iommu's nested wrappers: the model rules, exact errno ---- */

#define RAM_SIZE (1u << 20)

static struct sva_nested_cfg
vtd_cfg(void *ram)
{
	struct sva_nested_cfg c = { .format = SVA_NESTED_VTD_FL, .flags = SVA_NESTED_SRE,
		.ram = { ram, RAM_SIZE }, .table_gpa = 0x1000 };

	return c;
}

static int
test_nested_rules_vtd(void)
{
	static const struct sva_pgtable mm = { .type = SVA_PGTABLE_PROCESS_MM };
	void *ram = sva_t_map(RAM_SIZE);
	struct sva_nested_cfg c;
	struct sva_iommu *plain, *noinval;
	struct sva_dev *pd, *nd;
	struct syn_iommu *s;

	TEST_ASSERT_NOT_NULL(ram, "guest RAM");
	TEST_ASSERT_SUCCESS(sva_t_open(NULL, "nested=1", "rid=0x10"), "open");
	s = syn_of(ST.iommu);
	c = vtd_cfg(ram);
	TEST_ASSERT_RET(sva_dev_nested_attach(NULL, 5, &c), -EINVAL);
	TEST_ASSERT_RET(sva_dev_nested_attach(ST.dev, 5, NULL), -EINVAL);
	c.format = SVA_NESTED_NONE;
	TEST_ASSERT_RET(sva_dev_nested_attach(ST.dev, 5, &c), -EINVAL);
	c.format = (enum sva_nested_format)99;
	TEST_ASSERT_RET(sva_dev_nested_attach(ST.dev, 5, &c), -EINVAL);
	c = vtd_cfg(ram);
	c.flags = 1u << 7;
	TEST_ASSERT_RET(sva_dev_nested_attach(ST.dev, 5, &c), -EINVAL);
	c = vtd_cfg(ram);
	c.reserved = 1;
	TEST_ASSERT_RET(sva_dev_nested_attach(ST.dev, 5, &c), -EINVAL);
	/* a whole guest table on VT-d: refused, the host owns the PASID table */
	c = vtd_cfg(ram);
	c.format = SVA_NESTED_SMMUV3_CD;
	c.flags = 0;
	TEST_ASSERT_RET(sva_dev_nested_attach(ST.dev, SVA_NESTED_ALL_PASIDS, &c), -EOPNOTSUPP);
	TEST_ASSERT_RET(sva_dev_nested_attach(ST.dev, 5, &c), -EOPNOTSUPP);
	c.format = SVA_NESTED_SELFTEST;                     /* iommufd's mock only */
	TEST_ASSERT_RET(sva_dev_nested_attach(ST.dev, 5, &c), -EOPNOTSUPP);
	/* per PASID only, in range */
	c = vtd_cfg(ram);
	TEST_ASSERT_RET(sva_dev_nested_attach(ST.dev, SVA_NESTED_ALL_PASIDS, &c), -EINVAL);
	TEST_ASSERT_RET(sva_dev_nested_attach(ST.dev, 0, &c), -EINVAL);
	TEST_ASSERT_RET(sva_dev_nested_attach(ST.dev, 1u << 16, &c), -EINVAL);
	/* PML4 4 KiB aligned, its page inside guest RAM */
	c.table_gpa = 0x1800;
	TEST_ASSERT_RET(sva_dev_nested_attach(ST.dev, 5, &c), -EINVAL);
	c.table_gpa = RAM_SIZE;
	TEST_ASSERT_RET(sva_dev_nested_attach(ST.dev, 5, &c), -EINVAL);
	c.table_gpa = UINT64_MAX & ~UINT64_C(0xfff);
	TEST_ASSERT_RET(sva_dev_nested_attach(ST.dev, 5, &c), -EINVAL);
	/* SMMUv3 fields are not VT-d's */
	c = vtd_cfg(ram);
	c.s1cdmax = 1;
	TEST_ASSERT_RET(sva_dev_nested_attach(ST.dev, 5, &c), -EINVAL);
	c = vtd_cfg(ram);
	c.s1fmt = 1;
	TEST_ASSERT_RET(sva_dev_nested_attach(ST.dev, 5, &c), -EINVAL);
	/* guest RAM: page aligned, non-empty, not wrapping */
	c = vtd_cfg(ram);
	c.ram.base = (uint8_t *)ram + 8;
	TEST_ASSERT_RET(sva_dev_nested_attach(ST.dev, 5, &c), -EINVAL);
	c = vtd_cfg(ram);
	c.ram.base = NULL;
	TEST_ASSERT_RET(sva_dev_nested_attach(ST.dev, 5, &c), -EINVAL);
	c = vtd_cfg(ram);
	c.ram.size = 0;
	TEST_ASSERT_RET(sva_dev_nested_attach(ST.dev, 5, &c), -EINVAL);
	c.ram.size = RAM_SIZE + 1;
	TEST_ASSERT_RET(sva_dev_nested_attach(ST.dev, 5, &c), -EINVAL);
	c.ram.size = UINT64_MAX & ~UINT64_C(0xfff);
	TEST_ASSERT_RET(sva_dev_nested_attach(ST.dev, 5, &c), -EINVAL);
	TEST_ASSERT_EQUAL(s->nattach, 0, "nothing refused reached the driver");

	/* good: the last page of guest RAM; the driver sees cfg as given */
	c = vtd_cfg(ram);
	c.table_gpa = RAM_SIZE - PG;
	TEST_ASSERT_RET(sva_dev_nested_attach(ST.dev, 5, &c), 0);
	TEST_ASSERT_EQUAL(s->nattach, 1, "driver called");
	TEST_ASSERT_EQUAL(s->attach_log[0].pasid, 5, "PASID");
	TEST_ASSERT_EQUAL(s->attach_log[0].dev_id, 0x10, "dev");
	TEST_ASSERT(memcmp(&s->attach_log[0].cfg, &c, sizeof(c)) == 0, "cfg");
	TEST_ASSERT_RET(sva_dev_nested_get(ST.dev, 5), 1);
	TEST_ASSERT_RET(sva_dev_nested_get(ST.dev, 6), 0);
	TEST_ASSERT_RET(sva_dev_nested_get(ST.dev, 1u << 16), -EINVAL);
	TEST_ASSERT_RET(sva_dev_nested_get(NULL, 5), -EINVAL);
	/* the PASID has a table now: nested or process, both refused */
	TEST_ASSERT_RET(sva_dev_nested_attach(ST.dev, 5, &c), -EBUSY);
	TEST_ASSERT_RET(sva_dev_attach_pasid(ST.dev, 5, &mm), -EBUSY);
	TEST_ASSERT_RET(sva_dev_attach_pasid(ST.dev, 6, &mm), 0);
	TEST_ASSERT_RET(sva_dev_nested_attach(ST.dev, 6, &c), -EBUSY);
	sva_dev_detach_pasid(ST.dev, 6);
	/* the driver's refusal is passed on, nothing recorded */
	s->nested_ret = -EIO;
	TEST_ASSERT_RET(sva_dev_nested_attach(ST.dev, 6, &c), -EIO);
	s->nested_ret = 0;
	TEST_ASSERT_RET(sva_dev_nested_get(ST.dev, 6), 0);

	/* first-level invalidations: per PASID, a range, everything */
	TEST_ASSERT_RET(sva_dev_nested_inval(NULL, 5, 0, 0), -EINVAL);
	TEST_ASSERT_RET(sva_dev_nested_inval(ST.dev, 5, 0x1001, PG), -EINVAL);
	TEST_ASSERT_RET(sva_dev_nested_inval(ST.dev, 5, 0x1000, 100), -EINVAL);
	TEST_ASSERT_RET(sva_dev_nested_inval(ST.dev, 5, 0x1000, 0), -EINVAL);
	TEST_ASSERT_RET(sva_dev_nested_inval(ST.dev, 5, UINT64_MAX & ~UINT64_C(0xfff), 2 * PG),
		-EINVAL);
	TEST_ASSERT_RET(sva_dev_nested_inval(ST.dev, 7, 0, 0), -ENOENT);
	TEST_ASSERT_RET(sva_dev_nested_inval(ST.dev, SVA_NESTED_ALL_PASIDS, 0, 0), -ENOENT);
	TEST_ASSERT_EQUAL(s->ninval, 0, "nothing refused reached the driver");
	TEST_ASSERT_RET(sva_dev_nested_inval(ST.dev, 5, 0x7f0000000000ull, 16 * PG), 0);
	TEST_ASSERT_RET(sva_dev_nested_inval(ST.dev, 5, 0, 0), 0);
	TEST_ASSERT_EQUAL(s->ninval, 2, "two forwarded");
	TEST_ASSERT(s->inval_log[0].pasid == 5 && s->inval_log[0].addr == 0x7f0000000000ull &&
		s->inval_log[0].size == 16 * PG, "range");
	TEST_ASSERT(s->inval_log[1].pasid == 5 && s->inval_log[1].addr == 0 &&
		s->inval_log[1].size == 0, "all");

	/* detach through either call; a no-op for what is not nested */
	sva_dev_nested_detach(ST.dev, 6);
	sva_dev_nested_detach(ST.dev, SVA_NESTED_ALL_PASIDS);
	TEST_ASSERT_EQUAL(s->ndetach, 0, "nothing detached");
	sva_dev_detach_pasid(ST.dev, 5);
	TEST_ASSERT_EQUAL(s->ndetach, 1, "the nested detach op");
	TEST_ASSERT_EQUAL(s->detach_log[0].pasid, 5, "PASID");
	TEST_ASSERT_RET(sva_dev_nested_get(ST.dev, 5), 0);
	TEST_ASSERT_RET(sva_dev_attach_pasid(ST.dev, 5, &mm), 0);
	sva_dev_detach_pasid(ST.dev, 5);
	TEST_ASSERT_RET(sva_dev_nested_attach(ST.dev, 9, &c), 0);
	sva_dev_nested_detach(ST.dev, 9);
	TEST_ASSERT_EQUAL(s->ndetach, 2, "sva_dev_nested_detach");
	TEST_ASSERT_RET(sva_dev_nested_inval(ST.dev, 9, 0, 0), -ENOENT);

	/* a driver without CAP_NESTED, one without nested_inval */
	plain = syn_create_args("vs_plain", "");
	TEST_ASSERT_NOT_NULL(plain, "plain syn");
	pd = sva_dev_open(plain, "rid=0x20");
	TEST_ASSERT_NOT_NULL(pd, "dev");
	TEST_ASSERT_RET(sva_dev_nested_attach(pd, 5, &c), -EOPNOTSUPP);
	TEST_ASSERT_RET(sva_dev_nested_inval(pd, 5, 0, 0), -EOPNOTSUPP);
	noinval = sva_iommu_create("syn_noinval,name=vs_noinval,nested=1");
	TEST_ASSERT_NOT_NULL(noinval, "syn_noinval");
	nd = sva_dev_open(noinval, "rid=0x20");
	TEST_ASSERT_NOT_NULL(nd, "dev");
	TEST_ASSERT_RET(sva_dev_nested_attach(nd, 5, &c), 0);
	TEST_ASSERT_RET(sva_dev_nested_inval(nd, 5, 0, 0), -EOPNOTSUPP);
	/* close detaches what is nested */
	sva_dev_close(nd);
	TEST_ASSERT_EQUAL(syn_of(noinval)->ndetach, 1, "closed dev's nested PASID detached");
	TEST_ASSERT_SUCCESS(sva_iommu_destroy(noinval), "destroy");
	sva_dev_close(pd);
	TEST_ASSERT_SUCCESS(sva_iommu_destroy(plain), "destroy");
	sva_t_close();
	munmap(ram, RAM_SIZE);
	return TEST_SUCCESS;
}

static struct sva_nested_cfg
cd_cfg(void *ram)
{
	struct sva_nested_cfg c = { .format = SVA_NESTED_SMMUV3_CD, .ram = { ram, RAM_SIZE },
		.table_gpa = 0x40, .s1cdmax = 16, .s1fmt = 1 };

	return c;
}

static int
test_nested_rules_smmuv3(void)
{
	static const struct sva_pgtable mm = { .type = SVA_PGTABLE_PROCESS_MM };
	void *ram = sva_t_map(RAM_SIZE);
	struct sva_nested_cfg c;
	struct syn_iommu *s;

	TEST_ASSERT_NOT_NULL(ram, "guest RAM");
	TEST_ASSERT_SUCCESS(sva_t_open(NULL, "model=smmuv3,nested=1", "rid=0x10"), "open");
	s = syn_of(ST.iommu);
	c = vtd_cfg(ram);                                  /* a VT-d first level on SMMUv3 */
	TEST_ASSERT_RET(sva_dev_nested_attach(ST.dev, 5, &c), -EOPNOTSUPP);
	c = cd_cfg(ram);
	TEST_ASSERT_RET(sva_dev_nested_attach(ST.dev, 5, &c), -EINVAL); /* whole table only */
	c.flags = SVA_NESTED_SRE;
	TEST_ASSERT_RET(sva_dev_nested_attach(ST.dev, SVA_NESTED_ALL_PASIDS, &c), -EINVAL);
	c = cd_cfg(ram);
	c.table_gpa = 0x1020;                              /* 32-byte aligned only */
	TEST_ASSERT_RET(sva_dev_nested_attach(ST.dev, SVA_NESTED_ALL_PASIDS, &c), -EINVAL);
	c = cd_cfg(ram);
	c.s1cdmax = 21;
	TEST_ASSERT_RET(sva_dev_nested_attach(ST.dev, SVA_NESTED_ALL_PASIDS, &c), -EINVAL);
	c.s1cdmax = 17;                                    /* above the iommu's 16 bits */
	TEST_ASSERT_RET(sva_dev_nested_attach(ST.dev, SVA_NESTED_ALL_PASIDS, &c), -EINVAL);
	c = cd_cfg(ram);
	c.s1fmt = 3;
	TEST_ASSERT_RET(sva_dev_nested_attach(ST.dev, SVA_NESTED_ALL_PASIDS, &c), -EINVAL);
	c = cd_cfg(ram);
	c.table_gpa = RAM_SIZE;
	TEST_ASSERT_RET(sva_dev_nested_attach(ST.dev, SVA_NESTED_ALL_PASIDS, &c), -EINVAL);
	TEST_ASSERT_EQUAL(s->nattach, 0, "nothing refused reached the driver");
	/* the last CD of guest RAM, linear: its 64 bytes fit; contents are not read */
	c.s1fmt = 0;
	c.table_gpa = RAM_SIZE - 64;
	TEST_ASSERT_RET(sva_dev_nested_attach(ST.dev, SVA_NESTED_ALL_PASIDS, &c), 0);
	TEST_ASSERT_EQUAL(s->attach_log[0].pasid, SVA_NESTED_ALL_PASIDS, "whole table");
	TEST_ASSERT(memcmp(&s->attach_log[0].cfg, &c, sizeof(c)) == 0, "cfg");
	TEST_ASSERT_RET(sva_dev_nested_get(ST.dev, SVA_NESTED_ALL_PASIDS), 1);
	TEST_ASSERT_RET(sva_dev_nested_get(ST.dev, 3), 1); /* every SSID of the dev */
	TEST_ASSERT_RET(sva_dev_nested_attach(ST.dev, SVA_NESTED_ALL_PASIDS, &c), -EBUSY);
	TEST_ASSERT_RET(sva_dev_attach_pasid(ST.dev, 3, &mm), -EBUSY);
	TEST_ASSERT_RET(sva_dev_attach_rid_all_pasids(ST.dev, &mm), -EBUSY);
	TEST_ASSERT_RET(sva_dev_nested_inval(ST.dev, 3, 0, 0), -ENOENT);
	TEST_ASSERT_RET(sva_dev_nested_inval(ST.dev, SVA_NESTED_ALL_PASIDS, 0x4000, PG), 0);
	TEST_ASSERT(s->inval_log[0].pasid == SVA_NESTED_ALL_PASIDS &&
		s->inval_log[0].addr == 0x4000 && s->inval_log[0].size == PG, "forwarded");
	sva_dev_nested_detach(ST.dev, SVA_NESTED_ALL_PASIDS);
	TEST_ASSERT_EQUAL(s->ndetach, 1, "detached");
	TEST_ASSERT_EQUAL(s->detach_log[0].pasid, SVA_NESTED_ALL_PASIDS, "whole table");
	/* a dev with an attached PASID cannot take a whole table */
	TEST_ASSERT_RET(sva_dev_attach_pasid(ST.dev, 3, &mm), 0);
	TEST_ASSERT_RET(sva_dev_nested_attach(ST.dev, SVA_NESTED_ALL_PASIDS, &c), -EBUSY);
	sva_dev_detach_pasid(ST.dev, 3);
	sva_t_close();
	munmap(ram, RAM_SIZE);
	return TEST_SUCCESS;
}

/* ---- nested binds and the routing of first-level groups to the VMM ---- */

#define PR_S1 (SVA_FAULT_PR_PASID_VALID | SVA_FAULT_PR_NESTED_S1)
#define PR_S2 (SVA_FAULT_PR_PASID_VALID | SVA_FAULT_PR_NESTED_S2)
#define PR_LAST SVA_FAULT_PR_LAST_PAGE
#define PERM_RD SVA_FAULT_PERM_READ
#define PERM_WR (SVA_FAULT_PERM_READ | SVA_FAULT_PERM_WRITE)

static struct sva_bind_params
nested_params(const struct sva_nested_cfg *c, uint32_t gpasid, uint64_t cookie)
{
	struct sva_bind_params p = { .size = sizeof(p),
		.flags = SVA_BIND_NESTED | SVA_BIND_EVENT_RING, .event_ring_size = 256,
		.gpasid = gpasid, .user_cookie = cookie, .nested = c };

	return p;
}

static struct sva_page_response
answer(uint32_t dev_id, uint32_t pasid, uint32_t grpid, uint32_t code)
{
	struct sva_page_response r = { .argsz = sizeof(r), .flags = SVA_PAGE_RESP_PASID_VALID,
		.dev_id = dev_id, .pasid = pasid, .grpid = grpid, .code = code };

	return r;
}

static unsigned int
ring_take(struct sva_bond *b, struct sva_fault *recs, unsigned int max)
{
	unsigned int n = 0;

	while (n < max && rte_ring_dequeue_elem(sva_bond_event_ring(b), &recs[n],
			sizeof(recs[n])) == 0)
		n++;
	return n;
}

static int
test_nested_bind_vtd(void)
{
	void *ram = sva_t_map(RAM_SIZE);
	struct sva_nested_cfg c = vtd_cfg(ram);
	struct sva_bind_params p;
	struct sva_pasid_set *app;
	struct sva_vpasid_vm *vm;
	struct sva_bond *b;
	uint32_t h, g;
	uint64_t ck;

	TEST_ASSERT_NOT_NULL(ram, "guest RAM");
	TEST_ASSERT_SUCCESS(sva_t_open(NULL, "nested=1", "rid=0x10"), "open");
	vm = sva_vpasid_vm_create(ST.space, "vm1", 4, 20, 0);
	TEST_ASSERT_NOT_NULL(vm, "vm");
	app = ST.set;
	ST.set = sva_vpasid_vm_set(vm); /* sva_t_bind() binds from ST.set */
	p = nested_params(&c, 5, 0xabc);
	TEST_ASSERT_NULL_ERRNO(sva_t_bind(&p), ENOENT);      /* gpasid 5 not mapped yet */
	TEST_ASSERT_RET(sva_vpasid_map(vm, 5, &h), 0);
	p.size = 0;
	TEST_ASSERT_NULL_ERRNO(sva_t_bind(&p), EINVAL);      /* v0 layout has no nested */
	p = nested_params(NULL, 5, 0xabc);
	TEST_ASSERT_NULL_ERRNO(sva_t_bind(&p), EINVAL);      /* no cfg */
	p = nested_params(&c, 5, 0xabc);
	p.flags = SVA_BIND_NESTED;                           /* first-level faults: to whom? */
	TEST_ASSERT_NULL_ERRNO(sva_t_bind(&p), EINVAL);
	p = nested_params(&c, 5, 0xabc);
	p.flags |= SVA_BIND_PINNED;
	TEST_ASSERT_NULL_ERRNO(sva_t_bind(&p), EINVAL);
	p = nested_params(&c, 5, 0xabc);
	p.flags |= SVA_BIND_RID;
	TEST_ASSERT_NULL_ERRNO(sva_t_bind(&p), EINVAL);
	p = nested_params(&c, 1u << 20, 0xabc);
	TEST_ASSERT_NULL_ERRNO(sva_t_bind(&p), EINVAL);
	/* a per-PASID first level takes its host PASID from a VM's set, not any set */
	p = nested_params(&c, 5, 0xabc);
	TEST_ASSERT_NULL_ERRNO(sva_bind(ST.dev, app, &p), EINVAL);
	/* the model's rules: a misaligned PML4, a whole table on VT-d */
	c.table_gpa = 0x1800;
	TEST_ASSERT_NULL_ERRNO(sva_t_bind(&p), EINVAL);
	c = vtd_cfg(ram);
	c.format = SVA_NESTED_SMMUV3_CD;
	c.flags = 0;
	TEST_ASSERT_NULL_ERRNO(sva_t_bind(&p), EOPNOTSUPP);
	c = vtd_cfg(ram);
	/* refusals left no reference behind: the mapping could go */
	TEST_ASSERT_RET(sva_vpasid_unmap(vm, 5), 0);
	TEST_ASSERT_RET(sva_vpasid_map(vm, 5, &h), 0);
	b = sva_t_bind(&p);
	TEST_ASSERT_NOT_NULL(b, "nested bind");
	TEST_ASSERT_EQUAL(sva_bond_pasid(b), h, "the VM's host PASID for gpasid 5");
	TEST_ASSERT_RET(sva_bond_guest_get(b, &g, &ck), 0);
	TEST_ASSERT(g == 5 && ck == 0xabc, "guest data implied");
	TEST_ASSERT_RET(sva_dev_nested_get(ST.dev, h), 1);
	TEST_ASSERT_EQUAL(syn_of(ST.iommu)->attach_log[0].pasid, h, "nested at the host PASID");
	TEST_ASSERT_RET(sva_vpasid_unmap(vm, 5), -EBUSY);   /* bound */
	TEST_ASSERT_NULL_ERRNO(sva_t_bind(&p), EBUSY);      /* that PASID has a table */
	TEST_ASSERT_RET(sva_nested_inval(b, 0x200000, 2 * PG), 0);
	TEST_ASSERT(syn_of(ST.iommu)->inval_log[0].pasid == h &&
		syn_of(ST.iommu)->inval_log[0].addr == 0x200000, "forwarded to the host PASID");
	TEST_ASSERT_RET(sva_nested_inval(NULL, 0, 0), -EINVAL);
	sva_t_unbind(b);
	TEST_ASSERT_EQUAL(syn_of(ST.iommu)->ndetach, 1, "nested detach at unbind");
	TEST_ASSERT_RET(sva_dev_nested_get(ST.dev, h), 0);
	TEST_ASSERT_RET(sva_vpasid_find(vm, 5, &g), 0);     /* the map keeps it */
	TEST_ASSERT_RET(sva_vpasid_unmap(vm, 5), 0);
	ST.set = app;
	TEST_ASSERT_RET(sva_vpasid_vm_destroy(vm), 0);
	sva_t_close();
	munmap(ram, RAM_SIZE);
	return TEST_SUCCESS;
}

static int
test_nested_routing_vtd(void)
{
	uint8_t *ram = sva_t_map(RAM_SIZE), *other = sva_t_map(PG);
	struct sva_nested_cfg c = vtd_cfg(ram);
	struct sva_bind_params p = nested_params(&c, 5, 0x5eed);
	struct sva_bind_params q = { .flags = SVA_BIND_EVENT_RING };
	struct sva_iopf_nested_stats ns;
	struct sva_page_response r;
	struct sva_fault recs[8];
	struct sva_vpasid_vm *vm;
	struct sva_bond *b, *plain;
	uint32_t h, code;
	char cmd[64], out[8192];

	TEST_ASSERT(ram != NULL && other != NULL, "memory");
	TEST_ASSERT_SUCCESS(sva_t_open(NULL, "nested=1", "rid=0x10"), "open");
	plain = sva_t_bind(&q);                             /* a bond of ST.set, not nested */
	TEST_ASSERT_NOT_NULL(plain, "plain bond");
	vm = sva_vpasid_vm_create(ST.space, "vm1", 0, 20, 0);
	TEST_ASSERT_NOT_NULL(vm, "vm");
	TEST_ASSERT_RET(sva_vpasid_map(vm, 5, &h), 0);
	b = sva_bind(ST.dev, sva_vpasid_vm_set(vm), &p);
	TEST_ASSERT_NOT_NULL(b, "nested bind");
	TEST_ASSERT_SUCCESS(sva_iopf_deadlines_set(sva_iopf_get(ST.iommu), 20000, 0,
		SVA_PAGE_RESP_INVALID),
		"20 ms deadline");

	/* second level: resolved, inside guest RAM only */
	syn_pr_flags(ST.iommu, 0x10, PR_S2 | PR_LAST, h, 1, (uintptr_t)ram + 0x3000, PERM_WR, 0);
	syn_pr_flags(ST.iommu, 0x10, PR_S2 | PR_LAST, h, 2, (uintptr_t)other, PERM_WR, 0);
	poll_all();
	TEST_ASSERT_EQUAL(syn_responses_for(ST.iommu, h, 1, &code), 1, "S2 answered");
	TEST_ASSERT_EQUAL(code, SVA_PAGE_RESP_SUCCESS, "S2 in guest RAM: Success");
	TEST_ASSERT_EQUAL(test_page_present(ram + 0x3000), 1, "made present");
	TEST_ASSERT_EQUAL(syn_responses_for(ST.iommu, h, 2, &code), 1, "answered");
	TEST_ASSERT_EQUAL(code, SVA_PAGE_RESP_INVALID, "outside guest RAM: Invalid");
	TEST_ASSERT_EQUAL(test_page_present(other), 0, "never touched");
	/* a first-level page on a bond that is not nested: Invalid, never resolved */
	syn_pr_flags(ST.iommu, 0x10, PR_S1 | PR_LAST, sva_bond_pasid(plain), 1, (uintptr_t)other, PERM_WR, 0);
	poll_all();
	TEST_ASSERT_EQUAL(syn_responses_for(ST.iommu, sva_bond_pasid(plain), 1, &code), 1, "ans");
	TEST_ASSERT_EQUAL(code, SVA_PAGE_RESP_INVALID, "S1 on a plain bond: Invalid");
	TEST_ASSERT_EQUAL(test_page_present(other), 0, "never touched");

	/* first level: handed to the VMM, held */
	syn_pr_flags(ST.iommu, 0x10, PR_S1, h, 3, 0x400000, PERM_RD, 0);
	syn_pr_flags(ST.iommu, 0x10, PR_S1 | PR_LAST, h, 3, 0x401000, PERM_WR, 0);
	poll_all();
	TEST_ASSERT_EQUAL(syn_responses_for(ST.iommu, h, 3, NULL), 0, "held, not answered");
	TEST_ASSERT_EQUAL(ring_take(b, recs, 8), 2, "two records for the VMM");
	for (int i = 0; i < 2; i++) {
		TEST_ASSERT_EQUAL(recs[i].type, SVA_FAULT_PAGE_REQ, "page request");
		TEST_ASSERT(recs[i].prm.flags & SVA_FAULT_PR_NESTED_S1, "first level");
		TEST_ASSERT(recs[i].prm.flags & SVA_FAULT_PR_GUEST, "guest data");
		TEST_ASSERT_EQUAL(!!(recs[i].prm.flags & PR_LAST), i == 1, "PR_LAST on the last");
		TEST_ASSERT_EQUAL(recs[i].prm.gpasid, 5, "gpasid");
		TEST_ASSERT_EQUAL(recs[i].prm.user_cookie, 0x5eed, "cookie");
		TEST_ASSERT_EQUAL(recs[i].prm.pasid, h, "host PASID");
		TEST_ASSERT_EQUAL(recs[i].prm.grpid, 3, "group");
		TEST_ASSERT_EQUAL(recs[i].prm.dev_id, 0x10, "dev");
		TEST_ASSERT_EQUAL(recs[i].prm.addr, 0x400000u + 0x1000u * (unsigned int)i, "GVA");
		TEST_ASSERT_EQUAL(recs[i].prm.perm, i == 0 ? (uint32_t)PERM_RD : (uint32_t)PERM_WR, "perm");
	}
	/* mixed: the second-level page resolved first, then the group goes to the VMM */
	syn_pr_flags(ST.iommu, 0x10, PR_S2, h, 4, (uintptr_t)ram + 0x5000, PERM_RD, 0);
	syn_pr_flags(ST.iommu, 0x10, PR_S1 | PR_LAST, h, 4, 0x402000, PERM_RD, 0);
	poll_all();
	TEST_ASSERT_EQUAL(test_page_present(ram + 0x5000), 1, "S2 page of the group resolved");
	TEST_ASSERT_EQUAL(syn_responses_for(ST.iommu, h, 4, NULL), 0, "held");
	TEST_ASSERT_EQUAL(ring_take(b, recs, 8), 1, "its one first-level page");
	TEST_ASSERT(recs[0].prm.addr == 0x402000 && (recs[0].prm.flags & PR_LAST), "GVA, PR_LAST");
	/* a second PR_LAST of a held group is a duplicate, not a second group */
	syn_pr_flags(ST.iommu, 0x10, PR_S1 | PR_LAST, h, 4, 0x402000, PERM_RD, 0);
	poll_all();
	TEST_ASSERT_EQUAL(ring_take(b, recs, 8), 0, "nothing new for the VMM");

	/* the VMM's answers: exactly one each */
	r = answer(0x10, h, 3, SVA_PAGE_RESP_SUCCESS);
	TEST_ASSERT_RET(sva_nested_page_response(NULL, &r), -EINVAL);
	TEST_ASSERT_RET(sva_nested_page_response(b, NULL), -EINVAL);
	TEST_ASSERT_RET(sva_nested_page_response(plain, &r), -EINVAL);
	r.argsz = 8;
	TEST_ASSERT_RET(sva_nested_page_response(b, &r), -EINVAL);
	r = answer(0x10, h, 3, 7);
	TEST_ASSERT_RET(sva_nested_page_response(b, &r), -EINVAL);
	r = answer(0x10, h, 0x200, SVA_PAGE_RESP_SUCCESS);
	TEST_ASSERT_RET(sva_nested_page_response(b, &r), -EINVAL);
	r = answer(0x10, h, 3, SVA_PAGE_RESP_SUCCESS);
	TEST_ASSERT_RET(sva_nested_page_response(b, &r), 0);
	TEST_ASSERT_EQUAL(syn_responses_for(ST.iommu, h, 3, &code), 1, "written");
	TEST_ASSERT_EQUAL(code, SVA_PAGE_RESP_SUCCESS, "the VMM's code");
	TEST_ASSERT_RET(sva_nested_page_response(b, &r), -EALREADY);
	TEST_ASSERT_EQUAL(syn_responses_for(ST.iommu, h, 3, NULL), 1, "still one");
	r = answer(0x10, h, 99, SVA_PAGE_RESP_SUCCESS);
	TEST_ASSERT_RET(sva_nested_page_response(b, &r), -ENOENT);
	r = answer(0x11, h, 4, SVA_PAGE_RESP_SUCCESS);     /* another dev's group 4 */
	TEST_ASSERT_RET(sva_nested_page_response(b, &r), -ENOENT);
	r = answer(0x10, h, 4, SVA_PAGE_RESP_INVALID);
	TEST_ASSERT_RET(sva_nested_page_response(b, &r), 0);
	TEST_ASSERT_EQUAL(syn_responses_for(ST.iommu, h, 4, &code), 1, "written");
	TEST_ASSERT_EQUAL(code, SVA_PAGE_RESP_INVALID, "the VMM's code");

	/* the deadline answers a group the VMM leaves alone, once */
	syn_pr_flags(ST.iommu, 0x10, PR_S1 | PR_LAST, h, 5, 0x403000, PERM_RD, 0);
	poll_all();
	TEST_ASSERT_EQUAL(ring_take(b, recs, 8), 1, "handed over");
	rte_delay_us_sleep(30000);
	poll_all();
	TEST_ASSERT_EQUAL(syn_responses_for(ST.iommu, h, 5, &code), 1, "deadline answered");
	TEST_ASSERT_EQUAL(code, SVA_PAGE_RESP_INVALID, "Invalid");
	r = answer(0x10, h, 5, SVA_PAGE_RESP_SUCCESS);
	TEST_ASSERT_RET(sva_nested_page_response(b, &r), -ETIMEDOUT);
	TEST_ASSERT_EQUAL(syn_responses_for(ST.iommu, h, 5, NULL), 1, "still one");

	TEST_ASSERT_RET(sva_nested_stats_get(b, &ns), 0);
	TEST_ASSERT_EQUAL(ns.s1_groups, 3, "held groups");
	TEST_ASSERT_EQUAL(ns.s1_records, 4, "records handed over");
	TEST_ASSERT_EQUAL(ns.s2_outside_ram, 1, "outside guest RAM");
	TEST_ASSERT_EQUAL(ns.vmm_answers, 2, "answered by the VMM");
	TEST_ASSERT_EQUAL(ns.vmm_timeouts, 1, "by the deadline");
	TEST_ASSERT_EQUAL(ns.vmm_dup, 1, "second answer");
	TEST_ASSERT_EQUAL(ns.vmm_late, 1, "late answer");
	TEST_ASSERT_EQUAL(ns.vmm_unknown, 2, "unknown groups");
	TEST_ASSERT_EQUAL(ns.held_now, 0, "none held");
	TEST_ASSERT_RET(sva_nested_stats_get(plain, &ns), -EINVAL);
	TEST_ASSERT_RET(sva_nested_stats_get(NULL, &ns), -EINVAL);
	snprintf(cmd, sizeof(cmd), "/sva/stats,%u", sva_bond_id(b));
	TEST_ASSERT_SUCCESS(sva_t_telemetry(cmd, out, sizeof(out)), "telemetry");
	TEST_ASSERT(strstr(out, "\"gpasid\": 5, \"user_cookie\": 24301") != NULL &&
		strstr(out, "\"nested_vmm_timeouts\": 1, \"nested_vmm_unbind\": 0, "
		"\"nested_vmm_late\": 1, \"nested_vmm_dup\": 1") != NULL, "%s: %s", cmd, out);
	snprintf(cmd, sizeof(cmd), "/sva/bond,%u", sva_bond_id(b));
	TEST_ASSERT_SUCCESS(sva_t_telemetry(cmd, out, sizeof(out)), "telemetry");
	TEST_ASSERT(strstr(out, "\"flag_names\": \"event_ring nested\"") != NULL, "%s: %s", cmd,
		out);

	/* teardown with first-level faults in flight: held groups answered Invalid once,
	 * a partial group discarded and its late PR_LAST answered Invalid (no bond) */
	syn_pr_flags(ST.iommu, 0x10, PR_S1 | PR_LAST, h, 6, 0x404000, PERM_RD, 0);
	syn_pr_flags(ST.iommu, 0x10, PR_S1 | PR_LAST, h, 7, 0x405000, PERM_RD, 0);
	syn_pr_flags(ST.iommu, 0x10, PR_S1, h, 8, 0x406000, PERM_RD, 0);
	poll_all();
	TEST_ASSERT_EQUAL(syn_responses_for(ST.iommu, h, 6, NULL) +
		syn_responses_for(ST.iommu, h, 7, NULL), 0, "held");
	sva_t_unbind(b);
	TEST_ASSERT_EQUAL(syn_responses_for(ST.iommu, h, 6, &code), 1, "unbind answered 6");
	TEST_ASSERT_EQUAL(code, SVA_PAGE_RESP_INVALID, "Invalid");
	TEST_ASSERT_EQUAL(syn_responses_for(ST.iommu, h, 7, &code), 1, "unbind answered 7");
	TEST_ASSERT_EQUAL(code, SVA_PAGE_RESP_INVALID, "Invalid");
	TEST_ASSERT_EQUAL(syn_responses_for(ST.iommu, h, 8, NULL), 0, "partial: unanswered");
	syn_pr_flags(ST.iommu, 0x10, PR_S1 | PR_LAST, h, 8, 0x407000, PERM_RD, 0);
	poll_all();
	TEST_ASSERT_EQUAL(syn_responses_for(ST.iommu, h, 8, &code), 1, "its PR_LAST, once");
	TEST_ASSERT_EQUAL(code, SVA_PAGE_RESP_INVALID, "Invalid");
	TEST_ASSERT_RET(sva_vpasid_unmap(vm, 5), 0);
	TEST_ASSERT_RET(sva_vpasid_vm_destroy(vm), 0);
	sva_t_unbind(plain);
	sva_t_close();
	munmap(ram, RAM_SIZE);
	munmap(other, PG);
	return TEST_SUCCESS;
}

/* Two VMs use guest PASID 5 on one dev: each VMM sees only its own faults, stamped
 * with its own cookie, and cannot answer the other's. */
static int
test_nested_vm_isolation(void)
{
	uint8_t *ram = sva_t_map(RAM_SIZE);
	struct sva_nested_cfg c = vtd_cfg(ram);
	struct sva_bind_params pa = nested_params(&c, 5, 0xaaaa), pb = nested_params(&c, 5, 0xbbbb);
	struct sva_vpasid_vm *va, *vb;
	struct sva_page_response r;
	struct sva_fault rec[4];
	struct sva_bond *a, *b;
	uint32_t ha, hb, code;

	TEST_ASSERT_NOT_NULL(ram, "guest RAM");
	TEST_ASSERT_SUCCESS(sva_t_open(NULL, "nested=1", "rid=0x10"), "open");
	va = sva_vpasid_vm_create(ST.space, "vma", 0, 20, 0);
	vb = sva_vpasid_vm_create(ST.space, "vmb", 0, 20, 0);
	TEST_ASSERT(va != NULL && vb != NULL, "vms");
	TEST_ASSERT_RET(sva_vpasid_map(va, 5, &ha), 0);
	TEST_ASSERT_RET(sva_vpasid_map(vb, 5, &hb), 0);
	a = sva_bind(ST.dev, sva_vpasid_vm_set(va), &pa);
	b = sva_bind(ST.dev, sva_vpasid_vm_set(vb), &pb);
	TEST_ASSERT(a != NULL && b != NULL, "binds");
	syn_pr_flags(ST.iommu, 0x10, PR_S1 | PR_LAST, ha, 1, 0x400000, PERM_RD, 0);
	syn_pr_flags(ST.iommu, 0x10, PR_S1 | PR_LAST, hb, 1, 0x800000, PERM_RD, 0);
	poll_all();
	TEST_ASSERT_EQUAL(ring_take(a, rec, 4), 1, "VM a: its one fault");
	TEST_ASSERT(rec[0].prm.pasid == ha && rec[0].prm.gpasid == 5 &&
		rec[0].prm.user_cookie == 0xaaaa && rec[0].prm.addr == 0x400000, "a's own");
	TEST_ASSERT_EQUAL(ring_take(b, rec, 4), 1, "VM b: its one fault");
	TEST_ASSERT(rec[0].prm.pasid == hb && rec[0].prm.gpasid == 5 &&
		rec[0].prm.user_cookie == 0xbbbb && rec[0].prm.addr == 0x800000, "b's own");
	/* VMM a answers with b's group: refused, b's group untouched */
	r = answer(0x10, hb, 1, SVA_PAGE_RESP_SUCCESS);
	TEST_ASSERT_RET(sva_nested_page_response(a, &r), -ENOENT);
	TEST_ASSERT_EQUAL(syn_responses_for(ST.iommu, hb, 1, NULL), 0, "b's group still held");
	r = answer(0x10, ha, 1, SVA_PAGE_RESP_SUCCESS);
	TEST_ASSERT_RET(sva_nested_page_response(a, &r), 0);
	r = answer(0x10, hb, 1, SVA_PAGE_RESP_INVALID);
	TEST_ASSERT_RET(sva_nested_page_response(b, &r), 0);
	TEST_ASSERT_EQUAL(syn_responses_for(ST.iommu, ha, 1, &code), 1, "a answered once");
	TEST_ASSERT_EQUAL(code, SVA_PAGE_RESP_SUCCESS, "a's code");
	TEST_ASSERT_EQUAL(syn_responses_for(ST.iommu, hb, 1, &code), 1, "b answered once");
	TEST_ASSERT_EQUAL(code, SVA_PAGE_RESP_INVALID, "b's code");
	/* tearing VM a down leaves VM b's faults alone */
	syn_pr_flags(ST.iommu, 0x10, PR_S1 | PR_LAST, hb, 2, 0x801000, PERM_RD, 0);
	syn_pr_flags(ST.iommu, 0x10, PR_S1 | PR_LAST, ha, 2, 0x401000, PERM_RD, 0);
	poll_all();
	sva_unbind(a);
	TEST_ASSERT_EQUAL(syn_responses_for(ST.iommu, ha, 2, NULL), 1, "a's held group: unbind");
	TEST_ASSERT_EQUAL(syn_responses_for(ST.iommu, hb, 2, NULL), 0, "b's still held");
	TEST_ASSERT_RET(sva_vpasid_unmap(va, 5), 0);
	TEST_ASSERT_RET(sva_vpasid_vm_destroy(va), 0);
	r = answer(0x10, hb, 2, SVA_PAGE_RESP_SUCCESS);
	TEST_ASSERT_RET(sva_nested_page_response(b, &r), 0);
	sva_unbind(b);
	TEST_ASSERT_RET(sva_vpasid_unmap(vb, 5), 0);
	TEST_ASSERT_RET(sva_vpasid_vm_destroy(vb), 0);
	sva_t_close();
	munmap(ram, RAM_SIZE);
	return TEST_SUCCESS;
}

/* SMMUv3: the guest's whole CD table is one bond; every SSID of the dev routes to it
 * and is its own gpasid. */
static int
test_nested_cd_table(void)
{
	static const struct sva_pgtable mm = { .type = SVA_PGTABLE_PROCESS_MM };
	uint8_t *ram = sva_t_map(RAM_SIZE);
	struct sva_nested_cfg c = cd_cfg(ram);
	struct sva_bind_params p = nested_params(&c, 0, 0xcd);
	struct sva_bind_params q = { 0 };
	struct sva_page_response r;
	struct sva_fault rec[4];
	struct sva_bond *b;
	uint32_t code;

	TEST_ASSERT_NOT_NULL(ram, "guest RAM");
	TEST_ASSERT_SUCCESS(sva_t_open(NULL, "model=smmuv3,nested=1", "rid=0x10"), "open");
	b = sva_t_bind(&p);                                 /* any set: no PASID taken */
	TEST_ASSERT_NOT_NULL(b, "CD table bind");
	TEST_ASSERT_EQUAL(sva_bond_pasid(b), 0, "no PASID of its own");
	TEST_ASSERT_RET(sva_dev_nested_get(ST.dev, SVA_NESTED_ALL_PASIDS), 1);
	TEST_ASSERT_NULL_ERRNO(sva_t_bind(&q), EBUSY);      /* its PASIDs are the guest's */
	TEST_ASSERT_NULL_ERRNO(sva_t_bind(&p), EBUSY);      /* one CD table per dev */
	TEST_ASSERT_RET(sva_dev_attach_pasid(ST.dev, 9, &mm), -EBUSY);
	syn_pr_flags(ST.iommu, 0x10, PR_S1 | PR_LAST, 3, 1, 0x400000, PERM_RD, 0);
	syn_pr_flags(ST.iommu, 0x10, PR_S1 | PR_LAST, 7, 1, 0x500000, PERM_WR, 0);
	syn_pr_flags(ST.iommu, 0x10, PR_S2 | PR_LAST, 7, 2, (uintptr_t)ram + 0x9000, PERM_WR, 0);
	poll_all();
	TEST_ASSERT_EQUAL(ring_take(b, rec, 4), 2, "both SSIDs' faults");
	TEST_ASSERT(rec[0].prm.pasid == 3 && rec[0].prm.gpasid == 3 && rec[0].prm.user_cookie == 0xcd,
		"SSID 3 is gpasid 3");
	TEST_ASSERT(rec[1].prm.pasid == 7 && rec[1].prm.gpasid == 7, "SSID 7 is gpasid 7");
	TEST_ASSERT_EQUAL(syn_responses_for(ST.iommu, 7, 2, &code), 1, "S2 resolved");
	TEST_ASSERT_EQUAL(code, SVA_PAGE_RESP_SUCCESS, "Success");
	TEST_ASSERT_EQUAL(test_page_present(ram + 0x9000), 1, "present");
	r = answer(0x10, 3, 1, SVA_PAGE_RESP_SUCCESS);
	TEST_ASSERT_RET(sva_nested_page_response(b, &r), 0);
	TEST_ASSERT_RET(sva_nested_inval(b, 0, 0), 0);
	TEST_ASSERT_EQUAL(syn_of(ST.iommu)->inval_log[0].pasid, SVA_NESTED_ALL_PASIDS, "whole");
	sva_t_unbind(b);                                    /* SSID 7's group: Invalid */
	TEST_ASSERT_EQUAL(syn_responses_for(ST.iommu, 7, 1, &code), 1, "answered at unbind");
	TEST_ASSERT_EQUAL(code, SVA_PAGE_RESP_INVALID, "Invalid");
	TEST_ASSERT_RET(sva_dev_nested_get(ST.dev, SVA_NESTED_ALL_PASIDS), 0);
	b = sva_t_bind(&q);                                 /* its PASIDs are free again */
	TEST_ASSERT_NOT_NULL(b, "plain bind after");
	sva_t_unbind(b);
	sva_t_close();
	munmap(ram, RAM_SIZE);
	return TEST_SUCCESS;
}

/* A nested bind that declares no page requests: every request answered Invalid at
 * once and reported to the VMM, first-level ones marked. */
static int
test_nested_auto_invalid(void)
{
	uint8_t *ram = sva_t_map(RAM_SIZE);
	struct sva_nested_cfg c = vtd_cfg(ram);
	struct sva_bind_params p = nested_params(&c, 9, 0x99);
	struct sva_iopf_stats st;
	struct sva_vpasid_vm *vm;
	struct sva_fault rec[4];
	struct sva_bond *b;
	uint32_t h, code;

	TEST_ASSERT_NOT_NULL(ram, "guest RAM");
	TEST_ASSERT_SUCCESS(sva_t_open(NULL, "nested=1", "rid=0x10"), "open");
	vm = sva_vpasid_vm_create(ST.space, "vm1", 0, 20, 0);
	TEST_ASSERT_NOT_NULL(vm, "vm");
	TEST_ASSERT_RET(sva_vpasid_map(vm, 9, &h), 0);
	p.flags |= SVA_BIND_AUTO_INVALID;
	b = sva_bind(ST.dev, sva_vpasid_vm_set(vm), &p);
	TEST_ASSERT_NOT_NULL(b, "bind");
	syn_pr_flags(ST.iommu, 0x10, PR_S1 | PR_LAST, h, 1, 0x400000, PERM_RD, 0);
	syn_pr_flags(ST.iommu, 0x10, PR_S2 | PR_LAST, h, 2, (uintptr_t)ram, PERM_RD, 0);
	poll_all();
	TEST_ASSERT_EQUAL(syn_responses_for(ST.iommu, h, 1, &code), 1, "answered");
	TEST_ASSERT_EQUAL(code, SVA_PAGE_RESP_INVALID, "Invalid at once");
	TEST_ASSERT_EQUAL(syn_responses_for(ST.iommu, h, 2, &code), 1, "answered");
	TEST_ASSERT_EQUAL(code, SVA_PAGE_RESP_INVALID, "Invalid at once");
	TEST_ASSERT_EQUAL(test_page_present(ram), 0, "nothing resolved");
	TEST_ASSERT_EQUAL(ring_take(b, rec, 4), 2, "both reported");
	TEST_ASSERT(rec[0].type == SVA_FAULT_UNRECOV &&
		rec[0].event.reason == SVA_FAULT_REASON_PRI_INVALID, "as unrecoverable");
	TEST_ASSERT(rec[0].event.flags & SVA_FAULT_UNRECOV_NESTED_S1, "first level marked");
	TEST_ASSERT_EQUAL(rec[0].event.perm, PERM_RD, "perm without marks");
	TEST_ASSERT(!(rec[1].event.flags & SVA_FAULT_UNRECOV_NESTED_S1), "second level not");
	for (int i = 0; i < 2; i++)
		TEST_ASSERT((rec[i].event.flags & SVA_FAULT_UNRECOV_GUEST) &&
			rec[i].event.gpasid == 9 && rec[i].event.user_cookie == 0x99, "stamped");
	TEST_ASSERT_SUCCESS(sva_stats_get(NULL, b, &st), "stats");
	TEST_ASSERT_EQUAL(st.invalid[SVA_IOPF_R_AUTO_INVALID], 2, "counted");
	sva_unbind(b);
	TEST_ASSERT_RET(sva_vpasid_unmap(vm, 9), 0);
	TEST_ASSERT_RET(sva_vpasid_vm_destroy(vm), 0);
	sva_t_close();
	munmap(ram, RAM_SIZE);
	return TEST_SUCCESS;
}

/* The VMM may not answer from inside the poll call (its event callback). */
static int cb_ret = 1;

static void
answering_cb(struct sva_bond *bond, const struct sva_fault *rec, void *arg)
{
	struct sva_page_response r = answer(rec->prm.dev_id, rec->prm.pasid, rec->prm.grpid,
		SVA_PAGE_RESP_SUCCESS);

	RTE_SET_USED(arg);
	cb_ret = sva_nested_page_response(bond, &r);
}

static int
test_nested_answer_from_callback(void)
{
	uint8_t *ram = sva_t_map(RAM_SIZE);
	struct sva_nested_cfg c = vtd_cfg(ram);
	struct sva_bind_params p = nested_params(&c, 5, 1);
	struct sva_page_response r;
	struct sva_vpasid_vm *vm;
	struct sva_bond *b;
	uint32_t h;

	TEST_ASSERT_NOT_NULL(ram, "guest RAM");
	TEST_ASSERT_SUCCESS(sva_t_open(NULL, "nested=1", "rid=0x10"), "open");
	vm = sva_vpasid_vm_create(ST.space, "vm1", 0, 20, 0);
	TEST_ASSERT_NOT_NULL(vm, "vm");
	TEST_ASSERT_RET(sva_vpasid_map(vm, 5, &h), 0);
	p.flags = SVA_BIND_NESTED;
	p.event_cb = answering_cb;
	b = sva_bind(ST.dev, sva_vpasid_vm_set(vm), &p);
	TEST_ASSERT_NOT_NULL(b, "bind");
	syn_pr_flags(ST.iommu, 0x10, PR_S1 | PR_LAST, h, 1, 0x400000, PERM_RD, 0);
	poll_all();
	TEST_ASSERT_EQUAL(cb_ret, -EDEADLK, "refused inside the poll call");
	TEST_ASSERT_EQUAL(syn_responses_for(ST.iommu, h, 1, NULL), 0, "still held");
	r = answer(0x10, h, 1, SVA_PAGE_RESP_SUCCESS);
	TEST_ASSERT_RET(sva_nested_page_response(b, &r), 0);  /* after it, from here */
	TEST_ASSERT_EQUAL(syn_responses_for(ST.iommu, h, 1, NULL), 1, "answered once");
	sva_unbind(b);
	TEST_ASSERT_RET(sva_vpasid_unmap(vm, 5), 0);
	TEST_ASSERT_RET(sva_vpasid_vm_destroy(vm), 0);
	sva_t_close();
	munmap(ram, RAM_SIZE);
	return TEST_SUCCESS;
}

/*
 * Exactly once under a randomized stream: a "device" (on the poller's thread, at each
 * queue read) injects first-level groups of one or two pages on reused PRG indexes;
 * the VMM (this thread) answers about 60% once (3% of them about when the deadline
 * comes), 15% twice, and leaves the rest to the 10 ms deadline; then it unbinds with
 * groups still held. Every
 * group the device sent gets exactly one response (a PRG index is reused only after
 * its response, as a device does), and every VMM answer gets one of the documented
 * results (-ENOENT too: a VMM far behind answers groups retired so long ago that they
 * are forgotten).
 */
#define XO_GROUPS 1000

static struct {
	struct sva_iommu *iommu;
	uint32_t h;
	uint32_t seed;
	uint32_t next_grp;
	uint32_t scanned;       /* syn responses looked at */
	uint8_t out[512];       /* PRG index in flight */
	uint32_t injected, nout, answered, errors, stop_inject, stop_poll, poll_done, q_full;
} xo;

static uint32_t
xo_rand(uint32_t *s)
{
	*s = *s * 1103515245u + 12345u;
	return *s >> 8;
}

/* Runs where the queue is read: under the iopf's ownership (poller or a drain). */
static void
xo_device(struct sva_iommu *iommu)
{
	struct syn_iommu *s = syn_of(iommu);

	for (; xo.scanned < s->nresp; xo.scanned++) {
		const struct sva_page_response *r = &s->resp[xo.scanned];

		if (r->pasid != xo.h)
			continue;
		if (xo.out[r->grpid]) {
			xo.out[r->grpid] = 0;
			__atomic_fetch_sub(&xo.nout, 1, __ATOMIC_RELEASE);
			__atomic_fetch_add(&xo.answered, 1, __ATOMIC_RELEASE);
		} else {
			__atomic_fetch_add(&xo.errors, 1, __ATOMIC_RELEASE); /* a second response */
		}
	}
	/* at most 16 groups in flight, like a device's outstanding page request credit */
	if (__atomic_load_n(&xo.stop_inject, __ATOMIC_ACQUIRE) || xo.injected >= XO_GROUPS ||
			s->nresp > SYN_QLEN - 64 || xo.nout >= 16 || (xo_rand(&xo.seed) & 3) != 0)
		return;
	for (uint32_t k = 0; k < 512; k++) {
		uint32_t g = (xo.next_grp + k) % 512;

		if (xo.out[g])
			continue;
		xo.next_grp = g + 1;
		if (xo_rand(&xo.seed) & 1)
			syn_pr_flags(iommu, 0x10, PR_S1, xo.h, g, 0x400000, PERM_RD, 0);
		syn_pr_flags(iommu, 0x10, PR_S1 | PR_LAST, xo.h, g, 0x401000, PERM_WR, 0);
		xo.out[g] = 1;
		__atomic_fetch_add(&xo.nout, 1, __ATOMIC_RELEASE);
		__atomic_store_n(&xo.injected, xo.injected + 1, __ATOMIC_RELEASE);
		return;
	}
}

static int
xo_poller(void *arg)
{
	RTE_SET_USED(arg);
	while (!__atomic_load_n(&xo.stop_poll, __ATOMIC_ACQUIRE))
		sva_iopf_poll(xo.iommu, 64);
	__atomic_store_n(&xo.poll_done, 1, __ATOMIC_RELEASE);
	return 0;
}

/* The VMM's inbox: the event callback (poll thread) queues each group's LAST record,
 * the VMM thread takes them (single producer, single consumer, with atomics TSan sees:
 * DPDK's ring is not instrumented). */
#define XO_Q 1024
static struct sva_fault xo_q[XO_Q];
static uint32_t xo_qhead, xo_qtail;

static void
xo_vmm_cb(struct sva_bond *bond, const struct sva_fault *rec, void *arg)
{
	uint32_t t = __atomic_load_n(&xo_qtail, __ATOMIC_RELAXED);

	RTE_SET_USED(bond);
	RTE_SET_USED(arg);
	if (!(rec->prm.flags & SVA_FAULT_PR_LAST_PAGE))
		return;
	if (t - __atomic_load_n(&xo_qhead, __ATOMIC_ACQUIRE) == XO_Q) {
		__atomic_fetch_add(&xo.q_full, 1, __ATOMIC_RELAXED); /* left to the deadline */
		return;
	}
	xo_q[t % XO_Q] = *rec;
	__atomic_store_n(&xo_qtail, t + 1, __ATOMIC_RELEASE);
}

static bool
xo_take(struct sva_fault *rec)
{
	uint32_t h = __atomic_load_n(&xo_qhead, __ATOMIC_RELAXED);

	if (h == __atomic_load_n(&xo_qtail, __ATOMIC_ACQUIRE))
		return false;
	*rec = xo_q[h % XO_Q];
	__atomic_store_n(&xo_qhead, h + 1, __ATOMIC_RELEASE);
	return true;
}

static int
test_nested_exactly_once_race(void)
{
	uint8_t *ram = sva_t_map(RAM_SIZE);
	struct sva_nested_cfg c = vtd_cfg(ram);
	struct sva_bind_params p = nested_params(&c, 5, 7);
	struct sva_iopf_nested_stats ns;
	struct sva_vpasid_vm *vm;
	struct sva_bond *b;
	struct sva_fault rec;
	uint32_t seed = 777;
	uint64_t res[5] = { 0 }, t_end; /* 0, -EALREADY, -ETIMEDOUT, -ENOENT, other */
	int ret;

	TEST_ASSERT_NOT_NULL(ram, "guest RAM");
	TEST_ASSERT_SUCCESS(sva_t_open(NULL, "nested=1", "rid=0x10"), "open");
	vm = sva_vpasid_vm_create(ST.space, "vm1", 0, 20, 0);
	TEST_ASSERT_NOT_NULL(vm, "vm");
	memset(&xo, 0, sizeof(xo));
	xo.seed = 4242;
	xo.iommu = ST.iommu;
	TEST_ASSERT_RET(sva_vpasid_map(vm, 5, &xo.h), 0);
	p.flags = SVA_BIND_NESTED;
	p.event_cb = xo_vmm_cb;
	xo_qhead = xo_qtail = 0;
	b = sva_bind(ST.dev, sva_vpasid_vm_set(vm), &p);
	TEST_ASSERT_NOT_NULL(b, "bind");
	TEST_ASSERT_SUCCESS(sva_iopf_deadlines_set(sva_iopf_get(ST.iommu), 10000, 0,
		SVA_PAGE_RESP_INVALID), "10 ms deadline");
	syn_of(ST.iommu)->on_prq_read = xo_device;
	TEST_ASSERT_SUCCESS(rte_eal_remote_launch(xo_poller, NULL, ST.lcore), "poller");
	t_end = rte_get_timer_cycles() + 20 * rte_get_timer_hz();
	while (rte_get_timer_cycles() < t_end) {
		struct sva_page_response r;
		uint32_t dice;

		if (!xo_take(&rec)) {
			if (__atomic_load_n(&xo.injected, __ATOMIC_ACQUIRE) >= XO_GROUPS)
				break; /* the last groups stay held for the unbind */
			rte_pause();
			continue;
		}
		dice = xo_rand(&seed) % 100;
		if (dice < 25)
			continue;                      /* the deadline's */
		if (dice < 28)
			rte_delay_us_block(9000 + xo_rand(&seed) % 2000); /* racing it */
		r = answer(rec.prm.dev_id, rec.prm.pasid, rec.prm.grpid,
			(dice & 1) ? SVA_PAGE_RESP_SUCCESS : SVA_PAGE_RESP_INVALID);
		for (int k = 0; k < (dice >= 85 ? 2 : 1); k++) {
			ret = sva_nested_page_response(b, &r);
			res[ret == 0 ? 0 : ret == -EALREADY ? 1 : ret == -ETIMEDOUT ? 2 :
				ret == -ENOENT ? 3 : 4]++;
		}
	}
	TEST_ASSERT_EQUAL(__atomic_load_n(&xo.injected, __ATOMIC_ACQUIRE), XO_GROUPS,
		"the device sent every group in time");
	TEST_ASSERT_SUCCESS(sva_nested_stats_get(b, &ns), "stats");
	/* teardown with groups held: each answered Invalid by unbind, once */
	__atomic_store_n(&xo.stop_inject, 1, __ATOMIC_RELEASE);
	sva_unbind(b);
	t_end = rte_get_timer_cycles() + 5 * rte_get_timer_hz();
	while (__atomic_load_n(&xo.nout, __ATOMIC_ACQUIRE) != 0 && rte_get_timer_cycles() < t_end)
		rte_delay_us_sleep(1000);
	__atomic_store_n(&xo.stop_poll, 1, __ATOMIC_RELEASE);
	while (!__atomic_load_n(&xo.poll_done, __ATOMIC_ACQUIRE))
		rte_pause();
	TEST_ASSERT_SUCCESS(rte_eal_wait_lcore(ST.lcore), "poller");
	syn_of(ST.iommu)->on_prq_read = NULL;
	printf("    %u groups; VMM answers: %" PRIu64 " taken, %" PRIu64 " EALREADY, %" PRIu64
		" ETIMEDOUT, %" PRIu64 " ENOENT; held %" PRIu64 ", by the VMM %" PRIu64
		", deadline %" PRIu64 " (before unbind)\n", XO_GROUPS, res[0], res[1], res[2],
		res[3], ns.s1_groups, ns.vmm_answers, ns.vmm_timeouts);
	TEST_ASSERT_EQUAL(__atomic_load_n(&xo.errors, __ATOMIC_ACQUIRE), 0,
		"a group got a second response");
	TEST_ASSERT_EQUAL(__atomic_load_n(&xo.nout, __ATOMIC_ACQUIRE), 0,
		"a group got no response");
	TEST_ASSERT_EQUAL(__atomic_load_n(&xo.answered, __ATOMIC_ACQUIRE), XO_GROUPS,
		"one response per group");
	TEST_ASSERT_EQUAL(res[4], 0, "an answer with an undocumented result");
	TEST_ASSERT_GREATER(res[0], 0, "the VMM answered some");
	TEST_ASSERT_GREATER(res[1], 0, "second answers were refused");
	TEST_ASSERT_GREATER(ns.vmm_timeouts, 0, "the deadline answered some");
	TEST_ASSERT_EQUAL(res[0], ns.vmm_answers, "every answer taken is counted");
	TEST_ASSERT_RET(sva_vpasid_unmap(vm, 5), 0);
	TEST_ASSERT_RET(sva_vpasid_vm_destroy(vm), 0);
	sva_t_close();
	munmap(ram, RAM_SIZE);
	return TEST_SUCCESS;
}

/* ---- teardown with a stuck drain: a nested bond's number is held back too ---- */

/*
 * A nested (VT-d) bond unbound while the device takes no responses: its drain cannot
 * complete, and its host PASID stays in the VM's map (the guest still has gPASID 5).
 * A plain bond's PASID is held back by the allocator's drain hook until a drain
 * completes; the same rule for the mapped number: rebinding gPASID 5 of the same VM
 * waits for a completed drain (EAGAIN meanwhile), so A's request still in flight is
 * answered Invalid, never delivered to the new owner's VMM; gPASID 5 of another VM
 * never gets the old host PASID; the kept response is written before the new bond.
 * Failed before the fix: the rebind took host PASID h at once and A's first-level
 * group went to the new bond's VMM with its cookie.
 */
static int
test_nested_reuse_stuck_drain(void)
{
	uint8_t *ram = sva_t_map(RAM_SIZE);
	struct sva_nested_cfg c = vtd_cfg(ram);
	struct sva_bind_params pa = nested_params(&c, 5, 0xaaaa), pb = nested_params(&c, 5, 0xbbbb);
	struct sva_bind_params pc = nested_params(&c, 5, 0xcccc);
	struct sva_iopf_nested_stats ns;
	struct sva_vpasid_vm *va, *vb;
	struct sva_page_response r;
	struct sva_fault rec[4];
	struct sva_bond *a, *b, *a2;
	struct syn_iommu *s;
	uint32_t h, hb, code = 0;

	TEST_ASSERT_NOT_NULL(ram, "guest RAM");
	TEST_ASSERT_SUCCESS(sva_t_open(NULL, "nested=1", "rid=0x10"), "open");
	s = syn_of(ST.iommu);
	va = sva_vpasid_vm_create(ST.space, "vma", 0, 20, 0);
	vb = sva_vpasid_vm_create(ST.space, "vmb", 0, 20, 0);
	TEST_ASSERT(va != NULL && vb != NULL, "vms");
	TEST_ASSERT_RET(sva_vpasid_map(va, 5, &h), 0);
	a = sva_bind(ST.dev, sva_vpasid_vm_set(va), &pa);
	TEST_ASSERT_NOT_NULL(a, "bind A");
	s->resp_ret = -EAGAIN;   /* the response queue takes nothing */
	syn_pr_flags(ST.iommu, 0x10, PR_S2 | PR_LAST, h, 1, (uintptr_t)ram + 0x3000, PERM_WR, 0);
	poll_all();              /* A's second-level group resolved, its Success kept */
	sva_unbind(a);           /* the drain cannot complete: bounded wait, logged */
	TEST_ASSERT_EQUAL(s->nresp, 0, "nothing written yet");
	/* A's first-level request, still in flight in the device */
	syn_pr_flags(ST.iommu, 0x10, PR_S1 | PR_LAST, h, 2, 0x400000, PERM_RD, 0);
	/* the same gPASID of the same VM: the number is not reused before a drain */
	TEST_ASSERT_NULL_ERRNO(sva_bind(ST.dev, sva_vpasid_vm_set(va), &pb), EAGAIN);
	TEST_ASSERT_EQUAL(s->nresp, 0, "still nothing written");
	/* the same gPASID in another VM: another host PASID, none of A's records */
	TEST_ASSERT_RET(sva_vpasid_map(vb, 5, &hb), 0);
	TEST_ASSERT(hb != h, "VM b's gPASID 5 is not host PASID %u", h);
	b = sva_bind(ST.dev, sva_vpasid_vm_set(vb), &pb);
	TEST_ASSERT_NOT_NULL(b, "bind B (fresh host PASID)");
	s->resp_ret = 0;         /* the device takes responses again */
	a2 = sva_bind(ST.dev, sva_vpasid_vm_set(va), &pc);
	TEST_ASSERT_NOT_NULL(a2, "rebind once drained");
	TEST_ASSERT_EQUAL(sva_bond_pasid(a2), h, "the VM's host PASID, reused");
	TEST_ASSERT_EQUAL(s->nresp, 2, "A's kept response and its stale request, before A2");
	TEST_ASSERT_EQUAL(syn_responses_for(ST.iommu, h, 1, &code), 1, "A's group 1 once");
	TEST_ASSERT_EQUAL(code, SVA_PAGE_RESP_SUCCESS, "as resolved for A");
	TEST_ASSERT_EQUAL(syn_responses_for(ST.iommu, h, 2, &code), 1, "A's group 2 once");
	TEST_ASSERT_EQUAL(code, SVA_PAGE_RESP_INVALID, "stale: Invalid");
	poll_all();
	TEST_ASSERT_EQUAL(ring_take(a2, rec, 4), 0, "nothing of A's for the new owner's VMM");
	TEST_ASSERT_EQUAL(ring_take(b, rec, 4), 0, "nothing of A's for VM b");
	TEST_ASSERT_RET(sva_nested_stats_get(a2, &ns), 0);
	TEST_ASSERT_EQUAL(ns.s1_groups, 0, "no group of A's held for A2");
	/* A2's own group 2 (PRG index reused): its own, with its cookie, answered once */
	syn_pr_flags(ST.iommu, 0x10, PR_S1 | PR_LAST, h, 2, 0x401000, PERM_RD, 0);
	poll_all();
	TEST_ASSERT_EQUAL(ring_take(a2, rec, 4), 1, "A2's group");
	TEST_ASSERT(rec[0].prm.user_cookie == 0xcccc && rec[0].prm.addr == 0x401000, "A2's own");
	r = answer(0x10, h, 2, SVA_PAGE_RESP_SUCCESS);
	TEST_ASSERT_RET(sva_nested_page_response(a2, &r), 0);
	TEST_ASSERT_EQUAL(syn_responses_for(ST.iommu, h, 2, &code), 2, "A's and A2's");
	TEST_ASSERT_EQUAL(code, SVA_PAGE_RESP_SUCCESS, "A2's answer");
	TEST_ASSERT_EQUAL(s->nresp, 3, "nothing else");
	sva_unbind(a2);
	sva_unbind(b);
	TEST_ASSERT_RET(sva_vpasid_unmap(va, 5), 0);
	TEST_ASSERT_RET(sva_vpasid_unmap(vb, 5), 0);
	TEST_ASSERT_RET(sva_vpasid_vm_destroy(va), 0);
	TEST_ASSERT_RET(sva_vpasid_vm_destroy(vb), 0);
	sva_t_close();
	munmap(ram, RAM_SIZE);
	return TEST_SUCCESS;
}

/*
 * The same for an SMMUv3 CD table bond (no host number at all: the dev's SSIDs are the
 * guest's): after it went with a stuck drain, a plain bind of the same dev must not
 * serve SSID 1 before a drain completed, or the guest's second-level request for SSID 1
 * still in flight is resolved under the plain bond. Failed before the fix (only RID and
 * CD table binds drained first).
 */
static int
test_nested_cd_table_stuck_drain(void)
{
	uint8_t *ram = sva_t_map(RAM_SIZE);
	struct sva_nested_cfg c = cd_cfg(ram);
	struct sva_bind_params p = nested_params(&c, 0, 0xcd);
	struct sva_bind_params q = { .pasid_min = 1, .pasid_max = 1 };
	struct sva_iopf_stats st;
	struct sva_bond *a, *b;
	struct syn_iommu *s;
	uint32_t code = 0;

	TEST_ASSERT_NOT_NULL(ram, "guest RAM");
	TEST_ASSERT_SUCCESS(sva_t_open(NULL, "model=smmuv3,nested=1", "rid=0x10"), "open");
	s = syn_of(ST.iommu);
	a = sva_t_bind(&p);
	TEST_ASSERT_NOT_NULL(a, "CD table bind");
	s->resp_ret = -EAGAIN;
	syn_pr_flags(ST.iommu, 0x10, PR_S2 | PR_LAST, 1, 1, (uintptr_t)ram + 0x3000, PERM_WR, 0);
	poll_all();              /* resolved, its Success kept */
	sva_t_unbind(a);         /* stuck drain */
	syn_pr_flags(ST.iommu, 0x10, PR_S2 | PR_LAST, 1, 2, (uintptr_t)ram + 0x5000, PERM_WR, 0);
	TEST_ASSERT_NULL_ERRNO(sva_t_bind(&q), EAGAIN);
	TEST_ASSERT_NULL_ERRNO(sva_t_bind(&p), EAGAIN);
	s->resp_ret = 0;
	b = sva_t_bind(&q);
	TEST_ASSERT_NOT_NULL(b, "plain bind once drained");
	TEST_ASSERT_EQUAL(sva_bond_pasid(b), 1, "SSID 1");
	TEST_ASSERT_EQUAL(syn_responses_for(ST.iommu, 1, 1, &code), 1, "the guest's group 1 once");
	TEST_ASSERT_EQUAL(code, SVA_PAGE_RESP_SUCCESS, "as resolved for the CD table");
	TEST_ASSERT_EQUAL(syn_responses_for(ST.iommu, 1, 2, &code), 1, "stale group 2 once");
	TEST_ASSERT_EQUAL(code, SVA_PAGE_RESP_INVALID, "stale: Invalid");
	TEST_ASSERT_EQUAL(test_page_present(ram + 0x5000), 0, "never resolved under the plain bond");
	poll_all();
	TEST_ASSERT_SUCCESS(sva_stats_get(NULL, b, &st), "stats");
	TEST_ASSERT_EQUAL(st.page_reqs, 0, "nothing of the guest's is the plain bond's");
	TEST_ASSERT_EQUAL(s->nresp, 2, "nothing else");
	sva_t_unbind(b);
	sva_t_close();
	munmap(ram, RAM_SIZE);
	return TEST_SUCCESS;
}

/*
 * A late answer after the device reused the PRG index (found by iopf_model_autotest's
 * nested class, rule N5b): group 3 is answered Invalid by the deadline, the device sends
 * a new group 3, and the VMM's late Success for the old one must not answer the new one.
 * The records carry the instance tag in their cookie; echoed, the late answer is refused
 * (-ETIMEDOUT) and the new group stays held for its own answer. Without the tag (cookie
 * 0: by key) it reaches the new group, as documented. Failed before the tag: the late
 * Success answered the new group.
 */
static int
test_nested_late_answer_reused_prg(void)
{
	uint8_t *ram = sva_t_map(RAM_SIZE);
	struct sva_nested_cfg c = vtd_cfg(ram);
	struct sva_bind_params p = nested_params(&c, 5, 0x7a6);
	struct sva_page_response r;
	struct sva_fault old, cur, rec[4];
	struct sva_vpasid_vm *vm;
	struct sva_bond *b;
	uint32_t h, code = 0;

	TEST_ASSERT_NOT_NULL(ram, "guest RAM");
	TEST_ASSERT_SUCCESS(sva_t_open(NULL, "nested=1", "rid=0x10"), "open");
	vm = sva_vpasid_vm_create(ST.space, "vm1", 0, 20, 0);
	TEST_ASSERT_NOT_NULL(vm, "vm");
	TEST_ASSERT_RET(sva_vpasid_map(vm, 5, &h), 0);
	b = sva_bind(ST.dev, sva_vpasid_vm_set(vm), &p);
	TEST_ASSERT_NOT_NULL(b, "nested bind");
	TEST_ASSERT_SUCCESS(sva_iopf_deadlines_set(sva_iopf_get(ST.iommu), 20000, 0,
		SVA_PAGE_RESP_INVALID), "20 ms deadline");
	syn_pr_flags(ST.iommu, 0x10, PR_S1 | PR_LAST, h, 3, 0x400000, PERM_RD, 0);
	poll_all();
	TEST_ASSERT_EQUAL(ring_take(b, &old, 1), 1, "old group handed over");
	TEST_ASSERT(old.prm.flags & SVA_FAULT_PR_COOKIE, "instance tag flagged");
	TEST_ASSERT(old.prm.cookie != 0, "instance tag set");
	rte_delay_us_sleep(30000);
	poll_all();
	TEST_ASSERT_EQUAL(syn_responses_for(ST.iommu, h, 3, &code), 1, "deadline answered it");
	TEST_ASSERT_EQUAL(code, SVA_PAGE_RESP_INVALID, "Invalid");
	TEST_ASSERT_SUCCESS(sva_iopf_deadlines_set(sva_iopf_get(ST.iommu), 3600000000ull, 0,
		SVA_PAGE_RESP_INVALID), "deadline far away again");
	/* the device reuses PRG index 3 */
	syn_pr_flags(ST.iommu, 0x10, PR_S1 | PR_LAST, h, 3, 0x500000, PERM_WR, 0);
	poll_all();
	TEST_ASSERT_EQUAL(ring_take(b, &cur, 1), 1, "new group handed over");
	TEST_ASSERT(cur.prm.cookie != 0 && cur.prm.cookie != old.prm.cookie, "its own tag");
	/* the late answer of the old group, tag echoed: refused, the new one untouched */
	r = answer(0x10, h, 3, SVA_PAGE_RESP_SUCCESS);
	r.cookie = old.prm.cookie;
	TEST_ASSERT_RET(sva_nested_page_response(b, &r), -ETIMEDOUT);
	TEST_ASSERT_EQUAL(syn_responses_for(ST.iommu, h, 3, NULL), 1, "new group still held");
	/* a tag that was never handed out: no such group */
	r.cookie = cur.prm.cookie + 1000;
	TEST_ASSERT_RET(sva_nested_page_response(b, &r), -ENOENT);
	/* the new group's own answer */
	r = answer(0x10, h, 3, SVA_PAGE_RESP_FAILURE);
	r.cookie = cur.prm.cookie;
	TEST_ASSERT_RET(sva_nested_page_response(b, &r), 0);
	TEST_ASSERT_EQUAL(syn_responses_for(ST.iommu, h, 3, &code), 2, "answered once");
	TEST_ASSERT_EQUAL(code, SVA_PAGE_RESP_FAILURE, "with its own answer");
	r.cookie = old.prm.cookie;                          /* the old one's again */
	TEST_ASSERT_RET(sva_nested_page_response(b, &r), -ETIMEDOUT);
	r.cookie = cur.prm.cookie;
	TEST_ASSERT_RET(sva_nested_page_response(b, &r), -EALREADY);
	/* cookie 0 names the key: it reaches whatever group is held under it */
	syn_pr_flags(ST.iommu, 0x10, PR_S1 | PR_LAST, h, 3, 0x600000, PERM_RD, 0);
	poll_all();
	TEST_ASSERT_EQUAL(ring_take(b, rec, 4), 1, "third group handed over");
	r = answer(0x10, h, 3, SVA_PAGE_RESP_SUCCESS);
	TEST_ASSERT_RET(sva_nested_page_response(b, &r), 0);
	TEST_ASSERT_EQUAL(syn_responses_for(ST.iommu, h, 3, &code), 3, "third answered");
	TEST_ASSERT_EQUAL(code, SVA_PAGE_RESP_SUCCESS, "by key");
	sva_unbind(b);
	TEST_ASSERT_RET(sva_vpasid_unmap(vm, 5), 0);
	TEST_ASSERT_RET(sva_vpasid_vm_destroy(vm), 0);
	sva_t_close();
	munmap(ram, RAM_SIZE);
	return TEST_SUCCESS;
}

static struct sva_test_suite vsva_suite = {
	.name = "vsva",
	.cases = {
		SVA_TEST_CASE(test_bind_params_size),
		SVA_TEST_CASE(test_guest_data_records),
		SVA_TEST_CASE(test_vpasid_map),
		SVA_TEST_CASE(test_vpasid_concurrency),
		SVA_TEST_CASE(test_nested_rules_vtd),
		SVA_TEST_CASE(test_nested_rules_smmuv3),
		SVA_TEST_CASE(test_nested_bind_vtd),
		SVA_TEST_CASE(test_nested_routing_vtd),
		SVA_TEST_CASE(test_nested_vm_isolation),
		SVA_TEST_CASE(test_nested_cd_table),
		SVA_TEST_CASE(test_nested_auto_invalid),
		SVA_TEST_CASE(test_nested_answer_from_callback),
		SVA_TEST_CASE(test_nested_exactly_once_race),
		SVA_TEST_CASE(test_nested_reuse_stuck_drain),
		SVA_TEST_CASE(test_nested_cd_table_stuck_drain),
		SVA_TEST_CASE(test_nested_late_answer_reused_prg),
		SVA_TEST_CASES_END(),
	},
};

static int
test_vsva(void)
{
	return sva_test_suite_run(&vsva_suite);
}

SVA_TEST_REGISTER(vsva_autotest, test_vsva);
