/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Nested (vSVA) groups: a closed group with first-level pages (SVA_FAULT_PR_NESTED_S1:
 * the walk of the guest's own table failed; addr is a guest virtual address) belongs to
 * the VMM. Its second-level pages are resolved first, like any request, but only inside
 * the bond's guest RAM; then its first-level pages are handed to the VMM (the bond's
 * event callback or ring, one page-request record each, stamped with the guest data)
 * and the group is held until exactly one answer: the VMM's
 * (sva_iopf_nested_response()), the deadline's (Invalid), or the bond's removal
 * (Invalid). Held groups count as in flight: a second LAST of one is a duplicate.
 *
 * A held group's records carry an instance tag in their cookie (SVA_FAULT_PR_COOKIE;
 * the driver's own cookie stays with the held group for the response): a VMM that
 * echoes it in its answer reaches that group only, never a newer group the device sent
 * under the same PRG index after the old one was answered (by the deadline, say). An
 * answer with cookie 0 names the key alone (the key's held group, whichever it is).
 *
 * Everything here runs owned (the poller, or a control pass between iopf_own() and
 * iopf_release()), so "exactly once" needs no atomics: the held entry is removed by
 * whichever answer comes first, and later ones find it gone.
 */
#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include <rte_ring.h>
#include <rte_ring_elem.h>

#include "iopf_pvt.h"

/* The iopf whose poll call this thread is in (the VMM must not answer from inside it:
 * the answer waits for the poll call to end). */
__thread const struct sva_iopf *iopf_polling;

void
iopf_nested_prepare(struct sva_iopf *f)
{
	if (likely(f->nnested == 0 && !f->s1_seen))
		return;
	for (uint32_t c = 0; c < f->ncg; c++) {
		struct iopf_cgroup *cg = &f->cg[c];
		struct sva_iopf_bond *bond = cg->bond;
		bool nested;

		if (bond == NULL || cg->code != SVA_PAGE_RESP_SUCCESS)
			continue;
		nested = (bond->flags & SVA_IOPF_BOND_NESTED) != 0;
		if (!nested && !f->s1_seen)
			continue;
		for (uint32_t p = 0; p < cg->n; p++) {
			const struct iopf_page *pg = &f->pg[cg->first + p];

			if (pg->perm & IOPF_PERM_S1) {
				if (!nested) {
					/* a guest virtual address on a bond of this process's
					 * own addresses: never resolved, never merged */
					IOPF_STAT_INC(bond->nst.s1_refused);
					iopf_refuse(cg, SVA_PAGE_RESP_INVALID, SVA_IOPF_R_MALFORMED);
					break;
				}
				cg->flags |= IOPF_CGF_S1;
			} else if (nested && (pg->addr < bond->ram_base || pg->addr >= bond->ram_end)) {
				/* a second-level page is guest RAM, nothing else of this process */
				IOPF_STAT_INC(bond->nst.s2_outside_ram);
				iopf_refuse(cg, SVA_PAGE_RESP_INVALID, SVA_IOPF_R_NO_MAPPING);
				break;
			}
		}
	}
}

/* Hand the group's first-level pages to the VMM: all of them, or none (the group is
 * then answered Invalid at once). */
static bool
deliver_s1(struct sva_iopf *f, const struct iopf_cgroup *cg, uint32_t ns1, uint32_t tag)
{
	struct sva_iopf_bond *bond = cg->bond;
	struct sva_fault rec;
	uint32_t seen = 0;

	if (bond->event_cb == NULL && (bond->event_ring == NULL ||
			rte_ring_free_count(bond->event_ring) < ns1))
		return false;
	memset(&rec, 0, sizeof(rec));
	rec.type = SVA_FAULT_PAGE_REQ;
	rec.prm.pasid = cg->pasid;
	rec.prm.grpid = cg->grpid;
	rec.prm.dev_id = cg->dev_id;
	rec.prm.cookie = tag; /* the instance tag: the driver's cookie is not the VMM's */
	rec.prm.timestamp = cg->ts;
	rec.prm.private_data[0] = cg->priv[0];
	rec.prm.private_data[1] = cg->priv[1];
	for (uint32_t p = 0; p < cg->n; p++) {
		const struct iopf_page *pg = &f->pg[cg->first + p];

		if (!(pg->perm & IOPF_PERM_S1))
			continue;
		seen++;
		rec.prm.flags = (cg->flags & (SVA_FAULT_PR_PASID_VALID | SVA_FAULT_PR_PRIV_DATA)) |
			SVA_FAULT_PR_COOKIE | SVA_FAULT_PR_TIMESTAMP | SVA_FAULT_PR_NESTED_S1 |
			(seen == ns1 ? SVA_FAULT_PR_LAST_PAGE : 0);
		rec.prm.addr = pg->addr;
		rec.prm.perm = pg->perm & IOPF_PERM_MASK;
		iopf_deliver_event(f, bond, &rec); /* stamps the guest data, counts events */
	}
	IOPF_STAT_ADD(bond->nst.s1_records, ns1);
	return true;
}

void
iopf_nested_hold(struct sva_iopf *f)
{
	uint64_t now;

	if (likely(f->nnested == 0))
		return;
	now = rte_rdtsc();
	for (uint32_t c = 0; c < f->ncg; c++) {
		struct iopf_cgroup *cg = &f->cg[c];
		struct iopf_held *h;
		uint32_t ns1 = 0, tag;

		if (!(cg->flags & IOPF_CGF_S1) || cg->bond == NULL ||
				cg->code != SVA_PAGE_RESP_SUCCESS)
			continue; /* refused already (its second-level pages, say): answered now */
		for (uint32_t p = 0; p < cg->n; p++)
			ns1 += (f->pg[cg->first + p].perm & IOPF_PERM_S1) != 0;
		tag = ++f->held_tag_next;
		if (tag == 0)
			tag = ++f->held_tag_next; /* 0 is "no tag" in an answer */
		if (f->nheld == f->held_cap || !deliver_s1(f, cg, ns1, tag)) {
			IOPF_STAT_INC(cg->bond->nst.s1_undelivered);
			iopf_refuse(cg, SVA_PAGE_RESP_INVALID, SVA_IOPF_R_BUDGET);
			continue;
		}
		h = &f->held[f->nheld++];
		h->key = cg->key;
		h->bond = cg->bond;
		h->bond_id = cg->bond->id;
		h->held_at = now;
		h->ts = cg->ts;
		h->priv[0] = cg->priv[0];
		h->priv[1] = cg->priv[1];
		h->dev_id = cg->dev_id;
		h->pasid = cg->pasid;
		h->grpid = cg->grpid;
		h->flags = cg->flags & ~(IOPF_CGF_S1 | IOPF_CGF_HELD | IOPF_CGF_STALL);
		h->cookie = cg->cookie;
		h->tag = tag;
		h->npages = cg->n;
		cg->flags |= IOPF_CGF_HELD;
		IOPF_STAT_INC(cg->bond->nst.s1_groups);
		IOPF_STAT_INC(cg->bond->nst.held_now);
	}
}

bool
iopf_held_has(const struct sva_iopf *f, uint64_t key)
{
	for (uint32_t i = 0; i < f->nheld; i++)
		if (f->held[i].key == key)
			return true;
	return false;
}

/* Write the one answer of held group i, count it, remember how it was answered, and
 * drop it (the last entry takes its place). */
static void
held_answer(struct sva_iopf *f, uint32_t i, uint32_t code, unsigned int reason, uint32_t how)
{
	struct iopf_held *h = &f->held[i];
	struct sva_iopf_bond *bond = h->bond;
	struct sva_iopf_stats *st = &bond->st;
	struct iopf_held_retired *r;
	struct sva_page_response resp = {
		.argsz = sizeof(resp),
		.flags = (h->flags & SVA_FAULT_PR_PASID_VALID) ? SVA_PAGE_RESP_PASID_VALID : 0,
		.dev_id = h->dev_id, .pasid = h->pasid, .grpid = h->grpid, .code = code,
		.cookie = h->cookie, .private_data = { h->priv[0], h->priv[1] },
	};
	uint64_t now = rte_rdtsc();

	IOPF_STAT_INC(st->groups);
	IOPF_STAT_ADD(st->page_reqs, h->npages);
	IOPF_STAT_INC(st->batches);
	IOPF_STAT_INC(st->batch_responses);
	if (code == SVA_PAGE_RESP_SUCCESS) {
		IOPF_STAT_INC(st->resp_success);
	} else {
		IOPF_STAT_INC(*(code == SVA_PAGE_RESP_FAILURE ? &st->resp_failure : &st->resp_invalid));
		iopf_count_refusal(st, code, reason);
	}
	IOPF_STAT_INC(st->lat_hist[iopf_lat_bucket(now > h->ts ? now - h->ts : 0)]);
	IOPF_STAT_INC(st->lat_count);
	IOPF_STAT_INC(f->st.batches);
	IOPF_STAT_INC(f->st.batch_responses);
	IOPF_STAT_ADD(bond->nst.held_now, (uint64_t)-1);
	r = &f->held_retired[f->held_retired_next++ % IOPF_HELD_RETIRED];
	r->key = h->key;
	r->bond_id = h->bond_id;
	r->how = how;
	r->tag = h->tag;
	f->held[i] = f->held[--f->nheld];
	iopf_write_responses(f, &resp, 1); /* kept if the queue refuses: never lost */
}

static inline uint64_t
held_life(const struct sva_iopf *f)
{
	return f->group_timeout_cyc != 0 ? f->group_timeout_cyc : rte_get_tsc_hz();
}

void
iopf_held_expire(struct sva_iopf *f, uint64_t now)
{
	uint64_t life = held_life(f);

	for (uint32_t i = 0; i < f->nheld;) {
		if (now - f->held[i].held_at <= life) {
			i++;
			continue;
		}
		IOPF_STAT_INC(f->held[i].bond->nst.vmm_timeouts);
		IOPF_STAT_INC(f->held[i].bond->st.timeouts);
		held_answer(f, i, SVA_PAGE_RESP_INVALID, SVA_IOPF_R_INCOMPLETE,
			IOPF_HELD_BY_DEADLINE); /* entry i is now another: look again */
	}
}

int
iopf_held_answer_bond(struct sva_iopf *f, struct sva_iopf_bond *bond, unsigned int reason)
{
	int n = 0;

	for (uint32_t i = 0; i < f->nheld;) {
		if (bond != NULL && f->held[i].bond != bond) {
			i++;
			continue;
		}
		IOPF_STAT_INC(f->held[i].bond->nst.vmm_unbind);
		held_answer(f, i, SVA_PAGE_RESP_INVALID, reason, IOPF_HELD_BY_UNBIND);
		n++;
	}
	return n;
}

int
sva_iopf_nested_response(struct sva_iopf_bond *b, const struct sva_page_response *resp)
{
	struct sva_iopf *f;
	uint64_t key;
	int ret = -ENOENT;

	if (b == NULL || resp == NULL) {
		IOPF_LOG(ERR, "nested response: %s is NULL", b == NULL ? "bond" : "resp");
		return -EINVAL;
	}
	if (resp->argsz < sizeof(*resp) || (resp->code != SVA_PAGE_RESP_SUCCESS &&
			resp->code != SVA_PAGE_RESP_INVALID && resp->code != SVA_PAGE_RESP_FAILURE)) {
		IOPF_LOG(ERR, "nested response: argsz %u (at least %zu) or code 0x%x (Success 0, "
			"Invalid 1, Failure 0xf) refused", resp->argsz, sizeof(*resp), resp->code);
		return -EINVAL;
	}
	if (!(b->flags & SVA_IOPF_BOND_NESTED)) {
		IOPF_LOG(ERR, "nested response: dev 0x%x PASID %u is not a nested bond",
			b->dev_id, b->pasid);
		return -EINVAL;
	}
	if (resp->dev_id > IOPF_DEV_ID_MAX || resp->pasid > IOPF_PASID_MAX ||
			resp->grpid > IOPF_PRG_INDEX_MAX) {
		IOPF_LOG(ERR, "nested response: dev 0x%x PASID %u group %u: wider than a page "
			"request carries (copy them from the record)", resp->dev_id, resp->pasid,
			resp->grpid);
		return -EINVAL;
	}
	f = b->iopf;
	if (iopf_polling == f) {
		IOPF_LOG(ERR, "nested response from the poll thread's event callback: answer "
			"from another thread (after the callback returned)");
		return -EDEADLK;
	}
	key = iopf_key(resp->dev_id, SVA_FAULT_PR_PASID_VALID, resp->pasid, resp->grpid);
	pthread_mutex_lock(&f->ctl);
	iopf_own(f);
	for (uint32_t i = 0; i < f->nheld; i++) {
		if (f->held[i].key == key && f->held[i].bond == b &&
				(resp->cookie == 0 || f->held[i].tag == resp->cookie)) {
			IOPF_STAT_INC(b->nst.vmm_answers);
			held_answer(f, i, resp->code, SVA_IOPF_R_NO_MAPPING, IOPF_HELD_BY_VMM);
			ret = 0;
			break;
		}
	}
	if (ret != 0) {
		/* the most recent retirement of that group says why it is gone */
		for (uint32_t k = 1; k <= IOPF_HELD_RETIRED; k++) {
			const struct iopf_held_retired *r =
				&f->held_retired[(f->held_retired_next - k) % IOPF_HELD_RETIRED];

			if (r->key != key || r->bond_id != b->id ||
					(resp->cookie != 0 && r->tag != resp->cookie))
				continue;
			ret = r->how == IOPF_HELD_BY_VMM ? -EALREADY :
				r->how == IOPF_HELD_BY_DEADLINE ? -ETIMEDOUT : -ENOENT;
			break;
		}
		IOPF_STAT_INC(*(ret == -EALREADY ? &b->nst.vmm_dup :
			ret == -ETIMEDOUT ? &b->nst.vmm_late : &b->nst.vmm_unknown));
	}
	iopf_release(f);
	pthread_mutex_unlock(&f->ctl);
	if (ret != 0)
		IOPF_LOG(INFO, "nested response for dev 0x%x PASID %u group %u refused: %s",
			resp->dev_id, resp->pasid, resp->grpid, ret == -EALREADY ?
			"answered already by the VMM" : ret == -ETIMEDOUT ? "its deadline answered "
			"it Invalid first" : "no such group is held for this bond");
	return ret;
}

int
sva_iopf_bond_nested_stats_get(const struct sva_iopf_bond *b, struct sva_iopf_nested_stats *st)
{
	const uint64_t *src;
	uint64_t *dst;

	if (b == NULL || st == NULL)
		return -EINVAL;
	src = (const uint64_t *)&b->nst;
	dst = (uint64_t *)st;
	for (size_t i = 0; i < sizeof(*st) / sizeof(uint64_t); i++)
		dst[i] = __atomic_load_n(&src[i], __ATOMIC_RELAXED);
	return 0;
}
