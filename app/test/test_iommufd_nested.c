/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * iommufd_nested_autotest: the iommufd driver's nested translation (issue 13 item 4)
 * against a real kernel's iommufd: nest parents, nested page tables, the fault queue on
 * nested domains, IOMMU_HWPT_INVALIDATE. The device is the kernel's selftest mock
 * (dev=mock, CONFIG_IOMMUFD_TEST), whose nested domains take page requests on the RID
 * and on PASIDs (IOMMU_TEST_OP_TRIGGER_IOPF with a pasid) and whose IOTLB value is
 * observable (IOMMU_TEST_OP_MD_CHECK_IOTLB); the emulated VT-d of QEMU (edu device)
 * shows what real VT-d nesting needs and that QEMU's has none. Runs in the VM tier
 * (./svapoll vm); elsewhere every case skips with the reason.
 *
 * The driver is reached through its ops (sva_iommu_driver_of()->nested_attach...) and
 * the poll path's calls (sva_iommu_prq_read / sva_iommu_page_response), not the lib's
 * vSVA wrappers. The kernel's errnos asserted here come from the 7.3 sources:
 * hw_pagetable.c (iommufd_hwpt_alloc, iommufd_hwpt_paging_alloc,
 * iommufd_hwpt_nested_alloc, iommufd_hwpt_invalidate), selftest.c
 * (mock_domain_alloc_nested, __mock_domain_alloc_nested,
 * mock_domain_cache_invalidate_user, iommufd_test_md_check_iotlb), include/linux/iommu.h
 * (__iommu_copy_struct_from_user), device.c (iommufd_hwpt_pasid_compat), eventq.c
 * (fault fd write: unknown cookie EINVAL; iommufd_auto_response_faults), main.c
 * (iommufd_get_object: wrong type ENOENT), intel/iommu.c
 * (intel_iommu_domain_alloc_second_stage: NEST_PARENT without nesting EOPNOTSUPP).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <rte_cycles.h>

#include <sva.h>
#include <sva_iommufd.h>

#include "ifd_pvt.h"
#include "ifd_uapi.h"
#include "sva_test.h"

#define N_MIB (UINT64_C(1) << 20)
/* Guest RAM: 24 MiB; the mock's aperture [16 MiB, 2 GiB) takes GPAs [16, 24) MiB. */
#define N_RAM_SIZE (24 * N_MIB)
#define N_RAM_MAPPED (8 * N_MIB)
/* iommufd_test.h IOMMU_TEST_IOTLB_DEFAULT: the value the selftests start the IOTLB at */
#define N_IOTLB 0xbadbeefu
#define N_PERM_R 1u   /* uapi iommufd.h IOMMU_PGFAULT_PERM_READ */
#define N_PERM_W 2u   /* IOMMU_PGFAULT_PERM_WRITE */

static struct {
	struct sva_iommu *iommu;
	struct sva_dev *dev;
	void *ram;
	const struct sva_iommu_driver *drv;
} N;

static struct ifd_iommu *
np(void)
{
	return sva_iommu_priv(N.iommu);
}

static void
n_close(void)
{
	sva_dev_close(N.dev);
	if (N.iommu != NULL)
		sva_iommu_destroy(N.iommu);
	if (N.ram != NULL)
		munmap(N.ram, N_RAM_SIZE);
	memset(&N, 0, sizeof(N));
}

static int
n_open(const char *extra)
{
	char args[128];

	memset(&N, 0, sizeof(N));
	if (access("/dev/iommu", F_OK) != 0)
		TEST_SKIP("needs /dev/iommu and a kernel with CONFIG_IOMMUFD_TEST: runs in the VM "
			"tier (./svapoll vm -- iommufd_nested_autotest)");
	snprintf(args, sizeof(args), "iommufd,dev=mock,name=nmock%s%s", extra[0] ? "," : "",
		extra);
	N.iommu = sva_iommu_create(args);
	if (N.iommu == NULL && rte_errno == EOPNOTSUPP)
		TEST_SKIP("/dev/iommu is here but the kernel has no CONFIG_IOMMUFD_TEST mock");
	TEST_ASSERT_NOT_NULL(N.iommu, "create %s", args);
	N.dev = sva_dev_open(N.iommu, NULL);
	TEST_ASSERT_NOT_NULL(N.dev, "dev open");
	N.drv = sva_iommu_driver_of(N.iommu);
	TEST_ASSERT_NOT_NULL(N.drv, "driver");
	/* Guest RAM: an ordinary mapping of this process (the nest parent pins part of it). */
	N.ram = mmap(NULL, N_RAM_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	TEST_ASSERT(N.ram != MAP_FAILED, "guest RAM: %s", strerror(errno));
	return TEST_SUCCESS;
}

static struct sva_nested_cfg
n_cfg(uint32_t iotlb)
{
	return (struct sva_nested_cfg){
		.format = SVA_NESTED_SELFTEST,
		.ram = { .base = N.ram, .size = N_RAM_SIZE },
		.selftest_iotlb = iotlb,
	};
}

static int
n_attach(uint32_t pasid, uint32_t iotlb)
{
	struct sva_nested_cfg c = n_cfg(iotlb);

	return N.drv->nested_attach(N.dev, pasid, &c);
}

static uint32_t
n_hwpt_of(uint32_t pasid)
{
	for (uint32_t i = 0; i < np()->n_nested; i++)
		if (np()->nested[i].pasid == pasid)
			return np()->nested[i].hwpt_id;
	return 0;
}

static uint32_t
n_parent_hwpt(void)
{
	return np()->n_nested > 0 ? np()->parents[np()->nested[0].parent].hwpt_id : 0;
}

static int
n_cmd(struct ifd_test_cmd *cmd)
{
	cmd->size = sizeof(*cmd);
	return ioctl(np()->iommufd, IFD_IOMMU_TEST_CMD, cmd) < 0 ? -errno : 0;
}

static int
n_trigger(uint32_t pasid, uint32_t grpid, uint32_t perm, uint64_t addr)
{
	struct ifd_test_cmd c = { .op = IFD_TEST_OP_TRIGGER_IOPF,
		.trigger_iopf = { .dev_id = np()->dev_id, .pasid = pasid, .grpid = grpid,
			.perm = perm, .addr = addr } };

	return n_cmd(&c);
}

/* 0 when IOTLB entry id of nested hwpt holds val, -EINVAL when not (selftest.c). */
static int
n_check_iotlb(uint32_t hwpt, uint32_t id, uint32_t val)
{
	struct ifd_test_cmd c = { .op = IFD_TEST_OP_MD_CHECK_IOTLB, .id = hwpt,
		.check_iotlb = { .id = id, .iotlb = val } };

	return n_cmd(&c);
}

/* 0 when the mock's pasid is attached to hwpt (hwpt 0: detached), else -EINVAL. */
static int
n_pasid_on(uint32_t pasid, uint32_t hwpt)
{
	struct ifd_test_cmd c = { .op = IFD_TEST_OP_PASID_CHECK_HWPT, .id = np()->stdev_id,
		.pasid_check = { .pasid = pasid, .hwpt_id = hwpt } };

	return n_cmd(&c);
}

static int
n_hwpt_alloc(uint32_t flags, uint32_t pt_id, uint32_t type, const void *data, uint32_t len,
		uint32_t *out)
{
	struct iommu_hwpt_alloc h = {
		.size = sizeof(h), .flags = flags, .dev_id = np()->dev_id, .pt_id = pt_id,
		.data_type = type, .data_len = len, .data_uptr = (uintptr_t)data,
		.fault_id = (flags & IFD_HWPT_FAULT_ID_VALID) ? np()->fault_id : 0,
	};
	int ret = ioctl(np()->iommufd, IOMMU_HWPT_ALLOC, &h) < 0 ? -errno : 0;

	if (ret == 0 && out != NULL)
		*out = h.out_hwpt_id;
	return ret;
}

static void
n_destroy(uint32_t id)
{
	struct iommu_destroy d = { .size = sizeof(d), .id = id };

	ioctl(np()->iommufd, IOMMU_DESTROY, &d);
}

/* IOMMU_HWPT_INVALIDATE raw: -errno; *done the entries the kernel says it handled. */
static int
n_inval_raw(uint32_t hwpt, uint32_t type, const void *data, uint32_t len, uint32_t num,
		uint32_t *done)
{
	struct ifd_hwpt_invalidate inv = { .size = sizeof(inv), .hwpt_id = hwpt,
		.data_uptr = (uintptr_t)data, .data_type = type, .entry_len = len,
		.entry_num = num };
	int ret = ioctl(np()->iommufd, IFD_IOMMU_HWPT_INVALIDATE, &inv) < 0 ? -errno : 0;

	*done = inv.entry_num;
	return ret;
}

/* Read exactly want records through the poll path's call (bounded wait). */
static uint16_t
n_read(struct sva_fault *f, uint16_t want)
{
	uint64_t end = rte_get_timer_cycles() + 5 * rte_get_timer_hz();
	uint16_t got = 0;

	while (got < want && rte_get_timer_cycles() < end)
		got += sva_iommu_prq_read(N.iommu, f + got, want - got);
	return got;
}

static struct sva_page_response
n_resp(const struct sva_fault *f, uint32_t code)
{
	struct sva_page_response r;

	memset(&r, 0, sizeof(r));
	r.argsz = sizeof(r);
	r.code = code;
	r.cookie = f->prm.cookie;
	r.pasid = f->prm.pasid;
	r.grpid = f->prm.grpid;
	r.flags = (f->prm.flags & SVA_FAULT_PR_PASID_VALID) ? SVA_PAGE_RESP_PASID_VALID : 0;
	return r;
}

/* A response written straight to the fault fd: -errno of write(2) or 0. */
static int
n_write_raw(uint32_t cookie)
{
	struct iommu_hwpt_page_response r = { .cookie = cookie, .code = IOMMUFD_PAGE_RESP_INVALID };

	return write(np()->fault_fd, &r, sizeof(r)) < 0 ? -errno : 0;
}

static struct sva_iommufd_stats
n_stats(void)
{
	struct sva_iommufd_stats st;

	memset(&st, 0xff, sizeof(st));
	sva_iommufd_stats_get(N.iommu, &st);
	return st;
}

/* The mock: SVA_IOMMU_CAP_NESTED, the nested ops present. */
static int
test_nested_caps(void)
{
	struct sva_iommu_info info;
	int ret = n_open("");

	if (ret != TEST_SUCCESS)
		return ret;
	TEST_ASSERT_SUCCESS(sva_iommu_info_get(N.iommu, &info), "info");
	TEST_ASSERT(info.caps & SVA_IOMMU_CAP_NESTED, "nested on the mock");
	TEST_ASSERT(info.caps & SVA_IOMMU_CAP_PRI, "fault queue");
	TEST_ASSERT_EQUAL(np()->hw_type, IFD_HW_INFO_TYPE_SELFTEST, "mock hw info");
	TEST_ASSERT(N.drv->nested_attach != NULL && N.drv->nested_detach != NULL &&
		N.drv->nested_inval != NULL, "nested ops");
	n_close();
	return TEST_SUCCESS;
}

/* A nested PASID beside a plain one: the nested PASID's requests come out with the PASID
 * and SVA_FAULT_PR_NESTED_S1, the plain one's without; each answered once, a second
 * answer refused by the kernel (EINVAL). */
static int
test_nested_pasid_faults(void)
{
	const uint32_t nested = 5, plain = 6;
	static const uint32_t perm[3] = { N_PERM_R, N_PERM_R | N_PERM_W, N_PERM_W };
	/* guest virtual addresses: the mock's nested domain translates nothing */
	static const uint64_t gva[3] = { 0x7fffe000, 0x1000, UINT64_C(0x7f12345000) };
	struct sva_fault f[4];
	struct sva_page_response r[4];
	struct sva_iommufd_stats st;
	uint32_t hwpt;
	int ret = n_open("");

	if (ret != TEST_SUCCESS)
		return ret;
	TEST_ASSERT_SUCCESS(n_attach(nested, N_IOTLB), "nested attach of PASID %u", nested);
	hwpt = n_hwpt_of(nested);
	TEST_ASSERT_NOT_EQUAL(hwpt, 0, "nested hwpt");
	TEST_ASSERT_SUCCESS(n_pasid_on(nested, hwpt), "the mock's PASID %u is on hwpt %u",
		nested, hwpt);
	TEST_ASSERT_EQUAL(np()->parents[np()->nested[0].parent].mapped, N_RAM_MAPPED,
		"guest RAM inside the mock aperture mapped");
	TEST_ASSERT_SUCCESS(N.drv->attach_pasid(N.dev, plain, NULL), "plain attach");
	TEST_ASSERT_SUCCESS(n_pasid_on(plain, np()->hwpt_id), "plain PASID on the main hwpt");
	for (unsigned int i = 0; i < 3; i++)
		TEST_ASSERT_SUCCESS(n_trigger(nested, 10 + i, perm[i], gva[i]), "trigger %u", i);
	TEST_ASSERT_SUCCESS(n_trigger(plain, 20, N_PERM_R, 0x40000000), "trigger plain");
	TEST_ASSERT_EQUAL(n_read(f, 4), 4, "four records");
	for (unsigned int i = 0; i < 4; i++) {
		const struct sva_fault_page_req *pr = &f[i].prm;
		bool is_nested = i < 3;

		TEST_ASSERT_EQUAL(f[i].type, SVA_FAULT_PAGE_REQ, "%u: page request", i);
		TEST_ASSERT_EQUAL(pr->pasid, is_nested ? nested : plain, "%u: pasid", i);
		TEST_ASSERT_EQUAL(pr->grpid, is_nested ? 10 + i : 20, "%u: grpid", i);
		TEST_ASSERT_EQUAL(pr->perm, is_nested ? perm[i] : N_PERM_R, "%u: perm", i);
		TEST_ASSERT_EQUAL(pr->addr, is_nested ? gva[i] : 0x40000000, "%u: addr", i);
		TEST_ASSERT_EQUAL(pr->dev_id, np()->dev_id, "%u: dev id", i);
		TEST_ASSERT_EQUAL(pr->flags, SVA_FAULT_PR_PASID_VALID | SVA_FAULT_PR_LAST_PAGE |
			SVA_FAULT_PR_COOKIE | (is_nested ? SVA_FAULT_PR_NESTED_S1 : 0),
			"%u: flags 0x%x", i, pr->flags);
		for (unsigned int j = 0; j < i; j++)
			TEST_ASSERT_NOT_EQUAL(pr->cookie, f[j].prm.cookie, "%u, %u: one cookie each", i, j);
		r[i] = n_resp(&f[i], SVA_PAGE_RESP_SUCCESS);
	}
	st = n_stats();
	TEST_ASSERT_EQUAL(st.nested_records, 3, "records flagged nested");
	TEST_ASSERT_EQUAL(st.nested_attached, 1, "one nested attachment");
	TEST_ASSERT_RET(sva_iommu_page_response(N.iommu, r, 4), 4);
	st = n_stats();
	TEST_ASSERT_EQUAL(st.responses, 4, "the kernel took four answers");
	TEST_ASSERT_EQUAL(st.refused, 0, "none refused");
	/* A second answer: the kernel no longer knows the cookie (eventq.c: EINVAL). */
	TEST_ASSERT_RET(sva_iommu_page_response(N.iommu, &r[0], 1), 1);
	st = n_stats();
	TEST_ASSERT_EQUAL(st.refused, 1, "the second answer refused");
	TEST_ASSERT_EQUAL(st.responses, 4, "still four taken");
	TEST_ASSERT_RET(n_write_raw(f[1].prm.cookie), -EINVAL);
	N.drv->nested_detach(N.dev, nested);
	TEST_ASSERT_SUCCESS(n_pasid_on(nested, 0), "PASID %u detached", nested);
	N.drv->detach_pasid(N.dev, plain);
	st = n_stats();
	TEST_ASSERT_EQUAL(st.nested_attached, 0, "no nested attachment");
	TEST_ASSERT_EQUAL(st.nested_attaches, 1, "attaches");
	TEST_ASSERT_EQUAL(st.nested_detaches, 1, "detaches");
	TEST_ASSERT_EQUAL(np()->parents[0].refs + np()->parents[0].hwpt_id, 0,
		"the nest parent went with its last attachment");
	n_close();
	return TEST_SUCCESS;
}

/* The RID nested (pasid 0 of the ops): requests without a PASID flagged nested; a plain
 * RID attach is refused meanwhile (EBUSY) and, after the detach, clears the flag. */
static int
test_nested_rid(void)
{
	struct sva_fault f;
	struct sva_page_response r;
	uint32_t hwpt;
	int ret = n_open("");

	if (ret != TEST_SUCCESS)
		return ret;
	TEST_ASSERT_SUCCESS(n_attach(0, N_IOTLB), "nested attach of the RID");
	hwpt = n_hwpt_of(0);
	TEST_ASSERT_SUCCESS(n_pasid_on(0, hwpt), "the mock's RID is on nested hwpt %u", hwpt);
	TEST_ASSERT_RET(N.drv->attach_rid(N.dev, NULL), -EBUSY);
	TEST_ASSERT_SUCCESS(n_trigger(0, 3, N_PERM_W, 0x2000), "trigger on the RID");
	TEST_ASSERT_EQUAL(n_read(&f, 1), 1, "one record");
	TEST_ASSERT_EQUAL(f.prm.flags, SVA_FAULT_PR_LAST_PAGE | SVA_FAULT_PR_COOKIE |
		SVA_FAULT_PR_NESTED_S1, "no PASID, nested: 0x%x", f.prm.flags);
	TEST_ASSERT_EQUAL(f.prm.addr, 0x2000, "addr");
	r = n_resp(&f, SVA_PAGE_RESP_INVALID);
	TEST_ASSERT_RET(sva_iommu_page_response(N.iommu, &r, 1), 1);
	TEST_ASSERT_EQUAL(n_stats().responses, 1, "answered");
	N.drv->nested_detach(N.dev, 0);
	TEST_ASSERT_SUCCESS(n_pasid_on(0, np()->park_hwpt_id), "the RID back on its parking hwpt");
	TEST_ASSERT_SUCCESS(N.drv->attach_rid(N.dev, NULL), "plain RID attach");
	TEST_ASSERT_SUCCESS(n_trigger(0, 4, N_PERM_R, 0x40000000), "trigger plain RID");
	TEST_ASSERT_EQUAL(n_read(&f, 1), 1, "one record");
	TEST_ASSERT_EQUAL(f.prm.flags, SVA_FAULT_PR_LAST_PAGE | SVA_FAULT_PR_COOKIE,
		"plain: not nested: 0x%x", f.prm.flags);
	r = n_resp(&f, SVA_PAGE_RESP_INVALID);
	TEST_ASSERT_RET(sva_iommu_page_response(N.iommu, &r, 1), 1);
	TEST_ASSERT_EQUAL(n_stats().nested_records, 1, "one nested record in all");
	N.drv->detach_rid(N.dev);
	n_close();
	return TEST_SUCCESS;
}

/* Randomized against a model: PASIDs attached nested or plain at random, flipped between
 * rounds (a nested detach then a plain attach of the same PASID, and back); random
 * requests on each. Every record carries SVA_FAULT_PR_NESTED_S1 exactly when the model
 * says its PASID is nested now, its own grpid/perm/addr, and is answered once. */
static int
test_nested_random_mix(void)
{
	enum { NP = 8, ROUNDS = 6, PASID0 = 20 };
	bool nested[NP], attached[NP];
	struct sva_fault f[NP * 4];
	struct sva_page_response r[NP * 4];
	uint64_t want_nested = 0, want_total = 0;
	unsigned int seed = (unsigned int)rte_get_timer_cycles();
	struct sva_iommufd_stats st;
	int ret = n_open("");

	if (ret != TEST_SUCCESS)
		return ret;
	printf("    seed %u\n", seed);
	srand(seed);
	memset(attached, 0, sizeof(attached));
	for (unsigned int round = 0; round < ROUNDS; round++) {
		uint32_t grp[NP * 4], perm[NP * 4], pas[NP * 4];
		uint64_t addr[NP * 4];
		uint16_t n = 0, got;

		for (unsigned int i = 0; i < NP; i++) {
			uint32_t pasid = PASID0 + i;
			bool want = rand() & 1;

			if (attached[i] && nested[i] == want)
				continue;
			if (attached[i]) {
				if (nested[i])
					N.drv->nested_detach(N.dev, pasid);
				else
					N.drv->detach_pasid(N.dev, pasid);
			}
			if (want)
				TEST_ASSERT_SUCCESS(n_attach(pasid, N_IOTLB), "round %u: nested %u",
					round, pasid);
			else
				TEST_ASSERT_SUCCESS(N.drv->attach_pasid(N.dev, pasid, NULL),
					"round %u: plain %u", round, pasid);
			attached[i] = true;
			nested[i] = want;
		}
		for (unsigned int i = 0; i < NP; i++) {
			unsigned int k = (unsigned int)rand() % 5;

			for (unsigned int j = 0; j < k; j++, n++) {
				pas[n] = PASID0 + i;
				grp[n] = (uint32_t)rand() & 0x1ff;
				perm[n] = 1u + (uint32_t)rand() % 3;
				addr[n] = ((uint64_t)rand() << 12) & UINT64_C(0x7ffffffff000);
				TEST_ASSERT_SUCCESS(n_trigger(pas[n], grp[n], perm[n], addr[n]), "trigger");
			}
		}
		got = n_read(f, n);
		TEST_ASSERT_EQUAL(got, n, "round %u: all %u records", round, n);
		for (uint16_t j = 0; j < n; j++) {
			const struct sva_fault_page_req *pr = &f[j].prm;
			bool nest = nested[pr->pasid - PASID0];

			/* one queue, FIFO: the order they were raised */
			TEST_ASSERT(pr->pasid == pas[j] && pr->grpid == grp[j] && pr->perm == perm[j] &&
				pr->addr == addr[j], "round %u record %u as raised", round, j);
			TEST_ASSERT_EQUAL(!!(pr->flags & SVA_FAULT_PR_NESTED_S1), nest,
				"round %u record %u (PASID %u) nested flag", round, j, pr->pasid);
			want_nested += nest;
			r[j] = n_resp(&f[j], nest ? SVA_PAGE_RESP_INVALID : SVA_PAGE_RESP_SUCCESS);
		}
		want_total += n;
		TEST_ASSERT_RET(sva_iommu_page_response(N.iommu, r, n), n);
	}
	st = n_stats();
	TEST_ASSERT_EQUAL(st.responses, want_total, "every record answered");
	TEST_ASSERT_EQUAL(st.refused, 0, "none twice");
	TEST_ASSERT_EQUAL(st.nested_records, want_nested, "nested records");
	for (unsigned int i = 0; i < NP; i++) {
		if (nested[i])
			N.drv->nested_detach(N.dev, PASID0 + i);
		else
			N.drv->detach_pasid(N.dev, PASID0 + i);
	}
	TEST_ASSERT_EQUAL(n_stats().nested_attached, 0, "none left");
	n_close();
	return TEST_SUCCESS;
}

/* The kernel's own checks on nest parents, nested data and parents, exact errnos. */
static int
test_nested_kernel_checks(void)
{
	struct ifd_hwpt_selftest st = { .iotlb = N_IOTLB };
	uint8_t big[16] = { 0 };
	struct ifd_hwpt_vtd_s1 vtd = { .pgtbl_addr = 0x1000, .addr_width = 48 };
	const uint32_t nest_pasid = IFD_HWPT_ALLOC_PASID | IFD_HWPT_FAULT_ID_VALID;
	uint32_t parent, nested, nopasid, raw_parent;
	int ret = n_open("");

	if (ret != TEST_SUCCESS)
		return ret;
	memcpy(big, &st, sizeof(st));
	TEST_ASSERT_SUCCESS(n_attach(7, N_IOTLB), "a nested PASID (for a parent and a nested)");
	parent = n_parent_hwpt();
	nested = n_hwpt_of(7);
	/* hw_pagetable.c iommufd_hwpt_paging_alloc: a nest parent cannot take faults. */
	TEST_ASSERT_RET(n_hwpt_alloc(IFD_HWPT_ALLOC_NEST_PARENT | IFD_HWPT_FAULT_ID_VALID,
		np()->ioas_id, IFD_HWPT_DATA_NONE, NULL, 0, NULL), -EOPNOTSUPP);
	TEST_ASSERT_RET(n_hwpt_alloc(IFD_HWPT_ALLOC_NEST_PARENT | (1u << 7), np()->ioas_id,
		IFD_HWPT_DATA_NONE, NULL, 0, NULL), -EOPNOTSUPP);
	TEST_ASSERT_SUCCESS(n_hwpt_alloc(IFD_HWPT_ALLOC_NEST_PARENT, np()->ioas_id,
		IFD_HWPT_DATA_NONE, NULL, 0, &raw_parent), "a plain nest parent");
	/* The good one, as the driver makes it. */
	TEST_ASSERT_SUCCESS(n_hwpt_alloc(nest_pasid, raw_parent, IFD_HWPT_DATA_SELFTEST, &st,
		sizeof(st), &nopasid), "nested with selftest data");
	n_destroy(nopasid);
	/* Bad selftest data (iommu.h __iommu_copy_struct_from_user): shorter than up to
	 * iotlb, longer than the kernel's struct: EINVAL; not readable: EFAULT. */
	TEST_ASSERT_RET(n_hwpt_alloc(nest_pasid, parent, IFD_HWPT_DATA_SELFTEST, &st, 2, NULL),
		-EINVAL);
	TEST_ASSERT_RET(n_hwpt_alloc(nest_pasid, parent, IFD_HWPT_DATA_SELFTEST, big,
		sizeof(big), NULL), -EINVAL);
	TEST_ASSERT_RET(n_hwpt_alloc(nest_pasid, parent, IFD_HWPT_DATA_SELFTEST, NULL,
		sizeof(st), NULL), -EFAULT);
	/* Wrong data type: the mock takes SELFTEST only (EOPNOTSUPP); NONE without data is
	 * no nested table (EOPNOTSUPP); NONE with data is malformed (EINVAL). */
	TEST_ASSERT_RET(n_hwpt_alloc(nest_pasid, parent, IFD_HWPT_DATA_VTD_S1, &vtd,
		sizeof(vtd), NULL), -EOPNOTSUPP);
	TEST_ASSERT_RET(n_hwpt_alloc(nest_pasid, parent, IFD_HWPT_DATA_NONE, NULL, 0, NULL),
		-EOPNOTSUPP);
	TEST_ASSERT_RET(n_hwpt_alloc(nest_pasid, parent, IFD_HWPT_DATA_NONE, &st, sizeof(st),
		NULL), -EINVAL);
	/* Parents that are not nest parents: the fault-capable hwpt and the parking one
	 * (paging, no NEST_PARENT), a nested hwpt, the fault queue, no object: EINVAL. */
	TEST_ASSERT_RET(n_hwpt_alloc(nest_pasid, np()->hwpt_id, IFD_HWPT_DATA_SELFTEST, &st,
		sizeof(st), NULL), -EINVAL);
	TEST_ASSERT_RET(n_hwpt_alloc(nest_pasid, np()->park_hwpt_id, IFD_HWPT_DATA_SELFTEST,
		&st, sizeof(st), NULL), -EINVAL);
	TEST_ASSERT_RET(n_hwpt_alloc(nest_pasid, nested, IFD_HWPT_DATA_SELFTEST, &st,
		sizeof(st), NULL), -EINVAL);
	TEST_ASSERT_RET(n_hwpt_alloc(nest_pasid, np()->fault_id, IFD_HWPT_DATA_SELFTEST, &st,
		sizeof(st), NULL), -EINVAL);
	TEST_ASSERT_RET(n_hwpt_alloc(nest_pasid, 0x7ffff, IFD_HWPT_DATA_SELFTEST, &st,
		sizeof(st), NULL), -EINVAL);
	/* Flags a nested table does not take: EOPNOTSUPP (iommufd_hwpt_nested_alloc). */
	TEST_ASSERT_RET(n_hwpt_alloc(nest_pasid | IFD_HWPT_ALLOC_NEST_PARENT, parent,
		IFD_HWPT_DATA_SELFTEST, &st, sizeof(st), NULL), -EOPNOTSUPP);
	TEST_ASSERT_RET(n_hwpt_alloc(nest_pasid | IFD_HWPT_ALLOC_DIRTY_TRACKING, parent,
		IFD_HWPT_DATA_SELFTEST, &st, sizeof(st), NULL), -EOPNOTSUPP);
	TEST_ASSERT_RET(n_hwpt_alloc(nest_pasid | (1u << 7), parent, IFD_HWPT_DATA_SELFTEST,
		&st, sizeof(st), NULL), -EOPNOTSUPP);
	/* A nested table without IOMMU_HWPT_ALLOC_PASID: no PASID attach (device.c
	 * iommufd_hwpt_pasid_compat: EINVAL), and no RID attach while PASIDs are on. */
	TEST_ASSERT_SUCCESS(n_hwpt_alloc(IFD_HWPT_FAULT_ID_VALID, parent, IFD_HWPT_DATA_SELFTEST,
		&st, sizeof(st), &nopasid), "nested without PASID");
	TEST_ASSERT_RET(ifd_mock_attach(np(), true, 8, nopasid), -EINVAL);
	TEST_ASSERT_RET(ifd_mock_attach(np(), false, 0, nopasid), -EINVAL);
	/* The parking hwpt is still the RID's (nothing was changed by the refusals). */
	TEST_ASSERT_SUCCESS(n_pasid_on(0, np()->park_hwpt_id), "RID unchanged");
	n_destroy(nopasid);
	n_destroy(raw_parent);
	N.drv->nested_detach(N.dev, 7);
	n_close();
	return TEST_SUCCESS;
}

/* The driver's own refusals, each with its errno, counted; nothing left behind. */
static int
test_nested_driver_refusals(void)
{
	struct sva_nested_cfg c;
	struct sva_iommufd_stats st;
	int ret = n_open("");

	if (ret != TEST_SUCCESS)
		return ret;
	c = n_cfg(N_IOTLB);
	c.format = SVA_NESTED_VTD_FL;
	TEST_ASSERT_RET(N.drv->nested_attach(N.dev, 5, &c), -EOPNOTSUPP);
	c.format = SVA_NESTED_SMMUV3_CD;
	TEST_ASSERT_RET(N.drv->nested_attach(N.dev, 5, &c), -EOPNOTSUPP);
	c.format = SVA_NESTED_NONE;
	TEST_ASSERT_RET(N.drv->nested_attach(N.dev, 5, &c), -EOPNOTSUPP);
	c = n_cfg(N_IOTLB);
	TEST_ASSERT_RET(N.drv->nested_attach(N.dev, SVA_NESTED_ALL_PASIDS, &c), -EOPNOTSUPP);
	TEST_ASSERT_RET(N.drv->nested_attach(N.dev, 1u << 20, &c), -EINVAL);
	c.ram.base = NULL;
	TEST_ASSERT_RET(N.drv->nested_attach(N.dev, 5, &c), -EINVAL);
	c = n_cfg(N_IOTLB);
	c.ram.size = 100;
	TEST_ASSERT_RET(N.drv->nested_attach(N.dev, 5, &c), -EINVAL);
	/* Guest RAM wholly below the mock aperture (16 MiB): nothing can be mapped. */
	c = n_cfg(N_IOTLB);
	c.ram.size = 8 * N_MIB;
	TEST_ASSERT_RET(N.drv->nested_attach(N.dev, 5, &c), -EINVAL);
	TEST_ASSERT_EQUAL(np()->parents[0].ioas_id, 0, "the refused parent was destroyed");
	TEST_ASSERT_RET(N.drv->nested_inval(N.dev, 5, 0, 0), -ENOENT);
	TEST_ASSERT_SUCCESS(n_attach(5, N_IOTLB), "attach");
	TEST_ASSERT_RET(n_attach(5, N_IOTLB), -EEXIST);
	/* a second PASID on the same guest RAM shares the nest parent */
	TEST_ASSERT_SUCCESS(n_attach(6, N_IOTLB), "attach a second PASID");
	TEST_ASSERT_EQUAL(np()->nested[0].parent, np()->nested[1].parent, "one parent");
	TEST_ASSERT_EQUAL(np()->parents[np()->nested[0].parent].refs, 2, "two references");
	st = n_stats();
	TEST_ASSERT_EQUAL(st.nested_errors, 9, "nine refusals counted");
	TEST_ASSERT_EQUAL(st.nested_attached, 2, "two attached");
	N.drv->nested_detach(N.dev, 6);
	N.drv->nested_detach(N.dev, 6); /* not attached: logged, nothing done */
	TEST_ASSERT_EQUAL(n_stats().nested_detaches, 1, "one detach");
	/* dev close detaches what is left */
	sva_dev_close(N.dev);
	N.dev = NULL;
	TEST_ASSERT_EQUAL(n_stats().nested_attached, 0, "closed: none attached");
	n_close();
	return TEST_SUCCESS;
}

/* Invalidation round trip: the mock's IOTLB starts at the cfg's value, the driver's
 * nested_inval zeroes exactly the entries named; the kernel refuses an id it has not,
 * after handling the ones before it; IOMMU_HWPT_INVALIDATE's own checks. */
static int
test_nested_inval(void)
{
	struct ifd_hwpt_invalidate_selftest e[2];
	struct ifd_hwpt_vtd_s1_invalidate v = { 0 };
	uint32_t hwpt, hwpt2, done;
	int ret = n_open("");

	if (ret != TEST_SUCCESS)
		return ret;
	TEST_ASSERT_SUCCESS(n_attach(9, N_IOTLB), "attach");
	TEST_ASSERT_SUCCESS(n_attach(10, 0x1234), "attach another");
	hwpt = n_hwpt_of(9);
	hwpt2 = n_hwpt_of(10);
	for (uint32_t id = 0; id < IFD_MOCK_NESTED_IOTLB_NUM; id++) {
		TEST_ASSERT_SUCCESS(n_check_iotlb(hwpt, id, N_IOTLB), "entry %u starts at cfg", id);
		TEST_ASSERT_RET(n_check_iotlb(hwpt, id, N_IOTLB + 1), -EINVAL);
	}
	TEST_ASSERT_RET(n_check_iotlb(hwpt, 4, N_IOTLB), -EINVAL);   /* no entry 4 */
	TEST_ASSERT_RET(n_check_iotlb(n_parent_hwpt(), 0, 0), -ENOENT); /* not nested */
	/* entries [1, 3) */
	TEST_ASSERT_SUCCESS(N.drv->nested_inval(N.dev, 9, 1, 2), "inval entries 1-2");
	TEST_ASSERT_SUCCESS(n_check_iotlb(hwpt, 0, N_IOTLB), "0 kept");
	TEST_ASSERT_SUCCESS(n_check_iotlb(hwpt, 1, 0), "1 dropped");
	TEST_ASSERT_SUCCESS(n_check_iotlb(hwpt, 2, 0), "2 dropped");
	TEST_ASSERT_SUCCESS(n_check_iotlb(hwpt, 3, N_IOTLB), "3 kept");
	TEST_ASSERT_SUCCESS(n_check_iotlb(hwpt2, 1, 0x1234), "the other PASID untouched");
	/* entries 3 and 4: the mock has no 4 (EINVAL) but handled 3 first */
	TEST_ASSERT_RET(N.drv->nested_inval(N.dev, 9, 3, 2), -EINVAL);
	TEST_ASSERT_SUCCESS(n_check_iotlb(hwpt, 3, 0), "3 dropped before the refusal");
	TEST_ASSERT_SUCCESS(n_check_iotlb(hwpt, 0, N_IOTLB), "0 still kept");
	TEST_ASSERT_EQUAL(n_stats().nested_inval_errors, 1, "one refused");
	/* size 0: all of the one PASID */
	TEST_ASSERT_SUCCESS(N.drv->nested_inval(N.dev, 9, 0, 0), "inval all");
	TEST_ASSERT_SUCCESS(n_check_iotlb(hwpt, 0, 0), "0 dropped");
	TEST_ASSERT_SUCCESS(n_check_iotlb(hwpt2, 0, 0x1234), "the other PASID untouched");
	TEST_ASSERT_SUCCESS(N.drv->nested_inval(N.dev, SVA_NESTED_ALL_PASIDS, 0, 0),
		"inval every PASID");
	for (uint32_t id = 0; id < IFD_MOCK_NESTED_IOTLB_NUM; id++)
		TEST_ASSERT_SUCCESS(n_check_iotlb(hwpt2, id, 0), "other PASID entry %u dropped", id);
	TEST_ASSERT_EQUAL(n_stats().nested_invals, 4, "four taken (every PASID: one call per nested table)");
	/* IOMMU_HWPT_INVALIDATE's checks (hw_pagetable.c, selftest.c), entry_num out */
	e[0] = (struct ifd_hwpt_invalidate_selftest){ .iotlb_id = 0 };
	e[1] = (struct ifd_hwpt_invalidate_selftest){ .flags = 1u << 1 };
	TEST_ASSERT_RET(n_inval_raw(hwpt, IFD_HWPT_INVALIDATE_DATA_SELFTEST, e, sizeof(e[0]), 0,
		&done), 0);                          /* entry_num 0: the type is known */
	TEST_ASSERT_RET(n_inval_raw(hwpt, IFD_HWPT_INVALIDATE_DATA_VTD_S1, &v, sizeof(v), 0,
		&done), -EINVAL);                    /* ...this one is not the mock's */
	TEST_ASSERT_RET(n_inval_raw(hwpt, IFD_HWPT_INVALIDATE_DATA_SELFTEST, e, sizeof(e[0]), 2,
		&done), -EOPNOTSUPP);                /* unknown flag in entry 1 */
	TEST_ASSERT_EQUAL(done, 1, "entry 0 handled before the refusal");
	TEST_ASSERT_RET(n_inval_raw(hwpt, IFD_HWPT_INVALIDATE_DATA_SELFTEST, e, 4, 1, &done),
		-EINVAL);                            /* entry shorter than up to iotlb_id */
	TEST_ASSERT_EQUAL(done, 0, "none handled");
	TEST_ASSERT_RET(n_inval_raw(hwpt, IFD_HWPT_INVALIDATE_DATA_SELFTEST, e, 0, 1, &done),
		-EINVAL);                            /* entry_len 0 */
	TEST_ASSERT_RET(n_inval_raw(hwpt, IFD_HWPT_INVALIDATE_DATA_SELFTEST, NULL, sizeof(e[0]),
		1, &done), -EINVAL);                 /* no array */
	TEST_ASSERT_RET(n_inval_raw(n_parent_hwpt(), IFD_HWPT_INVALIDATE_DATA_SELFTEST, e,
		sizeof(e[0]), 1, &done), -EINVAL);   /* a paging hwpt has no user cache */
	N.drv->nested_detach(N.dev, 9);
	N.drv->nested_detach(N.dev, 10);
	n_close();
	return TEST_SUCCESS;
}

/* Detach with page requests outstanding: one read (its cookie handed out), one still
 * queued in the kernel. The kernel answers both (auto-response); svapoll's later answer
 * to the read one is refused (EINVAL), the queued one never comes out; the PASID
 * re-attached is served afresh, each answer taken once. burst=1: the read buffer holds
 * one record, so the second stays in the kernel's queue. */
static int
test_nested_detach_outstanding(void)
{
	const uint32_t pasid = 11;
	struct sva_fault f[2];
	struct sva_page_response r;
	struct sva_iommufd_stats st;
	int ret = n_open("burst=1");

	if (ret != TEST_SUCCESS)
		return ret;
	TEST_ASSERT_SUCCESS(n_attach(pasid, N_IOTLB), "attach");
	TEST_ASSERT_SUCCESS(n_trigger(pasid, 1, N_PERM_R, 0x10000), "trigger A");
	TEST_ASSERT_SUCCESS(n_trigger(pasid, 2, N_PERM_R, 0x20000), "trigger B");
	TEST_ASSERT_EQUAL(n_read(f, 1), 1, "A read");
	TEST_ASSERT_EQUAL(f[0].prm.grpid, 1, "A first");
	TEST_ASSERT(f[0].prm.flags & SVA_FAULT_PR_NESTED_S1, "A nested");
	TEST_ASSERT_EQUAL(ifd_fq_pending(&np()->fq), 0, "nothing buffered: B is the kernel's");
	N.drv->nested_detach(N.dev, pasid);
	r = n_resp(&f[0], SVA_PAGE_RESP_SUCCESS);
	TEST_ASSERT_RET(sva_iommu_page_response(N.iommu, &r, 1), 1);
	st = n_stats();
	TEST_ASSERT_EQUAL(st.refused, 1, "the kernel answered A at detach: ours refused");
	TEST_ASSERT_EQUAL(st.responses, 0, "no answer taken from svapoll");
	TEST_ASSERT_RET(n_write_raw(f[0].prm.cookie), -EINVAL);
	rte_delay_us_sleep(20000);
	TEST_ASSERT_EQUAL(sva_iommu_prq_read(N.iommu, f, 2), 0, "B was answered and dropped");
	/* Re-attached: a new request, answered once. */
	TEST_ASSERT_SUCCESS(n_attach(pasid, N_IOTLB), "re-attach");
	TEST_ASSERT_SUCCESS(n_trigger(pasid, 3, N_PERM_W, 0x30000), "trigger C");
	TEST_ASSERT_EQUAL(n_read(f, 1), 1, "C read");
	TEST_ASSERT_EQUAL(f[0].prm.grpid, 3, "C, not B");
	TEST_ASSERT(f[0].prm.flags & SVA_FAULT_PR_NESTED_S1, "C nested");
	r = n_resp(&f[0], SVA_PAGE_RESP_SUCCESS);
	TEST_ASSERT_RET(sva_iommu_page_response(N.iommu, &r, 1), 1);
	st = n_stats();
	TEST_ASSERT_EQUAL(st.responses, 1, "C taken");
	TEST_ASSERT_EQUAL(st.refused, 1, "nothing else refused");
	TEST_ASSERT_EQUAL(st.records, 2, "A and C: B never came out");
	N.drv->nested_detach(N.dev, pasid);
	n_close();
	return TEST_SUCCESS;
}

/* pri=off: no fault queue. A nested table is still made and attached (without
 * IOMMU_HWPT_FAULT_ID_VALID); the kernel cannot deliver its page requests to userspace,
 * so none ever comes out of prq_read. */
static int
test_nested_no_fault_queue(void)
{
	struct sva_fault f;
	struct sva_iommu_info info;
	uint32_t hwpt;
	int ret = n_open("pri=off");

	if (ret != TEST_SUCCESS)
		return ret;
	TEST_ASSERT_SUCCESS(sva_iommu_info_get(N.iommu, &info), "info");
	TEST_ASSERT(!(info.caps & SVA_IOMMU_CAP_PRI), "no fault queue");
	TEST_ASSERT(info.caps & SVA_IOMMU_CAP_NESTED, "nested all the same");
	TEST_ASSERT_SUCCESS(n_attach(12, N_IOTLB), "nested attach without a fault queue");
	hwpt = n_hwpt_of(12);
	TEST_ASSERT_SUCCESS(n_pasid_on(12, hwpt), "PASID on the nested table");
	TEST_ASSERT_SUCCESS(n_check_iotlb(hwpt, 0, N_IOTLB), "the mock's nested domain");
	TEST_ASSERT_SUCCESS(n_trigger(12, 1, N_PERM_R, 0x1000), "trigger");
	rte_delay_us_sleep(20000);
	TEST_ASSERT_EQUAL(sva_iommu_prq_read(N.iommu, &f, 1), 0, "nothing delivered");
	TEST_ASSERT_EQUAL(n_stats().nested_records, 0, "no nested records");
	N.drv->nested_detach(N.dev, 12);
	n_close();
	return TEST_SUCCESS;
}

/* The uAPI data the driver builds (pure: the shapes of iommufd.h, the VT-d rules). */
static int
test_nested_builders(void)
{
	struct sva_nested_cfg c = { .format = SVA_NESTED_VTD_FL, .flags = SVA_NESTED_SRE,
		.table_gpa = 0x5000 };
	struct ifd_hwpt_vtd_s1 s1;
	struct ifd_hwpt_vtd_s1_invalidate inv;
	struct ifd_hwpt_invalidate_selftest e[4];

	TEST_ASSERT_SUCCESS(ifd_nested_vtd_s1(&c, &s1), "vtd s1");
	/* uapi iommufd.h: IOMMU_VTD_S1_SRE = 1 << 0; 4-level = addr_width 48 (pasid.c) */
	TEST_ASSERT_EQUAL(s1.flags, 1, "SRE");
	TEST_ASSERT_EQUAL(s1.pgtbl_addr, 0x5000, "root");
	TEST_ASSERT_EQUAL(s1.addr_width, 48, "4-level");
	TEST_ASSERT_EQUAL(s1.__reserved, 0, "reserved");
	c.table_gpa = 0x5800;
	TEST_ASSERT_RET(ifd_nested_vtd_s1(&c, &s1), -EINVAL);
	c.table_gpa = 0x5000;
	c.flags = 1u << 5;
	TEST_ASSERT_RET(ifd_nested_vtd_s1(&c, &s1), -EINVAL);
	/* all: addr 0, npages U64_MAX (iommufd.h) */
	ifd_nested_vtd_inval(0x1234, 0, &inv);
	TEST_ASSERT(inv.addr == 0 && inv.npages == UINT64_MAX && inv.flags == 0, "all");
	ifd_nested_vtd_inval(0x1fff, 2, &inv);
	TEST_ASSERT(inv.addr == 0x1000 && inv.npages == 2, "a range across a page boundary");
	ifd_nested_vtd_inval(0x3000, 0x1000, &inv);
	TEST_ASSERT(inv.addr == 0x3000 && inv.npages == 1, "one page");
	ifd_nested_vtd_inval(UINT64_MAX - 0xfff, UINT64_MAX, &inv);
	TEST_ASSERT(inv.addr == UINT64_MAX - 0xfff && inv.npages == UINT64_C(1) << 52,
		"no overflow: npages %" PRIu64, (uint64_t)inv.npages);
	TEST_ASSERT_RET(ifd_nested_selftest_inval(0, 0, e, 4), 1);
	TEST_ASSERT_EQUAL(e[0].flags, 1, "FLAG_ALL");
	TEST_ASSERT_RET(ifd_nested_selftest_inval(2, 2, e, 4), 2);
	TEST_ASSERT(e[0].iotlb_id == 2 && e[1].iotlb_id == 3 && e[0].flags == 0, "ids 2, 3");
	TEST_ASSERT_RET(ifd_nested_selftest_inval(0, 5, e, 4), -EINVAL);
	return TEST_SUCCESS;
}

/* QEMU's emulated VT-d (edu behind it): what the kernel and the driver say about nesting. */
static int
test_nested_vtd_emulated(void)
{
	const char *bdf = getenv("SVA_EDU_BDF");
	struct sva_nested_cfg c;
	struct sva_iommu_info info;
	char args[128];
	bool nest;

	memset(&N, 0, sizeof(N));
	if (bdf == NULL || bdf[0] == '\0')
		TEST_SKIP("needs QEMU's edu device on vfio-pci behind the emulated VT-d (the VM tier "
			"names it in SVA_EDU_BDF)");
	snprintf(args, sizeof(args), "iommufd,dev=%s,name=nedu,pri=off", bdf);
	N.iommu = sva_iommu_create(args);
	TEST_ASSERT_NOT_NULL(N.iommu, "create %s", args);
	N.dev = sva_dev_open(N.iommu, NULL);
	TEST_ASSERT_NOT_NULL(N.dev, "dev open");
	N.drv = sva_iommu_driver_of(N.iommu);
	N.ram = mmap(NULL, N_RAM_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	TEST_ASSERT(N.ram != MAP_FAILED, "guest RAM");
	TEST_ASSERT_SUCCESS(sva_iommu_info_get(N.iommu, &info), "info");
	TEST_ASSERT_EQUAL(info.hw_info_type, 1, "VT-d (IOMMU_HW_INFO_TYPE_INTEL_VTD)");
	/* VT-d spec 11.4.3 ECAP_REG: bit 26 NEST, bit 43 SMTS; the kernel's
	 * nested_supported() is both. */
	nest = (info.hw_ecap >> 26 & 1) && (info.hw_ecap >> 43 & 1);
	TEST_ASSERT_EQUAL(!!(info.caps & SVA_IOMMU_CAP_NESTED), nest,
		"CAP_NESTED follows ECAP.NEST + SMTS (ecap 0x%" PRIx64 ")", info.hw_ecap);
	if (nest)
		TEST_SKIP("this VT-d reports nesting (ecap 0x%" PRIx64 "): the refusals below do "
			"not apply; a nested VT-d run needs a guest first level", info.hw_ecap);
	printf("    emulated VT-d ecap 0x%" PRIx64 ": NEST (26) %s, FLTS (47) %s, PASID (40) %s\n",
		info.hw_ecap, info.hw_ecap >> 26 & 1 ? "set" : "clear",
		info.hw_ecap >> 47 & 1 ? "set" : "clear", info.hw_ecap >> 40 & 1 ? "set" : "clear");
	c = (struct sva_nested_cfg){ .format = SVA_NESTED_VTD_FL,
		.ram = { .base = N.ram, .size = N_RAM_SIZE }, .table_gpa = 0x1000 };
	TEST_ASSERT_RET(N.drv->nested_attach(N.dev, 0, &c), -EOPNOTSUPP);
	/* The kernel agrees: intel_iommu_domain_alloc_second_stage refuses NEST_PARENT
	 * without nested_supported() (EOPNOTSUPP). */
	{
		struct iommu_hwpt_alloc h = { .size = sizeof(h), .flags = IFD_HWPT_ALLOC_NEST_PARENT,
			.dev_id = np()->dev_id, .pt_id = np()->ioas_id };

		TEST_ASSERT_RET(ioctl(np()->iommufd, IOMMU_HWPT_ALLOC, &h) < 0 ? -errno : 0,
			-EOPNOTSUPP);
	}
	n_close();
	return TEST_SUCCESS;
}

static void
n_teardown(void)
{
	n_close();
}

static struct sva_test_suite nested_suite = {
	.name = "iommufd nested page tables against a real kernel (selftest mock; VM tier)",
	.cases = {
		SVA_TEST_CASE_ST(NULL, n_teardown, test_nested_builders),
		SVA_TEST_CASE_ST(NULL, n_teardown, test_nested_caps),
		SVA_TEST_CASE_ST(NULL, n_teardown, test_nested_pasid_faults),
		SVA_TEST_CASE_ST(NULL, n_teardown, test_nested_rid),
		SVA_TEST_CASE_ST(NULL, n_teardown, test_nested_random_mix),
		SVA_TEST_CASE_ST(NULL, n_teardown, test_nested_kernel_checks),
		SVA_TEST_CASE_ST(NULL, n_teardown, test_nested_driver_refusals),
		SVA_TEST_CASE_ST(NULL, n_teardown, test_nested_inval),
		SVA_TEST_CASE_ST(NULL, n_teardown, test_nested_detach_outstanding),
		SVA_TEST_CASE_ST(NULL, n_teardown, test_nested_no_fault_queue),
		SVA_TEST_CASE_ST(NULL, n_teardown, test_nested_vtd_emulated),
		SVA_TEST_CASES_END(),
	},
};

static int
test_iommufd_nested(void)
{
	return sva_test_suite_run(&nested_suite);
}

SVA_TEST_REGISTER(iommufd_nested_autotest, test_iommufd_nested);
