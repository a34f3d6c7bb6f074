/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * vsva_autotest, nested binds (sva_bind with SVA_BIND_NESTED) and the routing of
 * first-level groups to the VMM: held groups answered exactly once with
 * sva_nested_page_response(), second-level ones resolved by svapoll, VMs isolated,
 * the SMMUv3 CD table bind, auto-invalid binds, answers from the event callback.
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

int
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
int
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
int
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
int
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

int
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
