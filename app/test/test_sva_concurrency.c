/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * sva_concurrency_autotest: the control path against a live poller, for a bounded time
 * (SVA_CONCURRENCY_MS, default 1500 ms per model). The poll service runs on the worker
 * lcore; one emu dev keeps a long-lived bond busy with fill jobs on fresh mappings,
 * while the main thread, on a second dev, binds, runs a job and unbinds, and between
 * those refreshes the mappings snapshot, reads its generation, reads and resets
 * statistics (bond and iommu) and asks the telemetry commands over the telemetry
 * socket (their handlers run on DPDK's telemetry threads).
 *
 * Checked: every job completes with its data; every group the devices sent was answered
 * exactly once (no duplicate, unknown, late or missing answer, no timeout); the
 * snapshot generation never goes back; a bond's counters never go back between resets;
 * the iommu's responses equal the device's; telemetry answers with numbers.
 * Useful as it is; built with -Db_sanitize=thread (./svapoll test, build-tsan) it is
 * the ThreadSanitizer run of these paths.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <rte_cycles.h>
#include <rte_eal.h>

#include "sva_test.h"
#include "test_sva_common.h"

#define PG SVA_T_PG
#define LONG_PAGES 64   /* the long-lived bond's job */
#define CHURN_PAGES 16  /* each churn bond's job */
#define PATTERN 0x0102030405060708ull

static uint64_t
run_ms(void)
{
	const char *s = getenv("SVA_CONCURRENCY_MS");
	uint64_t ms = s != NULL ? strtoull(s, NULL, 10) : 0;

	return ms != 0 ? ms : 1500;
}

/* ---- telemetry over the socket, as dpdk-telemetry.py does (in-process, no fork) ---- */

static int
tel_connect(void)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	char buf[1024];
	int fd = socket(AF_UNIX, SOCK_SEQPACKET, 0);

	if (fd < 0)
		return -errno;
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s/dpdk_telemetry.v2",
		rte_eal_get_runtime_dir());
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) != 0 ||
			recv(fd, buf, sizeof(buf), 0) <= 0) { /* the greeting */
		close(fd);
		return -EIO;
	}
	return fd;
}

static int
tel_query(int fd, const char *cmd, char *buf, size_t len)
{
	ssize_t n;

	if (send(fd, cmd, strlen(cmd), 0) < 0)
		return -errno;
	n = recv(fd, buf, len - 1, 0);
	if (n <= 0)
		return -EIO;
	buf[n] = '\0';
	return 0;
}

/* The number after "key": in a telemetry reply, or -1. */
static int64_t
tel_u64(const char *reply, const char *key)
{
	char pat[64];
	const char *p;

	snprintf(pat, sizeof(pat), "\"%s\": ", key);
	p = strstr(reply, pat);
	if (p == NULL) {
		snprintf(pat, sizeof(pat), "\"%s\":", key);
		p = strstr(reply, pat);
	}
	if (p == NULL)
		return -1;
	p += strlen(pat);
	return *p >= '0' && *p <= '9' ? (int64_t)strtoll(p, NULL, 10) : -1;
}

/* ---- jobs ---- */

static void *
fresh_map(size_t len)
{
	return sva_t_map(len);
}

static int
submit_fill(struct sva_dev *dev, struct sva_bond *b, void *dst, size_t len,
		struct sva_emu_comp *c)
{
	struct sva_emu_desc d = {
		.op = SVA_EMU_OP_FILL, .flags = SVA_EMU_DESC_PASID_VALID,
		.pasid = sva_bond_pasid(b), .dst = (uintptr_t)dst, .len = len, .pattern = PATTERN,
	};

	memset(c, 0, sizeof(*c));
	return sva_emu_submit(dev, &d, c);
}

static int
check_filled(const struct sva_emu_comp *c, const void *buf, size_t len, const char *what)
{
	const uint64_t *w = buf;

	TEST_ASSERT_EQUAL(c->status, SVA_EMU_STATUS_SUCCESS, "%s: job status %u", what,
		c->status);
	TEST_ASSERT_EQUAL(c->bytes_done, len, "%s: every byte", what);
	for (size_t i = 0; i < len / 8; i += PG / 8)
		TEST_ASSERT_EQUAL(w[i], PATTERN, "%s: word %zu filled", what, i);
	TEST_ASSERT_EQUAL(w[len / 8 - 1], PATTERN, "%s: last word filled", what);
	return TEST_SUCCESS;
}

/* Every field of the summed counters (before the computed latency fields) of `now` is
 * at least that of `before`: counters only grow between resets. */
static int
check_grown(const struct sva_iopf_stats *before, const struct sva_iopf_stats *now)
{
	const uint64_t *a = (const uint64_t *)before, *b = (const uint64_t *)now;
	size_t n = offsetof(struct sva_iopf_stats, lat_p50_ns) / sizeof(uint64_t);

	for (size_t i = 0; i < n; i++)
		TEST_ASSERT(b[i] >= a[i], "counter %zu went back: %" PRIu64 " -> %" PRIu64, i,
			a[i], b[i]);
	return TEST_SUCCESS;
}

static int
concurrency_one(const char *model)
{
	uint64_t deadline, gen = 0, g, iters = 0, long_jobs = 0, resets = 0, tel = 0;
	struct sva_iopf_stats st_long, prev_long, st_io;
	struct sva_bind_params p = { 0 };
	struct sva_emu_comp lc, cc;
	struct sva_emu_counters k;
	struct sva_bond *lb, *b;
	struct sva_dev *dev2;
	char cmd[64], reply[16384];
	void *lbuf, *cbuf;
	int fd, ret;

	TEST_ASSERT_SUCCESS(sva_t_open(model, "", "rid=0x10,pr_depth=4,prg_window=8"), "open");
	dev2 = sva_dev_open(ST.iommu, "rid=0x11,pr_depth=2,prg_window=4");
	TEST_ASSERT_NOT_NULL(dev2, "second dev");
	lb = sva_t_bind(&p);
	TEST_ASSERT_NOT_NULL(lb, "long-lived bond");
	TEST_ASSERT_SUCCESS(sva_t_poll_start(), "poll lcore");
	fd = tel_connect();
	TEST_ASSERT(fd >= 0, "telemetry socket: %d", fd);

	lbuf = fresh_map(LONG_PAGES * PG);
	TEST_ASSERT_NOT_NULL(lbuf, "memory");
	TEST_ASSERT_SUCCESS(sva_iopf_maps_refresh(), "refresh");
	TEST_ASSERT_RET(submit_fill(ST.dev, lb, lbuf, LONG_PAGES * PG, &lc), 0);
	memset(&prev_long, 0, sizeof(prev_long));
	deadline = rte_get_timer_cycles() + run_ms() * rte_get_timer_hz() / 1000;
	while (rte_get_timer_cycles() < deadline) {
		/* a churn bond with a job in flight on the second dev */
		p.fault_around_before = (uint16_t)(iters & 3);
		p.fault_around_after = (uint16_t)(iters % 5);
		b = sva_bind(dev2, ST.set, &p);
		TEST_ASSERT_NOT_NULL(b, "churn bind %" PRIu64 ": %d", iters, rte_errno);
		cbuf = fresh_map(CHURN_PAGES * PG);
		TEST_ASSERT_NOT_NULL(cbuf, "memory");
		TEST_ASSERT_SUCCESS(sva_iopf_maps_refresh(), "refresh");
		TEST_ASSERT_RET(submit_fill(dev2, b, cbuf, CHURN_PAGES * PG, &cc), 0);

		/* control-path noise while both devs fault */
		g = sva_iopf_maps_generation();
		TEST_ASSERT(g >= gen && g != 0, "generation went back: %" PRIu64 " -> %" PRIu64,
			gen, g);
		gen = g;
		TEST_ASSERT_SUCCESS(sva_stats_get(NULL, lb, &st_long), "bond stats");
		TEST_ASSERT_SUCCESS(check_grown(&prev_long, &st_long), "long-lived bond");
		prev_long = st_long;
		TEST_ASSERT_SUCCESS(sva_stats_get(NULL, b, &st_io), "churn bond stats");
		TEST_ASSERT_SUCCESS(sva_stats_get(ST.iommu, NULL, &st_io), "iommu stats");
		if (iters % 8 == 7) {
			TEST_ASSERT_SUCCESS(sva_stats_reset(NULL, lb), "bond reset");
			memset(&prev_long, 0, sizeof(prev_long));
			resets++;
		}
		if (iters % 4 == 1)
			TEST_ASSERT_SUCCESS(sva_stats_reset(NULL, b), "churn bond reset");
		snprintf(cmd, sizeof(cmd), "/sva/stats,%u", sva_bond_id(iters & 1 ? b : lb));
		TEST_ASSERT_SUCCESS(tel_query(fd, cmd, reply, sizeof(reply)), "%s", cmd);
		TEST_ASSERT(tel_u64(reply, "groups") >= 0, "%s: %s", cmd, reply);
		snprintf(cmd, sizeof(cmd), "/sva/stats,%s", sva_iommu_name(ST.iommu));
		TEST_ASSERT_SUCCESS(tel_query(fd, cmd, reply, sizeof(reply)), "%s", cmd);
		TEST_ASSERT(tel_u64(reply, "batch_responses") >= 0, "%s: %s", cmd, reply);
		TEST_ASSERT_SUCCESS(tel_query(fd, "/sva/bonds", reply, sizeof(reply)), "bonds");
		snprintf(cmd, sizeof(cmd), "\"%u\"", sva_bond_id(lb));
		TEST_ASSERT(strstr(reply, cmd) != NULL, "/sva/bonds lists bond %s: %s", cmd, reply);
		tel += 3;

		TEST_ASSERT_RET(sva_emu_wait(dev2, &cc, SVA_T_WAIT_US), 0);
		TEST_ASSERT_SUCCESS(check_filled(&cc, cbuf, CHURN_PAGES * PG, "churn job"), "churn");
		sva_unbind(b);
		munmap(cbuf, CHURN_PAGES * PG);

		/* the long-lived job: when done, again on a fresh mapping */
		ret = sva_emu_wait(ST.dev, &lc, 0);
		if (ret == 0) {
			TEST_ASSERT_SUCCESS(check_filled(&lc, lbuf, LONG_PAGES * PG, "long job"),
				"long");
			munmap(lbuf, LONG_PAGES * PG);
			lbuf = fresh_map(LONG_PAGES * PG);
			TEST_ASSERT_NOT_NULL(lbuf, "memory");
			TEST_ASSERT_SUCCESS(sva_iopf_maps_refresh(), "refresh");
			TEST_ASSERT_RET(submit_fill(ST.dev, lb, lbuf, LONG_PAGES * PG, &lc), 0);
			long_jobs++;
		} else {
			TEST_ASSERT_EQUAL(ret, -ETIMEDOUT, "wait");
		}
		iters++;
	}
	TEST_ASSERT_RET(sva_emu_wait(ST.dev, &lc, SVA_T_WAIT_US), 0);
	TEST_ASSERT_SUCCESS(check_filled(&lc, lbuf, LONG_PAGES * PG, "long job"), "long");
	long_jobs++;
	close(fd);

	/* quiet now: every group answered exactly once, and the counters agree */
	sva_t_poll_stop();
	k = sva_t_counters();
	printf("    %s: %" PRIu64 " bind/job/unbind rounds, %" PRIu64 " long jobs, %" PRIu64
		" bond resets, %" PRIu64 " telemetry calls, snapshot %" PRIu64 "; device: %"
		PRIu64 " groups, %" PRIu64 " answered\n", model, iters, long_jobs, resets, tel,
		gen, k.groups, k.resp_success + k.resp_invalid + k.resp_failure);
	TEST_ASSERT_GREATER_EQ(iters, 3, "too few rounds to race anything");
	TEST_ASSERT_GREATER(k.groups, 0, "the devices sent groups");
	TEST_ASSERT_EQUAL(k.groups_outstanding, 0, "no group outstanding");
	TEST_ASSERT_EQUAL(k.resp_success, k.groups, "every group answered Success, once");
	TEST_ASSERT_EQUAL(k.resp_invalid + k.resp_failure + k.resp_bad_code, 0, "no refusal");
	TEST_ASSERT_EQUAL(k.resp_duplicate, 0, "no group answered twice");
	TEST_ASSERT_EQUAL(k.resp_unknown_group + k.resp_late, 0, "no stray answer");
	TEST_ASSERT_EQUAL(k.group_timeouts, 0, "no group left unanswered");
	TEST_ASSERT_EQUAL(k.success_not_present, 0, "every Success made its pages present");
	/* the iommu's responses (its batches, never reset here) are the device's */
	TEST_ASSERT_SUCCESS(sva_stats_get(ST.iommu, NULL, &st_io), "iommu stats");
	TEST_ASSERT_EQUAL(st_io.batch_responses, k.groups, "one response per group");
	TEST_ASSERT_EQUAL(st_io.resp_invalid + st_io.resp_failure, 0, "no refusal counted");
	TEST_ASSERT_EQUAL(k.model.resp_written, k.groups, "responses written");
	/* with nothing moving, a bond's counters are exact: a reset zeroes them */
	TEST_ASSERT_SUCCESS(sva_stats_get(NULL, lb, &st_long), "bond stats");
	TEST_ASSERT_EQUAL(st_long.resp_success, st_long.groups, "bond: each group answered");
	TEST_ASSERT_SUCCESS(sva_stats_reset(NULL, lb), "reset");
	TEST_ASSERT_SUCCESS(sva_stats_get(NULL, lb, &st_long), "bond stats");
	TEST_ASSERT_EQUAL(st_long.groups + st_long.page_reqs + st_long.resp_success, 0,
		"zero after a reset");

	sva_t_unbind(lb);
	munmap(lbuf, LONG_PAGES * PG);
	sva_dev_close(dev2);
	return TEST_SUCCESS;
}
SVA_T_BOTH(concurrency)

/*
 * Buffers mapped after the bind, never refreshed by the test: the poller learns them
 * into its overlay (PROCMAP_QUERY) while the background refresh (the EAL alarm
 * thread, asked when the overlay is full) and the test thread (sva_iopf_maps_refresh())
 * swap snapshots under it, the overlay emptied at each generation; mappings are
 * unmapped and new ones made at the same addresses. Every job must complete with its
 * data, nothing refused.
 */
#define OV_LIVE 40     /* live mappings: more than the overlay's 32 */
#define OV_PAGES 8

static uint8_t *
guarded_map(void)
{
	/* a PROT_NONE page after each buffer: separate mappings the kernel never merges */
	uint8_t *p = sva_t_map((OV_PAGES + 1) * PG);

	if (p != NULL && mprotect(p + OV_PAGES * PG, PG, PROT_NONE) != 0) {
		munmap(p, (OV_PAGES + 1) * PG);
		return NULL;
	}
	return p;
}

static int
overlay_concurrency_one(const char *model)
{
	uint8_t *live[OV_LIVE] = { NULL };
	struct sva_iopf_maps_stats m0, m1;
	struct sva_bind_params p = { 0 };
	struct sva_emu_counters k;
	struct sva_emu_comp c;
	struct sva_iopf_stats st;
	uint64_t deadline, jobs = 0;
	struct sva_bond *b;
	unsigned int next = 0;

	TEST_ASSERT_SUCCESS(sva_t_open(model, "", "rid=0x10,pr_depth=4,prg_window=8"), "open");
	b = sva_t_bind(&p);
	TEST_ASSERT_NOT_NULL(b, "bond");
	TEST_ASSERT_SUCCESS(sva_t_poll_start(), "poll lcore");
	TEST_ASSERT_SUCCESS(sva_iopf_maps_stats_get(sva_iopf_get(ST.iommu), &m0), "maps stats");
	deadline = rte_get_timer_cycles() + run_ms() / 2 * rte_get_timer_hz() / 1000;
	while (rte_get_timer_cycles() < deadline || jobs < 2 * OV_LIVE) {
		uint8_t *buf;

		if (live[next] != NULL)
			munmap(live[next], (OV_PAGES + 1) * PG);
		buf = live[next] = guarded_map();
		TEST_ASSERT_NOT_NULL(buf, "memory");
		next = (next + 1) % OV_LIVE;
		TEST_ASSERT_RET(submit_fill(ST.dev, b, buf, OV_PAGES * PG, &c), 0);
		/* first the background refresh alone (the overlay fills up), then the
		 * test's refreshes too */
		if (jobs >= 4 * OV_LIVE && jobs % 16 == 5)
			TEST_ASSERT_SUCCESS(sva_iopf_maps_refresh(), "refresh");
		TEST_ASSERT_SUCCESS(sva_iopf_maps_stats_get(sva_iopf_get(ST.iommu), &m1),
			"maps stats");
		TEST_ASSERT_RET(sva_emu_wait(ST.dev, &c, SVA_T_WAIT_US), 0);
		TEST_ASSERT_SUCCESS(check_filled(&c, buf, OV_PAGES * PG, "job"), "job %" PRIu64,
			jobs);
		jobs++;
	}
	sva_t_poll_stop();
	TEST_ASSERT_SUCCESS(sva_iopf_maps_stats_get(sva_iopf_get(ST.iommu), &m1), "maps stats");
	k = sva_t_counters();
	TEST_ASSERT_SUCCESS(sva_stats_get(ST.iommu, NULL, &st), "iommu stats");
	printf("    %s: %" PRIu64 " jobs on fresh mappings; lookups %" PRIu64 ", overlay hits %"
		PRIu64 ", evictions %" PRIu64 ", background refreshes %" PRIu64 "\n", model,
		jobs, m1.lookups - m0.lookups, m1.overlay_hits - m0.overlay_hits,
		m1.overlay_evictions - m0.overlay_evictions, m1.bg_refreshes - m0.bg_refreshes);
	TEST_ASSERT_EQUAL(k.resp_success, k.groups, "every group answered Success, once");
	TEST_ASSERT_EQUAL(k.resp_invalid + k.resp_failure + k.resp_bad_code, 0, "no refusal");
	TEST_ASSERT_EQUAL(st.resp_invalid + st.resp_failure, 0, "no refusal counted");
	TEST_ASSERT_GREATER(m1.lookups, m0.lookups, "mappings learned on the spot");
	TEST_ASSERT_GREATER(m1.overlay_hits, m0.overlay_hits, "and found again");
	sva_t_unbind(b);
	for (unsigned int i = 0; i < OV_LIVE; i++)
		if (live[i] != NULL)
			munmap(live[i], (OV_PAGES + 1) * PG);
	return TEST_SUCCESS;
}
SVA_T_BOTH(overlay_concurrency)

static struct sva_test_suite sva_concurrency_suite = {
	.name = "sva_concurrency",
	.cases = {
		SVA_TEST_CASE(concurrency),
		SVA_TEST_CASE(overlay_concurrency),
		SVA_TEST_CASES_END(),
	},
};

static int
test_sva_concurrency(void)
{
	return sva_test_suite_run(&sva_concurrency_suite);
}

SVA_TEST_REGISTER(sva_concurrency_autotest, test_sva_concurrency);
