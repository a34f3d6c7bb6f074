/* SPDX-License-Identifier: BSD-3-Clause */
/* The "syn" test driver: see test_iopf_syn.h. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <rte_common.h>
#include <rte_errno.h>

#include <sva_iommu_driver.h>

#include "test_iopf_syn.h"

static const char *const syn_iommu_keys[] = { "model", "nested", NULL };
static const char *const syn_models[] = { "vtd", "smmuv3", NULL };
static const char *const syn_dev_keys[] = { "rid", NULL };

struct syn_dev {
	uint64_t rid;
};

static int
syn_iommu_create(struct sva_iommu *iommu, const struct rte_kvargs *kv)
{
	struct syn_iommu *s = sva_iommu_priv(iommu);
	unsigned int model = 0;
	uint64_t nested = 0;

	memset(s, 0, sizeof(*s));
	if (sva_kvargs_choice(kv, "model", syn_models, &model) != 0 ||
			sva_kvargs_u64(kv, "nested", 0, 1, &nested) != 0)
		return -EINVAL;
	s->model = model == 0 ? SVA_IOMMU_MODEL_VTD : SVA_IOMMU_MODEL_SMMUV3;
	s->nested = (uint32_t)nested;
	return 0;
}

static void syn_iommu_destroy(struct sva_iommu *iommu) { RTE_SET_USED(iommu); }

static void
syn_info_get(const struct sva_iommu *iommu, struct sva_iommu_info *info)
{
	const struct syn_iommu *s = sva_iommu_priv(iommu);

	info->model = s->model;
	info->pasid_bits = 16;
	info->caps = SVA_IOMMU_CAP_PRI | SVA_IOMMU_CAP_ATTACH_RID | SVA_IOMMU_CAP_ATTACH_PASID |
		SVA_IOMMU_CAP_EXEC | SVA_IOMMU_CAP_PRIV | (s->nested ? SVA_IOMMU_CAP_NESTED : 0);
	info->prq_depth = SYN_QLEN;
	info->evtq_depth = 256;
	info->numa_node = -1;
}

static int
syn_dev_open(struct sva_dev *dev, const struct rte_kvargs *kv)
{
	struct syn_dev *d = sva_dev_priv(dev);

	d->rid = 0x10;
	if (sva_kvargs_u64(kv, "rid", 0, 0xffff, &d->rid) != 0)
		return -EINVAL;
	sva_dev_id_set(dev, d->rid);
	return 0;
}

static void syn_dev_close(struct sva_dev *dev) { RTE_SET_USED(dev); }

static int
syn_attach(struct sva_dev *dev, const struct sva_pgtable *pt)
{
	RTE_SET_USED(dev);
	RTE_SET_USED(pt);
	return 0;
}

static int
syn_attach_pasid(struct sva_dev *dev, uint32_t pasid, const struct sva_pgtable *pt)
{
	RTE_SET_USED(pasid);
	return syn_attach(dev, pt);
}

static void syn_detach(struct sva_dev *dev) { RTE_SET_USED(dev); }

static void
syn_detach_pasid(struct sva_dev *dev, uint32_t pasid)
{
	RTE_SET_USED(dev);
	RTE_SET_USED(pasid);
}

static uint16_t
syn_prq_read(struct sva_iommu *iommu, struct sva_fault *faults, uint16_t n)
{
	struct syn_iommu *s = sva_iommu_priv(iommu);
	uint16_t i = 0;

	if (s->on_prq_read != NULL)
		s->on_prq_read(iommu);
	/* acquire: the records up to the tail are written (syn_pr_flags publishes after) */
	while (i < n && s->prq_head != __atomic_load_n(&s->prq_tail, __ATOMIC_ACQUIRE)) {
		faults[i++] = s->prq[s->prq_head % SYN_QLEN];
		/* atomic for syn_prq_pending() on lib/sva's background thread */
		__atomic_store_n(&s->prq_head, s->prq_head + 1, __ATOMIC_RELAXED);
	}
	return i;
}

/* lib/sva's "no poller" check: written entries not read yet */
static int
syn_prq_pending(struct sva_iommu *iommu)
{
	struct syn_iommu *s = sva_iommu_priv(iommu);

	return __atomic_load_n(&s->prq_head, __ATOMIC_RELAXED) !=
		__atomic_load_n(&s->prq_tail, __ATOMIC_RELAXED) ? 1 : 0;
}

static uint16_t
syn_evtq_read(struct sva_iommu *iommu, struct sva_fault *faults, uint16_t n)
{
	struct syn_iommu *s = sva_iommu_priv(iommu);
	uint16_t i = 0;

	while (i < n && s->evq_head != s->evq_tail)
		faults[i++] = s->evq[s->evq_head++ % 256];
	return i;
}

static int
syn_page_response(struct sva_iommu *iommu, const struct sva_page_response *resp, uint16_t n)
{
	struct syn_iommu *s = sva_iommu_priv(iommu);
	uint16_t take = n;

	if (s->resp_ret != 0)
		return s->resp_ret;
	if (s->resp_limit != 0 && take > s->resp_limit)
		take = (uint16_t)s->resp_limit;
	for (uint16_t i = 0; i < take && s->nresp < SYN_QLEN; i++) {
		s->resp_head[s->nresp] = s->prq_head;
		s->resp[s->nresp++] = resp[i];
	}
	s->doorbells++;
	return take;
}

static int
syn_prq_drain(struct sva_iommu *iommu)
{
	syn_of(iommu)->drains++;
	return 0;
}

static int
syn_iotlb_inval(struct sva_iommu *iommu, uint32_t pasid, uint64_t addr, uint64_t size)
{
	RTE_SET_USED(iommu);
	RTE_SET_USED(pasid);
	RTE_SET_USED(addr);
	RTE_SET_USED(size);
	return 0;
}

static int
syn_range_resolved(struct sva_iommu *iommu, struct sva_dev *dev, uint32_t pasid, uint64_t addr,
		uint64_t len, uint32_t perm)
{
	struct syn_iommu *s = sva_iommu_priv(iommu);

	RTE_SET_USED(dev);
	RTE_SET_USED(pasid);
	RTE_SET_USED(addr);
	RTE_SET_USED(len);
	RTE_SET_USED(perm);
	s->resolved_calls++;
	return s->resolved_ret;
}

/* Nested ops: logged, so that tests see what the core let through. */
static int
syn_nested_attach(struct sva_dev *dev, uint32_t pasid, const struct sva_nested_cfg *cfg)
{
	struct syn_iommu *s = sva_iommu_priv(sva_dev_iommu(dev));
	uint32_t i;

	if (s->nested_ret != 0)
		return s->nested_ret;
	i = s->nattach++ % 16;
	s->attach_log[i].dev_id = sva_dev_id(dev);
	s->attach_log[i].pasid = pasid;
	s->attach_log[i].cfg = *cfg;
	return 0;
}

static void
syn_nested_detach(struct sva_dev *dev, uint32_t pasid)
{
	struct syn_iommu *s = sva_iommu_priv(sva_dev_iommu(dev));
	uint32_t i = s->ndetach++ % 16;

	s->detach_log[i].dev_id = sva_dev_id(dev);
	s->detach_log[i].pasid = pasid;
}

static int
syn_nested_inval(struct sva_dev *dev, uint32_t pasid, uint64_t addr, uint64_t size)
{
	struct syn_iommu *s = sva_iommu_priv(sva_dev_iommu(dev));
	uint32_t i = s->ninval++ % 16;

	s->inval_log[i].dev_id = sva_dev_id(dev);
	s->inval_log[i].pasid = pasid;
	s->inval_log[i].addr = addr;
	s->inval_log[i].size = size;
	return 0;
}

static const struct sva_iommu_driver syn_driver = {
	.name = "syn",
	.iommu_keys = syn_iommu_keys,
	.dev_keys = syn_dev_keys,
	.iommu_priv_size = sizeof(struct syn_iommu),
	.dev_priv_size = sizeof(struct syn_dev),
	.iommu_create = syn_iommu_create,
	.iommu_destroy = syn_iommu_destroy,
	.info_get = syn_info_get,
	.dev_open = syn_dev_open,
	.dev_close = syn_dev_close,
	.attach_rid = syn_attach,
	.attach_pasid = syn_attach_pasid,
	.attach_rid_all_pasids = syn_attach,
	.detach_rid = syn_detach,
	.detach_pasid = syn_detach_pasid,
	.detach_rid_all_pasids = syn_detach,
	.prq_read = syn_prq_read,
	.prq_pending = syn_prq_pending,
	.evtq_read = syn_evtq_read,
	.page_response = syn_page_response,
	.prq_drain = syn_prq_drain,
	.iotlb_inval = syn_iotlb_inval,
	.range_resolved = syn_range_resolved,
	.nested_attach = syn_nested_attach,
	.nested_detach = syn_nested_detach,
	.nested_inval = syn_nested_inval,
};

/* The same driver without nested_inval ("syn_noinval,..."): a driver that nests
 * but cannot invalidate first-level caches. */
static struct sva_iommu_driver syn_noinval_driver;

RTE_INIT(syn_register)
{
	sva_iommu_driver_register(&syn_driver);
	syn_noinval_driver = syn_driver;
	syn_noinval_driver.name = "syn_noinval";
	syn_noinval_driver.nested_inval = NULL;
	sva_iommu_driver_register(&syn_noinval_driver);
}

struct sva_iommu *
syn_create(const char *name)
{
	char args[96];

	snprintf(args, sizeof(args), "syn,name=%s", name);
	return sva_iommu_create(args);
}

struct sva_iommu *
syn_create_args(const char *name, const char *extra)
{
	char args[160];

	snprintf(args, sizeof(args), "syn,name=%s%s%s", name, extra[0] != '\0' ? "," : "",
		extra);
	return sva_iommu_create(args);
}

struct syn_iommu *
syn_of(struct sva_iommu *iommu)
{
	return sva_iommu_priv(iommu);
}

void
syn_pr_flags(struct sva_iommu *iommu, uint32_t dev_id, uint32_t flags, uint32_t pasid,
		uint32_t grpid, uint64_t addr, uint32_t perm, uint64_t ts)
{
	struct syn_iommu *s = sva_iommu_priv(iommu);
	struct sva_fault *f = &s->prq[s->prq_tail % SYN_QLEN];

	memset(f, 0, sizeof(*f));
	f->type = SVA_FAULT_PAGE_REQ;
	f->prm.flags = flags | (ts != 0 ? SVA_FAULT_PR_TIMESTAMP : 0);
	f->prm.pasid = pasid;
	f->prm.grpid = grpid;
	f->prm.perm = perm;
	f->prm.addr = addr;
	f->prm.dev_id = dev_id;
	f->prm.timestamp = ts;
	/* published after it is written: a poller on another lcore may read it at once */
	__atomic_store_n(&s->prq_tail, s->prq_tail + 1, __ATOMIC_RELEASE);
}

void
syn_pr(struct sva_iommu *iommu, uint32_t dev_id, uint32_t pasid, uint32_t grpid, uint64_t addr,
		uint32_t perm, int last)
{
	syn_pr_flags(iommu, dev_id, SVA_FAULT_PR_PASID_VALID | (last ? SVA_FAULT_PR_LAST_PAGE : 0),
		pasid, grpid, addr, perm, 0);
}

void
syn_overflow(struct sva_iommu *iommu)
{
	struct syn_iommu *s = sva_iommu_priv(iommu);
	struct sva_fault *f = &s->prq[s->prq_tail % SYN_QLEN];

	memset(f, 0, sizeof(*f));
	f->type = SVA_FAULT_OVERFLOW;
	__atomic_store_n(&s->prq_tail, s->prq_tail + 1, __ATOMIC_RELEASE);
}

void
syn_event(struct sva_iommu *iommu, uint32_t dev_id, uint32_t pasid, uint64_t addr)
{
	struct syn_iommu *s = sva_iommu_priv(iommu);
	struct sva_fault *f = &s->evq[s->evq_tail++ % 256];

	memset(f, 0, sizeof(*f));
	f->type = SVA_FAULT_UNRECOV;
	f->event.reason = SVA_FAULT_REASON_TRANSLATION;
	f->event.flags = SVA_FAULT_UNRECOV_PASID_VALID | SVA_FAULT_UNRECOV_ADDR_VALID;
	f->event.pasid = pasid;
	f->event.dev_id = dev_id;
	f->event.addr = addr;
}

void
syn_stall(struct sva_iommu *iommu, uint32_t dev_id, uint32_t pasid, uint32_t stag, uint64_t addr)
{
	struct syn_iommu *s = sva_iommu_priv(iommu);
	struct sva_fault *f = &s->evq[s->evq_tail++ % 256];

	memset(f, 0, sizeof(*f));
	f->type = SVA_FAULT_UNRECOV;
	f->event.reason = SVA_FAULT_REASON_TRANSLATION;
	f->event.flags = SVA_FAULT_UNRECOV_PASID_VALID | SVA_FAULT_UNRECOV_ADDR_VALID |
		SVA_FAULT_UNRECOV_STALL;
	f->event.perm = SVA_FAULT_PERM_WRITE;
	f->event.pasid = pasid;
	f->event.dev_id = dev_id;
	f->event.stag = stag;
	f->event.addr = addr;
}

unsigned int
syn_responses_for(struct sva_iommu *iommu, uint32_t pasid, uint32_t grpid, uint32_t *code)
{
	struct syn_iommu *s = sva_iommu_priv(iommu);
	unsigned int n = 0;

	for (uint32_t i = 0; i < s->nresp; i++) {
		if (s->resp[i].pasid == pasid && s->resp[i].grpid == grpid) {
			n++;
			if (code != NULL)
				*code = s->resp[i].code;
		}
	}
	return n;
}
