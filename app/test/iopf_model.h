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

#endif /* IOPF_MODEL_H */
