/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * sva_bind_autotest: lib/sva, what applications use: bind refusals with their exact
 * errnos; on both emu models a 64 MiB device copy from untouched malloc memory to
 * untouched mmap memory through bind + the poll service, with the model's counters
 * proving every group was answered once and our statistics equal to the model's;
 * auto-invalid binds with their event ring; unrecoverable faults to the bond's
 * callback; RID binds; the fault-around window changed at run time; telemetry read
 * with DPDK's dpdk-telemetry.py over the telemetry socket.
 */
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_ring.h>
#include <rte_ring_elem.h>

#include "sva_test.h"
#include "test_log.h"
#include "test_pagemap.h"
#include "test_iopf_syn.h"
#include "test_sva_common.h"

#define PG SVA_T_PG

static int
test_bind_refusals(void)
{
	struct sva_bind_params p = { 0 };
	struct sva_pasid_set *small;
	struct sva_bond *b, *b2;
	struct sva_iopf_stats st;
	uint32_t sid;

	TEST_ASSERT_SUCCESS(sva_t_open(NULL, "", "rid=0x10"), "open");
	TEST_ASSERT_NULL_ERRNO(sva_bind(NULL, ST.set, NULL), EINVAL);
	TEST_ASSERT_NULL_ERRNO(sva_bind(ST.dev, NULL, NULL), EINVAL);
	p.flags = 1u << 30;
	TEST_ASSERT_NULL_ERRNO(sva_t_bind(&p), EINVAL);
	p.flags = 0;
	p.fault_around_after = 513;
	TEST_ASSERT_NULL_ERRNO(sva_t_bind(&p), EINVAL);
	p.fault_around_after = 0;
	p.flags = SVA_BIND_EVENT_RING;
	p.event_cb = (sva_bond_event_cb_t)(uintptr_t)1;
	TEST_ASSERT_NULL_ERRNO(sva_t_bind(&p), EINVAL);
	p.event_cb = NULL;
	p.event_ring_size = 3;
	TEST_ASSERT_NULL_ERRNO(sva_t_bind(&p), EINVAL);
	memset(&p, 0, sizeof(p));
	p.pasid_min = 9;
	p.pasid_max = 8;
	TEST_ASSERT_NULL_ERRNO(sva_t_bind(&p), EINVAL);
	TEST_ASSERT_RET(sva_poll_service_id(ST.iommu, &sid), -ENOENT);

	/* a good one, PASID 9 */
	p.pasid_min = p.pasid_max = 9;
	b = sva_t_bind(&p);
	TEST_ASSERT_NOT_NULL(b, "bind");
	TEST_ASSERT_EQUAL(sva_bond_pasid(b), 9, "PASID from the range");
	TEST_ASSERT(sva_bond_dev(b) == ST.dev, "dev");
	TEST_ASSERT_GREATER(sva_bond_id(b), 0, "id");
	TEST_ASSERT_NULL(sva_bond_event_ring(b), "no ring asked");
	TEST_ASSERT_NULL_ERRNO(sva_t_bind(&p), ENOSPC);
	TEST_ASSERT_RET(sva_poll_service_id(ST.iommu, &sid), 0);
	TEST_ASSERT_RET(sva_poll_service_id(NULL, &sid), -EINVAL);
	TEST_ASSERT_RET(sva_poll_configure(ST.iommu, NULL), -EEXIST);
	TEST_ASSERT_RET(sva_poll_configure(NULL, NULL), -EINVAL);
	TEST_ASSERT_RET(sva_poll_release(ST.iommu), -EBUSY);
	TEST_ASSERT_RET(sva_poll_release(NULL), -EINVAL);
	TEST_ASSERT_RET(sva_poll_lcore_start(rte_get_main_lcore()), -EINVAL);
	TEST_ASSERT_RET(sva_poll_lcore_start(RTE_MAX_LCORE), -EINVAL);
	TEST_ASSERT_RET(sva_poll_lcore_stop(ST.lcore), -ENOENT);
	TEST_ASSERT_RET(sva_poll_lcore_stop(RTE_MAX_LCORE), -EINVAL);
	TEST_ASSERT_RET(sva_bond_fault_around_set(b, 600, 0), -EINVAL);
	TEST_ASSERT_RET(sva_bond_fault_around_set(NULL, 1, 0), -EINVAL);
	TEST_ASSERT_RET(sva_stats_get(NULL, NULL, &st), -EINVAL);
	TEST_ASSERT_RET(sva_stats_get(ST.iommu, NULL, NULL), -EINVAL);
	TEST_ASSERT_RET(sva_stats_reset(NULL, NULL), -EINVAL);

	/* the RID once per dev */
	memset(&p, 0, sizeof(p));
	p.flags = SVA_BIND_RID;
	b2 = sva_t_bind(&p);
	TEST_ASSERT_NOT_NULL(b2, "RID bind");
	TEST_ASSERT_NULL_ERRNO(sva_t_bind(&p), EEXIST);
	sva_t_unbind(b2);

	/* quota */
	small = sva_pasid_set_create(ST.space, "small", 1, NULL, SVA_BOND_PASID_TYPE, 0);
	TEST_ASSERT_NOT_NULL(small, "set");
	b2 = sva_bind(ST.dev, small, NULL);
	TEST_ASSERT_NOT_NULL(b2, "first of the quota");
	TEST_ASSERT_NULL_ERRNO(sva_bind(ST.dev, small, NULL), EDQUOT);
	sva_t_unbind(b2);
	sva_t_unbind(b);
	sva_t_unbind(NULL);
	TEST_ASSERT_SUCCESS(sva_pasid_set_destroy(small, 0), "set destroy");
	TEST_ASSERT_RET(sva_poll_release(ST.iommu), 0);
	TEST_ASSERT_RET(sva_poll_release(ST.iommu), -ENOENT);
	TEST_ASSERT_RET(sva_stats_get(ST.iommu, NULL, &st), -ENOENT);
	sva_t_close();
	return TEST_SUCCESS;
}

static int
copy_64m_one(const char *model)
{
	const size_t len = 64u << 20;
	uint8_t *src = malloc(len), *dst = sva_t_map(len);
	struct sva_iopf_stats st, all;
	struct sva_emu_counters k;
	struct sva_emu_comp c;
	struct sva_bond *b;
	uint64_t missing;

	TEST_ASSERT(src != NULL && dst != NULL, "memory");
	TEST_ASSERT_SUCCESS(test_no_thp(src, len), "4 KiB pages for the source");
	TEST_ASSERT_SUCCESS(sva_t_open(model, "prq_depth=4096", "prg_window=32"), "open");
	/* untouched: every page but what the allocator wrote its header into (ASan) */
	missing = sva_t_pages_missing(src, len) + sva_t_pages_missing(dst, len);
	TEST_ASSERT_GREATER_EQ(missing, 2 * len / PG - 2, "untouched memory");
	b = sva_t_bind(NULL);
	TEST_ASSERT_NOT_NULL(b, "bind");
	TEST_ASSERT_SUCCESS(sva_t_poll_start(), "poll lcore");
	TEST_ASSERT_RET(sva_t_job(ST.dev, sva_bond_pasid(b), SVA_EMU_OP_COPY, (uintptr_t)src,
		(uintptr_t)dst, len, &c), 0);
	TEST_ASSERT_EQUAL(c.status, SVA_EMU_STATUS_SUCCESS, "copy");
	TEST_ASSERT_EQUAL(c.bytes_done, len, "bytes");
	TEST_ASSERT_BUFFERS_EQUAL(src, dst, len, "data");
	sva_t_poll_stop();
	k = sva_t_counters();
	TEST_ASSERT_SUCCESS(sva_stats_get(NULL, b, &st), "bond stats");
	TEST_ASSERT_SUCCESS(sva_stats_get(ST.iommu, NULL, &all), "iommu stats");
	TEST_ASSERT_EQUAL(k.page_reqs, missing, "the device asked for every missing page once");
	TEST_ASSERT_EQUAL(k.groups_outstanding, 0, "none outstanding");
	TEST_ASSERT_EQUAL(k.resp_success, k.groups, "every group answered, Success");
	TEST_ASSERT_EQUAL(k.resp_duplicate + k.resp_unknown_group + k.resp_late, 0, "only once");
	TEST_ASSERT_EQUAL(k.success_not_present, 0, "Success only for present pages");
	TEST_ASSERT_EQUAL(st.page_reqs, k.page_reqs, "stats = model: page requests");
	TEST_ASSERT_EQUAL(st.groups, k.groups, "stats = model: groups");
	TEST_ASSERT_EQUAL(st.resp_success, k.resp_success, "stats = model: Success");
	TEST_ASSERT_EQUAL(all.batches, k.model.resp_doorbells, "one doorbell per batch");
	TEST_ASSERT_EQUAL(all.batch_responses, k.model.resp_written, "responses");
	TEST_ASSERT_EQUAL(all.groups, st.groups, "the iommu sums its bonds");
	TEST_ASSERT_EQUAL(st.lat_count, st.groups, "a latency per response");
	TEST_ASSERT_SUCCESS(sva_stats_reset(NULL, b), "reset");
	TEST_ASSERT_SUCCESS(sva_stats_get(NULL, b, &st), "bond stats");
	TEST_ASSERT_EQUAL(st.groups, 0, "reset");
	sva_t_unbind(b);
	free(src);
	munmap(dst, len);
	return TEST_SUCCESS;
}
SVA_T_BOTH(copy_64m)

static int
auto_invalid_one(const char *model)
{
	struct sva_bind_params p = { .flags = SVA_BIND_AUTO_INVALID | SVA_BIND_EVENT_RING,
		.event_ring_size = 16 };
	uint8_t *buf = sva_t_map(4 * PG);
	struct sva_iopf_stats st;
	struct sva_emu_comp c;
	struct sva_fault rec;
	struct sva_bond *b;

	TEST_ASSERT_NOT_NULL(buf, "memory");
	TEST_ASSERT_SUCCESS(sva_t_open(model, "", "prg_window=1"), "open");
	b = sva_t_bind(&p);
	TEST_ASSERT_NOT_NULL(b, "bind");
	TEST_ASSERT_NOT_NULL(sva_bond_event_ring(b), "ring");
	TEST_ASSERT_SUCCESS(sva_t_poll_start(), "poll lcore");
	TEST_ASSERT_RET(sva_t_job(ST.dev, sva_bond_pasid(b), SVA_EMU_OP_FILL, 0, (uintptr_t)buf,
		4 * PG, &c), 0);
	TEST_ASSERT_EQUAL(c.status, SVA_EMU_STATUS_PAGE_FAULT, "answered Invalid at once");
	TEST_ASSERT_EQUAL(c.fault_addr, (uintptr_t)buf, "first page");
	TEST_ASSERT_EQUAL(c.bytes_done, 0, "nothing done");
	TEST_ASSERT_EQUAL(test_page_present(buf), 0, "nothing touched");
	TEST_ASSERT_EQUAL(rte_ring_dequeue_elem(sva_bond_event_ring(b), &rec, sizeof(rec)), 0,
		"reported");
	TEST_ASSERT_EQUAL(rec.type, SVA_FAULT_UNRECOV, "as unrecoverable");
	TEST_ASSERT_EQUAL(rec.event.reason, SVA_FAULT_REASON_PRI_INVALID, "reason");
	TEST_ASSERT_EQUAL(rec.event.addr, (uintptr_t)buf, "address");
	TEST_ASSERT_EQUAL(rec.event.pasid, sva_bond_pasid(b), "PASID");
	TEST_ASSERT_EQUAL(rte_ring_count(sva_bond_event_ring(b)), 0, "one request, one record");
	sva_t_poll_stop();
	TEST_ASSERT_SUCCESS(sva_stats_get(NULL, b, &st), "stats");
	TEST_ASSERT_EQUAL(st.invalid[SVA_IOPF_R_AUTO_INVALID], 1, "counted");
	TEST_ASSERT_EQUAL(st.events, 1, "event counted");
	sva_t_unbind(b);
	munmap(buf, 4 * PG);
	return TEST_SUCCESS;
}
SVA_T_BOTH(auto_invalid)

static volatile uint64_t cb_events;
static struct sva_fault cb_last;

static void
event_cb(struct sva_bond *bond, const struct sva_fault *rec, void *arg)
{
	RTE_SET_USED(bond);
	*(int *)arg = 1;
	cb_last = *rec;
	__atomic_fetch_add(&cb_events, 1, __ATOMIC_RELEASE);
}

static int
events_and_rid_one(const char *model)
{
	int seen = 0;
	struct sva_bind_params p = { .flags = SVA_BIND_RID, .event_cb = event_cb,
		.event_arg = &seen };
	uint8_t *gone = sva_t_map(PG), *buf = sva_t_map(8 * PG);
	struct sva_emu_desc d = { .op = SVA_EMU_OP_FILL, .flags = 0,
		.pattern = 0x0102030405060708ull };
	struct sva_emu_comp c;
	struct sva_bond *b;

	TEST_ASSERT(gone != NULL && buf != NULL, "memory");
	munmap(gone, PG);
	cb_events = 0;
	TEST_ASSERT_SUCCESS(sva_t_open(model, "", "prg_window=4"), "open");
	b = sva_t_bind(&p);
	TEST_ASSERT_NOT_NULL(b, "bind");
	TEST_ASSERT_SUCCESS(sva_t_poll_start(), "poll lcore");
	/* outside every mapping: the device reports an unrecoverable fault */
	TEST_ASSERT_RET(sva_t_job(ST.dev, sva_bond_pasid(b), SVA_EMU_OP_FILL, 0, (uintptr_t)gone,
		PG, &c), 0);
	TEST_ASSERT_EQUAL(c.status, SVA_EMU_STATUS_UNRECOVERABLE, "unrecoverable");
	TEST_ASSERT(sva_t_wait_u64(&cb_events, 1), "the callback got it");
	TEST_ASSERT_EQUAL(__atomic_load_n(&cb_events, __ATOMIC_ACQUIRE), 1, "once");
	TEST_ASSERT_EQUAL(seen, 1, "with its argument");
	TEST_ASSERT_EQUAL(cb_last.event.reason, SVA_FAULT_REASON_TRANSLATION, "reason");
	TEST_ASSERT_EQUAL(cb_last.event.addr & ~(uint64_t)(PG - 1), (uintptr_t)gone, "address");
	/* a request without PASID, served by the RID half of the bond */
	d.dst = (uintptr_t)buf;
	d.len = 8 * PG;
	TEST_ASSERT_RET(sva_emu_submit(ST.dev, &d, &c), 0);
	TEST_ASSERT_RET(sva_emu_wait(ST.dev, &c, SVA_T_WAIT_US), 0);
	TEST_ASSERT_EQUAL(c.status, SVA_EMU_STATUS_SUCCESS, "RID job");
	TEST_ASSERT_EQUAL(buf[8 * PG - 1], 0x01, "filled (pattern's last byte)");
	sva_t_unbind(b);
	munmap(buf, 8 * PG);
	return TEST_SUCCESS;
}
SVA_T_BOTH(events_and_rid)

static int
test_bind_fault_around_runtime(void)
{
	uint8_t *buf = sva_t_map(32 * PG);
	struct sva_iopf_stats st;
	struct sva_bond *b;
	struct syn_iommu *s;
	uint32_t pasid;

	TEST_ASSERT_NOT_NULL(buf, "memory");
	TEST_ASSERT_SUCCESS(sva_t_open(NULL, "", "rid=0x10"), "open");
	b = sva_t_bind(NULL);
	TEST_ASSERT_NOT_NULL(b, "bind");
	s = syn_of(ST.iommu);
	pasid = sva_bond_pasid(b);
	syn_pr(ST.iommu, 0x10, pasid, 1, (uintptr_t)buf, SVA_FAULT_PERM_WRITE, 1);
	while (sva_iopf_poll(ST.iommu, 64) > 0)
		;
	TEST_ASSERT_EQUAL(test_page_present(buf + PG), 0, "default window 0");
	TEST_ASSERT_SUCCESS(sva_bond_fault_around_set(b, 0, 4), "window");
	syn_pr(ST.iommu, 0x10, pasid, 2, (uintptr_t)buf + 10 * PG, SVA_FAULT_PERM_WRITE, 1);
	while (sva_iopf_poll(ST.iommu, 64) > 0)
		;
	for (unsigned int p = 11; p <= 14; p++)
		TEST_ASSERT_EQUAL(test_page_present(buf + p * PG), 1, "page %u around", p);
	TEST_ASSERT_EQUAL(test_page_present(buf + 15 * PG), 0, "beyond the window");
	TEST_ASSERT_EQUAL(s->nresp, 2, "answered");
	TEST_ASSERT_SUCCESS(sva_stats_get(NULL, b, &st), "stats");
	TEST_ASSERT_EQUAL(st.fault_around_pages, 4, "counted");
	sva_t_unbind(b);
	munmap(buf, 32 * PG);
	sva_t_close();
	return TEST_SUCCESS;
}

/*
 * Extended statistics against struct sva_iopf_stats: every counter is named once (the
 * struct is all uint64_t: as many xstats as words, and the same sum), the per-reason
 * and latency-bucket entries carry the array values, and a few by name.
 */
static uint64_t
xstat_by_name(const struct sva_xstat_name *names, const struct sva_xstat *xs, int n,
		const char *name, int *found)
{
	for (int i = 0; i < n; i++)
		if (strcmp(names[i].name, name) == 0) {
			*found = 1;
			return xs[i].value;
		}
	*found = 0;
	return 0;
}

static int
test_bind_xstats(void)
{
	const int words = sizeof(struct sva_iopf_stats) / sizeof(uint64_t);
	const int maps_words = sizeof(struct sva_iopf_maps_stats) / sizeof(uint64_t);
	uint8_t *buf = sva_t_map(4 * PG), *late;
	struct sva_xstat_name *names = NULL;
	struct sva_xstat *xs = NULL;
	struct sva_iopf_stats st;
	uint64_t sum_st = 0, sum_xs = 0, v;
	const uint64_t *w = (const uint64_t *)&st;
	struct sva_bond *b;
	char name[SVA_XSTATS_NAME_SIZE];
	int n, found;

	TEST_ASSERT_NOT_NULL(buf, "memory");
	n = sva_stats_xstats_names_get(NULL, 0);
	TEST_ASSERT_EQUAL(n, words + maps_words, "one xstat per counter of struct "
		"sva_iopf_stats (%d words) and of struct sva_iopf_maps_stats (%d)", words,
		maps_words);
	TEST_ASSERT_EQUAL(sva_stats_xstats_get(NULL, NULL, NULL, 0), -EINVAL, "no iommu, no bond");
	names = calloc(n, sizeof(*names));
	xs = calloc(n, sizeof(*xs));
	TEST_ASSERT(names != NULL && xs != NULL, "memory");
	TEST_ASSERT_EQUAL(sva_stats_xstats_names_get(names, n - 1), n, "short array: the count");
	TEST_ASSERT_EQUAL(names[0].name[0], '\0', "short array: untouched");
	TEST_ASSERT_EQUAL(sva_stats_xstats_names_get(names, n), n, "names");
	for (int i = 0; i < n; i++) {
		TEST_ASSERT(names[i].name[0] != '\0', "name %d empty", i);
		for (int j = 0; j < i; j++)
			TEST_ASSERT(strcmp(names[i].name, names[j].name) != 0, "name %s twice",
				names[i].name);
	}

	TEST_ASSERT_SUCCESS(sva_t_open(NULL, "", "rid=0x10"), "open");
	TEST_ASSERT_EQUAL(sva_stats_xstats_get(ST.iommu, NULL, xs, n), -ENOENT, "no fault path");
	b = sva_t_bind(NULL);
	TEST_ASSERT_NOT_NULL(b, "bind");
	syn_pr(ST.iommu, 0x10, sva_bond_pasid(b), 1, (uintptr_t)buf, SVA_FAULT_PERM_WRITE, 1);
	syn_pr(ST.iommu, 0x10, sva_bond_pasid(b), 2, UINT64_C(0xffff800000000000),
		SVA_FAULT_PERM_READ, 1);
	/* a buffer mapped after the bind: one lookup (PROCMAP_QUERY), then the overlay */
	late = mmap(NULL, 4 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	TEST_ASSERT(late != MAP_FAILED, "late buffer");
	syn_pr(ST.iommu, 0x10, sva_bond_pasid(b), 3, (uintptr_t)late, SVA_FAULT_PERM_WRITE, 0);
	syn_pr(ST.iommu, 0x10, sva_bond_pasid(b), 3, (uintptr_t)late + PG, SVA_FAULT_PERM_WRITE,
		1);
	while (sva_iopf_poll(ST.iommu, 64) > 0)
		;
	/* the bond and the iommu: no poller runs, the counters stand still */
	for (int pass = 0; pass < 2; pass++) {
		struct sva_iommu *io = pass == 0 ? NULL : ST.iommu;
		const struct sva_bond *bb = pass == 0 ? b : NULL;

		TEST_ASSERT_SUCCESS(sva_stats_get(io, bb, &st), "stats");
		TEST_ASSERT_EQUAL(sva_stats_xstats_get(io, bb, xs, n - 1), n, "short: the count");
		TEST_ASSERT_EQUAL(sva_stats_xstats_get(io, bb, xs, n), n, "xstats");
		sum_st = sum_xs = 0;
		for (int i = 0; i < words; i++)
			sum_st += w[i];
		for (int i = 0; i < n; i++) {
			TEST_ASSERT_EQUAL(xs[i].id, (uint64_t)i, "id %d", i);
			if (i < words)
				sum_xs += xs[i].value;
		}
		TEST_ASSERT_EQUAL(sum_xs, sum_st, "every counter once: sums");
		for (unsigned int r = 0; r < SVA_IOPF_R_MAX; r++) {
			snprintf(name, sizeof(name), "invalid_%s", sva_iopf_reason_name(r));
			v = xstat_by_name(names, xs, n, name, &found);
			TEST_ASSERT(found && v == st.invalid[r], "%s", name);
			snprintf(name, sizeof(name), "failure_%s", sva_iopf_reason_name(r));
			v = xstat_by_name(names, xs, n, name, &found);
			TEST_ASSERT(found && v == st.failure[r], "%s", name);
		}
		for (unsigned int k = 0; k < SVA_IOPF_LAT_BUCKETS - 1; k++) {
			snprintf(name, sizeof(name), "lat_hist_le_%" PRIu64 "_cycles",
				sva_iopf_lat_bucket_cycles(k));
			v = xstat_by_name(names, xs, n, name, &found);
			TEST_ASSERT(found && v == st.lat_hist[k], "%s", name);
		}
		v = xstat_by_name(names, xs, n, "lat_hist_le_max_cycles", &found);
		TEST_ASSERT(found && v == st.lat_hist[SVA_IOPF_LAT_BUCKETS - 1], "last bucket");
#define BY_NAME(f) do { \
		v = xstat_by_name(names, xs, n, #f, &found); \
		TEST_ASSERT(found && v == st.f, #f " %" PRIu64 " vs %" PRIu64, v, st.f); \
	} while (0)
		BY_NAME(page_reqs);
		BY_NAME(groups);
		BY_NAME(resp_success);
		BY_NAME(resp_invalid);
		BY_NAME(pages_populated);
		BY_NAME(lat_count);
		BY_NAME(lat_p99_ns);
		BY_NAME(stall_terminates);
#undef BY_NAME
		TEST_ASSERT_EQUAL(st.page_reqs, 4, "four page requests");
		TEST_ASSERT_EQUAL(st.resp_success, 2, "two Success");
		TEST_ASSERT_EQUAL(st.maps_misses, 2, "the late buffer's pages");
		/* the maps counters: the iommu's, in a bond's reading too */
		TEST_ASSERT_EQUAL(xstat_by_name(names, xs, n, "maps_lookups", &found), 1,
			"one lookup");
		TEST_ASSERT_EQUAL(xstat_by_name(names, xs, n, "maps_overlay_hits", &found), 1,
			"one overlay hit");
		TEST_ASSERT_EQUAL(xstat_by_name(names, xs, n, "maps_rechecks", &found), 0,
			"no recheck");
		TEST_ASSERT(found, "maps_rechecks named");
		TEST_ASSERT_EQUAL(xstat_by_name(names, xs, n, "invalid_kernel_addr", &found), 1,
			"one Invalid, kernel address");
	}
	sva_t_unbind(b);
	munmap(buf, 4 * PG);
	munmap(late, 4 * PG);
	sva_t_close();
	free(names);
	free(xs);
	return TEST_SUCCESS;
}

/* What lib/sva's "no poller" warning says about iommu (sva.h, call order step 4) */
#define NOPOLL_TEXT "no poll call ran: no poller?"

static int
nopoll_want(struct sva_iommu *iommu, unsigned int wait_ms, char *buf, size_t len)
{
	uint32_t sid;
	int ret = sva_poll_service_id(iommu, &sid);

	if (ret != 0)
		return ret;
	snprintf(buf, len, "%s: page requests have waited more than %u ms and no poll call "
		"ran: no poller? Start one with sva_poll_lcore_start(), or map poll service %u "
		"(sva_poll_service_id()) to a service lcore, or call sva_iopf_poll()",
		sva_iommu_name(iommu), wait_ms, sid);
	return 0;
}

/* Capture the log for ms milliseconds; how often the warning came. */
static unsigned int
nopoll_count_over(unsigned int ms)
{
	test_log_capture_start();
	usleep(ms * 1000u);
	test_log_capture_stop();
	return test_log_count(NOPOLL_TEXT);
}

/*
 * The "no poller" warning (lib/sva, every driver with prq_pending), on the synthetic
 * driver where the queue is exactly what the test wrote: nothing without a waiting
 * request or without a bond, once for requests that wait with nobody polling, then
 * rate-limited (one per 10 s per iommu, also across a new stall), every stall when the
 * limit is off, and never while a poller runs.
 */
static int
test_bind_nopoll(void)
{
	uint8_t *buf = sva_t_map(PG);
	char want[320];
	struct sva_bond *b;
	unsigned int n;
	uint32_t pasid;

	TEST_ASSERT_NOT_NULL(buf, "memory");
	TEST_ASSERT_SUCCESS(sva_t_open(NULL, "", "rid=0x10"), "open");
	TEST_ASSERT_RET(sva_poll_nopoll_set(0, 10000), -EINVAL);
	TEST_ASSERT_SUCCESS(sva_poll_nopoll_set(100, 10000), "defaults");
	b = sva_t_bind(NULL);
	TEST_ASSERT_NOT_NULL(b, "bind");
	pasid = sva_bond_pasid(b);
	TEST_ASSERT_SUCCESS(nopoll_want(ST.iommu, 100, want, sizeof(want)), "service id");

	/* a bond, nobody polls, but nothing waits: nothing said */
	TEST_ASSERT_EQUAL(nopoll_count_over(300), 0, "empty queue");
	/* a request waits: said once, after 100 ms (the bound: one look per 20 ms) */
	syn_pr(ST.iommu, 0x10, pasid, 1, (uintptr_t)buf, SVA_FAULT_PERM_READ, 1);
	test_log_capture_start();
	usleep(60 * 1000);
	test_log_capture_stop();
	TEST_ASSERT_EQUAL(test_log_count(NOPOLL_TEXT), 0, "not before 100 ms");
	test_log_capture_start();
	usleep(540 * 1000);
	test_log_capture_stop();
	TEST_ASSERT_LOGGED(want);
	TEST_ASSERT_EQUAL(test_log_count(NOPOLL_TEXT), 1, "once in 600 ms of waiting");
	TEST_ASSERT_LOGGED("(at most one such warning per 10000 ms per iommu; 0 more since "
		"the last)");
	/* a poll answers it; a new request that waits is within the 10 s: not said */
	while (sva_iopf_poll(ST.iommu, 64) > 0)
		;
	TEST_ASSERT_EQUAL(syn_responses_for(ST.iommu, pasid, 1, NULL), 1, "answered");
	syn_pr(ST.iommu, 0x10, pasid, 2, (uintptr_t)buf, SVA_FAULT_PERM_READ, 1);
	TEST_ASSERT_EQUAL(nopoll_count_over(400), 0, "rate-limited across stalls");
	/* limit off (tests only): every stall of 100 ms is said: 3 or 4 in 450 ms (2 on a
	 * loaded machine), never more than 5 */
	TEST_ASSERT_SUCCESS(sva_poll_nopoll_set(100, 0), "every stall");
	n = nopoll_count_over(450);
	TEST_ASSERT(n >= 2 && n <= 5, "%u warnings in 450 ms of stall, every 100-140 ms", n);
	TEST_ASSERT_SUCCESS(sva_poll_nopoll_set(100, 10000), "defaults");

	/* a poller: requests keep coming for 500 ms and nothing is said (from its first
	 * call on: the stall above is older) */
	TEST_ASSERT_SUCCESS(sva_t_poll_start(), "poll lcore");
	for (int i = 0; i < 2000 && __atomic_load_n(&syn_of(ST.iommu)->prq_head,
			__ATOMIC_RELAXED) != syn_of(ST.iommu)->prq_tail; i++)
		usleep(1000);
	test_log_capture_start();
	for (uint32_t g = 3; g < 3 + 50; g++) {
		syn_pr(ST.iommu, 0x10, pasid, g % 512, (uintptr_t)buf, SVA_FAULT_PERM_READ, 1);
		usleep(10 * 1000);
	}
	test_log_capture_stop();
	TEST_ASSERT_NOT_LOGGED(NOPOLL_TEXT);
	sva_t_poll_stop();
	TEST_ASSERT_EQUAL(syn_of(ST.iommu)->prq_head, syn_of(ST.iommu)->prq_tail, "all read");

	/* no bond: a request waiting for nobody is not a poller's to read */
	sva_t_unbind(b);
	TEST_ASSERT_SUCCESS(sva_poll_nopoll_set(100, 0), "every stall");
	syn_pr(ST.iommu, 0x10, pasid, 60, (uintptr_t)buf, SVA_FAULT_PERM_READ, 1);
	TEST_ASSERT_EQUAL(nopoll_count_over(300), 0, "no bond");
	TEST_ASSERT_SUCCESS(sva_poll_nopoll_set(100, 10000), "defaults");
	munmap(buf, PG);
	sva_t_close();
	test_log_free();
	return TEST_SUCCESS;
}

/* The same on emu's SMMUv3 model (PRIQ PROD/CONS): a job nobody serves is named once. */
static int
test_bind_nopoll_smmuv3(void)
{
	uint8_t *buf = sva_t_map(PG);
	struct sva_emu_comp c;
	char want[320];
	struct sva_bond *b;

	TEST_ASSERT_NOT_NULL(buf, "memory");
	TEST_ASSERT_SUCCESS(sva_t_open("smmuv3", "", "rid=0x10,timeout_ms=400"), "open");
	b = sva_t_bind(NULL);
	TEST_ASSERT_NOT_NULL(b, "bind");
	test_log_capture_start();
	TEST_ASSERT_SUCCESS(sva_t_job(ST.dev, sva_bond_pasid(b), SVA_EMU_OP_FILL, 0,
		(uintptr_t)buf, PG, &c), "job");
	test_log_capture_stop();
	TEST_ASSERT_EQUAL(c.status, SVA_EMU_STATUS_TIMEOUT, "nobody answered");
	TEST_ASSERT_SUCCESS(nopoll_want(ST.iommu, 100, want, sizeof(want)), "service id");
	TEST_ASSERT_LOGGED(want);
	TEST_ASSERT_EQUAL(test_log_count(NOPOLL_TEXT), 1, "once");
	sva_t_unbind(b);
	munmap(buf, PG);
	sva_t_close();
	test_log_free();
	return TEST_SUCCESS;
}

/*
 * What a user gets wrong, answered in words they can act on (issue 14 item 4, 7): a
 * second poll lcore start, a second unbind, a duplicate RID, a job with no poller.
 */
static int
test_bind_user_errors(void)
{
	uint8_t *buf = sva_t_map(2 * PG);
	struct sva_emu_comp c;
	struct sva_bond *b;
	char want[320];
	unsigned int id;
	int not_a_bond;

	TEST_ASSERT_NOT_NULL(buf, "memory");
	TEST_ASSERT_SUCCESS(sva_t_open("vtd", "", "rid=0x10,timeout_ms=400"), "open");

	/* a second start of the same lcore: -EALREADY, as sva.h says */
	TEST_ASSERT_SUCCESS(sva_t_poll_start(), "poll lcore");
	test_log_capture_start();
	TEST_ASSERT_RET(sva_poll_lcore_start(ST.lcore), -EALREADY);
	test_log_capture_stop();
	TEST_ASSERT_NOT_LOGGED("not an enabled worker lcore");
	sva_t_poll_stop();
	TEST_ASSERT_RET(sva_poll_lcore_stop(ST.lcore), -ENOENT);
	TEST_ASSERT_SUCCESS(sva_t_poll_start(), "start again after a stop");
	sva_t_poll_stop();

	/* a second unbind: refused, named, nothing freed twice */
	b = sva_bind(ST.dev, ST.set, NULL);
	TEST_ASSERT_NOT_NULL(b, "bind");
	id = sva_bond_id(b);
	sva_unbind(b);
	test_log_capture_start();
	rte_errno = 0;
	sva_unbind(b);
	test_log_capture_stop();
	TEST_ASSERT_EQUAL(rte_errno, EINVAL, "rte_errno of a second unbind");
	snprintf(want, sizeof(want), "unbind: bond %u is unbound already (a second sva_unbind() "
		"of it): nothing done", id);
	TEST_ASSERT_LOGGED(want);
	TEST_ASSERT_EQUAL(test_log_count("unbind:"), 1, "one line");
	test_log_capture_start();
	rte_errno = 0;
	sva_unbind((struct sva_bond *)&not_a_bond);
	test_log_capture_stop();
	TEST_ASSERT_EQUAL(rte_errno, EINVAL, "rte_errno for a pointer that is no bond");
	TEST_ASSERT_LOGGED("is not a bond (unbound already, being unbound by another thread, "
		"or never returned by sva_bind()): nothing done");
	/* the set and the iommu are whole: a bind and an unbind still work */
	b = sva_t_bind(NULL);
	TEST_ASSERT_NOT_NULL(b, "bind after the refused unbinds");
	sva_t_unbind(b);

	/* a duplicate RID: refused before the driver starts anything, and nothing is said
	 * about the open dev */
	test_log_capture_start();
	TEST_ASSERT_NULL_ERRNO(sva_dev_open(ST.iommu, "rid=0x10"), EEXIST);
	test_log_capture_stop();
	TEST_ASSERT_LOGGED("a dev with ID 0x10 is open already");
	TEST_ASSERT_NOT_LOGGED("dev 0x10 closed");
	TEST_ASSERT_NOT_LOGGED("dev 0x10 open");

	/* no poller: the job times out (timeout_ms=400), and lib/sva said why after 100 ms,
	 * once (rate-limited: the second job's wait says nothing more) */
	b = sva_t_bind(NULL);
	TEST_ASSERT_NOT_NULL(b, "bind");
	test_log_capture_start();
	TEST_ASSERT_SUCCESS(sva_t_job(ST.dev, sva_bond_pasid(b), SVA_EMU_OP_FILL, 0,
		(uintptr_t)buf, PG, &c), "job");
	TEST_ASSERT_EQUAL(c.status, SVA_EMU_STATUS_TIMEOUT, "nobody answered");
	TEST_ASSERT_SUCCESS(sva_t_job(ST.dev, sva_bond_pasid(b), SVA_EMU_OP_FILL, 0,
		(uintptr_t)buf + PG, PG, &c), "second job");
	test_log_capture_stop();
	TEST_ASSERT_SUCCESS(nopoll_want(ST.iommu, 100, want, sizeof(want)), "service id");
	TEST_ASSERT_LOGGED(want);
	TEST_ASSERT_EQUAL(test_log_count(NOPOLL_TEXT), 1, "rate-limited");
	/* with a poller, the same job completes and nothing is said (from the poller's
	 * first call on: the timed-out jobs' requests are still queued until it) */
	TEST_ASSERT_SUCCESS(sva_t_poll_start(), "poll lcore");
	for (int i = 0; i < 2000 && sva_iommu_prq_pending(ST.iommu) != 0; i++)
		usleep(1000);
	TEST_ASSERT_RET(sva_iommu_prq_pending(ST.iommu), 0);
	test_log_capture_start();
	TEST_ASSERT_SUCCESS(sva_t_job(ST.dev, sva_bond_pasid(b), SVA_EMU_OP_FILL, 0,
		(uintptr_t)buf, 2 * PG, &c), "job with a poller");
	test_log_capture_stop();
	TEST_ASSERT_EQUAL(c.status, SVA_EMU_STATUS_SUCCESS, "served");
	TEST_ASSERT_NOT_LOGGED(NOPOLL_TEXT);
	sva_t_unbind(b);
	sva_t_poll_stop();
	munmap(buf, 2 * PG);
	sva_t_close();
	test_log_free();
	return TEST_SUCCESS;
}

static int
test_bind_telemetry(void)
{
	uint8_t *buf = sva_t_map(PG);
	char out[8192], cmd[64], want[64], bwant[320];
	struct sva_bond *b;
	uint32_t pasid;

	if (access("/usr/bin/dpdk-telemetry.py", X_OK) != 0)
		TEST_SKIP("dpdk-telemetry.py is not installed (Debian package dpdk)");
	TEST_ASSERT_NOT_NULL(buf, "memory");
	TEST_ASSERT_SUCCESS(sva_t_open(NULL, "", "rid=0x10"), "open");
	b = sva_t_bind(NULL);
	TEST_ASSERT_NOT_NULL(b, "bind");
	pasid = sva_bond_pasid(b);
	syn_pr(ST.iommu, 0x10, pasid, 1, (uintptr_t)buf, SVA_FAULT_PERM_READ, 1);
	syn_pr(ST.iommu, 0x10, 4000, 2, (uintptr_t)buf, SVA_FAULT_PERM_READ, 1);
	while (sva_iopf_poll(ST.iommu, 64) > 0)
		;
	if (sva_t_telemetry("/sva/iommus", out, sizeof(out)) != 0 ||
			strstr(out, "{\"/sva/iommus\": ") == NULL) {
		sva_t_unbind(b);
		sva_t_close();
		TEST_SKIP("no telemetry socket in %s: %.200s", rte_eal_get_runtime_dir(), out);
	}
	TEST_ASSERT(strstr(out, sva_iommu_name(ST.iommu)) != NULL, "/sva/iommus lists it: %s", out);
	TEST_ASSERT_SUCCESS(sva_t_telemetry("/sva/bonds", out, sizeof(out)), "bonds");
	/* a dict of objects, one per bond */
	snprintf(bwant, sizeof(bwant), "{\"id\": %u, \"iommu\": \"%s\", \"dev\": 16, "
		"\"pasid\": %u, \"flags\": 0, \"flag_names\": \"\", \"mode\": \"pri\", "
		"\"rid_only\": 0, \"pinned_ranges\": 0, \"pinned_bytes\": 0}", sva_bond_id(b),
		sva_iommu_name(ST.iommu), pasid);
	snprintf(want, sizeof(want), "{\"/sva/bonds\": {\"%u\": ", sva_bond_id(b));
	TEST_ASSERT(strstr(out, want) != NULL && strstr(out, bwant) != NULL,
		"/sva/bonds has %s%s: %s", want, bwant, out);
	/* one of them */
	snprintf(cmd, sizeof(cmd), "/sva/bond,%u", sva_bond_id(b));
	TEST_ASSERT_SUCCESS(sva_t_telemetry(cmd, out, sizeof(out)), "bond");
	TEST_ASSERT(strstr(out, "{\"/sva/bond\": {\"id\"") != NULL && strstr(out, bwant) != NULL,
		"%s is %s: %s", cmd, bwant, out);
	TEST_ASSERT_SUCCESS(sva_t_telemetry("/sva/bond,99999", out, sizeof(out)), "unknown");
	TEST_ASSERT(strstr(out, "{\"/sva/bond\": null}") != NULL, "unknown bond: %s", out);
	snprintf(cmd, sizeof(cmd), "/sva/stats,%u", sva_bond_id(b));
	TEST_ASSERT_SUCCESS(sva_t_telemetry(cmd, out, sizeof(out)), "stats");
	TEST_ASSERT(strstr(out, "\"groups\": 1,") != NULL, "bond groups: %s", out);
	TEST_ASSERT(strstr(out, "\"resp_success\": 1,") != NULL, "bond success: %s", out);
	TEST_ASSERT(strstr(out, "\"lat_p50_ns\"") != NULL, "latency: %s", out);
	snprintf(cmd, sizeof(cmd), "/sva/stats,%s", sva_iommu_name(ST.iommu));
	TEST_ASSERT_SUCCESS(sva_t_telemetry(cmd, out, sizeof(out)), "iommu stats");
	TEST_ASSERT(strstr(out, "\"groups\": 2,") != NULL, "iommu groups: %s", out);
	TEST_ASSERT(strstr(out, "\"invalid_unknown_pasid\": 1") != NULL, "by reason: %s", out);
	TEST_ASSERT(strstr(out, "\"batch_mean\": \"2.00\"") != NULL, "mean batch: %s", out);
	TEST_ASSERT(strstr(out, "\"maps_lookups\": 0,") != NULL, "maps lookups: %s", out);
	TEST_ASSERT(strstr(out, "\"maps_overlay_hits\": 0,") != NULL, "overlay hits: %s", out);
	TEST_ASSERT_SUCCESS(sva_t_telemetry("/sva/stats,99999", out, sizeof(out)), "unknown");
	TEST_ASSERT(strstr(out, "\"groups\"") == NULL, "no stats for an unknown bond: %s", out);
	sva_t_unbind(b);
	munmap(buf, PG);
	sva_t_close();
	return TEST_SUCCESS;
}

/* The drivers' own commands: /sva/emu/counters and /sva/iommufd/stats, with /help. */
static int
test_bind_telemetry_drivers(void)
{
	struct sva_bind_params p = { .flags = SVA_BIND_RID | SVA_BIND_AUTO_INVALID };
	struct sva_bond *b;
	char out[16384], want[256], cmd[64];
	const char *name;

	if (access("/usr/bin/dpdk-telemetry.py", X_OK) != 0)
		TEST_SKIP("dpdk-telemetry.py is not installed (Debian package dpdk)");
	TEST_ASSERT_SUCCESS(sva_t_open("vtd", "", "rid=0x20"), "open");
	name = sva_iommu_name(ST.iommu);
	b = sva_t_bind(&p);
	TEST_ASSERT_NOT_NULL(b, "bind");
	if (sva_t_telemetry("/sva/emu/counters", out, sizeof(out)) != 0 ||
			strstr(out, "{\"/sva/emu/counters\": ") == NULL) {
		sva_t_unbind(b);
		sva_t_close();
		TEST_SKIP("no telemetry socket in %s: %.200s", rte_eal_get_runtime_dir(), out);
	}
	snprintf(want, sizeof(want), "{\"/sva/emu/counters\": [\"%s\"]}", name);
	TEST_ASSERT(strstr(out, want) != NULL, "the emu iommus: %s", out);
	snprintf(cmd, sizeof(cmd), "/sva/emu/counters,%s", name);
	TEST_ASSERT_SUCCESS(sva_t_telemetry(cmd, out, sizeof(out)), "counters");
	TEST_ASSERT(strstr(out, "{\"/sva/emu/counters\": {\"page_reqs\": 0, \"groups\": 0,") !=
		NULL, "counters as a dict: %s", out);
	TEST_ASSERT(strstr(out, "\"group_wait_hist_15\": 0") != NULL, "histogram: %s", out);
	TEST_ASSERT(strstr(out, "\"model_prq_auto_resp_lost\": 0}") != NULL, "model: %s", out);
	TEST_ASSERT_SUCCESS(sva_t_telemetry("/sva/emu/counters,nosuch", out, sizeof(out)), "x");
	TEST_ASSERT(strstr(out, "{\"/sva/emu/counters\": null}") != NULL, "unknown: %s", out);
	/* no iommufd iommu here: an empty list, and null for an emu one */
	TEST_ASSERT_SUCCESS(sva_t_telemetry("/sva/iommufd/stats", out, sizeof(out)), "ifd");
	TEST_ASSERT(strstr(out, "{\"/sva/iommufd/stats\": []}") != NULL, "no iommufd: %s", out);
	snprintf(cmd, sizeof(cmd), "/sva/iommufd/stats,%s", name);
	TEST_ASSERT_SUCCESS(sva_t_telemetry(cmd, out, sizeof(out)), "ifd on emu");
	TEST_ASSERT(strstr(out, "{\"/sva/iommufd/stats\": null}") != NULL, "not iommufd: %s", out);
	/* help texts */
	TEST_ASSERT_SUCCESS(sva_t_telemetry("/help,/sva/emu/counters", out, sizeof(out)), "help");
	TEST_ASSERT(strstr(out, "Parameter: an emu iommu name") != NULL, "help: %s", out);
	TEST_ASSERT_SUCCESS(sva_t_telemetry("/help,/sva/iommufd/stats", out, sizeof(out)), "help");
	TEST_ASSERT(strstr(out, "Parameter: an iommufd iommu name") != NULL, "help: %s", out);
	TEST_ASSERT_SUCCESS(sva_t_telemetry("/help,/sva/bonds", out, sizeof(out)), "help");
	TEST_ASSERT(strstr(out, "Bonds: id -> {id, iommu, dev, pasid, flags") != NULL, "help: %s",
		out);
	/* a bond with flags, as an object */
	snprintf(cmd, sizeof(cmd), "/sva/bond,%u", sva_bond_id(b));
	TEST_ASSERT_SUCCESS(sva_t_telemetry(cmd, out, sizeof(out)), "bond");
	snprintf(want, sizeof(want), "\"iommu\": \"%s\", \"dev\": 32, \"pasid\": %u, "
		"\"flags\": 3, \"flag_names\": \"rid auto_invalid\", \"mode\": \"pri\"",
		name, sva_bond_pasid(b));
	TEST_ASSERT(strstr(out, want) != NULL, "%s has %s: %s", cmd, want, out);
	TEST_ASSERT_SUCCESS(sva_t_telemetry("/help,/sva/bond", out, sizeof(out)), "help");
	TEST_ASSERT(strstr(out, "One bond, as in /sva/bonds. Parameter: a bond id") != NULL,
		"help: %s", out);
	sva_t_unbind(b);
	sva_t_close();
	return TEST_SUCCESS;
}

static struct sva_test_suite sva_bind_suite = {
	.name = "sva_bind",
	.cases = {
		SVA_TEST_CASE(test_bind_refusals),
		SVA_TEST_CASE(copy_64m),
		SVA_TEST_CASE(auto_invalid),
		SVA_TEST_CASE(events_and_rid),
		SVA_TEST_CASE(test_bind_fault_around_runtime),
		SVA_TEST_CASE(test_bind_telemetry),
		SVA_TEST_CASE(test_bind_telemetry_drivers),
		SVA_TEST_CASE(test_bind_user_errors),
		SVA_TEST_CASE(test_bind_nopoll),
		SVA_TEST_CASE(test_bind_nopoll_smmuv3),
		SVA_TEST_CASE(test_bind_xstats),
		SVA_TEST_CASES_END(),
	},
};

static int
test_sva_bind(void)
{
	return sva_test_suite_run(&sva_bind_suite);
}

SVA_TEST_REGISTER(sva_bind_autotest, test_sva_bind);
