/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Reclaim: a freed PASID goes pending -> (grace period over) draining -> (every drain
 * hook done) free. A pass takes the reclaim mutex, moves what is ready off the lists
 * under the space lock, runs the hooks with no spinlock held (a hook may take its own
 * locks or call find/alloc/free), then returns finished PASIDs to the bitmap.
 *
 * DPDK's rte_rcu_qsbr_dq does the grace-period half of this, but its free callback
 * cannot say "not yet", which a drain hook must be able to; so the queue is our own
 * FIFO through the entries, in token order, checked with rte_rcu_qsbr_check().
 */
#include <errno.h>

#include "pasid_pvt.h"

/* The space whose drain hooks this thread is running, to refuse re-entry. */
static __thread const struct sva_pasid_space *hook_running_space;

/* Under both locks: slots of registered hooks. */
static uint8_t
hooks_used_mask(const struct sva_pasid_space *space)
{
	uint8_t mask = 0;

	for (unsigned int i = 0; i < SVA_PASID_DRAIN_HOOKS_MAX; i++)
		if (space->hooks[i].fn != NULL)
			mask |= 1u << i;
	return mask;
}

/* With the reclaim mutex only: run the hooks not yet done for one PASID. */
static unsigned int
run_hooks(struct sva_pasid_space *space, uint32_t pasid, struct pasid_entry *e)
{
	unsigned int retries = 0;

	for (unsigned int i = 0; i < SVA_PASID_DRAIN_HOOKS_MAX; i++) {
		const struct pasid_hook *h = &space->hooks[i];
		int ret;

		if (h->fn == NULL || (e->hooks_done & (1u << i)))
			continue;
		ret = h->fn(space, pasid, h->arg);
		if (ret == -EAGAIN) {
			retries++;
			continue;
		}
		if (ret < 0)
			PASID_LOG(WARNING, "space %s: drain hook %u failed for PASID %u (%d):"
				" counted as done", space->name, i, pasid, ret);
		e->hooks_done |= 1u << i;
	}
	return retries;
}

int
pasid_reclaim(struct sva_pasid_space *space, bool blocking)
{
	struct pasid_list work = {PASID_NONE, PASID_NONE, 0};
	unsigned int retries = 0;
	uint8_t used;
	int n = 0;

	if (hook_running_space == space)
		return -EDEADLK;
	if (blocking)
		pthread_mutex_lock(&space->reclaim_lock);
	else if (pthread_mutex_trylock(&space->reclaim_lock) != 0)
		return 0;

	rte_spinlock_lock(&space->lock);
	/* PASIDs a hook sent back last time, then those whose grace period ended. */
	while (space->draining.count > 0)
		pasid_list_append(space, &work, pasid_list_pop(space, &space->draining));
	while (space->pending.count > 0) {
		struct pasid_entry *e = pasid_entry_get(space, space->pending.head);

		if (rte_rcu_qsbr_check(space->qsbr, e->token, false) != 1)
			break; /* tokens grow along the list: the rest are younger */
		e->state = PASID_ST_DRAINING;
		pasid_list_append(space, &work, pasid_list_pop(space, &space->pending));
	}
	pasid_dead_sets_release(space, false);
	used = hooks_used_mask(space);
	rte_spinlock_unlock(&space->lock);

	/* The work list is ours alone: its entries are neither allocated nor on a list
	 * that anyone else walks, and the hook table cannot change while we hold the
	 * reclaim mutex. */
	if (used != 0 && work.count > 0) {
		hook_running_space = space;
		for (uint32_t p = work.head; p != PASID_NONE;) {
			struct pasid_entry *e = pasid_entry_get(space, p);

			retries += run_hooks(space, p, e);
			p = e->next;
		}
		hook_running_space = NULL;
	}

	rte_spinlock_lock(&space->lock);
	while (work.count > 0) {
		uint32_t p = pasid_list_pop(space, &work);
		struct pasid_entry *e = pasid_entry_get(space, p);

		if ((e->hooks_done & used) != used) {
			pasid_list_append(space, &space->draining, p);
			continue;
		}
		e->state = PASID_ST_FREE;
		__atomic_store_n(&e->priv, NULL, __ATOMIC_RELAXED);
		e->hooks_done = 0;
		pasid_bitmap_clear(&space->bm, p);
		n++;
	}
	space->reclaimed += n;
	space->drain_retries += retries;
	rte_spinlock_unlock(&space->lock);
	pthread_mutex_unlock(&space->reclaim_lock);
	return n;
}

int
pasid_hooks_run_once(struct sva_pasid_space *space, uint32_t pasid)
{
	int ret = 0;

	if (hook_running_space == space)
		return -EDEADLK;
	pthread_mutex_lock(&space->reclaim_lock);
	hook_running_space = space;
	for (unsigned int i = 0; i < SVA_PASID_DRAIN_HOOKS_MAX; i++) {
		const struct pasid_hook *h = &space->hooks[i];
		int r;

		if (h->fn == NULL)
			continue;
		r = h->fn(space, pasid, h->arg);
		if (r == -EAGAIN) {
			ret = -EAGAIN;
			continue;
		}
		if (r < 0)
			PASID_LOG(WARNING, "space %s: drain hook %u failed for PASID %u (%d):"
				" counted as done", space->name, i, pasid, r);
	}
	hook_running_space = NULL;
	pthread_mutex_unlock(&space->reclaim_lock);
	if (ret == -EAGAIN) {
		rte_spinlock_lock(&space->lock);
		space->drain_retries++;
		rte_spinlock_unlock(&space->lock);
	}
	return ret;
}

int
sva_pasid_reclaim(struct sva_pasid_space *space)
{
	int ret;

	if (space == NULL) {
		PASID_LOG(ERR, "reclaim refused: NULL space");
		return -EINVAL;
	}
	ret = pasid_reclaim(space, true);
	if (ret == -EDEADLK)
		PASID_LOG(ERR, "space %s: reclaim refused: called from one of its drain hooks",
			space->name);
	return ret;
}

int
sva_pasid_drain_hook_register(struct sva_pasid_space *space, sva_pasid_drain_hook_t hook,
	void *arg)
{
	int slot = -1;

	if (space == NULL || hook == NULL) {
		PASID_LOG(ERR, "drain hook register refused: NULL %s",
			space == NULL ? "space" : "hook");
		return -EINVAL;
	}
	if (hook_running_space == space) {
		PASID_LOG(ERR, "space %s: drain hook register refused: called from a drain hook",
			space->name);
		return -EDEADLK;
	}
	pthread_mutex_lock(&space->reclaim_lock);
	rte_spinlock_lock(&space->lock);
	for (int i = SVA_PASID_DRAIN_HOOKS_MAX - 1; i >= 0; i--) {
		if (space->hooks[i].fn == hook && space->hooks[i].arg == arg) {
			rte_spinlock_unlock(&space->lock);
			pthread_mutex_unlock(&space->reclaim_lock);
			/* Idempotent for its users (svapoll registers at every bind): the
			 * errno says it, the log only at DEBUG. */
			PASID_LOG(DEBUG, "space %s: this drain hook is already registered with"
				" this argument (EEXIST)", space->name);
			return -EEXIST;
		}
		if (space->hooks[i].fn == NULL)
			slot = i;
	}
	if (slot < 0) {
		rte_spinlock_unlock(&space->lock);
		pthread_mutex_unlock(&space->reclaim_lock);
		PASID_LOG(ERR, "space %s: drain hook register refused: all %d slots are taken",
			space->name, SVA_PASID_DRAIN_HOOKS_MAX);
		return -ENOSPC;
	}
	space->hooks[slot].fn = hook;
	space->hooks[slot].arg = arg;
	space->nr_hooks++;
	/* A hook that used this slot before may have marked draining PASIDs done. */
	for (uint32_t p = space->draining.head; p != PASID_NONE;) {
		struct pasid_entry *e = pasid_entry_get(space, p);

		e->hooks_done &= ~(1u << slot);
		p = e->next;
	}
	rte_spinlock_unlock(&space->lock);
	pthread_mutex_unlock(&space->reclaim_lock);
	return 0;
}

int
sva_pasid_drain_hook_unregister(struct sva_pasid_space *space, sva_pasid_drain_hook_t hook,
	void *arg)
{
	int ret = -ENOENT;

	if (space == NULL || hook == NULL) {
		PASID_LOG(ERR, "drain hook unregister refused: NULL %s",
			space == NULL ? "space" : "hook");
		return -EINVAL;
	}
	if (hook_running_space == space) {
		PASID_LOG(ERR, "space %s: drain hook unregister refused: called from a drain hook",
			space->name);
		return -EDEADLK;
	}
	/* Waits for a running pass: afterwards the hook is not running and never will. */
	pthread_mutex_lock(&space->reclaim_lock);
	rte_spinlock_lock(&space->lock);
	for (int i = 0; i < SVA_PASID_DRAIN_HOOKS_MAX; i++) {
		if (space->hooks[i].fn == hook && space->hooks[i].arg == arg) {
			space->hooks[i].fn = NULL;
			space->hooks[i].arg = NULL;
			space->nr_hooks--;
			ret = 0;
			break;
		}
	}
	rte_spinlock_unlock(&space->lock);
	pthread_mutex_unlock(&space->reclaim_lock);
	if (ret != 0)
		PASID_LOG(ERR, "space %s: drain hook unregister: that hook and argument are not"
			" registered", space->name);
	return ret;
}
