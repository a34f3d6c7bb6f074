/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * dev=mock: the kernel's own iommufd selftest mock device (CONFIG_IOMMUFD_TEST) in
 * place of a VFIO cdev, so that the whole driver runs against a real kernel's iommufd
 * (IOAS, fault queue, HWPT, PASID rules, auto-response) on machines with no IOMMU.
 * Only the device's arrival and its attachments differ from the VFIO path:
 *  - open: IOMMU_TEST_OP_MOCK_DOMAIN_FLAGS on the IOAS with MOCK_FLAGS_DEVICE_PASID
 *    creates a mock device bound to this iommufd (out_idev_id is the dev id fault
 *    records carry) and attached to an automatic domain on the IOAS;
 *  - the mock device is born with its RID on an automatic domain that is not PASID
 *    compatible, and the kernel refuses every PASID attach while the RID sits on such a
 *    domain (device.c, iommufd_hwpt_pasid_compat: EINVAL). So once the fault-capable
 *    HWPT exists, the RID is parked on a plain PASID-compatible HWPT of our own;
 *  - RID attach: MOCK_DOMAIN_REPLACE to the fault-capable HWPT; RID detach: replace
 *    back to the parking HWPT (the kernel auto-responds to what is outstanding);
 *  - PASID attach/detach: PASID_ATTACH / PASID_DETACH;
 *  - close: IOMMU_DESTROY of the selftest device object.
 * Test only: a kernel without CONFIG_IOMMUFD_TEST answers ENOTTY, refused with the reason.
 */
#include <errno.h>
#include <string.h>

#include "ifd_log.h"
#include "ifd_probe.h"
#include "ifd_pvt.h"
#include "ifd_uapi.h"

static int
mock_cmd(struct ifd_iommu *p, struct ifd_test_cmd *cmd)
{
	int ret;

	cmd->size = sizeof(*cmd);
	do {
		ret = ioctl(p->iommufd, IFD_IOMMU_TEST_CMD, cmd);
	} while (ret < 0 && errno == EINTR);
	return ret < 0 ? -errno : 0;
}

int
ifd_mock_open(struct ifd_iommu *p)
{
	struct iommu_ioas_alloc ioas = { .size = sizeof(ioas) };
	struct ifd_test_cmd cmd = { .op = IFD_TEST_OP_MOCK_DOMAIN_FLAGS };
	int ret;

	/* The mock device is born attached to a domain on an IOAS: allocate it first. */
	ret = ifd_ioctl(p->iommufd, IOMMU_IOAS_ALLOC, &ioas, p->name);
	if (ret != 0) {
		if (ret != -ENOTTY)
			IFD_LOG(ERR, "%s: IOMMU_IOAS_ALLOC failed: %s", p->name, strerror(-ret));
		return ret;
	}
	p->ioas_id = ioas.out_ioas_id;
	cmd.id = p->ioas_id;
	cmd.mock_domain_flags.dev_flags = IFD_MOCK_FLAGS_DEVICE_PASID;
	ret = mock_cmd(p, &cmd);
	if (ret == -ENOTTY) {
		IFD_LOG(ERR, "%s: dev=mock needs a kernel built with CONFIG_IOMMUFD_TEST (the "
			"iommufd selftest mock, a test-only option): IOMMU_TEST_CMD is unknown here; "
			"use dev=<PCI address> or dev=<VFIO cdev> for a real device", p->name);
		return -EOPNOTSUPP;
	}
	if (ret != 0) {
		IFD_LOG(ERR, "%s: creating the selftest mock device failed: %s%s", p->name,
			strerror(-ret), ret == -EINVAL ? " (a kernel older than 6.15 has no "
			"MOCK_FLAGS_DEVICE_PASID)" : "");
		return ret;
	}
	p->stdev_id = cmd.mock_domain_flags.out_stdev_id;
	p->dev_id = cmd.mock_domain_flags.out_idev_id;
	IFD_LOG(INFO, "%s: selftest mock device %u bound as dev id %u (auto domain %u on ioas %u)",
		p->name, p->stdev_id, p->dev_id, cmd.mock_domain_flags.out_hwpt_id, p->ioas_id);
	return 0;
}

int
ifd_mock_attach(struct ifd_iommu *p, bool with_pasid, uint32_t pasid, uint32_t pt_id)
{
	struct ifd_test_cmd cmd = { .id = p->stdev_id };

	if (with_pasid) {
		cmd.op = IFD_TEST_OP_PASID_ATTACH;
		cmd.pasid_attach.pasid = pasid;
		cmd.pasid_attach.pt_id = pt_id;
	} else {
		cmd.op = IFD_TEST_OP_MOCK_DOMAIN_REPLACE;
		cmd.mock_domain_replace.pt_id = pt_id;
	}
	return mock_cmd(p, &cmd);
}

int
ifd_mock_detach(struct ifd_iommu *p, bool with_pasid, uint32_t pasid)
{
	struct ifd_test_cmd cmd = { .id = p->stdev_id };

	if (with_pasid) {
		cmd.op = IFD_TEST_OP_PASID_DETACH;
		cmd.pasid_detach.pasid = pasid;
	} else {
		/* A mock device is never without a domain: back to the parking one. */
		cmd.op = IFD_TEST_OP_MOCK_DOMAIN_REPLACE;
		cmd.mock_domain_replace.pt_id = p->park_hwpt_id != 0 ? p->park_hwpt_id : p->ioas_id;
	}
	return mock_cmd(p, &cmd);
}

int
ifd_mock_park(struct ifd_iommu *p)
{
	struct iommu_hwpt_alloc hwpt = {
		.size = sizeof(hwpt),
		.flags = p->pasid ? IOMMU_HWPT_ALLOC_PASID : 0,
		.dev_id = p->dev_id,
		.pt_id = p->ioas_id,
		.data_type = IOMMU_HWPT_DATA_NONE,
	};
	int ret;

	if (!p->pasid)
		return 0; /* RID only: the automatic domain does */
	ret = ifd_ioctl(p->iommufd, IOMMU_HWPT_ALLOC, &hwpt, p->name);
	if (ret != 0) {
		IFD_LOG(ERR, "%s: the mock's PASID-compatible parking page table: %s", p->name,
			strerror(-ret));
		return ret;
	}
	p->park_hwpt_id = hwpt.out_hwpt_id;
	ret = ifd_mock_detach(p, false, 0);
	if (ret != 0)
		IFD_LOG(ERR, "%s: moving the mock's RID to hwpt %u: %s", p->name, p->park_hwpt_id,
			strerror(-ret));
	return ret;
}

void
ifd_mock_close(struct ifd_iommu *p)
{
	struct iommu_destroy d = { .size = sizeof(d), .id = p->stdev_id };
	int ret;

	if (p->stdev_id == 0)
		return;
	ret = ifd_ioctl(p->iommufd, IOMMU_DESTROY, &d, p->name);
	if (ret != 0)
		IFD_LOG(DEBUG, "%s: IOMMU_DESTROY of the mock device %u: %s", p->name,
			p->stdev_id, strerror(-ret));
	p->stdev_id = 0;
	if (p->park_hwpt_id != 0) {
		d.id = p->park_hwpt_id;
		ifd_ioctl(p->iommufd, IOMMU_DESTROY, &d, p->name);
		p->park_hwpt_id = 0;
	}
}
