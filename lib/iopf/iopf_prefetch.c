/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Adaptive fault-around (SVA_IOPF_BOND_FA_ADAPTIVE), in the spirit of UVM's prefetcher:
 * a bond keeps a few streams (IOPF_FA_STREAMS), each the place its device was last
 * asking for pages sequentially. A demand range that continues a stream (starts past
 * the stream's last range and at most IOPF_FA_SLACK beyond what the stream asked and was
 * given) doubles the stream's window (IOPF_FA_FIRST pages at first, at most max): the
 * pages of [range end, range end + window) not populated yet are, but for one, the
 * tripwire, left out halfway, so that the device faults with half a window still
 * present ahead of it and the next window is populated while it works through that
 * half (without it, the device would stall at every window's end while the whole next
 * window is populated). A range that continues none is random
 * access: every stream's window is halved and the range starts a new stream (in the
 * least recently used slot) with no window, so random access never prefetches, and a
 * device copying (a read stream and a write stream) keeps both. Bounded in bytes by max
 * (the bond's fault_around_after, at most 2 MiB) and in time by the burst's resolve
 * budget (the resolver stops populating fault-around ranges past it). Only the poller
 * touches the streams.
 */
#include "iopf_pvt.h"

bool
iopf_prefetch_window(struct sva_iopf_bond *b, uint64_t start, uint64_t end, uint32_t max,
		uint64_t *lo, uint64_t *hi, uint64_t *trip)
{
	struct iopf_stream *s = NULL, *old = &b->fa_stream[0];
	uint64_t target;

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
		return false;
	}
	s->stamp = b->fa_clock;
	if (start == s->lo) {
		/* the same range again (a retry): no progress, nothing new */
		if (end > s->end)
			s->end = end;
		return false;
	}
	s->win = s->win == 0 ? IOPF_FA_FIRST : s->win * 2;
	if (s->win > max)
		s->win = max;
	s->lo = start;
	/* what the device needs next, from where the last window ended: [end, end + win);
	 * the page halfway (or the first new one, if that is further) is left out: the
	 * device faults there with half a window still ahead of it, and the next window is
	 * populated while it copies that half */
	target = end + ((uint64_t)s->win << 12);
	*lo = RTE_MAX(end, s->end);
	if (*lo >= target) {
		s->end = RTE_MAX(s->end, end);
		return false;
	}
	*hi = target;
	*trip = RTE_MAX(*lo, end + ((uint64_t)(s->win / 2) << 12));
	s->end = target;
	return true;
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
