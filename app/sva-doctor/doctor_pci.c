/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * PCI devices: PASID, PRI and ATS from the extended capabilities in config space
 * (sysfs config: 4096 bytes for PCIe as root, 256 for conventional PCI, 64 unprivileged).
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

struct pci_caps {
	size_t cfg_len;
	int pasid_bits;     /* -1: no PASID capability */
	bool pasid_exec, pasid_priv;
	bool pri;
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
			caps->pri_capacity = rd32(c, off + 8);
		} else if (id == PCI_EXT_CAP_ATS) {
			caps->ats = true;
		}
		off = (h >> 20) & 0xffc;
	}
}

static const char *pci_root = "/sys/bus/pci/devices";
static int unreadable; /* devices whose capabilities could not be read */

static void
check_one(const char *bdf)
{
	char path[PATH_MAX], ids[64], vendor[16] = "?", device[16] = "?", class[16] = "?";
	char drv[64] = "none", node[16] = "-", what[160] = "";
	struct pci_caps caps = { .pasid_bits = -1 };
	uint8_t cfg[4096];
	FILE *f;
	ssize_t n;

	snprintf(path, sizeof(path), "%s/%s/vendor", pci_root, bdf);
	read_text(path, vendor, sizeof(vendor));
	snprintf(path, sizeof(path), "%s/%s/device", pci_root, bdf);
	read_text(path, device, sizeof(device));
	snprintf(path, sizeof(path), "%s/%s/class", pci_root, bdf);
	read_text(path, class, sizeof(class));
	snprintf(path, sizeof(path), "%s/%s/numa_node", pci_root, bdf);
	if (read_text(path, node, sizeof(node)) != 0 || strcmp(node, "-1") == 0)
		snprintf(node, sizeof(node), "-");
	snprintf(path, sizeof(path), "%s/%s/driver", pci_root, bdf);
	{
		char target[PATH_MAX];

		n = readlink(path, target, sizeof(target) - 1);
		if (n > 0) {
			target[n] = '\0';
			str_copy(drv, sizeof(drv), strrchr(target, '/') + 1);
		}
	}
	snprintf(ids, sizeof(ids), "%s:%s class %s", vendor + (vendor[1] == 'x' ? 2 : 0),
		device + (device[1] == 'x' ? 2 : 0), class + (class[1] == 'x' ? 2 : 0));

	snprintf(path, sizeof(path), "%s/%s/config", pci_root, bdf);
	f = fopen(path, "rb");
	if (f != NULL) {
		caps.cfg_len = fread(cfg, 1, sizeof(cfg), f);
		fclose(f);
	}
	if (caps.cfg_len > 256)
		parse_ext_caps(cfg, &caps);
	if (caps.cfg_len <= 64)
		snprintf(what, sizeof(what), " (config space not readable past 64 bytes: run as "
			"root for the capabilities)");
	else if (caps.cfg_len <= 256)
		snprintf(what, sizeof(what), " (config space %zu bytes: no PCIe extended "
			"capabilities)", caps.cfg_len);

	if (caps.pasid_bits >= 0 && caps.pri) {
		doc.sva_endpoints++;
		report(V_OK, "pci", NULL, "%s [%s] driver %s, NUMA node %s: PASID %d bits%s%s, PRI "
			"(%u outstanding requests), ATS %s: an SVA endpoint", bdf, ids, drv, node,
			caps.pasid_bits, caps.pasid_exec ? " +exec" : "", caps.pasid_priv ? " +priv" : "",
			caps.pri_capacity, caps.ats ? "yes" : "no");
		return;
	}
	if (caps.cfg_len <= 64) {
		unreadable++;
		report(V_INFO, "pci", NULL, "%s [%s] driver %s, NUMA node %s: PASID ?, PRI ?, ATS ?%s",
			bdf, ids, drv, node, what);
		return;
	}
	report(V_INFO, "pci", NULL, "%s [%s] driver %s, NUMA node %s: PASID %s, PRI %s, ATS %s%s",
		bdf, ids, drv, node, caps.pasid_bits >= 0 ? "yes" : "no", caps.pri ? "yes" : "no",
		caps.ats ? "yes" : "no", what);
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

	/* A fake tree for doctor_smoke's parser check; the real one otherwise. */
	if (env != NULL && env[0] != '\0')
		pci_root = env;
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
	for (int i = 0; i < n; i++) {
		check_one(names[i]);
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
