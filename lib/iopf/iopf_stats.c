/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Statistics: every field of struct sva_iopf_stats is a uint64_t counter written by
 * one poller; readers load each with a relaxed atomic load (a consistent-enough
 * snapshot). Reset never writes the live counters: it stores a baseline that get
 * subtracts, so a reset cannot race the poller.
 */
#include <string.h>

#include <rte_cycles.h>

#include "iopf_pvt.h"

static const char *const reason_names[SVA_IOPF_R_MAX] = {
	[SVA_IOPF_R_UNKNOWN_PASID] = "unknown_pasid",
	[SVA_IOPF_R_WRONG_DEV] = "wrong_dev",
	[SVA_IOPF_R_UNBINDING] = "unbinding",
	[SVA_IOPF_R_NON_CANONICAL] = "non_canonical",
	[SVA_IOPF_R_KERNEL_ADDR] = "kernel_addr",
	[SVA_IOPF_R_NO_MAPPING] = "no_mapping",
	[SVA_IOPF_R_PERM] = "perm",
	[SVA_IOPF_R_EXEC] = "exec",
	[SVA_IOPF_R_PRIV] = "priv",
	[SVA_IOPF_R_MALFORMED] = "malformed",
	[SVA_IOPF_R_NOMEM] = "nomem",
	[SVA_IOPF_R_POPULATE] = "populate",
	[SVA_IOPF_R_RETRIES] = "retries",
	[SVA_IOPF_R_BUDGET] = "budget",
	[SVA_IOPF_R_INCOMPLETE] = "incomplete",
	[SVA_IOPF_R_AUTO_INVALID] = "auto_invalid",
	[SVA_IOPF_R_DRIVER] = "driver",
	[SVA_IOPF_R_UNEXPECTED] = "unexpected",
	[SVA_IOPF_R_PINNED] = "pinned",
};

const char *
sva_iopf_reason_name(unsigned int reason)
{
	return reason < SVA_IOPF_R_MAX ? reason_names[reason] : "?";
}

uint64_t
sva_iopf_lat_bucket_cycles(unsigned int b)
{
	unsigned int msb, sub;

	if (b < 8)
		return b;
	if (b >= SVA_IOPF_LAT_BUCKETS - 1)
		return UINT64_MAX;
	msb = b / 8 + 2;
	sub = b % 8;
	/* bucket holds [(8 + sub) << (msb - 3), (9 + sub) << (msb - 3)) */
	return ((uint64_t)(9 + sub) << (msb - 3)) - 1;
}

/* Fields after lat_hist are computed, not summed. */
#define IOPF_SUMMED (offsetof(struct sva_iopf_stats, lat_p50_ns) / sizeof(uint64_t))

void
iopf_stats_read(struct sva_iopf_stats *to, const struct sva_iopf_stats *live)
{
	const uint64_t *s = (const uint64_t *)live;
	uint64_t *d = (uint64_t *)to;

	for (size_t i = 0; i < IOPF_SUMMED; i++)
		d[i] = __atomic_load_n(&s[i], __ATOMIC_RELAXED);
	for (size_t i = IOPF_SUMMED; i < IOPF_NCOUNTERS; i++)
		d[i] = 0;
}

void
iopf_stats_add(struct sva_iopf_stats *to, const struct sva_iopf_stats *from)
{
	const uint64_t *s = (const uint64_t *)from;
	uint64_t *d = (uint64_t *)to;

	for (size_t i = 0; i < IOPF_SUMMED; i++)
		d[i] += __atomic_load_n(&s[i], __ATOMIC_RELAXED);
}

void
iopf_stats_sub(struct sva_iopf_stats *to, const struct sva_iopf_stats *base)
{
	const uint64_t *s = (const uint64_t *)base;
	uint64_t *d = (uint64_t *)to;

	for (size_t i = 0; i < IOPF_SUMMED; i++)
		d[i] = d[i] >= s[i] ? d[i] - s[i] : 0;
}

static uint64_t
cycles_to_ns(uint64_t c)
{
	uint64_t hz = rte_get_tsc_hz();

	if (c == UINT64_MAX || hz == 0)
		return c;
	return (uint64_t)((double)c * 1e9 / (double)hz);
}

static uint64_t
percentile(const struct sva_iopf_stats *st, uint64_t total, double q)
{
	uint64_t want = (uint64_t)((double)total * q), seen = 0;

	if (want == 0)
		want = 1;
	for (unsigned int b = 0; b < SVA_IOPF_LAT_BUCKETS; b++) {
		seen += st->lat_hist[b];
		if (seen >= want)
			return cycles_to_ns(sva_iopf_lat_bucket_cycles(b));
	}
	return 0;
}

void
iopf_stats_finish(struct sva_iopf_stats *st)
{
	uint64_t total = 0;

	for (unsigned int b = 0; b < SVA_IOPF_LAT_BUCKETS; b++)
		total += st->lat_hist[b];
	st->lat_p50_ns = st->lat_p99_ns = st->lat_p999_ns = st->lat_max_ns = 0;
	if (total == 0)
		return;
	st->lat_p50_ns = percentile(st, total, 0.50);
	st->lat_p99_ns = percentile(st, total, 0.99);
	st->lat_p999_ns = percentile(st, total, 0.999);
	for (int b = SVA_IOPF_LAT_BUCKETS - 1; b >= 0; b--) {
		if (st->lat_hist[b] != 0) {
			st->lat_max_ns = cycles_to_ns(sva_iopf_lat_bucket_cycles(b));
			break;
		}
	}
}
