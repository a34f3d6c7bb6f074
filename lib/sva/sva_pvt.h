/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef SVA_PVT_H
#define SVA_PVT_H

#include <pthread.h>
#include <stdbool.h>
#include <sys/queue.h>

#include "sva.h"
#include "sva_log_pvt.h"

struct sva_bond {
	TAILQ_ENTRY(sva_bond) next;
	unsigned int id;
	uint32_t pasid;
	uint32_t flags;
	struct sva_dev *dev;
	struct sva_iommu *iommu;
	struct sva_iopf *iopf;
	struct sva_pasid_set *set;
	struct sva_iopf_bond *ib;      /* PASID requests */
	struct sva_iopf_bond *ib_rid;  /* requests without PASID (SVA_BIND_RID) */
	struct rte_ring *ring;
	sva_bond_event_cb_t cb;
	void *cb_arg;
	/* pinned mode: the ranges sva_bond_pin() pinned, page aligned, unordered */
	bool pinned;
	bool rid_only;            /* SVA_BIND_RID on an iommu without PASIDs: no PASID */
	struct sva_bond_pin *pins;
	unsigned int npins, pins_cap;
	uint64_t pinned_bytes;
	/* vSVA: SVA_BIND_NESTED (whole: an SMMUv3 CD table, every PASID of the dev; else
	 * the host PASID of gpasid in vm, referenced with sva_vpasid_get()) */
	bool nested, whole;
	struct sva_vpasid_vm *vm;
	struct sva_nested_cfg ncfg;
	/* vSVA: SVA_BIND_GUEST_DATA (and nested binds) */
	bool guest;
	uint32_t gpasid;
	uint64_t user_cookie;
};

struct sva_bond_pin {
	uint64_t start, end;
	uint32_t perm;
};

/* One per iommu with a fault path. */
struct sva_poller {
	TAILQ_ENTRY(sva_poller) next;
	struct sva_iommu *iommu;
	struct sva_iopf *iopf;
	uint32_t service_id;
	unsigned int nbonds;
	bool rid_unbound;         /* a RID bond went since the last drain at a RID bind */
	/* devs (sva_dev_id) whose CD table bond went since the last completed drain: their
	 * SSIDs had no number the allocator holds back, so any bind on them drains first;
	 * more than SVA_TABLE_GONE_MAX: every bind does (table_gone_all) */
#define SVA_TABLE_GONE_MAX 8
	uint32_t table_gone[SVA_TABLE_GONE_MAX];
	unsigned int ntable_gone;
	bool table_gone_all;
	/* the "no poller" check (sva_nopoll.c; its thread only, under sva_lock) */
	uint64_t np_polls;        /* sva_iopf_polls() at the last look */
	uint64_t np_since_ns;     /* since when requests wait with no poll call (0: not) */
	uint64_t np_warned_ns;    /* the last warning (0: none yet) */
	uint64_t np_quiet;        /* stalls not reported since it (rate limit) */
};

TAILQ_HEAD(sva_bond_list, sva_bond);
TAILQ_HEAD(sva_poller_list, sva_poller);

/* Everything below is guarded by sva_lock. */
extern pthread_mutex_t sva_lock;
extern struct sva_bond_list sva_bonds;
extern struct sva_poller_list sva_pollers;

struct sva_poller *sva_poller_find(const struct sva_iommu *iommu);
/* The maps counters of the fault path of iommu, or of bond's (its iommu's: the overlay
 * is per iommu). 0, -EINVAL, -ENOENT. */
int sva_maps_stats_get(struct sva_iommu *iommu, const struct sva_bond *bond,
		struct sva_iopf_maps_stats *ms);
/* Create the fault path and its service (locked). */
int sva_poller_create(struct sva_iommu *iommu, const struct sva_iopf_conf *conf,
		struct sva_poller **out);
struct sva_bond *sva_bond_find_id(unsigned int id);
/* Register the /sva/... telemetry commands (once; under sva_lock). */
void sva_telemetry_init(void);
/* Start the "no poller" check (idempotent; sva_poller_create() calls it). */
void sva_nopoll_init(void);

#endif /* SVA_PVT_H */
