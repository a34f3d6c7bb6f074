/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Bind and unbind. A bond is this process's address space bound to (dev, PASID).
 *
 * Bind order: PASID from the set (its private pointer is the bond), fault path ready
 * for it (so the first request after attach already finds it), then attach.
 * Unbind order: the fault path stops accepting the PASID, answers its closed (deferred)
 * groups Invalid and discards its partial groups; detach; fence and drain the page
 * request queue (the poller's bond count held, so the fault path cannot be released
 * meanwhile); unpin what a pinned bond still has pinned; free the PASID. The drain
 * hook svapoll registers on the space drains again before the number is reused, and
 * holds the number back until a drain completes.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_errno.h>
#include <rte_ring.h>
#include <rte_ring_elem.h>

#include "sva_pvt.h"
#include "sva_struct_copy.h"

#define SVA_DRAIN_READS 64
#define SVA_UNBIND_DRAIN_US 1000000 /* unbind retries an incomplete drain this long */
#define SVA_RID_DRAIN_US 100000     /* a RID bind retries an incomplete drain this long */

static void pin_undo(struct sva_bond *b, const struct sva_bond_pin *r);

static unsigned int bond_counter;

/*
 * Unbound bonds are kept (not freed) for the next SVA_UNBOUND_KEEP unbinds, so that a
 * second sva_unbind() of one finds it here by address, without reading freed memory,
 * and so that its address is not handed to a new bond meanwhile. Guarded by sva_lock.
 */
#define SVA_UNBOUND_KEEP 64
static struct sva_bond *unbound[SVA_UNBOUND_KEEP];
static unsigned int unbound_next;

static bool
bond_listed(const struct sva_bond *b)
{
	const struct sva_bond *o;

	TAILQ_FOREACH(o, &sva_bonds, next)
		if (o == b)
			return true;
	return false;
}

static void
bond_retire(struct sva_bond *b)
{
	pthread_mutex_lock(&sva_lock);
	free(unbound[unbound_next]);
	unbound[unbound_next] = b;
	unbound_next = (unbound_next + 1) % SVA_UNBOUND_KEEP;
	pthread_mutex_unlock(&sva_lock);
}

/* Under sva_lock, for a bond not listed: which unbound bond it was, or 0. */
static unsigned int
bond_unbound_id(const struct sva_bond *b)
{
	for (unsigned int i = 0; i < SVA_UNBOUND_KEEP; i++)
		if (unbound[i] == b)
			return b->id;
	return 0;
}

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

/* The caller's params, by the growth rule (sva_struct_copy.h; size 0: the SVA_0.1
 * fields), into pa. */
static int
params_read(const struct sva_bind_params *params, struct sva_bind_params *pa)
{
	uint32_t usize;
	int ret;

	if (params == NULL) {
		memset(pa, 0, sizeof(*pa));
		return 0;
	}
	memcpy(&usize, params, sizeof(usize)); /* the leading uint32_t size */
	ret = sva_struct_copy_in(pa, sizeof(*pa), params, usize, SVA_BIND_PARAMS_SIZE_V0);
	if (ret == -EINVAL)
		SVA_LOG(ERR, "bind: params.size %u is below the SVA_0.1 layout's %zu bytes: set "
			"it to sizeof(struct sva_bind_params), or 0", usize,
			(size_t)SVA_BIND_PARAMS_SIZE_V0);
	else if (ret == -E2BIG && usize > SVA_STRUCT_SIZE_MAX)
		SVA_LOG(ERR, "bind: params.size %u is above %u: not a size", usize,
			SVA_STRUCT_SIZE_MAX);
	else if (ret == -E2BIG)
		SVA_LOG(ERR, "bind: params.size %u: the struct is from a newer svapoll and sets "
			"fields this one (%zu bytes) does not know", usize, sizeof(*pa));
	return ret;
}

#define SVA_GPASID_MAX 0xfffffu

static int
params_check(const struct sva_bind_params *pa)
{
	const uint32_t known = SVA_BIND_RID | SVA_BIND_AUTO_INVALID | SVA_BIND_ALLOW_EXEC |
		SVA_BIND_ALLOW_PRIV | SVA_BIND_EVENT_RING | SVA_BIND_PINNED | SVA_BIND_REQUIRE_PRI |
		SVA_BIND_GUEST_DATA | SVA_BIND_NESTED |
		SVA_BIND_FA_ADAPTIVE;

	if (pa->flags & ~known) {
		SVA_LOG(ERR, "bind: unknown flags 0x%x", pa->flags & ~known);
		return -EINVAL;
	}
	if ((pa->flags & SVA_BIND_GUEST_DATA) &&
			pa->size < offsetof(struct sva_bind_params, user_cookie) + sizeof(uint64_t)) {
		SVA_LOG(ERR, "bind: SVA_BIND_GUEST_DATA needs params.size to cover gpasid and "
			"user_cookie (size %u; set it to sizeof(struct sva_bind_params))", pa->size);
		return -EINVAL;
	}
	if ((pa->flags & (SVA_BIND_GUEST_DATA | SVA_BIND_NESTED)) && pa->gpasid > SVA_GPASID_MAX) {
		SVA_LOG(ERR, "bind: gpasid %u is beyond 20 bits", pa->gpasid);
		return -EINVAL;
	}
	if (pa->flags & SVA_BIND_NESTED) {
		if (pa->size < offsetof(struct sva_bind_params, nested) + sizeof(pa->nested) ||
				pa->nested == NULL) {
			SVA_LOG(ERR, "bind: SVA_BIND_NESTED needs params.nested (and params.size = "
				"sizeof(struct sva_bind_params))");
			return -EINVAL;
		}
		if (pa->flags & (SVA_BIND_PINNED | SVA_BIND_RID)) {
			SVA_LOG(ERR, "bind: a nested bind is a PRI bind of PASIDs: not with "
				"SVA_BIND_PINNED or SVA_BIND_RID");
			return -EINVAL;
		}
		if (pa->event_cb == NULL && !(pa->flags & SVA_BIND_EVENT_RING)) {
			SVA_LOG(ERR, "bind: a nested bind hands first-level faults to the VMM: give "
				"an event callback or SVA_BIND_EVENT_RING");
			return -EINVAL;
		}
	}
	if ((pa->flags & SVA_BIND_PINNED) && (pa->flags & SVA_BIND_REQUIRE_PRI)) {
		SVA_LOG(ERR, "bind: SVA_BIND_PINNED and SVA_BIND_REQUIRE_PRI contradict each other");
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

/* A nested bind's set and cfg, before anything is taken (the model's rules are
 * checked again by sva_dev_nested_attach() with the PASID). */
static int
nested_check(const struct sva_bind_params *pa, struct sva_pasid_set *set,
		const struct sva_iommu_info *info, struct sva_vpasid_vm **vm)
{
	if (!(info->caps & SVA_IOMMU_CAP_NESTED)) {
		SVA_LOG(ERR, "bind: %s has no nested translation (SVA_IOMMU_CAP_NESTED)",
			info->name);
		return -EOPNOTSUPP;
	}
	if (pa->nested->format == SVA_NESTED_SMMUV3_CD)
		return 0; /* the dev's SSIDs are the guest's: no host PASID, any set */
	*vm = sva_vpasid_vm_of_set(set);
	if (*vm == NULL) {
		SVA_LOG(ERR, "bind: a nested first level per PASID takes its host PASID from a "
			"VM's map: pass sva_vpasid_vm_set(vm) as the set");
		return -EINVAL;
	}
	return 0;
}

/* PRI, or pinned mode: SVA_BIND_PINNED forces it; an iommu without PRI falls back to it
 * (unless SVA_BIND_REQUIRE_PRI); one with neither cannot serve an SVA bond. */
static int
mode_choose(const struct sva_iommu_info *info, uint32_t flags, bool *pinned)
{
	bool pri = (info->caps & SVA_IOMMU_CAP_PRI) != 0, pin = (info->caps & SVA_IOMMU_CAP_PIN) != 0;

	*pinned = false;
	if (flags & SVA_BIND_PINNED) {
		if (!pin) {
			SVA_LOG(ERR, "bind: %s has no pinned mode (its driver does not pin ranges): "
				"bind without SVA_BIND_PINNED", info->name);
			return -EOPNOTSUPP;
		}
		*pinned = true;
		return 0;
	}
	if (pri)
		return 0;
	if (flags & SVA_BIND_REQUIRE_PRI) {
		SVA_LOG(ERR, "bind: %s has no PRI (page requests) and SVA_BIND_REQUIRE_PRI was given%s",
			info->name, pin ? ": bind without it for pinned mode (sva_bond_pin())" : "");
		return -EOPNOTSUPP;
	}
	if (!pin) {
		SVA_LOG(ERR, "bind: %s has neither PRI (page requests) nor pinned mode: it cannot "
			"serve a bond", info->name);
		return -EOPNOTSUPP;
	}
	*pinned = true;
	return 0;
}

/* Every bind refreshes the mappings snapshot (about 1 ms; kept as is when /proc/self/maps
 * did not change): buffers mapped before a bind must be known to its fault-around and
 * resolver. Skipping recent refreshes once made fault-around miss such buffers. */
static void
maps_refresh(void)
{
	int ret = sva_iopf_maps_refresh();

	if (ret != 0)
		SVA_LOG(WARNING, "bind: mappings snapshot not refreshed (%s): the fault path goes "
			"by the previous one", strerror(-ret));
}

/* Under sva_lock: does a bind on dev (a RID or CD table bind when rid_or_table) have
 * stale requests of a bond without a held-back number to wait for? */
static bool
reuse_drain_needed(const struct sva_poller *p, const struct sva_dev *dev, bool rid_or_table)
{
	if (rid_or_table && p->rid_unbound)
		return true;
	if (p->table_gone_all)
		return true;
	for (unsigned int i = 0; i < p->ntable_gone; i++)
		if (p->table_gone[i] == sva_dev_id(dev))
			return true;
	return false;
}

/* Under sva_lock, when a CD table bond of dev goes: its SSIDs' stale requests must be
 * answered before any bond serves one of them again. */
static void
table_gone_add(struct sva_poller *p, const struct sva_dev *dev)
{
	for (unsigned int i = 0; i < p->ntable_gone; i++)
		if (p->table_gone[i] == sva_dev_id(dev))
			return;
	if (p->ntable_gone == SVA_TABLE_GONE_MAX)
		p->table_gone_all = true;
	else
		p->table_gone[p->ntable_gone++] = sva_dev_id(dev);
}

/* A RID, and the SSIDs of a CD table bond (the guest's own numbers), have no number
 * for the allocator to hold back: before a new bond serves a RID after a RID bond went,
 * or any PASID of a dev whose CD table bond went, drain (fence, queue read to empty,
 * kept responses written) so that the old bond's requests are answered Invalid, never
 * resolved under (or handed to the VMM of) the new one. Called locked (the drain takes
 * no sva lock). 0, or -EAGAIN: not drained in time. */
static int
reuse_drain(struct sva_poller *p, const struct sva_dev *dev, bool rid_or_table)
{
	uint64_t end = rte_get_timer_cycles() + SVA_RID_DRAIN_US * (rte_get_timer_hz() / 1000000);
	int ret;

	if (!reuse_drain_needed(p, dev, rid_or_table))
		return 0;
	while ((ret = sva_iopf_drain(p->iopf, SVA_DRAIN_READS)) == -EAGAIN &&
			rte_get_timer_cycles() < end)
		rte_delay_us_sleep(200);
	if (ret == -EAGAIN || (ret < 0 && ret != -EIO)) {
		SVA_LOG(ERR, "bind: the page request queue of %s was not drained (%s): a %s is not "
			"served by a new bond before the requests of the previous bond that served "
			"it (a RID or CD table bond) are answered; poll, and bind again",
			sva_iommu_name(p->iommu), strerror(-ret), rid_or_table ? "RID or dev" :
			"PASID of a dev whose CD table bond went");
		return -EAGAIN;
	}
	/* -EIO: read to empty, responses lost earlier (logged); either way every request
	 * queued before the fence is answered */
	p->rid_unbound = false;
	p->ntable_gone = 0;
	p->table_gone_all = false;
	return 0;
}

/* A nested per-PASID bond's host PASID stays in the VM's map when it goes, so the
 * allocator cannot hold it back: sva_vpasid_get() drains first (the space's drain
 * hooks) when a bond held the mapping before. Retried like a RID bind's drain. */
static int
vpasid_get_drained(struct sva_bond *b)
{
	uint64_t end = rte_get_timer_cycles() + SVA_RID_DRAIN_US * (rte_get_timer_hz() / 1000000);
	int ret;

	while ((ret = sva_vpasid_get(b->vm, b->gpasid, &b->pasid)) == -EAGAIN &&
			rte_get_timer_cycles() < end)
		rte_delay_us_sleep(200);
	if (ret == -EAGAIN)
		SVA_LOG(ERR, "bind: guest PASID %u: the page request queue was not drained since "
			"its previous bond went: its host PASID is not served by a new bond before "
			"the old bond's requests are answered; poll, and bind again", b->gpasid);
	else if (ret == -ENOENT)
		SVA_LOG(ERR, "bind: guest PASID %u has no host PASID in the VM's map: "
			"sva_vpasid_map() it first", b->gpasid);
	return ret;
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
	bool pasid_allocated = false, attached = false, pinned = false, vp_held = false;
	struct sva_vpasid_vm *vm = NULL;
	uint32_t max;
	int ret;

	if (dev == NULL || set == NULL) {
		SVA_LOG(ERR, "bind: a dev and a PASID set are required");
		rte_errno = EINVAL;
		return NULL;
	}
	ret = params_read(params, &pa);
	if (ret == 0)
		ret = params_check(&pa);
	if (ret != 0) {
		rte_errno = -ret;
		return NULL;
	}
	sva_iommu_info_get(sva_dev_iommu(dev), &info);
	if (info.pasid_bits == 0 && !(pa.flags & SVA_BIND_RID)) {
		SVA_LOG(ERR, "bind: %s has no PASID support: bind its RID alone with SVA_BIND_RID",
			info.name);
		rte_errno = EOPNOTSUPP;
		return NULL;
	}
	ret = mode_choose(&info, pa.flags, &pinned);
	if (ret == 0 && pinned && (pa.flags & SVA_BIND_NESTED)) {
		SVA_LOG(ERR, "bind: %s has no PRI: a nested bind needs page requests", info.name);
		ret = -EOPNOTSUPP;
	}
	if (ret == 0 && (pa.flags & SVA_BIND_NESTED))
		ret = nested_check(&pa, set, &info, &vm);
	if (ret != 0) {
		rte_errno = -ret;
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
	b->pinned = pinned;
	b->nested = (pa.flags & SVA_BIND_NESTED) != 0;
	if (b->nested) {
		b->ncfg = *pa.nested;
		b->whole = b->ncfg.format == SVA_NESTED_SMMUV3_CD;
		b->vm = vm;
	}
	b->guest = (pa.flags & (SVA_BIND_GUEST_DATA | SVA_BIND_NESTED)) != 0;
	b->gpasid = b->guest && !b->whole ? pa.gpasid : 0;
	b->user_cookie = b->guest ? pa.user_cookie : 0;
	/* A device without PASIDs (most of them): the bond is its RID alone. */
	b->rid_only = info.pasid_bits == 0;

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
	maps_refresh();
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

	if (b->nested && !b->whole) {
		/* VT-d: the host PASID of the guest's, from the VM's map (held while bound;
		 * drained first when a bond held it before) */
		ret = vpasid_get_drained(b);
		if (ret != 0)
			goto fail;
		vp_held = true;
	} else if (!b->rid_only && !b->whole) {
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
	}

	memset(&bc, 0, sizeof(bc));
	bc.size = sizeof(bc); /* every field of this build's struct is read */
	bc.flags = ((pa.flags & SVA_BIND_AUTO_INVALID) ? SVA_IOPF_BOND_AUTO_INVALID : 0) |
		((pa.flags & SVA_BIND_ALLOW_EXEC) ? SVA_IOPF_BOND_ALLOW_EXEC : 0) |
		((pa.flags & SVA_BIND_ALLOW_PRIV) ? SVA_IOPF_BOND_ALLOW_PRIV : 0) |
		((pa.flags & SVA_BIND_FA_ADAPTIVE) ? SVA_IOPF_BOND_FA_ADAPTIVE : 0) |
		(pinned ? SVA_IOPF_BOND_PINNED : 0);
	bc.fault_around_before = pa.fault_around_before;
	bc.fault_around_after = pa.fault_around_after;
	bc.event_cb = b->cb != NULL ? bond_event : NULL;
	bc.event_arg = b;
	bc.event_ring = b->ring;
	bc.owner = b;
	if (b->guest) {
		bc.flags |= SVA_IOPF_BOND_GUEST;
		bc.gpasid = b->gpasid;
		bc.user_cookie = b->user_cookie;
	}
	if (b->rid_only)
		bc.flags |= SVA_IOPF_BOND_RID; /* b->ib serves the RID; there is no PASID */
	if (b->nested) {
		bc.flags |= SVA_IOPF_BOND_NESTED | (b->whole ? SVA_IOPF_BOND_ALL_PASIDS : 0);
		bc.ram_base = (uint64_t)(uintptr_t)b->ncfg.ram.base;
		bc.ram_size = b->ncfg.ram.size;
	}
	/* a dev's SSIDs, like a RID, have no number the allocator holds back */
	ret = reuse_drain(p, dev, (pa.flags & SVA_BIND_RID) || b->whole);
	if (ret != 0)
		goto fail;
	b->ib = sva_iopf_bond_add(p->iopf, dev, b->pasid, &bc);
	if (b->ib == NULL) {
		ret = -rte_errno;
		goto fail;
	}
	if ((pa.flags & SVA_BIND_RID) && !b->rid_only) {
		bc.flags |= SVA_IOPF_BOND_RID;
		b->ib_rid = sva_iopf_bond_add(p->iopf, dev, 0, &bc);
		if (b->ib_rid == NULL) {
			ret = -rte_errno;
			goto fail;
		}
	}
	if (b->nested)
		ret = sva_dev_nested_attach(dev, b->whole ? SVA_NESTED_ALL_PASIDS : b->pasid,
			&b->ncfg);
	else
		ret = b->rid_only ? 0 : sva_dev_attach_pasid(dev, b->pasid, &mm);
	if (ret != 0) {
		SVA_LOG(ERR, "bind: %sattach of %s%.0u on dev 0x%x refused: %s",
			b->nested ? "nested " : "", b->whole ? "the CD table" : "PASID ",
			b->whole ? 0 : b->pasid, sva_dev_id(dev), strerror(-ret));
		goto fail;
	}
	attached = !b->rid_only;
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
	SVA_LOG(DEBUG, "bond %u: %s dev 0x%x %s%.0u%s%s", b->id, info.name, sva_dev_id(dev),
		b->rid_only ? "RID only (no PASIDs)" : "PASID ", b->rid_only ? 0 : b->pasid,
		(pa.flags & SVA_BIND_RID) && !b->rid_only ? " + RID" : "", pinned ? ", pinned" : "");
	if (pinned && !(pa.flags & SVA_BIND_PINNED))
		SVA_LOG(NOTICE, "bond %u: %s dev 0x%x: device has no PRI: pinned mode; pin buffers "
			"with sva_bond_pin()", b->id, info.name, sva_dev_id(dev));
	return b;
fail:
	if (attached && b->whole)
		sva_dev_nested_detach(dev, SVA_NESTED_ALL_PASIDS);
	else if (attached)
		sva_dev_detach_pasid(dev, b->pasid);
	sva_iopf_bond_remove(b->ib_rid);
	sva_iopf_bond_remove(b->ib);
	if (pasid_allocated)
		sva_pasid_free(set, b->pasid);
	if (vp_held)
		sva_vpasid_put(b->vm, b->gpasid);
	pthread_mutex_unlock(&sva_lock);
	rte_ring_free(b->ring);
	free(b);
	if (ret == -EEXIST && !(pa.flags & SVA_BIND_RID))
		ret = -EBUSY;
	rte_errno = -ret;
	return NULL;
}

/* Drain until complete, for at most SVA_UNBIND_DRAIN_US: responses the queue keeps
 * refusing hold it back. If it never completes, the PASID is freed anyway: the drain
 * hook keeps the number from being reused until a drain completes. */
static void
unbind_drain(struct sva_bond *b)
{
	uint64_t end = rte_get_timer_cycles() +
		SVA_UNBIND_DRAIN_US * (rte_get_timer_hz() / 1000000);
	int ret;

	while ((ret = sva_iopf_drain(b->iopf, SVA_DRAIN_READS)) == -EAGAIN &&
			rte_get_timer_cycles() < end)
		rte_delay_us_sleep(200);
	if (ret == -EAGAIN)
		SVA_LOG(WARNING, "bond %u: the page request queue of %s was not drained within %u ms "
			"(responses kept unwritten: the device does not take them, or the poller is "
			"stopped with groups deferred): PASID %u is not reused until a drain completes",
			b->id, sva_iommu_name(b->iommu), SVA_UNBIND_DRAIN_US / 1000, b->pasid);
	else if (ret < 0)
		SVA_LOG(WARNING, "bond %u: drain of %s: %s", b->id, sva_iommu_name(b->iommu),
			strerror(-ret));
}

void
sva_unbind(struct sva_bond *b)
{
	struct sva_poller *p;
	struct sva_pasid_space *space;

	if (b == NULL)
		return;
	pthread_mutex_lock(&sva_lock);
	if (!bond_listed(b)) {
		unsigned int id = bond_unbound_id(b);

		pthread_mutex_unlock(&sva_lock);
		if (id != 0)
			SVA_LOG(ERR, "unbind: bond %u is unbound already (a second sva_unbind() of "
				"it): nothing done", id);
		else
			SVA_LOG(ERR, "unbind: %p is not a bond (unbound already, being unbound by "
				"another thread, or never returned by sva_bind()): nothing done",
				(void *)b);
		rte_errno = EINVAL;
		return;
	}
	TAILQ_REMOVE(&sva_bonds, b, next);
	/* 1+2: stop accepting the PASID; answer its open and deferred groups Invalid */
	sva_iopf_bond_remove(b->ib);
	sva_iopf_bond_remove(b->ib_rid);
	/* 3: detach */
	if (b->flags & SVA_BIND_RID)
		sva_dev_detach_rid(b->dev);
	if (b->whole)
		sva_dev_nested_detach(b->dev, SVA_NESTED_ALL_PASIDS);
	else if (!b->rid_only)
		sva_dev_detach_pasid(b->dev, b->pasid); /* a nested PASID's too */
	/* numbers nobody holds back: from now on (a bind may come while we drain, the
	 * lock released) a bond that would serve them drains first */
	p = sva_poller_find(b->iommu);
	if (p != NULL && ((b->flags & SVA_BIND_RID) || b->whole))
		p->rid_unbound = true; /* the next RID / CD table bind drains first */
	if (p != NULL && b->whole)
		table_gone_add(p, b->dev); /* and any bind on this dev */
	/* a nested PASID stays in the VM's map: the put marks it, and the next
	 * sva_vpasid_get() of it drains first (the bond is detached and removed: it
	 * uses the mapping no more, so the VMM may unmap it now) */
	space = sva_pasid_set_space(b->set);
	if (b->nested && !b->whole)
		sva_vpasid_put(b->vm, b->gpasid);
	pthread_mutex_unlock(&sva_lock);
	/* 4: fence and drain: requests queued before the detach are answered now
	 * (Invalid: their bond is gone); the bond still counts on the poller, so
	 * sva_poll_release() cannot destroy the fault path under the drain */
	unbind_drain(b);
	pthread_mutex_lock(&sva_lock);
	p = sva_poller_find(b->iommu);
	if (p != NULL)
		p->nbonds--;
	pthread_mutex_unlock(&sva_lock);
	/* pinned mode: the device cannot reach the ranges any more (detached); unpin
	 * them one by one while the PASID is still ours */
	while (b->npins > 0)
		pin_undo(b, &b->pins[--b->npins]);
	free(b->pins);
	/* 5: free the PASID; the drain hook runs again before the number is reused (a
	 * nested PASID's mapping was put above: its next get drains likewise) */
	if (!b->nested && !b->rid_only)
		sva_pasid_free(b->set, b->pasid);
	/* find callers may hold the bond for one grace period */
	sva_pasid_space_synchronize(space, SVA_PASID_READERS_MAX);
	SVA_LOG(DEBUG, "bond %u: unbound (PASID %u freed)", b->id, b->pasid);
	rte_ring_free(b->ring);
	b->ring = NULL;
	bond_retire(b);
}

/* ---- pinned mode ---- */

#define SVA_PIN_PAGE UINT64_C(4096)

static void
pin_undo(struct sva_bond *b, const struct sva_bond_pin *r)
{
	if (b->flags & SVA_BIND_RID)
		sva_dev_unpin_range(b->dev, SVA_PIN_RID, r->start, r->end - r->start);
	if (!b->rid_only)
		sva_dev_unpin_range(b->dev, b->pasid, r->start, r->end - r->start);
	b->pinned_bytes -= r->end - r->start;
}

/* Check a pin/unpin range and align it outward to pages. */
static int
pin_args(const char *what, const struct sva_bond *b, const void *addr, size_t len,
		uint64_t *start, uint64_t *end)
{
	uint64_t a = (uint64_t)(uintptr_t)addr;

	if (b == NULL || addr == NULL || len == 0) {
		SVA_LOG(ERR, "%s: %s", what, b == NULL ? "bond is NULL" :
			addr == NULL ? "addr is NULL" : "len is 0");
		return -EINVAL;
	}
	if (a + len < a || RTE_ALIGN_CEIL(a + len, SVA_PIN_PAGE) < a + len) {
		SVA_LOG(ERR, "%s: bond %u: [%p, +0x%zx) wraps around the address space", what, b->id,
			addr, len);
		return -EINVAL;
	}
	if (!b->pinned) {
		SVA_LOG(ERR, "%s: bond %u is not pinned: its faults are served by PRI (bind with "
			"SVA_BIND_PINNED for pinned mode)", what, b->id);
		return -EOPNOTSUPP;
	}
	*start = RTE_ALIGN_FLOOR(a, SVA_PIN_PAGE);
	*end = RTE_ALIGN_CEIL(a + len, SVA_PIN_PAGE);
	return 0;
}

int
sva_bond_pin(struct sva_bond *b, const void *addr, size_t len, uint32_t flags)
{
	uint64_t start, end;
	uint32_t perm;
	int ret;

	ret = pin_args("pin", b, addr, len, &start, &end);
	if (ret != 0)
		return ret;
	if (flags & ~SVA_BOND_PIN_READ_ONLY) {
		SVA_LOG(ERR, "pin: bond %u: unknown flags 0x%x", b->id, flags & ~SVA_BOND_PIN_READ_ONLY);
		return -EINVAL;
	}
	perm = SVA_FAULT_PERM_READ | ((flags & SVA_BOND_PIN_READ_ONLY) ? 0 : SVA_FAULT_PERM_WRITE);
	pthread_mutex_lock(&sva_lock);
	for (unsigned int i = 0; i < b->npins; i++) {
		if (b->pins[i].start < end && b->pins[i].end > start) {
			pthread_mutex_unlock(&sva_lock);
			SVA_LOG(ERR, "pin: bond %u: [0x%" PRIx64 ", 0x%" PRIx64 ") overlaps the pinned "
				"range [0x%" PRIx64 ", 0x%" PRIx64 ") (ranges are whole 4 KiB pages)",
				b->id, start, end, b->pins[i].start, b->pins[i].end);
			return -EEXIST;
		}
	}
	if (b->npins == b->pins_cap) {
		unsigned int cap = b->pins_cap != 0 ? 2 * b->pins_cap : 8;
		struct sva_bond_pin *n = realloc(b->pins, cap * sizeof(*n));

		if (n == NULL) {
			pthread_mutex_unlock(&sva_lock);
			SVA_LOG(ERR, "pin: bond %u: out of memory for its %u-th range", b->id,
				b->npins + 1);
			return -ENOMEM;
		}
		b->pins = n;
		b->pins_cap = cap;
	}
	ret = b->rid_only ? 0 : sva_dev_pin_range(b->dev, b->pasid, start, end - start, perm);
	if (ret == 0 && (b->flags & SVA_BIND_RID)) {
		ret = sva_dev_pin_range(b->dev, SVA_PIN_RID, start, end - start, perm);
		if (ret != 0 && !b->rid_only)
			sva_dev_unpin_range(b->dev, b->pasid, start, end - start);
	}
	if (ret != 0) {
		pthread_mutex_unlock(&sva_lock);
		SVA_LOG(ERR, "pin: bond %u: [0x%" PRIx64 ", 0x%" PRIx64 ") refused by the driver: %s",
			b->id, start, end, strerror(-ret));
		return ret;
	}
	b->pins[b->npins++] = (struct sva_bond_pin){ start, end, perm };
	b->pinned_bytes += end - start;
	pthread_mutex_unlock(&sva_lock);
	return 0;
}

int
sva_bond_unpin(struct sva_bond *b, const void *addr, size_t len)
{
	uint64_t start, end;
	int ret;

	ret = pin_args("unpin", b, addr, len, &start, &end);
	if (ret != 0)
		return ret;
	pthread_mutex_lock(&sva_lock);
	for (unsigned int i = 0; i < b->npins; i++) {
		if (b->pins[i].start == start && b->pins[i].end == end) {
			pin_undo(b, &b->pins[i]);
			b->pins[i] = b->pins[--b->npins];
			pthread_mutex_unlock(&sva_lock);
			return 0;
		}
	}
	pthread_mutex_unlock(&sva_lock);
	SVA_LOG(ERR, "unpin: bond %u: no range pinned as [0x%" PRIx64 ", 0x%" PRIx64 ") (unpin "
		"a whole range as sva_bond_pin() pinned it)", b->id, start, end);
	return -ENOENT;
}

int
sva_bond_guest_get(const struct sva_bond *b, uint32_t *gpasid, uint64_t *user_cookie)
{
	if (b == NULL)
		return -EINVAL;
	if (!b->guest)
		return -ENOENT;
	if (gpasid != NULL)
		*gpasid = b->gpasid;
	if (user_cookie != NULL)
		*user_cookie = b->user_cookie;
	return 0;
}

int
sva_nested_page_response(struct sva_bond *b, const struct sva_page_response *resp)
{
	if (b == NULL || !b->nested) {
		SVA_LOG(ERR, "nested response: %s", b == NULL ? "bond is NULL" :
			"the bond is not nested (SVA_BIND_NESTED)");
		return -EINVAL;
	}
	return sva_iopf_nested_response(b->ib, resp);
}

int
sva_nested_inval(struct sva_bond *b, uint64_t addr, uint64_t size)
{
	if (b == NULL || !b->nested) {
		SVA_LOG(ERR, "nested inval: %s", b == NULL ? "bond is NULL" :
			"the bond is not nested (SVA_BIND_NESTED)");
		return -EINVAL;
	}
	return sva_dev_nested_inval(b->dev, b->whole ? SVA_NESTED_ALL_PASIDS : b->pasid, addr,
		size);
}

int
sva_nested_stats_get(const struct sva_bond *b, struct sva_iopf_nested_stats *stats)
{
	if (b == NULL || stats == NULL || !b->nested)
		return -EINVAL;
	return sva_iopf_bond_nested_stats_get(b->ib, stats);
}

int
sva_bond_is_pinned(const struct sva_bond *b)
{
	if (b == NULL)
		return -EINVAL;
	return b->pinned ? 1 : 0;
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
