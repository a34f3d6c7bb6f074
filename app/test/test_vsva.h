/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef TEST_VSVA_H
#define TEST_VSVA_H

/*
 * vsva_autotest (test_vsva.c runs the suite): the library half of vSVA (issue 13) on the
 * synthetic "syn" driver, one file per object: guest data (test_vsva_guest.c), the
 * gPASID map (test_vsva_map.c), the nested attach rules (test_vsva_rules.c), nested
 * binds and routing (test_vsva_nested.c), the randomized exactly-once race
 * (test_vsva_race.c). What they share is here.
 */

#include <stdint.h>

#include <rte_ring.h>
#include <rte_ring_elem.h>

#include <sva.h>
#include <sva_iopf.h>

#include "sva_test.h"
#include "test_iopf_syn.h"
#include "test_pagemap.h"
#include "test_sva_common.h"

#define PG SVA_T_PG
/* guest RAM of the nested configurations */
#define RAM_SIZE (1u << 20)

#define PR_S1 (SVA_FAULT_PR_PASID_VALID | SVA_FAULT_PR_NESTED_S1)
#define PR_S2 (SVA_FAULT_PR_PASID_VALID | SVA_FAULT_PR_NESTED_S2)
#define PR_LAST SVA_FAULT_PR_LAST_PAGE
#define PERM_RD SVA_FAULT_PERM_READ
#define PERM_WR (SVA_FAULT_PERM_READ | SVA_FAULT_PERM_WRITE)

/* Poll the syn iommu from this thread until it has nothing more to do. */
static inline void
poll_all(void)
{
	for (int i = 0; i < 16 && sva_iopf_poll(ST.iommu, 256) > 0; i++)
		;
}

/* A VT-d first level (PML4 at GPA 0x1000, SRE) in ram. */
static inline struct sva_nested_cfg
vtd_cfg(void *ram)
{
	struct sva_nested_cfg c = { .format = SVA_NESTED_VTD_FL, .flags = SVA_NESTED_SRE,
		.ram = { ram, RAM_SIZE }, .table_gpa = 0x1000 };

	return c;
}

/* An SMMUv3 two-level CD table (S1CDMAX 16) at GPA 0x40 in ram. */
static inline struct sva_nested_cfg
cd_cfg(void *ram)
{
	struct sva_nested_cfg c = { .format = SVA_NESTED_SMMUV3_CD, .ram = { ram, RAM_SIZE },
		.table_gpa = 0x40, .s1cdmax = 16, .s1fmt = 1 };

	return c;
}

/* A nested bind with guest data and an event ring. */
static inline struct sva_bind_params
nested_params(const struct sva_nested_cfg *c, uint32_t gpasid, uint64_t cookie)
{
	struct sva_bind_params p = { .size = sizeof(p),
		.flags = SVA_BIND_NESTED | SVA_BIND_EVENT_RING, .event_ring_size = 256,
		.gpasid = gpasid, .user_cookie = cookie, .nested = c };

	return p;
}

/* The VMM's answer to a group. */
static inline struct sva_page_response
answer(uint32_t dev_id, uint32_t pasid, uint32_t grpid, uint32_t code)
{
	struct sva_page_response r = { .argsz = sizeof(r), .flags = SVA_PAGE_RESP_PASID_VALID,
		.dev_id = dev_id, .pasid = pasid, .grpid = grpid, .code = code };

	return r;
}

/* Up to max records from the bond's event ring. */
static inline unsigned int
ring_take(struct sva_bond *b, struct sva_fault *recs, unsigned int max)
{
	unsigned int n = 0;

	while (n < max && rte_ring_dequeue_elem(sva_bond_event_ring(b), &recs[n],
			sizeof(recs[n])) == 0)
		n++;
	return n;
}

/* The cases, in the suite's order. */
int test_bind_params_size(void);
int test_guest_data_records(void);
int test_vpasid_map(void);
int test_vpasid_concurrency(void);
int test_nested_rules_vtd(void);
int test_nested_rules_smmuv3(void);
int test_nested_bind_vtd(void);
int test_nested_routing_vtd(void);
int test_nested_vm_isolation(void);
int test_nested_cd_table(void);
int test_nested_auto_invalid(void);
int test_nested_answer_from_callback(void);
int test_nested_exactly_once_race(void);
/* test_vsva_reuse.c */
int test_nested_reuse_stuck_drain(void);
int test_nested_cd_table_stuck_drain(void);
int test_nested_late_answer_reused_prg(void);

#endif /* TEST_VSVA_H */
