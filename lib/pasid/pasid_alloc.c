/* SPDX-License-Identifier: BSD-3-Clause */
/* Allocation and free: control path, under the space lock. */
#include <errno.h>

#include "pasid_pvt.h"

/*
 * Freed PASIDs queue up until a reclaim pass returns them. Alloc runs a non-blocking
 * pass once this many are pending, so a steady alloc/free load keeps reusing a small
 * range instead of walking the whole space (and allocating its every leaf).
 */
#define PASID_RECLAIM_BATCH 32

void
pasid_take(struct sva_pasid_space *space, struct pasid_entry *e, uint32_t pasid,
	struct sva_pasid_set *set, void *priv)
{
	pasid_bitmap_set(&space->bm, pasid);
	__atomic_store_n(&e->priv, priv, __ATOMIC_RELAXED); /* lookups load it lock-free */
	e->state = PASID_ST_INUSE;
	e->hooks_done = 0;
	e->next = PASID_NONE;
	/* Publish last: a reader that sees the set sees priv. */
	__atomic_store_n(&e->set, set, __ATOMIC_RELEASE);
	set->in_use++;
	set->allocs++;
	if (set->in_use > set->high_water)
		set->high_water = set->in_use;
	space->in_use++;
}

void
pasid_release(struct sva_pasid_space *space, struct pasid_entry *e, uint32_t pasid)
{
	struct sva_pasid_set *set = e->set;

	/* Out of lookups at once; rte_rcu_qsbr_start() orders this store before the
	 * token, so a reader that reports the token's quiescent state no longer holds it. */
	__atomic_store_n(&e->set, NULL, __ATOMIC_RELEASE);
	e->state = PASID_ST_PENDING;
	e->hooks_done = 0;
	e->token = rte_rcu_qsbr_start(space->qsbr);
	pasid_list_append(space, &space->pending, pasid);
	set->in_use--;
	set->frees++;
	space->in_use--;
}

/* Under the lock: is the set usable, and below its quota? Counts the refusal if not. */
static int
set_check_locked(struct sva_pasid_set *set)
{
	if (set->dead) {
		PASID_LOG(ERR, "space %s: allocation in set %s refused: the set is destroyed",
			set->space->name, set->name);
		return -EINVAL;
	}
	if (set->quota != 0 && set->in_use >= set->quota) {
		set->alloc_failures++;
		set->quota_failures++;
		PASID_LOG(INFO, "space %s: set %s holds its quota of %u PASIDs: free one first"
			" or create the set with a larger quota", set->space->name, set->name,
			set->quota);
		return -EDQUOT;
	}
	return 0;
}

int
sva_pasid_alloc(struct sva_pasid_set *set, uint32_t min, uint32_t max, void *priv,
	uint32_t *pasid)
{
	struct sva_pasid_space *space;
	struct pasid_entry *e;
	bool reclaim_now;
	uint32_t p;
	int ret;

	if (set == NULL || pasid == NULL) {
		PASID_LOG(ERR, "alloc refused: NULL %s", set == NULL ? "set" : "pasid pointer");
		return -EINVAL;
	}
	space = set->space;
	if (max >= space->nr_pasids)
		max = space->nr_pasids - 1;
	if (min > max) {
		PASID_LOG(ERR, "space %s: alloc in set %s refused: min %u is above max %u"
			" (the %u-bit space ends at %u)", space->name, set->name, min, max,
			space->bits, space->nr_pasids - 1);
		return -EINVAL;
	}
	for (int attempt = 0;; attempt++) {
		rte_spinlock_lock(&space->lock);
		ret = set_check_locked(set);
		if (ret != 0)
			goto out_unlock;
		p = pasid_bitmap_find_zero(&space->bm, min);
		if (p == PASID_BITMAP_NONE || p > max) {
			if (attempt == 0 && pasid_space_has_pending(space)) {
				/* Freed PASIDs may be reusable by now. */
				rte_spinlock_unlock(&space->lock);
				pasid_reclaim(space, true);
				continue;
			}
			set->alloc_failures++;
			PASID_LOG(INFO, "space %s: set %s: no free PASID in [%u, %u] (%u pending"
				" reuse after their grace period)", space->name, set->name, min,
				max, space->pending.count + space->draining.count);
			ret = -ENOSPC;
			goto out_unlock;
		}
		break;
	}
	e = pasid_entry_get_or_create(space, p);
	if (e == NULL) {
		set->alloc_failures++;
		PASID_LOG(ERR, "space %s: set %s: out of memory for the lookup table",
			space->name, set->name);
		ret = -ENOMEM;
		goto out_unlock;
	}
	pasid_take(space, e, p, set, priv);
	reclaim_now = space->pending.count >= PASID_RECLAIM_BATCH;
	rte_spinlock_unlock(&space->lock);
	if (reclaim_now)
		pasid_reclaim(space, false);
	*pasid = p;
	return 0;

out_unlock:
	rte_spinlock_unlock(&space->lock);
	return ret;
}

int
sva_pasid_alloc_at(struct sva_pasid_set *set, uint32_t pasid, void *priv)
{
	struct sva_pasid_space *space;
	struct pasid_entry *e;
	int ret;

	if (set == NULL) {
		PASID_LOG(ERR, "alloc_at refused: NULL set");
		return -EINVAL;
	}
	space = set->space;
	if (pasid >= space->nr_pasids) {
		PASID_LOG(ERR, "space %s: set %s: PASID %u is beyond the %u-bit space", space->name,
			set->name, pasid, space->bits);
		return -EINVAL;
	}
	if (pasid == 0 && !(space->flags & SVA_PASID_SPACE_ALLOW_ZERO)) {
		PASID_LOG(ERR, "space %s: set %s: PASID 0 is reserved in this space (create it"
			" with SVA_PASID_SPACE_ALLOW_ZERO to hand it out)", space->name, set->name);
		return -EINVAL;
	}
	for (int attempt = 0;; attempt++) {
		rte_spinlock_lock(&space->lock);
		ret = set_check_locked(set);
		if (ret != 0)
			goto out_unlock;
		if (!pasid_bitmap_test(&space->bm, pasid))
			break;
		e = pasid_entry_get(space, pasid);
		if (e->state == PASID_ST_INUSE) {
			set->alloc_failures++;
			PASID_LOG(INFO, "space %s: set %s: PASID %u is already allocated%s",
				space->name, set->name, pasid,
				e->set == set ? " to this set" : " to another set");
			ret = -EEXIST;
			goto out_unlock;
		}
		if (attempt > 0) {
			set->alloc_failures++;
			PASID_LOG(INFO, "space %s: set %s: PASID %u was freed and waits for its"
				" grace period or drain: try again later", space->name, set->name,
				pasid);
			ret = -EBUSY;
			goto out_unlock;
		}
		rte_spinlock_unlock(&space->lock);
		pasid_reclaim(space, true);
	}
	e = pasid_entry_get_or_create(space, pasid);
	if (e == NULL) {
		set->alloc_failures++;
		PASID_LOG(ERR, "space %s: set %s: out of memory for the lookup table",
			space->name, set->name);
		ret = -ENOMEM;
		goto out_unlock;
	}
	pasid_take(space, e, pasid, set, priv);
	ret = 0;

out_unlock:
	rte_spinlock_unlock(&space->lock);
	return ret;
}

int
sva_pasid_free(struct sva_pasid_set *set, uint32_t pasid)
{
	struct sva_pasid_space *space;
	struct pasid_entry *e;

	if (set == NULL) {
		PASID_LOG(ERR, "free refused: NULL set");
		return -EINVAL;
	}
	space = set->space;
	if (pasid >= space->nr_pasids) {
		PASID_LOG(ERR, "space %s: set %s: free of PASID %u refused: beyond the %u-bit space",
			space->name, set->name, pasid, space->bits);
		return -EINVAL;
	}
	rte_spinlock_lock(&space->lock);
	e = pasid_entry_get(space, pasid);
	if (e == NULL || e->set == NULL) {
		space->bad_frees++;
		rte_spinlock_unlock(&space->lock);
		PASID_LOG(ERR, "space %s: set %s: free of PASID %u that is not allocated"
			" (double free?): ignored", space->name, set->name, pasid);
		return -ENOENT;
	}
	if (e->set != set) {
		const char *other = e->set->name;

		space->bad_frees++;
		PASID_LOG(ERR, "space %s: set %s: free of PASID %u that belongs to set %s: ignored",
			space->name, set->name, pasid, other);
		rte_spinlock_unlock(&space->lock);
		return -EACCES;
	}
	pasid_release(space, e, pasid);
	rte_spinlock_unlock(&space->lock);
	return 0;
}
