/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * iommufd_autotest: the iommufd driver on a machine without an IOMMU.
 *
 *  - record conversion both ways (40-byte kernel pgfault <-> 128-byte generic record,
 *    8-byte kernel response <-> generic response, Failure -> Invalid) and grouping by
 *    cookie;
 *  - the fault-fd framing (burst read of whole groups, one write() of an array of
 *    responses, partial reads, EAGAIN, EINTR, short writes, refused cookies) against
 *    TEST DOUBLES OF THE KERNEL'S FAULT FD: a SOCK_SEQPACKET socketpair whose far end
 *    the test drives with the kernel's framing, and a model of the kernel's read/write
 *    rules put in the framing's read/write hooks. They stand in for the kernel only to
 *    check OUR framing; they prove nothing about a real kernel or device;
 *  - the IOVA == VA map table with recording hooks in place of IOMMU_IOAS_MAP/UNMAP;
 *  - every probe error this machine can produce, with its exact message and errno
 *    (real sysfs and /dev where they are absent here, a fake tree for the rest).
 * What needs real hardware (bind, HWPT with faults, real page requests) skips.
 */
#include <dirent.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <rte_errno.h>
#include <rte_log.h>
#include <rte_string_fns.h>

#include <sva_iommu.h>
#include <sva_iommufd.h>

#include "ifd_fq.h"
#include "ifd_map.h"
#include "ifd_pci.h"
#include "ifd_probe.h"
#include "ifd_pvt.h"
#include "ifd_record.h"
#include "ifd_uapi.h"

#include "sva_test.h"
#include "test_log.h"

/* ---- record conversion ---- */

static struct iommu_hwpt_pgfault
pgfault(uint32_t flags, uint32_t dev_id, uint32_t pasid, uint32_t grpid, uint32_t perm,
		uint64_t addr, uint32_t cookie)
{
	struct iommu_hwpt_pgfault r = {
		.flags = flags, .dev_id = dev_id, .pasid = pasid, .grpid = grpid, .perm = perm,
		.addr = addr, .cookie = cookie,
	};
	return r;
}

static int
test_ifd_record_to_generic(void)
{
	struct iommu_hwpt_pgfault k = pgfault(IOMMU_PGFAULT_FLAGS_PASID_VALID |
		IOMMU_PGFAULT_FLAGS_LAST_PAGE, 7, 0x1234, 0x1ff,
		IOMMU_PGFAULT_PERM_READ | IOMMU_PGFAULT_PERM_WRITE, 0x7f0000001000ull, 99);
	struct sva_fault f;

	memset(&f, 0xa5, sizeof(f));
	TEST_ASSERT_EQUAL(ifd_pgfault_to_fault(&k, &f), 0, "a clean record needs no repair");
	TEST_ASSERT_EQUAL(f.type, SVA_FAULT_PAGE_REQ, "type");
	TEST_ASSERT_EQUAL(f.padding, 0, "padding zeroed");
	TEST_ASSERT_EQUAL(f.prm.flags, SVA_FAULT_PR_PASID_VALID | SVA_FAULT_PR_LAST_PAGE |
		SVA_FAULT_PR_COOKIE, "flags: PASID_VALID, LAST and COOKIE");
	TEST_ASSERT_EQUAL(f.prm.pasid, 0x1234, "pasid");
	TEST_ASSERT_EQUAL(f.prm.grpid, 0x1ff, "grpid");
	TEST_ASSERT_EQUAL(f.prm.perm, SVA_FAULT_PERM_READ | SVA_FAULT_PERM_WRITE, "perm");
	TEST_ASSERT_EQUAL(f.prm.addr, 0x7f0000001000ull, "addr");
	TEST_ASSERT_EQUAL(f.prm.dev_id, 7, "dev_id");
	TEST_ASSERT_EQUAL(f.prm.cookie, 99, "the cookie is kept");
	TEST_ASSERT_EQUAL(f.prm.private_data[0] | f.prm.private_data[1] | f.prm.timestamp, 0,
		"no private data, no timestamp");
	for (size_t i = offsetof(struct sva_fault, prm) + sizeof(f.prm); i < sizeof(f); i++)
		TEST_ASSERT_EQUAL(((uint8_t *)&f)[i], 0, "byte %zu beyond the page request is 0", i);

	/* No PASID prefix: the pasid field is not trusted. Exec/priv pass through. */
	k = pgfault(0, 3, 0x55, 4, IOMMU_PGFAULT_PERM_EXEC | IOMMU_PGFAULT_PERM_PRIV, 0x2000, 5);
	TEST_ASSERT_EQUAL(ifd_pgfault_to_fault(&k, &f), 0, "clean");
	TEST_ASSERT_EQUAL(f.prm.flags, SVA_FAULT_PR_COOKIE, "no PASID, not LAST");
	TEST_ASSERT_EQUAL(f.prm.pasid, 0, "pasid ignored without PASID_VALID");
	TEST_ASSERT_EQUAL(f.prm.perm, SVA_FAULT_PERM_EXEC | SVA_FAULT_PERM_PRIV, "exec+priv");

	/* Bits this build does not know are masked and reported; low address bits cleared. */
	k = pgfault(IOMMU_PGFAULT_FLAGS_LAST_PAGE | (1u << 7), 3, 0, 4,
		IOMMU_PGFAULT_PERM_READ | (1u << 9), 0x3abc, 5);
	TEST_ASSERT_EQUAL(ifd_pgfault_to_fault(&k, &f), IFD_CONV_UNKNOWN_FLAGS |
		IFD_CONV_UNKNOWN_PERM | IFD_CONV_ADDR_LOW_BITS, "all three repairs reported");
	TEST_ASSERT_EQUAL(f.prm.flags, SVA_FAULT_PR_LAST_PAGE | SVA_FAULT_PR_COOKIE, "flags masked");
	TEST_ASSERT_EQUAL(f.prm.perm, SVA_FAULT_PERM_READ, "perm masked");
	TEST_ASSERT_EQUAL(f.prm.addr, 0x3000, "address cut to its page");
	return TEST_SUCCESS;
}

static int
test_ifd_record_roundtrip(void)
{
	struct iommu_hwpt_pgfault k = pgfault(IOMMU_PGFAULT_FLAGS_PASID_VALID, 11, 0xfffff, 0x100,
		IOMMU_PGFAULT_PERM_WRITE | IOMMU_PGFAULT_PERM_PRIV, 0x7ffffffff000ull, 0xdeadbeef);
	struct iommu_hwpt_pgfault back;
	struct sva_fault f, f2;

	/* kernel -> generic -> kernel is the identity on valid records */
	ifd_pgfault_to_fault(&k, &f);
	ifd_fault_to_pgfault(&f, &back);
	TEST_ASSERT_BUFFERS_EQUAL(&back, &k, sizeof(k), "pgfault round trip");
	/* and generic -> kernel -> generic too */
	ifd_pgfault_to_fault(&back, &f2);
	TEST_ASSERT_BUFFERS_EQUAL(&f2, &f, sizeof(f), "generic round trip");
	return TEST_SUCCESS;
}

static int
test_ifd_response_codes(void)
{
	struct sva_page_response r = { .argsz = sizeof(r), .dev_id = 7, .pasid = 3, .grpid = 9,
		.cookie = 1234 };
	struct iommu_hwpt_page_response k;
	struct sva_page_response back;

	r.code = SVA_PAGE_RESP_SUCCESS;
	TEST_ASSERT_EQUAL(ifd_response_to_kernel(&r, &k), 0, "success is clean");
	TEST_ASSERT_EQUAL(k.cookie, 1234, "cookie");
	TEST_ASSERT_EQUAL(k.code, IOMMUFD_PAGE_RESP_SUCCESS, "success -> 0");
	r.code = SVA_PAGE_RESP_INVALID;
	TEST_ASSERT_EQUAL(ifd_response_to_kernel(&r, &k), 0, "invalid is clean");
	TEST_ASSERT_EQUAL(k.code, IOMMUFD_PAGE_RESP_INVALID, "invalid -> 1");
	r.code = SVA_PAGE_RESP_FAILURE;
	TEST_ASSERT_EQUAL(ifd_response_to_kernel(&r, &k), IFD_CONV_FAILURE_AS_INVALID,
		"failure is reported as mapped");
	TEST_ASSERT_EQUAL(k.code, IOMMUFD_PAGE_RESP_INVALID, "failure -> invalid (no Failure in the uAPI)");
	r.code = 7;
	TEST_ASSERT_EQUAL(ifd_response_to_kernel(&r, &k), IFD_CONV_BAD_CODE, "unknown code reported");
	TEST_ASSERT_EQUAL(k.code, IOMMUFD_PAGE_RESP_INVALID, "unknown code -> invalid");

	k.cookie = 77;
	k.code = IOMMUFD_PAGE_RESP_SUCCESS;
	ifd_response_from_kernel(&k, &back);
	TEST_ASSERT_EQUAL(back.argsz, sizeof(back), "argsz");
	TEST_ASSERT_EQUAL(back.cookie, 77, "cookie back");
	TEST_ASSERT_EQUAL(back.code, SVA_PAGE_RESP_SUCCESS, "0 -> success");
	k.code = IOMMUFD_PAGE_RESP_INVALID;
	ifd_response_from_kernel(&k, &back);
	TEST_ASSERT_EQUAL(back.code, SVA_PAGE_RESP_INVALID, "1 -> invalid");
	return TEST_SUCCESS;
}

static int
test_ifd_groups_by_cookie(void)
{
	const uint32_t L = IOMMU_PGFAULT_FLAGS_LAST_PAGE;
	struct iommu_hwpt_pgfault good[6] = {
		pgfault(0, 1, 0, 1, 1, 0x1000, 5), pgfault(0, 1, 0, 1, 1, 0x2000, 5),
		pgfault(L, 1, 0, 1, 1, 0x3000, 5), pgfault(L, 1, 0, 2, 1, 0x4000, 9),
		pgfault(0, 1, 0, 3, 2, 0x5000, 12), pgfault(L, 1, 0, 3, 2, 0x6000, 12),
	};
	struct iommu_hwpt_pgfault bad[4] = {
		pgfault(L, 1, 0, 1, 1, 0x1000, 5), pgfault(0, 1, 0, 1, 1, 0x2000, 5),
		pgfault(0, 1, 0, 2, 1, 0x3000, 9), pgfault(L, 1, 0, 3, 1, 0x4000, 12),
	};
	struct iommu_hwpt_pgfault copy[6];
	unsigned int fixups = 0;

	memcpy(copy, good, sizeof(good));
	TEST_ASSERT_EQUAL(ifd_groups_normalise(copy, 6, &fixups), 3, "three cookies, three groups");
	TEST_ASSERT_EQUAL(fixups, 0, "the kernel's grouping needs no repair");
	TEST_ASSERT_BUFFERS_EQUAL(copy, good, sizeof(good), "records untouched");

	/* LAST too early in cookie 5, missing in cookie 9: moved to each run's end. */
	TEST_ASSERT_EQUAL(ifd_groups_normalise(bad, 4, &fixups), 3, "three cookie runs");
	TEST_ASSERT_EQUAL(fixups, 2, "two runs repaired");
	TEST_ASSERT_EQUAL(bad[0].flags, 0, "early LAST cleared");
	TEST_ASSERT_EQUAL(bad[1].flags, L, "LAST on the run's last record");
	TEST_ASSERT_EQUAL(bad[2].flags, L, "LAST added to cookie 9");
	TEST_ASSERT_EQUAL(bad[3].flags, L, "cookie 12 fine");
	TEST_ASSERT_EQUAL(ifd_groups_normalise(bad, 0, &fixups), 0, "an empty burst has no group");
	return TEST_SUCCESS;
}

/* ---- test double 1: a SOCK_SEQPACKET socketpair, far end driven by the test ----
 *
 * The test plays the kernel on sv[1]: it sends whole groups, packed into messages no
 * larger than the reader's buffer (so a message is what one kernel read() could have
 * returned), and receives the responses, checking the kernel's write rules (whole
 * 8-byte responses, known cookies, each answered once). A stand-in for the kernel
 * only, to check our framing.
 */

#define KD_MAX 64

struct kdouble {
	int sv[2];
	uint32_t outstanding[KD_MAX];  /* cookies read by the driver, not yet answered */
	unsigned int n_out;
	uint32_t answered[KD_MAX], codes[KD_MAX];
	unsigned int n_ans;
	unsigned int messages, bad_sizes, unknown_cookies;
};

static int
kd_open(struct kdouble *k)
{
	memset(k, 0, sizeof(*k));
	return socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, k->sv);
}

static void
kd_close(struct kdouble *k)
{
	close(k->sv[0]);
	close(k->sv[1]);
}

/* Queue groups: recs[0..n) with LAST marking group ends; one message per cap records. */
static int
kd_deliver(struct kdouble *k, const struct iommu_hwpt_pgfault *recs, unsigned int n,
		unsigned int cap)
{
	unsigned int start = 0;

	while (start < n) {
		unsigned int end = start, cut = start;

		/* as many whole groups as fit in cap records */
		while (end < n) {
			end++;
			if (recs[end - 1].flags & IOMMU_PGFAULT_FLAGS_LAST_PAGE) {
				if (end - start > cap)
					break;
				cut = end;
			}
		}
		if (cut == start)
			return -1; /* a group larger than the reader's buffer */
		if (send(k->sv[1], &recs[start], (cut - start) * IFD_PGFAULT_SIZE, 0) !=
				(ssize_t)((cut - start) * IFD_PGFAULT_SIZE))
			return -1;
		for (unsigned int i = start; i < cut; i++)
			if ((recs[i].flags & IOMMU_PGFAULT_FLAGS_LAST_PAGE) && k->n_out < KD_MAX)
				k->outstanding[k->n_out++] = recs[i].cookie;
		start = cut;
	}
	return 0;
}

/* Take every response message the driver wrote, with the kernel's write rules. */
static void
kd_collect(struct kdouble *k)
{
	struct iommu_hwpt_page_response r[KD_MAX];
	ssize_t got;

	while ((got = recv(k->sv[1], r, sizeof(r), MSG_DONTWAIT)) > 0) {
		k->messages++;
		if (got % IFD_RESPONSE_SIZE)
			k->bad_sizes++;
		for (size_t i = 0; i < (size_t)got / IFD_RESPONSE_SIZE; i++) {
			unsigned int j;

			for (j = 0; j < k->n_out && k->outstanding[j] != r[i].cookie; j++)
				;
			if (j == k->n_out || r[i].code > IOMMUFD_PAGE_RESP_INVALID) {
				k->unknown_cookies++;
				continue;
			}
			k->outstanding[j] = k->outstanding[--k->n_out];
			if (k->n_ans < KD_MAX) {
				k->answered[k->n_ans] = r[i].cookie;
				k->codes[k->n_ans++] = r[i].code;
			}
		}
	}
}

static struct sva_page_response
answer(const struct sva_fault *f, uint32_t code)
{
	struct sva_page_response r = {
		.argsz = sizeof(r), .flags = (f->prm.flags & SVA_FAULT_PR_PASID_VALID) ?
			SVA_PAGE_RESP_PASID_VALID : 0,
		.dev_id = f->prm.dev_id, .pasid = f->prm.pasid, .grpid = f->prm.grpid,
		.code = code, .cookie = f->prm.cookie,
	};
	return r;
}

static int
test_ifd_fq_socket_burst(void)
{
	const uint32_t L = IOMMU_PGFAULT_FLAGS_LAST_PAGE, P = IOMMU_PGFAULT_FLAGS_PASID_VALID;
	/* three groups of 1, 3 and 2 records: 6 records, one read */
	struct iommu_hwpt_pgfault recs[6] = {
		pgfault(P | L, 4, 1, 10, IOMMU_PGFAULT_PERM_READ, 0x10000, 100),
		pgfault(P, 4, 1, 11, IOMMU_PGFAULT_PERM_WRITE, 0x20000, 101),
		pgfault(P, 4, 1, 11, IOMMU_PGFAULT_PERM_WRITE, 0x21000, 101),
		pgfault(P | L, 4, 1, 11, IOMMU_PGFAULT_PERM_WRITE, 0x22000, 101),
		pgfault(P, 4, 2, 12, IOMMU_PGFAULT_PERM_READ, 0x30000, 102),
		pgfault(P | L, 4, 2, 12, IOMMU_PGFAULT_PERM_READ, 0x31000, 102),
	};
	struct sva_fault out[8];
	struct sva_page_response resp[3];
	struct kdouble k;
	struct ifd_fq fq;
	int ret;

	TEST_ASSERT_SUCCESS(kd_open(&k), "socketpair: %s", strerror(errno));
	ret = ifd_fq_init(&fq, k.sv[0], 8);
	if (ret != 0) {
		kd_close(&k);
		TEST_ASSERT_SUCCESS(ret, "ifd_fq_init");
	}
	ret = TEST_FAILED;
	if (kd_deliver(&k, recs, 6, 8) != 0)
		goto out;

	/* Empty before? No: one message is waiting. Ask for 4: one read of all 6. */
	if (ifd_fq_read(&fq, out, 4) != 4 || fq.stats.reads != 1 || ifd_fq_pending(&fq) != 2)
		goto fail_msg;
	if (out[0].prm.cookie != 100 || !(out[0].prm.flags & SVA_FAULT_PR_LAST_PAGE) ||
			out[1].prm.cookie != 101 || (out[1].prm.flags & SVA_FAULT_PR_LAST_PAGE) ||
			out[3].prm.cookie != 101 || !(out[3].prm.flags & SVA_FAULT_PR_LAST_PAGE) ||
			out[2].prm.addr != 0x21000 || out[2].prm.perm != SVA_FAULT_PERM_WRITE)
		goto fail_msg;
	/* The rest comes from the buffer, without a second read(). */
	if (ifd_fq_read(&fq, &out[4], 4) != 2 || fq.stats.reads != 1 || out[5].prm.cookie != 102 ||
			out[5].prm.pasid != 2)
		goto fail_msg;
	/* Now empty: the double says EAGAIN, the framing says 0 and counts it. */
	if (ifd_fq_read(&fq, out, 8) != 0 || fq.stats.empty_reads != 1 ||
			fq.stats.records != 6 || fq.stats.groups != 3 || fq.stats.group_fixups != 0)
		goto fail_msg;

	/* One response per group (the LAST records), all in one write(). */
	resp[0] = answer(&out[0], SVA_PAGE_RESP_SUCCESS);
	resp[1] = answer(&out[3], SVA_PAGE_RESP_FAILURE);
	resp[2] = answer(&out[5], SVA_PAGE_RESP_INVALID);
	if (ifd_fq_write(&fq, resp, 3) != 3 || fq.stats.writes != 1 || fq.stats.responses != 3 ||
			fq.stats.failure_as_invalid != 1)
		goto fail_msg;
	kd_collect(&k);
	if (k.messages != 1 || k.bad_sizes != 0 || k.unknown_cookies != 0 || k.n_ans != 3 ||
			k.n_out != 0 || k.answered[0] != 100 || k.codes[0] != IOMMUFD_PAGE_RESP_SUCCESS ||
			k.answered[1] != 101 || k.codes[1] != IOMMUFD_PAGE_RESP_INVALID ||
			k.answered[2] != 102 || k.codes[2] != IOMMUFD_PAGE_RESP_INVALID)
		goto fail_msg;
	ret = TEST_SUCCESS;
	goto out;
fail_msg:
	sva_test_fail(__FILE__, __LINE__, "framing over the socketpair double: reads %" PRIu64
		" empty %" PRIu64 " records %" PRIu64 " groups %" PRIu64 " writes %" PRIu64
		" responses %" PRIu64 "; double: %u messages, %u answered, %u unknown, %u bad sizes",
		fq.stats.reads, fq.stats.empty_reads, fq.stats.records, fq.stats.groups,
		fq.stats.writes, fq.stats.responses, k.messages, k.n_ans, k.unknown_cookies,
		k.bad_sizes);
out:
	ifd_fq_fini(&fq);
	kd_close(&k);
	return ret;
}

/*
 * ifd_fq_kernel_pending(), the iommufd driver's prq_pending op (lib/sva's "no poller"
 * check): poll() for POLLIN on the fault fd, zero timeout. 1 while the kernel holds
 * records, 0 once a read took them (records buffered but not handed out are ours, not
 * the kernel's), -ENOTSUP without a poll function.
 */
static int
test_ifd_fq_kernel_pending(void)
{
	const uint32_t L = IOMMU_PGFAULT_FLAGS_LAST_PAGE, P = IOMMU_PGFAULT_FLAGS_PASID_VALID;
	struct iommu_hwpt_pgfault recs[2] = {
		pgfault(P, 4, 1, 10, IOMMU_PGFAULT_PERM_READ, 0x10000, 100),
		pgfault(P | L, 4, 1, 10, IOMMU_PGFAULT_PERM_READ, 0x11000, 100),
	};
	struct sva_fault out[2];
	struct kdouble k;
	struct ifd_fq fq;
	int ret, r[5];

	TEST_ASSERT_SUCCESS(kd_open(&k), "socketpair: %s", strerror(errno));
	ret = ifd_fq_init(&fq, k.sv[0], 8);
	if (ret != 0) {
		kd_close(&k);
		TEST_ASSERT_SUCCESS(ret, "ifd_fq_init");
	}
	r[0] = ifd_fq_kernel_pending(&fq);
	ret = kd_deliver(&k, recs, 2, 8);
	r[1] = ifd_fq_kernel_pending(&fq);
	r[2] = ifd_fq_kernel_pending(&fq); /* asking does not consume */
	/* one read takes the message; one record handed out, one buffered */
	if (ifd_fq_read(&fq, out, 1) != 1)
		ret = -1;
	r[3] = ifd_fq_kernel_pending(&fq);
	fq.poll_fn = NULL;
	r[4] = ifd_fq_kernel_pending(&fq);
	TEST_ASSERT_EQUAL(ifd_fq_pending(&fq), 1, "one record buffered");
	ifd_fq_fini(&fq);
	kd_close(&k);
	TEST_ASSERT_SUCCESS(ret, "deliver and read");
	TEST_ASSERT_EQUAL(r[0], 0, "empty");
	TEST_ASSERT_EQUAL(r[1], 1, "a group queued");
	TEST_ASSERT_EQUAL(r[2], 1, "still queued");
	TEST_ASSERT_EQUAL(r[3], 0, "read: the kernel holds nothing");
	TEST_ASSERT_EQUAL(r[4], -ENOTSUP, "no poll function");
	return TEST_SUCCESS;
}

static int
test_ifd_fq_socket_many_bursts(void)
{
	/* 40 one-record groups through a 16-record buffer: 3 reads, every cookie answered once. */
	struct iommu_hwpt_pgfault recs[40];
	struct sva_fault out[16];
	struct sva_page_response resp[16];
	struct kdouble k;
	struct ifd_fq fq;
	unsigned int total = 0, rounds = 0;
	uint16_t got;

	for (unsigned int i = 0; i < 40; i++)
		recs[i] = pgfault(IOMMU_PGFAULT_FLAGS_LAST_PAGE, 1, 0, i % 512,
			IOMMU_PGFAULT_PERM_READ, 0x100000 + i * 0x1000ull, 1000 + i);
	TEST_ASSERT_SUCCESS(kd_open(&k), "socketpair");
	TEST_ASSERT_SUCCESS(ifd_fq_init(&fq, k.sv[0], 16), "init");
	TEST_ASSERT_SUCCESS(kd_deliver(&k, recs, 40, 16), "deliver");
	while ((got = ifd_fq_read(&fq, out, 16)) > 0 && rounds++ < 10) {
		for (uint16_t i = 0; i < got; i++)
			resp[i] = answer(&out[i], SVA_PAGE_RESP_SUCCESS);
		if (ifd_fq_write(&fq, resp, got) != got)
			break;
		total += got;
	}
	kd_collect(&k);
	ifd_fq_fini(&fq);
	kd_close(&k);
	TEST_ASSERT_EQUAL(total, 40, "every record read and answered");
	TEST_ASSERT_EQUAL(fq.stats.reads, 3, "16 + 16 + 8: three reads");
	TEST_ASSERT_EQUAL(fq.stats.writes, 3, "one write per burst");
	TEST_ASSERT_EQUAL(k.messages, 3, "the double got three response arrays");
	TEST_ASSERT_EQUAL(k.n_ans, 40, "40 answers");
	TEST_ASSERT_EQUAL(k.n_out, 0, "nothing left unanswered");
	TEST_ASSERT_EQUAL(k.unknown_cookies + k.bad_sizes, 0, "kernel write rules kept");
	return TEST_SUCCESS;
}

/* ---- test double 2: a model of the kernel's read/write rules in the framing's hooks ----
 *
 * The rules of drivers/iommu/iommufd/eventq.c (7.3): read(count): ESPIPE unless count
 * is a multiple of 40; otherwise whole groups while they fit; when the FIRST group does
 * not fit, EINVAL (7.3, 6.12.101+) or 0 (6.11 - 6.15: km.oversize_zero), the group
 * staying at the head. write(count): ESPIPE unless a multiple of 8; responses taken one
 * by one until an unknown cookie or code, returning the bytes done, or EINVAL when the
 * first was bad. poll(): POLLIN while anything is queued. Injected on top: EINTR,
 * EAGAIN, ESPIPE, a torn read, a cap on the responses taken per write (short writes),
 * a hard error, a group arriving between a read and a poll. A model of the kernel only,
 * to check our framing.
 */

static struct {
	struct iommu_hwpt_pgfault q[128];
	unsigned int qh, qn;
	uint32_t pending[128];  /* cookies read, not answered */
	unsigned int npending;
	uint32_t answered[128];
	unsigned int nanswered;
	unsigned int bad_counts, reads, writes, polls;
	int eintr_once, eagain_once, ebadf, espipe_once;
	int oversize_zero;          /* 6.11 - 6.15: 0 instead of EINVAL for a group too big */
	unsigned int torn_extra;    /* bytes of the next record to tear off into a read */
	unsigned int write_cap;     /* responses per write, 0 = all */
	int arrive_on_poll;         /* queue arrive_rec when polled (a race) */
	struct iommu_hwpt_pgfault arrive_rec;
} km;

static void
km_reset(void)
{
	memset(&km, 0, sizeof(km));
}

static void
km_queue(struct iommu_hwpt_pgfault r)
{
	km.q[km.qn++] = r;
}

static ssize_t
km_read(int fd, void *buf, size_t count)
{
	size_t done = 0;

	RTE_SET_USED(fd);
	km.reads++;
	if (km.eintr_once) {
		km.eintr_once = 0;
		errno = EINTR;
		return -1;
	}
	if (count % IFD_PGFAULT_SIZE) {
		km.bad_counts++;
		errno = ESPIPE;
		return -1;
	}
	while (km.qh < km.qn) {
		unsigned int end = km.qh;

		while (end < km.qn && !(km.q[end].flags & IOMMU_PGFAULT_FLAGS_LAST_PAGE))
			end++;
		end++; /* include LAST */
		if ((end - km.qh) * IFD_PGFAULT_SIZE > count - done) {
			if (done == 0 && !km.oversize_zero) {
				errno = EINVAL; /* "Read count doesn't fit the first fault group" */
				return -1;
			}
			break;
		}
		memcpy((char *)buf + done, &km.q[km.qh], (end - km.qh) * IFD_PGFAULT_SIZE);
		done += (end - km.qh) * IFD_PGFAULT_SIZE;
		for (; km.qh < end; km.qh++)
			if (km.q[km.qh].flags & IOMMU_PGFAULT_FLAGS_LAST_PAGE)
				km.pending[km.npending++] = km.q[km.qh].cookie;
	}
	if (km.torn_extra && done + km.torn_extra <= count) {
		/* not kernel behaviour: a torn record, to check we never hand it out */
		memset((char *)buf + done, 0xee, km.torn_extra);
		done += km.torn_extra;
		km.torn_extra = 0;
	}
	return (ssize_t)done;
}

static ssize_t
km_write(int fd, const void *buf, size_t count)
{
	const struct iommu_hwpt_page_response *r = buf;
	size_t n = count / IFD_RESPONSE_SIZE, done = 0;

	RTE_SET_USED(fd);
	km.writes++;
	if (km.ebadf) {
		errno = EBADF;
		return -1;
	}
	if (km.eintr_once) {
		km.eintr_once = 0;
		errno = EINTR;
		return -1;
	}
	if (km.eagain_once) {
		km.eagain_once = 0;
		errno = EAGAIN;
		return -1;
	}
	if (count % IFD_RESPONSE_SIZE || km.espipe_once) {
		km.espipe_once = 0;
		km.bad_counts++;
		errno = ESPIPE;
		return -1;
	}
	if (km.write_cap && n > km.write_cap)
		n = km.write_cap;
	for (; done < n; done++) {
		unsigned int j;

		for (j = 0; j < km.npending && km.pending[j] != r[done].cookie; j++)
			;
		if (j == km.npending || r[done].code > IOMMUFD_PAGE_RESP_INVALID)
			break;
		km.pending[j] = km.pending[--km.npending];
		km.answered[km.nanswered++] = r[done].cookie;
	}
	if (done == 0 && n > 0) {
		errno = EINVAL;
		return -1;
	}
	return (ssize_t)(done * IFD_RESPONSE_SIZE);
}

static int
km_poll(int fd)
{
	RTE_SET_USED(fd);
	km.polls++;
	if (km.arrive_on_poll) {
		km.arrive_on_poll = 0;
		km_queue(km.arrive_rec);
	}
	return km.qh < km.qn;
}

static struct ifd_fq km_fq;
static int km_fd = -1;

static int
km_setup(void)
{
	km_reset();
	km_fd = open("/dev/null", O_RDWR | O_CLOEXEC); /* only for fcntl; the hooks do the I/O */
	if (km_fd < 0)
		return TEST_FAILED;
	if (ifd_fq_init(&km_fq, km_fd, 4) != 0)
		return TEST_FAILED;
	km_fq.read_fn = km_read;
	km_fq.write_fn = km_write;
	km_fq.poll_fn = km_poll;
	return TEST_SUCCESS;
}

static void
km_teardown(void)
{
	ifd_fq_fini(&km_fq);
	if (km_fd >= 0)
		close(km_fd);
	km_fd = -1;
}

static int
test_ifd_fq_kernel_read_rules(void)
{
	const uint32_t L = IOMMU_PGFAULT_FLAGS_LAST_PAGE;
	struct sva_fault out[8];

	/* groups of 3, 2 and 1 records through a 4-record buffer */
	km_queue(pgfault(0, 1, 0, 1, 1, 0x1000, 1));
	km_queue(pgfault(0, 1, 0, 1, 1, 0x2000, 1));
	km_queue(pgfault(L, 1, 0, 1, 1, 0x3000, 1));
	km_queue(pgfault(0, 1, 0, 2, 1, 0x4000, 2));
	km_queue(pgfault(L, 1, 0, 2, 1, 0x5000, 2));
	km_queue(pgfault(L, 1, 0, 3, 1, 0x6000, 3));
	km.eintr_once = 1;
	/* EINTR is retried; the 2-record group does not fit after the 3-record one */
	TEST_ASSERT_EQUAL(ifd_fq_read(&km_fq, out, 8), 3, "first read: the group of 3");
	TEST_ASSERT_EQUAL(km.reads, 2, "EINTR retried once");
	TEST_ASSERT_EQUAL(out[2].prm.cookie, 1, "cookie 1");
	TEST_ASSERT_EQUAL(ifd_fq_read(&km_fq, out, 8), 3, "second read: groups of 2 and 1");
	TEST_ASSERT_EQUAL(out[1].prm.flags & SVA_FAULT_PR_LAST_PAGE, SVA_FAULT_PR_LAST_PAGE,
		"LAST on cookie 2's last");
	TEST_ASSERT_EQUAL(out[2].prm.cookie, 3, "cookie 3");
	TEST_ASSERT_EQUAL(ifd_fq_read(&km_fq, out, 8), 0, "empty: 0");
	TEST_ASSERT_EQUAL(km.bad_counts, 0, "every read count was a multiple of 40");
	TEST_ASSERT_EQUAL(km_fq.stats.groups, 3, "3 groups");
	TEST_ASSERT_EQUAL(km_fq.stats.empty_reads, 1, "one empty read");

	/* A torn record (never from a kernel) is dropped and counted, the whole one kept. */
	km_queue(pgfault(L, 1, 0, 4, 1, 0x7000, 4));
	km.torn_extra = 10;
	TEST_ASSERT_EQUAL(ifd_fq_read(&km_fq, out, 8), 1, "the whole record");
	TEST_ASSERT_EQUAL(out[0].prm.cookie, 4, "cookie 4");
	TEST_ASSERT_EQUAL(km_fq.stats.partial_bytes, 10, "10 torn bytes dropped");

	TEST_ASSERT_EQUAL(km.npending, 4, "cookies 1-4 read, waiting for answers");
	TEST_ASSERT_EQUAL(km_fq.stats.oversized + km_fq.stats.grows, 0, "no group too big");
	return TEST_SUCCESS;
}

/* Kernel 7.3 / 6.12.101+: the head group larger than the buffer is EINVAL, for ever,
 * unless the buffer grows (it used to stall the queue). */
static int
test_ifd_fq_group_too_big_einval(void)
{
	const uint32_t L = IOMMU_PGFAULT_FLAGS_LAST_PAGE;
	struct sva_fault out[64];

	for (unsigned int i = 0; i < 5; i++)
		km_queue(pgfault(i == 4 ? L : 0, 1, 0, 5, 1, 0x8000 + i * 0x1000ull, 5));
	km_queue(pgfault(L, 1, 0, 6, 1, 0x20000, 6));
	test_log_capture_start();
	TEST_ASSERT_EQUAL(ifd_fq_read(&km_fq, out, 64), 6, "5-record group + 1 after growing 4 -> 8");
	test_log_capture_stop();
	TEST_ASSERT_EQUAL(km.reads, 2, "EINVAL at 4 records, then one read at 8");
	TEST_ASSERT_EQUAL(km_fq.stats.oversized, 1, "one oversized head group");
	TEST_ASSERT_EQUAL(km_fq.stats.grows, 1, "grown once");
	TEST_ASSERT_EQUAL(km_fq.rcap, 8, "8 records now");
	TEST_ASSERT_EQUAL(km_fq.stats.read_errors, 0, "EINVAL is not an error here");
	TEST_ASSERT_EQUAL(out[4].prm.cookie, 5, "the big group whole");
	TEST_ASSERT_EQUAL(out[5].prm.cookie, 6, "then the next");
	TEST_ASSERT_LOGGED("IOMMUFD: fault queue: a page request group larger than the read "
		"buffer (4 records; the kernel hands out whole groups only): buffer grown to 8 "
		"records (a rare allocation on the poll lcore; burst= sets the first size)\n");

	/* 20 records: 8 -> 16 -> 32, two more EINVALs, logged at INFO only */
	for (unsigned int i = 0; i < 20; i++)
		km_queue(pgfault(i == 19 ? L : 0, 1, 0, 7, 2, 0x100000 + i * 0x1000ull, 7));
	km.reads = 0;
	TEST_ASSERT_EQUAL(ifd_fq_read(&km_fq, out, 64), 20, "20 records");
	TEST_ASSERT_EQUAL(km.reads, 3, "EINVAL at 8, EINVAL at 16, data at 32");
	TEST_ASSERT_EQUAL(km_fq.stats.grows, 3, "three doublings");
	TEST_ASSERT_EQUAL(km_fq.rcap, 32, "32 records");

	/* beyond the bound: stuck, said once at ERR, no allocation beyond it */
	km_fq.rmax = 32;
	for (unsigned int i = 0; i < 40; i++)
		km_queue(pgfault(i == 39 ? L : 0, 1, 0, 8, 1, 0x200000 + i * 0x1000ull, 8));
	test_log_capture_start();
	TEST_ASSERT_EQUAL(ifd_fq_read(&km_fq, out, 64), 0, "40 never fits 32");
	TEST_ASSERT_EQUAL(ifd_fq_read(&km_fq, out, 64), 0, "still not");
	test_log_capture_stop();
	TEST_ASSERT_EQUAL(km_fq.stats.stalled, 2, "two stuck reads");
	TEST_ASSERT_EQUAL(km_fq.stats.grows, 3, "no more growth");
	TEST_ASSERT_LOGGED("IOMMUFD: fault queue: a page request group larger than 32 records is "
		"at the head: the kernel never splits a group and retries it on every read, so this "
		"queue is stuck");
	TEST_ASSERT(strstr(strstr(test_log_text(), "is stuck") + 1, "is stuck") == NULL, "said once");
	return TEST_SUCCESS;
}

/* Kernels 6.11 - 6.15 say 0 for the oversized head group: poll() decides. */
static int
test_ifd_fq_group_too_big_zero(void)
{
	const uint32_t L = IOMMU_PGFAULT_FLAGS_LAST_PAGE;
	struct sva_fault out[16];
	unsigned int i;

	km.oversize_zero = 1;
	/* nothing queued: 64 empty reads, one poll that says no data, no growth */
	for (i = 0; i < IFD_FQ_POLL_EVERY; i++)
		TEST_ASSERT_EQUAL(ifd_fq_read(&km_fq, out, 16), 0, "empty");
	TEST_ASSERT_EQUAL(km.polls, 1, "one stall check after 64 empty reads");
	TEST_ASSERT_EQUAL(km.reads, 64, "no extra read");
	TEST_ASSERT_EQUAL(km_fq.stats.grows, 0, "empty is empty");

	/* a 5-record group: 0 from read 63 times, then poll says POLLIN, a second read at 4
	 * is 0 again: grow to 8 and read it */
	for (i = 0; i < 5; i++)
		km_queue(pgfault(i == 4 ? L : 0, 1, 0, 5, 1, 0x8000 + i * 0x1000ull, 5));
	km.reads = km.polls = 0;
	for (i = 0; i < IFD_FQ_POLL_EVERY - 1; i++)
		TEST_ASSERT_EQUAL(ifd_fq_read(&km_fq, out, 16), 0, "read %u: 0 as the kernel says", i);
	TEST_ASSERT_EQUAL(km.polls, 0, "no poll before the 64th empty read");
	TEST_ASSERT_EQUAL(ifd_fq_read(&km_fq, out, 16), 5, "the 64th: grown and read");
	TEST_ASSERT_EQUAL(km.polls, 1, "one poll");
	TEST_ASSERT_EQUAL(km.reads, 66, "63 + read, re-read after POLLIN, read at 8");
	TEST_ASSERT_EQUAL(km_fq.stats.stall_checks, 2, "two stall checks in all");
	TEST_ASSERT_EQUAL(km_fq.stats.oversized, 1, "one oversized group");
	TEST_ASSERT_EQUAL(km_fq.stats.grows, 1, "grown once");
	TEST_ASSERT_EQUAL(km_fq.rcap, 8, "to 8");

	/* a race: a small group arrives between the 64th empty read and the poll: the
	 * re-read gets it, no growth */
	km.arrive_rec = pgfault(L, 1, 0, 9, 1, 0x9000, 9);
	km.arrive_on_poll = 1;
	km.reads = km.polls = 0;
	for (i = 0; i < IFD_FQ_POLL_EVERY - 1; i++)
		TEST_ASSERT_EQUAL(ifd_fq_read(&km_fq, out, 16), 0, "empty");
	TEST_ASSERT_EQUAL(ifd_fq_read(&km_fq, out, 16), 1, "the late group");
	TEST_ASSERT_EQUAL(out[0].prm.cookie, 9, "cookie 9");
	TEST_ASSERT_EQUAL(km.reads, 65, "64 + the re-read");
	TEST_ASSERT_EQUAL(km_fq.stats.grows, 1, "no growth for a group that fits");
	return TEST_SUCCESS;
}

/* eventq.c: counts not a multiple of the record (40) or response (8) are ESPIPE. */
static int
test_ifd_fq_espipe(void)
{
	struct iommu_hwpt_pgfault rec[2];
	struct iommu_hwpt_page_response r[2] = { { 0, 0 }, { 0, 0 } };
	struct sva_page_response resp;
	struct sva_fault out[2];

	errno = 0;
	TEST_ASSERT_EQUAL(km_read(-1, rec, 39), -1, "39 bytes");
	TEST_ASSERT_EQUAL(errno, ESPIPE, "read: ESPIPE, not EINVAL");
	errno = 0;
	TEST_ASSERT_EQUAL(km_write(-1, r, 7), -1, "7 bytes");
	TEST_ASSERT_EQUAL(errno, ESPIPE, "write: ESPIPE, not EINVAL");
	km.bad_counts = 0;

	/* the framing never sends such counts; if a write is ESPIPE all the same, it is an
	 * I/O error (counted, logged), not a refused cookie */
	km_queue(pgfault(IOMMU_PGFAULT_FLAGS_LAST_PAGE, 1, 0, 1, 1, 0x1000, 1));
	TEST_ASSERT_EQUAL(ifd_fq_read(&km_fq, out, 2), 1, "one group");
	resp = answer(&out[0], SVA_PAGE_RESP_SUCCESS);
	km.espipe_once = 1;
	test_log_capture_start();
	TEST_ASSERT_EQUAL(ifd_fq_write(&km_fq, &resp, 1), -EIO, "ESPIPE -> -EIO");
	test_log_capture_stop();
	TEST_ASSERT_EQUAL(km_fq.stats.refused, 0, "not a refusal");
	TEST_ASSERT_EQUAL(km_fq.stats.write_errors, 1, "a write error");
	TEST_ASSERT_LOGGED("IOMMUFD: fault queue: write of 8 bytes refused (ESPIPE): not a "
		"multiple of the 8-byte response\n");
	TEST_ASSERT_EQUAL(ifd_fq_write(&km_fq, &resp, 1), 1, "then it goes");
	TEST_ASSERT_EQUAL(km.npending, 0, "answered");
	return TEST_SUCCESS;
}

/* include/linux/iommu.h: IOMMU_FAULT_PAGE_RESPONSE_NEEDS_PASID is (1 << 2); intel/prq.c
 * sets it with PASID_VALID on every request with a PASID, and eventq.c copies the
 * kernel's flags into the record as they are. */
static int
test_ifd_kernel_fault_flags(void)
{
	const uint32_t needs_pasid = 1u << 2;
	struct iommu_hwpt_pgfault k = pgfault(0x1 | 0x2 | needs_pasid, 7, 0x42, 3,
		IOMMU_PGFAULT_PERM_READ, 0x7f0000002000ull, 11);
	struct sva_fault f, out[4];

	TEST_ASSERT_EQUAL(ifd_pgfault_to_fault(&k, &f), IFD_CONV_KERNEL_FLAGS,
		"a kernel-internal bit, not an unknown one");
	TEST_ASSERT_EQUAL(f.prm.flags, SVA_FAULT_PR_PASID_VALID | SVA_FAULT_PR_LAST_PAGE |
		SVA_FAULT_PR_COOKIE, "masked: bit 2 is not PRIV_DATA");
	TEST_ASSERT_EQUAL(f.prm.pasid, 0x42, "pasid");

	km_queue(k);
	k.cookie = 12;
	km_queue(k);
	k.cookie = 13;
	k.flags = 0x2 | (1u << 7);
	km_queue(k);
	TEST_ASSERT_EQUAL(ifd_fq_read(&km_fq, out, 4), 3, "three records");
	TEST_ASSERT_EQUAL(km_fq.stats.kernel_flags, 2, "two with NEEDS_PASID");
	TEST_ASSERT_EQUAL(km_fq.stats.unknown_bits, 1, "one truly unknown bit");
	return TEST_SUCCESS;
}

static int
test_ifd_fq_kernel_write_rules(void)
{
	struct sva_page_response r[6];
	struct sva_fault out[8];

	for (unsigned int i = 1; i <= 4; i++)
		km_queue(pgfault(IOMMU_PGFAULT_FLAGS_LAST_PAGE, 1, 0, i, 1, i * 0x1000ull, i));
	TEST_ASSERT_EQUAL(ifd_fq_read(&km_fq, out, 8), 4, "4 groups read");
	/* cookies 1, 2, 99 (unknown), 3: the kernel takes 2, refuses 99, then takes 3 */
	r[0] = answer(&out[0], SVA_PAGE_RESP_SUCCESS);
	r[1] = answer(&out[1], SVA_PAGE_RESP_SUCCESS);
	r[2] = answer(&out[1], SVA_PAGE_RESP_SUCCESS);
	r[2].cookie = 99;
	r[3] = answer(&out[2], SVA_PAGE_RESP_INVALID);
	TEST_ASSERT_EQUAL(ifd_fq_write(&km_fq, r, 4), 4, "all 4 consumed");
	TEST_ASSERT_EQUAL(km.writes, 3, "short write, EINVAL on 99, the rest");
	TEST_ASSERT_EQUAL(km_fq.stats.short_writes, 1, "one short write");
	TEST_ASSERT_EQUAL(km_fq.stats.refused, 1, "cookie 99 refused");
	TEST_ASSERT_EQUAL(km_fq.stats.responses, 3, "3 taken");
	TEST_ASSERT_EQUAL(km.nanswered, 3, "the model answered 3");
	TEST_ASSERT_EQUAL(km.answered[2], 3, "cookie 3 answered after the refusal");

	/* The refused one first: EINVAL straight away, then the rest. */
	r[0] = r[2];                    /* 99 */
	r[1] = answer(&out[3], SVA_PAGE_RESP_SUCCESS);  /* 4 */
	km.writes = 0;
	TEST_ASSERT_EQUAL(ifd_fq_write(&km_fq, r, 2), 2, "both consumed");
	TEST_ASSERT_EQUAL(km.writes, 2, "EINVAL, then one write");
	TEST_ASSERT_EQUAL(km_fq.stats.refused, 2, "two refusals in all");
	TEST_ASSERT_EQUAL(km.npending, 0, "every group answered exactly once");
	TEST_ASSERT_EQUAL(km.bad_counts, 0, "every write count was a multiple of 8");
	return TEST_SUCCESS;
}

static int
test_ifd_fq_write_again_short_error(void)
{
	struct sva_page_response r[5];
	struct sva_fault out[4];

	for (unsigned int i = 1; i <= 4; i++)
		km_queue(pgfault(IOMMU_PGFAULT_FLAGS_LAST_PAGE, 1, 0, i, 1, i * 0x1000ull, 10 + i));
	TEST_ASSERT_EQUAL(ifd_fq_read(&km_fq, out, 4), 4, "4 groups");
	for (unsigned int i = 0; i < 4; i++)
		r[i] = answer(&out[i], SVA_PAGE_RESP_SUCCESS);

	/* EAGAIN: nothing consumed, the caller offers them again */
	km.eagain_once = 1;
	TEST_ASSERT_EQUAL(ifd_fq_write(&km_fq, r, 4), 0, "EAGAIN: 0 consumed");
	TEST_ASSERT_EQUAL(km_fq.stats.write_again, 1, "counted");
	/* EINTR then short writes of 1 response at a time: all taken, in 1+4 calls */
	km.eintr_once = 1;
	km.write_cap = 1;
	km.writes = 0;
	TEST_ASSERT_EQUAL(ifd_fq_write(&km_fq, r, 4), 4, "all 4 after short writes");
	TEST_ASSERT_EQUAL(km.writes, 5, "EINTR + 4 one-response writes");
	TEST_ASSERT_EQUAL(km_fq.stats.short_writes, 3, "three short writes");
	TEST_ASSERT_EQUAL(km.npending, 0, "all answered");

	/* A hard error is -EIO (logged), nothing consumed */
	km.ebadf = 1;
	TEST_ASSERT_EQUAL(ifd_fq_write(&km_fq, r, 1), -EIO, "EBADF -> -EIO");
	TEST_ASSERT_EQUAL(km_fq.stats.write_errors, 1, "counted");
	/* more responses than the buffer holds (4): written in chunks of 4 */
	km.ebadf = 0;
	km.write_cap = 0;
	for (unsigned int i = 0; i < 5; i++)
		km_queue(pgfault(IOMMU_PGFAULT_FLAGS_LAST_PAGE, 1, 0, i, 1, 0x1000, 20 + i));
	TEST_ASSERT_EQUAL(ifd_fq_read(&km_fq, out, 4), 4, "4 of 5");
	for (unsigned int i = 0; i < 4; i++)
		r[i] = answer(&out[i], SVA_PAGE_RESP_SUCCESS);
	TEST_ASSERT_EQUAL(ifd_fq_read(&km_fq, out, 4), 1, "the 5th");
	r[4] = answer(&out[0], SVA_PAGE_RESP_SUCCESS);
	km.writes = 0;
	TEST_ASSERT_EQUAL(ifd_fq_write(&km_fq, r, 5), 5, "5 responses");
	TEST_ASSERT_EQUAL(km.writes, 2, "4 + 1");
	TEST_ASSERT_EQUAL(km.npending, 0, "all answered");
	return TEST_SUCCESS;
}

static int
test_ifd_fq_init_args(void)
{
	struct ifd_fq fq;

	TEST_ASSERT_RET(ifd_fq_init(NULL, 0, 4), -EINVAL);
	TEST_ASSERT_RET(ifd_fq_init(&fq, -1, 4), -EINVAL);
	TEST_ASSERT_RET(ifd_fq_init(&fq, 0, 0), -EINVAL);
	TEST_ASSERT_RET(ifd_fq_init(&fq, 0, IFD_FQ_CAP_MAX + 1), -EINVAL);
	TEST_ASSERT_RET(ifd_fq_init(&fq, 1000000, 4), -EBADF);
	return TEST_SUCCESS;
}

/* ---- the IOVA == VA map table, with recording hooks ---- */

struct maprec {
	char ops[16][64];
	unsigned int n;
	int fail_map;
};

static int
rec_map(void *ctx, uint64_t va, uint64_t len, uint32_t perm)
{
	struct maprec *m = ctx;

	if (m->fail_map)
		return m->fail_map;
	if (m->n < 16)
		snprintf(m->ops[m->n++], 64, "map %" PRIx64 "+%" PRIx64 " %s", va, len,
			(perm & SVA_FAULT_PERM_WRITE) ? "rw" : "r");
	return 0;
}

static int
rec_unmap(void *ctx, uint64_t va, uint64_t len)
{
	struct maprec *m = ctx;

	if (m->n < 16)
		snprintf(m->ops[m->n++], 64, "unmap %" PRIx64 "+%" PRIx64, va, len);
	return 0;
}

#define TEST_ASSERT_OPS(m, ...) do { \
	const char *sva_want_[] = { __VA_ARGS__ }; \
	TEST_ASSERT_EQUAL((m)->n, RTE_DIM(sva_want_), "number of map/unmap calls"); \
	for (unsigned int sva_i_ = 0; sva_i_ < RTE_DIM(sva_want_); sva_i_++) \
		TEST_ASSERT(strcmp((m)->ops[sva_i_], sva_want_[sva_i_]) == 0, \
			"call %u: '%s', expected '%s'", sva_i_, (m)->ops[sva_i_], sva_want_[sva_i_]); \
	(m)->n = 0; \
} while (0)

#define TEST_ASSERT_NO_OPS(m) TEST_ASSERT_EQUAL((m)->n, 0, "no map/unmap call expected, got '%s'", \
	(m)->ops[0])

static int
test_ifd_maptab(void)
{
	struct maprec m = { .n = 0 };
	struct ifd_maptab t;
	int ret;

	TEST_ASSERT_RET(ifd_maptab_init(&t, 0, rec_map, rec_unmap, &m), -EINVAL);
	TEST_ASSERT_RET(ifd_maptab_init(&t, 4, NULL, rec_unmap, &m), -EINVAL);
	TEST_ASSERT_SUCCESS(ifd_maptab_init(&t, 4, rec_map, rec_unmap, &m), "init");

	ret = TEST_FAILED;
	/* a fresh range: one map, rounded out to pages */
	if (ifd_maptab_resolve(&t, 0x10010, 0x1000, SVA_FAULT_PERM_READ) != 0)
		goto out;
	TEST_ASSERT_OPS(&m, "map 10000+2000 r");
	/* inside it: nothing */
	if (ifd_maptab_resolve(&t, 0x11000, 0x1000, SVA_FAULT_PERM_READ) != 0 || t.stats.hits != 1)
		goto out;
	TEST_ASSERT_NO_OPS(&m);
	/* overlapping on both sides: only the gaps */
	if (ifd_maptab_resolve(&t, 0xe000, 0x6000, SVA_FAULT_PERM_READ) != 0)
		goto out;
	TEST_ASSERT_OPS(&m, "map 12000+2000 r", "map e000+2000 r");
	TEST_ASSERT_EQUAL(t.n, 3, "three maps");
	TEST_ASSERT_EQUAL(t.stats.bytes, 0x6000, "24 KiB mapped");
	/* a write into read-only maps: unmap them, one map of the union with rw */
	if (ifd_maptab_resolve(&t, 0x11000, 0x2000, SVA_FAULT_PERM_WRITE) != 0)
		goto out;
	TEST_ASSERT_OPS(&m, "unmap 10000+2000", "unmap 12000+2000", "map 10000+4000 rw");
	TEST_ASSERT_EQUAL(t.n, 2, "e000 r + 10000 rw");
	TEST_ASSERT_EQUAL(t.stats.upgrades, 1, "one upgrade");
	/* exec alone maps readable */
	if (ifd_maptab_resolve(&t, 0x40000, 0x1000, SVA_FAULT_PERM_EXEC) != 0)
		goto out;
	TEST_ASSERT_OPS(&m, "map 40000+1000 r");
	/* errors: bad ranges, the hook's errno, a full table */
	TEST_ASSERT_RET(ifd_maptab_resolve(&t, 0x1000, 0, SVA_FAULT_PERM_READ), -EINVAL);
	TEST_ASSERT_RET(ifd_maptab_resolve(&t, UINT64_MAX - 0xfff, 0x2000, SVA_FAULT_PERM_READ),
		-EINVAL);
	TEST_ASSERT_RET(ifd_maptab_resolve(&t, 0xffff800000000000ull, 0x1000, SVA_FAULT_PERM_READ),
		-EINVAL);
	m.fail_map = -ENOMEM;
	TEST_ASSERT_RET(ifd_maptab_resolve(&t, 0x80000, 0x1000, SVA_FAULT_PERM_READ), -ENOMEM);
	m.fail_map = 0;
	TEST_ASSERT_EQUAL(t.n, 3, "a failed map is not tracked");
	if (ifd_maptab_resolve(&t, 0x90000, 0x1000, SVA_FAULT_PERM_READ) != 0)
		goto out;
	m.n = 0;
	TEST_ASSERT_RET(ifd_maptab_resolve(&t, 0xa0000, 0x1000, SVA_FAULT_PERM_READ), -ENOSPC);
	TEST_ASSERT_NO_OPS(&m);
	TEST_ASSERT_EQUAL(t.stats.full, 1, "counted");
	/* drop a range (e.g. after munmap): the maps overlapping it go whole */
	TEST_ASSERT_EQUAL(ifd_maptab_drop(&t, 0x13000, 0x30000), 2, "10000 rw and 40000 r");
	TEST_ASSERT_OPS(&m, "unmap 10000+4000", "unmap 40000+1000");
	/* unbind: everything */
	TEST_ASSERT_EQUAL(ifd_maptab_drop(&t, 0, 0), 2, "the rest");
	TEST_ASSERT_OPS(&m, "unmap e000+2000", "unmap 90000+1000");
	TEST_ASSERT_EQUAL(t.stats.bytes, 0, "nothing mapped");
	ret = TEST_SUCCESS;
out:
	if (ret != TEST_SUCCESS)
		sva_test_fail(__FILE__, __LINE__, "map table step failed; last op '%s'",
			m.n ? m.ops[m.n - 1] : "none");
	ifd_maptab_fini(&t);
	return ret;
}

/* ---- probe errors ---- */

static bool
have_dev_iommu(void)
{
	return access("/dev/iommu", F_OK) == 0;
}

static int
test_ifd_create_no_dev_iommu(void)
{
	if (have_dev_iommu())
		TEST_SKIP("/dev/iommu exists here: this case checks machines without it");
	test_log_capture_start();
	TEST_ASSERT_NULL_ERRNO(sva_iommu_create("iommufd,dev=0000:3b:00.0"), ENOENT);
	test_log_capture_stop();
	TEST_ASSERT_LOGGED("IOMMUFD: /dev/iommu is missing: kernel built without CONFIG_IOMMUFD "
		"or module not loaded (try 'modprobe iommufd'; ./svapoll doctor checks the rest)");
	test_log_capture_start();
	TEST_ASSERT_NULL_ERRNO(sva_iommu_create("iommufd,dev=/dev/vfio/devices/vfio0,pasid=on"),
		ENOENT);
	test_log_capture_stop();
	TEST_ASSERT_LOGGED("IOMMUFD: /dev/iommu is missing");
	return TEST_SUCCESS;
}

static int
test_ifd_create_bad_devargs(void)
{
	test_log_capture_start();
	TEST_ASSERT_NULL_ERRNO(sva_iommu_create("iommufd"), EINVAL);
	test_log_capture_stop();
	TEST_ASSERT_LOGGED("IOMMUFD: iommufd");
	TEST_ASSERT_LOGGED(": dev= is required: a PCI address (iommufd,dev=0000:3b:00.0) or a "
		"VFIO cdev path (iommufd,dev=/dev/vfio/devices/vfio0)");
	TEST_ASSERT_NULL_ERRNO(sva_iommu_create("iommufd,dev=0000:3b:00.0,burst=0"), EINVAL);
	TEST_ASSERT_NULL_ERRNO(sva_iommu_create("iommufd,dev=0000:3b:00.0,burst=4097"), EINVAL);
	TEST_ASSERT_NULL_ERRNO(sva_iommu_create("iommufd,dev=0000:3b:00.0,max_maps=0"), EINVAL);
	TEST_ASSERT_NULL_ERRNO(sva_iommu_create("iommufd,dev=0000:3b:00.0,pasid=maybe"), EINVAL);
	TEST_ASSERT_NULL_ERRNO(sva_iommu_create("iommufd,dev=0000:3b:00.0,rid=1"), EINVAL);
	return TEST_SUCCESS;
}

static char fake_root[PATH_MAX];

static int
write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	if (f == NULL)
		return -1;
	fputs(text, f);
	return fclose(f);
}

/* A fake tree: sysfs/<bdf> for a virtio device and a vfio-pci one, dev/vfio/devices. */
static int
fake_tree_setup(void)
{
	char p[PATH_MAX + 64];

	snprintf(fake_root, sizeof(fake_root), "/tmp/sva-ifd-XXXXXX");
	if (mkdtemp(fake_root) == NULL)
		return TEST_FAILED;
	snprintf(p, sizeof(p), "%s/sys", fake_root);
	mkdir(p, 0755);
	snprintf(p, sizeof(p), "%s/drivers", fake_root);
	mkdir(p, 0755);
	snprintf(p, sizeof(p), "%s/drivers/virtio-pci", fake_root);
	mkdir(p, 0755);
	snprintf(p, sizeof(p), "%s/dev", fake_root);
	mkdir(p, 0755);
	/* 0000:00:03.0 bound to virtio-pci, no vfio-dev */
	snprintf(p, sizeof(p), "%s/sys/0000:00:03.0", fake_root);
	mkdir(p, 0755);
	snprintf(p, sizeof(p), "%s/sys/0000:00:03.0/driver", fake_root);
	if (symlink("../../drivers/virtio-pci", p) != 0)
		return TEST_FAILED;
	/* 0000:3b:00.0 with vfio-dev/vfio3 and node 1, whose /dev node is there */
	snprintf(p, sizeof(p), "%s/sys/0000:3b:00.0", fake_root);
	mkdir(p, 0755);
	snprintf(p, sizeof(p), "%s/sys/0000:3b:00.0/vfio-dev", fake_root);
	mkdir(p, 0755);
	snprintf(p, sizeof(p), "%s/sys/0000:3b:00.0/vfio-dev/vfio3", fake_root);
	mkdir(p, 0755);
	snprintf(p, sizeof(p), "%s/sys/0000:3b:00.0/numa_node", fake_root);
	if (write_file(p, "1\n") != 0)
		return TEST_FAILED;
	snprintf(p, sizeof(p), "%s/dev/vfio3", fake_root);
	if (write_file(p, "") != 0)
		return TEST_FAILED;
	/* 0000:5e:00.0 with vfio-dev/vfio7 but no /dev node */
	snprintf(p, sizeof(p), "%s/sys/0000:5e:00.0", fake_root);
	mkdir(p, 0755);
	snprintf(p, sizeof(p), "%s/sys/0000:5e:00.0/vfio-dev", fake_root);
	mkdir(p, 0755);
	snprintf(p, sizeof(p), "%s/sys/0000:5e:00.0/vfio-dev/vfio7", fake_root);
	mkdir(p, 0755);
	return TEST_SUCCESS;
}

static void
fake_tree_teardown(void)
{
	char cmd[PATH_MAX + 16];

	if (fake_root[0] == '\0')
		return;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", fake_root);
	if (system(cmd) != 0)
		printf("could not remove %s\n", fake_root);
	fake_root[0] = '\0';
}

static int
test_ifd_probe_cdev_resolve(void)
{
	char sys[PATH_MAX + 8], dev[PATH_MAX + 8], iommu[PATH_MAX + 16], want[PATH_MAX * 3];
	struct ifd_paths p = { .dev_iommu = iommu, .sysfs_pci = sys, .dev_vfio = dev };
	char cdev[PATH_MAX], bdf[32];

	snprintf(sys, sizeof(sys), "%s/sys", fake_root);
	snprintf(dev, sizeof(dev), "%s/dev", fake_root);
	snprintf(iommu, sizeof(iommu), "%s/dev/iommu", fake_root);

	test_log_capture_start();
	TEST_ASSERT_RET(ifd_iommufd_open(&p), -ENOENT);
	test_log_capture_stop();
	snprintf(want, sizeof(want), "IOMMUFD: %s is missing: kernel built without CONFIG_IOMMUFD "
		"or module not loaded (try 'modprobe iommufd'; ./svapoll doctor checks the rest)\n",
		iommu);
	TEST_ASSERT_LOGGED(want);

	test_log_capture_start();
	TEST_ASSERT_RET(ifd_cdev_resolve(&p, "zz:00.0x", cdev, sizeof(cdev), bdf, sizeof(bdf)),
		-EINVAL);
	TEST_ASSERT_RET(ifd_cdev_resolve(&p, "", cdev, sizeof(cdev), bdf, sizeof(bdf)), -EINVAL);
	test_log_capture_stop();
	TEST_ASSERT_LOGGED("IOMMUFD: dev=zz:00.0x is neither a PCI address (0000:3b:00.0) nor a "
		"VFIO cdev path (/dev/vfio/devices/vfio0)\n");
	TEST_ASSERT_LOGGED("IOMMUFD: dev= is required");

	test_log_capture_start();
	TEST_ASSERT_RET(ifd_cdev_resolve(&p, "0000:99:00.0", cdev, sizeof(cdev), bdf, sizeof(bdf)),
		-ENODEV);
	test_log_capture_stop();
	TEST_ASSERT_LOGGED("IOMMUFD: no PCI device 0000:99:00.0 (see 'lspci -D' for the addresses "
		"on this machine)\n");

	/* bound to another driver: bind it to vfio-pci (short form of the address too) */
	test_log_capture_start();
	TEST_ASSERT_RET(ifd_cdev_resolve(&p, "00:03.0", cdev, sizeof(cdev), bdf, sizeof(bdf)),
		-ENODEV);
	test_log_capture_stop();
	TEST_ASSERT(strcmp(bdf, "0000:00:03.0") == 0, "bdf '%s'", bdf);
	snprintf(want, sizeof(want), "IOMMUFD: PCI device 0000:00:03.0 has no VFIO cdev (driver: "
		"virtio-pci): bind it to vfio-pci: echo vfio-pci > %s/0000:00:03.0/driver_override; "
		"echo 0000:00:03.0 > /sys/bus/pci/drivers_probe (unbind it from virtio-pci first; "
		"the kernel needs CONFIG_VFIO_DEVICE_CDEV)\n", sys);
	TEST_ASSERT_LOGGED(want);

	test_log_capture_start();
	TEST_ASSERT_RET(ifd_cdev_resolve(&p, "0000:5e:00.0", cdev, sizeof(cdev), bdf, sizeof(bdf)),
		-ENOENT);
	test_log_capture_stop();
	snprintf(want, sizeof(want), "IOMMUFD: 0000:5e:00.0: sysfs lists vfio7 but %s/vfio7 is "
		"missing: is devtmpfs mounted on /dev (or udev running)?\n", dev);
	TEST_ASSERT_LOGGED(want);

	TEST_ASSERT_SUCCESS(ifd_cdev_resolve(&p, "0000:3B:00.0", cdev, sizeof(cdev), bdf,
		sizeof(bdf)), "a device bound to vfio-pci resolves");
	snprintf(want, sizeof(want), "%s/vfio3", dev);
	TEST_ASSERT(strcmp(cdev, want) == 0, "cdev '%s', expected '%s'", cdev, want);
	TEST_ASSERT(strcmp(bdf, "0000:3b:00.0") == 0, "bdf '%s' lower-cased", bdf);
	TEST_ASSERT_EQUAL(ifd_pci_numa_node(&p, bdf), 1, "numa_node from sysfs");
	TEST_ASSERT_EQUAL(ifd_pci_numa_node(&p, "0000:00:03.0"), -1, "no numa_node file: -1");

	/* a path given as is */
	test_log_capture_start();
	TEST_ASSERT_RET(ifd_cdev_resolve(&p, "/nonexistent/vfio9", cdev, sizeof(cdev), bdf,
		sizeof(bdf)), -ENOENT);
	TEST_ASSERT_RET(ifd_cdev_resolve(&p, want, cdev, sizeof(cdev), bdf, sizeof(bdf)), -ENODEV);
	test_log_capture_stop();
	TEST_ASSERT_LOGGED("IOMMUFD: /nonexistent/vfio9 does not exist: no VFIO device cdev there "
		"(bind the device to vfio-pci; the kernel needs CONFIG_VFIO_DEVICE_CDEV)\n");
	TEST_ASSERT_LOGGED("is not a character device: expected a VFIO cdev such as "
		"/dev/vfio/devices/vfio0\n");
	TEST_ASSERT_SUCCESS(ifd_cdev_resolve(&p, "/dev/null", cdev, sizeof(cdev), bdf,
		sizeof(bdf)), "a character device path is taken as is");
	TEST_ASSERT(strcmp(cdev, "/dev/null") == 0 && bdf[0] == '\0', "path kept, no bdf");
	return TEST_SUCCESS;
}

/* This machine's own PCI devices: none is bound to vfio-pci (no VFIO here). */
static int
test_ifd_probe_real_sysfs(void)
{
	char cdev[PATH_MAX], bdf[32], got_bdf[32], want[512], drv[256] = "no driver", link[512];
	const char *name = NULL;
	struct dirent *de;
	DIR *d;
	ssize_t n;
	int ret;

	d = opendir("/sys/bus/pci/devices");
	if (d == NULL)
		TEST_SKIP("no /sys/bus/pci/devices on this machine");
	while ((de = readdir(d)) != NULL) {
		char vd[512];

		if (de->d_name[0] == '.')
			continue;
		snprintf(vd, sizeof(vd), "/sys/bus/pci/devices/%s/vfio-dev", de->d_name);
		if (access(vd, F_OK) != 0) {
			name = de->d_name;
			break;
		}
	}
	if (name == NULL) {
		closedir(d);
		TEST_SKIP("no PCI device without a VFIO cdev on this machine");
	}
	rte_strscpy(bdf, name, sizeof(bdf));
	closedir(d);
	snprintf(link, sizeof(link), "/sys/bus/pci/devices/%s/driver", bdf);
	n = readlink(link, drv, sizeof(drv) - 1);
	if (n > 0) {
		drv[n] = '\0';
		if (strrchr(drv, '/') != NULL)
			memmove(drv, strrchr(drv, '/') + 1, strlen(strrchr(drv, '/')));
	}
	test_log_capture_start();
	ret = ifd_cdev_resolve(&ifd_default_paths, bdf, cdev, sizeof(cdev), got_bdf,
		sizeof(got_bdf));
	test_log_capture_stop();
	TEST_ASSERT_RET(ret, -ENODEV);
	snprintf(want, sizeof(want), "IOMMUFD: PCI device %s has no VFIO cdev (driver: %s): bind "
		"it to vfio-pci: echo vfio-pci > /sys/bus/pci/devices/%s/driver_override", bdf, drv, bdf);
	TEST_ASSERT_LOGGED(want);
	return TEST_SUCCESS;
}

static int
test_ifd_probe_enotty_and_pasid(void)
{
	struct iommu_fault_alloc fa = { .size = sizeof(fa) };
	struct vfio_device_bind_iommufd bind = { .argsz = sizeof(bind) };
	char want[512];
	struct utsname u;
	const char *version = NULL;
	bool use = true;
	int fd;

	TEST_ASSERT_SUCCESS(uname(&u), "uname");
	fd = open("/dev/null", O_RDWR | O_CLOEXEC);
	TEST_ASSERT(fd >= 0, "open /dev/null");
	/* /dev/null knows no ioctl: exactly what an old kernel answers for a new one */
	test_log_capture_start();
	TEST_ASSERT_RET(ifd_ioctl(fd, IOMMU_FAULT_QUEUE_ALLOC, &fa, "iommufd0"), -ENOTTY);
	TEST_ASSERT_RET(ifd_ioctl(fd, VFIO_DEVICE_BIND_IOMMUFD, &bind, "iommufd0"), -ENOTTY);
	test_log_capture_stop();
	close(fd);
	snprintf(want, sizeof(want), "IOMMUFD: iommufd0: IOMMU_FAULT_QUEUE_ALLOC not known to this "
		"kernel (ENOTTY): the I/O page fault queue (IOPF delivered to userspace) needs Linux "
		"6.11 or later (running %s)\n", u.release);
	TEST_ASSERT_LOGGED(want);
	snprintf(want, sizeof(want), "IOMMUFD: iommufd0: VFIO_DEVICE_BIND_IOMMUFD not known to this "
		"kernel (ENOTTY): the VFIO device cdev (CONFIG_VFIO_DEVICE_CDEV) needs Linux 6.6 or "
		"later (running %s)\n", u.release);
	TEST_ASSERT_LOGGED(want);
	TEST_ASSERT(ifd_ioctl_feature(IOMMU_HWPT_ALLOC, &version) != NULL &&
		strcmp(version, "6.6") == 0, "HWPT_ALLOC: 6.6");
	TEST_ASSERT(ifd_ioctl_feature(IOMMU_IOAS_MAP, &version) != NULL &&
		strcmp(version, "6.2") == 0, "IOAS_MAP: 6.2");
	TEST_ASSERT_NULL(ifd_ioctl_feature(0x1234, NULL), "unknown ioctl");

	/* no PASID support */
	test_log_capture_start();
	TEST_ASSERT_RET(ifd_pasid_decide("iommufd0", "/dev/vfio/devices/vfio3", IFD_PASID_ON, 0,
		&use), -EOPNOTSUPP);
	test_log_capture_stop();
	TEST_ASSERT(!use, "no PASID");
	TEST_ASSERT_LOGGED("IOMMUFD: iommufd0: no PASID support for /dev/vfio/devices/vfio3: the "
		"IOMMU reports 0 PASID bits (kernel older than 6.15, PASID off in firmware, or the "
		"device lacks the PASID capability); pasid=off attaches the RID only\n");
	TEST_ASSERT_SUCCESS(ifd_pasid_decide("x", "y", IFD_PASID_AUTO, 0, &use), "auto, none");
	TEST_ASSERT(!use, "auto without PASID bits: RID only");
	TEST_ASSERT_SUCCESS(ifd_pasid_decide("x", "y", IFD_PASID_AUTO, 20, &use), "auto, 20");
	TEST_ASSERT(use, "auto with PASID bits: PASID");
	TEST_ASSERT_SUCCESS(ifd_pasid_decide("x", "y", IFD_PASID_OFF, 20, &use), "off");
	TEST_ASSERT(!use, "off: RID only");
	return TEST_SUCCESS;
}

/* ---- a model of the kernel's iommufd ioctls (ifd_ioctl_hook) ----
 *
 * Objects get fixed ids (IOAS 1, fault queue 2, HWPT 3); HWPT_ALLOC refuses the PASID
 * flag with EOPNOTSUPP when told to (hw_pagetable.c on kernels before 6.15 and on
 * stable ones that already report PASID bits); IOAS_IOVA_RANGES answers as ioas.c
 * (EMSGSIZE with num_iovas when the array is short, out_iova_alignment); maps and
 * unmaps are recorded; VFIO attach fails with a chosen errno. A model only.
 */

static struct {
	unsigned int hwpt_allocs, fault_allocs, range_calls, destroys, attaches;
	uint32_t hwpt_flags[4], hwpt_fault_id[4];
	int refuse_pasid_flag, attach_errno, map_errno;
	uint64_t align;
	struct iommu_iova_range ranges[8];
	uint32_t nranges;
	uint32_t hw_type;
	uint8_t pasid_bits;
	union ifd_hw_info_data hw;
	char ops[32][96];
	unsigned int nops;
} ko;

static struct ifd_iommu kp;

static int
ko_ioctl(int fd, unsigned long req, void *arg)
{
	RTE_SET_USED(fd);
	if (req == IOMMU_IOAS_ALLOC) {
		((struct iommu_ioas_alloc *)arg)->out_ioas_id = 1;
	} else if (req == IOMMU_FAULT_QUEUE_ALLOC) {
		struct iommu_fault_alloc *f = arg;

		ko.fault_allocs++;
		f->out_fault_id = 2;
		f->out_fault_fd = (uint32_t)open("/dev/null", O_RDWR | O_CLOEXEC);
	} else if (req == IOMMU_HWPT_ALLOC) {
		struct iommu_hwpt_alloc *h = arg;

		if (ko.hwpt_allocs < 4) {
			ko.hwpt_flags[ko.hwpt_allocs] = h->flags;
			ko.hwpt_fault_id[ko.hwpt_allocs] = h->fault_id;
		}
		ko.hwpt_allocs++;
		if ((h->flags & IOMMU_HWPT_ALLOC_PASID) && ko.refuse_pasid_flag) {
			errno = EOPNOTSUPP;
			return -1;
		}
		h->out_hwpt_id = 3;
	} else if (req == IOMMU_IOAS_IOVA_RANGES) {
		struct iommu_ioas_iova_ranges *q = arg;
		struct iommu_iova_range *out = (void *)(uintptr_t)q->allowed_iovas;
		uint32_t max = q->num_iovas;

		ko.range_calls++;
		q->out_iova_alignment = ko.align;
		for (uint32_t i = 0; i < ko.nranges && i < max; i++)
			out[i] = ko.ranges[i];
		q->num_iovas = ko.nranges;
		if (ko.nranges > max) {
			errno = EMSGSIZE;
			return -1;
		}
	} else if (req == IOMMU_IOAS_MAP) {
		struct iommu_ioas_map *m = arg;

		if (ko.nops < 32)
			snprintf(ko.ops[ko.nops++], 96, "map %" PRIx64 "+%" PRIx64 " iova %" PRIx64
				" flags %u", (uint64_t)m->user_va, (uint64_t)m->length,
				(uint64_t)m->iova, m->flags);
		if (ko.map_errno) {
			errno = ko.map_errno;
			return -1;
		}
	} else if (req == IOMMU_IOAS_UNMAP) {
		struct iommu_ioas_unmap *u = arg;

		if (ko.nops < 32)
			snprintf(ko.ops[ko.nops++], 96, "unmap %" PRIx64 "+%" PRIx64,
				(uint64_t)u->iova, (uint64_t)u->length);
	} else if (req == IOMMU_DESTROY) {
		ko.destroys++;
	} else if (req == IOMMU_GET_HW_INFO) {
		struct iommu_hw_info *h = arg;

		memcpy((void *)(uintptr_t)h->data_uptr, &ko.hw, RTE_MIN(h->data_len, sizeof(ko.hw)));
		h->out_data_type = ko.hw_type;
		h->out_max_pasid_log2 = ko.pasid_bits;
		h->out_capabilities = IOMMU_HW_CAP_PCI_PASID_EXEC;
	} else if (req == VFIO_DEVICE_ATTACH_IOMMUFD_PT) {
		ko.attaches++;
		if (ko.attach_errno) {
			errno = ko.attach_errno;
			return -1;
		}
	} else {
		errno = ENOTTY;
		return -1;
	}
	return 0;
}

#define KO_ASSERT_OPS(...) do { \
	const char *sva_want_[] = { __VA_ARGS__ }; \
	TEST_ASSERT_EQUAL(ko.nops, RTE_DIM(sva_want_), "number of map/unmap ioctls (first '%s')", \
		ko.nops ? ko.ops[0] : "none"); \
	for (unsigned int sva_i_ = 0; sva_i_ < RTE_DIM(sva_want_); sva_i_++) \
		TEST_ASSERT(strcmp(ko.ops[sva_i_], sva_want_[sva_i_]) == 0, \
			"ioctl %u: '%s', expected '%s'", sva_i_, ko.ops[sva_i_], sva_want_[sva_i_]); \
	ko.nops = 0; \
} while (0)

static struct ifd_paths ko_paths;
static char ko_sys[PATH_MAX + 8];

/* A config space: extended capabilities chained from 0x100 (ATS, PRI, PASID, those
 * asked for), size bytes of it visible (4096 as root, 64 otherwise). */
static int
write_config(const char *bdf, bool ats, bool pri, bool pri_pasid_req, bool pasid, size_t size,
		bool vf)
{
	uint8_t cfg[4096];
	uint16_t ids[3];
	unsigned int n = 0;
	char path[PATH_MAX + 64];
	FILE *f;

	memset(cfg, 0, sizeof(cfg));
	cfg[0] = 0x86;
	cfg[1] = 0x80;
	if (ats)
		ids[n++] = 0x000f;
	if (pri)
		ids[n++] = 0x0013;
	if (pasid)
		ids[n++] = 0x001b;
	for (unsigned int i = 0; i < n; i++) {
		uint32_t off = 0x100 + 0x40 * i, next = i + 1 < n ? off + 0x40 : 0;
		uint32_t hdr = ids[i] | 1u << 16 | next << 20;

		memcpy(&cfg[off], &hdr, 4);
		if (ids[i] == 0x0013 && pri_pasid_req)
			cfg[off + 7] = 0x80; /* status (+0x06) bit 15 */
	}
	snprintf(path, sizeof(path), "%s/%s", ko_sys, bdf);
	mkdir(path, 0755);
	snprintf(path, sizeof(path), "%s/%s/config", ko_sys, bdf);
	f = fopen(path, "w");
	if (f == NULL || fwrite(cfg, 1, size, f) != size)
		return -1;
	fclose(f);
	if (vf) {
		snprintf(path, sizeof(path), "%s/%s/physfn", ko_sys, bdf);
		if (symlink("../0000:3b:00.0", path) != 0)
			return -1;
	}
	return 0;
}

/* VT-d ecap with everything a fault-capable page table needs (bits from intel/iommu.h). */
#define VTD_ECAP_ALL ((1ull << 43) | (1ull << 42) | (1ull << 40) | (1ull << 29) | (1ull << 2))

static int
ko_setup(void)
{
	if (fake_tree_setup() != TEST_SUCCESS)
		return TEST_FAILED;
	memset(&ko, 0, sizeof(ko));
	ko.align = 4096;
	ko.nranges = 1;
	ko.ranges[0] = (struct iommu_iova_range){ .start = 0, .last = (1ull << 47) - 1 };
	snprintf(ko_sys, sizeof(ko_sys), "%s/sys", fake_root);
	ko_paths = (struct ifd_paths){ .dev_iommu = "/nonexistent", .sysfs_pci = ko_sys,
		.dev_vfio = "/nonexistent" };
	memset(&kp, 0, sizeof(kp));
	kp.name = "ifdt";
	kp.iommufd = kp.devfd = kp.fault_fd = -1;
	kp.paths = &ko_paths;
	kp.burst = 64;
	if (ifd_maptab_init(&kp.maps, 64, ifd_ioas_map, ifd_ioas_unmap, &kp) != 0)
		return TEST_FAILED;
	ifd_ioctl_hook = ko_ioctl;
	return TEST_SUCCESS;
}

static void
ko_teardown(void)
{
	ifd_release(&kp);
	ifd_ioctl_hook = NULL;
	fake_tree_teardown();
}

/* Item a: 6.12+ stable kernels report PASID bits but refuse IOMMU_HWPT_ALLOC_PASID. */
static int
test_ifd_hwpt_pasid_fallback(void)
{
	kp.mock = true; /* no PCI rules here */
	kp.hw_pasid_bits = 20;
	ko.refuse_pasid_flag = 1;
	test_log_capture_start();
	TEST_ASSERT_RET(ifd_objects_alloc(&kp, IFD_PASID_AUTO, IFD_PRI_AUTO), 0);
	test_log_capture_stop();
	TEST_ASSERT_EQUAL(ko.hwpt_allocs, 2, "the PASID one, then without");
	/* uAPI: IOMMU_HWPT_FAULT_ID_VALID 1 << 2, IOMMU_HWPT_ALLOC_PASID 1 << 3 */
	TEST_ASSERT_EQUAL(ko.hwpt_flags[0], 0x4 | 0x8, "fault + PASID first");
	TEST_ASSERT_EQUAL(ko.hwpt_flags[1], 0x4, "fault only then");
	TEST_ASSERT_EQUAL(ko.hwpt_fault_id[1], 2, "the fault queue");
	TEST_ASSERT_EQUAL(ko.fault_allocs, 1, "one fault queue");
	TEST_ASSERT(!kp.pasid && kp.pri && kp.hwpt_id == 3, "RID-only, fault-capable, hwpt 3");
	TEST_ASSERT_EQUAL(ko.range_calls, 1, "IOVA ranges read after the HWPT");
	TEST_ASSERT_LOGGED("IOMMUFD: ifdt: the kernel reports 20 PASID bits but refused a "
		"PASID-capable page table (IOMMU_HWPT_ALLOC_PASID: EOPNOTSUPP; PASID page tables "
		"need Linux 6.15): running RID-only\n");
	ifd_release(&kp);

	/* pasid=on: no fallback, the reason said */
	memset(&ko.hwpt_flags, 0, sizeof(ko.hwpt_flags));
	ko.hwpt_allocs = 0;
	kp.iommufd = kp.devfd = kp.fault_fd = -1;
	test_log_capture_start();
	TEST_ASSERT_RET(ifd_objects_alloc(&kp, IFD_PASID_ON, IFD_PRI_AUTO), -EOPNOTSUPP);
	test_log_capture_stop();
	TEST_ASSERT_EQUAL(ko.hwpt_allocs, 1, "no retry");
	TEST_ASSERT_LOGGED("IOMMUFD: ifdt: pasid=on, but the kernel refused a PASID-capable page "
		"table (IOMMU_HWPT_ALLOC_PASID: EOPNOTSUPP): it needs Linux 6.15 or later (some "
		"6.12+ stable kernels report PASID bits without taking the flag) and an IOMMU driver "
		"with PASID page tables; pasid=auto falls back to RID only\n");
	ifd_release(&kp);

	/* a kernel that takes it: one allocation, PASID-capable */
	ko.refuse_pasid_flag = 0;
	ko.hwpt_allocs = 0;
	kp.iommufd = kp.devfd = kp.fault_fd = -1;
	TEST_ASSERT_RET(ifd_objects_alloc(&kp, IFD_PASID_AUTO, IFD_PRI_AUTO), 0);
	TEST_ASSERT(ko.hwpt_allocs == 1 && kp.pasid && ko.hwpt_flags[0] == 0xc, "PASID kept");
	return TEST_SUCCESS;
}

/* Item c: the config space reader, on fake sysfs files. */
static int
test_ifd_pci_config(void)
{
	struct ifd_pci_info pi;

	TEST_ASSERT_SUCCESS(write_config("0000:6a:00.0", true, true, true, true, 4096, false),
		"config");
	TEST_ASSERT_RET(ifd_pci_read(&ko_paths, "0000:6a:00.0", &pi), 0);
	TEST_ASSERT(pi.ext && !pi.vf, "extended space, a PF");
	TEST_ASSERT_EQUAL(pi.ats, 0x100, "ATS at 0x100");
	TEST_ASSERT_EQUAL(pi.pri, 0x140, "PRI at 0x140");
	TEST_ASSERT_EQUAL(pi.pasid, 0x180, "PASID at 0x180");
	TEST_ASSERT(pi.pri_pasid_required, "PRG Response PASID Required");

	TEST_ASSERT_SUCCESS(write_config("0000:6b:00.0", false, true, false, false, 4096, true),
		"config");
	TEST_ASSERT_RET(ifd_pci_read(&ko_paths, "0000:6b:00.0", &pi), 0);
	TEST_ASSERT(pi.vf && pi.ats == 0 && pi.pri == 0x100 && pi.pasid == 0 &&
		!pi.pri_pasid_required, "VF, PRI only at 0x100, PASID not required");

	/* not root: 64 bytes, nothing known about extended capabilities */
	TEST_ASSERT_SUCCESS(write_config("0000:6c:00.0", true, true, true, true, 64, false), "cfg");
	TEST_ASSERT_RET(ifd_pci_read(&ko_paths, "0000:6c:00.0", &pi), 0);
	TEST_ASSERT(!pi.ext && pi.pri == 0, "no extended space read");
	/* root, conventional PCI (QEMU's edu): 256 bytes, no extended space: no PRI */
	TEST_ASSERT_SUCCESS(write_config("0000:6e:00.0", false, false, false, false, 256, false),
		"cfg");
	TEST_ASSERT_RET(ifd_pci_read(&ko_paths, "0000:6e:00.0", &pi), 0);
	TEST_ASSERT(pi.ext && pi.no_ext_space && pi.pri == 0, "known: nothing there");
	TEST_ASSERT_SUCCESS(write_config("0000:6d:00.0", true, true, true, true, 10, false), "cfg");
	TEST_ASSERT_RET(ifd_pci_read(&ko_paths, "0000:6d:00.0", &pi), -EIO);
	TEST_ASSERT_RET(ifd_pci_read(&ko_paths, "0000:99:00.0", &pi), -ENOENT);
	TEST_ASSERT_RET(ifd_pci_read(&ko_paths, "", &pi), -ENOENT);
	return TEST_SUCCESS;
}

/* Item c: the kernel's rules per IOMMU. */
static int
test_ifd_pri_rules(void)
{
	struct ifd_pci_info good = { .ext = true, .ats = 0x100, .pri = 0x140, .pasid = 0x180,
		.pri_pasid_required = true };
	struct ifd_pci_info pi;
	struct ifd_hw vtd = { .type = 1, .ecap = VTD_ECAP_ALL, .pasid_bits = 20 };
	struct ifd_hw hw;
	char why[1024];

	TEST_ASSERT_EQUAL(ifd_pri_check(&good, &vtd, true, why, sizeof(why)), IFD_PRI_USABLE, "ok");
	TEST_ASSERT_EQUAL(why[0], '\0', "no reason");
	TEST_ASSERT_EQUAL(ifd_pri_check(NULL, &vtd, true, why, sizeof(why)), IFD_PRI_UNKNOWN,
		"config space unknown");

	pi = good;
	pi.pri_pasid_required = false;
	TEST_ASSERT_EQUAL(ifd_pri_check(&pi, &vtd, false, why, sizeof(why)), IFD_PRI_UNUSABLE, "x");
	TEST_ASSERT(strcmp(why, "the device has PASID enabled but its PRI status register does "
		"not require PASID in PRG responses (PRG Response PASID Required, bit 15, clear): "
		"VT-d does not enable PRI for it (attach fails ENODEV)") == 0, "why: %s", why);
	/* without PASID capability the bit does not matter */
	pi.pasid = 0;
	TEST_ASSERT_EQUAL(ifd_pri_check(&pi, &vtd, false, why, sizeof(why)), IFD_PRI_USABLE, "ok");

	pi = (struct ifd_pci_info){ .ext = true };
	hw = vtd;
	hw.ecap &= ~((1ull << 43) | (1ull << 29));
	TEST_ASSERT_EQUAL(ifd_pri_check(&pi, &hw, false, why, sizeof(why)), IFD_PRI_UNUSABLE, "x");
	TEST_ASSERT(strcmp(why, "VT-d without scalable mode (ECAP.SMTS, bit 43, clear): the "
		"kernel enables PRI in scalable mode only; VT-d without page requests (ECAP.PRS, bit "
		"29, clear); the device has no PRI capability (PCIe extended capability 0x13, Page "
		"Request Interface); the device has no ATS capability (extended capability 0x0F), "
		"which PRI needs") == 0, "why: %s", why);

	hw = (struct ifd_hw){ .type = 4, .cap = 1ull << 1 };
	TEST_ASSERT_EQUAL(ifd_pri_check(&good, &hw, false, why, sizeof(why)), IFD_PRI_UNUSABLE, "x");
	TEST_ASSERT(strcmp(why, "AMD IOMMU: page requests reach the fault queue only for PASID "
		"(v2) page tables, and this one is RID-only (pasid=off, or no PASID support)") == 0,
		"why: %s", why);
	TEST_ASSERT_EQUAL(ifd_pri_check(&good, &hw, true, why, sizeof(why)), IFD_PRI_USABLE, "v2");

	hw = (struct ifd_hw){ .type = 2 };
	TEST_ASSERT_EQUAL(ifd_pri_check(&good, &hw, true, why, sizeof(why)), IFD_PRI_UNUSABLE, "x");
	TEST_ASSERT(strstr(why, "Arm SMMUv3: Linux implements no PCI PRI for the SMMUv3 (7.3: the "
		"attach succeeds and the kernel answers every page request Invalid itself; "
		"6.13-6.15: the attach fails with EINVAL)") == why, "why: %s", why);
	TEST_ASSERT_EQUAL(ifd_pri_check(NULL, &hw, true, why, sizeof(why)), IFD_PRI_UNKNOWN,
		"not PCI on an SMMUv3 (stall): cannot tell");

	pi = good;
	pi.vf = true;
	TEST_ASSERT_EQUAL(ifd_pri_check(&pi, &vtd, true, why, sizeof(why)), IFD_PRI_UNUSABLE, "VF");
	TEST_ASSERT(strcmp(why, "an SR-IOV virtual function: the kernel refuses fault-capable "
		"page tables on VFs (EINVAL; PRI is shared with the PF)") == 0, "why: %s", why);
	return TEST_SUCCESS;
}

/* Items b, c: attach failures say what is missing. */
static int
test_ifd_attach_explained(void)
{
	kp.pri = true;
	kp.hwpt_id = 3;
	kp.hw_type = 1;
	kp.hw_ecap = VTD_ECAP_ALL;
	rte_strscpy(kp.bdf, "0000:6a:00.0", sizeof(kp.bdf));
	/* PRI and PASID, PASID not required in responses: VT-d leaves PRI off, ENODEV */
	TEST_ASSERT_SUCCESS(write_config(kp.bdf, true, true, false, true, 4096, false), "cfg");
	ko.attach_errno = ENODEV;
	test_log_capture_start();
	TEST_ASSERT_RET(ifd_attach(&kp, false, 0), -ENODEV);
	test_log_capture_stop();
	TEST_ASSERT_LOGGED("IOMMUFD: ifdt: attaching the RID to the fault-capable hwpt 3 failed "
		"(No such device): page requests cannot work for this device: the device has PASID "
		"enabled but its PRI status register does not require PASID in PRG responses (PRG "
		"Response PASID Required, bit 15, clear): VT-d does not enable PRI for it (attach "
		"fails ENODEV). pri=auto or pri=off use a plain page table (pinned mode)\n");

	/* QEMU's edu as root: conventional PCI, 256 bytes of config space */
	rte_strscpy(kp.bdf, "0000:00:05.0", sizeof(kp.bdf));
	TEST_ASSERT_SUCCESS(write_config(kp.bdf, false, false, false, false, 256, false), "cfg");
	test_log_capture_start();
	TEST_ASSERT_RET(ifd_attach(&kp, false, 0), -ENODEV);
	test_log_capture_stop();
	TEST_ASSERT_LOGGED("page requests cannot work for this device: the device has no PCIe "
		"extended configuration space (a conventional PCI device): no PRI and no ATS "
		"capability. pri=auto");

	/* a PCIe device without PRI and ATS */
	rte_strscpy(kp.bdf, "0000:00:04.0", sizeof(kp.bdf));
	TEST_ASSERT_SUCCESS(write_config(kp.bdf, false, false, false, false, 4096, false), "cfg");
	test_log_capture_start();
	TEST_ASSERT_RET(ifd_attach(&kp, false, 0), -ENODEV);
	test_log_capture_stop();
	TEST_ASSERT_LOGGED("page requests cannot work for this device: the device has no PRI "
		"capability (PCIe extended capability 0x13, Page Request Interface); the device has "
		"no ATS capability (extended capability 0x0F), which PRI needs. pri=auto");

	/* config space not readable: the candidates named */
	rte_strscpy(kp.bdf, "0000:6c:00.0", sizeof(kp.bdf));
	TEST_ASSERT_SUCCESS(write_config(kp.bdf, true, true, true, true, 64, false), "cfg");
	test_log_capture_start();
	TEST_ASSERT_RET(ifd_attach(&kp, true, 5), -ENODEV);
	test_log_capture_stop();
	TEST_ASSERT_LOGGED("IOMMUFD: ifdt: attaching the PASID 5 to the fault-capable hwpt 3 "
		"failed (ENODEV): the IOMMU driver did not enable page requests for the device: it "
		"needs PRI and ATS on the device and, on VT-d, scalable mode and (with PASID "
		"enabled) PRG Response PASID Required in the PRI status register; the device's PCI "
		"config space could not be read to tell which (run as root)");

	/* item b: PASID attach EOPNOTSUPP */
	ko.attach_errno = EOPNOTSUPP;
	test_log_capture_start();
	TEST_ASSERT_RET(ifd_attach(&kp, true, 7), -EOPNOTSUPP);
	test_log_capture_stop();
	TEST_ASSERT_LOGGED("IOMMUFD: ifdt: attaching PASID 7 was refused (EOPNOTSUPP): PASID "
		"attach through VFIO is implemented by vfio-pci only (is 0000:6c:00.0 bound to "
		"another VFIO driver?), and needs an IOMMU page table with PASID support (AMD: "
		"paging (v1) page tables have no set_dev_pasid)\n");
	TEST_ASSERT_EQUAL(kp.attached, 0, "nothing attached");
	TEST_ASSERT_EQUAL(ko.range_calls, 0, "no IOVA ranges read for a failed attach");

	/* success: the IOVA ranges are read again (the device's reserved regions) */
	ko.attach_errno = 0;
	TEST_ASSERT_RET(ifd_attach(&kp, false, 0), 0);
	TEST_ASSERT_EQUAL(kp.attached, 1, "attached");
	TEST_ASSERT_EQUAL(ko.range_calls, 1, "ranges read after the attach");
	return TEST_SUCCESS;
}

/* Item c: GET_HW_INFO's data and what info reports of it. */
static int
test_ifd_hw_info(void)
{
	struct sva_iommu_info info;

	ko.hw_type = 1;
	ko.pasid_bits = 20;
	ko.hw.vtd.cap_reg = 0x00d2008c40660462ull;
	ko.hw.vtd.ecap_reg = 0x00000f050df;
	TEST_ASSERT_RET(ifd_hw_info_read(&kp), 0);
	TEST_ASSERT_EQUAL(kp.hw_type, 1, "VT-d");
	TEST_ASSERT_EQUAL(kp.hw_cap, 0x00d2008c40660462ull, "cap_reg");
	TEST_ASSERT_EQUAL(kp.hw_ecap, 0x00000f050dfull, "ecap_reg");
	TEST_ASSERT_EQUAL(kp.hw_pasid_bits, 20, "PASID bits");
	kp.maps.align = 4096;
	memset(&info, 0xa5, sizeof(info));
	ifd_info_fill(&kp, &info);
	TEST_ASSERT_EQUAL(info.model, SVA_IOMMU_MODEL_IOMMUFD, "model stays iommufd");
	TEST_ASSERT_EQUAL(info.hw_model, SVA_IOMMU_MODEL_VTD, "VT-d behind it");
	TEST_ASSERT_EQUAL(info.hw_info_type, 1, "raw type");
	TEST_ASSERT_EQUAL(info.hw_cap, 0x00d2008c40660462ull, "cap");
	TEST_ASSERT_EQUAL(info.hw_ecap, 0x00000f050dfull, "ecap");
	TEST_ASSERT_EQUAL(info.caps, SVA_IOMMU_CAP_ATTACH_RID | SVA_IOMMU_CAP_PIN,
		"no fault queue: no PRI; pinning always");
	TEST_ASSERT_EQUAL(info.prq_depth, 0, "no queue");
	TEST_ASSERT_EQUAL(info.page_sizes, (1ull << 12) | (1ull << 21) | (1ull << 30), "4K");
	kp.pri = true;
	kp.maps.align = 0x10000;
	ifd_info_fill(&kp, &info);
	TEST_ASSERT_EQUAL(info.caps, SVA_IOMMU_CAP_ATTACH_RID | SVA_IOMMU_CAP_PIN |
		SVA_IOMMU_CAP_PRI, "fault queue: PRI");
	TEST_ASSERT_EQUAL(info.page_sizes, (1ull << 16) | (1ull << 21) | (1ull << 30),
		"64 KiB granule");

	memset(&ko.hw, 0, sizeof(ko.hw));
	ko.hw_type = 2;
	ko.hw.smmuv3.idr[0] = 0x11;
	ko.hw.smmuv3.idr[1] = 0x22;
	ko.hw.smmuv3.idr[3] = 0x33;
	ko.hw.smmuv3.idr[5] = 0x55;
	TEST_ASSERT_RET(ifd_hw_info_read(&kp), 0);
	ifd_info_fill(&kp, &info);
	TEST_ASSERT(info.hw_model == SVA_IOMMU_MODEL_SMMUV3 && info.hw_cap == 0x2200000011ull &&
		info.hw_ecap == 0x5500000033ull, "SMMUv3 IDRs");
	ko.hw_type = 4;
	ko.hw.amd.efr = 0x12;
	ko.hw.amd.efr2 = 0x34;
	TEST_ASSERT_RET(ifd_hw_info_read(&kp), 0);
	ifd_info_fill(&kp, &info);
	TEST_ASSERT(info.hw_model == 0 && info.hw_info_type == 4 && info.hw_cap == 0x12 &&
		info.hw_ecap == 0x34, "AMD: EFR, EFR2");
	return TEST_SUCCESS;
}

/* Item e: granule and allowed ranges from IOMMU_IOAS_IOVA_RANGES. */
static int
test_ifd_iova_ranges(void)
{
	ko.align = 0x10000;
	ko.nranges = 2; /* around a VT-d MSI window */
	ko.ranges[0] = (struct iommu_iova_range){ .start = 0, .last = 0xfedfffff };
	ko.ranges[1] = (struct iommu_iova_range){ .start = 0xfef00000, .last = (1ull << 47) - 1 };
	kp.ioas_id = 1;
	TEST_ASSERT_RET(ifd_iova_refresh(&kp), 0);
	TEST_ASSERT_EQUAL(ko.range_calls, 1, "one call");
	TEST_ASSERT_EQUAL(kp.n_iova, 2, "two ranges");
	TEST_ASSERT_EQUAL(kp.maps.align, 0x10000, "64 KiB granule");
	/* a 4 KiB request is mapped as its 64 KiB unit */
	TEST_ASSERT_RET(ifd_resolve_unpinned(&kp, 0x12345000, 0x1000, SVA_FAULT_PERM_READ), 0);
	/* IOMMU_IOAS_MAP_FIXED_IOVA 1 | READABLE 4 */
	KO_ASSERT_OPS("map 12340000+10000 iova 12340000 flags 5");
	/* inside the MSI window: refused before the ioctl */
	test_log_capture_start();
	TEST_ASSERT_RET(ifd_resolve_unpinned(&kp, 0xfee01000, 0x1000, SVA_FAULT_PERM_WRITE), -EINVAL);
	test_log_capture_stop();
	TEST_ASSERT_EQUAL(ko.nops, 0, "no ioctl");
	TEST_ASSERT_EQUAL(kp.maps.stats.outside, 1, "counted");
	TEST_ASSERT_LOGGED("IOMMUFD: IOVA == VA [0xfee00000, 0xfee10000) is not inside the "
		"IOMMU's allowed IOVA ranges (a reserved region such as the MSI window, or beyond "
		"the aperture): not mapped, the request is answered Invalid (1 such ranges so far)\n");
	/* more ranges than the first array holds: EMSGSIZE with the count, then all of them */
	for (unsigned int i = 0; i < 6; i++)
		ko.ranges[i] = (struct iommu_iova_range){ .start = i * 0x10000000ull,
			.last = i * 0x10000000ull + 0xfffffff - 0x100000 };
	ko.nranges = 6;
	ko.range_calls = 0;
	TEST_ASSERT_RET(ifd_iova_refresh(&kp), 0);
	TEST_ASSERT_EQUAL(ko.range_calls, 2, "EMSGSIZE, then 6");
	TEST_ASSERT(kp.n_iova == 6 && kp.iova[5].start == 0x50000000, "all six");
	TEST_ASSERT_RET(ifd_resolve_unpinned(&kp, 0x1ff00000, 0x1000, SVA_FAULT_PERM_READ),
		-EINVAL);
	TEST_ASSERT_EQUAL(kp.maps.stats.outside, 2, "in a hole between ranges");
	ko.nranges = 2;
	ko.ranges[0] = (struct iommu_iova_range){ .start = 0, .last = 0xfedfffff };
	ko.ranges[1] = (struct iommu_iova_range){ .start = 0xfef00000, .last = (1ull << 47) - 1 };
	TEST_ASSERT_RET(ifd_iova_refresh(&kp), 0);
	/* the kernel's EINVAL all the same (a reserved region we did not know): WARNING */
	ko.map_errno = EINVAL;
	test_log_capture_start();
	TEST_ASSERT_RET(ifd_resolve_unpinned(&kp, 0x40000000, 0x1000, SVA_FAULT_PERM_WRITE),
		-EINVAL);
	test_log_capture_stop();
	TEST_ASSERT_LOGGED("IOMMUFD: ifdt: IOVA == VA map of [0x40000000, 0x40010000) refused by "
		"the kernel (EINVAL): the range meets a reserved IOVA region (MSI window, RMRR...) "
		"or lies outside the IOMMU aperture, or is not aligned to 65536 bytes; at IOVA == VA "
		"that memory cannot be reached by the device\n");
	return TEST_SUCCESS;
}

/* Task 2: pri=off / auto / on decide the fault queue. */
static int
test_ifd_pri_modes(void)
{
	kp.hw_type = 1;
	kp.hw_ecap = VTD_ECAP_ALL;
	kp.hw_pasid_bits = 20;
	rte_strscpy(kp.bdf, "0000:00:04.0", sizeof(kp.bdf));
	TEST_ASSERT_SUCCESS(write_config(kp.bdf, false, false, false, false, 4096, false), "cfg");

	/* off: no fault queue, a plain PASID-capable page table */
	TEST_ASSERT_RET(ifd_objects_alloc(&kp, IFD_PASID_AUTO, IFD_PRI_OFF), 0);
	TEST_ASSERT_EQUAL(ko.fault_allocs, 0, "no fault queue");
	TEST_ASSERT_EQUAL(ko.hwpt_flags[0], 0x8, "IOMMU_HWPT_ALLOC_PASID only");
	TEST_ASSERT(!kp.pri && kp.fault_fd < 0 && kp.fault_id == 0, "no faults");
	ifd_release(&kp);

	/* auto on a device without PRI: the same, with a NOTICE saying why */
	memset(ko.hwpt_flags, 0, sizeof(ko.hwpt_flags));
	ko.hwpt_allocs = 0;
	test_log_capture_start();
	TEST_ASSERT_RET(ifd_objects_alloc(&kp, IFD_PASID_OFF, IFD_PRI_AUTO), 0);
	test_log_capture_stop();
	TEST_ASSERT(ko.fault_allocs == 0 && ko.hwpt_flags[0] == 0 && !kp.pri, "plain, RID only");
	TEST_ASSERT_LOGGED("IOMMUFD: ifdt: page requests cannot work here: the device has no PRI "
		"capability (PCIe extended capability 0x13, Page Request Interface); the device has "
		"no ATS capability (extended capability 0x0F), which PRI needs. Using a plain page "
		"table without a fault queue: pinned mode only (pri=on forces a fault-capable one)\n");
	ifd_release(&kp);

	/* on: fault-capable all the same, with a WARNING */
	ko.hwpt_allocs = 0;
	test_log_capture_start();
	TEST_ASSERT_RET(ifd_objects_alloc(&kp, IFD_PASID_OFF, IFD_PRI_ON), 0);
	test_log_capture_stop();
	TEST_ASSERT(ko.fault_allocs == 1 && ko.hwpt_flags[0] == 0x4 && kp.pri, "fault-capable");
	TEST_ASSERT_LOGGED("IOMMUFD: ifdt: pri=on, but page requests cannot work here: the device "
		"has no PRI capability");
	ifd_release(&kp);

	/* auto on a device with everything: fault-capable, PASID */
	TEST_ASSERT_SUCCESS(write_config("0000:6a:00.0", true, true, true, true, 4096, false), "c");
	rte_strscpy(kp.bdf, "0000:6a:00.0", sizeof(kp.bdf));
	ko.hwpt_allocs = 0;
	TEST_ASSERT_RET(ifd_objects_alloc(&kp, IFD_PASID_AUTO, IFD_PRI_AUTO), 0);
	TEST_ASSERT(ko.fault_allocs == 2 && ko.hwpt_flags[0] == 0xc && kp.pri && kp.pasid, "SVA");
	ifd_release(&kp);

	/* auto, not PCI (the selftest mock: p->mock): fault-capable */
	kp.mock = true;
	rte_strscpy(kp.bdf, "0000:00:04.0", sizeof(kp.bdf));
	ko.hwpt_allocs = 0;
	TEST_ASSERT_RET(ifd_objects_alloc(&kp, IFD_PASID_OFF, IFD_PRI_AUTO), 0);
	TEST_ASSERT(ko.fault_allocs == 3 && ko.hwpt_flags[0] == 0x4 && kp.pri, "mock: faults");
	return TEST_SUCCESS;
}

/* Task 2: pins at IOVA == VA, apart from the lazy mirror. */
static int
test_ifd_pin(void)
{
	const uint32_t R = SVA_FAULT_PERM_READ, W = SVA_FAULT_PERM_WRITE;

	kp.ioas_id = 1;
	TEST_ASSERT_RET(ifd_iova_refresh(&kp), 0);
	/* a mirror map the pin will cover, and one beside it */
	TEST_ASSERT_RET(ifd_resolve_unpinned(&kp, 0x101000, 0x1000, R), 0);
	TEST_ASSERT_RET(ifd_resolve_unpinned(&kp, 0x200000, 0x1000, R), 0);
	ko.nops = 0;
	/* pin: mirror maps inside dropped, one map, FIXED_IOVA|WRITEABLE|READABLE = 7 */
	TEST_ASSERT_RET(ifd_pin(&kp, 0x100000, 0x20000, R | W), 0);
	KO_ASSERT_OPS("unmap 101000+1000", "map 100000+20000 iova 100000 flags 7");
	TEST_ASSERT_RET(ifd_pin(&kp, 0x300000, 0x1000, R), 0);
	KO_ASSERT_OPS("map 300000+1000 iova 300000 flags 5");
	/* the same range again (another bond): shared, no ioctl */
	TEST_ASSERT_RET(ifd_pin(&kp, 0x100000, 0x20000, R), 0);
	TEST_ASSERT_EQUAL(ko.nops, 0, "shared");
	/* overlapping another way: EEXIST, no ioctl */
	test_log_capture_start();
	TEST_ASSERT_RET(ifd_pin(&kp, 0x110000, 0x20000, R), -EEXIST);
	TEST_ASSERT_RET(ifd_pin(&kp, 0x300000, 0x1000, R | W), -EEXIST);
	test_log_capture_stop();
	TEST_ASSERT_EQUAL(ko.nops, 0, "no ioctl");
	TEST_ASSERT_LOGGED("IOMMUFD: ifdt: pin [0x110000, 0x130000) perm 0x1 overlaps the pinned "
		"[0x100000, 0x120000) perm 0x3: the RID and every PASID share one IOVA == VA space");
	/* faults inside pins need no map; around one, only the gap is mirrored */
	TEST_ASSERT_RET(ifd_resolve_unpinned(&kp, 0x104000, 0x2000, W), 0);
	TEST_ASSERT_EQUAL(ko.nops, 0, "inside the pin");
	TEST_ASSERT_RET(ifd_resolve_unpinned(&kp, 0xfe000, 0x24000, R), 0);
	KO_ASSERT_OPS("map fe000+2000 iova fe000 flags 5", "map 120000+2000 iova 120000 flags 5");
	/* last detach / iotlb_inval drop the mirror only */
	TEST_ASSERT_EQUAL(ifd_maptab_drop(&kp.maps, 0, 0), 3, "fe000, 120000, 200000");
	KO_ASSERT_OPS("unmap fe000+2000", "unmap 120000+2000", "unmap 200000+1000");
	TEST_ASSERT_EQUAL(kp.n_pins, 2, "pins kept");
	/* errors with the range */
	ko.map_errno = ENOMEM;
	test_log_capture_start();
	TEST_ASSERT_RET(ifd_pin(&kp, 0x400000, 0x100000, R | W), -ENOMEM);
	test_log_capture_stop();
	TEST_ASSERT_LOGGED("IOMMUFD: ifdt: pin [0x400000, 0x500000) (IOMMU_IOAS_MAP of 1048576 "
		"bytes) hit the pinned-memory limit: raise RLIMIT_MEMLOCK (ulimit -l)\n");
	ko.map_errno = 0;
	ko.nops = 0;
	ko.ranges[0].last = 0xfedfffff;
	TEST_ASSERT_RET(ifd_iova_refresh(&kp), 0);
	test_log_capture_start();
	TEST_ASSERT_RET(ifd_pin(&kp, 0xfee00000, 0x1000, R), -EINVAL);
	TEST_ASSERT_RET(ifd_pin(&kp, 0x500800, 0x1000, R), -EINVAL);
	TEST_ASSERT_RET(ifd_pin(&kp, 0x500000, 0x1000, SVA_FAULT_PERM_EXEC), -EINVAL);
	test_log_capture_stop();
	TEST_ASSERT_EQUAL(ko.nops, 0, "all refused before the ioctl");
	TEST_ASSERT_LOGGED("IOMMUFD: ifdt: pin [0xfee00000, 0xfee01000): not inside the IOMMU's "
		"allowed IOVA ranges (a reserved region such as the MSI window, or beyond the "
		"aperture): at IOVA == VA the device cannot reach that memory\n");
	TEST_ASSERT_LOGGED("IOMMUFD: ifdt: pin [0x500800, 0x501800): the IOMMU maps in units of "
		"4096 bytes and the range is not aligned to them\n");
	TEST_ASSERT_EQUAL(kp.pin_stats.errors, 6, "2 EEXIST, ENOMEM, 3 refusals");
	/* unpin: exactly one earlier pin */
	ifd_unpin(&kp, 0x100000, 0x20000);
	TEST_ASSERT_EQUAL(ko.nops, 0, "still pinned once");
	ifd_unpin(&kp, 0x100000, 0x20000);
	KO_ASSERT_OPS("unmap 100000+20000");
	test_log_capture_start();
	TEST_ASSERT_RET(ifd_unpin(&kp, 0x100000, 0x20000), -ENOENT);
	test_log_capture_stop();
	TEST_ASSERT_EQUAL(ko.nops, 0, "nothing to unmap");
	TEST_ASSERT(kp.pin_stats.pins == 2 && kp.pin_stats.unpins == 1 &&
		kp.pin_stats.bytes == 0x1000, "counters");
	/* destroy unmaps the rest */
	ifd_release(&kp);
	KO_ASSERT_OPS("unmap 300000+1000");
	TEST_ASSERT_EQUAL(kp.n_pins, 0, "none");
	return TEST_SUCCESS;
}

static int
test_ifd_stats_get_args(void)
{
	struct sva_iommufd_stats st;

	TEST_ASSERT_RET(sva_iommufd_stats_get(NULL, &st), -EINVAL);
	return TEST_SUCCESS;
}

static int
test_ifd_real_hardware(void)
{
	if (!have_dev_iommu())
		TEST_SKIP("needs real hardware: /dev/iommu (CONFIG_IOMMUFD), a PCI device with "
			"PRI/PASID bound to vfio-pci and Linux 6.13+; set SVA_IOMMUFD_DEV=<bdf>");
	if (getenv("SVA_IOMMUFD_DEV") == NULL)
		TEST_SKIP("/dev/iommu is here but SVA_IOMMUFD_DEV=<bdf> names no device to bind");
	{
		char devargs[128];
		struct sva_iommu *iommu;
		struct sva_iommu_info info;
		struct sva_iommufd_stats st;
		struct sva_dev *dev;
		struct sva_pgtable pt = { .type = SVA_PGTABLE_PROCESS_MM };

		snprintf(devargs, sizeof(devargs), "iommufd,dev=%s", getenv("SVA_IOMMUFD_DEV"));
		iommu = sva_iommu_create(devargs);
		TEST_ASSERT_NOT_NULL(iommu, "create %s", devargs);
		TEST_ASSERT_SUCCESS(sva_iommu_info_get(iommu, &info), "info");
		TEST_ASSERT_EQUAL(info.model, SVA_IOMMU_MODEL_IOMMUFD, "model");
		dev = sva_dev_open(iommu, NULL);
		TEST_ASSERT_NOT_NULL(dev, "dev open");
		TEST_ASSERT_SUCCESS(sva_dev_attach_rid(dev, &pt), "attach RID");
		TEST_ASSERT_SUCCESS(sva_iommufd_stats_get(iommu, &st), "stats");
		sva_dev_close(dev);
		TEST_ASSERT_SUCCESS(sva_iommu_destroy(iommu), "destroy");
	}
	return TEST_SUCCESS;
}

static struct sva_test_suite iommufd_suite = {
	.name = "iommufd driver (no IOMMU needed: kernel test doubles, probe errors)",
	.cases = {
		SVA_TEST_CASE(test_ifd_record_to_generic),
		SVA_TEST_CASE(test_ifd_record_roundtrip),
		SVA_TEST_CASE(test_ifd_response_codes),
		SVA_TEST_CASE(test_ifd_groups_by_cookie),
		SVA_TEST_CASE(test_ifd_fq_socket_burst),
		SVA_TEST_CASE(test_ifd_fq_kernel_pending),
		SVA_TEST_CASE(test_ifd_fq_socket_many_bursts),
		SVA_TEST_CASE_ST(km_setup, km_teardown, test_ifd_fq_kernel_read_rules),
		SVA_TEST_CASE_ST(km_setup, km_teardown, test_ifd_fq_kernel_write_rules),
		SVA_TEST_CASE_ST(km_setup, km_teardown, test_ifd_fq_write_again_short_error),
		SVA_TEST_CASE_ST(km_setup, km_teardown, test_ifd_fq_group_too_big_einval),
		SVA_TEST_CASE_ST(km_setup, km_teardown, test_ifd_fq_group_too_big_zero),
		SVA_TEST_CASE_ST(km_setup, km_teardown, test_ifd_fq_espipe),
		SVA_TEST_CASE_ST(km_setup, km_teardown, test_ifd_kernel_fault_flags),
		SVA_TEST_CASE(test_ifd_fq_init_args),
		SVA_TEST_CASE(test_ifd_maptab),
		SVA_TEST_CASE(test_ifd_create_no_dev_iommu),
		SVA_TEST_CASE(test_ifd_create_bad_devargs),
		SVA_TEST_CASE_ST(fake_tree_setup, fake_tree_teardown, test_ifd_probe_cdev_resolve),
		SVA_TEST_CASE(test_ifd_probe_real_sysfs),
		SVA_TEST_CASE(test_ifd_probe_enotty_and_pasid),
		SVA_TEST_CASE_ST(ko_setup, ko_teardown, test_ifd_hwpt_pasid_fallback),
		SVA_TEST_CASE_ST(ko_setup, ko_teardown, test_ifd_pci_config),
		SVA_TEST_CASE_ST(ko_setup, ko_teardown, test_ifd_pri_rules),
		SVA_TEST_CASE_ST(ko_setup, ko_teardown, test_ifd_attach_explained),
		SVA_TEST_CASE_ST(ko_setup, ko_teardown, test_ifd_hw_info),
		SVA_TEST_CASE_ST(ko_setup, ko_teardown, test_ifd_iova_ranges),
		SVA_TEST_CASE_ST(ko_setup, ko_teardown, test_ifd_pri_modes),
		SVA_TEST_CASE_ST(ko_setup, ko_teardown, test_ifd_pin),
		SVA_TEST_CASE(test_ifd_stats_get_args),
		SVA_TEST_CASE(test_ifd_real_hardware),
		SVA_TEST_CASES_END(),
	},
};

static int
test_iommufd(void)
{
	int ret = sva_test_suite_run(&iommufd_suite);

	test_log_free();
	return ret;
}

SVA_TEST_REGISTER(iommufd_autotest, test_iommufd);
