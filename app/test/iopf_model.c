/* SPDX-License-Identifier: BSD-3-Clause */
/* The reference model of the fault path: see iopf_model.h for the rules. */
#include <errno.h>
#include <inttypes.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

#include "iopf_model.h"

#define RW (SVA_FAULT_PERM_READ | SVA_FAULT_PERM_WRITE)
#define USER_LIMIT (UINT64_C(1) << 47)

static const char *const vnames[IM_V_MAX] = {
	[IM_OK] = "ok",
	[IM_V_PARTIAL] = "partial group answered (no LAST read)",
	[IM_V_TWICE] = "closed group answered twice",
	[IM_V_UNKNOWN] = "answer for a group never sent",
	[IM_V_IDENTITY] = "answered with another group's identity",
	[IM_V_CODE] = "response code the rules forbid",
	[IM_V_STALE] = "stale request resolved under a new owner",
	[IM_V_NEVER] = "closed group never answered",
	[IM_V_REUSE] = "PASID reused with the old owner's groups unanswered",
	[IM_V_POPULATED] = "page populated outside every live owner's resolvable pages",
	[IM_V_MISSING] = "Success page not present",
	[IM_V_DELIVERY] = "nested: record handed to the wrong VMM, or not as the rules say",
	[IM_V_VMM_RET] = "nested: VMM answer result the rules do not give",
};

const char *
im_violation_name(unsigned int v)
{
	return v < IM_V_MAX ? vnames[v] : "?";
}

static unsigned int
code_mask(uint32_t code)
{
	switch (code) {
	case SVA_PAGE_RESP_SUCCESS: return IM_SUCC;
	case SVA_PAGE_RESP_INVALID: return IM_INV;
	case SVA_PAGE_RESP_FAILURE: return IM_FAIL;
	default: return 0;
	}
}

static const char *
mask_str(unsigned int m)
{
	static const char *const s[8] = { "nothing", "Success", "Invalid", "Success or Invalid",
		"Failure", "Success or Failure", "Invalid or Failure", "any" };
	return s[m & 7];
}

void
im_init(struct im_model *m)
{
	memset(m, 0, sizeof(*m));
}

void
im_vma_add(struct im_model *m, uint64_t start, uint64_t end, uint32_t prot, uint32_t kind,
		const char *name)
{
	if (m->nvma < IM_MAX_VMAS)
		m->vma[m->nvma++] = (struct im_vma){ start, end, prot, kind, name };
}

const struct im_vma *
im_vma_find(const struct im_model *m, uint64_t addr)
{
	for (unsigned int i = 0; i < m->nvma; i++)
		if (addr >= m->vma[i].start && addr < m->vma[i].end)
			return &m->vma[i];
	return NULL;
}

/* ---- the rules ---- */

/* R2, one page: may the bond have it? */
unsigned int
im_rule_page(const struct im_model *m, const struct im_bond *b, uint64_t addr, uint32_t perm)
{
	const struct im_vma *v = im_vma_find(m, addr);

	if (addr >= USER_LIMIT)
		return IM_INV; /* kernel half, non-canonical */
	if (!(perm & (RW | SVA_FAULT_PERM_EXEC)))
		return IM_INV; /* asks for no access */
	if ((perm & SVA_FAULT_PERM_EXEC) && !b->exec)
		return IM_INV;
	if ((perm & SVA_FAULT_PERM_PRIV) && !b->priv)
		return IM_INV;
	if (v == NULL || v->kind == IM_VMA_NONE)
		return IM_INV; /* outside every mapping */
	if (((perm & SVA_FAULT_PERM_WRITE) && !(v->prot & PROT_WRITE)) ||
			((perm & SVA_FAULT_PERM_READ) && !(v->prot & PROT_READ)) ||
			((perm & SVA_FAULT_PERM_EXEC) && !(v->prot & PROT_EXEC)))
		return IM_INV;
	return IM_SUCC;
}

static uint64_t
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* R11, sva_iopf.h "Lost keys": a lost key (its group expired, or a request found the
 * table full) lives until its LAST, its bond's removal, or it is older than the deadline
 * (1 s without one) or 256 newer keys were lost. The tests pass a deadline by setting it
 * to 1 us for one poll (im_expire), which forgets every key lost before that poll: the
 * model knows those exactly. Time and the count it can only bound (the model sees an
 * event when it replays the trace, a little after it happened; the fault path may lose
 * a key the model does not, e.g. a group closed while deferred). */
unsigned int
im_rule_lost_key(const struct im_model *m, const struct im_group *lost)
{
	if (lost->epoch != m->epoch)
		return IM_LOST_GONE;
	if (now_ns() - lost->lost_ns > UINT64_C(500000000) || m->nlost - lost->lost_seq >= 240)
		return IM_LOST_MAYBE;
	return IM_LOST_KEPT;
}

/* Deadline rule: the late LAST of a group that expired (or lost a request to a full
 * table) is never Success for pages never populated: Invalid, while its key is kept;
 * once forgotten, the LAST is a new group's, of its own page alone. */
unsigned int
im_rule_late_last(const struct im_model *m, const struct im_group *expired, unsigned int decided)
{
	switch (im_rule_lost_key(m, expired)) {
	case IM_LOST_KEPT: return IM_INV;
	case IM_LOST_GONE: return decided;
	default: return decided | IM_INV;
	}
}

/* A group left partial by a stopped service: kept for the next poller (answered by the
 * rules), or discarded as incomplete (Invalid). Never answered by the stop itself. */
unsigned int
im_rule_partial_across_stop(unsigned int decided)
{
	return decided | IM_INV;
}

/* A closed group whose bond goes before its answer is written: its answer, or Invalid
 * (a deferred group is answered Invalid, R_UNBINDING). */
unsigned int
im_rule_removed_before_answer(unsigned int decided)
{
	return decided | IM_INV;
}

/* ---- bonds ---- */

static const struct im_bond *
lookup(const struct im_model *m, uint32_t dev, uint32_t pv, uint32_t pasid)
{
	for (unsigned int i = 0; i < IM_MAX_BONDS; i++) {
		const struct im_bond *b = &m->bond[i];

		if (!b->live || b->dev != dev)
			continue;
		if (pv ? b->pasid == pasid : b->rid)
			return b;
	}
	return NULL;
}

const struct im_bond *
im_bond_of(const struct im_model *m, uint32_t gen)
{
	for (unsigned int i = 0; i < IM_MAX_BONDS; i++)
		if (m->bond[i].live && m->bond[i].gen == gen)
			return &m->bond[i];
	return NULL;
}

static int
fail(struct im_model *m, int v, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

#include <stdarg.h>
static int
fail(struct im_model *m, int v, const char *fmt, ...)
{
	va_list ap;

	if (m->msg[v][0] == 0) {
		va_start(ap, fmt);
		vsnprintf(m->msg[v], sizeof(m->msg[v]), fmt, ap);
		va_end(ap);
	}
	return v;
}

#define KEYFMT "dev 0x%x %s %u prg %u"
#define KEYARGS(g) (g)->dev, (g)->pv ? "PASID" : "RID", (g)->pasid, (g)->prg

/* R8 */
int
im_bind(struct im_model *m, const struct im_bond *nb)
{
	int ret = IM_OK;

	for (unsigned int i = 0; i < IM_MAX_GROUPS; i++) {
		const struct im_group *g = &m->g[i];

		if (g->state == IM_G_INFLIGHT && g->dev == nb->dev && g->pv &&
				g->pasid == nb->pasid && g->gen != nb->gen && ret == IM_OK)
			ret = fail(m, IM_V_REUSE, "bond gen %u got PASID %u while group " KEYFMT
				" (serial %" PRIu64 ", owner gen %u) is still unanswered", nb->gen,
				nb->pasid, KEYARGS(g), g->serial, g->gen);
	}
	for (unsigned int i = 0; i < IM_MAX_BONDS; i++) {
		if (!m->bond[i].live) {
			m->bond[i] = *nb;
			m->bond[i].live = true;
			break;
		}
	}
	return ret;
}

static void
discard(struct im_model *m, struct im_group *g)
{
	m->discarded[m->ndiscarded++ % 256] = ((uint64_t)g->dev << 32) ^ ((uint64_t)g->pv << 31) ^
		((uint64_t)g->pasid << 9) ^ g->prg;
	g->state = IM_G_FREE;
}

/* R6 */
void
im_unbind(struct im_model *m, uint32_t gen)
{
	for (unsigned int i = 0; i < IM_MAX_BONDS; i++)
		if (m->bond[i].live && m->bond[i].gen == gen)
			m->bond[i].live = false;
	for (unsigned int i = 0; i < IM_MAX_GROUPS; i++) {
		struct im_group *g = &m->g[i];

		if (g->gen != gen)
			continue;
		if (g->state == IM_G_OPEN || g->state == IM_G_INCOMPLETE)
			discard(m, g);
		else if (g->state == IM_G_EXPIRED)
			discard(m, g); /* expired keys die with their bond */
		else if (g->state == IM_G_INFLIGHT && !g->removed) {
			g->removed = 1;
			g->allowed = (uint8_t)im_rule_removed_before_answer(g->allowed);
		}
	}
}

/* R7 */
void
im_stop_begin(struct im_model *m)
{
	m->stopping = true;
	for (unsigned int i = 0; i < IM_MAX_GROUPS; i++)
		if (m->g[i].state == IM_G_OPEN || m->g[i].state == IM_G_INCOMPLETE)
			m->g[i].stopped = 1;
}

void
im_stop_end(struct im_model *m)
{
	m->stopping = false;
}

void
im_limits_set(struct im_model *m, uint32_t max_open, uint32_t max_pages)
{
	m->max_open = max_open;
	m->max_pages = max_pages;
}

void
im_expire(struct im_model *m)
{
	uint64_t now = now_ns();

	m->epoch++;
	for (unsigned int i = 0; i < IM_MAX_GROUPS; i++) {
		struct im_group *g = &m->g[i];

		if (g->state == IM_G_OPEN || g->state == IM_G_INCOMPLETE) {
			g->state = IM_G_EXPIRED;
			g->epoch = m->epoch;
			g->lost_seq = m->nlost++;
			g->lost_ns = now;
		} else if (g->state == IM_G_EXPIRED) {
			g->state = IM_G_FREE; /* forgotten by this deadline pass */
		}
	}
}

/* Destroy: every partial group is discarded; closed ones must still be answered. */
void
im_teardown(struct im_model *m)
{
	for (unsigned int i = 0; i < IM_MAX_GROUPS; i++) {
		struct im_group *g = &m->g[i];

		if (g->state == IM_G_OPEN || g->state == IM_G_INCOMPLETE)
			discard(m, g);
		else if (g->state == IM_G_EXPIRED)
			discard(m, g);
	}
}

void
im_forget_pages(struct im_model *m, uint64_t start, uint64_t end)
{
	/* the page and its window inside [start, end) are gone; its window outside still
	 * explains what it populated there */
	for (uint32_t i = 0; i < m->npg; i++) {
		struct im_page *p = &m->pg[i];

		if (p->addr + (uint64_t)p->fa_after * 4096 < start ||
				p->addr > end + (uint64_t)p->fa_before * 4096)
			continue;
		p->must = 0;
		p->gone_lo = start;
		p->gone_hi = end;
	}
}

/* ---- records ---- */

uint32_t
im_record(struct im_model *m, const struct im_rec *r)
{
	uint32_t i = m->nrec;

	if (i >= IM_MAX_RECS)
		return UINT32_MAX;
	m->rec[i] = *r;
	m->rec[i].read = 0;
	m->nrec++;
	return i;
}

static struct im_group *
gfind(struct im_model *m, uint32_t dev, uint32_t pv, uint32_t pasid, uint32_t prg, unsigned int states)
{
	for (unsigned int i = 0; i < IM_MAX_GROUPS; i++) {
		struct im_group *g = &m->g[i];

		if (((1u << g->state) & states) && g->dev == dev && g->pv == pv &&
				(!pv || g->pasid == pasid) && g->prg == prg)
			return g;
	}
	return NULL;
}

static struct im_group *
galloc(struct im_model *m)
{
	for (unsigned int i = 0; i < IM_MAX_GROUPS; i++)
		if (m->g[i].state == IM_G_FREE) {
			memset(&m->g[i], 0, sizeof(m->g[i]));
			return &m->g[i];
		}
	return NULL;
}

static void
page_add(struct im_model *m, uint64_t addr, uint32_t perm, const struct im_bond *b, bool must)
{
	if (m->npg < IM_MAX_PAGES)
		m->pg[m->npg++] = (struct im_page){ addr & ~UINT64_C(4095), perm,
			b != NULL ? b->fa_before : 0, b != NULL ? b->fa_after : 0, must };
}

#define ST(s) (1u << (s))

/* R11: groups in the fault path's open-group table (open or incomplete). */
static uint32_t
table_count(const struct im_model *m)
{
	uint32_t n = 0;

	for (unsigned int i = 0; i < IM_MAX_GROUPS; i++)
		n += m->g[i].state == IM_G_OPEN || m->g[i].state == IM_G_INCOMPLETE;
	return n;
}

/* R11: pages the pool surely holds (open groups the model is sure of) and may hold
 * (also the uncertain ones and every closed group not answered yet: deferred or not). */
static void
pool_bounds(const struct im_model *m, uint32_t *lo, uint32_t *hi)
{
	*lo = *hi = 0;
	for (unsigned int i = 0; i < IM_MAX_GROUPS; i++) {
		const struct im_group *g = &m->g[i];

		if (g->state == IM_G_OPEN && !g->maybe_cut)
			*lo += g->npages;
		if (g->state == IM_G_OPEN || (g->state == IM_G_INFLIGHT && g->gen != 0))
			*hi += g->npages;
	}
}

int
im_read(struct im_model *m, uint32_t idx)
{
	struct im_rec *r;
	const struct im_bond *b;
	struct im_group *open, *exp, *fl, *g;
	uint32_t pv, pasid;
	unsigned int decided = IM_SUCC, allowed;
	const char *why = "pages";

	if (idx >= m->nrec)
		return fail(m, IM_V_UNKNOWN, "the fault path read record %u, the device queued %u",
			idx, m->nrec);
	r = &m->rec[idx];
	r->read = 1;
	if (r->type == SVA_FAULT_OVERFLOW) { /* R9 */
		for (unsigned int i = 0; i < IM_MAX_GROUPS; i++)
			if (m->g[i].state == IM_G_OPEN)
				m->g[i].state = IM_G_INCOMPLETE;
		return IM_OK;
	}
	pv = (r->flags & SVA_FAULT_PR_PASID_VALID) ? 1 : 0;
	pasid = pv ? r->pasid : 0;
	if (pv && (r->flags & SVA_FAULT_PR_LAST_PAGE) && !(r->perm & RW)) {
		m->stop_markers++; /* R4 */
		return IM_OK;
	}
	b = lookup(m, r->dev, pv, pasid);
	open = gfind(m, r->dev, pv, pasid, r->prg, ST(IM_G_OPEN) | ST(IM_G_INCOMPLETE));
	exp = gfind(m, r->dev, pv, pasid, r->prg, ST(IM_G_EXPIRED));
	if (open != NULL && (b == NULL || open->gen != b->gen))
		open = NULL; /* another owner's partial group never merges */
	if (exp != NULL && (b == NULL || exp->gen != b->gen))
		exp = NULL;
	if (!(r->flags & SVA_FAULT_PR_LAST_PAGE)) { /* R5 */
		uint8_t maybe = 0;

		if (b == NULL) {
			/* discarded: remembered only to name the bug if it is answered */
			struct im_group t = { .dev = r->dev, .pv = pv, .pasid = pasid, .prg = r->prg };

			discard(m, &t);
			return IM_OK;
		}
		if (exp != NULL && im_rule_lost_key(m, exp) != IM_LOST_KEPT) {
			/* R11: the key is forgotten (or may be): the request opens a group (or,
			 * the key still kept, is dropped: the model loses the table's count) */
			if (im_rule_lost_key(m, exp) == IM_LOST_MAYBE) {
				m->table_unsure = true;
				maybe = 1;
			}
			exp->state = IM_G_FREE;
			exp = NULL;
		}
		if (exp != NULL || (open != NULL && open->state == IM_G_INCOMPLETE)) {
			/* a request of an expired, lost or cut group: never makes it Success, but
			 * the fault path may still populate a valid page of the live owner */
			if (im_rule_page(m, b, r->addr, r->perm) == IM_SUCC)
				page_add(m, r->addr, r->perm, b, false);
			return IM_OK;
		}
		if (open == NULL) {
			if (m->table_unsure) {
				maybe = 1;
			} else if (m->max_open != 0 && table_count(m) >= m->max_open) {
				/* R11: the table is full: the request is dropped, its key lost */
				g = galloc(m);
				if (g == NULL)
					return IM_OK;
				g->state = IM_G_EXPIRED;
				g->dev = r->dev;
				g->pv = pv;
				g->pasid = pasid;
				g->prg = r->prg;
				g->gen = b->gen;
				g->epoch = m->epoch;
				g->lost_seq = m->nlost++;
				g->lost_ns = now_ns();
				g->why = "lost: the open-group table was full";
				m->table_full++;
				return IM_OK;
			}
			open = galloc(m);
			if (open == NULL)
				return IM_OK;
			open->state = IM_G_OPEN;
			open->dev = r->dev;
			open->pv = pv;
			open->pasid = pasid;
			open->prg = r->prg;
			open->gen = b->gen;
			open->stale = r->ctx != 0 && r->ctx != b->gen;
			open->maybe_cut = maybe;
		}
		if (open->state == IM_G_OPEN && m->max_pages != 0) {
			uint32_t lo, hi;

			/* R11: the page pool full: the group is cut (incomplete) */
			pool_bounds(m, &lo, &hi);
			if (lo >= m->max_pages) {
				open->state = IM_G_INCOMPLETE;
				m->pool_full++;
				return IM_OK;
			}
			if (hi >= m->max_pages)
				open->maybe_cut = 1;
		}
		if (open->state == IM_G_OPEN && open->npages < IM_GPAGES) {
			open->addr[open->npages] = r->addr;
			open->perm[open->npages++] = r->perm;
			open->stale |= r->ctx != 0 && r->ctx != b->gen;
		}
		return IM_OK;
	}
	/* a LAST */
	fl = gfind(m, r->dev, pv, pasid, r->prg, ST(IM_G_INFLIGHT));
	if (fl != NULL) { /* R3 */
		m->dups++;
		if (open != NULL)
			discard(m, open);
		return IM_OK;
	}
	g = galloc(m);
	if (g == NULL)
		return fail(m, IM_V_NEVER, "model: too many groups in flight");
	g->state = IM_G_INFLIGHT;
	g->dev = r->dev;
	g->pv = pv;
	g->pasid = pasid;
	g->prg = r->prg;
	g->serial = r->serial;
	g->gen = b != NULL ? b->gen : 0;
	if (b == NULL) {
		allowed = IM_INV;
		why = "no bond for the key";
	} else {
		/* its pages (also a stale group's: the fault path cannot tell it is stale, and
		 * may keep them deferred: R11 counts them) */
		if (open != NULL)
			for (uint32_t p = 0; p < open->npages; p++) {
				g->addr[g->npages] = open->addr[p];
				g->perm[g->npages++] = open->perm[p];
			}
		if (g->npages < IM_GPAGES) {
			g->addr[g->npages] = r->addr;
			g->perm[g->npages++] = r->perm;
		}
	}
	if (b != NULL && r->ctx != 0 && r->ctx != b->gen) {
		allowed = IM_INV;
		g->stale = 1;
		why = "stale: sent for an older owner of the PASID";
	} else if (b != NULL) {
		for (uint32_t p = 0; p < g->npages; p++) {
			unsigned int c = im_rule_page(m, b, g->addr[p], g->perm[p]);

			if (c == IM_SUCC)
				page_add(m, g->addr[p], g->perm[p], b, false);
			else
				decided = IM_INV;
		}
		allowed = decided;
		if (open != NULL && open->stale) {
			allowed = IM_INV;
			g->stale = 1;
			why = "stale partial";
		} else if (exp != NULL) {
			allowed = im_rule_late_last(m, exp, decided);
			why = exp->why != NULL ? exp->why : "late LAST after the deadline";
		} else if (open != NULL && open->state == IM_G_INCOMPLETE) {
			allowed = IM_INV;
			why = "cut by an overflow, or the page pool was full";
		} else if (open != NULL && open->maybe_cut) {
			allowed = decided | IM_INV;
			why = "maybe cut: the table or page pool may have been full";
		} else if (open != NULL && open->stopped) {
			allowed = im_rule_partial_across_stop(decided);
			why = "partial across a service stop";
		} else if (decided != IM_SUCC) {
			why = "an invalid page";
		}
	}
	if (open != NULL)
		open->state = IM_G_FREE;
	if (exp != NULL)
		exp->state = IM_G_FREE;
	g->allowed = (uint8_t)allowed;
	g->why = why;
	m->groups_closed++;
	return IM_OK;
}

static int response(struct im_model *m, const struct sva_page_response *r, bool lost);

int
im_response(struct im_model *m, const struct sva_page_response *r)
{
	return response(m, r, false);
}

/* A response the driver refused for good (sva_iopf.h "Responses": lost, counted, the
 * poller goes on): it is checked like an answer (once, own identity, allowed code),
 * then its group is forgotten: neither answered (its pages need not be present) nor in
 * flight (a later LAST of its key opens a new group; R8 does not wait for it). */
int
im_response_lost(struct im_model *m, const struct sva_page_response *r)
{
	return response(m, r, true);
}

static int
response(struct im_model *m, const struct sva_page_response *r, bool lost)
{
	uint32_t pv = (r->flags & SVA_PAGE_RESP_PASID_VALID) ? 1 : 0;
	struct im_group *g = gfind(m, r->dev_id, pv, r->pasid, r->grpid, ST(IM_G_INFLIGHT));
	const struct im_bond *b;
	uint64_t key = ((uint64_t)r->dev_id << 32) ^ ((uint64_t)pv << 31) ^
		((uint64_t)r->pasid << 9) ^ r->grpid;
	unsigned int cm = code_mask(r->code);

	if (lost)
		m->lost++;
	else
		m->responses++;
	if (g == NULL) {
		if (gfind(m, r->dev_id, pv, r->pasid, r->grpid, ST(IM_G_OPEN) | ST(IM_G_INCOMPLETE) |
				ST(IM_G_EXPIRED)) != NULL)
			return fail(m, IM_V_PARTIAL, "dev 0x%x %s %u prg %u answered (code %u, serial "
				"%" PRIu64 ") while its group is partial (no LAST read)%s", r->dev_id,
				pv ? "PASID" : "RID", r->pasid, r->grpid, r->code, r->private_data[0],
				m->stopping ? ", during a service stop" : "");
		for (unsigned int i = 0; i < 256 && i < m->ndiscarded; i++)
			if (m->discarded[i] == key)
				return fail(m, IM_V_PARTIAL, "dev 0x%x %s %u prg %u answered (code %u) "
					"after its partial group was discarded (no LAST read)",
					r->dev_id, pv ? "PASID" : "RID", r->pasid, r->grpid, r->code);
		if (r->private_data[0] != 0)
			for (unsigned int i = 0; i < 256 && i < m->nanswered; i++)
				if (m->answered[i] == r->private_data[0])
					return fail(m, IM_V_TWICE, "dev 0x%x %s %u prg %u serial %" PRIu64
						" answered again (code %u)", r->dev_id,
						pv ? "PASID" : "RID", r->pasid, r->grpid,
						r->private_data[0], r->code);
		return fail(m, IM_V_UNKNOWN, "dev 0x%x %s %u prg %u answered (code %u, serial %"
			PRIu64 "): no such group closed", r->dev_id, pv ? "PASID" : "RID", r->pasid,
			r->grpid, r->code, r->private_data[0]);
	}
	g->state = IM_G_FREE;
	m->answered[m->nanswered++ % 256] = g->serial;
	if (r->private_data[0] != g->serial || r->cookie != (uint32_t)g->serial ||
			r->private_data[1] != ~g->serial)
		return fail(m, IM_V_IDENTITY, KEYFMT " serial %" PRIu64 " answered with private "
			"data %" PRIu64 "/%#" PRIx64 ", cookie %u", KEYARGS(g), g->serial,
			r->private_data[0], r->private_data[1], r->cookie);
	if (!(cm & g->allowed)) {
		if (cm == IM_SUCC && g->stale)
			return fail(m, IM_V_STALE, KEYFMT " serial %" PRIu64 " (%s) answered Success "
				"under owner gen %u", KEYARGS(g), g->serial, g->why, g->gen);
		return fail(m, IM_V_CODE, KEYFMT " serial %" PRIu64 " answered %s (code %u), the "
			"rules say %s (%s%s%s)", KEYARGS(g), g->serial,
			cm == IM_SUCC ? "Success" : cm == IM_INV ? "Invalid" : "Failure", r->code,
			mask_str(g->allowed), g->why, g->removed ? ", bond removed" : "",
			m->stopping ? ", during a service stop" : "");
	}
	b = NULL;
	for (unsigned int i = 0; i < IM_MAX_BONDS; i++)
		if (m->bond[i].gen == g->gen)
			b = &m->bond[i];
	if (cm == IM_SUCC) {
		/* a lost answer's pages were populated all the same (resolve, then answer) */
		for (uint32_t p = 0; p < g->npages; p++)
			page_add(m, g->addr[p], g->perm[p], b, !g->removed);
	} else if (b != NULL && b->live && !g->stale) {
		/* R10 and sva_iopf.h "Validation"/"Resolve": a group answered Invalid for one
		 * bad page still has its valid pages populated, in the burst that answers it
		 * (a drain keeps a live bond's group for the poller, so that burst may come
		 * after the test emptied the pages the read explained) */
		for (uint32_t p = 0; p < g->npages; p++)
			if (im_rule_page(m, b, g->addr[p], g->perm[p]) == IM_SUCC)
				page_add(m, g->addr[p], g->perm[p], b, false);
	}
	return IM_OK;
}

int
im_check_all_answered(struct im_model *m)
{
	for (unsigned int i = 0; i < IM_MAX_GROUPS; i++) {
		const struct im_group *g = &m->g[i];

		if (g->state == IM_G_INFLIGHT)
			return fail(m, IM_V_NEVER, KEYFMT " serial %" PRIu64 " (%s, owner gen %u%s) "
				"closed and never answered", KEYARGS(g), g->serial, g->why, g->gen,
				g->removed ? ", bond removed" : "");
	}
	return IM_OK;
}

bool
im_key_free(const struct im_model *m, uint32_t dev, uint32_t pv, uint32_t pasid, uint32_t prg)
{
	for (unsigned int i = 0; i < IM_MAX_GROUPS; i++) {
		const struct im_group *g = &m->g[i];

		if (g->state != IM_G_FREE && g->dev == dev && g->pv == pv &&
				(!pv || g->pasid == pasid) && g->prg == prg)
			return false;
	}
	for (uint32_t i = 0; i < m->nrec; i++) {
		const struct im_rec *r = &m->rec[i];

		if (!r->read && r->type == SVA_FAULT_PAGE_REQ && r->dev == dev &&
				!!(r->flags & SVA_FAULT_PR_PASID_VALID) == !!pv &&
				(!pv || r->pasid == pasid) && r->prg == prg)
			return false;
	}
	return true;
}

bool
im_page_explained(const struct im_model *m, uint64_t addr)
{
	const struct im_vma *v = im_vma_find(m, addr);

	addr &= ~UINT64_C(4095);
	for (uint32_t i = 0; i < m->npg; i++) {
		const struct im_page *p = &m->pg[i];
		const struct im_vma *pv;

		if (addr >= p->gone_lo && addr < p->gone_hi)
			continue;
		if (p->addr == addr)
			return true;
		if (v == NULL || (p->fa_before | p->fa_after) == 0)
			continue;
		pv = im_vma_find(m, p->addr);
		if (pv != v)
			continue;
		if (v->kind != IM_VMA_4K)
			return true; /* THP / hugetlb: anywhere in the same mapping */
		if (addr < p->addr && p->addr - addr <= (uint64_t)p->fa_before * 4096)
			return true;
		if (addr > p->addr && addr - p->addr <= (uint64_t)p->fa_after * 4096)
			return true;
	}
	/* a THP or hugetlb demand page populates its whole block, in its mapping */
	if (v != NULL && v->kind != IM_VMA_4K)
		for (uint32_t i = 0; i < m->npg; i++)
			if (im_vma_find(m, m->pg[i].addr) == v && !(addr >= m->pg[i].gone_lo &&
					addr < m->pg[i].gone_hi) &&
					(m->pg[i].addr >> 21) == (addr >> 21))
				return true;
	return false;
}

/* ---- nested (vSVA) groups: rules N1..N7 (iopf_model.h) ---- */

#define NV(m, v, ...) (snprintf((m)->msg[v], sizeof((m)->msg[v]), __VA_ARGS__), (v))

void
imn_init(struct imn_model *m)
{
	memset(m, 0, sizeof(*m));
}

void
imn_bind(struct imn_model *m, const struct imn_bond *b)
{
	if (b->gen < IMN_MAX_BONDS)
		m->bond[b->gen] = *b;
}

unsigned int
imn_rule_fate(const struct imn_model *m, const struct imn_group *g)
{
	const struct imn_bond *b = &m->bond[g->gen];
	bool s1 = false;

	if (g->cut || !b->live)
		return IMN_F_INVALID;                   /* N1 */
	for (unsigned int p = 0; p < g->npages; p++) {
		if (g->s1[p])
			s1 = true;
		else if (g->addr[p] < b->ram_lo || g->addr[p] >= b->ram_hi)
			return IMN_F_INVALID;           /* N2 */
	}
	return s1 ? IMN_F_HELD : IMN_F_SUCCESS; /* N3, N4 */
}

/* Close every group whose LAST the driver has read (index below prq_head): its fate is
 * decided by the state of now, which is the state it was read in (the caller syncs
 * before every event that changes a bond or cuts a group). */
static void
sync(struct imn_model *m, uint32_t prq_head)
{
	for (uint32_t i = 0; i < m->ngroups; i++) {
		struct imn_group *g = &m->g[i];

		if (g->closed || !g->last_sent || (int32_t)(g->last_idx - prq_head) >= 0)
			continue;
		g->closed = true;
		g->fate = (uint8_t)imn_rule_fate(m, g);
		if (g->fate == IMN_F_HELD)
			m->held++;
		else
			g->code = g->fate == IMN_F_SUCCESS ? SVA_PAGE_RESP_SUCCESS : SVA_PAGE_RESP_INVALID;
	}
}

void
imn_unbind(struct imn_model *m, uint32_t gen, uint32_t prq_head)
{
	sync(m, prq_head);
	for (uint32_t i = 0; i < m->ngroups; i++) {
		struct imn_group *g = &m->g[i];

		if (g->gen != gen)
			continue;
		if (!g->closed) {
			g->cut = true; /* partial, or its LAST unread: N1 */
		} else if (g->fate != IMN_F_HELD && g->answers == 0) {
			g->may_invalid = true; /* deferred: the unbind may answer it Invalid */
		} else if (g->fate == IMN_F_HELD && g->how == IMN_H_NONE) {
			g->how = IMN_H_UNBIND;
			g->code = SVA_PAGE_RESP_INVALID;
			m->unbind_answers++;
		}
	}
	m->bond[gen].live = false;
}

void
imn_expire(struct imn_model *m, uint32_t prq_head)
{
	sync(m, prq_head);
	for (uint32_t i = 0; i < m->ngroups; i++) {
		struct imn_group *g = &m->g[i];

		if (!g->closed && g->sent > 0) {
			g->cut = true; /* open when the deadline passed: its LAST is late */
		} else if (g->closed && g->fate == IMN_F_HELD && g->how == IMN_H_NONE) {
			g->how = IMN_H_DEADLINE;
			g->code = SVA_PAGE_RESP_INVALID;
			g->retired = ++m->nretired;
			m->deadline_answers++;
		}
	}
}

struct imn_group *
imn_group_new(struct imn_model *m, uint32_t gen, uint32_t dev, uint32_t pasid, uint32_t prg)
{
	struct imn_group *g;

	if (m->ngroups >= IMN_MAX_GROUPS)
		return NULL;
	g = &m->g[m->ngroups++];
	memset(g, 0, sizeof(*g));
	g->serial = m->ngroups;
	g->gen = gen;
	g->dev = dev;
	g->pasid = pasid;
	g->prg = prg;
	return g;
}

void
imn_sent(struct imn_model *m, struct imn_group *g, bool last, uint32_t idx)
{
	(void)m;
	g->sent++;
	if (last) {
		g->last_sent = true;
		g->last_idx = idx;
	}
}

static struct imn_group *
by_serial(struct imn_model *m, uint64_t serial)
{
	return serial >= 1 && serial <= m->ngroups ? &m->g[serial - 1] : NULL;
}

int
imn_delivery(struct imn_model *m, uint32_t gen, const struct sva_fault *rec, uint32_t prq_head)
{
	const struct imn_bond *b = gen < IMN_MAX_BONDS ? &m->bond[gen] : NULL;
	const struct sva_fault_page_req *pr = &rec->prm;
	struct imn_group *g;
	unsigned int k = 0, want = 0;

	sync(m, prq_head);
	if (rec->type != SVA_FAULT_PAGE_REQ)
		return IM_OK; /* unrecoverable events are not this model's */
	g = by_serial(m, pr->private_data[0]);
	if (g == NULL || b == NULL)
		return NV(m, IM_V_DELIVERY, "bond gen %u's VMM got a record of no group sent "
			"(serial %" PRIu64 ")", gen, pr->private_data[0]);
	if (g->gen != gen)
		return NV(m, IM_V_DELIVERY, "group serial %" PRIu64 " of bond gen %u (VM %u, "
			"gpasid %u) handed to bond gen %u (VM %u, gpasid %u, cookie %#" PRIx64 ")",
			g->serial, g->gen, m->bond[g->gen].vm, m->bond[g->gen].gpasid, gen, b->vm,
			b->gpasid, pr->user_cookie);
	if (!g->closed || g->fate != IMN_F_HELD)
		return NV(m, IM_V_DELIVERY, "group serial %" PRIu64 " (PASID %u prg %u) handed to "
			"the VMM though the rules %s", g->serial, g->pasid, g->prg,
			!g->closed ? "have not seen its LAST read" : g->cut || !b->live ?
			"say it is stale / cut (N1)" : "answer it here (N2, N4)");
	for (unsigned int p = 0; p < g->npages; p++)
		if (g->s1[p] && want++ == g->delivered)
			k = p;
	if (g->delivered >= g->ns1)
		return NV(m, IM_V_DELIVERY, "group serial %" PRIu64 ": record %u of %u S1 pages",
			g->serial, g->delivered + 1, g->ns1);
	if (pr->addr != g->addr[k] || pr->dev_id != g->dev || pr->pasid != g->pasid ||
			pr->grpid != g->prg || !(pr->flags & SVA_FAULT_PR_NESTED_S1) ||
			!(pr->flags & SVA_FAULT_PR_GUEST) || pr->user_cookie != b->cookie ||
			!(pr->flags & SVA_FAULT_PR_COOKIE) || pr->cookie == 0 ||
			pr->gpasid != (b->whole ? g->pasid : b->gpasid) ||
			!!(pr->flags & SVA_FAULT_PR_LAST_PAGE) != (g->delivered + 1 == g->ns1))
		return NV(m, IM_V_DELIVERY, "group serial %" PRIu64 " record %u: addr %#" PRIx64
			" (want %#" PRIx64 ") dev %#x PASID %u prg %u flags %#x gpasid %u (want %u) "
			"cookie %#" PRIx64 " (want %#" PRIx64 ")", g->serial, g->delivered, pr->addr,
			g->addr[k], pr->dev_id, pr->pasid, pr->grpid, pr->flags, pr->gpasid,
			b->whole ? g->pasid : b->gpasid, pr->user_cookie, b->cookie);
	g->delivered++;
	m->delivered++;
	return IM_OK;
}

int
imn_response(struct imn_model *m, const struct sva_page_response *r, uint32_t prq_head)
{
	struct imn_group *g;

	sync(m, prq_head);
	m->responses++;
	g = by_serial(m, r->private_data[0]);
	if (g == NULL)
		return NV(m, IM_V_UNKNOWN, "response dev %#x PASID %u prg %u for no group sent",
			r->dev_id, r->pasid, r->grpid);
	if (!g->closed)
		return NV(m, IM_V_PARTIAL, "group serial %" PRIu64 " answered before its LAST was "
			"read", g->serial);
	if (r->dev_id != g->dev || r->pasid != g->pasid || r->grpid != g->prg ||
			!(r->flags & SVA_PAGE_RESP_PASID_VALID) || r->private_data[1] != ~g->serial)
		return NV(m, IM_V_IDENTITY, "group serial %" PRIu64 " (dev %#x PASID %u prg %u) "
			"answered as dev %#x PASID %u prg %u", g->serial, g->dev, g->pasid, g->prg,
			r->dev_id, r->pasid, r->grpid);
	if (g->answers++ != 0)
		return NV(m, IM_V_TWICE, "group serial %" PRIu64 " (PASID %u prg %u) answered "
			"twice (code %u)", g->serial, g->pasid, g->prg, r->code);
	if (g->fate == IMN_F_HELD && g->how == IMN_H_NONE)
		return NV(m, IM_V_CODE, "held group serial %" PRIu64 " (PASID %u prg %u) answered "
			"(code %u) though neither its VMM, the deadline nor the unbind did", g->serial,
			g->pasid, g->prg, r->code);
	if (r->code != g->code && !(g->may_invalid && r->code == SVA_PAGE_RESP_INVALID))
		return NV(m, g->fate == IMN_F_SUCCESS || r->code != SVA_PAGE_RESP_SUCCESS ?
			IM_V_CODE : IM_V_STALE, "group serial %" PRIu64 " (PASID %u prg %u, %s) "
			"answered %u, the rules say %u", g->serial, g->pasid, g->prg,
			g->cut || !m->bond[g->gen].live ? "cut or its bond gone" : "its owner's",
			r->code, g->code);
	g->resp_code = r->code;
	if (r->code == SVA_PAGE_RESP_SUCCESS)
		m->success++;
	else
		m->invalid++;
	return IM_OK;
}

/* The newest closed, held instance of g's key handed to bond gen (g itself when none
 * came after it). */
static struct imn_group *
newest_instance(struct imn_model *m, struct imn_group *g, uint32_t gen)
{
	struct imn_group *n = g;

	for (uint32_t i = (uint32_t)g->serial; i < m->ngroups; i++) {
		struct imn_group *o = &m->g[i];

		/* handed over already (a group read but still deferred is not held yet) */
		if (o->gen == gen && o->dev == g->dev && o->pasid == g->pasid && o->prg == g->prg &&
				o->closed && o->fate == IMN_F_HELD && o->delivered > 0)
			n = o;
	}
	return n;
}

int
imn_vmm_answer(struct imn_model *m, uint32_t gen, const struct imn_group *cg, uint32_t code,
		bool tagged, int ret, bool from_cb, uint32_t prq_head)
{
	struct imn_group *g0 = &m->g[cg->serial - 1], *g = g0;
	int want;
	bool forgotten;

	sync(m, prq_head);
	if (from_cb) {
		want = -EDEADLK;
	} else if (g0->gen != gen || !g0->closed || g0->fate != IMN_F_HELD) {
		want = -ENOENT;
	} else {
		/* tagged: that instance only (N5); untagged: the key's newest one (N5b) */
		struct imn_group *t = newest_instance(m, g0, gen);

		if (tagged) {
			want = g0->how == IMN_H_NONE ? 0 : g0->how == IMN_H_VMM ? -EALREADY :
				g0->how == IMN_H_DEADLINE ? -ETIMEDOUT : -ENOENT;
			if (t != g0 && t->how == IMN_H_NONE && want != 0)
				m->tagged_stale++;
		} else if (t->how == IMN_H_NONE) {
			g = t;
			want = 0;
		} else {
			g = t;
			want = t->how == IMN_H_VMM ? -EALREADY : t->how == IMN_H_DEADLINE ?
				-ETIMEDOUT : -ENOENT;
		}
	}
	forgotten = g->retired != 0 && m->nretired - g->retired >= 256;
	if (ret != want && !(forgotten && ret == -ENOENT && want != 0))
		return NV(m, IM_V_VMM_RET, "bond gen %u's VMM answered group serial %" PRIu64
			" (of gen %u, PASID %u prg %u%s): got %d, the rules say %d", gen, cg->serial,
			g->gen, g->pasid, g->prg, g->how == IMN_H_VMM ? ", answered by the VMM" :
			g->how == IMN_H_DEADLINE ? ", answered by the deadline" : "", ret, want);
	if (want == -EDEADLK)
		m->cb_answers++;
	else if (g->gen != gen)
		m->cross_answers++;
	else if (want == -EALREADY)
		m->dup_answers++;
	else if (want == -ETIMEDOUT)
		m->late_answers++;
	if (ret == 0 && want == 0) {
		if (g != g0)
			m->newer_answered++;
		g->how = IMN_H_VMM;
		g->code = code;
		g->retired = ++m->nretired;
		m->vmm_answers++;
	}
	return IM_OK;
}

int
imn_check_all(struct imn_model *m, uint32_t prq_head)
{
	sync(m, prq_head);
	for (uint32_t i = 0; i < m->ngroups; i++) {
		const struct imn_group *g = &m->g[i];

		if (g->closed && g->answers != 1)
			return NV(m, IM_V_NEVER, "group serial %" PRIu64 " (dev %#x PASID %u prg %u, "
				"fate %u, how %u) answered %u times by the end", g->serial, g->dev,
				g->pasid, g->prg, g->fate, g->how, g->answers);
		if (g->closed && g->fate == IMN_F_HELD && g->delivered != g->ns1 &&
				g->how == IMN_H_VMM)
			return NV(m, IM_V_DELIVERY, "group serial %" PRIu64 ": %u of %u records "
				"handed over", g->serial, g->delivered, g->ns1);
	}
	return IM_OK;
}

static bool
page_of(const struct imn_model *m, uint64_t addr, bool must)
{
	for (uint32_t i = 0; i < m->ngroups; i++) {
		const struct imn_group *g = &m->g[i];
		const struct imn_bond *b = &m->bond[g->gen];

		if (!g->closed || g->cut)
			continue;
		/* must: answered Success for its S2 pages, or handed over (resolved first) */
		if (must && !(g->fate == IMN_F_SUCCESS && g->answers > 0 &&
				g->resp_code == SVA_PAGE_RESP_SUCCESS) &&
				!(g->fate == IMN_F_HELD && g->delivered > 0))
			continue;
		for (unsigned int p = 0; p < g->npages; p++)
			if (!g->s1[p] && (g->addr[p] & ~UINT64_C(4095)) == addr &&
					addr >= b->ram_lo && addr < b->ram_hi)
				return true;
	}
	return false;
}

bool
imn_page_explained(const struct imn_model *m, uint64_t addr)
{
	return page_of(m, addr, false);
}

bool
imn_page_must(const struct imn_model *m, uint64_t addr)
{
	return page_of(m, addr, true);
}

bool
imn_key_free(const struct imn_model *m, uint32_t dev, uint32_t pasid, uint32_t prg,
		uint32_t prq_head)
{
	for (uint32_t i = 0; i < m->ngroups; i++) {
		const struct imn_group *g = &m->g[i];

		if (g->dev != dev || g->pasid != pasid || g->prg != prg)
			continue;
		if (g->cut && !g->last_sent)
			continue; /* discarded partial group: its LAST never comes */
		if (!g->last_sent || (int32_t)(g->last_idx - prq_head) >= 0 ||
				g->answers == 0)
			return false;
	}
	return true;
}
