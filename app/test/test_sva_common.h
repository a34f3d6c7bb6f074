/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef TEST_SVA_COMMON_H
#define TEST_SVA_COMMON_H

/* Shared by sva_bind_autotest and sva_teardown_autotest: an emu (or syn) iommu, a
 * dev, a PASID space and set, and the poll service on the worker lcore. */

#include <stdbool.h>
#include <stdint.h>

#include <sva.h>
#include <sva_emu.h>

#define SVA_T_PG 4096u
#define SVA_T_WAIT_US 30000000u

struct sva_t {
	const char *model;           /* "vtd", "smmuv3", or NULL for syn */
	struct sva_iommu *iommu;
	struct sva_dev *dev;
	struct sva_pasid_space *space;
	struct sva_pasid_set *set;
	unsigned int lcore;
	bool polling;
	struct sva_bond *bonds[8]; /* unbound by sva_t_close() if a case failed early */
};

extern struct sva_t ST;
extern const char *const sva_t_models[2];

/* iommu devargs extra (after model), dev devargs; model NULL: the syn driver. */
int sva_t_open(const char *model, const char *iommu_extra, const char *dev_args);
void sva_t_close(void);
int sva_t_poll_start(void);
void sva_t_poll_stop(void);
int sva_t_job(struct sva_dev *dev, uint32_t pasid, uint32_t op, uint64_t src, uint64_t dst,
		uint64_t len, struct sva_emu_comp *c);
void *sva_t_map(size_t len);
struct sva_emu_counters sva_t_counters(void);
/* Pages of [addr, addr + len) not present now (from /proc/self/pagemap). */
uint64_t sva_t_pages_missing(const void *addr, size_t len);
/* sva_bind(ST.dev, ST.set, p) / sva_unbind(), remembered for sva_t_close(). */
struct sva_bond *sva_t_bind(const struct sva_bind_params *p);
void sva_t_unbind(struct sva_bond *b);
/* Run dpdk-telemetry.py against this process's own socket; its output in buf.
 * 0, or -EIO (the script failed), or -errno of popen(). */
int sva_t_telemetry(const char *cmd, char *buf, size_t len);
/* Wait (bounded, 20 s) until *v >= want. */
bool sva_t_wait_u64(const volatile uint64_t *v, uint64_t want);

#define SVA_T_BOTH(name) \
	static int name(void) \
	{ \
		for (unsigned int m_ = 0; m_ < 2; m_++) { \
			int r_ = name##_one(sva_t_models[m_]); \
			sva_t_close(); \
			if (r_ != TEST_SUCCESS) { \
				printf("    (model %s)\n", sva_t_models[m_]); \
				return r_; \
			} \
		} \
		return TEST_SUCCESS; \
	}

#endif /* TEST_SVA_COMMON_H */
