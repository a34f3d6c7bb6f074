/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef IFD_PROBE_H
#define IFD_PROBE_H

/*
 * Finding and opening what the driver needs, with errors a user can act on:
 * /dev/iommu, the device's VFIO cdev (from a PCI address through sysfs, or a path),
 * and ioctls whose ENOTTY means "this kernel is too old for <feature>".
 *
 * The roots are parameters so that the tests can point them at a fake tree.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct ifd_paths {
	const char *dev_iommu; /**< "/dev/iommu" */
	const char *sysfs_pci; /**< "/sys/bus/pci/devices" */
	const char *dev_vfio;  /**< "/dev/vfio/devices" */
	const char *sysfs_vfio_dev; /**< "/sys/class/vfio-dev": a cdev path's PCI address;
				       NULL: not looked up */
};

/** The real paths. */
extern const struct ifd_paths ifd_default_paths;

/**
 * Open /dev/iommu read-write.
 *
 * @return The fd, or -ENOENT (missing: "kernel built without CONFIG_IOMMUFD or module
 *   not loaded"), -EACCES / -EPERM (not allowed), another negative errno of open();
 *   each logged with what to do.
 */
int ifd_iommufd_open(const struct ifd_paths *p);

/**
 * Resolve dev= to a VFIO cdev path: a PCI address ("0000:3b:00.0", or "3b:00.0" in
 * domain 0) through <sysfs_pci>/<bdf>/vfio-dev/vfioN, or a path given as is (its PCI
 * address then from <sysfs_vfio_dev>/vfioN/device, so that the PCI rules apply to it too).
 *
 * @param bdf
 *   Filled with the PCI address when known, else "".
 * @return 0, or -EINVAL (neither a PCI address nor an absolute path), -ENODEV (no such
 *   PCI device, or it has no VFIO cdev: not bound to vfio-pci), -ENOENT (the cdev node
 *   is missing), -ENAMETOOLONG; each logged with what to do.
 */
int ifd_cdev_resolve(const struct ifd_paths *p, const char *spec, char *cdev, size_t cdev_len,
		char *bdf, size_t bdf_len);

/**
 * Open a VFIO cdev read-write.
 *
 * @return The fd, or a negative errno of open(), logged (-ENOENT, -EACCES, -EBUSY: in use).
 */
int ifd_cdev_open(const char *cdev);

/**
 * ioctl() with the errors explained: ENOTTY names the feature and the Linux version
 * that brought it.
 *
 * @param what
 *   Who is asking, for the log (e.g. the iommu name).
 * @return 0, or -ENOTTY (the kernel does not know the ioctl: logged with the feature
 *   and the version), or the ioctl's other negative errno (not logged: the caller
 *   knows what it means for it).
 */
int ifd_ioctl(int fd, unsigned long req, void *arg, const char *what);

/**
 * What ifd_ioctl() calls: NULL (the default) is ioctl(2); the tests put a model of the
 * kernel here (same contract as ioctl: -1 with errno on failure).
 */
typedef int (*ifd_ioctl_fn)(int fd, unsigned long req, void *arg);
extern ifd_ioctl_fn ifd_ioctl_hook;

/** The feature an ioctl belongs to and the first Linux version with it; NULL if unknown. */
const char *ifd_ioctl_feature(unsigned long req, const char **version);

/** The ioctl's name ("IOMMU_FAULT_QUEUE_ALLOC"), or "ioctl". */
const char *ifd_ioctl_name(unsigned long req);

/** PASID use asked for with pasid=. */
enum ifd_pasid_mode { IFD_PASID_AUTO, IFD_PASID_ON, IFD_PASID_OFF };

/**
 * Decide whether the page table is allocated PASID-capable, from pasid= and the PASID
 * width the IOMMU reports for the device (0 before Linux 6.15 or without PASID).
 *
 * @param use
 *   Set to true when PASIDs are used.
 * @return 0, or -EOPNOTSUPP (pasid=on and no PASID support; logged with why and the
 *   way out).
 */
int ifd_pasid_decide(const char *name, const char *cdev, enum ifd_pasid_mode mode,
		uint32_t hw_pasid_bits, bool *use);

/** The NUMA node of a PCI device from sysfs, -1 if unknown. */
int ifd_pci_numa_node(const struct ifd_paths *p, const char *bdf);

#endif /* IFD_PROBE_H */
