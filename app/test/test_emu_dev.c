/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * emu_dev_autotest: the emu iommu driver and its software SVA endpoint, every case on
 * both models (VT-d and SMMUv3): devargs refusals, capabilities, attach semantics,
 * PASID table rules, and device jobs on real memory with a small page-request
 * responder inside the test (on the worker lcore, standing in for lib/iopf): present
 * memory (no page request at all), untouched memory (every group answered once),
 * read-only memory (Invalid -> partial completion), memory unmapped mid-job (an event,
 * no crash), Failure, protocol violations and fault injection seen through the
 * counters. Every wait is bounded; nothing depends on timing but timeouts that are
 * meant to expire.
 */
#include <pthread.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include <rte_cycles.h>
#include <rte_errno.h>
#include <rte_launch.h>
#include <rte_lcore.h>
#include <rte_pause.h>

#include <sva_emu.h>
#include <sva_iommu.h>

#include "sva_test.h"
#include "test_log.h"

#ifndef MADV_POPULATE_READ
#define MADV_POPULATE_READ 22
#define MADV_POPULATE_WRITE 23
#endif

#define PG 4096u
#define WAIT_US 20000000u   /* 20 s: generous, a job that hangs fails instead */

static const char *const models[] = { "vtd", "smmuv3" };
static const char *cur_model;   /* the model the current pass runs on */

static const struct sva_pgtable mm = { .type = SVA_PGTABLE_PROCESS_MM };

/* ---- the responder: a tiny fault path on the worker lcore ---- */

enum resp_mode {
	RESP_POPULATE = 0,   /* populate each page with its access; Invalid if that fails */
	RESP_SUCCESS_ONLY,   /* answer Success without populating (a buggy runtime) */
	RESP_FAILURE,        /* answer Response Failure */
	RESP_UNMAP_FIRST,    /* populate, and on the first request unmap unmap_addr */
};

struct responder {
	struct sva_iommu *iommu;
	enum resp_mode mode;
	void *unmap_addr;
	size_t unmap_len;
	volatile int stop;
	unsigned int hold;   /* answer only once this many groups wait (or after 200 ms) */
	unsigned int lcore;
	bool running;
	/* what it saw */
	volatile uint64_t reqs, groups, overflows, stop_markers, responses;
};

static struct responder rsp;

static int
responder_main(void *arg)
{
	struct responder *r = arg;
	struct sva_fault f[32];
	struct sva_page_response out[96];
	uint64_t first = 0, hz = rte_get_timer_hz();
	uint16_t nout = 0;
	bool bad = false;

	while (!r->stop) {
		uint16_t n = RTE_DIM(out) - nout >= RTE_DIM(f) ?
			sva_iommu_prq_read(r->iommu, f, RTE_DIM(f)) : 0;

		if (nout > 0 && (nout >= r->hold ||
				rte_get_timer_cycles() - first > hz / 5)) {
			if (sva_iommu_page_response(r->iommu, out, nout) == nout)
				r->responses += nout;
			nout = 0;
		}
		if (n == 0) {
			rte_pause();
			continue;
		}
		for (uint16_t i = 0; i < n; i++) {
			const struct sva_fault_page_req *pr = &f[i].prm;

			if (f[i].type == SVA_FAULT_OVERFLOW) {
				r->overflows++;
				bad = false;   /* partial groups are discarded */
				continue;
			}
			if (f[i].type != SVA_FAULT_PAGE_REQ)
				continue;
			if ((pr->flags & SVA_FAULT_PR_LAST_PAGE) &&
					!(pr->perm & (SVA_FAULT_PERM_READ | SVA_FAULT_PERM_WRITE))) {
				r->stop_markers++;   /* dropped, never answered */
				continue;
			}
			r->reqs++;
			if (r->mode == RESP_POPULATE || r->mode == RESP_UNMAP_FIRST) {
				int adv = pr->perm & SVA_FAULT_PERM_WRITE ? MADV_POPULATE_WRITE :
					MADV_POPULATE_READ;

				if (madvise((void *)(uintptr_t)pr->addr, PG, adv) != 0)
					bad = true;
				if (r->mode == RESP_UNMAP_FIRST && r->unmap_addr != NULL) {
					munmap(r->unmap_addr, r->unmap_len);
					r->unmap_addr = NULL;
				}
			}
			if (!(pr->flags & SVA_FAULT_PR_LAST_PAGE))
				continue;
			if (nout == 0)
				first = rte_get_timer_cycles();
			out[nout] = (struct sva_page_response){
				.argsz = sizeof(struct sva_page_response),
				.flags = pr->flags & SVA_FAULT_PR_PASID_VALID ?
					SVA_PAGE_RESP_PASID_VALID : 0,
				.dev_id = pr->dev_id,
				.pasid = pr->pasid,
				.grpid = pr->grpid,
				.code = r->mode == RESP_FAILURE ? SVA_PAGE_RESP_FAILURE :
					bad ? SVA_PAGE_RESP_INVALID : SVA_PAGE_RESP_SUCCESS,
			};
			nout++;
			r->groups++;
			bad = false;
		}
		if (nout > 0 && nout >= r->hold) {
			if (sva_iommu_page_response(r->iommu, out, nout) == nout)
				r->responses += nout;
			nout = 0;
		}
	}
	if (nout > 0 && sva_iommu_page_response(r->iommu, out, nout) == nout)
		r->responses += nout;
	return 0;
}

static int
responder_start(struct sva_iommu *iommu, enum resp_mode mode)
{
	unsigned int lcore = rte_get_next_lcore(-1, 1, 0);

	if (lcore >= RTE_MAX_LCORE)
		return -ENODEV;
	memset(&rsp, 0, sizeof(rsp));
	rsp.iommu = iommu;
	rsp.mode = mode;
	rsp.lcore = lcore;
	if (rte_eal_remote_launch(responder_main, &rsp, lcore) != 0)
		return -EBUSY;
	rsp.running = true;
	return 0;
}

static void
responder_stop(void)
{
	if (!rsp.running)
		return;
	rsp.stop = 1;
	rte_eal_wait_lcore(rsp.lcore);
	rsp.running = false;
}

/* Wait (bounded) until *v >= want. */
static bool
wait_for(volatile uint64_t *v, uint64_t want)
{
	for (int i = 0; i < 20000 && *v < want; i++)
		usleep(1000);
	return *v >= want;
}

/* ---- fixtures ---- */

static struct sva_iommu *iommu;
static struct sva_dev *dev;

static void
fixture_close(void)
{
	responder_stop();
	sva_dev_close(dev);
	dev = NULL;
	if (iommu != NULL)
		sva_iommu_destroy(iommu);
	iommu = NULL;
}

/* An emu iommu of the current model with extra devargs, and a dev attached on PASID 5. */
static int
fixture_open(const char *iommu_extra, const char *dev_args)
{
	char args[256];

	snprintf(args, sizeof(args), "emu,model=%s,pasid_bits=16%s%s", cur_model,
		iommu_extra[0] ? "," : "", iommu_extra);
	iommu = sva_iommu_create(args);
	if (iommu == NULL) {
		printf("    cannot create '%s': %s\n", args, strerror(rte_errno));
		return -rte_errno;
	}
	/* groups the responder answers must never time out, however loaded the machine */
	snprintf(args, sizeof(args), "%s%s%s", dev_args, dev_args[0] ? "," : "",
		strstr(dev_args, "timeout_ms") ? "" : "timeout_ms=20000");
	if (args[strlen(args) - 1] == ',')
		args[strlen(args) - 1] = '\0';
	dev = sva_dev_open(iommu, args);
	if (dev == NULL) {
		printf("    cannot open dev '%s': %s\n", args, strerror(rte_errno));
		return -rte_errno;
	}
	return sva_dev_attach_pasid(dev, 5, &mm);
}

static int
run_job(uint32_t op, uint64_t src, uint64_t dst, uint64_t len, uint64_t pattern,
		struct sva_emu_comp *c)
{
	struct sva_emu_desc d = {
		.op = op, .flags = SVA_EMU_DESC_PASID_VALID, .pasid = 5,
		.src = src, .dst = dst, .len = len, .pattern = pattern,
	};
	int ret = sva_emu_submit(dev, &d, c);

	if (ret != 0)
		return ret;
	return sva_emu_wait(dev, c, WAIT_US);
}

static void *
map_untouched(size_t len)
{
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		return NULL;
	madvise(p, len, MADV_NOHUGEPAGE);   /* 4 KiB pages: counts below are per page */
	return p;
}

static struct sva_emu_counters
counters(void)
{
	struct sva_emu_counters k;

	memset(&k, 0xff, sizeof(k));
	sva_emu_counters_get(iommu, &k);
	return k;
}

/* Run fn once per model. */
static int
both_models(int (*fn)(void))
{
	for (unsigned int i = 0; i < RTE_DIM(models); i++) {
		int ret;

		cur_model = models[i];
		ret = fn();
		fixture_close();
		if (ret != TEST_SUCCESS) {
			printf("    (model %s)\n", cur_model);
			return ret;
		}
	}
	return TEST_SUCCESS;
}

#define BOTH(name) \
	static int name(void) { return both_models(name##_one); }

/* ---- devargs, info, attach, tables ---- */

static int
devargs_refusals_one(void)
{
	char a[128];
	const char *bad[] = {
		"bogus=1", "model=foo", "prq_depth=1000", "evtq_depth=3", "pasid_bits=21",
		"pasid_bits=0", "pasid_table=maybe", "walk=psychic", "numa=4096",
		"inject_drop_ppm=1000001", "dev_delay_us=1000001", "prq_depth=8",
	};

	for (unsigned int i = 0; i < RTE_DIM(bad); i++) {
		snprintf(a, sizeof(a), "emu,model=%s,%s", cur_model, bad[i]);
		TEST_ASSERT_NULL_ERRNO(sva_iommu_create(a), EINVAL);
	}
	TEST_ASSERT_SUCCESS(fixture_open("", ""), "defaults");
	{
		const char *bad_dev[] = { "bogus=1", "mode=half", "wq_depth=3", "wq_depth=0",
			"prg_window=0", "prg_window=513", "pr_depth=0", "pr_depth=65",
			"timeout_ms=0", "rid=0x10000", "cpu=100000" };

		for (unsigned int i = 0; i < RTE_DIM(bad_dev); i++)
			TEST_ASSERT_NULL_ERRNO(sva_dev_open(iommu, bad_dev[i]), EINVAL);
	}
	TEST_ASSERT_NULL_ERRNO(sva_dev_open(iommu, "rid=0x10"), EEXIST);
	return TEST_SUCCESS;
}
BOTH(devargs_refusals)

static int
info_one(void)
{
	struct sva_iommu_info info;
	bool vtd = strcmp(cur_model, "vtd") == 0;

	TEST_ASSERT_SUCCESS(fixture_open("prq_depth=256,evtq_depth=64", ""), "open");
	TEST_ASSERT_SUCCESS(sva_iommu_info_get(iommu, &info), "info");
	TEST_ASSERT_EQUAL(info.model, vtd ? SVA_IOMMU_MODEL_VTD : SVA_IOMMU_MODEL_SMMUV3, "model");
	TEST_ASSERT(strcmp(info.driver, "emu") == 0, "driver '%s'", info.driver);
	TEST_ASSERT_EQUAL(info.pasid_bits, 16, "pasid bits");
	TEST_ASSERT_EQUAL(info.prq_depth, 256, "prq depth");
	TEST_ASSERT_EQUAL(info.evtq_depth, 64, "evtq depth");
	TEST_ASSERT_EQUAL(info.page_sizes, (1u << 12) | (1u << 21) | (UINT64_C(1) << 30), "sizes");
	TEST_ASSERT(info.caps & SVA_IOMMU_CAP_PRI, "PRI");
	TEST_ASSERT(info.caps & SVA_IOMMU_CAP_EXEC, "exec");
	TEST_ASSERT(info.caps & SVA_IOMMU_CAP_PRIV, "priv");
	TEST_ASSERT(info.caps & SVA_IOMMU_CAP_ATTACH_RID, "RID attach");
	TEST_ASSERT(info.caps & SVA_IOMMU_CAP_ATTACH_PASID, "PASID attach");
	/* a guest PASID table: SMMUv3's CD table only; VT-d's host owns the PASID table
	 * (sva_dev_pasid_table_bind() refuses it there, pasid_table_one), so no cap */
	TEST_ASSERT_EQUAL(!!(info.caps & SVA_IOMMU_CAP_PASID_TABLE), !vtd, "PASID table");
	TEST_ASSERT_EQUAL(!!(info.caps & SVA_IOMMU_CAP_PASID_PER_DEV), !vtd, "PASID space");
	TEST_ASSERT_EQUAL(!!(info.caps & SVA_IOMMU_CAP_STALL), !vtd, "stall");
	TEST_ASSERT_EQUAL(info.pasid_table_format,
		vtd ? SVA_PASID_TABLE_NONE : SVA_PASID_TABLE_SMMUV3_CD, "table format");
	TEST_ASSERT_EQUAL(info.pasid_table_align, vtd ? 0 : 64, "table alignment");
	TEST_ASSERT_EQUAL(info.pasid_table_max_size, vtd ? 0 : (1u << 16) * 64, "table size");
	TEST_ASSERT(info.numa_node >= -1, "node");
	fixture_close();
	TEST_ASSERT_SUCCESS(fixture_open("pasid_table=no,numa=0", ""), "open");
	TEST_ASSERT_SUCCESS(sva_iommu_info_get(iommu, &info), "info");
	TEST_ASSERT_EQUAL(info.caps & SVA_IOMMU_CAP_PASID_TABLE, 0, "no PASID table");
	TEST_ASSERT_EQUAL(info.numa_node, 0, "numa=0");
	return TEST_SUCCESS;
}
BOTH(info)

static int
attach_modes_one(void)
{
	struct sva_dev *d2;

	TEST_ASSERT_SUCCESS(fixture_open("", "rid=0x10,mode=full"), "open");
	/* full: RID, PASIDs, RID + all PASIDs */
	TEST_ASSERT_RET(sva_dev_attach_rid(dev, &mm), 0);
	TEST_ASSERT_RET(sva_dev_attach_rid(dev, &mm), -EBUSY);
	TEST_ASSERT_RET(sva_dev_attach_rid_all_pasids(dev, &mm), -EBUSY);
	TEST_ASSERT_RET(sva_dev_attach_pasid(dev, 5, &mm), -EBUSY);
	TEST_ASSERT_RET(sva_dev_attach_pasid(dev, 0, &mm), -EINVAL);
	TEST_ASSERT_RET(sva_dev_attach_pasid(dev, 1u << 16, &mm), -EINVAL);
	sva_dev_detach_rid(dev);
	sva_dev_detach_pasid(dev, 5);
	TEST_ASSERT_RET(sva_dev_attach_rid_all_pasids(dev, &mm), 0);
	TEST_ASSERT_RET(sva_dev_attach_pasid(dev, 6, &mm), -EBUSY);
	sva_dev_detach_rid_all_pasids(dev);
	TEST_ASSERT_RET(sva_dev_attach_pasid(dev, 6, &mm), 0);

	/* pasid_only: the RID has no page table of its own */
	d2 = sva_dev_open(iommu, "rid=0x20,mode=pasid_only");
	TEST_ASSERT_NOT_NULL(d2, "pasid_only dev");
	TEST_ASSERT_RET(sva_dev_attach_rid(d2, &mm), -EOPNOTSUPP);
	TEST_ASSERT_RET(sva_dev_attach_rid_all_pasids(d2, &mm), -EOPNOTSUPP);
	TEST_ASSERT_RET(sva_dev_attach_pasid(d2, 7, &mm), 0);
	TEST_ASSERT_RET(sva_dev_attach_pasid(d2, 7, &mm), -EBUSY);
	{
		uint64_t word = 0;
		struct sva_emu_desc d = { .op = SVA_EMU_OP_FILL, .dst = (uintptr_t)&word, .len = 8 };
		struct sva_emu_comp c;

		/* a request without PASID from a pasid_only dev has no page table */
		TEST_ASSERT_RET(sva_emu_submit(d2, &d, &c), 0);
		TEST_ASSERT_RET(sva_emu_wait(d2, &c, WAIT_US), 0);
		TEST_ASSERT_EQUAL(c.status, SVA_EMU_STATUS_UNRECOVERABLE, "RID request");
		d.flags = SVA_EMU_DESC_PASID_VALID;
		d.pasid = 7;
		d.pattern = 0x0101010101010101ull;
		TEST_ASSERT_RET(sva_emu_submit(d2, &d, &c), 0);
		TEST_ASSERT_RET(sva_emu_wait(d2, &c, WAIT_US), 0);
		TEST_ASSERT_EQUAL(c.status, SVA_EMU_STATUS_SUCCESS, "PASID request");
		TEST_ASSERT_EQUAL(word, 0x0101010101010101ull, "filled");
	}
	sva_dev_close(d2);
	return TEST_SUCCESS;
}
BOTH(attach_modes)

static int
pasid_table_one(void)
{
	bool vtd = strcmp(cur_model, "vtd") == 0;
	struct sva_pasid_table_cfg cfg = {
		.format = vtd ? SVA_PASID_TABLE_VTD_SM : SVA_PASID_TABLE_SMMUV3_CD,
		.base = 0x12340040, .pasid_bits = 10,
	};

	TEST_ASSERT_SUCCESS(fixture_open("", ""), "open");
	/* VT-d: the host owns the PASID table: a guest's table is refused (vSVA binds a
	 * first level per PASID, sva_dev_nested_attach()) */
	if (vtd) {
		TEST_ASSERT_RET(sva_dev_pasid_table_bind(dev, &cfg), -EOPNOTSUPP);
		cfg.base = 0x12341000;
		test_log_capture_start();
		TEST_ASSERT_RET(sva_dev_pasid_table_bind(dev, &cfg), -EOPNOTSUPP);
		test_log_capture_stop();
		/* refused for the rule (not for a missing cap, which VT-d does not have) */
		TEST_ASSERT_LOGGED("a guest PASID table cannot be bound on VT-d: the host owns "
			"the PASID table");
		cfg.format = SVA_PASID_TABLE_SMMUV3_CD;     /* the other model's format: same */
		test_log_capture_start();
		TEST_ASSERT_RET(sva_dev_pasid_table_bind(dev, &cfg), -EOPNOTSUPP);
		test_log_capture_stop();
		TEST_ASSERT_LOGGED("a guest PASID table cannot be bound on VT-d");
		fixture_close();
		return TEST_SUCCESS;
	}
	/* 64-byte aligned: fine for SMMUv3 CDs */
	TEST_ASSERT_RET(sva_dev_pasid_table_bind(dev, &cfg), 0);
	sva_dev_pasid_table_unbind(dev);
	cfg.base = 0x12341000;
	TEST_ASSERT_RET(sva_dev_pasid_table_bind(dev, &cfg), 0);
	TEST_ASSERT_RET(sva_dev_pasid_table_bind(dev, &cfg), -EBUSY);
	sva_dev_pasid_table_unbind(dev);
	cfg.base = 0x12341020;
	TEST_ASSERT_RET(sva_dev_pasid_table_bind(dev, &cfg), -EINVAL);
	cfg.base = 0x12341000;
	cfg.pasid_bits = 17;
	TEST_ASSERT_RET(sva_dev_pasid_table_bind(dev, &cfg), -EINVAL);
	cfg.pasid_bits = 10;
	cfg.format = SVA_PASID_TABLE_VTD_SM;   /* VT-d's format: refused as on VT-d */
	TEST_ASSERT_RET(sva_dev_pasid_table_bind(dev, &cfg), -EOPNOTSUPP);
	fixture_close();
	TEST_ASSERT_SUCCESS(fixture_open("pasid_table=no", ""), "open");
	cfg.format = vtd ? SVA_PASID_TABLE_VTD_SM : SVA_PASID_TABLE_SMMUV3_CD;
	TEST_ASSERT_RET(sva_dev_pasid_table_bind(dev, &cfg), -EOPNOTSUPP);
	return TEST_SUCCESS;
}
BOTH(pasid_table)

/* ---- submit refusals ---- */

static int
submit_refusals_one(void)
{
	struct sva_emu_desc d = { .op = SVA_EMU_OP_FILL, .dst = 0x1000, .len = 8 };
	struct sva_emu_comp c, c2;
	void *buf;

	TEST_ASSERT_SUCCESS(fixture_open("", "wq_depth=1,timeout_ms=200"), "open");
	TEST_ASSERT_RET(sva_emu_submit(NULL, &d, &c), -EINVAL);
	TEST_ASSERT_RET(sva_emu_submit(dev, NULL, &c), -EINVAL);
	TEST_ASSERT_RET(sva_emu_submit(dev, &d, NULL), -EINVAL);
	d.op = 9;
	TEST_ASSERT_RET(sva_emu_submit(dev, &d, &c), -EINVAL);
	d.op = SVA_EMU_OP_FILL;
	d.flags = 0x80;
	TEST_ASSERT_RET(sva_emu_submit(dev, &d, &c), -EINVAL);
	d.flags = 0;
	d.reserved = 1;
	TEST_ASSERT_RET(sva_emu_submit(dev, &d, &c), -EINVAL);
	d.reserved = 0;
	d.len = 0;
	TEST_ASSERT_RET(sva_emu_submit(dev, &d, &c), -EINVAL);
	d.len = 8;
	d.flags = SVA_EMU_DESC_PASID_VALID;
	d.pasid = 1u << 16;
	TEST_ASSERT_RET(sva_emu_submit(dev, &d, &c), -EINVAL);
	TEST_ASSERT_RET(sva_emu_wait(NULL, &c, 0), -EINVAL);
	TEST_ASSERT_RET(sva_emu_wait(dev, NULL, 0), -EINVAL);
	TEST_ASSERT_RET(sva_emu_counters_get(NULL, NULL), -EINVAL);
	TEST_ASSERT_RET(sva_emu_dev_reset(NULL), -EINVAL);
	TEST_ASSERT_RET(sva_emu_dev_pri_enabled(NULL), -EINVAL);

	/* a job stuck on a page nobody answers holds the only slot: the queue is full */
	buf = map_untouched(PG);
	TEST_ASSERT_NOT_NULL(buf, "map");
	d.pasid = 5;
	d.dst = (uintptr_t)buf;
	TEST_ASSERT_RET(sva_emu_submit(dev, &d, &c), 0);
	TEST_ASSERT_RET(sva_emu_submit(dev, &d, &c2), -EAGAIN);
	TEST_ASSERT_RET(sva_emu_wait(dev, &c, 0), -ETIMEDOUT);
	TEST_ASSERT_RET(sva_emu_wait(dev, &c, WAIT_US), 0);
	TEST_ASSERT_EQUAL(c.status, SVA_EMU_STATUS_TIMEOUT, "nobody answered");
	TEST_ASSERT_EQUAL(c.fault_addr, (uintptr_t)buf, "address");
	TEST_ASSERT_EQUAL(c.fault_perm, SVA_FAULT_PERM_WRITE, "access");
	TEST_ASSERT_EQUAL(c.bytes_done, 0, "bytes");
	TEST_ASSERT_EQUAL(counters().group_timeouts, 1, "timeouts");
	TEST_ASSERT_EQUAL(counters().groups_outstanding, 0, "outstanding");
	munmap(buf, PG);
	return TEST_SUCCESS;
}
BOTH(submit_refusals)

/* A completed job's slot is free by the time its status says so: with wq_depth=1,
 * submitting right after each wait must always be accepted. */
static int
wq_slot_free_at_completion_one(void)
{
	uint64_t *buf = map_untouched(PG);
	struct sva_emu_desc d = { .op = SVA_EMU_OP_FILL, .flags = SVA_EMU_DESC_PASID_VALID,
		.pasid = 5, .len = 64 };
	struct sva_emu_comp c;

	TEST_ASSERT_NOT_NULL(buf, "map");
	buf[0] = 1;                       /* present and written: no page requests */
	d.dst = (uintptr_t)buf;
	TEST_ASSERT_SUCCESS(fixture_open("", "wq_depth=1"), "open");
	for (unsigned int i = 0; i < 3000; i++) {
		d.pattern = i;
		TEST_ASSERT_RET(sva_emu_submit(dev, &d, &c), 0);
		TEST_ASSERT_RET(sva_emu_wait(dev, &c, WAIT_US), 0);
		TEST_ASSERT_EQUAL(c.status, SVA_EMU_STATUS_SUCCESS, "job %u", i);
	}
	TEST_ASSERT_EQUAL(buf[0], 2999, "the last fill landed");
	TEST_ASSERT_EQUAL(counters().page_reqs, 0, "present memory: no page requests");
	munmap(buf, PG);
	return TEST_SUCCESS;
}
BOTH(wq_slot_free_at_completion)

/* ---- jobs on present memory ---- */

static int
present_ops_one(void)
{
	const size_t len = 1u << 20;
	uint8_t *src = malloc(len), *dst = malloc(len);
	struct sva_emu_comp c;
	struct sva_emu_counters k;
	uint64_t walks;

	TEST_ASSERT_SUCCESS(fixture_open("", ""), "open");
	TEST_ASSERT(src != NULL && dst != NULL, "malloc");
	for (size_t i = 0; i < len; i++)
		src[i] = (uint8_t)(i * 7 + 3);
	memset(dst, 0x55, len);

	TEST_ASSERT_RET(run_job(SVA_EMU_OP_COPY, (uintptr_t)src, (uintptr_t)dst, len, 0, &c), 0);
	TEST_ASSERT_EQUAL(c.status, SVA_EMU_STATUS_SUCCESS, "copy");
	TEST_ASSERT_EQUAL(c.bytes_done, len, "bytes");
	TEST_ASSERT_BUFFERS_EQUAL(src, dst, len, "copied data");
	k = counters();
	TEST_ASSERT_EQUAL(k.page_reqs, 0, "present memory needs no page request");
	TEST_ASSERT_EQUAL(k.groups, 0, "no group");
	TEST_ASSERT_EQUAL(k.model.prq_written, 0, "nothing in the PRQ");
	TEST_ASSERT_EQUAL(k.jobs_ok, 1, "jobs");
	TEST_ASSERT_GREATER(k.walks, 0, "walked");

	/* the same again: the IOTLB answers, no walk */
	walks = k.walks;
	TEST_ASSERT_RET(run_job(SVA_EMU_OP_COPY, (uintptr_t)src, (uintptr_t)dst, len, 0, &c), 0);
	k = counters();
	TEST_ASSERT_EQUAL(k.walks, walks, "IOTLB hit: no walk");
	TEST_ASSERT_GREATER(k.iotlb_hits, 0, "hits");
	/* invalidated: walked again */
	TEST_ASSERT_RET(sva_iommu_iotlb_inval(iommu, 5, (uintptr_t)dst, len), 0);
	TEST_ASSERT_RET(run_job(SVA_EMU_OP_COPY, (uintptr_t)src, (uintptr_t)dst, len, 0, &c), 0);
	TEST_ASSERT_GREATER(counters().walks, walks, "walk after invalidation");

	/* fill, at an odd offset: the pattern's phase follows the job's first byte */
	TEST_ASSERT_RET(run_job(SVA_EMU_OP_FILL, 0, (uintptr_t)dst + 3, 1000, 0x0807060504030201ull,
		&c), 0);
	TEST_ASSERT_EQUAL(c.status, SVA_EMU_STATUS_SUCCESS, "fill");
	for (unsigned int i = 0; i < 1000; i++)
		TEST_ASSERT_EQUAL(dst[3 + i], i % 8 + 1, "fill byte %u", i);
	TEST_ASSERT_EQUAL(dst[2], src[2], "before the fill");
	TEST_ASSERT_EQUAL(dst[1003], src[1003], "after the fill");
	/* a fill longer than two of the device's chunks (256 KiB), at another phase, then
	 * a short one: each byte follows its own job's pattern and phase (the pattern
	 * buffer is prepared for the job's length only) */
	TEST_ASSERT_RET(run_job(SVA_EMU_OP_FILL, 0, (uintptr_t)dst + 5, 600000,
		0x1817161514131211ull, &c), 0);
	TEST_ASSERT_EQUAL(c.status, SVA_EMU_STATUS_SUCCESS, "long fill");
	TEST_ASSERT_EQUAL(c.bytes_done, 600000, "long fill bytes");
	for (unsigned int i = 0; i < 600000; i++)
		TEST_ASSERT_EQUAL(dst[5 + i], 0x11 + i % 8, "long fill byte %u", i);
	TEST_ASSERT_EQUAL(dst[4], 2, "before the long fill (the first fill's byte 1)");
	TEST_ASSERT_EQUAL(dst[600005], src[600005], "after the long fill");
	TEST_ASSERT_RET(run_job(SVA_EMU_OP_FILL, 0, (uintptr_t)dst + 262141, 11,
		0x0807060504030201ull, &c), 0);
	for (unsigned int i = 0; i < 11; i++)
		TEST_ASSERT_EQUAL(dst[262141 + i], i % 8 + 1, "short fill byte %u", i);
	TEST_ASSERT_EQUAL(dst[262152], 0x11 + (262152 - 5) % 8, "after the short fill");

	/* compare: equal, then different at a known offset */
	memcpy(dst, src, len);
	TEST_ASSERT_RET(run_job(SVA_EMU_OP_COMPARE, (uintptr_t)src, (uintptr_t)dst, len, 0, &c), 0);
	TEST_ASSERT_EQUAL(c.status, SVA_EMU_STATUS_SUCCESS, "compare");
	TEST_ASSERT_EQUAL(c.result, 0, "equal");
	dst[300001] ^= 1;
	TEST_ASSERT_RET(run_job(SVA_EMU_OP_COMPARE, (uintptr_t)src, (uintptr_t)dst, len, 0, &c), 0);
	TEST_ASSERT_EQUAL(c.result, 1, "different");
	TEST_ASSERT_EQUAL(c.bytes_done, 300001, "offset of the difference");
	TEST_ASSERT_EQUAL(counters().page_reqs, 0, "still no page request");
	free(src);
	free(dst);
	return TEST_SUCCESS;
}
BOTH(present_ops)

/* ---- jobs on untouched memory, answered by the responder ---- */

static int
untouched_copy(const char *walk)
{
	const size_t len = 4u << 20;
	uint8_t *src, *dst;
	struct sva_emu_comp c;
	struct sva_emu_counters k;
	char extra[32];

	snprintf(extra, sizeof(extra), "walk=%s", walk);
	TEST_ASSERT_SUCCESS(fixture_open(extra, "prg_window=32"), "open");
	TEST_ASSERT_EQUAL(posix_memalign((void **)&src, PG, len), 0, "malloc");
	madvise(src, len, MADV_NOHUGEPAGE);
	/* malloc may hand back memory touched before: drop it, so it is untouched now */
	TEST_ASSERT_EQUAL(madvise(src, len, MADV_DONTNEED), 0, "MADV_DONTNEED");
	dst = map_untouched(len);
	TEST_ASSERT_NOT_NULL(dst, "mmap");
	/* every other page of the source has data; the rest was never touched */
	for (size_t p = 0; p < len / PG; p += 2)
		memset(src + p * PG, (int)(p & 0xff) | 1, PG);
	TEST_ASSERT_SUCCESS(responder_start(iommu, RESP_POPULATE), "responder");

	TEST_ASSERT_RET(run_job(SVA_EMU_OP_COPY, (uintptr_t)src, (uintptr_t)dst, len, 0, &c), 0);
	TEST_ASSERT_EQUAL(c.status, SVA_EMU_STATUS_SUCCESS, "copy");
	TEST_ASSERT_EQUAL(c.bytes_done, len, "bytes");
	for (size_t p = 0; p < len / PG; p++)
		TEST_ASSERT_BUFFERS_EQUAL(src + p * PG, dst + p * PG, PG, "page %zu", p);
	responder_stop();
	k = counters();
	/* every destination page and every untouched source page, each once */
	TEST_ASSERT_EQUAL(k.page_reqs, len / PG + len / PG / 2, "page requests");
	TEST_ASSERT_EQUAL(c.page_reqs, k.page_reqs, "this job's requests");
	TEST_ASSERT_EQUAL(k.page_reqs, rsp.reqs, "the responder saw them all");
	TEST_ASSERT_GREATER_EQ(k.groups, k.page_reqs / 32, "groups of at most 32");
	TEST_ASSERT_EQUAL(k.groups, rsp.groups, "groups");
	TEST_ASSERT_EQUAL(k.resp_success, k.groups, "every group answered once");
	TEST_ASSERT_EQUAL(k.groups_outstanding, 0, "none outstanding");
	TEST_ASSERT_EQUAL(k.resp_duplicate, 0, "no duplicate");
	TEST_ASSERT_EQUAL(k.resp_unknown_group, 0, "no unknown group");
	TEST_ASSERT_EQUAL(k.success_not_present, 0, "every Success made its pages present");
	TEST_ASSERT_EQUAL(k.model.prq_written, k.page_reqs, "model: written");
	TEST_ASSERT_EQUAL(k.model.prq_read, k.page_reqs, "model: read");
	TEST_ASSERT_EQUAL(k.model.resp_read, k.groups, "model: responses read");
	TEST_ASSERT_EQUAL(k.jobs_ok, 1, "job");
	{
		uint64_t sum = 0;

		for (unsigned int b = 0; b < SVA_EMU_WAIT_HIST_BUCKETS; b++)
			sum += k.group_wait_hist[b];
		TEST_ASSERT_EQUAL(sum, k.groups, "every answered group in the latency histogram");
		TEST_ASSERT_GREATER(k.group_wait_ns_total, 0, "latency total");
		TEST_ASSERT_LESS_EQ(k.group_wait_ns_max, k.group_wait_ns_total, "max <= total");
	}
	free(src);
	munmap(dst, len);
	return TEST_SUCCESS;
}

static int untouched_copy_scan_one(void) { return untouched_copy("auto"); }
static int untouched_copy_pagemap_one(void) { return untouched_copy("pagemap"); }
BOTH(untouched_copy_scan)
BOTH(untouched_copy_pagemap)

static int
readonly_dst_one(void)
{
	const size_t len = 8 * PG;
	uint8_t *src = malloc(len), *dst = map_untouched(len);
	struct sva_emu_comp c;
	struct sva_emu_counters k;

	TEST_ASSERT_SUCCESS(fixture_open("", "prg_window=16"), "open");
	TEST_ASSERT(src != NULL && dst != NULL, "memory");
	memset(src, 0xa5, len);
	TEST_ASSERT_EQUAL(mprotect(dst + 4 * PG, 4 * PG, PROT_READ), 0, "mprotect");
	TEST_ASSERT_SUCCESS(responder_start(iommu, RESP_POPULATE), "responder");
	TEST_ASSERT_RET(run_job(SVA_EMU_OP_COPY, (uintptr_t)src, (uintptr_t)dst, len, 0, &c), 0);
	TEST_ASSERT_EQUAL(c.status, SVA_EMU_STATUS_PAGE_FAULT, "Invalid: a partial completion");
	TEST_ASSERT_EQUAL(c.fault_addr, (uintptr_t)dst + 4 * PG, "the first read-only page");
	TEST_ASSERT_EQUAL(c.fault_perm, SVA_FAULT_PERM_WRITE, "a write");
	TEST_ASSERT_EQUAL(c.bytes_done, 4 * PG, "the writable pages were done");
	TEST_ASSERT_BUFFERS_EQUAL(src, dst, 4 * PG, "done part");
	responder_stop();
	k = counters();
	TEST_ASSERT_EQUAL(k.jobs_partial, 1, "partial");
	TEST_ASSERT_EQUAL(k.resp_invalid, 2, "the window, then the page alone");
	TEST_ASSERT_EQUAL(k.groups_outstanding, 0, "outstanding");
	free(src);
	munmap(dst, len);
	return TEST_SUCCESS;
}
BOTH(readonly_dst)

/* Present and not the zero page, but the mapping is read-only: the walk cannot see
 * the VMA's permission, process_vm_writev refuses, and that becomes a write request. */
static int
readonly_present_dst_one(void)
{
	uint8_t *src = malloc(2 * PG), *dst = map_untouched(2 * PG);
	struct sva_emu_comp c;
	struct sva_emu_counters k;

	TEST_ASSERT_SUCCESS(fixture_open("", ""), "open");
	TEST_ASSERT(src != NULL && dst != NULL, "memory");
	memset(src, 0x11, 2 * PG);
	memset(dst, 0x22, 2 * PG);
	TEST_ASSERT_EQUAL(mprotect(dst + PG, PG, PROT_READ), 0, "mprotect");
	TEST_ASSERT_SUCCESS(responder_start(iommu, RESP_POPULATE), "responder");
	TEST_ASSERT_RET(run_job(SVA_EMU_OP_COPY, (uintptr_t)src, (uintptr_t)dst, 2 * PG, 0, &c), 0);
	responder_stop();
	TEST_ASSERT_EQUAL(c.status, SVA_EMU_STATUS_PAGE_FAULT, "Invalid");
	TEST_ASSERT_EQUAL(c.fault_addr, (uintptr_t)dst + PG, "the read-only page");
	TEST_ASSERT_EQUAL(c.fault_perm, SVA_FAULT_PERM_WRITE, "a write");
	TEST_ASSERT_EQUAL(c.bytes_done, PG, "the first page was done");
	TEST_ASSERT_EQUAL(dst[0], 0x11, "copied");
	TEST_ASSERT_EQUAL(dst[PG], 0x22, "untouched");
	k = counters();
	TEST_ASSERT_GREATER_EQ(k.access_faults, 1, "the refused access");
	TEST_ASSERT_EQUAL(k.page_reqs, 1, "one write request for it");
	TEST_ASSERT_EQUAL(k.resp_invalid, 1, "answered Invalid");
	free(src);
	munmap(dst, 2 * PG);
	return TEST_SUCCESS;
}
BOTH(readonly_present_dst)

static int
unmap_mid_job_one(void)
{
	const size_t len = 2u << 20;
	uint8_t *src = map_untouched(len), *dst = malloc(len);
	struct sva_emu_comp c;
	struct sva_fault ev[4];
	struct sva_emu_counters k;

	TEST_ASSERT_SUCCESS(fixture_open("", "prg_window=8"), "open");
	TEST_ASSERT(src != NULL && dst != NULL, "memory");
	memset(dst, 0, len);
	/* the first page request makes the second half of the source vanish */
	TEST_ASSERT_SUCCESS(responder_start(iommu, RESP_UNMAP_FIRST), "responder");
	rsp.unmap_addr = src + len / 2;
	rsp.unmap_len = len / 2;
	TEST_ASSERT_RET(run_job(SVA_EMU_OP_COPY, (uintptr_t)src, (uintptr_t)dst, len, 0, &c), 0);
	responder_stop();
	TEST_ASSERT_EQUAL(c.status, SVA_EMU_STATUS_UNRECOVERABLE, "outside every mapping");
	TEST_ASSERT_EQUAL(c.fault_addr, (uintptr_t)src + len / 2, "where the mapping ends");
	TEST_ASSERT_EQUAL(c.fault_perm, SVA_FAULT_PERM_READ, "a read");
	TEST_ASSERT_EQUAL(c.bytes_done, len / 2, "the first half was done");
	TEST_ASSERT_EQUAL(sva_iommu_evtq_read(iommu, ev, RTE_DIM(ev)), 1, "one event");
	TEST_ASSERT_EQUAL(ev[0].type, SVA_FAULT_UNRECOV, "type");
	TEST_ASSERT_EQUAL(ev[0].event.reason, SVA_FAULT_REASON_TRANSLATION, "reason");
	TEST_ASSERT_EQUAL(ev[0].event.addr & ~(uint64_t)(PG - 1), (uintptr_t)src + len / 2,
		"address");
	TEST_ASSERT_EQUAL(ev[0].event.pasid, 5, "PASID");
	TEST_ASSERT_EQUAL(ev[0].event.dev_id, 0x10, "dev");
	TEST_ASSERT_EQUAL(ev[0].event.hw_event, strcmp(cur_model, "vtd") == 0 ? 0x71 : 0x10,
		"VT-d first-level entry not present / SMMUv3 F_TRANSLATION");
	k = counters();
	TEST_ASSERT_EQUAL(k.events, 1, "counted");
	TEST_ASSERT_EQUAL(k.groups_outstanding, 0, "outstanding");
	munmap(src, len / 2);
	free(dst);
	return TEST_SUCCESS;
}
BOTH(unmap_mid_job)

static int
unattached_pasid_one(void)
{
	uint8_t *buf = malloc(PG);
	struct sva_emu_desc d = { .op = SVA_EMU_OP_FILL, .flags = SVA_EMU_DESC_PASID_VALID,
		.pasid = 9, .len = PG };
	struct sva_emu_comp c;
	struct sva_fault ev[2];

	TEST_ASSERT_SUCCESS(fixture_open("", ""), "open");
	TEST_ASSERT_NOT_NULL(buf, "malloc");
	memset(buf, 0, PG);
	d.dst = (uintptr_t)buf;
	TEST_ASSERT_RET(sva_emu_submit(dev, &d, &c), 0);
	TEST_ASSERT_RET(sva_emu_wait(dev, &c, WAIT_US), 0);
	TEST_ASSERT_EQUAL(c.status, SVA_EMU_STATUS_UNRECOVERABLE, "PASID 9 has no page table");
	TEST_ASSERT_EQUAL(sva_iommu_evtq_read(iommu, ev, RTE_DIM(ev)), 1, "one event");
	TEST_ASSERT_EQUAL(ev[0].event.reason, SVA_FAULT_REASON_PASID_INVALID, "reason");
	TEST_ASSERT_EQUAL(ev[0].event.pasid, 9, "PASID");
	/* requests on the RID: none attached either */
	d.flags = 0;
	TEST_ASSERT_RET(sva_emu_submit(dev, &d, &c), 0);
	TEST_ASSERT_RET(sva_emu_wait(dev, &c, WAIT_US), 0);
	TEST_ASSERT_EQUAL(c.status, SVA_EMU_STATUS_UNRECOVERABLE, "no RID page table");
	TEST_ASSERT_RET(sva_dev_attach_rid(dev, &mm), 0);
	TEST_ASSERT_RET(sva_emu_submit(dev, &d, &c), 0);
	TEST_ASSERT_RET(sva_emu_wait(dev, &c, WAIT_US), 0);
	TEST_ASSERT_EQUAL(c.status, SVA_EMU_STATUS_SUCCESS, "RID attached");
	TEST_ASSERT_EQUAL(counters().events, 2, "events");
	free(buf);
	return TEST_SUCCESS;
}
BOTH(unattached_pasid)

static int
failure_disables_pri_one(void)
{
	uint8_t *buf = map_untouched(2 * PG);
	struct sva_emu_comp c;

	TEST_ASSERT_SUCCESS(fixture_open("", "prg_window=1"), "open");
	TEST_ASSERT_NOT_NULL(buf, "map");
	TEST_ASSERT_SUCCESS(responder_start(iommu, RESP_FAILURE), "responder");
	TEST_ASSERT_RET(run_job(SVA_EMU_OP_FILL, 0, (uintptr_t)buf, PG, 1, &c), 0);
	TEST_ASSERT_EQUAL(c.status, SVA_EMU_STATUS_PRI_FAILURE, "Failure");
	TEST_ASSERT_RET(sva_emu_dev_pri_enabled(dev), 0);
	TEST_ASSERT_RET(run_job(SVA_EMU_OP_FILL, 0, (uintptr_t)buf + PG, PG, 1, &c), 0);
	TEST_ASSERT_EQUAL(c.status, SVA_EMU_STATUS_PRI_DISABLED, "fails fast");
	TEST_ASSERT_EQUAL(c.page_reqs, 0, "without a page request");
	TEST_ASSERT_EQUAL(counters().pri_failures, 1, "counted");
	responder_stop();
	TEST_ASSERT_SUCCESS(responder_start(iommu, RESP_POPULATE), "responder");
	TEST_ASSERT_RET(sva_emu_dev_reset(dev), 0);
	TEST_ASSERT_RET(sva_emu_dev_pri_enabled(dev), 1);
	TEST_ASSERT_RET(run_job(SVA_EMU_OP_FILL, 0, (uintptr_t)buf + PG, PG, 1, &c), 0);
	TEST_ASSERT_EQUAL(c.status, SVA_EMU_STATUS_SUCCESS, "after reset");
	munmap(buf, 2 * PG);
	return TEST_SUCCESS;
}
BOTH(failure_disables_pri)

static int
success_not_present_one(void)
{
	uint8_t *buf = map_untouched(PG);
	struct sva_emu_comp c;
	struct sva_emu_counters k;

	TEST_ASSERT_SUCCESS(fixture_open("", "prg_window=1"), "open");
	TEST_ASSERT_NOT_NULL(buf, "map");
	TEST_ASSERT_SUCCESS(responder_start(iommu, RESP_SUCCESS_ONLY), "responder");
	TEST_ASSERT_RET(run_job(SVA_EMU_OP_FILL, 0, (uintptr_t)buf, PG, 1, &c), 0);
	responder_stop();
	TEST_ASSERT_EQUAL(c.status, SVA_EMU_STATUS_PROTOCOL, "Success, still not present");
	TEST_ASSERT_EQUAL(c.fault_addr, (uintptr_t)buf, "address");
	k = counters();
	TEST_ASSERT_EQUAL(k.success_not_present, 4, "counted each time (3 retries)");
	TEST_ASSERT_EQUAL(k.groups, 4, "asked 4 times");
	munmap(buf, PG);
	return TEST_SUCCESS;
}
BOTH(success_not_present)

static int
late_and_unknown_responses_one(void)
{
	uint8_t *buf = map_untouched(PG);
	struct sva_emu_comp c;
	struct sva_fault f[4];
	struct sva_page_response r = { .argsz = sizeof(r), .flags = SVA_PAGE_RESP_PASID_VALID,
		.dev_id = 0x10, .pasid = 5 };
	struct sva_emu_counters k;

	TEST_ASSERT_SUCCESS(fixture_open("", "prg_window=1,timeout_ms=20"), "open");
	TEST_ASSERT_NOT_NULL(buf, "map");
	TEST_ASSERT_RET(run_job(SVA_EMU_OP_FILL, 0, (uintptr_t)buf, PG, 1, &c), 0);
	TEST_ASSERT_EQUAL(c.status, SVA_EMU_STATUS_TIMEOUT, "nobody answered");
	TEST_ASSERT_EQUAL(sva_iommu_prq_read(iommu, f, RTE_DIM(f)), 1, "the request");
	r.grpid = f[0].prm.grpid;
	TEST_ASSERT_RET(sva_iommu_page_response(iommu, &r, 1), 1);   /* late */
	r.grpid = (r.grpid + 100) % 512;
	TEST_ASSERT_RET(sva_iommu_page_response(iommu, &r, 1), 1);   /* never sent */
	r.dev_id = 0x99;
	TEST_ASSERT_RET(sva_iommu_page_response(iommu, &r, 1), 1);   /* no such dev */
	k = counters();   /* reading the counters drains the response queue */
	TEST_ASSERT_EQUAL(k.group_timeouts, 1, "timeout");
	TEST_ASSERT_EQUAL(k.resp_late, 1, "late");
	TEST_ASSERT_EQUAL(k.resp_unknown_group, 2, "unknown");
	TEST_ASSERT_EQUAL(k.resp_success, 0, "none counted as an answer");
	TEST_ASSERT_EQUAL(k.groups_outstanding, 0, "outstanding");
	munmap(buf, PG);
	return TEST_SUCCESS;
}
BOTH(late_and_unknown_responses)

/* Two devs behind one iommu, one on a PASID and one on its RID, faulting at once:
 * requests and responses of both share the queues and reach the right dev. */
struct dev_job {
	struct sva_dev *dev;
	struct sva_emu_desc desc;
	struct sva_emu_comp comp;
	int ret;
};

static void *
dev_job_thread(void *arg)
{
	struct dev_job *j = arg;

	j->ret = sva_emu_submit(j->dev, &j->desc, &j->comp);
	if (j->ret == 0)
		j->ret = sva_emu_wait(j->dev, &j->comp, WAIT_US);
	return NULL;
}

static int
two_devs_one_iommu_one(void)
{
	const size_t len = 1u << 20;
	uint8_t *a = map_untouched(len), *b = map_untouched(len);
	struct dev_job j[2];
	pthread_t t;
	struct sva_dev *d2;
	struct sva_emu_counters k;

	TEST_ASSERT_SUCCESS(fixture_open("", "rid=0x10,prg_window=16"), "open");
	TEST_ASSERT(a != NULL && b != NULL, "map");
	d2 = sva_dev_open(iommu, "rid=0x20,prg_window=8");
	TEST_ASSERT_NOT_NULL(d2, "second dev");
	TEST_ASSERT_RET(sva_dev_attach_rid(d2, &mm), 0);
	TEST_ASSERT_SUCCESS(responder_start(iommu, RESP_POPULATE), "responder");
	j[0] = (struct dev_job){ .dev = dev, .desc = { .op = SVA_EMU_OP_FILL,
		.flags = SVA_EMU_DESC_PASID_VALID, .pasid = 5, .dst = (uintptr_t)a, .len = len,
		.pattern = 0x1111111111111111ull } };
	j[1] = (struct dev_job){ .dev = d2, .desc = { .op = SVA_EMU_OP_FILL,
		.dst = (uintptr_t)b, .len = len, .pattern = 0x2222222222222222ull } };
	TEST_ASSERT_EQUAL(pthread_create(&t, NULL, dev_job_thread, &j[1]), 0, "thread");
	dev_job_thread(&j[0]);
	pthread_join(t, NULL);
	responder_stop();
	sva_dev_close(d2);
	for (int i = 0; i < 2; i++) {
		TEST_ASSERT_RET(j[i].ret, 0);
		TEST_ASSERT_EQUAL(j[i].comp.status, SVA_EMU_STATUS_SUCCESS, "dev %d", i);
	}
	for (size_t i = 0; i < len; i += 4093) {
		TEST_ASSERT_EQUAL(a[i], 0x11, "PASID dev's data at %zu", i);
		TEST_ASSERT_EQUAL(b[i], 0x22, "RID dev's data at %zu", i);
	}
	k = counters();
	TEST_ASSERT_EQUAL(k.page_reqs, 2 * len / PG, "every page of both");
	TEST_ASSERT_EQUAL(k.resp_success, k.groups, "every group answered once");
	TEST_ASSERT_EQUAL(k.resp_unknown_group + k.resp_duplicate, 0, "none misrouted");
	TEST_ASSERT_EQUAL(k.groups_outstanding, 0, "outstanding");
	munmap(a, len);
	munmap(b, len);
	return TEST_SUCCESS;
}
BOTH(two_devs_one_iommu)

static int
close_aborts_one(void)
{
	uint8_t *buf = map_untouched(PG);
	struct sva_emu_desc d = { .op = SVA_EMU_OP_FILL, .flags = SVA_EMU_DESC_PASID_VALID,
		.pasid = 5, .len = PG };
	struct sva_emu_comp c1, c2;

	TEST_ASSERT_SUCCESS(fixture_open("", "timeout_ms=600000"), "open");
	TEST_ASSERT_NOT_NULL(buf, "map");
	d.dst = (uintptr_t)buf;
	TEST_ASSERT_RET(sva_emu_submit(dev, &d, &c1), 0);   /* waits for a response */
	TEST_ASSERT_RET(sva_emu_submit(dev, &d, &c2), 0);   /* queued behind it */
	TEST_ASSERT_RET(sva_emu_wait(dev, &c1, 1000), -ETIMEDOUT);
	/* Close only once the device really waits for its answer (on a slow guest the
	 * job may not have started within the second above; closing a job that has not
	 * sent its request detaches its PASID under it: unrecoverable, not aborted). */
	for (unsigned int i = 0; i < 2000 && counters().groups_outstanding == 0; i++)
		rte_delay_us_sleep(10000);
	TEST_ASSERT_EQUAL(counters().groups_outstanding, 1, "c1's group sent and unanswered");
	sva_dev_close(dev);   /* returns: the device gives up its wait */
	dev = NULL;
	TEST_ASSERT_EQUAL(c1.status, SVA_EMU_STATUS_ABORTED, "in flight");
	TEST_ASSERT_EQUAL(c2.status, SVA_EMU_STATUS_ABORTED, "queued");
	TEST_ASSERT_EQUAL(counters().groups_outstanding, 0, "outstanding");
	munmap(buf, PG);
	return TEST_SUCCESS;
}
BOTH(close_aborts)

/* ---- fault injection ---- */

static int
inject_drop_one(void)
{
	uint8_t *buf = map_untouched(4 * PG);
	struct sva_emu_comp c;
	struct sva_emu_counters k;

	/* one group in flight: the dropped one is the second group sent */
	TEST_ASSERT_SUCCESS(fixture_open("inject_drop_every=2",
		"prg_window=1,pr_depth=1,timeout_ms=1000"), "open");
	TEST_ASSERT_NOT_NULL(buf, "map");
	TEST_ASSERT_SUCCESS(responder_start(iommu, RESP_POPULATE), "responder");
	TEST_ASSERT_RET(run_job(SVA_EMU_OP_FILL, 0, (uintptr_t)buf, 4 * PG, 1, &c), 0);
	responder_stop();
	TEST_ASSERT_EQUAL(c.status, SVA_EMU_STATUS_TIMEOUT, "the dropped request's group");
	TEST_ASSERT_EQUAL(c.fault_addr, (uintptr_t)buf + PG, "second page");
	TEST_ASSERT_EQUAL(c.bytes_done, PG, "first page done");
	k = counters();
	TEST_ASSERT_EQUAL(k.inj_drops, 1, "dropped");
	TEST_ASSERT_EQUAL(k.group_timeouts, 1, "timed out");
	TEST_ASSERT_EQUAL(k.groups, 2, "groups");
	TEST_ASSERT_EQUAL(k.resp_success, 1, "answered");
	TEST_ASSERT_EQUAL(k.model.prq_written, 1, "only one reached the queue");
	TEST_ASSERT_EQUAL(k.groups_outstanding, 0, "outstanding");
	fixture_close();

	/* a rate of one million per million drops every entry */
	TEST_ASSERT_SUCCESS(fixture_open("inject_drop_ppm=1000000,inject_seed=7",
		"prg_window=1,timeout_ms=20"), "open");
	TEST_ASSERT_RET(run_job(SVA_EMU_OP_FILL, 0, (uintptr_t)buf + 2 * PG, PG, 1, &c), 0);
	TEST_ASSERT_EQUAL(c.status, SVA_EMU_STATUS_TIMEOUT, "dropped");
	k = counters();
	TEST_ASSERT_EQUAL(k.inj_drops, 1, "dropped by rate");
	TEST_ASSERT_EQUAL(k.model.prq_written, 0, "nothing reached the queue");
	munmap(buf, 4 * PG);
	return TEST_SUCCESS;
}
BOTH(inject_drop)

static int
inject_dup_one(void)
{
	uint8_t *buf = map_untouched(PG);
	struct sva_emu_comp c;
	struct sva_emu_counters k;

	TEST_ASSERT_SUCCESS(fixture_open("inject_dup_every=1", "prg_window=1"), "open");
	TEST_ASSERT_NOT_NULL(buf, "map");
	TEST_ASSERT_SUCCESS(responder_start(iommu, RESP_POPULATE), "responder");
	TEST_ASSERT_RET(run_job(SVA_EMU_OP_FILL, 0, (uintptr_t)buf, PG, 1, &c), 0);
	TEST_ASSERT_EQUAL(c.status, SVA_EMU_STATUS_SUCCESS, "the first answer is enough");
	TEST_ASSERT(wait_for(&rsp.responses, 2), "the responder answered both copies");
	responder_stop();
	k = counters();
	TEST_ASSERT_EQUAL(k.inj_dups, 1, "duplicated");
	TEST_ASSERT_EQUAL(k.model.prq_written, 2, "twice in the queue");
	TEST_ASSERT_EQUAL(k.resp_success, 1, "one answer");
	TEST_ASSERT_EQUAL(k.resp_duplicate, 1, "one duplicate");
	munmap(buf, PG);
	return TEST_SUCCESS;
}
BOTH(inject_dup)

static int
inject_corrupt_one(void)
{
	uint8_t *buf = map_untouched(PG);
	struct sva_emu_comp c;
	struct sva_emu_counters k;

	TEST_ASSERT_SUCCESS(fixture_open("inject_corrupt_every=1", "prg_window=1,timeout_ms=50"),
		"open");
	TEST_ASSERT_NOT_NULL(buf, "map");
	TEST_ASSERT_SUCCESS(responder_start(iommu, RESP_POPULATE), "responder");
	TEST_ASSERT_RET(run_job(SVA_EMU_OP_FILL, 0, (uintptr_t)buf, PG, 1, &c), 0);
	responder_stop();
	TEST_ASSERT_EQUAL(c.status, SVA_EMU_STATUS_TIMEOUT, "the corrupt request is lost");
	TEST_ASSERT_EQUAL(c.bytes_done, 0, "nothing done");
	k = counters();
	TEST_ASSERT_EQUAL(k.inj_corrupt, 1, "corrupted");
	TEST_ASSERT_EQUAL(k.model.prq_malformed, 1, "the decoder refused it");
	TEST_ASSERT_EQUAL(rsp.reqs, 0, "the responder never saw it");
	TEST_ASSERT_EQUAL(k.group_timeouts, 1, "timed out");
	munmap(buf, PG);
	return TEST_SUCCESS;
}
BOTH(inject_corrupt)

static int
inject_overflow_one(void)
{
	uint8_t *buf = map_untouched(PG);
	struct sva_emu_comp c;
	struct sva_emu_counters k;

	TEST_ASSERT_SUCCESS(fixture_open("inject_overflow_every=1", "prg_window=1"),
		"open");
	TEST_ASSERT_NOT_NULL(buf, "map");
	TEST_ASSERT_SUCCESS(responder_start(iommu, RESP_POPULATE), "responder");
	TEST_ASSERT_RET(run_job(SVA_EMU_OP_FILL, 0, (uintptr_t)buf, PG, 1, &c), 0);
	/* the overflow is raised after the request was queued: it survives */
	TEST_ASSERT_EQUAL(c.status, SVA_EMU_STATUS_SUCCESS, "answered");
	TEST_ASSERT(wait_for(&rsp.overflows, 1), "the responder read the overflow");
	responder_stop();
	k = counters();
	TEST_ASSERT_EQUAL(k.inj_overflows, 1, "forced");
	TEST_ASSERT_GREATER_EQ(k.model.prq_overflows, 1, "the model raised it");
	TEST_ASSERT_EQUAL(rsp.overflows, 1, "one overflow record");
	TEST_ASSERT_EQUAL(rsp.reqs, 1, "and the request before it");
	munmap(buf, PG);
	return TEST_SUCCESS;
}
BOTH(inject_overflow)

static int
inject_stop_marker_one(void)
{
	uint8_t *buf = map_untouched(2 * PG);
	struct sva_emu_comp c;
	struct sva_emu_counters k;

	TEST_ASSERT_SUCCESS(fixture_open("inject_stop_every=1,dev_delay_us=500", "prg_window=1"), "open");
	TEST_ASSERT_NOT_NULL(buf, "map");
	TEST_ASSERT_SUCCESS(responder_start(iommu, RESP_POPULATE), "responder");
	TEST_ASSERT_RET(run_job(SVA_EMU_OP_FILL, 0, (uintptr_t)buf, 2 * PG, 1, &c), 0);
	TEST_ASSERT_EQUAL(c.status, SVA_EMU_STATUS_SUCCESS, "stop markers do not disturb jobs");
	TEST_ASSERT(wait_for(&rsp.stop_markers, 2), "the responder saw both markers");
	responder_stop();
	k = counters();
	TEST_ASSERT_EQUAL(k.inj_stop_markers, 2, "one per answered group");
	TEST_ASSERT_EQUAL(rsp.responses, 2, "markers are not answered");
	TEST_ASSERT_EQUAL(k.resp_unknown_group, 0, "no stray response");
	munmap(buf, 2 * PG);
	return TEST_SUCCESS;
}
BOTH(inject_stop_marker)

static int
hugetlb_dst_one(void)
{
	const size_t len = 4u << 20;
	uint8_t *src = malloc(len);
	uint8_t *dst = mmap(NULL, len, PROT_READ | PROT_WRITE,
		MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB, -1, 0);
	struct sva_emu_comp c;

	if (dst == MAP_FAILED) {
		free(src);
		TEST_SKIP("no free 2 MiB hugepages (%s)", strerror(errno));
	}
	/* one request per group: the first makes the whole 2 MiB page present */
	TEST_ASSERT_SUCCESS(fixture_open("", "prg_window=1"), "open");
	TEST_ASSERT_NOT_NULL(src, "malloc");
	memset(src, 0x3c, len);
	TEST_ASSERT_SUCCESS(responder_start(iommu, RESP_POPULATE), "responder");
	TEST_ASSERT_RET(run_job(SVA_EMU_OP_COPY, (uintptr_t)src, (uintptr_t)dst, len, 0, &c), 0);
	responder_stop();
	TEST_ASSERT_EQUAL(c.status, SVA_EMU_STATUS_SUCCESS, "copy");
	TEST_ASSERT_BUFFERS_EQUAL(src, dst, len, "data");
	TEST_ASSERT_EQUAL(counters().page_reqs, 2, "one request per 2 MiB page");
	munmap(dst, len);
	free(src);
	return TEST_SUCCESS;
}
BOTH(hugetlb_dst)

/*
 * A copy between untouched hugetlbfs buffers with the default PRG window and depth:
 * one page request per 2 MiB page of the source and of the destination, never more.
 * The buffers straddle a 1 GiB boundary in address space that had no mapping before:
 * there the kernel has no page table below the 1 GiB entry yet, and PAGEMAP_SCAN
 * reports the not-present huge pages without PAGE_IS_HUGE (the walker then asks the
 * VMA's page size), and the read-ahead walks the far side before any response.
 */
static uint8_t *
map_hugetlb_fresh(size_t len, size_t below)
{
	const uint64_t gib = UINT64_C(1) << 30;
	uint8_t *res = mmap(NULL, 3 * gib, PROT_NONE,
		MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	uint8_t *p;
	uint64_t b;

	if (res == MAP_FAILED)
		return MAP_FAILED;
	b = RTE_ALIGN_CEIL((uint64_t)(uintptr_t)res + below, gib);
	munmap(res, 3 * gib);
	p = mmap((void *)(uintptr_t)(b - below), len, PROT_READ | PROT_WRITE,
		MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB | MAP_FIXED_NOREPLACE, -1, 0);
	if (p == MAP_FAILED && errno == EEXIST)   /* taken meanwhile: anywhere will do */
		p = mmap(NULL, len, PROT_READ | PROT_WRITE,
			MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB, -1, 0);
	return p;
}

static int
hugetlb_copy_one(void)
{
	const size_t huge = 2u << 20, len = 4 * huge;
	uint8_t *buf = map_hugetlb_fresh(2 * len, 3 * huge), *src, *dst;
	struct sva_emu_comp c;
	struct sva_emu_counters k;
	int zero = 1;

	if (buf == MAP_FAILED)
		TEST_SKIP("needs 8 free 2 MiB hugepages (%s): hugeadm --pool-pages-min 2MB:64",
			strerror(errno));
	src = buf;          /* 3 huge pages below the 1 GiB boundary, 1 above */
	dst = buf + len;    /* 4 above */
	TEST_ASSERT_SUCCESS(fixture_open("", ""), "open (default prg_window and pr_depth)");
	TEST_ASSERT_SUCCESS(responder_start(iommu, RESP_POPULATE), "responder");
	TEST_ASSERT_RET(run_job(SVA_EMU_OP_COPY, (uintptr_t)src, (uintptr_t)dst, len, 0, &c), 0);
	responder_stop();
	TEST_ASSERT_EQUAL(c.status, SVA_EMU_STATUS_SUCCESS, "copy");
	TEST_ASSERT_EQUAL(c.bytes_done, len, "bytes");
	for (size_t i = 0; i < len; i += PG)
		zero &= dst[i] == 0 && dst[i + PG - 1] == 0;
	TEST_ASSERT_EQUAL(zero, 1, "the destination holds the untouched source's zeros");
	k = counters();
	TEST_ASSERT_EQUAL(k.page_reqs, 2 * len / huge, "one request per 2 MiB page, src + dst");
	TEST_ASSERT_EQUAL(c.page_reqs, k.page_reqs, "this job's requests");
	TEST_ASSERT_EQUAL(rsp.reqs, k.page_reqs, "the responder saw them all");
	TEST_ASSERT_EQUAL(k.resp_success, k.groups, "every group answered Success once");
	TEST_ASSERT_EQUAL(k.success_not_present, 0, "every Success made its pages present");
	TEST_ASSERT_EQUAL(k.groups_outstanding, 0, "none outstanding");
	TEST_ASSERT_EQUAL(k.jobs_ok, 1, "job");
	munmap(buf, 2 * len);
	return TEST_SUCCESS;
}
BOTH(hugetlb_copy)

/* SVA_EMU_OP_PAGE_REQUEST: every page asked for, present or not, no walk; PASIDs in
 * rotation; the first group in order that is not a Success ends the job. */
static int
page_request_one(void)
{
	const size_t len = 16 * PG;
	uint8_t *buf = map_untouched(len);
	struct sva_emu_desc d = { .op = SVA_EMU_OP_PAGE_REQUEST,
		.flags = SVA_EMU_DESC_PASID_VALID, .pasid = 5 };
	struct sva_emu_counters k0, k;
	struct sva_emu_comp c;
	struct sva_fault ev[2];

	TEST_ASSERT_NOT_NULL(buf, "map");
	memset(buf, 1, len);   /* present: the device asks all the same */
	TEST_ASSERT_SUCCESS(fixture_open("", "prg_window=4"), "open");
	TEST_ASSERT_RET(sva_dev_attach_pasid(dev, 6, &mm), 0);
	/* refusals */
	d.dst = (uintptr_t)buf;
	d.len = len;
	d.pr_inflight = 513;
	TEST_ASSERT_RET(sva_emu_submit(dev, &d, &c), -EINVAL);
	d.pr_inflight = 0;
	d.flags = 0;
	d.pr_pasids = 2;
	TEST_ASSERT_RET(sva_emu_submit(dev, &d, &c), -EINVAL);
	d.flags = SVA_EMU_DESC_PASID_VALID;
	d.pasid = 0xffff;
	TEST_ASSERT_RET(sva_emu_submit(dev, &d, &c), -EINVAL);
	d.pasid = 5;

	TEST_ASSERT_SUCCESS(responder_start(iommu, RESP_POPULATE), "responder");
	k0 = counters();
	/* 16 pages (the last one partly covered), groups of 4 alternating PASIDs 5 and 6 */
	d.len = len - 100;
	TEST_ASSERT_RET(sva_emu_submit(dev, &d, &c), 0);
	TEST_ASSERT_RET(sva_emu_wait(dev, &c, WAIT_US), 0);
	TEST_ASSERT_EQUAL(c.status, SVA_EMU_STATUS_SUCCESS, "every group Success");
	TEST_ASSERT_EQUAL(c.page_reqs, 16, "every page asked for");
	TEST_ASSERT_EQUAL(c.bytes_done, len - 100, "bytes");
	TEST_ASSERT(wait_for(&rsp.groups, 4), "responder saw 4 groups");
	k = counters();
	TEST_ASSERT_EQUAL(k.page_reqs - k0.page_reqs, 16, "page requests");
	TEST_ASSERT_EQUAL(k.groups - k0.groups, 4, "groups of prg_window pages");
	TEST_ASSERT_EQUAL(k.resp_success - k0.resp_success, 4, "answered");
	TEST_ASSERT_EQUAL(k.walks, k0.walks, "no walk");
	TEST_ASSERT_EQUAL(k.groups_outstanding, 0, "none outstanding");
	TEST_ASSERT_EQUAL(rsp.reqs, 16, "the responder saw every request");

	/* one at a time: the same requests */
	d.pr_inflight = 1;
	TEST_ASSERT_RET(sva_emu_submit(dev, &d, &c), 0);
	TEST_ASSERT_RET(sva_emu_wait(dev, &c, WAIT_US), 0);
	TEST_ASSERT_EQUAL(c.status, SVA_EMU_STATUS_SUCCESS, "in flight 1");
	TEST_ASSERT_EQUAL(c.page_reqs, 16, "every page");

	/* PASID 7 in the rotation is not attached: nothing is sent, an event says why */
	d.pr_pasids = 3;
	TEST_ASSERT_RET(sva_emu_submit(dev, &d, &c), 0);
	TEST_ASSERT_RET(sva_emu_wait(dev, &c, WAIT_US), 0);
	TEST_ASSERT_EQUAL(c.status, SVA_EMU_STATUS_UNRECOVERABLE, "PASID 7 unattached");
	TEST_ASSERT_EQUAL(c.page_reqs, 0, "nothing sent");
	TEST_ASSERT_EQUAL(sva_iommu_evtq_read(iommu, ev, RTE_DIM(ev)), 1, "one event");
	TEST_ASSERT_EQUAL(ev[0].event.pasid, 7, "for PASID 7");
	TEST_ASSERT_EQUAL(ev[0].event.reason, SVA_FAULT_REASON_PASID_INVALID, "reason");

	/* the second group cannot be made writable: Invalid ends the job there */
	TEST_ASSERT_SUCCESS(mprotect(buf + 4 * PG, 4 * PG, PROT_READ), "mprotect");
	d.pr_pasids = 0;
	d.pr_inflight = 1;
	d.len = 12 * PG;
	TEST_ASSERT_RET(sva_emu_submit(dev, &d, &c), 0);
	TEST_ASSERT_RET(sva_emu_wait(dev, &c, WAIT_US), 0);
	TEST_ASSERT_EQUAL(c.status, SVA_EMU_STATUS_PAGE_FAULT, "Invalid");
	TEST_ASSERT_EQUAL(c.fault_addr, (uintptr_t)buf + 4 * PG, "the group's first page");
	TEST_ASSERT_EQUAL(c.fault_perm, SVA_FAULT_PERM_WRITE, "write");
	TEST_ASSERT_EQUAL(c.bytes_done, 4 * PG, "the group before it");
	TEST_ASSERT_EQUAL(c.page_reqs, 8, "no group after it");
	responder_stop();
	TEST_ASSERT_EQUAL(counters().groups_outstanding, 0, "none outstanding");
	munmap(buf, len);
	return TEST_SUCCESS;
}
BOTH(page_request)

/* ---- pipelining: several page-request groups of one job in flight ---- */

static int
pipelined_groups_one(void)
{
	const size_t np = 64, len = np * PG;
	uint8_t *a = map_untouched(len), *src = malloc(len), *dst = map_untouched(len);
	struct sva_emu_comp c;
	struct sva_emu_counters k, k0;

	/* 4 groups of 4 pages in flight; the responder holds its answers until 4 groups
	 * wait, so a device with fewer in flight would be answered only after 200 ms and
	 * never reach 4 outstanding */
	TEST_ASSERT_SUCCESS(fixture_open("", "prg_window=4,pr_depth=4"), "open");
	TEST_ASSERT(a != NULL && src != NULL && dst != NULL, "memory");
	TEST_ASSERT_SUCCESS(responder_start(iommu, RESP_POPULATE), "responder");
	rsp.hold = 4;
	TEST_ASSERT_RET(run_job(SVA_EMU_OP_FILL, 0, (uintptr_t)a, len, 0x5a5a5a5a5a5a5a5aull,
		&c), 0);
	TEST_ASSERT_EQUAL(c.status, SVA_EMU_STATUS_SUCCESS, "fill");
	TEST_ASSERT_EQUAL(c.bytes_done, len, "bytes");
	TEST_ASSERT_EQUAL(c.page_reqs, np, "each page asked for once");
	for (size_t i = 0; i < len; i += 511)
		TEST_ASSERT_EQUAL(a[i], 0x5a, "data at %zu", i);
	k = counters();
	TEST_ASSERT_EQUAL(k.groups, np / 4, "groups of prg_window pages");
	TEST_ASSERT_EQUAL(k.groups_outstanding_max, 4, "pr_depth groups in flight, no more");
	TEST_ASSERT_EQUAL(k.resp_success, k.groups, "every group answered once");
	TEST_ASSERT_EQUAL(k.resp_duplicate + k.resp_unknown_group + k.resp_late, 0, "clean");
	TEST_ASSERT_EQUAL(k.groups_outstanding, 0, "none outstanding");

	/* a copy whose source is present: the whole window goes to the destination */
	memset(src, 0x3c, len);
	k0 = counters();
	TEST_ASSERT_RET(run_job(SVA_EMU_OP_COPY, (uintptr_t)src, (uintptr_t)dst, len, 0, &c), 0);
	TEST_ASSERT_EQUAL(c.status, SVA_EMU_STATUS_SUCCESS, "copy");
	TEST_ASSERT_BUFFERS_EQUAL(src, dst, len, "copied");
	k = counters();
	TEST_ASSERT_EQUAL(c.page_reqs, np, "every destination page once");
	TEST_ASSERT_EQUAL(k.groups - k0.groups, np / 4, "4 destination pages a group");
	TEST_ASSERT_EQUAL(k.groups_outstanding, 0, "none outstanding");
	responder_stop();
	munmap(a, len);
	free(src);
	munmap(dst, len);
	return TEST_SUCCESS;
}
BOTH(pipelined_groups)

static int
pipelined_readonly_one(void)
{
	const size_t np = 64, len = np * PG, bad = 37;
	uint8_t *src = malloc(len), *dst = map_untouched(len);
	uint8_t zero[PG];
	struct sva_emu_comp c;
	struct sva_emu_counters k;

	TEST_ASSERT_SUCCESS(fixture_open("", "prg_window=4,pr_depth=4"), "open");
	TEST_ASSERT(src != NULL && dst != NULL, "memory");
	memset(src, 0xc3, len);
	memset(zero, 0, sizeof(zero));
	TEST_ASSERT_EQUAL(mprotect(dst + bad * PG, PG, PROT_READ), 0, "mprotect");
	TEST_ASSERT_SUCCESS(responder_start(iommu, RESP_POPULATE), "responder");
	rsp.hold = 4;
	TEST_ASSERT_RET(run_job(SVA_EMU_OP_COPY, (uintptr_t)src, (uintptr_t)dst, len, 0, &c), 0);
	responder_stop();
	TEST_ASSERT_EQUAL(c.status, SVA_EMU_STATUS_PAGE_FAULT, "Invalid: a partial completion");
	TEST_ASSERT_EQUAL(c.fault_addr, (uintptr_t)dst + bad * PG, "the read-only page");
	TEST_ASSERT_EQUAL(c.fault_perm, SVA_FAULT_PERM_WRITE, "a write");
	TEST_ASSERT_EQUAL(c.bytes_done, bad * PG, "every page before it, nothing after");
	TEST_ASSERT_BUFFERS_EQUAL(src, dst, bad * PG, "done part");
	/* groups after it were answered (their pages made present), none copied */
	for (size_t p = bad; p < np; p++)
		TEST_ASSERT_BUFFERS_EQUAL(dst + p * PG, zero, PG, "page %zu not written", p);
	k = counters();
	TEST_ASSERT_GREATER(k.groups_outstanding_max, 1, "groups were in flight together");
	TEST_ASSERT_EQUAL(k.resp_invalid, 2, "its window, then the page alone");
	TEST_ASSERT_EQUAL(k.resp_success + k.resp_invalid, k.groups, "each group answered once");
	TEST_ASSERT_EQUAL(k.resp_duplicate + k.resp_unknown_group + k.resp_late, 0, "clean");
	TEST_ASSERT_EQUAL(k.jobs_partial, 1, "partial");
	TEST_ASSERT_EQUAL(k.groups_outstanding, 0, "none outstanding");
	free(src);
	munmap(dst, len);
	return TEST_SUCCESS;
}
BOTH(pipelined_readonly)

static int
emu_dev_setup(void)
{
	if (rte_get_next_lcore(-1, 1, 0) >= RTE_MAX_LCORE)
		TEST_SKIP("needs a worker lcore for the responder (run with -l 0-1)");
	return TEST_SUCCESS;
}

static struct sva_test_suite emu_dev_suite = {
	.name = "emu_dev",
	.setup = emu_dev_setup,
	.cases = {
		SVA_TEST_CASE(devargs_refusals),
		SVA_TEST_CASE(info),
		SVA_TEST_CASE(attach_modes),
		SVA_TEST_CASE(pasid_table),
		SVA_TEST_CASE(submit_refusals),
		SVA_TEST_CASE(wq_slot_free_at_completion),
		SVA_TEST_CASE(present_ops),
		SVA_TEST_CASE(untouched_copy_scan),
		SVA_TEST_CASE(untouched_copy_pagemap),
		SVA_TEST_CASE(readonly_dst),
		SVA_TEST_CASE(readonly_present_dst),
		SVA_TEST_CASE(unmap_mid_job),
		SVA_TEST_CASE(unattached_pasid),
		SVA_TEST_CASE(failure_disables_pri),
		SVA_TEST_CASE(success_not_present),
		SVA_TEST_CASE(late_and_unknown_responses),
		SVA_TEST_CASE(two_devs_one_iommu),
		SVA_TEST_CASE(close_aborts),
		SVA_TEST_CASE(inject_drop),
		SVA_TEST_CASE(inject_dup),
		SVA_TEST_CASE(inject_corrupt),
		SVA_TEST_CASE(inject_overflow),
		SVA_TEST_CASE(inject_stop_marker),
		SVA_TEST_CASE(hugetlb_dst),
		SVA_TEST_CASE(hugetlb_copy),
		SVA_TEST_CASE(page_request),
		SVA_TEST_CASE(pipelined_groups),
		SVA_TEST_CASE(pipelined_readonly),
		SVA_TEST_CASES_END(),
	},
};

static int
test_emu_dev(void)
{
	return sva_test_suite_run(&emu_dev_suite);
}

SVA_TEST_REGISTER(emu_dev_autotest, test_emu_dev);
