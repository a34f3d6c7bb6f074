/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * pasid_autotest: the PASID allocator (lib/pasid). Exhaustion of a small and a 20-bit
 * space, quotas, every errno of the API, specific values, reuse only after a grace
 * period and the drain hooks, a random walk against a model, and two lcores racing
 * alloc/free against lock-free lookups with a checker that a found object is never a
 * freed or foreign one.
 */
#include <stdlib.h>

#include <rte_eal.h>
#include <rte_launch.h>
#include <rte_log.h>
#include <rte_lcore.h>
#include <rte_pause.h>
#include <rte_rcu_qsbr.h>

#include "sva_pasid.h"
#include "sva_test.h"

#define TAG_A 0x41414141u
#define TAG_B 0x42424242u

static struct sva_pasid_space *space;

static void
space_teardown(void)
{
	/* Whatever a failed case left behind: sets first, then the space. */
	if (space == NULL)
		return;
	if (sva_pasid_space_destroy(space) == -EBUSY)
		printf("    (test left sets behind in its space: leaked on purpose)\n");
	space = NULL;
}

static uint64_t rng_state;

static uint32_t
rng(void)
{
	/* xorshift64: deterministic, so a failure reproduces. */
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return (uint32_t)(rng_state >> 16);
}

/* ---- argument checks ---- */

static int
test_pasid_space_args(void)
{
	struct sva_pasid_set *set;
	char longname[SVA_PASID_NAME_LEN + 1];

	memset(longname, 'x', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	TEST_ASSERT_NULL_ERRNO(sva_pasid_space_create(NULL, 8, 0), EINVAL);
	TEST_ASSERT_NULL_ERRNO(sva_pasid_space_create("", 8, 0), EINVAL);
	TEST_ASSERT_NULL_ERRNO(sva_pasid_space_create(longname, 8, 0), EINVAL);
	TEST_ASSERT_NULL_ERRNO(sva_pasid_space_create("s", 0, 0), EINVAL);
	TEST_ASSERT_NULL_ERRNO(sva_pasid_space_create("s", SVA_PASID_BITS_MAX + 1, 0), EINVAL);
	TEST_ASSERT_NULL_ERRNO(sva_pasid_space_create("s", 8, 1u << 5), EINVAL);
	TEST_ASSERT_RET(sva_pasid_space_destroy(NULL), -EINVAL);
	TEST_ASSERT_EQUAL(sva_pasid_space_bits(NULL), 0, "bits of NULL");

	space = sva_pasid_space_create("args", 1, 0);
	TEST_ASSERT_NOT_NULL(space, "1-bit space");
	TEST_ASSERT_EQUAL(sva_pasid_space_bits(space), 1, "bits");
	TEST_ASSERT_EQUAL(strcmp(sva_pasid_space_name(space), "args"), 0, "name");
	TEST_ASSERT_NOT_NULL(sva_pasid_space_qsbr(space), "qsbr");

	TEST_ASSERT_NULL_ERRNO(sva_pasid_set_create(NULL, "a", 0, NULL, TAG_A, 0), EINVAL);
	TEST_ASSERT_NULL_ERRNO(sva_pasid_set_create(space, NULL, 0, NULL, TAG_A, 0), EINVAL);
	TEST_ASSERT_NULL_ERRNO(sva_pasid_set_create(space, longname, 0, NULL, TAG_A, 0), EINVAL);
	TEST_ASSERT_NULL_ERRNO(sva_pasid_set_create(space, "a", 0, NULL, TAG_A, 1u << 3), EINVAL);
	set = sva_pasid_set_create(space, "a", 0, &rng_state, TAG_A, 0);
	TEST_ASSERT_NOT_NULL(set, "set a");
	TEST_ASSERT_NULL_ERRNO(sva_pasid_set_create(space, "a", 0, NULL, TAG_B, 0), EEXIST);
	TEST_ASSERT(sva_pasid_set_owner(set) == &rng_state, "owner token kept");
	TEST_ASSERT_EQUAL(sva_pasid_set_type(set), TAG_A, "type tag kept");
	TEST_ASSERT(sva_pasid_set_space(set) == space, "space of set");

	TEST_ASSERT_RET(sva_pasid_space_destroy(space), -EBUSY);
	TEST_ASSERT_RET(sva_pasid_set_destroy(NULL, 0), -EINVAL);
	TEST_ASSERT_RET(sva_pasid_set_destroy(set, 1u << 4), -EINVAL);
	TEST_ASSERT_SUCCESS(sva_pasid_set_destroy(set, 0), "destroy empty set");
	TEST_ASSERT_SUCCESS(sva_pasid_space_destroy(space), "destroy space");
	space = NULL;
	return TEST_SUCCESS;
}

/* ---- exhaustion ---- */

static int
exhaust(uint32_t bits, uint32_t flags)
{
	const uint32_t first = flags & SVA_PASID_SPACE_ALLOW_ZERO ? 0 : 1;
	const uint32_t n = 1u << bits;
	struct sva_pasid_space_stats ss;
	struct sva_pasid_set *set;
	uint32_t pasid;

	space = sva_pasid_space_create("exhaust", bits, flags);
	TEST_ASSERT_NOT_NULL(space, "%u-bit space", bits);
	set = sva_pasid_set_create(space, "all", 0, NULL, TAG_A, 0);
	TEST_ASSERT_NOT_NULL(set, "set");
	/* Lowest first: the k-th allocation is PASID first + k, so each is handed out once. */
	for (uint32_t want = first; want < n; want++) {
		TEST_ASSERT_SUCCESS(sva_pasid_alloc(set, 0, UINT32_MAX, NULL, &pasid),
			"allocation %u of %u", want - first, n - first);
		TEST_ASSERT_EQUAL(pasid, want, "PASIDs come lowest first, none twice");
	}
	TEST_ASSERT_RET(sva_pasid_alloc(set, 0, UINT32_MAX, NULL, &pasid), -ENOSPC);
	TEST_ASSERT_SUCCESS(sva_pasid_space_stats_get(space, &ss), "stats");
	TEST_ASSERT_EQUAL(ss.capacity, n - first, "capacity");
	TEST_ASSERT_EQUAL(ss.in_use, n - first, "in use");

	/* Free all; with no reader every grace period is over at once. */
	for (uint32_t p = first; p < n; p++)
		TEST_ASSERT_SUCCESS(sva_pasid_free(set, p), "free %u", p);
	TEST_ASSERT_SUCCESS(sva_pasid_space_stats_get(space, &ss), "stats");
	TEST_ASSERT_EQUAL(ss.in_use, 0, "in use after free");
	TEST_ASSERT_EQUAL(ss.pending, n - first, "pending after free");
	TEST_ASSERT_RET(sva_pasid_reclaim(space), (int)(n - first));
	TEST_ASSERT_SUCCESS(sva_pasid_alloc(set, 0, UINT32_MAX, NULL, &pasid), "realloc");
	TEST_ASSERT_EQUAL(pasid, first, "lowest again after reclaim");
	/* Full again but one PASID high up: the search climbs every bitmap level. */
	for (uint32_t p = first + 1; p < n; p++)
		TEST_ASSERT_SUCCESS(sva_pasid_alloc_at(set, p, NULL), "refill %u", p);
	TEST_ASSERT_SUCCESS(sva_pasid_free(set, n - n / 4 + 1), "free one");
	TEST_ASSERT_SUCCESS(sva_pasid_alloc(set, 0, UINT32_MAX, NULL, &pasid), "the last one");
	TEST_ASSERT_EQUAL(pasid, n - n / 4 + 1, "found high up");
	TEST_ASSERT_SUCCESS(sva_pasid_set_destroy(set, SVA_PASID_SET_FREE_ALL), "destroy set");
	TEST_ASSERT_SUCCESS(sva_pasid_space_destroy(space), "destroy space");
	space = NULL;
	return TEST_SUCCESS;
}

static int
test_pasid_exhaust_small(void)
{
	if (exhaust(4, 0) != TEST_SUCCESS)
		return TEST_FAILED;
	return exhaust(4, SVA_PASID_SPACE_ALLOW_ZERO);
}

static int
test_pasid_exhaust_20bit(void)
{
	return exhaust(20, 0);
}

/* ---- quota, stats ---- */

static int
test_pasid_quota(void)
{
	struct sva_pasid_set_stats st;
	struct sva_pasid_set *set, *other;
	uint32_t p[3], q;

	space = sva_pasid_space_create("quota", 8, 0);
	TEST_ASSERT_NOT_NULL(space, "space");
	set = sva_pasid_set_create(space, "q3", 3, NULL, TAG_A, 0);
	other = sva_pasid_set_create(space, "unlimited", 0, NULL, TAG_A, 0);
	TEST_ASSERT_NOT_NULL(set, "set");
	TEST_ASSERT_NOT_NULL(other, "other");
	for (int i = 0; i < 3; i++)
		TEST_ASSERT_SUCCESS(sva_pasid_alloc(set, 0, UINT32_MAX, NULL, &p[i]), "alloc %d", i);
	TEST_ASSERT_RET(sva_pasid_alloc(set, 0, UINT32_MAX, NULL, &q), -EDQUOT);
	TEST_ASSERT_RET(sva_pasid_alloc_at(set, 100, NULL), -EDQUOT);
	/* The quota is the set's, not the space's. */
	TEST_ASSERT_SUCCESS(sva_pasid_alloc(other, 0, UINT32_MAX, NULL, &q), "other set");
	TEST_ASSERT_EQUAL(q, 4, "next PASID for the other set");

	TEST_ASSERT_SUCCESS(sva_pasid_set_stats_get(set, &st), "stats");
	TEST_ASSERT_EQUAL(st.in_use, 3, "in_use");
	TEST_ASSERT_EQUAL(st.quota, 3, "quota");
	TEST_ASSERT_EQUAL(st.high_water, 3, "high water");
	TEST_ASSERT_EQUAL(st.allocs, 3, "allocs");
	TEST_ASSERT_EQUAL(st.alloc_failures, 2, "failures");
	TEST_ASSERT_EQUAL(st.quota_failures, 2, "quota failures");

	TEST_ASSERT_SUCCESS(sva_pasid_free(set, p[1]), "free");
	TEST_ASSERT_SUCCESS(sva_pasid_alloc_at(set, 100, NULL), "below quota again");
	TEST_ASSERT_SUCCESS(sva_pasid_free(set, 100), "free 100");
	TEST_ASSERT_SUCCESS(sva_pasid_free(set, p[0]), "free");
	TEST_ASSERT_SUCCESS(sva_pasid_set_stats_get(set, &st), "stats");
	TEST_ASSERT_EQUAL(st.in_use, 1, "in_use");
	TEST_ASSERT_EQUAL(st.high_water, 3, "high water stays");
	TEST_ASSERT_EQUAL(st.frees, 3, "frees");
	TEST_ASSERT_RET(sva_pasid_set_stats_get(NULL, &st), -EINVAL);
	TEST_ASSERT_RET(sva_pasid_set_stats_get(set, NULL), -EINVAL);

	TEST_ASSERT_SUCCESS(sva_pasid_set_destroy(set, SVA_PASID_SET_FREE_ALL), "destroy");
	TEST_ASSERT_SUCCESS(sva_pasid_set_destroy(other, SVA_PASID_SET_FREE_ALL), "destroy");
	TEST_ASSERT_SUCCESS(sva_pasid_space_destroy(space), "destroy space");
	space = NULL;
	return TEST_SUCCESS;
}

/* ---- every errno ---- */

struct getter_ctx {
	unsigned int calls;
	uint32_t pasid;
	void *priv;
	int ret;
};

static int
getter_record(uint32_t pasid, void *priv, void *arg)
{
	struct getter_ctx *g = arg;

	g->calls++;
	g->pasid = pasid;
	g->priv = priv;
	return g->ret;
}

static int
test_pasid_errnos(void)
{
	struct sva_pasid_set *a, *b, *hidden;
	struct sva_pasid_space_stats ss;
	struct getter_ctx g = {0};
	int obj_a, obj_b;
	void *priv;
	uint32_t p;

	space = sva_pasid_space_create("errnos", 10, 0);
	TEST_ASSERT_NOT_NULL(space, "space");
	a = sva_pasid_set_create(space, "a", 0, NULL, TAG_A, SVA_PASID_SET_SEARCHABLE);
	b = sva_pasid_set_create(space, "b", 0, NULL, TAG_B, SVA_PASID_SET_SEARCHABLE);
	hidden = sva_pasid_set_create(space, "hidden", 0, NULL, TAG_A, 0);
	TEST_ASSERT(a != NULL && b != NULL && hidden != NULL, "sets");

	TEST_ASSERT_SUCCESS(sva_pasid_alloc_at(a, 10, &obj_a), "a gets 10");
	TEST_ASSERT_SUCCESS(sva_pasid_alloc_at(b, 20, &obj_b), "b gets 20");
	TEST_ASSERT_SUCCESS(sva_pasid_alloc_at(hidden, 30, &obj_a), "hidden gets 30");

	/* -EINVAL */
	TEST_ASSERT_RET(sva_pasid_alloc(NULL, 0, 5, NULL, &p), -EINVAL);
	TEST_ASSERT_RET(sva_pasid_alloc(a, 0, 5, NULL, NULL), -EINVAL);
	TEST_ASSERT_RET(sva_pasid_alloc(a, 6, 5, NULL, &p), -EINVAL);
	TEST_ASSERT_RET(sva_pasid_alloc(a, 1024, UINT32_MAX, NULL, &p), -EINVAL);
	TEST_ASSERT_RET(sva_pasid_alloc_at(NULL, 5, NULL), -EINVAL);
	TEST_ASSERT_RET(sva_pasid_alloc_at(a, 0, NULL), -EINVAL);
	TEST_ASSERT_RET(sva_pasid_alloc_at(a, 1024, NULL), -EINVAL);
	TEST_ASSERT_RET(sva_pasid_free(NULL, 10), -EINVAL);
	TEST_ASSERT_RET(sva_pasid_free(a, 1024), -EINVAL);
	/* -EEXIST: taken by this set or another */
	TEST_ASSERT_RET(sva_pasid_alloc_at(a, 10, NULL), -EEXIST);
	TEST_ASSERT_RET(sva_pasid_alloc_at(a, 20, NULL), -EEXIST);
	/* -ENOENT: not allocated, beyond the space, never had a leaf */
	TEST_ASSERT_RET(sva_pasid_find(a, 11, NULL, NULL, &priv), -ENOENT);
	TEST_ASSERT_RET(sva_pasid_find(a, 1024, NULL, NULL, &priv), -ENOENT);
	TEST_ASSERT_RET(sva_pasid_find(a, UINT32_MAX, NULL, NULL, &priv), -ENOENT);
	TEST_ASSERT_RET(sva_pasid_find(a, 1000, NULL, NULL, &priv), -ENOENT);
	TEST_ASSERT_RET(sva_pasid_find_global(space, 11, TAG_A, NULL, NULL, &priv), -ENOENT);
	TEST_ASSERT_RET(sva_pasid_find_global(space, 5000, TAG_A, NULL, NULL, &priv), -ENOENT);
	/* -EACCES: another set's PASID; a set that is not searchable */
	TEST_ASSERT_RET(sva_pasid_find(a, 20, NULL, NULL, &priv), -EACCES);
	TEST_ASSERT_RET(sva_pasid_find(b, 10, NULL, NULL, &priv), -EACCES);
	TEST_ASSERT_RET(sva_pasid_find_global(space, 30, TAG_A, NULL, NULL, &priv), -EACCES);
	/* -EPROTOTYPE: the caller expected another type */
	TEST_ASSERT_RET(sva_pasid_find_global(space, 20, TAG_A, NULL, NULL, &priv), -EPROTOTYPE);
	TEST_ASSERT_RET(sva_pasid_find_global(space, 10, TAG_B, NULL, NULL, &priv), -EPROTOTYPE);
	/* and the right answers */
	priv = NULL;
	TEST_ASSERT_SUCCESS(sva_pasid_find(a, 10, NULL, NULL, &priv), "find a/10");
	TEST_ASSERT(priv == &obj_a, "priv of a/10");
	TEST_ASSERT_SUCCESS(sva_pasid_find(a, 10, NULL, NULL, NULL), "find without priv");
	TEST_ASSERT_SUCCESS(sva_pasid_find_global(space, 20, TAG_B, NULL, NULL, &priv), "global");
	TEST_ASSERT(priv == &obj_b, "priv of 20");
	/* the getter: sees the object, can refuse with its own value */
	g.ret = 0;
	TEST_ASSERT_SUCCESS(sva_pasid_find(b, 20, getter_record, &g, &priv), "find with getter");
	TEST_ASSERT(g.calls == 1 && g.pasid == 20 && g.priv == &obj_b, "getter saw 20/obj_b");
	g.ret = -ESTALE;
	priv = NULL;
	TEST_ASSERT_RET(sva_pasid_find(b, 20, getter_record, &g, &priv), -ESTALE);
	TEST_ASSERT(priv == NULL, "priv untouched when the getter refuses");
	TEST_ASSERT_RET(sva_pasid_find_global(space, 10, TAG_A, getter_record, &g, &priv), -ESTALE);
	TEST_ASSERT_EQUAL(g.calls, 3, "getter calls");
	/* the getter is not called when the lookup fails */
	TEST_ASSERT_RET(sva_pasid_find(a, 20, getter_record, &g, &priv), -EACCES);
	TEST_ASSERT_EQUAL(g.calls, 3, "no getter call on -EACCES");

	/* -EACCES / -ENOENT on free: nothing changes, counted */
	TEST_ASSERT_RET(sva_pasid_free(a, 20), -EACCES);
	TEST_ASSERT_SUCCESS(sva_pasid_find(b, 20, NULL, NULL, &priv), "20 still b's");
	TEST_ASSERT_SUCCESS(sva_pasid_free(a, 10), "free");
	TEST_ASSERT_RET(sva_pasid_free(a, 10), -ENOENT);
	TEST_ASSERT_RET(sva_pasid_free(a, 11), -ENOENT);
	TEST_ASSERT_RET(sva_pasid_free(a, 1000), -ENOENT);
	TEST_ASSERT_RET(sva_pasid_find(a, 10, NULL, NULL, &priv), -ENOENT);
	TEST_ASSERT_SUCCESS(sva_pasid_space_stats_get(space, &ss), "stats");
	TEST_ASSERT_EQUAL(ss.bad_frees, 4, "bad frees counted");
	TEST_ASSERT_EQUAL(ss.in_use, 2, "in use");
	TEST_ASSERT_EQUAL(ss.pending, 1, "the good free is pending");
	TEST_ASSERT_RET(sva_pasid_space_stats_get(NULL, &ss), -EINVAL);
	TEST_ASSERT_RET(sva_pasid_space_stats_get(space, NULL), -EINVAL);

	/* -EBUSY: set holding PASIDs */
	TEST_ASSERT_RET(sva_pasid_set_destroy(b, 0), -EBUSY);
	TEST_ASSERT_SUCCESS(sva_pasid_set_destroy(b, SVA_PASID_SET_FREE_ALL), "free all of b");
	TEST_ASSERT_RET(sva_pasid_find_global(space, 20, TAG_B, NULL, NULL, &priv), -ENOENT);
	TEST_ASSERT_SUCCESS(sva_pasid_set_destroy(a, 0), "a is empty");
	TEST_ASSERT_SUCCESS(sva_pasid_set_destroy(hidden, SVA_PASID_SET_FREE_ALL), "hidden");
	TEST_ASSERT_SUCCESS(sva_pasid_space_destroy(space), "destroy space");
	space = NULL;
	return TEST_SUCCESS;
}

/* ---- specific values and ranges ---- */

static int
test_pasid_specific_and_range(void)
{
	struct sva_pasid_set *set;
	uint32_t p;

	space = sva_pasid_space_create("range", 12, SVA_PASID_SPACE_ALLOW_ZERO);
	TEST_ASSERT_NOT_NULL(space, "space");
	set = sva_pasid_set_create(space, "s", 0, NULL, TAG_A, 0);
	TEST_ASSERT_NOT_NULL(set, "set");

	/* Guests pick their values; lowest-first allocation steps around them. */
	TEST_ASSERT_SUCCESS(sva_pasid_alloc_at(set, 0, NULL), "PASID 0 where allowed");
	TEST_ASSERT_SUCCESS(sva_pasid_alloc_at(set, 2, NULL), "2");
	TEST_ASSERT_SUCCESS(sva_pasid_alloc_at(set, 4095, NULL), "last PASID");
	TEST_ASSERT_SUCCESS(sva_pasid_alloc(set, 0, UINT32_MAX, NULL, &p), "alloc");
	TEST_ASSERT_EQUAL(p, 1, "skips 0");
	TEST_ASSERT_SUCCESS(sva_pasid_alloc(set, 0, UINT32_MAX, NULL, &p), "alloc");
	TEST_ASSERT_EQUAL(p, 3, "skips 2");

	/* [min, max] is honoured exactly, across 64-bit word boundaries. */
	for (uint32_t want = 62; want <= 66; want++) {
		TEST_ASSERT_SUCCESS(sva_pasid_alloc(set, 62, 66, NULL, &p), "range alloc");
		TEST_ASSERT_EQUAL(p, want, "lowest in [62, 66]");
	}
	TEST_ASSERT_RET(sva_pasid_alloc(set, 62, 66, NULL, &p), -ENOSPC);
	TEST_ASSERT_SUCCESS(sva_pasid_alloc(set, 62, 67, NULL, &p), "one more");
	TEST_ASSERT_EQUAL(p, 67, "67");
	/* max beyond the space is clamped to its end */
	TEST_ASSERT_SUCCESS(sva_pasid_alloc(set, 4000, UINT32_MAX, NULL, &p), "high");
	TEST_ASSERT_EQUAL(p, 4000, "4000");
	TEST_ASSERT_RET(sva_pasid_alloc(set, 4095, UINT32_MAX, NULL, &p), -ENOSPC);
	/* a range that starts in a full 64-PASID word: fill 128..191 and ask from 128 */
	for (uint32_t i = 128; i < 192; i++)
		TEST_ASSERT_SUCCESS(sva_pasid_alloc_at(set, i, NULL), "fill %u", i);
	TEST_ASSERT_SUCCESS(sva_pasid_alloc(set, 128, UINT32_MAX, NULL, &p), "after a full word");
	TEST_ASSERT_EQUAL(p, 192, "first PASID of the next word");

	TEST_ASSERT_SUCCESS(sva_pasid_set_destroy(set, SVA_PASID_SET_FREE_ALL), "destroy set");
	TEST_ASSERT_SUCCESS(sva_pasid_space_destroy(space), "destroy space");
	space = NULL;
	return TEST_SUCCESS;
}

/* ---- grace period and drain hooks ---- */

#define HOOK_LOG_MAX 64

struct hook_ctx {
	unsigned int calls;
	unsigned int again;      /* return -EAGAIN this many more times */
	uint32_t log[HOOK_LOG_MAX];
	int nested_reclaim;      /* what sva_pasid_reclaim() said from inside the hook */
	int nested_register;
	int try_nested;
};

static int
drain_hook(struct sva_pasid_space *s, uint32_t pasid, void *arg)
{
	struct hook_ctx *h = arg;

	if (h->calls < HOOK_LOG_MAX)
		h->log[h->calls] = pasid;
	h->calls++;
	if (h->try_nested) {
		h->nested_reclaim = sva_pasid_reclaim(s);
		h->nested_register = sva_pasid_drain_hook_register(s, drain_hook, NULL);
	}
	if (h->again > 0) {
		h->again--;
		return -EAGAIN;
	}
	return 0;
}

static int
test_pasid_grace_and_drain(void)
{
	const unsigned int me = rte_lcore_id();
	struct sva_pasid_space_stats ss;
	struct hook_ctx h = {0}, h2 = {0};
	struct sva_pasid_set *set;
	uint32_t p;

	space = sva_pasid_space_create("grace", 2, 0); /* PASIDs 1..3 */
	TEST_ASSERT_NOT_NULL(space, "space");
	set = sva_pasid_set_create(space, "s", 0, NULL, TAG_A, 0);
	TEST_ASSERT_NOT_NULL(set, "set");
	TEST_ASSERT_SUCCESS(sva_pasid_drain_hook_register(space, drain_hook, &h), "hook");
	/* This thread is also a reader: until it reports a quiescent state, nothing freed
	 * after it came online may be reused. */
	TEST_ASSERT_SUCCESS(sva_pasid_reader_register(space, me), "reader");

	for (uint32_t want = 1; want <= 3; want++) {
		TEST_ASSERT_SUCCESS(sva_pasid_alloc(set, 0, UINT32_MAX, NULL, &p), "alloc");
		TEST_ASSERT_EQUAL(p, want, "lowest first");
	}
	TEST_ASSERT_SUCCESS(sva_pasid_free(set, 2), "free 2");
	TEST_ASSERT_RET(sva_pasid_find(set, 2, NULL, NULL, NULL), -ENOENT);
	/* Grace period not over: not reusable, by either allocator. */
	TEST_ASSERT_RET(sva_pasid_alloc(set, 0, UINT32_MAX, NULL, &p), -ENOSPC);
	TEST_ASSERT_RET(sva_pasid_alloc_at(set, 2, NULL), -EBUSY);
	TEST_ASSERT_RET(sva_pasid_reclaim(space), 0);
	TEST_ASSERT_EQUAL(h.calls, 0, "no drain before the grace period ends");
	TEST_ASSERT_SUCCESS(sva_pasid_space_stats_get(space, &ss), "stats");
	TEST_ASSERT_EQUAL(ss.pending, 1, "pending");

	/* Grace period over; the hook is not done yet (-EAGAIN twice). */
	h.again = 2;
	sva_pasid_reader_quiescent(space, me);
	TEST_ASSERT_RET(sva_pasid_reclaim(space), 0);
	TEST_ASSERT_EQUAL(h.calls, 1, "hook called after the grace period");
	TEST_ASSERT_EQUAL(h.log[0], 2, "for PASID 2");
	TEST_ASSERT_SUCCESS(sva_pasid_space_stats_get(space, &ss), "stats");
	TEST_ASSERT_EQUAL(ss.pending, 0, "no longer pending");
	TEST_ASSERT_EQUAL(ss.draining, 1, "draining");
	TEST_ASSERT_EQUAL(ss.drain_retries, 1, "one retry");
	/* alloc_at reclaims once before it gives up: the hook says -EAGAIN again. */
	TEST_ASSERT_RET(sva_pasid_alloc_at(set, 2, NULL), -EBUSY);
	TEST_ASSERT_EQUAL(h.calls, 2, "hook called again by alloc_at's reclaim");

	/* A second hook registered now also runs for PASID 2 before its reuse. */
	TEST_ASSERT_SUCCESS(sva_pasid_drain_hook_register(space, drain_hook, &h2), "hook 2");
	/* The allocation itself reclaims when it runs short: hook done, 2 is back. */
	TEST_ASSERT_SUCCESS(sva_pasid_alloc(set, 0, UINT32_MAX, NULL, &p), "alloc after drain");
	TEST_ASSERT_EQUAL(p, 2, "PASID 2 reused");
	TEST_ASSERT_EQUAL(h.calls, 3, "hook 1 called again");
	TEST_ASSERT_EQUAL(h2.calls, 1, "hook 2 called once");
	TEST_ASSERT_EQUAL(h2.log[0], 2, "hook 2 for PASID 2");

	/* Hooks cannot re-enter reclaim or registration. */
	TEST_ASSERT_SUCCESS(sva_pasid_drain_hook_unregister(space, drain_hook, &h2), "unreg 2");
	h.try_nested = 1;
	TEST_ASSERT_SUCCESS(sva_pasid_free(set, 3), "free 3");
	sva_pasid_reader_quiescent(space, me);
	TEST_ASSERT_RET(sva_pasid_reclaim(space), 1);
	TEST_ASSERT_EQUAL(h.calls, 4, "hook called for 3");
	TEST_ASSERT_EQUAL(h.log[3], 3, "for PASID 3");
	TEST_ASSERT_EQUAL(h.nested_reclaim, -EDEADLK, "reclaim from a hook");
	TEST_ASSERT_EQUAL(h.nested_register, -EDEADLK, "register from a hook");
	TEST_ASSERT_EQUAL(h2.calls, 1, "an unregistered hook is not called");

	/* An offline reader does not hold up reclaim. */
	TEST_ASSERT_SUCCESS(sva_pasid_free(set, 1), "free 1");
	sva_pasid_reader_offline(space, me);
	TEST_ASSERT_RET(sva_pasid_reclaim(space), 1);
	sva_pasid_reader_online(space, me);
	TEST_ASSERT_SUCCESS(sva_pasid_space_synchronize(space, me), "synchronize as reader");

	TEST_ASSERT_SUCCESS(sva_pasid_reader_unregister(space, me), "unregister");
	TEST_ASSERT_SUCCESS(sva_pasid_space_synchronize(space, SVA_PASID_READERS_MAX), "sync");
	TEST_ASSERT_RET(sva_pasid_space_synchronize(space, me), -EINVAL);
	TEST_ASSERT_RET(sva_pasid_space_synchronize(NULL, me), -EINVAL);
	TEST_ASSERT_SUCCESS(sva_pasid_drain_hook_unregister(space, drain_hook, &h), "unreg");
	TEST_ASSERT_SUCCESS(sva_pasid_set_destroy(set, SVA_PASID_SET_FREE_ALL), "destroy");
	TEST_ASSERT_SUCCESS(sva_pasid_space_destroy(space), "destroy space");
	space = NULL;
	return TEST_SUCCESS;
}

static int
test_pasid_reader_and_hook_errnos(void)
{
	struct hook_ctx h[SVA_PASID_DRAIN_HOOKS_MAX + 1];
	struct sva_pasid_space_stats ss;

	space = sva_pasid_space_create("errs", 8, 0);
	TEST_ASSERT_NOT_NULL(space, "space");
	TEST_ASSERT_RET(sva_pasid_reader_register(NULL, 0), -EINVAL);
	TEST_ASSERT_RET(sva_pasid_reader_register(space, SVA_PASID_READERS_MAX), -EINVAL);
	TEST_ASSERT_SUCCESS(sva_pasid_reader_register(space, 5), "register 5");
	TEST_ASSERT_RET(sva_pasid_reader_register(space, 5), -EEXIST);
	TEST_ASSERT_RET(sva_pasid_reader_unregister(space, 6), -ENOENT);
	TEST_ASSERT_RET(sva_pasid_reader_unregister(NULL, 5), -EINVAL);
	TEST_ASSERT_RET(sva_pasid_reader_unregister(space, SVA_PASID_READERS_MAX), -EINVAL);
	TEST_ASSERT_SUCCESS(sva_pasid_space_stats_get(space, &ss), "stats");
	TEST_ASSERT_EQUAL(ss.readers, 1, "one reader");
	TEST_ASSERT_SUCCESS(sva_pasid_reader_unregister(space, 5), "unregister 5");
	TEST_ASSERT_RET(sva_pasid_reader_unregister(space, 5), -ENOENT);

	memset(h, 0, sizeof(h));
	TEST_ASSERT_RET(sva_pasid_drain_hook_register(NULL, drain_hook, &h[0]), -EINVAL);
	TEST_ASSERT_RET(sva_pasid_drain_hook_register(space, NULL, &h[0]), -EINVAL);
	for (int i = 0; i < SVA_PASID_DRAIN_HOOKS_MAX; i++)
		TEST_ASSERT_SUCCESS(sva_pasid_drain_hook_register(space, drain_hook, &h[i]), "%d", i);
	TEST_ASSERT_RET(sva_pasid_drain_hook_register(space, drain_hook, &h[0]), -EEXIST);
	TEST_ASSERT_RET(sva_pasid_drain_hook_register(space, drain_hook,
		&h[SVA_PASID_DRAIN_HOOKS_MAX]), -ENOSPC);
	TEST_ASSERT_SUCCESS(sva_pasid_space_stats_get(space, &ss), "stats");
	TEST_ASSERT_EQUAL(ss.drain_hooks, SVA_PASID_DRAIN_HOOKS_MAX, "hooks");
	for (int i = 0; i < SVA_PASID_DRAIN_HOOKS_MAX; i++)
		TEST_ASSERT_SUCCESS(sva_pasid_drain_hook_unregister(space, drain_hook, &h[i]), "%d", i);
	TEST_ASSERT_RET(sva_pasid_drain_hook_unregister(space, drain_hook, &h[0]), -ENOENT);
	TEST_ASSERT_RET(sva_pasid_drain_hook_unregister(NULL, drain_hook, &h[0]), -EINVAL);
	TEST_ASSERT_RET(sva_pasid_drain_hook_unregister(space, NULL, &h[0]), -EINVAL);
	TEST_ASSERT_RET(sva_pasid_reclaim(NULL), -EINVAL);
	TEST_ASSERT_SUCCESS(sva_pasid_space_destroy(space), "destroy");
	space = NULL;
	return TEST_SUCCESS;
}

static int
test_pasid_set_free_all_drains(void)
{
	struct sva_pasid_space_stats ss;
	struct hook_ctx h = {0};
	struct sva_pasid_set *set;
	uint32_t p;

	space = sva_pasid_space_create("freeall", 10, 0);
	TEST_ASSERT_NOT_NULL(space, "space");
	set = sva_pasid_set_create(space, "s", 0, NULL, TAG_A, 0);
	TEST_ASSERT_NOT_NULL(set, "set");
	TEST_ASSERT_SUCCESS(sva_pasid_drain_hook_register(space, drain_hook, &h), "hook");
	for (int i = 0; i < 4; i++)
		TEST_ASSERT_SUCCESS(sva_pasid_alloc(set, 0, UINT32_MAX, NULL, &p), "alloc");
	TEST_ASSERT_SUCCESS(sva_pasid_alloc_at(set, 700, NULL), "alloc 700");
	TEST_ASSERT_RET(sva_pasid_set_destroy(set, 0), -EBUSY);
	TEST_ASSERT_SUCCESS(sva_pasid_set_destroy(set, SVA_PASID_SET_FREE_ALL), "free all");
	TEST_ASSERT_SUCCESS(sva_pasid_space_stats_get(space, &ss), "stats");
	TEST_ASSERT_EQUAL(ss.in_use, 0, "none in use");
	TEST_ASSERT_EQUAL(ss.sets, 0, "no set");
	TEST_ASSERT_EQUAL(ss.pending + ss.draining, 5, "five waiting for reuse");
	TEST_ASSERT_RET(sva_pasid_reclaim(space), 5);
	TEST_ASSERT_EQUAL(h.calls, 5, "the hook drained each");
	TEST_ASSERT_EQUAL(h.log[0], 1, "in PASID order");
	TEST_ASSERT_EQUAL(h.log[4], 700, "700 last");
	TEST_ASSERT_SUCCESS(sva_pasid_drain_hook_unregister(space, drain_hook, &h), "unreg");
	TEST_ASSERT_SUCCESS(sva_pasid_space_destroy(space), "destroy");
	space = NULL;
	return TEST_SUCCESS;
}

/* ---- memory ---- */

static int
test_pasid_memory(void)
{
	struct sva_pasid_space_stats empty, full;
	struct sva_pasid_set *set;
	uint32_t p;

	space = sva_pasid_space_create("mem", 20, 0);
	TEST_ASSERT_NOT_NULL(space, "space");
	TEST_ASSERT_SUCCESS(sva_pasid_space_stats_get(space, &empty), "stats");
	TEST_ASSERT_LESS_EQ(empty.memory_bytes, 256 * 1024, "an empty 20-bit space fits 256 KiB");
	TEST_ASSERT_EQUAL(empty.leaves, 0, "no leaf yet");
	set = sva_pasid_set_create(space, "s", 0, NULL, TAG_A, 0);
	TEST_ASSERT_NOT_NULL(set, "set");
	for (int i = 0; i < 65536; i++)
		TEST_ASSERT_SUCCESS(sva_pasid_alloc(set, 0, UINT32_MAX, NULL, &p), "alloc %d", i);
	TEST_ASSERT_SUCCESS(sva_pasid_space_stats_get(space, &full), "stats");
	/* PASIDs 1..65536 touch leaves 0..256 */
	TEST_ASSERT_EQUAL(full.leaves, 257, "leaves");
	TEST_ASSERT_LESS_EQ((full.memory_bytes - empty.memory_bytes) / 65536, 40,
		"a few dozen bytes per PASID");
	TEST_ASSERT_SUCCESS(sva_pasid_set_destroy(set, SVA_PASID_SET_FREE_ALL), "destroy");
	TEST_ASSERT_SUCCESS(sva_pasid_space_destroy(space), "destroy space");
	space = NULL;
	return TEST_SUCCESS;
}

/* ---- random walk against a model ---- */

enum { MODEL_BITS = 13, MODEL_N = 1 << MODEL_BITS, MODEL_OPS = 60000 };

static int
model_walk(void)
{
	enum { BITS = MODEL_BITS, N = MODEL_N, OPS = MODEL_OPS };
	static uint8_t owner[N]; /* 0 free, 1 set a, 2 set b */
	struct sva_pasid_set *sets[3] = {NULL};
	uint32_t in_use = 0;

	memset(owner, 0, sizeof(owner));
	rng_state = 0x9e3779b97f4a7c15ull;
	space = sva_pasid_space_create("model", BITS, 0);
	TEST_ASSERT_NOT_NULL(space, "space");
	sets[1] = sva_pasid_set_create(space, "a", 0, NULL, TAG_A, 0);
	sets[2] = sva_pasid_set_create(space, "b", 0, NULL, TAG_B, 0);
	TEST_ASSERT(sets[1] != NULL && sets[2] != NULL, "sets");
	owner[0] = 3; /* reserved */

	for (int op = 0; op < OPS; op++) {
		uint32_t r = rng(), who = 1 + (r & 1), p;
		/* Bias towards filling up to about 3/4, then churn. */
		bool do_alloc = in_use < N / 4 || (in_use < 3 * N / 4 && (r >> 1) % 2);

		if (do_alloc && (r >> 2) % 4 == 0) {
			/* a specific value */
			uint32_t want = 1 + rng() % (N - 1);
			int ret = sva_pasid_alloc_at(sets[who], want, NULL);

			TEST_ASSERT_RET(ret, owner[want] ? -EEXIST : 0);
			if (ret == 0) {
				owner[want] = who;
				in_use++;
			}
		} else if (do_alloc) {
			/* lowest free in a random range */
			uint32_t min = rng() % N, max = min + rng() % 512, expect = UINT32_MAX;
			int ret;

			for (uint32_t i = min; i <= max && i < N; i++)
				if (owner[i] == 0) {
					expect = i;
					break;
				}
			ret = sva_pasid_alloc(sets[who], min, max, NULL, &p);
			if (expect == UINT32_MAX) {
				TEST_ASSERT_RET(ret, -ENOSPC);
				continue;
			}
			TEST_ASSERT_RET(ret, 0);
			TEST_ASSERT_EQUAL(p, expect, "lowest free in [%u, %u] at op %d", min, max, op);
			owner[p] = who;
			in_use++;
		} else {
			/* free something held; one in 64 a random one, maybe free or foreign */
			uint32_t pick = 1 + rng() % (N - 1);
			int ret;

			if (rng() % 64 != 0 && in_use > 0) {
				while (owner[pick] == 0)
					pick = pick % (N - 1) + 1;
				who = owner[pick];
			}
			ret = sva_pasid_free(sets[who], pick);

			TEST_ASSERT_RET(ret, owner[pick] == 0 ? -ENOENT :
				owner[pick] != who ? -EACCES : 0);
			if (ret == 0) {
				/* No reader: the grace period is over at once. */
				TEST_ASSERT_RET(sva_pasid_reclaim(space), 1);
				owner[pick] = 0;
				in_use--;
			}
		}
	}
	/* The lookups agree with the model everywhere. */
	for (uint32_t i = 0; i < N; i++) {
		int ra = sva_pasid_find(sets[1], i, NULL, NULL, NULL);

		TEST_ASSERT_RET(ra, owner[i] == 1 ? 0 : owner[i] == 2 ? -EACCES : -ENOENT);
	}
	TEST_ASSERT_SUCCESS(sva_pasid_set_destroy(sets[1], SVA_PASID_SET_FREE_ALL), "a");
	TEST_ASSERT_SUCCESS(sva_pasid_set_destroy(sets[2], SVA_PASID_SET_FREE_ALL), "b");
	TEST_ASSERT_SUCCESS(sva_pasid_space_destroy(space), "destroy");
	space = NULL;
	return TEST_SUCCESS;
}

static int
test_pasid_model(void)
{
	/* The bad frees of the walk are refused with a log line each: too many to read. */
	int logtype = rte_log_register("lib.sva.pasid");
	int level = rte_log_get_level(logtype);
	int ret;

	rte_log_set_level(logtype, RTE_LOG_CRIT);
	ret = model_walk();
	rte_log_set_level(logtype, level);
	return ret;
}

/* ---- two lcores: alloc/free on one, find on the other ---- */

#define OBJ_MAGIC_INIT 0x1417u  /* being set up: not yet published by the writer */
#define OBJ_MAGIC_LIVE 0x11fe0u
#define OBJ_MAGIC_DYING 0xd1e0u /* its PASID is being freed */
#define OBJ_MAGIC_FREED 0xdeadu /* recycled: a reader must never see this */
#define STRESS_OBJS 1024
#define STRESS_BITS 9
#define STRESS_READS 400000u
#define STRESS_WRITES 100000u
#define STRESS_WARMUP 1000u

struct stress_obj {
	uint32_t magic;
	uint32_t pasid;
	struct sva_pasid_set *set;
	uint64_t token; /* when DYING: QSBR token after which it can be recycled */
	struct stress_obj *next;
};

struct stress {
	struct sva_pasid_set *a, *b;
	/* Writer side, per PASID: the allocator's promise checked at each reuse. */
	uint64_t freed_token[1u << STRESS_BITS]; /* QSBR token taken just before the free */
	uint32_t freed_gen[1u << STRESS_BITS];   /* frees so far */
	uint32_t drained_gen[1u << STRESS_BITS]; /* frees the drain hook has seen */
	uint64_t early_reuse, undrained_reuse, drains;
	unsigned int reader_id;
	int reader_done;
	int writer_done;
	uint64_t writes;           /* published by the writer for the reader to wait on */
	uint64_t reads, found, rejected;
	uint64_t bad_freed, bad_foreign, bad_pasid, bad_priv;
};

struct getter_check {
	struct stress *st;
	struct sva_pasid_set *expect_set;
	struct stress_obj *seen;
};

static int
stress_getter(uint32_t pasid, void *priv, void *arg)
{
	struct getter_check *c = arg;
	struct stress_obj *o = priv;
	uint32_t magic = __atomic_load_n(&o->magic, __ATOMIC_ACQUIRE);

	c->seen = o;
	if (magic == OBJ_MAGIC_FREED) {
		c->st->bad_freed++;
		return -EFAULT;
	}
	if (o->set != c->expect_set) {
		c->st->bad_foreign++;
		return -EFAULT;
	}
	if (magic == OBJ_MAGIC_INIT || magic == OBJ_MAGIC_DYING)
		return -ESTALE; /* not ready yet or going: a getter refuses those */
	if (o->pasid != pasid) {
		c->st->bad_pasid++;
		return -EFAULT;
	}
	return 0;
}

/* Runs in whichever thread reclaims: here only the writer, which allocates. */
static int
stress_drain(struct sva_pasid_space *s __rte_unused, uint32_t pasid, void *arg)
{
	struct stress *st = arg;

	st->drained_gen[pasid] = st->freed_gen[pasid];
	st->drains++;
	return 0;
}

static int
stress_reader(void *arg)
{
	struct stress *st = arg;
	uint64_t rs = 0x2545f4914f6cdd1dull;

	if (sva_pasid_reader_register(space, st->reader_id) != 0) {
		st->bad_freed = UINT64_MAX; /* reported by the main lcore */
		__atomic_store_n(&st->reader_done, 1, __ATOMIC_RELEASE);
		return -1;
	}
	/* Start once the writer has objects live, so the reads race with real churn. */
	while (__atomic_load_n(&st->writes, __ATOMIC_ACQUIRE) < STRESS_WARMUP) {
		sva_pasid_reader_quiescent(space, st->reader_id);
		rte_pause();
	}
	while (st->reads < STRESS_READS || !__atomic_load_n(&st->writer_done, __ATOMIC_ACQUIRE)) {
		for (int i = 0; i < 32; i++, st->reads++) {
			struct getter_check c = {st, st->a, NULL};
			void *priv = NULL;
			uint32_t pasid;
			int ret;

			rs ^= rs << 13;
			rs ^= rs >> 7;
			rs ^= rs << 17;
			pasid = (uint32_t)(rs >> 20) & ((1u << STRESS_BITS) - 1);
			if (i & 1)
				ret = sva_pasid_find(st->a, pasid, stress_getter, &c, &priv);
			else
				ret = sva_pasid_find_global(space, pasid, TAG_A, stress_getter, &c,
					&priv);
			if (ret == 0) {
				st->found++;
				if (priv != c.seen)
					st->bad_priv++;
			} else if (ret == -ESTALE) {
				st->rejected++;
			}
		}
		sva_pasid_reader_quiescent(space, st->reader_id);
	}
	/* Offline, unregistered by the writer once done: its grace-period checks then load
	 * this offline state (a release), which orders these reads before any recycle of
	 * what they saw. An unregister now would order them only inside DPDK's own,
	 * uninstrumented, code: a false race for ThreadSanitizer. */
	sva_pasid_reader_offline(space, st->reader_id);
	__atomic_store_n(&st->reader_done, 1, __ATOMIC_RELEASE);
	return 0;
}

static int
test_pasid_concurrent(void)
{
	static struct stress_obj objs[STRESS_OBJS];
	struct stress_obj *pool = NULL, *live[STRESS_OBJS], *dying_head = NULL, **dying_tail;
	static struct stress st;
	struct rte_rcu_qsbr *qsbr;
	unsigned int worker, nlive = 0;
	uint64_t writes = 0, nospc = 0;

	worker = rte_get_next_lcore(rte_lcore_id(), 1, 0);
	if (worker >= RTE_MAX_LCORE)
		TEST_SKIP("needs a second lcore (run with -l 0-1)");
	memset(&st, 0, sizeof(st));
	rng_state = 0x1234567887654321ull;
	space = sva_pasid_space_create("stress", STRESS_BITS, 0);
	TEST_ASSERT_NOT_NULL(space, "space");
	st.a = sva_pasid_set_create(space, "a", 0, NULL, TAG_A, SVA_PASID_SET_SEARCHABLE);
	st.b = sva_pasid_set_create(space, "b", 0, NULL, TAG_B, SVA_PASID_SET_SEARCHABLE);
	TEST_ASSERT(st.a != NULL && st.b != NULL, "sets");
	st.reader_id = worker;
	qsbr = sva_pasid_space_qsbr(space);
	for (int i = 0; i < STRESS_OBJS; i++) {
		objs[i].magic = OBJ_MAGIC_FREED;
		objs[i].next = pool;
		pool = &objs[i];
	}
	dying_tail = &dying_head;

	TEST_ASSERT_SUCCESS(sva_pasid_drain_hook_register(space, stress_drain, &st), "hook");
	TEST_ASSERT_SUCCESS(rte_eal_remote_launch(stress_reader, &st, worker), "launch");
	/* Runs until both sides did their share: no timing involved. */
	while (writes < STRESS_WRITES || !__atomic_load_n(&st.reader_done, __ATOMIC_ACQUIRE)) {
		uint32_t r = rng();

		/* Recycle objects whose grace period is over (poison them first). */
		while (dying_head != NULL && rte_rcu_qsbr_check(qsbr, dying_head->token,
				pool == NULL) == 1) {
			struct stress_obj *o = dying_head;

			dying_head = o->next;
			if (dying_head == NULL)
				dying_tail = &dying_head;
			__atomic_store_n(&o->magic, OBJ_MAGIC_FREED, __ATOMIC_RELEASE);
			o->set = NULL;
			o->pasid = UINT32_MAX;
			o->next = pool;
			pool = o;
		}
		if (pool != NULL && (nlive < 256 || (nlive < 400 && (r & 1)))) {
			struct stress_obj *o = pool;
			struct sva_pasid_set *set = (r >> 1) & 1 ? st.a : st.b;
			uint32_t p;
			int ret;

			o->set = set;
			__atomic_store_n(&o->magic, OBJ_MAGIC_INIT, __ATOMIC_RELEASE);
			ret = sva_pasid_alloc(set, 0, UINT32_MAX, o, &p);
			if (ret == -ENOSPC) {
				nospc++; /* the reader holds up reclaim for a moment */
				continue;
			}
			TEST_ASSERT_SUCCESS(ret, "alloc %" PRIu64, writes);
			/* Reused only after a grace period and its drain. */
			if (st.freed_gen[p] > 0) {
				if (rte_rcu_qsbr_check(qsbr, st.freed_token[p], false) != 1)
					st.early_reuse++;
				if (st.drained_gen[p] != st.freed_gen[p])
					st.undrained_reuse++;
			}
			pool = o->next;
			o->pasid = p;
			__atomic_store_n(&o->magic, OBJ_MAGIC_LIVE, __ATOMIC_RELEASE);
			live[nlive++] = o;
		} else if (nlive > 0) {
			unsigned int k = (r >> 2) % nlive;
			struct stress_obj *o = live[k];

			live[k] = live[--nlive];
			__atomic_store_n(&o->magic, OBJ_MAGIC_DYING, __ATOMIC_RELEASE);
			/* Taken before the free: older than the allocator's own token. */
			st.freed_token[o->pasid] = rte_rcu_qsbr_start(qsbr);
			st.freed_gen[o->pasid]++;
			TEST_ASSERT_SUCCESS(sva_pasid_free(o->set, o->pasid), "free");
			o->token = rte_rcu_qsbr_start(qsbr);
			o->next = NULL;
			*dying_tail = o;
			dying_tail = &o->next;
		}
		writes++;
		__atomic_store_n(&st.writes, writes, __ATOMIC_RELEASE);
		if (writes == STRESS_WRITES)
			__atomic_store_n(&st.writer_done, 1, __ATOMIC_RELEASE);
	}
	rte_eal_wait_lcore(worker);
	if (st.bad_freed != UINT64_MAX)
		TEST_ASSERT_SUCCESS(sva_pasid_reader_unregister(space, worker), "reader unregister");
	printf("    %" PRIu64 " writes (%" PRIu64 " waited for reclaim), %" PRIu64 " drained; %"
		PRIu64 " reads: %" PRIu64 " found, %" PRIu64 " refused as not ready or dying\n",
		writes, nospc, st.drains, st.reads, st.found, st.rejected);
	TEST_ASSERT_EQUAL(st.early_reuse, 0, "a PASID was reused before its grace period");
	TEST_ASSERT_EQUAL(st.undrained_reuse, 0, "a PASID was reused before its drain");
	TEST_ASSERT(st.bad_freed != UINT64_MAX, "the reader could not register");
	TEST_ASSERT_EQUAL(st.bad_freed, 0, "a reader found a freed (recycled) object");
	TEST_ASSERT_EQUAL(st.bad_foreign, 0, "a reader found another set's object");
	TEST_ASSERT_EQUAL(st.bad_pasid, 0, "a reader found an object under another PASID");
	TEST_ASSERT_EQUAL(st.bad_priv, 0, "priv differs from what the getter saw");
	TEST_ASSERT_GREATER_EQ(st.reads, STRESS_READS, "every read done");
	/* From the warm-up on at least 256 objects are live, half of them in set a. */
	TEST_ASSERT_GREATER(st.found, 0, "the reader found nothing: the race was not exercised");

	TEST_ASSERT_SUCCESS(sva_pasid_drain_hook_unregister(space, stress_drain, &st), "unreg");
	TEST_ASSERT_SUCCESS(sva_pasid_set_destroy(st.a, SVA_PASID_SET_FREE_ALL), "a");
	TEST_ASSERT_SUCCESS(sva_pasid_set_destroy(st.b, SVA_PASID_SET_FREE_ALL), "b");
	TEST_ASSERT_SUCCESS(sva_pasid_space_destroy(space), "destroy");
	space = NULL;
	return TEST_SUCCESS;
}

static struct sva_test_suite pasid_suite = {
	.name = "pasid",
	.cases = {
		SVA_TEST_CASE_ST(NULL, space_teardown, test_pasid_space_args),
		SVA_TEST_CASE_ST(NULL, space_teardown, test_pasid_exhaust_small),
		SVA_TEST_CASE_ST(NULL, space_teardown, test_pasid_exhaust_20bit),
		SVA_TEST_CASE_ST(NULL, space_teardown, test_pasid_quota),
		SVA_TEST_CASE_ST(NULL, space_teardown, test_pasid_errnos),
		SVA_TEST_CASE_ST(NULL, space_teardown, test_pasid_specific_and_range),
		SVA_TEST_CASE_ST(NULL, space_teardown, test_pasid_grace_and_drain),
		SVA_TEST_CASE_ST(NULL, space_teardown, test_pasid_reader_and_hook_errnos),
		SVA_TEST_CASE_ST(NULL, space_teardown, test_pasid_set_free_all_drains),
		SVA_TEST_CASE_ST(NULL, space_teardown, test_pasid_memory),
		SVA_TEST_CASE_ST(NULL, space_teardown, test_pasid_model),
		SVA_TEST_CASE_ST(NULL, space_teardown, test_pasid_concurrent),
		SVA_TEST_CASES_END(),
	},
};

static int
test_pasid(void)
{
	return sva_test_suite_run(&pasid_suite);
}

SVA_TEST_REGISTER(pasid_autotest, test_pasid);
