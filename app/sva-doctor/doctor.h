/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef DOCTOR_H
#define DOCTOR_H

/*
 * sva-doctor: a preflight check of this machine for svapoll. One line per check:
 *   [ OK ] <check>: <finding>
 *   [WARN] <check>: <finding> — fix: <what to do>
 *   [FAIL] <check>: <finding> — fix: <what to do>
 *   [INFO] <check>: <finding>
 * WARN: real hardware (iommufd) cannot be used for this reason; the emu default can.
 * FAIL: the emu default cannot run. Exit status 0 when the emu default can run.
 * Plain C on sysfs, procfs and a few syscalls: no DPDK, no root needed (some findings
 * need root to be complete, and say so).
 *
 * Everything it reads about the machine (/sys, /dev, /proc, /boot) goes through rpath(),
 * so --root DIR (or SVA_DOCTOR_ROOT) points it at a fake tree; what it probes in its own
 * process (madvise, /proc/self/pagemap, userfaultfd, PAGEMAP_SCAN) is always real.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum verdict { V_OK, V_WARN, V_FAIL, V_INFO };

/* What the iommufd backend can do with one device (the --summary verdicts). */
enum ifd_verdict { IFD_USABLE, IFD_PINNED_ONLY, IFD_UNUSABLE };

/* One PCI device as doctor_pci.c found it (config space, sysfs links). */
struct pci_dev_info {
	char bdf[32];
	char ids[64];            /* "vvvv:dddd class cccccc" */
	char drv[64];            /* driver name, "none" */
	char iommu[64];          /* /sys/class/iommu name it sits behind, "" none */
	bool cfg_known;          /* config space read past 64 bytes (root): capabilities known */
	bool pasid, pri, ats;
	bool pri_pasid_req;      /* PRI status bit 15: PRG Response PASID Required */
	bool vf;                 /* SR-IOV VF: physfn link present */
	char pf[32];             /* its PF */
	bool pf_known, pf_pri, pf_pasid, pf_pri_pasid_req; /* the PF's, which a VF shares */
	bool vfio_cdev;          /* vfio-dev/vfioN under the device (VFIO cdev) */
	/* filled by check_faults() */
	bool candidate;
	enum ifd_verdict verdict;
	char reason[512];
};

/* What the summary is made of. */
struct doctor {
	int kmajor, kminor;
	bool kernel_faults;      /* >= 6.13: fault queue on an IOAS page table */
	bool dev_iommu;          /* /dev/iommu opens */
	int vfio_cdevs;
	int iommu_groups;
	int sva_endpoints;       /* PCI devices with PASID and PRI */
	bool populate, pagemap;  /* what the emu default needs */
	int fails;
	bool quiet;              /* --summary: report() prints nothing */
	char kernel[128];        /* kernel release (<root>/proc/sys/kernel/osrelease, uname) */
	struct pci_dev_info *pci;
	int npci;
	int ifd[3];              /* devices per enum ifd_verdict (candidates only) */
};

extern struct doctor doc;

/* Print one line; fix is required for WARN and FAIL, ignored otherwise. */
void report(enum verdict v, const char *check, const char *fix, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* Bounded string copy and append (truncate silently: these are report lines). */
void str_copy(char *dst, size_t len, const char *src);
void str_append(char *dst, size_t len, const char *sep, const char *src);

/* Read a small text file into buf (trailing newline cut). @return 0 or -errno. */
int read_text(const char *path, char *buf, size_t len);

/* The machine root ("" for /, else the --root / SVA_DOCTOR_ROOT directory). */
extern char doc_root[];

/* buf = doc_root + the formatted absolute path; returns buf. */
const char *rpath(char *buf, size_t len, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Basename of a symlink's target into out ("" when it is no symlink). @return 0 or -1. */
int link_base(const char *link, char *out, size_t len);

/* Linux release at least major.minor (doc.kmajor/kminor, 0.0 when unknown). */
bool kernel_at_least(int major, int minor);

/* The value of key=... in the kernel command line tokens (<root>/proc/cmdline) or NULL. */
const char *kcmdline(const char *key, char *buf, size_t len);

/* Value of CONFIG_<name> in this kernel's config: "y", "m", "n" (not set), NULL unknown. */
const char *kconfig(const char *name);

void check_pci(void);
void check_iommu_units(void);
void check_faults(void);
void print_verdicts(void);
void check_hugepages(void);
void check_numa(void);
void check_userfaultfd(void);
void check_pagemap_scan(void);
void check_populate(void);
void check_pagemap(void);

#endif /* DOCTOR_H */
