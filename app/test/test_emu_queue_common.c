/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The two-thread queue cases of emu_vtd_autotest and emu_smmuv3_autotest. The
 * assertions do not depend on timing: every request is either read, intact and in
 * order, or lost; the requests missing after an OVERFLOW record are its lost count;
 * there is one record per overflow condition; the same for responses in the other
 * direction.
 */
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <sched.h>
#include <stdbool.h>
#include <stdio.h>
#include <unistd.h>

#include <rte_common.h>
#include <rte_cycles.h>

#include "sva_test.h"
#include "test_emu_queue_common.h"

#define CONC_N 200000u

struct conc_ctx {
	const struct emu_qtest *t;
	uint32_t n;
	int enospc;
	int other_err;
};

/*
 * A plain thread for the other side. EAL pinned the main thread to one core and a new
 * thread would inherit that: put it on the other cores where there are any, so both
 * sides really run at once (on one core, both sides yield when they wait).
 */
static int
conc_thread_start(pthread_t *th, void *(*fn)(void *), void *arg)
{
	int ncpu = (int)sysconf(_SC_NPROCESSORS_ONLN), self = sched_getcpu();
	pthread_attr_t attr;
	cpu_set_t set;
	int rc;

	CPU_ZERO(&set);
	for (int cpu = 0; cpu < ncpu && cpu < CPU_SETSIZE; cpu++)
		if (cpu != self || ncpu == 1)
			CPU_SET(cpu, &set);
	if (pthread_attr_init(&attr) != 0)
		return -1;
	pthread_attr_setaffinity_np(&attr, sizeof(set), &set);
	rc = pthread_create(th, &attr, fn, arg);
	pthread_attr_destroy(&attr);
	return rc;
}

static void *
conc_device(void *arg)
{
	struct conc_ctx *ctx = arg;
	const struct emu_qtest *t = ctx->t;

	for (uint32_t i = 0; i < ctx->n; i++) {
		struct sva_fault_page_req pr = t->mk_req(i);
		int rc = t->ops->prq_write(t->q, &pr);

		if (rc == -ENOSPC)
			ctx->enospc++;
		else if (rc != 0)
			ctx->other_err++;
		if (i % 5000 == 2500)
			t->ops->prq_force_overflow(t->q); /* an overflow however fast the reader */
		if ((i & 0x3ff) == 0)
			sched_yield(); /* let the queue drain now and then */
	}
	return NULL;
}

int
emu_qtest_concurrent_accounting(const struct emu_qtest *t)
{
	const struct emu_model_ops *ops = t->ops;
	struct conc_ctx ctx = { .t = t, .n = CONC_N };
	struct sva_fault out[32];
	struct emu_model_counters c;
	uint64_t next = 0, gaps = 0, owed = 0, lost_total = 0, records = 0, read = 0;
	bool after_record = false;
	uint64_t deadline;
	pthread_t th;

	TEST_ASSERT_NOT_NULL(t->q, "queue");
	TEST_ASSERT_SUCCESS(conc_thread_start(&th, conc_device, &ctx), "device thread");
	deadline = rte_get_timer_cycles() + 120 * rte_get_timer_hz();
	while (read + lost_total < CONC_N) {
		uint16_t k = ops->prq_read(t->q, out, RTE_DIM(out));

		for (uint16_t j = 0; j < k; j++) {
			uint32_t id;

			if (out[j].type == SVA_FAULT_OVERFLOW) {
				owed += out[j].overflow.lost;
				lost_total += out[j].overflow.lost;
				records++;
				after_record = true;
				continue;
			}
			id = (uint32_t)((out[j].prm.addr - t->addr_base) >> 12);
			if (id < next || t->check_req(&out[j], id) != TEST_SUCCESS) {
				pthread_join(th, NULL);
				TEST_ASSERT(0, "request %u out of order or torn (expected >= %" PRIu64 ")",
					id, next);
			}
			/* Nothing is dropped while requests are being queued: a gap only shows
			 * right after an OVERFLOW record, and it is that record's lost count. */
			gaps += id - next;
			if ((id != next && !after_record) || (after_record && gaps != owed)) {
				pthread_join(th, NULL);
				TEST_ASSERT(0, "request %u: %" PRIu64 " missing, %" PRIu64 " reported lost",
					id, gaps, owed);
			}
			if (after_record)
				gaps = owed = 0;
			after_record = false;
			next = id + 1;
			read++;
		}
		if (k == 0)
			sched_yield();
		if (k == 0 && rte_get_timer_cycles() > deadline) {
			pthread_join(th, NULL);
			TEST_ASSERT(0, "stuck: %" PRIu64 " read, %" PRIu64 " lost of %u",
				read, lost_total, CONC_N);
		}
	}
	pthread_join(th, NULL);
	TEST_ASSERT_EQUAL(ops->prq_read(t->q, out, RTE_DIM(out)), 0, "nothing more");
	ops->counters_get(t->q, &c);
	TEST_ASSERT_EQUAL(ctx.other_err, 0, "only -ENOSPC refusals");
	TEST_ASSERT_EQUAL(gaps + (CONC_N - next), owed, "losses at the end were reported");
	TEST_ASSERT_EQUAL(lost_total, c.prq_dropped, "lost counts add up to the drops");
	TEST_ASSERT_EQUAL((uint64_t)ctx.enospc, c.prq_dropped, "-ENOSPC for each drop");
	TEST_ASSERT_EQUAL(records, c.prq_overflows, "one record per overflow condition");
	TEST_ASSERT(records >= 1, "the forced overflows were reported");
	printf("    %" PRIu64 " requests read, %" PRIu64 " lost in %" PRIu64 " overflows, %"
		PRIu64 " auto-responses\n", read, lost_total, records, c.prq_auto_resp);
	TEST_ASSERT_EQUAL(read, c.prq_read, "read counter");
	TEST_ASSERT_EQUAL(c.prq_written + c.prq_dropped, CONC_N, "every write accounted");
	return TEST_SUCCESS;
}

static void *
conc_responder(void *arg)
{
	struct conc_ctx *ctx = arg;
	const struct emu_qtest *t = ctx->t;
	struct sva_page_response resp[16];
	uint32_t i = 0;

	while (i < ctx->n) {
		uint16_t n = (uint16_t)RTE_MIN(ctx->n - i, 1 + i % 16);
		int w;

		for (uint16_t j = 0; j < n; j++)
			resp[j] = (struct sva_page_response){ .argsz = sizeof(resp[j]),
				.flags = SVA_PAGE_RESP_PASID_VALID, .dev_id = (i + j) & t->dev_id_mask,
				.pasid = (i + j) & 0xfffff, .grpid = (i + j) & 511,
				.code = SVA_PAGE_RESP_SUCCESS };
		w = t->ops->resp_write(t->q, resp, n);
		if (w < 0 || w > n) {
			ctx->other_err++;
			return NULL;
		}
		i += (uint32_t)w;
		if (w < n)
			sched_yield();
	}
	return NULL;
}

int
emu_qtest_concurrent_responses(const struct emu_qtest *t)
{
	struct conc_ctx ctx = { .t = t, .n = CONC_N };
	struct sva_page_response got[32];
	struct emu_model_counters c;
	uint64_t deadline;
	uint32_t seen = 0;
	pthread_t th;

	TEST_ASSERT_NOT_NULL(t->q, "queue");
	TEST_ASSERT_SUCCESS(conc_thread_start(&th, conc_responder, &ctx), "poll thread");
	deadline = rte_get_timer_cycles() + 120 * rte_get_timer_hz();
	while (seen < CONC_N) {
		uint16_t k = t->ops->resp_read(t->q, got, RTE_DIM(got));

		for (uint16_t j = 0; j < k; j++, seen++) {
			if (got[j].dev_id != (seen & t->dev_id_mask) ||
					got[j].pasid != (seen & 0xfffff) ||
					got[j].grpid != (seen & 511) || got[j].code != 0) {
				pthread_join(th, NULL);
				TEST_ASSERT(0, "response %u out of order or torn", seen);
			}
		}
		if (k == 0)
			sched_yield();
		if (k == 0 && rte_get_timer_cycles() > deadline)
			break;
	}
	pthread_join(th, NULL);
	t->ops->counters_get(t->q, &c);
	TEST_ASSERT_EQUAL(ctx.other_err, 0, "resp_write never failed");
	TEST_ASSERT_EQUAL(seen, CONC_N, "every response arrived");
	TEST_ASSERT_EQUAL(c.resp_read, CONC_N, "read counter");
	TEST_ASSERT_EQUAL(c.resp_malformed, 0, "none malformed");
	TEST_ASSERT(c.resp_doorbells <= c.resp_written, "at most one doorbell per response");
	return TEST_SUCCESS;
}
