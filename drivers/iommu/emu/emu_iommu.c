/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The emu iommu driver: devargs, capabilities per model, queue memory, attach state,
 * and the poll-path ops, which call the model directly (no lock, no system call).
 */
#include <errno.h>
#include <inttypes.h>
#include <numa.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_errno.h>
#include <rte_lcore.h>

#include "emu_pvt.h"
#include "emu_vsva.h"

RTE_LOG_REGISTER(sva_emu_logtype, drv.iommu.emu, INFO);

static const char *const emu_iommu_keys[] = {
	"model", "pasid_bits", "prq_depth", "evtq_depth", "numa", "pasid_table", "walk",
	"inject_drop_every", "inject_drop_ppm", "inject_dup_every", "inject_dup_ppm",
	"inject_corrupt_every", "inject_corrupt_ppm", "inject_overflow_every",
	"inject_stop_every", "inject_seed", "dev_delay_us", "pri",
	NULL
};

static const char *const emu_dev_keys[] = {
	"rid", "mode", "cpu", "wq_depth", "prg_window", "timeout_ms", "pr_depth", "stall",
	"stall_tags", NULL
};

static const char *const emu_models[] = { "vtd", "smmuv3", NULL };
static const char *const emu_yes_no[] = { "no", "yes", NULL };
static const char *const emu_walks[] = { "auto", "scan", "pagemap", NULL };
static const char *const emu_pris[] = { "auto", "on", "off", NULL };

/* What each model accepts for its queues (and its defaults). */
struct emu_model_limits {
	uint32_t prq_min, prq_max, prq_def;
	uint32_t evtq_min, evtq_max, evtq_def;
	uint32_t respq_depth;
};

static const struct emu_model_limits emu_limits[] = {
	/* VT-d: PQA size field, 2^n 4 KiB pages of 32-byte descriptors */
	{ 128, 16384, 2048, 16, 4096, 512, 512 },
	/* SMMUv3: log2 queue sizes */
	{ 16, 65536, 1024, 16, 65536, 512, 512 },
};

struct emu_iommu *
emu_of_iommu(const struct sva_iommu *iommu)
{
	return sva_iommu_priv(iommu);
}

struct emu_dev *
emu_of_dev(const struct sva_dev *dev)
{
	return sva_dev_priv(dev);
}

static int
parse_depth(const struct rte_kvargs *kv, const char *key, uint32_t min, uint32_t max,
		const char *model, uint32_t *out)
{
	uint64_t v = *out;

	if (sva_kvargs_u64(kv, key, 0, UINT32_MAX, &v) != 0)
		return -EINVAL;
	if (v < min || v > max || (v & (v - 1)) != 0) {
		EMU_LOG(ERR, "bad value '%" PRIu64 "' for key '%s': model %s accepts a power of two "
			"from %u to %u", v, key, model, min, max);
		return -EINVAL;
	}
	*out = v;
	return 0;
}

static int
default_numa_node(void)
{
	int cpu = sched_getcpu();

	if (numa_available() < 0 || cpu < 0)
		return -1;
	return numa_node_of_cpu(cpu);
}

static int
emu_iommu_create(struct sva_iommu *iommu, const struct rte_kvargs *kv)
{
	struct emu_iommu *e = emu_of_iommu(iommu);
	const struct emu_model_limits *lim;
	unsigned int model = 0, table = 1, walk = EMU_WALK_AUTO, pri = 0;
	uint64_t pasid_bits = 20, numa = UINT64_MAX;
	int ret;

	memset(e, 0, sizeof(*e));
	e->iommu = iommu;
	e->pagemap_fd = -1;
	e->maps_fd = -1;
	if (sva_kvargs_choice(kv, "model", emu_models, &model) != 0 ||
			sva_kvargs_u64(kv, "pasid_bits", 1, 20, &pasid_bits) != 0 ||
			sva_kvargs_choice(kv, "pasid_table", emu_yes_no, &table) != 0 ||
			sva_kvargs_choice(kv, "walk", emu_walks, &walk) != 0 ||
			sva_kvargs_choice(kv, "pri", emu_pris, &pri) != 0)
		return -EINVAL;
	e->pri_off = pri == 2;
	lim = &emu_limits[model];
	e->ops = model == 0 ? &emu_model_vtd : &emu_model_smmuv3;
	e->qcfg.prq_depth = lim->prq_def;
	e->qcfg.evtq_depth = lim->evtq_def;
	e->qcfg.respq_depth = lim->respq_depth;
	if (parse_depth(kv, "prq_depth", lim->prq_min, lim->prq_max, emu_models[model],
				&e->qcfg.prq_depth) != 0 ||
			parse_depth(kv, "evtq_depth", lim->evtq_min, lim->evtq_max, emu_models[model],
				&e->qcfg.evtq_depth) != 0)
		return -EINVAL;
	if (numa_available() >= 0) {
		if (sva_kvargs_u64(kv, "numa", 0, (uint64_t)numa_max_node(), &numa) != 0)
			return -EINVAL;
	} else if (sva_kvargs_u64(kv, "numa", 0, 0, &numa) != 0) {
		EMU_LOG(ERR, "libnuma reports no NUMA support here: only numa=0 is accepted");
		return -EINVAL;
	}
	if (emu_inject_parse(e, kv) != 0)
		return -EINVAL;
	e->pasid_bits = pasid_bits;
	e->pasid_table = table == 1;
	e->numa_node = numa != UINT64_MAX ? (int)numa : default_numa_node();
	e->pid = getpid();

	ret = emu_walk_init(e, walk);
	if (ret != 0)
		return ret;
	e->q = emu_queue_mem_alloc(e->ops->mem_size(&e->qcfg), e->numa_node, &e->q_map_size,
		&e->q_huge);
	if (e->q == NULL) {
		emu_walk_fini(e);
		return -ENOMEM;
	}
	ret = e->ops->init(e->q, &e->qcfg);
	if (ret != 0) {
		EMU_LOG(ERR, "model %s refused prq_depth=%u evtq_depth=%u: %s", e->ops->name,
			e->qcfg.prq_depth, e->qcfg.evtq_depth, strerror(-ret));
		emu_queue_mem_free(e->q, e->q_map_size);
		emu_walk_fini(e);
		return ret;
	}
	pthread_mutex_init(&e->devlock, NULL);
	EMU_LOG(INFO, "%s: model %s, %u PASID bits, PRQ %u, event queue %u, queues on %s "
		"(node %d), walk by %s%s", sva_iommu_name(iommu), e->ops->name, e->pasid_bits,
		e->qcfg.prq_depth, e->qcfg.evtq_depth, e->q_huge ? "2 MiB hugepages" : "4 KiB pages",
		e->numa_node, e->walk_mode == EMU_WALK_SCAN ? "PAGEMAP_SCAN" : "/proc/self/pagemap",
		e->pri_off ? ", no PRI (pri=off: pinned mode only)" : "");
	return 0;
}

static void
emu_iommu_destroy(struct sva_iommu *iommu)
{
	struct emu_iommu *e = emu_of_iommu(iommu);

	emu_queue_mem_free(e->q, e->q_map_size);
	emu_walk_fini(e);
	pthread_mutex_destroy(&e->devlock);
}

static void
emu_info_get(const struct sva_iommu *iommu, struct sva_iommu_info *info)
{
	const struct emu_iommu *e = emu_of_iommu(iommu);
	uint32_t bits = e->pasid_bits;

	info->model = e->ops->model;
	info->pasid_bits = bits;
	info->caps = SVA_IOMMU_CAP_EXEC | SVA_IOMMU_CAP_PRIV | SVA_IOMMU_CAP_ATTACH_RID |
		SVA_IOMMU_CAP_ATTACH_PASID | SVA_IOMMU_CAP_PIN | SVA_IOMMU_CAP_NESTED;
	if (!e->pri_off)
		info->caps |= SVA_IOMMU_CAP_PRI;
	info->prq_depth = e->qcfg.prq_depth;
	info->evtq_depth = e->qcfg.evtq_depth;
	/* VT-d: global PASID space, and no guest PASID table: in scalable mode the host owns
	 * the PASID table (lib/iommu refuses sva_dev_pasid_table_bind() there; a guest's
	 * PASIDs get a first level each, SVA_NESTED_VTD_FL), so the info says so:
	 * no SVA_IOMMU_CAP_PASID_TABLE, format NONE. */
	info->pasid_table_format = SVA_PASID_TABLE_NONE;
	info->pasid_table_align = 0;
	info->pasid_table_max_size = 0;
	if (e->ops->model != SVA_IOMMU_MODEL_VTD) {
		/* per-device substream IDs; CD table of 64-byte descriptors, 64-byte aligned */
		info->caps |= SVA_IOMMU_CAP_PASID_PER_DEV;
		if (!e->pri_off)
			info->caps |= SVA_IOMMU_CAP_STALL;
		if (e->pasid_table) {
			info->caps |= SVA_IOMMU_CAP_PASID_TABLE;
			info->pasid_table_format = SVA_PASID_TABLE_SMMUV3_CD;
			info->pasid_table_align = 64;
			info->pasid_table_max_size = (UINT64_C(1) << bits) * 64;
		}
	}
	info->page_sizes = (UINT64_C(1) << 12) | (UINT64_C(1) << 21) | (UINT64_C(1) << 30);
	info->numa_node = e->numa_node;
}

/* ---- attach: the state the device's walk consults ---- */

static void
pasid_set(struct emu_dev *d, uint32_t pasid, bool on)
{
	uint64_t bit = UINT64_C(1) << (pasid % 64);

	if (on)
		__atomic_fetch_or(&d->pasid_map[pasid / 64], bit, __ATOMIC_RELEASE);
	else
		__atomic_fetch_and(&d->pasid_map[pasid / 64], ~bit, __ATOMIC_RELEASE);
}

static void
dev_tlb_inval(struct emu_dev *d, uint32_t pasid, bool all)
{
	emu_iotlb_inval(&d->e->iotlb[d->slot], pasid, all, 0, 0);
}

static int
emu_attach_rid(struct sva_dev *dev, const struct sva_pgtable *pt)
{
	struct emu_dev *d = emu_of_dev(dev);

	RTE_SET_USED(pt);
	if (d->mode == EMU_DEV_PASID_ONLY) {
		EMU_LOG(ERR, "dev 0x%x was opened mode=pasid_only: it has no RID page table "
			"(attach a PASID, or open it with mode=full)", d->rid);
		return -EOPNOTSUPP;
	}
	__atomic_store_n(&d->rid_attached, 1, __ATOMIC_RELEASE);
	return 0;
}

static int
emu_attach_pasid(struct sva_dev *dev, uint32_t pasid, const struct sva_pgtable *pt)
{
	RTE_SET_USED(pt);
	pasid_set(emu_of_dev(dev), pasid, true);
	return 0;
}

static int
emu_attach_rid_all_pasids(struct sva_dev *dev, const struct sva_pgtable *pt)
{
	struct emu_dev *d = emu_of_dev(dev);

	RTE_SET_USED(pt);
	if (d->mode == EMU_DEV_PASID_ONLY) {
		EMU_LOG(ERR, "dev 0x%x was opened mode=pasid_only: RID + all PASIDs attach is not "
			"possible (attach PASIDs one by one, or open it with mode=full)", d->rid);
		return -EOPNOTSUPP;
	}
	__atomic_store_n(&d->all_attached, 1, __ATOMIC_RELEASE);
	return 0;
}

static void
emu_detach_rid(struct sva_dev *dev)
{
	struct emu_dev *d = emu_of_dev(dev);

	__atomic_store_n(&d->rid_attached, 0, __ATOMIC_RELEASE);
	dev_tlb_inval(d, 0, false);
}

static void
emu_detach_pasid(struct sva_dev *dev, uint32_t pasid)
{
	struct emu_dev *d = emu_of_dev(dev);

	pasid_set(d, pasid, false);
	dev_tlb_inval(d, pasid, false);
}

static void
emu_detach_rid_all_pasids(struct sva_dev *dev)
{
	struct emu_dev *d = emu_of_dev(dev);

	__atomic_store_n(&d->all_attached, 0, __ATOMIC_RELEASE);
	dev_tlb_inval(d, 0, true);
}

static int
emu_pasid_table_bind(struct sva_dev *dev, const struct sva_pasid_table_cfg *cfg)
{
	/* The core checked format, alignment and size; the device only records it. */
	emu_of_dev(dev)->table = *cfg;
	return 0;
}

static void
emu_pasid_table_unbind(struct sva_dev *dev)
{
	memset(&emu_of_dev(dev)->table, 0, sizeof(struct sva_pasid_table_cfg));
}

/* ---- poll path: straight to the model ---- */

static uint16_t
emu_prq_read(struct sva_iommu *iommu, struct sva_fault *faults, uint16_t n)
{
	struct emu_iommu *e = emu_of_iommu(iommu);

	return e->ops->prq_read(e->q, faults, n);
}

/* lib/sva's "no poller" check, off the poll path */
static int
emu_prq_pending(struct sva_iommu *iommu)
{
	struct emu_iommu *e = emu_of_iommu(iommu);

	return e->ops->prq_pending(e->q) ? 1 : 0;
}

static uint16_t
emu_evtq_read(struct sva_iommu *iommu, struct sva_fault *faults, uint16_t n)
{
	struct emu_iommu *e = emu_of_iommu(iommu);

	return e->ops->evtq_read(e->q, faults, n);
}

static int
emu_page_response(struct sva_iommu *iommu, const struct sva_page_response *resp, uint16_t n)
{
	struct emu_iommu *e = emu_of_iommu(iommu);

	return e->ops->resp_write(e->q, resp, n);
}

/*
 * The drain fence (VT-d: invalidation wait descriptor with PD=1; SMMUv3: CMD_SYNC after
 * the PRI). Hardware completes it once every page request the device emitted before it
 * has been written to the PRQ; SMMUv3's CMD_SYNC also makes visible the event records
 * of transactions stalled or terminated before it (IHI0070 4.7.3), which lib/iopf's
 * drain reads too. An emu device writes all requests of a group (grp_send), and every
 * event and stall record (stall_access), under devlock, so taking devlock once waits
 * out any device in the middle of emitting; whatever it sent before is in its queue
 * then, page request or event.
 */
static int
emu_prq_drain(struct sva_iommu *iommu)
{
	struct emu_iommu *e = emu_of_iommu(iommu);

	pthread_mutex_lock(&e->devlock);
	EMU_INC(e, prq_drains);
	pthread_mutex_unlock(&e->devlock);
	return 0;
}

static int
emu_iotlb_inval_op(struct sva_iommu *iommu, uint32_t pasid, uint64_t addr, uint64_t size)
{
	struct emu_iommu *e = emu_of_iommu(iommu);

	/* Every slot: the IOTLBs live in the iommu, so a closing dev is no hazard. */
	for (unsigned int i = 0; i < EMU_MAX_DEVS; i++)
		emu_iotlb_inval(&e->iotlb[i], pasid, false, addr, size);
	EMU_INC(e, iotlb_invals);
	return 0;
}

const struct sva_iommu_driver emu_driver = {
	.name = "emu",
	.iommu_keys = emu_iommu_keys,
	.dev_keys = emu_dev_keys,
	.iommu_priv_size = sizeof(struct emu_iommu),
	.dev_priv_size = sizeof(struct emu_dev),
	.iommu_create = emu_iommu_create,
	.iommu_destroy = emu_iommu_destroy,
	.info_get = emu_info_get,
	.dev_open = emu_dev_open,
	.dev_close = emu_dev_close,
	.attach_rid = emu_attach_rid,
	.attach_pasid = emu_attach_pasid,
	.attach_rid_all_pasids = emu_attach_rid_all_pasids,
	.detach_rid = emu_detach_rid,
	.detach_pasid = emu_detach_pasid,
	.detach_rid_all_pasids = emu_detach_rid_all_pasids,
	.pasid_table_bind = emu_pasid_table_bind,
	.pasid_table_unbind = emu_pasid_table_unbind,
	.prq_read = emu_prq_read,
	.prq_pending = emu_prq_pending,
	.evtq_read = emu_evtq_read,
	.page_response = emu_page_response,
	.prq_drain = emu_prq_drain,
	.iotlb_inval = emu_iotlb_inval_op,
	.nested_attach = emu_nested_attach,
	.nested_detach = emu_nested_detach,
	.nested_inval = emu_nested_inval,
	.pin_range = emu_pin_range,
	.unpin_range = emu_unpin_range,
	.range_resolved = NULL,
};

SVA_IOMMU_DRIVER_REGISTER(emu_driver);

/* ---- counters ---- */

_Static_assert(sizeof(struct sva_emu_model_counters) == sizeof(struct emu_model_counters),
	"sva_emu_model_counters mirrors emu_model_counters");

int
sva_emu_counters_get(const struct sva_iommu *iommu, struct sva_emu_counters *c)
{
	struct emu_iommu *e;
	struct emu_model_counters mc;
	const uint64_t *src;
	uint64_t *dst;

	if (iommu == NULL || c == NULL || sva_iommu_driver_of(iommu) != &emu_driver) {
		EMU_LOG(ERR, "sva_emu_counters_get: %s", iommu == NULL ? "iommu is NULL" :
			c == NULL ? "counters pointer is NULL" : "not an emu iommu");
		return -EINVAL;
	}
	e = emu_of_iommu(iommu);
	/* responses no device thread has consumed yet (a duplicate after its job ended,
	 * a late one) are dispatched first, so that they are counted */
	pthread_mutex_lock(&e->devlock);
	emu_resp_pump(e);
	pthread_mutex_unlock(&e->devlock);
	src = (const uint64_t *)&e->cnt;
	dst = (uint64_t *)c;
	for (size_t i = 0; i < sizeof(*c) / sizeof(uint64_t); i++) {
		size_t at = i * sizeof(uint64_t);

		if (at >= offsetof(struct sva_emu_counters, model) &&
				at < offsetof(struct sva_emu_counters, model) + sizeof(c->model))
			continue;   /* the model's own, below */
		dst[i] = __atomic_load_n(&src[i], __ATOMIC_RELAXED);
	}
	memset(&mc, 0, sizeof(mc));
	e->ops->counters_get(e->q, &mc);
	c->model.prq_written = mc.prq_written;
	c->model.prq_dropped = mc.prq_dropped;
	c->model.prq_overflows = mc.prq_overflows;
	c->model.prq_read = mc.prq_read;
	c->model.prq_malformed = mc.prq_malformed;
	c->model.evtq_written = mc.evtq_written;
	c->model.evtq_dropped = mc.evtq_dropped;
	c->model.evtq_overflows = mc.evtq_overflows;
	c->model.evtq_read = mc.evtq_read;
	c->model.evtq_malformed = mc.evtq_malformed;
	c->model.resp_written = mc.resp_written;
	c->model.resp_doorbells = mc.resp_doorbells;
	c->model.resp_read = mc.resp_read;
	c->model.resp_malformed = mc.resp_malformed;
	c->model.prq_auto_resp = mc.prq_auto_resp;
	c->model.prq_auto_resp_lost = mc.prq_auto_resp_lost;
	return 0;
}
