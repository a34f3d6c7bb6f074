/* SPDX-License-Identifier: BSD-3-Clause */
/* PASID spaces: creation, readers (QSBR), statistics, destruction. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <rte_errno.h>

#include "pasid_pvt.h"

RTE_LOG_REGISTER(sva_pasid_logtype, lib.sva.pasid, INFO);

struct sva_pasid_space *
sva_pasid_space_create(const char *name, uint32_t pasid_bits, uint32_t flags)
{
	struct sva_pasid_space *space;
	size_t qsbr_size, bm_bytes, dir_bytes;
	uint32_t nr_leaves;

	if (name == NULL || name[0] == '\0' || strlen(name) >= SVA_PASID_NAME_LEN) {
		PASID_LOG(ERR, "space create refused: the name must be 1 to %d characters",
			SVA_PASID_NAME_LEN - 1);
		rte_errno = EINVAL;
		return NULL;
	}
	if (pasid_bits < 1 || pasid_bits > SVA_PASID_BITS_MAX) {
		PASID_LOG(ERR, "space %s refused: pasid_bits %u is not in 1..%d", name,
			pasid_bits, SVA_PASID_BITS_MAX);
		rte_errno = EINVAL;
		return NULL;
	}
	if ((flags & ~SVA_PASID_SPACE_ALLOW_ZERO) != 0) {
		PASID_LOG(ERR, "space %s refused: unknown flags 0x%x (known: ALLOW_ZERO 0x%x)",
			name, flags & ~SVA_PASID_SPACE_ALLOW_ZERO, SVA_PASID_SPACE_ALLOW_ZERO);
		rte_errno = EINVAL;
		return NULL;
	}

	space = aligned_alloc(RTE_CACHE_LINE_SIZE,
		RTE_ALIGN_CEIL(sizeof(*space), RTE_CACHE_LINE_SIZE));
	if (space == NULL)
		goto nomem;
	memset(space, 0, sizeof(*space));
	strcpy(space->name, name);
	space->bits = pasid_bits;
	space->nr_pasids = UINT32_C(1) << pasid_bits;
	space->flags = flags;
	rte_spinlock_init(&space->lock);
	pthread_mutex_init(&space->reclaim_lock, NULL);
	TAILQ_INIT(&space->sets);
	TAILQ_INIT(&space->dead_sets);
	space->pending = (struct pasid_list){PASID_NONE, PASID_NONE, 0};
	space->draining = (struct pasid_list){PASID_NONE, PASID_NONE, 0};

	nr_leaves = (space->nr_pasids + PASID_LEAF_SIZE - 1) >> PASID_LEAF_SHIFT;
	dir_bytes = nr_leaves * sizeof(space->dir[0]);
	space->dir = calloc(nr_leaves, sizeof(space->dir[0]));
	if (space->dir == NULL)
		goto nomem_space;

	/* rte_rcu_qsbr wants cache-line alignment; size it for every possible reader id. */
	qsbr_size = rte_rcu_qsbr_get_memsize(SVA_PASID_READERS_MAX);
	space->qsbr = aligned_alloc(RTE_CACHE_LINE_SIZE,
		RTE_ALIGN_CEIL(qsbr_size, RTE_CACHE_LINE_SIZE));
	if (space->qsbr == NULL)
		goto nomem_dir;
	if (rte_rcu_qsbr_init(space->qsbr, SVA_PASID_READERS_MAX) != 0) {
		PASID_LOG(ERR, "space %s: rte_rcu_qsbr_init failed", name);
		free(space->qsbr);
		free(space->dir);
		free(space);
		rte_errno = EINVAL;
		return NULL;
	}

	bm_bytes = pasid_bitmap_init(&space->bm, space->nr_pasids);
	if (bm_bytes == 0)
		goto nomem_qsbr;
	if (!(flags & SVA_PASID_SPACE_ALLOW_ZERO))
		pasid_bitmap_set(&space->bm, 0); /* reserved for good: never allocatable */

	space->mem_bytes = RTE_ALIGN_CEIL(sizeof(*space), RTE_CACHE_LINE_SIZE) + dir_bytes +
		RTE_ALIGN_CEIL(qsbr_size, RTE_CACHE_LINE_SIZE) + bm_bytes;
	PASID_LOG(DEBUG, "space %s: %u-bit, PASID 0 %s, %zu bytes", name, pasid_bits,
		flags & SVA_PASID_SPACE_ALLOW_ZERO ? "allowed" : "reserved", space->mem_bytes);
	return space;

nomem_qsbr:
	free(space->qsbr);
nomem_dir:
	free(space->dir);
nomem_space:
	free(space);
nomem:
	PASID_LOG(ERR, "space %s: out of memory", name);
	rte_errno = ENOMEM;
	return NULL;
}

int
sva_pasid_space_destroy(struct sva_pasid_space *space)
{
	uint32_t nr_leaves;

	if (space == NULL) {
		PASID_LOG(ERR, "space destroy refused: NULL space");
		return -EINVAL;
	}
	rte_spinlock_lock(&space->lock);
	if (space->nr_sets > 0) {
		PASID_LOG(ERR, "space %s not destroyed: %u sets still exist (destroy them first)",
			space->name, space->nr_sets);
		rte_spinlock_unlock(&space->lock);
		return -EBUSY;
	}
	rte_spinlock_unlock(&space->lock);
	/* A last chance for pending PASIDs; whatever is left dies with the space. */
	pasid_reclaim(space, true);
	rte_spinlock_lock(&space->lock);
	if (pasid_space_has_pending(space))
		PASID_LOG(DEBUG, "space %s: %u freed PASIDs were not drained before destroy",
			space->name, space->pending.count + space->draining.count);
	pasid_dead_sets_release(space, true);
	rte_spinlock_unlock(&space->lock);

	nr_leaves = (space->nr_pasids + PASID_LEAF_SIZE - 1) >> PASID_LEAF_SHIFT;
	for (uint32_t i = 0; i < nr_leaves; i++)
		free(space->dir[i]);
	free(space->dir);
	pasid_bitmap_fini(&space->bm);
	free(space->qsbr);
	pthread_mutex_destroy(&space->reclaim_lock);
	free(space);
	return 0;
}

uint32_t
sva_pasid_space_bits(const struct sva_pasid_space *space)
{
	return space == NULL ? 0 : space->bits;
}

const char *
sva_pasid_space_name(const struct sva_pasid_space *space)
{
	return space == NULL ? NULL : space->name;
}

struct rte_rcu_qsbr *
sva_pasid_space_qsbr(struct sva_pasid_space *space)
{
	return space == NULL ? NULL : space->qsbr;
}

static bool
reader_is_registered(const struct sva_pasid_space *space, unsigned int id)
{
	return (space->readers[id / 64] >> (id % 64)) & 1;
}

int
sva_pasid_space_synchronize(struct sva_pasid_space *space, unsigned int thread_id)
{
	uint64_t token;

	if (space == NULL) {
		PASID_LOG(ERR, "synchronize refused: NULL space");
		return -EINVAL;
	}
	if (thread_id < SVA_PASID_READERS_MAX) {
		bool registered;

		rte_spinlock_lock(&space->lock);
		registered = reader_is_registered(space, thread_id);
		rte_spinlock_unlock(&space->lock);
		if (!registered) {
			PASID_LOG(ERR, "space %s: synchronize as reader %u, which is not registered"
				" (pass SVA_PASID_READERS_MAX when the caller is no reader)",
				space->name, thread_id);
			return -EINVAL;
		}
	} else {
		thread_id = RTE_QSBR_THRID_INVALID;
	}
	/* rte_rcu_qsbr_synchronize(), with the header's inline calls: a ThreadSanitizer
	 * build then sees the grace period (librte_rcu is not instrumented) */
	token = rte_rcu_qsbr_start(space->qsbr);
	if (thread_id != RTE_QSBR_THRID_INVALID)
		rte_rcu_qsbr_quiescent(space->qsbr, thread_id);
	rte_rcu_qsbr_check(space->qsbr, token, true);
	return 0;
}

int
sva_pasid_space_stats_get(struct sva_pasid_space *space, struct sva_pasid_space_stats *stats)
{
	if (space == NULL || stats == NULL) {
		PASID_LOG(ERR, "space stats refused: NULL %s", space == NULL ? "space" : "stats");
		return -EINVAL;
	}
	memset(stats, 0, sizeof(*stats));
	rte_spinlock_lock(&space->lock);
	stats->pasid_bits = space->bits;
	stats->capacity = space->nr_pasids - (space->flags & SVA_PASID_SPACE_ALLOW_ZERO ? 0 : 1);
	stats->in_use = space->in_use;
	stats->pending = space->pending.count;
	stats->draining = space->draining.count;
	stats->sets = space->nr_sets;
	stats->readers = space->nr_readers;
	stats->drain_hooks = space->nr_hooks;
	stats->reclaimed = space->reclaimed;
	stats->drain_retries = space->drain_retries;
	stats->bad_frees = space->bad_frees;
	stats->memory_bytes = space->mem_bytes;
	stats->leaves = space->leaves;
	rte_spinlock_unlock(&space->lock);
	return 0;
}

/* ---- readers ---- */

int
sva_pasid_reader_register(struct sva_pasid_space *space, unsigned int thread_id)
{
	if (space == NULL || thread_id >= SVA_PASID_READERS_MAX) {
		PASID_LOG(ERR, "reader register refused: %s", space == NULL ? "NULL space" :
			"thread_id beyond SVA_PASID_READERS_MAX - 1");
		return -EINVAL;
	}
	rte_spinlock_lock(&space->lock);
	if (reader_is_registered(space, thread_id)) {
		rte_spinlock_unlock(&space->lock);
		PASID_LOG(ERR, "space %s: reader %u is already registered", space->name,
			thread_id);
		return -EEXIST;
	}
	space->readers[thread_id / 64] |= UINT64_C(1) << (thread_id % 64);
	space->nr_readers++;
	rte_rcu_qsbr_thread_register(space->qsbr, thread_id);
	rte_rcu_qsbr_thread_online(space->qsbr, thread_id);
	rte_spinlock_unlock(&space->lock);
	return 0;
}

int
sva_pasid_reader_unregister(struct sva_pasid_space *space, unsigned int thread_id)
{
	if (space == NULL || thread_id >= SVA_PASID_READERS_MAX) {
		PASID_LOG(ERR, "reader unregister refused: %s", space == NULL ? "NULL space" :
			"thread_id beyond SVA_PASID_READERS_MAX - 1");
		return -EINVAL;
	}
	rte_spinlock_lock(&space->lock);
	if (!reader_is_registered(space, thread_id)) {
		rte_spinlock_unlock(&space->lock);
		PASID_LOG(ERR, "space %s: reader %u is not registered", space->name, thread_id);
		return -ENOENT;
	}
	rte_rcu_qsbr_thread_offline(space->qsbr, thread_id);
	rte_rcu_qsbr_thread_unregister(space->qsbr, thread_id);
	space->readers[thread_id / 64] &= ~(UINT64_C(1) << (thread_id % 64));
	space->nr_readers--;
	rte_spinlock_unlock(&space->lock);
	return 0;
}

void
sva_pasid_reader_quiescent(struct sva_pasid_space *space, unsigned int thread_id)
{
	rte_rcu_qsbr_quiescent(space->qsbr, thread_id);
}

void
sva_pasid_reader_offline(struct sva_pasid_space *space, unsigned int thread_id)
{
	rte_rcu_qsbr_thread_offline(space->qsbr, thread_id);
}

void
sva_pasid_reader_online(struct sva_pasid_space *space, unsigned int thread_id)
{
	rte_rcu_qsbr_thread_online(space->qsbr, thread_id);
}

/* ---- the lookup table ---- */

struct pasid_entry *
pasid_entry_get_or_create(struct sva_pasid_space *space, uint32_t pasid)
{
	uint32_t li = pasid >> PASID_LEAF_SHIFT;
	struct pasid_entry *leaf = space->dir[li];

	if (leaf == NULL) {
		leaf = calloc(PASID_LEAF_SIZE, sizeof(*leaf));
		if (leaf == NULL)
			return NULL;
		for (uint32_t i = 0; i < PASID_LEAF_SIZE; i++)
			leaf[i].next = PASID_NONE;
		/* Readers may follow the pointer as soon as it is visible. */
		__atomic_store_n(&space->dir[li], leaf, __ATOMIC_RELEASE);
		space->leaves++;
		space->mem_bytes += PASID_LEAF_SIZE * sizeof(*leaf);
	}
	return &leaf[pasid & PASID_LEAF_MASK];
}
