/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * vsva_autotest, reuse of guest-facing numbers: a nested bond unbound while its drain
 * cannot complete (its host PASID, the SMMUv3 CD table's SSIDs) and a VMM answering
 * late after the device reused the PRG index. Each failed before its fix.
 */
#include <sys/mman.h>

#include "test_vsva.h"

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
int
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
int
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
int
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
