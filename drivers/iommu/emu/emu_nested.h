/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef EMU_NESTED_H
#define EMU_NESTED_H

/*
 * Nested translation walkers of the emu IOMMU (vSVA): pure functions over a guest's own
 * tables, with no state and no access to memory except through struct emu_nw_mem.
 *
 *  - emu_fl_x86_walk(): VT-d first level (SVA_NESTED_VTD_FL), x86-64 4-level paging
 *    (Intel SDM Vol. 3A 4.5, tables 4-14..4-20) with VT-d's first-level rules: A set on
 *    every entry walked and D on the leaf of a write, reserved bits above the address
 *    width a non-recoverable fault, SRE, WPE. (emu_fl_x86.c)
 *  - emu_cd_fetch(): SMMUv3 CD table (SVA_NESTED_SMMUV3_CD): the CD of one SSID, linear
 *    or two-level (IHI0070 5.2 S1Fmt/S1CDMax, 5.3 L1CD, 5.4 CD), validated into
 *    struct emu_cd. (emu_cd.c)
 *  - emu_s1_arm_walk(): the AArch64 stage-1 walk of a CD (VMSAv8-64, 4 KiB granule, Arm
 *    ARM D8.3 descriptors, D8.4 direct permissions, D8.5 hardware Access flag).
 *    (emu_s1_arm.c)
 *
 * The second level is the VMM process's own address space: GPA g lives at
 * ram.base + g. The walkers never touch it: every table read and every A/D/AF update
 * goes through the callbacks, which the integration implements over guest RAM, checking
 * that g lies inside guest RAM and that the host page is present (and writable, for an
 * update) with the model's host walk, so that the model never faults on an absent page.
 * A table or CD address outside guest RAM is a clean non-recoverable result, and a
 * missing host page a second-level miss that svapoll resolves before walking again.
 * The final GPA's own second level (the data page) is the integration's job.
 *
 * Every walk has a fixed depth (a table pointing back at itself is walked at most
 * 4 times) and a bounded number of restarts when an A/D/AF update races with a
 * change of the entry, so any table terminates.
 *
 * Entries are little-endian in guest RAM; read64 returns them in host order.
 *
 * Implementing the callbacks over struct sva_guest_ram (the integration's job): refuse
 * gpa > ram.size - 8 (written so that it cannot overflow) with EMU_NW_MEM_OUTSIDE;
 * answer EMU_NW_MEM_MISS unless the host page of ram.base + gpa is present (and, for
 * cmpxchg64, writable: not the shared zero page) as the host walk sees it; then an
 * 8-byte atomic load / __atomic_compare_exchange_n on ram.base + gpa, since the guest
 * may rewrite its tables while the device walks them.
 */

#include <stdbool.h>
#include <stdint.h>

#include "sva_fault.h"
#include "sva_iommu.h"

#ifdef __cplusplus
extern "C" {
#endif

/** What a guest RAM access through the callbacks found. */
enum emu_nw_mem_status {
	EMU_NW_MEM_OK = 0,
	EMU_NW_MEM_OUTSIDE,  /**< gpa (or gpa + 7) is outside guest RAM: nothing was read */
	EMU_NW_MEM_MISS,     /**< second-level miss: the host page holding gpa is not
				  present (cmpxchg64: or not writable) */
	EMU_NW_MEM_CHANGED,  /**< cmpxchg64 only: the entry no longer held old (*cur has it) */
};

/** Guest RAM as the walkers see it. gpa is always 8-byte aligned. */
struct emu_nw_mem {
	/** Read the 8-byte entry at gpa into *val. */
	enum emu_nw_mem_status (*read64)(void *ctx, uint64_t gpa, uint64_t *val);
	/** Atomically replace the entry at gpa by new_val if it still holds old (a locked
	 * update, as hardware sets A/D/AF); on EMU_NW_MEM_CHANGED *cur gets the entry. */
	enum emu_nw_mem_status (*cmpxchg64)(void *ctx, uint64_t gpa, uint64_t old,
		uint64_t new_val, uint64_t *cur);
	void *ctx;
};

/** Access of a request: SVA_FAULT_PERM_READ, _WRITE, _EXEC, _PRIV (supervisor/EL1). */
#define EMU_NW_ACC_READ SVA_FAULT_PERM_READ
#define EMU_NW_ACC_WRITE SVA_FAULT_PERM_WRITE
#define EMU_NW_ACC_EXEC SVA_FAULT_PERM_EXEC
#define EMU_NW_ACC_PRIV SVA_FAULT_PERM_PRIV

/** Outcome of a walk or a CD fetch. */
enum emu_nw_status {
	EMU_NW_OK = 0,       /**< translated (walk) or fetched (CD) */
	EMU_NW_S2_MISS,      /**< a table or CD page of guest RAM (gpa) is not present, or
				  not writable for an update (write): make it so, walk again */
	EMU_NW_S2_OUTSIDE,   /**< a table or CD address (gpa) outside guest RAM: the guest's
				  error, non-recoverable */
	EMU_NW_S1_FAULT,     /**< first-level / stage-1 fault (fault, level, entry_gpa) */
	EMU_NW_CFG_FAULT,    /**< the configuration refuses the request: bad SSID, bad CD,
				  bad STE, non-canonical address, supervisor without SRE */
};

/** Which fault (EMU_NW_S1_FAULT, EMU_NW_CFG_FAULT). */
enum emu_nw_fault {
	EMU_NW_F_NONE = 0,
	EMU_NW_F_TRANSLATION,   /**< not present / invalid descriptor / outside TxSZ */
	EMU_NW_F_PERMISSION,    /**< the entries do not allow the access */
	EMU_NW_F_RESERVED,      /**< VT-d: a reserved bit set in a present entry */
	EMU_NW_F_ACCESS,        /**< Arm: AF == 0 without hardware update (CD.HA == 0) */
	EMU_NW_F_ADDR_SIZE,     /**< Arm: a table or output address above CD.IPS */
	EMU_NW_F_UPDATE,        /**< the A/D/AF update kept racing with entry changes */
	EMU_NW_F_NONCANONICAL,  /**< VT-d: input address not canonical (bits 63:47) */
	EMU_NW_F_PRIV,          /**< VT-d: supervisor request with SRE clear */
	EMU_NW_F_BAD_STE,       /**< SMMUv3: S1CDMAX above 20 (C_BAD_STE) */
	EMU_NW_F_BAD_SUBSTREAMID, /**< SMMUv3: SSID >= 2^S1CDMAX, L1CD.V == 0, L2Ptr out
				       of range (C_BAD_SUBSTREAMID) */
	EMU_NW_F_BAD_CD,        /**< SMMUv3: CD.V == 0 or ILLEGAL/unsupported (C_BAD_CD) */
};

/** VT-d fault reasons (scalable mode) the first-level walk reports (hw_code). */
#define EMU_NW_VTD_FR_FL_NOT_PRESENT 0x71u
#define EMU_NW_VTD_FR_FL_RSVD 0x72u
#define EMU_NW_VTD_FR_NONCANONICAL 0x80u
#define EMU_NW_VTD_FR_US 0x81u           /* U/S clear for a user request */
#define EMU_NW_VTD_FR_EXEC 0x82u
#define EMU_NW_VTD_FR_WRITE 0x85u
#define EMU_NW_VTD_FR_AD_UPDATE 0x91u

/** SMMUv3 event numbers (IHI0070 7.3) the CD fetch and stage-1 walk report (hw_code). */
#define EMU_NW_SMMU_C_BAD_STE 0x04u
#define EMU_NW_SMMU_C_BAD_SUBSTREAMID 0x08u
#define EMU_NW_SMMU_F_CD_FETCH 0x09u
#define EMU_NW_SMMU_C_BAD_CD 0x0au
#define EMU_NW_SMMU_F_WALK_EABT 0x0bu
#define EMU_NW_SMMU_F_TRANSLATION 0x10u
#define EMU_NW_SMMU_F_ADDR_SIZE 0x11u
#define EMU_NW_SMMU_F_ACCESS 0x12u
#define EMU_NW_SMMU_F_PERMISSION 0x13u
/** SMMUv3 event CLASS (7.3): what the faulting access was. */
#define EMU_NW_SMMU_CLASS_CD 0u   /* CD (or L1CD) fetch */
#define EMU_NW_SMMU_CLASS_TT 1u   /* stage-1 table descriptor fetch or update */
#define EMU_NW_SMMU_CLASS_IN 2u   /* the input address */

/** Result of a walk or CD fetch. Fields not listed for a status are 0. */
struct emu_nw_result {
	enum emu_nw_status status;
	enum emu_nw_fault fault;  /**< S1_FAULT, CFG_FAULT */
	bool write;               /**< S2_MISS: the walk needs the page writable (update) */
	bool s2;                  /**< SMMUv3 event S2 bit: S2_MISS / S2_OUTSIDE are stage-2
				       faults on the walk's own accesses */
	uint8_t level;            /**< OK: level of the leaf; S1_FAULT: level that faulted.
				       VT-d: 4 PML4E, 3 PDPTE, 2 PDE, 1 PTE. Arm: lookup
				       level 0..3 */
	uint8_t hw_code;          /**< VT-d fault reason (EMU_NW_VTD_FR_*) or SMMUv3 event
				       number (EMU_NW_SMMU_*) of the outcome; 0 for OK, for a
				       VT-d S2_MISS / S2_OUTSIDE (the integration reports the
				       second-level fault) and for F_PRIV (VT-d blocks it; no
				       reason code is modelled); SMMUv3 F_UPDATE: F_ACCESS */
	uint8_t guest_event;      /**< SMMUv3: the event a VMM presenting a stage-1-only
				       vSMMU injects: F_CD_FETCH for a CD-class stage-2
				       fault, F_WALK_EABT for a TT-class one (IHI0070 7.3.10,
				       7.3.12 notes), else hw_code */
	uint8_t smmu_class;       /**< SMMUv3: EMU_NW_SMMU_CLASS_* */
	uint64_t gpa;             /**< OK: the output GPA of the input address (walk), the
				       CD's GPA (CD fetch); S2_MISS / S2_OUTSIDE: the GPA the
				       walk needed */
	uint64_t page_size;       /**< OK (walk): 4 KiB, 2 MiB or 1 GiB */
	uint64_t entry_gpa;       /**< OK (walk): the leaf entry; S1_FAULT: the entry that
				       faulted (translation: the invalid one; permission,
				       access, update: the leaf) */
};

/* ---- VT-d first level: x86-64 4-level paging ---- */

/** emu_fl_cfg.flags */
#define EMU_FL_SRE (1u << 0)  /**< supervisor requests enabled (PASID entry SRE);
				   the value of SVA_NESTED_SRE */
#define EMU_FL_WPE (1u << 1)  /**< write protect enable: supervisor writes need R/W */

/** A first-level table as a PASID entry points at it. */
struct emu_fl_cfg {
	uint64_t pml4_gpa;   /**< the PML4 (bits 11:0 ignored) */
	uint8_t aw_bits;     /**< address width: entry address bits 51:aw_bits are reserved
				  (12 < aw_bits <= 52; e.g. 48) */
	uint32_t flags;      /**< EMU_FL_* */
};

/** The first-level walk of an SVA_NESTED_VTD_FL attach, for an address width. */
static inline struct emu_fl_cfg
emu_fl_cfg_from_nested(const struct sva_nested_cfg *n, uint8_t aw_bits)
{
	return (struct emu_fl_cfg){
		.pml4_gpa = n->table_gpa,
		.aw_bits = aw_bits,
		.flags = n->flags & SVA_NESTED_SRE ? EMU_FL_SRE : 0,
	};
}

/**
 * Translate va through a VT-d first-level table.
 *
 * A request with neither READ, WRITE nor EXEC is a read. Faults in walk order: for each
 * level from the PML4E: the entry read (S2_MISS / S2_OUTSIDE), P (translation, 0x71),
 * reserved bits (0x72: address bits above aw_bits; PS in a PML4E; bits 29:13 of a 1 GiB
 * PDPTE, 20:13 of a 2 MiB PDE); then, at the leaf, the access rights of all levels
 * (permission: 0x81 user request without U/S, 0x85 write without R/W, 0x82 exec with
 * XD); then A on every entry walked and D on the leaf of a write, each set with
 * cmpxchg64 only when not already set (nothing is written for a refused access).
 * The model: 4-level paging only (FLPM 0), 1 GiB pages supported (CAP.FL1GP), execute
 * requests honoured with XD always interpreted, supervisor requests read and write
 * user pages and execute them unless XD (no SMEP), no extended accessed flag.
 *
 * @return res->status
 */
enum emu_nw_status emu_fl_x86_walk(const struct emu_nw_mem *mem, const struct emu_fl_cfg *cfg,
	uint64_t va, uint32_t acc, struct emu_nw_result *res);

/* ---- SMMUv3: CD table and AArch64 stage 1 ---- */

/**
 * What the model implements (the SMMU_IDR fields a CD is checked against): VMSAv8-64
 * only (IDR0.TTF = 0b10), 4 KiB granule only (IDR5.GRAN4K), OAS = IAS = 48 bits
 * (IDR5.OAS = 0b101), STT = 0 (TxSZ 16..39), HTTU = 0b01 (CD.HA allowed, CD.HD
 * ILLEGAL), little-endian tables only (IDR0.TTENDIAN = 0b10), HAD = 1 (CD.HADx honoured),
 * 16-bit ASIDs, no DS/LPA2.
 */
#define EMU_NW_SMMU_OAS_BITS 48u
#define EMU_NW_SMMU_S1CDMAX_MAX 20u

/** The guest's CD table as its (virtual) STE describes it. */
struct emu_cd_table {
	uint64_t table_gpa;  /**< STE.S1ContextPtr: the CD table or the L1 table */
	uint8_t s1cdmax;     /**< log2 of the number of CDs (0..20) */
	uint8_t s1fmt;       /**< 0 linear, 1 two-level 4 KiB leaves, 2 two-level 64 KiB
				  leaves, 3 behaves as 0 */
};

/** One translation table (TTB0 or TTB1) of a validated CD. */
struct emu_cd_tt {
	bool disabled;       /**< EPDx: an address in this range is a translation fault */
	bool had;            /**< HADx: hierarchical attributes (APTable, xXNTable) ignored */
	uint8_t tsz;         /**< TxSZ, 16..39 */
	uint64_t ttb;        /**< table base, aligned as the start level requires */
};

/** The CD table of an SVA_NESTED_SMMUV3_CD attach. */
static inline struct emu_cd_table
emu_cd_table_from_nested(const struct sva_nested_cfg *n)
{
	return (struct emu_cd_table){
		.table_gpa = n->table_gpa, .s1cdmax = n->s1cdmax, .s1fmt = n->s1fmt,
	};
}

/** A validated CD: what the stage-1 walk uses. */
struct emu_cd {
	struct emu_cd_tt tt[2];
	uint8_t ips_bits;    /**< effective IPS: min(CD.IPS, OAS) */
	bool ha, affd, tbi0, tbi1, pan, wxn; /* UWXN: IGNORED for VMSAv8-64 */
	bool a, r, s;        /**< fault configuration (IHI0070 5.5), for the integration */
	uint16_t asid;
	uint64_t word[8];    /**< the CD as fetched */
};

/**
 * Fetch and validate the CD of ssid.
 *
 * Order: S1CDMAX > 20 (C_BAD_STE); ssid >= 2^S1CDMAX (C_BAD_SUBSTREAMID); two-level:
 * the L1CD read (S2_MISS / S2_OUTSIDE, class CD), L1CD.V == 0 or L2Ptr above the IAS
 * (C_BAD_SUBSTREAMID); the CD read (S2_MISS / S2_OUTSIDE, class CD, gpa = the word
 * that missed); CD.V == 0, or an ILLEGAL or unsupported field (C_BAD_CD). RES0 bits of
 * the table pointer that S1CDMAX makes RES0 are treated as zero (IHI0070 5.2 S1Fmt:
 * one of the CONSTRAINED UNPREDICTABLE choices). On C_BAD_CD cd->word holds the CD:
 * emu_cd_decode() names the field refused, for the log.
 *
 * @return res->status (EMU_NW_OK: *cd filled)
 */
enum emu_nw_status emu_cd_fetch(const struct emu_nw_mem *mem, const struct emu_cd_table *tbl,
	uint32_t ssid, struct emu_cd *cd, struct emu_nw_result *res);

/**
 * Validate the 8 words of a CD (no memory access): 0, or -EINVAL with the field that is
 * ILLEGAL or unsupported named in *why (a static string). V == 0 is -EINVAL ("V").
 */
int emu_cd_decode(const uint64_t word[8], struct emu_cd *cd, const char **why);

/**
 * Translate va through the stage-1 tables of a validated CD.
 *
 * Faults (SMMUv3 events, class IN unless the walk's own access): an address outside
 * both TxSZ ranges or in a disabled (EPDx) one: F_TRANSLATION level 0; per level: the
 * descriptor read (S2_MISS / S2_OUTSIDE, class TT), invalid descriptor (F_TRANSLATION),
 * a table or output address above the effective IPS (F_ADDR_SIZE); at the leaf: AF == 0
 * without CD.HA or CD.AFFD (F_ACCESS), the access rights (F_PERMISSION: AP[2:1],
 * UXN/PXN, APTable/UXNTable/PXNTable unless HADx, PXN implied for EL0-writable pages,
 * PAN, WXN: Arm ARM D8.4 table D8-65); then AF set by cmpxchg64 when CD.HA (nothing
 * for a refused access). An EXEC request is an instruction read: it needs Execute only;
 * otherwise WRITE needs Write, else Read.
 *
 * @return res->status
 */
enum emu_nw_status emu_s1_arm_walk(const struct emu_nw_mem *mem, const struct emu_cd *cd,
	uint64_t va, uint32_t acc, struct emu_nw_result *res);

/**
 * Whether a page request can fix a first-level fault: not present (translation),
 * permission, and the Arm access flag (the guest's handler maps the page or sets AF).
 * Reserved bits, address size, a lost update race and every configuration fault are
 * the guest's table errors: an unrecoverable event, no page request.
 */
static inline bool
emu_nw_fault_recoverable(enum emu_nw_fault f)
{
	return f == EMU_NW_F_TRANSLATION || f == EMU_NW_F_PERMISSION || f == EMU_NW_F_ACCESS;
}

/** The name of a status / fault, for logs. */
const char *emu_nw_status_str(enum emu_nw_status s);
const char *emu_nw_fault_str(enum emu_nw_fault f);

#ifdef __cplusplus
}
#endif

#endif /* EMU_NESTED_H */
