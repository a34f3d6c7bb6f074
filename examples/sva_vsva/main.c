/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * sva-vsva: a miniature VMM giving shared virtual addressing to its guests (vSVA).
 *
 * Two VMs, each with guest RAM as an untouched mapping of this process and one emu
 * device behind the (emulated) IOMMU. In each VM a guest process uses guest PASID 1 —
 * the same number in both VMs. The guest kernel builds the process's first-level page
 * tables in guest RAM (x86-64 4-level paging for --model vtd, AArch64 stage 1 behind a
 * CD table for --model smmuv3) and the VMM binds them nested on its own address space
 * (sva_bind with SVA_BIND_NESTED; VT-d: guest PASID 1 is mapped to a host PASID of the
 * VM's sva_vpasid map; SMMUv3: the VM's whole CD table, SSID 1 is the guest's own).
 *
 * The device copies --pages pages through guest virtual addresses: the source is
 * mapped and written by the guest; the destination's first half is mapped to guest RAM
 * nobody touched yet, its second half is not mapped in the guest at all. So:
 *  - every destination page of the first half is a second-level fault (guest RAM not
 *    present in this process): svapoll resolves it; the VMM never sees it;
 *  - every page of the second half is a first-level fault: svapoll hands it to the VMM
 *    (the bond's event ring) tagged with the guest PASID; the VMM injects it into the
 *    guest, whose page-fault handler maps the page to fresh guest RAM, and answers
 *    (sva_nested_page_response); the device retries, then meets the fresh page's
 *    second-level fault, which svapoll resolves.
 * Expected per VM with N pages: N/2 first-level faults, N second-level faults, none of
 * one VM's faults in the other's ring. Exit 0 only when the data, the counts and the
 * routing are all right. A closing feature table shows, with this run's counts, each
 * feature issue 13's acceptance names: the PASID-table bind (SMMUv3: the whole CD
 * table; VT-d refuses it by design), the guest PASID in fault data, the gPASID map
 * (VT-d) and the nested first-level bind.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_common.h>
#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_lcore.h>
#include <rte_ring.h>
#include <rte_ring_elem.h>

#include <sva.h>
#include <sva_emu.h>

#include "guest.h"

#define PG 4096u
#define NVM 2
#define GPASID 1u
#define RAM_SIZE (UINT64_C(64) << 20)
#define GVA_SRC UINT64_C(0x0000400000000000)
#define GVA_DST UINT64_C(0x0000400040000000)
#define WAIT_S 30

struct vm {
	char name[8];
	struct guest g;
	struct sva_vpasid_vm *map;
	uint32_t hpasid;        /* VT-d: the host PASID of guest PASID 1 */
	uint32_t job_pasid;     /* what the device tags its requests with */
	struct sva_dev *dev;
	struct sva_bond *bond;
	struct sva_emu_comp comp;
	bool done;
	/* what the VMM saw */
	unsigned int s1, foreign, events;
	unsigned int guest_recs;   /* records stamped with gPASID 1 and this VM's cookie */
	unsigned int map_back;     /* VT-d: records whose host PASID the map gives back as
				      (this VM, gPASID 1) */
	uint64_t *s1_lat;       /* cycles, per first-level group */
};

struct app {
	const char *model;
	bool arm;
	unsigned int pages;
	unsigned int poll_lcore;
	bool polling;
	struct sva_iommu *iommu;
	struct sva_pasid_space *space;
	struct vm vm[NVM];
	int table_bind_ret;        /* VT-d: what a whole guest PASID table bind got */
};

static int
parse_options(int argc, char **argv, struct app *a)
{
	static const struct option longopts[] = {
		{ "model", required_argument, NULL, 'm' },
		{ "pages", required_argument, NULL, 'p' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	char *end;
	int c;

	a->model = "vtd";
	a->pages = 64;
	optind = 1;
	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (c) {
		case 'm':
			if (strcmp(optarg, "vtd") != 0 && strcmp(optarg, "smmuv3") != 0) {
				fprintf(stderr, "sva-vsva: --model %s: the emu IOMMU models are vtd "
					"and smmuv3\n", optarg);
				return -1;
			}
			a->model = optarg;
			break;
		case 'p':
			a->pages = (unsigned int)strtoul(optarg, &end, 0);
			if (*end != '\0' || a->pages < 2 || a->pages > 4096 || a->pages % 2 != 0) {
				fprintf(stderr, "sva-vsva: --pages %s: an even number, 2..4096\n",
					optarg);
				return -1;
			}
			break;
		case 'h':
			printf("usage: sva-vsva [EAL options] -- [--model vtd|smmuv3] [--pages N] "
			       "[--help]\n\n"
			       "A miniature VMM: two VMs, guest PASID 1 in each, a device copying\n"
			       "through guest virtual addresses; first-level faults handled by the\n"
			       "guest, second-level faults by svapoll. Needs two lcores (-l 0-1).\n\n"
			       "  --model M   emu IOMMU: vtd (x86-64 first level per PASID, default) or\n"
			       "              smmuv3 (the guest's CD table, AArch64 stage 1)\n"
			       "  --pages N   pages each VM copies (even, default 64): half of the\n"
			       "              destination untouched guest RAM, half not mapped\n");
			return 1;
		default:
			fprintf(stderr, "sva-vsva: see --help for the options\n");
			return -1;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "sva-vsva: unexpected argument '%s'\n", argv[optind]);
		return -1;
	}
	a->arm = strcmp(a->model, "smmuv3") == 0;
	return 0;
}

/* ---- setup ---- */

static int
vm_setup(struct app *a, unsigned int i)
{
	struct vm *v = &a->vm[i];
	char args[64];
	struct sva_nested_cfg cfg;
	struct sva_bind_params bp;

	snprintf(v->name, sizeof(v->name), "VM %c", 'A' + i);
	v->g.fd = -1;
	v->s1_lat = calloc(a->pages, sizeof(*v->s1_lat));
	if (v->s1_lat == NULL || guest_init(&v->g, a->arm, RAM_SIZE, GPASID) != 0) {
		fprintf(stderr, "sva-vsva: %s: guest RAM: %s\n", v->name, strerror(errno));
		return -1;
	}
	snprintf(args, sizeof(args), "vsva-vm%u", i);
	v->map = sva_vpasid_vm_create(a->space, args, 16, 20, 0);
	snprintf(args, sizeof(args), "rid=0x%x,timeout_ms=5000", 0x30 + i);
	v->dev = sva_dev_open(a->iommu, args);
	if (v->map == NULL || v->dev == NULL) {
		fprintf(stderr, "sva-vsva: %s: PASID map or device: %s\n", v->name,
			rte_strerror(rte_errno));
		return -1;
	}
	cfg = (struct sva_nested_cfg){
		.format = a->arm ? SVA_NESTED_SMMUV3_CD : SVA_NESTED_VTD_FL,
		.ram = { .base = v->g.ram, .size = RAM_SIZE },
		.table_gpa = a->arm ? v->g.cd_gpa : v->g.root,
		.s1cdmax = a->arm ? (uint8_t)v->g.cd_log2 : 0,
	};
	if (!a->arm && i == 0) {
		/* VT-d: the host owns the PASID table: a guest's whole table is refused (the
		 * rule is logged); each guest PASID gets a first level of its own below */
		struct sva_pasid_table_cfg tc = { SVA_PASID_TABLE_VTD_SM, 0x100000, 16 };

		a->table_bind_ret = sva_dev_pasid_table_bind(v->dev, &tc);
	}
	if (!a->arm && sva_vpasid_map(v->map, GPASID, &v->hpasid) != 0) {
		fprintf(stderr, "sva-vsva: %s: cannot map guest PASID %u\n", v->name, GPASID);
		return -1;
	}
	memset(&bp, 0, sizeof(bp));
	bp.size = sizeof(bp);
	bp.flags = SVA_BIND_NESTED | SVA_BIND_EVENT_RING;
	bp.nested = &cfg;
	bp.gpasid = GPASID;
	bp.user_cookie = 0x564d41ull + i;   /* "VMA", "VMB": which VM a record is for */
	v->bond = sva_bind(v->dev, sva_vpasid_vm_set(v->map), &bp);
	if (v->bond == NULL) {
		fprintf(stderr, "sva-vsva: %s: sva_bind (nested): %s\n", v->name,
			rte_strerror(rte_errno));
		return -1;
	}
	v->job_pasid = a->arm ? GPASID : sva_bond_pasid(v->bond);
	return 0;
}

static int
setup(struct app *a)
{
	char args[96];

	snprintf(args, sizeof(args), "emu,name=vsva0,model=%s,pasid_bits=16", a->model);
	a->iommu = sva_iommu_create(args);
	a->space = sva_pasid_space_create("vsva", 16, 0);
	if (a->iommu == NULL || a->space == NULL) {
		fprintf(stderr, "sva-vsva: cannot create the emu iommu: %s\n",
			rte_strerror(rte_errno));
		return -1;
	}
	for (unsigned int i = 0; i < NVM; i++)
		if (vm_setup(a, i) != 0)
			return -1;
	if (sva_poll_lcore_start(a->poll_lcore) != 0) {
		fprintf(stderr, "sva-vsva: cannot poll on lcore %u\n", a->poll_lcore);
		return -1;
	}
	a->polling = true;
	return 0;
}

static void
teardown(struct app *a)
{
	for (unsigned int i = 0; i < NVM; i++)
		sva_unbind(a->vm[i].bond);
	if (a->polling)
		sva_poll_lcore_stop(a->poll_lcore);
	if (a->iommu != NULL)
		sva_poll_release(a->iommu);
	for (unsigned int i = 0; i < NVM; i++) {
		struct vm *v = &a->vm[i];

		sva_dev_close(v->dev);
		if (v->map != NULL) {
			if (!a->arm)
				sva_vpasid_unmap(v->map, GPASID);
			sva_pasid_reclaim(a->space);
			sva_vpasid_vm_destroy(v->map);
		}
		guest_fini(&v->g);
		free(v->s1_lat);
	}
	if (a->iommu != NULL)
		sva_iommu_destroy(a->iommu);
	if (a->space != NULL) {
		sva_pasid_reclaim(a->space);
		sva_pasid_space_destroy(a->space);
	}
}

/* ---- the guest process's buffers, and the device job ---- */

static uint8_t
pattern(unsigned int vm, uint64_t off)
{
	return (uint8_t)(off * 7 + off / PG + vm * 101);
}

static void
guest_buffers(struct app *a, struct vm *v, unsigned int vi)
{
	/* source: mapped and written by the guest (present everywhere) */
	for (unsigned int p = 0; p < a->pages; p++) {
		uint64_t gpa = guest_page(&v->g);

		guest_map(&v->g, GVA_SRC + (uint64_t)p * PG, gpa);
		for (unsigned int b = 0; b < PG; b++)
			v->g.ram[gpa + b] = pattern(vi, (uint64_t)p * PG + b);
	}
	/* destination: the first half mapped to guest RAM nobody touched, the second
	 * half not mapped in the guest */
	for (unsigned int p = 0; p < a->pages / 2; p++)
		guest_map(&v->g, GVA_DST + (uint64_t)p * PG, guest_page(&v->g));
}

static int
submit(struct app *a, struct vm *v)
{
	struct sva_emu_desc d = {
		.op = SVA_EMU_OP_COPY, .flags = SVA_EMU_DESC_PASID_VALID, .pasid = v->job_pasid,
		.src = GVA_SRC, .dst = GVA_DST, .len = (uint64_t)a->pages * PG,
	};

	return sva_emu_submit(v->dev, &d, &v->comp);
}

/* ---- the VMM: first-level faults into the guest, answers back ---- */

static int
u64_cmp(const void *x, const void *y)
{
	uint64_t a = *(const uint64_t *)x, b = *(const uint64_t *)y;

	return a < b ? -1 : a > b;
}

static void
vmm_serve(struct app *a, unsigned int vi)
{
	struct vm *v = &a->vm[vi];
	struct rte_ring *r = sva_bond_event_ring(v->bond);
	struct sva_fault rec;

	while (rte_ring_dequeue_elem(r, &rec, sizeof(rec)) == 0) {
		const struct sva_fault_page_req *pr = &rec.prm;
		struct sva_page_response resp;
		int ret;

		if (rec.type != SVA_FAULT_PAGE_REQ) {
			v->events++;
			printf("    %s: unrecoverable fault (reason %u) at 0x%" PRIx64 "\n", v->name,
				rec.event.reason, rec.event.addr);
			continue;
		}
		/* routed by guest PASID and cookie: a record of the other VM would be a bug */
		if (!(pr->flags & SVA_FAULT_PR_GUEST) || pr->gpasid != GPASID ||
				pr->user_cookie != 0x564d41ull + vi ||
				!(pr->flags & SVA_FAULT_PR_NESTED_S1)) {
			v->foreign++;
			continue;
		}
		v->guest_recs++;
		if (!a->arm) {
			struct sva_vpasid_vm *owner = NULL;
			uint32_t g = UINT32_MAX;

			/* the map agrees: the host PASID is this VM's gPASID 1 */
			if (sva_vpasid_find_host(a->space, pr->pasid, &owner, &g) == 0 &&
					owner == v->map && g == pr->gpasid)
				v->map_back++;
		}
		/* inject into the guest: its page-fault handler maps the page */
		guest_fault(&v->g, pr->addr);
		if (!(pr->flags & SVA_FAULT_PR_LAST_PAGE))
			continue;
		resp = (struct sva_page_response){
			.argsz = sizeof(resp), .flags = SVA_PAGE_RESP_PASID_VALID,
			.dev_id = pr->dev_id, .pasid = pr->pasid, .grpid = pr->grpid,
			.code = SVA_PAGE_RESP_SUCCESS, .cookie = pr->cookie, /* the instance tag */
		};
		ret = sva_nested_page_response(v->bond, &resp);
		if (v->s1 < a->pages && (pr->flags & SVA_FAULT_PR_TIMESTAMP))
			v->s1_lat[v->s1] = rte_rdtsc() - pr->timestamp;
		v->s1++;
		if (ret != 0)
			printf("    %s: sva_nested_page_response: %s\n", v->name, strerror(-ret));
	}
}

static int
run(struct app *a)
{
	uint64_t deadline = rte_get_timer_cycles() + WAIT_S * rte_get_timer_hz();
	unsigned int left = NVM;

	for (unsigned int i = 0; i < NVM; i++) {
		guest_buffers(a, &a->vm[i], i);
		if (submit(a, &a->vm[i]) != 0) {
			fprintf(stderr, "sva-vsva: submit failed\n");
			return -1;
		}
	}
	/* the VMM's loop: serve both VMs' rings until both copies completed */
	while (left > 0) {
		for (unsigned int i = 0; i < NVM; i++) {
			struct vm *v = &a->vm[i];

			vmm_serve(a, i);
			if (!v->done && sva_emu_wait(v->dev, &v->comp, 0) == 0) {
				v->done = true;
				left--;
			}
		}
		if (rte_get_timer_cycles() > deadline) {
			fprintf(stderr, "sva-vsva: the copies did not complete in %d s\n", WAIT_S);
			return -1;
		}
		rte_delay_us_sleep(20);
	}
	for (unsigned int i = 0; i < NVM; i++)
		vmm_serve(a, i);
	return 0;
}

/* ---- the report ---- */

static int
verify(struct app *a, unsigned int vi)
{
	struct vm *v = &a->vm[vi];

	for (uint64_t off = 0; off < (uint64_t)a->pages * PG; off += PG) {
		uint64_t gpa = guest_translate(&v->g, GVA_DST + off);

		if (gpa == UINT64_MAX)
			return -1;
		for (unsigned int b = 0; b < PG; b++)
			if (v->g.ram[gpa + b] != pattern(vi, off + b))
				return -1;
	}
	return 0;
}

static int
report(struct app *a)
{
	const double hz_us = (double)rte_get_tsc_hz() / 1e6;
	int ret = 0;

	for (unsigned int i = 0; i < NVM; i++) {
		struct vm *v = &a->vm[i];
		struct sva_iopf_nested_stats ns;
		struct sva_iopf_stats st;
		uint64_t s2 = 0, p50 = 0, p99 = 0;
		bool ok = v->comp.status == SVA_EMU_STATUS_SUCCESS && verify(a, i) == 0;

		memset(&ns, 0, sizeof(ns));
		memset(&st, 0, sizeof(st));
		sva_nested_stats_get(v->bond, &ns);
		sva_stats_get(a->iommu, v->bond, &st);
		/* what svapoll answered itself: every group but those it handed the VMM */
		s2 = st.groups - ns.s1_groups;
		if (v->s1 > 0) {
			unsigned int n = RTE_MIN(v->s1, a->pages);

			qsort(v->s1_lat, n, sizeof(*v->s1_lat), u64_cmp);
			p50 = v->s1_lat[n / 2];
			p99 = v->s1_lat[(n * 99) / 100];
		}
		printf("  %s: copy of %u pages through GVAs: %s\n", v->name, a->pages,
			ok ? "OK, data verified in guest RAM" : "FAILED");
		printf("    first-level faults  %u (to the VMM, gPASID %u; the guest mapped the "
			"page)\n", v->s1, GPASID);
		printf("    second-level faults %" PRIu64 " (resolved by svapoll, never seen by the "
			"VMM)\n", s2);
		/* first level: from the device's request to the VMM's answer, measured here;
		 * the bond's histogram (svapoll's) holds every group it answered or held */
		printf("    latency p50 / p99: first-level %.1f / %.1f us (request to the VMM's "
			"answer); all the bond's groups %.1f / %.1f us\n", (double)p50 / hz_us,
			(double)p99 / hz_us, (double)st.lat_p50_ns / 1e3,
			(double)st.lat_p99_ns / 1e3);
		printf("    held groups answered by the VMM %" PRIu64 ", by the deadline %" PRIu64
			", records of another VM %u, unrecoverable %u\n", ns.vmm_answers,
			ns.vmm_timeouts, v->foreign, v->events);
		if (!ok || v->s1 != a->pages / 2 || s2 != a->pages || ns.vmm_answers != v->s1 ||
				ns.vmm_timeouts != 0 || v->foreign != 0 || v->events != 0 ||
				v->g.faults != a->pages / 2)
			ret = -1;
	}
	return ret;
}

/*
 * The features issue 13's acceptance names, each with the evidence of this run; 0 when
 * each shows what it should.
 */
static int
feature_table(struct app *a)
{
	struct sva_emu_counters k;
	unsigned int recs = 0, s1 = 0, foreign = 0, back = 0, verified = 0;
	uint64_t s2 = 0;
	bool ok_tbl, ok_data, ok_map, ok_nest;
	int ret = 0;

	memset(&k, 0, sizeof(k));
	sva_emu_counters_get(a->iommu, &k);
	for (unsigned int i = 0; i < NVM; i++) {
		struct vm *v = &a->vm[i];
		struct sva_iopf_nested_stats ns;
		struct sva_iopf_stats st;

		memset(&ns, 0, sizeof(ns));
		memset(&st, 0, sizeof(st));
		sva_nested_stats_get(v->bond, &ns);
		sva_stats_get(a->iommu, v->bond, &st);
		recs += v->guest_recs;
		s1 += v->s1;
		foreign += v->foreign;
		back += v->map_back;
		s2 += st.groups - ns.s1_groups;
		verified += v->comp.status == SVA_EMU_STATUS_SUCCESS && verify(a, i) == 0;
	}
	printf("\n  feature table (issue 13):\n");
	if (a->arm) {
		/* the guest's whole CD table, read when an SSID is first used */
		ok_tbl = k.nested_cd_fetches >= NVM;
		printf("    PASID-table bind            %s: %u guest CD tables bound whole "
			"(SVA_NESTED_SMMUV3_CD, S1CDMAX %u); %" PRIu64 " CD fetches, when SSID %u "
			"was first used\n", ok_tbl ? "yes" : "FAILED", NVM, a->vm[0].g.cd_log2,
			k.nested_cd_fetches, GPASID);
	} else {
		ok_tbl = a->table_bind_ret == -EOPNOTSUPP;
		printf("    PASID-table bind            %s: the host owns the PASID table "
			"(sva_dev_pasid_table_bind: %s); each guest PASID gets a first level\n",
			ok_tbl ? "refused on VT-d, as the model requires" : "FAILED",
			strerror(-a->table_bind_ret));
	}
	ok_data = recs == (unsigned int)NVM * a->pages / 2 && foreign == 0;
	printf("    guest PASID in fault data   %s: %u of %u first-level records carried gPASID "
		"%u and their VM's cookie; %u reached the other VM\n", ok_data ? "yes" : "FAILED",
		recs, NVM * a->pages / 2, GPASID, foreign);
	if (a->arm) {
		ok_map = a->vm[0].job_pasid == GPASID && a->vm[1].job_pasid == GPASID;
		printf("    the gPASID map              %s: SMMUv3 SSIDs are the guest's own "
			"(gPASID %u = SSID %u in both VMs): no host PASID taken, the same SSID "
			"on two streams\n", ok_map ? "not needed" : "FAILED", GPASID, GPASID);
	} else {
		uint32_t h0 = UINT32_MAX, h1 = UINT32_MAX;

		sva_vpasid_find(a->vm[0].map, GPASID, &h0);
		sva_vpasid_find(a->vm[1].map, GPASID, &h1);
		ok_map = h0 == a->vm[0].hpasid && h1 == a->vm[1].hpasid && h0 != h1 &&
			back == recs;
		printf("    the gPASID map              %s: gPASID %u -> host PASID %u (VM A), "
			"%u (VM B); %u of %u records' host PASIDs found back to their VM and "
			"gPASID\n", ok_map ? "yes" : "FAILED", GPASID, h0, h1, back, recs);
	}
	ok_nest = verified == NVM && s1 == (unsigned int)NVM * a->pages / 2 &&
		s2 == (uint64_t)NVM * a->pages && k.nested_walks > 0;
	printf("    nested first-level bind     %s: %u nested binds (%s); %" PRIu64
		" first-level walks; %u first-level faults served by the guests, %" PRIu64
		" second-level by svapoll; %u of %u copies verified\n", ok_nest ? "yes" : "FAILED",
		NVM, a->arm ? "SVA_NESTED_SMMUV3_CD" : "SVA_NESTED_VTD_FL", k.nested_walks, s1,
		s2, verified, NVM);
	if (!ok_tbl || !ok_data || !ok_map || !ok_nest)
		ret = -1;
	return ret;
}

int
main(int argc, char **argv)
{
	struct app a;
	int ret, rc = 1;

	memset(&a, 0, sizeof(a));
	ret = rte_eal_init(argc, argv);
	if (ret < 0) {
		fprintf(stderr, "sva-vsva: EAL init failed: %s (try -l 0-1 --no-huge --no-pci)\n",
			rte_strerror(rte_errno));
		return 1;
	}
	argc -= ret;
	argv += ret;
	argv[0] = (char *)(uintptr_t)"sva-vsva";
	ret = parse_options(argc, argv, &a);
	if (ret != 0) {
		rte_eal_cleanup();
		return ret > 0 ? 0 : 2;
	}
	a.poll_lcore = rte_get_next_lcore(-1, 1, 0);
	if (a.poll_lcore >= RTE_MAX_LCORE) {
		fprintf(stderr, "sva-vsva: the fault path needs an lcore of its own: give EAL two "
			"lcores, e.g. -l 0-1\n");
		rte_eal_cleanup();
		return 2;
	}
	for (unsigned int i = 0; i < NVM; i++)
		a.vm[i].g.fd = -1;
	if (setup(&a) != 0)
		goto out;
	printf("sva-vsva (svapoll %s): a miniature VMM, %u VMs, guest PASID %u in each\n\n",
		sva_version(), NVM, GPASID);
	printf("  iommu %s: emu, %s\n", sva_iommu_name(a.iommu), a.arm ?
		"Arm SMMUv3: each VM's whole CD table bound (SVA_NESTED_SMMUV3_CD), AArch64 "
		"stage 1" : "Intel VT-d: a first level per PASID (SVA_NESTED_VTD_FL), x86-64 "
		"4-level paging");
	for (unsigned int i = 0; i < NVM; i++) {
		struct vm *v = &a.vm[i];

		if (a.arm)
			printf("  %s: guest RAM %" PRIu64 " MiB, dev 0x%x, CD table at GPA 0x%" PRIx64
				", guest PASID %u = SSID %u\n", v->name, RAM_SIZE >> 20, 0x30 + i,
				v->g.cd_gpa, GPASID, v->job_pasid);
		else
			printf("  %s: guest RAM %" PRIu64 " MiB, dev 0x%x, PML4 at GPA 0x%" PRIx64
				", guest PASID %u -> host PASID %u (sva_vpasid map)\n", v->name,
				RAM_SIZE >> 20, 0x30 + i, v->g.root, GPASID, v->job_pasid);
	}
	printf("  each VM copies %u pages: source mapped and written by the guest; destination "
		"half untouched guest RAM, half not mapped in the guest\n\n", a.pages);
	fflush(stdout);
	ret = run(&a);
	if (report(&a) != 0)
		ret = -1;
	if (feature_table(&a) != 0)
		ret = -1;
	if (ret == 0) {
		printf("\nsva-vsva: OK: first-level faults went to their own VM only, "
			"second-level faults were resolved by svapoll, data verified\n");
		rc = 0;
	} else {
		printf("\nsva-vsva: FAILED\n");
	}
out:
	fflush(stdout);
	teardown(&a);
	rte_eal_cleanup();
	return rc;
}
