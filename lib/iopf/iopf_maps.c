/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The mappings snapshot: what the resolver validates against without a system call
 * per request. Built on the control path from /proc/self/maps (one entry per VMA:
 * range, rwx; page size and THP eligibility found as the block
 * below read_file() says),
 * published with a release store, read by pollers with an acquire
 * load inside a poll call, and freed after a grace period of the iopf RCU (pollers
 * are online only inside poll calls, so the wait is bounded by one poll call).
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/vfs.h>
#include <time.h>
#include <unistd.h>

#include <rte_cycles.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_rcu_qsbr.h>

#include "iopf_pvt.h"
#include "sva_procfs_uapi.h"   /* PROCMAP_QUERY, PAGEMAP_SCAN, from lib/iommu */

static struct rte_rcu_qsbr *iopf_qsbr;
static pthread_mutex_t maps_lock = PTHREAD_MUTEX_INITIALIZER;
static struct iopf_maps *maps_cur;
static uint64_t maps_gen;

int
iopf_rcu_init(void)
{
	struct rte_rcu_qsbr *v;
	size_t sz;

	if (__atomic_load_n(&iopf_qsbr, __ATOMIC_ACQUIRE) != NULL)
		return 0;
	pthread_mutex_lock(&maps_lock);
	if (iopf_qsbr == NULL) {
		sz = rte_rcu_qsbr_get_memsize(RTE_MAX_LCORE + 1);
		v = rte_zmalloc("sva_iopf_qsbr", sz, RTE_CACHE_LINE_SIZE);
		if (v == NULL || rte_rcu_qsbr_init(v, RTE_MAX_LCORE + 1) != 0) {
			rte_free(v);
			pthread_mutex_unlock(&maps_lock);
			return -ENOMEM;
		}
		for (unsigned int i = 0; i <= RTE_MAX_LCORE; i++)
			rte_rcu_qsbr_thread_register(v, i);
		__atomic_store_n(&iopf_qsbr, v, __ATOMIC_RELEASE);
	}
	pthread_mutex_unlock(&maps_lock);
	return 0;
}

/* Every reader id is registered once at init and kept offline outside poll calls. */
void
iopf_rcu_online(unsigned int tid)
{
	rte_rcu_qsbr_thread_online(iopf_qsbr, tid);
}

void
iopf_rcu_offline(unsigned int tid)
{
	rte_rcu_qsbr_thread_offline(iopf_qsbr, tid);
}

const struct iopf_maps *
iopf_maps_current(void)
{
	return __atomic_load_n(&maps_cur, __ATOMIC_ACQUIRE);
}

/* Not m->gen: outside a poll call (RCU offline) a refresh may free the snapshot under
 * the reader. maps_gen is the current snapshot's generation, 0 before the first. */
uint64_t
sva_iopf_maps_generation(void)
{
	return __atomic_load_n(&maps_gen, __ATOMIC_ACQUIRE);
}

const struct iopf_vma *
iopf_maps_lookup(const struct iopf_maps *m, uint64_t addr)
{
	uint32_t lo = 0, hi;

	if (m == NULL)
		return NULL;
	hi = m->n;
	while (lo < hi) {
		uint32_t mid = (lo + hi) / 2;
		const struct iopf_vma *v = &m->v[mid];

		if (addr < v->start)
			hi = mid;
		else if (addr >= v->end)
			lo = mid + 1;
		else
			return v;
	}
	return NULL;
}

static char *
read_file(const char *path, size_t *len, int *err)
{
	size_t cap = 1 << 16, n = 0;
	char *buf = malloc(cap), *nb;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t r;

	if (fd < 0 || buf == NULL) {
		*err = fd < 0 ? -errno : -ENOMEM;
		if (fd >= 0)
			close(fd);
		free(buf);
		return NULL;
	}
	for (;;) {
		if (cap - n < 4096) {
			nb = realloc(buf, cap * 2);
			if (nb == NULL) {
				*err = -ENOMEM;
				goto fail;
			}
			buf = nb;
			cap *= 2;
		}
		r = read(fd, buf + n, cap - n - 1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			*err = -errno;
			goto fail;
		}
		if (r == 0)
			break;
		n += r;
	}
	close(fd);
	buf[n] = '\0';
	*len = n;
	return buf;
fail:
	close(fd);
	free(buf);
	return NULL;
}

/*
 * ---- building a snapshot from /proc/self/maps ----
 *
 * maps is one line per mapping and no page walk; smaps formats ~20 lines per mapping
 * and walks its present pages (~6 ms against ~1 ms for maps in a DPDK process with
 * ~1,000 mappings). What maps does not say is found this way:
 *  - page size: only a mapping of a pseudo file system (device major 0, a path) can
 *    be hugetlb (hugetlbfs files, MAP_HUGETLB "/anon_hugepage", hugetlb memfd, SysV
 *    SHM_HUGETLB). Its page size is asked once per device per refresh: PROCMAP_QUERY
 *    on the maps file (Linux 6.11+, the kernel's own vma page size), else statfs() of
 *    the path (hugetlbfs reports its page size in f_bsize), else, for
 *    "/anon_hugepage", Hugepagesize of /proc/meminfo.
 *  - THP eligibility (2 MiB, anonymous private mappings only): the PMD-size mode of
 *    /sys/kernel/mm/transparent_hugepage (hugepages-2048kB/enabled, "inherit" meaning
 *    the top-level enabled) and prctl(PR_GET_THP_DISABLE), read at every refresh.
 *    "never" or disabled: none. "always" and "madvise": the kernel's own THPeligible
 *    of smaps, which knows MADV_HUGEPAGE and MADV_NOHUGEPAGE (maps shows neither:
 *    "always" without it would populate MADV_NOHUGEPAGE ranges 2 MiB at a time, and
 *    "madvise" would not know which ranges asked for huge pages). smaps costs several
 *    times maps (per-mapping formatting and the page walk), so it is read only when a
 *    candidate (anonymous private, accessible, holding an aligned 2 MiB block) cannot
 *    be inferred from the candidates of the previous refresh in the same mode
 *    (thp_infer(): same range, or grown from one); madvise() on part of a mapping
 *    splits it, so that is always seen.
 *  - nothing changed: when the maps text and the THP mode equal the previous
 *    refresh's, the current snapshot is kept (no swap, no grace period).
 */
#ifndef HUGETLBFS_MAGIC
#define HUGETLBFS_MAGIC 0x958458f6
#endif
#ifndef PR_GET_THP_DISABLE
#define PR_GET_THP_DISABLE 42
#endif


enum thp_mode { THP_NEVER, THP_ALWAYS, THP_MADVISE };

#define DEV_CACHE 16
struct dev_shift {
	uint32_t dev;
	uint8_t shift;
};

/* one THP-eligible range of the last smaps read */
struct thp_range {
	uint64_t start, end;
	uint64_t thp; /* known[] only: eligible */
};

/* State across refreshes, under refresh_lock. */
static pthread_mutex_t refresh_lock = PTHREAD_MUTEX_INITIALIZER;
/* One grace-period wait at a time: rte_rcu_qsbr_check() of two checkers (the background
 * refresh and a control call's) races on the token it caches (a plain read of what the
 * other writes atomically). Pollers never take it. */
static pthread_mutex_t grace_lock = PTHREAD_MUTEX_INITIALIZER;
static char *last_text;
static size_t last_len;
static int last_mode = -1;
/* "always"/"madvise": the THP candidates of the last refresh and their eligibility */
static struct thp_range *known;
static uint32_t known_n;
static bool known_valid;
static enum thp_mode known_mode; /* the mode the known answers were read in */
/* the THP-eligible ranges of the smaps read in progress */
static struct thp_range *thp_ranges;
static uint32_t thp_n;
static uint64_t smaps_reads;    /* for the log and the tests' understanding */
static int cur_thp_mode;        /* the last refresh's, for the overlay (any thread) */

int
iopf_maps_thp_mode(void)
{
	return __atomic_load_n(&cur_thp_mode, __ATOMIC_RELAXED);
}

static int
mode_of(const char *path)
{
	char buf[128];
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t r;

	if (fd < 0)
		return -1;
	r = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (r <= 0)
		return -1;
	buf[r] = '\0';
	if (strstr(buf, "[always]") != NULL)
		return THP_ALWAYS;
	if (strstr(buf, "[madvise]") != NULL)
		return THP_MADVISE;
	if (strstr(buf, "[never]") != NULL)
		return THP_NEVER;
	return -1; /* "[inherit]" */
}

static enum thp_mode
thp_mode(void)
{
	int m;

	if (prctl(PR_GET_THP_DISABLE, 0, 0, 0, 0) > 0)
		return THP_NEVER;
	m = mode_of("/sys/kernel/mm/transparent_hugepage/hugepages-2048kB/enabled");
	if (m < 0)
		m = mode_of("/sys/kernel/mm/transparent_hugepage/enabled");
	return m < 0 ? THP_NEVER : (enum thp_mode)m;
}

static uint8_t
shift_of_bytes(uint64_t b)
{
	if (b < 4096 || (b & (b - 1)) != 0)
		return 12;
	return (uint8_t)__builtin_ctzll(b);
}

/* Default huge page size (Hugepagesize of /proc/meminfo), 12 when unknown. */
static uint8_t
default_huge_shift(void)
{
	static uint8_t cached;
	char buf[4096], *p;
	uint64_t kb;
	int fd;
	ssize_t r;

	if (cached != 0)
		return cached;
	fd = open("/proc/meminfo", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 12;
	r = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (r <= 0)
		return 12;
	buf[r] = '\0';
	p = strstr(buf, "Hugepagesize:");
	if (p == NULL || sscanf(p, "Hugepagesize: %" SCNu64 " kB", &kb) != 1)
		return 12;
	cached = shift_of_bytes(kb << 10);
	return cached;
}

/* Page shift of a mapping of a pseudo file system, fallback without PROCMAP_QUERY. */
static uint8_t
fs_page_shift(const char *path)
{
	char p[PATH_MAX], *d;
	struct statfs sf;

	snprintf(p, sizeof(p), "%s", path);
	d = strstr(p, " (deleted)");
	if (d != NULL)
		*d = '\0';
	if (strcmp(p, "/anon_hugepage") == 0)
		return default_huge_shift();
	if (statfs(p, &sf) != 0) {
		/* the file is gone: its directory is on the same mount */
		d = strrchr(p, '/');
		if (d == NULL || d == p)
			return 12;
		*d = '\0';
		if (statfs(p, &sf) != 0)
			return 12;
	}
	if ((uint32_t)sf.f_type != HUGETLBFS_MAGIC)
		return 12;
	return shift_of_bytes((uint64_t)sf.f_bsize);
}

static uint8_t
page_shift_query(int fd, struct dev_shift *cache, uint32_t *ncache, uint32_t dev,
		uint64_t start, const char *path, bool *no_query)
{
	struct sva_procmap_query q;
	uint8_t shift;

	for (uint32_t i = 0; i < *ncache; i++)
		if (cache[i].dev == dev)
			return cache[i].shift;
	shift = 0;
	if (!*no_query) {
		int ret = sva_procmap_query(fd, start, &q);

		if (ret == 0)
			shift = shift_of_bytes(q.vma_page_size);
		else if (ret == -ENOTTY || ret == -EINVAL)
			*no_query = true; /* before Linux 6.11 */
	}
	if (shift == 0)
		shift = fs_page_shift(path);
	if (*ncache < DEV_CACHE) {
		cache[*ncache].dev = dev;
		cache[*ncache].shift = shift;
		(*ncache)++;
	}
	return shift;
}

static int
range_cmp(const void *a, const void *b)
{
	const struct thp_range *x = a, *y = b;

	return x->start < y->start ? -1 : x->start > y->start;
}

/* Read smaps for the THP-eligible ranges (the kernel's THPeligible). */
static int
thp_ranges_read(void)
{
	struct thp_range *r = NULL, *nr;
	uint32_t n = 0, cap = 0;
	uint64_t start = 0, end = 0, kb = 4;
	char *text, *line, *save = NULL;
	size_t len;
	int err = 0;

	text = read_file("/proc/self/smaps", &len, &err);
	if (text == NULL)
		return err;
	for (line = strtok_r(text, "\n", &save); line != NULL; line = strtok_r(NULL, "\n", &save)) {
		char *q;

		/* a header line starts with a hex digit; the ~20 field lines of each mapping
		 * start with a capital letter and are skipped with one compare */
		if (isxdigit((unsigned char)line[0]) && !isupper((unsigned char)line[0])) {
			start = strtoull(line, &q, 16);
			end = *q == '-' ? strtoull(q + 1, NULL, 16) : start;
			kb = 4;
		} else if (strncmp(line, "KernelPageSize:", 15) == 0) {
			kb = strtoull(line + 15, NULL, 10);
		} else if (strncmp(line, "THPeligible:", 12) == 0 &&
				strtoul(line + 12, NULL, 10) == 1 && kb == 4) {
			if (n == cap) {
				cap = cap != 0 ? cap * 2 : 16;
				nr = realloc(r, cap * sizeof(*r));
				if (nr == NULL) {
					free(r);
					free(text);
					return -ENOMEM;
				}
				r = nr;
			}
			r[n].start = start;
			r[n].end = end;
			r[n].thp = 1;
			n++;
		}
	}
	free(text);
	if (n > 1)
		qsort(r, n, sizeof(*r), range_cmp);
	free(thp_ranges);
	thp_ranges = r;
	thp_n = n;
	smaps_reads++;
	return 0;
}

static bool
thp_range_eligible(uint64_t start, uint64_t end)
{
	uint32_t lo = 0, hi = thp_n;

	while (lo < hi) {
		uint32_t mid = (lo + hi) / 2;

		if (thp_ranges[mid].start < start)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < thp_n && thp_ranges[lo].start == start && thp_ranges[lo].end == end;
}

/* Parse maps text into a snapshot; vmas come sorted from the kernel. anon[] gets one
 * flag per vma: anonymous private (the THP candidates). */
static struct iopf_maps *
parse_maps(char *text, int fd, uint8_t **anonp, int *err)
{
	uint32_t cap = 64, n = 0, ncache = 0;
	struct iopf_maps *m = malloc(sizeof(*m) + cap * sizeof(struct iopf_vma)), *nm;
	uint8_t *anon = malloc(cap), *na;
	struct dev_shift cache[DEV_CACHE];
	char *line, *save = NULL;
	uint64_t limit = UINT64_C(1) << 47;
	bool no_query = false;

	if (m == NULL || anon == NULL)
		goto nomem;
	for (line = strtok_r(text, "\n", &save); line != NULL; line = strtok_r(NULL, "\n", &save)) {
		uint64_t start, end, off, ino;
		unsigned int maj, min;
		char perms[8] = { 0 }; /* a short field ("r") leaves the rest read below */
		const char *path;
		struct iopf_vma *cur;
		int pos = 0;

		if (sscanf(line, "%" SCNx64 "-%" SCNx64 " %7s %" SCNx64 " %x:%x %" SCNu64 " %n",
				&start, &end, perms, &off, &maj, &min, &ino, &pos) < 7 || pos == 0)
			continue;
		path = line + pos;
		if (end > (UINT64_C(1) << 47) && start < (UINT64_C(1) << 56) &&
				start >= (UINT64_C(1) << 47))
			limit = UINT64_C(1) << 56; /* a mapping above 47 bits: LA57 */
		if (start >= (UINT64_C(1) << 56) || end <= start)
			continue; /* [vsyscall] and such live in the kernel half */
		if (n == cap) {
			cap *= 2;
			nm = realloc(m, sizeof(*m) + cap * sizeof(struct iopf_vma));
			if (nm == NULL)
				goto nomem;
			m = nm;
			na = realloc(anon, cap);
			if (na == NULL)
				goto nomem;
			anon = na;
		}
		cur = &m->v[n];
		memset(cur, 0, sizeof(*cur));
		cur->start = start;
		cur->end = end;
		cur->prot = (perms[0] == 'r' ? IOPF_VMA_R : 0) |
			(perms[1] == 'w' ? IOPF_VMA_W : 0) | (perms[2] == 'x' ? IOPF_VMA_X : 0);
		cur->page_shift = 12;
		if (maj == 0 && path[0] == '/')
			cur->page_shift = page_shift_query(fd, cache, &ncache, (maj << 20) | min,
				start, path, &no_query);
		anon[n] = perms[3] == 'p' && ino == 0 && maj == 0 && min == 0 &&
			(path[0] == '\0' || strcmp(path, "[heap]") == 0 ||
			 strcmp(path, "[stack]") == 0);
		n++;
	}
	if (n == 0) {
		free(m);
		free(anon);
		*err = -EIO;
		return NULL;
	}
	m->n = n;
	m->user_limit = limit;
	*anonp = anon;
	return m;
nomem:
	free(m);
	free(anon);
	*err = -ENOMEM;
	return NULL;
}

/* A mapping the resolver could populate 2 MiB at a time: anonymous private, accessible,
 * holding an aligned 2 MiB block. */
static bool
thp_candidate(const struct iopf_vma *v, uint8_t anon)
{
	uint64_t b = (v->start + (UINT64_C(1) << 21) - 1) & ~((UINT64_C(1) << 21) - 1);

	return anon && v->prot != 0 && v->page_shift == 12 && b + (UINT64_C(1) << 21) <= v->end;
}

/*
 * Eligibility of a candidate from the candidates of the last refresh, without smaps:
 * the same range keeps its answer; a range that grew from exactly one old candidate
 * (same start or same end, holding it: brk, or a new mapping merged into it, which
 * the kernel does only between mappings of the same flags) takes its answer. Anything
 * else (new, split, merged from several) is unknown: -1.
 */
static int
thp_infer(uint64_t start, uint64_t end)
{
	uint32_t lo = 0, hi = known_n, i;

	while (lo < hi) {
		uint32_t mid = (lo + hi) / 2;

		if (known[mid].end <= start)
			lo = mid + 1;
		else
			hi = mid;
	}
	i = lo; /* first old candidate ending above start */
	if (i >= known_n || known[i].start >= end)
		return -1;
	if (i + 1 < known_n && known[i + 1].start < end)
		return -1; /* overlaps several */
	if (known[i].start == start && known[i].end == end)
		return (int)known[i].thp;
	if (start <= known[i].start && known[i].end <= end &&
			(known[i].start == start || known[i].end == end))
		return (int)known[i].thp;
	return -1;
}

/* Set v->thp by the rule of the mode; "always" and "madvise" may read smaps (see above). */
static int
thp_apply(struct iopf_maps *m, const uint8_t *anon, enum thp_mode mode)
{
	struct thp_range *k;
	uint32_t nk = 0;
	bool need = !known_valid || known_mode != mode;
	int err, r;

	if (mode == THP_NEVER) {
		known_valid = false; /* flags may change before another mode comes back */
		return 0;
	}
	k = malloc(m->n * sizeof(*k));
	if (k == NULL)
		return -ENOMEM;
	for (uint32_t i = 0; i < m->n && !need; i++) {
		if (!thp_candidate(&m->v[i], anon[i]))
			continue;
		r = thp_infer(m->v[i].start, m->v[i].end);
		if (r < 0)
			need = true;
		else
			m->v[i].thp = (uint8_t)r;
	}
	if (need) {
		err = thp_ranges_read();
		if (err != 0) {
			free(k);
			known_valid = false;
			return err;
		}
		for (uint32_t i = 0; i < m->n; i++)
			m->v[i].thp = thp_candidate(&m->v[i], anon[i]) &&
				thp_range_eligible(m->v[i].start, m->v[i].end);
	}
	for (uint32_t i = 0; i < m->n; i++) {
		if (!thp_candidate(&m->v[i], anon[i])) {
			m->v[i].thp = 0;
			continue;
		}
		k[nk].start = m->v[i].start;
		k[nk].end = m->v[i].end;
		k[nk].thp = m->v[i].thp;
		nk++;
	}
	free(known);
	known = k;
	known_n = nk;
	known_valid = true;
	known_mode = mode;
	return 0;
}

static void query_open(void); /* PROCMAP_QUERY, below sva_iopf_maps_refresh() */

static int
maps_read(char **text, size_t *len, int *fd)
{
	int err = 0;

	*text = read_file("/proc/self/maps", len, &err);
	if (*text == NULL)
		return err;
	/* a second descriptor for PROCMAP_QUERY (read_file closes its own) */
	*fd = open("/proc/self/maps", O_RDONLY | O_CLOEXEC);
	return 0;
}

int
sva_iopf_maps_refresh(void)
{
	struct iopf_maps *m, *old;
	uint64_t gen, nsmaps;
	uint32_t nmaps;
	enum thp_mode mode;
	uint8_t *anon = NULL;
	size_t len;
	char *text, *copy;
	int err, fd = -1;

	err = iopf_rcu_init();
	if (err != 0)
		return err;
	pthread_mutex_lock(&refresh_lock);
	query_open();
	mode = thp_mode();
	err = maps_read(&text, &len, &fd);
	if (err != 0) {
		pthread_mutex_unlock(&refresh_lock);
		IOPF_LOG(ERR, "cannot read /proc/self/maps: %s (is /proc mounted?)", strerror(-err));
		return err;
	}
	if (iopf_maps_current() != NULL && last_text != NULL && (int)mode == last_mode &&
			len == last_len && memcmp(text, last_text, len) == 0) {
		pthread_mutex_unlock(&refresh_lock);
		if (fd >= 0)
			close(fd);
		free(text);
		IOPF_LOG(DEBUG, "mappings unchanged: snapshot %" PRIu64 " kept",
			sva_iopf_maps_generation());
		return 0;
	}
	copy = malloc(len + 1);
	if (copy != NULL)
		memcpy(copy, text, len + 1);
	m = parse_maps(text, fd, &anon, &err);
	if (fd >= 0)
		close(fd);
	free(text);
	if (m != NULL) {
		err = thp_apply(m, anon, mode);
		free(anon);
		if (err != 0) {
			free(m);
			m = NULL;
			IOPF_LOG(ERR, "cannot read /proc/self/smaps for THP eligibility: %s",
				strerror(-err));
		}
	} else {
		IOPF_LOG(ERR, "cannot parse /proc/self/maps: %s", strerror(-err));
	}
	if (m == NULL) {
		free(copy);
		pthread_mutex_unlock(&refresh_lock);
		return err;
	}
	__atomic_store_n(&cur_thp_mode, (int)mode, __ATOMIC_RELAXED);
	free(last_text);
	last_text = copy; /* NULL when out of memory: the next refresh rebuilds */
	last_len = len;
	last_mode = (int)mode;
	pthread_mutex_lock(&maps_lock);
	gen = maps_gen + 1;
	m->gen = gen;
	nmaps = m->n;
	nsmaps = smaps_reads;
	old = maps_cur;
	__atomic_store_n(&maps_cur, m, __ATOMIC_RELEASE);
	__atomic_store_n(&maps_gen, gen, __ATOMIC_RELEASE);
	pthread_mutex_unlock(&maps_lock);
	pthread_mutex_unlock(&refresh_lock);
	if (old != NULL) {
		/* wait until no poller can still be reading the old snapshot: what
		 * rte_rcu_qsbr_synchronize() does, with the header's inline calls, so that a
		 * ThreadSanitizer build sees the grace period (librte_rcu is not instrumented) */
		pthread_mutex_lock(&grace_lock);
		rte_rcu_qsbr_check(iopf_qsbr, rte_rcu_qsbr_start(iopf_qsbr), true);
		pthread_mutex_unlock(&grace_lock);
		free(old);
	}
	/* not m, nor smaps_reads: once refresh_lock is released, another refresh may free
	 * or change them */
	IOPF_LOG(DEBUG, "mappings snapshot %" PRIu64 ": %u mappings (smaps reads: %" PRIu64 ")",
		gen, nmaps, nsmaps);
	return 0;
}

/*
 * ---- asking the kernel for one address (PROCMAP_QUERY) ----
 *
 * The snapshot can be stale (a mapping made, removed or replaced since the refresh);
 * the resolver asks the kernel for the mapping that holds one address when the
 * snapshot does not know it and before it populates more than 4 KiB as one page (see
 * sva_iopf.h). One descriptor of /proc/self/maps, opened on the control path at the
 * first refresh and kept (a forked child drops it: it would describe the parent), is
 * shared by the pollers: the ioctl keeps no state in the file. Before Linux 6.11 the
 * ioctl does not exist and every query answers -ENOTSUP.
 */
enum { QUERY_NONE = -1, QUERY_UNSUPPORTED = -2 };
static int query_fd = QUERY_NONE;
static int pagemap_fd = QUERY_NONE; /* PAGEMAP_SCAN (iopf_maps_block_huge()) */
static bool query_off; /* tests: behave as before Linux 6.11 */
static pthread_once_t query_once = PTHREAD_ONCE_INIT;

static void bg_atfork_child(void);

static void
query_atfork_child(void)
{
	bg_atfork_child();
	int fd = __atomic_exchange_n(&query_fd, QUERY_NONE, __ATOMIC_ACQ_REL);

	if (fd >= 0)
		close(fd);
	fd = __atomic_exchange_n(&pagemap_fd, QUERY_NONE, __ATOMIC_ACQ_REL);
	if (fd >= 0)
		close(fd);
}

static void
query_atfork_register(void)
{
	pthread_atfork(NULL, NULL, query_atfork_child);
}

/* Control path, under refresh_lock. */
static void
query_open(void)
{
	int fd;

	pthread_once(&query_once, query_atfork_register);
	if (__atomic_load_n(&query_fd, __ATOMIC_ACQUIRE) == QUERY_NONE) {
		fd = open("/proc/self/maps", O_RDONLY | O_CLOEXEC);
		if (fd >= 0)
			__atomic_store_n(&query_fd, fd, __ATOMIC_RELEASE);
	}
	if (__atomic_load_n(&pagemap_fd, __ATOMIC_ACQUIRE) == QUERY_NONE) {
		fd = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
		if (fd >= 0)
			__atomic_store_n(&pagemap_fd, fd, __ATOMIC_RELEASE);
	}
}

int
iopf_maps_query_anon(uint64_t addr, struct iopf_vma *out, bool *anon)
{
	int fd = __atomic_load_n(&query_fd, __ATOMIC_ACQUIRE);
	struct sva_procmap_query q;
	int ret;

	if (fd < 0 || __atomic_load_n(&query_off, __ATOMIC_RELAXED))
		return -ENOTSUP;
	ret = sva_procmap_query(fd, addr, &q);
	if (ret != 0) {
		if (ret == -ENOENT)
			return -ENOENT;
		if (ret == -ENOTTY || ret == -EINVAL) {
			/* before Linux 6.11: never ask again (the descriptor stays open) */
			__atomic_compare_exchange_n(&query_fd, &fd, QUERY_UNSUPPORTED, false,
				__ATOMIC_ACQ_REL, __ATOMIC_RELAXED);
		}
		return -ENOTSUP;
	}
	memset(out, 0, sizeof(*out));
	out->start = q.vma_start;
	out->end = q.vma_end;
	out->prot = (q.vma_flags & SVA_PROCMAP_QUERY_VMA_READABLE ? IOPF_VMA_R : 0) |
		(q.vma_flags & SVA_PROCMAP_QUERY_VMA_WRITABLE ? IOPF_VMA_W : 0) |
		(q.vma_flags & SVA_PROCMAP_QUERY_VMA_EXECUTABLE ? IOPF_VMA_X : 0);
	out->page_shift = shift_of_bytes(q.vma_page_size);
	out->thp = 0; /* the kernel does not say; see the resolver */
	*anon = q.inode == 0 && q.dev_major == 0 && q.dev_minor == 0 &&
		!(q.vma_flags & SVA_PROCMAP_QUERY_VMA_SHARED);
	return 0;
}

int
iopf_maps_query(uint64_t addr, struct iopf_vma *out)
{
	bool anon;

	return iopf_maps_query_anon(addr, out, &anon);
}

int
iopf_maps_block_huge(uint64_t addr)
{
	int fd = __atomic_load_n(&pagemap_fd, __ATOMIC_ACQUIRE);
	struct sva_page_region r;
	struct sva_pm_scan_arg a;
	long n;

	if (fd < 0)
		return -ENOTSUP;
	memset(&a, 0, sizeof(a));
	memset(&r, 0, sizeof(r));
	a.size = sizeof(a);
	a.start = addr;
	a.end = addr + (UINT64_C(1) << 21);
	a.vec = (uintptr_t)&r;
	a.vec_len = 1;
	a.category_mask = SVA_PAGE_IS_HUGE;
	a.return_mask = SVA_PAGE_IS_HUGE;
	n = ioctl(fd, SVA_PAGEMAP_SCAN, &a);
	if (n < 0)
		return -ENOTSUP;
	/* one region of huge pages covering the whole block */
	return n == 1 && r.start <= addr && r.end >= addr + (UINT64_C(1) << 21);
}

/*
 * ---- the background refresh ----
 *
 * Where the resolver cannot ask the kernel (no PROCMAP_QUERY) or its overlay is full,
 * it asks for a refresh with one atomic store; a control thread ("sva-maps-bg", off
 * every poll lcore) looks at the request every IOPF_REFRESH_PERIOD_US while an iopf
 * exists and refreshes: at most one refresh per period, each about 1 ms. Started by
 * the first sva_iopf_create() and kept (asleep, without a timeout, while no iopf
 * exists), so that iopfs coming and going do not create threads. A thread of our own
 * rather than an EAL alarm: its locks are visible to ThreadSanitizer (DPDK's are not).
 * lib/sva's "no poller" check rides on it (sva_iopf_bg_hook_set(): one control thread,
 * not two); while that hook is set the thread ticks every IOPF_BG_TICK_US, refreshing
 * still at most once per IOPF_REFRESH_PERIOD_US.
 */
static uint32_t refresh_wanted;
static uint64_t bg_done;
static pthread_mutex_t bg_lock = PTHREAD_MUTEX_INITIALIZER; /* what follows */
static pthread_cond_t bg_cond;
static uint32_t bg_users;   /* iopfs alive */
static bool bg_started;
static void (*bg_hook)(void); /* sva_iopf_bg_hook_set() */

/* A forked child has no background thread (and may have been forked while it held
 * bg_lock): its first sva_iopf_create() starts one. */
static void
bg_atfork_child(void)
{
	pthread_mutex_init(&bg_lock, NULL);
	bg_started = false;
	bg_users = 0;
}

void
iopf_maps_refresh_request(void)
{
	if (__atomic_load_n(&refresh_wanted, __ATOMIC_RELAXED) == 0)
		__atomic_store_n(&refresh_wanted, 1, __ATOMIC_RELEASE);
}

uint64_t
iopf_maps_bg_refreshes(void)
{
	return __atomic_load_n(&bg_done, __ATOMIC_RELAXED);
}

static uint64_t
bg_now_us(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (uint64_t)t.tv_sec * 1000000u + (uint64_t)t.tv_nsec / 1000u;
}

/*
 * Every tick (IOPF_REFRESH_PERIOD_US, or IOPF_BG_TICK_US while a hook is set) while an
 * iopf exists: the refresh if one is wanted and the last is a period old, then the
 * hook. Both without bg_lock, so that sva_iopf_create()/destroy() never wait for them.
 */
static void *
bg_main(void *arg __rte_unused)
{
	uint64_t last_refresh = 0;
	struct timespec t;
	int ret;

	pthread_mutex_lock(&bg_lock);
	for (;;) {
		void (*hook)(void);
		uint64_t tick, now;
		bool refresh;

		if (bg_users == 0) {
			pthread_cond_wait(&bg_cond, &bg_lock);
			continue;
		}
		tick = bg_hook != NULL ? IOPF_BG_TICK_US : IOPF_REFRESH_PERIOD_US;
		clock_gettime(CLOCK_MONOTONIC, &t);
		t.tv_nsec += (long)(tick % 1000000) * 1000;
		t.tv_sec += (time_t)(tick / 1000000) + t.tv_nsec / 1000000000;
		t.tv_nsec %= 1000000000;
		pthread_cond_timedwait(&bg_cond, &bg_lock, &t);
		if (bg_users == 0)
			continue;
		hook = bg_hook;
		now = bg_now_us();
		refresh = now - last_refresh >= IOPF_REFRESH_PERIOD_US &&
			__atomic_exchange_n(&refresh_wanted, 0, __ATOMIC_ACQ_REL) != 0;
		if (!refresh && hook == NULL)
			continue;
		pthread_mutex_unlock(&bg_lock);
		if (refresh) {
			ret = sva_iopf_maps_refresh();
			last_refresh = bg_now_us();
			__atomic_fetch_add(&bg_done, 1, __ATOMIC_RELAXED);
			if (ret != 0)
				IOPF_LOG(WARNING, "background refresh of the mappings snapshot: %s",
					strerror(-ret));
		}
		if (hook != NULL)
			hook();
		pthread_mutex_lock(&bg_lock);
	}
	return NULL;
}

void
sva_iopf_bg_hook_set(void (*hook)(void))
{
	pthread_mutex_lock(&bg_lock);
	bg_hook = hook;
	if (bg_started)
		pthread_cond_signal(&bg_cond);
	pthread_mutex_unlock(&bg_lock);
}

int
iopf_maps_bg_start(void)
{
	pthread_condattr_t ca;
	pthread_t th;
	int ret = 0;

	pthread_mutex_lock(&bg_lock);
	if (!bg_started) {
		pthread_condattr_init(&ca);
		pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
		pthread_cond_init(&bg_cond, &ca);
		pthread_condattr_destroy(&ca);
		ret = -pthread_create(&th, NULL, bg_main, NULL);
		if (ret == 0) {
			pthread_setname_np(th, "sva-maps-bg");
			pthread_detach(th);
			bg_started = true;
		}
	}
	if (ret == 0) {
		bg_users++;
		pthread_cond_signal(&bg_cond);
	}
	pthread_mutex_unlock(&bg_lock);
	return ret;
}

void
iopf_maps_bg_stop(void)
{
	pthread_mutex_lock(&bg_lock);
	if (bg_users > 0)
		bg_users--;
	pthread_mutex_unlock(&bg_lock);
}

void
iopf_maps_query_disable(bool off)
{
	__atomic_store_n(&query_off, off, __ATOMIC_RELAXED);
}

int
sva_iopf_maps_find(uint64_t addr, struct sva_iopf_maps_entry *e)
{
	const struct iopf_vma *v;
	int ret = -ENOENT;

	if (e == NULL) {
		IOPF_LOG(ERR, "sva_iopf_maps_find: no entry to fill");
		return -EINVAL;
	}
	/* under maps_lock: a refresh cannot free the snapshot while it is copied */
	pthread_mutex_lock(&maps_lock);
	v = iopf_maps_lookup(maps_cur, addr);
	if (v != NULL) {
		memset(e, 0, sizeof(*e));
		e->start = v->start;
		e->end = v->end;
		e->prot = (v->prot & IOPF_VMA_R ? PROT_READ : 0) |
			(v->prot & IOPF_VMA_W ? PROT_WRITE : 0) |
			(v->prot & IOPF_VMA_X ? PROT_EXEC : 0);
		e->page_size = UINT64_C(1) << v->page_shift;
		e->thp = v->thp;
		e->gen = maps_cur->gen;
		ret = 0;
	}
	pthread_mutex_unlock(&maps_lock);
	return ret;
}
