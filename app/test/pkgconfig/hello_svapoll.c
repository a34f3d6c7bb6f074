/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * An application outside the tree, built only with pkg-config --cflags --libs libsvapoll.
 * It checks the version, and that the iommu drivers came along: a driver registers from
 * a constructor, so an unknown devargs key reaching the driver (EINVAL) rather than "no
 * such driver" (ENODEV) proves the driver library was linked and loaded.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <rte_errno.h>

#include <sva.h>
#include <sva_iommu.h>

int
main(int argc, char **argv)
{
	const char *want = argc > 1 ? argv[1] : "";
	int failed = 0;

	printf("hello from svapoll %s\n", sva_version());
	if (strcmp(sva_version(), want) != 0) {
		printf("FAIL: version %s, expected %s\n", sva_version(), want);
		failed = 1;
	}
	for (int i = 2; i < argc; i++) {
		char devargs[64];

		snprintf(devargs, sizeof(devargs), "%s,no_such_key=1", argv[i]);
		if (sva_iommu_create(devargs) != NULL || rte_errno != EINVAL) {
			printf("FAIL: driver %s is not registered (rte_errno %d)\n", argv[i], rte_errno);
			failed = 1;
		} else {
			printf("driver %s is registered\n", argv[i]);
		}
	}
	return failed;
}
