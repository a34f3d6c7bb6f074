/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * sva-fault-events: what an SVA application sees when its device touches memory that
 * cannot be made present, and how it recovers.
 *
 * The device copies 16 pages from src to dst. In dst, page 5 is not mapped at all and
 * page 11 is read-only:
 *  - page 5: the device's walk finds no mapping. That is not a page fault svapoll can
 *    resolve: the IOMMU reports an unrecoverable fault on its event queue, svapoll
 *    delivers it to the bond (event ring, or callback with --callback), and the job
 *    ends with a partial completion: fault address and bytes done. The application
 *    maps the page (mmap MAP_FIXED) and resubmits the remainder.
 *  - page 11: the device sends a page request for write; svapoll sees the mapping is
 *    read-only and answers Invalid (reason "perm"), never touching the page. The job
 *    ends with a partial completion at that page. The application raises the
 *    permission (mprotect), refreshes svapoll's snapshot of the mappings, and
 *    resubmits the rest, which then completes.
 * Finally the CPU checks that dst equals src. Exit 0 only when every step went as
 * described and every page-request group was answered exactly once.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <rte_common.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_lcore.h>
#include <rte_ring.h>
#include <rte_ring_elem.h>

#include <sva.h>
#include <sva_emu.h>

#define PG 4096u
#define NPAGES 16u
#define HOLE_PAGE 5u      /* dst page that is not mapped */
#define RO_PAGE 11u       /* dst page that is read-only */
#define LEN (NPAGES * PG)
#define WAIT_US (30u * 1000000u)

struct app {
	const char *model;
	bool callback;
	unsigned int poll_lcore;
	bool polling;
	struct sva_iommu *iommu;
	struct sva_dev *dev;
	struct sva_pasid_space *space;
	struct sva_pasid_set *set;
	struct sva_bond *bond;
	uint8_t *src, *dst;
	unsigned int jobs;
};

/* Written by the callback on the poll lcore, read by main. */
static struct sva_fault cb_rec;
static volatile uint64_t cb_count;

static void
event_cb(struct sva_bond *bond, const struct sva_fault *rec, void *arg)
{
	RTE_SET_USED(bond);
	RTE_SET_USED(arg);
	/* keep it short: it runs on the poll lcore, between bursts of page requests */
	if (__atomic_load_n(&cb_count, __ATOMIC_RELAXED) == 0)
		cb_rec = *rec;
	__atomic_fetch_add(&cb_count, 1, __ATOMIC_RELEASE);
}

/* ---- output helpers ----------------------------------------------------------------- */

static const char *
status_name(uint32_t s)
{
	static const char *const names[] = {
		"pending", "success", "page fault: a page request was answered Invalid",
		"unrecoverable fault: reported on the event queue", "timeout", "PRI failure",
		"PRI disabled", "protocol error", "aborted",
	};

	return s < RTE_DIM(names) ? names[s] : "?";
}

static const char *
reason_name(uint32_t r)
{
	static const char *const names[] = {
		"unknown", "translation (no mapping at this address)", "address size", "access flag",
		"permission", "PASID not attached", "page request answered Invalid",
	};

	return r < RTE_DIM(names) ? names[r] : "?";
}

static const char *
perm_name(uint32_t perm)
{
	return perm & SVA_FAULT_PERM_WRITE ? "write" : perm & SVA_FAULT_PERM_READ ? "read" : "?";
}

/* "dst + 5 pages" for an address in dst */
static long
dst_page(const struct app *a, uint64_t addr)
{
	return (long)((int64_t)(addr - (uintptr_t)a->dst) / (int64_t)PG);
}

/* ---- set-up ------------------------------------------------------------------------- */

static int
parse_options(int argc, char **argv, struct app *a)
{
	static const struct option longopts[] = {
		{ "model", required_argument, NULL, 'm' },
		{ "callback", no_argument, NULL, 'c' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	a->model = "vtd";
	optind = 1;
	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (c) {
		case 'm':
			if (strcmp(optarg, "vtd") != 0 && strcmp(optarg, "smmuv3") != 0) {
				fprintf(stderr, "sva-fault-events: --model %s: the emu IOMMU models "
					"are vtd and smmuv3\n", optarg);
				return -1;
			}
			a->model = optarg;
			break;
		case 'c':
			a->callback = true;
			break;
		case 'h':
			printf("usage: sva-fault-events [EAL options] -- [--model vtd|smmuv3] "
			       "[--callback] [--help]\n\n"
			       "A device copy meets an unmapped page and a read-only page; the program\n"
			       "shows the unrecoverable event, the partial completions, and the\n"
			       "recovery. Needs two lcores (e.g. -l 0-1).\n\n"
			       "  --model M    emu IOMMU queue formats: vtd (default) or smmuv3\n"
			       "  --callback   receive unrecoverable faults through a callback on the\n"
			       "               poll lcore instead of the bond's event ring\n");
			return 1;
		default:
			fprintf(stderr, "sva-fault-events: see --help for the options\n");
			return -1;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "sva-fault-events: unexpected argument '%s'\n", argv[optind]);
		return -1;
	}
	return 0;
}

static int
buffers_setup(struct app *a)
{
	a->src = mmap(NULL, LEN, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	a->dst = mmap(NULL, LEN, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (a->src == MAP_FAILED || a->dst == MAP_FAILED) {
		fprintf(stderr, "sva-fault-events: mmap: %s\n", strerror(errno));
		return -1;
	}
	/* 4 KiB pages: the page numbers below are the device's pages */
	madvise(a->dst, LEN, MADV_NOHUGEPAGE);
	for (unsigned int i = 0; i < LEN; i++)
		a->src[i] = (uint8_t)(i / PG * 16 + i % 13);
	if (munmap(a->dst + HOLE_PAGE * PG, PG) != 0 ||
			mprotect(a->dst + RO_PAGE * PG, PG, PROT_READ) != 0) {
		fprintf(stderr, "sva-fault-events: munmap/mprotect: %s\n", strerror(errno));
		return -1;
	}
	return 0;
}

static int
sva_setup(struct app *a)
{
	char args[96];
	struct sva_bind_params bp = { 0 };

	snprintf(args, sizeof(args), "emu,name=events0,model=%s", a->model);
	a->iommu = sva_iommu_create(args);
	/* groups of up to 8 pages, and a short deadline: nothing here should wait long */
	a->dev = a->iommu != NULL ? sva_dev_open(a->iommu, "rid=0x10,prg_window=8") : NULL;
	a->space = sva_pasid_space_create("events", 20, 0);
	a->set = a->space != NULL ? sva_pasid_set_create(a->space, "sva-fault-events", 0, NULL,
		SVA_BOND_PASID_TYPE, 0) : NULL;
	if (a->dev == NULL || a->set == NULL) {
		fprintf(stderr, "sva-fault-events: cannot open the emu iommu and device: %s\n",
			rte_strerror(rte_errno));
		return -1;
	}
	if (a->callback)
		bp.event_cb = event_cb;
	else
		bp.flags = SVA_BIND_EVENT_RING; /* a ring of struct sva_fault, 1024 by default */
	a->bond = sva_bind(a->dev, a->set, &bp);
	if (a->bond == NULL) {
		fprintf(stderr, "sva-fault-events: sva_bind: %s\n", rte_strerror(rte_errno));
		return -1;
	}
	if (sva_poll_lcore_start(a->poll_lcore) != 0) {
		fprintf(stderr, "sva-fault-events: cannot poll on lcore %u\n", a->poll_lcore);
		return -1;
	}
	a->polling = true;
	return 0;
}

static void
sva_teardown(struct app *a)
{
	sva_unbind(a->bond);
	if (a->polling)
		sva_poll_lcore_stop(a->poll_lcore);
	if (a->iommu != NULL)
		sva_poll_release(a->iommu);
	sva_dev_close(a->dev);
	if (a->iommu != NULL)
		sva_iommu_destroy(a->iommu);
	if (a->set != NULL)
		sva_pasid_set_destroy(a->set, SVA_PASID_SET_FREE_ALL);
	if (a->space != NULL) {
		sva_pasid_reclaim(a->space);
		sva_pasid_space_destroy(a->space);
	}
	if (a->src != NULL && a->src != MAP_FAILED)
		munmap(a->src, LEN);
	if (a->dst != NULL && a->dst != MAP_FAILED)
		munmap(a->dst, LEN);   /* the hole too: munmap of a hole is fine */
}

/* ---- the steps ---------------------------------------------------------------------- */

/* Copy src+off -> dst+off, len - off bytes; print the completion. */
static int
copy_from(struct app *a, uint64_t off, struct sva_emu_comp *c)
{
	struct sva_emu_desc d = {
		.op = SVA_EMU_OP_COPY, .flags = SVA_EMU_DESC_PASID_VALID,
		.pasid = sva_bond_pasid(a->bond),
		.src = (uintptr_t)(a->src + off), .dst = (uintptr_t)(a->dst + off), .len = LEN - off,
	};
	int ret;

	memset(c, 0, sizeof(*c));
	printf("    submit: copy %" PRIu64 " bytes, src+%" PRIu64 " -> dst+%" PRIu64
	       " (pages %" PRIu64 "-%u), PASID %u\n", d.len, off, off, off / PG, NPAGES - 1,
	       d.pasid);
	ret = sva_emu_submit(a->dev, &d, c);
	if (ret == 0)
		ret = sva_emu_wait(a->dev, c, WAIT_US);
	if (ret != 0) {
		printf("    the job did not complete: %s\n", strerror(-ret));
		return ret;
	}
	a->jobs++;
	printf("    completion: %s\n", status_name(c->status));
	if (c->status != SVA_EMU_STATUS_SUCCESS)
		printf("      fault address  0x%" PRIx64 "  (dst page %ld), %s access\n",
			c->fault_addr, dst_page(a, c->fault_addr), perm_name(c->fault_perm));
	printf("      bytes done     %" PRIu64 " of %" PRIu64 "%s\n", c->bytes_done, d.len,
		c->status == SVA_EMU_STATUS_SUCCESS ? "" : "  (a partial completion)");
	return 0;
}

/* Take the bond's unrecoverable faults: from the ring, or what the callback saw. Waits
 * (bounded) for want of them: the poll lcore delivers them, maybe after the job ended. */
static unsigned int
take_events(struct app *a, unsigned int want, struct sva_fault *first)
{
	struct rte_ring *ring = sva_bond_event_ring(a->bond);
	unsigned int n = 0;
	struct sva_fault rec;

	for (int i = 0; i < 5000; i++) {
		if (a->callback) {
			n = (unsigned int)__atomic_load_n(&cb_count, __ATOMIC_ACQUIRE);
			if (n >= want) {
				*first = cb_rec;
				__atomic_store_n(&cb_count, 0, __ATOMIC_RELEASE);
				break;
			}
		} else {
			while (rte_ring_dequeue_elem(ring, &rec, sizeof(rec)) == 0)
				if (n++ == 0)
					*first = rec;
			if (n >= want)
				break;
		}
		if (want == 0)
			break;
		usleep(1000);
	}
	return n;
}

static void
print_event(const struct app *a, const struct sva_fault *r)
{
	printf("      type      %s\n", r->type == SVA_FAULT_UNRECOV ? "unrecoverable fault" :
		"?");
	printf("      reason    %s\n", reason_name(r->event.reason));
	printf("      address   0x%" PRIx64 "  (dst page %ld), %s access\n", r->event.addr,
		dst_page(a, r->event.addr), perm_name(r->event.perm));
	printf("      device    0x%x, PASID %u\n", r->event.dev_id, r->event.pasid);
}

static bool
check(bool ok, const char *what)
{
	if (!ok)
		printf("    UNEXPECTED: %s\n", what);
	return ok;
}

static int
run(struct app *a)
{
	const char *how = a->callback ? "callback" : "event ring";
	struct sva_iopf_stats st0, st;
	struct sva_emu_comp c;
	struct sva_fault ev;
	uint64_t perm, invalid;
	uint64_t off, hole = (uintptr_t)a->dst + HOLE_PAGE * PG, ro = (uintptr_t)a->dst + RO_PAGE * PG;
	unsigned int n;
	bool ok = true;

	printf("\n[1] The device copies all 16 pages\n");
	if (copy_from(a, 0, &c) != 0)
		return -1;
	ok &= check(c.status == SVA_EMU_STATUS_UNRECOVERABLE && c.fault_addr == hole &&
		c.bytes_done == HOLE_PAGE * PG, "expected an unrecoverable fault at dst page 5");
	n = take_events(a, 1, &ev);
	printf("    %s: %u unrecoverable fault%s\n", how, n, n == 1 ? "" : "s");
	if (n > 0)
		print_event(a, &ev);
	ok &= check(n == 1 && ev.type == SVA_FAULT_UNRECOV &&
		ev.event.reason == SVA_FAULT_REASON_TRANSLATION &&
		(ev.event.addr & ~(uint64_t)(PG - 1)) == hole,
		"expected one translation fault at dst page 5");
	if (!ok)
		return -1;

	off = c.bytes_done;
	printf("\n[2] Recover: map the missing page, resubmit the rest\n");
	if (mmap((void *)(uintptr_t)hole, PG, PROT_READ | PROT_WRITE,
			MAP_FIXED | MAP_PRIVATE | MAP_ANONYMOUS, -1, 0) == MAP_FAILED) {
		printf("    mmap MAP_FIXED: %s\n", strerror(errno));
		return -1;
	}
	printf("    mmap(dst page 5, 4 KiB, PROT_READ|PROT_WRITE, MAP_FIXED|MAP_PRIVATE|"
	       "MAP_ANONYMOUS)\n");
	sva_stats_get(NULL, a->bond, &st0);
	if (copy_from(a, off, &c) != 0)
		return -1;
	ok &= check(c.status == SVA_EMU_STATUS_PAGE_FAULT && c.fault_addr == ro &&
		c.bytes_done == (RO_PAGE - HOLE_PAGE) * PG,
		"expected a page fault (Invalid) at dst page 11");
	sva_stats_get(NULL, a->bond, &st);
	perm = st.invalid[SVA_IOPF_R_PERM] - st0.invalid[SVA_IOPF_R_PERM];
	invalid = st.resp_invalid - st0.resp_invalid;
	printf("    svapoll: %" PRIu64 " page-request group%s answered Invalid, reason \"%s\" "
	       "(page 11 is read-only: refused, never written)\n", perm, perm == 1 ? "" : "s",
	       sva_iopf_reason_name(SVA_IOPF_R_PERM));
	if (perm > 1)
		printf("      (the first group held several pages; after an Invalid the device "
		       "asks again page by page, so the fault address is exact)\n");
	n = take_events(a, 0, &ev);
	printf("    %s: %u records (an Invalid page response is reported in the completion, "
	       "not as an event)\n", how, n);
	ok &= check(perm >= 1 && invalid == perm && n == 0,
		"expected Invalid (perm) and no event");
	if (!ok)
		return -1;

	off += c.bytes_done;
	printf("\n[3] Recover: make the page writable, refresh svapoll's view, resubmit the "
	       "rest\n");
	if (mprotect((void *)(uintptr_t)ro, PG, PROT_READ | PROT_WRITE) != 0) {
		printf("    mprotect: %s\n", strerror(errno));
		return -1;
	}
	printf("    mprotect(dst page 11, 4 KiB, PROT_READ|PROT_WRITE)\n");
	/* svapoll judges a request by its snapshot of /proc/self/smaps: after raising a
	 * permission, take a new one, or the page would still be refused */
	if (sva_iopf_maps_refresh() != 0) {
		printf("    sva_iopf_maps_refresh failed\n");
		return -1;
	}
	printf("    sva_iopf_maps_refresh()  (svapoll checks permissions against its snapshot "
	       "of the mappings)\n");
	if (copy_from(a, off, &c) != 0)
		return -1;
	ok &= check(c.status == SVA_EMU_STATUS_SUCCESS && c.bytes_done == LEN - off,
		"expected the rest to complete");
	if (!ok)
		return -1;

	printf("\n[4] Check: dst == src (CPU)\n");
	ok = memcmp(a->src, a->dst, LEN) == 0;
	printf("    %s, %u bytes\n", ok ? "OK" : "WRONG", LEN);
	return ok ? 0 : -1;
}

static int
summary(struct app *a)
{
	struct sva_emu_counters k;
	struct sva_iopf_stats st;
	uint64_t answered;
	bool once;

	/* stopped: every counter is final */
	sva_poll_lcore_stop(a->poll_lcore);
	a->polling = false;
	memset(&st, 0, sizeof(st));
	memset(&k, 0, sizeof(k));
	sva_stats_get(a->iommu, NULL, &st);
	sva_emu_counters_get(a->iommu, &k);
	answered = k.resp_success + k.resp_invalid + k.resp_failure;
	once = answered == k.groups && k.groups_outstanding == 0 && k.resp_duplicate == 0 &&
		k.resp_unknown_group == 0 && k.resp_late == 0 && k.group_timeouts == 0 &&
		k.success_not_present == 0;
	printf("\nSummary\n");
	printf("  jobs                 %u submitted: %" PRIu64 " completed, %" PRIu64 " stopped "
	       "at a fault (%" PRIu64 " of them after some bytes: partial)\n", a->jobs, k.jobs_ok,
	       k.jobs_failed, k.jobs_partial);
	printf("  unrecoverable faults %" PRIu64 " written by the device, %" PRIu64
	       " delivered by svapoll\n", k.events, st.events);
	printf("  page requests        %" PRIu64 " in %" PRIu64 " groups: %" PRIu64 " Success, %"
	       PRIu64 " Invalid, %" PRIu64 " Failure\n", st.page_reqs, st.groups,
	       st.resp_success, st.resp_invalid, st.resp_failure);
	printf("  device side          %" PRIu64 " groups sent, %" PRIu64 " answered, %" PRIu64
	       " duplicate, %" PRIu64 " unknown, %" PRIu64 " timed out\n", k.groups, answered,
	       k.resp_duplicate, k.resp_unknown_group, k.group_timeouts);
	printf("  => %s\n", once ? "every group was answered exactly once" :
		"PROTOCOL ERROR: not every group was answered exactly once");
	return once && st.groups == k.groups ? 0 : -1;
}

int
main(int argc, char **argv)
{
	struct app a;
	int ret, rc = 1;

	memset(&a, 0, sizeof(a));
	ret = rte_eal_init(argc, argv);
	if (ret < 0) {
		fprintf(stderr, "sva-fault-events: EAL init failed: %s (try -l 0-1 --no-huge "
			"--no-pci)\n", rte_strerror(rte_errno));
		return 1;
	}
	argc -= ret;
	argv += ret;
	argv[0] = (char *)(uintptr_t)"sva-fault-events";
	ret = parse_options(argc, argv, &a);
	if (ret != 0) {
		rte_eal_cleanup();
		return ret > 0 ? 0 : 2;
	}
	a.poll_lcore = rte_get_next_lcore(-1, 1, 0);
	if (a.poll_lcore >= RTE_MAX_LCORE) {
		fprintf(stderr, "sva-fault-events: the fault path needs an lcore of its own: "
			"give EAL two lcores, e.g. -l 0-1\n");
		rte_eal_cleanup();
		return 2;
	}
	if (buffers_setup(&a) != 0 || sva_setup(&a) != 0)
		goto out;

	printf("sva-fault-events (svapoll %s): a device meets memory it cannot use\n\n",
		sva_version());
	printf("  iommu   %s: emu, %s queue formats\n", sva_iommu_name(a.iommu),
		strcmp(a.model, "smmuv3") == 0 ? "Arm SMMUv3" : "Intel VT-d");
	printf("  bond    PASID %u; unrecoverable faults go to %s\n", sva_bond_pasid(a.bond),
		a.callback ? "a callback on the poll lcore (sva_bind_params.event_cb)" :
		"the bond's event ring (SVA_BIND_EVENT_RING, sva_bond_event_ring())");
	printf("  src     %p: %u pages, filled by the CPU\n", (void *)a.src, NPAGES);
	printf("  dst     %p: %u pages; page %u is not mapped (munmap), page %u is read-only "
	       "(PROT_READ)\n", (void *)a.dst, NPAGES, HOLE_PAGE, RO_PAGE);
	fflush(stdout);

	ret = run(&a);
	if (summary(&a) != 0)
		ret = -1;
	if (ret == 0) {
		printf("\nsva-fault-events: OK: both faults reported, recovered from, data "
		       "verified\n");
		rc = 0;
	} else {
		printf("\nsva-fault-events: FAILED\n");
	}
out:
	fflush(stdout);
	sva_teardown(&a);
	rte_eal_cleanup();
	return rc;
}
