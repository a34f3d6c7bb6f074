/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef TEST_EDU_H
#define TEST_EDU_H

/*
 * A tiny user-space driver, for tests, of QEMU's "edu" educational PCI device
 * (1234:11e8) opened through VFIO: its DMA engine makes real DMA through VFIO, iommufd
 * and the (emulated) IOMMU. From QEMU's hw/misc/edu.c and docs/specs/edu.rst:
 * BAR0 0x00 identification (0xRRrr00edu: 0x010000ed), 0x80 DMA source, 0x88 DMA
 * destination, 0x90 DMA count, 0x98 DMA command (bit 0 start/busy, bit 1 direction:
 * 0 RAM to device, 1 device to RAM); the device's 4 KiB buffer is at device address
 * 0x40000; DMA addresses are masked to 28 bits. QEMU 7.2 aborts on a DMA that ends
 * exactly at the end of the buffer (off by one): keep transfers shorter than 4 KiB.
 */

#include <stdint.h>

#define EDU_BUF_ADDR 0x40000u
#define EDU_BUF_SIZE 4096u
#define EDU_DMA_MASK ((UINT64_C(1) << 28) - 1)

struct test_edu {
	int fd;               /* the VFIO device fd (not owned) */
	uint64_t bar0, cfg;   /* region offsets in the device fd */
};

/* Find BAR0 and config space, enable bus mastering. 0 or -errno. */
int test_edu_open(struct test_edu *e, int vfio_device_fd);
/* The identification register (0x010000ed for QEMU's edu 1.0). */
uint32_t test_edu_id(const struct test_edu *e);
/* One DMA of len bytes; to_ram: device buffer -> RAM at iova, else RAM -> device.
 * Waits (bounded) for the engine. 0, or -ETIMEDOUT, -EIO (register access failed). */
int test_edu_dma(const struct test_edu *e, uint64_t iova, uint32_t dev_off, uint32_t len,
		int to_ram);

#endif /* TEST_EDU_H */
