/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * sva-memcpy: offload a copy between two ordinary, never-touched buffers to a device
 * through shared virtual addressing, with svapoll serving the device's page faults.
 *
 * What an SVA application does, and all it does:
 *   1. open an iommu and a device (here the emu software IOMMU and its DMA engine),
 *   2. sva_bind() its own address space to the device: a PASID, nothing pinned,
 *      nothing registered, no buffer even mentioned,
 *   3. start the fault path on a poll lcore (sva_poll_lcore_start()),
 *   4. hand the device plain virtual addresses — here from malloc().
 * The device fills src with a pattern, then copies src to dst. The CPU touches neither
 * buffer before the check at the end, so every page the device needs is an I/O page
 * fault: a page request to the IOMMU, resolved by svapoll on the poll lcore, answered
 * Success, after which the device walks again and proceeds.
 *
 * It prints the fault path's statistics for each phase and the emu model's own
 * protocol counters, and exits 1 when the data is wrong or when any page-request group
 * was not answered exactly once.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <hugetlbfs.h>

#include <rte_byteorder.h>
#include <rte_common.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_lcore.h>

#include <sva.h>
#include <sva_emu.h>

#define PG 4096u
#define HUGE_PG (2u << 20)
#define MIB (1024.0 * 1024.0)
#define JOB_WAIT_US (120u * 1000000u) /* a job is a few seconds at most; never hang */
#define PRG_WINDOW 32u

struct options {
	uint64_t size;
	const char *model;
	unsigned int fault_around;
	bool hugepages;
	bool stall;
	unsigned int jobs;
};

/* One phase of device work: its figures, from the bond's statistics. */
struct phase {
	const char *name;
	double seconds;
	uint64_t bytes;
	struct sva_iopf_stats st;    /* the fault path's, for this phase */
	struct sva_emu_counters k0, k1; /* the model's, before and after */
};

struct app {
	struct options opt;
	struct sva_iommu *iommu;
	struct sva_dev *dev;
	struct sva_pasid_space *space;
	struct sva_pasid_set *set;
	struct sva_bond *bond;
	unsigned int poll_lcore;
	bool polling;
	uint8_t *src, *dst;
	bool huge;              /* buffers from get_huge_pages() */
	uint64_t alloc_len;     /* what was allocated per buffer */
	uint64_t chunk;         /* bytes per descriptor */
	unsigned int njobs;
	struct sva_emu_comp *comp;
};

/* ---- options ------------------------------------------------------------------------ */

static void
usage(const char *prog)
{
	printf("usage: %s [EAL options] -- [--size N] [--model vtd|smmuv3] [--fault-around N]\n"
	       "          [--hugepages] [--jobs N] [--stall] [--help]\n"
	       "\n"
	       "Offloads a copy between two never-touched buffers to the emu SVA device and\n"
	       "reports the I/O page faults svapoll served. Needs two lcores (e.g. -l 0-1):\n"
	       "the fault path polls on the second.\n"
	       "\n"
	       "  --size N          bytes per buffer, with an optional K, M or G suffix\n"
	       "                    (binary units; default 64M)\n"
	       "  --model M         the emu IOMMU's queue formats: vtd (Intel VT-d, default)\n"
	       "                    or smmuv3 (Arm SMMUv3)\n"
	       "  --fault-around N  with each faulting page, also populate N pages before it\n"
	       "                    and N after it (0..512, default 0)\n"
	       "  --hugepages       allocate both buffers from hugetlbfs 2 MiB pages through\n"
	       "                    libhugetlbfs (get_huge_pages); falls back to malloc when\n"
	       "                    not enough are free\n"
	       "  --jobs N          split each phase into N descriptors (1..4096, default 8)\n"
	       "  --stall           the device faults through the SMMUv3 stall model instead\n"
	       "                    of PRI (an Arm platform device, e.g. a uacce/UADK engine):\n"
	       "                    each missing page stalls the access, svapoll resolves it\n"
	       "                    and answers CMD_RESUME (needs --model smmuv3)\n"
	       "  --help            this text\n"
	       "\n"
	       "Exit status: 0 when the data is right and every page-request group (and\n"
	       "stall) was answered exactly once, 1 otherwise, 2 for bad options.\n", prog);
}

/* "64M", "4096", "1G", "512k", "64MiB" -> bytes; 0 on error. */
static uint64_t
parse_size(const char *s)
{
	char *end;
	unsigned long long v;
	uint64_t mul = 1;

	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno != 0 || end == s)
		return 0;
	switch (*end) {
	case 'k': case 'K': mul = UINT64_C(1) << 10; end++; break;
	case 'm': case 'M': mul = UINT64_C(1) << 20; end++; break;
	case 'g': case 'G': mul = UINT64_C(1) << 30; end++; break;
	default: break;
	}
	if (strcmp(end, "") != 0 && strcmp(end, "B") != 0 && strcmp(end, "iB") != 0)
		return 0;
	if (v == 0 || v > (UINT64_C(1) << 40) / mul)
		return 0;
	return v * mul;
}

static int
parse_uint(const char *s, unsigned int min, unsigned int max, unsigned int *out)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 0);
	if (errno != 0 || end == s || *end != '\0' || v < min || v > max)
		return -EINVAL;
	*out = (unsigned int)v;
	return 0;
}

/* 0: run; 1: --help shown; -1: bad option (said why). */
static int
parse_options(int argc, char **argv, struct options *o)
{
	static const struct option longopts[] = {
		{ "size", required_argument, NULL, 's' },
		{ "model", required_argument, NULL, 'm' },
		{ "fault-around", required_argument, NULL, 'f' },
		{ "hugepages", no_argument, NULL, 'H' },
		{ "jobs", required_argument, NULL, 'j' },
		{ "stall", no_argument, NULL, 'S' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	*o = (struct options){ .size = UINT64_C(64) << 20, .model = "vtd", .jobs = 8 };
	optind = 1;
	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (c) {
		case 's':
			o->size = parse_size(optarg);
			if (o->size == 0) {
				fprintf(stderr, "sva-memcpy: --size %s: give bytes with an optional "
					"K, M or G suffix, e.g. --size 64M (at most 1T)\n", optarg);
				return -1;
			}
			break;
		case 'm':
			if (strcmp(optarg, "vtd") != 0 && strcmp(optarg, "smmuv3") != 0) {
				fprintf(stderr, "sva-memcpy: --model %s: the emu IOMMU models are "
					"vtd and smmuv3\n", optarg);
				return -1;
			}
			o->model = optarg;
			break;
		case 'f':
			if (parse_uint(optarg, 0, SVA_IOPF_FAULT_AROUND_MAX, &o->fault_around) != 0) {
				fprintf(stderr, "sva-memcpy: --fault-around %s: pages on each side, "
					"0..%u\n", optarg, SVA_IOPF_FAULT_AROUND_MAX);
				return -1;
			}
			break;
		case 'H':
			o->hugepages = true;
			break;
		case 'S':
			o->stall = true;
			break;
		case 'j':
			if (parse_uint(optarg, 1, 4096, &o->jobs) != 0) {
				fprintf(stderr, "sva-memcpy: --jobs %s: descriptors per phase, "
					"1..4096\n", optarg);
				return -1;
			}
			break;
		case 'h':
			usage(argv[0]);
			return 1;
		default:
			fprintf(stderr, "sva-memcpy: see --help for the options\n");
			return -1;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "sva-memcpy: unexpected argument '%s' (see --help)\n", argv[optind]);
		return -1;
	}
	if (o->stall && strcmp(o->model, "smmuv3") != 0) {
		fprintf(stderr, "sva-memcpy: --stall: the stall model is an Arm SMMUv3 feature: "
			"add --model smmuv3\n");
		return -1;
	}
	return 0;
}

/* ---- small helpers ------------------------------------------------------------------ */

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* "64 MiB", "1.5 GiB", "12 KiB", "100 bytes" */
static const char *
size_str(uint64_t n, char *buf, size_t len)
{
	if (n >= (UINT64_C(1) << 30))
		snprintf(buf, len, "%.4g GiB", (double)n / (1u << 30));
	else if (n >= (UINT64_C(1) << 20))
		snprintf(buf, len, "%.4g MiB", (double)n / (1u << 20));
	else if (n >= 1024)
		snprintf(buf, len, "%.4g KiB", (double)n / 1024);
	else
		snprintf(buf, len, "%" PRIu64 " bytes", n);
	return buf;
}

static const char *
status_name(uint32_t s)
{
	static const char *const names[] = {
		"pending", "success", "page fault (Invalid response)", "unrecoverable fault",
		"timeout", "PRI failure", "PRI disabled", "protocol error", "aborted",
		"stall aborted (CMD_RESUME Abort)",
	};

	return s < RTE_DIM(names) ? names[s] : "?";
}

static uint64_t
fill_pattern(unsigned int job)
{
	/* "SVAPOLL" and the job number: a different pattern per descriptor */
	return UINT64_C(0x4c4c4f5041565300) | (uint64_t)(job & 0xff);
}

/* ---- set-up and teardown ------------------------------------------------------------ */

static uint64_t
hugepages_free(void)
{
	char line[128];
	uint64_t n = 0;
	FILE *f = fopen("/proc/meminfo", "r");

	if (f == NULL)
		return 0;
	while (fgets(line, sizeof(line), f) != NULL)
		if (sscanf(line, "HugePages_Free: %" SCNu64, &n) == 1)
			break;
	fclose(f);
	return n;
}

static int
buffers_alloc(struct app *a)
{
	uint64_t size = a->opt.size;

	if (a->opt.hugepages) {
		uint64_t need = 2 * RTE_ALIGN_CEIL(size, HUGE_PG) / HUGE_PG, avail = hugepages_free();

		if (gethugepagesize() != (long)HUGE_PG) {
			printf("note: --hugepages: no hugetlbfs mount with 2 MiB pages (as root: "
			       "hugeadm --create-global-mounts); using malloc instead\n");
		} else if (avail < need) {
			printf("note: --hugepages: %" PRIu64 " free 2 MiB hugepages, %" PRIu64
			       " needed for two %" PRIu64 " MiB buffers (as root: hugeadm "
			       "--pool-pages-min 2MB:+%" PRIu64 "); using malloc instead\n",
			       avail, need, RTE_ALIGN_CEIL(size, HUGE_PG) >> 20, need - avail);
		} else {
			a->alloc_len = RTE_ALIGN_CEIL(size, HUGE_PG);
			/* get_huge_pages() maps hugetlbfs memory and touches none of it */
			a->src = get_huge_pages(a->alloc_len, GHP_DEFAULT);
			a->dst = a->src != NULL ? get_huge_pages(a->alloc_len, GHP_DEFAULT) : NULL;
			if (a->dst != NULL) {
				a->huge = true;
				return 0;
			}
			if (a->src != NULL)
				free_huge_pages(a->src);
			a->src = NULL;
			printf("note: --hugepages: get_huge_pages() failed (another program took "
			       "the free hugepages?); using malloc instead\n");
		}
	}
	a->alloc_len = size;
	a->src = malloc(size);
	a->dst = malloc(size);
	if (a->src == NULL || a->dst == NULL) {
		fprintf(stderr, "sva-memcpy: cannot malloc two buffers of %" PRIu64 " bytes\n", size);
		return -ENOMEM;
	}
	return 0;
}

static void
buffers_free(struct app *a)
{
	if (a->huge) {
		free_huge_pages(a->src);
		free_huge_pages(a->dst);
	} else {
		free(a->src);
		free(a->dst);
	}
	a->src = a->dst = NULL;
}

static int
sva_open(struct app *a)
{
	char args[160];
	unsigned int wq = 1;
	struct sva_bind_params bp = {
		.fault_around_before = (uint16_t)a->opt.fault_around,
		.fault_around_after = (uint16_t)a->opt.fault_around,
	};

	while (wq < a->njobs)
		wq <<= 1;
	snprintf(args, sizeof(args), "emu,name=memcpy0,model=%s", a->opt.model);
	a->iommu = sva_iommu_create(args);
	if (a->iommu == NULL) {
		fprintf(stderr, "sva-memcpy: cannot create the iommu '%s': %s\n", args,
			rte_strerror(rte_errno));
		return -rte_errno;
	}
	snprintf(args, sizeof(args), "rid=0x10,prg_window=%u,wq_depth=%u,timeout_ms=10000%s",
		PRG_WINDOW, wq, a->opt.stall ? ",stall=1" : "");
	a->dev = sva_dev_open(a->iommu, args);
	if (a->dev == NULL) {
		fprintf(stderr, "sva-memcpy: cannot open the device '%s': %s\n", args,
			rte_strerror(rte_errno));
		return -rte_errno;
	}
	a->space = sva_pasid_space_create("memcpy", 20, 0);
	a->set = a->space != NULL ? sva_pasid_set_create(a->space, "sva-memcpy", 0, NULL,
		SVA_BOND_PASID_TYPE, 0) : NULL;
	if (a->set == NULL) {
		fprintf(stderr, "sva-memcpy: cannot create a PASID space and set: %s\n",
			rte_strerror(rte_errno));
		return -rte_errno;
	}
	/* the whole address space, not a buffer: that is SVA */
	a->bond = sva_bind(a->dev, a->set, &bp);
	if (a->bond == NULL) {
		fprintf(stderr, "sva-memcpy: sva_bind: %s\n", rte_strerror(rte_errno));
		return -rte_errno;
	}
	if (sva_poll_lcore_start(a->poll_lcore) != 0) {
		fprintf(stderr, "sva-memcpy: cannot start the fault path on lcore %u\n",
			a->poll_lcore);
		return -EBUSY;
	}
	a->polling = true;
	return 0;
}

static void
sva_close(struct app *a)
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
}

/* ---- the work ----------------------------------------------------------------------- */

/* Wait until the fault path has counted every group the device sent (it counts right
 * after it answers; the device may complete a job first). Bounded. */
static void
stats_settle(struct app *a, uint64_t groups_sent, struct sva_iopf_stats *st)
{
	for (int i = 0; i < 2000; i++) {
		sva_stats_get(a->iommu, NULL, st);
		if (st->groups + st->stalls >= groups_sent)
			return;
		usleep(1000);
	}
}

static void
model_counters(const struct app *a, struct sva_emu_counters *k)
{
	memset(k, 0, sizeof(*k));
	sva_emu_counters_get(a->iommu, k);
}

/* Submit one descriptor per chunk, wait for them all; 0 when every one succeeded. */
static int
run_phase(struct app *a, uint32_t op, struct phase *ph)
{
	int bad = 0;
	double t0;

	/* the iommu's statistics: its bonds' (one here) and the batches, which are the
	 * iommu's own (one doorbell answers groups of any bond) */
	sva_stats_reset(a->iommu, NULL);
	model_counters(a, &ph->k0);
	memset(a->comp, 0, sizeof(*a->comp) * a->njobs);
	t0 = now_s();
	for (unsigned int j = 0; j < a->njobs; j++) {
		uint64_t off = (uint64_t)j * a->chunk;
		struct sva_emu_desc d = {
			.op = op, .flags = SVA_EMU_DESC_PASID_VALID, .pasid = sva_bond_pasid(a->bond),
			.src = (uintptr_t)(a->src + off),
			.dst = (uintptr_t)((op == SVA_EMU_OP_FILL ? a->src : a->dst) + off),
			.len = RTE_MIN(a->chunk, a->opt.size - off),
			.pattern = fill_pattern(j),
		};
		int ret = sva_emu_submit(a->dev, &d, &a->comp[j]);

		/* -EAGAIN: the work queue is full; a slot frees as a job ends (the device
		 * may still hold the slot of a job that has just completed) */
		for (int tries = 0; ret == -EAGAIN && tries < 100000; tries++) {
			usleep(10);
			ret = sva_emu_submit(a->dev, &d, &a->comp[j]);
		}
		if (ret != 0) {
			fprintf(stderr, "sva-memcpy: %s: submitting descriptor %u: %s\n", ph->name,
				j, strerror(-ret));
			return -1;
		}
	}
	for (unsigned int j = 0; j < a->njobs; j++) {
		struct sva_emu_comp *c = &a->comp[j];

		if (sva_emu_wait(a->dev, c, JOB_WAIT_US) != 0) {
			fprintf(stderr, "sva-memcpy: %s: descriptor %u did not complete in %u s\n",
				ph->name, j, JOB_WAIT_US / 1000000);
			return -1;
		}
		if (c->status != SVA_EMU_STATUS_SUCCESS) {
			fprintf(stderr, "sva-memcpy: %s: descriptor %u: %s at 0x%" PRIx64 " after %"
				PRIu64 " bytes\n", ph->name, j, status_name(c->status),
				c->fault_addr, c->bytes_done);
			bad = 1;
		}
		ph->bytes += c->bytes_done;
	}
	ph->seconds = now_s() - t0;
	model_counters(a, &ph->k1);
	/* groups and stalls alike: each is answered once */
	stats_settle(a, ph->k1.groups - ph->k0.groups + ph->k1.stalls - ph->k0.stalls, &ph->st);
	return bad ? -1 : 0;
}

/* The CPU's check: every word of dst holds its descriptor's pattern. */
static int
verify(const struct app *a, uint64_t *bad_off)
{
	for (unsigned int j = 0; j < a->njobs; j++) {
		uint64_t off = (uint64_t)j * a->chunk, end = RTE_MIN(off + a->chunk, a->opt.size);
		uint64_t p = fill_pattern(j);

		/* the pattern repeats from byte 0 of each descriptor (off is page aligned),
		 * in little-endian byte order */
		for (uint64_t i = off; i < end; i++) {
			if (i + 8 <= end && (i - off) % 8 == 0) {
				uint64_t w;

				memcpy(&w, a->dst + i, 8);
				if (w == rte_cpu_to_le_64(p)) {
					i += 7;
					continue;
				}
			}
			if (a->dst[i] != (uint8_t)(p >> (8 * ((i - off) % 8)))) {
				*bad_off = i;
				return -1;
			}
		}
	}
	return memcmp(a->src, a->dst, a->opt.size) == 0 ? 0 : (*bad_off = 0, -1);
}

/* ---- output ------------------------------------------------------------------------- */

static void
print_header(const struct app *a)
{
	struct sva_iommu_info info;
	char b1[32], b2[32];

	sva_iommu_info_get(a->iommu, &info);
	printf("sva-memcpy (svapoll %s): offload a copy to an SVA device, no pinning, no "
	       "registration\n\n", sva_version());
	printf("The device fills src with a pattern, then copies src to dst. The CPU touches\n"
	       "neither buffer before the check at the end, so each page the device needs is\n"
	       "an I/O page fault that svapoll resolves on the poll lcore.\n\n");
	printf("  iommu       %s: emu, %s queue formats, %u-bit PASIDs, page request queue "
	       "of %u\n", info.name, info.model == SVA_IOMMU_MODEL_SMMUV3 ? "Arm SMMUv3" :
	       "Intel VT-d", info.pasid_bits, info.prq_depth);
	if (a->opt.stall)
		printf("  device      rid 0x%x (StreamID), PASID %u, stall model: a missing page "
		       "stalls the access until CMD_RESUME\n", sva_dev_id(a->dev),
		       sva_bond_pasid(a->bond));
	else
		printf("  device      rid 0x%x, PASID %u, page-request groups of up to %u pages\n",
			sva_dev_id(a->dev), sva_bond_pasid(a->bond), PRG_WINDOW);
	printf("  fault path  poll service on lcore %u; fault-around %u pages before and "
	       "after\n", a->poll_lcore, a->opt.fault_around);
	printf("  buffers     src %p, dst %p: %s each, from %s\n", (void *)a->src,
		(void *)a->dst, size_str(a->opt.size, b1, sizeof(b1)),
		a->huge ? "get_huge_pages() (hugetlbfs, 2 MiB pages)" : "malloc()");
	printf("  jobs        %u descriptor%s of %s per phase\n\n", a->njobs,
		a->njobs == 1 ? "" : "s", size_str(a->chunk, b2, sizeof(b2)));
	fflush(stdout);
}

static void
print_phase_line(const char *what, const struct phase *ph, int ok)
{
	printf("  %-30s %-6s %8.3f s  %9.1f MiB/s\n", what, ok == 0 ? "done" : "FAILED",
		ph->seconds, ph->seconds > 0 ? (double)ph->bytes / MIB / ph->seconds : 0.0);
	fflush(stdout);
}

static void
row_u64(const char *label, uint64_t x, uint64_t y)
{
	printf("  %-34s %14" PRIu64 " %14" PRIu64 "\n", label, x, y);
}

static void
row_str(const char *label, const char *x, const char *y)
{
	printf("  %-34s %14s %14s\n", label, x, y);
}

static const char *
us_str(uint64_t ns, char *buf, size_t len)
{
	snprintf(buf, len, "%.2f us", (double)ns / 1000.0);
	return buf;
}

static void
invalid_reasons(const char *phase, const struct sva_iopf_stats *st)
{
	for (unsigned int r = 0; r < SVA_IOPF_R_MAX; r++) {
		if (st->invalid[r] != 0)
			printf("    %s: Invalid (%s): %" PRIu64 "\n", phase, sva_iopf_reason_name(r),
				st->invalid[r]);
		if (st->failure[r] != 0)
			printf("    %s: Failure (%s): %" PRIu64 "\n", phase, sva_iopf_reason_name(r),
				st->failure[r]);
	}
}

static void
print_results(const struct phase *f, const struct phase *c)
{
	const struct sva_iopf_stats *a = &f->st, *b = &c->st;
	char x[32], y[32];

	printf("\nFault path (svapoll's statistics)              %14s %14s\n", "fill", "copy");
	snprintf(x, sizeof(x), "%.3f s", f->seconds);
	snprintf(y, sizeof(y), "%.3f s", c->seconds);
	row_str("elapsed", x, y);
	snprintf(x, sizeof(x), "%.1f MiB/s", f->seconds > 0 ? f->bytes / MIB / f->seconds : 0);
	snprintf(y, sizeof(y), "%.1f MiB/s", c->seconds > 0 ? c->bytes / MIB / c->seconds : 0);
	row_str("throughput", x, y);
	row_u64("faults (page requests)", a->page_reqs, b->page_reqs);
	row_u64("groups", a->groups, b->groups);
	row_u64("  answered Success", a->resp_success, b->resp_success);
	row_u64("  answered Invalid", a->resp_invalid, b->resp_invalid);
	row_u64("  answered Failure", a->resp_failure, b->resp_failure);
	if (a->stalls + b->stalls != 0) {
		row_u64("stalls (SMMUv3 stall model)", a->stalls, b->stalls);
		row_u64("  resumed (CMD_RESUME Retry)", a->stall_resumes, b->stall_resumes);
		row_u64("  terminated (CMD_RESUME Abort)", a->stall_terminates, b->stall_terminates);
	}
	row_u64("batches (one doorbell each)", a->batches, b->batches);
	snprintf(x, sizeof(x), "%.2f", a->batches ? (double)a->batch_responses / a->batches : 0);
	snprintf(y, sizeof(y), "%.2f", b->batches ? (double)b->batch_responses / b->batches : 0);
	row_str("  mean batch size (groups)", x, y);
	row_u64("pages populated on demand", a->pages_populated, b->pages_populated);
	snprintf(x, sizeof(x), "%.1f MiB", a->bytes_populated / MIB);
	snprintf(y, sizeof(y), "%.1f MiB", b->bytes_populated / MIB);
	row_str("  bytes populated", x, y);
	row_u64("  populate calls (madvise)", a->populate_calls, b->populate_calls);
	row_u64("pages populated by fault-around", a->fault_around_pages, b->fault_around_pages);
	row_str("latency p50 (request to response)", us_str(a->lat_p50_ns, x, sizeof(x)),
		us_str(b->lat_p50_ns, y, sizeof(y)));
	row_str("latency p99", us_str(a->lat_p99_ns, x, sizeof(x)),
		us_str(b->lat_p99_ns, y, sizeof(y)));
	row_str("latency p999", us_str(a->lat_p999_ns, x, sizeof(x)),
		us_str(b->lat_p999_ns, y, sizeof(y)));
	invalid_reasons("fill", a);
	invalid_reasons("copy", b);
}

/* svapoll counted what the model says it sent in this phase. */
static bool
phase_agrees(const struct phase *ph)
{
	return ph->st.groups == ph->k1.groups - ph->k0.groups &&
		ph->st.page_reqs == ph->k1.page_reqs - ph->k0.page_reqs &&
		ph->st.stalls == ph->k1.stalls - ph->k0.stalls;
}

/* The model's view of the protocol: 0 when every group was answered exactly once. */
static int
print_model(const struct app *a, const struct phase *f, const struct phase *c)
{
	struct sva_emu_counters k;
	uint64_t answered;
	bool bad, stall_bad;

	model_counters(a, &k);
	answered = k.resp_success + k.resp_invalid + k.resp_failure;
	bad = answered != k.groups || k.groups_outstanding != 0 || k.resp_duplicate != 0 ||
		k.resp_unknown_group != 0 || k.resp_late != 0 || k.resp_bad_code != 0 ||
		k.group_timeouts != 0 || k.success_not_present != 0 ||
		!phase_agrees(f) || !phase_agrees(c);
	stall_bad = k.stalls != k.stall_retries + k.stall_aborts + k.stall_terminates +
		k.stall_terms || k.stalls_outstanding != 0 || k.stall_resume_unknown != 0 ||
		k.stall_resume_late != 0 || k.stall_timeouts != 0;

	printf("\nDevice side (the emu model's own counters, whole run)\n");
	printf("  %-34s %14" PRIu64 "\n", "page requests sent", k.page_reqs);
	printf("  %-34s %14" PRIu64 "\n", "groups sent", k.groups);
	printf("  %-34s %14" PRIu64 "  (Success %" PRIu64 ", Invalid %" PRIu64 ", Failure %"
	       PRIu64 ")\n", "responses received", answered, k.resp_success, k.resp_invalid,
	       k.resp_failure);
	printf("  %-34s %14" PRIu64 "\n", "  duplicates", k.resp_duplicate);
	printf("  %-34s %14" PRIu64 "\n", "  for no group sent", k.resp_unknown_group);
	printf("  %-34s %14" PRIu64 "\n", "  late (after a timeout)", k.resp_late);
	printf("  %-34s %14" PRIu64 "\n", "groups still waiting", k.groups_outstanding);
	printf("  %-34s %14" PRIu64 "\n", "groups timed out", k.group_timeouts);
	printf("  %-34s %14" PRIu64 "\n", "Success for a page still missing", k.success_not_present);
	printf("  %-34s %14" PRIu64 "\n", "response doorbells", k.model.resp_doorbells);
	printf("  %-34s %11.2f us  (max %.2f us)\n", "device wait per group, mean",
		answered ? (double)k.group_wait_ns_total / answered / 1000.0 : 0.0,
		(double)k.group_wait_ns_max / 1000.0);
	if (a->opt.stall) {
		printf("  %-34s %14" PRIu64 "\n", "stalls (event records, Stall=1)", k.stalls);
		printf("  %-34s %14" PRIu64 "  (Abort %" PRIu64 ", Terminate %" PRIu64 ")\n",
		       "CMD_RESUME Retry received", k.stall_retries, k.stall_aborts,
		       k.stall_terminates);
		printf("  %-34s %14" PRIu64 "\n", "  for no stalled transaction",
		       k.stall_resume_unknown);
		printf("  %-34s %14" PRIu64 "\n", "stalls timed out", k.stall_timeouts);
	}
	printf("  %-34s %14s\n", "svapoll counted the same groups",
		phase_agrees(f) && phase_agrees(c) ? "yes" : "NO");
	if (bad)
		printf("  => PROTOCOL ERROR: not every group was answered exactly once\n");
	else
		printf("  => every group was answered exactly once\n");
	if (stall_bad)
		printf("  => PROTOCOL ERROR: not every stall was resumed exactly once\n");
	else if (a->opt.stall)
		printf("  => every stall was resumed exactly once\n");
	return bad || stall_bad ? -1 : 0;
}

/* ---- main --------------------------------------------------------------------------- */

int
main(int argc, char **argv)
{
	struct app a;
	struct phase fill = { .name = "fill" }, copy = { .name = "copy" };
	uint64_t bad_off = 0;
	int ret, rc = 1, data_ok, proto_ok;
	char b[32];
	double t0, elapsed;

	memset(&a, 0, sizeof(a));
	ret = rte_eal_init(argc, argv);
	if (ret < 0) {
		fprintf(stderr, "sva-memcpy: EAL init failed: %s (try -l 0-1 --no-huge "
			"--no-pci)\n", rte_strerror(rte_errno));
		return 1;
	}
	argc -= ret;
	argv += ret;
	argv[0] = (char *)(uintptr_t)"sva-memcpy";
	ret = parse_options(argc, argv, &a.opt);
	if (ret != 0) {
		rte_eal_cleanup();
		return ret > 0 ? 0 : 2;
	}
	a.poll_lcore = rte_get_next_lcore(-1, 1, 0);
	if (a.poll_lcore >= RTE_MAX_LCORE) {
		fprintf(stderr, "sva-memcpy: the fault path needs an lcore of its own: give EAL "
			"two lcores, e.g. -l 0-1\n");
		rte_eal_cleanup();
		return 2;
	}
	a.chunk = RTE_ALIGN_CEIL((a.opt.size + a.opt.jobs - 1) / a.opt.jobs, PG);
	a.njobs = (unsigned int)((a.opt.size + a.chunk - 1) / a.chunk);
	a.comp = calloc(a.njobs, sizeof(*a.comp));
	if (a.comp == NULL || buffers_alloc(&a) != 0 || sva_open(&a) != 0)
		goto out;

	print_header(&a);
	t0 = now_s();
	ret = run_phase(&a, SVA_EMU_OP_FILL, &fill);
	print_phase_line("fill  src <- pattern (device)", &fill, ret);
	if (ret == 0) {
		ret = run_phase(&a, SVA_EMU_OP_COPY, &copy);
		print_phase_line("copy  dst <- src (device)", &copy, ret);
	}
	if (ret != 0)
		goto out;
	data_ok = verify(&a, &bad_off);
	if (data_ok == 0)
		printf("  %-30s %-6s %s, every byte as written by the device\n",
			"check dst (CPU)", "OK", size_str(a.opt.size, b, sizeof(b)));
	else
		printf("  %-30s %-6s first wrong byte at offset %" PRIu64 "\n",
			"check dst (CPU)", "WRONG", bad_off);

	print_results(&fill, &copy);
	/* stop polling first: every counter is final after this */
	elapsed = now_s() - t0;
	sva_poll_lcore_stop(a.poll_lcore);
	a.polling = false;
	proto_ok = print_model(&a, &fill, &copy);

	if (data_ok == 0 && proto_ok == 0) {
		printf("\nsva-memcpy: OK: %s filled, copied and verified in %.3f s\n",
			size_str(a.opt.size, b, sizeof(b)), elapsed);
		rc = 0;
	} else {
		printf("\nsva-memcpy: FAILED: %s\n", data_ok != 0 ? "the data is wrong" :
			"the page-request protocol was broken");
	}
out:
	fflush(stdout);
	sva_close(&a);
	buffers_free(&a);
	free(a.comp);
	rte_eal_cleanup();
	return rc;
}
