/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The mappings snapshot: what the resolver validates against without a system call
 * per request. Built on the control path from /proc/self/smaps (one entry per VMA:
 * range, rwx, KernelPageSize — hugetlbfs mappings report their huge page size —
 * and THPeligible), published with a release store, read by pollers with an acquire
 * load inside a poll call, and freed after a grace period of the iopf RCU (pollers
 * are online only inside poll calls, so the wait is bounded by one poll call).
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_rcu_qsbr.h>

#include "iopf_pvt.h"

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

uint64_t
sva_iopf_maps_generation(void)
{
	const struct iopf_maps *m = iopf_maps_current();

	return m != NULL ? m->gen : 0;
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

/* Parse smaps text into a snapshot; vmas come sorted from the kernel. */
static struct iopf_maps *
parse_smaps(char *text, int *err)
{
	uint32_t cap = 64, n = 0;
	struct iopf_maps *m = malloc(sizeof(*m) + cap * sizeof(struct iopf_vma)), *nm;
	struct iopf_vma *cur = NULL;
	char *line, *save = NULL;
	uint64_t limit = UINT64_C(1) << 47;

	if (m == NULL) {
		*err = -ENOMEM;
		return NULL;
	}
	for (line = strtok_r(text, "\n", &save); line != NULL; line = strtok_r(NULL, "\n", &save)) {
		uint64_t start, end, kb;
		char perms[8];
		unsigned int v;

		if (sscanf(line, "%" SCNx64 "-%" SCNx64 " %7s", &start, &end, perms) == 3 &&
				strchr(line, '-') < strchr(line, ' ')) {
			cur = NULL;
			if (end > (UINT64_C(1) << 47) && start < (UINT64_C(1) << 56) &&
					start >= (UINT64_C(1) << 47))
				limit = UINT64_C(1) << 56; /* a mapping above 47 bits: LA57 */
			if (start >= (UINT64_C(1) << 56) || end <= start)
				continue; /* [vsyscall] and such live in the kernel half */
			if (n == cap) {
				cap *= 2;
				nm = realloc(m, sizeof(*m) + cap * sizeof(struct iopf_vma));
				if (nm == NULL) {
					free(m);
					*err = -ENOMEM;
					return NULL;
				}
				m = nm;
			}
			cur = &m->v[n++];
			memset(cur, 0, sizeof(*cur));
			cur->start = start;
			cur->end = end;
			cur->prot = (perms[0] == 'r' ? IOPF_VMA_R : 0) |
				(perms[1] == 'w' ? IOPF_VMA_W : 0) | (perms[2] == 'x' ? IOPF_VMA_X : 0);
			cur->page_shift = 12;
		} else if (cur != NULL && sscanf(line, "KernelPageSize: %" SCNu64 " kB", &kb) == 1) {
			if (kb >= 4 && (kb & (kb - 1)) == 0)
				cur->page_shift = (uint8_t)(__builtin_ctzll(kb) + 10);
		} else if (cur != NULL && sscanf(line, "THPeligible: %u", &v) == 1) {
			cur->thp = v == 1 && cur->page_shift == 12;
		}
	}
	if (n == 0) {
		free(m);
		*err = -EIO;
		return NULL;
	}
	m->n = n;
	m->user_limit = limit;
	return m;
}

int
sva_iopf_maps_refresh(void)
{
	struct iopf_maps *m, *old;
	size_t len;
	char *text;
	int err = 0;

	err = iopf_rcu_init();
	if (err != 0)
		return err;
	text = read_file("/proc/self/smaps", &len, &err);
	if (text == NULL) {
		IOPF_LOG(ERR, "cannot read /proc/self/smaps: %s (is /proc mounted?)", strerror(-err));
		return err;
	}
	m = parse_smaps(text, &err);
	free(text);
	if (m == NULL) {
		IOPF_LOG(ERR, "cannot parse /proc/self/smaps: %s", strerror(-err));
		return err;
	}
	pthread_mutex_lock(&maps_lock);
	m->gen = ++maps_gen;
	old = maps_cur;
	__atomic_store_n(&maps_cur, m, __ATOMIC_RELEASE);
	pthread_mutex_unlock(&maps_lock);
	if (old != NULL) {
		/* wait until no poller can still be reading the old snapshot */
		rte_rcu_qsbr_synchronize(iopf_qsbr, RTE_QSBR_THRID_INVALID);
		free(old);
	}
	IOPF_LOG(DEBUG, "mappings snapshot %" PRIu64 ": %u mappings", m->gen, m->n);
	return 0;
}
