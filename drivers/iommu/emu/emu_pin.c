/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Pinned mode on emu: the device walks the process's own page tables, so "resident
 * and reachable at IOVA == VA" is: populate the range (MADV_POPULATE_WRITE, or _READ
 * for a read-only pin: no page request is ever needed for it) and mlock it (it stays
 * resident: no reclaim, no swap).
 *
 * mlock is a property of the process's pages, not of a (dev, PASID): two pins of the
 * same page (two bonds, or a PASID and the RID of one bond) lock it once, and the
 * first unpin must not unlock it under the other. So every pin is kept in one
 * process-wide list, and an unpin munlocks only the parts of its range that no other
 * pin still covers. Control path only; one mutex.
 */
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "emu_pvt.h"

/* mlock/munlock by system call: the sanitizer runtimes intercept the libc wrappers and
 * make them no-ops (ASan: "ignores mlock/mlockall/munlock/munlockall"), which would
 * leave a pinned range unlocked in exactly the builds that check this code. */
static int
sys_mlock(uint64_t addr, uint64_t len)
{
	return (int)syscall(SYS_mlock, (uintptr_t)addr, (size_t)len);
}

static int
sys_munlock(uint64_t addr, uint64_t len)
{
	return (int)syscall(SYS_munlock, (uintptr_t)addr, (size_t)len);
}

#ifndef MADV_POPULATE_READ
#define MADV_POPULATE_READ 22
#endif
#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23
#endif

struct emu_pin {
	uint64_t start, end;
	uint32_t pasid;
	uint32_t rid;
};

static pthread_mutex_t pin_lock = PTHREAD_MUTEX_INITIALIZER;
static struct emu_pin *pins;
static unsigned int npins, pins_cap;

static const char *
memlock_hint(int err)
{
	if (err == ENOMEM || err == EPERM || err == EAGAIN)
		return " (locked memory is limited by RLIMIT_MEMLOCK: raise it with 'ulimit -l "
			"unlimited' or a memlock line in /etc/security/limits.conf, or run with "
			"CAP_IPC_LOCK; ENOMEM also means part of the range is not mapped)";
	return "";
}

int
emu_pin_range(struct sva_dev *dev, uint32_t pasid, uint64_t addr, uint64_t len, uint32_t perm)
{
	struct emu_dev *d = emu_of_dev(dev);
	bool write = (perm & SVA_FAULT_PERM_WRITE) != 0;
	void *p = (void *)(uintptr_t)addr;
	int err;

	pthread_mutex_lock(&pin_lock);
	if (npins == pins_cap) {
		unsigned int cap = pins_cap != 0 ? 2 * pins_cap : 64;
		struct emu_pin *n = realloc(pins, cap * sizeof(*n));

		if (n == NULL) {
			pthread_mutex_unlock(&pin_lock);
			return -ENOMEM;
		}
		pins = n;
		pins_cap = cap;
	}
	if (madvise(p, len, write ? MADV_POPULATE_WRITE : MADV_POPULATE_READ) != 0) {
		err = errno;
		pthread_mutex_unlock(&pin_lock);
		EMU_LOG(ERR, "dev 0x%x: pin of [0x%" PRIx64 ", 0x%" PRIx64 ") for %s %u: cannot "
			"populate it for %s: %s%s", d->rid, addr, addr + len,
			pasid == SVA_PIN_RID ? "the RID" : "PASID", pasid == SVA_PIN_RID ? 0 : pasid,
			write ? "write" : "read", strerror(err),
			err == ENOMEM ? " (part of the range is not mapped)" :
			err == EINVAL ? " (the mapping does not allow the access)" :
			err == EFAULT ? " (an access there would raise SIGBUS)" : "");
		return -err;
	}
	if (sys_mlock(addr, len) != 0) {
		err = errno;
		pthread_mutex_unlock(&pin_lock);
		EMU_LOG(ERR, "dev 0x%x: pin of [0x%" PRIx64 ", 0x%" PRIx64 ") (%" PRIu64 " KiB): "
			"mlock: %s%s", d->rid, addr, addr + len, len >> 10, strerror(err),
			memlock_hint(err));
		/* EAGAIN (some pages could not be locked) is reported as ENOMEM */
		return err == EAGAIN ? -ENOMEM : -err;
	}
	pins[npins++] = (struct emu_pin){ addr, addr + len, pasid, d->rid };
	pthread_mutex_unlock(&pin_lock);
	EMU_LOG(DEBUG, "dev 0x%x: pinned [0x%" PRIx64 ", 0x%" PRIx64 ") for %s %u (%s)", d->rid,
		addr, addr + len, pasid == SVA_PIN_RID ? "the RID" : "PASID",
		pasid == SVA_PIN_RID ? 0 : pasid, write ? "read/write" : "read-only");
	return 0;
}

static int
cmp_start(const void *a, const void *b)
{
	const struct emu_pin *x = a, *y = b;

	return x->start < y->start ? -1 : x->start > y->start;
}

void
emu_unpin_range(struct sva_dev *dev, uint32_t pasid, uint64_t addr, uint64_t len)
{
	struct emu_dev *d = emu_of_dev(dev);
	struct emu_pin *cover = NULL;
	unsigned int ncover = 0, found = UINT32_MAX;
	uint64_t end = addr + len, at = addr;

	pthread_mutex_lock(&pin_lock);
	for (unsigned int i = 0; i < npins; i++) {
		if (pins[i].start == addr && pins[i].end == end && pins[i].pasid == pasid &&
				pins[i].rid == d->rid) {
			found = i;
			break;
		}
	}
	if (found == UINT32_MAX) {
		pthread_mutex_unlock(&pin_lock);
		EMU_LOG(ERR, "dev 0x%x: unpin of [0x%" PRIx64 ", 0x%" PRIx64 "): not pinned (ignored)",
			d->rid, addr, end);
		return;
	}
	pins[found] = pins[--npins];
	/* the other pins overlapping the range keep their part locked */
	for (unsigned int i = 0; i < npins; i++)
		if (pins[i].start < end && pins[i].end > addr)
			ncover++;
	if (ncover != 0) {
		cover = malloc(ncover * sizeof(*cover));
		ncover = 0;
		for (unsigned int i = 0; cover != NULL && i < npins; i++)
			if (pins[i].start < end && pins[i].end > addr)
				cover[ncover++] = pins[i];
		if (cover == NULL) {
			/* cannot tell which parts are free: keep all of it locked (safe) */
			pthread_mutex_unlock(&pin_lock);
			EMU_LOG(WARNING, "dev 0x%x: unpin of [0x%" PRIx64 ", 0x%" PRIx64 "): out of "
				"memory, the range stays locked", d->rid, addr, end);
			return;
		}
		qsort(cover, ncover, sizeof(*cover), cmp_start);
	}
	for (unsigned int i = 0; i <= ncover; i++) {
		uint64_t gap_end = i < ncover ? RTE_MIN(cover[i].start, end) : end;

		if (gap_end > at && sys_munlock(at, gap_end - at) != 0)
			EMU_LOG(WARNING, "dev 0x%x: munlock of [0x%" PRIx64 ", 0x%" PRIx64 "): %s",
				d->rid, at, gap_end, strerror(errno));
		if (i < ncover && cover[i].end > at)
			at = cover[i].end;
	}
	pthread_mutex_unlock(&pin_lock);
	free(cover);
	EMU_LOG(DEBUG, "dev 0x%x: unpinned [0x%" PRIx64 ", 0x%" PRIx64 ") for %s %u", d->rid, addr,
		end, pasid == SVA_PIN_RID ? "the RID" : "PASID", pasid == SVA_PIN_RID ? 0 : pasid);
}
