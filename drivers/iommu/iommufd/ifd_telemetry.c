/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Telemetry of the iommufd driver: /sva/iommufd/stats,<iommu> gives
 * sva_iommufd_stats_get() (fault fd reads and writes, the IOVA == VA mirror, pins) as
 * a dict; without a parameter, the iommufd iommus. Registered by the driver (lib/sva
 * never names a driver) through lib/iommu's sva_iommu_telemetry_register(), which
 * lists and finds the iommus; this file writes one iommu's dict.
 */

#include <rte_common.h>
#include <rte_telemetry.h>

#include "sva_iommufd.h"
#include "sva_iommu_driver.h"
#include "ifd_pvt.h"   /* ifd_driver */

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
stats_tel(struct sva_iommu *iommu, struct rte_tel_data *d)
{
	struct sva_iommufd_stats s;
	int ret = sva_iommufd_stats_get(iommu, &s);

	if (ret == 0)
		stats_dict(d, &s);
	return ret;
}

RTE_INIT(ifd_telemetry_init)
{
	sva_iommu_telemetry_register(&ifd_driver, "/sva/iommufd/stats",
		"iommufd statistics (sva_iommufd_stats_get()). Parameter: an iommufd iommu "
		"name; none: the iommufd iommus", stats_tel);
}
