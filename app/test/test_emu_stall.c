/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * emu_stall_autotest: the SMMUv3 stall model end to end (Arm IHI0070 3.12.2, 4.7.1,
 * 4.7.2, 7.3.13-16). First the words on the queues, computed here from the
 * specification's field tables (the event record's Stall bit and STAG field, the
 * CMD_RESUME Ac/Ab bits, CMD_STALL_TERM's opcode), never from emu_smmuv3.h; then an emu
 * device with stall=1 behind lib/iopf: a copy that stalls on every page, a refused
 * access (exactly one Abort), STAG allocation and reuse in a small STAG space, a stall
 * whose bond is removed (answered once, Abort), a stall nobody answers (the device's
 * timeout, and the late resume), CMD_STALL_TERM, and stall=1 refused on VT-d.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <rte_common.h>
#include <rte_cycles.h>
#include <rte_errno.h>
#include <rte_launch.h>
#include <rte_lcore.h>
#include <rte_pause.h>

#include <sva_emu.h>
#include <sva_iopf.h>

#include "emu_model.h"
#include "emu_pvt.h"
#include "emu_smmuv3.h"
#include "sva_test.h"
#include "test_emu_queue_common.h"

#define PG 4096u
#define WAIT_US 30000000u
#define PASID 5u
#define SID 0x20u

/* ---- spec field tables (absolute bit positions of the record, IHI0070) ---- */
/* Event record, F_TRANSLATION (7.3.13) / F_PERMISSION (7.3.16) */
#define EVT_ID(v) SPEC(v, 7, 0)
#define EVT_SSV SPEC(1, 11, 11)
#define EVT_SSID(v) SPEC(v, 31, 12)
#define EVT_SID(v) SPEC(v, 63, 32)
#define EVT_STAG(v) SPEC(v, 79, 64)      /* word 1, bits 15:0 */
#define EVT_STALL SPEC(1, 95, 95)        /* word 1, bit 31 */
#define EVT_RNW SPEC(1, 99, 99)          /* word 1, bit 35: 1 read, 0 write */
#define EVT_CLASS(v) SPEC(v, 105, 104)   /* 0b10: IN, the incoming access */
#define F_TRANSLATION 0x10
#define F_PERMISSION 0x13
#define CLASS_IN 2
/* CMD_RESUME (4.7.1) and CMD_STALL_TERM (4.7.2) */
#define CMD_OP(v) SPEC(v, 7, 0)
#define CMD_SID(v) SPEC(v, 63, 32)
#define RESUME_AC SPEC(1, 12, 12)        /* Action: 1 Retry, 0 Terminate */
#define RESUME_AB SPEC(1, 13, 13)        /* with Terminate: 1 abort, 0 RAZ/WI */
#define RESUME_STAG(v) SPEC(v, 79, 64)   /* word 1, bits 15:0 */
#define OP_RESUME 0x44
#define OP_STALL_TERM 0x45

static uint8_t qmem[1 << 20] __rte_aligned(4096);

static void *
smmu_q_new(uint32_t evtq)
{
	struct emu_queue_cfg cfg = { .prq_depth = 16, .evtq_depth = evtq, .respq_depth = 16 };
	size_t sz = emu_model_smmuv3.mem_size(&cfg);

	if (sz == 0 || sz > sizeof(qmem))
		return NULL;
	memset(qmem, 0, sz);
	return emu_model_smmuv3.init(qmem, &cfg) == 0 ? qmem : NULL;
}

/* The stall event words and the CMD_RESUME / CMD_STALL_TERM words, on the queues. */
static int
test_stall_words(void)
{
	const struct emu_model_ops *ops = &emu_model_smmuv3;
	void *q = smmu_q_new(2);
	struct sva_fault_unrecov ev = {
		.reason = SVA_FAULT_REASON_TRANSLATION,
		.flags = SVA_FAULT_UNRECOV_PASID_VALID | SVA_FAULT_UNRECOV_ADDR_VALID |
			SVA_FAULT_UNRECOV_STALL,
		.pasid = PASID, .perm = SVA_FAULT_PERM_WRITE, .addr = 0x7f1234567008ull,
		.dev_id = SID, .stag = 0xbeef,
	};
	struct sva_page_response r[3], got[8];
	struct emu_smmuv3_regs regs;
	struct emu_model_counters c;
	struct sva_fault out[4];
	uint64_t w[4], cmd[2];

	TEST_ASSERT_NOT_NULL(q, "queue");
	/* a write that stalls on a missing page: RnW 0, Stall 1, STAG */
	TEST_ASSERT_SUCCESS(ops->evtq_write(q, &ev), "stall record");
	emu_smmuv3_evtq_peek_raw(q, 0, w);
	TEST_ASSERT_EQUAL(w[0], EVT_ID(F_TRANSLATION) | EVT_SSV | EVT_SSID(PASID) | EVT_SID(SID),
		"dword 0");
	TEST_ASSERT_EQUAL(w[1], EVT_STAG(0xbeef) | EVT_STALL | EVT_CLASS(CLASS_IN), "dword 1");
	TEST_ASSERT_EQUAL(w[2], 0x7f1234567008ull, "InputAddr, not page aligned");
	TEST_ASSERT_EQUAL(w[3], 0, "dword 3");
	/* a read refused by permission: RnW 1, STAG 0 still with Stall */
	ev.reason = SVA_FAULT_REASON_PERMISSION;
	ev.perm = SVA_FAULT_PERM_READ;
	ev.stag = 0;
	TEST_ASSERT_SUCCESS(ops->evtq_write(q, &ev), "second");
	emu_smmuv3_evtq_peek_raw(q, 1, w);
	TEST_ASSERT_EQUAL(w[1], EVT_STALL | EVT_RNW | EVT_CLASS(CLASS_IN), "dword 1, STAG 0");
	TEST_ASSERT_EQUAL(w[0] & 0xff, F_PERMISSION, "F_PERMISSION");
	/* 3.12.2: a stall record that finds the queue full is never lost: refused, retried
	 * by the device, no overflow raised */
	TEST_ASSERT_RET(ops->evtq_write(q, &ev), -EAGAIN);
	emu_smmuv3_regs_get(q, &regs);
	TEST_ASSERT_EQUAL(regs.evtq_prod & EMU_SMMUV3_Q_OVF, 0, "no overflow");
	ops->counters_get(q, &c);
	TEST_ASSERT_EQUAL(c.evtq_dropped, 0, "nothing dropped");
	TEST_ASSERT_EQUAL(ops->evtq_read(q, out, 4), 2, "both read");
	TEST_ASSERT(out[0].event.flags & SVA_FAULT_UNRECOV_STALL, "stall flag decoded");
	TEST_ASSERT_EQUAL(out[0].event.stag, 0xbeef, "STAG decoded");
	TEST_ASSERT_EQUAL(out[0].event.perm, SVA_FAULT_PERM_WRITE, "write");
	TEST_ASSERT_EQUAL(out[1].event.stag, 0, "STAG 0");
	/* only translation-related faults stall (3.12): C_BAD_CD with Stall is refused */
	ev.reason = SVA_FAULT_REASON_PASID_INVALID;
	TEST_ASSERT_RET(ops->evtq_write(q, &ev), -EINVAL);
	/* VT-d has no stall model */
	ev.reason = SVA_FAULT_REASON_TRANSLATION;

	/* the stall form of the response: CMD_RESUME(StreamID, STAG, Retry | Abort) */
	for (int i = 0; i < 3; i++)
		r[i] = (struct sva_page_response){ .argsz = sizeof(r[i]),
			.flags = SVA_PAGE_RESP_STALL, .dev_id = SID + i, .grpid = 0xfff0u + i,
			.code = i == 0 ? SVA_PAGE_RESP_SUCCESS :
				i == 1 ? SVA_PAGE_RESP_INVALID : SVA_PAGE_RESP_FAILURE };
	TEST_ASSERT_EQUAL(ops->resp_write(q, r, 3), 3, "three resumes, one batch");
	emu_smmuv3_cmdq_peek_raw(q, 0, cmd);
	TEST_ASSERT_EQUAL(cmd[0], CMD_OP(OP_RESUME) | RESUME_AC | CMD_SID(SID), "Retry dw0");
	TEST_ASSERT_EQUAL(cmd[1], RESUME_STAG(0xfff0), "Retry dw1");
	emu_smmuv3_cmdq_peek_raw(q, 1, cmd);
	TEST_ASSERT_EQUAL(cmd[0], CMD_OP(OP_RESUME) | RESUME_AB | CMD_SID(SID + 1), "Abort dw0");
	TEST_ASSERT_EQUAL(cmd[1], RESUME_STAG(0xfff1), "Abort dw1");
	emu_smmuv3_cmdq_peek_raw(q, 2, cmd);
	TEST_ASSERT_EQUAL(cmd[0], CMD_OP(OP_RESUME) | RESUME_AB | CMD_SID(SID + 2),
		"Failure is an Abort too");
	ops->counters_get(q, &c);
	TEST_ASSERT_EQUAL(c.resp_doorbells, 1, "one doorbell");
	/* the device reads them back, and a Terminate (RAZ/WI) and a CMD_STALL_TERM */
	cmd[0] = CMD_OP(OP_RESUME) | CMD_SID(7);
	cmd[1] = RESUME_STAG(3);
	TEST_ASSERT_SUCCESS(emu_smmuv3_cmdq_write_raw(q, cmd), "Terminate");
	cmd[0] = CMD_OP(OP_STALL_TERM) | CMD_SID(9);
	cmd[1] = 0;
	TEST_ASSERT_SUCCESS(emu_smmuv3_cmdq_write_raw(q, cmd), "CMD_STALL_TERM");
	TEST_ASSERT_EQUAL(ops->resp_read(q, got, 8), 5, "five commands");
	for (int i = 0; i < 5; i++)
		TEST_ASSERT(got[i].flags & SVA_PAGE_RESP_STALL, "stall form %d", i);
	TEST_ASSERT(got[0].code == SVA_PAGE_RESP_SUCCESS && got[0].grpid == 0xfff0 &&
		got[0].dev_id == SID, "Retry");
	TEST_ASSERT(got[1].code == SVA_PAGE_RESP_INVALID && got[1].grpid == 0xfff1, "Abort");
	TEST_ASSERT(got[2].code == SVA_PAGE_RESP_INVALID, "Abort");
	TEST_ASSERT(got[3].code == SVA_PAGE_RESP_FAILURE && got[3].grpid == 3 &&
		got[3].dev_id == 7, "Terminate");
	TEST_ASSERT(got[4].dev_id == 9 && (got[4].flags & EMU_RESP_STALL_ALL), "STALL_TERM");
	ops->counters_get(q, &c);
	TEST_ASSERT_EQUAL(c.resp_malformed, 0, "all decoded");
	/* a reserved bit in CMD_STALL_TERM: refused like any bad command */
	cmd[0] = CMD_OP(OP_STALL_TERM) | SPEC(1, 12, 12);
	TEST_ASSERT_SUCCESS(emu_smmuv3_cmdq_write_raw(q, cmd), "bad");
	TEST_ASSERT_EQUAL(ops->resp_read(q, got, 8), 0, "skipped");
	ops->counters_get(q, &c);
	TEST_ASSERT_EQUAL(c.resp_malformed, 1, "counted");
	/* VT-d has no stall model: its fault records refuse the stall flag */
	TEST_ASSERT_EQUAL(emu_model_vtd.evtq_write(q, &ev), -EINVAL, "VT-d");
	return TEST_SUCCESS;
}

/* ---- end to end: emu device (stall=1) + lib/iopf ---- */

static const struct sva_pgtable mm = { .type = SVA_PGTABLE_PROCESS_MM };

static struct {
	struct sva_iommu *iommu;
	struct sva_dev *dev;
	struct sva_iopf *iopf;
	struct sva_iopf_bond *bond;
	volatile int stop;
	unsigned int lcore;
	bool running;
	void *bufs[2];
	size_t lens[2];
} S;

static int
poller_main(void *arg)
{
	RTE_SET_USED(arg);
	while (!__atomic_load_n(&S.stop, __ATOMIC_ACQUIRE))
		if (sva_iopf_poll(S.iommu, 256) == 0)
			rte_pause();
	return 0;
}

static void
poller_stop(void)
{
	if (S.running) {
		__atomic_store_n(&S.stop, 1, __ATOMIC_RELEASE);
		rte_eal_wait_lcore(S.lcore);
		S.running = false;
	}
}

static int
poller_start(void)
{
	S.lcore = rte_get_next_lcore(-1, 1, 0);
	if (S.lcore >= RTE_MAX_LCORE)
		TEST_SKIP("needs a worker lcore (-l 0-1)");
	S.stop = 0;
	TEST_ASSERT_SUCCESS(rte_eal_remote_launch(poller_main, NULL, S.lcore), "launch");
	S.running = true;
	return TEST_SUCCESS;
}

static void
fix_close(void)
{
	poller_stop();
	sva_iopf_bond_remove(S.bond);
	sva_dev_close(S.dev);
	if (S.iopf != NULL)
		sva_iopf_destroy(S.iopf);
	if (S.iommu != NULL)
		sva_iommu_destroy(S.iommu);
	for (int i = 0; i < 2; i++)
		if (S.bufs[i] != NULL)
			munmap(S.bufs[i], S.lens[i]);
	memset(&S, 0, sizeof(S));
}

/* smmuv3 iommu, a stall=1 dev (dev_extra appended), its iopf and a bond on PASID 5;
 * the poller is started by the case. */
static int
fix_open(const char *dev_extra)
{
	char args[160];

	memset(&S, 0, sizeof(S));
	S.iommu = sva_iommu_create("emu,model=smmuv3,pasid_bits=16");
	TEST_ASSERT_NOT_NULL(S.iommu, "iommu");
	snprintf(args, sizeof(args), "rid=0x%x,stall=1%s%s", SID, dev_extra[0] ? "," : "",
		dev_extra);
	S.dev = sva_dev_open(S.iommu, args);
	TEST_ASSERT_NOT_NULL(S.dev, "dev %s", args);
	S.iopf = sva_iopf_create(S.iommu, NULL);
	TEST_ASSERT_NOT_NULL(S.iopf, "iopf");
	S.bond = sva_iopf_bond_add(S.iopf, S.dev, PASID,
		&(struct sva_iopf_bond_conf){ .flags = 0 });
	TEST_ASSERT_NOT_NULL(S.bond, "bond");
	TEST_ASSERT_SUCCESS(sva_dev_attach_pasid(S.dev, PASID, &mm), "attach");
	return TEST_SUCCESS;
}

static uint8_t *
map_buf(int i, size_t len, int prot)
{
	void *p = mmap(NULL, len, prot, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		return NULL;
	madvise(p, len, MADV_NOHUGEPAGE);
	S.bufs[i] = p;
	S.lens[i] = len;
	return p;
}

static int
submit_copy(uint64_t src, uint64_t dst, uint64_t len, struct sva_emu_comp *c)
{
	struct sva_emu_desc d = { .op = SVA_EMU_OP_COPY, .flags = SVA_EMU_DESC_PASID_VALID,
		.pasid = PASID, .src = src, .dst = dst, .len = len };

	return sva_emu_submit(S.dev, &d, c);
}

static struct sva_emu_counters
counters(void)
{
	struct sva_emu_counters k;

	memset(&k, 0, sizeof(k));
	sva_emu_counters_get(S.iommu, &k);
	return k;
}

/* Wait until the device has n transactions stalled (or 5 s). */
static int
wait_stalled(uint64_t n)
{
	uint64_t end = rte_get_timer_cycles() + 5 * rte_get_timer_hz();

	while (counters().stalls_outstanding < n)
		if (rte_get_timer_cycles() > end)
			return -ETIMEDOUT;
		else
			rte_delay_us_sleep(200);
	return 0;
}

/* A copy into never-touched memory: every destination page stalls once, is resolved
 * (populated) and resumed with Retry; no page request anywhere. */
static int
stall_copy_one(void)
{
	const size_t n = 64, len = n * PG;
	uint8_t *src = map_buf(0, len, PROT_READ | PROT_WRITE);
	uint8_t *dst = map_buf(1, len, PROT_READ | PROT_WRITE);
	struct sva_iopf_stats st, all;
	struct sva_emu_counters k;
	struct sva_emu_comp c;

	TEST_ASSERT(src != NULL && dst != NULL, "buffers");
	for (size_t i = 0; i < len; i++)
		src[i] = (uint8_t)(i * 7 + 3);
	TEST_ASSERT_SUCCESS(sva_iopf_maps_refresh(), "maps");
	TEST_ASSERT_SUCCESS(poller_start(), "poller");
	TEST_ASSERT_SUCCESS(submit_copy((uintptr_t)src, (uintptr_t)dst, len, &c), "submit");
	TEST_ASSERT_SUCCESS(sva_emu_wait(S.dev, &c, WAIT_US), "wait");
	TEST_ASSERT_EQUAL(c.status, SVA_EMU_STATUS_SUCCESS, "status (fault at 0x%" PRIx64 ")",
		c.fault_addr);
	TEST_ASSERT_BUFFERS_EQUAL(src, dst, len, "data");
	poller_stop();
	k = counters();
	TEST_ASSERT_SUCCESS(sva_iopf_stats_get(S.iopf, S.bond, &st), "stats");
	TEST_ASSERT_SUCCESS(sva_iopf_stats_get(S.iopf, NULL, &all), "all");
	TEST_ASSERT_EQUAL(k.stalls, n, "one stall per destination page");
	TEST_ASSERT_EQUAL(st.stalls, k.stalls, "each read by the fault path");
	TEST_ASSERT_EQUAL(st.stall_resumes, st.stalls, "each resumed with Retry");
	TEST_ASSERT_EQUAL(k.stall_retries, st.stalls, "the device got each Retry");
	TEST_ASSERT_EQUAL(st.stall_terminates, 0, "no Abort");
	TEST_ASSERT_EQUAL(st.pages_populated, n, "the pages faulted");
	TEST_ASSERT_EQUAL(k.stalls_outstanding, 0, "none left");
	TEST_ASSERT_EQUAL(k.stall_resume_unknown + k.stall_resume_late + k.stall_timeouts, 0,
		"no resume for nothing, none late, none timed out");
	TEST_ASSERT_EQUAL(k.success_not_present, 0, "every Retry found its page");
	TEST_ASSERT_EQUAL(k.page_reqs + k.model.prq_written + st.page_reqs + st.groups, 0,
		"not one page request");
	TEST_ASSERT_EQUAL(k.model.resp_read, n, "one CMD_RESUME per stall reached the device");
	TEST_ASSERT_EQUAL(all.batch_responses, k.model.resp_written, "responses written");
	TEST_ASSERT_EQUAL(k.model.evtq_dropped + k.stall_evtq_full, 0, "no stall held back");
	return TEST_SUCCESS;
}

/* A write into a read-only mapping: the stall is refused (R_PERM), answered with one
 * CMD_RESUME Abort, and the job ends SVA_EMU_STATUS_STALL_ABORT at that page. */
static int
stall_refused_one(void)
{
	const size_t len = 4 * PG;
	uint8_t *src = map_buf(0, len, PROT_READ | PROT_WRITE);
	uint8_t *dst = map_buf(1, len, PROT_READ);
	struct sva_iopf_stats st;
	struct sva_emu_counters k;
	struct sva_emu_comp c;
	volatile uint8_t sink;

	TEST_ASSERT(src != NULL && dst != NULL, "buffers");
	memset(src, 0x5a, len);
	sink = dst[0];   /* present (the zero page), but not writable */
	RTE_SET_USED(sink);
	TEST_ASSERT_SUCCESS(sva_iopf_maps_refresh(), "maps");
	TEST_ASSERT_SUCCESS(poller_start(), "poller");
	TEST_ASSERT_SUCCESS(submit_copy((uintptr_t)src, (uintptr_t)dst, len, &c), "submit");
	TEST_ASSERT_SUCCESS(sva_emu_wait(S.dev, &c, WAIT_US), "wait");
	TEST_ASSERT_EQUAL(c.status, SVA_EMU_STATUS_STALL_ABORT, "status");
	TEST_ASSERT_EQUAL(c.fault_addr, (uintptr_t)dst, "at the first page");
	TEST_ASSERT_EQUAL(c.fault_perm, SVA_FAULT_PERM_WRITE, "a write");
	TEST_ASSERT_EQUAL(c.bytes_done, 0, "nothing done");
	poller_stop();
	k = counters();
	TEST_ASSERT_SUCCESS(sva_iopf_stats_get(S.iopf, S.bond, &st), "stats");
	TEST_ASSERT_EQUAL(k.stalls, 1, "one stall");
	TEST_ASSERT_EQUAL(k.stall_aborts, 1, "exactly one Abort");
	TEST_ASSERT_EQUAL(k.stall_retries + k.stall_terminates + k.stall_resume_unknown, 0,
		"and nothing else");
	TEST_ASSERT_EQUAL(st.stalls, 1, "read once");
	TEST_ASSERT_EQUAL(st.stall_terminates, 1, "refused once");
	TEST_ASSERT_EQUAL(st.invalid[SVA_IOPF_R_PERM], 1, "for the permission");
	TEST_ASSERT_EQUAL(k.model.resp_read, 1, "one command");
	return TEST_SUCCESS;
}

/*
 * STAG allocation and reuse (3.12.2: unique per StreamID while stalled, reusable once
 * resumed), in a STAG space of 4: the test is the poller, reading each stall record,
 * making the page present and answering with the stall form itself.
 */
static int
stall_tags_one(void)
{
	const size_t n = 13, len = n * PG;
	uint8_t *src = map_buf(0, len, PROT_READ | PROT_WRITE);
	uint8_t *dst = map_buf(1, len, PROT_READ | PROT_WRITE);
	struct sva_emu_counters k;
	struct sva_emu_comp c;
	struct sva_fault rec;

	TEST_ASSERT(src != NULL && dst != NULL, "buffers");
	memset(src, 0xc3, len);
	TEST_ASSERT_SUCCESS(submit_copy((uintptr_t)src, (uintptr_t)dst, len, &c), "submit");
	for (size_t i = 0; i < n; i++) {
		uint64_t end = rte_get_timer_cycles() + 5 * rte_get_timer_hz();
		struct sva_page_response r;

		while (sva_iommu_evtq_read(S.iommu, &rec, 1) == 0)
			TEST_ASSERT(rte_get_timer_cycles() < end, "stall %zu never came", i);
		TEST_ASSERT_EQUAL(rec.type, SVA_FAULT_UNRECOV, "event %zu", i);
		TEST_ASSERT(rec.event.flags & SVA_FAULT_UNRECOV_STALL, "stalled %zu", i);
		TEST_ASSERT_EQUAL(rec.event.stag, i % 4, "STAG %zu: round robin over 4", i);
		TEST_ASSERT_EQUAL(rec.event.dev_id, SID, "StreamID");
		TEST_ASSERT_EQUAL(rec.event.pasid, PASID, "SubstreamID");
		TEST_ASSERT_EQUAL(rec.event.addr, (uintptr_t)dst + i * PG, "address %zu", i);
		TEST_ASSERT_EQUAL(rec.event.perm, SVA_FAULT_PERM_WRITE, "write");
		TEST_ASSERT_EQUAL(rec.event.reason, SVA_FAULT_REASON_TRANSLATION, "F_TRANSLATION");
		TEST_ASSERT_EQUAL(rec.event.hw_event, F_TRANSLATION, "event ID");
		dst[i * PG] = 0;   /* resolve it */
		r = (struct sva_page_response){ .argsz = sizeof(r), .flags = SVA_PAGE_RESP_STALL,
			.dev_id = SID, .grpid = rec.event.stag, .code = SVA_PAGE_RESP_SUCCESS };
		TEST_ASSERT_EQUAL(sva_iommu_page_response(S.iommu, &r, 1), 1, "resume %zu", i);
	}
	TEST_ASSERT_SUCCESS(sva_emu_wait(S.dev, &c, WAIT_US), "wait");
	TEST_ASSERT_EQUAL(c.status, SVA_EMU_STATUS_SUCCESS, "status");
	TEST_ASSERT_BUFFERS_EQUAL(src, dst, len, "data");
	k = counters();
	TEST_ASSERT_EQUAL(k.stalls, n, "stalls");
	TEST_ASSERT_EQUAL(k.stall_retries, n, "each resumed once");
	TEST_ASSERT_EQUAL(k.stall_resume_unknown, 0, "every resume named a stalled STAG");
	TEST_ASSERT_EQUAL(sva_iommu_evtq_read(S.iommu, &rec, 1), 0, "nothing more");
	return TEST_SUCCESS;
}

/* A stalled transaction whose bond is removed before the poller reads it: answered
 * exactly once, Abort (no bond: R_UNKNOWN_PASID), and the job ends there. */
static int
stall_bond_removed_one(void)
{
	const size_t len = 2 * PG;
	uint8_t *src = map_buf(0, len, PROT_READ | PROT_WRITE);
	uint8_t *dst = map_buf(1, len, PROT_READ | PROT_WRITE);
	struct sva_iopf_stats all;
	struct sva_emu_counters k;
	struct sva_emu_comp c;

	TEST_ASSERT(src != NULL && dst != NULL, "buffers");
	memset(src, 1, len);
	TEST_ASSERT_SUCCESS(submit_copy((uintptr_t)src, (uintptr_t)dst, len, &c), "submit");
	TEST_ASSERT_SUCCESS(wait_stalled(1), "the device stalls");
	sva_iopf_bond_remove(S.bond);
	S.bond = NULL;
	TEST_ASSERT_SUCCESS(poller_start(), "poller");
	TEST_ASSERT_SUCCESS(sva_emu_wait(S.dev, &c, WAIT_US), "wait");
	TEST_ASSERT_EQUAL(c.status, SVA_EMU_STATUS_STALL_ABORT, "status");
	TEST_ASSERT_EQUAL(c.fault_addr, (uintptr_t)dst, "where");
	rte_delay_us_sleep(20000);   /* the poller runs on: nothing more is answered */
	poller_stop();
	k = counters();
	TEST_ASSERT_SUCCESS(sva_iopf_stats_get(S.iopf, NULL, &all), "stats");
	TEST_ASSERT_EQUAL(k.stalls, 1, "one stall");
	TEST_ASSERT_EQUAL(k.stall_aborts, 1, "answered Abort");
	TEST_ASSERT_EQUAL(k.stall_retries + k.stall_resume_unknown + k.stall_resume_late, 0,
		"exactly once");
	TEST_ASSERT_EQUAL(k.model.resp_written, 1, "one command written");
	TEST_ASSERT_EQUAL(all.stalls, 1, "counted");
	TEST_ASSERT_EQUAL(all.stall_terminates, 1, "refused");
	TEST_ASSERT_EQUAL(all.invalid[SVA_IOPF_R_UNKNOWN_PASID], 1, "no bond");
	return TEST_SUCCESS;
}

/* Teardown with nobody polling: the bond is removed and the iopf destroyed while the
 * device is stalled; destroy answers the queued stall, once, Abort. */
static int
stall_destroy_one(void)
{
	const size_t len = PG;
	uint8_t *src = map_buf(0, len, PROT_READ | PROT_WRITE);
	uint8_t *dst = map_buf(1, len, PROT_READ | PROT_WRITE);
	struct sva_emu_counters k;
	struct sva_emu_comp c;

	TEST_ASSERT(src != NULL && dst != NULL, "buffers");
	memset(src, 4, len);
	TEST_ASSERT_SUCCESS(submit_copy((uintptr_t)src, (uintptr_t)dst, len, &c), "submit");
	TEST_ASSERT_SUCCESS(wait_stalled(1), "the device stalls");
	sva_iopf_bond_remove(S.bond);
	S.bond = NULL;
	TEST_ASSERT_SUCCESS(sva_iopf_destroy(S.iopf), "destroy");
	S.iopf = NULL;
	TEST_ASSERT_SUCCESS(sva_emu_wait(S.dev, &c, WAIT_US), "wait");
	TEST_ASSERT_EQUAL(c.status, SVA_EMU_STATUS_STALL_ABORT, "status");
	k = counters();
	TEST_ASSERT_EQUAL(k.stall_aborts, 1, "answered Abort");
	TEST_ASSERT_EQUAL(k.stall_retries + k.stall_resume_unknown + k.stall_timeouts, 0,
		"once, in time");
	return TEST_SUCCESS;
}

/* A stalled transaction whose bond is unbound and whose PASID is reused by a new bond
 * (sva_iopf.h, "Teardown": a PASID is reused only after a drain read the page request
 * queue and the event queue to empty past the fence): the drain answers the old
 * owner's stall Abort, exactly once, to its STAG; the new owner never resolves it
 * (never Retry) and its memory is not populated for it. */
static int
stall_pasid_reuse_one(void)
{
	const size_t len = PG;
	uint8_t *src = map_buf(0, len, PROT_READ | PROT_WRITE);
	uint8_t *dst = map_buf(1, len, PROT_READ | PROT_WRITE);
	struct sva_iopf_stats all;
	struct sva_emu_counters k;
	struct sva_emu_comp c;
	unsigned char vec = 0xff;
	int ret;

	TEST_ASSERT(src != NULL && dst != NULL, "buffers");
	memset(src, 6, len);
	TEST_ASSERT_SUCCESS(sva_iopf_maps_refresh(), "maps");
	TEST_ASSERT_SUCCESS(submit_copy((uintptr_t)src, (uintptr_t)dst, len, &c), "submit");
	TEST_ASSERT_SUCCESS(wait_stalled(1), "the device stalls");
	/* unbind, nobody polling: remove, detach, drain until 0 */
	sva_iopf_bond_remove(S.bond);
	S.bond = NULL;
	sva_dev_detach_pasid(S.dev, PASID);
	for (int i = 0; (ret = sva_iopf_drain(S.iopf, 64)) == -EAGAIN && i < 1000; i++)
		rte_delay_us_sleep(1000);
	TEST_ASSERT_SUCCESS(ret, "drained");
	/* the PASID passes to a new owner, with a poller */
	S.bond = sva_iopf_bond_add(S.iopf, S.dev, PASID,
		&(struct sva_iopf_bond_conf){ .flags = 0 });
	TEST_ASSERT_NOT_NULL(S.bond, "the new bond on the same PASID");
	TEST_ASSERT_SUCCESS(sva_dev_attach_pasid(S.dev, PASID, &mm), "attach again");
	TEST_ASSERT_SUCCESS(poller_start(), "poller");
	TEST_ASSERT_SUCCESS(sva_emu_wait(S.dev, &c, WAIT_US), "wait");
	rte_delay_us_sleep(20000);   /* the poller runs on: nothing more is answered */
	poller_stop();
	TEST_ASSERT_EQUAL(c.status, SVA_EMU_STATUS_STALL_ABORT, "the old owner's stall aborted "
		"(status %u)", c.status);
	TEST_ASSERT_EQUAL(c.fault_addr, (uintptr_t)dst, "where");
	k = counters();
	TEST_ASSERT_EQUAL(k.stalls, 1, "one stall");
	TEST_ASSERT_EQUAL(k.stall_aborts, 1, "answered Abort");
	TEST_ASSERT_EQUAL(k.stall_retries + k.stall_terminates + k.stall_resume_unknown +
		k.stall_resume_late + k.stall_timeouts, 0, "exactly once, to its STAG, never Retry");
	TEST_ASSERT_EQUAL(k.model.resp_written, 1, "one command written");
	TEST_ASSERT_SUCCESS(sva_iopf_stats_get(S.iopf, S.bond, &all), "new bond's stats");
	TEST_ASSERT_EQUAL(all.stalls + all.pages_populated, 0, "nothing for the new owner");
	TEST_ASSERT_SUCCESS(sva_iopf_stats_get(S.iopf, NULL, &all), "stats");
	TEST_ASSERT_EQUAL(all.stalls, 1, "counted once");
	TEST_ASSERT_EQUAL(all.stall_resumes, 0, "never resumed");
	TEST_ASSERT_EQUAL(all.invalid[SVA_IOPF_R_UNKNOWN_PASID], 1, "no bond");
	TEST_ASSERT_SUCCESS(mincore(dst, PG, &vec), "mincore");
	TEST_ASSERT_EQUAL(vec & 1, 0, "the stalled page was not populated");
	return TEST_SUCCESS;
}

/* No poller: the stall is never answered; the device gives up after timeout_ms and
 * reports it; the resume that comes later is counted late, not taken for another. */
static int
stall_timeout_one(void)
{
	const size_t len = PG;
	uint8_t *src = map_buf(0, len, PROT_READ | PROT_WRITE);
	uint8_t *dst = map_buf(1, len, PROT_READ | PROT_WRITE);
	struct sva_emu_counters k;
	struct sva_emu_comp c;

	TEST_ASSERT(src != NULL && dst != NULL, "buffers");
	memset(src, 2, len);
	TEST_ASSERT_SUCCESS(sva_iopf_maps_refresh(), "maps");
	TEST_ASSERT_SUCCESS(submit_copy((uintptr_t)src, (uintptr_t)dst, len, &c), "submit");
	TEST_ASSERT_SUCCESS(sva_emu_wait(S.dev, &c, WAIT_US), "wait");
	TEST_ASSERT_EQUAL(c.status, SVA_EMU_STATUS_TIMEOUT, "status");
	TEST_ASSERT_EQUAL(c.fault_addr, (uintptr_t)dst, "where");
	k = counters();
	TEST_ASSERT_EQUAL(k.stalls, 1, "one stall");
	TEST_ASSERT_EQUAL(k.stall_timeouts, 1, "timed out, counted");
	TEST_ASSERT_EQUAL(k.stalls_outstanding, 0, "given up");
	/* now a poller answers it: too late for the device, and no one else's */
	TEST_ASSERT_SUCCESS(poller_start(), "poller");
	for (int i = 0; i < 1000 && counters().stall_resume_late == 0; i++)
		rte_delay_us_sleep(1000);
	poller_stop();
	k = counters();
	TEST_ASSERT_EQUAL(k.stall_resume_late, 1, "the late resume");
	TEST_ASSERT_EQUAL(k.stall_retries + k.stall_aborts + k.stall_resume_unknown, 0,
		"taken for nothing else");
	return TEST_SUCCESS;
}

/* CMD_STALL_TERM (4.7.2) ends every stall of the stream with an abort. */
static int
stall_term_one(void)
{
	const size_t len = PG;
	uint8_t *src = map_buf(0, len, PROT_READ | PROT_WRITE);
	uint8_t *dst = map_buf(1, len, PROT_READ | PROT_WRITE);
	uint64_t cmd[2] = { CMD_OP(OP_STALL_TERM) | CMD_SID(SID), 0 };
	struct sva_emu_counters k;
	struct sva_emu_comp c;

	TEST_ASSERT(src != NULL && dst != NULL, "buffers");
	memset(src, 3, len);
	TEST_ASSERT_SUCCESS(submit_copy((uintptr_t)src, (uintptr_t)dst, len, &c), "submit");
	TEST_ASSERT_SUCCESS(wait_stalled(1), "the device stalls");
	TEST_ASSERT_SUCCESS(emu_smmuv3_cmdq_write_raw(emu_of_iommu(S.iommu)->q, cmd),
		"CMD_STALL_TERM");
	TEST_ASSERT_SUCCESS(sva_emu_wait(S.dev, &c, WAIT_US), "wait");
	TEST_ASSERT_EQUAL(c.status, SVA_EMU_STATUS_STALL_ABORT, "status");
	k = counters();
	TEST_ASSERT_EQUAL(k.stall_terms, 1, "terminated by CMD_STALL_TERM");
	TEST_ASSERT_EQUAL(k.stalls_outstanding, 0, "none left");
	return TEST_SUCCESS;
}

#define CASE(name, extra) \
	static int test_##name(void) \
	{ \
		int r_ = fix_open(extra); \
		if (r_ == TEST_SUCCESS) \
			r_ = name##_one(); \
		fix_close(); \
		return r_; \
	}

CASE(stall_copy, "")
CASE(stall_refused, "")
CASE(stall_tags, "stall_tags=4")
CASE(stall_bond_removed, "")
CASE(stall_destroy, "")
CASE(stall_pasid_reuse, "")
CASE(stall_timeout, "timeout_ms=50")
CASE(stall_term, "")

/* stall=1 is an SMMUv3 feature: refused on VT-d, and with a bad value. */
static int
test_stall_refused_on_vtd(void)
{
	struct sva_iommu *iommu = sva_iommu_create("emu,model=vtd");
	struct sva_iommu *smmu = sva_iommu_create("emu,model=smmuv3");
	struct sva_dev *dev;
	int ret = TEST_SUCCESS;

	if (iommu == NULL || smmu == NULL) {
		ret = TEST_FAILED;
		goto out;
	}
	rte_errno = 0;
	dev = sva_dev_open(iommu, "stall=1");
	if (dev != NULL || rte_errno != EINVAL) {
		printf("    stall=1 on VT-d: %p, rte_errno %d\n", (void *)dev, rte_errno);
		sva_dev_close(dev);
		ret = TEST_FAILED;
	}
	dev = sva_dev_open(smmu, "stall=2");
	if (dev != NULL) {
		sva_dev_close(dev);
		ret = TEST_FAILED;
	}
	dev = sva_dev_open(smmu, "stall=1,stall_tags=0");
	if (dev != NULL) {
		sva_dev_close(dev);
		ret = TEST_FAILED;
	}
out:
	sva_iommu_destroy(iommu);
	sva_iommu_destroy(smmu);
	return ret;
}

static struct sva_test_suite emu_stall_suite = {
	.name = "emu_stall",
	.cases = {
		SVA_TEST_CASE(test_stall_words),
		SVA_TEST_CASE(test_stall_refused_on_vtd),
		SVA_TEST_CASE(test_stall_copy),
		SVA_TEST_CASE(test_stall_refused),
		SVA_TEST_CASE(test_stall_tags),
		SVA_TEST_CASE(test_stall_bond_removed),
		SVA_TEST_CASE(test_stall_destroy),
		SVA_TEST_CASE(test_stall_pasid_reuse),
		SVA_TEST_CASE(test_stall_timeout),
		SVA_TEST_CASE(test_stall_term),
		SVA_TEST_CASES_END(),
	},
};

static int
test_emu_stall(void)
{
	return sva_test_suite_run(&emu_stall_suite);
}

SVA_TEST_REGISTER(emu_stall_autotest, test_emu_stall);
