/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * fuzz-ifd_record: the iommufd record conversion (ifd_record.h).
 * Input: a mode byte, then:
 *  0,1  a burst of kernel fault records (40 bytes each; mode 1 draws cookies from a
 *       small set so runs form): every record converts to a generic page request with
 *       the repairs it reports, and back to the kernel record it came from (known
 *       bits); ifd_groups_normalise returns the number of cookie runs and leaves each
 *       run with exactly one LAST, on its last record, changes nothing but LAST, counts
 *       a repair only for a run it changed, and is idempotent
 *  2    generic responses -> kernel responses: the code is one the kernel accepts,
 *       the cookie is kept, the repair bits say what was changed; kernel -> generic ->
 *       kernel is the identity on the codes the kernel has
 */
#include <inttypes.h>

#include "ifd_record.h"
#include "fuzz_common.h"

#define BURST_MAX 128
#define KNOWN_FLAGS (IOMMU_PGFAULT_FLAGS_PASID_VALID | IOMMU_PGFAULT_FLAGS_LAST_PAGE)
#define KNOWN_PERM (IOMMU_PGFAULT_PERM_READ | IOMMU_PGFAULT_PERM_WRITE | \
	IOMMU_PGFAULT_PERM_EXEC | IOMMU_PGFAULT_PERM_PRIV)

_Static_assert(sizeof(struct iommu_hwpt_pgfault) == 40, "kernel fault record is 40 bytes");

static void
check_record(const struct iommu_hwpt_pgfault *in)
{
	struct sva_fault f;
	struct iommu_hwpt_pgfault back;
	const struct sva_fault_page_req *pr = &f.prm;
	unsigned int fix;

	memset(&f, 0x5a, sizeof(f));
	fix = ifd_pgfault_to_fault(in, &f);
	FZ_CHECK(f.type == SVA_FAULT_PAGE_REQ, "ifd: converted record of type %u", f.type);
	FZ_CHECK((pr->flags & ~(KNOWN_FLAGS | SVA_FAULT_PR_COOKIE)) == 0 &&
		(pr->flags & SVA_FAULT_PR_COOKIE), "ifd: flags %x after conversion", pr->flags);
	FZ_CHECK((pr->flags & KNOWN_FLAGS) == (in->flags & KNOWN_FLAGS), "ifd: PASID/LAST "
		"flags changed: %x -> %x", in->flags, pr->flags);
	FZ_CHECK((pr->perm & ~KNOWN_PERM) == 0 && pr->perm == (in->perm & KNOWN_PERM),
		"ifd: perm %x -> %x", in->perm, pr->perm);
	FZ_CHECK((pr->addr & 0xfff) == 0 && pr->addr == (in->addr & ~(uint64_t)0xfff),
		"ifd: addr %" PRIx64 " -> %" PRIx64, (uint64_t)in->addr, pr->addr);
	FZ_CHECK(pr->cookie == in->cookie && pr->dev_id == in->dev_id &&
		pr->grpid == in->grpid, "ifd: cookie/dev/grpid changed");
	FZ_CHECK(pr->pasid == ((in->flags & IOMMU_PGFAULT_FLAGS_PASID_VALID) ? in->pasid : 0),
		"ifd: pasid %x -> %x", in->pasid, pr->pasid);
	FZ_CHECK(pr->private_data[0] == 0 && pr->private_data[1] == 0 && pr->timestamp == 0,
		"ifd: private data or timestamp left uninitialised");
	FZ_CHECK(!!(fix & IFD_CONV_ADDR_LOW_BITS) == !!(in->addr & 0xfff) &&
		!!(fix & IFD_CONV_UNKNOWN_PERM) == !!(in->perm & ~KNOWN_PERM) &&
		!!(fix & IFD_CONV_KERNEL_FLAGS) == !!(in->flags & IFD_PGFAULT_KERNEL_FLAGS) &&
		!!(fix & IFD_CONV_UNKNOWN_FLAGS) ==
			!!(in->flags & ~(KNOWN_FLAGS | IFD_PGFAULT_KERNEL_FLAGS)),
		"ifd: repair bits %x do not match the record (flags %x perm %x addr %" PRIx64 ")",
		fix, in->flags, in->perm, (uint64_t)in->addr);
	ifd_fault_to_pgfault(&f, &back);
	FZ_CHECK(back.flags == (in->flags & KNOWN_FLAGS) && back.dev_id == in->dev_id &&
		back.pasid == pr->pasid && back.grpid == in->grpid && back.perm == pr->perm &&
		back.addr == pr->addr && back.cookie == in->cookie && back.__reserved == 0 &&
		back.length == 0, "ifd: generic -> kernel record does not give the record back");
}

static void
check_burst(struct fz_in *in, bool small_cookies)
{
	static struct iommu_hwpt_pgfault rec[BURST_MAX], orig[BURST_MAX];
	unsigned int n = 0, groups, runs = 0, fixups = 0, fixups2 = 0, changed_runs = 0;

	while (in->n > 0 && n < BURST_MAX) {
		fz_bytes(in, &rec[n], sizeof(rec[n]));
		if (small_cookies)
			rec[n].cookie %= 4;
		check_record(&rec[n]);
		n++;
	}
	memcpy(orig, rec, n * sizeof(rec[0]));
	groups = ifd_groups_normalise(rec, n, &fixups);
	for (unsigned int s = 0, e; s < n; s = e) {
		bool changed = false;

		for (e = s + 1; e < n && orig[e].cookie == orig[s].cookie; e++)
			;
		runs++;
		for (unsigned int i = s; i < e; i++) {
			bool last = rec[i].flags & IOMMU_PGFAULT_FLAGS_LAST_PAGE;

			FZ_CHECK(last == (i == e - 1), "ifd normalise: run [%u, %u) of cookie %u has "
				"LAST %s record %u", s, e, orig[s].cookie, last ? "on" : "missing on", i);
			changed |= rec[i].flags != orig[i].flags;
			FZ_CHECK(((rec[i].flags ^ orig[i].flags) & ~IOMMU_PGFAULT_FLAGS_LAST_PAGE) == 0 &&
				memcmp((const uint8_t *)&rec[i] + 4, (const uint8_t *)&orig[i] + 4,
					sizeof(rec[i]) - 4) == 0,
				"ifd normalise: changed more than LAST of record %u", i);
		}
		changed_runs += changed;
	}
	FZ_CHECK(groups == runs, "ifd normalise: %u groups for %u cookie runs", groups, runs);
	FZ_CHECK(fixups == changed_runs, "ifd normalise: %u fixups for %u runs changed",
		fixups, changed_runs);
	memcpy(orig, rec, n * sizeof(rec[0]));
	FZ_CHECK(ifd_groups_normalise(rec, n, &fixups2) == groups && fixups2 == 0 &&
		memcmp(orig, rec, n * sizeof(rec[0])) == 0, "ifd normalise: not idempotent");
	/* no fixups pointer: the same result */
	FZ_CHECK(ifd_groups_normalise(rec, n, NULL) == groups, "ifd normalise without fixups");
}

static void
check_responses(struct fz_in *in)
{
	while (in->n > 0) {
		struct sva_page_response r, g;
		struct iommu_hwpt_page_response k, k2;
		unsigned int fix;

		memset(&r, 0, sizeof(r));
		r.argsz = sizeof(r);
		r.cookie = fz_u32(in);
		r.code = fz_u8(in) & 0x80 ? fz_u32(in) : fz_u8(in) & 0xf;
		fix = ifd_response_to_kernel(&r, &k);
		FZ_CHECK(k.cookie == r.cookie, "ifd response: cookie %u -> %u", r.cookie, k.cookie);
		FZ_CHECK(k.code == IOMMUFD_PAGE_RESP_SUCCESS || k.code == IOMMUFD_PAGE_RESP_INVALID,
			"ifd response: code %u handed to the kernel", k.code);
		FZ_CHECK((k.code == IOMMUFD_PAGE_RESP_SUCCESS) == (r.code == SVA_PAGE_RESP_SUCCESS),
			"ifd response: code %u written as %u", r.code, k.code);
		FZ_CHECK(!!(fix & IFD_CONV_FAILURE_AS_INVALID) == (r.code == SVA_PAGE_RESP_FAILURE) &&
			!!(fix & IFD_CONV_BAD_CODE) == (r.code != SVA_PAGE_RESP_SUCCESS &&
				r.code != SVA_PAGE_RESP_INVALID && r.code != SVA_PAGE_RESP_FAILURE),
			"ifd response: repair bits %x for code %u", fix, r.code);
		ifd_response_from_kernel(&k, &g);
		FZ_CHECK(g.argsz == sizeof(g) && g.cookie == k.cookie && g.dev_id == 0 &&
			g.flags == 0, "ifd response: kernel -> generic fields");
		ifd_response_to_kernel(&g, &k2);
		FZ_CHECK(k2.cookie == k.cookie && k2.code == k.code, "ifd response: kernel -> "
			"generic -> kernel is not the identity (code %u -> %u)", k.code, k2.code);
	}
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fz_in in = { data, size };

	switch (fz_u8(&in) % 3) {
	case 0: check_burst(&in, false); break;
	case 1: check_burst(&in, true); break;
	default: check_responses(&in); break;
	}
	return 0;
}
