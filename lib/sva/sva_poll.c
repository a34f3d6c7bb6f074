/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Poll services: one DPDK service per iommu ("sva_poll_<iommu>", MT-unsafe: the
 * service core runs it on one lcore at a time), calling the iommu's fault path with
 * a budget per call. sva_poll_lcore_start() does the usual mapping: every svapoll
 * service, present and future, on one or more service lcores.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_errno.h>
#include <rte_launch.h>
#include <rte_lcore.h>
#include <rte_memory.h>
#include <rte_service.h>
#include <rte_service_component.h>

#include "sva_pvt.h"

/*
 * The service core orders a service call before rte_service_may_be_active() reads 0
 * (wait_inactive()), but inside DPDK, which a ThreadSanitizer build does not
 * instrument: say so, or a poll call's last read of an iopf races its free.
 */
#if defined(__SANITIZE_THREAD__)
#include <sanitizer/tsan_interface.h>
static char service_calls;
#define SERVICE_CALL_DONE() __tsan_release(&service_calls)
#define SERVICE_CALLS_SEEN() __tsan_acquire(&service_calls)
#else
#define SERVICE_CALL_DONE() do { } while (0)
#define SERVICE_CALLS_SEEN() do { } while (0)
#endif

/* Records per service call: enough for several bursts, short enough that a control
 * call waiting for the poller waits microseconds. */
#define SVA_POLL_BUDGET 256

pthread_mutex_t sva_lock = PTHREAD_MUTEX_INITIALIZER;
struct sva_bond_list sva_bonds = TAILQ_HEAD_INITIALIZER(sva_bonds);
struct sva_poller_list sva_pollers = TAILQ_HEAD_INITIALIZER(sva_pollers);

/* lcores started by sva_poll_lcore_start(), and whether we made them service lcores */
static bool poll_lcores[RTE_MAX_LCORE];
static bool poll_lcore_added[RTE_MAX_LCORE];

struct sva_poller *
sva_poller_find(const struct sva_iommu *iommu)
{
	struct sva_poller *p;

	TAILQ_FOREACH(p, &sva_pollers, next)
		if (p->iommu == iommu)
			return p;
	return NULL;
}

static int32_t
poll_service(void *arg)
{
	struct sva_iopf *iopf = arg;
	int ret = sva_iopf_run(iopf, SVA_POLL_BUDGET);

	SERVICE_CALL_DONE();
	return ret > 0 ? 0 : -EAGAIN;
}

int
sva_poller_create(struct sva_iommu *iommu, const struct sva_iopf_conf *conf,
		struct sva_poller **out)
{
	struct rte_service_spec spec;
	struct sva_poller *p;
	int ret;

	sva_telemetry_init();
	sva_nopoll_init();
	p = calloc(1, sizeof(*p));
	if (p == NULL)
		return -ENOMEM;
	p->iommu = iommu;
	p->iopf = sva_iopf_create(iommu, conf);
	if (p->iopf == NULL) {
		ret = -rte_errno;
		free(p);
		return ret;
	}
	memset(&spec, 0, sizeof(spec));
	snprintf(spec.name, sizeof(spec.name), "sva_poll_%s", sva_iommu_name(iommu));
	spec.callback = poll_service;
	spec.callback_userdata = p->iopf;
	spec.capabilities = 0; /* MT-unsafe: one lcore at a time */
	spec.socket_id = SOCKET_ID_ANY;
	ret = rte_service_component_register(&spec, &p->service_id);
	if (ret != 0) {
		SVA_LOG(ERR, "%s: cannot register the poll service '%s': %s",
			sva_iommu_name(iommu), spec.name, strerror(-ret));
		sva_iopf_destroy(p->iopf);
		free(p);
		return ret;
	}
	rte_service_component_runstate_set(p->service_id, 1);
	for (unsigned int l = 0; l < RTE_MAX_LCORE; l++) {
		if (poll_lcores[l])
			rte_service_map_lcore_set(p->service_id, l, 1);
	}
	rte_service_runstate_set(p->service_id, 1);
	TAILQ_INSERT_TAIL(&sva_pollers, p, next);
	*out = p;
	SVA_LOG(DEBUG, "%s: poll service %s (id %u)", sva_iommu_name(iommu), spec.name,
		p->service_id);
	return 0;
}

int
sva_poll_configure(struct sva_iommu *iommu, const struct sva_iopf_conf *conf)
{
	struct sva_poller *p;
	int ret;

	if (iommu == NULL) {
		SVA_LOG(ERR, "sva_poll_configure: no iommu");
		return -EINVAL;
	}
	pthread_mutex_lock(&sva_lock);
	if (sva_poller_find(iommu) != NULL) {
		pthread_mutex_unlock(&sva_lock);
		SVA_LOG(ERR, "%s: the fault path is set up already (configure before the first bind)",
			sva_iommu_name(iommu));
		return -EEXIST;
	}
	ret = sva_poller_create(iommu, conf, &p);
	pthread_mutex_unlock(&sva_lock);
	return ret;
}

int
sva_poll_service_id(struct sva_iommu *iommu, uint32_t *service_id)
{
	struct sva_poller *p;

	if (iommu == NULL || service_id == NULL)
		return -EINVAL;
	pthread_mutex_lock(&sva_lock);
	p = sva_poller_find(iommu);
	if (p != NULL)
		*service_id = p->service_id;
	pthread_mutex_unlock(&sva_lock);
	return p != NULL ? 0 : -ENOENT;
}

int
sva_poll_lcore_start(unsigned int lcore)
{
	struct sva_poller *p;
	int ret;

	/* An lcore we started is a service lcore now, which rte_lcore_is_enabled() no
	 * longer counts (it checks for ROLE_RTE): ask about ours first. */
	if (lcore >= RTE_MAX_LCORE || lcore == rte_get_main_lcore()) {
		SVA_LOG(ERR, "poll lcore %u: not an enabled worker lcore (see -l / --lcores)", lcore);
		return -EINVAL;
	}
	pthread_mutex_lock(&sva_lock);
	if (poll_lcores[lcore]) {
		pthread_mutex_unlock(&sva_lock);
		SVA_LOG(DEBUG, "poll lcore %u: polling already", lcore);
		return -EALREADY;
	}
	if (!rte_lcore_is_enabled(lcore) && !rte_lcore_has_role(lcore, ROLE_SERVICE)) {
		pthread_mutex_unlock(&sva_lock);
		SVA_LOG(ERR, "poll lcore %u: not an enabled worker lcore (see -l / --lcores)", lcore);
		return -EINVAL;
	}
	if (rte_lcore_has_role(lcore, ROLE_SERVICE)) {
		poll_lcore_added[lcore] = false;
	} else {
		if (rte_eal_get_lcore_state(lcore) != WAIT) {
			pthread_mutex_unlock(&sva_lock);
			SVA_LOG(ERR, "poll lcore %u is busy running something else", lcore);
			return -EBUSY;
		}
		ret = rte_service_lcore_add(lcore);
		if (ret != 0) {
			pthread_mutex_unlock(&sva_lock);
			SVA_LOG(ERR, "poll lcore %u: rte_service_lcore_add: %s", lcore, strerror(-ret));
			return ret;
		}
		poll_lcore_added[lcore] = true;
	}
	TAILQ_FOREACH(p, &sva_pollers, next) {
		rte_service_map_lcore_set(p->service_id, lcore, 1);
		rte_service_runstate_set(p->service_id, 1);
	}
	ret = rte_service_lcore_start(lcore);
	if (ret != 0 && ret != -EALREADY) {
		TAILQ_FOREACH(p, &sva_pollers, next)
			rte_service_map_lcore_set(p->service_id, lcore, 0);
		if (poll_lcore_added[lcore])
			rte_service_lcore_del(lcore);
		pthread_mutex_unlock(&sva_lock);
		SVA_LOG(ERR, "poll lcore %u: rte_service_lcore_start: %s", lcore, strerror(-ret));
		return ret;
	}
	poll_lcores[lcore] = true;
	pthread_mutex_unlock(&sva_lock);
	SVA_LOG(DEBUG, "polling on lcore %u", lcore);
	return 0;
}

static void
wait_inactive(uint32_t service_id)
{
	uint64_t deadline = rte_get_timer_cycles() + rte_get_timer_hz();

	/* the service lcore clears its "active" flag when it next finds the service
	 * stopped, so the service must still be mapped while we wait */
	while (rte_service_may_be_active(service_id) == 1 && rte_get_timer_cycles() < deadline)
		rte_delay_us_sleep(50);
	SERVICE_CALLS_SEEN();
}

/* Take a service off lcore; if no other lcore runs it, stop it. What it had in flight
 * stays queued, open or deferred for the next poller: live bonds' requests are not
 * refused because polling paused (unbind answers a removed bond's). */
static void
service_unmap(struct sva_poller *p, unsigned int lcore)
{
	for (unsigned int l = 0; l < RTE_MAX_LCORE; l++) {
		if (l != lcore && rte_lcore_has_role(l, ROLE_SERVICE) &&
				rte_service_map_lcore_get(p->service_id, l) == 1) {
			rte_service_map_lcore_set(p->service_id, lcore, 0);
			return; /* still polled elsewhere */
		}
	}
	rte_service_runstate_set(p->service_id, 0);
	wait_inactive(p->service_id);
	rte_service_map_lcore_set(p->service_id, lcore, 0);
}

int
sva_poll_lcore_stop(unsigned int lcore)
{
	struct sva_poller *p;

	if (lcore >= RTE_MAX_LCORE)
		return -EINVAL;
	pthread_mutex_lock(&sva_lock);
	if (!poll_lcores[lcore]) {
		pthread_mutex_unlock(&sva_lock);
		return -ENOENT;
	}
	poll_lcores[lcore] = false;
	TAILQ_FOREACH(p, &sva_pollers, next)
		service_unmap(p, lcore);
	if (rte_service_lcore_count_services(lcore) == 0) {
		rte_service_lcore_stop(lcore);
		/* The stop only asks the lcore's service loop to end; join it, so that the
		 * lcore is back to WAIT and a start right after this finds it free (EBUSY
		 * otherwise, seen under the sanitizers' slower loop). */
		rte_eal_wait_lcore(lcore);
		if (poll_lcore_added[lcore]) {
			rte_service_lcore_del(lcore);
			poll_lcore_added[lcore] = false;
		}
	}
	pthread_mutex_unlock(&sva_lock);
	SVA_LOG(DEBUG, "stopped polling on lcore %u", lcore);
	return 0;
}

int
sva_poll_release(struct sva_iommu *iommu)
{
	struct sva_poller *p;
	int ret;

	if (iommu == NULL)
		return -EINVAL;
	pthread_mutex_lock(&sva_lock);
	p = sva_poller_find(iommu);
	if (p == NULL) {
		pthread_mutex_unlock(&sva_lock);
		return -ENOENT;
	}
	if (p->nbonds != 0) {
		pthread_mutex_unlock(&sva_lock);
		SVA_LOG(ERR, "%s: %u bond(s) remain: sva_unbind them before releasing",
			sva_iommu_name(iommu), p->nbonds);
		return -EBUSY;
	}
	rte_service_runstate_set(p->service_id, 0);
	wait_inactive(p->service_id);
	rte_service_component_runstate_set(p->service_id, 0);
	for (unsigned int l = 0; l < RTE_MAX_LCORE; l++)
		if (rte_lcore_has_role(l, ROLE_SERVICE))
			rte_service_map_lcore_set(p->service_id, l, 0);
	ret = rte_service_component_unregister(p->service_id);
	if (ret != 0)
		SVA_LOG(WARNING, "%s: service unregister: %s", sva_iommu_name(iommu),
			strerror(-ret));
	sva_iopf_destroy(p->iopf);
	TAILQ_REMOVE(&sva_pollers, p, next);
	pthread_mutex_unlock(&sva_lock);
	free(p);
	return 0;
}

int
sva_stats_get(struct sva_iommu *iommu, const struct sva_bond *bond, struct sva_iopf_stats *st)
{
	struct sva_poller *p;
	int ret;

	if (st == NULL || (iommu == NULL && bond == NULL))
		return -EINVAL;
	pthread_mutex_lock(&sva_lock);
	if (bond != NULL) {
		ret = sva_iopf_stats_get(bond->iopf, bond->ib, st);
	} else {
		p = sva_poller_find(iommu);
		ret = p != NULL ? sva_iopf_stats_get(p->iopf, NULL, st) : -ENOENT;
	}
	pthread_mutex_unlock(&sva_lock);
	return ret;
}

int
sva_maps_stats_get(struct sva_iommu *iommu, const struct sva_bond *bond,
		struct sva_iopf_maps_stats *ms)
{
	struct sva_poller *p;
	int ret;

	if (ms == NULL || (iommu == NULL && bond == NULL))
		return -EINVAL;
	pthread_mutex_lock(&sva_lock);
	if (bond != NULL) {
		ret = sva_iopf_maps_stats_get(bond->iopf, ms);
	} else {
		p = sva_poller_find(iommu);
		ret = p != NULL ? sva_iopf_maps_stats_get(p->iopf, ms) : -ENOENT;
	}
	pthread_mutex_unlock(&sva_lock);
	return ret;
}

int
sva_stats_reset(struct sva_iommu *iommu, struct sva_bond *bond)
{
	struct sva_poller *p;
	int ret;

	if (iommu == NULL && bond == NULL)
		return -EINVAL;
	pthread_mutex_lock(&sva_lock);
	if (bond != NULL) {
		ret = sva_iopf_stats_reset(bond->iopf, bond->ib);
	} else {
		p = sva_poller_find(iommu);
		ret = p != NULL ? sva_iopf_stats_reset(p->iopf, NULL) : -ENOENT;
	}
	pthread_mutex_unlock(&sva_lock);
	return ret;
}
