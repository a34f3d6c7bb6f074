/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The "no poller" hint: an application that binds but starts no poller sees its
 * device's page requests time out with nothing said. So, off the poll path, every
 * IOPF_BG_TICK_US (20 ms) on lib/iopf's background thread ("sva-maps-bg": one control
 * thread for both), for each iommu with bonds: if its page request queue holds entries
 * (the driver's prq_pending op) and no poll call of its iopf ran (sva_iopf_polls()
 * unchanged) for NOPOLL_WAIT_MS, that is a stall; a stall is logged at WARNING, naming
 * sva_poll_lcore_start() and the poll service, at most once per NOPOLL_EVERY_MS per
 * iommu (the stalls in between are counted and said in the next warning). The thread
 * sleeps while no iopf exists, and looks at nothing while no bond does.
 *
 * The requests have waited at least NOPOLL_WAIT_MS when the warning comes (at most
 * one tick more: the first look that sees them pending may come up to a tick late).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdint.h>
#include <time.h>

#include <rte_common.h>

#include "sva_pvt.h"

#define NOPOLL_WAIT_MS 100
#define NOPOLL_EVERY_MS 10000

static uint32_t nopoll_wait_ms = NOPOLL_WAIT_MS;   /* atomic: tests change them */
static uint32_t nopoll_every_ms = NOPOLL_EVERY_MS;

static uint64_t
nopoll_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void
nopoll_look(struct sva_poller *p, uint64_t t, uint64_t wait_ns, uint64_t every_ns)
{
	uint64_t polls, quiet;
	int pending;

	if (p->nbonds == 0) {
		p->np_since_ns = 0;
		return;
	}
	polls = sva_iopf_polls(p->iopf);
	pending = sva_iommu_prq_pending(p->iommu);
	if (pending != 1 || polls != p->np_polls) {
		/* empty, or somebody polled since the last look: a new wait starts */
		p->np_polls = polls;
		p->np_since_ns = pending == 1 ? t : 0;
		return;
	}
	if (p->np_since_ns == 0) {
		p->np_since_ns = t;
		return;
	}
	if (t - p->np_since_ns < wait_ns)
		return;
	/* a stall; the next one is counted from now */
	p->np_since_ns = t;
	if (p->np_warned_ns != 0 && t - p->np_warned_ns < every_ns) {
		p->np_quiet++;
		return;
	}
	quiet = p->np_quiet;
	p->np_warned_ns = t;
	p->np_quiet = 0;
	SVA_LOG(WARNING, "%s: page requests have waited more than %" PRIu64 " ms and no poll "
		"call ran: no poller? Start one with sva_poll_lcore_start(), or map poll service "
		"%u (sva_poll_service_id()) to a service lcore, or call sva_iopf_poll() "
		"(at most one such warning per %" PRIu64 " ms per iommu; %" PRIu64 " more "
		"since the last)", sva_iommu_name(p->iommu), wait_ns / 1000000u, p->service_id,
		every_ns / 1000000u, quiet);
}

/* lib/iopf's background thread, every tick while an iopf exists */
static void
nopoll_tick(void)
{
	uint64_t wait_ns = (uint64_t)__atomic_load_n(&nopoll_wait_ms, __ATOMIC_RELAXED) * 1000000u;
	uint64_t every_ns = (uint64_t)__atomic_load_n(&nopoll_every_ms, __ATOMIC_RELAXED) *
		1000000u;
	struct sva_poller *p;
	uint64_t t;

	/* never wait behind a bind (it may take milliseconds): look again next tick */
	if (pthread_mutex_trylock(&sva_lock) != 0)
		return;
	t = nopoll_now_ns();
	TAILQ_FOREACH(p, &sva_pollers, next)
		nopoll_look(p, t, wait_ns, every_ns);
	pthread_mutex_unlock(&sva_lock);
}

void
sva_nopoll_init(void)
{
	sva_iopf_bg_hook_set(nopoll_tick);
}

int
sva_poll_nopoll_set(uint32_t wait_ms, uint32_t every_ms)
{
	struct sva_poller *p;

	if (wait_ms == 0) {
		SVA_LOG(ERR, "sva_poll_nopoll_set: wait_ms must be > 0");
		return -EINVAL;
	}
	__atomic_store_n(&nopoll_wait_ms, wait_ms, __ATOMIC_RELAXED);
	__atomic_store_n(&nopoll_every_ms, every_ms, __ATOMIC_RELAXED);
	/* the rate limit starts over */
	pthread_mutex_lock(&sva_lock);
	TAILQ_FOREACH(p, &sva_pollers, next) {
		p->np_warned_ns = 0;
		p->np_quiet = 0;
		p->np_since_ns = 0;
	}
	pthread_mutex_unlock(&sva_lock);
	return 0;
}
