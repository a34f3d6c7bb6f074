/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The software SVA endpoint: a DMA engine with a work queue and a device thread.
 *
 * The device thread runs one descriptor at a time, a chunk (up to EMU_CHUNK bytes) at a
 * time: translate every stream of the chunk (IOTLB, then the page walk), move the bytes
 * that are accessible through process_vm_readv/writev and a device-private bounce
 * buffer, and when the head of a stream is missing send the missing pages of a window
 * (up to prg_window) as one page-request group, wait for its one response, and walk
 * again. From the first missing page on, a job reads ahead (struct emu_pipe): it sends
 * the missing pages of the next windows as further groups, up to pr_depth in flight,
 * before it waits or copies, so the fault path works while the device does; the access
 * itself still follows the walk at the head, in order, so completions stay exact.
 * It never touches the process's memory directly, so memory that vanishes under
 * a job is an EFAULT (a translation fault: a page request), never a SIGSEGV.
 *
 * Waiting: completion waiters sleep on a futex (sva_emu_wait); the idle device sleeps
 * on a condition variable; a device waiting for a group response spins for
 * EMU_SPIN_NS (the poll lcore on the other core usually answers within that), then
 * sleeps with a doubling interval capped at EMU_SLEEP_MAX_NS: on a two-core machine
 * the device shares its core with the application, which must keep running.
 */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <linux/futex.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include <rte_cycles.h>
#include <rte_errno.h>
#include <rte_lcore.h>
#include <rte_pause.h>

#include "emu_pvt.h"
#include "emu_vsva.h"

#define EMU_SPIN_NS 50000          /* spin this long for a group response */
#define EMU_SLEEP_MIN_NS 2000
#define EMU_SLEEP_MAX_NS 200000

static const char *const emu_modes[] = { "full", "pasid_only", NULL };

static uint64_t
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void
sleep_ns(uint64_t ns)
{
	struct timespec ts = { .tv_sec = ns / 1000000000u, .tv_nsec = ns % 1000000000u };

	nanosleep(&ts, NULL);
}

static long
futex(volatile uint32_t *addr, int op, uint32_t val, const struct timespec *ts)
{
	return syscall(SYS_futex, (uint32_t *)(uintptr_t)addr, op, val, ts, NULL, 0);
}

static bool
is_emu_dev(const struct sva_dev *dev)
{
	return dev != NULL && sva_iommu_driver_of(sva_dev_iommu(dev)) == &emu_driver;
}

/* ---- open / close ---- */

static int
main_lcore_cpu(void)
{
	rte_cpuset_t set = rte_lcore_cpuset(rte_get_main_lcore());

	for (int c = 0; c < CPU_SETSIZE; c++)
		if (CPU_ISSET(c, &set))
			return c;
	return sched_getcpu();
}

static void *dev_thread(void *arg);

int
emu_dev_open(struct sva_dev *dev, const struct rte_kvargs *kv)
{
	struct emu_iommu *e = emu_of_iommu(sva_dev_iommu(dev));
	struct emu_dev *d = emu_of_dev(dev);
	uint64_t rid = 0x10, cpu, wq = 64, win = 32, tmo = 1000, depth = 4, stall = 0;
	uint64_t tags = EMU_STAG_COUNT;
	long ncpu = sysconf(_SC_NPROCESSORS_CONF);
	unsigned int mode = EMU_DEV_FULL, slot;
	pthread_attr_t attr;
	cpu_set_t set;
	char name[16];
	int ret;

	cpu = (uint64_t)RTE_MAX(main_lcore_cpu(), 0);
	if (sva_kvargs_u64(kv, "rid", 0, 0xffff, &rid) != 0 ||
			sva_kvargs_choice(kv, "mode", emu_modes, &mode) != 0 ||
			sva_kvargs_u64(kv, "cpu", 0, (uint64_t)RTE_MAX(ncpu - 1, 0L), &cpu) != 0 ||
			sva_kvargs_u64(kv, "wq_depth", 1, 4096, &wq) != 0 ||
			sva_kvargs_u64(kv, "prg_window", 1, EMU_PRG_COUNT, &win) != 0 ||
			sva_kvargs_u64(kv, "timeout_ms", 1, 600000, &tmo) != 0 ||
			sva_kvargs_u64(kv, "pr_depth", 1, EMU_PR_DEPTH_MAX, &depth) != 0 ||
			sva_kvargs_u64(kv, "stall", 0, 1, &stall) != 0 ||
			sva_kvargs_u64(kv, "stall_tags", 1, EMU_STAG_COUNT, &tags) != 0)
		return -EINVAL;
	if (stall && e->ops->model != SVA_IOMMU_MODEL_SMMUV3) {
		EMU_LOG(ERR, "stall=1: the stall model is an Arm SMMUv3 feature (CD.S, IHI0070 "
			"3.12.2); this iommu is model %s, whose devices fault through PRI: create "
			"it with model=smmuv3, or open the dev without stall", e->ops->name);
		return -EINVAL;
	}
	if ((wq & (wq - 1)) != 0) {
		EMU_LOG(ERR, "bad value '%" PRIu64 "' for key 'wq_depth': a power of two from 1 to "
			"4096", wq);
		return -EINVAL;
	}
	ret = sva_dev_id_set(dev, rid);
	if (ret != 0)
		return ret;
	memset(d, 0, sizeof(*d));
	d->dev = dev;
	d->e = e;
	d->rid = rid;
	d->mode = mode;
	d->cpu = (int)cpu;
	d->wq_depth = wq;
	d->prg_window = win;
	d->timeout_ms = tmo;
	d->pr_depth = depth;
	/* pri=off: an endpoint without PRI; a missing page is a translation fault */
	d->pri_disabled = e->pri_off ? 1 : 0;
	d->pasid_words = RTE_MAX((UINT32_C(1) << e->pasid_bits) / 64, UINT32_C(1));
	d->stall = stall != 0;
	d->stall_tags = (uint32_t)tags;
	d->pasid_map = calloc(d->pasid_words, sizeof(uint64_t));
	d->wq = calloc(wq, sizeof(*d->wq));
	d->bounce = aligned_alloc(64, 2 * EMU_CHUNK + 64);
	if (d->stall)
		d->stag = calloc(d->stall_tags, sizeof(*d->stag));
	if (d->pasid_map == NULL || d->wq == NULL || d->bounce == NULL ||
			(d->stall && d->stag == NULL) || emu_vsva_dev_init(d) != 0) {
		ret = -ENOMEM;
		goto fail;
	}
	pthread_mutex_init(&d->wq_lock, NULL);
	pthread_cond_init(&d->wq_cond, NULL);

	pthread_mutex_lock(&e->devlock);
	for (slot = 0; slot < EMU_MAX_DEVS && e->devs[slot] != NULL; slot++)
		;
	if (slot == EMU_MAX_DEVS) {
		pthread_mutex_unlock(&e->devlock);
		EMU_LOG(ERR, "%s: %d devs are open already, the most one emu iommu has",
			sva_iommu_name(e->iommu), EMU_MAX_DEVS);
		ret = -ENOSPC;
		goto fail_sync;
	}
	d->slot = slot;
	emu_iotlb_inval(&e->iotlb[slot], 0, true, 0, 0);
	e->devs[slot] = d;
	pthread_mutex_unlock(&e->devlock);

	pthread_attr_init(&attr);
	CPU_ZERO(&set);
	CPU_SET(d->cpu, &set);
	pthread_attr_setaffinity_np(&attr, sizeof(set), &set);
	ret = -pthread_create(&d->thread, &attr, dev_thread, d);
	pthread_attr_destroy(&attr);
	if (ret != 0) {
		EMU_LOG(ERR, "dev 0x%x: cannot start the device thread on CPU %d: %s", d->rid,
			d->cpu, strerror(-ret));
		pthread_mutex_lock(&e->devlock);
		e->devs[slot] = NULL;
		pthread_mutex_unlock(&e->devlock);
		goto fail_sync;
	}
	d->thread_started = true;
	snprintf(name, sizeof(name), "emu-dev-%x", d->rid);
	pthread_setname_np(d->thread, name);
	if (d->stall)
		EMU_LOG(INFO, "%s: dev 0x%x open (%s), device thread on CPU %d, wq %u, stall "
			"model (%u STAGs), stall timeout %u ms", sva_iommu_name(e->iommu), d->rid,
			emu_modes[mode], d->cpu, d->wq_depth, d->stall_tags, d->timeout_ms);
	else
		EMU_LOG(INFO, "%s: dev 0x%x open (%s), device thread on CPU %d, wq %u, PRG window "
			"%u, %u groups in flight, group timeout %u ms", sva_iommu_name(e->iommu),
			d->rid, emu_modes[mode], d->cpu, d->wq_depth, d->prg_window, d->pr_depth,
			d->timeout_ms);
	return 0;

fail_sync:
	pthread_cond_destroy(&d->wq_cond);
	pthread_mutex_destroy(&d->wq_lock);
fail:
	free(d->pasid_map);
	free(d->wq);
	free(d->bounce);
	free(d->stag);
	emu_vsva_dev_fini(d);
	memset(d, 0, sizeof(*d));
	return ret;
}

void
emu_dev_close(struct sva_dev *dev)
{
	struct emu_dev *d = emu_of_dev(dev);
	struct emu_iommu *e = d->e;

	pthread_mutex_lock(&d->wq_lock);
	__atomic_store_n(&d->stop, true, __ATOMIC_RELEASE);
	pthread_cond_broadcast(&d->wq_cond);
	pthread_mutex_unlock(&d->wq_lock);
	if (d->thread_started)
		pthread_join(d->thread, NULL);
	pthread_mutex_lock(&e->devlock);
	e->devs[d->slot] = NULL;
	pthread_mutex_unlock(&e->devlock);
	emu_iotlb_inval(&e->iotlb[d->slot], 0, true, 0, 0);
	pthread_cond_destroy(&d->wq_cond);
	pthread_mutex_destroy(&d->wq_lock);
	free(d->pasid_map);
	free(d->wq);
	free(d->bounce);
	free(d->stag);
	emu_vsva_dev_fini(d);
	EMU_LOG(INFO, "%s: dev 0x%x closed", sva_iommu_name(e->iommu), d->rid);
}

/* ---- responses: whichever device thread holds devlock dispatches them all ---- */

static struct emu_dev *
dev_by_rid(struct emu_iommu *e, uint32_t rid)
{
	for (unsigned int i = 0; i < EMU_MAX_DEVS; i++)
		if (e->devs[i] != NULL && e->devs[i]->rid == rid)
			return e->devs[i];
	return NULL;
}

/* A stall command: CMD_RESUME of one STAG, or CMD_STALL_TERM of the stream. */
static void
stall_dispatch(struct emu_iommu *e, struct emu_dev *d, const struct sva_page_response *r)
{
	struct emu_stag *t;
	uint32_t st;

	if (d == NULL || !d->stall) {
		EMU_INC(e, stall_resume_unknown);
		EMU_LOG(DEBUG, "stall command for StreamID 0x%x: no stall-mode dev", r->dev_id);
		return;
	}
	if (r->flags & EMU_RESP_STALL_ALL) {
		/* 4.7.2: every stalled transaction of the stream terminates with an abort;
		 * their STAGs return to the set the SMMU may use */
		for (uint32_t i = 0; i < d->stall_tags; i++) {
			t = &d->stag[i];
			st = __atomic_load_n(&t->state, __ATOMIC_ACQUIRE);
			if (st == EMU_PRG_OUTSTANDING) {
				t->code = SVA_PAGE_RESP_INVALID;
				__atomic_store_n(&t->state, EMU_PRG_ANSWERED, __ATOMIC_RELEASE);
				__atomic_fetch_sub(&e->cnt.stalls_outstanding, 1, __ATOMIC_RELAXED);
				EMU_INC(e, stall_terms);
			} else if (st == EMU_PRG_TIMED_OUT) {
				__atomic_store_n(&t->state, EMU_PRG_ANSWERED, __ATOMIC_RELEASE);
			}
		}
		return;
	}
	if (r->grpid >= d->stall_tags ||
			((st = __atomic_load_n(&d->stag[r->grpid].state, __ATOMIC_ACQUIRE)) !=
			 EMU_PRG_OUTSTANDING && st != EMU_PRG_TIMED_OUT)) {
		/* 4.7.1: "no effect on any transaction (it is effectively a no-op)" */
		EMU_INC(e, stall_resume_unknown);
		EMU_LOG(DEBUG, "dev 0x%x: CMD_RESUME for STAG %u: no stalled transaction", d->rid,
			r->grpid);
		return;
	}
	t = &d->stag[r->grpid];
	if (st == EMU_PRG_TIMED_OUT) {
		EMU_INC(e, stall_resume_late);
		__atomic_store_n(&t->state, EMU_PRG_ANSWERED, __ATOMIC_RELEASE);
		return;
	}
	if (r->code == SVA_PAGE_RESP_SUCCESS)
		EMU_INC(e, stall_retries);
	else if (r->code == SVA_PAGE_RESP_INVALID)
		EMU_INC(e, stall_aborts);
	else
		EMU_INC(e, stall_terminates);
	t->code = r->code;
	__atomic_store_n(&t->state, EMU_PRG_ANSWERED, __ATOMIC_RELEASE);
	__atomic_fetch_sub(&e->cnt.stalls_outstanding, 1, __ATOMIC_RELAXED);
}

static void
dispatch(struct emu_iommu *e, const struct sva_page_response *r)
{
	struct emu_dev *d = dev_by_rid(e, r->dev_id);
	bool pv = r->flags & SVA_PAGE_RESP_PASID_VALID;
	struct emu_prg *p;
	uint32_t st;

	if (r->flags & SVA_PAGE_RESP_STALL) {
		stall_dispatch(e, d, r);
		return;
	}

	if (d == NULL || r->grpid >= EMU_PRG_COUNT) {
		EMU_INC(e, resp_unknown_group);
		EMU_LOG(DEBUG, "response for dev 0x%x group %u: no such dev or group", r->dev_id,
			r->grpid);
		return;
	}
	p = &d->prg[r->grpid];
	st = __atomic_load_n(&p->state, __ATOMIC_ACQUIRE);
	if (st == EMU_PRG_FREE || pv != (bool)p->pasid_valid || (pv && r->pasid != p->pasid)) {
		EMU_INC(e, resp_unknown_group);
		EMU_LOG(DEBUG, "dev 0x%x: response for group %u (PASID %s%u) it did not send",
			d->rid, r->grpid, pv ? "" : "none/", r->pasid);
		return;
	}
	if (st == EMU_PRG_ANSWERED) {
		EMU_INC(e, resp_duplicate);
		EMU_LOG(DEBUG, "dev 0x%x: duplicate response for group %u", d->rid, r->grpid);
		return;
	}
	if (st == EMU_PRG_TIMED_OUT) {
		EMU_INC(e, resp_late);
		__atomic_store_n(&p->state, EMU_PRG_ANSWERED, __ATOMIC_RELEASE);
		return;
	}
	switch (r->code) {
	case SVA_PAGE_RESP_SUCCESS:
		EMU_INC(e, resp_success);
		break;
	case SVA_PAGE_RESP_INVALID:
		EMU_INC(e, resp_invalid);
		break;
	case SVA_PAGE_RESP_FAILURE:
		EMU_INC(e, resp_failure);
		break;
	default:
		EMU_INC(e, resp_bad_code);
		break;
	}
	p->code = r->code;
	__atomic_store_n(&p->state, EMU_PRG_ANSWERED, __ATOMIC_RELEASE);
	__atomic_fetch_sub(&e->cnt.groups_outstanding, 1, __ATOMIC_RELAXED);
}

void
emu_resp_pump(struct emu_iommu *e)
{
	struct sva_page_response r[32];
	uint16_t n;

	while ((n = e->ops->resp_read(e->q, r, RTE_DIM(r))) > 0)
		for (uint16_t i = 0; i < n; i++)
			dispatch(e, &r[i]);
}

/* ---- events (VT-d fault records, SMMUv3 event entries: the model encodes them,
 * e.g. TRANSLATION is VT-d reason 0x71 and SMMUv3 F_TRANSLATION 0x10) ---- */

static void
write_event(struct emu_dev *d, enum sva_fault_reason reason, bool pv, uint32_t pasid,
		uint64_t addr, uint32_t perm)
{
	struct emu_iommu *e = d->e;
	struct sva_fault_unrecov ev = {
		.reason = reason,
		.flags = (pv ? SVA_FAULT_UNRECOV_PASID_VALID : 0) | SVA_FAULT_UNRECOV_ADDR_VALID,
		.pasid = pv ? pasid : 0,
		.perm = perm,
		.addr = addr,
		.dev_id = d->rid,
		.hw_event = 0,   /* the model encodes the reason in its own codes */
		.timestamp = rte_rdtsc(),
	};
	int ret;

	pthread_mutex_lock(&e->devlock);
	ret = e->ops->evtq_write(e->q, &ev);
	pthread_mutex_unlock(&e->devlock);
	if (ret == 0)
		EMU_INC(e, events);
	else
		EMU_INC(e, events_dropped);
}

/* ---- page-request groups ---- */

/*
 * A PRG index that is not outstanding and not held by the running job (inuse: indices
 * of its groups not yet collected, whose state may already say ANSWERED). When every
 * other index is taken, and timed_out allows it, one that timed out (its late response,
 * should it come, is then taken for the new group's: the device cannot tell them apart).
 */
static int
prg_alloc(struct emu_dev *d, const uint64_t *inuse, bool timed_out)
{
	int fallback = -1;

	/* round robin: a late duplicate then rarely lands on a group in use */
	for (unsigned int k = 0; k < EMU_PRG_COUNT; k++) {
		unsigned int i = (d->prg_next + k) % EMU_PRG_COUNT;
		uint32_t st = __atomic_load_n(&d->prg[i].state, __ATOMIC_ACQUIRE);

		if (inuse[i / 64] & (UINT64_C(1) << (i % 64)))
			continue;
		if (st == EMU_PRG_FREE || st == EMU_PRG_ANSWERED) {
			d->prg_next = i + 1;
			return (int)i;
		}
		if (st == EMU_PRG_TIMED_OUT && fallback < 0)
			fallback = (int)i;
	}
	if (fallback >= 0 && timed_out) {
		d->prg_next = fallback + 1;
		return fallback;
	}
	return -1;
}

/* The device-observed latency of one answered group. */
static void
wait_account(struct emu_iommu *e, uint64_t ns)
{
	uint64_t max = __atomic_load_n(&e->cnt.group_wait_ns_max, __ATOMIC_RELAXED);
	unsigned int b = ns < 512 ? 0 : 63 - __builtin_clzll(ns >> 8);

	EMU_ADD(e, group_wait_ns_total, ns);
	while (ns > max && !__atomic_compare_exchange_n(&e->cnt.group_wait_ns_max, &max, ns,
			false, __ATOMIC_RELAXED, __ATOMIC_RELAXED))
		;
	EMU_INC(e, group_wait_hist[RTE_MIN(b, SVA_EMU_WAIT_HIST_BUCKETS - 1u)]);
}

/* Send d->reqs[0 .. nreqs) as group idx (marked in inuse); f describes it after. */
static void
grp_send(struct emu_dev *d, struct emu_flight *f, uint64_t *inuse, unsigned int idx, bool pv,
		uint32_t pasid)
{
	struct emu_iommu *e = d->e;
	uint64_t out, max;

	if (e->inj.delay_us != 0)
		sleep_ns(e->inj.delay_us * 1000);
	pthread_mutex_lock(&e->devlock);
	d->prg[idx].pasid = pv ? pasid : 0;
	d->prg[idx].pasid_valid = pv;
	d->prg[idx].code = 0;
	__atomic_store_n(&d->prg[idx].state, EMU_PRG_OUTSTANDING, __ATOMIC_RELEASE);
	for (unsigned int i = 0; i < d->nreqs; i++) {
		struct sva_fault_page_req *pr = &d->reqs[i];

		/* nest_flags: which stage of a nested walk faulted (side information) */
		pr->flags = d->nest_flags | (pv ? SVA_FAULT_PR_PASID_VALID : 0) |
			(i == d->nreqs - 1 ? SVA_FAULT_PR_LAST_PAGE : 0);
		pr->pasid = pv ? pasid : 0;
		pr->grpid = idx;
		pr->dev_id = d->rid;
		pr->timestamp = rte_rdtsc();
		emu_prq_send(e, pr);
	}
	pthread_mutex_unlock(&e->devlock);
	inuse[idx / 64] |= UINT64_C(1) << (idx % 64);
	f->addr = d->reqs[0].addr;
	f->perm = d->reqs[0].perm;
	f->last = d->reqs[d->nreqs - 1];
	f->idx = idx;
	f->pasid = pasid;
	f->nreqs = d->nreqs;
	f->t0 = now_ns();
	EMU_ADD(e, page_reqs, d->nreqs);
	EMU_INC(e, groups);
	out = __atomic_add_fetch(&e->cnt.groups_outstanding, 1, __ATOMIC_RELAXED);
	max = __atomic_load_n(&e->cnt.groups_outstanding_max, __ATOMIC_RELAXED);
	while (out > max && !__atomic_compare_exchange_n(&e->cnt.groups_outstanding_max, &max,
			out, false, __ATOMIC_RELAXED, __ATOMIC_RELAXED))
		;
}

/*
 * The answer of group f: 1 (answered, *code set, f's index released from inuse), 0 (not
 * yet, and block is false), -ETIMEDOUT or -ESHUTDOWN (given up: the group is marked timed
 * out and released). Blocking, it spins for EMU_SPIN_NS, then sleeps with a doubling
 * interval.
 */
static int
grp_collect(struct emu_dev *d, const struct emu_flight *f, uint64_t *inuse, bool block,
		uint32_t *code)
{
	struct emu_iommu *e = d->e;
	struct emu_prg *p = &d->prg[f->idx];
	uint64_t deadline = f->t0 + (uint64_t)d->timeout_ms * 1000000u;
	uint64_t spin_end = 0, nap = EMU_SLEEP_MIN_NS;

	for (;;) {
		uint64_t t;

		if (__atomic_load_n(&p->state, __ATOMIC_ACQUIRE) == EMU_PRG_ANSWERED) {
			*code = p->code;
			wait_account(e, now_ns() - f->t0);
			if (e->inj.stop_every != 0) {
				pthread_mutex_lock(&e->devlock);
				emu_prq_stop_marker(e, &f->last);
				pthread_mutex_unlock(&e->devlock);
			}
			inuse[f->idx / 64] &= ~(UINT64_C(1) << (f->idx % 64));
			return 1;
		}
		if (pthread_mutex_trylock(&e->devlock) == 0) {
			emu_resp_pump(e);
			pthread_mutex_unlock(&e->devlock);
			if (__atomic_load_n(&p->state, __ATOMIC_ACQUIRE) == EMU_PRG_ANSWERED)
				continue;
		}
		t = now_ns();
		if (t >= deadline || __atomic_load_n(&d->stop, __ATOMIC_ACQUIRE)) {
			bool timed_out = false;

			pthread_mutex_lock(&e->devlock);
			emu_resp_pump(e);
			if (__atomic_load_n(&p->state, __ATOMIC_ACQUIRE) == EMU_PRG_OUTSTANDING) {
				__atomic_store_n(&p->state, EMU_PRG_TIMED_OUT, __ATOMIC_RELEASE);
				__atomic_fetch_sub(&e->cnt.groups_outstanding, 1, __ATOMIC_RELAXED);
				timed_out = true;
			}
			pthread_mutex_unlock(&e->devlock);
			if (!timed_out)
				continue;
			inuse[f->idx / 64] &= ~(UINT64_C(1) << (f->idx % 64));
			if (t < deadline)
				return -ESHUTDOWN;
			EMU_INC(e, group_timeouts);
			EMU_LOG(DEBUG, "dev 0x%x: group %u (%u pages from 0x%" PRIx64 ") not answered "
				"in %u ms", d->rid, f->idx, f->nreqs, f->addr, d->timeout_ms);
			return -ETIMEDOUT;
		}
		if (!block)
			return 0;
		if (spin_end == 0)
			spin_end = t + EMU_SPIN_NS;
		if (t < spin_end) {
			for (int i = 0; i < 16; i++)
				rte_pause();
		} else {
			sleep_ns(nap);
			nap = RTE_MIN(nap * 2, (uint64_t)EMU_SLEEP_MAX_NS);
		}
	}
}

/* A Failure (or reserved) response code: PRI is off on the dev until reset. */
static void
pri_failure(struct emu_dev *d, uint32_t code)
{
	__atomic_store_n(&d->pri_disabled, 1, __ATOMIC_RELEASE);
	EMU_INC(d->e, pri_failures);
	EMU_LOG(NOTICE, "dev 0x%x: Response Failure (code 0x%x) for a group: PRI disabled "
		"until sva_emu_dev_reset()", d->rid, code);
}

/* ---- stall model (stall=1) ---- */

/* A STAG not holding a stalled transaction, round robin (so that a late resume rarely
 * finds its tag in use again); one the device gave up on only when no other is free. */
static int
stag_alloc(struct emu_dev *d)
{
	int fallback = -1;

	for (uint32_t k = 0; k < d->stall_tags; k++) {
		uint32_t i = (d->stag_next + k) % d->stall_tags;
		uint32_t st = __atomic_load_n(&d->stag[i].state, __ATOMIC_ACQUIRE);

		if (st == EMU_PRG_FREE || st == EMU_PRG_ANSWERED) {
			d->stag_next = i + 1;
			return (int)i;
		}
		if (st == EMU_PRG_TIMED_OUT && fallback < 0)
			fallback = (int)i;
	}
	if (fallback >= 0)
		d->stag_next = (uint32_t)fallback + 1;
	return fallback;
}

/*
 * Stall the access at addr (perm READ or WRITE) and wait for its resume: 1 (resumed:
 * *code Success = Retry, Invalid = Abort or CMD_STALL_TERM, Failure = Terminate),
 * -ETIMEDOUT (not resumed within timeout_ms), -ESHUTDOWN (the dev is closing), -ENOSPC
 * (no STAG at all). reason: F_TRANSLATION or F_PERMISSION (SVA_FAULT_REASON_*).
 */
static int
stall_access(struct emu_dev *d, bool pv, uint32_t pasid, uint64_t addr, uint32_t perm,
		uint32_t reason, uint32_t *code)
{
	struct emu_iommu *e = d->e;
	struct sva_fault_unrecov ev = {
		.reason = reason,
		.flags = (pv ? SVA_FAULT_UNRECOV_PASID_VALID : 0) | SVA_FAULT_UNRECOV_ADDR_VALID |
			SVA_FAULT_UNRECOV_STALL,
		.pasid = pv ? pasid : 0,
		.perm = perm,
		.addr = addr,
		.dev_id = d->rid,
	};
	uint64_t t0 = now_ns(), deadline = t0 + (uint64_t)d->timeout_ms * 1000000u;
	uint64_t spin_end = t0 + EMU_SPIN_NS, nap = EMU_SLEEP_MIN_NS;
	bool written = false;
	struct emu_stag *t;
	int idx, ret;

	idx = stag_alloc(d);
	if (idx < 0)
		return -ENOSPC;
	t = &d->stag[idx];
	ev.stag = (uint32_t)idx;
	for (;;) {
		uint64_t now;

		if (!written) {
			/* the event is written before the tag is outstanding: a resume for it
			 * cannot come earlier */
			pthread_mutex_lock(&e->devlock);
			t->code = 0;
			__atomic_store_n(&t->state, EMU_PRG_OUTSTANDING, __ATOMIC_RELEASE);
			ev.timestamp = rte_rdtsc();
			ret = e->ops->evtq_write(e->q, &ev);
			if (ret == 0) {
				written = true;
				EMU_INC(e, stalls);
				EMU_INC(e, stalls_outstanding);
			} else {
				__atomic_store_n(&t->state, EMU_PRG_FREE, __ATOMIC_RELEASE);
			}
			pthread_mutex_unlock(&e->devlock);
			if (!written) {
				if (ret != -EAGAIN) {
					EMU_LOG(ERR, "dev 0x%x: stall record refused by the model: %s",
						d->rid, strerror(-ret));
					return -ENOSPC;
				}
				EMU_INC(e, stall_evtq_full);
			}
		}
		if (written && __atomic_load_n(&t->state, __ATOMIC_ACQUIRE) == EMU_PRG_ANSWERED) {
			*code = t->code;
			return 1;
		}
		if (written && pthread_mutex_trylock(&e->devlock) == 0) {
			emu_resp_pump(e);
			pthread_mutex_unlock(&e->devlock);
			if (__atomic_load_n(&t->state, __ATOMIC_ACQUIRE) == EMU_PRG_ANSWERED)
				continue;
		}
		now = now_ns();
		if (now >= deadline || __atomic_load_n(&d->stop, __ATOMIC_ACQUIRE)) {
			bool gave_up = !written;

			if (written) {
				pthread_mutex_lock(&e->devlock);
				emu_resp_pump(e);
				if (__atomic_load_n(&t->state, __ATOMIC_ACQUIRE) ==
						EMU_PRG_OUTSTANDING) {
					/* still stalled in the SMMU: the tag stays taken until a
					 * resume (late) or CMD_STALL_TERM comes */
					__atomic_store_n(&t->state, EMU_PRG_TIMED_OUT, __ATOMIC_RELEASE);
					__atomic_fetch_sub(&e->cnt.stalls_outstanding, 1,
						__ATOMIC_RELAXED);
					gave_up = true;
				}
				pthread_mutex_unlock(&e->devlock);
			}
			if (!gave_up)
				continue;
			if (now < deadline)
				return -ESHUTDOWN;
			EMU_INC(e, stall_timeouts);
			EMU_LOG(DEBUG, "dev 0x%x: stall at 0x%" PRIx64 " (STAG %d) not resumed in %u ms",
				d->rid, addr, idx, d->timeout_ms);
			return -ETIMEDOUT;
		}
		if (now < spin_end) {
			for (int i = 0; i < 16; i++)
				rte_pause();
		} else {
			sleep_ns(nap);
			nap = RTE_MIN(nap * 2, (uint64_t)EMU_SLEEP_MAX_NS);
		}
	}
}

/* ---- jobs ---- */

struct emu_stream {
	uint64_t base;
	uint32_t perm;
};

struct emu_result {
	uint32_t status;
	uint32_t fault_perm;
	uint64_t fault_addr;
	uint64_t bytes_done;
	uint64_t result;
	uint64_t page_reqs;
};

static bool
attached(const struct emu_dev *d, bool pv, uint32_t pasid)
{
	if (__atomic_load_n(&d->all_attached, __ATOMIC_ACQUIRE))
		return true;
	if (!pv)
		return __atomic_load_n(&d->rid_attached, __ATOMIC_ACQUIRE);
	if (pasid / 64 >= d->pasid_words)
		return false;
	return __atomic_load_n(&d->pasid_map[pasid / 64], __ATOMIC_ACQUIRE) &
		(UINT64_C(1) << (pasid % 64));
}

/* process_vm_readv/writev on our own pid: EFAULT instead of SIGSEGV. */
static uint64_t
vm_rw(struct emu_dev *d, bool write, void *local, uint64_t remote, uint64_t n)
{
	struct iovec l = { .iov_base = local, .iov_len = n };
	struct iovec r = { .iov_base = (void *)(uintptr_t)remote, .iov_len = n };
	ssize_t x;

	x = write ? process_vm_writev(d->e->pid, &l, 1, &r, 1, 0) :
		process_vm_readv(d->e->pid, &l, 1, &r, 1, 0);
	if (x < 0)
		x = 0;
	if ((uint64_t)x < n)
		EMU_INC(d->e, access_faults);
	return (uint64_t)x;
}

/*
 * Move n accessible bytes at offset off. Returns the bytes done; when fewer than n,
 * *fail is the stream whose access was refused. Compare: *diff set when a difference
 * was found (bytes done then counts up to it).
 */
static uint64_t
do_access(struct emu_dev *d, const struct sva_emu_desc *desc, const struct emu_stream *s,
		uint64_t off, uint64_t n, int *fail, bool *diff)
{
	uint8_t *b0 = d->bounce, *b1 = d->bounce + EMU_CHUNK;
	uint64_t r, w, m;

	switch (desc->op) {
	case SVA_EMU_OP_COPY:
		r = vm_rw(d, false, b0, s[0].base + off, n);
		w = r > 0 ? vm_rw(d, true, b0, s[1].base + off, r) : 0;
		*fail = w < r ? 1 : 0;
		return w;
	case SVA_EMU_OP_FILL:
		/* b1 holds the pattern from byte 0 of the job: start at this offset's phase */
		*fail = 0;
		return vm_rw(d, true, b1 + off % 8, s[0].base + off, n);
	default: /* compare */
		r = vm_rw(d, false, b0, s[0].base + off, n);
		w = vm_rw(d, false, b1, s[1].base + off, n);
		m = RTE_MIN(r, w);
		*fail = r < n ? 0 : 1;
		if (memcmp(b0, b1, m) != 0) {
			uint64_t i = 0;

			while (b0[i] == b1[i])
				i++;
			*diff = true;
			return i;
		}
		return m;
	}
}

static void
complete(struct emu_dev *d, const struct emu_job *job, const struct emu_result *res)
{
	struct emu_iommu *e = d->e;
	struct sva_emu_comp *c = job->comp;

	/* counted before the status is published: a waiter reads them right after */
	EMU_INC(e, jobs);
	EMU_ADD(e, bytes, res->bytes_done);
	if (res->status == SVA_EMU_STATUS_SUCCESS) {
		EMU_INC(e, jobs_ok);
	} else {
		EMU_INC(e, jobs_failed);
		if (res->bytes_done > 0 && res->bytes_done < job->desc.len)
			EMU_INC(e, jobs_partial);
	}
	c->fault_perm = res->fault_perm;
	c->fault_addr = res->fault_addr;
	c->bytes_done = res->bytes_done;
	c->result = res->result;
	c->page_reqs = res->page_reqs;
	__atomic_store_n(&c->status, res->status, __ATOMIC_SEQ_CST);
	/* waiters sleep on the status word; skip the system call when nobody does */
	if (__atomic_load_n(&d->waiters, __ATOMIC_SEQ_CST) > 0)
		futex(&c->status, FUTEX_WAKE_PRIVATE, INT_MAX, NULL);
}

static void
fail_at(struct emu_result *res, uint32_t status, uint64_t addr, uint32_t perm, uint64_t off)
{
	res->status = status;
	res->fault_addr = addr;
	res->fault_perm = perm;
	res->bytes_done = off;
}

/* The job offset of the first byte of a stream's page that the job touches. */
static uint64_t
job_off(const struct emu_stream *s, uint64_t page)
{
	return page > s->base ? page - s->base : 0;
}

/*
 * Gather into d->reqs the missing pages of the streams from job offset off (within
 * [off, lim)), in job-offset order, up to prg_window pages (1 when single): the whole
 * window goes to whichever stream has missing pages, and a window where both have
 * some is shared at the same offsets. With last (read-ahead), pages below last[i] (the
 * end of the last page asked for on stream i, a huge page's end for a huge page) were
 * asked for already and are skipped, and last moves on.
 * *wend: the job offset before which every missing page of every stream is now asked
 * for (or was). Returns false when a walk met a hole (outside every mapping).
 */
static bool
build_group(struct emu_dev *d, const struct emu_stream *s, unsigned int ns, uint64_t off,
		uint64_t lim, bool single, uint64_t *last, uint64_t *wend)
{
	uint64_t pages[2][EMU_PRG_COUNT], ends[2][EMU_PRG_COUNT];
	uint64_t wlen = RTE_MIN(lim - off, (uint64_t)d->prg_window * EMU_PAGE_SIZE);
	uint64_t end = off + wlen;
	unsigned int room = single ? 1 : d->prg_window, got[2] = { 0, 0 }, at[2] = { 0, 0 };
	bool mapped = true;

	d->nreqs = 0;
	for (unsigned int i = 0; i < ns; i++) {
		enum emu_miss stop;
		unsigned int n = emu_walk_missing(d, s[i].base + off, wlen, s[i].perm, pages[i],
			room, &stop);

		if (stop == EMU_MISS_UNMAPPED)
			mapped = false;
		/* (page ends while this walk is the one the walker holds) */
		if (n == room)   /* maybe more beyond the last one */
			end = RTE_MIN(end, job_off(&s[i], emu_walk_page_end(d, pages[i][n - 1])));
		for (unsigned int j = 0; j < n; j++) {
			if (last != NULL && pages[i][j] < last[i])
				continue;
			ends[i][got[i]] = last != NULL ? emu_walk_page_end(d, pages[i][j]) : 0;
			pages[i][got[i]++] = pages[i][j];
		}
	}
	while (d->nreqs < room) {
		int pick = -1;

		for (unsigned int i = 0; i < ns; i++)
			if (at[i] < got[i] && (pick < 0 || job_off(&s[i], pages[i][at[i]]) <
					job_off(&s[pick], pages[pick][at[pick]])))
				pick = (int)i;
		if (pick < 0 || job_off(&s[pick], pages[pick][at[pick]]) >= end)
			break;
		d->reqs[d->nreqs].addr = pages[pick][at[pick]++];
		d->reqs[d->nreqs].perm = s[pick].perm;
		d->nreqs++;
	}
	for (unsigned int i = 0; i < ns; i++) {
		if (at[i] < got[i])
			end = RTE_MIN(end, job_off(&s[i], pages[i][at[i]]));
		if (last != NULL && at[i] > 0)
			last[i] = ends[i][at[i] - 1];
	}
	*wend = end;
	return mapped;
}

/*
 * The groups one copy-engine job keeps in flight (read-ahead), oldest first. Once a
 * group of the job was answered Success (before that, one group at a time: a job whose
 * first answer is Invalid or Failure sends nothing more), before each access and
 * before each wait the device walks the windows after those already asked for and
 * sends their missing pages, up to depth groups in flight: the fault path resolves them
 * while the device copies.
 */
struct emu_pipe {
	struct emu_flight fl[EMU_PR_DEPTH_MAX];
	uint64_t inuse[EMU_PRG_COUNT / 64];  /* PRG indices of groups not yet collected */
	uint64_t last[2];     /* the end of the last page asked for, per stream */
	uint64_t next;        /* job offset up to which missing pages are asked for */
	unsigned int head, n, depth;
	bool active;          /* a group was answered Success: read ahead from now on */
	bool ended;           /* no more read-ahead (a hole ahead, PRI off) */
	bool failure;         /* a read-ahead group was answered Failure */
};

static struct emu_flight *
pipe_front(struct emu_pipe *p)
{
	return &p->fl[p->head];
}

static void
pipe_pop(struct emu_pipe *p)
{
	p->head = (p->head + 1) % EMU_PR_DEPTH_MAX;
	p->n--;
}

/* Send groups from p->next while fewer than max are in flight. */
static void
pipe_fill(struct emu_dev *d, struct emu_pipe *p, const struct emu_stream *s, unsigned int ns,
		uint64_t len, bool pv, uint32_t pasid, unsigned int max, struct emu_result *res)
{
	/* windows walked per call at most: present memory ahead costs walks, not waits */
	unsigned int walks = 2 * p->depth;

	while (!p->ended && p->n < max && p->next < len && walks-- > 0) {
		struct emu_flight *f;
		uint64_t wend;
		int idx;

		if (__atomic_load_n(&d->pri_disabled, __ATOMIC_ACQUIRE)) {
			p->ended = true;
			break;
		}
		if (!build_group(d, s, ns, p->next, len, false, p->last, &wend))
			p->ended = true;   /* the access there fails; nothing to ask beyond */
		if (d->nreqs > 0) {
			idx = prg_alloc(d, p->inuse, false);
			if (idx < 0) {
				p->ended = true;
				break;
			}
			f = &p->fl[(p->head + p->n) % EMU_PR_DEPTH_MAX];
			grp_send(d, f, p->inuse, (unsigned int)idx, pv, pasid);
			f->woff = p->next;
			f->wend = wend;
			p->n++;
			res->page_reqs += d->nreqs;
		}
		if (wend <= p->next)
			break;   /* no progress (a page before the offset): later */
		p->next = wend;
	}
}

/* Wait for every group still in flight (a job ends only with none outstanding). */
static void
pipe_drain(struct emu_dev *d, struct emu_pipe *p)
{
	while (p->n > 0) {
		uint32_t code = 0;

		if (grp_collect(d, pipe_front(p), p->inuse, true, &code) > 0 &&
				code != SVA_PAGE_RESP_SUCCESS && code != SVA_PAGE_RESP_INVALID &&
				!__atomic_load_n(&d->pri_disabled, __ATOMIC_ACQUIRE))
			pri_failure(d, code);
		pipe_pop(p);
	}
}

/* ---- nested (vSVA) jobs: addresses are guest virtual ---- */

/* A non-recoverable nested fault: the model's own event code (VT-d fault reason,
 * SMMUv3 event number: C_BAD_CD, C_BAD_SUBSTREAMID, F_CD_FETCH, ...). */
static void
write_nested_event(struct emu_dev *d, uint32_t pasid, uint64_t gva, uint32_t perm,
		const struct emu_nx *x)
{
	struct emu_iommu *e = d->e;
	struct sva_fault_unrecov ev = {
		.reason = x->reason,
		/* which stage: side information the model keeps beside the record */
		.flags = SVA_FAULT_UNRECOV_PASID_VALID | SVA_FAULT_UNRECOV_ADDR_VALID |
			(x->fetch != 0 ? SVA_FAULT_UNRECOV_FETCH_ADDR_VALID : 0) | x->ev_flags,
		.pasid = pasid,
		.perm = perm,
		.addr = gva,
		.fetch_addr = x->fetch,
		.dev_id = d->rid,
		.hw_event = x->hw_event,
		.timestamp = rte_rdtsc(),
		.gpa = x->ev_gpa,
	};
	int ret;

	pthread_mutex_lock(&e->devlock);
	ret = e->ops->evtq_write(e->q, &ev);
	pthread_mutex_unlock(&e->devlock);
	EMU_INC(e, nested_events);
	if (ret == 0)
		EMU_INC(e, events);
	else
		EMU_INC(e, events_dropped);
	EMU_LOG(DEBUG, "dev 0x%x PASID %u: nested fault at GVA 0x%" PRIx64 ": %s (event 0x%x%s)",
		d->rid, pasid, gva, x->why != NULL ? x->why : "?", x->hw_event,
		ret == 0 ? "" : ", not recorded: event queue full");
}

/*
 * A job on a nested PASID (emu_vsva_nested): every address of the descriptor is a guest
 * virtual address. Per step: each stream's GVA through the first level (the IOTLB, or a
 * walk of the guest's tables in guest RAM), the GPA through the second level (guest RAM
 * in this process: the host walk), then the access at the host address, up to the end
 * of the first-level page. A first-level fault is a page request for the VMM
 * (SVA_FAULT_PR_NESTED_S1, addr = the GVA); a second-level miss — a table, CD or data
 * page of guest RAM not present — one for svapoll (SVA_FAULT_PR_NESTED_S2, gpa, addr =
 * ram.base + gpa). The hardware entry carries the GVA in both cases (the untranslated
 * address the device asked for). One page per group, one group at a time: a nested
 * walk stops at its first miss, so there is nothing to read ahead.
 */
static void
run_nested_job(struct emu_dev *d, const struct emu_job *job, const struct emu_stream *s,
		unsigned int ns)
{
	const struct sva_emu_desc *desc = &job->desc;
	struct emu_iommu *e = d->e;
	const uint32_t pasid = desc->pasid;
	struct emu_result res = { .status = SVA_EMU_STATUS_SUCCESS };
	uint64_t inuse[EMU_PRG_COUNT / 64] = { 0 };
	uint64_t off = 0, len = desc->len;
	uint64_t snp_key[3] = { UINT64_MAX, 0, 0 };  /* stream, GVA page, GPA of the last
							 Success */
	unsigned int snp = 0, refused = 0;

	while (off < len) {
		struct emu_stream hs[2];
		struct emu_nx x[2];
		struct emu_flight f;
		uint64_t n = RTE_MIN(len - off, EMU_CHUNK), gva, key[3];
		uint32_t code = 0;
		int at = -1, idx, ret;

		for (unsigned int i = 0; i < ns && at < 0; i++) {
			emu_vsva_xlate(d, pasid, s[i].base + off, n, s[i].perm, &x[i]);
			if (x[i].kind != EMU_NX_OK) {
				at = (int)i;
				break;
			}
			n = RTE_MIN(n, x[i].avail);
			hs[i].base = x[i].hva - off;
			hs[i].perm = s[i].perm;
		}
		if (at < 0) {
			int fail = -1;
			bool diff = false;
			uint64_t done = do_access(d, desc, hs, off, n, &fail, &diff);

			off += done;
			if (diff) {
				res.result = 1;
				break;
			}
			if (done < n) {
				/* refused after the walk said yes: it vanished; walk again */
				emu_vsva_host_inval(d, pasid, hs[fail].base + off);
				if (++refused > EMU_SNP_RETRIES) {
					fail_at(&res, SVA_EMU_STATUS_PROTOCOL, s[fail].base + off,
						s[fail].perm, off);
					break;
				}
			} else {
				refused = 0;
			}
			continue;
		}
		gva = s[at].base + off;
		if (x[at].kind == EMU_NX_NOT_NESTED) {
			/* detached under the job */
			write_event(d, SVA_FAULT_REASON_PASID_INVALID, true, pasid, gva, s[at].perm);
			fail_at(&res, SVA_EMU_STATUS_UNRECOVERABLE, gva, s[at].perm, off);
			break;
		}
		if (x[at].kind == EMU_NX_EVENT) {
			write_nested_event(d, pasid, gva, s[at].perm, &x[at]);
			fail_at(&res, SVA_EMU_STATUS_UNRECOVERABLE, gva, s[at].perm, off);
			break;
		}
		if (d->stall || __atomic_load_n(&d->pri_disabled, __ATOMIC_ACQUIRE)) {
			if (e->pri_off)
				write_event(d, SVA_FAULT_REASON_TRANSLATION, true, pasid, gva,
					s[at].perm);
			fail_at(&res, SVA_EMU_STATUS_PRI_DISABLED, gva, s[at].perm, off);
			break;
		}
		/* the same miss right after a Success for it: the answer was wrong */
		key[0] = (uint64_t)at * 2 + (x[at].kind == EMU_NX_S2);
		key[1] = gva & ~(EMU_PAGE_SIZE - 1);
		key[2] = x[at].gpa;
		if (memcmp(key, snp_key, sizeof(key)) == 0) {
			EMU_INC(e, success_not_present);
			if (++snp > EMU_SNP_RETRIES) {
				EMU_LOG(NOTICE, "dev 0x%x PASID %u: GVA 0x%" PRIx64 " still faults "
					"(%s) after %u Success responses: failing the job", d->rid,
					pasid, key[1], x[at].kind == EMU_NX_S1 ? "first level" :
					"second level", snp);
				fail_at(&res, SVA_EMU_STATUS_PROTOCOL, gva, s[at].perm, off);
				break;
			}
		} else {
			snp = 0;
		}
		d->reqs[0] = (struct sva_fault_page_req){
			.addr = x[at].kind == EMU_NX_S1 ? key[1] : x[at].haddr,
			.perm = x[at].perm,
			.user_cookie = key[1],   /* the word's address: the GVA (emu_model.h) */
			.gpa = x[at].kind == EMU_NX_S2 ? x[at].gpa : 0,
		};
		d->nreqs = 1;
		idx = prg_alloc(d, inuse, true);
		if (idx < 0) {
			fail_at(&res, SVA_EMU_STATUS_TIMEOUT, gva, s[at].perm, off);
			break;
		}
		d->nest_flags = x[at].kind == EMU_NX_S1 ? SVA_FAULT_PR_NESTED_S1 :
			SVA_FAULT_PR_NESTED_S2;
		grp_send(d, &f, inuse, (unsigned int)idx, true, pasid);
		d->nest_flags = 0;
		res.page_reqs++;
		if (x[at].kind == EMU_NX_S1)
			EMU_INC(e, nested_s1_faults);
		else
			EMU_INC(e, nested_s2_faults);
		ret = grp_collect(d, &f, inuse, true, &code);
		if (ret == -ESHUTDOWN) {
			fail_at(&res, SVA_EMU_STATUS_ABORTED, gva, s[at].perm, off);
			break;
		}
		if (ret < 0) {
			fail_at(&res, SVA_EMU_STATUS_TIMEOUT, gva, s[at].perm, off);
			break;
		}
		if (code == SVA_PAGE_RESP_SUCCESS) {
			memcpy(snp_key, key, sizeof(key));
			continue;
		}
		if (code == SVA_PAGE_RESP_INVALID) {
			fail_at(&res, SVA_EMU_STATUS_PAGE_FAULT, gva, s[at].perm, off);
			break;
		}
		pri_failure(d, code);
		fail_at(&res, SVA_EMU_STATUS_PRI_FAILURE, gva, s[at].perm, off);
		break;
	}
	if (res.status == SVA_EMU_STATUS_SUCCESS)
		res.bytes_done = desc->op == SVA_EMU_OP_COMPARE && res.result ? off : len;
	pthread_mutex_lock(&d->wq_lock);
	d->wq_busy = 0;
	pthread_mutex_unlock(&d->wq_lock);
	complete(d, job, &res);
}

static void
run_job(struct emu_dev *d, const struct emu_job *job)
{
	const struct sva_emu_desc *desc = &job->desc;
	struct emu_iommu *e = d->e;
	bool pv = desc->flags & SVA_EMU_DESC_PASID_VALID;
	uint32_t key = pv ? desc->pasid : 0;
	struct emu_result res = { .status = SVA_EMU_STATUS_SUCCESS };
	struct emu_stream s[2];
	struct emu_pipe p;
	unsigned int ns;
	uint64_t off = 0, len = desc->len;
	uint64_t snp_off = UINT64_MAX, snp_addr = 0;  /* head of the last Success */
	unsigned int snp_retries = 0;
	int forced = -1;          /* stream whose access was refused at off */
	bool narrow = false;      /* after Invalid on a group of many: ask page by page */

	switch (desc->op) {
	case SVA_EMU_OP_COPY:
		s[0] = (struct emu_stream){ desc->src, SVA_FAULT_PERM_READ };
		s[1] = (struct emu_stream){ desc->dst, SVA_FAULT_PERM_WRITE };
		ns = 2;
		break;
	case SVA_EMU_OP_FILL:
		s[0] = (struct emu_stream){ desc->dst, SVA_FAULT_PERM_WRITE };
		ns = 1;
		/* only what the job can read (do_access(): off % 8 + at most min(len,
		 * EMU_CHUNK) bytes): a whole chunk cost ~140 us per job, which set the
		 * pace of one-page fills (the latency benchmark) at one per ~147 us */
		for (uint64_t i = 0, plen = RTE_MIN(len, EMU_CHUNK) + 8; i < plen; i++)
			d->bounce[EMU_CHUNK + i] = (uint8_t)(desc->pattern >> (8 * (i % 8)));
		break;
	default:
		s[0] = (struct emu_stream){ desc->src, SVA_FAULT_PERM_READ };
		s[1] = (struct emu_stream){ desc->dst, SVA_FAULT_PERM_READ };
		ns = 2;
		break;
	}
	emu_walk_job_start(d);
	if (emu_vsva_nested(d, pv, desc->pasid)) {
		run_nested_job(d, job, s, ns);
		return;
	}
	memset(&p, 0, sizeof(p));
	/* never more requests in flight than half the queue the other devs share */
	p.depth = RTE_MIN(d->pr_depth, e->qcfg.prq_depth / 2 / d->prg_window);
	if (p.depth == 0)
		p.depth = 1;

	while (off < len) {
		uint64_t n = RTE_MIN(len - off, EMU_CHUNK), ok = n, head_addr, wend;
		enum emu_miss kind = EMU_MISS_NONE;
		struct emu_flight one, *f;
		bool waited = false;
		unsigned int head = 0;
		uint32_t code = 0;
		int ret, idx;

		if (!attached(d, pv, desc->pasid)) {
			write_event(d, SVA_FAULT_REASON_PASID_INVALID, pv, desc->pasid,
				s[0].base + off, s[0].perm);
			fail_at(&res, SVA_EMU_STATUS_UNRECOVERABLE, s[0].base + off, s[0].perm, off);
			break;
		}
		/* read-ahead groups already answered: their slots take the next windows */
		if (p.n > 0 && pthread_mutex_trylock(&e->devlock) == 0) {
			emu_resp_pump(e);
			pthread_mutex_unlock(&e->devlock);
		}
		while (p.n > 0 && __atomic_load_n(&d->prg[pipe_front(&p)->idx].state,
				__ATOMIC_ACQUIRE) == EMU_PRG_ANSWERED) {
			grp_collect(d, pipe_front(&p), p.inuse, false, &code);
			pipe_pop(&p);
			if (code == SVA_PAGE_RESP_INVALID) {
				narrow = true;   /* which page? the walk at the head will tell */
				snp_off = UINT64_MAX;
			} else if (code != SVA_PAGE_RESP_SUCCESS) {
				/* counted once: the first Failure is the one that disables */
				if (!__atomic_load_n(&d->pri_disabled, __ATOMIC_ACQUIRE))
					pri_failure(d, code);
				p.failure = true;
			}
		}
		if (forced < 0) {
			for (unsigned int i = 0; i < ns && ok > 0; i++) {
				enum emu_miss m;
				uint64_t r = emu_translate(d, key, s[i].base + off, ok, s[i].perm, &m);

				if (r < ok || (r == 0 && m != EMU_MISS_NONE)) {
					ok = r;
					kind = m;
					head = i;
				}
			}
			if (ok > 0) {
				int fail = -1;
				bool diff = false;
				uint64_t done;

				/* nothing to ask for before off + ok: ask beyond, then copy */
				if (p.next < off + ok)
					p.next = off + ok;
				if (p.active && !narrow)
					pipe_fill(d, &p, s, ns, len, pv, desc->pasid, p.depth,
						&res);
				done = do_access(d, desc, s, off, ok, &fail, &diff);
				off += done;
				if (diff) {
					res.result = 1;
					break;
				}
				if (done < ok) {
					/* refused after a walk said yes: it vanished, or the VMA
					 * forbids the access: a translation fault */
					forced = fail;
					emu_iotlb_inval(&e->iotlb[d->slot], key, false,
						s[fail].base + off, EMU_PAGE_SIZE);
				}
				continue;
			}
			/* stall model: the SMMU knows page tables, not mappings: a hole is a
			 * translation fault like any other, stalled below */
			if (kind == EMU_MISS_UNMAPPED && !d->stall) {
				write_event(d, SVA_FAULT_REASON_TRANSLATION, pv, desc->pasid,
					s[head].base + off, s[head].perm);
				fail_at(&res, SVA_EMU_STATUS_UNRECOVERABLE, s[head].base + off,
					s[head].perm, off);
				break;
			}
		} else {
			head = forced;
		}
		head_addr = s[head].base + off;

		if (p.failure) {
			/* a read-ahead group was answered Failure: the job ends at its head */
			fail_at(&res, SVA_EMU_STATUS_PRI_FAILURE, head_addr, s[head].perm, off);
			break;
		}
		/* a Success answered for this very page, and it is still missing */
		if (off == snp_off && (head_addr & ~(EMU_PAGE_SIZE - 1)) == snp_addr) {
			EMU_INC(e, success_not_present);
			if (++snp_retries > EMU_SNP_RETRIES) {
				EMU_LOG(NOTICE, "dev 0x%x: page 0x%" PRIx64 " still not present after %u "
					"Success responses: failing the job", d->rid, snp_addr,
					snp_retries);
				fail_at(&res, SVA_EMU_STATUS_PROTOCOL, head_addr, s[head].perm, off);
				break;
			}
		} else if (off != snp_off) {
			snp_retries = 0;
		}
		if (d->stall) {
			/* stall the access at the head, one page; wait for its CMD_RESUME */
			uint32_t reason = SVA_FAULT_REASON_TRANSLATION;
			enum emu_miss m2;

			/* present but without the access (a write to a read-only or zero page,
			 * or refused after the walk said yes): a permission fault (7.3.16) */
			if (forced >= 0 || (s[head].perm == SVA_FAULT_PERM_WRITE &&
					emu_translate(d, key, head_addr, 1, SVA_FAULT_PERM_READ,
						&m2) > 0))
				reason = SVA_FAULT_REASON_PERMISSION;
			forced = -1;
			ret = stall_access(d, pv, desc->pasid, head_addr, s[head].perm, reason,
				&code);
			if (ret == -ESHUTDOWN) {
				fail_at(&res, SVA_EMU_STATUS_ABORTED, head_addr, s[head].perm, off);
				break;
			}
			if (ret < 0) {
				fail_at(&res, SVA_EMU_STATUS_TIMEOUT, head_addr, s[head].perm, off);
				break;
			}
			if (code != SVA_PAGE_RESP_SUCCESS) {
				fail_at(&res, SVA_EMU_STATUS_STALL_ABORT, head_addr, s[head].perm,
					off);
				break;
			}
			/* Retry: walk again; a page still missing after it is counted */
			snp_off = off;
			snp_addr = head_addr & ~(EMU_PAGE_SIZE - 1);
			continue;
		}
		if (__atomic_load_n(&d->pri_disabled, __ATOMIC_ACQUIRE)) {
			/* no PRI at all (pri=off): the IOMMU reports the translation fault */
			if (e->pri_off)
				write_event(d, SVA_FAULT_REASON_TRANSLATION, pv, desc->pasid,
					head_addr, s[head].perm);
			fail_at(&res, SVA_EMU_STATUS_PRI_DISABLED, head_addr, s[head].perm, off);
			break;
		}
		if (forced < 0 && !narrow && off >= p.next) {
			/* the first missing page, or past everything asked for: ask from here */
			p.next = off;
			pipe_fill(d, &p, s, ns, len, pv, desc->pasid, p.active ? p.depth : 1,
				&res);
		}
		if (forced < 0 && p.n > 0 && pipe_front(&p)->woff <= off) {
			/* the oldest group in flight asks for this page: wait for it, with the
			 * next windows asked for meanwhile */
			if (p.active && !narrow)
				pipe_fill(d, &p, s, ns, len, pv, desc->pasid, p.depth, &res);
			f = pipe_front(&p);
			ret = grp_collect(d, f, p.inuse, true, &code);
			one = *f;
			pipe_pop(&p);
			waited = true;
		} else {
			/* asked for before and missing again (Invalid, a refused access, a
			 * Success that did not make it present): ask for it now, alone or with
			 * the rest of its window before the groups in flight */
			if (forced >= 0) {
				d->reqs[0].addr = head_addr & ~(EMU_PAGE_SIZE - 1);
				d->reqs[0].perm = s[head].perm;
				d->nreqs = 1;
			} else {
				build_group(d, s, ns, off, p.n > 0 ? pipe_front(&p)->woff : len,
					narrow, NULL, &wend);
				if (d->nreqs == 0) {
					/* the walks disagree (the page changed in between): ask
					 * for the head alone rather than walk in circles */
					d->reqs[0].addr = head_addr & ~(EMU_PAGE_SIZE - 1);
					d->reqs[0].perm = s[head].perm;
					d->nreqs = 1;
				}
			}
			idx = prg_alloc(d, p.inuse, true);
			if (idx < 0) {
				fail_at(&res, SVA_EMU_STATUS_TIMEOUT, head_addr, s[head].perm, off);
				break;
			}
			grp_send(d, &one, p.inuse, (unsigned int)idx, pv, desc->pasid);
			res.page_reqs += d->nreqs;
			ret = grp_collect(d, &one, p.inuse, true, &code);
		}
		forced = -1;
		if (ret == -ESHUTDOWN) {
			fail_at(&res, SVA_EMU_STATUS_ABORTED, head_addr, s[head].perm, off);
			break;
		}
		if (ret < 0) {
			fail_at(&res, SVA_EMU_STATUS_TIMEOUT, head_addr, s[head].perm, off);
			break;
		}
		if (code == SVA_PAGE_RESP_SUCCESS) {
			/* Success-but-not-present is judged on a group that asked for the head
			 * (an older read-ahead group may end before it) */
			if (!waited || (one.woff <= off && off < one.wend)) {
				snp_off = off;
				snp_addr = head_addr & ~(EMU_PAGE_SIZE - 1);
			}
			p.active = true;
			if (!waited && one.nreqs == 1)
				narrow = false;
			continue;
		}
		if (code == SVA_PAGE_RESP_INVALID) {
			if (one.nreqs > 1 || one.addr != (head_addr & ~(EMU_PAGE_SIZE - 1)) ||
					one.perm != s[head].perm) {
				/* which page was it? proceed over what became present, then ask
				 * for the first missing page alone */
				narrow = true;
				snp_off = UINT64_MAX;
				continue;
			}
			fail_at(&res, SVA_EMU_STATUS_PAGE_FAULT, head_addr, s[head].perm, off);
			break;
		}
		/* Failure, or a reserved code (PCIe treats those as Failure) */
		pri_failure(d, code);
		fail_at(&res, SVA_EMU_STATUS_PRI_FAILURE, head_addr, s[head].perm, off);
		break;
	}
	pipe_drain(d, &p);
	if (res.status == SVA_EMU_STATUS_SUCCESS)
		res.bytes_done = desc->op == SVA_EMU_OP_COMPARE && res.result ? off : len;
	/* The slot is free before the status says done: a waiter that submits at once
	 * must find room (wq_depth jobs waited for, wq_depth more accepted). */
	pthread_mutex_lock(&d->wq_lock);
	d->wq_busy = 0;
	pthread_mutex_unlock(&d->wq_lock);
	complete(d, job, &res);
}

/* ---- SVA_EMU_OP_PAGE_REQUEST: page requests without a walk, pipelined ---- */

static void
pr_send(struct emu_dev *d, struct emu_flight *f, uint64_t *inuse, unsigned int idx, bool pv,
		uint32_t pasid, uint64_t addr, unsigned int n)
{
	for (unsigned int i = 0; i < n; i++) {
		d->reqs[i].addr = addr + (uint64_t)i * EMU_PAGE_SIZE;
		d->reqs[i].perm = SVA_FAULT_PERM_WRITE;
	}
	d->nreqs = n;
	grp_send(d, f, inuse, idx, pv, pasid);
}

static void
run_page_requests(struct emu_dev *d, const struct emu_job *job)
{
	const struct sva_emu_desc *desc = &job->desc;
	struct emu_iommu *e = d->e;
	bool pv = desc->flags & SVA_EMU_DESC_PASID_VALID;
	uint64_t first = desc->dst & ~(EMU_PAGE_SIZE - 1);
	uint64_t npages = (desc->dst + desc->len - first + EMU_PAGE_SIZE - 1) >> EMU_PAGE_SHIFT;
	uint32_t npasids = desc->pr_pasids > 1 ? (uint32_t)desc->pr_pasids : 1;
	uint32_t window = d->prg_window;
	uint64_t max_inflight = desc->pr_inflight != 0 ? desc->pr_inflight : EMU_PRG_COUNT;
	struct emu_result res = { .status = SVA_EMU_STATUS_SUCCESS };
	struct emu_flight fl[EMU_PRG_COUNT];
	uint64_t inuse[EMU_PRG_COUNT / 64] = { 0 };
	uint64_t sent = 0, groups = 0, head = 0, tail = 0, qcap;
	bool halt = false;

	/* never more requests in flight than half the queue: the queue stays open to the
	 * other devs behind the iommu */
	qcap = e->qcfg.prq_depth / 2 / window;
	if (qcap == 0)
		qcap = 1;
	if (max_inflight > qcap)
		max_inflight = qcap;
	for (uint32_t i = 0; i < npasids; i++) {
		if (!attached(d, pv, desc->pasid + i)) {
			write_event(d, SVA_FAULT_REASON_PASID_INVALID, pv, desc->pasid + i, first,
				SVA_FAULT_PERM_WRITE);
			fail_at(&res, SVA_EMU_STATUS_UNRECOVERABLE, first, SVA_FAULT_PERM_WRITE, 0);
			complete(d, job, &res);
			return;
		}
	}
	/* a stall-mode device has no PRI to send page requests with */
	if (d->stall || __atomic_load_n(&d->pri_disabled, __ATOMIC_ACQUIRE)) {
		fail_at(&res, SVA_EMU_STATUS_PRI_DISABLED, first, SVA_FAULT_PERM_WRITE, 0);
		complete(d, job, &res);
		return;
	}
	while (head != tail || (sent < npages && !halt)) {
		const struct emu_flight *f;
		bool block = true;
		uint32_t code = 0;
		int idx = -1, r;

		if (sent < npages && !halt && tail - head < max_inflight)
			idx = prg_alloc(d, inuse, false);
		if (idx >= 0) {
			struct emu_flight *n = &fl[tail++ % EMU_PRG_COUNT];
			unsigned int cnt = (unsigned int)RTE_MIN((uint64_t)window, npages - sent);

			pr_send(d, n, inuse, (unsigned int)idx, pv,
				desc->pasid + (uint32_t)(groups++ % npasids),
				first + sent * EMU_PAGE_SIZE, cnt);
			sent += cnt;
			res.page_reqs += cnt;
			block = false;   /* keep sending while there is room */
		}
		if (head == tail)
			continue;
		f = &fl[head % EMU_PRG_COUNT];
		r = grp_collect(d, f, inuse, block, &code);
		if (r == 0)
			continue;
		head++;
		if (halt || (r > 0 && code == SVA_PAGE_RESP_SUCCESS))
			continue;
		halt = true;   /* the first group in order that was not a Success */
		if (r == -ESHUTDOWN) {
			fail_at(&res, SVA_EMU_STATUS_ABORTED, f->addr, SVA_FAULT_PERM_WRITE, 0);
		} else if (r < 0) {
			fail_at(&res, SVA_EMU_STATUS_TIMEOUT, f->addr, SVA_FAULT_PERM_WRITE, 0);
		} else if (code == SVA_PAGE_RESP_INVALID) {
			fail_at(&res, SVA_EMU_STATUS_PAGE_FAULT, f->addr, SVA_FAULT_PERM_WRITE, 0);
		} else {
			pri_failure(d, code);
			fail_at(&res, SVA_EMU_STATUS_PRI_FAILURE, f->addr, SVA_FAULT_PERM_WRITE, 0);
		}
		res.bytes_done = f->addr > desc->dst ? f->addr - desc->dst : 0;
	}
	if (res.status == SVA_EMU_STATUS_SUCCESS)
		res.bytes_done = desc->len;
	complete(d, job, &res);
}

static void *
dev_thread(void *arg)
{
	struct emu_dev *d = arg;
	struct emu_job job;

	/* sleeps of a few microseconds while waiting for a response must be that short */
	prctl(PR_SET_TIMERSLACK, 1000UL, 0, 0, 0);
	pthread_mutex_lock(&d->wq_lock);
	for (;;) {
		while (d->wq_count == 0 && !d->stop)
			pthread_cond_wait(&d->wq_cond, &d->wq_lock);
		if (d->stop)
			break;
		job = d->wq[d->wq_head];
		d->wq_head = (d->wq_head + 1) & (d->wq_depth - 1);
		d->wq_count--;
		d->wq_busy = 1;
		pthread_mutex_unlock(&d->wq_lock);
		if (job.desc.op == SVA_EMU_OP_PAGE_REQUEST)
			run_page_requests(d, &job);
		else
			run_job(d, &job);
		pthread_mutex_lock(&d->wq_lock);
	}
	/* closing: whatever is still queued never ran */
	while (d->wq_count > 0) {
		struct emu_result res = { .status = SVA_EMU_STATUS_ABORTED };

		job = d->wq[d->wq_head];
		d->wq_head = (d->wq_head + 1) & (d->wq_depth - 1);
		d->wq_count--;
		complete(d, &job, &res);
	}
	pthread_mutex_unlock(&d->wq_lock);
	return NULL;
}

/* ---- public API ---- */

int
sva_emu_submit(struct sva_dev *dev, const struct sva_emu_desc *desc, struct sva_emu_comp *comp)
{
	struct emu_dev *d;
	uint32_t pasid_bits, nested;

	if (desc == NULL || comp == NULL || !is_emu_dev(dev)) {
		EMU_LOG(ERR, "sva_emu_submit: %s", !is_emu_dev(dev) ? "dev is NULL or not an emu dev" :
			desc == NULL ? "descriptor is NULL" : "completion record is NULL");
		return -EINVAL;
	}
	d = emu_of_dev(dev);
	pasid_bits = d->e->pasid_bits;
	if (desc->op < SVA_EMU_OP_COPY || desc->op > SVA_EMU_OP_PAGE_REQUEST ||
			(desc->flags & ~SVA_EMU_DESC_PASID_VALID) != 0 || desc->reserved != 0) {
		EMU_LOG(ERR, "dev 0x%x: bad descriptor: op %u (copy 1, fill 2, compare 3, "
			"page_request 4), flags "
			"0x%x (only SVA_EMU_DESC_PASID_VALID), reserved %u (must be 0)", d->rid,
			desc->op, desc->flags, desc->reserved);
		return -EINVAL;
	}
	if (desc->len == 0 || desc->len > SVA_EMU_MAX_LEN) {
		EMU_LOG(ERR, "dev 0x%x: descriptor length %" PRIu64 ": 1 to %" PRIu64 " bytes",
			d->rid, desc->len, SVA_EMU_MAX_LEN);
		return -EINVAL;
	}
	if ((desc->flags & SVA_EMU_DESC_PASID_VALID) && desc->pasid >> pasid_bits != 0) {
		EMU_LOG(ERR, "dev 0x%x: PASID %u beyond the iommu's %u PASID bits", d->rid,
			desc->pasid, pasid_bits);
		return -EINVAL;
	}
	if (desc->op == SVA_EMU_OP_PAGE_REQUEST) {
		bool pv = desc->flags & SVA_EMU_DESC_PASID_VALID;

		if (desc->pr_inflight > EMU_PRG_COUNT || (!pv && desc->pr_pasids > 1) ||
				(pv && desc->pr_pasids > 1 &&
				 (desc->pr_pasids > (UINT64_C(1) << pasid_bits) ||
				  (desc->pasid + desc->pr_pasids - 1) >> pasid_bits != 0))) {
			EMU_LOG(ERR, "dev 0x%x: page_request: pr_inflight %" PRIu64 " (at most %u), "
				"pr_pasids %" PRIu64 " from PASID %u (more than one needs "
				"SVA_EMU_DESC_PASID_VALID, the last within %u PASID bits)", d->rid,
				desc->pr_inflight, EMU_PRG_COUNT, desc->pr_pasids, desc->pasid,
				pasid_bits);
			return -EINVAL;
		}
		if (emu_vsva_nested_range(d, pv, desc->pasid, desc->pr_pasids > 1 ?
				(uint32_t)desc->pr_pasids : 1, &nested)) {
			/* its addresses would be guest virtual: page requests without a walk
			 * have no stage to say, nor a GPA; the VMM's guest faults them instead */
			EMU_LOG(ERR, "dev 0x%x: page_request on PASID %u: the PASID has a nested "
				"(vSVA) bind; SVA_EMU_OP_PAGE_REQUEST takes host PASIDs only",
				d->rid, nested);
			return -EOPNOTSUPP;
		}
	}
	pthread_mutex_lock(&d->wq_lock);
	if (d->stop) {
		pthread_mutex_unlock(&d->wq_lock);
		return -ESHUTDOWN;
	}
	if (d->wq_count + d->wq_busy >= d->wq_depth) {
		pthread_mutex_unlock(&d->wq_lock);
		return -EAGAIN;
	}
	comp->status = SVA_EMU_STATUS_PENDING;
	d->wq[(d->wq_head + d->wq_count) & (d->wq_depth - 1)] =
		(struct emu_job){ .desc = *desc, .comp = comp };
	d->wq_count++;
	pthread_cond_signal(&d->wq_cond);
	pthread_mutex_unlock(&d->wq_lock);
	return 0;
}

int
sva_emu_wait(struct sva_dev *dev, struct sva_emu_comp *comp, uint64_t timeout_us)
{
	struct emu_dev *d;
	uint64_t deadline;

	if (comp == NULL || !is_emu_dev(dev)) {
		EMU_LOG(ERR, "sva_emu_wait: %s", comp == NULL ? "completion record is NULL" :
			"dev is NULL or not an emu dev");
		return -EINVAL;
	}
	d = emu_of_dev(dev);
	deadline = now_ns() + RTE_MIN(timeout_us, UINT64_MAX / 4000) * 1000;
	for (;;) {
		uint64_t t;
		struct timespec ts;

		if (__atomic_load_n(&comp->status, __ATOMIC_ACQUIRE) != SVA_EMU_STATUS_PENDING)
			return 0;
		t = now_ns();
		if (t >= deadline)
			return -ETIMEDOUT;
		ts.tv_sec = (deadline - t) / 1000000000u;
		ts.tv_nsec = (deadline - t) % 1000000000u;
		__atomic_fetch_add(&d->waiters, 1, __ATOMIC_SEQ_CST);
		if (__atomic_load_n(&comp->status, __ATOMIC_SEQ_CST) == SVA_EMU_STATUS_PENDING)
			futex(&comp->status, FUTEX_WAIT_PRIVATE, SVA_EMU_STATUS_PENDING, &ts);
		__atomic_fetch_sub(&d->waiters, 1, __ATOMIC_SEQ_CST);
	}
}

int
sva_emu_dev_reset(struct sva_dev *dev)
{
	struct emu_dev *d;

	if (!is_emu_dev(dev)) {
		EMU_LOG(ERR, "sva_emu_dev_reset: dev is NULL or not an emu dev");
		return -EINVAL;
	}
	d = emu_of_dev(dev);
	if (d->e->pri_off)
		return 0;   /* an endpoint without PRI stays without it */
	if (__atomic_exchange_n(&d->pri_disabled, 0, __ATOMIC_ACQ_REL))
		EMU_LOG(INFO, "dev 0x%x: reset: PRI enabled again", d->rid);
	return 0;
}

int
sva_emu_dev_pri_enabled(const struct sva_dev *dev)
{
	if (!is_emu_dev(dev))
		return -EINVAL;
	return !__atomic_load_n(&emu_of_dev(dev)->pri_disabled, __ATOMIC_ACQUIRE);
}
