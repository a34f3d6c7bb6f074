/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * iommufd_kernel_autotest: the iommufd driver against a real kernel's iommufd, fault
 * queue and PASID rules, through the public API (sva_bind, the poll service,
 * sva_unbind). The device is the kernel's selftest mock (dev=mock, CONFIG_IOMMUFD_TEST),
 * whose TRIGGER_IOPF op raises page requests that arrive on the fault fd exactly as a
 * device's would; the mock's MD_CHECK_MAP op says whether an IOVA is mapped to the
 * same page as a user address. Runs in the VM tier (./svapoll vm); elsewhere every
 * case skips with the reason.
 *
 * What "answered exactly once" means here: the kernel takes a response only for a
 * cookie it handed out and not yet answered (eventq.c: otherwise EINVAL), so
 * responses == faults and refused == 0 in the driver's counters prove one answer per
 * fault, each with its own cookie.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <rte_cycles.h>
#include <rte_lcore.h>

#include <sva.h>
#include <sva_iommufd.h>

#include "ifd_pvt.h"
#include "ifd_uapi.h"
#include "sva_test.h"
#include "test_log.h"
#include "test_pagemap.h"

#define K_PG 4096u
/* Inside the mock domain's aperture [16 MiB, 2 GiB), away from the emu tests' buffers. */
#define K_BASE (UINT64_C(0x40000000))
#define K_PASID_MIN 16u
#define K_PASID_MAX 63u

static struct {
	struct sva_iommu *iommu;
	struct sva_dev *dev;
	struct sva_pasid_space *space;
	struct sva_pasid_set *set;
	unsigned int lcore;
	bool polling;
	void *buf;
	size_t len;
} K;

static bool
have_mock_kernel(void)
{
	return access("/dev/iommu", F_OK) == 0;
}

static struct ifd_iommu *
kp(void)
{
	return sva_iommu_priv(K.iommu);
}

/* A buffer at a fixed address inside the mock aperture (IOVA == VA must fit there). */
static void *
k_map(uint64_t at, size_t len)
{
	void *p = mmap((void *)(uintptr_t)at, len, PROT_READ | PROT_WRITE,
		MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);

	if (p == MAP_FAILED || p != (void *)(uintptr_t)at) {
		if (p != MAP_FAILED)
			munmap(p, len);
		return NULL;
	}
	madvise(p, len, MADV_NOHUGEPAGE);
	return p;
}

static int
k_open(const char *extra, size_t buf_len)
{
	char args[128];

	memset(&K, 0, sizeof(K));
	if (!have_mock_kernel())
		TEST_SKIP("needs /dev/iommu and a kernel with CONFIG_IOMMUFD_TEST: runs in the VM "
			"tier (./svapoll vm -- iommufd_kernel_autotest)");
	K.lcore = rte_get_next_lcore(-1, 1, 0);
	if (K.lcore >= RTE_MAX_LCORE)
		TEST_SKIP("needs a worker lcore (-l 0-1)");
	/* Buffers before the bind: the bind's mappings snapshot then knows them. */
	K.len = buf_len;
	K.buf = k_map(K_BASE, buf_len);
	TEST_ASSERT_NOT_NULL(K.buf, "mmap of %zu bytes at 0x%" PRIx64 ": %s", buf_len, K_BASE,
		strerror(errno));
	snprintf(args, sizeof(args), "iommufd,dev=mock,name=kmock%s%s", extra[0] ? "," : "", extra);
	K.iommu = sva_iommu_create(args);
	if (K.iommu == NULL && rte_errno == EOPNOTSUPP)
		TEST_SKIP("/dev/iommu is here but the kernel has no CONFIG_IOMMUFD_TEST mock");
	TEST_ASSERT_NOT_NULL(K.iommu, "create %s", args);
	K.dev = sva_dev_open(K.iommu, NULL);
	TEST_ASSERT_NOT_NULL(K.dev, "dev open");
	K.space = sva_pasid_space_create("kmock", 20, 0);
	TEST_ASSERT_NOT_NULL(K.space, "space");
	K.set = sva_pasid_set_create(K.space, "app", 0, NULL, SVA_BOND_PASID_TYPE, 0);
	TEST_ASSERT_NOT_NULL(K.set, "set");
	return TEST_SUCCESS;
}

static int
k_poll_start(void)
{
	int ret = sva_poll_lcore_start(K.lcore);

	K.polling = ret == 0;
	return ret;
}

static void
k_close(void)
{
	if (K.polling)
		sva_poll_lcore_stop(K.lcore);
	if (K.set != NULL)
		sva_pasid_set_destroy(K.set, SVA_PASID_SET_FREE_ALL);
	if (K.iommu != NULL)
		sva_poll_release(K.iommu);
	sva_dev_close(K.dev);
	if (K.iommu != NULL)
		sva_iommu_destroy(K.iommu);
	if (K.space != NULL) {
		sva_pasid_reclaim(K.space);
		sva_pasid_space_destroy(K.space);
	}
	if (K.buf != NULL)
		munmap(K.buf, K.len);
	memset(&K, 0, sizeof(K));
}

static int
k_cmd(struct ifd_test_cmd *cmd)
{
	cmd->size = sizeof(*cmd);
	return ioctl(kp()->iommufd, IFD_IOMMU_TEST_CMD, cmd) < 0 ? -errno : 0;
}

/* The mock device raises one page request (a one-request group, LAST set). */
static int
k_trigger(uint32_t pasid, uint32_t grpid, uint32_t perm, uint64_t addr)
{
	struct ifd_test_cmd cmd = {
		.op = IFD_TEST_OP_TRIGGER_IOPF,
		.trigger_iopf = { .dev_id = kp()->dev_id, .pasid = pasid, .grpid = grpid,
			.perm = perm, .addr = addr },
	};

	return k_cmd(&cmd);
}

/* 0 when the mock domain maps IOVA addr to the page at addr (IOVA == VA), else -EINVAL.
 * The check itself faults the user page in: use it after the fact only. */
static int
k_check_map(uint64_t addr, uint64_t len)
{
	struct ifd_test_cmd cmd = {
		.op = IFD_TEST_OP_MD_CHECK_MAP,
		.id = kp()->hwpt_id,
		.check_map = { .iova = addr, .length = len, .uptr = addr },
	};

	return k_cmd(&cmd);
}

static struct sva_iommufd_stats
k_ifd_stats(void)
{
	struct sva_iommufd_stats st;

	memset(&st, 0xff, sizeof(st));
	sva_iommufd_stats_get(K.iommu, &st);
	return st;
}

/* Wait (bounded) until the kernel took want responses in total. */
static bool
k_wait_responses(uint64_t want)
{
	uint64_t end = rte_get_timer_cycles() + 30 * rte_get_timer_hz();

	while (rte_get_timer_cycles() < end) {
		struct sva_iommufd_stats st = k_ifd_stats();

		if (st.responses + st.refused >= want)
			return true;
		rte_delay_us_sleep(200);
	}
	return false;
}

/* Raise n faults (grpid = first + i) on pages [page0, page0 + n) of K.buf, in bursts. */
static int
k_raise(uint32_t pasid, uint32_t first_grpid, unsigned int page0, unsigned int n,
		uint32_t perm)
{
	for (unsigned int i = 0; i < n; i++) {
		uint64_t a = (uint64_t)(uintptr_t)K.buf + (uint64_t)(page0 + i) * K_PG;
		int ret = k_trigger(pasid, (first_grpid + i) & 0x1ff, perm, a);

		if (ret != 0)
			return ret;
	}
	return 0;
}

static int
test_kernel_mock_info(void)
{
	struct sva_iommu_info info;
	struct sva_iommufd_stats st;
	int ret = k_open("", 16 * K_PG);

	if (ret != TEST_SUCCESS)
		return ret;
	TEST_ASSERT_SUCCESS(sva_iommu_info_get(K.iommu, &info), "info");
	TEST_ASSERT_EQUAL(info.model, SVA_IOMMU_MODEL_IOMMUFD, "model");
	/* The mock reports MOCK_PASID_WIDTH (20) with MOCK_FLAGS_DEVICE_PASID. */
	TEST_ASSERT_EQUAL(info.pasid_bits, 20, "PASID bits of the mock");
	TEST_ASSERT(info.caps & SVA_IOMMU_CAP_PRI, "faults");
	TEST_ASSERT(info.caps & SVA_IOMMU_CAP_ATTACH_PASID, "PASID attach");
	TEST_ASSERT_EQUAL(kp()->hw_type, IFD_HW_INFO_TYPE_SELFTEST, "hw info type");
	TEST_ASSERT_NOT_EQUAL(kp()->hwpt_id, 0, "fault-capable hwpt");
	TEST_ASSERT(kp()->fault_fd >= 0, "fault fd");
	TEST_ASSERT_SUCCESS(sva_iommufd_stats_get(K.iommu, &st), "stats");
	TEST_ASSERT_EQUAL(st.records, 0, "no faults yet");
	return TEST_SUCCESS;
}

/* RID and PASID requests through the public API: each answered Success exactly once
 * with its cookie, the page populated and mapped at IOVA == VA, statistics equal. */
static int
test_kernel_rid_and_pasid_faults(void)
{
	const unsigned int n = 32;
	struct sva_bind_params bp = { .flags = SVA_BIND_RID, .pasid_min = K_PASID_MIN,
		.pasid_max = K_PASID_MAX };
	struct sva_iopf_stats bs;
	struct sva_iommufd_stats st;
	struct sva_bond *b;
	uint32_t pasid;
	int ret = k_open("", 4 * n * K_PG);

	if (ret != TEST_SUCCESS)
		return ret;
	b = sva_bind(K.dev, K.set, &bp);
	TEST_ASSERT_NOT_NULL(b, "bind PASID + RID");
	pasid = sva_bond_pasid(b);
	TEST_ASSERT(pasid >= K_PASID_MIN && pasid <= K_PASID_MAX, "PASID %u in range", pasid);
	TEST_ASSERT_SUCCESS(k_poll_start(), "poll lcore");
	/* RID (pasid 0: no PASID) writes pages [0, n), the PASID reads [n, 2n). */
	TEST_ASSERT_SUCCESS(k_raise(0, 1, 0, n, IOMMU_PGFAULT_PERM_READ | IOMMU_PGFAULT_PERM_WRITE),
		"trigger RID");
	TEST_ASSERT_SUCCESS(k_raise(pasid, 1, n, n, IOMMU_PGFAULT_PERM_READ), "trigger PASID");
	TEST_ASSERT(k_wait_responses(2 * n), "responses for %u faults", 2 * n);
	st = k_ifd_stats();
	TEST_ASSERT_EQUAL(st.records, 2 * n, "records read from the fault fd");
	TEST_ASSERT_EQUAL(st.groups, 2 * n, "one-request groups");
	TEST_ASSERT_EQUAL(st.responses, 2 * n, "responses the kernel took");
	TEST_ASSERT_EQUAL(st.refused, 0, "a refused response = a second answer or a bad cookie");
	TEST_ASSERT_EQUAL(st.read_errors + st.write_errors, 0, "fd errors");
	TEST_ASSERT_EQUAL(st.unknown_bits, 0, "the mock sets only PASID_VALID and LAST");
	TEST_ASSERT_SUCCESS(sva_stats_get(K.iommu, NULL, &bs), "iommu stats");
	TEST_ASSERT_EQUAL(bs.page_reqs, 2 * n, "page requests");
	TEST_ASSERT_EQUAL(bs.groups, 2 * n, "groups");
	TEST_ASSERT_EQUAL(bs.resp_success, 2 * n, "Success");
	TEST_ASSERT_EQUAL(bs.resp_invalid + bs.resp_failure, 0, "no Invalid/Failure");
	for (unsigned int i = 0; i < 2 * n; i++) {
		const uint8_t *pg = (const uint8_t *)K.buf + (size_t)i * K_PG;

		TEST_ASSERT_EQUAL(test_page_present(pg), 1, "page %u present", i);
		if (i < n)
			TEST_ASSERT_EQUAL(test_page_state(pg), TEST_PAGE_WRITTEN,
				"page %u populated for write", i);
	}
	/* Mapped at IOVA == VA, onto the very pages the process sees (the check op
	 * compares physical pages); the page never asked for is not mapped. */
	TEST_ASSERT_SUCCESS(k_check_map((uintptr_t)K.buf, (uint64_t)2 * n * K_PG),
		"IOVA == VA map of the faulted pages");
	TEST_ASSERT_RET(k_check_map((uintptr_t)K.buf + (uint64_t)3 * n * K_PG, K_PG), -EINVAL);
	TEST_ASSERT(st.maps >= 1 && st.mapped_bytes >= (uint64_t)2 * n * K_PG,
		"maps %" PRIu64 ", %" PRIu64 " bytes", st.maps, st.mapped_bytes);
	sva_unbind(b);
	st = k_ifd_stats();
	TEST_ASSERT_EQUAL(st.mapped_ranges, 0, "the mirror is unmapped with the last attachment");
	k_close();
	return TEST_SUCCESS;
}

/* Thousands of faults across many bursts, with a read buffer (burst=) smaller than
 * what is queued at once. */
static int
test_kernel_many_bursts_small_buffer(void)
{
	const unsigned int rounds = 16, per = 256, pages = 512;
	struct sva_bind_params bp = { .pasid_min = K_PASID_MIN, .pasid_max = K_PASID_MAX };
	struct sva_iommufd_stats st;
	struct sva_iopf_stats bs;
	struct sva_bond *b;
	uint32_t pasid;
	int ret = k_open("burst=8", (size_t)pages * K_PG);

	if (ret != TEST_SUCCESS)
		return ret;
	b = sva_bind(K.dev, K.set, &bp);
	TEST_ASSERT_NOT_NULL(b, "bind");
	pasid = sva_bond_pasid(b);
	TEST_ASSERT_SUCCESS(k_poll_start(), "poll lcore");
	for (unsigned int r = 0; r < rounds; r++) {
		/* Pages wrap around: later rounds fault pages resolved already (map hits). */
		TEST_ASSERT_SUCCESS(k_raise(pasid, r * per, (r * per) % pages, per,
			IOMMU_PGFAULT_PERM_READ | IOMMU_PGFAULT_PERM_WRITE), "round %u", r);
		TEST_ASSERT(k_wait_responses((uint64_t)(r + 1) * per), "round %u answered", r);
	}
	st = k_ifd_stats();
	TEST_ASSERT_EQUAL(st.records, rounds * per, "records");
	TEST_ASSERT_EQUAL(st.responses, rounds * per, "responses");
	TEST_ASSERT_EQUAL(st.refused, 0, "refused");
	TEST_ASSERT(st.reads >= rounds * per / 8, "burst=8: at least %u reads, saw %" PRIu64,
		rounds * per / 8, st.reads);
	TEST_ASSERT_SUCCESS(sva_stats_get(K.iommu, b, &bs), "bond stats");
	TEST_ASSERT_EQUAL(bs.page_reqs, rounds * per, "page requests of the bond");
	TEST_ASSERT_EQUAL(bs.resp_success, rounds * per, "Success");
	TEST_ASSERT_SUCCESS(k_check_map((uintptr_t)K.buf, (uint64_t)pages * K_PG), "all mapped");
	sva_unbind(b);
	k_close();
	return TEST_SUCCESS;
}

/* A response with a cookie the kernel never handed out: refused (EINVAL), counted, and
 * the next good response still goes through. */
static int
test_kernel_bad_cookie(void)
{
	struct sva_page_response r[2];
	struct sva_fault f;
	struct sva_iommufd_stats st;
	struct sva_bond *b;
	struct sva_bind_params bp = { .pasid_min = K_PASID_MIN, .pasid_max = K_PASID_MAX };
	uint64_t end;
	uint16_t got = 0;
	int ret = k_open("", 4 * K_PG);

	if (ret != TEST_SUCCESS)
		return ret;
	/* A bond for the attach, but no poll service: the test reads and answers itself
	 * through the driver ops (the poll path's calls). */
	b = sva_bind(K.dev, K.set, &bp);
	TEST_ASSERT_NOT_NULL(b, "bind");
	TEST_ASSERT_SUCCESS(k_trigger(sva_bond_pasid(b), 7, IOMMU_PGFAULT_PERM_READ,
		(uintptr_t)K.buf), "trigger");
	end = rte_get_timer_cycles() + 5 * rte_get_timer_hz();
	while (got == 0 && rte_get_timer_cycles() < end)
		got = sva_iommu_prq_read(K.iommu, &f, 1);
	TEST_ASSERT_EQUAL(got, 1, "the request on the fault fd");
	TEST_ASSERT_EQUAL(f.prm.grpid, 7, "grpid");
	TEST_ASSERT_EQUAL(f.prm.pasid, sva_bond_pasid(b), "pasid");
	TEST_ASSERT(f.prm.flags & SVA_FAULT_PR_LAST_PAGE, "LAST");
	memset(r, 0, sizeof(r));
	r[0].argsz = r[1].argsz = sizeof(r[0]);
	r[0].code = r[1].code = SVA_PAGE_RESP_INVALID;
	r[0].cookie = f.prm.cookie + 1000; /* never handed out */
	r[1].cookie = f.prm.cookie;
	r[0].pasid = r[1].pasid = f.prm.pasid;
	r[0].grpid = r[1].grpid = f.prm.grpid;
	r[0].flags = r[1].flags = SVA_PAGE_RESP_PASID_VALID;
	TEST_ASSERT_RET(sva_iommu_page_response(K.iommu, r, 2), 2);
	st = k_ifd_stats();
	TEST_ASSERT_EQUAL(st.refused, 1, "the bad cookie refused by the kernel");
	TEST_ASSERT_EQUAL(st.responses, 1, "the good one taken");
	/* Answering the same cookie again: the kernel no longer knows it. */
	TEST_ASSERT_RET(sva_iommu_page_response(K.iommu, &r[1], 1), 1);
	st = k_ifd_stats();
	TEST_ASSERT_EQUAL(st.refused, 2, "a second answer is refused");
	TEST_ASSERT_EQUAL(st.responses, 1, "still one taken");
	sva_unbind(b);
	k_close();
	return TEST_SUCCESS;
}

/*
 * lib/sva's "no poller" warning on the iommufd driver: its prq_pending op polls the
 * kernel's fault fd (POLLIN, zero timeout). A request the kernel queued for a bond
 * nobody polls is named after 100 ms, once; a read of the fd empties it.
 */
static int
test_kernel_nopoll(void)
{
	struct sva_bind_params bp = { .pasid_min = K_PASID_MIN, .pasid_max = K_PASID_MAX };
	char want[320];
	struct sva_fault f;
	struct sva_bond *b;
	uint64_t end;
	uint32_t sid;
	uint16_t got = 0;
	int ret = k_open("", 4 * K_PG), pending = 0;

	if (ret != TEST_SUCCESS)
		return ret;
	b = sva_bind(K.dev, K.set, &bp);
	TEST_ASSERT_NOT_NULL(b, "bind");
	TEST_ASSERT_SUCCESS(sva_poll_service_id(K.iommu, &sid), "service id");
	TEST_ASSERT_RET(sva_iommu_prq_pending(K.iommu), 0);
	test_log_capture_start();
	ret = k_trigger(sva_bond_pasid(b), 9, IOMMU_PGFAULT_PERM_READ, (uintptr_t)K.buf);
	end = rte_get_timer_cycles() + 5 * rte_get_timer_hz();
	while (ret == 0 && pending != 1 && rte_get_timer_cycles() < end)
		pending = sva_iommu_prq_pending(K.iommu);
	usleep(600 * 1000);
	test_log_capture_stop();
	TEST_ASSERT_SUCCESS(ret, "trigger");
	TEST_ASSERT_EQUAL(pending, 1, "the kernel queued the request: POLLIN");
	snprintf(want, sizeof(want), "%s: page requests have waited more than 100 ms and no "
		"poll call ran: no poller? Start one with sva_poll_lcore_start(), or map poll "
		"service %u (sva_poll_service_id()) to a service lcore, or call sva_iopf_poll()",
		sva_iommu_name(K.iommu), sid);
	TEST_ASSERT_LOGGED(want);
	TEST_ASSERT_EQUAL(test_log_count("no poll call ran"), 1, "once");
	/* a read takes it from the kernel: nothing pending */
	end = rte_get_timer_cycles() + 5 * rte_get_timer_hz();
	while (got == 0 && rte_get_timer_cycles() < end)
		got = sva_iommu_prq_read(K.iommu, &f, 1);
	TEST_ASSERT_EQUAL(got, 1, "the request on the fault fd");
	TEST_ASSERT_EQUAL(f.prm.grpid, 9, "grpid");
	TEST_ASSERT_RET(sva_iommu_prq_pending(K.iommu), 0);
	sva_unbind(b);
	k_close();
	test_log_free();
	return TEST_SUCCESS;
}

/* Faults in flight at unbind: the detach makes the kernel answer them (auto-response);
 * svapoll writes nothing for them, and none reaches the next owner of the PASID. */
static int
test_kernel_unbind_in_flight(void)
{
	const unsigned int n = 24;
	struct sva_bind_params bp = { .pasid_min = K_PASID_MIN, .pasid_max = K_PASID_MIN };
	struct sva_iommufd_stats st0, st;
	struct sva_iopf_stats bs;
	struct sva_bond *b;
	uint32_t pasid;
	int ret = k_open("", 2 * n * K_PG);

	if (ret != TEST_SUCCESS)
		return ret;
	b = sva_bind(K.dev, K.set, &bp);
	TEST_ASSERT_NOT_NULL(b, "bind");
	pasid = sva_bond_pasid(b);
	TEST_ASSERT_EQUAL(pasid, K_PASID_MIN, "the one PASID of the range");
	/* No poller: the requests wait in the kernel's queue. */
	TEST_ASSERT_SUCCESS(k_raise(pasid, 0, 0, n, IOMMU_PGFAULT_PERM_READ), "trigger");
	st0 = k_ifd_stats();
	sva_unbind(b);
	st = k_ifd_stats();
	TEST_ASSERT_EQUAL(st.refused, 0, "nothing written for groups the kernel answered");
	TEST_ASSERT_EQUAL(st.write_errors, 0, "write errors");
	/* Whatever unbind's drain read was answered once at most: never twice. */
	TEST_ASSERT(st.responses - st0.responses <= st.records - st0.records,
		"responses %" PRIu64 " for %" PRIu64 " records read",
		st.responses - st0.responses, st.records - st0.records);
	/* The same PASID again, now polled: the old requests are gone from the queue. */
	b = sva_bind(K.dev, K.set, &bp);
	TEST_ASSERT_NOT_NULL(b, "re-bind");
	TEST_ASSERT_EQUAL(sva_bond_pasid(b), pasid, "the PASID is reused");
	TEST_ASSERT_SUCCESS(k_poll_start(), "poll lcore");
	TEST_ASSERT_SUCCESS(k_raise(pasid, 100, n, 1, IOMMU_PGFAULT_PERM_READ), "a new request");
	TEST_ASSERT(k_wait_responses(st.responses + st.refused + 1), "the new one answered");
	rte_delay_us_sleep(20000); /* a stale request would show up by now */
	TEST_ASSERT_SUCCESS(sva_stats_get(K.iommu, b, &bs), "bond stats");
	TEST_ASSERT_EQUAL(bs.page_reqs, 1, "the new owner saw only its own request");
	TEST_ASSERT_EQUAL(bs.resp_success, 1, "answered Success");
	for (unsigned int i = 0; i < n; i++)
		TEST_ASSERT_EQUAL(test_page_present((const uint8_t *)K.buf + (size_t)i * K_PG), 0,
			"old owner's page %u never resolved for the new bond", i);
	st = k_ifd_stats();
	TEST_ASSERT_EQUAL(st.refused, 0, "refused");
	sva_unbind(b);
	k_close();
	return TEST_SUCCESS;
}

/* PASID attach, detach and re-attach, several PASIDs at once: each bond's requests are
 * served, and a detached PASID's requests never reach anyone (the kernel refuses to
 * route them: no handle). */
static int
test_kernel_pasid_attach_detach(void)
{
	struct sva_bind_params bp = { .pasid_min = K_PASID_MIN, .pasid_max = K_PASID_MAX };
	struct sva_bond *b[3];
	struct sva_iopf_stats bs;
	struct sva_iommufd_stats st;
	uint32_t gone;
	int ret = k_open("", 16 * K_PG);

	if (ret != TEST_SUCCESS)
		return ret;
	TEST_ASSERT_SUCCESS(k_poll_start(), "poll lcore");
	for (unsigned int i = 0; i < 3; i++) {
		b[i] = sva_bind(K.dev, K.set, &bp);
		TEST_ASSERT_NOT_NULL(b[i], "bind %u", i);
	}
	for (unsigned int i = 0; i < 3; i++)
		TEST_ASSERT_SUCCESS(k_raise(sva_bond_pasid(b[i]), i, i, 1, IOMMU_PGFAULT_PERM_READ),
			"trigger %u", i);
	TEST_ASSERT(k_wait_responses(3), "three answered");
	for (unsigned int i = 0; i < 3; i++) {
		TEST_ASSERT_SUCCESS(sva_stats_get(K.iommu, b[i], &bs), "stats %u", i);
		TEST_ASSERT_EQUAL(bs.resp_success, 1, "bond %u: its own request", i);
	}
	gone = sva_bond_pasid(b[1]);
	sva_unbind(b[1]);
	/* The kernel has no attach handle for a detached PASID: TRIGGER_IOPF is refused
	 * or the request is dropped, and nothing arrives on the fault fd. */
	ret = k_trigger(gone, 9, IOMMU_PGFAULT_PERM_READ, (uintptr_t)K.buf + 8 * K_PG);
	rte_delay_us_sleep(20000);
	st = k_ifd_stats();
	TEST_ASSERT_EQUAL(st.records, 3, "no record for a detached PASID (trigger said %d)", ret);
	/* Re-attach the same PASID: served again. */
	bp.pasid_min = bp.pasid_max = gone;
	b[1] = sva_bind(K.dev, K.set, &bp);
	TEST_ASSERT_NOT_NULL(b[1], "re-bind PASID %u", gone);
	TEST_ASSERT_SUCCESS(k_raise(gone, 10, 9, 1, IOMMU_PGFAULT_PERM_READ), "trigger again");
	TEST_ASSERT(k_wait_responses(4), "answered after re-attach");
	TEST_ASSERT_SUCCESS(sva_stats_get(K.iommu, b[1], &bs), "stats");
	TEST_ASSERT_EQUAL(bs.resp_success, 1, "the re-attached bond's request");
	st = k_ifd_stats();
	TEST_ASSERT_EQUAL(st.refused, 0, "refused");
	for (unsigned int i = 0; i < 3; i++)
		sva_unbind(b[i]);
	k_close();
	return TEST_SUCCESS;
}

/* A request for a page outside every mapping: Invalid, counted, nothing mapped. */
static int
test_kernel_bad_address(void)
{
	struct sva_bind_params bp = { .pasid_min = K_PASID_MIN, .pasid_max = K_PASID_MAX };
	struct sva_iopf_stats bs;
	struct sva_iommufd_stats st;
	struct sva_bond *b;
	int ret = k_open("", 4 * K_PG);

	if (ret != TEST_SUCCESS)
		return ret;
	b = sva_bind(K.dev, K.set, &bp);
	TEST_ASSERT_NOT_NULL(b, "bind");
	TEST_ASSERT_SUCCESS(k_poll_start(), "poll lcore");
	/* Just past the buffer: inside the aperture, mapped by nobody. */
	TEST_ASSERT_SUCCESS(k_trigger(sva_bond_pasid(b), 3, IOMMU_PGFAULT_PERM_READ,
		(uintptr_t)K.buf + 64 * K_PG), "trigger");
	TEST_ASSERT(k_wait_responses(1), "answered");
	TEST_ASSERT_SUCCESS(sva_stats_get(K.iommu, b, &bs), "stats");
	TEST_ASSERT_EQUAL(bs.resp_invalid, 1, "Invalid");
	TEST_ASSERT_EQUAL(bs.resp_success, 0, "never Success");
	st = k_ifd_stats();
	TEST_ASSERT_EQUAL(st.responses, 1, "the kernel took the Invalid");
	TEST_ASSERT_EQUAL(st.maps, 0, "nothing mapped");
	sva_unbind(b);
	k_close();
	return TEST_SUCCESS;
}

/* Pinned mode on the real kernel: pins are IOAS maps at IOVA == VA before any DMA (the
 * mock domain maps them to the very pages); a page request on a pinned bond arrives
 * on the fault fd and is answered Invalid, counted, never resolved; unpin unmaps. */
static int
test_kernel_pinned_bond(void)
{
	struct sva_bind_params bp = { .flags = SVA_BIND_PINNED, .pasid_min = K_PASID_MIN,
		.pasid_max = K_PASID_MAX };
	struct sva_iopf_stats bs;
	struct sva_iommufd_stats st;
	struct sva_bond *b;
	int ret = k_open("", 16 * K_PG);

	if (ret != TEST_SUCCESS)
		return ret;
	b = sva_bind(K.dev, K.set, &bp);
	TEST_ASSERT_NOT_NULL(b, "pinned bind");
	TEST_ASSERT_EQUAL(sva_bond_is_pinned(b), 1, "pinned");
	TEST_ASSERT_SUCCESS(sva_bond_pin(b, K.buf, 4 * K_PG, 0), "pin 4 pages");
	/* Resident (the map pins them) and mapped before any request. */
	for (unsigned int i = 0; i < 4; i++)
		TEST_ASSERT_EQUAL(test_page_present((const uint8_t *)K.buf + (size_t)i * K_PG), 1,
			"pinned page %u resident", i);
	TEST_ASSERT_SUCCESS(k_check_map((uintptr_t)K.buf, 4 * K_PG), "pins mapped in the IOAS");
	TEST_ASSERT_SUCCESS(k_poll_start(), "poll lcore");
	/* The device touches a page outside the pins: a counted error. */
	TEST_ASSERT_SUCCESS(k_trigger(sva_bond_pasid(b), 5, IOMMU_PGFAULT_PERM_READ |
		IOMMU_PGFAULT_PERM_WRITE, (uintptr_t)K.buf + 8 * K_PG), "trigger outside");
	TEST_ASSERT(k_wait_responses(1), "answered");
	TEST_ASSERT_SUCCESS(sva_stats_get(K.iommu, b, &bs), "stats");
	TEST_ASSERT_EQUAL(bs.page_reqs, 1, "one request");
	TEST_ASSERT_EQUAL(bs.resp_invalid, 1, "Invalid");
	TEST_ASSERT_EQUAL(bs.invalid[SVA_IOPF_R_PINNED], 1, "counted as a request on a pinned bond");
	TEST_ASSERT_EQUAL(bs.resp_success, 0, "never resolved");
	TEST_ASSERT_EQUAL(test_page_present((const uint8_t *)K.buf + 8 * K_PG), 0,
		"the page asked for stays absent");
	st = k_ifd_stats();
	TEST_ASSERT_EQUAL(st.responses, 1, "the kernel took the Invalid");
	TEST_ASSERT_EQUAL(st.refused, 0, "refused");
	TEST_ASSERT_SUCCESS(sva_bond_unpin(b, K.buf, 4 * K_PG), "unpin");
	TEST_ASSERT_RET(k_check_map((uintptr_t)K.buf, K_PG), -EINVAL);
	sva_unbind(b);
	k_close();
	return TEST_SUCCESS;
}

static void
k_teardown(void)
{
	k_close();
}

static struct sva_test_suite kernel_suite = {
	.name = "iommufd driver against a real kernel (selftest mock device; VM tier)",
	.cases = {
		SVA_TEST_CASE_ST(NULL, k_teardown, test_kernel_mock_info),
		SVA_TEST_CASE_ST(NULL, k_teardown, test_kernel_rid_and_pasid_faults),
		SVA_TEST_CASE_ST(NULL, k_teardown, test_kernel_many_bursts_small_buffer),
		SVA_TEST_CASE_ST(NULL, k_teardown, test_kernel_bad_cookie),
		SVA_TEST_CASE_ST(NULL, k_teardown, test_kernel_nopoll),
		SVA_TEST_CASE_ST(NULL, k_teardown, test_kernel_unbind_in_flight),
		SVA_TEST_CASE_ST(NULL, k_teardown, test_kernel_pasid_attach_detach),
		SVA_TEST_CASE_ST(NULL, k_teardown, test_kernel_bad_address),
		SVA_TEST_CASE_ST(NULL, k_teardown, test_kernel_pinned_bond),
		SVA_TEST_CASES_END(),
	},
};

static int
test_iommufd_kernel(void)
{
	return sva_test_suite_run(&kernel_suite);
}

SVA_TEST_REGISTER(iommufd_kernel_autotest, test_iommufd_kernel);
