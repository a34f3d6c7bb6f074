/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * fuzz-devargs: devargs parsing of the emu driver through the public calls.
 * Input: text, split at newlines: "emu" + line 1 goes to sva_iommu_create(); lines 2
 * and 3, when the iommu was created, go to sva_dev_open() on it.
 * Properties: no crash, no UB, no leak; a refusal is NULL with an rte_errno the header
 * documents (EINVAL, ENODEV, EEXIST, ENOMEM, ENOSPC, or the driver's own ENOENT /
 * ENOTSUP for a walk the kernel lacks) and leaves no iommu or dev behind; a created
 * iommu reports sane capabilities (queue depths powers of two, 1 to 20 PASID bits)
 * and is destroyed with 0 once its devs are closed.
 */
#include <errno.h>

#include <rte_errno.h>

#include <sva_iommu.h>

#include "fuzz_common.h"

#define ARGS_MAX 512

static int
count_one(struct sva_iommu *iommu, void *arg)
{
	(void)iommu;
	(*(unsigned int *)arg)++;
	return 0;
}

static unsigned int
iommu_count(void)
{
	unsigned int n = 0;

	sva_iommu_foreach(count_one, &n);
	return n;
}

static bool
errno_documented(int e)
{
	return e == EINVAL || e == ENODEV || e == EEXIST || e == ENOMEM || e == ENOSPC ||
		e == ENOENT || e == ENOTSUP || e == EOPNOTSUPP;
}

/* The next line of the input, NUL-terminated, at most ARGS_MAX bytes. */
static bool
next_line(struct fz_in *in, char *buf)
{
	size_t k = 0;

	if (in->n == 0)
		return false;
	while (in->n > 0 && k < ARGS_MAX) {
		uint8_t c = fz_u8(in);

		if (c == '\n')
			break;
		buf[k++] = c == '\0' ? ',' : (char)c;
	}
	buf[k] = '\0';
	return true;
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fz_eal_init();
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fz_in in = { data, size };
	char line[ARGS_MAX + 1], args[ARGS_MAX + 8];
	struct sva_dev *devs[2] = { NULL, NULL };
	struct sva_iommu_info info;
	struct sva_iommu *iommu;
	unsigned int before = iommu_count();

	if (!next_line(&in, line))
		return 0;
	snprintf(args, sizeof(args), "emu%s", line);
	rte_errno = 0;
	iommu = sva_iommu_create(args);
	if (iommu == NULL) {
		FZ_CHECK(errno_documented(rte_errno), "sva_iommu_create(\"%s\"): NULL with rte_errno "
			"%d (%s)", args, rte_errno, rte_strerror(rte_errno));
		FZ_CHECK(iommu_count() == before, "sva_iommu_create(\"%s\") failed but left an "
			"iommu registered", args);
		return 0;
	}
	FZ_CHECK(sva_iommu_info_get(iommu, &info) == 0, "info_get");
	FZ_CHECK(info.pasid_bits >= 1 && info.pasid_bits <= 20 &&
		info.prq_depth != 0 && (info.prq_depth & (info.prq_depth - 1)) == 0 &&
		info.evtq_depth != 0 && (info.evtq_depth & (info.evtq_depth - 1)) == 0 &&
		strcmp(info.driver, "emu") == 0 && info.name[0] != '\0',
		"sva_iommu_create(\"%s\"): info pasid_bits %u prq %u evtq %u driver '%s'", args,
		info.pasid_bits, info.prq_depth, info.evtq_depth, info.driver);
	FZ_CHECK(sva_iommu_find(info.name) == iommu, "created iommu '%s' not found by name",
		info.name);
	for (unsigned int i = 0; i < 2 && next_line(&in, line); i++) {
		rte_errno = 0;
		devs[i] = sva_dev_open(iommu, line);
		FZ_CHECK(devs[i] != NULL || errno_documented(rte_errno), "sva_dev_open(\"%s\"): "
			"NULL with rte_errno %d", line, rte_errno);
	}
	FZ_CHECK(devs[0] == NULL || devs[1] == NULL || devs[0] != devs[1], "one dev twice");
	if (devs[0] != NULL)
		FZ_CHECK(sva_iommu_destroy(iommu) == -EBUSY, "destroy with a dev open");
	for (unsigned int i = 0; i < 2; i++)
		if (devs[i] != NULL)
			sva_dev_close(devs[i]);
	FZ_CHECK(sva_iommu_destroy(iommu) == 0, "destroy of '%s' failed", args);
	FZ_CHECK(iommu_count() == before, "an iommu left behind by '%s'", args);
	return 0;
}
