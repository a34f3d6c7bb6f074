/* SPDX-License-Identifier: BSD-3-Clause */
/* Driver registry and the devargs helpers drivers share. */
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "iommu_pvt.h"

RTE_LOG_REGISTER(sva_iommu_logtype, lib.sva.iommu, INFO);

#define IOMMU_MAX_DRIVERS 8

static const struct sva_iommu_driver *drivers[IOMMU_MAX_DRIVERS];
static unsigned int ndrivers;
static pthread_mutex_t registry_lock = PTHREAD_MUTEX_INITIALIZER;

void
sva_iommu_driver_register(const struct sva_iommu_driver *drv)
{
	/* Constructors run before main and before EAL: no logging yet, so refuse loudly. */
	if (drv == NULL || drv->name == NULL || ndrivers == IOMMU_MAX_DRIVERS) {
		fprintf(stderr, "svapoll: iommu driver registration refused (%s)\n",
			drv == NULL || drv->name == NULL ? "no name" : "too many drivers");
		return;
	}
	drivers[ndrivers++] = drv;
}

const struct sva_iommu_driver *
iommu_driver_find(const char *name, size_t len)
{
	for (unsigned int i = 0; i < ndrivers; i++)
		if (strlen(drivers[i]->name) == len && strncmp(drivers[i]->name, name, len) == 0)
			return drivers[i];
	return NULL;
}

void
iommu_registry_lock(void)
{
	pthread_mutex_lock(&registry_lock);
}

void
iommu_registry_unlock(void)
{
	pthread_mutex_unlock(&registry_lock);
}

static void
format_list(char *buf, size_t size, const char *const *words)
{
	size_t used = 0;

	buf[0] = '\0';
	for (unsigned int i = 0; words != NULL && words[i] != NULL && used < size; i++)
		used += snprintf(buf + used, size - used, "%s%s", i ? ", " : "", words[i]);
}

int
iommu_kvargs_check(const struct rte_kvargs *kv, const char *what, const char *const *accepted)
{
	char list[512];

	for (unsigned int i = 0; i < kv->count; i++) {
		const char *key = kv->pairs[i].key;
		bool known = strcmp(key, "name") == 0;

		for (unsigned int k = 0; !known && accepted != NULL && accepted[k] != NULL; k++)
			known = strcmp(key, accepted[k]) == 0;
		if (!known) {
			format_list(list, sizeof(list), accepted);
			IOMMU_LOG(ERR, "%s: unknown key '%s'; accepted: name%s%s", what, key,
				list[0] ? ", " : "", list);
			return -EINVAL;
		}
		if (rte_kvargs_count(kv, key) > 1) {
			IOMMU_LOG(ERR, "%s: key '%s' is given more than once", what, key);
			return -EINVAL;
		}
	}
	return 0;
}

static const char *
kv_value(const struct rte_kvargs *kv, const char *key)
{
	for (unsigned int i = 0; i < kv->count; i++)
		if (strcmp(kv->pairs[i].key, key) == 0)
			return kv->pairs[i].value != NULL ? kv->pairs[i].value : "";
	return NULL;
}

int
sva_kvargs_u64(const struct rte_kvargs *kv, const char *key, uint64_t min, uint64_t max,
		uint64_t *out)
{
	const char *v;
	char *end;
	unsigned long long n;

	if (kv == NULL || key == NULL || out == NULL)
		return -EINVAL;
	v = kv_value(kv, key);
	if (v == NULL)
		return 0;
	errno = 0;
	n = strtoull(v, &end, 0);
	if (v[0] == '\0' || v[0] == '-' || *end != '\0' || errno != 0 || n < min || n > max) {
		IOMMU_LOG(ERR, "bad value '%s' for key '%s': accepted is a number from %" PRIu64
			" to %" PRIu64 " (decimal or 0x hex)", v, key, min, max);
		return -EINVAL;
	}
	*out = n;
	return 0;
}

int
sva_kvargs_choice(const struct rte_kvargs *kv, const char *key, const char *const *choices,
		unsigned int *out)
{
	const char *v;
	char list[256];

	if (kv == NULL || key == NULL || choices == NULL || out == NULL)
		return -EINVAL;
	v = kv_value(kv, key);
	if (v == NULL)
		return 0;
	for (unsigned int i = 0; choices[i] != NULL; i++) {
		if (strcmp(v, choices[i]) == 0) {
			*out = i;
			return 0;
		}
	}
	format_list(list, sizeof(list), choices);
	IOMMU_LOG(ERR, "bad value '%s' for key '%s': accepted are %s", v, key, list);
	return -EINVAL;
}

void *
iommu_zalloc_with_priv(size_t size, size_t priv_size, void **priv)
{
	size_t head = RTE_ALIGN_CEIL(size, RTE_CACHE_LINE_SIZE);
	void *obj;

	if (posix_memalign(&obj, RTE_CACHE_LINE_SIZE, head + priv_size) != 0)
		return NULL;
	memset(obj, 0, head + priv_size);
	*priv = priv_size ? (char *)obj + head : NULL;
	return obj;
}
