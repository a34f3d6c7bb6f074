/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef IFD_RECORD_H
#define IFD_RECORD_H

/*
 * Conversion between the kernel's fault-fd records (40-byte struct iommu_hwpt_pgfault,
 * 8-byte struct iommu_hwpt_page_response) and svapoll's generic 128-byte fault record
 * and 48-byte page response, both ways, and the check that a burst is made of whole
 * groups: runs of records with one cookie, LAST on the run's last record only.
 *
 * Response codes: the iommufd uAPI has Success (0) and Invalid (1) and no Response
 * Failure (the kernel removed it: on SR-IOV a Failure disables PRI for every function
 * sharing it). svapoll's Failure is therefore written as Invalid and counted; the device
 * is told "this access will not be satisfied", which is what a Failure also means to
 * the requester, without disabling PRI for its siblings.
 */

#include <stdint.h>

#include "sva_fault.h"
#include "ifd_uapi.h"

/** @name What a conversion had to repair (bits returned by the converters) */
/** @{ */
#define IFD_CONV_UNKNOWN_FLAGS (1u << 0)  /**< flag bits we do not know were masked */
#define IFD_CONV_UNKNOWN_PERM (1u << 1)   /**< perm bits we do not know were masked */
#define IFD_CONV_ADDR_LOW_BITS (1u << 2)  /**< the address had bits below 4 KiB: cleared */
#define IFD_CONV_FAILURE_AS_INVALID (1u << 3) /**< Response Failure written as Invalid */
#define IFD_CONV_BAD_CODE (1u << 4)       /**< unknown response code written as Invalid */
/** kernel-internal flag bits (IFD_PGFAULT_KERNEL_FLAGS, e.g. VT-d's NEEDS_PASID) were
 * masked: expected, not unknown (bit 2 would otherwise read as SVA_FAULT_PR_PRIV_DATA) */
#define IFD_CONV_KERNEL_FLAGS (1u << 5)
/** @} */

/** Kernel record -> generic page request (with SVA_FAULT_PR_COOKIE). @return IFD_CONV_* */
unsigned int ifd_pgfault_to_fault(const struct iommu_hwpt_pgfault *in, struct sva_fault *out);

/** Generic page request -> kernel record (what a kernel would have written). */
void ifd_fault_to_pgfault(const struct sva_fault *in, struct iommu_hwpt_pgfault *out);

/** Generic response -> kernel response (cookie and code). @return IFD_CONV_* */
unsigned int ifd_response_to_kernel(const struct sva_page_response *in,
		struct iommu_hwpt_page_response *out);

/** Kernel response -> generic response (argsz set, cookie and code; the rest zero). */
void ifd_response_from_kernel(const struct iommu_hwpt_page_response *in,
		struct sva_page_response *out);

/**
 * Check and normalise the grouping of n records read in one burst: a group is a run of
 * consecutive records with the same cookie and must end with LAST_PAGE, with no LAST
 * before its end. The kernel guarantees this; where a burst breaks it, LAST is moved to
 * the end of each run so every cookie gets exactly one response, and *fixups counts the
 * runs repaired.
 *
 * @return The number of groups (cookie runs) in the burst.
 */
unsigned int ifd_groups_normalise(struct iommu_hwpt_pgfault *rec, unsigned int n,
		unsigned int *fixups);

#endif /* IFD_RECORD_H */
