/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Adaptive fault-around (SVA_IOPF_BOND_FA_ADAPTIVE), in the spirit of UVM's prefetcher:
 * a bond keeps a few streams (IOPF_FA_STREAMS), each the place its device was last
 * asking for pages sequentially. A demand range that continues a stream (starts past
 * the stream's last range and at most IOPF_FA_SLACK beyond what the stream asked and was
 * given) doubles the stream's window (IOPF_FA_FIRST pages at first, at most max) and
 * gets that many pages populated after it. A range that continues none is random
 * access: every stream's window is halved and the range starts a new stream (in the
 * least recently used slot) with no window, so random access never prefetches, and a
 * device copying (a read stream and a write stream) keeps both. Bounded in bytes by max
 * (the bond's fault_around_after, at most 2 MiB) and in time by the burst's resolve
 * budget (the resolver stops populating fault-around ranges past it). Only the poller
 * touches the streams.
 */
#include "iopf_pvt.h"

uint32_t
iopf_prefetch_window(struct sva_iopf_bond *b, uint64_t start, uint64_t end, uint32_t max)
{
	struct iopf_stream *s = NULL, *old = &b->fa_stream[0];

	b->fa_clock++;
	for (unsigned int i = 0; i < IOPF_FA_STREAMS; i++) {
		struct iopf_stream *t = &b->fa_stream[i];

		if (t->lo != 0 && start >= t->lo && start <= t->end + IOPF_FA_SLACK) {
			s = t;
			break;
		}
		if (t->stamp < old->stamp || (old->lo != 0 && t->lo == 0))
			old = t;
	}
	if (s == NULL) {
		/* random access: every window halves; a new stream, no window yet */
		for (unsigned int i = 0; i < IOPF_FA_STREAMS; i++)
			b->fa_stream[i].win /= 2;
		*old = (struct iopf_stream){ .lo = start, .end = end, .win = 0,
			.stamp = b->fa_clock };
		return 0;
	}
	s->stamp = b->fa_clock;
	if (start == s->lo) {
		/* the same range again (a retry): no progress, the window stays */
		if (end > s->end)
			s->end = end;
		return RTE_MIN(s->win, max);
	}
	s->win = s->win == 0 ? IOPF_FA_FIRST : s->win * 2;
	if (s->win > max)
		s->win = max;
	s->lo = start;
	s->end = end + ((uint64_t)s->win << 12);
	return s->win;
}

uint32_t
iopf_prefetch_window_max(const struct sva_iopf_bond *b)
{
	uint32_t m = 0;

	for (unsigned int i = 0; i < IOPF_FA_STREAMS; i++)
		if (b->fa_stream[i].lo != 0 && b->fa_stream[i].win > m)
			m = b->fa_stream[i].win;
	return m;
}
