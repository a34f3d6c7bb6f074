/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef SVA_H
#define SVA_H

/**
 * @file
 * svapoll: the header applications include.
 *
 * svapoll binds the process's own address space to a device PASID, polls the
 * IOMMU's page-request and event queues on dedicated DPDK lcores, resolves each
 * I/O page fault by making the page present, and answers the device in batches.
 *
 * Call order:
 *  1. rte_eal_init(); sva_iommu_create() and sva_dev_open() (sva_iommu.h); a PASID
 *     space and set (sva_pasid.h) — one space per iommu for per-device PASIDs, or one
 *     shared by every iommu.
 *  2. Optionally sva_poll_configure(iommu, conf) to size the fault path (burst, tables,
 *     deadlines); the first sva_bind() on an iommu otherwise creates it with defaults.
 *     Each iommu gets a DPDK service "sva_poll_<iommu>".
 *  3. sva_bind(dev, set, params): a PASID from the set, the fault path ready for it,
 *     then the PASID (and, with SVA_BIND_RID, the RID) attached to this process's
 *     address space. Returns a bond.
 *  4. sva_poll_lcore_start(lcore) maps every svapoll service to a service lcore and
 *     starts it — or the application maps the services itself
 *     (sva_poll_service_id() and rte_service_map_lcore_set()), or calls
 *     sva_iopf_poll(iommu, budget) from its own loop on one lcore. Forgetting it: an
 *     iommu with bonds whose page request queue holds requests while no poll call ran
 *     for 100 ms logs a WARNING naming sva_poll_lcore_start() and the poll service
 *     (sva_poll_service_id()), at most once per 10 s per iommu (the stalls in between
 *     are counted in the next one). Checked every 20 ms off the poll path, by
 *     lib/iopf's background thread, for drivers that can tell a queue is not empty
 *     (emu, iommufd).
 *  5. Submit work to the device; read sva_stats_get() or the telemetry commands
 *     /sva/iommus, /sva/bonds (id -> {id, iommu, dev, pasid, flags, flag_names, mode,
 *     rid_only, pinned_ranges, pinned_bytes}, plus gpasid and user_cookie for a bond
 *     with guest data), /sva/bond,<bond id>,
 *     /sva/stats,<bond id or iommu name>; the drivers add their own
 *     (/sva/emu/counters,<iommu>, /sva/iommufd/stats,<iommu>).
 *  6. Teardown, in this order: sva_unbind() every bond (never fails);
 *     sva_poll_lcore_stop(lcore); sva_poll_release(iommu) (-EBUSY while bonds remain);
 *     sva_pasid_set_destroy(set) (-EBUSY while it holds PASIDs: unbind first);
 *     sva_pasid_space_destroy(space) (-EBUSY while sets exist); sva_dev_close(dev);
 *     sva_iommu_destroy(iommu). The set and the space may go before or after the
 *     devs and the iommu (they are independent objects), but the space only after
 *     its sets, and a set only after its bonds; the drain hook svapoll registered on
 *     the space goes with the space.
 *
 * Pinned mode (devices without PRI, or with PRI that cannot be trusted): the bond's
 * memory is made resident and mapped up front, and the fault path never resolves
 * anything for it.
 *  - sva_bind() with SVA_BIND_PINNED asks for it; without it, an iommu whose info
 *    lacks SVA_IOMMU_CAP_PRI but has SVA_IOMMU_CAP_PIN gives a pinned bond anyway (a
 *    NOTICE says so), unless SVA_BIND_REQUIRE_PRI asks to be refused (EOPNOTSUPP)
 *    instead; an iommu with neither is refused (EOPNOTSUPP). sva_bond_is_pinned()
 *    tells which mode a bond got.
 *  - sva_bond_pin(bond, addr, len, flags) pins each buffer the device will use, after
 *    bind and before the DMA (emu: populate + mlock; iommufd: IOMMU_IOAS_MAP at
 *    IOVA == VA), writable unless SVA_BOND_PIN_READ_ONLY; sva_bond_unpin() releases a
 *    range as it was pinned; sva_unbind() unpins whatever is still pinned (after the
 *    detach, before the PASID is freed). Ranges are whole 4 KiB pages (aligned
 *    outward) and may not overlap on one bond. Pinned memory counts against
 *    RLIMIT_MEMLOCK (ulimit -l) unless the process has CAP_IPC_LOCK.
 *  - A page request on a pinned bond (the device touched memory outside its pinned
 *    ranges, or its PRI misbehaves) is an error: answered Invalid at once, never
 *    resolved, counted in the statistics as invalid[SVA_IOPF_R_PINNED] (telemetry:
 *    invalid_pinned), logged at the 1st, 2nd, 4th, ... occurrence of the bond.
 *    Everything else (statistics, telemetry, events, unbind) is the same as for PRI
 *    bonds.
 *
 * vSVA (nested translation, EXPERIMENTAL; README "vSVA (nested translation) for VMMs"):
 * a VMM holds guest RAM as an ordinary mapping (GPA g at ram.base + g) and binds a
 * guest's first level (GVA -> GPA) on top of it.
 *  1. sva_vpasid_vm_create() per VM (sva_pasid.h); VT-d: sva_vpasid_map(vm, gpasid)
 *     when the guest binds a PASID.
 *  2. sva_bind(dev, sva_vpasid_vm_set(vm), params) with SVA_BIND_NESTED, size =
 *     sizeof(params), nested = the guest's table, gpasid (VT-d: the guest PASID, whose
 *     host PASID the bond takes from the VM's map; SMMUv3 SVA_NESTED_SMMUV3_CD: one
 *     bond for the dev's whole CD table, every SSID of the dev routes to it, gpasid ==
 *     SSID, sva_bond_pasid() 0), user_cookie, and an event callback or
 *     SVA_BIND_EVENT_RING (required: first-level faults go there).
 *  3. A page request of the bond's with second-level pages (SVA_FAULT_PR_NESTED_S2)
 *     is resolved here, only inside guest RAM (anything else: Invalid, counted). A
 *     group with first-level pages (SVA_FAULT_PR_NESTED_S1) is, after its second-level
 *     pages were resolved, handed to the VMM as page-request records (one per
 *     first-level page, LAST on the last, stamped SVA_FAULT_PR_GUEST with gpasid and
 *     user_cookie) and held until the VMM answers with sva_nested_page_response():
 *     exactly one answer per group; the deadline (the fault path's group deadline, 1 s
 *     without one) answers Invalid if the VMM does not; unbind answers every held
 *     group Invalid. With SVA_BIND_AUTO_INVALID nothing is resolved or held: every
 *     request is answered Invalid and reported to the VMM as an unrecoverable fault
 *     (SVA_FAULT_REASON_PRI_INVALID, _NESTED_S1 for a first-level page).
 *  4. sva_nested_inval() forwards the guest's first-level IOTLB invalidations;
 *     sva_nested_stats_get() reads the nested counters.
 *  5. sva_unbind(); VT-d: sva_vpasid_unmap() after it; sva_vpasid_vm_destroy().
 *
 * Scope: a bond binds the calling process's own address space. Binding another
 * process's address space is out of scope (there is no uAPI for it, and svapoll
 * resolves faults by touching memory from inside the process).
 *
 * Teardown guarantees (the rules are sva_iopf.h's, "Teardown"): sva_unbind() stops
 * accepting requests for the PASID, answers its closed groups Invalid and discards its
 * partial groups (their LAST, if it comes, is answered Invalid once), detaches, fences
 * and drains the page request queue (stale requests answered Invalid, never resolved),
 * unpins the ranges a pinned bond still has, and frees the PASID through the
 * allocator, whose drain hook (registered by svapoll on each space it binds from)
 * drains the queue again and holds the number back until a drain completed (queue read
 * to empty past the fence, every kept response written): a stale request for a freed
 * PASID is never resolved into a new owner's bond. A RID has no number to hold back:
 * after a bond with SVA_BIND_RID went, the next SVA_BIND_RID bind on that iommu drains
 * first (and fails with EAGAIN if the queue cannot be drained within 100 ms), so a
 * stale request without PASID is never resolved into the new RID bond either. The same
 * for the numbers of vSVA bonds that the allocator does not free: a nested per-PASID
 * bond's host PASID stays in the VM's map, so the next bind of that guest PASID drains
 * first (sva_vpasid_get() runs the drain hooks; EAGAIN likewise), and a CD table bond's
 * SSIDs are the guest's, so the next bind of any kind on that dev drains first: a stale
 * request is never resolved into, nor handed to the VMM of, a new owner. Drains
 * run on control threads and never resolve or call event callbacks. A poll service
 * that stops leaves live bonds' requests queued (and partial groups open) for the next
 * poller: nothing is refused because polling paused.
 *
 * Thread safety: the control calls here are serialised by one lock and may be called
 * from any thread; the poll path runs on the service lcore.
 */

#include <stddef.h>
#include <stdint.h>

#include <rte_compat.h>

#include "sva_iommu.h"
#include "sva_iopf.h"
#include "sva_pasid.h"

#ifdef __cplusplus
extern "C" {
#endif

struct sva_bond;
struct rte_ring;

/**
 * The svapoll version, as "MAJOR.MINOR.PATCH" (the VERSION file at build time).
 *
 * @return
 *   A static string; never NULL. Does not need EAL.
 */
const char *sva_version(void);

/** Type tag of the PASIDs svapoll allocates (their private pointer is the bond). */
#define SVA_BOND_PASID_TYPE 0x626f6e64u /* "bond" */

/** @name Bind flags (sva_bind_params.flags) */
/** @{ */
#define SVA_BIND_RID (1u << 0)          /**< also attach the RID and serve its requests */
#define SVA_BIND_AUTO_INVALID (1u << 1) /**< answer every page request Invalid at once and
					     report it as an unrecoverable fault */
#define SVA_BIND_ALLOW_EXEC (1u << 2)   /**< resolve execute requests */
#define SVA_BIND_ALLOW_PRIV (1u << 3)   /**< resolve privileged requests */
#define SVA_BIND_EVENT_RING (1u << 4)   /**< deliver unrecoverable faults into a ring */
#define SVA_BIND_PINNED (1u << 5)       /**< pinned mode even where the iommu has PRI: pin
					     buffers with sva_bond_pin(); page requests are
					     errors (see the @file block) */
#define SVA_BIND_REQUIRE_PRI (1u << 6)  /**< refuse (EOPNOTSUPP) rather than fall back to
					     pinned mode on an iommu without PRI */
/** vSVA: stamp gpasid and user_cookie (sva_bind_params; needs size covering them) into
 * every record, event and statistics entry of the bond (SVA_FAULT_PR_GUEST,
 * SVA_FAULT_UNRECOV_GUEST). EXPERIMENTAL. */
#define SVA_BIND_GUEST_DATA (1u << 7)
/** vSVA nested bind (EXPERIMENTAL): params.nested is a guest first level to nest on this
 * process's address space; implies SVA_BIND_GUEST_DATA. See "vSVA" in the @file block. */
#define SVA_BIND_NESTED (1u << 8)
#define SVA_BIND_FA_ADAPTIVE (1u << 9)  /**< adaptive fault-around: the window after a
					     faulting range grows while the device streams
					     sequentially and shrinks on random access, up
					     to fault_around_after pages (0: 512); see
					     SVA_IOPF_BOND_FA_ADAPTIVE in sva_iopf.h */
/** @} */

/** sva_bond_pin() flag: the device only reads the range (populated for read, mapped
 * read-only); without it the range is writable. */
#define SVA_BOND_PIN_READ_ONLY (1u << 0)

/** Called on the poll lcore for each unrecoverable fault of the bond: keep it short, and
 * call no svapoll control function from it (they wait for the poll call to end). */
typedef void (*sva_bond_event_cb_t)(struct sva_bond *bond, const struct sva_fault *rec,
		void *arg);

/**
 * Bind options. All zero: defaults.
 *
 * Growth (README "API and ABI"): size is sizeof(struct sva_bind_params) as the caller was
 * built, or 0 for the SVA_0.1 layout (the fields up to event_ring_size: a zeroed struct
 * of an older caller keeps working; the appended fields then read 0). A size larger than
 * this library's struct is accepted when the bytes it does not know are zero.
 */
struct sva_bind_params {
	uint32_t size;                /**< sizeof(struct sva_bind_params), or 0 (SVA_0.1 fields) */
	uint32_t flags;               /**< SVA_BIND_* */
	uint16_t fault_around_before; /**< 4 KiB units below a faulting page to populate too
					   (0..512; whole pages of the mapping that fit, see sva_iopf.h) */
	uint16_t fault_around_after;  /**< 4 KiB units above it (0..512) */
	uint32_t pasid_min;           /**< PASID range to allocate from; 0 and 0: anywhere */
	uint32_t pasid_max;
	sva_bond_event_cb_t event_cb; /**< unrecoverable faults (or SVA_BIND_EVENT_RING) */
	void *event_arg;
	uint32_t event_ring_size;     /**< with SVA_BIND_EVENT_RING: power of two, default 1024 */
	/* Appended for vSVA (read only when size covers them). */
	uint32_t gpasid;              /**< SVA_BIND_GUEST_DATA: the guest's PASID (0..2^20-1),
					   stamped into the bond's records */
	uint64_t user_cookie;         /**< SVA_BIND_GUEST_DATA: opaque, stamped likewise */
	const struct sva_nested_cfg *nested; /**< SVA_BIND_NESTED: the guest's first level
					   (copied at bind; see sva_dev_nested_attach()) */
};

/** Size of the SVA_0.1 layout of struct sva_bind_params (what size 0 stands for). */
#define SVA_BIND_PARAMS_SIZE_V0 offsetof(struct sva_bind_params, gpasid)

/**
 * Bind this process's address space to a device, with a PASID from a set.
 *
 * @param dev    the endpoint.
 * @param set    the PASID set to allocate from (its space must fit the iommu's PASIDs).
 * @param params NULL for defaults.
 * On an iommu without PASID support (info.pasid_bits 0: most devices) SVA_BIND_RID
 * binds the RID alone: no PASID is taken from the set, sva_bond_pasid() is 0, and the
 * bond serves the requests without a PASID.
 * Mode: PRI (faults resolved by the fault path), or pinned (SVA_BIND_PINNED; or no
 * SVA_IOMMU_CAP_PRI on the iommu but SVA_IOMMU_CAP_PIN, logged at NOTICE: "device has
 * no PRI: pinned mode; pin buffers with sva_bond_pin()"). See the @file block.
 *
 * @return The bond, or NULL with rte_errno:
 *   - EINVAL: dev or set NULL, unknown flag, window above 512, both an event callback
 *     and SVA_BIND_EVENT_RING, bad ring size, pasid_min above pasid_max, both
 *     SVA_BIND_PINNED and SVA_BIND_REQUIRE_PRI, size neither 0 nor at least
 *     SVA_BIND_PARAMS_SIZE_V0, SVA_BIND_GUEST_DATA with a size that does not cover
 *     gpasid and user_cookie (0 included), gpasid above 2^20 - 1 (each logged)
 *   - E2BIG: size above this library's struct with a field it does not know set
 *   - with SVA_BIND_NESTED: EINVAL (size not covering nested, nested NULL, together
 *     with SVA_BIND_PINNED or SVA_BIND_RID, neither an event callback nor
 *     SVA_BIND_EVENT_RING, a per-PASID format with a set that is not a VM's
 *     (sva_vpasid_vm_set()), or a cfg the model refuses: sva_dev_nested_attach());
 *     ENOENT (VT-d: gpasid is not mapped in the VM: sva_vpasid_map() first);
 *     EOPNOTSUPP (no SVA_IOMMU_CAP_NESTED, or the format is not the hardware's);
 *     EBUSY (the PASID, or for a CD table the dev's PASIDs, have a table already);
 *     EEXIST (a CD table bond on a dev whose PASIDs are served already)
 *   - EOPNOTSUPP: the iommu has no PASID support and SVA_BIND_RID was not given (or it
 *     has no RID attach with SVA_BIND_RID);
 *     SVA_BIND_PINNED on an iommu without SVA_IOMMU_CAP_PIN; no SVA_IOMMU_CAP_PRI with
 *     SVA_BIND_REQUIRE_PRI; neither SVA_IOMMU_CAP_PRI nor SVA_IOMMU_CAP_PIN (each logged)
 *   - EDQUOT, ENOSPC: the set is at its quota, or no PASID is free in the range
 *   - EBUSY: the PASID or RID already has a page table
 *   - EEXIST: the RID is bound already (SVA_BIND_RID)
 *   - EAGAIN: SVA_BIND_RID after a RID bond went, any bind on a dev whose CD table
 *     bond went, or a nested bind of a guest PASID whose previous bond went, and the
 *     page request queue could not be drained within 100 ms (responses the device does
 *     not take, or the poller must run): poll, then bind again (logged)
 *   - ENOMEM
 *   - other: the fault path's errno (sva_iopf_create(), with the process's first
 *     mappings snapshot)
 * Every bind refreshes the mappings snapshot (sva_iopf_maps_refresh()); a refresh that
 * fails there is logged (WARNING) and the bind goes on with the previous snapshot.
 * Buffers allocated after the bind need no refresh: the fault path looks up what the
 * snapshot does not hold (sva_iopf.h, "Mappings newer than the snapshot").
 */
struct sva_bond *sva_bind(struct sva_dev *dev, struct sva_pasid_set *set,
		const struct sva_bind_params *params);

/**
 * Unbind. Never fails on a bond; bond may be NULL. When it returns, every closed group of
 * the bond has been answered (its partial groups discarded), the PASID is detached and
 * freed (reusable after the allocator's grace period and a completed drain), and the
 * bond is gone. A drain that cannot complete (the device does not take responses) is
 * retried for 1 s, then logged (WARNING); the PASID then stays out of reuse until a
 * later drain completes (a nested bond's host PASID, which the VM's map keeps: its next
 * bind drains first; see "Teardown guarantees"). A nested bond lets go of its mapping
 * once it is detached, before the drain: sva_vpasid_unmap() may come meanwhile (the
 * freed host PASID then follows the allocator's rule). sva_poll_release() is refused
 * (-EBUSY) until unbind returns.
 *
 * A pointer that is not a bound bond is refused: nothing is done, rte_errno is set to
 * EINVAL and an ERR names it — "bond N is unbound already (a second sva_unbind() of
 * it)" for a bond among the last 64 unbound (their memory is kept, not reused, for
 * exactly this check), "... is not a bond ..." otherwise (also for a bond another
 * thread is unbinding at the same time). Only sva_unbind() checks this way: any other
 * call with an unbound bond is a use after free.
 */
void sva_unbind(struct sva_bond *bond);

/** The bond's PASID (0 for NULL, for a RID-only bond, and for a nested CD table bond,
 * which serves every SSID of its dev). */
uint32_t sva_bond_pasid(const struct sva_bond *bond);
/** The bond's dev (NULL for NULL). */
struct sva_dev *sva_bond_dev(const struct sva_bond *bond);
/** The bond's number, unique in the process (telemetry names bonds by it); 0 for NULL. */
unsigned int sva_bond_id(const struct sva_bond *bond);
/** The bond's event ring (SVA_BIND_EVENT_RING), or NULL. Elements: struct sva_fault. */
struct rte_ring *sva_bond_event_ring(const struct sva_bond *bond);

/**
 * The guest data a bond was bound with (SVA_BIND_GUEST_DATA), as stamped into its
 * records (gpasid at offset 56 and user_cookie at 64 of sva_fault_page_req and
 * sva_fault_unrecov, flags SVA_FAULT_PR_GUEST / SVA_FAULT_UNRECOV_GUEST). Telemetry's
 * bond objects (/sva/bonds, /sva/bond,<id>) and /sva/stats,<bond id> carry them as
 * "gpasid" and "user_cookie" too.
 *
 * @param[out] gpasid      NULL, or the guest PASID.
 * @param[out] user_cookie NULL, or the cookie.
 * @return 0, -EINVAL (bond NULL), -ENOENT (bound without guest data).
 */
__rte_experimental
int sva_bond_guest_get(const struct sva_bond *bond, uint32_t *gpasid, uint64_t *user_cookie);

/**
 * The VMM's answer to a first-level group the bond handed it (vSVA): dev_id, pasid,
 * grpid and cookie copied from the group's records, code Success (the guest made its pages
 * present), Invalid or Failure. Exactly one answer per group is written to the device.
 * Not from the bond's event callback on the poll thread (answer after it returned,
 * from another thread: this call waits for the poll call to end).
 * cookie: the records' cookie (the group's instance tag, SVA_FAULT_PR_COOKIE), so that
 * the answer reaches that group only: once a group was answered (by the deadline, say)
 * the device may reuse its PRG index, and a late answer of the old group would
 * otherwise name the newer group held under that index. cookie 0 names the group by
 * (dev_id, pasid, grpid) alone (whichever group is held under them).
 *
 * @return 0, or
 *   - -EINVAL: bond or resp NULL, argsz below sizeof(struct sva_page_response), a
 *     code other than Success/Invalid/Failure, fields wider than a request carries,
 *     the bond is not nested
 *   - -EDEADLK: called from the poll thread's event callback
 *   - -EALREADY: the group was answered by the VMM already (a second answer: counted)
 *   - -ETIMEDOUT: the deadline answered it Invalid first (counted)
 *   - -ENOENT: no such group is held for this bond (counted): never handed over,
 *     another bond's, or answered so long ago that it is forgotten (the last 256
 *     answers are remembered)
 */
__rte_experimental
int sva_nested_page_response(struct sva_bond *bond, const struct sva_page_response *resp);

/**
 * Forward a guest's first-level IOTLB invalidation of a nested bond: [addr, addr +
 * size) of its PASID (VT-d), or of every SSID of its CD table (SMMUv3); size 0 with
 * addr 0: everything.
 *
 * @return 0, or -EINVAL (bond NULL or not nested; range not 4 KiB aligned or wrapping,
 *   size 0 with a non-zero addr), -EOPNOTSUPP (the driver cannot invalidate first-level
 *   caches), or the driver's errno (sva_dev_nested_inval()).
 */
__rte_experimental
int sva_nested_inval(struct sva_bond *bond, uint64_t addr, uint64_t size);

/**
 * The nested counters of a bond (struct sva_iopf_nested_stats: groups handed to the VMM,
 * its answers, deadlines, refused answers, pages outside guest RAM).
 *
 * @return 0, or -EINVAL (NULL argument, or the bond is not nested).
 */
__rte_experimental
int sva_nested_stats_get(const struct sva_bond *bond, struct sva_iopf_nested_stats *stats);

/**
 * Whether a bond is in pinned mode.
 *
 * @return 1 (pinned), 0 (PRI), or -EINVAL (bond NULL).
 */
__rte_experimental
int sva_bond_is_pinned(const struct sva_bond *bond);

/**
 * Pinned mode: make [addr, addr + len) resident and reachable by the bond's device
 * (its PASID, and its RID with SVA_BIND_RID) before the device uses it, so that it
 * never needs a page request. The range is aligned outward to whole 4 KiB pages; it
 * must lie inside mappings that allow the access. Control path (takes the sva lock;
 * costs the populate of every page of the range).
 *
 * @param flags 0 (read and write), or SVA_BOND_PIN_READ_ONLY.
 * @return 0, or
 *   - -EINVAL: bond or addr NULL, len 0, addr + len wraps around the address space
 *     (after aligning to pages), unknown flag
 *   - -EOPNOTSUPP: the bond is not pinned (a PRI bond: see sva_bond_is_pinned())
 *   - -EEXIST: the range shares a page with a range already pinned on this bond
 *   - -ENOMEM: out of memory; or the driver could not make it resident: part of the
 *     range is not mapped, or RLIMIT_MEMLOCK is too small (the log says to raise
 *     ulimit -l)
 *   - -EPERM: RLIMIT_MEMLOCK is 0 and the process lacks CAP_IPC_LOCK (logged)
 *   - -EINVAL (emu): the mapping refuses the access: a writable pin of read-only
 *     memory, PROT_NONE, a VM_IO/VM_PFNMAP mapping (MADV_POPULATE_* says EINVAL)
 *   - -EFAULT (emu): populating would raise SIGBUS (e.g. a file mapping beyond EOF)
 *   - another driver errno (iommufd: that of IOMMU_IOAS_MAP), logged by the driver
 */
__rte_experimental
int sva_bond_pin(struct sva_bond *bond, const void *addr, size_t len, uint32_t flags);

/**
 * Release a range pinned by sva_bond_pin(), given as it was pinned (the same
 * addr and len, or any that align outward to the same pages). The memory stays
 * mapped in the process; only the lock and the device's mapping go (a page pinned by
 * another bond stays locked). A device access to it afterwards is a page request,
 * answered Invalid (SVA_IOPF_R_PINNED).
 *
 * @return 0, or
 *   - -EINVAL: bond or addr NULL, len 0, the range wraps around the address space
 *   - -EOPNOTSUPP: the bond is not pinned
 *   - -ENOENT: no range pinned on this bond has exactly these pages (never pinned,
 *     unpinned already, or a part or a union of pinned ranges)
 */
__rte_experimental
int sva_bond_unpin(struct sva_bond *bond, const void *addr, size_t len);

/**
 * Change the bond's fault-around window at run time.
 *
 * @return 0, or -EINVAL (bond NULL, a side above 512).
 */
int sva_bond_fault_around_set(struct sva_bond *bond, uint16_t before, uint16_t after);

/**
 * Size the fault path of an iommu before its first bind.
 *
 * @return 0, or -EINVAL (iommu NULL, conf out of range, conf->size not 0 and below the
 *   first layout), -E2BIG (conf->size beyond this library's struct with non-zero bytes
 *   it does not know, or above 4096: see sva_iopf_create()), -EEXIST (already set up:
 *   by an earlier call or a bind), -ENOSPC, -ENOMEM, or a service registration errno.
 */
int sva_poll_configure(struct sva_iommu *iommu, const struct sva_iopf_conf *conf);

/**
 * The DPDK service id polling an iommu.
 *
 * @return 0, or -EINVAL (NULL argument), -ENOENT (no fault path yet: bind first or
 *   sva_poll_configure()).
 */
int sva_poll_service_id(struct sva_iommu *iommu, uint32_t *service_id);

/**
 * Make lcore a service lcore polling every svapoll service (present and future).
 *
 * @return 0, or -EINVAL (not an enabled lcore, or the main lcore), -EALREADY (polling
 *   already), -EBUSY (the lcore is running something else), or an rte_service errno.
 */
int sva_poll_lcore_start(unsigned int lcore);

/**
 * Tune the "no poller" warning (see the call order, step 4; tests): a warning when
 * requests have waited wait_ms with no poll call, at most once per every_ms per iommu
 * (0: every stall). Defaults 100 and 10000. The rate limit starts over.
 *
 * @return 0, or -EINVAL (wait_ms 0).
 */
__rte_internal
int sva_poll_nopoll_set(uint32_t wait_ms, uint32_t every_ms);

/**
 * Stop polling on lcore. A service left with no lcore stops and waits for its running
 * call to end; what it had in flight (queued requests, partial and deferred groups,
 * kept responses) waits for the next poller: nothing is answered Invalid for it.
 *
 * @return 0, or -EINVAL (lcore out of range), -ENOENT (not started by
 *   sva_poll_lcore_start()).
 */
int sva_poll_lcore_stop(unsigned int lcore);

/**
 * Release the fault path of an iommu (before sva_iommu_destroy()).
 *
 * @return 0, or -EINVAL (iommu NULL), -ENOENT (none), -EBUSY (bonds remain).
 */
int sva_poll_release(struct sva_iommu *iommu);

/**
 * Statistics of a bond (bond non-NULL) or of an iommu.
 *
 * @return 0, or -EINVAL (stats NULL, both NULL), -ENOENT (no fault path on the iommu).
 */
int sva_stats_get(struct sva_iommu *iommu, const struct sva_bond *bond,
		struct sva_iopf_stats *stats);

/**
 * Reset the statistics of a bond, or of an iommu and all its bonds.
 *
 * @return 0, or -EINVAL (both NULL), -ENOENT (no fault path on the iommu).
 */
int sva_stats_reset(struct sva_iommu *iommu, struct sva_bond *bond);

/** Size of an extended statistic's name, NUL included. */
#define SVA_XSTATS_NAME_SIZE 64

/** Name of an extended statistic (sva_stats_xstats_names_get()). */
struct sva_xstat_name {
	char name[SVA_XSTATS_NAME_SIZE]; /**< "page_reqs", "invalid_perm", ... */
};

/** Value of an extended statistic: id is its index in the names list. */
struct sva_xstat {
	uint64_t id;
	uint64_t value;
};

/**
 * Names of the extended statistics: every counter of struct sva_iopf_stats, in an
 * order and a number the library owns (like DPDK's xstats), so that counters, reasons
 * and latency buckets can be added without changing a public layout:
 *  - the scalar counters by their field name ("page_reqs", ..., "lat_p99_ns");
 *  - "invalid_<reason>" and "failure_<reason>" for every reason, named by
 *    sva_iopf_reason_name() ("invalid_perm", "failure_driver", ...);
 *  - the latency histogram, "lat_hist_le_<N>_cycles" (bucket upper bound N,
 *    sva_iopf_lat_bucket_cycles()), the last bucket "lat_hist_le_max_cycles";
 *  - how addresses the mappings snapshot does not hold were judged, "maps_" + a field
 *    of struct sva_iopf_maps_stats ("maps_lookups", "maps_overlay_hits", ...): the
 *    iommu's (the overlay is per iommu), so a bond reads its iommu's values.
 * The list is the same for every iommu and bond, and fixed for the life of the process.
 *
 * @param names NULL, or an array of size entries.
 * @return The number of extended statistics. names is filled only when it is
 *   non-NULL and size is at least that number.
 */
__rte_experimental
int sva_stats_xstats_names_get(struct sva_xstat_name *names, unsigned int size);

/**
 * Values of the extended statistics of a bond (bond non-NULL) or of an iommu, in the
 * order of sva_stats_xstats_names_get(); one consistent sva_stats_get() reading.
 *
 * @param xstats NULL, or an array of n entries.
 * @return The number of extended statistics (xstats filled only when non-NULL and n is
 *   at least that number), or -EINVAL (iommu and bond NULL), -ENOENT (no fault path on
 *   the iommu).
 */
__rte_experimental
int sva_stats_xstats_get(struct sva_iommu *iommu, const struct sva_bond *bond,
		struct sva_xstat *xstats, unsigned int n);

/** rte_log type of lib/sva ("lib.sva"). */
extern int sva_logtype;

#ifdef __cplusplus
}
#endif

#endif /* SVA_H */
