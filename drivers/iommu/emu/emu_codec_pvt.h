/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef EMU_CODEC_PVT_H
#define EMU_CODEC_PVT_H

/*
 * Helpers shared by the two queue models (emu_vtd.c, emu_smmuv3.c): index and counter
 * accessors with the memory orders the single-producer/single-consumer rings need, and
 * the model's log type. Nothing here allocates, locks or calls the kernel.
 */

#include <stdint.h>

#include <rte_branch_prediction.h>
#include <rte_common.h>
#include <rte_log.h>

/* The driver's one log type (drv.iommu.emu), registered in emu_iommu.c. */
extern int sva_emu_logtype;
#define EMU_MODEL_LOG(level, fmt, ...) \
	rte_log(RTE_LOG_ ## level, sva_emu_logtype, "emu model: " fmt "\n", ## __VA_ARGS__)

/* Registers and indexes one side writes and the other reads. */
#define EMU_LOAD_ACQ(p) __atomic_load_n((p), __ATOMIC_ACQUIRE)
#define EMU_LOAD(p) __atomic_load_n((p), __ATOMIC_RELAXED)
#define EMU_STORE_REL(p, v) __atomic_store_n((p), (v), __ATOMIC_RELEASE)

/*
 * Counters have one writer each (the side that owns them); counters_get may read them
 * from another thread, so they are written and read whole (relaxed atomics: a plain
 * add and store on x86 and arm64).
 */
#define EMU_CNT_ADD(p, n) __atomic_store_n((p), EMU_LOAD(p) + (n), __ATOMIC_RELAXED)

/*
 * A malformed entry is counted always and logged when its count reaches a power of
 * two (1, 2, 4, ...), so a device spewing garbage cannot flood the log from the poll
 * path.
 */
static inline int
emu_log_worthy(uint64_t count)
{
	return (count & (count - 1)) == 0;
}

#endif /* EMU_CODEC_PVT_H */
