/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef IFD_FQ_H
#define IFD_FQ_H

/*
 * The fault-queue framing: the only code that reads and writes the kernel's fault fd.
 * A small unit on a plain file descriptor so that it can be tested against a stand-in
 * for the kernel (app/test/test_iommufd.c).
 *
 * The kernel's rules (drivers/iommu/iommufd/eventq.c):
 *  - read(): count must be a multiple of 40; it returns whole groups only (every
 *    record of a group carries the group's cookie, LAST on the last), as many as fit,
 *    and 0 when nothing is queued or the next group does not fit. It never blocks.
 *  - write(): an array of 8-byte responses, count a multiple of 8; it stops at the
 *    first unknown cookie or code, returning the bytes done before it, or EINVAL when
 *    that was the first one.
 *
 * What this unit does per poll: at most one read() of as many whole groups as fit in
 * the burst buffer, records handed out in order (what does not fit the caller's array
 * waits in the buffer for the next call, no second read until it is empty); per batch
 * of responses one write() of the whole array. It handles: EAGAIN/EINTR and 0 (empty),
 * a read that is not a multiple of 40 (the fragment is dropped and counted), a short
 * write (the rest is written again at once), EINVAL (the refused response is skipped
 * and counted: writing it again cannot succeed), EAGAIN on write (what was not written
 * is left to the caller: the return value says how many were).
 *
 * Poll path: no locks, no allocation; one read() and normally one write() per burst.
 */

#include <stdint.h>
#include <sys/types.h>

#include "sva_fault.h"
#include "ifd_uapi.h"

/** Counters of one fault queue (all only ever increase). */
struct ifd_fq_stats {
	uint64_t reads;          /**< read() calls that returned records */
	uint64_t empty_reads;    /**< read() calls that found nothing (0 or EAGAIN) */
	uint64_t read_errors;    /**< read() failed otherwise */
	uint64_t records;        /**< records handed to the caller */
	uint64_t groups;         /**< groups (cookie runs) read */
	uint64_t partial_bytes;  /**< bytes dropped: a read not a multiple of 40 (never from a kernel) */
	uint64_t group_fixups;   /**< cookie runs whose LAST flag had to be put right */
	uint64_t unknown_bits;   /**< records with flag/perm bits we do not know (masked) */
	uint64_t writes;         /**< write() calls */
	uint64_t responses;      /**< responses the kernel took */
	uint64_t short_writes;   /**< write() took fewer bytes than offered */
	uint64_t write_again;    /**< write() said EAGAIN: the rest went back to the caller */
	uint64_t refused;        /**< responses the kernel refused (EINVAL: unknown cookie/code) */
	uint64_t failure_as_invalid; /**< Response Failure written as Invalid (no Failure in the uAPI) */
	uint64_t bad_code;       /**< unknown response codes, written as Invalid */
	uint64_t write_errors;   /**< write() failed otherwise (EBADF, EIO...) */
};

typedef ssize_t (*ifd_read_fn)(int fd, void *buf, size_t count);
typedef ssize_t (*ifd_write_fn)(int fd, const void *buf, size_t count);

struct ifd_fq {
	int fd;                  /**< the fault fd (not owned: the caller closes it) */
	uint16_t cap;            /**< records per read() and responses per write() */
	uint16_t head, tail;     /**< records of rbuf read but not yet handed out */
	ifd_read_fn read_fn;     /**< read(2); a test may put a model of the kernel here */
	ifd_write_fn write_fn;   /**< write(2); idem */
	struct iommu_hwpt_pgfault *rbuf;      /**< cap records */
	struct iommu_hwpt_page_response *wbuf;/**< cap responses */
	struct ifd_fq_stats stats;
};

/** Smallest and largest burst buffers, in records. */
#define IFD_FQ_CAP_MIN 1
#define IFD_FQ_CAP_MAX 4096

/**
 * Set up the framing on fd (made non-blocking) with buffers of cap records.
 *
 * @return 0, or -EINVAL (fq NULL, fd < 0, cap out of range), -ENOMEM,
 *   or the negative errno of fcntl().
 */
int ifd_fq_init(struct ifd_fq *fq, int fd, uint16_t cap);

/** Free the buffers; the fd stays open. Safe on a zeroed or finished fq. */
void ifd_fq_fini(struct ifd_fq *fq);

/**
 * Hand out up to n records, converted to generic page requests (cookie kept, flag
 * SVA_FAULT_PR_COOKIE), reading the fd once if nothing is buffered.
 *
 * @return The number of records written to out (0 when nothing is queued).
 */
uint16_t ifd_fq_read(struct ifd_fq *fq, struct sva_fault *out, uint16_t n);

/**
 * Write n responses: converted to the kernel's (Failure and unknown codes as Invalid,
 * counted), then one write() per cap responses, continued after short writes and
 * past refused responses.
 *
 * @return The number of responses consumed (written or refused by the kernel): n, or
 *   fewer when the fd said EAGAIN (the caller offers the rest again); -EIO when the fd
 *   failed otherwise (the errno is logged).
 */
int ifd_fq_write(struct ifd_fq *fq, const struct sva_page_response *resp, uint16_t n);

/** Number of records read but not yet handed out. */
static inline uint16_t
ifd_fq_pending(const struct ifd_fq *fq)
{
	return fq->tail - fq->head;
}

#endif /* IFD_FQ_H */
