/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The `nested` class of iopf_model_autotest: the vSVA half of the fault path against
 * the nested model (iopf_model.h, rules N1..N7), on the syn driver with nested=1.
 *
 * Each seed is one flavour: VT-d (per-PASID first levels, host PASIDs from two VMs'
 * maps, guest PASIDs 1..3 in both VMs, so host PASIDs and gPASIDs are reused across
 * binds and the same gPASID lives in both VMs) or SMMUv3 (a CD table bond per dev, its
 * VM changing from bind to bind, gpasid == SSID 1..3). A generator plays the devices
 * (groups of 1-3 pages, each first-level at a guest virtual address or second-level
 * inside or outside the owner's guest RAM), the VMMs (taking the records from an event
 * ring or callback; answering each group once, twice, never, late after the deadline,
 * with another VM's bond, or from inside the event callback) and the application
 * (binds, unbinds with groups held and partial, unmaps of unbound gPASIDs, deadlines,
 * partial response back-pressure; in one seed of NSTUCK_EVERY the device stops taking
 * responses across an unbind, then requests of the old bond still in flight meet a new
 * bind of the same gPASID, or of the same dev for a CD table). The model is told every
 * control event before it happens and checks every record handed to a VMM, every VMM
 * answer's result and every response, and at the end that every closed group was
 * answered once and that guest RAM pages are present exactly as the rules explain.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include <rte_common.h>
#include <rte_cycles.h>
#include <rte_errno.h>
#include <rte_ring.h>
#include <rte_ring_elem.h>

#include <sva.h>

#include "iopf_model.h"
#ifndef SVA_NESTED_FUZZ
#include "sva_test.h"
#endif
#include "test_iopf_syn.h"
#include "test_pagemap.h"

#define PG 4096u
#define RAM_PAGES 32
#define NVM 2
#define NGPASID 3
#define NBONDS 4
#define NPRG_N 4
#define NSTEPS 160
#define NDG 32
#define NINBOX 256
#define NSTUCK_EVERY 40
#define GVA_BASE UINT64_C(0x7f0000400000)

struct nbond {
	struct sva_bond *b;
	uint32_t gen;
	int vm, devi;
	uint32_t gpasid, pasid;
	bool cb;
	bool plain;             /* SMMUv3 seeds: a plain bond of this process (no requests
				   of its own: only stale ones of a CD table may reach it) */
	struct sva_nested_cfg cfg;
};

struct ngroup {
	struct imn_group *g;
	bool used;
};

/* A group handed to a VMM, as the VMM knows it (its LAST record). */
struct inbox {
	uint32_t gen;           /* the bond whose VMM got it */
	uint64_t serial;
	struct sva_fault rec;
};

static struct imn_model NM;
static struct {
	uint64_t rng;
	unsigned int seed;
	bool smmu, verbose;
	struct sva_iommu *iommu;
	struct syn_iommu *s;
	struct sva_dev *dev[2];
	struct sva_pasid_space *space;
	struct sva_pasid_set *app;
	struct sva_vpasid_vm *vm[NVM];
	uint8_t *mem;           /* guard | VM 0 RAM | VM 1 RAM | guard */
	size_t mem_len;
	struct nbond bonds[NBONDS];
	struct ngroup dg[NDG];
	struct inbox inbox[NINBOX];
	unsigned int ninbox;
	uint32_t gen, nresp_seen;
	uint32_t vmask, first_step[IM_V_MAX];
	unsigned int step, binds, refused_binds, stuck_unbinds;
} N;

static const uint32_t devids[2] = { 0x10, 0x20 };

/* The fuzz target (fuzz/fuzz_nested_path.c) plays the same streams from its input:
 * rnd() then reads it (zeros past its end), and the seed stops when it is used up. */
static const uint8_t *fz_p;
static size_t fz_n;
static bool fz_mode, fz_done;

static uint32_t
rnd(uint32_t n)
{
	if (fz_mode) {
		uint32_t v = 0;

		if (fz_n >= 2) {
			v = (uint32_t)fz_p[0] | (uint32_t)fz_p[1] << 8;
			fz_p += 2;
			fz_n -= 2;
		} else {
			fz_done = true;
		}
		return n == 0 ? 0 : v % n;
	}
	N.rng ^= N.rng << 13;
	N.rng ^= N.rng >> 7;
	N.rng ^= N.rng << 17;
	return n == 0 ? 0 : (uint32_t)((N.rng >> 11) % n);
}

static void
violate(int v)
{
	if (v != IM_OK && !(N.vmask & (1u << v))) {
		N.vmask |= 1u << v;
		N.first_step[v] = N.step;
	}
}

static uint8_t *
ram_of(int vm)
{
	return N.mem + PG + (size_t)vm * RAM_PAGES * PG;
}

static uint32_t
head(void)
{
	return N.s->prq_head;
}

/* Every response written since the last look, to the model. */
static void
responses(void)
{
	for (; N.nresp_seen < N.s->nresp; N.nresp_seen++)
		violate(imn_response(&NM, &N.s->resp[N.nresp_seen], head()));
}

static struct nbond *
bond_of_gen(uint32_t gen)
{
	for (int i = 0; i < NBONDS; i++)
		if (N.bonds[i].b != NULL && N.bonds[i].gen == gen)
			return &N.bonds[i];
	return NULL;
}

static struct sva_page_response
answer_of(const struct sva_fault *rec, uint32_t code)
{
	struct sva_page_response r = { .argsz = sizeof(r), .flags = SVA_PAGE_RESP_PASID_VALID,
		.dev_id = rec->prm.dev_id, .pasid = rec->prm.pasid, .grpid = rec->prm.grpid,
		.code = code, .cookie = rec->prm.cookie,
		.private_data = { rec->prm.private_data[0], rec->prm.private_data[1] } };

	return r;
}

static void
inbox_add(uint32_t gen, const struct sva_fault *rec)
{
	if (!(rec->prm.flags & SVA_FAULT_PR_LAST_PAGE) || N.ninbox == NINBOX ||
			rec->prm.private_data[0] < 1 || rec->prm.private_data[0] > NM.ngroups)
		return;
	N.inbox[N.ninbox++] = (struct inbox){ gen, rec->prm.private_data[0], *rec };
}

static const uint32_t codes[3] = { SVA_PAGE_RESP_SUCCESS, SVA_PAGE_RESP_INVALID,
	SVA_PAGE_RESP_FAILURE };

/* The event callback of callback bonds: on the poll thread. Sometimes the VMM answers
 * right here (refused: -EDEADLK). */
static void
vmm_cb(struct sva_bond *bond, const struct sva_fault *rec, void *arg)
{
	uint32_t gen = (uint32_t)(uintptr_t)arg;

	violate(imn_delivery(&NM, gen, rec, head()));
	if (N.verbose)
		printf("      step %u: gen %u's VMM (callback) gets serial %" PRIu64 " PASID %u prg %u addr %#" PRIx64
			"%s\n", N.step, gen, rec->prm.private_data[0], rec->prm.pasid, rec->prm.grpid, rec->prm.addr,
			(rec->prm.flags & SVA_FAULT_PR_LAST_PAGE) ? " LAST" : "");
	if (rec->type != SVA_FAULT_PAGE_REQ)
		return;
	if ((rec->prm.flags & SVA_FAULT_PR_LAST_PAGE) && rnd(4) == 0) {
		struct sva_page_response r = answer_of(rec, SVA_PAGE_RESP_SUCCESS);
		const struct imn_group *g = rec->prm.private_data[0] >= 1 &&
			rec->prm.private_data[0] <= NM.ngroups ? &NM.g[rec->prm.private_data[0] - 1] : NULL;
		int ret = sva_nested_page_response(bond, &r);

		if (N.verbose)
			printf("      step %u: VMM of gen %u answers serial %" PRIu64 " from the "
				"callback: %d\n", N.step, gen, rec->prm.private_data[0], ret);
		if (g != NULL)
			violate(imn_vmm_answer(&NM, gen, g, r.code, true, ret, true, head()));
	}
	inbox_add(gen, rec);
}

/* Ring bonds: the VMM takes what was handed over. */
static void
rings(void)
{
	struct sva_fault rec;

	for (int i = 0; i < NBONDS; i++) {
		struct nbond *nb = &N.bonds[i];

		if (nb->b == NULL || nb->cb || nb->plain)
			continue;
		while (rte_ring_dequeue_elem(sva_bond_event_ring(nb->b), &rec, sizeof(rec)) == 0) {
			violate(imn_delivery(&NM, nb->gen, &rec, head()));
			if (N.verbose)
				printf("      step %u: gen %u's VMM (ring) gets serial %" PRIu64 " addr %#"
					PRIx64 "%s\n", N.step, nb->gen, rec.prm.private_data[0],
					rec.prm.addr, (rec.prm.flags & SVA_FAULT_PR_LAST_PAGE) ? " LAST" : "");
			if (rec.type == SVA_FAULT_PAGE_REQ)
				inbox_add(nb->gen, &rec);
		}
	}
}

static void
poll_once(unsigned int budget)
{
	sva_iopf_poll(N.iommu, budget);
	rings();
	responses();
}

static void
poll_idle(void)
{
	for (int i = 0; i < 64 && sva_iopf_poll(N.iommu, 256) > 0; i++)
		;
	sva_iopf_poll(N.iommu, 256);
	rings();
	responses();
}

/* ---- the device ---- */

static void
send(struct ngroup *d)
{
	struct imn_group *g = d->g;
	unsigned int p = g->sent;
	bool last = p + 1 == g->npages;
	struct sva_fault *f;
	uint32_t idx = N.s->prq_tail;

	if (idx - N.s->prq_head >= SYN_QLEN)
		return;
	f = &N.s->prq[idx % SYN_QLEN];
	memset(f, 0, sizeof(*f));
	f->type = SVA_FAULT_PAGE_REQ;
	f->prm.flags = SVA_FAULT_PR_PASID_VALID | SVA_FAULT_PR_PRIV_DATA |
		(last ? SVA_FAULT_PR_LAST_PAGE : 0) |
		(g->s1[p] ? SVA_FAULT_PR_NESTED_S1 : SVA_FAULT_PR_NESTED_S2);
	f->prm.pasid = g->pasid;
	f->prm.grpid = g->prg;
	f->prm.perm = g->perm[p];
	f->prm.addr = g->addr[p];
	f->prm.dev_id = g->dev;
	f->prm.private_data[0] = g->serial;
	f->prm.private_data[1] = ~g->serial;
	imn_sent(&NM, g, last, idx);
	N.s->prq_tail = idx + 1;
	if (last)
		d->used = false;
}

/* A page of a group of bond nb: first level, or second level in or out of its RAM. */
static void
draw_page(const struct nbond *nb, struct imn_group *g, unsigned int p)
{
	static const uint32_t perms[] = { SVA_FAULT_PERM_READ, SVA_FAULT_PERM_WRITE,
		SVA_FAULT_PERM_READ | SVA_FAULT_PERM_WRITE };
	uint32_t k = rnd(10);

	g->perm[p] = perms[rnd(3)];
	g->s1[p] = k < 5;
	if (k < 5)
		g->addr[p] = GVA_BASE + (uint64_t)rnd(64) * PG + rnd(2) * 8;
	else if (k < 9)
		g->addr[p] = (uintptr_t)ram_of(nb->vm) + (uint64_t)rnd(RAM_PAGES) * PG;
	else if (rnd(2))
		g->addr[p] = (uintptr_t)ram_of(1 - nb->vm) + (uint64_t)rnd(RAM_PAGES) * PG;
	else
		g->addr[p] = (uintptr_t)(rnd(2) ? N.mem : N.mem + N.mem_len - PG);
	g->ns1 += g->s1[p];
}

/* A new group of bond nb (of a live or a dead bond: in flight), or NULL. */
static struct ngroup *
group_new(const struct nbond *nb)
{
	uint32_t pasid = N.smmu ? 1 + rnd(NGPASID) : nb->pasid;
	uint32_t dev = devids[nb->devi], prg = rnd(NPRG_N);
	struct ngroup *d = NULL;

	for (int i = 0; i < NPRG_N && !imn_key_free(&NM, dev, pasid, prg, head()); i++)
		prg = (prg + 1) % NPRG_N;
	if (!imn_key_free(&NM, dev, pasid, prg, head()))
		return NULL;
	for (int i = 0; i < NDG; i++)
		if (!N.dg[i].used) {
			d = &N.dg[i];
			break;
		}
	if (d == NULL)
		return NULL;
	d->g = imn_group_new(&NM, nb->gen, dev, pasid, prg);
	if (d->g == NULL)
		return NULL;
	d->used = true;
	d->g->npages = (uint8_t)(1 + (rnd(3) == 0 ? rnd(3) : 0));
	for (unsigned int p = 0; p < d->g->npages; p++)
		draw_page(nb, d->g, p);
	return d;
}

static bool
gen_live(uint32_t gen)
{
	return bond_of_gen(gen) != NULL;
}

static void
device_step(void)
{
	struct ngroup *d = NULL;
	int live[NBONDS], n = 0;

	for (int i = 0, j = (int)rnd(NDG); i < NDG; i++, j = (j + 1) % NDG)
		if (N.dg[j].used && gen_live(N.dg[j].g->gen)) {
			d = &N.dg[j];
			break;
		}
	if (d == NULL || rnd(3) == 0) {
		for (int i = 0; i < NBONDS; i++)
			if (N.bonds[i].b != NULL && !N.bonds[i].plain)
				live[n++] = i;
		if (n > 0) {
			struct ngroup *e = group_new(&N.bonds[live[rnd((uint32_t)n)]]);

			d = e != NULL ? e : d;
		}
	}
	if (d != NULL)
		send(d);
}

/* ---- the VMMs ---- */

static void
vmm_step(void)
{
	struct inbox *e;
	struct nbond *nb, *other = NULL;
	struct sva_page_response r;
	const struct imn_group *g;
	uint32_t k, gen;
	int ret;

	if (N.ninbox == 0)
		return;
	k = rnd(N.ninbox);
	e = &N.inbox[k];
	nb = bond_of_gen(e->gen);
	if (nb == NULL || rnd(8) == 0) {
		N.inbox[k] = N.inbox[--N.ninbox]; /* its VMM is gone, or never answers */
		return;
	}
	gen = nb->gen;
	if (rnd(6) == 0) {
		/* another VM's (or another bond's) VMM answers with this record */
		for (int i = 0, j = (int)rnd(NBONDS); i < NBONDS; i++, j = (j + 1) % NBONDS)
			if (N.bonds[j].b != NULL && N.bonds[j].gen != e->gen && !N.bonds[j].plain) {
				other = &N.bonds[j];
				break;
			}
		if (other != NULL) {
			nb = other;
			gen = other->gen;
		}
	}
	r = answer_of(&e->rec, codes[rnd(3)]);
	if (rnd(4) == 0)
		r.cookie = 0; /* a VMM that does not echo the instance tag */
	g = &NM.g[e->serial - 1];
	ret = sva_nested_page_response(nb->b, &r);
	if (N.verbose)
		printf("      step %u: VMM of gen %u answers serial %" PRIu64 " (gen %u PASID %u prg "
			"%u) code %u tag %u: %d\n", N.step, gen, e->serial, g->gen, g->pasid, g->prg,
			r.code, r.cookie, ret);
	violate(imn_vmm_answer(&NM, gen, g, r.code, r.cookie != 0, ret, false, head()));
	responses();
	if (other == NULL && rnd(3) != 0)
		N.inbox[k] = N.inbox[--N.ninbox]; /* else: answered again later (twice, late) */
}

/* ---- the application ---- */

static bool
pasid_bound(int vm, uint32_t gpasid, int devi)
{
	for (int i = 0; i < NBONDS; i++)
		if (N.bonds[i].b != NULL && N.bonds[i].vm == vm && N.bonds[i].gpasid == gpasid &&
				(devi < 0 || N.bonds[i].devi == devi))
			return true;
	return false;
}

/* A plain bond on dev devi, PASIDs 1..3 (the SSIDs the CD tables use). The model knows
 * it as a live bond without guest RAM. */
static bool
plain_bind(struct nbond *nb, int devi)
{
	struct sva_bind_params p = { .pasid_min = 1, .pasid_max = NGPASID };
	struct imn_bond mb;

	memset(nb, 0, sizeof(*nb));
	nb->devi = devi;
	nb->plain = true;
	nb->b = sva_bind(N.dev[devi], N.app, &p);
	responses();
	if (nb->b == NULL)
		return false;
	nb->gen = ++N.gen;
	nb->pasid = sva_bond_pasid(nb->b);
	mb = (struct imn_bond){ true, false, nb->gen, devids[devi], nb->pasid, 0, 9, 0, 0, 0 };
	imn_bind(&NM, &mb);
	N.binds++;
	if (N.verbose)
		printf("      step %u: bind gen %u plain dev %#x PASID %u\n", N.step, nb->gen,
			devids[devi], nb->pasid);
	return true;
}

static void
bind_one(void)
{
	struct nbond *nb = NULL;
	struct sva_bind_params p;
	struct imn_bond mb;
	uint32_t h;
	int ret;

	for (int i = 0; i < NBONDS && nb == NULL; i++)
		if (N.bonds[i].b == NULL)
			nb = &N.bonds[i];
	if (nb == NULL)
		return;
	memset(nb, 0, sizeof(*nb));
	nb->vm = (int)rnd(NVM);
	nb->devi = (int)rnd(2);
	nb->cb = rnd(3) == 0;
	if (N.smmu && rnd(4) == 0) {
		if (!plain_bind(nb, nb->devi))
			N.refused_binds++;
		return;
	}
	if (N.smmu) {
		for (int i = 0; i < NBONDS; i++)
			if (N.bonds[i].b != NULL && N.bonds[i].devi == nb->devi)
				return; /* one CD table per dev */
		nb->cfg = (struct sva_nested_cfg){ .format = SVA_NESTED_SMMUV3_CD,
			.ram = { ram_of(nb->vm), RAM_PAGES * PG }, .table_gpa = 0x40, .s1cdmax = 16,
			.s1fmt = 1 };
	} else {
		nb->gpasid = 1 + rnd(NGPASID);
		if (pasid_bound(nb->vm, nb->gpasid, nb->devi))
			return;
		ret = sva_vpasid_map(N.vm[nb->vm], nb->gpasid, &h);
		if (ret != 0 && ret != -EEXIST)
			return;
		nb->cfg = (struct sva_nested_cfg){ .format = SVA_NESTED_VTD_FL,
			.flags = SVA_NESTED_SRE, .ram = { ram_of(nb->vm), RAM_PAGES * PG },
			.table_gpa = 0x1000 };
	}
	p = (struct sva_bind_params){ .size = sizeof(p),
		.flags = SVA_BIND_NESTED | (nb->cb ? 0 : SVA_BIND_EVENT_RING),
		.event_ring_size = 256, .gpasid = nb->gpasid,
		.user_cookie = ((uint64_t)nb->vm << 32) | (N.gen + 1), .nested = &nb->cfg,
		.event_cb = nb->cb ? vmm_cb : NULL, .event_arg = (void *)(uintptr_t)(N.gen + 1) };
	/* the binds' drains read and answer: the model sees those first */
	nb->b = sva_bind(N.dev[nb->devi], N.smmu ? N.app : sva_vpasid_vm_set(N.vm[nb->vm]), &p);
	responses();
	if (nb->b == NULL) {
		N.refused_binds++;
		if (N.verbose)
			printf("      step %u: bind refused: %s\n", N.step, strerror(rte_errno));
		return;
	}
	nb->gen = ++N.gen;
	nb->pasid = sva_bond_pasid(nb->b);
	mb = (struct imn_bond){ true, N.smmu, nb->gen, devids[nb->devi], nb->pasid, nb->gpasid,
		(uint32_t)nb->vm, p.user_cookie, (uintptr_t)ram_of(nb->vm),
		(uintptr_t)ram_of(nb->vm) + RAM_PAGES * PG };
	imn_bind(&NM, &mb);
	N.binds++;
	if (N.verbose)
		printf("      step %u: bind gen %u %s dev %#x vm %d gpasid %u PASID %u%s\n", N.step,
			nb->gen, N.smmu ? "CD table" : "VT-d", devids[nb->devi], nb->vm, nb->gpasid,
			nb->pasid, nb->cb ? " (callback)" : "");
}

/* Requests of a bond that went, still in flight: late LASTs of its open groups, and a
 * new group of its. They meet whatever binds next. */
static void
in_flight(const struct nbond *old)
{
	for (int i = 0; i < NDG; i++) {
		struct ngroup *d = &N.dg[i];

		if (!d->used || d->g->gen != old->gen)
			continue;
		if (rnd(2))
			while (d->used)
				send(d);
		d->used = false;
	}
	if (!old->plain && rnd(2)) {
		struct ngroup *d = group_new(old);

		while (d != NULL && d->used)
			send(d);
	}
}

static void
unbind_one(int i, bool stuck)
{
	struct nbond old = N.bonds[i];

	if (old.b == NULL)
		return;
	if (stuck) {
		N.s->resp_ret = -EAGAIN; /* the device takes no response across the unbind */
		N.stuck_unbinds++;
	}
	imn_unbind(&NM, old.gen, head());
	N.bonds[i].b = NULL;
	sva_unbind(old.b);
	if (N.verbose)
		printf("      step %u: unbind gen %u%s\n", N.step, old.gen, stuck ? " (stuck)" : "");
	/* its VMM is gone: what it still had is dropped */
	for (unsigned int k = 0; k < N.ninbox;)
		if (N.inbox[k].gen == old.gen)
			N.inbox[k] = N.inbox[--N.ninbox];
		else
			k++;
	responses();
	in_flight(&old);
	if (stuck) {
		/* the same gPASID of the same VM on the same dev, or (CD table) the same dev,
		 * binds while the device still takes nothing */
		struct nbond *nb = NULL;
		struct sva_bind_params p;

		for (int k = 0; k < NBONDS && nb == NULL; k++)
			if (N.bonds[k].b == NULL)
				nb = &N.bonds[k];
		if (nb != NULL && N.smmu && rnd(2)) {
			if (!plain_bind(nb, old.devi))
				N.refused_binds++;
		} else if (nb != NULL) {
			*nb = old;
			nb->b = NULL;
			p = (struct sva_bind_params){ .size = sizeof(p),
				.flags = SVA_BIND_NESTED | SVA_BIND_EVENT_RING, .event_ring_size = 256,
				.gpasid = old.gpasid, .user_cookie = UINT64_C(0xbad) << 32 | (N.gen + 1),
				.nested = &nb->cfg };
			nb->cb = false;
			nb->b = sva_bind(N.dev[old.devi], N.smmu ? N.app : sva_vpasid_vm_set(N.vm[old.vm]),
				&p);
			if (nb->b != NULL) {
				struct imn_bond mb = { true, N.smmu, ++N.gen, devids[old.devi],
					sva_bond_pasid(nb->b), old.gpasid, (uint32_t)old.vm, p.user_cookie,
					(uintptr_t)ram_of(old.vm), (uintptr_t)ram_of(old.vm) + RAM_PAGES * PG };

				nb->gen = mb.gen;
				nb->pasid = mb.pasid;
				imn_bind(&NM, &mb);
				N.binds++;
			} else {
				N.refused_binds++;
			}
		}
		N.s->resp_ret = 0;
		poll_idle();
	}
}

static void
unmap_one(void)
{
	int vm = (int)rnd(NVM);
	uint32_t g = 1 + rnd(NGPASID);

	if (N.smmu || pasid_bound(vm, g, -1))
		return;
	sva_vpasid_unmap(N.vm[vm], g); /* -ENOENT when not mapped: fine */
	responses();
}

static void
expire(void)
{
	N.s->resp_limit = 0; /* kept responses would hold the deadline pass back */
	poll_idle();
	if (N.s->prq_head != N.s->prq_tail || N.s->resp_ret != 0)
		return;
	imn_expire(&NM, head());
	if (N.verbose)
		printf("      step %u: deadline passes\n", N.step);
	sva_iopf_deadlines_set(sva_iopf_get(N.iommu), 1, 0, SVA_PAGE_RESP_INVALID);
	rte_delay_us_block(5);
	poll_once(1);
	sva_iopf_deadlines_set(sva_iopf_get(N.iommu), UINT64_C(3600000000), 0,
		SVA_PAGE_RESP_INVALID);
	/* the device sends the late LASTs of the groups that expired */
	for (int i = 0; i < NDG; i++)
		while (N.dg[i].used && gen_live(N.dg[i].g->gen))
			send(&N.dg[i]);
}

/* ---- a seed ---- */

static unsigned int nseq;

static int
seed_setup(void)
{
	char name[32];
	struct sva_iopf_conf conf;

	snprintf(name, sizeof(name), "nmdl%u", nseq++);
	N.iommu = syn_create_args(name, N.smmu ? "model=smmuv3,nested=1" : "model=vtd,nested=1");
	if (N.iommu == NULL)
		return -1;
	N.s = syn_of(N.iommu);
	N.dev[0] = sva_dev_open(N.iommu, "rid=0x10");
	N.dev[1] = sva_dev_open(N.iommu, "rid=0x20");
	N.space = sva_pasid_space_create(name, 16, 0);
	if (N.dev[0] == NULL || N.dev[1] == NULL || N.space == NULL)
		return -1;
	N.app = sva_pasid_set_create(N.space, "app", 0, NULL, SVA_BOND_PASID_TYPE, 0);
	N.vm[0] = sva_vpasid_vm_create(N.space, "vm0", 0, 20, 0);
	N.vm[1] = sva_vpasid_vm_create(N.space, "vm1", 0, 20, 0);
	if (N.app == NULL || N.vm[0] == NULL || N.vm[1] == NULL)
		return -1;
	sva_iopf_conf_default(&conf);
	conf.burst = (uint16_t)(4u << rnd(4));
	conf.group_timeout_us = UINT64_C(3600000000); /* deadlines pass only in expire() */
	return sva_poll_configure(N.iommu, &conf);
}

static void
seed_teardown(void)
{
	for (int i = 0; i < NBONDS; i++)
		unbind_one(i, false);
	poll_idle();
	if (N.iommu != NULL)
		sva_poll_release(N.iommu);
	if (N.s != NULL) {
		responses();
		violate(imn_check_all(&NM, head()));
	}
	for (int v = 0; v < NVM; v++) {
		for (uint32_t g = 1; g <= NGPASID && N.vm[v] != NULL; g++)
			sva_vpasid_unmap(N.vm[v], g);
		if (N.vm[v] != NULL)
			sva_vpasid_vm_destroy(N.vm[v]);
		N.vm[v] = NULL;
	}
	if (N.app != NULL)
		sva_pasid_set_destroy(N.app, SVA_PASID_SET_FREE_ALL);
	if (N.space != NULL)
		sva_pasid_space_destroy(N.space);
	sva_dev_close(N.dev[0]);
	sva_dev_close(N.dev[1]);
	if (N.iommu != NULL)
		sva_iommu_destroy(N.iommu);
	N.iommu = NULL;
	N.s = NULL;
	N.app = NULL;
	N.space = NULL;
}

/* N7 and the presence half of N3, N4: every page of the two RAMs and the guards. */
static int
check_pages(void)
{
	for (size_t off = 0; off < N.mem_len; off += PG) {
		uint64_t a = (uintptr_t)N.mem + off;
		int present = test_page_present(N.mem + off);

		if (present < 0)
			return IM_OK;
		if (present && !imn_page_explained(&NM, a)) {
			snprintf(NM.msg[IM_V_POPULATED], sizeof(NM.msg[0]), "page %#" PRIx64
				" (%s) is present: no S2 page of a group read while its owner was "
				"live asked for it", a, off == 0 || off == N.mem_len - PG ? "guard" :
				off < PG + RAM_PAGES * PG ? "VM 0 RAM" : "VM 1 RAM");
			return IM_V_POPULATED;
		}
		if (!present && imn_page_must(&NM, a)) {
			snprintf(NM.msg[IM_V_MISSING], sizeof(NM.msg[0]), "page %#" PRIx64
				" was asked for by a group answered Success or handed over: absent", a);
			return IM_V_MISSING;
		}
	}
	return IM_OK;
}

static int
run_seed(unsigned int seed)
{
	/* a stuck unbind waits 1 s for its drain: the fuzzer would spend its time there */
	bool stuck_seed = !fz_mode && seed % NSTUCK_EVERY == 0;

	memset(&N.bonds, 0, sizeof(N.bonds));
	memset(&N.dg, 0, sizeof(N.dg));
	N.ninbox = 0;
	N.seed = seed;
	N.rng = (UINT64_C(0x2545f4914f6cdd1d) * (seed + 7)) | 1;
	N.smmu = rnd(2) == 0;
	N.gen = 0;
	N.nresp_seen = 0;
	N.vmask = 0;
	imn_init(&NM);
	madvise(N.mem, N.mem_len, MADV_DONTNEED);
	if (seed_setup() != 0) {
		printf("    nested seed %u: setup failed (%s)\n", seed, strerror(rte_errno));
		seed_teardown();
		return -1;
	}
	bind_one();
	bind_one();
	for (N.step = 0; N.step < NSTEPS && !fz_done; N.step++) {
		uint32_t k = rnd(100);

		if (k < 42) {
			device_step();
		} else if (k < 57) {
			poll_once(1 + rnd(32));
		} else if (k < 65) {
			poll_idle();
		} else if (k < 78) {
			vmm_step();
		} else if (k < 82) {
			expire();
		} else if (k < 90) {
			int i = (int)rnd(NBONDS);

			if (N.bonds[i].b != NULL) {
				bool stuck = stuck_seed && N.stuck_unbinds == 0;

				unbind_one(i, stuck);
				if (stuck)
					stuck_seed = false;
				if (rnd(2))
					poll_once(64);
			}
			bind_one();
		} else if (k < 93) {
			unmap_one();
		} else if (k < 96) {
			N.s->resp_limit = rnd(2) ? 1 + rnd(3) : 0; /* partial back-pressure */
		} else {
			bind_one();
		}
	}
	N.s->resp_limit = 0;
	poll_idle();
	N.step = NSTEPS;
	seed_teardown();
	violate(check_pages());
	return (int)N.vmask;
}

/* One stream from bytes (the fuzz target): the invariants broken (1 << enum
 * im_violation), 0, or -1 (setup failed); *msg: the first broken one explained. */
int test_iopf_model_nested_input(const uint8_t *data, size_t len, const char **msg);

int
test_iopf_model_nested_input(const uint8_t *data, size_t len, const char **msg)
{
	int v;

	if (N.mem == NULL) {
		N.mem_len = (2 * RAM_PAGES + 2) * PG;
		N.mem = mmap(NULL, N.mem_len, PROT_READ | PROT_WRITE,
			MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (N.mem == MAP_FAILED) {
			N.mem = NULL;
			return -1;
		}
		madvise(N.mem, N.mem_len, MADV_NOHUGEPAGE);
	}
	fz_mode = true;
	fz_done = false;
	fz_p = data;
	fz_n = len;
	N.verbose = getenv("SVA_FUZZ_TRACE") != NULL;
	v = run_seed(0);
	fz_mode = false;
	*msg = "";
	for (unsigned int k = 1; v > 0 && k < IM_V_MAX; k++)
		if ((v >> k) & 1) {
			*msg = NM.msg[k];
			break;
		}
	return v;
}

#ifndef SVA_NESTED_FUZZ
int test_iopf_model_nested(unsigned int nseeds, unsigned int first, bool verbose);

int
test_iopf_model_nested(unsigned int nseeds, unsigned int first, bool verbose)
{
	unsigned int bad = 0, fails = 0, by[IM_V_MAX] = { 0 }, first_by[IM_V_MAX] = { 0 };
	uint64_t t0 = rte_get_timer_cycles(), held = 0, resps = 0, deliv = 0, vmm = 0;
	uint64_t dl = 0, ub = 0, cross = 0, dup = 0, late = 0, cb = 0, binds = 0, refused = 0;
	uint64_t stuck = 0, newer = 0, tstale = 0;
	double secs;

	N.verbose = verbose;
	N.mem_len = (2 * RAM_PAGES + 2) * PG;
	N.mem = mmap(NULL, N.mem_len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	TEST_ASSERT(N.mem != MAP_FAILED, "guest RAM");
	madvise(N.mem, N.mem_len, MADV_NOHUGEPAGE);
	for (unsigned int i = 0; i < nseeds; i++) {
		unsigned int seed = first + i;
		int v;

		N.binds = N.refused_binds = N.stuck_unbinds = 0;
		v = run_seed(seed);
		if (v < 0) {
			fails++;
			continue;
		}
		held += NM.held;
		resps += NM.responses;
		deliv += NM.delivered;
		vmm += NM.vmm_answers;
		dl += NM.deadline_answers;
		ub += NM.unbind_answers;
		cross += NM.cross_answers;
		dup += NM.dup_answers;
		late += NM.late_answers;
		cb += NM.cb_answers;
		newer += NM.newer_answered;
		tstale += NM.tagged_stale;
		binds += N.binds;
		refused += N.refused_binds;
		stuck += N.stuck_unbinds;
		if (v == 0)
			continue;
		for (unsigned int k = 1; k < IM_V_MAX; k++)
			if ((v >> k) & 1) {
				if (by[k]++ == 0)
					first_by[k] = seed;
				if (bad < 5)
					printf("    MISMATCH nested seed %u (%s) at step %u: %s\n      %s\n",
						seed, N.smmu ? "SMMUv3 CD table" : "VT-d", N.first_step[k],
						im_violation_name(k), NM.msg[k]);
			}
		if (bad++ < 5)
			printf("      replay: SVA_MODEL_SEEDS=1 SVA_MODEL_SEED=%u SVA_MODEL_CLASSES=nested "
				"SVA_MODEL_VERBOSE=1 sva-test ... -- iopf_model_autotest\n", seed);
	}
	munmap(N.mem, N.mem_len);
	N.mem = NULL;
	secs = (double)(rte_get_timer_cycles() - t0) / (double)rte_get_timer_hz();
	printf("    nested: %u seeds in %.1f s: %" PRIu64 " binds (%" PRIu64 " refused, %" PRIu64
		" unbinds with the device stuck), %" PRIu64 " groups held for VMMs, %" PRIu64
		" records handed over, %" PRIu64 " responses; held groups answered by the VMM %"
		PRIu64 ", the deadline %" PRIu64 ", the unbind %" PRIu64 "; VMM answers refused: %"
		PRIu64 " twice, %" PRIu64 " late, %" PRIu64 " by another bond, %" PRIu64
		" from the callback; old instances' answers while a newer one was held: %" PRIu64
		" tagged (refused), %" PRIu64 " untagged (reached the newer one, N5b)\n", nseeds,
		secs, binds, refused, stuck, held, deliv, resps, vmm, dl, ub, dup, late, cross, cb,
		tstale, newer);
	for (unsigned int v = 1; v < IM_V_MAX; v++)
		if (by[v] != 0)
			printf("    invariant broken: %-60s %5u seeds (first: seed %u)\n",
				im_violation_name(v), by[v], first_by[v]);
	TEST_ASSERT_EQUAL(fails, 0, "nested seeds that could not be set up");
	TEST_ASSERT_EQUAL(bad, 0, "nested seeds where the fault path and the model differ");
	return TEST_SUCCESS;
}
#endif /* SVA_NESTED_FUZZ */
