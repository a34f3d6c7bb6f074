/* SPDX-License-Identifier: BSD-3-Clause */
/* iommu objects: creation from devargs, capabilities, lookup, and the poll-path calls. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_errno.h>

#include "iommu_pvt.h"

static TAILQ_HEAD(, sva_iommu) iommus = TAILQ_HEAD_INITIALIZER(iommus);
static unsigned int iommu_counter;

static struct sva_iommu *
find_locked(const char *name)
{
	struct sva_iommu *iommu;

	TAILQ_FOREACH(iommu, &iommus, next)
		if (strcmp(iommu->name, name) == 0)
			return iommu;
	return NULL;
}

static int
parse_devargs(const char *devargs, const struct sva_iommu_driver **drv, struct rte_kvargs **kv)
{
	size_t len = strcspn(devargs, ",");
	const char *args = devargs[len] == ',' ? devargs + len + 1 : "";

	*drv = iommu_driver_find(devargs, len);
	if (*drv == NULL) {
		IOMMU_LOG(ERR, "no iommu driver '%.*s' (devargs '%s'): is the driver built and linked?",
			(int)len, devargs, devargs);
		return -ENODEV;
	}
	*kv = rte_kvargs_parse(args, NULL);
	if (*kv == NULL) {
		IOMMU_LOG(ERR, "malformed devargs '%s': expected %s,key=value,...", devargs,
			(*drv)->name);
		return -EINVAL;
	}
	if (iommu_kvargs_check(*kv, (*drv)->name, (*drv)->iommu_keys) != 0) {
		rte_kvargs_free(*kv);
		return -EINVAL;
	}
	return 0;
}

struct sva_iommu *
sva_iommu_create(const char *devargs)
{
	const struct sva_iommu_driver *drv;
	struct rte_kvargs *kv;
	struct sva_iommu *iommu;
	const char *name;
	void *priv;
	int ret;

	if (devargs == NULL || devargs[0] == '\0') {
		IOMMU_LOG(ERR, "no devargs: expected DRIVER[,key=value...], e.g. emu,model=vtd");
		rte_errno = EINVAL;
		return NULL;
	}
	ret = parse_devargs(devargs, &drv, &kv);
	if (ret != 0) {
		rte_errno = -ret;
		return NULL;
	}
	iommu = iommu_zalloc_with_priv(sizeof(*iommu), drv->iommu_priv_size, &priv);
	if (iommu == NULL) {
		rte_kvargs_free(kv);
		rte_errno = ENOMEM;
		return NULL;
	}
	iommu->priv = priv;
	iommu->drv = drv;
	TAILQ_INIT(&iommu->devs);

	iommu_registry_lock();
	name = rte_kvargs_get(kv, "name");
	if (name != NULL) {
		if (name[0] == '\0' || strlen(name) >= SVA_IOMMU_NAME_LEN) {
			IOMMU_LOG(ERR, "bad value '%s' for key 'name': 1 to %d characters", name,
				SVA_IOMMU_NAME_LEN - 1);
			ret = -EINVAL;
			goto fail;
		}
		snprintf(iommu->name, sizeof(iommu->name), "%s", name);
	} else {
		snprintf(iommu->name, sizeof(iommu->name), "%s%u", drv->name, iommu_counter);
	}
	if (find_locked(iommu->name) != NULL) {
		IOMMU_LOG(ERR, "an iommu named '%s' exists already", iommu->name);
		ret = -EEXIST;
		goto fail;
	}
	ret = drv->iommu_create(iommu, kv);
	if (ret != 0) {
		IOMMU_LOG(ERR, "%s: driver %s refused devargs '%s': %s", iommu->name, drv->name,
			devargs, strerror(-ret));
		goto fail;
	}
	drv->info_get(iommu, &iommu->info);
	snprintf(iommu->info.name, sizeof(iommu->info.name), "%s", iommu->name);
	snprintf(iommu->info.driver, sizeof(iommu->info.driver), "%s", drv->name);
	iommu_counter++;
	TAILQ_INSERT_TAIL(&iommus, iommu, next);
	iommu_registry_unlock();
	rte_kvargs_free(kv);
	IOMMU_LOG(INFO, "%s: created (%s), %u PASID bits", iommu->name, devargs,
		iommu->info.pasid_bits);
	return iommu;
fail:
	iommu_registry_unlock();
	rte_kvargs_free(kv);
	free(iommu);
	rte_errno = -ret;
	return NULL;
}

int
sva_iommu_destroy(struct sva_iommu *iommu)
{
	if (iommu == NULL)
		return -EINVAL;
	iommu_registry_lock();
	if (iommu->ndevs > 0) {
		iommu_registry_unlock();
		IOMMU_LOG(ERR, "%s: cannot destroy: %u dev(s) still open (sva_dev_close them first)",
			iommu->name, iommu->ndevs);
		return -EBUSY;
	}
	TAILQ_REMOVE(&iommus, iommu, next);
	iommu_registry_unlock();
	iommu->drv->iommu_destroy(iommu);
	IOMMU_LOG(INFO, "%s: destroyed", iommu->name);
	free(iommu);
	return 0;
}

int
sva_iommu_info_get(const struct sva_iommu *iommu, struct sva_iommu_info *info)
{
	if (iommu == NULL || info == NULL)
		return -EINVAL;
	*info = iommu->info;
	return 0;
}

const char *
sva_iommu_name(const struct sva_iommu *iommu)
{
	return iommu != NULL ? iommu->name : "(null)";
}

struct sva_iommu *
sva_iommu_find(const char *name)
{
	struct sva_iommu *iommu;

	if (name == NULL) {
		rte_errno = EINVAL;
		return NULL;
	}
	iommu_registry_lock();
	iommu = find_locked(name);
	iommu_registry_unlock();
	if (iommu == NULL)
		rte_errno = ENOENT;
	return iommu;
}

int
sva_iommu_foreach(int (*fn)(struct sva_iommu *iommu, void *arg), void *arg)
{
	struct sva_iommu *iommu;
	int ret = 0;

	if (fn == NULL)
		return 0;
	iommu_registry_lock();
	TAILQ_FOREACH(iommu, &iommus, next) {
		ret = fn(iommu, arg);
		if (ret != 0)
			break;
	}
	iommu_registry_unlock();
	return ret;
}

void *
sva_iommu_priv(const struct sva_iommu *iommu)
{
	return iommu->priv;
}

const struct sva_iommu_driver *
sva_iommu_driver_of(const struct sva_iommu *iommu)
{
	return iommu->drv;
}

/* ---- poll path: argument checks only in debug builds ---- */

uint16_t
sva_iommu_prq_read(struct sva_iommu *iommu, struct sva_fault *faults, uint16_t n)
{
#ifdef SVA_DEBUG_CHECKS
	if (iommu == NULL || faults == NULL)
		return 0;
#endif
	return iommu->drv->prq_read(iommu, faults, n);
}

uint16_t
sva_iommu_evtq_read(struct sva_iommu *iommu, struct sva_fault *faults, uint16_t n)
{
#ifdef SVA_DEBUG_CHECKS
	if (iommu == NULL || faults == NULL)
		return 0;
#endif
	return iommu->drv->evtq_read(iommu, faults, n);
}

int
sva_iommu_page_response(struct sva_iommu *iommu, const struct sva_page_response *resp,
		uint16_t n)
{
#ifdef SVA_DEBUG_CHECKS
	if (iommu == NULL || (resp == NULL && n > 0))
		return -EINVAL;
	for (uint16_t i = 0; i < n; i++) {
		if (resp[i].argsz != sizeof(*resp) || (resp[i].code != SVA_PAGE_RESP_SUCCESS &&
				resp[i].code != SVA_PAGE_RESP_INVALID &&
				resp[i].code != SVA_PAGE_RESP_FAILURE))
			return -EINVAL;
	}
#endif
	if (n == 0)
		return 0;
	return iommu->drv->page_response(iommu, resp, n);
}

int
sva_iommu_prq_drain(struct sva_iommu *iommu)
{
	if (iommu == NULL)
		return -EINVAL;
	if (iommu->drv->prq_drain == NULL)
		return 0;
	return iommu->drv->prq_drain(iommu);
}

int
sva_iommu_prq_pending(struct sva_iommu *iommu)
{
	if (iommu == NULL)
		return -EINVAL;
	if (iommu->drv->prq_pending == NULL)
		return -ENOTSUP;
	return iommu->drv->prq_pending(iommu);
}

int
sva_iommu_iotlb_inval(struct sva_iommu *iommu, uint32_t pasid, uint64_t addr, uint64_t size)
{
	if (iommu == NULL)
		return -EINVAL;
	return iommu->drv->iotlb_inval(iommu, pasid, addr, size);
}

int
sva_iommu_range_resolved(struct sva_iommu *iommu, struct sva_dev *dev, uint32_t pasid,
		uint64_t addr, uint64_t len, uint32_t perm)
{
#ifdef SVA_DEBUG_CHECKS
	if (iommu == NULL)
		return -EINVAL;
#endif
	if (iommu->drv->range_resolved == NULL)
		return 0;
	return iommu->drv->range_resolved(iommu, dev, pasid, addr, len, perm);
}
