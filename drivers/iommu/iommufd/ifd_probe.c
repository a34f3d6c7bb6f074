/* SPDX-License-Identifier: BSD-3-Clause */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <rte_common.h>
#include <rte_string_fns.h>

#include "ifd_log.h"
#include "ifd_probe.h"
#include "ifd_uapi.h"

ifd_ioctl_fn ifd_ioctl_hook;

const struct ifd_paths ifd_default_paths = {
	.dev_iommu = "/dev/iommu",
	.sysfs_pci = "/sys/bus/pci/devices",
	.dev_vfio = "/dev/vfio/devices",
	.sysfs_vfio_dev = "/sys/class/vfio-dev",
};

static int parse_bdf(const char *s, char *out, size_t len);

/* The PCI address behind a cdev path (/dev/vfio/devices/vfioN), or "" if unknown. */
static void
cdev_bdf(const struct ifd_paths *p, const char *cdev, char *bdf, size_t len)
{
	char link[PATH_MAX], target[PATH_MAX];
	const char *name = strrchr(cdev, '/') != NULL ? strrchr(cdev, '/') + 1 : cdev;
	ssize_t n;

	if (p->sysfs_vfio_dev == NULL || len == 0)
		return;
	snprintf(link, sizeof(link), "%s/%s/device", p->sysfs_vfio_dev, name);
	n = readlink(link, target, sizeof(target) - 1);
	if (n <= 0)
		return;
	target[n] = '\0';
	if (parse_bdf(strrchr(target, '/') != NULL ? strrchr(target, '/') + 1 : target, bdf, len) != 0)
		bdf[0] = '\0';
}

int
ifd_iommufd_open(const struct ifd_paths *p)
{
	int fd = open(p->dev_iommu, O_RDWR | O_CLOEXEC);
	int err = errno;

	if (fd >= 0)
		return fd;
	switch (err) {
	case ENOENT:
	case ENODEV:
	case ENXIO:
		IFD_LOG(ERR, "%s is missing: kernel built without CONFIG_IOMMUFD or module not "
			"loaded (try 'modprobe iommufd'; ./svapoll doctor checks the rest)",
			p->dev_iommu);
		return -ENOENT;
	case EACCES:
	case EPERM:
		IFD_LOG(ERR, "%s: permission denied: run as root or give this user read-write "
			"access to %s", p->dev_iommu, p->dev_iommu);
		return -err;
	default:
		IFD_LOG(ERR, "cannot open %s: %s", p->dev_iommu, strerror(err));
		return -err;
	}
}

/* "DDDD:BB:DD.F" or "BB:DD.F" (domain 0), lower-cased into out. */
static int
parse_bdf(const char *s, char *out, size_t len)
{
	unsigned int dom = 0, bus, slot, fn;
	char tail;

	if (sscanf(s, "%x:%x:%x.%x%c", &dom, &bus, &slot, &fn, &tail) != 4) {
		dom = 0;
		if (sscanf(s, "%x:%x.%x%c", &bus, &slot, &fn, &tail) != 3)
			return -EINVAL;
	}
	for (const char *c = s; *c != '\0'; c++)
		if (!isxdigit((unsigned char)*c) && *c != ':' && *c != '.')
			return -EINVAL;
	if (dom > 0xffff || bus > 0xff || slot > 0x1f || fn > 7)
		return -EINVAL;
	snprintf(out, len, "%04x:%02x:%02x.%x", dom, bus, slot, fn);
	return 0;
}

/* The driver a PCI device is bound to, or "no driver". */
static void
pci_driver(const struct ifd_paths *p, const char *bdf, char *out, size_t len)
{
	char link[PATH_MAX], target[PATH_MAX];
	ssize_t n;

	snprintf(link, sizeof(link), "%s/%s/driver", p->sysfs_pci, bdf);
	n = readlink(link, target, sizeof(target) - 1);
	if (n <= 0) {
		snprintf(out, len, "no driver");
		return;
	}
	target[n] = '\0';
	rte_strscpy(out, strrchr(target, '/') != NULL ? strrchr(target, '/') + 1 : target, len);
}

int
ifd_cdev_resolve(const struct ifd_paths *p, const char *spec, char *cdev, size_t cdev_len,
		char *bdf, size_t bdf_len)
{
	char dir[PATH_MAX], drv[64], name[64] = "";
	struct dirent *de;
	struct stat st;
	DIR *d;

	if (bdf_len > 0)
		bdf[0] = '\0';
	if (spec == NULL || spec[0] == '\0') {
		IFD_LOG(ERR, "dev= is required: a PCI address (dev=0000:3b:00.0) or a VFIO cdev "
			"path (dev=/dev/vfio/devices/vfio0)");
		return -EINVAL;
	}
	if (spec[0] == '/') {
		if (strlen(spec) >= cdev_len)
			return -ENAMETOOLONG;
		if (stat(spec, &st) != 0) {
			IFD_LOG(ERR, "%s does not exist: no VFIO device cdev there (bind the device to "
				"vfio-pci; the kernel needs CONFIG_VFIO_DEVICE_CDEV)", spec);
			return -ENOENT;
		}
		if (!S_ISCHR(st.st_mode)) {
			IFD_LOG(ERR, "%s is not a character device: expected a VFIO cdev such as "
				"/dev/vfio/devices/vfio0", spec);
			return -ENODEV;
		}
		snprintf(cdev, cdev_len, "%s", spec);
		cdev_bdf(p, spec, bdf, bdf_len);
		return 0;
	}
	if (parse_bdf(spec, bdf, bdf_len) != 0) {
		IFD_LOG(ERR, "dev=%s is neither a PCI address (0000:3b:00.0) nor a VFIO cdev path "
			"(/dev/vfio/devices/vfio0)", spec);
		if (bdf_len > 0)
			bdf[0] = '\0';
		return -EINVAL;
	}
	snprintf(dir, sizeof(dir), "%s/%s", p->sysfs_pci, bdf);
	if (stat(dir, &st) != 0) {
		IFD_LOG(ERR, "no PCI device %s (see 'lspci -D' for the addresses on this machine)",
			bdf);
		return -ENODEV;
	}
	snprintf(dir, sizeof(dir), "%s/%s/vfio-dev", p->sysfs_pci, bdf);
	d = opendir(dir);
	if (d != NULL) {
		while ((de = readdir(d)) != NULL) {
			if (strncmp(de->d_name, "vfio", 4) == 0 && isdigit((unsigned char)de->d_name[4])) {
				rte_strscpy(name, de->d_name, sizeof(name));
				break;
			}
		}
		closedir(d);
	}
	if (name[0] == '\0') {
		pci_driver(p, bdf, drv, sizeof(drv));
		IFD_LOG(ERR, "PCI device %s has no VFIO cdev (driver: %s): bind it to vfio-pci: "
			"echo vfio-pci > %s/%s/driver_override; echo %s > /sys/bus/pci/drivers_probe "
			"(unbind it from %s first; the kernel needs CONFIG_VFIO_DEVICE_CDEV)",
			bdf, drv, p->sysfs_pci, bdf, bdf, drv);
		return -ENODEV;
	}
	if ((size_t)snprintf(cdev, cdev_len, "%s/%s", p->dev_vfio, name) >= cdev_len)
		return -ENAMETOOLONG;
	if (stat(cdev, &st) != 0) {
		IFD_LOG(ERR, "%s: sysfs lists %s but %s is missing: is devtmpfs mounted on /dev "
			"(or udev running)?", bdf, name, cdev);
		return -ENOENT;
	}
	return 0;
}

int
ifd_cdev_open(const char *cdev)
{
	int fd = open(cdev, O_RDWR | O_CLOEXEC);
	int err = errno;

	if (fd >= 0)
		return fd;
	if (err == EBUSY)
		IFD_LOG(ERR, "%s is busy: another process (or a VFIO group user) has the device open",
			cdev);
	else if (err == EACCES || err == EPERM)
		IFD_LOG(ERR, "%s: permission denied: run as root or give this user access to it",
			cdev);
	else
		IFD_LOG(ERR, "cannot open %s: %s", cdev, strerror(err));
	return -err;
}

static const struct {
	unsigned long req;
	const char *name;
	const char *feature;
	const char *version;
} ifd_ioctls[] = {
	{ IOMMU_DESTROY, "IOMMU_DESTROY", "iommufd", "6.2" },
	{ IOMMU_IOAS_ALLOC, "IOMMU_IOAS_ALLOC", "iommufd", "6.2" },
	{ IOMMU_IOAS_IOVA_RANGES, "IOMMU_IOAS_IOVA_RANGES", "iommufd", "6.2" },
	{ IOMMU_IOAS_MAP, "IOMMU_IOAS_MAP", "iommufd", "6.2" },
	{ IOMMU_IOAS_UNMAP, "IOMMU_IOAS_UNMAP", "iommufd", "6.2" },
	{ IOMMU_HWPT_ALLOC, "IOMMU_HWPT_ALLOC", "explicit page table allocation", "6.6" },
	{ IOMMU_GET_HW_INFO, "IOMMU_GET_HW_INFO", "IOMMU capability reporting", "6.6" },
	{ IFD_IOMMU_HWPT_INVALIDATE, "IOMMU_HWPT_INVALIDATE",
		"nested page tables (user-managed first level)", "6.8" },
	{ IOMMU_FAULT_QUEUE_ALLOC, "IOMMU_FAULT_QUEUE_ALLOC",
		"the I/O page fault queue (IOPF delivered to userspace)", "6.11" },
	{ VFIO_DEVICE_BIND_IOMMUFD, "VFIO_DEVICE_BIND_IOMMUFD",
		"the VFIO device cdev (CONFIG_VFIO_DEVICE_CDEV)", "6.6" },
	{ VFIO_DEVICE_ATTACH_IOMMUFD_PT, "VFIO_DEVICE_ATTACH_IOMMUFD_PT",
		"the VFIO device cdev (CONFIG_VFIO_DEVICE_CDEV)", "6.6" },
	{ VFIO_DEVICE_DETACH_IOMMUFD_PT, "VFIO_DEVICE_DETACH_IOMMUFD_PT",
		"the VFIO device cdev (CONFIG_VFIO_DEVICE_CDEV)", "6.6" },
};

const char *
ifd_ioctl_feature(unsigned long req, const char **version)
{
	for (size_t i = 0; i < RTE_DIM(ifd_ioctls); i++) {
		if (ifd_ioctls[i].req == req) {
			if (version != NULL)
				*version = ifd_ioctls[i].version;
			return ifd_ioctls[i].feature;
		}
	}
	return NULL;
}

const char *
ifd_ioctl_name(unsigned long req)
{
	for (size_t i = 0; i < RTE_DIM(ifd_ioctls); i++)
		if (ifd_ioctls[i].req == req)
			return ifd_ioctls[i].name;
	return "ioctl";
}

int
ifd_ioctl(int fd, unsigned long req, void *arg, const char *what)
{
	const char *feature, *version = "?";
	struct utsname u;
	int ret;

	do {
		ret = ifd_ioctl_hook != NULL ? ifd_ioctl_hook(fd, req, arg) : ioctl(fd, req, arg);
	} while (ret < 0 && errno == EINTR);
	if (ret >= 0)
		return 0;
	if (errno != ENOTTY)
		return -errno;
	feature = ifd_ioctl_feature(req, &version);
	if (uname(&u) != 0)
		snprintf(u.release, sizeof(u.release), "unknown");
	IFD_LOG(ERR, "%s: %s not known to this kernel (ENOTTY): %s needs Linux %s or later "
		"(running %s)", what, ifd_ioctl_name(req), feature != NULL ? feature : "this feature",
		version, u.release);
	return -ENOTTY;
}

int
ifd_pci_numa_node(const struct ifd_paths *p, const char *bdf)
{
	char path[PATH_MAX];
	int node = -1;
	FILE *f;

	if (bdf == NULL || bdf[0] == '\0')
		return -1;
	snprintf(path, sizeof(path), "%s/%s/numa_node", p->sysfs_pci, bdf);
	f = fopen(path, "r");
	if (f == NULL)
		return -1;
	if (fscanf(f, "%d", &node) != 1)
		node = -1;
	fclose(f);
	return node;
}

int
ifd_pasid_decide(const char *name, const char *cdev, enum ifd_pasid_mode mode,
		uint32_t hw_pasid_bits, bool *use)
{
	*use = false;
	if (mode == IFD_PASID_ON && hw_pasid_bits == 0) {
		IFD_LOG(ERR, "%s: no PASID support for %s: the IOMMU reports 0 PASID bits (kernel "
			"older than 6.15, PASID off in firmware, or the device lacks the PASID "
			"capability); pasid=off attaches the RID only", name, cdev);
		return -EOPNOTSUPP;
	}
	*use = mode != IFD_PASID_OFF && hw_pasid_bits > 0;
	if (mode == IFD_PASID_AUTO && hw_pasid_bits == 0)
		IFD_LOG(INFO, "%s: %s: no PASID support reported: RID attach only", name, cdev);
	return 0;
}
