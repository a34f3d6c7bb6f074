/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef SVA_IOPF_H
#define SVA_IOPF_H

/**
 * @file
 * The fault path of one iommu: read page requests in bursts, assemble groups, look the
 * bond up by PASID, validate, populate, answer every group once with one doorbell per
 * burst. lib/sva (sva.h) builds bind/unbind and poll services on it; applications
 * normally use sva.h, and call sva_iopf_poll() only when they run their own loop.
 *
 * Objects:
 *  - struct sva_iopf: the fault path of one iommu (one per iommu). Everything the poll
 *    path needs is allocated here, at creation: the open-group table, the page pool,
 *    the deferred-group ring and the burst scratch. The poll path allocates nothing,
 *    takes no lock and makes no system call but the populate calls (madvise), the
 *    presence scans (PAGEMAP_SCAN), the PROCMAP_QUERY ioctls of "What the resolver
 *    trusts" below and the one PAGEMAP_SCAN ioctl per new THP candidate of "Mappings
 *    newer than the snapshot".
 *  - struct sva_iopf_bond: one (dev, PASID) served by it: options (fault-around window,
 *    auto-invalid, exec/priv allowed), event delivery, statistics.
 *
 * Call order:
 *  1. sva_iopf_create(iommu, conf) (conf NULL: defaults, see sva_iopf_conf_default()).
 *  2. sva_iopf_bond_add(iopf, dev, pasid, conf) after the PASID is attached.
 *  3. sva_iopf_poll(iommu, budget) in a loop on one lcore (or the lib/sva service).
 *  4. sva_iopf_bond_remove(bond) (see "Teardown" below), then detach, then
 *     sva_iopf_drain() until it returns 0 before the PASID number is reused.
 *  5. sva_iopf_destroy(iopf): every bond removed first.
 *
 * One poller per iommu: each poll call takes the iopf with one compare-and-swap and
 * returns -EBUSY at once when another thread holds it (never waits). Control calls that
 * change poller-owned state (bond add/remove, flush, drain, reconfigure) raise a
 * request flag, wait for the running poll call to end (poll calls are bounded by their
 * budget), do their change and give the iopf back. Pollers must run on a thread with
 * an lcore id (an EAL lcore or a thread given one with rte_thread_register()).
 *
 * Group assembly (per iommu): a request belongs to the bond that serves its (dev,
 * PASID), or the dev's RID, when it is read (what keeps successive owners apart is the
 * drain before a PASID or RID passes to a new bond, "Teardown"); a request read while
 * no live bond serves it belongs to no group. A request without LAST waits in the
 * open-group table keyed by (dev, PASID valid, PASID, PRG index) and tagged with the
 * bond it found; LAST
 * closes the group. A request without LAST for no bond opens nothing (its LAST is
 * answered Invalid by the bond rule, which needs none of its pages). A request (LAST
 * or not) that finds an open group of another bond (a stale owner's) discards that
 * group unanswered (partial_discarded): groups never merge across owners. Stop markers
 * (PCIe: LAST, neither read nor write, with a PASID) are dropped and counted; the same
 * bits without a PASID are a request, answered by the rules (R_MALFORMED). A second
 * LAST for a group already closed in the same burst or waiting deferred (whichever
 * burst it is read in) is a duplicate: dropped and counted, the group answered once
 * (the device must not reuse a PRG index before its response). A LAST read after its
 * group's response was written closes a new group, even one the device sent as a
 * duplicate before that response; should the device, taking that response as its own,
 * reuse the PRG index while this new group is in flight (deferred, or kept by a
 * drain), its next group's LAST is a duplicate of it, dropped with its partial group,
 * and the device gets the in-flight group's answer (validated for that group's own
 * pages like any other). A record with
 * a field wider than PCIe allows (PRG index above 511, PASID above 20 bits, dev ID
 * above 31 bits) or of an unknown type is dropped unanswered and counted
 * (malformed_records): a response could not name its group and would answer another.
 *
 * Overflow rule (both models): an SVA_FAULT_OVERFLOW record discards every open group
 * (its pages are forgotten) and marks it incomplete. An incomplete group whose LAST
 * arrives later is answered Invalid (reason SVA_IOPF_R_INCOMPLETE), never Success: an
 * overflow can drop a group's first requests, and Success would claim pages present
 * that were never asked for. A LAST lost to the overflow is answered by the hardware
 * (VT-d auto-responds to dropped LAST requests); an incomplete group whose LAST never
 * comes expires at the open-group deadline, counted. A group that cannot be stored
 * because the page pool is full is marked incomplete in the same way; a request that
 * finds the open-group table full is dropped and its group key remembered (the last
 * 256 such keys), so that its LAST is answered Invalid too (R_INCOMPLETE). Size
 * max_open_groups for 512 groups (the 9-bit PRG index) per dev.
 *
 * Deadline rule: an open group older than conf.group_timeout_us (0: none) is discarded
 * unanswered (timeouts) and its key becomes lost like the above, so that a LAST that
 * still comes is answered Invalid (R_INCOMPLETE) exactly once, never Success for pages
 * the runtime no longer has (the response could not say they were populated). A LAST
 * read after its lost key is forgotten (one more deadline, below) is a new group's, of
 * its own page alone: set the deadline no shorter than the device's own wait for a
 * response, or a late LAST can be answered Success for that page.
 *
 * Lost keys: each is tagged with its bond, and is forgotten when its LAST comes
 * (answered once, as above), when its bond is removed, when a request of another bond
 * finds it, when it is older than the deadline (group_timeout_us, or 1 s without one:
 * the device has given up on the group by then), or when 256 newer keys were lost. A
 * later group of a new owner with the same (dev, PASID, PRG) is served normally.
 *
 * Validation (every page of a closed group, before anything touches memory):
 *  - bond found for (dev, PASID) or, without PASID, the dev's RID bond; else Invalid
 *    (R_UNKNOWN_PASID; R_UNBINDING while the bond is being removed);
 *  - the address canonical and in the user half (R_NON_CANONICAL, R_KERNEL_ADDR);
 *  - execute / privileged requests only on bonds that allow them (R_EXEC, R_PRIV);
 *  - inside a mapping with the permission asked (R_NO_MAPPING, R_PERM: write to
 *    read-only, read of PROT_NONE, execute of non-exec), the mapping being the one
 *    "What the resolver trusts" names.
 *  A group is answered with the worst result of its pages; its valid pages are still
 *  populated (the device's retry of the group needs them), in the burst that answers it.
 *
 * Mappings snapshot: sva_iopf_maps_refresh() reads /proc/self/maps (ranges, rwx; one
 * line per mapping, no page walk, unlike smaps) on the control path
 * and swaps the result in under RCU (rte_rcu_qsbr; pollers are online only inside a
 * poll call). When the maps text and the THP mode are those of the previous refresh,
 * the snapshot is kept as it is. What maps does not say:
 *  - page size: a hugetlb mapping (a file on hugetlbfs, MAP_HUGETLB "/anon_hugepage",
 *    hugetlb memfd or SysV segment) gets the kernel's page size of that mapping
 *    (PROCMAP_QUERY, Linux 6.11+; before: statfs() f_bsize of the file's mount, and
 *    Hugepagesize of /proc/meminfo for "/anon_hugepage"), asked once per device;
 *  - THP eligibility (2 MiB blocks), for anonymous private mappings only, by the mode
 *    of /sys/kernel/mm/transparent_hugepage (hugepages-2048kB/enabled, "inherit": the
 *    top-level enabled) read at every refresh: "never" or prctl(PR_SET_THP_DISABLE):
 *    none; "always" (all but MADV_NOHUGEPAGE ones) and "madvise" (those with
 *    MADV_HUGEPAGE): the kernel's THPeligible of /proc/self/smaps, since maps shows
 *    neither advice. smaps costs several times maps, so it is read
 *    only when an anonymous private mapping holding an aligned 2 MiB block is new,
 *    split, or merged from several since the previous refresh; one whose range is
 *    unchanged, or that grew from one such mapping (brk, a merged neighbour: the
 *    kernel merges only mappings of equal flags), keeps its answer. MADV_HUGEPAGE on
 *    part of a mapping splits it, so it is seen at the next refresh; MADV_HUGEPAGE
 *    or MADV_NOHUGEPAGE of a whole mapping is seen once that mapping is split,
 *    merged or made again.
 * sva_iopf_maps_find() shows what the snapshot holds for an address.
 *
 * Mappings newer than the snapshot (a buffer allocated after sva_bind(), the usual
 * order): no refresh call is needed. A page the snapshot does not hold is a maps miss
 * (maps_misses); its mapping is looked up on the spot with one PROCMAP_QUERY ioctl on
 * /proc/self/maps (Linux 6.11+: range, permissions, and for hugetlb the page size;
 * maps_lookups) and put in the iopf's overlay, which later pages of the same mapping
 * find without another ioctl (maps_overlay_hits), until the next snapshot replaces
 * it (the overlay is emptied when the snapshot generation changes). So such a buffer
 * is checked against its real permissions (R_PERM, R_NO_MAPPING as for the snapshot)
 * and populated at its real page size: hugetlb pages whole; THP eligibility, which the
 * kernel does not report, is learned from the first page populated in the mapping (4
 * KiB: the kernel makes that 2 MiB block one huge page when the mapping is eligible
 * and a huge page is free; one PAGEMAP_SCAN ioctl then says so, maps_thp_probes), and
 * its later 2 MiB blocks are populated as one. Not huge then: 4 KiB pages until the
 * next snapshot (whose smaps read knows).
 * The overlay is the poller's (no lock), sized at create: 32 mappings. Full, the
 * oldest entry is replaced (maps_overlay_evictions) and a background refresh asked.
 * An overlay entry may be of a mapping since unmapped and replaced: it is trusted only
 * for read and write of 4 KiB pages, which the populate call checks again in the
 * kernel; an execute request, a permission the entry lacks, and a populate that fails
 * ask the kernel again (maps_rechecks), and the overlay takes its answer, so the
 * current mapping's permissions apply (a write to a mapping replaced by a read-only
 * one: Invalid, R_PERM). THP blocks and hugetlb pages are widened only by the kernel's
 * current answer, once per burst, as for snapshot entries.
 * Without PROCMAP_QUERY (before Linux 6.11), or when the overlay is full, the poller
 * asks for a refresh (one atomic store) and a control thread of lib/iopf
 * ("sva-maps-bg", started by the first sva_iopf_create(), asleep while no iopf exists)
 * refreshes the snapshot off the poll path: at most once per 100 ms (maps_refresh_requests, maps_bg_refreshes; the
 * thread also runs lib/sva's "no poller" check, sva_iopf_bg_hook_set()). Until then the rule of "the
 * kernel cannot be asked" below applies. The counters: sva_iopf_maps_stats_get(), and
 * "maps_*" in the extended statistics and /sva/stats (sva.h).
 * sva_iopf_maps_refresh() stays useful after mprotect() lowering the permissions of a
 * mapping the snapshot holds (below), and to make a miss-free steady state. A device
 * that keeps asking for a permission a mapping lacks costs one PROCMAP_QUERY per
 * refused page (each refusal is asked again).
 *
 * What the resolver trusts (nothing is ever resolved outside the mapping that holds
 * the request, nor with more than that mapping allows):
 *  - a snapshot entry of 4 KiB pages that is not THP-eligible: the entry, except that
 *    a permission it refuses is asked of the kernel again (PROCMAP_QUERY; the answer
 *    goes to the overlay, whose entries win over the snapshot's): memory unmapped and
 *    mapped again, or mprotect()ed to more, since the snapshot is served by its current
 *    permissions (maps_rechecks; without PROCMAP_QUERY the entry's refusal stands). A
 *    mapping whose permissions were lowered after the snapshot is judged by the old
 *    ones until the next refresh (read and write are still checked by the populate
 *    call; execute is not): call sva_iopf_maps_refresh() after mprotect() lowering
 *    buffers devices use (lib/sva refreshes at every sva_bind(); a refresh that fails
 *    there is logged and the bind goes on with the previous snapshot). A buffer
 *    mmapped after the snapshot needs no call (above).
 *  - an address the overlay holds: the overlay's entry; else one the snapshot does not
 *    hold: the kernel's mapping, then put in the overlay ("Mappings newer than the
 *    snapshot" above).
 *  - an entry (of the snapshot or the overlay) that would populate more than 4 KiB as
 *    one page (a THP block, a hugetlb page): the kernel's current mapping of that
 *    address, asked with one PROCMAP_QUERY ioctl on /proc/self/maps (Linux 6.11+; the
 *    answer is reused for the burst's other pages inside that mapping): its range,
 *    permissions and page size. No mapping: Invalid (R_NO_MAPPING), nothing populated.
 *    THP eligibility, which the kernel does not report, is the entry's only when the
 *    kernel's mapping has exactly the entry's range; otherwise pages are 4 KiB, so a
 *    stale entry (its mapping unmapped and the range mapped again) never widens a page
 *    into a 2 MiB block that now holds other mappings.
 *  - the kernel cannot be asked (before Linux 6.11): an entry's pages are populated at
 *    4 KiB, never widened (the kernel still backs them with a huge page when the
 *    current mapping has one there); an address no entry holds gets read and write
 *    judged by the populate call (the kernel refuses both on a mapping that lacks
 *    them: R_POPULATE; ENOMEM: R_NO_MAPPING), and execute, which populate does not
 *    check, refused (R_NO_MAPPING); a background refresh is asked.
 *  Either way the kernel can back a 4 KiB populate with a transparent huge page, but
 *  only inside the mapping that holds it.
 *
 * Resolve: demand pages are aligned to the mapping's page size (hugetlbfs: its page
 * size; THP-eligible 2 MiB blocks: 2 MiB; else 4 KiB), deduplicated (write wins over
 * read), sorted by (bond, address), coalesced into ranges of adjacent pages of one
 * bond with one access, and populated with one madvise(MADV_POPULATE_WRITE or _READ)
 * per range that is not present already. Presence: one PAGEMAP_SCAN ioctl (Linux 6.7+,
 * /proc/self/pagemap, opened by the first poll call that needs it) per cluster of a
 * bond's ranges with gaps of at most 1 MiB, at most 4 per burst; a range alone is
 * scanned only from 8 pages of 4 KiB (one populate of a shorter one costs what the scan
 * would), and after 4 scans in a row that found nothing present (cold memory) only one
 * chance in 16 scans, until a scan finds a present page. A range is skipped (no madvise; the driver is still told
 * it is resolved) only when the scan saw every page of it present with the access
 * asked: read: present; write: present, not the shared zero page (what a read fault
 * maps), not a file page (a private one needs its copy, a shared one may be mapped
 * read-only for dirty tracking) and no fork() of the process since it started (COW
 * pages are present but read-only, which the scan does not show; after a fork writes
 * are always populated). Anything the scan did not cover, or an error, populates.
 * Before Linux 6.7 (ENOTTY/EINVAL) every range is populated, as without the scan. Not
 * seen by the scan either: entries present but read-only or not valid for the device
 * for other reasons (userfaultfd write protection, KSM, soft-dirty tracking, NUMA
 * hinting, a fork by a raw system call that runs no atfork handler). For those, the
 * retry rule: a page skipped lately (the last 256 skipped pages of the iommu,
 * direct-mapped) and asked for again is populated, so the device pays one retry,
 * never a livelock. Populate errors map to responses by this rule:
 *  - ENOMEM: Invalid (R_NO_MAPPING without a snapshot entry, else R_NOMEM);
 *  - EFAULT, EINVAL, EPERM, EHWPOISON: Invalid (R_POPULATE);
 *  - EINTR, EAGAIN: retried conf.populate_retries times, then Invalid (R_RETRIES);
 *  - any other errno, or the driver refusing the resolved range: Failure
 *    (R_UNEXPECTED / R_DRIVER): the runtime cannot serve this device correctly.
 *  A range that fails is re-populated page by page, so only the groups of the pages
 *  that really fail are refused.
 *  Then sva_iommu_range_resolved() per range (iommufd maps it), then the responses.
 *
 * Budget: when a burst's resolve has run longer than conf.resolve_budget_us, the
 * ranges not yet populated are not populated and their groups are answered with
 * conf.budget_code (Invalid by default, or Failure), reason R_BUDGET. The first range
 * of a burst is always populated, so every burst makes progress. Fault-around spends
 * what the demand pages left of the same budget (measured from the burst's start):
 * past it, no further fault-around range is populated. budget_overruns counts such a
 * burst once, whichever pass ran out.
 *
 * Fault-around: after the burst's responses are written (so speculation never delays
 * a demand page), each Success page of a bond with a window is followed by populating
 * its neighbourhood with the same access (write only if the mapping is writable).
 * The window is in 4 KiB units whatever the page size: [P - before x 4 KiB,
 * P + size + after x 4 KiB) around the demand page P, clamped to P's mapping (the
 * kernel's current one, by the rule above; before Linux 6.11 the snapshot entry,
 * its THP blocks as 4 KiB pages). What is populated is every page of that mapping
 * wholly inside the clamped window, each aligned to its own size within the mapping
 * (hugetlb pages; 2 MiB THP blocks wholly inside the mapping; 4 KiB pages elsewhere,
 * e.g. before the first 2 MiB boundary of a THP mapping with an unaligned start): at
 * most 2 MiB a side (SVA_IOPF_FAULT_AROUND_MAX x 4 KiB), and a window smaller than the
 * mapping's huge pages populates none of them. Errors are only counted.
 * Adaptive (SVA_IOPF_BOND_FA_ADAPTIVE, off unless the bond asks): instead of a fixed
 * window around each page, a window after each demand range (adjacent Success pages of
 * the bond) that grows while the device streams: the bond keeps 4 streams; a range that
 * continues one (starts after the stream's last range, at most 64 KiB past what it was
 * given) doubles its window (16 pages first, then up to fault_around_after, 0 meaning
 * 512: 2 MiB) and gets [range end, range end + window) populated where the stream has
 * not yet, but for one page halfway (a tripwire: the device faults there with half a
 * window still ahead of it, and the next window is populated while it works through
 * that half); a range that continues none halves every window and starts a new stream
 * with none, so random access populates nothing it did not ask for. Same clamping, page
 * sizes and resolve budget as the fixed window.
 *
 * Fairness: a bond may have at most conf.bond_burst_pages demand pages resolved per
 * burst, and at most conf.bond_burst_us of resolve time (estimated before resolving:
 * the group's pages times the bond's recent cost per page, a moving average of what its
 * ranges cost to populate or skip, so a bond faulting fresh pages gets few pages a
 * burst and one asking for present pages many); further groups of that bond are
 * deferred (kept, in order) to the following bursts. A bond's first group in a burst is
 * always taken. The time share counts only while bonds contend (another bond had a
 * group within the last 100 ms): a bond alone keeps whole bursts. While groups wait deferred, or once a bond has used its share of the
 * burst, a burst reads on past its conf.burst
 * records (read-ahead, within the poll call's budget and while the deferred ring, the
 * page pool and the burst's scratch have room): the backlog of a storm moves from the
 * hardware queue into the deferred ring, so another bond's request behind it is read,
 * and answered, in the same burst instead of after the whole backlog.
 *
 * Responses: one per closed group, all groups of a burst written with one
 * sva_iommu_page_response() call (one doorbell). Responses the queue refuses (a short
 * count, or -EAGAIN, -EBUSY, -ENOSPC, -EINTR, -ENOBUFS) are kept, in order, and written
 * first at the next poll call or drain (resp_queue_full); none is ever dropped for
 * being refused: the kept list holds a burst and every deferred group, and nothing is
 * read while it is not empty (back-pressure: poll returns -EAGAIN when it could write
 * none of them). A write the driver refuses with any other errno fails for good: those
 * responses are lost (resp_errors), logged at the 1st, 2nd, 4th, ... such write, the
 * poller goes on reading (the iommu never stalls on it), and the next sva_iopf_drain()
 * returns -EIO once. sva_iopf_destroy() writes the kept responses, trying for 100 ms;
 * what the queue still refuses then (the device is gone) is counted in resp_dropped
 * and logged with the number.
 *
 * Teardown (the two promises: every closed group answered exactly once; no request
 * resolved for anyone but its owner):
 *  - a partial group (no LAST yet) is never answered: at bond removal and destroy it is
 *    discarded (partial_discarded); a flush and a stopping poller leave it open. Its
 *    LAST, when it comes, is answered exactly once by the rules (unknown PASID: Invalid);
 *  - sva_iopf_bond_remove(): the bond stops being found (new requests for it are
 *    answered Invalid, R_UNKNOWN_PASID), its deferred (closed) groups and the stalls a
 *    drain kept for it are answered Invalid / Abort (R_UNBINDING) with one doorbell,
 *    the events a drain kept for it dropped (events_dropped), its partial groups and
 *    lost keys discarded, its statistics added to the iommu's, and it is freed;
 *  - control passes (drain, flush, bond removal) never resolve, populate or call event
 *    callbacks: a drain keeps the closed groups of live bonds (deferred, counted), and
 *    the stalls and events of live bonds (in order, tagged with their bond), for the
 *    poller; only groups and stalls of no bond are answered there (Invalid, Abort);
 *  - a PASID number is reused only after sva_iopf_drain() returned 0: the driver's drain
 *    fence (sva_iommu_prq_drain()) first, then the page request queue and the event
 *    queue each read to empty, and every kept response written. The fence orders both
 *    queues: every page request and every stall or event record of a transaction the
 *    device issued before it is in its queue when it returns (SMMUv3: CMD_SYNC, IHI0070
 *    4.7.3: its completion makes visible the event records of transactions stalled or
 *    terminated before it, as in the stream shutdown of 4.7.2.1). So a stall of a freed
 *    PASID (or RID) is answered Abort before the number passes on, never resolved for
 *    the new owner, which never finds it. Until then the drain says -EAGAIN (lib/sva's
 *    drain hook keeps the number from the allocator meanwhile). The same holds for a
 *    dev's RID: after a
 *    RID bond is removed, a new RID bond of that dev is added only after such a drain
 *    (lib/sva drains at the next RID bind), so a request without PASID the old bond's
 *    device context sent is answered Invalid, never resolved under the new bond. And
 *    for the numbers of nested bonds the allocator does not free: a VM's mapped host
 *    PASID passes to its next bond only after such a drain (sva_vpasid_get() runs the
 *    drain hooks after a put), and a dev's SSIDs after its CD table bond went (lib/sva
 *    drains at the next bind on that dev).
 *
 * Latency: per response, rte_rdtsc() minus the timestamp of the group's first request
 * (SVA_FAULT_PR_TIMESTAMP; without it, the time the record was read), into a
 * histogram of 8 linear sub-buckets per power of two of TSC cycles.
 *
 * Events: unrecoverable records from the event queue go to the bond's callback (on
 * the poll lcore) or into its ring (rte_ring of 128-byte sva_fault elements), counted;
 * records for no bond are counted per iommu. Auto-invalid bonds answer every page
 * request Invalid at once and report each as an SVA_FAULT_UNRECOV record with reason
 * SVA_FAULT_REASON_PRI_INVALID.
 *
 * Stalls (SMMUv3 stall model, IHI0070 3.12.2: platform devices without PRI): an event
 * record with SVA_FAULT_UNRECOV_STALL is a stalled transaction, not an unrecoverable
 * fault. The poller turns each into a single-page fault of the bond its (dev, PASID)
 * finds (dev = StreamID), in the same pass as the records read with it: the same
 * validation, resolve (populate), fault-around, latency and refusal reasons as a
 * page-request group, counted in stalls / stall_resumes / stall_terminates instead of
 * page_reqs / groups / resp_*. Each is answered exactly once, with a response in the
 * stall form (SVA_PAGE_RESP_STALL, grpid = the STAG) in the burst's one batch: Success
 * (CMD_RESUME Retry) when resolved, Invalid (CMD_RESUME Abort, 4.7.1) when refused —
 * also for no bond (unknown or removed PASID or StreamID: R_UNKNOWN_PASID) and on
 * auto-invalid or pinned bonds. Stalls are never deferred by the poller (the device is
 * blocked on them). A record with a StreamID, PASID or STAG wider than the response
 * carries is dropped (malformed_records). Stall records are resolved by a poller only
 * (with the event queue, after the page request queue; first those a drain kept), not
 * while responses are kept (back-pressure). A drain reads them too ("Teardown"): a
 * stall of no bond is answered Abort there, one of a live bond kept for the poller,
 * and answered Abort (R_UNBINDING) if its bond is removed first; so a removed bond
 * leaves no stall to be resolved under a later owner of its PASID. Flush leaves them
 * queued. sva_iopf_destroy() (no bond left) reads the event queue to empty and answers
 * every stall Abort. The driver's
 * response op takes both forms in one batch (SMMUv3: one command queue for
 * CMD_PRI_RESP and CMD_RESUME).
 *
 * Pinned bonds (SVA_IOPF_BOND_PINNED, lib/sva's pinned mode): their memory was made
 * resident and mapped up front, so a page request from their device is an error (the
 * device touched memory outside the pinned ranges, or its PRI is broken). Each group
 * is answered Invalid at once, never resolved, counted under R_PINNED, and logged at
 * the 1st, 2nd, 4th, 8th, ... such group of the bond (WARNING). An auto-invalid bond
 * that is also pinned counts R_AUTO_INVALID (and reports events) instead.
 */

#include <stdint.h>

#include <rte_compat.h>

#include "sva_fault.h"
#include "sva_iommu.h"

#ifdef __cplusplus
extern "C" {
#endif

struct sva_iopf;
struct sva_iopf_bond;
struct rte_ring;

/** Why a group was answered Invalid or Failure. */
enum sva_iopf_reason {
	SVA_IOPF_R_UNKNOWN_PASID = 0, /**< no bond for (dev, PASID), or a freed PASID */
	SVA_IOPF_R_WRONG_DEV,         /**< the PASID is bound, but to another dev */
	SVA_IOPF_R_UNBINDING,         /**< the bond is being removed, or flushed by stop */
	SVA_IOPF_R_NON_CANONICAL,     /**< address not canonical */
	SVA_IOPF_R_KERNEL_ADDR,       /**< address in the kernel half */
	SVA_IOPF_R_NO_MAPPING,        /**< outside every mapping */
	SVA_IOPF_R_PERM,              /**< the mapping lacks the permission asked */
	SVA_IOPF_R_EXEC,              /**< execute request, the bond does not allow it */
	SVA_IOPF_R_PRIV,              /**< privileged request, the bond does not allow it */
	SVA_IOPF_R_MALFORMED,         /**< a request with neither read, write nor execute */
	SVA_IOPF_R_NOMEM,             /**< populate: out of memory */
	SVA_IOPF_R_POPULATE,          /**< populate: EFAULT, EINVAL, EPERM, EHWPOISON */
	SVA_IOPF_R_RETRIES,           /**< populate: EINTR/EAGAIN more than populate_retries */
	SVA_IOPF_R_BUDGET,            /**< the burst's resolve budget ran out */
	SVA_IOPF_R_INCOMPLETE,        /**< members lost (overflow, table full) */
	SVA_IOPF_R_AUTO_INVALID,      /**< the bond answers everything Invalid */
	SVA_IOPF_R_DRIVER,            /**< sva_iommu_range_resolved() failed (Failure) */
	SVA_IOPF_R_UNEXPECTED,        /**< populate: an errno outside the rule (Failure) */
	SVA_IOPF_R_PINNED,            /**< a page request on a pinned bond: its device may touch
				           only the ranges pinned up front (never resolved) */
	SVA_IOPF_R_MAX
};

/** Name of a reason ("unknown_pasid", ...), or "?" when out of range. */
const char *sva_iopf_reason_name(unsigned int reason);

/** Latency histogram buckets: 8 linear sub-buckets per power of two (TSC cycles). */
#define SVA_IOPF_LAT_BUCKETS 352

/**
 * Statistics of a bond or of an iommu (all of its bonds, past and present, plus what
 * belongs to no bond). All counters count since creation or the last reset.
 *
 * Fixed layout: its size depends on SVA_IOPF_R_MAX and SVA_IOPF_LAT_BUCKETS, so a new
 * counter, reason or bucket changes it; it is kept as it is for the SVA_0.1 ABI and may
 * change at the next ABI version. Code that must keep working across versions reads
 * the same counters by name: sva_stats_xstats_names_get() / sva_stats_xstats_get()
 * (sva.h).
 */
struct sva_iopf_stats {
	uint64_t page_reqs;        /**< page requests read (stop markers not included) */
	uint64_t stop_markers;     /**< stop markers dropped */
	uint64_t malformed_records;/**< records dropped unanswered: a PRG index, PASID or dev
				        ID wider than a response can carry, or an unknown
				        record type (the device's group times out) */
	uint64_t groups;           /**< groups answered or dropped as duplicates */
	uint64_t resp_success;     /**< groups answered Success */
	uint64_t resp_invalid;     /**< groups answered Invalid */
	uint64_t resp_failure;     /**< groups answered Failure */
	uint64_t invalid[SVA_IOPF_R_MAX]; /**< Invalid responses by reason */
	uint64_t failure[SVA_IOPF_R_MAX]; /**< Failure responses by reason */
	uint64_t pages_populated;  /**< demand pages made present, in mapping pages */
	uint64_t bytes_populated;  /**< bytes of those pages */
	uint64_t populate_calls;   /**< madvise calls for demand pages */
	uint64_t populate_retries; /**< EINTR/EAGAIN retries */
	uint64_t fault_around_pages;  /**< pages in the fault-around ranges populated (pages
				           already present count too: the kernel does not say) */
	uint64_t fault_around_errors; /**< fault-around ranges the kernel refused */
	uint64_t dup_pages;        /**< page requests merged into another of the same page */
	uint64_t dup_groups;       /**< second LAST of a group still in flight (dropped) */
	uint64_t overflows;        /**< overflow records read */
	uint64_t overflow_groups;  /**< open groups discarded by an overflow */
	uint64_t incomplete_groups;/**< groups that could not be stored (table or pool full) */
	uint64_t timeouts;         /**< open groups discarded at the deadline */
	uint64_t partial_discarded;/**< partial groups (no LAST yet) discarded unanswered: their
				        bond was removed or the iopf destroyed */
	uint64_t budget_overruns;  /**< bursts whose resolve ran out of budget */
	uint64_t deferred;         /**< groups put off to a later burst (fairness), or kept
				        by a drain for the poller */
	uint64_t batches;          /**< response batches written (doorbells); of a bond: the
				        batches that carried its responses */
	uint64_t batch_responses;  /**< responses in those batches: mean = this / batches */
	uint64_t resp_queue_full;  /**< responses the queue refused at first (kept, retried) */
	uint64_t resp_dropped;     /**< kept responses never written: the iopf was destroyed
				        while the queue still refused them (logged) */
	uint64_t resp_errors;      /**< responses the driver refused for good (a negative
				        errno): lost, logged; the next drain says -EIO */
	uint64_t events;           /**< unrecoverable records delivered */
	uint64_t events_dropped;   /**< unrecoverable records not delivered (ring full, no bond) */
	uint64_t maps_misses;      /**< pages resolved outside the mappings snapshot (by the
				        overlay or the kernel; refused ones are counted by
				        their reason): see sva_iopf_maps_stats */
	uint64_t stalls;           /**< stalled transactions answered (SMMUv3 stall model: see
				        "Stalls"); not in page_reqs, groups, resp_* */
	uint64_t stall_resumes;    /**< of those, resolved: CMD_RESUME Retry */
	uint64_t stall_terminates; /**< of those, refused: CMD_RESUME Abort (the reason is
				        counted in invalid[] / failure[]) */
	uint64_t lat_count;        /**< responses measured */
	uint64_t lat_hist[SVA_IOPF_LAT_BUCKETS]; /**< see sva_iopf_lat_bucket_cycles() */
	/* computed by the get calls from lat_hist (upper bound of the bucket), 0 if empty */
	uint64_t lat_p50_ns, lat_p99_ns, lat_p999_ns, lat_max_ns;
};

/** Upper bound, in TSC cycles, of latency bucket b (b < SVA_IOPF_LAT_BUCKETS). */
uint64_t sva_iopf_lat_bucket_cycles(unsigned int b);

/**
 * Per-iommu configuration. A sized struct (README, "API and ABI"): fill it with
 * sva_iopf_conf_default(), which sets size, then change fields. Fields are only ever
 * appended; the library reads the fields that fit in size (see sva_iopf_create()).
 */
struct sva_iopf_conf {
	uint32_t size;              /**< sizeof(struct sva_iopf_conf) as the caller was
				         built; 0: the first layout (burst..budget_code) */
	uint16_t burst;             /**< records per read, 1..256 (default 32) */
	uint32_t max_open_groups;   /**< open groups tracked, 16..65536 (default 1024) */
	uint32_t max_pending_pages; /**< pages held by open and deferred groups (default 8192) */
	uint32_t max_deferred;      /**< deferred groups, power of two (default 1024); also
				         the event records a drain can keep for the poller */
	uint32_t bond_burst_pages;  /**< demand pages per bond per burst (default 64) */
	uint32_t populate_retries;  /**< EINTR/EAGAIN retries (default 3) */
	uint64_t group_timeout_us;  /**< open-group deadline, 0 = none (default 1000000) */
	uint64_t resolve_budget_us; /**< per burst, 0 = none (default 0) */
	uint32_t budget_code;       /**< SVA_PAGE_RESP_INVALID (default) or _FAILURE */
	uint32_t bond_burst_us;     /**< resolve time per bond per burst, estimated from the
				         bond's recent cost per page, while bonds contend (see
				         Fairness); 0 = none (default 20) */
};

/** Fill conf with the defaults, size included (sizeof(struct sva_iopf_conf)). */
void sva_iopf_conf_default(struct sva_iopf_conf *conf);

/**
 * Create the fault path of an iommu.
 *
 * @param conf NULL for the defaults. conf->size says how much of it the caller has:
 *   0 is the first layout (fields burst..budget_code); a smaller size reads only the
 *   fields that fit (the others take their zero value); a larger one (a caller built
 *   against a newer header) is accepted when the bytes this library does not know
 *   are all zero.
 * @return The iopf, or NULL with rte_errno set:
 *   - EINVAL: iommu NULL, a conf field out of range (logged with the field), conf->size
 *     not 0 and smaller than the first layout
 *   - E2BIG: conf->size above this library's struct with a non-zero byte in the part
 *     it does not know (a field it cannot honour), or above 4096
 *   - EEXIST: the iommu has an iopf already
 *   - ENOSPC: too many iopfs (64)
 *   - ENOMEM
 */
struct sva_iopf *sva_iopf_create(struct sva_iommu *iommu, const struct sva_iopf_conf *conf);

/**
 * Destroy an iopf. Partial groups left are discarded; kept responses are written (the
 * @file block, "Responses").
 *
 * @return 0, or -EINVAL (iopf NULL), -EBUSY (bonds remain).
 */
int sva_iopf_destroy(struct sva_iopf *iopf);

/** The iopf of an iommu, or NULL (rte_errno ENOENT; EINVAL for a NULL iommu). */
struct sva_iopf *sva_iopf_get(const struct sva_iommu *iommu);

/** The iommu of an iopf. */
struct sva_iommu *sva_iopf_iommu(const struct sva_iopf *iopf);

/**
 * Change the deadlines of a running iopf (the rest of the conf is fixed at create).
 *
 * @return 0, or -EINVAL (iopf NULL, budget_code neither Invalid nor Failure).
 */
int sva_iopf_deadlines_set(struct sva_iopf *iopf, uint64_t group_timeout_us,
		uint64_t resolve_budget_us, uint32_t budget_code);

/** Event delivery callback, called on the poll lcore: keep it short. */
typedef void (*sva_iopf_event_cb_t)(struct sva_iopf_bond *bond, const struct sva_fault *rec,
		void *arg);

/** @name Bond flags (sva_iopf_bond_conf.flags) */
/** @{ */
#define SVA_IOPF_BOND_RID (1u << 0)          /**< serve requests without PASID from this dev */
#define SVA_IOPF_BOND_AUTO_INVALID (1u << 1) /**< answer Invalid at once, report as event */
#define SVA_IOPF_BOND_ALLOW_EXEC (1u << 2)   /**< execute requests may be resolved */
#define SVA_IOPF_BOND_ALLOW_PRIV (1u << 3)   /**< privileged requests may be resolved */
#define SVA_IOPF_BOND_PINNED (1u << 4)       /**< pinned mode: every page request is an error,
						  answered Invalid (R_PINNED), logged at counts
						  1, 2, 4, ... */
#define SVA_IOPF_BOND_GUEST (1u << 5)        /**< vSVA: gpasid and user_cookie are stamped
						  into every record delivered for the bond
						  (SVA_FAULT_PR_GUEST / SVA_FAULT_UNRECOV_GUEST) */
#define SVA_IOPF_BOND_NESTED (1u << 6)       /**< vSVA nested bond: groups with first-level
						  pages (SVA_FAULT_PR_NESTED_S1) go to the
						  owner (event callback or ring) and are held
						  until sva_iopf_nested_response(); other pages
						  are resolved only inside [ram_base,
						  ram_base + ram_size) (see "Nested") */
#define SVA_IOPF_BOND_ALL_PASIDS (1u << 7)   /**< serve every PASID of the dev (a nested
						  SMMUv3 CD table: SSIDs are the guest's; the
						  record's PASID is stamped as its gpasid);
						  pasid is ignored */
#define SVA_IOPF_BOND_FA_ADAPTIVE (1u << 8)  /**< adaptive fault-around: the window after
						  a demand range grows while the device
						  streams sequentially, shrinks on random
						  access, up to fault_around_after (0: 512)
						  pages; fault_around_before is not used.
						  See Fault-around in the @file block */
/** @} */

/** Largest fault-around window, 4 KiB units each side (2 MiB). */
#define SVA_IOPF_FAULT_AROUND_MAX 512

/**
 * A bond's configuration. A sized struct (README, "API and ABI"): start from
 * `{ .size = sizeof(conf) }` (all other fields' zero value is the default), then set
 * fields. Fields are only ever appended; see sva_iopf_bond_add() for how size is read.
 */
struct sva_iopf_bond_conf {
	uint32_t size;              /**< sizeof(struct sva_iopf_bond_conf) as the caller was
				         built; 0: the first layout (flags..owner) */
	uint32_t flags;             /**< SVA_IOPF_BOND_* */
	uint16_t fault_around_before; /**< 4 KiB units below the faulting page (0..512);
					   see Fault-around in the @file block */
	uint16_t fault_around_after;  /**< 4 KiB units above it (0..512) */
	sva_iopf_event_cb_t event_cb; /**< NULL: no callback */
	void *event_arg;
	struct rte_ring *event_ring; /**< NULL, or a ring of 128-byte elements (single producer) */
	void *owner;                /**< returned by sva_iopf_bond_owner() */
	/* Appended for vSVA (zero: no guest data). */
	uint32_t gpasid;            /**< SVA_IOPF_BOND_GUEST: the guest's PASID (20 bits) */
	uint64_t user_cookie;       /**< SVA_IOPF_BOND_GUEST: opaque, echoed in records */
	uint64_t ram_base;          /**< SVA_IOPF_BOND_NESTED: guest RAM in this process */
	uint64_t ram_size;          /**< SVA_IOPF_BOND_NESTED: its bytes (non-zero) */
};

/**
 * Serve a (dev, PASID) — or, with SVA_IOPF_BOND_RID, the dev's requests without PASID.
 *
 * conf->size is read as sva_iopf_create() reads its conf's: 0 is the first layout
 * (flags..owner), fewer bytes read fewer fields, more are accepted when the unknown
 * bytes are zero.
 *
 * @return The bond, or NULL with rte_errno:
 *   - EINVAL: NULL iopf/dev/conf, dev behind another iommu, PASID beyond the iommu's
 *     bits, unknown flag, window above SVA_IOPF_FAULT_AROUND_MAX, both callback and
 *     ring, ring element size not 128, conf->size not 0 and smaller than the first
 *     layout; gpasid beyond 20 bits (SVA_IOPF_BOND_GUEST); SVA_IOPF_BOND_NESTED with
 *     RID or PINNED, or with guest RAM empty or wrapping; SVA_IOPF_BOND_ALL_PASIDS
 *     with RID, or on an iommu without PASIDs
 *   - E2BIG: conf->size above this library's struct with a non-zero byte in the part
 *     it does not know, or above 4096
 *   - EEXIST: that (dev, PASID) or that dev's RID is served already; every PASID of
 *     the dev is (SVA_IOPF_BOND_ALL_PASIDS bond), or, for SVA_IOPF_BOND_ALL_PASIDS,
 *     some PASID of the dev is
 *   - ENOSPC: 4096 bonds on this iopf, or 64 RID bonds
 *   - ENOMEM
 */
struct sva_iopf_bond *sva_iopf_bond_add(struct sva_iopf *iopf, struct sva_dev *dev,
		uint32_t pasid, const struct sva_iopf_bond_conf *conf);

/**
 * Stop serving a bond. Never fails. What happens: the @file block, "Teardown". Requests
 * already queued for the PASID are answered Invalid when read: detach, then
 * sva_iopf_drain() until 0 before the PASID is reused.
 */
void sva_iopf_bond_remove(struct sva_iopf_bond *bond);

/** A bond's PASID, dev, owner. */
uint32_t sva_iopf_bond_pasid(const struct sva_iopf_bond *bond);
struct sva_dev *sva_iopf_bond_dev(const struct sva_iopf_bond *bond);
void *sva_iopf_bond_owner(const struct sva_iopf_bond *bond);

/**
 * Counters of a nested bond (SVA_IOPF_BOND_NESTED), EXPERIMENTAL: kept apart from the
 * fixed-layout struct sva_iopf_stats. The held groups' responses count there too
 * (groups, resp_*, invalid[]) when they are written.
 */
struct sva_iopf_nested_stats {
	uint64_t s1_groups;        /**< groups handed to the VMM (held) */
	uint64_t s1_records;       /**< first-level page records delivered to the VMM */
	uint64_t s1_undelivered;   /**< groups the VMM could not be handed (ring full, held
				        table full): answered Invalid at once (R_BUDGET) */
	uint64_t s1_refused;       /**< first-level pages on a bond that is not nested
				        (answered Invalid, R_MALFORMED) */
	uint64_t s2_outside_ram;   /**< pages outside guest RAM (Invalid, R_NO_MAPPING) */
	uint64_t vmm_answers;      /**< held groups answered by the VMM (its Invalid and Failure
				        count in invalid[] / failure[R_NO_MAPPING]) */
	uint64_t vmm_timeouts;     /**< held groups answered Invalid at the deadline (also in
				        timeouts and invalid[R_INCOMPLETE]) */
	uint64_t vmm_unbind;       /**< held groups answered Invalid by the bond's removal
				        (invalid[R_UNBINDING]) */
	uint64_t vmm_late;         /**< VMM answers refused: the deadline answered first */
	uint64_t vmm_dup;          /**< VMM answers refused: answered already by the VMM */
	uint64_t vmm_unknown;      /**< VMM answers refused: no such held group */
	uint64_t held_now;         /**< groups held now */
};

/**
 * The VMM's answer to a held first-level group of a nested bond, written to the
 * device (one doorbell). dev_id, pasid and grpid are copied from the group's records
 * (pasid: the host PASID of the record, not its gpasid); code is Success (the guest
 * made the pages present: the device retries), Invalid or Failure. Each held group
 * takes exactly one answer: from the VMM, from the deadline (Invalid, when the VMM
 * does not answer within the iopf's group deadline, 1 s without one), or from the
 * bond's removal (Invalid). Control path: takes the iopf (waits for a running poll
 * call to end); not from an event callback.
 *
 * @return 0, or
 *   - -EINVAL: bond or resp NULL, argsz below sizeof(struct sva_page_response), code
 *     not Success/Invalid/Failure, the bond is not nested
 *   - -EDEADLK: called from the poll thread's event callback (it holds the iopf)
 *   - -EALREADY: that group was answered by the VMM already (counted vmm_dup)
 *   - -ETIMEDOUT: that group's deadline answered it Invalid first (counted vmm_late)
 *   - -ENOENT: no such held group of this bond (counted vmm_unknown): never handed
 *     over, another bond's, or answered so long ago that it is forgotten (the last 256
 *     answers of the iopf are remembered for -EALREADY / -ETIMEDOUT)
 */
__rte_experimental
int sva_iopf_nested_response(struct sva_iopf_bond *bond, const struct sva_page_response *resp);

/**
 * A nested bond's counters (one consistent reading).
 *
 * @return 0, or -EINVAL (NULL argument).
 */
__rte_experimental
int sva_iopf_bond_nested_stats_get(const struct sva_iopf_bond *bond,
		struct sva_iopf_nested_stats *st);

/**
 * Change a bond's fault-around window; takes effect at the next burst.
 *
 * @return 0, or -EINVAL (bond NULL, a side above SVA_IOPF_FAULT_AROUND_MAX).
 */
int sva_iopf_bond_fault_around_set(struct sva_iopf_bond *bond, uint16_t before, uint16_t after);

/**
 * Poll an iommu's page request and event queues: up to budget page-request records,
 * in bursts; then one burst of the event queue. Call from one lcore at a time.
 *
 * The iopf is owned before it is used: a concurrent sva_iopf_destroy() waits for this
 * call to end, or this call finds no iopf.
 *
 * @return
 *   - > 0: records read (page requests and events, those a drain kept included) plus
 *     deferred groups taken plus kept responses written;
 *   - 0: nothing to do (both queues empty, nothing deferred or kept);
 *   - -EBUSY: another thread holds the iopf (another poller, or a control call: bond
 *     add or remove, flush, drain, reconfigure; or this thread, from an event
 *     callback): nothing done, poll again;
 *   - -EAGAIN: responses are kept that the queue would not take (back-pressure):
 *     none of them written, nothing read;
 *   - -ENODEV: the iommu has no iopf (none created, or destroyed), or iommu NULL;
 *   - -EINVAL: the calling thread has no lcore id.
 */
__rte_experimental
int sva_iopf_poll(struct sva_iommu *iommu, unsigned int budget);

/**
 * sva_iopf_poll() given the iopf (no lookup; what lib/sva's poll service calls). The
 * caller keeps the iopf alive (no sva_iopf_destroy() meanwhile).
 *
 * @return As sva_iopf_poll(): > 0, 0, -EBUSY, -EAGAIN, -EINVAL (no lcore id); in a
 *   build with SVA_DEBUG_CHECKS, -ENODEV for a NULL iopf.
 */
__rte_experimental
int sva_iopf_run(struct sva_iopf *iopf, unsigned int budget);

/**
 * Poll calls of an iopf so far: sva_iopf_poll(), sva_iopf_run() (the poll service) and
 * each round of sva_iopf_flush(), counted when they ran (not when -EBUSY); a drain's
 * reads are not (a control call, and it reads the queue empty). Any thread; lib/sva's
 * "no poller" check compares two readings.
 *
 * @return The count (0 for a NULL iopf).
 */
__rte_internal
uint64_t sva_iopf_polls(const struct sva_iopf *iopf);

/**
 * Set the function lib/iopf's background thread ("sva-maps-bg", off every poll lcore)
 * calls every 20 ms while an iopf exists (it sleeps while none does), after its
 * mappings refresh if one was due; NULL: none. One hook (lib/sva's "no poller" check),
 * so that one control thread serves both. The hook runs without lib/iopf's locks held
 * and must not block for long (it delays the refreshes): take locks with trylock.
 */
__rte_internal
void sva_iopf_bg_hook_set(void (*hook)(void));

/**
 * Answer every closed group in flight Invalid (R_UNBINDING), resolving nothing: deferred
 * groups and every group closed by the records still in the queue (read until empty,
 * at most max_reads bursts). Partial groups stay open (their LAST is answered when it
 * comes); events and stalls stay queued (or kept) for the next poller. For an
 * application abandoning its own poll loop; lib/sva does not call it (a stopping poll
 * service leaves requests for the next poller). Control path.
 *
 * @param answered NULL, or where to store how many groups were answered (responses
 *   written or kept), also when it returns -EAGAIN.
 * @return
 *   - 0: the queue was read to empty and every answer written;
 *   - -EAGAIN: answers are kept that the queue would not take (the next poll call or
 *     drain writes them first), or the queue was not empty after max_reads bursts:
 *     call again;
 *   - -EINVAL: iopf NULL.
 */
__rte_experimental
int sva_iopf_flush(struct sva_iopf *iopf, unsigned int max_reads, unsigned int *answered);

/**
 * Drain: the driver's fence (sva_iommu_prq_drain()), then read the page request queue
 * and then the event queue, each until a read finds it empty, on the calling control
 * thread, resolving nothing and calling no callback: groups of no bond (a freed
 * PASID's) are answered by the rules (Invalid) and its stalls Abort; closed groups of
 * live bonds are kept (deferred), and their stalls and events kept, for the poller.
 * After it returns 0, every request and stall a device emitted before the call has
 * been read, those of removed bonds answered, and every kept response written: what a
 * freed PASID needs before its number is reused ("Teardown").
 *
 * Each read takes no more records than there is room to keep (deferred ring, page
 * pool: partial groups hold pool pages until their LAST or deadline).
 *
 * @return 0 (drained), -EAGAIN (kept responses the queue would not take, a queue not
 *   empty after max_reads bursts, or no room left to keep more in the deferred ring,
 *   the page pool or the kept-event ring: the poller must run; try again), -EIO (drained, but responses were refused for good
 *   since the last drain: see "Responses"), the fence's negative errno, -EINVAL (iopf
 *   NULL).
 */
__rte_experimental
int sva_iopf_drain(struct sva_iopf *iopf, unsigned int max_reads);

/**
 * sva_iopf_drain() on every iopf: what a PASID allocator's drain hook calls before a
 * freed PASID number is reused.
 *
 * @return 0, or -EAGAIN (some drain returned it), or another drain's negative errno.
 */
__rte_experimental
int sva_iopf_drain_all(unsigned int max_reads);

/**
 * Statistics of a bond (bond non-NULL) or of the whole iopf (bond NULL).
 *
 * @return 0, or -EINVAL (iopf and bond NULL, stats NULL, bond of another iopf).
 */
int sva_iopf_stats_get(struct sva_iopf *iopf, const struct sva_iopf_bond *bond,
		struct sva_iopf_stats *stats);

/**
 * Reset the statistics of a bond, or of the iopf and all its bonds (bond NULL).
 * Lock-free against the poller (a baseline is taken; get reports the difference).
 *
 * @return 0, or -EINVAL.
 */
int sva_iopf_stats_reset(struct sva_iopf *iopf, struct sva_iopf_bond *bond);

/**
 * Call fn for every bond of an iopf until it returns non-zero (control path, under the
 * iopf's control lock: fn must not add or remove bonds). Have fn stop with a positive
 * value, or a negative errno other than EINVAL, so that its value tells from a refusal.
 *
 * @return 0 (fn returned 0 for every bond, or there are none), the first non-zero value
 *   fn returned, or -EINVAL (iopf or fn NULL: fn not called).
 */
__rte_experimental
int sva_iopf_bond_foreach(struct sva_iopf *iopf,
		int (*fn)(struct sva_iopf_bond *bond, void *arg), void *arg);

/**
 * Where the poll loop's time goes, per iommu: TSC cycles summed over the bursts of
 * sva_iopf_poll() that did work (read records or took deferred groups), one rdtsc at
 * the end of each stage of a burst. Monotonic from sva_iopf_create(); take two
 * readings and subtract. Stages:
 *  - read_decode: reading the page request queue, decoding the records, group
 *    assembly and the bond lookup (deferred groups taken back included);
 *  - validate: pinned and auto-invalid bonds answered, every page checked (canonical,
 *    user half, inside a mapping, permission);
 *  - populate: sort, dedupe, coalesce and populate (the MADV_POPULATE_* system calls);
 *  - respond: building the responses and writing them (the doorbell);
 *  - fault_around: populating around the demand pages, after the responses.
 */
struct sva_iopf_stages {
	uint64_t bursts;        /**< bursts timed */
	uint64_t records;       /**< records read in them */
	uint64_t read_decode;   /**< cycles: read + decode + group + bond lookup */
	uint64_t validate;      /**< cycles: validation */
	uint64_t populate;      /**< cycles: sort, coalesce, populate */
	uint64_t respond;       /**< cycles: responses written */
	uint64_t fault_around;  /**< cycles: fault-around */
	uint64_t tsc_hz;        /**< TSC cycles per second (rte_get_tsc_hz()) */
};

/**
 * Read the stage cycle counters of an iommu's fault path (control path: takes the
 * iopf registry lock, so the iopf cannot be destroyed under it). Also the telemetry
 * command /sva/stages,<iommu name> (no parameter: the iommus that have a fault path).
 *
 * @return 0 and *st filled, or
 *   - -EINVAL: iommu or st NULL
 *   - -ENOENT: the iommu has no fault path (no sva_iopf_create() for it, or destroyed)
 */
__rte_experimental
int sva_iopf_stages_get(const struct sva_iommu *iommu, struct sva_iopf_stages *st);

/**
 * Take a new snapshot of the process's mappings (/proc/self/maps, see the @file block
 * for page sizes and THP eligibility) and swap it in; keep the current one when the
 * mappings did not change. Control path; waits for one grace period of the pollers
 * before freeing the old one. Not needed for buffers mapped after the last snapshot
 * (the fault path looks them up itself: "Mappings newer than the snapshot" in the
 * @file block); needed after mprotect() lowering the permissions of a mapping the
 * snapshot holds ("What the resolver trusts"). lib/sva calls it at every sva_bind(),
 * and the background refresh when the fault path asks.
 *
 * @return 0, or -ENOMEM, -EIO (maps unparsable, logged), or -errno of open/read of
 *   /proc/self/maps or, in THP "madvise" mode, /proc/self/smaps (logged).
 */
__rte_experimental
int sva_iopf_maps_refresh(void);

/**
 * How addresses the mappings snapshot does not hold were judged, per iommu (the overlay
 * is its fault path's; see "Mappings newer than the snapshot" in the @file block). Also
 * in the extended statistics (sva_stats_xstats_get(), names "maps_" + the field) and
 * the telemetry of /sva/stats. Counts since sva_iopf_create() or the last
 * sva_iopf_stats_reset() of the whole iopf.
 */
struct sva_iopf_maps_stats {
	uint64_t lookups;          /**< PROCMAP_QUERY lookups whose answer went into the
				        overlay: addresses the snapshot does not hold, and
				        the rechecks */
	uint64_t overlay_hits;     /**< pages judged by an overlay entry without a lookup */
	uint64_t rechecks;         /**< of the lookups, those of an address an entry held:
				        an execute request on an overlay entry, a permission
				        an entry refused, a populate an overlay entry let
				        through that failed (the mapping may have been
				        replaced since) */
	uint64_t overlay_evictions;/**< entries replaced because the overlay was full */
	uint64_t thp_probes;       /**< PAGEMAP_SCAN reads of a new THP candidate's block */
	uint64_t refresh_requests; /**< background refreshes asked: no PROCMAP_QUERY (before
				        Linux 6.11) or the overlay full */
	uint64_t bg_refreshes;     /**< background refreshes done (process-wide, not reset) */
};

/**
 * Read an iopf's maps counters (control path).
 *
 * @return 0, or -EINVAL (iopf or st NULL).
 */
__rte_experimental
int sva_iopf_maps_stats_get(struct sva_iopf *iopf, struct sva_iopf_maps_stats *st);

/** What the snapshot holds for one mapping (sva_iopf_maps_find()). */
struct sva_iopf_maps_entry {
	uint64_t start, end;  /**< the mapping: [start, end) */
	uint64_t page_size;   /**< 4096, or the hugetlb page size */
	uint64_t gen;         /**< generation of the snapshot */
	uint32_t prot;        /**< PROT_READ | PROT_WRITE | PROT_EXEC */
	uint32_t thp;         /**< 1: 2 MiB blocks inside it populate as one */
};

/**
 * Look an address up in the current snapshot (control path, for tests and tools).
 *
 * @return 0 and *e filled, -EINVAL (e NULL), or -ENOENT (no snapshot yet, or no
 *   mapping of the snapshot holds addr).
 */
__rte_experimental
int sva_iopf_maps_find(uint64_t addr, struct sva_iopf_maps_entry *e);

/** Generation of the current snapshot (0: none yet). */
__rte_experimental
uint64_t sva_iopf_maps_generation(void);

/** rte_log type of lib/iopf ("lib.sva.iopf"). */
extern int sva_iopf_logtype;

#ifdef __cplusplus
}
#endif

#endif /* SVA_IOPF_H */
