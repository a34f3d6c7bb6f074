/* SPDX-License-Identifier: BSD-3-Clause */
/* iopf objects: creation with every poll-path buffer preallocated, the registry of
 * iopfs by iommu, bonds, statistics. */
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_errno.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_pause.h>
#include <rte_ring.h>
#include <rte_telemetry.h>

#include "iopf_pvt.h"
#include "sva_iommu_driver.h"
#include "sva_struct_copy.h"

RTE_LOG_REGISTER(sva_iopf_logtype, lib.sva.iopf, INFO);

/* Registry: read lock-free by sva_iopf_poll(iommu, ...), changed under the lock. A
 * poller counts itself in `users` of the slot before it reads the iopf, and destroy
 * waits for the slot's users after taking the iopf out, so a poller never uses an
 * iopf that destroy freed. */
static pthread_mutex_t registry_lock = PTHREAD_MUTEX_INITIALIZER;
static struct {
	struct sva_iommu *iommu;
	struct sva_iopf *iopf;
	uint32_t users;
} registry[IOPF_MAX_IOPFS];

/*
 * The first layouts of the sized conf structs (what size 0 stands for): the end of the
 * last field each had when it gained `size`. Fixed for good; appended fields go after.
 */
#define IOPF_CONF_SIZE_VER0 \
	(offsetof(struct sva_iopf_conf, budget_code) + sizeof(uint32_t))
#define IOPF_BOND_CONF_SIZE_VER0 \
	(offsetof(struct sva_iopf_bond_conf, owner) + sizeof(void *))

/*
 * conf->size read by the sized-struct rule (sva_struct_copy.h) into the library's own
 * copy: 0, or -EINVAL / -E2BIG, logged with what the caller can do.
 */
static int
conf_copy_in(void *dst, size_t ksize, const void *src, size_t ver0, const char *what)
{
	uint32_t usize;
	int ret;

	memcpy(&usize, src, sizeof(usize)); /* the leading uint32_t size */
	ret = sva_struct_copy_in(dst, ksize, src, usize, ver0);
	if (ret == -EINVAL)
		IOPF_LOG(ERR, "%s: size %u is below the first layout's %zu bytes: set it to "
			"sizeof(the struct), or 0 for the first layout", what, usize, ver0);
	else if (ret == -E2BIG && usize > SVA_STRUCT_SIZE_MAX)
		IOPF_LOG(ERR, "%s: size %u is above %u: not a size", what, usize,
			SVA_STRUCT_SIZE_MAX);
	else if (ret == -E2BIG)
		IOPF_LOG(ERR, "%s: size %u, this library knows %zu bytes and a byte after them "
			"is set: a field this version cannot honour (built against a newer "
			"header? leave the new fields zero)", what, usize, ksize);
	return ret;
}

void
sva_iopf_conf_default(struct sva_iopf_conf *conf)
{
	if (conf == NULL)
		return;
	memset(conf, 0, sizeof(*conf));
	conf->size = sizeof(*conf);
	conf->burst = 32;
	conf->max_open_groups = 1024;
	conf->max_pending_pages = 8192;
	conf->max_deferred = 1024;
	conf->bond_burst_pages = 64;
	conf->populate_retries = 3;
	conf->group_timeout_us = 1000000;
	conf->resolve_budget_us = 0;
	conf->budget_code = SVA_PAGE_RESP_INVALID;
	conf->bond_burst_us = 20;
}

static int
conf_check(const struct sva_iopf_conf *c)
{
#define CHECK(cond, fmt, ...) do { \
	if (!(cond)) { \
		IOPF_LOG(ERR, "bad iopf conf: " fmt, ##__VA_ARGS__); \
		return -EINVAL; \
	} \
} while (0)
	CHECK(c->burst >= 1 && c->burst <= 256, "burst %u: 1..256", c->burst);
	CHECK(c->max_open_groups >= 16 && c->max_open_groups <= 65536,
		"max_open_groups %u: 16..65536", c->max_open_groups);
	CHECK(c->max_pending_pages >= 64 && c->max_pending_pages <= (1u << 20),
		"max_pending_pages %u: 64..1048576", c->max_pending_pages);
	CHECK(c->max_deferred >= 16 && c->max_deferred <= 65536 &&
		(c->max_deferred & (c->max_deferred - 1)) == 0,
		"max_deferred %u: a power of two, 16..65536", c->max_deferred);
	CHECK(c->bond_burst_pages >= 1, "bond_burst_pages 0: at least 1");
	CHECK(c->populate_retries <= 100, "populate_retries %u: 0..100", c->populate_retries);
	CHECK(c->budget_code == SVA_PAGE_RESP_INVALID || c->budget_code == SVA_PAGE_RESP_FAILURE,
		"budget_code %u: SVA_PAGE_RESP_INVALID (1) or SVA_PAGE_RESP_FAILURE (15)",
		c->budget_code);
	CHECK(c->group_timeout_us <= UINT64_C(3600000000) &&
		c->resolve_budget_us <= UINT64_C(3600000000), "deadlines: at most one hour");
#undef CHECK
	return 0;
}

static uint64_t
us_to_cycles(uint64_t us)
{
	return us * (rte_get_tsc_hz() / 1000000);
}

static void
iopf_free(struct sva_iopf *f)
{
	for (unsigned int d = 0; d < IOPF_DIR_SIZE; d++)
		free(f->dir[d]);
	iopf_groups_free(f);
	free(f->defer);
	free(f->kev);
	free(f->recs);
	free(f->cg);
	free(f->pg);
	free(f->items);
	free(f->resp);
	free(f->resp_pending);
	free(f->held);
	rte_free(f);
}

struct sva_iopf *
sva_iopf_create(struct sva_iommu *iommu, const struct sva_iopf_conf *conf)
{
	struct sva_iopf_conf c;
	struct sva_iopf *f;
	int slot = -1, ret;

	if (iommu == NULL) {
		IOPF_LOG(ERR, "sva_iopf_create: no iommu");
		rte_errno = EINVAL;
		return NULL;
	}
	if (conf != NULL) {
		ret = conf_copy_in(&c, sizeof(c), conf, IOPF_CONF_SIZE_VER0, "iopf conf");
		if (ret != 0) {
			rte_errno = -ret;
			return NULL;
		}
	} else {
		sva_iopf_conf_default(&c);
	}
	if (conf_check(&c) != 0) {
		rte_errno = EINVAL;
		return NULL;
	}
	ret = iopf_rcu_init();
	if (ret == 0 && sva_iopf_maps_generation() == 0)
		ret = sva_iopf_maps_refresh();
	if (ret != 0) {
		rte_errno = -ret;
		return NULL;
	}
	f = rte_zmalloc("sva_iopf", sizeof(*f), RTE_CACHE_LINE_SIZE);
	if (f == NULL) {
		rte_errno = ENOMEM;
		return NULL;
	}
	pthread_mutex_init(&f->ctl, NULL);
	f->iommu = iommu;
	f->conf = c;
	f->burst = c.burst;
	f->max_groups = c.max_open_groups;
	f->pool_size = c.max_pending_pages;
	f->bond_burst_pages = c.bond_burst_pages;
	f->bond_burst_cyc = us_to_cycles(c.bond_burst_us);
	f->share_window_cyc = us_to_cycles(IOPF_SHARE_WINDOW_MS * 1000);
	f->populate_retries = c.populate_retries;
	f->group_timeout_cyc = us_to_cycles(c.group_timeout_us);
	f->budget_cyc = us_to_cycles(c.resolve_budget_us);
	f->budget_code = c.budget_code;
	f->has_range_resolved = sva_iommu_driver_of(iommu)->range_resolved != NULL;
	f->defer_mask = c.max_deferred - 1;
	f->cg_cap = 2u * c.burst;
	f->pg_cap = f->pool_size + c.burst;
	f->items_cap = f->pg_cap + 4096; /* demand pages, then fault-around pages */
	f->defer = calloc(c.max_deferred, sizeof(*f->defer));
	f->kev = calloc(c.max_deferred, sizeof(*f->kev));
	f->recs = calloc(c.burst, sizeof(*f->recs));
	f->cg = calloc(f->cg_cap, sizeof(*f->cg));
	f->pg = calloc(f->pg_cap, sizeof(*f->pg));
	f->items = calloc(f->items_cap, sizeof(*f->items));
	f->resp = calloc(f->cg_cap, sizeof(*f->resp));
	/* nested groups held for the VMM: as many as may be deferred */
	f->held_cap = c.max_deferred;
	f->held = calloc(f->held_cap, sizeof(*f->held));
	/* a burst's responses, every deferred group and every held group (the VMM answers
	 * each once, maybe while the queue refuses): nothing is read while responses are
	 * kept, so the kept list never holds more (iopf_write_responses()) */
	f->resp_pending_cap = f->cg_cap + c.max_deferred + f->held_cap;
	f->resp_pending = calloc(f->resp_pending_cap, sizeof(*f->resp_pending));
	if (iopf_groups_init(f) != 0 || f->defer == NULL || f->kev == NULL || f->recs == NULL ||
			f->cg == NULL || f->pg == NULL || f->items == NULL || f->resp == NULL ||
			f->resp_pending == NULL || f->held == NULL) {
		iopf_free(f);
		rte_errno = ENOMEM;
		return NULL;
	}

	pthread_mutex_lock(&registry_lock);
	for (int i = 0; i < IOPF_MAX_IOPFS; i++) {
		if (registry[i].iommu == iommu) {
			pthread_mutex_unlock(&registry_lock);
			IOPF_LOG(ERR, "%s: has a fault path already", sva_iommu_name(iommu));
			iopf_free(f);
			rte_errno = EEXIST;
			return NULL;
		}
		if (slot < 0 && registry[i].iommu == NULL)
			slot = i;
	}
	if (slot < 0) {
		pthread_mutex_unlock(&registry_lock);
		IOPF_LOG(ERR, "%s: %d fault paths exist already", sva_iommu_name(iommu),
			IOPF_MAX_IOPFS);
		iopf_free(f);
		rte_errno = ENOSPC;
		return NULL;
	}
	__atomic_store_n(&registry[slot].iopf, f, __ATOMIC_RELEASE);
	__atomic_store_n(&registry[slot].iommu, iommu, __ATOMIC_RELEASE);
	pthread_mutex_unlock(&registry_lock);
	/* mappings newer than the snapshot without PROCMAP_QUERY, or a full overlay */
	f->bg = iopf_maps_bg_start() == 0;
	if (!f->bg)
		IOPF_LOG(WARNING, "%s: no background refresh of the mappings snapshot "
			"(pthread_create failed): without PROCMAP_QUERY (Linux 6.11+), a "
			"mapping newer than the snapshot waits for sva_iopf_maps_refresh()",
			sva_iommu_name(iommu));
	IOPF_LOG(INFO, "%s: fault path ready (burst %u, %u open groups, %u pending pages)",
		sva_iommu_name(iommu), c.burst, c.max_open_groups, c.max_pending_pages);
	return f;
}

#define IOPF_DESTROY_WAIT_US 100000

int
sva_iopf_destroy(struct sva_iopf *f)
{
	int kept, slot = -1;

	if (f == NULL)
		return -EINVAL;
	pthread_mutex_lock(&registry_lock);
	if (f->nbonds != 0) {
		pthread_mutex_unlock(&registry_lock);
		IOPF_LOG(ERR, "%s: cannot destroy the fault path: %u bond(s) remain (unbind them)",
			sva_iommu_name(f->iommu), f->nbonds);
		return -EBUSY;
	}
	for (int i = 0; i < IOPF_MAX_IOPFS; i++) {
		if (registry[i].iopf == f) {
			__atomic_store_n(&registry[i].iommu, NULL, __ATOMIC_SEQ_CST);
			__atomic_store_n(&registry[i].iopf, NULL, __ATOMIC_SEQ_CST);
			slot = i;
		}
	}
	pthread_mutex_unlock(&registry_lock);
	/* a poller that found it before it left the registry finishes first (one that
	 * counts in later finds the slot empty, or another iopf) */
	while (slot >= 0 && __atomic_load_n(&registry[slot].users, __ATOMIC_SEQ_CST) != 0)
		rte_pause();
	iopf_own(f);
	iopf_answer_bond(f, NULL, SVA_IOPF_R_UNBINDING);
	/* stalled transactions still queued: each gets its one CMD_RESUME, Abort */
	iopf_abort_stalls(f, 64);
	/* kept responses are written, not freed: the device waits for them */
	kept = iopf_write_kept(f, IOPF_DESTROY_WAIT_US);
	if (kept != 0) {
		IOPF_STAT_ADD(f->st.resp_dropped, (uint64_t)kept);
		IOPF_LOG(ERR, "%s: %d kept response(s) never written: the response queue still "
			"refused them after %u ms (is the device gone?); its groups time out",
			sva_iommu_name(f->iommu), kept, IOPF_DESTROY_WAIT_US / 1000);
	}
	iopf_release(f);
	if (f->bg)
		iopf_maps_bg_stop();
	IOPF_LOG(INFO, "%s: fault path destroyed", sva_iommu_name(f->iommu));
	iopf_free(f);
	return 0;
}

struct sva_iopf *
sva_iopf_get(const struct sva_iommu *iommu)
{
	if (iommu == NULL) {
		rte_errno = EINVAL;
		return NULL;
	}
	for (int i = 0; i < IOPF_MAX_IOPFS; i++) {
		if (__atomic_load_n(&registry[i].iommu, __ATOMIC_ACQUIRE) == iommu) {
			struct sva_iopf *f = __atomic_load_n(&registry[i].iopf, __ATOMIC_ACQUIRE);

			if (f != NULL)
				return f;
		}
	}
	rte_errno = ENOENT;
	return NULL;
}

struct sva_iommu *
sva_iopf_iommu(const struct sva_iopf *f)
{
	return f != NULL ? f->iommu : NULL;
}

int
sva_iopf_poll(struct sva_iommu *iommu, unsigned int budget)
{
	if (unlikely(iommu == NULL))
		return -ENODEV;
	for (int i = 0; i < IOPF_MAX_IOPFS; i++) {
		struct sva_iopf *f;
		int ret = -ENODEV;

		if (__atomic_load_n(&registry[i].iommu, __ATOMIC_ACQUIRE) != iommu)
			continue;
		/* count in, then look again: destroy either sees us or we see it gone */
		__atomic_fetch_add(&registry[i].users, 1, __ATOMIC_SEQ_CST);
		f = __atomic_load_n(&registry[i].iopf, __ATOMIC_SEQ_CST);
		if (f != NULL && f->iommu == iommu &&
				__atomic_load_n(&registry[i].iommu, __ATOMIC_SEQ_CST) == iommu)
			ret = sva_iopf_run(f, budget);
		__atomic_fetch_sub(&registry[i].users, 1, __ATOMIC_RELEASE);
		return ret;
	}
	return -ENODEV;
}

int
sva_iopf_drain_all(unsigned int max_reads)
{
	int ret = 0;

	/* the registry lock keeps every iopf alive while it is drained */
	pthread_mutex_lock(&registry_lock);
	for (int i = 0; i < IOPF_MAX_IOPFS; i++) {
		int r = registry[i].iopf != NULL ? sva_iopf_drain(registry[i].iopf, max_reads) : 0;

		if (r == -EAGAIN || (r < 0 && ret == 0))
			ret = r;
	}
	pthread_mutex_unlock(&registry_lock);
	return ret;
}

int
sva_iopf_deadlines_set(struct sva_iopf *f, uint64_t group_timeout_us, uint64_t resolve_budget_us,
		uint32_t budget_code)
{
	if (f == NULL)
		return -EINVAL;
	if (budget_code != SVA_PAGE_RESP_INVALID && budget_code != SVA_PAGE_RESP_FAILURE) {
		IOPF_LOG(ERR, "budget_code %u: SVA_PAGE_RESP_INVALID (1) or _FAILURE (15)",
			budget_code);
		return -EINVAL;
	}
	iopf_own(f);
	f->conf.group_timeout_us = group_timeout_us;
	f->conf.resolve_budget_us = resolve_budget_us;
	f->conf.budget_code = budget_code;
	f->group_timeout_cyc = us_to_cycles(group_timeout_us);
	f->budget_cyc = us_to_cycles(resolve_budget_us);
	f->budget_code = budget_code;
	iopf_release(f);
	return 0;
}

/* ---- bonds ---- */

struct sva_iopf_bond *
iopf_bond_lookup(const struct sva_iopf *f, uint32_t flags, uint32_t dev_id, uint32_t pasid,
		unsigned int *reason)
{
	struct sva_iopf_bond *b, *const *leaf;

	if (!(flags & SVA_FAULT_PR_PASID_VALID)) {
		for (uint32_t i = 0; i < f->nrid; i++)
			if (f->rid_bonds[i]->dev_id == dev_id)
				return f->rid_bonds[i];
		*reason = SVA_IOPF_R_UNKNOWN_PASID;
		return NULL;
	}
	/* a dev whose every PASID is one bond's (nested CD table): no other PASID bond */
	if (unlikely(f->nall != 0)) {
		for (uint32_t i = 0; i < f->nall; i++)
			if (f->all_bonds[i]->dev_id == dev_id)
				return f->all_bonds[i];
	}
	leaf = pasid < (1u << 20) ? f->dir[pasid >> IOPF_LEAF_BITS] : NULL;
	b = leaf != NULL ? leaf[pasid & (IOPF_LEAF_SIZE - 1)] : NULL;
	if (b == NULL) {
		*reason = SVA_IOPF_R_UNKNOWN_PASID;
		return NULL;
	}
	for (; b != NULL; b = b->next_same)
		if (b->dev_id == dev_id)
			return b;
	*reason = SVA_IOPF_R_WRONG_DEV;
	return NULL;
}

struct sva_iopf_bond *
sva_iopf_bond_add(struct sva_iopf *f, struct sva_dev *dev, uint32_t pasid,
		const struct sva_iopf_bond_conf *uconf)
{
	const uint32_t known = SVA_IOPF_BOND_RID | SVA_IOPF_BOND_AUTO_INVALID |
		SVA_IOPF_BOND_ALLOW_EXEC | SVA_IOPF_BOND_ALLOW_PRIV | SVA_IOPF_BOND_PINNED |
		SVA_IOPF_BOND_GUEST | SVA_IOPF_BOND_NESTED | SVA_IOPF_BOND_ALL_PASIDS |
		SVA_IOPF_BOND_FA_ADAPTIVE;
	struct sva_iopf_bond_conf c; /* the caller's, as much as its size says */
	const struct sva_iopf_bond_conf *conf = &c;
	struct sva_iommu_info info;
	struct sva_iopf_bond *b, **leaf = NULL, *other;
	uint32_t slot = IOPF_NONE, dev_id;
	bool rid, all;
	int ret;

	if (f == NULL || dev == NULL || uconf == NULL) {
		IOPF_LOG(ERR, "bond add: iopf, dev and conf are required");
		goto inval;
	}
	ret = conf_copy_in(&c, sizeof(c), uconf, IOPF_BOND_CONF_SIZE_VER0, "bond add: conf");
	if (ret != 0) {
		rte_errno = -ret;
		return NULL;
	}
	if (sva_dev_iommu(dev) != f->iommu) {
		IOPF_LOG(ERR, "bond add: the dev is behind %s, not %s",
			sva_iommu_name(sva_dev_iommu(dev)), sva_iommu_name(f->iommu));
		goto inval;
	}
	sva_iommu_info_get(f->iommu, &info);
	rid = (conf->flags & SVA_IOPF_BOND_RID) != 0;
	all = (conf->flags & SVA_IOPF_BOND_ALL_PASIDS) != 0;
	if (conf->flags & ~known) {
		IOPF_LOG(ERR, "bond add: unknown flags 0x%x", conf->flags & ~known);
		goto inval;
	}
	if ((rid && all) || ((conf->flags & SVA_IOPF_BOND_NESTED) &&
			(rid || (conf->flags & SVA_IOPF_BOND_PINNED)))) {
		IOPF_LOG(ERR, "bond add: flags 0x%x: RID with ALL_PASIDS, or NESTED with RID or "
			"PINNED", conf->flags);
		goto inval;
	}
	if ((conf->flags & SVA_IOPF_BOND_NESTED) && (conf->ram_size == 0 ||
			conf->ram_base + conf->ram_size < conf->ram_base)) {
		IOPF_LOG(ERR, "bond add: nested: guest RAM [0x%" PRIx64 ", +0x%" PRIx64 ") is empty "
			"or wraps", conf->ram_base, conf->ram_size);
		goto inval;
	}
	if (all && info.pasid_bits == 0) {
		IOPF_LOG(ERR, "bond add: %s has no PASIDs", sva_iommu_name(f->iommu));
		goto inval;
	}
	if (!rid && !all && (info.pasid_bits == 0 || pasid >= (1u << info.pasid_bits))) {
		IOPF_LOG(ERR, "bond add: PASID %u beyond the %u PASID bits of %s", pasid,
			info.pasid_bits, sva_iommu_name(f->iommu));
		goto inval;
	}
	if (conf->fault_around_before > SVA_IOPF_FAULT_AROUND_MAX ||
			conf->fault_around_after > SVA_IOPF_FAULT_AROUND_MAX) {
		IOPF_LOG(ERR, "bond add: fault-around window %u/%u: at most %u pages each side",
			conf->fault_around_before, conf->fault_around_after,
			SVA_IOPF_FAULT_AROUND_MAX);
		goto inval;
	}
	if ((conf->flags & SVA_IOPF_BOND_GUEST) && conf->gpasid > IOPF_PASID_MAX) {
		IOPF_LOG(ERR, "bond add: gpasid %u is beyond 20 bits", conf->gpasid);
		goto inval;
	}
	if (conf->event_cb != NULL && conf->event_ring != NULL) {
		IOPF_LOG(ERR, "bond add: give an event callback or an event ring, not both");
		goto inval;
	}
	if (conf->event_ring != NULL && rte_ring_get_size(conf->event_ring) == 0) {
		IOPF_LOG(ERR, "bond add: the event ring is unusable");
		goto inval;
	}
	dev_id = sva_dev_id(dev);
	b = rte_zmalloc("sva_iopf_bond", sizeof(*b), RTE_CACHE_LINE_SIZE);
	if (b == NULL) {
		rte_errno = ENOMEM;
		return NULL;
	}
	b->iopf = f;
	b->dev = dev;
	b->dev_id = dev_id;
	b->pasid = rid || all ? 0 : pasid;
	b->flags = conf->flags;
	b->fa_before = conf->fault_around_before;
	b->fa_after = conf->fault_around_after;
	b->event_cb = conf->event_cb;
	b->event_arg = conf->event_arg;
	b->event_ring = conf->event_ring;
	b->owner = conf->owner;
	if (conf->flags & SVA_IOPF_BOND_GUEST) {
		b->gpasid = conf->gpasid;
		b->user_cookie = conf->user_cookie;
	}
	if (conf->flags & SVA_IOPF_BOND_NESTED) {
		b->ram_base = conf->ram_base;
		b->ram_end = conf->ram_base + conf->ram_size;
	}
	b->state = IOPF_BOND_LIVE;

	pthread_mutex_lock(&f->ctl);
	iopf_own(f);
	if (rid) {
		for (uint32_t i = 0; i < f->nrid; i++) {
			if (f->rid_bonds[i]->dev_id == dev_id) {
				iopf_release(f);
				pthread_mutex_unlock(&f->ctl);
				IOPF_LOG(ERR, "bond add: dev 0x%x has a RID bond already", dev_id);
				rte_free(b);
				rte_errno = EEXIST;
				return NULL;
			}
		}
		if (f->nrid == IOPF_MAX_RID_BONDS)
			goto nospc;
	} else if (all) {
		bool busy = f->nall == IOPF_MAX_RID_BONDS;

		for (uint32_t i = 0; i < f->nall && !busy; i++)
			busy = f->all_bonds[i]->dev_id == dev_id;
		for (uint32_t i = 0; i < IOPF_MAX_BONDS && !busy; i++)
			busy = f->bonds[i] != NULL && f->bonds[i]->dev_id == dev_id &&
				!(f->bonds[i]->flags & SVA_IOPF_BOND_RID);
		if (busy) {
			iopf_release(f);
			pthread_mutex_unlock(&f->ctl);
			IOPF_LOG(ERR, "bond add: dev 0x%x has PASID bonds already (or %u all-PASID "
				"bonds exist): its every PASID cannot be one bond's", dev_id, f->nall);
			rte_free(b);
			rte_errno = EEXIST;
			return NULL;
		}
	} else {
		for (uint32_t i = 0; i < f->nall; i++) {
			if (f->all_bonds[i]->dev_id == dev_id) {
				iopf_release(f);
				pthread_mutex_unlock(&f->ctl);
				IOPF_LOG(ERR, "bond add: every PASID of dev 0x%x is served already "
					"(a nested CD table bond)", dev_id);
				rte_free(b);
				rte_errno = EEXIST;
				return NULL;
			}
		}
		leaf = f->dir[pasid >> IOPF_LEAF_BITS];
		for (other = leaf != NULL ? leaf[pasid & (IOPF_LEAF_SIZE - 1)] : NULL; other != NULL;
				other = other->next_same) {
			if (other->dev_id == dev_id) {
				iopf_release(f);
				pthread_mutex_unlock(&f->ctl);
				IOPF_LOG(ERR, "bond add: PASID %u of dev 0x%x is served already", pasid,
					dev_id);
				rte_free(b);
				rte_errno = EEXIST;
				return NULL;
			}
		}
		if (leaf == NULL) {
			leaf = calloc(IOPF_LEAF_SIZE, sizeof(*leaf));
			if (leaf == NULL) {
				iopf_release(f);
				pthread_mutex_unlock(&f->ctl);
				rte_free(b);
				rte_errno = ENOMEM;
				return NULL;
			}
			f->dir[pasid >> IOPF_LEAF_BITS] = leaf;
		}
	}
	for (uint32_t i = 0; i < IOPF_MAX_BONDS; i++) {
		if (f->bonds[i] == NULL) {
			slot = i;
			break;
		}
	}
	if (slot == IOPF_NONE)
		goto nospc;
	b->slot = slot;
	b->id = ++f->next_bond_id;
	f->bonds[slot] = b;
	f->nbonds++;
	if (b->flags & SVA_IOPF_BOND_NESTED)
		f->nnested++;
	if (rid) {
		f->rid_bonds[f->nrid++] = b;
	} else if (all) {
		f->all_bonds[f->nall++] = b;
	} else {
		b->next_same = leaf[pasid & (IOPF_LEAF_SIZE - 1)];
		leaf[pasid & (IOPF_LEAF_SIZE - 1)] = b;
	}
	iopf_release(f);
	pthread_mutex_unlock(&f->ctl);
	IOPF_LOG(DEBUG, "%s: serving dev 0x%x %s %u", sva_iommu_name(f->iommu), dev_id,
		rid ? "RID" : "PASID", b->pasid);
	return b;
nospc:
	iopf_release(f);
	pthread_mutex_unlock(&f->ctl);
	IOPF_LOG(ERR, "bond add: %s serves %u bonds / %u RID bonds already (the most)",
		sva_iommu_name(f->iommu), f->nbonds, f->nrid);
	rte_free(b);
	rte_errno = ENOSPC;
	return NULL;
inval:
	rte_errno = EINVAL;
	return NULL;
}

void
sva_iopf_bond_remove(struct sva_iopf_bond *b)
{
	struct sva_iopf *f;
	struct sva_iopf_bond **pp;

	if (b == NULL)
		return;
	f = b->iopf;
	pthread_mutex_lock(&f->ctl);
	iopf_own(f);
	b->state = IOPF_BOND_DYING;
	/* answer its deferred (closed) groups while it can still be found; its partial
	 * groups and lost keys are discarded unanswered */
	iopf_answer_bond(f, b, SVA_IOPF_R_UNBINDING);
	if (b->flags & SVA_IOPF_BOND_NESTED)
		f->nnested--;
	if (b->flags & SVA_IOPF_BOND_RID) {
		for (uint32_t i = 0; i < f->nrid; i++) {
			if (f->rid_bonds[i] == b) {
				f->rid_bonds[i] = f->rid_bonds[--f->nrid];
				break;
			}
		}
	} else if (b->flags & SVA_IOPF_BOND_ALL_PASIDS) {
		for (uint32_t i = 0; i < f->nall; i++) {
			if (f->all_bonds[i] == b) {
				f->all_bonds[i] = f->all_bonds[--f->nall];
				break;
			}
		}
	} else {
		pp = &f->dir[b->pasid >> IOPF_LEAF_BITS][b->pasid & (IOPF_LEAF_SIZE - 1)];
		while (*pp != b)
			pp = &(*pp)->next_same;
		*pp = b->next_same;
	}
	f->bonds[b->slot] = NULL;
	f->nbonds--;
	/* keep what it counted in the iommu's statistics */
	iopf_stats_add(&f->retired, &b->st);
	iopf_stats_sub(&f->retired, &b->base);
	iopf_release(f);
	pthread_mutex_unlock(&f->ctl);
	IOPF_LOG(DEBUG, "%s: stopped serving dev 0x%x PASID %u", sva_iommu_name(f->iommu),
		b->dev_id, b->pasid);
	rte_free(b);
}

uint32_t
sva_iopf_bond_pasid(const struct sva_iopf_bond *b)
{
	return b != NULL ? b->pasid : 0;
}

struct sva_dev *
sva_iopf_bond_dev(const struct sva_iopf_bond *b)
{
	return b != NULL ? b->dev : NULL;
}

void *
sva_iopf_bond_owner(const struct sva_iopf_bond *b)
{
	return b != NULL ? b->owner : NULL;
}

int
sva_iopf_bond_fault_around_set(struct sva_iopf_bond *b, uint16_t before, uint16_t after)
{
	if (b == NULL)
		return -EINVAL;
	if (before > SVA_IOPF_FAULT_AROUND_MAX || after > SVA_IOPF_FAULT_AROUND_MAX) {
		IOPF_LOG(ERR, "fault-around window %u/%u: at most %u pages each side", before,
			after, SVA_IOPF_FAULT_AROUND_MAX);
		return -EINVAL;
	}
	__atomic_store_n(&b->fa_before, before, __ATOMIC_RELAXED);
	__atomic_store_n(&b->fa_after, after, __ATOMIC_RELAXED);
	return 0;
}

int
sva_iopf_bond_foreach(struct sva_iopf *f, int (*fn)(struct sva_iopf_bond *bond, void *arg),
		void *arg)
{
	int ret = 0;

	if (f == NULL || fn == NULL)
		return -EINVAL;
	pthread_mutex_lock(&f->ctl);
	for (uint32_t i = 0; i < IOPF_MAX_BONDS && ret == 0; i++)
		if (f->bonds[i] != NULL)
			ret = fn(f->bonds[i], arg);
	pthread_mutex_unlock(&f->ctl);
	return ret;
}

/* ---- statistics ---- */

int
sva_iopf_stats_get(struct sva_iopf *f, const struct sva_iopf_bond *b, struct sva_iopf_stats *st)
{
	if (st == NULL || (f == NULL && b == NULL) || (b != NULL && f != NULL && b->iopf != f))
		return -EINVAL;
	if (b != NULL) {
		/* ctl: the baseline is written by a reset on another thread */
		pthread_mutex_lock(&b->iopf->ctl);
		iopf_stats_read(st, &b->st);
		iopf_stats_sub(st, &b->base);
		pthread_mutex_unlock(&b->iopf->ctl);
	} else {
		struct sva_iopf_stats base;

		pthread_mutex_lock(&f->ctl);
		iopf_stats_read(st, &f->st);
		iopf_stats_sub(st, &f->base);
		iopf_stats_add(st, &f->retired);
		for (uint32_t i = 0; i < IOPF_MAX_BONDS; i++) {
			const struct sva_iopf_bond *x = f->bonds[i];

			if (x == NULL)
				continue;
			iopf_stats_read(&base, &x->st);
			iopf_stats_sub(&base, &x->base);
			iopf_stats_add(st, &base);
		}
		/* an iommu's batches are its doorbells, not the sum of its bonds' */
		st->batches = __atomic_load_n(&f->st.batches, __ATOMIC_RELAXED) - f->base.batches;
		st->batch_responses = __atomic_load_n(&f->st.batch_responses, __ATOMIC_RELAXED) -
			f->base.batch_responses;
		pthread_mutex_unlock(&f->ctl);
	}
	iopf_stats_finish(st);
	return 0;
}

int
sva_iopf_maps_stats_get(struct sva_iopf *f, struct sva_iopf_maps_stats *st)
{
	const uint64_t *live, *base;
	uint64_t *d;

	if (f == NULL || st == NULL)
		return -EINVAL;
	live = (const uint64_t *)&f->mst;
	base = (const uint64_t *)&f->mbase;
	d = (uint64_t *)st;
	pthread_mutex_lock(&f->ctl);
	for (size_t i = 0; i < sizeof(*st) / sizeof(uint64_t); i++)
		d[i] = __atomic_load_n(&live[i], __ATOMIC_RELAXED) - base[i];
	pthread_mutex_unlock(&f->ctl);
	st->bg_refreshes = iopf_maps_bg_refreshes();
	return 0;
}

int
sva_iopf_stats_reset(struct sva_iopf *f, struct sva_iopf_bond *b)
{
	if ((f == NULL && b == NULL) || (b != NULL && f != NULL && b->iopf != f))
		return -EINVAL;
	if (b != NULL) {
		/* ctl: an iommu-wide get or reset reads and writes the same baseline */
		pthread_mutex_lock(&b->iopf->ctl);
		iopf_stats_read(&b->base, &b->st);
		pthread_mutex_unlock(&b->iopf->ctl);
		return 0;
	}
	pthread_mutex_lock(&f->ctl);
	iopf_stats_read(&f->base, &f->st);
	for (size_t i = 0; i < sizeof(f->mst) / sizeof(uint64_t); i++)
		((uint64_t *)&f->mbase)[i] =
			__atomic_load_n(&((const uint64_t *)&f->mst)[i], __ATOMIC_RELAXED);
	memset(&f->retired, 0, sizeof(f->retired));
	for (uint32_t i = 0; i < IOPF_MAX_BONDS; i++)
		if (f->bonds[i] != NULL)
			iopf_stats_read(&f->bonds[i]->base, &f->bonds[i]->st);
	pthread_mutex_unlock(&f->ctl);
	return 0;
}

/* ---- stage cycles (sva_iopf_stages_get, /sva/stages) ---- */

static void
stages_read(const struct sva_iopf *f, struct sva_iopf_stages *st)
{
	const struct sva_iopf_stages *s = &f->stages;

	st->bursts = __atomic_load_n(&s->bursts, __ATOMIC_RELAXED);
	st->records = __atomic_load_n(&s->records, __ATOMIC_RELAXED);
	st->read_decode = __atomic_load_n(&s->read_decode, __ATOMIC_RELAXED);
	st->validate = __atomic_load_n(&s->validate, __ATOMIC_RELAXED);
	st->populate = __atomic_load_n(&s->populate, __ATOMIC_RELAXED);
	st->respond = __atomic_load_n(&s->respond, __ATOMIC_RELAXED);
	st->fault_around = __atomic_load_n(&s->fault_around, __ATOMIC_RELAXED);
	st->tsc_hz = rte_get_tsc_hz();
}

int
sva_iopf_stages_get(const struct sva_iommu *iommu, struct sva_iopf_stages *st)
{
	int ret = -ENOENT;

	if (iommu == NULL || st == NULL)
		return -EINVAL;
	pthread_mutex_lock(&registry_lock);
	for (int i = 0; i < IOPF_MAX_IOPFS; i++) {
		if (registry[i].iommu == iommu && registry[i].iopf != NULL) {
			stages_read(registry[i].iopf, st);
			ret = 0;
			break;
		}
	}
	pthread_mutex_unlock(&registry_lock);
	return ret;
}

/* /sva/stages,<iommu name>: the stage cycles as a dict; no parameter: the iommus that
 * have a fault path. Under the registry lock: an iopf in the registry is alive, and so
 * is its iommu (an iopf goes before its iommu). */
static int
tel_stages(const char *cmd, const char *params, struct rte_tel_data *d)
{
	struct sva_iopf_stages st;
	int ret = -EINVAL;

	RTE_SET_USED(cmd);
	if (params == NULL || params[0] == '\0')
		rte_tel_data_start_array(d, RTE_TEL_STRING_VAL);
	pthread_mutex_lock(&registry_lock);
	for (int i = 0; i < IOPF_MAX_IOPFS; i++) {
		const struct sva_iopf *f = registry[i].iopf;

		if (f == NULL)
			continue;
		if (params == NULL || params[0] == '\0') {
			rte_tel_data_add_array_string(d, sva_iommu_name(f->iommu));
			continue;
		}
		if (strcmp(sva_iommu_name(f->iommu), params) != 0)
			continue;
		stages_read(f, &st);
		rte_tel_data_start_dict(d);
		rte_tel_data_add_dict_u64(d, "bursts", st.bursts);
		rte_tel_data_add_dict_u64(d, "records", st.records);
		rte_tel_data_add_dict_u64(d, "read_decode_cycles", st.read_decode);
		rte_tel_data_add_dict_u64(d, "validate_cycles", st.validate);
		rte_tel_data_add_dict_u64(d, "populate_cycles", st.populate);
		rte_tel_data_add_dict_u64(d, "respond_cycles", st.respond);
		rte_tel_data_add_dict_u64(d, "fault_around_cycles", st.fault_around);
		rte_tel_data_add_dict_u64(d, "tsc_hz", st.tsc_hz);
		ret = 0;
		break;
	}
	pthread_mutex_unlock(&registry_lock);
	return params == NULL || params[0] == '\0' ? 0 : ret;
}

RTE_INIT(iopf_stages_telemetry_init)
{
	rte_telemetry_register_cmd("/sva/stages", tel_stages,
		"Cycles per poll stage of an iommu's fault path (sva_iopf_stages_get()): "
		"read_decode, validate, populate, respond, fault_around. Parameter: an iommu "
		"name; none: the iommus with a fault path");
}
