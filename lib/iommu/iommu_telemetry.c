/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Drivers' per-iommu telemetry commands, one shape for all: "/sva/<driver>/<what>"
 * without a parameter lists the names of the driver's iommus; with an iommu name it
 * replies the dict the driver writes for it; null for an unknown iommu, one of another
 * driver, or the driver's error. The driver gives its command, help text and dict
 * writer (sva_iommu_telemetry_register()); lib/iommu owns the walk. The handler runs
 * on the telemetry thread inside sva_iommu_foreach(), whose registry lock keeps the
 * iommu from being destroyed under it.
 *
 * DPDK 22.11's handlers get no argument, so the handler finds its driver by the
 * command it was called for.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <rte_common.h>
#include <rte_telemetry.h>

#include "iommu_pvt.h"

#define IOMMU_MAX_TEL_CMDS 8

static struct iommu_tel_cmd {
	char cmd[RTE_TEL_MAX_STRING_LEN];
	const struct sva_iommu_driver *drv;
	sva_iommu_telemetry_dict_t dict;
} tel_cmds[IOMMU_MAX_TEL_CMDS];
static unsigned int ntel_cmds; /* written by constructors only, before any handler runs */

struct iommu_tel_walk {
	const struct iommu_tel_cmd *c;
	const char *name;          /* NULL: list them */
	struct rte_tel_data *d;
	int ret;
};

static int
tel_one(struct sva_iommu *iommu, void *arg)
{
	struct iommu_tel_walk *w = arg;

	if (iommu->drv != w->c->drv)
		return 0;
	if (w->name == NULL) {
		rte_tel_data_add_array_string(w->d, iommu->name);
		return 0;
	}
	if (strcmp(iommu->name, w->name) != 0)
		return 0;
	rte_tel_data_start_dict(w->d);
	w->ret = w->c->dict(iommu, w->d);
	return 1;
}

static int
tel_handler(const char *cmd, const char *params, struct rte_tel_data *d)
{
	struct iommu_tel_walk w = { .d = d, .ret = -EINVAL };

	for (unsigned int i = 0; i < ntel_cmds && w.c == NULL; i++)
		if (strcmp(tel_cmds[i].cmd, cmd) == 0)
			w.c = &tel_cmds[i];
	if (w.c == NULL)
		return -EINVAL;
	if (params == NULL || params[0] == '\0') {
		rte_tel_data_start_array(d, RTE_TEL_STRING_VAL);
		sva_iommu_foreach(tel_one, &w);
		return 0;
	}
	w.name = params;
	sva_iommu_foreach(tel_one, &w);
	return w.ret;  /* an unknown iommu or one of another driver: the reply is null */
}

int
sva_iommu_telemetry_register(const struct sva_iommu_driver *drv, const char *cmd,
		const char *help, sva_iommu_telemetry_dict_t dict)
{
	struct iommu_tel_cmd *c;
	int ret;

	/* Constructors run before EAL: no logging yet, so refuse loudly (like drivers). */
	if (drv == NULL || cmd == NULL || help == NULL || dict == NULL ||
			strlen(cmd) >= sizeof(c->cmd) || ntel_cmds == IOMMU_MAX_TEL_CMDS) {
		fprintf(stderr, "svapoll: telemetry command %s refused (%s)\n",
			cmd != NULL ? cmd : "(none)", ntel_cmds == IOMMU_MAX_TEL_CMDS ?
			"too many commands" : "bad arguments");
		return -EINVAL;
	}
	c = &tel_cmds[ntel_cmds];
	snprintf(c->cmd, sizeof(c->cmd), "%s", cmd);
	c->drv = drv;
	c->dict = dict;
	ret = rte_telemetry_register_cmd(cmd, tel_handler, help);
	if (ret != 0) {
		fprintf(stderr, "svapoll: telemetry command %s refused by DPDK (%s)\n", cmd,
			strerror(-ret));
		return ret;
	}
	ntel_cmds++;
	return 0;
}
