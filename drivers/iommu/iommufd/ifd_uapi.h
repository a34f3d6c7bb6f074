/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef IFD_UAPI_H
#define IFD_UAPI_H

/*
 * The iommufd and VFIO device cdev uAPI this driver speaks: the system headers when
 * they are new enough (meson defines IFD_SYSTEM_UAPI when <linux/iommufd.h> has the
 * PASID HWPT flag and <linux/vfio.h> has VFIO_DEVICE_ATTACH_PASID, i.e. Linux 6.15
 * headers), otherwise our own definitions of exactly the part we use, with the kernel's
 * names and layouts (Debian 12 ships 6.1 headers: no iommufd.h at all).
 *
 * Whichever is used, every size and the offsets the driver depends on are pinned below:
 * a wrong layout fails the build, not a DMA.
 *
 * Kernel versions (for the "ioctl not known" messages): iommufd 6.2; HWPT_ALLOC,
 * GET_HW_INFO and the VFIO device cdev 6.6; the fault queue 6.11 (nested page tables
 * only); fault-capable page tables on an IOAS 6.13; PASID attach through VFIO and
 * PASID width in GET_HW_INFO 6.15.
 */

#include <stddef.h>
#include <stdint.h>
#include <sys/ioctl.h>

#ifdef IFD_SYSTEM_UAPI

#include <linux/iommufd.h>
#include <linux/vfio.h>

#else /* own definitions */

#include <linux/types.h>

#define IOMMUFD_TYPE (';')

enum {
	IOMMUFD_CMD_DESTROY = 0x80,
	IOMMUFD_CMD_IOAS_ALLOC = 0x81,
	IOMMUFD_CMD_IOAS_IOVA_RANGES = 0x84,
	IOMMUFD_CMD_IOAS_MAP = 0x85,
	IOMMUFD_CMD_IOAS_UNMAP = 0x86,
	IOMMUFD_CMD_HWPT_ALLOC = 0x89,
	IOMMUFD_CMD_GET_HW_INFO = 0x8a,
	IOMMUFD_CMD_FAULT_QUEUE_ALLOC = 0x8e,
};

struct iommu_destroy {
	__u32 size;
	__u32 id;
};
#define IOMMU_DESTROY _IO(IOMMUFD_TYPE, IOMMUFD_CMD_DESTROY)

struct iommu_ioas_alloc {
	__u32 size;
	__u32 flags;
	__u32 out_ioas_id;
};
#define IOMMU_IOAS_ALLOC _IO(IOMMUFD_TYPE, IOMMUFD_CMD_IOAS_ALLOC)

struct iommu_iova_range {
	__aligned_u64 start;
	__aligned_u64 last;     /* inclusive */
};

/* -EMSGSIZE with num_iovas set to the count needed when the array is too small. */
struct iommu_ioas_iova_ranges {
	__u32 size;
	__u32 ioas_id;
	__u32 num_iovas;
	__u32 __reserved;
	__aligned_u64 allowed_iovas;
	__aligned_u64 out_iova_alignment;
};
#define IOMMU_IOAS_IOVA_RANGES _IO(IOMMUFD_TYPE, IOMMUFD_CMD_IOAS_IOVA_RANGES)

enum iommufd_ioas_map_flags {
	IOMMU_IOAS_MAP_FIXED_IOVA = 1 << 0,
	IOMMU_IOAS_MAP_WRITEABLE = 1 << 1,
	IOMMU_IOAS_MAP_READABLE = 1 << 2,
};

struct iommu_ioas_map {
	__u32 size;
	__u32 flags;
	__u32 ioas_id;
	__u32 __reserved;
	__aligned_u64 user_va;
	__aligned_u64 length;
	__aligned_u64 iova;
};
#define IOMMU_IOAS_MAP _IO(IOMMUFD_TYPE, IOMMUFD_CMD_IOAS_MAP)

struct iommu_ioas_unmap {
	__u32 size;
	__u32 ioas_id;
	__aligned_u64 iova;
	__aligned_u64 length;
};
#define IOMMU_IOAS_UNMAP _IO(IOMMUFD_TYPE, IOMMUFD_CMD_IOAS_UNMAP)

enum iommufd_hwpt_alloc_flags {
	IOMMU_HWPT_ALLOC_NEST_PARENT = 1 << 0,
	IOMMU_HWPT_ALLOC_DIRTY_TRACKING = 1 << 1,
	IOMMU_HWPT_FAULT_ID_VALID = 1 << 2,
	IOMMU_HWPT_ALLOC_PASID = 1 << 3,
};

enum iommu_hwpt_data_type {
	IOMMU_HWPT_DATA_NONE = 0,
};

struct iommu_hwpt_alloc {
	__u32 size;
	__u32 flags;
	__u32 dev_id;
	__u32 pt_id;
	__u32 out_hwpt_id;
	__u32 __reserved;
	__u32 data_type;
	__u32 data_len;
	__aligned_u64 data_uptr;
	__u32 fault_id;
	__u32 __reserved2;
};
#define IOMMU_HWPT_ALLOC _IO(IOMMUFD_TYPE, IOMMUFD_CMD_HWPT_ALLOC)

enum iommufd_hw_capabilities {
	IOMMU_HW_CAP_DIRTY_TRACKING = 1 << 0,
	IOMMU_HW_CAP_PCI_PASID_EXEC = 1 << 1,
	IOMMU_HW_CAP_PCI_PASID_PRIV = 1 << 2,
};

enum iommu_hw_info_type {
	IOMMU_HW_INFO_TYPE_NONE = 0,
	IOMMU_HW_INFO_TYPE_INTEL_VTD = 1,
	IOMMU_HW_INFO_TYPE_ARM_SMMUV3 = 2,
};

/* 6.15 layout: out_max_pasid_log2 took the first byte of what 6.6 called __reserved. */
struct iommu_hw_info {
	__u32 size;
	__u32 flags;
	__u32 dev_id;
	__u32 data_len;
	__aligned_u64 data_uptr;
	__u32 out_data_type;
	__u8 out_max_pasid_log2;
	__u8 __reserved[3];
	__aligned_u64 out_capabilities;
};
#define IOMMU_GET_HW_INFO _IO(IOMMUFD_TYPE, IOMMUFD_CMD_GET_HW_INFO)

enum iommu_hwpt_pgfault_flags {
	IOMMU_PGFAULT_FLAGS_PASID_VALID = (1 << 0),
	IOMMU_PGFAULT_FLAGS_LAST_PAGE = (1 << 1),
};

enum iommu_hwpt_pgfault_perm {
	IOMMU_PGFAULT_PERM_READ = (1 << 0),
	IOMMU_PGFAULT_PERM_WRITE = (1 << 1),
	IOMMU_PGFAULT_PERM_EXEC = (1 << 2),
	IOMMU_PGFAULT_PERM_PRIV = (1 << 3),
};

struct iommu_hwpt_pgfault {
	__u32 flags;
	__u32 dev_id;
	__u32 pasid;
	__u32 grpid;
	__u32 perm;
	__u32 __reserved;
	__aligned_u64 addr;
	__u32 length;
	__u32 cookie;
};

/* The uAPI has no Response Failure: it would disable PRI for every function sharing it. */
enum iommufd_page_response_code {
	IOMMUFD_PAGE_RESP_SUCCESS = 0,
	IOMMUFD_PAGE_RESP_INVALID = 1,
};

struct iommu_hwpt_page_response {
	__u32 cookie;
	__u32 code;
};

struct iommu_fault_alloc {
	__u32 size;
	__u32 flags;
	__u32 out_fault_id;
	__u32 out_fault_fd;
};
#define IOMMU_FAULT_QUEUE_ALLOC _IO(IOMMUFD_TYPE, IOMMUFD_CMD_FAULT_QUEUE_ALLOC)

/* VFIO device cdev (a 6.1 <linux/vfio.h> may be included elsewhere: same tokens). */
#ifndef VFIO_TYPE
#define VFIO_TYPE (';')
#endif
#ifndef VFIO_BASE
#define VFIO_BASE 100
#endif

struct vfio_device_bind_iommufd {
	__u32 argsz;
	__u32 flags;
	__s32 iommufd;
	__u32 out_devid;
};
#define VFIO_DEVICE_BIND_IOMMUFD _IO(VFIO_TYPE, VFIO_BASE + 18)

struct vfio_device_attach_iommufd_pt {
	__u32 argsz;
	__u32 flags;
#define VFIO_DEVICE_ATTACH_PASID (1 << 0)
	__u32 pt_id;
	__u32 pasid;
};
#define VFIO_DEVICE_ATTACH_IOMMUFD_PT _IO(VFIO_TYPE, VFIO_BASE + 19)

struct vfio_device_detach_iommufd_pt {
	__u32 argsz;
	__u32 flags;
#define VFIO_DEVICE_DETACH_PASID (1 << 0)
	__u32 pasid;
};
#define VFIO_DEVICE_DETACH_IOMMUFD_PT _IO(VFIO_TYPE, VFIO_BASE + 20)

#endif /* IFD_SYSTEM_UAPI */

/*
 * Always our own names (newer than some system headers that are otherwise new enough):
 * the hardware info data GET_HW_INFO writes to data_uptr, per out_data_type, and the
 * kernel-internal fault flags the kernel copies into iommu_hwpt_pgfault.flags.
 */
#define IFD_HW_INFO_TYPE_NONE 0
#define IFD_HW_INFO_TYPE_INTEL_VTD 1
#define IFD_HW_INFO_TYPE_ARM_SMMUV3 2
#define IFD_HW_INFO_TYPE_TEGRA241_CMDQV 3
#define IFD_HW_INFO_TYPE_AMD 4          /* Linux 6.17 */

struct ifd_hw_info_vtd {                /* struct iommu_hw_info_vtd */
	__u32 flags;
	__u32 __reserved;
	__aligned_u64 cap_reg;              /* VT-d spec 11.4.2 */
	__aligned_u64 ecap_reg;             /* VT-d spec 11.4.3 */
};

struct ifd_hw_info_arm_smmuv3 {         /* struct iommu_hw_info_arm_smmuv3 */
	__u32 flags;
	__u32 __reserved;
	__u32 idr[6];
	__u32 iidr;
	__u32 aidr;
};

struct ifd_hw_info_amd {                /* struct iommu_hw_info_amd */
	__aligned_u64 efr;
	__aligned_u64 efr2;
};

/** Room for any of them (the kernel zeroes what it does not fill). */
union ifd_hw_info_data {
	struct ifd_hw_info_vtd vtd;
	struct ifd_hw_info_arm_smmuv3 smmuv3;
	struct ifd_hw_info_amd amd;
	__u8 raw[64];
};

/* VT-d extended capability bits (kernel drivers/iommu/intel/iommu.h ecap_*; VT-d spec
 * 11.4.3): what a fault-capable page table needs. */
#define IFD_VTD_ECAP_DT (UINT64_C(1) << 2)     /* device-TLB: the kernel enables ATS */
#define IFD_VTD_ECAP_PRS (UINT64_C(1) << 29)   /* page requests */
#define IFD_VTD_ECAP_PASID (UINT64_C(1) << 40)
#define IFD_VTD_ECAP_PDS (UINT64_C(1) << 42)   /* page-request drain */
#define IFD_VTD_ECAP_SMTS (UINT64_C(1) << 43)  /* scalable mode */
/* GET_HW_INFO out_capabilities bit 3 (Linux 6.17): ATS cannot be used on this device. */
#define IFD_HW_CAP_PCI_ATS_NOT_SUPPORTED (UINT64_C(1) << 3)
/* AMD EFR (amd_iommu_types.h FEATURE_*): peripheral page requests, guest translation. */
#define IFD_AMD_EFR_PPR (UINT64_C(1) << 1)
#define IFD_AMD_EFR_GT (UINT64_C(1) << 4)

/*
 * Kernel-internal fault flags (include/linux/iommu.h, struct iommu_fault_page_request)
 * that eventq.c copies into iommu_hwpt_pgfault.flags as they are: bit 2 is
 * IOMMU_FAULT_PAGE_RESPONSE_NEEDS_PASID, set by VT-d (prq.c) and AMD (ppr.c) on every
 * request with a PASID. They mean nothing to userspace (the response goes by cookie).
 */
#define IFD_PGFAULT_KERNEL_NEEDS_PASID (1u << 2)
#define IFD_PGFAULT_KERNEL_FLAGS IFD_PGFAULT_KERNEL_NEEDS_PASID

/* ---- layouts pinned (fails the build on a wrong definition or an unexpected header) ---- */
_Static_assert(sizeof(struct iommu_hwpt_pgfault) == 40, "iommu_hwpt_pgfault is 40 bytes");
_Static_assert(offsetof(struct iommu_hwpt_pgfault, addr) == 24, "pgfault addr at 24");
_Static_assert(offsetof(struct iommu_hwpt_pgfault, length) == 32, "pgfault length at 32");
_Static_assert(offsetof(struct iommu_hwpt_pgfault, cookie) == 36, "pgfault cookie at 36");
_Static_assert(sizeof(struct iommu_hwpt_page_response) == 8, "page response is 8 bytes");
_Static_assert(offsetof(struct iommu_hwpt_page_response, code) == 4, "response code at 4");
_Static_assert(sizeof(struct iommu_destroy) == 8, "iommu_destroy is 8 bytes");
_Static_assert(sizeof(struct iommu_ioas_alloc) == 12, "iommu_ioas_alloc is 12 bytes");
_Static_assert(sizeof(struct iommu_ioas_map) == 40, "iommu_ioas_map is 40 bytes");
_Static_assert(sizeof(struct iommu_ioas_unmap) == 24, "iommu_ioas_unmap is 24 bytes");
_Static_assert(sizeof(struct iommu_hwpt_alloc) == 48, "iommu_hwpt_alloc (6.11+) is 48 bytes");
_Static_assert(offsetof(struct iommu_hwpt_alloc, fault_id) == 40, "hwpt_alloc fault_id at 40");
_Static_assert(sizeof(struct iommu_hw_info) == 40, "iommu_hw_info is 40 bytes");
_Static_assert(offsetof(struct iommu_hw_info, out_max_pasid_log2) == 28,
	"hw_info out_max_pasid_log2 at 28");
_Static_assert(offsetof(struct iommu_hw_info, out_capabilities) == 32,
	"hw_info out_capabilities at 32");
_Static_assert(sizeof(struct iommu_iova_range) == 16, "iommu_iova_range is 16 bytes");
_Static_assert(sizeof(struct iommu_ioas_iova_ranges) == 32, "iommu_ioas_iova_ranges is 32 bytes");
_Static_assert(offsetof(struct iommu_ioas_iova_ranges, allowed_iovas) == 16,
	"iova_ranges allowed_iovas at 16");
_Static_assert(offsetof(struct iommu_ioas_iova_ranges, out_iova_alignment) == 24,
	"iova_ranges out_iova_alignment at 24");
_Static_assert(IOMMU_IOAS_IOVA_RANGES == 0x3b84, "IOMMU_IOAS_IOVA_RANGES is 0x3b84");
_Static_assert(sizeof(struct ifd_hw_info_vtd) == 24, "iommu_hw_info_vtd is 24 bytes");
_Static_assert(offsetof(struct ifd_hw_info_vtd, ecap_reg) == 16, "vtd ecap_reg at 16");
_Static_assert(sizeof(struct ifd_hw_info_arm_smmuv3) == 40, "iommu_hw_info_arm_smmuv3 is 40 bytes");
_Static_assert(sizeof(struct ifd_hw_info_amd) == 16, "iommu_hw_info_amd is 16 bytes");
_Static_assert(sizeof(union ifd_hw_info_data) == 64, "hw info buffer is 64 bytes");
_Static_assert(IOMMU_HW_CAP_PCI_PASID_PRIV == 4, "hw cap PCI_PASID_PRIV is bit 2");
_Static_assert(sizeof(struct iommu_fault_alloc) == 16, "iommu_fault_alloc is 16 bytes");
_Static_assert(sizeof(struct vfio_device_bind_iommufd) >= 16, "vfio bind is at least 16 bytes");
_Static_assert(offsetof(struct vfio_device_bind_iommufd, out_devid) == 12, "bind out_devid at 12");
_Static_assert(sizeof(struct vfio_device_attach_iommufd_pt) == 16, "vfio attach (6.15) is 16 bytes");
_Static_assert(sizeof(struct vfio_device_detach_iommufd_pt) == 12, "vfio detach (6.15) is 12 bytes");
_Static_assert(IOMMU_IOAS_MAP == 0x3b85 && IOMMU_FAULT_QUEUE_ALLOC == 0x3b8e &&
	VFIO_DEVICE_BIND_IOMMUFD == 0x3b76 && VFIO_DEVICE_ATTACH_IOMMUFD_PT == 0x3b77,
	"ioctl numbers: type ';' (0x3b), iommufd 0x80+n, VFIO 100+n");

/*
 * The kernel's iommufd selftest mock (CONFIG_IOMMUFD_TEST): IOMMU_TEST_CMD and the part
 * of struct iommu_test_cmd that dev=mock uses. Not an installed uAPI header in any
 * kernel (drivers/iommu/iommufd/iommufd_test.h), so always our own definition; the
 * union is 48 bytes in the kernel (its largest member, 'dirty'), padded here to match.
 */
enum {
	IFD_TEST_OP_MOCK_DOMAIN_REPLACE = 10,
	IFD_TEST_OP_MOCK_DOMAIN_FLAGS = 12,
	IFD_TEST_OP_TRIGGER_IOPF = 15,
	IFD_TEST_OP_PASID_ATTACH = 18,
	IFD_TEST_OP_PASID_REPLACE = 19,
	IFD_TEST_OP_PASID_DETACH = 20,
	IFD_TEST_OP_MD_CHECK_MAP = 3,
	IFD_TEST_OP_MD_CHECK_IOTLB = 14,
	IFD_TEST_OP_PASID_CHECK_HWPT = 21,
};
#define IFD_MOCK_FLAGS_DEVICE_PASID (1u << 2)
#define IFD_MOCK_APERTURE_START (UINT64_C(1) << 24)   /* [16 MiB, 2 GiB) */
#define IFD_MOCK_APERTURE_END (UINT64_C(1) << 31)
#define IFD_HW_INFO_TYPE_SELFTEST 0xfeedbeefu

struct ifd_test_cmd {
	__u32 size;
	__u32 op;
	__u32 id;
	__u32 __reserved;
	union {
		struct {
			__u32 out_stdev_id;
			__u32 out_hwpt_id;
			__u32 out_idev_id;
			__u32 dev_flags;
		} mock_domain_flags;
		struct {
			__u32 pt_id;
		} mock_domain_replace;
		struct {
			__aligned_u64 iova;
			__aligned_u64 length;
			__aligned_u64 uptr;
		} check_map;
		struct {
			__u32 dev_id;
			__u32 pasid;
			__u32 grpid;
			__u32 perm;
			__u64 addr;
		} trigger_iopf;
		struct {
			__u32 pasid;
			__u32 pt_id;
		} pasid_attach;
		struct {
			__u32 pasid;
		} pasid_detach;
		struct {
			__u32 id;      /* the IOTLB entry, 0..3 */
			__u32 iotlb;   /* the value it must hold, else EINVAL */
		} check_iotlb;
		struct {
			__u32 pasid;
			__u32 hwpt_id; /* 0: no domain */
		} pasid_check;
		__u8 __union_size[48];
	};
	__u32 last;
};
#define IFD_IOMMU_TEST_CMD _IO(';', 0x80 + 32)

_Static_assert(sizeof(struct ifd_test_cmd) == 72, "iommu_test_cmd is 72 bytes");
_Static_assert(offsetof(struct ifd_test_cmd, mock_domain_flags.out_idev_id) == 24 &&
	offsetof(struct ifd_test_cmd, mock_domain_flags.dev_flags) == 28,
	"mock_domain_flags layout");
_Static_assert(offsetof(struct ifd_test_cmd, trigger_iopf.perm) == 28 &&
	offsetof(struct ifd_test_cmd, trigger_iopf.addr) == 32, "trigger_iopf layout");
_Static_assert(offsetof(struct ifd_test_cmd, pasid_attach.pt_id) == 20, "pasid_attach layout");
_Static_assert(offsetof(struct ifd_test_cmd, check_map.uptr) == 32, "check_map layout");
_Static_assert(offsetof(struct ifd_test_cmd, check_iotlb.iotlb) == 20, "check_iotlb layout");
_Static_assert(offsetof(struct ifd_test_cmd, last) == 64, "iommu_test_cmd last at 64");
_Static_assert(IFD_IOMMU_TEST_CMD == 0x3ba0, "IOMMU_TEST_CMD is _IO(';', 0xa0)");

/*
 * Nested translation (vSVA): always our own names (ifd_*), so that system headers
 * new enough for the rest (IFD_SYSTEM_UAPI) cannot clash. From the 7.3
 * include/uapi/linux/iommufd.h and drivers/iommu/iommufd/iommufd_test.h.
 *
 * A nest parent is a kernel-managed paging HWPT on an IOAS (IOMMU_HWPT_ALLOC_NEST_PARENT,
 * data type NONE; the kernel refuses it together with IOMMU_HWPT_FAULT_ID_VALID); a
 * nested HWPT is allocated on it (pt_id = the parent) with the first level's data and
 * may have the fault queue; IOMMU_HWPT_INVALIDATE drops its cached first-level
 * translations (an array of entries; entry_num comes back as the number handled).
 */
#define IFD_CMD_HWPT_INVALIDATE 0x8d
#define IFD_IOMMU_HWPT_INVALIDATE _IO(';', IFD_CMD_HWPT_INVALIDATE)

#define IFD_HWPT_ALLOC_NEST_PARENT (1u << 0)      /* enum iommufd_hwpt_alloc_flags */
#define IFD_HWPT_ALLOC_DIRTY_TRACKING (1u << 1)
#define IFD_HWPT_FAULT_ID_VALID (1u << 2)
#define IFD_HWPT_ALLOC_PASID (1u << 3)

/* enum iommu_hwpt_data_type */
#define IFD_HWPT_DATA_NONE 0u
#define IFD_HWPT_DATA_VTD_S1 1u
#define IFD_HWPT_DATA_ARM_SMMUV3 2u
#define IFD_HWPT_DATA_SELFTEST 0xdeadu            /* iommufd_test.h */

/* enum iommu_hwpt_invalidate_data_type */
#define IFD_HWPT_INVALIDATE_DATA_VTD_S1 0u
#define IFD_HWPT_INVALIDATE_DATA_SELFTEST 0xdeadbeefu   /* iommufd_test.h */

/* struct iommu_hwpt_vtd_s1: a VT-d first-level (stage-1) table for one PASID. */
#define IFD_VTD_S1_SRE (1u << 0)     /* supervisor requests (PASID entry SRE) */
#define IFD_VTD_S1_EAFE (1u << 1)    /* extended access flag */
#define IFD_VTD_S1_WPE (1u << 2)     /* write protect enable */
#define IFD_VTD_S1_FLAGS (IFD_VTD_S1_SRE | IFD_VTD_S1_EAFE | IFD_VTD_S1_WPE)
#define IFD_VTD_ADDR_WIDTH_4LEVEL 48 /* intel/pasid.c: 48 (4-level) or 57 (5-level, FL5LP) */
#define IFD_VTD_ECAP_NEST (UINT64_C(1) << 26)  /* VT-d 11.4.3 ECAP.NEST: nested translation */
#define IFD_VTD_ECAP_FLTS (UINT64_C(1) << 47)  /* first-level translation */

struct ifd_hwpt_vtd_s1 {
	__aligned_u64 flags;         /* IFD_VTD_S1_* */
	__aligned_u64 pgtbl_addr;    /* the first level's root (a GPA: an IOVA of the parent) */
	__u32 addr_width;
	__u32 __reserved;
};

/* struct iommu_hwpt_vtd_s1_invalidate: [addr, addr + npages * 4 KiB); all: 0, U64_MAX. */
#define IFD_VTD_INV_FLAGS_LEAF (1u << 0)
struct ifd_hwpt_vtd_s1_invalidate {
	__aligned_u64 addr;
	__aligned_u64 npages;
	__u32 flags;
	__u32 __reserved;
};

/* struct iommu_hwpt_arm_smmuv3: the first two words of the guest's STE (little endian:
 * V, Cfg, S1Fmt, S1ContextPtr, S1CDMax; EATS, S1DSS, S1CIR, S1COR, S1CSH, S1STALLD). On
 * 7.3 it is allocated on a vIOMMU (IOMMU_VIOMMU_ALLOC), not on a nest parent. */
struct ifd_hwpt_arm_smmuv3 {
	__aligned_u64 ste[2];
};

/* struct iommu_hwpt_selftest: the mock's nested domain (iotlb: the value all 4 of its
 * IOTLB entries start with; pagetable_type: nest parents only). */
struct ifd_hwpt_selftest {
	__u32 iotlb;
	__u32 pagetable_type;
};
#define IFD_MOCK_NESTED_IOTLB_NUM 4  /* MOCK_NESTED_DOMAIN_IOTLB_NUM: ids 0..3 */

/* struct iommu_hwpt_invalidate_selftest */
#define IFD_TEST_INVALIDATE_FLAG_ALL (1u << 0)
struct ifd_hwpt_invalidate_selftest {
	__u32 flags;
	__u32 iotlb_id;
};

/* struct iommu_hwpt_invalidate */
struct ifd_hwpt_invalidate {
	__u32 size;
	__u32 hwpt_id;
	__aligned_u64 data_uptr;
	__u32 data_type;
	__u32 entry_len;
	__u32 entry_num;             /* in: entries; out: entries the kernel handled */
	__u32 __reserved;
};

_Static_assert(sizeof(struct ifd_hwpt_vtd_s1) == 24, "iommu_hwpt_vtd_s1 is 24 bytes");
_Static_assert(offsetof(struct ifd_hwpt_vtd_s1, addr_width) == 16, "vtd_s1 addr_width at 16");
_Static_assert(sizeof(struct ifd_hwpt_vtd_s1_invalidate) == 24,
	"iommu_hwpt_vtd_s1_invalidate is 24 bytes");
_Static_assert(sizeof(struct ifd_hwpt_arm_smmuv3) == 16, "iommu_hwpt_arm_smmuv3 is 16 bytes");
_Static_assert(sizeof(struct ifd_hwpt_selftest) == 8, "iommu_hwpt_selftest is 8 bytes");
_Static_assert(sizeof(struct ifd_hwpt_invalidate_selftest) == 8,
	"iommu_hwpt_invalidate_selftest is 8 bytes");
_Static_assert(sizeof(struct ifd_hwpt_invalidate) == 32, "iommu_hwpt_invalidate is 32 bytes");
_Static_assert(offsetof(struct ifd_hwpt_invalidate, entry_num) == 24,
	"hwpt_invalidate entry_num at 24");
_Static_assert(IFD_IOMMU_HWPT_INVALIDATE == 0x3b8d, "IOMMU_HWPT_INVALIDATE is 0x3b8d");

/** Bytes of one fault record and one response on the fault fd. */
#define IFD_PGFAULT_SIZE ((size_t)sizeof(struct iommu_hwpt_pgfault))
#define IFD_RESPONSE_SIZE ((size_t)sizeof(struct iommu_hwpt_page_response))

#endif /* IFD_UAPI_H */
