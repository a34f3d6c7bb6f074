/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Memory-side checks: hugepages reserved and mounted, NUMA nodes, and the kernel
 * facilities the emu driver and the benchmarks use (MADV_POPULATE_*, pagemap,
 * userfaultfd, PAGEMAP_SCAN), each tried for real on a small mapping.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/userfaultfd.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "doctor.h"
#include "sva_procfs_uapi.h" /* PAGEMAP_SCAN (Linux 6.7), lib/iommu: headers only */

static void
mounts_of(const char *pagesize, char *out, size_t len)
{
	char line[1024], dev[256], dir[512], type[64], opts[512], path[PATH_MAX];
	FILE *f = fopen(rpath(path, sizeof(path), "/proc/mounts"), "r");

	out[0] = '\0';
	if (f == NULL)
		return;
	while (fgets(line, sizeof(line), f) != NULL) {
		if (sscanf(line, "%255s %511s %63s %511s", dev, dir, type, opts) != 4 ||
				strcmp(type, "hugetlbfs") != 0)
			continue;
		/* pagesize=2M / 1024M; a mount without the option uses the default size (2M) */
		if (strstr(opts, "pagesize=") != NULL ? strstr(opts, pagesize) == NULL :
				strcmp(pagesize, "pagesize=2M") != 0)
			continue;
		str_append(out, len, ", ", dir);
	}
	fclose(f);
}

void
check_hugepages(void)
{
	static const struct { const char *dir, *opt, *name; } sizes[] = {
		{ "hugepages-2048kB", "pagesize=2M", "2 MiB" },
		{ "hugepages-1048576kB", "pagesize=1024M", "1 GiB" },
	};

	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		char path[PATH_MAX], nr[32] = "0", fr[32] = "0", mnt[512];

		rpath(path, sizeof(path), "/sys/kernel/mm/hugepages/%s/nr_hugepages", sizes[i].dir);
		if (read_text(path, nr, sizeof(nr)) != 0) {
			report(V_INFO, "hugepages", NULL, "%s: not supported by this kernel/CPU",
				sizes[i].name);
			continue;
		}
		rpath(path, sizeof(path), "/sys/kernel/mm/hugepages/%s/free_hugepages", sizes[i].dir);
		read_text(path, fr, sizeof(fr));
		mounts_of(sizes[i].opt, mnt, sizeof(mnt));
		if (i == 0 && (atoi(nr) == 0 || mnt[0] == '\0'))
			report(V_WARN, "hugepages", atoi(nr) == 0 ? "./svapoll test reserves them, or "
				"hugeadm --pool-pages-min 2MB:64 (EAL and the tests run with --no-huge "
				"without them; hugetlbfs tests skip)" : "hugeadm --create-global-mounts "
				"(or mount -t hugetlbfs -o pagesize=2M none /dev/hugepages)",
				"%s: %s reserved, %s free, %s", sizes[i].name, nr, fr,
				mnt[0] ? mnt : "not mounted");
		else
			report(atoi(nr) > 0 ? V_OK : V_INFO, "hugepages", NULL,
				"%s: %s reserved, %s free, mounted at %s", sizes[i].name, nr, fr,
				mnt[0] ? mnt : "(not mounted)");
	}
}

void
check_numa(void)
{
	char online[128] = "", list[512] = "";
	struct dirent *de;
	int nodes = 0;
	char dpath[PATH_MAX];
	DIR *d = opendir(rpath(dpath, sizeof(dpath), "/sys/devices/system/node"));

	if (d == NULL) {
		report(V_INFO, "numa", NULL, "no /sys/devices/system/node: kernel without NUMA: "
			"one node");
		return;
	}
	while ((de = readdir(d)) != NULL) {
		char path[PATH_MAX], cpus[128] = "", one[192];

		if (strncmp(de->d_name, "node", 4) != 0 || de->d_name[4] < '0' || de->d_name[4] > '9')
			continue;
		rpath(path, sizeof(path), "/sys/devices/system/node/%s/cpulist", de->d_name);
		read_text(path, cpus, sizeof(cpus));
		snprintf(one, sizeof(one), "%.16s cpus %.128s", de->d_name, cpus[0] ? cpus : "none");
		str_append(list, sizeof(list), "; ", one);
		nodes++;
	}
	closedir(d);
	read_text(rpath(dpath, sizeof(dpath), "/sys/devices/system/node/online"), online,
		sizeof(online));
	report(V_OK, "numa", NULL, "%d node(s) online (%s): %s; pollers and queues belong on the "
		"device's node (see the pci lines)", nodes, online, list);
}

void
check_populate(void)
{
	long pg = sysconf(_SC_PAGESIZE);
	void *p = mmap(NULL, (size_t)pg * 2, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
		-1, 0);
	int r, w;

	if (p == MAP_FAILED) {
		report(V_FAIL, "MADV_POPULATE", "check memory limits", "mmap failed: %s",
			strerror(errno));
		return;
	}
	r = madvise(p, (size_t)pg, MADV_POPULATE_READ);
	w = madvise((char *)p + pg, (size_t)pg, MADV_POPULATE_WRITE);
	munmap(p, (size_t)pg * 2);
	doc.populate = r == 0 && w == 0;
	if (doc.populate)
		report(V_OK, "MADV_POPULATE", NULL, "MADV_POPULATE_READ and _WRITE work (the fault "
			"resolver's populate)");
	else
		report(V_FAIL, "MADV_POPULATE", "Linux 5.14 or later", "madvise(MADV_POPULATE_%s) "
			"failed: %s", r != 0 ? "READ" : "WRITE", strerror(errno));
}

void
check_pagemap(void)
{
	uint64_t ent = 0;
	int fd = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
	volatile char probe = 1;
	off_t off = (off_t)(((uintptr_t)&probe / (uintptr_t)sysconf(_SC_PAGESIZE)) * 8);

	doc.pagemap = fd >= 0 && pread(fd, &ent, sizeof(ent), off) == (ssize_t)sizeof(ent) &&
		(ent >> 63) == 1;
	if (fd >= 0)
		close(fd);
	if (doc.pagemap)
		report(V_OK, "pagemap", NULL, "/proc/self/pagemap reads (present bits%s)",
			(ent & ((UINT64_C(1) << 55) - 1)) ? " and PFNs" : "; PFNs need CAP_SYS_ADMIN");
	else
		report(V_FAIL, "pagemap", "a kernel with CONFIG_PROC_PAGE_MONITOR and /proc mounted",
			"/proc/self/pagemap does not read: the emu IOMMU's page walk needs it");
}

void
check_userfaultfd(void)
{
	struct uffdio_api api = { .api = UFFD_API };
	const char *how = "syscall";
	int fd = (int)syscall(SYS_userfaultfd, O_CLOEXEC | O_NONBLOCK | UFFD_USER_MODE_ONLY);

	if (fd < 0) {
		int dev = open("/dev/userfaultfd", O_RDWR | O_CLOEXEC);

		if (dev >= 0) {
			fd = ioctl(dev, USERFAULTFD_IOC_NEW, O_CLOEXEC | O_NONBLOCK);
			close(dev);
			how = "/dev/userfaultfd";
		}
	}
	if (fd < 0) {
		report(V_WARN, "userfaultfd", "a kernel with CONFIG_USERFAULTFD; as non-root, "
			"sysctl vm.unprivileged_userfaultfd=1 or access to /dev/userfaultfd "
			"(only the userfaultfd baseline of the benchmarks needs it)",
			"not available: %s", strerror(errno));
		return;
	}
	if (ioctl(fd, UFFDIO_API, &api) != 0) {
		report(V_WARN, "userfaultfd", "a newer kernel (only the userfaultfd baseline of the "
			"benchmarks needs it)", "UFFDIO_API refused: %s", strerror(errno));
		close(fd);
		return;
	}
	close(fd);
	report(V_OK, "userfaultfd", NULL, "available (through the %s%s)", how,
		access("/dev/userfaultfd", F_OK) == 0 && strcmp(how, "syscall") == 0 ?
		"; /dev/userfaultfd also present" : "");
}

void
check_pagemap_scan(void)
{
	long pg = sysconf(_SC_PAGESIZE);
	struct sva_page_region regions[4];
	struct sva_pm_scan_arg arg;
	char *p = mmap(NULL, (size_t)pg * 4, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
		-1, 0);
	int fd, ret, err;

	if (p == MAP_FAILED) {
		report(V_WARN, "PAGEMAP_SCAN", "check memory limits", "mmap failed: %s",
			strerror(errno));
		return;
	}
	p[0] = 1;
	p[2 * pg] = 1; /* pages 0 and 2 present: two regions expected */
	memset(&arg, 0, sizeof(arg));
	arg.size = sizeof(arg);
	arg.start = (uintptr_t)p;
	arg.end = (uintptr_t)p + 4 * (uintptr_t)pg;
	arg.vec = (uintptr_t)regions;
	arg.vec_len = 4;
	arg.category_mask = SVA_PAGE_IS_PRESENT;
	arg.return_mask = SVA_PAGE_IS_PRESENT;
	fd = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
	ret = fd >= 0 ? ioctl(fd, SVA_PAGEMAP_SCAN, &arg) : -1;
	err = errno;
	if (fd >= 0)
		close(fd);
	munmap(p, (size_t)pg * 4);
	if (ret == 2)
		report(V_OK, "PAGEMAP_SCAN", NULL, "works (2 present ranges found in a 4-page test "
			"mapping)");
	else if (ret < 0)
		report(V_WARN, "PAGEMAP_SCAN", "Linux 6.7 or later (the benchmarks fall back to "
			"reading /proc/self/pagemap)", "ioctl refused: %s", strerror(err));
	else
		report(V_WARN, "PAGEMAP_SCAN", "report this kernel: the benchmarks fall back to "
			"reading /proc/self/pagemap", "found %d ranges where 2 were expected", ret);
}
