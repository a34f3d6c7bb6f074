/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * iopf_model_autotest: model-based fuzzing of the fault path.
 *
 * For each seed, a generator plays a device (and a hostile one) and an application: it
 * queues page-request records on a test driver ("msyn", below: the syn driver with
 * response refusal and a trace), binds and unbinds through sva_bind()/sva_unbind()
 * (PASIDs from a range of 4, so they are reused), polls with sva_iopf_poll(), stops
 * and restarts the poll service (sva_poll_lcore_start/stop), passes group deadlines
 * (sva_iopf_deadlines_set: 1 us for one poll, else an hour), refuses responses for a
 * while (back-pressure: kept) or for good (-EIO: lost, "forever"; a device that never
 * takes a response again is sva_teardown_autotest's, each unbind waits 1 s for it),
 * and sends overflow records, stop markers with and without PASID,
 * duplicated LASTs, reused PRG indices and requests for bad addresses. The driver
 * traces, in order, every record the fault path reads and every response it writes;
 * the reference model (iopf_model.[ch]) replays that trace with the control events and
 * checks every response (exactly once, own identity, the code the rules give), that a
 * PASID is reused only once its old owner's groups are answered, that every closed
 * group is answered in the end, and (pagemap) that every Success page is present and
 * nothing is present that no live owner's valid page or fault-around window (inside the
 * same mapping) explains; mappings are 4 KiB, THP (madvise/always mode) and hugetlb
 * (when the machine has free huge pages) at unaligned starts between 4 KiB neighbours.
 *
 * Environment (for nightly runs and replays):
 *   SVA_MODEL_SEEDS=N     seeds to run (default 1500; 400 in an AddressSanitizer build,
 *                         which runs each seed ~5x slower: both stay under ~25 s here)
 *   SVA_MODEL_SEED=S      first seed (default 1): SVA_MODEL_SEEDS=1 SVA_MODEL_SEED=S
 *                         replays one seed
 *   SVA_MODEL_CLASSES=... event classes: "all" (default), a list "dup,rebind" (only
 *                         those), or "-stop,-thp" (all but those). Classes: dup defer
 *                         deadline overflow stopmark hostile rebind late backpressure
 *                         forever stop fa thp huge badaddr newmap full nested
 *                         ("nested" alone runs only the nested streams: see
 *                         test_iopf_model_nested.c and iopf_model.h, rules N1..N7)
 *   SVA_MODEL_NESTED_SEEDS=N  nested seeds (default: SVA_MODEL_SEEDS when given, else
 *                         250; 80 in an AddressSanitizer build); same first seed
 *   SVA_MODEL_VERBOSE=1   print every event of every seed
 *   SVA_MODEL_REPORT=N    seeds reported in full (trace) on mismatch (default 3)
 * On a mismatch the seed, the broken invariant, the first differing response and the
 * last 50 events are printed; a seed goes on after a mismatch, so every invariant it
 * breaks is reported (one bug does not hide another).
 *
 * This supersedes the blind spots of iopf_fuzz_autotest: deadlines are on (and pass),
 * PRG indices are reused (8 per requester), and a duplicated LAST of a group still in
 * flight (same burst, deferred, or its response kept) must not be answered twice.
 * The "full" class gives half of the seeds a 16-group table and a 64-page pool and
 * storms of partial groups (many groups opened, none closed yet), so requests find the
 * table or the pool full (R11: lost keys, cut groups, their LASTs Invalid).
 * Not covered: munmap + remap under a stale snapshot, and the concurrency items (those
 * need TSan, not a model).
 */
#include <fcntl.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include <rte_common.h>
#include <rte_cycles.h>
#include <rte_errno.h>
#include <rte_lcore.h>
#include <rte_log.h>
#include <rte_pause.h>
#include <rte_service.h>

#include <sva.h>
#include <sva_iommu_driver.h>

#include "iopf_model.h"
#include "sva_test.h"

#define PG 4096ul
#define MB2 (UINT64_C(1) << 21)
#define RW (SVA_FAULT_PERM_READ | SVA_FAULT_PERM_WRITE)
#define QLEN 8192
#define TRACE_MAX 65536
#define HIST 50
#define PASID_MAX_BOND 4      /* bonds take PASIDs 1..4: reuse is frequent */
#define HOSTILE_PASID 100     /* never allocated */
#define NPRG 8                /* PRG indices 0..7: reuse is frequent */
#define RW4K_PAGES 64         /* 4 slices of 16, one per bond generation mod 4 */
#define STEPS 220
#define MAX_DG 64
#define MAX_CTX 32
#define DEV_A 0x10
#define DEV_B 0x20
#define DEV_X 0x30            /* no dev open */

/* ---- event classes ---- */
enum {
	C_DUP, C_DEFER, C_DEADLINE, C_OVERFLOW, C_STOPMARK, C_HOSTILE, C_REBIND, C_LATE,
	C_BACKPRESSURE, C_FOREVER, C_STOP, C_FA, C_THP, C_HUGE, C_BADADDR, C_NEWMAP, C_FULL,
	C_NESTED, C_MAX
};
static const char *const class_names[C_MAX] = {
	"dup", "defer", "deadline", "overflow", "stopmark", "hostile", "rebind", "late",
	"backpressure", "forever", "stop", "fa", "thp", "huge", "badaddr", "newmap", "full",
	"nested",
};
static uint32_t classes;
#define ON(c) ((classes >> (c)) & 1)

/* ---- the msyn driver: syn with response refusal and a trace ---- */

enum { T_READ = 1, T_WRITE, T_BIND, T_UNBIND, T_STOP_BEGIN, T_STOP_END, T_EXPIRE,
	T_TEARDOWN, T_NOTE, T_QUEUE, T_LOST };

struct tev {
	uint8_t type;
	uint32_t a;
	union {
		struct sva_page_response resp;
		struct im_bond bond;
		char note[48];
	};
};

struct msyn {
	struct sva_fault prq[QLEN];
	uint32_t head, tail;
	uint32_t refuse_calls;  /* refuse the next calls (0 accepted) */
	uint32_t accept_max;    /* accept at most this many per call (0: all) */
	uint32_t refuse_forever; /* refuse every write for good (-EIO): responses lost */
	uint64_t calls, refused;
};

static struct tev trace[TRACE_MAX];
static uint32_t ntrace, nreplayed;
static bool trace_overflowed;

static void
trace_add(const struct tev *e)
{
	uint32_t n = __atomic_load_n(&ntrace, __ATOMIC_RELAXED);

	if (n >= TRACE_MAX) {
		trace_overflowed = true;
		return;
	}
	trace[n] = *e;
	__atomic_store_n(&ntrace, n + 1, __ATOMIC_RELEASE);
}

static int
ms_iommu_create(struct sva_iommu *iommu, const struct rte_kvargs *kv)
{
	RTE_SET_USED(kv);
	memset(sva_iommu_priv(iommu), 0, sizeof(struct msyn));
	return 0;
}

static void ms_iommu_destroy(struct sva_iommu *iommu) { RTE_SET_USED(iommu); }

static void
ms_info_get(const struct sva_iommu *iommu, struct sva_iommu_info *info)
{
	RTE_SET_USED(iommu);
	info->model = SVA_IOMMU_MODEL_VTD;
	info->pasid_bits = 16;
	info->caps = SVA_IOMMU_CAP_PRI | SVA_IOMMU_CAP_ATTACH_RID | SVA_IOMMU_CAP_ATTACH_PASID |
		SVA_IOMMU_CAP_EXEC | SVA_IOMMU_CAP_PRIV;
	info->prq_depth = QLEN;
	info->evtq_depth = 256;
	info->numa_node = -1;
}

static const char *const ms_iommu_keys[] = { NULL };
static const char *const ms_dev_keys[] = { "rid", NULL };

static int
ms_dev_open(struct sva_dev *dev, const struct rte_kvargs *kv)
{
	uint64_t rid = 0x10;

	if (sva_kvargs_u64(kv, "rid", 0, 0xffff, &rid) != 0)
		return -EINVAL;
	sva_dev_id_set(dev, (uint32_t)rid);
	return 0;
}

static void ms_dev_close(struct sva_dev *dev) { RTE_SET_USED(dev); }

static int
ms_attach(struct sva_dev *dev, const struct sva_pgtable *pt)
{
	RTE_SET_USED(dev);
	RTE_SET_USED(pt);
	return 0;
}

static int
ms_attach_pasid(struct sva_dev *dev, uint32_t pasid, const struct sva_pgtable *pt)
{
	RTE_SET_USED(pasid);
	return ms_attach(dev, pt);
}

static void ms_detach(struct sva_dev *dev) { RTE_SET_USED(dev); }

static void
ms_detach_pasid(struct sva_dev *dev, uint32_t pasid)
{
	RTE_SET_USED(dev);
	RTE_SET_USED(pasid);
}

static uint16_t
ms_prq_read(struct sva_iommu *iommu, struct sva_fault *faults, uint16_t n)
{
	struct msyn *s = sva_iommu_priv(iommu);
	uint32_t tail = __atomic_load_n(&s->tail, __ATOMIC_ACQUIRE);
	uint16_t i = 0;

	while (i < n && s->head != tail) {
		struct tev e = { .type = T_READ, .a = s->head };

		faults[i++] = s->prq[s->head % QLEN];
		trace_add(&e);
		__atomic_store_n(&s->head, s->head + 1, __ATOMIC_RELEASE);
	}
	return i;
}

static uint16_t
ms_evtq_read(struct sva_iommu *iommu, struct sva_fault *faults, uint16_t n)
{
	RTE_SET_USED(iommu);
	RTE_SET_USED(faults);
	RTE_SET_USED(n);
	return 0;
}

static int
ms_page_response(struct sva_iommu *iommu, const struct sva_page_response *resp, uint16_t n)
{
	struct msyn *s = sva_iommu_priv(iommu);
	uint16_t take = n;

	s->calls++;
	if (s->refuse_forever) {
		/* refused for good (sva_iopf.h "Responses": a negative errno other than the
		 * queue-full ones): the fault path counts them lost and goes on reading; the
		 * model forgets their groups (not answered, not in flight either) */
		for (uint16_t i = 0; i < n; i++) {
			struct tev e = { .type = T_LOST };

			e.resp = resp[i];
			trace_add(&e);
		}
		s->refused++;
		return -EIO;
	}
	if (s->refuse_calls > 0) {
		if (s->refuse_calls > 0)
			s->refuse_calls--;
		s->refused++;
		return 0;
	}
	if (s->accept_max != 0 && take > s->accept_max)
		take = (uint16_t)s->accept_max;
	for (uint16_t i = 0; i < take; i++) {
		struct tev e = { .type = T_WRITE };

		e.resp = resp[i];
		trace_add(&e);
	}
	return take;
}

static int
ms_iotlb_inval(struct sva_iommu *iommu, uint32_t pasid, uint64_t addr, uint64_t size)
{
	RTE_SET_USED(iommu);
	RTE_SET_USED(pasid);
	RTE_SET_USED(addr);
	RTE_SET_USED(size);
	return 0;
}

static const struct sva_iommu_driver msyn_driver = {
	.name = "msyn",
	.iommu_keys = ms_iommu_keys,
	.dev_keys = ms_dev_keys,
	.iommu_priv_size = sizeof(struct msyn),
	.dev_priv_size = 8,
	.iommu_create = ms_iommu_create,
	.iommu_destroy = ms_iommu_destroy,
	.info_get = ms_info_get,
	.dev_open = ms_dev_open,
	.dev_close = ms_dev_close,
	.attach_rid = ms_attach,
	.attach_pasid = ms_attach_pasid,
	.attach_rid_all_pasids = ms_attach,
	.detach_rid = ms_detach,
	.detach_pasid = ms_detach_pasid,
	.detach_rid_all_pasids = ms_detach,
	.prq_read = ms_prq_read,
	.evtq_read = ms_evtq_read,
	.page_response = ms_page_response,
	.iotlb_inval = ms_iotlb_inval,
};

SVA_IOMMU_DRIVER_REGISTER(msyn_driver);

/* ---- the address space the device works in (made once, emptied per seed) ---- */

struct region {
	uint8_t *p;
	size_t len;
	uint32_t prot, kind;
	const char *name;
	bool check;        /* pagemap-checked */
};

enum { R_RW4K, R_RO, R_RX, R_NONE, R_HOLE, R_NBR_LO, R_THP, R_NBR_HI, R_HNBR_LO, R_HUGE,
	R_HNBR_HI, R_NEW, R_MAX };

static struct {
	uint8_t *arena;
	size_t arena_len;
	struct region r[R_MAX];
	bool thp, huge;
	const char *thp_why, *huge_why;
	int pagemap_fd;
	unsigned int lcore;
} A;

static int
map_fixed(struct region *r, uint8_t *at, size_t len, uint32_t prot, uint32_t kind,
		const char *name, int extra_flags)
{
	void *p = mmap(at, len, (int)prot, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED | extra_flags,
		-1, 0);

	if (p == MAP_FAILED)
		return -errno;
	*r = (struct region){ p, len, prot, kind, name, true };
	return 0;
}

static int
thp_mode_ok(void)
{
	char buf[128] = "";
	int fd = open("/sys/kernel/mm/transparent_hugepage/enabled", O_RDONLY);
	ssize_t n;

	if (fd < 0)
		return 0;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	return strstr(buf, "[never]") == NULL;
}

static int
arena_setup(void)
{
	uint8_t *base, *a;
	int ret;

	memset(&A, 0, sizeof(A));
	A.pagemap_fd = open("/proc/self/pagemap", O_RDONLY);
	if (A.pagemap_fd < 0)
		TEST_SKIP("no /proc/self/pagemap: %s", strerror(errno));
	A.arena_len = 24 * MB2;
	A.arena = mmap(NULL, A.arena_len, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
		-1, 0);
	TEST_ASSERT(A.arena != MAP_FAILED, "arena");
	base = (uint8_t *)RTE_ALIGN_CEIL((uintptr_t)A.arena, MB2);
	/* 4 KiB: RW (unaligned start), RO, RX, a PROT_NONE page, a hole */
	a = base + 5 * PG;
	TEST_ASSERT_SUCCESS(map_fixed(&A.r[R_RW4K], a, RW4K_PAGES * PG, PROT_READ | PROT_WRITE,
		IM_VMA_4K, "rw4k", 0), "rw4k");
	madvise(a, RW4K_PAGES * PG, MADV_NOHUGEPAGE);
	a += RW4K_PAGES * PG;
	TEST_ASSERT_SUCCESS(map_fixed(&A.r[R_RO], a, 4 * PG, PROT_READ, IM_VMA_4K, "ro", 0), "ro");
	a += 4 * PG;
	TEST_ASSERT_SUCCESS(map_fixed(&A.r[R_RX], a, 2 * PG, PROT_READ | PROT_EXEC, IM_VMA_4K,
		"rx", 0), "rx");
	a += 2 * PG;
	A.r[R_NONE] = (struct region){ a, PG, PROT_NONE, IM_VMA_NONE, "prot_none", true };
	a += PG;
	TEST_ASSERT_SUCCESS(munmap(a, PG), "hole");
	A.r[R_HOLE] = (struct region){ a, PG, 0, IM_VMA_NONE, "hole", false };
	/* THP: a mapping from 64 KiB below a 2 MiB boundary to 64 KiB above the next one,
	 * between 16-page 4 KiB neighbours */
	a = base + 4 * MB2 - 64 * 1024;
	TEST_ASSERT_SUCCESS(map_fixed(&A.r[R_NBR_LO], a - 16 * PG, 16 * PG, PROT_READ | PROT_WRITE,
		IM_VMA_4K, "thp_nbr_lo", 0), "nbr");
	madvise(a - 16 * PG, 16 * PG, MADV_NOHUGEPAGE);
	TEST_ASSERT_SUCCESS(map_fixed(&A.r[R_THP], a, 2 * MB2 + 128 * 1024, PROT_READ | PROT_WRITE,
		IM_VMA_THP, "thp", 0), "thp");
	A.thp = thp_mode_ok() && madvise(a, 2 * MB2 + 128 * 1024, MADV_HUGEPAGE) == 0;
	A.thp_why = A.thp ? NULL : "THP is off (transparent_hugepage/enabled: never)";
	if (!A.thp)
		A.r[R_THP].kind = IM_VMA_4K;
	a += 2 * MB2 + 128 * 1024;
	TEST_ASSERT_SUCCESS(map_fixed(&A.r[R_NBR_HI], a, 16 * PG, PROT_READ | PROT_WRITE,
		IM_VMA_4K, "thp_nbr_hi", 0), "nbr");
	madvise(a, 16 * PG, MADV_NOHUGEPAGE);
	/* hugetlb: two 2 MiB pages between 8-page neighbours */
	a = base + 10 * MB2;
	ret = map_fixed(&A.r[R_HUGE], a, 2 * MB2, PROT_READ | PROT_WRITE, IM_VMA_HUGE, "hugetlb",
		MAP_HUGETLB);
	A.huge = ret == 0;
	A.huge_why = A.huge ? NULL : "no hugetlb pages (MAP_HUGETLB refused)";
	if (A.huge) {
		TEST_ASSERT_SUCCESS(map_fixed(&A.r[R_HNBR_LO], a - 8 * PG, 8 * PG,
			PROT_READ | PROT_WRITE, IM_VMA_4K, "huge_nbr_lo", 0), "nbr");
		madvise(a - 8 * PG, 8 * PG, MADV_NOHUGEPAGE);
		TEST_ASSERT_SUCCESS(map_fixed(&A.r[R_HNBR_HI], a + 2 * MB2, 8 * PG,
			PROT_READ | PROT_WRITE, IM_VMA_4K, "huge_nbr_hi", 0), "nbr");
		madvise(a + 2 * MB2, 8 * PG, MADV_NOHUGEPAGE);
	}
	A.lcore = rte_get_next_lcore(-1, 1, 0);
	if (!A.thp)
		printf("    thp parts skipped: %s\n", A.thp_why);
	if (!A.huge)
		printf("    hugetlb parts skipped: %s\n", A.huge_why);
	if (A.lcore >= RTE_MAX_LCORE)
		printf("    service stop/restart skipped: needs a worker lcore (-l 0-1)\n");
	return TEST_SUCCESS;
}

static void
arena_teardown(void)
{
	if (A.arena != NULL && A.arena != MAP_FAILED)
		munmap(A.arena, A.arena_len);
	if (A.pagemap_fd > 0)
		close(A.pagemap_fd);
	memset(&A, 0, sizeof(A));
}

static void
arena_empty(void)
{
	for (unsigned int i = 0; i < R_MAX; i++)
		if (A.r[i].p != NULL && A.r[i].check && A.r[i].prot != PROT_NONE)
			madvise(A.r[i].p, A.r[i].len, MADV_DONTNEED);
}

/* ---- one seed ---- */

struct dctx {
	bool live;
	uint32_t gen, dev, pv, pasid;
};

struct dgroup {
	bool used;
	int ctx;
	uint32_t prg;
	uint64_t serial;
	uint8_t npages, sent;
	uint64_t addr[4];
	uint32_t perm[4];
};

struct gbond {
	struct sva_bond *b;
	struct im_bond m;
};

static struct {
	uint64_t rng;
	unsigned int seed;
	struct im_model m;
	struct sva_iommu *iommu;
	struct msyn *s;
	struct sva_dev *dev_a, *dev_b;
	struct sva_pasid_space *space;
	struct sva_pasid_set *set;
	struct sva_iopf *iopf;
	struct gbond bonds[4];
	struct dctx ctx[MAX_CTX];
	struct dgroup dg[MAX_DG];
	uint32_t gen;
	uint64_t serial;
	bool deadlines, forever, stopped_once, verbose;
	uint32_t vmask;                 /* invariants broken in this seed */
	uint32_t first_bad_trace[IM_V_MAX];
	unsigned int polls, binds, stops, expires;
} S;

static struct im_model *const M = &S.m;

static uint32_t
rnd(uint32_t n)
{
	S.rng ^= S.rng << 13;
	S.rng ^= S.rng >> 7;
	S.rng ^= S.rng << 17;
	return n == 0 ? 0 : (uint32_t)((S.rng >> 11) % n);
}

static void
note(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
#include <stdarg.h>
static void
note(const char *fmt, ...)
{
	struct tev e = { .type = T_NOTE };
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(e.note, sizeof(e.note), fmt, ap);
	va_end(ap);
	trace_add(&e);
}

static void
print_event(uint32_t i)
{
	const struct tev *e = &trace[i];
	const struct im_rec *r;

	switch (e->type) {
	case T_QUEUE:
	case T_READ:
		r = &M->rec[e->a];
		if (r->type == SVA_FAULT_OVERFLOW) {
			printf("      %5u %s #%u OVERFLOW\n", i, e->type == T_QUEUE ? "queue" : "read ",
				e->a);
			break;
		}
		printf("      %5u %s #%u dev 0x%x %s %u prg %u addr %#" PRIx64 " perm %#x%s serial %"
			PRIu64 " ctx %u\n", i, e->type == T_QUEUE ? "queue" : "read ", e->a, r->dev,
			(r->flags & SVA_FAULT_PR_PASID_VALID) ? "PASID" : "RID", r->pasid, r->prg,
			r->addr, r->perm, (r->flags & SVA_FAULT_PR_LAST_PAGE) ? " LAST" : "",
			r->serial, r->ctx);
		break;
	case T_WRITE:
	case T_LOST:
		printf("      %5u %s dev 0x%x %s %u prg %u code %u serial %" PRIu64 "\n", i,
			e->type == T_WRITE ? "write" : "LOST ",
			e->resp.dev_id, (e->resp.flags & SVA_PAGE_RESP_PASID_VALID) ? "PASID" : "RID",
			e->resp.pasid, e->resp.grpid, e->resp.code, e->resp.private_data[0]);
		break;
	case T_BIND:
		printf("      %5u bind gen %u dev 0x%x PASID %u%s%s%s fa %u/%u\n", i, e->bond.gen,
			e->bond.dev, e->bond.pasid, e->bond.rid ? " +RID" : "",
			e->bond.exec ? " exec" : "", e->bond.priv ? " priv" : "",
			e->bond.fa_before, e->bond.fa_after);
		break;
	case T_UNBIND:
		printf("      %5u unbind gen %u\n", i, e->a);
		break;
	case T_STOP_BEGIN:
		printf("      %5u service stop begins\n", i);
		break;
	case T_STOP_END:
		printf("      %5u service stop ends\n", i);
		break;
	case T_EXPIRE:
		printf("      %5u deadline passes (every open group expires)\n", i);
		break;
	case T_TEARDOWN:
		printf("      %5u teardown (poll release)\n", i);
		break;
	case T_NOTE:
		printf("      %5u -- %s\n", i, e->note);
		break;
	default:
		break;
	}
}

/* Feed the model what happened since the last replay. */
static void
replay(void)
{
	uint32_t n = __atomic_load_n(&ntrace, __ATOMIC_ACQUIRE);

	for (; nreplayed < n; nreplayed++) {
		const struct tev *e = &trace[nreplayed];
		int v = IM_OK;

		if (S.verbose)
			print_event(nreplayed);
		switch (e->type) {
		case T_READ: v = im_read(M, e->a); break;
		case T_WRITE: v = im_response(M, &e->resp); break;
		case T_LOST: v = im_response_lost(M, &e->resp); break;
		case T_BIND: v = im_bind(M, &e->bond); break;
		case T_UNBIND: im_unbind(M, e->a); break;
		case T_STOP_BEGIN: im_stop_begin(M); break;
		case T_STOP_END: im_stop_end(M); break;
		case T_EXPIRE: im_expire(M); break;
		case T_TEARDOWN: im_teardown(M); break;
		default: break;
		}
		if (v != IM_OK && !(S.vmask & (1u << v))) {
			S.vmask |= 1u << v;
			S.first_bad_trace[v] = nreplayed;
		}
	}
}

static void
violate_now(int v)
{
	if (v != IM_OK && !(S.vmask & (1u << v))) {
		S.vmask |= 1u << v;
		S.first_bad_trace[v] = __atomic_load_n(&ntrace, __ATOMIC_ACQUIRE);
	}
}

/* Queue a record (the device writes it) and tell the model. */
static void
queue_rec(const struct im_rec *r)
{
	struct sva_fault *f;
	uint32_t idx, tail = S.s->tail;
	struct tev e = { .type = T_QUEUE };

	if (tail - __atomic_load_n(&S.s->head, __ATOMIC_ACQUIRE) >= QLEN || M->nrec >= IM_MAX_RECS - 1)
		return;
	idx = im_record(M, r);
	RTE_VERIFY(idx == tail);
	f = &S.s->prq[tail % QLEN];
	memset(f, 0, sizeof(*f));
	f->type = r->type;
	if (r->type == SVA_FAULT_PAGE_REQ) {
		f->prm.flags = r->flags | SVA_FAULT_PR_PRIV_DATA | SVA_FAULT_PR_COOKIE;
		f->prm.pasid = r->pasid;
		f->prm.grpid = r->prg;
		f->prm.perm = r->perm;
		f->prm.addr = r->addr;
		f->prm.dev_id = r->dev;
		f->prm.private_data[0] = r->serial;
		f->prm.private_data[1] = ~r->serial;
		f->prm.cookie = (uint32_t)r->serial;
	}
	e.a = idx;
	trace_add(&e);
	__atomic_store_n(&S.s->tail, tail + 1, __ATOMIC_RELEASE);
}

/* ---- pages the device asks for ---- */

static uint64_t
page_in(int r, uint32_t i)
{
	return (uintptr_t)A.r[r].p + (uint64_t)(i % (A.r[r].len / PG)) * PG;
}

static void
draw_page(const struct dctx *c, uint64_t *addr, uint32_t *perm)
{
	static const uint32_t perms[] = { SVA_FAULT_PERM_READ, SVA_FAULT_PERM_WRITE, RW, RW };
	uint32_t k = rnd(100);

	*perm = perms[rnd(4)];
	if (k < 55 || (!ON(C_BADADDR) && !ON(C_FA) && !ON(C_THP) && !ON(C_HUGE))) {
		/* this generation's slice of the 4 KiB mapping */
		*addr = page_in(R_RW4K, (c->gen % 4) * (RW4K_PAGES / 4) + rnd(RW4K_PAGES / 4));
	} else if (k < 65 && ON(C_THP)) {
		*addr = (uintptr_t)A.r[R_THP].p + (uint64_t)rnd((uint32_t)(A.r[R_THP].len / PG)) * PG;
	} else if (k < 72 && ON(C_FA)) {
		*addr = page_in(rnd(2) ? R_NBR_LO : R_NBR_HI, rnd(16));
	} else if (k < 80 && ON(C_HUGE) && A.huge) {
		*addr = (uintptr_t)A.r[R_HUGE].p + (uint64_t)rnd((uint32_t)(A.r[R_HUGE].len / PG)) * PG;
	} else if (k < 83 && ON(C_HUGE) && A.huge) {
		*addr = page_in(rnd(2) ? R_HNBR_LO : R_HNBR_HI, rnd(8));
	} else if (ON(C_BADADDR)) {
		switch (rnd(8)) {
		case 0: *addr = page_in(R_RO, rnd(4)); break;
		case 1: *addr = page_in(R_RX, rnd(2)); *perm = SVA_FAULT_PERM_READ |
			SVA_FAULT_PERM_EXEC; break;
		case 2: *addr = (uintptr_t)A.r[R_NONE].p; break;
		case 3: *addr = (uintptr_t)A.r[R_HOLE].p; break;
		case 4: *addr = UINT64_C(0xffff888000000000) + (uint64_t)rnd(64) * PG; break;
		case 5: *addr = UINT64_C(0x1000000000000000) + (uint64_t)rnd(64) * PG; break;
		case 6:
			if (ON(C_NEWMAP) && A.r[R_NEW].p != NULL) {
				*addr = page_in(R_NEW, rnd(2));
				*perm = rnd(2) ? SVA_FAULT_PERM_READ | SVA_FAULT_PERM_EXEC :
					SVA_FAULT_PERM_WRITE;
				break;
			}
			/* fall through */
		default: *addr = page_in(R_RO, rnd(4)); *perm = SVA_FAULT_PERM_READ; break;
		}
		if (rnd(16) == 0)
			*perm |= SVA_FAULT_PERM_PRIV;
		if (rnd(16) == 0)
			*perm |= SVA_FAULT_PERM_EXEC | SVA_FAULT_PERM_READ;
	} else {
		*addr = page_in(R_RW4K, (c->gen % 4) * (RW4K_PAGES / 4) + rnd(RW4K_PAGES / 4));
	}
}

/* ---- device contexts and groups ---- */

static int
ctx_add(uint32_t gen, uint32_t dev, uint32_t pv, uint32_t pasid)
{
	for (int i = 0; i < MAX_CTX; i++) {
		if (!S.ctx[i].live && S.ctx[i].gen == 0) {
			S.ctx[i] = (struct dctx){ true, gen, dev, pv, pasid };
			return i;
		}
	}
	for (int i = 0; i < MAX_CTX; i++) { /* recycle a dead context with no group left */
		bool busy = S.ctx[i].live;

		for (int g = 0; g < MAX_DG && !busy; g++)
			busy = S.dg[g].used && S.dg[g].ctx == i;
		if (!busy) {
			S.ctx[i] = (struct dctx){ true, gen, dev, pv, pasid };
			return i;
		}
	}
	return -1;
}

static bool
prg_busy(int ctx, uint32_t prg)
{
	const struct dctx *c = &S.ctx[ctx];

	for (int g = 0; g < MAX_DG; g++) {
		const struct dgroup *d = &S.dg[g];

		if (d->used && S.ctx[d->ctx].dev == c->dev && S.ctx[d->ctx].pv == c->pv &&
				(!c->pv || S.ctx[d->ctx].pasid == c->pasid) && d->prg == prg)
			return true;
	}
	return !im_key_free(M, c->dev, c->pv, c->pasid, prg);
}

static struct dgroup *
group_new(int ctx)
{
	uint32_t prg = rnd(NPRG);
	struct dgroup *d = NULL;

	for (int i = 0; i < NPRG && prg_busy(ctx, prg); i++)
		prg = (prg + 1) % NPRG;
	if (prg_busy(ctx, prg))
		return NULL;
	for (int g = 0; g < MAX_DG; g++)
		if (!S.dg[g].used) {
			d = &S.dg[g];
			break;
		}
	if (d == NULL)
		return NULL;
	memset(d, 0, sizeof(*d));
	d->used = true;
	d->ctx = ctx;
	d->prg = prg;
	d->serial = ++S.serial;
	d->npages = (uint8_t)(1 + (rnd(3) == 0 ? rnd(4) : 0));
	for (unsigned int p = 0; p < d->npages; p++)
		draw_page(&S.ctx[ctx], &d->addr[p], &d->perm[p]);
	/* without PASID, a LAST with neither read nor write is a normal request */
	if (ON(C_STOPMARK) && !S.ctx[ctx].pv && rnd(8) == 0)
		d->perm[d->npages - 1] = 0;
	return d;
}

static void
send_rec(const struct dgroup *d, unsigned int p, bool last)
{
	const struct dctx *c = &S.ctx[d->ctx];
	struct im_rec r = {
		.type = SVA_FAULT_PAGE_REQ, .dev = c->dev, .pasid = c->pasid, .prg = d->prg,
		.perm = d->perm[p], .addr = d->addr[p], .serial = d->serial, .ctx = c->gen,
		.flags = (c->pv ? SVA_FAULT_PR_PASID_VALID : 0) | (last ? SVA_FAULT_PR_LAST_PAGE : 0),
	};

	queue_rec(&r);
}

/* Send the next page of a group; after its LAST the group is the model's. */
static void
group_step(struct dgroup *d)
{
	bool last = d->sent + 1 == d->npages;

	send_rec(d, d->sent, last);
	d->sent++;
	if (!last)
		return;
	if (ON(C_DUP) && rnd(10) == 0) {
		/* a duplicated LAST, now (same burst) or a little later */
		send_rec(d, d->npages - 1, true);
	}
	d->used = false;
}

static int live_ctx(void);
static void bind_one(void);

/* R11: many groups of 2 to 4 pages opened, none closed yet (all but their LAST sent):
 * with the "full" class's 16-group table and 64-page pool, requests find them full
 * (three bonds or more: 8 PRG indices each). The groups are finished later like any
 * other. */
static void
partial_storm(void)
{
	unsigned int nb = 0;

	for (int i = 0; i < 4; i++)
		nb += S.bonds[i].b != NULL;
	for (; nb < 3; nb++)
		bind_one();
	for (unsigned int k = 0, n = 8 + rnd(24); k < n; k++) {
		int c = live_ctx();
		struct dgroup *d = c >= 0 ? group_new(c) : NULL;

		if (d == NULL)
			return;
		if (d->npages < 2) {
			d->npages = (uint8_t)(2 + rnd(3));
			for (unsigned int p = 1; p < d->npages; p++)
				draw_page(&S.ctx[c], &d->addr[p], &d->perm[p]);
		}
		while (d->sent + 1 < d->npages)
			group_step(d);
	}
}

static int
live_ctx(void)
{
	int n = 0, pick[MAX_CTX];

	for (int i = 0; i < MAX_CTX; i++)
		if (S.ctx[i].live)
			pick[n++] = i;
	return n == 0 ? -1 : pick[rnd(n)];
}

static void
hostile(void)
{
	static const uint32_t devs[] = { DEV_X, DEV_A, DEV_B };
	struct dctx c = { false, 0, devs[rnd(3)], 1, HOSTILE_PASID + rnd(3) };
	struct im_rec r = { .type = SVA_FAULT_PAGE_REQ };

	if (rnd(3) == 0) {
		/* a bound PASID from the wrong dev */
		for (int i = 0; i < 4; i++)
			if (S.bonds[i].b != NULL) {
				c.pasid = S.bonds[i].m.pasid;
				c.dev = S.bonds[i].m.dev == DEV_A ? DEV_X : DEV_A;
				if (c.dev == DEV_A)
					c.dev = DEV_X;
			}
	}
	if (rnd(4) == 0 && c.dev == DEV_X) {
		c.pv = 0; /* no PASID, from a dev with no RID bond */
		c.pasid = 0;
	}
	r.dev = c.dev;
	r.pasid = c.pasid;
	r.prg = rnd(NPRG);
	if (!im_key_free(M, c.dev, c.pv, c.pasid, r.prg))
		return;
	r.flags = (c.pv ? SVA_FAULT_PR_PASID_VALID : 0) | SVA_FAULT_PR_LAST_PAGE;
	r.perm = RW;
	r.addr = page_in(R_RW4K, rnd(RW4K_PAGES));
	r.serial = ++S.serial;
	queue_rec(&r);
}

/* ---- polling ---- */

static void
poll_once(unsigned int budget)
{
	sva_iopf_poll(S.iommu, budget);
	S.polls++;
	replay();
}

static void
poll_idle(void)
{
	for (int i = 0; i < 64 && sva_iopf_poll(S.iommu, 256) > 0; i++)
		S.polls++;
	/* a poll that writes only kept responses returns 0 */
	sva_iopf_poll(S.iommu, 256);
	replay();
}

static bool
refusing(void)
{
	/* responses kept unwritten (refused for good ones are not kept) */
	return S.s->refuse_calls > 0 || S.s->accept_max != 0;
}

/* ---- control ---- */

static void
bind_one(void)
{
	struct sva_bind_params p = { .pasid_min = 1, .pasid_max = PASID_MAX_BOND };
	struct sva_dev *dev = rnd(2) ? S.dev_a : S.dev_b;
	uint32_t devid = dev == S.dev_a ? DEV_A : DEV_B;
	struct tev e = { .type = T_BIND };
	struct gbond *gb = NULL;
	bool rid_taken = false;

	for (int i = 0; i < 4; i++) {
		if (S.bonds[i].b == NULL && gb == NULL)
			gb = &S.bonds[i];
		else if (S.bonds[i].b != NULL && S.bonds[i].m.dev == devid && S.bonds[i].m.rid)
			rid_taken = true;
	}
	if (gb == NULL)
		return;
	if ((ON(C_STOPMARK) || ON(C_HOSTILE)) && !rid_taken && rnd(3) == 0)
		p.flags |= SVA_BIND_RID;
	if (ON(C_BADADDR) && rnd(3) == 0)
		p.flags |= SVA_BIND_ALLOW_EXEC;
	if (ON(C_BADADDR) && rnd(4) == 0)
		p.flags |= SVA_BIND_ALLOW_PRIV;
	if (ON(C_FA) && rnd(2)) {
		p.fault_around_before = (uint16_t)rnd(4);
		p.fault_around_after = (uint16_t)rnd(4);
	}
	gb->b = sva_bind(dev, S.set, &p);
	replay(); /* the drain hook's reads and writes happen before the bond exists */
	if (gb->b == NULL) {
		note("bind refused: %s", strerror(rte_errno));
		replay();
		return;
	}
	S.binds++;
	gb->m = (struct im_bond){ true, ++S.gen, devid, sva_bond_pasid(gb->b),
		(p.flags & SVA_BIND_RID) != 0, (p.flags & SVA_BIND_ALLOW_EXEC) != 0,
		(p.flags & SVA_BIND_ALLOW_PRIV) != 0, p.fault_around_before, p.fault_around_after };
	e.bond = gb->m;
	trace_add(&e);
	replay();
	ctx_add(gb->m.gen, devid, 1, gb->m.pasid);
	if (gb->m.rid)
		ctx_add(gb->m.gen, devid, 0, 0);
}

static void
unbind_one(int i)
{
	struct gbond *gb = &S.bonds[i];
	struct tev e = { .type = T_UNBIND, .a = gb->m.gen };
	uint64_t slice;

	if (gb->b == NULL)
		return;
	for (int c = 0; c < MAX_CTX; c++)
		if (S.ctx[c].live && S.ctx[c].gen == gb->m.gen)
			S.ctx[c].live = false;
	trace_add(&e);
	sva_unbind(gb->b);
	gb->b = NULL;
	replay();
	/* the old owner's slice is emptied: anything present there later needs a new owner */
	slice = (uintptr_t)A.r[R_RW4K].p + (gb->m.gen % 4) * (RW4K_PAGES / 4) * PG;
	madvise((void *)(uintptr_t)slice, RW4K_PAGES / 4 * PG, MADV_DONTNEED);
	im_forget_pages(M, slice, slice + RW4K_PAGES / 4 * PG);
	note("rw4k slice %u emptied (pages %u..%u)", gb->m.gen % 4,
		gb->m.gen % 4 * (RW4K_PAGES / 4), gb->m.gen % 4 * (RW4K_PAGES / 4) + RW4K_PAGES / 4 - 1);
	replay();
}

/* Late LASTs: a removed owner's device finishes groups it had started (before any new
 * bind can take the PASID). */
static void
late_lasts(void)
{
	for (int g = 0; g < MAX_DG; g++) {
		struct dgroup *d = &S.dg[g];

		if (!d->used || S.ctx[d->ctx].live || d->sent == 0)
			continue;
		if (rnd(2)) {
			send_rec(d, d->npages - 1, true);
		}
		d->used = false;
	}
}

static void
abandon_dead(void)
{
	for (int g = 0; g < MAX_DG; g++)
		if (S.dg[g].used && !S.ctx[S.dg[g].ctx].live)
			S.dg[g].used = false;
}

static void
expire(void)
{
	struct tev e = { .type = T_EXPIRE };

	if (refusing())
		return;
	/* every group open now is older than 1 us at the next poll */
	sva_iopf_deadlines_set(S.iopf, 1, 0, SVA_PAGE_RESP_INVALID);
	rte_delay_us_block(5);
	trace_add(&e);
	poll_once(1 + rnd(64));
	sva_iopf_deadlines_set(S.iopf, UINT64_C(3600000000), 0, SVA_PAGE_RESP_INVALID);
	S.expires++;
}

/* Run the service on the worker lcore until the queue is read, pause it, queue a few
 * more requests, then stop it: the stop must leave live bonds' requests queued. */
static void
service_stop_restart(void)
{
	uint32_t sid;
	struct tev e = { .type = T_STOP_BEGIN };
	uint64_t deadline;

	if (A.lcore >= RTE_MAX_LCORE || sva_poll_service_id(S.iommu, &sid) != 0)
		return;
	note("service starts on lcore %u", A.lcore);
	if (sva_poll_lcore_start(A.lcore) != 0)
		return;
	deadline = rte_get_timer_cycles() + 2 * rte_get_timer_hz();
	while (__atomic_load_n(&S.s->head, __ATOMIC_ACQUIRE) != S.s->tail &&
			rte_get_timer_cycles() < deadline)
		rte_pause();
	rte_service_runstate_set(sid, 0);
	while (rte_service_may_be_active(sid) == 1)
		rte_pause();
	replay();
	note("service paused");
	for (int k = 0, n = 1 + (int)rnd(6); k < n; k++) {
		int c = live_ctx();
		struct dgroup *d = NULL;

		for (int g = 0; g < MAX_DG && d == NULL; g++)
			if (S.dg[g].used && S.ctx[S.dg[g].ctx].live && rnd(2))
				d = &S.dg[g];
		if (d == NULL && c >= 0)
			d = group_new(c);
		if (d != NULL)
			group_step(d);
	}
	trace_add(&e);
	sva_poll_lcore_stop(A.lcore);
	e.type = T_STOP_END;
	trace_add(&e);
	replay();
	S.stops++;
}

/* ---- pagemap ---- */

static int
check_pages(void)
{
	for (unsigned int i = 0; i < R_MAX; i++) {
		const struct region *r = &A.r[i];
		size_t n = r->len / PG;
		uint64_t e[1024];

		if (r->p == NULL || !r->check)
			continue;
		for (size_t off = 0; off < n; off += RTE_DIM(e)) {
			size_t k = RTE_MIN(n - off, RTE_DIM(e));

			if (pread(A.pagemap_fd, e, k * 8, ((uintptr_t)r->p / PG + off) * 8) !=
					(ssize_t)(k * 8))
				return IM_OK;
			for (size_t j = 0; j < k; j++) {
				uint64_t a = (uintptr_t)r->p + (off + j) * PG;

				if ((e[j] >> 63) && !im_page_explained(M, a)) {
					snprintf(M->msg[IM_V_POPULATED], sizeof(M->msg[0]), "%s page %#" PRIx64 " (page %zu of "
						"the mapping) is present: no live owner's page or fault-around "
						"window in this mapping explains it", r->name, a, off + j);
					return IM_V_POPULATED;
				}
			}
		}
	}
	for (uint32_t i = 0; i < M->npg; i++) {
		const struct im_page *p = &M->pg[i];
		const struct im_vma *v = im_vma_find(M, p->addr);
		uint64_t e = 0;

		if (!p->must)
			continue;
		if (pread(A.pagemap_fd, &e, 8, p->addr / PG * 8) != 8)
			return IM_OK;
		if (!(e >> 63) || ((p->perm & SVA_FAULT_PERM_WRITE) && v != NULL &&
				v->kind == IM_VMA_4K && !((e >> 56) & 1))) {
			snprintf(M->msg[IM_V_MISSING], sizeof(M->msg[0]), "page %#" PRIx64 " (%s) answered Success for %s "
				"is %s", p->addr, v != NULL ? v->name : "?",
				(p->perm & SVA_FAULT_PERM_WRITE) ? "write" : "read",
				(e >> 63) ? "not written" : "absent");
			return IM_V_MISSING;
		}
	}
	return IM_OK;
}

/* ---- a seed ---- */

static unsigned int seq;

static int
seed_setup(void)
{
	char args[64], name[32];
	struct sva_iopf_conf conf;
	static const uint16_t bursts[] = { 4, 8, 32, 64 };

	snprintf(name, sizeof(name), "mdl%u", seq++);
	snprintf(args, sizeof(args), "msyn,name=%s", name);
	S.iommu = sva_iommu_create(args);
	if (S.iommu == NULL)
		return -1;
	S.s = sva_iommu_priv(S.iommu);
	S.dev_a = sva_dev_open(S.iommu, "rid=0x10");
	S.dev_b = sva_dev_open(S.iommu, "rid=0x20");
	S.space = sva_pasid_space_create(name, 16, 0);
	if (S.dev_a == NULL || S.dev_b == NULL || S.space == NULL)
		return -1;
	S.set = sva_pasid_set_create(S.space, "app", 0, NULL, SVA_BOND_PASID_TYPE, 0);
	if (S.set == NULL)
		return -1;
	sva_iopf_conf_default(&conf);
	conf.burst = bursts[rnd(4)];
	conf.bond_burst_pages = ON(C_DEFER) && rnd(2) ? 1 + rnd(2) : 64;
	S.deadlines = ON(C_DEADLINE);
	conf.group_timeout_us = S.deadlines ? UINT64_C(3600000000) : 0;
	if (ON(C_FULL) && rnd(2)) {
		/* the smallest table and pool: storms of partial groups fill them */
		conf.max_open_groups = 16;
		conf.max_pending_pages = 64;
	}
	im_limits_set(M, conf.max_open_groups, conf.max_pending_pages);
	if (sva_poll_configure(S.iommu, &conf) != 0)
		return -1;
	S.iopf = sva_iopf_get(S.iommu);
	note("seed %u: burst %u, bond_burst_pages %u, deadlines %s, table %u, pool %u",
		S.seed, conf.burst, conf.bond_burst_pages, S.deadlines ? "on" : "off",
		conf.max_open_groups, conf.max_pending_pages);
	return S.iopf != NULL ? 0 : -1;
}

static void
seed_teardown(void)
{
	struct tev e = { .type = T_TEARDOWN };

	for (int i = 0; i < 4; i++)
		unbind_one(i);
	trace_add(&e);
	if (S.iommu != NULL)
		sva_poll_release(S.iommu);
	replay();
	if (S.set != NULL)
		sva_pasid_set_destroy(S.set, SVA_PASID_SET_FREE_ALL);
	if (S.space != NULL)
		sva_pasid_space_destroy(S.space);
	sva_dev_close(S.dev_a);
	sva_dev_close(S.dev_b);
	if (S.iommu != NULL)
		sva_iommu_destroy(S.iommu);
	S.iommu = NULL;
	S.s = NULL;
}

static void
add_vmas(void)
{
	for (unsigned int i = 0; i < R_MAX; i++) {
		const struct region *r = &A.r[i];

		if (r->p != NULL && i != R_HOLE && i != R_NEW)
			im_vma_add(M, (uintptr_t)r->p, (uintptr_t)r->p + r->len, r->prot, r->kind,
				r->name);
	}
}

static int
run_seed(unsigned int seed)
{
	int v;

	memset(&S.ctx, 0, sizeof(S.ctx));
	memset(&S.dg, 0, sizeof(S.dg));
	memset(&S.bonds, 0, sizeof(S.bonds));
	S.seed = seed;
	S.rng = (UINT64_C(0x9e3779b97f4a7c15) * (seed + 1)) | 1;
	S.gen = 0;
	S.serial = 0;
	S.forever = false;
	S.vmask = 0;
	ntrace = nreplayed = 0;
	trace_overflowed = false;
	im_init(M);
	arena_empty();
	if (seed_setup() != 0) {
		printf("    seed %u: setup failed (%s)\n", seed, strerror(rte_errno));
		seed_teardown();
		return -1;
	}
	add_vmas();
	bind_one();
	if (rnd(2))
		bind_one();
	/* a mapping made after the snapshot (sva_bind refreshes it; a later bind will) */
	if (ON(C_NEWMAP) && A.r[R_NEW].p == NULL) {
		void *p = mmap(NULL, 2 * PG, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

		if (p != MAP_FAILED) {
			A.r[R_NEW] = (struct region){ p, 2 * PG, PROT_READ, IM_VMA_4K, "new_ro", true };
			im_vma_add(M, (uintptr_t)p, (uintptr_t)p + 2 * PG, PROT_READ, IM_VMA_4K, "new_ro");
		}
	}

	for (unsigned int step = 0; step < STEPS; step++) {
		uint32_t k = rnd(1000);
		int c;

		if (k < 520) {
			/* the device: continue a group, or start one */
			struct dgroup *d = NULL;
			int tries = 0;

			for (int g = rnd(MAX_DG); tries < MAX_DG; g = (g + 1) % MAX_DG, tries++)
				if (S.dg[g].used && S.ctx[S.dg[g].ctx].live) {
					d = &S.dg[g];
					break;
				}
			if (d == NULL || rnd(3) == 0) {
				c = live_ctx();
				d = c >= 0 ? group_new(c) : d;
			}
			if (d != NULL)
				group_step(d);
		} else if (k < 700) {
			poll_once(1 + rnd(rnd(2) ? 8 : 64));
		} else if (k < 780) {
			poll_idle();
		} else if (k < 800 && ON(C_STOPMARK)) {
			/* a stop marker with PASID: dropped */
			c = live_ctx();
			if (c >= 0 && S.ctx[c].pv) {
				struct im_rec r = { .type = SVA_FAULT_PAGE_REQ, .dev = S.ctx[c].dev,
					.pasid = S.ctx[c].pasid, .prg = rnd(NPRG), .perm = 0,
					.flags = SVA_FAULT_PR_PASID_VALID | SVA_FAULT_PR_LAST_PAGE,
					.serial = ++S.serial, .ctx = S.ctx[c].gen };

				queue_rec(&r);
			}
		} else if (k < 830 && ON(C_HOSTILE)) {
			hostile();
		} else if (k < 840 && ON(C_OVERFLOW)) {
			struct im_rec r = { .type = SVA_FAULT_OVERFLOW };

			queue_rec(&r);
		} else if (k < 870 && ON(C_BACKPRESSURE)) {
			switch (rnd(6)) {
			case 0: S.s->refuse_calls = 1 + rnd(8); break;
			case 1: S.s->accept_max = 1 + rnd(3); break;
			case 2: if (rnd(4) == 0) S.s->refuse_calls = 200 + rnd(3000); break;
			default: S.s->accept_max = 0; S.s->refuse_calls = 0; break;
			}
		} else if (k < 873 && ON(C_FOREVER) && step > STEPS / 2 && !S.forever) {
			note("responses refused for good");
			replay();
			S.forever = true;
			S.s->refuse_forever = 1;
		} else if (k < 900 && ON(C_DEADLINE)) {
			expire();
			/* the device sends the late LASTs of groups that expired */
			for (int g = 0; g < MAX_DG; g++)
				if (S.dg[g].used && S.dg[g].sent > 0 && rnd(2) &&
						S.ctx[S.dg[g].ctx].live) {
					send_rec(&S.dg[g], S.dg[g].npages - 1, true);
					S.dg[g].used = false;
				}
		} else if (k < 930 && ON(C_REBIND)) {
			int i = (int)rnd(4);

			if (S.bonds[i].b != NULL) {
				unbind_one(i);
				if (ON(C_LATE))
					late_lasts();
				else
					abandon_dead();
				if (rnd(3))
					poll_once(64);
				abandon_dead();
			}
			bind_one();
		} else if (k < 937 && ON(C_STOP)) {
			service_stop_restart();
		} else if (k < 952 && ON(C_FULL)) {
			partial_storm();
		}
	}
	/* the end: responses flow again (or are lost for good), the device finishes
	 * nothing more, all is read: every closed group answered, or its answer lost */
	if (ON(C_BACKPRESSURE) && rnd(2))
		S.s->refuse_calls = 1 + rnd(4); /* a little back-pressure into teardown */
	else
		S.s->refuse_calls = S.s->accept_max = 0;
	poll_idle();
	S.s->refuse_calls = S.s->accept_max = 0;
	poll_idle();
	v = im_check_all_answered(M);
	violate_now(v);
	violate_now(check_pages());
	/* back-pressure into the teardown: unbind and destroy must still write everything */
	if (ON(C_BACKPRESSURE) && !S.forever && rnd(4) == 0) {
		note("responses refused into the teardown");
		S.s->refuse_calls = 20 + rnd(2000);
		/* and groups the unbind drains will close and answer */
		for (int k = 0; k < 6; k++) {
			int c = live_ctx();
			struct dgroup *d = c >= 0 ? group_new(c) : NULL;

			while (d != NULL && d->used)
				group_step(d);
		}
	}
	seed_teardown(); /* the refusal runs out inside it, or the responses are lost */
	violate_now(im_check_all_answered(M));
	violate_now(check_pages());
	if (A.r[R_NEW].p != NULL) {
		munmap(A.r[R_NEW].p, A.r[R_NEW].len);
		A.r[R_NEW].p = NULL;
	}
	return (int)S.vmask;
}

/* ---- the suite ---- */

/* The default seed count: the suite runs in every ./svapoll test, plain and under
 * ASan+UBSan, and each run must stay within the CI budget. */
#if defined(__SANITIZE_ADDRESS__)
#define MODEL_SEEDS_DEFAULT 400
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define MODEL_SEEDS_DEFAULT 400
#endif
#endif
#ifndef MODEL_SEEDS_DEFAULT
#define MODEL_SEEDS_DEFAULT 1500
#define MODEL_NESTED_SEEDS_DEFAULT 250
#else
#define MODEL_NESTED_SEEDS_DEFAULT 80
#endif

static void
parse_classes(void)
{
	const char *s = getenv("SVA_MODEL_CLASSES");
	char buf[256], *tok, *save = NULL;
	bool minus;

	classes = (1u << C_MAX) - 1;
	if (s == NULL || strcmp(s, "all") == 0)
		return;
	snprintf(buf, sizeof(buf), "%s", s);
	minus = buf[0] == '-';
	if (!minus)
		classes = 0;
	for (tok = strtok_r(buf, ",", &save); tok != NULL; tok = strtok_r(NULL, ",", &save)) {
		const char *n = tok[0] == '-' || tok[0] == '+' ? tok + 1 : tok;

		for (unsigned int c = 0; c < C_MAX; c++)
			if (strcmp(n, class_names[c]) == 0) {
				if (tok[0] == '-')
					classes &= ~(1u << c);
				else
					classes |= 1u << c;
			}
	}
}

static unsigned int
env_uint(const char *name, unsigned int def)
{
	const char *s = getenv(name);

	return s != NULL && s[0] != 0 ? (unsigned int)strtoul(s, NULL, 0) : def;
}

static void
report(unsigned int seed, bool full)
{
	for (unsigned int v = 1; v < IM_V_MAX; v++) {
		uint32_t from, at = S.first_bad_trace[v];

		if (!(S.vmask & (1u << v)))
			continue;
		printf("    MISMATCH seed %u: %s\n      %s\n", seed, im_violation_name(v), M->msg[v]);
		if (!full)
			continue;
		printf("      replay: SVA_MODEL_SEEDS=1 SVA_MODEL_SEED=%u SVA_MODEL_CLASSES=%s "
			"sva-test ... -- iopf_model_autotest\n", seed,
			getenv("SVA_MODEL_CLASSES") != NULL ? getenv("SVA_MODEL_CLASSES") : "all");
		printf("      the last %u events (the first differing one marked >>):\n", HIST);
		from = at >= HIST ? at - HIST + 1 : 0;
		for (uint32_t i = from; i <= at && i < ntrace; i++) {
			if (i == at)
				printf("   >>");
			print_event(i);
		}
	}
}

int test_iopf_model_nested(unsigned int nseeds, unsigned int first, bool verbose);

static int
test_iopf_model_nested_case(void)
{
	unsigned int def = getenv("SVA_MODEL_SEEDS") != NULL ?
		env_uint("SVA_MODEL_SEEDS", MODEL_NESTED_SEEDS_DEFAULT) : MODEL_NESTED_SEEDS_DEFAULT;
	int pasid_log_level, sva_log_level, iopf_log_level, ret;

	parse_classes();
	if (!ON(C_NESTED)) {
		printf("    nested class off (SVA_MODEL_CLASSES)\n");
		return TEST_SUCCESS;
	}
	/* stuck unbinds and refused binds log at WARNING / ERR by design */
	pasid_log_level = rte_log_get_level(rte_log_register("lib.sva.pasid"));
	sva_log_level = rte_log_get_level(rte_log_register("lib.sva"));
	iopf_log_level = rte_log_get_level(rte_log_register("lib.sva.iopf"));
	rte_log_set_level_pattern("lib.sva*", RTE_LOG_CRIT);
	ret = test_iopf_model_nested(env_uint("SVA_MODEL_NESTED_SEEDS", def),
		env_uint("SVA_MODEL_SEED", 1), env_uint("SVA_MODEL_VERBOSE", 0) != 0);
	if (pasid_log_level >= 0)
		rte_log_set_level_pattern("lib.sva.pasid", (uint32_t)pasid_log_level);
	if (sva_log_level >= 0)
		rte_log_set_level_pattern("lib.sva", (uint32_t)sva_log_level);
	if (iopf_log_level >= 0)
		rte_log_set_level_pattern("lib.sva.iopf", (uint32_t)iopf_log_level);
	return ret;
}

static int
test_iopf_model_fuzz(void)
{
	unsigned int nseeds = env_uint("SVA_MODEL_SEEDS", MODEL_SEEDS_DEFAULT);
	unsigned int first = env_uint("SVA_MODEL_SEED", 1);
	unsigned int nfull = env_uint("SVA_MODEL_REPORT", 3);
	unsigned int bad = 0, by[IM_V_MAX] = { 0 }, first_by[IM_V_MAX] = { 0 }, setup_fail = 0;
	uint64_t t0 = rte_get_timer_cycles(), groups = 0, resps = 0, dups = 0, markers = 0;
	uint64_t lost = 0, table_full = 0, pool_full = 0;
	double secs;
	int pasid_log_level;

	parse_classes();
	if (classes == 1u << C_NESTED) {
		printf("    only the nested class: the plain streams are not run\n");
		return TEST_SUCCESS;
	}
	/* every bind registers the drain hook again on the seed's space: sva_bind takes
	 * -EEXIST as "in place", the allocator still says it once per bind */
	pasid_log_level = rte_log_get_level(rte_log_register("lib.sva.pasid"));
	rte_log_set_level_pattern("lib.sva.pasid", RTE_LOG_CRIT);
	S.verbose = env_uint("SVA_MODEL_VERBOSE", 0) != 0;
	printf("    classes:");
	for (unsigned int c = 0; c < C_MAX; c++)
		if (ON(c))
			printf(" %s", class_names[c]);
	printf("\n");
	for (unsigned int i = 0; i < nseeds; i++) {
		unsigned int seed = first + i;
		int v = run_seed(seed);

		if (v < 0) {
			setup_fail++;
			continue;
		}
		groups += M->groups_closed;
		resps += M->responses;
		lost += M->lost;
		dups += M->dups;
		markers += M->stop_markers;
		table_full += M->table_full;
		pool_full += M->pool_full;
		if (v == 0)
			continue;
		for (unsigned int k = 1; k < IM_V_MAX; k++)
			if ((v >> k) & 1 && by[k]++ == 0)
				first_by[k] = seed;
		report(seed, bad++ < nfull);
	}
	secs = (double)(rte_get_timer_cycles() - t0) / (double)rte_get_timer_hz();
	printf("    %u seeds in %.1f s (%.0f seeds/s): %" PRIu64 " groups closed, %" PRIu64
		" responses (+%" PRIu64 " refused for good), %" PRIu64 " duplicate LASTs, %" PRIu64
		" stop markers, %" PRIu64 " requests lost to a full table, %" PRIu64 " groups cut by "
		"a full pool\n", nseeds, secs, nseeds / secs, groups, resps, lost, dups, markers,
		table_full, pool_full);
	for (unsigned int v = 1; v < IM_V_MAX; v++)
		if (by[v] != 0)
			printf("    invariant broken: %-60s %5u seeds (first: seed %u)\n",
				im_violation_name(v), by[v], first_by[v]);
	if (pasid_log_level >= 0)
		rte_log_set_level_pattern("lib.sva.pasid", (uint32_t)pasid_log_level);
	TEST_ASSERT_EQUAL(setup_fail, 0, "seeds that could not be set up");
	TEST_ASSERT_EQUAL(bad, 0, "seeds where the fault path and the model differ");
	return TEST_SUCCESS;
}

static int
model_setup(void)
{
	return arena_setup();
}

static struct sva_test_suite iopf_model_suite = {
	.name = "iopf: model-based fuzzing of the fault path",
	.setup = model_setup,
	.teardown = arena_teardown,
	.cases = {
		SVA_TEST_CASE(test_iopf_model_fuzz),
		SVA_TEST_CASE(test_iopf_model_nested_case),
		SVA_TEST_CASES_END(),
	},
};

static int
test_iopf_model(void)
{
	return sva_test_suite_run(&iopf_model_suite);
}

SVA_TEST_REGISTER(iopf_model_autotest, test_iopf_model);
