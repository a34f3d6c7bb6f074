/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Extended statistics: every counter of struct sva_iopf_stats by name, in a list whose
 * length and order the library owns (like DPDK's xstats), so that a counter, a reason
 * or a latency bucket can be added without changing any public layout.
 */
#include <errno.h>
#include <inttypes.h>
#include <stddef.h>
#include <stdio.h>

#include <rte_common.h>

#include "sva.h"
#include "sva_pvt.h"

#define XS(f) { #f, offsetof(struct sva_iopf_stats, f) }
static const struct {
	const char *name;
	size_t off;
} xstats_scalars[] = {
	XS(page_reqs), XS(stop_markers), XS(malformed_records), XS(groups),
	XS(resp_success), XS(resp_invalid), XS(resp_failure),
	XS(pages_populated), XS(bytes_populated), XS(populate_calls), XS(populate_retries),
	XS(fault_around_pages), XS(fault_around_errors), XS(dup_pages), XS(dup_groups),
	XS(overflows), XS(overflow_groups), XS(incomplete_groups), XS(timeouts),
	XS(partial_discarded), XS(budget_overruns), XS(deferred), XS(batches),
	XS(batch_responses), XS(resp_queue_full), XS(resp_dropped), XS(resp_errors),
	XS(events), XS(events_dropped), XS(maps_misses), XS(stalls), XS(stall_resumes),
	XS(stall_terminates), XS(lat_count),
	XS(lat_p50_ns), XS(lat_p99_ns), XS(lat_p999_ns), XS(lat_max_ns),
};
#undef XS

/* then the maps counters (struct sva_iopf_maps_stats), "maps_" + the field */
#define XM(f) { "maps_" #f, offsetof(struct sva_iopf_maps_stats, f) }
static const struct {
	const char *name;
	size_t off;
} xstats_maps[] = {
	XM(lookups), XM(overlay_hits), XM(rechecks), XM(overlay_evictions), XM(thp_probes),
	XM(refresh_requests), XM(bg_refreshes),
};
#undef XM

#define N_SCALARS RTE_DIM(xstats_scalars)
#define N_STATS (N_SCALARS + 2 * SVA_IOPF_R_MAX + SVA_IOPF_LAT_BUCKETS)
#define N_XSTATS (N_STATS + RTE_DIM(xstats_maps))

static void
xstat_name(unsigned int id, char *buf, size_t size)
{
	if (id < N_SCALARS) {
		snprintf(buf, size, "%s", xstats_scalars[id].name);
		return;
	}
	id -= N_SCALARS;
	if (id < 2 * SVA_IOPF_R_MAX) {
		snprintf(buf, size, "%s_%s", id < SVA_IOPF_R_MAX ? "invalid" : "failure",
			sva_iopf_reason_name(id % SVA_IOPF_R_MAX));
		return;
	}
	id -= 2 * SVA_IOPF_R_MAX;
	if (id >= SVA_IOPF_LAT_BUCKETS) {
		snprintf(buf, size, "%s", xstats_maps[id - SVA_IOPF_LAT_BUCKETS].name);
		return;
	}
	if (id == SVA_IOPF_LAT_BUCKETS - 1)
		snprintf(buf, size, "lat_hist_le_max_cycles");
	else
		snprintf(buf, size, "lat_hist_le_%" PRIu64 "_cycles",
			sva_iopf_lat_bucket_cycles(id));
}

static uint64_t
xstat_value(const struct sva_iopf_stats *st, const struct sva_iopf_maps_stats *ms,
		unsigned int id)
{
	if (id >= N_STATS)
		return *(const uint64_t *)(const void *)
			((const char *)ms + xstats_maps[id - N_STATS].off);
	if (id < N_SCALARS)
		return *(const uint64_t *)(const void *)
			((const char *)st + xstats_scalars[id].off);
	id -= N_SCALARS;
	if (id < SVA_IOPF_R_MAX)
		return st->invalid[id];
	if (id < 2 * SVA_IOPF_R_MAX)
		return st->failure[id - SVA_IOPF_R_MAX];
	return st->lat_hist[id - 2 * SVA_IOPF_R_MAX];
}

int
sva_stats_xstats_names_get(struct sva_xstat_name *names, unsigned int size)
{
	if (names == NULL || size < N_XSTATS)
		return N_XSTATS;
	for (unsigned int i = 0; i < N_XSTATS; i++)
		xstat_name(i, names[i].name, sizeof(names[i].name));
	return N_XSTATS;
}

int
sva_stats_xstats_get(struct sva_iommu *iommu, const struct sva_bond *bond,
		struct sva_xstat *xstats, unsigned int n)
{
	struct sva_iopf_maps_stats ms;
	struct sva_iopf_stats st;
	int ret;

	if (xstats == NULL || n < N_XSTATS) {
		if (iommu == NULL && bond == NULL)
			return -EINVAL;
		return N_XSTATS;
	}
	ret = sva_stats_get(iommu, bond, &st);
	if (ret == 0)
		ret = sva_maps_stats_get(iommu, bond, &ms);
	if (ret < 0)
		return ret;
	for (unsigned int i = 0; i < N_XSTATS; i++) {
		xstats[i].id = i;
		xstats[i].value = xstat_value(&st, &ms, i);
	}
	return N_XSTATS;
}
