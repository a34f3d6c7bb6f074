/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * pasid: the PASID allocator (lib/pasid).
 *  - memory of a 20-bit space, empty and with 65,536 PASIDs in use;
 *  - find latency on a reader lcore (each lookup's key depends on the previous result,
 *    so lookups do not overlap), median of batches: "hot" (64 active PASIDs, the
 *    bonds that fault, among 65,536 allocated) and "cold" (random over all 65,536),
 *    by set and global; baseline: a lock-free rte_hash holding the same keys;
 *  - alloc+free pairs per second from a control thread, with 65,536 PASIDs in use and
 *    in an empty space (the cost must not grow with occupancy), no reader registered.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include <rte_cycles.h>
#include <rte_errno.h>
#include <rte_hash.h>
#include <rte_lcore.h>

#include "sva_pasid.h"
#include "sva_perf.h"

#define PERF_TYPE 0x50455246u /* 'PERF' */
#define IN_USE 65536u
#define HOT 64u
#define BATCH 256u
#define SEQ 65536u /* lookup sequence length (a power of two) */

struct pasid_bench {
	struct sva_perf_ctx *ctx;
	struct sva_pasid_space *space;
	struct sva_pasid_set *set;
	struct rte_hash *hash;
	unsigned int me;
	uint32_t *hot_seq;  /* SEQ PASIDs drawn from HOT of them */
	uint32_t *cold_seq; /* SEQ PASIDs drawn from all IN_USE */
	double *samples;
	unsigned int batches;
	double progress_base, progress_span;
};

static uint64_t rng_state = 0x853c49e6748fea9bull;

static uint32_t
rng(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return (uint32_t)(rng_state >> 11);
}

static volatile uintptr_t sink; /* keeps the lookups from being optimised away */

enum lookup_kind { LK_FIND, LK_FIND_GLOBAL, LK_HASH };

/* Median and p99 of per-lookup time over batches of BATCH lookups, in ns. */
static int
lookup_bench(struct pasid_bench *b, const uint32_t *seq, enum lookup_kind kind, double *median,
	double *p99)
{
	const double ns_per_cycle = 1e9 / (double)rte_get_tsc_hz();
	uintptr_t acc = 0;
	unsigned int pos = 0;

	for (unsigned int n = 0; n < b->batches; n++) {
		uint64_t t0, t1;
		int bad = 0;

		t0 = rte_rdtsc_precise();
		for (unsigned int i = 0; i < BATCH; i++) {
			void *priv = NULL;
			int ret;

			switch (kind) {
			case LK_FIND:
				ret = sva_pasid_find(b->set, seq[pos], NULL, NULL, &priv);
				break;
			case LK_FIND_GLOBAL:
				ret = sva_pasid_find_global(b->space, seq[pos], PERF_TYPE, NULL, NULL,
					&priv);
				break;
			default:
				ret = rte_hash_lookup_data(b->hash, &seq[pos], &priv) < 0 ? -ENOENT : 0;
				break;
			}
			bad |= ret;
			acc += (uintptr_t)priv;
			/* The next key depends on this result (ret is 0, priv a multiple of 64,
			 * which the compiler cannot know): a latency, not a throughput, is timed. */
			pos = (pos + 1 + (unsigned int)(ret & 1) + (unsigned int)((uintptr_t)priv & 1)) &
				(SEQ - 1);
		}
		t1 = rte_rdtsc_precise();
		if (bad != 0) {
			fprintf(stderr, "pasid: a lookup of an allocated PASID failed\n");
			return -EIO;
		}
		b->samples[n] = (double)(t1 - t0) * ns_per_cycle / BATCH;
		sva_pasid_reader_quiescent(b->space, b->me);
		if ((n & 255) == 0)
			sva_perf_progress(b->ctx, b->progress_base +
				b->progress_span * n / b->batches);
	}
	sink = acc;
	*median = sva_perf_median(b->samples, b->batches);
	*p99 = sva_perf_percentile_sorted(b->samples, b->batches, 99);
	return 0;
}

/* Pairs per second, median of rounds. */
static int
alloc_free_bench(struct pasid_bench *b, struct sva_pasid_set *set, unsigned int rounds,
	unsigned int pairs, double *rate)
{
	double r[16];

	for (unsigned int k = 0; k < rounds && k < RTE_DIM(r); k++) {
		uint64_t t0 = sva_perf_now_ns();

		for (unsigned int i = 0; i < pairs; i++) {
			uint32_t p;
			int ret = sva_pasid_alloc(set, 0, UINT32_MAX, NULL, &p);

			if (ret == 0)
				ret = sva_pasid_free(set, p);
			if (ret != 0) {
				fprintf(stderr, "pasid: alloc/free pair failed: %s\n", strerror(-ret));
				return ret;
			}
		}
		r[k] = (double)pairs * 1e9 / (double)(sva_perf_now_ns() - t0);
		sva_perf_progress(b->ctx, b->progress_base + b->progress_span * (k + 1) / rounds);
	}
	*rate = sva_perf_median(r, rounds < RTE_DIM(r) ? rounds : RTE_DIM(r));
	return 0;
}

static int
setup(struct pasid_bench *b)
{
	struct rte_hash_parameters hp = {
		.name = "perf_pasid_baseline",
		.entries = 2 * IN_USE,
		.key_len = sizeof(uint32_t),
		.socket_id = (int)rte_socket_id(),
		.extra_flag = RTE_HASH_EXTRA_FLAGS_RW_CONCURRENCY_LF,
	};
	uint32_t hot[HOT];

	b->hot_seq = malloc(SEQ * sizeof(uint32_t));
	b->cold_seq = malloc(SEQ * sizeof(uint32_t));
	b->samples = malloc(b->batches * sizeof(double));
	if (b->hot_seq == NULL || b->cold_seq == NULL || b->samples == NULL)
		return -ENOMEM;
	b->hash = rte_hash_create(&hp);
	if (b->hash == NULL) {
		fprintf(stderr, "pasid: rte_hash_create: %s\n", rte_strerror(rte_errno));
		return -rte_errno;
	}
	for (uint32_t p = 1; p <= IN_USE; p++) {
		/* The hash maps to the same private pointers find returns. */
		int ret = rte_hash_add_key_data(b->hash, &p, (void *)(uintptr_t)(p * 64));

		if (ret != 0)
			return ret;
	}
	for (unsigned int i = 0; i < HOT; i++)
		hot[i] = 1 + rng() % IN_USE;
	for (unsigned int i = 0; i < SEQ; i++) {
		b->hot_seq[i] = hot[rng() % HOT];
		b->cold_seq[i] = 1 + rng() % IN_USE;
	}
	return 0;
}

static void
teardown(struct pasid_bench *b)
{
	rte_hash_free(b->hash);
	free(b->hot_seq);
	free(b->cold_seq);
	free(b->samples);
}

static int
perf_pasid(struct sva_perf_ctx *ctx)
{
	const bool quick = sva_perf_quick(ctx);
	const unsigned int rounds = quick ? 3 : 7, pairs = quick ? 2000 : 500000;
	struct pasid_bench b = {.ctx = ctx, .me = rte_lcore_id(),
		.batches = quick ? 64 : 20000};
	struct sva_pasid_space_stats empty, full;
	struct sva_pasid_space *space2 = NULL;
	struct sva_pasid_set *set2 = NULL;
	double med, p99, hash_hot, hash_cold, find_hot, find_cold, rate_full, rate_empty;
	int ret;

	if (b.me == LCORE_ID_ANY)
		return sva_perf_skip(ctx, "the main thread has no lcore id");
	ret = setup(&b);
	if (ret != 0)
		goto out;

	/* Memory: an empty 20-bit space, then 65,536 PASIDs in use. */
	b.space = sva_pasid_space_create("perf", 20, 0);
	if (b.space == NULL) {
		ret = -rte_errno;
		goto out;
	}
	sva_pasid_space_stats_get(b.space, &empty);
	b.set = sva_pasid_set_create(b.space, "perf", 0, NULL, PERF_TYPE, SVA_PASID_SET_SEARCHABLE);
	if (b.set == NULL) {
		ret = -rte_errno;
		goto out;
	}
	for (uint32_t i = 0; i < IN_USE; i++) {
		uint32_t p;

		ret = sva_pasid_alloc(b.set, 0, UINT32_MAX, (void *)(uintptr_t)((i + 1) * 64), &p);
		if (ret != 0)
			goto out;
	}
	sva_pasid_space_stats_get(b.space, &full);
	sva_perf_metric(ctx, "memory_empty_kib", (double)empty.memory_bytes / 1024, "KiB");
	sva_perf_target(ctx, "memory_empty_kib", SVA_PERF_AT_MOST, 256);
	sva_perf_metric(ctx, "memory_65536_kib", (double)full.memory_bytes / 1024, "KiB");
	sva_perf_metric(ctx, "bytes_per_pasid",
		(double)(full.memory_bytes - empty.memory_bytes) / IN_USE, "B");

	/* Lookups, from this lcore registered as a reader. */
	ret = sva_pasid_reader_register(b.space, b.me);
	if (ret != 0)
		goto out;
	b.progress_span = 0.15;
	ret = lookup_bench(&b, b.hot_seq, LK_FIND, &find_hot, &p99);
	if (ret != 0)
		goto out_reader;
	sva_perf_metric(ctx, "find_ns_median", find_hot, "ns");
	sva_perf_target(ctx, "find_ns_median", SVA_PERF_AT_MOST, 25);
	sva_perf_metric(ctx, "find_ns_p99", p99, "ns");
	b.progress_base = 0.15;
	ret = lookup_bench(&b, b.hot_seq, LK_FIND_GLOBAL, &med, &p99);
	if (ret != 0)
		goto out_reader;
	sva_perf_metric(ctx, "find_global_ns_median", med, "ns");
	b.progress_base = 0.30;
	ret = lookup_bench(&b, b.cold_seq, LK_FIND, &find_cold, &p99);
	if (ret != 0)
		goto out_reader;
	sva_perf_metric(ctx, "find_cold_ns_median", find_cold, "ns");
	b.progress_base = 0.45;
	ret = lookup_bench(&b, b.hot_seq, LK_HASH, &hash_hot, &p99);
	if (ret != 0)
		goto out_reader;
	sva_perf_metric(ctx, "rte_hash_ns_median", hash_hot, "ns");
	b.progress_base = 0.60;
	ret = lookup_bench(&b, b.cold_seq, LK_HASH, &hash_cold, &p99);
	if (ret != 0)
		goto out_reader;
	sva_perf_metric(ctx, "rte_hash_cold_ns_median", hash_cold, "ns");
	sva_perf_ratio(ctx, "find_vs_rte_hash", find_hot / hash_hot);
	sva_perf_ratio(ctx, "find_cold_vs_rte_hash_cold", find_cold / hash_cold);
	sva_pasid_reader_unregister(b.space, b.me);

	/* Alloc+free pairs from a control thread: 65,536 in use, then an empty space. */
	b.progress_base = 0.75;
	b.progress_span = 0.125;
	ret = alloc_free_bench(&b, b.set, rounds, pairs, &rate_full);
	if (ret != 0)
		goto out;
	sva_perf_metric(ctx, "alloc_free_pairs_per_s", rate_full, "pairs/s");
	sva_perf_target(ctx, "alloc_free_pairs_per_s", SVA_PERF_AT_LEAST, 2e6);
	space2 = sva_pasid_space_create("perf-empty", 20, 0);
	set2 = space2 == NULL ? NULL : sva_pasid_set_create(space2, "perf", 0, NULL, PERF_TYPE, 0);
	if (set2 == NULL) {
		ret = -rte_errno;
		goto out;
	}
	b.progress_base = 0.875;
	ret = alloc_free_bench(&b, set2, rounds, pairs, &rate_empty);
	if (ret != 0)
		goto out;
	sva_perf_metric(ctx, "alloc_free_pairs_per_s_empty", rate_empty, "pairs/s");
	sva_perf_ratio(ctx, "alloc_free_65536_vs_empty", rate_full / rate_empty);
	ret = 0;
	goto out;

out_reader:
	sva_pasid_reader_unregister(b.space, b.me);
out:
	if (set2 != NULL)
		sva_pasid_set_destroy(set2, SVA_PASID_SET_FREE_ALL);
	if (space2 != NULL)
		sva_pasid_space_destroy(space2);
	if (b.set != NULL)
		sva_pasid_set_destroy(b.set, SVA_PASID_SET_FREE_ALL);
	if (b.space != NULL)
		sva_pasid_space_destroy(b.space);
	teardown(&b);
	return ret;
}

static struct sva_perf_case pasid_case = {
	.name = "pasid",
	.description = "PASID allocator: find latency, alloc+free rate, memory of a 20-bit space",
	.run = perf_pasid,
};

SVA_PERF_REGISTER(pasid_case);
