/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_lcore.h>

#include "sva_test.h"
#include "test_iopf_syn.h"
#include "test_sva_common.h"

struct sva_t ST;
const char *const sva_t_models[2] = { "vtd", "smmuv3" };
static unsigned int counter;

int
sva_t_open(const char *model, const char *iommu_extra, const char *dev_args)
{
	char args[256], name[32];

	memset(&ST, 0, sizeof(ST));
	ST.model = model;
	snprintf(name, sizeof(name), "sva%u", counter++);
	if (model != NULL)
		snprintf(args, sizeof(args), "emu,name=%s,model=%s,pasid_bits=16%s%s", name, model,
			iommu_extra[0] ? "," : "", iommu_extra);
	ST.iommu = model != NULL ? sva_iommu_create(args) : syn_create_args(name, iommu_extra);
	TEST_ASSERT_NOT_NULL(ST.iommu, "iommu");
	ST.dev = sva_dev_open(ST.iommu, dev_args);
	TEST_ASSERT_NOT_NULL(ST.dev, "dev '%s'", dev_args);
	ST.space = sva_pasid_space_create(name, 16, 0);
	TEST_ASSERT_NOT_NULL(ST.space, "space");
	ST.set = sva_pasid_set_create(ST.space, "app", 0, NULL, SVA_BOND_PASID_TYPE, 0);
	TEST_ASSERT_NOT_NULL(ST.set, "set");
	ST.lcore = rte_get_next_lcore(-1, 1, 0);
	if (ST.lcore >= RTE_MAX_LCORE)
		TEST_SKIP("needs a worker lcore (-l 0-1)");
	return TEST_SUCCESS;
}

int
sva_t_poll_start(void)
{
	int ret = sva_poll_lcore_start(ST.lcore);

	if (ret == 0)
		ST.polling = true;
	return ret;
}

void
sva_t_poll_stop(void)
{
	if (ST.polling)
		sva_poll_lcore_stop(ST.lcore);
	ST.polling = false;
}

void
sva_t_close(void)
{
	sva_t_poll_stop();
	/* a failed case may leave bonds behind: unbind them before the iommu goes */
	for (unsigned int i = 0; i < RTE_DIM(ST.bonds); i++)
		sva_unbind(ST.bonds[i]);
	if (ST.set != NULL)
		sva_pasid_set_destroy(ST.set, SVA_PASID_SET_FREE_ALL);
	if (ST.iommu != NULL && sva_poll_release(ST.iommu) == -EBUSY)
		printf("    close: bonds left on %s\n", sva_iommu_name(ST.iommu));
	sva_dev_close(ST.dev);
	if (ST.iommu != NULL)
		sva_iommu_destroy(ST.iommu);
	if (ST.space != NULL) {
		sva_pasid_reclaim(ST.space);
		if (sva_pasid_space_destroy(ST.space) != 0)
			printf("    close: space busy\n");
	}
	memset(&ST, 0, sizeof(ST));
}

int
sva_t_job(struct sva_dev *dev, uint32_t pasid, uint32_t op, uint64_t src, uint64_t dst,
		uint64_t len, struct sva_emu_comp *c)
{
	struct sva_emu_desc d = {
		.op = op, .flags = SVA_EMU_DESC_PASID_VALID, .pasid = pasid,
		.src = src, .dst = dst, .len = len, .pattern = 0x0102030405060708ull,
	};
	int ret = sva_emu_submit(dev, &d, c);

	return ret != 0 ? ret : sva_emu_wait(dev, c, SVA_T_WAIT_US);
}

void *
sva_t_map(size_t len)
{
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		return NULL;
	madvise(p, len, MADV_NOHUGEPAGE);
	return p;
}

struct sva_emu_counters
sva_t_counters(void)
{
	struct sva_emu_counters k;

	memset(&k, 0, sizeof(k));
	sva_emu_counters_get(ST.iommu, &k);
	return k;
}

bool
sva_t_wait_u64(const volatile uint64_t *v, uint64_t want)
{
	/* atomic: the poller writes it (acquire: what it wrote before is visible) */
	for (int i = 0; i < 200000 && __atomic_load_n(v, __ATOMIC_ACQUIRE) < want; i++)
		usleep(100);
	return __atomic_load_n(v, __ATOMIC_ACQUIRE) >= want;
}

uint64_t
sva_t_pages_missing(const void *addr, size_t len)
{
	uintptr_t first = (uintptr_t)addr / SVA_T_PG, last = ((uintptr_t)addr + len - 1) / SVA_T_PG;
	size_t n = last - first + 1;
	uint64_t *e = calloc(n, sizeof(*e)), missing = 0;
	int fd = open("/proc/self/pagemap", O_RDONLY);

	if (fd < 0 || e == NULL || pread(fd, e, n * sizeof(*e), first * sizeof(*e)) !=
			(ssize_t)(n * sizeof(*e)))
		missing = UINT64_MAX;
	for (size_t i = 0; missing != UINT64_MAX && i < n; i++)
		missing += !(e[i] >> 63);
	if (fd >= 0)
		close(fd);
	free(e);
	return missing;
}

struct sva_bond *
sva_t_bind(const struct sva_bind_params *p)
{
	struct sva_bond *b = sva_bind(ST.dev, ST.set, p);

	for (unsigned int i = 0; b != NULL && i < RTE_DIM(ST.bonds); i++) {
		if (ST.bonds[i] == NULL) {
			ST.bonds[i] = b;
			break;
		}
	}
	return b;
}

void
sva_t_unbind(struct sva_bond *b)
{
	for (unsigned int i = 0; b != NULL && i < RTE_DIM(ST.bonds); i++)
		if (ST.bonds[i] == b)
			ST.bonds[i] = NULL;
	sva_unbind(b);
}

/* Run dpdk-telemetry.py against this process's own socket; its output in buf. */
int
sva_t_telemetry(const char *cmd, char *buf, size_t len)
{
	const char *dir = rte_eal_get_runtime_dir(), *prefix = strrchr(dir, '/');
	char line[512];
	size_t n;
	FILE *f;

	snprintf(line, sizeof(line), "echo '%s' | dpdk-telemetry.py -f %s 2>&1", cmd,
		prefix != NULL ? prefix + 1 : dir);
	f = popen(line, "r");
	if (f == NULL)
		return -errno;
	n = fread(buf, 1, len - 1, f);
	buf[n] = '\0';
	return pclose(f) == 0 ? 0 : -EIO;
}
