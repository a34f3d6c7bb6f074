/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <inttypes.h>

#include <rte_common.h>

#include "fuzz_model.h"

#define SHADOW_MAX 4096
#define OPS_MAX 2048

void
fz_gen_page_req(struct fz_in *in, struct sva_fault_page_req *pr)
{
	uint8_t shape = fz_u8(in);

	memset(pr, 0, sizeof(*pr));
	pr->flags = fz_u8(in) & 0x1f;
	pr->perm = fz_u8(in) & 0xf;
	if (shape & 1) { /* raw widths: reach the refusals */
		pr->pasid = fz_u32(in);
		pr->grpid = fz_u16(in);
		pr->dev_id = fz_u32(in);
	} else {
		pr->pasid = fz_u32(in) & 0xfffff;
		pr->grpid = fz_u16(in) & 0x1ff;
		pr->dev_id = fz_u16(in);
	}
	pr->addr = fz_u64(in);
	if (shape & 2) {
		pr->private_data[0] = fz_u64(in);
		pr->private_data[1] = fz_u64(in);
	}
	if (shape & 4)
		pr->timestamp = fz_u64(in);
	pr->cookie = (shape & 8) ? fz_u32(in) : 0;
}

void
fz_gen_resp(struct fz_in *in, struct sva_page_response *r)
{
	static const uint32_t codes[] = { SVA_PAGE_RESP_SUCCESS, SVA_PAGE_RESP_INVALID,
		SVA_PAGE_RESP_FAILURE };
	uint8_t shape = fz_u8(in);

	memset(r, 0, sizeof(*r));
	r->argsz = sizeof(*r);
	r->flags = fz_u8(in) & 1;
	if (shape & 1) {
		r->dev_id = fz_u32(in);
		r->pasid = fz_u32(in);
		r->grpid = fz_u32(in);
		r->code = fz_u32(in);
	} else {
		r->dev_id = fz_u16(in);
		r->pasid = r->flags ? fz_u32(in) & 0xfffff : 0;
		r->grpid = fz_u16(in) & 0x1ff;
		r->code = codes[fz_u8(in) % 3];
	}
	if (shape & 2) {
		r->private_data[0] = fz_u64(in);
		r->private_data[1] = fz_u64(in);
	}
	r->cookie = (shape & 4) ? fz_u32(in) : 0;
}

void
fz_gen_unrecov(struct fz_in *in, struct sva_fault_unrecov *ev)
{
	memset(ev, 0, sizeof(*ev));
	ev->reason = fz_u8(in) % 8;
	ev->flags = fz_u8(in) & 7;
	ev->pasid = fz_u8(in) & 1 ? fz_u32(in) : fz_u32(in) & 0xfffff;
	ev->perm = fz_u8(in) & 0xf;
	ev->addr = fz_u64(in);
	ev->dev_id = fz_u8(in) & 1 ? fz_u32(in) : fz_u16(in);
	ev->hw_event = fz_u8(in) & 1 ? fz_u8(in) : 0;
	ev->timestamp = fz_u8(in) & 1 ? fz_u64(in) : 0;
}

/* ---- the shadow ---- */

struct prq_entry {
	uint64_t seq;
	bool malformed;
	struct sva_fault_page_req pr;
};

struct resp_entry {
	bool malformed;
	struct sva_page_response r;
};

static struct {
	const struct fz_model *m;
	void *q;
	struct prq_entry prq[SHADOW_MAX];
	uint32_t prq_head, prq_tail;
	uint64_t seq;
	/* PRQ drops and forced overflows not claimed by an overflow record yet, as runs
	 * (a run ends at the next queued request: a storm is one run, however long). */
	struct drop_run {
		uint64_t seq_first, seq_last; /* shadow sequence numbers */
		uint32_t drops, forced;
	} drops[SHADOW_MAX];
	struct sva_page_response autoresp[SHADOW_MAX]; /* the IOMMU's own answers, unread */
	uint32_t auto_head, auto_tail;
	uint64_t auto_generated, auto_lost;
	uint32_t drop_head, drop_tail;
	uint64_t last_push_seq;
	uint64_t prq_written, prq_drops, prq_malformed_expected;
	uint64_t evtq_written, evtq_drops, evtq_malformed_expected, evtq_read, evtq_lost;
	struct resp_entry resp[SHADOW_MAX];
	uint32_t resp_head, resp_tail;
	uint64_t resp_written, resp_malformed_expected;
} S;

static bool
pr_equal(const struct sva_fault_page_req *a, const struct sva_fault_page_req *b)
{
	return a->flags == b->flags && a->pasid == b->pasid && a->grpid == b->grpid &&
		a->perm == b->perm && a->addr == b->addr && a->dev_id == b->dev_id &&
		a->private_data[0] == b->private_data[0] &&
		a->private_data[1] == b->private_data[1] && a->cookie == b->cookie &&
		a->timestamp == b->timestamp;
}

static void
prq_push(const void *raw, uint64_t ts)
{
	struct prq_entry *e = &S.prq[S.prq_tail++ % SHADOW_MAX];

	e->seq = S.seq++;
	S.last_push_seq = e->seq;
	e->malformed = S.m->prq_expect(raw, &e->pr) != 0;
	if (!e->malformed && ts != 0) {
		e->pr.timestamp = ts;
		e->pr.flags |= SVA_FAULT_PR_TIMESTAMP;
	}
	if (e->malformed)
		S.prq_malformed_expected++;
	S.prq_written++;
}

static void
prq_drop(bool forced)
{
	struct drop_run *r = S.drop_head != S.drop_tail ?
		&S.drops[(S.drop_tail - 1) % SHADOW_MAX] : NULL;
	uint64_t seq = S.seq++;

	if (r == NULL || r->seq_last < S.last_push_seq) {
		FZ_CHECK(S.drop_tail - S.drop_head < SHADOW_MAX, "shadow: drop runs overflow");
		r = &S.drops[S.drop_tail++ % SHADOW_MAX];
		r->seq_first = seq;
		r->drops = r->forced = 0;
	}
	r->seq_last = seq;
	if (forced)
		r->forced++;
	else
		r->drops++;
	if (!forced)
		S.prq_drops++;
}

/* The emu's auto-response ring holds EMU_AUTORESP_DEPTH (2048): beyond it, lost. */
#define AUTORESP_DEPTH 2048u

static void
prq_write_result(int ret, const void *raw, uint64_t ts)
{
	struct sva_page_response r;

	FZ_CHECK(ret == 0 || ret == -ENOSPC, "%s prq write: %d", S.m->ops->name, ret);
	if (ret == 0) {
		prq_push(raw, ts);
		return;
	}
	prq_drop(false);
	if (S.m->prq_auto_resp == NULL || !S.m->prq_auto_resp(raw, &r))
		return;
	if (S.auto_tail - S.auto_head == AUTORESP_DEPTH) {
		S.auto_lost++;
		return;
	}
	S.autoresp[S.auto_tail++ % SHADOW_MAX] = r;
	S.auto_generated++;
}

/* The next entry that decodes (malformed ones before it are skipped: not returned). */
static struct prq_entry *
prq_next_valid(bool pop_malformed)
{
	for (uint32_t i = S.prq_head; i != S.prq_tail; i++) {
		struct prq_entry *e = &S.prq[i % SHADOW_MAX];

		if (!e->malformed)
			return e;
		if (pop_malformed)
			S.prq_head++;
	}
	return NULL;
}

static void
check_overflow_record(uint32_t lost)
{
	struct prq_entry *next = prq_next_valid(false);
	uint64_t limit = next != NULL ? next->seq : UINT64_MAX;
	uint32_t drops = 0, any = 0;

	while (S.drop_head != S.drop_tail && S.drops[S.drop_head % SHADOW_MAX].seq_last < limit) {
		const struct drop_run *r = &S.drops[S.drop_head % SHADOW_MAX];

		drops += r->drops;
		any += r->drops + r->forced;
		S.drop_head++;
	}
	FZ_CHECK(any > 0, "%s: an overflow record (lost %u) with no drop or forced overflow "
		"before the next queued request", S.m->ops->name, lost);
	FZ_CHECK(lost == drops, "%s: overflow record says %u lost, %u were dropped before the "
		"next queued request", S.m->ops->name, lost, drops);
}

static uint16_t
prq_read(uint16_t n)
{
	struct sva_fault out[64];
	uint16_t k;

	if (n > RTE_DIM(out))
		n = RTE_DIM(out);
	k = S.m->ops->prq_read(S.q, out, n);
	FZ_CHECK(k <= n, "%s prq_read returned %u of %u", S.m->ops->name, k, n);
	for (uint16_t i = 0; i < k; i++) {
		if (out[i].type == SVA_FAULT_OVERFLOW) {
			FZ_CHECK(out[i].overflow.queue == 0, "PRQ overflow record for queue %u",
				out[i].overflow.queue);
			check_overflow_record(out[i].overflow.lost);
			continue;
		}
		FZ_CHECK(out[i].type == SVA_FAULT_PAGE_REQ, "PRQ record of type %u", out[i].type);
		struct prq_entry *e = prq_next_valid(true);

		FZ_CHECK(e != NULL, "%s: a page request read that was never written",
			S.m->ops->name);
		if (e == NULL)
			continue;
		FZ_CHECK(!S.m->strict_overflow_order || S.drop_head == S.drop_tail ||
			S.drops[S.drop_head % SHADOW_MAX].seq_first > e->seq,
			"%s: request #%" PRIu64 " read after a drop that no overflow record claimed "
			"yet", S.m->ops->name, e->seq);
		FZ_CHECK(pr_equal(&out[i].prm, &e->pr), "%s: request #%" PRIu64 " read back "
			"different: flags %x/%x pasid %x/%x prg %u/%u perm %x/%x addr %" PRIx64
			"/%" PRIx64 " dev %x/%x ts %" PRIu64 "/%" PRIu64, S.m->ops->name, e->seq,
			out[i].prm.flags, e->pr.flags, out[i].prm.pasid, e->pr.pasid,
			out[i].prm.grpid, e->pr.grpid, out[i].prm.perm, e->pr.perm,
			out[i].prm.addr, e->pr.addr, out[i].prm.dev_id, e->pr.dev_id,
			out[i].prm.timestamp, e->pr.timestamp);
		S.prq_head++;
	}
	return k;
}

static uint16_t
evtq_read(uint16_t n)
{
	struct sva_fault out[64];
	uint16_t k;

	if (n > RTE_DIM(out))
		n = RTE_DIM(out);
	k = S.m->ops->evtq_read(S.q, out, n);
	FZ_CHECK(k <= n, "%s evtq_read returned %u of %u", S.m->ops->name, k, n);
	for (uint16_t i = 0; i < k; i++) {
		if (out[i].type == SVA_FAULT_OVERFLOW) {
			FZ_CHECK(out[i].overflow.queue == 1, "event overflow record for queue %u",
				out[i].overflow.queue);
			S.evtq_lost += out[i].overflow.lost;
		} else {
			FZ_CHECK(out[i].type == SVA_FAULT_UNRECOV, "event record of type %u",
				out[i].type);
			S.evtq_read++;
		}
	}
	return k;
}

static void
resp_push(int valid, const struct sva_page_response *r)
{
	struct resp_entry *e = &S.resp[S.resp_tail++ % SHADOW_MAX];

	e->malformed = !valid;
	if (valid)
		e->r = *r;
	else
		S.resp_malformed_expected++;
	S.resp_written++;
}

static uint16_t
resp_read(uint16_t n)
{
	struct sva_page_response out[64];
	uint16_t k;

	if (n > RTE_DIM(out))
		n = RTE_DIM(out);
	k = S.m->ops->resp_read(S.q, out, n);
	FZ_CHECK(k <= n, "%s resp_read returned %u of %u", S.m->ops->name, k, n);
	for (uint16_t i = 0; i < k; i++) {
		struct resp_entry *e = NULL;

		/* The IOMMU's own answers to dropped requests come first, oldest first. */
		if (S.auto_head != S.auto_tail) {
			const struct sva_page_response *a = &S.autoresp[S.auto_head++ % SHADOW_MAX];

			FZ_CHECK(memcmp(&out[i], a, sizeof(*a)) == 0, "%s: auto-response read back "
				"different: dev %x/%x pasid %x/%x prg %u/%u code %u/%u flags %x/%x",
				S.m->ops->name, out[i].dev_id, a->dev_id, out[i].pasid, a->pasid,
				out[i].grpid, a->grpid, out[i].code, a->code, out[i].flags, a->flags);
			continue;
		}
		while (S.resp_head != S.resp_tail) {
			e = &S.resp[S.resp_head++ % SHADOW_MAX];
			if (!e->malformed)
				break;
			e = NULL;
		}
		FZ_CHECK(e != NULL, "%s: a response read that was never written", S.m->ops->name);
		if (e == NULL)
			continue;
		FZ_CHECK(memcmp(&out[i], &e->r, sizeof(out[i])) == 0, "%s: response read back "
			"different: dev %x/%x pasid %x/%x prg %u/%u code %u/%u flags %x/%x",
			S.m->ops->name, out[i].dev_id, e->r.dev_id, out[i].pasid, e->r.pasid,
			out[i].grpid, e->r.grpid, out[i].code, e->r.code, out[i].flags, e->r.flags);
	}
	return k;
}

static uint32_t
pick_depth(struct fz_in *in, uint32_t min, uint32_t max)
{
	uint32_t d = min;
	uint8_t steps = fz_u8(in) % 5;

	while (steps-- > 0 && d < max)
		d <<= 1;
	return d;
}

void
fz_model_run(const struct fz_model *m, struct fz_in *in)
{
	static void *mem;
	static size_t mem_size;
	struct emu_queue_cfg cfg;
	struct emu_model_counters c;
	size_t size;
	unsigned int ops = 0, guard;

	memset(&S, 0, sizeof(S));
	S.m = m;
	cfg.prq_depth = pick_depth(in, m->prq_min, m->prq_max);
	cfg.evtq_depth = pick_depth(in, m->evtq_min, m->evtq_max);
	cfg.respq_depth = pick_depth(in, m->resp_min, m->resp_max);
	size = m->ops->mem_size(&cfg);
	FZ_CHECK(size != 0 && size % 4096 == 0, "%s mem_size %zu", m->ops->name, size);
	if (size > mem_size) {
		free(mem);
		mem = aligned_alloc(4096, size);
		mem_size = size;
		if (mem == NULL)
			abort();
	}
	memset(mem, 0xa5, size); /* init must not rely on zeroed memory */
	FZ_CHECK(m->ops->init(mem, &cfg) == 0, "%s init refused its own depths", m->ops->name);
	S.q = mem;

	while (in->n > 0 && ops++ < OPS_MAX) {
		uint8_t op = fz_u8(in), raw[64];
		struct sva_fault_page_req pr;
		struct sva_fault_unrecov ev;
		struct sva_page_response resp[16], expect;
		int ret, enc;

		switch (op % 12) {
		case 0: /* one page request, encoded by the model */
		case 1:
			fz_gen_page_req(in, &pr);
			enc = m->prq_encode(&pr, raw);
			ret = m->ops->prq_write(S.q, &pr);
			FZ_CHECK((enc == -EINVAL) == (ret == -EINVAL), "%s prq_write %d, encoding %d "
				"(dev %x pasid %x prg %u perm %x flags %x)", m->ops->name, ret, enc,
				pr.dev_id, pr.pasid, pr.grpid, pr.perm, pr.flags);
			if (ret != -EINVAL && enc == 0)
				prq_write_result(ret, raw, pr.timestamp);
			break;
		case 2: /* one raw entry, as a corrupt device would write it */
			fz_bytes(in, raw, m->prq_entry_size);
			prq_write_result(m->ops->prq_write_raw(S.q, raw), raw, 0);
			break;
		case 3: /* a storm: one request many times (fills the ring) */
			fz_gen_page_req(in, &pr);
			pr.dev_id &= 0xffff;
			pr.grpid &= 0x1ff;
			pr.pasid &= 0xfffff;
			pr.perm &= (pr.flags & SVA_FAULT_PR_PASID_VALID) ? 0xf : 0x3;
			if (m->prq_encode(&pr, raw) != 0)
				break;
			for (unsigned int i = 0, n = 1 + fz_u8(in); i < n; i++)
				prq_write_result(m->ops->prq_write(S.q, &pr), raw, pr.timestamp);
			break;
		case 4:
			m->ops->prq_force_overflow(S.q);
			prq_drop(true);
			break;
		case 5:
			prq_read((uint16_t)(1 + fz_u8(in) % 48));
			break;
		case 6: /* one event */
			fz_gen_unrecov(in, &ev);
			enc = m->evtq_encode(&ev, raw);
			ret = m->ops->evtq_write(S.q, &ev);
			FZ_CHECK((enc == -EINVAL) == (ret == -EINVAL), "%s evtq_write %d, encoding %d",
				m->ops->name, ret, enc);
			FZ_CHECK(ret == 0 || ret == -ENOSPC || ret == -EINVAL, "evtq_write %d", ret);
			if (ret == 0)
				S.evtq_written++;
			else if (ret == -ENOSPC)
				S.evtq_drops++;
			break;
		case 7: /* a raw event */
			fz_bytes(in, raw, m->evtq_entry_size);
			ret = m->evtq_write_raw(S.q, raw);
			FZ_CHECK(ret == 0 || ret == -ENOSPC, "evtq_write_raw %d", ret);
			if (ret == 0) {
				S.evtq_written++;
				S.evtq_malformed_expected += !m->evtq_raw_valid(raw);
			} else {
				S.evtq_drops++;
			}
			break;
		case 8:
			evtq_read((uint16_t)(1 + fz_u8(in) % 48));
			break;
		case 9: { /* a batch of responses, one doorbell */
			uint16_t n = (uint16_t)(1 + fz_u8(in) % RTE_DIM(resp));

			for (uint16_t i = 0; i < n; i++)
				fz_gen_resp(in, &resp[i]);
			ret = m->ops->resp_write(S.q, resp, n);
			FZ_CHECK(ret >= 0 && ret <= n, "%s resp_write %d of %u", m->ops->name, ret, n);
			for (int i = 0; i < ret; i++)
				resp_push(m->resp_expect(&resp[i], &expect) == 0, &expect);
			break;
		}
		case 10:
			fz_bytes(in, raw, m->resp_entry_size);
			ret = m->resp_write_raw(S.q, raw);
			FZ_CHECK(ret == 0 || ret == -ENOSPC, "resp_write_raw %d", ret);
			if (ret == 0)
				resp_push(m->resp_raw_expect(raw, &expect) == 0, &expect);
			break;
		default:
			resp_read((uint16_t)(1 + fz_u8(in) % 48));
			break;
		}
	}
	/* Drain everything: nothing may be left unread or unclaimed. */
	for (guard = 0; guard < 4096 && prq_read(64) > 0; guard++)
		;
	for (guard = 0; guard < 4096 && evtq_read(64) > 0; guard++)
		;
	for (guard = 0; guard < 4096 && resp_read(64) > 0; guard++)
		;
	FZ_CHECK(prq_next_valid(true) == NULL, "%s: page requests written but never read "
		"(%u left)", m->ops->name, S.prq_tail - S.prq_head);
	FZ_CHECK(S.drop_head == S.drop_tail, "%s: %u drops/overflows never reported by an "
		"overflow record", m->ops->name, S.drop_tail - S.drop_head);
	while (S.resp_head != S.resp_tail && S.resp[S.resp_head % SHADOW_MAX].malformed)
		S.resp_head++;
	FZ_CHECK(S.resp_head == S.resp_tail, "%s: %u responses written but never read",
		m->ops->name, S.resp_tail - S.resp_head);
	FZ_CHECK(S.auto_head == S.auto_tail, "%s: %u auto-responses never read", m->ops->name,
		S.auto_tail - S.auto_head);
	m->ops->counters_get(S.q, &c);
	FZ_CHECK(S.m->prq_auto_resp == NULL || (c.prq_auto_resp == S.auto_generated &&
		c.prq_auto_resp_lost == S.auto_lost), "%s counters: auto-responses %" PRIu64 "/%"
		PRIu64 " lost %" PRIu64 "/%" PRIu64, m->ops->name, c.prq_auto_resp,
		S.auto_generated, c.prq_auto_resp_lost, S.auto_lost);
	m->ops->counters_get(S.q, &c);
	FZ_CHECK(c.prq_written == S.prq_written && c.prq_dropped == S.prq_drops,
		"%s counters: prq written %" PRIu64 "/%" PRIu64 " dropped %" PRIu64 "/%" PRIu64,
		m->ops->name, c.prq_written, S.prq_written, c.prq_dropped, S.prq_drops);
	FZ_CHECK(c.prq_malformed == S.prq_malformed_expected &&
		c.prq_read + c.prq_malformed == c.prq_written,
		"%s counters: prq read %" PRIu64 " malformed %" PRIu64 " (expected %" PRIu64
		") written %" PRIu64, m->ops->name, c.prq_read, c.prq_malformed,
		S.prq_malformed_expected, c.prq_written);
	FZ_CHECK(c.evtq_written == S.evtq_written && c.evtq_dropped == S.evtq_drops &&
		S.evtq_lost == S.evtq_drops, "%s counters: evtq written %" PRIu64 "/%" PRIu64
		" dropped %" PRIu64 "/%" PRIu64 " reported lost %" PRIu64, m->ops->name,
		c.evtq_written, S.evtq_written, c.evtq_dropped, S.evtq_drops, S.evtq_lost);
	FZ_CHECK(c.evtq_malformed == S.evtq_malformed_expected &&
		S.evtq_read + c.evtq_malformed == S.evtq_written, "%s counters: events read %"
		PRIu64 " malformed %" PRIu64 " (expected %" PRIu64 ") written %" PRIu64,
		m->ops->name, S.evtq_read, c.evtq_malformed, S.evtq_malformed_expected,
		S.evtq_written);
	FZ_CHECK(c.resp_written == S.resp_written && c.resp_malformed == S.resp_malformed_expected &&
		c.resp_read + c.resp_malformed == c.resp_written, "%s counters: responses written %"
		PRIu64 "/%" PRIu64 " read %" PRIu64 " malformed %" PRIu64 "/%" PRIu64,
		m->ops->name, c.resp_written, S.resp_written, c.resp_read, c.resp_malformed,
		S.resp_malformed_expected);
}
