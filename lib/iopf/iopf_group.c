/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Open groups: requests without LAST wait here until their LAST arrives.
 *
 * Three preallocated pieces, all poller-owned:
 *  - an open-addressing index (linear probing, backward-shift deletion so no
 *    tombstones ever slow lookups down) from the 64-bit group key to a group slot;
 *    the hash is one multiply and a shift;
 *  - the group slots, with stable indices, linked oldest-first for the deadline check;
 *  - a page pool of 16-byte entries linked per group (also used by deferred groups).
 * The table is empty nearly always (single-page groups close at once), so the common
 * LAST-only request costs one test of ngroups.
 */
#include <errno.h>
#include <stdlib.h>

#include "iopf_pvt.h"

static inline uint32_t
index_hash(const struct sva_iopf *f, uint64_t key)
{
	return (uint32_t)((key * UINT64_C(0x9E3779B97F4A7C15)) >> 32) & f->index_mask;
}

int
iopf_groups_init(struct sva_iopf *f)
{
	uint32_t isize = 16;

	while (isize < f->max_groups * 2)
		isize <<= 1;
	f->index = calloc(isize, sizeof(*f->index));
	f->groups = calloc(f->max_groups, sizeof(*f->groups));
	f->pool = calloc(f->pool_size, sizeof(*f->pool));
	if (f->index == NULL || f->groups == NULL || f->pool == NULL)
		return -ENOMEM;
	f->index_mask = isize - 1;
	for (uint32_t i = 0; i < f->max_groups; i++)
		f->groups[i].next = i + 1 < f->max_groups ? i + 1 : IOPF_NONE;
	f->gfree = 0;
	f->age_head = f->age_tail = IOPF_NONE;
	for (uint32_t i = 0; i < f->pool_size; i++)
		f->pool[i].next = i + 1 < f->pool_size ? i + 1 : IOPF_NONE;
	f->pool_free = 0;
	return 0;
}

void
iopf_groups_free(struct sva_iopf *f)
{
	free(f->index);
	free(f->groups);
	free(f->pool);
}

struct iopf_group *
iopf_group_find(struct sva_iopf *f, uint64_t key)
{
	uint32_t i = index_hash(f, key);

	for (;;) {
		const struct iopf_index *e = &f->index[i];

		if (e->key == key)
			return &f->groups[e->slot];
		if (e->key == 0)
			return NULL;
		i = (i + 1) & f->index_mask;
	}
}

static void
index_remove(struct sva_iopf *f, uint64_t key)
{
	uint32_t i = index_hash(f, key), j;

	while (f->index[i].key != key)
		i = (i + 1) & f->index_mask;
	/* backward shift: move later entries of the probe run into the hole */
	j = i;
	for (;;) {
		uint32_t home;

		j = (j + 1) & f->index_mask;
		if (f->index[j].key == 0)
			break;
		home = index_hash(f, f->index[j].key);
		/* can the entry at j live at i? yes unless home is cyclically in (i, j] */
		if ((j > i && (home <= i || home > j)) || (j < i && (home <= i && home > j))) {
			f->index[i] = f->index[j];
			i = j;
		}
	}
	f->index[i].key = 0;
}

struct iopf_group *
iopf_group_open(struct sva_iopf *f, uint64_t key, uint64_t ts, uint64_t now)
{
	struct iopf_group *g;
	uint32_t slot, i;

	if (f->gfree == IOPF_NONE)
		return NULL;
	slot = f->gfree;
	g = &f->groups[slot];
	f->gfree = g->next;
	g->key = key;
	g->ts = ts;
	g->opened = now;
	g->head = g->tail = IOPF_NONE;
	g->npages = 0;
	g->state = IOPF_G_OPEN;
	g->next = IOPF_NONE;
	g->prev = f->age_tail;
	if (f->age_tail != IOPF_NONE)
		f->groups[f->age_tail].next = slot;
	else
		f->age_head = slot;
	f->age_tail = slot;
	i = index_hash(f, key);
	while (f->index[i].key != 0)
		i = (i + 1) & f->index_mask;
	f->index[i].key = key;
	f->index[i].slot = slot;
	f->ngroups++;
	return g;
}

void
iopf_pool_free_list(struct sva_iopf *f, uint32_t head)
{
	while (head != IOPF_NONE) {
		uint32_t next = f->pool[head].next;

		f->pool[head].next = f->pool_free;
		f->pool_free = head;
		f->pool_used--;
		head = next;
	}
}

/* Append a page to a list; returns the (possibly new) head, IOPF_NONE when the pool
 * is empty (the list is unchanged then). */
uint32_t
iopf_pool_put(struct sva_iopf *f, uint32_t head, uint64_t addr, uint32_t perm, uint32_t *tail)
{
	uint32_t p = f->pool_free;

	if (p == IOPF_NONE)
		return IOPF_NONE;
	f->pool_free = f->pool[p].next;
	f->pool_used++;
	f->pool[p].addr = addr;
	f->pool[p].perm = perm;
	f->pool[p].next = IOPF_NONE;
	if (head == IOPF_NONE)
		head = p;
	else
		f->pool[*tail].next = p;
	*tail = p;
	return head;
}

bool
iopf_group_add_page(struct sva_iopf *f, struct iopf_group *g, uint64_t addr, uint32_t perm)
{
	uint32_t head = iopf_pool_put(f, g->head, addr, perm, &g->tail);

	if (head == IOPF_NONE)
		return false;
	g->head = head;
	g->npages++;
	return true;
}

/* Forget a group's pages but keep it as a marker: its LAST is answered Invalid. */
void
iopf_group_mark_incomplete(struct sva_iopf *f, struct iopf_group *g)
{
	iopf_pool_free_list(f, g->head);
	g->head = g->tail = IOPF_NONE;
	g->npages = 0;
	g->state = IOPF_G_INCOMPLETE;
}

/* Remove a group from the table (its pages must have been taken or freed). */
void
iopf_group_close(struct sva_iopf *f, struct iopf_group *g)
{
	uint32_t slot = (uint32_t)(g - f->groups);

	index_remove(f, g->key);
	if (g->prev != IOPF_NONE)
		f->groups[g->prev].next = g->next;
	else
		f->age_head = g->next;
	if (g->next != IOPF_NONE)
		f->groups[g->next].prev = g->prev;
	else
		f->age_tail = g->prev;
	g->state = IOPF_G_FREE;
	g->key = 0;
	g->next = f->gfree;
	f->gfree = slot;
	f->ngroups--;
}
