/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The baselines svapoll's cold-fault service is compared with, measured in the same
 * process and run on the same number of fresh pages:
 *  - floor: the kernel populating the pages with MADV_POPULATE_WRITE, one call per
 *    range (the physical floor for cold pages on this host);
 *  - touch: a CPU loop writing one byte per fresh page (kernel first-touch faults);
 *  - uffd:  a userfaultfd handler thread resolving each missing-page fault with
 *    UFFDIO_ZEROPAGE, the userspace fault-handling peer, with per-fault latency.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/userfaultfd.h>
#include <poll.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <rte_cycles.h>

#include "perf_baselines.h"
#include "sva_perf.h"

#ifndef MADV_POPULATE_READ
#define MADV_POPULATE_READ 22
#endif
#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23
#endif

#define PAGE_SIZE_4K 4096ul

static void *
map_fresh(size_t pages)
{
	void *p = mmap(NULL, pages * PAGE_SIZE_4K, PROT_READ | PROT_WRITE,
		MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);

	if (p == MAP_FAILED)
		return NULL;
	/* 4 KiB pages only: THP would turn 512 faults into one. */
	madvise(p, pages * PAGE_SIZE_4K, MADV_NOHUGEPAGE);
	return p;
}

static int
cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

void
perf_latency_from_samples(uint64_t *cycles, size_t n, struct perf_latency *lat)
{
	double ns_per_cycle = 1e9 / (double)rte_get_tsc_hz();

	memset(lat, 0, sizeof(*lat));
	if (n == 0)
		return;
	qsort(cycles, n, sizeof(*cycles), cmp_u64);
	lat->p50_ns = cycles[n / 2] * ns_per_cycle;
	lat->p99_ns = cycles[(n * 99) / 100] * ns_per_cycle;
	lat->p999_ns = cycles[(n * 999) / 1000] * ns_per_cycle;
	lat->samples = n;
}

int
perf_baseline_floor(size_t pages, size_t range_pages, double *pages_per_s)
{
	uint8_t *buf = map_fresh(pages);
	uint64_t start, cycles;

	if (buf == NULL)
		return -ENOMEM;
	if (range_pages == 0)
		range_pages = pages;
	start = rte_rdtsc();
	for (size_t off = 0; off < pages; off += range_pages) {
		size_t n = RTE_MIN(range_pages, pages - off);

		if (madvise(buf + off * PAGE_SIZE_4K, n * PAGE_SIZE_4K, MADV_POPULATE_WRITE) != 0) {
			int err = errno;

			munmap(buf, pages * PAGE_SIZE_4K);
			return -err;
		}
	}
	cycles = rte_rdtsc() - start;
	munmap(buf, pages * PAGE_SIZE_4K);
	*pages_per_s = (double)pages * rte_get_tsc_hz() / (double)RTE_MAX(cycles, 1ul);
	return 0;
}

int
perf_baseline_same_work(size_t pages, double *pages_per_s)
{
	uint8_t *src = map_fresh(pages), *dst = map_fresh(pages);
	uint64_t start, cycles;
	int ret = 0;

	if (src == NULL || dst == NULL) {
		ret = -ENOMEM;
		goto out;
	}
	/* what the copy needs: every source page for read (the zero page: the source is
	 * untouched), every destination page for write (a new page), one call each */
	start = rte_rdtsc();
	if (madvise(src, pages * PAGE_SIZE_4K, MADV_POPULATE_READ) != 0 ||
			madvise(dst, pages * PAGE_SIZE_4K, MADV_POPULATE_WRITE) != 0)
		ret = -errno;
	cycles = rte_rdtsc() - start;
	*pages_per_s = (double)pages * rte_get_tsc_hz() / (double)RTE_MAX(cycles, 1ul);
out:
	if (src != NULL)
		munmap(src, pages * PAGE_SIZE_4K);
	if (dst != NULL)
		munmap(dst, pages * PAGE_SIZE_4K);
	return ret;
}

int
perf_baseline_touch(size_t pages, double *pages_per_s, struct perf_latency *lat)
{
	volatile uint8_t *buf = map_fresh(pages);
	uint64_t *samples = malloc(pages * sizeof(*samples));
	uint64_t start, cycles;

	if (buf == NULL || samples == NULL) {
		free(samples);
		if (buf != NULL)
			munmap((void *)buf, pages * PAGE_SIZE_4K);
		return -ENOMEM;
	}
	start = rte_rdtsc();
	for (size_t i = 0; i < pages; i++) {
		uint64_t t = rte_rdtsc();

		buf[i * PAGE_SIZE_4K] = 1;
		samples[i] = rte_rdtsc() - t;
	}
	cycles = rte_rdtsc() - start;
	munmap((void *)buf, pages * PAGE_SIZE_4K);
	*pages_per_s = (double)pages * rte_get_tsc_hz() / (double)RTE_MAX(cycles, 1ul);
	perf_latency_from_samples(samples, pages, lat);
	free(samples);
	return 0;
}

struct uffd_handler {
	int uffd;
	int stop_fd[2];
	uint64_t resolved;
	int error;
};

static void *
uffd_handler_thread(void *arg)
{
	struct uffd_handler *h = arg;
	struct pollfd fds[2] = {
		{ .fd = h->uffd, .events = POLLIN },
		{ .fd = h->stop_fd[0], .events = POLLIN },
	};
	struct uffd_msg msg;

	for (;;) {
		if (poll(fds, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			h->error = errno;
			return NULL;
		}
		if (fds[1].revents)
			return NULL;
		if (read(h->uffd, &msg, sizeof(msg)) != sizeof(msg))
			continue;
		if (msg.event != UFFD_EVENT_PAGEFAULT)
			continue;
		struct uffdio_zeropage zp = {
			.range = { .start = msg.arg.pagefault.address & ~(PAGE_SIZE_4K - 1),
				   .len = PAGE_SIZE_4K },
		};
		if (ioctl(h->uffd, UFFDIO_ZEROPAGE, &zp) != 0 && errno != EEXIST) {
			h->error = errno;
			return NULL;
		}
		h->resolved++;
	}
}

int
perf_baseline_uffd(size_t pages, double *faults_per_s, struct perf_latency *lat)
{
	struct uffd_handler h = { .uffd = -1, .stop_fd = { -1, -1 } };
	volatile uint8_t *buf = NULL;
	uint64_t *samples = NULL, start, cycles;
	pthread_t tid;
	int ret = 0, started = 0;
	uint64_t sink = 0;

	h.uffd = (int)syscall(SYS_userfaultfd, O_CLOEXEC | O_NONBLOCK);
	if (h.uffd < 0)
		return -errno;
	struct uffdio_api api = { .api = UFFD_API };
	if (ioctl(h.uffd, UFFDIO_API, &api) != 0) {
		ret = -errno;
		goto out;
	}
	buf = map_fresh(pages);
	samples = malloc(pages * sizeof(*samples));
	if (buf == NULL || samples == NULL || pipe(h.stop_fd) != 0) {
		ret = -ENOMEM;
		goto out;
	}
	struct uffdio_register reg = {
		.range = { .start = (uintptr_t)buf, .len = pages * PAGE_SIZE_4K },
		.mode = UFFDIO_REGISTER_MODE_MISSING,
	};
	if (ioctl(h.uffd, UFFDIO_REGISTER, &reg) != 0) {
		ret = -errno;
		goto out;
	}
	if (pthread_create(&tid, NULL, uffd_handler_thread, &h) != 0) {
		ret = -EAGAIN;
		goto out;
	}
	started = 1;
	start = rte_rdtsc();
	for (size_t i = 0; i < pages; i++) {
		uint64_t t = rte_rdtsc();

		sink += buf[i * PAGE_SIZE_4K];   /* a read miss: the handler maps the zero page */
		samples[i] = rte_rdtsc() - t;
	}
	cycles = rte_rdtsc() - start;
	*faults_per_s = (double)pages * rte_get_tsc_hz() / (double)RTE_MAX(cycles, 1ul);
	perf_latency_from_samples(samples, pages, lat);
out:
	if (started) {
		if (write(h.stop_fd[1], "x", 1) != 1)
			ret = ret ? ret : -EIO;
		pthread_join(tid, NULL);
		/* every read missed once, and the handler mapped the zero page each time */
		if (ret == 0 && (sink != 0 || h.resolved != pages))
			ret = h.error ? -h.error : -EIO;
	}
	if (h.stop_fd[0] >= 0) {
		close(h.stop_fd[0]);
		close(h.stop_fd[1]);
	}
	if (buf != NULL)
		munmap((void *)buf, pages * PAGE_SIZE_4K);
	free(samples);
	close(h.uffd);
	return ret;
}

/* ---- the baseline cases ---- */

/* The page count every cold-page case uses: --quick keeps the harness smoke test short. */
size_t
perf_cold_pages(const struct sva_perf_ctx *ctx)
{
	return sva_perf_quick(ctx) ? 4096 : PERF_COLD_MIB * 256;
}

static int
perf_floor(struct sva_perf_ctx *ctx)
{
	size_t pages = perf_cold_pages(ctx);
	double whole, per_range;
	int ret;

	/* The first populate of a process is slower (page allocator warm-up): discard one. */
	ret = perf_baseline_floor(pages, 0, &whole);
	if (ret == 0)
		ret = perf_baseline_floor(pages, 0, &whole);
	if (ret == 0)
		ret = perf_baseline_floor(pages, PERF_FLOOR_RANGE_PAGES, &per_range);
	if (ret != 0)
		return ret;
	sva_perf_metric(ctx, "pages_per_s", whole, "pages/s");
	sva_perf_metric(ctx, "pages_per_s_64k_ranges", per_range, "pages/s");
	sva_perf_metric(ctx, "ns_per_page", 1e9 / whole, "ns");
	return 0;
}

static int
perf_touch(struct sva_perf_ctx *ctx)
{
	struct perf_latency lat;
	double rate;
	int ret = perf_baseline_touch(perf_cold_pages(ctx), &rate, &lat);

	if (ret != 0)
		return ret;
	sva_perf_metric(ctx, "pages_per_s", rate, "pages/s");
	sva_perf_metric(ctx, "fault_p50_ns", lat.p50_ns, "ns");
	sva_perf_metric(ctx, "fault_p99_ns", lat.p99_ns, "ns");
	return 0;
}

static int
perf_uffd(struct sva_perf_ctx *ctx)
{
	struct perf_latency lat;
	double rate;
	/* A round trip costs tens of microseconds: a quarter of the pages is enough. */
	int ret = perf_baseline_uffd(perf_cold_pages(ctx) / 4, &rate, &lat);

	if (ret == -EPERM || ret == -ENOSYS)
		return sva_perf_skip(ctx, "userfaultfd is not available here (%s)", strerror(-ret));
	if (ret != 0)
		return ret;
	sva_perf_metric(ctx, "faults_per_s", rate, "faults/s");
	sva_perf_metric(ctx, "fault_p50_ns", lat.p50_ns, "ns");
	sva_perf_metric(ctx, "fault_p99_ns", lat.p99_ns, "ns");
	sva_perf_metric(ctx, "fault_p999_ns", lat.p999_ns, "ns");
	return 0;
}

static struct sva_perf_case floor_case = {
	.name = "floor",
	.description = "baseline: the kernel populating fresh 4 KiB pages with MADV_POPULATE_WRITE",
	.run = perf_floor,
};
static struct sva_perf_case touch_case = {
	.name = "touch",
	.description = "baseline: a CPU loop writing one byte per fresh page (first-touch faults)",
	.run = perf_touch,
};
static struct sva_perf_case uffd_case = {
	.name = "uffd",
	.description = "baseline: a userfaultfd handler thread resolving missing-page faults",
	.run = perf_uffd,
};

SVA_PERF_REGISTER(floor_case);
SVA_PERF_REGISTER(touch_case);
SVA_PERF_REGISTER(uffd_case);
