/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The overlay: mappings newer than the snapshot (a buffer mmapped after the last
 * refresh, typically after sva_bind()), learned on the poll path with one
 * PROCMAP_QUERY ioctl each and kept until the next snapshot, so that later pages of the
 * same mapping are judged without another system call.
 *
 * Owned by the iopf's owner (the poller, or a control pass holding it), which is the
 * only thread that reads or writes it: no lock, no atomics. Sized at create (a fixed
 * array in struct sva_iopf). Emptied when the snapshot's generation changes: the new
 * snapshot holds the mappings the overlay knew.
 *
 * What an entry can be trusted for (sva_iopf.h, "Mappings newer than the snapshot"):
 * read and write of a 4 KiB page, because the populate call checks them again in the
 * kernel (a replaced mapping that lacks them makes it fail, and the failure makes the
 * resolver ask again, iopf_resolve()); never execute (populate does not check it: an
 * execute request is always asked of the kernel) and never a page wider than 4 KiB (THP
 * and hugetlb pages go by the kernel's current answer each burst, as snapshot entries
 * do, with the entry's THP eligibility taken only when the kernel's mapping has the
 * entry's exact range).
 */
#include <errno.h>

#include "iopf_pvt.h"

#define BLOCK_2M (UINT64_C(1) << 21)

void
iopf_overlay_sync(struct sva_iopf *f, const struct iopf_maps *m)
{
	uint64_t gen = m != NULL ? m->gen : 0;

	if (f->ov.gen != gen) {
		f->ov.gen = gen;
		f->ov.n = 0;
		f->ov.next = 0;
		f->ov.last = 0;
	}
}

bool
iopf_overlay_holds(const struct sva_iopf *f, const struct iopf_vma *p)
{
	return p >= &f->ov.v[0] && p < &f->ov.v[IOPF_OVERLAY_SIZE];
}

static inline bool
holds(const struct iopf_vma *v, uint64_t addr)
{
	return addr >= v->start && addr < v->end;
}

/* The entry holding addr, or NULL; remembered as the last hit. */
static struct iopf_vma *
lookup(struct iopf_overlay *o, uint64_t addr)
{
	if (o->n == 0)
		return NULL;
	if (o->last < o->n && holds(&o->v[o->last], addr))
		return &o->v[o->last];
	for (uint32_t i = 0; i < o->n; i++) {
		if (holds(&o->v[i], addr)) {
			o->last = i;
			return &o->v[i];
		}
	}
	return NULL;
}

const struct iopf_vma *
iopf_overlay_find(struct sva_iopf *f, uint64_t addr)
{
	return lookup(&f->ov, addr);
}

/* A mapping the resolver could populate 2 MiB at a time, if the kernel has it THP
 * eligible: anonymous private (PROCMAP_QUERY: no inode, no device, not shared),
 * accessible, 4 KiB pages, holding an aligned 2 MiB block. */
static bool
thp_candidate(const struct iopf_vma *v, bool anon)
{
	uint64_t b = (v->start + BLOCK_2M - 1) & ~(BLOCK_2M - 1);

	return anon && v->prot != 0 && v->page_shift == 12 && b + BLOCK_2M <= v->end;
}

/* Put k in the overlay: entries it overlaps are stale (the kernel's answer is newer),
 * so they go; full: the oldest (round robin) is replaced and a refresh asked. */
static struct iopf_vma *
insert(struct sva_iopf *f, const struct iopf_vma *k)
{
	struct iopf_overlay *o = &f->ov;
	uint32_t slot = UINT32_MAX;

	for (uint32_t i = 0; i < o->n;) {
		if (o->v[i].start < k->end && k->start < o->v[i].end) {
			if (slot == UINT32_MAX) {
				slot = i; /* reuse the first stale slot */
				i++;
				continue;
			}
			o->v[i] = o->v[--o->n];
			continue;
		}
		i++;
	}
	if (slot == UINT32_MAX) {
		if (o->n < IOPF_OVERLAY_SIZE) {
			slot = o->n++;
		} else {
			slot = o->next;
			o->next = (o->next + 1) % IOPF_OVERLAY_SIZE;
			IOPF_STAT_INC(f->mst.overlay_evictions);
			/* many new mappings: a snapshot should hold them */
			IOPF_STAT_INC(f->mst.refresh_requests);
			iopf_maps_refresh_request();
		}
	}
	o->v[slot] = *k;
	o->last = slot;
	return &o->v[slot];
}

const struct iopf_vma *
iopf_overlay_learn(struct sva_iopf *f, uint64_t addr, bool miss, int *r)
{
	struct iopf_vma k;
	bool anon = false;

	*r = iopf_maps_query_anon(addr, &k, &anon);
	if (*r == -ENOTSUP) {
		/* before Linux 6.11: the background refresh brings a missed mapping in */
		if (miss) {
			IOPF_STAT_INC(f->mst.refresh_requests);
			iopf_maps_refresh_request();
		}
		return NULL;
	}
	IOPF_STAT_INC(f->mst.lookups);
	if (*r != 0)
		return NULL;
	k.thp = 0;
	k.thp_unknown = thp_candidate(&k, anon) && iopf_maps_thp_mode() != 0;
	/* the burst's kernel answer: the resolver's per-burst check finds it */
	f->kvma = k;
	f->kvma_valid = true;
	return insert(f, &k);
}

/*
 * THP eligibility, which PROCMAP_QUERY does not report (nor MADV_HUGEPAGE /
 * MADV_NOHUGEPAGE): learned from the first page populated in a candidate. The populate
 * of a 4 KiB page of an eligible mapping makes the kernel allocate the whole 2 MiB
 * block as one huge page when it can; PAGEMAP_SCAN then reports it huge, and the
 * entry's later blocks are populated 2 MiB at a time. Not huge (not eligible, or no
 * huge page free then): the entry stays at 4 KiB pages until the next snapshot, whose
 * smaps read knows.
 */
void
iopf_overlay_probe(struct sva_iopf *f)
{
	const struct iopf_item *it = f->items;

	for (uint32_t i = 0; i < f->nitems; i++) {
		struct iopf_vma *v;
		uint64_t b;
		int h;

		if (it[i].ov != 2 || it[i].status != 0)
			continue;
		v = lookup(&f->ov, it[i].addr);
		if (v == NULL || !v->thp_unknown)
			continue;
		b = it[i].addr & ~(BLOCK_2M - 1);
		if (b < v->start || b + BLOCK_2M > v->end)
			continue; /* a 4 KiB page outside the whole blocks says nothing */
		h = iopf_maps_block_huge(b);
		IOPF_STAT_INC(f->mst.thp_probes);
		v->thp_unknown = 0;
		v->thp = h == 1;
	}
}
