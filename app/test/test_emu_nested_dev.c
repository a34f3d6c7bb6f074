/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * emu_nested_autotest (test_emu_nested_dev.c; the walkers alone are emu_nested_walk_autotest,
 * test_emu_nested.c): nested (vSVA) translation in the emu device, end to end on both
 * models, through the driver's record stream (the iommu's page request and event
 * queues, as the fault path reads them). A "guest" builds first-level tables in guest
 * RAM (a memfd mapping of this process: GPA g at ram + g): x86-64 4-level paging for
 * VT-d (SVA_NESTED_VTD_FL), AArch64 stage 1 behind a CD table for SMMUv3
 * (SVA_NESTED_SMMUV3_CD). A responder on the worker lcore stands in for the VMM
 * (first-level faults, SVA_FAULT_PR_NESTED_S1: the guest's handler maps the page, then
 * answers) and for svapoll (second-level faults, SVA_FAULT_PR_NESTED_S2: populate
 * ram.base + gpa, checked to lie in that VM's guest RAM).
 *
 * Table words are written from the specifications' bit tables, not from the walkers'
 * headers: Intel SDM Vol. 3A 4.5 (Tables 4-15, 4-17, 4-19, 4-20: P bit 0, R/W 1, U/S 2,
 * A 5, D 6, PS 7, address 51:12, XD 63); Arm ARM D8.3 (VMSAv8-64 descriptors, 4 KiB
 * granule: bits 1:0 0b11 table / page, AttrIndx 4:2, AP[1] 6 (EL0 access), AP[2] 7
 * (read-only), SH 9:8, AF 10, OA 47:12, PXN 53, UXN 54); SMMUv3 IHI0070 5.4 (CD word 0:
 * T0SZ 5:0, TG0 7:6, EPD1 30, V 31, IPS 34:32, AA64 41, HA 43, ASID 63:48; word 1 TTB0
 * 51:4) and 7.3.9-7.3.11 (C_BAD_SUBSTREAMID 0x08, F_CD_FETCH 0x09, C_BAD_CD 0x0a).
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <rte_cycles.h>
#include <rte_errno.h>
#include <rte_launch.h>
#include <rte_lcore.h>
#include <rte_pause.h>
#include <rte_ring.h>
#include <rte_ring_elem.h>

#include <sva.h>
#include <sva_emu.h>
#include <sva_iommu.h>
#include <sva_iommu_driver.h>
#include <sva_pasid.h>

#include "emu_model.h"
#include "emu_vtd.h"
#include "sva_test.h"
#include "test_log.h"

#ifndef MADV_POPULATE_READ
#define MADV_POPULATE_READ 22
#define MADV_POPULATE_WRITE 23
#endif

#define PG 4096u
#define WAIT_US 20000000u
#define RAM_SIZE (16u << 20)
#define GVA_BASE (UINT64_C(1) << 39)   /* PML4 / L0 index 1 */
#define DATA_GPA (UINT64_C(8) << 20)  /* data pages from here; tables below */

static const char *const models[] = { "vtd", "smmuv3" };
static bool cur_arm;

/* ---- the guest: tables in guest RAM ---- */

/* Intel SDM Vol. 3A 4.5, Tables 4-15..4-20 */
#define X86_P (UINT64_C(1) << 0)
#define X86_RW (UINT64_C(1) << 1)
#define X86_US (UINT64_C(1) << 2)
#define X86_A (UINT64_C(1) << 5)
#define X86_D (UINT64_C(1) << 6)
#define X86_ADDR UINT64_C(0x000ffffffffff000)   /* 51:12 */
/* Arm ARM D8.3 */
#define ARM_VALID (UINT64_C(1) << 0)
#define ARM_TABLE (UINT64_C(1) << 1)             /* table (levels 0-2) / page (level 3) */
#define ARM_AP1 (UINT64_C(1) << 6)               /* EL0 access */
#define ARM_AP2 (UINT64_C(1) << 7)               /* read-only */
#define ARM_SH_INNER (UINT64_C(3) << 8)
#define ARM_AF (UINT64_C(1) << 10)
#define ARM_ADDR UINT64_C(0x0000fffffffff000)    /* 47:12 */
/* IHI0070 5.4 */
#define CD0_T0SZ(v) ((uint64_t)(v) << 0)
#define CD0_EPD1 (UINT64_C(1) << 30)
#define CD0_V (UINT64_C(1) << 31)
#define CD0_IPS_48 (UINT64_C(5) << 32)
#define CD0_AA64 (UINT64_C(1) << 41)
#define CD0_HA (UINT64_C(1) << 43)
#define CD0_ASID(v) ((uint64_t)(v) << 48)
#define CD1_TTB0 UINT64_C(0x000ffffffffffff0)   /* 51:4 */
/* IHI0070 7.3 event numbers */
#define EVT_C_BAD_SUBSTREAMID 0x08
#define EVT_F_TRANSLATION 0x10
#define EVT_C_BAD_CD 0x0a
/* VT-d 7.1.3 (scalable-mode fault reasons): first-level paging entry reserved bit */
#define VTD_FR_FL_RSVD 0x72

struct guest {
	uint8_t *ram;
	int fd;
	uint64_t next_tbl;   /* table page bump allocator (GPA) */
	uint64_t root;       /* PML4 / TTB0 */
	uint64_t cd_gpa;     /* SMMUv3: the CD table */
	uint32_t gpasid;     /* its PASID: VT-d the host PASID of its bind, SMMUv3 the SSID */
};

static uint64_t *
gent(struct guest *g, uint64_t gpa)
{
	return (uint64_t *)(g->ram + gpa);
}

static uint64_t
tbl_alloc(struct guest *g)
{
	uint64_t gpa = g->next_tbl;

	g->next_tbl += PG;
	memset(g->ram + gpa, 0, PG);   /* the guest wrote it: present in this process */
	return gpa;
}

static int
guest_init(struct guest *g, uint32_t gpasid)
{
	memset(g, 0, sizeof(*g));
	g->fd = memfd_create("guest-ram", MFD_CLOEXEC);
	if (g->fd < 0 || ftruncate(g->fd, RAM_SIZE) != 0)
		return -1;
	g->ram = mmap(NULL, RAM_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, g->fd, 0);
	if (g->ram == MAP_FAILED)
		return -1;
	g->gpasid = gpasid;
	g->next_tbl = PG;
	g->root = tbl_alloc(g);
	if (cur_arm) {
		/* a linear CD table of 16 CDs (S1CDMAX 4) at GPA 0x100000, all zero: legal
		 * until used; the guest fills the CD of its SSID */
		g->cd_gpa = 0x100000;
		memset(g->ram + g->cd_gpa, 0, 16 * 64);
		gent(g, g->cd_gpa + gpasid * 64)[0] = CD0_T0SZ(16) | CD0_EPD1 | CD0_V |
			CD0_IPS_48 | CD0_AA64 | CD0_HA | CD0_ASID(gpasid);
		gent(g, g->cd_gpa + gpasid * 64)[1] = g->root & CD1_TTB0;
	}
	return 0;
}

static void
guest_fini(struct guest *g)
{
	if (g->ram != NULL && g->ram != MAP_FAILED)
		munmap(g->ram, RAM_SIZE);
	if (g->fd >= 0)
		close(g->fd);
	g->ram = NULL;
	g->fd = -1;
}

static struct sva_guest_ram
guest_ram(const struct guest *g)
{
	return (struct sva_guest_ram){ .base = g->ram, .size = RAM_SIZE };
}

/* The entry of gva at level lvl (0 = PML4 / L0 ... 3 = PTE / L3), or 0 when a table
 * above it is missing. */
static uint64_t
entry_gpa(struct guest *g, uint64_t gva, unsigned int lvl)
{
	uint64_t tbl = g->root;

	for (unsigned int l = 0; ; l++) {
		uint64_t at = tbl + ((gva >> (39 - 9 * l)) & 511) * 8, e;

		if (l == lvl)
			return at;
		e = *gent(g, at);
		if (!(e & 1))
			return 0;
		tbl = e & (cur_arm ? ARM_ADDR : X86_ADDR);
	}
}

/* Map gva -> gpa (4 KiB), creating tables; stop: leave the entry at that level (0..3)
 * absent (4: map fully). */
static void
guest_map(struct guest *g, uint64_t gva, uint64_t gpa, bool writable, unsigned int stop)
{
	uint64_t tbl = g->root;

	for (unsigned int l = 0; l < 4; l++) {
		uint64_t *e = gent(g, tbl + ((gva >> (39 - 9 * l)) & 511) * 8);

		if (l == stop)
			return;
		if (l == 3) {
			*e = cur_arm ? ARM_VALID | ARM_TABLE | ARM_AP1 | (writable ? 0 : ARM_AP2) |
				ARM_SH_INNER | (gpa & ARM_ADDR) :
				X86_P | X86_US | (writable ? X86_RW : 0) | (gpa & X86_ADDR);
			return;
		}
		if (!(*e & 1)) {
			uint64_t t = tbl_alloc(g);

			*e = cur_arm ? ARM_VALID | ARM_TABLE | (t & ARM_ADDR) :
				X86_P | X86_RW | X86_US | (t & X86_ADDR);
		}
		tbl = *e & (cur_arm ? ARM_ADDR : X86_ADDR);
	}
}

/* ---- the fixture: iommu, devs, nested binds ---- */

#define MAX_VMS 2

struct vm {
	struct sva_dev *dev;
	uint32_t rid;
	uint32_t pasid;       /* the job's PASID (VT-d hPASID, SMMUv3 SSID) */
	struct guest g;
	uint64_t next_data;   /* data page allocator (GPA) */
	/* seen by the responder */
	volatile uint64_t s1, s2, s2_bad;
	struct sva_fault_page_req last_s1, last_s2;
};

static struct {
	struct sva_iommu *iommu;
	struct vm vm[MAX_VMS];
	unsigned int nvm;
	/* the responder */
	unsigned int lcore;
	bool running;
	volatile int stop;
	volatile int hold_s1;      /* do not answer first-level faults (teardown) */
	volatile uint64_t unrouted; /* records for no VM, or without a nested flag */
	volatile uint64_t answered;
} F;

static struct vm *
vm_of(const struct sva_fault_page_req *pr)
{
	for (unsigned int i = 0; i < F.nvm; i++)
		/* SMMUv3: every SubstreamID of the stream is the VM's (its CD table) */
		if (F.vm[i].rid == pr->dev_id && (cur_arm || F.vm[i].pasid == pr->pasid))
			return &F.vm[i];
	return NULL;
}

/* The guest's page-fault handler: map the faulting GVA to a fresh data page. */
static void
guest_fault(struct vm *v, uint64_t gva, bool write)
{
	uint64_t gpa = v->next_data;

	v->next_data += PG;
	guest_map(&v->g, gva & ~(uint64_t)(PG - 1), gpa, write || true, 4);
}

static int
responder_main(void *arg)
{
	struct sva_fault f[32];
	struct sva_page_response out[32];

	RTE_SET_USED(arg);
	while (!F.stop) {
		uint16_t n = sva_iommu_prq_read(F.iommu, f, RTE_DIM(f)), nout = 0;

		if (n == 0) {
			rte_pause();
			continue;
		}
		for (uint16_t i = 0; i < n; i++) {
			const struct sva_fault_page_req *pr = &f[i].prm;
			struct vm *v;
			uint32_t code = SVA_PAGE_RESP_SUCCESS;

			if (f[i].type != SVA_FAULT_PAGE_REQ)
				continue;
			v = vm_of(pr);
			if (v == NULL || !(pr->flags & (SVA_FAULT_PR_NESTED_S1 |
					SVA_FAULT_PR_NESTED_S2))) {
				F.unrouted++;
				code = SVA_PAGE_RESP_INVALID;
			} else if (pr->flags & SVA_FAULT_PR_NESTED_S1) {
				/* the VMM: into the guest, whose handler maps the page */
				v->last_s1 = *pr;
				v->s1++;
				if (F.hold_s1)
					continue;
				guest_fault(v, pr->addr, pr->perm & SVA_FAULT_PERM_WRITE);
			} else {
				/* svapoll: second level, inside this VM's guest RAM only */
				uint64_t base = (uint64_t)(uintptr_t)v->g.ram;

				v->last_s2 = *pr;
				v->s2++;
				if (pr->addr < base || pr->addr - base >= RAM_SIZE ||
						pr->addr - base != pr->gpa ||
						madvise((void *)(uintptr_t)pr->addr, PG,
							pr->perm & SVA_FAULT_PERM_WRITE ?
							MADV_POPULATE_WRITE : MADV_POPULATE_READ) != 0) {
					v->s2_bad++;
					code = SVA_PAGE_RESP_INVALID;
				}
			}
			if (!(pr->flags & SVA_FAULT_PR_LAST_PAGE))
				continue;
			out[nout++] = (struct sva_page_response){
				.argsz = sizeof(struct sva_page_response),
				.flags = SVA_PAGE_RESP_PASID_VALID,
				.dev_id = pr->dev_id, .pasid = pr->pasid, .grpid = pr->grpid,
				.code = code,
			};
		}
		if (nout > 0 && sva_iommu_page_response(F.iommu, out, nout) == nout)
			F.answered += nout;
	}
	return 0;
}

static int
nested_attach(struct vm *v)
{
	const struct sva_iommu_driver *drv = sva_iommu_driver_of(F.iommu);
	struct sva_nested_cfg cfg = {
		.format = cur_arm ? SVA_NESTED_SMMUV3_CD : SVA_NESTED_VTD_FL,
		.ram = guest_ram(&v->g),
		.table_gpa = cur_arm ? v->g.cd_gpa : v->g.root,
		.s1cdmax = cur_arm ? 4 : 0,
	};

	return drv->nested_attach(v->dev, cur_arm ? SVA_NESTED_ALL_PASIDS : v->pasid, &cfg);
}

static void
fixture_close(void)
{
	if (F.running) {
		F.stop = 1;
		rte_eal_wait_lcore(F.lcore);
		F.running = false;
	}
	for (unsigned int i = 0; i < F.nvm; i++) {
		if (F.vm[i].dev != NULL)
			sva_dev_close(F.vm[i].dev);
		guest_fini(&F.vm[i].g);
	}
	if (F.iommu != NULL)
		sva_iommu_destroy(F.iommu);
	memset(&F, 0, sizeof(F));
}

/* An iommu of model m, nvm devs (rid 0x20 + i), each with a guest and a nested bind of
 * PASID pasid[i], and the responder on the worker lcore. */
static int
fixture_open(const char *model, unsigned int nvm, const uint32_t *pasid, bool attach)
{
	char args[96];

	memset(&F, 0, sizeof(F));
	cur_arm = strcmp(model, "smmuv3") == 0;
	snprintf(args, sizeof(args), "emu,model=%s,pasid_bits=16", model);
	F.iommu = sva_iommu_create(args);
	if (F.iommu == NULL)
		return -1;
	for (unsigned int i = 0; i < nvm; i++) {
		struct vm *v = &F.vm[i];

		F.nvm++;
		v->g.fd = -1;
		v->rid = 0x20 + i;
		v->pasid = pasid[i];
		v->next_data = DATA_GPA;
		snprintf(args, sizeof(args), "rid=0x%x,timeout_ms=5000", v->rid);
		v->dev = sva_dev_open(F.iommu, args);
		if (v->dev == NULL || guest_init(&v->g, pasid[i]) != 0 ||
				(attach && nested_attach(v) != 0))
			return -1;
	}
	F.lcore = rte_get_next_lcore(-1, 1, 0);
	if (F.lcore >= RTE_MAX_LCORE || rte_eal_remote_launch(responder_main, NULL, F.lcore) != 0)
		return -1;
	F.running = true;
	return 0;
}

static int
job(struct vm *v, uint32_t op, uint64_t src, uint64_t dst, uint64_t len, struct sva_emu_comp *c)
{
	struct sva_emu_desc d = {
		.op = op, .flags = SVA_EMU_DESC_PASID_VALID, .pasid = v->pasid,
		.src = src, .dst = dst, .len = len, .pattern = 0x1122334455667788ull,
	};
	int ret = sva_emu_submit(v->dev, &d, c);

	return ret != 0 ? ret : sva_emu_wait(v->dev, c, WAIT_US);
}

/* Map n pages at gva to fresh data pages; fill: write the pattern into guest RAM (the
 * data pages present), else leave them untouched. Returns the first GPA. */
static uint64_t
map_data(struct vm *v, uint64_t gva, unsigned int n, bool fill, uint8_t seed)
{
	uint64_t first = v->next_data;

	for (unsigned int i = 0; i < n; i++) {
		guest_map(&v->g, gva + (uint64_t)i * PG, v->next_data, true, 4);
		if (fill)
			for (unsigned int b = 0; b < PG; b++)
				v->g.ram[v->next_data + b] = (uint8_t)(seed + i * 7 + b);
		v->next_data += PG;
	}
	return first;
}

static int
check_data(struct vm *v, uint64_t gpa, unsigned int n, uint8_t seed)
{
	for (unsigned int i = 0; i < n; i++)
		for (unsigned int b = 0; b < PG; b++)
			if (v->g.ram[gpa + (uint64_t)i * PG + b] != (uint8_t)(seed + i * 7 + b)) {
				printf("    data differs at GPA 0x%" PRIx64 "\n",
					gpa + (uint64_t)i * PG + b);
				return -1;
			}
	return 0;
}

/* ---- cases (each on both models) ---- */

static int
case_attach_rules(const char *model)
{
	const uint32_t p = 5;
	const struct sva_iommu_driver *drv;
	struct sva_iommu_info info;
	struct sva_nested_cfg cfg;
	struct vm *v;

	TEST_ASSERT_SUCCESS(fixture_open(model, 1, &p, false), "fixture");
	v = &F.vm[0];
	drv = sva_iommu_driver_of(F.iommu);
	TEST_ASSERT_SUCCESS(sva_iommu_info_get(F.iommu, &info), "info");
	TEST_ASSERT(info.caps & SVA_IOMMU_CAP_NESTED, "SVA_IOMMU_CAP_NESTED");
	cfg = (struct sva_nested_cfg){ .format = cur_arm ? SVA_NESTED_SMMUV3_CD :
		SVA_NESTED_VTD_FL, .ram = guest_ram(&v->g), .table_gpa = cur_arm ? v->g.cd_gpa :
		v->g.root, .s1cdmax = 4 };
	if (!cur_arm) {
		/* VT-d: the host owns the PASID table: no whole-table bind */
		TEST_ASSERT_RET(drv->nested_attach(v->dev, SVA_NESTED_ALL_PASIDS, &cfg),
			-EOPNOTSUPP);
		cfg.format = SVA_NESTED_SMMUV3_CD;
		TEST_ASSERT_RET(drv->nested_attach(v->dev, p, &cfg), -EOPNOTSUPP);
		cfg.format = SVA_NESTED_VTD_FL;
		cfg.table_gpa = v->g.root + 64;   /* the PML4 is 4 KiB aligned */
		TEST_ASSERT_RET(drv->nested_attach(v->dev, p, &cfg), -EINVAL);
		cfg.table_gpa = RAM_SIZE;         /* outside guest RAM */
		TEST_ASSERT_RET(drv->nested_attach(v->dev, p, &cfg), -EINVAL);
		cfg.table_gpa = v->g.root;
		TEST_ASSERT_SUCCESS(drv->nested_attach(v->dev, p, &cfg), "attach");
		TEST_ASSERT_RET(drv->nested_attach(v->dev, p, &cfg), -EBUSY);
		drv->nested_detach(v->dev, p);
		TEST_ASSERT_SUCCESS(drv->nested_attach(v->dev, p, &cfg), "again after detach");
	} else {
		cfg.format = SVA_NESTED_VTD_FL;
		TEST_ASSERT_RET(drv->nested_attach(v->dev, p, &cfg), -EOPNOTSUPP);
		cfg.format = SVA_NESTED_SMMUV3_CD;
		/* the CD table is bound whole, S1CDMAX 0..20, 64-byte aligned */
		TEST_ASSERT_RET(drv->nested_attach(v->dev, p, &cfg), -EINVAL);
		cfg.s1cdmax = 21;
		TEST_ASSERT_RET(drv->nested_attach(v->dev, SVA_NESTED_ALL_PASIDS, &cfg), -EINVAL);
		cfg.s1cdmax = 4;
		cfg.table_gpa = v->g.cd_gpa + 32;
		TEST_ASSERT_RET(drv->nested_attach(v->dev, SVA_NESTED_ALL_PASIDS, &cfg), -EINVAL);
		cfg.table_gpa = v->g.cd_gpa;
		cfg.s1fmt = 3;
		TEST_ASSERT_RET(drv->nested_attach(v->dev, SVA_NESTED_ALL_PASIDS, &cfg), -EINVAL);
		cfg.s1fmt = 0;
		/* an all-zero table is legal until a PASID is used (read then, not here) */
		cfg.table_gpa = 0x200000;
		TEST_ASSERT_SUCCESS(drv->nested_attach(v->dev, SVA_NESTED_ALL_PASIDS, &cfg),
			"a zero CD table");
		TEST_ASSERT_RET(drv->nested_attach(v->dev, SVA_NESTED_ALL_PASIDS, &cfg), -EBUSY);
		drv->nested_detach(v->dev, SVA_NESTED_ALL_PASIDS);
	}
	cfg.format = SVA_NESTED_SELFTEST;
	TEST_ASSERT_RET(drv->nested_attach(v->dev, p + 1, &cfg), -EOPNOTSUPP);
	cfg.format = cur_arm ? SVA_NESTED_SMMUV3_CD : SVA_NESTED_VTD_FL;
	cfg.ram.size = 0;
	TEST_ASSERT_RET(drv->nested_attach(v->dev, p + 1, &cfg), -EINVAL);
	fixture_close();
	return TEST_SUCCESS;
}

/* What nested PASIDs do not support, refused up front with an errno and a log line
 * (sva_emu.h): SVA_EMU_OP_PAGE_REQUEST on a nested PASID (-EOPNOTSUPP from
 * sva_emu_submit()), and a nested bind on a stall-model dev (SMMUv3 stall=1:
 * -EOPNOTSUPP from the driver and from sva_dev_nested_attach()). */
static int
case_unsupported(const char *model)
{
	const uint32_t p = 5;
	struct sva_emu_desc d = {
		.op = SVA_EMU_OP_PAGE_REQUEST, .flags = SVA_EMU_DESC_PASID_VALID, .pasid = p,
		.dst = GVA_BASE, .len = PG,
	};
	struct sva_emu_comp c;
	struct sva_fault ev[4];
	struct vm *v;

	TEST_ASSERT_SUCCESS(fixture_open(model, 1, &p, true), "fixture");
	v = &F.vm[0];
	test_log_capture_start();
	TEST_ASSERT_RET(sva_emu_submit(v->dev, &d, &c), -EOPNOTSUPP);
	test_log_capture_stop();
	TEST_ASSERT_LOGGED("page_request on PASID 5: the PASID has a nested (vSVA) bind");
	/* a range of PASIDs that takes the nested one in */
	d.pasid = p - 2;
	d.pr_pasids = 4;
	test_log_capture_start();
	TEST_ASSERT_RET(sva_emu_submit(v->dev, &d, &c), -EOPNOTSUPP);
	test_log_capture_stop();
	/* VT-d names the bound one; SMMUv3's CD table makes every SSID nested */
	TEST_ASSERT_LOGGED(cur_arm ? "page_request on PASID 3: the PASID has a nested" :
		"page_request on PASID 5: the PASID has a nested");
	d.pasid = p + 1;
	d.pr_pasids = 0;
	if (!cur_arm) {
		/* VT-d: the other PASIDs stay host PASIDs (not attached here: an event) */
		TEST_ASSERT_SUCCESS(sva_emu_submit(v->dev, &d, &c), "a host PASID");
		TEST_ASSERT_SUCCESS(sva_emu_wait(v->dev, &c, WAIT_US), "wait");
		TEST_ASSERT_EQUAL(c.status, SVA_EMU_STATUS_UNRECOVERABLE, "not attached");
		TEST_ASSERT_EQUAL(sva_iommu_evtq_read(F.iommu, ev, 4), 1, "its event");
	} else {
		const struct sva_iommu_driver *drv = sva_iommu_driver_of(F.iommu);
		struct sva_nested_cfg cfg = { .format = SVA_NESTED_SMMUV3_CD,
			.ram = guest_ram(&v->g), .table_gpa = v->g.cd_gpa, .s1cdmax = 4 };
		struct sva_dev *sd;

		/* SMMUv3: the guest's CD table covers every SubstreamID of the dev */
		TEST_ASSERT_RET(sva_emu_submit(v->dev, &d, &c), -EOPNOTSUPP);
		/* the stall model sends no page request for the VMM to answer */
		sd = sva_dev_open(F.iommu, "rid=0x40,stall=1");
		TEST_ASSERT_NOT_NULL(sd, "a stall-model dev");
		test_log_capture_start();
		TEST_ASSERT_RET(drv->nested_attach(sd, SVA_NESTED_ALL_PASIDS, &cfg), -EOPNOTSUPP);
		TEST_ASSERT_RET(sva_dev_nested_attach(sd, SVA_NESTED_ALL_PASIDS, &cfg),
			-EOPNOTSUPP);
		test_log_capture_stop();
		sva_dev_close(sd);
		TEST_ASSERT_EQUAL(test_log_count("nested translation is not supported on a "
			"stall-model dev (stall=1)"), 2, "each refusal logged");
	}
	TEST_ASSERT_EQUAL(v->s1 + v->s2 + F.unrouted, 0, "no page request");
	fixture_close();
	return TEST_SUCCESS;
}

/* Guest tables fully populated, data pages present: no page request, data right, and
 * the walker's A/D (x86) or AF (Arm, CD.HA) updates in the guest's entries. */
static int
case_populated(const char *model)
{
	const uint32_t p = 3;
	const unsigned int n = 8;
	struct sva_emu_comp c;
	uint64_t src_gpa, dst_gpa, src = GVA_BASE, dst = GVA_BASE + 64 * PG, e;
	struct vm *v;

	TEST_ASSERT_SUCCESS(fixture_open(model, 1, &p, true), "fixture");
	v = &F.vm[0];
	src_gpa = map_data(v, src, n, true, 11);
	dst_gpa = map_data(v, dst, n, true, 99);
	TEST_ASSERT_SUCCESS(job(v, SVA_EMU_OP_COPY, src, dst, n * PG, &c), "job");
	TEST_ASSERT_EQUAL(c.status, SVA_EMU_STATUS_SUCCESS, "status");
	TEST_ASSERT_EQUAL(c.page_reqs, 0, "no page request");
	TEST_ASSERT_EQUAL(v->s1 + v->s2 + F.unrouted, 0, "nothing for the VMM or svapoll");
	TEST_ASSERT_SUCCESS(check_data(v, dst_gpa, n, 11), "copied through GVAs");
	TEST_ASSERT_SUCCESS(check_data(v, src_gpa, n, 11), "source unchanged");
	e = *gent(&v->g, entry_gpa(&v->g, src, 3));
	if (cur_arm) {
		TEST_ASSERT(e & ARM_AF, "AF set on the source leaf (CD.HA)");
		TEST_ASSERT(*gent(&v->g, entry_gpa(&v->g, dst + 3 * PG, 3)) & ARM_AF, "dst AF");
	} else {
		TEST_ASSERT((e & (X86_A | X86_D)) == X86_A, "source PTE: A, not D (0x%" PRIx64 ")",
			e);
		e = *gent(&v->g, entry_gpa(&v->g, dst, 3));
		TEST_ASSERT((e & (X86_A | X86_D)) == (X86_A | X86_D), "dest PTE: A and D");
		TEST_ASSERT(*gent(&v->g, entry_gpa(&v->g, dst, 0)) & X86_A, "PML4E: A");
	}
	fixture_close();
	return TEST_SUCCESS;
}

/* First level not present at each level: one S1 fault each, to the VMM with the PASID
 * and the GVA, the guest maps, the job completes. */
static int
case_s1_levels(const char *model)
{
	const uint32_t p = 4;
	struct sva_emu_comp c;
	struct vm *v;

	TEST_ASSERT_SUCCESS(fixture_open(model, 1, &p, true), "fixture");
	v = &F.vm[0];
	for (unsigned int lvl = 0; lvl < 4; lvl++) {
		/* each case in its own top-level slot (PML4 / L0 index 2 + lvl) */
		uint64_t gva = ((uint64_t)(2 + lvl) << 39) + 0x1234000;
		uint64_t src = GVA_BASE + (uint64_t)lvl * PG;
		uint64_t gpa = map_data(v, src, 1, true, (uint8_t)(lvl * 3));
		uint64_t s1 = v->s1, s2 = v->s2;

		guest_map(&v->g, gva, 0, true, lvl);   /* the entry at lvl absent */
		TEST_ASSERT_SUCCESS(job(v, SVA_EMU_OP_COPY, src, gva + 8, PG - 8, &c), "job");
		TEST_ASSERT_EQUAL(c.status, SVA_EMU_STATUS_SUCCESS, "level %u", lvl);
		TEST_ASSERT_EQUAL(v->s1 - s1, 1, "level %u: one first-level fault", lvl);
		TEST_ASSERT_EQUAL(v->last_s1.addr, gva, "level %u: addr is the GVA page", lvl);
		TEST_ASSERT_EQUAL(v->last_s1.pasid, p, "the PASID");
		TEST_ASSERT_EQUAL(v->last_s1.perm, SVA_FAULT_PERM_WRITE, "a write");
		TEST_ASSERT(!(v->last_s1.flags & SVA_FAULT_PR_NESTED_S2), "S1 only");
		/* the guest's handler mapped a fresh, untouched page: one S2 for it */
		TEST_ASSERT_EQUAL(v->s2 - s2, 1, "level %u: one second-level fault", lvl);
		TEST_ASSERT(memcmp(v->g.ram + (v->next_data - PG) + 8, v->g.ram + gpa, PG - 8) == 0,
			"level %u: data", lvl);
	}
	TEST_ASSERT_EQUAL(F.unrouted, 0, "nothing unrouted");
	fixture_close();
	return TEST_SUCCESS;
}

/* Guest RAM untouched under a mapped GVA: second-level faults only, resolved without the
 * VMM; then a table page absent in this process: one S2 for it, then success. */
static int
case_s2(const char *model)
{
	const uint32_t p = 6;
	const unsigned int n = 5;
	struct sva_emu_comp c;
	uint64_t src = GVA_BASE, dst = GVA_BASE + 32 * PG, dst_gpa, pt;
	struct vm *v;

	TEST_ASSERT_SUCCESS(fixture_open(model, 1, &p, true), "fixture");
	v = &F.vm[0];
	map_data(v, src, n, true, 5);
	dst_gpa = map_data(v, dst, n, false, 0);   /* untouched guest RAM */
	TEST_ASSERT_SUCCESS(job(v, SVA_EMU_OP_COPY, src, dst, n * PG, &c), "job");
	TEST_ASSERT_EQUAL(c.status, SVA_EMU_STATUS_SUCCESS, "status");
	TEST_ASSERT_EQUAL(v->s1, 0, "the VMM saw nothing");
	TEST_ASSERT_EQUAL(v->s2, n, "one second-level fault per destination page");
	TEST_ASSERT_EQUAL(v->s2_bad, 0, "every one inside guest RAM");
	TEST_ASSERT_EQUAL(v->last_s2.gpa, dst_gpa + (n - 1) * PG, "gpa of the last");
	TEST_ASSERT_EQUAL(v->last_s2.addr, (uint64_t)(uintptr_t)v->g.ram + v->last_s2.gpa,
		"addr = ram.base + gpa");
	TEST_ASSERT(v->last_s2.flags & SVA_FAULT_PR_NESTED_S2, "S2 flag");
	TEST_ASSERT_SUCCESS(check_data(v, dst_gpa, n, 5), "data");

	/* the leaf table page of src leaves this process (contents stay in the memfd) */
	pt = entry_gpa(&v->g, src, 3) & ~(uint64_t)(PG - 1);
	TEST_ASSERT_SUCCESS(madvise(v->g.ram + pt, PG, MADV_DONTNEED), "drop the table page");
	TEST_ASSERT_SUCCESS(sva_iommu_iotlb_inval(F.iommu, p, 0, 0), "host IOTLB");
	TEST_ASSERT_SUCCESS(sva_iommu_driver_of(F.iommu)->nested_inval(v->dev,
		cur_arm ? SVA_NESTED_ALL_PASIDS : p, 0, 0), "first-level IOTLB");
	TEST_ASSERT_SUCCESS(job(v, SVA_EMU_OP_COMPARE, src, dst, n * PG, &c), "compare");
	TEST_ASSERT_EQUAL(c.status, SVA_EMU_STATUS_SUCCESS, "status");
	TEST_ASSERT_EQUAL(c.result, 0, "equal");
	TEST_ASSERT_EQUAL(v->s1, 0, "still nothing for the VMM");
	TEST_ASSERT_EQUAL(v->s2, n + 1, "one more: the table page");
	TEST_ASSERT_EQUAL(v->last_s2.gpa, pt, "its gpa is the table page");
	TEST_ASSERT_EQUAL(v->last_s2.perm & SVA_FAULT_PERM_READ, SVA_FAULT_PERM_READ, "read");
	fixture_close();
	return TEST_SUCCESS;
}

/* The first-level IOTLB: a present entry changed without invalidation keeps its old
 * translation; after nested_inval the new one is used. */
static int
case_iotlb(const char *model)
{
	const uint32_t p = 7;
	struct sva_emu_comp c;
	uint64_t src = GVA_BASE, dst = GVA_BASE + 16 * PG, a, b, d_gpa, *pte;
	uint32_t ipasid = cur_arm ? SVA_NESTED_ALL_PASIDS : p;
	struct vm *v;
	struct sva_emu_counters k0, k1;

	TEST_ASSERT_SUCCESS(fixture_open(model, 1, &p, true), "fixture");
	v = &F.vm[0];
	a = map_data(v, src, 1, true, 1);
	d_gpa = map_data(v, dst, 1, true, 0);
	b = v->next_data;
	v->next_data += PG;
	for (unsigned int i = 0; i < PG; i++)
		v->g.ram[b + i] = (uint8_t)(200 + i);   /* check_data's pattern, seed 200 */
	TEST_ASSERT_SUCCESS(job(v, SVA_EMU_OP_COPY, src, dst, PG, &c), "first");
	TEST_ASSERT_SUCCESS(check_data(v, d_gpa, 1, 1), "A copied");
	/* the guest points src at page B, and does not invalidate */
	pte = gent(&v->g, entry_gpa(&v->g, src, 3));
	*pte = (*pte & ~(cur_arm ? ARM_ADDR : X86_ADDR)) | b;
	memset(v->g.ram + d_gpa, 0, PG);
	sva_emu_counters_get(F.iommu, &k0);
	TEST_ASSERT_SUCCESS(job(v, SVA_EMU_OP_COPY, src, dst, PG, &c), "stale");
	TEST_ASSERT_SUCCESS(check_data(v, d_gpa, 1, 1), "the stale translation (A) is used");
	sva_emu_counters_get(F.iommu, &k1);
	TEST_ASSERT_EQUAL(k1.nested_walks - k0.nested_walks, 0, "no walk: IOTLB hits");
	/* a range invalidation elsewhere does not drop it */
	TEST_ASSERT_SUCCESS(sva_iommu_driver_of(F.iommu)->nested_inval(v->dev, ipasid,
		src + PG, PG), "other range");
	TEST_ASSERT_SUCCESS(job(v, SVA_EMU_OP_COPY, src, dst, PG, &c), "still stale");
	TEST_ASSERT_SUCCESS(check_data(v, d_gpa, 1, 1), "still A");
	TEST_ASSERT_SUCCESS(sva_iommu_driver_of(F.iommu)->nested_inval(v->dev, ipasid, src, PG),
		"invalidate");
	TEST_ASSERT_SUCCESS(job(v, SVA_EMU_OP_COPY, src, dst, PG, &c), "after");
	TEST_ASSERT_SUCCESS(check_data(v, d_gpa, 1, 200), "B after the invalidation");
	TEST_ASSERT_EQUAL(v->s1 + v->s2 + F.unrouted, 0, "no fault at all");
	sva_emu_counters_get(F.iommu, &k1);
	TEST_ASSERT_EQUAL(k1.nested_invals - k0.nested_invals, 2, "two invalidations");
	if (cur_arm) {
		/* the CD cache: the guest points its CD at new tables mapping src to page C;
		 * a range invalidation drops the translation but not the cached CD (the walk
		 * still uses the old TTB0), a whole invalidation (size 0) drops the CD too */
		uint64_t cpage = v->next_data, *cd;

		v->next_data += PG;
		for (unsigned int i = 0; i < PG; i++)
			v->g.ram[cpage + i] = (uint8_t)(150 + i);
		v->g.root = tbl_alloc(&v->g);
		guest_map(&v->g, src, cpage, true, 4);
		guest_map(&v->g, dst, d_gpa, true, 4);
		cd = gent(&v->g, v->g.cd_gpa + p * 64);
		cd[1] = v->g.root;
		TEST_ASSERT_SUCCESS(sva_iommu_driver_of(F.iommu)->nested_inval(v->dev, ipasid, src,
			PG), "range");
		TEST_ASSERT_SUCCESS(job(v, SVA_EMU_OP_COPY, src, dst, PG, &c), "cached CD");
		TEST_ASSERT_SUCCESS(check_data(v, d_gpa, 1, 200), "the cached CD's tables: B");
		TEST_ASSERT_SUCCESS(sva_iommu_driver_of(F.iommu)->nested_inval(v->dev, ipasid, 0, 0),
			"whole table");
		sva_emu_counters_get(F.iommu, &k0);
		TEST_ASSERT_SUCCESS(job(v, SVA_EMU_OP_COPY, src, dst, PG, &c), "CD fetched again");
		TEST_ASSERT_SUCCESS(check_data(v, d_gpa, 1, 150), "the new CD's tables: C");
		sva_emu_counters_get(F.iommu, &k1);
		TEST_ASSERT_EQUAL(k1.nested_cd_fetches - k0.nested_cd_fetches, 1, "one CD fetch");
	}
	RTE_SET_USED(a);
	fixture_close();
	return TEST_SUCCESS;
}

/* Non-recoverable configurations: an event, the job UNRECOVERABLE, never a crash. */
static int
case_bad_config(const char *model)
{
	const uint32_t p = 2;
	struct sva_emu_comp c;
	struct sva_fault ev[4];
	uint64_t src = GVA_BASE;
	struct vm *v;

	TEST_ASSERT_SUCCESS(fixture_open(model, 1, &p, true), "fixture");
	v = &F.vm[0];
	map_data(v, src, 1, true, 1);
	/* a leaf mapping beyond guest RAM: a second-level event, the GPA in it */
	guest_map(&v->g, src + PG, RAM_SIZE + 5 * PG, true, 4);
	TEST_ASSERT_SUCCESS(job(v, SVA_EMU_OP_FILL, 0, src + PG + 8, 8, &c), "job");
	TEST_ASSERT_EQUAL(c.status, SVA_EMU_STATUS_UNRECOVERABLE, "GPA outside guest RAM");
	TEST_ASSERT_EQUAL(sva_iommu_evtq_read(F.iommu, ev, 4), 1, "one event");
	TEST_ASSERT_EQUAL(ev[0].event.reason, SVA_FAULT_REASON_TRANSLATION, "translation");
	TEST_ASSERT_EQUAL(ev[0].event.flags & (SVA_FAULT_UNRECOV_NESTED_S1 |
		SVA_FAULT_UNRECOV_NESTED_S2), SVA_FAULT_UNRECOV_NESTED_S2, "second level");
	TEST_ASSERT_EQUAL(ev[0].event.gpa, RAM_SIZE + 5 * PG + 8, "its GPA");
	/* VT-d's fault record keeps the page (FI, bits 63:12), SMMUv3's event every bit */
	TEST_ASSERT_EQUAL(ev[0].event.addr, cur_arm ? src + PG + 8 : src + PG, "the GVA");
	if (!cur_arm) {
		/* a reserved bit (51, above the 48-bit address width) in the leaf */
		*gent(&v->g, entry_gpa(&v->g, src, 3)) |= UINT64_C(1) << 51;
		TEST_ASSERT_SUCCESS(job(v, SVA_EMU_OP_FILL, 0, src, 64, &c), "job");
		TEST_ASSERT_EQUAL(c.status, SVA_EMU_STATUS_UNRECOVERABLE, "status");
		TEST_ASSERT_EQUAL(c.fault_addr, src, "at the GVA");
		TEST_ASSERT_EQUAL(sva_iommu_evtq_read(F.iommu, ev, 4), 1, "one fault record");
		TEST_ASSERT_EQUAL(ev[0].event.hw_event, VTD_FR_FL_RSVD, "reason 0x72");
		TEST_ASSERT_EQUAL(ev[0].event.flags & (SVA_FAULT_UNRECOV_NESTED_S1 |
			SVA_FAULT_UNRECOV_NESTED_S2), SVA_FAULT_UNRECOV_NESTED_S1, "first level");
		TEST_ASSERT_EQUAL(ev[0].event.pasid, p, "PASID");
		TEST_ASSERT_EQUAL(ev[0].event.addr, src, "address");
	} else {
		struct vm w = *v;
		uint64_t *cd = gent(&v->g, v->g.cd_gpa + 9 * 64);

		/* SSID 9: its CD is all zero (V == 0) */
		w.pasid = 9;
		TEST_ASSERT_SUCCESS(job(&w, SVA_EMU_OP_FILL, 0, src, 64, &c), "job");
		TEST_ASSERT_EQUAL(c.status, SVA_EMU_STATUS_UNRECOVERABLE, "V == 0");
		TEST_ASSERT_EQUAL(sva_iommu_evtq_read(F.iommu, ev, 4), 1, "one event");
		TEST_ASSERT_EQUAL(ev[0].event.hw_event, EVT_C_BAD_CD, "C_BAD_CD");
		TEST_ASSERT_EQUAL(ev[0].event.pasid, 9, "SubstreamID");
		TEST_ASSERT(ev[0].event.flags & SVA_FAULT_UNRECOV_NESTED_S1, "the guest's CD");
		/* V == 1 but AA64 == 0: ILLEGAL here (VMSAv8-32 not implemented) */
		cd[0] = CD0_T0SZ(16) | CD0_EPD1 | CD0_V | CD0_IPS_48;
		cd[1] = v->g.root;
		TEST_ASSERT_SUCCESS(job(&w, SVA_EMU_OP_FILL, 0, src, 64, &c), "job");
		TEST_ASSERT_EQUAL(c.status, SVA_EMU_STATUS_UNRECOVERABLE, "AA64 == 0");
		TEST_ASSERT_EQUAL(sva_iommu_evtq_read(F.iommu, ev, 4), 1, "one event");
		TEST_ASSERT_EQUAL(ev[0].event.hw_event, EVT_C_BAD_CD, "C_BAD_CD");
		/* fixed by the guest (the invalid CD was not cached): it works */
		cd[0] |= CD0_AA64 | CD0_HA;
		TEST_ASSERT_SUCCESS(job(&w, SVA_EMU_OP_FILL, 0, src, 64, &c), "job");
		TEST_ASSERT_EQUAL(c.status, SVA_EMU_STATUS_SUCCESS, "a valid CD");
		/* a level-2 table descriptor pointing beyond guest RAM: the level-3 read is
		 * a stage-2 translation fault: F_TRANSLATION, S2, CLASS TT, IPA = the
		 * descriptor's (IHI0070 7.3.13) */
		{
			const uint64_t tgva = GVA_BASE + (UINT64_C(1) << 30);
			const uint64_t out = RAM_SIZE + 0x3000;

			guest_map(&v->g, tgva, 0x1000, true, 4);
			*gent(&v->g, entry_gpa(&v->g, tgva, 2)) = out | ARM_VALID | ARM_TABLE;
			TEST_ASSERT_SUCCESS(job(&w, SVA_EMU_OP_FILL, 0, tgva + 8, 8, &c), "job");
			TEST_ASSERT_EQUAL(c.status, SVA_EMU_STATUS_UNRECOVERABLE, "TT outside");
			TEST_ASSERT_EQUAL(sva_iommu_evtq_read(F.iommu, ev, 4), 1, "one event");
			TEST_ASSERT_EQUAL(ev[0].event.hw_event, EVT_F_TRANSLATION, "F_TRANSLATION");
			TEST_ASSERT_EQUAL(ev[0].event.reason, SVA_FAULT_REASON_TRANSLATION, "TT");
			TEST_ASSERT_EQUAL(ev[0].event.flags & (SVA_FAULT_UNRECOV_NESTED_S1 |
				SVA_FAULT_UNRECOV_NESTED_S2 | SVA_FAULT_UNRECOV_FETCH_ADDR_VALID),
				SVA_FAULT_UNRECOV_NESTED_S2 | SVA_FAULT_UNRECOV_FETCH_ADDR_VALID,
				"stage 2, the walk's own fetch");
			TEST_ASSERT_EQUAL(ev[0].event.gpa, out + ((tgva >> 12) & 511) * 8,
				"the level-3 descriptor's GPA");
			TEST_ASSERT_EQUAL(ev[0].event.fetch_addr, ev[0].event.gpa, "fetched there");
			TEST_ASSERT_EQUAL(ev[0].event.addr, tgva + 8, "the input address");
		}
		/* SSID 16 >= 2^S1CDMAX (4) */
		w.pasid = 16;
		TEST_ASSERT_SUCCESS(job(&w, SVA_EMU_OP_FILL, 0, src, 64, &c), "job");
		TEST_ASSERT_EQUAL(c.status, SVA_EMU_STATUS_UNRECOVERABLE, "SSID beyond S1CDMAX");
		TEST_ASSERT_EQUAL(sva_iommu_evtq_read(F.iommu, ev, 4), 1, "one event");
		TEST_ASSERT_EQUAL(ev[0].event.hw_event, EVT_C_BAD_SUBSTREAMID, "C_BAD_SUBSTREAMID");
		TEST_ASSERT_EQUAL(ev[0].event.pasid, 16, "SubstreamID");
		/* a two-level CD table (S1Fmt 1: 64 CDs per leaf, S1CDMAX 8) whose second
		 * L1CD (IHI0070 5.3: V bit 0, L2Ptr 55:12) points beyond guest RAM:
		 * the CD fetch of SSID 70 (leaf 1, CD 6) is a stage-2 translation fault:
		 * F_TRANSLATION, S2, CLASS CD, IPA = the CD's (IHI0070 7.3.13); a VMM
		 * presenting a stage-1-only vSMMU tells its guest F_CD_FETCH */
		{
			const struct sva_iommu_driver *drv = sva_iommu_driver_of(F.iommu);
			struct sva_nested_cfg cfg = { .format = SVA_NESTED_SMMUV3_CD,
				.ram = guest_ram(&v->g), .table_gpa = 0x300000, .s1cdmax = 8,
				.s1fmt = 1 };

			memset(v->g.ram + 0x300000, 0, 64);
			*gent(&v->g, 0x300000 + 8) = (uint64_t)RAM_SIZE | 1;
			drv->nested_detach(v->dev, SVA_NESTED_ALL_PASIDS);
			TEST_ASSERT_SUCCESS(drv->nested_attach(v->dev, SVA_NESTED_ALL_PASIDS, &cfg),
				"a two-level table");
			w.pasid = 70;
			TEST_ASSERT_SUCCESS(job(&w, SVA_EMU_OP_FILL, 0, src, 64, &c), "job");
			TEST_ASSERT_EQUAL(c.status, SVA_EMU_STATUS_UNRECOVERABLE, "CD fetch");
			TEST_ASSERT_EQUAL(sva_iommu_evtq_read(F.iommu, ev, 4), 1, "one event");
			TEST_ASSERT_EQUAL(ev[0].event.hw_event, EVT_F_TRANSLATION, "F_TRANSLATION");
			TEST_ASSERT_EQUAL(ev[0].event.reason, SVA_FAULT_REASON_PASID_INVALID,
				"the SSID's CD (CLASS CD)");
			TEST_ASSERT(ev[0].event.flags & SVA_FAULT_UNRECOV_FETCH_ADDR_VALID, "fetch");
			TEST_ASSERT_EQUAL(ev[0].event.fetch_addr, RAM_SIZE + 6 * 64,
				"FetchAddr: the CD's address");
			TEST_ASSERT_EQUAL(ev[0].event.pasid, 70, "SubstreamID");
			TEST_ASSERT(ev[0].event.flags & SVA_FAULT_UNRECOV_NESTED_S2, "stage 2");
			TEST_ASSERT_EQUAL(ev[0].event.gpa, RAM_SIZE + 6 * 64, "the CD's GPA");
			/* L1CD 0 has V == 0: C_BAD_SUBSTREAMID (7.3.9) */
			w.pasid = 1;
			TEST_ASSERT_SUCCESS(job(&w, SVA_EMU_OP_FILL, 0, src, 64, &c), "job");
			TEST_ASSERT_EQUAL(c.status, SVA_EMU_STATUS_UNRECOVERABLE, "L1CD.V == 0");
			TEST_ASSERT_EQUAL(sva_iommu_evtq_read(F.iommu, ev, 4), 1, "one event");
			TEST_ASSERT_EQUAL(ev[0].event.hw_event, EVT_C_BAD_SUBSTREAMID,
				"C_BAD_SUBSTREAMID");
		}
	}
	TEST_ASSERT_EQUAL(v->s1 + v->s2 + F.unrouted, 0, "no page request");
	fixture_close();
	return TEST_SUCCESS;
}

/* Two VMs with the same guest PASID (SMMUv3: the same SSID on two streams; VT-d: gPASID
 * 1 of each VM on its own host PASID): each VM's faults reach its own handler only. */
static int
case_two_vms(const char *model)
{
	const uint32_t smmu_p[2] = { 1, 1 }, vtd_p[2] = { 8, 9 };
	struct sva_emu_comp c[2];
	const unsigned int n = 6;
	uint64_t gpa[2] = { 0, 0 }, src = GVA_BASE, dst = GVA_BASE + 64 * PG;

	TEST_ASSERT_SUCCESS(fixture_open(model, 2, strcmp(model, "smmuv3") == 0 ? smmu_p :
		vtd_p, true), "fixture");
	for (unsigned int i = 0; i < 2; i++) {
		struct vm *v = &F.vm[i];
		struct sva_emu_desc d = {
			.op = SVA_EMU_OP_COPY, .flags = SVA_EMU_DESC_PASID_VALID,
			.pasid = v->pasid, .src = src, .dst = dst, .len = n * PG,
		};

		map_data(v, src, n, true, (uint8_t)(40 + 100 * i));
		/* the destination: VM 0 leaves the last level absent (S1), VM 1 maps
		 * untouched RAM (S2) */
		if (i == 0)
			for (unsigned int k = 0; k < n; k++)
				guest_map(&v->g, dst + k * PG, 0, true, 3);
		else
			gpa[1] = map_data(v, dst, n, false, 0);
		TEST_ASSERT_SUCCESS(sva_emu_submit(v->dev, &d, &c[i]), "submit %u", i);
	}
	for (unsigned int i = 0; i < 2; i++) {
		TEST_ASSERT_SUCCESS(sva_emu_wait(F.vm[i].dev, &c[i], WAIT_US), "wait");
		TEST_ASSERT_EQUAL(c[i].status, SVA_EMU_STATUS_SUCCESS, "VM %u", i);
	}
	/* VM 0: n first-level faults, and n second-level ones for the fresh pages its
	 * handler mapped; VM 1: n second-level faults, nothing for its VMM */
	TEST_ASSERT_EQUAL(F.vm[0].s1, n, "VM 0 first level");
	TEST_ASSERT_EQUAL(F.vm[0].s2, n, "VM 0 second level");
	TEST_ASSERT_EQUAL(F.vm[1].s1, 0, "VM 1 saw none of VM 0's faults");
	TEST_ASSERT_EQUAL(F.vm[1].s2, n, "VM 1 second level");
	TEST_ASSERT_EQUAL(F.vm[0].s2_bad + F.vm[1].s2_bad + F.unrouted, 0,
		"every S2 in its own VM's RAM");
	gpa[0] = entry_gpa(&F.vm[0].g, dst, 3);
	gpa[0] = *gent(&F.vm[0].g, gpa[0]) & (cur_arm ? ARM_ADDR : X86_ADDR);
	TEST_ASSERT_SUCCESS(check_data(&F.vm[0], gpa[0], 1, 40), "VM 0 data");
	TEST_ASSERT_SUCCESS(check_data(&F.vm[1], gpa[1], n, 140), "VM 1 data");
	fixture_close();
	return TEST_SUCCESS;
}

/* The hardware words: a nested request carries the untranslated GVA; the decoder
 * gives the record the side information back (VT-d codec; both queues below). */
static int
case_words(const char *model)
{
	struct sva_fault_page_req pr = {
		.flags = SVA_FAULT_PR_PASID_VALID | SVA_FAULT_PR_LAST_PAGE |
			SVA_FAULT_PR_NESTED_S2,
		.pasid = 5, .grpid = 3, .perm = SVA_FAULT_PERM_READ, .dev_id = 0x20,
		.addr = 0x7f0000123000, .user_cookie = 0x8000001000, .gpa = 0x123000,
	};
	struct emu_vtd_page_req r;
	struct sva_emu_comp c;
	const uint32_t p = 5;
	struct vm *v;

	if (strcmp(model, "vtd") == 0) {
		TEST_ASSERT_SUCCESS(emu_vtd_page_req_from_generic(&pr, &r), "codec");
		TEST_ASSERT_EQUAL(r.addr, 0x8000001000, "the word carries the GVA");
	}
	/* end to end: what the poll side reads from the queue */
	TEST_ASSERT_SUCCESS(fixture_open(model, 1, &p, true), "fixture");
	v = &F.vm[0];
	map_data(v, GVA_BASE, 1, false, 0);
	TEST_ASSERT_SUCCESS(job(v, SVA_EMU_OP_FILL, 0, GVA_BASE + 100, 8, &c), "job");
	TEST_ASSERT_EQUAL(c.status, SVA_EMU_STATUS_SUCCESS, "status");
	TEST_ASSERT_EQUAL(v->s2, 1, "one S2");
	TEST_ASSERT_EQUAL(v->last_s2.gpa, DATA_GPA, "gpa");
	TEST_ASSERT_EQUAL(v->last_s2.addr, (uint64_t)(uintptr_t)v->g.ram + DATA_GPA, "addr");
	TEST_ASSERT_EQUAL(v->last_s2.user_cookie, 0, "the word's address is not leaked");
	TEST_ASSERT_EQUAL(v->last_s2.gpasid, 0, "no guest data from the driver");
	fixture_close();
	return TEST_SUCCESS;
}

/* Randomized against a reference count: each destination page is, at random, not
 * mapped in the guest, mapped read-only (a write is a first-level permission fault),
 * mapped to untouched guest RAM, or mapped to guest RAM already written. The guest's
 * handler maps a fresh untouched page. Expected, per page: S1 for the first two kinds,
 * S2 for every kind but the last (the handler's page is untouched too). */
static int
case_random(const char *model)
{
	const uint32_t p = 11;
	const unsigned int n = 24;
	uint64_t rng = 0x9e3779b97f4a7c15ull;
	struct vm *v;

	TEST_ASSERT_SUCCESS(fixture_open(model, 1, &p, true), "fixture");
	v = &F.vm[0];
	for (unsigned int round = 0; round < 4; round++) {
		uint64_t src = GVA_BASE + (uint64_t)round * (UINT64_C(1) << 30);
		uint64_t dst = src + (UINT64_C(1) << 29);
		uint64_t s1 = v->s1, s2 = v->s2, want_s1 = 0, want_s2 = 0, src_gpa;
		struct sva_emu_comp c;

		src_gpa = map_data(v, src, n, true, (uint8_t)round);
		for (unsigned int i = 0; i < n; i++) {
			uint64_t gva = dst + (uint64_t)i * PG;
			unsigned int kind;

			rng ^= rng << 13;
			rng ^= rng >> 7;
			rng ^= rng << 17;
			kind = (unsigned int)(rng % 4);
			switch (kind) {
			case 0:   /* not mapped: S1, then the handler's page: S2 */
				want_s1++;
				want_s2++;
				break;
			case 1:   /* read-only: S1 (permission), then S2 for the new page */
				guest_map(&v->g, gva, v->next_data, false, 4);
				memset(v->g.ram + v->next_data, 0, PG);
				v->next_data += PG;
				want_s1++;
				want_s2++;
				break;
			case 2:   /* untouched guest RAM: S2 */
				map_data(v, gva, 1, false, 0);
				want_s2++;
				break;
			default:  /* written by the guest: nothing */
				map_data(v, gva, 1, true, 77);
				break;
			}
		}
		TEST_ASSERT_SUCCESS(job(v, SVA_EMU_OP_COPY, src, dst, n * PG, &c), "job");
		TEST_ASSERT_EQUAL(c.status, SVA_EMU_STATUS_SUCCESS, "round %u", round);
		TEST_ASSERT_EQUAL(v->s1 - s1, want_s1, "round %u: first-level faults", round);
		TEST_ASSERT_EQUAL(v->s2 - s2, want_s2, "round %u: second-level faults", round);
		TEST_ASSERT_EQUAL(c.page_reqs, want_s1 + want_s2, "round %u: the job's count",
			round);
		for (unsigned int i = 0; i < n; i++) {
			uint64_t e = *gent(&v->g, entry_gpa(&v->g, dst + (uint64_t)i * PG, 3));
			uint64_t gpa = e & (cur_arm ? ARM_ADDR : X86_ADDR);

			TEST_ASSERT(memcmp(v->g.ram + gpa, v->g.ram + src_gpa + (uint64_t)i * PG,
				PG) == 0, "round %u page %u: data", round, i);
		}
	}
	TEST_ASSERT_EQUAL(F.unrouted + v->s2_bad, 0, "all routed");
	fixture_close();
	return TEST_SUCCESS;
}

/* Wait (bounded) until ring holds n records; returns how many it holds. */
static unsigned int
ring_wait(struct rte_ring *r, unsigned int n)
{
	uint64_t end = rte_get_timer_cycles() + 10 * rte_get_timer_hz();

	while (rte_ring_count(r) < n && rte_get_timer_cycles() < end)
		rte_delay_us_sleep(100);
	return rte_ring_count(r);
}

/*
 * Through the library (sva_bind with SVA_BIND_NESTED, the poll lcore): a VM with two
 * devs, each job stopped at a first-level fault the library holds for the VMM. The VMM
 * answers one (its guest mapped the page) — a second answer is refused — and the VM is
 * torn down with the other in flight: unbind answers it Invalid. Every group the devices
 * sent got exactly one response (the device's own counters).
 */
static int
case_teardown(const char *model)
{
	struct sva_pasid_space *space = NULL;
	struct sva_vpasid_vm *map = NULL;
	struct sva_bond *bond[2] = { NULL, NULL };
	struct sva_dev *dev[2] = { NULL, NULL };
	struct sva_emu_comp c[2];
	struct sva_iommu_info info;
	struct sva_emu_counters k;
	struct sva_iopf_nested_stats ns;
	struct vm v;
	struct sva_fault rec[2];
	struct sva_page_response resp;
	unsigned int lcore = rte_get_next_lcore(-1, 1, 0);
	uint64_t gva = GVA_BASE + 0x100000;
	char args[64];
	int ret = TEST_FAILED;

	cur_arm = strcmp(model, "smmuv3") == 0;
	memset(&v, 0, sizeof(v));
	v.g.fd = -1;
	v.next_data = DATA_GPA;
	snprintf(args, sizeof(args), "emu,model=%s,pasid_bits=16", model);
	F.iommu = sva_iommu_create(args);
	space = sva_pasid_space_create("nested-teardown", 16, 0);
	map = space != NULL ? sva_vpasid_vm_create(space, "vm-td", 8, 20, 0) : NULL;
	if (F.iommu == NULL || map == NULL || guest_init(&v.g, 1) != 0 ||
			sva_iommu_info_get(F.iommu, &info) != 0) {
		printf("    setup failed\n");
		goto out;
	}
	if (cur_arm) {
		/* the second dev's CD table: SSID 1 too, same tables */
		memcpy(v.g.ram + 0x101000, v.g.ram + v.g.cd_gpa, 16 * 64);
	}
	for (unsigned int i = 0; i < 2; i++) {
		struct sva_nested_cfg cfg = {
			.format = cur_arm ? SVA_NESTED_SMMUV3_CD : SVA_NESTED_VTD_FL,
			.ram = guest_ram(&v.g),
			.table_gpa = cur_arm ? (i == 0 ? v.g.cd_gpa : 0x101000) : v.g.root,
			.s1cdmax = cur_arm ? 4 : 0,
		};
		struct sva_bind_params bp = {
			.size = sizeof(bp), .flags = SVA_BIND_NESTED | SVA_BIND_EVENT_RING,
			.nested = &cfg, .gpasid = 1 + (cur_arm ? 0 : i), .user_cookie = 100 + i,
		};
		uint32_t hp;

		snprintf(args, sizeof(args), "rid=0x%x,timeout_ms=10000", 0x40 + i);
		dev[i] = sva_dev_open(F.iommu, args);
		if (dev[i] == NULL || (!cur_arm && sva_vpasid_map(map, 1 + i, &hp) != 0)) {
			printf("    dev or map failed\n");
			goto out;
		}
		bond[i] = sva_bind(dev[i], sva_vpasid_vm_set(map), &bp);
		if (bond[i] == NULL) {
			printf("    sva_bind nested: %s\n", rte_strerror(rte_errno));
			goto out;
		}
	}
	if (sva_poll_lcore_start(lcore) != 0)
		goto out;
	/* both jobs write one page the guest has not mapped */
	guest_map(&v.g, gva, 0, true, 3);
	for (unsigned int i = 0; i < 2; i++) {
		struct sva_emu_desc d = {
			.op = SVA_EMU_OP_FILL, .flags = SVA_EMU_DESC_PASID_VALID,
			.pasid = cur_arm ? 1 : sva_bond_pasid(bond[i]), .dst = gva + 16 * i,
			.len = 16, .pattern = 0x55,
		};

		if (sva_emu_submit(dev[i], &d, &c[i]) != 0)
			goto out_poll;
	}
	for (unsigned int i = 0; i < 2; i++) {
		struct rte_ring *r = sva_bond_event_ring(bond[i]);

		if (ring_wait(r, 1) != 1 || rte_ring_dequeue_elem(r, &rec[i], sizeof(rec[i])) != 0) {
			printf("    bond %u: no first-level record for the VMM\n", i);
			goto out_poll;
		}
		if (rec[i].type != SVA_FAULT_PAGE_REQ ||
				!(rec[i].prm.flags & SVA_FAULT_PR_NESTED_S1) ||
				!(rec[i].prm.flags & SVA_FAULT_PR_GUEST) ||
				rec[i].prm.gpasid != 1 + (cur_arm ? 0 : i) ||
				rec[i].prm.user_cookie != 100 + i || rec[i].prm.addr != gva) {
			printf("    bond %u: record flags 0x%x gpasid %u cookie %" PRIu64 " addr 0x%"
				PRIx64 "\n", i, rec[i].prm.flags, rec[i].prm.gpasid,
				rec[i].prm.user_cookie, rec[i].prm.addr);
			goto out_poll;
		}
	}
	if (sva_nested_stats_get(bond[1], &ns) != 0 || ns.held_now != 1) {
		printf("    bond 1: held_now %" PRIu64 "\n", ns.held_now);
		goto out_poll;
	}
	/* the VMM: the guest maps the page, one answer for dev 0's group */
	guest_map(&v.g, gva, v.next_data, true, 4);
	v.next_data += PG;
	resp = (struct sva_page_response){ .argsz = sizeof(resp),
		.flags = SVA_PAGE_RESP_PASID_VALID, .dev_id = rec[0].prm.dev_id,
		.pasid = rec[0].prm.pasid, .grpid = rec[0].prm.grpid,
		.code = SVA_PAGE_RESP_SUCCESS };
	if (sva_nested_page_response(bond[0], &resp) != 0 ||
			sva_emu_wait(dev[0], &c[0], WAIT_US) != 0 ||
			c[0].status != SVA_EMU_STATUS_SUCCESS) {
		printf("    dev 0 after the VMM's answer: status %u\n", c[0].status);
		goto out_poll;
	}
	if (sva_nested_page_response(bond[0], &resp) != -EALREADY) {
		printf("    a second answer was not refused with -EALREADY\n");
		goto out_poll;
	}
	/* tear the VM down with dev 1's group still held */
	sva_unbind(bond[1]);
	bond[1] = NULL;
	if (sva_emu_wait(dev[1], &c[1], WAIT_US) != 0 || c[1].status != SVA_EMU_STATUS_PAGE_FAULT ||
			c[1].fault_addr != gva + 16) {
		printf("    dev 1 after unbind: status %u fault 0x%" PRIx64 "\n", c[1].status,
			c[1].fault_addr);
		goto out_poll;
	}
	sva_unbind(bond[0]);
	bond[0] = NULL;
	sva_emu_counters_get(F.iommu, &k);
	/* dev 0: S1 + S2 (the fresh page); dev 1: S1: three groups, three responses */
	if (k.groups != 3 || k.resp_success != 2 || k.resp_invalid != 1 ||
			k.resp_duplicate != 0 || k.resp_unknown_group != 0 || k.resp_late != 0 ||
			k.groups_outstanding != 0 || k.nested_s1_faults != 2 ||
			k.nested_s2_faults != 1) {
		printf("    groups %" PRIu64 " success %" PRIu64 " invalid %" PRIu64 " dup %" PRIu64
			" unknown %" PRIu64 " outstanding %" PRIu64 "\n", k.groups, k.resp_success,
			k.resp_invalid, k.resp_duplicate, k.resp_unknown_group,
			k.groups_outstanding);
		goto out_poll;
	}
	ret = TEST_SUCCESS;
out_poll:
	sva_poll_lcore_stop(lcore);
out:
	for (unsigned int i = 0; i < 2; i++) {
		sva_unbind(bond[i]);
	}
	if (F.iommu != NULL)
		sva_poll_release(F.iommu);
	for (unsigned int i = 0; i < 2; i++) {
		sva_dev_close(dev[i]);
		if (map != NULL && !cur_arm)
			sva_vpasid_unmap(map, 1 + i);
	}
	if (map != NULL) {
		sva_pasid_reclaim(space);
		sva_vpasid_vm_destroy(map);
	}
	if (space != NULL) {
		sva_pasid_reclaim(space);
		sva_pasid_space_destroy(space);
	}
	if (F.iommu != NULL)
		sva_iommu_destroy(F.iommu);
	F.iommu = NULL;
	guest_fini(&v.g);
	return ret;
}

/* A 2 MiB first-level leaf (x86 PDE with PS, bit 7: SDM table 4-18; Arm level-2 block,
 * bits 1:0 0b01: D8-48): one walk serves every 4 KiB of it from the IOTLB. */
static int
case_huge(const char *model)
{
	const uint32_t p = 12;
	const unsigned int n = 3;
	/* the leaf's frame: GPA 4 MiB, 2 MiB aligned, below the data pages */
	uint64_t src = GVA_BASE + (UINT64_C(4) << 21), dst = GVA_BASE, big = UINT64_C(4) << 20;
	uint64_t pde;
	struct sva_emu_counters k0, k1;
	struct sva_emu_comp c;
	struct vm *v;

	TEST_ASSERT_SUCCESS(fixture_open(model, 1, &p, true), "fixture");
	v = &F.vm[0];
	/* tables down to the PD, then the 2 MiB leaf in it */
	guest_map(&v->g, src, 0, true, 2);
	pde = entry_gpa(&v->g, src, 2);
	TEST_ASSERT_NOT_EQUAL(pde, 0, "the PD");
	*gent(&v->g, pde) = cur_arm ? ARM_VALID | ARM_AP1 | ARM_SH_INNER | big :
		X86_P | X86_RW | X86_US | (UINT64_C(1) << 7) | big;
	for (unsigned int i = 0; i < n * PG; i++)
		v->g.ram[big + i] = (uint8_t)(33 + i / PG * 7 + i % PG);
	map_data(v, dst, n, true, 0);
	sva_emu_counters_get(F.iommu, &k0);
	TEST_ASSERT_SUCCESS(job(v, SVA_EMU_OP_COPY, src, dst, n * PG, &c), "job");
	TEST_ASSERT_EQUAL(c.status, SVA_EMU_STATUS_SUCCESS, "status");
	sva_emu_counters_get(F.iommu, &k1);
	TEST_ASSERT_EQUAL(k1.nested_walks - k0.nested_walks, 1 + n, "one walk for the 2 MiB "
		"leaf, one per 4 KiB destination page");
	TEST_ASSERT_EQUAL(k1.nested_s1tlb_hits - k0.nested_s1tlb_hits, n - 1, "IOTLB hits");
	TEST_ASSERT_EQUAL(v->s1 + v->s2, 0, "no fault");
	TEST_ASSERT_SUCCESS(check_data(v, DATA_GPA, n, 33), "data");
	if (cur_arm)
		TEST_ASSERT(*gent(&v->g, pde) & ARM_AF, "AF set on the block");
	else
		TEST_ASSERT((*gent(&v->g, pde) & (X86_A | X86_D)) == X86_A, "A, not D, on the PDE");
	fixture_close();
	return TEST_SUCCESS;
}

#define BOTH(name) \
static int \
name(void) \
{ \
	for (unsigned int m = 0; m < RTE_DIM(models); m++) { \
		int ret; \
		printf("  model %s\n", models[m]); \
		ret = case_##name(models[m]); \
		if (ret != TEST_SUCCESS) { \
			fixture_close(); \
			return ret; \
		} \
	} \
	return TEST_SUCCESS; \
}

#define case_test_attach_rules case_attach_rules
#define case_test_populated case_populated
#define case_test_s1_levels case_s1_levels
#define case_test_s2 case_s2
#define case_test_iotlb case_iotlb
#define case_test_bad_config case_bad_config
#define case_test_two_vms case_two_vms
#define case_test_words case_words
#define case_test_random case_random
#define case_test_teardown case_teardown
#define case_test_huge case_huge
#define case_test_unsupported case_unsupported
BOTH(test_attach_rules)
BOTH(test_populated)
BOTH(test_s1_levels)
BOTH(test_s2)
BOTH(test_iotlb)
BOTH(test_bad_config)
BOTH(test_two_vms)
BOTH(test_words)
BOTH(test_random)
BOTH(test_teardown)
BOTH(test_huge)
BOTH(test_unsupported)

static struct sva_test_suite nested_suite = {
	.name = "emu_nested",
	.cases = {
		SVA_TEST_CASE(test_attach_rules),
		SVA_TEST_CASE(test_populated),
		SVA_TEST_CASE(test_s1_levels),
		SVA_TEST_CASE(test_s2),
		SVA_TEST_CASE(test_iotlb),
		SVA_TEST_CASE(test_bad_config),
		SVA_TEST_CASE(test_two_vms),
		SVA_TEST_CASE(test_words),
		SVA_TEST_CASE(test_random),
		SVA_TEST_CASE(test_teardown),
		SVA_TEST_CASE(test_huge),
		SVA_TEST_CASE(test_unsupported),
		SVA_TEST_CASES_END(),
	},
};

static int
test_emu_nested(void)
{
	if (rte_lcore_count() < 2)
		TEST_SKIP("needs a worker lcore for the responder");
	return sva_test_suite_run(&nested_suite);
}

SVA_TEST_REGISTER(emu_nested_autotest, test_emu_nested);
