/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Telemetry of the emu driver: /sva/emu/counters,<iommu> gives sva_emu_counters_get()
 * (what the devices and the queue model counted) as a dict; without a parameter, the
 * emu iommus. The driver registers its own command (lib/sva never names a driver)
 * through lib/iommu's sva_iommu_telemetry_register(), which lists and finds the iommus;
 * this file writes one iommu's dict.
 */
#include <stdio.h>
#include <string.h>

#include <rte_common.h>
#include <rte_telemetry.h>

#include "emu_pvt.h"

#define C(f) rte_tel_data_add_dict_u64(d, #f, k->f)
#define M(f) rte_tel_data_add_dict_u64(d, "model_" #f, k->model.f)

static void
counters_dict(struct rte_tel_data *d, const struct sva_emu_counters *k)
{
	char key[32];

	C(page_reqs); C(groups); C(groups_outstanding); C(groups_outstanding_max);
	C(resp_success); C(resp_invalid); C(resp_failure); C(resp_bad_code);
	C(resp_unknown_group); C(resp_duplicate); C(resp_late); C(success_not_present);
	C(prq_full); C(group_timeouts); C(pri_failures); C(events); C(events_dropped);
	C(walks); C(iotlb_hits); C(iotlb_misses); C(iotlb_invals); C(access_faults);
	C(inj_drops); C(inj_dups); C(inj_corrupt); C(inj_overflows); C(inj_stop_markers);
	C(jobs); C(jobs_ok); C(jobs_partial); C(jobs_failed); C(bytes);
	C(group_wait_ns_total); C(group_wait_ns_max); C(prq_drains);
	C(nested_walks); C(nested_s1tlb_hits); C(nested_s1tlb_misses); C(nested_cd_fetches);
	C(nested_invals); C(nested_s1_faults); C(nested_s2_faults); C(nested_events);
	for (unsigned int i = 0; i < SVA_EMU_WAIT_HIST_BUCKETS; i++) {
		snprintf(key, sizeof(key), "group_wait_hist_%u", i);
		rte_tel_data_add_dict_u64(d, key, k->group_wait_hist[i]);
	}
	M(prq_written); M(prq_dropped); M(prq_overflows); M(prq_read); M(prq_malformed);
	M(evtq_written); M(evtq_dropped); M(evtq_overflows); M(evtq_read); M(evtq_malformed);
	M(resp_written); M(resp_doorbells); M(resp_read); M(resp_malformed);
	M(prq_auto_resp); M(prq_auto_resp_lost);
}

static int
counters_tel(struct sva_iommu *iommu, struct rte_tel_data *d)
{
	struct sva_emu_counters k;
	int ret = sva_emu_counters_get(iommu, &k);

	if (ret == 0)
		counters_dict(d, &k);
	return ret;
}

RTE_INIT(emu_telemetry_init)
{
	sva_iommu_telemetry_register(&emu_driver, "/sva/emu/counters",
		"emu iommu counters (sva_emu_counters_get()). Parameter: an emu iommu name; "
		"none: the emu iommus", counters_tel);
}
