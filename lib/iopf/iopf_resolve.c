/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The resolver: validate every page of the burst's closed groups, then populate the
 * valid ones at their mapping's page size, deduplicated, sorted and coalesced into
 * ranges; ranges whose pages a PAGEMAP_SCAN of the burst found present with the
 * access asked are not populated again, the others get one madvise each. See the
 * @file block of sva_iopf.h for the rules.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <rte_cycles.h>

#include "iopf_pvt.h"
#include "sva_procfs_uapi.h"   /* PROCMAP_QUERY, PAGEMAP_SCAN, from lib/iommu */

#ifndef MADV_POPULATE_READ
#define MADV_POPULATE_READ 22
#endif
#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23
#endif
#ifndef EHWPOISON
#define EHWPOISON 133
#endif

#define CANONICAL_KERNEL (UINT64_C(0xffff800000000000))
#define ST_OK 0

/* Insertion sort for the usual burst, heapsort beyond: no allocation (glibc qsort
 * may allocate). */
static void
sort_items(struct iopf_item *a, uint32_t n)
{
	if (n <= 48) {
		for (uint32_t i = 1; i < n; i++) {
			struct iopf_item x = a[i];
			uint32_t j = i;

			while (j > 0 && a[j - 1].key > x.key) {
				a[j] = a[j - 1];
				j--;
			}
			a[j] = x;
		}
		return;
	}
	for (uint32_t start = n / 2; start-- > 0;) {
		uint32_t root = start;

		for (;;) {
			uint32_t child = 2 * root + 1;
			struct iopf_item t;

			if (child >= n)
				break;
			if (child + 1 < n && a[child].key < a[child + 1].key)
				child++;
			if (a[root].key >= a[child].key)
				break;
			t = a[root];
			a[root] = a[child];
			a[child] = t;
			root = child;
		}
	}
	for (uint32_t end = n; end-- > 1;) {
		struct iopf_item t = a[0];
		uint32_t root = 0;

		a[0] = a[end];
		a[end] = t;
		for (;;) {
			uint32_t child = 2 * root + 1;

			if (child >= end)
				break;
			if (child + 1 < end && a[child].key < a[child + 1].key)
				child++;
			if (a[root].key >= a[child].key)
				break;
			t = a[root];
			a[root] = a[child];
			a[child] = t;
			root = child;
		}
	}
}

/* Page shift to populate addr at: hugetlbfs page size, 2 MiB for a THP-eligible block
 * that lies wholly inside the mapping, else 4 KiB. v is the mapping the page is
 * judged by (judge_vma()): its thp is set only when the kernel confirmed it current. */
static inline uint8_t
page_shift_of(const struct iopf_vma *v, uint64_t addr)
{
	uint64_t b;

	if (v == NULL)
		return 12;
	if (v->page_shift != 12)
		return v->page_shift;
	if (v->thp) {
		b = addr & ~((UINT64_C(1) << 21) - 1);
		if (b >= v->start && b + (UINT64_C(1) << 21) <= v->end)
			return 21;
	}
	return 12;
}

/* The kernel's mapping holding addr (one PROCMAP_QUERY, the burst's last answer
 * reused): 0, -ENOENT (no mapping), -ENOTSUP (cannot ask). THP eligibility, which the
 * kernel does not report, is taken from the snapshot entry sv only when the kernel's
 * mapping is that very entry (same range, 4 KiB pages): the identity check that keeps
 * a stale entry from widening a page into memory that now belongs to another mapping. */
static const struct iopf_vma *
kernel_vma(struct sva_iopf *f, const struct iopf_vma *sv, uint64_t addr, int *r)
{
	struct iopf_vma *k = &f->kvma;

	if (f->kvma_valid && addr >= k->start && addr < k->end) {
		*r = 0;
		return k;
	}
	*r = iopf_maps_query(addr, k);
	f->kvma_valid = *r == 0;
	if (*r != 0)
		return NULL;
	k->thp = sv != NULL && sv->thp && sv->start == k->start && sv->end == k->end &&
		k->page_shift == 12;
	return k;
}

/*
 * The mapping a page is judged and populated by (the rule in sva_iopf.h, "What the
 * resolver trusts"):
 *  - a snapshot entry of 4 KiB pages, not THP-eligible: the entry (nothing to widen);
 *  - otherwise (no entry, or an entry that would populate a THP block or a hugetlb
 *    page as one) the kernel's current mapping;
 *  - the kernel cannot be asked: the entry with 4 KiB pages (never widened), or NULL
 *    when the snapshot does not know addr either (validate_perm()'s fallback rule).
 * *st: ST_OK, or R_NO_MAPPING + 1 when the kernel says no mapping holds addr.
 */
static const struct iopf_vma *
judge_vma(struct sva_iopf *f, const struct iopf_vma *sv, uint64_t addr, struct iopf_vma *tmp,
		unsigned int *st)
{
	const struct iopf_vma *kv;
	int r;

	*st = ST_OK;
	if (sv != NULL && sv->page_shift == 12 && !sv->thp)
		return sv;
	kv = kernel_vma(f, sv, addr, &r);
	if (r == 0)
		return kv;
	if (r == -ENOENT) {
		*st = SVA_IOPF_R_NO_MAPPING + 1;
		return NULL;
	}
	if (sv == NULL)
		return NULL;
	*tmp = *sv;
	tmp->page_shift = 12;
	tmp->thp = 0;
	return tmp;
}

/* Validate what does not depend on the mapping; 0 or a reason + 1. */
static inline unsigned int
validate_req(const struct sva_iopf_bond *bond, const struct iopf_maps *m, uint64_t addr,
		uint32_t perm)
{
	uint64_t limit = m != NULL ? m->user_limit : (UINT64_C(1) << 47);

	if (unlikely(addr >= limit)) {
		/* canonical kernel half (47-bit) or anything non-canonical */
		if (addr >= CANONICAL_KERNEL)
			return SVA_IOPF_R_KERNEL_ADDR + 1;
		return SVA_IOPF_R_NON_CANONICAL + 1;
	}
	if (unlikely(!(perm & (SVA_FAULT_PERM_READ | SVA_FAULT_PERM_WRITE | SVA_FAULT_PERM_EXEC))))
		return SVA_IOPF_R_MALFORMED + 1;
	if (unlikely((perm & SVA_FAULT_PERM_EXEC) && !(bond->flags & SVA_IOPF_BOND_ALLOW_EXEC)))
		return SVA_IOPF_R_EXEC + 1;
	if (unlikely((perm & SVA_FAULT_PERM_PRIV) && !(bond->flags & SVA_IOPF_BOND_ALLOW_PRIV)))
		return SVA_IOPF_R_PRIV + 1;
	return ST_OK;
}

/* The permission asked against the mapping judged by; 0 or a reason + 1. v NULL:
 * neither the snapshot nor the kernel knows the address: read and write are left to
 * the populate call (the kernel refuses them on a mapping without them), execute,
 * which populate does not check, is refused. */
static inline unsigned int
validate_perm(const struct iopf_vma *v, uint32_t perm)
{
	if (v == NULL)
		return (perm & SVA_FAULT_PERM_EXEC) ? SVA_IOPF_R_NO_MAPPING + 1 : ST_OK;
	if (((perm & SVA_FAULT_PERM_WRITE) && !(v->prot & IOPF_VMA_W)) ||
			((perm & SVA_FAULT_PERM_READ) && !(v->prot & IOPF_VMA_R)) ||
			((perm & SVA_FAULT_PERM_EXEC) && !(v->prot & IOPF_VMA_X)))
		return SVA_IOPF_R_PERM + 1;
	return ST_OK;
}

/* Populate [addr, addr + len); 0 or a positive errno. */
static int
populate(struct sva_iopf *f, struct sva_iopf_stats *st, uint64_t addr, uint64_t len, bool write)
{
	for (uint32_t tries = 0;; tries++) {
		if (madvise((void *)(uintptr_t)addr, len,
				write ? MADV_POPULATE_WRITE : MADV_POPULATE_READ) == 0)
			return 0;
		if ((errno == EINTR || errno == EAGAIN) && tries < f->populate_retries) {
			IOPF_STAT_INC(st->populate_retries);
			continue;
		}
		return errno;
	}
}

/*
 * ---- presence of the demand pages (PAGEMAP_SCAN, Linux 6.7+) ----
 *
 * One descriptor of /proc/self/pagemap, opened by the first poll call that needs it
 * (one open() per process) and shared by the pollers: the ioctl keeps no state in the
 * file. ENOTTY/EINVAL (before Linux 6.7): never asked again, every range populated.
 * A forked child drops the descriptor (it would describe the parent's memory), and
 * after any fork() of this process write requests are always populated: COW-shared
 * anonymous pages are present and not the zero page, but their page table entries are
 * read-only, which PAGEMAP_SCAN does not show.
 */
enum { SCAN_NONE = -1, SCAN_UNSUPPORTED = -2, SCAN_OPENING = -3 };
static int scan_fd = SCAN_NONE;
static bool scan_off;     /* tests: the fallback (no scan) */
static bool scan_forked;  /* a fork() happened: writes always populate */

static void
scan_atfork_parent(void)
{
	__atomic_store_n(&scan_forked, true, __ATOMIC_RELAXED);
}

static void
scan_atfork_child(void)
{
	int fd = __atomic_exchange_n(&scan_fd, SCAN_NONE, __ATOMIC_ACQ_REL);

	__atomic_store_n(&scan_forked, true, __ATOMIC_RELAXED);
	if (fd >= 0)
		close(fd);
}

static void __attribute__((constructor))
scan_atfork_register(void)
{
	pthread_atfork(NULL, scan_atfork_parent, scan_atfork_child);
}

void
iopf_presence_scan_disable(bool off)
{
	__atomic_store_n(&scan_off, off, __ATOMIC_RELAXED);
}

void
iopf_presence_fork_forget(void)
{
	__atomic_store_n(&scan_forked, false, __ATOMIC_RELAXED);
}

uint64_t
iopf_presence_retried(const struct sva_iopf *f)
{
	return __atomic_load_n(&f->scan_retried, __ATOMIC_RELAXED);
}

void
iopf_presence_counts(const struct sva_iopf *f, uint64_t *scans, uint64_t *skipped)
{
	*scans = __atomic_load_n(&f->scan_calls, __ATOMIC_RELAXED);
	*skipped = __atomic_load_n(&f->scan_skipped, __ATOMIC_RELAXED);
}

static int
scan_fd_get(void)
{
	int fd = __atomic_load_n(&scan_fd, __ATOMIC_ACQUIRE), nfd, want = SCAN_NONE;

	if (likely(fd >= 0) || fd != SCAN_NONE)
		return fd;
	if (!__atomic_compare_exchange_n(&scan_fd, &want, SCAN_OPENING, false,
			__ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
		return want; /* another poller opens it: this burst populates */
	nfd = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
	__atomic_store_n(&scan_fd, nfd >= 0 ? nfd : SCAN_UNSUPPORTED, __ATOMIC_RELEASE);
	return nfd;
}

/*
 * Scan from start (the range [start, end) of items [i, j)) to the end of the last
 * range of the same bond that follows with gaps of at most IOPF_SCAN_GAP: present
 * pages only, with the categories that decide a write. false: nothing known (no scan).
 * When to ask (measured on a 6.18 VM, present 4 KiB pages: one MADV_POPULATE_WRITE
 * costs ~0.4 us plus ~70 ns a page, one scan ~0.7 us plus ~10 ns a page): when another
 * range follows, or the range alone has IOPF_SCAN_MIN_PAGES 4 KiB pages; not for one
 * short range, where the populate costs what the scan would. And seldom when scans
 * keep finding nothing present (the cold case, where every scan would be waste): after
 * IOPF_SCAN_EMPTY_MAX empty scans in a row, one scan in IOPF_SCAN_PROBE.
 */
static bool
scan_from(struct sva_iopf *f, uint32_t i, uint32_t j, uint32_t to, uint64_t start,
		uint64_t end)
{
	const struct iopf_item *it = f->items;
	uint64_t hi = it[i].addr + (UINT64_C(1) << it[i].page_shift);
	struct sva_pm_scan_arg a;
	int fd, ret;

	if ((j >= to || (it[j].key >> 45) != (it[i].key >> 45) ||
			it[j].addr > end + IOPF_SCAN_GAP) &&
			end - start < (uint64_t)IOPF_SCAN_MIN_PAGES << 12)
		return false;
	if (f->scans >= IOPF_SCAN_MAX || __atomic_load_n(&scan_off, __ATOMIC_RELAXED))
		return false;
	if (f->scan_empty >= IOPF_SCAN_EMPTY_MAX && (++f->scan_probe % IOPF_SCAN_PROBE) != 0)
		return false;
	fd = scan_fd_get();
	if (fd < 0)
		return false;
	for (uint32_t k = i + 1; k < to; k++) {
		uint64_t e = it[k].addr + (UINT64_C(1) << it[k].page_shift);

		if ((it[k].key >> 45) != (it[i].key >> 45) || it[k].addr > hi + IOPF_SCAN_GAP)
			break;
		if (e > hi)
			hi = e;
	}
	memset(&a, 0, sizeof(a));
	a.size = sizeof(a);
	a.start = start;
	a.end = hi;
	a.vec = (uintptr_t)f->scan_vec;
	a.vec_len = IOPF_SCAN_REGIONS;
	a.category_mask = SVA_PAGE_IS_PRESENT;
	a.return_mask = SVA_PAGE_IS_PRESENT | SVA_PAGE_IS_PFNZERO | SVA_PAGE_IS_FILE;
	f->scans++;
	IOPF_STAT_INC(f->scan_calls);
	ret = ioctl(fd, SVA_PAGEMAP_SCAN, &a);
	if (ret < 0) {
		if (errno == ENOTTY || errno == EINVAL)
			/* before Linux 6.7: never ask again (the descriptor stays open) */
			__atomic_compare_exchange_n(&scan_fd, &fd, SCAN_UNSUPPORTED, false,
				__ATOMIC_ACQ_REL, __ATOMIC_RELAXED);
		f->scan_start = f->scan_end = 0;
		return false;
	}
	f->scan_n = (uint32_t)ret;
	if (ret == 0) {
		if (f->scan_empty < IOPF_SCAN_EMPTY_MAX)
			f->scan_empty++;
	} else {
		f->scan_empty = 0;
	}
	f->scan_start = start;
	f->scan_end = a.walk_end < hi ? a.walk_end : hi;
	return true;
}

/*
 * Whether every page of [start, end) is present with the access asked, as this burst's
 * scan saw it: read: present; write: present, not the shared zero page (a read fault
 * maps it: a write needs its own page) and not a file page (a private file page needs
 * its copy; a shared one may be mapped read-only for dirty tracking), and no fork()
 * since the process started (COW). Unknown is false: the range is populated.
 */
static bool
range_present(struct sva_iopf *f, uint32_t i, uint32_t j, uint32_t to, uint64_t start,
		uint64_t end, bool write)
{
	const uint64_t bad = write ? SVA_PAGE_IS_PFNZERO | SVA_PAGE_IS_FILE : 0;
	uint32_t lo = 0, hi;
	uint64_t a = start;

	if (write && __atomic_load_n(&scan_forked, __ATOMIC_RELAXED))
		return false;
	if ((start < f->scan_start || end > f->scan_end) &&
			(!scan_from(f, i, j, to, start, end) || end > f->scan_end))
		return false;
	/* the first region that ends after start */
	hi = f->scan_n;
	while (lo < hi) {
		uint32_t mid = (lo + hi) / 2;

		if (f->scan_vec[mid].end <= start)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (uint32_t k = lo; k < f->scan_n && a < end; k++) {
		const struct iopf_scan_region *r = &f->scan_vec[k];

		if (r->start > a || !(r->categories & SVA_PAGE_IS_PRESENT) ||
				(r->categories & bad))
			return false;
		a = r->end;
	}
	return a >= end;
}

static inline uint32_t
skip_slot(uint64_t key)
{
	return (uint32_t)(((key + 1) * UINT64_C(0x9e3779b97f4a7c15)) >> 56) % IOPF_SKIP_RECENT;
}

/*
 * Whether to skip a range: only one the scan found present (present), and not when a
 * page of it was skipped lately and is asked for again (the device still cannot use
 * it: its entry is read-only, or not valid for the device, in a way the scan does not
 * show): then it is populated, and forgotten. A populated range is forgotten too.
 */
static bool
skip_ok(struct sva_iopf *f, uint32_t i, uint32_t j, bool present)
{
	const struct iopf_item *it = f->items;
	bool again = false;

	for (uint32_t k = i; k < j; k++) {
		uint64_t *e = &f->skip_recent[skip_slot(it[k].key)];

		if (*e == it[k].key + 1) {
			again = true;
			*e = 0;
		}
	}
	if (!present)
		return false;
	if (again) {
		IOPF_STAT_INC(f->scan_retried);
		return false;
	}
	for (uint32_t k = i; k < j; k++)
		f->skip_recent[skip_slot(it[k].key)] = it[k].key + 1;
	return true;
}

/* The documented errno rule: a reason + 1, and the response code in *code. */
static unsigned int
errno_rule(int err, bool maps_miss, uint32_t *code)
{
	*code = SVA_PAGE_RESP_INVALID;
	switch (err) {
	case ENOMEM:
		return (maps_miss ? SVA_IOPF_R_NO_MAPPING : SVA_IOPF_R_NOMEM) + 1;
	case EFAULT:
	case EINVAL:
	case EPERM:
	case EHWPOISON:
		return SVA_IOPF_R_POPULATE + 1;
	case EINTR:
	case EAGAIN:
		return SVA_IOPF_R_RETRIES + 1;
	default:
		*code = SVA_PAGE_RESP_FAILURE;
		return SVA_IOPF_R_UNEXPECTED + 1;
	}
}

static inline struct sva_iopf_bond *
bond_of(const struct sva_iopf *f, const struct iopf_item *it)
{
	return f->bonds[it->key >> 45];
}

/* Populate items [i, j) (one range, one bond, one access); set each item's status.
 * present: the burst's scan found every page present with the access asked: no
 * populate call (the driver is still told the range is resolved). */
static void
populate_range(struct sva_iopf *f, uint32_t i, uint32_t j, uint64_t start, uint64_t end,
		bool write, uint32_t npages, bool present)
{
	struct iopf_item *it = f->items;
	struct sva_iopf_bond *bond = bond_of(f, &it[i]);
	struct sva_iopf_stats *st = &bond->st;
	uint32_t code;
	int err = 0;

	if (present) {
		IOPF_STAT_INC(f->scan_skipped);
	} else {
		IOPF_STAT_INC(st->populate_calls);
		err = populate(f, st, start, end - start, write);
	}
	if (err == 0 && f->has_range_resolved &&
			sva_iommu_range_resolved(f->iommu, bond->dev, bond->pasid, start,
				end - start, write ? SVA_FAULT_PERM_READ | SVA_FAULT_PERM_WRITE :
				SVA_FAULT_PERM_READ) != 0) {
		for (uint32_t k = i; k < j; k++) {
			it[k].status = SVA_IOPF_R_DRIVER + 1;
			it[k].code = SVA_PAGE_RESP_FAILURE;
		}
		return;
	}
	if (present)
		return;
	if (err == 0) {
		IOPF_STAT_ADD(st->pages_populated, npages);
		IOPF_STAT_ADD(st->bytes_populated, end - start);
		return;
	}
	if (npages == 1) {
		unsigned int s = errno_rule(err, it[i].maps_miss, &code);

		for (uint32_t k = i; k < j; k++) {
			it[k].status = (uint8_t)s;
			it[k].code = code;
		}
		return;
	}
	/* the range failed somewhere: page by page, so only the failing pages' groups
	 * are refused */
	for (uint32_t k = i; k < j;) {
		uint32_t e = k + 1;

		while (e < j && it[e].key == it[k].key)
			e++;
		populate_range(f, k, e, it[k].addr, it[k].addr + (UINT64_C(1) << it[k].page_shift),
				write, 1, false);
		k = e;
	}
}

/* The bond's cost per demand page for the fairness budget (iopf_poll.c over_quota()):
 * a moving average (1/4 weight) of what its ranges cost, skipped ones included. */
static inline void
cost_update(struct sva_iopf_bond *bond, uint64_t cyc, uint32_t npages)
{
	uint64_t per = cyc / npages;

	if (per > UINT32_MAX)
		per = UINT32_MAX;
	bond->cyc_per_page = (uint32_t)((3 * (uint64_t)bond->cyc_per_page + per) / 4);
}

/* Walk sorted items [from, to): coalesce into ranges and populate them. Returns with
 * each item's status set. demand: count duplicates, honour the budget. */
static void
populate_items(struct sva_iopf *f, uint32_t from, uint32_t to, uint64_t burst_start, bool demand)
{
	struct iopf_item *it = f->items;
	bool over = false;
	uint32_t i = from;
	uint64_t t0;

	while (i < to) {
		uint64_t start = it[i].addr, end = start + (UINT64_C(1) << it[i].page_shift);
		struct sva_iopf_stats *st = &bond_of(f, &it[i])->st;
		bool write = it[i].write;
		uint32_t j = i + 1, npages = 1;

		/* duplicates of the first page: write wins */
		while (j < to && it[j].key == it[i].key) {
			write |= it[j].write;
			j++;
		}
		for (;;) {
			uint32_t k = j;
			bool w;

			if (k >= to || (it[k].key >> 45) != (it[i].key >> 45) || it[k].addr != end)
				break;
			w = it[k].write;
			k++;
			while (k < to && it[k].key == it[j].key) {
				w |= it[k].write;
				k++;
			}
			if (w != write)
				break;
			end += UINT64_C(1) << it[j].page_shift;
			npages++;
			j = k;
		}
		if (demand) {
			IOPF_STAT_ADD(st->dup_pages, (j - i) - npages);
			if (!over && f->budget_cyc != 0 && i != from &&
					rte_rdtsc() - burst_start > f->budget_cyc) {
				over = true;
				f->budget_over = true;
				IOPF_STAT_INC(st->budget_overruns);
			}
			if (over) {
				for (uint32_t k = i; k < j; k++) {
					it[k].status = SVA_IOPF_R_BUDGET + 1;
					it[k].code = f->budget_code;
				}
				i = j;
				continue;
			}
			t0 = rte_rdtsc();
			populate_range(f, i, j, start, end, write, npages,
					skip_ok(f, i, j, range_present(f, i, j, to, start,
						end, write)));
			cost_update(bond_of(f, &it[i]), rte_rdtsc() - t0, npages);
		} else {
			/* fault-around spends what the demand pages left of the budget */
			if (f->budget_cyc != 0 && rte_rdtsc() - burst_start > f->budget_cyc) {
				if (!f->budget_over)
					IOPF_STAT_INC(st->budget_overruns);
				f->budget_over = true;
				return;
			}
			if (populate(f, st, start, end - start, write) == 0)
				IOPF_STAT_ADD(st->fault_around_pages, npages);
			else
				IOPF_STAT_INC(st->fault_around_errors);
		}
		i = j;
	}
}

static inline bool
kernel_said(const struct sva_iopf *f, uint64_t addr)
{
	return f->kvma_valid && addr >= f->kvma.start && addr < f->kvma.end;
}

/*
 * The entry a page is judged by (iopf_overlay.c): the overlay's first (its entries are
 * newer than the snapshot's), then the snapshot's, else the kernel's current mapping,
 * learned now into the overlay. An overlay entry is asked again (recheck) for an
 * execute request (populate does not check execute, and the entry may be of a mapping
 * since replaced) unless the kernel answered for it in this burst already.
 * *ov: judged by the overlay; *miss: not by the snapshot. *st: R_NO_MAPPING + 1 when
 * the kernel says no mapping holds addr. NULL: nobody knows (the kernel cannot be
 * asked: validate_perm()'s fallback rule).
 */
static const struct iopf_vma *
entry_of(struct sva_iopf *f, const struct iopf_maps *m, uint64_t addr, uint32_t perm,
		bool *ov, bool *miss, unsigned int *st)
{
	const struct iopf_vma *v = iopf_overlay_find(f, addr);
	int r;

	*st = ST_OK;
	*ov = false;
	*miss = true;
	if (v != NULL) {
		if (!(perm & SVA_FAULT_PERM_EXEC) || kernel_said(f, addr)) {
			IOPF_STAT_INC(f->mst.overlay_hits);
			*ov = true;
			return v;
		}
		IOPF_STAT_INC(f->mst.rechecks);
	} else {
		v = iopf_maps_lookup(m, addr);
		if (v != NULL) {
			*miss = false;
			return v;
		}
	}
	v = iopf_overlay_learn(f, addr, true, &r);
	if (r == -ENOENT)
		*st = SVA_IOPF_R_NO_MAPPING + 1;
	*ov = v != NULL;
	return v;
}

/* A page was refused a permission by an entry the kernel did not give in this burst,
 * or failed to populate after an overlay entry let it through: the mapping may have
 * been replaced (unmapped and mapped again, mprotect()) since. Ask the kernel again;
 * the overlay takes its answer (and, being newer, wins over the snapshot's entry). */
static const struct iopf_vma *
recheck(struct sva_iopf *f, uint64_t addr, unsigned int *st)
{
	const struct iopf_vma *ov;
	int r;

	ov = iopf_overlay_learn(f, addr, false, &r);
	if (r != -ENOTSUP)
		IOPF_STAT_INC(f->mst.rechecks);
	*st = r == -ENOENT ? SVA_IOPF_R_NO_MAPPING + 1 : ST_OK;
	return ov;
}

void
iopf_resolve(struct sva_iopf *f, uint64_t burst_start)
{
	const struct iopf_maps *m = iopf_maps_current();
	const struct iopf_vma *sv = NULL, *v;
	struct iopf_item *it = f->items;
	struct iopf_vma tmp;
	uint32_t n = 0;
	bool miss = false, ov = false;

	f->resolve_start = burst_start;
	f->kvma_valid = false; /* the kernel's answers live one burst */
	f->scans = 0;          /* so do the scan's */
	f->scan_start = f->scan_end = 0;
	f->budget_over = false;
	iopf_overlay_sync(f, m);
	for (uint32_t c = 0; c < f->ncg; c++) {
		struct iopf_cgroup *cg = &f->cg[c];
		struct sva_iopf_bond *bond = cg->bond;

		if (cg->code != SVA_PAGE_RESP_SUCCESS || bond == NULL)
			continue;
		for (uint32_t p = 0; p < cg->n; p++) {
			const struct iopf_page *pg = &f->pg[cg->first + p];
			uint64_t addr = pg->addr;
			unsigned int s;
			uint8_t shift;

			/* a first-level page (guest virtual): the VMM's, never resolved here
			 * (iopf_nested_prepare() refused it on a bond that is not nested) */
			if (unlikely(pg->perm & IOPF_PERM_S1))
				continue;
			v = NULL;
			s = validate_req(bond, m, addr, pg->perm);
			if (s == ST_OK) {
				if (sv == NULL || addr < sv->start || addr >= sv->end ||
						(ov && (pg->perm & SVA_FAULT_PERM_EXEC)))
					sv = entry_of(f, m, addr, pg->perm, &ov, &miss, &s);
				else if (ov)
					IOPF_STAT_INC(f->mst.overlay_hits);
			}
			if (s == ST_OK) {
				v = judge_vma(f, sv, addr, &tmp, &s);
				if (s == ST_OK)
					s = validate_perm(v, pg->perm);
				if (s == SVA_IOPF_R_PERM + 1 && sv != NULL && !kernel_said(f, addr)) {
					/* refused by what an entry said earlier */
					const struct iopf_vma *k = recheck(f, addr, &s);

					if (k != NULL) {
						sv = k;
						ov = true;
						miss = true;
						v = judge_vma(f, sv, addr, &tmp, &s);
						if (s == ST_OK)
							s = validate_perm(v, pg->perm);
					} else if (s == ST_OK) {
						/* the kernel cannot be asked: the entry's verdict */
						s = SVA_IOPF_R_PERM + 1;
					}
				}
			}
			if (s != ST_OK) {
				/* keep going: the group's other pages still help the device */
				iopf_refuse(cg, SVA_PAGE_RESP_INVALID, s - 1);
				continue;
			}
			shift = page_shift_of(v, addr);
			addr &= ~((UINT64_C(1) << shift) - 1);
			it[n].key = ((uint64_t)bond->slot << 45) | (addr >> 12);
			it[n].addr = addr;
			it[n].cg = c;
			it[n].write = (pg->perm & SVA_FAULT_PERM_WRITE) != 0;
			it[n].page_shift = shift;
			it[n].maps_miss = miss;
			it[n].status = ST_OK;
			it[n].code = SVA_PAGE_RESP_SUCCESS;
			it[n].ov = ov ? (sv->thp_unknown ? 2 : 1) : 0;
			if (miss)
				IOPF_STAT_INC(bond->st.maps_misses);
			n++;
		}
	}
	f->stage_validated = rte_rdtsc(); /* sva_iopf_stages: validation ends */
	f->nitems = n;
	if (n == 0)
		return;
	sort_items(it, n);
	populate_items(f, 0, n, burst_start, true);
	for (uint32_t i = 0; i < n; i++) {
		if (it[i].ov != 0 && (it[i].status == SVA_IOPF_R_POPULATE + 1 ||
				it[i].status == SVA_IOPF_R_NO_MAPPING + 1)) {
			/* the overlay's mapping may be gone or replaced: say what the kernel's
			 * current one refuses, and keep the overlay true for the next page */
			unsigned int s;
			const struct iopf_vma *k = recheck(f, it[i].addr, &s);

			if (s != ST_OK)
				it[i].status = (uint8_t)s;
			else if (k != NULL && validate_perm(k, it[i].write ? SVA_FAULT_PERM_WRITE :
					SVA_FAULT_PERM_READ) != ST_OK)
				it[i].status = SVA_IOPF_R_PERM + 1;
		}
		if (it[i].status != ST_OK)
			iopf_refuse(&f->cg[it[i].cg], it[i].code, it[i].status - 1u);
	}
	iopf_overlay_probe(f);
}

/*
 * The mapping a fault-around window is clamped to: the kernel's current mapping of the
 * demand page (THP eligibility by the identity check); when the kernel cannot be
 * asked, the snapshot entry, its THP blocks as 4 KiB pages; NULL: no window.
 */
static const struct iopf_vma *
around_vma(struct sva_iopf *f, const struct iopf_maps *m, uint64_t addr, struct iopf_vma *tmp)
{
	const struct iopf_vma *sv = iopf_maps_lookup(m, addr), *kv;
	int r;

	kv = kernel_vma(f, sv, addr, &r);
	if (r == 0)
		return kv;
	if (r == -ENOENT || sv == NULL)
		return NULL;
	*tmp = *sv;
	tmp->thp = 0;
	return tmp;
}

void
iopf_fault_around(struct sva_iopf *f)
{
	const struct iopf_maps *m = iopf_maps_current();
	struct iopf_item *it = f->items;
	uint32_t n = f->nitems, out = n;
	struct iopf_vma tmp;

	if (n == 0)
		return;
	for (uint32_t i = 0; i < n && out < f->items_cap; i++) {
		struct sva_iopf_bond *bond = bond_of(f, &it[i]);
		uint64_t ps = UINT64_C(1) << it[i].page_shift, d = it[i].addr, lo, hi;
		const struct iopf_vma *v;
		uint16_t before = __atomic_load_n(&bond->fa_before, __ATOMIC_RELAXED);
		uint16_t after = __atomic_load_n(&bond->fa_after, __ATOMIC_RELAXED);
		bool write;

		if (bond->flags & SVA_IOPF_BOND_FA_ADAPTIVE) {
			/* one window after each demand range of the bond (adjacent pages) */
			uint64_t end = d + ps, trip;
			uint32_t j = i + 1;

			if (it[i].status != ST_OK || (i > 0 && it[i - 1].key >> 45 == it[i].key >> 45 &&
					it[i - 1].status == ST_OK &&
					it[i - 1].addr + (UINT64_C(1) << it[i - 1].page_shift) >= d))
				continue; /* inside a range started before */
			for (; j < n && it[j].key >> 45 == it[i].key >> 45 && it[j].status == ST_OK &&
					it[j].addr <= end; j++)
				end = RTE_MAX(end, it[j].addr + (UINT64_C(1) << it[j].page_shift));
			if (!iopf_prefetch_window(bond, d, end,
					after != 0 ? after : SVA_IOPF_FAULT_AROUND_MAX, &lo, &hi,
					&trip))
				continue;
			v = around_vma(f, m, end - 1, &tmp);
			if (v == NULL || end > v->end || lo >= v->end)
				continue;
			write = it[i].write && (v->prot & IOPF_VMA_W);
			hi = RTE_MIN(hi, v->end);
			d = trip; /* the tripwire page is left out */
			ps = 4096;
		} else {
			if ((before | after) == 0 || it[i].status != ST_OK ||
					(i > 0 && it[i - 1].key == it[i].key))
				continue;
			v = around_vma(f, m, d, &tmp);
			if (v == NULL || d < v->start || d + ps > v->end)
				continue;
			write = it[i].write && (v->prot & IOPF_VMA_W);
			/* the window is in 4 KiB units, clamped to the mapping; whole pages of
			 * the mapping inside it are populated, each aligned to its own size */
			lo = d - RTE_MIN((uint64_t)before << 12, d - v->start);
			hi = d + ps + RTE_MIN((uint64_t)after << 12, v->end - d - ps);
		}
		if (unlikely(bond->flags & SVA_IOPF_BOND_NESTED)) {
			/* a nested bond resolves guest RAM only, fault-around included */
			lo = RTE_MAX(lo, bond->ram_base);
			hi = RTE_MIN(hi, bond->ram_end);
		}
		for (uint64_t a = lo; a < hi && out < f->items_cap;) {
			uint8_t sh = page_shift_of(v, a);
			uint64_t sz = UINT64_C(1) << sh, base = a & ~(sz - 1);

			a = base + sz;
			if (base < lo || base + sz > hi || (base < d + ps && base + sz > d))
				continue;
			it[out].key = ((uint64_t)bond->slot << 45) | (base >> 12);
			it[out].addr = base;
			it[out].write = write;
			it[out].page_shift = sh;
			it[out].status = ST_OK;
			out++;
		}
	}
	if (out == n)
		return;
	sort_items(it + n, out - n);
	populate_items(f, n, out, f->resolve_start, false);
}
