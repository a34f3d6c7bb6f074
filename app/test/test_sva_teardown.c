/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * sva_teardown_autotest: teardown with work in flight, on both emu models, and exact
 * versions on the synthetic driver:
 *  - unbind with groups in flight: every closed group answered (Invalid) before the
 *    PASID is freed, a partial group discarded and its late LAST answered once; the
 *    device sees a partial completion, never a hang;
 *  - poll service stop with groups in flight: left queued, answered by the next poller
 *    (Success), never refused because polling paused;
 *  - unbind under response back-pressure: the PASID is not reused until the drain
 *    completed; unbind racing sva_poll_release();
 *  - a freed and reused PASID receiving stale requests: they are answered Invalid by
 *    the drain hook before the number is handed out again, never resolved into the
 *    new owner's bond; the same for a dev's RID bound again by a new bond.
 */
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include <rte_errno.h>
#include <rte_service.h>

#include "sva_test.h"
#include "test_pagemap.h"
#include "test_iopf_syn.h"
#include "test_sva_common.h"

#define PG SVA_T_PG

/* Wait (bounded) until the device has a group waiting for its answer. */
static int
wait_outstanding(void)
{
	for (int i = 0; i < 200000; i++) {
		if (sva_t_counters().groups_outstanding >= 1)
			return 0;
		usleep(100);
	}
	return -ETIMEDOUT;
}

static int
submit_fill(struct sva_bond *b, void *dst, size_t len, struct sva_emu_comp *c)
{
	struct sva_emu_desc d = {
		.op = SVA_EMU_OP_FILL, .flags = SVA_EMU_DESC_PASID_VALID,
		.pasid = sva_bond_pasid(b), .dst = (uintptr_t)dst, .len = len, .pattern = 7,
	};

	return sva_emu_submit(ST.dev, &d, c);
}

static void
poll_syn(void)
{
	while (sva_iopf_poll(ST.iommu, 256) > 0)
		;
}

/* ---- unbind with groups in flight ---- */

static int
unbind_in_flight_one(const char *model)
{
	uint8_t *buf = sva_t_map(4 * PG);
	struct sva_emu_counters k;
	struct sva_emu_comp c;
	struct sva_bond *b;

	TEST_ASSERT_NOT_NULL(buf, "memory");
	TEST_ASSERT_SUCCESS(sva_t_open(model, "", "prg_window=1"), "open");
	b = sva_t_bind(NULL);
	TEST_ASSERT_NOT_NULL(b, "bind");
	/* nobody polls: the device's first group waits in the queue */
	TEST_ASSERT_RET(submit_fill(b, buf, 4 * PG, &c), 0);
	TEST_ASSERT_SUCCESS(wait_outstanding(), "a group in flight");
	sva_t_unbind(b);
	TEST_ASSERT_RET(sva_emu_wait(ST.dev, &c, SVA_T_WAIT_US), 0);
	TEST_ASSERT_EQUAL(c.status, SVA_EMU_STATUS_PAGE_FAULT, "answered Invalid, not left hanging");
	TEST_ASSERT_EQUAL(c.fault_addr, (uintptr_t)buf, "at the first page");
	TEST_ASSERT_EQUAL(c.bytes_done, 0, "nothing done");
	TEST_ASSERT_EQUAL(test_page_present(buf), 0, "never resolved");
	k = sva_t_counters();
	TEST_ASSERT_EQUAL(k.groups, 1, "one group sent");
	TEST_ASSERT_EQUAL(k.resp_invalid, 1, "answered once, Invalid");
	TEST_ASSERT_EQUAL(k.resp_success + k.resp_duplicate + k.resp_unknown_group + k.resp_late,
		0, "nothing else");
	TEST_ASSERT_EQUAL(k.groups_outstanding, 0, "none outstanding");
	TEST_ASSERT_EQUAL(k.group_timeouts, 0, "no timeout");
	munmap(buf, 4 * PG);
	return TEST_SUCCESS;
}
SVA_T_BOTH(unbind_in_flight)

static int
test_unbind_partial_group_syn(void)
{
	uint8_t *buf = sva_t_map(8 * PG);
	struct syn_iommu *s;
	struct sva_bond *b;
	uint32_t code = 0, pasid;

	TEST_ASSERT_NOT_NULL(buf, "memory");
	TEST_ASSERT_SUCCESS(sva_t_open(NULL, "", "rid=0x10"), "open");
	s = syn_of(ST.iommu);
	b = sva_t_bind(NULL);
	TEST_ASSERT_NOT_NULL(b, "bind");
	pasid = sva_bond_pasid(b);
	syn_pr(ST.iommu, 0x10, pasid, 40, (uintptr_t)buf, SVA_FAULT_PERM_WRITE, 0); /* partial */
	poll_syn();
	syn_pr(ST.iommu, 0x10, pasid, 41, (uintptr_t)buf + PG, SVA_FAULT_PERM_WRITE, 1); /* queued */
	TEST_ASSERT_EQUAL(s->nresp, 0, "nothing answered yet");
	sva_t_unbind(b);
	/* item 3: the partial group is discarded, never answered; the queued one is */
	TEST_ASSERT_EQUAL(s->nresp, 1, "the queued group only");
	TEST_ASSERT_EQUAL(syn_responses_for(ST.iommu, pasid, 40, NULL), 0, "partial: not answered");
	TEST_ASSERT_EQUAL(syn_responses_for(ST.iommu, pasid, 41, &code), 1, "queued once");
	TEST_ASSERT_EQUAL(code, SVA_PAGE_RESP_INVALID, "Invalid");
	TEST_ASSERT_EQUAL(test_page_present(buf) + test_page_present(buf + PG), 0, "nothing resolved");
	/* the partial group's LAST arrives late: Invalid (unknown PASID), once */
	syn_pr(ST.iommu, 0x10, pasid, 40, (uintptr_t)buf + 2 * PG, SVA_FAULT_PERM_WRITE, 1);
	poll_syn();
	TEST_ASSERT_EQUAL(syn_responses_for(ST.iommu, pasid, 40, &code), 1, "its LAST answered once");
	TEST_ASSERT_EQUAL(code, SVA_PAGE_RESP_INVALID, "Invalid");
	poll_syn();
	TEST_ASSERT_EQUAL(s->nresp, 2, "late polls answer nothing more");
	TEST_ASSERT_EQUAL(test_page_present(buf + 2 * PG), 0, "never resolved");
	munmap(buf, 8 * PG);
	sva_t_close();
	return TEST_SUCCESS;
}

/* ---- service stop with groups in flight ---- */

static int
service_stop_one(const char *model)
{
	uint8_t *buf = sva_t_map(4 * PG);
	struct sva_emu_counters k;
	struct sva_emu_comp c;
	struct sva_bond *b;
	uint32_t sid;

	TEST_ASSERT_NOT_NULL(buf, "memory");
	TEST_ASSERT_SUCCESS(sva_t_open(model, "", "prg_window=1"), "open");
	b = sva_t_bind(NULL);
	TEST_ASSERT_NOT_NULL(b, "bind");
	TEST_ASSERT_SUCCESS(sva_t_poll_start(), "poll lcore");
	/* the service works */
	TEST_ASSERT_RET(sva_t_job(ST.dev, sva_bond_pasid(b), SVA_EMU_OP_FILL, 0,
		(uintptr_t)buf + 2 * PG, PG, &c), 0);
	TEST_ASSERT_EQUAL(c.status, SVA_EMU_STATUS_SUCCESS, "served");
	/* pause it (the application's own runstate switch) so a group stays in flight */
	TEST_ASSERT_SUCCESS(sva_poll_service_id(ST.iommu, &sid), "service id");
	TEST_ASSERT_SUCCESS(rte_service_runstate_set(sid, 0), "pause");
	while (rte_service_may_be_active(sid) == 1)
		usleep(100);
	TEST_ASSERT_RET(submit_fill(b, buf, PG, &c), 0);
	TEST_ASSERT_SUCCESS(wait_outstanding(), "a group in flight");
	TEST_ASSERT_SUCCESS(sva_poll_lcore_stop(ST.lcore), "stop");
	ST.polling = false;
	/* item 17: a live bond's request stays queued for the next poller */
	k = sva_t_counters();
	TEST_ASSERT_EQUAL(k.groups_outstanding, 1, "still outstanding after the stop");
	TEST_ASSERT_EQUAL(k.resp_invalid, 0, "not refused because polling paused");
	TEST_ASSERT_EQUAL(test_page_present(buf), 0, "not resolved yet");
	/* polling resumes: the waiting group is served */
	TEST_ASSERT_SUCCESS(sva_t_poll_start(), "restart");
	TEST_ASSERT_RET(sva_emu_wait(ST.dev, &c, SVA_T_WAIT_US), 0);
	TEST_ASSERT_EQUAL(c.status, SVA_EMU_STATUS_SUCCESS, "served by the next poller");
	TEST_ASSERT_EQUAL(test_page_present(buf), 1, "resolved");
	TEST_ASSERT_RET(sva_t_job(ST.dev, sva_bond_pasid(b), SVA_EMU_OP_FILL, 0, (uintptr_t)buf + PG,
		PG, &c), 0);
	TEST_ASSERT_EQUAL(c.status, SVA_EMU_STATUS_SUCCESS, "served again");
	sva_t_poll_stop();
	k = sva_t_counters();
	TEST_ASSERT_EQUAL(k.groups_outstanding, 0, "none outstanding");
	TEST_ASSERT_EQUAL(k.resp_success, 3, "three Success");
	TEST_ASSERT_EQUAL(k.resp_invalid + k.resp_duplicate + k.resp_unknown_group + k.resp_late, 0,
		"once each, none refused");
	sva_t_unbind(b);
	munmap(buf, 4 * PG);
	return TEST_SUCCESS;
}
SVA_T_BOTH(service_stop)

/* ---- a freed and reused PASID ---- */

static int
test_reused_pasid_syn(void)
{
	struct sva_bind_params p = { .pasid_min = 7, .pasid_max = 7 };
	uint8_t *old = sva_t_map(4 * PG), *cur = sva_t_map(4 * PG);
	struct sva_iopf_stats st;
	struct sva_bond *a, *b;
	struct syn_iommu *s;
	uint32_t code = 0;

	TEST_ASSERT(old != NULL && cur != NULL, "memory");
	TEST_ASSERT_SUCCESS(sva_t_open(NULL, "", "rid=0x10"), "open");
	s = syn_of(ST.iommu);
	a = sva_t_bind(&p);
	TEST_ASSERT_NOT_NULL(a, "bind A");
	TEST_ASSERT_EQUAL(sva_bond_pasid(a), 7, "PASID 7");
	sva_t_unbind(a);
	/* stale requests of A's device context, still in the queue */
	syn_pr(ST.iommu, 0x10, 7, 1, (uintptr_t)old, SVA_FAULT_PERM_WRITE, 1);
	syn_pr(ST.iommu, 0x10, 7, 2, (uintptr_t)old + PG, SVA_FAULT_PERM_READ, 0);
	syn_pr(ST.iommu, 0x10, 7, 2, (uintptr_t)old + 2 * PG, SVA_FAULT_PERM_READ, 1);
	/* B asks for the same number: the drain hook answers the stale requests first */
	b = sva_t_bind(&p);
	TEST_ASSERT_NOT_NULL(b, "bind B");
	TEST_ASSERT_EQUAL(sva_bond_pasid(b), 7, "the number is reused");
	TEST_ASSERT_EQUAL(s->nresp, 2, "both stale groups answered before the reuse");
	TEST_ASSERT_EQUAL(syn_responses_for(ST.iommu, 7, 1, &code), 1, "stale 1 once");
	TEST_ASSERT_EQUAL(code, SVA_PAGE_RESP_INVALID, "Invalid");
	TEST_ASSERT_EQUAL(syn_responses_for(ST.iommu, 7, 2, &code), 1, "stale 2 once");
	TEST_ASSERT_EQUAL(code, SVA_PAGE_RESP_INVALID, "Invalid");
	for (unsigned int i = 0; i < 3; i++)
		TEST_ASSERT_EQUAL(test_page_present(old + i * PG), 0, "stale page %u never resolved", i);
	TEST_ASSERT_SUCCESS(sva_stats_get(NULL, b, &st), "B's stats");
	TEST_ASSERT_EQUAL(st.page_reqs, 0, "nothing of A's was attributed to B");
	/* B's own request resolves */
	syn_pr(ST.iommu, 0x10, 7, 3, (uintptr_t)cur, SVA_FAULT_PERM_WRITE, 1);
	poll_syn();
	TEST_ASSERT_EQUAL(syn_responses_for(ST.iommu, 7, 3, &code), 1, "B's request");
	TEST_ASSERT_EQUAL(code, SVA_PAGE_RESP_SUCCESS, "Success");
	TEST_ASSERT_EQUAL(test_page_present(cur), 1, "resolved for B");
	TEST_ASSERT_SUCCESS(sva_stats_get(NULL, b, &st), "B's stats");
	TEST_ASSERT_EQUAL(st.page_reqs, 1, "B's one request");
	sva_t_unbind(b);
	munmap(old, 4 * PG);
	munmap(cur, 4 * PG);
	sva_t_close();
	return TEST_SUCCESS;
}

static int
reused_pasid_one(const char *model)
{
	struct sva_bind_params p = { .pasid_min = 7, .pasid_max = 7 };
	uint8_t *old = sva_t_map(4 * PG), *cur = sva_t_map(4 * PG);
	struct sva_iopf_stats st;
	struct sva_emu_comp ca, cb;
	struct sva_bond *a, *b;

	TEST_ASSERT(old != NULL && cur != NULL, "memory");
	TEST_ASSERT_SUCCESS(sva_t_open(model, "", "prg_window=1"), "open");
	a = sva_t_bind(&p);
	TEST_ASSERT_NOT_NULL(a, "bind A");
	TEST_ASSERT_RET(submit_fill(a, old, PG, &ca), 0);
	TEST_ASSERT_SUCCESS(wait_outstanding(), "A's group in flight");
	sva_t_unbind(a);
	/* item 18: the reuse path asked the model for its drain fence */
	TEST_ASSERT_GREATER_EQ(sva_t_counters().prq_drains, 1, "PRQ drain fence at unbind");
	b = sva_t_bind(&p);
	TEST_ASSERT_NOT_NULL(b, "bind B");
	TEST_ASSERT_EQUAL(sva_bond_pasid(b), 7, "reused");
	TEST_ASSERT_RET(sva_emu_wait(ST.dev, &ca, SVA_T_WAIT_US), 0);
	TEST_ASSERT_EQUAL(ca.status, SVA_EMU_STATUS_PAGE_FAULT, "A's job: Invalid");
	TEST_ASSERT_EQUAL(test_page_present(old), 0, "A's page never resolved");
	TEST_ASSERT_SUCCESS(sva_t_poll_start(), "poll lcore");
	TEST_ASSERT_RET(sva_t_job(ST.dev, 7, SVA_EMU_OP_FILL, 0, (uintptr_t)cur, PG, &cb), 0);
	TEST_ASSERT_EQUAL(cb.status, SVA_EMU_STATUS_SUCCESS, "B's job");
	sva_t_poll_stop();
	TEST_ASSERT_SUCCESS(sva_stats_get(NULL, b, &st), "stats");
	TEST_ASSERT_EQUAL(st.page_reqs, 1, "only B's request is B's");
	TEST_ASSERT_EQUAL(sva_t_counters().groups_outstanding, 0, "none outstanding");
	sva_t_unbind(b);
	munmap(old, 4 * PG);
	munmap(cur, 4 * PG);
	return TEST_SUCCESS;
}
SVA_T_BOTH(reused_pasid)

/* The RID passes to a new bond the way a PASID number does: only after a drain. A's
 * device context sends a request without PASID after A's unbind (its drain done); B
 * binds the RID with a fresh PASID (no number is reused, so the allocator's drain hook
 * does not run): the stale request is answered Invalid before B serves the RID, never
 * resolved under B (found by iopf_model_autotest, seed 229). */
static int
test_reused_rid_syn(void)
{
	struct sva_bind_params pa = { .flags = SVA_BIND_RID, .pasid_min = 7, .pasid_max = 7 };
	struct sva_bind_params pb = { .flags = SVA_BIND_RID, .pasid_min = 8, .pasid_max = 8 };
	uint8_t *old = sva_t_map(2 * PG), *cur = sva_t_map(2 * PG);
	struct sva_iopf_stats st;
	struct sva_bond *a, *b;
	struct syn_iommu *s;
	uint32_t code = 0;

	TEST_ASSERT(old != NULL && cur != NULL, "memory");
	TEST_ASSERT_SUCCESS(sva_t_open(NULL, "", "rid=0x10"), "open");
	s = syn_of(ST.iommu);
	a = sva_t_bind(&pa);
	TEST_ASSERT_NOT_NULL(a, "bind A");
	sva_t_unbind(a);
	/* A's stale request without PASID, queued after A's unbind */
	syn_pr_flags(ST.iommu, 0x10, SVA_FAULT_PR_LAST_PAGE, 0, 5, (uintptr_t)old,
		SVA_FAULT_PERM_WRITE, 0);
	b = sva_t_bind(&pb);
	TEST_ASSERT_NOT_NULL(b, "bind B");
	TEST_ASSERT_EQUAL(sva_bond_pasid(b), 8, "a fresh PASID");
	poll_syn();
	TEST_ASSERT_EQUAL(syn_responses_for(ST.iommu, 0, 5, &code), 1, "the stale group once");
	TEST_ASSERT_EQUAL(code, SVA_PAGE_RESP_INVALID, "stale: Invalid");
	TEST_ASSERT_EQUAL(test_page_present(old), 0, "never resolved under B");
	TEST_ASSERT_SUCCESS(sva_stats_get(NULL, b, &st), "B's stats");
	TEST_ASSERT_EQUAL(st.page_reqs, 0, "nothing of A's is B's");
	/* B's own request without PASID, same PRG index: resolved for B */
	syn_pr_flags(ST.iommu, 0x10, SVA_FAULT_PR_LAST_PAGE, 0, 5, (uintptr_t)cur,
		SVA_FAULT_PERM_WRITE, 0);
	poll_syn();
	TEST_ASSERT_EQUAL(syn_responses_for(ST.iommu, 0, 5, &code), 2, "A's and B's");
	TEST_ASSERT_EQUAL(code, SVA_PAGE_RESP_SUCCESS, "B's Success");
	TEST_ASSERT_EQUAL(test_page_present(cur), 1, "resolved for B");
	TEST_ASSERT_GREATER_EQ(s->drains, 2, "fenced at A's unbind and at B's RID bind");
	sva_t_unbind(b);
	munmap(old, 2 * PG);
	munmap(cur, 2 * PG);
	sva_t_close();
	return TEST_SUCCESS;
}

/* Item 1 (and 18): unbind under response back-pressure. A's kept response and its
 * queued request hold the PASID back: B cannot get the number until the drain really
 * completed (fence, queue read to empty, every kept response written); then A's stale
 * request is answered Invalid, never resolved under B, and A's kept response is written
 * before B's bond exists. */
static int
test_reuse_backpressure_syn(void)
{
	struct sva_bind_params p = { .pasid_min = 7, .pasid_max = 7 };
	uint8_t *old = sva_t_map(4 * PG), *cur = sva_t_map(4 * PG);
	struct sva_iopf_stats st;
	struct sva_bond *a, *b;
	struct syn_iommu *s;
	uint32_t code = 0;

	TEST_ASSERT(old != NULL && cur != NULL, "memory");
	TEST_ASSERT_SUCCESS(sva_t_open(NULL, "", "rid=0x10"), "open");
	s = syn_of(ST.iommu);
	a = sva_t_bind(&p);
	TEST_ASSERT_NOT_NULL(a, "bind A");
	s->resp_ret = -EAGAIN;   /* the response queue takes nothing */
	syn_pr(ST.iommu, 0x10, 7, 1, (uintptr_t)old, SVA_FAULT_PERM_WRITE, 1);
	poll_syn();              /* A's group 1 resolved, its response kept */
	syn_pr(ST.iommu, 0x10, 7, 2, (uintptr_t)old + PG, SVA_FAULT_PERM_WRITE, 1); /* queued */
	sva_t_unbind(a);         /* the drain cannot complete: bounded wait, logged */
	TEST_ASSERT_EQUAL(s->nresp, 0, "nothing written yet");
	b = sva_t_bind(&p);
	TEST_ASSERT_NULL(b, "PASID 7 is not reused before the drain completed");
	TEST_ASSERT_EQUAL(rte_errno, ENOSPC, "none free in 7..7: freed, still draining");
	s->resp_ret = 0;         /* the device takes responses again */
	b = sva_t_bind(&p);
	TEST_ASSERT_NOT_NULL(b, "bind B once drained");
	TEST_ASSERT_EQUAL(sva_bond_pasid(b), 7, "the number is reused");
	TEST_ASSERT_EQUAL(s->nresp, 2, "A's kept response and its stale request, before B");
	TEST_ASSERT_EQUAL(syn_responses_for(ST.iommu, 7, 1, &code), 1, "A's group 1 once");
	TEST_ASSERT_EQUAL(code, SVA_PAGE_RESP_SUCCESS, "as resolved for A");
	TEST_ASSERT_EQUAL(syn_responses_for(ST.iommu, 7, 2, &code), 1, "A's group 2 once");
	TEST_ASSERT_EQUAL(code, SVA_PAGE_RESP_INVALID, "stale: Invalid");
	TEST_ASSERT_EQUAL(test_page_present(old + PG), 0, "never resolved under B");
	TEST_ASSERT_SUCCESS(sva_stats_get(NULL, b, &st), "B's stats");
	TEST_ASSERT_EQUAL(st.page_reqs, 0, "nothing of A's is B's");
	/* B reuses PRG index 1: its own answer, the only one after A's */
	syn_pr(ST.iommu, 0x10, 7, 1, (uintptr_t)cur, SVA_FAULT_PERM_WRITE, 1);
	poll_syn();
	TEST_ASSERT_EQUAL(syn_responses_for(ST.iommu, 7, 1, &code), 2, "A's and B's");
	TEST_ASSERT_EQUAL(code, SVA_PAGE_RESP_SUCCESS, "B's Success");
	TEST_ASSERT_EQUAL(s->nresp, 3, "nothing else");
	TEST_ASSERT_GREATER_EQ(s->drains, 2, "item 18: fenced at unbind and at reuse");
	sva_t_unbind(b);
	munmap(old, 4 * PG);
	munmap(cur, 4 * PG);
	sva_t_close();
	return TEST_SUCCESS;
}

/* Item 13: sva_poll_release() while an unbind drains is refused (-EBUSY): the bond
 * counts on the fault path until the drain is over. The release runs on another thread
 * (as an application's would), started from inside the drain's queue read and joined
 * there: calling it nested on the draining thread would be a lock order no real caller
 * has (ThreadSanitizer reports it as one). */
static volatile int in_drain, release_ret = 1;

static void *
release_thread(void *arg)
{
	release_ret = sva_poll_release(arg);
	return NULL;
}

static void
release_during_drain(struct sva_iommu *iommu)
{
	struct syn_iommu *s = syn_of(iommu);
	pthread_t t;

	s->on_prq_read = NULL;   /* once */
	in_drain = 1;
	if (pthread_create(&t, NULL, release_thread, iommu) == 0)
		pthread_join(t, NULL);
}

static int
test_unbind_vs_release_syn(void)
{
	struct sva_bond *b;
	struct syn_iommu *s;

	TEST_ASSERT_SUCCESS(sva_t_open(NULL, "", "rid=0x10"), "open");
	s = syn_of(ST.iommu);
	b = sva_t_bind(NULL);
	TEST_ASSERT_NOT_NULL(b, "bind");
	in_drain = 0;
	release_ret = 1;
	s->on_prq_read = release_during_drain;
	sva_t_unbind(b);          /* its drain reads the queue: release runs there */
	TEST_ASSERT_EQUAL(in_drain, 1, "the drain read the queue");
	TEST_ASSERT_EQUAL(release_ret, -EBUSY, "release refused while the unbind drains");
	TEST_ASSERT_SUCCESS(sva_poll_release(ST.iommu), "release after the unbind");
	sva_t_close();
	return TEST_SUCCESS;
}

static struct sva_test_suite sva_teardown_suite = {
	.name = "sva_teardown",
	.cases = {
		SVA_TEST_CASE(unbind_in_flight),
		SVA_TEST_CASE(test_unbind_partial_group_syn),
		SVA_TEST_CASE(service_stop),
		SVA_TEST_CASE(test_reused_pasid_syn),
		SVA_TEST_CASE(reused_pasid),
		SVA_TEST_CASE(test_reused_rid_syn),
		SVA_TEST_CASE(test_reuse_backpressure_syn),
		SVA_TEST_CASE(test_unbind_vs_release_syn),
		SVA_TEST_CASES_END(),
	},
};

static int
test_sva_teardown(void)
{
	return sva_test_suite_run(&sva_teardown_suite);
}

SVA_TEST_REGISTER(sva_teardown_autotest, test_sva_teardown);
