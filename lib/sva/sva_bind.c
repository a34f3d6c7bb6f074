/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Bind and unbind. A bond is this process's address space bound to (dev, PASID).
 *
 * Bind order: PASID from the set (its private pointer is the bond), fault path ready
 * for it (so the first request after attach already finds it), then attach.
 * Unbind order: the fault path stops accepting the PASID and answers every open and
 * deferred group Invalid; detach; drain the page request queue; free the PASID. The
 * drain hook svapoll registers on the space drains again before the number is reused.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_errno.h>
#include <rte_ring.h>
#include <rte_ring_elem.h>

#include "sva_pvt.h"

#define SVA_DRAIN_READS 64
/* A bind refreshes the mappings snapshot unless one was taken this recently. */
#define SVA_MAPS_REFRESH_MIN_US 2000

static unsigned int bond_counter;
static uint64_t maps_refreshed_at;

/* Before a freed PASID is reused: every request queued before now is answered. */
static int
drain_hook(struct sva_pasid_space *space, uint32_t pasid, void *arg)
{
	RTE_SET_USED(space);
	RTE_SET_USED(pasid);
	RTE_SET_USED(arg);
	/* the hook may run inside sva_bind (alloc reclaims), so it takes no sva lock */
	return sva_iopf_drain_all(SVA_DRAIN_READS);
}

/* Registering twice is refused with -EEXIST: the hook is then in place already. */
static int
hook_space(struct sva_pasid_space *space)
{
	int ret = sva_pasid_drain_hook_register(space, drain_hook, NULL);

	if (ret != 0 && ret != -EEXIST) {
		SVA_LOG(ERR, "cannot register the drain hook on PASID space %s: %s",
			sva_pasid_space_name(space), strerror(-ret));
		return ret;
	}
	return 0;
}

static void
bond_event(struct sva_iopf_bond *ib, const struct sva_fault *rec, void *arg)
{
	struct sva_bond *bond = arg;

	RTE_SET_USED(ib);
	bond->cb(bond, rec, bond->cb_arg);
}

static int
params_check(const struct sva_bind_params *pa)
{
	const uint32_t known = SVA_BIND_RID | SVA_BIND_AUTO_INVALID | SVA_BIND_ALLOW_EXEC |
		SVA_BIND_ALLOW_PRIV | SVA_BIND_EVENT_RING;

	if (pa->flags & ~known) {
		SVA_LOG(ERR, "bind: unknown flags 0x%x", pa->flags & ~known);
		return -EINVAL;
	}
	if (pa->fault_around_before > SVA_IOPF_FAULT_AROUND_MAX ||
			pa->fault_around_after > SVA_IOPF_FAULT_AROUND_MAX) {
		SVA_LOG(ERR, "bind: fault-around window %u/%u: at most %u pages each side",
			pa->fault_around_before, pa->fault_around_after, SVA_IOPF_FAULT_AROUND_MAX);
		return -EINVAL;
	}
	if (pa->event_cb != NULL && (pa->flags & SVA_BIND_EVENT_RING)) {
		SVA_LOG(ERR, "bind: give an event callback or SVA_BIND_EVENT_RING, not both");
		return -EINVAL;
	}
	if ((pa->flags & SVA_BIND_EVENT_RING) && pa->event_ring_size != 0 &&
			(pa->event_ring_size < 2 || (pa->event_ring_size & (pa->event_ring_size - 1)))) {
		SVA_LOG(ERR, "bind: event_ring_size %u: a power of two, at least 2",
			pa->event_ring_size);
		return -EINVAL;
	}
	if (pa->pasid_min > pa->pasid_max) {
		SVA_LOG(ERR, "bind: PASID range %u..%u is empty", pa->pasid_min, pa->pasid_max);
		return -EINVAL;
	}
	return 0;
}

static void
maps_refresh_maybe(void)
{
	uint64_t now = rte_get_timer_cycles();

	if (maps_refreshed_at != 0 &&
			now - maps_refreshed_at < rte_get_timer_hz() / 1000000 * SVA_MAPS_REFRESH_MIN_US)
		return;
	if (sva_iopf_maps_refresh() == 0)
		maps_refreshed_at = now;
}

struct sva_bond *
sva_bind(struct sva_dev *dev, struct sva_pasid_set *set, const struct sva_bind_params *params)
{
	static const struct sva_pgtable mm = { .type = SVA_PGTABLE_PROCESS_MM };
	struct sva_bind_params pa = { 0 };
	struct sva_iopf_bond_conf bc;
	struct sva_iommu_info info;
	struct sva_poller *p;
	struct sva_bond *b;
	char rname[RTE_RING_NAMESIZE];
	bool pasid_allocated = false, attached = false;
	uint32_t max;
	int ret;

	if (dev == NULL || set == NULL) {
		SVA_LOG(ERR, "bind: a dev and a PASID set are required");
		rte_errno = EINVAL;
		return NULL;
	}
	if (params != NULL)
		pa = *params;
	ret = params_check(&pa);
	if (ret != 0) {
		rte_errno = -ret;
		return NULL;
	}
	sva_iommu_info_get(sva_dev_iommu(dev), &info);
	if (info.pasid_bits == 0) {
		SVA_LOG(ERR, "bind: %s has no PASID support", info.name);
		rte_errno = EOPNOTSUPP;
		return NULL;
	}
	b = calloc(1, sizeof(*b));
	if (b == NULL) {
		rte_errno = ENOMEM;
		return NULL;
	}
	b->dev = dev;
	b->iommu = sva_dev_iommu(dev);
	b->set = set;
	b->flags = pa.flags;
	b->cb = pa.event_cb;
	b->cb_arg = pa.event_arg;

	pthread_mutex_lock(&sva_lock);
	p = sva_poller_find(b->iommu);
	if (p == NULL) {
		ret = sva_poller_create(b->iommu, NULL, &p);
		if (ret != 0)
			goto fail;
	}
	b->iopf = p->iopf;
	ret = hook_space(sva_pasid_set_space(set));
	if (ret != 0)
		goto fail;
	maps_refresh_maybe();
	b->id = ++bond_counter;
	if (pa.flags & SVA_BIND_EVENT_RING) {
		snprintf(rname, sizeof(rname), "sva_ev_%u", b->id);
		b->ring = rte_ring_create_elem(rname, sizeof(struct sva_fault),
			pa.event_ring_size != 0 ? pa.event_ring_size : 1024, info.numa_node,
			RING_F_SP_ENQ | RING_F_SC_DEQ);
		if (b->ring == NULL) {
			ret = -rte_errno;
			SVA_LOG(ERR, "bind: cannot create the event ring: %s", strerror(rte_errno));
			goto fail;
		}
	}

	max = pa.pasid_max != 0 ? pa.pasid_max : (1u << info.pasid_bits) - 1;
	if (max >= (1u << info.pasid_bits))
		max = (1u << info.pasid_bits) - 1;
	ret = sva_pasid_alloc(set, pa.pasid_min, max, b, &b->pasid);
	if (ret != 0) {
		SVA_LOG(ERR, "bind: no PASID from set in %u..%u: %s", pa.pasid_min, max,
			strerror(-ret));
		goto fail;
	}
	pasid_allocated = true;

	memset(&bc, 0, sizeof(bc));
	bc.flags = ((pa.flags & SVA_BIND_AUTO_INVALID) ? SVA_IOPF_BOND_AUTO_INVALID : 0) |
		((pa.flags & SVA_BIND_ALLOW_EXEC) ? SVA_IOPF_BOND_ALLOW_EXEC : 0) |
		((pa.flags & SVA_BIND_ALLOW_PRIV) ? SVA_IOPF_BOND_ALLOW_PRIV : 0);
	bc.fault_around_before = pa.fault_around_before;
	bc.fault_around_after = pa.fault_around_after;
	bc.event_cb = b->cb != NULL ? bond_event : NULL;
	bc.event_arg = b;
	bc.event_ring = b->ring;
	bc.owner = b;
	b->ib = sva_iopf_bond_add(p->iopf, dev, b->pasid, &bc);
	if (b->ib == NULL) {
		ret = -rte_errno;
		goto fail;
	}
	if (pa.flags & SVA_BIND_RID) {
		bc.flags |= SVA_IOPF_BOND_RID;
		b->ib_rid = sva_iopf_bond_add(p->iopf, dev, 0, &bc);
		if (b->ib_rid == NULL) {
			ret = -rte_errno;
			goto fail;
		}
	}
	ret = sva_dev_attach_pasid(dev, b->pasid, &mm);
	if (ret != 0) {
		SVA_LOG(ERR, "bind: attach of PASID %u on dev 0x%x refused: %s", b->pasid,
			sva_dev_id(dev), strerror(-ret));
		goto fail;
	}
	attached = true;
	if (pa.flags & SVA_BIND_RID) {
		ret = sva_dev_attach_rid(dev, &mm);
		if (ret != 0) {
			SVA_LOG(ERR, "bind: RID attach on dev 0x%x refused: %s", sva_dev_id(dev),
				strerror(-ret));
			goto fail;
		}
	}
	p->nbonds++;
	TAILQ_INSERT_TAIL(&sva_bonds, b, next);
	pthread_mutex_unlock(&sva_lock);
	SVA_LOG(DEBUG, "bond %u: %s dev 0x%x PASID %u%s", b->id, info.name, sva_dev_id(dev),
		b->pasid, (pa.flags & SVA_BIND_RID) ? " + RID" : "");
	return b;
fail:
	if (attached)
		sva_dev_detach_pasid(dev, b->pasid);
	sva_iopf_bond_remove(b->ib_rid);
	sva_iopf_bond_remove(b->ib);
	if (pasid_allocated)
		sva_pasid_free(set, b->pasid);
	pthread_mutex_unlock(&sva_lock);
	rte_ring_free(b->ring);
	free(b);
	if (ret == -EEXIST && !(pa.flags & SVA_BIND_RID))
		ret = -EBUSY;
	rte_errno = -ret;
	return NULL;
}

void
sva_unbind(struct sva_bond *b)
{
	struct sva_poller *p;
	struct sva_pasid_space *space;

	if (b == NULL)
		return;
	pthread_mutex_lock(&sva_lock);
	TAILQ_REMOVE(&sva_bonds, b, next);
	/* 1+2: stop accepting the PASID; answer its open and deferred groups Invalid */
	sva_iopf_bond_remove(b->ib);
	sva_iopf_bond_remove(b->ib_rid);
	/* 3: detach */
	if (b->flags & SVA_BIND_RID)
		sva_dev_detach_rid(b->dev);
	sva_dev_detach_pasid(b->dev, b->pasid);
	p = sva_poller_find(b->iommu);
	if (p != NULL)
		p->nbonds--;
	pthread_mutex_unlock(&sva_lock);
	/* 4: drain: requests queued before the detach are answered now (Invalid) */
	sva_iopf_drain(b->iopf, SVA_DRAIN_READS);
	/* 5: free the PASID; the drain hook runs again before the number is reused */
	space = sva_pasid_set_space(b->set);
	sva_pasid_free(b->set, b->pasid);
	/* find callers may hold the bond for one grace period */
	sva_pasid_space_synchronize(space, SVA_PASID_READERS_MAX);
	SVA_LOG(DEBUG, "bond %u: unbound (PASID %u freed)", b->id, b->pasid);
	rte_ring_free(b->ring);
	free(b);
}

uint32_t
sva_bond_pasid(const struct sva_bond *b)
{
	return b != NULL ? b->pasid : 0;
}

struct sva_dev *
sva_bond_dev(const struct sva_bond *b)
{
	return b != NULL ? b->dev : NULL;
}

unsigned int
sva_bond_id(const struct sva_bond *b)
{
	return b != NULL ? b->id : 0;
}

struct rte_ring *
sva_bond_event_ring(const struct sva_bond *b)
{
	return b != NULL ? b->ring : NULL;
}

int
sva_bond_fault_around_set(struct sva_bond *b, uint16_t before, uint16_t after)
{
	int ret;

	if (b == NULL)
		return -EINVAL;
	ret = sva_iopf_bond_fault_around_set(b->ib, before, after);
	if (ret == 0 && b->ib_rid != NULL)
		ret = sva_iopf_bond_fault_around_set(b->ib_rid, before, after);
	return ret;
}

struct sva_bond *
sva_bond_find_id(unsigned int id)
{
	struct sva_bond *b;

	TAILQ_FOREACH(b, &sva_bonds, next)
		if (b->id == id)
			return b;
	return NULL;
}
