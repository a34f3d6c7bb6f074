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
#include "ifd_probe.h"
#include "ifd_record.h"
#include "ifd_uapi.h"

#include "sva_test.h"

/* ---- log capture: the exact messages a user sees ---- */

static char *log_buf;
static size_t log_len;
static FILE *log_f;

static void
log_capture_start(void)
{
	free(log_buf);
	log_buf = NULL;
	log_len = 0;
	log_f = open_memstream(&log_buf, &log_len);
	if (log_f != NULL)
		rte_openlog_stream(log_f);
}

/* Stop capturing; the text stays in log_buf until the next start. */
static const char *
log_capture_stop(void)
{
	rte_openlog_stream(NULL);
	if (log_f != NULL)
		fclose(log_f);
	log_f = NULL;
	return log_buf != NULL ? log_buf : "";
}

#define TEST_ASSERT_LOGGED(text) do { \
	const char *sva_l_ = log_buf != NULL ? log_buf : ""; \
	TEST_ASSERT(strstr(sva_l_, (text)) != NULL, "expected log line containing:\n  %s\n" \
		"logged:\n%s", (text), sva_l_); \
} while (0)

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
	log_capture_start();
	TEST_ASSERT_EQUAL(ifd_fq_read(&km_fq, out, 64), 6, "5-record group + 1 after growing 4 -> 8");
	log_capture_stop();
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
	log_capture_start();
	TEST_ASSERT_EQUAL(ifd_fq_read(&km_fq, out, 64), 0, "40 never fits 32");
	TEST_ASSERT_EQUAL(ifd_fq_read(&km_fq, out, 64), 0, "still not");
	log_capture_stop();
	TEST_ASSERT_EQUAL(km_fq.stats.stalled, 2, "two stuck reads");
	TEST_ASSERT_EQUAL(km_fq.stats.grows, 3, "no more growth");
	TEST_ASSERT_LOGGED("IOMMUFD: fault queue: a page request group larger than 32 records is "
		"at the head: the kernel never splits a group and retries it on every read, so this "
		"queue is stuck");
	TEST_ASSERT(strstr(strstr(log_buf, "is stuck") + 1, "is stuck") == NULL, "said once");
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
	log_capture_start();
	TEST_ASSERT_EQUAL(ifd_fq_write(&km_fq, &resp, 1), -EIO, "ESPIPE -> -EIO");
	log_capture_stop();
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
	log_capture_start();
	TEST_ASSERT_NULL_ERRNO(sva_iommu_create("iommufd,dev=0000:3b:00.0"), ENOENT);
	log_capture_stop();
	TEST_ASSERT_LOGGED("IOMMUFD: /dev/iommu is missing: kernel built without CONFIG_IOMMUFD "
		"or module not loaded (try 'modprobe iommufd'; ./svapoll doctor checks the rest)");
	log_capture_start();
	TEST_ASSERT_NULL_ERRNO(sva_iommu_create("iommufd,dev=/dev/vfio/devices/vfio0,pasid=on"),
		ENOENT);
	log_capture_stop();
	TEST_ASSERT_LOGGED("IOMMUFD: /dev/iommu is missing");
	return TEST_SUCCESS;
}

static int
test_ifd_create_bad_devargs(void)
{
	log_capture_start();
	TEST_ASSERT_NULL_ERRNO(sva_iommu_create("iommufd"), EINVAL);
	log_capture_stop();
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

	log_capture_start();
	TEST_ASSERT_RET(ifd_iommufd_open(&p), -ENOENT);
	log_capture_stop();
	snprintf(want, sizeof(want), "IOMMUFD: %s is missing: kernel built without CONFIG_IOMMUFD "
		"or module not loaded (try 'modprobe iommufd'; ./svapoll doctor checks the rest)\n",
		iommu);
	TEST_ASSERT_LOGGED(want);

	log_capture_start();
	TEST_ASSERT_RET(ifd_cdev_resolve(&p, "zz:00.0x", cdev, sizeof(cdev), bdf, sizeof(bdf)),
		-EINVAL);
	TEST_ASSERT_RET(ifd_cdev_resolve(&p, "", cdev, sizeof(cdev), bdf, sizeof(bdf)), -EINVAL);
	log_capture_stop();
	TEST_ASSERT_LOGGED("IOMMUFD: dev=zz:00.0x is neither a PCI address (0000:3b:00.0) nor a "
		"VFIO cdev path (/dev/vfio/devices/vfio0)\n");
	TEST_ASSERT_LOGGED("IOMMUFD: dev= is required");

	log_capture_start();
	TEST_ASSERT_RET(ifd_cdev_resolve(&p, "0000:99:00.0", cdev, sizeof(cdev), bdf, sizeof(bdf)),
		-ENODEV);
	log_capture_stop();
	TEST_ASSERT_LOGGED("IOMMUFD: no PCI device 0000:99:00.0 (see 'lspci -D' for the addresses "
		"on this machine)\n");

	/* bound to another driver: bind it to vfio-pci (short form of the address too) */
	log_capture_start();
	TEST_ASSERT_RET(ifd_cdev_resolve(&p, "00:03.0", cdev, sizeof(cdev), bdf, sizeof(bdf)),
		-ENODEV);
	log_capture_stop();
	TEST_ASSERT(strcmp(bdf, "0000:00:03.0") == 0, "bdf '%s'", bdf);
	snprintf(want, sizeof(want), "IOMMUFD: PCI device 0000:00:03.0 has no VFIO cdev (driver: "
		"virtio-pci): bind it to vfio-pci: echo vfio-pci > %s/0000:00:03.0/driver_override; "
		"echo 0000:00:03.0 > /sys/bus/pci/drivers_probe (unbind it from virtio-pci first; "
		"the kernel needs CONFIG_VFIO_DEVICE_CDEV)\n", sys);
	TEST_ASSERT_LOGGED(want);

	log_capture_start();
	TEST_ASSERT_RET(ifd_cdev_resolve(&p, "0000:5e:00.0", cdev, sizeof(cdev), bdf, sizeof(bdf)),
		-ENOENT);
	log_capture_stop();
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
	log_capture_start();
	TEST_ASSERT_RET(ifd_cdev_resolve(&p, "/nonexistent/vfio9", cdev, sizeof(cdev), bdf,
		sizeof(bdf)), -ENOENT);
	TEST_ASSERT_RET(ifd_cdev_resolve(&p, want, cdev, sizeof(cdev), bdf, sizeof(bdf)), -ENODEV);
	log_capture_stop();
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
	log_capture_start();
	ret = ifd_cdev_resolve(&ifd_default_paths, bdf, cdev, sizeof(cdev), got_bdf,
		sizeof(got_bdf));
	log_capture_stop();
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
	log_capture_start();
	TEST_ASSERT_RET(ifd_ioctl(fd, IOMMU_FAULT_QUEUE_ALLOC, &fa, "iommufd0"), -ENOTTY);
	TEST_ASSERT_RET(ifd_ioctl(fd, VFIO_DEVICE_BIND_IOMMUFD, &bind, "iommufd0"), -ENOTTY);
	log_capture_stop();
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
	log_capture_start();
	TEST_ASSERT_RET(ifd_pasid_decide("iommufd0", "/dev/vfio/devices/vfio3", IFD_PASID_ON, 0,
		&use), -EOPNOTSUPP);
	log_capture_stop();
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
		SVA_TEST_CASE(test_ifd_stats_get_args),
		SVA_TEST_CASE(test_ifd_real_hardware),
		SVA_TEST_CASES_END(),
	},
};

static int
test_iommufd(void)
{
	int ret = sva_test_suite_run(&iommufd_suite);

	free(log_buf);
	log_buf = NULL;
	return ret;
}

SVA_TEST_REGISTER(iommufd_autotest, test_iommufd);
