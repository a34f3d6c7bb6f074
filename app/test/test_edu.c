/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <linux/vfio.h>

#include <rte_cycles.h>

#include "test_edu.h"

#define EDU_REG_ID 0x00
#define EDU_REG_DMA_SRC 0x80
#define EDU_REG_DMA_DST 0x88
#define EDU_REG_DMA_CNT 0x90
#define EDU_REG_DMA_CMD 0x98
#define EDU_DMA_START 0x1u
#define EDU_DMA_TO_RAM 0x2u
#define PCI_COMMAND_OFF 0x04
#define PCI_COMMAND_MASTER_BIT 0x4u

static int
region(int fd, uint32_t index, uint64_t *off)
{
	struct vfio_region_info ri = { .argsz = sizeof(ri), .index = index };

	if (ioctl(fd, VFIO_DEVICE_GET_REGION_INFO, &ri) < 0)
		return -errno;
	*off = ri.offset;
	return 0;
}

static int
wr(int fd, uint64_t off, const void *v, size_t n)
{
	return pwrite(fd, v, n, (off_t)off) == (ssize_t)n ? 0 : -EIO;
}

static int
rd(int fd, uint64_t off, void *v, size_t n)
{
	return pread(fd, v, n, (off_t)off) == (ssize_t)n ? 0 : -EIO;
}

int
test_edu_open(struct test_edu *e, int fd)
{
	uint16_t cmd;
	int ret;

	e->fd = fd;
	ret = region(fd, VFIO_PCI_BAR0_REGION_INDEX, &e->bar0);
	if (ret == 0)
		ret = region(fd, VFIO_PCI_CONFIG_REGION_INDEX, &e->cfg);
	if (ret != 0)
		return ret;
	/* The engine's DMA is refused by QEMU's PCI model without bus mastering. */
	ret = rd(fd, e->cfg + PCI_COMMAND_OFF, &cmd, sizeof(cmd));
	if (ret != 0)
		return ret;
	cmd |= PCI_COMMAND_MASTER_BIT;
	return wr(fd, e->cfg + PCI_COMMAND_OFF, &cmd, sizeof(cmd));
}

uint32_t
test_edu_id(const struct test_edu *e)
{
	uint32_t v = 0;

	rd(e->fd, e->bar0 + EDU_REG_ID, &v, sizeof(v));
	return v;
}

int
test_edu_dma(const struct test_edu *e, uint64_t iova, uint32_t dev_off, uint32_t len,
		int to_ram)
{
	uint64_t dev = EDU_BUF_ADDR + dev_off, src = to_ram ? dev : iova, dst = to_ram ? iova : dev;
	uint64_t cnt = len, cmd = EDU_DMA_START | (to_ram ? EDU_DMA_TO_RAM : 0);
	/* QEMU's engine completes 100 ms (virtual) after the start. */
	uint64_t end = rte_get_timer_cycles() + 10 * rte_get_timer_hz();

	if (wr(e->fd, e->bar0 + EDU_REG_DMA_SRC, &src, 8) != 0 ||
			wr(e->fd, e->bar0 + EDU_REG_DMA_DST, &dst, 8) != 0 ||
			wr(e->fd, e->bar0 + EDU_REG_DMA_CNT, &cnt, 8) != 0 ||
			wr(e->fd, e->bar0 + EDU_REG_DMA_CMD, &cmd, 8) != 0)
		return -EIO;
	do {
		if (rd(e->fd, e->bar0 + EDU_REG_DMA_CMD, &cmd, 8) != 0)
			return -EIO;
		if (!(cmd & EDU_DMA_START))
			return 0;
		rte_delay_us_sleep(1000);
	} while (rte_get_timer_cycles() < end);
	return -ETIMEDOUT;
}
