/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The device's page walk, through the process's real page tables, and the small IOTLB
 * in front of it.
 *
 * Two walkers give the same answer (regions of pages with the same state; a hole
 * between regions is outside every mapping):
 *  - the PAGEMAP_SCAN ioctl (Linux 6.7+ for PAGE_IS_PFNZERO/HUGE): one system call per
 *    range, huge pages reported as such, holes skipped by the kernel;
 *  - /proc/self/pagemap (any kernel): one 64-bit entry per 4 KiB page, and mincore()
 *    for the pages not present, since pagemap reads zero for holes and for pages never
 *    touched alike (mincore answers ENOMEM for holes).
 * Present means readable; writable also needs a page that is not the shared zero page
 * (a read fault of anonymous memory maps the zero page: a write would need a fault).
 * The VMA's own write permission is not visible here: an access refused by
 * process_vm_writev becomes a write page request (emu_dev.c).
 *
 * The IOTLB holds ranges (one entry per walked region) per PASID; invalidation may run
 * on another thread at any time (the poll lcore), so entries are published with a
 * valid flag and an invalidation sequence: a translation walked before an invalidation
 * is never inserted after it.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "emu_pvt.h"
#include "sva_procfs_uapi.h"   /* PAGEMAP_SCAN, PROCMAP_QUERY */

/* /proc/self/pagemap entry bits (Documentation/admin-guide/mm/pagemap.rst) */
#define PM_PRESENT (UINT64_C(1) << 63)
#define PM_FILE_OR_SHARED (UINT64_C(1) << 61)
#define PM_EXCLUSIVE (UINT64_C(1) << 56)
#define PM_PFN_MASK ((UINT64_C(1) << 55) - 1)

static inline uint64_t
page_floor(uint64_t a)
{
	return a & ~(EMU_PAGE_SIZE - 1);
}

static inline uint64_t
page_ceil(uint64_t a)
{
	return (a + EMU_PAGE_SIZE - 1) & ~(EMU_PAGE_SIZE - 1);
}

static int
scan_ioctl(int fd, uint64_t start, uint64_t end, struct sva_page_region *vec, unsigned int n,
		uint64_t *walk_end)
{
	struct sva_pm_scan_arg a = {
		.size = sizeof(a),
		.start = start,
		.end = end,
		.vec = (uintptr_t)vec,
		.vec_len = n,
		.return_mask = SVA_PAGE_IS_PRESENT | SVA_PAGE_IS_PFNZERO | SVA_PAGE_IS_HUGE |
			SVA_PAGE_IS_FILE | SVA_PAGE_IS_SWAPPED,
	};
	int ret = ioctl(fd, SVA_PAGEMAP_SCAN, &a);

	if (ret < 0)
		return -errno;
	*walk_end = a.walk_end;
	return ret;
}

/* The shared zero page's PFN, for the pagemap walker (0 when PFNs are hidden). */
static uint64_t
probe_zero_pfn(int fd)
{
	volatile uint8_t *p = mmap(NULL, EMU_PAGE_SIZE, PROT_READ,
		MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	uint64_t ent = 0;

	if (p == MAP_FAILED)
		return 0;
	(void)p[0];   /* a read fault of private anonymous memory maps the zero page */
	if (pread(fd, &ent, sizeof(ent), (off_t)((uintptr_t)p / EMU_PAGE_SIZE * 8)) != 8)
		ent = 0;
	munmap((void *)(uintptr_t)p, EMU_PAGE_SIZE);
	return (ent & PM_PRESENT) ? ent & PM_PFN_MASK : 0;
}

static int
walk_init_mode(struct emu_iommu *e, enum emu_walk_mode mode)
{
	struct sva_page_region r[1];
	uint64_t walk_end;
	int ret;

	e->pagemap_fd = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
	if (e->pagemap_fd < 0) {
		ret = -errno;
		EMU_LOG(ERR, "cannot open /proc/self/pagemap (%s): the device cannot walk page "
			"tables without it (is /proc mounted?)", strerror(errno));
		return ret;
	}
	if (mode != EMU_WALK_PAGEMAP) {
		/* probe on a page of our own: the ioctl exists, with these categories */
		uintptr_t probe = (uintptr_t)&e->walk_mode;

		ret = scan_ioctl(e->pagemap_fd, page_floor(probe), page_floor(probe) + EMU_PAGE_SIZE,
			r, 1, &walk_end);
		if (ret >= 0) {
			e->walk_mode = EMU_WALK_SCAN;
			return 0;
		}
		if (mode == EMU_WALK_SCAN) {
			EMU_LOG(ERR, "walk=scan: the PAGEMAP_SCAN ioctl fails here (%s): it needs "
				"Linux 6.7 or later; use walk=auto or walk=pagemap", strerror(-ret));
			close(e->pagemap_fd);
			e->pagemap_fd = -1;
			return -EOPNOTSUPP;
		}
		EMU_LOG(NOTICE, "PAGEMAP_SCAN not available (%s): walking /proc/self/pagemap",
			strerror(-ret));
	}
	e->walk_mode = EMU_WALK_PAGEMAP;
	e->zero_pfn = probe_zero_pfn(e->pagemap_fd);
	if (e->zero_pfn == 0)
		EMU_LOG(INFO, "page frame numbers are hidden (no CAP_SYS_ADMIN): the zero page is "
			"told by the exclusively-mapped bit");
	return 0;
}

int
emu_walk_init(struct emu_iommu *e, enum emu_walk_mode mode)
{
	struct sva_procmap_query q;
	int ret = walk_init_mode(e, mode);

	if (ret < 0)
		return ret;
	/*
	 * Where no page table exists yet below a 1 GiB entry, the kernel reports the
	 * not-present pages of a hugetlb mapping without PAGE_IS_HUGE (and pagemap never
	 * tells): the walker then asks the mapping's page size, so that the device asks
	 * once per huge page, not once per 4 KiB of it.
	 */
	e->maps_fd = open("/proc/self/maps", O_RDONLY | O_CLOEXEC);
	if (e->maps_fd >= 0 &&
			(ret = sva_procmap_query(e->maps_fd, (uintptr_t)&e->maps_fd, &q)) < 0) {
		EMU_LOG(INFO, "PROCMAP_QUERY not available (%s, Linux 6.11+): not-present huge "
			"pages where the kernel has no page table yet are asked for per 4 KiB",
			strerror(-ret));
		close(e->maps_fd);
		e->maps_fd = -1;
	}
	return 0;
}

void
emu_walk_fini(struct emu_iommu *e)
{
	if (e->pagemap_fd >= 0)
		close(e->pagemap_fd);
	e->pagemap_fd = -1;
	if (e->maps_fd >= 0)
		close(e->maps_fd);
	e->maps_fd = -1;
}

void
emu_walk_job_start(struct emu_dev *d)
{
	memset(d->vma, 0, sizeof(d->vma));
	d->vma_next = 0;
}

/*
 * The page size of the mapping that holds a (a hugetlb mapping's huge page size), for a
 * page the walk found not present and not reported huge; remembered for the job (a job
 * runs on mappings the application keeps). EMU_PAGE_SIZE when it cannot be told.
 */
static uint64_t
vma_page_size(struct emu_dev *d, uint64_t a)
{
	struct sva_procmap_query q;
	struct emu_vma *v;

	for (unsigned int i = 0; i < EMU_VMA_CACHE; i++)
		if (d->vma[i].start <= a && a < d->vma[i].end)
			return d->vma[i].size;
	if (d->e->maps_fd < 0 || sva_procmap_query(d->e->maps_fd, a, &q) < 0)
		return EMU_PAGE_SIZE;
	v = &d->vma[d->vma_next++ % EMU_VMA_CACHE];
	v->start = q.vma_start;
	v->end = q.vma_end;
	/* a page size the walk can step by, or 4 KiB */
	v->size = q.vma_page_size > EMU_PAGE_SIZE && rte_is_power_of_2(q.vma_page_size) &&
		(q.vma_start & (q.vma_page_size - 1)) == 0 ? q.vma_page_size : EMU_PAGE_SIZE;
	return v->size;
}

static void
region_push(struct emu_scan *s, uint64_t start, uint64_t end, uint32_t flags)
{
	struct emu_region *last = s->n > 0 ? &s->r[s->n - 1] : NULL;

	if (last != NULL && last->end == start && last->flags == flags) {
		last->end = end;
		return;
	}
	s->r[s->n].start = start;
	s->r[s->n].end = end;
	s->r[s->n].flags = flags;
	s->n++;
}

static int
walk_scan(struct emu_dev *d, struct emu_scan *s)
{
	/* page_region and emu_region differ: the ioctl writes into the pagemap buffer */
	struct sva_page_region *vec = (struct sva_page_region *)d->pm_buf;
	const unsigned int nvec = RTE_MIN((unsigned int)(sizeof(d->pm_buf) / (sizeof(struct sva_page_region))),
		(unsigned int)EMU_SCAN_VEC);
	int n = scan_ioctl(d->e->pagemap_fd, s->start, s->end, vec, nvec, &s->walk_end);

	if (n < 0)
		return n;
	for (int i = 0; i < n; i++) {
		uint32_t f = 0;

		if (vec[i].categories & SVA_PAGE_IS_PRESENT) {
			f |= EMU_R_PRESENT;
			if (!(vec[i].categories & SVA_PAGE_IS_PFNZERO))
				f |= EMU_R_WRITE;
		}
		if (vec[i].categories & SVA_PAGE_IS_HUGE)
			f |= EMU_R_HUGE;
		region_push(s, vec[i].start, vec[i].end, f);
	}
	/* a full vector: the kernel stopped at the last region's end */
	if ((unsigned int)n == nvec && s->walk_end > vec[n - 1].end)
		s->walk_end = vec[n - 1].end;
	return 0;
}

/* Is [a, a + len) inside a mapping? mincore says ENOMEM for holes. */
static bool
mapped(uint64_t a, uint64_t len)
{
	unsigned char v[64];
	uint64_t done = 0;

	while (done < len) {
		uint64_t n = RTE_MIN(len - done, (uint64_t)sizeof(v) * EMU_PAGE_SIZE);

		if (mincore((void *)(uintptr_t)(a + done), n, v) != 0 && errno == ENOMEM)
			return false;
		done += n;
	}
	return true;
}

static uint32_t
pagemap_flags(const struct emu_iommu *e, uint64_t ent)
{
	uint64_t pfn = ent & PM_PFN_MASK;

	if (!(ent & PM_PRESENT))
		return 0;
	if (e->zero_pfn != 0)
		return pfn == e->zero_pfn ? EMU_R_PRESENT : EMU_R_PRESENT | EMU_R_WRITE;
	/* PFNs hidden: anonymous and not exclusively ours is the zero page or COW-shared */
	if (!(ent & PM_FILE_OR_SHARED) && !(ent & PM_EXCLUSIVE))
		return EMU_R_PRESENT;
	return EMU_R_PRESENT | EMU_R_WRITE;
}

static int
walk_pagemap(struct emu_dev *d, struct emu_scan *s)
{
	const struct emu_iommu *e = d->e;
	uint64_t npages = (s->end - s->start) / EMU_PAGE_SIZE;
	ssize_t got;

	npages = RTE_MIN(npages, (uint64_t)EMU_PAGEMAP_BATCH);
	got = pread(e->pagemap_fd, d->pm_buf, npages * 8, (off_t)(s->start / EMU_PAGE_SIZE * 8));
	if (got < 8)
		return got < 0 ? -errno : -EIO;
	npages = (uint64_t)got / 8;
	s->walk_end = s->start + npages * EMU_PAGE_SIZE;
	for (uint64_t i = 0; i < npages && s->n < EMU_SCAN_VEC; ) {
		uint32_t f = pagemap_flags(e, d->pm_buf[i]);
		uint64_t j = i + 1;

		while (j < npages && pagemap_flags(e, d->pm_buf[j]) == f)
			j++;
		if (f == 0) {
			/* not present: inside a mapping, or a hole? find the first hole page */
			uint64_t a = s->start + i * EMU_PAGE_SIZE, len = (j - i) * EMU_PAGE_SIZE;

			if (!mapped(a, len)) {
				uint64_t k = 0;

				while (k < len && mapped(a + k, EMU_PAGE_SIZE))
					k += EMU_PAGE_SIZE;
				if (k > 0)
					region_push(s, a, a + k, 0);
				/* what follows the hole is walked another time */
				s->walk_end = a + k + EMU_PAGE_SIZE;
				return 0;
			}
		}
		region_push(s, s->start + i * EMU_PAGE_SIZE, s->start + j * EMU_PAGE_SIZE, f);
		if (s->n == EMU_SCAN_VEC)
			s->walk_end = s->start + j * EMU_PAGE_SIZE;
		i = j;
	}
	return 0;
}

int
emu_walk_scan(struct emu_dev *d, uint64_t start, uint64_t end)
{
	struct emu_scan *s = &d->scan;
	int ret;

	s->start = page_floor(start);
	s->end = page_ceil(end);
	s->walk_end = s->start;
	s->n = 0;
	EMU_INC(d->e, walks);
	ret = d->e->walk_mode == EMU_WALK_SCAN ? walk_scan(d, s) : walk_pagemap(d, s);
	if (ret != 0) {
		/* the walker itself failed: nothing is known, so nothing is accessible */
		EMU_LOG(ERR, "dev 0x%x: page walk of 0x%" PRIx64 "-0x%" PRIx64 " failed: %s",
			d->rid, s->start, s->end, strerror(-ret));
		s->n = 0;
		s->walk_end = s->start;
	}
	return ret;
}

bool
emu_walk_covers(const struct emu_scan *s, uint64_t start, uint64_t end)
{
	return s->start <= page_floor(start) && page_ceil(end) <= s->walk_end;
}

/* ---- IOTLB ---- */

static const struct emu_iotlb_entry *
iotlb_lookup(struct emu_iotlb *tlb, uint32_t pasid, uint64_t a, uint32_t perm)
{
	for (unsigned int i = 0; i < EMU_IOTLB_ENTRIES; i++) {
		const struct emu_iotlb_entry *t = &tlb->e[i];

		if (__atomic_load_n(&t->valid, __ATOMIC_ACQUIRE) && t->pasid == pasid &&
				a >= t->start && a < t->end && (t->perm & perm) == perm)
			return t;
	}
	return NULL;
}

static void
iotlb_insert(struct emu_iotlb *tlb, uint64_t seq, uint32_t pasid, uint64_t start,
		uint64_t end, uint32_t perm)
{
	struct emu_iotlb_entry *t = &tlb->e[tlb->next];

	tlb->next = (tlb->next + 1) % EMU_IOTLB_ENTRIES;
	__atomic_store_n(&t->valid, 0, __ATOMIC_SEQ_CST);
	t->start = start;
	t->end = end;
	t->pasid = pasid;
	t->perm = perm;
	__atomic_store_n(&t->valid, 1, __ATOMIC_SEQ_CST);
	/* an invalidation ran since the walk: what we inserted may be stale */
	if (__atomic_load_n(&tlb->seq, __ATOMIC_SEQ_CST) != seq)
		__atomic_store_n(&t->valid, 0, __ATOMIC_SEQ_CST);
}

void
emu_iotlb_inval(struct emu_iotlb *tlb, uint32_t pasid, bool all_pasids, uint64_t addr,
		uint64_t size)
{
	uint64_t end = size == 0 ? UINT64_MAX : addr + size;

	__atomic_fetch_add(&tlb->seq, 1, __ATOMIC_SEQ_CST);
	for (unsigned int i = 0; i < EMU_IOTLB_ENTRIES; i++) {
		struct emu_iotlb_entry *t = &tlb->e[i];

		if (!__atomic_load_n(&t->valid, __ATOMIC_SEQ_CST))
			continue;
		if ((all_pasids || t->pasid == pasid) && (size == 0 || (t->start < end &&
				addr < t->end)))
			__atomic_store_n(&t->valid, 0, __ATOMIC_SEQ_CST);
	}
}

static uint32_t
region_perm(uint32_t flags)
{
	return (flags & EMU_R_PRESENT ? SVA_FAULT_PERM_READ : 0) |
		(flags & EMU_R_WRITE ? SVA_FAULT_PERM_WRITE : 0);
}

uint64_t
emu_translate(struct emu_dev *d, uint32_t key, uint64_t addr, uint64_t len, uint32_t perm,
		enum emu_miss *miss)
{
	struct emu_iotlb *tlb = &d->e->iotlb[d->slot];
	const struct emu_iotlb_entry *t;
	const struct emu_scan *s = &d->scan;
	uint64_t cur = addr, end = addr + len, p, seq;

	while (cur < end && (t = iotlb_lookup(tlb, key, cur, perm)) != NULL)
		cur = t->end;
	if (cur >= end) {
		EMU_INC(d->e, iotlb_hits);
		*miss = EMU_MISS_NONE;
		return len;
	}
	EMU_INC(d->e, iotlb_misses);
	seq = __atomic_load_n(&tlb->seq, __ATOMIC_SEQ_CST);
	emu_walk_scan(d, cur, end);
	p = page_floor(cur);
	*miss = EMU_MISS_NONE;
	for (unsigned int i = 0; i < s->n && p < end; i++) {
		const struct emu_region *r = &s->r[i];

		if (r->end <= p)
			continue;
		if (r->start > p) {
			*miss = EMU_MISS_UNMAPPED;
			break;
		}
		if ((region_perm(r->flags) & perm) != perm) {
			*miss = EMU_MISS_NOT_PRESENT;
			break;
		}
		iotlb_insert(tlb, seq, key, r->start, r->end, region_perm(r->flags));
		p = r->end;
	}
	if (*miss == EMU_MISS_NONE && p < end)
		*miss = p < s->walk_end || s->walk_end == s->start ? EMU_MISS_UNMAPPED :
			EMU_MISS_MORE;
	if (*miss == EMU_MISS_MORE && p <= cur)
		*miss = EMU_MISS_UNMAPPED;
	p = RTE_MAX(p, cur);
	return RTE_MIN(p, end) - addr;
}

/* The size of the page at a in walked region r, as the resolver populates it. */
static uint64_t
region_page_size(struct emu_dev *d, const struct emu_region *r, uint64_t a)
{
	if (r->flags & EMU_R_HUGE)
		return EMU_HUGE_SIZE;
	/* present 4 KiB pages tell their size; a hole in the page tables does not */
	return r->flags & EMU_R_PRESENT ? EMU_PAGE_SIZE : vma_page_size(d, a);
}

unsigned int
emu_walk_missing(struct emu_dev *d, uint64_t addr, uint64_t len, uint32_t perm,
		uint64_t *pages, unsigned int max, enum emu_miss *stop)
{
	const struct emu_scan *s = &d->scan;
	uint64_t end = addr + len, p = page_floor(addr);
	unsigned int n = 0;

	if (!emu_walk_covers(s, addr, end))
		emu_walk_scan(d, addr, end);
	*stop = EMU_MISS_NONE;
	for (unsigned int i = 0; i < s->n && p < end && n < max; i++) {
		const struct emu_region *r = &s->r[i];

		if (r->end <= p)
			continue;
		if (r->start > p) {
			*stop = EMU_MISS_UNMAPPED;
			return n;
		}
		if ((region_perm(r->flags) & perm) != perm) {
			/* one request per huge page: the resolver populates at the mapping's size */
			for (uint64_t a = p, step; a < r->end && a < end && n < max;
					a = RTE_ALIGN_FLOOR(a + step, step)) {
				step = region_page_size(d, r, a);
				pages[n++] = a;
			}
		}
		p = r->end;
	}
	if (n < max && p < end && p < s->walk_end)
		*stop = EMU_MISS_UNMAPPED;
	return n;
}

/* The end of the page (as the resolver populates it) that holds a, per the last walk:
 * a huge page's end for a THP or hugetlb region, else the next 4 KiB page. */
uint64_t
emu_walk_page_end(struct emu_dev *d, uint64_t a)
{
	const struct emu_scan *s = &d->scan;

	for (unsigned int i = 0; i < s->n; i++)
		if (s->r[i].start <= a && a < s->r[i].end) {
			uint64_t size = region_page_size(d, &s->r[i], a);

			return RTE_ALIGN_FLOOR(a + size, size);
		}
	return page_floor(a) + EMU_PAGE_SIZE;
}
