/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * vsva_autotest, randomized: exactly one response per group while a device, the
 * poller and the VMM race (answers, duplicates, deadlines, unbind with groups held).
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

int
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
