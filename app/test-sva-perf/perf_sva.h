/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef PERF_SVA_H
#define PERF_SVA_H

/*
 * What the fault-path cases share: an emu iommu with its devs, a PASID space and set,
 * bonds (sva_bind) spread over the devs, and a poller on the worker lcore — either the
 * svapoll poll service (sva_poll_lcore_start, what applications run) or a plain loop
 * calling sva_iopf_poll() that also counts the cycles of the calls that found work
 * (how busy the poll lcore was).
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <sva.h>
#include <sva_emu.h>

struct sva_perf_ctx;

#define PERF_SVA_DEVS_MAX 32   /* an emu iommu has at most 32 devs */
#define PERF_SVA_WAIT_US 120000000u

enum perf_poll_mode {
	PERF_POLL_SERVICE = 1, /* sva_poll_lcore_start(): the svapoll poll service */
	PERF_POLL_LOOP,        /* sva_iopf_poll() in a loop, busy cycles counted */
};

struct perf_sva {
	struct sva_iommu *iommu;
	struct sva_dev *dev[PERF_SVA_DEVS_MAX];
	unsigned int ndev;
	struct sva_pasid_space *space;
	struct sva_pasid_set *set;
	struct sva_bond **bonds;
	unsigned int nbonds;
	unsigned int lcore;            /* the poll lcore */
	enum perf_poll_mode polling;   /* 0: not polling */
	/* PERF_POLL_LOOP */
	volatile int stop;
	volatile uint64_t busy_cycles;  /* cycles of poll calls that handled records */
	volatile uint64_t loop_cycles;  /* cycles from start to stop */
	volatile uint64_t call_max_cycles; /* the longest sva_iopf_poll() call */
	volatile uint64_t gap_max_cycles;  /* the longest gap between two calls */
	volatile uint64_t slow_calls;      /* calls that took over 1 ms */
};

/*
 * iommu_args: after "emu,name=...,"; dev_args for every dev (the dev i gets rid=0x10+i
 * unless dev_args names one); conf: the fault path's (NULL: svapoll's defaults).
 * Returns 0, a negative errno, or SVA_PERF_SKIPPED (no worker lcore: the reason is set).
 */
int perf_sva_open(struct sva_perf_ctx *ctx, struct perf_sva *s, const char *iommu_args,
		const char *dev_args, unsigned int ndev, const struct sva_iopf_conf *conf);
/* nbonds bonds, bond i on dev i % ndev. Takes a mappings snapshot once at the end. */
int perf_sva_bind(struct perf_sva *s, unsigned int nbonds, const struct sva_bind_params *p);
int perf_sva_poll_start(struct perf_sva *s, enum perf_poll_mode mode);
void perf_sva_poll_stop(struct perf_sva *s);
void perf_sva_close(struct perf_sva *s);

/* Submit one descriptor and wait for it (0, or a negative errno). */
int perf_sva_job(struct sva_dev *dev, const struct sva_emu_desc *d, struct sva_emu_comp *c);

/* Fresh anonymous memory in 4 KiB pages (MADV_NOHUGEPAGE), never touched; NULL on failure. */
void *perf_map_fresh(size_t len);
/* Every page written once (present, not the zero page). */
void perf_touch_all(void *p, size_t len);

/* Mean of an iopf latency histogram (bucket upper bounds, so at most 12.5% high), ns. */
double perf_iopf_mean_ns(const struct sva_iopf_stats *st);
/* The device's own mean group wait (request written to response seen), ns; 0 if none. */
double perf_emu_wait_mean_ns(const struct sva_emu_counters *before,
		const struct sva_emu_counters *after);

#endif /* PERF_SVA_H */
