/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * vsva_autotest, guest data (issue 13 item 1): the sized struct sva_bind_params
 * (size 0 = the SVA_0.1 layout) and the bind-time gpasid / user_cookie stamped into
 * every record, event and statistics entry of the bond.
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
int
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
