/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Lookups: the poll path. No lock, no allocation, no syscall: two dependent loads
 * (directory, entry) and the checks that keep a caller from ever seeing a PASID of
 * another owner or type. Safe against a concurrent free because a freed PASID is not
 * reused, and a destroyed set not released, before every reader reported a quiescent
 * state.
 */
#include <errno.h>

#include "pasid_pvt.h"

/* The set a PASID is allocated to, and its private pointer; NULL when not allocated. */
static inline struct sva_pasid_set *
lookup(const struct sva_pasid_space *space, uint32_t pasid, void **priv)
{
	const struct pasid_entry *e;
	struct sva_pasid_set *set;

	/* The PASID comes from a device: always bounded, even without debug checks. */
	if (unlikely(pasid >= space->nr_pasids))
		return NULL;
	e = pasid_entry_get(space, pasid);
	if (unlikely(e == NULL))
		return NULL;
	set = __atomic_load_n(&e->set, __ATOMIC_ACQUIRE);
	*priv = __atomic_load_n(&e->priv, __ATOMIC_RELAXED);
	return set;
}

int
sva_pasid_find(struct sva_pasid_set *set, uint32_t pasid, sva_pasid_getter_t getter, void *arg,
	void **priv)
{
	struct sva_pasid_set *found;
	void *p;

#ifdef SVA_DEBUG_CHECKS
	if (set == NULL)
		return -EINVAL;
#endif
	found = lookup(set->space, pasid, &p);
	if (unlikely(found == NULL))
		return -ENOENT;
	if (unlikely(found != set))
		return -EACCES;
	if (getter != NULL) {
		int ret = getter(pasid, p, arg);

		if (ret < 0)
			return ret;
	}
	if (priv != NULL)
		*priv = p;
	return 0;
}

int
sva_pasid_find_global(struct sva_pasid_space *space, uint32_t pasid, uint32_t type_tag,
	sva_pasid_getter_t getter, void *arg, void **priv)
{
	struct sva_pasid_set *found;
	void *p;

#ifdef SVA_DEBUG_CHECKS
	if (space == NULL)
		return -EINVAL;
#endif
	found = lookup(space, pasid, &p);
	if (unlikely(found == NULL))
		return -ENOENT;
	/* The set's memory outlives any reader that saw it (released after a grace period). */
	if (unlikely(!(found->flags & SVA_PASID_SET_SEARCHABLE)))
		return -EACCES;
	if (unlikely(found->type_tag != type_tag))
		return -EPROTOTYPE;
	if (getter != NULL) {
		int ret = getter(pasid, p, arg);

		if (ret < 0)
			return ret;
	}
	if (priv != NULL)
		*priv = p;
	return 0;
}
