/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * vfio_cdev_autotest: the iommufd driver on a real VFIO device cdev, behind a real
 * (QEMU-emulated) Intel VT-d in scalable mode, in the VM tier's guest: QEMU's edu
 * device, which has a DMA engine but no PRI, ATS or PASID capability. So this is also
 * the pinned mode's real-DMA test: buffers pinned at IOVA == VA, the edu engine copies
 * through VFIO, iommufd and the IOMMU, and a DMA aimed at memory not pinned is blocked
 * by the IOMMU (the guest kernel logs a DMAR fault) and corrupts nothing.
 * guest-init.sh binds edu to vfio-pci and names it in SVA_EDU_BDF; elsewhere every
 * case skips with the reason.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <rte_cycles.h>
#include <rte_lcore.h>

#include <sva.h>
#include <sva_iommufd.h>

#include "ifd_pvt.h"
#include "sva_test.h"
#include "test_edu.h"
#include "test_log.h"

#define V_PG 4096u
/* Below 256 MiB: edu masks DMA addresses to 28 bits, and IOVA == VA. */
#define V_SRC UINT64_C(0x0a000000)
#define V_DST UINT64_C(0x0a100000)
#define V_VICTIM UINT64_C(0x0a200000)
#define V_LEN (8 * V_PG)
#define V_XFER 2048u /* edu's buffer is 4 KiB; a DMA ending at its end aborts QEMU 7.2 */

static struct {
	const char *bdf;
	struct sva_iommu *iommu;
	struct sva_dev *dev;
	struct sva_pasid_space *space;
	struct sva_pasid_set *set;
	void *src, *dst, *victim;
} V;

static int
v_need_edu(void)
{
	V.bdf = getenv("SVA_EDU_BDF");
	if (V.bdf == NULL || V.bdf[0] == '\0' || access("/dev/iommu", F_OK) != 0)
		TEST_SKIP("needs QEMU's edu device on vfio-pci and /dev/iommu: runs in the VM tier "
			"(./svapoll vm -- vfio_cdev_autotest)");
	return TEST_SUCCESS;
}

/* The device's cdev path from sysfs (vfio-dev/vfioN), independently of the driver. */
static int
v_cdev_path(char *out, size_t len)
{
	char dir[PATH_MAX];
	int found = -1;

	for (int n = 0; n < 64 && found < 0; n++) {
		snprintf(dir, sizeof(dir), "/sys/bus/pci/devices/%s/vfio-dev/vfio%d", V.bdf, n);
		if (access(dir, F_OK) == 0)
			found = n;
	}
	if (found < 0)
		return -ENOENT;
	snprintf(out, len, "/dev/vfio/devices/vfio%d", found);
	return 0;
}

/* A hex register of the VT-d unit as sysfs shows it (the kernel's own reading). */
static uint64_t
v_sysfs_reg(const char *name)
{
	char path[128];
	unsigned long long v = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/sys/class/iommu/dmar0/intel-iommu/%s", name);
	f = fopen(path, "r");
	if (f == NULL)
		return 0;
	if (fscanf(f, "%llx", &v) != 1)
		v = 0;
	fclose(f);
	return v;
}

static void *
v_map(uint64_t at, size_t len)
{
	void *p = mmap((void *)(uintptr_t)at, len, PROT_READ | PROT_WRITE,
		MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);

	if (p == MAP_FAILED)
		return NULL;
	if (p != (void *)(uintptr_t)at) {
		munmap(p, len);
		return NULL;
	}
	return p;
}

static void
v_close(void)
{
	if (V.set != NULL)
		sva_pasid_set_destroy(V.set, SVA_PASID_SET_FREE_ALL);
	if (V.iommu != NULL)
		sva_poll_release(V.iommu);
	sva_dev_close(V.dev);
	if (V.iommu != NULL)
		sva_iommu_destroy(V.iommu);
	if (V.space != NULL) {
		sva_pasid_reclaim(V.space);
		sva_pasid_space_destroy(V.space);
	}
	if (V.src != NULL)
		munmap(V.src, V_LEN);
	if (V.dst != NULL)
		munmap(V.dst, V_LEN);
	if (V.victim != NULL)
		munmap(V.victim, V_LEN);
	test_log_free();
	memset(&V, 0, sizeof(V));
}

static int
v_open(const char *spec, const char *extra)
{
	char args[PATH_MAX + 64];

	snprintf(args, sizeof(args), "iommufd,dev=%s,name=edu%s%s", spec, extra[0] ? "," : "",
		extra);
	V.iommu = sva_iommu_create(args);
	TEST_ASSERT_NOT_NULL(V.iommu, "create %s", args);
	V.dev = sva_dev_open(V.iommu, NULL);
	TEST_ASSERT_NOT_NULL(V.dev, "dev open");
	return TEST_SUCCESS;
}

/* Open by PCI address and by cdev path; GET_HW_INFO reported as VT-d with the very
 * registers the kernel shows in sysfs; no PRI on edu: pri=auto gives pinned mode. */
static int
test_vfio_open_bdf_and_cdev(void)
{
	char cdev[64];
	const char *specs[2];
	uint64_t cap = v_sysfs_reg("cap"), ecap = v_sysfs_reg("ecap");
	int ret = v_need_edu();

	if (ret != TEST_SUCCESS)
		return ret;
	TEST_ASSERT_SUCCESS(v_cdev_path(cdev, sizeof(cdev)), "%s has a vfio-dev/vfioN", V.bdf);
	TEST_ASSERT_NOT_EQUAL(ecap, 0, "the kernel shows dmar0's ecap");
	specs[0] = V.bdf;
	specs[1] = cdev;
	for (unsigned int i = 0; i < 2; i++) {
		struct sva_iommu_info info;
		struct ifd_iommu *p;

		test_log_capture_start();
		ret = v_open(specs[i], "");
		test_log_capture_stop();
		if (ret != TEST_SUCCESS)
			return ret;
		TEST_ASSERT_SUCCESS(sva_iommu_info_get(V.iommu, &info), "info");
		TEST_ASSERT_EQUAL(info.model, SVA_IOMMU_MODEL_IOMMUFD, "%s: model", specs[i]);
		TEST_ASSERT_EQUAL(info.hw_model, SVA_IOMMU_MODEL_VTD, "%s: the IOMMU behind", specs[i]);
		/* uapi/linux/iommufd.h: IOMMU_HW_INFO_TYPE_INTEL_VTD = 1 */
		TEST_ASSERT_EQUAL(info.hw_info_type, 1, "%s: hw info type", specs[i]);
		TEST_ASSERT_EQUAL(info.hw_cap, cap, "%s: cap register as sysfs shows it", specs[i]);
		TEST_ASSERT_EQUAL(info.hw_ecap, ecap, "%s: ecap register as sysfs shows it", specs[i]);
		/* VT-d spec 11.4.3: ECAP_REG bit 43 SMTS (scalable mode translation). */
		TEST_ASSERT(info.hw_ecap & (UINT64_C(1) << 43), "%s: scalable mode", specs[i]);
		TEST_ASSERT(!(info.caps & SVA_IOMMU_CAP_PRI), "%s: edu has no PRI: no faults",
			specs[i]);
		TEST_ASSERT(info.caps & SVA_IOMMU_CAP_PIN, "%s: pinned mode", specs[i]);
		TEST_ASSERT(info.caps & SVA_IOMMU_CAP_ATTACH_RID, "%s: RID attach", specs[i]);
		p = sva_iommu_priv(V.iommu);
		TEST_ASSERT_EQUAL(strcmp(p->bdf, V.bdf), 0, "%s: the PCI address is %s, got '%s'",
			specs[i], V.bdf, p->bdf);
		TEST_ASSERT(p->devfd >= 0, "%s: the cdev is open", specs[i]);
		v_close();
		V.bdf = getenv("SVA_EDU_BDF");
	}
	return TEST_SUCCESS;
}

/* pri=on: the fault-capable attach is refused by the VT-d driver (ENODEV), and the
 * error names what is missing instead of a bare ENODEV. */
static int
test_vfio_fault_attach_explained(void)
{
	struct sva_pgtable pt = { .type = SVA_PGTABLE_PROCESS_MM };
	struct sva_iommu_info info;
	int ret = v_need_edu();

	if (ret != TEST_SUCCESS)
		return ret;
	ret = v_open(V.bdf, "pri=on");
	if (ret != TEST_SUCCESS)
		return ret;
	TEST_ASSERT_SUCCESS(sva_iommu_info_get(V.iommu, &info), "info");
	TEST_ASSERT(info.caps & SVA_IOMMU_CAP_PRI, "pri=on asks for a fault queue");
	test_log_capture_start();
	ret = sva_dev_attach_rid(V.dev, &pt);
	test_log_capture_stop();
	TEST_ASSERT_RET(ret, -ENODEV);
	TEST_ASSERT_LOGGED("page requests cannot work for this device");
	TEST_ASSERT_LOGGED("no PRI");
	TEST_ASSERT_LOGGED("pri=auto or pri=off use a plain page table (pinned mode)");
	v_close();
	return TEST_SUCCESS;
}

static int
v_bind_pinned(struct sva_bond **out)
{
	struct sva_bind_params bp = { .flags = SVA_BIND_RID };
	struct sva_bond *b;

	V.space = sva_pasid_space_create("edu", 20, 0);
	TEST_ASSERT_NOT_NULL(V.space, "space");
	V.set = sva_pasid_set_create(V.space, "app", 0, NULL, SVA_BOND_PASID_TYPE, 0);
	TEST_ASSERT_NOT_NULL(V.set, "set");
	test_log_capture_start();
	b = sva_bind(V.dev, V.set, &bp);
	test_log_capture_stop();
	TEST_ASSERT_NOT_NULL(b, "bind the RID of edu");
	TEST_ASSERT_LOGGED("device has no PRI: pinned mode; pin buffers with sva_bond_pin()");
	TEST_ASSERT_EQUAL(sva_bond_is_pinned(b), 1, "pinned mode chosen for a device without PRI");
	*out = b;
	return TEST_SUCCESS;
}

/* The edu DMA engine copies a pinned buffer into its own buffer and back into a second
 * pinned buffer: a real DMA through VFIO, iommufd and the emulated VT-d. */
static int
test_vfio_pinned_dma(void)
{
	struct test_edu edu;
	struct sva_iopf_stats st;
	struct sva_bond *b = NULL;
	int ret = v_need_edu();

	if (ret != TEST_SUCCESS)
		return ret;
	V.src = v_map(V_SRC, V_LEN);
	V.dst = v_map(V_DST, V_LEN);
	TEST_ASSERT(V.src != NULL && V.dst != NULL, "buffers below 256 MiB: %s", strerror(errno));
	ret = v_open(V.bdf, "");
	if (ret == TEST_SUCCESS)
		ret = v_bind_pinned(&b);
	if (ret != TEST_SUCCESS)
		return ret;
	for (unsigned int i = 0; i < V_XFER; i++)
		((uint8_t *)V.src)[i] = (uint8_t)(i * 7 + 3);
	memset(V.dst, 0xee, V_LEN);
	TEST_ASSERT_SUCCESS(sva_bond_pin(b, V.src, V_LEN, SVA_BOND_PIN_READ_ONLY), "pin src");
	TEST_ASSERT_SUCCESS(sva_bond_pin(b, V.dst, V_LEN, 0), "pin dst");
	TEST_ASSERT_SUCCESS(test_edu_open(&edu, ((struct ifd_iommu *)sva_iommu_priv(V.iommu))->devfd),
		"edu regions");
	/* QEMU's edu: identification register 0x010000ed (version 1.0). */
	TEST_ASSERT_EQUAL(test_edu_id(&edu), 0x010000ed, "edu id");
	TEST_ASSERT_SUCCESS(test_edu_dma(&edu, V_SRC, 0, V_XFER, 0), "DMA RAM -> edu");
	TEST_ASSERT_SUCCESS(test_edu_dma(&edu, V_DST + 64, 0, V_XFER, 1), "DMA edu -> RAM");
	TEST_ASSERT_BUFFERS_EQUAL((uint8_t *)V.dst + 64, V.src, V_XFER, "the copy through edu");
	for (unsigned int i = 0; i < 64; i++)
		TEST_ASSERT_EQUAL(((uint8_t *)V.dst)[i], 0xee, "byte %u before the copy untouched", i);
	TEST_ASSERT_EQUAL(((uint8_t *)V.dst)[64 + V_XFER], 0xee, "the byte after untouched");
	TEST_ASSERT_SUCCESS(sva_stats_get(V.iommu, b, &st), "stats");
	TEST_ASSERT_EQUAL(st.page_reqs, 0, "pinned: no page request");
	sva_unbind(b);
	v_close();
	return TEST_SUCCESS;
}

/* The /dev/kmsg records written since 'fd' was opened at the end, one a line. */
static void
v_kmsg_read(int fd, char *out, size_t len)
{
	char rec[2048];
	size_t used = 0;
	ssize_t n;

	out[0] = '\0';
	while ((n = read(fd, rec, sizeof(rec) - 1)) > 0 || (n < 0 && errno == EPIPE)) {
		if (n <= 0)
			continue; /* EPIPE: records overwritten; go on */
		rec[n] = '\0';
		if (strstr(rec, "DMAR") != NULL)
			printf("    kernel: %s", strchr(rec, ';') != NULL ? strchr(rec, ';') + 1 : rec);
		used += (size_t)snprintf(out + used, len - used, "%s", rec);
		if (used >= len - 1)
			break;
	}
}

/* One record of the kernel's DMAR fault report for a blocked DMA write at addr. */
static bool
v_dmar_write_fault(const char *log, uint64_t addr)
{
	char want[64];

	snprintf(want, sizeof(want), "fault addr 0x%" PRIx64 " ", addr);
	for (const char *l = log; l != NULL && *l != '\0'; l = strchr(l, '\n') != NULL ? strchr(l, '\n') + 1 : NULL) {
		const char *e = strchr(l, '\n'), *w = strstr(l, "DMAR: [DMA Write"), *a = strstr(l, want);

		if (w != NULL && a != NULL && (e == NULL || (w < e && a < e)))
			return true;
	}
	return false;
}

/* A DMA aimed at memory that is not pinned (never pinned, or unpinned) is blocked by
 * the IOMMU: the memory keeps its bytes, and the guest kernel reports a DMAR fault. */
static int
test_vfio_dma_unpinned_blocked(void)
{
	struct test_edu edu;
	struct sva_bond *b = NULL;
	static char klog[65536];
	int kmsg, ret = v_need_edu();

	if (ret != TEST_SUCCESS)
		return ret;
	V.src = v_map(V_SRC, V_LEN);
	V.dst = v_map(V_DST, V_LEN);
	V.victim = v_map(V_VICTIM, V_LEN);
	TEST_ASSERT(V.src != NULL && V.dst != NULL && V.victim != NULL, "buffers: %s",
		strerror(errno));
	ret = v_open(V.bdf, "");
	if (ret == TEST_SUCCESS)
		ret = v_bind_pinned(&b);
	if (ret != TEST_SUCCESS)
		return ret;
	memset(V.src, 0x11, V_LEN);
	memset(V.dst, 0x5a, V_LEN);
	memset(V.victim, 0x5a, V_LEN);
	TEST_ASSERT_SUCCESS(sva_bond_pin(b, V.src, V_LEN, 0), "pin src");
	TEST_ASSERT_SUCCESS(sva_bond_pin(b, V.dst, V_LEN, 0), "pin dst");
	TEST_ASSERT_SUCCESS(test_edu_open(&edu, ((struct ifd_iommu *)sva_iommu_priv(V.iommu))->devfd),
		"edu regions");
	TEST_ASSERT_SUCCESS(test_edu_dma(&edu, V_SRC, 0, V_XFER, 0), "load edu's buffer (0x11)");
	kmsg = open("/dev/kmsg", O_RDONLY | O_NONBLOCK);
	TEST_ASSERT(kmsg >= 0, "/dev/kmsg: %s", strerror(errno));
	lseek(kmsg, 0, SEEK_END);
	/* Never pinned: resident in the process, absent from the IOAS. */
	TEST_ASSERT_SUCCESS(test_edu_dma(&edu, V_VICTIM, 0, V_XFER, 1), "DMA to the victim");
	/* Pinned, then unpinned: gone from the IOAS again. */
	TEST_ASSERT_SUCCESS(sva_bond_unpin(b, V.dst, V_LEN), "unpin dst");
	TEST_ASSERT_SUCCESS(test_edu_dma(&edu, V_DST, 0, V_XFER, 1), "DMA to the unpinned dst");
	rte_delay_us_sleep(100000); /* the fault message is printed from the DMAR interrupt */
	for (unsigned int i = 0; i < V_LEN; i++) {
		TEST_ASSERT_EQUAL(((uint8_t *)V.victim)[i], 0x5a, "victim byte %u", i);
		TEST_ASSERT_EQUAL(((uint8_t *)V.dst)[i], 0x5a, "unpinned dst byte %u", i);
	}
	v_kmsg_read(kmsg, klog, sizeof(klog));
	close(kmsg);
	TEST_ASSERT(v_dmar_write_fault(klog, V_VICTIM), "the guest kernel reported the blocked "
		"DMA write at 0x%" PRIx64 "; /dev/kmsg said:\n%s", V_VICTIM, klog);
	TEST_ASSERT(v_dmar_write_fault(klog, V_DST), "the guest kernel reported the blocked "
		"DMA write at 0x%" PRIx64 "; /dev/kmsg said:\n%s", V_DST, klog);
	sva_unbind(b);
	v_close();
	return TEST_SUCCESS;
}

static void
v_teardown(void)
{
	v_close();
}

static struct sva_test_suite vfio_suite = {
	.name = "iommufd driver on a VFIO cdev (QEMU edu behind VT-d; VM tier)",
	.cases = {
		SVA_TEST_CASE_ST(NULL, v_teardown, test_vfio_open_bdf_and_cdev),
		SVA_TEST_CASE_ST(NULL, v_teardown, test_vfio_fault_attach_explained),
		SVA_TEST_CASE_ST(NULL, v_teardown, test_vfio_pinned_dma),
		SVA_TEST_CASE_ST(NULL, v_teardown, test_vfio_dma_unpinned_blocked),
		SVA_TEST_CASES_END(),
	},
};

static int
test_vfio_cdev(void)
{
	return sva_test_suite_run(&vfio_suite);
}

SVA_TEST_REGISTER(vfio_cdev_autotest, test_vfio_cdev);
