/* SPDX-License-Identifier: BSD-3-Clause */
#include <string.h>

#include "ifd_record.h"

/* The kernel's perm and flag bits have the same values as ours: conversion is a mask. */
_Static_assert(IOMMU_PGFAULT_PERM_READ == SVA_FAULT_PERM_READ &&
	IOMMU_PGFAULT_PERM_WRITE == SVA_FAULT_PERM_WRITE &&
	IOMMU_PGFAULT_PERM_EXEC == SVA_FAULT_PERM_EXEC &&
	IOMMU_PGFAULT_PERM_PRIV == SVA_FAULT_PERM_PRIV, "perm bits match");
_Static_assert(IOMMU_PGFAULT_FLAGS_PASID_VALID == SVA_FAULT_PR_PASID_VALID &&
	IOMMU_PGFAULT_FLAGS_LAST_PAGE == SVA_FAULT_PR_LAST_PAGE, "flag bits match");

#define IFD_KNOWN_FLAGS (IOMMU_PGFAULT_FLAGS_PASID_VALID | IOMMU_PGFAULT_FLAGS_LAST_PAGE)
#define IFD_KNOWN_PERM (IOMMU_PGFAULT_PERM_READ | IOMMU_PGFAULT_PERM_WRITE | \
	IOMMU_PGFAULT_PERM_EXEC | IOMMU_PGFAULT_PERM_PRIV)
#define IFD_PAGE_MASK (~(uint64_t)0xfff)

unsigned int
ifd_pgfault_to_fault(const struct iommu_hwpt_pgfault *in, struct sva_fault *out)
{
	struct sva_fault_page_req *pr = &out->prm;
	unsigned int fix = 0;

	memset(out, 0, sizeof(*out));
	out->type = SVA_FAULT_PAGE_REQ;
	if (in->flags & IFD_PGFAULT_KERNEL_FLAGS)
		fix |= IFD_CONV_KERNEL_FLAGS;
	if (in->flags & ~(IFD_KNOWN_FLAGS | IFD_PGFAULT_KERNEL_FLAGS))
		fix |= IFD_CONV_UNKNOWN_FLAGS;
	if (in->perm & ~IFD_KNOWN_PERM)
		fix |= IFD_CONV_UNKNOWN_PERM;
	if (in->addr & ~IFD_PAGE_MASK)
		fix |= IFD_CONV_ADDR_LOW_BITS;
	pr->flags = (in->flags & IFD_KNOWN_FLAGS) | SVA_FAULT_PR_COOKIE;
	pr->pasid = (in->flags & IOMMU_PGFAULT_FLAGS_PASID_VALID) ? in->pasid : 0;
	pr->grpid = in->grpid;
	pr->perm = in->perm & IFD_KNOWN_PERM;
	pr->addr = in->addr & IFD_PAGE_MASK;
	pr->dev_id = in->dev_id;
	pr->cookie = in->cookie;
	/* length is a prefetch hint the kernel leaves 0 today; the resolver coalesces. */
	return fix;
}

void
ifd_fault_to_pgfault(const struct sva_fault *in, struct iommu_hwpt_pgfault *out)
{
	const struct sva_fault_page_req *pr = &in->prm;

	memset(out, 0, sizeof(*out));
	out->flags = pr->flags & IFD_KNOWN_FLAGS;
	out->dev_id = pr->dev_id;
	out->pasid = (pr->flags & SVA_FAULT_PR_PASID_VALID) ? pr->pasid : 0;
	out->grpid = pr->grpid;
	out->perm = pr->perm & IFD_KNOWN_PERM;
	out->addr = pr->addr;
	out->cookie = pr->cookie;
}

unsigned int
ifd_response_to_kernel(const struct sva_page_response *in, struct iommu_hwpt_page_response *out)
{
	out->cookie = in->cookie;
	switch (in->code) {
	case SVA_PAGE_RESP_SUCCESS:
		out->code = IOMMUFD_PAGE_RESP_SUCCESS;
		return 0;
	case SVA_PAGE_RESP_INVALID:
		out->code = IOMMUFD_PAGE_RESP_INVALID;
		return 0;
	case SVA_PAGE_RESP_FAILURE:
		out->code = IOMMUFD_PAGE_RESP_INVALID;
		return IFD_CONV_FAILURE_AS_INVALID;
	default:
		/* Never hand the kernel a code it refuses: the group would stay unanswered. */
		out->code = IOMMUFD_PAGE_RESP_INVALID;
		return IFD_CONV_BAD_CODE;
	}
}

void
ifd_response_from_kernel(const struct iommu_hwpt_page_response *in, struct sva_page_response *out)
{
	memset(out, 0, sizeof(*out));
	out->argsz = sizeof(*out);
	out->cookie = in->cookie;
	out->code = in->code == IOMMUFD_PAGE_RESP_SUCCESS ? SVA_PAGE_RESP_SUCCESS :
		SVA_PAGE_RESP_INVALID;
}

unsigned int
ifd_groups_normalise(struct iommu_hwpt_pgfault *rec, unsigned int n, unsigned int *fixups)
{
	unsigned int groups = 0, start = 0;

	while (start < n) {
		unsigned int end = start + 1;
		int broken = 0;

		while (end < n && rec[end].cookie == rec[start].cookie)
			end++;
		/* [start, end) is one cookie run: LAST on end - 1 only. */
		for (unsigned int i = start; i + 1 < end; i++) {
			if (rec[i].flags & IOMMU_PGFAULT_FLAGS_LAST_PAGE) {
				rec[i].flags &= ~IOMMU_PGFAULT_FLAGS_LAST_PAGE;
				broken = 1;
			}
		}
		if (!(rec[end - 1].flags & IOMMU_PGFAULT_FLAGS_LAST_PAGE)) {
			rec[end - 1].flags |= IOMMU_PGFAULT_FLAGS_LAST_PAGE;
			broken = 1;
		}
		if (broken && fixups != NULL)
			(*fixups)++;
		groups++;
		start = end;
	}
	return groups;
}
