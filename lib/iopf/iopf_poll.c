/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The poll loop: read a burst, assemble groups, resolve, answer with one doorbell,
 * then fault-around; then the event queue. Also the control-path passes that share
 * it (flush for a stopping service, drain for a freed PASID, answering a removed
 * bond's groups).
 */
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_lcore.h>
#include <rte_pause.h>
#include <rte_ring.h>
#include <rte_ring_elem.h>

#include "iopf_pvt.h"

/* Control-path passes share one reader id: one at a time. */
static pthread_mutex_t ctl_pass_lock = PTHREAD_MUTEX_INITIALIZER;

/* ---- ownership ---- */

static inline bool
iopf_try_own(struct sva_iopf *f)
{
	uint32_t zero = 0;

	if (__atomic_load_n(&f->ctl_want, __ATOMIC_RELAXED) != 0)
		return false;
	return __atomic_compare_exchange_n(&f->busy, &zero, 1, false, __ATOMIC_ACQUIRE,
			__ATOMIC_RELAXED);
}

void
iopf_own(struct sva_iopf *f)
{
	uint32_t zero;
	unsigned int spins = 0;

	__atomic_fetch_add(&f->ctl_want, 1, __ATOMIC_RELAXED);
	for (;;) {
		zero = 0;
		if (__atomic_compare_exchange_n(&f->busy, &zero, 1, false, __ATOMIC_ACQUIRE,
				__ATOMIC_RELAXED))
			break;
		if (++spins < 1000)
			rte_pause();
		else
			sched_yield();
	}
	pthread_mutex_lock(&ctl_pass_lock);
	iopf_rcu_online(IOPF_CTL_TID);
}

void
iopf_release(struct sva_iopf *f)
{
	iopf_rcu_offline(IOPF_CTL_TID);
	pthread_mutex_unlock(&ctl_pass_lock);
	__atomic_store_n(&f->busy, 0, __ATOMIC_RELEASE);
	__atomic_fetch_sub(&f->ctl_want, 1, __ATOMIC_RELAXED);
}

/* ---- events ---- */

/* A bond bound with guest data gets it in every record it is handed (vSVA: the VMM
 * needs no reverse lookup of the host PASID). */
static const struct sva_fault *
guest_stamp(const struct sva_iopf_bond *bond, const struct sva_fault *rec, struct sva_fault *copy)
{
	if (!(bond->flags & SVA_IOPF_BOND_GUEST))
		return rec;
	*copy = *rec;
	/* a nested CD table bond: SSIDs are the guest's own, gpasid == SSID */
	if (copy->type == SVA_FAULT_UNRECOV) {
		copy->event.flags |= SVA_FAULT_UNRECOV_GUEST;
		copy->event.gpasid = (bond->flags & SVA_IOPF_BOND_ALL_PASIDS) ?
			copy->event.pasid : bond->gpasid;
		copy->event.user_cookie = bond->user_cookie;
	} else if (copy->type == SVA_FAULT_PAGE_REQ) {
		copy->prm.flags |= SVA_FAULT_PR_GUEST;
		copy->prm.gpasid = (bond->flags & SVA_IOPF_BOND_ALL_PASIDS) ?
			copy->prm.pasid : bond->gpasid;
		copy->prm.user_cookie = bond->user_cookie;
	}
	return copy;
}

void
iopf_deliver_event(struct sva_iopf *f, struct sva_iopf_bond *bond, const struct sva_fault *rec)
{
	struct sva_fault copy;

	if (bond == NULL) {
		IOPF_STAT_INC(f->st.events_dropped);
		return;
	}
	rec = guest_stamp(bond, rec, &copy);
	if (bond->event_cb != NULL) {
		bond->event_cb(bond, rec, bond->event_arg);
		IOPF_STAT_INC(bond->st.events);
	} else if (bond->event_ring != NULL &&
			rte_ring_enqueue_elem(bond->event_ring, (void *)(uintptr_t)rec, sizeof(*rec)) == 0) {
		IOPF_STAT_INC(bond->st.events);
	} else {
		IOPF_STAT_INC(bond->st.events_dropped);
	}
}

/*
 * A stalled transaction (SMMUv3 stall model) becomes a closed single-page group of the
 * burst scratch: the same validation and resolve as a page request, answered with the
 * stall form of the response (see "Stalls" in sva_iopf.h).
 */
static void
stall_close(struct sva_iopf *f, const struct sva_fault_unrecov *ev, uint64_t now,
		uint64_t expect_id)
{
	struct iopf_cgroup *cg = &f->cg[f->ncg];
	uint32_t flags = (ev->flags & SVA_FAULT_UNRECOV_PASID_VALID) ? SVA_FAULT_PR_PASID_VALID : 0;
	uint32_t pasid = flags ? ev->pasid : 0;
	unsigned int reason;

	/* a response could not name it (and would resume another transaction) */
	if (unlikely(ev->dev_id > IOPF_DEV_ID_MAX || ev->stag > 0xffff ||
			(flags && ev->pasid > IOPF_PASID_MAX))) {
		IOPF_STAT_INC(f->st.malformed_records);
		return;
	}
	memset(cg, 0, sizeof(*cg));
	/* bit 63 clear: never a page-request group's key (iopf_key) */
	cg->key = (UINT64_C(1) << 62) | ((uint64_t)ev->dev_id << 16) | ev->stag;
	cg->dev_id = ev->dev_id;
	cg->pasid = pasid;
	cg->grpid = ev->stag;
	cg->flags = flags | IOPF_CGF_STALL;
	cg->ts = ev->timestamp != 0 ? ev->timestamp : now;
	cg->first = f->npg;
	f->pg[f->npg].addr = ev->addr & ~UINT64_C(0xfff);
	f->pg[f->npg].perm = ev->perm & IOPF_PERM_MASK; /* no internal marks from a device */
	f->npg++;
	cg->n = 1;
	cg->bond = iopf_bond_lookup(f, flags, ev->dev_id, pasid, &reason);
	if (cg->bond != NULL && expect_id != 0 && cg->bond->id != expect_id) {
		/* kept by a drain for a bond that is gone (its removal answers its kept
		 * stalls, so this cannot happen): never resolved under the new owner */
		cg->bond = NULL;
		reason = SVA_IOPF_R_UNKNOWN_PASID;
	}
	if (cg->bond == NULL)
		iopf_refuse(cg, SVA_PAGE_RESP_INVALID, reason);
	else if (!(ev->flags & SVA_FAULT_UNRECOV_ADDR_VALID))
		iopf_refuse(cg, SVA_PAGE_RESP_INVALID, SVA_IOPF_R_MALFORMED);
	f->ncg++;
}

static void burst_special(struct sva_iopf *f);
static void respond(struct sva_iopf *f);
static uint32_t flush_pending_responses(struct sva_iopf *f);

static inline uint32_t
kev_count(const struct sva_iopf *f)
{
	return f->kev_tail - f->kev_head;
}

/* One event record on the poll path: a stall becomes a closed group of the burst, an
 * event goes to its bond. expect_id: the bond a drain found for it (0: read now). */
static void
event_one(struct sva_iopf *f, const struct sva_fault *rec, uint64_t expect_id, uint64_t now)
{
	struct sva_iopf_bond *bond;
	unsigned int reason;
	uint32_t flags;

	if (rec->type != SVA_FAULT_UNRECOV) {
		IOPF_STAT_INC(f->st.events_dropped);
		return;
	}
	if (rec->event.flags & SVA_FAULT_UNRECOV_STALL) {
		stall_close(f, &rec->event, now, expect_id);
		return;
	}
	flags = (rec->event.flags & SVA_FAULT_UNRECOV_PASID_VALID) ? SVA_FAULT_PR_PASID_VALID : 0;
	bond = iopf_bond_lookup(f, flags, rec->event.dev_id, rec->event.pasid, &reason);
	if (bond != NULL && expect_id != 0 && bond->id != expect_id)
		bond = NULL;
	iopf_deliver_event(f, bond, rec);
}

static uint16_t
poll_events(struct sva_iopf *f)
{
	uint64_t start = rte_rdtsc();
	uint16_t n = 0, kept = 0;

	/* stalls are answered in this pass: read nothing while answers are kept */
	if (f->nresp_pending != 0)
		return 0;
	f->burst_epoch++;
	f->burst_tsc = rte_rdtsc();
	f->ncg = 0;
	f->npg = 0;
	/* first what a drain kept for the poller, in order, then the queue: at most one
	 * burst of records in all (the scratch holds a burst's stalls) */
	while (kev_count(f) != 0 && kept < f->burst) {
		const struct iopf_kept_event *k = &f->kev[f->kev_head++ & f->defer_mask];

		event_one(f, &k->rec, k->bond_id, start);
		kept++;
	}
	if (kept < f->burst)
		n = sva_iommu_evtq_read(f->iommu, f->recs, f->burst - kept);
	for (uint16_t i = 0; i < n; i++)
		event_one(f, &f->recs[i], 0, start);
	if (f->ncg == 0)
		return n + kept;
	burst_special(f);
	iopf_nested_prepare(f);
	iopf_resolve(f, start);
	respond(f);
	iopf_fault_around(f);
	f->ncg = 0;
	return n + kept;
}

/* Destroy (no bond left): every stall still queued is answered Abort (no bond), the
 * other events counted undelivered; at most max_reads bursts. Called owned. */
void
iopf_abort_stalls(struct sva_iopf *f, unsigned int max_reads)
{
	for (unsigned int i = 0; i < max_reads; i++)
		if (poll_events(f) == 0 && (f->nresp_pending == 0 ||
				flush_pending_responses(f) != 0))
			break;
}

/* An auto-invalid bond reports each page request as an unrecoverable fault. */
static void
report_auto_invalid(struct sva_iopf *f, struct iopf_cgroup *cg)
{
	struct sva_fault rec;

	memset(&rec, 0, sizeof(rec));
	rec.type = SVA_FAULT_UNRECOV;
	rec.event.reason = SVA_FAULT_REASON_PRI_INVALID;
	rec.event.flags = SVA_FAULT_UNRECOV_ADDR_VALID |
		((cg->flags & SVA_FAULT_PR_PASID_VALID) ? SVA_FAULT_UNRECOV_PASID_VALID : 0);
	rec.event.pasid = cg->pasid;
	rec.event.dev_id = cg->dev_id;
	rec.event.timestamp = cg->ts;
	for (uint32_t i = 0; i < cg->n; i++) {
		uint32_t perm = f->pg[cg->first + i].perm;

		rec.event.addr = f->pg[cg->first + i].addr;
		rec.event.perm = perm & IOPF_PERM_MASK;
		/* nested: which stage faulted (a first-level one's addr is guest virtual) */
		rec.event.flags &= ~SVA_FAULT_UNRECOV_NESTED_S1;
		if (perm & IOPF_PERM_S1)
			rec.event.flags |= SVA_FAULT_UNRECOV_NESTED_S1;
		iopf_deliver_event(f, cg->bond, &rec);
	}
}

/* A page request on a pinned bond: logged at the 1st, 2nd, 4th, ... group of the bond
 * (rate-limited: a device storming outside its pinned ranges costs a few lines). */
static void
report_pinned(struct sva_iopf *f, struct iopf_cgroup *cg)
{
	uint64_t n = ++cg->bond->pinned_groups;

	if ((n & (n - 1)) != 0)
		return;
	IOPF_LOG(WARNING, "%s: dev 0x%x %s %u: page request at 0x%" PRIx64 " (%s, %u page%s) on "
		"a pinned bond, answered Invalid (%" PRIu64 " such group%s so far): the device "
		"accessed memory outside its pinned ranges (pin it with sva_bond_pin()) or its "
		"PRI misbehaves", sva_iommu_name(f->iommu), cg->dev_id,
		(cg->flags & SVA_FAULT_PR_PASID_VALID) ? "PASID" : "RID", cg->pasid,
		f->pg[cg->first].addr,
		(f->pg[cg->first].perm & SVA_FAULT_PERM_WRITE) ? "write" : "read", cg->n,
		cg->n == 1 ? "" : "s", n, n == 1 ? "" : "s");
}

/* ---- deferred groups (fairness) ---- */

static inline uint32_t
defer_count(const struct sva_iopf *f)
{
	return f->defer_tail - f->defer_head;
}

static inline uint32_t
defer_hash(uint64_t key)
{
	return (uint32_t)((key * UINT64_C(0x9E3779B97F4A7C15)) >> 32) & (IOPF_DEFER_FILTER - 1);
}

/* Is a group of this key waiting in the deferred ring? (The counting filter makes the
 * common answer, no, one load.) */
static bool
defer_has(const struct sva_iopf *f, uint64_t key)
{
	if (f->defer_keys[defer_hash(key)] == 0)
		return false;
	for (uint32_t i = f->defer_head; i != f->defer_tail; i++)
		if (f->defer[i & f->defer_mask].key == key)
			return true;
	return false;
}

/* A deferred group leaves the ring for good (taken into a burst, or answered). */
static inline void
defer_gone(struct sva_iopf *f, const struct iopf_cgroup *cg)
{
	f->defer_keys[defer_hash(cg->key)]--;
}

/* Park a closed group: its pages go back into the pool as a list. */
static bool
defer_push(struct sva_iopf *f, struct iopf_cgroup *cg)
{
	uint32_t head = IOPF_NONE, tail = IOPF_NONE;

	if (defer_count(f) > f->defer_mask || f->pool_size - f->pool_used < cg->n)
		return false;
	for (uint32_t i = 0; i < cg->n; i++)
		head = iopf_pool_put(f, head, f->pg[cg->first + i].addr,
				f->pg[cg->first + i].perm, &tail);
	f->defer[f->defer_tail++ & f->defer_mask] = *cg;
	f->defer[(f->defer_tail - 1) & f->defer_mask].first = head;
	f->defer_keys[defer_hash(cg->key)]++;
	return true;
}

/* Would n more pages put the bond over its share of this burst (pages, or estimated
 * resolve time)? If not, they are counted. The first group is always taken. The time
 * share counts only under contention (another bond had a group in the last
 * IOPF_SHARE_WINDOW_MS): a bond alone gains nothing from it and, where populating is
 * slow (a TCG guest), would get one group per burst. */
static inline bool
over_quota(struct sva_iopf *f, struct sva_iopf_bond *bond, uint32_t n)
{
	uint64_t cost = (uint64_t)n * bond->cyc_per_page;
	bool timed;

	if (bond->burst_epoch != f->burst_epoch) {
		bond->burst_epoch = f->burst_epoch;
		bond->burst_pages = 0;
		bond->burst_cost = 0;
	}
	if (bond != f->share_last_bond) {
		if (f->share_last_bond != NULL)
			f->share_contend_until = f->burst_tsc + f->share_window_cyc;
		f->share_last_bond = bond;
	}
	timed = f->bond_burst_cyc != 0 && f->burst_tsc < f->share_contend_until;
	if (bond->burst_pages > 0 && (bond->burst_pages + n > f->bond_burst_pages ||
			(timed && bond->burst_cost + cost > f->bond_burst_cyc)))
		return true;
	bond->burst_pages += n;
	bond->burst_cost += cost;
	if (bond->burst_pages >= f->bond_burst_pages ||
			(timed && bond->burst_cost >= f->bond_burst_cyc))
		f->share_full_epoch = f->burst_epoch; /* its next group would wait */
	return false;
}

/* Copy a pool list into the burst's page scratch and free it. */
static void
take_pages(struct sva_iopf *f, struct iopf_cgroup *cg, uint32_t head)
{
	cg->first = f->npg;
	for (uint32_t p = head; p != IOPF_NONE; p = f->pool[p].next)
		f->pg[f->npg++] = f->pool[p];
	iopf_pool_free_list(f, head);
}

static void
take_deferred(struct sva_iopf *f)
{
	uint32_t count = defer_count(f);

	for (uint32_t i = 0; i < count; i++) {
		struct iopf_cgroup cg = f->defer[f->defer_head++ & f->defer_mask];
		uint32_t head = cg.first;

		if (f->ncg >= f->burst || over_quota(f, cg.bond, cg.n)) {
			f->defer[f->defer_tail++ & f->defer_mask] = cg; /* stays parked, in order */
			continue;
		}
		defer_gone(f, &cg);
		take_pages(f, &cg, head);
		f->cg[f->ncg++] = cg;
	}
}

/* ---- group assembly ---- */

static void
overflow(struct sva_iopf *f)
{
	IOPF_STAT_INC(f->st.overflows);
	for (uint32_t s = f->age_head; s != IOPF_NONE; s = f->groups[s].next) {
		struct iopf_group *g = &f->groups[s];

		if (g->state != IOPF_G_OPEN)
			continue;
		IOPF_STAT_INC(f->st.overflow_groups);
		IOPF_STAT_ADD(f->st.page_reqs, g->npages);
		iopf_group_mark_incomplete(f, g);
	}
}

/* How long a lost key lives: the open-group deadline, or 1 s without one. */
static inline uint64_t
lost_life(const struct sva_iopf *f)
{
	return f->group_timeout_cyc != 0 ? f->group_timeout_cyc : rte_get_tsc_hz();
}

/* A group that lost a request (table or pool full, deadline) is remembered, with its
 * bond, in a small ring (the oldest forgotten first), so that its LAST is answered
 * Invalid, never as if whole. */
static void
lost_add(struct sva_iopf *f, uint64_t key, uint64_t bond_id, uint64_t now)
{
	struct iopf_lost *l = &f->lost[f->lost_next++ % IOPF_LOST_KEYS];

	if (l->key == 0)
		f->nlost++;
	l->key = key;
	l->bond_id = bond_id;
	l->when = now;
}

static inline void
lost_clear(struct sva_iopf *f, uint32_t i)
{
	f->lost[i].key = 0;
	f->nlost--;
}

/* The lost key of (key, bond), or -1; a lost key of another bond is stale: forgotten. */
static int
lost_find(struct sva_iopf *f, uint64_t key, uint64_t bond_id)
{
	for (uint32_t i = 0; i < IOPF_LOST_KEYS; i++) {
		if (f->lost[i].key != key)
			continue;
		if (f->lost[i].bond_id == bond_id)
			return (int)i;
		lost_clear(f, i);
		return -1;
	}
	return -1;
}

static void
expire_lost(struct sva_iopf *f, uint64_t now)
{
	uint64_t life = lost_life(f);

	for (uint32_t i = 0; i < IOPF_LOST_KEYS && f->nlost != 0; i++)
		if (f->lost[i].key != 0 && now - f->lost[i].when > life)
			lost_clear(f, i);
}

/* Forget the lost keys and discard the partial groups of a bond that goes. */
void
iopf_forget_bond(struct sva_iopf *f, uint64_t bond_id)
{
	uint32_t s, next;

	for (uint32_t i = 0; i < IOPF_LOST_KEYS && f->nlost != 0; i++)
		if (f->lost[i].key != 0 && (bond_id == 0 || f->lost[i].bond_id == bond_id))
			lost_clear(f, i);
	for (s = f->age_head; s != IOPF_NONE; s = next) {
		struct iopf_group *g = &f->groups[s];

		next = g->next;
		if (bond_id != 0 && g->bond_id != bond_id)
			continue;
		IOPF_STAT_INC(f->st.partial_discarded);
		IOPF_STAT_ADD(f->st.page_reqs, g->npages);
		iopf_pool_free_list(f, g->head);
		iopf_group_close(f, g);
	}
}

static struct sva_iopf_bond *
bond_by_id(const struct sva_iopf *f, uint64_t key, uint64_t bond_id)
{
	unsigned int reason;
	struct sva_iopf_bond *b = iopf_bond_lookup(f, (uint32_t)(key >> 31) & 1,
			(uint32_t)(key >> 32) & 0x7fffffff, (uint32_t)(key >> 9) & 0xfffff, &reason);

	return b != NULL && b->id == bond_id ? b : NULL;
}

/* A group past its deadline is discarded; its key is remembered as lost, so that its
 * LAST, should it still come, is answered Invalid (R_INCOMPLETE): its pages are gone. */
static void
expire_groups(struct sva_iopf *f, uint64_t now)
{
	while (f->age_head != IOPF_NONE) {
		struct iopf_group *g = &f->groups[f->age_head];
		struct sva_iopf_bond *bond;

		if (now - g->opened <= f->group_timeout_cyc)
			break;
		bond = bond_by_id(f, g->key, g->bond_id);
		if (bond != NULL) {
			IOPF_STAT_INC(bond->st.timeouts);
			IOPF_STAT_ADD(bond->st.page_reqs, g->npages);
		} else {
			IOPF_STAT_INC(f->st.timeouts);
			IOPF_STAT_ADD(f->st.page_reqs, g->npages);
		}
		lost_add(f, g->key, g->bond_id, now);
		iopf_pool_free_list(f, g->head);
		iopf_group_close(f, g);
	}
}

/* Drop a partial group whose bond is not the one its new request belongs to. */
static void
discard_stale(struct sva_iopf *f, struct iopf_group *g)
{
	IOPF_STAT_INC(f->st.partial_discarded);
	IOPF_STAT_ADD(f->st.page_reqs, g->npages);
	iopf_pool_free_list(f, g->head);
	iopf_group_close(f, g);
}

/* A LAST for a group still in flight: closed in this burst or waiting deferred. (No
 * record is read while responses are kept unwritten, so no group waits there.) */
static bool
in_flight(const struct sva_iopf *f, uint64_t key)
{
	for (uint32_t i = 0; i < f->ncg; i++)
		if (f->cg[i].key == key)
			return true;
	if (unlikely(f->nheld != 0) && iopf_held_has(f, key))
		return true; /* held for the VMM: answered once, by it or its deadline */
	return defer_count(f) != 0 && defer_has(f, key);
}

/* A page's permission as the group keeps it: the request's, and whether it is a
 * first-level (nested S1) page, which is never resolved here. Other high bits of a
 * device's perm are dropped. */
static inline uint32_t
page_perm(struct sva_iopf *f, const struct sva_fault_page_req *pr)
{
	if (unlikely(pr->flags & SVA_FAULT_PR_NESTED_S1)) {
		f->s1_seen = 1;
		return (pr->perm & IOPF_PERM_MASK) | IOPF_PERM_S1;
	}
	return pr->perm & IOPF_PERM_MASK;
}

static void
close_group(struct sva_iopf *f, const struct sva_fault_page_req *pr, uint32_t pasid,
		uint64_t key, struct iopf_group *g, uint64_t ts)
{
	struct iopf_cgroup *cg = &f->cg[f->ncg];
	struct sva_iopf_bond *bond;
	unsigned int reason;
	int lost;

	/* a second LAST of a group still in flight: the device reused a PRG index before
	 * its response (or the queue duplicated the entry) */
	if (in_flight(f, key)) {
		IOPF_STAT_INC(f->st.dup_groups);
		IOPF_STAT_INC(f->st.page_reqs);
		if (g != NULL) {
			IOPF_STAT_ADD(f->st.page_reqs, g->npages);
			iopf_pool_free_list(f, g->head);
			iopf_group_close(f, g);
		}
		return;
	}
	bond = iopf_bond_lookup(f, pr->flags, pr->dev_id, pasid, &reason);
	if (unlikely(g != NULL && (bond == NULL || g->bond_id != bond->id))) {
		discard_stale(f, g); /* another owner's partial group: never merged */
		g = NULL;
	}
	memset(cg, 0, sizeof(*cg));
	cg->key = key;
	cg->dev_id = pr->dev_id;
	cg->pasid = pasid;
	cg->grpid = pr->grpid;
	cg->flags = pr->flags;
	cg->cookie = pr->cookie;
	if (pr->flags & SVA_FAULT_PR_PRIV_DATA) {
		cg->priv[0] = pr->private_data[0];
		cg->priv[1] = pr->private_data[1];
	}
	cg->ts = ts;
	cg->first = f->npg;
	if (g != NULL) {
		cg->ts = g->ts;
		if (g->state == IOPF_G_INCOMPLETE)
			iopf_refuse(cg, SVA_PAGE_RESP_INVALID, SVA_IOPF_R_INCOMPLETE);
		take_pages(f, cg, g->head);
		iopf_group_close(f, g);
	} else if (unlikely(f->nlost != 0) &&
			(lost = lost_find(f, key, bond != NULL ? bond->id : 0)) >= 0) {
		lost_clear(f, (uint32_t)lost);
		iopf_refuse(cg, SVA_PAGE_RESP_INVALID, SVA_IOPF_R_INCOMPLETE);
	}
	f->pg[f->npg].addr = pr->addr;
	f->pg[f->npg].perm = page_perm(f, pr);
	f->npg++;
	cg->n = f->npg - cg->first;

	cg->bond = bond;
	if (cg->bond == NULL) {
		iopf_refuse(cg, SVA_PAGE_RESP_INVALID, reason);
	} else if (cg->code == SVA_PAGE_RESP_SUCCESS &&
			!(cg->bond->flags & (SVA_IOPF_BOND_AUTO_INVALID | SVA_IOPF_BOND_PINNED)) &&
			over_quota(f, cg->bond, cg->n) && defer_push(f, cg)) {
		IOPF_STAT_INC(cg->bond->st.deferred);
		f->npg = cg->first;
		return;
	}
	f->ncg++;
}

static void
decode(struct sva_iopf *f, const struct sva_fault *rec, uint64_t now)
{
	const struct sva_fault_page_req *pr = &rec->prm;
	struct iopf_group *g = NULL;
	struct sva_iopf_bond *bond;
	unsigned int reason;
	uint32_t pasid;
	uint64_t ts, key;

	if (unlikely(rec->type != SVA_FAULT_PAGE_REQ)) {
		if (rec->type == SVA_FAULT_OVERFLOW)
			overflow(f);
		else
			IOPF_STAT_INC(f->st.malformed_records);
		return;
	}
	/* A field wider than PCIe allows cannot be named in a response: answering it would
	 * answer another group (the key and the response keep only the low bits). */
	if (unlikely(pr->grpid > IOPF_PRG_INDEX_MAX || pr->dev_id > IOPF_DEV_ID_MAX ||
			((pr->flags & SVA_FAULT_PR_PASID_VALID) && pr->pasid > IOPF_PASID_MAX))) {
		IOPF_STAT_INC(f->st.malformed_records);
		return;
	}
	/* PCIe: a Stop Marker is Last, neither read nor write, with a PASID; without a PASID
	 * the same bits are a request (answered by the rules: R_MALFORMED) */
	if (unlikely((pr->flags & SVA_FAULT_PR_LAST_PAGE) &&
			(pr->flags & SVA_FAULT_PR_PASID_VALID) &&
			!(pr->perm & (SVA_FAULT_PERM_READ | SVA_FAULT_PERM_WRITE)))) {
		IOPF_STAT_INC(f->st.stop_markers);
		return;
	}
	pasid = (pr->flags & SVA_FAULT_PR_PASID_VALID) ? pr->pasid : 0;
	ts = (pr->flags & SVA_FAULT_PR_TIMESTAMP) ? pr->timestamp : now;
	key = iopf_key(pr->dev_id, pr->flags, pasid, pr->grpid);
	if (f->ngroups != 0)
		g = iopf_group_find(f, key);
	if (pr->flags & SVA_FAULT_PR_LAST_PAGE) {
		close_group(f, pr, pasid, key, g, ts);
		return;
	}
	/* a request without LAST for no bond opens nothing: its LAST is answered Invalid
	 * by the bond rule, which needs none of its pages */
	bond = iopf_bond_lookup(f, pr->flags, pr->dev_id, pasid, &reason);
	if (unlikely(g != NULL && (bond == NULL || g->bond_id != bond->id))) {
		discard_stale(f, g);
		g = NULL;
	}
	if (bond == NULL) {
		IOPF_STAT_INC(f->st.page_reqs);
		return;
	}
	if (g == NULL) {
		if (unlikely(f->nlost != 0) && lost_find(f, key, bond->id) >= 0) {
			IOPF_STAT_INC(f->st.page_reqs); /* its group lost a request already */
			return;
		}
		g = iopf_group_open(f, key, ts, now);
		if (g == NULL) {
			/* no slot: the request is lost, its LAST will be answered Invalid */
			IOPF_STAT_INC(f->st.incomplete_groups);
			IOPF_STAT_INC(f->st.page_reqs);
			lost_add(f, key, bond->id, now);
			return;
		}
		g->bond_id = bond->id;
	}
	if (g->state == IOPF_G_INCOMPLETE) {
		IOPF_STAT_INC(f->st.page_reqs);
		return;
	}
	if (!iopf_group_add_page(f, g, pr->addr, page_perm(f, pr))) {
		IOPF_STAT_INC(f->st.incomplete_groups);
		IOPF_STAT_ADD(f->st.page_reqs, g->npages + 1);
		iopf_group_mark_incomplete(f, g);
	}
}

/* ---- responses ---- */

/* Driver refusals that pass (the queue is full or busy): the responses are kept. Any
 * other negative errno refuses them for good. */
static inline bool
resp_transient(int r)
{
	return r == -EAGAIN || r == -EBUSY || r == -ENOSPC || r == -EINTR || r == -ENOBUFS;
}

/* Write up to n responses with one call: how many the driver took, or refused for good
 * (those are lost: counted, logged at the 1st, 2nd, 4th, ... time, and remembered for
 * the next drain to report). */
static uint32_t
resp_write(struct sva_iopf *f, const struct sva_page_response *resp, uint32_t n)
{
	int r = sva_iommu_page_response(f->iommu, resp, (uint16_t)RTE_MIN(n, (uint32_t)UINT16_MAX));
	uint64_t k;

	if (r >= 0)
		return (uint32_t)r;
	if (resp_transient(r))
		return 0;
	n = RTE_MIN(n, (uint32_t)UINT16_MAX);
	IOPF_STAT_ADD(f->st.resp_errors, n);
	f->resp_error = r;
	k = ++f->resp_errors_logged;
	if ((k & (k - 1)) == 0)
		IOPF_LOG(ERR, "%s: the driver refused %u response(s) for good (%s; %" PRIu64
			" such write%s so far): those groups are never answered, the device's "
			"groups time out", sva_iommu_name(f->iommu), n, strerror(-r), k,
			k == 1 ? "" : "s");
	return n;
}

/* Write the kept responses first, in order; returns how many are still kept. */
static uint32_t
flush_pending_responses(struct sva_iopf *f)
{
	while (f->nresp_pending != 0) {
		uint32_t m = RTE_MIN(f->nresp_pending, 4096u), w = resp_write(f, f->resp_pending, m);

		if (w != 0 && w < f->nresp_pending)
			memmove(f->resp_pending, f->resp_pending + w,
				(f->nresp_pending - w) * sizeof(*f->resp_pending));
		f->nresp_pending -= w;
		if (w < m)
			break;
	}
	return f->nresp_pending;
}

/* Write responses behind the kept ones; what the queue refuses now is kept for the next
 * poll call or drain, never dropped. The kept list holds a burst's responses and every
 * deferred group (resp_pending_cap), and nothing is read while it is not empty, so it
 * cannot overflow. */
void
iopf_write_responses(struct sva_iopf *f, struct sva_page_response *resp, uint32_t n)
{
	uint32_t done = 0;

	/* one call: one doorbell for the batch */
	if (f->nresp_pending == 0 || flush_pending_responses(f) == 0)
		done = resp_write(f, resp, n);
	if (done == n)
		return;
	if (unlikely(f->nresp_pending + (n - done) > f->resp_pending_cap)) {
		/* cannot happen (see above); said loudly if it ever does */
		IOPF_LOG(ERR, "%s: %u response(s) dropped: the kept list is full (%u)",
			sva_iommu_name(f->iommu), n - done, f->resp_pending_cap);
		IOPF_STAT_ADD(f->st.resp_dropped, n - done);
		n = done + (f->resp_pending_cap - f->nresp_pending);
	}
	memcpy(f->resp_pending + f->nresp_pending, resp + done, (n - done) * sizeof(*resp));
	f->nresp_pending += n - done;
	IOPF_STAT_ADD(f->st.resp_queue_full, n - done);
}

/* Write the kept responses, trying for up to wait_us; how many are still kept. */
int
iopf_write_kept(struct sva_iopf *f, uint64_t wait_us)
{
	uint64_t end = rte_get_timer_cycles() + wait_us * (rte_get_timer_hz() / 1000000);

	while (flush_pending_responses(f) != 0 && rte_get_timer_cycles() < end)
		rte_delay_us_sleep(100);
	return (int)f->nresp_pending;
}

static void
respond(struct sva_iopf *f)
{
	struct sva_page_response *resp = f->resp;
	uint64_t now;
	uint32_t n = 0;

	if (f->ncg == 0)
		return;
	now = rte_rdtsc();
	for (uint32_t i = 0; i < f->ncg; i++) {
		struct iopf_cgroup *cg = &f->cg[i];
		struct sva_iopf_stats *st = cg->bond != NULL ? &cg->bond->st : &f->st;
		struct sva_page_response *r;

		if (unlikely(cg->flags & IOPF_CGF_HELD))
			continue; /* the VMM answers it (sva_iopf_nested_response()) */
		r = &resp[n++];
		r->argsz = sizeof(*r);
		r->flags = (cg->flags & SVA_FAULT_PR_PASID_VALID) ? SVA_PAGE_RESP_PASID_VALID : 0;
		r->dev_id = cg->dev_id;
		r->pasid = cg->pasid;
		r->grpid = cg->grpid;
		r->code = cg->code;
		r->cookie = cg->cookie;
		r->reserved = 0;
		r->private_data[0] = cg->priv[0];
		r->private_data[1] = cg->priv[1];

		if (cg->flags & IOPF_CGF_STALL) {
			/* CMD_RESUME: Retry when resolved, else Abort (4.7.1) */
			r->flags |= SVA_PAGE_RESP_STALL;
			if (cg->code != SVA_PAGE_RESP_SUCCESS)
				r->code = SVA_PAGE_RESP_INVALID;
		} else {
			IOPF_STAT_INC(st->groups);
			IOPF_STAT_ADD(st->page_reqs, cg->n);
		}
		if (cg->bond != NULL) {
			/* f->st.batches is about to count this batch */
			if (cg->bond->last_batch != f->st.batches + 1) {
				cg->bond->last_batch = f->st.batches + 1;
				IOPF_STAT_INC(st->batches);
			}
			IOPF_STAT_INC(st->batch_responses);
		}
		if (cg->flags & IOPF_CGF_STALL) {
			IOPF_STAT_INC(st->stalls);
			if (cg->code == SVA_PAGE_RESP_SUCCESS) {
				IOPF_STAT_INC(st->stall_resumes);
			} else {
				IOPF_STAT_INC(st->stall_terminates);
				iopf_count_refusal(st, cg->code, cg->reason);
			}
		} else if (cg->code == SVA_PAGE_RESP_SUCCESS) {
			IOPF_STAT_INC(st->resp_success);
		} else {
			if (cg->code == SVA_PAGE_RESP_FAILURE)
				IOPF_STAT_INC(st->resp_failure);
			else
				IOPF_STAT_INC(st->resp_invalid);
			iopf_count_refusal(st, cg->code, cg->reason);
		}
		IOPF_STAT_INC(st->lat_hist[iopf_lat_bucket(now > cg->ts ? now - cg->ts : 0)]);
		IOPF_STAT_INC(st->lat_count);
	}
	if (n == 0)
		return;
	IOPF_STAT_INC(f->st.batches);
	IOPF_STAT_ADD(f->st.batch_responses, n);
	if (n != 0)
		iopf_write_responses(f, resp, n);
}

/* ---- the loop ---- */

/* Auto-invalid and pinned bonds answer their groups (and stalls) Invalid at once. */
static void
burst_special(struct sva_iopf *f)
{
	for (uint32_t i = 0; i < f->ncg; i++) {
		struct iopf_cgroup *cg = &f->cg[i];

		if (cg->bond == NULL || cg->code != SVA_PAGE_RESP_SUCCESS ||
				!(cg->bond->flags & (SVA_IOPF_BOND_AUTO_INVALID |
					SVA_IOPF_BOND_PINNED)))
			continue;
		if (cg->bond->flags & SVA_IOPF_BOND_AUTO_INVALID) {
			iopf_refuse(cg, SVA_PAGE_RESP_INVALID, SVA_IOPF_R_AUTO_INVALID);
			report_auto_invalid(f, cg);
		} else {
			iopf_refuse(cg, SVA_PAGE_RESP_INVALID, SVA_IOPF_R_PINNED);
			report_pinned(f, cg);
		}
	}
}

/*
 * Read on past the burst while groups wait deferred, or a bond used its share of the
 * burst (a bond over its share may have a backlog in the queue): closed groups of bonds within their share join the burst, the others are
 * deferred, so a request queued behind another bond's backlog is answered in this
 * burst. Reads only what the scratch (groups, pages), the page pool and the deferred
 * ring can take whatever the records turn out to be (each record closes at most one
 * group and adds at most one page), and at most max records. Returns the records read.
 */
static uint32_t
read_ahead(struct sva_iopf *f, unsigned int max, uint64_t now)
{
	uint32_t total = 0;

	for (;;) {
		uint32_t room = RTE_MIN((uint32_t)f->burst, max - total);
		uint16_t n;

		room = RTE_MIN(room, f->cg_cap - f->ncg);
		room = RTE_MIN(room, (f->defer_mask + 1) - defer_count(f));
		room = RTE_MIN(room, f->pool_size - f->pool_used);
		if (f->pg_cap < f->npg + f->pool_used + room)
			room = f->pg_cap > f->npg + f->pool_used ?
				f->pg_cap - f->npg - f->pool_used : 0;
		if (room == 0)
			break;
		n = sva_iommu_prq_read(f->iommu, f->recs, (uint16_t)room);
		for (uint16_t i = 0; i < n; i++)
			decode(f, &f->recs[i], now);
		total += n;
		IOPF_STAT_ADD(f->read_ahead_recs, n);
		if (n < room)
			break;
	}
	return total;
}

static void
flush_mark(struct sva_iopf *f)
{
	for (uint32_t i = 0; i < f->ncg; i++)
		iopf_refuse(&f->cg[i], SVA_PAGE_RESP_INVALID, SVA_IOPF_R_UNBINDING);
}

int
iopf_poll_owned(struct sva_iopf *f, unsigned int budget, int mode)
{
	uint64_t now = rte_rdtsc();
	unsigned int work = 0;

	/* one plain store on x86: the owner is the only writer */
	__atomic_store_n(&f->npolls, f->npolls + 1, __ATOMIC_RELAXED);
	if (f->nresp_pending != 0) {
		uint32_t kept = f->nresp_pending;

		/* the device has not taken the last answers yet (back-pressure): nothing is
		 * read until it has; "nothing to do" is not what this is */
		if (flush_pending_responses(f) != 0)
			return kept != f->nresp_pending ? (int)(kept - f->nresp_pending) : -EAGAIN;
		work = kept;
	}
	if (f->group_timeout_cyc != 0 && f->age_head != IOPF_NONE)
		expire_groups(f, now);
	if (unlikely(f->nlost != 0))
		expire_lost(f, now);
	if (unlikely(f->nheld != 0) && mode == IOPF_MODE_RESOLVE)
		iopf_held_expire(f, now);

	while (work < budget) {
		uint16_t want = (uint16_t)RTE_MIN((unsigned int)f->burst, budget - work), n = 0;
		uint32_t nread;
		uint64_t burst_start = rte_rdtsc(), t_dec, t_res, t_resp;

		f->burst_epoch++;
		f->burst_tsc = rte_rdtsc();
		f->ncg = 0;
		f->npg = 0;
		if (defer_count(f) != 0)
			take_deferred(f);
		work += f->ncg;
		/* read only while every group this burst can close fits the scratch */
		if (f->pool_size + f->burst - f->pool_used >= want)
			n = sva_iommu_prq_read(f->iommu, f->recs, want);
		for (uint16_t i = 0; i < n; i++)
			decode(f, &f->recs[i], burst_start);
		nread = n;
		work += n;
		if (n == want && work < budget && mode == IOPF_MODE_RESOLVE &&
				(defer_count(f) != 0 || f->share_full_epoch == f->burst_epoch))
			nread += read_ahead(f, budget - work, burst_start);
		work += nread - n;
		t_dec = rte_rdtsc();
		if (f->ncg == 0 && n == 0)
			break;
		if (mode == IOPF_MODE_FLUSH)
			flush_mark(f);
		burst_special(f);
		if (mode == IOPF_MODE_RESOLVE) {
			iopf_nested_prepare(f);
			iopf_resolve(f, burst_start);
			iopf_nested_hold(f);
		}
		t_res = rte_rdtsc();
		respond(f);
		t_resp = rte_rdtsc();
		if (mode == IOPF_MODE_RESOLVE) {
			iopf_fault_around(f);
			iopf_stages_add(f, burst_start, t_dec, t_res, t_resp, nread);
		}
		if (n < want && defer_count(f) == 0)
			break;
		if (f->nresp_pending != 0)
			break;
	}
	/* events go to user callbacks: only a poller delivers them. Their records count as
	 * work: 0 says both queues were idle */
	if (mode == IOPF_MODE_RESOLVE)
		work += poll_events(f);
	return (int)work;
}

uint64_t
sva_iopf_polls(const struct sva_iopf *f)
{
	return f != NULL ? __atomic_load_n(&f->npolls, __ATOMIC_RELAXED) : 0;
}

int
sva_iopf_run(struct sva_iopf *f, unsigned int budget)
{
	unsigned int tid = rte_lcore_id();
	int ret;

#ifdef SVA_DEBUG_CHECKS
	if (f == NULL)
		return -ENODEV;
#endif
	if (unlikely(tid >= RTE_MAX_LCORE))
		return -EINVAL;
	if (!iopf_try_own(f))
		return -EBUSY; /* another poller, or a control call: not "nothing to do" */
	iopf_rcu_online(tid);
	iopf_polling = f;
	ret = iopf_poll_owned(f, budget, IOPF_MODE_RESOLVE);
	iopf_polling = NULL;
	iopf_rcu_offline(tid);
	__atomic_store_n(&f->busy, 0, __ATOMIC_RELEASE);
	return ret;
}

/* Answer every deferred (closed) group of one bond (bond NULL: of every bond) with
 * `reason`, one doorbell per scratch-full; with `kept`, also the stalls a drain kept for
 * it (Abort), and drop the events kept for it (the bond goes). Called owned. */
static int
answer_deferred(struct sva_iopf *f, struct sva_iopf_bond *bond, unsigned int reason, bool kept)
{
	uint32_t count = defer_count(f);
	int answered = 0;

	f->ncg = 0;
	f->npg = 0;
	for (uint32_t i = 0; i < count; i++) {
		struct iopf_cgroup cg = f->defer[f->defer_head++ & f->defer_mask];

		if (bond != NULL && cg.bond != bond) {
			f->defer[f->defer_tail++ & f->defer_mask] = cg;
			continue;
		}
		if (f->ncg == f->cg_cap) {
			respond(f);
			answered += f->ncg;
			f->ncg = 0;
			f->npg = 0;
		}
		defer_gone(f, &cg);
		iopf_pool_free_list(f, cg.first);
		cg.first = f->npg;
		iopf_refuse(&cg, SVA_PAGE_RESP_INVALID, reason);
		f->cg[f->ncg++] = cg;
	}
	/* event records a drain kept for it: its stalls answered Abort with the same
	 * doorbell, its other events dropped (counted: nobody is left to take them) */
	count = kept ? kev_count(f) : 0;
	for (uint32_t i = 0; i < count; i++) {
		struct iopf_kept_event k = f->kev[f->kev_head++ & f->defer_mask];
		uint32_t ncg = f->ncg;

		if (bond != NULL && k.bond_id != bond->id) {
			f->kev[f->kev_tail++ & f->defer_mask] = k; /* stays kept, in order */
			continue;
		}
		if (k.rec.type != SVA_FAULT_UNRECOV ||
				!(k.rec.event.flags & SVA_FAULT_UNRECOV_STALL)) {
			IOPF_STAT_INC((bond != NULL ? &bond->st : &f->st)->events_dropped);
			continue;
		}
		if (f->ncg == f->cg_cap || f->npg == f->pg_cap) {
			respond(f);
			answered += f->ncg;
			f->ncg = 0;
			f->npg = 0;
			ncg = 0;
		}
		stall_close(f, &k.rec.event, rte_rdtsc(), 0);
		if (f->ncg != ncg) /* its bond is still found while it goes: refuse it */
			iopf_refuse(&f->cg[ncg], SVA_PAGE_RESP_INVALID, reason);
	}
	respond(f);
	answered += f->ncg;
	f->ncg = 0;
	return answered;
}

/* A bond goes (bond NULL: the iopf): its closed groups are answered (`reason`), its
 * partial groups and lost keys discarded unanswered. Called owned. */
int
iopf_answer_bond(struct sva_iopf *f, struct sva_iopf_bond *bond, unsigned int reason)
{
	int answered;

	iopf_forget_bond(f, bond != NULL ? bond->id : 0);
	answered = answer_deferred(f, bond, reason, true);
	if (f->nheld != 0)
		answered += iopf_held_answer_bond(f, bond, reason);
	return answered;
}

int
sva_iopf_flush(struct sva_iopf *f, unsigned int max_reads, unsigned int *answered)
{
	unsigned int n = 0;
	bool empty = false;
	int ret;

	if (f == NULL)
		return -EINVAL;
	iopf_own(f);
	for (unsigned int i = 0; i < max_reads; i++) {
		uint64_t before = f->st.batch_responses;
		int work = iopf_poll_owned(f, f->burst, IOPF_MODE_FLUSH);

		n += (unsigned int)(f->st.batch_responses - before);
		/* less than a budget of work, and no answer kept back: the queue was read
		 * to empty (a full budget may have left records in it) */
		if (work <= 0 || (unsigned int)work < f->burst) {
			empty = work >= 0 && f->nresp_pending == 0;
			break;
		}
	}
	/* deferred groups are closed: answered; partial groups stay for their LAST */
	n += (unsigned int)answer_deferred(f, NULL, SVA_IOPF_R_UNBINDING, false);
	ret = empty && f->nresp_pending == 0 ? 0 : -EAGAIN;
	if (answered != NULL)
		*answered = n;
	iopf_release(f);
	return ret;
}

/* Drain: keep the closed groups of live bonds for the poller (deferred: they are
 * resolved, and their events reported, on the poll lcore); the rest (no bond) are
 * answered now, by the rules, without resolving anything. */
static void
keep_live(struct sva_iopf *f)
{
	uint32_t out = 0;

	for (uint32_t i = 0; i < f->ncg; i++) {
		struct iopf_cgroup *cg = &f->cg[i];

		if (cg->bond != NULL && defer_push(f, cg)) {
			IOPF_STAT_INC(cg->bond->st.deferred);
			continue;
		}
		if (cg->bond != NULL) /* cannot happen: room is checked before the read */
			iopf_refuse(cg, SVA_PAGE_RESP_INVALID, SVA_IOPF_R_BUDGET);
		f->cg[out++] = *cg;
	}
	f->ncg = out;
}

static int
drain_owned(struct sva_iopf *f, unsigned int max_reads)
{
	for (unsigned int i = 0; i < max_reads; i++) {
		uint16_t want = f->burst, n;
		uint32_t room;
		uint64_t now;

		if (f->nresp_pending != 0 && flush_pending_responses(f) != 0) {
			rte_pause();
			continue; /* kept responses first: until they are written, not drained */
		}
		/* read no more than there is room to keep: each record read adds at most one
		 * deferred group and one page to the pool. Partial groups hold pool pages until
		 * their LAST or deadline, so the room can be less than a burst for long: a
		 * smaller read still makes progress (and finds an empty queue empty); no room
		 * at all, and the poller must run */
		room = RTE_MIN((f->defer_mask + 1) - defer_count(f), f->pool_size - f->pool_used);
		want = (uint16_t)RTE_MIN((uint32_t)want, room);
		if (want == 0)
			return -EAGAIN;
		f->burst_epoch++;
		f->burst_tsc = rte_rdtsc();
		f->ncg = 0;
		f->npg = 0;
		n = sva_iommu_prq_read(f->iommu, f->recs, want);
		now = rte_rdtsc();
		for (uint16_t k = 0; k < n; k++)
			decode(f, &f->recs[k], now);
		keep_live(f);
		respond(f);
		f->ncg = 0;
		if (n < want && f->nresp_pending == 0)
			return 0;
	}
	return -EAGAIN;
}

/*
 * Drain of the event queue, past the same fence (SMMUv3: completion of CMD_SYNC makes
 * the event records of transactions stalled or terminated before it visible, IHI0070
 * 4.7.3 and the stream shutdown sequence of 4.7.2.1): a stall of no bond (a freed
 * PASID's or RID's) is answered Abort now, by the rules; a stall or event of a live
 * bond is kept, in order, for the poller, which resolves and delivers them on the poll
 * lcore. Read to empty, or -EAGAIN (kept responses unwritten, or the kept ring too
 * full: the poller must run).
 */
static int
drain_events(struct sva_iopf *f, unsigned int max_reads)
{
	for (unsigned int i = 0; i < max_reads; i++) {
		uint16_t n;
		uint64_t now;

		if (f->nresp_pending != 0 && flush_pending_responses(f) != 0) {
			rte_pause();
			continue;
		}
		if ((f->defer_mask + 1) - kev_count(f) < f->burst)
			return -EAGAIN;
		f->ncg = 0;
		f->npg = 0;
		n = sva_iommu_evtq_read(f->iommu, f->recs, f->burst);
		now = rte_rdtsc();
		for (uint16_t k = 0; k < n; k++) {
			const struct sva_fault *rec = &f->recs[k];
			struct sva_iopf_bond *bond;
			unsigned int reason;
			uint32_t flags;

			if (rec->type != SVA_FAULT_UNRECOV) {
				IOPF_STAT_INC(f->st.events_dropped);
				continue;
			}
			flags = (rec->event.flags & SVA_FAULT_UNRECOV_PASID_VALID) ?
				SVA_FAULT_PR_PASID_VALID : 0;
			bond = iopf_bond_lookup(f, flags, rec->event.dev_id, rec->event.pasid,
					&reason);
			if (bond != NULL) {
				struct iopf_kept_event *ke = &f->kev[f->kev_tail++ & f->defer_mask];

				ke->rec = *rec;
				ke->bond_id = bond->id;
			} else if (rec->event.flags & SVA_FAULT_UNRECOV_STALL) {
				stall_close(f, &rec->event, now, 0); /* no bond: Abort */
			} else {
				IOPF_STAT_INC(f->st.events_dropped);
			}
		}
		respond(f);
		f->ncg = 0;
		if (n < f->burst && f->nresp_pending == 0)
			return 0;
	}
	return -EAGAIN;
}

int
sva_iopf_drain(struct sva_iopf *f, unsigned int max_reads)
{
	int ret;

	if (f == NULL)
		return -EINVAL;
	iopf_own(f);
	ret = sva_iommu_prq_drain(f->iommu);
	if (ret != 0)
		IOPF_LOG(ERR, "%s: the page request drain fence failed: %s",
			sva_iommu_name(f->iommu), strerror(-ret));
	else
		ret = drain_owned(f, max_reads);
	if (ret == 0)
		ret = drain_events(f, max_reads);
	if (ret == 0 && f->resp_error != 0) {
		ret = -EIO; /* read to empty, but responses were lost: said once */
		f->resp_error = 0;
	}
	iopf_release(f);
	return ret;
}

uint64_t
iopf_read_ahead_count(const struct sva_iopf *f)
{
	return __atomic_load_n(&f->read_ahead_recs, __ATOMIC_RELAXED);
}
