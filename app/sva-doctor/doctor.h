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
 */

#include <stdbool.h>

enum verdict { V_OK, V_WARN, V_FAIL, V_INFO };

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

/* Value of CONFIG_<name> in this kernel's config: "y", "m", "n" (not set), NULL unknown. */
const char *kconfig(const char *name);

void check_pci(void);
void check_hugepages(void);
void check_numa(void);
void check_userfaultfd(void);
void check_pagemap_scan(void);
void check_populate(void);
void check_pagemap(void);

#endif /* DOCTOR_H */
