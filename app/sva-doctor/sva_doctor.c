/* SPDX-License-Identifier: BSD-3-Clause */
/* sva-doctor: kernel, iommufd, VFIO and IOMMU checks, the summary and main(). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "doctor.h"

struct doctor doc;

static const char *const tags[] = { "[ OK ]", "[WARN]", "[FAIL]", "[INFO]" };

void
report(enum verdict v, const char *check, const char *fix, const char *fmt, ...)
{
	va_list ap;

	printf("%s %s: ", tags[v], check);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	if ((v == V_WARN || v == V_FAIL) && fix != NULL)
		printf(" \xe2\x80\x94 fix: %s", fix); /* U+2014 em dash */
	printf("\n");
	if (v == V_FAIL)
		doc.fails++;
}

void
str_copy(char *dst, size_t len, const char *src)
{
	size_t n = strlen(src);

	if (len == 0)
		return;
	if (n >= len)
		n = len - 1;
	memcpy(dst, src, n);
	dst[n] = '\0';
}

void
str_append(char *dst, size_t len, const char *sep, const char *src)
{
	size_t l = strlen(dst);

	if (l + 1 >= len)
		return;
	if (l > 0 && sep != NULL) {
		str_copy(dst + l, len - l, sep);
		l = strlen(dst);
	}
	str_copy(dst + l, len - l, src);
}

int
read_text(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "r");
	size_t n;

	if (f == NULL)
		return -errno;
	n = fread(buf, 1, len - 1, f);
	fclose(f);
	buf[n] = '\0';
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == ' '))
		buf[--n] = '\0';
	return 0;
}

/* ---- kernel config: /proc/config.gz or /boot/config-<release>, read once ---- */

static char *kcfg;
static bool kcfg_tried;

static void
kconfig_load(void)
{
	struct utsname u;
	char cmd[512];
	size_t cap = 1 << 20, len = 0, n;
	FILE *f;

	kcfg_tried = true;
	if (uname(&u) != 0)
		return;
	if (access("/proc/config.gz", R_OK) == 0)
		snprintf(cmd, sizeof(cmd), "gzip -dc /proc/config.gz 2>/dev/null");
	else
		snprintf(cmd, sizeof(cmd), "cat '/boot/config-%s' 2>/dev/null", u.release);
	f = popen(cmd, "r");
	if (f == NULL)
		return;
	kcfg = malloc(cap);
	if (kcfg != NULL) {
		while (len + 1 < cap && (n = fread(kcfg + len, 1, cap - 1 - len, f)) > 0)
			len += n;
		kcfg[len] = '\0';
	}
	if (pclose(f) != 0 || len == 0) {
		free(kcfg);
		kcfg = NULL;
	}
}

const char *
kconfig(const char *name)
{
	char key[128];
	const char *p;

	if (!kcfg_tried)
		kconfig_load();
	if (kcfg == NULL)
		return NULL;
	snprintf(key, sizeof(key), "\nCONFIG_%s=", name);
	p = strstr(kcfg, key);
	if (p != NULL)
		return p[strlen(key)] == 'm' ? "m" : "y";
	snprintf(key, sizeof(key), "\n# CONFIG_%s is not set", name);
	if (strstr(kcfg, key) != NULL)
		return "n";
	return "n"; /* absent from a full config: not available on this architecture/kernel */
}

/* ---- kernel version and its iommufd features ---- */

static const struct {
	int major, minor;
	const char *what;
} kfeatures[] = {
	{ 6, 2, "iommufd" },
	{ 6, 6, "VFIO device cdev and HWPT/hw-info ioctls" },
	{ 6, 11, "fault queue (nested page tables)" },
	{ 6, 13, "fault queue on IOAS page tables" },
	{ 6, 15, "PASID attach through VFIO" },
};

static bool
kernel_at_least(int major, int minor)
{
	return doc.kmajor > major || (doc.kmajor == major && doc.kminor >= minor);
}

static void
check_kernel(void)
{
	char have[512] = "", lack[512] = "";
	struct utsname u;

	if (uname(&u) != 0 || sscanf(u.release, "%d.%d", &doc.kmajor, &doc.kminor) != 2) {
		report(V_WARN, "kernel", "check uname -r", "version unknown");
		return;
	}
	for (size_t i = 0; i < sizeof(kfeatures) / sizeof(kfeatures[0]); i++) {
		char *dst = kernel_at_least(kfeatures[i].major, kfeatures[i].minor) ? have : lack;
		size_t l = strlen(dst);

		snprintf(dst + l, 512 - l, "%s%s (%d.%d)", l ? ", " : "", kfeatures[i].what,
			kfeatures[i].major, kfeatures[i].minor);
	}
	doc.kernel_faults = kernel_at_least(6, 13);
	if (lack[0] == '\0')
		report(V_OK, "kernel", NULL, "Linux %s has every iommufd feature svapoll uses: %s",
			u.release, have);
	else
		report(V_WARN, "kernel", "Linux 6.13 or later for the iommufd fault queue on an "
			"IOAS, 6.15 for PASIDs (real hardware only; the emu default runs on this kernel)",
			"Linux %s has %s; lacks %s", u.release, have[0] ? have : "no iommufd", lack);
}

static void
check_kconfig(void)
{
	static const char *const opts[] = { "IOMMUFD", "VFIO", "VFIO_PCI", "VFIO_DEVICE_CDEV",
		"IOMMU_IOPF", "PCI_PASID", "PCI_PRI", "PCI_ATS" };
	char set[512] = "", unset[512] = "";

	if (kconfig("USERFAULTFD") == NULL) {
		report(V_INFO, "kernel config", NULL, "not readable (/proc/config.gz or "
			"/boot/config-<release>): built-in options unknown");
		return;
	}
	for (size_t i = 0; i < sizeof(opts) / sizeof(opts[0]); i++) {
		const char *v = kconfig(opts[i]);
		char *dst = strcmp(v, "n") == 0 ? unset : set;
		size_t l = strlen(dst);

		snprintf(dst + l, 512 - l, "%sCONFIG_%s%s%s", l ? ", " : "", opts[i],
			strcmp(v, "n") == 0 ? "" : "=", strcmp(v, "n") == 0 ? "" : v);
	}
	if (unset[0] == '\0')
		report(V_OK, "kernel config", NULL, "%s", set);
	else
		report(V_WARN, "kernel config", "real hardware needs a kernel built with them "
			"(=y or =m; CONFIG_IOMMU_IOPF comes with an IOMMU driver that supports faults); "
			"the emu default does not", "not set: %s%s%s", unset, set[0] ? "; set: " : "",
			set);
}

static void
check_dev_iommu(void)
{
	const char *cfg = kconfig("IOMMUFD");
	char fix[512];
	int fd;

	if (access("/dev/iommu", F_OK) != 0) {
		snprintf(fix, sizeof(fix), "kernel built without CONFIG_IOMMUFD or module not "
			"loaded%s", cfg == NULL ? " (try 'modprobe iommufd')" :
			strcmp(cfg, "m") == 0 ? ": modprobe iommufd" :
			strcmp(cfg, "n") == 0 ? ": this kernel has CONFIG_IOMMUFD not set, rebuild "
			"with CONFIG_IOMMUFD=y" : " (it is built in here: check dmesg)");
		report(V_WARN, "/dev/iommu", fix, "absent: real hardware (the iommufd driver) "
			"cannot be used; the emu default is unaffected");
		return;
	}
	fd = open("/dev/iommu", O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		report(V_WARN, "/dev/iommu", "run as root or give this user read-write access to "
			"/dev/iommu", "present but cannot be opened: %s", strerror(errno));
		return;
	}
	close(fd);
	doc.dev_iommu = true;
	report(V_OK, "/dev/iommu", NULL, "present and opens read-write");
}

static void
link_base(const char *link, char *out, size_t len)
{
	char target[PATH_MAX];
	ssize_t n = readlink(link, target, sizeof(target) - 1);

	if (n <= 0) {
		snprintf(out, len, "-");
		return;
	}
	target[n] = '\0';
	str_copy(out, len, strrchr(target, '/') != NULL ? strrchr(target, '/') + 1 : target);
}

static void
check_vfio(void)
{
	const char *fix = "bind a device to vfio-pci: echo vfio-pci > "
		"/sys/bus/pci/devices/<bdf>/driver_override; echo <bdf> > "
		"/sys/bus/pci/drivers_probe (kernel with CONFIG_VFIO_DEVICE_CDEV)";
	struct dirent *de;
	DIR *d = opendir("/dev/vfio/devices");

	if (d != NULL) {
		while ((de = readdir(d)) != NULL) {
			char link[PATH_MAX], bdf[64], drv[64];

			if (strncmp(de->d_name, "vfio", 4) != 0)
				continue;
			snprintf(link, sizeof(link), "/sys/class/vfio-dev/%s/device", de->d_name);
			link_base(link, bdf, sizeof(bdf));
			snprintf(link, sizeof(link), "/sys/class/vfio-dev/%s/device/driver", de->d_name);
			link_base(link, drv, sizeof(drv));
			report(V_OK, "VFIO cdev", NULL, "/dev/vfio/devices/%s -> %s (driver %s)",
				de->d_name, bdf, drv);
			doc.vfio_cdevs++;
		}
		closedir(d);
	}
	if (doc.vfio_cdevs == 0)
		report(V_WARN, "VFIO cdevs", fix, "none in /dev/vfio/devices%s",
			access("/dev/vfio/vfio", F_OK) == 0 ? " (the legacy /dev/vfio/vfio container "
			"is there: svapoll needs the device cdev)" : "");
}

static void
check_iommu_groups(void)
{
	char units[256] = "";
	struct dirent *de;
	DIR *d = opendir("/sys/kernel/iommu_groups");

	if (d != NULL) {
		while ((de = readdir(d)) != NULL)
			if (de->d_name[0] != '.')
				doc.iommu_groups++;
		closedir(d);
	}
	d = opendir("/sys/class/iommu");
	if (d != NULL) {
		while ((de = readdir(d)) != NULL)
			if (de->d_name[0] != '.')
				str_append(units, sizeof(units), ", ", de->d_name);
		closedir(d);
	}
	if (doc.iommu_groups == 0)
		report(V_WARN, "IOMMU groups", "enable VT-d / AMD-Vi / SMMU in the firmware and boot "
			"with intel_iommu=on (AMD: on by default; Arm: SMMU described by firmware)",
			"none: no IOMMU is enabled%s%s", units[0] ? " (units: " : "",
			units[0] ? units : "");
	else
		report(V_OK, "IOMMU groups", NULL, "%d group(s); IOMMU units: %s", doc.iommu_groups,
			units[0] ? units : "-");
}

static void
summary(void)
{
	bool emu = doc.populate && doc.pagemap;
	char why[512] = "";
	size_t l;

#define WHY(cond, text) do { \
	if (cond) { \
		l = strlen(why); \
		snprintf(why + l, sizeof(why) - l, "%s%s", l ? ", " : "", text); \
	} \
} while (0)
	WHY(!doc.kernel_faults, "kernel older than 6.13");
	WHY(!doc.dev_iommu, "no /dev/iommu");
	WHY(doc.vfio_cdevs == 0, "no VFIO cdev");
	WHY(doc.iommu_groups == 0, "no IOMMU");
	WHY(doc.sva_endpoints == 0, "no PCI device with PASID and PRI");
#undef WHY
	if (why[0] == '\0')
		report(V_OK, "summary", NULL, "the emu default can run here: %s; real hardware "
			"(iommufd): ready to try", emu ? "yes" : "no");
	else
		report(V_INFO, "summary", NULL, "the emu default can run here: %s; real hardware "
			"(iommufd): absent (%s)", emu ? "yes" : "no", why);
}

static void
usage(void)
{
	printf("usage: sva-doctor\n\n"
		"Checks this machine for svapoll, one line per check with a verdict:\n"
		"  [ OK ] fine   [WARN] real hardware (iommufd) cannot be used, with a fix\n"
		"  [FAIL] the emu default cannot run, with a fix   [INFO] for reference\n"
		"Exit status 0 when the emu default (software IOMMU) can run here.\n"
		"Run as root for complete PCI config space and device access findings.\n"
		"SVA_DOCTOR_PCI_ROOT=<dir> reads PCI devices from <dir> instead of\n"
		"/sys/bus/pci/devices (for tests).\n");
}

int
main(int argc, char **argv)
{
	if (argc > 1) {
		usage();
		return strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0 ? 0 : 2;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	check_kernel();
	check_kconfig();
	check_dev_iommu();
	check_vfio();
	check_pci();
	check_iommu_groups();
	check_hugepages();
	check_numa();
	check_populate();
	check_pagemap();
	check_userfaultfd();
	check_pagemap_scan();
	summary();
	free(kcfg);
	return doc.populate && doc.pagemap ? 0 : 1;
}
