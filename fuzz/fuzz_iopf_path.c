/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * fuzz-iopf_path: the whole decode -> group -> respond path of lib/iopf, fed through
 * the "syn" test driver (app/test/test_iopf_syn.c) by an operation stream: page
 * requests from good and bad requesters on good and bad pages, PRG indexes reused,
 * duplicated LASTs, stop markers with and without PASID, overflow records, events,
 * single- and multi-burst polls, response back-pressure, bonds removed (then drained)
 * and added again (a PASID changing owner), service stop (flush), drain, deadlines
 * changed, the driver refusing resolved ranges. Then every bond is removed and drained
 * and the iopf destroyed.
 *
 * A model of the device, kept by the harness, checks after every operation, by the
 * rules of DESIGN.md and sva_iopf.h:
 *  - each group the device closed (a LAST that is not a stop marker, with fields a
 *    response can carry) gets exactly one response, with its own (dev, PASID, PRG);
 *    a partial group (no LAST yet) is never answered; nothing answers a group the
 *    device never sent; a request whose fields no response can carry is never
 *    answered;
 *  - a duplicated LAST read before its group's answer was written is dropped; read
 *    after it, it is a new group and gets one answer (the syn driver notes how far the
 *    queue was read when it took each answer, so this is exact); an answer never comes
 *    before its group's LAST was read;
 *  - Success only for a group whose every request came from the owner of a live bond
 *    (one bond generation), for pages of its own read-write memory with the access
 *    asked for, and never after that bond was removed and drained (the PASID then has
 *    a new owner, or none). Owners as sva_iopf.h says: a request is the bond's that
 *    serves it when it is read (one sent before its (dev, PASID) ever had a bond is the
 *    first bond's if read after it came); bond removal discards its partial groups and
 *    their unread requests open nothing; a PASID (RID) passes to a new bond only after
 *    a drain, as lib/sva does; with deadlines on, a LAST read after its group expired
 *    is judged alone.
 * SVA_FUZZ_INVARIANTS=0 makes these reports instead of crashes (crash-only mode);
 * SVA_FUZZ_SKIP=kind,... skips some kinds (partial, twice, unanswered, unsent,
 * success, stale-owner, unread) to look for other bugs while one is being fixed.
 */
#include <errno.h>
#include <inttypes.h>
#include <sys/mman.h>

#include <rte_common.h>
#include <rte_errno.h>
#include <rte_lcore.h>

#include <sva_iopf.h>

#include "test_iopf_syn.h"
#include "fuzz_common.h"

#define PG 4096ul
#define NBUF 16
#define OPS_MAX 1024
#define KEYS_MAX 1024
#define DUPS_MAX 4
#define RW (SVA_FAULT_PERM_READ | SVA_FAULT_PERM_WRITE)

enum { BOND_A, BOND_B, BOND_R, NBONDS };

/* The requesters: (dev, PASID valid, PASID), and which bond would own them. */
static const struct {
	uint32_t dev;
	bool pv;
	uint32_t pasid;
	int bond; /* -1: nobody's */
} streams[] = {
	{ 0x10, true, 5, BOND_A },
	{ 0x20, true, 6, BOND_B },
	{ 0x30, false, 0, BOND_R },  /* the RID bond of dev 0x30 */
	{ 0x10, true, 6, -1 },       /* B's PASID from A's requester */
	{ 0x10, true, 7, -1 },       /* a PASID nobody bound */
	{ 0x10, false, 0, -1 },      /* no PASID: dev 0x10 has no RID bond */
	{ 0x40, true, 5, -1 },       /* a dev never opened */
	{ 0x10, true, 0x100005, -1 },/* 21-bit PASID: no response can carry it */
};

struct owner {
	int8_t bond;   /* -1: none */
	uint32_t gen;
};

struct key {
	uint64_t id;        /* dev << 32 | pv << 31 | pasid << 9 | prg; 0 unused */
	uint8_t state;      /* K_IDLE, K_OPEN, K_AWAITING */
	bool tainted;       /* a request of the group may not succeed */
	struct owner own;   /* of its requests (all of them, else tainted) */
	bool has_owner;
	uint32_t ndups;
	uint32_t dup_idx[DUPS_MAX];  /* syn queue index of each duplicated LAST */
	bool dup_tainted[DUPS_MAX];
	struct owner dup_own[DUPS_MAX];
	uint32_t last_idx;  /* syn queue index of its latest request */
	uint32_t taint_idx; /* ... of its latest request that tainted it */
	bool last_bad;      /* its LAST itself may not succeed (page, access or owner) */
	struct sva_fault last; /* the LAST record, to duplicate */
};

enum { K_IDLE, K_OPEN, K_AWAITING };

static bool trace; /* SVA_FUZZ_TRACE=1: print each operation (to read a reproducer) */

static struct {
	struct sva_iommu *iommu;
	struct syn_iommu *syn;
	struct sva_dev *dev[3];   /* 0x10, 0x20, 0x30 */
	uint8_t *map;
	size_t map_len;
	/* per input */
	struct sva_iopf *iopf;
	struct sva_iopf_conf conf;
	struct sva_iopf_bond *bond[NBONDS];
	uint32_t gen[NBONDS];       /* generation of the bond now (or last) live */
	uint32_t dead_gen[NBONDS];  /* generations up to this one were removed and drained */
	struct key keys[KEYS_MAX];
	uint32_t nkeys;
	unsigned int op;
	const char *op_name;
	bool op_single_burst;
	bool deadlines;             /* an open-group deadline was set during this input */
} H;

/* ---- the buffer the device touches ---- */

enum { PK_RW, PK_RO, PK_NONE, PK_HOLE, PK_KERNEL, PK_NONCANON, PK_NULL, PK_KINDS };

static uint64_t
page_addr(unsigned int kind, unsigned int i)
{
	switch (kind) {
	case PK_RW: return (uintptr_t)H.map + (i % NBUF) * PG;
	case PK_RO: return (uintptr_t)H.map + NBUF * PG;
	case PK_NONE: return (uintptr_t)H.map + (NBUF + 1) * PG;
	case PK_HOLE: return (uintptr_t)H.map + (NBUF + 2) * PG;
	case PK_KERNEL: return UINT64_C(0xffff888000000000) + i * PG;
	case PK_NONCANON: return UINT64_C(0x1000000000000000) + i * PG;
	default: return 0;
	}
}

/* Whether the owner may have this page with this access. */
static bool
page_ok(unsigned int kind, uint32_t perm)
{
	if ((perm & RW) == 0 || (perm & ~RW) != 0)
		return false; /* no access, or exec/priv (no bond here allows them) */
	return kind == PK_RW || (kind == PK_RO && !(perm & SVA_FAULT_PERM_WRITE));
}

/* ---- the device model ---- */

static uint64_t
key_id(uint32_t dev, bool pv, uint32_t pasid, uint32_t prg)
{
	return ((uint64_t)dev << 32) | ((uint64_t)pv << 31) | ((uint64_t)(pv ? pasid : 0) << 9) |
		prg | (UINT64_C(1) << 63);
}

static struct key *
key_find(uint64_t id, bool create)
{
	for (uint32_t i = 0; i < H.nkeys; i++)
		if (H.keys[i].id == id)
			return &H.keys[i];
	if (!create || H.nkeys == KEYS_MAX)
		return NULL;
	memset(&H.keys[H.nkeys], 0, sizeof(H.keys[0]));
	H.keys[H.nkeys].id = id;
	return &H.keys[H.nkeys++];
}

static const char *
state_name(uint8_t s)
{
	return s == K_IDLE ? "idle (never closed, or answered already)" :
		s == K_OPEN ? "open (partial: no LAST yet)" : "awaiting";
}

/* The bond a requester's (dev, PASID) belongs to, or -1. */
static int
stream_bond(uint32_t dev, bool pv, uint32_t pasid)
{
	for (unsigned int s = 0; s < RTE_DIM(streams); s++)
		if (streams[s].dev == dev && streams[s].pv == pv &&
				(!pv || streams[s].pasid == pasid) && streams[s].bond >= 0)
			return streams[s].bond;
	return -1;
}

/* Who owns a request sent now. sva_iopf.h "Group assembly": a request belongs to the
 * bond that serves its (dev, PASID) when it is read; what keeps successive owners
 * apart is the drain before a PASID (or RID) passes to a new bond. So a request sent
 * before the (dev, PASID) ever had a bond is its first bond's if read after that bond
 * was added (the runtime cannot tell, nor need to: no earlier owner exists); one sent
 * between two owners is read by the drain before the next one (bond_add) with no bond. */
static struct owner
owner_now(uint32_t dev, bool pv, uint32_t pasid)
{
	struct owner o = { -1, 0 };
	int b = stream_bond(dev, pv, pasid);

	if (b >= 0 && H.bond[b] != NULL) {
		o.bond = (int8_t)b;
		o.gen = H.gen[b];
	} else if (b >= 0 && H.gen[b] == 0) {
		o.bond = (int8_t)b; /* never owned yet: the first bond's, once added */
		o.gen = 1;
	}
	return o;
}

/* Partial groups of bond b (or, with gen 0, of nobody's requests for b's requesters)
 * are gone: discarded at removal, or their requests read with no bond by a drain
 * (a request read while no live bond owns it opens nothing). */
static void
forget_partial(int b, bool removed)
{
	for (uint32_t i = 0; i < H.nkeys; i++) {
		struct key *k = &H.keys[i];
		uint64_t id = k->id;

		if (k->state != K_OPEN || stream_bond((uint32_t)(id >> 32) & 0x7fffffff,
				(id >> 31) & 1, (uint32_t)(id >> 9) & 0xfffff) != b)
			continue;
		if (removed ? (k->has_owner && k->own.bond == b) : (!k->has_owner || k->own.bond < 0)) {
			k->state = K_IDLE;
			k->tainted = false;
			k->has_owner = false;
		}
	}
}

/* Bond b is added for the first time: the requests its requesters sent before, read
 * already (with no bond), opened nothing; those not read yet are the new bond's. */
static void
first_bond(int b)
{
	uint32_t head = H.syn->prq_head;

	for (uint32_t i = 0; i < H.nkeys; i++) {
		struct key *k = &H.keys[i];
		uint64_t id = k->id;

		/* A group whose LAST is queued but not read yet (K_AWAITING) counts too: what
		 * was read before it with no bond opened nothing and taints nothing. */
		if ((k->state != K_OPEN && k->state != K_AWAITING) ||
				stream_bond((uint32_t)(id >> 32) & 0x7fffffff,
				(id >> 31) & 1, (uint32_t)(id >> 9) & 0xfffff) != b)
			continue;
		if (k->state == K_OPEN && (int32_t)(k->last_idx - head) < 0) {
			k->state = K_IDLE; /* all read: nothing open */
			k->tainted = false;
			k->has_owner = false;
		} else if ((int32_t)(k->taint_idx - head) < 0) {
			k->tainted = false; /* what tainted it was read and dropped */
		}
	}
}

static void
check_success(const struct sva_page_response *r, bool tainted, bool has_owner,
		struct owner own)
{
	if (r->code != SVA_PAGE_RESP_SUCCESS)
		return;
	FZ_CHECK_K("success", !tainted && has_owner && own.bond >= 0, "op %u (%s): Success for group dev "
		"0x%x pasid 0x%x (valid %u) prg %u: %s", H.op, H.op_name, r->dev_id, r->pasid,
		r->flags & SVA_PAGE_RESP_PASID_VALID, r->grpid,
		tainted ? "a page or access its owner may not have, or requests from more than "
		"one owner" : "no live bond owned its requests");
	if (has_owner && own.bond >= 0)
		FZ_CHECK_K("stale-owner", own.gen > H.dead_gen[own.bond], "op %u (%s): Success for group dev 0x%x "
			"pasid 0x%x prg %u of bond %d generation %u, after that bond was removed "
			"and drained (a request resolved for an owner that is gone: the PASID may "
			"have a new one)", H.op, H.op_name, r->dev_id, r->pasid, r->grpid, own.bond,
			own.gen);
}

/* A response; head_at: how far the queue was read when the driver took it. */
static void
on_response(const struct sva_page_response *r, uint32_t head_at)
{
	bool pv = r->flags & SVA_PAGE_RESP_PASID_VALID;
	struct key *k;

	FZ_CHECK(r->argsz == sizeof(*r) && (r->code == SVA_PAGE_RESP_SUCCESS ||
		r->code == SVA_PAGE_RESP_INVALID || r->code == SVA_PAGE_RESP_FAILURE) &&
		(r->flags & ~SVA_PAGE_RESP_PASID_VALID) == 0, "op %u: malformed response "
		"(argsz %u code %u flags %x)", H.op, r->argsz, r->code, r->flags);
	k = key_find(key_id(r->dev_id, pv, r->pasid, r->grpid), false);
	FZ_CHECK_K("unsent", k != NULL, "op %u (%s): a response for a group the device never sent: dev "
		"0x%x pasid 0x%x (valid %d) prg %u code %u", H.op, H.op_name, r->dev_id, r->pasid,
		pv, r->grpid, r->code);
	if (k == NULL)
		return;
	if (k->state != K_AWAITING) {
		FZ_CHECK_K("partial", k->state != K_OPEN, "op %u (%s): a response (code %u) for "
			"group dev 0x%x pasid 0x%x (valid %d) prg %u, which is partial (no LAST "
			"yet): a partial group answered", H.op, H.op_name, r->code, r->dev_id,
			r->pasid, pv, r->grpid);
		FZ_CHECK_K("twice", k->state != K_IDLE, "op %u (%s): a response (code %u) for "
			"group dev 0x%x pasid 0x%x (valid %d) prg %u, which is %s: a group answered "
			"twice, or one never closed answered", H.op, H.op_name, r->code, r->dev_id,
			r->pasid, pv, r->grpid,
			state_name(k->state));
		return;
	}
	FZ_CHECK_K("partial", (int32_t)(k->last_idx - head_at) < 0, "op %u (%s): a response "
		"(code %u) for group dev 0x%x pasid 0x%x (valid %d) prg %u written when the queue "
		"was read to #%u, before its LAST (#%u): an answer for no closed group", H.op,
		H.op_name, r->code, r->dev_id, r->pasid, pv, r->grpid, head_at, k->last_idx);
	/* sva_iopf.h "Deadline rule" and "Lost keys": a group older than the deadline is
	 * discarded and its key lost for one more deadline; a LAST read later than that is
	 * a new group's, of its own page alone. With deadlines on, what its earlier
	 * requests tainted may have expired with them: only the LAST itself must be clean */
	check_success(r, k->tainted && !(H.deadlines && !k->last_bad), k->has_owner, k->own);
	k->state = K_IDLE;
	k->tainted = false;
	k->has_owner = false;
	/* its duplicated LASTs (sva_iopf.h "Group assembly"): read before the answer was
	 * written, a group of the key was in flight -> dropped; read after it -> the first
	 * is a new group (of its own page alone), the later ones its duplicates. This holds
	 * also when the runtime keeps that new group (deferred, or by a drain) and the
	 * device, taking the answer as its own, reuses the PRG index: the harness sends
	 * duplicates of the group it awaits, never a new group, while one is awaited. */
	for (uint32_t i = 0; i < k->ndups; i++) {
		uint32_t d = k->dup_idx[i];

		if ((int32_t)(d - head_at) < 0)
			continue;
		k->state = K_AWAITING;
		k->tainted = k->dup_tainted[i];
		k->last_bad = k->dup_tainted[i] || k->dup_own[i].bond < 0;
		k->own = k->dup_own[i];
		k->has_owner = true;
		k->last_idx = d;
		k->taint_idx = d;
		/* the later duplicates stay duplicates of this one */
		memmove(k->dup_idx, k->dup_idx + i + 1, (k->ndups - i - 1) * sizeof(k->dup_idx[0]));
		memmove(k->dup_tainted, k->dup_tainted + i + 1, (k->ndups - i - 1) * sizeof(bool));
		memmove(k->dup_own, k->dup_own + i + 1, (k->ndups - i - 1) * sizeof(k->dup_own[0]));
		k->ndups -= i + 1;
		return;
	}
	k->ndups = 0;
}

/* Every response the driver took during the operation. */
static void
collect(void)
{
	for (uint32_t i = 0; i < H.syn->nresp; i++) {
		const struct sva_page_response *r = &H.syn->resp[i];

		if (trace)
			fprintf(stderr, "  op %u (%s): response dev 0x%x pasid 0x%x prg %u code %u "
				"(queue read to #%u when written)\n", H.op, H.op_name, r->dev_id,
				r->pasid, r->grpid, r->code, H.syn->resp_head[i]);
		on_response(r, H.syn->resp_head[i]);
	}
	H.syn->nresp = 0;
}

static void
pr_send(uint32_t dev, uint32_t flags, uint32_t pasid, uint32_t prg, uint64_t addr,
		uint32_t perm, const char *what)
{
	if (trace)
		fprintf(stderr, "  op %u: %s dev 0x%x pasid 0x%x%s prg %u addr 0x%" PRIx64
			" perm %x%s (queue #%u)\n", H.op, what, dev, pasid,
			(flags & SVA_FAULT_PR_PASID_VALID) ? "" : " (no PASID)", prg, addr, perm,
			(flags & SVA_FAULT_PR_LAST_PAGE) ? " LAST" : "", H.syn->prq_tail);
	syn_pr_flags(H.iommu, dev, flags, pasid, prg, addr, perm, 0);
}

static void
send_request(struct fz_in *in)
{
	uint8_t s = fz_u8(in), g = fz_u8(in), p = fz_u8(in), f = fz_u8(in);
	uint32_t dev, pasid, prg, perm, flags;
	unsigned int kind;
	bool pv, last, carried, ok;
	struct owner own;
	struct key *k;

	if (s & 0x80) { /* any requester at all */
		dev = fz_u8(in) & 1 ? fz_u32(in) : fz_u8(in);
		pv = s & 1;
		pasid = fz_u8(in) & 1 ? fz_u32(in) : fz_u8(in) % 8;
	} else {
		s %= RTE_DIM(streams);
		dev = streams[s].dev;
		pv = streams[s].pv;
		pasid = streams[s].pasid;
	}
	prg = (g & 0x80) ? fz_u16(in) & 0x3ff : g % 8u; /* few PRG indexes: reuse */
	kind = (p & 0x80) ? (p >> 4) % PK_KINDS : PK_RW;
	perm = (f & 0x80) ? f & 0xf : (uint32_t)(1 + f % 3); /* R, W, RW; or anything */
	last = f & 0x40;
	flags = (pv ? SVA_FAULT_PR_PASID_VALID : 0) | (last ? SVA_FAULT_PR_LAST_PAGE : 0);
	if (H.syn->prq_tail - H.syn->prq_head >= SYN_QLEN - 8)
		return; /* the synthetic ring would wrap */
	carried = prg <= 0x1ff && dev <= 0x7fffffff && (!pv || pasid <= 0xfffff);
	if (!carried || (last && pv && !(perm & RW))) {
		/* no response could name it, or a stop marker: never answered, and no group
		 * changes state (the sva_iopf.h rule; without a PASID it is a request) */
		pr_send(dev, flags, pasid, prg, page_addr(kind, p), perm,
			carried ? "stop marker" : "uncarried request");
		return;
	}
	k = key_find(key_id(dev, pv, pasid, prg), true);
	if (k == NULL)
		return;
	own = owner_now(dev, pv, pasid);
	ok = page_ok(kind, perm);
	if (k->state == K_AWAITING) {
		/* the device sends the LAST again before its answer: a duplicate */
		if (k->ndups == DUPS_MAX)
			return;
		k->dup_idx[k->ndups] = H.syn->prq_tail;
		k->dup_tainted[k->ndups] = !page_ok((unsigned int)k->last.padding, k->last.prm.perm);
		k->dup_own[k->ndups] = own;
		k->ndups++;
		pr_send(k->last.prm.dev_id, k->last.prm.flags, k->last.prm.pasid,
			k->last.prm.grpid, k->last.prm.addr, k->last.prm.perm, "duplicated LAST");
		return;
	}
	if (k->state == K_IDLE) {
		k->tainted = false;
		k->has_owner = false;
		k->ndups = 0;
	}
	if (!ok || own.bond < 0 ||
			(k->has_owner && (k->own.bond != own.bond || k->own.gen != own.gen))) {
		k->tainted = true;
		k->taint_idx = H.syn->prq_tail;
	}
	k->last_idx = H.syn->prq_tail;
	if (last)
		k->last_bad = !ok || own.bond < 0;
	k->own = own;
	k->has_owner = true;
	k->state = last ? K_AWAITING : K_OPEN;
	if (last) {
		memset(&k->last, 0, sizeof(k->last));
		k->last.padding = kind; /* (harness bookkeeping) */
		k->last.prm.dev_id = dev;
		k->last.prm.flags = flags;
		k->last.prm.pasid = pasid;
		k->last.prm.grpid = prg;
		k->last.prm.addr = page_addr(kind, p);
		k->last.prm.perm = perm;
	}
	pr_send(dev, flags, pasid, prg, page_addr(kind, p), perm, ok ? "request" : "bad request");
}

/* ---- bonds ---- */

static void
bond_add(int b, uint8_t how)
{
	static const uint32_t pasids[NBONDS] = { 5, 6, 0 };
	struct sva_iopf_bond_conf bc;

	if (H.bond[b] != NULL)
		return;
	if (H.gen[b] != 0) {
		/* the PASID (RID) had an owner: lib/sva drains before it passes to a new bond
		 * (the PASID allocator's drain hook; sva_bind for a RID); not drained: the
		 * allocator holds the number back, no new bond */
		int ret = sva_iopf_drain(H.iopf, 16);

		FZ_CHECK(ret == 0 || ret == -EAGAIN, "drain before reuse: %d", ret);
		collect();
		if (ret != 0)
			return;
		forget_partial(b, false);
	} else {
		first_bond(b);
	}
	memset(&bc, 0, sizeof(bc));
	bc.flags = b == BOND_R ? SVA_IOPF_BOND_RID : 0;
	if (how & 1)
		bc.flags |= SVA_IOPF_BOND_AUTO_INVALID;
	else if (how & 2)
		bc.flags |= SVA_IOPF_BOND_PINNED;
	bc.fault_around_before = (how >> 2) & 3;
	bc.fault_around_after = (how >> 4) & 3;
	H.bond[b] = sva_iopf_bond_add(H.iopf, H.dev[b], pasids[b], &bc);
	FZ_CHECK(H.bond[b] != NULL, "bond_add %d: %s", b, rte_strerror(rte_errno));
	if (H.bond[b] != NULL)
		H.gen[b]++;
}

/* What sva_unbind does: stop serving, then drain before the PASID may be reused. */
static void
bond_remove(int b)
{
	int ret;

	if (H.bond[b] == NULL)
		return;
	sva_iopf_bond_remove(H.bond[b]);
	H.bond[b] = NULL;
	ret = sva_iopf_drain(H.iopf, 16);
	FZ_CHECK(ret == 0 || ret == -EAGAIN, "drain: %d", ret);
	collect(); /* what the removal and the drain wrote: judged before the PASID is free */
	if (ret == 0)
		H.dead_gen[b] = H.gen[b]; /* its requests are all answered: the PASID is free */
	/* its partial groups are discarded; their requests not read yet will be read with
	 * no bond (the next bond comes after a drain): they open nothing */
	forget_partial(b, true);
}

static void
setup_once(void)
{
	static const char *const devargs[3] = { "rid=0x10", "rid=0x20", "rid=0x30" };

	fz_eal_init();
	H.iommu = syn_create("fuzz0");
	if (H.iommu == NULL) {
		fprintf(stderr, "fuzz-iopf_path: syn iommu: %s\n", rte_strerror(rte_errno));
		exit(1);
	}
	H.syn = syn_of(H.iommu);
	for (int i = 0; i < 3; i++) {
		H.dev[i] = sva_dev_open(H.iommu, devargs[i]);
		if (H.dev[i] == NULL)
			exit(1);
	}
	/* NBUF read-write pages, one read-only, one PROT_NONE, one unmapped hole */
	H.map_len = (NBUF + 3) * PG;
	H.map = mmap(NULL, H.map_len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (H.map == MAP_FAILED)
		exit(1);
	madvise(H.map, H.map_len, MADV_NOHUGEPAGE);
	if (mprotect(H.map + NBUF * PG, PG, PROT_READ) != 0 ||
			mprotect(H.map + (NBUF + 1) * PG, PG, PROT_NONE) != 0 ||
			munmap(H.map + (NBUF + 2) * PG, PG) != 0 || sva_iopf_maps_refresh() != 0) {
		fprintf(stderr, "fuzz-iopf_path: buffer set-up failed\n");
		exit(1);
	}
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	setup_once();
	trace = getenv("SVA_FUZZ_TRACE") != NULL;
	return 0;
}

static void
conf_from(struct fz_in *in, struct sva_iopf_conf *c)
{
	static const uint64_t timeouts[] = { 0, 0, 1, 1000000 };
	uint8_t b = fz_u8(in), t = fz_u8(in);

	sva_iopf_conf_default(c);
	c->burst = (uint16_t)(1 + b % 16);
	c->max_open_groups = 16;
	c->max_pending_pages = 64;
	c->max_deferred = 16;
	c->bond_burst_pages = 1 + (b >> 4) % 4;
	c->group_timeout_us = timeouts[t % 4];
	c->resolve_budget_us = (t & 4) ? 1 : 0;
	c->budget_code = (t & 8) ? SVA_PAGE_RESP_FAILURE : SVA_PAGE_RESP_INVALID;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fz_in in = { data, size };
	uint8_t bonds;

	memset(H.keys, 0, sizeof(H.keys));
	H.nkeys = 0;
	memset(H.bond, 0, sizeof(H.bond));
	memset(H.gen, 0, sizeof(H.gen));
	memset(H.dead_gen, 0, sizeof(H.dead_gen));
	H.syn->nresp = 0;
	H.syn->resp_limit = 0;
	H.syn->resolved_ret = 0;
	H.op = 0;
	H.op_name = "setup";
	conf_from(&in, &H.conf);
	H.deadlines = H.conf.group_timeout_us != 0;
	H.iopf = sva_iopf_create(H.iommu, &H.conf);
	if (H.iopf == NULL) {
		fprintf(stderr, "fuzz-iopf_path: sva_iopf_create: %s\n", rte_strerror(rte_errno));
		abort();
	}
	if (trace)
		fprintf(stderr, "  conf: burst %u, bond_burst_pages %u, group timeout %" PRIu64
			" us, resolve budget %" PRIu64 " us\n", H.conf.burst, H.conf.bond_burst_pages,
			H.conf.group_timeout_us, H.conf.resolve_budget_us);
	bonds = fz_u8(&in);
	for (int b = 0; b < NBONDS; b++)
		if (!(bonds & (1 << b)))
			bond_add(b, (uint8_t)(bonds & 0x80 ? fz_u8(&in) : 0));

	while (in.n > 0 && H.op < OPS_MAX) {
		uint8_t op = fz_u8(&in), arg;
		int ret;

		H.op++;
		switch (op % 16) {
		case 0: case 1: case 2: case 3: case 4: case 5:
			H.op_name = "request";
			send_request(&in);
			break;
		case 6:
			H.op_name = "overflow record";
			if (H.syn->prq_tail - H.syn->prq_head < SYN_QLEN - 8)
				syn_overflow(H.iommu);
			break;
		case 7:
			H.op_name = "event";
			arg = fz_u8(&in);
			if (H.syn->evq_tail - H.syn->evq_head < 200)
				syn_event(H.iommu, streams[arg % RTE_DIM(streams)].dev,
					streams[arg % RTE_DIM(streams)].pasid, page_addr(PK_RW, arg));
			break;
		case 8:
			H.op_name = "poll (one burst)";
			ret = sva_iopf_poll(H.iommu, H.conf.burst);
			FZ_CHECK(ret >= 0, "poll: %d", ret);
			break;
		case 9:
			H.op_name = "poll (many bursts)";
			ret = sva_iopf_poll(H.iommu, 4096);
			FZ_CHECK(ret >= 0, "poll: %d", ret);
			break;
		case 10:
			H.op_name = "back-pressure";
			H.syn->resp_limit = fz_u8(&in) % 4;
			break;
		case 11:
			H.op_name = "unbind (remove + drain)";
			arg = fz_u8(&in);
			bond_remove(arg % NBONDS);
			if (arg & 0x10)
				bond_add(arg % NBONDS, (uint8_t)(arg >> 5));
			break;
		case 12:
			H.op_name = "bind";
			arg = fz_u8(&in);
			bond_add(arg % NBONDS, (uint8_t)(arg >> 2));
			break;
		case 13:
			H.op_name = "service stop (flush)";
			ret = sva_iopf_flush(H.iopf, 1 + fz_u8(&in) % 8, NULL);
			FZ_CHECK(ret == 0 || ret == -EAGAIN, "flush: %d", ret);
			break;
		case 14:
			H.op_name = "drain";
			ret = sva_iopf_drain(H.iopf, 1 + fz_u8(&in) % 8);
			FZ_CHECK(ret == 0 || ret == -EAGAIN, "drain: %d", ret);
			break;
		default:
			H.op_name = "deadlines / driver";
			arg = fz_u8(&in);
			if (arg & 1) {
				H.syn->resolved_ret = (arg & 2) ? -EIO : 0;
			} else {
				static const uint64_t timeouts[] = { 0, 1, 1000, 1000000 };

				H.deadlines |= timeouts[(arg >> 1) % 4] != 0;
				ret = sva_iopf_deadlines_set(H.iopf, timeouts[(arg >> 1) % 4],
					(arg & 0x10) ? 1 : 0, (arg & 0x20) ? SVA_PAGE_RESP_FAILURE :
					SVA_PAGE_RESP_INVALID);
				FZ_CHECK(ret == 0, "deadlines_set: %d", ret);
			}
			break;
		}
		if (trace && strcmp(H.op_name, "request") != 0)
			fprintf(stderr, "  op %u: %s (bonds A %s, B %s, R %s; resp_limit %u)\n", H.op,
				H.op_name, H.bond[0] ? "on" : "off", H.bond[1] ? "on" : "off",
				H.bond[2] ? "on" : "off", H.syn->resp_limit);
		collect();
	}

	/* Teardown, as lib/sva does it: every bond unbound (removed, drained), then the
	 * fault path destroyed; the device has stopped sending. */
	H.op++;
	H.op_name = "teardown";
	H.syn->resp_limit = 0;
	H.syn->resolved_ret = 0;
	for (int b = 0; b < NBONDS; b++)
		bond_remove(b);
	collect();
	H.op++;
	H.op_name = "destroy";
	{
		int ret = sva_iopf_drain(H.iopf, SYN_QLEN); /* burst 1 needs a read per record */

		FZ_CHECK_K("unread", ret == 0, "final drain: %d", ret);
		ret = sva_iopf_destroy(H.iopf);
		FZ_CHECK(ret == 0, "destroy: %d", ret);
	}
	H.iopf = NULL;
	collect();
	/* the queue is empty, and nothing the device closed is left unanswered */
	FZ_CHECK_K("unread", H.syn->prq_head == H.syn->prq_tail, "requests left in the queue at the end");
	H.syn->prq_head = H.syn->prq_tail;
	H.syn->evq_head = H.syn->evq_tail;
	for (uint32_t i = 0; i < H.nkeys; i++) {
		const struct key *k = &H.keys[i];

		FZ_CHECK_K("unanswered", k->state != K_AWAITING, "a closed group was never answered: dev 0x%x "
			"pasid 0x%x (valid %d) prg %u", (uint32_t)(k->id >> 32) & 0x7fffffff,
			(uint32_t)(k->id >> 9) & 0xfffff, (int)(k->id >> 31) & 1,
			(uint32_t)k->id & 0x1ff);
	}
	return 0;
}
