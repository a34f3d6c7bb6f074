/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * poll-service-demo: the placeholder that ./svapoll demo runs until sva-memcpy exists.
 * It shows the mechanism svapoll's fault path runs on: a DPDK service mapped to a
 * dedicated service lcore polls a request ring and answers on a response ring, while
 * the main lcore plays the device and measures the round trip.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_lcore.h>
#include <rte_pause.h>
#include <rte_ring.h>
#include <rte_service.h>
#include <rte_service_component.h>

#include <sva.h>

#define REQUESTS 100000u

struct poller {
	struct rte_ring *requests;
	struct rte_ring *responses;
	uint64_t answered;
};

static int32_t
poll_requests(void *arg)
{
	struct poller *p = arg;
	void *burst[32];
	unsigned int n = rte_ring_dequeue_burst(p->requests, burst, 32, NULL);

	if (n > 0) {
		rte_ring_enqueue_burst(p->responses, burst, n, NULL);
		p->answered += n;
	}
	return n > 0 ? 0 : -EAGAIN;
}

int
main(int argc, char **argv)
{
	struct poller p = { 0 };
	struct rte_service_spec spec = { .name = "demo_poll", .callback = poll_requests };
	unsigned int lcore;
	uint32_t id;
	uint64_t start, cycles;
	void *obj = NULL;

	if (rte_eal_init(argc, argv) < 0) {
		fprintf(stderr, "EAL init failed: %s\n", rte_strerror(rte_errno));
		return 1;
	}
	printf("svapoll %s: poll-service demo (a placeholder: the SVA offload demo, sva-memcpy,\n"
		"replaces it when the examples land). It shows EAL and a poll service on a\n"
		"dedicated lcore, the mechanism the fault path runs on.\n", sva_version());
	lcore = rte_get_next_lcore(-1, 1, 0);
	if (lcore >= RTE_MAX_LCORE) {
		fprintf(stderr, "needs two lcores: run with -l 0-1\n");
		return 1;
	}
	p.requests = rte_ring_create("demo_req", 1024, rte_socket_id(), RING_F_SP_ENQ | RING_F_SC_DEQ);
	p.responses = rte_ring_create("demo_rsp", 1024, rte_socket_id(), RING_F_SP_ENQ | RING_F_SC_DEQ);
	if (p.requests == NULL || p.responses == NULL) {
		fprintf(stderr, "ring create failed: %s\n", rte_strerror(rte_errno));
		return 1;
	}
	spec.callback_userdata = &p;
	if (rte_service_component_register(&spec, &id) != 0 ||
			rte_service_component_runstate_set(id, 1) != 0 ||
			rte_service_runstate_set(id, 1) != 0 ||
			rte_service_lcore_add(lcore) != 0 ||
			rte_service_map_lcore_set(id, lcore, 1) != 0 ||
			rte_service_lcore_start(lcore) != 0) {
		fprintf(stderr, "could not start the poll service on lcore %u\n", lcore);
		return 1;
	}
	printf("poll service '%s' runs on service lcore %u; main lcore %u sends %u requests\n",
		spec.name, lcore, rte_lcore_id(), REQUESTS);

	start = rte_get_timer_cycles();
	for (uintptr_t i = 1; i <= REQUESTS; i++) {
		while (rte_ring_enqueue(p.requests, (void *)i) != 0)
			rte_pause();
		while (rte_ring_dequeue(p.responses, &obj) != 0)
			rte_pause();
		if ((uintptr_t)obj != i) {
			fprintf(stderr, "response %lu answered request %lu\n", (unsigned long)(uintptr_t)obj,
				(unsigned long)i);
			return 1;
		}
	}
	cycles = rte_get_timer_cycles() - start;

	rte_service_runstate_set(id, 0);
	rte_service_lcore_stop(lcore);
	while (rte_service_may_be_active(id) == 1)
		rte_pause();
	printf("answered %" PRIu64 " requests, mean round trip %.0f ns\n", p.answered,
		(double)cycles * 1e9 / rte_get_timer_hz() / REQUESTS);
	rte_service_map_lcore_set(id, lcore, 0);
	rte_service_lcore_del(lcore);
	rte_service_component_runstate_set(id, 0);
	rte_service_component_unregister(id);
	rte_ring_free(p.requests);
	rte_ring_free(p.responses);
	rte_eal_cleanup();
	return p.answered == REQUESTS ? 0 : 1;
}
