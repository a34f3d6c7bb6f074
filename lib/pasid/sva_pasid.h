/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef SVA_PASID_H
#define SVA_PASID_H

/**
 * @file
 * PASID allocator: the one authority over a PASID space, shared by every iommu and
 * bond. The userspace counterpart of the kernel's I/O ASID allocator.
 *
 * Model:
 *  - A *space* holds the PASIDs [0, 2^pasid_bits). PASID 0 is reserved (never handed
 *    out) unless the space is created with SVA_PASID_SPACE_ALLOW_ZERO. An Intel-style
 *    IOMMU uses one global space; an Arm-style one may use a space per device.
 *  - A *set* groups PASIDs that share one owner and one private-data type (a type
 *    tag chosen by the caller, e.g. a fourcc). A set may have a quota. Every
 *    allocated PASID belongs to exactly one set and carries one private pointer.
 *  - Lookups (find) are lock-free and run on the poll path: readers are threads
 *    registered on the space's QSBR variable (DPDK rte_rcu_qsbr) that report
 *    quiescent states between polls.
 *  - A freed PASID leaves lookups at once. Its number becomes allocatable again only
 *    after a grace period (every registered reader reported a quiescent state after
 *    the free) and after every registered drain hook has finished with it (the fault
 *    path answers stale page requests for the PASID there). Until then it is neither
 *    allocated nor free: it is *pending*.
 *
 * Call order:
 *  1. sva_pasid_space_create(); readers: sva_pasid_reader_register() on each poll
 *     lcore, then sva_pasid_reader_quiescent() between bursts.
 *  2. sva_pasid_drain_hook_register() by whoever keeps state per PASID outside the
 *     allocator (the fault path).
 *  3. sva_pasid_set_create() per owner; sva_pasid_alloc() / sva_pasid_alloc_at();
 *     sva_pasid_find() / sva_pasid_find_global() on the poll path; sva_pasid_free().
 *  4. sva_pasid_reclaim() from a control thread now and then (alloc also reclaims
 *     when it runs short or when many PASIDs are pending).
 *  5. sva_pasid_set_destroy(), drain hook and reader unregistration,
 *     sva_pasid_space_destroy().
 *
 * Lifetime of the private objects: find hands out the private pointer of a PASID that
 * was allocated when the reader looked. The owner of such an object must therefore
 * keep it valid for one grace period after sva_pasid_free() returns (free it from a
 * drain hook, with sva_pasid_space_synchronize(), or with its own rte_rcu_qsbr defer
 * queue on sva_pasid_space_qsbr()), and a getter that takes a reference should refuse
 * an object its owner already marked as dying.
 *
 * Thread safety: alloc, free, set and hook calls from any thread; find from registered
 * readers (or from any thread while nothing is freed concurrently). Control-path calls
 * check every argument and log why they refuse (log type lib.sva.pasid); the find
 * calls check their pointers only in builds with -Ddebug_checks=true.
 *
 * Cost: allocation does not scan the space (a hierarchical bitmap finds the lowest free
 * PASID in a few word operations). An empty 20-bit space costs about 170 KiB; each
 * block of 256 PASIDs that was ever used costs 8 KiB more (32 bytes a PASID), kept
 * until the space is destroyed.
 */

#include <stddef.h>
#include <stdint.h>

#include <rte_compat.h>

#ifdef __cplusplus
extern "C" {
#endif

struct sva_pasid_space;
struct sva_pasid_set;
struct rte_rcu_qsbr;

/** Longest space or set name, including the terminating NUL. */
#define SVA_PASID_NAME_LEN 32
/** Widest PASID space: PCIe PASIDs have 20 bits. */
#define SVA_PASID_BITS_MAX 20
/** How many drain hooks a space can hold. */
#define SVA_PASID_DRAIN_HOOKS_MAX 8
/** Reader thread ids are 0 .. SVA_PASID_READERS_MAX - 1 (usually rte_lcore_id()). */
#define SVA_PASID_READERS_MAX 128

/** @name Space flags (sva_pasid_space_create) */
/** @{ */
/** PASID 0 may be allocated (some guest set-ups use it for requests without PASID). */
#define SVA_PASID_SPACE_ALLOW_ZERO (1u << 0)
/** @} */

/** @name Set flags (sva_pasid_set_create) */
/** @{ */
/** The set's PASIDs can be found by PASID alone, with sva_pasid_find_global(). */
#define SVA_PASID_SET_SEARCHABLE (1u << 0)
/** @} */

/** @name Set destroy flags (sva_pasid_set_destroy) */
/** @{ */
/** Free every PASID the set still holds (through sva_pasid_free()), then destroy it. */
#define SVA_PASID_SET_FREE_ALL (1u << 0)
/** @} */

/* ---- spaces ------------------------------------------------------------------------- */

/**
 * Create a PASID space.
 *
 * @param name
 *   For logs and telemetry; at most SVA_PASID_NAME_LEN - 1 characters.
 * @param pasid_bits
 *   1 .. SVA_PASID_BITS_MAX: the space holds PASIDs 0 .. 2^pasid_bits - 1.
 * @param flags
 *   0 or SVA_PASID_SPACE_ALLOW_ZERO.
 * @return
 *   The space, or NULL with rte_errno set to EINVAL (NULL or too long name,
 *   pasid_bits out of range, unknown flag) or ENOMEM.
 */
struct sva_pasid_space *sva_pasid_space_create(const char *name, uint32_t pasid_bits,
	uint32_t flags);

/**
 * Destroy a space. Freed PASIDs still waiting for a grace period or a drain hook die
 * with the space (their hooks are not called). No reader may look into the space any
 * more.
 *
 * @return
 *   0; -EINVAL (NULL space); -EBUSY while sets exist (destroy them first).
 */
int sva_pasid_space_destroy(struct sva_pasid_space *space);

/** PASID width of a space (0 for a NULL space). */
uint32_t sva_pasid_space_bits(const struct sva_pasid_space *space);

/** Name of a space (NULL for a NULL space). */
const char *sva_pasid_space_name(const struct sva_pasid_space *space);

/**
 * The space's QSBR variable, for owners that defer freeing their own objects with
 * rte_rcu_qsbr_start()/rte_rcu_qsbr_check() or an rte_rcu_qsbr_dq on the same
 * readers. Register readers through sva_pasid_reader_register(), not directly.
 *
 * @return The variable, or NULL for a NULL space.
 */
struct rte_rcu_qsbr *sva_pasid_space_qsbr(struct sva_pasid_space *space);

/**
 * Wait until every registered reader has passed a quiescent state (a full grace
 * period). Blocks; not for the poll path.
 *
 * @param thread_id
 *   The caller's reader id when the caller is itself a registered reader (its own
 *   quiescent state is reported first), else SVA_PASID_READERS_MAX.
 * @return 0; -EINVAL (NULL space, or thread_id given but not registered).
 */
int sva_pasid_space_synchronize(struct sva_pasid_space *space, unsigned int thread_id);

/** Space-wide counters (sva_pasid_space_stats_get). */
struct sva_pasid_space_stats {
	uint32_t pasid_bits;
	uint32_t capacity;      /**< PASIDs that can be allocated: 2^bits, less PASID 0 */
	uint32_t in_use;        /**< allocated, over all sets */
	uint32_t pending;       /**< freed, waiting for their grace period */
	uint32_t draining;      /**< grace period over, a drain hook asked to be called again */
	uint32_t sets;
	uint32_t readers;       /**< registered readers */
	uint32_t drain_hooks;   /**< registered drain hooks */
	uint64_t reclaimed;     /**< freed PASIDs that became allocatable again */
	uint64_t drain_retries; /**< drain hook calls that returned -EAGAIN */
	uint64_t bad_frees;     /**< double frees and frees of another set's PASID */
	uint64_t memory_bytes;  /**< heap memory held by the space, its sets and tables */
	uint32_t leaves;        /**< 256-PASID blocks of the lookup table allocated so far */
};

/**
 * Read a space's counters (a consistent snapshot).
 *
 * @return 0; -EINVAL (NULL argument).
 */
int sva_pasid_space_stats_get(struct sva_pasid_space *space, struct sva_pasid_space_stats *stats);

/* ---- sets --------------------------------------------------------------------------- */

/**
 * Create a set in a space.
 *
 * @param name
 *   Unique within the space, at most SVA_PASID_NAME_LEN - 1 characters.
 * @param quota
 *   Most PASIDs the set may hold at once; 0 means no limit but the space's size.
 * @param owner
 *   Opaque token of the owner (may be NULL), returned by sva_pasid_set_owner().
 * @param type_tag
 *   Type of the private pointers of this set's PASIDs; sva_pasid_find_global()
 *   callers name the type they expect and get -EPROTOTYPE on a mismatch.
 * @param flags
 *   0 or SVA_PASID_SET_SEARCHABLE.
 * @return
 *   The set, or NULL with rte_errno set to EINVAL (NULL space or name, too long name,
 *   unknown flag), EEXIST (a set of that name exists in the space) or ENOMEM.
 */
struct sva_pasid_set *sva_pasid_set_create(struct sva_pasid_space *space, const char *name,
	uint32_t quota, const void *owner, uint32_t type_tag, uint32_t flags);

/**
 * Destroy a set. Its memory is released after a grace period (readers may still look
 * at it), by a later sva_pasid_reclaim() or by sva_pasid_space_destroy().
 *
 * @param flags
 *   0, or SVA_PASID_SET_FREE_ALL to free the PASIDs it still holds first (each goes
 *   through the normal free path: grace period and drain hooks before reuse).
 * @return
 *   0; -EINVAL (NULL set, unknown flag); -EBUSY (the set holds PASIDs and
 *   SVA_PASID_SET_FREE_ALL was not given).
 */
int sva_pasid_set_destroy(struct sva_pasid_set *set, uint32_t flags);

/** Owner token a set was created with (NULL for a NULL set). */
const void *sva_pasid_set_owner(const struct sva_pasid_set *set);

/** Type tag a set was created with (0 for a NULL set). */
uint32_t sva_pasid_set_type(const struct sva_pasid_set *set);

/** Space a set belongs to (NULL for a NULL set). */
struct sva_pasid_space *sva_pasid_set_space(const struct sva_pasid_set *set);

/** Per-set counters (sva_pasid_set_stats_get). */
struct sva_pasid_set_stats {
	uint32_t in_use;          /**< PASIDs the set holds now */
	uint32_t quota;           /**< 0: no limit but the space */
	uint32_t high_water;      /**< most PASIDs held at once */
	uint32_t reserved;
	uint64_t allocs;          /**< successful allocations */
	uint64_t frees;           /**< successful frees */
	uint64_t alloc_failures;  /**< allocations refused for -EDQUOT, -ENOSPC, -EEXIST, -EBUSY
				       or -ENOMEM (not for bad arguments) */
	uint64_t quota_failures;  /**< of those, refused for the quota (-EDQUOT) */
};

/**
 * Read a set's counters (a consistent snapshot).
 *
 * @return 0; -EINVAL (NULL argument).
 */
int sva_pasid_set_stats_get(const struct sva_pasid_set *set, struct sva_pasid_set_stats *stats);

/* ---- allocation --------------------------------------------------------------------- */

/**
 * Allocate the lowest free PASID in [min, max] for a set. The cost does not depend on
 * how many PASIDs are in use. When nothing in the range is free but freed PASIDs are
 * pending, a reclaim pass runs first (on the calling thread, drain hooks included).
 *
 * @param min
 *   Lowest acceptable PASID.
 * @param max
 *   Highest acceptable PASID; values beyond the space are clamped to its last PASID,
 *   so UINT32_MAX means "anywhere above min".
 * @param priv
 *   Private pointer handed to find callers (of the set's type), may be NULL.
 * @param[out] pasid
 *   The PASID allocated.
 * @return
 *   0; -EINVAL (NULL set or pasid, set being destroyed, min above max or above the
 *   space); -EDQUOT (the set holds its quota); -ENOSPC (no PASID free in the range,
 *   even after reclaiming); -ENOMEM.
 */
int sva_pasid_alloc(struct sva_pasid_set *set, uint32_t min, uint32_t max, void *priv,
	uint32_t *pasid);

/**
 * Allocate one specific PASID (a guest asks for its own value).
 *
 * @return
 *   0; -EINVAL (NULL set, set being destroyed, PASID beyond the space, or PASID 0 in a
 *   space without SVA_PASID_SPACE_ALLOW_ZERO); -EDQUOT (the set holds its quota);
 *   -EEXIST (the PASID is allocated, to this set or another); -EBUSY (the PASID was
 *   freed and is still in its grace period or drain: try again after
 *   sva_pasid_reclaim()); -ENOMEM.
 */
int sva_pasid_alloc_at(struct sva_pasid_set *set, uint32_t pasid, void *priv);

/**
 * Free a PASID. It leaves lookups at once and becomes allocatable again after a grace
 * period and after every drain hook has finished with it.
 *
 * @return
 *   0; -EINVAL (NULL set, PASID beyond the space); -ENOENT (not allocated: a double
 *   free, logged and counted, nothing changes); -EACCES (allocated to another set,
 *   logged and counted, nothing changes).
 */
int sva_pasid_free(struct sva_pasid_set *set, uint32_t pasid);

/* ---- lookup (poll path) ------------------------------------------------------------- */

/**
 * Called by find inside the read-side section with the private pointer found, so the
 * caller can take a reference or refuse a dying object. Return 0 (or any value >= 0)
 * to accept, a negative errno to refuse: find then returns that value.
 */
typedef int (*sva_pasid_getter_t)(uint32_t pasid, void *priv, void *arg);

/**
 * Find a PASID of a set. Lock-free; call from a registered reader.
 *
 * @param getter
 *   NULL, or a function called on the private pointer before find returns.
 * @param arg
 *   Passed to getter.
 * @param[out] priv
 *   The private pointer (NULL allowed: only check the PASID).
 * @return
 *   0; -ENOENT (not allocated, or beyond the space); -EACCES (allocated to another
 *   set); the getter's negative value; -EINVAL (NULL set, debug builds only).
 */
int sva_pasid_find(struct sva_pasid_set *set, uint32_t pasid, sva_pasid_getter_t getter,
	void *arg, void **priv);

/**
 * Find a PASID by its number alone, in sets created with SVA_PASID_SET_SEARCHABLE.
 * The caller names the type it expects, so a global search can never hand back an
 * object of another type. Lock-free; call from a registered reader.
 *
 * @return
 *   0; -ENOENT (not allocated, or beyond the space); -EACCES (allocated to a set that
 *   is not searchable); -EPROTOTYPE (the set's type tag differs from type_tag); the
 *   getter's negative value; -EINVAL (NULL space, debug builds only).
 */
int sva_pasid_find_global(struct sva_pasid_space *space, uint32_t pasid, uint32_t type_tag,
	sva_pasid_getter_t getter, void *arg, void **priv);

/* ---- readers ------------------------------------------------------------------------ */

/**
 * Register the calling thread as a reader (rte_rcu_qsbr register + online). From now
 * on no freed PASID is reused before this reader reports a quiescent state.
 *
 * @param thread_id
 *   0 .. SVA_PASID_READERS_MAX - 1, unique per reader thread (rte_lcore_id() on lcores).
 * @return
 *   0; -EINVAL (NULL space, thread_id out of range); -EEXIST (already registered).
 */
int sva_pasid_reader_register(struct sva_pasid_space *space, unsigned int thread_id);

/**
 * Unregister a reader (offline + unregister). It must not call find afterwards.
 *
 * @return 0; -EINVAL (NULL space, thread_id out of range); -ENOENT (not registered).
 */
int sva_pasid_reader_unregister(struct sva_pasid_space *space, unsigned int thread_id);

/**
 * Report a quiescent state: the reader holds no pointer found before this call.
 * Poll path: no checks, no lock.
 */
void sva_pasid_reader_quiescent(struct sva_pasid_space *space, unsigned int thread_id);

/** Take a registered reader offline before it blocks (it stops holding up reclaim). */
void sva_pasid_reader_offline(struct sva_pasid_space *space, unsigned int thread_id);

/** Bring a registered reader back online after sva_pasid_reader_offline(). */
void sva_pasid_reader_online(struct sva_pasid_space *space, unsigned int thread_id);

/* ---- drain hooks and reclaim -------------------------------------------------------- */

/**
 * Called for each freed PASID after its grace period and before its reuse, without any
 * allocator lock held. Return 0 when done with the PASID, or -EAGAIN to be called again
 * on a later reclaim pass (other negative values are logged and count as done). A hook
 * may call find, alloc and free, but not sva_pasid_reclaim() or the hook
 * (un)registration calls.
 */
typedef int (*sva_pasid_drain_hook_t)(struct sva_pasid_space *space, uint32_t pasid, void *arg);

/**
 * Register a drain hook. It also runs for PASIDs already freed and not yet reclaimed.
 *
 * @return
 *   0; -EINVAL (NULL space or hook); -EEXIST (the same hook and arg are registered);
 *   -ENOSPC (SVA_PASID_DRAIN_HOOKS_MAX hooks registered); -EDEADLK (called from a
 *   drain hook).
 */
__rte_experimental
int sva_pasid_drain_hook_register(struct sva_pasid_space *space, sva_pasid_drain_hook_t hook,
	void *arg);

/**
 * Unregister a drain hook. When it returns, the hook is not running and will not run
 * again, so arg may be freed.
 *
 * @return
 *   0; -EINVAL (NULL space or hook); -ENOENT (not registered); -EDEADLK (called from a
 *   drain hook).
 */
__rte_experimental
int sva_pasid_drain_hook_unregister(struct sva_pasid_space *space, sva_pasid_drain_hook_t hook,
	void *arg);

/**
 * Move freed PASIDs whose grace period ended and whose drain hooks are done back to
 * free, and release destroyed sets whose grace period ended. Never waits for readers;
 * waits only for a reclaim pass running on another thread.
 *
 * @return
 *   The number of PASIDs reclaimed (>= 0); -EINVAL (NULL space); -EDEADLK (called
 *   from a drain hook).
 */
int sva_pasid_reclaim(struct sva_pasid_space *space);

/* ---- vSVA: the guest <-> host PASID map of a VM ------------------------------------- */

/**
 * @name Guest PASID map (vSVA, EXPERIMENTAL)
 *
 * A VMM gives each VM a *vm*: a searchable set of the host space (type
 * SVA_VPASID_PASID_TYPE, quota = the VM's quota) plus a table indexed by guest PASID.
 * Mapping a guest PASID allocates a host PASID from the VM's set; its private data is
 * the mapping. Two VMs may map the same guest PASIDs: each gets its own host PASIDs,
 * so a request (which carries the host PASID) always finds its own VM, never another's.
 * Lookups in both directions are lock-free (registered readers, like
 * sva_pasid_find()); an unmapped host PASID is reused only after a grace period and
 * the drain hooks (the allocator's rules), so a stale request of one VM never reaches
 * the next owner of the number.
 *
 * Call order: sva_vpasid_vm_create(); sva_vpasid_map() when the guest binds a PASID
 * (then sva_bind() with the VM's set, SVA_BIND_NESTED and the guest PASID: see sva.h);
 * sva_vpasid_find() / sva_vpasid_find_host() on any path; sva_unbind() the bonds, then
 * sva_vpasid_unmap(); sva_vpasid_vm_destroy().
 * @{
 */

struct sva_vpasid_vm;

/** Type tag of the host PASIDs of a VM's set (their private data is the mapping). */
#define SVA_VPASID_PASID_TYPE 0x76706173u /* "vpas" */

/** sva_vpasid_vm_create() flag: guest PASID 0 may be mapped (guests that use PASID 0 for
 * requests without PASID). */
#define SVA_VPASID_VM_ALLOW_ZERO (1u << 0)

/**
 * Create a VM's PASID map: a set named name in space (searchable, type
 * SVA_VPASID_PASID_TYPE, owner the VM) and an empty guest PASID table.
 *
 * @param quota       Most guest PASIDs mapped at once (the set's quota); 0: no limit.
 * @param gpasid_bits Width of the guest's PASIDs, 1..SVA_PASID_BITS_MAX.
 * @param flags       0 or SVA_VPASID_VM_ALLOW_ZERO.
 * @return The VM, or NULL with rte_errno: EINVAL (NULL space or name, bad name,
 *   gpasid_bits out of range, unknown flag), EEXIST (a set of that name exists in the
 *   space), ENOMEM.
 */
__rte_experimental
struct sva_vpasid_vm *sva_vpasid_vm_create(struct sva_pasid_space *space, const char *name,
	uint32_t quota, uint32_t gpasid_bits, uint32_t flags);

/**
 * Destroy a VM's map and its set.
 *
 * @return 0; -EINVAL (NULL vm); -EBUSY (guest PASIDs are still mapped: unbind, unmap).
 */
__rte_experimental
int sva_vpasid_vm_destroy(struct sva_vpasid_vm *vm);

/** The VM's set (NULL for NULL): pass it to sva_bind() and sva_pasid_set_stats_get(). */
__rte_experimental
struct sva_pasid_set *sva_vpasid_vm_set(const struct sva_vpasid_vm *vm);

/** The VM whose set this is, or NULL (set NULL, or not a VM's set). Control path. */
__rte_experimental
struct sva_vpasid_vm *sva_vpasid_vm_of_set(const struct sva_pasid_set *set);

/**
 * Map a guest PASID: allocate a host PASID (the lowest free one, from 1) from the VM's
 * set. Control path.
 *
 * @param[out] hpasid The host PASID.
 * @return 0; -EINVAL (NULL argument, gpasid beyond gpasid_bits, gpasid 0 without
 *   SVA_VPASID_VM_ALLOW_ZERO); -EEXIST (gpasid is mapped already); -EDQUOT (the VM
 *   holds its quota); -ENOSPC (no host PASID free); -ENOMEM. Each logged.
 */
__rte_experimental
int sva_vpasid_map(struct sva_vpasid_vm *vm, uint32_t gpasid, uint32_t *hpasid);

/**
 * Unmap a guest PASID: it leaves both lookups at once; its host PASID is freed (reused
 * after a grace period and the drain hooks). Waits one grace period of the space's
 * readers before it returns (control path only).
 *
 * @return 0; -EINVAL (NULL vm, gpasid out of range); -ENOENT (not mapped); -EBUSY (a
 *   bond uses it: unbind first). Each logged.
 */
__rte_experimental
int sva_vpasid_unmap(struct sva_vpasid_vm *vm, uint32_t gpasid);

/**
 * Guest -> host, lock-free: from a registered reader of the VM's space, or from any
 * thread while the VM's map does not change.
 *
 * @return 0 and *hpasid; -ENOENT (not mapped, or beyond the guest width); -EINVAL (NULL
 *   argument, debug builds only).
 */
__rte_experimental
int sva_vpasid_find(const struct sva_vpasid_vm *vm, uint32_t gpasid, uint32_t *hpasid);

/**
 * Host -> (VM, guest), lock-free: which VM a host PASID (read from a device) belongs to,
 * and the guest's number for it. Same reader rules as sva_pasid_find_global().
 *
 * @param[out] vm     NULL, or the VM.
 * @param[out] gpasid NULL, or the guest PASID.
 * @return 0; -ENOENT (not allocated, or beyond the space); -EPROTOTYPE (allocated, but
 *   not a VM's mapping); -EACCES (allocated to a set that is not searchable: not a
 *   VM's); -EINVAL (NULL space, debug builds only).
 */
__rte_experimental
int sva_vpasid_find_host(struct sva_pasid_space *space, uint32_t hpasid,
	struct sva_vpasid_vm **vm, uint32_t *gpasid);

/**
 * Take a reference on a mapping (what a nested bind does): sva_vpasid_unmap() refuses
 * it (-EBUSY) until sva_vpasid_put(). The host PASID changes hands here without a free,
 * so the allocator's rule is applied here: after a sva_vpasid_put() of the mapping, the
 * next get first runs the space's drain hooks for the host PASID once (a request of
 * the previous holder still queued is answered before the new holder gets the number).
 *
 * @return 0 and *hpasid; -EINVAL (NULL argument, gpasid out of range); -ENOENT (not
 *   mapped, logged); -EAGAIN (a drain hook said not yet: try again later, the mapping
 *   stays unreferenced); -EDEADLK (called from one of the space's drain hooks).
 */
__rte_experimental
int sva_vpasid_get(struct sva_vpasid_vm *vm, uint32_t gpasid, uint32_t *hpasid);

/**
 * Drop a reference taken by sva_vpasid_get(). The mapping's next get drains first (see
 * sva_vpasid_get()).
 *
 * @return 0; -EINVAL (NULL vm, gpasid out of range); -ENOENT (not mapped, or no
 *   reference held).
 */
__rte_experimental
int sva_vpasid_put(struct sva_vpasid_vm *vm, uint32_t gpasid);

/** @} */

#ifdef __cplusplus
}
#endif

#endif /* SVA_PASID_H */
