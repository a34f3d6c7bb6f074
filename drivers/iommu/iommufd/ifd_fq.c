/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <string.h>
#include <unistd.h>

#include <rte_branch_prediction.h>
#include <rte_common.h>
#include <rte_malloc.h>

#include "ifd_fq.h"
#include "ifd_log.h"
#include "ifd_record.h"

static int
fq_poll_in(int fd)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	int r;

	do {
		r = poll(&pfd, 1, 0);
	} while (r < 0 && errno == EINTR);
	return r > 0 && (pfd.revents & POLLIN) ? 1 : 0;
}

int
ifd_fq_init(struct ifd_fq *fq, int fd, uint16_t cap)
{
	int fl;

	if (fq == NULL || fd < 0 || cap < IFD_FQ_CAP_MIN || cap > IFD_FQ_CAP_MAX) {
		IFD_LOG(ERR, "fault queue: bad arguments (fd %d, burst %u; burst must be %u..%u)",
			fd, cap, IFD_FQ_CAP_MIN, IFD_FQ_CAP_MAX);
		return -EINVAL;
	}
	memset(fq, 0, sizeof(*fq));
	fq->fd = fd;
	fq->cap = cap;
	fq->rcap = cap;
	fq->rmax = IFD_FQ_GROW_MAX;
	fq->poll_every = IFD_FQ_POLL_EVERY;
	fq->read_fn = read;
	fq->write_fn = write;
	fq->poll_fn = fq_poll_in;
	fq->rbuf = rte_zmalloc("ifd_fq_rbuf", (size_t)cap * IFD_PGFAULT_SIZE, RTE_CACHE_LINE_SIZE);
	fq->wbuf = rte_zmalloc("ifd_fq_wbuf", (size_t)cap * IFD_RESPONSE_SIZE, RTE_CACHE_LINE_SIZE);
	if (fq->rbuf == NULL || fq->wbuf == NULL) {
		ifd_fq_fini(fq);
		return -ENOMEM;
	}
	/* The kernel's fault fd never blocks; anything standing in for it must not either. */
	fl = fcntl(fd, F_GETFL);
	if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0) {
		int err = errno;

		IFD_LOG(ERR, "fault queue: cannot make fd %d non-blocking: %s", fd, strerror(err));
		ifd_fq_fini(fq);
		return -err;
	}
	return 0;
}

void
ifd_fq_fini(struct ifd_fq *fq)
{
	if (fq == NULL)
		return;
	rte_free(fq->rbuf);
	rte_free(fq->wbuf);
	fq->rbuf = NULL;
	fq->wbuf = NULL;
	fq->head = fq->tail = 0;
}

static ssize_t
fq_read_once(struct ifd_fq *fq)
{
	ssize_t got;

	do {
		got = fq->read_fn(fq->fd, fq->rbuf, (size_t)fq->rcap * IFD_PGFAULT_SIZE);
	} while (got < 0 && errno == EINTR);
	return got;
}

/*
 * The head group does not fit: double the read buffer. This allocates on the poll
 * lcore, which the poll path otherwise never does: it happens at most
 * log2(IFD_FQ_GROW_MAX / burst) times in an iommu's life. @return 0 or -ENOSPC/-ENOMEM.
 */
static int
fq_grow(struct ifd_fq *fq)
{
	uint32_t n = RTE_MIN((uint32_t)fq->rcap * 2, (uint32_t)fq->rmax);
	struct iommu_hwpt_pgfault *b;

	if (fq->rcap >= fq->rmax) {
		if (fq->stats.stalled++ == 0)
			IFD_LOG(ERR, "fault queue: a page request group larger than %u records is at "
				"the head: the kernel never splits a group and retries it on every read, "
				"so this queue is stuck (no device should have that many requests "
				"outstanding)", fq->rmax);
		return -ENOSPC;
	}
	b = rte_zmalloc("ifd_fq_rbuf", (size_t)n * IFD_PGFAULT_SIZE, RTE_CACHE_LINE_SIZE);
	if (b == NULL) {
		IFD_LOG(ERR, "fault queue: no memory to grow the read buffer to %u records: the "
			"head group cannot be read", n);
		return -ENOMEM;
	}
	rte_free(fq->rbuf);
	fq->rbuf = b;
	if (fq->stats.grows++ == 0)
		IFD_LOG(NOTICE, "fault queue: a page request group larger than the read buffer "
			"(%u records; the kernel hands out whole groups only): buffer grown to %u "
			"records (a rare allocation on the poll lcore; burst= sets the first size)",
			fq->rcap, n);
	else
		IFD_LOG(INFO, "fault queue: read buffer grown again, to %u records", n);
	fq->rcap = (uint16_t)n;
	return 0;
}

/* One read() of as many whole groups as fit; 0 when nothing came. */
static uint16_t
fq_fill(struct ifd_fq *fq)
{
	size_t want;
	unsigned int fixups = 0;
	ssize_t got;
	size_t n;

	got = fq_read_once(fq);
	while (got <= 0) {
		if (got < 0 && errno == EINVAL) {
			/* 7.3, 6.12.101+: the head group is larger than the buffer */
			fq->stats.oversized++;
		} else if (got == 0 || errno == EAGAIN || errno == EWOULDBLOCK) {
			fq->stats.empty_reads++;
			if (fq->poll_fn == NULL || ++fq->empty_run < fq->poll_every)
				return 0;
			/* 6.11 - 6.15 say 0 for a group that does not fit: poll knows better */
			fq->empty_run = 0;
			fq->stats.stall_checks++;
			if (!fq->poll_fn(fq->fd))
				return 0;
			/* once more at this size: a group may have come after the read */
			got = fq_read_once(fq);
			if (got > 0)
				break;
			if (got < 0 && errno != EINVAL && errno != EAGAIN && errno != EWOULDBLOCK) {
				fq->stats.read_errors++;
				return 0;
			}
			fq->stats.oversized++;
		} else {
			fq->stats.read_errors++;
			if (errno == ESPIPE && (fq->stats.read_errors & (fq->stats.read_errors - 1)) == 0)
				IFD_LOG(ERR, "fault queue: read of %zu bytes refused (ESPIPE): not a "
					"multiple of the 40-byte record (a framing bug)",
					(size_t)fq->rcap * IFD_PGFAULT_SIZE);
			return 0;
		}
		if (fq_grow(fq) != 0)
			return 0;
		got = fq_read_once(fq);
	}
	fq->empty_run = 0;
	want = (size_t)fq->rcap * IFD_PGFAULT_SIZE;
	if ((size_t)got > want) /* a broken stand-in; never trust a count blindly */
		got = (ssize_t)want;
	n = (size_t)got / IFD_PGFAULT_SIZE;
	fq->stats.partial_bytes += (size_t)got % IFD_PGFAULT_SIZE;
	if (n == 0)
		return 0;
	fq->stats.reads++;
	fq->stats.groups += ifd_groups_normalise(fq->rbuf, (unsigned int)n, &fixups);
	fq->stats.group_fixups += fixups;
	fq->head = 0;
	fq->tail = (uint16_t)n;
	return (uint16_t)n;
}

int
ifd_fq_kernel_pending(const struct ifd_fq *fq)
{
	if (fq->poll_fn == NULL)
		return -ENOTSUP;
	return fq->poll_fn(fq->fd) > 0 ? 1 : 0;
}

uint16_t
ifd_fq_read(struct ifd_fq *fq, struct sva_fault *out, uint16_t n)
{
	uint16_t done = 0;

#ifdef SVA_DEBUG_CHECKS
	if (fq == NULL || fq->rbuf == NULL || (out == NULL && n != 0))
		return 0;
#endif
	if (n == 0)
		return 0;
	if (fq->head == fq->tail && fq_fill(fq) == 0)
		return 0;
	while (done < n && fq->head < fq->tail) {
		unsigned int fix = ifd_pgfault_to_fault(&fq->rbuf[fq->head], &out[done]);

		if (unlikely(fix & (IFD_CONV_UNKNOWN_FLAGS | IFD_CONV_UNKNOWN_PERM)))
			fq->stats.unknown_bits++;
		if (fix & IFD_CONV_KERNEL_FLAGS)
			fq->stats.kernel_flags++;
		fq->head++;
		done++;
	}
	fq->stats.records += done;
	return done;
}

/* Write wbuf[0, m): one write() unless it comes back short. @return consumed or -EIO. */
static int
fq_flush(struct ifd_fq *fq, uint16_t m)
{
	uint16_t off = 0;
	/* Each pass consumes at least one response or stops: the loop is bounded. */
	unsigned int guard = 2u * m + 4;

	while (off < m && guard-- > 0) {
		size_t len = (size_t)(m - off) * IFD_RESPONSE_SIZE;
		ssize_t w = fq->write_fn(fq->fd, &fq->wbuf[off], len);

		fq->stats.writes++;
		if (w > 0) {
			uint16_t took = (uint16_t)((size_t)w / IFD_RESPONSE_SIZE);

			if ((size_t)w < len)
				fq->stats.short_writes++;
			/* A kernel never takes part of a response; a stand-in that did is a bug. */
			if ((size_t)w % IFD_RESPONSE_SIZE)
				fq->stats.write_errors++;
			fq->stats.responses += took;
			off += took;
			if (took == 0)
				break;
			continue;
		}
		if (w == 0)
			break;
		switch (errno) {
		case EINTR:
			continue;
		case EAGAIN:
#if EAGAIN != EWOULDBLOCK
		case EWOULDBLOCK:
#endif
			fq->stats.write_again++;
			return off;
		case EINVAL:
			/* The first response offered was refused: unknown cookie (already
			 * answered, or the kernel answered it on detach) or code. */
			fq->stats.refused++;
			IFD_LOG(DEBUG, "fault queue: kernel refused the response for cookie %u (code %u)",
				fq->wbuf[off].cookie, fq->wbuf[off].code);
			off++;
			continue;
		case ESPIPE:
			/* count not a multiple of 8: never from this code; a framing bug */
			fq->stats.write_errors++;
			IFD_LOG(ERR, "fault queue: write of %zu bytes refused (ESPIPE): not a multiple "
				"of the 8-byte response", len);
			return off > 0 ? off : -EIO;
		default:
			fq->stats.write_errors++;
			IFD_LOG(ERR, "fault queue: write of %u responses failed: %s",
				(unsigned int)(m - off), strerror(errno));
			return off > 0 ? off : -EIO;
		}
	}
	return off;
}

int
ifd_fq_write(struct ifd_fq *fq, const struct sva_page_response *resp, uint16_t n)
{
	uint16_t done = 0;

#ifdef SVA_DEBUG_CHECKS
	if (fq == NULL || fq->wbuf == NULL || (resp == NULL && n != 0))
		return -EINVAL;
	for (uint16_t i = 0; i < n; i++)
		if (resp[i].argsz < sizeof(struct sva_page_response) ||
				(resp[i].code != SVA_PAGE_RESP_SUCCESS &&
				 resp[i].code != SVA_PAGE_RESP_INVALID &&
				 resp[i].code != SVA_PAGE_RESP_FAILURE))
			return -EINVAL;
#endif
	while (done < n) {
		uint16_t m = RTE_MIN((uint16_t)(n - done), fq->cap);
		int w;

		for (uint16_t i = 0; i < m; i++) {
			unsigned int fix = ifd_response_to_kernel(&resp[done + i], &fq->wbuf[i]);

			if (unlikely(fix)) {
				if (fix & IFD_CONV_FAILURE_AS_INVALID)
					fq->stats.failure_as_invalid++;
				if (fix & IFD_CONV_BAD_CODE)
					fq->stats.bad_code++;
			}
		}
		w = fq_flush(fq, m);
		if (w < 0)
			return done > 0 ? done : w;
		done += (uint16_t)w;
		if (w < m)
			break;
	}
	return done;
}
