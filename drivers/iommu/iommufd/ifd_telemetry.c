/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Telemetry of the iommufd driver: /sva/iommufd/stats,<iommu> gives
 * sva_iommufd_stats_get() (fault fd reads and writes, the IOVA == VA mirror, pins) as
 * a dict; without a parameter, the iommufd iommus. Registered by the driver (lib/sva
 * never names a driver); the handler runs inside sva_iommu_foreach(), whose registry
 * lock keeps the iommu from being destroyed under it.
 */
#include <errno.h>
#include <string.h>

#include <rte_common.h>
#include <rte_telemetry.h>

#include "sva_iommufd.h"
#include "sva_iommu_driver.h"

struct ifd_tel {
	const char *name;          /* NULL: list them */
	struct rte_tel_data *d;
	int ret;
};

#define S(f) rte_tel_data_add_dict_u64(d, #f, s->f)

static void
stats_dict(struct rte_tel_data *d, const struct sva_iommufd_stats *s)
{
	S(reads); S(empty_reads); S(read_errors); S(records); S(groups); S(partial_bytes);
	S(group_fixups); S(unknown_bits); S(writes); S(responses); S(short_writes);
	S(write_again); S(refused); S(failure_as_invalid); S(bad_code); S(write_errors);
	S(maps); S(unmaps); S(map_errors); S(unmap_errors); S(map_upgrades); S(map_hits);
	S(map_full); S(mapped_bytes); S(mapped_ranges); S(kernel_flags); S(oversized_groups);
	S(read_buffer_grows); S(stalled); S(map_outside); S(pins); S(unpins); S(pin_errors);
	S(pinned_bytes); S(pinned_ranges); S(nested_attached); S(nested_attaches);
	S(nested_detaches); S(nested_errors); S(nested_invals); S(nested_inval_errors);
	S(nested_records);
}

static int
tel_one(struct sva_iommu *iommu, void *arg)
{
	struct ifd_tel *t = arg;
	struct sva_iommufd_stats s;

	if (sva_iommufd_stats_get(iommu, &s) != 0)
		return 0; /* not an iommufd iommu */
	if (t->name == NULL) {
		rte_tel_data_add_array_string(t->d, sva_iommu_name(iommu));
		return 0;
	}
	if (strcmp(sva_iommu_name(iommu), t->name) != 0)
		return 0;
	rte_tel_data_start_dict(t->d);
	stats_dict(t->d, &s);
	t->ret = 0;
	return 1;
}

static int
tel_stats(const char *cmd, const char *params, struct rte_tel_data *d)
{
	struct ifd_tel t = { .d = d, .ret = -EINVAL };

	RTE_SET_USED(cmd);
	if (params == NULL || params[0] == '\0') {
		rte_tel_data_start_array(d, RTE_TEL_STRING_VAL);
		sva_iommu_foreach(tel_one, &t);
		return 0;
	}
	t.name = params;
	sva_iommu_foreach(tel_one, &t);
	return t.ret;  /* an unknown or non-iommufd iommu: the reply is null */
}

RTE_INIT(ifd_telemetry_init)
{
	rte_telemetry_register_cmd("/sva/iommufd/stats", tel_stats,
		"iommufd statistics (sva_iommufd_stats_get()). Parameter: an iommufd iommu "
		"name; none: the iommufd iommus");
}
