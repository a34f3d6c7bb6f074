/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The guest <-> host PASID map of a VM (vSVA): a VM owns a searchable set of the host
 * space; mapping a guest PASID allocates a host PASID from that set whose private data
 * is the mapping (type SVA_VPASID_PASID_TYPE). Two lock-free lookups:
 *  - host -> (vm, guest): sva_pasid_find_global() on the host PASID, then the mapping;
 *  - guest -> host: the VM's own two-level table indexed by guest PASID (leaves of 256
 *    mapping pointers, allocated on first use and kept until the VM is destroyed, like
 *    lib/pasid's own table: readers follow them without a lock).
 * A mapping leaves both lookups at unmap (slot cleared, host PASID freed) and its
 * memory goes after a grace period of the space's readers (synchronize), so a reader
 * that found it may still read it. The host PASID then follows the allocator's rules
 * (grace period and drain hooks before reuse).
 *
 * A mapped host PASID changes hands without a free when one bond lets go of it
 * (sva_vpasid_put()) and another takes it (sva_vpasid_get()): the same rule as for a
 * freed PASID holds there, so a put marks the mapping stale and the next get runs the
 * space's drain hooks first (-EAGAIN while one says not yet): a request of the old
 * holder still queued is never served by the new one.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>

#include <rte_errno.h>

#include "pasid_pvt.h"

#define VP_LEAF_SHIFT 8
#define VP_LEAF_SIZE (1u << VP_LEAF_SHIFT)
#define VP_LEAF_MASK (VP_LEAF_SIZE - 1)

struct sva_vpasid {
	struct sva_vpasid_vm *vm;
	uint32_t gpasid;
	uint32_t hpasid;
	uint32_t refs;       /* sva_vpasid_get() holders: unmap refused while > 0 (vm lock) */
	bool stale;          /* a holder let go: the next get drains first (vm lock) */
};

struct sva_vpasid_vm {
	TAILQ_ENTRY(sva_vpasid_vm) next;
	struct sva_pasid_set *set;
	struct sva_pasid_space *space;
	uint32_t gpasid_bits;
	uint32_t flags;
	uint32_t nr_leaves;
	uint32_t mapped;
	pthread_mutex_t lock;         /* map, unmap, get, put of this VM */
	struct sva_vpasid **dir[];    /* nr_leaves leaves, published with release stores */
};

/* Every VM, so that a set can be told to be a VM's (sva_vpasid_vm_of_set()). */
static TAILQ_HEAD(, sva_vpasid_vm) vms = TAILQ_HEAD_INITIALIZER(vms);
static pthread_mutex_t vms_lock = PTHREAD_MUTEX_INITIALIZER;

struct sva_vpasid_vm *
sva_vpasid_vm_create(struct sva_pasid_space *space, const char *name, uint32_t quota,
	uint32_t gpasid_bits, uint32_t flags)
{
	struct sva_vpasid_vm *vm;
	uint32_t leaves;

	if (space == NULL || name == NULL) {
		PASID_LOG(ERR, "vm create refused: NULL %s", space == NULL ? "space" : "name");
		rte_errno = EINVAL;
		return NULL;
	}
	if (gpasid_bits == 0 || gpasid_bits > SVA_PASID_BITS_MAX) {
		PASID_LOG(ERR, "space %s: vm %s refused: guest PASID width %u (1..%u bits)",
			space->name, name, gpasid_bits, SVA_PASID_BITS_MAX);
		rte_errno = EINVAL;
		return NULL;
	}
	if (flags & ~SVA_VPASID_VM_ALLOW_ZERO) {
		PASID_LOG(ERR, "space %s: vm %s refused: unknown flags 0x%x", space->name, name,
			flags & ~SVA_VPASID_VM_ALLOW_ZERO);
		rte_errno = EINVAL;
		return NULL;
	}
	leaves = ((1u << gpasid_bits) + VP_LEAF_SIZE - 1) >> VP_LEAF_SHIFT;
	vm = calloc(1, sizeof(*vm) + leaves * sizeof(vm->dir[0]));
	if (vm == NULL) {
		rte_errno = ENOMEM;
		return NULL;
	}
	vm->space = space;
	vm->gpasid_bits = gpasid_bits;
	vm->flags = flags;
	vm->nr_leaves = leaves;
	pthread_mutex_init(&vm->lock, NULL);
	/* searchable: a host PASID read from a device finds its VM and guest PASID */
	vm->set = sva_pasid_set_create(space, name, quota, vm, SVA_VPASID_PASID_TYPE,
		SVA_PASID_SET_SEARCHABLE);
	if (vm->set == NULL) {
		int err = rte_errno;

		free(vm);
		rte_errno = err;
		return NULL;
	}
	pthread_mutex_lock(&vms_lock);
	TAILQ_INSERT_TAIL(&vms, vm, next);
	pthread_mutex_unlock(&vms_lock);
	return vm;
}

int
sva_vpasid_vm_destroy(struct sva_vpasid_vm *vm)
{
	int ret;

	if (vm == NULL) {
		PASID_LOG(ERR, "vm destroy refused: NULL vm");
		return -EINVAL;
	}
	pthread_mutex_lock(&vm->lock);
	if (vm->mapped != 0) {
		PASID_LOG(ERR, "vm %s: destroy refused: %u guest PASID(s) still mapped (unmap "
			"them, after unbinding their bonds)", vm->set->name, vm->mapped);
		pthread_mutex_unlock(&vm->lock);
		return -EBUSY;
	}
	ret = sva_pasid_set_destroy(vm->set, 0);
	pthread_mutex_unlock(&vm->lock);
	if (ret != 0)
		return ret;
	pthread_mutex_lock(&vms_lock);
	TAILQ_REMOVE(&vms, vm, next);
	pthread_mutex_unlock(&vms_lock);
	/* no mapping is left, so no reader can reach the VM through a host PASID; guest
	 * lookups on a destroyed VM are the caller's use after free */
	for (uint32_t i = 0; i < vm->nr_leaves; i++)
		free(vm->dir[i]);
	pthread_mutex_destroy(&vm->lock);
	free(vm);
	return 0;
}

struct sva_pasid_set *
sva_vpasid_vm_set(const struct sva_vpasid_vm *vm)
{
	return vm != NULL ? vm->set : NULL;
}

struct sva_vpasid_vm *
sva_vpasid_vm_of_set(const struct sva_pasid_set *set)
{
	struct sva_vpasid_vm *vm, *found = NULL;

	if (set == NULL || set->type_tag != SVA_VPASID_PASID_TYPE)
		return NULL;
	pthread_mutex_lock(&vms_lock);
	TAILQ_FOREACH(vm, &vms, next)
		if (vm->set == set)
			found = vm;
	pthread_mutex_unlock(&vms_lock);
	return found;
}

/* Is gpasid a guest PASID of this VM? Logs why not. */
static int
gpasid_check(const struct sva_vpasid_vm *vm, uint32_t gpasid, const char *what)
{
	if (gpasid >= (1u << vm->gpasid_bits)) {
		PASID_LOG(ERR, "vm %s: %s of guest PASID %u refused: beyond the VM's %u-bit guest "
			"PASIDs", vm->set->name, what, gpasid, vm->gpasid_bits);
		return -EINVAL;
	}
	if (gpasid == 0 && !(vm->flags & SVA_VPASID_VM_ALLOW_ZERO)) {
		PASID_LOG(ERR, "vm %s: %s of guest PASID 0 refused: create the VM with "
			"SVA_VPASID_VM_ALLOW_ZERO to map it", vm->set->name, what);
		return -EINVAL;
	}
	return 0;
}

static inline struct sva_vpasid *
slot_load(const struct sva_vpasid_vm *vm, uint32_t gpasid)
{
	struct sva_vpasid **leaf = __atomic_load_n(&vm->dir[gpasid >> VP_LEAF_SHIFT],
		__ATOMIC_ACQUIRE);

	return leaf == NULL ? NULL :
		__atomic_load_n(&leaf[gpasid & VP_LEAF_MASK], __ATOMIC_ACQUIRE);
}

int
sva_vpasid_map(struct sva_vpasid_vm *vm, uint32_t gpasid, uint32_t *hpasid)
{
	struct sva_vpasid **leaf, *m;
	int ret;

	if (vm == NULL || hpasid == NULL) {
		PASID_LOG(ERR, "vpasid map refused: NULL %s", vm == NULL ? "vm" : "hpasid pointer");
		return -EINVAL;
	}
	ret = gpasid_check(vm, gpasid, "map");
	if (ret != 0)
		return ret;
	pthread_mutex_lock(&vm->lock);
	if (slot_load(vm, gpasid) != NULL) {
		PASID_LOG(INFO, "vm %s: guest PASID %u is mapped already (to host PASID %u)",
			vm->set->name, gpasid, slot_load(vm, gpasid)->hpasid);
		ret = -EEXIST;
		goto out;
	}
	leaf = vm->dir[gpasid >> VP_LEAF_SHIFT];
	if (leaf == NULL) {
		leaf = calloc(VP_LEAF_SIZE, sizeof(*leaf));
		if (leaf == NULL) {
			ret = -ENOMEM;
			goto out;
		}
		__atomic_store_n(&vm->dir[gpasid >> VP_LEAF_SHIFT], leaf, __ATOMIC_RELEASE);
	}
	m = calloc(1, sizeof(*m));
	if (m == NULL) {
		ret = -ENOMEM;
		goto out;
	}
	m->vm = vm;
	m->gpasid = gpasid;
	/* the set's quota is the VM's: -EDQUOT, -ENOSPC come from the allocator (logged) */
	ret = sva_pasid_alloc(vm->set, 1, UINT32_MAX, m, &m->hpasid);
	if (ret != 0) {
		free(m);
		goto out;
	}
	/* host lookups see m (published by the allocator); now the guest lookup */
	__atomic_store_n(&leaf[gpasid & VP_LEAF_MASK], m, __ATOMIC_RELEASE);
	vm->mapped++;
	*hpasid = m->hpasid;
out:
	pthread_mutex_unlock(&vm->lock);
	return ret;
}

int
sva_vpasid_unmap(struct sva_vpasid_vm *vm, uint32_t gpasid)
{
	struct sva_vpasid *m;
	int ret;

	if (vm == NULL) {
		PASID_LOG(ERR, "vpasid unmap refused: NULL vm");
		return -EINVAL;
	}
	ret = gpasid_check(vm, gpasid, "unmap");
	if (ret != 0)
		return ret;
	pthread_mutex_lock(&vm->lock);
	m = slot_load(vm, gpasid);
	if (m == NULL) {
		pthread_mutex_unlock(&vm->lock);
		PASID_LOG(ERR, "vm %s: unmap of guest PASID %u refused: not mapped", vm->set->name,
			gpasid);
		return -ENOENT;
	}
	if (m->refs != 0) {
		pthread_mutex_unlock(&vm->lock);
		PASID_LOG(ERR, "vm %s: unmap of guest PASID %u (host %u) refused: %u bond(s) use "
			"it (unbind them first)", vm->set->name, gpasid, m->hpasid, m->refs);
		return -EBUSY;
	}
	__atomic_store_n(&vm->dir[gpasid >> VP_LEAF_SHIFT][gpasid & VP_LEAF_MASK], NULL,
		__ATOMIC_RELEASE);
	sva_pasid_free(vm->set, m->hpasid);
	vm->mapped--;
	pthread_mutex_unlock(&vm->lock);
	/* readers that found m (either way) hold it for one grace period */
	sva_pasid_space_synchronize(vm->space, SVA_PASID_READERS_MAX);
	free(m);
	return 0;
}

int
sva_vpasid_find(const struct sva_vpasid_vm *vm, uint32_t gpasid, uint32_t *hpasid)
{
	const struct sva_vpasid *m;

#ifdef SVA_DEBUG_CHECKS
	if (vm == NULL || hpasid == NULL)
		return -EINVAL;
#endif
	/* the guest PASID may come from a guest: always bounded */
	if (unlikely(gpasid >= (1u << vm->gpasid_bits)))
		return -ENOENT;
	m = slot_load(vm, gpasid);
	if (m == NULL)
		return -ENOENT;
	*hpasid = m->hpasid;
	return 0;
}

int
sva_vpasid_find_host(struct sva_pasid_space *space, uint32_t hpasid, struct sva_vpasid_vm **vm,
	uint32_t *gpasid)
{
	void *p;
	int ret;

#ifdef SVA_DEBUG_CHECKS
	if (space == NULL)
		return -EINVAL;
#endif
	ret = sva_pasid_find_global(space, hpasid, SVA_VPASID_PASID_TYPE, NULL, NULL, &p);
	if (ret != 0)
		return ret;
	if (vm != NULL)
		*vm = ((const struct sva_vpasid *)p)->vm;
	if (gpasid != NULL)
		*gpasid = ((const struct sva_vpasid *)p)->gpasid;
	return 0;
}

int
sva_vpasid_get(struct sva_vpasid_vm *vm, uint32_t gpasid, uint32_t *hpasid)
{
	struct sva_vpasid *m;
	int ret;

	if (vm == NULL || hpasid == NULL)
		return -EINVAL;
	ret = gpasid_check(vm, gpasid, "get");
	if (ret != 0)
		return ret;
	pthread_mutex_lock(&vm->lock);
	m = slot_load(vm, gpasid);
	if (m == NULL) {
		pthread_mutex_unlock(&vm->lock);
		PASID_LOG(ERR, "vm %s: guest PASID %u is not mapped (sva_vpasid_map() it first)",
			vm->set->name, gpasid);
		return -ENOENT;
	}
	if (m->stale) {
		/* a previous holder's requests may still be queued: drained first, as
		 * before a freed PASID is reused (the hooks take no vm lock) */
		ret = pasid_hooks_run_once(vm->space, m->hpasid);
		if (ret != 0) {
			pthread_mutex_unlock(&vm->lock);
			PASID_LOG(DEBUG, "vm %s: guest PASID %u (host %u): not drained since its "
				"last holder let go (%d)", vm->set->name, gpasid, m->hpasid, ret);
			return ret;
		}
		m->stale = false;
	}
	m->refs++;
	*hpasid = m->hpasid;
	pthread_mutex_unlock(&vm->lock);
	return 0;
}

int
sva_vpasid_put(struct sva_vpasid_vm *vm, uint32_t gpasid)
{
	struct sva_vpasid *m;
	int ret = 0;

	if (vm == NULL || gpasid >= (1u << vm->gpasid_bits))
		return -EINVAL;
	pthread_mutex_lock(&vm->lock);
	m = slot_load(vm, gpasid);
	if (m == NULL || m->refs == 0) {
		ret = -ENOENT;
	} else {
		m->refs--;
		m->stale = true;
	}
	pthread_mutex_unlock(&vm->lock);
	return ret;
}
