/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * PCI devices: PASID, PRI and ATS from the extended capabilities in config space
 * (sysfs config: 4096 bytes for PCIe as root, 256 for conventional PCI, 64 unprivileged),
 * and from sysfs the IOMMU each sits behind (iommu link), SR-IOV VF (physfn link) and
 * VFIO cdev (vfio-dev/). What is found goes into doc.pci for the fault rules.
 */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "doctor.h"

#define PCI_EXT_CAP_ATS 0x0f
#define PCI_EXT_CAP_PRI 0x13
#define PCI_EXT_CAP_PASID 0x1b
/* PCIe PRI capability: status register at +0x06, bit 15 "PRG Response PASID Required" */
#define PCI_PRI_STATUS 0x06
#define PCI_PRI_STATUS_PASID 0x8000

struct pci_caps {
	size_t cfg_len;
	int pasid_bits;     /* -1: no PASID capability */
	bool pasid_exec, pasid_priv;
	bool pri;
	bool pri_pasid_req;     /* PRI status: PRG Response PASID Required */
	uint32_t pri_capacity;  /* outstanding page requests the device can have */
	bool ats;
};

static uint32_t
rd32(const uint8_t *c, size_t off)
{
	return c[off] | c[off + 1] << 8 | c[off + 2] << 16 | (uint32_t)c[off + 3] << 24;
}

static uint16_t
rd16(const uint8_t *c, size_t off)
{
	return (uint16_t)(c[off] | c[off + 1] << 8);
}

/* Walk the extended capability list from 0x100 (bounded: a broken list cannot loop). */
static void
parse_ext_caps(const uint8_t *c, struct pci_caps *caps)
{
	size_t off = 0x100;

	for (int i = 0; i < 96 && off >= 0x100 && off + 16 <= caps->cfg_len; i++) {
		uint32_t h = rd32(c, off);
		uint16_t id = h & 0xffff;

		if (h == 0 || h == 0xffffffff)
			break;
		if (id == PCI_EXT_CAP_PASID) {
			uint16_t cap = rd16(c, off + 4);

			caps->pasid_bits = (cap >> 8) & 0x1f;
			caps->pasid_exec = cap & 0x2;
			caps->pasid_priv = cap & 0x4;
		} else if (id == PCI_EXT_CAP_PRI) {
			caps->pri = true;
			caps->pri_pasid_req = rd16(c, off + PCI_PRI_STATUS) & PCI_PRI_STATUS_PASID;
			caps->pri_capacity = rd32(c, off + 8);
		} else if (id == PCI_EXT_CAP_ATS) {
			caps->ats = true;
		}
		off = (h >> 20) & 0xffc;
	}
}

static char pci_root[PATH_MAX];

/* buf = <pci_root>/<bdf>/<leaf> */
static const char *
dpath(char *buf, size_t len, const char *bdf, const char *leaf)
{
	str_copy(buf, len, pci_root);
	str_append(buf, len, "/", bdf);
	str_append(buf, len, "/", leaf);
	return buf;
}

static int unreadable; /* devices whose capabilities could not be read */

/* Read a config space file and parse it; @return the bytes read (0: unreadable). */
static size_t
read_caps(const char *path, struct pci_caps *caps)
{
	uint8_t cfg[4096];
	FILE *f = fopen(path, "rb");

	caps->cfg_len = 0;
	if (f != NULL) {
		caps->cfg_len = fread(cfg, 1, sizeof(cfg), f);
		fclose(f);
	}
	if (caps->cfg_len > 256)
		parse_ext_caps(cfg, caps);
	return caps->cfg_len;
}

/* The sysfs links and directories beside config: IOMMU, PF, VFIO cdev. */
static void
read_links(const char *bdf, struct pci_dev_info *info)
{
	char path[PATH_MAX];
	struct dirent *de;
	DIR *d;

	dpath(path, sizeof(path), bdf, "iommu");
	link_base(path, info->iommu, sizeof(info->iommu));
	dpath(path, sizeof(path), bdf, "physfn");
	if (link_base(path, info->pf, sizeof(info->pf)) == 0) {
		struct pci_caps pf = { .pasid_bits = -1 };

		info->vf = true;
		dpath(path, sizeof(path), bdf, "physfn/config");
		info->pf_known = read_caps(path, &pf) > 64;
		info->pf_pri = pf.pri;
		info->pf_pasid = pf.pasid_bits >= 0;
		info->pf_pri_pasid_req = pf.pri_pasid_req;
	}
	dpath(path, sizeof(path), bdf, "vfio-dev");
	d = opendir(path);
	if (d != NULL) {
		while ((de = readdir(d)) != NULL)
			if (strncmp(de->d_name, "vfio", 4) == 0)
				info->vfio_cdev = true;
		closedir(d);
	}
}

static void
check_one(const char *bdf, struct pci_dev_info *info)
{
	char path[PATH_MAX], ids[64], vendor[16] = "?", device[16] = "?", class[16] = "?";
	char drv[192] = "none", node[16] = "-", what[160] = "", unit[80];
	struct pci_caps caps = { .pasid_bits = -1 };

	dpath(path, sizeof(path), bdf, "vendor");
	read_text(path, vendor, sizeof(vendor));
	dpath(path, sizeof(path), bdf, "device");
	read_text(path, device, sizeof(device));
	dpath(path, sizeof(path), bdf, "class");
	read_text(path, class, sizeof(class));
	dpath(path, sizeof(path), bdf, "numa_node");
	if (read_text(path, node, sizeof(node)) != 0 || strcmp(node, "-1") == 0)
		snprintf(node, sizeof(node), "-");
	dpath(path, sizeof(path), bdf, "driver");
	if (link_base(path, drv, sizeof(drv)) != 0 || drv[0] == '\0')
		str_copy(drv, sizeof(drv), "none");
	snprintf(ids, sizeof(ids), "%s:%s class %s", vendor + (vendor[1] == 'x' ? 2 : 0),
		device + (device[1] == 'x' ? 2 : 0), class + (class[1] == 'x' ? 2 : 0));

	dpath(path, sizeof(path), bdf, "config");
	read_caps(path, &caps);

	str_copy(info->bdf, sizeof(info->bdf), bdf);
	str_copy(info->ids, sizeof(info->ids), ids);
	str_copy(info->drv, sizeof(info->drv), drv);
	info->cfg_known = caps.cfg_len > 64; /* 256 bytes as root: no extended capabilities */
	info->pasid = caps.pasid_bits >= 0;
	info->pri = caps.pri;
	info->ats = caps.ats;
	info->pri_pasid_req = caps.pri_pasid_req;
	read_links(bdf, info);
	snprintf(unit, sizeof(unit), ", IOMMU %s", info->iommu[0] ? info->iommu : "none");
	str_append(drv, sizeof(drv), NULL, ", NUMA node ");
	str_append(drv, sizeof(drv), NULL, node);
	str_append(drv, sizeof(drv), NULL, unit);

	if (caps.cfg_len <= 64)
		snprintf(what, sizeof(what), " (config space not readable past 64 bytes: run as "
			"root for the capabilities)");
	else if (caps.cfg_len <= 256)
		snprintf(what, sizeof(what), " (config space %zu bytes: no PCIe extended "
			"capabilities)", caps.cfg_len);

	if (caps.pasid_bits >= 0 && caps.pri) {
		doc.sva_endpoints++;
		report(V_OK, "pci", NULL, "%s [%s] driver %s: PASID %d bits%s%s, PRI "
			"(%u outstanding requests)%s, ATS %s: an SVA endpoint", bdf, ids, drv,
			caps.pasid_bits, caps.pasid_exec ? " +exec" : "", caps.pasid_priv ? " +priv" : "",
			caps.pri_capacity, caps.pri_pasid_req ? " +PASID-in-response" : "",
			caps.ats ? "yes" : "no");
		return;
	}
	if (caps.cfg_len <= 64) {
		unreadable++;
		report(V_INFO, "pci", NULL, "%s [%s] driver %s: PASID ?, PRI ?, ATS ?%s",
			bdf, ids, drv, what);
		return;
	}
	report(V_INFO, "pci", NULL, "%s [%s] driver %s: PASID %s, PRI %s%s, ATS %s%s%s%s",
		bdf, ids, drv, caps.pasid_bits >= 0 ? "yes" : "no", caps.pri ? "yes" : "no",
		caps.pri && caps.pri_pasid_req ? " +PASID-in-response" : "",
		caps.ats ? "yes" : "no", what, info->vf ? ", SR-IOV VF of " : "",
		info->vf ? info->pf : "");
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

void
check_pci(void)
{
	char *names[1024];
	int n = 0;
	struct dirent *de;
	const char *env = getenv("SVA_DOCTOR_PCI_ROOT");
	DIR *d;

	/* A fake tree for doctor_smoke's parser check; <root>/sys/bus/pci/devices otherwise. */
	if (env != NULL && env[0] != '\0')
		str_copy(pci_root, sizeof(pci_root), env);
	else
		rpath(pci_root, sizeof(pci_root), "/sys/bus/pci/devices");
	d = opendir(pci_root);

	if (d == NULL) {
		report(V_INFO, "pci", NULL, "no %s: no PCI bus here", pci_root);
		doc.sva_endpoints = 0;
		return;
	}
	while ((de = readdir(d)) != NULL && n < 1024)
		if (de->d_name[0] != '.' && (names[n] = strdup(de->d_name)) != NULL)
			n++;
	closedir(d);
	qsort(names, (size_t)n, sizeof(names[0]), cmp_str);
	doc.pci = calloc(n > 0 ? (size_t)n : 1, sizeof(doc.pci[0]));
	for (int i = 0; i < n; i++) {
		if (doc.pci != NULL)
			check_one(names[i], &doc.pci[doc.npci++]);
		free(names[i]);
	}
	if (n == 0)
		report(V_INFO, "pci", NULL, "no PCI devices under %s", pci_root);
	if (doc.sva_endpoints == 0)
		report(V_WARN, "SVA endpoints", "real hardware needs a PCIe device with the PASID and "
			"PRI capabilities (and ATS); the emu default brings a software one",
			"none of %d PCI device(s) has both PASID and PRI%s", n, unreadable ?
			" (as far as this user can read config space: run as root)" : "");
	else
		report(V_OK, "SVA endpoints", NULL, "%d PCI device(s) with PASID and PRI",
			doc.sva_endpoints);
}
