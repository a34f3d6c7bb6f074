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

static void
deliver_event(struct sva_iopf *f, struct sva_iopf_bond *bond, const struct sva_fault *rec)
{
	if (bond == NULL) {
		IOPF_STAT_INC(f->st.events_dropped);
		return;
	}
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

static void
poll_events(struct sva_iopf *f)
{
	uint16_t n = sva_iommu_evtq_read(f->iommu, f->recs, f->burst);

	for (uint16_t i = 0; i < n; i++) {
		const struct sva_fault *rec = &f->recs[i];
		struct sva_iopf_bond *bond;
		unsigned int reason;
		uint32_t flags;

		if (rec->type != SVA_FAULT_UNRECOV) {
			IOPF_STAT_INC(f->st.events_dropped);
			continue;
		}
		flags = (rec->event.flags & SVA_FAULT_UNRECOV_PASID_VALID) ?
			SVA_FAULT_PR_PASID_VALID : 0;
		bond = iopf_bond_lookup(f, flags, rec->event.dev_id, rec->event.pasid, &reason);
		deliver_event(f, bond, rec);
	}
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
		rec.event.addr = f->pg[cg->first + i].addr;
		rec.event.perm = f->pg[cg->first + i].perm;
		deliver_event(f, cg->bond, &rec);
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
	return true;
}

static inline bool
over_quota(struct sva_iopf *f, struct sva_iopf_bond *bond, uint32_t n)
{
	if (bond->burst_epoch != f->burst_epoch) {
		bond->burst_epoch = f->burst_epoch;
		bond->burst_pages = 0;
	}
	if (bond->burst_pages > 0 && bond->burst_pages + n > f->bond_burst_pages)
		return true;
	bond->burst_pages += n;
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

static void
expire_groups(struct sva_iopf *f, uint64_t now)
{
	while (f->age_head != IOPF_NONE) {
		struct iopf_group *g = &f->groups[f->age_head];
		struct sva_iopf_bond *bond;
		unsigned int reason;
		uint64_t k = g->key;

		if (now - g->opened <= f->group_timeout_cyc)
			break;
		bond = iopf_bond_lookup(f, (uint32_t)(k >> 31) & 1, (uint32_t)(k >> 32) & 0x7fffffff,
				(uint32_t)(k >> 9) & 0xfffff, &reason);
		if (bond != NULL) {
			IOPF_STAT_INC(bond->st.timeouts);
			IOPF_STAT_ADD(bond->st.page_reqs, g->npages);
		} else {
			IOPF_STAT_INC(f->st.timeouts);
			IOPF_STAT_ADD(f->st.page_reqs, g->npages);
		}
		iopf_pool_free_list(f, g->head);
		iopf_group_close(f, g);
	}
}

/* A group that lost a request because the open-group table was full is remembered
 * (in a small ring, the oldest forgotten first) so that its LAST is answered Invalid,
 * never as if whole. */
static void
lost_add(struct sva_iopf *f, uint64_t key)
{
	uint64_t *slot = &f->lost[f->lost_next++ % IOPF_LOST_KEYS];

	if (*slot == 0)
		f->nlost++;
	*slot = key;
}

static bool
lost_take(struct sva_iopf *f, uint64_t key, bool clear)
{
	for (uint32_t i = 0; i < IOPF_LOST_KEYS; i++) {
		if (f->lost[i] == key) {
			if (clear) {
				f->lost[i] = 0;
				f->nlost--;
			}
			return true;
		}
	}
	return false;
}

static void
close_group(struct sva_iopf *f, const struct sva_fault_page_req *pr, uint32_t pasid,
		struct iopf_group *g, uint64_t ts)
{
	struct iopf_cgroup *cg = &f->cg[f->ncg];
	uint64_t key = iopf_key(pr->dev_id, pr->flags, pasid, pr->grpid);
	unsigned int reason;

	/* a second LAST of a group closed in this burst: the device reused a PRG index
	 * before its response (or the queue duplicated the entry) */
	for (uint32_t i = 0; i < f->ncg; i++) {
		if (f->cg[i].key == key) {
			IOPF_STAT_INC(f->st.dup_groups);
			IOPF_STAT_INC(f->st.page_reqs);
			if (g != NULL) {
				IOPF_STAT_ADD(f->st.page_reqs, g->npages);
				iopf_pool_free_list(f, g->head);
				iopf_group_close(f, g);
			}
			return;
		}
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
	} else if (unlikely(f->nlost != 0) && lost_take(f, key, true)) {
		iopf_refuse(cg, SVA_PAGE_RESP_INVALID, SVA_IOPF_R_INCOMPLETE);
	}
	f->pg[f->npg].addr = pr->addr;
	f->pg[f->npg].perm = pr->perm;
	f->npg++;
	cg->n = f->npg - cg->first;

	cg->bond = iopf_bond_lookup(f, pr->flags, pr->dev_id, pasid, &reason);
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
	if (unlikely((pr->flags & SVA_FAULT_PR_LAST_PAGE) &&
			!(pr->perm & (SVA_FAULT_PERM_READ | SVA_FAULT_PERM_WRITE)))) {
		IOPF_STAT_INC(f->st.stop_markers);
		return;
	}
	pasid = (pr->flags & SVA_FAULT_PR_PASID_VALID) ? pr->pasid : 0;
	ts = (pr->flags & SVA_FAULT_PR_TIMESTAMP) ? pr->timestamp : now;
	if (f->ngroups != 0) {
		key = iopf_key(pr->dev_id, pr->flags, pasid, pr->grpid);
		g = iopf_group_find(f, key);
	}
	if (pr->flags & SVA_FAULT_PR_LAST_PAGE) {
		close_group(f, pr, pasid, g, ts);
		return;
	}
	if (g == NULL) {
		key = iopf_key(pr->dev_id, pr->flags, pasid, pr->grpid);
		if (unlikely(f->nlost != 0) && lost_take(f, key, false)) {
			IOPF_STAT_INC(f->st.page_reqs); /* its group lost a request already */
			return;
		}
		g = iopf_group_open(f, key, ts, now);
		if (g == NULL) {
			/* no slot: the request is lost, its LAST will be answered Invalid */
			IOPF_STAT_INC(f->st.incomplete_groups);
			IOPF_STAT_INC(f->st.page_reqs);
			lost_add(f, key);
			return;
		}
	}
	if (g->state == IOPF_G_INCOMPLETE) {
		IOPF_STAT_INC(f->st.page_reqs);
		return;
	}
	if (!iopf_group_add_page(f, g, pr->addr, pr->perm)) {
		IOPF_STAT_INC(f->st.incomplete_groups);
		IOPF_STAT_ADD(f->st.page_reqs, g->npages + 1);
		iopf_group_mark_incomplete(f, g);
	}
}

/* ---- responses ---- */

static void
write_responses(struct sva_iopf *f, struct sva_page_response *resp, uint32_t n)
{
	uint32_t done = 0;

	for (unsigned int tries = 0; done < n; tries++) {
		int r = sva_iommu_page_response(f->iommu, resp + done, (uint16_t)(n - done));

		if (r > 0)
			done += (uint32_t)r;
		if (done == n)
			return;
		if (f->nresp_pending + (n - done) <= f->resp_pending_cap) {
			/* the response queue is full: keep the rest for the next poll call */
			memcpy(f->resp_pending + f->nresp_pending, resp + done,
				(n - done) * sizeof(*resp));
			f->nresp_pending += n - done;
			IOPF_STAT_ADD(f->st.resp_queue_full, n - done);
			return;
		}
		if (tries == 1000) {
			IOPF_STAT_ADD(f->st.resp_dropped, n - done);
			return;
		}
		rte_pause();
	}
}

static int
flush_pending_responses(struct sva_iopf *f)
{
	uint32_t n = f->nresp_pending;
	int r;

	if (n == 0)
		return 0;
	r = sva_iommu_page_response(f->iommu, f->resp_pending, (uint16_t)n);
	if (r < 0)
		r = 0;
	if ((uint32_t)r < n)
		memmove(f->resp_pending, f->resp_pending + r, (n - r) * sizeof(*f->resp_pending));
	f->nresp_pending = n - r;
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
		struct sva_page_response *r = &resp[n++];

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

		IOPF_STAT_INC(st->groups);
		IOPF_STAT_ADD(st->page_reqs, cg->n);
		if (cg->bond != NULL) {
			/* f->st.batches is about to count this batch */
			if (cg->bond->last_batch != f->st.batches + 1) {
				cg->bond->last_batch = f->st.batches + 1;
				IOPF_STAT_INC(st->batches);
			}
			IOPF_STAT_INC(st->batch_responses);
		}
		if (cg->code == SVA_PAGE_RESP_SUCCESS) {
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
	IOPF_STAT_INC(f->st.batches);
	IOPF_STAT_ADD(f->st.batch_responses, n);
	write_responses(f, resp, n);
}

/* ---- the loop ---- */

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

	if (f->nresp_pending != 0 && flush_pending_responses(f) != 0)
		return 0; /* the device has not taken the last answers yet: back-pressure */
	if (f->group_timeout_cyc != 0 && f->age_head != IOPF_NONE)
		expire_groups(f, now);

	while (work < budget) {
		uint16_t want = (uint16_t)RTE_MIN((unsigned int)f->burst, budget - work), n = 0;
		uint64_t burst_start = rte_rdtsc();

		f->burst_epoch++;
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
		work += n;
		if (f->ncg == 0 && n == 0)
			break;
		if (mode == IOPF_MODE_FLUSH)
			flush_mark(f);
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
		if (mode == IOPF_MODE_RESOLVE)
			iopf_resolve(f, burst_start);
		respond(f);
		if (mode == IOPF_MODE_RESOLVE)
			iopf_fault_around(f);
		if (n < want && defer_count(f) == 0)
			break;
		if (f->nresp_pending != 0)
			break;
	}
	poll_events(f);
	return (int)work;
}

int
sva_iopf_poll_iopf(struct sva_iopf *f, unsigned int budget)
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
		return 0;
	iopf_rcu_online(tid);
	ret = iopf_poll_owned(f, budget, IOPF_MODE_RESOLVE);
	iopf_rcu_offline(tid);
	__atomic_store_n(&f->busy, 0, __ATOMIC_RELEASE);
	return ret;
}

/* Answer every open and deferred group of one bond (bond NULL: of every bond and of
 * none) with `reason`, one doorbell. Called owned. */
int
iopf_answer_bond(struct sva_iopf *f, struct sva_iopf_bond *bond, unsigned int reason)
{
	uint32_t count, s, next;
	int answered = 0;

	f->ncg = 0;
	f->npg = 0;
	/* open groups: a group without LAST gets its answer now, by PRG index */
	for (s = f->age_head; s != IOPF_NONE; s = next) {
		struct iopf_group *g = &f->groups[s];
		uint64_t k = g->key;
		struct iopf_cgroup *cg;
		unsigned int r;
		struct sva_iopf_bond *b;

		next = g->next;
		b = iopf_bond_lookup(f, (uint32_t)(k >> 31) & 1, (uint32_t)(k >> 32) & 0x7fffffff,
				(uint32_t)(k >> 9) & 0xfffff, &r);
		if (bond != NULL && b != bond)
			continue;
		if (f->ncg == f->cg_cap) {
			respond(f);
			answered += f->ncg;
			f->ncg = 0;
			f->npg = 0;
		}
		cg = &f->cg[f->ncg++];
		memset(cg, 0, sizeof(*cg));
		cg->bond = b;
		cg->key = k;
		cg->dev_id = (uint32_t)(k >> 32) & 0x7fffffff;
		cg->flags = (uint32_t)(k >> 31) & 1;
		cg->pasid = (uint32_t)(k >> 9) & 0xfffff;
		cg->grpid = (uint32_t)k & 0x1ff;
		cg->ts = g->ts;
		cg->n = g->npages;
		cg->code = SVA_PAGE_RESP_INVALID;
		cg->reason = (uint8_t)reason;
		iopf_pool_free_list(f, g->head);
		iopf_group_close(f, g);
		cg->first = f->npg;
	}
	/* deferred groups */
	count = defer_count(f);
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
		iopf_pool_free_list(f, cg.first);
		cg.first = f->npg;
		cg.code = SVA_PAGE_RESP_INVALID;
		cg.reason = (uint8_t)reason;
		f->cg[f->ncg++] = cg;
	}
	respond(f);
	answered += f->ncg;
	f->ncg = 0;
	return answered;
}

int
sva_iopf_flush(struct sva_iopf *f, unsigned int max_reads)
{
	int answered = 0;

	if (f == NULL)
		return -EINVAL;
	iopf_own(f);
	for (unsigned int i = 0; i < max_reads; i++) {
		uint64_t before = f->st.batch_responses;
		int work = iopf_poll_owned(f, f->burst, IOPF_MODE_FLUSH);

		answered += (int)(f->st.batch_responses - before);
		if (work == 0)
			break;
	}
	answered += iopf_answer_bond(f, NULL, SVA_IOPF_R_UNBINDING);
	iopf_release(f);
	return answered;
}

int
sva_iopf_drain(struct sva_iopf *f, unsigned int max_reads)
{
	int ret = -EAGAIN;

	if (f == NULL)
		return -EINVAL;
	iopf_own(f);
	for (unsigned int i = 0; i < max_reads; i++) {
		uint64_t read_before = f->st.batches;
		int work = iopf_poll_owned(f, f->burst, IOPF_MODE_RESOLVE);

		RTE_SET_USED(read_before);
		if (work < (int)f->burst && defer_count(f) == 0) {
			ret = 0;
			break;
		}
	}
	iopf_release(f);
	return ret;
}
