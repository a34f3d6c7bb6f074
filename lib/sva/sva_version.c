/* SPDX-License-Identifier: BSD-3-Clause */
#include "sva.h"
#include "sva_log_pvt.h"

RTE_LOG_REGISTER(sva_logtype, lib.sva, INFO);

const char *
sva_version(void)
{
	return SVA_VERSION;
}
