/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * devs: endpoints behind an iommu, and the three attach operations. The core keeps
 * the attach state so that the busy rules are the same for every driver and so that
 * closing a dev detaches whatever is left.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <rte_errno.h>

#include "iommu_pvt.h"

struct sva_dev *
sva_dev_open(struct sva_iommu *iommu, const char *devargs)
{
	const struct sva_iommu_driver *drv;
	struct rte_kvargs *kv;
	struct sva_dev *dev, *other;
	void *priv;
	int ret;

	if (iommu == NULL) {
		IOMMU_LOG(ERR, "sva_dev_open: no iommu");
		rte_errno = EINVAL;
		return NULL;
	}
	drv = iommu->drv;
	kv = rte_kvargs_parse(devargs != NULL ? devargs : "", NULL);
	if (kv == NULL) {
		IOMMU_LOG(ERR, "%s: malformed dev devargs '%s': expected key=value,...", iommu->name,
			devargs);
		rte_errno = EINVAL;
		return NULL;
	}
	if (iommu_kvargs_check(kv, "dev", drv->dev_keys) != 0) {
		rte_kvargs_free(kv);
		rte_errno = EINVAL;
		return NULL;
	}
	dev = iommu_zalloc_with_priv(sizeof(*dev), drv->dev_priv_size, &priv);
	if (dev == NULL)
		goto nomem;
	dev->priv = priv;
	dev->iommu = iommu;
	if (pasid_count(iommu) > 0) {
		dev->pasid_map = calloc(RTE_MAX(pasid_count(iommu) / 64, 1u), sizeof(uint64_t));
		dev->nested_map = calloc(RTE_MAX(pasid_count(iommu) / 64, 1u), sizeof(uint64_t));
		if (dev->pasid_map == NULL || dev->nested_map == NULL)
			goto nomem;
	}

	iommu_registry_lock();
	ret = drv->dev_open(dev, kv);
	if (ret != 0) {
		iommu_registry_unlock();
		IOMMU_LOG(ERR, "%s: dev open refused ('%s'): %s", iommu->name,
			devargs != NULL ? devargs : "", strerror(-ret));
		goto fail;
	}
	TAILQ_FOREACH(other, &iommu->devs, next) {
		if (other->id == dev->id) {
			iommu_registry_unlock();
			drv->dev_close(dev);
			IOMMU_LOG(ERR, "%s: a dev with ID 0x%x is open already", iommu->name, dev->id);
			ret = -EEXIST;
			goto fail;
		}
	}
	TAILQ_INSERT_TAIL(&iommu->devs, dev, next);
	iommu->ndevs++;
	iommu_registry_unlock();
	rte_kvargs_free(kv);
	return dev;

nomem:
	ret = -ENOMEM;
fail:
	rte_kvargs_free(kv);
	if (dev != NULL) {
		free(dev->pasid_map);
		free(dev->nested_map);
	}
	free(dev);
	rte_errno = -ret;
	return NULL;
}

void
sva_dev_close(struct sva_dev *dev)
{
	struct sva_iommu *iommu;

	if (dev == NULL)
		return;
	iommu = dev->iommu;
	iommu_nested_close(dev);
	sva_dev_pasid_table_unbind(dev);
	sva_dev_detach_rid_all_pasids(dev);
	sva_dev_detach_rid(dev);
	for (uint32_t w = 0; dev->pasids_attached > 0 && w < pasid_count(iommu) / 64; w++)
		while (dev->pasid_map[w] != 0)
			sva_dev_detach_pasid(dev, w * 64 + __builtin_ctzll(dev->pasid_map[w]));
	iommu_registry_lock();
	TAILQ_REMOVE(&iommu->devs, dev, next);
	iommu->ndevs--;
	iommu_registry_unlock();
	iommu->drv->dev_close(dev);
	free(dev->pasid_map);
	free(dev->nested_map);
	free(dev);
}

struct sva_iommu *
sva_dev_iommu(const struct sva_dev *dev)
{
	return dev != NULL ? dev->iommu : NULL;
}

uint32_t
sva_dev_id(const struct sva_dev *dev)
{
	return dev != NULL ? dev->id : UINT32_MAX;
}

/* Called from dev_open, under the registry lock sva_dev_open() holds. */
int
sva_dev_id_set(struct sva_dev *dev, uint32_t id)
{
	const struct sva_dev *other;

	dev->id = id; /* even when refused: a driver that goes on is caught after dev_open */
	TAILQ_FOREACH(other, &dev->iommu->devs, next) {
		if (other != dev && other->id == id) {
			IOMMU_LOG(ERR, "%s: a dev with ID 0x%x is open already", dev->iommu->name, id);
			return -EEXIST;
		}
	}
	return 0;
}

void *
sva_dev_priv(const struct sva_dev *dev)
{
	return dev->priv;
}

static int
check_pgtable(const struct sva_dev *dev, const struct sva_pgtable *pt, const char *op)
{
	if (dev == NULL || pt == NULL) {
		IOMMU_LOG(ERR, "%s: %s is NULL", op, dev == NULL ? "dev" : "page table");
		return -EINVAL;
	}
	if (pt->type != SVA_PGTABLE_PROCESS_MM) {
		IOMMU_LOG(ERR, "%s: %s: unknown page table type %d (only SVA_PGTABLE_PROCESS_MM)",
			dev->iommu->name, op, (int)pt->type);
		return -EINVAL;
	}
	return 0;
}

int
sva_dev_attach_rid(struct sva_dev *dev, const struct sva_pgtable *pt)
{
	int ret = check_pgtable(dev, pt, "attach_rid");

	if (ret != 0)
		return ret;
	if (!(dev->iommu->info.caps & SVA_IOMMU_CAP_ATTACH_RID) || dev->iommu->drv->attach_rid == NULL) {
		IOMMU_LOG(ERR, "%s: dev 0x%x: RID attach is not supported here", dev->iommu->name, dev->id);
		return -EOPNOTSUPP;
	}
	if (dev->rid_attached || dev->all_pasids_attached) {
		IOMMU_LOG(ERR, "%s: dev 0x%x: the RID has a page table already (detach it first)",
			dev->iommu->name, dev->id);
		return -EBUSY;
	}
	ret = dev->iommu->drv->attach_rid(dev, pt);
	if (ret == 0)
		dev->rid_attached = true;
	return ret;
}

int
sva_dev_attach_pasid(struct sva_dev *dev, uint32_t pasid, const struct sva_pgtable *pt)
{
	int ret = check_pgtable(dev, pt, "attach_pasid");
	struct sva_iommu *iommu;

	if (ret != 0)
		return ret;
	iommu = dev->iommu;
	if (iommu->info.pasid_bits == 0 || !(iommu->info.caps & SVA_IOMMU_CAP_ATTACH_PASID) ||
			iommu->drv->attach_pasid == NULL) {
		IOMMU_LOG(ERR, "%s: dev 0x%x: PASID attach is not supported here", iommu->name, dev->id);
		return -EOPNOTSUPP;
	}
	if (pasid == 0 || pasid >= pasid_count(iommu)) {
		IOMMU_LOG(ERR, "%s: dev 0x%x: PASID %u out of range: 1 to %u (PASID 0 stands for "
			"requests without PASID: use the RID attach)", iommu->name, dev->id, pasid,
			pasid_count(iommu) - 1);
		return -EINVAL;
	}
	if (dev->all_pasids_attached || dev->nested_all || pasid_test(dev, pasid)) {
		IOMMU_LOG(ERR, "%s: dev 0x%x: PASID %u has a page table already%s", iommu->name,
			dev->id, pasid, dev->nested_all ? " (the guest's nested CD table covers "
			"every PASID of the dev)" : "");
		return -EBUSY;
	}
	ret = iommu->drv->attach_pasid(dev, pasid, pt);
	if (ret == 0) {
		pasid_assign(dev, pasid, true);
		dev->pasids_attached++;
	}
	return ret;
}

int
sva_dev_attach_rid_all_pasids(struct sva_dev *dev, const struct sva_pgtable *pt)
{
	int ret = check_pgtable(dev, pt, "attach_rid_all_pasids");

	if (ret != 0)
		return ret;
	if (dev->iommu->drv->attach_rid_all_pasids == NULL ||
			!(dev->iommu->info.caps & SVA_IOMMU_CAP_ATTACH_RID)) {
		IOMMU_LOG(ERR, "%s: dev 0x%x: RID + all PASIDs attach is not supported here",
			dev->iommu->name, dev->id);
		return -EOPNOTSUPP;
	}
	if (dev->rid_attached || dev->all_pasids_attached || dev->pasids_attached > 0 ||
			dev->nested_all) {
		IOMMU_LOG(ERR, "%s: dev 0x%x: the RID or a PASID has a page table already",
			dev->iommu->name, dev->id);
		return -EBUSY;
	}
	ret = dev->iommu->drv->attach_rid_all_pasids(dev, pt);
	if (ret == 0)
		dev->all_pasids_attached = true;
	return ret;
}

void
sva_dev_detach_rid(struct sva_dev *dev)
{
	if (dev == NULL || !dev->rid_attached)
		return;
	dev->iommu->drv->detach_rid(dev);
	dev->rid_attached = false;
}

void
sva_dev_detach_pasid(struct sva_dev *dev, uint32_t pasid)
{
	if (dev == NULL || pasid >= pasid_count(dev->iommu) || !pasid_test(dev, pasid))
		return;
	if (map_test(dev->nested_map, pasid)) {
		iommu_nested_detach_pasid(dev, pasid);
		return;
	}
	dev->iommu->drv->detach_pasid(dev, pasid);
	pasid_assign(dev, pasid, false);
	dev->pasids_attached--;
}

void
sva_dev_detach_rid_all_pasids(struct sva_dev *dev)
{
	if (dev == NULL || !dev->all_pasids_attached)
		return;
	dev->iommu->drv->detach_rid_all_pasids(dev);
	dev->all_pasids_attached = false;
}

/* Bytes of a table covering 2^bits PASIDs, in the model's format. */
static uint64_t
pasid_table_size(enum sva_pasid_table_format format, uint32_t bits)
{
	switch (format) {
	case SVA_PASID_TABLE_VTD_SM:
		/* directory of 8-byte entries, one per 64 PASIDs */
		return bits > 6 ? (UINT64_C(1) << (bits - 6)) * 8 : 8;
	case SVA_PASID_TABLE_SMMUV3_CD:
		return (UINT64_C(1) << bits) * 64;
	default:
		return 0;
	}
}

int
sva_dev_pasid_table_bind(struct sva_dev *dev, const struct sva_pasid_table_cfg *cfg)
{
	const struct sva_iommu_info *info;
	uint64_t size;
	int ret;

	if (dev == NULL || cfg == NULL) {
		IOMMU_LOG(ERR, "pasid_table_bind: %s is NULL", dev == NULL ? "dev" : "cfg");
		return -EINVAL;
	}
	info = &dev->iommu->info;
	/* The VT-d rule first, so its log line names it whatever the caps say (a VT-d
	 * iommu does not advertise SVA_IOMMU_CAP_PASID_TABLE). */
	if (cfg->format == SVA_PASID_TABLE_VTD_SM || info->pasid_table_format == SVA_PASID_TABLE_VTD_SM ||
			info->model == SVA_IOMMU_MODEL_VTD || info->hw_model == SVA_IOMMU_MODEL_VTD) {
		IOMMU_LOG(ERR, "%s: dev 0x%x: a guest PASID table cannot be bound on VT-d: the host "
			"owns the PASID table (scalable mode); bind each guest PASID's first level "
			"with sva_dev_nested_attach(SVA_NESTED_VTD_FL)", dev->iommu->name, dev->id);
		return -EOPNOTSUPP;
	}
	if (!(info->caps & SVA_IOMMU_CAP_PASID_TABLE) || dev->iommu->drv->pasid_table_bind == NULL) {
		IOMMU_LOG(ERR, "%s: PASID table bind is not supported here", dev->iommu->name);
		return -EOPNOTSUPP;
	}
	if (cfg->format != info->pasid_table_format) {
		IOMMU_LOG(ERR, "%s: PASID table format %d is not this model's (%d)", dev->iommu->name,
			(int)cfg->format, (int)info->pasid_table_format);
		return -EINVAL;
	}
	if (info->pasid_table_align == 0 || cfg->base % info->pasid_table_align != 0) {
		IOMMU_LOG(ERR, "%s: PASID table base 0x%" PRIx64 " is not %u-byte aligned as this "
			"model requires", dev->iommu->name, cfg->base, info->pasid_table_align);
		return -EINVAL;
	}
	if (cfg->pasid_bits == 0 || cfg->pasid_bits > info->pasid_bits) {
		IOMMU_LOG(ERR, "%s: PASID table covers %u PASID bits; this iommu has 1 to %u",
			dev->iommu->name, cfg->pasid_bits, info->pasid_bits);
		return -EINVAL;
	}
	size = pasid_table_size(cfg->format, cfg->pasid_bits);
	if (size > info->pasid_table_max_size) {
		IOMMU_LOG(ERR, "%s: PASID table of %" PRIu64 " bytes exceeds the model's %" PRIu64,
			dev->iommu->name, size, info->pasid_table_max_size);
		return -EINVAL;
	}
	if (dev->pasid_table_bound || dev->nested_all) {
		IOMMU_LOG(ERR, "%s: dev 0x%x: a PASID table is bound already%s", dev->iommu->name,
			dev->id, dev->nested_all ? " (a nested CD table)" : "");
		return -EBUSY;
	}
	ret = dev->iommu->drv->pasid_table_bind(dev, cfg);
	if (ret == 0)
		dev->pasid_table_bound = true;
	return ret;
}

void
sva_dev_pasid_table_unbind(struct sva_dev *dev)
{
	if (dev == NULL || !dev->pasid_table_bound)
		return;
	dev->iommu->drv->pasid_table_unbind(dev);
	dev->pasid_table_bound = false;
}

int
sva_dev_pin_range(struct sva_dev *dev, uint32_t pasid, uint64_t addr, uint64_t len,
		uint32_t perm)
{
	const uint64_t pg = 4096;
	struct sva_iommu *iommu;

	if (dev == NULL) {
		IOMMU_LOG(ERR, "pin_range: dev is NULL");
		return -EINVAL;
	}
	iommu = dev->iommu;
	if (!(iommu->info.caps & SVA_IOMMU_CAP_PIN) || iommu->drv->pin_range == NULL ||
			iommu->drv->unpin_range == NULL) {
		IOMMU_LOG(ERR, "%s: dev 0x%x: pinned mode is not supported here (the driver does "
			"not report SVA_IOMMU_CAP_PIN)", iommu->name, dev->id);
		return -EOPNOTSUPP;
	}
	if (len == 0 || addr % pg != 0 || len % pg != 0 || addr + len < addr) {
		IOMMU_LOG(ERR, "%s: dev 0x%x: pin of [0x%" PRIx64 ", +0x%" PRIx64 "): the range must "
			"be non-empty, 4 KiB aligned at both ends and not wrap", iommu->name, dev->id,
			addr, len);
		return -EINVAL;
	}
	if (perm != SVA_FAULT_PERM_READ && perm != (SVA_FAULT_PERM_READ | SVA_FAULT_PERM_WRITE)) {
		IOMMU_LOG(ERR, "%s: dev 0x%x: pin permission 0x%x: read, or read and write",
			iommu->name, dev->id, perm);
		return -EINVAL;
	}
	if (pasid != SVA_PIN_RID && pasid >= pasid_count(iommu)) {
		IOMMU_LOG(ERR, "%s: dev 0x%x: pin for PASID %u: this iommu has %u PASIDs",
			iommu->name, dev->id, pasid, pasid_count(iommu));
		return -EINVAL;
	}
	return iommu->drv->pin_range(dev, pasid, addr, len, perm);
}

void
sva_dev_unpin_range(struct sva_dev *dev, uint32_t pasid, uint64_t addr, uint64_t len)
{
	if (dev == NULL || !(dev->iommu->info.caps & SVA_IOMMU_CAP_PIN) ||
			dev->iommu->drv->unpin_range == NULL)
		return;
	dev->iommu->drv->unpin_range(dev, pasid, addr, len);
}
