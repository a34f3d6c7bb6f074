/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * sva_pinned_autotest: pinned mode, the fault-free fallback for devices without PRI.
 * On both emu models: a device copy between never-touched pinned buffers completes
 * with zero page requests, the pages resident and locked (pagemap, VmLck); a device
 * access outside the pinned ranges is answered Invalid once, counted under
 * R_PINNED, and populates nothing; an emu iommu with pri=off gives a pinned bond to a
 * plain bind (with the NOTICE), refuses SVA_BIND_REQUIRE_PRI, and its device reports
 * a translation fault instead of a page request. Every errno of sva_bond_pin(),
 * sva_bond_unpin(), sva_bond_is_pinned() and sva_dev_pin_range(); RLIMIT_MEMLOCK
 * refusals; unbind with pins outstanding unlocks (VmLck back to where it started),
 * and a page pinned by two bonds stays locked until both let go.
 */
#include <errno.h>
#include <linux/capability.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_log.h>
#include <rte_ring.h>
#include <rte_ring_elem.h>

#include <sva_iommu_driver.h>

#include "sva_test.h"
#include "test_log.h"
#include "test_pagemap.h"
#include "test_sva_common.h"

#define PG SVA_T_PG

/* ---- what the kernel says about this process ---- */

/* VmLck of /proc/self/status in KiB, or -1. */
static long
vmlck_kb(void)
{
	char line[256];
	long kb = -1;
	FILE *f = fopen("/proc/self/status", "r");

	if (f == NULL)
		return -1;
	while (fgets(line, sizeof(line), f) != NULL)
		if (sscanf(line, "VmLck: %ld kB", &kb) == 1)
			break;
	fclose(f);
	return kb;
}

/* ---- "nopin": a test-only driver with neither PRI nor pinned mode ---- */

static void nopin_destroy(struct sva_iommu *iommu) { RTE_SET_USED(iommu); }
static void nopin_dev_close(struct sva_dev *dev) { RTE_SET_USED(dev); }

static int
nopin_create(struct sva_iommu *iommu, const struct rte_kvargs *kv)
{
	RTE_SET_USED(iommu);
	RTE_SET_USED(kv);
	return 0;
}

static void
nopin_info_get(const struct sva_iommu *iommu, struct sva_iommu_info *info)
{
	RTE_SET_USED(iommu);
	info->model = SVA_IOMMU_MODEL_VTD;
	info->pasid_bits = 8;
	info->caps = SVA_IOMMU_CAP_ATTACH_PASID;
	info->numa_node = -1;
}

static int
nopin_dev_open(struct sva_dev *dev, const struct rte_kvargs *kv)
{
	RTE_SET_USED(kv);
	sva_dev_id_set(dev, 0x20);
	return 0;
}

static const struct sva_iommu_driver nopin_driver = {
	.name = "nopin",
	.iommu_keys = (const char *const[]){ NULL },
	.dev_keys = (const char *const[]){ NULL },
	.iommu_create = nopin_create,
	.iommu_destroy = nopin_destroy,
	.info_get = nopin_info_get,
	.dev_open = nopin_dev_open,
	.dev_close = nopin_dev_close,
};

SVA_IOMMU_DRIVER_REGISTER(nopin_driver);

/* ---- cases ---- */

/* Never-touched buffers, pinned: the device copies with zero page requests. */
static int
pinned_copy_one(const char *model)
{
	const size_t len = 1u << 20;  /* 256 pages each */
	struct sva_bind_params p = { .flags = SVA_BIND_PINNED };
	uint8_t *src = sva_t_map(len + PG), *dst = sva_t_map(len + PG);
	struct sva_iopf_stats st, all;
	struct sva_emu_counters k;
	struct sva_emu_comp c;
	struct sva_bond *b;
	long lck0, lck;

	TEST_ASSERT(src != NULL && dst != NULL, "memory");
	TEST_ASSERT_SUCCESS(sva_t_open(model, "", "prg_window=32"), "open");
	TEST_ASSERT_EQUAL(sva_t_pages_missing(src, len + PG), len / PG + 1, "src untouched");
	TEST_ASSERT_EQUAL(sva_t_pages_missing(dst, len + PG), len / PG + 1, "dst untouched");
	lck0 = vmlck_kb();
	TEST_ASSERT(lck0 >= 0, "VmLck readable");
	b = sva_t_bind(&p);
	TEST_ASSERT_NOT_NULL(b, "bind");
	TEST_ASSERT_EQUAL(sva_bond_is_pinned(b), 1, "pinned");
	TEST_ASSERT_RET(sva_bond_pin(b, src, len, 0), 0);
	TEST_ASSERT_RET(sva_bond_pin(b, dst, len, 0), 0);
	lck = vmlck_kb();
	TEST_ASSERT_EQUAL(lck - lck0, (long)(2 * len / 1024), "both ranges locked (KiB)");
	TEST_ASSERT_EQUAL(sva_t_pages_missing(src, len), 0, "src resident");
	TEST_ASSERT_EQUAL(sva_t_pages_missing(dst, len), 0, "dst resident");
	TEST_ASSERT_EQUAL(test_page_state(src), TEST_PAGE_WRITTEN, "populated for write");
	TEST_ASSERT_EQUAL(test_page_present(src + len), 0, "the page after src: not pinned");
	TEST_ASSERT_EQUAL(test_page_present(dst + len), 0, "the page after dst: not pinned");

	TEST_ASSERT_SUCCESS(sva_t_poll_start(), "poll lcore");
	/* the device writes the source (no CPU touch), then copies it */
	TEST_ASSERT_RET(sva_t_job(ST.dev, sva_bond_pasid(b), SVA_EMU_OP_FILL, 0, (uintptr_t)src,
		len, &c), 0);
	TEST_ASSERT_EQUAL(c.status, SVA_EMU_STATUS_SUCCESS, "fill");
	TEST_ASSERT_EQUAL(c.page_reqs, 0, "fill: no page request");
	TEST_ASSERT_RET(sva_t_job(ST.dev, sva_bond_pasid(b), SVA_EMU_OP_COPY, (uintptr_t)src,
		(uintptr_t)dst, len, &c), 0);
	TEST_ASSERT_EQUAL(c.status, SVA_EMU_STATUS_SUCCESS, "copy");
	TEST_ASSERT_EQUAL(c.bytes_done, len, "bytes");
	TEST_ASSERT_EQUAL(c.page_reqs, 0, "copy: no page request");
	sva_t_poll_stop();
	for (size_t i = 0; i < len; i++)
		if (dst[i] != (uint8_t)(8 - i % 8))   /* 0x0102030405060708, little-endian */
			TEST_ASSERT(0, "dst[%zu] = 0x%02x, want 0x%02x", i, dst[i],
				(unsigned int)(8 - i % 8));
	TEST_ASSERT_BUFFERS_EQUAL(src, dst, len, "data");

	k = sva_t_counters();
	TEST_ASSERT_SUCCESS(sva_stats_get(NULL, b, &st), "bond stats");
	TEST_ASSERT_SUCCESS(sva_stats_get(ST.iommu, NULL, &all), "iommu stats");
	TEST_ASSERT_EQUAL(k.page_reqs, 0, "the device asked for nothing");
	TEST_ASSERT_EQUAL(k.groups, 0, "no group");
	TEST_ASSERT_EQUAL(k.jobs_ok, 2, "both jobs");
	TEST_ASSERT_EQUAL(st.page_reqs, 0, "bond: zero page requests");
	TEST_ASSERT_EQUAL(st.groups, 0, "bond: zero groups");
	TEST_ASSERT_EQUAL(st.invalid[SVA_IOPF_R_PINNED], 0, "nothing outside");
	TEST_ASSERT_EQUAL(all.page_reqs, 0, "iommu: zero page requests");
	/* resident and locked afterwards */
	TEST_ASSERT_EQUAL(sva_t_pages_missing(src, len) + sva_t_pages_missing(dst, len), 0,
		"resident");
	TEST_ASSERT_EQUAL(vmlck_kb() - lck0, (long)(2 * len / 1024), "still locked");
	TEST_ASSERT_EQUAL(test_page_present(dst + len), 0, "nothing beyond populated");
	TEST_ASSERT_RET(sva_bond_unpin(b, dst, len), 0);
	TEST_ASSERT_EQUAL(vmlck_kb() - lck0, (long)(len / 1024), "dst unlocked");
	sva_t_unbind(b);
	TEST_ASSERT_EQUAL(vmlck_kb(), lck0, "unbind unlocked src");
	TEST_ASSERT_EQUAL(sva_t_pages_missing(src, len), 0, "memory stays mapped");
	munmap(src, len + PG);
	munmap(dst, len + PG);
	return TEST_SUCCESS;
}
SVA_T_BOTH(pinned_copy)

/* A device access outside the pinned ranges: one page request, Invalid, R_PINNED. */
static int
pinned_outside_one(const char *model)
{
	struct sva_bind_params p = { .flags = SVA_BIND_PINNED };
	uint8_t *in = sva_t_map(PG), *out = sva_t_map(4 * PG);
	struct sva_iopf_stats st, all;
	struct sva_emu_counters k;
	struct sva_emu_comp c;
	struct sva_bond *b;

	TEST_ASSERT(in != NULL && out != NULL, "memory");
	TEST_ASSERT_SUCCESS(sva_t_open(model, "", "prg_window=32,pr_depth=1"), "open");
	b = sva_t_bind(&p);
	TEST_ASSERT_NOT_NULL(b, "bind");
	TEST_ASSERT_RET(sva_bond_pin(b, in, PG, 0), 0);
	TEST_ASSERT_SUCCESS(sva_t_poll_start(), "poll lcore");
	/* pinned source, an untouched destination nobody pinned */
	test_log_capture_start();
	TEST_ASSERT_RET(sva_t_job(ST.dev, sva_bond_pasid(b), SVA_EMU_OP_COPY, (uintptr_t)in,
		(uintptr_t)out, PG, &c), 0);
	sva_t_poll_stop();
	test_log_capture_stop();
	TEST_ASSERT_EQUAL(c.status, SVA_EMU_STATUS_PAGE_FAULT, "answered Invalid");
	TEST_ASSERT_EQUAL(c.fault_addr, (uintptr_t)out, "at the unpinned page");
	TEST_ASSERT_EQUAL(c.fault_perm, SVA_FAULT_PERM_WRITE, "a write");
	TEST_ASSERT_EQUAL(c.bytes_done, 0, "nothing done");
	TEST_ASSERT_EQUAL(c.page_reqs, 1, "one page request");
	TEST_ASSERT_EQUAL(sva_t_pages_missing(out, 4 * PG), 4, "nothing outside populated");
	TEST_ASSERT_SUCCESS(sva_stats_get(NULL, b, &st), "bond stats");
	TEST_ASSERT_SUCCESS(sva_stats_get(ST.iommu, NULL, &all), "iommu stats");
	TEST_ASSERT_EQUAL(st.page_reqs, 1, "one page request read");
	TEST_ASSERT_EQUAL(st.groups, 1, "one group");
	TEST_ASSERT_EQUAL(st.resp_invalid, 1, "answered Invalid");
	TEST_ASSERT_EQUAL(st.resp_success, 0, "never resolved");
	TEST_ASSERT_EQUAL(st.invalid[SVA_IOPF_R_PINNED], 1, "counted under 'pinned', once");
	TEST_ASSERT_EQUAL(st.pages_populated + st.populate_calls, 0, "nothing populated");
	TEST_ASSERT_EQUAL(all.invalid[SVA_IOPF_R_PINNED], 1, "iommu: once");
	TEST_ASSERT_EQUAL(strcmp(sva_iopf_reason_name(SVA_IOPF_R_PINNED), "pinned"), 0, "name");
	k = sva_t_counters();
	TEST_ASSERT_EQUAL(k.resp_invalid, 1, "the device got one Invalid");
	TEST_ASSERT_EQUAL(k.resp_success + k.resp_failure + k.resp_duplicate, 0, "nothing else");
	TEST_ASSERT_EQUAL(test_log_count("on a pinned bond, answered Invalid (1 such group so far)"), 1,
		"logged once");
	/* the log is rate-limited: groups 1, 2, 4, 8 of 10 are logged */
	TEST_ASSERT_SUCCESS(sva_t_poll_start(), "poll lcore");
	test_log_capture_start();
	for (unsigned int i = 0; i < 9; i++) {
		TEST_ASSERT_RET(sva_t_job(ST.dev, sva_bond_pasid(b), SVA_EMU_OP_FILL, 0,
			(uintptr_t)out + (i % 4) * PG, 8, &c), 0);
		TEST_ASSERT_EQUAL(c.status, SVA_EMU_STATUS_PAGE_FAULT, "Invalid %u", i);
	}
	sva_t_poll_stop();
	test_log_capture_stop();
	TEST_ASSERT_SUCCESS(sva_stats_get(NULL, b, &st), "bond stats");
	TEST_ASSERT_EQUAL(st.invalid[SVA_IOPF_R_PINNED], 10, "ten groups");
	TEST_ASSERT_EQUAL(test_log_count("on a pinned bond"), 3, "logged at 2, 4, 8:\n%s", test_log_text());
	TEST_ASSERT_EQUAL(sva_t_pages_missing(out, 4 * PG), 4, "still nothing populated");
	sva_t_unbind(b);
	munmap(in, PG);
	munmap(out, 4 * PG);
	return TEST_SUCCESS;
}
SVA_T_BOTH(pinned_outside)

/* An emu iommu without PRI: plain binds fall back to pinned mode. */
static int
pri_off_one(const char *model)
{
	struct sva_bind_params p = { .flags = SVA_BIND_EVENT_RING, .event_ring_size = 16 };
	uint8_t *buf = sva_t_map(8 * PG), *out = sva_t_map(PG);
	struct sva_iommu_info info;
	struct sva_iopf_stats st;
	struct sva_emu_comp c;
	struct sva_fault rec;
	struct sva_bond *b, *b2;
	char want[160];
	int lvl;

	TEST_ASSERT(buf != NULL && out != NULL, "memory");
	TEST_ASSERT_SUCCESS(sva_t_open(model, "pri=off", "prg_window=32"), "open");
	TEST_ASSERT_SUCCESS(sva_iommu_info_get(ST.iommu, &info), "info");
	TEST_ASSERT_EQUAL(info.caps & (SVA_IOMMU_CAP_PRI | SVA_IOMMU_CAP_STALL), 0, "no PRI");
	TEST_ASSERT_EQUAL(info.caps & SVA_IOMMU_CAP_PIN, SVA_IOMMU_CAP_PIN, "pinned mode");
	TEST_ASSERT_EQUAL(sva_emu_dev_pri_enabled(ST.dev), 0, "the dev has no PRI");
	TEST_ASSERT_RET(sva_emu_dev_reset(ST.dev), 0);
	TEST_ASSERT_EQUAL(sva_emu_dev_pri_enabled(ST.dev), 0, "a reset does not give it PRI");

	p.flags = SVA_BIND_REQUIRE_PRI;
	TEST_ASSERT_NULL_ERRNO(sva_t_bind(&p), EOPNOTSUPP);
	p.flags = SVA_BIND_REQUIRE_PRI | SVA_BIND_PINNED;
	TEST_ASSERT_NULL_ERRNO(sva_t_bind(&p), EINVAL);
	p.flags = SVA_BIND_EVENT_RING;
	test_log_capture_start();
	b = sva_t_bind(&p);
	test_log_capture_stop();
	TEST_ASSERT_NOT_NULL(b, "plain bind");
	TEST_ASSERT_EQUAL(sva_bond_is_pinned(b), 1, "fell back to pinned mode");
	snprintf(want, sizeof(want), "SVA: bond %u: %s dev 0x10: device has no PRI: pinned mode; "
		"pin buffers with sva_bond_pin()", sva_bond_id(b), sva_iommu_name(ST.iommu));
	TEST_ASSERT_LOGGED(want);
	TEST_ASSERT_EQUAL(test_log_count("device has no PRI"), 1, "once");
	/* at NOTICE exactly: printed at level notice (above), not at warning */
	lvl = rte_log_get_level(sva_logtype);
	rte_log_set_level(sva_logtype, RTE_LOG_WARNING);
	test_log_capture_start();
	b2 = sva_t_bind(&p);
	test_log_capture_stop();
	rte_log_set_level(sva_logtype, (uint32_t)lvl);
	TEST_ASSERT_NOT_NULL(b2, "second plain bind");
	TEST_ASSERT_EQUAL(sva_bond_is_pinned(b2), 1, "pinned too");
	TEST_ASSERT_EQUAL(test_log_count("device has no PRI"), 0, "a NOTICE, not a WARNING");
	sva_t_unbind(b2);

	TEST_ASSERT_RET(sva_bond_pin(b, buf, 8 * PG, 0), 0);
	TEST_ASSERT_SUCCESS(sva_t_poll_start(), "poll lcore");
	TEST_ASSERT_RET(sva_t_job(ST.dev, sva_bond_pasid(b), SVA_EMU_OP_FILL, 0, (uintptr_t)buf,
		8 * PG, &c), 0);
	TEST_ASSERT_EQUAL(c.status, SVA_EMU_STATUS_SUCCESS, "fill of pinned memory");
	TEST_ASSERT_EQUAL(buf[8 * PG - 1], 0x01, "filled (the pattern's last byte)");
	/* outside: a device without PRI takes a translation fault, no page request */
	TEST_ASSERT_RET(sva_t_job(ST.dev, sva_bond_pasid(b), SVA_EMU_OP_FILL, 0, (uintptr_t)out,
		PG, &c), 0);
	TEST_ASSERT_EQUAL(c.status, SVA_EMU_STATUS_PRI_DISABLED, "no PRI to ask with");
	TEST_ASSERT_EQUAL(c.fault_addr, (uintptr_t)out, "at the unpinned page");
	TEST_ASSERT_EQUAL(c.page_reqs, 0, "no page request");
	for (int i = 0; i < 20000 && rte_ring_count(sva_bond_event_ring(b)) == 0; i++)
		usleep(100);
	sva_t_poll_stop();
	TEST_ASSERT_EQUAL(rte_ring_dequeue_elem(sva_bond_event_ring(b), &rec, sizeof(rec)), 0,
		"an event");
	TEST_ASSERT_EQUAL(rec.event.reason, SVA_FAULT_REASON_TRANSLATION, "translation fault");
	TEST_ASSERT_EQUAL(rec.event.addr, (uintptr_t)out, "its address");
	TEST_ASSERT_EQUAL(rec.event.pasid, sva_bond_pasid(b), "its PASID");
	TEST_ASSERT_EQUAL(test_page_present(out), 0, "not populated");
	TEST_ASSERT_SUCCESS(sva_stats_get(NULL, b, &st), "stats");
	TEST_ASSERT_EQUAL(st.page_reqs, 0, "zero page requests");
	TEST_ASSERT_EQUAL(st.events, 1, "one event");
	sva_t_unbind(b);
	munmap(buf, 8 * PG);
	munmap(out, PG);
	return TEST_SUCCESS;
}
SVA_T_BOTH(pri_off)

/* Every errno of the pinned-mode calls. */
static int
test_pin_errnos(void)
{
	struct sva_bind_params p = { .flags = SVA_BIND_PINNED };
	uint8_t *buf = sva_t_map(8 * PG), *ro = mmap(NULL, PG, PROT_READ,
		MAP_PRIVATE | MAP_ANONYMOUS, -1, 0), *gone = sva_t_map(PG);
	const uint8_t *top = (const uint8_t *)(UINTPTR_MAX & ~(uintptr_t)(PG - 1));
	struct sva_iommu *nopin, *syn;
	struct sva_dev *ndev;
	struct sva_bond *b, *prib;
	long lck0 = vmlck_kb();

	TEST_ASSERT(buf != NULL && ro != MAP_FAILED && gone != NULL, "memory");
	munmap(gone, PG);
	TEST_ASSERT_SUCCESS(sva_t_open("vtd", "", "rid=0x10"), "open");
	b = sva_t_bind(&p);
	TEST_ASSERT_NOT_NULL(b, "pinned bind");
	TEST_ASSERT_EQUAL(sva_bond_is_pinned(b), 1, "pinned");
	TEST_ASSERT_EQUAL(sva_bond_is_pinned(NULL), -EINVAL, "NULL");

	/* pin: arguments */
	TEST_ASSERT_RET(sva_bond_pin(NULL, buf, PG, 0), -EINVAL);
	TEST_ASSERT_RET(sva_bond_pin(b, NULL, PG, 0), -EINVAL);
	TEST_ASSERT_RET(sva_bond_pin(b, buf, 0, 0), -EINVAL);
	TEST_ASSERT_RET(sva_bond_pin(b, top, 2 * PG, 0), -EINVAL);       /* wraps */
	TEST_ASSERT_RET(sva_bond_pin(b, (const void *)(UINTPTR_MAX - 9), 5, 0),
		-EINVAL);                                                 /* wraps once aligned */
	TEST_ASSERT_RET(sva_bond_pin(b, buf, PG, 1u << 7), -EINVAL);     /* unknown flag */
	/* pin: overlaps, at page granularity */
	TEST_ASSERT_RET(sva_bond_pin(b, buf, 2 * PG, 0), 0);
	TEST_ASSERT_RET(sva_bond_pin(b, buf + PG, PG, 0), -EEXIST);
	TEST_ASSERT_RET(sva_bond_pin(b, buf + PG + 100, 10, 0), -EEXIST);
	TEST_ASSERT_RET(sva_bond_pin(b, buf + 2 * PG - 1, 2, 0), -EEXIST);
	TEST_ASSERT_RET(sva_bond_pin(b, buf, 8 * PG, 0), -EEXIST);
	TEST_ASSERT_RET(sva_bond_pin(b, buf + 2 * PG + 1, PG - 2, 0), 0); /* the next page */
	/* pin: what the driver refuses */
	TEST_ASSERT_RET(sva_bond_pin(b, gone, PG, 0), -ENOMEM);          /* not mapped */
	TEST_ASSERT_RET(sva_bond_pin(b, ro, PG, 0), -EINVAL);            /* write a read-only */
	TEST_ASSERT_RET(sva_bond_pin(b, ro, PG, SVA_BOND_PIN_READ_ONLY), 0);
	TEST_ASSERT_EQUAL(test_page_state(ro), TEST_PAGE_SHARED, "read-only: the zero page");
	TEST_ASSERT_EQUAL(vmlck_kb() - lck0, 4 * (long)PG / 1024, "4 pages locked");

	/* unpin */
	TEST_ASSERT_RET(sva_bond_unpin(NULL, buf, PG), -EINVAL);
	TEST_ASSERT_RET(sva_bond_unpin(b, NULL, PG), -EINVAL);
	TEST_ASSERT_RET(sva_bond_unpin(b, buf, 0), -EINVAL);
	TEST_ASSERT_RET(sva_bond_unpin(b, top, 2 * PG), -EINVAL);
	TEST_ASSERT_RET(sva_bond_unpin(b, buf + 4 * PG, PG), -ENOENT);   /* never pinned */
	TEST_ASSERT_RET(sva_bond_unpin(b, buf, PG), -ENOENT);            /* a part */
	TEST_ASSERT_RET(sva_bond_unpin(b, buf, 3 * PG), -ENOENT);        /* a union */
	TEST_ASSERT_RET(sva_bond_unpin(b, buf + 1, 2 * PG - 2), 0);      /* same pages */
	TEST_ASSERT_RET(sva_bond_unpin(b, buf, 2 * PG), -ENOENT);        /* again */
	TEST_ASSERT_EQUAL(vmlck_kb() - lck0, 2 * (long)PG / 1024, "2 pages locked");

	/* a PRI bond is not pinned */
	prib = sva_t_bind(NULL);
	TEST_ASSERT_NOT_NULL(prib, "PRI bind on a PRI iommu");
	TEST_ASSERT_EQUAL(sva_bond_is_pinned(prib), 0, "not pinned");
	TEST_ASSERT_RET(sva_bond_pin(prib, buf + 4 * PG, PG, 0), -EOPNOTSUPP);
	TEST_ASSERT_RET(sva_bond_unpin(prib, buf + 4 * PG, PG), -EOPNOTSUPP);
	p.flags = SVA_BIND_REQUIRE_PRI;
	sva_t_unbind(prib);
	prib = sva_t_bind(&p);
	TEST_ASSERT_NOT_NULL(prib, "SVA_BIND_REQUIRE_PRI where there is PRI");
	TEST_ASSERT_EQUAL(sva_bond_is_pinned(prib), 0, "not pinned");
	sva_t_unbind(prib);

	/* the lib/iommu wrapper */
	TEST_ASSERT_RET(sva_dev_pin_range(NULL, 1, (uintptr_t)buf, PG, SVA_FAULT_PERM_READ),
		-EINVAL);
	TEST_ASSERT_RET(sva_dev_pin_range(ST.dev, 1, (uintptr_t)buf + 1, PG,
		SVA_FAULT_PERM_READ), -EINVAL);
	TEST_ASSERT_RET(sva_dev_pin_range(ST.dev, 1, (uintptr_t)buf, PG + 1,
		SVA_FAULT_PERM_READ), -EINVAL);
	TEST_ASSERT_RET(sva_dev_pin_range(ST.dev, 1, (uintptr_t)buf, 0, SVA_FAULT_PERM_READ),
		-EINVAL);
	TEST_ASSERT_RET(sva_dev_pin_range(ST.dev, 1, (uintptr_t)top, 2 * PG,
		SVA_FAULT_PERM_READ), -EINVAL);
	TEST_ASSERT_RET(sva_dev_pin_range(ST.dev, 1, (uintptr_t)buf, PG, SVA_FAULT_PERM_WRITE),
		-EINVAL);
	TEST_ASSERT_RET(sva_dev_pin_range(ST.dev, 1, (uintptr_t)buf, PG, 0), -EINVAL);
	TEST_ASSERT_RET(sva_dev_pin_range(ST.dev, 1u << 16, (uintptr_t)buf, PG,
		SVA_FAULT_PERM_READ), -EINVAL);
	TEST_ASSERT_RET(sva_dev_pin_range(ST.dev, SVA_PIN_RID, (uintptr_t)buf + 4 * PG, PG,
		SVA_FAULT_PERM_READ), 0);
	sva_dev_unpin_range(ST.dev, SVA_PIN_RID, (uintptr_t)buf + 4 * PG, PG);
	sva_dev_unpin_range(NULL, SVA_PIN_RID, (uintptr_t)buf + 4 * PG, PG);
	TEST_ASSERT_EQUAL(vmlck_kb() - lck0, 2 * (long)PG / 1024, "2 pages locked");
	sva_t_unbind(b);
	TEST_ASSERT_EQUAL(vmlck_kb(), lck0, "unbind unlocked everything");
	sva_t_close();

	/* iommus without pinned mode */
	TEST_ASSERT_SUCCESS(sva_t_open(NULL, "", "rid=0x10"), "syn (PRI, no pinned mode)");
	syn = ST.iommu;
	p.flags = SVA_BIND_PINNED;
	TEST_ASSERT_NULL_ERRNO(sva_t_bind(&p), EOPNOTSUPP);
	TEST_ASSERT_RET(sva_dev_pin_range(ST.dev, 1, (uintptr_t)buf, PG, SVA_FAULT_PERM_READ),
		-EOPNOTSUPP);
	RTE_SET_USED(syn);
	sva_t_close();
	nopin = sva_iommu_create("nopin");
	TEST_ASSERT_NOT_NULL(nopin, "nopin iommu");
	ndev = sva_dev_open(nopin, NULL);
	TEST_ASSERT_NOT_NULL(ndev, "nopin dev");
	ST.space = sva_pasid_space_create("nopin", 8, 0);
	TEST_ASSERT_NOT_NULL(ST.space, "space");
	ST.set = sva_pasid_set_create(ST.space, "app", 0, NULL, SVA_BOND_PASID_TYPE, 0);
	TEST_ASSERT_NOT_NULL(ST.set, "set");
	ST.dev = ndev;
	ST.iommu = nopin;
	TEST_ASSERT_NULL_ERRNO(sva_t_bind(NULL), EOPNOTSUPP);   /* neither PRI nor pinning */
	TEST_ASSERT_NULL_ERRNO(sva_t_bind(&p), EOPNOTSUPP);
	p.flags = SVA_BIND_REQUIRE_PRI;
	TEST_ASSERT_NULL_ERRNO(sva_t_bind(&p), EOPNOTSUPP);
	sva_t_close();
	munmap(buf, 8 * PG);
	munmap(ro, PG);
	return TEST_SUCCESS;
}

/* Unbind with pins outstanding; a page pinned by two bonds stays locked for the other. */
static int
test_unbind_unlocks(void)
{
	struct sva_bind_params p = { .flags = SVA_BIND_PINNED | SVA_BIND_RID };
	const size_t len = 64 * PG;
	uint8_t *a = sva_t_map(len), *bb = sva_t_map(len);
	struct sva_bond *b1, *b2;
	long lck0 = vmlck_kb();

	TEST_ASSERT(a != NULL && bb != NULL, "memory");
	TEST_ASSERT_SUCCESS(sva_t_open("smmuv3", "", "rid=0x10"), "open");
	b1 = sva_t_bind(&p);   /* PASID and RID: each range pinned for both */
	TEST_ASSERT_NOT_NULL(b1, "bind 1");
	p.flags = SVA_BIND_PINNED;
	b2 = sva_t_bind(&p);
	TEST_ASSERT_NOT_NULL(b2, "bind 2");
	TEST_ASSERT_RET(sva_bond_pin(b1, a, len, 0), 0);
	TEST_ASSERT_RET(sva_bond_pin(b1, bb, len / 2, SVA_BOND_PIN_READ_ONLY), 0);
	TEST_ASSERT_RET(sva_bond_pin(b1, bb + len / 2, len / 2, 0), 0);
	/* the same memory, another bond: counted per bond, locked once */
	TEST_ASSERT_RET(sva_bond_pin(b2, a + len / 4, len / 2, 0), 0);
	TEST_ASSERT_EQUAL(vmlck_kb() - lck0, (long)(2 * len / 1024), "locked once");
	sva_t_unbind(b1);
	TEST_ASSERT_EQUAL(vmlck_kb() - lck0, (long)(len / 2 / 1024), "b2's half stays locked");
	TEST_ASSERT_EQUAL(sva_t_pages_missing(a + len / 4, len / 2), 0, "and resident");
	sva_t_unbind(b2);
	TEST_ASSERT_EQUAL(vmlck_kb(), lck0, "VmLck back to the start");
	sva_t_close();
	munmap(a, len);
	munmap(bb, len);
	return TEST_SUCCESS;
}

/* RLIMIT_MEMLOCK: without CAP_IPC_LOCK a pin beyond the limit is ENOMEM, any pin with a
 * zero limit EPERM; the log says to raise ulimit -l. */
static int
cap_ipc_lock(int on)
{
	struct __user_cap_header_struct h = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct d[2];

	if (syscall(SYS_capget, &h, d) != 0)
		return -errno;
	if (on && !(d[0].permitted & (1u << CAP_IPC_LOCK)))
		return 0;
	if (on)
		d[0].effective |= 1u << CAP_IPC_LOCK;
	else
		d[0].effective &= ~(1u << CAP_IPC_LOCK);
	return syscall(SYS_capset, &h, d) != 0 ? -errno : 0;
}

static int
test_memlock_limit(void)
{
	struct sva_bind_params p = { .flags = SVA_BIND_PINNED };
	const size_t len = 64 * PG;
	uint8_t *buf = sva_t_map(len);
	struct rlimit old, lim;
	struct sva_bond *b;
	long lck0 = vmlck_kb();
	int r1, r2;

	TEST_ASSERT_NOT_NULL(buf, "memory");
	TEST_ASSERT_SUCCESS(getrlimit(RLIMIT_MEMLOCK, &old), "getrlimit");
	TEST_ASSERT_SUCCESS(sva_t_open("vtd", "", "rid=0x10"), "open");
	b = sva_t_bind(&p);
	TEST_ASSERT_NOT_NULL(b, "bind");
	/* this thread only: capabilities are per thread */
	TEST_ASSERT_SUCCESS(cap_ipc_lock(0), "drop CAP_IPC_LOCK");
	lim = old;
	lim.rlim_cur = 4 * PG;
	TEST_ASSERT_SUCCESS(setrlimit(RLIMIT_MEMLOCK, &lim), "setrlimit");
	test_log_capture_start();
	r1 = sva_bond_pin(b, buf, len, 0);
	lim.rlim_cur = 0;
	setrlimit(RLIMIT_MEMLOCK, &lim);
	r2 = sva_bond_pin(b, buf, PG, 0);
	test_log_capture_stop();
	setrlimit(RLIMIT_MEMLOCK, &old);
	cap_ipc_lock(1);
	TEST_ASSERT_EQUAL(r1, -ENOMEM, "beyond RLIMIT_MEMLOCK");
	TEST_ASSERT_EQUAL(r2, -EPERM, "RLIMIT_MEMLOCK 0");
	TEST_ASSERT_LOGGED("ulimit -l");
	TEST_ASSERT_EQUAL(test_log_count("ulimit -l"), 2, "both explained");
	TEST_ASSERT_EQUAL(vmlck_kb(), lck0, "nothing stays locked");
	TEST_ASSERT_RET(sva_bond_unpin(b, buf, len), -ENOENT);
	TEST_ASSERT_RET(sva_bond_pin(b, buf, len, 0), 0);
	sva_t_unbind(b);
	TEST_ASSERT_EQUAL(vmlck_kb(), lck0, "unlocked");
	sva_t_close();
	munmap(buf, len);
	return TEST_SUCCESS;
}

/* ---- telemetry: /sva/bonds says pinned, /sva/stats has invalid_pinned ---- */


static int
test_pinned_telemetry(void)
{
	struct sva_bind_params p = { .flags = SVA_BIND_PINNED };
	uint8_t *in = sva_t_map(3 * PG), *out = sva_t_map(PG);
	char res[8192], cmd[64], want[320];
	struct sva_emu_comp c;
	struct sva_bond *b;

	if (access("/usr/bin/dpdk-telemetry.py", X_OK) != 0)
		TEST_SKIP("dpdk-telemetry.py is not installed (Debian package dpdk)");
	TEST_ASSERT(in != NULL && out != NULL, "memory");
	TEST_ASSERT_SUCCESS(sva_t_open("vtd", "", "rid=0x10"), "open");
	b = sva_t_bind(&p);
	TEST_ASSERT_NOT_NULL(b, "bind");
	TEST_ASSERT_RET(sva_bond_pin(b, in, 2 * PG, 0), 0);
	TEST_ASSERT_RET(sva_bond_pin(b, in + 2 * PG, PG, SVA_BOND_PIN_READ_ONLY), 0);
	TEST_ASSERT_SUCCESS(sva_t_poll_start(), "poll lcore");
	TEST_ASSERT_RET(sva_t_job(ST.dev, sva_bond_pasid(b), SVA_EMU_OP_FILL, 0, (uintptr_t)out,
		PG, &c), 0);
	sva_t_poll_stop();
	TEST_ASSERT_EQUAL(c.status, SVA_EMU_STATUS_PAGE_FAULT, "outside: Invalid");
	if (sva_t_telemetry("/sva/bonds", res, sizeof(res)) != 0 ||
			strstr(res, "{\"/sva/bonds\": ") == NULL) {
		sva_t_unbind(b);
		sva_t_close();
		TEST_SKIP("no telemetry socket in %s: %.200s", rte_eal_get_runtime_dir(), res);
	}
	snprintf(want, sizeof(want), "\"%u\": {\"id\": %u, \"iommu\": \"%s\", \"dev\": 16, "
		"\"pasid\": %u, \"flags\": 32, \"flag_names\": \"pinned\", \"mode\": \"pinned\", "
		"\"rid_only\": 0, \"pinned_ranges\": 2, \"pinned_bytes\": 12288}", sva_bond_id(b),
		sva_bond_id(b), sva_iommu_name(ST.iommu), sva_bond_pasid(b));
	TEST_ASSERT(strstr(res, want) != NULL, "/sva/bonds has %s: %s", want, res);
	snprintf(cmd, sizeof(cmd), "/sva/stats,%u", sva_bond_id(b));
	TEST_ASSERT_SUCCESS(sva_t_telemetry(cmd, res, sizeof(res)), "stats");
	TEST_ASSERT(strstr(res, "\"invalid_pinned\": 1") != NULL, "by reason: %s", res);
	TEST_ASSERT(strstr(res, "\"page_reqs\": 1,") != NULL, "one request: %s", res);
	sva_t_unbind(b);
	sva_t_close();
	munmap(in, 3 * PG);
	munmap(out, PG);
	return TEST_SUCCESS;
}

static struct sva_test_suite sva_pinned_suite = {
	.name = "sva_pinned",
	.cases = {
		SVA_TEST_CASE(pinned_copy),
		SVA_TEST_CASE(pinned_outside),
		SVA_TEST_CASE(pri_off),
		SVA_TEST_CASE(test_pin_errnos),
		SVA_TEST_CASE(test_unbind_unlocks),
		SVA_TEST_CASE(test_memlock_limit),
		SVA_TEST_CASE(test_pinned_telemetry),
		SVA_TEST_CASES_END(),
	},
};

static int
test_sva_pinned(void)
{
	return sva_test_suite_run(&sva_pinned_suite);
}

SVA_TEST_REGISTER(sva_pinned_autotest, test_sva_pinned);
