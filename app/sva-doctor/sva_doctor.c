/* SPDX-License-Identifier: BSD-3-Clause */
/* sva-doctor: kernel, iommufd, VFIO and IOMMU checks, the summary and main(). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
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
char doc_root[PATH_MAX];

static const char *const tags[] = { "[ OK ]", "[WARN]", "[FAIL]", "[INFO]" };

void
report(enum verdict v, const char *check, const char *fix, const char *fmt, ...)
{
	va_list ap;

	if (v == V_FAIL)
		doc.fails++;
	if (doc.quiet)
		return;
	printf("%s %s: ", tags[v], check);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	if ((v == V_WARN || v == V_FAIL) && fix != NULL)
		printf(" \xe2\x80\x94 fix: %s", fix); /* U+2014 em dash */
	printf("\n");
}

const char *
rpath(char *buf, size_t len, const char *fmt, ...)
{
	size_t l;
	va_list ap;

	str_copy(buf, len, doc_root);
	l = strlen(buf);
	va_start(ap, fmt);
	vsnprintf(buf + l, len - l, fmt, ap);
	va_end(ap);
	return buf;
}

int
link_base(const char *link, char *out, size_t len)
{
	char target[PATH_MAX];
	ssize_t n = readlink(link, target, sizeof(target) - 1);

	out[0] = '\0';
	if (n <= 0)
		return -1;
	target[n] = '\0';
	while (n > 1 && target[n - 1] == '/')
		target[--n] = '\0';
	str_copy(out, len, strrchr(target, '/') != NULL ? strrchr(target, '/') + 1 : target);
	return 0;
}

const char *
kcmdline(const char *key, char *buf, size_t len)
{
	char path[PATH_MAX], line[4096], *tok, *save = NULL;
	size_t kl = strlen(key);
	const char *found = NULL;

	if (read_text(rpath(path, sizeof(path), "/proc/cmdline"), line, sizeof(line)) != 0)
		return NULL;
	/* the last occurrence wins, as for the kernel's own __setup parsing of most options */
	for (tok = strtok_r(line, " \t", &save); tok != NULL; tok = strtok_r(NULL, " \t", &save))
		if (strncmp(tok, key, kl) == 0 && tok[kl] == '=') {
			str_copy(buf, len, tok + kl + 1);
			found = buf;
		}
	return found;
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
	char cmd[PATH_MAX + 64], path[PATH_MAX];
	size_t cap = 1 << 20, len = 0, n;
	bool gz = false;
	FILE *f;

	kcfg_tried = true;
	if (access(rpath(path, sizeof(path), "/proc/config.gz"), R_OK) == 0) {
		if (strchr(path, '\'') != NULL)
			return; /* not worth quoting: a --root with a quote has no kernel config */
		snprintf(cmd, sizeof(cmd), "gzip -dc '%s' 2>/dev/null", path);
		f = popen(cmd, "r");
		gz = true;
	} else {
		f = fopen(rpath(path, sizeof(path), "/boot/config-%s", doc.kernel), "r");
	}
	if (f == NULL)
		return;
	kcfg = malloc(cap);
	if (kcfg != NULL) {
		while (len + 1 < cap && (n = fread(kcfg + len, 1, cap - 1 - len, f)) > 0)
			len += n;
		kcfg[len] = '\0';
	}
	if ((gz ? pclose(f) : fclose(f)) != 0 || len == 0) {
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

bool
kernel_at_least(int major, int minor)
{
	return doc.kmajor > major || (doc.kmajor == major && doc.kminor >= minor);
}

static void
check_kernel(void)
{
	char have[512] = "", lack[512] = "", path[PATH_MAX];
	struct utsname u;

	/* <root>/proc/sys/kernel/osrelease is uname -r; a fake tree sets its own */
	if (read_text(rpath(path, sizeof(path), "/proc/sys/kernel/osrelease"), doc.kernel,
			sizeof(doc.kernel)) != 0 || doc.kernel[0] == '\0') {
		if (uname(&u) == 0)
			str_copy(doc.kernel, sizeof(doc.kernel), u.release);
	}
	if (sscanf(doc.kernel, "%d.%d", &doc.kmajor, &doc.kminor) != 2) {
		doc.kmajor = doc.kminor = 0;
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
			doc.kernel, have);
	else
		report(V_WARN, "kernel", "Linux 6.13 or later for the iommufd fault queue on an "
			"IOAS, 6.15 for PASIDs (real hardware only; the emu default runs on this kernel)",
			"Linux %s has %s; lacks %s", doc.kernel, have[0] ? have : "no iommufd", lack);
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
	char fix[512], path[PATH_MAX];
	int fd;

	if (access(rpath(path, sizeof(path), "/dev/iommu"), F_OK) != 0) {
		snprintf(fix, sizeof(fix), "kernel built without CONFIG_IOMMUFD or module not "
			"loaded%s", cfg == NULL ? " (try 'modprobe iommufd')" :
			strcmp(cfg, "m") == 0 ? ": modprobe iommufd" :
			strcmp(cfg, "n") == 0 ? ": this kernel has CONFIG_IOMMUFD not set, rebuild "
			"with CONFIG_IOMMUFD=y" : " (it is built in here: check dmesg)");
		report(V_WARN, "/dev/iommu", fix, "absent: real hardware (the iommufd driver) "
			"cannot be used; the emu default is unaffected");
		return;
	}
	fd = open(path, O_RDWR | O_CLOEXEC);
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
check_vfio(void)
{
	const char *fix = "bind a device to vfio-pci: echo vfio-pci > "
		"/sys/bus/pci/devices/<bdf>/driver_override; echo <bdf> > "
		"/sys/bus/pci/drivers_probe (kernel with CONFIG_VFIO_DEVICE_CDEV)";
	struct dirent *de;
	char path[PATH_MAX];
	DIR *d = opendir(rpath(path, sizeof(path), "/dev/vfio/devices"));

	if (d != NULL) {
		while ((de = readdir(d)) != NULL) {
			char link[PATH_MAX], bdf[64], drv[64];

			if (strncmp(de->d_name, "vfio", 4) != 0)
				continue;
			if (link_base(rpath(link, sizeof(link), "/sys/class/vfio-dev/%s/device",
					de->d_name), bdf, sizeof(bdf)) != 0)
				str_copy(bdf, sizeof(bdf), "-");
			if (link_base(rpath(link, sizeof(link), "/sys/class/vfio-dev/%s/device/driver",
					de->d_name), drv, sizeof(drv)) != 0)
				str_copy(drv, sizeof(drv), "-");
			report(V_OK, "VFIO cdev", NULL, "/dev/vfio/devices/%s -> %s (driver %s)",
				de->d_name, bdf, drv);
			doc.vfio_cdevs++;
		}
		closedir(d);
	}
	if (doc.vfio_cdevs == 0)
		report(V_WARN, "VFIO cdevs", fix, "none in /dev/vfio/devices%s",
			access(rpath(path, sizeof(path), "/dev/vfio/vfio"), F_OK) == 0 ? " (the legacy /dev/vfio/vfio container "
			"is there: svapoll needs the device cdev)" : "");
}

static void
check_iommu_groups(void)
{
	char units[256] = "", path[PATH_MAX];
	struct dirent *de;
	DIR *d = opendir(rpath(path, sizeof(path), "/sys/kernel/iommu_groups"));

	if (d != NULL) {
		while ((de = readdir(d)) != NULL)
			if (de->d_name[0] != '.')
				doc.iommu_groups++;
		closedir(d);
	}
	d = opendir(rpath(path, sizeof(path), "/sys/class/iommu"));
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
	WHY(doc.ifd[IFD_USABLE] + doc.ifd[IFD_PINNED_ONLY] == 0, "no device usable");
#undef WHY
	if (why[0] != '\0')
		report(V_INFO, "summary", NULL, "the emu default can run here: %s; real hardware "
			"(iommufd): absent (%s)", emu ? "yes" : "no", why);
	else if (doc.ifd[IFD_USABLE] == 0)
		report(V_INFO, "summary", NULL, "the emu default can run here: %s; real hardware "
			"(iommufd): pinned mode only (no device can get I/O page faults; %d "
			"pinned-only, %d unusable)", emu ? "yes" : "no", doc.ifd[IFD_PINNED_ONLY],
			doc.ifd[IFD_UNUSABLE]);
	else
		report(V_OK, "summary", NULL, "the emu default can run here: %s; real hardware "
			"(iommufd): ready to try (%d usable with I/O page faults, %d pinned-only, %d "
			"unusable)", emu ? "yes" : "no", doc.ifd[IFD_USABLE], doc.ifd[IFD_PINNED_ONLY],
			doc.ifd[IFD_UNUSABLE]);
}

static void
usage(FILE *out)
{
	fprintf(out, "usage: sva-doctor [--root DIR] [--summary]\n\n"
		"Checks this machine for svapoll, one line per check with a verdict:\n"
		"  [ OK ] fine   [WARN] real hardware (iommufd) cannot be used, with a fix\n"
		"  [FAIL] the emu default cannot run, with a fix   [INFO] for reference\n"
		"Exit status 0 when the emu default (software IOMMU) can run here, 1 when it\n"
		"cannot, 2 on a usage error.\n"
		"Run as root for complete PCI config space and device access findings.\n"
		"\n"
		"For each PCI device bound to vfio-pci (or, when none is, each device with PASID\n"
		"or PRI) it names the IOMMU it sits behind and applies that IOMMU's Linux rules\n"
		"for I/O page faults through iommufd (Intel VT-d, AMD-Vi, Arm SMMUv3, SR-IOV VFs):\n"
		"  [ OK ] I/O page faults: <bdf> [<ids>] behind <iommu> (<kind>): can get faults ...\n"
		"  [WARN] I/O page faults: <bdf> [<ids>] behind <iommu> (<kind>): no faults: <missing>;\n"
		"         <the rule> — fix: pinned mode (pri=off) ...\n"
		"\n"
		"Options:\n"
		"  --root DIR   read the machine from DIR instead of /: DIR/sys, DIR/dev,\n"
		"               DIR/proc (cmdline, config.gz, sys/kernel/osrelease, mounts) and\n"
		"               DIR/boot; also SVA_DOCTOR_ROOT=DIR. For tests on fake trees.\n"
		"               What the doctor probes in its own process (madvise,\n"
		"               /proc/self/pagemap, userfaultfd, PAGEMAP_SCAN) stays real.\n"
		"  --summary    print only the machine-readable verdicts, one line per device\n"
		"               checked as above:\n"
		"                 <bdf> iommufd: usable|pinned-only|unusable (<reason>)\n"
		"               usable: I/O page faults reach svapoll (SVA on demand);\n"
		"               pinned-only: iommufd works but no faults arrive, svapoll's\n"
		"               pinned mode maps bonds up front (IOAS_MAP at IOVA == VA);\n"
		"               unusable: no IOMMU, no /dev/iommu, kernel < 6.6, or not bound to\n"
		"               vfio-pci with a VFIO cdev; its reason then ends 'then usable'\n"
		"               or 'then pinned-only' (what binding it would give).\n"
		"               <reason> is a comma-separated list running to the last ')' of\n"
		"               the line. With no such device, the one line is:\n"
		"  - iommufd: unusable (no PCI device bound to vfio-pci or with PASID or PRI)\n"
		"               The exit status is the same as without --summary.\n"
		"  -h, --help   this text\n"
		"SVA_DOCTOR_PCI_ROOT=<dir> reads PCI devices from <dir> instead of\n"
		"<root>/sys/bus/pci/devices (for tests).\n");
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "root", required_argument, NULL, 'r' },
		{ "summary", no_argument, NULL, 's' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *root = getenv("SVA_DOCTOR_ROOT");
	int c;

	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'r':
			root = optarg;
			break;
		case 's':
			doc.quiet = true;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "sva-doctor: unexpected argument '%s'\n", argv[optind]);
		usage(stderr);
		return 2;
	}
	if (root != NULL && root[0] != '\0') {
		struct stat st;

		if (stat(root, &st) != 0 || !S_ISDIR(st.st_mode)) {
			fprintf(stderr, "sva-doctor: --root %s: not a directory\n", root);
			return 2;
		}
		str_copy(doc_root, sizeof(doc_root), root);
		while (strlen(doc_root) > 1 && doc_root[strlen(doc_root) - 1] == '/')
			doc_root[strlen(doc_root) - 1] = '\0';
		if (strcmp(doc_root, "/") == 0)
			doc_root[0] = '\0';
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	check_kernel();
	check_kconfig();
	check_dev_iommu();
	check_vfio();
	check_pci();
	check_iommu_groups();
	check_iommu_units();
	check_faults();
	check_hugepages();
	check_numa();
	check_populate();
	check_pagemap();
	check_userfaultfd();
	check_pagemap_scan();
	print_verdicts();
	summary();
	free(kcfg);
	return doc.populate && doc.pagemap ? 0 : 1;
}
