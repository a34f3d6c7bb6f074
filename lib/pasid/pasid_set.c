/* SPDX-License-Identifier: BSD-3-Clause */
/* PASID sets: one owner, one private-data type, a quota, counters. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <rte_errno.h>

#include "pasid_pvt.h"

static struct sva_pasid_set *
set_find_by_name(struct sva_pasid_space *space, const char *name)
{
	struct sva_pasid_set *set;

	TAILQ_FOREACH(set, &space->sets, next)
		if (strcmp(set->name, name) == 0)
			return set;
	return NULL;
}

struct sva_pasid_set *
sva_pasid_set_create(struct sva_pasid_space *space, const char *name, uint32_t quota,
	const void *owner, uint32_t type_tag, uint32_t flags)
{
	struct sva_pasid_set *set;

	if (space == NULL) {
		PASID_LOG(ERR, "set create refused: NULL space");
		rte_errno = EINVAL;
		return NULL;
	}
	if (name == NULL || name[0] == '\0' || strlen(name) >= SVA_PASID_NAME_LEN) {
		PASID_LOG(ERR, "space %s: set create refused: the name must be 1 to %d characters",
			space->name, SVA_PASID_NAME_LEN - 1);
		rte_errno = EINVAL;
		return NULL;
	}
	if ((flags & ~SVA_PASID_SET_SEARCHABLE) != 0) {
		PASID_LOG(ERR, "space %s: set %s refused: unknown flags 0x%x (known: SEARCHABLE 0x%x)",
			space->name, name, flags & ~SVA_PASID_SET_SEARCHABLE,
			SVA_PASID_SET_SEARCHABLE);
		rte_errno = EINVAL;
		return NULL;
	}
	set = calloc(1, sizeof(*set));
	if (set == NULL) {
		PASID_LOG(ERR, "space %s: set %s: out of memory", space->name, name);
		rte_errno = ENOMEM;
		return NULL;
	}
	set->space = space;
	set->quota = quota;
	set->owner = owner;
	set->type_tag = type_tag;
	set->flags = flags;
	strcpy(set->name, name);

	rte_spinlock_lock(&space->lock);
	if (set_find_by_name(space, name) != NULL) {
		rte_spinlock_unlock(&space->lock);
		PASID_LOG(ERR, "space %s: a set named %s already exists", space->name, name);
		free(set);
		rte_errno = EEXIST;
		return NULL;
	}
	TAILQ_INSERT_TAIL(&space->sets, set, next);
	space->nr_sets++;
	space->mem_bytes += sizeof(*set);
	rte_spinlock_unlock(&space->lock);
	PASID_LOG(DEBUG, "space %s: set %s created (quota %u, type 0x%x%s)", space->name, name,
		quota, type_tag, flags & SVA_PASID_SET_SEARCHABLE ? ", searchable" : "");
	return set;
}

/* Under the space lock: free every PASID the set holds, through the normal free path.
 * Only leaves that exist can hold PASIDs; stop as soon as the set is empty. */
static void
set_free_all(struct sva_pasid_set *set)
{
	struct sva_pasid_space *space = set->space;
	uint32_t nr_leaves = (space->nr_pasids + PASID_LEAF_SIZE - 1) >> PASID_LEAF_SHIFT;

	for (uint32_t li = 0; li < nr_leaves && set->in_use > 0; li++) {
		struct pasid_entry *leaf = space->dir[li];

		if (leaf == NULL)
			continue;
		for (uint32_t i = 0; i < PASID_LEAF_SIZE; i++) {
			if (leaf[i].set != set)
				continue;
			pasid_release(space, &leaf[i], (li << PASID_LEAF_SHIFT) | i);
			set->frees++;
		}
	}
}

int
sva_pasid_set_destroy(struct sva_pasid_set *set, uint32_t flags)
{
	struct sva_pasid_space *space;

	if (set == NULL) {
		PASID_LOG(ERR, "set destroy refused: NULL set");
		return -EINVAL;
	}
	space = set->space;
	if ((flags & ~SVA_PASID_SET_FREE_ALL) != 0) {
		PASID_LOG(ERR, "space %s: set %s destroy refused: unknown flags 0x%x (known: FREE_ALL 0x%x)",
			space->name, set->name, flags & ~SVA_PASID_SET_FREE_ALL,
			SVA_PASID_SET_FREE_ALL);
		return -EINVAL;
	}
	rte_spinlock_lock(&space->lock);
	if (set->dead) {
		rte_spinlock_unlock(&space->lock);
		PASID_LOG(ERR, "space %s: set %s is already destroyed", space->name, set->name);
		return -EINVAL;
	}
	if (set->in_use > 0) {
		if (!(flags & SVA_PASID_SET_FREE_ALL)) {
			uint32_t n = set->in_use;

			rte_spinlock_unlock(&space->lock);
			PASID_LOG(ERR, "space %s: set %s not destroyed: it holds %u PASIDs (free them,"
				" or pass SVA_PASID_SET_FREE_ALL)", space->name, set->name, n);
			return -EBUSY;
		}
		set_free_all(set);
	}
	/* Readers may still hold the set pointer (find_global reads its type): keep its
	 * memory for one grace period. */
	TAILQ_REMOVE(&space->sets, set, next);
	space->nr_sets--;
	set->dead = true;
	set->dead_token = rte_rcu_qsbr_start(space->qsbr);
	TAILQ_INSERT_TAIL(&space->dead_sets, set, next);
	pasid_dead_sets_release(space, false);
	rte_spinlock_unlock(&space->lock);
	return 0;
}

void
pasid_dead_sets_release(struct sva_pasid_space *space, bool force)
{
	struct sva_pasid_set *set;

	/* Tokens grow in list order: stop at the first grace period not yet over. */
	while ((set = TAILQ_FIRST(&space->dead_sets)) != NULL) {
		if (!force && rte_rcu_qsbr_check(space->qsbr, set->dead_token, false) != 1)
			break;
		TAILQ_REMOVE(&space->dead_sets, set, next);
		space->mem_bytes -= sizeof(*set);
		free(set);
	}
}

const void *
sva_pasid_set_owner(const struct sva_pasid_set *set)
{
	return set == NULL ? NULL : set->owner;
}

uint32_t
sva_pasid_set_type(const struct sva_pasid_set *set)
{
	return set == NULL ? 0 : set->type_tag;
}

struct sva_pasid_space *
sva_pasid_set_space(const struct sva_pasid_set *set)
{
	return set == NULL ? NULL : set->space;
}

int
sva_pasid_set_stats_get(const struct sva_pasid_set *set, struct sva_pasid_set_stats *stats)
{
	struct sva_pasid_space *space;

	if (set == NULL || stats == NULL) {
		PASID_LOG(ERR, "set stats refused: NULL %s", set == NULL ? "set" : "stats");
		return -EINVAL;
	}
	space = set->space;
	memset(stats, 0, sizeof(*stats));
	rte_spinlock_lock(&space->lock);
	stats->in_use = set->in_use;
	stats->quota = set->quota;
	stats->high_water = set->high_water;
	stats->allocs = set->allocs;
	stats->frees = set->frees;
	stats->alloc_failures = set->alloc_failures;
	stats->quota_failures = set->quota_failures;
	rte_spinlock_unlock(&space->lock);
	return 0;
}
