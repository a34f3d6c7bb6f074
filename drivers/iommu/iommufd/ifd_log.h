/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef IFD_LOG_H
#define IFD_LOG_H

#include <rte_log.h>

/** rte_log type "drv.iommu.iommufd". */
extern int ifd_logtype;

/** Log from the iommufd driver: IFD_LOG(ERR, "%s: cannot open %s: %s", name, path, why). */
#define IFD_LOG(level, fmt, ...) \
	rte_log(RTE_LOG_##level, ifd_logtype, "IOMMUFD: " fmt "\n", ##__VA_ARGS__)

#endif /* IFD_LOG_H */
