/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef IFD_FQ_H
#define IFD_FQ_H

/*
 * The fault-queue framing: the only code that reads and writes the kernel's fault fd.
 * A small unit on a plain file descriptor so that it can be tested against a stand-in
 * for the kernel (app/test/test_iommufd.c).
 *
 * The kernel's rules (drivers/iommu/iommufd/eventq.c, 6.11 - 7.3):
 *  - read(): count must be a multiple of 40, else ESPIPE. It returns whole groups only
 *    (every record of a group carries the group's cookie, LAST on the last), as many
 *    as fit, and never splits one; 0 when nothing is queued. It never blocks. When the
 *    FIRST queued group is larger than count, it is put back at the head and retried by
 *    every later read: 7.3 and 6.12.101+ return EINVAL, 6.11 - 6.15 return 0, exactly
 *    as if the queue were empty (poll() still says POLLIN).
 *  - write(): an array of 8-byte responses, count a multiple of 8, else ESPIPE; it
 *    stops at the first unknown cookie or code, returning the bytes done before it, or
 *    EINVAL when that was the first one.
 *
 * What this unit does per poll: at most one read() of as many whole groups as fit in
 * the read buffer, records handed out in order (what does not fit the caller's array
 * waits in the buffer for the next call, no second read until it is empty); per batch
 * of responses one write() of the whole array. It handles: EAGAIN/EINTR and 0 (empty),
 * a read that is not a multiple of 40 (the fragment is dropped and counted), a short
 * write (the rest is written again at once), EINVAL on write (the refused response is
 * skipped and counted: writing it again cannot succeed), EAGAIN on write (what was not
 * written is left to the caller: the return value says how many were), ESPIPE (a
 * framing bug: counted and logged).
 *
 * A group larger than the read buffer: on EINVAL from read(), and on kernels that say
 * 0 when poll() reports POLLIN after poll_every empty reads in a row (and a second read
 * still finds nothing), the read buffer is doubled, up to IFD_FQ_GROW_MAX records (a
 * VT-d device can have 2048 requests outstanding), and the read retried at once.
 * Growing allocates on the poll lcore: a rare event (at most log2(max/burst) times in
 * an iommu's life), logged once at NOTICE; a group beyond the bound stalls the queue
 * and is logged at ERR.
 *
 * Poll path: no locks, no allocation (but the rare growth above); one read() and
 * normally one write() per burst, one poll() per poll_every empty reads in a row.
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
	uint64_t kernel_flags;   /**< records with kernel-internal flag bits (masked, expected) */
	uint64_t oversized;      /**< reads that found the head group larger than the buffer */
	uint64_t grows;          /**< read buffer doublings */
	uint64_t stall_checks;   /**< poll() calls after poll_every empty reads */
	uint64_t stalled;        /**< oversized groups beyond IFD_FQ_GROW_MAX (queue stuck) */
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
/** poll(2) on the one fd; > 0 when it is readable. */
typedef int (*ifd_poll_fn)(int fd);

struct ifd_fq {
	int fd;                  /**< the fault fd (not owned: the caller closes it) */
	uint16_t cap;            /**< responses per write(); the read buffer's first size */
	uint16_t head, tail;     /**< records of rbuf read but not yet handed out */
	uint16_t rcap;           /**< records the read buffer holds now (cap, grown on demand) */
	uint16_t rmax;           /**< largest read buffer (IFD_FQ_GROW_MAX) */
	uint16_t poll_every;     /**< empty reads in a row before a stall check (poll) */
	uint16_t empty_run;      /**< empty reads in a row */
	ifd_read_fn read_fn;     /**< read(2); a test may put a model of the kernel here */
	ifd_write_fn write_fn;   /**< write(2); idem */
	ifd_poll_fn poll_fn;     /**< poll(2) for POLLIN; idem; NULL: no stall check */
	struct iommu_hwpt_pgfault *rbuf;      /**< rcap records */
	struct iommu_hwpt_page_response *wbuf;/**< cap responses */
	struct ifd_fq_stats stats;
};

/** Smallest and largest burst buffers, in records. */
#define IFD_FQ_CAP_MIN 1
#define IFD_FQ_CAP_MAX 4096
/** Largest read buffer a group larger than burst grows it to, in records. */
#define IFD_FQ_GROW_MAX 4096
/** Empty reads in a row between two stall checks. */
#define IFD_FQ_POLL_EVERY 64

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

/**
 * Whether the kernel holds records not read yet (poll_fn: POLLIN with a zero timeout;
 * the records buffered here do not count). Any thread, concurrently with ifd_fq_read():
 * it reads only fd and poll_fn, set by ifd_fq_init(). lib/sva's "no poller" check.
 *
 * @return 1, 0, or -ENOTSUP (no poll_fn).
 */
int ifd_fq_kernel_pending(const struct ifd_fq *fq);

/** Number of records read but not yet handed out. */
static inline uint16_t
ifd_fq_pending(const struct ifd_fq *fq)
{
	return fq->tail - fq->head;
}

#endif /* IFD_FQ_H */
