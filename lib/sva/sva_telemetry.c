/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Telemetry: /sva/iommus, /sva/bonds, /sva/bond,<bond id>,
 * /sva/stats,<bond id | iommu name>.
 * Readable with DPDK's usertools/dpdk-telemetry.py. Handlers run on the telemetry
 * thread and take the sva lock, so a bond cannot go away under them.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_common.h>
#include <rte_telemetry.h>

#include "sva_pvt.h"

static int
tel_iommus(const char *cmd, const char *params, struct rte_tel_data *d)
{
	struct sva_poller *p;

	RTE_SET_USED(cmd);
	RTE_SET_USED(params);
	rte_tel_data_start_array(d, RTE_TEL_STRING_VAL);
	pthread_mutex_lock(&sva_lock);
	TAILQ_FOREACH(p, &sva_pollers, next)
		rte_tel_data_add_array_string(d, sva_iommu_name(p->iommu));
	pthread_mutex_unlock(&sva_lock);
	return 0;
}

/* One bond as an object: its id, iommu, dev (requester/stream ID), PASID, bind flags
 * (SVA_BIND_* as a number, and by name), mode and pinned ranges. */
static void
bond_fill(struct rte_tel_data *o, const struct sva_bond *b)
{
	static const struct { uint32_t bit; const char *name; } names[] = {
		{ SVA_BIND_RID, "rid" }, { SVA_BIND_AUTO_INVALID, "auto_invalid" },
		{ SVA_BIND_ALLOW_EXEC, "allow_exec" }, { SVA_BIND_ALLOW_PRIV, "allow_priv" },
		{ SVA_BIND_EVENT_RING, "event_ring" }, { SVA_BIND_PINNED, "pinned" },
		{ SVA_BIND_REQUIRE_PRI, "require_pri" }, { SVA_BIND_GUEST_DATA, "guest_data" },
		{ SVA_BIND_NESTED, "nested" }, { SVA_BIND_FA_ADAPTIVE, "fa_adaptive" },
	};
	char fl[RTE_TEL_MAX_STRING_LEN] = "";

	for (unsigned int i = 0; i < RTE_DIM(names); i++)
		if (b->flags & names[i].bit)
			snprintf(fl + strlen(fl), sizeof(fl) - strlen(fl), "%s%s",
				fl[0] != '\0' ? " " : "", names[i].name);
	rte_tel_data_start_dict(o);
	rte_tel_data_add_dict_u64(o, "id", b->id);
	rte_tel_data_add_dict_string(o, "iommu", sva_iommu_name(b->iommu));
	rte_tel_data_add_dict_u64(o, "dev", sva_dev_id(b->dev));
	rte_tel_data_add_dict_u64(o, "pasid", b->pasid);
	rte_tel_data_add_dict_u64(o, "flags", b->flags);
	rte_tel_data_add_dict_string(o, "flag_names", fl);
	rte_tel_data_add_dict_string(o, "mode", b->pinned ? "pinned" : "pri");
	rte_tel_data_add_dict_u64(o, "rid_only", b->rid_only ? 1 : 0);
	rte_tel_data_add_dict_u64(o, "pinned_ranges", b->npins);
	rte_tel_data_add_dict_u64(o, "pinned_bytes", b->pinned_bytes);
	if (b->guest) {
		rte_tel_data_add_dict_u64(o, "gpasid", b->gpasid);
		rte_tel_data_add_dict_u64(o, "user_cookie", b->user_cookie);
	}
}

/* id -> the bond's object; a dict holds RTE_TEL_MAX_DICT_ENTRIES (256): past that,
 * /sva/bond,<id> still answers for each. */
static int
tel_bonds(const char *cmd, const char *params, struct rte_tel_data *d)
{
	struct rte_tel_data *o;
	struct sva_bond *b;
	char key[16];

	RTE_SET_USED(cmd);
	RTE_SET_USED(params);
	rte_tel_data_start_dict(d);
	pthread_mutex_lock(&sva_lock);
	TAILQ_FOREACH(b, &sva_bonds, next) {
		o = rte_tel_data_alloc();
		if (o == NULL)
			break;
		bond_fill(o, b);
		snprintf(key, sizeof(key), "%u", b->id);
		if (rte_tel_data_add_dict_container(d, key, o, 0) != 0) {
			rte_tel_data_free(o);
			break;
		}
	}
	pthread_mutex_unlock(&sva_lock);
	return 0;
}

static int
tel_bond(const char *cmd, const char *params, struct rte_tel_data *d)
{
	const struct sva_bond *b;
	unsigned long id;
	char *end;

	RTE_SET_USED(cmd);
	if (params == NULL || params[0] == '\0')
		return -EINVAL;
	id = strtoul(params, &end, 10);
	if (*end != '\0' || end == params)
		return -EINVAL;
	pthread_mutex_lock(&sva_lock);
	b = sva_bond_find_id((unsigned int)id);
	if (b != NULL)
		bond_fill(d, b);
	pthread_mutex_unlock(&sva_lock);
	return b != NULL ? 0 : -EINVAL;
}

#define ADD(field) rte_tel_data_add_dict_u64(d, #field, st->field)

static void
stats_dict(struct rte_tel_data *d, const struct sva_iopf_stats *st)
{
	char key[48], mean[32];

	ADD(page_reqs);
	ADD(stop_markers);
	ADD(malformed_records);
	ADD(groups);
	ADD(resp_success);
	ADD(resp_invalid);
	ADD(resp_failure);
	for (unsigned int r = 0; r < SVA_IOPF_R_MAX; r++) {
		if (st->invalid[r] != 0) {
			snprintf(key, sizeof(key), "invalid_%s", sva_iopf_reason_name(r));
			rte_tel_data_add_dict_u64(d, key, st->invalid[r]);
		}
		if (st->failure[r] != 0) {
			snprintf(key, sizeof(key), "failure_%s", sva_iopf_reason_name(r));
			rte_tel_data_add_dict_u64(d, key, st->failure[r]);
		}
	}
	ADD(pages_populated);
	ADD(bytes_populated);
	ADD(populate_calls);
	ADD(populate_retries);
	ADD(fault_around_pages);
	ADD(fault_around_errors);
	ADD(dup_pages);
	ADD(dup_groups);
	ADD(overflows);
	ADD(overflow_groups);
	ADD(incomplete_groups);
	ADD(timeouts);
	ADD(partial_discarded);
	ADD(budget_overruns);
	ADD(deferred);
	ADD(batches);
	ADD(batch_responses);
	snprintf(mean, sizeof(mean), "%.2f",
		st->batches != 0 ? (double)st->batch_responses / (double)st->batches : 0.0);
	rte_tel_data_add_dict_string(d, "batch_mean", mean);
	ADD(resp_queue_full);
	ADD(resp_dropped);
	ADD(resp_errors);
	ADD(events);
	ADD(events_dropped);
	ADD(maps_misses);
	ADD(stalls);
	ADD(stall_resumes);
	ADD(stall_terminates);
	ADD(lat_count);
	ADD(lat_p50_ns);
	ADD(lat_p99_ns);
	ADD(lat_p999_ns);
	ADD(lat_max_ns);
}

#define ADDM(field) rte_tel_data_add_dict_u64(d, "maps_" #field, ms->field)

/* the overlay's counters: the iommu's, also in a bond's reading (sva.h, xstats) */
static void
maps_dict(struct rte_tel_data *d, const struct sva_iopf_maps_stats *ms)
{
	ADDM(lookups);
	ADDM(overlay_hits);
	ADDM(rechecks);
	ADDM(overlay_evictions);
	ADDM(thp_probes);
	ADDM(refresh_requests);
	ADDM(bg_refreshes);
}

static int
tel_stats(const char *cmd, const char *params, struct rte_tel_data *d)
{
	struct sva_iopf_maps_stats ms;
	struct sva_iopf_stats st;
	struct sva_poller *p;
	struct sva_bond *b = NULL;
	char *end;
	unsigned long id;
	int ret = -EINVAL;
	bool guest = false, nested = false;
	uint32_t gpasid = 0;
	uint64_t user_cookie = 0;
	struct sva_iopf_nested_stats ns;

	RTE_SET_USED(cmd);
	if (params == NULL || params[0] == '\0')
		return -EINVAL;
	pthread_mutex_lock(&sva_lock);
	id = strtoul(params, &end, 10);
	if (*end == '\0' && end != params) {
		b = sva_bond_find_id((unsigned int)id);
		if (b != NULL) {
			ret = sva_iopf_stats_get(b->iopf, b->ib, &st);
			guest = b->guest;
			gpasid = b->gpasid;
			user_cookie = b->user_cookie;
			nested = b->nested && sva_iopf_bond_nested_stats_get(b->ib, &ns) == 0;
			if (ret == 0)
				ret = sva_iopf_maps_stats_get(b->iopf, &ms);
		}
	} else {
		TAILQ_FOREACH(p, &sva_pollers, next)
			if (strcmp(sva_iommu_name(p->iommu), params) == 0) {
				ret = sva_iopf_stats_get(p->iopf, NULL, &st);
				if (ret == 0)
					ret = sva_iopf_maps_stats_get(p->iopf, &ms);
			}
	}
	pthread_mutex_unlock(&sva_lock);
	if (ret != 0)
		return -EINVAL;
	rte_tel_data_start_dict(d);
	/* a bond bound with guest data: its entry names the guest's PASID (vSVA) */
	if (guest) {
		rte_tel_data_add_dict_u64(d, "gpasid", gpasid);
		rte_tel_data_add_dict_u64(d, "user_cookie", user_cookie);
	}
	stats_dict(d, &st);
	if (nested) {
		/* struct sva_iopf_nested_stats, prefixed */
		rte_tel_data_add_dict_u64(d, "nested_s1_groups", ns.s1_groups);
		rte_tel_data_add_dict_u64(d, "nested_s1_records", ns.s1_records);
		rte_tel_data_add_dict_u64(d, "nested_s1_undelivered", ns.s1_undelivered);
		rte_tel_data_add_dict_u64(d, "nested_s1_refused", ns.s1_refused);
		rte_tel_data_add_dict_u64(d, "nested_s2_outside_ram", ns.s2_outside_ram);
		rte_tel_data_add_dict_u64(d, "nested_vmm_answers", ns.vmm_answers);
		rte_tel_data_add_dict_u64(d, "nested_vmm_timeouts", ns.vmm_timeouts);
		rte_tel_data_add_dict_u64(d, "nested_vmm_unbind", ns.vmm_unbind);
		rte_tel_data_add_dict_u64(d, "nested_vmm_late", ns.vmm_late);
		rte_tel_data_add_dict_u64(d, "nested_vmm_dup", ns.vmm_dup);
		rte_tel_data_add_dict_u64(d, "nested_vmm_unknown", ns.vmm_unknown);
		rte_tel_data_add_dict_u64(d, "nested_held_now", ns.held_now);
	}
	maps_dict(d, &ms);
	return 0;
}

/* A command DPDK refuses (a help text of RTE_TEL_MAX_STRING_LEN or more, a full
 * table) would answer null without a word: say so. */
static void
tel_register(const char *cmd, telemetry_cb fn, const char *help)
{
	int ret = rte_telemetry_register_cmd(cmd, fn, help);

	if (ret != 0)
		SVA_LOG(WARNING, "telemetry command %s not registered: %s", cmd, strerror(-ret));
}

/* Called at the first fault path set-up (a constructor here would be dropped from
 * static links: nothing else references this file). */
void
sva_telemetry_init(void)
{
	static bool done;

	if (done)
		return;
	done = true;
	tel_register("/sva/iommus", tel_iommus,
		"Iommus with a fault path. No parameters");
	tel_register("/sva/bonds", tel_bonds,
		"Bonds: id -> {id, iommu, dev, pasid, flags, flag_names, mode, rid_only, "
		"pinned_ranges, pinned_bytes}. No parameters");
	tel_register("/sva/bond", tel_bond,
		"One bond, as in /sva/bonds. Parameter: a bond id");
	tel_register("/sva/stats", tel_stats,
		"Fault path statistics. Parameter: a bond id or an iommu name");
}
