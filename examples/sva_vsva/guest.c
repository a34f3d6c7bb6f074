/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The guest's page tables, written as a guest kernel writes them:
 *  - x86-64 4-level paging (Intel SDM Vol. 3A 4.5): P bit 0, R/W 1, U/S 2, address
 *    51:12; the IOMMU sets A (5) and D (6);
 *  - AArch64 stage 1, 4 KiB granule, 48-bit VA (Arm ARM D8.3): bits 1:0 0b11 (table at
 *    levels 0-2, page at level 3), AP[1] bit 6 (EL0 access), SH 9:8, AF 10 left 0 for
 *    the SMMU to set (CD.HA), output address 47:12;
 *  - an SMMUv3 CD (IHI0070 5.4): T0SZ 16, TG0 4 KiB, EPD1, V, IPS 48 bits, AA64, HA,
 *    ASID; TTB0 in word 1.
 */
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "guest.h"

#define PG 4096u
#define X86_P (UINT64_C(1) << 0)
#define X86_RW (UINT64_C(1) << 1)
#define X86_US (UINT64_C(1) << 2)
#define X86_ADDR UINT64_C(0x000ffffffffff000)
#define ARM_DESC UINT64_C(3)
#define ARM_AP1 (UINT64_C(1) << 6)
#define ARM_SH_INNER (UINT64_C(3) << 8)
#define ARM_ADDR UINT64_C(0x0000fffffffff000)

static uint64_t *
ent(struct guest *g, uint64_t gpa)
{
	return (uint64_t *)(g->ram + gpa);
}

static uint64_t
tbl_alloc(struct guest *g)
{
	uint64_t gpa = g->next_tbl;

	g->next_tbl += PG;
	memset(g->ram + gpa, 0, PG);
	return gpa;
}

int
guest_init(struct guest *g, bool arm, uint64_t size, uint32_t ssid)
{
	memset(g, 0, sizeof(*g));
	g->arm = arm;
	g->size = size;
	g->fd = memfd_create("sva-vsva-guest-ram", MFD_CLOEXEC);
	if (g->fd < 0 || ftruncate(g->fd, (off_t)size) != 0)
		return -1;
	/* guest RAM: a shared file mapping, as VMMs use; untouched until written */
	g->ram = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, g->fd, 0);
	if (g->ram == MAP_FAILED) {
		g->ram = NULL;
		return -1;
	}
	g->next_tbl = PG;
	g->tbl_end = size / 8;
	g->next_data = g->tbl_end;
	g->root = tbl_alloc(g);
	if (arm) {
		uint64_t *cd;

		g->cd_log2 = 4;
		g->cd_gpa = tbl_alloc(g);
		cd = ent(g, g->cd_gpa + (uint64_t)ssid * 64);
		cd[0] = 16 | (UINT64_C(1) << 30) | (UINT64_C(1) << 31) | (UINT64_C(5) << 32) |
			(UINT64_C(1) << 41) | (UINT64_C(1) << 43) | ((uint64_t)ssid << 48);
		cd[1] = g->root;
	}
	return 0;
}

void
guest_fini(struct guest *g)
{
	if (g->ram != NULL)
		munmap(g->ram, g->size);
	if (g->fd >= 0)
		close(g->fd);
	g->ram = NULL;
	g->fd = -1;
}

void
guest_map(struct guest *g, uint64_t gva, uint64_t gpa)
{
	uint64_t tbl = g->root;

	for (unsigned int l = 0; l < 4; l++) {
		uint64_t *e = ent(g, tbl + ((gva >> (39 - 9 * l)) & 511) * 8);

		if (l == 3) {
			*e = g->arm ? ARM_DESC | ARM_AP1 | ARM_SH_INNER | (gpa & ARM_ADDR) :
				X86_P | X86_RW | X86_US | (gpa & X86_ADDR);
			return;
		}
		if (!(*e & 1)) {
			uint64_t t = tbl_alloc(g);

			*e = g->arm ? ARM_DESC | t : X86_P | X86_RW | X86_US | t;
		}
		tbl = *e & (g->arm ? ARM_ADDR : X86_ADDR);
	}
}

uint64_t
guest_page(struct guest *g)
{
	uint64_t gpa = g->next_data;

	g->next_data += PG;
	return gpa;
}

void
guest_fault(struct guest *g, uint64_t gva)
{
	guest_map(g, gva & ~(uint64_t)(PG - 1), guest_page(g));
	g->faults++;
}

uint64_t
guest_translate(struct guest *g, uint64_t gva)
{
	uint64_t tbl = g->root;

	for (unsigned int l = 0; l < 4; l++) {
		uint64_t e = *ent(g, tbl + ((gva >> (39 - 9 * l)) & 511) * 8);

		if (!(e & 1))
			return UINT64_MAX;
		tbl = e & (g->arm ? ARM_ADDR : X86_ADDR);
	}
	return tbl + (gva & (PG - 1));
}
