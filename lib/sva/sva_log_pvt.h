/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef SVA_LOG_PVT_H
#define SVA_LOG_PVT_H

#include <rte_log.h>

extern int sva_logtype;

/** Log from lib/sva: SVA_LOG(ERR, "bind of %s refused: %s", name, why). */
#define SVA_LOG(level, fmt, ...) \
	rte_log(RTE_LOG_##level, sva_logtype, "SVA: " fmt "\n", ##__VA_ARGS__)

#endif /* SVA_LOG_PVT_H */
