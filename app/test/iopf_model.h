/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef IOPF_MODEL_H
#define IOPF_MODEL_H

/*
 * A reference model of the fault path: which page-request group gets which answer,
 * following the rules of issue 11 and DESIGN.md ("The fault path"), not the current
 * code. It is an online checker: the test feeds it, in the order they happened,
 *  - the records the device queued (with the test's own tags: group serial, context),
 *  - the records the fault path read (im_read),
 *  - the responses the fault path wrote (im_response),
 *  - control events (bind, unbind, service stop, deadline, teardown),
 * and every response is compared with what the model expects at that point.
 *
 * The rules (each in one function in iopf_model.c, so they are easy to adjust):
 *  R1 a group closes when its LAST is read; it is answered exactly once, with its own
 *     (dev, PASID valid, PASID, PRG index, private data, cookie) taken from its LAST;
 *  R2 its code: Invalid when no live bond serves (dev, PASID) (or the dev's RID without
 *     PASID), when the request comes from an older owner of the PASID (stale: never
 *     resolved under a new owner), when an overflow cut it, when its deadline passed
 *     (the late LAST, im_rule_late_last), or when any of its pages is invalid
 *     (im_rule_page: outside every mapping, kernel/non-canonical, no access bit,
 *     exec/priv unless the bond allows it, a permission the mapping lacks); else
 *     Success;
 *  R3 a LAST read while its group (same key) is closed and not yet answered is a
 *     duplicate: dropped (and so is an open group with that key);
 *  R4 a stop marker (LAST, no read, no write) WITH a PASID is dropped; without a PASID
 *     it is a normal request (answered, Invalid: it asks for no access);
 *  R5 requests without LAST wait in the open group of their key and owner; one read
 *     when no bond serves its key is discarded (never stored, never answered);
 *  R6 bond removal discards the bond's partial groups (never answered: their LAST,
 *     when read, is answered by R2, Invalid as unknown PASID); its closed groups not
 *     yet answered may be answered with their code or Invalid;
 *  R7 a stopped service answers nothing of live bonds (partial groups stay, the queue
 *     stays queued); a group partial across a stop is answered by R2, or Invalid
 *     (im_rule_partial_across_stop);
 *  R8 a PASID is handed to a new owner only when every closed group of its previous
 *     owners on that dev has been answered (kept responses written);
 *  R9 an overflow record marks every open group incomplete: its LAST is Invalid;
 *  R11 table full (sva_iopf.h "Overflow rule", "Lost keys"): a request without LAST that
 *     opens a group while max_open_groups groups are open (or incomplete) is dropped
 *     and its key lost: later requests of the key are dropped too, its LAST is Invalid
 *     (R_INCOMPLETE) once; a request that finds the page pool full (max_pending_pages
 *     pages held by open and deferred groups) marks its group incomplete (R9). A lost
 *     key is forgotten at its LAST, its bond's removal, the next deadline pass, after 1 s
 *     (no deadline set) or 256 newer lost keys: the model knows the deadline passes
 *     exactly; where it cannot tell (the time, the count, deferred groups' pages) the
 *     LAST may be Invalid or what its own pages give (im_rule_lost_key);
 *  R10 pages: a Success group's pages are present afterwards (written for a write);
 *     nothing is present that no resolvable page of a live owner (or its fault-around
 *     window inside the same mapping) explains. A group answered Invalid for one bad
 *     page may have its valid pages populated by the burst that answers it (sva_iopf.h,
 *     "Validation"): they are explained from its read and again from its response.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <sva_fault.h>

#define IM_MAX_RECS 8192
#define IM_MAX_GROUPS 1024
#define IM_MAX_BONDS 16
#define IM_MAX_VMAS 24
#define IM_MAX_PAGES 8192
#define IM_GPAGES 8

/* Response code masks. */
#define IM_SUCC 1u
#define IM_INV 2u
#define IM_FAIL 4u

enum im_violation {
	IM_OK = 0,
	IM_V_PARTIAL,   /* a group answered before its LAST was read (partial group answered) */
	IM_V_TWICE,     /* a group answered a second time */
	IM_V_UNKNOWN,   /* an answer for no group the device sent */
	IM_V_IDENTITY,  /* answered with another group's private data / cookie */
	IM_V_CODE,      /* a code the rules do not allow */
	IM_V_STALE,     /* Success for a request of an older owner of the PASID */
	IM_V_NEVER,     /* a closed group never answered */
	IM_V_REUSE,     /* PASID handed out while the old owner's groups were unanswered */
	IM_V_POPULATED, /* a page present that no live owner's resolvable page explains */
	IM_V_MISSING,   /* a Success page not present (or not written for a write) */
	IM_V_DELIVERY,  /* nested: a record handed to a VMM that is not its group's owner's,
			   or not as the rules say (data, order, count) */
	IM_V_VMM_RET,   /* nested: sva_nested_page_response() returned what the rules do not */
	IM_V_MAX
};

const char *im_violation_name(unsigned int v);

enum im_vma_kind { IM_VMA_4K = 0, IM_VMA_THP, IM_VMA_HUGE, IM_VMA_NONE };

struct im_vma {
	uint64_t start, end;
	uint32_t prot; /* PROT_* */
	uint32_t kind; /* enum im_vma_kind */
	const char *name;
};

/* A record the device queued, with the test's tags. */
struct im_rec {
	uint32_t type;     /* SVA_FAULT_PAGE_REQ or SVA_FAULT_OVERFLOW */
	uint32_t dev, flags, pasid, prg, perm;
	uint64_t addr;
	uint64_t serial;   /* private_data[0] and cookie: names the group instance */
	uint32_t ctx;      /* bond generation of the device context that sent it, 0: none */
	uint8_t read;
};

struct im_bond {
	bool live;
	uint32_t gen, dev, pasid;
	bool rid;          /* also serves the dev's requests without PASID */
	bool exec, priv;
	uint16_t fa_before, fa_after;
};

enum im_gstate { IM_G_FREE = 0, IM_G_OPEN, IM_G_INCOMPLETE, IM_G_INFLIGHT, IM_G_EXPIRED };

struct im_group {
	uint8_t state;
	uint8_t stopped;   /* partial across a service stop */
	uint8_t stale;     /* closed from a request of an older owner */
	uint8_t removed;   /* its bond was removed before it was answered */
	uint8_t allowed;   /* IM_SUCC | IM_INV | IM_FAIL */
	uint8_t maybe_cut; /* open: the fault path may have cut it (pool or table full) */
	uint32_t dev, pv, pasid, prg;
	uint32_t gen;      /* owner bond generation at open / close, 0: none */
	uint64_t serial;   /* of the LAST */
	uint32_t epoch;    /* deadline epoch when expired (or lost: table full) */
	uint64_t lost_seq; /* expired or lost: m->nlost when it was */
	uint64_t lost_ns;  /* ... and the time (CLOCK_MONOTONIC) it was seen */
	uint32_t npages;
	uint64_t addr[IM_GPAGES];
	uint32_t perm[IM_GPAGES];
	const char *why;   /* for the report */
};

/* A resolvable page (explains presence) or a Success page (must be present). */
struct im_page {
	uint64_t addr;
	uint32_t perm;
	uint16_t fa_before, fa_after;
	uint8_t must;      /* answered Success: must be present */
	uint64_t gone_lo, gone_hi; /* emptied by the test: explains nothing in [lo, hi) */
};

struct im_model {
	struct im_vma vma[IM_MAX_VMAS];
	unsigned int nvma;
	struct im_bond bond[IM_MAX_BONDS];
	struct im_rec rec[IM_MAX_RECS];
	uint32_t nrec;
	struct im_group g[IM_MAX_GROUPS];
	struct im_page pg[IM_MAX_PAGES];
	uint32_t npg;
	uint64_t answered[256]; /* serials answered lately (to tell "twice" from "unknown") */
	uint32_t nanswered;
	uint64_t discarded[256]; /* keys of partial groups discarded lately */
	uint32_t ndiscarded;
	uint32_t epoch;
	bool stopping;
	uint32_t max_open, max_pages; /* the iopf's max_open_groups, max_pending_pages */
	bool table_unsure; /* the model lost track of the open-group count (R11) */
	uint64_t nlost;    /* keys lost so far (deadline or table full) */
	uint64_t table_full;  /* requests dropped: open-group table full */
	uint64_t pool_full;   /* groups cut: page pool full */
	uint64_t responses, lost, groups_closed, dups, stop_markers;
	char msg[IM_V_MAX][320]; /* the first violation of each invariant, explained */
};

void im_init(struct im_model *m);
void im_vma_add(struct im_model *m, uint64_t start, uint64_t end, uint32_t prot, uint32_t kind,
		const char *name);
const struct im_vma *im_vma_find(const struct im_model *m, uint64_t addr);

/* The iopf's limits (R11): max_open_groups, max_pending_pages. */
void im_limits_set(struct im_model *m, uint32_t max_open, uint32_t max_pages);

/* Control events. */
int im_bind(struct im_model *m, const struct im_bond *b);
void im_unbind(struct im_model *m, uint32_t gen);
void im_stop_begin(struct im_model *m);
void im_stop_end(struct im_model *m);
void im_expire(struct im_model *m);
void im_teardown(struct im_model *m);
/* Forget resolvable pages in [start, end) (the test dropped them with MADV_DONTNEED). */
void im_forget_pages(struct im_model *m, uint64_t start, uint64_t end);

/* The device queued a record: its index (the order of the queue). */
uint32_t im_record(struct im_model *m, const struct im_rec *r);
/* The fault path read record idx / wrote a response. IM_OK or a violation (m->msg). */
int im_read(struct im_model *m, uint32_t idx);
int im_response(struct im_model *m, const struct sva_page_response *r);
/* A response the driver refused for good (lost): checked, then its group forgotten. */
int im_response_lost(struct im_model *m, const struct sva_page_response *r);
/* Every closed group answered? IM_OK or IM_V_NEVER. */
int im_check_all_answered(struct im_model *m);

/* For the generator: the key is free for a new group of ctx (nothing open, in flight,
 * expired or unread for it). */
bool im_key_free(const struct im_model *m, uint32_t dev, uint32_t pv, uint32_t pasid,
		uint32_t prg);
const struct im_bond *im_bond_of(const struct im_model *m, uint32_t gen);

/* Pages: is a present page explained; must a page be present (1 read, 2 written). */
bool im_page_explained(const struct im_model *m, uint64_t addr);

/* The rules that are most likely to be tuned. */
unsigned int im_rule_page(const struct im_model *m, const struct im_bond *b, uint64_t addr,
		uint32_t perm);
unsigned int im_rule_late_last(const struct im_model *m, const struct im_group *expired,
		unsigned int decided);
/* What became of a lost key (expired or table full) when its next request is read. */
enum { IM_LOST_KEPT = 0, IM_LOST_GONE, IM_LOST_MAYBE };
unsigned int im_rule_lost_key(const struct im_model *m, const struct im_group *lost);
unsigned int im_rule_partial_across_stop(unsigned int decided);
unsigned int im_rule_removed_before_answer(unsigned int decided);

/*
 * ---- nested (vSVA) groups: the `nested` class ----
 *
 * A second, smaller model for the nested path (sva.h "vSVA", iopf_nested.c), checked on
 * the syn driver by test_iopf_model_nested.c. Bonds are nested: VT-d per-PASID (the
 * host PASID from a VM's map) or an SMMUv3 CD table (every SSID of a dev, gpasid ==
 * SSID). A group is sent by one bond generation (its device context); each of its pages
 * is first-level (S1: a guest virtual address) or second-level (S2: addr in the
 * process, which must lie in the owner's guest RAM). The rules:
 *  N1 a group whose LAST is read while its sender's bond is live and that was not cut
 *     is the owner's; any other (the bond went before its LAST was read, a deadline
 *     expired it while open: "cut") is answered Invalid once and never handed to any
 *     VMM nor resolved: no record of a bond ever reaches another bond's VMM, of the
 *     same VM or another, whatever the host PASID / gPASID reuse;
 *  N2 an owner's group with an S2 page outside its guest RAM: Invalid, not handed over;
 *  N3 an owner's group with S1 pages: handed to the owner's VMM only (one record per S1
 *     page in order, LAST on the last, SVA_FAULT_PR_GUEST with the bond's gpasid and
 *     cookie, its private data), then answered exactly once: by the VMM's first answer
 *     (its code), by the deadline (Invalid) or by the unbind (Invalid), whichever first;
 *     its S2 pages are present;
 *  N4 an owner's group of S2 pages only (inside RAM): Success, its pages present;
 *  N5 the VMM's answer (sva_nested_page_response) of a group instance: 0 while it is held
 *     for that bond; -EALREADY after the VMM's answer, -ETIMEDOUT after the deadline's
 *     (-ENOENT too once 256 answers came since); -ENOENT from another bond's VMM (and
 *     the owner's group stays held); -EDEADLK from the poll thread's callback. An answer
 *     that echoes the records' cookie (the instance tag) reaches that instance only;
 *  N5b one with cookie 0 names (dev, PASID, PRG) alone: once the device reused the PRG
 *     index it reaches the key's newest instance (held: answered with the old answer's
 *     code; retired: -EALREADY / -ETIMEDOUT by that one's retirement);
 *  N6 every group whose LAST was read is answered exactly once by the end (teardown);
 *     one closed but not yet answered (deferred) when its bond goes may be answered
 *     Invalid instead of its code (as R6);
 *  N7 pages of guest RAM are present only where an S2 page of a group read while its
 *     owner was live asked for them.
 */
#define IMN_MAX_GROUPS 4096
#define IMN_MAX_BONDS 256
#define IMN_MAX_PAGES 4

enum imn_fate { IMN_F_OPEN = 0, IMN_F_INVALID, IMN_F_SUCCESS, IMN_F_HELD };
enum imn_how { IMN_H_NONE = 0, IMN_H_VMM, IMN_H_DEADLINE, IMN_H_UNBIND };

struct imn_bond {
	bool live, whole;
	uint32_t gen, dev, pasid, gpasid, vm;
	uint64_t cookie, ram_lo, ram_hi;
};

struct imn_group {
	uint64_t serial;
	uint32_t gen, dev, pasid, prg;
	uint8_t npages, sent, ns1, delivered, answers;
	bool last_sent, cut, closed;
	bool may_invalid;        /* closed, unanswered when its bond went: Invalid allowed */
	uint32_t resp_code;      /* the code it was answered with */
	uint8_t fate, how;       /* enum imn_fate, enum imn_how */
	uint32_t code;           /* the code the answer must have (fate HELD: set by how) */
	uint32_t last_idx;       /* queue index of its LAST */
	uint64_t retired;        /* nretired when answered by the VMM or the deadline */
	uint64_t addr[IMN_MAX_PAGES];
	uint32_t perm[IMN_MAX_PAGES];
	bool s1[IMN_MAX_PAGES];
};

struct imn_model {
	struct imn_bond bond[IMN_MAX_BONDS];   /* by gen */
	struct imn_group g[IMN_MAX_GROUPS];    /* by serial - 1 */
	uint32_t ngroups;
	uint64_t nretired;
	uint64_t held, vmm_answers, deadline_answers, unbind_answers, delivered, responses;
	uint64_t invalid, success, cross_answers, dup_answers, late_answers, cb_answers;
	uint64_t newer_answered; /* N5b: untagged old answers that reached a newer instance */
	uint64_t tagged_stale;   /* tagged old answers refused while a newer one was held */
	char msg[IM_V_MAX][320];
};

void imn_init(struct imn_model *m);
void imn_bind(struct imn_model *m, const struct imn_bond *b);
/* The bond goes (prq_head: the driver's read index when it went). */
void imn_unbind(struct imn_model *m, uint32_t gen, uint32_t prq_head);
/* Every open group expires and every held one is answered by the deadline. */
void imn_expire(struct imn_model *m, uint32_t prq_head);
/* A new group (its serial), and its records as queued at index idx. */
struct imn_group *imn_group_new(struct imn_model *m, uint32_t gen, uint32_t dev, uint32_t pasid,
		uint32_t prg);
void imn_sent(struct imn_model *m, struct imn_group *g, bool last, uint32_t idx);
/* Checks: IM_OK or a violation (m->msg). */
int imn_delivery(struct imn_model *m, uint32_t gen, const struct sva_fault *rec, uint32_t prq_head);
int imn_response(struct imn_model *m, const struct sva_page_response *r, uint32_t prq_head);
int imn_vmm_answer(struct imn_model *m, uint32_t gen, const struct imn_group *g, uint32_t code,
		bool tagged, int ret, bool from_cb, uint32_t prq_head);
int imn_check_all(struct imn_model *m, uint32_t prq_head);
/* N7: may this page of guest RAM be present? must it be (N3, N4)? */
bool imn_page_explained(const struct imn_model *m, uint64_t addr);
bool imn_page_must(const struct imn_model *m, uint64_t addr);
/* The rule of a closed group (N1-N4). */
unsigned int imn_rule_fate(const struct imn_model *m, const struct imn_group *g);
/* Is a key (dev, pasid, prg) free for a new group (nothing sent, unread or unanswered)? */
bool imn_key_free(const struct imn_model *m, uint32_t dev, uint32_t pasid, uint32_t prg,
		uint32_t prq_head);

#endif /* IOPF_MODEL_H */
