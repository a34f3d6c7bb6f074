/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <stdint.h>
#include <unistd.h>

#include "test_pagemap.h"

int
test_page_state(const void *addr)
{
	uint64_t e = 0;
	int fd = open("/proc/self/pagemap", O_RDONLY);

	if (fd < 0)
		return -1;
	if (pread(fd, &e, sizeof(e), ((uintptr_t)addr / 4096) * sizeof(e)) != sizeof(e))
		e = 0;
	close(fd);
	if (!(e & (UINT64_C(1) << 63)))
		return TEST_PAGE_ABSENT;
	return (e & (UINT64_C(1) << 56)) ? TEST_PAGE_WRITTEN : TEST_PAGE_SHARED;
}

int
test_no_thp(const void *p, size_t len)
{
	uintptr_t start = (uintptr_t)p & ~(uintptr_t)4095;
	uintptr_t end = ((uintptr_t)p + len + 4095) & ~(uintptr_t)4095;

	return madvise((void *)start, end - start, MADV_NOHUGEPAGE) == 0 ? 0 : -errno;
}
