/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * IOMMU units and the per-IOMMU Linux rules that decide whether svapoll's iommufd backend
 * gets I/O page faults for a device, or only pinned mode (bonds mapped up front, IOAS_MAP
 * at IOVA == VA), or nothing.
 *
 * Units come from /sys/class/iommu/<name> (a PCI device's "iommu" link points there):
 *   dmar*                    Intel VT-d: intel-iommu/{cap,ecap}, "%llx" (intel/iommu.c)
 *   ivhd*                    AMD-Vi: amd-iommu/{cap,features}, features "efr:efr2" in hex
 *                            (amd/init.c)
 *   smmu3.<phys addr>        Arm SMMUv3 (arm-smmu-v3.c), no attributes
 *   iommufd_selftest_iommu.* the iommufd selftest mock (CONFIG_IOMMUFD_TEST): INFO only
 *
 * The rules, as the Linux 7.3 sources have them:
 * - VT-d (intel/iommu.c): a device gets pri_supported only with ATS (ecap DT and the PCI
 *   ATS capability), scalable mode, ecap PRS and PDS and the PCI PRI capability; PRI is
 *   enabled only if, with PASID enabled, the device's PRI status has "PRG Response PASID
 *   Required"; a fault-capable domain on a device without PRI enabled fails to attach
 *   with ENODEV (intel_iommu_enable_iopf). Requests without PASID need 6.13+.
 * - AMD (amd/iommu.c, ppr.c): PRI and the fault queue only on v2 (PASID) page tables,
 *   which need EFR GTSup, GIoSup, PPRSup, EPHSup; iommufd gets v2 with
 *   IOMMU_HWPT_ALLOC_PASID (6.15) or amd_iommu=pgtbl_v2; v1 is the default and its
 *   attach succeeds with no fault ever delivered.
 * - SMMUv3: no PCI PRI in Linux (7.3: attach succeeds, every page request is denied;
 *   6.13-6.15: attach fails with EINVAL); stall-capable platform devices only.
 * - SR-IOV VFs (iommufd/device.c): a fault-capable page table on a VF whose PF has PRI
 *   is refused with EINVAL (PRI is shared with the PF).
 */
#include <dirent.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "doctor.h"

/*
 * VT-d Extended Capability Register (Intel VT-d spec rev 4.1, 11.4.3 ECAP_REG), the bit
 * numbers the kernel uses in drivers/iommu/intel/iommu.h (ecap_dev_iotlb_support,
 * ecap_prs, ecap_pss, ecap_pasid, ecap_pds, ecap_smts).
 */
#define VTD_ECAP_DT(e)   (((e) >> 2) & 1)     /* Device-TLB: ATS */
#define VTD_ECAP_PRS(e)  (((e) >> 29) & 1)    /* Page Request Support */
#define VTD_ECAP_PSS(e)  (((e) >> 35) & 0x1f) /* PASID Size Supported: PSS + 1 bits */
#define VTD_ECAP_PASID(e) (((e) >> 40) & 1)   /* PASID Support */
#define VTD_ECAP_PDS(e)  (((e) >> 42) & 1)    /* Page-request Drain Support */
#define VTD_ECAP_SMTS(e) (((e) >> 43) & 1)    /* Scalable Mode Translation Support */

/*
 * AMD IOMMU Extended Feature Register (AMD I/O Virtualization Technology spec 48882,
 * MMIO offset 0x30), the bits of drivers/iommu/amd/amd_iommu_types.h FEATURE_*.
 */
#define AMD_EFR_PPR(f)    (((f) >> 1) & 1)     /* PPRSup: peripheral page requests */
#define AMD_EFR_GT(f)     (((f) >> 4) & 1)     /* GTSup: guest (v2) translation */
#define AMD_EFR_PASMAX(f) (((f) >> 32) & 0x1f) /* PASmax: PASID bits - 1 */
#define AMD_EFR_GIOSUP(f) (((f) >> 48) & 1)    /* GIoSup: guest I/O protection */
#define AMD_EFR_EPHSUP(f) (((f) >> 50) & 1)    /* EPHSup: enhanced PPR handling */

enum iommu_kind { K_VTD, K_AMD, K_SMMUV3, K_MOCK, K_OTHER };

static const char *const kind_names[] = {
	[K_VTD] = "Intel VT-d", [K_AMD] = "AMD-Vi", [K_SMMUV3] = "Arm SMMUv3",
	[K_MOCK] = "iommufd selftest mock", [K_OTHER] = "unknown IOMMU driver",
};

struct unit {
	char name[64];
	enum iommu_kind kind;
	bool regs;               /* cap/ecap (VT-d) or features (AMD) read */
	uint64_t cap, ecap;      /* VT-d */
	uint64_t efr, efr2;      /* AMD */
	bool sm, sm_known;       /* VT-d: scalable mode in use (hardware SMTS and kernel) */
	char sm_how[96];         /* what decided the kernel's side */
	bool v2_default;         /* AMD: amd_iommu=pgtbl_v2 */
};

static struct unit units[64];
static int nunits;

static bool
is_dir(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

/* intel_iommu= / amd_iommu= option lists: is tok among the comma-separated words? */
static bool
opt_has(const char *list, const char *tok)
{
	size_t l = strlen(tok);

	for (const char *p = list; p != NULL && *p; p = strchr(p, ',') ? strchr(p, ',') + 1 : NULL)
		if (strncmp(p, tok, l) == 0 && (p[l] == ',' || p[l] == '\0'))
			return true;
	return false;
}

/* The last of sm_on / sm_off in intel_iommu=, as the kernel's parser ends up with. */
static int
cmdline_sm(void)
{
	char v[512];
	int sm = -1;

	if (kcmdline("intel_iommu", v, sizeof(v)) == NULL)
		return -1;
	for (char *p = v; p != NULL && *p; p = strchr(p, ',') ? strchr(p, ',') + 1 : NULL) {
		if (strncmp(p, "sm_on", 5) == 0)
			sm = 1;
		else if (strncmp(p, "sm_off", 6) == 0)
			sm = 0;
	}
	return sm;
}

static void
unit_read(struct unit *u)
{
	char path[PATH_MAX], buf[128];

	if (is_dir(rpath(path, sizeof(path), "/sys/class/iommu/%s/intel-iommu", u->name)) ||
			strncmp(u->name, "dmar", 4) == 0)
		u->kind = K_VTD;
	else if (is_dir(rpath(path, sizeof(path), "/sys/class/iommu/%s/amd-iommu", u->name)) ||
			strncmp(u->name, "ivhd", 4) == 0 || strncmp(u->name, "AMD-Vi", 6) == 0)
		u->kind = K_AMD;
	else if (strncmp(u->name, "smmu3.", 6) == 0 || strstr(u->name, "arm-smmu-v3") != NULL)
		u->kind = K_SMMUV3;
	else if (strncmp(u->name, "iommufd_selftest_iommu", 22) == 0)
		u->kind = K_MOCK;
	else
		u->kind = K_OTHER;

	if (u->kind == K_VTD) {
		char c[64], e[64];

		u->regs = read_text(rpath(path, sizeof(path), "/sys/class/iommu/%s/intel-iommu/cap",
				u->name), c, sizeof(c)) == 0 &&
			read_text(rpath(path, sizeof(path), "/sys/class/iommu/%s/intel-iommu/ecap",
				u->name), e, sizeof(e)) == 0 &&
			sscanf(c, "%" SCNx64, &u->cap) == 1 && sscanf(e, "%" SCNx64, &u->ecap) == 1;
		if (u->regs) {
			int cl = cmdline_sm();
			const char *def = kconfig("INTEL_IOMMU_SCALABLE_MODE_DEFAULT_ON");

			u->sm_known = true;
			if (!VTD_ECAP_SMTS(u->ecap)) {
				u->sm = false;
				str_copy(u->sm_how, sizeof(u->sm_how), "the hardware has none");
			} else if (cl >= 0) {
				u->sm = cl == 1;
				str_copy(u->sm_how, sizeof(u->sm_how), cl ? "intel_iommu=sm_on" :
					"intel_iommu=sm_off");
			} else if (def != NULL) {
				u->sm = strcmp(def, "y") == 0;
				str_copy(u->sm_how, sizeof(u->sm_how), u->sm ?
					"CONFIG_INTEL_IOMMU_SCALABLE_MODE_DEFAULT_ON=y" :
					"kernel default off: no intel_iommu=sm_on");
			} else {
				/* kernel default unknown: assumed on, and said so */
				u->sm = true;
				u->sm_known = false;
				str_copy(u->sm_how, sizeof(u->sm_how), "kernel default unknown, "
					"assumed on");
			}
		}
	} else if (u->kind == K_AMD) {
		char v[512];

		u->regs = read_text(rpath(path, sizeof(path), "/sys/class/iommu/%s/amd-iommu/features",
				u->name), buf, sizeof(buf)) == 0 &&
			sscanf(buf, "%" SCNx64 ":%" SCNx64, &u->efr, &u->efr2) >= 1;
		u->v2_default = kcmdline("amd_iommu", v, sizeof(v)) != NULL && opt_has(v, "pgtbl_v2");
	}
}

static struct unit *
unit_get(const char *name)
{
	for (int i = 0; i < nunits; i++)
		if (strcmp(units[i].name, name) == 0)
			return &units[i];
	if (nunits == (int)(sizeof(units) / sizeof(units[0])))
		return NULL;
	str_copy(units[nunits].name, sizeof(units[0].name), name);
	unit_read(&units[nunits]);
	return &units[nunits++];
}

/* VT-d: can the unit deliver page requests at all (scalable mode, PRS, PDS, DT)? */
static bool
vtd_unit_faults(const struct unit *u)
{
	return u->regs && u->sm && VTD_ECAP_PRS(u->ecap) && VTD_ECAP_PDS(u->ecap) &&
		VTD_ECAP_DT(u->ecap);
}

static bool
amd_unit_faults(const struct unit *u)
{
	return u->regs && AMD_EFR_GT(u->efr) && AMD_EFR_GIOSUP(u->efr) && AMD_EFR_PPR(u->efr) &&
		AMD_EFR_EPHSUP(u->efr);
}

static void
unit_line(struct unit *u)
{
	const char *k = kind_names[u->kind];
	char pss[32];

	switch (u->kind) {
	case K_VTD:
		/* PSS (bits 39:35) is the PASID width minus one */
		snprintf(pss, sizeof(pss), ", PSS %u bits", (unsigned)VTD_ECAP_PSS(u->ecap) + 1);
		if (!u->regs) {
			report(V_INFO, "IOMMU unit", NULL, "%s (%s): intel-iommu/cap and ecap not "
				"readable: its fault support is unknown", u->name, k);
			return;
		}
		report(vtd_unit_faults(u) ? V_OK : V_INFO, "IOMMU unit", NULL, "%s (%s): scalable "
			"mode %s (ecap SMTS bit 43 %s; %s), PASID %s (ecap PASID bit 40 %s%s), "
			"page requests %s (ecap PRS bit 29 %s, PDS bit 42 %s), device TLB/ATS %s "
			"(ecap DT bit 2); cap %" PRIx64 ", ecap %" PRIx64 ": %s", u->name, k,
			u->sm ? "yes" : "no", VTD_ECAP_SMTS(u->ecap) ? "set" : "clear", u->sm_how,
			VTD_ECAP_PASID(u->ecap) ? "yes" : "no", VTD_ECAP_PASID(u->ecap) ? "set" : "clear",
			VTD_ECAP_PASID(u->ecap) ? pss : "",
			VTD_ECAP_PRS(u->ecap) && VTD_ECAP_PDS(u->ecap) ? "yes" : "no",
			VTD_ECAP_PRS(u->ecap) ? "set" : "clear", VTD_ECAP_PDS(u->ecap) ? "set" : "clear",
			VTD_ECAP_DT(u->ecap) ? "yes" : "no", u->cap, u->ecap, vtd_unit_faults(u) ?
			"can deliver I/O page faults" : "cannot deliver I/O page faults");
		return;
	case K_AMD:
		if (!u->regs) {
			report(V_INFO, "IOMMU unit", NULL, "%s (%s): amd-iommu/features not readable: "
				"its fault support is unknown", u->name, k);
			return;
		}
		report(amd_unit_faults(u) ? V_OK : V_INFO, "IOMMU unit", NULL, "%s (%s): v2 (PASID) "
			"page tables %s (EFR GTSup bit 4, GIoSup bit 48), PASID %u bits (EFR PASmax), "
			"PPR %s (EFR PPRSup bit 1, EPHSup bit 50), default page table %s; EFR %" PRIx64
			": %s", u->name, k, AMD_EFR_GT(u->efr) && AMD_EFR_GIOSUP(u->efr) ? "yes" : "no",
			(unsigned)AMD_EFR_PASMAX(u->efr) + 1,
			AMD_EFR_PPR(u->efr) && AMD_EFR_EPHSUP(u->efr) ? "yes" : "no",
			u->v2_default ? "v2 (amd_iommu=pgtbl_v2)" : "v1", u->efr, amd_unit_faults(u) ?
			"can deliver I/O page faults on PASID (v2) page tables only" :
			"cannot deliver I/O page faults");
		return;
	case K_SMMUV3:
		report(V_INFO, "IOMMU unit", NULL, "%s (%s): Linux has no PCI PRI for SMMUv3: I/O "
			"page faults only for stall-capable platform devices", u->name, k);
		return;
	case K_MOCK:
		report(V_INFO, "IOMMU unit", NULL, "%s (%s, CONFIG_IOMMUFD_TEST): a kernel test "
			"double (svapoll's VM tier raises page requests through it), not hardware",
			u->name, k);
		return;
	case K_OTHER:
		report(V_INFO, "IOMMU unit", NULL, "%s (%s): sva-doctor knows no fault rules for it",
			u->name, k);
		return;
	}
}

static int
cmp_unit(const void *a, const void *b)
{
	return strcmp(((const struct unit *)a)->name, ((const struct unit *)b)->name);
}

void
check_iommu_units(void)
{
	char path[PATH_MAX];
	struct dirent *de;
	DIR *d = opendir(rpath(path, sizeof(path), "/sys/class/iommu"));

	if (d == NULL)
		return;
	while ((de = readdir(d)) != NULL)
		if (de->d_name[0] != '.')
			unit_get(de->d_name);
	closedir(d);
	qsort(units, (size_t)nunits, sizeof(units[0]), cmp_unit);
	for (int i = 0; i < nunits; i++)
		unit_line(&units[i]);
}

/* ---- per-device rules ---- */

static const char *const verdict_names[] = {
	[IFD_USABLE] = "usable", [IFD_PINNED_ONLY] = "pinned-only", [IFD_UNUSABLE] = "unusable",
};

#define PINNED_FIX "pinned mode (pri=off): svapoll maps each bond up front (IOAS_MAP at " \
	"IOVA == VA)"

/*
 * The fault rules for one device: fills miss (what keeps faults away, comma-separated,
 * empty when faults work), rule (the kernel rule in words), alt (the fix besides pinned
 * mode) and ok (what makes faults work). @return true when faults reach svapoll.
 */
static bool
fault_rules(const struct pci_dev_info *p, const struct unit *u, char *miss, size_t ml,
	char *rule, size_t rl, char *alt, size_t al, char *ok, size_t ol)
{
	bool pri = p->vf ? p->pf_pri : p->pri;
	bool pasid = p->vf ? p->pf_pasid : p->pasid;
	bool pasid_req = p->vf ? p->pf_pri_pasid_req : p->pri_pasid_req;

	miss[0] = rule[0] = alt[0] = ok[0] = '\0';
	if (p->vf) {
		str_append(miss, ml, ", ", "SR-IOV VF");
		if (p->pf_known && !p->pf_pri)
			str_append(miss, ml, ", ", "its PF has no PRI");
		snprintf(rule, rl, "iommufd refuses a fault-capable page table on a VF whose PF has "
			"PRI (EINVAL: PRI is shared with PF %s)", p->pf);
		str_copy(alt, al, "SVA on the PF or a device that is not a VF");
		return false;
	}
	if (!p->cfg_known) {
		str_append(miss, ml, ", ", "device capabilities unknown");
		str_copy(rule, rl, "its config space is not readable past 64 bytes");
		str_copy(alt, al, "run sva-doctor as root to read the capabilities");
		return false;
	}
	switch (u->kind) {
	case K_VTD: {
		bool pasid_on = u->regs && u->sm && VTD_ECAP_PASID(u->ecap) && pasid;

		if (!pri)
			str_append(miss, ml, ", ", "device has no PRI");
		if (!p->ats)
			str_append(miss, ml, ", ", "device has no ATS");
		if (pri && pasid_on && !pasid_req)
			str_append(miss, ml, ", ", "PRI lacks PASID-in-response while PASID is enabled");
		if (!pri || !p->ats)
			str_append(alt, al, "; or ", "a device with ATS and PRI");
		else if (pasid_on && !pasid_req)
			str_append(alt, al, "; or ", "a device whose PRI status has PRG Response PASID "
				"Required");
		if (!u->regs) {
			str_append(miss, ml, ", ", "IOMMU cap/ecap unreadable");
		} else {
			if (!u->sm)
				str_append(miss, ml, ", ", "no scalable mode");
			if (!u->sm && VTD_ECAP_SMTS(u->ecap))
				str_append(alt, al, "; or ", "boot with intel_iommu=on,sm_on");
			if (!VTD_ECAP_PRS(u->ecap))
				str_append(miss, ml, ", ", "IOMMU without PRS");
			if (!VTD_ECAP_PDS(u->ecap))
				str_append(miss, ml, ", ", "IOMMU without PDS");
			if (!VTD_ECAP_DT(u->ecap))
				str_append(miss, ml, ", ", "IOMMU without device TLB");
			if (!VTD_ECAP_SMTS(u->ecap) || !VTD_ECAP_PRS(u->ecap) ||
					!VTD_ECAP_PDS(u->ecap) || !VTD_ECAP_DT(u->ecap))
				str_append(alt, al, "; or ", "a VT-d unit with scalable mode, PRS, PDS "
					"and device TLB");
		}
		str_copy(rule, rl, "VT-d fault-capable domains need scalable mode, ATS and PRI, "
			"and PRG Response PASID Required when PASID is enabled, else attach fails "
			"with ENODEV");
		snprintf(ok, ol, "scalable mode (%s), ATS, PRI%s (ATS also needs the firmware's "
			"DMAR ATSR/SATC to cover the device: not checked)", u->sm_how, pasid_on ?
			", PASID enabled with PASID-in-response" : ", PASID not enabled");
		break;
	}
	case K_AMD:
		if (!pasid)
			str_append(miss, ml, ", ", "device has no PASID");
		if (!pri)
			str_append(miss, ml, ", ", "device has no PRI");
		if (!p->ats)
			str_append(miss, ml, ", ", "device has no ATS");
		if (!pasid || !pri || !p->ats)
			str_append(alt, al, "; or ", "a device with PASID, PRI and ATS");
		if (!u->regs) {
			str_append(miss, ml, ", ", "IOMMU features unreadable");
		} else {
			if (!AMD_EFR_GT(u->efr) || !AMD_EFR_GIOSUP(u->efr))
				str_append(miss, ml, ", ", "IOMMU without v2 page tables");
			if (!AMD_EFR_PPR(u->efr) || !AMD_EFR_EPHSUP(u->efr))
				str_append(miss, ml, ", ", "IOMMU without PPR");
			if (!amd_unit_faults(u))
				str_append(alt, al, "; or ", "an AMD IOMMU with GTSup, GIoSup, PPRSup "
					"and EPHSup");
		}
		if (doc.kmajor > 0 && !kernel_at_least(6, 15) && !u->v2_default) {
			str_append(miss, ml, ", ", "kernel older than 6.15 with v1 page tables by default");
			str_append(alt, al, "; or ", "Linux 6.15 (IOMMU_HWPT_ALLOC_PASID) or "
				"amd_iommu=pgtbl_v2");
		}
		str_copy(rule, rl, "AMD delivers faults only on PASID (v2) page tables; v1 is the "
			"default, so without PASIDs attach succeeds and no fault is ever delivered");
		snprintf(ok, ol, "PASID, PRI and ATS on a v2 (PASID) page table (%s)",
			u->v2_default ? "amd_iommu=pgtbl_v2" : "IOMMU_HWPT_ALLOC_PASID, svapoll's "
			"pasid=auto");
		break;
	case K_SMMUV3:
		str_append(miss, ml, ", ", "SMMUv3 has no PCI PRI in Linux");
		snprintf(rule, rl, "Linux implements no PCI PRI for SMMUv3 (%s)",
			kernel_at_least(7, 3) ? "Linux 7.3: attach succeeds but the kernel denies "
			"every page request" : kernel_at_least(6, 13) && !kernel_at_least(6, 16) ?
			"Linux 6.13-6.15: a fault-capable attach fails with EINVAL" :
			"no PCI page request reaches userspace");
		str_copy(alt, al, "I/O page faults on SMMUv3 only for stall-capable platform "
			"devices");
		break;
	case K_MOCK:
	case K_OTHER:
		snprintf(miss, ml, "no fault rules known for IOMMU %s", u->name);
		str_copy(rule, rl, "sva-doctor cannot tell whether this IOMMU driver delivers "
			"I/O page faults");
		str_copy(alt, al, "try svapoll's iommufd driver with pri=auto and watch its log");
		break;
	}
	if (u->kind == K_VTD || u->kind == K_AMD) {
		/* "n" only from a readable kernel config that lacks them */
		const char *iopf = kconfig("IOMMU_IOPF"), *ppri = kconfig("PCI_PRI");

		if (iopf != NULL && strcmp(iopf, "n") == 0) {
			str_append(miss, ml, ", ", "kernel without CONFIG_IOMMU_IOPF");
			str_append(alt, al, "; or ", "a kernel with CONFIG_IOMMU_IOPF (selected by "
				"CONFIG_INTEL_IOMMU_SVM or CONFIG_AMD_IOMMU)");
		}
		if (ppri != NULL && strcmp(ppri, "n") == 0) {
			str_append(miss, ml, ", ", "kernel without CONFIG_PCI_PRI");
			str_append(alt, al, "; or ", "a kernel with CONFIG_PCI_PRI");
		}
	}
	if (doc.kmajor > 0 && !kernel_at_least(6, 13)) {
		str_append(miss, ml, ", ", "kernel older than 6.13");
		str_append(alt, al, "; or ", "Linux 6.13 or later (fault queue on IOAS page "
			"tables)");
	}
	return miss[0] == '\0';
}

static void
check_device(struct pci_dev_info *p)
{
	char miss[512], rule[320], alt[320], ok[320], fix[768], then[160] = "", infra[256] = "";
	const char *bound;
	struct unit *u;
	bool faults;

	if (p->iommu[0] == '\0') {
		report(V_WARN, "I/O page faults", "enable the IOMMU: VT-d / AMD-Vi / SMMU in the "
			"firmware, intel_iommu=on on the kernel line", "%s [%s]: no IOMMU translates it "
			"(no iommu link in sysfs): iommufd cannot use it", p->bdf, p->ids);
		p->verdict = IFD_UNUSABLE;
		str_copy(p->reason, sizeof(p->reason), "no IOMMU");
		return;
	}
	u = unit_get(p->iommu);
	if (u == NULL) {
		p->verdict = IFD_UNUSABLE;
		str_copy(p->reason, sizeof(p->reason), "more IOMMU units than sva-doctor tracks");
		return;
	}
	faults = fault_rules(p, u, miss, sizeof(miss), rule, sizeof(rule), alt, sizeof(alt), ok,
		sizeof(ok));
	if (faults) {
		report(V_OK, "I/O page faults", NULL, "%s [%s] behind %s (%s): can get faults: %s",
			p->bdf, p->ids, u->name, kind_names[u->kind], ok);
	} else if (u->kind == K_MOCK || u->kind == K_OTHER) {
		report(V_INFO, "I/O page faults", NULL, "%s [%s] behind %s (%s): %s; %s", p->bdf,
			p->ids, u->name, kind_names[u->kind], miss, rule);
	} else {
		snprintf(fix, sizeof(fix), PINNED_FIX "%s%s", alt[0] ? "; or " : "", alt);
		report(V_WARN, "I/O page faults", fix, "%s [%s] behind %s (%s): no faults: %s; %s",
			p->bdf, p->ids, u->name, kind_names[u->kind], miss, rule);
	}

	/* The summary verdict: what the backend can do with it now. */
	p->verdict = faults ? IFD_USABLE : IFD_PINNED_ONLY;
	if (faults)
		snprintf(p->reason, sizeof(p->reason), "I/O page faults through %s on %s",
			u->kind == K_AMD ? "PPR" : "PRI", u->name);
	else
		str_copy(p->reason, sizeof(p->reason), miss);
	snprintf(then, sizeof(then), "then %s", verdict_names[p->verdict]);
	if (!doc.dev_iommu)
		str_append(infra, sizeof(infra), ", ", "no /dev/iommu");
	if (doc.kmajor > 0 && !kernel_at_least(6, 6))
		str_append(infra, sizeof(infra), ", ", "kernel older than 6.6");
	bound = strcmp(p->drv, "vfio-pci") == 0 ? NULL : "not bound to vfio-pci";
	if (bound != NULL)
		str_append(infra, sizeof(infra), ", ", bound);
	else if (!p->vfio_cdev)
		str_append(infra, sizeof(infra), ", ", "no VFIO cdev");
	if (infra[0] != '\0') {
		str_append(infra, sizeof(infra), ", ", then);
		p->verdict = IFD_UNUSABLE;
		str_copy(p->reason, sizeof(p->reason), infra);
	}
}

void
check_faults(void)
{
	int bound = 0;

	for (int i = 0; i < doc.npci; i++)
		if (strcmp(doc.pci[i].drv, "vfio-pci") == 0)
			bound++;
	for (int i = 0; i < doc.npci; i++) {
		struct pci_dev_info *p = &doc.pci[i];

		p->candidate = bound > 0 ? strcmp(p->drv, "vfio-pci") == 0 :
			p->pasid || p->pri || (p->vf && (p->pf_pasid || p->pf_pri));
		if (!p->candidate)
			continue;
		check_device(p);
		doc.ifd[p->verdict]++;
	}
}

void
print_verdicts(void)
{
	int n = 0;

	for (int i = 0; i < doc.npci; i++) {
		const struct pci_dev_info *p = &doc.pci[i];

		if (!p->candidate)
			continue;
		n++;
		if (doc.quiet)
			printf("%s iommufd: %s (%s)\n", p->bdf, verdict_names[p->verdict], p->reason);
		else
			report(V_INFO, "iommufd verdict", NULL, "%s %s (%s)", p->bdf,
				verdict_names[p->verdict], p->reason);
	}
	if (n > 0)
		return;
	if (doc.quiet)
		printf("- iommufd: unusable (no PCI device bound to vfio-pci or with PASID or PRI)\n");
	else
		report(V_INFO, "iommufd verdict", NULL, "- unusable (no PCI device bound to vfio-pci "
			"or with PASID or PRI)");
}
