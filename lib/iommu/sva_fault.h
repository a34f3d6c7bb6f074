/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef SVA_FAULT_H
#define SVA_FAULT_H

/**
 * @file
 * The generic fault record and page response: svapoll's own ABI between iommu
 * drivers and the fault path. Plain types only, no functions. It lives with lib/iommu,
 * the layer drivers talk to (sva_iommu.h includes it); lib/iopf consumes the records.
 *
 * A record is 128 bytes so that fields can be added behind flags without a new ABI
 * version: a 4 KiB ring holds 32 records, a 64 KiB ring 512. Drivers decode their
 * hardware entries (VT-d 32-byte page request descriptors, SMMUv3 16-byte PRI queue
 * entries and 32-byte event entries, iommufd 40-byte pgfault records) into these.
 *
 * Guest data (vSVA): a bond bound with SVA_BIND_GUEST_DATA (or a nested bind) gets its
 * guest PASID and opaque cookie in every record it is handed, at the same places in
 * both forms: gpasid at byte 56 and user_cookie at byte 64 of the page request / event
 * (bytes 64 and 72 of the 128-byte record, after type and padding), valid with
 * SVA_FAULT_PR_GUEST (page requests) or SVA_FAULT_UNRECOV_GUEST (events); gpa at 72
 * (record byte 80) with _NESTED_S2. The offsets are pinned by static asserts below.
 */

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/** A compile-time check that C (C11) and C++ (C++11) compilers both take. */
#ifdef __cplusplus
#define SVA_STATIC_ASSERT(cond, msg) static_assert(cond, msg)
#else
#define SVA_STATIC_ASSERT(cond, msg) _Static_assert(cond, msg)
#endif

/** What a record holds. */
enum sva_fault_type {
	SVA_FAULT_PAGE_REQ = 1, /**< a page request (recoverable, PRI) */
	SVA_FAULT_UNRECOV = 2,  /**< an unrecoverable fault, from the event queue */
	SVA_FAULT_OVERFLOW = 3, /**< the queue overflowed before this point: requests were lost */
};

/** @name Page request flags (sva_fault_page_req.flags) */
/** @{ */
#define SVA_FAULT_PR_PASID_VALID (1u << 0) /**< pasid is valid (request had a PASID prefix) */
#define SVA_FAULT_PR_LAST_PAGE (1u << 1)   /**< last request of its page-request group */
#define SVA_FAULT_PR_PRIV_DATA (1u << 2)   /**< private_data is valid (VT-d qwords 2-3) */
#define SVA_FAULT_PR_TIMESTAMP (1u << 3)   /**< timestamp is valid */
#define SVA_FAULT_PR_COOKIE (1u << 4)      /**< cookie is valid (iommufd group cookie) */
/** gpasid and user_cookie are valid: the bond was bound with guest data (vSVA) */
#define SVA_FAULT_PR_GUEST (1u << 5)
/**
 * Nested (vSVA) first-level fault: the walk of the guest-owned first-level table
 * failed; addr is a guest virtual address. The group goes to the VMM (the bond's event
 * callback or ring), which answers it with sva_nested_page_response().
 */
#define SVA_FAULT_PR_NESTED_S1 (1u << 6)
/**
 * Nested (vSVA) second-level fault: the first level translated (or a first-level table
 * page is needed) but guest RAM at gpa is not present; addr is where guest RAM maps gpa
 * in this process. svapoll resolves it like any request of the bond.
 */
#define SVA_FAULT_PR_NESTED_S2 (1u << 7)
/** @} */

/** @name Access permissions (page requests and unrecoverable faults) */
/** @{ */
#define SVA_FAULT_PERM_READ (1u << 0)
#define SVA_FAULT_PERM_WRITE (1u << 1)
#define SVA_FAULT_PERM_EXEC (1u << 2)
#define SVA_FAULT_PERM_PRIV (1u << 3)
/** @} */

/**
 * A page request. The first 40 bytes follow the layout agreed for the generic record
 * (flags, pasid, grpid, perm, addr, private_data); the rest are svapoll additions.
 * L=1 with neither READ nor WRITE is a Stop Marker: drivers pass it through and the
 * fault path drops it without a response.
 */
struct sva_fault_page_req {
	uint32_t flags;           /**< SVA_FAULT_PR_* */
	uint32_t pasid;           /**< valid with SVA_FAULT_PR_PASID_VALID */
	uint32_t grpid;           /**< page request group index (PRG index, 9 bits on PCIe) */
	uint32_t perm;            /**< SVA_FAULT_PERM_* requested */
	uint64_t addr;            /**< page address (low 12 bits zero) */
	uint64_t private_data[2]; /**< valid with SVA_FAULT_PR_PRIV_DATA */
	uint32_t dev_id;          /**< requester ID (VT-d) or stream ID (SMMUv3), iommufd dev id */
	uint32_t cookie;          /**< iommufd group cookie, valid with SVA_FAULT_PR_COOKIE; in
				       a record handed to a VMM (SVA_FAULT_PR_NESTED_S1): the
				       group's instance tag, to echo in the answer's cookie */
	uint64_t timestamp;       /**< TSC cycles when the device wrote the request */
	/* Appended for vSVA (offset 56). */
	uint32_t gpasid;          /**< guest PASID, valid with SVA_FAULT_PR_GUEST */
	uint32_t reserved;        /**< 0 */
	uint64_t user_cookie;     /**< the bond's opaque cookie, valid with SVA_FAULT_PR_GUEST */
	uint64_t gpa;             /**< guest physical address, valid with SVA_FAULT_PR_NESTED_S2 */
};

/** Why an unrecoverable fault happened (sva_fault_unrecov.reason). */
enum sva_fault_reason {
	SVA_FAULT_REASON_UNKNOWN = 0,
	SVA_FAULT_REASON_TRANSLATION,  /**< no translation (outside every mapping); SMMUv3 0x10 */
	SVA_FAULT_REASON_ADDR_SIZE,    /**< address out of the input range; SMMUv3 0x11 */
	SVA_FAULT_REASON_ACCESS,       /**< access flag fault; SMMUv3 0x12 */
	SVA_FAULT_REASON_PERMISSION,   /**< permission the mapping lacks; SMMUv3 0x13 */
	SVA_FAULT_REASON_PASID_INVALID,/**< PASID not attached / not in the table */
	SVA_FAULT_REASON_PRI_INVALID,  /**< a page request answered Invalid (auto-invalid binds) */
};

/** @name Unrecoverable fault flags (sva_fault_unrecov.flags) */
/** @{ */
#define SVA_FAULT_UNRECOV_PASID_VALID (1u << 0)
#define SVA_FAULT_UNRECOV_ADDR_VALID (1u << 1)
#define SVA_FAULT_UNRECOV_FETCH_ADDR_VALID (1u << 2)
/**
 * A stalled transaction (SMMUv3 stall model, IHI0070 3.12.2: an event record with
 * Stall == 1): recoverable after all. The device's access waits in the IOMMU until
 * software answers it, exactly once, with a response carrying SVA_PAGE_RESP_STALL and
 * the record's stag (dev_id = StreamID): Success retries it (CMD_RESUME Retry),
 * Invalid or Failure terminates it with an abort (CMD_RESUME Abort), 4.7.1.
 */
#define SVA_FAULT_UNRECOV_STALL (1u << 3)
/** gpasid and user_cookie are valid (the bond was bound with guest data) */
#define SVA_FAULT_UNRECOV_GUEST (1u << 4)
/** Nested first-level fault (addr is guest virtual): for the VMM */
#define SVA_FAULT_UNRECOV_NESTED_S1 (1u << 5)
/** Nested second-level fault (gpa valid; addr is where guest RAM maps it) */
#define SVA_FAULT_UNRECOV_NESTED_S2 (1u << 6)
/** @} */

/** An unrecoverable fault (event queue), or a stalled transaction (with _STALL). */
struct sva_fault_unrecov {
	uint32_t reason;     /**< enum sva_fault_reason */
	uint32_t flags;      /**< SVA_FAULT_UNRECOV_* */
	uint32_t pasid;
	uint32_t perm;       /**< SVA_FAULT_PERM_* of the access */
	uint64_t addr;       /**< faulting address */
	uint64_t fetch_addr; /**< address of the table entry that faulted, if known */
	uint32_t dev_id;
	uint32_t hw_event;   /**< the model's own event code (e.g. SMMUv3 event ID) */
	uint64_t timestamp;  /**< TSC cycles when the device reported it */
	uint32_t stag;       /**< with SVA_FAULT_UNRECOV_STALL: the stall tag (SMMUv3 STAG,
			          16 bits, unique per StreamID while the stall is outstanding) */
	uint32_t reserved;   /**< 0 */
	/* Appended for vSVA (offset 56). */
	uint32_t gpasid;     /**< guest PASID, valid with SVA_FAULT_UNRECOV_GUEST */
	uint32_t reserved2;  /**< 0 */
	uint64_t user_cookie;/**< the bond's opaque cookie, valid with SVA_FAULT_UNRECOV_GUEST */
	uint64_t gpa;        /**< guest physical address, valid with SVA_FAULT_UNRECOV_NESTED_S2 */
};

/** The queue overflowed: everything between the previous record and this one is lost. */
struct sva_fault_overflow {
	uint32_t queue; /**< 0 page request queue, 1 event queue */
	uint32_t lost;  /**< requests known to be lost, 0 if the model cannot tell */
};

/** One 128-byte generic fault record. */
struct sva_fault {
	uint32_t type; /**< enum sva_fault_type */
	uint32_t padding;
	union {
		struct sva_fault_page_req prm;
		struct sva_fault_unrecov event;
		struct sva_fault_overflow overflow;
		uint8_t pad[120];
	};
};

SVA_STATIC_ASSERT(sizeof(struct sva_fault) == 128, "the generic fault record is 128 bytes");
SVA_STATIC_ASSERT(sizeof(struct sva_fault_page_req) <= 120, "page request fits the record");
SVA_STATIC_ASSERT(sizeof(struct sva_fault_unrecov) <= 120, "event fits the record");
/* The vSVA fields' places are ABI: pinned. */
SVA_STATIC_ASSERT(offsetof(struct sva_fault_page_req, gpasid) == 56, "gpasid at 56");
SVA_STATIC_ASSERT(offsetof(struct sva_fault_page_req, user_cookie) == 64, "cookie at 64");
SVA_STATIC_ASSERT(offsetof(struct sva_fault_page_req, gpa) == 72, "gpa at 72");
SVA_STATIC_ASSERT(offsetof(struct sva_fault_unrecov, gpasid) == 56, "gpasid at 56");
SVA_STATIC_ASSERT(offsetof(struct sva_fault_unrecov, user_cookie) == 64, "cookie at 64");
SVA_STATIC_ASSERT(offsetof(struct sva_fault_unrecov, gpa) == 72, "gpa at 72");

/** Page group response codes (PCIe PRG response codes). */
enum sva_page_resp_code {
	SVA_PAGE_RESP_SUCCESS = 0x0, /**< the pages are present: retry the walk */
	SVA_PAGE_RESP_INVALID = 0x1, /**< Invalid Request: the access will not be satisfied */
	SVA_PAGE_RESP_FAILURE = 0xF, /**< Response Failure: disables PRI on the device until reset */
};

/** Page response flags. */
#define SVA_PAGE_RESP_PASID_VALID (1u << 0)
/**
 * The stall form: the answer to one stalled transaction (SVA_FAULT_UNRECOV_STALL), not
 * to a page-request group. grpid carries the record's stag, dev_id its StreamID; code
 * Success = CMD_RESUME Retry, Invalid or Failure = CMD_RESUME Abort (SMMUv3 4.7.1:
 * "terminated ... an abort/bus error is reported to client"). A driver without a
 * stall model never produces stall records, so never receives this form.
 */
#define SVA_PAGE_RESP_STALL (1u << 1)

/**
 * The one answer a page-request group gets. argsz is sizeof(struct sva_page_response)
 * as the caller was built: it declares which version of this struct the caller speaks.
 */
struct sva_page_response {
	uint32_t argsz;  /**< sizeof(struct sva_page_response) */
	uint32_t flags;  /**< SVA_PAGE_RESP_PASID_VALID */
	uint32_t dev_id; /**< from the request */
	uint32_t pasid;  /**< from the request */
	uint32_t grpid;  /**< from the request (stall form: the STAG) */
	uint32_t code;   /**< enum sva_page_resp_code */
	uint32_t cookie; /**< from the request (iommufd) */
	uint32_t reserved;
	uint64_t private_data[2]; /**< echoed where the model carries private data */
};

SVA_STATIC_ASSERT(sizeof(struct sva_page_response) == 48, "page response v1 is 48 bytes");

#ifdef __cplusplus
}
#endif

#endif /* SVA_FAULT_H */
