/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include <rte_branch_prediction.h>
#include <rte_common.h>
#include <rte_malloc.h>

#include "ifd_fq.h"
#include "ifd_log.h"
#include "ifd_record.h"

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
	fq->read_fn = read;
	fq->write_fn = write;
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

/* One read() of as many whole groups as fit; 0 when nothing came. */
static uint16_t
fq_fill(struct ifd_fq *fq)
{
	size_t want = (size_t)fq->cap * IFD_PGFAULT_SIZE;
	unsigned int fixups = 0;
	ssize_t got;
	size_t n;

	do {
		got = fq->read_fn(fq->fd, fq->rbuf, want);
	} while (got < 0 && errno == EINTR);
	if (got <= 0) {
		if (got == 0 || errno == EAGAIN || errno == EWOULDBLOCK)
			fq->stats.empty_reads++;
		else
			fq->stats.read_errors++;
		return 0;
	}
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
		if (unlikely(ifd_pgfault_to_fault(&fq->rbuf[fq->head], &out[done]) &
				(IFD_CONV_UNKNOWN_FLAGS | IFD_CONV_UNKNOWN_PERM)))
			fq->stats.unknown_bits++;
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
