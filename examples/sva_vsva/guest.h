/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef SVA_VSVA_GUEST_H
#define SVA_VSVA_GUEST_H

/*
 * The "guest" of sva-vsva: its RAM (a memfd mapping of the VMM process, untouched until
 * someone writes it: GPA g is at ram + g) and what a guest kernel does with it for SVA:
 * build first-level page tables for a guest process (x86-64 4-level paging for a VT-d
 * guest, AArch64 stage 1 with a CD table for an SMMUv3 guest), handle a page fault on
 * them (map the page), and read its own memory through them.
 */

#include <stdbool.h>
#include <stdint.h>

struct guest {
	bool arm;            /* AArch64 + SMMUv3 CD table; else x86-64 for VT-d */
	int fd;
	uint8_t *ram;
	uint64_t size;
	uint64_t next_tbl;   /* page-table pages: a bump allocator from GPA 4 KiB */
	uint64_t tbl_end;
	uint64_t next_data;  /* data pages: from tbl_end on, never written by the guest
			        unless it fills them */
	uint64_t root;       /* PML4 (VT-d first level) or TTB0 (the CD's) */
	uint64_t cd_gpa;     /* SMMUv3: the CD table (linear, 2^cd_log2 CDs) */
	unsigned int cd_log2;
	unsigned int faults; /* page faults its handler served */
};

/* Guest RAM of size bytes; an SMMUv3 guest also gets a linear CD table whose CD ssid
 * points at the process's tables (the other CDs stay zero: invalid, legal until used). */
int guest_init(struct guest *g, bool arm, uint64_t size, uint32_t ssid);
void guest_fini(struct guest *g);
/* Map 4 KiB at gva to gpa (read/write, user), creating the tables on the way. */
void guest_map(struct guest *g, uint64_t gva, uint64_t gpa);
/* A fresh data page (GPA), untouched. */
uint64_t guest_page(struct guest *g);
/* The guest's page-fault handler: map gva's page to a fresh page. */
void guest_fault(struct guest *g, uint64_t gva);
/* The GPA gva maps to, or UINT64_MAX (as the guest's own walk sees it). */
uint64_t guest_translate(struct guest *g, uint64_t gva);

#endif /* SVA_VSVA_GUEST_H */
