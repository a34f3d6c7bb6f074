/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef SVA_H
#define SVA_H

/**
 * @file
 * svapoll: the header applications include.
 *
 * svapoll binds the process's own address space to a device PASID, polls the
 * IOMMU's page-request and event queues on dedicated DPDK lcores, resolves each
 * I/O page fault by making the page present, and answers the device in batches.
 *
 * Call order: rte_eal_init(), then the calls declared here.
 */

#ifdef __cplusplus
extern "C" {
#endif

/**
 * The svapoll version, as "MAJOR.MINOR.PATCH" (the VERSION file at build time).
 *
 * @return
 *   A static string; never NULL. Does not need EAL.
 */
const char *sva_version(void);

/** rte_log type of lib/sva ("lib.sva"). */
extern int sva_logtype;

#ifdef __cplusplus
}
#endif

#endif /* SVA_H */
