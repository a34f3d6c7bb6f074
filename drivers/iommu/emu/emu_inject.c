/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Fault injection on the device's way into the page request queue: drop, duplicate or
 * corrupt entries (every Nth, or at a rate per million drawn from a seeded generator so
 * that a run repeats), raise the overflow condition, send stop markers. Everything
 * here runs with the iommu's devlock held (the device side of the model is serial).
 */
#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include "emu_pvt.h"

int
emu_inject_parse(struct emu_iommu *e, const struct rte_kvargs *kv)
{
	struct emu_inject *j = &e->inj;
	const uint64_t big = UINT32_MAX;

	j->seed = 1;
	if (sva_kvargs_u64(kv, "inject_drop_every", 0, big, &j->drop_every) != 0 ||
			sva_kvargs_u64(kv, "inject_drop_ppm", 0, 1000000, &j->drop_ppm) != 0 ||
			sva_kvargs_u64(kv, "inject_dup_every", 0, big, &j->dup_every) != 0 ||
			sva_kvargs_u64(kv, "inject_dup_ppm", 0, 1000000, &j->dup_ppm) != 0 ||
			sva_kvargs_u64(kv, "inject_corrupt_every", 0, big, &j->corrupt_every) != 0 ||
			sva_kvargs_u64(kv, "inject_corrupt_ppm", 0, 1000000, &j->corrupt_ppm) != 0 ||
			sva_kvargs_u64(kv, "inject_overflow_every", 0, big, &j->overflow_every) != 0 ||
			sva_kvargs_u64(kv, "inject_stop_every", 0, big, &j->stop_every) != 0 ||
			sva_kvargs_u64(kv, "inject_seed", 0, UINT64_MAX, &j->seed) != 0 ||
			sva_kvargs_u64(kv, "dev_delay_us", 0, 1000000, &j->delay_us) != 0)
		return -EINVAL;
	j->rng = j->seed != 0 ? j->seed : 0x9e3779b97f4a7c15ull;  /* xorshift needs non-zero */
	if (j->drop_every | j->drop_ppm | j->dup_every | j->dup_ppm | j->corrupt_every |
			j->corrupt_ppm | j->overflow_every | j->stop_every | j->delay_us)
		EMU_LOG(NOTICE, "fault injection on: drop every %" PRIu64 " / %" PRIu64 " ppm, dup "
			"every %" PRIu64 " / %" PRIu64 " ppm, corrupt every %" PRIu64 " / %" PRIu64
			" ppm, overflow every %" PRIu64 ", stop marker every %" PRIu64 " groups, "
			"device delay %" PRIu64 " us, seed %" PRIu64, j->drop_every, j->drop_ppm,
			j->dup_every, j->dup_ppm, j->corrupt_every, j->corrupt_ppm, j->overflow_every,
			j->stop_every, j->delay_us, j->seed);
	return 0;
}

static uint64_t
rng_next(struct emu_inject *j)
{
	/* xorshift64*: small, good enough for rates, and repeatable from the seed */
	j->rng ^= j->rng >> 12;
	j->rng ^= j->rng << 25;
	j->rng ^= j->rng >> 27;
	return j->rng * 0x2545f4914f6cdd1dull;
}

static bool
hit(struct emu_inject *j, uint64_t every, uint64_t ppm)
{
	if (every != 0 && j->entries % every == 0)
		return true;
	return ppm != 0 && rng_next(j) % 1000000 < ppm;
}

/*
 * A structurally corrupt entry in the model's own layout: reserved bits set (VT-d
 * qword0 bits 15:10, SMMUv3 dword0 bits 57:52), otherwise the real request. The
 * decoder must refuse it and count it (model.prq_malformed); the request is lost.
 */
static void
corrupt_entry(const struct emu_iommu *e, const struct sva_fault_page_req *pr, uint64_t *raw)
{
	uint64_t addr = pr->addr & ~(EMU_PAGE_SIZE - 1);
	bool pv = pr->flags & SVA_FAULT_PR_PASID_VALID;
	bool last = pr->flags & SVA_FAULT_PR_LAST_PAGE;
	bool rd = pr->perm & SVA_FAULT_PERM_READ, wr = pr->perm & SVA_FAULT_PERM_WRITE;

	if (e->ops->model == SVA_IOMMU_MODEL_VTD) {
		/* qword0: type 7:0 (0x01), PASID present 8, RID 31:16, PASID 51:32 */
		raw[0] = 0x1 | (uint64_t)pv << 8 | (uint64_t)(pr->dev_id & 0xffff) << 16 |
			(uint64_t)(pr->pasid & 0xfffff) << 32 | (UINT64_C(0x3f) << 10);
		/* qword1: read 0, write 1, last 2, PRG index 11:3, address 63:12 */
		raw[1] = (uint64_t)rd | (uint64_t)wr << 1 | (uint64_t)last << 2 |
			(uint64_t)(pr->grpid & 0x1ff) << 3 | addr;
		raw[2] = raw[3] = 0;
	} else {
		/* dword0: SID 31:0, SSID 51:32, read 60, write 61, last 62, SSV 63;
		 * dword1: PRG index 8:0, address 63:12 */
		raw[0] = (uint64_t)pr->dev_id | (uint64_t)(pr->pasid & 0xfffff) << 32 |
			(UINT64_C(0x3f) << 52) | (uint64_t)rd << 60 | (uint64_t)wr << 61 |
			(uint64_t)last << 62 | (uint64_t)pv << 63;
		raw[1] = (uint64_t)(pr->grpid & 0x1ff) | addr;
	}
}

static void
write_one(struct emu_iommu *e, const struct sva_fault_page_req *pr)
{
	if (e->ops->prq_write(e->q, pr) == -ENOSPC)
		EMU_INC(e, prq_full);
}

void
emu_prq_send(struct emu_iommu *e, const struct sva_fault_page_req *pr)
{
	struct emu_inject *j = &e->inj;

	j->entries++;
	if (hit(j, j->drop_every, j->drop_ppm)) {
		EMU_INC(e, inj_drops);
	} else if (hit(j, j->corrupt_every, j->corrupt_ppm)) {
		uint64_t raw[4];

		corrupt_entry(e, pr, raw);
		if (e->ops->prq_write_raw(e->q, raw) == -ENOSPC)
			EMU_INC(e, prq_full);
		EMU_INC(e, inj_corrupt);
	} else {
		write_one(e, pr);
		if (hit(j, j->dup_every, j->dup_ppm)) {
			write_one(e, pr);
			EMU_INC(e, inj_dups);
		}
	}
	if (j->overflow_every != 0 && j->entries % j->overflow_every == 0) {
		e->ops->prq_force_overflow(e->q);
		EMU_INC(e, inj_overflows);
	}
}

void
emu_prq_stop_marker(struct emu_iommu *e, const struct sva_fault_page_req *pr)
{
	struct emu_inject *j = &e->inj;
	struct sva_fault_page_req sm;

	j->groups++;
	if (j->stop_every == 0 || j->groups % j->stop_every != 0)
		return;
	/* Last, neither read nor write: a Stop Marker, never answered */
	sm = *pr;
	sm.flags = (pr->flags & SVA_FAULT_PR_PASID_VALID) | SVA_FAULT_PR_LAST_PAGE;
	/* a nested group's words carry the GVA: so does its stop marker */
	if (pr->flags & (SVA_FAULT_PR_NESTED_S1 | SVA_FAULT_PR_NESTED_S2))
		sm.addr = pr->user_cookie;
	sm.perm = 0;
	write_one(e, &sm);
	EMU_INC(e, inj_stop_markers);
}
